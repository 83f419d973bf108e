#!/bin/sh
# tests/e2e/test_threads.sh - latentlab's own thread policy (TAP): idle
# threads sleep without the user setting anything, the user's settings win,
# and the automatic count (-j 0, session threads = 0) follows affinity and
# other processes' busy threads, in `tca` and in a session's steps.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_threads.XXXXXX") || exit 1
SPIN=""
cleanup() {
	[ -n "$SPIN" ] && kill $SPIN 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# what latentlab does on its own, not what this shell was given
unset OMP_NUM_THREADS OMP_WAIT_POLICY OPENBLAS_THREAD_TIMEOUT

# the value of "key": in a JSON file ("key": value, one per line)
jget() { sed -n "s/^ *\"$1\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2" | head -1; }
DATA="$SRC/examples/data/planted.npy"
tca() { # tca OUT [ARGS...]: a quick fit, its summary.json's threads on stdout
	out=$1; shift
	"$LL" tca "$DATA" -o "$T/$out" -r 1-2 -n 2 -q --force "$@" > /dev/null && jget threads "$T/$out/summary.json"
}

# ---- waiting: set by latentlab itself ---------------------------------------
"$LL" info --threads --json > "$T/info.json"
[ "$(jget omp_wait_policy "$T/info.json")" = passive ] && [ "$(jget openblas_thread_timeout "$T/info.json")" = 4 ]
tap_result $? "idle threads sleep with nothing set by the user (OMP_WAIT_POLICY=passive, OPENBLAS_THREAD_TIMEOUT=4)"
OMP_WAIT_POLICY=active OPENBLAS_THREAD_TIMEOUT=20 "$LL" info --threads --json > "$T/info2.json"
[ "$(jget omp_wait_policy "$T/info2.json")" = active ] && [ "$(jget openblas_thread_timeout "$T/info2.json")" = 20 ]
tap_result $? "the user's OMP_WAIT_POLICY and OPENBLAS_THREAD_TIMEOUT are kept"
# the re-executed program gets its arguments and standard input unchanged
printf 'x' | "$LL" info --threads > "$T/info.txt" && grep -q "^threads: [0-9]" "$T/info.txt" &&
	grep -q "OMP_WAIT_POLICY *passive" "$T/info.txt"
tap_result $? "info --threads in text"
tap_fails "info --threads takes no FILE" "takes no FILE" "$LL" info --threads "$DATA"

# ---- the count ----------------------------------------------------------------
# multi: a check that needs more than one thread, skipped without OpenMP
# (./configure --disable-openmp: every loop runs on one thread)
OMP=$("$LL" info --threads --json | sed -n 's/^ *"openmp": \([a-z]*\),$/\1/p')
multi() { # multi NAME CMD...: run the check, or skip it without OpenMP
	name=$1; shift
	if [ "$OMP" = true ]; then
		"$@"
		tap_result $? "$name"
	else
		TAP_N=$((TAP_N + 1))
		echo "ok $TAP_N - $name # SKIP built without OpenMP"
	fi
}
n=$("$LL" info --threads --json | sed -n 's/^ *"threads": \([0-9]*\),$/\1/p')
online=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" -le "$online" ]
tap_result $? "the automatic count is between 1 and the CPUs online ($n of $online)"
[ -n "$OMP" ]
tap_result $? "info --threads --json says whether OpenMP is built in ($OMP)"
multi "OMP_NUM_THREADS is the user's choice and wins" eval '[ "$(OMP_NUM_THREADS=3 tca omp)" = 3 ]'
multi "-j 2 is two threads" eval '[ "$(tca j2 -j 2)" = 2 ]'

if command -v taskset > /dev/null 2>&1 && taskset -c 0 true 2> /dev/null; then
	taskset -c 0 "$LL" info --threads --json > "$T/aff.json"
	[ "$(jget affinity "$T/aff.json")" = 1 ] && [ "$(taskset -c 0 "$LL" tca "$DATA" \
		-o "$T/aff" -r 1-2 -n 2 -q --force > /dev/null && jget threads "$T/aff/summary.json")" = 1 ]
	tap_result $? "under taskset -c 0 the automatic count is 1"
else
	echo "ok $((TAP_N + 1)) - under taskset -c 0 the automatic count is 1 # SKIP no taskset"
	TAP_N=$((TAP_N + 1))
fi

# ---- beside busy processes -----------------------------------------------------
if [ "$online" -le 16 ]; then
	# one busy process per CPU: none is free, so the automatic count is 1
	i=0
	while [ $i -lt "$online" ]; do
		sh -c 'while :; do :; done' &
		SPIN="$SPIN $!"
		i=$((i + 1))
	done
	sleep 0.2
	[ "$(tca busy)" = 1 ]
	tap_result $? "beside $online busy processes, tca -j 0 runs on 1 thread"
	multi "beside them, -j 2 is still two threads" eval '[ "$(tca busyj -j 2)" = 2 ]'
	sed 's/^ranks = 1-6/ranks = 1-2/; s/^replicates = 5/replicates = 2/; s/^neurons = 50/neurons = 20/' \
		"$SRC/examples/bio.lab" > "$T/bio.lab"
	"$LL" run "$T/bio.lab" -o "$T/bio" -q --no-report &&
		[ "$(sed -n '/"step": "tca"/,/}/s/^ *"threads": \([0-9]*\),$/\1/p' "$T/bio/results.json")" = 1 ]
	tap_result $? "beside them, a session's tca step with threads = 0 ran on 1 thread (results.json)"
	run_j2() {
		"$LL" run "$T/bio.lab" -o "$T/bio2" -q --no-report -j 2 &&
			[ "$(sed -n '/"step": "tca"/,/}/s/^ *"threads": \([0-9]*\),$/\1/p' "$T/bio2/results.json")" = 2 ]
	}
	multi "and with run -j 2 on 2" run_j2
	"$LL" rnn train -o "$T/rnn" --iters 5 --hidden 8 -q --force > /dev/null &&
		[ "$(jget threads "$T/rnn/rnn.json")" = 1 ]
	tap_result $? "beside them, rnn train runs on 1 thread (rnn.json)"
	rnn_j2() {
		"$LL" rnn train -o "$T/rnn2" --iters 5 --hidden 8 -q --force -j 2 > /dev/null &&
			[ "$(jget threads "$T/rnn2/rnn.json")" = 2 ]
	}
	multi "... and with -j 2 on 2 (rnn.json)" rnn_j2
	kill $SPIN 2> /dev/null
	SPIN=""
else
	echo "# $online CPUs: not filling them with busy processes"
fi

tap_done
