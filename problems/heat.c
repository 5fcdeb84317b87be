/* heat.c: data assimilation for the 1-D heat equation, adjoint-state
 * (doc/catalogue.md, "Problems (first catalogue)", `heat`;
 * doc/problems/heat.md).
 *
 *   G(θ, ω) = ½‖S P θ − d‖² + (e^{ω₁}/2)‖Dθ‖² + (e^{ω₂}/2)‖θ‖²
 *   L(θ, ω) = (1/2N)‖θ − u₀‖²
 *
 * θ is the unknown initial state on N interior points of [0, 1] (zero
 * Dirichlet boundary, h = 1/(N+1)); P = M^nt propagates it by nt implicit
 * Euler steps M = (I + κΔt/h² K)⁻¹, K = tridiag(−1, 2, −1), each one
 * gsl_linalg_solve_symm_tridiag.  P is symmetric, so the adjoint of the
 * propagation is the same nt solves.  S picks s sensors, d are their noisy
 * readings of the final state from the true initial state u₀, D is the
 * (N−1)×N forward difference.  H v = P Sᵀ S P v + e^{ω₁} DᵀD v + e^{ω₂} v
 * costs 2·nt tridiagonal solves and forms no matrix; only the dense H
 * (asked for by exact, newton and the closed forms) builds S P, from s
 * propagations. */
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
#include "closed.h"
#include "linalg.h"

enum { PAR_N, PAR_NT, PAR_DT, PAR_KAPPA, PAR_S, PAR_NOISE, PAR_SEED, NPAR };

