/* test_catalogue4.c: issue 17, items 7 and 8.
 *   wlasso: with every ω_j = c it is the lasso at ω = c (θ* and Σ_j ∇F_j);
 *     its exact hypergradient against central differences of F written here;
 *   l1logreg: exact against central differences of F;
 *   outer=cv folds=K (lasso, wlasso, l1logreg): F and ∇F against K problems
 *     built here on folds cut here, solved one by one; the same bits on one
 *     thread and on two;
 *   reverse, forward, truncated with method=heavyball and nesterov on ridge
 *     (gradient steps), lasso and wlasso (ISTA steps): against central
 *     differences of the unrolled map written here;
 *   learn_eta=1: the η entry of reverse and forward against differences of
 *     the unrolled map in log η, and 0 for exact and fd. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <gsl/gsl_blas.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "wrap.h"

/* T with parameters ARGS ("outer=cv folds=3") on DS. */
static bl_problem *alloc_with(const bl_problem_type *T, const char *args, const bl_dataset *ds)
{
    double par[BL_MAX_PARAMS];
    char buf[256], *save = NULL;
    bl_err e = {0, ""};
    for (size_t i = 0; i < T->nparams; i++) par[i] = T->params[i].def;
    snprintf(buf, sizeof buf, "%s", args);
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        *eq = 0;
        int k = bl_param_find(T->params, T->nparams, w);
        if (k < 0 || bl_param_parse(&T->params[k], eq + 1, &par[k], &e)) return NULL;
    }
    bl_problem *P = bl_problem_alloc(T, par, ds, &e);
    if (!P) tap_diag("%s %s: %s", T->name, args, e.msg);
    return P;
}

/* Labels sign(xᵀw + noise) on make_ds's features. */
static bl_dataset *make_cls(size_t n, size_t m, size_t p)
{
    bl_dataset *ds = make_ds(n, m, p);
    for (int split = 0; split < 2; split++) {
        gsl_vector *y = split ? ds->yv : ds->y;
        for (size_t i = 0; i < y->size; i++)
            gsl_vector_set(y, i, gsl_vector_get(y, i) + gsl_ran_gaussian(rng, 2.0) > 0 ? 1 : -1);
    }
    return ds;
}

/* θ solved at ω from zero to TOL with the solver auto picks. */
static int solve(bl_problem *P, const gsl_vector *om, gsl_vector *th, double tol)
{
    bl_err e = {0, ""};
    bl_inner_conf c = {bl_inner_auto(P), 0, tol, 200000, 0};
    gsl_vector_set_zero(th);
    int st = bl_inner_solve_at(P, &c, om, th, NULL, NULL, &e);
    if (st) tap_diag("%s: %s", P->type->name, e.msg);
    return st;
}

/* F(ω) = L(θ*(ω), ω), θ* solved to 1e-13 */
static double F_at(bl_problem *P, const gsl_vector *om)
{
    gsl_vector *th = gsl_vector_alloc(P->p);
    solve(P, om, th, 1e-13);
    double F = bl_problem_L(P, th, om);
    gsl_vector_free(th);
    return F;
}

/* The estimate of SPEC at (θ, ω), step η = 1/L_G. */
static int estimate(bl_problem *P, const char *spec, const gsl_vector *om, const gsl_vector *th,
                    gsl_vector *g)
{
    bl_err e = {0, ""};
    bl_inner_conf ic = {bl_inner_auto(P), 0, 1e-13, 200000, 0};
    gsl_vector *a = gsl_vector_alloc(P->p), *te = gsl_vector_alloc(P->p);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g, .adjoint = a, .theta_end = te};
    bl_spec s;
    int st = bl_spec_parse(spec, &s, &e) || bl_hypergrad(&s, &c, &r, &e);
    if (st) tap_diag("%s on %s: %s", spec, P->type->name, e.msg);
    gsl_vector_free(a);
    gsl_vector_free(te);
    return st;
}

static double rel(const gsl_vector *a, const gsl_vector *b)
{
    return dist(a, b) / fmax(gsl_blas_dnrm2(b), 1e-300);
}

