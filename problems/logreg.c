/* logreg.c: ℓ2-regularised logistic regression with one log-strength
 * (doc/catalogue.md, "Problems (first catalogue)", `logreg`;
 * doc/problems/logreg.md) and with one per feature (`logreg-multi`;
 * doc/problems/logreg-multi.md).
 *
 *   logreg        G(θ, ω) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀθ)) + (e^ω/2)‖θ‖²        ω ∈ R
 *   logreg-multi  G(θ, ω) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀθ)) + ½ Σ_j e^{ω_j} θ_j²  ω ∈ R^p
 *   L(θ, ω) = the validation loss chosen by outer= (default: the mean
 *             logistic loss, as the catalogue has it)
 *
 * Both are one implementation with λ_j = e^{ω_j} (multi) or e^{ω₀}
 * (logreg): H = (1/n) Xᵀ D X + diag(λ), and they differ only in
 * C = ∂_ω∇_θG: e^ω θᵀ (1×p) for logreg, diag(λ_j θ_j) for logreg-multi.
 * The logistic terms are logistic.h's, the penalty l2pen.h's (as ridge's).
 * Labels in {−1, +1}, or {0, 1} mapped to {−1, +1}. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "l2pen.h"
#include "logistic.h"

enum { PAR_OUTER, PAR_TAU, NPAR };

/* The two tables differ only in the help text of outer=. */
static const bl_param logreg_params[NPAR] = {
    {"outer", 0, 0, 2, 1, "validation loss L: logistic (the catalogue's), sqerr "
     "or smooth01 (see the notes)", bl_logit_outer_names},
    {"tau", 1, 1e-6, 1e6, 0, "temperature τ of outer=smooth01", NULL},
};

static const bl_param logreg_multi_params[NPAR] = {
    {"outer", 0, 0, 2, 1,
     "validation loss L: logistic (the catalogue's), sqerr or smooth01 (as logreg)",
     bl_logit_outer_names},
    {"tau", 1, 1e-6, 1e6, 0, "temperature τ of outer=smooth01", NULL},
};

typedef struct {
    bl_logit lg;   /* the logistic terms, both splits */
    int multi;     /* logreg-multi: one ω_j per feature */
    double xmax;   /* max_i ‖x_i‖ (training), formed on first use (0: not yet) */
    double xvf;    /* ‖X_v‖_F²/m, likewise */
} logreg_state;

static int logreg_init(bl_problem *P, bl_err *e)
{
    const char *who = P->type->name;
    logreg_state *s = calloc(1, sizeof *s);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building %s", who);
        return BL_ENOMEM;
    }
    int st = bl_logit_init(&s->lg, P->data, who, e);
    if (st) {
        free(s);
        return st;
    }
    s->multi = P->type == &bl_problem_logreg_multi;
    s->lg.outer = (int)P->par[PAR_OUTER];
    s->lg.tau = P->par[PAR_TAU];
    P->p = bl_dmat_cols(s->lg.X);
    P->d = s->multi ? P->p : 1;
    P->state = s;
    return BL_OK;
}

static void logreg_free(bl_problem *P)
{
    logreg_state *s = P->state;
    if (s) bl_logit_release(&s->lg);
    free(s);
    P->state = NULL;
}

static int logreg_clone(const bl_problem *src, bl_problem *dst)
{
    const logreg_state *a = src->state;
    logreg_state *b = calloc(1, sizeof *b);
    if (!b) return BL_ENOMEM;
    if (bl_logit_clone(&a->lg, &b->lg) != BL_OK) {
        free(b);
        return BL_ENOMEM;
    }
    b->multi = a->multi;
    dst->state = b;
    return BL_OK;
}

static double logreg_G(bl_problem *P, cvec *th, cvec *om)
{
    logreg_state *s = P->state;
    return bl_logit_loss(&s->lg, th, NULL) + bl_l2pen_value(s->multi, th, om);
}

static double logreg_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    logreg_state *s = P->state;
    return bl_logit_outer(&s->lg, th);
}

/* ∇θG = −(1/n) Σ σ(−z_i) y_i x_i + diag(λ) θ */
static void logreg_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    logreg_state *s = P->state;
    bl_logit_grad(&s->lg, th, NULL, g);
    bl_l2pen_add(s->multi, om, th, g);
}

/* ∇ωG: (e^ω/2)‖θ‖² (logreg), ½ e^{ω_j} θ_j² (logreg-multi) */
static void logreg_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    const logreg_state *s = P->state;
    bl_l2pen_omega(s->multi, th, om, g);
}

static void logreg_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    logreg_state *s = P->state;
    bl_logit_outer_grad(&s->lg, th, g);
}

