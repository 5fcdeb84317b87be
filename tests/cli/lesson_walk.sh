#!/bin/sh
# lesson_walk.sh: lessons outside the prompt and at it.  Batch mode
# (-e, standard input) runs a lesson whole, as -f runs its file; the
# lessons are found without $BILAB_LESSONDIR.  Then, driven in tmux at
# 80x24 as a lecturer would: lesson ridge_tour shows the narrative and the
# next command, Enter on an empty line runs it (the output of the first
# two commands appears), a command typed in between runs and the lesson
# waits, lesson back / next, lesson stop returns to the bilab> prompt with
# the session kept, clear clears; and on the dashboard Enter runs the next
# command.  The tmux part is skipped when tmux is missing.
. "$(dirname "$0")/lib.sh"

# ---- batch mode: the whole lesson, as source ----
lessons=$srcdir/doc/lessons
"$BILAB" -f "$lessons/ridge_tour.bl" >"$tmpdir/f.out" 2>&1
"$BILAB" -e 'lesson ridge_tour' >"$tmpdir/e.out" 2>&1
rc=$?
[ $rc -eq 0 ] && [ -s "$tmpdir/f.out" ] && cmp -s "$tmpdir/f.out" "$tmpdir/e.out"
ok $? "bilab -e 'lesson ridge_tour' prints what bilab -f ridge_tour.bl does (exit $rc)"
echo 'lesson ridge_tour' | "$BILAB" >"$tmpdir/s.out" 2>&1
cmp -s "$tmpdir/f.out" "$tmpdir/s.out"
ok $? "and so does 'lesson ridge_tour' on standard input"
"$BILAB" -e 'lesson nonconvex' >"$tmpdir/e.out" 2>&1
"$BILAB" -f "$lessons/nonconvex.bl" >"$tmpdir/f.out" 2>&1
cmp -s "$tmpdir/f.out" "$tmpdir/e.out" && grep -q 'note: .*failed (try)' "$tmpdir/e.out"
ok $? "a lesson with failures under try (nonconvex) runs whole too"
env -u BILAB_LESSONDIR "$BILAB" -e 'lesson' >"$tmpdir/l.out" 2>&1
n=$(ls "$lessons"/*.bl | wc -l)
[ "$(grep -c '^  [a-z_]* ' "$tmpdir/l.out")" -ge "$n" ] && grep -q '^  ridge_tour   a ridge tour$' "$tmpdir/l.out"
ok $? "without \$BILAB_LESSONDIR, lesson lists the $n lessons (the source tree's or installed)"

if ! command -v tmux >/dev/null 2>&1; then
    echo "ok $((tap_n + 1)) # SKIP tmux is not installed (./setup check installs it)"
    tap_n=$((tap_n + 1))
    done_testing
    exit
fi

sock=bilablesson.$$
win=bl
T() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1;
      rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmpdir"' EXIT
trap 'exit 1' INT TERM HUP
loc=C
locale -a 2>/dev/null | grep -qi '^c\.utf-*8$' && loc=C.UTF-8
mkdir -p "$tmpdir/home"

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

keys() { T send-keys -t "$win" "$@"; }
typeln() { T send-keys -t "$win" -l "$1"; T send-keys -t "$win" Enter; }

T -f /dev/null new-session -d -s "$win" -x 80 -y 24 \
    "env HOME='$tmpdir/home' LC_ALL=$loc OPENBLAS_NUM_THREADS=1 '$BILAB' -q; echo BILAB-EXITED; sleep 600"
wait_for '^bilab> ?$' 20
ok $? "the prompt comes up in tmux at 80x24"

typeln 'lesson ridge_tour'
wait_for '^next: set timing off ' && grep -q '^# Lesson 1: a ridge tour' "$tmpdir/screen" &&
    wait_for '^bilab\[ridge_tour 1/[0-9]+\]> ?$'
ok $? "lesson ridge_tour: the narrative, 'next: set timing off', the prompt at 1/N"
N=$(sed -n 's/^bilab\[ridge_tour 1\/\([0-9]*\)\]> *$/\1/p' "$tmpdir/screen" | tail -1)
cmds=$(grep -c -v -E '^[[:space:]]*(#|$)' "$lessons/ridge_tour.bl")
[ "$N" = "$cmds" ]
ok $? "the prompt counts the lesson's $cmds commands ($N)"

keys Enter
wait_for '^timing = off$' && wait_for '^next: set digits 5$' &&
    grep -q '^bilab\[ridge_tour 1/[0-9]*\]> set timing off$' "$tmpdir/screen"
ok $? "Enter runs the first command, shown on its prompt line as if typed"
keys Enter
wait_for '^digits = 5$' && wait_for '^bilab\[ridge_tour 3/[0-9]+\]> ?$'
ok $? "Enter again runs the second; the prompt moves to 3/N"

typeln 'set outer.step 0.25'
wait_for '^outer.step = 0\.25$'
ok $? "a command typed in between runs"
grep -q '^bilab\[ridge_tour 3/[0-9]*\]> set outer.step' "$tmpdir/screen" &&
    wait_for '^bilab\[ridge_tour 3/[0-9]+\]> ?$'
ok $? "and the lesson waits at 3/N"
keys Enter
wait_for '^data diabetes: regression' && wait_for '^next: problem use ridge$'
ok $? "Enter goes on with the lesson's third command (data load diabetes)"

typeln 'lesson back'
wait_for '^bilab\[ridge_tour 3/[0-9]+\]> ?$' && tail -3 "$tmpdir/screen" | grep -q '^next: data load diabetes$'
ok $? "lesson back shows the third command again"
typeln 'lesson next'
wait_for '^skipped: data load diabetes$' && wait_for '^bilab\[ridge_tour 4/[0-9]+\]> ?$'
ok $? "lesson next skips it"
keys Enter
wait_for '^problem ridge: ' && wait_for '^bilab\[ridge_tour 5/[0-9]+\]> ?$'
ok $? "Enter runs problem use ridge"

typeln 'lesson stop'
wait_for '^left the lesson ridge_tour before command 5 of [0-9]+; the session is kept$' &&
    wait_for '^bilab> ?$'
ok $? "lesson stop: back at the bilab> prompt"
keys Enter
sleep 0.5
screen
grep -v '^$' "$tmpdir/screen" | tail -2 | grep -c -E '^bilab> ?$' | grep -q '^2$'
ok $? "an empty Enter after stop runs nothing"
typeln 'show'
wait_for '^problem +ridge \(θ ∈ R\^10, ω ∈ R\^1\) on diabetes'
ok $? "show: the lesson's problem on its data"
typeln 'show digits; show outer.step'
wait_for '^digits = 5$' && wait_for '^outer.step = 0\.25$'
ok $? "the lesson's settings (digits 5) and the one typed in between are kept"

typeln 'clear'
sleep 0.5
wait_for '^bilab> ?$' && [ "$(grep -c . "$tmpdir/screen")" -eq 1 ]
ok $? "clear clears the screen: the prompt alone"

# the dashboard: Enter runs the lesson's next command
typeln 'lesson ridge_tour'
wait_for '^bilab\[ridge_tour 1/[0-9]+\]> ?$'
typeln 'dash'
wait_for 'hypergradient'
keys Enter
wait_for 'timing = off' && wait_for 'next: set digits 5'
ok $? "on the dashboard, Enter runs the lesson's next command"
keys x
keys :
typeln 'lesson stop'
wait_for 'left the lesson ridge_tour'
ok $? ":lesson stop on the dashboard's command line"
keys x
keys q
wait_for '^bilab> ?$'
ok $? "q: back at the bilab> prompt"
typeln quit
wait_for 'BILAB-EXITED' 10
ok $? "quit leaves bilab"
done_testing
