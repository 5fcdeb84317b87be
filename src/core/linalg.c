/* linalg.c: Cholesky and eigen solves with honest failure reports. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "kernels.h"
#include "linalg.h"

int bl_sym_eig_range(const gsl_matrix *H, double *lmin, double *lmax)
{
    size_t p = H->size1;
    gsl_matrix *A = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(p);
    int st = BL_ENOMEM;
    if (A && ev && w) {
        gsl_matrix_memcpy(A, H);
        st = gsl_eigen_symm(A, ev, w) ? BL_EINVAL : BL_OK;
        if (st == BL_OK) {
            if (lmin) *lmin = gsl_vector_min(ev);
            if (lmax) *lmax = gsl_vector_max(ev);
        }
    }
    gsl_eigen_symm_free(w);
    gsl_vector_free(ev);
    gsl_matrix_free(A);
    return st;
}

int bl_matrix_finite(const gsl_matrix *M)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            if (!isfinite(gsl_matrix_get(M, i, j))) return 0;
    return 1;
}

int bl_spectrum_class(double lmin, double lmax, size_t p)
{
    if (!isfinite(lmin) || !isfinite(lmax)) return BL_CHOL_H_NONFINITE;
    /* the round-off of an eigenvalue of a computed H is about p·ε·‖H‖ */
    double tol = (double)(p > 0 ? p : 1) * DBL_EPSILON * fmax(fabs(lmax), fabs(lmin));
    if (lmin < -tol) return BL_CHOL_INDEFINITE;
    if (lmin <= tol) return BL_CHOL_SINGULAR;
    return BL_CHOL_OK;
}

/* Above this order the factor goes by blocks (cancellable, with
 * progress); below it GSL's own factor runs in one call, well under a
 * second, with the numbers it always gave. */
#define CHOL_BLOCKED_MIN 1024
#define CHOL_NB 192

int bl_chol_factor(gsl_matrix *A, bl_cancel_t *cancel, bl_busy_fn busy, void *arg)
{
    size_t n = A->size1;
    if (cancel && *cancel) return BL_EINTR;
    if (n <= CHOL_BLOCKED_MIN) {
        int st = gsl_linalg_cholesky_decomp1(A);
        for (size_t i = 0; st == GSL_SUCCESS && i < n; i++)
            if (!(gsl_matrix_get(A, i, i) > 0)) st = GSL_EDOM;
        return st == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
    }
    /* right-looking: A11 = L11 L11ᵀ, L21 = A21 L11⁻ᵀ, A22 −= L21 L21ᵀ */
    double total = (double)n * n * n;
    for (size_t k = 0; k < n; k += CHOL_NB) {
        if (cancel && *cancel) return BL_EINTR;
        if (busy) {
            double left = (double)(n - k);
            busy(arg, "Cholesky factor of H", total - left * left * left, total);
        }
        size_t b = n - k < CHOL_NB ? n - k : CHOL_NB, r = n - k - b;
        gsl_matrix_view A11 = gsl_matrix_submatrix(A, k, k, b, b);
        if (gsl_linalg_cholesky_decomp1(&A11.matrix) != GSL_SUCCESS) return BL_ENOTPD;
        for (size_t i = 0; i < b; i++)
            if (!(gsl_matrix_get(&A11.matrix, i, i) > 0)) return BL_ENOTPD;
        if (r == 0) break;
        gsl_matrix_view A21 = gsl_matrix_submatrix(A, k + b, k, r, b);
        gsl_matrix_view A22 = gsl_matrix_submatrix(A, k + b, k + b, r, r);
        gsl_blas_dtrsm(CblasRight, CblasLower, CblasTrans, CblasNonUnit, 1.0, &A11.matrix,
                       &A21.matrix);
        gsl_blas_dsyrk(CblasLower, CblasNoTrans, -1.0, &A21.matrix, 1.0, &A22.matrix);
    }
    if (busy) busy(arg, "Cholesky factor of H", total, total);
    return BL_OK;
}

/* Eigenvalues cost about 10p³ flops: past this order a failed factor is
 * explained without them. */
