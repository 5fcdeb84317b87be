/* logreg.c: ℓ2-regularised logistic regression with one log-strength
 * (CATALOGUE.md, `logreg`; doc/problems/logreg.md).
 *
 *   G(θ, ω) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀθ)) + (e^ω/2)‖θ‖²
 *   L(θ, ω) = the validation loss chosen by outer= (default: the mean
 *             logistic loss, as the catalogue has it)
 *
 * Labels in {−1, +1}, or {0, 1} mapped to {−1, +1}. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "logistic.h"

enum { PAR_OUTER, PAR_TAU, NPAR };

static const bl_param logreg_params[NPAR] = {
    {"outer", 0, 0, 2, 1, "validation loss L: logistic (the catalogue's), sqerr "
     "or smooth01 (see the notes)", bl_logit_outer_names},
    {"tau", 1, 1e-6, 1e6, 0, "temperature τ of outer=smooth01", NULL},
};

static int logreg_init(bl_problem *P, bl_err *e)
{
    bl_logit *g = calloc(1, sizeof *g);
    if (!g) {
        bl_err_set(e, BL_ENOMEM, "out of memory building logreg");
        return BL_ENOMEM;
    }
    int st = bl_logit_init(g, P->data, "logreg", e);
    if (st) {
        free(g);
        return st;
    }
    g->outer = (int)P->par[PAR_OUTER];
    g->tau = P->par[PAR_TAU];
    P->p = g->X->size2;
    P->d = 1;
    P->state = g;
    return BL_OK;
}

static void logreg_free(bl_problem *P)
{
    bl_logit_free(P->state);
    free(P->state);
    P->state = NULL;
}

static int logreg_clone(const bl_problem *src, bl_problem *dst)
{
    bl_logit *g = calloc(1, sizeof *g);
    if (!g) return BL_ENOMEM;
    if (bl_logit_clone(src->state, g) != BL_OK) {
        free(g);
        return BL_ENOMEM;
    }
    dst->state = g;
    return BL_OK;
}

static double lam(cvec *om) { return exp(gsl_vector_get(om, 0)); }

static double logreg_G(bl_problem *P, cvec *th, cvec *om)
{
    double nt = gsl_blas_dnrm2(th);
    return bl_logit_loss(P->state, th, NULL) + 0.5 * lam(om) * nt * nt;
}

static double logreg_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    return bl_logit_outer(P->state, th);
}

/* ∇θG = −(1/n) Σ σ(−z_i) y_i x_i + e^ω θ */
static void logreg_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    bl_logit_grad(P->state, th, NULL, g);
    gsl_blas_daxpy(lam(om), th, g);
}

/* ∇ωG = (e^ω/2)‖θ‖² */
static void logreg_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    double nt = gsl_blas_dnrm2(th);
    gsl_vector_set(g, 0, 0.5 * lam(om) * nt * nt);
}

static void logreg_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    bl_logit_outer_grad(P->state, th, g);
}

static void logreg_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = (1/n) Xᵀ D X v + e^ω v, D = diag(σ(z_i) σ(−z_i)) */
static void logreg_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    bl_logit_hvp(P->state, th, NULL, v, out);
    gsl_blas_daxpy(lam(om), v, out);
}

/* C = e^ω θᵀ (1×p) */
static void logreg_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    double t;
    gsl_blas_ddot(th, v, &t);
    gsl_vector_set(out, 0, lam(om) * t);
}

static void logreg_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P;
    gsl_vector_memcpy(out, th);
    gsl_vector_scale(out, lam(om) * gsl_vector_get(u, 0));
}

static int logreg_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    bl_logit_hessian(P->state, th, NULL, H);
    double l = lam(om);
    for (size_t i = 0; i < P->p; i++) gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + l);
    return BL_OK;
}

/* σ(z)σ(−z) ≤ ¼: λmax(H) ≤ λmax(XᵀX/n)/4 + e^ω */
static double logreg_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const bl_logit *g = P->state;
    return 0.25 * g->lmax + lam(om);
}

const bl_problem_type bl_problem_logreg = {
    .name = "logreg",
    .summary = "ℓ2-regularised logistic regression, one log-strength ω",
    .inner_text = "G(θ, ω) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) + (e^ω/2)‖θ‖²",
    .outer_text = "L(θ, ω) = (1/m) Σ log(1 + exp(−y_k x_kᵀθ)) on validation "
                  "(outer=logistic; see outer=)",
    .notes =
        "θ ∈ R^p (no intercept), ω ∈ R; labels y ∈ {−1, +1} ({0, 1} is mapped to "
        "{−1, +1}; any other label is refused).  z_i = y_i x_iᵀθ.\n"
        "H = (1/n) Xᵀ diag(σ(z_i)σ(−z_i)) X + e^ω I, C = e^ω θᵀ (1×p), "
        "λmax(H) ≤ λmax(XᵀX/n)/4 + e^ω.\n"
        "outer=logistic: L = (1/m) Σ log(1 + e^{−z_k}); outer=sqerr: "
        "L = (1/2m) Σ (σ(x_kᵀθ) − t_k)² with t_k = (1 + y_k)/2, which equals "
        "(1/2m) Σ σ(−z_k)²; outer=smooth01: L = (1/m) Σ σ(−z_k/τ), the error rate "
        "as τ → 0 (z_k on the validation split).\n"
        "No closed form for θ*: use newton (quadratic convergence) or lbfgs.",
    .params = logreg_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_CONVEX,
    .dataset = "breast_cancer",
    .init = logreg_init,
    .free = logreg_free,
    .clone = logreg_clone,
    .G = logreg_G,
    .L = logreg_L,
    .G_theta = logreg_G_theta,
    .G_omega = logreg_G_omega,
    .L_theta = logreg_L_theta,
    .L_omega = logreg_L_omega,
    .hvp = logreg_hvp,
    .cvp = logreg_cvp,
    .ctvp = logreg_ctvp,
    .hessian = logreg_hessian,
    .lipschitz = logreg_lipschitz,
    .report = bl_logit_report,
};
