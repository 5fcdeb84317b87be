/* cleaning.c: data hyper-cleaning, one weight per training sample
 * (doc/catalogue.md, "Problems (first catalogue)", `cleaning`;
 * doc/problems/cleaning.md).
 *
 *   G(θ, ω) = (1/n) Σ_i σ(ω_i) log(1 + exp(−y_i x_iᵀθ)) + (μ/2)‖θ‖²
 *   L(θ, ω) = (1/m) Σ_k log(1 + exp(−y_k x_kᵀθ))       (validation)
 *
 * The outer problem learns which training labels to trust: samples with
 * σ(ω_i) < ½ are flagged as corrupted, and against the mask that
 * `data synth classification rho=…` keeps, the report gives precision and
 * recall. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "logistic.h"
#include "losses.h"
#include "stoch.h"

enum { PAR_MU, NPAR };

static const bl_param cl_params[NPAR] = {
    {"mu", 1e-3, 0, 1e6, 0, "fixed ridge μ of (μ/2)‖θ‖² in G", NULL},
};

typedef struct {
    bl_logit lg;
    double mu;
    const gsl_vector *flipped;   /* borrowed from the data, or NULL */
    gsl_vector *w, *q, *u;       /* workspace, n each */
} cl_state;

static void cl_state_free(cl_state *s)
{
    if (!s) return;
    bl_logit_release(&s->lg);
    gsl_vector_free(s->w);
    gsl_vector_free(s->q);
    gsl_vector_free(s->u);
    free(s);
}

static int cl_work(cl_state *s, size_t n)
{
    s->w = gsl_vector_alloc(n);
    s->q = gsl_vector_alloc(n);
    s->u = gsl_vector_alloc(n);
    return s->w && s->q && s->u ? BL_OK : BL_ENOMEM;
}

static int cl_init(bl_problem *P, bl_err *e)
{
    cl_state *s = calloc(1, sizeof *s);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building cleaning");
        return BL_ENOMEM;
    }
    int st = bl_logit_init(&s->lg, P->data, "cleaning", e);
    if (st) {
        free(s);
        return st;
    }
    size_t n = s->lg.y->size;
    if (cl_work(s, n) != BL_OK) {
        cl_state_free(s);
        bl_err_set(e, BL_ENOMEM, "out of memory building cleaning with n=%zu", n);
        return BL_ENOMEM;
    }
    s->mu = P->par[PAR_MU];
    s->flipped = P->data->flipped && P->data->flipped->size == n ? P->data->flipped : NULL;
    P->p = bl_dmat_cols(s->lg.X);
    P->d = n;
    P->state = s;
    return BL_OK;
}

static void cl_free(bl_problem *P)
{
    cl_state_free(P->state);
    P->state = NULL;
}

static int cl_clone(const bl_problem *src, bl_problem *dst)
{
    const cl_state *a = src->state;
    cl_state *b = calloc(1, sizeof *b);
    if (!b) return BL_ENOMEM;
    if (bl_logit_clone(&a->lg, &b->lg) != BL_OK || cl_work(b, src->d) != BL_OK) {
        cl_state_free(b);
        return BL_ENOMEM;
    }
    b->mu = a->mu;
    b->flipped = a->flipped;
    dst->state = b;
    return BL_OK;
}

/* s->w ← σ(ω) */
static const gsl_vector *weights(cl_state *s, cvec *om)
{
    for (size_t i = 0; i < s->w->size; i++)
        gsl_vector_set(s->w, i, bl_sigmoid(gsl_vector_get(om, i)));
    return s->w;
}

static double cl_G(bl_problem *P, cvec *th, cvec *om)
{
    cl_state *s = P->state;
    double nt = gsl_blas_dnrm2(th);
    return bl_logit_loss(&s->lg, th, weights(s, om)) + 0.5 * s->mu * nt * nt;
}

