#!/bin/sh
# tests/e2e/test_spectrum.sh - `latentlab spectrum` end to end (TAP):
# --help, the --json contract keys, a planted power law (alpha 1, 600
# stimuli x 300 neurons, noise sd 0.06, seed 11, written as .npy by
# tests/tools/spectrum_planted) recovered by cvPCA within 0.05 while the
# covariance spectrum of one repeat is biased low by > 0.08, an exact 1/n
# spectrum written as CSV by awk (alpha 1, PR = H_30^2 / sum 1/n^2 to 1e-9),
# --transpose (the same numbers, bit for bit), --bootstrap (the interval,
# its settings, the same output at 1 and 2 threads), and bad input of every
# kind (one line on stderr, exit 1 or 2, no crash).
. "${top_srcdir:-.}/tests/tap.sh"

PLANT=${top_builddir:-.}/tests/tools/spectrum_planted
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_spectrum.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# json_num FILE KEY: the number after "KEY": in a one-line JSON object
json_num() { sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" "$1"; }
# json_arr FILE KEY: the flat array after "KEY": without brackets
json_arr() { sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" "$1"; }
# near A B TOL: |A - B| <= TOL
near() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= t) }'; }
# less A B: A < B
less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 < b + 0) }'; }

# exact FILE S N [T]: S stimuli x N neurons whose covariance spectrum is
# exactly 1/n: neuron j (1-based) is +a, -a on stimuli 2j-1, 2j and 0
# elsewhere (centred, disjoint supports: orthogonal), a = sqrt(S / (2 j)),
# so its variance over the S stimuli is 1/j; T 1 writes neurons x stimuli
exact() {
	awk -v S="$2" -v N="$3" -v t="${4:-0}" 'function v(i, j) { a = sqrt(S / (2 * j))
			return i == 2 * j - 1 ? a : (i == 2 * j ? -a : 0) }
		BEGIN { R = t ? N : S; C = t ? S : N
			for (r = 1; r <= R; r++) { line = ""
				for (c = 1; c <= C; c++) line = line (c > 1 ? "," : "") sprintf("%.17g", t ? v(c, r) : v(r, c))
				print line } }' > "$1"
}

"$PLANT" 600 300 1.0 0.06 11 "$T/r1.npy" "$T/r2.npy" &&
	"$PLANT" -t 600 300 1.0 0.06 11 "$T/t1.npy" "$T/t2.npy" &&
	"$PLANT" -n 3,7 600 300 1.0 0.06 11 "$T/nan.npy" &&
	"$PLANT" 600 299 1.0 0.06 11 "$T/narrow.npy" || { echo "Bail out! spectrum_planted failed"; exit 1; }
exact "$T/e.csv" 60 30
exact "$T/et.csv" 60 30 1
awk 'BEGIN { for (i = 1; i <= 8; i++) { line = ""; for (j = 1; j <= 20; j++) line = line (j > 1 ? "," : "") sin(7 * i + 3 * j); print line } }' > "$T/few.csv"

# ---- help -------------------------------------------------------------------------
"$LL" --help 2>&1 | grep -q 'spectrum' && "$LL" spectrum --help | grep -q -- '--fit-ranks A-B' &&
	"$LL" spectrum --help | grep -q -- '--repeat X2' && "$LL" spectrum --help | grep -q 'cross-validated PCA'
tap_result $? "latentlab --help lists spectrum; spectrum --help describes --repeat, --fit-ranks and cvPCA"

# ---- a planted power law ------------------------------------------------------------------
"$LL" spectrum "$T/r1.npy" --repeat "$T/r2.npy" --fit-ranks 5-60 --json > "$T/cv.json"
ok=$?
ok2=0
for k in alpha alpha_ci pr dim90 eigenvalues fit_ranks intercept n_stimuli n_neurons method bootstrap; do
	grep -q "\"$k\":" "$T/cv.json" || { echo "# no key $k"; ok2=1; }
