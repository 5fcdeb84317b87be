/* ridge.c: ridge regression with one log-strength (doc/catalogue.md,
 * "Problems (first catalogue)", `ridge`; doc/problems/ridge.md) and with
 * one per feature (`ridge-multi`; doc/problems/ridge-multi.md).
 *
 *   ridge        G(θ, ω) = (1/2n)‖Xθ − y‖² + (e^ω/2)‖θ‖²          ω ∈ R
 *   ridge-multi  G(θ, ω) = (1/2n)‖Xθ − y‖² + ½ Σ_j e^{ω_j} θ_j²    ω ∈ R^p
 *   L(θ, ω) = (1/2m)‖X_vθ − y_v‖²    (outer=mse, the default)
 *           = (1/m) Σ_k h_δ(x_kᵀθ − y_k)    (outer=huber, losses.h)
 *
 * Both are one implementation with λ_j = e^{ω_j} (multi) or e^{ω₀} (ridge):
 * H = K + diag(λ), and they differ only in C = ∂_ω∇_θG: e^ω θᵀ (1×p) for
 * ridge, diag(λ_j θ_j) for ridge-multi; the penalty's terms are l2pen.h's,
 * which logreg and logreg-multi share.  G and the mse outer come from
 * moments formed once (K = XᵀX/n, b = Xᵀy/n, c = ‖y‖²/2n and the
 * validation ones, lsq.h), so a call costs O(p²) whatever n and m; the
 * Huber outer reads X_v and y_v (O(mp)). */
#include "config.h"

#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "catalogue.h"
#include "closed.h"
#include "l2pen.h"
#include "linalg.h"
#include "losses.h"
#include "lsq.h"

enum { PAR_OUTER, PAR_DELTA, NPAR };
enum { OUTER_MSE, OUTER_HUBER };

static const char *const ridge_outer_names[] = {"mse", "huber", NULL};

static const bl_param ridge_params[NPAR] = {
    {"outer", 0, 0, 1, 1, "validation loss L: mse (the catalogue's) or huber (see the notes)",
     ridge_outer_names},
    {"delta", 1, 1e-6, 1e12, 0, "Huber threshold δ of outer=huber, in target units", NULL},
};

typedef struct {
    bl_lsq ls;            /* the moments of both least-squares terms */
    int multi;            /* ridge-multi: one ω_j per feature */
    int outer;            /* OUTER_MSE or OUTER_HUBER */
    double delta;         /* Huber threshold */
    bl_dmat Xv;           /* borrowed from the data (outer=huber) */
    const gsl_vector *yv;
    gsl_matrix *F;        /* workspace: factor of K + diag(λ) (NULL when
                           * matrix-free: no closed form then) */
    gsl_vector *w1, *w2;  /* workspace, p */
    gsl_vector *r;        /* workspace, m */
    double lmaxv;         /* λmax(Kv), formed on first use (0: not yet) */
    double lminK;         /* λmin(K) (less round-off), with lmaxv */
} ridge_state;

static void ridge_state_free(ridge_state *s)
{
    if (!s) return;
    bl_lsq_release(&s->ls);
    gsl_matrix_free(s->F);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    gsl_vector_free(s->r);
    free(s);
}

static ridge_state *ridge_state_alloc(size_t p, size_t m, int dense)
{
    ridge_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->F = dense ? gsl_matrix_alloc(p, p) : NULL;
    s->w1 = gsl_vector_alloc(p);
    s->w2 = gsl_vector_alloc(p);
    s->r = gsl_vector_alloc(m);
    if ((dense && !s->F) || !s->w1 || !s->w2 || !s->r) {
        ridge_state_free(s);
        return NULL;
    }
    return s;
}

