/* l1logreg.c: ℓ1-regularised logistic regression (as sparse-ho has it;
 * doc/problems/l1logreg.md, doc/catalogue.md "l1logreg"):
 *
 *   G(θ, ω) = (1/n) Σ_i log(1 + exp(−y_i x_iᵀθ)) + e^ω ‖θ‖₁,   ω ∈ R
 *   L(θ, ω) = (1/m) Σ_k log(1 + exp(−y_k x_kᵀθ))  (validation split)
 *
 * f = the training logistic loss (logistic.h), ∇²f = (1/n) Xᵀ diag(σ(z)σ(−z)) X,
 * λ = e^ω, D = diag(θ_j ≠ 0), L_f = λmax(XᵀX/n)/4 ≥ λmax(∇²f):
 *   ∇θG = ∇f + λ sign θ,  H v = D ∇²f D v + L_f (I − D) v,  C v = λ sign(θ)ᵀv,
 * so dθ_S/dω = −λ (∇²f)_SS⁻¹ sign θ_S, 0 off S (implicit differentiation on
 * the support, Bertrand et al. 2022).  The ISTA step Φ(θ) = ST(z, ηλ),
 * z = θ − η∇f(θ), D⁺ = diag(|z_j| > ηλ): ∂Φ/∂θ = D⁺(I − η∇²f(θ)),
 * ∂Φ/∂ω = −ηλ D⁺ sign z.  cd: safeguarded proximal Newton steps per
 * coordinate, falling back on the bound ‖x_j‖²/4n on ∂²f/∂θ_j² (no
 * closed-form coordinate minimiser). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "logistic.h"
#include "wrap.h"

typedef struct {
    bl_logit lg;
    double lam_max;        /* ‖∇f(0)‖∞: θ* = 0 for λ ≥ lam_max */
    gsl_vector *w1, *w2;   /* workspace, p */
    gsl_vector *h;         /* ‖x_j‖²/4n: coordinate j's curvature bound (cd) */
    gsl_vector *zm;        /* workspace, n: margins y_i x_iᵀθ (cd) */
} l1l_state;

static void l1l_state_free(l1l_state *s)
{
    if (!s) return;
    bl_logit_release(&s->lg);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    gsl_vector_free(s->h);
    gsl_vector_free(s->zm);
    free(s);
}

/* h_j = ‖x_j‖²/4n and the margin workspace */
static int l1l_cd_alloc(l1l_state *s)
{
    const gsl_matrix *X = s->lg.X.d;
    size_t n = X->size1, p = X->size2;
    s->h = gsl_vector_alloc(p);
    s->zm = gsl_vector_alloc(n);
    if (!s->h || !s->zm) return BL_ENOMEM;
    for (size_t j = 0; j < p; j++) {
        gsl_vector_const_view c = gsl_matrix_const_column(X, j);
        double nr = gsl_blas_dnrm2(&c.vector);
        gsl_vector_set(s->h, j, nr * nr / (4.0 * (double)n));
    }
    return BL_OK;
}

static int l1l_init(bl_problem *P, bl_err *e)
{
    l1l_state *s = calloc(1, sizeof *s);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building l1logreg");
        return BL_ENOMEM;
    }
    int st = bl_dataset_check(P->data, "l1logreg", e);     /* dense only */
    if (st == BL_OK) st = bl_logit_init(&s->lg, P->data, "l1logreg", e);
    if (st) {
        free(s);
        return st;
    }
    size_t p = s->lg.X.d->size2;
    s->w1 = gsl_vector_calloc(p);
    s->w2 = gsl_vector_alloc(p);
    if (!s->w1 || !s->w2 || l1l_cd_alloc(s)) {
        l1l_state_free(s);
        bl_err_set(e, BL_ENOMEM, "out of memory building l1logreg");
        return BL_ENOMEM;
    }
    bl_logit_grad(&s->lg, s->w1, NULL, s->w2);     /* ∇f(0) */
    for (size_t j = 0; j < p; j++) s->lam_max = fmax(s->lam_max, fabs(gsl_vector_get(s->w2, j)));
    P->p = p;
    P->d = 1;
    P->state = s;
    return BL_OK;
}

static void l1l_free(bl_problem *P)
{
    l1l_state_free(P->state);
    P->state = NULL;
}

