/* metaridge.c: few-shot meta-learning as a multi-block bilevel problem
 * (doc/problems/metaridge.md).
 *
 *   G(θ, ω) = Σ_t [ (1/2n)‖X_tθ_t − y_t‖² + (e^{ω₀}/2)‖θ_t − w‖² ]
 *   L(θ, ω) = (1/T) Σ_t (1/2q)‖X^v_tθ_t − y^v_t‖²
 *
 * T tasks, each with n = shots training and q = query validation samples
 * in dimension p; θ = (θ_1, …, θ_T) ∈ R^{Tp}, one ridge head per task;
 * ω = (ω₀, w) ∈ R^{1+p}: the strength λ = e^{ω₀} and the centre w of
 * iMAML's proximal regulariser (Rajeswaran et al. 2019), shared by all
 * tasks.  G is a sum over tasks (each task's inner problem is its own: θ*
 * and H do not depend on T); L is the tasks' mean validation loss.
 *
 * H is block diagonal, H_t = K_t + λI with K_t = X_tᵀX_t/n; C (d × Tp) has
 * row 0 = λ(θ_t − w)ᵀ per block and rows 1..p = −λ[I … I].  Per task:
 *   θ_t* = (K_t + λI)⁻¹(X_tᵀy_t/n + λw),  a_t = (K_t + λI)⁻¹ ∇θ_tL,
 *   ∇F = (−λ Σ_t (θ_t* − w)ᵀa_t,  λ Σ_t a_t),
 * a sum of per-task adjoints: the closed forms (theta_star, hypergrad) run
 * the tasks in parallel (OpenMP; one p×p Cholesky each, or with fewer shots
 * than dimensions one n×n Cholesky in the dual, task_dual) and add the
 * per-task results in task order after the loop, so the numbers do not
 * depend on the thread count. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "closed.h"

enum { PAR_T, PAR_SHOTS, PAR_QUERY, PAR_P, PAR_SPREAD, PAR_NOISE, PAR_SEED, NPAR };

static const bl_param mr_params[NPAR] = {
    {"T", 20, 1, 100000, 1, "number of tasks", NULL},
    {"shots", 5, 1, 100000, 1, "training samples n per task (the support set)", NULL},
    {"query", 20, 1, 100000, 1, "validation samples q per task (the query set)", NULL},
    {"p", 10, 1, 2000, 1, "dimension of each task's weights", NULL},
    {"spread", 0.5, 0, 1e3, 0, "standard deviation τ of the task weights around their mean μ",
     NULL},
    {"noise", 0.5, 0, 1e3, 0, "standard deviation of the label noise", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the tasks", NULL},
};

typedef struct {
    size_t T, n, q, p;
    gsl_matrix *X, *Xv;     /* (T·n)×p and (T·q)×p: task t is rows t·n … */
    gsl_vector *y, *yv;     /* T·n and T·q */
    gsl_vector *mu;         /* the true mean of the task weights, p */
    double lmax;            /* max_t λmax(X_tᵀX_t/n) */
    gsl_vector *w1, *w2;    /* workspace, p */
    gsl_vector *r;          /* workspace, max(n, q) */
} mr_state;

static void mr_state_free(mr_state *s)
{
    if (!s) return;
    gsl_matrix_free(s->X);
    gsl_matrix_free(s->Xv);
    gsl_vector_free(s->y);
    gsl_vector_free(s->yv);
    gsl_vector_free(s->mu);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    gsl_vector_free(s->r);
    free(s);
}

static mr_state *mr_state_alloc(size_t T, size_t n, size_t q, size_t p)
{
    mr_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->T = T;
    s->n = n;
    s->q = q;
    s->p = p;
    s->X = gsl_matrix_alloc(T * n, p);
    s->Xv = gsl_matrix_alloc(T * q, p);
    s->y = gsl_vector_alloc(T * n);
    s->yv = gsl_vector_alloc(T * q);
    s->mu = gsl_vector_alloc(p);
    s->w1 = gsl_vector_alloc(p);
    s->w2 = gsl_vector_alloc(p);
    s->r = gsl_vector_alloc(n > q ? n : q);
    if (!s->X || !s->Xv || !s->y || !s->yv || !s->mu || !s->w1 || !s->w2 || !s->r) {
        mr_state_free(s);
        return NULL;
    }
    return s;
}