static const bl_param heat_params[NPAR] = {
    {"N", 200, 3, 100000, 1, "interior grid points (dimension of θ), h = 1/(N+1)", NULL},
    {"nt", 50, 1, 100000, 1, "implicit Euler steps from the initial to the final state", NULL},
    {"dt", 1e-3, 1e-12, 1e6, 0, "time step Δt", NULL},
    {"kappa", 1, 1e-12, 1e6, 0, "diffusivity κ", NULL},
    {"s", 20, 1, 100000, 1, "number of sensors (at most N)", NULL},
    {"noise", 0.01, 0, 1e3, 0, "standard deviation of the sensor noise", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the noise", NULL},
};

typedef struct {
    size_t N, nt, s;
    double r;               /* κΔt/h² */
    gsl_vector *diag, *off; /* M⁻¹ = I + rK: N and N − 1 */
    size_t *idx;            /* sensor indices, s */
    gsl_vector *d;          /* readings, s */
    gsl_vector *u0;         /* true initial state, N */
    gsl_vector *a, *b, *c;  /* workspace, N */
    gsl_vector *rs;         /* workspace, s */
} heat_state;

static void heat_state_free(heat_state *h)
{
    if (!h) return;
    gsl_vector_free(h->diag);
    gsl_vector_free(h->off);
    free(h->idx);
    gsl_vector_free(h->d);
    gsl_vector_free(h->u0);
    gsl_vector_free(h->a);
    gsl_vector_free(h->b);
    gsl_vector_free(h->c);
    gsl_vector_free(h->rs);
    free(h);
}

static heat_state *heat_state_alloc(size_t N, size_t s)
{
    heat_state *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->N = N;
    h->s = s;
    h->diag = gsl_vector_alloc(N);
    h->off = gsl_vector_alloc(N - 1);
    h->idx = malloc(s * sizeof *h->idx);
    h->d = gsl_vector_alloc(s);
    h->u0 = gsl_vector_alloc(N);
    h->a = gsl_vector_alloc(N);
    h->b = gsl_vector_alloc(N);
    h->c = gsl_vector_alloc(N);
    h->rs = gsl_vector_alloc(s);
    if (!h->diag || !h->off || !h->idx || !h->d || !h->u0 || !h->a || !h->b || !h->c
        || !h->rs) {
        heat_state_free(h);
        return NULL;
    }
    return h;
}

/* out ← P x = M^nt x (x and out may be the same vector; uses h->a, h->b).
 * A failed solve (it cannot fail for I + rK, which is diagonally dominant)
 * leaves NaN, which the engine reports as divergence. */
static void propagate(heat_state *h, const gsl_vector *x, gsl_vector *out)
{
    gsl_vector *u = h->a, *v = h->b;
    gsl_vector_memcpy(u, x);
    for (size_t k = 0; k < h->nt; k++) {
        if (gsl_linalg_solve_symm_tridiag(h->diag, h->off, u, v) != GSL_SUCCESS) {
            gsl_vector_set_all(out, NAN);
            return;
        }
        gsl_vector *t = u;
        u = v;
        v = t;
    }
    gsl_vector_memcpy(out, u);
}

/* propagate for the long uses (init, the dense H): the same steps, with a
 * poll of the instance's Ctrl-C and progress every 64 solves; WHAT names
 * the work, DONE and TOTAL count solves.  BL_EINTR when cancelled. */
static int propagate_polled(bl_problem *P, const gsl_vector *x, gsl_vector *out,
                            const char *what, double done, double total)
{
    heat_state *h = P->state;
    gsl_vector *u = h->a, *v = h->b;
    gsl_vector_memcpy(u, x);
    for (size_t k = 0; k < h->nt; k++) {
        if (k % 64 == 0 && bl_problem_poll(P, what, done + (double)k, total)) return BL_EINTR;
        if (gsl_linalg_solve_symm_tridiag(h->diag, h->off, u, v) != GSL_SUCCESS) {
            gsl_vector_set_all(out, NAN);
            return BL_OK;
        }
        gsl_vector *t = u;
        u = v;
        v = t;
    }
    gsl_vector_memcpy(out, u);
    return BL_OK;
}

/* The true initial state u₀(x) = exp(−100(x − 0.3)²) + ½ exp(−100(x − 0.7)²). */
static double u0_at(double x)
{
    return exp(-100 * (x - 0.3) * (x - 0.3)) + 0.5 * exp(-100 * (x - 0.7) * (x - 0.7));
}

static int heat_init(bl_problem *P, bl_err *e)
{
    size_t N = (size_t)P->par[PAR_N], s = (size_t)P->par[PAR_S];
    if (s > N) {
        bl_err_set(e, BL_EINVAL, "s=%zu sensors is more than the N=%zu grid points", s, N);
        return BL_EINVAL;
    }
    heat_state *h = heat_state_alloc(N, s);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!h || !rng) {
        heat_state_free(h);
        if (rng) gsl_rng_free(rng);
        bl_err_set(e, BL_ENOMEM, "out of memory building heat with N=%zu", N);
        return BL_ENOMEM;
    }
    double dx = 1.0 / (double)(N + 1);
    h->nt = (size_t)P->par[PAR_NT];
    h->r = P->par[PAR_KAPPA] * P->par[PAR_DT] / (dx * dx);
    gsl_vector_set_all(h->diag, 1 + 2 * h->r);
    gsl_vector_set_all(h->off, -h->r);
    for (size_t i = 0; i < N; i++) gsl_vector_set(h->u0, i, u0_at((double)(i + 1) * dx));
    /* sensors at the midpoints of s equal blocks of the grid */
    for (size_t j = 0; j < s; j++)
        h->idx[j] = (size_t)floor(((double)j + 0.5) * (double)N / (double)s);
    /* d = S P u₀ + noise · N(0, 1), one draw per sensor in order */
    P->state = h;              /* for the poll; taken back below on failure */
    if (propagate_polled(P, h->u0, h->c, "building heat", 0, (double)h->nt)) {
        P->state = NULL;
        heat_state_free(h);
        gsl_rng_free(rng);
        return BL_EINTR;
    }
    P->state = NULL;
    gsl_rng_set(rng, (unsigned long)P->par[PAR_SEED]);
    for (size_t j = 0; j < s; j++)
        gsl_vector_set(h->d, j, gsl_vector_get(h->c, h->idx[j])
                                    + P->par[PAR_NOISE] * gsl_ran_gaussian(rng, 1.0));
    gsl_rng_free(rng);
    P->p = N;
    P->d = 2;
    P->state = h;
    return BL_OK;
}

