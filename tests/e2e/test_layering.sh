#!/bin/sh
# tests/e2e/test_layering.sh - the layering rule holds on this tree, and the
# check catches what it is for: an upward include, a sideways one between
# rooms of the core, a UI header in the core, a file outside any room (TAP).
. "${top_srcdir:-.}/tests/tap.sh"

CHECK="$SRC/tests/tools/layering.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_layering.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

out=$(sh "$CHECK" "$SRC" 2>&1)
rc=$?
[ $rc -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
tap_result $rc "no layer includes a higher one (tests/tools/layering.sh)"

# plant FILE LINE: a copy of the tree with LINE appended to FILE; the check
# must fail and name FILE
plant() {
	rm -rf "$T/tree" && mkdir "$T/tree" && cp -R "$SRC/src" "$SRC/report" "$SRC/tui" "$T/tree/" || return 1
	mkdir -p "$(dirname "$T/tree/$1")"
	printf '%s\n' "$2" >> "$T/tree/$1"
	out=$(sh "$CHECK" "$T/tree" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q "^$1:"
}
plant src/tensor/ll_cp.c '#include "ll_report.h"'
tap_result $? "an upward include (core -> report) fails the check"
plant src/base/ll_common.c '#include "wb/wb.h"'
tap_result $? "an upward include (core -> workbench) fails the check"
plant src/tensor/ll_tensor.c '#include "pipeline/ll_session.h"'
tap_result $? "a core room including a higher room fails the check"
plant report/plot/ll_plot.c '#include "ll_report.h"'
tap_result $? "the plotting library including the report fails the check"
plant tui/draw/ll_canvas.c '#include "wb/wb.h"'
tap_result $? "the curses-free renderers including the workbench fail the check"
plant src/io/ll_npy.c '#include <curses.h>'
tap_result $? "curses in the core fails the check"
plant src/newroom/ll_new.c '#include "base/ll_common.h"'
tap_result $? "a file in a room the table does not know fails the check"

tap_done
