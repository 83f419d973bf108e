#!/bin/sh
# tests/e2e/test_tui.sh - the workbench (`latentlab tui`) driven through tmux
# (TAP): the real binary in a 120x40 pane, keys sent with send-keys, the
# screen read back with capture-pane.  Every wait polls the pane (up to
# 30 s) instead of sleeping a fixed time.  Each tmux server has its own
# socket and is killed on exit.  Skipped when tmux is missing.
#
# The report the workbench writes is compared with `latentlab run`'s for
# the same session: every figure CSV byte for byte, report.md after
# normalising what differs from run to run -- ISO dates (...T12:34:56Z)
# and the cells of table columns headed "seconds" (wall times).
. "${top_srcdir:-.}/tests/tap.sh"

# T, the tmux servers and their cleanup; start, keys, cap, until_ok,
# shows, exited, wait_exit, resize, high_bytes, colour_sgr, and the
# robustness checks (open_screen, quits, no_colour, sizes)
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

# A small MNIST session: runs in well under a second.
cat > "$T/s.lab" <<EOF
[session]
name = tuitest
seed = 1
[data]
kind = mnist
path = $SRC/examples/data
[train]
models = 3
hidden = 16
epochs = 1
train_images = 1000
[tensor]
[tca]
ranks = 1-3
replicates = 2
[trajectory]
[report]
EOF
# Two analyses of one tensor: tca and PCA trajectories need only the tensor.
cat > "$T/graph.lab" <<EOF
[session]
name = graph
seed = 2
[data]
kind = synth
neurons = 12
time = 10
trials = 8
[tca]
ranks = 1-2
replicates = 2
[trajectory]
EOF
# A session whose tca step runs for minutes unless canceled.
cat > "$T/long.lab" <<EOF
[session]
name = long
[data]
kind = synth
neurons = 200
time = 100
trials = 100
[tensor]
[tca]
ranks = 1-12
replicates = 20
tol = 0
max_iter = 100000
[trajectory]
[report]
EOF
# Four small MLPs at two learning rates, compared by three metrics, and
# each with a small simulated population on the ten digits.
"$LL" synth --conditions 10 --trials 40 --neurons 20 --time 10 -o "$T/pop" > /dev/null
cat > "$T/cmp.lab" <<EOF
[session]
name = cmptest
seed = 3
[data]
kind = mnist
path = $SRC/examples/data
[train]
models = 4
hidden = 16
epochs = 1
train_images = 1000
lr = 0.01,0.1
[compare]
metrics = cka,rsa,procrustes
with = $T/pop/data.npy
permutations = 20
bootstrap = 20
EOF
shows_fixed() { n=$1; shift; grep -q -F "$@" "$T/$n.cap"; } # shows_fixed NAME -e STR...
all_done() { [ "$(grep -c -E '^ . +(data|train|tensor|tca|trajectory|report) +done' "$T/$1.cap")" -eq 6 ]; }
# typed NAME: the workbench has read every key sent to it (FIONREAD on the
# pane's terminal: nothing waits in its input queue), so none is left over
# to act after a resize; where the queue cannot be read, after a second
typed() {
	perl -MFcntl -e 'eval { require "sys/ioctl.ph" }; $f = defined &FIONREAD ? &FIONREAD() : 0x541B; $n = pack "L", 0;
		sysopen(T, $ARGV[0], O_RDONLY | O_NOCTTY | O_NONBLOCK) && ioctl(T, $f, $n) or do { sleep 1; exit 0 };
		exit(unpack("L", $n) != 0)' "$(tmux -L "ll$$$1" display -p '#{pane_tty}')"
}
# the Trajectory canvas of a 120x40 capture: rows 3-38, the 90 columns left
# of the 26-column legend (which has glyphs and separators of its own)
canvas() { sed -n '3,38p' "$1" | perl -CSD -ne 'chomp; print substr($_, 0, 90), "\n"'; }
# non-blank braille cells (U+2801-U+28FF) / ASCII line glyphs in the canvas
braille_cells() { canvas "$1" | perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
ascii_marks() { canvas "$1" | perl -ne '$n += () = m{[/\\|_.\x27`-]}g; END { print $n + 0 }'; }
# The Compare screen of a 120x40 capture (rows 3-38): the heat map left of
# the bar, the pair panel and the MDS map right of it (left_of_bar,
# right_of_bar, heat_sel, npy_at: tui_lib.sh)
# rows of the heat map: at least 8 half blocks (U+2580) left of the bar
heat_rows() { left_of_bar "$1" | grep -c -E '▀{8}'; }
# the value the pair panel gives for metric $2
panel_value() { right_of_bar "$1" | perl -CSD -ne 'print "$2\n" if /^ (?:\x{25b6}|>| ) (\S+) +(\S+)/ && $1 eq "'"$2"'"'; }
# the panel's line for model $2's population score of metric $3, as
# compare.json gives it: "model I  VALUE  [LO, HI]  p P"
pop_line() {
	perl -MJSON::PP -e 'local $/; open F, "<", $ARGV[0] or exit 1; $j = decode_json(<F>);
		$s = $j->{population}{scores}[$ARGV[1]]{$ARGV[2]} or exit 1;
		printf "  model %-3d %9.4f  [%.3f, %.3f]  p %.3g\n", $ARGV[1], $s->{value}, @{$s->{ci}}, $s->{p}' \
		"$T/$1.out/compare/compare.json" "$2" "$3"
}
# non-blank braille cells right of the bar (the MDS map)
map_braille() { right_of_bar "$1" | perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
# the Trajectory view in the status line ("az=45 el=30 zoom=1 proj=ortho"),
# not the same words typed on the command line (":view az=...")
view_of() { sed -n -E 's/^ (az=-?[0-9]+ el=-?[0-9]+ zoom=[0-9.]+ proj=[a-z]+).*/\1/p' "$T/$1.cap" | head -1; }
view_is() { [ "$(view_of "$1")" = "$2" ]; }
# view_key NAME FROM KEY WANT: on the Trajectory screen, from view FROM (set
# with :view, whatever the keys do) KEY once gives view WANT
view_key() {
	keys "$1" : "view $2" Enter
	until_ok "$1" view_is "$1" "$2" || return 1
	keys "$1" "$3"
	until_ok "$1" view_is "$1" "$4" && return 0
	got=$(view_of "$1")
	echo "# key $3 from '$2': ${got:-no view in the status line}, not '$4'"
	return 1
}
tty_sane() { grep -q -w icanon "$1" && grep -q -w echo "$1" && ! grep -q -e '-icanon' -e '-echo ' "$1"; }
# report.md without dates, without the cells of "seconds" and "threads"
# columns of its pipe tables (cells trimmed, so their padding does not
# count), and without the Command part (the workbench has no command line)
normalise() { # times, and thread counts (automatic ones follow the machine's load)
	sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/DATE/g' "$1" | awk '
		/^### Command$/ { skip = 1; next }
		skip && /^#/ { skip = 0 }
		skip { next }
		/^\| / {
			n = split($0, c, "|")
			if (!intable) {
				intable = 1
				split("", col)
				for (i = 2; i < n; i++) { h = c[i]; gsub(/^ +| +$/, "", h); if (h == "seconds" || h == "threads") col[i] = 1 }
			}
			out = "|"
			for (i = 2; i < n; i++) {
				v = c[i]; gsub(/^ +| +$/, "", v)
				if (v ~ /^-+:?$/) v = (v ~ /:$/ ? "---:" : "---")
				else if (col[i]) v = "T"
				out = out " " v " |"
			}
			if (out ~ /^\| TCA worker threads \|/) out = "| TCA worker threads | N |"
			print out
			next
		}
		{ intable = 0; print }'
}

# ---- outside the screen --------------------------------------------------------
tap_ok "tui --help" "$LL" tui --help
tap_fails "tui: unknown option" "unknown option" "$LL" tui --frob
tap_fails "tui: bad session file" "nope.lab: cannot open" "$LL" tui "$T/nope.lab"
tap_fails "tui without a terminal" "needs a terminal" "$LL" tui "$T/s.lab" < /dev/null

# every key and command in `tui --keys` (generated from the key table) is
# documented in the man page
"$LL" tui --keys > "$T/keys"
ok=$?
sed 's/\\-/-/g' "$SRC/doc/latentlab.1" > "$T/man"
awk '/^Commands/ { c = 1; next }
	/^  / { if (c) print "C " $1; else { l = substr($0, 3, 13); sub(/ +$/, "", l); print "K " l } }' "$T/keys" > "$T/keylist"
[ -s "$T/keylist" ] || ok=1
while IFS= read -r line; do
	item=${line#??}
	case $line in
	K*) grep -q -x -F ".B $item" "$T/man" || { echo "# key '$item' is not in the man page"; ok=1; } ;;
	C*) grep -q -F "$item" "$T/man" || { echo "# command '$item' is not in the man page"; ok=1; } ;;
	esac
done < "$T/keylist"
tap_result $ok "every key and command of the key table is in the man page"
# the digit keys and :screen are made from the list of screens (screens.def)
nscr=$(grep -c '^WB_SCREEN(' "$SRC/tui/wb/screens.def")
[ "$(grep -c -E '^  [1-9] +[A-Z][A-Za-z]+ screen$' "$T/keys")" -eq "$nscr" ] &&
	grep -q -E "^  :screen 1-$nscr\\|NAME +switch to a screen \\(pipeline, factors, trajectory, compare, dynamics, dsa, spectrum, log[,)]" "$T/keys"
tap_result $? "tui --keys: a digit key per screen; :screen 1-N|NAME names them"

# ---- no arguments on a terminal: the demo session ------------------------------
SOCKS="$SOCKS ll$$d"
tmux -f /dev/null -L "ll$$d" new-session -d -x 120 -y 40 -c "$T" \
	"env -u LC_ALL -u LC_CTYPE LANG=C.UTF-8 sh $T/wrap.sh $T/d $LL"
demo_shown() { shows d '1 Pipeline' && shows d 'mnist' && shows d 'built-in demo session' && shows d '^ . +train +pending'; }
# (waits for the whole first frame: the tab bar can be drawn before the steps)
until_ok d demo_shown
tap_result $? "'latentlab' alone on a terminal opens the demo session"
keys d q
wait_exit d && grep -q '^EXIT=0$' "$T/d.exit" && [ ! -e "$T/latentlab-out" ]
tap_result $? "q quits at once when nothing was edited or run; nothing written"

# ---- UTF-8, colour ----------------------------------------------------------
start u s.lab LANG=C.UTF-8
until_ok u shows u '1 Pipeline.*2 Factors.*3 Trajectory.*4 Compare.*5 Dynamics.*6 DSA.*7 Spectrum.*8 Log'
tap_result $? "starts on the Pipeline screen with a tab bar"
pending_and_hints() { shows u '^ . +data +pending' && shows u 'R run all' && shows u '\? help'; }
until_ok u pending_and_hints
tap_result $? "steps pending, key hints at the bottom"

keys u j e C-u foo Enter
until_ok u shows u "kind must be one of mnist\|npy\|synth\|csv(\|[a-z0-9]+)*, not 'foo'"
tap_result $? "an invalid value typed in the editor: the error in the status bar"
# a valid value typed but not accepted: Esc must throw it away
keys u C-u npy Escape
until_ok u shows u 'edit abandoned'
! shows u 'tuitest \[\+\]' && shows u '^ +kind += mnist' && ! shows u '^ +kind += npy'
tap_result $? "Esc abandons the edit; the session is unchanged"

keys u R
until_ok u all_done u
tap_result $? "R runs every step to done"
[ -s "$T/u.out/results.json" ] && [ -s "$T/u.out/session.lab" ] && [ -s "$T/u.out/tca/summary.json" ] &&
	! grep -q '"failed"' "$T/u.out/results.json"
tap_result $? "results.json, session.lab and step results in OUTDIR"

keys u 2
until_ok u shows_fixed u -e '▁' -e '▂' -e '▃' -e '▄' -e '▅' -e '▆' -e '▇' -e '█'
tap_result $? "Factors: block sparklines"
shows u 'rank 3 chosen' && shows u 'C1 ' && shows u 'C3 '
tap_result $? "Factors: one row per component of the chosen rank"
keys u Enter
until_ok u shows u 'mode 1 of 4: model'
r1=$?
keys u l
until_ok u shows u 'mode 2 of 4: digit'
tap_result $((r1 + $?)) "Enter zooms a factor; l goes to the next mode"
keys u Enter : 'rank 2' Enter
until_ok u shows u '^ rank 2 \(1-3\)'
tap_result $? ":rank 2 shows rank 2"
# the zoom is a sub-mode of Factors: its own help title and keys; Esc or q leaves it
keys u Enter
until_ok u shows u 'mode 1 of 4: model'
r1=$?
keys u '?'
until_ok u eval "sed -n 3p '$T/u.cap' | grep -q 'Factors (zoomed)'"
r2=$?
keys u x Escape
until_ok u shows u '^ rank 2 \(1-3\)'
r3=$?
keys u Enter
until_ok u shows u 'mode 1 of 4: model'
r4=$?
keys u q
until_ok u shows u '^ rank 2 \(1-3\)'
tap_result $((r1 + r2 + r3 + r4 + $?)) "Factors zoom: help titled 'Factors (zoomed)'; Esc and q go back to the table"
keys u : 'screen log' Enter
until_ok u shows u 'lines  \|  following new lines'
r1=$?
keys u Tab
until_ok u shows u '^ . +data +done'
r2=$?
keys u BTab
until_ok u shows u 'lines  \|  following new lines'
r3=$?
keys u : 'screen 0' Enter
until_ok u shows u ':screen takes 1-[1-9] or pipeline, factors, trajectory, compare, dynamics, dsa, spectrum, log'
tap_result $((r1 + r2 + r3 + $?)) ":screen log; Tab and Shift-Tab wrap around; :screen 0 names the screens"
keys u : 'set frob.x 1' Enter
# (the list is cut at the screen's edge: the steps up to trajectory must show)
until_ok u shows u ":set: no step 'frob' \(session, data, train, ([a-z]+, )*tensor, tca, ([a-z]+, )*trajectory, "
tap_result $? ":set on an unknown step names the steps"

keys u 3
until_ok u shows u 'az=45 el=30 zoom=1'
r1=$?
canvas "$T/u.cap" > "$T/view1"
nb=$(braille_cells "$T/u.cap")
cap u -e
cp "$T/u.cap" "$T/colour.cap"
keys u l l l
until_ok u shows u 'az=90 el=30'
r2=$?
canvas "$T/u.cap" > "$T/view2"
echo "# braille cells in the canvas: $nb"
# the axis triad alone is ~15 cells: the paths make many more
! cmp -s "$T/view1" "$T/view2" && [ "$nb" -gt 45 ]
tap_result $((r1 + r2 + $?)) "Trajectory: braille paths; l l l rotates the picture"
[ "$(colour_sgr "$T/colour.cap")" -gt 0 ]
tap_result $? "colour by default (the NO_COLOR check below can fail)"

resize u 30 10
until_ok u shows u 'terminal too small'
tap_result $? "30x10: 'terminal too small'"
resize u 120 40
back_again() { shows u '3 Trajectory.*4 Compare.*5 Dynamics.*6 DSA.*7 Spectrum.*8 Log' && shows u 'az=90 el=30' && ! shows u 'too small'; }
# one condition, polled: the tab bar can be drawn a frame before the rest
until_ok u back_again
tap_result $? "back to 120x40: the screen again"
keys u z
until_ok u shows u 'az=0 el=90'
r1=$?
keys u 1
until_ok u shows u '^ . +data +done'
tap_result $((r1 + $?)) "Trajectory: z looks along axis 3; 1 switches to Pipeline there too"
# every view key once against the step its help (tui --keys, the man page)
# gives, each from a view set with :view: the reset view az=45 el=30 zoom=1
# ortho, or for r and 0 one that differs in all four.  A key bound to the
# wrong action (k tilting down: el=15, not 45) gives another view.
keys u 3
until_ok u view_is u 'az=0 el=90 zoom=1 proj=ortho'
ok=$?
reset='az=45 el=30 zoom=1 proj=ortho' turned='az=60 el=45 zoom=1.25 proj=persp'
while read -r key want <&3; do
	case $key in r | 0) from=$turned ;; *) from=$reset ;; esac
	view_key u "$from" "$key" "$want" || ok=1