static void logreg_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = (1/n) Xᵀ D X v + diag(λ) v, D = diag(σ(z_i) σ(−z_i)) */
static void logreg_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    logreg_state *s = P->state;
    bl_logit_hvp(&s->lg, th, NULL, v, out);
    bl_l2pen_add(s->multi, om, v, out);
}

/* C v: e^ω θᵀv (logreg, C = e^ω θᵀ is 1×p); e^{ω_j} θ_j v_j (logreg-multi,
 * C = diag(e^{ω_j} θ_j) = Cᵀ) */
static void logreg_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    const logreg_state *s = P->state;
    bl_l2pen_cvp(s->multi, th, om, v, out);
}

/* Cᵀu: e^ω u₀ θ (logreg); as C v (logreg-multi) */
static void logreg_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    const logreg_state *s = P->state;
    bl_l2pen_ctvp(s->multi, th, om, u, out);
}

static int logreg_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    logreg_state *s = P->state;
    bl_logit_hessian(&s->lg, th, NULL, H);
    bl_l2pen_add_hessian(s->multi, om, H);
    return BL_OK;
}

/* σ(z)σ(−z) ≤ ¼: λmax(H) ≤ λmax(XᵀX/n)/4 + max_j λ_j */
static double logreg_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const logreg_state *s = P->state;
    return 0.25 * s->lg.lmax + bl_l2pen_max(s->multi, om);
}

/* The error bound's constants (doc/bounds.md): H ⪰ diag(λ) ⪰ min_j λ_j;
 * σ' = σ(·)σ(−·) is 1/(6√3)-Lipschitz, so H(θ) − H(θ') = (1/n) Xᵀ diag(δ) X
 * with |δ_i| ≤ ‖x_i‖‖θ − θ'‖/(6√3): L_H = max_i ‖x_i‖ λmax(XᵀX/n)/(6√3);
 * C as ridge's (L_C = max_j λ_j), ∇ωL = 0; the logistic outer's ∇θL is
 * λmax(X_vᵀX_v/m)/4 ≤ ‖X_v‖_F²/4m Lipschitz (the other outers: estimated). */
static void logreg_bound_consts(bl_problem *P, cvec *om, bl_bound_consts *k)
{
    logreg_state *s = P->state;
    const bl_logit *g = &s->lg;
    if (!(s->xmax > 0)) {
        for (size_t i = 0; i < bl_dmat_rows(g->X); i++)
            s->xmax = fmax(s->xmax, bl_dmat_rownorm(g->X, i));
        double f = 0;
        size_t m = bl_dmat_rows(g->Xv);
        for (size_t i = 0; i < m; i++) {
            double n = bl_dmat_rownorm(g->Xv, i);
            f += n * n;
        }
        s->xvf = m ? f / (double)m : 0;
    }
    double lo = INFINITY;
    for (size_t j = 0; j < (s->multi ? om->size : 1); j++)
        lo = fmin(lo, bl_l2pen_lam(s->multi, om, j));
    k->mu = lo;
    k->L_H = s->xmax * g->lmax / (6 * sqrt(3.0));
    k->L_C = bl_l2pen_max(s->multi, om);
    k->L_oL = 0;
    if (g->outer == BL_LOGIT_LOGISTIC) k->L_gL = 0.25 * s->xvf;
}

/* Training and validation accuracy at θ. */
static int logreg_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)om;
    logreg_state *s = P->state;
    double a, b;
    bl_logit_accuracy(&s->lg, th, &a, &b);
    snprintf(buf, len, "accuracy (y xᵀθ > 0): training %.4g, validation %.4g", a, b);
    return BL_OK;
}

/* The functions both type objects share (l1.h's BL_L1_METHODS is the
 * same idea). */
#define LOGREG_METHODS \
    .init = logreg_init, \
    .free = logreg_free, \
    .clone = logreg_clone, \
    .G = logreg_G, \
    .L = logreg_L, \
    .G_theta = logreg_G_theta, \
    .G_omega = logreg_G_omega, \
    .L_theta = logreg_L_theta, \
    .L_omega = logreg_L_omega, \
    .hvp = logreg_hvp, \
    .cvp = logreg_cvp, \
    .ctvp = logreg_ctvp, \
    .hessian = logreg_hessian, \
    .lipschitz = logreg_lipschitz, \
    .bound_consts = logreg_bound_consts, \
    .report = logreg_report,

const bl_problem_type bl_problem_logreg = {
    .name = "logreg",
    .exp_names = "λ",
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
    LOGREG_METHODS
    .mb = &bl_mb_data,
};

const bl_problem_type bl_problem_logreg_multi = {
    .name = "logreg-multi",
    .exp_names = "λ",
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
    .params = logreg_multi_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_CONVEX,
    .dataset = "breast_cancer",
    LOGREG_METHODS
    .mb = &bl_mb_data,
};
