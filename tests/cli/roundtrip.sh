#!/bin/sh
# roundtrip.sh: `save FILE` then `bilab -f FILE` rebuilds the session bit for
# bit, for every problem of the catalogue (and heat, quadratic p=1000 and a
# θ long enough to be saved in slices): `show --json` and `show settings
# --json` are the same byte for byte after the replay, and so is the state
# after one more inner step in both.  Also: a data path with spaces, quotes
# and backslashes, a path longer than 1 KB with every option, values longer
# than any fixed buffer, and slices of θ.
. "$(dirname "$0")/lib.sh"
cd "$tmpdir" || exit 1

# roundtrip NAME SETUP [memory]: SETUP makes a state (commands separated by
# ';').  With "memory" the inner solver keeps a memory that a save does not
# hold (agd and fista momentum, bda's step count: doc/manual.md), so only
# the state is compared, not the step after it.
roundtrip() {
    name=$1 setup=$2 memory=${3:-}
    f="$tmpdir/rt.bl"
    rm -f "$f"
    "$BILAB" --json -e "$setup; save $f" -e 'show' -e 'show settings' -e 'step inner' \
        -e 'show' >"$tmpdir/a.raw" 2>"$tmpdir/a.err"
    rc1=$?
    "$BILAB" --json -f "$f" -e 'show' -e 'show settings' -e 'step inner' -e 'show' \
        >"$tmpdir/b.raw" 2>"$tmpdir/b.err"
    rc2=$?
    grep '^{"cmd":"show"' "$tmpdir/a.raw" >"$tmpdir/a"
    grep '^{"cmd":"show"' "$tmpdir/b.raw" >"$tmpdir/b"
    what="the replayed save is the same session, and one more step too"
    n=3
    if [ -n "$memory" ]; then
        what="the replayed save is the same session (the solver's memory restarts)"
        n=2
        head -2 "$tmpdir/a" >"$tmpdir/a2" && mv "$tmpdir/a2" "$tmpdir/a"
        head -2 "$tmpdir/b" >"$tmpdir/b2" && mv "$tmpdir/b2" "$tmpdir/b"
    fi
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l <"$tmpdir/a")" -eq $n ] \
        && cmp -s "$tmpdir/a" "$tmpdir/b"; then
        ok 0 "$name: $what"
    else
        ok 1 "$name: $what"
        diag "exit $rc1 and $rc2" "$(cat "$tmpdir/a.err" "$tmpdir/b.err")" \
            "$(diff "$tmpdir/a" "$tmpdir/b" | cut -c1-300 | head -8)"
    fi
}

step3='step inner 3; set inner.tol 1e-9; set outer.step 0.25; set digits 9'
roundtrip quadratic "problem use quadratic p=6 d=3 kappa=30 seed=4; set omega 0.1,-0.7,1.3; $step3"
roundtrip "quadratic p=1000" "problem use quadratic p=1000 d=2; set omega -0.3; $step3"
roundtrip "quadratic p=1200 (θ in slices)" "problem use quadratic p=1200 d=1; set omega 0.2; $step3"
roundtrip ridge "set omega -1.2345678901234567; $step3"
roundtrip ridge-multi "problem use ridge-multi; set omega -0.5; set omega[3] 1.5; $step3"
roundtrip logreg "data load breast_cancer; problem use logreg; set omega -2; $step3"
roundtrip logreg-multi "data load breast_cancer; problem use logreg-multi; set omega -2; $step3"
roundtrip lasso "problem use lasso; set inner.solver ista; set omega 0.5; $step3"
roundtrip enet "problem use enet; set inner.solver ista; set omega 0.5,-1; $step3"
roundtrip "enet, fista" "problem use enet; set inner.solver fista; set omega 0.5,-1; $step3"
roundtrip cleaning "data load breast_cancer; problem use cleaning; set omega 0.3; set omega[7] -2; $step3"
roundtrip tv1d "problem use tv1d; set omega 0.7; $step3"
roundtrip heat "problem use heat; step inner 2"
roundtrip "heat, set omega" "problem use heat; set omega -5,-8; $step3"
# doublewell: η = 1/L_G depends on θ; the replay keeps the η the steps used
roundtrip doublewell "problem use doublewell; set omega 0.3; set theta -2; $step3"
roundtrip nonsingleton "problem use nonsingleton; set omega 0.4; $step3"
roundtrip "nonsingleton, bda" "problem use nonsingleton; set omega 0.4; set inner.solver bda; $step3"
roundtrip "newton, adam" "set inner.solver newton; set outer.opt adam; set omega -3; step inner 1"
roundtrip "agd" "set inner.solver agd; set omega -3; step inner 2"
roundtrip custom "define dims theta=2 omega=1; define inner (theta[0]-omega[0])^2 + 2*theta[1]^2; define outer theta[0]^2 + theta[1]; set omega 0.75; $step3"
roundtrip "synthetic data" "data synth regression n=40 m=30 p=5 noise=0.5 seed=11 standardize=yes; set omega -1; $step3"

