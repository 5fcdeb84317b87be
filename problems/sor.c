/* sor.c: tuning a solver, the relaxation parameter of successive
 * over-relaxation on a Poisson system (doc/problems/sor.md).
 *
 *   G(θ, ω) = ½ θᵀAθ − bᵀθ          (θ* = A⁻¹b: the linear system A u = b)
 *   L(θ, ω) = ½‖b − Aθ‖² / ‖b‖²     (the relative residual, ½ at θ = 0)
 *
 * A = h²(−Δ_h), the stencil of the discrete Laplacian on N (1-D) or N×N
 * (2-D, lexicographic order) interior points of the unit interval or
 * square, h = 1/(N+1): diagonal 2·dim, −1 for each grid neighbour; b = h²f
 * at the grid points, f = 1 or i.i.d. N(0, 1), so that θ* is the discrete
 * solution of −Δu = f (the h² keeps G and its gradient of order one; SOR
 * and L do not see the scale).  The outer variable is the relaxation
 * parameter in logit form, w = 2/(1 + e^{−ω}) ∈ (0, 2): every real ω is a
 * convergent SOR, ω = 0 is Gauss–Seidel (w = 1).
 *
 * G does not depend on ω, so C = 0, θ* = A⁻¹b and ∇F = 0: implicit
 * differentiation sees nothing.  What depends on ω is the solver: the
 * problem's step map (BL_PROB_STEPMAP) is one forward SOR sweep
 *   (D + wL) θ⁺ = ((1 − w)D − wU) θ + w b,   A = D + L + U,
 * and reverse:t=K / forward:t=K from θ₀ = 0 differentiate F_K(ω) =
 * L(Φ^K(0, ω)), the residual after K sweeps.  With gs_i the Gauss–Seidel
 * value of the sweep at i (so θ⁺_i = θ_i + w(gs_i − θ_i)) and q = D(gs − θ):
 *   ∂Φ/∂θ = (D + wL)⁻¹((1 − w)D − wU),  ∂Φ/∂ω = (D + wL)⁻¹ q · dw/dω,
 * dw/dω = w(2 − w)/2; the jvp is one more forward sweep, the vjp one
 * backward sweep with (D + wL)ᵀ = D + wU (A is symmetric). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"

enum { PAR_N, PAR_DIM, PAR_K, PAR_RHS, PAR_SEED, NPAR };

static const char *const sor_rhs_names[] = {"ones", "random", NULL};

static const bl_param sor_params[NPAR] = {
    {"N", 30, 2, 100000, 1, "interior grid points per side, h = 1/(N+1) (2-D: N ≤ 1000)", NULL},
    {"dim", 1, 1, 2, 1, "1: −u'' = f on (0, 1); 2: −Δu = f on (0, 1)² (5-point stencil)", NULL},
    {"K", 40, 1, 1e6, 1, "SOR sweeps from θ = 0 that show measures F_K after (the t of "
     "reverse:t=K)", NULL},
    {"rhs", 0, 0, 1, 1, "f: ones (f = 1) or random (i.i.d. N(0, 1) from seed)", sor_rhs_names},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of rhs=random", NULL},
};

typedef struct {
    size_t N, dim, p, K;
    double dg, off;         /* diagonal 2·dim, off-diagonal −1 */
    double h;
    gsl_vector *b;          /* right-hand side, p */
    double bb;              /* ‖b‖² */
    double *x, *y, *z;      /* workspace, p each */
} sor_state;

static void sor_state_free(sor_state *s)
{
    if (!s) return;
    gsl_vector_free(s->b);
    free(s->x);
    free(s->y);
    free(s->z);
    free(s);
}

static sor_state *sor_state_alloc(size_t p)
{
    sor_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->b = gsl_vector_alloc(p);
    s->x = malloc(p * sizeof *s->x);
    s->y = malloc(p * sizeof *s->y);
    s->z = malloc(p * sizeof *s->z);
    if (!s->b || !s->x || !s->y || !s->z) {
        sor_state_free(s);
        return NULL;
    }
    return s;
}

