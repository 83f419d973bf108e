#!/bin/sh
# tests/e2e/test_cli.sh - end-to-end tests of the latentlab command line (TAP):
# --help everywhere, `info` on the bundled tensor, a `tca` run on it (files,
# summary.json, table, the planted elbow, reproducibility), and bad input
# of every kind: one line on stderr, exit 1 or 2, no crash, no output.
# Bad files are made here, in a temporary directory removed at exit.
. "${top_srcdir:-.}/tests/tap.sh"

PLANTED=$SRC/examples/data/planted.npy
MAKE_PLANTED=${top_builddir:-.}/examples/data/make_planted
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# exit_is NAME CODE CMD...: passes when CMD exits with CODE
exit_is() {
	name=$1 code=$2
	shift 2
	"$@" >/dev/null 2>&1
	rc=$?
	[ $rc -eq "$code" ] || echo "# exit status $rc, expected $code"
	[ $rc -eq "$code" ]
	tap_result $? "$name"
}

# mknpy FILE DESCR SHAPE: a .npy v1.0 header; the caller appends the data
mknpy() {
	h="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
	n=$(( (10 + ${#h} + 1 + 63) / 64 * 64 - 10 ))
	pad=$(( n - ${#h} - 1 ))
	{
		printf '\223NUMPY\001\000'
		printf "\\$(printf %03o $((n % 256)))\\$(printf %03o $((n / 256)))"
		printf "%s%${pad}s\\n" "$h" ''
	} > "$1"
}

# f8 VALUE COUNT: COUNT little-endian doubles (one, nan, inf)
f8() {
	case $1 in
	one) b='\000\000\000\000\000\000\360\077' ;;
	nan) b='\000\000\000\000\000\000\370\177' ;;
	inf) b='\000\000\000\000\000\000\360\177' ;;
	esac
	i=0
	while [ $i -lt "$2" ]; do
		printf "$b"
		i=$((i + 1))
	done
}

# the Nth (1-based) value of a numeric "key" in a summary.json
json_nth() {
	grep "\"$2\":" "$1" | sed -n "${3}p" | sed 's/.*: *//; s/,$//'
}

# ---- help and version ---------------------------------------------------------

tap_ok "latentlab --help" "$LL" --help
tap_ok "latentlab --version" "$LL" --version
tap_ok "info --help" "$LL" info --help
tap_ok "tca --help" "$LL" tca --help
"$LL" tca --help 2>/dev/null | grep -q -- '--replicates'
tap_result $? "tca --help lists the options on stdout"
"$LL" --help 2>/dev/null | grep -q 'tca'
tap_result $? "latentlab --help lists tca"
# the command list is tui/cli/commands.def: --help lists it in that order,
# and every command answers --help on stdout with status 0
sed -n 's/^LL_CMD(\(.*\))$/\1/p' "$SRC/tui/cli/commands.def" > "$T/cmds"
"$LL" --help 2>/dev/null | sed -n 's/^  \([a-z]*\) .*/\1/p' | cmp -s - "$T/cmds" && [ -s "$T/cmds" ]
tap_result $? "latentlab --help lists the commands of commands.def, in order"
ok=0
while IFS= read -r c; do
	"$LL" "$c" --help 2>/dev/null | grep -q "usage: latentlab $c" || { echo "# '$c --help' printed no usage"; ok=1; }
done < "$T/cmds"
tap_result $ok "every command prints its usage on --help"
exit_is "no command: exit 2" 2 "$LL"
tap_fails "unknown command" "unknown command 'frobnicate'" "$LL" frobnicate
exit_is "unknown command: exit 2" 2 "$LL" frobnicate

# ---- the bundled tensor --------------------------------------------------------

if [ -x "$MAKE_PLANTED" ]; then
	tap_ok "planted.npy matches its generator" "$MAKE_PLANTED" --check "$PLANTED"
else
	tap_result 0 "planted.npy matches its generator # SKIP make_planted not built"
fi
"$LL" info "$PLANTED" > "$T/info.txt" 2>&1
tap_result $? "info planted.npy"
grep -q '30 x 40 x 50' "$T/info.txt" && grep -q '<f4' "$T/info.txt" &&
	grep -q 'elements  60000' "$T/info.txt" && grep -q 'nan       0' "$T/info.txt"
tap_result $? "info shows shape, dtype, count, NaN count"
"$LL" info --json "$PLANTED" > "$T/info.json" 2>&1 &&
	grep -q '"dtype": "<f4"' "$T/info.json" && grep -q '"elements": 60000' "$T/info.json"
tap_result $? "info --json"

# ---- a tca run ------------------------------------------------------------------

OUT=$T/out
"$LL" tca "$PLANTED" --ranks 1-4 --replicates 3 --seed 5 -o "$OUT" > "$T/table.txt" 2> "$T/err.txt"
tap_result $? "tca planted.npy ranks 1-4 x 3"
[ ! -s "$T/err.txt" ]
tap_result $? "tca: nothing on stderr when it is not a terminal"
missing=0
for r in 01 02 03 04; do
	for k in 00 01 02; do
		for f in lambda factor_0 factor_1 factor_2 hist; do
			[ -s "$OUT/rank_$r/rep_$k/$f.npy" ] || { echo "# missing rank_$r/rep_$k/$f.npy"; missing=1; }
		done
	done
done
[ $missing -eq 0 ] && [ ! -e "$OUT/rank_05" ] && [ ! -e "$OUT/rank_01/rep_03" ]
tap_result $? "tca writes every rank_RR/rep_KK/*.npy"
[ -z "$(find "$OUT" -name '*.tmp.*')" ]
tap_result $? "no temporary files left"
"$LL" info "$OUT/rank_03/rep_00/factor_1.npy" 2>/dev/null | grep -q '40 x 3 '
tap_result $? "factor_1 of rank 3 is 40 x 3"
"$LL" info "$OUT/rank_02/rep_01/lambda.npy" 2>/dev/null | grep -q 'shape     2 '
tap_result $? "lambda of rank 2 has 2 entries"

S=$OUT/summary.json
[ -s "$S" ] && grep -q '"tool": "latentlab tca"' "$S" && grep -q '"method": "cp-als"' "$S" &&
	grep -q '"kind": "mean-cos"' "$S" && grep -q '"seed": "5"' "$S" &&
	grep -q '"missing": 0' "$S" && [ "$(grep -c '"iterations"' "$S")" -eq 12 ] &&
	[ "$(grep -c '"rank":' "$S")" -eq 4 ] && grep -q '"converged": true' "$S"
tap_result $? "summary.json has the run's settings and 12 fits"
# a smaller run into the same directory leaves only its own fits (and the user's files)
cp -r "$OUT" "$T/out2" && echo notes > "$T/out2/notes.txt" &&
	"$LL" tca "$PLANTED" --ranks 2 --replicates 2 --seed 5 -o "$T/out2" > /dev/null 2>&1 &&
	[ ! -e "$T/out2/rank_01" ] && [ ! -e "$T/out2/rank_03" ] && [ ! -e "$T/out2/rank_02/rep_02" ] &&
	[ -s "$T/out2/rank_02/rep_01/lambda.npy" ] && [ -s "$T/out2/notes.txt" ]
tap_result $? "tca into a used OUTDIR: no fits of the earlier run are left"
"$LL" tca "$PLANTED" --ranks 2 --replicates 2 --init svd -o "$T/out3" 2>&1 >/dev/null |
	grep -q 'warning: --init svd starts every replicate from the same point'
tap_result $? "tca --init svd with replicates warns that similarity means nothing"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
assert [r["rank"] for r in s["ranks"]] == [1, 2, 3, 4]
assert all(len(r["replicates"]) == 3 for r in s["ranks"])
assert s["data"]["shape"] == [30, 40, 50]
assert all(int(f["seed"]) >= 0 for r in s["ranks"] for f in r["replicates"])' "$S"
	tap_result $? "summary.json is valid JSON (python3)"
fi
b2=$(json_nth "$S" best_objective 2)
b3=$(json_nth "$S" best_objective 3)
b4=$(json_nth "$S" best_objective 4)
s3=$(json_nth "$S" min_similarity 3)
echo "# best objective rank 2 $b2, rank 3 $b3, rank 4 $b4; min similarity rank 3 $s3"
awk -v b2="$b2" -v b3="$b3" -v b4="$b4" -v s3="$s3" \
	'BEGIN { exit !(b3 < 0.2 && b2 > 2 * b3 && b3 - b4 < 0.01 && s3 >= 0.99) }'
tap_result $? "planted rank 3: objective < 0.2, elbow, similarity >= 0.99"
grep -q 'similarity: mean-cos' "$T/table.txt" && grep -q 'best obj' "$T/table.txt" &&
	[ "$(grep -c '^ *[1-4]  ' "$T/table.txt")" -eq 4 ] && grep -q 'at best' "$T/table.txt" &&
	grep -Eq '^ +3 .* 3/3 ' "$T/table.txt" && ! grep -q 'chosen' "$T/table.txt"
tap_result $? "tca prints the table, with the fits at the best optimum per rank"
grep -q '"at_best_tol": 0.0001' "$S" && [ "$(grep -c '"frac_at_best"' "$S")" -eq 4 ] &&
	[ "$(grep -c '"at_best": [0-9]' "$S")" -eq 4 ] && [ "$(grep -c '"at_best": \(true\|false\)' "$S")" -eq 12 ] &&
	grep -q '"cross_validation": null' "$S" && ! grep -q '"chosen_rank"' "$S"
tap_result $? "summary.json: fits at the best optimum per rank and per fit; no cross-validation unless asked"

# cross-validation picks the planted rank (3, 10% noise) and says why
"$LL" tca "$PLANTED" -r 1-5 -n 2 -s 5 --select cv --cv-folds 4 -o "$T/cv" > "$T/cv.txt" 2>&1
C=$T/cv/summary.json
grep -q '^rank 3 chosen: cross-validation: rank 3' "$T/cv.txt" && grep -Eq '^ +3 .*  <$' "$T/cv.txt" &&
	grep -q 'cv test' "$T/cv.txt" && grep -q '"folds": 4' "$C" &&
	[ "$(grep -c '"cv_test_error":' "$C")" -eq 5 ] && [ "$(grep -c '"cv_train_error":' "$C")" -eq 5 ] &&
	tr -d '\n ' < "$C" | grep -q '"chosen_rank":{"rank":3,"rule":"cv","reason":"cross-validation'
tap_result $? "tca --select cv: held-out error per rank, rank 3 chosen for a stated reason"
"$LL" tca "$PLANTED" -r 1-5 -n 2 -s 5 --select elbow -o "$T/el" 2>&1 | grep -q '^rank 3 chosen: elbow' &&
	! grep -q '"cv_test_error"' "$T/el/summary.json"
tap_result $? "tca --select elbow: rank 3, no cross-validation"

# reproducible: same seed, other thread count and unfused -> same objectives
"$LL" tca "$PLANTED" -r 1-4 -n 3 -s 5 -j 1 -o "$T/out2" > /dev/null 2>&1
grep '"objective"' "$S" > "$T/obj1"
grep '"objective"' "$T/out2/summary.json" > "$T/obj2" 2>/dev/null
cmp -s "$T/obj1" "$T/obj2"
tap_result $? "same seed, 1 thread: identical objectives"
"$LL" tca "$PLANTED" -r 3 -n 3 -s 5 --no-fuse -o "$T/out3" > /dev/null 2>&1
tap_result $? "tca --no-fuse"
awk -v a="$b3" -v b="$(json_nth "$T/out3/summary.json" best_objective 1)" \
	'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-8) }'
tap_result $? "--no-fuse gives the same rank-3 objective"
"$LL" tca "$PLANTED" -r 2 -n 2 -s 6 -q -o "$T/out4" > /dev/null 2>&1 &&
	! grep -q '"seed": "5"' "$T/out4/summary.json" &&
	[ "$(json_nth "$T/out4/summary.json" seed 1)" != "$(json_nth "$S" seed 3)" ]
tap_result $? "another seed gives other replicate seeds"

# masks: all ones changes nothing; zeros are counted as missing
mknpy "$T/ones.npy" '|u1' '(30, 40, 50)'
head -c 60000 /dev/zero | tr '\000' '\001' >> "$T/ones.npy"
"$LL" tca "$PLANTED" -r 1-4 -n 3 -s 5 --mask "$T/ones.npy" -o "$T/outm" > /dev/null 2>&1
grep '"objective"' "$T/outm/summary.json" > "$T/objm" 2>/dev/null
cmp -s "$T/obj1" "$T/objm"
tap_result $? "an all-ones mask changes nothing"
mknpy "$T/holes.npy" '|u1' '(30, 40, 50)'
{ head -c 1000 /dev/zero; head -c 59000 /dev/zero | tr '\000' '\001'; } >> "$T/holes.npy"
"$LL" tca "$PLANTED" -r 3 -n 2 --mask "$T/holes.npy" -m ncp-hals --sim tomasi-bro -o "$T/outh" \
	> /dev/null 2>&1 && grep -q '"missing": 1000' "$T/outh/summary.json" &&
	grep -q '"kind": "tomasi-bro"' "$T/outh/summary.json" &&
	grep -q '"method": "ncp-hals"' "$T/outh/summary.json"
tap_result $? "a mask with 1000 zeros, ncp-hals, tomasi-bro"

# ---- bad input: one line, exit 1 (runtime) or 2 (usage), nothing written --------

mknpy "$T/small.npy" '<f8' '(2, 2, 2)'; f8 one 8 >> "$T/small.npy"
mknpy "$T/nan.npy" '<f8' '(2, 2, 2)'; f8 nan 8 >> "$T/nan.npy"
mknpy "$T/inf.npy" '<f8' '(2, 2, 2)'; f8 one 7 >> "$T/inf.npy"; f8 inf 1 >> "$T/inf.npy"
mknpy "$T/empty.npy" '<f8' '(3, 0, 4)'
mknpy "$T/mask3.npy" '|u1' '(2, 2, 3)'; head -c 12 /dev/zero | tr '\000' '\001' >> "$T/mask3.npy"
mknpy "$T/mask2.npy" '<f8' '(2, 2, 2)'; f8 one 7 >> "$T/mask2.npy"; f8 nan 1 >> "$T/mask2.npy"
head -c 5000 "$PLANTED" > "$T/trunc.npy"
printf '\223NUMPY\001\000\010\000{garbage' > "$T/badhdr.npy"
echo 'not an array' > "$T/garbage.npy"

# bad NAME CODE PATTERN ARGS...: tca ARGS -o $T/bad fails as described and
# leaves no $T/bad behind
bad() {
	name=$1 code=$2 pat=$3
	shift 3
	tap_fails "$name" "$pat" "$LL" tca "$@" -o "$T/bad"
	exit_is "$name: exit $code" "$code" "$LL" tca "$@" -o "$T/bad"
	[ ! -e "$T/bad" ]
	tap_result $? "$name: no output"
	rm -rf "$T/bad"
}
bad "missing file" 1 "nope.npy: cannot open" "$T/nope.npy"
bad "truncated npy" 1 "trunc.npy: truncated" "$T/trunc.npy"
bad "garbage header" 1 "badhdr.npy: malformed .npy header" "$T/badhdr.npy"
bad "not an array file" 1 "garbage.npy: unrecognized format" "$T/garbage.npy"
bad "NaN-only data" 1 "nan.npy: no observed entries" "$T/nan.npy" -r 1
bad "rank > dims" 1 "small.npy: rank 5 exceeds 4" "$T/small.npy" -r 2-5
bad "Inf in data" 1 "inf.npy: data entry (1, 1, 1) is +Inf" "$T/inf.npy" -r 1
bad "0-size mode" 1 "empty.npy: mode 1 has size 0" "$T/empty.npy"
bad "mask of the wrong shape" 1 "mask3.npy: mask shape 2x2x3 does not match" "$T/small.npy" -r 1 --mask "$T/mask3.npy"
bad "mask not 0/1" 1 "mask2.npy: mask entry (1, 1, 1) is nan" "$T/small.npy" -r 1 --mask "$T/mask2.npy"
bad "missing mask file" 1 "nomask.npy: cannot open" "$T/small.npy" -r 1 --mask "$T/nomask.npy"
bad "unknown option" 2 "unknown option '--frobnicate'" "$T/small.npy" --frobnicate
bad "unknown short option" 2 "unknown option '-x'" "$T/small.npy" -x
bad "bad --ranks syntax" 2 "--ranks: expected" "$T/small.npy" --ranks 3-
bad "reversed --ranks" 2 "--ranks: expected" "$T/small.npy" --ranks 4-2
bad "rank 0" 2 "--ranks: expected" "$T/small.npy" --ranks 0-2
bad "bad --replicates" 2 "--replicates: expected" "$T/small.npy" -n 0
bad "bad --method" 2 "--method: expected" "$T/small.npy" -m pca
bad "bad --tol" 2 "--tol: expected" "$T/small.npy" --tol nan
bad "bad --max-iter" 2 "--max-iter: expected" "$T/small.npy" --max-iter 1.5
bad "bad --seed" 2 "--seed: expected" "$T/small.npy" --seed -1
bad "bad --sim" 2 "--sim: expected" "$T/small.npy" --sim cosine
bad "bad --init" 2 "--init: expected" "$T/small.npy" --init nvecs
bad "bad --threads" 2 "--threads: expected" "$T/small.npy" --threads x
bad "two data files" 2 "one DATA file only" "$T/small.npy" "$T/small.npy"
bad "bad --select" 2 "--select: expected elbow or cv" "$T/small.npy" --select knee
bad "--cv-folds 1" 2 "--cv-folds: expected 0 (none) or a count from 2" "$T/small.npy" --cv-folds 1
bad "bad --cv-replicates" 2 "--cv-replicates: expected" "$T/small.npy" --cv-replicates 0
tap_fails "missing DATA" "missing DATA" "$LL" tca -o "$T/bad"
tap_fails "missing -o" "missing -o OUTDIR" "$LL" tca "$T/small.npy"
exit_is "missing -o: exit 2" 2 "$LL" tca "$T/small.npy"
tap_fails "-o without a value" "needs a value" "$LL" tca "$T/small.npy" -o
# a path with a newline in it: the message stays one line
tap_fails "a newline in DATA's name: one line" "no?such.npy: cannot open" "$LL" tca "$(printf 'no\nsuch.npy')" -o "$T/bad"
tap_fails "unwritable OUTDIR" "cannot create directory" "$LL" tca "$T/small.npy" -r 1 -o /proc/latentlab-test/out
exit_is "unwritable OUTDIR: exit 1" 1 "$LL" tca "$T/small.npy" -r 1 -o /proc/latentlab-test/out
tap_fails "OUTDIR is a file" "small.npy" "$LL" tca "$T/small.npy" -r 1 -o "$T/small.npy/out"
[ ! -e "$T/bad" ]
tap_result $? "usage errors leave no output"

tap_fails "info: missing file" "nope.npy: cannot open" "$LL" info "$T/nope.npy"
exit_is "info: missing file: exit 1" 1 "$LL" info "$T/nope.npy"
tap_fails "info: truncated npy" "truncated" "$LL" info "$T/trunc.npy"
tap_fails "info: garbage" "unrecognized format" "$LL" info "$T/garbage.npy"
tap_fails "info: 0-size mode" "has size 0" "$LL" info "$T/empty.npy"
tap_fails "info: unknown option" "unknown option" "$LL" info --frobnicate "$PLANTED"
exit_is "info: unknown option: exit 2" 2 "$LL" info --frobnicate "$PLANTED"
tap_fails "info: no file" "missing FILE" "$LL" info
"$LL" info "$T/nan.npy" 2>/dev/null | grep -q 'nan       8'
tap_result $? "info counts NaN entries"
"$LL" info --json "$T/inf.npy" 2>/dev/null | grep -q '"inf": 1'
tap_result $? "info --json counts Inf entries"

# ---- info on a FIFO: the file is opened once (issue 10, L1) ----------------------

# fifo_info NAME FILE PATTERN [OPTIONS]: a writer copies FILE into a FIFO,
# `latentlab info` reads it within 10 s and prints PATTERN
fifo_info() {
	name=$1 file=$2 pat=$3
	shift 3
	rm -f "$T/fifo"
	mkfifo "$T/fifo" || { tap_result 1 "$name (mkfifo)"; return; }
	cat "$file" > "$T/fifo" 2>/dev/null &
	wpid=$!
	timeout 10 "$LL" info "$@" "$T/fifo" > "$T/fifo.out" 2>&1
	rc=$?
	kill $wpid 2>/dev/null
	wait $wpid 2>/dev/null
	[ $rc -eq 0 ] && grep -q -- "$pat" "$T/fifo.out"
	ok=$?
	[ $ok -eq 0 ] || { echo "# exit status $rc (124: timed out)"; sed 's/^/# /' "$T/fifo.out" | head -5; }
	tap_result $ok "$name"
}
if command -v timeout >/dev/null 2>&1 && command -v mkfifo >/dev/null 2>&1; then
	fifo_info "info on a FIFO (.npy) completes" "$PLANTED" '30 x 40 x 50'
	fifo_info "info --json on a FIFO (.npz, every member)" "$SRC/tests/data/compressed.npz" '"name": "b"' --json
	fifo_info "info on a FIFO (IDX, gzip)" "$SRC/tests/data/images_u1.idx.gz" 'IDX (gzip), type u1'
else
	tap_result 0 "info on a FIFO # SKIP no timeout or mkfifo"
fi

# ---- the input limit: --max-input-bytes and LATENTLAB_MAX_INPUT_BYTES (M1/M2) ----

# planted.npy is 30 x 40 x 50 float32: 468.8 KiB as doubles
tap_fails "info --max-input-bytes 100K refuses planted.npy in one line" \
	"planted.npy: the array is 30 x 40 x 50 float64 = 468.8 KiB decoded, more than the input limit of 100.0 KiB (--max-input-bytes or LATENTLAB_MAX_INPUT_BYTES)" \
	"$LL" info --max-input-bytes 100K "$PLANTED"
exit_is "info over the limit: exit 1" 1 "$LL" info --max-input-bytes 100K "$PLANTED"
[ -z "$("$LL" info --max-input-bytes 100K "$PLANTED" 2>/dev/null)" ]
tap_result $? "info over the limit: nothing on stdout"
tap_ok "info --max-input-bytes=512M reads planted.npy" "$LL" info --max-input-bytes=512M "$PLANTED"
tap_ok "info --max-input-bytes 480000 (bytes) reads planted.npy" "$LL" info --max-input-bytes 480000 "$PLANTED"
tap_fails "info --max-input-bytes 479999 refuses it" "more than the input limit of 468.7 KiB" \
	"$LL" info --max-input-bytes 479999 "$PLANTED"
for v in 12Q 0 -5 1.5G '' K; do
	tap_fails "info --max-input-bytes '$v': usage error" "--max-input-bytes: expected a size such as 512M" \
		"$LL" info --max-input-bytes "$v" "$PLANTED"
	exit_is "info --max-input-bytes '$v': exit 2" 2 "$LL" info --max-input-bytes "$v" "$PLANTED"
done
tap_fails "info --max-input-bytes without a value" "needs a value" "$LL" info --max-input-bytes
tap_fails "LATENTLAB_MAX_INPUT_BYTES=100K refuses planted.npy" "468.8 KiB decoded, more than the input limit of 100.0 KiB" \
	env LATENTLAB_MAX_INPUT_BYTES=100K "$LL" info "$PLANTED"
tap_ok "--max-input-bytes wins over LATENTLAB_MAX_INPUT_BYTES" \
	env LATENTLAB_MAX_INPUT_BYTES=100K "$LL" info --max-input-bytes 1M "$PLANTED"
tap_fails "a bad LATENTLAB_MAX_INPUT_BYTES is a usage error" "LATENTLAB_MAX_INPUT_BYTES: expected a size such as 512M" \
	env LATENTLAB_MAX_INPUT_BYTES=lots "$LL" info "$PLANTED"
exit_is "a bad LATENTLAB_MAX_INPUT_BYTES: exit 2" 2 env LATENTLAB_MAX_INPUT_BYTES=lots "$LL" info "$PLANTED"
# an .npz whose members fit one by one but not together
tap_fails "info: .npz members count together" "compressed.npz:b: the array is 5 float64 = 40 B decoded (136 B with what was read before it)" \
	"$LL" info --max-input-bytes 120 "$SRC/tests/data/compressed.npz"

# the same option on every command that reads data
tap_fails "tca --max-input-bytes 100K refuses planted.npy" "more than the input limit of 100.0 KiB" \
	"$LL" tca "$PLANTED" -o "$T/maxin" --max-input-bytes 100K -q
[ ! -e "$T/maxin" ]
tap_result $? "tca over the limit makes no output folder"
printf '[data]\nkind = npy\npath = %s\n[tca]\nranks = 1-2\n' "$(cd "$SRC" && pwd)/examples/data/planted.npy" > "$T/maxin.lab"
tap_fails "run --max-input-bytes refuses the session's data" "planted.npy: the array is 30 x 40 x 50" \
	"$LL" run "$T/maxin.lab" -o "$T/maxin2" --max-input-bytes 100K -q
exit_is "run --max-input-bytes with a bad size: usage error" 2 "$LL" run "$T/maxin.lab" -o "$T/maxin3" --max-input-bytes 12x
exit_is "tca --max-input-bytes with a bad size: usage error" 2 "$LL" tca "$PLANTED" -o "$T/maxin4" --max-input-bytes -3
exit_is "LATENTLAB_MAX_INPUT_BYTES applies to tca too" 1 env LATENTLAB_MAX_INPUT_BYTES=100K "$LL" tca "$PLANTED" -o "$T/maxin5" -q

tap_done
