#!/usr/bin/env bash
# tests/mutate.sh - the project's own mutation test: how strong is the suite?
#
# Plants the bugs listed in tests/mutants.txt one at a time and checks that
# some test notices each.  Works on a scratch copy of the working tree's
# tracked files (`git ls-files`: uncommitted edits count, untracked files
# do not), so the tree it is run from is never touched:
#
#   1. copy, ./autogen.sh, ./configure --enable-test-steps, make, and run
#      the tests the chosen mutants name, unmutated: they must pass;
#   2. for each mutant: apply its sed to a fresh copy of its file, `make`,
#      `make check TESTS="its tests"` (every test with --full), restore;
#   3. print one line per mutant and "mutation score: K of N killed (P%)".
#
# A mutant is
#   KILLED     some test failed (named), or the tests ran past the timeout
#   SURVIVED   its tests all passed: a gap in the suite (or an equivalent
#              mutant, which does not belong in the list)
#   STILLBORN  the mutated tree does not build (not a kill: pick a mutant
#              that compiles)
#   STALE      its sed changes nothing (the code moved on), changes more
#              than one line (the pattern is no longer unique), or is not
#              valid sed: fix the line in tests/mutants.txt
# Exit status 0 only if every mutant run was KILLED; 1 if any was not;
# 2 on a usage or setup error (including tests failing unmutated).
#
# Make runs with $MAKEFLAGS when it is set (`make -j2 mutate` passes its
# job server down), else with -j2.  Also `make mutate MUTATE_ARGS=...`.
set -u