static int sor_init(bl_problem *P, bl_err *e)
{
    size_t N = (size_t)P->par[PAR_N], dim = (size_t)P->par[PAR_DIM];
    if (dim == 2 && N > 1000) {
        bl_err_set(e, BL_EINVAL, "N=%zu with dim=2 is %zu unknowns: at most N=1000 in 2-D",
                   N, N * N);
        return BL_EINVAL;
    }
    size_t p = dim == 2 ? N * N : N;
    sor_state *s = sor_state_alloc(p);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s || !r) {
        sor_state_free(s);
        if (r) gsl_rng_free(r);
        bl_err_set(e, BL_ENOMEM, "out of memory building sor with p=%zu", p);
        return BL_ENOMEM;
    }
    s->N = N;
    s->dim = dim;
    s->p = p;
    s->K = (size_t)P->par[PAR_K];
    s->h = 1.0 / (double)(N + 1);
    s->dg = 2.0 * (double)dim;
    s->off = -1.0;
    gsl_rng_set(r, (unsigned long)P->par[PAR_SEED]);
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(s->b, i, s->h * s->h * (P->par[PAR_RHS] == 0 ? 1.0
                                                : gsl_ran_gaussian(r, 1.0)));
    gsl_rng_free(r);
    gsl_blas_ddot(s->b, s->b, &s->bb);
    P->p = p;
    P->d = 1;
    P->state = s;
    return BL_OK;
}

static void sor_free(bl_problem *P)
{
    sor_state_free(P->state);
    P->state = NULL;
}

static int sor_clone(const bl_problem *src, bl_problem *dst)
{
    const sor_state *a = src->state;
    sor_state *b = sor_state_alloc(a->p);
    if (!b) return BL_ENOMEM;
    b->N = a->N;
    b->dim = a->dim;
    b->p = a->p;
    b->K = a->K;
    b->h = a->h;
    b->dg = a->dg;
    b->off = a->off;
    b->bb = a->bb;
    gsl_vector_memcpy(b->b, a->b);
    dst->state = b;
    return BL_OK;
}

/* w = 2/(1 + e^{−ω}) and dw/dω = w(2 − w)/2 */
static double relax(cvec *om) { return 2.0 / (1.0 + exp(-gsl_vector_get(om, 0))); }
static double drelax(double w) { return 0.5 * w * (2.0 - w); }

/* Sums of x over the grid neighbours of i that come before it (lower) and
 * after it (upper) in the lexicographic order. */
static double lower_sum(const sor_state *s, const double *x, size_t i)
{
    if (s->dim == 1) return i > 0 ? x[i - 1] : 0.0;
    size_t c = i % s->N;
    return (c > 0 ? x[i - 1] : 0.0) + (i >= s->N ? x[i - s->N] : 0.0);
}

static double upper_sum(const sor_state *s, const double *x, size_t i)
{
    if (s->dim == 1) return i + 1 < s->N ? x[i + 1] : 0.0;
    size_t c = i % s->N;
    return (c + 1 < s->N ? x[i + 1] : 0.0) + (i + s->N < s->p ? x[i + s->N] : 0.0);
}

static void load(double *x, cvec *v)
{
    for (size_t i = 0; i < v->size; i++) x[i] = gsl_vector_get(v, i);
}

static void store(gsl_vector *v, const double *x)
{
    for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, x[i]);
}

/* out = A v (out and v distinct) */
static void apply_A(const sor_state *s, cvec *v, gsl_vector *out)
{
    load(s->z, v);
    for (size_t i = 0; i < s->p; i++)
        gsl_vector_set(out, i, s->dg * s->z[i] + s->off * (lower_sum(s, s->z, i)
                                                         + upper_sum(s, s->z, i)));
}

static double sor_G(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    sor_state *s = P->state;
    load(s->z, th);
    double q = 0, l = 0;
    for (size_t i = 0; i < s->p; i++) {
        double ai = s->dg * s->z[i] + s->off * (lower_sum(s, s->z, i) + upper_sum(s, s->z, i));
        q += s->z[i] * ai;
        l += gsl_vector_get(s->b, i) * s->z[i];
    }
    return 0.5 * q - l;
}

/* r = Aθ − b into s->y; returns ‖r‖² */
static double residual(sor_state *s, cvec *th)
{
    load(s->z, th);
    double rr = 0;
    for (size_t i = 0; i < s->p; i++) {
        double r = s->dg * s->z[i] + s->off * (lower_sum(s, s->z, i) + upper_sum(s, s->z, i))
                   - gsl_vector_get(s->b, i);
        s->y[i] = r;
        rr += r * r;
    }
    return rr;
}

static double sor_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    sor_state *s = P->state;
    return 0.5 * residual(s, th) / s->bb;
}

