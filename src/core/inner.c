/* inner.c: the inner iterator life cycle and the solvers gd, agd,
 * newton, bfgs2 and bda (lbfgs and newton-cg: inner_qn.c).  Each solver is a static type; the table lists them. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>

#include "inner.h"
#include "linalg.h"

/* ---- history ---- */

void bl_history_clear(bl_history *h) { h->n = 0; }

int bl_history_push(bl_history *h, double value, double resid)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        double *v = realloc(h->value, cap * sizeof *v);
        if (!v) return BL_ENOMEM;
        h->value = v;
        double *r = realloc(h->resid, cap * sizeof *r);
        if (!r) return BL_ENOMEM;
        h->resid = r;
        h->cap = cap;
    }
    h->value[h->n] = value;
    h->resid[h->n] = resid;
    h->n++;
    return BL_OK;
}

void bl_history_free(bl_history *h)
{
    free(h->value);
    free(h->resid);
    memset(h, 0, sizeof *h);
}

/* ---- shared helpers ---- */

static int nonsmooth(const bl_problem *P)
{
    return (P->type->flags & BL_PROB_NONSMOOTH) && P->type->step;
}

/* Refreshes value, gradient and residual at it->theta.  The residual is
 * ‖∇θG‖, or for non-smooth problems the prox-gradient mapping
 * ‖θ − prox_{ηg}(θ − η∇f(θ))‖/η (CATALOGUE.md, Notation). */
static int refresh(bl_inner *it)
{
    it->value = bl_problem_G(it->P, it->theta, it->omega);
    bl_problem_G_theta(it->P, it->theta, it->omega, it->grad);
    if (nonsmooth(it->P) && it->work) {
        bl_problem_step(it->P, it->theta, it->omega, it->eta, it->work);
        gsl_vector_sub(it->work, it->theta);
        it->resid = gsl_blas_dnrm2(it->work) / it->eta;
    } else {
        it->resid = gsl_blas_dnrm2(it->grad);
    }
    if (!isfinite(it->value) || !isfinite(it->resid)) return BL_EDIVERGE;
    return BL_OK;
}

double bl_inner_default_eta(bl_problem *P, const gsl_vector *theta,
                            const gsl_vector *omega)
{
    double L = bl_problem_lipschitz(P, theta, omega);
    return L > 0 && isfinite(L) ? 1.0 / L : 1.0;
}

double bl_inner_residual(bl_problem *P, const gsl_vector *theta,
                         const gsl_vector *omega, double eta)
{
    gsl_vector *w = gsl_vector_alloc(P->p);
    if (!w) return NAN;
    double r;
    if (nonsmooth(P)) {
        if (!(eta > 0)) eta = bl_inner_default_eta(P, theta, omega);
        bl_problem_step(P, theta, omega, eta, w);
        gsl_vector_sub(w, theta);
        r = gsl_blas_dnrm2(w) / eta;
    } else {
        bl_problem_G_theta(P, theta, omega, w);
        r = gsl_blas_dnrm2(w);
    }
    gsl_vector_free(w);
    return r;
}

/* ---- gd: θ ← θ − η ∇_θG(θ) ---- */

static int gd_alloc(void *s, size_t p) { (void)s; (void)p; return BL_OK; }
static int gd_set(void *s, bl_inner *it) { (void)s; (void)it; return BL_OK; }
static void gd_free(void *s) { (void)s; }

static int gd_iterate(void *s, bl_inner *it)
{
    (void)s;
    gsl_blas_daxpy(-it->eta, it->grad, it->theta);
    return refresh(it);
}

static const bl_inner_type gd_type = {
    "gd", "gradient descent with fixed step η: θ ← θ − η∇θG", 0,
    gd_alloc, gd_set, gd_iterate, gd_free,
    NULL, NULL,
};

/* ---- agd: Nesterov's accelerated gradient (FISTA momentum sequence) ----
 * y = θ_k + (t_{k−1} − 1)/t_k (θ_k − θ_{k−1}), θ_{k+1} = y − η∇G(y). */

typedef struct { gsl_vector *prev, *y, *gy; double t; } agd_state;

static int agd_alloc(void *s, size_t p)
{
    agd_state *a = s;
    a->prev = gsl_vector_alloc(p);
    a->y = gsl_vector_alloc(p);
    a->gy = gsl_vector_alloc(p);
    return a->prev && a->y && a->gy ? BL_OK : BL_ENOMEM;
}

