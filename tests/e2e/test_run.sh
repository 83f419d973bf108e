#!/bin/sh
# tests/e2e/test_run.sh - end-to-end tests of `latentlab run`, `demo` and
# `synth` (TAP): the files each writes, and every bad session or data
# input: one line on stderr naming the file (and line), exit 1 or 2.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_run.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

has() { # has NAME FILE...: every FILE exists and is non-empty
	name=$1; shift
	ok=0
	for f in "$@"; do [ -s "$f" ] || { echo "# missing: $f"; ok=1; }; done
	tap_result $ok "$name"
}

# ---- help ------------------------------------------------------------------
for c in run demo synth; do
	tap_ok "$c --help" "$LL" $c --help
done

# ---- synth -------------------------------------------------------------------
tap_ok "synth writes a population" "$LL" synth -o "$T/syn" --neurons 20 --time 15 --trials 12 --seed 3
has "synth files" "$T/syn/data.npy" "$T/syn/labels.npy" "$T/syn/truth_factor_0.npy" \
	"$T/syn/truth_factor_1.npy" "$T/syn/truth_factor_2.npy" "$T/syn/truth_lambda.npy"
out=$("$LL" info "$T/syn/data.npy" 2>&1)
printf '%s' "$out" | grep -q "20 x 15 x 12\|20x15x12\|(20, 15, 12)"
tap_result $? "synth data has the asked shape"
tap_fails "synth: bad noise" "--noise must be" "$LL" synth -o "$T/x" --noise loud
tap_fails "synth: bad count" "positive whole number" "$LL" synth -o "$T/x" --neurons -3
tap_fails "synth: the message names the option" "synth: --neurons needs a positive whole number, not '1e3'" \
	"$LL" synth -o "$T/x" --neurons 1e3
tap_fails "synth: rank out of range, said once" "latentlab: synth: rank 65" "$LL" synth -o "$T/x" --rank 65
tap_fails "synth: a seed too large is refused" "--seed needs a non-negative 64-bit" \
	"$LL" synth -o "$T/x" --seed 99999999999999999999999

# ---- run on the bio session --------------------------------------------------
tap_ok "run examples/bio.lab" "$LL" run "$SRC/examples/bio.lab" -o "$T/bio" -q
has "run writes every step's results" "$T/bio/session.lab" "$T/bio/results.json" \
	"$T/bio/data/data.npy" "$T/bio/tensor/tensor.npy" "$T/bio/tca/summary.json" \
	"$T/bio/tca/rank_03/rep_00/factor_0.npy" "$T/bio/trajectory/paths.npy" \
	"$T/bio/trajectory/trajectory.json" "$T/bio/report.md"
grep -q '"state": "done"' "$T/bio/results.json" && ! grep -q '"state": "failed"' "$T/bio/results.json"
tap_result $? "results.json: every step done"
grep -q '"modes"' "$T/bio/tensor/tensor.json" && grep -q '"missing": 0' "$T/bio/tensor/tensor.json" &&
	grep -q '"seed": "7"' "$T/bio/data/synth.json" && grep -q '"components"' "$T/bio/data/synth.json"
tap_result $? "tensor.json and synth.json describe their arrays"
"$LL" synth -s 7 -o "$T/syn7" > /dev/null && cmp -s "$T/syn7/data.npy" "$T/bio/data/data.npy"
tap_result $? "latentlab synth -s 7 makes bio.lab's population (seed 7)"
cmp -s "$SRC/examples/bio.lab" "$T/bio/session.lab"
tap_result $? "an unedited session is copied as written, comments and all"
# the saved session replays to the same numbers
tap_ok "the written session.lab replays" "$LL" run "$T/bio/session.lab" -o "$T/bio2" -q
cmp -s "$T/bio/tca/summary.json" "$T/bio2/tca/summary.json" || \
	diff "$T/bio/tca/rank_03/rep_00/factor_0.npy" "$T/bio2/tca/rank_03/rep_00/factor_0.npy" >/dev/null
tap_result $? "replay gives identical factors"

# ---- demo, small ---------------------------------------------------------------
tap_ok "demo with 3 models" "$LL" demo -o "$T/demo" --models 3 -q
has "demo writes the training log" "$T/demo/train/activity.npy" "$T/demo/train/activity.json" \
	"$T/demo/train/model_00/init/W1.npy" "$T/demo/train/test_accuracy.npy" "$T/demo/tca/summary.json"