done
[ $ok -eq 0 ] && [ $ok2 -eq 0 ] && [ "$(grep -c . "$T/cv.json")" -eq 1 ]
tap_result $? "spectrum --json: one object with alpha, alpha_ci, pr, dim90, eigenvalues, fit_ranks, intercept, n_stimuli, n_neurons, method, bootstrap"
grep -q '"method":"cvpca"' "$T/cv.json" && grep -q '"n_stimuli":600' "$T/cv.json" &&
	grep -q '"n_neurons":300' "$T/cv.json" && grep -q '"fit_ranks":\[5,60\]' "$T/cv.json" &&
	grep -q '"alpha_ci":\[null,null\]' "$T/cv.json" && grep -q '"bootstrap":null' "$T/cv.json" &&
	[ "$(json_arr "$T/cv.json" eigenvalues | tr ',' '\n' | grep -c .)" -eq 300 ]
tap_result $? "spectrum --json: method cvpca, the shape, the fit ranks, no interval without --bootstrap, min(600 - 1, 300) = 300 eigenvalues"
"$LL" spectrum "$T/r1.npy" --fit-ranks 5-60 --json > "$T/cov.json"
acv=$(json_num "$T/cv.json" alpha)
acov=$(json_num "$T/cov.json" alpha)
echo "# planted alpha 1: cvPCA $acv, covariance of repeat 1 $acov"
near "$acv" 1 0.05
tap_result $? "spectrum --repeat: cvPCA recovers the planted alpha 1 within 0.05"
grep -q '"method":"covariance"' "$T/cov.json" && less "$acov" 0.92 && grep -q '"note":"covariance spectrum of one repeat' "$T/cov.json"
tap_result $? "spectrum without --repeat: the covariance spectrum, its alpha biased low (< 0.92), and says so"
"$LL" spectrum "$T/r1.npy" --fit-ranks 5-60 > "$T/cov.txt" && grep -q '^method  *covariance spectrum of one repeat: noise' "$T/cov.txt" &&
	grep -q '^alpha  *0\.8' "$T/cov.txt" && grep -q '^pr ' "$T/cov.txt" && grep -q '^dim90 ' "$T/cov.txt"
tap_result $? "spectrum: the table without --json names the method and its bias"

# ---- an exact 1/n spectrum from awk ----------------------------------------------------------
pr=$(awk 'BEGIN { for (n = 1; n <= 30; n++) { h += 1 / n; z += 1 / (n * n) }; printf "%.12f", h * h / z }')
"$LL" spectrum "$T/e.csv" --fit-ranks 2-30 --json > "$T/e.json" &&
	near "$(json_num "$T/e.json" alpha)" 1 1e-9 && near "$(json_num "$T/e.json" intercept)" 0 1e-9 &&
	near "$(json_num "$T/e.json" pr)" "$pr" 1e-9 && grep -q '"n_stimuli":60,"n_neurons":30' "$T/e.json" &&
	near "$(json_arr "$T/e.json" eigenvalues | cut -d, -f7)" 0.142857142857 1e-9
tap_result $? "spectrum: an exact 1/n spectrum (CSV by awk) gives alpha 1, intercept 0, PR = H_30^2 / sum 1/n^2 = $pr"
awk -v k=$(json_num "$T/e.json" dim90) 'BEGIN { for (n = 1; n <= 30; n++) t += 1 / n
		for (n = 1; n <= 30; n++) { c += 1 / n; if (c >= 0.9 * t) { exit !(n == k) } } exit 1 }'
tap_result $? "spectrum: dim90 of 1/n over 30 is the first rank holding 90% ($(json_num "$T/e.json" dim90))"
"$LL" spectrum "$T/e.csv" --repeat "$T/e.csv" --fit-ranks 2-30 --json > "$T/ee.json" &&
	near "$(json_num "$T/ee.json" alpha)" 1 1e-9 && grep -q '"method":"cvpca"' "$T/ee.json"
tap_result $? "spectrum: cvPCA of a noiseless repeat against itself is the covariance spectrum"
"$LL" spectrum "$T/e.csv" --fit-ranks 2-30 --fit-weights inverse-rank --json > "$T/ew.json" &&
	near "$(json_num "$T/ew.json" alpha)" 1 1e-9 && grep -q '"fit_weights":"inverse-rank"' "$T/ew.json" &&
	grep -q '"fit_weights":"uniform"' "$T/e.json"
