#!/bin/sh
# tests/e2e/test_run_signals.sh - `latentlab run` stopped by a signal (TAP):
# SIGINT during the tca step of a long sweep and SIGTERM during training
# end the run with one line on stderr and exit 130 / 143, leave no
# temporary file and no folder of the canceled step (it stops before it
# writes), keep the finished steps' folders complete, and results.json
# says which steps finished; the
# per-step lines reach a pipe as each step finishes (line-buffered), not
# at exit.  Against the build before this change the first and third
# checks fail (it died of the signal, leaving tca/rank_NN folders and
# *.tmp.* files, and printed nothing to the pipe).
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_signals.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
case $SRC in /*) ;; *) SRC=$(pwd)/$SRC ;; esac

cat >"$T/long.lab" <<EOS
[session]
seed = 1
threads = 1
[data]
kind = synth
[tensor]
[tca]
ranks = 1-12
replicates = 60
method = ncp-bcd
max_iter = 2000
tol = 1e-12
EOS

# wait_for FILE PATTERN: up to 60 s for PATTERN to appear in FILE
wait_for() { i=0; while [ $i -lt 600 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done; grep -q "$2" "$1"; }

"$LL" run "$T/long.lab" -o "$T/o1" >"$T/o1.out" 2>"$T/o1.err" &
pid=$!
wait_for "$T/o1.out" '^tensor '; r=$?
tap_result $r "the per-step lines reach a pipe as the steps finish"
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 130 ]; tap_result $? "SIGINT during tca: exit 130 (got $rc)"
n=$(grep -c . "$T/o1.err"); grep -q "stopped by SIGINT" "$T/o1.err" && [ "$n" -eq 1 ]
tap_result $? "one line on stderr says it was stopped"
[ -z "$(find "$T/o1" -name '*.tmp*' -o -name '.*.partial' -o -name '.*.old')" ]
tap_result $? "no temporary file or partial folder left"
[ ! -e "$T/o1/tca" ]; tap_result $? "the canceled step's folder is absent"
[ -s "$T/o1/tensor/tensor.json" ] && [ -s "$T/o1/tensor/tensor.npy" ]; tap_result $? "the finished step's folder is complete"
tr -d ' \n' <"$T/o1/results.json" | grep -q '"step":"tensor","state":"done"'
r1=$?
tr -d ' \n' <"$T/o1/results.json" | grep -q '"state":"failed"'; r2=$?
tap_result $((r1 + r2)) "results.json: tensor done, tca failed"

cat >"$T/train.lab" <<EOS
[session]
seed = 1
threads = 1
[data]
kind = mnist
path = $SRC/examples/data
[train]
models = 20
epochs = 20
EOS
"$LL" run "$T/train.lab" -o "$T/o2" >"$T/o2.out" 2>"$T/o2.err" &
pid=$!
wait_for "$T/o2.out" '^data '
sleep 1
kill -TERM $pid
wait $pid; rc=$?
[ $rc -eq 143 ]; tap_result $? "SIGTERM during training: exit 143 (got $rc)"
[ -z "$(find "$T/o2" -name '*.tmp*' -o -name '.*.partial')" ] && [ ! -e "$T/o2/train" ]
tap_result $? "no partial training folder or temporary file left"
grep -q "stopped by SIGTERM" "$T/o2.err"; tap_result $? "stderr says SIGTERM"

# a rerun into the same folder after the interrupted one works and completes
printf '[session]\nseed = 1\n[data]\nkind = synth\n[tensor]\n[tca]\nranks = 1-2\nreplicates = 2\n' >"$T/short.lab"
tap_ok "a rerun into the interrupted folder" "$LL" run "$T/short.lab" -o "$T/o1" --force
[ -d "$T/o1/tca/rank_02" ] && [ -z "$(find "$T/o1" -name '.*.partial')" ]; tap_result $? "... completes its folders"

# SIGKILL (no handler can run) while tca writes over an earlier run's
# complete tca/: the step fills a hidden .tca.partial and renames it into
# place only when done, so tca/ is still the earlier run's, whole; the
# next run clears a leftover .tca.partial (a kill while it was written).
"$LL" run "$T/long.lab" -o "$T/o1" --force >"$T/o3.out" 2>&1 &
pid=$!
wait_for "$T/o3.out" '^tensor '
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
[ -d "$T/o1/tca/rank_02/rep_01" ] && [ -s "$T/o1/tca/summary.json" ] && [ ! -e "$T/o1/tca/rank_03" ]
tap_result $? "SIGKILL during tca: the earlier run's tca/ is still there, whole"
# a kill while the step writes leaves its hidden folder: as if
cp -r "$T/o1/tca" "$T/o1/.tca.partial" && touch "$T/o1/.tca.partial/stale.npy"
tap_ok "a rerun after the kill" "$LL" run "$T/short.lab" -o "$T/o1" --force
[ -z "$(find "$T/o1" -name '.*.partial' -o -name '*.old' -o -name stale.npy)" ] && [ -s "$T/o1/tca/summary.json" ]
tap_result $? "... leaves no hidden folder behind"

# A step that fails while writing (here: a file-size limit, as a full
# disk) leaves the earlier run's folder as it was, not emptied or half
# replaced, and no hidden folder.  Before staging, data/ was emptied when
# the step began.
sum0=$(cat "$T/o1/data/"*.npy | cksum)
sh -c 'ulimit -f 100; trap "" XFSZ; exec "$0" run "$1" -o "$2" --force' "$LL" "$T/short.lab" "$T/o1" >/dev/null 2>"$T/o5.err"
rc=$?
[ $rc -ne 0 ] && grep -q "data/.*write failed" "$T/o5.err" && [ "$(grep -c . "$T/o5.err")" -eq 1 ]
tap_result $? "a write failure in the data step: one line naming the file in data/ (got $rc)"
[ "$(cat "$T/o1/data/"*.npy | cksum)" = "$sum0" ] && [ -z "$(find "$T/o1" -name '.*.partial')" ]
tap_result $? "... the earlier run's data/ is unchanged, no hidden folder left"
tap_done
