/* wlasso.c: the weighted lasso, one log-strength per feature (as sparse-ho
 * has it; doc/problems/wlasso.md, doc/catalogue.md "wlasso"):
 *
 *   G(θ, ω) = (1/2n)‖Xθ − y‖² + Σ_j e^{ω_j}|θ_j|,   ω ∈ R^p
 *   L(θ, ω) = (1/2m)‖X_vθ − y_v‖²
 *
 * With K = XᵀX/n, b = Xᵀy/n, λ_j = e^{ω_j}, S = {j : θ_j ≠ 0} and
 * D = diag(θ_j ≠ 0), the products of problem.h's contract for
 * BL_PROB_NONSMOOTH are
 *   ∇θG = Kθ − b + λ ⊙ sign θ,
 *   H v = D K D v + L_f (I − D) v   (L_f = λmax(K); the inactive block decoupled),
 *   C = ∂ω∇θG = diag(λ_j sign θ_j)  (p×p, so C v = Cᵀ v),
 * hence dθ_S/dω_S = −(K_SS)⁻¹ diag(λ_S sign θ_S), dθ/dω_j = 0 for j ∉ S and
 * ∇F_j = −λ_j sign(θ_j) a_j with a_S = K_SS⁻¹(∇θL)_S, a zero off S.
 * ISTA step Φ(θ) = ST(z, ηλ), z = θ − η(Kθ − b), D⁺ = diag(|z_j| > ηλ_j):
 * ∂Φ/∂θ = D⁺(I − ηK), ∂Φ/∂ω = −η D⁺ diag(λ_j sign z_j).
 * With ω_j = c for every j it is the lasso at ω = c (tests/test_catalogue4.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "lsq.h"
#include "wrap.h"

typedef struct {
    bl_lsq ls;
    double lam_max;       /* ‖Xᵀy/n‖∞: θ* = 0 when every λ_j ≥ lam_max */
    gsl_vector *w1, *w2;  /* workspace, p */
} wl_state;

static void wl_state_free(wl_state *s)
{
    if (!s) return;
    bl_lsq_release(&s->ls);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    free(s);
}

static wl_state *wl_state_alloc(size_t p)
{
    wl_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->w1 = gsl_vector_alloc(p);
    s->w2 = gsl_vector_alloc(p);
    if (!s->w1 || !s->w2) {
        wl_state_free(s);
        return NULL;
    }
    return s;
}

static int wl_init(bl_problem *P, bl_err *e)
{
    int st = bl_dataset_check(P->data, "wlasso", e);
    if (st) return st;
    size_t p = P->data->X->size2;
    wl_state *s = wl_state_alloc(p);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building wlasso with p=%zu", p);
        return BL_ENOMEM;
    }
    if ((st = bl_lsq_init(&s->ls, P->data, "wlasso", e))) {
        wl_state_free(s);
        return st;
    }
    for (size_t j = 0; j < p; j++) s->lam_max = fmax(s->lam_max, fabs(gsl_vector_get(s->ls.b, j)));
    P->p = P->d = p;
    P->state = s;
    return BL_OK;
}

static void wl_free(bl_problem *P)
{
    wl_state_free(P->state);
    P->state = NULL;
}

static int wl_clone(const bl_problem *src, bl_problem *dst)
{
    const wl_state *a = src->state;
    wl_state *b = wl_state_alloc(src->p);
    if (!b) return BL_ENOMEM;
    if (bl_lsq_copy(&b->ls, &a->ls)) {
        wl_state_free(b);
        return BL_ENOMEM;
    }
    b->lam_max = a->lam_max;
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om, size_t j) { return exp(gsl_vector_get(om, j)); }
static double sgn(double t) { return (t > 0) - (t < 0); }
static double soft(double t, double k) { return t > k ? t - k : t < -k ? t + k : 0.0; }

static double wl_G(bl_problem *P, cvec *th, cvec *om)
{
    wl_state *s = P->state;
    double r = 0;
    for (size_t j = 0; j < th->size; j++) r += lam(om, j) * fabs(gsl_vector_get(th, j));
    return bl_lsq_value(s->ls.K, s->ls.b, s->ls.c, th, s->w1) + r;
}

static double wl_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    wl_state *s = P->state;
    return bl_lsq_value(s->ls.Kv, s->ls.bv, s->ls.cv, th, s->w1);
}

