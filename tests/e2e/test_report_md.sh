#!/bin/sh
# tests/e2e/test_report_md.sh - report.md reads in a terminal and the
# report says what made it (TAP): pipe tables, prose wrapped near 80
# columns, no raw HTML outside code; every "Figure N" of report.html links
# to a figure that is there; the provenance gives each input file's SHA-256
# as sha256sum computes it, the build's commit, and the command line,
# quoted so that it runs again; the references list the methods cited, and
# only those.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_report_md.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
case $LL in /*) ;; *) LL=$(pwd)/$LL ;; esac
SRC=$(cd "${top_srcdir:-.}" && pwd)

# a session that reads a data file; its output folder has a space and a
# quote in its name, so the command line needs quoting
cp "$SRC/examples/data/planted.npy" "$T/planted data.npy"
printf '%s\n' '[session]' 'name = md' 'seed = 5' '[data]' 'kind = npy' 'path = planted data.npy' \
	'[tca]' 'ranks = 1-3' 'replicates = 2' '[trajectory]' '[report]' > "$T/s.lab"
OUT="$T/it's out"
tap_ok "run a session on a .npy file" "$LL" run "$T/s.lab" -o "$OUT" -q
MD=$OUT/report.md
H=$OUT/report.html

# ---- report.md: Markdown for a terminal --------------------------------------
grep -q '^| [a-z]' "$MD" && grep -q -E '^\| -+:? \|( -+:? \|)+$' "$MD"
tap_result $? "report.md has pipe tables (| --- | rows)"
! grep -q -E '<table|<tr>|<td|<figure|<p class|<nav|<a id' "$MD"
tap_result $? "report.md has no HTML tables, figures, paragraphs or anchors"
# prose: every line outside code blocks, tables and image lines
awk '/^```/ { code = !code; next } code || /^\|/ || /^!\[/ { next } { print }' "$MD" > "$T/prose"
awk -v max=100 '{ n = length($0) } n > max { print "# " n ": " substr($0, 1, 60); bad++ } END { exit bad > 0 }' "$T/prose"
tap_result $? "no line of prose longer than 100 columns"
awk 'length($0) > 80 { n++ } END { exit n > 3 }' "$T/prose" && [ "$(awk 'length($0) > 70' "$T/prose" | wc -l)" -ge 5 ]
tap_result $? "prose is wrapped near 80 columns (full lines, at most 3 longer)"
! grep -q -E '<[a-zA-Z/][a-z]*[ >]' "$T/prose"
tap_result $? "no raw HTML in the prose"
grep -q '^## 1\. Session$' "$MD" && grep -q '^1\. \[Session\](#1-session)$' "$MD"
tap_result $? "headings are plain, the contents link to GitHub's heading ids"
grep -q -E '^!\[Figure 1: .*\]\(figures/[a-z_]+\.png\)$' "$MD" && grep -q '^\*\*Figure 1:\*\* ' "$MD"
tap_result $? "figures are images with a 'Figure N:' caption"

# ---- report.html: Figure N links to its figure ----------------------------------
grep -o 'href="#fig-[a-z_]*">Figure [0-9]*<' "$H" | sort -u > "$T/figrefs"
ok=0
[ "$(wc -l < "$T/figrefs")" -ge 3 ] || ok=1
while IFS= read -r l; do
	id=$(printf '%s\n' "$l" | sed 's/href="#\(fig-[a-z_]*\)".*/\1/')
	n=$(printf '%s\n' "$l" | sed 's/.*>Figure \([0-9]*\)</\1/')
	# the anchor exists, and its caption has the same number
	grep -q "<figure id=\"$id\">" "$H" || { echo "# no anchor $id"; ok=1; }
	sed -n "/<figure id=\"$id\">/,/<\/figure>/p" "$H" | grep -q "<figcaption><b>Figure $n:</b>" ||
		{ echo "# $id is not Figure $n"; ok=1; }