/* ---- wlasso ---- */

static void check_wlasso_is_lasso(void)
{
    bl_dataset *ds = make_ds(80, 40, 8);
    bl_problem *W = alloc_with(&bl_problem_wlasso, "", ds);
    bl_problem *L = alloc_with(&bl_problem_lasso, "", ds);
    if (!W || !L) {
        tap_ok(0, "wlasso and lasso allocate");
        return;
    }
    gsl_vector *omw = gsl_vector_alloc(8), *oml = gsl_vector_alloc(1);
    gsl_vector *tw = gsl_vector_alloc(8), *tl = gsl_vector_alloc(8);
    gsl_vector *gw = gsl_vector_alloc(8), *gl = gsl_vector_alloc(1);
    bl_problem_omega0(L, oml);
    gsl_vector_set_all(omw, gsl_vector_get(oml, 0));
    int st = solve(W, omw, tw, 1e-13) || solve(L, oml, tl, 1e-13);
    size_t k = 0;
    for (size_t j = 0; j < 8; j++) k += gsl_vector_get(tl, j) != 0;
    tap_ok(!st && dist(tw, tl) <= 1e-12 * gsl_blas_dnrm2(tl) && k > 0 && k < 8,
           "wlasso with every ω_j = %.4g: θ* = lasso's (‖Δ‖ = %.3g, support %zu of 8)",
           gsl_vector_get(oml, 0), dist(tw, tl), k);
    st = estimate(W, "exact", omw, tw, gw) || estimate(L, "exact", oml, tl, gl);
    double sum = 0;
    for (size_t j = 0; j < 8; j++) sum += gsl_vector_get(gw, j);
    tap_ok(!st && fabs(sum - gsl_vector_get(gl, 0)) <= 1e-12 * fabs(gsl_vector_get(gl, 0)),
           "wlasso: Σ_j ∇F_j = %.15g = lasso's ∇F = %.15g", sum, gsl_vector_get(gl, 0));
    /* F's own central differences at distinct ω_j (off the support ∇F_j = 0) */
    for (size_t j = 0; j < 8; j++) gsl_vector_set(omw, j, gsl_vector_get(oml, 0) + 0.1 * (double)j - 0.3);
    solve(W, omw, tw, 1e-13);
    estimate(W, "exact", omw, tw, gw);
    gsl_vector *gfd = gsl_vector_alloc(8);
    for (size_t j = 0; j < 8; j++) {
        double h = 1e-5, w0 = gsl_vector_get(omw, j);
        gsl_vector_set(omw, j, w0 + h);
        double Fp = F_at(W, omw);
        gsl_vector_set(omw, j, w0 - h);
        double Fm = F_at(W, omw);
        gsl_vector_set(omw, j, w0);
        gsl_vector_set(gfd, j, (Fp - Fm) / (2 * h));
    }
    k = 0;
    for (size_t j = 0; j < 8; j++) k += gsl_vector_get(tw, j) == 0 && gsl_vector_get(gw, j) == 0;
    tap_ok(rel(gw, gfd) <= 1e-6, "wlasso: exact ∇F = central differences of F (rel %.3g; "
           "%zu features off the support with ∇F_j = 0)", rel(gw, gfd), k);
    gsl_vector_free(gfd);
    gsl_vector_free(omw);
    gsl_vector_free(oml);
    gsl_vector_free(tw);
    gsl_vector_free(tl);
    gsl_vector_free(gw);
    gsl_vector_free(gl);
    bl_problem_free(W);
    bl_problem_free(L);
    free_ds(ds);
}

/* ---- l1logreg ---- */

