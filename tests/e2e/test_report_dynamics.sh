#!/bin/sh
# tests/e2e/test_report_dynamics.sh - the report's Dynamics section from a
# tiny RNN session (2 cells x 2 seeds, 8 units, 60 steps) run by the CLI
# (TAP): its heading and contents entry, the table by architecture, the
# separation sentence with the ratios dynamics.json stores, the four
# figures as PNGs with CSVs of the right shapes, embedded in report.html,
# no "nan" or "inf"; a sine session's frequency table; and a rerun
# without [dynamics] that keeps the training figures and removes the rest.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_repdyn.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE TASK DYNAMICS-LINES
session() {
	cat > "$1" <<EOS
[session]
name = repdyn
seed = 1
threads = 2

[data]
kind = task

[rnn]
task = $2
cells = vanilla,gru
seeds = 2
hidden = 8
iters = 60
probes = 4

$3

[report]
EOS
}

# csv_shape FILE: "ROWS FIELDS" (data rows, fields per row), or "bad" when
# the rows do not all have the header's number of fields
csv_shape() {
	awk -F, 'NR == 1 { f = NF } NF != f { bad = 1 } END { if (bad) print "bad"; else print NR - 1, f }' "$1"
}

# is_png FILE: starts with the PNG signature
is_png() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

# no_bad_numbers FILE...: no "nan" or "inf" as a word (a number printed unchecked)
no_bad_numbers() {
	! grep -n -i -E '(^|[^a-z])(nan|inf)([^a-z]|$)' "$@"
}

# section MD OUT: the Dynamics section of report MD into OUT
section() {
	awk '/^<h2><a id="dynamics"><\/a>/ { on = 1; print; next } /^<h2>/ { on = 0 } on' "$1" |
		sed 's/"data:[^"]*"/""/g' > "$2"
	[ -s "$2" ]
}

# json_num FILE KEY: the number KEY holds, "%.2f", or "null"
json_num() {
	sed -n "s/.*\"$2\": *\([^,}]*\).*/\1/p" "$1" | awk '{ if ($1 == "null") print "null"; else printf "%.2f\n", $1 }'
}

FIGS="dynamics_training dynamics_states dynamics_eigen dynamics_mds"

# ---- flip-flop, with [dynamics] ----------------------------------------------
session "$T/a.lab" flipflop "[dynamics]
inits = 32"
tap_ok "run a tiny RNN session with [dynamics]" "$LL" run "$T/a.lab" -o "$T/a" -q
# the markup (tables, anchors, captions) is checked in report.html, which
# keeps it; report.md is plain Markdown
MD=$T/a/report.html
F=$T/a/figures
section "$MD" "$T/a.sec"
tap_result $? "report: a Dynamics section"
grep -q '^<h2><a id="dynamics"></a>[0-9]*\. Dynamics</h2>$' "$MD" && grep -q 'href="#dynamics"' "$MD" &&
	grep -q '^## [0-9]*\. Dynamics$' "$T/a/report.md"
tap_result $? "report: the Dynamics heading and its contents entry"
grep -q '<li><strong>Dynamics:</strong> 4 networks on flipflop (vanilla, gru), [0-9] learned; [0-9.]* fixed points per network' "$MD"
tap_result $? "report: a Dynamics bullet at a glance"
grep -q '4 recurrent networks were trained on the flipflop task' "$T/a.sec" &&
	grep -q '2 architectures: vanilla (2) and gru (2) networks' "$T/a.sec"
tap_result $? "prose: the networks and their architectures"

# the table: its columns, a row per architecture with 2 networks
grep -q '<th>architecture</th><th class="num">networks</th><th class="num">learned</th><th class="num">mean fixed points</th><th class="num">mean stable</th><th class="num">mean saddles (1 unstable)</th><th class="num">mean with &gt;=2 unstable</th><th class="num">mean slow points</th>' "$T/a.sec"
tap_result $? "table: networks, learned, fixed points, stable, saddles, >=2 unstable, slow"
ok=0
for c in vanilla gru; do
	grep -q "^<tr><td>$c</td><td class=\"num\">2</td><td class=\"num\">[0-2]</td>\(<td class=\"num\">[0-9]*\.[0-9]</td>\)\{5\}</tr>$" "$T/a.sec" ||
		{ echo "# no row $c"; ok=1; }
done
tap_result $ok "table: a row per architecture"
# the learned column adds up to what networks.csv says
L=$(grep -c ',yes$' "$T/a/rnn/networks.csv")
S=$(sed -n 's/^<tr><td>[a-z]*<\/td><td class="num">2<\/td><td class="num">\([0-9]*\)<\/td>.*/\1/p' "$T/a.sec" | awk '{ s += $1 } END { print s }')
[ "$L" = "$S" ]
tap_result $? "table: $S learned, as networks.csv says ($L)"

