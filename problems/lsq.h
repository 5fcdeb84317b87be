/* lsq.h: the least-squares part shared by ridge, ridge-multi, lasso and
 * enet: the moments of (1/2n)‖Xθ − y‖² and (1/2m)‖X_vθ − y_v‖², formed
 * once so that every evaluation costs O(p²) whatever n and m. */
#ifndef BL_LSQ_H
#define BL_LSQ_H

#include "csr.h"
#include "problem.h"

typedef struct bl_lsq {
    gsl_matrix *K, *Kv;   /* XᵀX/n, X_vᵀX_v/m (p×p, both triangles); NULL when
                           * matrix-free (CSR data with p > bl_csr_dense_max) */
    gsl_vector *b, *bv;   /* Xᵀy/n, X_vᵀy_v/m */
    double c, cv;         /* ‖y‖²/2n, ‖y_v‖²/2m */
    double lmax;          /* λmax(K) (power iteration when p > BL_CSR_EIG_MAX) */
    /* matrix-free only: the data (borrowed), diag(K), Xᵀ for column access
     * (owned) and workspace of n and m */
    bl_dmat X, Xv;
    const gsl_vector *y, *yv;
    gsl_vector *kdiag, *r, *rv;
    bl_csr *XT;
} bl_lsq;

/* Checks DS (WHO names the problem in messages) and forms the moments;
 * on failure Q holds nothing to free. */
int bl_lsq_init(bl_lsq *q, const bl_dataset *ds, const char *who, bl_err *e);
int bl_lsq_copy(bl_lsq *dst, const bl_lsq *src);
void bl_lsq_release(bl_lsq *q);
/* ½θᵀKθ − θᵀr + c = (1/2k)‖Zθ − t‖², clamped at 0 (never negative in
 * exact arithmetic; cancellation next to an exact fit could make it so).
 * W is a p-vector of workspace. */
double bl_lsq_value(const gsl_matrix *K, const gsl_vector *r, double c,
                    const gsl_vector *th, gsl_vector *w);

/* The same through either form, training (VAL 0) or validation (VAL 1):
 * the value (1/2k)‖Zθ − t‖², the gradient Kθ − b, the product α K v, and
 * K into a p×p matrix (from CSR: Σ x_i x_iᵀ/n row by row); K_jj. */
double bl_lsq_eval(bl_lsq *q, int val, const gsl_vector *th, gsl_vector *w);
void bl_lsq_grad(bl_lsq *q, int val, const gsl_vector *th, gsl_vector *g);
void bl_lsq_kmv(bl_lsq *q, int val, double alpha, const gsl_vector *v, gsl_vector *out);
void bl_lsq_dense_K(const bl_lsq *q, gsl_matrix *K);
double bl_lsq_kjj(const bl_lsq *q, size_t j);

#endif
