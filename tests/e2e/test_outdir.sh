#!/bin/sh
# tests/e2e/test_outdir.sh - latentlab never removes what it did not make,
# one writer at a time, and a run cut short (kill -9) never leaves a folder
# that looks complete (TAP).  Each case is one the reliability review
# reproduced on an earlier main: D1 tca deleting a user's rank_* folders,
# D2 run emptying a tca/ it did not make or writing through a link, D3 run
# overwriting its own input session, C1 two writers mixing their results,
# I1/I2 an old summary.json or report beside a new run's partial results.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_outdir.XXXXXX") || exit 1
trap 'kill -9 $bg 2>/dev/null; rm -rf "$T"' EXIT
bg=
PLANTED=$SRC/examples/data/planted.npy

# ---- D1: tca and a folder of the user's ----------------------------------------------
mkdir -p "$T/d1/rank_01/mydata" "$T/d1/rank_7"
echo thesis > "$T/d1/rank_01/mydata/thesis.tex"
echo notes > "$T/d1/rank_7/notes.txt"
tap_fails "tca: a non-empty folder latentlab did not make is refused" "not made by latentlab" \
	"$LL" tca "$PLANTED" -o "$T/d1" -r 1-2 -n 1 -q
tap_fails "tca --force: the user's rank_01 is in the way, not replaced" "rank_01 exists and was not made by latentlab" \
	"$LL" tca "$PLANTED" -o "$T/d1" -r 1-2 -n 1 -q --force
[ "$(cat "$T/d1/rank_01/mydata/thesis.tex")" = thesis ] && [ "$(cat "$T/d1/rank_7/notes.txt")" = notes ]
tap_result $? "tca: the user's rank_01/mydata/thesis.tex and rank_7/notes.txt are still there"
"$LL" tca "$PLANTED" -o "$T/d1b" -r 1-2 -n 1 -q > /dev/null && mkdir "$T/d1b/rank_09" && echo x > "$T/d1b/rank_09/mine" &&
	"$LL" tca "$PLANTED" -o "$T/d1b" -r 1-3 -n 1 -q > /dev/null && [ -s "$T/d1b/rank_09/mine" ] && [ -d "$T/d1b/rank_03" ]
tap_result $? "tca: a rerun replaces its own rank folders and leaves a rank_09 of the user's"
tap_fails "tca: -o / is refused" "root folder" "$LL" tca "$PLANTED" -o / -r 1 -n 1 -q
[ ! -e /rank_01 ] && [ ! -e /.latentlab ]
tap_result $? "tca: nothing was written into /"
mkdir -p "$T/home"
tap_fails "tca: the home folder is refused" "home folder" env HOME="$T/home" "$LL" tca "$PLANTED" -o "$T/home" -r 1 -n 1 -q

# ---- D2: run and a tca/ it did not make -----------------------------------------------
cat > "$T/s.lab" <<EOF
[session]
seed = 3
[data]
kind = synth
neurons = 12
time = 10
trials = 8
[tca]
ranks = 1-2
replicates = 2
[report]
EOF
"$LL" run "$T/s.lab" -o "$T/d2" -q > /dev/null
tap_result $? "run into a new folder"
mkdir "$T/d2e"
"$LL" run "$T/s.lab" -o "$T/d2e" -q > /dev/null && [ -f "$T/d2e/.latentlab" ] && [ -f "$T/d2e/results.json" ]
tap_result $? "run into an empty folder the user made"
# a run killed between making a step's folder and marking it leaves the
# folder empty, which has nothing to lose: the next run takes it
rm -rf "$T/d2e/tca" && mkdir "$T/d2e/tca" &&
	"$LL" run "$T/s.lab" -o "$T/d2e" -q > /dev/null && [ -f "$T/d2e/tca/.latentlab-step" ]
tap_result $? "run: an empty tca/ (a run killed before marking it) is taken"
rm -rf "$T/d2/tca" && mkdir -p "$T/d2/tca/rank_01" && echo keep > "$T/d2/tca/rank_01/keep.txt"
tap_fails "run: a tca/ latentlab did not make is refused" "d2/tca exists and was not made by latentlab" \
	"$LL" run "$T/s.lab" -o "$T/d2" -q
[ "$(cat "$T/d2/tca/rank_01/keep.txt")" = keep ]
tap_result $? "run: the user's tca/rank_01/keep.txt is still there"
rm -rf "$T/d2/tca" && mkdir -p "$T/elsewhere/rank_01" && echo keep > "$T/elsewhere/rank_01/keep.txt" &&
	ln -s "$T/elsewhere" "$T/d2/tca"
tap_fails "run: OUTDIR/tca as a link is refused" "is a symbolic link" "$LL" run "$T/s.lab" -o "$T/d2" -q
[ "$(cat "$T/elsewhere/rank_01/keep.txt")" = keep ] && [ "$(ls "$T/elsewhere")" = rank_01 ]
tap_result $? "run: nothing was written or removed behind the link"

# ---- D3: run OUTDIR/session.lab -o OUTDIR -------------------------------------------
rm -f "$T/d2/tca" && "$LL" run "$T/s.lab" -o "$T/d3" -q > /dev/null && printf '\n# my notes\n' >> "$T/d3/session.lab" &&
	cp "$T/d3/session.lab" "$T/d3.before"
tap_fails "run: its own session copy as input is refused" "would overwrite it" "$LL" run "$T/d3/session.lab" -o "$T/d3" -q
cmp -s "$T/d3/session.lab" "$T/d3.before"
tap_result $? "run: the session file is unchanged"