static int l1l_clone(const bl_problem *src, bl_problem *dst)
{
    const l1l_state *a = src->state;
    l1l_state *b = calloc(1, sizeof *b);
    if (!b) return BL_ENOMEM;
    if (bl_logit_clone(&a->lg, &b->lg) != BL_OK) {
        free(b);
        return BL_ENOMEM;
    }
    b->lam_max = a->lam_max;
    b->w1 = gsl_vector_alloc(src->p);
    b->w2 = gsl_vector_alloc(src->p);
    if (!b->w1 || !b->w2 || l1l_cd_alloc(b)) {
        l1l_state_free(b);
        return BL_ENOMEM;
    }
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om) { return exp(gsl_vector_get(om, 0)); }
static double sgn(double t) { return (t > 0) - (t < 0); }
static double soft(double t, double k) { return t > k ? t - k : t < -k ? t + k : 0.0; }

static double l1l_G(bl_problem *P, cvec *th, cvec *om)
{
    l1l_state *s = P->state;
    return bl_logit_loss(&s->lg, th, NULL) + lam(om) * gsl_blas_dasum(th);
}

static double l1l_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    l1l_state *s = P->state;
    return bl_logit_outer(&s->lg, th);
}

static void l1l_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    l1l_state *s = P->state;
    double l = lam(om);
    bl_logit_grad(&s->lg, th, NULL, g);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(g, j, gsl_vector_get(g, j) + l * sgn(gsl_vector_get(th, j)));
}

static void l1l_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, lam(om) * gsl_blas_dasum(th));
}

static void l1l_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    l1l_state *s = P->state;
    bl_logit_outer_grad(&s->lg, th, g);
}

static void l1l_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static double l1l_lf(const l1l_state *s) { return 0.25 * s->lg.lmax; }

static double l1l_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    return l1l_lf(P->state);
}

/* H v = D ∇²f D v + L_f (I − D) v */
static void l1l_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)om;
    l1l_state *s = P->state;
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(s->w2, j, gsl_vector_get(th, j) != 0 ? gsl_vector_get(v, j) : 0.0);
    bl_logit_hvp(&s->lg, th, NULL, s->w2, out);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(out, j, gsl_vector_get(th, j) != 0 ? gsl_vector_get(out, j)
                                                          : l1l_lf(s) * gsl_vector_get(v, j));
}

static int l1l_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)om;
    l1l_state *s = P->state;
    size_t p = th->size;
    bl_logit_hessian(&s->lg, th, NULL, H);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            int ai = gsl_vector_get(th, i) != 0, aj = gsl_vector_get(th, j) != 0;
            if (!(ai && aj)) gsl_matrix_set(H, i, j, i == j ? l1l_lf(s) : 0.0);
        }
    return BL_OK;
}

/* C v = λ sign(θ)ᵀv;  Cᵀu = λ u sign θ */
static void l1l_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    double t = 0;
    for (size_t j = 0; j < th->size; j++) t += sgn(gsl_vector_get(th, j)) * gsl_vector_get(v, j);
    gsl_vector_set(out, 0, lam(om) * t);
}

static void l1l_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P;
    double a = lam(om) * gsl_vector_get(u, 0);
    for (size_t j = 0; j < th->size; j++) gsl_vector_set(out, j, a * sgn(gsl_vector_get(th, j)));
}

/* z = θ − η∇f(θ) into s->w1 */
static void step_z(l1l_state *s, cvec *th, double eta)
{
    bl_logit_grad(&s->lg, th, NULL, s->w1);
    gsl_vector_scale(s->w1, -eta);
    gsl_vector_add(s->w1, th);
}

static void l1l_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    l1l_state *s = P->state;
    double k = eta * lam(om);
    step_z(s, th, eta);
    for (size_t j = 0; j < th->size; j++) gsl_vector_set(out, j, soft(gsl_vector_get(s->w1, j), k));
}

