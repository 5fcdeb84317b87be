/* inner.c: the inner iterator life cycle, the solver table with its
 * lookup and automatic choice, and the solvers gd, agd, newton, bfgs2 and
 * bda and the proximal ista, fista and cd (lbfgs and newton-cg are in
 * inner_qn.c).  Each solver is a static type; the table lists them. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
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

void bl_history_release(bl_history *h)
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
 * ‖θ − prox_{ηg}(θ − η∇f(θ))‖/η (doc/catalogue.md, "Notation"). */
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

/* ---- step control shared by gd and agd ----
 * The step s a gradient step uses is the solver's own; it->eta stays the
 * η = 1/L_G that `show` reports and the unrolled estimators use.
 *   fixed     inner.step set by hand: s = η, no checks (the user's experiment);
 *   guarded   η from the problem's global bound on λmax(H): s = η, which
 *             decreases G by the descent lemma; a step that raises G beyond
 *             round-off means the bound was wrong there, and s is halved;
 *   armijo    no global bound (η from a power iteration at θ₀, only local):
 *             backtracking, s halved until G(x − s g) ≤ G(x) − (s/2)‖g‖².
 * Near θ* the decrease of G drowns in its round-off: a step that keeps G
 * within that round-off and lowers ‖∇θG‖ is accepted too (as newton does). */

enum { STEP_FIXED, STEP_GUARDED, STEP_ARMIJO };

#define STEP_HALVINGS 60

static int step_mode(const bl_inner *it)
{
    if (!it->eta_auto) return STEP_FIXED;
    return it->P->type->lipschitz ? STEP_GUARDED : STEP_ARMIJO;
}

/* The round-off allowance on G: relative to G here and at the start. */
static double g_slack(const bl_inner *it, double G)
{
    double scale = fmax(fabs(G), fabs(it->value0));
    return 1e-8 * scale;
}

/* it->theta ← x − s g for the value GX and gradient G (norm GN) at x,
 * with it->value, grad and resid refreshed there; S is halved until the
 * step is accepted under MODE.  BL_ESTALL when no step is. */
static int descent_step(bl_inner *it, int mode, const gsl_vector *x, double gx,
                        const gsl_vector *g, double gn, double *s)
{
    for (int k = 0;; k++) {
        gsl_vector_memcpy(it->theta, x);
        gsl_blas_daxpy(-*s, g, it->theta);
        if (mode == STEP_FIXED) return refresh(it);
        double gt = bl_problem_G(it->P, it->theta, it->omega);
        int ok = 0, have_grad = 0;
        if (isfinite(gt)) {
            if (mode == STEP_GUARDED) ok = gt <= gx + g_slack(it, gx);
            else ok = gt <= gx - 0.5 * *s * gn * gn;
            if (!ok && mode == STEP_ARMIJO && gt <= gx + g_slack(it, gx)) {
                bl_problem_G_theta(it->P, it->theta, it->omega, it->grad);
                ok = have_grad = gsl_blas_dnrm2(it->grad) < gn;
            }
        }
        if (ok) {
            it->value = gt;
            if (!have_grad) bl_problem_G_theta(it->P, it->theta, it->omega, it->grad);
            it->resid = gsl_blas_dnrm2(it->grad);
            return isfinite(it->resid) ? BL_OK : BL_EDIVERGE;
        }
        if (k == STEP_HALVINGS) {
            /* nothing accepted: θ stays at x, at its round-off level */
            gsl_vector_memcpy(it->theta, x);
            int st = refresh(it);
            return st ? st : BL_ESTALL;
        }
        *s *= 0.5;
    }
}

/* ---- gd: θ ← θ − s ∇_θG(θ), s = η unless backtracking (above) ---- */

typedef struct { gsl_vector *x, *g; double s; } gd_state;

static int gd_alloc(void *s, size_t p)
{
    gd_state *a = s;
    a->x = gsl_vector_alloc(p);
    a->g = gsl_vector_alloc(p);
    return a->x && a->g ? BL_OK : BL_ENOMEM;
}

static int gd_set(void *s, bl_inner *it)
{
    ((gd_state *)s)->s = it->eta;
    return BL_OK;
}

static void gd_free(void *s)
{
    gd_state *a = s;
    gsl_vector_free(a->x);
    gsl_vector_free(a->g);
}

