#!/bin/sh
# tests/e2e/test_dsa_session.sh - sessions with a [dsa] step, run by the
# CLI (TAP): over recurrent networks (files, dsa.json, the report's
# section and figures, the same matrices at 1 and 2 threads), with a
# recorded population as one more system (geometry not comparable when
# its conditions differ; DSA still is), over MLP training paths, and
# sessions that cannot work failing in one line with exit 1.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_dsasess.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# rnn FILE THREADS DSA-LINES: six small flip-flop networks, two cells
rnn() {
	cat > "$1" <<EOS
[session]
name = dsa
seed = 1
threads = $2

[data]
kind = task

[rnn]
task = flipflop
bits = 3
steps = 60
cells = vanilla,gru
seeds = 3
hidden = 12
iters = 100
probes = 6

[dsa]
rank = 8
restarts = 1
max_iter = 300
$3

[report]
EOS
}

# npy_shape FILE: the shape tuple in a .npy header, e.g. "(4, 4)"
npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}

# rot FILE OMEGA: 80 steps of a rotation in 3 units as time x units CSV
rot() {
	awk -v w="$2" 'BEGIN { x = 1; y = 0; for (t = 0; t < 80; t++) {
		printf "%.17g,%.17g,%.17g\n", x, y, 0.5 * x - 0.3 * y
		nx = cos(w) * x - sin(w) * y; y = sin(w) * x + cos(w) * y; x = nx } }' > "$1"
}

# ---- recurrent networks -----------------------------------------------------------
rnn "$T/a.lab" 2 ""
tap_ok "run a session with [rnn] and [dsa]" "$LL" run "$T/a.lab" -o "$T/a" -q
D=$T/a/dsa
ok=0
for f in dsa.npy wasserstein.npy geometry.npy mds_dsa.npy mds_geometry.npy systems.csv eigenvalues.csv dsa.json; do
	[ -s "$D/$f" ] || { echo "# missing $f"; ok=1; }
done
tap_result $ok "... writes the DSA, Wasserstein and geometry matrices, MDS maps, systems, eigenvalues, dsa.json"
[ "$(npy_shape "$D/dsa.npy")" = "(6, 6)" ] && [ "$(npy_shape "$D/geometry.npy")" = "(6, 6)" ] &&
	[ "$(npy_shape "$D/mds_dsa.npy")" = "(6, 2)" ]
tap_result $? "... matrices are systems x systems, the maps systems x 2"
J=$D/dsa.json
grep -q '"source": "rnn"' "$J" && grep -q '"rank": 8,' "$J" && grep -q '"delays": 10,' "$J" &&
	grep -q '"geometry_metric": "angular"' "$J" && grep -q '"separation_dsa": [0-9]' "$J"
tap_result $? "dsa.json: source rnn, rank 8, auto delays 10 (a quarter of 60 steps, at most 10), separations"
[ "$(grep -c ',vanilla,6,60,12,8,' "$D/systems.csv")" = 3 ] && [ "$(grep -c ',gru,6,60,12,8,' "$D/systems.csv")" = 3 ]
tap_result $? "systems.csv: three vanilla and three GRU networks, 6 probes x 60 steps x 12 units at rank 8"
[ "$(($(wc -l < "$D/eigenvalues.csv") - 1))" = 48 ]
tap_result $? "eigenvalues.csv: 8 eigenvalues for each of 6 systems"
R=$T/a/report.md
grep -q '^## .*Dynamical similarity' "$R" && grep -q 'Measured answer:.* separate [0-9.]*x by their dynamics' "$R" &&
	[ -s "$T/a/figures/dsa_matrices.png" ] && [ -s "$T/a/figures/dsa_mds.png" ] && [ -s "$T/a/figures/dsa_eigen.png" ]
tap_result $? "the report has a Dynamical similarity section with its answer and three figures"
grep -q '^- \*\*Dynamical similarity:\*\* 6 systems' "$R"
tap_result $? "... and a line at a glance"
grep -q '^dsa,0,' "$T/a/figures/dsa_matrices.csv" && grep -q '^geometry,0,' "$T/a/figures/dsa_matrices.csv"
tap_result $? "the matrices figure's CSV holds the DSA and geometry matrices"

# the networks differ in their last bits with the thread count (BPTT
# sums in another order), so a rerun, not a thread change, must agree
"$LL" run "$T/a.lab" -o "$T/b" -q && cmp -s "$D/dsa.npy" "$T/b/dsa/dsa.npy" && cmp -s "$D/geometry.npy" "$T/b/dsa/geometry.npy"
tap_result $? "a rerun gives the same matrices, bit for bit"