static int agd_set(void *s, bl_inner *it)
{
    agd_state *a = s;
    gsl_vector_memcpy(a->prev, it->theta);
    a->t = 1.0;
    return BL_OK;
}

static int agd_iterate(void *s, bl_inner *it)
{
    agd_state *a = s;
    double t1 = 0.5 * (1.0 + sqrt(1.0 + 4.0 * a->t * a->t));
    double beta = (a->t - 1.0) / t1;
    /* y = θ + β(θ − prev) */
    gsl_vector_memcpy(a->y, it->theta);
    gsl_vector_scale(a->y, 1.0 + beta);
    gsl_blas_daxpy(-beta, a->prev, a->y);
    gsl_vector_memcpy(a->prev, it->theta);
    bl_problem_G_theta(it->P, a->y, it->omega, a->gy);
    gsl_vector_memcpy(it->theta, a->y);
    gsl_blas_daxpy(-it->eta, a->gy, it->theta);
    a->t = t1;
    return refresh(it);
}

static void agd_free(void *s)
{
    agd_state *a = s;
    gsl_vector_free(a->prev);
    gsl_vector_free(a->y);
    gsl_vector_free(a->gy);
}

static const bl_inner_type agd_type = {
    "agd", "Nesterov's accelerated gradient with step η (FISTA momentum)",
    sizeof(agd_state), agd_alloc, agd_set, agd_iterate, agd_free,
    NULL, NULL,
};

/* ---- newton: θ ← θ − s H⁻¹∇G, Cholesky, Armijo backtracking on s ---- */

typedef struct {
    gsl_matrix *H;
    gsl_vector *dir, *trial, *gtrial;
    double best;        /* smallest residual so far */
    int flat;           /* Newton steps in a row that did not improve it */
} newton_state;

static int newton_alloc(void *s, size_t p)
{
    newton_state *n = s;
    n->H = gsl_matrix_alloc(p, p);
    n->dir = gsl_vector_alloc(p);
    n->trial = gsl_vector_alloc(p);
    n->gtrial = gsl_vector_alloc(p);
    return n->H && n->dir && n->trial && n->gtrial ? BL_OK : BL_ENOMEM;
}

static int newton_set(void *s, bl_inner *it)
{
    newton_state *n = s;
    n->best = it->resid;
    n->flat = 0;
    return BL_OK;
}

static int newton_iterate(void *s, bl_inner *it)
{
    newton_state *n = s;
    int st = bl_problem_hessian(it->P, it->theta, it->omega, n->H);
    if (st) return st;
    /* H is made anew each iteration: factorise it in place, and only on
     * failure make it again for the smallest eigenvalue */
    st = bl_chol_solve_inplace(n->H, it->grad, n->dir);
    if (st) {
        double lmin = NAN;
        if (bl_problem_hessian(it->P, it->theta, it->omega, n->H) == BL_OK)
            bl_sym_eig_range(n->H, &lmin, NULL);
        it->eta = lmin;   /* reported by bl_inner_iterate */
        return BL_ENOTPD;
    }
    double slope, step = 1.0, g0 = it->value, gt = g0;
    int have_grad = 0;                              /* gtrial is ∇θG(trial) */
    gsl_blas_ddot(it->grad, n->dir, &slope);       /* > 0 */
    for (int k = 0;; k++, step *= 0.5) {
        /* no decrease in 40 halvings: the iterate is at round-off level */
        if (k == 40) return BL_ESTALL;
        gsl_vector_memcpy(n->trial, it->theta);
        gsl_blas_daxpy(-step, n->dir, n->trial);
        gt = bl_problem_G(it->P, n->trial, it->omega);
        if (gt <= g0 - 1e-4 * step * slope) break;
        /* Close to the minimum the decrease of G drowns in its round-off
         * while the gradient still shrinks: accept a step that reduces
         * ‖∇θG‖ by the same Armijo fraction, as long as G does not grow
         * beyond round-off (a real increase is no progress: on tv1d it
         * made Newton cycle). */
        if (gt > g0 + 1e-8 * fabs(g0)) continue;
        bl_problem_G_theta(it->P, n->trial, it->omega, n->gtrial);
        if (gsl_blas_dnrm2(n->gtrial) <= (1 - 1e-4 * step) * it->resid) {
            have_grad = 1;
            break;
        }
    }
    /* G at the new iterate is the line search's last value: not again */
    gsl_vector_memcpy(it->theta, n->trial);
    it->value = gt;
    if (have_grad) gsl_vector_memcpy(it->grad, n->gtrial);
    else bl_problem_G_theta(it->P, it->theta, it->omega, it->grad);
    it->resid = gsl_blas_dnrm2(it->grad);
    st = isfinite(it->value) && isfinite(it->resid) ? BL_OK : BL_EDIVERGE;
    /* Newton converges quadratically; steps that stop improving the
     * residual mean it sits at the round-off floor of the problem.  A
     * damped step that still lowers G well above its round-off (far from
     * θ*, on a strongly curved G such as tv1d's) is progress too. */
    if (st == BL_OK) {
        if (it->resid < 0.5 * n->best || g0 - gt > 1e-12 * fabs(g0)) n->flat = 0;
        else if (++n->flat >= 3) st = BL_ESTALL;
        if (it->resid < n->best) n->best = it->resid;
    }
    return st;
}