prog=${0##*/}
usage() {
	cat <<EOF
usage: tests/$prog [--full] [--check] [--keep] [--list FILE] [--timeout SECS] [ID...]

Applies the mutants of tests/mutants.txt (or only the IDs given) one at a
time to a scratch copy of this tree and runs the tests each names.

  --full          run the whole suite (\`make check\`) for every mutant,
                  not just the tests listed for it
  --check         only check that every mutant applies (its sed changes
                  exactly one line of its file); builds nothing
  --keep          keep the scratch folder (logs in its mutate-logs/)
  --list FILE     read the mutants from FILE instead of tests/mutants.txt
  --timeout SECS  a mutant's test run longer than this counts as killed
                  (a hang); default 900
  -h, --help      this text

Environment: TMPDIR (where the scratch folder goes), MAKEFLAGS (default
-j2), MAKE (default make).
EOF
}

die() { echo "$prog: $*" >&2; exit 2; }

full=0 check=0 keep=0 list="" timeout_s=900
ids=()
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--check) check=1 ;;
	--keep) keep=1 ;;
	--list) [ $# -ge 2 ] || die "--list needs a file"; list=$2; shift ;;
	--list=*) list=${1#--list=} ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs seconds"; timeout_s=$2; shift ;;
	--timeout=*) timeout_s=${1#--timeout=} ;;
	-h|--help) usage; exit 0 ;;
	--) shift; ids+=("$@"); break ;;
	-*) echo "$prog: unknown option $1" >&2; usage >&2; exit 2 ;;
	*) ids+=("$1") ;;
	esac
	shift
done
case $timeout_s in ''|*[!0-9]*) die "--timeout wants whole seconds, not '$timeout_s'" ;; esac

root=$(cd "$(dirname "$0")/.." && pwd) || die "cannot find the source tree"
[ -n "$list" ] || list=$root/tests/mutants.txt
[ -r "$list" ] || die "cannot read $list"
git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "$root is not a git checkout (the scratch copy is made from git ls-files)"
MAKE=${MAKE:-make}
export MAKEFLAGS=${MAKEFLAGS--j2}
have_timeout=0
command -v timeout >/dev/null 2>&1 && have_timeout=1

# ---- read the list: ID | FILE | SED | TESTS ----------------------------
# Fields are separated by " | "; the sed expression is everything between
# the second separator and the last, so it may itself contain "|".
m_id=() m_file=() m_sed=() m_tests=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case $line in ''|*[![:space:]]*) ;; *) continue ;; esac
	trimmed=${line#"${line%%[![:space:]]*}"}
	case $trimmed in ''|'#'*) continue ;; esac
	rest=$trimmed
	id=${rest%%' | '*}; [ "$id" != "$rest" ] || die "$list:$lineno: want ID | FILE | SED | TESTS"
	rest=${rest#*' | '}
	file=${rest%%' | '*}; [ "$file" != "$rest" ] || die "$list:$lineno: want ID | FILE | SED | TESTS"
	rest=${rest#*' | '}
	tests=${rest##*' | '}; [ "$tests" != "$rest" ] || die "$list:$lineno: want ID | FILE | SED | TESTS"
	sed_e=${rest%' | '*}
	id=${id%"${id##*[![:space:]]}"}
	tests=${tests%"${tests##*[![:space:]]}"}
	case $id in *[!A-Za-z0-9._-]*|'') die "$list:$lineno: bad mutant id '$id'" ;; esac
	[ -n "$sed_e" ] || die "$list:$lineno: $id has no sed expression"
	[ -n "$tests" ] || die "$list:$lineno: $id names no tests"
	for k in "${!m_id[@]}"; do
		[ "${m_id[$k]}" != "$id" ] || die "$list:$lineno: mutant id $id used twice"
	done
	m_id+=("$id"); m_file+=("$file"); m_sed+=("$sed_e"); m_tests+=("$tests")
done < "$list"
[ ${#m_id[@]} -gt 0 ] || die "no mutants in $list"

# which to run: all, or the IDs asked for (in list order)
sel=()
if [ ${#ids[@]} -eq 0 ]; then
	sel=("${!m_id[@]}")
else
	for want in "${ids[@]}"; do
		found=""
		for k in "${!m_id[@]}"; do [ "${m_id[$k]}" = "$want" ] && found=$k; done
		[ -n "$found" ] || die "no mutant $want in $list"
		sel+=("$found")
	done
fi

# apply K SRC DST: mutant K's sed on SRC into DST.  Sets verdict=STALE and
# detail when it is not valid sed, changes nothing or changes more than one
# line; else verdict="".
apply() {
	local k=$1 src=$2 dst=$3 changed removed
	verdict="" detail=""
	if ! sed -e "${m_sed[$k]}" "$src" > "$dst" 2> "$dst.err"; then
		verdict=STALE detail="not valid sed: $(head -1 "$dst.err")"
	else
		changed=$(diff "$src" "$dst" | grep -c '^>')
		removed=$(diff "$src" "$dst" | grep -c '^<')
		if [ "$changed" -eq 0 ] && [ "$removed" -eq 0 ]; then
			verdict=STALE detail="the sed changes nothing in ${m_file[$k]}"
		elif [ "$changed" -ne 1 ] || [ "$removed" -ne 1 ]; then
			verdict=STALE detail="the sed changes $removed line(s) of ${m_file[$k]} into $changed, not one into one"
		fi
	fi
	rm -f "$dst.err"
}

for k in "${sel[@]}"; do
	f=${m_file[$k]}
	case $f in /*|../*|*/../*) die "${m_id[$k]}: FILE must be a path inside the tree, not $f" ;; esac
	[ -f "$root/$f" ] || die "${m_id[$k]}: no file $f"
done

if [ $check -eq 1 ]; then
	tmp=$(mktemp "${TMPDIR:-/tmp}/ll_mutate_check.XXXXXX") || die "cannot make a temporary file"
	nstale=0
	for k in "${sel[@]}"; do
		apply "$k" "$root/${m_file[$k]}" "$tmp"
		if [ -n "$verdict" ]; then
			nstale=$((nstale + 1))
			printf '%-9s %-26s %s\n' "$verdict" "${m_id[$k]}" "$detail"
		else
			printf '%-9s %-26s %s\n' applies "${m_id[$k]}" "$(diff "$root/${m_file[$k]}" "$tmp" | sed -n 's/^>[[:space:]]*//p' | cut -c1-70)"
		fi
	done
	rm -f "$tmp"
	echo "${#sel[@]} mutant(s), $nstale stale"
	[ $nstale -eq 0 ]
	exit
fi

# ---- the scratch copy ----------------------------------------------------
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ll_mutate.XXXXXX") || die "cannot make a scratch folder"
cleanup() {
	if [ $keep -eq 1 ]; then echo "scratch copy kept: $scratch"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tree=$scratch/tree logs=$scratch/mutate-logs pristine=$scratch/pristine
mkdir -p "$tree" "$logs" "$pristine" || die "cannot fill $scratch"

# tracked files as they are on disk now (skipping ones deleted but not yet
# committed), modes kept
( cd "$root" && git ls-files -z | while IFS= read -r -d '' f; do
	[ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf - ) | tar -xf - -C "$tree"
[ -f "$tree/configure.ac" ] || die "cannot copy the tree to $tree"

# every mutant's file must exist; keep a pristine copy of each
for k in "${sel[@]}"; do
	f=${m_file[$k]}
	[ -f "$tree/$f" ] || die "${m_id[$k]}: no file $f among git's tracked files"
	mkdir -p "$pristine/$(dirname "$f")" && cp -p "$tree/$f" "$pristine/$f" || die "cannot copy $f"
done

now() { date +%s; }
t_start=$(now)
echo "$prog: ${#sel[@]} mutant(s) from ${list#"$root"/}; scratch $scratch"
echo "$prog: building (autogen, configure --enable-test-steps, make) ..."
if ! ( cd "$tree" && ./autogen.sh && ./configure -q --enable-test-steps && "$MAKE" ) \
	> "$logs/build.log" 2>&1; then
	tail -30 "$logs/build.log" >&2
	keep=1
	die "the unmutated tree does not build (log: $logs/build.log)"
fi

# the tests to run for mutant k, as one string ("" = all of them)
tests_of() {
	if [ $full -eq 1 ] || [ "${m_tests[$1]}" = all ]; then echo ""; else echo "${m_tests[$1]}"; fi
}

# run_tests LOG TESTS: make check (TESTS="" = the whole suite); prints the
# failed tests, one per line, as their .trs names without the suffix.
# Returns make's status, 124 on a timeout.
run_tests() {
	local log=$1 t=$2 rc
	find "$tree" -name '*.trs' -type f -exec rm -f {} + 2>/dev/null
	local -a cmd=("$MAKE" check)
	[ -z "$t" ] || cmd+=("TESTS=$t")
	if [ $have_timeout -eq 1 ]; then cmd=(timeout "$timeout_s" "${cmd[@]}"); fi
	( cd "$tree" && "${cmd[@]}" ) > "$log" 2>&1
	rc=$?
	( cd "$tree" && find . -name '*.trs' -type f -exec grep -l -E '^:test-result: (FAIL|ERROR|XPASS)' {} + ) |
		sed -e 's|^\./||' -e 's|\.trs$||' | sort
	return $rc
}

# first failing TAP point of a test, for the report
first_failure() {
	local l=$tree/$1.log
	[ -f "$l" ] || return 0
	grep -m1 -E '^not ok|^Bail out' "$l" | cut -c1-90
}

# ---- the unmutated run: every test the mutants name must pass ------------
base_tests=""
if [ $full -eq 0 ]; then
	for k in "${sel[@]}"; do
		t=$(tests_of "$k")
		if [ -z "$t" ]; then base_tests=""; break; fi	# "all": the whole suite
		base_tests="$base_tests $t"
	done
	base_tests=$(printf '%s\n' $base_tests | sort -u | tr '\n' ' ')
	base_tests=${base_tests% }
fi
echo "$prog: unmutated run of ${base_tests:-the whole suite} ..."
failed=$(run_tests "$logs/unmutated.log" "$base_tests")
rc=$?
if [ $rc -ne 0 ]; then
	echo "$prog: the tests fail without any mutant (status $rc):" ${failed:-"(no test named: see the log)"} >&2
	keep=1
	die "fix the suite first (log: $logs/unmutated.log)"
fi
t_base=$(now)
echo "$prog: build and unmutated run took $((t_base - t_start)) s"

# ---- the mutants -----------------------------------------------------------
n=0 killed=0 survived=0 stillborn=0 stale=0
bad=()
for k in "${sel[@]}"; do
	id=${m_id[$k]} f=${m_file[$k]}
	n=$((n + 1))
	t0=$(now)
	log=$logs/$id.log
	apply "$k" "$pristine/$f" "$tree/$f"
	if [ -z "$verdict" ]; then
		diff -u "$pristine/$f" "$tree/$f" > "$logs/$id.diff"
		# the program and every test program, no test run: a mutant that
		# breaks the build of either is stillborn, not killed
		if ! ( cd "$tree" && "$MAKE" && "$MAKE" check TESTS= ) >> "$log" 2>&1; then
			verdict=STILLBORN detail="does not build: $(grep -m1 -E 'error' "$log" | cut -c1-100)"
		else
			t=$(tests_of "$k")
			failed=$(run_tests "$log.check" "$t")
			rc=$?
			if [ $rc -eq 124 ] && [ $have_timeout -eq 1 ]; then
				verdict=KILLED detail="timeout after ${timeout_s}s (a hang)"
			elif [ -n "$failed" ]; then
				verdict=KILLED
				detail="by $(echo $failed)"
				first=$(first_failure "$(printf '%s\n' "$failed" | head -1)")
				[ -z "$first" ] || detail="$detail: $first"
			elif [ $rc -ne 0 ]; then
				verdict=KILLED detail="make check failed (status $rc, no test named; see $id.log.check)"
			else
				verdict=SURVIVED detail="${t:-the whole suite} passed"
			fi
		fi
	fi
	cp "$pristine/$f" "$tree/$f"	# newer than the mutant's objects: rebuilt next time
	case $verdict in
	KILLED) killed=$((killed + 1)) ;;
	SURVIVED) survived=$((survived + 1)); bad+=("$id") ;;
	STILLBORN) stillborn=$((stillborn + 1)); bad+=("$id") ;;
	STALE) stale=$((stale + 1)); bad+=("$id") ;;
	esac
	printf '%-9s %-26s %4ss  %s\n' "$verdict" "$id" "$(($(now) - t0))" "$detail"
done

t_end=$(now)
pct=$(awk -v k=$killed -v n=$n 'BEGIN { printf "%.0f", n ? 100 * k / n : 0 }')
echo "mutation score: $killed of $n killed ($pct%)"
[ $survived -eq 0 ] || echo "survived: $survived"
[ $stillborn -eq 0 ] || echo "stillborn (do not build): $stillborn"
[ $stale -eq 0 ] || echo "stale (fix their lines in ${list#"$root"/}): $stale"
[ ${#bad[@]} -eq 0 ] || echo "not killed: ${bad[*]}"
echo "total time $((t_end - t_start)) s"
[ ${#bad[@]} -eq 0 ]