static int ridge_init(bl_problem *P, bl_err *e)
{
    const bl_dataset *ds = P->data;
    const char *who = P->type->name;
    int st = bl_dataset_check_any(ds, who, e);
    if (st) return st;
    bl_dmat Xv = bl_dataset_dmat(ds, 1);
    size_t p = bl_dmat_cols(Xv), m = bl_dmat_rows(Xv);
    ridge_state *s = ridge_state_alloc(p, m, !ds->Xs || p <= bl_csr_dense_max);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building %s with p=%zu", who, p);
        return BL_ENOMEM;
    }
    if ((st = bl_lsq_init(&s->ls, ds, who, e))) {
        ridge_state_free(s);
        return st;
    }
    s->multi = P->type == &bl_problem_ridge_multi;
    s->outer = (int)P->par[PAR_OUTER];
    s->delta = P->par[PAR_DELTA];
    s->Xv = Xv;
    s->yv = ds->yv;
    P->p = p;
    P->d = s->multi ? p : 1;
    P->state = s;
    return BL_OK;
}

static void ridge_free(bl_problem *P)
{
    ridge_state_free(P->state);
    P->state = NULL;
}

static int ridge_clone(const bl_problem *src, bl_problem *dst)
{
    const ridge_state *a = src->state;
    ridge_state *b = ridge_state_alloc(src->p, a->r->size, a->F != NULL);
    if (!b) return BL_ENOMEM;
    if (bl_lsq_copy(&b->ls, &a->ls)) {
        ridge_state_free(b);
        return BL_ENOMEM;
    }
    b->multi = a->multi;
    b->outer = a->outer;
    b->delta = a->delta;
    b->Xv = a->Xv;
    b->yv = a->yv;
    b->lmaxv = a->lmaxv;
    b->lminK = a->lminK;
    dst->state = b;
    return BL_OK;
}

static double ridge_G(bl_problem *P, cvec *th, cvec *om)
{
    ridge_state *s = P->state;
    return bl_lsq_eval(&s->ls, 0, th, s->w1)
           + bl_l2pen_value(s->multi, th, om);
}

static double ridge_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    ridge_state *s = P->state;
    if (s->outer == OUTER_HUBER) return bl_huber_mean(s->Xv, s->yv, th, s->delta, s->r, NULL);
    return bl_lsq_eval(&s->ls, 1, th, s->w1);
}

/* ∇θG = Kθ − b + diag(λ) θ */
static void ridge_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    ridge_state *s = P->state;
    bl_lsq_grad(&s->ls, 0, th, g);
    bl_l2pen_add(s->multi, om, th, g);
}

/* ∇_ωG: (e^ω/2)‖θ‖² (ridge), ½ λ_j θ_j² (ridge-multi) */
static void ridge_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    const ridge_state *s = P->state;
    bl_l2pen_omega(s->multi, th, om, g);
}

/* ∇_θL = Kvθ − bv (outer=huber: X_vᵀ h_δ'(X_vθ − y_v)/m) */
static void ridge_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    ridge_state *s = P->state;
    if (s->outer == OUTER_HUBER) {
        bl_huber_mean(s->Xv, s->yv, th, s->delta, s->r, g);
        return;
    }
    bl_lsq_grad(&s->ls, 1, th, g);
}

static void ridge_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = K v + diag(λ) v */
static void ridge_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th;
    ridge_state *s = P->state;
    bl_lsq_kmv(&s->ls, 0, 1.0, v, out);
    bl_l2pen_add(s->multi, om, v, out);
}

/* C v: e^ω θᵀv (ridge, C = e^ω θᵀ is 1×p); λ_j θ_j v_j (ridge-multi,
 * C = diag(λ_j θ_j) = Cᵀ) */
static void ridge_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    const ridge_state *s = P->state;
    bl_l2pen_cvp(s->multi, th, om, v, out);
}

/* Cᵀu: e^ω u₀ θ (ridge); as C v (ridge-multi) */
static void ridge_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    const ridge_state *s = P->state;
    bl_l2pen_ctvp(s->multi, th, om, u, out);
}

static int ridge_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th;
    ridge_state *s = P->state;
    bl_lsq_dense_K(&s->ls, H);
    bl_l2pen_add_hessian(s->multi, om, H);
    return BL_OK;
}

/* s->F = Cholesky factor of K + diag(λ). */
static int factor(bl_problem *P, cvec *om)
{
    ridge_state *s = P->state;
    if (!s->F) return BL_ENOMEM;          /* matrix-free: no dense factor */
    ridge_hessian(P, NULL, om, s->F);
    return gsl_linalg_cholesky_decomp1(s->F) == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
}