/* w = D⁺α: gth = w − η∇²f(θ) w, gom = −ηλ sign(z)ᵀw */
static void l1l_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                         gsl_vector *gth, gsl_vector *gom)
{
    l1l_state *s = P->state;
    double l = lam(om), k = eta * l, g0 = 0;
    step_z(s, th, eta);
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j), a = fabs(z) > k ? gsl_vector_get(alpha, j) : 0.0;
        gsl_vector_set(s->w2, j, a);
        g0 += sgn(z) * a;
    }
    gsl_vector_set(gom, 0, -eta * l * g0);
    if (gth) {
        bl_logit_hvp(&s->lg, th, NULL, s->w2, gth);
        gsl_vector_scale(gth, -eta);
        gsl_vector_add(gth, s->w2);
    }
}

/* out = D⁺[v − η∇²f(θ)v − ηλu sign z] */
static void l1l_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                         gsl_vector *out)
{
    l1l_state *s = P->state;
    double l = lam(om), k = eta * l, u0 = gsl_vector_get(u, 0);
    if (v) {
        bl_logit_hvp(&s->lg, th, NULL, v, out);
        gsl_vector_scale(out, -eta);
        gsl_vector_add(out, v);
    } else {
        gsl_vector_set_zero(out);
    }
    step_z(s, th, eta);
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j);
        double o = gsl_vector_get(out, j) - eta * l * u0 * sgn(z);
        gsl_vector_set(out, j, fabs(z) > k ? o : 0.0);
    }
}

/* One cyclic pass of coordinate proximal steps with the coordinate's
 * curvature bound h_j = ‖x_j‖²/4n ≥ ∂²f/∂θ_j² (a majorisation, so G never
 * rises): θ_j ← ST(θ_j − g_j/h_j, λ/h_j), g_j = ∂f/∂θ_j, the margins
 * z_i = y_i x_iᵀθ kept up to date (O(n) a coordinate). */
/* log(1 + e^{−z}) without overflow */
static double softplus_neg(double z)
{
    return z >= 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
}

/* One sweep of coordinate descent on f + λ‖θ‖₁.  Each coordinate takes up
 * to four proximal Newton steps on its own: the step uses the local
 * curvature (1/n) Σ x_ij² σ(z_i)σ(−z_i) and is kept only when it lowers
 * the objective; otherwise the step with the global bound h_j = ‖x_j‖²/4n,
 * which majorises f along θ_j and so never raises it, is taken instead.
 * z = y ⊙ Xθ is kept up to date in zm. */
static int l1l_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om)
{
    l1l_state *s = P->state;
    const gsl_matrix *X = s->lg.X.d;
    const gsl_vector *y = s->lg.y;
    size_t n = X->size1;
    double l = lam(om);
    gsl_blas_dgemv(CblasNoTrans, 1.0, X, th, 0.0, s->zm);
    gsl_vector_mul(s->zm, y);
    for (size_t j = 0; j < th->size; j++) {
        double hj = gsl_vector_get(s->h, j);
        if (hj <= 0) continue;
        for (int k = 0; k < 4; k++) {
            double tj = gsl_vector_get(th, j), g = 0, hl = 0;
            for (size_t i = 0; i < n; i++) {
                double z = gsl_vector_get(s->zm, i);
                double sm = z >= 0 ? exp(-z) / (1.0 + exp(-z)) : 1.0 / (1.0 + exp(z)); /* σ(−z) */
                double x = gsl_matrix_get(X, i, j);
                g -= sm * gsl_vector_get(y, i) * x;
                hl += sm * (1.0 - sm) * x * x;
            }
            g /= (double)n;
            hl /= (double)n;
            double t = hl > 0 ? soft(tj - g / hl, l / hl) : tj;
            int newton = t != tj;
            if (newton) {
                /* the change of f + λ|θ_j| for the Newton step */
                double d = t - tj, df = 0;
                for (size_t i = 0; i < n; i++) {
                    double z = gsl_vector_get(s->zm, i);
                    double zn = z + d * gsl_vector_get(y, i) * gsl_matrix_get(X, i, j);
                    df += softplus_neg(zn) - softplus_neg(z);
                }
                df = df / (double)n + l * (fabs(t) - fabs(tj));
                newton = df < 0;
            }
            if (!newton) t = soft(tj - g / hj, l / hj);
            if (t == tj) break;
            for (size_t i = 0; i < n; i++)
                gsl_vector_set(s->zm, i, gsl_vector_get(s->zm, i)
                               + (t - tj) * gsl_vector_get(y, i) * gsl_matrix_get(X, i, j));
            gsl_vector_set(th, j, t);
            if (!newton || fabs(t - tj) <= 1e-15 * (fabs(t) + 1e-300)) break;
        }
    }
    return BL_OK;
}

