/* inner_qn.c: the matrix-free inner solvers lbfgs and newton-cg.  They use
 * only G, ∇θG and H·v (never a dense H), so they suit large p and the
 * problems whose H is an operator (heat).  Like every inner type they are
 * steppable: one iterate is one search direction and one line search.
 *
 * lbfgs: limited-memory BFGS (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., Alg. 7.4 and 7.5): the direction d = −H_k∇θG from the two-loop
 * recursion over the last m pairs s = θ₊ − θ, y = ∇θG₊ − ∇θG (lbfgs.m,
 * it->mem), with H_k⁰ = γI, γ = sᵀy/yᵀy of the newest pair; a pair with
 * sᵀy ≤ 1e-10‖s‖‖y‖ is skipped.  The step length comes from the
 * strong-Wolfe line search of N&W Alg. 3.5 (bracketing) and 3.6 (zoom, cubic
 * interpolation), c1 = 1e-4, c2 = 0.9, first trial step 1 (after a reset,
 * when d = −∇θG: the gd step η).
 *
 * newton-cg: truncated (inexact) Newton (N&W Alg. 7.1): conjugate
 * gradients on H d = −∇θG with H·v products only, stopped when
 * ‖Hd + ∇θG‖ ≤ min(½, √‖∇θG‖)‖∇θG‖ or at negative curvature (then the last
 * CG iterate, or −∇θG on the first), then Armijo backtracking on G from
 * the full step.
 *
 * The round-off endgame.  Near θ* the decrease of G along a step,
 * about ‖∇θG‖²/λ, falls below the round-off of G itself while ∇θG is
 * still accurate.  A line search on values alone then fails long before
 * ‖∇θG‖ = 1e-10.  Both solvers therefore trust the gradient where values
 * cannot tell: lbfgs uses Hager & Zhang's approximate Wolfe conditions
 * (SIAM J. Optim. 16, 2005): a step whose G is within QN_ROUNDOFF·|G| of the
 * start is accepted when φ'(α) ≤ (2c1 − 1)φ'(0) (for a quadratic the same
 * as the Armijo condition) and the strong curvature condition holds, and
 * values within that band are compared by their slopes; newton-cg, as
 * newton does, accepts such a step when it reduces ‖∇θG‖ by the Armijo
 * fraction.  When nothing can be gained at round-off level, the solver
 * returns BL_ESTALL with the best iterate it has (bl_inner_iterate reports
 * it; bl_inner_solve_info counts it as converged when ‖∇θG‖ ≤ tol). */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "inner.h"
#include "linalg.h"

/* G values within this fraction of |G| are round-off apart (see above). */
#define QN_ROUNDOFF 1e-12
#define LS_C1 1e-4
#define LS_C2 0.9
#define LS_MAXEV 30            /* G and ∇θG evaluations per line search */
#define LBFGS_SKIP 1e-10       /* pairs with sᵀy ≤ this ‖s‖‖y‖ are skipped */
#define LBFGS_FLAT 100         /* iterations without progress: round-off */
/* A decrease of G by more than this fraction of |G| is progress. */
#define QN_GAIN (16 * DBL_EPSILON)

/* ---- the strong-Wolfe line search on φ(α) = G(θ + αd) ---- */

typedef struct {
    bl_inner *it;
    const gsl_vector *x0, *d;
    gsl_vector *x, *g;         /* the last trial point and ∇θG there */
    double f0, d0, eps;        /* φ(0), φ'(0) < 0, round-off band of G */
    size_t nev;
} ls_ctx;

typedef struct { double a, f, df; } ls_pt;

/* φ and φ' at A into Q (non-finite values make f = +inf). */
static void ls_eval(ls_ctx *c, double a, ls_pt *q)
{
    gsl_vector_memcpy(c->x, c->x0);
    gsl_blas_daxpy(a, c->d, c->x);
    q->a = a;
    q->f = bl_problem_G(c->it->P, c->x, c->it->omega);
    bl_problem_G_theta(c->it->P, c->x, c->it->omega, c->g);
    gsl_blas_ddot(c->g, c->d, &q->df);
    if (!isfinite(q->f) || !isfinite(q->df)) {
        q->f = INFINITY;
        q->df = NAN;
    }
    c->nev++;
}

/* Sufficient decrease: Armijo, or within round-off the approximate form
 * φ'(α) ≤ (2c1 − 1)φ'(0) of Hager & Zhang. */
