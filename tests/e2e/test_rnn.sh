#!/bin/sh
# tests/e2e/test_rnn.sh - recurrent networks end to end (TAP): `rnn train`
# writes weights numpy and PyTorch read, `fixedpoints` finds the known
# answer of a hand-made network (PyTorch naming, float32 and float64) and
# the 8 stable corners of a trained 3-bit flip-flop, --json's contract
# keys, bad input of every kind (one line on stderr, exit 1 or 2, no
# crash), and a session with [data] kind = task, [rnn] and [dynamics].
. "${top_srcdir:-.}/tests/tap.sh"

NPZ=${top_builddir:-.}/tests/tools/rnn_npz
T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_rnn.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# json_num FILE KEY: the number after "KEY": in a one-line JSON object
json_num() { sed -n "s/.*\"$2\":\([-0-9.eE+]*\).*/\1/p" "$1"; }
# json_arr FILE KEY: the flat array after "KEY": ("[8,7]" -> "8,7")
json_arr() { sed -n "s/.*\"$2\":\[\([-0-9.eE+,]*\)\].*/\1/p" "$1"; }

# ---- help -----------------------------------------------------------------------
"$LL" --help 2>&1 | grep -q 'rnn' && "$LL" --help 2>&1 | grep -q 'fixedpoints'
tap_result $? "latentlab --help lists rnn and fixedpoints"
"$LL" rnn train --help | grep -q -- '--cell' && "$LL" fixedpoints --help | grep -q -- '--inits'
tap_result $? "rnn train --help and fixedpoints --help describe their options"

# ---- a hand-made network with a known answer ---------------------------------------
# h' = tanh(0.5 h) at zero input: one fixed point, h = 0, stable, every
# eigenvalue 0.5 (8 units, 3 inputs: flip-flop widths)
"$NPZ" "$T/lin.npz" vanilla 8 3 3 0.5 && "$LL" fixedpoints "$T/lin.npz" --task flipflop --inits 64 --json > "$T/lin.json"
ok=$?
nf=$(json_num "$T/lin.json" n_fixed) bu=$(json_arr "$T/lin.json" by_unstable)
ev=$(sed -n 's/.*"eigenvalues":\[\[\[\([-0-9.eE+]*\),\([-0-9.eE+]*\)\].*/\1 \2/p' "$T/lin.json")
echo "# n_fixed $nf, by_unstable [$bu], first eigenvalue ($ev)"
[ $ok -eq 0 ] && [ "$nf" = 1 ] && [ "$bu" = 1 ] &&
	awk -v e="$ev" 'BEGIN { split(e, a, " "); exit !(a[1] > 0.4999999 && a[1] < 0.5000001 && a[2] == 0) }' &&
	sed -n 's/.*"points":\[\[\([^]]*\)\]\].*/\1/p' "$T/lin.json" | tr ',' '\n' |
	awk '{ v = $1 < 0 ? -$1 : $1; if (v > 1e-9) bad = 1; n++ } END { exit bad || n != 8 }'
tap_result $? "fixedpoints: h' = tanh(0.5 h) has one stable point at 0, eigenvalues 0.5"
# h' = tanh(2 h), one unit: 0 (eigenvalue 2, unstable) and +-x* (x* = tanh(2 x*) = 0.957504)
"$NPZ" "$T/bi.npz" vanilla 1 1 1 2 f64 && "$LL" fixedpoints "$T/bi.npz" --task sine --inits 64 --noise 1 --json > "$T/bi.json"
ok=$?
echo "# $(json_num "$T/bi.json" n_fixed) fixed points, by_unstable [$(json_arr "$T/bi.json" by_unstable)], $(sed -n 's/.*"points":\(\[\[[^]]*\]\(,\[[^]]*\]\)*\]\).*/\1/p' "$T/bi.json")"
[ $ok -eq 0 ] && [ "$(json_num "$T/bi.json" n_fixed)" = 3 ] && [ "$(json_arr "$T/bi.json" by_unstable)" = "2,1" ] &&
	grep -q '"edges":\[{"from":2,"to":[01],"sign":1' "$T/bi.json" &&
	sed -n 's/.*"points":\[\(.*\)\],"eigenvalues".*/\1/p' "$T/bi.json" | tr -d '[]' | tr ',' '\n' |
	awk '{ v = $1 < 0 ? -$1 : $1; if (v > 0.5 && (v < 0.957503 || v > 0.957505)) bad = 1; n++ } END { exit bad || n != 3 }'
tap_result $? "fixedpoints: tanh(2 h) (float64 weights) has two attractors at +-0.957504 and a saddle between, joined"

