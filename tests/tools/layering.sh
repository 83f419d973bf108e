#!/bin/sh
# tests/tools/layering.sh [TOP] - check that no layer includes a higher one.
#
# Data flows one way: loaders -> tensors -> analyses -> pipeline -> report
# -> workbench -> CLI.  Every #include "..." in src/, report/ and tui/ is
# resolved against the include roots (src, report, tui) and must name a
# room the including file's room may use (the table below).  The core must
# not include curses, libpng or cmark headers either.  Prints one line per
# violation (FILE:LINE: ROOM may not include "PATH" (ROOM)) and exits 1 if
# there is any.  A new room is one line in the table.
top=${1:-.}
cd "$top" || exit 2

# room: the rooms it may include (besides itself)
allowed() {
	case $1 in
	src/base) echo "" ;;
	src/linalg) echo "src/base" ;;
	src/tensor) echo "src/base src/linalg" ;;
	src/io) echo "src/base src/linalg src/tensor" ;;
	src/nn) echo "src/base src/linalg src/tensor src/io" ;;
	src/pca) echo "src/base src/linalg src/tensor" ;;
	src/sim) echo "src/base src/linalg src/tensor src/io" ;;
	src/similarity) echo "src/base src/linalg src/tensor" ;;
	src/dynamics) echo "src/base src/linalg src/tensor src/io src/nn src/similarity" ;;
	src/cluster) echo "src/base src/linalg src/tensor src/io" ;;
	src/pipeline) echo "src/*" ;;
	report/plot) echo "src/base" ;;
	report) echo "src/* report/plot" ;;
	tui/draw) echo "src/base" ;;
	tui/wb) echo "src/* report report/plot tui/draw" ;;
	tui/cli) echo "src/* report report/plot tui/draw tui/wb" ;;
	*) echo "?" ;;
	esac
}

# the room of a file: src/<room>, report/plot or report, tui/<room>;
# pipeline's steps/ and kinds/ and report's sections/ belong to their room
room_of() {
	case $1 in
	src/pipeline/*) echo src/pipeline ;;
	src/*/*) echo "$1" | cut -d/ -f1-2 ;;
	report/plot/*) echo report/plot ;;
	report/*) echo report ;;
	tui/*/*) echo "$1" | cut -d/ -f1-2 ;;
	*) echo "?" ;;
	esac
}

bad=0
tmpbad=$(mktemp "${TMPDIR:-/tmp}/ll_layering.XXXXXX") || exit 2
trap 'rm -f "$tmpbad"' EXIT
for f in $(find src report tui -name '*.[ch]' -o -name '*.def' | sort); do
	from=$(room_of "$f")
	ok=$(allowed "$from")
	if [ "$ok" = "?" ]; then
		echo "$f: not in a known room (add it to tests/tools/layering.sh)"
		bad=1
		continue
	fi
	grep -n '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r line; do
		n=${line%%:*}
		inc=$(printf '%s\n' "$line" | sed -n 's/.*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p')
		case $inc in
		'<curses.h>'|'<ncurses.h>'|'<png.h>'|'<cmark.h>')
			case $from in src/*)
				echo "$f:$n: $from may not include $inc (the core has no UI or report code)"
				echo x >> "$tmpbad" ;;
			esac
			continue ;;
		'"config.h"'|'<'*) continue ;;
		esac
		path=${inc#\"}
		path=${path%\"}
		# resolve as the compiler does: the roots, in the library's order
		target=""
		for r in src report tui; do
			if [ -f "$r/$path" ]; then target="$r/$path"; break; fi
		done
		if [ -z "$target" ]; then
			echo "$f:$n: cannot resolve \"$path\" against src/, report/, tui/ (write includes from a root)"
			echo x >> "$tmpbad"
			continue
		fi
		to=$(room_of "$target")
		[ "$to" = "$from" ] && continue
		hit=0
		for a in $ok; do
			case $to in $a) hit=1 ;; esac
		done
		if [ $hit -eq 0 ]; then
			echo "$f:$n: $from may not include \"$path\" ($to)"
			echo x >> "$tmpbad"
		fi
	done
done
[ -s "$tmpbad" ] && bad=1
exit $bad
