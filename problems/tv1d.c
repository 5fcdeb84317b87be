/* tv1d.c: 1-D total-variation denoising with a smoothed TV penalty
 * (doc/catalogue.md, "Problems (first catalogue)", `tv1d`;
 * doc/problems/tv1d.md).
 *
 *   G(θ, ω) = ½‖θ − s‖² + e^ω Σ_{i<N} φ(θ_{i+1} − θ_i),  φ(r) = sqrt(r² + ε²)
 *   L(θ, ω) = ½‖θ − s_clean‖²
 *
 * s = s_clean + noise, s_clean piecewise constant from the signal
 * generator below.  With D the (N−1)×N forward difference and r = Dθ:
 * ∇θG = θ − s + e^ω Dᵀφ'(r), H = I + e^ω Dᵀ diag(φ''(r)) D (tridiagonal),
 * C = e^ω (Dᵀφ'(r))ᵀ, φ' = r/φ, φ'' = ε²/φ³. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"

enum { PAR_N, PAR_JUMPS, PAR_NOISE, PAR_SEED, PAR_EPS, NPAR };

static const bl_param tv_params[NPAR] = {
    {"N", 100, 2, 100000, 1, "length of the signal (dimension of θ)", NULL},
    {"jumps", 4, 0, 99999, 1, "number of jumps of s_clean (at most N − 1)", NULL},
    {"noise", 0.1, 0, 1e3, 0, "standard deviation of the noise added to s_clean", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the signal", NULL},
    {"eps", 1e-2, 1e-8, 1e3, 0, "smoothing ε of the TV term sqrt(r² + ε²)", NULL},
};

typedef struct {
    gsl_vector *s, *clean;  /* noisy and clean signal, N */
    gsl_vector *r;          /* workspace, N − 1 */
    double eps;
    size_t jumps;
} tv_state;

static void tv_state_free(tv_state *t)
{
    if (!t) return;
    gsl_vector_free(t->s);
    gsl_vector_free(t->clean);
    gsl_vector_free(t->r);
    free(t);
}

static tv_state *tv_state_alloc(size_t N)
{
    tv_state *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->s = gsl_vector_alloc(N);
    t->clean = gsl_vector_alloc(N);
    t->r = gsl_vector_alloc(N - 1);
    if (!t->s || !t->clean || !t->r) {
        tv_state_free(t);
        return NULL;
    }
    return t;
}

/* The signal generator.  mt19937 seeded with seed (GSL maps 0 to 4357):
 *   1. the jump positions: gsl_ran_choose picks `jumps` of 1 .. N−1 (kept
 *      in increasing order); a jump at k starts a new piece at index k,
 *   2. the levels of the jumps + 1 pieces, left to right, N(0, 1) each,
 *   3. the noise, s_i = s_clean_i + noise · N(0, 1), i = 0 .. N−1,
 * every normal draw by gsl_ran_gaussian(r, 1). */
static int generate(tv_state *t, size_t N, size_t jumps, double noise, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    size_t *src = malloc((N - 1) * sizeof *src), *pos = malloc((jumps + 1) * sizeof *pos);
    int st = r && src && pos ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        gsl_rng_set(r, seed);
        for (size_t i = 0; i + 1 < N; i++) src[i] = i + 1;
        if (jumps > 0 && gsl_ran_choose(r, pos, jumps, src, N - 1, sizeof *src) != GSL_SUCCESS)
            st = BL_EINVAL;
    }
    if (st == BL_OK) {
        pos[jumps] = N;
        size_t k = 0;
        double level = gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < N; i++) {
            if (k < jumps && i == pos[k]) {
                level = gsl_ran_gaussian(r, 1.0);
                k++;
            }
            gsl_vector_set(t->clean, i, level);
        }
        for (size_t i = 0; i < N; i++)
            gsl_vector_set(t->s, i, gsl_vector_get(t->clean, i) + noise * gsl_ran_gaussian(r, 1.0));
    }
    if (r) gsl_rng_free(r);
    free(src);
    free(pos);
    return st;
}

