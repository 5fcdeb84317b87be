#!/bin/sh
# dash.sh: the dashboard, driven in tmux as a person would: keys, the
# panels' numbers against the same session in batch mode, the command
# line, run and Ctrl-C, the surface, resize, the help overlay, and the
# prompt (and the terminal) after q, and Ctrl-C during a command at the
# prompt.  Skipped when tmux is missing.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed (./setup check installs it)"
    exit 0
fi

sock=bilabtest.$$
win=bt
T() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1;
      rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmpdir"' EXIT
trap 'exit 1' INT TERM HUP

# UTF-8 when the system has it; every pattern below also matches the
# ASCII fallback
loc=C
locale -a 2>/dev/null | grep -qi '^c\.utf-*8$' && loc=C.UTF-8
mkdir -p "$tmpdir/home"

# the pane's text (a few tries: a loaded machine can be slow to answer)
screen() {
    for try in 1 2 3; do
        T capture-pane -p -t "$win" >"$tmpdir/screen" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# wait_for REGEX [SECONDS]: polls the screen until a line matches
wait_for() {
    n=0 lim=$(( ${2:-30} * 10 ))
    while [ $n -lt $lim ]; do
        screen
        grep -q -E -- "$1" "$tmpdir/screen" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    diag "timed out waiting for: $1" "the screen:" "$(cat "$tmpdir/screen")"
    return 1
}

# wait_gone REGEX [SECONDS]: polls until no line matches
wait_gone() {
    n=0 lim=$(( ${2:-30} * 10 ))
    while [ $n -lt $lim ]; do
        screen
        grep -q -E -- "$1" "$tmpdir/screen" || return 0
        sleep 0.1
        n=$((n + 1))
    done
    diag "still on the screen: $1" "$(cat "$tmpdir/screen")"
    return 1
}

keys() { T send-keys -t "$win" "$@"; }
# a line typed literally, then Enter
typeln() { T send-keys -t "$win" -l "$1"; T send-keys -t "$win" Enter; }

# a number of the batch output: field after "LABEL = " on the last line matching PAT
# (the session below steps gd, as inner.solver auto would take newton)
batch_num() {   # batch_num COMMANDS PAT LABEL
    "$BILAB" -e "set inner.solver gd; $1" 2>/dev/null | grep -- "$2" | tail -1 |
        sed -n "s/.*$3 = \([^ ]*\).*/\1/p"
}
# the same for "residual X" (no '=')
batch_resid() {
    "$BILAB" -e "set inner.solver gd; $1" 2>/dev/null | grep -- "$2" | tail -1 |
        sed -n 's/.*residual \([^ ]*\).*/\1/p'
}
esc() { printf '%s' "$1" | sed 's/[].[*^$+?(){}|\\]/\\&/g'; }
# a panel's first line: the border (UTF-8, ASCII or the ACS letter), then TEXT
panel_has() { grep -E -q -- "^(x|[^A-Za-z0-9 ]{1,3})$1" "$tmpdir/screen"; }

# ---- batch mode refuses the dashboard ----
"$BILAB" -e dash >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ] && grep -q 'bilab: dash: .*terminal' "$tmpdir/e"
ok $? "dash in batch mode is a clear error"
echo 'show' | "$BILAB" --dash >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -ne 0 ] && grep -q -- '--dash: .*terminal' "$tmpdir/e"
ok $? "--dash without a terminal is a clear error"
"$BILAB" -e 'help dash' >"$tmpdir/o" 2>&1
grep -q 'space' "$tmpdir/o" && grep -q 'Ctrl-C' "$tmpdir/o" && grep -q '^  q ' "$tmpdir/o"
ok $? "help dash lists the keys"

# ---- the session in tmux ----
# stty before and after bilab: leaving the dashboard restores the terminal
T -f /dev/null new-session -d -s "$win" -x 100 -y 30 \
    "env HOME='$tmpdir/home' LC_ALL=$loc sh -c 'trap \"\" INT; stty -g >\"$tmpdir/stty0\"; \"$BILAB\" -q; \
     stty -g >\"$tmpdir/stty1\"; echo BILAB-EXITED; sleep 600'"
wait_for '^bilab> ?$' 20
ok $? "the prompt comes up in tmux"

typeln 'set inner.solver gd'
typeln dash
wait_for 'hypergradient' && wait_for 'inner gd .* it 0'
ok $? "dash opens the panels"

