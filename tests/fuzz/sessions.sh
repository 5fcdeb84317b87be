#!/bin/sh
# sessions.sh: random but plausible sessions from the grammar of the
# program's own tables (tests/fuzz/gen.c), with a fixed seed, each run
# through bilab as a script (every other one with --keep-going) in a
# scratch directory.  Each must end by itself with exit status 0 or 1 (no
# signal: no crash, no sanitizer abort in a --enable-sanitizers build), and
# every line on stderr must be a one-line message "bilab: CMD: ..." or
# "note: ..." (try; problem use loading its own data), or one of the two
# lines of a caret display under one.  A session still running
# after SESSION_BUDGET seconds (default 5) gets Ctrl-C every 0.05 s, as a
# user would press it: it must then end within SESSION_LIMIT seconds
# (default 60) in all; work that does not poll Ctrl-C fails here.
# SESSIONS (default 30) and SESSION_SEED (default 1) change the run.
. "$(dirname "$0")/../cli/lib.sh"
builddir=$(dirname "$BILAB")
n=${SESSIONS:-30}
budget=${SESSION_BUDGET:-5} limit=${SESSION_LIMIT:-60}
mkdir "$tmpdir/s" "$tmpdir/run"
"$builddir/tests/fuzz/gen_session" --seed="${SESSION_SEED:-1}" --count="$n" --lines=25 "$tmpdir/s" \
    || { echo "Bail out! gen_session failed"; exit 1; }
bad=0
for f in "$tmpdir"/s/s*.bl; do
    i=$(basename "$f" .bl)
    k=
    case $i in *[13579]) k=-k ;; esac
    # Ctrl-C, as a user would press it: after BUDGET seconds, every 0.05 s
    # until bilab is done; one that does not stop within LIMIT seconds has
    # work that does not poll Ctrl-C
    (cd "$tmpdir/run" && exec "$BILAB" $k -f "$f") >"$tmpdir/o" 2>"$tmpdir/e" &
    pid=$!
    ticks=0 hung=
    while kill -0 $pid 2>/dev/null; do
        sleep 0.05
        ticks=$((ticks + 1))
        [ $ticks -gt $((budget * 20)) ] && kill -INT $pid 2>/dev/null
        if [ $ticks -gt $((limit * 20)) ]; then
            kill -KILL $pid 2>/dev/null
            hung=yes
            break
        fi
    done
    wait $pid
    rc=$?
    why=
    [ -z "$hung" ] || why="still running $limit s after Ctrl-C began ($budget s in);"
    [ $rc -eq 0 ] || [ $rc -eq 1 ] || why="$why exit status $rc"
    # messages: one line each, a caret display (two indented lines) only
    # under a message that gives a column
    stray=$(awk '
        /^(bilab|note): / { caret = ($0 ~ /\(column [0-9]+\)/) ? 2 : 0; next }
        caret > 0 && /^  / { caret--; next }
        { print; exit }' "$tmpdir/e")
    [ -z "$stray" ] || why="$why a line on stderr that is not a message: '$stray'"
    if LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$tmpdir/e"; then
        why="$why control bytes on stderr"
    fi
    if [ -z "$why" ]; then
        ok 0 "session $i$k ($(wc -l <"$f") lines, exit $rc, $(grep -c '^bilab: ' "$tmpdir/e") messages, about $((ticks / 20)) s)"
    else
        ok 1 "session $i$k: $why"
        diag "$(head -30 "$f")" "stderr:" "$(head -20 "$tmpdir/e")"
        bad=$((bad + 1))
        cp "$f" "$builddir/tests/fuzz/failed-$i.bl" 2>/dev/null
    fi
    rm -f "$tmpdir"/run/*
done
done_testing
