#!/bin/sh
# tests/e2e/test_tca_f32.sh - single precision end to end (issue 15, TAP):
# `latentlab tca --float32` on a float32 .npy (mapped) and a float64 one
# (converted) fits what double fits (the same best objective to 1e-5 on
# data that are float already), summary.json says "precision", --verbose
# prints the peak-memory line, the session key [tca] precision = single
# does the same, shards carry the precision through a merge, and what
# single precision does not support, or a
# truncated float32 file, gives one line on stderr and exit 1 or 2.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_tca_f32.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

P=${top_srcdir:-.}/examples/data/planted.npy # '<f4', 30x40x50
head -c 128 "$P" | grep -q "'<f4'" || { echo "not ok 1 - $P is float32"; echo "1..1"; exit 1; }
"$LL" synth -o "$T/syn" >/dev/null 2>&1 || { echo "not ok 1 - synth"; echo "1..1"; exit 1; }
D=$T/syn/data.npy # float64

tap_ok "double" "$LL" tca "$P" -o "$T/d" -r 2-3 -n 3 -m cp-als -q
"$LL" tca "$P" -o "$T/s" -r 2-3 -n 3 -m cp-als -q --float32 --verbose 2>"$T/s.err" >"$T/s.out"
tap_result $? "single (--float32 --verbose)"
grep -q '"precision": *"double"' "$T/d/summary.json"; tap_result $? "summary.json says double by default"
grep -q '"precision": *"single"' "$T/s/summary.json"; tap_result $? "summary.json says single"
grep -q "precision single; tensor 0.2 MiB (float32, memory-mapped)" "$T/s.err"; tap_result $? "--verbose: the float32 .npy was mapped"
grep -q "peak memory [0-9.]* MiB = [0-9.]*x the tensor" "$T/s.err"; tap_result $? "--verbose prints the peak memory"
grep -q "in single precision" "$T/s.out"; tap_result $? "the table says single precision"
# the best objective of the lowest rank (the first "best_objective")
best() { tr ',{' '\n\n' <"$1" | sed -n 's/^ *"best_objective": *\([0-9.e+-]*\).*/\1/p' | head -1; }
od=$(best "$T/d/summary.json"); os=$(best "$T/s/summary.json")
awk -v a="$od" -v b="$os" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d < 1e-5) }'
tap_result $? "the same best objective ($od vs $os)"

"$LL" tca "$D" -o "$T/c" -r 2 -n 2 -m ncp-hals -q --float32 -v 2>"$T/c.err" >/dev/null
tap_result $? "a float64 file under --float32"
grep -q "(float32), factors" "$T/c.err"; tap_result $? "--verbose: converted, not mapped"

# shards fitted in single precision merge into a single-precision run
# (two ranks side by side in one shard: each fit inside an outer region)
"$LL" tca "$P" -o "$T/sh0" -r 2-4 -n 2 -m cp-als -q --float32 -j 2 --shard 0/2 >/dev/null &&
	"$LL" tca "$P" -o "$T/sh1" -r 2-4 -n 2 -m cp-als -q --float32 -j 2 --shard 1/2 >/dev/null &&
	"$LL" merge "$T/sh0" "$T/sh1" -o "$T/mg" >/dev/null
tap_result $? "two single-precision shards, merged"
grep -q '"precision": *"single"' "$T/mg/summary.json" && grep -q '^precision = single' "$T/sh0/shard.txt"
tap_result $? "the manifests and the merged summary.json say single"

head -c 100000 "$P" >"$T/short.npy"
tap_fails "truncated float32 .npy" "short.npy: truncated" "$LL" tca "$T/short.npy" -o "$T/e" --float32
tap_fails "--float32 with cp-apr" "does not support cp-apr" "$LL" tca "$P" -o "$T/e" --float32 -m cp-apr
tap_fails "--float32 with --cv-folds" "cross-validation" "$LL" tca "$P" -o "$T/e" --float32 --cv-folds 3
tap_fails "--float32 with --init svd" "init svd" "$LL" tca "$P" -o "$T/e" --float32 --init svd
tap_fails "--float32 with --mask" "mask" "$LL" tca "$P" -o "$T/e" --float32 --mask "$P"

cp "$P" "$T/planted.npy"
cat >"$T/s.lab" <<EOS
[session]
seed = 1
[data]
kind = npy
path = planted.npy
[tensor]
[tca]
ranks = 3
replicates = 2
method = cp-als
precision = single
EOS
tap_ok "a session with [tca] precision = single" "$LL" run "$T/s.lab" -o "$T/r"
grep -q '"precision": *"single"' "$T/r/tca/summary.json"; tap_result $? "its summary.json says single"
sed 's/method = cp-als/method = cp-apr/' "$T/s.lab" >"$T/bad.lab"
tap_fails "session: single with cp-apr" "precision = single does not support method = cp-apr" "$LL" run "$T/bad.lab" -o "$T/e2"
sed 's/precision = single/precision = half/' "$T/s.lab" >"$T/bad2.lab"
tap_fails "session: precision = half" "precision" "$LL" run "$T/bad2.lab" -o "$T/e3"
[ ! -e "$T/e" ] && [ ! -e "$T/e2/tca" ]; tap_result $? "nothing written on a refused run"
tap_done