/* Rows of task t: X_t (n×p), y_t, X^v_t (q×p), y^v_t. */
static _gsl_matrix_const_view Xt(const mr_state *s, size_t t)
{
    return gsl_matrix_const_submatrix(s->X, t * s->n, 0, s->n, s->p);
}
static _gsl_vector_const_view yt(const mr_state *s, size_t t)
{
    return gsl_vector_const_subvector(s->y, t * s->n, s->n);
}
static _gsl_matrix_const_view Xvt(const mr_state *s, size_t t)
{
    return gsl_matrix_const_submatrix(s->Xv, t * s->q, 0, s->q, s->p);
}
static _gsl_vector_const_view yvt(const mr_state *s, size_t t)
{
    return gsl_vector_const_subvector(s->yv, t * s->q, s->q);
}
/* θ_t, the block of task t */
static _gsl_vector_const_view blk(cvec *th, size_t t, size_t p)
{
    return gsl_vector_const_subvector(th, t * p, p);
}
static gsl_vector_view blk_w(gsl_vector *th, size_t t, size_t p)
{
    return gsl_vector_subvector(th, t * p, p);
}

/* The generator.  mt19937 seeded with seed; every normal draw is
 * gsl_ran_gaussian(r, 1), in this order:
 *   1. μ_j, j = 1..p;
 *   2. for each task t: θ°_t = μ + spread·N(0, 1) (p draws), then the n
 *      rows of X_t (p draws each, row by row) with y_ti = x_tiᵀθ°_t +
 *      noise·N(0, 1) drawn after its row, then the q rows of X^v_t and
 *      y^v_t the same way. */
static void generate(mr_state *s, double spread, double noise, unsigned long seed,
                     gsl_rng *r)
{
    size_t p = s->p;
    gsl_rng_set(r, seed);
    for (size_t j = 0; j < p; j++) gsl_vector_set(s->mu, j, gsl_ran_gaussian(r, 1.0));
    for (size_t t = 0; t < s->T; t++) {
        for (size_t j = 0; j < p; j++)
            gsl_vector_set(s->w1, j, gsl_vector_get(s->mu, j) + spread * gsl_ran_gaussian(r, 1.0));
        for (int v = 0; v < 2; v++) {
            gsl_matrix *X = v ? s->Xv : s->X;
            gsl_vector *y = v ? s->yv : s->y;
            size_t m = v ? s->q : s->n;
            for (size_t i = t * m; i < (t + 1) * m; i++) {
                double yi = 0;
                for (size_t j = 0; j < p; j++) {
                    double x = gsl_ran_gaussian(r, 1.0);
                    gsl_matrix_set(X, i, j, x);
                    yi += x * gsl_vector_get(s->w1, j);
                }
                gsl_vector_set(y, i, yi + noise * gsl_ran_gaussian(r, 1.0));
            }
        }
    }
}

/* max_t λmax(X_tᵀX_t/n), from the smaller of X_tᵀX_t and X_tX_tᵀ */
static int largest_eig(mr_state *s)
{
    size_t k = s->n < s->p ? s->n : s->p;
    gsl_matrix *M = gsl_matrix_alloc(k, k);
    gsl_vector *ev = gsl_vector_alloc(k);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(k);
    int st = M && ev && ws ? BL_OK : BL_ENOMEM;
    s->lmax = 0;
    for (size_t t = 0; st == BL_OK && t < s->T; t++) {
        gsl_matrix_const_view X = Xt(s, t);
        gsl_blas_dsyrk(CblasLower, s->n < s->p ? CblasNoTrans : CblasTrans,
                       1.0 / (double)s->n, &X.matrix, 0.0, M);
        if (gsl_eigen_symm(M, ev, ws) != GSL_SUCCESS) st = BL_EDIVERGE;
        else s->lmax = fmax(s->lmax, gsl_vector_max(ev));
    }
    gsl_matrix_free(M);
    gsl_vector_free(ev);
    if (ws) gsl_eigen_symm_free(ws);
    return st;
}

