#!/bin/sh
# tests/e2e/test_tui_dsa.sh - the workbench's DSA screen driven through
# tmux (TAP; skipped without tmux): a small flip-flop session (2 cells x 3
# seeds, 16 units) with a [dsa] step run with R; then the matrix shown
# against OUTDIR/dsa/*.npy (the pair's values, the colour scale's range)
# as m switches between DSA, W2 and geometry, the pair moved with hjkl and
# t, the DMD eigenvalues around the unit circle, the MDS map, the settings
# line against dsa.json, a session without [dsa], small terminals, ASCII,
# NO_COLOR, quitting.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

cat > "$T/nodsa.lab" <<EOF
[session]
name = ffdsa
seed = 1
[data]
kind = task
[rnn]
task = flipflop
bits = 3
steps = 60
cells = vanilla,gru
seeds = 3
hidden = 16
iters = 150
probes = 8
EOF
{ cat "$T/nodsa.lab"; printf '[dsa]\nrank = 10\n'; } > "$T/ff.lab"

# A 120x40 capture of the DSA screen: title in line 2, settings in line 3,
# the heat map (left of the bar) and the panel (right) in lines 4-38.
panel() { right_of_bar "$1" 4; }
# the value the panel gives for the matrix named by ERE $2
panel_value() { panel "$1" | perl -CSD -ne 'print "$1\n" if /^ (?:\x{25b6}|>| ) (?:'"$2"') +(\S+)/'; }
# the marked one's name
panel_marked() { panel "$1" | perl -CSD -ne 'print "$1\n" if /^ (?:\x{25b6}|>) (.+?) {2,}\S+/'; }
# the eigenvalue plot: the panel's rows between its title and its legend
eig_plot() { panel "$1" | perl -CSD -ne 'if (/DMD eigenvalues/) { $in = 1; next } $in = 0 if /circle \|/; print if $in'; }
# the MDS map: the panel's rows between its title and its legend
mds_map() { panel "$1" | perl -CSD -ne 'if (/^ MDS of/) { $in = 1; next } $in = 0 if /\(\d+\)  /; print if $in'; }
braille_in() { perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
# "LO HI" of the colour scale under the heat map, and of the pairs
# (off-diagonal, finite) of OUTDIR/dsa/$2.npy, both as %.3g
scale_of() { left_of_bar "$1" 4 | perl -CSD -ne 'print "$1 $2\n" if /^ +(\S+) (?:\x{2588}+|[.:=*#%@+-]{8,}) (\S+)  \(the/'; }
npy_range() {
	perl -e 'open F, "<:raw", $ARGV[0] or exit 1; local $/; $d = <F>;
		$v = ord(substr($d, 6, 1)); $hl = $v == 1 ? unpack("v", substr($d, 8, 2)) : unpack("V", substr($d, 8, 4));
		@x = unpack("d<*", substr($d, ($v == 1 ? 10 : 12) + $hl)); $n = int(sqrt(@x) + 0.5); ($lo, $hi) = (9e99, -9e99);
		for $i (0 .. $n - 1) { for $j (0 .. $n - 1) { $e = $x[$i * $n + $j];
			next if $i == $j || $e != $e; $lo = $e if $e < $lo; $hi = $e if $e > $hi } }
		printf "%.3g %.3g\n", $lo, $hi' "$T/$1.out/dsa/$2.npy"
}
# the pair's value of matrix $2 in npy, (a, b) = ($3, $4) of 6 systems
npy_pair() { npy_at "$T/$1.out/dsa/$2.npy" $(($3 * 6 + $4)); }
# the title of matrix ERE $2 with the pair (a, b) = ($3, $4) and its value from $5.npy
title_is() { shows "$1" "^ $2 \([1-3] of 3\)  \| +pair \($3, $4\) $(npy_pair "$1" "$5" "$3" "$4")  \| "; }

# ---- keys ---------------------------------------------------------------------
"$LL" tui --keys > "$T/keys"
ok=$?
sed -n '/^DSA$/,/^$/p' "$T/keys" > "$T/dsakeys"
grep -q -E '^  6 +DSA screen$' "$T/keys" && grep -q -E '^  8 +Log screen$' "$T/keys" &&
	grep -q -E '^  m +next matrix: DSA angular, eigenvalue W2\^2, geometry' "$T/dsakeys" &&
	grep -q -E '^  l Right +next column' "$T/dsakeys" && grep -q -E '^  t +swap' "$T/dsakeys" &&
	grep -q -E '^  :dsa NAME ' "$T/keys" || ok=1
tap_result $ok "tui --keys: the DSA screen (6) with its keys and :dsa"

# ---- a session without [dsa] ----------------------------------------------------------
start x nodsa.lab LANG=C.UTF-8
until_ok x shows x '5 Dynamics +6 DSA +7 Spectrum +8 Log'
r1=$?
keys x 6
until_ok x shows x 'No DSA results\.'
r2=$?
shows x 'This session has no \[dsa\] step: add a \[dsa\] step' && shows x '^ no DSA results: add a \[dsa\] step'
r3=$?
keys x m
until_ok x shows x 'no DSA results: add a \[dsa\] step and run it'
tap_result $((r1 + r2 + r3 + $?)) "no [dsa] step: the DSA screen says to add one; its keys say so too"
quits x "no [dsa] step: "

# ---- UTF-8, colour ------------------------------------------------------------------
start u ff.lab LANG=C.UTF-8
until_ok u shows u '1 Pipeline'
keys u 6
until_ok u shows u 'Run the dsa step: on the Pipeline screen \(1\), R runs every step, or :run dsa'
tap_result $? "DSA before the step has run: says to run it"
keys u 1 R
until_ok u shows u '^ . +dsa +done'
r1=$?
[ -s "$T/u.out/dsa/dsa.npy" ] && [ -s "$T/u.out/dsa/wasserstein.npy" ] && [ -s "$T/u.out/dsa/geometry.npy" ]
tap_result $((r1 + $?)) "R runs the rnn and dsa steps: dsa.npy, wasserstein.npy, geometry.npy"

keys u 6
until_ok u shows u 'Pair: vanilla 1 \(row 0\) x vanilla 2 \(column 1\)'
r1=$?
echo "# heat map rows: $(left_of_bar u 4 | grep -c -E '▀{8}'), selected pair at $(heat_sel u 4); scale $(scale_of u), dsa.npy $(npy_range u dsa)"
title_is u 'DSA angular' 0 1 dsa && [ "$(left_of_bar u 4 | grep -c -E '▀{8}')" -ge 6 ] &&
	left_of_bar u 4 | grep -q -E '^ +0▶▀+\[▀+\]▀' && [ "$(scale_of u)" = "$(npy_range u dsa)" ] &&
	shows u 'the angle between the fitted dynamics, radians: 0 = the same'
tap_result $((r1 + $?)) "DSA: the angular DSA matrix as a half-block heat map, its scale the pairs' range in dsa.npy, pair (0, 1) marked"
ok=0
for m in 'DSA angular:dsa' 'eigenvalue W2\^2:wasserstein' 'geometry \(angular\):geometry'; do
	want=$(npy_pair u "${m#*:}" 0 1) got=$(panel_value u "${m%:*}")
	[ -n "$want" ] && [ "$got" = "$want" ] || { echo "# ${m%:*}: the panel says '$got', ${m#*:}.npy[0, 1] is '$want'"; ok=1; }
done
[ "$(panel_marked u)" = "DSA angular" ] && panel u | grep -q -E '^   group vanilla \(both\)$' &&
	panel u | grep -q -E '^   a: 8 trials x 60 steps x 16 units, \|λ\|max [0-9.]+$' || ok=1
tap_result $ok "DSA: the panel gives the pair's names, group and three values as in the step's .npy files"
sep=$(perl -MJSON::PP -e 'local $/; open F, "<", $ARGV[0] or exit 1; $j = decode_json(<F>);
	printf "groups separate %.3gx by DSA, %.3gx by geometry", $j->{separation_dsa}, $j->{separation_geometry}' \
	"$T/u.out/dsa/dsa.json")
echo "# dsa.json: $sep"
[ -n "$sep" ] && shows u "^ delays 10 \(interval 1\), DMD rank 10, restarts 3  \|  $sep  \|  6 systems: RNN"
tap_result $? "DSA: the settings and separations line, as in dsa.json"

eig_plot u > "$T/eig01"
nb=$(braille_in < "$T/eig01") ring=$(ring_rows_in < "$T/eig01")
echo "# eigenvalue plot: $nb braille cells, $ring rows across the ring"
shows u 'DMD eigenvalues of a and b: 10 each, unit circle' && [ "$nb" -ge 40 ] && [ "$ring" -ge 6 ] &&
	shows u 'a vanilla 1  .+ b vanilla 2  circle \|λ\| = 1'
tap_result $? "DSA: both systems' DMD eigenvalues in braille around the unit circle, with a legend"
nb=$(mds_map u | braille_in)
echo "# MDS map: $nb braille cells"
shows u 'MDS of DSA distances \(classical, stress [0-9.]+\)' && [ "$nb" -ge 6 ] && shows u 'vanilla \(3\)  .+ gru \(3\)  a-b: the pair'
tap_result $? "DSA: the MDS map of the DSA distances in braille, shaped by group"
cap u -e
[ "$(colour_sgr "$T/u.cap")" -gt 0 ]
tap_result $? "DSA: colour by default (the NO_COLOR check below can fail)"

# m: W2, then geometry; the title, the mark, the values and the scale follow
keys u m
until_ok u title_is u 'eigenvalue W2\^2' 0 1 wasserstein
r1=$?
echo "# W2: scale $(scale_of u), wasserstein.npy $(npy_range u wasserstein)"
[ "$(panel_marked u)" = "eigenvalue W2^2" ] && [ "$(scale_of u)" = "$(npy_range u wasserstein)" ] &&
	[ "$(scale_of u)" != "$(npy_range u dsa)" ] && shows u "the eigenvalues' W2\^2: 0 = the same spectrum" &&
	shows u 'MDS of DSA, stress [0-9.]+; W2 has none'
tap_result $((r1 + $?)) "DSA: m shows the eigenvalue W2^2 matrix (title, mark, scale from wasserstein.npy)"
keys u m
until_ok u title_is u 'geometry \(angular\)' 0 1 geometry
r1=$?
[ "$(panel_marked u)" = "geometry (angular)" ] && [ "$(scale_of u)" = "$(npy_range u geometry)" ] &&
	shows u 'MDS of geometry \(angular\)'
r2=$?
keys u m
until_ok u title_is u 'DSA angular' 0 1 dsa
r3=$?
keys u M
until_ok u title_is u 'geometry \(angular\)' 0 1 geometry
tap_result $((r1 + r2 + r3 + $?)) "DSA: m on to geometry (its scale, its MDS map) and back to DSA; M goes back"
keys u : 'dsa w2' Enter
until_ok u title_is u 'eigenvalue W2\^2' 0 1 wasserstein
r1=$?
keys u : 'dsa frob' Enter
until_ok u shows u ":dsa: no matrix 'frob'"
r2=$?
keys u : 'dsa dsa' Enter
until_ok u title_is u 'DSA angular' 0 1 dsa
tap_result $((r1 + r2 + $?)) ":dsa w2 and :dsa dsa choose the matrix; :dsa frob is refused"

# hjkl: the pair, its brackets, its values and its eigenvalues move
s0=$(heat_sel u 4)
keys u l
until_ok u shows u 'Pair: vanilla 1 \(row 0\) x vanilla 3 \(column 2\)'
r1=$?
s1=$(heat_sel u 4)
keys u j
until_ok u shows u 'Pair: vanilla 2 \(row 1\) x vanilla 3 \(column 2\)'
r2=$?
s2=$(heat_sel u 4)
echo "# selection (row col): $s0, after l: $s1, after j: $s2"
[ -n "$s0" ] && [ "${s1% *}" -eq "${s0% *}" ] && [ "${s1#* }" -gt "${s0#* }" ] &&
	[ "${s2% *}" -gt "${s1% *}" ] && [ "${s2#* }" -eq "${s1#* }" ] && title_is u 'DSA angular' 1 2 dsa &&
	[ "$(panel_value u 'eigenvalue W2\^2')" = "$(npy_pair u wasserstein 1 2)" ]
tap_result $((r1 + r2 + $?)) "DSA: l and j move the pair (and its brackets) to (1, 2) with its values"
keys u k l
until_ok u shows u 'Pair: vanilla 1 \(row 0\) x gru 1 \(column 3\)'
r1=$?
eig_plot u > "$T/eig03"
panel u | grep -q -E '^   groups vanilla and gru$' && title_is u 'DSA angular' 0 3 dsa && ! cmp -s "$T/eig01" "$T/eig03" &&
	shows u 'a vanilla 1  .+ b gru 1  circle'
r2=$?
keys u t
until_ok u shows u 'Pair: gru 1 \(row 3\) x vanilla 1 \(column 0\)'
r3=$?
title_is u 'DSA angular' 3 0 dsa
tap_result $((r1 + r2 + r3 + $?)) "DSA: a vanilla x gru pair has other eigenvalues; t swaps it"
keys u h h
until_ok u shows u 'Pair: gru 1 \(row 3\) x vanilla 1 \(column 0\)'
tap_result $? "DSA: the selection stops at the matrix's edge"

# small terminals and back
at_40x12() { [ "$(grep -c '▀' "$T/$1.cap")" -ge 2 ] && shows "$1" '6 DSA'; }
at_80x24() { [ "$(braille_in < "$T/$1.cap")" -ge 20 ] && shows "$1" 'Pair: gru 1 \(row 3\)'; }
sizes u "DSA at 20x8 (too small, no crash), 40x12 (the map), 80x24 (the panel, the plot), back at 120x40" \
	20x8 'terminal too small' : \
	40x12 '^ DSA angular \(1 of 3\)' at_40x12 \
	80x24 'DMD eigenvalues' at_80x24 \
	120x40 'Pair: gru 1 \(row 3\) x vanilla 1 \(column 0\)' :
quits u

# ---- LANG=C: ASCII only; NO_COLOR -----------------------------------------------------
in_ascii() {
	ring=$(eig_plot a | ring_rows_in)
	# the map's points: each group's character (the canvas draws lines with others)
	no=$(mds_map a | tr -cd o | wc -c) np=$(mds_map a | tr -cd + | wc -c)
	echo "# LANG=C: rows across the ring: $ring; scale $(scale_of a); MDS map: $no o, $np +"
	left_of_bar a 4 | grep -q -E '^ +0>[.:=*#%@+-]+\[[.:=*#%@+-]+\]' &&
		[ "$(scale_of a)" = "$(npy_range a dsa)" ] && [ "$(panel_marked a)" = "DSA angular" ] && [ "$ring" -ge 6 ] &&
		eig_plot a | grep -q -E '[ab]' && shows a 'a vanilla 1  b vanilla 2  circle \|l\| = 1' &&
		shows a 'o vanilla \(3\)  \+ gru \(3\)  a-b: the pair' && [ "$no" -ge 1 ] && [ "$np" -ge 1 ] && [ $((no + np)) -ge 4 ]
}
# without colour a half block cannot show a value: the density ramp instead
without_colour() {
	[ "$(eig_plot n | braille_in)" -ge 40 ] && ! left_of_bar n 4 | grep -q '▀' &&
		left_of_bar n 4 | grep -q -E '^ +0▶[.:=*#%@+-]+\['
}
robustness ff.lab dsa 6 'Pair: vanilla 1 \(row 0\) x vanilla 2 \(column 1\)' \
	in_ascii "the DSA screen in ASCII (density ramp, eigenvalues as a and b, groups as o and +)" \
	without_colour "the DSA screen without colour escapes (ramp, braille)"

tap_done