# ---- train, then analyse ---------------------------------------------------------------
"$LL" rnn train --task flipflop --cell gru --hidden 24 --iters 300 -s 3 -o "$T/ff" -q > "$T/train.txt" 2> "$T/train.err"
ok=$?
sed 's/^/# /' "$T/train.txt"
[ $ok -eq 0 ] && [ -s "$T/ff/weights.npz" ] && grep -q '"learned": true' "$T/ff/rnn.json" &&
	[ "$(head -1 "$T/ff/curve.csv")" = "step,loss" ] && [ "$(wc -l < "$T/ff/curve.csv")" -eq 16 ] && [ ! -s "$T/train.err" ]
tap_result $? "rnn train: a 24-unit GRU learns 3-bit flip-flop; weights.npz, curve.csv, rnn.json"
# the .npz members are PyTorch's state_dict names (the zip's local headers)
ok=0
for k in rnn.weight_ih_l0 rnn.weight_hh_l0 rnn.bias_ih_l0 rnn.bias_hh_l0 out.weight out.bias; do
	LC_ALL=C grep -q -a "$k.npy" "$T/ff/weights.npz" || { echo "# no member $k.npy"; ok=1; }
done
"$LL" info "$T/ff/weights.npz:rnn.weight_hh_l0" | grep -q '72 x 24' || { echo "# weight_hh is not 72 x 24 (3H x H, gates r,z,n)"; ok=1; }
tap_result $ok "weights.npz holds the six state_dict tensors, weight_hh 3H x H for a GRU"
"$LL" fixedpoints "$T/ff/weights.npz" --task flipflop --json > "$T/ff.json" 2> "$T/ff.err"
ok=$?
bu=$(json_arr "$T/ff.json" by_unstable)
echo "# trained flip-flop: $(json_num "$T/ff.json" n_fixed) fixed points, by unstable directions [$bu]"
[ $ok -eq 0 ] && [ "${bu%%,*}" -ge 8 ] && [ "$(json_num "$T/ff.json" n_fixed)" -ge 8 ] && [ ! -s "$T/ff.err" ]
tap_result $? "fixedpoints: the trained 3-bit flip-flop has at least the 8 stable corners"
ok=0
for k in n_fixed by_unstable points eigenvalues q n_unstable n_slow edges; do
	grep -q "\"$k\":" "$T/ff.json" || { echo "# --json has no \"$k\""; ok=1; }
done
[ "$(wc -l < "$T/ff.json")" -eq 1 ] || ok=1
tap_result $ok "fixedpoints --json: one line, the contract's keys"
"$LL" fixedpoints "$T/ff/weights.npz" --task flipflop --json > "$T/ff2.json" && cmp -s "$T/ff.json" "$T/ff2.json"
tap_result $? "fixedpoints: the same seed gives the same answer"
"$LL" fixedpoints "$T/ff/weights.npz" --task flipflop --inits 200 > "$T/ff.txt" && grep -q 'stable' "$T/ff.txt" &&
	grep -q 'by unstable directions:  0: ' "$T/ff.txt"
tap_result $? "fixedpoints without --json: a table by stability"
"$NPZ" "$T/lstm.npz" lstm 6 3 3 1 && "$LL" fixedpoints "$T/lstm.npz" --task flipflop --inits 32 --json > "$T/lstm.json" &&
	grep -q '"cell":"lstm"' "$T/lstm.json" && grep -q '"state_dim":12' "$T/lstm.json"
tap_result $? "fixedpoints: an LSTM from PyTorch-layout weights (state [h; c], 2H)"

# ---- bad input ------------------------------------------------------------------------
tap_fails "fixedpoints: a missing file" "$T/none.npz" "$LL" fixedpoints "$T/none.npz" --task flipflop
printf 'not a zip' > "$T/garbage.npz"
tap_fails "fixedpoints: a garbled .npz" "garbage.npz" "$LL" fixedpoints "$T/garbage.npz" --task flipflop
"$NPZ" "$T/nan.npz" gru 4 3 3 1 nan
tap_fails "fixedpoints: a NaN weight" "nan.npz.*rnn.weight_hh_l0" "$LL" fixedpoints "$T/nan.npz" --task flipflop
"$NPZ" "$T/shape.npz" lstm 4 3 3 1 shape
tap_fails "fixedpoints: inconsistent shapes" "shape.npz.*rnn.bias_hh_l0" "$LL" fixedpoints "$T/shape.npz" --task flipflop
"$NPZ" "$T/extra.npz" gru 4 3 3 1 extra
tap_fails "fixedpoints: an unknown key" "extra.npz.*rnn.weight_ih_l1" "$LL" fixedpoints "$T/extra.npz" --task flipflop
"$NPZ" "$T/missing.npz" gru 4 3 3 1 missing
tap_fails "fixedpoints: a missing key" "missing.npz.*out.bias" "$LL" fixedpoints "$T/missing.npz" --task flipflop
tap_fails "fixedpoints: a task that does not match the input width" "needs 2 inputs; the network has 3" \
	"$LL" fixedpoints "$T/ff/weights.npz" --task flipflop --bits 2
