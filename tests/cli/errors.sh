#!/bin/sh
# errors.sh: every kind of bad input gets one clear line on stderr,
# a non-zero exit in batch mode, and leaves the session as it was.
. "$(dirname "$0")/lib.sh"

expect_error "unknown command suggests the closest" "bilab: hypergard: unknown command 'hypergard' (did you mean 'hypergrad'?)" 'hypergard'
expect_error "ambiguous prefix lists the candidates" "ambiguous command 's' (could be set, show, step, solve, spectrum, surface, save, source)" 's'
expect_error "too few arguments" "bilab: step: too few arguments (usage: step inner|outer|adjoint \[N\])" 'step'
expect_error "too many arguments" "bilab: trace: too many arguments" 'trace now'
expect_error "a count that is not an integer" "bilab: step: 'abc' is not an integer for N" 'step inner abc'
expect_error "a number that does not parse" "bilab: set: 'abc' is not a number for inner.tol" 'set inner.tol abc'
expect_error "a number out of range" "bilab: set: inner.tol=-1 is out of range" 'set inner.tol -1'
expect_error "an integer out of range" "bilab: set: digits=99 is out of range" 'set digits 99'
expect_error "an unknown setting suggests the closest" "unknown setting 'inner.tl' (did you mean 'inner.tol'?)" 'set inner.tl 1'
expect_error "an unknown choice suggests the closest and lists the choices" "inner.solver: unknown 'sgd' (did you mean 'gd'? choose auto|gd|agd|newton|bfgs2|bda|ista|fista|cd|lbfgs|newton-cg)" 'set inner.solver sgd'
expect_error "an unknown choice far from every choice lists them" "format: unknown 'xml' (choose table|json)" 'set format xml'
expect_error "an ambiguous choice lists the candidates" "bilab: set: inner.solver: ambiguous 'n' (could be newton, newton-cg)" 'set inner.so n'
expect_error "an ambiguous setting lists the candidates" "bilab: set: ambiguous setting 'inner.s' (could be inner.solver, inner.step)" 'set inner.s 1'
expect_error "an index past ω's dimension" "bilab: set: index 3 is past omega's dimension (1, indices 0..0)" 'set omega[3] 1'
expect_error "the wrong number of ω values" "omega has dimension 1: give 1 value" 'set omega 1,2'
expect_error "an unknown problem" "bilab: problem: unknown problem 'ridj' (did you mean 'ridge'? choose quadratic|ridge|" 'problem use ridj'
expect_error "an ambiguous problem prefix" "bilab: problem: ambiguous problem 'l' (could be logreg, logreg-multi, lasso, l1logreg)" 'problem use l'
expect_error "an unknown problem parameter" "quadratic has no parameter 'kapa'" 'problem use quadratic kapa=3'
expect_error "a problem parameter out of range" "kappa=0.5 is out of range" 'problem use quadratic kappa=0.5'
expect_error "an integer parameter that is not" "p must be an integer" 'problem use quadratic p=2.5'
expect_error "cross-validation with too few folds" "bilab: problem: folds=1 is out of range \[2, 20\]" 'problem use lasso outer=cv folds=1'
expect_error "cross-validation with more folds than rows allow" "lasso: outer=cv with folds=20 needs at least 40 training rows, the data has 21" 'data synth regression n=21 m=10 p=3; problem use lasso outer=cv folds=20'
expect_error "an unknown unrolled method" "reverse: method takes gd|heavyball|nesterov, not 'adam'" 'hypergrad reverse:method=adam'
expect_error "an unknown estimator" "unknown estimator 'cgg' (did you mean 'cg'? choose exact|cg|" 'hypergrad cgg'
expect_error "an ambiguous estimator prefix" "ambiguous estimator 'f' (could be fp, forward, first-order, fd)" 'hypergrad f'
expect_error "a choice parameter with a bad value" "reverse: from takes zero|current, not 'middle'" 'hypergrad reverse:from=middle'
expect_error "truncated with k > t" "truncated: k=9 must not exceed t=5" 'hypergrad truncated:t=5,k=9'
expect_error "reverse over mem.max suggests checkpoints, forward or truncated" "reverse:t=1000 stores 1000 iterates and needs 0.08.* MB, over mem.max = 0.01 MB: use reverse:t=1000,checkpoints=[0-9]* (the same number.*) or forward:t=T.* or truncated:t=T,k=K" 'set mem.max 1e4; hypergrad reverse:t=1000'
expect_error "adjoint of a method without one" "reverse has no adjoint" 'adjoint reverse'
expect_error "cg is refused on a singular or indefinite H, with its smallest eigenvalue" "cg:k=50: H is [a-z]* at the current θ (smallest eigenvalue" 'data synth regression n=4 p=12 seed=1; problem use ridge; set omega -80; hypergrad cg:k=50'
expect_error "a diverging fixed point" "fp diverges" 'set adjoint.method fp; set adjoint.eta 3; solve adjoint'
expect_error "an estimator parameter out of range" "fd: h=0 is out of range" 'hypergrad fd:h=0'
expect_error "a missing file" "bilab: data: cannot open '/nonexistent/x.csv': No such file or directory" 'data load /nonexistent/x.csv'
expect_error "a missing script" "cannot open '/nonexistent/s.bl'" 'source /nonexistent/s.bl'

