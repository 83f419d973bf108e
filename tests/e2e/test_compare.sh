#!/bin/sh
# tests/e2e/test_compare.sh - `latentlab compare` end to end (TAP): the
# published CKA demo numbers through the CLI, --json holding one object and
# nothing else, X vs X, CSV and 3-D inputs, seeded permutations, --all
# writing its matrices, maps and summary.json, and bad input of every kind:
# one line on stderr, exit 1 (or 2 for usage), no crash.
. "${top_srcdir:-.}/tests/tap.sh"

DX=$SRC/tests/data/cka_demo_x.npy
DY=$SRC/tests/data/cka_demo_y.npy
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_compare.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# exit_is NAME CODE CMD...
exit_is() {
	name=$1 code=$2
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	[ $rc -eq "$code" ] || echo "# exit status $rc, expected $code"
	[ $rc -eq "$code" ]
	tap_result $? "$name"
}

# json_val FILE KEY: the number after "KEY": in a one-line JSON object
json_val() {
	sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" "$1"
}

# csv_table FILE ROWS COLS SEED [CONSTCOL]: a numeric table from awk's generator
csv_table() {
	awk -v r="$2" -v c="$3" -v s="$4" -v k="${5:--1}" 'BEGIN {
		srand(s)
		for (i = 0; i < r; i++) {
			line = ""
			for (j = 0; j < c; j++) {
				v = (j == k) ? 1.5 : rand() * 2 - 1 + (j % 3) * 0.1 * i
				line = line (j ? "," : "") sprintf("%.6f", v)
			}
			print line
		}
	}' > "$1"
}

# ---- help ----------------------------------------------------------------------
tap_ok "compare --help" "$LL" compare --help
"$LL" compare --help | grep -q -- '--permutations'
tap_result $? "compare --help lists the options"

# ---- the CKA demo numbers (Kornblith et al.) ---------------------------------------
"$LL" compare "$DX" "$DY" --json > "$T/demo.json" 2> "$T/demo.err"
tap_result $? "compare X Y --json exits 0"
[ "$(wc -l < "$T/demo.json")" -eq 1 ] && [ ! -s "$T/demo.err" ] && grep -q '^{.*}$' "$T/demo.json"
tap_result $? "--json prints one JSON object and nothing else"
ok=0
for m in cka cka-rbf cka-debiased cca svcca pwcca rsa procrustes angular match; do
	grep -q "\"$m\":" "$T/demo.json" || { echo "# no key $m"; ok=1; }
