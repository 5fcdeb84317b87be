#!/bin/sh
# defaults.sh: every problem of 'problem list', with the defaults only
# ('problem use NAME; solve inner; hypergrad', issue 11): the solve reaches
# inner.tol without a warning, the whole batch takes well under a second
# of processor time, and the reference hypergradient it prints agrees to
# 1e-6 with central differences of F computed here from show's F at
# ω ± h eᵢ and ω ± (h/2) eᵢ (Richardson-extrapolated, each F solved to
# 1e-13; at most three coordinates of a large ω).
. "$(dirname "$0")/lib.sh"

# json_arr KEY FILE CMD: the flat array after "KEY": in the line of CMD,
# comma-separated without brackets
json_arr() { grep "\"cmd\":\"$3\"" "$2" | tail -1 | grep -o "\"$1\":\[[^]]*" | head -1 | sed 's/.*\[//'; }
json_num() { grep "\"cmd\":\"$3\"" "$2" | tail -1 | grep -o "\"$1\":[^,}]*" | head -1 | sed 's/.*://'; }

# cpu FILE: processor seconds used so far by this shell's children, into
# FILE ('times' runs in this shell: in $(...) it would see a subshell's)
cpu() {
    times >"$tmpdir/times"
    tail -1 "$tmpdir/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m");
        sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%.3f\n", s }' >"$1"
}

h=1e-3
probs=$("$BILAB" -e 'problem list' 2>/dev/null | sed -E 's/^[ *]*([a-z0-9-]+).*/\1/' | grep -v '^custom$')
[ "$(printf '%s\n' $probs | wc -l)" -ge 18 ]
ok $? "problem list names the catalogue ($(printf '%s ' $probs))"
for p in $probs; do
    cpu "$tmpdir/c0"
    "$BILAB" --json -e "problem use $p; solve inner; hypergrad" >"$tmpdir/o" 2>"$tmpdir/e"
    rc=$?
    cpu "$tmpdir/c1"
    res=$(json_num residual "$tmpdir/o" solve)
    sv=$(grep '"cmd":"solve"' "$tmpdir/o" | grep -o '"solver":"[^"]*' | sed 's/.*"//')
    [ $rc -eq 0 ] && ! grep -qi 'warning' "$tmpdir/e" && ! grep -q '^bilab: ' "$tmpdir/e" \
        && awk -v r="${res:-1}" 'BEGIN { exit !(r <= 1e-10) }'
    ok $? "$p: solve inner ($sv) to $res ≤ inner.tol, hypergrad, exit $rc, no warning$(grep -q . "$tmpdir/e" && printf ' (stderr: %s)' "$(head -c 160 "$tmpdir/e")")"
    t=$(cat "$tmpdir/c0" "$tmpdir/c1" | awk 'NR == 1 { a = $1 } NR == 2 { printf "%.2f", $1 - a }')
    awk -v t="$t" 'BEGIN { exit !(t < 1.0) }'
    ok $? "$p: $t s of processor time"

    # my central differences at the ω where hypergrad was taken
    om=$(json_arr omega "$tmpdir/o" hypergrad)
    g=$(json_arr reference_grad "$tmpdir/o" hypergrad)
    ref=$(grep '"cmd":"hypergrad"' "$tmpdir/o" | grep -o '"reference":"[^"]*' | sed 's/.*"//')
    d=$(printf '%s\n' "$om" | awk -F, '{ print NF }')
    # all coordinates of a small ω; else the first, the last and the largest |g_i|
    coords=$(awk -v d="$d" -v g="$g" 'BEGIN { if (d <= 4) { for (i = 0; i < d; i++) print i; exit }
        split(g, G, ","); m = 1; for (i = 2; i <= d; i++) if (G[i]^2 > G[m]^2) m = i
        print 0; if (m != 1 && m != d) print m - 1; print d - 1 }')
    script="problem use $p
set inner.tol 1e-13
solve inner"
    for i in $coords; do
        w=$(printf '%s\n' "$om" | awk -F, -v i="$i" '{ print $(i + 1) }')
        for s in $h -$h 0.5e-3 -0.5e-3; do
            v=$(awk -v w="$w" -v s="$s" 'BEGIN { printf "%.17g", w + s }')
            script="$script
