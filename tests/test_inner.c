/* test_inner.c: the inner solvers of inner.c (gd, agd, newton, bfgs2, bda;
 * ista, fista and cd on lasso and enet: test_lasso.c) against the
 * mathematics of doc/catalogue.md: closed-form minimisers, hand-made steps,
 * the contraction of gradient descent on a strongly convex quadratic, and
 * the error paths (divergence, iteration cap, cancellation). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

#include "expr.h"
#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "linalg.h"

/* ∇θG = Aθ − Bω by hand: A is the dense Hessian, Bω = −(Cᵀω) since the
 * quadratic's C = −Bᵀ. */
static void quad_grad_by_hand(bl_problem *P, const gsl_vector *th,
                              const gsl_vector *om, gsl_vector *g)
{
    gsl_matrix *A = gsl_matrix_alloc(P->p, P->p);
    gsl_vector *bw = gsl_vector_alloc(P->p);
    bl_problem_hessian(P, th, om, A);
    bl_problem_ctvp(P, th, om, om, bw);                 /* −Bω */
    gsl_blas_dgemv(CblasNoTrans, 1.0, A, th, 0.0, g);   /* Aθ */
    gsl_vector_add(g, bw);
    gsl_matrix_free(A);
    gsl_vector_free(bw);
}

/* ---- lookup, life cycle, history ---- */

static void check_lookup(void)
{
    tap_ok(bl_inner_lookup("gd") == bl_inner_gd && bl_inner_lookup("agd") == bl_inner_agd
           && bl_inner_lookup("newton") == bl_inner_newton,
           "bl_inner_lookup finds gd, agd, newton");
    tap_ok(strcmp(bl_inner_gd->name, "gd") == 0 && strcmp(bl_inner_agd->name, "agd") == 0
           && strcmp(bl_inner_newton->name, "newton") == 0,
           "the types carry their names");
    tap_ok(bl_inner_lookup("GD") == NULL && bl_inner_lookup("newt") == NULL
           && bl_inner_lookup("") == NULL && bl_inner_lookup("sgd") == NULL
           && bl_inner_lookup("newton-") == bl_inner_newton_cg
           && bl_inner_lookup("fi") == bl_inner_fista,
           "bl_inner_lookup: exact names and unique prefixes (fi, newton-); GD, \"\", "
           "sgd unknown, newt ambiguous (newton, newton-cg)");
    int n = 0, wellformed = 1;
    for (const bl_inner_type *const *t = bl_inner_types; *t; t++, n++)
        wellformed = wellformed && (*t)->name && (*t)->help && (*t)->alloc && (*t)->set
                     && (*t)->iterate && (*t)->free && bl_inner_lookup((*t)->name) == *t;
    tap_ok(n == 10 && wellformed, "bl_inner_types: %d well-formed entries", n);

    bl_inner_free(NULL);
    tap_ok(1, "bl_inner_free(NULL) is a no-op");
    int ok = 1;
    for (const bl_inner_type *const *t = bl_inner_types; *t; t++) {
        bl_inner *it = bl_inner_alloc(*t, 7);
        ok = ok && it && it->type == *t && it->theta && it->theta->size == 7
             && it->grad && it->grad->size == 7 && it->omega == NULL && it->hist.n == 0;
        bl_inner_free(it);   /* freed before set: no ω, no history */
    }
    tap_ok(ok, "alloc then free without set, every type");

    bl_history h = {0};
    int pushed = 1;
    for (int k = 0; k < 150; k++) pushed = pushed && bl_history_push(&h, k, -k) == BL_OK;
    int kept = pushed && h.n == 150 && h.cap >= 150;
    for (int k = 0; kept && k < 150; k++)
        kept = h.value[k] == k && h.resid[k] == -k;
    tap_ok(kept, "history keeps 150 pushes in order across growth (n=%zu)", h.n);
    bl_history_clear(&h);
    tap_ok(h.n == 0 && bl_history_push(&h, 1, 2) == BL_OK && h.n == 1 && h.value[0] == 1
           && h.resid[0] == 2, "history clear restarts at 0");
    bl_history_release(&h);
    tap_ok(h.n == 0 && h.cap == 0 && h.value == NULL, "history free zeroes the record");
}

/* ---- gd on a well-conditioned quadratic ---- */