static double cl_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    cl_state *s = P->state;
    return bl_logit_outer(&s->lg, th);
}

static void cl_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    cl_state *s = P->state;
    bl_logit_grad(&s->lg, th, weights(s, om), g);
    gsl_blas_daxpy(s->mu, th, g);
}

/* ∂G/∂ω_i = (1/n) σ'(ω_i) log(1 + e^{−z_i}), σ' = σ(1 − σ) */
static void cl_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    cl_state *s = P->state;
    size_t n = P->d;
    bl_logit_margins(&s->lg, th);
    for (size_t i = 0; i < n; i++) {
        double w = gsl_vector_get(om, i);
        gsl_vector_set(g, i, bl_sigmoid(w) * bl_sigmoid(-w)
                             * bl_softplus(-gsl_vector_get(s->lg.z, i)) / (double)n);
    }
}

static void cl_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    cl_state *s = P->state;
    bl_logit_outer_grad(&s->lg, th, g);
}

static void cl_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static void cl_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    cl_state *s = P->state;
    bl_logit_hvp(&s->lg, th, weights(s, om), v, out);
    gsl_blas_daxpy(s->mu, v, out);
}

/* Row i of C is q_i x_iᵀ with q_i = −(1/n) σ'(ω_i) y_i σ(−z_i): s->q ← q. */
static void c_rows(cl_state *s, cvec *th, cvec *om)
{
    size_t n = s->q->size;
    bl_logit_margins(&s->lg, th);
    for (size_t i = 0; i < n; i++) {
        double w = gsl_vector_get(om, i);
        gsl_vector_set(s->q, i, -bl_sigmoid(w) * bl_sigmoid(-w) * gsl_vector_get(s->lg.y, i)
                                    * bl_sigmoid(-gsl_vector_get(s->lg.z, i)) / (double)n);
    }
}

/* C v = q ∘ (X v) */
static void cl_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    cl_state *s = P->state;
    c_rows(s, th, om);
    bl_dmat_gemv(CblasNoTrans, 1.0, s->lg.X, v, 0.0, out);
    gsl_vector_mul(out, s->q);
}

/* Cᵀu = Xᵀ(q ∘ u) */
static void cl_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    cl_state *s = P->state;
    c_rows(s, th, om);
    gsl_vector_memcpy(s->u, u);
    gsl_vector_mul(s->u, s->q);
    bl_dmat_gemv(CblasTrans, 1.0, s->lg.X, s->u, 0.0, out);
}

static int cl_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    cl_state *s = P->state;
    bl_logit_hessian(&s->lg, th, weights(s, om), H);
    for (size_t j = 0; j < P->p; j++) gsl_matrix_set(H, j, j, gsl_matrix_get(H, j, j) + s->mu);
    return BL_OK;
}

/* σ(ω_i) < 1 and σ(z)σ(−z) ≤ ¼: λmax(H) ≤ λmax(XᵀX/n)/4 + μ */
static double cl_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    cl_state *s = P->state;
    return 0.25 * s->lg.lmax + s->mu;
}

static void cl_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

static int cl_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)th;
    cl_state *s = P->state;
    size_t n = P->d, flagged = 0, flips = 0, hit = 0;
    for (size_t i = 0; i < n; i++) {
        int f = bl_sigmoid(gsl_vector_get(om, i)) < 0.5;
        flagged += f;
        if (s->flipped && gsl_vector_get(s->flipped, i) != 0) {
            flips++;
            hit += f;
        }
    }
    if (!s->flipped) {
        snprintf(buf, len, "σ(ω_i) < ½ flags %zu of %zu training samples (no mask of "
                 "flipped labels: 'data synth classification rho=…' keeps one)", flagged, n);
        return BL_OK;
    }
    char prec[32] = "- (nothing flagged)", rec[32] = "- (nothing flipped)";
    if (flagged) snprintf(prec, sizeof prec, "%.4g", (double)hit / (double)flagged);
    if (flips) snprintf(rec, sizeof rec, "%.4g", (double)hit / (double)flips);
    snprintf(buf, len, "σ(ω_i) < ½ flags %zu of %zu training samples; %zu of the %zu "
             "flipped labels found: precision %s, recall %s", flagged, n, hit, flips,
             prec, rec);
    return BL_OK;
}