static int mr_init(bl_problem *P, bl_err *e)
{
    size_t T = (size_t)P->par[PAR_T], n = (size_t)P->par[PAR_SHOTS];
    size_t q = (size_t)P->par[PAR_QUERY], p = (size_t)P->par[PAR_P];
    if ((double)T * (double)p > 1e7 || (double)T * (double)(n + q) * (double)p > 1e8) {
        bl_err_set(e, BL_EINVAL, "T=%zu tasks of p=%zu with %zu + %zu samples is too large "
                   "(T·p ≤ 1e7, T·(shots + query)·p ≤ 1e8)", T, p, n, q);
        return BL_EINVAL;
    }
    mr_state *s = mr_state_alloc(T, n, q, p);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!s || !r) {
        mr_state_free(s);
        if (r) gsl_rng_free(r);
        bl_err_set(e, BL_ENOMEM, "out of memory building metaridge with T=%zu, p=%zu", T, p);
        return BL_ENOMEM;
    }
    generate(s, P->par[PAR_SPREAD], P->par[PAR_NOISE], (unsigned long)P->par[PAR_SEED], r);
    gsl_rng_free(r);
    int st = largest_eig(s);
    if (st) {
        mr_state_free(s);
        bl_err_set(e, st, "metaridge: the eigenvalues of X_tᵀX_t/n failed");
        return st;
    }
    P->p = T * p;
    P->d = 1 + p;
    P->state = s;
    return BL_OK;
}

static void mr_free(bl_problem *P)
{
    mr_state_free(P->state);
    P->state = NULL;
}

static int mr_clone(const bl_problem *src, bl_problem *dst)
{
    const mr_state *a = src->state;
    mr_state *b = mr_state_alloc(a->T, a->n, a->q, a->p);
    if (!b) return BL_ENOMEM;
    gsl_matrix_memcpy(b->X, a->X);
    gsl_matrix_memcpy(b->Xv, a->Xv);
    gsl_vector_memcpy(b->y, a->y);
    gsl_vector_memcpy(b->yv, a->yv);
    gsl_vector_memcpy(b->mu, a->mu);
    b->lmax = a->lmax;
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om) { return exp(gsl_vector_get(om, 0)); }
static _gsl_vector_const_view centre(cvec *om)
{
    return gsl_vector_const_subvector(om, 1, om->size - 1);
}

/* ‖X θ − y‖² with the residual X θ − y left in R (size rows of X) */
static double sqres(const gsl_matrix *X, cvec *y, cvec *th, gsl_vector *R)
{
    gsl_vector_memcpy(R, y);
    gsl_blas_dgemv(CblasNoTrans, 1.0, X, th, -1.0, R);
    double n = gsl_blas_dnrm2(R);
    return n * n;
}

/* ‖θ_t − w‖² */
static double dist2(cvec *a, cvec *b)
{
    double s = 0;
    for (size_t j = 0; j < a->size; j++) {
        double t = gsl_vector_get(a, j) - gsl_vector_get(b, j);
        s += t * t;
    }
    return s;
}

static double mr_G(bl_problem *P, cvec *th, cvec *om)
{
    mr_state *s = P->state;
    gsl_vector_const_view w = centre(om);
    gsl_vector_view R = gsl_vector_subvector(s->r, 0, s->n);
    double l = lam(om), g = 0;
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xt(s, t);
        gsl_vector_const_view y = yt(s, t), tt = blk(th, t, s->p);
        g += sqres(&X.matrix, &y.vector, &tt.vector, &R.vector) / (2.0 * (double)s->n)
             + 0.5 * l * dist2(&tt.vector, &w.vector);
    }
    return g;
}