static int ls_suff(const ls_ctx *c, const ls_pt *q)
{
    return q->f <= c->f0 + LS_C1 * q->a * c->d0
           || (q->f <= c->f0 + c->eps && q->df <= (2 * LS_C1 - 1) * c->d0);
}

static int ls_curv(const ls_ctx *c, const ls_pt *q)
{
    return fabs(q->df) <= -LS_C2 * c->d0;
}

/* A trial step between LO.a and HI.a (either order): the minimiser of the
 * cubic through both values and slopes (N&W (3.59)), or of the quadratic
 * through the two slopes when the values are round-off apart, kept 10%
 * away from both ends; bisection when neither exists. */
static double ls_interp(const ls_pt *lo, const ls_pt *hi, double eps)
{
    double a = lo->a, b = hi->a, w = b - a, t = NAN;
    if (isfinite(hi->f) && isfinite(hi->df)) {
        if (fabs(hi->f - lo->f) <= eps) {
            if (hi->df != lo->df) t = a - lo->df * w / (hi->df - lo->df);
        } else {
            double d1 = lo->df + hi->df - 3 * (lo->f - hi->f) / (a - b);
            double disc = d1 * d1 - lo->df * hi->df;
            if (disc >= 0) {
                double d2 = copysign(sqrt(disc), w);
                t = b - w * (hi->df + d2 - d1) / (hi->df - lo->df + 2 * d2);
            }
        }
    }
    if (!isfinite(t)) return a + 0.5 * w;
    double l = fmin(a + 0.1 * w, b - 0.1 * w), u = fmax(a + 0.1 * w, b - 0.1 * w);
    return t < l ? l : t > u ? u : t;
}

/* N&W Alg. 3.6: LO satisfies sufficient decrease with the lowest φ so far,
 * φ'(LO)(HI − LO) < 0.  0: *OUT is accepted and c->x, c->g hold it;
 * 1: no point met both conditions, *OUT is the best one with sufficient
 * decrease (c->x, c->g do not hold it); −1: none. */
static int ls_zoom(ls_ctx *c, ls_pt lo, ls_pt hi, ls_pt *out)
{
    while (c->nev < LS_MAXEV && fabs(hi.a - lo.a) > 1e-15 * fmax(lo.a, hi.a)) {
        ls_pt q;
        ls_eval(c, ls_interp(&lo, &hi, c->eps), &q);
        if (!ls_suff(c, &q) || q.f > lo.f + c->eps) {
            hi = q;
        } else {
            if (ls_curv(c, &q)) {
                *out = q;
                return 0;
            }
            if (q.df * (hi.a - lo.a) >= 0) hi = lo;
            lo = q;
        }
    }
    *out = lo;
    return lo.a > 0 ? 1 : -1;
}

/* N&W Alg. 3.5 from the trial step A1; the answers of ls_zoom.  A
 * non-finite G or gradient counts as too long a step. */
static int ls_search(ls_ctx *c, double a1, ls_pt *out)
{
    ls_pt prev = {0, c->f0, c->d0}, q;
    double a = a1;
    for (int i = 0; c->nev < LS_MAXEV; i++) {
        ls_eval(c, a, &q);
        if (!ls_suff(c, &q) || (i > 0 && q.f > prev.f + c->eps))
            return ls_zoom(c, prev, q, out);
        if (ls_curv(c, &q)) {
            *out = q;
            return 0;
        }
        if (q.df >= 0) return ls_zoom(c, q, prev, out);
        /* still descending: extrapolate, 1.1 to 4 times the last stride
         * further (Moré & Thuente's bounds), at the cubic's minimiser */
        double w = a - prev.a, t = NAN;
        double d1 = prev.df + q.df - 3 * (prev.f - q.f) / (prev.a - a);
        double disc = d1 * d1 - prev.df * q.df;
        if (disc >= 0) {
            double d2 = sqrt(disc);
            t = a - w * (q.df + d2 - d1) / (q.df - prev.df + 2 * d2);
        }
        if (!isfinite(t) || t > a + 4 * w) t = a + 4 * w;
        if (t < a + 1.1 * w) t = a + 1.1 * w;
        prev = q;
        a = t;
    }
    *out = prev;
    return prev.a > 0 ? 1 : -1;
}

/* ---- lbfgs ---- */

