/* ridge_multi.c: ridge regression with one log-strength per feature
 * (CATALOGUE.md, `ridge-multi`; doc/problems/ridge-multi.md).
 *
 *   G(θ, ω) = (1/2n)‖Xθ − y‖² + ½ Σ_j e^{ω_j} θ_j²
 *   L(θ, ω) = (1/2m)‖X_vθ − y_v‖²                    (outer=mse, the default)
 *           = (1/m) Σ_k h_δ(x_kᵀθ − y_k)              (outer=huber)
 *
 * As ridge, G and the mse outer come from moments formed once (K = XᵀX/n,
 * b = Xᵀy/n, c = ‖y‖²/2n), so a call costs O(p²) whatever n and m; the
 * Huber outer reads X_v, y_v (O(mp)). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

#include "catalogue.h"
#include "linalg.h"
#include "lsq.h"
#include "closed.h"
#include "losses.h"

enum { PAR_OUTER, PAR_DELTA, NPAR };
enum { OUTER_MSE, OUTER_HUBER };

static const char *const rm_outer_names[] = {"mse", "huber", NULL};

static const bl_param rm_params[NPAR] = {
    {"outer", 0, 0, 1, 1, "validation loss L: mse (the catalogue's) or huber (see the notes)",
     rm_outer_names},
    {"delta", 1, 1e-6, 1e12, 0, "Huber threshold δ of outer=huber, in target units", NULL},
};

typedef struct {
    bl_lsq ls;            /* the moments of both least-squares terms */
    int outer;
    double delta;
    const gsl_matrix *Xv;     /* borrowed (huber) */
    const gsl_vector *yv;
    gsl_matrix *F;            /* workspace: factor of K + diag(e^ω) */
    gsl_vector *w1, *w2, *r;  /* workspace: p, p, m */
} rm_state;

static void rm_state_free(rm_state *s)
{
    if (!s) return;
    bl_lsq_free(&s->ls);
    gsl_matrix_free(s->F);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    gsl_vector_free(s->r);
    free(s);
}

static rm_state *rm_state_alloc(size_t p, size_t m)
{
    rm_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->F = gsl_matrix_alloc(p, p);
    s->w1 = gsl_vector_alloc(p);
    s->w2 = gsl_vector_alloc(p);
    s->r = gsl_vector_alloc(m);
    if (!s->F || !s->w1 || !s->w2 || !s->r) {
        rm_state_free(s);
        return NULL;
    }
    return s;
}

static int rm_init(bl_problem *P, bl_err *e)
{
    const bl_dataset *ds = P->data;
    int st = bl_dataset_check(ds, "ridge-multi", e);
    if (st) return st;
    size_t p = ds->X->size2, m = ds->Xv->size1;
    rm_state *s = rm_state_alloc(p, m);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building ridge-multi with p=%zu", p);
        return BL_ENOMEM;
    }
    if ((st = bl_lsq_init(&s->ls, ds, "ridge-multi", e))) {
        rm_state_free(s);
        return st;
    }
    s->outer = (int)P->par[PAR_OUTER];
    s->delta = P->par[PAR_DELTA];
    s->Xv = ds->Xv;
    s->yv = ds->yv;
    P->p = p;
    P->d = p;
    P->state = s;
    return BL_OK;
}

static void rm_free(bl_problem *P)
{
    rm_state_free(P->state);
    P->state = NULL;
}

static int rm_clone(const bl_problem *src, bl_problem *dst)
{
    const rm_state *a = src->state;
    rm_state *b = rm_state_alloc(src->p, a->r->size);
    if (!b) return BL_ENOMEM;
    if (bl_lsq_copy(&b->ls, &a->ls)) {
        rm_state_free(b);
        return BL_ENOMEM;
    }
    b->outer = a->outer;
    b->delta = a->delta;
    b->Xv = a->Xv;
    b->yv = a->yv;
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om, size_t j) { return exp(gsl_vector_get(om, j)); }

static double rm_G(bl_problem *P, cvec *th, cvec *om)
{
    rm_state *s = P->state;
    double q = 0;
    for (size_t j = 0; j < P->p; j++) {
        double t = gsl_vector_get(th, j);
        q += lam(om, j) * t * t;
    }
    return bl_lsq_value(s->ls.K, s->ls.b, s->ls.c, th, s->w1) + 0.5 * q;
}

