/* csr.h: sparse matrices in compressed sparse rows (CSR), and the design
 * matrix type the data problems call through: either a dense gsl_matrix
 * or a CSR matrix, behind the few kernels they need (y = αXv + βy,
 * y = αXᵀu + βy, a row's dot product and axpy, the weighted Gram matrix
 * XᵀDX for the dense Hessian where p is small).  Every product costs
 * O(nnz) on CSR; nothing forms a dense n×p copy.  doc/data.md. */
#ifndef BL_CSR_H
#define BL_CSR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* Row i holds entries k = rowptr[i] .. rowptr[i+1]−1: column col[k],
 * value val[k], columns increasing within a row, no explicit zeros. */
typedef struct bl_csr {
    size_t rows, cols, nnz;
    size_t *rowptr;       /* rows + 1 */
    uint32_t *col;        /* nnz */
    double *val;          /* nnz */
} bl_csr;

/* The most columns a CSR matrix may have (col is 32 bits). */
#define BL_CSR_MAX_COLS ((size_t)UINT32_MAX)

/* Bytes a CSR matrix of ROWS rows and NNZ entries holds. */
double bl_csr_bytes(double rows, double nnz);
/* Allocated with room for NNZ entries (rowptr zeroed); NULL when out of
 * memory. */
bl_csr *bl_csr_alloc(size_t rows, size_t cols, size_t nnz);
void bl_csr_free(bl_csr *A);
bl_csr *bl_csr_copy(const bl_csr *A);
/* CSR of the dense A, dropping zeros; NULL when out of memory. */
bl_csr *bl_csr_from_dense(const gsl_matrix *A);
/* Dense copy (rows × cols); NULL when out of memory. */
gsl_matrix *bl_csr_to_dense(const bl_csr *A);
/* The rows IDX[0..k) of A, in that order. */
bl_csr *bl_csr_rows(const bl_csr *A, const size_t *idx, size_t k);

/* y ← α op(A) x + β y, op(A) = A (CblasNoTrans) or Aᵀ (CblasTrans), as
 * gsl_blas_dgemv (β = 0 ignores y's old content). */
void bl_csr_gemv(CBLAS_TRANSPOSE_t trans, double alpha, const bl_csr *A,
                 const gsl_vector *x, double beta, gsl_vector *y);
/* out_j ← Σ_i A_ij² (column sums of squares), p entries. */
void bl_csr_colsumsq(const bl_csr *A, double *out);
/* K ← α Σ_i c_i a_i a_iᵀ (both triangles; c NULL: c_i = 1), K p×p. */
void bl_csr_gram(const bl_csr *A, const double *c, double alpha, gsl_matrix *K);

/* λmax(α AᵀA) by power iteration from a fixed start (1, 1, ...)/√p, up to
 * 300 steps or a relative change below 1e-6, raised by 2% to err above
 * (an estimate, not a certified bound); for p above BL_CSR_EIG_MAX, where
 * the problems do not form the p×p Gram matrix.  BL_ENOMEM. */
#define BL_CSR_EIG_MAX 2000
/* The largest p for which the least-squares problems form their p×p
 * moments XᵀX/n from CSR data (above it they run matrix-free, through X);
 * BL_CSR_EIG_MAX, lowered by the tests to reach the matrix-free path. */
extern size_t bl_csr_dense_max;
/* Aᵀ in CSR (column access for coordinate descent); NULL when out of
 * memory. */
bl_csr *bl_csr_transpose(const bl_csr *A);
int bl_csr_lmax(const bl_csr *A, double alpha, double *lmax);

/* ------------------------------------------------------- design matrices */

/* A design matrix: exactly one of d (dense) and s (CSR) is set. */
typedef struct bl_dmat {
    const gsl_matrix *d;
    const bl_csr *s;
} bl_dmat;

static inline bl_dmat bl_dmat_dense(const gsl_matrix *A)
{
    bl_dmat m = {A, NULL};
    return m;
}

static inline bl_dmat bl_dmat_sparse(const bl_csr *A)
{
    bl_dmat m = {NULL, A};
    return m;
}

static inline size_t bl_dmat_rows(bl_dmat A) { return A.s ? A.s->rows : A.d->size1; }
static inline size_t bl_dmat_cols(bl_dmat A) { return A.s ? A.s->cols : A.d->size2; }

static inline void bl_dmat_gemv(CBLAS_TRANSPOSE_t trans, double alpha, bl_dmat A,
                                const gsl_vector *x, double beta, gsl_vector *y)
{
    if (A.s) bl_csr_gemv(trans, alpha, A.s, x, beta, y);
    else gsl_blas_dgemv(trans, alpha, A.d, x, beta, y);
}

/* a_iᵀv and out += α a_i (the minibatch oracles' per-sample products). */
static inline double bl_dmat_rowdot(bl_dmat A, size_t i, const gsl_vector *v)
{
    double t = 0;
    if (A.s) {
        const bl_csr *S = A.s;
        for (size_t k = S->rowptr[i]; k < S->rowptr[i + 1]; k++)
            t += S->val[k] * v->data[(size_t)S->col[k] * v->stride];
        return t;
    }
    const double *r = A.d->data + i * A.d->tda;
    for (size_t j = 0; j < A.d->size2; j++) t += r[j] * v->data[j * v->stride];
    return t;
}

/* ‖x_i‖₂, row I of A (dense rows through the BLAS's dnrm2) */
static inline double bl_dmat_rownorm(bl_dmat A, size_t i)
{
    if (A.s) {
        double t = 0;
        for (size_t k = A.s->rowptr[i]; k < A.s->rowptr[i + 1]; k++)
            t += A.s->val[k] * A.s->val[k];
        return sqrt(t);
    }
    gsl_vector_const_view r = gsl_matrix_const_row(A.d, i);
    return gsl_blas_dnrm2(&r.vector);
}

static inline void bl_dmat_rowaxpy(double a, bl_dmat A, size_t i, gsl_vector *out)
{
    if (A.s) {
        const bl_csr *S = A.s;
        for (size_t k = S->rowptr[i]; k < S->rowptr[i + 1]; k++)
            out->data[(size_t)S->col[k] * out->stride] += a * S->val[k];
        return;
    }
    const double *r = A.d->data + i * A.d->tda;
    for (size_t j = 0; j < A.d->size2; j++) out->data[j * out->stride] += a * r[j];
}

#endif