/* ∇θG = Aθ − b */
static void sor_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    sor_state *s = P->state;
    residual(s, th);
    store(g, s->y);
}

static void sor_zero_d(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* ∇θL = A(Aθ − b)/‖b‖² */
static void sor_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    sor_state *s = P->state;
    residual(s, th);
    for (size_t i = 0; i < s->p; i++)
        gsl_vector_set(g, i, (s->dg * s->y[i] + s->off * (lower_sum(s, s->y, i)
                                                         + upper_sum(s, s->y, i))) / s->bb);
}

static void sor_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    apply_A(P->state, v, out);
}

/* C = ∂ω∇θG = 0: G does not depend on ω */
static void sor_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om, (void)v;
    gsl_vector_set_zero(out);
}

static int sor_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th, (void)om;
    const sor_state *s = P->state;
    gsl_matrix_set_zero(H);
    for (size_t i = 0; i < s->p; i++) {
        gsl_matrix_set(H, i, i, s->dg);
        size_t c = s->dim == 1 ? i : i % s->N;
        if (c + 1 < s->N) {
            gsl_matrix_set(H, i, i + 1, s->off);
            gsl_matrix_set(H, i + 1, i, s->off);
        }
        if (s->dim == 2 && i + s->N < s->p) {
            gsl_matrix_set(H, i, i + s->N, s->off);
            gsl_matrix_set(H, i + s->N, i, s->off);
        }
    }
    return BL_OK;
}

/* θ* = A⁻¹b.  1-D: one tridiagonal solve.  2-D: A = (S ⊗ S)(Λ ⊕ Λ)(S ⊗ S)
 * with the orthogonal sine transform S_jk = √(2h) sin(jkπh) and the 1-D
 * eigenvalues λ_k = 4 sin²(kπh/2): θ* = S((S B S) ./ (λ_j + λ_k))S,
 * B the N×N grid of b, O(N³). */
static int sor_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    (void)om;
    const sor_state *s = P->state;
    size_t N = s->N;
    if (s->dim == 1) {
        gsl_vector *dg = gsl_vector_alloc(N), *of = gsl_vector_alloc(N - 1);
        int st = dg && of ? BL_OK : BL_ENOMEM;
        if (st == BL_OK) {
            gsl_vector_set_all(dg, s->dg);
            gsl_vector_set_all(of, s->off);
            st = gsl_linalg_solve_symm_tridiag(dg, of, s->b, th) == GSL_SUCCESS ? BL_OK
                                                                              : BL_ENOTPD;
        }
        gsl_vector_free(dg);
        gsl_vector_free(of);
        return st;
    }
    gsl_matrix *S = gsl_matrix_alloc(N, N), *B = gsl_matrix_alloc(N, N);
    gsl_matrix *W = gsl_matrix_alloc(N, N);
    gsl_vector *lam = gsl_vector_alloc(N);
    if (!S || !B || !W || !lam) {
        gsl_matrix_free(S);
        gsl_matrix_free(B);
        gsl_matrix_free(W);
        gsl_vector_free(lam);
        return BL_ENOMEM;
    }
    double h = s->h, c = sqrt(2.0 * h);
    for (size_t j = 0; j < N; j++) {
        double sn = sin(0.5 * M_PI * (double)(j + 1) * h);
        gsl_vector_set(lam, j, 4.0 * sn * sn);
        for (size_t k = 0; k < N; k++)
            gsl_matrix_set(S, j, k, c * sin(M_PI * (double)((j + 1) * (k + 1)) * h));
    }
    for (size_t i = 0; i < s->p; i++) gsl_matrix_set(B, i / N, i % N, gsl_vector_get(s->b, i));
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, S, B, 0.0, W);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, W, S, 0.0, B);
    for (size_t j = 0; j < N; j++)
        for (size_t k = 0; k < N; k++)
            gsl_matrix_set(B, j, k, gsl_matrix_get(B, j, k)
                                        / (gsl_vector_get(lam, j) + gsl_vector_get(lam, k)));
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, S, B, 0.0, W);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, W, S, 0.0, B);
    for (size_t i = 0; i < s->p; i++) gsl_vector_set(th, i, gsl_matrix_get(B, i / N, i % N));
    gsl_matrix_free(S);
    gsl_matrix_free(B);
    gsl_matrix_free(W);
    gsl_vector_free(lam);
    return BL_OK;
}

