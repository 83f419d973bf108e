#!/bin/sh
# tests/e2e/test_tui_factors.sh - the Factors screen shows factors as the
# report does (TAP; skipped without tmux), on the simulated bio session
# (two conditions in turn over 80 trials) and on a 10-class array:
#  - D1: a trial mode is drawn by kind: dots in the zoom, its y axis from
#    0, a legend of the conditions; in the table it is grouped by
#    condition; class modes get a tick label per class (0 ... 9)
#  - D10: conditions and paths take the report's colours (the nearest
#    xterm colours of its palette, #0072B2 -> 25, #D55E00 -> 166), in the
#    Factors screen and in the Trajectory legend
#  - a "loads on" line per component: top units, peak time, the condition
#    with its value, "flat" for a factor that does not vary
#  - D16: one number of decimals for a fit's weights
#  - D17: replicates numbered from 0 (0 = best), as rep_00 and the report
#  - b pins a fit beside the table (two ranks side by side), in help and hints
#  - D5: setting back the value the results were computed with makes the
#    steps done again (nothing reruns); an edit of [tca] rank alone reruns
#    tca without refitting
#  - D13: keys the data kind does not use are marked so on the Pipeline screen
#  - with NO_COLOR, neighbouring labels differ by style (odd ones underlined)
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

sed -e 's/^ranks = 1-6/ranks = 1-4/' "$SRC/examples/bio.lab" > "$T/bio.lab"
"$LL" synth --conditions 10 --trials 10 --neurons 12 --time 8 -o "$T/pop" > /dev/null ||
	{ echo "Bail out! synth failed"; exit 1; }
cat > "$T/cls.lab" <<EOF
[session]
name = cls
seed = 3
[data]
kind = npy
path = pop/data.npy
labels = pop/labels.npy
modes = neuron,time,digit
[tca]
ranks = 2
replicates = 2
EOF

start f bio.lab LANG=C.UTF-8 TERM=xterm-256color
until_ok f shows f '1 Pipeline'
shows f "path += ''  \(default\)  \(not used with kind = synth\)" && shows f 'neurons += 50 *$'
tap_result $? "D13: keys kind = synth does not use are marked so; the ones it uses are not"

keys f R
until_ok f shows f 'report +done'
keys f 2
until_ok f shows f 'loads on'
shows f 'trial \(80\) by condition'
tap_result $? "D1: the trial column is grouped by condition"
shows f 'C[0-9] loads on: neuron [0-9]+(, [0-9]+)*; peak time [0-9]+; trial: condition 1 \(0\.[0-9][0-9]\)' &&
	shows f 'C[0-9] loads on: .*; trial flat'
tap_result $? "a loads-on line per component: top units, peak time, the condition and its value, flat factors"
shows f 'replicate 0 of 0-4 \(best\)'
r1=$?
keys f : 'replicate 5' Enter
until_ok f shows f 'rank 3 has replicates 0-4 \(0 = the best fit\)'
tap_result $((r1 + $?)) "D17: replicates are numbered from 0, the best fit"
cap f -e
# (perl: the block and braille ranges are not for every grep's locale)
has_sgr() { perl -CSD -e 'my ($re, $f) = @ARGV; open my $h, "<", $f or exit 1; while (<$h>) { exit 0 if /$re/ } exit 1' "$2" "$T/$1.cap"; }
has_sgr f '38;5;25m\x{2581}' && has_sgr f '38;5;166m[\x{2581}-\x{2588}]' 
tap_result $? "D10: trial cells in the report's colours of condition 0 and 1"

# the zoom of the component that loads on condition 1, on its trial mode
cap f
row=$(perl -CSD -ne 'if (/^.C([0-9]+) /) { $c = $1 } if (/^ +C[0-9]+ loads on: .*condition 1/) { print "$c\n"; exit }' "$T/f.cap")
keys f g
i=1
while [ "$i" -lt "${row:-1}" ]; do keys f j; i=$((i + 1)); done
keys f Enter h
until_ok f shows f 'mode 3 of 3: trial \(80, dots\)'
r1=$?
shows f '^ +0 │' && shows f '● condition 0 +● condition 1'
tap_result $((r1 + $?)) "D1: the trial factor zoomed is dots from 0 with a legend of the conditions"
cap f -e
has_sgr f '38;5;25m[\x{2800}-\x{28FF}]' && has_sgr f '38;5;166m[\x{2800}-\x{28FF}]' 
tap_result $? "D1/D10: its dots in the conditions' colours"
keys f Escape

