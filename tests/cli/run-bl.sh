#!/bin/sh
# run-bl.sh FILE.bl: runs a scripted session in batch mode and compares it
# with FILE.out (stdout and stderr together), or with FILE.out (stdout) and
# FILE.err (stderr) when FILE.err exists.  TAP output.
# tests/cli/*.bl run with --keep-going (they show errors on purpose); the
# lessons (doc/lessons/*.bl) run exactly as their header says, bilab -f
# FILE: they must exit 0, their deliberate errors marked with 'try'.
# Numbers below 1e-6 in magnitude (residuals, round-off) depend on the
# BLAS and the processor: in both the output and the expected file they
# are compared as "~0", and runs of spaces as one (table padding follows
# the width of those numbers).
. "$(dirname "$0")/lib.sh"
bl=$1
expected=${bl%.bl}.out
experr=${bl%.bl}.err
name=$(basename "$bl")
cd "$tmpdir" || exit 1
case $bl in /*) ;; *) bl=$OLDPWD/$bl; expected=$OLDPWD/$expected; experr=$OLDPWD/$experr ;; esac
case $bl in */doc/lessons/*) keep= ;; *) keep=--keep-going ;; esac
norm() { sed -E 's/-?[0-9]+(\.[0-9]+)?e-(0?[7-9]|[1-9][0-9]|[0-9]{3})/~0/g' | tr -s ' '; }
if [ -f "$experr" ]; then
    "$BILAB" $keep -f "$bl" >"$tmpdir/raw" 2>"$tmpdir/rawerr"
else
    "$BILAB" $keep -f "$bl" >"$tmpdir/raw" 2>&1
fi
rc=$?
norm <"$tmpdir/raw" >"$tmpdir/got"
norm <"$expected" >"$tmpdir/want"
ok $rc "$name runs in batch mode${keep:+ ($keep)}"
if diff -u "$tmpdir/want" "$tmpdir/got" >"$tmpdir/diff"; then
    ok 0 "$name output as expected"
else
    ok 1 "$name output as expected"
    diag "$(head -60 "$tmpdir/diff")"
fi
if [ -f "$experr" ]; then
    norm <"$tmpdir/rawerr" >"$tmpdir/goterr"
    norm <"$experr" >"$tmpdir/wanterr"
    if diff -u "$tmpdir/wanterr" "$tmpdir/goterr" >"$tmpdir/diff"; then
        ok 0 "$name stderr as expected"
    else
        ok 1 "$name stderr as expected"
        diag "$(head -60 "$tmpdir/diff")"
    fi
fi
done_testing