tap_fails "fixedpoints: sine on a 3-input network" "sine needs 1 input" "$LL" fixedpoints "$T/ff/weights.npz" --task sine
tap_fails "fixedpoints: --input with the wrong count" "--input '1,2': expected one number or 3" \
	"$LL" fixedpoints "$T/ff/weights.npz" --task flipflop --input 1,2
tap_fails "fixedpoints: no --task" "--task is required" "$LL" fixedpoints "$T/ff/weights.npz"
tap_fails "rnn train: an unknown cell" "--cell must be vanilla, gru or lstm" "$LL" rnn train --cell rnn -o "$T/x"
tap_fails "rnn train: no OUTDIR" "no output directory" "$LL" rnn train
tap_fails "rnn: an unknown subcommand" "unknown subcommand 'fit'" "$LL" rnn fit
[ ! -e "$T/x" ]
tap_result $? "a refused rnn train writes nothing"

# ---- a session ------------------------------------------------------------------------
cat > "$T/pop.lab" <<EOF
[session]
name = pop
seed = 2
[data]
kind = task
[rnn]
task = flipflop
cells = vanilla,gru
seeds = 2
hidden = 12
iters = 120
probes = 4
[dynamics]
inits = 48
EOF
timeout 300 "$LL" run "$T/pop.lab" -o "$T/pop" > "$T/pop.txt" 2>&1
ok=$?
sed 's/^/# /' "$T/pop.txt" | head -10
[ $ok -eq 0 ] && [ "$(wc -l < "$T/pop/rnn/networks.csv")" -eq 5 ] && [ -s "$T/pop/rnn/net_003.npz" ] &&
	[ "$(wc -l < "$T/pop/dynamics/fixedpoints.csv")" -eq 5 ] && [ -s "$T/pop/dynamics/geometry.npy" ] &&
	[ -s "$T/pop/dynamics/mds_topology.npy" ] && [ -s "$T/pop/tensor/tensor.npy" ] &&
	grep -q 'architectures separate' "$T/pop.txt"
tap_result $? "run: [data] kind = task, [rnn] 2 cells x 2 seeds, [dynamics]: networks, fixed points, maps"
# a saved network of the population analyses the same way from the command line
"$LL" fixedpoints "$T/pop/rnn/net_003.npz" --task flipflop --json > "$T/n3.json" &&
	[ "$(json_num "$T/n3.json" n_fixed)" -ge 1 ]
tap_result $? "a population's net_003.npz loads in fixedpoints"
# the bundled examples, scaled down (1 seed, 40 steps, 8 units): they parse and run
for ex in flipflop sine; do
	sed -e 's/^seeds = .*/seeds = 1/' -e 's/^iters = .*/iters = 40/' -e 's/^hidden = .*/hidden = 8/' \
		-e 's/^probes = .*/probes = 3/' -e 's/^inits = .*/inits = 16/' -e 's/^levels = .*/levels = 2/' \
		"$SRC/examples/$ex.lab" > "$T/$ex.lab"
	# (timeout: a network trained inside the step's parallel loop once hung there)
	timeout 300 "$LL" run "$T/$ex.lab" -o "$T/$ex" -q --no-report && [ "$(wc -l < "$T/$ex/rnn/networks.csv")" -eq 4 ] &&
		[ -s "$T/$ex/dynamics/fixedpoints.csv" ]
	tap_result $? "examples/$ex.lab runs (scaled down): 3 architectures, their fixed points"
done
[ -s "$T/sine/dynamics/frequencies.csv" ] && [ "$(wc -l < "$T/sine/dynamics/frequencies.csv")" -eq 7 ]
tap_result $? "sine: the linearisation's frequency at 2 input levels for each network"
printf '[data]\nkind = mnist\n[rnn]\n' > "$T/bad.lab"
tap_fails "[rnn] without [data] kind = task is refused" "needs \[data\] kind = task" "$LL" run "$T/bad.lab" -o "$T/bad"
printf '[data]\nkind = task\n[rnn]\ncells = gru,transformer\n' > "$T/bad2.lab"
tap_fails "[rnn] cells: an unknown architecture" "'transformer' is not vanilla, gru or lstm" "$LL" run "$T/bad2.lab" -o "$T/bad2"

tap_done