static double mr_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    mr_state *s = P->state;
    gsl_vector_view R = gsl_vector_subvector(s->r, 0, s->q);
    double f = 0;
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xvt(s, t);
        gsl_vector_const_view y = yvt(s, t), tt = blk(th, t, s->p);
        f += sqres(&X.matrix, &y.vector, &tt.vector, &R.vector);
    }
    return f / (2.0 * (double)s->q * (double)s->T);
}

/* g_t = X_tᵀ(X_tθ_t − y_t)/n + λ(θ_t − w) */
static void mr_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    mr_state *s = P->state;
    gsl_vector_const_view w = centre(om);
    gsl_vector_view R = gsl_vector_subvector(s->r, 0, s->n);
    double l = lam(om);
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xt(s, t);
        gsl_vector_const_view y = yt(s, t), tt = blk(th, t, s->p);
        gsl_vector_view gt = blk_w(g, t, s->p);
        sqres(&X.matrix, &y.vector, &tt.vector, &R.vector);
        gsl_vector_memcpy(&gt.vector, &tt.vector);
        gsl_vector_sub(&gt.vector, &w.vector);
        gsl_blas_dgemv(CblasTrans, 1.0 / (double)s->n, &X.matrix, &R.vector, l, &gt.vector);
    }
}

/* ∂/∂ω₀ = (λ/2) Σ_t ‖θ_t − w‖²,  ∂/∂w = −λ Σ_t (θ_t − w) */
static void mr_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    mr_state *s = P->state;
    gsl_vector_const_view w = centre(om);
    gsl_vector_view gw = gsl_vector_subvector(g, 1, s->p);
    double l = lam(om), q = 0;
    gsl_vector_set_zero(g);
    for (size_t t = 0; t < s->T; t++) {
        gsl_vector_const_view tt = blk(th, t, s->p);
        q += dist2(&tt.vector, &w.vector);
        gsl_blas_daxpy(-l, &tt.vector, &gw.vector);
        gsl_blas_daxpy(l, &w.vector, &gw.vector);
    }
    gsl_vector_set(g, 0, 0.5 * l * q);
}

/* ∇θ_tL = X^v_tᵀ(X^v_tθ_t − y^v_t)/(Tq) */
static void mr_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    mr_state *s = P->state;
    gsl_vector_view R = gsl_vector_subvector(s->r, 0, s->q);
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xvt(s, t);
        gsl_vector_const_view y = yvt(s, t), tt = blk(th, t, s->p);
        gsl_vector_view gt = blk_w(g, t, s->p);
        sqres(&X.matrix, &y.vector, &tt.vector, &R.vector);
        gsl_blas_dgemv(CblasTrans, 1.0 / ((double)s->q * (double)s->T), &X.matrix, &R.vector,
                       0.0, &gt.vector);
    }
}

static void mr_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* (H v)_t = X_tᵀX_t v_t/n + λ v_t */
static void mr_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th;
    mr_state *s = P->state;
    gsl_vector_view R = gsl_vector_subvector(s->r, 0, s->n);
    double l = lam(om);
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xt(s, t);
        gsl_vector_const_view vt = blk(v, t, s->p);
        gsl_vector_view ot = blk_w(out, t, s->p);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &X.matrix, &vt.vector, 0.0, &R.vector);
        gsl_vector_memcpy(&ot.vector, &vt.vector);
        gsl_blas_dgemv(CblasTrans, 1.0 / (double)s->n, &X.matrix, &R.vector, l, &ot.vector);
    }
}

/* C v = (λ Σ_t (θ_t − w)ᵀv_t, −λ Σ_t v_t) */
static void mr_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    mr_state *s = P->state;
    gsl_vector_const_view w = centre(om);
    gsl_vector_view ow = gsl_vector_subvector(out, 1, s->p);
    double l = lam(om), c = 0;
    gsl_vector_set_zero(out);
    for (size_t t = 0; t < s->T; t++) {
        gsl_vector_const_view tt = blk(th, t, s->p), vt = blk(v, t, s->p);
        double a, b;
        gsl_blas_ddot(&tt.vector, &vt.vector, &a);
        gsl_blas_ddot(&w.vector, &vt.vector, &b);
        c += a - b;
        gsl_blas_daxpy(-l, &vt.vector, &ow.vector);
    }
    gsl_vector_set(out, 0, l * c);
}