tap_result $? "spectrum --fit-weights inverse-rank (the reference's 1/n weights): alpha 1 on 1/n too, and recorded"

# ---- --transpose -----------------------------------------------------------------------------
"$LL" spectrum "$T/t1.npy" --repeat "$T/t2.npy" --fit-ranks 5-60 --transpose --json > "$T/tt.json" &&
	[ "$(json_arr "$T/tt.json" eigenvalues)" = "$(json_arr "$T/cv.json" eigenvalues)" ] &&
	[ "$(json_num "$T/tt.json" alpha)" = "$acv" ] && grep -q '"transposed":true' "$T/tt.json"
tap_result $? "spectrum --transpose: neurons x stimuli files give the same numbers, bit for bit"
"$LL" spectrum "$T/et.csv" --transpose --fit-ranks 2-30 --json > "$T/et.json" &&
	[ "$(json_arr "$T/et.json" eigenvalues)" = "$(json_arr "$T/e.json" eigenvalues)" ]
tap_result $? "spectrum --transpose: the awk CSV written neurons x stimuli too"
"$LL" spectrum "$T/t1.npy" --fit-ranks 5-60 --json > "$T/nt.json" && grep -q '"n_stimuli":300,"n_neurons":600' "$T/nt.json"
tap_result $? "spectrum: without --transpose the rows of the transposed file are taken as stimuli"

# ---- bootstrap ---------------------------------------------------------------------------------
"$LL" spectrum "$T/r1.npy" --repeat "$T/r2.npy" --fit-ranks 5-60 --bootstrap 24 --ci 0.9 --seed 3 -j 1 --json > "$T/b1.json" &&
	"$LL" spectrum "$T/r1.npy" --repeat "$T/r2.npy" --fit-ranks 5-60 --bootstrap 24 --ci 0.9 --seed 3 -j 2 --json > "$T/b2.json"
ok=$?
lo=$(json_arr "$T/b1.json" alpha_ci | cut -d, -f1)
hi=$(json_arr "$T/b1.json" alpha_ci | cut -d, -f2)
echo "# 90% interval of alpha over 24 resamples: [$lo, $hi], mean $(json_num "$T/b1.json" mean)"
[ $ok -eq 0 ] && less "$lo" "$hi" && less 0.85 "$lo" && less "$hi" 1.1 &&
	grep -q '"bootstrap":{"resamples":24,"level":0.90*[0-9]*,"seed":"3","failed":0,"mean":' "$T/b1.json"
tap_result $? "spectrum --bootstrap 24 --ci 0.9 --seed 3: an interval lo < hi near alpha, and its settings"
cmp -s "$T/b1.json" "$T/b2.json"
tap_result $? "spectrum --bootstrap: the same output at 1 and 2 threads"
"$LL" spectrum "$T/r1.npy" --repeat "$T/r2.npy" --fit-ranks 5-60 --bootstrap 24 --seed 4 --json > "$T/b3.json" &&
	[ "$(json_arr "$T/b3.json" alpha_ci)" != "$(json_arr "$T/b1.json" alpha_ci)" ]
tap_result $? "spectrum --bootstrap: another seed, another interval"
"$LL" spectrum "$T/r1.npy" --repeat "$T/r2.npy" --fit-ranks 5-60 --bootstrap 8 > "$T/b.txt" && grep -q '^alpha_ci  *\[0\.[0-9]*, [01]\.[0-9]*\] at 0.95 (8 resamples' "$T/b.txt"
tap_result $? "spectrum --bootstrap: the interval in the table"

# ---- bad input ---------------------------------------------------------------------------------
tap_fails "spectrum: repeats of different shapes" 'narrow.npy: 600 x 299 but .*r1.npy is 600 x 300: the repeats must have the same shape' \
	"$LL" spectrum "$T/r1.npy" --repeat "$T/narrow.npy"
tap_fails "spectrum: fewer stimuli than the fit range's start" 'starts at rank 11, beyond the 7 components of 8 stimuli x 20 neurons.*--fit-ranks' \
	"$LL" spectrum "$T/few.csv"
