/* wrap.h: a problem made of a "base" problem (an unregistered type object
 * with the real mathematics) and two options that every wrapped type gets
 * from the same code (problems/wrap.c; doc/catalogue.md "Cross-validation"
 * and "Learning the step size"):
 *
 *   outer=cv folds=K  K-fold cross-validation: the training split is cut
 *       into K contiguous folds; fold k's inner problem is the base problem
 *       trained on the other folds and validated on fold k, with its own θ_k.
 *       θ = (θ_1, …, θ_K) ∈ R^{Kp}, G = Σ_k G_k(θ_k, ω) (so θ* is every
 *       fold's own minimiser and H is block diagonal), L = (1/K) Σ_k L_k(θ_k):
 *       F is the mean of the K validation losses and ∇F the mean of the
 *       folds' hypergradients.  The folds run in parallel (OpenMP), each on
 *       its own instance; sums over folds are taken in fold order, so the
 *       numbers do not depend on the thread count.  outer=holdout (K = 1) is
 *       the base problem itself on the data's two splits.
 *   learn_eta=1  one more outer variable, ω_{d+1} = log η, the step of the
 *       unrolled estimators (P->eta_slot = d + 1).  G and L do not depend on
 *       it, so every implicit estimator gives 0 in that slot; the step hooks
 *       give ∂Φ/∂log η of the base's ISTA step Φ(θ) = ST(θ − η∇f(θ), ηλ),
 *       which is (Φ(θ) − θ) on {j : Φ_j ≠ 0} and 0 off it (separable ℓ1
 *       proxes: lasso, wlasso, l1logreg).
 *
 * A wrapped type object lists outer, folds and learn_eta among its params
 * (BL_WRAP_PARAMS, looked up by name), has an init that calls bl_wrap_init
 * with its base type, and the hooks BL_WRAP_METHODS (plus .cd_sweep =
 * bl_wrap_cd_sweep when the base has cd_sweep).  The base's own params are
 * not used: it is built with none. */
#ifndef BL_WRAP_H
#define BL_WRAP_H

#include "problem.h"

extern const char *const bl_wrap_outer_names[];   /* "holdout", "cv" */

#define BL_WRAP_PARAMS \
    {"outer", 0, 0, 1, 1, "holdout: validate on the validation split; cv: K-fold " \
     "cross-validation on the training split (folds=), F the mean of the K " \
     "validation losses", bl_wrap_outer_names}, \
    {"folds", 5, 2, 20, 1, "K of outer=cv: contiguous folds of the training rows, " \
     "each its own inner problem", NULL}, \
    {"learn_eta", 0, 0, 1, 1, "1: ω gets one more entry, log η, the step of the " \
     "unrolled estimators (0 for every implicit one)", NULL}

/* The notes every wrapped type appends to its own. */
#define BL_WRAP_NOTES \
    "outer=cv folds=K: K-fold cross-validation on the training split (contiguous " \
    "folds; the validation split is not used): θ = (θ_1, …, θ_K), fold k's θ_k " \
    "trained without fold k, G = Σ_k G_k(θ_k), L = (1/K) Σ_k L_k(θ_k) on fold k; " \
    "H is block diagonal and ∇F is the mean of the folds' hypergradients; the " \
    "folds run in parallel (OpenMP), summed in fold order.\n" \
    "learn_eta=1: ω gets a last entry log η, the step of reverse, forward, " \
    "truncated and onestep (unless their eta= is set), which differentiate through " \
    "∂Φ/∂log η = (Φ(θ) − θ)⊙[Φ ≠ 0]; G and L do not depend on it, so exact, " \
    "cg and fd give 0 there."

int bl_wrap_init(bl_problem *P, const bl_problem_type *base, bl_err *e);
void bl_wrap_free(bl_problem *P);
int bl_wrap_clone(const bl_problem *src, bl_problem *dst);
double bl_wrap_G(bl_problem *P, cvec *th, cvec *om);
double bl_wrap_L(bl_problem *P, cvec *th, cvec *om);
void bl_wrap_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_wrap_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_wrap_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_wrap_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_wrap_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_wrap_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_wrap_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out);
int bl_wrap_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H);
double bl_wrap_lipschitz(bl_problem *P, cvec *th, cvec *om);
void bl_wrap_omega0(bl_problem *P, gsl_vector *om);
int bl_wrap_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len);
void bl_wrap_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out);
void bl_wrap_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                      gsl_vector *gth, gsl_vector *gom);
void bl_wrap_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                      gsl_vector *out);
int bl_wrap_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om);
/* With cd_sweep where the base has cd_jvp and cd_vjp (lasso). */
int bl_wrap_cd_jvp(bl_problem *P, gsl_vector *th, cvec *om, gsl_matrix *J);
void bl_wrap_cd_vjp(bl_problem *P, cvec *th1, cvec *om, gsl_vector *alpha, gsl_vector *gom);

/* The number of folds of a wrapped instance (1: holdout) and fold k's own
 * instance (the base type on fold k's data), for tests and reports; 0 and
 * NULL when P is not wrapped. */
size_t bl_wrap_folds(const bl_problem *P);
bl_problem *bl_wrap_fold(const bl_problem *P, size_t k);

#define BL_WRAP_METHODS \
    .free = bl_wrap_free, \
    .clone = bl_wrap_clone, \
    .G = bl_wrap_G, \
    .L = bl_wrap_L, \
    .G_theta = bl_wrap_G_theta, \
    .G_omega = bl_wrap_G_omega, \
    .L_theta = bl_wrap_L_theta, \
    .L_omega = bl_wrap_L_omega, \
    .hvp = bl_wrap_hvp, \
    .cvp = bl_wrap_cvp, \
    .ctvp = bl_wrap_ctvp, \
    .hessian = bl_wrap_hessian, \
    .lipschitz = bl_wrap_lipschitz, \
    .omega0 = bl_wrap_omega0, \
    .report = bl_wrap_report, \
    .step = bl_wrap_step, \
    .step_vjp = bl_wrap_step_vjp, \
    .step_jvp = bl_wrap_step_jvp,

#endif