static int tv_init(bl_problem *P, bl_err *e)
{
    size_t N = (size_t)P->par[PAR_N], jumps = (size_t)P->par[PAR_JUMPS];
    if (jumps > N - 1) {
        bl_err_set(e, BL_EINVAL, "jumps=%zu is more than N − 1 = %zu positions", jumps, N - 1);
        return BL_EINVAL;
    }
    tv_state *t = tv_state_alloc(N);
    if (!t) {
        bl_err_set(e, BL_ENOMEM, "out of memory building tv1d with N=%zu", N);
        return BL_ENOMEM;
    }
    int st = generate(t, N, jumps, P->par[PAR_NOISE], (unsigned long)P->par[PAR_SEED]);
    if (st) {
        tv_state_free(t);
        bl_err_set(e, st, "tv1d: the signal generator failed (%s)", bl_strerror(st));
        return st;
    }
    t->eps = P->par[PAR_EPS];
    t->jumps = jumps;
    P->p = N;
    P->d = 1;
    P->state = t;
    return BL_OK;
}

static void tv_free(bl_problem *P)
{
    tv_state_free(P->state);
    P->state = NULL;
}

static int tv_clone(const bl_problem *src, bl_problem *dst)
{
    const tv_state *a = src->state;
    tv_state *b = tv_state_alloc(src->p);
    if (!b) return BL_ENOMEM;
    gsl_vector_memcpy(b->s, a->s);
    gsl_vector_memcpy(b->clean, a->clean);
    b->eps = a->eps;
    b->jumps = a->jumps;
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om) { return exp(gsl_vector_get(om, 0)); }

/* r ← D x */
static void diff(cvec *x, gsl_vector *r)
{
    for (size_t i = 0; i < r->size; i++)
        gsl_vector_set(r, i, gsl_vector_get(x, i + 1) - gsl_vector_get(x, i));
}

/* out ← out + a Dᵀq:  (Dᵀq)_j = q_{j−1} − q_j (q_{−1} = q_{N−1} = 0) */
static void diff_t_add(double a, const gsl_vector *q, gsl_vector *out)
{
    for (size_t i = 0; i < q->size; i++) {
        double v = a * gsl_vector_get(q, i);
        gsl_vector_set(out, i + 1, gsl_vector_get(out, i + 1) + v);
        gsl_vector_set(out, i, gsl_vector_get(out, i) - v);
    }
}

static double phi(double r, double eps) { return sqrt(r * r + eps * eps); }

static double half_dist2(cvec *a, const gsl_vector *b)
{
    double s = 0;
    for (size_t i = 0; i < a->size; i++) {
        double t = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        s += t * t;
    }
    return 0.5 * s;
}

/* Σ φ(r_i) at r = Dθ */
static double tv(tv_state *t, cvec *th)
{
    double s = 0;
    diff(th, t->r);
    for (size_t i = 0; i < t->r->size; i++) s += phi(gsl_vector_get(t->r, i), t->eps);
    return s;
}

static double tv_G(bl_problem *P, cvec *th, cvec *om)
{
    tv_state *t = P->state;
    return half_dist2(th, t->s) + lam(om) * tv(t, th);
}

static double tv_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    tv_state *t = P->state;
    return half_dist2(th, t->clean);
}

/* t->r ← φ'(Dθ) */
static void dphi(tv_state *t, cvec *th)
{
    diff(th, t->r);
    for (size_t i = 0; i < t->r->size; i++) {
        double r = gsl_vector_get(t->r, i);
        gsl_vector_set(t->r, i, r / phi(r, t->eps));
    }
}

static void tv_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    tv_state *t = P->state;
    gsl_vector_memcpy(g, th);
    gsl_vector_sub(g, t->s);
    dphi(t, th);
    diff_t_add(lam(om), t->r, g);
}

static void tv_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    tv_state *t = P->state;
    gsl_vector_set(g, 0, lam(om) * tv(t, th));
}

static void tv_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    tv_state *t = P->state;
    gsl_vector_memcpy(g, th);
    gsl_vector_sub(g, t->clean);
}

static void tv_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = v + e^ω Dᵀ(φ''(r) ∘ D v) */
static void tv_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    tv_state *t = P->state;
    size_t n = t->r->size;
    gsl_vector_memcpy(out, v);
    diff(th, t->r);
    for (size_t i = 0; i < n; i++) {
        double f = phi(gsl_vector_get(t->r, i), t->eps);
        double dv = gsl_vector_get(v, i + 1) - gsl_vector_get(v, i);
        gsl_vector_set(t->r, i, t->eps * t->eps / (f * f * f) * dv);
    }
    diff_t_add(lam(om), t->r, out);
}