static int gd_iterate(void *s, bl_inner *it)
{
    gd_state *a = s;
    int mode = step_mode(it);
    if (mode == STEP_FIXED) {
        gsl_blas_daxpy(-it->eta, it->grad, it->theta);
        return refresh(it);
    }
    gsl_vector_memcpy(a->x, it->theta);
    gsl_vector_memcpy(a->g, it->grad);
    return descent_step(it, mode, a->x, it->value, a->g, it->resid, &a->s);
}

/* saved: the step s (halved by backtracking) */
static size_t gd_save(const void *s, const bl_inner *it, double *w)
{
    (void)it;
    if (w) w[0] = ((const gd_state *)s)->s;
    return 1;
}

static int gd_load(void *s, bl_inner *it, const double *w, size_t n)
{
    (void)it;
    if (n != 1 || !(w[0] > 0)) return BL_EINVAL;
    ((gd_state *)s)->s = w[0];
    return BL_OK;
}

static const bl_inner_type gd_type = {
    .name = "gd",
    .help = "gradient descent with step η = 1/L_G: θ ← θ − η∇θG; backtracks (Armijo) "
        "where the problem has no global bound on λmax(H) or a step raises G",
    .size = sizeof(gd_state),
    .alloc = gd_alloc, .set = gd_set, .iterate = gd_iterate, .free = gd_free,
    .save = gd_save, .load = gd_load,
};

/* No state: for the solvers that need none (cd). */
static int none_alloc(void *s, size_t p) { (void)s; (void)p; return BL_OK; }
static int none_set(void *s, bl_inner *it) { (void)s; (void)it; return BL_OK; }
static void none_free(void *s) { (void)s; }

/* ---- agd: Nesterov's accelerated gradient (FISTA momentum sequence) ----
 * y = θ_k + (t_{k−1} − 1)/t_k (θ_k − θ_{k−1}), θ_{k+1} = y − s∇G(y),
 * with adaptive restart (O'Donoghue & Candès 2015): the momentum is reset
 * (t = 1) where it points uphill, ∇G(y)ᵀ(θ_{k+1} − θ_k) > 0 (their
 * gradient scheme, which sees a rise of G before round-off hides it); and
 * where G(θ_{k+1}) > G(θ_k) beyond round-off the step is discarded and a
 * plain gradient step taken from θ_k instead, so that G never rises.
 * The step s is η, or found by backtracking at y as gd does (above). */

typedef struct {
    gsl_vector *prev, *y, *gy, *x, *gx;
    double t, s;
} agd_state;

static int agd_alloc(void *s, size_t p)
{
    agd_state *a = s;
    a->prev = gsl_vector_alloc(p);
    a->y = gsl_vector_alloc(p);
    a->gy = gsl_vector_alloc(p);
    a->x = gsl_vector_alloc(p);
    a->gx = gsl_vector_alloc(p);
    return a->prev && a->y && a->gy && a->x && a->gx ? BL_OK : BL_ENOMEM;
}

static int agd_set(void *s, bl_inner *it)
{
    agd_state *a = s;
    gsl_vector_memcpy(a->prev, it->theta);
    a->t = 1.0;
    a->s = it->eta;
    return BL_OK;
}