done 3<<EOF
h     az=30 el=30 zoom=1 proj=ortho
Left  az=30 el=30 zoom=1 proj=ortho
l     az=60 el=30 zoom=1 proj=ortho
Right az=60 el=30 zoom=1 proj=ortho
j     az=45 el=15 zoom=1 proj=ortho
Down  az=45 el=15 zoom=1 proj=ortho
k     az=45 el=45 zoom=1 proj=ortho
Up    az=45 el=45 zoom=1 proj=ortho
H     az=40 el=30 zoom=1 proj=ortho
L     az=50 el=30 zoom=1 proj=ortho
J     az=45 el=25 zoom=1 proj=ortho
K     az=45 el=35 zoom=1 proj=ortho
+     az=45 el=30 zoom=1.25 proj=ortho
=     az=45 el=30 zoom=1.25 proj=ortho
-     az=45 el=30 zoom=0.8 proj=ortho
_     az=45 el=30 zoom=0.8 proj=ortho
p     az=45 el=30 zoom=1 proj=persp
z     az=0 el=90 zoom=1 proj=ortho
y     az=0 el=0 zoom=1 proj=ortho
x     az=-90 el=0 zoom=1 proj=ortho
r     $reset
0     $reset
EOF
tap_result $ok "Trajectory: each view key once turns, tilts, zooms, snaps or resets the view by its documented step"
# a spins the view about axis 3 (only the azimuth moves) until a again
spinning() {
	shows u 'auto-rotating \(a stops\)' && view_of u | grep -q -x -E 'az=-?[0-9]+ el=30 zoom=1 proj=ortho' &&
		! view_is u "$reset"
}
keys u : "view $reset" Enter
until_ok u view_is u "$reset"
r1=$?
keys u a
until_ok u spinning
r2=$?
keys u a
until_ok u eval "! shows u 'auto-rotating' && view_of u | grep -q -x -E 'az=-?[0-9]+ el=30 zoom=1 proj=ortho'"
r3=$?
# stopped: half a second later (15 degrees of spin) the view is the same
v1=$(view_of u)
sleep 0.5
cap u
[ "$(view_of u)" = "$v1" ]
tap_result $((r1 + r2 + r3 + $?)) "Trajectory: a starts the auto-rotation (the azimuth alone turns), a again stops it"
keys u 2 s
until_ok u shows u 'saved the session to .*s.lab'
# nothing was edited: the file is written as it was, so no backup is needed
[ $? -eq 0 ] && [ ! -e "$T/s.lab~" ] && grep -q "^path = $SRC/examples/data" "$T/s.lab" && ! grep -q '^# latentlab' "$T/s.lab"
tap_result $? "s saves from the Factors screen; an unedited file stays as it was"

