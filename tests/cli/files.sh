#!/bin/sh
# files.sh: what bilab writes appears whole or not at all, and what it
# reads is checked first (doc/manual.md, "Files and limits").
#  - fault injection (an LD_PRELOAD shim, tests/fault/failwrite.c): a full
#    disk or a failing fsync during save, export and plot leaves the old
#    file, no temporary, one line of error with its reason, exit 1 and the
#    session unchanged; SIGTERM and SIGHUP in the middle of a save too;
#  - inputs that are not files (/dev/zero, a FIFO, a directory), an
#    unreadable file, a libsvm index past the feature limit, lines past
#    1 MiB, a numeric first CSV row, mem.max: one line, exit 1, session
#    unchanged;
#  - history: appended line by line, none without HOME.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
cd "$tmpdir" || exit 1

# unchanged DESC CMD [PRE]: `CMD` (after PRE) fails with exactly one error
# line and exit 1, and with --keep-going the session (show --json, show
# settings --json) is the same before and after it.  Extra environment in
# $env_extra.
unchanged() {
    desc=$1 cmd=$2 pre=${3:-}
    env $env_extra "$BILAB" -e "$pre" -e "$cmd" >"$tmpdir/o1" 2>"$tmpdir/e1"
    rc=$?
    env $env_extra "$BILAB" --json --keep-going -e "$pre" -e 'show; show settings' -e "$cmd" \
        -e 'show; show settings' >"$tmpdir/o2" 2>/dev/null
    grep '^{"cmd":"show"' "$tmpdir/o2" >"$tmpdir/shows"
    head -2 "$tmpdir/shows" >"$tmpdir/before"
    tail -n +3 "$tmpdir/shows" >"$tmpdir/after"
    if [ $rc -eq 1 ] && [ "$(wc -l <"$tmpdir/e1")" -eq 1 ] && grep -q '^bilab: ' "$tmpdir/e1" \
        && [ "$(wc -l <"$tmpdir/shows")" -eq 4 ] && cmp -s "$tmpdir/before" "$tmpdir/after"; then
        ok 0 "$desc"
    else
        ok 1 "$desc"
        diag "exit $rc, stderr:" "$(head -c 600 "$tmpdir/e1")"
    fi
}

# debris DIR: the temporaries left in DIR (none expected)
debris() { ls -A "$1" | grep -c '\.tmp\.' ; }

# ---------------------------------------------------------------- inputs
env_extra=
unchanged "data load /dev/zero: one line, exit 1, session unchanged" 'data load /dev/zero'
grep -q "cannot read '/dev/zero': it is a character device" "$tmpdir/e1"
ok $? "/dev/zero is named a character device"
unchanged "data load /dev/zero format=libsvm" 'data load /dev/zero format=libsvm'
unchanged "data load diabetes val=/dev/zero" 'data load diabetes val=/dev/zero'
mkfifo "$tmpdir/fifo"
unchanged "data load FIFO does not block" "data load $tmpdir/fifo"
grep -q 'it is a FIFO or pipe, not a regular file' "$tmpdir/e1"
ok $? "a FIFO is named as one"
mkdir "$tmpdir/dir"
unchanged "data load DIR" "data load $tmpdir/dir"
grep -q 'it is a directory' "$tmpdir/e1"
ok $? "a directory is named as one"
unchanged "source DIR fails" "source $tmpdir/dir"
unchanged "source /dev/zero fails" 'source /dev/zero'
"$BILAB" -f "$tmpdir/dir" >/dev/null 2>"$tmpdir/e"
[ $? -eq 1 ] && [ "$(wc -l <"$tmpdir/e")" -eq 1 ] && grep -q "^bilab: -f: cannot read '.*dir': it is a directory" "$tmpdir/e"
ok $? "bilab -f DIR: one line, exit 1"
"$BILAB" -f /dev/zero >/dev/null 2>"$tmpdir/e"
[ $? -eq 1 ] && [ "$(wc -l <"$tmpdir/e")" -eq 1 ]
ok $? "bilab -f /dev/zero: one line, exit 1"
# a script through a pipe still runs (bilab -f <(...) is a pipe)
printf 'set omega 2.5\nshow omega\n' >"$tmpdir/s.bl"
cat "$tmpdir/s.bl" | "$BILAB" -f /dev/stdin >"$tmpdir/o" 2>&1
[ $? -eq 0 ] && grep -q '^omega = \[2.5\]' "$tmpdir/o"
ok $? "a script from a pipe (-f /dev/stdin) runs"