typedef struct {
    size_t p, m;               /* dimension, pairs allocated */
    gsl_vector **s, **y;       /* ring of pairs: the newest at (head + n − 1) % m */
    gsl_vector *s1, *y1;       /* the next pair, until it is kept */
    double *rho, *alpha;
    size_t head, n;
    gsl_vector *d, *x, *g;     /* direction, line-search point and gradient */
    double best;               /* smallest ‖∇θG‖ so far */
    double fref;               /* G when progress was last seen */
    unsigned flat;             /* iterations since then */
} lbfgs_state;

static void lbfgs_free_pairs(lbfgs_state *b)
{
    for (size_t i = 0; i < b->m; i++) {
        if (b->s) gsl_vector_free(b->s[i]);
        if (b->y) gsl_vector_free(b->y[i]);
    }
    free(b->s);
    free(b->y);
    free(b->rho);
    free(b->alpha);
    b->s = b->y = NULL;
    b->rho = b->alpha = NULL;
    b->m = 0;
}

static int lbfgs_alloc(void *s, size_t p)
{
    lbfgs_state *b = s;
    b->p = p;
    b->d = gsl_vector_alloc(p);
    b->x = gsl_vector_alloc(p);
    b->g = gsl_vector_alloc(p);
    b->s1 = gsl_vector_alloc(p);
    b->y1 = gsl_vector_alloc(p);
    return b->d && b->x && b->g && b->s1 && b->y1 ? BL_OK : BL_ENOMEM;
}

/* The pairs are allocated here, as m (it->mem) may change between sets. */
static int lbfgs_set(void *s, bl_inner *it)
{
    lbfgs_state *b = s;
    size_t m = it->mem ? it->mem : BL_LBFGS_M;
    if (m != b->m) {
        lbfgs_free_pairs(b);
        b->s = calloc(m, sizeof *b->s);
        b->y = calloc(m, sizeof *b->y);
        b->rho = malloc(m * sizeof *b->rho);
        b->alpha = malloc(m * sizeof *b->alpha);
        if (!b->s || !b->y || !b->rho || !b->alpha) {
            lbfgs_free_pairs(b);
            return BL_ENOMEM;
        }
        b->m = m;
        for (size_t i = 0; i < m; i++) {
            b->s[i] = gsl_vector_alloc(b->p);
            b->y[i] = gsl_vector_alloc(b->p);
            if (!b->s[i] || !b->y[i]) {
                lbfgs_free_pairs(b);
                return BL_ENOMEM;
            }
        }
    }
    b->head = b->n = 0;
    b->best = it->resid;
    b->fref = it->value;
    b->flat = 0;
    return BL_OK;
}

/* d = −H_k g by the two-loop recursion (N&W Alg. 7.4). */
static void lbfgs_direction(lbfgs_state *b, const gsl_vector *g)
{
    gsl_vector_memcpy(b->d, g);
    gsl_vector_scale(b->d, -1.0);
    if (!b->n) return;
    for (size_t k = b->n; k-- > 0;) {
        size_t i = (b->head + k) % b->m;
        double t;
        gsl_blas_ddot(b->s[i], b->d, &t);
        b->alpha[i] = b->rho[i] * t;
        gsl_blas_daxpy(-b->alpha[i], b->y[i], b->d);
    }
    size_t nw = (b->head + b->n - 1) % b->m;
    double yy;
    gsl_blas_ddot(b->y[nw], b->y[nw], &yy);
    gsl_vector_scale(b->d, 1.0 / (b->rho[nw] * yy));      /* γ = sᵀy/yᵀy */
    for (size_t k = 0; k < b->n; k++) {
        size_t i = (b->head + k) % b->m;
        double t;
        gsl_blas_ddot(b->y[i], b->d, &t);
        gsl_blas_daxpy(b->alpha[i] - b->rho[i] * t, b->s[i], b->d);
    }
}