static void check_l1logreg_fd(void)
{
    bl_dataset *ds = make_cls(120, 60, 6);
    bl_problem *P = alloc_with(&bl_problem_l1logreg, "", ds);
    if (!P) {
        tap_ok(0, "l1logreg allocates");
        return;
    }
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(6), *g = gsl_vector_alloc(1);
    bl_problem_omega0(P, om);
    int st = solve(P, om, th, 1e-13) || estimate(P, "exact", om, th, g);
    double h = 1e-5, w0 = gsl_vector_get(om, 0);
    gsl_vector_set(om, 0, w0 + h);
    double Fp = F_at(P, om);
    gsl_vector_set(om, 0, w0 - h);
    double Fm = F_at(P, om);
    gsl_vector_set(om, 0, w0);
    double fd = (Fp - Fm) / (2 * h), ex = gsl_vector_get(g, 0);
    size_t k = 0;
    for (size_t j = 0; j < 6; j++) k += gsl_vector_get(th, j) != 0;
    tap_ok(!st && fabs(ex - fd) <= 1e-6 * fabs(fd) && k > 0,
           "l1logreg: exact ∇F = %.10g, central differences of F %.10g (support %zu of 6)",
           ex, fd, k);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    bl_problem_free(P);
    free_ds(ds);
}

/* ---- outer=cv ---- */

/* Fold k of K cut here: validation rows [kn/K, (k+1)n/K) of the training
 * split, training the others. */
static bl_dataset *cut_fold(const bl_dataset *ds, size_t K, size_t k)
{
    size_t n = ds->X->size1, p = ds->X->size2, lo = k * n / K, hi = (k + 1) * n / K;
    bl_dataset *f = calloc(1, sizeof *f);
    f->X = gsl_matrix_alloc(n - (hi - lo), p);
    f->y = gsl_vector_alloc(n - (hi - lo));
    f->Xv = gsl_matrix_alloc(hi - lo, p);
    f->yv = gsl_vector_alloc(hi - lo);
    for (size_t i = 0, a = 0, b = 0; i < n; i++)
        for (size_t j = 0; j <= p; j++) {
            int v = i >= lo && i < hi;
            double x = j < p ? gsl_matrix_get(ds->X, i, j) : gsl_vector_get(ds->y, i);
            if (j < p) gsl_matrix_set(v ? f->Xv : f->X, v ? b : a, j, x);
            else {
                gsl_vector_set(v ? f->yv : f->y, v ? b : a, x);
                if (v) b++;
                else a++;
            }
        }
    return f;
}

static void check_cv(const bl_problem_type *T, bl_dataset *ds, size_t K)
{
    char args[64];
    snprintf(args, sizeof args, "outer=cv folds=%zu", K);
    bl_problem *P = alloc_with(T, args, ds);
    if (!P) {
        tap_ok(0, "%s %s allocates", T->name, args);
        return;
    }
    size_t p = P->p / K, d = P->d;
    gsl_vector *om = gsl_vector_alloc(d), *th = gsl_vector_alloc(P->p), *g = gsl_vector_alloc(d);
    bl_problem_omega0(P, om);
    int st = solve(P, om, th, 1e-12) || estimate(P, "exact", om, th, g);
    double F = bl_problem_L(P, th, om);
    /* K problems of the type (outer=holdout) on folds cut here */
    double Fk = 0;
    gsl_vector *gk = gsl_vector_calloc(d), *gi = gsl_vector_alloc(d), *ti = gsl_vector_alloc(p);
    for (size_t k = 0; k < K && !st; k++) {
        bl_dataset *f = cut_fold(ds, K, k);
        bl_problem *Q = alloc_with(T, "", f);
        st = !Q || solve(Q, om, ti, 1e-12) || estimate(Q, "exact", om, ti, gi);
        if (!st) {
            Fk += bl_problem_L(Q, ti, om) / (double)K;
            gsl_blas_daxpy(1.0 / (double)K, gi, gk);
        }
        bl_problem_free(Q);
        free_ds(f);
    }
    tap_ok(!st && P->p == K * p && bl_wrap_folds(P) == K && fabs(F - Fk) <= 1e-9 * fabs(Fk)
           && rel(g, gk) <= 1e-7,
           "%s outer=cv folds=%zu: F = %.12g = the mean over %zu folds cut here %.12g; ∇F "
           "= the mean of their hypergradients (rel %.3g)", T->name, K, F, K, Fk, rel(g, gk));
#ifdef _OPENMP
    /* the same bits whatever the number of threads */
    gsl_vector *th1 = gsl_vector_alloc(P->p), *g1 = gsl_vector_alloc(d);
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    st = solve(P, om, th1, 1e-12) || estimate(P, "exact", om, th1, g1);
    omp_set_num_threads(2);
    gsl_vector *th2 = gsl_vector_alloc(P->p), *g2 = gsl_vector_alloc(d);
    st = st || solve(P, om, th2, 1e-12) || estimate(P, "exact", om, th2, g2);
    omp_set_num_threads(nt);
    tap_ok(!st && same_bits(th1, th2) && same_bits(g1, g2),
           "%s outer=cv folds=%zu: θ* and ∇F bit for bit the same on 1 and 2 threads",
           T->name, K);
    gsl_vector_free(th1);
    gsl_vector_free(th2);
    gsl_vector_free(g1);
    gsl_vector_free(g2);
#else
    skip("no OpenMP: the thread-count check");
#endif
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gk);
    gsl_vector_free(gi);
    gsl_vector_free(ti);
    bl_problem_free(P);
}