rm -f "$T/u.out/report.md" "$T/u.out/report.html"
keys u w
until_ok u shows u 'report written'
[ $? -eq 0 ] && [ -s "$T/u.out/report.md" ] && [ -s "$T/u.out/report.html" ]
tap_result $? "w writes report.md and report.html"

"$LL" run "$T/s.lab" -o "$T/run.out" -q
ok=$?
for f in "$T/run.out"/figures/*.csv; do
	cmp "$f" "$T/u.out/figures/$(basename "$f")" || ok=1
done
cmp "$T/run.out/tca/rank_03/rep_00/factor_2.npy" "$T/u.out/tca/rank_03/rep_00/factor_2.npy" || ok=1
tap_result $ok "figure CSVs and TCA factors equal latentlab run's"
normalise "$T/run.out/report.md" > "$T/run.md"
normalise "$T/u.out/report.md" > "$T/tui.md"
diff "$T/run.md" "$T/tui.md" > "$T/md.diff"
ok=$?
[ $ok -eq 0 ] || sed 's/^/# /' "$T/md.diff" | head -20
tap_result $ok "report.md equals latentlab run's (dates, seconds and thread counts aside)"

keys u 1 : 'set tca.replicates 3' Enter
until_ok u shows u 'tuitest \[\+\]'
tap_result $? ":set marks the session edited"
keys u q
until_ok u shows u 'Unsaved edits: quit anyway\? \(y/n'
r1=$?
keys u n
until_ok u shows u 'not quitting'
tap_result $((r1 + $?)) "q asks before discarding edits; n stays"
keys u q y
wait_exit u && grep -q '^EXIT=0$' "$T/u.exit"
ok=$?
[ $ok -eq 0 ] || sed 's/^/# /' "$T/u.exit" "$T/u.err" | head -20
tap_result $ok "q y quits with exit status 0 (and no leak report under ASan)"
tty_sane "$T/u.stty"
tap_result $? "the terminal is restored (icanon, echo)"

# ---- LANG=C: ASCII only ---------------------------------------------------------
start a s.lab LANG=C
until_ok a shows a '1 Pipeline'
keys a R
until_ok a all_done a
r1=$?
[ "$(high_bytes "$T/a.cap")" -eq 0 ]
tap_result $((r1 + $?)) "LANG=C: the Pipeline screen is ASCII"
keys a 2
until_ok a shows a 'rank 3 chosen'
r1=$?
[ "$(high_bytes "$T/a.cap")" -eq 0 ] && grep -q -E '^.C1 +[0-9.]+ [_.:=+*#-]{5}' "$T/a.cap"
tap_result $((r1 + $?)) "LANG=C: ASCII sparklines, no blocks"
keys a 3
until_ok a shows a 'az=45'
r1=$?
na=$(ascii_marks "$T/a.cap")
echo "# ASCII line glyphs in the canvas: $na"
[ "$(high_bytes "$T/a.cap")" -eq 0 ] && [ "$na" -gt 45 ]
tap_result $((r1 + $?)) "LANG=C: ASCII trajectories, no braille"
quits a "LANG=C: "

# ---- a terminal that cannot move the cursor ------------------------------------------
start t s.lab TERM=dumb
wait_exit t && grep -q '^EXIT=1$' "$T/t.exit" && [ "$(grep -c . "$T/t.err")" -eq 1 ] &&
	grep -q 'TERM=dumb.*needs one that can move the cursor' "$T/t.err"
tap_result $? "TERM=dumb: a one-line error and exit 1, not a blank screen"

# ---- NO_COLOR -----------------------------------------------------------------------
start n s.lab LANG=C.UTF-8 NO_COLOR=1
until_ok n shows n '1 Pipeline'
keys n R
until_ok n all_done n
r1=$?
keys n 3
until_ok n shows n 'az=45'
[ $r1 -eq 0 ] && no_colour n
tap_result $? "NO_COLOR=1: no colour escape sequences"
quits n "NO_COLOR=1: "

# ---- the Compare screen -------------------------------------------------------------
start c cmp.lab LANG=C.UTF-8
until_ok c shows c '1 Pipeline.*4 Compare'
keys c 4
until_ok c shows c 'No comparison results yet'
r1=$?
shows c 'Run the compare step'
tap_result $((r1 + $?)) "Compare before the step has run: says to run the compare step"
keys c 1 R
until_ok c shows c '^ . +compare +done'
r1=$?
keys c 4
until_ok c shows c 'Pair: model 0 \(row\) x model 1 \(column\)'
r2=$?
echo "# heat map rows: $(heat_rows c), selected pair at $(heat_sel c)"
shows c '^ cka \(1 of 3\)  \|  pair \(0, 1\) ' && [ "$(heat_rows c)" -ge 8 ] &&
	left_of_bar c | grep -q -E '^ +0▶▀+\[▀+\]▀' && shows c '[0-9.-]+ █{8,} [0-9.-]+'
tap_result $((r1 + r2 + $?)) "Compare: the cka matrix as a half-block heat map with a colour scale, pair (0, 1) marked"
ok=0
for m in cka rsa procrustes; do
	want=$(npy_at "$T/c.out/compare/$m.npy" 1) got=$(panel_value c $m)
	[ -n "$want" ] && [ "$got" = "$want" ] || { echo "# $m: the panel says '$got', $m.npy[0, 1] is '$want'"; ok=1; }
done
right_of_bar c | grep -q -E '^ ▶ cka +[0-9.]+ +similarity' && right_of_bar c | grep -q -E '^   procrustes +[0-9.]+ +distance' &&
	shows c 'learning rates 0.01 and 0.1' || ok=1
tap_result $ok "Compare: the pair panel gives the pair's value of every metric, as in compare/METRIC.npy"
shows c 'cka over training' && shows c 'this pair +[▁▂▃▄▅▆▇█]{8,} ' && shows c 'pair mean +[▁▂▃▄▅▆▇█]{8,} '
tap_result $? "Compare: the tracked metric over training as sparklines (the pair, the mean)"
ok=0
for i in 0 1; do
	want=$(pop_line c $i cka)
	[ -n "$want" ] && right_of_bar c | grep -q -x -F -e " $want" || { echo "# no line '$want' in the panel"; ok=1; }
done
shows c 'vs the population \(10 conditions\), cka:' || ok=1
tap_result $ok "Compare: both models' population scores with interval and p-value, as in compare.json"
nb=$(map_braille c)
echo "# braille cells in the MDS map: $nb"
shows c 'MDS of cka distances' && [ "$nb" -ge 4 ] && shows c 'lr 0.01 \(2\)' && shows c 'lr 0.1 \(2\)' &&
	shows c 'a-b: the pair'
tap_result $? "Compare: the MDS map in braille with a legend of the learning rates"
s0=$(heat_sel c)
keys c l
until_ok c shows c 'Pair: model 0 \(row\) x model 2 \(column\)'
r1=$?
s1=$(heat_sel c)
keys c j
until_ok c shows c 'Pair: model 1 \(row\) x model 2 \(column\)'
r2=$?
s2=$(heat_sel c)
echo "# selection (row col): $s0, after l: $s1, after j: $s2"
# l moves the brackets right on the same rows, j down in the same columns
[ -n "$s0" ] && [ "${s1% *}" -eq "${s0% *}" ] && [ "${s1#* }" -gt "${s0#* }" ] &&
	[ "${s2% *}" -gt "${s1% *}" ] && [ "${s2#* }" -eq "${s1#* }" ] &&
	shows c '^ cka \(1 of 3\)  \|  pair \(1, 2\) ' && [ "$(panel_value c cka)" = "$(npy_at "$T/c.out/compare/cka.npy" 6)" ]
tap_result $((r1 + r2 + $?)) "Compare: l and j move the selected pair (and its brackets) to (1, 2)"
keys c m
until_ok c shows c '^ rsa \(2 of 3\)  \|  pair \(1, 2\) '
r1=$?
right_of_bar c | grep -q -E '^ ▶ rsa ' && shows c 'rsa, a similarity: 1 = the same'
r2=$?
keys c m
until_ok c shows c '^ procrustes \(3 of 3\)'
r3=$?
shows c 'procrustes, a distance: 0 = the same'
r4=$?
keys c m
until_ok c shows c '^ cka \(1 of 3\)'
r5=$?
keys c M
until_ok c shows c '^ procrustes \(3 of 3\)'
tap_result $((r1 + r2 + r3 + r4 + r5 + $?)) "Compare: m cycles the metrics computed (cka, rsa, procrustes, cka), M goes back"
keys c : 'pair 3 0' Enter
until_ok c shows c 'Pair: model 3 \(row\) x model 0 \(column\)'
r1=$?
[ "$(panel_value c procrustes)" = "$(npy_at "$T/c.out/compare/procrustes.npy" 12)" ]
r2=$?
# at the bottom-left corner h and j change nothing: l then goes to (3, 1)
keys c h j l
until_ok c shows c 'Pair: model 3 \(row\) x model 1 \(column\)'
tap_result $((r1 + r2 + $?)) ":pair 3 0 selects a pair; the selection stops at the matrix's edges"
# t swaps the pair's models (row and column): (1, 3), its own value; t again goes back
keys c t
until_ok c shows c 'Pair: model 1 \(row\) x model 3 \(column\)'
r1=$?
shows c '^ procrustes \(3 of 3\)  \|  pair \(1, 3\) ' && [ "$(panel_value c procrustes)" = "$(npy_at "$T/c.out/compare/procrustes.npy" 7)" ]
r2=$?
keys c t
until_ok c shows c 'Pair: model 3 \(row\) x model 1 \(column\)'
tap_result $((r1 + r2 + $?)) "Compare: t swaps the pair's models, (3, 1) to (1, 3) and back"
keys c : 'metric match' Enter
until_ok c shows c ':metric: match was not computed \(computed: cka, rsa, procrustes\)'
tap_result $? ":metric refuses a metric the step did not compute"
cmp_40x12() { shows "$1" '^ procrustes \(3 of 3\)' && [ "$(grep -c '▀' "$T/$1.cap")" -ge 2 ]; }
sizes c "Compare at 40x12 and 30x10, then back at 120x40" \
	40x12 '4 Cmp' cmp_40x12 \
	30x10 'terminal too small' : \
	120x40 'Pair: model 3 \(row\) x model 1 \(column\)' :
quits c "Compare: "

open_screen ca cmp.lab compare 4 'Pair: model 0 \(row\) x model 1 \(column\)' LANG=C
r1=$?
[ "$(high_bytes "$T/ca.cap")" -eq 0 ] && grep -q -E '^ +0>[.:=+*#%@-]+\[[.:=+*#%@-]+\]' "$T/ca.cap" &&
	right_of_bar ca | grep -q -E '^ > cka +[0-9.]+ +similarity' && shows ca 'this pair +[_.:=+*#-]{8,} ' &&
	shows ca 'o lr 0.01 \(2\)' && shows ca '\+ lr 0.1 \(2\)'
tap_result $((r1 + $?)) "LANG=C: Compare in ASCII (density-ramp heat map, group characters on the map)"
keys ca l m
until_ok ca shows ca '^ rsa \(2 of 3\)  \|  pair \(0, 2\) '
r1=$?
keys ca q
wait_exit ca && grep -q '^EXIT=0$' "$T/ca.exit"
tap_result $((r1 + $?)) "LANG=C: l and m on Compare; q quits with status 0"

cmp_ramp() {
	! grep -q '▀' "$T/$1.cap" && grep -q -E '^ +0▶[.:=+*#%@-]+\[[.:=+*#%@-]+\]' "$T/$1.cap" &&
		[ "$(map_braille "$1")" -ge 4 ]
}
open_screen cn cmp.lab compare 4 'Pair: model 0 \(row\) x model 1 \(column\)' LANG=C.UTF-8 NO_COLOR=1
r1=$?
cmp_ramp cn && no_colour cn
tap_result $((r1 + $?)) "NO_COLOR=1: Compare draws the heat map with the density ramp, the map in braille, no colour"
quits cn "NO_COLOR=1: Compare: "

# ---- the steps as a graph --------------------------------------------------------------
start g graph.lab LANG=C.UTF-8
until_ok g shows g '1 Pipeline'
# tca and trajectory both hang off tensor: the same indentation, deeper than tensor's
col() { sed -n "s/^ \(. \+\)$2 .*/\1/p" "$T/$1.cap" | head -1 | wc -c; }
[ "$(col g tca)" -eq "$(col g trajectory)" ] && [ "$(col g tensor)" -lt "$(col g tca)" ] &&
	[ "$(col g data)" -lt "$(col g tensor)" ]