static int lbfgs_iterate(void *s, bl_inner *it)
{
    lbfgs_state *b = s;
    if (it->resid == 0) return BL_OK;             /* at a stationary point */
    double f0 = it->value, slope = 0, a1 = 1.0;
    ls_ctx c = {.it = it, .x0 = it->theta, .d = b->d, .x = b->x, .g = b->g,
                .f0 = f0, .eps = QN_ROUNDOFF * fabs(f0)};
    ls_pt q;
    int ls = -1;
    for (int attempt = 0; attempt < 2; attempt++) {
        lbfgs_direction(b, it->grad);
        gsl_blas_ddot(it->grad, b->d, &slope);
        if (!(slope < 0) && b->n) {                /* not a descent direction */
            b->n = 0;
            lbfgs_direction(b, it->grad);
            gsl_blas_ddot(it->grad, b->d, &slope);
        }
        if (!(slope < 0)) return isfinite(slope) ? BL_ESTALL : BL_EDIVERGE;
        a1 = 1.0;
        if (!b->n) a1 = it->eta > 0 && isfinite(it->eta) ? it->eta : 1.0 / it->resid;
        c.d0 = slope;
        c.nev = 0;
        ls = ls_search(&c, a1, &q);
        if (ls >= 0 || !b->n) break;
        b->n = 0;                                  /* forget the pairs, try −∇θG */
    }
    if (ls < 0) return BL_ESTALL;                  /* no decrease at all: round-off */
    if (ls == 1) ls_eval(&c, q.a, &q);             /* the best point, again */
    if (!isfinite(q.f)) return BL_EDIVERGE;

    /* the new pair s = θ₊ − θ, y = ∇θG₊ − ∇θG; kept in the next slot of
     * the ring (the oldest pair's when it is full) unless skipped */
    gsl_vector *sv = b->s1, *yv = b->y1;
    gsl_vector_memcpy(sv, b->x);
    gsl_vector_sub(sv, it->theta);
    gsl_vector_memcpy(yv, b->g);
    gsl_vector_sub(yv, it->grad);
    double sy, sn = gsl_blas_dnrm2(sv), yn = gsl_blas_dnrm2(yv);
    gsl_blas_ddot(sv, yv, &sy);
    if (sy > LBFGS_SKIP * sn * yn && isfinite(sy)) {
        size_t slot = (b->head + b->n) % b->m;
        b->s1 = b->s[slot];
        b->y1 = b->y[slot];
        b->s[slot] = sv;
        b->y[slot] = yv;
        b->rho[slot] = 1.0 / sy;
        if (b->n < b->m) b->n++;
        else b->head = (b->head + 1) % b->m;
    }

    gsl_vector_memcpy(it->theta, b->x);
    gsl_vector_memcpy(it->grad, b->g);
    it->value = q.f;
    it->resid = gsl_blas_dnrm2(it->grad);
    if (!isfinite(it->resid)) return BL_EDIVERGE;
    /* Progress: a new smallest residual, or G lower than at the last
     * progress by more than its round-off (on an ill-conditioned problem
     * each step may gain less, and ‖∇θG‖ is not monotone).  Without
     * either, the iterate is at round-off only where the model's decrease
     * −½α₁∇θGᵀd (about G − G*) is below G's round-off too: then
     * ‖∇θG‖ is noise, and its new lows get ever rarer.  LBFGS_FLAT such
     * iterations in a row (more than the longest run between new lows
     * seen when converging, even with m = 1) mean round-off. */
    double gain = QN_GAIN * fabs(b->fref);
    if (it->resid < b->best || b->fref - q.f > gain || -0.5 * a1 * slope > gain) {
        if (it->resid < b->best || b->fref - q.f > gain) b->fref = q.f;
        b->flat = 0;
    } else if (++b->flat >= LBFGS_FLAT) {
        return BL_ESTALL;
    }
    if (it->resid < b->best) b->best = it->resid;
    return BL_OK;
}

static void lbfgs_free(void *s)
{
    lbfgs_state *b = s;
    lbfgs_free_pairs(b);
    gsl_vector_free(b->d);
    gsl_vector_free(b->x);
    gsl_vector_free(b->g);
    gsl_vector_free(b->s1);
    gsl_vector_free(b->y1);
}

/* saved: the pairs kept (oldest first: the ring restarts at 0, which
 * changes no sum), the smallest residual, G at the last progress and the
 * iterations since */
static size_t lbfgs_save(const void *s, const bl_inner *it, double *w)
{
    const lbfgs_state *b = s;
    size_t p = b->p, n = b->n;
    (void)it;
    if (w) {
        w[0] = (double)n;
        w[1] = b->best;
        w[2] = b->fref;
        w[3] = b->flat;
        for (size_t k = 0; k < n; k++) {
            size_t i = (b->head + k) % b->m;
            double *q = w + 4 + k * (1 + 2 * p);
            q[0] = b->rho[i];
            for (size_t j = 0; j < p; j++) {
                q[1 + j] = gsl_vector_get(b->s[i], j);
                q[1 + p + j] = gsl_vector_get(b->y[i], j);
            }
        }
    }
    return 4 + n * (1 + 2 * p);
}