done < "$T/figrefs"
tap_result $ok "every 'Figure N' in report.html links to figure N's anchor ($(wc -l < "$T/figrefs") links)"
ok=0
for id in $(grep -o 'id="fig-[a-z_]*"' "$H" | sed 's/id="\(.*\)"/\1/'); do
	grep -q "<div class=\"zoom\" id=\"full-${id#fig-}\"><a class=\"open\" href=\"#full-${id#fig-}\"" "$H" ||
		{ echo "# $id has no full-size link"; ok=1; }
done
tap_result $ok "every figure links to its full-size view"
grep -q '<summary>Seeds and results of every fit at the chosen rank</summary>' "$H" &&
	grep -q '<summary>The session file</summary>' "$H"
tap_result $? "seeds and the session file are folded in <details>"

# a long table (a row per rank of 16) is folded in the HTML, open in report.md
printf '%s\n' '[session]' 'name = long' '[data]' 'kind = synth' 'neurons = 10' 'time = 8' 'trials = 6' \
	'[tca]' 'ranks = 1-16' 'replicates = 1' 'max_iter = 20' '[report]' > "$T/long.lab"
"$LL" run "$T/long.lab" -o "$T/long" -q 2> /dev/null &&
	grep -q '^<details class="tbl-fold"><summary>Per rank: .* (16 rows)</summary>$' "$T/long/report.html" &&
	! grep -q 'tbl-fold\|<details' "$T/long/report.md" && [ "$(grep -c -E '^\| +[0-9]+ \| ' "$T/long/report.md")" -ge 16 ]
tap_result $? "a table of 16 rows is folded in report.html, open in report.md"

# ---- provenance ----------------------------------------------------------------
for f in "$T/s.lab" "$T/planted data.npy"; do
	sum=$(sha256sum "$f" | cut -d' ' -f1)
	# named from the report's folder (UX review D20)
	grep -F "| \`$sum\` |" "$MD" | grep -q -F "| ../$(basename "$f") "
	tap_result $? "provenance: SHA-256 of $(basename "$f") as sha256sum gives it ($sum)"
done
[ "$(grep -c -E '`[0-9a-f]{64}`' "$MD")" -eq 2 ]
tap_result $? "provenance: two input files, two 64-hex checksums"
commit=$(sed -n 's/^| build commit (git describe) | `\([^`]*\)` *|$/\1/p' "$MD")
if [ -e "$SRC/.git" ] && command -v git > /dev/null; then
	hash=$(printf '%s\n' "$commit" | sed -E 's/-dirty$//; s/.*-g([0-9a-f]+)$/\1/')
	printf '%s\n' "$hash" | grep -q -E '^[0-9a-f]{7,40}$' && git -C "$SRC" cat-file -e "$hash^{commit}" 2>/dev/null
else
	[ "$commit" = unknown ]
fi
tap_result $? "provenance: the build's commit ($commit)"
cmd=$(awk '/^### Command$/ { on = 1 } on && /^latentlab / { print; exit }' "$MD")
[ "$cmd" = "latentlab run $T/s.lab -o '$T/it'\''s out' -q" ]
tap_result $? "provenance: the command line, quoted ($cmd)"
# run it again as written: the same figures' data
rm -rf "$OUT/figures"
eval "\"\$LL\" ${cmd#latentlab }" > /dev/null 2>&1 && [ -s "$OUT/figures/tca_rank.csv" ]
tap_result $? "the command line runs again from a shell"

# ---- references ------------------------------------------------------------------
grep -q '^## [0-9]*\. References$' "$MD" && grep -q '^- Williams AH, Kim TH' "$MD" && grep -q '^- Kolda TG, Bader BW' "$MD" &&
	grep -q 'id="ref-williams2018"' "$H" && grep -q '<a href="#ref-williams2018">Williams et al. 2018</a>' "$H"
tap_result $? "references: TCA's, cited in the text and linked"
! grep -q -E 'Kornblith S|Ostrow M|Stringer C|Chi EC' "$MD"
tap_result $? "references: no method the report did not use"

tap_done
