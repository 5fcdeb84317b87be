/* losses.h: scalar losses shared by several problems of the catalogue, as
 * static inline functions (each problem file stays self-contained).
 * Definitions: doc/problems/logreg.md and doc/problems/ridge-multi.md. */
#ifndef BL_LOSSES_H
#define BL_LOSSES_H

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "csr.h"
#include "kernels.h"

/* σ(t) = 1/(1 + e^{−t}), without overflow for either sign of t. */
static inline double bl_sigmoid(double t)
{
    if (t >= 0) return 1.0 / (1.0 + exp(-t));
    double e = exp(t);
    return e / (1.0 + e);
}

/* log(1 + e^{t}) (softplus), without overflow or loss of digits: the
 * logistic loss of a margin z is bl_softplus(−z). */
static inline double bl_softplus(double t)
{
    if (t > 0) return t + log1p(exp(-t));
    return log1p(exp(t));
}

/* Huber's loss h_δ(r) = ½r² for |r| ≤ δ, δ|r| − ½δ² beyond, and its
 * derivative (r clipped to [−δ, δ]). */
static inline double bl_huber(double r, double delta)
{
    double a = fabs(r);
    return a <= delta ? 0.5 * r * r : delta * a - 0.5 * delta * delta;
}

static inline double bl_huber_d(double r, double delta)
{
    return r > delta ? delta : r < -delta ? -delta : r;
}

/* The one-pass map of bl_huber_mean: residual r_k = z_kᵀθ − t_k, the
 * loss summed, h_δ'(r_k) the weight of row k. */
typedef struct {
    const gsl_vector *t;
    double delta, sum;
} bl_huber_ctx;

static inline double bl_huber_map(void *ctx, size_t k, double zt)
{
    bl_huber_ctx *h = ctx;
    double r = zt - h->t->data[k * h->t->stride];
    h->sum += bl_huber(r, h->delta);
    return bl_huber_d(r, h->delta);
}

/* The regression outer losses of ridge and ridge-multi on (Z, t), rows z_k:
 *   huber: (1/m) Σ_k h_δ(z_kᵀθ − t_k),
 * its gradient Zᵀ h_δ'(Zθ − t)/m into G (may be NULL).  R is an m-vector of
 * workspace.  With G and dense Z, from m·p ≥ BL_ONEPASS_MIN on, one pass
 * over Z (kernels.h) makes both. */
static inline double bl_huber_mean(bl_dmat Z, const gsl_vector *t,
                                   const gsl_vector *th, double delta,
                                   gsl_vector *r, gsl_vector *g)
{
    size_t m = bl_dmat_rows(Z);
    double s = 0;
    if (g && Z.d && Z.d->size1 * Z.d->size2 >= BL_ONEPASS_MIN && th->stride == 1
        && g->stride == 1 && th->data != g->data) {
        bl_huber_ctx h = {t, delta, 0};
        bl_xt_map_xv(Z.d, th->data, bl_huber_map, &h, 1.0 / (double)m, g->data);
        return h.sum / (double)m;
    }
    gsl_vector_memcpy(r, t);
    bl_dmat_gemv(CblasNoTrans, 1.0, Z, th, -1.0, r);     /* Zθ − t */
    for (size_t k = 0; k < m; k++) {
        double rk = gsl_vector_get(r, k);
        s += bl_huber(rk, delta);
        gsl_vector_set(r, k, bl_huber_d(rk, delta));
    }
    if (g) bl_dmat_gemv(CblasTrans, 1.0 / (double)m, Z, r, 0.0, g);
    return s / (double)m;
}

/* Row I of Z against V: x_iᵀv, and out += a·x_i (the minibatch oracles'
 * per-sample products; ridge, logreg, cleaning). */
static inline double bl_rowdot(const gsl_matrix *Z, size_t i, const gsl_vector *v)
{
    double t = 0;
    const double *r = Z->data + i * Z->tda;
    for (size_t j = 0; j < Z->size2; j++) t += r[j] * v->data[j * v->stride];
    return t;
}

static inline void bl_rowaxpy(double a, const gsl_matrix *Z, size_t i, gsl_vector *out)
{
    const double *r = Z->data + i * Z->tda;
    for (size_t j = 0; j < Z->size2; j++) out->data[j * out->stride] += a * r[j];
}

#endif