static void check_gd_quadratic(void)
{
    const double kappa = 10;
    bl_problem *P = quadratic(8, 2, kappa, 0.1, 3);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(2), *th0 = gsl_vector_calloc(8);
    gsl_vector *ts = gsl_vector_alloc(8), *g = gsl_vector_alloc(8);
    randn(om, 1.0);
    P->type->theta_star(P, om, ts);

    bl_inner *it = bl_inner_alloc(bl_inner_gd, 8);
    int st = bl_inner_set(it, P, om, th0, 0, &e);
    tap_ok(st == BL_OK && it->eta == 1.0 / kappa,
           "gd default η = 1/L = 1/kappa (%.17g)", it->eta);
    tap_ok(it->iter == 0 && it->hist.n == 1 && it->hist.value[0] == 0.0
           && it->hist.resid[0] == gsl_blas_dnrm2(it->grad),
           "after set: iter 0, history entry 0 = (G(0) = 0, ‖∇G(0)‖)");
    quad_grad_by_hand(P, th0, om, g);
    tap_close(it->resid, gsl_blas_dnrm2(g), 1e-14, "gd set: resid = ‖Aθ − Bω‖ at θ = 0");

    /* Contraction: θ_k − θ* = (I − ηA)^k (θ_0 − θ*) and the spectrum of
     * I − A/L lies in [0, 1 − 1/kappa]. */
    double dprev = dist(it->theta, ts), worst = 0;
    int mono = 1, hist_ok = 1;
    while (bl_inner_test(it, 1e-10) != BL_OK && it->iter < 2000) {
        if (bl_inner_iterate(it, &e) != BL_OK) break;
        double dk = dist(it->theta, ts);
        if (!(dk < dprev)) mono = 0;
        /* (away from round-off, which perturbs the ratio near θ*) */
        if (dprev > 1e-6) worst = fmax(worst, dk / dprev);
        dprev = dk;
        hist_ok = hist_ok && it->hist.n == it->iter + 1
                  && it->hist.value[it->iter] == it->value
                  && it->hist.resid[it->iter] == it->resid;
    }
    size_t iters = it->iter;
    tap_ok(bl_inner_test(it, 1e-10) == BL_OK, "gd reaches ‖∇G‖ ≤ 1e-10 in %zu iterations",
           iters);
    tap_ok(dist(it->theta, ts) <= 1e-8, "gd converges to θ* = A⁻¹Bω (distance %.3g)",
           dist(it->theta, ts));
    tap_ok(mono, "gd with η = 1/L: ‖θ_k − θ*‖ strictly decreasing");
    tap_ok(worst <= 1 - 1 / kappa + 1e-9,
           "gd contraction factor ≤ 1 − 1/kappa = %.3g (worst %.6g)", 1 - 1 / kappa, worst);
    tap_ok(hist_ok, "history: n = iter + 1 with (G, ‖∇G‖) of every iterate");
    bl_problem_G_theta(P, it->theta, om, g);
    tap_ok(it->resid == gsl_blas_dnrm2(g)
           && it->value == bl_problem_G(P, it->theta, om),
           "value and resid are G and ‖∇θG‖ at the final iterate");
    /* G(θ*) = −½ θ*ᵀAθ* = −½ θ*ᵀBω */
    gsl_vector *bw = gsl_vector_alloc(8);
    bl_problem_ctvp(P, ts, om, om, bw);
    double tbw;
    gsl_blas_ddot(ts, bw, &tbw);
    tap_close(it->value, 0.5 * tbw, 1e-12, "final G = G(θ*) = −½θ*ᵀBω");
    gsl_vector_free(bw);

    /* bl_inner_run does the same loop */
    bl_inner *it2 = bl_inner_alloc(bl_inner_gd, 8);
    st = bl_inner_set(it2, P, om, th0, 0, &e);
    if (st == BL_OK) st = bl_inner_run(it2, 1e-10, 2000, NULL, &e);
    tap_ok(st == BL_OK && it2->iter == iters && same_bits(it2->theta, it->theta),
           "bl_inner_run: BL_OK, same %zu iterations, same θ bit for bit", it2->iter);

    /* a second set on the same iterator restarts it */
    st = bl_inner_set(it2, P, om, ts, 0.05, &e);
    tap_ok(st == BL_OK && it2->iter == 0 && it2->hist.n == 1 && it2->eta == 0.05
           && same_bits(it2->theta, ts), "set again: iter 0, one history entry, η as given");
    st = bl_inner_run(it2, 1e-10, 0, NULL, &e);
    tap_ok(st == BL_OK && it2->iter == 0,
           "run from θ* with maxit 0: already converged, BL_OK (resid %.3g)", it2->resid);

    /* bl_inner_solve_at */
    bl_inner_conf c = {bl_inner_gd, 0, 1e-10, 2000, 0};
    gsl_vector *th = gsl_vector_calloc(8);
    size_t used = 0;
    st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
    tap_ok(st == BL_OK && used == iters && same_bits(th, it->theta),
           "bl_inner_solve_at: the same answer into θ, iters = %zu", used);

    gsl_vector_free(th);
    bl_inner_free(it);
    bl_inner_free(it2);
    gsl_vector_free(om);
    gsl_vector_free(th0);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* One gd step and two agd steps by hand. */
static void check_steps_by_hand(void)
{
    bl_problem *P = quadratic(6, 3, 20, 0.1, 5);
    if (!P) return;
    bl_err e = {0, ""};
    const double eta = 0.03;
    gsl_vector *om = gsl_vector_alloc(3), *th0 = gsl_vector_alloc(6);
    gsl_vector *g = gsl_vector_alloc(6), *want = gsl_vector_alloc(6);
    gsl_vector *y = gsl_vector_alloc(6), *th1 = gsl_vector_alloc(6);
    randn(om, 1.0);
    randn(th0, 1.0);

    bl_inner *it = bl_inner_alloc(bl_inner_gd, 6);
    int st = bl_inner_set(it, P, om, th0, eta, &e);
    if (st == BL_OK) st = bl_inner_iterate(it, &e);
    quad_grad_by_hand(P, th0, om, g);
    gsl_vector_memcpy(want, th0);
    gsl_blas_daxpy(-eta, g, want);
    tap_ok(st == BL_OK && dist(it->theta, want) <= 1e-14 * gsl_blas_dnrm2(want),
           "gd step = θ − η(Aθ − Bω) by hand (diff %.3g)", dist(it->theta, want));
    /* the same with the problem's own gradient: bit for bit */
    bl_problem_G_theta(P, th0, om, g);
    gsl_vector_memcpy(want, th0);
    gsl_blas_daxpy(-eta, g, want);
    tap_ok(same_bits(it->theta, want), "gd step = θ − η∇θG exactly");
    bl_problem_G_theta(P, want, om, g);
    tap_ok(it->iter == 1 && it->hist.n == 2 && it->value == bl_problem_G(P, want, om)
           && it->resid == gsl_blas_dnrm2(g) && it->eta == eta,
           "after one step: iter 1, value/resid of the new iterate, η unchanged");
    gsl_vector_memcpy(th1, it->theta);
    bl_inner_free(it);

    /* agd: t₀ = 1, t₁ = (1 + √5)/2, β₁ = 0 (first step is gd's), then
     * y = θ₁ + β(θ₁ − θ₀) with β = (t₁ − 1)/t₂, θ₂ = y − η∇G(y). */
    it = bl_inner_alloc(bl_inner_agd, 6);
    st = bl_inner_set(it, P, om, th0, eta, &e);
    if (st == BL_OK) st = bl_inner_iterate(it, &e);
    tap_ok(st == BL_OK && dist(it->theta, th1) <= 1e-15 * gsl_blas_dnrm2(th1),
           "agd first step equals gd's (β = 0)");
    if (st == BL_OK) st = bl_inner_iterate(it, &e);
    double t1 = 0.5 * (1 + sqrt(5.0)), t2 = 0.5 * (1 + sqrt(1 + 4 * t1 * t1));
    double beta = (t1 - 1) / t2;
    gsl_vector_memcpy(y, th1);
    gsl_vector_scale(y, 1 + beta);
    gsl_blas_daxpy(-beta, th0, y);
    quad_grad_by_hand(P, y, om, g);
    gsl_vector_memcpy(want, y);
    gsl_blas_daxpy(-eta, g, want);
    tap_ok(st == BL_OK && it->iter == 2
           && dist(it->theta, want) <= 1e-13 * gsl_blas_dnrm2(want),
           "agd second step: y = θ₁ + β(θ₁ − θ₀), θ₂ = y − η∇G(y), β = %.6f (diff %.3g)",
           beta, dist(it->theta, want));
    bl_inner_free(it);

    gsl_vector_free(om);
    gsl_vector_free(th0);
    gsl_vector_free(g);
    gsl_vector_free(want);
    gsl_vector_free(y);
    gsl_vector_free(th1);
    bl_problem_free(P);
}

/* ---- agd against gd on an ill-conditioned quadratic ---- */

static void check_agd(void)
{
    bl_problem *P = quadratic(8, 2, 1e3, 0.1, 1);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(2), *th = gsl_vector_calloc(8);
    gsl_vector *ts = gsl_vector_alloc(8), *g0 = gsl_vector_alloc(8);
    randn(om, 1.0);
    P->type->theta_star(P, om, ts);
    bl_problem_G_theta(P, th, om, g0);
    double tol = 1e-8 * gsl_blas_dnrm2(g0);
    size_t k[2] = {0, 0};
    int st[2];
    double d[2];
    const bl_inner_type *T[2] = {bl_inner_gd, bl_inner_agd};
    for (int i = 0; i < 2; i++) {
        bl_inner *it = bl_inner_alloc(T[i], 8);
        st[i] = bl_inner_set(it, P, om, th, 0, &e);
        if (st[i] == BL_OK) st[i] = bl_inner_run(it, tol, 100000, NULL, &e);
        k[i] = it->iter;
        /* ‖θ − θ*‖ ≤ ‖∇G‖/λmin and λmin = 1 */
        d[i] = dist(it->theta, ts);
        bl_inner_free(it);
    }
    tap_ok(st[0] == BL_OK && d[0] <= tol * (1 + 1e-6),
           "gd on kappa=1e3 converges (%zu iterations, distance %.3g)", k[0], d[0]);
    tap_ok(st[1] == BL_OK && d[1] <= tol * (1 + 1e-6),
           "agd on kappa=1e3 converges (%zu iterations, distance %.3g)", k[1], d[1]);
    /* restarted, FISTA's momentum makes a sqrt(kappa) method */
    tap_ok(k[1] < k[0], "agd needs fewer iterations than gd (%zu vs %zu)", k[1], k[0]);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(g0);
    bl_problem_free(P);
}

/* ---- newton ---- */

static double lmax_of(const gsl_matrix *K)
{
    gsl_vector *ev = gsl_vector_alloc(K->size1);
    sym_eigs(K, ev);
    double l = gsl_vector_get(ev, ev->size - 1);
    gsl_vector_free(ev);
    return l;
}

static void newton_one_step(bl_problem *P, const gsl_vector *om, double eta_want,
                            const char *label)
{
    bl_err e = {0, ""};
    gsl_vector *th = gsl_vector_calloc(P->p), *ts = gsl_vector_alloc(P->p);
    P->type->theta_star(P, om, ts);
    bl_inner *it = bl_inner_alloc(bl_inner_newton, P->p);
    int st = bl_inner_set(it, P, om, th, 0, &e);
    double r0 = it->resid;
    tap_ok(st == BL_OK && fabs(it->eta - eta_want) <= 1e-12 * eta_want,
           "%s: default η = %.17g (1/λmax: %.17g)", label, it->eta, eta_want);
    if (st == BL_OK) st = bl_inner_run(it, 1e-9 * r0, 50, NULL, &e);
    tap_ok(st == BL_OK && it->iter == 1 && it->resid < 1e-9 * r0,
           "%s: newton converges in one iteration (%zu, resid/resid0 = %.3g)", label,
           it->iter, it->resid / r0);
    tap_ok(dist(it->theta, ts) <= 1e-9 * gsl_blas_dnrm2(ts),
           "%s: newton lands on the closed-form θ* (rel %.3g)", label,
           dist(it->theta, ts) / gsl_blas_dnrm2(ts));
    bl_inner_free(it);
    gsl_vector_free(th);
    gsl_vector_free(ts);
}

static void check_newton(void)
{
    gsl_vector *om = gsl_vector_alloc(2);
    randn(om, 1.0);
    bl_problem *P = quadratic(8, 2, 10, 0.1, 3);
    if (P) newton_one_step(P, om, 1.0 / 10, "quadratic(8,2,10)");
    bl_problem_free(P);
    P = quadratic(20, 2, 1e4, 0.1, 4);
    if (P) newton_one_step(P, om, 1.0 / 1e4, "quadratic(20,2,1e4)");
    bl_problem_free(P);
    gsl_vector_free(om);

    struct { size_t n, m, p; double w; } rs[] = {{40, 20, 6, -1.0}, {8, 20, 15, 0.5}};
    for (size_t k = 0; k < 2; k++) {
        bl_dataset *ds = make_ds(rs[k].n, rs[k].m, rs[k].p);
        bl_err e = {0, ""};
        P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
        tap_ok(P != NULL, "ridge n=%zu p=%zu allocates %s", rs[k].n, rs[k].p, e.msg);
        if (P) {
            gsl_matrix *K = gsl_matrix_alloc(rs[k].p, rs[k].p);
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)rs[k].n, ds->X, ds->X,
                           0.0, K);
            gsl_vector *w = gsl_vector_alloc(1);
            gsl_vector_set(w, 0, rs[k].w);
            char label[64];
            snprintf(label, sizeof label, "ridge(n=%zu,p=%zu,ω=%g)", rs[k].n, rs[k].p,
                     rs[k].w);
            newton_one_step(P, w, 1.0 / (lmax_of(K) + exp(rs[k].w)), label);
            gsl_vector_free(w);
            gsl_matrix_free(K);
        }
        bl_problem_free(P);
        free_ds(ds);
    }
}

