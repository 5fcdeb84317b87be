/* heat_ops.h: the 1-D heat equation pieces that heat and oed share
 * (doc/catalogue.md, "Problems (first catalogue)", `heat`): implicit Euler propagation by tridiagonal
 * solves, the sensor positions and the forward-difference operator D.
 * heat.c still has its own copies of these few lines (it was written
 * first); oed.c uses these. */
#ifndef BL_HEAT_OPS_H
#define BL_HEAT_OPS_H

#include <gsl/gsl_vector.h>

/* One implicit Euler step M = (I + rK)⁻¹, K = tridiag(−1, 2, −1): the
 * diagonal 1 + 2r and the off-diagonal −r of M⁻¹, and nt steps. */
typedef struct bl_heat_grid {
    size_t N, nt;
    double r;               /* κΔt/h², h = 1/(N+1) */
    gsl_vector *diag, *off; /* N and N − 1 */
} bl_heat_grid;

/* Fills G for N points, nt steps, r = kappa·dt·(N+1)²; BL_ENOMEM or BL_OK. */
int bl_heat_grid_init(bl_heat_grid *G, size_t N, size_t nt, double dt, double kappa);
int bl_heat_grid_copy(bl_heat_grid *dst, const bl_heat_grid *src);
void bl_heat_grid_release(bl_heat_grid *G);

/* out ← P x = M^nt x (x and out may be the same vector; A and B are
 * N-vector workspace distinct from both).  P is symmetric, so this is its
 * adjoint too.  A failed solve leaves NaN in OUT. */
void bl_heat_propagate(const bl_heat_grid *G, const gsl_vector *x, gsl_vector *out,
                       gsl_vector *a, gsl_vector *b);

/* The grid index of sensor j of s on N points: floor((j + ½)N/s). */
size_t bl_heat_sensor(size_t j, size_t s, size_t N);

/* ‖Dx‖², with D the (N−1)×N forward difference; (Dx)·(Dv); out += a DᵀDx. */
double bl_heat_dnorm2(const gsl_vector *x);
double bl_heat_ddot(const gsl_vector *x, const gsl_vector *v);
void bl_heat_add_dtd(double a, const gsl_vector *x, gsl_vector *out);

/* ‖P‖ = (1 + 4r sin²(π/(2(N+1))))^{−nt}: the largest eigenvalue of P. */
double bl_heat_norm(const bl_heat_grid *G);

#endif
