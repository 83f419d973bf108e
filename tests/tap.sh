# tests/tap.sh - TAP helpers for shell tests (sourced).
#   tap_ok NAME CMD...       passes when CMD exits 0
#   tap_fails NAME PATTERN CMD...  passes when CMD exits non-zero, prints
#                            exactly one line on stderr matching PATTERN, and
#                            does not crash (exit code < 128)
#   tap_done                 prints the plan; exit status says if all passed
TAP_N=0
TAP_FAILED=0
LL=${LL:-${top_builddir:-.}/latentlab}
SRC=${top_srcdir:-.}

tap_result() { # $1 = 0 ok, $2 = name
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=$((TAP_FAILED + 1)); fi
}

tap_ok() {
	name=$1; shift
	out=$("$@" 2>&1); rc=$?
	[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /' | head -20
	tap_result $rc "$name"
}

tap_fails() {
	name=$1; pat=$2; shift 2
	err=$("$@" 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$err" | grep -c .)
	ok=1
	if [ $rc -ne 0 ] && [ $rc -lt 128 ] && [ "$lines" -eq 1 ] && printf '%s' "$err" | grep -q -- "$pat"; then ok=0; fi
	[ $ok -eq 0 ] || echo "# rc=$rc lines=$lines stderr: $err" | head -5
	tap_result $ok "$name"
}

tap_done() {
	echo "1..$TAP_N"
	[ $TAP_FAILED -eq 0 ]
}