static void l1l_omega0(bl_problem *P, gsl_vector *om)
{
    l1l_state *s = P->state;
    gsl_vector_set(om, 0, log(s->lam_max > 0 ? 0.1 * s->lam_max : 1.0));
}

static int l1l_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    l1l_state *s = P->state;
    size_t k = 0;
    double a, b;
    for (size_t j = 0; j < th->size; j++) k += gsl_vector_get(th, j) != 0;
    bl_logit_accuracy(&s->lg, th, &a, &b);
    snprintf(buf, len, "support S = {j : θ_j ≠ 0}: %zu of %zu features; accuracy "
             "training %.4g, validation %.4g\nλ = e^ω = %.6g; θ* = 0 for λ ≥ ‖∇f(0)‖∞ = "
             "%.6g; F is kinked where S changes", k, th->size, a, b, lam(om), s->lam_max);
    return BL_OK;
}

static const bl_problem_type l1logreg_base = {
    .name = "l1logreg",
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .init = l1l_init,
    .free = l1l_free,
    .clone = l1l_clone,
    .G = l1l_G,
    .L = l1l_L,
    .G_theta = l1l_G_theta,
    .G_omega = l1l_G_omega,
    .L_theta = l1l_L_theta,
    .L_omega = l1l_L_omega,
    .hvp = l1l_hvp,
    .cvp = l1l_cvp,
    .ctvp = l1l_ctvp,
    .hessian = l1l_hessian,
    .lipschitz = l1l_lipschitz,
    .omega0 = l1l_omega0,
    .report = l1l_report,
    .step = l1l_step,
    .step_vjp = l1l_step_vjp,
    .step_jvp = l1l_step_jvp,
    .cd_sweep = l1l_cd_sweep,
};

static const bl_param l1logreg_params[] = {BL_WRAP_PARAMS};

static int l1logreg_init(bl_problem *P, bl_err *e)
{
    return bl_wrap_init(P, &l1logreg_base, e);
}

const bl_problem_type bl_problem_l1logreg = {
    .name = "l1logreg",
    .summary = "ℓ1-regularised logistic regression, one log-strength ω (sparse-ho); non-smooth",
    .inner_text = "G(θ, ω) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) + e^ω ‖θ‖₁",
    .outer_text = "L(θ, ω) = (1/m) Σ log(1 + exp(−y_k x_kᵀθ)) on validation",
    .notes =
        "θ ∈ R^p (no intercept), ω ∈ R (λ = e^ω); labels y ∈ {−1, +1} ({0, 1} mapped); "
        "f the training logistic loss, ∇²f = (1/n) Xᵀ diag(σ(z_i)σ(−z_i)) X.\n"
        "Support S = {j : θ_j ≠ 0}: H v = D∇²f D v + L_f(I − D)v with L_f = "
        "λmax(XᵀX/n)/4, C = λ sign(θ)ᵀ; dθ_S/dω = −λ (∇²f)_SS⁻¹ sign θ_S, 0 off S "
        "(Bertrand et al. 2022, sparse-ho).\n"
        "Unrolled: ISTA steps Φ(θ) = ST(θ − η∇f(θ), ηλ), ∂Φ/∂θ = D⁺(I − η∇²f), "
        "∂Φ/∂ω = −ηλ D⁺ sign z.  Solver cd: per coordinate, up to four proximal "
        "Newton steps with the local curvature, each kept only where it lowers G, "
        "else the step with the bound ‖x_j‖²/4n (never raises G; fista also solves "
        "it, more slowly); default "
        "ω = log(λ_max/10), λ_max = ‖∇f(0)‖∞ = ‖Xᵀy‖∞/2n.\n" BL_WRAP_NOTES,
    .params = l1logreg_params,
    .nparams = sizeof l1logreg_params / sizeof l1logreg_params[0],
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .dataset = "breast_cancer",
    .estimators = "exact fd",
    .init = l1logreg_init,
    BL_WRAP_METHODS
    .cd_sweep = bl_wrap_cd_sweep,
};
