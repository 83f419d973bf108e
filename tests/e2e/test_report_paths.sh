#!/bin/sh
# tests/e2e/test_report_paths.sh - the report names no folder of the
# machine it was written on (UX review D20): a session given by its
# absolute path, run from another folder, with data beside it, gives a
# report whose paths are relative to the report's folder (and the data
# step's summary quotes the path as the session file has it); and the
# finished report's steps table shows its own step done, not "writing"
# (D19).  ll_path_rel's cases are checked through the paths it gives.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_rpaths.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
case $LL in /*) ;; *) LL=$(pwd)/$LL ;; esac

mkdir -p "$T/proj/in" "$T/elsewhere" &&
	"$LL" synth -o "$T/proj/in/syn" --neurons 10 --time 8 --trials 6 >/dev/null 2>&1 ||
	{ echo "not ok 1 - synth"; echo "1..1"; exit 1; }
cat >"$T/proj/in/s.lab" <<'LAB'
[session]
name = paths
seed = 1
threads = 1
[data]
kind = npy
path = syn/data.npy
labels = syn/labels.npy
[tca]
ranks = 1-2
replicates = 2
[report]
LAB
(cd "$T/elsewhere" && "$LL" run "$T/proj/in/s.lab" -o "$T/proj/out" >/dev/null 2>"$T/err")
tap_result $? "run with an absolute session path from another folder"
R=$T/proj/out/report.md
# the quoted session file is OUTDIR/session.lab, which keeps absolute
# paths so that it replays from anywhere, and the command line is quoted
# as it was typed: fenced blocks are left out of the search
prose() { awk '/^```./ { skip = 1 } !skip { print } /^```$/ { skip = 0 }' "$1"; }
! prose "$R" | grep -q "$T"
tap_result $? "report.md names no absolute folder (D20)" || prose "$R" | grep -n "$T" | head -5 | sed 's/^/# /'
grep -q 'loaded from \.\./in/s\.lab' "$R"
tap_result $? "the session file is named from the report's folder"
grep -q 'read from \.\./in/syn/data\.npy' "$R" && grep -q 'labels from \.\./in/syn/labels\.npy' "$R"
tap_result $? "the data and labels are named from the report's folder"
grep -q '^| data  *| done  *|.*| syn/data.npy: 10x8x6  *|$' "$R"
tap_result $? "the data step's summary quotes the path as the session file has it"
sed '/<pre/,/<\/pre>/d' "$T/proj/out/report.html" | grep -q "$T"
tap_result $((! $?)) "report.html names no absolute folder either (outside the session file and the command)" ||
	sed '/<pre/,/<\/pre>/d' "$T/proj/out/report.html" | grep -o ".\{40\}$T.\{20\}" | head -3 | sed 's/^/# /'
# a session far from OUTDIR (the way from OUTDIR climbs to /): its name
S=$(cd "${top_srcdir:-.}" && pwd)
top() { echo "$1" | cut -d/ -f2; }
if [ "$(top "$S")" != "$(top "$T")" ]; then
	"$LL" run "$S/examples/bio.lab" -o "$T/far" -q >/dev/null 2>&1
	F=$T/far/report.md
	grep -q 'loaded from bio\.lab)' "$F" && ! prose "$F" | grep -q "$S"
	tap_result $? "a session file whose way from OUTDIR climbs to / is named by its file name" ||
		grep -n 'loaded from' "$F" | sed 's/^/# /'
else
	tap_result 0 "# SKIP the source tree and TMPDIR share their top folder"
fi
grep -q '^| report  *| done  *|' "$R" && ! grep -q '^| [a-z]*  *| writing  *|' "$R"
tap_result $? "the finished report shows its own step done (D19)"
tap_done