/* Newton from a warm start next to θ*: the step is still the exact
 * minimiser of the quadratic, so one iteration must reach the tolerance.
 * (Regression: with kappa = 1e4 the decrease of G, ~‖∇G‖²/λ, drowned in
 * the round-off of G, ~1e-16·kappa‖θ‖², all 40 halvings were refused and
 * newton spun at ‖∇G‖ ~ 1e-8 until inner.maxit.) */
static void check_newton_warm(void)
{
    bl_problem *P = quadratic(20, 5, 1e4, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(5), *om2 = gsl_vector_alloc(5);
    gsl_vector *th = gsl_vector_alloc(20), *ts = gsl_vector_alloc(20);
    gsl_vector *g = gsl_vector_alloc(20);
    bl_inner_conf c = {bl_inner_newton, 0, 1e-10, 20, 0};
    int bad = 0;
    double worst = 0;
    for (int t = 0; t < 30; t++) {
        randn(om, 1.0);
        gsl_vector_memcpy(om2, om);
        for (size_t i = 0; i < 5; i++)
            gsl_vector_set(om2, i, gsl_vector_get(om, i) + 1e-8 * gsl_ran_gaussian(rng, 1.0));
        P->type->theta_star(P, om, th);
        size_t used = 0;
        int st = bl_inner_solve_at(P, &c, om2, th, &used, NULL, &e);
        bl_problem_G_theta(P, th, om2, g);
        P->type->theta_star(P, om2, ts);
        worst = fmax(worst, gsl_blas_dnrm2(g));
        if (st != BL_OK || used > 2 || dist(th, ts) > 1e-9) bad++;
    }
    tap_ok(bad == 0, "newton from θ*(ω) to ω + 1e-8·u, kappa=1e4, tol 1e-10: one "
           "iteration each (%d of 30 solves did not; worst final ‖∇G‖ %.3g)", bad, worst);
    gsl_vector_free(om);
    gsl_vector_free(om2);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* tol = 0 is out of reach: newton stops with BL_ESTALL at the round-off
 * floor (next to θ*) instead of running to maxit, and solve_at keeps it. */
static void check_newton_stall(void)
{
    bl_problem *P = quadratic(8, 2, 10, 0.1, 3);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(2), *th = gsl_vector_calloc(8);
    gsl_vector *ts = gsl_vector_alloc(8);
    randn(om, 1.0);
    P->type->theta_star(P, om, ts);
    bl_inner *it = bl_inner_alloc(bl_inner_newton, 8);
    int st = bl_inner_set(it, P, om, th, 0, &e);
    if (st == BL_OK) st = bl_inner_run(it, 0.0, 1000, NULL, &e);
    tap_ok(st == BL_ESTALL && e.code == BL_ESTALL && it->iter < 10
           && it->hist.n == it->iter + 1 && dist(it->theta, ts) <= 1e-13
           && strstr(e.msg, "no further progress"),
           "newton with tol 0: BL_ESTALL after %zu iterations next to θ* (%.3g), \"%s\"",
           it->iter, dist(it->theta, ts), e.msg);
    bl_inner_free(it);
    bl_inner_conf c = {bl_inner_newton, 0, 0.0, 1000, 0};
    size_t used = 0;
    st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
    tap_ok(st == BL_ESTALL && used < 10 && dist(th, ts) <= 1e-13,
           "bl_inner_solve_at on a stall: BL_ESTALL, θ is the last iterate");
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    bl_problem_free(P);
}

/* ---- toys without a global bound on λmax(H) (no lipschitz) ----
 * concave:  G = −½‖θ‖² (H = −I, unbounded below);
 * saddle:   G = ½θ₁² − ½θ₂² + ¼θ₂⁴ − ωθ₁: a saddle at (ω, 0), minima
 *           (ω, ±1);
 * well:     G = ¼(θ² − 1)² − ωθ (the double well of doc/expressions.md:
 *           at θ = 0, H = −1 and the power iteration gives η = 1);
 * quartic:  G = ¼θ⁴ + ½θ² − ωθ (H = 3θ² + 1 ≥ 1: convex, steeper away
 *           from 0 than at θ = 0, where η comes from). */

static double toy_G(bl_problem *P, cvec *th, cvec *om)
{
    double n = gsl_blas_dnrm2(th), t0 = gsl_vector_get(th, 0), w = gsl_vector_get(om, 0);
    switch (P->type->name[0]) {
    case 'c': return -0.5 * n * n;
    case 's': {
        double t1 = gsl_vector_get(th, 1);
        return 0.5 * t0 * t0 - 0.5 * t1 * t1 + 0.25 * t1 * t1 * t1 * t1 - w * t0;
    }
    case 'w': return 0.25 * (t0 * t0 - 1) * (t0 * t0 - 1) - w * t0;
    default: return 0.25 * t0 * t0 * t0 * t0 + 0.5 * t0 * t0 - w * t0;
    }
}
static void toy_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    double t0 = gsl_vector_get(th, 0), w = gsl_vector_get(om, 0);
    switch (P->type->name[0]) {
    case 'c':
        gsl_vector_memcpy(g, th);
        gsl_vector_scale(g, -1.0);
        break;
    case 's': {
        double t1 = gsl_vector_get(th, 1);
        gsl_vector_set(g, 0, t0 - w);
        gsl_vector_set(g, 1, -t1 + t1 * t1 * t1);
        break;
    }
    case 'w': gsl_vector_set(g, 0, t0 * t0 * t0 - t0 - w); break;
    default: gsl_vector_set(g, 0, t0 * t0 * t0 + t0 - w); break;
    }
}
static void toy_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)om;
    double t0 = gsl_vector_get(th, 0);
    switch (P->type->name[0]) {
    case 'c':
        gsl_vector_memcpy(out, v);
        gsl_vector_scale(out, -1.0);
        break;
    case 's': {
        double t1 = gsl_vector_get(th, 1);
        gsl_vector_set(out, 0, gsl_vector_get(v, 0));
        gsl_vector_set(out, 1, (3 * t1 * t1 - 1) * gsl_vector_get(v, 1));
        break;
    }
    case 'w': gsl_vector_set(out, 0, (3 * t0 * t0 - 1) * gsl_vector_get(v, 0)); break;
    default: gsl_vector_set(out, 0, (3 * t0 * t0 + 1) * gsl_vector_get(v, 0)); break;
    }
}
static int toy_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)P, (void)th, (void)om;
    gsl_matrix_set_identity(H);
    return BL_OK;
}
static int toy_init(bl_problem *P, bl_err *e)
{
    (void)e;
    P->p = P->type->name[0] == 'c' || P->type->name[0] == 's' ? 2 : 1;
    P->d = 1;
    return BL_OK;
}
#define TOY(var, nm, fl)                                                                \
    static const bl_problem_type var = {                                                \
        .name = nm, .summary = "", .inner_text = "", .outer_text = "", .notes = "",    \
        .flags = fl, .init = toy_init, .G = toy_G, .G_theta = toy_G_theta,             \
        .hvp = toy_hvp,                                                                 \
    }