# two ranks side by side
keys f b ']'
until_ok f shows f 'beside \(b\): rank 3, replicate 0'
shows f '^ rank 4 \(1-4\)' && shows f '\(no match\)'
tap_result $? "b pins rank 3 beside; ] shows rank 4 on the left, C4 unmatched on the right"
# every weight of the fit (left) with the same decimals, small ones too
perl -CSD -ne 'print "$1\n" if /^.C[0-9]+ +[0-9]+(\.[0-9]+)? /' "$T/f.cap" | sort -u > "$T/dec"
[ "$(wc -l < "$T/dec")" -ge 1 ] &&
	[ "$(perl -ne 'print length($_), "\n"' "$T/dec" | sort -u | wc -l)" -eq 1 ] &&
	[ "$(perl -CSD -ne 'print "x\n" if /^.C[0-9]+ +[0-9]+(\.[0-9]+)? /' "$T/f.cap" | wc -l)" -eq 4 ]
tap_result $? "D16: rank 4 (weights 436 to 44): one number of decimals for all"
shows f ' b beside '
r1=$?
keys f '?'
until_ok f shows f 'b +pin this fit beside the table'
tap_result $((r1 + $?)) "b is in the hint bar and the help"
keys f Escape b '['

# trajectories in the report's colours
keys f 3
until_ok f shows f 'condition 1'
cap f -e
grep -q '38;5;25m●.*condition 0' "$T/f.cap" && grep -q '38;5;166m●.*condition 1' "$T/f.cap"
tap_result $? "D10: the trajectory legend's paths in the report's colours"

# D5: an edit and its reversal; then rank alone
keys f 1 : 'set tca.replicates 3' Enter
until_ok f shows f 'will run again: tca'
r1=$?
shows f 'tca +pending'; r2=$?
keys f : 'set tca.replicates 5' Enter
until_ok f shows f 'computed with: tca, report done again'
r3=$?
shows f 'tca +done'; r4=$?
keys f 8
until_ok f shows f 'set tca.replicates 5'
[ "$(grep -c 'tca: running' "$T/f.cap")" -eq 1 ]
tap_result $((r1 + r2 + r3 + r4 + $?)) "D5: setting the old value back makes tca done again without running it"
keys f 1 : 'set tca.rank 4' Enter
until_ok f shows f 'tca +pending'
keys f R
until_ok f shows f 'report +done'
keys f 8
until_ok f shows f 'tca: only the rank to show changed: the fitted ensemble is kept, nothing refitted'
r1=$?
keys f 2
until_ok f shows f '^ rank 4 chosen'
r2=$?
# OUTDIR/tca: the summary says rank 4, the fits' files are still there
grep -A1 '"chosen_rank"' "$T/f.out/tca/summary.json" | grep -q '"rank": 4' &&
	[ -s "$T/f.out/tca/rank_02/rep_00/factor_0.npy" ] && [ -s "$T/f.out/tca/rank_04/rep_04/lambda.npy" ]
tap_result $((r1 + r2 + $?)) "D5: tca.rank alone reruns tca without refitting; rank 4 shown and in tca/summary.json"
keys f : 'q!' Enter
wait_exit f

# NO_COLOR: path 1 differs from path 0 by style (underlined)
start n bio.lab LANG=C.UTF-8 NO_COLOR=1
until_ok n shows n '1 Pipeline'
keys n R
until_ok n shows n 'report +done'
keys n 3
until_ok n shows n 'condition 1'
cap n -e
perl -CSD -e 'my %u; while (<>) { next unless /\e\[([0-9;]*)m\x{25CF}.*condition ([01])/; my ($p, $c) = ($1, $2); $u{$c} = ";$p;" =~ /;4;/ ? 1 : 0 }
	exit !(exists $u{0} && exists $u{1} && !$u{0} && $u{1})' "$T/n.cap"
tap_result $? "D10, NO_COLOR=1: path 1 is underlined, path 0 is not"
keys n : 'q!' Enter
wait_exit n

# a class mode: a tick label per class, coloured by label
start c cls.lab LANG=C.UTF-8 TERM=xterm-256color
until_ok c shows c '1 Pipeline'
keys c R
until_ok c shows c 'tca +done'
keys c 2 Enter h
until_ok c shows c 'mode 3 of 3: digit \(10, dots\)'
r1=$?
perl -CSD -e 'while (<>) { $ok = 1 if /^ +0 +1 +2 +3 +4 +5 +6 +7 +8 +9 *$/ } exit !$ok' "$T/c.cap"
r2=$?
shows c '● label 0 +● label 1'
tap_result $((r1 + r2 + $?)) "D1: a class mode zoomed: dots, ticks 0 ... 9, a legend of the labels"
keys c Escape
quits c
tap_done