static void check_cv_all(void)
{
    /* 1000 × 24 rows × features: the folds run on threads (n·p ≥ 20000) */
    bl_dataset *reg = make_ds(1000, 50, 24), *cls = make_cls(1000, 50, 24);
    check_cv(&bl_problem_lasso, reg, 5);
    check_cv(&bl_problem_wlasso, reg, 3);
    check_cv(&bl_problem_l1logreg, cls, 4);
    free_ds(reg);
    free_ds(cls);
    /* too few rows for the folds: refused */
    bl_dataset *tiny = make_ds(7, 5, 3);
    bl_err e = {0, ""};
    double par[3] = {1, 5, 0};
    bl_problem *P = bl_problem_alloc(&bl_problem_lasso, par, tiny, &e);
    tap_ok(!P && has(e.msg, "needs at least 10 training rows"), "lasso outer=cv folds=5 on 7 "
           "rows: refused (%s)", e.msg);
    bl_problem_free(P);
    free_ds(tiny);
}

/* ---- unrolled maps written here ---- */

/* F_T(ω) of T steps from θ₋₁ = θ₀ = 0: y = θ + β_n(θ − θ₋),
 * θ⁺ = Φ(y) + β_h(θ − θ₋), Φ(y) = y − η∇θG(y) (SMOOTH) or the problem's
 * step; η = ETA, or e^{ω_last} when ETA ≤ 0. */
static double unrolled_F(bl_problem *P, const gsl_vector *om, size_t T, double eta,
                         double bn, double bh, int smooth)
{
    size_t p = P->p;
    if (eta <= 0) eta = exp(gsl_vector_get(om, om->size - 1));
    gsl_vector *th = gsl_vector_calloc(p), *pr = gsl_vector_calloc(p);
    gsl_vector *y = gsl_vector_alloc(p), *nx = gsl_vector_alloc(p);
    for (size_t s = 0; s < T; s++) {
        for (size_t j = 0; j < p; j++) {
            double t = gsl_vector_get(th, j), q = gsl_vector_get(pr, j);
            gsl_vector_set(y, j, t + bn * (t - q));
        }
        if (smooth) {
            P->type->G_theta(P, y, om, nx);
            for (size_t j = 0; j < p; j++)
                gsl_vector_set(nx, j, gsl_vector_get(y, j) - eta * gsl_vector_get(nx, j));
        } else {
            P->type->step(P, y, om, eta, nx);
        }
        for (size_t j = 0; j < p; j++) {
            double t = gsl_vector_get(th, j), q = gsl_vector_get(pr, j);
            gsl_vector_set(nx, j, gsl_vector_get(nx, j) + bh * (t - q));
        }
        gsl_vector_memcpy(pr, th);
        gsl_vector_memcpy(th, nx);
    }
    double F = P->type->L(P, th, om);
    gsl_vector_free(th);
    gsl_vector_free(pr);
    gsl_vector_free(y);
    gsl_vector_free(nx);
    return F;
}

/* reverse, forward and truncated (k = t) with METHOD against central
 * differences of unrolled_F in every ω_j (h = 1e-6). */
