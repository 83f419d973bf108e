#!/bin/sh
# tests/e2e/test_connectome.sh - functional-connectome sessions run by the
# CLI (TAP): the bundled recording matches its generator; examples/
# connectome.lab recovers every planted community (3 epochs x 3 groups,
# make_connectome --groups) exactly, active within one window of its
# epoch, with the two neuron factors agreeing (congruence >= 0.9), and
# writes communities.json and the report's graph; the Gaussian affinity
# and logged RNN activity run; latentlab connectome makes and runs the
# same session; sessions and options that cannot work fail in one line.
. "${top_srcdir:-.}/tests/tap.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_conn.XXXXXX") || exit 1
DATA=$(cd "$SRC/examples/data" && pwd) || exit 1
GEN=${top_builddir:-.}/examples/data/make_connectome
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# jnum FILE KEY: the first number after "KEY":
jnum() {
	tr -d ' \n' < "$1" | sed -n "s/.*\"$2\":\[*\([-0-9.e+]*\).*/\1/p"
}

if [ -x "$GEN" ]; then
	tap_ok "connectome.npy matches its generator" "$GEN" --check "$DATA/connectome.npy"
	"$GEN" --groups > "$T/groups.txt" || { echo "Bail out! make_connectome --groups failed"; exit 1; }
else
	echo "Bail out! $GEN not built"; exit 1
fi

sed "s|path = data/connectome.npy|path = $DATA/connectome.npy|" "$SRC/examples/connectome.lab" > "$T/c.lab"
start=$(date +%s)
tap_ok "examples/connectome.lab runs" "$LL" run "$T/c.lab" -o "$T/out"
secs=$(( $(date +%s) - start ))
echo "# examples/connectome.lab: $secs s"
tap_result $([ "$secs" -lt 60 ] && echo 0 || echo 1) "examples/connectome.lab runs in under a minute ($secs s)"
J=$T/out/connectome/communities.json
tap_ok "communities.json written" test -s "$J"
tap_ok "graph figure written" test -s "$T/out/figures/connectome_graph.png"
tap_ok "window figure written" test -s "$T/out/figures/connectome_windows.png"
tap_ok "tensor.json says connectome" grep -q '"of": "connectome"' "$T/out/tensor/tensor.json"
rank=$(jnum "$J" rank)
tap_result $([ "$rank" = 9 ] && echo 0 || echo 1) "rank 9 chosen (the planted communities; got $rank)"
cong=$(jnum "$J" min_congruence)
echo "# min neuron-factor congruence: $cong"
tap_result $(awk -v c="$cong" 'BEGIN { exit !(c >= 0.9) }' && echo 0 || echo 1) \
	"the two neuron factors agree (congruence $cong >= 0.9)"

