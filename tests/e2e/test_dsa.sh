#!/bin/sh
# tests/e2e/test_dsa.sh - `latentlab dsa` end to end (TAP): --help, the
# --json contract keys, known answers on rotation trajectories written as
# CSV by awk (a system against itself 0, against a coordinate-swapped copy
# 0 over O(n), R(0.3) vs R(0.9) angular 0.6 and eigenvalue W2^2
# 2 - 2 cos 0.6 = 0.349329), a 3-D .npy from `latentlab synth` against
# itself, differing unit counts, --explained-variance (each system's rank
# in a pair; one rank for --all, recorded in summary.json), and bad input
# of every kind (one line on stderr, exit 1 or 2, no crash).
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
# e: a.csv with its second unit at 1% amplitude, so 0.99 of the energy
# lies in one direction; n: three noisy units (awk's rand, fixed seed), so
# every direction carries energy
awk -F, '{ printf "%.17g,%.17g\n", $1, 0.01 * $2 }' "$T/a.csv" > "$T/e.csv"
awk 'BEGIN { srand(7); x = 1; y = 0.5; c = cos(0.3); s = sin(0.3)
	for (t = 0; t < 60; t++) {
		printf "%.17g,%.17g,%.17g\n", x + 0.3 * (rand() - 0.5), y + 0.3 * (rand() - 0.5), 0.3 * (rand() - 0.5)
		nx = c * x - s * y; y = s * x + c * y; x = nx } }' > "$T/n.csv"
