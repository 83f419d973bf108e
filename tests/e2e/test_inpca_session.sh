#!/bin/sh
# tests/e2e/test_inpca_session.sh - sessions with an [inpca] step, run by
# the CLI (TAP): the train step's outputs.npy, the map's files and
# inpca.json, [trajectory] source = inpca, the report's section, other
# runs joining the map (an OUTDIR, a folder of OUTDIRs), and sessions
# that cannot work failing in one line.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_inpca.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE LR PER-CLASS INPCA-LINES: four small MLPs on MNIST
session() {
	cat > "$1" <<EOS
[session]
name = inpca
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
probe_per_class = $3
lr = $2

[inpca]
$4

[trajectory]
source = inpca

[report]
EOS
}

npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}

session "$T/a.lab" "0.02,0.1" 5 ""
tap_ok "run a session with [train], [inpca] and [trajectory] source = inpca" "$LL" run "$T/a.lab" -o "$T/a" -q
S=$(npy_shape "$T/a/train/outputs.npy" | sed 's/(4, \([0-9]*\), 50, 10)/\1/')
case $S in '' | *[!0-9]*) false ;; *) true ;; esac
tap_result $? "train/outputs.npy holds models x snapshots x 50 probe images x 10 classes ($S snapshots)"
[ "$(npy_shape "$T/a/inpca/coords.npy")" = "(4, $S, 3)" ] && [ "$(npy_shape "$T/a/inpca/eigenvalues.npy")" = "($((4 * S)),)" ]
tap_result $? "inpca/coords.npy is paths x snapshots x 3, eigenvalues.npy one per point"
J=$T/a/inpca/inpca.json
e1=$(tr -d ' \n' < "$J" | sed -n 's/.*"explained":\[\([-0-9.e+]*\).*/\1/p')
tr -d ' \n' < "$J" | grep -q '"paths":4,"snapshots":'"$S"',"images":50,"explained":\[' &&
	awk -v e="$e1" 'BEGIN { exit !(e > 0.2 && e <= 1) }'
tap_result $? "inpca.json: 4 paths, 50 images, the top dimension's share ($e1)"
grep -q '^0,lr 0.02 #1,lr 0.02$' "$T/a/inpca/paths.csv" && grep -q '^1,lr 0.1 #1,lr 0.1$' "$T/a/inpca/paths.csv"
tap_result $? "paths.csv names each path by its learning rate"
grep -q '"source": "inpca"' "$T/a/trajectory/trajectory.json" && grep -q '"InPCA1"' "$T/a/trajectory/trajectory.json"
tap_result $? "[trajectory] source = inpca draws the map's paths"
R=$T/a/report.md
grep -q '^## .*Training paths (InPCA)' "$R" && grep -q 'Measured:\*\* the top dimension carries' "$R" &&
	[ -s "$T/a/figures/inpca_map.png" ] && [ -s "$T/a/figures/inpca_spectrum.png" ]
tap_result $? "the report has the InPCA section, its measured shares and two figures"

# other runs in the same map
session "$T/b.lab" "0.05" 5 "with = $T/a"
tap_ok "a second run with with = the first OUTDIR" "$LL" run "$T/b.lab" -o "$T/runs/b" -q
tr -d ' \n' < "$T/runs/b/inpca/inpca.json" | grep -q '"paths":8,' && grep -q '^4,a #1,a$' "$T/runs/b/inpca/paths.csv"
tap_result $? "... 8 paths in one map, the other run's grouped by its folder"
cp -r "$T/a" "$T/runs/a"
session "$T/c.lab" "0.05" 5 "with = $T/runs"
tap_ok "with = a folder of OUTDIRs" "$LL" run "$T/c.lab" -o "$T/c" -q
tr -d ' \n' < "$T/c/inpca/inpca.json" | grep -q '"paths":12,'
tap_result $? "... every OUTDIR in it joins the map (12 paths)"
session "$T/d.lab" "0.05" 5 "with = $T/a/train/outputs.npy
images = 2"
tap_ok "with = an outputs.npy, 2 images of each digit" "$LL" run "$T/d.lab" -o "$T/d" -q
tr -d ' \n' < "$T/d/inpca/inpca.json" | grep -q '"paths":8,"snapshots":'"$S"',"images":20,'
tap_result $? "... 8 paths on 20 images"

# sessions that cannot work
session "$T/e1.lab" "0.05" 6 "with = $T/a"
tap_fails "another run on a different probe set" 'train the runs on the same probe set' "$LL" run "$T/e1.lab" -o "$T/e1" -q
session "$T/e2.lab" "0.05" 5 "with = $T/nowhere"
tap_fails "with = a missing folder" 'nowhere: no such file or folder' "$LL" run "$T/e2.lab" -o "$T/e2" -q
printf '[data]\nkind = task\n[inpca]\n' > "$T/e3.lab"
tap_fails "[inpca] without a [train] step" 'needs a \[train\] step' "$LL" run "$T/e3.lab" -o "$T/e3"
printf '[data]\nkind = mnist\npath = %s\n[trajectory]\nsource = inpca\n' "$DATA" > "$T/e4.lab"
tap_fails "[trajectory] source = inpca without [inpca]" 'source = inpca needs an \[inpca\] step' "$LL" run "$T/e4.lab" -o "$T/e4"
[ ! -e "$T/e1/inpca" ] && [ ! -e "$T/e3" ]
tap_result $? "a failed [inpca] leaves no inpca folder; a refused session writes nothing"

tap_done