static void grad_f(wl_state *s, cvec *th, gsl_vector *g)
{
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, th, 0.0, g);
    gsl_vector_sub(g, s->ls.b);
}

static void wl_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    grad_f(P->state, th, g);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(g, j, gsl_vector_get(g, j) + lam(om, j) * sgn(gsl_vector_get(th, j)));
}

static void wl_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(g, j, lam(om, j) * fabs(gsl_vector_get(th, j)));
}

static void wl_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    wl_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.Kv, th, 0.0, g);
    gsl_vector_sub(g, s->ls.bv);
}

static void wl_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static double wl_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    return ((wl_state *)P->state)->ls.lmax;
}

/* H v = D K D v + L_f (I − D) v */
static void wl_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)om;
    wl_state *s = P->state;
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(s->w2, j, gsl_vector_get(th, j) != 0 ? gsl_vector_get(v, j) : 0.0);
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, s->w2, 0.0, out);
    for (size_t j = 0; j < th->size; j++)
        if (gsl_vector_get(th, j) == 0) gsl_vector_set(out, j, s->ls.lmax * gsl_vector_get(v, j));
}

static int wl_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)om;
    wl_state *s = P->state;
    size_t p = th->size;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            int ai = gsl_vector_get(th, i) != 0, aj = gsl_vector_get(th, j) != 0;
            gsl_matrix_set(H, i, j, ai && aj ? gsl_matrix_get(s->ls.K, i, j)
                                    : i == j ? s->ls.lmax : 0.0);
        }
    return BL_OK;
}

/* C v = Cᵀ v = (λ_j sign(θ_j) v_j)_j */
static void wl_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(out, j, lam(om, j) * sgn(gsl_vector_get(th, j)) * gsl_vector_get(v, j));
}

/* z = θ − η∇f(θ) into s->w1 */
static void step_z(wl_state *s, cvec *th, double eta)
{
    grad_f(s, th, s->w1);
    gsl_vector_scale(s->w1, -eta);
    gsl_vector_add(s->w1, th);
}

static void wl_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    wl_state *s = P->state;
    step_z(s, th, eta);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(out, j, soft(gsl_vector_get(s->w1, j), eta * lam(om, j)));
}

/* gth = (I − ηK) D⁺α, gom_j = −ηλ_j sign(z_j) (D⁺α)_j */
static void wl_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                        gsl_vector *gth, gsl_vector *gom)
{
    wl_state *s = P->state;
    step_z(s, th, eta);
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j), l = lam(om, j);
        double a = fabs(z) > eta * l ? gsl_vector_get(alpha, j) : 0.0;
        gsl_vector_set(s->w2, j, a);
        gsl_vector_set(gom, j, -eta * l * sgn(z) * a);
    }
    if (gth) {
        gsl_blas_dgemv(CblasNoTrans, -eta, s->ls.K, s->w2, 0.0, gth);
        gsl_vector_add(gth, s->w2);
    }
}

/* out = D⁺[(I − ηK)v − η λ ⊙ sign z ⊙ u] */
static void wl_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                        gsl_vector *out)
{
    wl_state *s = P->state;
    step_z(s, th, eta);
    if (v) {
        gsl_blas_dgemv(CblasNoTrans, -eta, s->ls.K, v, 0.0, out);
        gsl_vector_add(out, v);
    } else {
        gsl_vector_set_zero(out);
    }
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j), l = lam(om, j);
        double o = gsl_vector_get(out, j) - eta * l * sgn(z) * gsl_vector_get(u, j);
        gsl_vector_set(out, j, fabs(z) > eta * l ? o : 0.0);
    }
}

/* θ_j ← ST(K_jjθ_j − r_j, λ_j)/K_jj, r = Kθ − b kept up to date */
static int wl_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om)
{
    wl_state *s = P->state;
    gsl_vector *r = s->w1;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, th, 0.0, r);
    gsl_vector_sub(r, s->ls.b);
    for (size_t j = 0; j < th->size; j++) {
        double kjj = gsl_matrix_get(s->ls.K, j, j), tj = gsl_vector_get(th, j);
        double t = kjj > 0 ? soft(kjj * tj - gsl_vector_get(r, j), lam(om, j)) / kjj : 0.0;
        if (t != tj) {
            gsl_vector_const_view kj = gsl_matrix_const_column(s->ls.K, j);
            gsl_blas_daxpy(t - tj, &kj.vector, r);
            gsl_vector_set(th, j, t);
        }
    }
    return BL_OK;
}

