#!/bin/sh
# run-bl.sh FILE.bl: runs a scripted session in batch mode (--keep-going,
# stdout and stderr together) and compares it with FILE.out.  TAP output.
# Numbers below 1e-6 in magnitude (residuals, round-off) depend on the
# BLAS and the processor: they are compared as "~0", and runs of spaces
# as one (table padding follows the width of those numbers).
. "$(dirname "$0")/lib.sh"
bl=$1
expected=${bl%.bl}.out
name=$(basename "$bl")
cd "$tmpdir" || exit 1
case $bl in /*) ;; *) bl=$OLDPWD/$bl; expected=$OLDPWD/$expected ;; esac
"$BILAB" --keep-going -f "$bl" >"$tmpdir/raw" 2>&1
rc=$?
sed -E 's/-?[0-9]+(\.[0-9]+)?e-(0?[7-9]|[1-9][0-9]|[0-9]{3})/~0/g' "$tmpdir/raw" \
    | tr -s ' ' >"$tmpdir/got"
ok $rc "$name runs in batch mode"
if diff -u "$expected" "$tmpdir/got" >"$tmpdir/diff"; then
    ok 0 "$name output as expected"
else
    ok 1 "$name output as expected"
    diag "$(head -60 "$tmpdir/diff")"
fi
done_testing
