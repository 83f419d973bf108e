#!/bin/sh
# tests/e2e/test_tui_spectrum.sh - the workbench's Spectrum screen driven
# through tmux (TAP; skipped without tmux): a small MNIST session (3 MLPs
# of 24 units at two learning rates, the Hessian measured at every other
# snapshot) with a [spectrum] step over its models and a planted
# recording (two repeats written by tests/tools/spectrum_planted), run
# with R.  The line on top (alpha, PR, dim90, step) against
# OUTDIR/spectrum/*.npy and train/steps.npy of `latentlab run` on the same
# session as n, N, h, l, g, G and :model / :snap move; the log-log plot
# (its points and its fit line, told apart by colour; its axes' ranges
# against eigenvalues.npy); the sparklines over training with the caret
# and the Hessian's rows; r and the recording against spectrum.json; a
# session without [spectrum]; small terminals; ASCII; NO_COLOR; quitting.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

PLANT=${top_builddir:-.}/tests/tools/spectrum_planted
case $PLANT in /*) ;; *) PLANT=$(pwd)/$PLANT ;; esac
"$PLANT" 400 200 1.0 0.06 5 "$T/R1.npy" "$T/R2.npy" || { echo "Bail out! spectrum_planted failed"; exit 1; }

cat > "$T/nospec.lab" <<EOF
[session]
name = spec
seed = 1
threads = 2
[data]
kind = mnist
path = $SRC/examples/data
[train]
models = 3
hidden = 24
epochs = 1
train_images = 600
log_every = 8
probe_per_class = 20
probe_activity = 20
lr = 0.02,0.1
hessian_top = 3
hessian_every = 2
hessian_images = 100
EOF
{ cat "$T/nospec.lab"; printf '[spectrum]\nwith = %s\nwith_repeat = %s\nbootstrap = 20\n' "$T/R1.npy" "$T/R2.npy"; } > "$T/spec.lab"

# the reference: `latentlab run` of the same session
"$LL" run "$T/spec.lab" -o "$T/run" > "$T/run.log" 2>&1 || { echo "Bail out! latentlab run failed"; sed 's/^/# /' "$T/run.log"; exit 1; }
R=$T/run
S=$(perl -MJSON::PP -e 'local $/; open F, "<", $ARGV[0] or exit 1; print decode_json(<F>)->{models}{snapshots}' "$R/spectrum/spectrum.json")
[ -n "$S" ] && [ "$S" -ge 3 ] || { echo "Bail out! spectrum.json: no snapshots ($S)"; exit 1; }
LAST=$((S - 1))

# what the top line should say for model $1 at snapshot $2 (its alpha, PR,
# dim90 and step from the run's files; lr from the session: 0.02, 0.1 in turn)
want_line() {
	q=$(($1 * S + $2))
	lr=$(if [ $(($1 % 2)) -eq 0 ]; then echo 0.02; else echo 0.1; fi)
	printf 'model %d of 3, lr %s \\(group %d\\)  \\|  snapshot %d of %d, step %.0f  \\|  alpha %s  PR %s  dim90 %.0f  \\|  fit ranks 2-4' \
		"$1" "$lr" $(($1 % 2)) "$2" "$S" "$(npy_at "$R/train/steps.npy" "$2")" "$(npy_at "$R/spectrum/alpha.npy" $q)" \
		"$(npy_at "$R/spectrum/pr.npy" $q)" "$(npy_at "$R/spectrum/dim90.npy" $q)"
}
at_model() { shows "$1" "^ $(want_line "$2" "$3")\$"; }
# the recording's line from spectrum.json
want_rec() {
	perl -MJSON::PP -e 'local $/; open F, "<", $ARGV[0] or exit 1; $r = decode_json(<F>)->{recording} or exit 1;
		printf "recording R1.npy \\(%s\\)  \\|  alpha %.4f \\[%.4f, %.4f\\]  PR %.4f  dim90 %d  \\|  fit ranks %d-%d",
			$r->{method}, $r->{alpha}, @{$r->{alpha_ci}}, $r->{pr}, $r->{dim90}, @{$r->{fit_ranks}}' "$R/spectrum/spectrum.json"
}
# the plot of a 120x40 capture: the rows between its title and the rank axis
plot_rows() { sed -n '3,38p' "$T/$1.cap" | perl -CSD -ne 'if (/^ Eigenspectrum of/) { $in = 1; next } $in = 0 if /^ +[\x{2514}+][\x{252C}+]?[\x{2500}\x{2501}=+-]/; print if $in'; }
# its canvas: right of the y axis (the gutter is 7 cells and the axis)
canvas_of() { plot_rows "$1" | perl -CSD -ne 'chomp; print substr($_, 8), "\n"'; }
braille_in() { perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
# "FIT POINTS": of a capture made with -e, the braille cells of the plot
# in the colour of the fit (that of the heavy rank-axis segment, U+2501)
# and in every other colour
fit_points() {
	perl -CSD -ne 'chomp; my $fg = ""; my $row = "";
		while (/\G(?:\e\[([0-9;]*)m|(.))/gc) {
			if (defined $1) { my @p = split /;/, $1; @p = (0) unless @p;
				while (@p) { my $c = shift @p;
					if ($c == 0 || $c == 39) { $fg = "" } elsif ($c == 38) { my $k = shift @p; $fg = $k == 5 ? "38;5;" . shift(@p) : "38;2;" . join(";", splice(@p, 0, 3)) }
					elsif (($c >= 30 && $c <= 37) || ($c >= 90 && $c <= 97)) { $fg = $c } } next }
			$row .= $2; push @cells, [$2, $fg] }
		if ($row =~ /^ Eigenspectrum of/) { $in = 1; @cells = (); next }
		if ($in && $row =~ /^ +\x{2514}/) { $in = 0; for (@cells) { $fit = $_->[1] if $_->[0] eq "\x{2501}" } last }
		push @plot, @cells if $in; @cells = ();
		END { for (@plot) { next unless $_->[0] =~ /[\x{2801}-\x{28FF}]/; if ($_->[1] eq $fit) { $f++ } else { $p++ } }
			printf "%d %d\n", $f, $p }' "$T/$1.cap"
}
# "LO HI" of the axes' range line: log10 of the smallest positive and the
# largest eigenvalue of model $2 at snapshot $3 in eigenvalues.npy, as %.3g
# (the fit on ranks 2-4 lies inside them)
y_range() {
	perl -MPOSIX -e 'open F, "<:raw", $ARGV[0] or exit 1; local $/; $d = <F>;
		$v = ord(substr($d, 6, 1)); $hl = $v == 1 ? unpack("v", substr($d, 8, 2)) : unpack("V", substr($d, 8, 4));
		@x = unpack("d<*", substr($d, ($v == 1 ? 10 : 12) + $hl)); $k = @x / (3 * $ARGV[2]);
		@e = grep { $_ > 0 } @x[($ARGV[1] * $ARGV[2] + $ARGV[3]) * $k .. ($ARGV[1] * $ARGV[2] + $ARGV[3] + 1) * $k - 1];
		($lo, $hi) = (9e99, -9e99); for (@e) { $lo = $_ if $_ < $lo; $hi = $_ if $_ > $hi }
		printf "%.3g %.3g\n", POSIX::log10($lo), POSIX::log10($hi)' "$R/spectrum/eigenvalues.npy" "$2" "$S" "$3"
}
range_line() { sed -n -E 's/^ x: log10 rank 0 to 1\.38 \(ranks 1-24\)   y: log10 eigenvalue (\S+) to (\S+)$/\1 \2/p' "$T/$1.cap"; }
# the sparkline rows: "  NAME  <cells> VALUE ..."; the caret row's first caret (column)
spark_value() { perl -CSD -ne 'BEGIN { $name = shift } if (/^   \Q$name\E +.*? ((?:-?[0-9][0-9.e+-]*|n\/a)(?: \(not measured here\))?(?:  \(.*\))?)$/) { print "$1\n"; exit }' "$2" "$T/$1.cap"; }
caret_col() { perl -CSD -ne 'if (/^ +\^+ snapshot (\d+)$/) { print index($_, "^"), " $1\n"; exit }' "$T/$1.cap"; }

# ---- keys ---------------------------------------------------------------------
"$LL" tui --keys > "$T/keys"
ok=$?
sed -n '/^Spectrum$/,/^$/p' "$T/keys" > "$T/speckeys"
grep -q -E '^  7 +Spectrum screen$' "$T/keys" && grep -q -E '^  8 +Log screen$' "$T/keys" &&
	grep -q -E '^  n \] +next model$' "$T/speckeys" && grep -q -E '^  N \[ +previous model$' "$T/speckeys" &&
	grep -q -E '^  l Right +next snapshot' "$T/speckeys" && grep -q -E '^  h Left +previous snapshot' "$T/speckeys" &&
	grep -q -E "^  r +the recording's spectrum" "$T/speckeys" &&
	grep -q -E '^  :model N\|rec .+Spectrum screen' "$T/keys" && grep -q -E '^  :snap J\|last .+Spectrum screen' "$T/keys" ||
	ok=1
tap_result $ok "tui --keys: the Spectrum screen (7) with its keys, :model and :snap"

# ---- a session without [spectrum] ----------------------------------------------------
start x nospec.lab LANG=C.UTF-8
until_ok x shows x '6 DSA +7 Spectrum +8 Log'
r1=$?
keys x 7
until_ok x shows x 'No spectra\.'
r2=$?
shows x 'No spectra: add a \[spectrum\] step' && shows x '^ no spectra: add a \[spectrum\] step to the session'
r3=$?
keys x n
until_ok x shows x 'no spectra: add a \[spectrum\] step and run it'
tap_result $((r1 + r2 + r3 + $?)) "no [spectrum] step: 'No spectra: add a [spectrum] step'; its keys say so too"
quits x "no [spectrum] step: "

# ---- UTF-8, colour ------------------------------------------------------------------
start u spec.lab LANG=C.UTF-8
until_ok u shows u '1 Pipeline'
keys u 7
until_ok u shows u 'Run the spectrum step: on the Pipeline screen \(1\), R runs every step, or :run spectrum'
tap_result $? "Spectrum before the step has run: says to run it"
keys u 1 R
until_ok u shows u '^ . +spectrum +done'
r1=$?
[ -s "$T/u.out/spectrum/alpha.npy" ] && cmp -s "$T/u.out/spectrum/alpha.npy" "$R/spectrum/alpha.npy" &&
	cmp -s "$T/u.out/spectrum/pr.npy" "$R/spectrum/pr.npy"
tap_result $((r1 + $?)) "R runs train and spectrum: alpha.npy and pr.npy as latentlab run writes them"

keys u 7
until_ok u at_model u 0 $LAST
r1=$?
echo "# want: $(want_line 0 $LAST)"
sed -n 2p "$T/u.cap" | sed 's/^/# got:  /'
tap_result $r1 "Spectrum: model 0 at the last snapshot: lr, step, alpha, PR, dim90 as in the run's .npy files"

nb=$(canvas_of u | braille_in)
cap u -e
set -- $(fit_points u)
fitc=${1:-0} ptc=${2:-0}
echo "# plot: $nb braille cells; in colour: $fitc on the fit line, $ptc for the points"
cap u
yr=$(range_line u) want=$(y_range u 0 $LAST)
echo "# axes: y range '$yr', eigenvalues.npy '$want'"
shows u "^ Eigenspectrum of model 0 at step [0-9]+, log-log: λ_n ~ n\\^-[0-9.]+ on ranks 2-4" && [ "$nb" -ge 12 ] &&
	[ "$fitc" -ge 4 ] && [ "$ptc" -ge 8 ] && [ -n "$yr" ] && [ "$yr" = "$want" ] &&
	[ "$(plot_rows u | grep -c -E '^ +1e-?[0-9]+ ┤')" -ge 3 ] && shows u '^ +└┬.*━+' &&
	shows u '^ +1 +10 +24$' && shows u 'eigenvalues \([0-9]+ of 24 shown\)   ━━ power law, alpha [0-9.]+ on ranks 2-4'
tap_result $? "Spectrum: a braille log-log plot: points, the fit line in its own colour, decades, the axes' ranges"
[ "$(colour_sgr "$T/u.cap")" -gt 0 ] || { cap u -e; [ "$(colour_sgr "$T/u.cap")" -gt 0 ]; }
tap_result $? "Spectrum: colour by default (the NO_COLOR check below can fail)"
cap u

# the sparklines over training and the caret
ok=0
for row in 'alpha:alpha.npy:%.4f' 'PR:pr.npy:%.4f' 'dim90:dim90.npy:%.0f'; do
	name=${row%%:*} f=${row#*:} fmt=${f#*:} f=${f%%:*}
	want=$(printf "$fmt" "$(npy_at "$R/spectrum/$f" $LAST)") got=$(spark_value u "$name")
	case $got in "$want  ("*) ;; *) echo "# $name: the sparkline row says '$got', $f gives $want"; ok=1 ;; esac
done
htop=$(perl -e 'printf "%.4g", $ARGV[0]' "$(npy_at "$R/train/hessian_top.npy" $((LAST * 3)))")
htr=$(perl -e 'printf "%.4g", $ARGV[0]' "$(npy_at "$R/train/hessian_trace.npy" $LAST)")
case $(spark_value u 'Hessian top') in "$htop  ("*) ;; *) echo "# Hessian top: '$(spark_value u 'Hessian top')', want $htop"; ok=1 ;; esac
case $(spark_value u 'Hessian trace') in "$htr  ("*) ;; *) echo "# Hessian trace: '$(spark_value u 'Hessian trace')', want $htr"; ok=1 ;; esac
c3=$(caret_col u)
shows u "^ Model 0 over training: $S snapshots" && [ "${c3#* }" = "$LAST" ] || ok=1
tap_result $ok "Spectrum: alpha, PR, dim90 and the Hessian's top eigenvalue and trace over training, the last snapshot marked"

# h and l: the snapshot (line, caret) moves; the Hessian was not measured at snapshot 1
keys u h
until_ok u at_model u 0 $((LAST - 1))
r1=$?
c2=$(caret_col u)
echo "# caret (column snapshot): at the last $c3, after h $c2"
[ "${c2#* }" = "$((LAST - 1))" ] && [ "${c2% *}" -lt "${c3% *}" ]
r2=$?
keys u : 'snap 1' Enter
until_ok u at_model u 0 1
r3=$?
spark_value u 'Hessian top' | grep -q '^n/a (not measured here)  (' && spark_value u 'Hessian trace' | grep -q '^n/a (not measured here)'
r4=$?
keys u l
until_ok u at_model u 0 2
tap_result $((r1 + r2 + r3 + r4 + $?)) "h, :snap 1 and l move the snapshot (values, caret); the Hessian's rows say n/a where it was not measured"
keys u g
until_ok u at_model u 0 0
r1=$?
keys u G
until_ok u at_model u 0 $LAST
tap_result $((r1 + $?)) "g and G: the first and the last snapshot"

# n, N and :model: the model and its learning rate
cp "$T/u.cap" "$T/m0.cap"
canvas_of u > "$T/plot0"
keys u n
until_ok u at_model u 1 $LAST
r1=$?
canvas_of u > "$T/plot1"
! cmp -s "$T/plot0" "$T/plot1" && shows u '^ Eigenspectrum of model 1 at step'
r2=$?
keys u ']'
until_ok u at_model u 2 $LAST
r3=$?
keys u n
until_ok u at_model u 0 $LAST
r4=$?
keys u N
until_ok u at_model u 2 $LAST
r5=$?
keys u : 'model 1' Enter
until_ok u at_model u 1 $LAST
r6=$?
keys u : 'model 3' Enter
until_ok u shows u ':model takes a model number, 0-2, or rec'
r7=$?
keys u : 'snap 9' Enter
until_ok u shows u ':snap takes a snapshot number, 0-'"$LAST"', or last'
tap_result $((r1 + r2 + r3 + r4 + r5 + r6 + r7 + $?)) "n, ], N and :model change the model (lr group, values, plot); :model 3 and :snap 9 are refused"

# r: the recording's spectrum and fit, and back
keys u r
until_ok u shows u "^ $(want_rec)\$"
r1=$?
echo "# want: $(want_rec)"
sed -n 2p "$T/u.cap" | sed 's/^/# got:  /'
nb=$(canvas_of u | braille_in)
cap u -e
set -- $(fit_points u)
fitc=${1:-0} ptc=${2:-0}
cap u
echo "# recording plot: $nb braille cells; $fitc on the fit line, $ptc for the points"
shows u '^ Eigenspectrum of the recording \(cvpca\), log-log: λ_n ~ n\^-[0-9.]+ on ranks 2-35' &&
	shows u '^ x: log10 rank 0 to 2\.3 \(ranks 1-200\)' && [ "$nb" -ge 40 ] && [ "$fitc" -ge 8 ] && [ "$ptc" -ge 20 ] &&
	shows u "^ Recording: $T/R1.npy, repeat $T/R2.npy" && shows u '^   cvpca spectrum of 400 stimuli x 200 neurons: 200 eigenvalues' &&
	shows u '^   alpha [0-9.]+, 95% interval \[[0-9.]+, [0-9.]+\] from 20 resamples'
r2=$?
keys u r
until_ok u at_model u 1 $LAST
r3=$?
keys u : 'model rec' Enter
until_ok u shows u "^ $(want_rec)\$"
r4=$?
keys u : 'snap 0' Enter
until_ok u at_model u 1 0
tap_result $((r1 + r2 + r3 + r4 + $?)) "r shows the recording (alpha, interval, PR, dim90 as spectrum.json; its plot and fit) and back; :model rec, :snap 0"

# small terminals and back
at_80x24() { [ "$(braille_in < "$T/$1.cap")" -ge 8 ] && shows "$1" 'alpha'; }
sizes u "Spectrum at 20x8 (too small, no crash), 40x12, 80x24, back at 120x40" \
	20x8 'terminal too small' : \
	40x12 '^ m1 s0 step 0: alpha ' : \
	80x24 '^ model 1, snap 0 \(step 0\)  \|  alpha ' at_80x24 \
	120x40 "^ $(want_line 1 0)\$" :
quits u

# ---- LANG=C: ASCII only; NO_COLOR -----------------------------------------------------
in_ascii() {
	# the canvas: each eigenvalue an 'o', the fit line the canvas's line characters
	no=$(canvas_of a | tr -cd o | wc -c) nl=$(canvas_of a | tr -cd "/\\\\|_.:'#-" | wc -c)
	echo "# LANG=C: $no o, $nl line characters in the plot"
	[ "$no" -ge 12 ] && [ "$nl" -ge 4 ] && shows a '^ +\+\+-*=+' &&
		shows a 'lambda_n ~ n\^-[0-9.]+ on ranks 2-4' && shows a '^   alpha +[_.:=+*#-]+ ' && shows a '^ +\^+ snapshot '"$LAST"'$' &&
		shows a 'o eigenvalues \([0-9]+ of 24 shown\)   -- power law'
}
without_colour() { [ "$(canvas_of n | braille_in)" -ge 12 ]; }
robustness spec.lab spectrum 7 "^ $(want_line 0 $LAST)\$" \
	in_ascii "the Spectrum screen in ASCII (points o, the fit in line characters, ASCII sparklines)" \
	without_colour "the Spectrum screen without colour escapes (braille still)"

tap_done