static double rm_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    rm_state *s = P->state;
    if (s->outer == OUTER_HUBER) return bl_huber_mean(s->Xv, s->yv, th, s->delta, s->r, NULL);
    return bl_lsq_value(s->ls.Kv, s->ls.bv, s->ls.cv, th, s->w1);
}

/* ∇θG = Kθ − b + diag(e^ω) θ */
static void rm_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    rm_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, th, 0.0, g);
    gsl_vector_sub(g, s->ls.b);
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(g, j, gsl_vector_get(g, j) + lam(om, j) * gsl_vector_get(th, j));
}

static void rm_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    for (size_t j = 0; j < P->p; j++) {
        double t = gsl_vector_get(th, j);
        gsl_vector_set(g, j, 0.5 * lam(om, j) * t * t);
    }
}

static void rm_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    rm_state *s = P->state;
    if (s->outer == OUTER_HUBER) {
        bl_huber_mean(s->Xv, s->yv, th, s->delta, s->r, g);
        return;
    }
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.Kv, th, 0.0, g);
    gsl_vector_sub(g, s->ls.bv);
}

static void rm_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static void rm_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th;
    rm_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, v, 0.0, out);
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(out, j, gsl_vector_get(out, j) + lam(om, j) * gsl_vector_get(v, j));
}

/* C = diag(e^{ω_j} θ_j): C v = Cᵀv */
static void rm_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(out, j, lam(om, j) * gsl_vector_get(th, j) * gsl_vector_get(v, j));
}

static int rm_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th;
    rm_state *s = P->state;
    gsl_matrix_memcpy(H, s->ls.K);
    for (size_t j = 0; j < P->p; j++) gsl_matrix_set(H, j, j, gsl_matrix_get(H, j, j) + lam(om, j));
    return BL_OK;
}

/* s->F = Cholesky factor of K + diag(e^ω) */
static int factor(bl_problem *P, cvec *om)
{
    rm_state *s = P->state;
    rm_hessian(P, NULL, om, s->F);
    return gsl_linalg_cholesky_decomp1(s->F) == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
}

/* θ* = (K + diag(e^ω))⁻¹ b */
static int rm_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    rm_state *s = P->state;
    if (factor(P, om) != BL_OK) return BL_ENOTPD;
    gsl_vector_memcpy(th, s->ls.b);
    return gsl_linalg_cholesky_svx(s->F, th) == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
}

/* ∇F_j = −e^{ω_j} θ*_j a_j with a = (K + diag(e^ω))⁻¹ ∇θL(θ*) */
static int rm_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    rm_state *s = P->state;
    if (factor(P, om) != BL_OK) return BL_ENOTPD;
    gsl_vector_memcpy(s->w2, s->ls.b);
    if (gsl_linalg_cholesky_svx(s->F, s->w2) != GSL_SUCCESS) return BL_ENOTPD;  /* θ* */
    rm_L_theta(P, s->w2, om, g);                                              /* ∇θL */
    if (gsl_linalg_cholesky_svx(s->F, g) != GSL_SUCCESS) return BL_ENOTPD;      /* a */
    for (size_t j = 0; j < P->p; j++)
        gsl_vector_set(g, j, -lam(om, j) * gsl_vector_get(s->w2, j) * gsl_vector_get(g, j));
    return BL_OK;
}

static double rm_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    rm_state *s = P->state;
    return s->ls.lmax + exp(gsl_vector_max(om));
}

static void rm_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

static int rm_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    bl_report_closed(P, th, om, buf, len);
    return BL_OK;
}

const bl_problem_type bl_problem_ridge_multi = {
    .name = "ridge-multi",
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
    .params = rm_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CONVEX,
    .init = rm_init,
    .free = rm_free,
    .clone = rm_clone,
    .G = rm_G,
    .L = rm_L,
    .G_theta = rm_G_theta,
    .G_omega = rm_G_omega,
    .L_theta = rm_L_theta,
    .L_omega = rm_L_omega,
    .hvp = rm_hvp,
    .cvp = rm_cvp,
    .ctvp = rm_cvp,
    .hessian = rm_hessian,
    .theta_star = rm_theta_star,
    .hypergrad = rm_hypergrad,
    .lipschitz = rm_lipschitz,
    .omega0 = rm_omega0,
    .report = rm_report,
};
