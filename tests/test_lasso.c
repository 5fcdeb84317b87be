/* test_lasso.c: the non-smooth problems lasso and enet (doc/catalogue.md,
 * "Details that fix the numbers"): the inner solvers ista, fista and cd
 * against the KKT conditions and each other, the support-restricted
 * hypergradient (exact, cg, neumann, fp) against an independent solve on the
 * support and central differences of F where the support is stable, the
 * unrolled estimators through ISTA steps converging to it, and the refusals
 * of smooth solvers.  The table test of their products is test_catalogue. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"

static bl_dataset *ds;

static double sgn(double t) { return (t > 0) - (t < 0); }

/* θ ← the inner solution at ω by solver T to tolerance TOL from zero */
static int solve(bl_problem *P, const bl_inner_type *T, cvec *om, gsl_vector *th, double tol)
{
    bl_inner_conf c = {T, 0, tol, 200000, 0};
    bl_err e = {0, ""};
    gsl_vector_set_zero(th);
    int st = bl_inner_solve_at(P, &c, om, th, NULL, NULL, &e);
    if (st && st != BL_ESTALL) tap_diag("%s: %s", T->name, e.msg);
    return st == BL_ESTALL ? BL_OK : st;
}

static double F_at(bl_problem *P, cvec *om, gsl_vector *th)
{
    solve(P, bl_inner_cd, om, th, 1e-14);
    return bl_problem_L(P, th, om);
}

static unsigned long support_bits(cvec *th)
{
    unsigned long b = 0;
    for (size_t j = 0; j < th->size; j++)
        if (gsl_vector_get(th, j) != 0) b |= 1ul << j;
    return b;
}

/* KKT of G = f + λ₁‖θ‖₁: ∇θG = ∇f + λ₁ sign θ, so |∇θG_j| on S and
 * |∇f_j| = |∇θG_j| ≤ λ₁ off S.  Returns the largest violation. */
static double kkt(bl_problem *P, cvec *th, cvec *om)
{
    gsl_vector *g = gsl_vector_alloc(P->p);
    double l1 = exp(gsl_vector_get(om, 0)), worst = 0;
    bl_problem_G_theta(P, th, om, g);
    for (size_t j = 0; j < P->p; j++) {
        double gj = fabs(gsl_vector_get(g, j));
        worst = fmax(worst, gsl_vector_get(th, j) != 0 ? gj : fmax(0, gj - l1));
    }
    gsl_vector_free(g);
    return worst;
}

static void check_solvers(bl_problem *P, cvec *om)
{
    const char *name = P->type->name;
    const bl_inner_type *T[3] = {bl_inner_ista, bl_inner_fista, bl_inner_cd};
    gsl_vector *th[3];
    for (int k = 0; k < 3; k++) {
        th[k] = gsl_vector_alloc(P->p);
        int st = solve(P, T[k], om, th[k], 1e-12);
        double v = kkt(P, th[k], om);
        tap_ok(st == BL_OK && v <= 1e-9, "%s %s: KKT conditions hold to %.2g (≤ 1e-9), "
               "support %zu of %zu", name, T[k]->name, v,
               (size_t)__builtin_popcountl(support_bits(th[k])), P->p);
    }
    tap_ok(dist(th[0], th[2]) <= 1e-9 && dist(th[1], th[2]) <= 1e-9
           && support_bits(th[0]) == support_bits(th[2])
           && support_bits(th[1]) == support_bits(th[2]),
           "%s: ista, fista and cd agree (‖Δθ‖ = %.2g, %.2g) with the same support", name,
           dist(th[0], th[2]), dist(th[1], th[2]));
    /* the prox-gradient residual is the inner residual, 0 at θ* */
    double r = bl_inner_residual(P, th[2], om, 0);
    tap_ok(r <= 1e-9, "%s: prox-gradient residual at θ* is %.2g", name, r);
    for (int k = 0; k < 3; k++) gsl_vector_free(th[k]);
}

/* ω₁ in the middle of the longest interval of a grid over which the
 * support stays the same (and is neither empty nor everything) */
