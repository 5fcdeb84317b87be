/* oed.c: optimal experimental design of the heat problem's sensors
 * (doc/problems/oed.md; Haber, Horesh and Tenorio 2008).
 *
 *   G(θ, ω) = Σ_k [ ½ Σ_i w_i (S P θ_k − d_k)_i² + (a₁/2)‖Dθ_k‖² + (a₂/2)‖θ_k‖² ]
 *   L(θ, ω) = (1/K) Σ_k ‖θ_k − u₀^k‖²/(2N) + β Σ_i w_i,     w_i = softplus(ω_i)
 *
 * ω ∈ R^s are the design: one weight w_i > 0 per candidate sensor.  K
 * training initial states u₀^k (random bumps) give K data sets d_k of the
 * same s sensors; the inner problem is K independent weighted
 * data-assimilation least squares (heat's G with weights, fixed
 * regularisation), θ = (θ_1 … θ_K) ∈ R^{KN}, so H is block diagonal with K
 * equal blocks H_w = P SᵀW S P + a₁DᵀD + a₂I.  The outer loss is the mean
 * reconstruction error over the K states (a sample estimate of the Bayes
 * risk of the design) plus the budget β Σ w_i, which pushes useless sensors
 * towards w = 0.  The propagation P and D are heat's (heat_ops.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "closed.h"
#include "heat_ops.h"
#include "linalg.h"

enum {
    PAR_N, PAR_NT, PAR_DT, PAR_KAPPA, PAR_S, PAR_K, PAR_NOISE, PAR_REG1, PAR_REG2,
    PAR_BUDGET, PAR_LO, PAR_HI, PAR_SEED, NPAR
};

static const bl_param oed_params[NPAR] = {
    {"N", 50, 3, 20000, 1, "interior grid points of one initial state", NULL},
    {"nt", 10, 1, 100000, 1, "implicit Euler steps from the initial to the final state", NULL},
    {"dt", 1e-3, 1e-12, 1e6, 0, "time step Δt", NULL},
    {"kappa", 1, 1e-12, 1e6, 0, "diffusivity κ", NULL},
    {"s", 25, 1, 20000, 1, "candidate sensors (dimension of ω; at most N)", NULL},
    {"K", 8, 1, 1000, 1, "training initial states (θ ∈ R^{KN})", NULL},
    {"noise", 0.01, 0, 1e3, 0, "standard deviation of the sensor noise", NULL},
    {"reg1", -6, -50, 50, 0, "log-strength a₁ = e^reg1 of the smoothing (a₁/2)‖Dθ_k‖²", NULL},
    {"reg2", -9, -50, 50, 0, "log-strength a₂ = e^reg2 of the shrinkage (a₂/2)‖θ_k‖²", NULL},
    {"budget", 1e-4, 0, 1e6, 0, "β: the price β Σ_i w_i of the sensors in L", NULL},
    {"lo", 0.2, 0, 1, 0, "bump centres of the training states are uniform in [lo, hi]", NULL},
    {"hi", 0.6, 0, 1, 0, "(see lo)", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the states and noise", NULL},
};

typedef struct {
    bl_heat_grid g;
    size_t N, s, K;
    double a1, a2, budget;
    size_t *idx;            /* sensor indices, s */
    gsl_matrix *U0;         /* K×N training initial states */
    gsl_matrix *Dat;        /* K×s readings */
    gsl_vector *a, *b, *c;  /* workspace, N */
    gsl_vector *rs, *ws;    /* workspace, s */
    gsl_matrix *R;          /* workspace K×s: residuals S P θ_k − d_k */
} oed_state;

static void oed_state_free(oed_state *o)
{
    if (!o) return;
    bl_heat_grid_release(&o->g);
    free(o->idx);
    gsl_matrix_free(o->U0);
    gsl_matrix_free(o->Dat);
    gsl_vector_free(o->a);
    gsl_vector_free(o->b);
    gsl_vector_free(o->c);
    gsl_vector_free(o->rs);
    gsl_vector_free(o->ws);
    gsl_matrix_free(o->R);
    free(o);
}