static void heat_free(bl_problem *P)
{
    heat_state_free(P->state);
    P->state = NULL;
}

static int heat_clone(const bl_problem *src, bl_problem *dst)
{
    const heat_state *a = src->state;
    heat_state *b = heat_state_alloc(a->N, a->s);
    if (!b) return BL_ENOMEM;
    b->nt = a->nt;
    b->r = a->r;
    gsl_vector_memcpy(b->diag, a->diag);
    gsl_vector_memcpy(b->off, a->off);
    for (size_t j = 0; j < a->s; j++) b->idx[j] = a->idx[j];
    gsl_vector_memcpy(b->d, a->d);
    gsl_vector_memcpy(b->u0, a->u0);
    dst->state = b;
    return BL_OK;
}

static double e1(cvec *om) { return exp(gsl_vector_get(om, 0)); }
static double e2(cvec *om) { return exp(gsl_vector_get(om, 1)); }

/* h->rs ← S P x − d (uses h->c) */
static void misfit(heat_state *h, cvec *x)
{
    propagate(h, x, h->c);
    for (size_t j = 0; j < h->s; j++)
        gsl_vector_set(h->rs, j, gsl_vector_get(h->c, h->idx[j]) - gsl_vector_get(h->d, j));
}

/* out ← P Sᵀ q (the adjoint solves; P is symmetric); uses h->c */
static void adjoint_of(heat_state *h, const gsl_vector *q, gsl_vector *out)
{
    gsl_vector_set_zero(h->c);
    for (size_t j = 0; j < h->s; j++)
        gsl_vector_set(h->c, h->idx[j], gsl_vector_get(h->c, h->idx[j]) + gsl_vector_get(q, j));
    propagate(h, h->c, out);
}

/* ‖D x‖² */
static double dnorm2(cvec *x)
{
    double s = 0;
    for (size_t i = 0; i + 1 < x->size; i++) {
        double t = gsl_vector_get(x, i + 1) - gsl_vector_get(x, i);
        s += t * t;
    }
    return s;
}

/* out ← out + a DᵀD x:  (DᵀD x)_j = 2x_j − x_{j−1} − x_{j+1} inside,
 * x_0 − x_1 and x_{N−1} − x_{N−2} at the ends */
static void add_dtd(double a, cvec *x, gsl_vector *out)
{
    for (size_t i = 0; i + 1 < x->size; i++) {
        double t = a * (gsl_vector_get(x, i + 1) - gsl_vector_get(x, i));
        gsl_vector_set(out, i + 1, gsl_vector_get(out, i + 1) + t);
        gsl_vector_set(out, i, gsl_vector_get(out, i) - t);
    }
}

static double heat_G(bl_problem *P, cvec *th, cvec *om)
{
    heat_state *h = P->state;
    double nt = gsl_blas_dnrm2(th), nr;
    misfit(h, th);
    nr = gsl_blas_dnrm2(h->rs);
    return 0.5 * nr * nr + 0.5 * e1(om) * dnorm2(th) + 0.5 * e2(om) * nt * nt;
}

static double heat_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    heat_state *h = P->state;
    double s = 0;
    for (size_t i = 0; i < h->N; i++) {
        double t = gsl_vector_get(th, i) - gsl_vector_get(h->u0, i);
        s += t * t;
    }
    return s / (2.0 * (double)h->N);
}

/* ∇θG = P Sᵀ(S P θ − d) + e^{ω₁} DᵀDθ + e^{ω₂} θ */
static void heat_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    heat_state *h = P->state;
    misfit(h, th);
    adjoint_of(h, h->rs, g);
    add_dtd(e1(om), th, g);
    gsl_blas_daxpy(e2(om), th, g);
}

