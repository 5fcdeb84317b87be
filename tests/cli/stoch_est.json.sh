#!/bin/sh
# stoch_est.json.sh: hypergrad draws=R in JSON (issue 16, item 2): the keys
# doc/manual.md documents, their relations (mse = bias² + variance, the
# relative forms over ‖∇F‖), variance 0 and stochastic false for an
# estimator without batch=, and the error where there is no reference.
. "$(dirname "$0")/lib.sh"

QS='problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3; solve inner; set sampler uniform'
"$BILAB" --json -e "$QS; hypergrad neumann:k=10,batch=8 neumann:k=10 draws=30" \
    >"$tmpdir/out" 2>"$tmpdir/err"
ok $? "hypergrad ... draws=30 runs with --json"
line=$(grep '"cmd":"hypergrad"' "$tmpdir/out" | tail -1)
# the estimates, one per line
printf '%s\n' "$line" | sed 's/},{/}\n{/g' >"$tmpdir/est"
sto=$(grep '"spec":"neumann:k=10,batch=8"' "$tmpdir/est")
det=$(grep '"spec":"neumann:k=10"' "$tmpdir/est")
val() { printf '%s' "$1" | grep -o "\"$2\":[^,}]*" | head -1 | sed "s/^\"$2\"://"; }
ref=$(printf '%s' "$line" | grep -o '"reference_grad":\[[^]]*\]' | sed 's/.*\[//; s/\]//')
missing=
for k in draws stochastic seed mean_grad bias variance mean_error mse rel_bias rel_variance \
    rel_mean_error; do
    printf '%s' "$sto" | grep -q "\"$k\":" || missing="$missing $k"
done
ok "$([ -z "$missing" ]; echo $?)" "each estimate has the draws keys (missing:${missing:- none})"
ok "$([ "$(val "$sto" draws)" = 30 ] && [ "$(val "$sto" stochastic)" = true ] \
    && [ "$(val "$sto" seed)" = 0 ]; echo $?)" "the minibatch estimate: 30 draws from seed 0"
ok "$([ "$(val "$det" draws)" = 1 ] && [ "$(val "$det" stochastic)" = false ] \
    && [ "$(val "$det" variance)" = 0 ]; echo $?)" "neumann:k=10: deterministic, one run, variance 0"
# mse = bias² + variance; rel_bias = bias/‖∇F‖, rel_variance = variance/‖∇F‖²
check=$(awk -v b="$(val "$sto" bias)" -v v="$(val "$sto" variance)" -v m="$(val "$sto" mse)" \
    -v rb="$(val "$sto" rel_bias)" -v rv="$(val "$sto" rel_variance)" -v r="$ref" 'BEGIN {
    n = split(r, x, ","); s = 0; for (i = 1; i <= n; i++) s += x[i] * x[i]; g = sqrt(s)
    e1 = m - (b * b + v); if (e1 < 0) e1 = -e1
    e2 = rb - b / g; if (e2 < 0) e2 = -e2
    e3 = rv - v / (g * g); if (e3 < 0) e3 = -e3
    print (e1 <= 1e-12 * m && e2 <= 1e-12 && e3 <= 1e-12 && v > 0) ? 0 : 1 }')
ok "$check" "mse = bias² + variance, rel_bias = bias/‖∇F‖, rel_variance = variance/‖∇F‖²"
# the bias of the deterministic one is its distance to the reference
check=$(awk -v b="$(val "$det" bias)" -v e="$(val "$det" mean_error)" 'BEGIN {
    print (b == e && b > 0) ? 0 : 1 }')
ok "$check" "neumann:k=10: bias = mean error"

# no reference: exact over mem.max and no fd listed
expect_error "draws without a reference is one clear error" \
    "draws=5 needs the exact hypergradient as reference" \
    "$QS; set mem.max 0.0001; hypergrad neumann:k=10,batch=8 draws=5"
expect_error "draws=x is refused" "draws=x: the number of draws must be an integer" \
    "$QS; hypergrad neumann:k=10,batch=8 draws=x"
expect_error "draws over mem.max is one clear error" \
    "1000 draws keep 1000 × 2 estimates: 0.016 MB, over mem.max" \
    "$QS; set mem.max 2000; hypergrad neumann:k=10,batch=8 draws=1000"
done_testing
