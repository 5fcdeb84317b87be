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
    memset(q, 0, sizeof *q);
}

static int lsq_alloc(bl_lsq *q, size_t p)
{
    memset(q, 0, sizeof *q);
    q->K = gsl_matrix_alloc(p, p);
    q->Kv = gsl_matrix_alloc(p, p);
    q->b = gsl_vector_alloc(p);
    q->bv = gsl_vector_alloc(p);
    if (q->K && q->Kv && q->b && q->bv) return BL_OK;
    bl_lsq_release(q);
    return BL_ENOMEM;
}

int bl_lsq_init(bl_lsq *q, const bl_dataset *ds, const char *who, bl_err *e)
{
    memset(q, 0, sizeof *q);
    int st = bl_dataset_check(ds, who, e);
    if (st) return st;
    size_t p = ds->X->size2;
    if (lsq_alloc(q, p)) {
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
    if (lsq_alloc(dst, src->b->size)) return BL_ENOMEM;
    gsl_matrix_memcpy(dst->K, src->K);
    gsl_matrix_memcpy(dst->Kv, src->Kv);
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