# every planted group is a component's community, exactly, and its active
# samples (first window's start .. last window's end) are its epoch's
# within one window step (20 samples)
found=0 maxerr=0
while IFS= read -r line; do
	members=${line#*: }
	s0=$(printf '%s\n' "$line" | sed -n 's/.*samples \([0-9]*\)-\([0-9]*\)).*/\1/p')
	s1=$(printf '%s\n' "$line" | sed -n 's/.*samples \([0-9]*\)-\([0-9]*\)).*/\2/p')
	row=$(grep -F "<td>$members</td>" "$T/out/report.html" | head -1)
	if [ -z "$row" ]; then
		echo "# planted community not found: $line"
		continue
	fi
	span=$(printf '%s\n' "$row" | sed 's/.*<td>\([0-9]*\)-\([0-9]*\)<\/td><\/tr>$/\1 \2/')
	set -- $span
	e0=$(( $1 - s0 )); e1=$(( $2 - s1 ))
	[ $e0 -lt 0 ] && e0=$(( -e0 ))
	[ $e1 -lt 0 ] && e1=$(( -e1 ))
	[ $e0 -gt $maxerr ] && maxerr=$e0
	[ $e1 -gt $maxerr ] && maxerr=$e1
	echo "# planted samples $s0-$s1, active $1-$2: {$members}"
	found=$((found + 1))
done < "$T/groups.txt"
tap_result $([ $found -eq 9 ] && echo 0 || echo 1) "all 9 planted communities recovered exactly ($found)"
echo "# largest switch-time error: $maxerr samples (one window step = 20)"
tap_result $([ $found -eq 9 ] && [ $maxerr -le 20 ] && echo 0 || echo 1) \
	"switch times within one window ($maxerr samples)"
tap_ok "the report has the connectome section" grep -q 'id="connectome"' "$T/out/report.html"

# a session: [tensor] and [tca] lines given; the data is the bundled file
lab() {
	cat > "$1" <<EOS
[session]
name = c
seed = 1

[data]
kind = npy
path = $DATA/connectome.npy

[tensor]
of = connectome
$2

[tca]
ranks = 9
replicates = 2
$3
EOS
}
lab "$T/g.lab" "affinity = gaussian
bandwidth = 0.5
window = 40
step = 40" ""
tap_ok "gaussian affinity runs" "$LL" run "$T/g.lab" -o "$T/g"
tap_ok "gaussian affinity recorded" grep -q '"bandwidth": 0.5' "$T/g/tensor/tensor.json"

# the activity an RNN step logged (network x probe x unit x time): units x
# units x windows x (network, probe) trials
cat > "$T/r.lab" <<EOS
[session]
name = rc
seed = 1

[data]
kind = task

[rnn]
task = flipflop
cells = gru
seeds = 1
hidden = 16
iters = 100

[tensor]
of = connectome
window = 20
step = 10

[tca]
ranks = 2
replicates = 2
EOS
tap_ok "a connectome of logged RNN activity" "$LL" run "$T/r.lab" -o "$T/r"
shape=$(tr -d ' \n' < "$T/r/tensor/tensor.json" | sed -n 's/.*"shape":\[\([0-9,]*\)\].*/\1/p')
tap_result $([ "$shape" = "16,16,9,16" ] && echo 0 || echo 1) "its tensor is unit x unit x window x trial ($shape)"

# latentlab connectome: the same analysis from options; its session.lab
# replays it
tap_ok "latentlab connectome runs" "$LL" connectome "$DATA/connectome.npy" -o "$T/cli" -w 40 --step 20 -r 8-10 -j 1 -q
tap_result $([ "$(jnum "$T/cli/connectome/communities.json" rank)" = 9 ] && echo 0 || echo 1) "latentlab connectome: rank 9"
tap_ok "its session.lab replays" "$LL" run "$T/cli/session.lab" -o "$T/cli2" -q
tap_ok "the replay's communities are the same" cmp "$T/cli/connectome/communities.json" "$T/cli2/connectome/communities.json"
# a bare neurons x time array (modes mode0, mode1): one trial
perl -e 'srand(3); my ($n, $t) = (6, 100); my $h = "{\x27descr\x27: \x27<f8\x27, \x27fortran_order\x27: False, \x27shape\x27: ($n, $t), }";
	$h .= " " x (64 - (10 + length($h) + 1) % 64) . "\n"; print "\x93NUMPY\x01\x00", pack("v", length $h), $h;
	for my $i (0 .. $n * $t - 1) { print pack("d<", rand()) }' > "$T/two.npy"
tap_ok "a neurons x time array" "$LL" connectome "$T/two.npy" -o "$T/two" -r 1-2 -n 2 --no-report -q
shape=$(tr -d ' \n' < "$T/two/tensor/tensor.json" | sed -n 's/.*"shape":\[\([0-9,]*\)\].*/\1/p')
tap_result $([ "$shape" = "6,6,9,1" ] && echo 0 || echo 1) "its tensor is neuron x neuron x window x 1 trial ($shape)"
tap_fails "connectome: window longer than the recording" "connectome.npy: window = 1000 samples is longer" \
	"$LL" connectome "$DATA/connectome.npy" -o "$T/e1" --window 1000
tap_fails "connectome: --step 0" "connectome: --step: .*step = 0 is out of range" \
	"$LL" connectome "$DATA/connectome.npy" -o "$T/e2" --step 0
tap_fails "connectome: --affinity cosine" "connectome: --affinity: .*correlation|gaussian" \
	"$LL" connectome "$DATA/connectome.npy" -o "$T/e3" --affinity cosine
tap_fails "connectome: no such file" "nope.npy" "$LL" connectome "$T/nope.npy" -o "$T/e4"

lab "$T/b1.lab" "window = 481" ""
tap_fails "window longer than the recording" "connectome.npy: window = 481 samples is longer than the recording (480 samples)" \
	"$LL" run "$T/b1.lab" -o "$T/b1"
lab "$T/b2.lab" "step = 0" ""
tap_fails "step = 0" "b2.lab:.*step = 0 is out of range" "$LL" run "$T/b2.lab" -o "$T/b2"
lab "$T/b3.lab" "window = 1" ""
tap_fails "window = 1" "b3.lab:.*window = 1 is out of range" "$LL" run "$T/b3.lab" -o "$T/b3"
lab "$T/b4.lab" "" "method = cp-als"
tap_fails "a least-squares fit refused" "b4.lab: .*non-negative fit" "$LL" run "$T/b4.lab" -o "$T/b4"
printf '[session]\nname = c\n\n[data]\nkind = npy\npath = %s\n\n[tensor]\nof = connectome\n' \
	"$DATA/connectome.npy" > "$T/b5.lab"
tap_fails "a connectome without [tca]" "b5.lab: .*needs a \[tca\]" "$LL" run "$T/b5.lab" -o "$T/b5"
printf '[session]\nname = c\n\n[data]\nkind = npy\npath = %s\n\n[tca]\nranks = 2\n\n[connectome]\nactive = 0.5\n' \
	"$DATA/connectome.npy" > "$T/b6.lab"
tap_fails "[connectome] without of = connectome" "b6.lab: .*needs \[tensor\] of = connectome" \
	"$LL" run "$T/b6.lab" -o "$T/b6"
tap_done