TOY(concave_type, "concave", 0);
TOY(saddle_type, "saddle", 0);
TOY(well_type, "well", 0);
TOY(quartic_type, "quartic", BL_PROB_CONVEX);

static bl_problem *toy(const bl_problem_type *T)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(T, NULL, NULL, &e);
    if (!P) tap_ok(0, "toy %s allocates: %s", T->name, e.msg);
    return P;
}

/* Solves P at ω = W from THETA0 (overwritten) with T and automatic η;
 * *MONO: whether G never rose along the history. */
static int toy_solve(bl_problem *P, const bl_inner_type *T, double w, gsl_vector *theta0,
                     size_t maxit, size_t *iters, double *eta, int *mono)
{
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, w);
    bl_inner *it = bl_inner_alloc(T, P->p);
    int st = bl_inner_set(it, P, om, theta0, 0, &e);
    double eta0 = it->eta;
    if (st == BL_OK) st = bl_inner_run(it, 1e-10, maxit, NULL, &e);
    if (st) tap_diag("%s on %s: %s", T->name, P->type->name, e.msg);
    /* (near θ* the values are G's round-off) */
    *mono = 1;
    for (size_t k = 1; k < it->hist.n; k++)
        if (it->hist.value[k] > it->hist.value[k - 1] + 1e-14 * fabs(it->hist.value[k - 1])) {
            *mono = 0;
            tap_diag("%s on %s: G rose at iteration %zu: %.17g → %.17g", T->name,
                     P->type->name, k, it->hist.value[k - 1], it->hist.value[k]);
        }
    *iters = it->iter;
    *eta = it->eta == eta0 ? eta0 : NAN;          /* η must not move */
    gsl_vector_memcpy(theta0, it->theta);
    bl_inner_free(it);
    gsl_vector_free(om);
    return st;
}

/* gd and agd on problems without a global bound on λmax(H): η = 1/L_G
 * from a power iteration at θ₀ is only local.  They backtrack (Armijo);
 * G never rises; the reported η is still the power iteration's. */