/* (Cᵀu)_t = λu₀(θ_t − w) − λu_w */
static void mr_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    mr_state *s = P->state;
    gsl_vector_const_view w = centre(om), uw = gsl_vector_const_subvector(u, 1, s->p);
    double l = lam(om), u0 = gsl_vector_get(u, 0);
    for (size_t t = 0; t < s->T; t++) {
        gsl_vector_const_view tt = blk(th, t, s->p);
        gsl_vector_view ot = blk_w(out, t, s->p);
        gsl_vector_memcpy(&ot.vector, &tt.vector);
        gsl_vector_sub(&ot.vector, &w.vector);
        gsl_vector_scale(&ot.vector, l * u0);
        gsl_blas_daxpy(-l, &uw.vector, &ot.vector);
    }
}

static int mr_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th;
    mr_state *s = P->state;
    double l = lam(om);
    gsl_matrix_set_zero(H);
    for (size_t t = 0; t < s->T; t++) {
        gsl_matrix_const_view X = Xt(s, t);
        gsl_matrix_view Ht = gsl_matrix_submatrix(H, t * s->p, t * s->p, s->p, s->p);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)s->n, &X.matrix, &X.matrix, 0.0,
                       &Ht.matrix);
        for (size_t j = 0; j < s->p; j++)
            gsl_matrix_set(&Ht.matrix, j, j, gsl_matrix_get(&Ht.matrix, j, j) + l);
    }
    return BL_OK;
}

/* xᵀv over p entries, in four running sums (a dependent chain of additions
 * would bound the loop by the adder's latency). */
static double rdot(const double *x, const double *v, size_t p)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t j = 0;
    for (; j + 4 <= p; j += 4) {
        s0 += x[j] * v[j];
        s1 += x[j + 1] * v[j + 1];
        s2 += x[j + 2] * v[j + 2];
        s3 += x[j + 3] * v[j + 3];
    }
    for (; j < p; j++) s0 += x[j] * v[j];
    return (s0 + s1) + (s2 + s3);
}

/* z ← M⁻¹z with M = LLᵀ, L (n×n, row-major) in M's lower triangle */
static void chol_solve(const double *M, size_t n, double *z)
{
    for (size_t i = 0; i < n; i++) z[i] = (z[i] - rdot(M + i * n, z, i)) / M[i * n + i];
    for (size_t i = n; i-- > 0;) {
        double v = z[i];
        for (size_t k = i + 1; k < n; k++) v -= M[k * n + i] * z[k];
        z[i] = v / M[i * n + i];
    }
}

/* Task t's closed form when the task has fewer shots than dimensions
 * (n < p), in the n-dimensional dual: with M = X_tX_tᵀ + nλI (n×n, SPD),
 * the push-through identity (K_t + λI)⁻¹X_tᵀ/n = X_tᵀM⁻¹ gives
 *   θ_t* = w + X_tᵀu,     u = M⁻¹(y_t − X_tw),
 *   λa_t = λ(K_t + λI)⁻¹c = c − X_tᵀM⁻¹X_tc,  c = ∇θ_tL,
 *   (θ_t* − w)ᵀλa_t = uᵀX_t(λa_t),
 * so nothing is divided by λ: the error is that of the primal Cholesky
 * (κ(K_t + λI) times round-off).  One n×n Cholesky instead of a p×p one
 * (n³/3 against p³/3 flops, and n²p/2 against np²/2 to form the matrix),
 * and plain loops on blocks that fit in cache: no call into the BLAS, whose
 * level-3 routines serialise when two threads call them at once.  M holds
 * n·n doubles, u and z n each; TH and A are contiguous (blocks allocates
 * them), p each. */
