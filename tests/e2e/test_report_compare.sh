#!/bin/sh
# tests/e2e/test_report_compare.sh - the report's Comparison section from a
# small session with a [compare] step, run by the CLI (TAP): its heading and
# contents entry, the invariance table (every metric of the registry), the
# three figures as PNGs with CSVs of the right shapes (models x models per
# metric, a row per model, a row per snapshot), the population table, and
# no "nan" or "inf" printed anywhere.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_repcmp.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# session FILE COMPARE-LINES: 4 small MLPs at two learning rates, 5 probe
# images per digit logged
session() {
	cat > "$1" <<EOS
[session]
name = repcmp
seed = 2
threads = 2

[data]
kind = mnist
path = $DATA

[train]
models = 4
hidden = 16
epochs = 1
train_images = 500
log_every = 8
probe_per_class = 5
probe_activity = 5
lr = 0.02,0.1

[compare]
$2

[report]
EOS
}

# npy_shape FILE: the shape tuple in a .npy header, e.g. "(4, 4, 9)"
npy_shape() {
	head -c 128 "$1" | tr -d '\000' | LC_ALL=C sed -n "s/.*'shape': \(([0-9, ]*)\).*/\1/p"
}

# csv_shape FILE: "ROWS FIELDS" (data rows, fields per row), or "bad" when
# the rows do not all have the header's number of fields
csv_shape() {
	awk -F, 'NR == 1 { f = NF } NF != f { bad = 1 } END { if (bad) print "bad"; else print NR - 1, f }' "$1"
}

# is_png FILE: starts with the PNG signature
is_png() {
	[ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]
}

# no_bad_numbers FILE...: no "nan" or "inf" as a word (a number printed unchecked)
no_bad_numbers() {
	! grep -n -i -E '(^|[^a-z])(nan|inf)([^a-z]|$)' "$@"
}

# section HTML OUT: the Comparison section of report.html HTML into OUT,
# without its figures' data: URIs (other sections may say NaN, e.g. the
# data's missing entries)
section() {
	awk '/^<h2><a id="compare"><\/a>/ { on = 1; print; next } /^<h2>/ { on = 0 } on' "$1" |
		sed 's/"data:[^"]*"/""/g' > "$2"
	[ -s "$2" ]
}

METRICS="cka cka-rbf cka-debiased cca svcca pwcca rsa procrustes angular match"

tap_ok "synth --conditions 10: a population with digit labels" \
	"$LL" synth --conditions 10 --trials 60 --neurons 30 --time 6 -o "$T/pop"

# ---- probe images, four metrics, a population ---------------------------------
session "$T/a.lab" "conditions = probe
metrics = cka,svcca,rsa,angular
with = $T/pop/data.npy
permutations = 20
bootstrap = 20"
tap_ok "run a session with [compare] and a population" "$LL" run "$T/a.lab" -o "$T/a" -q
# the markup (tables, anchors, captions) is checked in report.html, which
# keeps it; report.md is plain Markdown
MD=$T/a/report.html
F=$T/a/figures

grep -q '^<h2><a id="compare"></a>[0-9]*\. Comparison</h2>$' "$MD" && grep -q 'href="#compare"' "$MD" &&
	grep -q '^## [0-9]*\. Comparison$' "$T/a/report.md" && grep -q '^[0-9]*\. \[Comparison\](#[0-9]*-comparison)$' "$T/a/report.md"
tap_result $? "report: the Comparison heading and its contents entry"
grep -q '<li><strong>Comparison:</strong> 4 models on 50 probe images x 16 units' "$MD"
tap_result $? "report: a Comparison bullet at a glance"

# the invariance table: its columns, and one row per metric of the registry,
# the computed ones highlighted
grep -q '<th>rotation</th><th>isotropic scaling</th><th>invertible linear maps</th><th>permutation of units</th>' "$MD"
tap_result $? "invariance table: rotation, scaling, linear maps, permutation"
ok=0
for m in $METRICS; do
	case " cka svcca rsa angular " in
	*" $m "*) grep -q "^<tr class=\"chosen\"><td>$m</td>" "$MD" || { echo "# no highlighted row $m"; ok=1; } ;;
	*) grep -q "^<tr><td>$m</td><td>" "$MD" || { echo "# no row $m"; ok=1; } ;;
	esac
done
tap_result $ok "invariance table: a row per metric, the four computed highlighted"
grep -q '^<tr class="chosen"><td>cka</td><td>linear CKA (<a href="#ref-kornblith2019">Kornblith et al. 2019</a>)</td><td>similarity (1 = same)</td><td>yes</td><td>yes</td><td>no</td><td>yes</td>' "$MD"
tap_result $? "invariance table: CKA ignores rotation, scaling, permutation, not linear maps"