static void heat_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    double nt = gsl_blas_dnrm2(th);
    gsl_vector_set(g, 0, 0.5 * e1(om) * dnorm2(th));
    gsl_vector_set(g, 1, 0.5 * e2(om) * nt * nt);
}

/* ∇θL = (θ − u₀)/N */
static void heat_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    heat_state *h = P->state;
    gsl_vector_memcpy(g, th);
    gsl_vector_sub(g, h->u0);
    gsl_vector_scale(g, 1.0 / (double)h->N);
}

static void heat_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = P Sᵀ S P v + e^{ω₁} DᵀD v + e^{ω₂} v: nt forward, nt adjoint solves */
static void heat_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th;
    heat_state *h = P->state;
    propagate(h, v, h->c);
    for (size_t j = 0; j < h->s; j++) gsl_vector_set(h->rs, j, gsl_vector_get(h->c, h->idx[j]));
    adjoint_of(h, h->rs, out);
    add_dtd(e1(om), v, out);
    gsl_blas_daxpy(e2(om), v, out);
}

/* C (2×p): row 1 e^{ω₁} (DᵀDθ)ᵀ, row 2 e^{ω₂} θᵀ */
static void heat_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    double s = 0, t;
    for (size_t i = 0; i + 1 < th->size; i++)
        s += (gsl_vector_get(th, i + 1) - gsl_vector_get(th, i))
             * (gsl_vector_get(v, i + 1) - gsl_vector_get(v, i));
    gsl_blas_ddot(th, v, &t);
    gsl_vector_set(out, 0, e1(om) * s);
    gsl_vector_set(out, 1, e2(om) * t);
}

static void heat_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P;
    gsl_vector_set_zero(out);
    add_dtd(e1(om) * gsl_vector_get(u, 0), th, out);
    gsl_blas_daxpy(e2(om) * gsl_vector_get(u, 1), th, out);
}

static int finite_matrix(const gsl_matrix *M)
{
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            if (!isfinite(gsl_matrix_get(M, i, j))) return 0;
    return 1;
}

/* Dense H = (SP)ᵀ(SP) + e^{ω₁} DᵀD + e^{ω₂} I, with row j of S P equal to
 * (P e_{idx_j})ᵀ (P is symmetric): s propagations, not N. */
static int heat_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th;
    heat_state *h = P->state;
    size_t N = h->N;
    gsl_matrix *A = gsl_matrix_alloc(h->s, N);
    if (!A) return BL_ENOMEM;
    for (size_t j = 0; j < h->s; j++) {
        gsl_vector_view row = gsl_matrix_row(A, j);
        gsl_vector_set_basis(h->c, h->idx[j]);
        if (propagate_polled(P, h->c, &row.vector, "dense H: S P", (double)(j * h->nt),
                             (double)(h->s * h->nt))) {
            gsl_matrix_free(A);
            return BL_EINTR;
        }
    }
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, A, 0.0, H);
    gsl_matrix_free(A);
    double a = e1(om), b = e2(om);
    for (size_t i = 0; i < N; i++) {
        double dd = (i == 0 || i == N - 1) ? 1.0 : 2.0;
        gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + a * dd + b);
        if (i + 1 < N) gsl_matrix_set(H, i + 1, i, gsl_matrix_get(H, i + 1, i) - a);
    }
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(H, j, i, gsl_matrix_get(H, i, j));
    return finite_matrix(H) ? BL_OK : BL_EDIVERGE;
}

/* The closed forms factor a dense N×N H each time show asks: above this N
 * (8·N² bytes, 800 MB, and N³/3 flops) they are not computed; exact,
 * which checks its memory against mem.max, still may. */
#define HEAT_CLOSED_MAX 10000