# ---- a recorded population ---------------------------------------------------------
rot "$T/rec.csv" 0.3
rnn "$T/c.lab" 2 "with = $T/rec.csv"
tap_ok "a session with a recording (80 steps x 3 neurons) as one more system" "$LL" run "$T/c.lab" -o "$T/c" -q
[ "$(npy_shape "$T/c/dsa/dsa.npy")" = "(7, 7)" ] && grep -q '^6,recorded,recorded,1,80,3,8,' "$T/c/dsa/systems.csv"
tap_result $? "... 7 systems, the recording last in its own group"
grep -q 'The recorded population' "$T/c/report.html" && grep -q 'geometry .*cannot compare it' "$T/c/report.html"
tap_result $? "... the report has its part, and says geometry cannot compare different conditions"

# ---- MLP training paths --------------------------------------------------------------
cat > "$T/m.lab" <<EOS
[session]
name = dsamlp
seed = 1
threads = 2
[data]
kind = mnist
path = $DATA
[train]
models = 4
hidden = 12
epochs = 1
train_images = 600
log_every = 4
lr = 0.02,0.1
[dsa]
rank = 6
restarts = 1
max_iter = 300
EOS
tap_ok "a session with [train] and [dsa]: the MLPs' training paths" "$LL" run "$T/m.lab" -o "$T/m" -q
grep -q '"source": "train"' "$T/m/dsa/dsa.json" && grep -q '^0,lr 0.02 #1,lr 0.02,10,' "$T/m/dsa/systems.csv" &&
	[ "$(npy_shape "$T/m/dsa/dsa.npy")" = "(4, 4)" ]
tap_result $? "... 4 systems of 10 digit means over the snapshots, grouped by learning rate"

# ---- the bundled example, scaled down (1 seed, 40 steps, 8 units, rank 6) ----------------
sed -e 's/^seeds = .*/seeds = 1/' -e 's/^iters = .*/iters = 40/' -e 's/^hidden = .*/hidden = 8/' \
	-e 's/^probes = .*/probes = 3/' -e 's/^rank = .*/rank = 6/' "$SRC/examples/dsa.lab" > "$T/ex.lab"
timeout 300 "$LL" run "$T/ex.lab" -o "$T/ex" -q && [ "$(npy_shape "$T/ex/dsa/dsa.npy")" = "(3, 3)" ] &&
	grep -q 'Dynamical similarity' "$T/ex/report.md"
tap_result $? "examples/dsa.lab runs (scaled down): 3 architectures compared by DSA, in the report"

# ---- sessions that cannot work ---------------------------------------------------------
rnn "$T/e1.lab" 2 "with = $T/nope.npy"
tap_fails "a missing recording fails before anything runs" '\[dsa\] with: .*nope.npy' "$LL" run "$T/e1.lab" -o "$T/e1" -q
printf '1,2\nnan,3\n4,5\n6,7\n' > "$T/nan.csv"
rnn "$T/e2.lab" 2 "with = $T/nan.csv"
tap_fails "a recording with NaN" 'nan.csv' "$LL" run "$T/e2.lab" -o "$T/e2" -q
rnn "$T/e3.lab" 2 "delays = 40
delay_interval = 2"
tap_fails "too few time points for the delays" 'too few for 40 delays' "$LL" run "$T/e3.lab" -o "$T/e3" -q
rnn "$T/e4.lab" 2 "" && sed -i 's/^rank = 8$/rank = 500/' "$T/e4.lab"
tap_fails "a rank above the embedding" 'rank 500' "$LL" run "$T/e4.lab" -o "$T/e4" -q
sed 's/^\[dsa\]/[dsa]\nsource = rnn/' "$T/m.lab" > "$T/e5.lab"
tap_fails "source = rnn without an [rnn] step" 'source = rnn needs an \[rnn\] step' "$LL" run "$T/e5.lab" -o "$T/e5" -q
"$LL" run "$T/e5.lab" -o "$T/e5" -q 2>/dev/null
rc=$?
[ $rc -eq 1 ] || [ $rc -eq 2 ]
tap_result $? "... exits 1 or 2 ($rc)"
[ ! -e "$T/e1" ] && [ ! -e "$T/e5" ] && [ -d "$T/e3/rnn" ] && [ ! -e "$T/e3/dsa" ]
tap_result $? "a session that cannot start writes nothing; one that fails in [dsa] leaves no dsa folder"

tap_done
