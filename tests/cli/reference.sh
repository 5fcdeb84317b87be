#!/bin/sh
# reference.sh: hypergrad.reference (auto|exact|fd|none) and the reference
# computed once per θ and ω (issue 14, "no work nobody asked for").  The
# JSON of each hypergrad says whether its reference was reused
# (reference_cached) and how many references the session has computed
# (reference_evaluations): what is checked here, with no timing.
. "$(dirname "$0")/lib.sh"
cd "$tmpdir" || exit 1

cat >s.bl <<'BL'
set timing off
problem use quadratic p=20 d=2
solve inner
hypergrad first-order
problem use quadratic p=300 d=3
solve inner
hypergrad first-order
hypergrad first-order
hypergrad cg
hypergrad cg:k=50
set hypergrad.reference exact
hypergrad first-order
set theta[0] 0.1
hypergrad first-order
hypergrad first-order
set omega 0.5
hypergrad first-order
set inner.tol 1e-9
hypergrad first-order
set digits 4
hypergrad first-order
set hypergrad.reference fd
hypergrad first-order
hypergrad first-order
set hypergrad.reference none
hypergrad cg
set hypergrad.reference auto
set theta[1] 0.2
try hypergrad first-order draws=2
BL
"$BILAB" --json -f s.bl >out 2>err
rc=$?
ok $rc "the session runs"
# one line per hypergrad: reference name, cached, evaluations
grep '^{"cmd":"hypergrad"' out | sed -E 's/.*"reference":("[a-z]+"|null).*"reference_cached":(true|false),"reference_evaluations":([0-9]+).*/\1 \2 \3/' >got
cat >want <<'W'
"exact" false 1
null false 1
null false 1
"exact" false 2
"exact" true 2
"exact" true 2
"exact" false 3
"exact" true 3
"exact" false 4
"exact" false 5
"exact" true 5
"fd" false 6
"fd" true 6
null false 6
"exact" false 7
W
if diff want got >diff; then ok 0 "references: p ≤ 100 auto exact; skipped at p = 300 for first-order, computed for cg; reused until θ, ω or inner.tol change; fd and none"
else ok 1 "references computed and reused as expected"; diag "$(cat diff)"; fi

# the skipped reference: null fields and a note, in JSON and in the table
l=$(grep '^{"cmd":"hypergrad"' out | sed -n 2p)
case $l in
*'"reference_grad":null,"reference_note":"reference skipped: exact would cost ~300 H-products (p = 300) next to the estimates'"'"' 1 (set hypergrad.reference exact)"'*)
    ok 0 "JSON: reference and reference_grad null, the note says why" ;;
*) ok 1 "JSON: reference and reference_grad null, the note says why"; diag "$l" ;;
esac
l=$(grep '^{"cmd":"hypergrad"' out | sed -n 14p)
case $l in
*'"reference":null,"reference_grad":null,"reference_note":"reference skipped: hypergrad.reference is none'*) ok 0 "none: no reference, with its note" ;;
*) ok 1 "none: no reference, with its note"; diag "$l" ;;
esac
"$BILAB" -e 'set timing off; problem use quadratic p=300 d=3; solve inner; hypergrad first-order' >t.out 2>&1
if grep -q '^hypergradient at ω = \[0, 0, 0\], reference none$' t.out \
    && grep -q '^note: reference skipped: exact would cost ~300 H-products' t.out \
    && grep -q '^first-order  *0  *-  *-  ' t.out; then
    ok 0 "table: reference none, the note, rel.err and cosine '-'"
else
    ok 1 "table: reference none, the note, rel.err and cosine '-'"; diag "$(cat t.out)"
fi
# forced exact where auto skips it: the same numbers as exact listed
"$BILAB" --json -e 'problem use quadratic p=300 d=3; set theta 0.01; set hypergrad.reference exact; hypergrad first-order; hypergrad exact' >x.out 2>&1
a=$(grep '^{"cmd":"hypergrad"' x.out | sed -n 1p | sed -E 's/.*"reference_grad":(\[[^]]*\]).*/\1/')
b=$(grep '^{"cmd":"hypergrad"' x.out | sed -n 2p | sed -E 's/.*"estimates":\[\{"spec":"exact","grad":(\[[^]]*\]).*/\1/')
if [ -n "$a" ] && [ "$a" = "$b" ]; then ok 0 "the cached reference is exact's estimate bit for bit"
else ok 1 "the cached reference is exact's estimate bit for bit"; diag "$a" "$b"; fi
done_testing
