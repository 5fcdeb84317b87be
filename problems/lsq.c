/* lsq.c: the least-squares moments shared by ridge, ridge-multi, lasso and
 * enet. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "linalg.h"
#include "lsq.h"

void bl_lsq_release(bl_lsq *q)
{
    if (!q) return;
    gsl_matrix_free(q->K);
    gsl_matrix_free(q->Kv);
    gsl_vector_free(q->b);
    gsl_vector_free(q->bv);
    gsl_vector_free(q->kdiag);
    gsl_vector_free(q->r);
    gsl_vector_free(q->rv);
    bl_csr_free(q->XT);
    memset(q, 0, sizeof *q);
}

/* FREE: matrix-free (no K, Kv; workspace of N and M instead). */
static int lsq_alloc(bl_lsq *q, size_t p, int free_, size_t n, size_t m)
{
    memset(q, 0, sizeof *q);
    if (!free_) {
        q->K = gsl_matrix_alloc(p, p);
        q->Kv = gsl_matrix_alloc(p, p);
    } else {
        q->kdiag = gsl_vector_alloc(p);
        q->r = gsl_vector_alloc(n);
        q->rv = gsl_vector_alloc(m);
    }
    q->b = gsl_vector_alloc(p);
    q->bv = gsl_vector_alloc(p);
    if (((q->K && q->Kv) || (q->kdiag && q->r && q->rv)) && q->b && q->bv) return BL_OK;
    bl_lsq_release(q);
    return BL_ENOMEM;
}

/* CSR data: b = Xᵀy/n, c = ‖y‖²/2n (and the validation ones); K formed
 * row by row for p ≤ bl_csr_dense_max, else matrix-free; λmax(K) from
 * the p×p Gram matrix for p ≤ BL_CSR_EIG_MAX, else by power iteration. */
static int lsq_init_sparse(bl_lsq *q, const bl_dataset *ds, const char *who, bl_err *e)
{
    const bl_csr *X = ds->Xs, *Xv = ds->Xvs;
    size_t p = X->cols, n = X->rows, m = Xv->rows;
    int free_ = p > bl_csr_dense_max;
    if (lsq_alloc(q, p, free_, n, m)) goto nomem;
    bl_csr_gemv(CblasTrans, 1.0 / (double)n, X, ds->y, 0.0, q->b);
    bl_csr_gemv(CblasTrans, 1.0 / (double)m, Xv, ds->yv, 0.0, q->bv);
    q->c = 0.5 * gsl_blas_dnrm2(ds->y) * gsl_blas_dnrm2(ds->y) / (double)n;
    q->cv = 0.5 * gsl_blas_dnrm2(ds->yv) * gsl_blas_dnrm2(ds->yv) / (double)m;
    int st = BL_OK;
    if (!free_) {
        bl_csr_gram(X, NULL, 1.0 / (double)n, q->K);
        bl_csr_gram(Xv, NULL, 1.0 / (double)m, q->Kv);
        st = bl_sym_eig_range(q->K, NULL, &q->lmax);
    } else {
        q->X = bl_dmat_sparse(X);
        q->Xv = bl_dmat_sparse(Xv);
        q->y = ds->y;
        q->yv = ds->yv;
        bl_csr_colsumsq(X, q->kdiag->data);
        gsl_vector_scale(q->kdiag, 1.0 / (double)n);
        if (!(q->XT = bl_csr_transpose(X))) goto nomem;
        if (p <= BL_CSR_EIG_MAX) {
            gsl_matrix *K = gsl_matrix_alloc(p, p);
            if (!K) goto nomem;
            bl_csr_gram(X, NULL, 1.0 / (double)n, K);
            st = bl_sym_eig_range(K, NULL, &q->lmax);
            gsl_matrix_free(K);
        } else if (bl_csr_lmax(X, 1.0 / (double)n, &q->lmax)) {
            goto nomem;
        }
    }
    if (st != BL_OK) {
        bl_err_set(e, BL_EINVAL, "%s: eigenvalues of XᵀX/n did not converge", who);
        bl_lsq_release(q);
        return BL_EINVAL;
    }
    return BL_OK;
nomem:
    bl_lsq_release(q);
    bl_err_set(e, BL_ENOMEM, "out of memory building %s with p=%zu", who, p);
    return BL_ENOMEM;
}