static double stable_omega(bl_problem *P, gsl_vector *om)
{
    gsl_vector *th = gsl_vector_alloc(P->p);
    double w0 = gsl_vector_get(om, 0), best = w0, step = 0.02;
    size_t run = 0, best_run = 0;
    unsigned long prev = ~0ul, full = (1ul << P->p) - 1;
    for (int i = -150; i <= 100; i++) {
        gsl_vector_set(om, 0, w0 + i * step);
        solve(P, bl_inner_cd, om, th, 1e-13);
        unsigned long b = support_bits(th);
        run = b == prev ? run + 1 : 1;
        prev = b;
        if (b && b != full && run > best_run) {
            best_run = run;
            best = w0 + (i - 0.5 * (double)(run - 1)) * step;
        }
    }
    gsl_vector_set(om, 0, best);
    gsl_vector_free(th);
    return best_run * step;
}

/* dF/dω by the formula on the support, from X and y directly:
 * (X_SᵀX_S/n + λ₂I) dθ_S = −λ₁ sign θ_S dω₁ − λ₂ θ_S dω₂, ∇F = (∇θL)_Sᵀ dθ_S */
static void support_formula(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    size_t p = P->p, n = ds->X->size1, k = 0, idx[64];
    for (size_t j = 0; j < p; j++)
        if (gsl_vector_get(th, j) != 0) idx[k++] = j;
    gsl_matrix *A = gsl_matrix_alloc(k, k);
    gsl_vector *r = gsl_vector_alloc(k), *gl = gsl_vector_alloc(p);
    double l1 = exp(gsl_vector_get(om, 0)), l2 = om->size > 1 ? exp(gsl_vector_get(om, 1)) : 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += gsl_matrix_get(ds->X, i, idx[a]) * gsl_matrix_get(ds->X, i, idx[b]);
            gsl_matrix_set(A, a, b, s / (double)n + (a == b ? l2 : 0));
        }
    gsl_linalg_cholesky_decomp1(A);
    bl_problem_L_theta(P, th, om, gl);
    for (size_t i = 0; i < om->size; i++) {
        for (size_t a = 0; a < k; a++) {
            double t = gsl_vector_get(th, idx[a]);
            gsl_vector_set(r, a, i == 0 ? -l1 * sgn(t) : -l2 * t);
        }
        gsl_linalg_cholesky_svx(A, r);
        double s = 0;
        for (size_t a = 0; a < k; a++) s += gsl_vector_get(gl, idx[a]) * gsl_vector_get(r, a);
        gsl_vector_set(g, i, s);
    }
    gsl_matrix_free(A);
    gsl_vector_free(r);
    gsl_vector_free(gl);
}

static int estimate(bl_problem *P, const char *spec, cvec *om, cvec *th, gsl_vector *g)
{
    bl_spec s;
    bl_err e = {0, ""};
    bl_inner_conf ic = {bl_inner_cd, 0, 1e-13, 100000, 0};
    gsl_vector *a = gsl_vector_alloc(P->p), *te = gsl_vector_alloc(P->p);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g, .adjoint = a, .theta_end = te};
    int st = bl_spec_parse(spec, &s, &e);
    if (st == BL_OK) st = bl_hypergrad(&s, &c, &r, &e);
    if (st) tap_diag("%s: %s", spec, e.msg);
    gsl_vector_free(a);
    gsl_vector_free(te);
    return st;
}

/* Unrolling through coordinate descent (solver=cd; doc/catalogue.md
 * "Unrolling through coordinate descent"): the Jacobian the sweeps carry
 * against central differences of the sweeps' own map θ_t(ω), forward =
 * reverse to round-off, and at convergence the support hypergradient REF. */