/* ---- minibatch oracles (stoch.h): means over the index set B (repeats
 * counted) of the per-sample terms g_i = σ(ω_i) ℓ_i(θ), ℓ_i(θ) =
 * log(1 + e^{−z_i}), plus the ridge (μ/2)‖θ‖², which is not a sum over
 * samples and comes whole with every batch:
 *   G_B(θ, ω) = (1/|B|) Σ_{i∈B} σ(ω_i) ℓ_i(θ) + (μ/2)‖θ‖²
 *   L_B'(θ)   = (1/|B'|) Σ_{k∈B'} log(1 + e^{−y_k x_kᵀθ})   (validation)
 * so Σ_B (|B|/n) G_B = G over a partition.  ω has one coordinate per
 * training sample: ∂G_B/∂ω_i = (c_i/|B|) σ'(ω_i) ℓ_i(θ), c_i the count of
 * i in B, is zero off the batch and |B|/n times larger on it than the
 * full ∂G/∂ω_i — the scaling that makes E ∇ωG_B = ∇ωG for uniform draws.
 * Rows of C_B likewise: (c_i/|B|) q̃_i x_iᵀ, q̃_i = −σ'(ω_i) y_i σ(−z_i).
 * No workspace is written: the hooks only read the state. ---- */

static size_t cl_n_inner(const bl_problem *P) { return P->d; }
static size_t cl_n_outer(const bl_problem *P) { return bl_dmat_rows(((cl_state *)P->state)->lg.Xv); }

/* the margin z_i = y_i x_iᵀθ of training sample I */
static double mb_margin(const cl_state *s, size_t i, cvec *th)
{
    return gsl_vector_get(s->lg.y, i) * bl_dmat_rowdot(s->lg.X, i, th);
}

/* σ'(ω_i) = σ(ω_i)σ(−ω_i) */
static double dsig(cvec *om, size_t i)
{
    double w = gsl_vector_get(om, i);
    return bl_sigmoid(w) * bl_sigmoid(-w);
}

/* q̃_i = −σ'(ω_i) y_i σ(−z_i): row i of C is (1/n) q̃_i x_iᵀ */
static double mb_crow(const cl_state *s, size_t i, cvec *th, cvec *om)
{
    return -dsig(om, i) * gsl_vector_get(s->lg.y, i) * bl_sigmoid(-mb_margin(s, i, th));
}

static void mb_G_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    const cl_state *s = P->state;
    gsl_vector_set_zero(g);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        double yi = gsl_vector_get(s->lg.y, i);
        bl_dmat_rowaxpy(-bl_sigmoid(gsl_vector_get(om, i)) * yi * bl_sigmoid(-mb_margin(s, i, th)),
                   s->lg.X, i, g);
    }
    gsl_vector_scale(g, 1.0 / (double)m);
    gsl_blas_daxpy(s->mu, th, g);
}

static void mb_G_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    const cl_state *s = P->state;
    gsl_vector_set_zero(g);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        g->data[i * g->stride] += dsig(om, i) * bl_softplus(-mb_margin(s, i, th)) / (double)m;
    }
}

static void mb_L_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    (void)om;
    const cl_state *s = P->state;
    gsl_vector_set_zero(g);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        double yk = gsl_vector_get(s->lg.yv, i);
        bl_dmat_rowaxpy(-yk * bl_sigmoid(-yk * bl_dmat_rowdot(s->lg.Xv, i, th)), s->lg.Xv, i, g);
    }
    gsl_vector_scale(g, 1.0 / (double)m);
}