static oed_state *oed_state_alloc(size_t N, size_t s, size_t K)
{
    oed_state *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->N = N;
    o->s = s;
    o->K = K;
    o->idx = malloc(s * sizeof *o->idx);
    o->U0 = gsl_matrix_alloc(K, N);
    o->Dat = gsl_matrix_alloc(K, s);
    o->a = gsl_vector_alloc(N);
    o->b = gsl_vector_alloc(N);
    o->c = gsl_vector_alloc(N);
    o->rs = gsl_vector_alloc(s);
    o->ws = gsl_vector_alloc(s);
    o->R = gsl_matrix_alloc(K, s);
    if (!o->idx || !o->U0 || !o->Dat || !o->a || !o->b || !o->c || !o->rs || !o->ws || !o->R) {
        oed_state_free(o);
        return NULL;
    }
    return o;
}

/* softplus(t) = log(1 + e^t) and its derivative σ(t), without overflow */
static double softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }
static double sigm(double t) { return t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t)); }

/* a bump exp(−(x − c)²/(2·0.05²)) */
static double bump(double x, double c)
{
    double t = (x - c) / 0.05;
    return exp(-0.5 * t * t);
}

/* o->c ← P x */
static void prop(oed_state *o, const gsl_vector *x)
{
    bl_heat_propagate(&o->g, x, o->c, o->a, o->b);
}

/* out ← P Sᵀ q (the adjoint: P is symmetric) */
static void adjoint_of(oed_state *o, const gsl_vector *q, gsl_vector *out)
{
    gsl_vector_set_zero(o->c);
    for (size_t j = 0; j < o->s; j++)
        gsl_vector_set(o->c, o->idx[j], gsl_vector_get(o->c, o->idx[j]) + gsl_vector_get(q, j));
    bl_heat_propagate(&o->g, o->c, out, o->a, o->b);
}

static int oed_init(bl_problem *P, bl_err *e)
{
    size_t N = (size_t)P->par[PAR_N], s = (size_t)P->par[PAR_S], K = (size_t)P->par[PAR_K];
    double lo = P->par[PAR_LO], hi = P->par[PAR_HI];
    if (s > N) {
        bl_err_set(e, BL_EINVAL, "s=%zu sensors is more than the N=%zu grid points", s, N);
        return BL_EINVAL;
    }
    if (lo > hi) {
        bl_err_set(e, BL_EINVAL, "lo=%g is above hi=%g", lo, hi);
        return BL_EINVAL;
    }
    if ((double)K * (double)N > 2e6) {
        bl_err_set(e, BL_EINVAL, "K·N = %zu is more than 2000000 unknowns", K * N);
        return BL_EINVAL;
    }
    oed_state *o = oed_state_alloc(N, s, K);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!o || !rng || bl_heat_grid_init(&o->g, N, (size_t)P->par[PAR_NT], P->par[PAR_DT],
                                        P->par[PAR_KAPPA]) != BL_OK) {
        oed_state_free(o);
        if (rng) gsl_rng_free(rng);
        bl_err_set(e, BL_ENOMEM, "out of memory building oed with N=%zu K=%zu", N, K);
        return BL_ENOMEM;
    }
    o->a1 = exp(P->par[PAR_REG1]);
    o->a2 = exp(P->par[PAR_REG2]);
    o->budget = P->par[PAR_BUDGET];
    for (size_t j = 0; j < s; j++) o->idx[j] = bl_heat_sensor(j, s, N);
    /* Draw order (mt19937 seeded with seed): for each state k, two bumps
     * (centre lo + (hi − lo)·U, then amplitude 0.5 + U, U = gsl_rng_uniform);
     * then for each state k and sensor i the noise N(0, 1) by
     * gsl_ran_gaussian. */
    gsl_rng_set(rng, (unsigned long)P->par[PAR_SEED]);
    double h = 1.0 / (double)(N + 1);
    for (size_t k = 0; k < K; k++) {
        double c[2], amp[2];
        for (int j = 0; j < 2; j++) {
            c[j] = lo + (hi - lo) * gsl_rng_uniform(rng);
            amp[j] = 0.5 + gsl_rng_uniform(rng);
        }
        for (size_t i = 0; i < N; i++) {
            double x = (double)(i + 1) * h;
            gsl_matrix_set(o->U0, k, i, amp[0] * bump(x, c[0]) + amp[1] * bump(x, c[1]));
        }
    }
    for (size_t k = 0; k < K; k++) {
        gsl_vector_const_view u = gsl_matrix_const_row(o->U0, k);
        prop(o, &u.vector);
        for (size_t j = 0; j < s; j++)
            gsl_matrix_set(o->Dat, k, j, gsl_vector_get(o->c, o->idx[j])
                                             + P->par[PAR_NOISE] * gsl_ran_gaussian(rng, 1.0));
    }
    gsl_rng_free(rng);
    P->p = K * N;
    P->d = s;
    P->state = o;
    return BL_OK;
}