# The memory of the solvers is saved: SETUP; STEP; save; STEP in one
# session, and the save replayed in a fresh one followed by the same STEP,
# print the same JSON for the second STEP byte for byte (θ, ω, the
# adjoint, residuals and counts, to 17 digits).
stepsame() {
    name=$1 setup=$2 step=$3
    f="$tmpdir/st.bl"
    rm -f "$f"
    "$BILAB" --json -e "$setup; $step; save $f" -e "$step" >"$tmpdir/a.raw" 2>"$tmpdir/a.err"
    rc1=$?
    "$BILAB" --json -f "$f" -e "$step" >"$tmpdir/b.raw" 2>"$tmpdir/b.err"
    rc2=$?
    # the lines after the save's own line: the second STEP
    sed '1,/^{"cmd":"save"/d' "$tmpdir/a.raw" >"$tmpdir/a"
    grep -v '^{"cmd":"set"\|^{"cmd":"data"\|^{"cmd":"problem"' "$tmpdir/b.raw" >"$tmpdir/b"
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ -s "$tmpdir/a" ] && cmp -s "$tmpdir/a" "$tmpdir/b"; then
        ok 0 "$name: '$step' after a replay is the same bit for bit"
    else
        ok 1 "$name: '$step' after a replay is the same bit for bit"
        diag "exit $rc1 and $rc2" "$(cat "$tmpdir/a.err" "$tmpdir/b.err")" \
            "$(diff "$tmpdir/a" "$tmpdir/b" | cut -c1-300 | head -8)"
    fi
}

lr='problem use logreg; set omega -2'
for s in gd agd newton lbfgs newton-cg bda; do
    stepsame "inner $s (logreg)" "$lr; set inner.solver $s" 'step inner 3'
done
stepsame "inner lbfgs, lbfgs.m 2 (full ring)" "$lr; set inner.solver lbfgs; set lbfgs.m 2" 'step inner 4'
stepsame "inner gd, doublewell (Armijo steps)" 'problem use doublewell; set omega 0.3; set theta -2; set inner.solver gd' 'step inner 3'
stepsame "inner agd, heat" 'problem use heat; set inner.solver agd' 'step inner 3'
for s in ista fista cd; do
    stepsame "inner $s (lasso)" "problem use lasso; set omega 0.5; set inner.solver $s" 'step inner 3'
done
stepsame "inner fista (enet)" 'problem use enet; set omega 0.5,-1; set inner.solver fista' 'step inner 3'
for o in gd momentum adam; do
    stepsame "outer $o (ridge)" "set outer.opt $o; set outer.step 0.5" 'step outer 3'
    stepsame "outer $o (logreg, warm adjoint)" "$lr; set outer.opt $o; set adjoint.warm on; set outer.estimator cg:k=3" 'step outer 2'
done
for a in cg neumann fp; do
    stepsame "adjoint $a (logreg)" "$lr; solve inner; set adjoint.method $a" 'step adjoint 3'
done
stepsame "adjoint cg warm (quadratic)" 'problem use quadratic p=30; solve inner; set adjoint.warm on; step adjoint 2; set omega 0.1; solve inner' 'step adjoint 2'
grep -q '^set state.words\[0:' "$tmpdir/st.bl" && grep -q '^set adjoint.last words=30$' "$tmpdir/st.bl"
ok $? "a save writes the state words and the last adjoint"
# lbfgs on heat (p = 200): its pairs take more than one slice of 1000 numbers
stepsame "inner lbfgs, heat (pairs in slices)" 'problem use heat; set inner.solver lbfgs' 'step inner 4'
[ "$(grep -c '^set state.words\[' "$tmpdir/st.bl")" -ge 2 ]
ok $? "lbfgs's pairs on heat are saved in slices of 1000 numbers"
expect_error "state words of the wrong count" "inner.state words=5, but 2 state words were given" \
    'set state.words[0:2] 1,2; set inner.state eta=1 words=5'
expect_error "state words out of order" "state.words\[3:4\] does not follow the 2 words" \
    'set state.words[0:2] 1,2; set state.words[3:4] 1'