static int agd_iterate(void *s, bl_inner *it)
{
    agd_state *a = s;
    int mode = step_mode(it);
    double t1 = 0.5 * (1.0 + sqrt(1.0 + 4.0 * a->t * a->t));
    double beta = (a->t - 1.0) / t1;
    double gk = it->value, gnk = it->resid;
    gsl_vector_memcpy(a->x, it->theta);                /* θ_k and ∇G(θ_k) */
    gsl_vector_memcpy(a->gx, it->grad);
    int st;
    if (beta > 0) {
        /* y = θ + β(θ − prev) */
        gsl_vector_memcpy(a->y, it->theta);
        gsl_vector_scale(a->y, 1.0 + beta);
        gsl_blas_daxpy(-beta, a->prev, a->y);
        bl_problem_G_theta(it->P, a->y, it->omega, a->gy);
        double gyv = mode == STEP_ARMIJO ? bl_problem_G(it->P, a->y, it->omega) : 0.0;
        if (mode == STEP_ARMIJO && !isfinite(gyv)) st = BL_EDIVERGE;
        else st = descent_step(it, mode == STEP_ARMIJO ? mode : STEP_FIXED, a->y, gyv,
                               a->gy, gsl_blas_dnrm2(a->gy), &a->s);
    } else {
        st = descent_step(it, mode, a->x, gk, a->gx, gnk, &a->s);
    }
    gsl_vector_memcpy(a->prev, a->x);
    a->t = t1;
    if (beta > 0 && st == BL_OK && it->value <= gk + g_slack(it, gk)) {
        /* the gradient scheme: the momentum points uphill where the
         * gradient at y and the step taken make an acute angle */
        double up;
        gsl_vector_memcpy(a->y, it->theta);
        gsl_vector_sub(a->y, a->x);
        gsl_blas_ddot(a->gy, a->y, &up);
        if (up > 0) a->t = 1.0;
    } else if (beta > 0) {
        /* G rose (or the extrapolated step failed): back to θ_k, restart */
        a->t = 1.0;
        st = descent_step(it, mode, a->x, gk, a->gx, gnk, &a->s);
    }
    return st;
}

static void agd_free(void *s)
{
    agd_state *a = s;
    gsl_vector_free(a->prev);
    gsl_vector_free(a->y);
    gsl_vector_free(a->gy);
    gsl_vector_free(a->x);
    gsl_vector_free(a->gx);
}

/* saved (agd and fista): t, the step s, and the previous iterate */
static size_t agd_save(const void *s, const bl_inner *it, double *w)
{
    const agd_state *a = s;
    size_t p = it->theta->size;
    if (w) {
        w[0] = a->t;
        w[1] = a->s;
        for (size_t i = 0; i < p; i++) w[2 + i] = gsl_vector_get(a->prev, i);
    }
    return 2 + p;
}

static int agd_load(void *s, bl_inner *it, const double *w, size_t n)
{
    agd_state *a = s;
    size_t p = it->theta->size;
    if (n != 2 + p || !(w[0] >= 1) || !(w[1] > 0)) return BL_EINVAL;
    a->t = w[0];
    a->s = w[1];
    for (size_t i = 0; i < p; i++) gsl_vector_set(a->prev, i, w[2 + i]);
    return BL_OK;
}

static const bl_inner_type agd_type = {
    .name = "agd",
    .help = "Nesterov's accelerated gradient with step η (FISTA momentum), restarted "
        "when G rises; backtracks as gd does",
    .size = sizeof(agd_state),
    .alloc = agd_alloc, .set = agd_set, .iterate = agd_iterate, .free = agd_free,
    .save = agd_save, .load = agd_load,
};

/* ---- newton: θ ← θ − s H⁻¹∇G, Cholesky, Armijo backtracking on s ----
 * Where H is not positive definite (a non-convex G away from its minima)
 * the Newton step may climb, so the direction is made from H's
 * eigendecomposition H = Σ λ_i v_i v_iᵀ instead: d = Σ (v_iᵀ∇G)/|λ_i| v_i
 * (|λ_i| floored at √ε·max|λ|), a descent direction; and where H has a
 * negative eigenvalue, a move along its eigenvector v_min (the side that
 * does not climb, of length max(‖d‖, 1)) is added, which leaves a
 * stationary point that is not a minimum (the hump of a double well).
 * The line search then asks G to fall by a fraction of what the quadratic
 * model predicts (Moré & Sorensen 1979).  bl_inner_run does not stop at a
 * stationary point where H has a negative eigenvalue (newton_saddle). */

