#!/bin/sh
# unconverged.json.sh: inner solves that stop short of inner.tol are reported in
# JSON ("converged", "inner_failures", "inner_converged") and by one
# warning line; a grid where every point fails is an error with its reason;
# a zero outer step says why.  The solver is set by hand (gd), so that
# inner.maxit forces the failure whatever the default solver is.
. "$(dirname "$0")/lib.sh"

RIDGE='problem use ridge; data load diabetes; set inner.solver gd'

# run_json NAME COMMANDS: --json batch, stdout in NAME.out, stderr in
# NAME.err, exit status in NAME.rc
run_json() {
    name=$1
    shift
    "$BILAB" --json -e "$*" >"$tmpdir/$name.out" 2>"$tmpdir/$name.err"
    echo $? >"$tmpdir/$name.rc"
}

# key NAME CMD KEY: the value of KEY (a number, a boolean or a flat array)
# in the last JSON line of command CMD (its last occurrence there: the
# top-level member, which follows any rows)
key() {
    grep "\"cmd\":\"$2\"" "$tmpdir/$1.out" | tail -1 \
        | grep -o "\"$3\":\(\[[^]]*\]\|[^,}]*\)" | tail -1 | sed "s/^\"$3\"://"
}

# count_false ARRAY: how many false entries
count_false() { printf '%s' "$1" | tr ',[]' '\n\n\n' | grep -c '^false$'; }

warnings() { grep -c ': warning: ' "$tmpdir/$1.err"; }

# ---- inner.maxit 3: every solve stops short ----
run_json s3 "$RIDGE; set inner.maxit 3; surface omega=-4:0:5"
c=$(key s3 surface converged)
[ "$(cat "$tmpdir/s3.rc")" -eq 0 ] && [ "$c" = "[false,false,false,false,false]" ] \
    && [ "$(key s3 surface inner_failures)" = 5 ]
ok $? "surface at inner.maxit 3: \"converged\" all false, \"inner_failures\": 5, exit 0 ($c)"
grep -q "^bilab: surface: warning: 5 of 5 points' inner solves stopped short of inner.tol = 1e-10 (worst ‖∇θG‖ = [0-9.]*, inner.maxit = 3)" "$tmpdir/s3.err" \
    && [ "$(warnings s3)" -eq 1 ]
ok $? "surface: one warning line with the count, the worst ‖∇θG‖ and inner.maxit"

run_json c3 "$RIDGE; set inner.maxit 3; compare cg:k=5,fd omega=-3:-1:3"
[ "$(key c3 compare converged)" = "[false,false,false]" ] && [ "$(key c3 compare inner_failures)" = 3 ] \
    && grep -q "^bilab: compare: warning: 3 of 3 points' inner solves stopped short" "$tmpdir/c3.err" \
    && [ "$(warnings c3)" -eq 1 ]
ok $? "compare over ω at inner.maxit 3: all flagged, one warning"