# npy FILE SHAPE COUNT: a float64 .npy of shape SHAPE ("2, 0, 3") holding
# COUNT zeros (header padded to a multiple of 64 bytes, as NumPy's)
npy() {
	h="{'descr': '<f8', 'fortran_order': False, 'shape': ($2), }"
	n=$(( (64 - (10 + ${#h} + 1) % 64) % 64 ))
	h="$h$(printf "%${n}s" "")"
	len=$(( ${#h} + 1 ))
	{ printf '\223NUMPY\001\000'; printf "\\$(printf %o $((len % 256)))\\$(printf %o $((len / 256)))"
	  printf '%s\n' "$h"; head -c $(( $3 * 8 )) /dev/zero; } > "$1"
}
# flat FILE: a pretty JSON file on one line, no spaces
flat() { tr -d ' \n' < "$1"; }

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
"$LL" dsa --all "$T/a.csv" "$T/d.csv" --rank 2 -o "$T/all4" > /dev/null &&
	near "$(sed -n 2p "$T/all4/dsa.csv" | cut -d, -f3)" 0 1e-3 && flat "$T/all4/summary.json" | grep -q '"rank":2,"rank_by":"rank",'
tap_result $? "dsa --all: 2 and 3 units at --rank 2 (the same dynamics) gives 0; summary.json says rank_by rank"

# ---- --explained-variance ------------------------------------------------------------
"$LL" dsa --help | grep -q -- '--explained-variance V' && "$LL" dsa --help | grep -q 'largest rank chosen'
tap_result $? "dsa --help describes --explained-variance and how --all picks one rank"
# without it a (2 units) and d (3 units, rank-2 data) get ranks 2 and 3 (dsa
# null, above); 0.99 of d's energy lies in 2 directions, so both get 2
"$LL" dsa "$T/a.csv" "$T/d.csv" --explained-variance 0.99 --json > "$T/ev1.json" &&
	grep -q '"rank_x":2,"rank_y":2' "$T/ev1.json" && near "$(json_num "$T/ev1.json" dsa)" 0 1e-3 &&
	grep -q '"rank_by":"explained-variance 0.99","explained_variance":0.98999' "$T/ev1.json"
tap_result $? "dsa --explained-variance 0.99: 2 vs 3 units of the same dynamics both get rank 2, dsa 0; settings record it"
grep -q '"rank_by":"full","explained_variance":null' "$T/aa.json"
tap_result $? "dsa --json without it: settings say rank_by full, explained_variance null"
# e keeps 0.99 of its energy in one direction: ranks 2 vs 1, as for
# differing ranks from --rank-less unit counts: dsa null, Wasserstein given
"$LL" dsa "$T/a.csv" "$T/e.csv" --explained-variance 0.99 --json > "$T/ev2.json" &&
	grep -q '"dsa":null' "$T/ev2.json" && grep -q '"rank_x":2,"rank_y":1' "$T/ev2.json" &&
	grep -q '"wasserstein":[0-9]' "$T/ev2.json" &&
	"$LL" dsa "$T/a.csv" "$T/e.csv" --explained-variance 0.99 | grep -q '^dsa  *n/a: ranks differ (2 vs 1)'
tap_result $? "dsa --explained-variance: ranks 2 vs 1 give dsa null and the Wasserstein score, as the help says"
"$LL" dsa --all "$T/a.csv" "$T/d.csv" "$T/e.csv" --explained-variance 0.99 -o "$T/ev3" > "$T/ev3.txt" &&
	flat "$T/ev3/summary.json" | grep -q '"rank":2,"rank_by":"explained-variance0.99","ranks_chosen":\[2,2,1\],"rank_cap":2,' &&
	near "$(sed -n 2p "$T/ev3/dsa.csv" | cut -d, -f3)" 0 1e-3 && grep -q '^rank 2: the largest' "$T/ev3.txt" &&
	! grep -q capped "$T/ev3.txt"
tap_result $? "dsa --all --explained-variance: ranks 2, 2, 1 chosen, all refitted at 2; summary.json records it"
# n needs 3 directions for 0.999, but a and e embed in 2: capped at 2
"$LL" dsa --all "$T/a.csv" "$T/n.csv" "$T/e.csv" --explained-variance 0.999 -o "$T/ev4" > "$T/ev4.txt" &&
	flat "$T/ev4/summary.json" | grep -q '"rank":2,"rank_by":"explained-variance0.999","ranks_chosen":\[2,3,[12]\],"rank_cap":2,' &&
	grep -q 'capped by the smallest embedding rank' "$T/ev4.txt"
tap_result $? "dsa --all --explained-variance: the largest rank chosen (3) is capped by the smallest embedding rank (2)"
tap_fails "dsa: --rank with --explained-variance" 'give one' "$LL" dsa "$T/a.csv" "$T/a.csv" --rank 2 --explained-variance 0.9
"$LL" dsa --all "$T/a.csv" "$T/b.csv" -o "$T/ev5" --explained-variance 0.9 --rank 2 > /dev/null 2>&1; [ $? -eq 2 ] && [ ! -e "$T/ev5" ]
tap_result $? "dsa --all: --rank with --explained-variance is a usage error (exit 2), no OUTDIR"
for v in 0 1 1.5 -0.2 nan 0.9x; do
	tap_fails "dsa: --explained-variance $v is a usage error" 'between 0 and 1' "$LL" dsa "$T/a.csv" "$T/a.csv" --explained-variance "$v"
done

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
tap_fails "dsa: --delay-interval 0 is a usage error" 'delay-interval' "$LL" dsa "$T/a.csv" "$T/a.csv" --delay-interval 0
npy "$T/four.npy" "2, 2, 5, 2" 40
tap_fails "dsa: a 4-D array makes no sense" 'got shape 2x2x5x2' "$LL" dsa "$T/four.npy" "$T/a.csv"
npy "$T/t0.npy" "3, 0, 2" 0
tap_fails "dsa: a .npy with zero time points" 't0.npy: .*size 0' "$LL" dsa "$T/a.csv" "$T/t0.npy"
npy "$T/u0.npy" "3, 5, 0" 0
tap_fails "dsa: a .npy with zero units" 'u0.npy: .*size 0' "$LL" dsa --all "$T/a.csv" "$T/u0.npy" -o "$T/bad1"
head -1 "$T/a.csv" > "$T/one.csv"
tap_fails "dsa: one time point is too few even without delays" '1 time point: too few for 1 delay at' "$LL" dsa "$T/one.csv" "$T/a.csv"
head -c 1000 "$T/syn/data.npy" > "$T/trunc.npy"
tap_fails "dsa: a truncated .npy (data cut short)" 'trunc.npy: truncated' "$LL" dsa "$T/trunc.npy" "$T/a.csv"
head -c 50 "$T/syn/data.npy" > "$T/trunch.npy"
tap_fails "dsa: a truncated .npy (header cut short)" 'trunch.npy: truncated' "$LL" dsa "$T/a.csv" "$T/trunch.npy"
printf 'not a numpy file at all\n' > "$T/garbled.npy"
tap_fails "dsa: a garbled .npy" 'garbled.npy: unrecognized format' "$LL" dsa "$T/garbled.npy" "$T/a.csv"
: > "$T/empty.csv"
tap_fails "dsa: an empty CSV" 'empty.csv: no data' "$LL" dsa --all "$T/a.csv" "$T/b.csv" "$T/empty.csv" -o "$T/bad2"
npy "$T/zero.npy" "2, 5, 2" 20
tap_fails "dsa: all-zero data has no dynamics to fit" 'zero.npy: data is all zero' "$LL" dsa "$T/zero.npy" "$T/a.csv"
[ ! -e "$T/bad1" ] && [ ! -e "$T/bad2" ]
tap_result $? "dsa --all: unreadable input leaves no OUTDIR behind"
tap_fails "dsa: unknown option" 'unknown option' "$LL" dsa "$T/a.csv" "$T/a.csv" --frobnicate
"$LL" dsa "$T/a.csv"  > /dev/null 2>&1; [ $? -eq 2 ]
tap_result $? "dsa: usage errors exit 2"
"$LL" dsa "$T/a.csv" "$T/nan.csv" > /dev/null 2>&1; [ $? -eq 1 ]
tap_result $? "dsa: runtime errors exit 1"

tap_done