static void check_momentum(bl_problem *P, const gsl_vector *om, const char *method, double beta,
                           size_t T, double eta, int smooth)
{
    size_t d = P->d;
    double bn = !strcmp(method, "nesterov") ? beta : 0, bh = !strcmp(method, "heavyball") ? beta : 0;
    int learn = P->eta_slot > 0;
    gsl_vector *fd = gsl_vector_alloc(d), *w = gsl_vector_alloc(d);
    gsl_vector_memcpy(w, om);
    for (size_t j = 0; j < d; j++) {
        double h = 1e-6, w0 = gsl_vector_get(w, j);
        gsl_vector_set(w, j, w0 + h);
        double Fp = unrolled_F(P, w, T, learn ? 0 : eta, bn, bh, smooth);
        gsl_vector_set(w, j, w0 - h);
        double Fm = unrolled_F(P, w, T, learn ? 0 : eta, bn, bh, smooth);
        gsl_vector_set(w, j, w0);
        gsl_vector_set(fd, j, (Fp - Fm) / (2 * h));
    }
    const char *names[3] = {"reverse", "forward", "truncated"};
    gsl_vector *g[3], *th = gsl_vector_calloc(P->p);
    char spec[160];
    int st = 0;
    for (int i = 0; i < 3; i++) {
        g[i] = gsl_vector_alloc(d);
        /* the η of the spec: the one given, or none with learn_eta */
        if (i == 2) snprintf(spec, sizeof spec, "truncated:t=%zu,k=%zu,method=%s,beta=%g", T, T,
                             method, beta);
        else snprintf(spec, sizeof spec, "%s:t=%zu,method=%s,beta=%g", names[i], T, method, beta);
        if (!learn) {
            size_t n = strlen(spec);
            snprintf(spec + n, sizeof spec - n, ",eta=%.17g", eta);
        }
        st = st || estimate(P, spec, om, th, g[i]);
    }
    tap_ok(!st && rel(g[0], fd) <= 1e-6 && rel(g[1], g[0]) <= 1e-10 && rel(g[2], g[0]) <= 1e-12,
           "%s%s, %s β = %g, t = %zu: reverse = central differences of the unrolled map "
           "written here (rel %.3g), forward (rel %.3g) and truncated k = t the same",
           P->type->name, learn ? " learn_eta=1" : "", method, beta, T, rel(g[0], fd),
           rel(g[1], g[0]));
    if (learn)
        tap_ok(!st && fabs(gsl_vector_get(g[0], d - 1)) > 1e-8
               /* the differences' round-off floor: ε|F|/h ≈ 2e-10 */
               && fabs(gsl_vector_get(g[0], d - 1) - gsl_vector_get(fd, d - 1))
                  <= 1e-4 * fabs(gsl_vector_get(fd, d - 1)) + 1e-9,
               "%s learn_eta=1, %s: ∂F_T/∂log η = %.10g, differences %.10g", P->type->name,
               method, gsl_vector_get(g[0], d - 1), gsl_vector_get(fd, d - 1));
    for (int i = 0; i < 3; i++) gsl_vector_free(g[i]);
    gsl_vector_free(th);
    gsl_vector_free(fd);
    gsl_vector_free(w);
}

