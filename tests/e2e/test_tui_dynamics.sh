#!/bin/sh
# tests/e2e/test_tui_dynamics.sh - the workbench's Dynamics screen and the
# Trajectory screen of an RNN session, driven through tmux (TAP; skipped
# without tmux): a tiny flip-flop session (2 cells x 2 seeds, 8 units)
# run with R, then the fixed points of each network as the list shows them
# against OUTDIR/dynamics/fixedpoints.csv, the selection, the networks, the
# eigenvalue plot with its unit circle, the trajectories with the fixed
# points' glyphs, ASCII, NO_COLOR, small terminals, quitting.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

cat > "$T/ff.lab" <<EOF
[session]
name = fftiny
seed = 1
[data]
kind = task
[rnn]
task = flipflop
cells = vanilla,gru
seeds = 2
hidden = 8
iters = 60
probes = 4
[dynamics]
inits = 32
EOF

# A 120x40 capture: the Dynamics list is left of the bar in column 41
# (from 1), the eigenvalue plot right of it: its title in line 3, its
# canvas in lines 4-37, its legend in line 38.
left() { sed -n '3,38p' "$T/$1.cap" | perl -CSD -ne 'chomp; print substr($_, 0, 40), "\n"'; }
plot() { sed -n '4,37p' "$T/$1.cap" | perl -CSD -ne 'chomp; print length($_) > 41 ? substr($_, 41) : "", "\n"'; }
# the list's rows as "INDEX CLASS UNSTABLE"; the selected row's index
fp_rows() {
	left "$1" | perl -CSD -ne 'print "$1 $2 $3\n"
		if /^ (?:\x{25b6}|>| ) +(\d+) [\x{25cf}\x{2715}\x{25c6}\x{25cb}ox*~] (stable|saddle|repeller|slow) +(\d+) +[0-9.]+e[-+]\d+ +[0-9.]+ *$/'
}
fp_sel() { left "$1" | perl -CSD -ne 'print "$1\n" if /^ (?:\x{25b6}|>) +(\d+) /'; }
# "stable saddle repeller slow": the list's rows of each class, and
# fixedpoints.csv's counts for network $2
row_counts() { fp_rows "$1" | awk '{ c[$2]++ } END { print c["stable"] + 0, c["saddle"] + 0, c["repeller"] + 0, c["slow"] + 0 }'; }
csv_counts() { awk -F, -v n="$2" 'NR > 1 && $1 == n { print $7, $8, $9, $6 }' "$T/$1.out/dynamics/fixedpoints.csv"; }
# the list agrees with the csv for network $2: one row per point, as many
# of each class, and the summary line above it says so
list_is() {
	set -- "$1" "$2" $(csv_counts "$1" "$2")
	[ $# -eq 6 ] && [ "$(row_counts "$1")" = "$3 $4 $5 $6" ] &&
		shows "$1" "^ $3 stable, $4 saddle, $5 repeller, $6 slow"
}
# non-blank braille cells in the plot
plot_braille() { plot "$1" | perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
# rows of the plot across the ring (ring_rows_in: tui_lib.sh)
ring_rows() { plot "$1" | ring_rows_in; }
# the Trajectory canvas: lines 3-38, the 90 columns left of the legend
canvas() { sed -n '3,38p' "$T/$1.cap" | perl -CSD -ne 'chomp; print substr($_, 0, 90), "\n"'; }
traj_braille() { canvas "$1" | perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }'; }
traj_glyphs() { canvas "$1" | perl -CSD -ne '$n += () = /[\x{25cf}\x{2715}\x{25c6}\x{25cb}]/g; END { print $n + 0 }'; }
traj_ascii_glyphs() { canvas "$1" | perl -ne '$n += () = /[ox*~]/g; END { print $n + 0 }'; }

# ---- keys ---------------------------------------------------------------------
"$LL" tui --keys > "$T/keys"
ok=$?
sed -n '/^Dynamics$/,/^$/p' "$T/keys" > "$T/dynkeys"
grep -q -E '^  5 +Dynamics screen$' "$T/keys" && grep -q -E '^  8 +Log screen$' "$T/keys" &&
	grep -q -E '^  n \] +next network' "$T/dynkeys" && grep -q -E '^  j Down +next fixed point' "$T/dynkeys" &&
	grep -q -E '^  :net N ' "$T/keys" && grep -q -E '^  :point K ' "$T/keys" || ok=1
tap_result $ok "tui --keys: the Dynamics screen (5) with its keys, :net and :point"

# ---- UTF-8, colour ------------------------------------------------------------------
start u ff.lab LANG=C.UTF-8
until_ok u shows u '4 Compare +5 Dynamics +6 DSA +7 Spectrum +8 Log'
r1=$?
keys u 5
until_ok u shows u 'No fixed points yet'
r2=$?
shows u 'Run the dynamics step: on the Pipeline screen \(1\), R runs every step, or :run dynamics'
tap_result $((r1 + r2 + $?)) "Dynamics before the step has run: says what to run"
keys u 3
until_ok u shows u 'Run the rnn step'
tap_result $? "Trajectory of an RNN session before the rnn step: says to run it"

keys u 1 R
until_ok u shows u '^ . +dynamics +done'
r1=$?
CSV=$T/u.out/dynamics/fixedpoints.csv
NETS=$(($(wc -l < "$CSV") - 1))
# the first network with two points or more: j has somewhere to go
K=$(awk -F, 'NR > 1 && $5 + $6 >= 2 { print $1; exit }' "$CSV")
K1=$(((K + 1) % NETS))
echo "# $NETS networks; network $K has two points or more"
[ "$NETS" -eq 4 ] && [ -n "$K" ]
tap_result $((r1 + $?)) "R runs the rnn and dynamics steps: four networks in fixedpoints.csv"

keys u 5
until_ok u shows u '^ network 0 of 4: vanilla, 8 units  \|  (not )?learned: sign accuracy [0-9.]+  \|  [0-9]+ fixed, [0-9]+ slow'
r1=$?
echo "# network 0: list $(row_counts u), csv $(csv_counts u 0)"
list_is u 0 && shows u '^ +# class +unst +q +\|λ\|max'
tap_result $((r1 + $?)) "Dynamics: network 0 (cell, units, learned); its points by class as in fixedpoints.csv"
cap u -e
[ "$(colour_sgr "$T/u.cap")" -gt 0 ]
tap_result $? "Dynamics: colour by default (the NO_COLOR check below can fail)"

keys u : "net $K" Enter
until_ok u shows u "^ network $K of 4: "
r1=$?
[ "$(fp_sel u)" = 0 ] && list_is u "$K"
r2=$?
keys u j
until_ok u eval '[ "$(fp_sel u)" = 1 ]'
r3=$?
shows u "point 1 of [0-9]+, (stable|saddle|repeller|slow)"
tap_result $((r1 + r2 + r3 + $?)) ":net $K shows network $K from its first point; j selects point 1"
keys u k
until_ok u eval '[ "$(fp_sel u)" = 0 ]'
r1=$?
keys u G
until_ok u eval '[ "$(fp_sel u)" = "$(fp_rows u | tail -1 | cut -d" " -f1)" ]'
r2=$?
keys u g
until_ok u eval '[ "$(fp_sel u)" = 0 ]'
tap_result $((r1 + r2 + $?)) "k, G and g move the selection (back, last point, first point)"

keys u : 'point 1' Enter
until_ok u eval '[ "$(fp_sel u)" = 1 ]'
r1=$?
# the title under the plot says how many of the point's eigenvalues are unstable, as the list does
u1=$(fp_rows u | awk '$1 == 1 { print $3 }')
shows u "Eigenvalues of point 1 \((stable|saddle|repeller|slow)\): $u1 of 8 outside the unit circle"
r2=$?
nb=$(plot_braille u) ring=$(ring_rows u)
echo "# point 1: $u1 unstable; braille cells in the plot: $nb, rows across the ring: $ring"
[ -n "$u1" ] && [ "$nb" -ge 40 ] && [ "$ring" -ge 10 ] && shows u '⠛ \|λ\|≤1  ⠛ \|λ\|>1  circle \|λ\| = 1'
tap_result $((r1 + r2 + $?)) ":point 1; its eigenvalues in braille with the unit circle, the axes and a legend"

keys u n
until_ok u shows u "^ network $K1 of 4: "
r1=$?
echo "# network $K1: list $(row_counts u), csv $(csv_counts u $K1)"
[ "$(fp_sel u)" = 0 ] && list_is u "$K1"
r2=$?
keys u '['
until_ok u shows u "^ network $K of 4: "
r3=$?
keys u N
until_ok u shows u "^ network $(((K + NETS - 1) % NETS)) of 4: "
tap_result $((r1 + r2 + r3 + $?)) "n shows the next network (its points as in fixedpoints.csv); [ and N go back"
keys u : 'net 4' Enter
until_ok u shows u ':net takes a network number, 0-3'
r1=$?
keys u : "net $K" Enter : 'point 99' Enter
until_ok u shows u ":point takes a point number of network $K, 0-"
tap_result $((r1 + $?)) ":net and :point refuse numbers out of range"

# the Trajectory screen shows the same network, with its fixed points
keys u 3
until_ok u shows u "^ network $K of 4 \((vanilla|gru), 8 units\): 4 probes x 100 steps, PCA of its states"
r1=$?
nb=$(traj_braille u) ng=$(traj_glyphs u)
canvas u > "$T/view1"
echo "# Trajectory: $nb braille cells, $ng fixed-point glyphs"
[ "$nb" -gt 45 ] && [ "$ng" -ge 1 ] && shows u '● stable  ✕ saddle' && shows u '◆ repeller  ○ slow' &&
	shows u '1 PC1 [0-9.]+%' && shows u 'probe 3'
tap_result $((r1 + $?)) "Trajectory: network $K's probe paths on its PCs in braille, with its fixed points' glyphs"
keys u l
until_ok u shows u 'az=60 el=30'
r1=$?
canvas u > "$T/view2"
! cmp -s "$T/view1" "$T/view2"
tap_result $((r1 + $?)) "Trajectory: l rotates the paths and the points"
keys u ']'
until_ok u shows u "^ network $K1 of 4 \("
r1=$?
keys u 5
until_ok u shows u "^ network $K1 of 4: "
tap_result $((r1 + $?)) "] on the Trajectory screen shows the next network there and on the Dynamics screen"

keys u : "net $K" Enter
until_ok u shows u "^ network $K of 4: "
at_40x12() { [ "$(fp_rows "$1" | wc -l)" -ge 2 ] && shows "$1" '5 Dyn' && shows "$1" 'the eigenvalue plot needs more room'; }
at_60x24() { [ "$(perl -CSD -ne '$n += () = /[\x{2801}-\x{28FF}]/g; END { print $n + 0 }' "$T/$1.cap")" -ge 20 ]; }
sizes u "Dynamics at 40x12 (the list), 60x24 (the plot under it), 30x10 (too small), back at 120x40" \
	40x12 "^ net $K of 4: (vanilla|gru), (not )?learned" at_40x12 \
	60x24 'Point 0 \((stable|saddle|repeller|slow)\)' at_60x24 \
	30x10 'terminal too small' : \
	120x40 "^ network $K of 4: " :
quits u

# ---- LANG=C: ASCII only -------------------------------------------------------------
open_screen a ff.lab dynamics 5 '^ network 0 of 4: ' LANG=C
r1=$?
ring=$(ring_rows a)
echo "# LANG=C: rows across the ring: $ring"
[ "$(high_bytes "$T/a.cap")" -eq 0 ] && list_is a 0 && fp_rows a | head -1 | grep -q stable &&
	left a | grep -q -E '^ > +0 o stable ' && [ "$ring" -ge 10 ] && shows a 'o stable  x unstable  circle \|l\| = 1'
tap_result $((r1 + $?)) "LANG=C: the Dynamics list and eigenvalue plot in ASCII"
keys a 3
until_ok a shows a '^ network 0 of 4 \(vanilla'
r1=$?
ng=$(traj_ascii_glyphs a)
echo "# LANG=C: fixed-point characters on the Trajectory canvas: $ng"
[ "$(high_bytes "$T/a.cap")" -eq 0 ] && [ "$ng" -ge 1 ] && shows a 'o stable  x saddle' && shows a '\* repeller  ~ slow'
tap_result $((r1 + $?)) "LANG=C: the Trajectory screen draws the fixed points as o x * ~"
quits a "LANG=C: "

# ---- NO_COLOR -----------------------------------------------------------------------
in_braille() { [ "$(plot_braille "$1")" -ge 40 ]; }
screen_without_colour ff.lab dynamics 5 '^ network 0 of 4: ' in_braille \
	"the Dynamics screen in braille without colour escapes"

tap_done
