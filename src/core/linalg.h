/* linalg.h: the dense linear algebra the engine needs, on top of GSL. */
#ifndef BL_LINALG_H
#define BL_LINALG_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bl.h"

/* Solves H x = b for symmetric H by Cholesky.  On failure (H not positive
 * definite) returns BL_ENOTPD and, when LMIN is not NULL, H's smallest
 * eigenvalue.  H is not modified. */
int bl_chol_solve(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                  double *lmin);

/* Why a solve H x = b by Cholesky failed, from the one true cause: */
enum {
    BL_CHOL_OK = 0,
    BL_CHOL_H_NONFINITE,     /* H has a NaN or infinite entry */
    BL_CHOL_B_NONFINITE,     /* b has one */
    BL_CHOL_INDEFINITE,      /* λmin < 0 (beyond round-off) */
    BL_CHOL_SINGULAR,        /* |λmin| ≤ p·ε·λmax: singular to working precision */
    BL_CHOL_ILLCOND,         /* λmin > 0, yet the factor or x is not finite */
    BL_CHOL_NOEIG,           /* the factor failed and the eigenvalues could not be had */
    BL_CHOL_INTR,            /* cancelled */
    BL_CHOL_NOMEM
};
typedef struct bl_chol_diag {
    int why;                 /* BL_CHOL_* */
    double lmin, lmax;       /* H's extreme eigenvalues when computed, else NaN */
} bl_chol_diag;

/* bl_chol_solve with the diagnosis: on failure D says why (the checks of
 * H and b come first, the eigenvalues only after a failed factor) and the
 * status is BL_EDIVERGE (non-finite H or b), BL_ENOTPD, BL_EINTR or
 * BL_ENOMEM.  CANCEL (may be NULL) is polled and BUSY (may be NULL) told
 * between the blocks of a large factorisation. */
int bl_chol_solve_diag(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                       bl_chol_diag *d, bl_cancel_t *cancel, bl_busy_fn busy, void *arg);
/* The diagnosis as words: "H is indefinite (eigenvalues in [−2, 5])", etc. */
const char *bl_chol_explain(const bl_chol_diag *d, char *buf, size_t len);
/* Classifies a spectrum [LMIN, LMAX] of a P×P symmetric matrix:
 * BL_CHOL_OK (positive definite), _INDEFINITE, _SINGULAR or (NaN)
 * _H_NONFINITE, with the same thresholds as bl_chol_solve_diag. */
int bl_spectrum_class(double lmin, double lmax, size_t p);

/* In-place Cholesky factor of symmetric positive definite A (its lower
 * triangle read, L written there), by blocks when A is large so that
 * CANCEL (may be NULL) is polled and BUSY (may be NULL) told between
 * them.  BL_OK, BL_ENOTPD (a pivot that is not positive) or BL_EINTR. */
int bl_chol_factor(gsl_matrix *A, bl_cancel_t *cancel, bl_busy_fn busy, void *arg);
/* Whether every entry of M is finite. */
int bl_matrix_finite(const gsl_matrix *M);
/* The same, factorising H in place (H is destroyed; on failure LMIN is
 * not computed: the caller still has what H was made from). */
int bl_chol_solve_inplace(gsl_matrix *H, const gsl_vector *b, gsl_vector *x);
/* Least-norm solution of H x = b for symmetric H from its
 * eigendecomposition: eigenvalues below RTOL·max|λ| are treated as zero. */
int bl_pinv_solve(const gsl_matrix *H, const gsl_vector *b, gsl_vector *x,
                  double rtol);
/* Extreme eigenvalues of symmetric H. */
int bl_sym_eig_range(const gsl_matrix *H, double *lmin, double *lmax);

/* The moments of a least-squares term (1/2k)‖Zθ − t‖²: K = ZᵀZ/k (both
 * triangles), r = Zᵀt/k, *c = ‖t‖²/2k, with k the rows of Z. */
void bl_moments(const gsl_matrix *Z, const gsl_vector *t, gsl_matrix *K, gsl_vector *r,
                double *c);

/* ‖a − b‖ / ‖b‖ (‖a‖ when b = 0) and the cosine of the angle between a, b
 * (NaN when one is zero). */
double bl_rel_err(const gsl_vector *a, const gsl_vector *b);
double bl_cosine(const gsl_vector *a, const gsl_vector *b);
int bl_vector_finite(const gsl_vector *v);

#endif