/* ∇F = 0: θ* = A⁻¹b does not depend on ω */
static int sor_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_set_zero(g);
    return BL_OK;
}

/* λmax(A) = dim · 4 sin²(Nπh/2), exactly */
static double sor_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    const sor_state *s = P->state;
    double sn = sin(0.5 * M_PI * (double)s->N * s->h);
    return (double)s->dim * 4.0 * sn * sn;
}

/* ω = 0: w = 1, Gauss–Seidel */
static void sor_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

/* One SOR sweep on x (in place) with relaxation w; with Y non-NULL the
 * tangent y ← (∂Φ/∂θ) y + (∂Φ/∂w) dw in the same pass; with Q non-NULL
 * q_i = gs_i − x_i (the Gauss–Seidel correction at i) is stored. */
static void sweep(const sor_state *s, double w, double *x, double *y, double dw, double *q)
{
    const double *b = s->b->data;
    size_t bs = s->b->stride;
    for (size_t i = 0; i < s->p; i++) {
        double gs = (b[i * bs] - s->off * (lower_sum(s, x, i) + upper_sum(s, x, i))) / s->dg;
        if (y) {
            double ty = -s->off * (lower_sum(s, y, i) + upper_sum(s, y, i)) / s->dg;
            y[i] = (1.0 - w) * y[i] + w * ty + dw * (gs - x[i]);
        }
        if (q) q[i] = gs - x[i];
        x[i] += w * (gs - x[i]);
    }
}

static void sor_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    (void)eta;
    sor_state *s = P->state;
    load(s->x, th);
    sweep(s, relax(om), s->x, NULL, 0.0, NULL);
    store(out, s->x);
}

/* β = (D + wU)⁻¹α (backward), gth = (1 − w)Dβ − wLβ, gom = dw/dω · Σ d q_i β_i */
static void sor_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                         gsl_vector *gth, gsl_vector *gom)
{
    (void)eta;
    sor_state *s = P->state;
    double w = relax(om), *q = s->z, *beta = s->y, t = 0;
    load(s->x, th);
    sweep(s, w, s->x, NULL, 0.0, q);
    for (size_t i = s->p; i-- > 0;)
        beta[i] = (gsl_vector_get(alpha, i) - w * s->off * upper_sum(s, beta, i)) / s->dg;
    for (size_t i = 0; i < s->p; i++) t += s->dg * q[i] * beta[i];
    gsl_vector_set(gom, 0, drelax(w) * t);
    if (gth)
        for (size_t i = 0; i < s->p; i++)
            gsl_vector_set(gth, i, (1.0 - w) * s->dg * beta[i] - w * s->off * lower_sum(s, beta, i));
}

static void sor_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                         gsl_vector *out)
{
    (void)eta;
    sor_state *s = P->state;
    double w = relax(om);
    load(s->x, th);
    if (v) load(s->y, v);
    else memset(s->y, 0, s->p * sizeof *s->y);
    sweep(s, w, s->x, s->y, drelax(w) * gsl_vector_get(u, 0), NULL);
    store(out, s->y);
}

/* F_K(ω) = L(Φ^K(0, ω)) and dF_K/dω by forward mode through the K sweeps
 * (the problem's own recursion, for show): uses s->x, s->y, s->z. */
static void residual_after(sor_state *s, double w, size_t K, double *FK, double *dFK)
{
    size_t p = s->p;
    memset(s->x, 0, p * sizeof *s->x);
    memset(s->y, 0, p * sizeof *s->y);
    for (size_t k = 0; k < K; k++) sweep(s, w, s->x, s->y, drelax(w), NULL);
    double rr = 0, rz = 0;
    const double *b = s->b->data;
    for (size_t i = 0; i < p; i++) {
        double ax = s->dg * s->x[i] + s->off * (lower_sum(s, s->x, i) + upper_sum(s, s->x, i));
        double ay = s->dg * s->y[i] + s->off * (lower_sum(s, s->y, i) + upper_sum(s, s->y, i));
        double r = ax - b[i * s->b->stride];
        rr += r * r;
        rz += r * ay;
    }
    *FK = 0.5 * rr / s->bb;
    *dFK = rz / s->bb;
}

/* ρ(w) of the SOR iteration (Young's theorem: A is consistently ordered,
 * the Jacobi iteration has spectral radius μ = cos(πh)). */