/* every ω_j = log(λ_max/10), the lasso's default */
static void wl_omega0(bl_problem *P, gsl_vector *om)
{
    wl_state *s = P->state;
    gsl_vector_set_all(om, log(s->lam_max > 0 ? 0.1 * s->lam_max : 1.0));
}

static int wl_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)P;
    size_t k = 0, n;
    double lo = INFINITY, hi = 0;
    for (size_t j = 0; j < th->size; j++) {
        k += gsl_vector_get(th, j) != 0;
        lo = fmin(lo, lam(om, j));
        hi = fmax(hi, lam(om, j));
    }
    int w = snprintf(buf, len, "support S = {j : θ_j ≠ 0}: %zu of %zu features {", k, th->size);
    n = w > 0 ? (size_t)w : 0;
    for (size_t j = 0, c = 0; j < th->size && n < len; j++)
        if (gsl_vector_get(th, j) != 0) {
            w = snprintf(buf + n, len - n, "%s%zu", c++ ? ", " : "", j + 1);
            n += w > 0 ? (size_t)w : 0;
        }
    if (n < len)
        snprintf(buf + n, len - n, "}\nλ_j = e^ω_j from %.6g to %.6g; F is kinked where S "
                 "changes", lo, hi);
    return BL_OK;
}

static const bl_problem_type wlasso_base = {
    .name = "wlasso",
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .init = wl_init,
    .free = wl_free,
    .clone = wl_clone,
    .G = wl_G,
    .L = wl_L,
    .G_theta = wl_G_theta,
    .G_omega = wl_G_omega,
    .L_theta = wl_L_theta,
    .L_omega = wl_L_omega,
    .hvp = wl_hvp,
    .cvp = wl_cvp,
    .ctvp = wl_cvp,
    .hessian = wl_hessian,
    .lipschitz = wl_lipschitz,
    .omega0 = wl_omega0,
    .report = wl_report,
    .step = wl_step,
    .step_vjp = wl_step_vjp,
    .step_jvp = wl_step_jvp,
    .cd_sweep = wl_cd_sweep,
};

static const bl_param wlasso_params[] = {BL_WRAP_PARAMS};

static int wlasso_init(bl_problem *P, bl_err *e)
{
    return bl_wrap_init(P, &wlasso_base, e);
}

const bl_problem_type bl_problem_wlasso = {
    .name = "wlasso",
    .summary = "weighted lasso, one log-strength ω_j per feature (sparse-ho); non-smooth",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + Σ_j e^{ω_j}|θ_j|",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖²",
    .notes =
        "θ ∈ R^p, ω ∈ R^p (λ_j = e^{ω_j}), f = (1/2n)‖Xθ − y‖², ∇²f = K = XᵀX/n.\n"
        "Support S = {j : θ_j ≠ 0}: H v = D K D v + λmax(K)(I − D)v, "
        "C = diag(λ_j sign θ_j); dθ_S/dω_S = −K_SS⁻¹ diag(λ_S sign θ_S), "
        "dθ/dω_j = 0 off S, so ∇F_j = −λ_j sign(θ_j) a_j with a_S = K_SS⁻¹(∇θL)_S "
        "and ∇F_j = 0 for every feature outside the support (Bertrand et al. 2020, "
        "2022: sparse-ho).\n"
        "Unrolled: ISTA steps Φ(θ) = ST(θ − η∇f(θ), ηλ), ∂Φ/∂ω = −η D⁺ diag(λ_j sign z_j).\n"
        "With every ω_j = c it is lasso at ω = c (θ* the same; ∇F of lasso = Σ_j ∇F_j).  "
        "Default: every ω_j = log(λ_max/10), λ_max = ‖Xᵀy/n‖∞; solver cd.\n" BL_WRAP_NOTES,
    .params = wlasso_params,
    .nparams = sizeof wlasso_params / sizeof wlasso_params[0],
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .estimators = "exact fd",
    .init = wlasso_init,
    BL_WRAP_METHODS
    .cd_sweep = bl_wrap_cd_sweep,
};
