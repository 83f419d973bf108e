#!/bin/sh
# tests/e2e/test_tui_polish.sh - the workbench's issue-17 leftovers at
# 80x24 (TAP; skipped without tmux), on the simulated bio session:
#  - D8: the Factors screen shows the whole rank-choice reason (wrapped
#    above the status line, which cuts it)
#  - b at 80 columns puts the pinned fit below the table, full width, so
#    the mode headers stay whole (side by side they were cut to 7 cells)
#  - the mouse wheel zooms the Trajectory's 3-D view (up: in, as the
#    report's 3-D view) and steps one component a notch in a Factors zoom
#  - search is incremental: the cursor is on the first match while the
#    word is typed, and back where it was on Esc
#  - D5: stale results stay visible, marked STALE, until rerun; an undo
#    back to the file's values clears the [+] mark
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

sed -e 's/^ranks = 1-6/ranks = 1-4/' "$SRC/examples/bio.lab" > "$T/bio.lab"

start p bio.lab LANG=C.UTF-8 TERM=xterm-256color
until_ok p shows p '1 Pipeline'
resize p 80 24
keys p R
until_ok p shows p 'every step done'

# ---- search: the detail area follows the cursor while / is typed
keys p g
until_ok p shows p 'Session settings'
keys p / n o r m a l i z
until_ok p shows p '^/normaliz'
shows p 'normalize' && ! shows p 'Session settings'
r1=$?
keys p Escape
until_ok p shows p 'search abandoned'
shows p 'Session settings'
tap_result $((r1 + $?)) "search: the cursor is on the first match while typing, back where it was on Esc"

# ---- D8: the reason whole at 80 columns
keys p 2
until_ok p shows p 'chosen rank 3:'
perl -ne 'if (/^ chosen rank \d+:/) { $on = 1 } elsif ($on && /^ (rank \d+:|Enter )/) { $on = 0 }
	if ($on) { chomp; s/^ //; s/ +$//; $t .= ($t eq "" ? "" : " ") . $_ }
	END { exit !($t =~ /^chosen rank 3: .*replicates agree \(mean similarity [0-9.]+\)$/) }' "$T/p.cap"
tap_result $? "D8: the whole rank-choice reason on the Factors screen at 80 columns"

# ---- b at 80 columns: the pinned fit below, headers whole
keys p b
until_ok p shows p 'beside \(b\): rank 3'
[ "$(grep -c 'neuron (50) ' "$T/p.cap")" -eq 2 ] && [ "$(grep -c 'time (60) ' "$T/p.cap")" -eq 2 ]
tap_result $? "b at 80 columns: the pinned fit below the table, every mode header whole in both"
keys p b

# ---- the wheel: Factors zoom one component a notch, Trajectory zoom
keys p g Enter
until_ok p shows p '^ C1  weight'
keys p -l "$(printf '\033[<65;30;10M')"
until_ok p shows p '^ C2  weight'
tap_result $? "the wheel steps one component a notch in a Factors zoom"
keys p q 3
until_ok p shows p 'zoom=1 proj'
keys p -l "$(printf '\033[<64;30;10M')"
until_ok p shows p 'zoom=1.25 proj'
r1=$?
keys p -l "$(printf '\033[<65;30;10M\033[<65;30;10M')"
until_ok p shows p 'zoom=0.8 proj'
tap_result $((r1 + $?)) "the wheel zooms the Trajectory's 3-D view (up: in, down: out)"

# ---- D5: stale results stay, marked; undo clears [+]
keys p 1 : 'set tca.replicates 3' Enter
until_ok p shows p 'bio \[\+\]'
keys p 2 j
until_ok p shows p 'STALE \(tca: edited since'
shows p 'C1 loads on' && ! shows p 'No TCA results yet'
tap_result $? "D5: after an edit the stale factors stay on screen, marked STALE"
keys p 1 u
until_ok p shows p 'undone: \[tca\] replicates = 5'
! shows p '\[\+\]'
tap_result $? "D5: an undo back to the file's values clears the [+] mark"
keys p 2
until_ok p shows p 'C1 loads on'
! shows p 'STALE'
tap_result $? "back to the values the results came from: not marked stale"
keys p : 'q!' Enter
wait_exit p
tap_result $? "q! quits"
tap_done