static void newton_free(void *s)
{
    newton_state *n = s;
    gsl_matrix_free(n->H);
    gsl_vector_free(n->dir);
    gsl_vector_free(n->trial);
    gsl_vector_free(n->gtrial);
}

static const bl_inner_type newton_type = {
    "newton", "Newton's method with a Cholesky solve and Armijo backtracking",
    sizeof(newton_state), newton_alloc, newton_set, newton_iterate, newton_free,
    NULL, NULL,
};

/* ---- bfgs2: GSL's vector_bfgs2 as a steppable iterator ----
 * Fletcher's BFGS with his line search (gsl_multimin_fdfminimizer_vector_bfgs2);
 * its search direction comes from the last step and gradient change only,
 * a memory-one limited-memory BFGS.  One bilab iteration is one GSL
 * iterate (one line search, several G and ∇θG calls, all counted).  The
 * first trial step has the length of a gd step, η‖∇θG‖; the line search
 * tolerance is GSL's recommended 0.1.
 * GSL's line search stops on absolute round-off tests (|Δα·f'| ≤ ε), so
 * it gives up early once ∇θG is small.  G is therefore handed to GSL
 * scaled by a power of two s ≈ 1/‖∇θG‖ (exact in floating point, so the
 * unscaled values are exactly G and ∇θG); when a line search fails, the
 * scale is renewed from the current gradient and GSL restarted there
 * once; a second failure is reported as no progress.  A line search on
 * values of G cannot resolve decreases below their round-off, so bfgs2
 * stops near ‖∇θG‖ ≈ sqrt(ε |G| λmax(H)) (newton and gd, which need no
 * values near θ*, go further). */

typedef struct {
    gsl_multimin_fdfminimizer *m;
    gsl_multimin_function_fdf fdf;
    bl_inner *it;
    double scale;       /* a power of two */
} bfgs2_state;

static double bfgs2_f(const gsl_vector *x, void *params)
{
    bfgs2_state *b = params;
    return b->scale * bl_problem_G(b->it->P, x, b->it->omega);
}

static void bfgs2_df(const gsl_vector *x, void *params, gsl_vector *g)
{
    bfgs2_state *b = params;
    bl_problem_G_theta(b->it->P, x, b->it->omega, g);
    gsl_vector_scale(g, b->scale);
}

static void bfgs2_fdf(const gsl_vector *x, void *params, double *f, gsl_vector *g)
{
    *f = bfgs2_f(x, params);
    bfgs2_df(x, params, g);
}

static int bfgs2_alloc(void *s, size_t p)
{
    bfgs2_state *b = s;
    b->m = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, p);
    return b->m ? BL_OK : BL_ENOMEM;
}

/* (Re)starts GSL at it->theta with the scale 2^−round(log2 ‖∇θG‖). */
static int bfgs2_start(bfgs2_state *b, bl_inner *it)
{
    double step = it->eta * it->resid;
    b->it = it;
    b->scale = it->resid > 0 && isfinite(it->resid) ? ldexp(1.0, -(int)lround(log2(it->resid)))
                                                     : 1.0;
    b->fdf.n = it->theta->size;
    b->fdf.f = bfgs2_f;
    b->fdf.df = bfgs2_df;
    b->fdf.fdf = bfgs2_fdf;
    b->fdf.params = b;
    if (!(step > 0) || !isfinite(step)) step = it->eta > 0 ? it->eta : 1.0;
    return gsl_multimin_fdfminimizer_set(b->m, &b->fdf, it->theta, step, 0.1) == GSL_SUCCESS
               ? BL_OK : BL_EDIVERGE;
}