# ---- C1: one writer at a time -----------------------------------------------------
cat > "$T/long.lab" <<EOF
[data]
kind = synth
[tca]
ranks = 1-8
replicates = 20
tol = 0
max_iter = 100000
EOF
"$LL" run "$T/long.lab" -o "$T/c1" -q > /dev/null 2>&1 &
bg=$!
i=0
while [ $i -lt 300 ] && ! grep -q "^$bg:" "$T/c1/.latentlab.lock" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
tap_fails "a second writer is refused, naming the first one's pid" "being written by another latentlab (pid $bg" \
	"$LL" run "$T/s.lab" -o "$T/c1" -q
tap_fails "also a tca into the same folder" "pid $bg" "$LL" tca "$PLANTED" -o "$T/c1" -r 1 -n 1 -q
kill -9 $bg; wait $bg 2>/dev/null; bg=
"$LL" run "$T/s.lab" -o "$T/c1" -q > /dev/null
tap_result $? "after the first writer is killed (-9), the folder can be written again"
grep -q '"status": "complete"' "$T/c1/results.json" && ! grep -q '"tca"' "$T/c1/session.lab" 2>/dev/null || true
grep -q 'ranks = 1-2' "$T/c1/session.lab" && grep -q '"status": "complete"' "$T/c1/results.json"
tap_result $? "...and holds only the second run's session and results"

# ---- I1/I2: kill -9 at several points of a rerun ------------------------------------
cat > "$T/i1.lab" <<EOF
[session]
seed = 5
[data]
kind = synth
[tca]
ranks = 1-6
replicates = 6
[trajectory]
[report]
EOF
sed 's/seed = 5/seed = 6/; s/replicates = 6/replicates = 12/' "$T/i1.lab" > "$T/i2.lab"
# a folder that looks complete is complete: a report is the report of
# the session beside it (the two runs differ in their seed, which the
# report quotes), and results.json says complete only when every step is
# done and the report is there.  (A kill between the report's last rename
# and results.json's last write leaves the new report with "running":
# consistent, the record just not final.)
seed_of() { sed -n 's/^seed = \([0-9]*\).*/\1/p' "$1" | head -1; }
consistent_run() {
	d=$1
	if [ -e "$d/report.md" ] || [ -e "$d/report.html" ]; then
		[ -s "$d/report.md" ] && [ -s "$d/report.html" ] || return 1
		s=$(seed_of "$d/session.lab")
		grep -q "derives from the session seed ($s)" "$d/report.md" || return 1
	fi
	if grep -q '"status": "complete"' "$d/results.json" 2>/dev/null; then
		[ -s "$d/report.md" ] && ! grep -q '"state": "pending"' "$d/results.json" || return 1
	fi
	return 0
}
# a summary.json lists exactly the rank folders there
consistent_tca() {
	d=$1
	[ -e "$d/summary.json" ] || return 0
	listed=$(grep -o '"dir": "rank_[0-9]*' "$d/summary.json" | sed 's/.*"dir": "//' | sort -u | tr '\n' ' ')
	there=$(cd "$d" && ls -d rank_* 2>/dev/null | sort | tr '\n' ' ')
	[ "$listed" = "$there" ]
}
"$LL" run "$T/i1.lab" -o "$T/i" -q > /dev/null && consistent_run "$T/i"
tap_result $? "kill -9: the first run completes"
"$LL" tca "$PLANTED" -o "$T/it" -r 1-8 -n 6 -q > /dev/null && consistent_tca "$T/it"
tap_result $? "kill -9: the first tca completes"
bad=0 cut=0
for t in 0.01 0.03 0.06 0.1 0.15 0.2 0.3 0.4 0.55 0.75; do
	"$LL" run "$T/i2.lab" -o "$T/i" -q > /dev/null 2>&1 &
	p=$!
	sleep $t
	kill -9 $p 2>/dev/null && cut=$((cut + 1))
	wait $p 2>/dev/null
	consistent_run "$T/i" || { bad=$((bad + 1)); echo "# run killed after $t s: the folder looks complete and is not"; }
	"$LL" tca "$PLANTED" -o "$T/it" -r 2-7 -n 12 -q > /dev/null 2>&1 &
	p=$!
	sleep $t
	kill -9 $p 2>/dev/null && cut=$((cut + 1))
	wait $p 2>/dev/null
	consistent_tca "$T/it" || { bad=$((bad + 1)); echo "# tca killed after $t s: summary.json and the rank folders disagree"; }
done
echo "# $cut of 20 reruns were cut short by kill -9"
[ $bad -eq 0 ] && [ $cut -ge 6 ]
tap_result $? "kill -9 at several points of a rerun: never a mix that looks complete"
"$LL" run "$T/i2.lab" -o "$T/i" -q > /dev/null && consistent_run "$T/i" && grep -q '"status": "complete"' "$T/i/results.json"
tap_result $? "after the kills, a rerun completes"
grep -q '^state: complete' "$T/i/.latentlab"
tap_result $? "the folder's marker says complete"
touch "$T/it/summary.json.tmp.AbC123" "$T/it/mine.tmp.AbC123"
"$LL" tca "$PLANTED" -o "$T/it" -r 1-2 -n 1 -q > /dev/null && [ -z "$(find "$T/i" "$T/it" -maxdepth 1 -name '*.tmp.??????' ! -name mine.tmp.AbC123)" ] &&
	[ -e "$T/it/mine.tmp.AbC123" ]
tap_result $? "a later run removes the temporaries killed runs left (of latentlab's names only)"

tap_done
