#!/bin/sh
# tests/e2e/test_shard.sh - an ensemble fitted in shards and merged (TAP):
# `latentlab merge` of N `tca --shard K/N` folders gives the files one
# `latentlab tca` run writes (every factor, lambda and hist .npy equal by
# cmp; summary.json equal once the timings and the command line are
# removed), fused and not, with cross-validation and a rank rule, with
# more shards than units, shards merged in any order; a Slurm array task
# is the shard its SLURM_ARRAY_TASK_* variables say (ids from any MIN, in
# steps); the examples/cluster scripts do the same; `mpirun -n 2|3 tca
# --mpi` equals one run (when built with MPI); bad shard specs and shards
# that do not belong together give one line on stderr.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_shard.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
# a Slurm job running this test must not make every fit a shard
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP SLURM_ARRAY_TASK_COUNT

"$LL" synth -o "$T/syn" --neurons 20 --time 15 --trials 12 >/dev/null 2>&1 &&
	"$LL" synth -o "$T/syn2" --neurons 20 --time 15 --trials 12 -s 2 >/dev/null 2>&1 ||
	{ echo "not ok 1 - synth"; echo "1..1"; exit 1; }
D=$T/syn/data.npy
# the same thread count everywhere: summary.json records it
J="-j 2"

# same A B: the fits' files of A and B are equal byte for byte, both hold
# the same files, and their summaries agree but for timings and command
same() {
	(cd "$1" && find . -path './rank_*' | sort) >"$T/list1" &&
		(cd "$2" && find . -path './rank_*' | sort) >"$T/list2" &&
		cmp -s "$T/list1" "$T/list2" && [ -s "$T/list1" ] || { echo "# file lists differ"; return 1; }
	for f in $(grep '\.npy$' "$T/list1"); do
		cmp -s "$1/$f" "$2/$f" || { echo "# $f differs"; return 1; }
	done
	strip() { sed -e '/"seconds":/d' -e '/"command_line":/,/\]/d' "$1"; }
	strip "$1/summary.json" >"$T/sum1" && strip "$2/summary.json" >"$T/sum2" &&
		[ "$(grep -c '"objective"' "$T/sum1")" -gt 0 ] && diff "$T/sum1" "$T/sum2" >"$T/sumdiff" ||
		{ sed 's/^/# /' "$T/sumdiff" | head -10; return 1; }
}

# ---- fused: one unit per rank ---------------------------------------------------
tap_ok "one run" "$LL" tca "$D" -o "$T/one" -r 1-3 -n 3 $J -q
for k in 0 1 2; do
	tap_ok "shard $k/3" "$LL" tca "$D" -o "$T/f$k" -r 1-3 -n 3 $J -q --shard $k/3
done
grep -q '^shard = 1/3$' "$T/f1/shard.txt" && grep -q '^units = 1$' "$T/f1/shard.txt" && [ ! -e "$T/f1/summary.json" ]
tap_result $? "a shard writes its manifest (shard 1/3 holds unit 1), no summary"
tap_ok "merge 3 shards" "$LL" merge "$T/f2" "$T/f0" "$T/f1" -o "$T/fm" -q
same "$T/one" "$T/fm"; tap_result $? "merged == one run (every .npy by cmp, summary.json but timings)"
# the merged summary's command line is the shards' without --shard
tr -d " \n" <"$T/fm/summary.json" | grep -q '"command_line":\["latentlab","tca","-o","[^"]*f0","-r","1-3","-n","3","-j","2","-q","[^"]*data.npy"\]'
tap_result $? "the merged command line is the shard's without --shard"

# ---- not fused, cross-validated, a rank rule, more shards than ranks ------------
set -- -r 2-3 -n 2 --no-fuse --cv-folds 2 --select cv -m ncp-hals $J -q
tap_ok "one run, no fusing, cv" "$LL" tca "$D" -o "$T/cv" "$@"
# 2 ranks x 2 replicates + 2 folds = 6 units over 4 shards
ok=0
for k in 0 1 2 3; do "$LL" tca "$D" -o "$T/c$k" "$@" --shard $k/4 >/dev/null || ok=1; done
tap_result $ok "4 shards of 6 units"
tap_ok "merge them" "$LL" merge "$T/c3" "$T/c1" "$T/c0" "$T/c2" -o "$T/cm"
same "$T/cv" "$T/cm"; tap_result $? "merged == one run, with cross-validation and the chosen rank"
grep -q '"chosen_rank"' "$T/cm/summary.json"; tap_result $? "the merge chose the rank as the run did"

# cp-apr: its deviances travel with the fits
tap_ok "one run, cp-apr" "$LL" tca "$D" -o "$T/apr" -r 1-2 -n 2 -m cp-apr $J -q
"$LL" tca "$D" -o "$T/apr0" -r 1-2 -n 2 -m cp-apr $J -q --shard 0/2 >/dev/null &&
	"$LL" tca "$D" -o "$T/apr1" -r 1-2 -n 2 -m cp-apr $J -q --shard 1/2 >/dev/null &&
	"$LL" merge "$T/apr1" "$T/apr0" -o "$T/aprm" -q && same "$T/apr" "$T/aprm" &&
	grep -q '"deviance"' "$T/aprm/summary.json"