static void check_backtracking(void)
{
    const bl_inner_type *T[2] = {bl_inner_gd, bl_inner_agd};
    bl_problem *W = toy(&well_type), *Q = toy(&quartic_type);
    if (!W || !Q) return;
    for (int i = 0; i < 2; i++) {
        /* the double well at ω = 0.2 from θ = 0 (H = −1: η = 1), where
         * a fixed step oscillated between the wells until maxit */
        gsl_vector *th = gsl_vector_calloc(1);
        size_t k;
        double eta;
        int mono;
        int st = toy_solve(W, T[i], 0.2, th, 10000, &k, &eta, &mono);
        double t = gsl_vector_get(th, 0);
        tap_ok(st == BL_OK && fabs(t * t * t - t - 0.2) <= 1e-10 && 3 * t * t - 1 > 0
               && k < 200, "%s on ¼(θ² − 1)² − 0.2θ from θ = 0: a minimum, θ = %.12g "
               "(θ³ − θ − ω = %.2g, 3θ² − 1 = %.4g) in %zu iterations", T[i]->name, t,
               t * t * t - t - 0.2, 3 * t * t - 1, k);
        tap_ok(mono && eta == 1.0, "%s: G never rose; η stays 1/L_G = %g", T[i]->name, eta);
        /* the quartic at ω = 10 (θ* = 2, H(θ*) = 13) from θ = 0 (H = 1):
         * a fixed step η ≈ 1 diverged */
        gsl_vector_set(th, 0, 0.0);
        st = toy_solve(Q, T[i], 10.0, th, 10000, &k, &eta, &mono);
        tap_ok(st == BL_OK && fabs(gsl_vector_get(th, 0) - 2.0) <= 1e-11 && mono
               && fabs(eta - 1 / 1.01) <= 1e-12,
               "%s on ¼θ⁴ + ½θ² − 10θ from θ = 0 (η = 1/1.01): θ* = 2 (%.15g) in %zu "
               "iterations, G never rose", T[i]->name, gsl_vector_get(th, 0), k);
        gsl_vector_free(th);
    }
    /* with inner.step set by hand the step is the user's: no backtracking */
    {
        bl_err e = {0, ""};
        gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(1);
        gsl_vector_set(om, 0, 10.0);
        bl_inner *it = bl_inner_alloc(bl_inner_gd, 1);
        int st = bl_inner_set(it, Q, om, th, 1 / 1.01, &e);
        if (st == BL_OK) st = bl_inner_run(it, 1e-10, 10000, NULL, &e);
        tap_ok(st == BL_EDIVERGE && strstr(e.msg, "diverged"),
               "gd with the same η given by hand: a fixed step, it diverges (\"%s\")", e.msg);
        bl_inner_free(it);
        gsl_vector_free(om);
        gsl_vector_free(th);
    }
    bl_problem_free(W);
    bl_problem_free(Q);
}

/* gd with a global bound (η = 1/L from the problem) and a decreasing G
 * is the plain iteration θ ← θ − η∇θG, bit for bit, to the end. */
static void check_gd_plain(void)
{
    bl_problem *P = quadratic(8, 2, 50, 0.1, 7);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(2), *th = gsl_vector_calloc(8);
    gsl_vector *g = gsl_vector_alloc(8);
    randn(om, 1.0);
    bl_inner *it = bl_inner_alloc(bl_inner_gd, 8);
    int st = bl_inner_set(it, P, om, th, 0, &e), same = 1;
    double eta = it->eta;
    while (st == BL_OK && bl_inner_test(it, 1e-10) != BL_OK && it->iter < 5000) {
        bl_problem_G_theta(P, th, om, g);
        gsl_blas_daxpy(-eta, g, th);
        st = bl_inner_iterate(it, &e);
        same = same && same_bits(it->theta, th);
    }
    tap_ok(st == BL_OK && same && eta == 1.0 / 50 && bl_inner_test(it, 1e-10) == BL_OK,
           "gd with the problem's bound: every one of %zu iterates is θ − η∇θG bit for bit",
           it->iter);
    bl_inner_free(it);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* agd's adaptive restart: faster than gd on logreg, where FISTA's
 * momentum alone was slower (103 iterations against gd's 71 at ω = 0
 * on breast_cancer). */
static void check_agd_restart(void)
{
    bl_err e = {0, ""};
    bl_load_opts lo;
    bl_load_opts_default(&lo);
    bl_dataset *bc = NULL;
    char path[4096];
    if (!bl_data_find_bundled("breast_cancer", path, sizeof path)
        || bl_data_load("breast_cancer", &lo, &bc, &e) != BL_OK) {
        skip("bundled breast_cancer not found (set BILAB_DATADIR)");
        return;
    }
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg, NULL, bc, &e);
    tap_ok(P != NULL, "logreg on breast_cancer allocates %s", e.msg);
    if (P) {
        const double ws[3] = {-5, 0, 3};
        for (int i = 0; i < 3; i++) {
            gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(P->p);
            gsl_vector_set(om, 0, ws[i]);
            size_t k[2];
            int st[2];
            double G[2];
            const bl_inner_type *T[2] = {bl_inner_gd, bl_inner_agd};
            for (int j = 0; j < 2; j++) {
                bl_inner_conf c = {T[j], 0, 1e-10, 100000, 0};
                gsl_vector_set_zero(th);
                st[j] = bl_inner_solve_at(P, &c, om, th, &k[j], NULL, &e);
                G[j] = bl_problem_G(P, th, om);
            }
            tap_ok(st[0] == BL_OK && st[1] == BL_OK && fabs(G[0] - G[1]) <= 1e-14
                   && k[1] <= k[0] && (ws[i] > 0 || 2 * k[1] < k[0]),
                   "logreg ω = %g: agd in %zu iterations, gd in %zu (same G to 1e-14)",
                   ws[i], k[1], k[0]);
            gsl_vector_free(om);
            gsl_vector_free(th);
        }
    }
    bl_problem_free(P);
    bl_dataset_free(bc);
}

/* newton where H is not positive definite: a descent direction, and out
 * of stationary points that are not minima. */
