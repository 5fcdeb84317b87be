/* csr.c: compressed sparse rows and their kernels (csr.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "bl.h"
#include "csr.h"

size_t bl_csr_dense_max = BL_CSR_EIG_MAX;

bl_csr *bl_csr_transpose(const bl_csr *A)
{
    bl_csr *T = bl_csr_alloc(A->cols, A->rows, A->nnz);
    if (!T) return NULL;
    for (size_t k = 0; k < A->nnz; k++) T->rowptr[A->col[k] + 1]++;
    for (size_t j = 0; j < A->cols; j++) T->rowptr[j + 1] += T->rowptr[j];
    size_t *next = malloc((A->cols ? A->cols : 1) * sizeof *next);
    if (!next) {
        bl_csr_free(T);
        return NULL;
    }
    memcpy(next, T->rowptr, A->cols * sizeof *next);
    for (size_t i = 0; i < A->rows; i++)
        for (size_t k = A->rowptr[i]; k < A->rowptr[i + 1]; k++) {
            size_t t = next[A->col[k]]++;
            T->col[t] = (uint32_t)i;
            T->val[t] = A->val[k];
        }
    free(next);
    return T;
}

double bl_csr_bytes(double rows, double nnz)
{
    return (rows + 1.0) * (double)sizeof(size_t)
           + nnz * (double)(sizeof(uint32_t) + sizeof(double)) + (double)sizeof(bl_csr);
}

bl_csr *bl_csr_alloc(size_t rows, size_t cols, size_t nnz)
{
    bl_csr *A = calloc(1, sizeof *A);
    if (!A) return NULL;
    A->rows = rows;
    A->cols = cols;
    A->nnz = nnz;
    A->rowptr = calloc(rows + 1, sizeof *A->rowptr);
    A->col = malloc((nnz ? nnz : 1) * sizeof *A->col);
    A->val = malloc((nnz ? nnz : 1) * sizeof *A->val);
    if (!A->rowptr || !A->col || !A->val) {
        bl_csr_free(A);
        return NULL;
    }
    return A;
}

void bl_csr_free(bl_csr *A)
{
    if (!A) return;
    free(A->rowptr);
    free(A->col);
    free(A->val);
    free(A);
}

bl_csr *bl_csr_copy(const bl_csr *A)
{
    bl_csr *B = bl_csr_alloc(A->rows, A->cols, A->nnz);
    if (!B) return NULL;
    memcpy(B->rowptr, A->rowptr, (A->rows + 1) * sizeof *A->rowptr);
    if (A->nnz) {
        memcpy(B->col, A->col, A->nnz * sizeof *A->col);
        memcpy(B->val, A->val, A->nnz * sizeof *A->val);
    }
    return B;
}

bl_csr *bl_csr_from_dense(const gsl_matrix *A)
{
    size_t nnz = 0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++) nnz += gsl_matrix_get(A, i, j) != 0;
    bl_csr *S = bl_csr_alloc(A->size1, A->size2, nnz);
    if (!S) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < A->size1; i++) {
        for (size_t j = 0; j < A->size2; j++) {
            double v = gsl_matrix_get(A, i, j);
            if (v == 0) continue;
            S->col[k] = (uint32_t)j;
            S->val[k++] = v;
        }
        S->rowptr[i + 1] = k;
    }
    return S;
}

gsl_matrix *bl_csr_to_dense(const bl_csr *A)
{
    gsl_matrix *D = gsl_matrix_calloc(A->rows, A->cols);
    if (!D) return NULL;
    for (size_t i = 0; i < A->rows; i++)
        for (size_t k = A->rowptr[i]; k < A->rowptr[i + 1]; k++)
            gsl_matrix_set(D, i, A->col[k], A->val[k]);
    return D;
}

bl_csr *bl_csr_rows(const bl_csr *A, const size_t *idx, size_t k)
{
    size_t nnz = 0;
    for (size_t i = 0; i < k; i++) nnz += A->rowptr[idx[i] + 1] - A->rowptr[idx[i]];
    bl_csr *B = bl_csr_alloc(k, A->cols, nnz);
    if (!B) return NULL;
    size_t t = 0;
    for (size_t i = 0; i < k; i++) {
        size_t a = A->rowptr[idx[i]], b = A->rowptr[idx[i] + 1];
        memcpy(B->col + t, A->col + a, (b - a) * sizeof *A->col);
        memcpy(B->val + t, A->val + a, (b - a) * sizeof *A->val);
        t += b - a;
        B->rowptr[i + 1] = t;
    }
    return B;
}

void bl_csr_gemv(CBLAS_TRANSPOSE_t trans, double alpha, const bl_csr *A,
                 const gsl_vector *x, double beta, gsl_vector *y)
{
    const size_t xs = x->stride, ys = y->stride;
    const double *xd = x->data;
    double *yd = y->data;
    if (trans == CblasNoTrans) {
        /* y_i ← α Σ_k a_ik x_k + β y_i (one thread: the callers' threads,
         * surface points or estimators, are the parallel level) */
        const long rows = (long)A->rows;
        for (long i = 0; i < rows; i++) {
            double t = 0;
            for (size_t k = A->rowptr[i]; k < A->rowptr[i + 1]; k++)
                t += A->val[k] * xd[(size_t)A->col[k] * xs];
            yd[(size_t)i * ys] = alpha * t + (beta == 0 ? 0.0 : beta * yd[(size_t)i * ys]);
        }
        return;
    }
    /* y ← β y, then scatter α u_i a_i row by row */
    for (size_t j = 0; j < A->cols; j++)
        yd[j * ys] = beta == 0 ? 0.0 : beta * yd[j * ys];
    for (size_t i = 0; i < A->rows; i++) {
        double u = alpha * xd[i * xs];
        if (u == 0) continue;
        for (size_t k = A->rowptr[i]; k < A->rowptr[i + 1]; k++)
            yd[(size_t)A->col[k] * ys] += u * A->val[k];
    }
}

