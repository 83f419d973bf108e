#!/bin/sh
# tests/e2e/test_spectrum_session.sh - sessions with a [spectrum] step and
# [train] hessian_top, run by the CLI (TAP): alpha, PR and dim90 of every
# model's hidden layer over training, a planted recording (alpha 1.0,
# two noisy repeats written by tests/tools/spectrum_planted) recovered by
# cvPCA, the Hessian over training, the report's Spectra section, a
# recording-only session, and sessions that cannot work failing in one
# line.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_specsess.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
PLANT=${top_builddir:-.}/tests/tools/spectrum_planted
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE PROBE-ACTIVITY SPECTRUM-LINES
session() {
	cat > "$1" <<EOS
[session]
name = spec
seed = 1
threads = 2

[data]
kind = mnist
path = $DATA

[train]
models = 3
hidden = 24
epochs = 1
train_images = 600
log_every = 8
probe_per_class = 20
probe_activity = $2
lr = 0.02,0.1
hessian_top = 3
hessian_every = 2
hessian_images = 100

[spectrum]
$3

[report]
EOS
}

npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}
# jnum FILE KEY: the first number after "KEY": (arrays: their first entry)
jnum() {
	tr -d ' \n' < "$1" | sed -n "s/.*\"$2\":\[*\([-0-9.e+]*\).*/\1/p"
}

"$PLANT" 400 200 1.0 0.06 5 "$T/r1.npy" "$T/r2.npy" || { echo "Bail out! spectrum_planted failed"; exit 1; }
session "$T/a.lab" 20 "with = $T/r1.npy
with_repeat = $T/r2.npy
bootstrap = 30"
tap_ok "run a session with [train] hessian_top, [spectrum] and a recording" "$LL" run "$T/a.lab" -o "$T/a" -q
S=$(npy_shape "$T/a/spectrum/alpha.npy" | sed 's/(3, \([0-9]*\))/\1/')
case $S in '' | *[!0-9]*) false ;; *) true ;; esac &&
	[ "$(npy_shape "$T/a/spectrum/eigenvalues.npy")" = "(3, $S, 24)" ] && [ "$(npy_shape "$T/a/spectrum/pr.npy")" = "(3, $S)" ]
tap_result $? "spectrum/: alpha, pr (models x $S snapshots), eigenvalues (x 24 units: 200 probe images)"
J=$T/a/spectrum/spectrum.json
a=$(tr -d ' \n' < "$J" | sed -n 's/.*"recording":{.*"alpha":\([-0-9.e+]*\).*/\1/p')
tr -d ' \n' < "$J" | grep -q '"method":"cvpca","stimuli":400,"neurons":200' &&
	awk -v a="$a" 'BEGIN { exit !(a > 0.95 && a < 1.05) }'
tap_result $? "the planted recording's alpha 1.0 recovered by cvPCA ($a)"
lo=$(tr -d ' \n' < "$J" | sed -n 's/.*"alpha_ci":\[\([0-9.]*\),\([0-9.]*\)\].*/\1/p')
hi=$(tr -d ' \n' < "$J" | sed -n 's/.*"alpha_ci":\[\([0-9.]*\),\([0-9.]*\)\].*/\2/p')
tr -d ' \n' < "$J" | grep -q '"alpha_ci":\[[0-9.]*,[0-9.]*\],"pr":[0-9.]*,"dim90":[0-9]*' &&
	awk -v l="$lo" -v h="$hi" -v a="$a" 'BEGIN { exit !(l < a && a < h && l < 1 && 1 < h) }'
tap_result $? "spectrum.json: the recording's interval [$lo, $hi] holds alpha and the truth; PR and dim90"
[ "$(npy_shape "$T/a/train/hessian_top.npy")" = "(3, $S, 3)" ] && [ "$(npy_shape "$T/a/train/hessian_trace.npy")" = "(3, $S)" ]
tap_result $? "train/: hessian_top (models x snapshots x 3) and hessian_trace"
R=$T/a/report.md
grep -q '^## .*Spectra' "$R" && grep -q 'the recording.*alpha' "$R" && grep -q 'top eigenvalue went from' "$R" &&
	[ -s "$T/a/figures/spectrum_loglog.png" ] && [ -s "$T/a/figures/spectrum_training.png" ] &&
	[ -s "$T/a/figures/spectrum_hessian.png" ]
tap_result $? "the report's Spectra section: both spectra, alpha and PR over training, the Hessian, three figures"
# the Hessian's CSV holds only the measured snapshots (every 2nd and the last)
n=$(($(wc -l < "$T/a/figures/spectrum_hessian.csv") - 1))
[ "$n" -eq $((3 * ((S + 1) / 2 + (S % 2 == 0)))) ]
tap_result $? "the Hessian figure's CSV: the measured snapshots of 3 models ($n rows)"

# a recording alone: no networks needed
cat > "$T/b.lab" <<EOS
[data]
kind = synth
[spectrum]
with = $T/r1.npy
fit_ranks = 5-50
bootstrap = 0
EOS
tap_ok "a session with only a recording (covariance spectrum)" "$LL" run "$T/b.lab" -o "$T/b" -q
tr -d ' \n' < "$T/b/spectrum/spectrum.json" | grep -q '"method":"covariance".*"fit_ranks":\[5,50\]' &&
	[ ! -e "$T/b/spectrum/alpha.npy" ]
tap_result $? "... the covariance spectrum fitted on ranks 5-50, no models"

# sessions that cannot work
session "$T/e1.lab" 0 ""
tap_fails "no probe activity to measure" 'set \[train\] probe_activity' "$LL" run "$T/e1.lab" -o "$T/e1" -q
"$PLANT" 300 200 1.0 0.06 5 "$T/s1.npy" || exit 1
session "$T/e2.lab" 20 "with = $T/r1.npy
with_repeat = $T/s1.npy"
tap_fails "repeats of different shapes" 'repeats must have the same shape' "$LL" run "$T/e2.lab" -o "$T/e2" -q
session "$T/e3.lab" 20 "fit_ranks = 9-3"
tap_fails "fit_ranks backwards" 'fit_ranks = 9-3' "$LL" run "$T/e3.lab" -o "$T/e3" -q
printf '[data]\nkind = task\n[spectrum]\n' > "$T/e4.lab"
tap_fails "nothing to measure" 'nothing to measure' "$LL" run "$T/e4.lab" -o "$T/e4"
printf '1,2\nnan,3\n4,5\n6,7\n' > "$T/nan.csv"
printf '[data]\nkind = synth\n[spectrum]\nwith = %s\n' "$T/nan.csv" > "$T/e5.lab"
tap_fails "NaN in the recording" 'nan.csv' "$LL" run "$T/e5.lab" -o "$T/e5" -q
[ ! -e "$T/e1" ] && [ ! -e "$T/e5/spectrum" ]
tap_result $? "a refused session writes nothing; a failed [spectrum] leaves no spectrum folder"

tap_done