set omega[$i] $v
solve inner
show
set omega[$i] $w"
        done
    done
    printf '%s\n' "$script" >"$tmpdir/fd.bl"
    "$BILAB" --json -f "$tmpdir/fd.bl" >"$tmpdir/f" 2>"$tmpdir/fe"
    frc=$?
    grep '"cmd":"show"' "$tmpdir/f" | grep -o '"F":[^,}]*' | sed 's/.*://' >"$tmpdir/F"
    # the reference against the differences on the same coordinates:
    # ‖g − fd‖ ≤ 1e-6 ‖fd‖ + 1e-10
    verdict=$(printf '%s\n' "$coords" | awk -v g="$g" -v h="$h" -v Ffile="$tmpdir/F" '
        BEGIN { split(g, G, ","); k = 0; while ((getline f < Ffile) > 0) F[k++] = f }
        { i = $1; j = 4 * (NR - 1)
          d1 = (F[j] - F[j + 1]) / (2 * h); d2 = (F[j + 2] - F[j + 3]) / h
          fd = (4 * d2 - d1) / 3; e = G[i + 1] - fd
          num += e * e; den += fd * fd; n++
          if (n <= 3) list = list sprintf("%s%.10g~%.10g", n > 1 ? ", " : "", G[i + 1], fd) }
        END { rel = sqrt(num) / (sqrt(den) > 0 ? sqrt(den) : 1)
              printf "%s %.2g [%s]", (k == 4 * n && sqrt(num) <= 1e-6 * sqrt(den) + 1e-10) ? "ok" : "no", rel, list }')
    [ $frc -eq 0 ] && ! grep -qi 'warning' "$tmpdir/fe" && [ "${verdict%% *}" = ok ]
    ok $? "$p: reference $ref agrees with central differences: rel ${verdict#* }$(grep -q . "$tmpdir/fe" && printf ' (fd stderr: %s)' "$(head -c 160 "$tmpdir/fe")")"
done

# The README's tour steps a θ that newton solves in one step: the steps
# after it stop at round-off below inner.tol, which is a note, not a warning
"$BILAB" -e 'set omega -2; step inner 5; solve inner' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && ! grep -q 'warning' "$tmpdir/e" \
    && grep -q '^note: step: θ is solved to inner.tol = 1e-10; newton stopped after [0-9]* iterations at round-off' "$tmpdir/e"
ok $? "README tour: set omega -2; step inner 5: a note, no warning (stderr: $(head -c 200 "$tmpdir/e"))"

# Custom objectives whose H vanishes at the start θ = 0 (newton's modified
# direction was ∇G/DBL_MIN there and it stopped "at round-off" with
# ‖∇θG‖ = ω).  With L = θ²: θ⁴ − ωθ has θ* = (ω/4)^(1/3) and
# ∇F = 2θ/H = 1/(6θ); θ³ − ωθ has the local minimum θ* = √(ω/3), ∇F = 1/3.
# ∇θG at θ is within inner.tol of 0, and ∇F is the formula at that θ.
for c in "4 1" "4 1e-3" "4 1e3" "3 1" "3 0.01"; do
    set -- $c
    "$BILAB" --json -e "define dims theta=1 omega=1; define inner theta[0]^$1 - omega[0]*theta[0]; define outer theta[0]^2; set omega $2; solve inner; hypergrad" \
        >"$tmpdir/o" 2>"$tmpdir/e"
    rc=$?
    th=$(json_arr theta "$tmpdir/o" solve)
    g=$(json_arr reference_grad "$tmpdir/o" hypergrad)
    [ $rc -eq 0 ] && [ ! -s "$tmpdir/e" ] && awk -v k="$1" -v w="$2" -v t="$th" -v g="$g" 'BEGIN {
        if (k == 4) { ts = (w / 4)^(1 / 3); gs = 1 / (6 * t); r = 4 * t^3 - w }
        else { ts = sqrt(w / 3); gs = 1 / 3; r = 3 * t^2 - w }
        d = t - ts; e = g - gs
        exit !(r * r <= 1e-20 && d * d <= 1e-12 * ts * ts && e * e <= 1e-20 * gs * gs) }'
    ok $? "custom θ^$1 − ωθ at ω = $2 from θ = 0 (H = 0): θ = $th, ∇F = $g (closed form)$(grep -q . "$tmpdir/e" && printf ' (stderr: %s)' "$(head -c 160 "$tmpdir/e")")"
done

# A logistic G typed with define equals the built-in logreg with the label
# convention 'help define' gives: 0/1 on breast_cancer, ±1 with positive=
dl() {   # DATA LABEL-EXPRESSION(y) (yv)
    "$BILAB" --json -e "data load $1; define dims theta=$2 omega=1; define inner mean(softplus(-$3*(X*theta))) + exp(omega[0])/2*sumsq(theta); define outer mean(softplus(-$4*(Xv*theta))); set omega -2; solve inner; show" 2>/dev/null \
        | grep '"cmd":"show"' | grep -o '"F":[^,]*' | sed 's/.*://'
    "$BILAB" --json -e "data load $1; problem use logreg; set omega -2; solve inner; show" 2>/dev/null \
        | grep '"cmd":"show"' | grep -o '"F":[^,]*' | sed 's/.*://'
}
for c in "breast_cancer 30 (2*y-1) (2*yv-1)" "wine:positive=0 13 y yv"; do
    set -- $c
    F=$(dl "$(echo "$1" | tr ':' ' ')" "$2" "$3" "$4" | tr '\n' ' ')
    awk -v F="$F" 'BEGIN { split(F, a, " "); d = a[1] - a[2]; exit !(a[2] > 0 && d * d <= 1e-20 * a[2] * a[2]) }'
    ok $? "logistic G by hand on $1 with -$3: F = built-in logreg's ($F)"