run_json b3 "$RIDGE; set inner.maxit 3; compare fd h=1e-6:1e-4:3; compare penalty lam=10:1000:4"
b=$(grep '"cmd":"compare"' "$tmpdir/b3.out" | head -1 | grep -o '"converged":\[[^]]*\]')
[ "$b" = '"converged":[false,false,false]' ] && [ "$(key b3 compare converged)" = "[false,false,false,false]" ] \
    && [ "$(key b3 compare inner_failures)" = 4 ] \
    && [ "$(grep -c "^bilab: compare: warning: [34] of [34] estimates' inner solves stopped short" "$tmpdir/b3.err")" -eq 2 ]
ok $? "compare over a budget (fd's h, penalty's lam) at inner.maxit 3: every entry flagged, one warning each"

run_json q3 "$RIDGE; set inner.maxit 3; compare search omega=-4:0:5"
n=$(key q3 compare inner_failures)
[ "$(key q3 compare converged)" = "[false,false,false,false,false]" ] && [ "${n:-0}" -gt 5 ] \
    && grep -q "^bilab: compare: warning: $n of $n inner solves stopped short" "$tmpdir/q3.err"
ok $? "compare search at inner.maxit 3: the grid's points flagged, $n solves counted in one warning"

run_json r3 "$RIDGE; set inner.maxit 3; run 3; step outer; trace"
ic=$(key r3 run inner_converged)
rows=$(grep '"cmd":"trace"' "$tmpdir/r3.out" | grep -o '"inner_converged":[a-z]*' | sort | uniq -c | tr -s ' ')
[ "$ic" = "[false,false,false]" ] && [ "$(key r3 run inner_failures)" = 6 ] \
    && [ "$(key r3 step inner_converged)" = false ] && [ "$rows" = ' 4 "inner_converged":false' ] \
    && grep -q '^bilab: run: warning: 6 of 6 inner solves stopped short of inner.tol' "$tmpdir/r3.err" \
    && grep -q '^bilab: step: warning: [0-9]* of [0-9]* inner solves stopped short of inner.tol' "$tmpdir/r3.err"
ok $? "run, step outer and trace at inner.maxit 3: \"inner_converged\" false on every row, a warning each"

# hypergrad fd and penalty on their own: the estimate, flagged per estimate
# ("inner_converged", "inner_failures") and one warning line, exit 0
run_json h3 "$RIDGE; set inner.maxit 3; hypergrad fd penalty"
e=$(grep '"cmd":"hypergrad"' "$tmpdir/h3.out" | grep -o '"spec":"[a-z]*"[^}]*"inner_converged":false,"inner_failures":[0-9]*' \
    | sed 's/"spec":"\([a-z]*\)".*"inner_failures":/\1 /' | tr '\n' ' ')
[ "$(cat "$tmpdir/h3.rc")" -eq 0 ] && [ "$e" = "fd 2 penalty 1 " ] \
    && grep -q '^bilab: hypergrad: warning: 3 of 3 inner solves stopped short of inner.tol = 1e-10 (worst ‖∇θG‖ = [0-9.]*, inner.maxit = 3)' "$tmpdir/h3.err" \
    && [ "$(warnings h3)" -eq 1 ]
ok $? "hypergrad fd penalty at inner.maxit 3: each estimate flagged ($e), one warning, exit 0"
# at θ* with newton, fd's solves converge: "inner_converged" true, no warning
run_json h4 "problem use ridge; data load diabetes; set inner.solver newton; solve inner; hypergrad exact fd"
[ "$(cat "$tmpdir/h4.rc")" -eq 0 ] && [ ! -s "$tmpdir/h4.err" ] \
    && grep -q '"spec":"fd"[^}]*"inner_converged":true,"inner_failures":0' "$tmpdir/h4.out" \
    && ! grep -q '"spec":"exact"[^}]*inner_converged' "$tmpdir/h4.out"
ok $? "hypergrad exact fd at θ*: fd's \"inner_converged\" true, none for exact, nothing on stderr"

# ---- some points converge, some not: each flag is that of the same solve
# done on its own (solve inner from θ = 0 at that ω) ----
run_json m "$RIDGE; set inner.maxit 100; set surface.start theta; surface omega=-3:5:9"
c=$(key m surface converged)
want="["
for w in -3 -2 -1 0 1 2 3 4 5; do
    r=$("$BILAB" --json -e "$RIDGE; set inner.maxit 100; set omega $w; solve inner" 2>/dev/null \
        | grep '"cmd":"solve"' | grep -o '"residual":[^,]*' | sed 's/"residual"://')
    if awk -v r="$r" 'BEGIN { exit !(r <= 1e-10) }'; then want="${want}true,"; else want="${want}false,"; fi
done
want="${want%,}]"
[ "$c" = "$want" ] && [ "$(key m surface inner_failures)" = "$(count_false "$c")" ] \
    && [ "$(count_false "$c")" -gt 0 ] && [ "$(count_false "$c")" -lt 9 ]
ok $? "gd capped at 100: the flags $c are those of solve inner at each ω ($want)"

# ---- a converging set-up: no warning, "inner_failures": 0 ----
NEWTON='problem use ridge; data load diabetes; set inner.solver newton'
run_json ok "$NEWTON; surface omega=-4:0:5; compare cg:k=5,fd omega=-3:-1:3; solve inner; compare fd h=1e-6:1e-4:3; compare search omega=-4:0:5; run 3; trace"
[ "$(cat "$tmpdir/ok.rc")" -eq 0 ] && [ ! -s "$tmpdir/ok.err" ] \
    && [ "$(key ok surface converged)" = "[true,true,true,true,true]" ] \
    && [ "$(key ok surface inner_failures)" = 0 ] \
    && [ "$(grep -c '"inner_failures":0' "$tmpdir/ok.out")" -eq 6 ] \
    && [ "$(key ok run inner_converged)" = "[true,true,true]" ] \
    && ! grep -q '"inner_converged":false\|"converged":\[[^]]*false' "$tmpdir/ok.out"
ok $? "newton: every flag true, \"inner_failures\": 0 everywhere, nothing on stderr"

# ---- every point fails: the command fails, with the reason ----
expect_error "a surface where every point fails says why and fails" \
    "bilab: surface: 4 of 4 points failed: lasso is non-smooth: use ista, fista or cd" \
    "problem use lasso; set inner.solver gd; surface omega=-3:1:4"
expect_error "so does a compare over ω" "bilab: compare: 4 of 4 points failed: lasso is non-smooth" \
    "problem use lasso; set inner.solver gd; compare cg omega=-3:1:4"
expect_error "and compare search" "bilab: compare: 4 of 4 points failed: lasso is non-smooth" \
    "problem use lasso; set inner.solver gd; compare search omega=-3:1:4"
run_json lf "problem use lasso; set inner.solver gd; surface omega=-3:1:4; show"
! grep -q '"cmd":"surface"' "$tmpdir/lf.out"
ok $? "the failed surface prints no result"

# ---- a zero outer step says why (logreg at ω = −10 with gd: the inner
# solves stop short, F does not decrease at any trial step) ----
run_json z "data load breast_cancer; problem use logreg; set inner.solver gd; set inner.maxit 1000; set omega -10; step outer"
[ "$(key z step step)" = 0 ] && [ "$(key z step inner_converged)" = false ] \
    && grep -q '"zero_step_reason":"backtracking gave up after [0-9]* halvings: F did not decrease' "$tmpdir/z.out" \
    && grep -q '^bilab: step: warning: outer step 1 took a step of 0: backtracking gave up after [0-9]* halvings: F did not decrease' "$tmpdir/z.err" \
    && grep -q '^bilab: step: warning: 42 of 42 inner solves stopped short' "$tmpdir/z.err"
ok $? "a zero outer step says why: backtracking gave up, F did not decrease, inner solves short"

# ---- figures mark the points with a red ✕ (PLplot's svg driver writes text) ----
if "$BILAB" -e 'plot trace x.png' 2>&1 | grep -q 'need PLplot'; then
    skip "figures: this build has no PLplot"
else
    "$BILAB" -e "$RIDGE; set inner.maxit 3; surface omega=-4:0:5; plot surface $tmpdir/u.svg; set inner.solver newton; surface omega=-4:0:5; plot surface $tmpdir/c.svg" >/dev/null 2>&1
    [ "$(grep -c '&#x2715;' "$tmpdir/u.svg")" -eq 6 ] \
        && grep -q '#D70000' "$tmpdir/u.svg" && ! grep -q '&#x2715;' "$tmpdir/c.svg"
    ok $? "exported figure: a red cross at each of the 5 points and in the legend, none when converged"
fi

done_testing
