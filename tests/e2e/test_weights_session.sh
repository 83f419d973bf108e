#!/bin/sh
# tests/e2e/test_weights_session.sh - tensors of weights and rich vs lazy
# sweeps through the CLI (TAP): examples/weights.lab and
# examples/richlazy.lab each run in under a minute, with their files, mode
# names, figures and report subsections; the weight change falls as
# init_scale grows; bad sessions fail in one line.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_weights.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# a sanitizer build runs several times slower: no time limit there
slow_build() { grep -q -E '^LL_CFLAGS = .*-fsanitize=(address|thread)' "${top_builddir:-.}/Makefile" 2>/dev/null; }
# under_a_minute SECONDS: the timing check, or a skip in a slow build
under_a_minute() {
	if slow_build; then
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - ... in under a minute ($1 s) # SKIP sanitizer build"
	else
		[ "$1" -lt 60 ]
		tap_result $? "... in under a minute ($1 s)"
	fi
}

npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}

t0=$(date +%s)
tap_ok "run examples/weights.lab" "$LL" run "$SRC/examples/weights.lab" -o "$T/w" -q
t1=$(date +%s)
under_a_minute $((t1 - t0))
S=$(npy_shape "$T/w/train/input_weights.npy" | sed -n 's/(8, \([0-9]*\), 24, 784)/\1/p')
[ -n "$S" ] && [ "$(npy_shape "$T/w/tensor/tensor.npy")" = "(8, 24, 784, $S)" ] && [ ! -e "$T/w/train/readout_weights.npy" ]
tap_result $? "train/input_weights.npy (models x $S snapshots x units x pixels); the tensor models x units x pixels x snapshots"
tr -d ' \n' < "$T/w/tensor/tensor.json" |
	grep -q '"modes":\[{"name":"model","kind":"trial"},{"name":"unit","kind":"unit"},{"name":"pixel","kind":"unit"},{"name":"snapshot","kind":"time"}\],"of":"input"'
tap_result $? "tensor.json names the modes model, unit, pixel, snapshot and says of = input"
grep -q 'input_weights.npy' "$T/w/train/activity.json" && [ -s "$T/w/figures/tca_pixels.png" ] &&
	[ "$(wc -l < "$T/w/figures/tca_pixels.csv")" -gt 784 ] && grep -q 'figures/tca_pixels.png' "$T/w/report.md" &&
	grep -q 'pixel factor is a weight pattern' "$T/w/report.md"
tap_result $? "the report draws the pixel factors as 28x28 images (tca_pixels.png, its CSV)"

t0=$(date +%s)
tap_ok "run examples/richlazy.lab" "$LL" run "$SRC/examples/richlazy.lab" -o "$T/r" -q
t1=$(date +%s)
under_a_minute $((t1 - t0))
C=$T/r/train/richlazy.csv
[ "$(wc -l < "$C")" -eq 13 ] && head -1 "$C" | grep -qx 'model,regime,init_scale,init_rank,weight_change_W1,weight_change_W2,weight_change_total,repr_change,final_test_accuracy' &&
	[ "$(npy_shape "$T/r/train/weight_change.npy")" = "(12, 3)" ] && [ "$(npy_shape "$T/r/train/repr_change.npy")" = "(12,)" ] &&
	tr -d ' \n' < "$T/r/train/richlazy.json" | grep -q '"regimes":\[{"name":"scale0.1,rankfull","init_scale":0.10*[0-9]*,"init_rank":0,"models":2'
tap_result $? "train/richlazy.csv (12 models), weight_change.npy, repr_change.npy, richlazy.json's regimes"
# the known direction, measured: mean total weight change by scale
m=$(awk -F, 'NR > 1 { s[$3] += $7; n[$3]++ } END { printf "%.6f %.6f %.6f", s["0.1"] / n["0.1"], s["1"] / n["1"], s["4"] / n["4"] }' "$C")
echo "# weight change by init_scale 0.1 / 1 / 4: $m"
echo "$m" | awk '{ exit !($1 > $2 && $2 > $3 && $1 > 2 * $3) }'
tap_result $? "the weight change falls as init_scale grows ($m)"
grep -q '^### .*Rich and lazy learning' "$T/r/report.md" && [ -s "$T/r/figures/richlazy.png" ] &&
	[ "$(wc -l < "$T/r/figures/richlazy.csv")" -eq 13 ] && grep -q 'scale 0.1, rank 1' "$T/r/report.md"
tap_result $? "the report's Rich and lazy learning subsection: figure, CSV, a row per regime"
tr -d ' \n' < "$T/r/tensor/tensor.json" | grep -q '"name":"model","kind":"trial","labels":\[0,1,2,3,4,5,0,1,2,3,4,5\]'
tap_result $? "the activity tensor's model mode is labelled by regime"

# bad sessions: one line each, nothing run
bad() { # FILE TRAIN-KEYS TENSOR-KEYS [DATA-KIND]
	printf '[data]\nkind = %s\n[train]\nmodels = 6\nhidden = 16\n%s\n[tensor]\n%s\n' "${4:-mnist}" "$2" "$3" > "$1"
}
bad "$T/e1.lab" "init_rank = full,32" ""
tap_fails "init_rank above the layer width" 'e1.lab.*init_rank = 32 is above the layer width (hidden = 16)' "$LL" run "$T/e1.lab" -o "$T/e1"
bad "$T/e2.lab" "init_scale = 0,1" ""
tap_fails "init_scale 0" 'e2.lab.*init_scale = 0: a scale must be > 0' "$LL" run "$T/e2.lab" -o "$T/e2"
bad "$T/e3.lab" "init_scale = -1" ""
tap_fails "init_scale negative" 'e3.lab.*init_scale = -1 is out of range' "$LL" run "$T/e3.lab" -o "$T/e3"
bad "$T/e4.lab" "init_rank = half" ""
tap_fails "init_rank not a rank" "e4.lab.*init_rank = 'half' is not full" "$LL" run "$T/e4.lab" -o "$T/e4"
bad "$T/e5.lab" "init_scale = 0.1,1,4
init_rank = full,1,2" ""
tap_fails "more regimes than models" 'models = 6 is fewer than the 9 regimes' "$LL" run "$T/e5.lab" -o "$T/e5"
bad "$T/e6.lab" "hidden2 = 8" "of = readout"
tap_fails "of = readout with two hidden layers" 'of = readout needs one hidden layer' "$LL" run "$T/e6.lab" -o "$T/e6"
printf '[data]\nkind = synth\n[tensor]\nof = input\n' > "$T/e7.lab"
tap_fails "of = input without MNIST training" 'of = input needs MLPs trained on MNIST' "$LL" run "$T/e7.lab" -o "$T/e7"
[ ! -e "$T/e1" ] && [ ! -e "$T/e5" ] && [ ! -e "$T/e7" ]
tap_result $? "a refused session writes nothing"

tap_done