static int bfgs2_set(void *s, bl_inner *it)
{
    return bfgs2_start(s, it);
}

static int bfgs2_iterate(void *s, bl_inner *it)
{
    bfgs2_state *b = s;
    if (it->resid == 0) return BL_OK;             /* at a stationary point */
    int gst = gsl_multimin_fdfminimizer_iterate(b->m);
    if (gst != GSL_SUCCESS) {                     /* renew the scale, try once more */
        int st = bfgs2_start(b, it);
        if (st) return st;
        gst = gsl_multimin_fdfminimizer_iterate(b->m);
    }
    const gsl_vector *x = gsl_multimin_fdfminimizer_x(b->m);
    const gsl_vector *g = gsl_multimin_fdfminimizer_gradient(b->m);
    if (!bl_vector_finite(x) || !bl_vector_finite(g)) return BL_EDIVERGE;
    gsl_vector_memcpy(it->theta, x);
    gsl_vector_memcpy(it->grad, g);
    gsl_vector_scale(it->grad, 1.0 / b->scale);
    it->value = gsl_multimin_fdfminimizer_minimum(b->m) / b->scale;
    it->resid = gsl_blas_dnrm2(it->grad);
    if (!isfinite(it->value)) return BL_EDIVERGE;
    /* GSL_ENOPROG (or another failed line search) after a restart: no
     * decrease found along the direction, which means round-off */
    return gst == GSL_SUCCESS ? BL_OK : BL_ESTALL;
}

static void bfgs2_free(void *s)
{
    bfgs2_state *b = s;
    if (b->m) gsl_multimin_fdfminimizer_free(b->m);
}

static const bl_inner_type bfgs2_type = {
    "bfgs2", "GSL's BFGS2 (Fletcher's line search, memory-one limited-memory BFGS)",
    sizeof(bfgs2_state), bfgs2_alloc, bfgs2_set, bfgs2_iterate, bfgs2_free,
    NULL, NULL,
};

/* ---- bda: bilevel descent aggregation (Liu et al., 2020) ----
 *   d_k = (1 − α_k) ∇θG(θ_k) + α_k ∇θL(θ_k),   θ_{k+1} = θ_k − η d_k,
 *   α_k = α₀/(k + 1), α₀ = ½,
 * k = 0, 1, … the iterations since set, η the inner step (inner.step or
 * 1/L_G).  As α_k → 0 (with Σα_k = ∞) the iterates approach the minimiser
 * of L over argmin G: where G has many minimisers (nonsingleton) bda
 * selects the one the outer problem prefers.  ‖∇θG‖ can vanish long
 * before that selection is made, so bda stops on ‖d_k‖ ≤ tol instead; as
 * ‖d_k‖ ≥ α_k ‖∇θL‖ wherever ∇θG = 0, bda usually ends on inner.maxit.
 * η must also suit L (η < 2/λmax(∇²θθL)), which weighs ½ at the start. */

#define BDA_ALPHA0 0.5

typedef struct {
    gsl_vector *gl;   /* ∇θL at the current θ */
    gsl_vector *dir;  /* d_k */
    double dnorm;     /* ‖d_k‖ */
} bda_state;

static int bda_alloc(void *s, size_t p)
{
    bda_state *b = s;
    b->gl = gsl_vector_alloc(p);
    b->dir = gsl_vector_alloc(p);
    return b->gl && b->dir ? BL_OK : BL_ENOMEM;
}

/* d_k at it->theta, with k = it->iter */
static int bda_direction(bda_state *b, bl_inner *it)
{
    double alpha = BDA_ALPHA0 / (double)(it->iter + 1);
    bl_problem_L_theta(it->P, it->theta, it->omega, b->gl);
    gsl_vector_memcpy(b->dir, it->grad);
    gsl_vector_scale(b->dir, 1.0 - alpha);
    gsl_blas_daxpy(alpha, b->gl, b->dir);
    b->dnorm = gsl_blas_dnrm2(b->dir);
    return isfinite(b->dnorm) ? BL_OK : BL_EDIVERGE;
}

