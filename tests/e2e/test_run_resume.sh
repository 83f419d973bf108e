#!/bin/sh
# tests/e2e/test_run_resume.sh - `latentlab run --resume` (TAP): a second
# run into the same OUTDIR reads back the steps whose parameters are
# unchanged (data, tensor, tca, trajectory: "resumed"), leaves tca/ as the
# first run wrote it and writes the report again; with [tca] edited it
# fits tca again and resumes the rest; without --resume everything runs.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_rresume.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

cat >"$T/s.lab" <<'LAB'
[session]
name = rr
seed = 5
threads = 1
[data]
kind = synth
neurons = 12
time = 10
trials = 8
[tca]
ranks = 1-3
replicates = 2
[trajectory]
source = pca
[report]
LAB
tap_ok "a first run" "$LL" run "$T/s.lab" -o "$T/o" -q
cp "$T/o/tca/summary.json" "$T/sum1"
touch -d '2000-01-01' "$T/o/tca/summary.json"
"$LL" run "$T/s.lab" -o "$T/o" --resume >"$T/out2" 2>"$T/err2"
tap_result $? "run --resume into the same OUTDIR"
for s in data tensor tca trajectory; do grep -q "^$s  *resumed " "$T/out2" || echo "# $s not resumed"; done >"$T/nr"
[ ! -s "$T/nr" ] && ! grep -q '^tca  *[0-9.]* s ' "$T/out2" && grep -q '^report  *[0-9.]* s ' "$T/out2"
tap_result $? "data, tensor, tca and trajectory resumed; the report written again" || sed 's/^/# /' "$T/nr" "$T/out2"
[ "$(find "$T/o/tca/summary.json" -newermt '2001-01-01' | wc -l)" -eq 0 ] && cmp -s "$T/sum1" "$T/o/tca/summary.json" &&
	[ -s "$T/o/report.md" ] && grep -q '"status": "complete"' "$T/o/results.json"
tap_result $? "tca/ untouched, the report there, results.json complete"

sed -i 's/^replicates = 2$/replicates = 3/' "$T/s.lab"
"$LL" run "$T/s.lab" -o "$T/o" --resume >"$T/out3" 2>&1 &&
	grep -q '^tensor  *resumed ' "$T/out3" && grep -q '^tca  *[0-9.]* s  ranks 1-3 x 3 replicates' "$T/out3" &&
	grep -q '^trajectory  *resumed ' "$T/out3"
tap_result $? "[tca] edited: tca fits again, the rest resumes" || sed 's/^/# /' "$T/out3"
"$LL" run "$T/s.lab" -o "$T/o" >"$T/out4" 2>&1 && ! grep -q resumed "$T/out4" && grep -q '^data  *[0-9.]* s ' "$T/out4"
tap_result $? "without --resume every step runs"
tap_done