static double sor_radius(double w, double mu)
{
    double wopt = 2.0 / (1.0 + sqrt(1.0 - mu * mu));
    if (w >= wopt) return w - 1.0;
    double t = 0.5 * (w * mu + sqrt(w * w * mu * mu - 4.0 * (w - 1.0)));
    return t * t;
}

static int sor_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)th;
    sor_state *s = P->state;
    double w = relax(om), mu = cos(M_PI * s->h), wopt = 2.0 / (1.0 + sin(M_PI * s->h));
    double FK, dFK;
    residual_after(s, w, s->K, &FK, &dFK);
    snprintf(buf, len,
             "relaxation w = 2/(1 + e^{−ω}) = %.6g (ω = 0: Gauss–Seidel); classical optimum "
             "w* = 2/(1 + sin πh) = %.6g (ω* = %.6g)\n"
             "SOR spectral radius ρ(w) = %.6g (ρ(w*) = %.6g, Gauss–Seidel %.6g)\n"
             "after K = %zu sweeps from θ = 0: F_K = ½‖b − Au_K‖²/‖b‖² = %.6g, "
             "dF_K/dω = %.6g (reverse:t=%zu gives it)\n"
             "θ* = A⁻¹b does not depend on ω: F = L(θ*) = 0 and ∇F = 0 (exact, cg, fd)",
             w, wopt, log(wopt / (2.0 - wopt)), sor_radius(w, mu), wopt - 1.0, mu * mu,
             s->K, FK, dFK, s->K);
    return BL_OK;
}

const bl_problem_type bl_problem_sor = {
    .name = "sor",
    .summary = "tuning a solver: the SOR relaxation w(ω) for a Poisson system (unrolled)",
    .inner_text = "G(θ, ω) = ½θᵀAθ − bᵀθ (the system Aθ = b; ω only tunes the solver)",
    .outer_text = "L(θ, ω) = ½‖b − Aθ‖²/‖b‖² (after K SOR sweeps from θ = 0: F_K)",
    .notes =
        "θ ∈ R^p (p = N in 1-D, N² in 2-D), ω ∈ R.  A = h²(−Δ_h), the 3- or 5-point "
        "Laplacian stencil on the interior points of (0, 1)^dim, h = 1/(N+1) (diagonal "
        "2·dim, −1 per neighbour, lexicographic order); b = h²f at the grid points "
        "(rhs=ones: f = 1; rhs=random: i.i.d. N(0, 1), mt19937 seeded with seed).\n"
        "Relaxation w = 2/(1 + e^{−ω}) ∈ (0, 2) (logit: every ω converges; ω = 0 is "
        "Gauss–Seidel).  One sweep Φ(θ, ω): (D + wL)θ⁺ = ((1 − w)D − wU)θ + wb with "
        "A = D + L + U; the unrolled estimators (reverse, forward, truncated, onestep) "
        "differentiate through it (the flag step map; η is ignored): reverse:t=K from "
        "θ₀ = 0 is dF_K/dω, F_K(ω) = L(Φ^K(0, ω)).\n"
        "H = A, C = 0: θ* = A⁻¹b does not depend on ω, so F = L(θ*) = 0 and exact, cg, "
        "neumann, fp and fd all give ∇F = 0.  Here unrolled differentiation is the "
        "estimator that sees the solver.  Classical optimum (Young): w* = 2/(1 + sin πh); "
        "the minimiser of F_K tends to it as K grows.  show reports w, w*, the spectral "
        "radius ρ(w) and F_K, dF_K/dω for the K of the parameters.",
    .params = sor_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX | BL_PROB_STEPMAP,
    .init = sor_init,
    .free = sor_free,
    .clone = sor_clone,
    .G = sor_G,
    .L = sor_L,
    .G_theta = sor_G_theta,
    .G_omega = sor_zero_d,
    .L_theta = sor_L_theta,
    .L_omega = sor_zero_d,
    .hvp = sor_hvp,
    .cvp = sor_cvp,
    .ctvp = sor_cvp,
    .hessian = sor_hessian,
    .theta_star = sor_theta_star,
    .hypergrad = sor_hypergrad,
    .lipschitz = sor_lipschitz,
    .omega0 = sor_omega0,
    .report = sor_report,
    .step = sor_step,
    .step_vjp = sor_step_vjp,
    .step_jvp = sor_step_jvp,
    .solver = "newton",
    .estimators = "exact fd reverse:t=40 forward:t=40",
};