if [ "$(id -u)" -ne 0 ]; then
    printf 'a,y\n1,2\n2,3\n3,4\n' >"$tmpdir/secret.csv"
    chmod 000 "$tmpdir/secret.csv"
    unchanged "an unreadable file" "data load $tmpdir/secret.csv"
    grep -q 'Permission denied' "$tmpdir/e1"
    ok $? "an unreadable file: permission denied"
else
    echo "ok $((tap_n + 1)) # SKIP unreadable files: root reads every file"; tap_n=$((tap_n + 1))
fi

# the 21-byte libsvm file whose index asked for a 3 x 10^8 dense matrix:
# CSR by default (a few hundred bytes), refused dense
printf '1 100000000:1\n-1 1:2\n' >"$tmpdir/huge.svm"
start=$(date +%s)
"$BILAB" -e 'problem use quadratic' -e "data load $tmpdir/huge.svm" >"$tmpdir/o1" 2>&1
grep -q 'features p=100000000' "$tmpdir/o1" && grep -q 'sparse (CSR): nnz=2, .* 152 bytes' "$tmpdir/o1"
ok $? "a libsvm index of 10^8 loads as CSR in 152 bytes (sparse=auto)"
"$BILAB" -e "data load $tmpdir/huge.svm" >"$tmpdir/o1" 2>"$tmpdir/e1"
grep -q 'ridge needs 12.8 GB.*above mem.max' "$tmpdir/e1"
ok $? "... and ridge on it (10^8-vectors) is refused by mem.max"
unchanged "a libsvm index of 10^8 with sparse=off: refused before allocating" \
    "data load $tmpdir/huge.svm sparse=off"
grep -q 'huge.svm:1: field 2: index 100000000 is past the limit of 100000 features' "$tmpdir/e1"
ok $? "the message names the line, the field and the limit"
[ $(( $(date +%s) - start )) -lt 10 ]
ok $? "and at once"
# mem.max bounds the dense table: a small limit refuses diabetes (442 x 11)
unchanged "mem.max refuses a table above it" 'data load diabetes' 'set mem.max 10000'
grep -q 'diabetes: [0-9]* rows x 11 columns take 10.03 kB as doubles, above mem.max (10 kB;' "$tmpdir/e1"
ok $? "the mem.max message gives the size and the limit"
printf '1 1:1 2:2\n-1 3:1\n1 2:5\n' >"$tmpdir/small.svm"
unchanged "mem.max refuses a libsvm table above it" "data load $tmpdir/small.svm" 'set mem.max 50'
grep -q 'small.svm:1: the entries read so far take 56 bytes, above mem.max (50 bytes;' "$tmpdir/e1"
ok $? "the message gives the size and the limit"
"$BILAB" -e "set mem.max 0; data load $tmpdir/small.svm split=0.5" >/dev/null 2>&1
ok $? "mem.max 0 is no limit"

# lines past 1 MiB: a data file, a data file with no newline at all, a script
awk 'BEGIN { printf "a,y\n"; for (i = 0; i < 300000; i++) printf "1.0000,"; printf "2\n" }' >"$tmpdir/wide.csv"
unchanged "a data line longer than 1 MiB" "data load $tmpdir/wide.csv"
grep -q 'wide.csv:2: line longer than 1048576 bytes' "$tmpdir/e1"
ok $? "the long line is named with its number and the limit"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$tmpdir/nonl.csv"
unchanged "a data file with no newline stops at the cap" "data load $tmpdir/nonl.csv"
{ echo 'set omega 1'; head -c 1100000 /dev/zero | tr '\0' ' '; echo 'show'; echo 'set omega 3'; } >"$tmpdir/long.bl"
"$BILAB" -f "$tmpdir/long.bl" >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ] && [ "$(wc -l <"$tmpdir/e")" -eq 1 ] && grep -q "long.bl':2: line longer than 1048576 bytes" "$tmpdir/e" \
    && ! grep -q 'omega = \[3\]' "$tmpdir/o"
ok $? "a script line longer than 1 MiB fails the script (the rest is not run)"
printf 'set omega 1\nshow om\0ega\n' >"$tmpdir/nul.bl"
"$BILAB" -f "$tmpdir/nul.bl" >/dev/null 2>"$tmpdir/e"
[ $? -eq 1 ] && grep -q "nul.bl':2: contains a NUL byte" "$tmpdir/e"
ok $? "a NUL byte in a script fails it"

# a numeric first row is not a header
printf '1.5,2,3\n4,5,6\n7,8,9\n' >"$tmpdir/nohead.csv"
unchanged "a numeric first CSV row is refused" "data load $tmpdir/nohead.csv"
grep -q "nohead.csv:1: the first row is all numbers ('1.5', ...), not column names: add a header row" "$tmpdir/e1"
ok $? "the message says to add a header row"
printf '2019,2020,y\n4,5,6\n7,8,9\n1,1,1\n' >"$tmpdir/years.csv"
"$BILAB" -e "data load $tmpdir/years.csv split=0.5" >/dev/null 2>&1
ok $? "a header with some numeric names still loads"

