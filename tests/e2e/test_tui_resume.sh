#!/bin/sh
# tests/e2e/test_tui_resume.sh - reopening the workbench on its OUTDIR
# (TAP, through tmux; skipped without it): run every step, quit, reopen on
# the same OUTDIR: every step shows done at once, Factors shows the same
# table without fitting again (tca/ untouched, the log says it was read
# back), and the Log says what resumed; then with [tca] replicates edited
# in the file: data, tensor and trajectory resume, tca and report are
# pending; and a folder whose tca/resume/ is gone (an older latentlab's)
# refits tca.  Before resuming, every reopen started from pending.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

cat >"$T/bio.lab" <<'LAB'
[session]
name = bio
seed = 7
threads = 2
[data]
kind = synth
neurons = 30
time = 40
trials = 40
rank = 3
noise = poisson
[tensor]
[tca]
ranks = 1-4
replicates = 3
[trajectory]
source = pca
[report]
LAB
O=$T/r.out
# the same OUTDIR for every workbench here (start names it after NAME)
reopen() {
	start "$1" bio.lab LANG=C.UTF-8
	until_ok "$1" shows "$1" '1 Pipeline'
}
start r bio.lab LANG=C.UTF-8
until_ok r shows r '1 Pipeline'
keys r R
until_ok r shows r '^ . +report +done'
r1=$?
keys r 2
until_ok r shows r 'comp +weight'
grep -E '^.?C[0-9]+ ' "$T/r.cap" >"$T/fact1"
keys r q
wait_exit r
[ -s "$T/fact1" ] && [ -s "$O/tca/resume/shard.txt" ]
tap_result $((r1 + $?)) "a first run: every step done, the fits kept in tca/resume/"
cp "$O/tca/summary.json" "$T/sum1"

# start names OUTDIR after the workbench: point the others at r's
start() {
	name=$1 session=$2; shift 2
	sock="ll$$$name"
	SOCKS="$SOCKS $sock"
	tmux -f /dev/null -L "$sock" new-session -d -x 120 -y 40 \
		"env -u LC_ALL -u LC_CTYPE -u LC_MESSAGES -u NO_COLOR $* sh $T/wrap.sh $T/$name $LL tui $T/$session -o $O"
}
reopen a
for s in data tensor tca trajectory report; do shows a "^ . +$s +done" || echo "# $s not done"; done >"$T/nd"
[ ! -s "$T/nd" ] && shows a "resumed from .*: data, tensor, tca, trajectory, report done"
tap_result $? "reopened on the OUTDIR: every step done at once, and the status line says so" ||
	sed 's/^/#   /' "$T/a.cap" | head -12
keys a 2
until_ok a shows a 'comp +weight'
grep -E '^.?C[0-9]+ ' "$T/a.cap" >"$T/fact2"
cmp -s "$T/fact1" "$T/fact2" && cmp -s "$T/sum1" "$O/tca/summary.json"
tap_result $? "Factors shows the same components, and tca/ was not written again"
keys a 8 G
until_ok a shows a 'resume: tca: read back from'
tap_result $? "the Log says the fits were read back"
keys a q
wait_exit a

sed -i 's/^replicates = 3$/replicates = 2/' "$T/bio.lab"
reopen b
shows b '^ . +data +done' && shows b '^ . +tensor +done' && shows b '^ . +trajectory +done' &&
	shows b '^ . +tca +pending' && shows b '^ . +report +pending'
tap_result $? "tca.replicates edited: data, tensor, trajectory resume; tca and report are pending"
keys b R
until_ok b shows b '^ . +report +done'
tap_result $? "then R runs tca and the report"
keys b q
wait_exit b

rm -rf "$O/tca/resume"
reopen c
shows c '^ . +tensor +done' && shows c '^ . +tca +pending'
tap_result $? "without tca/resume/ (an older run) tca runs again"
quits c
tap_done
