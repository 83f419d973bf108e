#!/bin/sh
# tests/e2e/test_describe.sh - a step added by its files and one line per
# list shows up everywhere steps are listed: `latentlab run`'s summary,
# results.json, its folder, the report's contents, and the workbench's
# Pipeline screen (TAP).  The describe step exists in a test build only
# (./configure --enable-test-steps); elsewhere this test is skipped.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_describe.XXXXXX") || exit 1
trap 'tmux -L "lldesc$$" kill-server 2>/dev/null; rm -rf "$T"' EXIT
case $LL in /*) ;; *) LL=$(pwd)/$LL ;; esac

cat > "$T/d.lab" <<EOF
[session]
name = describe
[data]
kind = synth
neurons = 12
time = 10
trials = 8
[describe]
[report]
EOF
if "$LL" run "$T/d.lab" -o "$T/probe" -q 2>&1 | grep -q "unknown section \[describe\]"; then
	echo "ok 1 # SKIP not a test build (./configure --enable-test-steps)"
	echo "1..1"
	exit 0
fi

"$LL" run "$T/d.lab" -o "$T/out" > "$T/run.out" 2>&1
tap_result $? "run: a session with [describe] runs"
grep -q '^describe .*means along each of 3 modes' "$T/run.out"
tap_result $? "run: the summary lists the describe step"
grep -A2 '"step": "describe"' "$T/out/results.json" | grep -q '"state": "done"'
tap_result $? "results.json: the describe step, done"
[ -s "$T/out/describe/mean_neuron.npy" ] && [ -s "$T/out/describe/mean_trial.npy" ]
tap_result $? "OUTDIR/describe/ holds a mean per mode"
grep -q '\[Describe\](#[0-9]*-describe)' "$T/out/report.md" && grep -q 'Means along each mode' "$T/out/report.md"
tap_result $? "report: Describe in the contents, and its section"
grep -q '`describe/` (the mean along each mode)' "$T/out/report.md"
tap_result $? "report: its folder in the provenance file list"

# poll the pane until it shows PATTERN (at most 30 s)
pane_shows() {
	i=0
	while [ $i -lt 300 ]; do
		tmux -L "lldesc$$" capture-pane -p > "$T/cap" 2>/dev/null
		grep -q -E "$1" "$T/cap" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	sed 's/^/#   /' "$T/cap"
	return 1
}
if command -v tmux >/dev/null 2>&1; then
	tmux -f /dev/null -L "lldesc$$" new-session -d -x 120 -y 40 "env LANG=C.UTF-8 $LL tui $T/d.lab -o $T/tui"
	pane_shows '^ . +describe +pending'
	tap_result $? "workbench: the Pipeline screen lists the describe step"
	tmux -L "lldesc$$" send-keys R
	pane_shows '^ . +describe +done'
	tap_result $? "workbench: R runs it to done"
	tmux -L "lldesc$$" send-keys q
else
	echo "ok # SKIP no tmux"
fi
tap_done