tap_fails "spectrum: a fit range beyond the components" 'starts at rank 40, beyond the 30 components' \
	"$LL" spectrum "$T/e.csv" --fit-ranks 40-100
tap_fails "spectrum: NaN in an .npy" 'nan.npy: entry \[3, 7\] .* is NaN' "$LL" spectrum "$T/nan.npy" --repeat "$T/r2.npy"
tap_fails "spectrum: NaN in a repeat (.npy, transposed)" 'nan.npy: entry \[3, 7\] .* is NaN' "$LL" spectrum "$T/t1.npy" --repeat "$T/nan.npy" --transpose
sed '5s/^[^,]*,/nan,/' "$T/e.csv" > "$T/nan.csv"
tap_fails "spectrum: NaN in a CSV" 'nan.csv: entry \[4, 0\] (row, column from 0) is NaN' "$LL" spectrum "$T/nan.csv"
sed '5s/^[^,]*,/inf,/' "$T/e.csv" > "$T/inf.csv"
tap_fails "spectrum: Inf in a CSV" "inf.csv:5: 'inf' is not a finite number" "$LL" spectrum "$T/e.csv" --repeat "$T/inf.csv"
tap_fails "spectrum: a missing file" 'nope.npy' "$LL" spectrum "$T/nope.npy"
tap_fails "spectrum: a missing repeat" 'nope2.csv' "$LL" spectrum "$T/e.csv" --repeat "$T/nope2.csv"
"$LL" synth -o "$T/syn" --neurons 4 --time 30 --trials 3 -s 5 > /dev/null
tap_fails "spectrum: a 1-D array" 'labels.npy: expected a 2-D stimuli x neurons matrix, got shape' "$LL" spectrum "$T/syn/labels.npy"
tap_fails "spectrum: a 3-D array" 'data.npy: expected a 2-D stimuli x neurons matrix' "$LL" spectrum "$T/syn/data.npy"
head -1 "$T/e.csv" > "$T/one.csv"
tap_fails "spectrum: one stimulus" 'one.csv: 1 stimulus: a spectrum needs at least 2' "$LL" spectrum "$T/one.csv"
awk 'BEGIN { for (i = 0; i < 20; i++) print "1,2,3" }' > "$T/flat.csv"
tap_fails "spectrum: no variance to fit" 'only 0 positive eigenvalues in ranks 1-3' "$LL" spectrum "$T/flat.csv" --fit-ranks 1-3
tap_fails "spectrum: --fit-ranks without a dash" '--fit-ranks needs A-B' "$LL" spectrum "$T/e.csv" --fit-ranks 5
tap_fails "spectrum: --fit-ranks backwards" '--fit-ranks needs A-B' "$LL" spectrum "$T/e.csv" --fit-ranks 10-5
tap_fails "spectrum: --fit-ranks from 0" '--fit-ranks needs A-B' "$LL" spectrum "$T/e.csv" --fit-ranks 0-5
tap_fails "spectrum: --ci out of (0, 1)" '--ci needs a level in (0, 1)' "$LL" spectrum "$T/e.csv" --ci 95
tap_fails "spectrum: --bootstrap not a count" '--bootstrap needs' "$LL" spectrum "$T/e.csv" --bootstrap -3
tap_fails "spectrum: --fit-weights unknown" 'uniform|inverse-rank' "$LL" spectrum "$T/e.csv" --fit-weights cubic
tap_fails "spectrum: no file" 'needs a stimuli x neurons matrix' "$LL" spectrum
tap_fails "spectrum: two files without --repeat" "unexpected argument" "$LL" spectrum "$T/e.csv" "$T/e.csv"
tap_fails "spectrum: unknown option" 'unknown option' "$LL" spectrum "$T/e.csv" --frobnicate
"$LL" spectrum > /dev/null 2>&1; [ $? -eq 2 ]
tap_result $? "spectrum: usage errors exit 2"
"$LL" spectrum "$T/nope.npy" > /dev/null 2>&1; [ $? -eq 1 ]
tap_result $? "spectrum: runtime errors exit 1"

tap_done