void bl_csr_colsumsq(const bl_csr *A, double *out)
{
    memset(out, 0, A->cols * sizeof *out);
    for (size_t k = 0; k < A->nnz; k++) out[A->col[k]] += A->val[k] * A->val[k];
}

void bl_csr_gram(const bl_csr *A, const double *c, double alpha, gsl_matrix *K)
{
    gsl_matrix_set_zero(K);
    for (size_t i = 0; i < A->rows; i++) {
        double w = alpha * (c ? c[i] : 1.0);
        if (w == 0) continue;
        for (size_t a = A->rowptr[i]; a < A->rowptr[i + 1]; a++) {
            double va = w * A->val[a];
            double *row = K->data + (size_t)A->col[a] * K->tda;
            for (size_t b = A->rowptr[i]; b <= a; b++) row[A->col[b]] += va * A->val[b];
        }
    }
    /* lower triangle (col[b] ≤ col[a]) mirrored to the upper */
    for (size_t j = 0; j < K->size1; j++)
        for (size_t l = 0; l < j; l++) gsl_matrix_set(K, l, j, gsl_matrix_get(K, j, l));
}

int bl_csr_lmax(const bl_csr *A, double alpha, double *lmax)
{
    gsl_vector *v = gsl_vector_alloc(A->cols), *u = gsl_vector_alloc(A->rows ? A->rows : 1);
    if (!v || !u) {
        if (v) gsl_vector_free(v);
        if (u) gsl_vector_free(u);
        return BL_ENOMEM;
    }
    gsl_vector_set_all(v, 1.0 / sqrt((double)A->cols));
    double lam = 0;
    for (int it = 0; it < 300; it++) {
        bl_csr_gemv(CblasNoTrans, 1.0, A, v, 0.0, u);
        bl_csr_gemv(CblasTrans, alpha, A, u, 0.0, v);
        double nv = gsl_blas_dnrm2(v);      /* ‖αAᵀA v‖ with ‖v‖ = 1 */
        if (!(nv > 0)) break;
        gsl_vector_scale(v, 1.0 / nv);
        int done = fabs(nv - lam) <= 1e-6 * nv;
        lam = nv;
        if (done) break;
    }
    *lmax = 1.02 * lam;
    gsl_vector_free(v);
    gsl_vector_free(u);
    return BL_OK;
}