#define DIAG_EIG_MAX 1000

int bl_chol_solve_diag(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                       bl_chol_diag *d, bl_cancel_t *cancel, bl_busy_fn busy, void *arg)
{
    size_t p = H->size1;
    d->why = BL_CHOL_OK;
    d->lmin = d->lmax = NAN;
    if (!bl_matrix_finite(H)) {
        d->why = BL_CHOL_H_NONFINITE;
        return BL_EDIVERGE;
    }
    if (!bl_vector_finite(b)) {
        d->why = BL_CHOL_B_NONFINITE;
        return BL_EDIVERGE;
    }
    gsl_matrix *A = gsl_matrix_alloc(p, p);
    if (!A) {
        d->why = BL_CHOL_NOMEM;
        return BL_ENOMEM;
    }
    gsl_matrix_memcpy(A, H);
    int st;
    if (p <= CHOL_BLOCKED_MIN) {
        st = bl_chol_solve_inplace(A, b, x);          /* the numbers as before */
    } else {
        st = bl_chol_factor(A, cancel, busy, arg);
        if (st == BL_OK)
            st = gsl_linalg_cholesky_solve(A, b, x) == GSL_SUCCESS && bl_vector_finite(x)
                     ? BL_OK : BL_ENOTPD;
    }
    gsl_matrix_free(A);
    if (st == BL_OK || st == BL_EINTR) {
        d->why = st == BL_EINTR ? BL_CHOL_INTR : BL_CHOL_OK;
        return st;
    }
    /* the factor or the solve failed: the spectrum says why */
    if (p > DIAG_EIG_MAX || bl_sym_eig_range(H, &d->lmin, &d->lmax) != BL_OK) {
        d->why = BL_CHOL_NOEIG;
        return BL_ENOTPD;
    }
    int c = bl_spectrum_class(d->lmin, d->lmax, p);
    d->why = c == BL_CHOL_OK ? BL_CHOL_ILLCOND : c;
    return c == BL_CHOL_H_NONFINITE ? BL_EDIVERGE : BL_ENOTPD;
}

const char *bl_chol_explain(const bl_chol_diag *d, char *buf, size_t len)
{
    switch (d->why) {
    case BL_CHOL_OK: snprintf(buf, len, "H is positive definite"); break;
    case BL_CHOL_H_NONFINITE:
        snprintf(buf, len, "H has non-finite entries at the current θ and ω");
        break;
    case BL_CHOL_B_NONFINITE:
        snprintf(buf, len, "∇θL is not finite at the current θ and ω");
        break;
    case BL_CHOL_INDEFINITE:
        snprintf(buf, len, "H is not positive definite at the current θ (smallest "
                 "eigenvalue %.6g, largest %.6g: indefinite)", d->lmin, d->lmax);
        break;
    case BL_CHOL_SINGULAR:
        snprintf(buf, len, "H is not positive definite at the current θ (smallest "
                 "eigenvalue %.6g, largest %.6g: singular)", d->lmin, d->lmax);
        break;
    case BL_CHOL_ILLCOND:
        snprintf(buf, len, "the Cholesky solve with H failed although its eigenvalues are in "
                 "[%.6g, %.6g]: H is too ill-conditioned (κ = %.3g) for a dense solve",
                 d->lmin, d->lmax, d->lmax / d->lmin);
        break;
    case BL_CHOL_NOEIG:
        snprintf(buf, len, "H is not positive definite at the current θ (its Cholesky "
                 "factorisation met a pivot ≤ 0)");
        break;
    case BL_CHOL_INTR: snprintf(buf, len, "interrupted"); break;
    default: snprintf(buf, len, "out of memory for a copy of H"); break;
    }
    return buf;
}