expect_error "state words that do not fit the solver" "the state of gd does not fit it" \
    'set inner.solver gd; set state.words[0:4] 0,1,1,-1; set inner.state eta=1 words=4'

# a data file whose path has spaces, a quote and a backslash, loaded with options
d="$tmpdir/dir with \"odd\" \\ names"
mkdir -p "$d"
printf 'a,b,c,y\n1,2,3,4\n2,1,0,3\n0,5,1,2\n3,3,3,1\n4,1,2,0\n1,1,1,5\n' >"$d/my data.csv"
q=$(printf '%s' "$d/my data.csv" | sed 's/\\/\\\\/g; s/"/\\"/g')
roundtrip "a path with spaces, quotes, backslashes" "data load \"$q\" split=0.5 seed=3 standardize=no; set omega 0.1; $step3"
grep -q '^data load ".*split=0.5 seed=3 standardize=no$' "$tmpdir/rt.bl"
ok $? "the saved data command keeps its options"

# a path longer than 1 KB (the old fixed buffer): split=, seed=, standardize= kept
long="$tmpdir"
for i in 1 2 3 4 5; do
    long="$long/$(printf 'd%.0s' $(seq 1 240))"
done
mkdir -p "$long"
cp "$d/my data.csv" "$long/x.csv"
roundtrip "a data path of $(printf '%s' "$long/x.csv" | wc -c) bytes" \
    "data load $long/x.csv split=0.5 seed=9 standardize=no; set omega 0.2; $step3"
grep -q 'split=0.5 seed=9 standardize=no$' "$tmpdir/rt.bl"
ok $? "a long path keeps split=, seed= and standardize= in the save"

# set reads values of any length: a number written with 4200 zeros
z=$(printf '0.%04200d1e4201' 0)
"$BILAB" --json -e "set omega $z" -e 'show omega' >"$tmpdir/o" 2>&1
grep -q '^{"cmd":"show","name":"omega","value":\[1\]}$' "$tmpdir/o"
ok $? "set omega 0.<4200 zeros>1e4201 sets ω = 1"
"$BILAB" -e "set omega $(printf '0.%05000dx' 0)" >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ] && [ "$(wc -l <"$tmpdir/e")" -eq 1 ] && grep -q "^bilab: set: '0.000" "$tmpdir/e"
ok $? "a long value with a bad end is refused, not cut to a number"

# slices of θ: set and show, and the errors
"$BILAB" --json -e 'problem use quadratic p=5; set theta[1:3] 7,8; set theta[4:5] 9; show theta; show theta[1:4]; set theta[0:2] 6' \
    -e 'show theta' >"$tmpdir/o" 2>&1
grep -q '"name":"theta","value":\[0,7,8,0,9\]' "$tmpdir/o" && grep -q '"name":"theta\[1:4\]","value":\[7,8,0\]' "$tmpdir/o" \
    && grep -q '"name":"theta","value":\[6,6,8,0,9\]' "$tmpdir/o"
ok $? "set theta[i:j] sets coordinates i to j-1 (one value fills them)"
expect_error "a slice past the end" "slice \[3:9\] is past theta's dimension (5)" 'problem use quadratic p=5; set theta[3:9] 1'
expect_error "a slice with the wrong count" "theta\[0:3\] has 3 coordinates: give 1 value" 'problem use quadratic p=5; set theta[0:3] 1,2'
expect_error "a slice that ends before it starts" "ends before it starts" 'set theta[3:1] 1'
expect_error "inner.state without eta" "inner.state needs eta=" 'set inner.state iterations=3'
expect_error "inner.state with a bad eta" "eta=-1 must be a finite number > 0" 'set inner.state eta=-1'

# a save of a big θ is written in slices, each line far below the line cap
"$BILAB" -e "problem use heat N=3000; step inner 1; save $tmpdir/big.bl" >/dev/null 2>&1
n=$(grep -c '^set theta\[' "$tmpdir/big.bl")
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmpdir/big.bl")
[ "$n" -ge 3 ] && [ "$longest" -lt 40000 ]
ok $? "a long θ is saved in $n slices (longest line $longest bytes)"

# a data path with a newline cannot be a script line: save says so
nl="$tmpdir/new
line.csv"
cp "$d/my data.csv" "$nl"
"$BILAB" -e "data load \"$nl\"; save $tmpdir/nl.bl" >/dev/null 2>"$tmpdir/e"
[ $? -eq 1 ] && [ ! -e "$tmpdir/nl.bl" ] && grep -q 'newline' "$tmpdir/e"
ok $? "save refuses a data path with a newline and writes nothing"
done_testing
