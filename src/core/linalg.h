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
