/* l2pen.h: the ℓ2 penalty in log-strengths that ridge, ridge-multi,
 * logreg and logreg-multi add to their inner objective, as static inline
 * functions (losses.h's convention):
 *
 *   multi = 0   (e^ω/2)‖θ‖²           ω ∈ R     C = e^ω θᵀ (1×p)
 *   multi = 1   ½ Σ_j e^{ω_j} θ_j²    ω ∈ R^p   C = diag(e^{ω_j} θ_j) = Cᵀ
 *
 * With λ_j = e^{ω_j} (multi) or e^{ω₀}, its Hessian in θ is diag(λ) and
 * C = ∂_ω∇_θ of it is the problem's whole C (the losses do not depend on
 * ω).  The single-strength branches use BLAS (dnrm2, daxpy, ddot) and
 * the per-feature ones plain loops, each as the problems always did. */
#ifndef BL_L2PEN_H
#define BL_L2PEN_H

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* λ_j = e^{ω_j} (multi) or e^{ω₀} */
static inline double bl_l2pen_lam(int multi, const gsl_vector *om, size_t j)
{
    return exp(gsl_vector_get(om, multi ? j : 0));
}

/* ½ Σ_j λ_j θ_j² */
static inline double bl_l2pen_value(int multi, const gsl_vector *th, const gsl_vector *om)
{
    if (!multi) {
        double nt = gsl_blas_dnrm2(th);
        return 0.5 * bl_l2pen_lam(0, om, 0) * nt * nt;
    }
    double q = 0;
    for (size_t j = 0; j < th->size; j++) {
        double t = gsl_vector_get(th, j);
        q += bl_l2pen_lam(1, om, j) * t * t;
    }
    return 0.5 * q;
}

/* out += diag(λ) v (the penalty's share of ∇θG at v = θ, and of H v) */
static inline void bl_l2pen_add(int multi, const gsl_vector *om, const gsl_vector *v,
                                gsl_vector *out)
{
    if (!multi) {
        gsl_blas_daxpy(bl_l2pen_lam(0, om, 0), v, out);
        return;
    }
    for (size_t j = 0; j < v->size; j++)
        gsl_vector_set(out, j, gsl_vector_get(out, j)
                                   + bl_l2pen_lam(1, om, j) * gsl_vector_get(v, j));
}

/* H += diag(λ) */
static inline void bl_l2pen_add_hessian(int multi, const gsl_vector *om, gsl_matrix *H)
{
    for (size_t j = 0; j < H->size1; j++)
        gsl_matrix_set(H, j, j, gsl_matrix_get(H, j, j) + bl_l2pen_lam(multi, om, j));
}

/* ∇_ωG = ∇_ω of the penalty: (e^ω/2)‖θ‖², or ½ λ_j θ_j² each */
static inline void bl_l2pen_omega(int multi, const gsl_vector *th, const gsl_vector *om,
                                  gsl_vector *g)
{
    if (!multi) {
        gsl_vector_set(g, 0, bl_l2pen_value(0, th, om));
        return;
    }
    for (size_t j = 0; j < th->size; j++) {
        double t = gsl_vector_get(th, j);
        gsl_vector_set(g, j, 0.5 * bl_l2pen_lam(1, om, j) * t * t);
    }
}

/* C v: e^ω θᵀv, or λ_j θ_j v_j each */
static inline void bl_l2pen_cvp(int multi, const gsl_vector *th, const gsl_vector *om,
                                const gsl_vector *v, gsl_vector *out)
{
    if (!multi) {
        double t;
        gsl_blas_ddot(th, v, &t);
        gsl_vector_set(out, 0, bl_l2pen_lam(0, om, 0) * t);
        return;
    }
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(out, j, bl_l2pen_lam(1, om, j) * gsl_vector_get(th, j)
                                   * gsl_vector_get(v, j));
}

/* Cᵀu: e^ω u₀ θ, or as C u (C is diagonal) */
static inline void bl_l2pen_ctvp(int multi, const gsl_vector *th, const gsl_vector *om,
                                 const gsl_vector *u, gsl_vector *out)
{
    if (multi) {
        bl_l2pen_cvp(1, th, om, u, out);
        return;
    }
    gsl_vector_memcpy(out, th);
    gsl_vector_scale(out, bl_l2pen_lam(0, om, 0) * gsl_vector_get(u, 0));
}

/* max_j λ_j, the penalty's share of a bound on λmax(H) */
static inline double bl_l2pen_max(int multi, const gsl_vector *om)
{
    return exp(multi ? gsl_vector_max(om) : gsl_vector_get(om, 0));
}

#endif