static int bda_set(void *s, bl_inner *it)
{
    return bda_direction(s, it);
}

static int bda_iterate(void *s, bl_inner *it)
{
    bda_state *b = s;
    gsl_blas_daxpy(-it->eta, b->dir, it->theta);
    int st = refresh(it);
    if (st) return st;
    it->iter++;                 /* α of the next step; bl_inner_iterate counts it */
    st = bda_direction(b, it);
    it->iter--;
    return st;
}

static double bda_stop(const void *s, const bl_inner *it)
{
    (void)it;
    return ((const bda_state *)s)->dnorm;
}

static void bda_free(void *s)
{
    bda_state *b = s;
    gsl_vector_free(b->gl);
    gsl_vector_free(b->dir);
}

static const bl_inner_type bda_type = {
    "bda", "bilevel descent aggregation (Liu et al. 2020): θ ← θ − η[(1 − α_k)∇θG + "
    "α_k∇θL], α_k = ½/(k + 1); selects the inner minimiser best for L; stops on "
    "the norm of that direction",
    sizeof(bda_state), bda_alloc, bda_set, bda_iterate, bda_free,
    bda_stop, "‖(1 − α)∇θG + α∇θL‖",
};

/* ---- ista, fista, cd: proximal solvers for non-smooth problems ----
 * ista: θ ← prox_{ηg}(θ − η∇f(θ)) (the problem's step; on a smooth problem
 * prox is the identity and ista is gd).  fista: the same step from the
 * extrapolated point y of agd (Beck & Teboulle 2009; on a smooth problem,
 * agd).  cd: one cyclic pass of exact coordinate minimisation per
 * iteration (the problem's cd_sweep: lasso, enet). */

/* out = Φ(x): the problem's prox-gradient step, or x − η∇θG(x) */
static void prox_step(bl_inner *it, const gsl_vector *x, gsl_vector *out)
{
    if (nonsmooth(it->P)) {
        bl_problem_step(it->P, x, it->omega, it->eta, out);
        return;
    }
    bl_problem_G_theta(it->P, x, it->omega, out);
    gsl_vector_scale(out, -it->eta);
    gsl_vector_add(out, x);
}

typedef struct { gsl_vector *next; } ista_state;

static int ista_alloc(void *s, size_t p)
{
    ista_state *a = s;
    a->next = gsl_vector_alloc(p);
    return a->next ? BL_OK : BL_ENOMEM;
}

static int ista_iterate(void *s, bl_inner *it)
{
    ista_state *a = s;
    prox_step(it, it->theta, a->next);
    gsl_vector_memcpy(it->theta, a->next);
    return refresh(it);
}

static void ista_free(void *s)
{
    gsl_vector_free(((ista_state *)s)->next);
}

static const bl_inner_type ista_type = {
    "ista", "proximal gradient (ISTA): θ ← prox_ηg(θ − η∇f(θ)); gd on smooth problems",
    sizeof(ista_state), ista_alloc, gd_set, ista_iterate, ista_free,
    NULL, NULL,
};

static int fista_iterate(void *s, bl_inner *it)
{
    agd_state *a = s;
    double t1 = 0.5 * (1.0 + sqrt(1.0 + 4.0 * a->t * a->t));
    double beta = (a->t - 1.0) / t1;
    gsl_vector_memcpy(a->y, it->theta);
    gsl_vector_scale(a->y, 1.0 + beta);
    gsl_blas_daxpy(-beta, a->prev, a->y);
    gsl_vector_memcpy(a->prev, it->theta);
    prox_step(it, a->y, it->theta);
    a->t = t1;
    return refresh(it);
}

static const bl_inner_type fista_type = {
    "fista", "FISTA (Beck & Teboulle): the ISTA step from Nesterov's extrapolated "
    "point; agd on smooth problems",
    sizeof(agd_state), agd_alloc, agd_set, fista_iterate, agd_free,
    NULL, NULL,
};

static int cd_iterate(void *s, bl_inner *it)
{
    (void)s;
    int st = it->P->type->cd_sweep(it->P, it->theta, it->omega);
    return st ? st : refresh(it);
}