static void check_cd_unroll(bl_problem *P, cvec *om, cvec *ref)
{
    const char *name = P->type->name;
    size_t p = P->p, d = P->d, t = 6;
    double h = 1e-6, nf = gsl_blas_dnrm2(ref);
    gsl_matrix *J = gsl_matrix_calloc(p, d);
    gsl_vector *th = gsl_vector_calloc(p), *tw = gsl_vector_calloc(p);
    gsl_vector *tp = gsl_vector_alloc(p), *tm = gsl_vector_alloc(p);
    gsl_vector *o = gsl_vector_alloc(d), *g = gsl_vector_alloc(d), *gr = gsl_vector_alloc(d);
    for (size_t s = 0; s < t; s++) {
        P->type->cd_jvp(P, th, om, J);
        P->type->cd_sweep(P, tw, om);
    }
    tap_ok(dist(th, tw) == 0, "%s: cd_jvp's sweeps give cd_sweep's θ to the last bit", name);
    double worst = 0, nj = 0;
    for (size_t i = 0; i < d; i++) {
        gsl_vector_memcpy(o, om);
        gsl_vector_set(o, i, gsl_vector_get(om, i) + h);
        gsl_vector_set_zero(tp);
        for (size_t s = 0; s < t; s++) P->type->cd_sweep(P, tp, o);
        gsl_vector_set(o, i, gsl_vector_get(om, i) - h);
        gsl_vector_set_zero(tm);
        for (size_t s = 0; s < t; s++) P->type->cd_sweep(P, tm, o);
        for (size_t j = 0; j < p; j++) {
            double fdj = (gsl_vector_get(tp, j) - gsl_vector_get(tm, j)) / (2 * h);
            worst = fmax(worst, fabs(fdj - gsl_matrix_get(J, j, i)));
            nj = fmax(nj, fabs(gsl_matrix_get(J, j, i)));
        }
    }
    tap_ok(nj > 0 && worst <= 1e-7 * nj, "%s: the Jacobian of %zu coordinate-descent sweeps "
           "= central differences of the sweeps (max err %.2g of max |J| %.3g)", name, t,
           worst, nj);
    estimate(P, "forward:solver=cd,t=40", om, tw, g);
    estimate(P, "reverse:solver=cd,t=40", om, tw, gr);
    tap_ok(dist(g, gr) <= 1e-13 * nf, "%s: forward:solver=cd,t=40 = reverse:solver=cd,t=40 "
           "(rel %.2g)", name, dist(g, gr) / nf);
    /* the same from the Jacobian above: ∇F_t = J_tᵀ∇θL(θ_t) (∇ωL = 0) */
    gsl_vector_set_zero(tw);
    char spec[64];
    snprintf(spec, sizeof spec, "forward:solver=cd,t=%zu", t);
    estimate(P, spec, om, tw, g);
    bl_problem_L_theta(P, th, om, tp);
    gsl_blas_dgemv(CblasTrans, 1.0, J, tp, 0.0, gr);
    tap_ok(dist(g, gr) <= 1e-14 * nf, "%s: %s is J_tᵀ∇θL(θ_t) (rel %.2g)", name, spec,
           dist(g, gr) / nf);
    estimate(P, "forward:solver=cd,t=3000", om, tw, g);
    estimate(P, "reverse:solver=cd,t=3000", om, tw, gr);
    tap_ok(dist(g, ref) <= 1e-8 * nf && dist(gr, ref) <= 1e-8 * nf, "%s: forward and reverse "
           "through 3000 cd sweeps = the support hypergradient (rel %.2g, %.2g)", name,
           dist(g, ref) / nf, dist(gr, ref) / nf);
    gsl_matrix_free(J);
    gsl_vector_free(th);
    gsl_vector_free(tw);
    gsl_vector_free(tp);
    gsl_vector_free(tm);
    gsl_vector_free(o);
    gsl_vector_free(g);
    gsl_vector_free(gr);
}