keys i i i i i
wait_for 'inner gd .* it 5'
ok $? "i five times: five inner iterations"
G=$(batch_num 'step inner 5' 'inner gd *5' G)
R=$(batch_num 'step inner 5' 'inner gd *5' '‖∇θG‖')
panel_has "G = $(esc "$G")  .* = $(esc "$R")"
ok $? "the inner panel shows G = $G, ‖∇θG‖ = $R as batch 'step inner 5'"

keys a a a
wait_for 'adjoint cg .* it 3'
ok $? "a three times: three adjoint iterations"
A=$(batch_resid 'step inner 5; step adjoint 3' 'adjoint cg *3')
panel_has "residual $(esc "$A")  "
ok $? "the adjoint panel's residual $A is batch's"

keys o o
wait_for 'outer gd .* step 2'
ok $? "o twice: two outer steps"
cmds='step inner 5; step adjoint 3; step outer 2'
F=$(batch_num "$cmds" 'outer *2' F)
g=$(batch_num "$cmds" 'outer *2' '‖g‖')
panel_has "F = $(esc "$F")  .* = $(esc "$g")  "
ok $? "the outer panel shows F = $F, ‖g‖ = $g as batch"
W=$("$BILAB" -e "$cmds; show omega" | sed -n 's/^omega = //p')
grep -q -- "= $(esc "$W")" "$tmpdir/screen" && head -1 "$tmpdir/screen" | grep -q -- "$(esc "$W")"
ok $? "the header's ω is batch's $W"

# the command line, and the hypergradient panel against batch hypergrad
keys :
typeln 'set hypergrad.specs exact cg:k=3'
wait_for 'cg:k=3 '
ok $? ":set hypergrad.specs adds an estimator to the panel"
N=$("$BILAB" -e "$cmds; hypergrad exact cg:k=3" | awk '$1 == "cg:k=3" { print $2; exit }')
E=$("$BILAB" -e "$cmds; hypergrad exact cg:k=3" | awk '$1 == "cg:k=3" { print $3; exit }')
grep -E -q -- "cg:k=3 +$(esc "$N") +$(esc "$E") " "$tmpdir/screen"
ok $? "the hypergradient panel's cg:k=3 (‖g‖ $N, rel.err $E) is batch's"
keys :
typeln 'show omega'
wait_for "^omega = $(esc "$W")"
ok $? ":show omega answers in the message area"

# help overlay
keys '?'
wait_for 'dashboard keys' && grep -q 'run/pause' "$tmpdir/screen"
ok $? "? opens the help overlay with the keys"
keys x
wait_gone 'dashboard keys'
ok $? "a key closes the overlay"

# resize: 80x24 draws everything, below the minimum a message, back again
T resize-window -t "$win" -x 80 -y 24
wait_for 'surface' && [ "$(wc -l <"$tmpdir/screen")" -eq 24 ] && ! grep -q 'too small' "$tmpdir/screen"
ok $? "80x24: every panel"
grep -q 'hypergradient' "$tmpdir/screen" && grep -q 'adjoint' "$tmpdir/screen" &&
    grep -q 'outer gd' "$tmpdir/screen"
ok $? "80x24: the panels are all there"
T resize-window -t "$win" -x 50 -y 14
wait_for 'too small'
ok $? "50x14: a clear message instead of the panels"
T resize-window -t "$win" -x 100 -y 30
wait_for 'hypergradient' && wait_gone 'too small'
ok $? "back to 100x30: the panels again"

# the surface, in the background
keys s
wait_for 'surface F\(.*\) .* [0-9]+ points' 60
ok $? "s computes the surface"

# continuous run, stopped by Ctrl-C (not the program)
keys ' '
wait_for 'outer gd .* step ([3-9]|[1-9][0-9]+)' 30
ok $? "space runs outer steps"
keys C-c
wait_for 'interrupted'
ok $? "Ctrl-C stops the run"
wait_for 'outer gd .* step [0-9]+'
s1=$(grep -E -o 'outer gd .* step [0-9]+' "$tmpdir/screen" | head -1)
sleep 1
wait_for 'outer gd .* step [0-9]+'
s2=$(grep -E -o 'outer gd .* step [0-9]+' "$tmpdir/screen" | head -1)
[ -n "$s1" ] && [ "$s1" = "$s2" ] && grep -q 'hypergradient' "$tmpdir/screen"
ok $? "after Ctrl-C the run is paused and the dashboard still up ($s2)"

# e cycles the outer estimator
keys e
wait_for 'outer gd it [0-9]+ s 1 cg:k=3'
ok $? "e cycles the outer estimator"