static void check_unrolled(void)
{
    bl_dataset *ds = make_ds(60, 30, 5), *cls = make_cls(80, 40, 5);
    bl_problem *R = alloc_with(&bl_problem_ridge, "", ds);
    bl_problem *L = alloc_with(&bl_problem_lasso, "", ds);
    bl_problem *W = alloc_with(&bl_problem_wlasso, "", ds);
    gsl_vector *om1 = gsl_vector_alloc(1), *omw = gsl_vector_alloc(5), *z = gsl_vector_calloc(5);
    gsl_vector_set(om1, 0, -1.0);
    double eta = 0.9 / bl_problem_lipschitz(R, z, om1);
    const char *methods[3] = {"heavyball", "nesterov", "gd"};
    for (int m = 0; m < 3; m++) check_momentum(R, om1, methods[m], 0.6, 40, 0.5 * eta, 1);
    bl_problem_omega0(L, om1);
    double etal = 0.9 / bl_problem_lipschitz(L, z, om1);
    for (int m = 0; m < 2; m++) check_momentum(L, om1, methods[m], 0.5, 30, etal, 0);
    bl_problem_omega0(W, omw);
    for (size_t j = 0; j < 5; j++) gsl_vector_set(omw, j, gsl_vector_get(omw, j) + 0.2 * (double)j);
    for (int m = 0; m < 2; m++) check_momentum(W, omw, methods[m], 0.5, 30, etal, 0);

    /* learn_eta=1: ω = (ω₁, log η) */
    const bl_problem_type *types[3] = {&bl_problem_lasso, &bl_problem_wlasso, &bl_problem_l1logreg};
    for (int t = 0; t < 3; t++) {
        bl_problem *P = alloc_with(types[t], "learn_eta=1", t == 2 ? cls : ds);
        if (!P) {
            tap_ok(0, "%s learn_eta=1 allocates", types[t]->name);
            continue;
        }
        gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_alloc(P->p);
        gsl_vector *g = gsl_vector_alloc(P->d), *gf = gsl_vector_alloc(P->d);
        bl_problem_omega0(P, om);
        /* the default log η = −log L_G; a little smaller so ISTA moves less */
        gsl_vector_set(om, P->d - 1, gsl_vector_get(om, P->d - 1) - 0.3);
        tap_ok(P->eta_slot == P->d && P->d == (t == 1 ? 6u : 2u),
               "%s learn_eta=1: d = %zu, the last entry log η", P->type->name, P->d);
        for (int m = 0; m < 3; m++) check_momentum(P, om, methods[m == 2 ? 2 : m], 0.5, 25, 0, 0);
        int st = solve(P, om, th, 1e-13) || estimate(P, "exact", om, th, g)
                 || estimate(P, "fd", om, th, gf);
        /* onestep at θ = θ* · 0.5 (at θ* itself Φ(θ*) = θ* for every η):
         * ∂L(Φ(θ; e^{ω_η}))/∂log η against differences of it */
        gsl_vector *go = gsl_vector_alloc(P->d), *t1 = gsl_vector_alloc(P->p);
        gsl_vector_scale(th, 0.5);
        double Fo[2], h = 1e-6, w0 = gsl_vector_get(om, P->d - 1);
        for (int sgn = 0; sgn < 2; sgn++) {
            gsl_vector_set(om, P->d - 1, w0 + (sgn ? -h : h));
            P->type->step(P, th, om, exp(gsl_vector_get(om, P->d - 1)), t1);
            Fo[sgn] = P->type->L(P, t1, om);
        }
        gsl_vector_set(om, P->d - 1, w0);
        double fo = (Fo[0] - Fo[1]) / (2 * h);
        int so = estimate(P, "onestep", om, th, go);
        tap_ok(!so && fabs(fo) > 1e-6 && fabs(gsl_vector_get(go, P->d - 1) - fo) <= 1e-5 * fabs(fo),
               "%s learn_eta=1: onestep's ∂/∂log η = %.10g, differences of L(Φ(θ*/2)) %.10g",
               P->type->name, gsl_vector_get(go, P->d - 1), fo);
        gsl_vector_free(go);
        gsl_vector_free(t1);
        tap_ok(!st && gsl_vector_get(g, P->d - 1) == 0 && fabs(gsl_vector_get(gf, P->d - 1)) <= 1e-12,
               "%s learn_eta=1: exact and fd see no η (∂F/∂log η = %g and %g)", P->type->name,
               gsl_vector_get(g, P->d - 1), gsl_vector_get(gf, P->d - 1));
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(gf);
        bl_problem_free(P);
    }
    gsl_vector_free(om1);
    gsl_vector_free(omw);
    gsl_vector_free(z);
    bl_problem_free(R);
    bl_problem_free(L);
    bl_problem_free(W);
    free_ds(ds);
    free_ds(cls);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261717);
    check_wlasso_is_lasso();
    check_l1logreg_fd();
    check_cv_all();
    check_unrolled();
    gsl_rng_free(rng);
    return tap_done();
}
