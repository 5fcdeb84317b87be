/* linalg.c: Cholesky and eigen solves with honest failure reports. */
#include "config.h"

#include <math.h>
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