# ---------------------------------------------------------------- writes
shim="$tmpdir/failwrite.so"
src="$here/../fault/failwrite.c"
if ${CC:-cc} -shared -fPIC -o "$shim" "$src" -ldl 2>"$tmpdir/cc.err" \
    && LD_PRELOAD="$shim" "$BILAB" -e 'show' >/dev/null 2>&1; then    # not under ASan
    have_shim=1
else
    have_shim=0
    diag "cannot build the LD_PRELOAD shim: $(head -3 "$tmpdir/cc.err")"
fi

# a good old save to protect
"$BILAB" -e "set omega -1; step inner 2; save $tmpdir/old.bl; export data $tmpdir/old.csv" >/dev/null 2>&1
cp "$tmpdir/old.bl" "$tmpdir/old.bl.orig"
cp "$tmpdir/old.csv" "$tmpdir/old.csv.orig"

if [ $have_shim -eq 1 ]; then
    full="LD_PRELOAD=$shim BL_FAIL_PATTERN=.tmp. BL_FAIL_AFTER=100"
    # failwrite DESC TARGET CMD: CMD (which writes TARGET) fails on a full disk
    failwrite() {
        desc=$1 target=$2 cmd=$3 pre=${4:-}
        env_extra=$full
        cp "$target.orig" "$target" 2>/dev/null
        unchanged "$desc: one line, exit 1, session unchanged" "$cmd" "$pre"
        if [ -e "$target.orig" ]; then cmp -s "$target" "$target.orig"; else [ ! -e "$target" ]; fi
        ok $? "$desc: the old file is intact"
        [ "$(debris "$tmpdir")" -eq 0 ]
        ok $? "$desc: no temporary left"
        grep -q "cannot write '.*': No space left on device" "$tmpdir/e1"
        ok $? "$desc: the error says why (ENOSPC)"
        env_extra=
    }
    failwrite "save on a full disk" "$tmpdir/old.bl" "save $tmpdir/old.bl" "set omega 3"
    failwrite "export data on a full disk" "$tmpdir/old.csv" "export data $tmpdir/old.csv"
    cp "$tmpdir/old.csv.orig" "$tmpdir/surf.csv.orig"
    failwrite "export surface on a full disk" "$tmpdir/surf.csv" \
        "export surface $tmpdir/surf.csv" "surface omega=-2:1:5"
    failwrite "export surface .json on a full disk" "$tmpdir/new.json" \
        "export surface $tmpdir/new.json" "surface omega=-2:1:5"
    if "$BILAB" -e 'plot trace x.png' 2>&1 | grep -q 'need PLplot'; then
        echo "ok $((tap_n + 1)) # SKIP built without PLplot"; tap_n=$((tap_n + 1))
    else
        for ext in png svg pdf; do
            "$BILAB" -e "surface omega=-2:1:5; plot surface $tmpdir/fig.$ext" >/dev/null 2>&1
            cp "$tmpdir/fig.$ext" "$tmpdir/fig.$ext.orig"
            failwrite "plot to .$ext on a full disk" "$tmpdir/fig.$ext" \
                "plot surface $tmpdir/fig.$ext" "surface omega=-2:1:7"
            ! grep -q 'wrote' "$tmpdir/o1"
            ok $? "plot to .$ext on a full disk does not say 'wrote'"
        done
    fi
    # fsync failing (EIO): the same
    env_extra="LD_PRELOAD=$shim BL_FAIL_PATTERN=.tmp. BL_FAIL_FSYNC=1"
    cp "$tmpdir/old.bl.orig" "$tmpdir/old.bl"
    unchanged "save when fsync fails" "save $tmpdir/old.bl"
    cmp -s "$tmpdir/old.bl" "$tmpdir/old.bl.orig" && [ "$(debris "$tmpdir")" -eq 0 ] \
        && grep -q 'Input/output error' "$tmpdir/e1"
    ok $? "a failing fsync leaves the old save, no temporary, and says EIO"
    env_extra=

    # SIGTERM and SIGHUP in the middle of a save (a slow disk: 300 ms a block)
    # under nohup (SIGHUP ignored, which bilab inherits and keeps) there
    # is no SIGHUP to die of: those three are skipped
    hup_ignored=0
    ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status 2>/dev/null)
    [ -n "$ign" ] && [ $((0x$ign & 1)) -ne 0 ] && hup_ignored=1
    for sig in TERM HUP; do
        if [ $sig = HUP ] && [ $hup_ignored -eq 1 ]; then
            for w in "dies of the signal" "the old file is intact" "the temporary is removed"; do
                tap_n=$((tap_n + 1))
                echo "ok $tap_n # SKIP SIGHUP during a save: $w (SIGHUP is ignored here: nohup)"
            done
            continue
        fi
        cp "$tmpdir/old.bl.orig" "$tmpdir/old.bl"
        LD_PRELOAD=$shim BL_FAIL_PATTERN=.tmp. BL_FAIL_DELAY_MS=300 \
            "$BILAB" -e "problem use heat N=3000; step inner 1; save $tmpdir/old.bl" >/dev/null 2>&1 &
        pid=$!
        k=0
        while [ "$(debris "$tmpdir")" -eq 0 ] && [ $k -lt 200 ]; do sleep 0.05; k=$((k + 1)); done
        sleep 0.2
        kill -$sig $pid
        { wait $pid; } 2>/dev/null
        rc=$?
        [ $k -lt 200 ] && [ $rc -gt 128 ]
        ok $? "SIG$sig during a save: bilab dies of the signal (exit $rc)"
        cmp -s "$tmpdir/old.bl" "$tmpdir/old.bl.orig"
        ok $? "SIG$sig during a save: the old file is intact"
        [ "$(debris "$tmpdir")" -eq 0 ]
        ok $? "SIG$sig during a save: the temporary is removed"
    done
