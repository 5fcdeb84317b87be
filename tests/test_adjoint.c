/* test_adjoint.c: the adjoint iterators of adjoint.c (cg, neumann, fp,
 * stepped one iteration at a time) against their definitions in
 * doc/catalogue.md ("Hypergradient estimators") on the eigendecomposed
 * quadratic, and the spectrum of H with the predictions made from it.
 * The estimators that run these iterators are test_estimators.c's. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "adjoint.h"
#include "hypergrad.h"
#include "inner.h"
#include "quadfix.h"

/* ---- the adjoint iterators ---- */

static void check_iterators(void)
{
    qfx q;
    if (!qfx_init(&q, 20, 3, 10, 0.1, 41)) return;
    size_t p = q.p;
    bl_err e = {0, ""};
    gsl_vector *th = gsl_vector_alloc(p), *b = gsl_vector_alloc(p), *hb = gsl_vector_alloc(p);
    randn(th, 1.0);
    bl_problem_L_theta(q.P, th, q.om, b);

    /* cg: resid[0] = 1 cold; exact after p iterations; history length */
    bl_adjoint *it = bl_adjoint_alloc(bl_adjoint_cg, p);
    int st = bl_adjoint_set(it, q.P, th, q.om, NULL, 0, 1, &e);
    tap_ok(st == BL_OK && it->hist.n == 1 && it->hist.resid[0] == 1 && it->iter == 0,
           "cg set cold, tracked: hist.resid[0] = %g (1), hist.n = %zu",
           it->hist.n ? it->hist.resid[0] : NAN, it->hist.n);
    unsigned long h0 = q.P->n_hvp;
    for (size_t k = 0; k < p && st == BL_OK; k++) st = bl_adjoint_iterate(it, &e);
    double tr = bl_adjoint_true_residual(it);
    tap_ok(st == BL_OK && tr <= 1e-10 && it->iter == p && it->hist.n == p + 1,
           "cg: true residual after p = %zu iterations %.3g ≤ 1e-10; history %zu = iter + 1",
           p, tr, it->hist.n);
    tap_ok(q.P->n_hvp - h0 == p, "cg: p iterations count p products (%lu), tracking none",
           q.P->n_hvp - h0);
    tap_close(it->hist.resid[it->hist.n - 1], tr, 1e-12,
              "cg: tracked residual is the true residual");
    tap_close(it->hist.value[it->hist.n - 1], nrm(it->a), 1e-15, "cg: hist.value is ‖a‖");
    bl_adjoint_free(it);

    /* fp cold: a₀ = 0, residual 1 */
    it = bl_adjoint_alloc(bl_adjoint_fp, p);
    st = bl_adjoint_set(it, q.P, th, q.om, NULL, q.eta, 1, &e);
    tap_ok(st == BL_OK && it->hist.n == 1 && it->hist.resid[0] == 1 && nrm(it->a) == 0,
           "fp set cold, tracked: a₀ = 0, hist.resid[0] = %g (1)",
           it->hist.n ? it->hist.resid[0] : NAN);
    bl_adjoint_free(it);

    /* neumann cold: the start is neumann:k=0, a₀ = ηb, residual ‖ηAb − b‖/‖b‖ */
    it = bl_adjoint_alloc(bl_adjoint_neumann, p);
    st = bl_adjoint_set(it, q.P, th, q.om, NULL, q.eta, 1, &e);
    bl_problem_hvp(q.P, th, q.om, b, hb);
    gsl_vector_scale(hb, q.eta);
    gsl_vector_sub(hb, b);
    tap_ok(st == BL_OK && it->hist.n == 1
           && fabs(it->hist.resid[0] - nrm(hb) / nrm(b)) <= 1e-14,
           "neumann set cold, tracked: starts at the first term ηb, hist.resid[0] = %.6g "
           "(‖ηAb − b‖/‖b‖ = %.6g)", it->hist.n ? it->hist.resid[0] : NAN, nrm(hb) / nrm(b));
    /* residual after K iterations: ‖(I − ηA)^{K+1} b‖/‖b‖ ≤ q^{K+1}; the
     * first K where it is ≤ 1e-6, and the prediction bounds it */
    bl_spectrum sp;
    bl_spectrum_compute(q.P, th, q.om, &sp, &e);
    double pred = bl_predict_fp(&sp, q.eta, 1e-6);
    size_t kstar = 0;
    gsl_vector *w = gsl_vector_alloc(p), *v = gsl_vector_alloc(p);
    for (;; kstar++) {
        for (size_t i = 0; i < p; i++)
            gsl_vector_set(w, i, pow(1 - q.eta * gsl_vector_get(q.lam, i), (double)kstar + 1));
        qapply(&q, w, b, v);
        if (nrm(v) <= 1e-6 * nrm(b) || kstar > 100000) break;
    }
    st = bl_adjoint_run(it, 1e-6, 100000, NULL, &e);
    tap_ok(st == BL_OK && it->iter + 1 >= kstar && it->iter <= kstar + 1 && it->iter <= pred
           && it->hist.n == it->iter + 1,
           "neumann η = 1/λmax reaches 1e-6 in %zu iterations (closed form %zu, predicted "
           "bound %g); history %zu", it->iter, kstar, pred, it->hist.n);
    gsl_vector_free(w);
    gsl_vector_free(v);

    /* diverges for η > 2/λmax */
    st = bl_adjoint_set(it, q.P, th, q.om, NULL, 2.5 / q.kappa, 1, &e);
    e.code = 0;
    st = bl_adjoint_run(it, 1e-10, 10000, NULL, &e);
    int growing = it->hist.n >= 3;
    for (size_t k = it->hist.n > 10 ? it->hist.n - 10 : 1; k < it->hist.n; k++)
        if (!(it->hist.resid[k] > it->hist.resid[k - 1])) growing = 0;
    tap_ok(st == BL_EDIVERGE && e.code == BL_EDIVERGE && growing
           && it->hist.n == it->iter + 1,
           "neumann η = 2.5/λmax: BL_EDIVERGE after %zu iterations, residual growing to %.3g "
           "(\"%s\")", it->iter, it->resid, e.msg);
    bl_adjoint_free(it);

    gsl_vector_free(th);
    gsl_vector_free(b);
    gsl_vector_free(hb);
    qfx_release(&q);
}