static const bl_inner_type cd_type = {
    "cd", "cyclic coordinate descent, exact per coordinate (soft-thresholding); "
    "lasso and enet",
    0, gd_alloc, gd_set, cd_iterate, gd_free,
    NULL, NULL,
};

/* ---- the table ---- */

const bl_inner_type *const bl_inner_gd = &gd_type;
const bl_inner_type *const bl_inner_agd = &agd_type;
const bl_inner_type *const bl_inner_newton = &newton_type;
const bl_inner_type *const bl_inner_bfgs2 = &bfgs2_type;
const bl_inner_type *const bl_inner_bda = &bda_type;
const bl_inner_type *const bl_inner_ista = &ista_type;
const bl_inner_type *const bl_inner_fista = &fista_type;
const bl_inner_type *const bl_inner_cd = &cd_type;

const bl_inner_type *const bl_inner_types[] = {
    &gd_type, &agd_type, &newton_type, &bfgs2_type, &bda_type,
    &ista_type, &fista_type, &cd_type,
    &bl_inner_lbfgs_type, &bl_inner_newton_cg_type, NULL,
};

const bl_inner_type *bl_inner_lookup(const char *name)
{
    for (size_t i = 0; bl_inner_types[i]; i++)
        if (strcmp(bl_inner_types[i]->name, name) == 0) return bl_inner_types[i];
    return NULL;
}

/* ---- life cycle ---- */

bl_inner *bl_inner_alloc(const bl_inner_type *T, size_t p)
{
    bl_inner *it = calloc(1, sizeof *it);
    if (!it) return NULL;
    it->type = T;
    it->theta = gsl_vector_calloc(p);
    it->grad = gsl_vector_calloc(p);
    it->work = gsl_vector_calloc(p);
    it->state = T->size ? calloc(1, T->size) : NULL;
    if (!it->theta || !it->grad || !it->work || (T->size && !it->state)
        || T->alloc(it->state, p) != BL_OK) {
        bl_inner_free(it);
        return NULL;
    }
    return it;
}

void bl_inner_free(bl_inner *it)
{
    if (!it) return;
    if (it->state || !it->type->size) it->type->free(it->state);
    free(it->state);
    gsl_vector_free(it->theta);
    gsl_vector_free(it->grad);
    gsl_vector_free(it->work);
    gsl_vector_free(it->omega);
    bl_history_free(&it->hist);
    free(it);
}

int bl_inner_set(bl_inner *it, bl_problem *P, const gsl_vector *omega,
                 const gsl_vector *theta0, double eta, bl_err *e)
{
    if (theta0->size != it->theta->size || omega->size != P->d
        || theta0->size != P->p) {
        bl_err_set(e, BL_EDIM, "inner solver sized for p=%zu, problem has p=%zu",
                   it->theta->size, P->p);
        return BL_EDIM;
    }
    int prox = it->type == &ista_type || it->type == &fista_type || it->type == &cd_type;
    if (nonsmooth(P) && !prox) {
        bl_err_set(e, BL_EINVAL, "%s is non-smooth: use ista, fista or cd (not %s)",
                   P->type->name, it->type->name);
        return BL_EUNSUPPORTED;
    }
    if (it->type == &cd_type && !P->type->cd_sweep) {
        bl_err_set(e, BL_EINVAL, "cd needs a problem with exact coordinate updates "
                   "(lasso, enet); %s has none: use gd, agd or newton", P->type->name);
        return BL_EUNSUPPORTED;
    }
    if (!it->omega || it->omega->size != omega->size) {
        gsl_vector_free(it->omega);
        it->omega = gsl_vector_alloc(omega->size);
        if (!it->omega) return BL_ENOMEM;
    }
    it->P = P;
    gsl_vector_memcpy(it->omega, omega);
    gsl_vector_memcpy(it->theta, theta0);
    it->eta = eta > 0 ? eta : bl_inner_default_eta(P, theta0, omega);
    it->iter = 0;
    bl_history_clear(&it->hist);
    int st = refresh(it);
    if (st) {
        bl_err_set(e, st, "G or its gradient is not finite at the starting point");
        return st;
    }
    st = it->type->set(it->state, it);
    if (st) bl_err_set(e, st, "%s: %s", it->type->name, bl_strerror(st));
    if (st == BL_OK) st = bl_history_push(&it->hist, it->value, it->resid);
    return st;
}