grep -q '"modes"' "$T/demo/train/activity.json" && grep -q '"snapshot"' "$T/demo/train/activity.json"
tap_result $? "activity.json names the modes"
# the demo fits ranks 1-12 and picks a rank well inside them, saying why
# (issue 16: it used to fall back to the top of the range; the review's
# "rank being chosen"), and counts the fits at the best optimum of every rank
grep -q '"rank": 12,' "$T/demo/tca/summary.json" &&
tr -d '\n' < "$T/demo/tca/summary.json" | grep -Eq '"chosen_rank": *\{ *"rank": *([1-9]|10), *"rule": *"elbow", *"reason": *"knee of the error curve' &&
	grep -q '"frac_at_best"' "$T/demo/tca/summary.json" && grep -q '"at_best": *true' "$T/demo/tca/summary.json"
tap_result $? "demo: a rank inside its range, for a stated reason; fits at the best per rank"

# a rerun empties the step directories it made; a folder of the user's
# where a step writes is refused, never written into (tests/e2e/test_outdir.sh
# has the rest of the ownership rules)
printf '[data]\nkind = synth\nneurons = 10\ntime = 8\ntrials = 6\n[tca]\nranks = 1-3\nreplicates = 2\n' > "$T/r1.lab"
printf '[data]\nkind = synth\nneurons = 10\ntime = 8\ntrials = 6\n[tca]\nranks = 1-2\nreplicates = 2\n' > "$T/r2.lab"
"$LL" run "$T/r1.lab" -o "$T/rerun" -q && [ -d "$T/rerun/tca/rank_03" ] &&
	"$LL" run "$T/r2.lab" -o "$T/rerun" -q && [ ! -d "$T/rerun/tca/rank_03" ] && [ -d "$T/rerun/tca/rank_02" ]
tap_result $? "a rerun leaves no rank directory of the earlier run"
mkdir -p "$T/theirs/data" && echo mine > "$T/theirs/data/keep.txt"
tap_fails "an OUTDIR of the user's is refused" "not made by latentlab" "$LL" run "$T/r1.lab" -o "$T/theirs" -q
tap_fails "--force: a step folder of the user's is still refused" "theirs/data exists and was not made by latentlab" \
	"$LL" run "$T/r1.lab" -o "$T/theirs" -q --force
[ "$(cat "$T/theirs/data/keep.txt")" = mine ] && [ "$(ls "$T/theirs/data")" = keep.txt ]
tap_result $? "the user's folder is untouched"

# a non-negative fit of negative data runs, but says so on stderr and in the report
printf '[data]\nkind = synth\nneurons = 10\ntime = 8\ntrials = 6\n[tensor]\nnormalize = zscore\n[tca]\nranks = 1-2\nreplicates = 2\n[report]\n' \
	> "$T/neg.lab"
"$LL" run "$T/neg.lab" -o "$T/neg" 2>&1 >/dev/null | grep -q "warning: ncp-hals on data with negative entries" &&
	grep -q '^> \*\*Warning:\*\* the tensor has negative entries' "$T/neg/report.md"
tap_result $? "ncp on negative data warns on stderr and in the report"

# ---- bad sessions ------------------------------------------------------------
printf '[session]\nname = x\n[tca]\nrnak = 3\n' > "$T/unknown.lab"
tap_fails "unknown key names file and line" "unknown.lab:4: unknown key 'rnak' in \[tca\]" \
	"$LL" run "$T/unknown.lab" -o "$T/o1"
printf '[tca]\nranks = 1-2\n[data]\nkind = synth\n' > "$T/order.lab"
tap_fails "step out of order names file and line" "order.lab:3: step \[data\] is out of order" \
	"$LL" run "$T/order.lab" -o "$T/o2"
tap_fails "missing session file" "nope.lab: cannot open" "$LL" run "$T/nope.lab" -o "$T/o3"
tap_fails "run without a session" "no session file" "$LL" run
tap_fails "run without -o" "no output directory" "$LL" run "$SRC/examples/bio.lab"
tap_fails "unknown option" "unknown option" "$LL" run "$SRC/examples/bio.lab" -o "$T/o4" --frob
tap_fails "--models with run" "unknown option" "$LL" run "$SRC/examples/bio.lab" -o "$T/o4" --models 3
printf '[data]\nkind = npy\npath = %s/none.npy\n' "$T" > "$T/nodata.lab"
tap_fails "missing data file" "none.npy: cannot open" "$LL" run "$T/nodata.lab" -o "$T/o5"
grep -q '"step": "data",' "$T/o5/results.json" && grep -q '"state": "failed"' "$T/o5/results.json"
tap_result $? "a failed run records the failed step in results.json"

