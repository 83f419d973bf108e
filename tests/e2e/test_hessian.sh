#!/bin/sh
# tests/e2e/test_hessian.sh - `latentlab hessian` on the weights a small
# [train] session saves (TAP): --help, --json's keys and one line, top
# eigenvalues descending with the largest positive, the density, the
# activation read from the session, the same numbers for any thread count,
# and bad input failing in one line.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_hessian.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE ACTIVATION: one small MLP on 500 bundled images
session() {
	cat > "$1" <<EOS
[session]
name = hess
seed = 3
threads = 1

[data]
kind = mnist
path = $DATA

[train]
models = 1
hidden = 16
epochs = 1
train_images = 500
log_every = 8
probe_per_class = 5
activation = $2
EOS
}

# the value of a number key in one-line JSON: json_num FILE KEY
json_num() {
	tr -d ' \n' < "$1" | sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p"
}
# the numbers of an array key, one per line: json_arr FILE KEY (awk ends
# the last line)
json_arr() {
	tr -d ' \n' < "$1" | sed -n "s/.*\"$2\":\[\([^]]*\)\].*/\1/p" | tr ',' '\n' | awk 1
}

tap_ok "hessian --help" "$LL" hessian --help
"$LL" hessian --help | grep -q 'OUTDIR/train/model_NN/final' && "$LL" hessian --help | grep -q -- '--json'
tap_result $? "--help says where a session's weights are and lists --json"
"$LL" --help | grep -q 'hessian'
tap_result $? "latentlab --help lists hessian"

session "$T/a.lab" relu
tap_ok "run a session with [train]" "$LL" run "$T/a.lab" -o "$T/a" -q
W=$T/a/train/model_00/final
for f in W1.npy b1.npy W2.npy b2.npy; do [ -s "$W/$f" ] || { echo "# missing $W/$f"; false; }; done
tap_result $? "... saves W1 b1 W2 b2 in train/model_00/final"

J=$T/h.json
"$LL" hessian "$W" --images 200 --top 6 --trace-probes 40 --json > "$J" 2> "$T/h.err"
tap_result $? "hessian --json on the session's final weights"
[ "$(wc -l < "$J")" -eq 1 ] && [ ! -s "$T/h.err" ] && head -c 1 "$J" | grep -q '{'
tap_result $? "... prints one JSON object on one line, nothing on stderr"
ok=0
for k in top residuals converged smallest lanczos_steps trace trace_se trace_probes images nparams loss grad_norm sizes activation seconds; do
	tr -d ' \n' < "$J" | grep -q "\"$k\":" || { echo "# no key $k"; ok=1; }
done
tap_result $ok "... has top, trace, trace_se, lanczos_steps, images, nparams, loss, seconds, ..."
[ "$(json_num "$J" images)" = 200 ] && [ "$(json_num "$J" nparams)" = 12730 ] && [ "$(json_num "$J" trace_probes)" = 40 ]
tap_result $? "... images 200, nparams 12730 (784-16-10), 40 probes"
tr -d ' \n' < "$J" | grep -q '"sizes":\[784,16,10\],"activation":"relu","activation_from":"../../activity.json"'
tap_result $? "... sizes from the .npy shapes, activation from the session's activity.json"
json_arr "$J" top > "$T/top"
[ "$(wc -l < "$T/top")" -eq 6 ] && awk 'NR == 1 && !($1 > 0) { bad = 1 } NR > 1 && $1 > prev { bad = 1 } { prev = $1 } END { exit bad }' "$T/top"
tap_result $? "... six top eigenvalues, descending, the largest positive"
awk -v t="$(json_num "$J" trace)" -v s="$(json_num "$J" trace_se)" -v l="$(head -1 "$T/top")" \
	'BEGIN { exit !(t > 0 && s > 0 && s < t && t > l) }'
tap_result $? "... trace positive, above the top eigenvalue, with a smaller standard error"
awk -v c="$(json_num "$J" converged)" -v m="$(json_num "$J" lanczos_steps)" 'BEGIN { exit !(c == 6 && m >= 6 && m <= 40) }'
tap_result $? "... all six converged within the default 40 steps"

# the same numbers again, and with other thread counts
strip() { tr -d ' \n' < "$1" | sed 's/"seconds":[-0-9.eE+]*//'; }
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$LL" hessian "$W" --images 200 --top 6 --trace-probes 40 --json > "$T/h1.json" &&
	OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 "$LL" hessian "$W" --images 200 --top 6 --trace-probes 40 --json > "$T/h2.json" &&
	[ "$(strip "$T/h1.json")" = "$(strip "$J")" ] && [ "$(strip "$T/h2.json")" = "$(strip "$J")" ]
