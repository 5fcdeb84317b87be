/* catalogue.h: the problem type objects of the catalogue (one line each)
 * and helpers that only some problems provide.  The table itself is
 * bl_catalogue (problem.h). */
#ifndef BL_CATALOGUE_H
#define BL_CATALOGUE_H

#include <gsl/gsl_vector.h>
#include "problem.h"

extern const bl_problem_type bl_problem_quadratic;
extern const bl_problem_type bl_problem_ridge;
extern const bl_problem_type bl_problem_ridge_multi;
extern const bl_problem_type bl_problem_logreg;
extern const bl_problem_type bl_problem_logreg_multi;
extern const bl_problem_type bl_problem_lasso;
extern const bl_problem_type bl_problem_enet;
extern const bl_problem_type bl_problem_wlasso;
extern const bl_problem_type bl_problem_l1logreg;
extern const bl_problem_type bl_problem_cleaning;
extern const bl_problem_type bl_problem_tv1d;
extern const bl_problem_type bl_problem_heat;
extern const bl_problem_type bl_problem_doublewell;
extern const bl_problem_type bl_problem_nonsingleton;
extern const bl_problem_type bl_problem_sor;
extern const bl_problem_type bl_problem_matcomp;
extern const bl_problem_type bl_problem_metaridge;
extern const bl_problem_type bl_problem_quadsum;
/* the minibatch oracles of ridge, ridge-multi, logreg, logreg-multi (stoch.h) */
extern const struct bl_minibatch bl_mb_data;
extern const bl_problem_type bl_problem_custom;
extern const bl_problem_type bl_problem_ivreg;
extern const bl_problem_type bl_problem_oed;
extern const bl_problem_type bl_problem_irl;

/* quadratic: the closed-form outer optimum ω* = (MᵀM + μI)⁻¹Mᵀθ_t with
 * M = A⁻¹B, and F(ω*) into *F_STAR (may be NULL).  BL_EINVAL when P is not
 * a quadratic instance, BL_EDIM on a wrong size, BL_ENOTPD when MᵀM + μI is
 * singular (μ = 0 and rank B < d).  Counts nothing. */
int bl_quadratic_optimum(bl_problem *P, gsl_vector *omega_star, double *F_star);

/* ivreg: the 2SLS estimate β̂ = (T̂ᵀT̂)⁻¹T̂ᵀy (the outer optimum, T̂ the
 * stage-1 prediction of the treatments) and F(β̂) into *F (may be NULL);
 * bl_ivreg_ols: the ordinary least squares (TᵀT)⁻¹Tᵀy that the confounder
 * biases.  BL_EINVAL when P is not an ivreg instance, BL_EDIM on a wrong
 * size, BL_ENOTPD when the normal matrix is singular.  Count nothing. */
int bl_ivreg_2sls(bl_problem *P, gsl_vector *beta_hat, double *F);
int bl_ivreg_ols(bl_problem *P, gsl_vector *beta_ols);

/* quadsum: the outer optimum ω* = −(∇²F)⁻¹∇F(0) and F(ω*) into *F_STAR
 * (either may be NULL), computed when the instance was built.  BL_EINVAL
 * when P is not a quadsum instance, BL_EDIM on a wrong size. */
int bl_quadsum_optimum(bl_problem *P, gsl_vector *omega_star, double *F_star);

/* quadsum: the per-sample factors of the inner (OUTER = 0) or outer data
 * set, read-only and row-major (doc/problems/quadsum.md): u, q, a (n × p),
 * w, pc, b (n × d), n into *N.  For checks written outside bilab
 * (bench/soba_numpy.py); BL_EINVAL when P is not a quadsum instance. */
typedef struct bl_quadsum_samples {
    size_t n;
    const double *u, *q, *a, *w, *pc, *b;
} bl_quadsum_samples;
int bl_quadsum_data(const bl_problem *P, int outer, bl_quadsum_samples *out);

#endif
