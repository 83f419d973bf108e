#!/bin/sh
# tests/e2e/test_tui_export.sh - the workbench's :export (TAP, through
# tmux; skipped without it) and "run up to here" (UX review D12):
#   Enter on the report row with nothing run runs every step the report
#     needs, then the report (before: it ran only the next step, data);
#   :export FILE writes the screen as plain text: the Factors table as
#     shown, no escape codes, no status or hint line;
#   :export png writes the trajectory view as a PNG, and another after a
#     rotation differs (the view's rotation is drawn); on Factors the rank
#     shown as the report's factors figure (another rank, another PNG);
#   :export slurm writes an executable sbatch script that passes bash -n;
#     its tca lines run by hand as each array task (SLURM_ARRAY_TASK_ID=k)
#     and then its merge give the files the session's own tca step wrote:
#     every .npy equal by cmp, summary.json equal but for timings, the
#     command line, the tool and the data file.
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

start x bio.lab LANG=C.UTF-8
until_ok x shows x '1 Pipeline'
# the cursor to the report row (the last step; its title parameter is
# the last row), then Enter
keys x G
until_ok x shows x '^ +title +='
keys x k Enter
until_ok x shows x '^ . +report +done'
r1=$?
shows x '^ . +tca +done' && shows x '^ . +trajectory +done'
tap_result $((r1 + $?)) "Enter on the report row runs every step it needs, then the report (D12)"

keys x 2
until_ok x shows x 'comp +weight'
keys x : "export $T/fact.txt" Enter
until_ok x shows x "exported the Factors screen as text to $T/fact.txt"
r1=$?
grep -q '^ latentlab  1 Pipeline   2 Factors' "$T/fact.txt" && grep -q -E '^.C1 +[0-9.]+ [▁▂▃▄▅▆▇█]+' "$T/fact.txt" &&
	! grep -q "$(printf '\033')" "$T/fact.txt" && ! grep -q 'exported\|: cmd' "$T/fact.txt" &&
	[ "$(wc -l <"$T/fact.txt")" -eq 38 ]
tap_result $((r1 + $?)) ":export FILE writes the screen as text: tab bar and table, no escapes, no status or hints"
keys x : export Enter
until_ok x shows x "as text to $T/x.out/factors.txt"
tap_result $? ":export without FILE writes OUTDIR/<screen>.txt and says where"

keys x 3
until_ok x shows x 'paths x 40 points'
keys x : "export png $T/a.png" Enter
until_ok x shows x "as a PNG to $T/a.png"
r1=$?
keys x l l l
keys x : "export png $T/b.png" Enter
until_ok x shows x "as a PNG to $T/b.png"
r2=$?
[ "$(head -c 8 "$T/a.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	[ "$(wc -c <"$T/a.png")" -gt 5000 ] && ! cmp -s "$T/a.png" "$T/b.png"
tap_result $((r1 + r2 + $?)) ":export png writes the trajectory view as a PNG; a rotated view gives another"
keys x 2
until_ok x shows x 'comp +weight'
keys x : 'export png' Enter
until_ok x shows x "exported the factors shown as a PNG to $T/x.out/factors.png"
r1=$?
keys x ']'
keys x : "export png $T/f2.png" Enter
until_ok x shows x "as a PNG to $T/f2.png"
r2=$?
[ "$(head -c 8 "$T/x.out/factors.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
	! cmp -s "$T/x.out/factors.png" "$T/f2.png"
tap_result $((r1 + r2 + $?)) ":export png on Factors writes the rank shown as the report's figure; another rank another"
keys x 1
keys x : 'export png' Enter
until_ok x shows x 'export png draws the Trajectory view \(3\) or the Factors'
tap_result $? ":export png elsewhere says which screens it draws"

keys x : "export slurm $T/job.sbatch" Enter
until_ok x shows x "Slurm job array for the tca step to $T/job.sbatch"
r1=$?
[ -x "$T/job.sbatch" ] && bash -n "$T/job.sbatch" && grep -q '^#SBATCH --array=0-3$' "$T/job.sbatch" &&
	grep -q -- '--shard "$K/$SHARDS"' "$T/job.sbatch" && grep -q -- '-r 1-4 -n 3 ' "$T/job.sbatch"
tap_result $((r1 + $?)) ":export slurm writes an executable sbatch script (bash -n) with an array over the shards"
ok=0
for k in 0 1 2 3; do
	LATENTLAB=$LL OUT=$T/sl SLURM_ARRAY_TASK_ID=$k bash "$T/job.sbatch" >/dev/null 2>"$T/sl.err" || ok=1
done
LATENTLAB=$LL OUT=$T/sl bash "$T/job.sbatch" >/dev/null 2>>"$T/sl.err" || ok=1
[ $ok -eq 0 ] || sed 's/^/# /' "$T/sl.err"
tap_result $ok "the script's tasks, run by hand with SLURM_ARRAY_TASK_ID=k, and its merge"
same() {
	# (the session's tca/ also keeps its raw fits for a resume, in resume/)
	(cd "$1" && find . -path ./resume -prune -o -name '*.npy' -print | sort) >"$T/l1" &&
		(cd "$2" && find . -name '*.npy' | sort) >"$T/l2" &&
		[ -s "$T/l1" ] && cmp -s "$T/l1" "$T/l2" || { echo "# file lists differ"; return 1; }
	for f in $(cat "$T/l1"); do cmp -s "$1/$f" "$2/$f" || { echo "# $f differs"; return 1; }; done
	strip() { sed -e '/"seconds":/d' -e '/"command_line":/,/\]/d' -e '/"tool":/d' -e '/"file":/d' -e '/"dtype":/d' "$1"; }
	strip "$1/summary.json" >"$T/s1" && strip "$2/summary.json" >"$T/s2" && diff "$T/s1" "$T/s2" >"$T/sd" ||
		{ sed 's/^/# /' "$T/sd" | head; return 1; }
}
same "$T/x.out/tca" "$T/sl/all"
tap_result $? "the merged shards == the session's tca step (every .npy by cmp, summary.json but timings)"
quits x
tap_done