static void oed_free(bl_problem *P)
{
    oed_state_free(P->state);
    P->state = NULL;
}

static int oed_clone(const bl_problem *src, bl_problem *dst)
{
    const oed_state *a = src->state;
    oed_state *b = oed_state_alloc(a->N, a->s, a->K);
    if (!b || bl_heat_grid_copy(&b->g, &a->g) != BL_OK) {
        oed_state_free(b);
        return BL_ENOMEM;
    }
    b->a1 = a->a1;
    b->a2 = a->a2;
    b->budget = a->budget;
    for (size_t j = 0; j < a->s; j++) b->idx[j] = a->idx[j];
    gsl_matrix_memcpy(b->U0, a->U0);
    gsl_matrix_memcpy(b->Dat, a->Dat);
    dst->state = b;
    return BL_OK;
}

/* block k of θ (or of any KN-vector) */
#define block(o, th, k) gsl_vector_const_subvector((th), (k) * (o)->N, (o)->N)

/* o->R row k ← S P θ_k − d_k, for every k */
static void residuals(oed_state *o, cvec *th)
{
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_const_view t = block(o, th, k);
        prop(o, &t.vector);
        for (size_t j = 0; j < o->s; j++)
            gsl_matrix_set(o->R, k, j, gsl_vector_get(o->c, o->idx[j])
                                           - gsl_matrix_get(o->Dat, k, j));
    }
}

static double oed_G(bl_problem *P, cvec *th, cvec *om)
{
    oed_state *o = P->state;
    residuals(o, th);
    double g = 0;
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_const_view t = block(o, th, k);
        double nt = gsl_blas_dnrm2(&t.vector);
        for (size_t j = 0; j < o->s; j++) {
            double r = gsl_matrix_get(o->R, k, j);
            g += 0.5 * softplus(gsl_vector_get(om, j)) * r * r;
        }
        g += 0.5 * o->a1 * bl_heat_dnorm2(&t.vector) + 0.5 * o->a2 * nt * nt;
    }
    return g;
}

static double oed_L(bl_problem *P, cvec *th, cvec *om)
{
    oed_state *o = P->state;
    double e = 0, w = 0;
    for (size_t k = 0; k < o->K; k++)
        for (size_t i = 0; i < o->N; i++) {
            double t = gsl_vector_get(th, k * o->N + i) - gsl_matrix_get(o->U0, k, i);
            e += t * t;
        }
    for (size_t j = 0; j < o->s; j++) w += softplus(gsl_vector_get(om, j));
    return e / (2.0 * (double)o->N * (double)o->K) + o->budget * w;
}

/* ∇θ_kG = P Sᵀ(w ⊙ (S P θ_k − d_k)) + a₁DᵀDθ_k + a₂θ_k */
static void oed_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    oed_state *o = P->state;
    residuals(o, th);
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_const_view t = block(o, th, k);
        gsl_vector_view gk = gsl_vector_subvector(g, k * o->N, o->N);
        for (size_t j = 0; j < o->s; j++)
            gsl_vector_set(o->rs, j, softplus(gsl_vector_get(om, j)) * gsl_matrix_get(o->R, k, j));
        adjoint_of(o, o->rs, &gk.vector);
        bl_heat_add_dtd(o->a1, &t.vector, &gk.vector);
        gsl_blas_daxpy(o->a2, &t.vector, &gk.vector);
    }
}

/* ∂G/∂ω_i = σ(ω_i) ½ Σ_k (S P θ_k − d_k)_i² */
static void oed_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    oed_state *o = P->state;
    residuals(o, th);
    for (size_t j = 0; j < o->s; j++) {
        double q = 0;
        for (size_t k = 0; k < o->K; k++) {
            double r = gsl_matrix_get(o->R, k, j);
            q += r * r;
        }
        gsl_vector_set(g, j, 0.5 * sigm(gsl_vector_get(om, j)) * q);
    }
}

/* ∇θ_kL = (θ_k − u₀^k)/(KN) */
static void oed_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    oed_state *o = P->state;
    double c = 1.0 / ((double)o->N * (double)o->K);
    for (size_t k = 0; k < o->K; k++)
        for (size_t i = 0; i < o->N; i++)
            gsl_vector_set(g, k * o->N + i, c * (gsl_vector_get(th, k * o->N + i)
                                                 - gsl_matrix_get(o->U0, k, i)));
}

