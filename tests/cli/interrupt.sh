#!/bin/sh
# interrupt.sh: long work at the prompt, driven in tmux as a person would:
# a progress line on stderr after a second, and Ctrl-C stopping it with
# the session left as it was: building a large quadratic (its QR by
# panels) and heat (its propagation), the dense H of heat (S P from s
# propagations) and the Lanczos spectrum.  Skipped when tmux is missing.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed (./setup check installs it)"
    exit 0
fi

sock=bilabint.$$
win=bi
T() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1;
      rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmpdir"' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$tmpdir/home"

screen() {
    for try in 1 2 3; do
        T capture-pane -p -t "$win" >"$tmpdir/screen" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# wait_for REGEX [SECONDS]
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

keys() { T send-keys -t "$win" "$@"; }
typeln() { T send-keys -t "$win" -l "$1"; T send-keys -t "$win" Enter; }
clear_screen() { keys C-l; T clear-history -t "$win"; sleep 0.2; }

T -f /dev/null new-session -d -s "$win" -x 120 -y 30 \
    "env HOME='$tmpdir/home' OPENBLAS_NUM_THREADS=1 '$BILAB' -q; echo BILAB-EXITED; sleep 600"
wait_for '^bilab> ?$' 20
ok $? "the prompt comes up in tmux"

# interrupt CMD WHAT DONE-MESSAGE DESCRIPTION: types CMD, waits for the
# progress line of WHAT, presses Ctrl-C, waits for DONE-MESSAGE
interrupt() {
    clear_screen
    typeln "$1"
    wait_for "  $2: [0-9]+% \([0-9]+s" 60
    ok $? "$4: a progress line after a second"
    keys C-c
    wait_for "$3" 30 && wait_for '^bilab> ?$' 10
    ok $? "$4: Ctrl-C stops it ($3)"
}

interrupt 'problem use quadratic p=5000' 'building quadratic' \
    'bilab: problem: interrupted while building quadratic' "quadratic p=5000"
interrupt 'problem use heat N=5000 nt=100000' 'building heat' \
    'bilab: problem: interrupted while building heat' "heat nt=100000"
clear_screen
typeln 'show'
wait_for '^problem +ridge ' 10
ok $? "the session is still ridge on diabetes after both"

typeln 'problem use heat N=3000 s=3000 nt=2000'
wait_for '^problem heat: θ ∈ R\^3000' 30
interrupt 'hypergrad exact' 'dense H: S P' 'bilab: hypergrad: interrupted' "heat's dense H"
typeln 'problem use heat N=50000 nt=200'
wait_for '^problem heat: θ ∈ R\^50000' 30
interrupt 'spectrum' 'spectrum \(Lanczos\)' 'bilab: spectrum: interrupted' "the Lanczos spectrum"
clear_screen
typeln 'show omega'
wait_for '^omega = \[-6, -9\]' 10
ok $? "the session answers after the interruptions"
# surface: its grid runs in a thread of its own; the prompt's thread shows
# the progress and passes Ctrl-C on
typeln 'problem use quadratic p=200 d=2'
wait_for '^problem quadratic: θ ∈ R\^200' 30
clear_screen
typeln 'surface omega[0]=-3:3:300 omega[1]=-3:3:300'
wait_for '  [0-9]+/90000 points, ' 60
ok $? "surface 300×300: a progress line"
keys C-c
wait_for 'bilab: surface: interrupted: [0-9]+ of 90000 points computed' 30 &&
    wait_for '^bilab> ?$' 10
ok $? "surface 300×300: Ctrl-C stops it (the points done kept, partial)"
# compare of stochastic algorithms: runs on the threads; the progress line
# counts the runs' budgets spent; Ctrl-C stops every run, the session stays
typeln 'problem use quadsum n_inner=4096 n_outer=4096 dim_inner=50 dim_outer=10'
wait_for '^problem quadsum: θ ∈ R\^50' 30
clear_screen
typeln 'compare soba,saba calls=1000000000 seeds=4'
wait_for '  [0-9.]+/8 runs, ' 60
ok $? "compare soba,saba over seeds: a progress line"
keys C-c
wait_for 'bilab: compare: interrupted: [0-9]+ of 8 runs done' 30 &&
    wait_for '^bilab> ?$' 10
ok $? "compare soba,saba over seeds: Ctrl-C stops it"
typeln quit
wait_for 'BILAB-EXITED' 10
ok $? "and quits"
done_testing