/* θ* = (K + diag(λ))⁻¹ b */
static int ridge_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    ridge_state *s = P->state;
    int fs = factor(P, om);
    if (fs != BL_OK) return fs == BL_ENOMEM ? BL_ENOMEM : BL_ENOTPD;
    gsl_vector_memcpy(th, s->ls.b);
    return gsl_linalg_cholesky_svx(s->F, th) == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
}

/* ∇F = −C(θ*) a with a = (K + diag(λ))⁻¹ ∇θL(θ*): for ridge
 * −e^ω θ*ᵀa, which is ∇θL(θ*)ᵀ θ*' with θ*' = −e^ω (K + e^ω I)⁻¹ θ* the
 * derivative of θ* in ω; for ridge-multi ∇F_j = −λ_j θ*_j a_j. */
static int ridge_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    ridge_state *s = P->state;
    int fs = factor(P, om);
    if (fs != BL_OK) return fs == BL_ENOMEM ? BL_ENOMEM : BL_ENOTPD;
    gsl_vector_memcpy(s->w1, s->ls.b);                                      /* θ* */
    if (gsl_linalg_cholesky_svx(s->F, s->w1) != GSL_SUCCESS) return BL_ENOTPD;
    ridge_L_theta(P, s->w1, om, s->w2);                                     /* ∇θL */
    if (gsl_linalg_cholesky_svx(s->F, s->w2) != GSL_SUCCESS) return BL_ENOTPD;  /* a */
    ridge_cvp(P, s->w1, om, s->w2, g);
    gsl_vector_scale(g, -1.0);
    return BL_OK;
}

/* λmax(H) ≤ λmax(K) + max_j λ_j (equality for ridge) */
static double ridge_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    ridge_state *s = P->state;
    return s->ls.lmax + bl_l2pen_max(s->multi, om);
}

/* The error bound's constants (doc/bounds.md): H = K + diag(λ) ⪰ λmin(K) + min_j λ_j,
 * H and ∇ωL = 0 do not depend on θ, ∇θL is λmax(Kv)-Lipschitz (mse: Kvθ −
 * bv; huber: h_δ' is 1-Lipschitz), C(θ) − C(θ') is e^ω (θ − θ')ᵀ or
 * diag(λ_j (θ − θ')_j): L_C = max_j λ_j. */
static void ridge_bound_consts(bl_problem *P, cvec *om, bl_bound_consts *k)
{
    ridge_state *s = P->state;
    double lo = INFINITY;
    for (size_t j = 0; j < (s->multi ? om->size : 1); j++)
        lo = fmin(lo, bl_l2pen_lam(s->multi, om, j));
    if (!s->ls.K || !s->ls.Kv) {        /* matrix-free (sparse, large p): */
        s->lmaxv = NAN;                 /* ∇θL's constant estimated, and */
        s->lminK = 0;                   /* λmin(K) ≥ 0 */
    } else if (!(s->lmaxv > 0)) {
        if (bl_sym_eig_range(s->ls.Kv, NULL, &s->lmaxv) != BL_OK) s->lmaxv = NAN;
        if (bl_sym_eig_range(s->ls.K, &s->lminK, NULL) != BL_OK) s->lminK = 0;
        s->lminK = fmax(s->lminK - 1e-12 * s->ls.lmax, 0);   /* round-off of the eigensolver */
    }
    k->mu = s->lminK + lo;
    k->L_gL = s->lmaxv;
    k->L_H = 0;
    k->L_C = bl_l2pen_max(s->multi, om);
    k->L_oL = 0;
}

static int ridge_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    bl_report_closed(P, th, om, buf, len);
    return BL_OK;
}