tap_result $? "the same output for 1 and 2 threads (OpenMP and OpenBLAS)"
"$LL" hessian "$W" --images 200 --top 6 --trace-probes 40 --seed 9 --json > "$T/h9.json"
[ "$(json_num "$T/h9.json" trace)" != "$(json_num "$J" trace)" ] &&
	awk -v a="$(json_arr "$T/h9.json" top | head -1)" -v b="$(head -1 "$T/top")" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-6 * b) }'
tap_result $? "--seed: other probes (another trace), the same top eigenvalue"

"$LL" hessian "$W" --images 200 --top 3 --trace-probes 0 --density --density-starts 2 --density-steps 20 --grid 50 --json > "$T/d.json"
tap_result $? "hessian --density --json"
[ "$(json_arr "$T/d.json" grid | wc -l)" -eq 50 ] && [ "$(json_arr "$T/d.json" values | wc -l)" -eq 50 ] &&
	json_arr "$T/d.json" values | awk '$1 < 0 { bad = 1 } END { exit bad }'
tap_result $? "... density: 50 grid points, 50 non-negative values"
tr -d ' \n' < "$T/d.json" | grep -q '"trace":null,"trace_se":null' &&
	json_arr "$T/d.json" weights | awk '{ s += $1 } END { exit !(s > 0.999999 && s < 1.000001) }'
tap_result $? "... no trace with 0 probes (null), SLQ weights sum to 1"

"$LL" hessian "$W" --images 100 --top 3 --trace-probes 5 > "$T/text" &&
	grep -q '^top 3 Hessian eigenvalues' "$T/text" && grep -q '^trace' "$T/text" && grep -q 'relu' "$T/text"
tap_result $? "the table: top eigenvalues, trace, activation"
"$LL" hessian "$W" --images 100 --top 3 --trace-probes 5 --act tanh --json > "$T/t.json" &&
	tr -d ' \n' < "$T/t.json" | grep -q '"activation":"tanh","activation_from":"--act"' &&
	[ "$(json_arr "$T/t.json" top | head -1)" != "$(json_arr "$J" top | head -1)" ]
tap_result $? "--act overrides the session's activation (other curvature)"

# a tanh session: its activation is read from the session too
session "$T/b.lab" tanh
"$LL" run "$T/b.lab" -o "$T/b" -q && "$LL" hessian "$T/b/train/model_00/init" --images 100 --top 2 --trace-probes 5 --json > "$T/b.json" &&
	tr -d ' \n' < "$T/b.json" | grep -q '"activation":"tanh","activation_from":"../../activity.json"'
tap_result $? "a tanh session's init weights are read as tanh"

# bad input: one line on stderr, exit 1
tap_fails "a missing folder" "No such file" "$LL" hessian "$T/nope"
tap_fails "a file, not a folder" "not a folder" "$LL" hessian "$W/W1.npy"
mkdir "$T/empty"
tap_fails "a folder without W1.npy" "no W1.npy" "$LL" hessian "$T/empty"
cp -r "$W" "$T/garbled"
printf 'this is not an npy file at all, just text\n' > "$T/garbled/W1.npy"
tap_fails "a garbled W1.npy" "W1.npy" "$LL" hessian "$T/garbled"
cp -r "$W" "$T/nan"
F=$T/nan/b1.npy
printf '\000\000\300\177' | dd of="$F" bs=1 seek=$(($(wc -c < "$F") - 4)) conv=notrunc 2>/dev/null
tap_fails "a NaN weight" "weight b1\[15\] is nan" "$LL" hessian "$T/nan"
cp -r "$W" "$T/short"
rm "$T/short/b2.npy"
tap_fails "a missing b2.npy" "b2.npy" "$LL" hessian "$T/short"
tap_fails "--top larger than the parameters" "more than the 12730 parameters" "$LL" hessian "$W" --top 20000
tap_fails "--hidden that the files contradict" "hidden layers are 16, not the 32" "$LL" hessian "$W" --hidden 32
tap_fails "more images than the data has" "has 5000 training images" "$LL" hessian "$W" --images 6000
tap_fails "a data folder without MNIST" "no train images" "$LL" hessian "$W" --data "$T/empty"

# usage errors: one line, exit 2
usage() {
	name=$1; shift
	tap_fails "$name" "try 'latentlab hessian --help'" "$@"
	"$@" > /dev/null 2>&1
	[ $? -eq 2 ]
	tap_result $? "... exit status 2"
}
usage "no weights folder" "$LL" hessian
usage "--top 0" "$LL" hessian "$W" --top 0
usage "--lanczos-steps below --top" "$LL" hessian "$W" --top 10 --lanczos-steps 5
usage "--act sigmoid" "$LL" hessian "$W" --act sigmoid
usage "--grid 1" "$LL" hessian "$W" --grid 1
usage "--sigma -1" "$LL" hessian "$W" --sigma -1

tap_done