static void check_hypergrad(bl_problem *P, gsl_vector *om)
{
    const char *name = P->type->name;
    size_t p = P->p, d = P->d;
    double h = 1e-4, width = stable_omega(P, om);
    gsl_vector *th = gsl_vector_alloc(p), *tp = gsl_vector_alloc(p);
    gsl_vector *o = gsl_vector_alloc(d), *fd = gsl_vector_alloc(d);
    gsl_vector *ref = gsl_vector_alloc(d), *g = gsl_vector_alloc(d);
    tap_diag("%s: ω₁ = %.4f, in a support-stable interval of width %.2f", name,
             gsl_vector_get(om, 0), width);
    solve(P, bl_inner_cd, om, th, 1e-14);
    unsigned long S = support_bits(th);
    int stable = 1;
    for (size_t i = 0; i < d; i++) {
        double Fp, Fm;
        gsl_vector_memcpy(o, om);
        gsl_vector_set(o, i, gsl_vector_get(om, i) + h);
        Fp = F_at(P, o, tp);
        stable = stable && support_bits(tp) == S;
        gsl_vector_set(o, i, gsl_vector_get(om, i) - h);
        Fm = F_at(P, o, tp);
        stable = stable && support_bits(tp) == S;
        gsl_vector_set(fd, i, (Fp - Fm) / (2 * h));
    }
    tap_ok(stable && width >= 0.1, "%s: the support is the same at ω ± h (%zu features, "
           "interval width %.2f)", name, (size_t)__builtin_popcountl(S), width);
    support_formula(P, th, om, ref);
    double nf = gsl_blas_dnrm2(ref);
    tap_ok(dist(ref, fd) <= 1e-6 * nf, "%s: the support formula matches differences of F "
           "(rel err %.2g)", name, dist(ref, fd) / nf);
    const char *specs[] = {"exact", "cg", "neumann:k=3000", "fp:k=3000"};
    for (size_t k = 0; k < 4; k++) {
        int st = estimate(P, specs[k], om, th, g);
        tap_ok(st == BL_OK && dist(g, ref) <= 1e-8 * nf && dist(g, fd) <= 1e-6 * nf,
               "%s: %s on the restricted system = the support hypergradient (rel err %.2g, "
               "vs differences %.2g)", name, specs[k], dist(g, ref) / nf, dist(g, fd) / nf);
    }
    /* unrolled through ISTA steps: converges to the implicit one as t grows */
    double prev = INFINITY;
    int mono = 1;
    char spec[64];
    size_t ts[4] = {25, 100, 400, 3000};
    for (size_t k = 0; k < 4; k++) {
        snprintf(spec, sizeof spec, "reverse:t=%zu", ts[k]);
        estimate(P, spec, om, th, g);
        double err = dist(g, ref) / nf;
        tap_diag("%s: %s rel err %.3g", name, spec, err);
        /* non-increasing until round-off (errors below 1e-12 are noise) */
        mono = mono && (err <= prev * 1.0000001 || err < 1e-12);
        prev = err;
    }
    tap_ok(mono && prev <= 1e-8, "%s: reverse through ISTA converges to the implicit "
           "hypergradient as t grows (t=3000: %.2g)", name, prev);
    gsl_vector *gf = gsl_vector_alloc(d);
    estimate(P, "reverse:t=300", om, th, g);
    estimate(P, "forward:t=300", om, th, gf);
    tap_ok(dist(g, gf) <= 1e-10 * nf, "%s: forward:t=300 = reverse:t=300 (%.2g)", name,
           dist(g, gf) / nf);
    estimate(P, "truncated:t=300,k=300", om, th, gf);
    tap_ok(dist(g, gf) <= 1e-12 * nf, "%s: truncated:t=300,k=300 = reverse:t=300", name);
    check_cd_unroll(P, om, ref);
    gsl_vector_free(gf);
    gsl_vector_free(th);
    gsl_vector_free(tp);
    gsl_vector_free(o);
    gsl_vector_free(fd);
    gsl_vector_free(ref);
    gsl_vector_free(g);
}