static void mb_L_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    (void)P, (void)th, (void)om, (void)idx, (void)m;
    gsl_vector_set_zero(g);
}

static void mb_hvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                   gsl_vector *out)
{
    const cl_state *s = P->state;
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        double z = mb_margin(s, i, th);
        double c = bl_sigmoid(gsl_vector_get(om, i)) * bl_sigmoid(z) * bl_sigmoid(-z);
        bl_dmat_rowaxpy(c * bl_dmat_rowdot(s->lg.X, i, v), s->lg.X, i, out);
    }
    gsl_vector_scale(out, 1.0 / (double)m);
    gsl_blas_daxpy(s->mu, v, out);
}

/* (C_B v)_i = (c_i/|B|) q̃_i x_iᵀv */
static void mb_cvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                   gsl_vector *out)
{
    const cl_state *s = P->state;
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        out->data[i * out->stride] += mb_crow(s, i, th, om) * bl_dmat_rowdot(s->lg.X, i, v)
                                      / (double)m;
    }
}

/* C_Bᵀu = (1/|B|) Σ_{i∈B} q̃_i u_i x_i */
static void mb_ctvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *u,
                    gsl_vector *out)
{
    const cl_state *s = P->state;
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        bl_dmat_rowaxpy(mb_crow(s, i, th, om) * gsl_vector_get(u, i), s->lg.X, i, out);
    }
    gsl_vector_scale(out, 1.0 / (double)m);
}

static const bl_minibatch cl_mb = {
    .n_inner = cl_n_inner, .n_outer = cl_n_outer,
    .G_theta = mb_G_theta, .G_omega = mb_G_omega,
    .L_theta = mb_L_theta, .L_omega = mb_L_omega,
    .hvp = mb_hvp, .cvp = mb_cvp, .ctvp = mb_ctvp,
};

const bl_problem_type bl_problem_cleaning = {
    .name = "cleaning",
    .summary = "data hyper-cleaning: one weight σ(ω_i) per training sample",
    .inner_text = "G(θ, ω) = (1/n) Σ σ(ω_i) log(1 + exp(−y_i x_iᵀθ)) + (μ/2)‖θ‖²",
    .outer_text = "L(θ, ω) = (1/m) Σ log(1 + exp(−y_k x_kᵀθ)) on validation",
    .notes =
        "θ ∈ R^p, ω ∈ R^n (d = n, one per training sample); σ the logistic sigmoid; "
        "labels as logreg ({0, 1} mapped to {−1, +1}).  z_i = y_i x_iᵀθ.\n"
        "H = (1/n) Σ σ(ω_i) σ(z_i)σ(−z_i) x_i x_iᵀ + μI, row i of C is "
        "−(1/n) σ'(ω_i) y_i σ(−z_i) x_iᵀ, ∂G/∂ω_i = (1/n) σ'(ω_i) log(1 + e^{−z_i}); "
        "λmax(H) ≤ λmax(XᵀX/n)/4 + μ.\n"
        "show reports how well σ(ω_i) < ½ finds the labels flipped by 'data synth "
        "classification rho=…': precision = found/flagged, recall = found/flipped.",
    .params = cl_params,
    .nparams = NPAR,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION | BL_PROB_CONVEX,
    .dataset = "breast_cancer",
    .init = cl_init,
    .free = cl_free,
    .clone = cl_clone,
    .G = cl_G,
    .L = cl_L,
    .G_theta = cl_G_theta,
    .G_omega = cl_G_omega,
    .L_theta = cl_L_theta,
    .L_omega = cl_L_omega,
    .hvp = cl_hvp,
    .cvp = cl_cvp,
    .ctvp = cl_ctvp,
    .hessian = cl_hessian,
    .lipschitz = cl_lipschitz,
    .omega0 = cl_omega0,
    .report = cl_report,
    .mb = &cl_mb,
};
