#!/bin/sh
# solvers_default_numbers.sh: the inner solves of issue 11 with the defaults only
# (inner.solver auto), their numbers against closed forms computed here:
# logreg's surface at ω = −10, heat, the custom double well (θ³ − θ = ω,
# ∇F = (θ − ½)/(3θ² − 1)), a ridge typed with define against the ridge
# closed form, ridge-multi's run, lasso, doublewell from its hump, and
# every built-in problem and the examples of doc/expressions.md.
. "$(dirname "$0")/lib.sh"
awkdir=$(dirname "$0")

# json_num KEY FILE [NTH]: the NTH (default 1st) number after "KEY":
json_num() {
    grep -o "\"$1\":[^,}]*" "$2" | sed -n "${3:-1}p" | sed 's/.*://; s/\[//; s/\]//'
}
# rel A B: |A − B| / |B|
rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; printf "%.3g", d / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# no_warning FILE: stderr of a run has no warning and no error
no_warning() { ! grep -q '^bilab: ' "$1"; }

# 1. logreg on breast_cancer: the surface's F(−10) is the true one (0.4107;
# gd stopped at maxit and drew 0.2001), equal to a separate solve.
"$BILAB" --json -e 'data load breast_cancer; problem use logreg; surface omega=-10:4:64' \
    >"$tmpdir/s" 2>"$tmpdir/se"
ok $? "logreg surface omega=-10:4:64 runs"
no_warning "$tmpdir/se"
ok $? "no inner solve of the surface stops short (stderr: $(head -c 200 "$tmpdir/se"))"
Fs=$(grep '"cmd":"surface"' "$tmpdir/s" | grep -o '"F":\[[^,]*' | sed 's/.*\[//')
"$BILAB" --json -e 'data load breast_cancer; problem use logreg; set omega -10; set inner.tol 1e-13; solve inner; show' \
    >"$tmpdir/n" 2>&1
Fn=$(grep '"cmd":"show"' "$tmpdir/n" | grep -o '"F":[^,]*' | sed 's/.*://')
r=$(rel "$Fs" "$Fn")
le "$r" 1e-10
ok $? "F(−10) on the surface $Fs = a solve to 1e-13 $Fn (rel $r)"
r=$(rel "$Fs" 0.41070611)
le "$r" 1e-7
ok $? "F(−10) = 0.4107061 (rel $r)"

# 2. heat: a quadratic G, solved to inner.tol at once, at the closed form.
"$BILAB" --json -e 'problem use heat; solve inner; show; hypergrad exact fd' >"$tmpdir/h" 2>"$tmpdir/he"
ok $? "problem use heat; solve inner runs"
no_warning "$tmpdir/he"
ok $? "heat: no warning"
res=$(grep '"cmd":"solve"' "$tmpdir/h" | grep -o '"residual":[^,]*' | sed 's/.*://')
it=$(grep '"cmd":"solve"' "$tmpdir/h" | grep -o '"iterations":[^,]*' | sed 's/.*://')
le "$res" 1e-10 && [ "$it" -le 20 ]
ok $? "heat: ‖∇θG‖ = $res ≤ 1e-10 in $it iterations (gd: 10000, unsolved)"
dist=$(grep '"cmd":"show"' "$tmpdir/h" | grep -o '‖θ − θ\*‖ = [^;",\\]*' | sed 's/.*= //')
le "$dist" 1e-8
ok $? "heat: ‖θ − θ*‖ = $dist from the closed form"
fdrel=$(grep -o '"spec":"fd"[^}]*' "$tmpdir/h" | grep -o '"rel_err":[^,]*' | sed 's/.*://')
le "$fdrel" 1e-6
ok $? "heat: fd agrees with exact (rel $fdrel)"

# 3. The custom double well at ω = 0.2 from θ = 0 (H = −1 there, the power
# iteration's η = 1 made gd oscillate): a minimum, and the exact ∇F.
"$BILAB" --json -e 'define dims theta=1 omega=1; define inner 0.25*(theta[0]^2-1)^2 - omega[0]*theta[0]; define outer 0.5*(theta[0]-0.5)^2; set omega 0.2; solve inner; hypergrad exact' \
    >"$tmpdir/w" 2>"$tmpdir/we"