# relative paths in a session are relative to the session file, and the
# copy in OUTDIR replays from anywhere
mkdir -p "$T/rel/sub" "$T/elsewhere"
LLA=$(cd "$(dirname "$LL")" && pwd)/$(basename "$LL") # usable after cd
cp "$T/syn/data.npy" "$T/syn/labels.npy" "$T/rel/sub/"
printf '[data]\nkind = npy\npath = data.npy\nlabels = labels.npy\n[tensor]\n[tca]\nranks = 1-2\nreplicates = 2\n' \
	> "$T/rel/sub/s.lab"
(cd "$T/rel" && "$LLA" run sub/s.lab -o "$T/relout" -q)
tap_result $? "relative data paths resolve against the session file"
(cd "$T/elsewhere" && "$LLA" run "$T/relout/session.lab" -o "$T/relout2" -q) &&
	grep -q "path = $T/rel/sub/data.npy" "$T/relout/session.lab"
tap_result $? "OUTDIR/session.lab holds absolute paths and replays elsewhere"
printf '[data]\nkind = npy\npath = data.npy\nlabels = %s/syn/truth_factor_0.npy\n' "$T" > "$T/rel/sub/badlab.lab"
tap_fails "label count mismatch says how many" "60 labels but the data has 12 trials" \
	"$LL" run "$T/rel/sub/badlab.lab" -o "$T/o5b"

# ---- bad MNIST directories ------------------------------------------------------
mnist() { # mnist NAME DIR: a session that trains on DIR
	printf '[data]\nkind = mnist\npath = %s\n[train]\nmodels = 1\nepochs = 1\n' "$2" > "$T/$1.lab"
}
mnist nodir "$T/no-such-dir"
tap_fails "missing MNIST directory" "no-such-dir: no such directory" "$LL" run "$T/nodir.lab" -o "$T/o6"

mkdir -p "$T/corrupt"
printf 'this is not an IDX file at all' > "$T/corrupt/train-images-idx3-ubyte"
cp "$SRC/examples/data/mnist-train-labels-idx1-ubyte.gz" "$T/corrupt/train-labels-idx1-ubyte.gz"
mnist corrupt "$T/corrupt"
tap_fails "corrupt IDX names the file" "corrupt/train-images-idx3-ubyte" "$LL" run "$T/corrupt.lab" -o "$T/o7"

# 2 images of 28x28, 3 labels
mkdir -p "$T/mismatch"
{ printf '\000\000\010\003\000\000\000\002\000\000\000\034\000\000\000\034'
  head -c 1568 /dev/zero; } > "$T/mismatch/train-images-idx3-ubyte"
printf '\000\000\010\001\000\000\000\003\001\002\003' > "$T/mismatch/train-labels-idx1-ubyte"
cp "$T/mismatch/train-images-idx3-ubyte" "$T/mismatch/t10k-images-idx3-ubyte"
printf '\000\000\010\001\000\000\000\002\001\002' > "$T/mismatch/t10k-labels-idx1-ubyte"
mnist mismatch "$T/mismatch"
tap_fails "label/image count mismatch" "3 labels but 2 images" "$LL" run "$T/mismatch.lab" -o "$T/o8"

# ---- unwritable output ---------------------------------------------------------
# a file-size limit (like a full disk) is named as such, and leaves no data.npy
tap_fails "a write failure names its cause" "data/data.npy: write failed: File too large" \
	sh -c 'ulimit -f 60; trap "" XFSZ; exec "$0" run "$1" -o "$2"' "$LL" "$SRC/examples/bio.lab" "$T/fsz"
[ ! -e "$T/fsz/data/data.npy" ]
tap_result $? "... and leaves no half-written file"
tap_fails "unwritable OUTDIR" "/proc/nonexistent" "$LL" run "$SRC/examples/bio.lab" -o /proc/nonexistent/out

tap_done