int bl_lsq_init(bl_lsq *q, const bl_dataset *ds, const char *who, bl_err *e)
{
    memset(q, 0, sizeof *q);
    int st = bl_dataset_check_any(ds, who, e);
    if (st) return st;
    if (ds->Xs) return lsq_init_sparse(q, ds, who, e);
    size_t p = ds->X->size2;
    if (lsq_alloc(q, p, 0, 0, 0)) {
        bl_err_set(e, BL_ENOMEM, "out of memory building %s with p=%zu", who, p);
        return BL_ENOMEM;
    }
    bl_moments(ds->X, ds->y, q->K, q->b, &q->c);
    bl_moments(ds->Xv, ds->yv, q->Kv, q->bv, &q->cv);
    if (bl_sym_eig_range(q->K, NULL, &q->lmax) != BL_OK) {
        bl_err_set(e, BL_EINVAL, "%s: eigenvalues of XᵀX/n did not converge", who);
        bl_lsq_release(q);
        return BL_EINVAL;
    }
    return BL_OK;
}

int bl_lsq_copy(bl_lsq *dst, const bl_lsq *src)
{
    int free_ = src->K == NULL;
    if (lsq_alloc(dst, src->b->size, free_, free_ ? src->r->size : 0,
                  free_ ? src->rv->size : 0))
        return BL_ENOMEM;
    if (free_) {
        dst->X = src->X;
        dst->Xv = src->Xv;
        dst->y = src->y;
        dst->yv = src->yv;
        gsl_vector_memcpy(dst->kdiag, src->kdiag);
        if (!(dst->XT = bl_csr_copy(src->XT))) {
            bl_lsq_release(dst);
            return BL_ENOMEM;
        }
    } else {
        gsl_matrix_memcpy(dst->K, src->K);
        gsl_matrix_memcpy(dst->Kv, src->Kv);
    }
    gsl_vector_memcpy(dst->b, src->b);
    gsl_vector_memcpy(dst->bv, src->bv);
    dst->c = src->c;
    dst->cv = src->cv;
    dst->lmax = src->lmax;
    return BL_OK;
}

double bl_lsq_value(const gsl_matrix *K, const gsl_vector *r, double c,
                    const gsl_vector *th, gsl_vector *w)
{
    double q;
    gsl_blas_dgemv(CblasNoTrans, 0.5, K, th, 0.0, w);
    gsl_vector_sub(w, r);
    gsl_blas_ddot(th, w, &q);
    q += c;
    return q > 0 ? q : 0.0;
}

double bl_lsq_eval(bl_lsq *q, int val, const gsl_vector *th, gsl_vector *w)
{
    if (q->K) return val ? bl_lsq_value(q->Kv, q->bv, q->cv, th, w)
                         : bl_lsq_value(q->K, q->b, q->c, th, w);
    gsl_vector *r = val ? q->rv : q->r;                  /* Zθ − t */
    gsl_vector_memcpy(r, val ? q->yv : q->y);
    bl_dmat_gemv(CblasNoTrans, 1.0, val ? q->Xv : q->X, th, -1.0, r);
    double nr = gsl_blas_dnrm2(r);
    return 0.5 * nr * nr / (double)r->size;
}

void bl_lsq_kmv(bl_lsq *q, int val, double alpha, const gsl_vector *v, gsl_vector *out)
{
    if (q->K) {
        gsl_blas_dgemv(CblasNoTrans, alpha, val ? q->Kv : q->K, v, 0.0, out);
        return;
    }
    gsl_vector *r = val ? q->rv : q->r;                  /* α Zᵀ(Z v)/k */
    bl_dmat Z = val ? q->Xv : q->X;
    bl_dmat_gemv(CblasNoTrans, 1.0, Z, v, 0.0, r);
    bl_dmat_gemv(CblasTrans, alpha / (double)r->size, Z, r, 0.0, out);
}

void bl_lsq_grad(bl_lsq *q, int val, const gsl_vector *th, gsl_vector *g)
{
    if (q->K) {
        bl_lsq_kmv(q, val, 1.0, th, g);
        gsl_vector_sub(g, val ? q->bv : q->b);
        return;
    }
    gsl_vector *r = val ? q->rv : q->r;                  /* Zᵀ(Zθ − t)/k */
    bl_dmat Z = val ? q->Xv : q->X;
    gsl_vector_memcpy(r, val ? q->yv : q->y);
    bl_dmat_gemv(CblasNoTrans, 1.0, Z, th, -1.0, r);
    bl_dmat_gemv(CblasTrans, 1.0 / (double)r->size, Z, r, 0.0, g);
}

void bl_lsq_dense_K(const bl_lsq *q, gsl_matrix *K)
{
    if (q->K) gsl_matrix_memcpy(K, q->K);
    else bl_csr_gram(q->X.s, NULL, 1.0 / (double)q->r->size, K);
}

double bl_lsq_kjj(const bl_lsq *q, size_t j)
{
    return q->K ? gsl_matrix_get(q->K, j, j) : gsl_vector_get(q->kdiag, j);
}