int bl_chol_solve(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                  double *lmin)
{
    size_t p = H->size1;
    gsl_matrix *A = gsl_matrix_alloc(p, p);
    if (!A) return BL_ENOMEM;
    gsl_matrix_memcpy(A, H);
    int st = bl_chol_solve_inplace(A, b, x) == BL_OK ? GSL_SUCCESS : GSL_EDOM;
    gsl_matrix_free(A);
    if (st == GSL_SUCCESS) return BL_OK;
    if (lmin) {
        double lo = NAN;
        bl_sym_eig_range(H, &lo, NULL);
        *lmin = lo;
    }
    return BL_ENOTPD;
}

/* Small matrices go to bl_chol_small (kernels.c): GSL's blocked
 * factorisation calls level-3 BLAS, whose buffer allocation in OpenBLAS
 * takes a global lock, which serialises threads working on many small
 * problems (grids). */
#define SMALL_CHOL 64

int bl_chol_solve_inplace(gsl_matrix *H, const gsl_vector *b, gsl_vector *x)
{
    if (H->size1 <= SMALL_CHOL) {
        int st = bl_chol_small(H, b, x);
        return st == 0 && bl_vector_finite(x) ? BL_OK : BL_ENOTPD;
    }
    int st = gsl_linalg_cholesky_decomp1(H);
    for (size_t i = 0; st == GSL_SUCCESS && i < H->size1; i++)
        if (!(gsl_matrix_get(H, i, i) > 0)) st = GSL_EDOM;
    if (st == GSL_SUCCESS) st = gsl_linalg_cholesky_solve(H, b, x);
    return st == GSL_SUCCESS && bl_vector_finite(x) ? BL_OK : BL_ENOTPD;
}

int bl_pinv_solve(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                  double rtol)
{
    size_t p = H->size1;
    gsl_matrix *A = gsl_matrix_alloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p), *c = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(p);
    int st = BL_ENOMEM;
    if (A && V && ev && c && w) {
        gsl_matrix_memcpy(A, H);
        st = gsl_eigen_symmv(A, ev, V, w) ? BL_EINVAL : BL_OK;
    }
    if (st == BL_OK) {
        double big = 0;
        for (size_t i = 0; i < p; i++)
            big = fmax(big, fabs(gsl_vector_get(ev, i)));
        gsl_blas_dgemv(CblasTrans, 1.0, V, b, 0.0, c);      /* c = Vᵀb */
        for (size_t i = 0; i < p; i++) {
            double l = gsl_vector_get(ev, i);
            gsl_vector_set(c, i, fabs(l) > rtol * big ? gsl_vector_get(c, i) / l : 0.0);
        }
        gsl_blas_dgemv(CblasNoTrans, 1.0, V, c, 0.0, x);
    }
    gsl_eigen_symmv_free(w);
    gsl_vector_free(c);
    gsl_vector_free(ev);
    gsl_matrix_free(V);
    gsl_matrix_free(A);
    return st;
}

double bl_rel_err(const gsl_vector *a, const gsl_vector *b)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < a->size; i++) {
        double d = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        num += d * d;
        den += gsl_vector_get(b, i) * gsl_vector_get(b, i);
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

double bl_cosine(const gsl_vector *a, const gsl_vector *b)
{
    double ab, na = gsl_blas_dnrm2(a), nb = gsl_blas_dnrm2(b);
    gsl_blas_ddot(a, b, &ab);
    return na > 0 && nb > 0 ? ab / (na * nb) : NAN;
}

int bl_vector_finite(const gsl_vector *v)
{
    for (size_t i = 0; i < v->size; i++)
        if (!isfinite(gsl_vector_get(v, i))) return 0;
    return 1;
}

void bl_moments(const gsl_matrix *Z, const gsl_vector *t, gsl_matrix *K, gsl_vector *r,
                double *c)
{
    double k = (double)Z->size1, tt;
    gsl_blas_dsyrk(CblasUpper, CblasTrans, 1.0 / k, Z, 0.0, K);
    for (size_t i = 0; i < K->size1; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(K, i, j, gsl_matrix_get(K, j, i));
    gsl_blas_dgemv(CblasTrans, 1.0 / k, Z, t, 0.0, r);
    gsl_blas_ddot(t, t, &tt);
    *c = tt / (2.0 * k);
}
