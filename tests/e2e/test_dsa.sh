#!/bin/sh
# tests/e2e/test_dsa.sh - `latentlab dsa` end to end (TAP): --help, the
# --json contract keys, known answers on rotation trajectories written as
# CSV by awk (a system against itself 0, against a coordinate-swapped copy
# 0 over O(n), R(0.3) vs R(0.9) angular 0.6 and eigenvalue W2^2
# 2 - 2 cos 0.6 = 0.349329), a 3-D .npy from `latentlab synth` against
# itself, differing unit counts, and bad input of every kind (one line on
# stderr, exit 1 or 2, no crash).
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_dsa.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# json_num FILE KEY: the number after "KEY": in a one-line JSON object
json_num() { sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" "$1"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }
# rot FILE OMEGA SWAP [UNITS]: 60 steps of x' = R(omega) x as time x units
# CSV (%.17g); SWAP 1 writes the two coordinates swapped (a reflection);
# UNITS 3 appends a third unit 0.5 x + 0.2 y (still rank 2 dynamics)
rot() {
	awk -v w="$2" -v sw="$3" -v u="${4:-2}" 'BEGIN { x = 1; y = 0.5; c = cos(w); s = sin(w)
		for (t = 0; t < 60; t++) {
			if (u == 3) printf "%.17g,%.17g,%.17g\n", x, y, 0.5 * x + 0.2 * y
			else if (sw) printf "%.17g,%.17g\n", y, x
			else printf "%.17g,%.17g\n", x, y
			nx = c * x - s * y; y = s * x + c * y; x = nx } }' > "$1"
}
rot "$T/a.csv" 0.3 0
rot "$T/b.csv" 0.3 1
rot "$T/c.csv" 0.9 0
rot "$T/d.csv" 0.3 0 3

# ---- help -------------------------------------------------------------------------
"$LL" --help 2>&1 | grep -q 'dsa' && "$LL" dsa --help | grep -q -- '--delay-interval' &&
	"$LL" dsa --help | grep -q 'angular distance'
tap_result $? "latentlab --help lists dsa; dsa --help describes the options and that dsa is angular"

# ---- known answers ---------------------------------------------------------------------
"$LL" dsa "$T/a.csv" "$T/a.csv" --json > "$T/aa.json"
ok=$?
ok2=0
for k in dsa angular euclidean wasserstein eigs_x eigs_y iterations settings; do
	grep -q "\"$k\":" "$T/aa.json" || { echo "# no key $k"; ok2=1; }
done
[ $ok -eq 0 ] && [ $ok2 -eq 0 ] && [ "$(grep -c . "$T/aa.json")" -eq 1 ]
tap_result $? "dsa --json: one object with dsa, angular, euclidean, wasserstein, eigs_x, eigs_y, iterations, settings"
near "$(json_num "$T/aa.json" dsa)" 0 1e-6 && near "$(json_num "$T/aa.json" wasserstein)" 0 1e-12 &&
	grep -q '"eigs_x":\[\[0.9553364[0-9]*,0.2955202[0-9]*\],\[0.9553364[0-9]*,-0.2955202[0-9]*\]\]' "$T/aa.json"
tap_result $? "dsa: a rotation against itself is 0; its DMD eigenvalues are e^{+-0.3i}"
"$LL" dsa "$T/a.csv" "$T/b.csv" --json > "$T/ab.json" &&
	near "$(json_num "$T/ab.json" dsa)" 0 1e-3 && [ "$(json_num "$T/ab.json" det)" = -1 ]
tap_result $? "dsa: a rotation against its coordinate-swapped copy is 0, through a reflection"
# DMD's operators are the rotations up to a (non-orthogonal) change of
# basis by the embedding's singular values (60 steps are not whole turns),
# so the analytic 0.6 holds to ~3e-4 here, not to rounding; the
# eigenvalues are exact
"$LL" dsa "$T/a.csv" "$T/c.csv" --json > "$T/ac.json"
echo "# R(0.3) vs R(0.9): dsa $(json_num "$T/ac.json" dsa), euclidean $(json_num "$T/ac.json" euclidean), wasserstein $(json_num "$T/ac.json" wasserstein)"
near "$(json_num "$T/ac.json" dsa)" 0.6 1e-3 && near "$(json_num "$T/ac.json" euclidean)" 0.59104 1e-3 &&
	near "$(json_num "$T/ac.json" wasserstein)" 0.349329 1e-5
tap_result $? "dsa: R(0.3) vs R(0.9) gives angular 0.6, euclidean 0.59104, eigenvalue W2^2 0.349329"
"$LL" dsa "$T/a.csv" "$T/c.csv" > "$T/ac.txt" && grep -q '^dsa  *0\.59[0-9]* rad' "$T/ac.txt" && grep -q '^wasserstein' "$T/ac.txt"
tap_result $? "dsa: the table without --json"
"$LL" dsa "$T/a.csv" "$T/d.csv" --rank 2 --json > "$T/ad.json" && near "$(json_num "$T/ad.json" dsa)" 0 1e-3
tap_result $? "dsa: 2 vs 3 units at --rank 2 (the same dynamics) gives 0"
"$LL" dsa "$T/a.csv" "$T/d.csv" --json > "$T/ad0.json" && grep -q '"dsa":null' "$T/ad0.json" &&
	grep -q '"rank_y":3' "$T/ad0.json" && grep -q '"wasserstein":[0-9]' "$T/ad0.json"