/* ---- spectrum and its predictions ---- */

/* The quadratic in its eigenbasis (Q = I, d = 1): H = diag(λ), λ_i =
 * kappa^{i/(p−1)}.  Lanczos sees the same spectrum as on Q diag(λ) Qᵀ (its
 * start vector is random); the catalogue's quadratic at p = 400 would
 * spend 6.5 s of a valgrind run building Q. */
static const bl_param diagq_params[] = {
    {"p", 400, 1, 5000, 1, "dimension", NULL},
    {"kappa", 100, 1, 1e12, 0, "condition number", NULL},
};

static int diagq_init(bl_problem *P, bl_err *e)
{
    size_t p = (size_t)P->par[0];
    gsl_vector *lam = gsl_vector_alloc(p);
    if (!lam) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(lam, i, p == 1 ? 1 : pow(P->par[1], (double)i / (double)(p - 1)));
    P->p = p;
    P->d = 1;
    P->state = lam;
    return BL_OK;
}

static void diagq_free(bl_problem *P) { gsl_vector_free(P->state); }

/* G = ½ θᵀ diag(λ) θ − ω Σθ_i, L = ½‖θ‖² */
static double diagq_G(bl_problem *P, cvec *th, cvec *om)
{
    const gsl_vector *lam = P->state;
    double g = 0;
    for (size_t i = 0; i < P->p; i++) {
        double t = gsl_vector_get(th, i);
        g += 0.5 * gsl_vector_get(lam, i) * t * t - gsl_vector_get(om, 0) * t;
    }
    return g;
}

static double diagq_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)P, (void)om;
    double n = gsl_blas_dnrm2(th);
    return 0.5 * n * n;
}

static void diagq_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    gsl_vector_memcpy(g, th);
    gsl_vector_mul(g, P->state);
    gsl_vector_add_constant(g, -gsl_vector_get(om, 0));
}

static void diagq_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    double s = 0;
    for (size_t i = 0; i < P->p; i++) s += gsl_vector_get(th, i);
    gsl_vector_set(g, 0, -s);
}

static void diagq_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_memcpy(g, th);
}

static void diagq_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static void diagq_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    gsl_vector_memcpy(out, v);
    gsl_vector_mul(out, P->state);
}

static void diagq_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    double s = 0;
    for (size_t i = 0; i < P->p; i++) s += gsl_vector_get(v, i);
    gsl_vector_set(out, 0, -s);
}

static void diagq_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_all(out, -gsl_vector_get(u, 0));
}