static void check_newton_indefinite(void)
{
    bl_err e = {0, ""};
    bl_problem *P = toy(&concave_type);
    if (!P) return;
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_alloc(2);
    gsl_vector_set(th, 0, 1.0);
    gsl_vector_set(th, 1, -2.0);
    bl_inner *it = bl_inner_alloc(bl_inner_newton, 2);
    int st = bl_inner_set(it, P, om, th, 0.25, &e);
    double g0 = it->value;
    if (st == BL_OK) st = bl_inner_iterate(it, &e);
    tap_ok(st == BL_OK && it->value < g0 && it->eta == 0.25 && it->iter == 1,
           "newton on H = −I descends: G %g → %g (η kept)", g0, it->value);
    bl_inner_free(it);
    bl_problem_free(P);

    /* the saddle: from the stationary point (ω, 0) itself, and from a
     * point where ∇G has no component along the negative curvature */
    P = toy(&saddle_type);
    if (!P) return;
    const double starts[2][2] = {{0.5, 0.0}, {-1.0, 0.0}};
    for (int k = 0; k < 2; k++) {
        gsl_vector_set(om, 0, 0.5);
        gsl_vector_set(th, 0, starts[k][0]);
        gsl_vector_set(th, 1, starts[k][1]);
        bl_inner_conf c = {bl_inner_newton, 0, 1e-10, 100, 0};
        size_t used = 0;
        st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
        double t0 = gsl_vector_get(th, 0), t1 = gsl_vector_get(th, 1);
        tap_ok(st == BL_OK && fabs(t0 - 0.5) <= 1e-10 && fabs(fabs(t1) - 1) <= 1e-10,
               "newton on ½θ₁² − ½θ₂² + ¼θ₂⁴ − ½θ₁ from (%g, %g): the minimum (%.15g, %.15g), "
               "not the saddle (0.5, 0), in %zu iterations", starts[k][0], starts[k][1],
               t0, t1, used);
    }
    bl_problem_free(P);

    /* the double well at ω = 0.2 from θ = 0, where newton refused */
    P = toy(&well_type);
    if (!P) return;
    gsl_vector *t = gsl_vector_calloc(1);
    size_t k;
    double eta;
    int mono;
    st = toy_solve(P, bl_inner_newton, 0.2, t, 100, &k, &eta, &mono);
    double x = gsl_vector_get(t, 0);
    tap_ok(st == BL_OK && mono && fabs(x * x * x - x - 0.2) <= 1e-12 && 3 * x * x - 1 > 0,
           "newton on ¼(θ² − 1)² − 0.2θ from θ = 0 (H = −1): the minimum θ = %.15g in %zu "
           "iterations, G never rose", x, k);
    gsl_vector_free(t);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* doublewell (catalogue) at ω = 0 from θ = 0, the hump: with the solver
 * auto picks, solve ends in a well θ = ±1, not on the maximum. */
static void check_doublewell_hump(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_doublewell, NULL, NULL, &e);
    if (!P) {
        tap_ok(0, "doublewell allocates: %s", e.msg);
        return;
    }
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_calloc(1);
    bl_inner_conf c = {bl_inner_auto(P), 0, 1e-10, 10000, 0};
    size_t used = 0;
    int st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
    double t = gsl_vector_get(th, 0);
    tap_ok(st == BL_OK && fabs(fabs(t) - 1) <= 1e-14 && bl_problem_G(P, th, om) <= 1e-28,
           "doublewell ω = 0 from θ = 0 with %s (auto): a well, θ = %.17g, in %zu iterations",
           c.type->name, t, used);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* What inner.solver auto picks for each catalogue type at its default
 * size, written out by hand (doc/manual.md, "Inner solvers"), and the
 * matrix-free choice for large p. */
static void check_auto(void)
{
    static const struct { const char *problem, *solver; } want[] = {
        {"quadratic", "newton"}, {"ridge", "newton"}, {"ridge-multi", "newton"},
        {"logreg", "newton"}, {"logreg-multi", "newton"}, {"lasso", "cd"},
        {"enet", "cd"}, {"wlasso", "cd"}, {"l1logreg", "cd"}, {"cleaning", "newton"}, {"tv1d", "newton"}, {"heat", "newton"},
        {"doublewell", "newton"}, {"nonsingleton", "newton"}, {"ivreg", "newton"},
        {"oed", "newton"}, {"irl", "gd"}, {"sor", "newton"}, {"matcomp", "fista"},
        {"metaridge", "newton"}, {"quadsum", "newton"}, {"custom", "newton"},
    };
    size_t nw = sizeof want / sizeof want[0], ncat = 0;
    while (bl_catalogue[ncat]) ncat++;
    tap_ok(ncat == nw, "the table below covers the %zu catalogue types", ncat);
    bl_synth_opts so;
    bl_synth_opts_default(&so);
    so.n = 60;
    so.m = 30;
    so.p = 5;
    bl_dataset *reg = NULL, *cls = NULL;
    bl_err e = {0, ""};
    bl_data_synth("regression", &so, &reg, &e);
    so.rho = 0.3;
    bl_data_synth("classification", &so, &cls, &e);
    bl_expr_def *def = bl_expr_def_new();
    def->p = 3;
    def->d = 1;
    bl_expr_def_set_text(def, 0, "0.5*(theta[0]^2 + theta[1]^2 + theta[2]^2) - omega[0]*theta[0]");
    bl_expr_def_set_text(def, 1, "theta[1]");
    for (size_t i = 0; i < nw; i++) {
        const bl_problem_type *T = bl_problem_lookup(want[i].problem);
        const bl_dataset *ds = T && (T->flags & BL_PROB_CLASSIFICATION) ? cls : reg;
        bl_problem *P = T ? bl_problem_alloc_def(T, NULL, ds, def, &e) : NULL;
        const bl_inner_type *S = P ? bl_inner_auto(P) : NULL;
        tap_ok(S && !strcmp(S->name, want[i].solver), "auto on %s (p = %zu): %s (%s)",
               want[i].problem, P ? P->p : 0, want[i].solver, S ? S->name : e.msg);
        /* it solves to 1e-10, and there the problem's default estimators
         * (its own, else exact) agree with fd to 1e-6 */
        if (S) {
            gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
            gsl_vector *g = gsl_vector_alloc(P->d), *gfd = gsl_vector_alloc(P->d);
            gsl_vector *a = gsl_vector_alloc(P->p), *te = gsl_vector_alloc(P->p);
            bl_problem_omega0(P, om);
            bl_inner_conf c = {S, 0, 1e-10, 10000, 0};
            size_t used = 0;
            int st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
            tap_ok(st == BL_OK, "auto on %s solves to 1e-10 in %zu iterations %s",
                   want[i].problem, used, st ? e.msg : "");
            /* fd's inner solves tighter than 1e-10: its error is about
             * tol/h = 1e-5 relative on lasso otherwise */
            bl_inner_conf tight = {S, 0, 1e-13, 10000, 0};
            bl_hg_ctx hc = {.P = P, .omega = om, .theta = th, .inner = &tight,
                            .eta = bl_inner_default_eta(P, th, om)};
            bl_hg_result r = {.grad = gfd, .adjoint = a, .theta_end = te};
            bl_spec sp;
            st = bl_spec_parse("fd", &sp, &e) || bl_hypergrad(&sp, &hc, &r, &e);
            char specs[256], *save = NULL;
            snprintf(specs, sizeof specs, "%s", T->estimators ? T->estimators : "exact");
            for (char *w = strtok_r(specs, " ", &save); w && !st; w = strtok_r(NULL, " ", &save)) {
                if (!strcmp(w, "fd")) continue;                /* the reference */
                r.grad = g;
                int sst = bl_spec_parse(w, &sp, &e);
                /* a step-map problem's unrolled estimators differentiate
                 * F_K (K steps of its own map), not F: test_catalogue2 */
                if (!sst && (T->flags & BL_PROB_STEPMAP) && sp.type->kind == BL_EST_UNROLLED)
                    continue;
                if (!sst) sst = bl_hypergrad(&sp, &hc, &r, &e);
                double rel = bl_rel_err(g, gfd);
                tap_ok(sst == BL_OK && rel <= 1e-6, "%s, at θ solved by %s: %s agrees with fd "
                       "(rel %.2g) %s", want[i].problem, S->name, w, rel, sst ? e.msg : "");
            }
            if (st) tap_ok(0, "%s: fd runs: %s", want[i].problem, e.msg);
            gsl_vector_free(om);
            gsl_vector_free(th);
            gsl_vector_free(g);
            gsl_vector_free(gfd);
            gsl_vector_free(a);
            gsl_vector_free(te);
        }
        bl_problem_free(P);
    }
    bl_expr_def_free(def);
    bl_dataset_free(reg);
    bl_dataset_free(cls);

    /* large p, or no dense H: matrix-free, by name where it exists */
    const bl_inner_type *cg = bl_inner_lookup("newton-cg"), *lb = bl_inner_lookup("lbfgs");
    const bl_inner_type *convex = cg ? cg : lb ? lb : bl_inner_agd;
    const bl_inner_type *other = lb ? lb : bl_inner_agd;
    static const bl_problem_type dense_convex = {
        .name = "quartic", .summary = "", .inner_text = "", .outer_text = "", .notes = "",
        .flags = BL_PROB_CONVEX, .init = toy_init, .G = toy_G, .G_theta = toy_G_theta,
        .hvp = toy_hvp, .hessian = toy_hessian,
    };
    /* only the size matters to the choice: p is set by hand */
    bl_problem *P = toy(&quartic_type);
    if (P) {
        P->p = BL_AUTO_HVP_MAX + 1;
        tap_ok(bl_inner_auto(P) == convex, "auto, convex without a dense H, p = %zu: %s",
               P->p, convex->name);
        P->p = BL_AUTO_HVP_MAX;
        tap_ok(bl_inner_auto(P) == bl_inner_newton, "the same at p = %zu: newton (H from "
               "p products)", P->p);
        bl_problem_free(P);
    }
    P = toy(&dense_convex);
    if (P) {
        P->p = BL_AUTO_DENSE_MAX + 1;
        tap_ok(bl_inner_auto(P) == convex, "auto, convex with a dense H, p = %zu: %s",
               P->p, convex->name);
        P->p = BL_AUTO_DENSE_MAX;
        tap_ok(bl_inner_auto(P) == bl_inner_newton, "the same at p = %zu: newton", P->p);
        bl_problem_free(P);
    }
    P = toy(&well_type);
    if (P) {
        P->p = BL_AUTO_HVP_MAX + 1;
        tap_ok(bl_inner_auto(P) == other, "auto, non-convex without a dense H, p = %zu: %s",
               P->p, other->name);
        bl_problem_free(P);
    }
}

/* ---- divergence, the iteration cap, cancellation, bad arguments ---- */

static void check_errors(void)
{
    const double kappa = 1e3;
    bl_problem *P = quadratic(8, 2, kappa, 0.1, 2);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(2), *th0 = gsl_vector_alloc(8);
    gsl_vector *th = gsl_vector_alloc(8), *keep = gsl_vector_alloc(8);
    randn(om, 1.0);
    randn(th0, 1.0);

    /* η = 3/L: the top eigencomponent is multiplied by 1 − 3 = −2 per step,
     * so G overflows after some 500 steps. */
    bl_inner *it = bl_inner_alloc(bl_inner_gd, 8);
    int st = bl_inner_set(it, P, om, th0, 3 / kappa, &e);
    if (st == BL_OK) st = bl_inner_run(it, 1e-10, 100000, NULL, &e);
    tap_ok(st == BL_EDIVERGE && e.code == BL_EDIVERGE && strstr(e.msg, "diverged")
           && strstr(e.msg, "gd") && it->iter < 2000,
           "gd with η = 3/L: BL_EDIVERGE after %zu iterations, \"%s\"", it->iter, e.msg);
    bl_inner_free(it);

    bl_inner_conf c = {bl_inner_gd, 3 / kappa, 1e-10, 100000, 0};
    gsl_vector_memcpy(th, th0);
    gsl_vector_memcpy(keep, th0);
    size_t used = 0;
    e.code = 0;
    st = bl_inner_solve_at(P, &c, om, th, &used, NULL, &e);
    tap_ok(st == BL_EDIVERGE && same_bits(th, keep) && used > 0,
           "bl_inner_solve_at on divergence: BL_EDIVERGE, θ untouched (after %zu)", used);

    /* η = 1.9/L < 2/L still converges (every |1 − ηλ| < 1) */
    bl_problem *Q = quadratic(8, 2, 10, 0.1, 2);
    if (Q) {
        gsl_vector *ts = gsl_vector_alloc(8);
        Q->type->theta_star(Q, om, ts);
        bl_inner_conf c2 = {bl_inner_gd, 1.9 / 10, 1e-10, 100000, 0};
        gsl_vector_memcpy(th, th0);
        st = bl_inner_solve_at(Q, &c2, om, th, &used, NULL, &e);
        tap_ok(st == BL_OK && dist(th, ts) <= 1e-9,
               "gd with η = 1.9/L converges (%zu iterations)", used);
        gsl_vector_free(ts);
        bl_problem_free(Q);
    }

    /* the iteration cap */
    it = bl_inner_alloc(bl_inner_gd, 8);
    st = bl_inner_set(it, P, om, th0, 0, &e);
    if (st == BL_OK) st = bl_inner_run(it, 1e-10, 5, NULL, &e);
    tap_ok(st == BL_EMAXITER && e.code == BL_EMAXITER && it->iter == 5 && it->hist.n == 6
           && strstr(e.msg, "5 iterations"),
           "maxit 5: BL_EMAXITER after 5 iterations, 6 history entries, \"%s\"", e.msg);
    gsl_vector_memcpy(keep, it->theta);
    bl_inner_free(it);
    bl_inner_conf c5 = {bl_inner_gd, 0, 1e-10, 5, 0};
    gsl_vector_memcpy(th, th0);
    st = bl_inner_solve_at(P, &c5, om, th, &used, NULL, &e);
    tap_ok(st == BL_EMAXITER && used == 5 && same_bits(th, keep),
           "bl_inner_solve_at at the cap: BL_EMAXITER, θ is the 5th iterate");

    /* cancellation */
    bl_cancel_t cancel = 1;
    it = bl_inner_alloc(bl_inner_agd, 8);
    st = bl_inner_set(it, P, om, th0, 0, &e);
    if (st == BL_OK) st = bl_inner_run(it, 1e-10, 1000, &cancel, &e);
    tap_ok(st == BL_EINTR && e.code == BL_EINTR && it->iter == 0
           && same_bits(it->theta, th0) && strstr(e.msg, "interrupted"),
           "cancel flag set: BL_EINTR before any iteration, \"%s\"", e.msg);
    cancel = 0;
    st = bl_inner_run(it, 1e-10, 3, &cancel, &e);
    tap_ok(st == BL_EMAXITER && it->iter == 3, "flag clear again: the run proceeds");
    bl_inner_free(it);
    gsl_vector_memcpy(th, th0);
    cancel = 1;
    st = bl_inner_solve_at(P, &c, om, th, &used, &cancel, &e);
    tap_ok(st == BL_EINTR && used == 0 && same_bits(th, th0),
           "bl_inner_solve_at cancelled: BL_EINTR, θ untouched");

    /* bad arguments */
    it = bl_inner_alloc(bl_inner_gd, 7);
    e.code = 0;
    st = bl_inner_set(it, P, om, th0, 0, &e);
    tap_ok(st == BL_EDIM && e.code == BL_EDIM, "solver for p=7 on a p=8 problem: BL_EDIM (\"%s\")",
           e.msg);
    bl_inner_free(it);
    it = bl_inner_alloc(bl_inner_gd, 8);
    gsl_vector *om3 = gsl_vector_calloc(3);
    st = bl_inner_set(it, P, om3, th0, 0, &e);
    tap_ok(st == BL_EDIM, "ω of the wrong size: BL_EDIM");
    gsl_vector_free(om3);
    gsl_vector_memcpy(th, th0);
    gsl_vector_set(th, 3, NAN);
    e.code = 0;
    st = bl_inner_set(it, P, om, th, 0, &e);
    tap_ok(st == BL_EDIVERGE && e.code == BL_EDIVERGE && strstr(e.msg, "starting point"),
           "non-finite start: BL_EDIVERGE, \"%s\"", e.msg);
    bl_inner_free(it);

    gsl_vector_free(om);
    gsl_vector_free(th0);
    gsl_vector_free(th);
    gsl_vector_free(keep);
    bl_problem_free(P);
}

/* ---- logreg: Newton converges quadratically; bfgs2 converges ---- */

static void check_logreg_solvers(void)
{
    bl_dataset *ds = synth("classification", 200, 100, 10, 0, 1.0, 5);
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
    gsl_vector *om = gsl_vector_alloc(1), *th0 = gsl_vector_calloc(10);
    gsl_vector_set(om, 0, -4.0);
    bl_inner *nt = bl_inner_alloc(bl_inner_newton, 10);
    int st = bl_inner_set(nt, P, om, th0, 0, &e);
    while (st == BL_OK && nt->resid > 1e-14 && nt->iter < 30) st = bl_inner_iterate(nt, &e);
    tap_ok((st == BL_OK || st == BL_ESTALL) && nt->resid <= 1e-13 && nt->iter <= 12,
           "logreg newton (ω = −4, synthetic n=200 p=10): ‖∇θG‖ = %.3g after %zu iterations",
           nt->resid, nt->iter);
    /* quadratic: once r_k < 1e-2 (and above round-off), r_{k+1} ≤ C r_k²
     * with a moderate C, so the linear ratio r_{k+1}/r_k itself collapses */
    double cmax = 0, lin = 1;
    int steps = 0;
    for (size_t k = 0; k + 1 < nt->hist.n; k++) {
        double r0 = nt->hist.resid[k], r1 = nt->hist.resid[k + 1];
        tap_diag("newton k=%zu ‖∇θG‖ = %.3e", k, r0);
        if (r0 < 1e-2 && r1 > 1e-13) {
            cmax = fmax(cmax, r1 / (r0 * r0));
            lin = r1 / r0;
            steps++;
        }
    }
    tap_ok(steps >= 2 && cmax <= 50 && lin <= 1e-3,
           "logreg newton converges quadratically: r_{k+1}/r_k² ≤ %.3g over %d steps, last "
           "r_{k+1}/r_k = %.3g", cmax, steps, lin);

    /* bfgs2 from the same start reaches Newton's θ */
    bl_inner *lb = bl_inner_alloc(bl_inner_bfgs2, 10);
    st = bl_inner_set(lb, P, om, th0, 0, &e);
    if (st == BL_OK) st = bl_inner_run(lb, 1e-9, 500, NULL, &e);
    tap_ok(st == BL_OK || st == BL_ESTALL, "bfgs2 on logreg ends with ‖∇θG‖ = %.3g after %zu "
           "iterations (%s)", lb->resid, lb->iter, st ? e.msg : "tolerance 1e-9");
    tap_ok(dist(lb->theta, nt->theta) <= 1e-7 * fmax(1, gsl_blas_dnrm2(nt->theta)),
           "bfgs2 reaches Newton's θ* (distance %.3g)", dist(lb->theta, nt->theta));
    {
        gsl_vector *g = gsl_vector_alloc(10);
        bl_problem_G_theta(P, lb->theta, om, g);
        tap_ok(lb->value == bl_problem_G(P, lb->theta, om) && same_bits(g, lb->grad)
               && lb->hist.n == lb->iter + 1,
               "bfgs2: value, gradient and history are those of its iterate");
        gsl_vector_free(g);
    }
    bl_inner_free(nt);
    bl_inner_free(lb);
    gsl_vector_free(om);
    gsl_vector_free(th0);
    bl_problem_free(P);
    bl_dataset_free(ds);

    /* the same on breast_cancer, when it is installed */
    char path[4096];
    if (!bl_data_find_bundled("breast_cancer", path, sizeof path)) {
        skip("bundled breast_cancer not found (set BILAB_DATADIR)");
        return;
    }
    bl_load_opts lo;
    bl_load_opts_default(&lo);
    bl_dataset *bc = NULL;
    if (bl_data_load("breast_cancer", &lo, &bc, &e) != BL_OK) {
        tap_ok(0, "breast_cancer loads: %s", e.msg);
        return;
    }
    P = bl_problem_alloc(&bl_problem_logreg, NULL, bc, &e);
    om = gsl_vector_calloc(1);
    th0 = gsl_vector_calloc(P ? P->p : 1);
    size_t it = 0;
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 50, 0};
    st = P ? bl_inner_solve_at(P, &ic, om, th0, &it, NULL, &e) : BL_EINVAL;
    tap_ok(st == BL_OK && it <= 10, "logreg on breast_cancer (labels 0/1): newton in %zu "
           "iterations", it);
    bl_problem_free(P);
    gsl_vector_free(om);
    gsl_vector_free(th0);
    bl_dataset_free(bc);
}