tap_result $? "cp-apr: merged == one run, deviances included"

ok=0
for k in 0 1 2 3 4; do "$LL" tca "$D" -o "$T/e$k" -r 1-2 -n 2 $J -q --shard $k/5 >/dev/null || ok=1; done
grep -q '^units =$' "$T/e4/shard.txt"; tap_result $((ok + $?)) "shards beyond the units are empty"
"$LL" tca "$D" -o "$T/e" -r 1-2 -n 2 $J -q >/dev/null
"$LL" merge "$T"/e0 "$T"/e1 "$T"/e2 "$T"/e3 "$T"/e4 -o "$T/em" -q && same "$T/e" "$T/em"
tap_result $? "merged with empty shards == one run"

# ---- Slurm array tasks -------------------------------------------------------------
# an array --array=4-8:2 has ids 4, 6, 8: shards 0, 1, 2 of 3
for id in 4 6 8; do
	SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=3 \
		"$LL" tca "$D" -o "$T/slurm$id" -r 1-3 -n 3 $J -q >/dev/null
done
grep -q '^shard = 1/3$' "$T/slurm6/shard.txt"; tap_result $? "task 6 of 4-8:2 is shard 1/3"
"$LL" merge "$T/slurm4" "$T/slurm6" "$T/slurm8" -o "$T/sm" -q && same "$T/one" "$T/sm"
tap_result $? "the array's shards merged == one run"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$LL" tca "$D" -o "$T/sl0" -r 1 -n 2 $J -q >/dev/null &&
	grep -q '^shard = 1/2$' "$T/sl0/shard.txt"; tap_result $? "MIN unset: ids from 0"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$LL" tca "$D" -o "$T/sl1" -r 1 -n 2 $J -q --shard 0/2 >/dev/null &&
	grep -q '^shard = 0/2$' "$T/sl1/shard.txt"; tap_result $? "--shard wins over Slurm's variables"
SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 "$LL" tca "$D" -o "$T/sl2" -r 1 -n 2 $J -q --shard all >/dev/null &&
	[ -f "$T/sl2/summary.json" ] && [ ! -e "$T/sl2/shard.txt" ]; tap_result $? "--shard all fits everything in an array task"
tap_fails "an id outside the array" "SLURM_ARRAY_TASK_ID 9" \
	env SLURM_ARRAY_TASK_ID=9 SLURM_ARRAY_TASK_COUNT=3 "$LL" tca "$D" -o "$T/x" -r 1 -q
tap_fails "an id between the steps" "SLURM_ARRAY_TASK_ID 5" \
	env SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_STEP=2 SLURM_ARRAY_TASK_COUNT=3 "$LL" tca "$D" -o "$T/x" -r 1 -q
tap_fails "an id without a count" "SLURM_ARRAY_TASK_COUNT" \
	env SLURM_ARRAY_TASK_ID=0 "$LL" tca "$D" -o "$T/x" -r 1 -q

# ---- the examples (examples/cluster/) ----------------------------------------------
# the Slurm script run as three array tasks would run it (SUBMIT_MERGE=0:
# no merge job submitted), then by hand to merge
ok=0
for id in 0 1 2; do
	LATENTLAB=$LL DATA=$D OUT=$T/arr RANKS=1-3 REPLICATES=3 SLURM_CPUS_PER_TASK=2 SLURM_ARRAY_TASK_ID=$id \
		SLURM_ARRAY_TASK_COUNT=3 SUBMIT_MERGE=0 bash "$SRC/examples/cluster/tca_array.sbatch" >/dev/null || ok=1
done
LATENTLAB=$LL OUT=$T/arr bash "$SRC/examples/cluster/tca_array.sbatch" >/dev/null && same "$T/one" "$T/arr/all"
tap_result $((ok + $?)) "examples/cluster/tca_array.sbatch: three tasks and the merge == one run"
if command -v parallel >/dev/null 2>&1 && parallel --version 2>/dev/null | grep -q GNU; then
	sed -e 's/-r 1-10 -n 20 -j 1/-r 1-3 -n 3 -j 2/' "$SRC/examples/cluster/parallel.sh" >"$T/par.sh"
	LATENTLAB=$LL DATA=$D OUT=$T/par N=4 sh "$T/par.sh" >/dev/null 2>&1 && same "$T/one" "$T/par/all"
	tap_result $? "examples/cluster/parallel.sh (4 shards) == one run"
else
	echo "ok $((TAP_N + 1)) - # SKIP GNU parallel is not installed"
	TAP_N=$((TAP_N + 1))
fi

# ---- MPI (a build with ./configure --with-mpi) ----------------------------------------
if "$LL" tca --mpi 2>&1 | grep -q "built without MPI"; then
	tap_fails "--mpi without MPI says so" "built without MPI" "$LL" tca "$D" -o "$T/x" --mpi
	echo "ok $((TAP_N + 1)) - # SKIP not built with MPI (./configure --with-mpi)"
	TAP_N=$((TAP_N + 1))