tap_result $? "Pipeline: steps indented by their depth in the graph"
# :run STEP runs up to STEP: the steps it needs first, and no other (D12)
keys g : 'run trajectory' Enter
until_ok g shows g '^ . +trajectory +done'
r1=$?
shows g '^ . +data +done' && shows g '^ . +tensor +done' && shows g '^ . +tca +pending'
r2=$?
keys g : 'run tca' Enter
until_ok g shows g '^ . +tca +done'
r3=$?
r4=0
! shows g '^ . +report '
tap_result $((r1 + r2 + r3 + r4 + $?)) ":run STEP runs the steps STEP needs, then STEP; trajectory runs before tca"
# the workbench holds its OUTDIR: a second writer is refused, naming it
tap_fails "a run into the workbench's OUTDIR is refused while it is open" \
	"being written by another latentlab (pid $(cat "$T/g.pid")" "$LL" run "$T/graph.lab" -o "$T/g.out" -q
keys g : 'set tca.replicates 3' Enter
until_ok g shows g 'will run again: tca *$'
r1=$?
shows g '^ . +trajectory +done'
tap_result $((r1 + $?)) "an edit of tca leaves the PCA trajectories done"
keys g q y
wait_exit g
tap_result $? "graph session: q, y quits with unsaved edits"