int bl_inner_iterate(bl_inner *it, bl_err *e)
{
    double eta = it->eta;
    int st = it->type->iterate(it->state, it);
    if (st == BL_ENOTPD) {
        bl_err_set(e, st, "%s: the Hessian is not positive definite "
                   "(smallest eigenvalue %.6g)", it->type->name, it->eta);
        it->eta = eta;
        return st;
    }
    if (st == BL_ESTALL) {
        if (it->hist.n == it->iter + 1 && bl_vector_finite(it->theta)) {
            it->iter++;
            bl_history_push(&it->hist, it->value, it->resid);
        }
        bl_err_set(e, st, "%s made no further progress after %zu iterations: "
                   "‖∇θG‖ = %.3g is at the round-off level of this problem", it->type->name,
                   it->iter, it->resid);
        return st;
    }
    if (st == BL_EDIVERGE || (st == BL_OK && !bl_vector_finite(it->theta))) {
        bl_err_set(e, BL_EDIVERGE, "%s diverged at iteration %zu (G or its "
                   "gradient is not finite; the step η=%.6g may be too large)",
                   it->type->name, it->iter + 1, it->eta);
        return BL_EDIVERGE;
    }
    if (st) {
        bl_err_set(e, st, "%s: %s", it->type->name, bl_strerror(st));
        return st;
    }
    it->iter++;
    return bl_history_push(&it->hist, it->value, it->resid);
}

/* The number the stopping test compares with tol. */
static double stop_measure(const bl_inner *it)
{
    return it->type->stop_measure ? it->type->stop_measure(it->state, it) : it->resid;
}

int bl_inner_test(const bl_inner *it, double tol)
{
    return stop_measure(it) <= tol ? BL_OK : BL_CONTINUE;
}

int bl_inner_run(bl_inner *it, double tol, size_t maxit, bl_cancel_t *cancel,
                 bl_err *e)
{
    for (size_t k = 0; bl_inner_test(it, tol) != BL_OK; k++) {
        if (k >= maxit) {
            if (it->type->stop_measure)
                bl_err_set(e, BL_EMAXITER, "%s stopped after %zu iterations with "
                           "%s = %.3g > tol = %.3g (‖∇θG‖ = %.3g)", it->type->name,
                           maxit, it->type->stop_name, stop_measure(it), tol, it->resid);
            else
                bl_err_set(e, BL_EMAXITER, "%s stopped after %zu iterations with "
                           "‖∇θG‖ = %.3g > tol = %.3g", it->type->name, maxit,
                           it->resid, tol);
            return BL_EMAXITER;
        }
        if (cancel && *cancel) {
            bl_err_set(e, BL_EINTR, "interrupted after %zu iterations", k);
            return BL_EINTR;
        }
        int st = bl_inner_iterate(it, e);
        if (st) return st;
    }
    return BL_OK;
}

int bl_inner_solve_info(bl_problem *P, const bl_inner_conf *c,
                        const gsl_vector *omega, gsl_vector *theta,
                        bl_solve_info *info, bl_cancel_t *cancel, bl_err *e)
{
    if (info) *info = (bl_solve_info){.status = BL_ENOMEM, .resid = NAN};
    bl_inner *it = bl_inner_alloc(c->type, P->p);
    if (!it) return BL_ENOMEM;
    it->mem = c->mem;
    int st = bl_inner_set(it, P, omega, theta, c->eta, e);
    if (st == BL_OK) st = bl_inner_run(it, c->tol, c->maxit, cancel, e);
    if (st == BL_OK || st == BL_EMAXITER || st == BL_ESTALL)
        gsl_vector_memcpy(theta, it->theta);
    if (info) {
        info->status = st;
        info->iters = it->iter;
        info->resid = it->resid;
        info->converged = st == BL_OK || (st == BL_ESTALL && it->resid <= c->tol);
    }
    bl_inner_free(it);
    return st;
}

int bl_inner_solve_at(bl_problem *P, const bl_inner_conf *c,
                      const gsl_vector *omega, gsl_vector *theta,
                      size_t *iters, bl_cancel_t *cancel, bl_err *e)
{
    bl_solve_info info;
    int st = bl_inner_solve_info(P, c, omega, theta, &info, cancel, e);
    if (iters) *iters = info.iters;
    return st;
}