typedef struct {
    gsl_matrix *H, *V;          /* V: eigenvectors, allocated when first needed */
    gsl_vector *dir, *trial, *gtrial, *ev, *c;
    gsl_eigen_symmv_workspace *ew;
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

/* Eigenvalues (n->ev) and eigenvectors (n->V) of n->H, which is destroyed. */
static int newton_eig(newton_state *n)
{
    size_t p = n->H->size1;
    if (!n->V) {
        n->V = gsl_matrix_alloc(p, p);
        n->ev = gsl_vector_alloc(p);
        n->c = gsl_vector_alloc(p);
        n->ew = gsl_eigen_symmv_alloc(p);
        if (!n->V || !n->ev || !n->c || !n->ew) return BL_ENOMEM;
    }
    return gsl_eigen_symmv(n->H, n->ev, n->V, n->ew) == GSL_SUCCESS ? BL_OK : BL_EINVAL;
}

/* The floor under |λ|, and the threshold below which λ counts as negative. */
static double newton_floor(const gsl_vector *ev)
{
    double big = fmax(fabs(gsl_vector_min(ev)), fabs(gsl_vector_max(ev)));
    return fmax(sqrt(DBL_EPSILON) * big, DBL_MIN);
}

/* n->dir for an H that is not positive definite (n->H holds H; destroyed):
 * θ − n->dir descends.  *CURV = dirᵀH dir when negative, else 0. */
static int newton_modified(newton_state *n, bl_inner *it, double *curv)
{
    int st = newton_eig(n);
    if (st) return st;
    size_t p = n->ev->size, imin = gsl_vector_min_index(n->ev);
    double delta = newton_floor(n->ev);
    /* where H is (nearly) 0, |λ| floored at √ε·max|λ| alone would make
     * d = ∇G/DBL_MIN, too long for the line search (θ⁴ at θ = 0): the
     * floor of the division is at least √ε‖∇G‖, so ‖d‖ ≤ 1/√ε there */
    double dfloor = fmax(delta, sqrt(DBL_EPSILON) * it->resid);
    gsl_blas_dgemv(CblasTrans, 1.0, n->V, it->grad, 0.0, n->c);      /* Vᵀg */
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(n->c, i, gsl_vector_get(n->c, i)
                                    / fmax(fabs(gsl_vector_get(n->ev, i)), dfloor));
    double lmin = gsl_vector_get(n->ev, imin);
    if (lmin < -delta) {
        /* along v_min, on the side where G does not rise to first order
         * (at ∇G ⟂ v_min: the side of v_min's largest component) */
        gsl_vector_const_view v = gsl_matrix_const_column(n->V, imin);
        double len = fmax(gsl_blas_dnrm2(n->c), 1.0), gv;
        gsl_blas_ddot(it->grad, &v.vector, &gv);
        double sign = gv > 0 ? 1.0 : gv < 0 ? -1.0
                      : gsl_vector_get(&v.vector, gsl_blas_idamax(&v.vector)) > 0 ? -1.0 : 1.0;
        /* θ − dir moves by −sign·len along v_min */
        gsl_vector_set(n->c, imin, gsl_vector_get(n->c, imin) + sign * len);
    }
    gsl_blas_dgemv(CblasNoTrans, 1.0, n->V, n->c, 0.0, n->dir);     /* dir = V c */
    double q = 0;
    for (size_t i = 0; i < p; i++) {
        double ci = gsl_vector_get(n->c, i);
        q += gsl_vector_get(n->ev, i) * ci * ci;
    }
    *curv = fmin(q, 0.0);
    return BL_OK;
}

static int newton_iterate(void *s, bl_inner *it)
{
    newton_state *n = s;
    int st = bl_problem_hessian(it->P, it->theta, it->omega, n->H);
    if (st) return st;
    /* H is made anew each iteration: factorise it in place, and only on
     * failure make it again for its eigendecomposition */
    double curv = 0;
    int pd = bl_chol_solve_inplace(n->H, it->grad, n->dir) == BL_OK;
    if (!pd) {
        st = bl_problem_hessian(it->P, it->theta, it->omega, n->H);
        if (st == BL_OK) st = newton_modified(n, it, &curv);
        if (st) return st;
    }
    double slope, step = 1.0, g0 = it->value, gt = g0;
    int have_grad = 0;                              /* gtrial is ∇θG(trial) */
    gsl_blas_ddot(it->grad, n->dir, &slope);       /* ≥ 0 */
    for (int k = 0;; k++, step *= 0.5) {
        /* no decrease in 40 halvings: the iterate is at round-off level */
        if (k == 40) return BL_ESTALL;
        gsl_vector_memcpy(n->trial, it->theta);
        gsl_blas_daxpy(-step, n->dir, n->trial);
        gt = bl_problem_G(it->P, n->trial, it->omega);
        if (pd ? gt <= g0 - 1e-4 * step * slope
               : gt <= g0 - 1e-4 * (step * slope - 0.5 * step * step * curv))
            break;
        /* Close to the minimum the decrease of G drowns in its round-off
         * while the gradient still shrinks: accept a step that reduces
         * ‖∇θG‖ by the same Armijo fraction, as long as G does not grow
         * beyond round-off (a real increase is no progress: on tv1d it
         * made Newton cycle).  Not where H is indefinite: there a smaller
         * gradient may be a hump's. */
        if (!pd || gt > g0 + 1e-8 * fabs(g0)) continue;
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

/* Whether θ (where ‖∇θG‖ ≤ tol) is a stationary point with a negative
 * curvature newton can leave: H has an eigenvalue below −√ε·max|λ|.
 * Convex problems have none; for the others one Hessian and a Cholesky
 * attempt at the end of a solve. */
static int newton_saddle(void *s, bl_inner *it)
{
    newton_state *n = s;
    if (it->P->type->flags & BL_PROB_CONVEX) return 0;
    if (bl_problem_hessian(it->P, it->theta, it->omega, n->H) != BL_OK) return 0;
    if (bl_chol_solve_inplace(n->H, it->grad, n->dir) == BL_OK) return 0;
    if (bl_problem_hessian(it->P, it->theta, it->omega, n->H) != BL_OK
        || newton_eig(n) != BL_OK)
        return 0;
    return gsl_vector_min(n->ev) < -newton_floor(n->ev);
}

static void newton_free(void *s)
{
    newton_state *n = s;
    gsl_matrix_free(n->H);
    gsl_matrix_free(n->V);
    gsl_vector_free(n->dir);
    gsl_vector_free(n->trial);
    gsl_vector_free(n->gtrial);
    gsl_vector_free(n->ev);
    gsl_vector_free(n->c);
    if (n->ew) gsl_eigen_symmv_free(n->ew);
}

/* saved: the smallest residual so far and the flat steps since */
static size_t newton_save(const void *s, const bl_inner *it, double *w)
{
    const newton_state *n = s;
    (void)it;
    if (w) {
        w[0] = n->best;
        w[1] = n->flat;
    }
    return 2;
}

static int newton_load(void *s, bl_inner *it, const double *w, size_t k)
{
    newton_state *n = s;
    (void)it;
    if (k != 2 || !(w[1] >= 0 && w[1] <= 1e9)) return BL_EINVAL;
    n->best = w[0];
    n->flat = (int)w[1];
    return BL_OK;
}

static const bl_inner_type newton_type = {
    .name = "newton",
    .help = "Newton's method with a Cholesky solve and Armijo backtracking; where H "
        "is not positive definite, a descent direction from |H| plus negative curvature",
    .size = sizeof(newton_state),
    .alloc = newton_alloc, .set = newton_set, .iterate = newton_iterate, .free = newton_free,
    .saddle = newton_saddle,
    .save = newton_save, .load = newton_load,
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
    .name = "bfgs2",
    .help = "GSL's BFGS2 (Fletcher's line search, memory-one limited-memory BFGS)",
    .size = sizeof(bfgs2_state),
    .alloc = bfgs2_alloc, .set = bfgs2_set, .iterate = bfgs2_iterate, .free = bfgs2_free,
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

/* d_k at it->theta, with k = it->k0 + it->iter */
static int bda_direction(bda_state *b, bl_inner *it)
{
    double alpha = BDA_ALPHA0 / (double)(it->k0 + it->iter + 1);
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

/* nothing saved: the direction is made again with α of k0 + iter */
static size_t bda_save(const void *s, const bl_inner *it, double *w)
{
    (void)s, (void)it, (void)w;
    return 0;
}

static int bda_load(void *s, bl_inner *it, const double *w, size_t n)
{
    (void)w;
    return n == 0 ? bda_direction(s, it) : BL_EINVAL;
}

static const bl_inner_type bda_type = {
    .name = "bda",
    .help = "bilevel descent aggregation (Liu et al. 2020): θ ← θ − η[(1 − α_k)∇θG + "
        "α_k∇θL], α_k = ½/(k + 1); selects the inner minimiser best for L; stops on "
        "the norm of that direction",
    .size = sizeof(bda_state),
    .alloc = bda_alloc, .set = bda_set, .iterate = bda_iterate, .free = bda_free,
    .stop_measure = bda_stop, .stop_name = "‖(1 − α)∇θG + α∇θL‖",
    .save = bda_save, .load = bda_load,
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
    .name = "ista",
    .flags = BL_INNER_PROX,
    .help = "proximal gradient (ISTA): θ ← prox_ηg(θ − η∇f(θ)); gd on smooth problems",
    .size = sizeof(ista_state),
    .alloc = ista_alloc, .set = none_set, .iterate = ista_iterate, .free = ista_free,
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
    .name = "fista",
    .flags = BL_INNER_PROX,
    .help = "FISTA (Beck & Teboulle): the ISTA step from Nesterov's extrapolated "
        "point; agd on smooth problems",
    .size = sizeof(agd_state),
    .alloc = agd_alloc, .set = agd_set, .iterate = fista_iterate, .free = agd_free,
    .save = agd_save, .load = agd_load,
};

static int cd_iterate(void *s, bl_inner *it)
{
    (void)s;
    int st = it->P->type->cd_sweep(it->P, it->theta, it->omega);
    return st ? st : refresh(it);
}

static const bl_inner_type cd_type = {
    .name = "cd",
    .flags = BL_INNER_PROX | BL_INNER_NEEDS_CD,
    .help = "cyclic coordinate descent, exact per coordinate (soft-thresholding); "
        "lasso and enet",
    .size = 0,
    .alloc = none_alloc, .set = none_set, .iterate = cd_iterate, .free = none_free,
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
    const char *names[32];
    size_t n = 0;
    for (; n < 32 && bl_inner_types[n]; n++) names[n] = bl_inner_types[n]->name;
    int k = bl_lookup(name, names, n, "inner solver", NULL, NULL);
    return k >= 0 ? bl_inner_types[k] : NULL;
}

const bl_inner_type *bl_inner_auto(const bl_problem *P)
{
    const bl_problem_type *T = P->type;
    const bl_inner_type *S = T->solver ? bl_inner_lookup(T->solver) : NULL;
    if (S) return S;
    if (nonsmooth(P)) return T->cd_sweep ? &cd_type : &fista_type;
    if (P->p <= (T->hessian ? BL_AUTO_DENSE_MAX : BL_AUTO_HVP_MAX)) return &newton_type;
    /* matrix-free; newton-cg only where H is positive semi-definite */
    return T->flags & BL_PROB_CONVEX ? bl_inner_newton_cg : bl_inner_lbfgs;
}

/* The solvers with every flag of WITH and none of WITHOUT, as "a, b or c". */
static void solver_names(unsigned with, unsigned without, char *buf, size_t len)
{
    const char *names[32];
    size_t n = 0;
    for (size_t i = 0; n < 32 && bl_inner_types[i]; i++)
        if ((bl_inner_types[i]->flags & with) == with && !(bl_inner_types[i]->flags & without))
            names[n++] = bl_inner_types[i]->name;
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(buf);
        snprintf(buf + k, len - k, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
    }
}

/* ---- life cycle ---- */

double bl_inner_bytes(const bl_inner_type *T, size_t p, size_t mem)
{
    double n = (double)p, vecs = 4.0;                  /* θ, ∇θG, work, ω-sized slack */
    if (T == &newton_type) return bl_mem_dense(n, 2.0 * n + 4.0 + 5.0 + vecs);
    if (T == &bl_inner_lbfgs_type)
        vecs += 2.0 * (double)(mem ? mem : BL_LBFGS_M) + 7.0;
    else
        vecs += 6.0;                                   /* agd, newton-cg: a few vectors */
    return bl_mem_dense(n, vecs);
}

int bl_inner_mem(const bl_inner_type *T, const bl_problem *P, size_t mem, bl_err *e)
{
    char why[64];
    snprintf(why, sizeof why, "the %s inner solver%s", T->name,
             T == &newton_type ? "'s dense H and its eigenvectors" : "");
    return bl_problem_mem(P, bl_inner_bytes(T, P->p, mem), why, e);
}

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
    bl_history_release(&it->hist);
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
    if (nonsmooth(P) && !(it->type->flags & BL_INNER_PROX)) {
        char use[128];
        solver_names(BL_INNER_PROX, 0, use, sizeof use);
        bl_err_set(e, BL_EINVAL, "%s is non-smooth: use %s (not %s)",
                   P->type->name, use, it->type->name);
        return BL_EUNSUPPORTED;
    }
    if ((it->type->flags & BL_INNER_NEEDS_CD) && !P->type->cd_sweep) {
        char use[128] = "gd, agd or newton";
        if (nonsmooth(P)) solver_names(BL_INNER_PROX, BL_INNER_NEEDS_CD, use, sizeof use);
        bl_err_set(e, BL_EINVAL, "%s needs a problem with exact coordinate updates "
                   "(lasso, enet); %s has none: use %s", it->type->name, P->type->name, use);
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
    it->eta_auto = !(eta > 0);
    it->iter = 0;
    it->k0 = 0;
    bl_history_clear(&it->hist);
    int st = refresh(it);
    if (st) {
        bl_err_set(e, st, "G or its gradient is not finite at the starting point");
        return st;
    }
    it->value0 = it->value;
    st = it->type->set(it->state, it);
    if (st) bl_err_set(e, st, "%s: %s", it->type->name, bl_strerror(st));
    if (st == BL_OK) st = bl_history_push(&it->hist, it->value, it->resid);
    return st;
}

/* The common part: iterations so far, η found (1) or given (0), G at
 * the start of the solve. */
#define STATE_COMMON 3

size_t bl_inner_state_get(const bl_inner *it, double *w)
{
    if (w) {
        w[0] = (double)(it->k0 + it->iter);
        w[1] = it->eta_auto;
        w[2] = it->value0;
    }
    size_t n = STATE_COMMON;
    if (it->type->save) n += it->type->save(it->state, it, w ? w + n : NULL);
    return n;
}

int bl_inner_state_put(bl_inner *it, const double *w, size_t n, bl_err *e)
{
    /* the type's part may vary in length (lbfgs's pairs): its load checks it */
    if (n < STATE_COMMON || (!it->type->save && n != STATE_COMMON)) {
        bl_err_set(e, BL_EINVAL, "the state of %s has %zu numbers, not %s%d", it->type->name,
                   n, it->type->save ? "at least " : "", STATE_COMMON);
        return BL_EINVAL;
    }
    if (!(w[0] >= 0 && w[0] <= 1e15 && w[0] == floor(w[0])) || (w[1] != 0 && w[1] != 1)
        || !isfinite(w[2])) {
        bl_err_set(e, BL_EINVAL, "the state of %s is malformed (iterations, η flag or "
                   "starting G out of range)", it->type->name);
        return BL_EINVAL;
    }
    size_t k = (size_t)w[0];
    it->k0 = k > it->iter ? k - it->iter : 0;
    it->eta_auto = (int)w[1];
    it->value0 = w[2];
    if (it->type->save && it->type->load(it->state, it, w + STATE_COMMON,
                                          n - STATE_COMMON) != BL_OK) {
        bl_err_set(e, BL_EINVAL, "the state of %s does not fit it (a value is out of "
                   "range)", it->type->name);
        return BL_EINVAL;
    }
    return BL_OK;
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
    for (size_t k = 0;; k++) {
        int at_saddle = 0;
        if (bl_inner_test(it, tol) == BL_OK) {
            /* a stationary point that is not a minimum: newton goes on */
            at_saddle = it->type->saddle && it->type->saddle(it->state, it);
            if (!at_saddle) return BL_OK;
        }
        if (k >= maxit) {
            if (at_saddle)
                bl_err_set(e, BL_EMAXITER, "%s stopped after %zu iterations at a "
                           "stationary point that is not a minimum (H has a negative "
                           "eigenvalue)", it->type->name, maxit);
            else if (it->type->stop_measure)
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
}

int bl_inner_solve_info(bl_problem *P, const bl_inner_conf *c,
                        const gsl_vector *omega, gsl_vector *theta,
                        bl_solve_info *info, bl_cancel_t *cancel, bl_err *e)
{
    if (info) *info = (bl_solve_info){.status = BL_ENOMEM, .resid = NAN};
    int mst = bl_inner_mem(c->type, P, c->mem, e);
    if (mst) {
        if (info) info->status = mst;
        return mst;
    }
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