static void check_refusals(bl_problem *lasso)
{
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(lasso->p);
    bl_problem_omega0(lasso, om);
    bl_inner *it = bl_inner_alloc(bl_inner_gd, lasso->p);
    int st = bl_inner_set(it, lasso, om, th, 0, &e);
    tap_ok(st == BL_EUNSUPPORTED && has(e.msg, "lasso is non-smooth: use ista, fista or cd"),
           "gd on lasso is refused: %s", e.msg);
    bl_inner_free(it);
    it = bl_inner_alloc(bl_inner_newton, lasso->p);
    st = bl_inner_set(it, lasso, om, th, 0, &e);
    tap_ok(st == BL_EUNSUPPORTED, "newton on lasso is refused");
    bl_inner_free(it);

    /* on a smooth problem ista is gd and cd is refused */
    bl_problem *R = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
    bl_inner *a = bl_inner_alloc(bl_inner_ista, R->p), *b = bl_inner_alloc(bl_inner_gd, R->p);
    gsl_vector_set(om, 0, -1);
    gsl_vector *t0 = gsl_vector_calloc(R->p);
    bl_inner_set(a, R, om, t0, 0, &e);
    bl_inner_set(b, R, om, t0, 0, &e);
    for (int k = 0; k < 10; k++) {
        bl_inner_iterate(a, &e);
        bl_inner_iterate(b, &e);
    }
    tap_ok(dist(a->theta, b->theta) <= 1e-14 && a->resid == b->resid,
           "ista on ridge is gd (10 steps, same θ and ‖∇θG‖)");
    bl_inner_free(a);
    a = bl_inner_alloc(bl_inner_cd, R->p);
    st = bl_inner_set(a, R, om, t0, 0, &e);
    tap_ok(st == BL_EUNSUPPORTED, "cd on ridge is refused: %s", e.msg);
    {
        const char *bad[] = {"forward:solver=cd", "reverse:solver=cd"};
        bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 1000, 0};
        gsl_vector *g = gsl_vector_alloc(R->p), *ad = gsl_vector_alloc(R->p);
        gsl_vector *te = gsl_vector_alloc(R->p), *g1 = gsl_vector_alloc(1);
        for (int k = 0; k < 2; k++) {
            bl_spec sp;
            bl_hg_ctx c = {.P = R, .omega = om, .theta = t0, .inner = &ic, .eta = 0.1};
            bl_hg_result r = {.grad = g1, .adjoint = ad, .theta_end = te};
            e.code = 0;
            st = bl_spec_parse(bad[k], &sp, &e);
            if (st == BL_OK) st = bl_hypergrad(&sp, &c, &r, &e);
            tap_ok(st == BL_EUNSUPPORTED && has(e.msg, "solver=cd unrolls coordinate descent, "
                   "which ridge has not"), "%s on ridge is refused: %s", bad[k], e.msg);
        }
        const char *bad2[] = {"reverse:solver=cd,checkpoints=3",
                              "forward:solver=cd,method=nesterov"};
        gsl_vector *om1 = gsl_vector_alloc(1), *tl = gsl_vector_calloc(lasso->p);
        gsl_vector *adl = gsl_vector_alloc(lasso->p), *tel = gsl_vector_alloc(lasso->p);
        bl_problem_omega0(lasso, om1);
        for (int k = 0; k < 2; k++) {
            bl_spec sp;
            bl_hg_ctx c = {.P = lasso, .omega = om1, .theta = tl, .inner = &ic, .eta = 0.1};
            bl_hg_result r = {.grad = g1, .adjoint = adl, .theta_end = tel};
            e.code = 0;
            st = bl_spec_parse(bad2[k], &sp, &e);
            if (st == BL_OK) st = bl_hypergrad(&sp, &c, &r, &e);
            tap_ok(st == BL_EUNSUPPORTED, "%s on lasso is refused: %s", bad2[k], e.msg);
        }
        gsl_vector_free(om1);
        gsl_vector_free(tl);
        gsl_vector_free(adl);
        gsl_vector_free(tel);
        gsl_vector_free(g);
        gsl_vector_free(ad);
        gsl_vector_free(te);
        gsl_vector_free(g1);
    }
    bl_inner_free(a);
    bl_inner_free(b);
    bl_problem_free(R);
    gsl_vector_free(t0);
    gsl_vector_free(om);
    gsl_vector_free(th);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261122);
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = 60;
    o.m = 40;
    o.p = 8;
    o.noise = 0.5;
    o.seed = 3;
    bl_err e = {0, ""};
    if (bl_data_synth("regression", &o, &ds, &e) != BL_OK) {
        tap_ok(0, "synthetic data: %s", e.msg);
        return tap_done();
    }
    bl_problem *L = bl_problem_alloc(&bl_problem_lasso, NULL, ds, &e);
    bl_problem *N = bl_problem_alloc(&bl_problem_enet, NULL, ds, &e);
    tap_ok(L && N && L->d == 1 && N->d == 2 && (L->type->flags & BL_PROB_NONSMOOTH),
           "lasso (d=1) and enet (d=2) build, flagged non-smooth");
    if (!L || !N) return tap_done();
    gsl_vector *o1 = gsl_vector_alloc(1), *o2 = gsl_vector_alloc(2);
    bl_problem_omega0(L, o1);
    bl_problem_omega0(N, o2);
    check_solvers(L, o1);
    check_solvers(N, o2);
    gsl_vector_set(o2, 1, 0.0);                 /* a strong ridge term too */
    check_solvers(N, o2);
    bl_problem_omega0(N, o2);
    check_hypergrad(L, o1);
    check_hypergrad(N, o2);
    check_refusals(L);
    gsl_vector_free(o1);
    gsl_vector_free(o2);
    bl_problem_free(L);
    bl_problem_free(N);
    bl_dataset_free(ds);
    gsl_rng_free(rng);
    return tap_done();
}