/* The Cholesky factor of the dense H into F (p×p, allocated here). */
static int factor(bl_problem *P, cvec *om, gsl_matrix **F)
{
    *F = NULL;
    if (P->p > HEAT_CLOSED_MAX) return BL_ENOMEM;
    double n = (double)P->p;                 /* the factor and S P (s × N) */
    if (bl_problem_mem(P, bl_mem_dense(n + (double)((heat_state *)P->state)->s, n),
                       "the closed form's dense factor", NULL))
        return BL_ENOMEM;
    *F = gsl_matrix_alloc(P->p, P->p);
    if (!*F) return BL_ENOMEM;
    int st = heat_hessian(P, NULL, om, *F);
    if (st == BL_OK) st = bl_chol_factor(*F, P->cancel, P->busy, P->busy_arg);
    if (st) {
        gsl_matrix_free(*F);
        *F = NULL;
    }
    return st;
}

/* G is quadratic in θ: θ* = H⁻¹ P Sᵀ d */
static int theta_star_with(bl_problem *P, const gsl_matrix *F, gsl_vector *th)
{
    heat_state *h = P->state;
    adjoint_of(h, h->d, th);
    return gsl_linalg_cholesky_svx(F, th) == GSL_SUCCESS && bl_vector_finite(th)
               ? BL_OK : BL_ENOTPD;
}

static int heat_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    gsl_matrix *F;
    int st = factor(P, om, &F);
    if (st == BL_OK) st = theta_star_with(P, F, th);
    gsl_matrix_free(F);
    return st;
}

/* ∇F = −C(θ*) a with H a = (θ* − u₀)/N */
static int heat_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    gsl_matrix *F;
    gsl_vector *ts = gsl_vector_alloc(P->p), *a = gsl_vector_alloc(P->p);
    int st = ts && a ? factor(P, om, &F) : BL_ENOMEM;
    if (st == BL_OK) {
        st = theta_star_with(P, F, ts);
        if (st == BL_OK) {
            heat_L_theta(P, ts, om, a);
            if (gsl_linalg_cholesky_svx(F, a) != GSL_SUCCESS) st = BL_ENOTPD;
        }
        if (st == BL_OK) {
            heat_cvp(P, ts, om, a, g);
            gsl_vector_scale(g, -1.0);
        }
        gsl_matrix_free(F);
    }
    gsl_vector_free(ts);
    gsl_vector_free(a);
    return st;
}

/* ‖SᵀS‖ = 1, ‖DᵀD‖ ≤ 4 and ‖P‖ = μ₁^nt with μ₁ = 1/(1 + r λmin(K)) the
 * largest eigenvalue of M, λmin(K) = 4 sin²(π/(2(N+1))):
 * λmax(H) ≤ μ₁^{2nt} + 4e^{ω₁} + e^{ω₂} */
static double heat_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const heat_state *h = P->state;
    double sn = sin(M_PI / (2.0 * (double)(h->N + 1)));
    double pn = pow(1.0 + h->r * 4.0 * sn * sn, -(double)h->nt);
    return pn * pn + 4.0 * e1(om) + e2(om);
}

/* The error bound's constants (doc/bounds.md): H ⪰ e^{ω₂} I and does not
 * depend on θ; ∇θL = (θ − u₀)/N; C(θ) − C(θ') has rows e^{ω₁}(DᵀDΔ)ᵀ and
 * e^{ω₂}Δᵀ, ‖DᵀD‖ ≤ 4: L_C = √(16e^{2ω₁} + e^{2ω₂}); ∇ωL = 0. */
static void heat_bound_consts(bl_problem *P, cvec *om, bl_bound_consts *k)
{
    const heat_state *h = P->state;
    double a = e1(om), b = e2(om);
    *k = (bl_bound_consts){b, 1.0 / (double)h->N, 0, sqrt(16 * a * a + b * b), 0};
}

/* λ₁ = e^{−6}, λ₂ = e^{−9}: mild smoothing, a little shrinkage */
static void heat_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set(om, 0, -6.0);
    gsl_vector_set(om, 1, -9.0);
}