/* ---- bda: on nonsingleton's line of minimisers it selects θ₂ = ω ---- */

static void check_bda_selects(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_nonsingleton, NULL, NULL, &e);
    if (!tap_ok(P != NULL, "nonsingleton builds: %s", e.msg)) return;
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(2);
    int st;
    /* from θ = 0 at ω = 0.3 */
    {
        bl_inner *it = bl_inner_alloc(bl_inner_bda, 2);
        gsl_vector_set(om, 0, 0.3);
        gsl_vector_set_zero(th);
        st = bl_inner_set(it, P, om, th, 0, &e);
        if (st == BL_OK) st = bl_inner_run(it, 1e-10, 20000, NULL, &e);
        tap_ok(st == BL_EMAXITER && fabs(gsl_vector_get(it->theta, 1) - 0.3) < 1e-2
               && fabs(gsl_vector_get(it->theta, 0) - 0.3) < 1e-4,
               "bda at ω = 0.3 selects θ ≈ (0.3, 0.3): (%.6g, %.6g) after %zu iterations, "
               "stopping on its own measure (%s)", gsl_vector_get(it->theta, 0),
               gsl_vector_get(it->theta, 1), it->iter, e.msg);
        bl_inner_free(it);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

int main(void)
{
    gsl_set_error_handler_off();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 2024);
    (void)tap_plan;

    check_lookup();
    check_gd_quadratic();
    check_steps_by_hand();
    check_agd();
    check_newton();
    check_newton_warm();
    check_newton_stall();
    check_backtracking();
    check_gd_plain();
    check_agd_restart();
    check_newton_indefinite();
    check_doublewell_hump();
    check_auto();
    check_errors();
    check_logreg_solvers();
    check_bda_selects();

    gsl_rng_free(rng);
    return tap_done();
}
