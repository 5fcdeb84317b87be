# lasso_cd.awk: the lasso's F(ω) = (1/2m)‖X_vθ − y_v‖² at θ = argmin
# (1/2n)‖Xθ − y‖² + e^ω‖θ‖₁ by cyclic coordinate descent written here,
# from the CSV of 'export data' (features, target, validation 0/1).
# Usage: awk -F, -v omegas="w1 w2 ..." -f lasso_cd.awk FILE; one F a line.
NR == 1 { next }
{
    p = NF - 2
    if ($NF == 0) { n++; for (j = 1; j <= p; j++) X[n, j] = $j; y[n] = $(p + 1) }
    else { m++; for (j = 1; j <= p; j++) V[m, j] = $j; yv[m] = $(p + 1) }
}
END {
    for (j = 1; j <= p; j++) {
        for (k = 1; k <= p; k++) { s = 0; for (i = 1; i <= n; i++) s += X[i, j] * X[i, k]; A[j, k] = s / n }
        s = 0; for (i = 1; i <= n; i++) s += X[i, j] * y[i]; b[j] = s / n
    }
    nw = split(omegas, W, " ")
    for (q = 1; q <= nw; q++) {
        lam = exp(W[q])
        for (j = 1; j <= p; j++) th[j] = 0
        for (sweep = 0; sweep < 100000; sweep++) {
            mx = 0
            for (j = 1; j <= p; j++) {
                r = b[j]; for (k = 1; k <= p; k++) if (k != j) r -= A[j, k] * th[k]
                t = (r > lam) ? (r - lam) / A[j, j] : (r < -lam) ? (r + lam) / A[j, j] : 0
                d = t - th[j]; if (d < 0) d = -d; if (d > mx) mx = d
                th[j] = t
            }
            if (mx < 1e-15) break
        }
        F = 0
        for (i = 1; i <= m; i++) { z = -yv[i]; for (j = 1; j <= p; j++) z += V[i, j] * th[j]; F += z * z }
        printf "%.17g\n", F / (2 * m)
    }
}