static int task_dual(const mr_state *s, size_t t, double l, cvec *w, double *M, double *u,
                     double *z, gsl_vector *th, gsl_vector *a, double *g)
{
    size_t n = s->n, p = s->p, q = s->q, tda = s->X->tda, tdv = s->Xv->tda;
    const double *X = s->X->data + t * n * tda, *y = s->y->data + t * n;
    const double *Xv = s->Xv->data + t * q * tdv, *yv = s->yv->data + t * q;
    double *tv = th->data, *cv = a->data;
    for (size_t i = 0; i < n; i++) {          /* M = X Xᵀ + nλI, lower triangle */
        for (size_t k = 0; k <= i; k++) M[i * n + k] = rdot(X + i * tda, X + k * tda, p);
        M[i * n + i] += (double)n * l;
    }
    for (size_t j = 0; j < n; j++) {          /* its Cholesky factor, in place */
        double d = M[j * n + j] - rdot(M + j * n, M + j * n, j);
        if (!(d > 0)) return BL_ENOTPD;
        d = sqrt(d);
        M[j * n + j] = d;
        for (size_t i = j + 1; i < n; i++)
            M[i * n + j] = (M[i * n + j] - rdot(M + i * n, M + j * n, j)) / d;
    }
    gsl_vector_memcpy(th, w);                 /* θ = w + Xᵀu, u = M⁻¹(y − Xw) */
    for (size_t i = 0; i < n; i++) u[i] = y[i] - rdot(X + i * tda, tv, p);
    chol_solve(M, n, u);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) tv[j] += u[i] * X[i * tda + j];
    if (!g) return BL_OK;
    double sc = 1.0 / ((double)q * (double)s->T);
    for (size_t j = 0; j < p; j++) cv[j] = 0; /* c = X^vᵀ(X^vθ − y^v)/(qT) */
    for (size_t i = 0; i < q; i++) {
        double r = (rdot(Xv + i * tdv, tv, p) - yv[i]) * sc;
        for (size_t j = 0; j < p; j++) cv[j] += r * Xv[i * tdv + j];
    }
    for (size_t i = 0; i < n; i++) z[i] = rdot(X + i * tda, cv, p);
    chol_solve(M, n, z);                      /* λa = c − XᵀM⁻¹Xc into g[1..p] */
    double *la = g + 1;
    for (size_t j = 0; j < p; j++) la[j] = cv[j];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++) la[j] -= z[i] * X[i * tda + j];
    double c = 0;                             /* (θ − w)ᵀλa = uᵀX(λa) */
    for (size_t i = 0; i < n; i++) c += u[i] * rdot(X + i * tda, la, p);
    g[0] = -c;
    return BL_OK;
}

/* Task t's closed form with the thread's workspace A (p×p), a (p), R
 * (max(n, q)): θ_t* into TH; with G non-NULL also its share of ∇F, the
 * d-vector (−λ(θ_t* − w)ᵀa_t, λa_t) with a_t = (K_t + λI)⁻¹∇θ_tL. */
static int task_closed(const mr_state *s, size_t t, double l, cvec *w, gsl_matrix *A,
                       gsl_vector *th, gsl_vector *a, gsl_vector *R, double *g)
{
    gsl_matrix_const_view X = Xt(s, t);
    gsl_vector_const_view y = yt(s, t);
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0 / (double)s->n, &X.matrix, 0.0, A);
    for (size_t j = 0; j < s->p; j++) gsl_matrix_set(A, j, j, gsl_matrix_get(A, j, j) + l);
    if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS) return BL_ENOTPD;
    gsl_vector_memcpy(th, w);                                /* X_tᵀy_t/n + λw */
    gsl_blas_dgemv(CblasTrans, 1.0 / (double)s->n, &X.matrix, &y.vector, l, th);
    if (gsl_linalg_cholesky_svx(A, th) != GSL_SUCCESS) return BL_ENOTPD;
    if (!g) return BL_OK;
    gsl_matrix_const_view Xv = Xvt(s, t);
    gsl_vector_const_view yv = yvt(s, t);
    gsl_vector_view Rq = gsl_vector_subvector(R, 0, s->q);
    sqres(&Xv.matrix, &yv.vector, th, &Rq.vector);
    gsl_blas_dgemv(CblasTrans, 1.0 / ((double)s->q * (double)s->T), &Xv.matrix, &Rq.vector, 0.0, a);
    if (gsl_linalg_cholesky_svx(A, a) != GSL_SUCCESS) return BL_ENOTPD;
    double c = 0;
    for (size_t j = 0; j < s->p; j++) {
        c += (gsl_vector_get(th, j) - gsl_vector_get(w, j)) * gsl_vector_get(a, j);
        g[1 + j] = l * gsl_vector_get(a, j);
    }
    g[0] = -l * c;
    return BL_OK;
}