static int lbfgs_load(void *s, bl_inner *it, const double *w, size_t n)
{
    lbfgs_state *b = s;
    size_t p = b->p;
    (void)it;
    if (n < 4 || !(w[0] >= 0 && w[0] <= (double)b->m) || w[0] != floor(w[0])
        || !(w[3] >= 0 && w[3] <= 1e9))
        return BL_EINVAL;
    size_t k = (size_t)w[0];
    if (n != 4 + k * (1 + 2 * p)) return BL_EINVAL;
    b->head = 0;
    b->n = k;
    b->best = w[1];
    b->fref = w[2];
    b->flat = (unsigned)w[3];
    for (size_t i = 0; i < k; i++) {
        const double *q = w + 4 + i * (1 + 2 * p);
        b->rho[i] = q[0];
        for (size_t j = 0; j < p; j++) {
            gsl_vector_set(b->s[i], j, q[1 + j]);
            gsl_vector_set(b->y[i], j, q[1 + p + j]);
        }
    }
    return BL_OK;
}

const bl_inner_type bl_inner_lbfgs_type = {
    .name = "lbfgs",
    .help = "limited-memory BFGS, memory lbfgs.m, strong-Wolfe line search "
        "(matrix-free: G and ∇θG only)",
    .size = sizeof(lbfgs_state),
    .alloc = lbfgs_alloc, .set = lbfgs_set, .iterate = lbfgs_iterate, .free = lbfgs_free,
    .save = lbfgs_save, .load = lbfgs_load,
};

/* ---- newton-cg ---- */

#define NCG_MAXCG 1000          /* CG iterations per Newton step at most */
#define NCG_FLAT 3

typedef struct {
    gsl_vector *d, *r, *q, *hq, *trial, *gtrial;
    double best;
    unsigned flat;
    size_t cg;                  /* CG iterations of the last step */
} ncg_state;

static int ncg_alloc(void *s, size_t p)
{
    ncg_state *n = s;
    n->d = gsl_vector_alloc(p);
    n->r = gsl_vector_alloc(p);
    n->q = gsl_vector_alloc(p);
    n->hq = gsl_vector_alloc(p);
    n->trial = gsl_vector_alloc(p);
    n->gtrial = gsl_vector_alloc(p);
    return n->d && n->r && n->q && n->hq && n->trial && n->gtrial ? BL_OK : BL_ENOMEM;
}

static int ncg_set(void *s, bl_inner *it)
{
    ncg_state *n = s;
    n->best = it->resid;
    n->flat = 0;
    n->cg = 0;
    return BL_OK;
}

/* n->d ≈ −H⁻¹g by CG from 0 to the forcing tolerance.  Returns 1 when
 * d is −g (negative curvature at once), 0 otherwise. */
static int ncg_direction(ncg_state *n, bl_inner *it)
{
    double gn = it->resid, tol = fmin(0.5, sqrt(gn)) * gn;
    size_t p = it->theta->size, maxcg = 2 * p < NCG_MAXCG ? 2 * p : NCG_MAXCG;
    gsl_vector_set_zero(n->d);
    gsl_vector_memcpy(n->r, it->grad);             /* r = −g − H d */
    gsl_vector_scale(n->r, -1.0);
    gsl_vector_memcpy(n->q, n->r);
    double rr = gn * gn;
    for (n->cg = 0; n->cg < maxcg; n->cg++) {
        double curv;
        bl_problem_hvp(it->P, it->theta, it->omega, n->q, n->hq);
        gsl_blas_ddot(n->q, n->hq, &curv);
        if (!(curv > 0)) {                         /* negative curvature (or NaN) */
            if (n->cg > 0) return 0;
            gsl_vector_memcpy(n->d, n->r);
            return 1;
        }
        double a = rr / curv, rr1;
        gsl_blas_daxpy(a, n->q, n->d);
        gsl_blas_daxpy(-a, n->hq, n->r);
        rr1 = gsl_blas_dnrm2(n->r);
        if (rr1 <= tol) { n->cg++; break; }
        rr1 *= rr1;
        gsl_vector_scale(n->q, rr1 / rr);
        gsl_vector_add(n->q, n->r);
        rr = rr1;
    }
    return 0;
}

