#!/bin/sh
# tests/fuzz/run.sh [SECONDS] - a time-boxed fuzz pass, for CI and by hand.
#
# Builds the libFuzzer harnesses (`make fuzz-build`: clang with
# -fsanitize=fuzzer,address,undefined), then fuzzes each for SECONDS
# (default 60), starting from the committed corpus tests/fuzz/corpus/NAME/
# (read only: new inputs go to a temporary folder).  Prints one line per
# harness with the runs executed, and a summary.
#
# Exit status: 0 if no harness found anything; 1 if one crashed, leaked,
# timed out (-timeout, 10 s), ran out of memory (-rss_limit_mb) or asked
# for one block over -malloc_limit_mb (64: the harnesses set a 16 MiB
# input limit, so a bigger block means a reader skipped its limit check):
# the input is kept in tests/fuzz/build/artifacts/ and its report
# printed; 2 if nothing could be built.
#
# Run it from a configured build folder (the source tree after configure,
# or a VPATH build).  Environment:
#   LL_FUZZ_TARGETS="npy csv"  only these harnesses
#   LL_FUZZ_WORK=DIR           keep the new inputs in DIR/NAME/ (to merge
#                              some into the committed corpus: see the
#                              notes in tests/fuzz/make_corpus.py)
#   CLANG=clang-15, MAKE=gmake
# To replay a crash: tests/fuzz/replay NAME tests/fuzz/build/artifacts/NAME-crash-...
# (the ordinary build) or tests/fuzz/build/fuzz_NAME FILE.
set -u
secs=${1:-60}
case $secs in ''|*[!0-9]*) echo "usage: tests/fuzz/run.sh [SECONDS]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/corpus
build=tests/fuzz/build
art=$build/artifacts
make=${MAKE:-make}

if [ ! -f Makefile ]; then
	echo "tests/fuzz/run.sh: run it from a configured build folder (no Makefile here)" >&2
	exit 2
fi
$make -s fuzz-build ${CLANG:+CLANG="$CLANG"} || exit 2

targets=${LL_FUZZ_TARGETS:-$(cd "$corpus" && ls)}
work=${LL_FUZZ_WORK:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ll_fuzz.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
[ -n "$work" ] || work=$tmp/corpus
mkdir -p "$art" "$work" || exit 2

failed=0 total=0 n=0
for t in $targets; do
	bin=$build/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz $t: no harness $bin" >&2
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$work/$t"
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	log=$tmp/$t.log
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=64 \
		-print_final_stats=1 -artifact_prefix="$art/$t-" $dict "$work/$t" "$corpus/$t" > "$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
	ncorp=$(ls "$work/$t" | wc -l)
	runs=${runs:-0}
	total=$((total + runs))
	n=$((n + 1))
	rate=$((runs / (secs > 0 ? secs : 1)))
	if [ $rc -eq 0 ]; then
		printf 'fuzz %-8s %10s runs in %ss (%s/s), %s new inputs, peak RSS %s MB: ok\n' \
			"$t" "$runs" "$secs" "$rate" "$((ncorp))" "${rss:-?}"
	else
		failed=$((failed + 1))
		printf 'fuzz %-8s %10s runs: FAILED (exit %s)\n' "$t" "$runs" "$rc"
		grep -E 'ERROR: |SUMMARY: |LL_FUZZ_CHECK|Test unit written|runtime error|==[0-9]+==' "$log" | head -12 | sed 's/^/    /'
	fi
done
echo "fuzz: $n harnesses, $total runs, $failed failed (artifacts in $art/)"
[ $failed -eq 0 ]