tap_result $? "dsa: ranks 2 vs 3 without --rank: dsa null, the Wasserstein score still given"
"$LL" synth -o "$T/syn" --neurons 4 --time 30 --trials 3 -s 5 > /dev/null &&
	"$LL" dsa "$T/syn/data.npy" "$T/syn/data.npy" --delays 3 --rank 4 --json > "$T/syn.json" &&
	near "$(json_num "$T/syn.json" dsa)" 0 1e-6
tap_result $? "dsa: a 3-D .npy (synth, 4 trials x 30 time x 3 units) with delays against itself is 0"
"$LL" dsa "$T/a.csv" "$T/c.csv" --json -s 3 --restarts 5 --delays 2 --delay-interval 3 > "$T/set.json" &&
	grep -q '"delays":2,"delay_interval":3' "$T/set.json" && grep -q '"restarts":5' "$T/set.json" && grep -q '"seed":"3"' "$T/set.json"
tap_result $? "dsa --json records the settings"

# ---- all pairs ------------------------------------------------------------------------
"$LL" dsa --all "$T/a.csv" "$T/b.csv" "$T/c.csv" -o "$T/all1" -j 1 > /dev/null &&
	"$LL" dsa --all "$T/a.csv" "$T/b.csv" "$T/c.csv" -o "$T/all2" -j 2 > /dev/null
ok=$?
for f in dsa.npy dsa.csv wasserstein.npy wasserstein.csv dsa_mds.npy dsa_mds.csv summary.json; do
	[ -s "$T/all1/$f" ] || { echo "# no $f"; ok=1; }
done
sed 's/^/# /' "$T/all1/dsa.csv"
[ $ok -eq 0 ] && [ "$(wc -l < "$T/all1/dsa.csv")" -eq 4 ] &&
	near "$(sed -n 2p "$T/all1/dsa.csv" | cut -d, -f3)" 0 1e-3 && near "$(sed -n 2p "$T/all1/dsa.csv" | cut -d, -f4)" 0.6 1e-3 &&
	near "$(sed -n 3p "$T/all1/wasserstein.csv" | cut -d, -f4)" 0.349329 1e-5 &&
	[ "$(head -1 "$T/all1/dsa_mds.csv")" = "system,mds1,mds2" ] &&
	cmp -s "$T/all1/dsa.npy" "$T/all2/dsa.npy" && cmp -s "$T/all1/wasserstein.csv" "$T/all2/wasserstein.csv"
tap_result $? "dsa --all: N x N dsa and wasserstein (.npy, .csv), an MDS map, summary.json; the same at 1 and 2 threads"
tap_fails "dsa --all: differing ranks" 'needs one rank' "$LL" dsa --all "$T/a.csv" "$T/d.csv" -o "$T/all3"
[ ! -e "$T/all3" ]
tap_result $? "dsa --all: a failure leaves no OUTDIR behind"
tap_fails "dsa --all: -o is required" 'needs -o' "$LL" dsa --all "$T/a.csv" "$T/b.csv"

# ---- bad input ------------------------------------------------------------------------
sed '5s/^[^,]*,/nan,/' "$T/a.csv" > "$T/nan.csv"
sed '5s/^[^,]*,/inf,/' "$T/a.csv" > "$T/inf.csv"
tap_fails "dsa: NaN in the data" 'NaN or Inf' "$LL" dsa "$T/a.csv" "$T/nan.csv"
tap_fails "dsa: Inf in the data" "'inf' is not a finite number" "$LL" dsa "$T/inf.csv" "$T/a.csv"
tap_fails "dsa: too few time points for the delays" 'too few for 40 delays' "$LL" dsa "$T/a.csv" "$T/a.csv" --delays 40 --delay-interval 2
tap_fails "dsa: rank above the embedding dimension" 'rank 5 above' "$LL" dsa "$T/a.csv" "$T/a.csv" --rank 5
tap_fails "dsa: a missing file" 'nope.npy' "$LL" dsa "$T/a.csv" "$T/nope.npy"
tap_fails "dsa: a 1-D array makes no sense" 'expected trials x time x units' "$LL" dsa "$T/syn/labels.npy" "$T/a.csv"
tap_fails "dsa: one recording is a usage error" 'two recordings' "$LL" dsa "$T/a.csv"
tap_fails "dsa: --delays 0 is a usage error" 'delays' "$LL" dsa "$T/a.csv" "$T/a.csv" --delays 0
tap_fails "dsa: unknown option" 'unknown option' "$LL" dsa "$T/a.csv" "$T/a.csv" --frobnicate
"$LL" dsa "$T/a.csv"  > /dev/null 2>&1; [ $? -eq 2 ]
tap_result $? "dsa: usage errors exit 2"
"$LL" dsa "$T/a.csv" "$T/nan.csv" > /dev/null 2>&1; [ $? -eq 1 ]
tap_result $? "dsa: runtime errors exit 1"

tap_done