static int heat_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    heat_state *h = P->state;
    size_t k = bl_report_closed(P, th, om, buf, len);
    if (k + 1 >= len) return BL_OK;
    buf[k++] = '\n';
    buf += k;
    len -= k;
    double nu = gsl_blas_dnrm2(h->u0), e = 0;
    for (size_t i = 0; i < h->N; i++) {
        double t = gsl_vector_get(th, i) - gsl_vector_get(h->u0, i);
        e += t * t;
    }
    misfit(h, th);
    snprintf(buf, len, "reconstruction ‖θ − u₀‖/‖u₀‖ = %.4g; sensor misfit ‖SPθ − d‖ = "
             "%.4g (%zu sensors, κΔt/h² = %.4g)", sqrt(e) / nu, gsl_blas_dnrm2(h->rs),
             h->s, h->r);
    return BL_OK;
}

/* `plot vector u0`: the true initial state, drawn against θ */
static const gsl_vector *heat_vector(const bl_problem *P, const char *name)
{
    const heat_state *h = P->state;
    return strcmp(name, "u0") == 0 ? h->u0 : NULL;
}

const bl_problem_type bl_problem_heat = {
    .name = "heat",
    .vector_names = "u0",
    .vector = heat_vector,
    .summary = "data assimilation: the initial state of the heat equation from sensors",
    .inner_text = "G(θ, ω) = ½‖S P θ − d‖² + (e^{ω₁}/2)‖Dθ‖² + (e^{ω₂}/2)‖θ‖²",
    .outer_text = "L(θ, ω) = (1/2N)‖θ − u₀‖²",
    .notes =
        "θ ∈ R^N (the initial state on the interior points x_i = i/(N+1)), ω ∈ R². "
        "u_t = κu_xx on [0, 1], zero Dirichlet boundary; P = M^nt with one implicit "
        "Euler step M = (I + κΔt/h² K)⁻¹, K = tridiag(−1, 2, −1), h = 1/(N+1); P is "
        "symmetric.  Sensor j reads index floor((j + ½)N/s); d = S P u₀ + noise·N(0, 1) "
        "(mt19937 seeded with seed, one draw per sensor) with the true initial state "
        "u₀(x) = exp(−100(x − 0.3)²) + ½exp(−100(x − 0.7)²).  D: (N−1)×N forward "
        "difference.\n"
        "H v = P Sᵀ S P v + e^{ω₁} DᵀD v + e^{ω₂} v (nt forward and nt adjoint "
        "tridiagonal solves, no matrix), C = [e^{ω₁} (DᵀDθ)ᵀ; e^{ω₂} θᵀ] (2×N), "
        "λmax(H) ≤ ‖P‖² + 4e^{ω₁} + e^{ω₂} with ‖P‖ = (1 + 4(κΔt/h²) sin²(πh/2))^{−nt}.\n"
        "G is quadratic: θ* = H⁻¹ P Sᵀ d.  The dense H (exact, newton, closed forms) "
        "is (SP)ᵀ(SP) + …, with S P from s propagations.  Default ω = (−6, −9).",
    .params = heat_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .estimators = "exact cg",   /* the adjoint-state cg of the lesson, against exact */
    .init = heat_init,
    .free = heat_free,
    .clone = heat_clone,
    .G = heat_G,
    .L = heat_L,
    .G_theta = heat_G_theta,
    .G_omega = heat_G_omega,
    .L_theta = heat_L_theta,
    .L_omega = heat_L_omega,
    .hvp = heat_hvp,
    .cvp = heat_cvp,
    .ctvp = heat_ctvp,
    .hessian = heat_hessian,
    .theta_star = heat_theta_star,
    .hypergrad = heat_hypergrad,
    .lipschitz = heat_lipschitz,
    .bound_consts = heat_bound_consts,
    .omega0 = heat_omega0,
    .report = heat_report,
};