# the measured answer, with the ratios the step stored
G=$(json_num "$T/a/dynamics/dynamics.json" separation_geometry)
P=$(json_num "$T/a/dynamics/dynamics.json" separation_topology)
if [ "$G" = null ] || [ "$P" = null ]; then
	grep -q 'Does geometry separate the architectures more than topology does? <strong>Cannot tell</strong>' "$T/a.sec"
else
	grep -q "Does geometry separate the architectures more than topology does? Measured: geometry $G, topology $P\. <strong>\(Geometry\|Topology\|Neither\)" "$T/a.sec"
fi
tap_result $? "separation: geometry $G, topology $P, as dynamics.json stores"
W=$(awk -v g="$G" -v t="$P" 'BEGIN { if (g == "null" || t == "null" || g == t) print ""; else if (g + 0 > t + 0) print "Geometry"; else print "Topology" }')
[ -z "$W" ] || grep -q "<strong>$W separates the architectures more than" "$T/a.sec"
tap_result $? "separation: the larger one named (${W:-none})"

# the figures: PNGs placed in the report, CSVs beside them
ok=0
for f in $FIGS; do
	is_png "$F/$f.png" || { echo "# $f.png missing or not a PNG"; ok=1; }
	[ -s "$F/$f.csv" ] || { echo "# $f.csv missing"; ok=1; }
	grep -q "<figure id=\"fig-$f\">" "$T/a.sec" || { echo "# $f not placed"; ok=1; }
	grep -q "^!\[.*\](figures/$f.png)$" "$T/a/report.md" || { echo "# $f not placed in report.md"; ok=1; }
done
tap_result $ok "figures: training, states, eigenvalues, MDS as PNG + CSV, placed"
[ "$(csv_shape "$F/dynamics_training.csv")" = "36 4" ]
tap_result $? "dynamics_training.csv: 6 points for 4 networks and 2 means, 4 fields"
[ "$(csv_shape "$F/dynamics_mds.csv")" = "4 6" ]
tap_result $? "dynamics_mds.csv: a row per network, geometry and topology coordinates"
[ "$(csv_shape "$F/dynamics_states.csv" | cut -d' ' -f2)" = 9 ] &&
	[ "$(grep -c ',trajectory,' "$F/dynamics_states.csv")" = 800 ]
tap_result $? "dynamics_states.csv: 4 probes x 100 steps for each of 2 networks"
[ "$(csv_shape "$F/dynamics_eigen.csv" | cut -d' ' -f2)" = 8 ]
tap_result $? "dynamics_eigen.csv: network, cell, point, class, index, re, im, modulus"
no_bad_numbers "$T/a.sec" "$F"/dynamics_*.csv
tap_result $? "no nan or inf in the section or the CSVs"
[ "$(grep -o 'data:image/png;base64,' "$T/a/report.html" | wc -l)" -ge 4 ] &&
	! grep -q 'src="figures/' "$T/a/report.html" && grep -q 'id="fig-dynamics_mds"' "$T/a/report.html"
tap_result $? "report.html embeds the figures"

# ---- a rerun without [dynamics] ------------------------------------------------
sed '/^\[dynamics\]$/,/^inits/d' "$T/a.lab" > "$T/b.lab"
tap_ok "rerun without [dynamics]" "$LL" run "$T/b.lab" -o "$T/a" -q
section "$MD" "$T/b.sec" && grep -q 'The session has no dynamics step' "$T/b.sec" &&
	grep -q '<th>architecture</th><th class="num">networks</th><th class="num">learned</th></tr>' "$T/b.sec"
tap_result $? "no dynamics: said, and the table without fixed points"
is_png "$F/dynamics_training.png" && is_png "$F/dynamics_states.png" &&
	[ ! -e "$F/dynamics_eigen.png" ] && [ ! -e "$F/dynamics_mds.csv" ]
tap_result $? "no dynamics: training and states drawn, eigenvalues and MDS removed"

# ---- sine: the frequency table -------------------------------------------------
session "$T/c.lab" sine "[dynamics]
inits = 16
levels = 2"
tap_ok "run a tiny sine session" "$LL" run "$T/c.lab" -o "$T/c" -q
section "$T/c/report.html" "$T/c.sec" && grep -q '<a id="dynamics-frequency"></a>Oscillation frequency' "$T/c.sec" &&
	grep -q '^<tr><td>vanilla</td><td class="num">4</td><td class="num">' "$T/c.sec" &&
	grep -q '^<tr><td>gru</td><td class="num">4</td><td class="num">' "$T/c.sec"
tap_result $? "sine: a frequency row per architecture (2 networks x 2 levels)"
no_bad_numbers "$T/c.sec"
tap_result $? "sine: no nan or inf"

tap_done