/* All tasks' closed forms, in parallel: θ* into TH (may be NULL), ∇F into
 * G (may be NULL).  Each task writes only its own block of TH and its own
 * row of the T×d table of shares, summed in task order afterwards. */
static int blocks(bl_problem *P, cvec *om, gsl_vector *TH, gsl_vector *G)
{
    const mr_state *s = P->state;
    size_t T = s->T, p = s->p, d = P->d;
    double l = lam(om);
    gsl_vector_const_view w = centre(om);
    double *share = G ? malloc(T * d * sizeof *share) : NULL;
    int fail = G && !share ? BL_ENOMEM : BL_OK;
    int dual = s->n < s->p;     /* fewer shots than dimensions: task_dual */
    if (fail) return fail;
#pragma omp parallel
    {
        gsl_matrix *A = gsl_matrix_alloc(p, p);
        gsl_vector *th = gsl_vector_alloc(p), *a = gsl_vector_alloc(p);
        gsl_vector *R = gsl_vector_alloc(s->n > s->q ? s->n : s->q);
        double *z = dual ? malloc(s->n * sizeof *z) : NULL;
        int ok = A && th && a && R && (z || !dual);
        if (!ok) {
#pragma omp atomic write
            fail = BL_ENOMEM;
        }
#pragma omp for schedule(static)
        for (size_t t = 0; t < T; t++) {
            if (!ok) continue;
            double *gt = G ? share + t * d : NULL;
            int st = dual ? task_dual(s, t, l, &w.vector, A->data, R->data, z, th, a, gt)
                          : task_closed(s, t, l, &w.vector, A, th, a, R, gt);
            if (st) {
#pragma omp atomic write
                fail = st;
                continue;
            }
            if (TH) {
                gsl_vector_view out = blk_w(TH, t, p);
                gsl_vector_memcpy(&out.vector, th);
            }
        }
        free(z);
        gsl_matrix_free(A);
        gsl_vector_free(th);
        gsl_vector_free(a);
        gsl_vector_free(R);
    }
    if (G && !fail) {
        gsl_vector_set_zero(G);
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < d; i++)
                gsl_vector_set(G, i, gsl_vector_get(G, i) + share[t * d + i]);
    }
    free(share);
    return fail;
}

static int mr_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    return blocks(P, om, th, NULL);
}

static int mr_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    return blocks(P, om, NULL, g);
}

/* λmax(H) = max_t λmax(K_t) + λ */
static double mr_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    const mr_state *s = P->state;
    return s->lmax + lam(om);
}

static void mr_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

static int mr_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    mr_state *s = P->state;
    size_t k = bl_report_closed(P, th, om, buf, len);
    if (k + 1 >= len) return BL_OK;
    buf[k++] = '\n';
    gsl_vector_const_view w = centre(om);
    /* the prior alone: every θ_t = w */
    gsl_vector *tw = gsl_vector_alloc(P->p);
    double Lw = NAN;
    if (tw) {
        for (size_t t = 0; t < s->T; t++) {
            gsl_vector_view b = blk_w(tw, t, s->p);
            gsl_vector_memcpy(&b.vector, &w.vector);
        }
        Lw = mr_L(P, tw, om);
        gsl_vector_free(tw);
    }
    snprintf(buf + k, len - k, "%zu tasks of p = %zu, %zu shots + %zu queries each; prior "
             "strength λ = e^ω₀ = %.6g, ‖w − μ‖ = %.4g (μ the true mean of the task "
             "weights, ‖μ‖ = %.4g); validation loss of the prior alone (θ_t = w): %.6g",
             s->T, s->p, s->n, s->q, lam(om), sqrt(dist2(&w.vector, s->mu)),
             gsl_blas_dnrm2(s->mu), Lw);
    return BL_OK;
}

