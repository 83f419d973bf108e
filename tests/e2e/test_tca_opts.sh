#!/bin/sh
# tests/e2e/test_tca_opts.sh - `latentlab tca` with a warm start, fixed
# modes and penalties, end to end (TAP): a fit refined from an earlier
# run's rank folder starts where that fit ended (no more than 6 iterations
# at a tighter tol: the stopping rule wants 5 small steps in a row), --fix-modes gives back the fixed factor byte for byte
# (cmp), summary.json records init/fixed_modes/ridge/l1 and per fit the
# penalised objective, L1 on the neuron mode makes more exact zeros there
# than no L1, the session keys do the same, and bad input of every kind
# gives one line on stderr and exit 1 or 2.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_tca_opts.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

"$LL" synth -o "$T/syn" >/dev/null 2>&1 || { echo "not ok 1 - synth"; echo "1..1"; exit 1; }
D=$T/syn/data.npy

tap_ok "a first fit" "$LL" tca "$D" -o "$T/a" -r 3 -n 3 -m ncp-hals -q
tap_ok "refined from its rank folder at a tighter tol" "$LL" tca "$D" -o "$T/b" --init "$T/a/rank_03" \
	-m ncp-hals --tol 1e-9 -q
# iterations of the one fit in b: the warm start continues, it does not
# restart (a fresh start takes 20 or more; the stopping rule wants 5 small
# steps in a row that shrink as a converging fit's)
it=$(tr ',' '\n' <"$T/b/summary.json" | sed -n 's/.*"iterations": *\([0-9]*\).*/\1/p' | head -1)
[ -n "$it" ] && [ "$it" -le 6 ]; tap_result $? "the refined fit took $it iterations (<= 6)"
grep -q '"init": *"model"' "$T/b/summary.json"; tap_result $? "summary.json says init model"
grep -q '"init_model": *"[^"]*a/rank_03"' "$T/b/summary.json"; tap_result $? "summary.json names the model"
[ -d "$T/b/rank_03" ] && [ ! -d "$T/b/rank_01" ]; tap_result $? "ranks default to the model's"

tap_ok "fixed mode 1" "$LL" tca "$D" -o "$T/c" --init "$T/a/rank_03/rep_01" --fix-modes 1 -m ncp-bcd -q
cmp -s "$T/a/rank_03/rep_01/factor_1.npy" "$T/c/rank_03/rep_00/factor_1.npy"; tap_result $? "the fixed factor is byte-identical"
cmp -s "$T/a/rank_03/rep_01/factor_0.npy" "$T/c/rank_03/rep_00/factor_0.npy"; [ $? -ne 0 ]; tap_result $? "a free factor moved"
flat() { tr -d ' \n' <"$1"; }
flat "$T/c/summary.json" | grep -q '"fixed_modes":\[1\]'; tap_result $? "summary.json lists the fixed modes"

# zeros in factor_0.npy (float64, after the header): od prints 8-byte words
zeros() { od -A n -t x8 -v -j 128 "$1" | tr -s ' ' '\n' | grep -c '^0000000000000000$'; }
tap_ok "no penalty" "$LL" tca "$D" -o "$T/p0" -r 3 -n 1 -m ncp-hals -q
tap_ok "ridge and L1 on neurons" "$LL" tca "$D" -o "$T/p1" -r 3 -n 1 -m ncp-hals --ridge 50 --l1 2000 --l1-modes 0 -q
z0=$(zeros "$T/p0/rank_03/rep_00/factor_0.npy"); z1=$(zeros "$T/p1/rank_03/rep_00/factor_0.npy")
[ "$z1" -gt "$z0" ]; tap_result $? "L1 makes more zeros in the neuron factor ($z0 -> $z1)"
grep -q '"objective_penalized"' "$T/p1/summary.json" && grep -q '"penalty"' "$T/p1/summary.json" &&
	flat "$T/p1/summary.json" | grep -q '"l1_modes":\[0\]'; tap_result $? "summary.json: penalised objective, penalty, l1 modes"
"$LL" tca "$D" -o "$T/p2" -r 3 -n 1 -m ncp-hals --ridge 50 --l1 2000 --l1-modes 0 2>/dev/null | grep -q "regularised: ridge 50, l1 2000 on modes 0"
tap_result $? "the table says it is regularised"

cat >"$T/s.lab" <<EOS
[session]
seed = 1
[data]
kind = npy
path = syn/data.npy
[tensor]
[tca]
ranks = 3
method = ncp-hals
warm_start = a/rank_03
fix_modes = 2
ridge = 10
[report]
EOS
tap_ok "a session with warm_start, fix_modes and ridge" "$LL" run "$T/s.lab" -o "$T/s"
cmp -s "$T/a/rank_03/rep_00/factor_2.npy" "$T/s/tca/rank_03/rep_00/factor_2.npy"; tap_result $? "the session kept mode 2"
grep -q "started from a given model" "$T/s/report.md" && grep -q "regularised" "$T/s/report.md"
tap_result $? "the report says so"

tap_fails "--fix-modes without --init" "needs --init" "$LL" tca "$D" -o "$T/e" --fix-modes 0
tap_fails "--fix-modes garbage" "fix-modes" "$LL" tca "$D" -o "$T/e" --init "$T/a/rank_03" --fix-modes x
tap_fails "--ridge negative" "ridge" "$LL" tca "$D" -o "$T/e" --ridge -1
tap_fails "--ridge with cp-als" "non-negative methods" "$LL" tca "$D" -o "$T/e" -r 2 --ridge 1 -q
tap_fails "--l1 on one mode without ridge" "needs ridge > 0" "$LL" tca "$D" -o "$T/e" -r 2 -m ncp-hals --l1 1 --l1-modes 0 -q
tap_fails "--init missing path" "nothing-here" "$LL" tca "$D" -o "$T/e" --init "$T/nothing-here"
tap_fails "--init an ensemble folder" "rank_04" "$LL" tca "$D" -o "$T/e" --init "$T/a"
tap_fails "--init rank vs --ranks" "has rank 3" "$LL" tca "$D" -o "$T/e" --init "$T/a/rank_03" -r 2
tap_fails "--fix-modes every mode" "every mode is fixed" "$LL" tca "$D" -o "$T/e" --init "$T/a/rank_03" --fix-modes 0,1,2 -q
printf 'not a zip' >"$T/bad.npz"
tap_fails "--init garbled npz" "bad.npz" "$LL" tca "$D" -o "$T/e" --init "$T/bad.npz"
sed 's/fix_modes = 2/fix_modes = 2x/' "$T/s.lab" >"$T/bad.lab"
tap_fails "session fix_modes garbage" "fix_modes" "$LL" run "$T/bad.lab" -o "$T/e2"
sed 's|warm_start = a/rank_03|warm_start = nope|' "$T/s.lab" >"$T/bad2.lab"
tap_fails "session warm_start missing" "warm_start" "$LL" run "$T/bad2.lab" -o "$T/e3"
[ ! -e "$T/e" ] && [ ! -e "$T/e2/tca" ]; tap_result $? "nothing written on a refused run"
tap_done