done
tap_result $ok "--json has a key per metric"
# 5 decimals as the demo prints them
ok=0
for kv in cka=0.55761 cka-rbf=0.65483 cka-debiased=0.51346; do
	k=${kv%%=*} want=${kv#*=}
	got=$(printf '%.5f' "$(json_val "$T/demo.json" "$k")")
	[ "$got" = "$want" ] || { echo "# $k: $got, want $want"; ok=1; }
done
tap_result $ok "the CLI reproduces the demo's CKA numbers"

"$LL" compare "$DX" "$DX" --json > "$T/self.json"
ok=0
for m in cka cka-rbf cka-debiased cca svcca pwcca rsa match; do
	v=$(json_val "$T/self.json" "$m")
	awk -v v="$v" 'BEGIN { exit !(v > 0.9999999999 && v < 1.0000000001) }' || { echo "# $m = $v"; ok=1; }
done
for m in procrustes angular; do
	v=$(json_val "$T/self.json" "$m")
	awk -v v="$v" 'BEGIN { exit !(v < 1e-10 && v > -1e-10) }' || { echo "# $m = $v"; ok=1; }
done
tap_result $ok "X vs X: similarities 1, distances 0"

"$LL" compare "$DX" "$DY" -m cka,rsa > "$T/table.txt"
grep -q '^cka  *0.557613  *similarity' "$T/table.txt" && ! grep -q '^procrustes' "$T/table.txt"
tap_result $? "--metrics picks the rows of the table"

# ---- significance, seeded ----------------------------------------------------------
"$LL" compare "$DX" "$DY" -m cka,procrustes -p 49 -b 50 -s 7 --json > "$T/p1.json"
"$LL" compare "$DX" "$DY" -m cka,procrustes -p 49 -b 50 -s 7 --json > "$T/p2.json"
cmp -s "$T/p1.json" "$T/p2.json" && grep -q '"p":{"cka":0.02,"procrustes":0.02}' "$T/p1.json" &&
	grep -q '"ci":{"cka":\[' "$T/p1.json"
tap_result $? "permutation p-values and bootstrap intervals, reproducible by seed"

# ---- CSV and 3-D inputs ------------------------------------------------------------
csv_table "$T/a.csv" 20 5 1
csv_table "$T/b.csv" 20 7 2
tap_ok "CSV inputs of different widths" "$LL" compare "$T/a.csv" "$T/b.csv"
csv_table "$T/c.csv" 20 5 3 2
tap_fails "a constant unit is refused" "c.csv: unit 2 (column 2) is constant over the 20 conditions" \
	"$LL" compare "$T/a.csv" "$T/c.csv"
"$LL" compare "$T/a.csv" "$T/c.csv" --drop-constant --json > "$T/drop.json" 2> "$T/drop.err"
[ $? -eq 0 ] && grep -q 'c.csv: 1 constant unit left out' "$T/drop.err" && grep -q '"cka":' "$T/drop.json"
tap_result $? "--drop-constant leaves it out and says so on stderr"
D3=$SRC/tests/data/fortran_i2_be_3d.npy
tap_fails "a 3-D array needs --flatten" "3-D array (2x3x4); say how" "$LL" compare "$D3" "$D3"
tap_ok "--flatten stack: condition-time rows" "$LL" compare "$D3" "$D3" --flatten stack -m cka
tap_fails "--flatten mean leaves 2 conditions" "2 conditions (rows); at least 3 needed" \
	"$LL" compare "$D3" "$D3" --flatten mean -m cka
tap_fails "an 8-D array" "8-D array" "$LL" compare "$SRC/tests/data/ref_f8_2x1x3x1x2x1x1x2.npy" "$DX"

# ---- bad inputs ----------------------------------------------------------------------
tap_fails "different numbers of conditions" "has 100 conditions (rows) but .*ref_f8_3x4.npy has 3" \
	"$LL" compare "$DX" "$SRC/tests/data/ref_f8_3x4.npy"
tap_fails "Inf in an input" "f8_le.npy: Inf at condition 2, unit 2" \
	"$LL" compare "$SRC/tests/data/f8_le.npy" "$SRC/tests/data/ref_f8_3x4.npy" -m cka,rsa
tap_fails "3 conditions and cka-debiased" "ref_f8_3x4.npy: 3 conditions (rows); cka-debiased needs at least 4" \
	"$LL" compare "$SRC/tests/data/ref_f8_3x4.npy" "$SRC/tests/data/ref_f8_3x4.npy"
{ echo "1,2"; echo "3,NaN"; echo "0,1"; echo "2,5"; } > "$T/nan.csv"
tap_fails "NaN in an input" "nan.csv: NaN at condition 1, unit 1 (row 1, column 1)" \
	"$LL" compare "$T/nan.csv" "$T/nan.csv"
csv_table "$T/two.csv" 2 4 5
tap_fails "fewer than 3 conditions" "two.csv: 2 conditions (rows); at least 4 needed" \
	"$LL" compare "$T/two.csv" "$T/two.csv"
tap_fails "a missing file" "nope.npy" "$LL" compare "$T/nope.npy" "$DX"
tap_fails "an unknown metric" "unknown metric 'ckaa'" "$LL" compare "$DX" "$DY" -m cka,ckaa
tap_fails "alpha out of range" "--alpha: expected a number in \[0, 1\], got '1.5'" \
	"$LL" compare "$DX" "$DY" --alpha 1.5
tap_fails "a bad --rdm" "--rdm: expected correlation, euclidean or cosine" "$LL" compare "$DX" "$DY" --rdm foo
tap_fails "one array only" "missing Y" "$LL" compare "$DX"
tap_fails "-o without --all" "-o OUTDIR goes with --all" "$LL" compare "$DX" "$DY" -o "$T/x"
tap_fails "--all without -o" "--all needs -o OUTDIR" "$LL" compare --all "$DX" "$DY"
tap_fails "an unknown option" "unknown option '--frob'" "$LL" compare "$DX" "$DY" --frob
exit_is "usage errors exit 2" 2 "$LL" compare "$DX" "$DY" --alpha x
exit_is "input errors exit 1" 1 "$LL" compare "$DX" "$SRC/tests/data/ref_f8_3x4.npy"
# RSA on a condition with one value in every unit
{ echo "1,2,3"; echo "2,2,2"; echo "0,1,5"; echo "3,1,0"; echo "1,4,1"; } > "$T/flat.csv"
tap_fails "a constant pattern under correlation RDMs" "rsa: .*flat.csv: condition 1 has the same value in every unit" \
	"$LL" compare "$T/flat.csv" "$T/flat.csv" -m rsa

# ---- --all ---------------------------------------------------------------------------
mkdir "$T/sys"
cp "$DX" "$DY" "$T/sys/"
csv_table "$T/sys/w.csv" 100 4 9
echo "not an array" > "$T/sys/README"
"$LL" compare --all "$T/sys" -o "$T/out" -m cka,procrustes,rsa > "$T/all.txt" 2>&1
tap_result $? "--all on a directory exits 0"
ok=0
for f in cka.npy cka.csv cka_mds.npy cka_mds.csv procrustes.npy rsa_mds.csv summary.json; do
	[ -s "$T/out/$f" ] || { echo "# missing $f"; ok=1; }
done
[ ! -e "$T/out/cca.npy" ] || ok=1
tap_result $ok "--all writes the matrix and map of each metric asked, and summary.json"
[ "$(sed -n 2p "$T/out/cka.csv" | cut -d, -f2)" = 1 ] && [ "$(wc -l < "$T/out/cka.csv")" -eq 4 ] &&
	grep -q '"stress"' "$T/out/summary.json" && grep -q '"mds": "classical"' "$T/out/summary.json"
tap_result $? "the CSV matrix has a header and a unit diagonal; summary.json has the stress"
"$LL" compare --all "$DX" "$DY" "$T/sys/w.csv" -o "$T/out" -m cka,procrustes,rsa > /dev/null 2>&1
tap_result $? "--all reruns into its own OUTDIR"
mkdir "$T/theirs" && echo x > "$T/theirs/keep.txt"
tap_fails "--all refuses a folder latentlab did not make" "theirs" \
	"$LL" compare --all "$DX" "$DY" -o "$T/theirs"
[ -f "$T/theirs/keep.txt" ] && [ ! -e "$T/theirs/cka.npy" ]
tap_result $? "... and leaves it alone"
mkdir "$T/one" && cp "$DX" "$T/one/"
tap_fails "--all on a directory with one array" "one: 1 array file" "$LL" compare --all "$T/one" -o "$T/o2"
tap_fails "--all with systems of different n" "has 3" \
	"$LL" compare --all "$DX" "$DY" "$SRC/tests/data/ref_f8_3x4.npy" -o "$T/o3"
[ ! -e "$T/o3" ]
tap_result $? "... and writes nothing"

tap_done