/* C = e^ω (Dᵀφ'(r))ᵀ: C v = e^ω φ'(r)ᵀ D v */
static void tv_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    tv_state *t = P->state;
    double s = 0;
    dphi(t, th);
    for (size_t i = 0; i < t->r->size; i++)
        s += gsl_vector_get(t->r, i) * (gsl_vector_get(v, i + 1) - gsl_vector_get(v, i));
    gsl_vector_set(out, 0, lam(om) * s);
}

static void tv_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    tv_state *t = P->state;
    gsl_vector_set_zero(out);
    dphi(t, th);
    diff_t_add(lam(om) * gsl_vector_get(u, 0), t->r, out);
}

/* H is tridiagonal: H_jj = 1 + λ(w_{j−1} + w_j), H_{j,j+1} = −λ w_j, w = φ''(r) */
static int tv_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    tv_state *t = P->state;
    double l = lam(om);
    gsl_matrix_set_identity(H);
    diff(th, t->r);
    for (size_t i = 0; i < t->r->size; i++) {
        double f = phi(gsl_vector_get(t->r, i), t->eps), w = l * t->eps * t->eps / (f * f * f);
        gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + w);
        gsl_matrix_set(H, i + 1, i + 1, gsl_matrix_get(H, i + 1, i + 1) + w);
        gsl_matrix_set(H, i, i + 1, -w);
        gsl_matrix_set(H, i + 1, i, -w);
    }
    return BL_OK;
}

/* φ'' ≤ 1/ε and ‖D‖² ≤ 4: λmax(H) ≤ 1 + 4e^ω/ε, for every θ */
static double tv_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    tv_state *t = P->state;
    return 1.0 + 4.0 * lam(om) / t->eps;
}

/* λ = e^{−2} ≈ 0.135: a moderate penalty for the default noise 0.1 */
static void tv_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_all(om, -2.0);
}

static int tv_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)om;
    tv_state *t = P->state;
    double et = sqrt(2 * half_dist2(th, t->clean)), en = sqrt(2 * half_dist2(t->s, t->clean));
    snprintf(buf, len, "‖θ − s_clean‖ = %.4g against the noise ‖s − s_clean‖ = %.4g "
             "(%zu jumps in s_clean)", et, en, t->jumps);
    return BL_OK;
}

const bl_problem_type bl_problem_tv1d = {
    .name = "tv1d",
    .summary = "1-D total-variation denoising of a piecewise-constant signal",
    .inner_text = "G(θ, ω) = ½‖θ − s‖² + e^ω Σ_{i<N} sqrt((θ_{i+1} − θ_i)² + ε²)",
    .outer_text = "L(θ, ω) = ½‖θ − s_clean‖²",
    .notes =
        "θ ∈ R^N, ω ∈ R; s = s_clean + noise·N(0, 1), s_clean piecewise constant with "
        "`jumps` jumps.  Generator (mt19937 seeded with seed): positions by "
        "gsl_ran_choose among 1..N−1, then the levels of the pieces left to right, "
        "then the N noise draws, all N(0, 1).\n"
        "r = Dθ (forward differences), φ(r) = sqrt(r² + ε²): ∇θG = θ − s + e^ω Dᵀ(r/φ), "
        "H = I + e^ω Dᵀ diag(ε²/φ³) D (tridiagonal), C = e^ω (Dᵀ(r/φ))ᵀ (1×N), "
        "λmax(H) ≤ 1 + 4e^ω/ε.\n"
        "Needs no data set.  Default ω = −2.  No closed form for θ*: newton converges "
        "in a few steps, gd is slow (η = 1/(1 + 4e^ω/ε)).",
    .params = tv_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .init = tv_init,
    .free = tv_free,
    .clone = tv_clone,
    .G = tv_G,
    .L = tv_L,
    .G_theta = tv_G_theta,
    .G_omega = tv_G_omega,
    .L_theta = tv_L_theta,
    .L_omega = tv_L_omega,
    .hvp = tv_hvp,
    .cvp = tv_cvp,
    .ctvp = tv_ctvp,
    .hessian = tv_hessian,
    .lipschitz = tv_lipschitz,
    .omega0 = tv_omega0,
    .report = tv_report,
};
