#!/bin/sh
# tests/e2e/test_tui_tca_opts.sh - the workbench on a session whose [tca]
# starts from an earlier fit, keeps one mode fixed and is regularised
# (TAP; skipped without tmux): the Pipeline screen lists the keys with
# their values, R runs the session, and the Factors screen says on its
# status line that the fit was a warm start with mode 2 fixed and which penalties
# it carried (with the penalised objective), and marks the fixed mode's
# column; the fixed factor written is the model's, byte for byte.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/e2e/tui_lib.sh"

"$LL" synth -o "$T/syn" >/dev/null 2>&1 || { echo "Bail out! synth failed"; exit 1; }
"$LL" tca "$T/syn/data.npy" -o "$T/a" -r 3 -n 2 -m ncp-hals -q >/dev/null || { echo "Bail out! tca failed"; exit 1; }
cat > "$T/w.lab" <<EOF
[session]
name = warm
seed = 1
[data]
kind = npy
path = syn/data.npy
[tensor]
[tca]
ranks = 3
method = ncp-hals
warm_start = a/rank_03
fix_modes = 2
ridge = 10
l1 = 100
l1_modes = 0
EOF

start w w.lab LANG=C.UTF-8
until_ok w shows w '1 Pipeline'
keys w G
until_ok w shows w 'warm_start += a/rank_03'
r1=$?
shows w 'fix_modes += 2'; r2=$?
shows w 'l1_modes += 0'; r3=$?
tap_result $((r1 + r2 + r3)) "the Pipeline screen lists warm_start, fix_modes and l1_modes"
keys w R
until_ok w shows w 'tca +(done|[0-9.]+ s)'
tap_result $? "R runs the session"
keys w 2
until_ok w shows w 'warm start; fixed: mode 2 \(trial\)'
r1=$?
shows w 'ridge 10, l1 100 on neuron: penalised objective 0\.[0-9]+'; r2=$?
shows w 'trial \(80\) fixed'; r3=$?
tap_result $((r1 + r2 + r3)) "Factors: warm start, the fixed mode, the penalties and the penalised objective"
keys w q
sleep 0.5
keys w y
wait_exit w
cmp -s "$T/a/rank_03/rep_00/factor_2.npy" "$T/w.out/tca/rank_03/rep_00/factor_2.npy"
tap_result $? "the fixed factor written is the model's"
tap_done
