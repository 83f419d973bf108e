#!/bin/sh
# tests/e2e/test_cpapr.sh - Poisson CP (`--method cp-apr`, `[tca] method =
# cp-apr`) end to end (TAP): on `latentlab synth --peak-hz 4` (sparse
# counts, 3 planted factors) the best relative deviance per rank falls
# clearly up to rank 3 and little after it (measured 0.828, 0.743, 0.709,
# 0.701); summary.json carries deviance and relative_deviance for every
# fit; the table says how fits are ranked; a session runs it and the
# report says so; negative data, penalties and a bad --peak-hz are refused
# in one line.  (That CP-APR recovers planted factors, and better than
# ncp-hals at low rates, is tests/unit/tensor/test_cpapr's.)
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_cpapr.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

tap_ok "synth with sparse counts" "$LL" synth -o "$T/syn" --peak-hz 4 --neurons 30 --time 30 --trials 40
tap_ok "tca --method cp-apr" sh -c "'$LL' tca '$T/syn/data.npy' -o '$T/a' -r 1-4 -n 2 -m cp-apr -q > '$T/a.txt'"
grep -q "cp-apr: fits are ranked by their Poisson deviance" "$T/a.txt"; tap_result $? "the table says fits are ranked by deviance"
flat() { tr -d ' \n' <"$1"; }
n=$(flat "$T/a/summary.json" | grep -o '"deviance":[0-9.e+-]*' | wc -l)
[ "$n" -eq 8 ]; tap_result $? "summary.json: a deviance for each of the 8 fits ($n)"
# the best relative deviance per rank (the first fit of each rank): falls to rank 3, then flattens
rd=$(flat "$T/a/summary.json" | grep -o '"dir":"rank_0[1-4]/rep_00"[^}]*"relative_deviance":[0-9.e+-]*' |
	sed 's/.*"relative_deviance":\([0-9.e+-]*\)/\1/' | tr '\n' ' ')
echo "# relative deviance by rank: $rd"
set -- $rd
awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { exit !(a > b && b > c && (c - d) < 0.35 * (b - c)) }'
tap_result $? "relative deviance falls to the planted rank 3, then flattens"
flat "$T/a/summary.json" | grep -q '"method":"cp-apr"'; tap_result $? "summary.json names the method"

cat >"$T/s.lab" <<EOS
[session]
seed = 2
[data]
kind = npy
path = syn/data.npy
[tensor]
[tca]
ranks = 2-3
replicates = 2
method = cp-apr
[report]
EOS
tap_ok "a session with method = cp-apr" "$LL" run "$T/s.lab" -o "$T/s"
grep -q "Poisson likelihood" "$T/s/report.md"; tap_result $? "the report says what cp-apr minimised"

printf '\223NUMPY\001\000v\000{"descr": "<f8", "fortran_order": False, "shape": (2, 2, 2), }' >"$T/neg.npy"
# pad the header to 128 bytes (10 + 118) as NumPy does, then 8 doubles
hl=$(( 118 - $(printf '{"descr": "<f8", "fortran_order": False, "shape": (2, 2, 2), }' | wc -c) - 1 ))
{ printf '\223NUMPY\001\000v\000{"descr": "<f8", "fortran_order": False, "shape": (2, 2, 2), }'
  printf "%${hl}s\n" ""
  printf '\000\000\000\000\000\000\360\077%.0s' 1 2 3 4 5 6 7
  printf '\000\000\000\000\000\000\360\277'; } >"$T/neg.npy"
tap_fails "negative counts" "needs counts" "$LL" tca "$T/neg.npy" -o "$T/e" -r 1 -m cp-apr -q
tap_fails "penalties with cp-apr" "ridge and l1" "$LL" tca "$T/syn/data.npy" -o "$T/e" -r 1 -m cp-apr --ridge 1 -q
tap_fails "synth --peak-hz 0" "peak-hz" "$LL" synth -o "$T/e2" --peak-hz 0
tap_fails "synth --baseline-hz x" "baseline-hz" "$LL" synth -o "$T/e2" --baseline-hz x
tap_done