else
    echo "ok $((tap_n + 1)) # SKIP no LD_PRELOAD shim (no C compiler, or a sanitizer build)"; tap_n=$((tap_n + 1))
fi

# a directory in the way, a missing directory: one line, nothing written
unchanged "save onto a directory" "save $tmpdir/dir"
grep -q "cannot write '.*dir': Is a directory" "$tmpdir/e1"
ok $? "save onto a directory says so"
unchanged "save into a missing directory" "save $tmpdir/nosuch/x.bl"
grep -q "No such file or directory" "$tmpdir/e1"
ok $? "save into a missing directory says so"

# a normal save replaces the file whole, keeps its mode, follows a link
chmod 640 "$tmpdir/old.bl"
ln -s old.bl "$tmpdir/link.bl"
"$BILAB" -e "set omega 2; save $tmpdir/link.bl" >/dev/null 2>&1
[ -L "$tmpdir/link.bl" ] && grep -q '^set omega 2$' "$tmpdir/old.bl" \
    && [ "$(stat -c %a "$tmpdir/old.bl")" = 640 ] && [ "$(debris "$tmpdir")" -eq 0 ]
ok $? "save through a link writes the file it names and keeps its mode"
"$BILAB" -e 'save /dev/null' >/dev/null 2>&1 && [ -c /dev/null ]
ok $? "save to /dev/null writes in place (a device is not replaced)"

# ---------------------------------------------------------------- history
# at the prompt (script(1) gives bilab a terminal): appended line by line,
# so a SIGHUP (the terminal closed) loses nothing
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    mkdir -p "$tmpdir/home" "$tmpdir/cwd"
    ( cd "$tmpdir/cwd" && printf 'set omega 1.25\nshow omega\n' \
        | HOME="$tmpdir/home" timeout 20 script -qec "$BILAB -q" /dev/null >/dev/null 2>&1 )
    grep -q '^set omega 1.25$' "$tmpdir/home/.bilab_history" 2>/dev/null
    ok $? "the history is written to \$HOME/.bilab_history"
    rm -f "$tmpdir/pid"
    ( cd "$tmpdir/cwd" && { printf 'set omega 4.5\n'; sleep 3; } \
        | HOME="$tmpdir/home" timeout 20 script -qec "sh -c 'echo \$\$ >$tmpdir/pid; exec $BILAB -q'" \
            /dev/null >/dev/null 2>&1 ) &
    sleep 1.5
    [ -s "$tmpdir/pid" ] && kill -HUP "$(cat "$tmpdir/pid")"
    wait
    grep -q '^set omega 4.5$' "$tmpdir/home/.bilab_history" 2>/dev/null
    ok $? "a line is in the history before bilab ends (SIGHUP loses nothing)"
    ( cd "$tmpdir/cwd" && printf 'set omega 1\n' \
        | env -u HOME timeout 20 script -qec "$BILAB -q" /dev/null >/dev/null 2>&1 )
    [ ! -e "$tmpdir/cwd/.bilab_history" ]
    ok $? "without HOME there is no history file in the current directory"
else
    echo "ok $((tap_n + 1)) # SKIP no script(1) to give bilab a terminal"; tap_n=$((tap_n + 1))
fi
done_testing
