/* logreg_multi.c: logistic regression with one log-strength per feature
 * (CATALOGUE.md, `logreg-multi`; doc/problems/logreg-multi.md).
 *
 *   G(θ, ω) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀθ)) + ½ Σ_j e^{ω_j} θ_j²
 *   L(θ, ω) = the validation loss chosen by outer= (as logreg)
 *
 * C is diagonal: C_jj = e^{ω_j} θ_j. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "logistic.h"

enum { PAR_OUTER, PAR_TAU, NPAR };

static const bl_param lm_params[NPAR] = {
    {"outer", 0, 0, 2, 1,
     "validation loss L: logistic (the catalogue's), sqerr or smooth01 (as logreg)",
     bl_logit_outer_names},
    {"tau", 1, 1e-6, 1e6, 0, "temperature τ of outer=smooth01", NULL},
};

static int lm_init(bl_problem *P, bl_err *e)
{
    bl_logit *g = calloc(1, sizeof *g);
    if (!g) {
        bl_err_set(e, BL_ENOMEM, "out of memory building logreg-multi");
        return BL_ENOMEM;
    }
    int st = bl_logit_init(g, P->data, "logreg-multi", e);
    if (st) {
        free(g);
        return st;
    }
    g->outer = (int)P->par[PAR_OUTER];
    g->tau = P->par[PAR_TAU];
    P->p = g->X->size2;
    P->d = P->p;
    P->state = g;
    return BL_OK;
}

static void lm_free(bl_problem *P)
{
    bl_logit_free(P->state);
    free(P->state);
    P->state = NULL;
}

static int lm_clone(const bl_problem *src, bl_problem *dst)
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

static double lam(cvec *om, size_t j) { return exp(gsl_vector_get(om, j)); }

static double lm_G(bl_problem *P, cvec *th, cvec *om)
{
    double r = 0;
    for (size_t j = 0; j < P->p; j++) {
        double t = gsl_vector_get(th, j);
        r += lam(om, j) * t * t;
    }
    return bl_logit_loss(P->state, th, NULL) + 0.5 * r;
}

static double lm_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    return bl_logit_outer(P->state, th);
}

static void lm_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    bl_logit_grad(P->state, th, NULL, g);
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(g, j, gsl_vector_get(g, j) + lam(om, j) * gsl_vector_get(th, j));
}

/* ∂G/∂ω_j = ½ e^{ω_j} θ_j² */
static void lm_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    for (size_t j = 0; j < P->p; j++) {
        double t = gsl_vector_get(th, j);
        gsl_vector_set(g, j, 0.5 * lam(om, j) * t * t);
    }
}

static void lm_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    bl_logit_outer_grad(P->state, th, g);
}

static void lm_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static void lm_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    bl_logit_hvp(P->state, th, NULL, v, out);
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(out, j, gsl_vector_get(out, j) + lam(om, j) * gsl_vector_get(v, j));
}

/* C = diag(e^{ω_j} θ_j): C v and Cᵀu are the same product */
static void lm_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(out, j, lam(om, j) * gsl_vector_get(th, j) * gsl_vector_get(v, j));
}

static int lm_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    bl_logit_hessian(P->state, th, NULL, H);
    for (size_t j = 0; j < P->p; j++)
        gsl_matrix_set(H, j, j, gsl_matrix_get(H, j, j) + lam(om, j));
    return BL_OK;
}

/* λmax(H) ≤ λmax(XᵀX/n)/4 + max_j e^{ω_j} */
static double lm_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const bl_logit *g = P->state;
    return 0.25 * g->lmax + exp(gsl_vector_max(om));
}

const bl_problem_type bl_problem_logreg_multi = {
    .name = "logreg-multi",
    .summary = "logistic regression, one log-strength ω_j per feature",
    .inner_text = "G(θ, ω) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) + ½ Σ_j e^{ω_j} θ_j²",
    .outer_text = "L(θ, ω) = (1/m) Σ log(1 + exp(−y_k x_kᵀθ)) on validation "
                  "(outer=logistic; see outer=)",
    .notes =
        "θ ∈ R^p, ω ∈ R^p (d = p); labels as logreg ({0, 1} mapped to {−1, +1}).\n"
        "H = (1/n) Xᵀ diag(σ(z_i)σ(−z_i)) X + diag(e^{ω_j}), C = diag(e^{ω_j} θ_j) "
        "(p×p, so C v = Cᵀv), λmax(H) ≤ λmax(XᵀX/n)/4 + max_j e^{ω_j}.\n"
        "outer= as logreg: logistic (the catalogue's), sqerr, smooth01.\n"
        "With ω = c·1 it is logreg at ω = c; the outer problem can switch features "
        "off one by one (automatic relevance determination).",
    .params = lm_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_CONVEX,
    .dataset = "breast_cancer",
    .init = lm_init,
    .free = lm_free,
    .clone = lm_clone,
    .G = lm_G,
    .L = lm_L,
    .G_theta = lm_G_theta,
    .G_omega = lm_G_omega,
    .L_theta = lm_L_theta,
    .L_omega = lm_L_omega,
    .hvp = lm_hvp,
    .cvp = lm_cvp,
    .ctvp = lm_cvp,
    .hessian = lm_hessian,
    .lipschitz = lm_lipschitz,
    .report = bl_logit_report,
};