/* init's peak: the tasks' X (T·shots × p) and Xv (T·query × p), the
 * eigenproblem of min(shots, p) and the p × p system of each evaluation */
static double mr_bytes(const double *par, const bl_dataset *data)
{
    (void)data;
    double T = par[PAR_T], n = par[PAR_SHOTS], q = par[PAR_QUERY], p = par[PAR_P];
    double k = fmin(n, p);
    return bl_mem_dense(T * (n + q) + 2.0, p) + bl_mem_dense(2.0 * k, k) + bl_mem_dense(p, p);
}

const bl_problem_type bl_problem_metaridge = {
    .name = "metaridge",
    .summary = "few-shot meta-learning: T ridge heads around a learned prior (multi-block)",
    .inner_text = "G(θ, ω) = Σ_t [(1/2n)‖X_tθ_t − y_t‖² + (e^{ω₀}/2)‖θ_t − w‖²], "
                  "w = (ω₁, …, ω_p)",
    .outer_text = "L(θ, ω) = (1/T) Σ_t (1/2q)‖X^v_tθ_t − y^v_t‖²",
    .notes =
        "θ = (θ_1, …, θ_T) ∈ R^{Tp}, one head per task; ω = (ω₀, w) ∈ R^{1+p}: iMAML's "
        "proximal regulariser (Rajeswaran et al. 2019) with strength e^{ω₀} and centre w "
        "shared by the tasks.  G sums the tasks' inner problems; L is the mean of their "
        "validation losses.  Synthetic tasks (mt19937 from seed): μ ~ N(0, I), task "
        "weights θ°_t = μ + spread·N(0, I), rows of X_t and X^v_t ~ N(0, I), labels "
        "xᵀθ°_t + noise·N(0, 1).\n"
        "H = blockdiag(X_tᵀX_t/n + e^{ω₀}I); C: row 0 = e^{ω₀}(θ_t − w)ᵀ per block, rows "
        "1..p = −e^{ω₀}[I … I].  Closed forms per task: θ_t* = (X_tᵀX_t/n + e^{ω₀}I)⁻¹"
        "(X_tᵀy_t/n + e^{ω₀}w), a_t = (X_tᵀX_t/n + e^{ω₀}I)⁻¹∇θ_tL, ∇F = (−e^{ω₀} Σ_t "
        "(θ_t* − w)ᵀa_t, e^{ω₀} Σ_t a_t): a sum of per-task adjoints, computed block by "
        "block in parallel (OpenMP over tasks; `set threads`) and added in task order, "
        "so that every thread count gives the same bits.\n"
        "show: the closed form, λ, the distance of w from the true mean μ, and the "
        "validation loss of the prior alone.  Default ω = 0 (λ = 1, w = 0).",
    .params = mr_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .init = mr_init,
    .free = mr_free,
    .clone = mr_clone,
    .G = mr_G,
    .L = mr_L,
    .G_theta = mr_G_theta,
    .G_omega = mr_G_omega,
    .L_theta = mr_L_theta,
    .L_omega = mr_L_omega,
    .hvp = mr_hvp,
    .cvp = mr_cvp,
    .ctvp = mr_ctvp,
    .hessian = mr_hessian,
    .theta_star = mr_theta_star,
    .hypergrad = mr_hypergrad,
    .lipschitz = mr_lipschitz,
    .omega0 = mr_omega0,
    .report = mr_report,
    .solver = "newton",
    .estimators = "exact cg fd",
    .bytes = mr_bytes,
};
