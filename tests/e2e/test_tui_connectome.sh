#!/bin/sh
# tests/e2e/test_tui_connectome.sh - the workbench's Factors screen on a
# functional-connectome session (TAP; skipped without tmux): after R, the
# status line names the selected component's community, active windows
# and neuron-factor congruence, as communities.json of `latentlab run` on
# the same session has them; j moves to the next component; another
# replicate, which the connectome step did not read, shows the usual line.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

sed "s|path = data/connectome.npy|path = $SRC/examples/data/connectome.npy|" "$SRC/examples/connectome.lab" |
	sed 's/^seed = 5$/seed = 5\nthreads = 1/' > "$T/c.lab"
"$LL" run "$T/c.lab" -o "$T/run" > "$T/run.log" 2>&1 || { echo "Bail out! latentlab run failed"; sed 's/^/# /' "$T/run.log"; exit 1; }
# "C<n>: community of <size> (<members ascending>), windows <runs>,
# congruence <c>" of component n (from 1), from communities.json
want() {
	perl -MJSON::PP -e 'local $/; open F, "<", $ARGV[0] or exit 1; $j = decode_json(<F>); $c = $j->{components}[$ARGV[1] - 1];
		@m = sort { $a <=> $b } @{$c->{members}}; @w = @{$c->{active_windows}}; @r = ();
		while (@w) { $s = $e = shift @w; $e = shift @w while @w && $w[0] == $e + 1; push @r, $s == $e ? "$s" : "$s-$e" }
		printf "C%d: community of %d \\(%s\\), windows %s, congruence %.3f", $ARGV[1], scalar @m, join(" ", @m),
			join(",", @r), $c->{congruence}' "$T/run/connectome/communities.json" "$1"
}
w1=$(want 1) w2=$(want 2)
[ -n "$w1" ] && [ -n "$w2" ] || { echo "Bail out! communities.json unreadable"; exit 1; }
echo "# want: $w1"

start u c.lab
until_ok u shows u '1 Pipeline'
keys u R
until_ok u shows u '^ . +connectome +done'
tap_result $? "R runs the connectome step"
keys u 2
until_ok u shows u "$w1"
tap_result $? "Factors: the status line has component 1's community"
keys u j
until_ok u shows u "$w2"
tap_result $? "j: component 2's community"
keys u '}'
until_ok u shows u 'rank 9: 4 fits'
tap_result $? "another replicate: the usual status line"
keys u q
wait_exit u
tap_result $? "q quits"
tap_done