elif ! command -v mpirun >/dev/null 2>&1; then
	echo "ok $((TAP_N + 1)) - # SKIP no mpirun"
	TAP_N=$((TAP_N + 1))
else
	MPIRUN="mpirun --oversubscribe"
	[ "$(id -u)" -eq 0 ] && MPIRUN="$MPIRUN --allow-run-as-root"
	timeout 300 $MPIRUN -n 2 "$LL" tca "$D" -o "$T/mpi2" -r 1-3 -n 3 $J -q --mpi >/dev/null 2>"$T/mpi2.err" &&
		same "$T/one" "$T/mpi2"
	tap_result $? "mpirun -n 2 tca --mpi == one run"
	timeout 300 $MPIRUN -n 3 "$LL" tca "$D" -o "$T/mpi3" -r 2-3 -n 2 --no-fuse --cv-folds 2 --select cv \
		-m ncp-hals $J -q --mpi >/dev/null 2>"$T/mpi3.err" && same "$T/cv" "$T/mpi3"
	tap_result $? "mpirun -n 3, not fused, cross-validated == one run"
	timeout 300 $MPIRUN -n 2 "$LL" tca "$T/none.npy" -o "$T/x" -q --mpi >/dev/null 2>"$T/mpi4.err"
	[ $? -ne 0 ] && [ "$(grep -c '^latentlab:' "$T/mpi4.err")" -eq 1 ] && [ ! -e "$T/x" ]
	tap_result $? "a missing file under mpirun: one error line (from rank 0), no hang, nothing written"
	tap_fails "--mpi with --shard" "do not mix" "$LL" tca "$D" -o "$T/x" --mpi --shard 0/2
fi

# ---- bad shard specs -------------------------------------------------------------
for spec in 3/3 1 -1/2 a/b 0/0 1/ /2 "0/2 " 1/2/3; do
	tap_fails "--shard '$spec'" "--shard: expected K/N" "$LL" tca "$D" -o "$T/x" -r 1 -q --shard "$spec"
done
[ ! -e "$T/x" ]; tap_result $? "nothing written for a bad spec"

# ---- shards that do not belong together ------------------------------------------
"$LL" tca "$D" -o "$T/tol" -r 1-3 -n 3 $J -q --shard 1/3 --tol 1e-8 >/dev/null
tap_fails "another tol" "tol is .* but .* has .*: not shards of one run" "$LL" merge "$T/f0" "$T/tol" "$T/f2" -o "$T/x"
"$LL" tca "$T/syn2/data.npy" -o "$T/dat" -r 1-3 -n 3 $J -q --shard 1/3 >/dev/null
tap_fails "other data" "data_hash is .*(other data or mask): not shards of one run" "$LL" merge "$T/f0" "$T/dat" "$T/f2" -o "$T/x"
"$LL" tca "$D" -o "$T/seed" -r 1-3 -n 3 $J -q --shard 1/3 -s 5 >/dev/null
tap_fails "another seed" "seed is 5 but" "$LL" merge "$T/f0" "$T/seed" "$T/f2" -o "$T/x"
"$LL" tca "$D" -o "$T/two" -r 1-3 -n 3 $J -q --shard 1/2 >/dev/null
tap_fails "another shard count" "shards is 2 but" "$LL" merge "$T/f0" "$T/two" "$T/f2" -o "$T/x"
tap_fails "a shard missing" "1 of the 3 units (from unit 1) are in none of the 2 shards given" \
	"$LL" merge "$T/f0" "$T/f2" -o "$T/x"
tap_fails "a shard twice" "are both shard 0/3" "$LL" merge "$T/f0" "$T/f0" "$T/f1" "$T/f2" -o "$T/x"
cp -r "$T/f0" "$T/dup" && sed -i 's/^units = 0$/units = 0 1/' "$T/dup/shard.txt"
tap_fails "a unit claimed by two shards" "unit 1 is in both" "$LL" merge "$T/dup" "$T/f1" "$T/f2" -o "$T/x"
tap_fails "a folder that is no shard" "no shard here" "$LL" merge "$T/f0" "$T/one" -o "$T/x"
cp -r "$T/f1" "$T/bad" && sed -i 's/^fit = 2 1 /fit = 9 1 /' "$T/bad/shard.txt"
tap_fails "a corrupt manifest" "bad fit line" "$LL" merge "$T/f0" "$T/bad" "$T/f2" -o "$T/x"
cp -r "$T/f1" "$T/short" && rm "$T/short/units/rank_02/rep_01/factor_1.npy"
tap_fails "a fit's file missing" "factor_1.npy" "$LL" merge "$T/f0" "$T/short" "$T/f2" -o "$T/x"
[ ! -e "$T/x" ]; tap_result $? "nothing written for a refused merge"
tap_fails "merge without -o" "missing -o OUTDIR" "$LL" merge "$T/f0"
tap_fails "merge without shards" "missing SHARD_DIR" "$LL" merge -o "$T/x"

tap_done
