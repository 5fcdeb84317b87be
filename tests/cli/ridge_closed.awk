# ridge_closed.awk: an independent ridge hypergradient from a file written
# by `export data`: θ* = (XᵀX/n + λI)⁻¹Xᵀy/n, dθ*/dω = −λ(XᵀX/n + λI)⁻¹θ*,
# ∇F = (X_vᵀ(X_vθ* − y_v)/m)ᵀ dθ*/dω with λ = exp(omega).  Prints ∇F.
# Usage: awk -F, -v omega=W -f ridge_closed.awk export.csv
NR == 1 { p = NF - 2; next }
{
    v = $NF; y = $(NF - 1)
    if (v == 0) { n++; for (i = 1; i <= p; i++) { X[n, i] = $i } Y[n] = y }
    else { m++; for (i = 1; i <= p; i++) { V[m, i] = $i } W[m] = y }
}
function solve(rhs, out,    i, j, k, piv, t, f, A, r) {
    for (i = 1; i <= p; i++) { for (j = 1; j <= p; j++) A[i, j] = H[i, j]; r[i] = rhs[i] }
    for (k = 1; k <= p; k++) {
        piv = k
        for (i = k + 1; i <= p; i++) if ((A[i, k] < 0 ? -A[i, k] : A[i, k]) > (A[piv, k] < 0 ? -A[piv, k] : A[piv, k])) piv = i
        for (j = 1; j <= p; j++) { t = A[k, j]; A[k, j] = A[piv, j]; A[piv, j] = t }
        t = r[k]; r[k] = r[piv]; r[piv] = t
        for (i = k + 1; i <= p; i++) {
            f = A[i, k] / A[k, k]
            for (j = k; j <= p; j++) A[i, j] -= f * A[k, j]
            r[i] -= f * r[k]
        }
    }
    for (i = p; i >= 1; i--) {
        t = r[i]
        for (j = i + 1; j <= p; j++) t -= A[i, j] * out[j]
        out[i] = t / A[i, i]
    }
}
END {
    lam = exp(omega)
    for (i = 1; i <= p; i++) {
        b[i] = 0
        for (k = 1; k <= n; k++) b[i] += X[k, i] * Y[k]
        b[i] /= n
        for (j = 1; j <= p; j++) {
            s = 0
            for (k = 1; k <= n; k++) s += X[k, i] * X[k, j]
            H[i, j] = s / n + (i == j ? lam : 0)
        }
    }
    solve(b, th)
    for (i = 1; i <= p; i++) mth[i] = -lam * th[i]
    solve(mth, dth)
    for (k = 1; k <= m; k++) { r = -W[k]; for (i = 1; i <= p; i++) r += V[k, i] * th[i]; res[k] = r }
    g = 0
    for (i = 1; i <= p; i++) { s = 0; for (k = 1; k <= m; k++) s += V[k, i] * res[k]; g += s / m * dth[i] }
    printf "%.17g\n", g
}
