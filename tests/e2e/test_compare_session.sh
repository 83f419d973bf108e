#!/bin/sh
# tests/e2e/test_compare_session.sh - a session with a [compare] step, run
# by the CLI (TAP): its files and compare.json, a `latentlab synth
# --conditions 10` population matched by label, and sessions that cannot
# work failing in one line with exit 1 and no half-written folder.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_cmpsess.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE COMPARE-LINES [PROBE-ACTIVITY]: a small MNIST session
session() {
	cat > "$1" <<EOS
[session]
name = cmp
seed = 2
threads = 2

[data]
kind = mnist
path = $DATA

[train]
models = 4
hidden = 16
epochs = 1
train_images = 500
log_every = 8
probe_per_class = 5
probe_activity = ${3:-5}
lr = 0.02,0.1

[compare]
$2
EOS
}

# npy_shape FILE: the shape tuple in a .npy header, e.g. "(4, 4)"
npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}

tap_ok "synth --conditions 10 makes a population with ten labels" \
	"$LL" synth --conditions 10 --trials 60 --neurons 30 --time 6 -o "$T/pop"
grep -q '"conditions": 10' "$T/pop/synth.json"
tap_result $? "... and says so in synth.json"

session "$T/a.lab" "conditions = probe
metrics = cka,rsa,angular,match
with = $T/pop/data.npy
permutations = 20
bootstrap = 20"
tap_ok "run a session with [compare] and a population" "$LL" run "$T/a.lab" -o "$T/a" -q
C=$T/a/compare
ok=0
for f in cka.npy rsa.npy angular.npy match.npy over.npy self.npy mds.npy population_over.npy compare.json; do
	[ -s "$C/$f" ] || { echo "# missing $f"; ok=1; }
done
tap_result $ok "... writes every metric's matrix, over, self, mds, population_over, compare.json"
[ "$(npy_shape "$C/cka.npy")" = "(4, 4)" ] && [ "$(npy_shape "$C/mds.npy")" = "(4, 2)" ]
tap_result $? "... matrices are models x models, the map models x 2"
S=$(npy_shape "$T/a/train/probe_activity.npy" | sed 's/(4, \([0-9]*\),.*/\1/')
[ -n "$S" ] && [ "$(npy_shape "$C/over.npy")" = "(4, 4, $S)" ] && [ "$(npy_shape "$C/self.npy")" = "(4, $S)" ]
tap_result $? "... over training: models x models x $S snapshots, self models x $S"
J=$C/compare.json
grep -q '"conditions": "probe"' "$J" && grep -q '"n": 50,' "$J" && grep -q '"track": "cka"' "$J"
tap_result $? "compare.json: conditions, n (10 digits x 5 images), track"
tr -d ' \n' < "$J" | grep -q '"labels":\[0,1,2,3,4,5,6,7,8,9\]'
tap_result $? "compare.json: the population shares the ten digits"
tr -d ' \n' < "$J" | grep -q '"scores":\[{"model":0,"cka":{"value":[0-9.e-]*,"p":[0-9.e-]*,"permutations":20,"ci":\[[0-9.e-]*,[0-9.e-]*\]'
tap_result $? "compare.json: model 0's CKA with a p-value over 20 permutations and an interval"
tr -d ' \n' < "$J" | grep -q '"lr":\[0.02[0-9]*,0.1[0-9]*\],"group":\[0,1,0,1\]'
tap_result $? "compare.json: groups by learning rate"
grep -q '"compare"' "$T/a/results.json" && ! grep -q '"incomplete"' "$T/a/results.json"
tap_result $? "results.json records the compare step, complete"

# the same population without its labels beside it: rows are not the models' conditions
mkdir -p "$T/nolab" && cp "$T/pop/data.npy" "$T/nolab/"
session "$T/b.lab" "with = $T/nolab/data.npy"
tap_fails "a population without labels whose rows are not the conditions" \
	"60 samples and no labels" "$LL" run "$T/b.lab" -o "$T/b" -q
[ ! -e "$T/b/compare" ]
tap_result $? "... leaves no compare folder"

# two conditions (synth's default) share two digits: too few for class means
tap_ok "synth with two conditions" "$LL" synth --trials 20 --neurons 10 --time 4 -o "$T/pop2"
session "$T/c.lab" "with = $T/pop2/data.npy"
tap_fails "a population sharing two digits, classes" "try conditions = probe" "$LL" run "$T/c.lab" -o "$T/c" -q

session "$T/d.lab" "with = $T/missing.npy"
tap_fails "a missing population file" "missing.npy" "$LL" run "$T/d.lab" -o "$T/d" -q

session "$T/e.lab" "conditions = probe" 0
tap_fails "conditions = probe without probe_activity" "needs .train. probe_activity" "$LL" run "$T/e.lab" -o "$T/e" -q

session "$T/f.lab" "metrics = cka,cca"
tap_fails "cca on 10 digit means of 16 units" "is 1 for any two models" "$LL" run "$T/f.lab" -o "$T/f" -q

printf '[data]\nkind = synth\n[compare]\n' > "$T/g.lab"
tap_fails "[compare] without training" "needs a .train. step" "$LL" run "$T/g.lab" -o "$T/g" -q

session "$T/h.lab" "metrics = cka,nope"
tap_fails "an unknown metric" "nope" "$LL" run "$T/h.lab" -o "$T/h" -q

tap_done
