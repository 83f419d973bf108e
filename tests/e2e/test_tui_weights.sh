#!/bin/sh
# tests/e2e/test_tui_weights.sh - the workbench's Factors screen on a
# tensor of input weights ([tensor] of = input), driven through tmux
# (TAP; skipped without tmux): zooming into the pixel mode draws the
# component's pixel factor as a 28x28 image in dithered braille (4x4 dots a
# pixel in a 120x40 terminal), its range the factor's in
# tca/rank_02/rep_00/factor_2.npy; in ASCII (LANG=C) too; the next mode
# plots as a line again.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
cat > "$T/w.lab" <<EOF
[session]
name = wtui
seed = 1
[data]
kind = mnist
path = $DATA
[train]
models = 3
hidden = 8
epochs = 1
train_images = 600
log_every = 10
probe_per_class = 10
init = shared
init_scale = 0.1
[tensor]
of = input
[tca]
ranks = 2
replicates = 2
method = cp-als
max_iter = 60
EOF

braille_in() { perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
# rows of the capture holding braille, and the widest span of braille on one
braille_rows() { perl -CSD -ne '$n++ if /[\x{2801}-\x{28FF}]/; END { print $n + 0 }' "$T/$1.cap"; }
braille_width() {
	perl -CSD -ne 'if (/([\x{2801}-\x{28FF}].*[\x{2801}-\x{28FF}])/) { $m = length($1) if length($1) > $m } END { print $m + 0 }' "$T/$1.cap"
}
# "LO HI" of column 0 of the chosen fit's pixel factor (784 x 2), as %.3g
factor_range() {
	perl -e 'open F, "<:raw", $ARGV[0] or exit 1; local $/; $d = <F>;
		$v = ord(substr($d, 6, 1)); $hl = $v == 1 ? unpack("v", substr($d, 8, 2)) : unpack("V", substr($d, 8, 4));
		@x = unpack("d<*", substr($d, ($v == 1 ? 10 : 12) + $hl)); ($lo, $hi) = (9e99, -9e99);
		for ($i = 0; $i < @x; $i += 2) { $lo = $x[$i] if $x[$i] < $lo; $hi = $x[$i] if $x[$i] > $hi }
		printf "%.3g %.3g\n", $lo, $hi' "$T/$1.out/tca/rank_02/rep_00/factor_2.npy"
}

start u w.lab LANG=C.UTF-8
until_ok u shows u '1 Pipeline'
keys u R
until_ok u shows u '^ . +tca +done'
tap_result $? "R trains the MLPs, makes the input-weight tensor and fits it"
keys u 2 Enter
until_ok u shows u 'mode 1 of 4: model \(3, dots\)'
r1=$?
keys u l l
until_ok u shows u 'C1  weight [0-9.e+-]+  \|  mode 3 of 4: pixel \(784\) as a 28x28 image  \|  rank 2, replicate 0'
r2=$?
got=$(perl -CSD -ne 'print "$1 $2\n" if /dots: high, blank: low \((\S+) to (\S+)\)/' "$T/u.cap") want=$(factor_range u)
echo "# image: $(braille_rows u) rows, $(braille_width u) columns, $(braille_in < "$T/u.cap") braille cells; range '$got', factor_2.npy '$want'"
[ "$(braille_rows u)" -eq 28 ] && [ "$(braille_width u)" -le 56 ] && [ "$(braille_width u)" -ge 50 ] &&
	[ "$(braille_in < "$T/u.cap")" -gt 300 ] && [ -n "$want" ] && [ "$got" = "$want" ]
tap_result $((r1 + r2 + $?)) "Factors zoom on the pixel mode: a 28x28 braille image (28 rows, 56 cells wide), its range the factor's"
keys u l
until_ok u shows u 'mode 4 of 4: snapshot \([0-9]+, line\)'
tap_result $? "... l moves on to the snapshot mode, a line again"
keys u q q
wait_exit u && grep -q '^EXIT=0$' "$T/u.exit"
tap_result $? "q quits with status 0"

start a w.lab LANG=C
until_ok a shows a '1 Pipeline'
keys a R
until_ok a shows a '^ . +tca +done'
keys a 2 Enter l l
until_ok a shows a 'pixel \(784\) as a 28x28 image'
r1=$?
n=$(sed -n '3,30p' "$T/a.cap" | tr -cd '|/\\_.:#'"'"'-' | wc -c)
echo "# ASCII image: $n marked cells"
[ "$(braille_in < "$T/a.cap")" -eq 0 ] && [ "$n" -gt 300 ]
tap_result $((r1 + $?)) "LANG=C: the image in ASCII, no braille"
keys a q q
wait_exit a

tap_done