static const bl_problem_type diagq_type = {
    .name = "diagq",
    .summary = "the quadratic in its eigenbasis (test only)",
    .params = diagq_params,
    .nparams = 2,
    .init = diagq_init,
    .free = diagq_free,
    .G = diagq_G,
    .L = diagq_L,
    .G_theta = diagq_G_theta,
    .G_omega = diagq_G_omega,
    .L_theta = diagq_L_theta,
    .L_omega = diagq_L_omega,
    .hvp = diagq_hvp,
    .cvp = diagq_cvp,
    .ctvp = diagq_ctvp,
};

static void check_spectrum(void)
{
    bl_err e = {0, ""};
    const size_t ps[] = {2, 40, 150};
    const double kappas[] = {10, 1e3, 1e6};
    for (size_t i = 0; i < 3; i++) {
        bl_problem *P = quadratic(ps[i], 2, kappas[i], 0.1, 43);
        if (!P) continue;
        gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_calloc(P->d);
        bl_spectrum s;
        int st = bl_spectrum_compute(P, th, om, &s, &e);
        tap_ok(st == BL_OK && s.dense && fabs(s.lmin - 1) <= 1e-10
               && fabs(s.lmax - kappas[i]) <= 1e-10 * kappas[i],
               "spectrum p=%zu kappa=%g (dense): λmin %.15g, λmax %.15g", ps[i], kappas[i],
               s.lmin, s.lmax);
        gsl_vector_free(th);
        gsl_vector_free(om);
        bl_problem_free(P);
    }
    {
        size_t p = 400;
        double kappa = 100, par[2] = {400, 100};
        bl_problem *P = bl_problem_alloc(&diagq_type, par, NULL, &e);
        if (!P) tap_ok(0, "the diagonal quadratic allocates: %s", e.msg);
        if (P) {
            gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_calloc(P->d);
            bl_spectrum s;
            int st = bl_spectrum_compute(P, th, om, &s, &e);
            tap_diag("Lanczos p=%zu kappa=%g: λmin %.10g, λmax %.15g after %zu steps", p,
                     kappa, s.lmin, s.lmax, s.lanczos_steps);
            tap_ok(st == BL_OK && !s.dense && s.lanczos_steps > 0 && P->n_hvp == s.lanczos_steps
                   && fabs(s.lmax - kappa) <= 1e-8 * kappa && fabs(s.lmin - 1) <= 0.3,
                   "spectrum p=%zu (Lanczos, %zu steps, %lu hvps counted): λmax %.12g (rel "
                   "%.2g), λmin %.6g", p, s.lanczos_steps, P->n_hvp, s.lmax, fabs(s.lmax - kappa) / kappa, s.lmin);
            gsl_vector_free(th);
            gsl_vector_free(om);
            bl_problem_free(P);
        }
    }
    bl_spectrum s = {.lmin = 1, .lmax = 100, .dense = 1};
    tap_close(bl_contraction(&s, 0.01), 0.99, 1e-15, "contraction(η = 1/100) = 1 − ηλmin");
    tap_close(bl_contraction(&s, 0.015), 0.985, 1e-15,
              "contraction(η = 1.5/100) = |1 − ηλmin| = 0.985");
    bl_spectrum s3 = {.lmin = 1, .lmax = 3, .dense = 1};
    tap_close(bl_contraction(&s3, 0.6), 0.8, 1e-15,
              "contraction([1, 3], η = 0.6) = |1 − ηλmax| = 0.8");
    tap_close(bl_contraction(&s, 0.025), 1.5, 1e-15, "contraction(η = 2.5/100) = 1.5");
    tap_close(bl_predict_fp(&s, 0.01, 1e-6), ceil(log(1e-6) / log(0.99)), 0,
              "predict_fp(q = 0.99, 1e-6) = ceil(log tol / log q) = 1375");
    tap_close(bl_predict_fp(&s3, 0.6, 1e-8), ceil(log(1e-8) / log(0.8)), 0,
              "predict_fp(q = 0.8, 1e-8) = 83");
    tap_ok(bl_predict_fp(&s, 0.025, 1e-6) == 0, "predict_fp with q ≥ 1: 0 (no convergence)");
    tap_close(bl_predict_cg(&s, 1e-6), ceil(0.5 * 10 * log(2 / 1e-6)), 0,
              "predict_cg(κ = 100, 1e-6) = ceil(½√κ log(2/tol))");
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20240611);
    check_iterators();
    check_spectrum();
    gsl_rng_free(rng);
    return tap_done();
}