# ---- keys while the terminal is too small ------------------------------------------------
# Below 40x12 only the "terminal too small" notice is drawn, so no key may act
# unseen: keys that would move the selection, run steps, edit, switch
# screens, type commands or turn the view are sent at 30x10, and back at
# 120x40 nothing has changed.  Only quitting works there: q when it loses
# nothing, Ctrl-C (a signal) as at any size.
start k graph.lab LANG=C.UTF-8
until_ok k shows k '^ . +trajectory +pending'
keys k j j
pipe_as_left() {
	shows k '^ +step +state +time +result' && shows k '^ \[data\] path: ' && shows k '^ 0 of 4 steps done; next: data ' &&
		shows k '^ n next  R run all  e edit' && ! shows k 'graph \[\+\]'
}
until_ok k pipe_as_left
r1=$?
resize k 30 10
until_ok k shows k 'terminal too small'
r2=$?
keys k j n R e Enter 3 Tab '?' : 'run all' Enter : 'set tca.replicates 3' Enter : 'screen 5' Enter w
until_ok k eval 'typed k && shows k "terminal too small"'
r3=$?
resize k 120 40
until_ok k pipe_as_left
tap_result $((r1 + r2 + r3 + $?)) "30x10 on Pipeline: j n R e Enter 3 Tab ? :run :set :screen w do nothing (same screen, same selection)"
keys k 3 l K +
traj_as_left() {
	shows k 'No trajectories yet' && view_is k 'az=60 el=35 zoom=1.25 proj=ortho' && ! shows k 'auto-rotating' &&
		shows k '^ l rotate  \+ zoom  r reset'
}
until_ok k traj_as_left
r1=$?
resize k 30 10
until_ok k shows k 'terminal too small'
r2=$?
keys k h J - p z a n Space 1 Tab : 'view az=0' Enter r
until_ok k eval 'typed k && shows k "terminal too small"'
r3=$?
resize k 120 40
until_ok k traj_as_left
tap_result $((r1 + r2 + r3 + $?)) "30x10 on Trajectory: h J - p z a n Space 1 Tab :view r do nothing (same screen, same view)"
keys k 8
until_ok k shows k 'workbench started on'
! shows k '> :' && [ ! -e "$T/k.out/results.json" ]
tap_result $? "30x10: no step ran, nothing was set or written (the Log has no '> :' line)"
# with an edit to lose, q at 30x10 does nothing (its question would not be
# seen); Ctrl-C asks, and the question is there once the terminal is back
keys k : 'set tca.replicates 3' Enter
until_ok k shows k 'graph \[\+\]'
r1=$?
resize k 30 10
until_ok k shows k 'terminal too small'
r2=$?
keys k q
until_ok k eval 'typed k && shows k "terminal too small"'
r3=$?
resize k 120 40
until_ok k shows k 'graph \[\+\]'
r4=$?
! shows k 'quit anyway' && ! exited k
tap_result $((r1 + r2 + r3 + r4 + $?)) "30x10 with unsaved edits: q does nothing"
resize k 30 10
until_ok k shows k 'terminal too small'
r1=$?
keys k C-c
resize k 120 40
until_ok k shows k 'Unsaved edits: quit anyway\? \(y/n'
r2=$?
keys k y
wait_exit k && grep -q '^EXIT=0$' "$T/k.exit"
tap_result $((r1 + r2 + $?)) "30x10 with unsaved edits: Ctrl-C asks to quit; y quits"
for key in q Q; do
	start "k$key" graph.lab LANG=C.UTF-8
	until_ok "k$key" shows "k$key" '^ . +trajectory +pending'
	resize k$key 30 10
	until_ok "k$key" shows "k$key" 'terminal too small'
	r1=$?
	keys "k$key" "$key"
	wait_exit "k$key" && grep -q '^EXIT=0$' "$T/k$key.exit"
	tap_result $((r1 + $?)) "30x10 with nothing to lose: $key quits"
