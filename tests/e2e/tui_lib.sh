# tests/e2e/tui_lib.sh - helpers for driving the workbench through tmux
# (sourced after tests/tap.sh by the test_tui*.sh tests).
# Skips the whole test (TAP "SKIP") when tmux is missing.  Sets T, a
# temporary folder removed on exit with every tmux server started here.
#   start NAME SESSION ENV...  the workbench on $T/SESSION in a 120x40 pane,
#                              output in $T/NAME.out; its exit status later
#                              in $T/NAME.exit, stderr in $T/NAME.err
#   keys NAME KEY...           tmux send-keys
#   cap NAME [-e]              the pane's text into $T/NAME.cap
#   until_ok NAME CMD...       CMD (after a capture) until it succeeds and
#                              the screen has settled, at most 30 s
#   shows NAME ERE             the last capture matches
#   wait_exit NAME             the workbench has ended (at most 30 s)
#   resize NAME COLS ROWS      resize the pane
#   open_screen NAME LAB STEP KEY ERE ENV...
#                              the workbench on $T/LAB with ENV: R runs
#                              every step until STEP is done, KEY opens a
#                              screen until it shows ERE; the status is the
#                              number of waits that timed out
#   quits NAME [PREFIX]        TAP point "PREFIXq quits with status 0"
#   no_colour NAME             a capture with -e sets no colour
#   sizes NAME WHAT COLSxROWS ERE CHECK...
#                              TAP point WHAT: at each size in turn the
#                              screen shows ERE, the test's CHECK NAME holds
#                              (":" for none) and the workbench still runs
# and the standard robustness checks of a screen, two TAP points each (its
# check, then q quits): the screen opened by open_screen as above on a
# workbench of its own
#   screen_in_ascii LAB STEP KEY ERE CHECK WHAT
#                              in LANG=C (pane a): no byte above 127 and
#                              CHECK a; TAP point "LANG=C: WHAT"
#   screen_without_colour LAB STEP KEY ERE CHECK WHAT
#                              with NO_COLOR=1 (pane n): CHECK n, then no
#                              colour; TAP point "NO_COLOR=1: WHAT"
#   robustness LAB STEP KEY ERE ASCII_CHECK ASCII_WHAT NOCOLOR_CHECK NOCOLOR_WHAT
#                              both
# and readers of captures and results: left_of_bar, right_of_bar,
# heat_sel (the Compare and DSA screens), npy_at, ring_rows_in
if ! command -v tmux >/dev/null 2>&1; then
	echo "ok 1 # SKIP no tmux"
	echo "1..1"
	exit 0
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ll_test_tui.XXXXXX") || exit 1
SOCKS=""
cleanup() {
	for s in $SOCKS; do tmux -L "$s" kill-server 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

case $LL in /*) ;; *) LL=$(pwd)/$LL ;; esac
case $SRC in /*) ;; *) SRC=$(pwd)/$SRC ;; esac

# run NAME CMD...: CMD with its pid in NAME.pid; then the terminal's modes
# in NAME.stty and, last (wait_exit polls for it), its exit status in
# NAME.exit
cat > "$T/wrap.sh" <<'EOF'
trap : INT
name=$1; shift
sh -c 'echo $$ > "$0"; exec "$@"' "$name.pid" "$@" 2> "$name.err"
rc=$?
stty -a > "$name.stty" 2>&1
echo "EXIT=$rc" > "$name.exit"
EOF

start() {
	name=$1 session=$2; shift 2
	sock="ll$$$name"
	SOCKS="$SOCKS $sock"
	tmux -f /dev/null -L "$sock" new-session -d -x 120 -y 40 \
		"env -u LC_ALL -u LC_CTYPE -u LC_MESSAGES -u NO_COLOR $* sh $T/wrap.sh $T/$name $LL tui $T/$session -o $T/$name.out"
}
keys() {
	n=$1; shift
	tmux -L "ll$$$n" send-keys "$@"
}
cap() {
	tmux -L "ll$$$1" capture-pane -p $2 > "$T/$1.cap" 2>/dev/null
}
resize() {
	tmux -L "ll$$$1" resize-window -x "$2" -y "$3"
}
until_ok() {
	n=$1; shift
	i=0 still=0
	# LL_TUI_WAIT: tenths of a second to wait (CI's sanitizer builds run
	# the steps several times slower and give more)
	while [ $i -lt "${LL_TUI_WAIT:-300}" ]; do
		cap "$n"
		if "$@"; then
			cp "$T/$n.cap" "$T/$n.prev"
			while [ $still -lt 20 ]; do
				sleep 0.1
				still=$((still + 1))
				cap "$n"
				cmp -s "$T/$n.cap" "$T/$n.prev" && break
				cp "$T/$n.cap" "$T/$n.prev"
			done
			"$@" && return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "# timed out: $*"
	sed 's/^/#   /' "$T/$n.cap"
	return 1
}
shows() { grep -q -E -- "$2" "$T/$1.cap"; }
exited() { [ -s "$T/$1.exit" ]; }
wait_exit() {
	i=0
	while [ $i -lt 300 ] && ! exited "$1"; do sleep 0.1; i=$((i + 1)); done
	exited "$1"
}
high_bytes() { LC_ALL=C tr -d '\000-\177' < "$1" | wc -c; }
# SGR parameters that set a colour in a capture made with -e
colour_sgr() {
	grep -o "$(printf '\033')\[[0-9;]*m" "$1" | tr -d "$(printf '\033')[m" | tr ';' '\n' |
		grep -c -E '^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$'
}

# the robustness checks (see the top)
open_screen() {
	_os_n=$1 _os_lab=$2 _os_step=$3 _os_key=$4 _os_ere=$5
	shift 5
	start "$_os_n" "$_os_lab" "$@"
	until_ok "$_os_n" shows "$_os_n" '1 Pipeline'
	keys "$_os_n" R
	until_ok "$_os_n" shows "$_os_n" "^ . +$_os_step +done"
	_os_bad=$?
	keys "$_os_n" "$_os_key"
	until_ok "$_os_n" shows "$_os_n" "$_os_ere"
	return $((_os_bad + $?))
}
quits() {
	keys "$1" q
	wait_exit "$1" && grep -q '^EXIT=0$' "$T/$1.exit"
	_q_ok=$?
	[ $_q_ok -eq 0 ] || sed 's/^/# /' "$T/$1.exit" "$T/$1.err" | head -20
	tap_result $_q_ok "${2:-}q quits with status 0"
}
no_colour() {
	cap "$1" -e
	[ "$(colour_sgr "$T/$1.cap")" -eq 0 ]
}
_sz_both() { shows "$1" "$_sz_pat" && "$_sz_fn" "$1"; }
sizes() {
	_sz_n=$1 _sz_what=$2
	shift 2
	_sz_bad=0
	while [ $# -ge 3 ]; do
		resize "$_sz_n" "${1%x*}" "${1#*x}"
		# both waited for: a slow build (sanitizers) may still show a
		# passing message where the check looks
		_sz_pat=$2 _sz_fn=$3
		if ! { until_ok "$_sz_n" _sz_both "$_sz_n" && ! exited "$_sz_n"; }; then
			echo "# at $1"
			_sz_bad=1
		fi
		shift 3
	done
	tap_result $_sz_bad "$_sz_what"
}
screen_in_ascii() {
	open_screen a "$1" "$2" "$3" "$4" LANG=C
	_sa_bad=$?
	[ "$(high_bytes "$T/a.cap")" -eq 0 ] && "$5" a
	tap_result $((_sa_bad + $?)) "LANG=C: $6"
	quits a "LANG=C: "
}
screen_without_colour() {
	open_screen n "$1" "$2" "$3" "$4" LANG=C.UTF-8 NO_COLOR=1
	_sn_bad=$?
	"$5" n && no_colour n
	tap_result $((_sn_bad + $?)) "NO_COLOR=1: $6"
	quits n "NO_COLOR=1: "
}
robustness() {
	screen_in_ascii "$1" "$2" "$3" "$4" "$5" "$6"
	screen_without_colour "$1" "$2" "$3" "$4" "$7" "$8"
}

# A heat-map screen of a 120x40 capture, rows FIRST (3 unless given) to 38:
# the map left of the first column bar (U+2502 or '|'), the panel right of it
left_of_bar() { sed -n "${2:-3},38p" "$T/$1.cap" | perl -CSD -ne 'chomp; ($l) = split /[\x{2502}|]/, $_, 2; print "$l\n"'; }
right_of_bar() { sed -n "${2:-3},38p" "$T/$1.cap" | perl -CSD -ne 'chomp; (undef, $r) = split /[\x{2502}|]/, $_, 2; print +($r // ""), "\n"'; }
# "ROW COL" (from 1 within those rows, and from 0) of the first '[' that
# marks the selected pair
heat_sel() { left_of_bar "$1" "$2" | perl -CSD -ne 'if (!$d && ($c = index($_, "[")) >= 0) { print "$. $c\n"; $d = 1 }'; }
# element $2 (C order) of a .npy of little-endian doubles, as %.4f
npy_at() {
	perl -e 'open F, "<:raw", $ARGV[0] or exit 1; local $/; $d = <F>;
		$v = ord(substr($d, 6, 1)); $hl = $v == 1 ? unpack("v", substr($d, 8, 2)) : unpack("V", substr($d, 8, 4));
		printf "%.4f\n", unpack("d<", substr($d, ($v == 1 ? 10 : 12) + $hl + 8 * $ARGV[1], 8))' "$1" "$2"
}
# Of a plot of the complex plane on stdin: its rows with marks at least 3
# columns left AND right of the imaginary axis (the column with the most
# marks), the real axis (the row with the most) aside: a ring has many,
# the axes and a few eigenvalues few
ring_rows_in() {
	perl -CSD -ne 'chomp; my @c; while (/[\x{2801}-\x{28FF}\/\\|_.:\x27#+-]/g) { push @c, pos() - 1 }
		push @rows, [@c]; $col{$_}++ for @c;
		END { ($ax) = sort { $col{$b} <=> $col{$a} || $a <=> $b } keys %col; $best = 0; $n = 0;
			for $i (0 .. $#rows) { $best = $i if @{$rows[$i]} > @{$rows[$best]} }
			for $i (0 .. $#rows) {
				next if $i == $best; ($l, $r) = (0, 0);
				for (@{$rows[$i]}) { $l = 1 if $_ <= $ax - 3; $r = 1 if $_ >= $ax + 3 }
				$n++ if $l && $r }
			print $n + 0 }'
}