static int ncg_iterate(void *s, bl_inner *it)
{
    ncg_state *n = s;
    if (it->resid == 0) return BL_OK;
    int steepest = ncg_direction(n, it);
    double slope, g0 = it->value, gt = g0, eps = QN_ROUNDOFF * fabs(g0);
    gsl_blas_ddot(it->grad, n->d, &slope);
    if (!(slope < 0) && !steepest) {                /* CG went astray: −g */
        gsl_vector_memcpy(n->d, it->grad);
        gsl_vector_scale(n->d, -1.0);
        gsl_blas_ddot(it->grad, n->d, &slope);
        steepest = 1;
    }
    if (!(slope < 0)) return isfinite(slope) ? BL_ESTALL : BL_EDIVERGE;
    double step = steepest && it->eta > 0 && isfinite(it->eta) ? it->eta : 1.0;
    int have_grad = 0;
    for (int k = 0;; k++, step *= 0.5) {
        if (k == 40) return BL_ESTALL;              /* no decrease: round-off */
        gsl_vector_memcpy(n->trial, it->theta);
        gsl_blas_daxpy(step, n->d, n->trial);
        gt = bl_problem_G(it->P, n->trial, it->omega);
        if (gt <= g0 + 1e-4 * step * slope) break;
        /* within round-off of G: accept a step that reduces ‖∇θG‖ by the
         * Armijo fraction (as newton does) */
        if (!(gt <= g0 + eps)) continue;
        bl_problem_G_theta(it->P, n->trial, it->omega, n->gtrial);
        if (gsl_blas_dnrm2(n->gtrial) <= (1 - 1e-4 * step) * it->resid) {
            have_grad = 1;
            break;
        }
    }
    gsl_vector_memcpy(it->theta, n->trial);
    it->value = gt;
    if (have_grad) gsl_vector_memcpy(it->grad, n->gtrial);
    else bl_problem_G_theta(it->P, it->theta, it->omega, it->grad);
    it->resid = gsl_blas_dnrm2(it->grad);
    if (!isfinite(it->value) || !isfinite(it->resid)) return BL_EDIVERGE;
    /* progress as for lbfgs: the residual halved, a decrease of G beyond
     * its round-off, or a Newton model decrease −½∇θGᵀd beyond it;
     * NCG_FLAT steps without any mean round-off */
    double gain = QN_GAIN * fabs(g0);
    if (it->resid < 0.5 * n->best || g0 - gt > gain || -0.5 * slope > gain) n->flat = 0;
    else if (++n->flat >= NCG_FLAT) return BL_ESTALL;
    if (it->resid < n->best) n->best = it->resid;
    return BL_OK;
}

static void ncg_free(void *s)
{
    ncg_state *n = s;
    gsl_vector_free(n->d);
    gsl_vector_free(n->r);
    gsl_vector_free(n->q);
    gsl_vector_free(n->hq);
    gsl_vector_free(n->trial);
    gsl_vector_free(n->gtrial);
}

/* saved: the smallest residual and the flat steps since */
static size_t ncg_save(const void *s, const bl_inner *it, double *w)
{
    const ncg_state *c = s;
    (void)it;
    if (w) {
        w[0] = c->best;
        w[1] = c->flat;
        w[2] = (double)c->cg;
    }
    return 3;
}

static int ncg_load(void *s, bl_inner *it, const double *w, size_t n)
{
    ncg_state *c = s;
    (void)it;
    if (n != 3 || !(w[1] >= 0 && w[1] <= 1e9) || !(w[2] >= 0 && w[2] <= 1e15))
        return BL_EINVAL;
    c->best = w[0];
    c->flat = (unsigned)w[1];
    c->cg = (size_t)w[2];
    return BL_OK;
}

const bl_inner_type bl_inner_newton_cg_type = {
    .name = "newton-cg",
    .help = "truncated Newton: CG on H d = −∇θG with H·v products only "
        "(forcing min(½, √‖∇θG‖)), Armijo backtracking",
    .size = sizeof(ncg_state),
    .alloc = ncg_alloc, .set = ncg_set, .iterate = ncg_iterate, .free = ncg_free,
    .save = ncg_save, .load = ncg_load,
};

const bl_inner_type *const bl_inner_lbfgs = &bl_inner_lbfgs_type;
const bl_inner_type *const bl_inner_newton_cg = &bl_inner_newton_cg_type;
