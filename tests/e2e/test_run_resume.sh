#!/bin/sh
# tests/e2e/test_run_resume.sh - `latentlab run --resume` (TAP): a second
# run into the same OUTDIR reads back the steps whose parameters are
# unchanged (data, tensor, tca, trajectory: "resumed"), leaves tca/ as the
# first run wrote it and writes the report again; with [tca] edited it
# fits tca again and resumes the rest; without --resume everything runs.
# An MNIST session like the demo's resumes train (read back from
# OUTDIR/train/) and compare (computed again), and writes the same report;
# a damaged train/outputs.npy makes train run again with a warning.
# Recurrent networks (rnn) resume the same way from rnn/ and rnn/resume/.
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
# the demo's steps, small: train is read back, not trained again
DATA=$(cd "${top_srcdir:-.}/examples/data" && pwd) || exit 1
cat >"$T/m.lab" <<LAB
[session]
name = mm
seed = 2
threads = 1
[data]
kind = mnist
path = $DATA
[train]
models = 3
hidden = 8
epochs = 1
train_images = 300
log_every = 5
probe_per_class = 5
init = shared
[tensor]
[tca]
ranks = 1-2
replicates = 2
max_iter = 30
[trajectory]
[compare]
conditions = classes
metrics = cka,angular
[report]
LAB
tap_ok "an MNIST run" "$LL" run "$T/m.lab" -o "$T/m" -q
cp "$T/m/report.md" "$T/rep1"
cp "$T/m/tca/summary.json" "$T/msum1"
"$LL" run "$T/m.lab" -o "$T/m" --resume >"$T/mout2" 2>"$T/merr2"
for s in data train tensor tca trajectory compare; do grep -q "^$s  *resumed " "$T/mout2" || echo "# $s not resumed"; done >"$T/mnr"
[ ! -s "$T/mnr" ] && [ ! -s "$T/merr2" ] && grep -q '^report  *[0-9.]* s ' "$T/mout2"
tap_result $? "MNIST --resume: train and compare resumed with the rest, no warning" || sed 's/^/# /' "$T/mnr" "$T/mout2" "$T/merr2"
# the report again, the same but for the date and the command line
strip() { grep -v -e ' · run 20' -e '^latentlab run ' -e 'data step started' "$1"; }
strip "$T/rep1" >"$T/rep1s" && strip "$T/m/report.md" >"$T/rep2s" && cmp -s "$T/rep1s" "$T/rep2s" &&
	cmp -s "$T/msum1" "$T/m/tca/summary.json" && [ "$(wc -l <"$T/rep1s")" -gt 100 ]
tap_result $? "the report written again says what the first did" || diff "$T/rep1s" "$T/rep2s" | head -20 | sed 's/^/# /'
truncate -s 100 "$T/m/train/outputs.npy"
"$LL" run "$T/m.lab" -o "$T/m" --resume >"$T/mout3" 2>"$T/merr3" && grep -q '^train  *[0-9.]* s ' "$T/mout3" &&
	grep -q '^compare  *[0-9.]* s ' "$T/mout3" && [ "$(wc -l <"$T/merr3")" -eq 1 ] &&
	grep -q 'resume: train: warning: .*outputs.npy: truncated.*it runs again' "$T/merr3" &&
	[ "$(wc -c <"$T/m/train/outputs.npy")" -gt 100 ] &&
	[ "$(grep -v '"seconds"' "$T/msum1")" = "$(grep -v '"seconds"' "$T/m/tca/summary.json")" ]
tap_result $? "a damaged train/outputs.npy: a one-line warning, train runs again to the same fits" || sed 's/^/# /' "$T/mout3" "$T/merr3"
# recurrent networks: read back (their weights, scores and probe states),
# the tensor made from them the run's
cat >"$T/q.lab" <<'LAB'
[session]
name = qq
seed = 4
threads = 1
[data]
kind = task
[rnn]
task = flipflop
bits = 2
steps = 15
cells = vanilla,lstm
seeds = 2
hidden = 8
iters = 20
probes = 3
[tensor]
[tca]
ranks = 1-2
replicates = 2
max_iter = 30
LAB
"$LL" run "$T/q.lab" -o "$T/q" -q && cp "$T/q/tca/summary.json" "$T/qsum1" &&
	"$LL" run "$T/q.lab" -o "$T/q" --resume >"$T/qout" 2>&1 && grep -q '^rnn  *resumed ' "$T/qout" &&
	grep -q '^tca  *resumed ' "$T/qout" && [ -s "$T/q/rnn/resume/train.npy" ] && [ -s "$T/q/rnn/resume/states.npy" ]
tap_result $? "rnn resumed from rnn/ and rnn/resume/ (an LSTM's cell states), tca after it" || sed 's/^/# /' "$T/qout"
rm "$T/q/rnn/resume/states.npy"
"$LL" run "$T/q.lab" -o "$T/q" --resume >"$T/qout2" 2>"$T/qerr2" && grep -q '^rnn  *[0-9.]* s ' "$T/qout2" &&
	grep -q 'resume: rnn: warning: .*states.npy' "$T/qerr2" &&
	[ "$(grep -v '"seconds"' "$T/qsum1")" = "$(grep -v '"seconds"' "$T/q/tca/summary.json")" ]
tap_result $? "without rnn/resume/states.npy: a warning, rnn trains again to the same fits" || sed 's/^/# /' "$T/qout2" "$T/qerr2"
tap_done
