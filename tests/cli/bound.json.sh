#!/bin/sh
# bound.json.sh: the error bound in JSON (issue 18, item 4; doc/bounds.md):
# "error_bound" on each estimate, ≥ its distance to ∇F (closed form for
# ridge, at a solved θ the reference is ∇F), equal to the sum of its parts,
# certified on ridge; null with a note for reverse and on lasso; estimated
# (not certified) on quadsum; compare's rows carry it too.
. "$(dirname "$0")/lib.sh"

"$BILAB" --json -e "problem use ridge; set inner.solver newton; solve inner; hypergrad cg:k=2 neumann:k=4 reverse:t=5; compare cg k=1:5:3" \
    >"$tmpdir/out" 2>"$tmpdir/err"
ok $? "hypergrad and compare on ridge run with --json"
line=$(grep '"cmd":"hypergrad"' "$tmpdir/out" | tail -1)
printf '%s\n' "$line" | sed 's/},{"spec"/}\n{"spec"/g' >"$tmpdir/est"
val() { printf '%s' "$1" | grep -o "\"$2\":[^,}]*" | head -1 | sed "s/^\"$2\"://"; }
ref=$(printf '%s' "$line" | grep -o '"reference_grad":\[[^]]*\]' | sed 's/.*\[//; s/\]//')
for s in cg:k=2 neumann:k=4; do
    e=$(grep "\"spec\":\"$s\"" "$tmpdir/est")
    g=$(printf '%s' "$e" | grep -o '"grad":\[[^]]*\]' | sed 's/.*\[//; s/\]//')
    check=$(awk -v g="$g" -v r="$ref" -v b="$(val "$e" error_bound)" \
        -v it="$(val "$e" inner_term)" -v at="$(val "$e" adjoint_term)" 'BEGIN {
        d = g - r; if (d < 0) d = -d
        s = it + at - b; if (s < 0) s = -s
        print (b != "" && b + 0 >= d && d > 0 && s <= 1e-12 * b) ? 0 : 1 }')
    ok "$check" "$s: error_bound $(val "$e" error_bound) ≥ |g − ∇F|, = inner_term + adjoint_term"
    ok "$([ "$(val "$e" error_bound_certified)" = true ]; echo $?)" "$s: certified on ridge"
    missing=
    for k in mu eps c_norm L_grad_theta_L L_H L_C L_grad_omega_L inner_term adjoint_term; do
        printf '%s' "$e" | grep -q "\"$k\":" || missing="$missing $k"
    done
    ok "$([ -z "$missing" ]; echo $?)" "$s: error_bound_parts (missing:${missing:- none})"
done
e=$(grep '"spec":"reverse:t=5"' "$tmpdir/est")
ok "$([ "$(val "$e" error_bound)" = null ] && printf '%s' "$e" | grep -q '"error_bound_note":"no bound: reverse is not an implicit'; echo $?)" \
    "reverse: error_bound null, with a note"
cmp=$(grep '"cmd":"compare"' "$tmpdir/out")
n=$(printf '%s' "$cmp" | grep -o '"error_bound":[0-9]' | wc -l)
ok "$([ "$n" -eq 3 ]; echo $?)" "compare: each of the 3 rows carries error_bound ($n)"

"$BILAB" --json -e "problem use quadsum n_inner=40 n_outer=40 dim_inner=6 dim_outer=3; set inner.solver newton; solve inner; hypergrad cg:k=2; problem use lasso; set inner.solver auto; solve inner; hypergrad exact" \
    >"$tmpdir/out2" 2>"$tmpdir/err2"
ok $? "quadsum and lasso run with --json"
q=$(grep '"cmd":"hypergrad"' "$tmpdir/out2" | head -1)
ok "$([ "$(val "$q" error_bound_certified)" = false ] && printf '%s' "$q" | grep -q '"error_bound_note":"estimated, not certified: μ (Lanczos)'; echo $?)" \
    "quadsum: an estimated bound, not certified, with a note"
l=$(grep '"cmd":"hypergrad"' "$tmpdir/out2" | tail -1)
ok "$([ "$(val "$l" error_bound)" = null ] && printf '%s' "$l" | grep -q '"error_bound_note":"non-smooth problem'; echo $?)" \
    "lasso: error_bound null, non-smooth"
done_testing