# q: back at a working prompt with the state kept
wait_for '^ bilab .* = \['
W2=$(head -1 "$tmpdir/screen" | sed -n 's/.* = \(\[[^]]*\]\).*/\1/p')
keys q
wait_for '^bilab> ?$'
ok $? "q returns to the prompt"
typeln 'show omega'
wait_for "^omega = $(esc "$W2")"
ok $? "the prompt works and ω is the dashboard's $W2"
keys Up
wait_for '^bilab> show omega$'
ok $? "readline history is intact"
keys C-u
typeln dash
wait_for 'hypergradient' && wait_for 'cg:k=3 '
ok $? "dash again resumes with the settings kept"
keys q
wait_for '^bilab> ?$'
# Ctrl-C during a long command at the prompt: the terminal's "^C" ends its
# line, and the command's message starts a line of its own
T clear-history -t "$win"
keys C-l
typeln "problem use quadratic p=300 kappa=1e8; set omega 1,1,1,1,1; set inner.solver gd; set inner.tol 1e-15; set inner.maxit 100000000; solve inner"
sleep 1
keys C-c
wait_for 'interrupted after'
grep -q -E '^\^C$' "$tmpdir/screen" && grep -q -E '^bilab: solve: interrupted after [0-9]+ iterations$' "$tmpdir/screen"
ok $? "Ctrl-C at work: '^C' alone on its line, the message on the next"
typeln "set inner.maxit 10000; set inner.tol 1e-10"
wait_for '^inner.tol = 1e-10$'
typeln quit
wait_for 'BILAB-EXITED'
ok $? "quit leaves bilab"
cmp -s "$tmpdir/stty0" "$tmpdir/stty1"
ok $? "the terminal modes are those bilab started with"
T kill-session -t "$win" >/dev/null 2>&1

# a stochastic outer.opt at 80x24: o and space step the algorithm as
# `step outer` does; the outer panel shows the batch session's numbers, the
# x axis is labelled with oracle calls and epochs, the adjoint panel v's
# residual
qs='problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3; set outer.opt soba:step_size=0.5,batch_size=16'
T new-session -d -s d3 -x 80 -y 24 \
    "env HOME='$tmpdir/home' LC_ALL=$loc '$BILAB' -q --dash -e '$qs'; sleep 600"
win=d3
wait_for 'outer soba .* step 0' 20
ok $? "soba on the dashboard: the outer panel names it"
keys o o o
wait_for 'outer soba .* step 3'
ok $? "o three times: three soba steps"
row=$("$BILAB" -e "$qs; step outer 3" | tail -1)
F=$(printf '%s\n' "$row" | sed -n 's/.* F = \([^ ]*\) .*/\1/p')
g=$(printf '%s\n' "$row" | sed -n 's/.* = \([^ ]*\) F .*/\1/p')
gap=$(printf '%s\n' "$row" | sed -n 's/.*F\* = \([^ ]*\) .*/\1/p')
panel_has "F = $(esc "$F")  .* = $(esc "$g") " && grep -q -- "F\* = $(esc "$gap")" "$tmpdir/screen"
ok $? "the outer panel shows batch's F = $F, ‖∇F‖ = $g, F − F* = $gap"
grep -E -q -- '^[^ ]{1,3} +5 +oracle calls +15[^0-9]' "$tmpdir/screen" &&
    grep -E -q -- '^[^ ]{1,3} +0.25 +epochs +0.75[^0-9]' "$tmpdir/screen"
ok $? "the x axis: oracle calls 5..15, epochs 0.25..0.75"
panel_has "v residual [0-9]"
ok $? "the adjoint panel shows v's residual"
keys ' '
wait_for 'outer soba .* step ([5-9]|[1-9][0-9]+)' 30
keys C-c
wait_for 'interrupted'
ok $? "space runs soba steps, Ctrl-C stops them"
keys q
T kill-session -t d3 >/dev/null 2>&1

# bilab --dash: straight into the dashboard, q goes on to the prompt
T new-session -d -s d2 -x 100 -y 30 \
    "env HOME='$tmpdir/home' LC_ALL=$loc '$BILAB' -q --dash -e 'set omega 1'; sleep 600"
win=d2
wait_for 'hypergradient' 20 && wait_for '= \[1\]'
ok $? "bilab --dash -e ... opens the dashboard after the commands"
keys q
wait_for '^bilab> ?$'
ok $? "--dash: q goes on to the prompt"
typeln quit

done_testing
