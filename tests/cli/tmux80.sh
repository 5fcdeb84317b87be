#!/bin/sh
# tmux80.sh: a projector's 80×24 (issue 15, item 2).  bilab at its prompt
# in a tmux pane of 80 columns and 24 rows runs the README's ten-line tour
# and every lesson of doc/lessons (source FILE); the whole scrollback,
# captured with wrapped lines joined (capture-pane -J), has no line longer
# than 80 columns: no table, listing or plot wrapped.  Left out: the
# echoed input lines (bilab> ...) and the one-line messages (note: ...,
# bilab: ...), prose that the terminal wraps.  Skipped without tmux.
. "$(dirname "$0")/lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
    echo "1..0 # SKIP tmux is not installed (./setup check installs it)"
    exit 0
fi
lessons=${srcdir:-.}/doc/lessons
[ -d "$lessons" ] || lessons=$(dirname "$0")/../../doc/lessons
lessons=$(cd "$lessons" && pwd)
readme=$(cd "$lessons/../.." && pwd)/README.md
case $BILAB in /*) ;; *) BILAB=$(pwd)/$BILAB ;; esac

sock=bilab80.$$
win=w80
T() { tmux -L "$sock" "$@"; }
trap 'tmux -L "$sock" kill-server >/dev/null 2>&1;
      rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmpdir"' EXIT
trap 'exit 1' INT TERM HUP
loc=C
locale -a 2>/dev/null | grep -qi '^c\.utf-*8$' && loc=C.UTF-8
mkdir -p "$tmpdir/home" "$tmpdir/work"

screen() {
    for try in 1 2 3; do
        T capture-pane -p -t "$win" >"$tmpdir/screen" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
wait_for() {     # wait_for REGEX [SECONDS]
    n=0 lim=$(( ${2:-30} * 10 ))
    while [ $n -lt $lim ]; do
        screen
        grep -a -q -E -- "$1" "$tmpdir/screen" && return 0
        sleep 0.1
        n=$((n + 1))
    done
    diag "timed out waiting for: $1" "the screen:" "$(cat "$tmpdir/screen")"
    return 1
}
wait_idle() {    # wait_idle [SECONDS]: until the screen's last line is a bare prompt
    n=0 lim=$(( ${1:-30} * 10 ))
    while [ $n -lt $lim ]; do
        screen
        [ "$(sed 's/ *$//' "$tmpdir/screen" | grep -a -v '^$' | tail -n 1)" = "bilab>" ] && return 0
        sleep 0.1
        n=$((n + 1))
    done
    diag "timed out waiting for the prompt" "$(cat "$tmpdir/screen")"
    return 1
}
typeln() { T send-keys -t "$win" -l "$1"; T send-keys -t "$win" Enter; }
# the whole scrollback, wrapped lines joined, trailing blanks cut, into FILE
history() {
    T capture-pane -p -J -S - -E - -t "$win" | sed 's/ *$//' >"$1"
}
# the longest line of FILE that is neither input nor a message, in code points
longest() {
    LC_ALL=C grep -a -v -E '^(bilab[^ ]*> |note: |bilab: )' "$1" |
        LC_ALL=C sed 's/[\x80-\xbf]//g' | LC_ALL=C awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'
}
over80() {
    LC_ALL=C grep -a -v -E '^(bilab[^ ]*> |note: |bilab: )' "$1" | LC_ALL=C awk '{ l = $0; gsub(/[\200-\277]/, "", l); if (length(l) > 80) print }' | head -5
}

T -f /dev/null start-server \; set-option -g history-limit 200000 \; \
    new-session -d -s "$win" -x 80 -y 24 -c "$tmpdir/work" \
    "env HOME='$tmpdir/home' LC_ALL=$loc OPENBLAS_NUM_THREADS=1 '$BILAB' -q; echo BILAB-EXITED; sleep 600"
wait_for '^bilab> ?$' 20
ok $? "the prompt comes up in tmux at 80x24"
cols=$(T display-message -p -t "$win" '#{pane_width}x#{pane_height}')
[ "$cols" = 80x24 ]
ok $? "the pane is 80x24 ($cols)"

# the README's ten-line tour
nt=0
sed -n 's/^bilab> \(.*[^ ]\) *# .*$/\1/p; s/^bilab> \([^#]*[^ #]\) *$/\1/p' \
    "$readme" >"$tmpdir/tour"
while IFS= read -r cmd; do
    nt=$((nt + 1))
    typeln "$cmd"
done <"$tmpdir/tour"
typeln "# tour done"
wait_for '^bilab> # tour done$' 120
ok $? "the README's tour ($nt commands) runs at the prompt"

k=0
for l in "$lessons"/*.bl; do
    k=$((k + 1))
    # done when the last line on the screen is a bare prompt again
    typeln "source $l"
    sleep 1
    wait_idle 300 || break
done
ok $? "every lesson ($k) runs at the prompt (source)"
history "$tmpdir/all"
lines=$(wc -l <"$tmpdir/all")
m=$(longest "$tmpdir/all")
[ "$lines" -gt 500 ] && [ "$m" -le 80 ]
ok $? "no line of the $lines captured wraps at 80 columns (longest $m)"
[ "$m" -le 80 ] || diag "$(over80 "$tmpdir/all")"; cp "$tmpdir/all" /tmp/w/all 2>/dev/null
grep -a -q '^estimator .*Hv/Cv/∇' "$tmpdir/all"
ok $? "the compact hypergrad table at 80 columns"
grep -a -q '│' "$tmpdir/all" || grep -a -q '|' "$tmpdir/all"
ok $? "terminal plots among them"
typeln quit
wait_for '^BILAB-EXITED' 20
ok $? "quit leaves"
done_testing