printf 'a,b,y\n1,2,3\n4,x5,6\n' >"$tmpdir/bad.csv"
expect_error "a malformed CSV cell names file, line and column" "bad.csv:3: column 2 (b): 'x5' is not a number" "data load $tmpdir/bad.csv"
printf 'a,b,y\n1,2,3\n4,5\n' >"$tmpdir/short.csv"
expect_error "a short CSV row" "short.csv:3: expected 3 cells, found 2" "data load $tmpdir/short.csv"
printf 'a,b,y\n1,2,3\n4,nan,6\n7,8,9\n' >"$tmpdir/nan.csv"
expect_error "NaN in the data" "nan.csv:3: column 2 (b): NaN is not allowed" "data load $tmpdir/nan.csv"
printf 'a,b,y\n1,2,3\n4,5,6\n7,8,9\n' >"$tmpdir/tr.csv"
printf 'a,y\n1,3\n4,6\n' >"$tmpdir/va.csv"
expect_error "a dimension mismatch between splits" "training has 2 features but validation has 1" "data load $tmpdir/tr.csv val=$tmpdir/va.csv"
expect_error "an unknown target column" "no column named 'zz'" "data load $tmpdir/tr.csv target=zz"
expect_error "a non-positive-definite Hessian for exact" "H is not positive definite at the current θ (smallest eigenvalue .*): exact and cg need it; here use exact:pinv" \
    'data synth regression n=4 p=12 seed=1; problem use ridge; set omega -80; hypergrad exact'
expect_error "an inner solve that diverges" "gd diverged at iteration" 'set inner.solver gd; set inner.step 10; step inner 5000'

# The session is exactly as it was after each failure.
"$BILAB" --json --keep-going -e '
    set inner.solver gd; problem use quadratic p=6 d=2; set omega 0.25,0.5; step inner 3; show;
    set omega[5] 1; set omega 1,2,3; set inner.tol abc; problem use nosuch;
    problem use quadratic p=0; data load /nonexistent.csv; hypergrad nosuch;
    set inner.step 100; step inner 5000; set inner.step 0; show' >"$tmpdir/o" 2>"$tmpdir/e"
ok $? "a --keep-going batch of failures exits 0"
first=$(grep '"cmd":"show"' "$tmpdir/o" | head -1 | sed 's/"inner_iterations":[0-9]*,//; s/"eta":[^,]*,//')
last=$(grep '"cmd":"show"' "$tmpdir/o" | tail -1 | sed 's/"inner_iterations":[0-9]*,//; s/"eta":[^,]*,//')
[ -n "$first" ] && [ "$first" = "$last" ]
ok $? "ω, θ, F and the problem are unchanged by the failures"
[ "$(grep -c '^bilab: ' "$tmpdir/e")" -eq 8 ]
ok $? "each failure printed one line on stderr ($(grep -c '^bilab: ' "$tmpdir/e") lines)"
grep -q 'θ rolled back to its last good value' "$tmpdir/e"
ok $? "the diverging solve says θ was rolled back"
done_testing