done

# ---- a long step: cancel, then SIGTERM while it runs -----------------------------------
start l long.lab LANG=C.UTF-8
until_ok l shows l '1 Pipeline'
keys l R
until_ok l shows l '^ . +tca +running'
r1=$?
keys l Escape
until_ok l shows l '^ . +tca +pending +canceled after'
tap_result $((r1 + $?)) "Esc cancels a running step; it is pending again"
keys l 8
until_ok l shows l 'tca: canceled; pending again'
tap_result $? "the Log screen shows the core's lines and the cancel"
keys l 1 R
until_ok l shows l '^ . +tca +running'
r1=$?
# Tab reads which steps the session has while the worker runs one (the
# view's copy, not the worker's session: ThreadSanitizer builds check)
keys l : r u n Space Tab
until_ok l shows l '[0-9]+: all .*next .*tca'
tap_result $? ":run <Tab> while a step runs lists the steps"
keys l Escape
keys l C-c
until_ok l shows l 'canceled: .*canceled'
r2=$?
shows l '^ . +tca +pending'
tap_result $((r1 + r2 + $?)) "Ctrl-C cancels the step, not the workbench"
keys l R
until_ok l shows l '^ . +tca +running'
r1=$?
kill -TERM "$(cat "$T/l.pid")"
wait_exit l && grep -q '^EXIT=143$' "$T/l.exit" && tty_sane "$T/l.stty"
tap_result $((r1 + $?)) "SIGTERM during a step: the terminal is restored, status 143"

tap_done