/* ∂L/∂ω_i = β σ(ω_i) */
static void oed_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)th;
    oed_state *o = P->state;
    for (size_t j = 0; j < o->s; j++) gsl_vector_set(g, j, o->budget * sigm(gsl_vector_get(om, j)));
}

/* H v, block k: P SᵀW S P v_k + a₁DᵀDv_k + a₂v_k (2·nt tridiagonal solves) */
static void oed_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th;
    oed_state *o = P->state;
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_const_view vk = block(o, v, k);
        gsl_vector_view ok = gsl_vector_subvector(out, k * o->N, o->N);
        prop(o, &vk.vector);
        for (size_t j = 0; j < o->s; j++)
            gsl_vector_set(o->rs, j, softplus(gsl_vector_get(om, j))
                                         * gsl_vector_get(o->c, o->idx[j]));
        adjoint_of(o, o->rs, &ok.vector);
        bl_heat_add_dtd(o->a1, &vk.vector, &ok.vector);
        gsl_blas_daxpy(o->a2, &vk.vector, &ok.vector);
    }
}

/* (C v)_i = σ(ω_i) Σ_k (S P θ_k − d_k)_i (S P v_k)_i */
static void oed_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    oed_state *o = P->state;
    residuals(o, th);
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_const_view vk = block(o, v, k);
        prop(o, &vk.vector);
        for (size_t j = 0; j < o->s; j++)
            gsl_vector_set(out, j, gsl_vector_get(out, j) + gsl_matrix_get(o->R, k, j)
                                                           * gsl_vector_get(o->c, o->idx[j]));
    }
    for (size_t j = 0; j < o->s; j++)
        gsl_vector_set(out, j, sigm(gsl_vector_get(om, j)) * gsl_vector_get(out, j));
}

/* (Cᵀu)_k = P Sᵀ(σ(ω) ⊙ u ⊙ (S P θ_k − d_k)) */
static void oed_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    oed_state *o = P->state;
    residuals(o, th);
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_view ok = gsl_vector_subvector(out, k * o->N, o->N);
        for (size_t j = 0; j < o->s; j++)
            gsl_vector_set(o->rs, j, sigm(gsl_vector_get(om, j)) * gsl_vector_get(u, j)
                                         * gsl_matrix_get(o->R, k, j));
        adjoint_of(o, o->rs, &ok.vector);
    }
}

/* The N×N block H_w = (SP)ᵀW(SP) + a₁DᵀD + a₂I into Hb (both triangles);
 * row j of S P is (P e_{idx_j})ᵀ: s propagations */
static int block_hessian(oed_state *o, cvec *om, gsl_matrix *Hb)
{
    size_t N = o->N;
    gsl_matrix *A = gsl_matrix_alloc(o->s, N);
    if (!A) return BL_ENOMEM;
    for (size_t j = 0; j < o->s; j++) {
        gsl_vector_view row = gsl_matrix_row(A, j);
        gsl_vector_set_basis(o->a, o->idx[j]);
        gsl_vector_memcpy(o->c, o->a);
        bl_heat_propagate(&o->g, o->c, &row.vector, o->a, o->b);
        gsl_vector_scale(&row.vector, sqrt(softplus(gsl_vector_get(om, j))));
    }
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, A, 0.0, Hb);
    gsl_matrix_free(A);
    for (size_t i = 0; i < N; i++) {
        double dd = (i == 0 || i == N - 1) ? 1.0 : 2.0;
        gsl_matrix_set(Hb, i, i, gsl_matrix_get(Hb, i, i) + o->a1 * dd + o->a2);
        if (i + 1 < N) gsl_matrix_set(Hb, i + 1, i, gsl_matrix_get(Hb, i + 1, i) - o->a1);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(Hb, j, i, gsl_matrix_get(Hb, i, j));
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < N; j++)
            if (!isfinite(gsl_matrix_get(Hb, i, j))) return BL_EDIVERGE;
    return BL_OK;
}