# the figures: PNGs placed in the report, CSVs beside them
ok=0
for f in compare_matrices compare_mds compare_training; do
	is_png "$F/$f.png" || { echo "# $f.png missing or not a PNG"; ok=1; }
	[ -s "$F/$f.csv" ] || { echo "# $f.csv missing"; ok=1; }
	grep -q "^!\[.*\](figures/$f.png)$" "$T/a/report.md" || { echo "# $f not placed"; ok=1; }
	grep -q "<figure id=\"fig-$f\">" "$MD" || { echo "# $f not placed in the HTML"; ok=1; }
done
tap_result $ok "figures: compare_matrices, compare_mds, compare_training as PNG + CSV, placed"

S=$(npy_shape "$T/a/compare/over.npy" | sed 's/(4, 4, \([0-9]*\))/\1/')
[ -n "$S" ] && [ "$S" -gt 1 ]
tap_result $? "the step tracked $S snapshots"
[ "$(csv_shape "$F/compare_matrices.csv")" = "16 7" ]
tap_result $? "compare_matrices.csv: 4 metrics x 4 models rows, metric, model, rate + 4 columns"
head -1 "$F/compare_matrices.csv" | grep -q '^metric,model,learning_rate,model_0,model_2,model_1,model_3$'
tap_result $? "compare_matrices.csv: models ordered by learning rate"
[ "$(csv_shape "$F/compare_mds.csv")" = "4 4" ]
tap_result $? "compare_mds.csv: a row per model, model, rate, two coordinates"
[ "$(csv_shape "$F/compare_training.csv")" = "$S 15" ]
tap_result $? "compare_training.csv: a row per snapshot; pairs, self and population per model"
grep -q 'compare_matrices.csv</a> (16 rows)' "$MD" && grep -q "compare_training.csv</a> ($S rows)" "$MD"
tap_result $? "the captions state the CSVs' rows"
# the matrices' diagonal: cka 1, angular 0
awk -F, '$1 == "cka" && $2 == 0 { exit !($4 == 1) } $1 == "angular" && $2 == 0 { exit !($4 == 0) }' "$F/compare_matrices.csv"
tap_result $? "compare_matrices.csv: a model against itself is 1 (cka) and 0 (angular)"

# MDS, training, population
grep -q 'MDS of cka dissimilarities; stress [0-9]' "$MD"
tap_result $? "the MDS caption gives the method and the stress"
grep -q -E 'settled at step [0-9]+|did not change over training' "$MD"
tap_result $? "over training: when the pairs' mean settled"
grep -q '<a id="compare-population"></a>Against the population' "$MD" &&
	grep -q 'permutation test over conditions (20 shuffles' "$MD" &&
	grep -q '<th class="num">models with p &lt; 0.05</th>' "$MD"
tap_result $? "population: a table with p-values over 20 permutations"
grep -q '^<tr class="chosen"><td>cka</td><td class="num">[0-9.-]*</td>.*\[[0-9.-]*, [0-9.-]*\]' "$MD"
tap_result $? "population: CKA's row with an interval"
section "$MD" "$T/a.sec" && no_bad_numbers "$T/a.sec" "$F"/compare_*.csv
tap_result $? "no nan or inf in the section or the CSVs"
[ "$(grep -c 'data:image/png;base64,' "$T/a/report.html")" -ge 1 ] &&
	! grep -q 'src="figures/' "$T/a/report.html"
tap_result $? "report.html embeds the figures"

# ---- digit means, default metrics, no population ------------------------------
session "$T/b.lab" ""
tap_ok "run a session with a bare [compare]" "$LL" run "$T/b.lab" -o "$T/b" -q
grep -q '<li><strong>Comparison:</strong> 4 models on 10 digit means x 16 units' "$T/b/report.html"
tap_result $? "digit means: said at a glance"
[ "$(csv_shape "$T/b/figures/compare_training.csv")" = "$S 10" ] &&
	! grep -q 'compare-population' "$T/b/report.html"
tap_result $? "no population: no population columns, no population part"
section "$T/b/report.html" "$T/b.sec" && no_bad_numbers "$T/b.sec" "$T/b/figures"/compare_*.csv
tap_result $? "no nan or inf"

# ---- a rerun without [compare] removes its figures -----------------------------
sed '/^\[compare\]$/d' "$T/b.lab" > "$T/c.lab"
"$LL" run "$T/c.lab" -o "$T/b" -q > /dev/null 2>&1
[ ! -e "$T/b/figures/compare_matrices.png" ] && [ ! -e "$T/b/figures/compare_training.csv" ] &&
	! grep -q 'href="#compare"' "$T/b/report.html" && ! grep -q 'Comparison' "$T/b/report.md"
tap_result $? "a rerun without [compare]: no Comparison section, its figures removed"

tap_done