done

# The example block of each doc/problems page runs to its end with bilab -f
# (a line meant to fail is marked 'try'), as the lessons do
cmds='problem|data|set|show|step|solve|run|reset|trace|hypergrad|adjoint|spectrum|explain|surface|compare|plot|export|save|source|define|try'
for f in "$srcdir"/doc/problems/*.md; do
    grep -E "^    ($cmds)( |\$)" "$f" | sed 's/^    //' >"$tmpdir/page.bl"
    (cd "$tmpdir" && "$BILAB" -f page.bl >/dev/null 2>"$tmpdir/pe")
    rc=$?
    [ $rc -eq 0 ] && [ -s "$tmpdir/page.bl" ]
    ok $? "doc/problems/$(basename "$f"): its $(wc -l <"$tmpdir/page.bl") commands run with bilab -f, exit $rc$(grep '^bilab: [a-z]*: [^w]' "$tmpdir/pe" | head -1 | cut -c1-120 | sed 's/^/ (/; s/$/)/')"
done

# The list at the top of issue 11, with the defaults only.
# logreg on breast_cancer, one outer step at ω = −10: fast, a step that is
# not 0, every inner solve converged, and ω moves by s·0.19947178 (∇F there)
"$BILAB" --json -e 'data load breast_cancer; problem use logreg; set omega -10; step outer' \
    >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
st=$(json_num step "$tmpdir/o" step)
F0=$(json_num F "$tmpdir/o" step)
w1=$(json_arr omega "$tmpdir/o" step)
[ $rc -eq 0 ] && [ ! -s "$tmpdir/e" ] && [ "$(json_num inner_converged "$tmpdir/o" step)" = true ] \
    && awk -v s="$st" -v F="$F0" -v w="$w1" 'BEGIN { d = w - (-10 + s * 0.19947178016); if (d < 0) d = -d
        e = F - 0.41070611016; if (e < 0) e = -e; exit !(s > 0 && d < 1e-9 && e < 1e-9) }'
ok $? "logreg at ω = −10: step outer takes s = $st to ω = $w1 from F = $F0, solves converged (gd: 420000 iterations, a step of 0)"

# lasso: the surface omega=-3:1:10 (gd: 10 of 10 failed) against coordinate
# descent written here (lasso_cd.awk)
"$BILAB" --json -e "problem use lasso; export data $tmpdir/d.csv; surface omega=-3:1:10" >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
W=$(json_arr values "$tmpdir/o" surface | tr ',' ' ')
json_arr F "$tmpdir/o" surface | tr ',' '\n' >"$tmpdir/Fs"
awk -F, -v omegas="$W" -f "$srcdir/tests/cli/lasso_cd.awk" "$tmpdir/d.csv" >"$tmpdir/Fc"
r=$(paste "$tmpdir/Fs" "$tmpdir/Fc" | awk '{ d = ($1 - $2) / $2; if (d < 0) d = -d; if (d > r) r = d; n++ }
    END { printf "%s %.2g", n, r }')
[ $rc -eq 0 ] && [ ! -s "$tmpdir/e" ] && [ "$(json_num failed "$tmpdir/o" surface)" = 0 ] \
    && [ "$(json_num inner_failures "$tmpdir/o" surface)" = 0 ] && [ "${r%% *}" = 10 ] \
    && awk -v r="${r#* }" 'BEGIN { exit !(r <= 1e-10) }'
ok $? "problem use lasso; surface omega=-3:1:10: 10 of 10 points, none failed, F = coordinate descent's to ${r#* }"

# steeper double wells k(θ² − 1)² − ωθ at ω = 0.2 from θ = 0, with the
# defaults and with gd by hand (gd diverged): 4kθ(θ² − 1) = ω at a minimum
# (12kθ² − 4k > 0) and ∇F = (θ − ½)/(12kθ² − 4k)
for c in "10 auto" "100 auto" "1000 auto" "10 gd" "100 gd"; do
    set -- $c
    "$BILAB" --json -e "define dims theta=1 omega=1; define inner $1*(theta[0]^2-1)^2 - omega[0]*theta[0]; define outer 0.5*(theta[0]-0.5)^2; set omega 0.2; set inner.solver $2; solve inner; hypergrad" \
        >"$tmpdir/o" 2>"$tmpdir/e"
    rc=$?
    th=$(json_arr theta "$tmpdir/o" solve)
    g=$(json_arr reference_grad "$tmpdir/o" hypergrad)
    [ $rc -eq 0 ] && [ ! -s "$tmpdir/e" ] && awk -v k="$1" -v t="$th" -v g="$g" 'BEGIN {
        r = 4 * k * t * (t^2 - 1) - 0.2; h = 12 * k * t^2 - 4 * k; gs = (t - 0.5) / h; e = (g - gs) / gs
        exit !(r * r <= 1e-20 && h > 0 && e * e <= 1e-20) }'
    ok $? "double well $1(θ² − 1)² − ωθ with $2: θ = $th, ∇F = $g (closed form at θ)"
done
done_testing