ok $? "custom double well: solve inner runs"
no_warning "$tmpdir/we"
ok $? "custom double well: no warning"
th=$(grep '"cmd":"solve"' "$tmpdir/w" | grep -o '"theta":\[[^]]*' | sed 's/.*\[//')
g=$(grep '"cmd":"hypergrad"' "$tmpdir/w" | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
awk -v t="$th" 'BEGIN { r = t^3 - t - 0.2; if (r < 0) r = -r; exit !(r <= 1e-10 && 3*t^2 - 1 > 0) }'
ok $? "θ = $th: θ³ − θ = ω and 3θ² − 1 > 0 (a minimum)"
want=$(awk -v t="$th" 'BEGIN { printf "%.17g", (t - 0.5) / (3*t^2 - 1) }')
r=$(rel "$g" "$want")
le "$r" 1e-9
ok $? "hypergrad exact $g = (θ − ½)/(3θ² − 1) = $want (rel $r)"

# 4. Ridge typed with define equals the built-in ridge and its closed form
# (at ω = −10, gd stopped at maxit short of inner.tol).
for w in -1 -10; do
    "$BILAB" --json -e "set omega $w; export data $tmpdir/d.csv; define dims theta=10 omega=1; define inner mean((X*theta - y)^2)/2 + exp(omega[0])/2*sum(theta^2); define outer mean((Xv*theta - yv)^2)/2; set omega $w; solve inner; show; hypergrad exact" \
        >"$tmpdir/c" 2>"$tmpdir/ce"
    ok $? "ridge with define on diabetes, ω = $w: solve inner runs"
    no_warning "$tmpdir/ce"
    ok $? "ridge with define, ω = $w: no warning"
    "$BILAB" --json -e "problem use ridge; set omega $w; solve inner; show; hypergrad exact" >"$tmpdir/b" 2>&1
    a=$(grep '"cmd":"show"' "$tmpdir/c" | grep -o '"F":[^,]*' | sed 's/.*://')
    b=$(grep '"cmd":"show"' "$tmpdir/b" | grep -o '"F":[^,]*' | sed 's/.*://')
    r=$(rel "$a" "$b")
    le "$r" 1e-10
    ok $? "ω = $w: define ridge F = $a, built-in ridge $b (rel $r)"
    gc=$(grep '"cmd":"hypergrad"' "$tmpdir/c" | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
    ref=$(awk -F, -v omega="$w" -f "$awkdir/ridge_closed.awk" "$tmpdir/d.csv")
    r=$(rel "$gc" "$ref")
    le "$r" 1e-10
    ok $? "ω = $w: define ridge ∇F = $gc, closed form $ref (rel $r)"
    thc=$(grep '"cmd":"show"' "$tmpdir/c" | grep -o '"theta":\[[^]]*' | sed 's/.*\[//')
    thb=$(grep '"cmd":"show"' "$tmpdir/b" | grep -o '"theta":\[[^]]*' | sed 's/.*\[//')
    awk -v a="$thc" -v b="$thb" 'BEGIN { n = split(a, x, ","); split(b, y, ",");
        for (i = 1; i <= n; i++) { d += (x[i] - y[i])^2; s += y[i]^2 }
        exit !(n == 10 && sqrt(d) <= 1e-10 * sqrt(s)) }'
    ok $? "ω = $w: define ridge θ = built-in ridge θ to 1e-10"
done

# 5. ridge-multi: 50 outer steps, every inner solve to inner.tol.
"$BILAB" --json -e 'problem use ridge-multi; run 50; trace; show' >"$tmpdir/m" 2>"$tmpdir/me"
ok $? "ridge-multi run 50 runs"
no_warning "$tmpdir/me"
ok $? "ridge-multi run 50: no warning"
grep '"cmd":"trace"' "$tmpdir/m" | grep -o '"inner_iterations":[^,]*' | sed 's/.*://' >"$tmpdir/ii"
rows=$(wc -l <"$tmpdir/ii")
worst=$(sort -n "$tmpdir/ii" | tail -1)
[ "$rows" -eq 50 ] && [ "$worst" -le 20 ]
ok $? "50 trace rows, at most $worst inner iterations a step (gd: 20000–50000, at maxit)"
dist=$(grep '"cmd":"show"' "$tmpdir/m" | grep -o '‖θ − θ\*‖ = [^;",\\]*' | sed 's/.*= //')
le "$dist" 1e-8
ok $? "ridge-multi after the run: ‖θ − θ*‖ = $dist from the closed form"

# 6. lasso without picking a solver.
"$BILAB" --json -e 'problem use lasso; solve inner' >"$tmpdir/l" 2>"$tmpdir/le"
ok $? "problem use lasso; solve inner runs (it was refused: gd)"
res=$(grep '"cmd":"solve"' "$tmpdir/l" | grep -o '"residual":[^,]*' | sed 's/.*://')
sv=$(grep '"cmd":"solve"' "$tmpdir/l" | grep -o '"solver":"[^"]*' | sed 's/.*"//')
le "$res" 1e-10 && no_warning "$tmpdir/le"
ok $? "lasso: $sv to prox residual $res ≤ 1e-10"

# 7. doublewell from the hump θ = 0 at ω = 0: a well, and exact applies.
"$BILAB" --json -e 'problem use doublewell; solve inner; hypergrad exact' >"$tmpdir/dw" 2>&1
ok $? "doublewell: solve inner; hypergrad exact runs (exact failed on the hump)"
th=$(grep '"cmd":"solve"' "$tmpdir/dw" | grep -o '"theta":\[[^]]*' | sed 's/.*\[//')
awk -v t="$th" 'BEGIN { exit !(t == 1 || t == -1) }'
ok $? "doublewell ω = 0 from θ = 0 ends in a well: θ = $th"

# 8. agd, restarted, is faster than gd on logreg (103 against 71 before).
for s in gd agd; do
    "$BILAB" --json -e "data load breast_cancer; problem use logreg; set inner.solver $s; solve inner" \
        >"$tmpdir/$s" 2>&1
done
kg=$(grep '"cmd":"solve"' "$tmpdir/gd" | grep -o '"iterations":[^,]*' | sed 's/.*://')
ka=$(grep '"cmd":"solve"' "$tmpdir/agd" | grep -o '"iterations":[^,]*' | sed 's/.*://')
[ "$ka" -lt "$kg" ]
ok $? "logreg ω = 0: agd $ka iterations, gd $kg"

# 9. Every built-in problem and the examples of doc/expressions.md solve
# to inner.tol with the defaults, without a warning.
check_solves() {   # DESCRIPTION COMMANDS
    "$BILAB" --json -e "$2; solve inner" >"$tmpdir/o" 2>"$tmpdir/e"
    rc=$?
    res=$(grep '"cmd":"solve"' "$tmpdir/o" | grep -o '"residual":[^,]*' | sed 's/.*://')
    sv=$(grep '"cmd":"solve"' "$tmpdir/o" | grep -o '"solver":"[^"]*' | sed 's/.*"//')
    [ $rc -eq 0 ] && le "${res:-1}" 1e-10 && no_warning "$tmpdir/e"
    ok $? "$1: $sv to $res"
}
for p in quadratic ridge ridge-multi lasso enet tv1d heat doublewell nonsingleton; do
    check_solves "$p" "problem use $p; set omega $(case $p in quadratic) echo 1;; enet) echo 0,-2;; heat) echo -6,-9;; *) echo 0.1;; esac)"
done
for p in logreg logreg-multi cleaning; do
    check_solves "$p on breast_cancer" "data load breast_cancer; problem use $p"
done
check_solves "expressions.md 1 (quartic)" "define dims theta=2 omega=1; define inner 0.5*(theta[0]-omega[0])^2 + 0.5*theta[1]^2 + 0.1*theta[0]^4; define outer (theta[0]-1)^2 + 0.01*omega[0]^2; set omega 0.7"
check_solves "expressions.md 1 with 10θ⁴" "define dims theta=2 omega=1; define inner 0.5*(theta[0]-omega[0])^2 + 0.5*theta[1]^2 + 10*theta[0]^4; define outer (theta[0]-1)^2 + 0.01*omega[0]^2; set omega 3"
check_solves "expressions.md 2 (double well) from θ = 0.1" "define dims theta=1 omega=1; define param tt=0.5; define inner 0.25*(theta[0]^2 - 1)^2 - omega[0]*theta[0]; define outer 0.5*(theta[0] - tt)^2; set omega 0.2; set theta 0.1"
check_solves "expressions.md 3 (ridge-multi by hand)" "define dims theta=10 omega=10; define inner mean((X*theta - y)^2)/2 + 0.5*sum(exp(omega)*theta^2); define outer mean((Xv*theta - yv)^2)/2"
check_solves "expressions.md 3 (logistic by hand)" "data load breast_cancer; define dims theta=30 omega=1; define inner mean(softplus(-(2*y - 1)*(X*theta))) + exp(omega[0])/2*sum(theta^2); define outer mean(softplus(-(2*yv - 1)*(Xv*theta))); set omega -2"

# 10. A solver set by hand is kept; one that cannot work is refused.
"$BILAB" --json -e 'set inner.solver gd; solve inner' >"$tmpdir/g" 2>&1
grep -q '"solver":"gd"' "$tmpdir/g"
ok $? "set inner.solver gd: solve uses gd"
"$BILAB" -e 'problem use lasso; set inner.solver gd; solve inner' >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ] && grep -q 'lasso is non-smooth: use ista, fista or cd (not gd)' "$tmpdir/e"
ok $? "gd on lasso is refused: $(cat "$tmpdir/e")"
done_testing