const bl_problem_type bl_problem_ridge = {
    .name = "ridge",
    .exp_names = "λ",
    .summary = "ridge regression, one log-strength ω (closed form)",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + (e^ω/2)‖θ‖²",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖² (outer=mse; see outer=)",
    .notes =
        "θ ∈ R^p (one weight per feature, no intercept), ω ∈ R; X (n×p), y the "
        "training split, X_v (m×p), y_v the validation split.\n"
        "H = XᵀX/n + e^ω I, C = ∂_ω∇_θG = e^ω θᵀ (1×p), λmax(H) = "
        "λmax(XᵀX/n) + e^ω.\n"
        "Closed forms: θ* = (XᵀX/n + e^ω I)⁻¹ Xᵀy/n, "
        "dθ*/dω = −e^ω (XᵀX/n + e^ω I)⁻¹ θ*, "
        "∇F(ω) = ∇_θL(θ*)ᵀ dθ*/dω with ∇_θL = X_vᵀ(X_vθ − y_v)/m.\n"
        "Values come from XᵀX/n, Xᵀy/n, ‖y‖²/2n and their validation "
        "counterparts, computed once: O(p²) a call whatever n and m.\n"
        "outer=mse: L = (1/2m)‖X_vθ − y_v‖² (the catalogue's); outer=huber: "
        "L = (1/m) Σ_k h_δ(x_kᵀθ − y_k) with h_δ(r) = ½r² for |r| ≤ δ and "
        "δ|r| − ½δ² beyond (δ = delta); the closed forms hold for both.",
    .params = ridge_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .init = ridge_init,
    .free = ridge_free,
    .clone = ridge_clone,
    .G = ridge_G,
    .L = ridge_L,
    .G_theta = ridge_G_theta,
    .G_omega = ridge_G_omega,
    .L_theta = ridge_L_theta,
    .L_omega = ridge_L_omega,
    .hvp = ridge_hvp,
    .cvp = ridge_cvp,
    .ctvp = ridge_ctvp,
    .hessian = ridge_hessian,
    .theta_star = ridge_theta_star,
    .hypergrad = ridge_hypergrad,
    .lipschitz = ridge_lipschitz,
    .bound_consts = ridge_bound_consts,
    .report = ridge_report,
    .mb = &bl_mb_data,
};

const bl_problem_type bl_problem_ridge_multi = {
    .name = "ridge-multi",
    .exp_names = "λ",
    .summary = "ridge regression, one log-strength ω_j per feature (closed form)",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + ½ Σ_j e^{ω_j} θ_j²",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖² (outer=mse; see outer=)",
    .notes =
        "θ ∈ R^p, ω ∈ R^p (d = p); X, y the training split, X_v, y_v the validation split.\n"
        "H = XᵀX/n + diag(e^{ω_j}), C = diag(e^{ω_j} θ_j) (C_j = e^{ω_j} θ_j e_j), "
        "λmax(H) ≤ λmax(XᵀX/n) + max_j e^{ω_j}.\n"
        "Closed forms: θ* = (XᵀX/n + diag(e^ω))⁻¹ Xᵀy/n; ∇F_j = −e^{ω_j} θ*_j a_j with "
        "a = (XᵀX/n + diag(e^ω))⁻¹ ∇θL(θ*).\n"
        "outer=mse: L = (1/2m)‖X_vθ − y_v‖² (the catalogue's); outer=huber: "
        "L = (1/m) Σ_k h_δ(x_kᵀθ − y_k) with h_δ(r) = ½r² for |r| ≤ δ and "
        "δ|r| − ½δ² beyond (δ = delta).\n"
        "With ω = c·1 it is ridge at ω = c.",
    .params = ridge_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .init = ridge_init,
    .free = ridge_free,
    .clone = ridge_clone,
    .G = ridge_G,
    .L = ridge_L,
    .G_theta = ridge_G_theta,
    .G_omega = ridge_G_omega,
    .L_theta = ridge_L_theta,
    .L_omega = ridge_L_omega,
    .hvp = ridge_hvp,
    .cvp = ridge_cvp,
    .ctvp = ridge_ctvp,
    .hessian = ridge_hessian,
    .theta_star = ridge_theta_star,
    .hypergrad = ridge_hypergrad,
    .lipschitz = ridge_lipschitz,
    .bound_consts = ridge_bound_consts,
    .report = ridge_report,
    .mb = &bl_mb_data,
};