/* block diagonal: K copies of H_w */
static int oed_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th;
    oed_state *o = P->state;
    gsl_matrix_set_zero(H);
    gsl_matrix_view B0 = gsl_matrix_submatrix(H, 0, 0, o->N, o->N);
    int st = block_hessian(o, om, &B0.matrix);
    if (st) return st;
    for (size_t k = 1; k < o->K; k++) {
        gsl_matrix_view Bk = gsl_matrix_submatrix(H, k * o->N, k * o->N, o->N, o->N);
        gsl_matrix_memcpy(&Bk.matrix, &B0.matrix);
    }
    return BL_OK;
}

/* the Cholesky factor of H_w into a new N×N matrix */
static int factor(oed_state *o, cvec *om, gsl_matrix **F)
{
    *F = gsl_matrix_alloc(o->N, o->N);
    if (!*F) return BL_ENOMEM;
    int st = block_hessian(o, om, *F);
    if (st == BL_OK && gsl_linalg_cholesky_decomp1(*F) != GSL_SUCCESS) st = BL_ENOTPD;
    if (st) {
        gsl_matrix_free(*F);
        *F = NULL;
    }
    return st;
}

/* θ_k = H_w⁻¹ P SᵀW d_k */
static int solve_with(oed_state *o, const gsl_matrix *F, cvec *om, gsl_vector *th)
{
    for (size_t k = 0; k < o->K; k++) {
        gsl_vector_view tk = gsl_vector_subvector(th, k * o->N, o->N);
        for (size_t j = 0; j < o->s; j++)
            gsl_vector_set(o->rs, j, softplus(gsl_vector_get(om, j)) * gsl_matrix_get(o->Dat, k, j));
        adjoint_of(o, o->rs, &tk.vector);
        if (gsl_linalg_cholesky_svx(F, &tk.vector) != GSL_SUCCESS) return BL_ENOTPD;
    }
    return bl_vector_finite(th) ? BL_OK : BL_EDIVERGE;
}

/* The closed forms' dense N × N factor, against mem.max (BL_ENOMEM: not
 * computed, as an absent closed form). */
static int factor_mem(const bl_problem *P)
{
    double N = (double)((const oed_state *)P->state)->N;
    return bl_problem_mem(P, bl_mem_dense(N, N), "the closed form's dense factor", NULL);
}

static int oed_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    if (factor_mem(P)) return BL_ENOMEM;
    gsl_matrix *F;
    int st = factor(P->state, om, &F);
    if (st == BL_OK) st = solve_with(P->state, F, om, th);
    gsl_matrix_free(F);
    return st;
}

/* ∇F = ∇ωL − C(θ*) a with a_k = H_w⁻¹(θ*_k − u₀^k)/(KN), block by block */
static int oed_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    oed_state *o = P->state;
    if (factor_mem(P)) return BL_ENOMEM;
    gsl_matrix *F;
    gsl_vector *ts = gsl_vector_alloc(P->p), *a = gsl_vector_alloc(P->p);
    gsl_vector *ca = gsl_vector_alloc(P->d);
    int st = ts && a && ca ? factor(o, om, &F) : BL_ENOMEM;
    if (st == BL_OK) {
        st = solve_with(o, F, om, ts);
        if (st == BL_OK) {
            oed_L_theta(P, ts, om, a);
            for (size_t k = 0; k < o->K && st == BL_OK; k++) {
                gsl_vector_view ak = gsl_vector_subvector(a, k * o->N, o->N);
                if (gsl_linalg_cholesky_svx(F, &ak.vector) != GSL_SUCCESS) st = BL_ENOTPD;
            }
        }
        if (st == BL_OK) {
            oed_cvp(P, ts, om, a, ca);
            oed_L_omega(P, ts, om, g);
            gsl_vector_sub(g, ca);
        }
        gsl_matrix_free(F);
    }
    gsl_vector_free(ts);
    gsl_vector_free(a);
    gsl_vector_free(ca);
    return st;
}

/* λmax(H) ≤ ‖P‖² max_i w_i + 4a₁ + a₂ */
static double oed_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const oed_state *o = P->state;
    double pn = bl_heat_norm(&o->g);
    return pn * pn * softplus(gsl_vector_max(om)) + 4.0 * o->a1 + o->a2;
}

/* w_i = 1: ω_i = softplus⁻¹(1) = log(e − 1) */
static void oed_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_all(om, log(M_E - 1.0));
}

static int oed_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    oed_state *o = P->state;
    size_t k = bl_report_closed(P, th, om, buf, len);
    if (k + 1 >= len) return BL_OK;
    buf[k++] = '\n';
    double sum = 0, wmax = 0, e = 0, nu = 0;
    size_t on = 0;
    for (size_t j = 0; j < o->s; j++) {
        double w = softplus(gsl_vector_get(om, j));
        sum += w;
        wmax = fmax(wmax, w);
    }
    for (size_t j = 0; j < o->s; j++)
        if (softplus(gsl_vector_get(om, j)) >= 0.1 * wmax) on++;
    for (size_t i = 0; i < P->p; i++) {
        double u = gsl_matrix_get(o->U0, i / o->N, i % o->N), t = gsl_vector_get(th, i) - u;
        e += t * t;
        nu += u * u;
    }
    int n = snprintf(buf + k, len - k, "design Σw = %.4g, %zu of %zu sensors with w ≥ 0.1·max w "
                     "(max %.4g); mean reconstruction ‖θ_k − u₀^k‖/‖u₀^k‖ over all k = %.4g\n"
                     "weights (x: w)", sum, on, o->s, wmax, sqrt(e / nu));
    if (n < 0) return BL_OK;
    k += (size_t)n;
    double h = 1.0 / (double)(o->N + 1);
    for (size_t j = 0; j < o->s && k + 1 < len; j++) {
        n = snprintf(buf + k, len - k, " %.3g:%.3g", (double)(o->idx[j] + 1) * h,
                     softplus(gsl_vector_get(om, j)));
        if (n < 0) break;
        k += (size_t)n;
    }
    return BL_OK;
}

const bl_problem_type bl_problem_oed = {
    .name = "oed",
    .summary = "optimal experimental design: weights of the heat problem's sensors",
    .inner_text = "G(θ, ω) = Σ_k ½ Σ_i w_i (S P θ_k − d_k)_i² + (a₁/2)‖Dθ_k‖² + (a₂/2)‖θ_k‖², "
                  "w = softplus(ω)",
    .outer_text = "L(θ, ω) = (1/K) Σ_k ‖θ_k − u₀^k‖²/(2N) + β Σ_i softplus(ω_i)",
    .notes =
        "ω ∈ R^s: one weight w_i = softplus(ω_i) = log(1 + e^{ω_i}) per candidate sensor "
        "(heat's positions floor((i + ½)N/s)); θ = (θ_1 … θ_K) ∈ R^{KN}: the K initial "
        "states reconstructed from K data sets.  P, S, D as in heat (P = M^nt, implicit "
        "Euler, h = 1/(N+1)).  Training states u₀^k(x) = Σ_{j=1,2} A_j exp(−(x − c_j)²/"
        "(2·0.05²)), c_j uniform in [lo, hi], A_j uniform in [0.5, 1.5]; d_k = S P u₀^k + "
        "noise·N(0, 1) (mt19937 seeded with seed: the bumps state by state, then the noise "
        "state by state).  a₁ = e^reg1, a₂ = e^reg2 are fixed.\n"
        "H is block diagonal, K blocks H_w = P SᵀW S P + a₁DᵀD + a₂I (2·nt tridiagonal "
        "solves a block a product, no matrix); C_i = σ(ω_i) Σ_k (S P θ_k − d_k)_i "
        "(P Sᵀe_i) restricted to block k, σ the logistic sigmoid; ∇ωL = βσ(ω).\n"
        "Closed forms: θ*_k = H_w⁻¹ P SᵀW d_k; ∇F = βσ(ω) − C(θ*) a with a_k = "
        "H_w⁻¹(θ*_k − u₀^k)/(KN) (one N×N Cholesky factor for all k).  L is the sample "
        "mean of the reconstruction error over the K states, a Monte-Carlo estimate of the "
        "design's Bayes risk (the A-optimal criterion tr H_w⁻¹ depends on ω only through "
        "H and has no inner problem).  Default ω: w = 1 (ω = log(e − 1)).",
    .params = oed_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .solver = "newton",
    .init = oed_init,
    .free = oed_free,
    .clone = oed_clone,
    .G = oed_G,
    .L = oed_L,
    .G_theta = oed_G_theta,
    .G_omega = oed_G_omega,
    .L_theta = oed_L_theta,
    .L_omega = oed_L_omega,
    .hvp = oed_hvp,
    .cvp = oed_cvp,
    .ctvp = oed_ctvp,
    .hessian = oed_hessian,
    .theta_star = oed_theta_star,
    .hypergrad = oed_hypergrad,
    .lipschitz = oed_lipschitz,
    .omega0 = oed_omega0,
    .report = oed_report,
};
