/* test_estimators.c: the estimators of hypergrad.c besides the references
 * (exact and fd: test_hypergrad.c), one check_* each against its
 * definition in doc/catalogue.md ("Hypergradient estimators"): cg,
 * neumann, fp, reverse, forward and truncated, penalty, onestep and
 * first-order, worked out in closed form on the quadratic problem
 * (H = A = Q diag(λ) Qᵀ, C = −Bᵀ, both constant) and checked on ridge,
 * where C(θ) = e^ω θᵀ depends on the iterate.  Also counts, mem.max, cg's
 * warm start, explain's split of the error, and the table of every
 * estimator on every problem of the catalogue through the problem's own
 * default set-up.  The adjoint iterators themselves: test_adjoint.c. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "adjoint.h"
#include "expr.h"
#include "hypergrad.h"
#include "inner.h"

/* the inner configuration the re-solving estimators use: Newton to 1e-13 */
static bl_inner_conf tight;

#include "quadfix.h"

static bl_hg_ctx ctx_at(bl_problem *P, const gsl_vector *om, const gsl_vector *th)
{
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &tight,
                   .eta = bl_inner_default_eta(P, th, om)};
    return c;
}

/* Runs spec TEXT in C; G (d) receives the estimate, ADJ (p, may be NULL)
 * the adjoint.  On failure G is NaN and the message goes to a diagnostic. */
static int est(const char *text, const bl_hg_ctx *c, gsl_vector *g, gsl_vector *adj,
               bl_hg_result *r)
{
    bl_spec s;
    bl_err e = {0, ""};
    memset(r, 0, sizeof *r);
    r->grad = g;
    r->adjoint = adj;
    int st = bl_spec_parse(text, &s, &e);
    if (st == BL_OK) st = bl_hypergrad(&s, c, r, &e);
    if (st != BL_OK) {
        tap_diag("%s failed (%d): %s", text, st, e.msg);
        gsl_vector_set_all(g, NAN);
    }
    return st;
}

/* The exact hypergradient at θ from the definition, by our own dense
 * Cholesky: ∇ωL(θ) − C(θ) H(θ)⁻¹ ∇θL(θ). */
static void gexact_dense(bl_problem *P, const gsl_vector *om, const gsl_vector *th,
                         gsl_vector *g)
{
    size_t p = P->p, d = P->d;
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    gsl_vector *a = gsl_vector_alloc(p), *ca = gsl_vector_alloc(d);
    bl_problem_hessian(P, th, om, H);
    bl_problem_L_theta(P, th, om, a);
    if (gsl_linalg_cholesky_decomp1(H) != GSL_SUCCESS
        || gsl_linalg_cholesky_svx(H, a) != GSL_SUCCESS)
        gsl_vector_set_all(a, NAN);
    bl_problem_L_omega(P, th, om, g);
    bl_problem_cvp(P, th, om, a, ca);
    gsl_vector_sub(g, ca);
    gsl_vector_free(a);
    gsl_vector_free(ca);
    gsl_matrix_free(H);
}

/* Reverse mode over the last K of T unrolled steps, written from
 * doc/catalogue.md: θ_{s+1} = θ_s − η∇θG(θ_s); α_T = ∇θL(θ_T), g = ∇ωL(θ_T);
 * for s = T−1 … T−K: g ← g − η C(θ_s) α_{s+1}, α_s = α_{s+1} − η H(θ_s) α_{s+1}.
 * THT (may be NULL) receives θ_T. */
static void reverse_ref(bl_problem *P, const gsl_vector *om, const gsl_vector *th0,
                        size_t T, size_t K, double eta, gsl_vector *g, gsl_vector *thT)
{
    size_t p = P->p, d = P->d;
    gsl_matrix *Th = gsl_matrix_alloc(T + 1, p);
    gsl_vector *gr = gsl_vector_alloc(p), *al = gsl_vector_alloc(p);
    gsl_vector *hv = gsl_vector_alloc(p), *cv = gsl_vector_alloc(d);
    gsl_matrix_set_row(Th, 0, th0);
    for (size_t s = 0; s < T; s++) {
        gsl_vector_view a = gsl_matrix_row(Th, s), b = gsl_matrix_row(Th, s + 1);
        bl_problem_G_theta(P, &a.vector, om, gr);
        gsl_vector_memcpy(&b.vector, &a.vector);
        gsl_blas_daxpy(-eta, gr, &b.vector);
    }
    gsl_vector_view tT = gsl_matrix_row(Th, T);
    bl_problem_L_theta(P, &tT.vector, om, al);
    bl_problem_L_omega(P, &tT.vector, om, g);
    if (thT) gsl_vector_memcpy(thT, &tT.vector);
    for (size_t s = T; s-- > T - K;) {
        gsl_vector_view ts = gsl_matrix_row(Th, s);
        bl_problem_cvp(P, &ts.vector, om, al, cv);
        gsl_blas_daxpy(-eta, cv, g);
        bl_problem_hvp(P, &ts.vector, om, al, hv);
        gsl_blas_daxpy(-eta, hv, al);
    }
    gsl_matrix_free(Th);
    gsl_vector_free(gr);
    gsl_vector_free(al);
    gsl_vector_free(hv);
    gsl_vector_free(cv);
}

/* ---- the fixture itself: A has the spectrum doc/catalogue.md gives ---- */

static void check_fixture(void)
{
    qfx q;
    if (!qfx_init(&q, 12, 3, 100, 0.1, 3)) return;
    double worst = 0;
    for (size_t i = 0; i < q.p; i++) {
        double want = pow(q.kappa, (double)i / (double)(q.p - 1));
        worst = fmax(worst, fabs(gsl_vector_get(q.lam, i) - want) / want);
    }
    tap_ok(worst <= 1e-12, "quadratic: eigenvalues of H are kappa^{i/(p-1)} (rel %.3g)",
           worst);
    tap_close(q.eta, 1 / q.kappa, 1e-15, "quadratic: the default η is 1/λmax = 1/kappa");
    /* θ* from the eigendecomposition is the problem's own */
    gsl_vector *t = gsl_vector_alloc(q.p), *g = gsl_vector_alloc(q.d);
    q.P->type->theta_star(q.P, q.om, t);
    tap_ok(relerr(q.tstar, t) <= 1e-12, "quadratic: θ* = A⁻¹Bω (rel %.3g)",
           relerr(q.tstar, t));
    q.P->type->hypergrad(q.P, q.om, g);
    tap_ok(relerr(q.gstar, g) <= 1e-12,
           "quadratic: ∇ωL − C A⁻¹∇θL at θ* is the closed-form ∇F (rel %.3g)",
           relerr(q.gstar, g));
    gsl_vector_free(t);
    gsl_vector_free(g);
    qfx_release(&q);
}

/* ---- neumann: its error in closed form ---- */

/* g_neumann(K, η) − g* = C A⁻¹ (I − ηA)^{K+1} b, at any θ (b = ∇θL(θ),
 * g* the exact hypergradient at the same θ). */
static void check_neumann_closed_form(void)
{
    qfx q;
    if (!qfx_init(&q, 12, 3, 100, 0.1, 5)) return;
    size_t p = q.p, d = q.d;
    gsl_vector *th = gsl_vector_alloc(p), *b = gsl_vector_alloc(p), *w = gsl_vector_alloc(p);
    gsl_vector *v = gsl_vector_alloc(p), *want = gsl_vector_alloc(d);
    gsl_vector *g = gsl_vector_alloc(d), *gx = gsl_vector_alloc(d), *err = gsl_vector_alloc(d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    qexact_at(&q, th, gx);
    bl_problem_L_theta(q.P, th, q.om, b);
    const size_t Ks[] = {0, 1, 10, 100};
    const double etas[] = {0, 0.5, 1.9};   /* 0: the default, else ×1/kappa */
    for (size_t i = 0; i < sizeof Ks / sizeof *Ks; i++)
        for (size_t j = 0; j < sizeof etas / sizeof *etas; j++) {
            char spec[96];
            double eta = etas[j] > 0 ? etas[j] / q.kappa : c.eta;
            if (etas[j] > 0) snprintf(spec, sizeof spec, "neumann:k=%zu,eta=%.17g", Ks[i], eta);
            else snprintf(spec, sizeof spec, "neumann:k=%zu", Ks[i]);
            bl_hg_result r;
            int st = est(spec, &c, g, NULL, &r);
            vsub(g, gx, err);
            qweights_pow(&q, eta, (double)Ks[i] + 1, w);
            qapply(&q, w, b, v);
            bl_problem_cvp(q.P, th, q.om, v, want);
            tap_ok(st == BL_OK && relerr(err, want) <= 1e-10 && r.hvp == Ks[i],
                   "%s (η = %.3g): g − g* = C A⁻¹(I − ηA)^{K+1} b (rel %.3g, ‖g − g*‖ = "
                   "%.3g), %lu hvps", spec, eta, relerr(err, want), nrm(want), r.hvp);
        }
    gsl_vector_free(th);
    gsl_vector_free(b);
    gsl_vector_free(w);
    gsl_vector_free(v);
    gsl_vector_free(want);
    gsl_vector_free(g);
    gsl_vector_free(gx);
    gsl_vector_free(err);
    qfx_release(&q);
}

/* ---- cg: exact after p iterations; early stop on tol ---- */

/* In exact arithmetic cg is exact after p iterations.  In double precision
 * the log-spaced spectrum of the quadratic is the classical bad case for
 * the loss of orthogonality of cg (Greenbaum & Strakoš): measured with a
 * plain textbook cg, after p iterations the residual is ≤ 1e-12 at kappa 10
 * for p = 8..30 but 5e-5 (p = 20, kappa 100), 2e-2 (p = 15, kappa 1e3) and
 * 0.1 (kappa 1e4); long double does not fix it.  So exactness after p
 * iterations is asserted at kappa = 10, and for larger kappa after 3p
 * iterations (what finite precision needs; the value after p is shown). */
static void check_cg(void)
{
    const size_t ps[] = {8, 15, 20, 30};
    const double kappas[] = {10, 100, 1e3, 1e4};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            qfx q;
            if (!qfx_init(&q, ps[i], 3, kappas[j], 0.1, 7 + i)) continue;
            gsl_vector *th = gsl_vector_alloc(q.p), *g = gsl_vector_alloc(q.d);
            gsl_vector *gx = gsl_vector_alloc(q.d);
            randn(th, 1.0);
            qexact_at(&q, th, gx);
            bl_hg_ctx c = ctx_at(q.P, q.om, th);
            char spec[64];
            size_t k = q.kappa <= 10 ? q.p : 3 * q.p;
            bl_hg_result r;
            if (k != q.p) {
                snprintf(spec, sizeof spec, "cg:k=%zu,tol=0", q.p);
                est(spec, &c, g, NULL, &r);
                tap_diag("%s, kappa=%g: rel error %.3g after p iterations (round-off)",
                         spec, q.kappa, relerr(g, gx));
            }
            snprintf(spec, sizeof spec, "cg:k=%zu,tol=0", k);
            int st = est(spec, &c, g, NULL, &r);
            tap_ok(st == BL_OK && relerr(g, gx) <= 1e-10 && r.iters == k && r.hvp == k,
                   "%s (p=%zu), kappa=%g: exact to 1e-10 (rel %.3g, adjoint residual "
                   "%.3g, iters %zu, hvp %lu)", spec, q.p, q.kappa, relerr(g, gx),
                   r.adjoint_residual, r.iters, r.hvp);
            gsl_vector_free(th);
            gsl_vector_free(g);
            gsl_vector_free(gx);
            qfx_release(&q);
        }

    /* early stop: the first iterate with ‖r‖ ≤ tol‖b‖ is returned */
    qfx q;
    if (!qfx_init(&q, 30, 3, 10, 0.1, 11)) return;
    gsl_vector *th = gsl_vector_alloc(q.p), *g = gsl_vector_alloc(q.d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    bl_hg_result r, r1;
    int st = est("cg:k=1000,tol=1e-6", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.iters > 0 && r.iters < q.p && r.hvp == r.iters
           && r.adjoint_residual <= 1e-6 * (1 + 1e-6),
           "cg:k=1000,tol=1e-6 stops early: iters %zu < p = %zu, hvp %lu, residual %.3g "
           "≤ 1e-6", r.iters, q.p, r.hvp, r.adjoint_residual);
    char spec[64];
    snprintf(spec, sizeof spec, "cg:k=%zu,tol=0", r.iters > 0 ? r.iters - 1 : 0);
    st = est(spec, &c, g, NULL, &r1);
    tap_ok(st == BL_OK && r1.adjoint_residual > 1e-6,
           "%s (one fewer) is still above tol: residual %.3g", spec, r1.adjoint_residual);
    snprintf(spec, sizeof spec, "cg:k=%zu,tol=1e-6", r.iters > 0 ? r.iters - 1 : 0);
    st = est(spec, &c, g, NULL, &r1);
    tap_ok(st == BL_OK && r1.iters == r.iters - 1 && r1.hvp == r.iters - 1 && r1.cvp == 1,
           "%s stops on k: iters %zu, hvp %lu, cvp %lu", spec, r1.iters, r1.hvp, r1.cvp);
    gsl_vector_free(th);
    gsl_vector_free(g);
    qfx_release(&q);
}

/* ---- fp:k=K = neumann:k=K−1 ---- */

static void check_fp(void)
{
    qfx q;
    if (!qfx_init(&q, 12, 3, 50, 0.1, 13)) return;
    gsl_vector *th = gsl_vector_alloc(q.p), *g1 = gsl_vector_alloc(q.d);
    gsl_vector *g2 = gsl_vector_alloc(q.d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    const size_t Ks[] = {1, 2, 10, 100};
    for (size_t i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) {
            char s1[96], s2[96];
            double eta = j ? 1.5 / q.kappa : c.eta;
            snprintf(s1, sizeof s1, "fp:k=%zu,eta=%.17g", Ks[i], eta);
            snprintf(s2, sizeof s2, "neumann:k=%zu,eta=%.17g", Ks[i] - 1, eta);
            bl_hg_result r1, r2;
            int st = est(s1, &c, g1, NULL, &r1);
            st |= est(s2, &c, g2, NULL, &r2);
            tap_ok(st == BL_OK && relerr(g1, g2) <= 1e-13 && r1.hvp == Ks[i] - 1
                   && r2.hvp == Ks[i] - 1 && r1.cvp == 1,
                   "%s = %s (rel %.3g), hvp %lu and %lu (want %zu)", s1, s2,
                   relerr(g1, g2), r1.hvp, r2.hvp, Ks[i] - 1);
        }
    gsl_vector_free(th);
    gsl_vector_free(g1);
    gsl_vector_free(g2);
    qfx_release(&q);
}

/* ---- reverse, forward, truncated against the recursion ---- */

static bl_problem *ridge_P;     /* ridge on a synthetic data set (main) */
static gsl_vector *ridge_om;

static void check_unrolled_on(bl_problem *P, const gsl_vector *om, const char *lab)
{
    size_t p = P->p, d = P->d;
    gsl_vector *th = gsl_vector_alloc(p), *gr = gsl_vector_alloc(d);
    gsl_vector *gf = gsl_vector_alloc(d), *gt = gsl_vector_alloc(d);
    gsl_vector *gw = gsl_vector_alloc(d), *zero = gsl_vector_calloc(p);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(P, om, th);
    const size_t Ts[] = {1, 2, 10, 60};
    for (int from = 0; from < 2; from++)
        for (size_t i = 0; i < 4; i++) {
            size_t T = Ts[i];
            const char *fs = from ? "current" : "zero";
            char sr[96], sf[96], st_[96], stk[96];
            snprintf(sr, sizeof sr, "reverse:t=%zu,from=%s", T, fs);
            snprintf(sf, sizeof sf, "forward:t=%zu,from=%s", T, fs);
            snprintf(st_, sizeof st_, "truncated:t=%zu,k=%zu,from=%s", T, T, fs);
            bl_hg_result rr, rf, rt;
            int s1 = est(sr, &c, gr, NULL, &rr);
            int s2 = est(sf, &c, gf, NULL, &rf);
            int s3 = est(st_, &c, gt, NULL, &rt);
            reverse_ref(P, om, from ? th : zero, T, T, c.eta, gw, NULL);
            tap_ok(s1 == BL_OK && relerr(gr, gw) <= 1e-12,
                   "%s %s = the catalogue's reverse recursion (rel %.3g)", lab, sr,
                   relerr(gr, gw));
            tap_ok(s1 == BL_OK && s2 == BL_OK && relerr(gf, gr) <= 1e-12,
                   "%s %s = %s (rel %.3g)", lab, sf, sr, relerr(gf, gr));
            tap_ok(s3 == BL_OK && (same_bits(gt, gr) || relerr(gt, gr) <= 1e-14),
                   "%s %s = %s (%s, rel %.3g)", lab, st_, sr,
                   same_bits(gt, gr) ? "bit for bit" : "not bit for bit", relerr(gt, gr));
            /* truncated with k < t: only the last k steps */
            if (T >= 2) {
                size_t K = T / 2;
                snprintf(stk, sizeof stk, "truncated:t=%zu,k=%zu,from=%s", T, K, fs);
                s3 = est(stk, &c, gt, NULL, &rt);
                reverse_ref(P, om, from ? th : zero, T, K, c.eta, gw, NULL);
                tap_ok(s3 == BL_OK && relerr(gt, gw) <= 1e-12 && rt.hvp == K - 1
                       && rt.cvp == K,
                       "%s %s = reverse over the last k steps (rel %.3g), hvp %lu, cvp %lu",
                       lab, stk, relerr(gt, gw), rt.hvp, rt.cvp);
            }
        }
    gsl_vector_free(th);
    gsl_vector_free(gr);
    gsl_vector_free(gf);
    gsl_vector_free(gt);
    gsl_vector_free(gw);
    gsl_vector_free(zero);
}

/* g_rev(T) − g* in closed form on the quadratic, from θ₀ with δ = θ₀ − θ*,
 * M = I − ηA: C A⁻¹ M^T [b* − (I − M^T) δ]. */
static void reverse_error_closed(const qfx *q, const gsl_vector *th0, size_t T, double eta,
                                 gsl_vector *out)
{
    size_t p = q->p;
    gsl_vector *del = gsl_vector_alloc(p), *w = gsl_vector_alloc(p);
    gsl_vector *u = gsl_vector_alloc(p), *v = gsl_vector_alloc(p);
    vsub(th0, q->tstar, del);
    for (size_t i = 0; i < p; i++)                    /* w = M^T */
        gsl_vector_set(w, i, pow(1 - eta * gsl_vector_get(q->lam, i), (double)T));
    qapply(q, w, del, u);                             /* u = M^T δ */
    gsl_vector_sub(u, del);                           /* u = −(I − M^T) δ */
    gsl_vector_add(u, q->bstar);
    qweights_pow(q, eta, (double)T, w);               /* A⁻¹ M^T */
    qapply(q, w, u, v);
    bl_problem_cvp(q->P, q->tstar, q->om, v, out);
    gsl_vector_free(del);
    gsl_vector_free(w);
    gsl_vector_free(u);
    gsl_vector_free(v);
}

static void check_reverse_convergence(void)
{
    /* from θ* (from=current): reverse:t=T = neumann:k=T−1 */
    qfx q;
    if (!qfx_init(&q, 10, 3, 20, 0.1, 17)) return;
    gsl_vector *g1 = gsl_vector_alloc(q.d), *g2 = gsl_vector_alloc(q.d);
    gsl_vector *err = gsl_vector_alloc(q.d), *want = gsl_vector_alloc(q.d);
    bl_hg_ctx c = ctx_at(q.P, q.om, q.tstar);
    const size_t Ts[] = {1, 5, 50, 300};
    for (size_t i = 0; i < 4; i++) {
        char s1[64], s2[64];
        snprintf(s1, sizeof s1, "reverse:t=%zu,from=current", Ts[i]);
        snprintf(s2, sizeof s2, "neumann:k=%zu", Ts[i] - 1);
        bl_hg_result r1, r2;
        int st = est(s1, &c, g1, NULL, &r1);
        st |= est(s2, &c, g2, NULL, &r2);
        tap_ok(st == BL_OK && relerr(g1, g2) <= 1e-12,
               "at θ*: %s = %s (rel %.3g)", s1, s2, relerr(g1, g2));
    }

    /* g_rev(T) − g* = C A⁻¹ M^T [b* − (I − M^T)(θ₀ − θ*)] */
    gsl_vector *th = gsl_vector_alloc(q.p), *zero = gsl_vector_calloc(q.p);
    randn(th, 1.0);
    bl_hg_ctx cr = ctx_at(q.P, q.om, th);
    const size_t Te[] = {1, 10, 100};
    for (int from = 0; from < 2; from++)
        for (size_t i = 0; i < 3; i++) {
            char s[64];
            snprintf(s, sizeof s, "reverse:t=%zu,from=%s", Te[i], from ? "current" : "zero");
            bl_hg_result r;
            int st = est(s, &cr, g1, NULL, &r);
            vsub(g1, q.gstar, err);
            reverse_error_closed(&q, from ? th : zero, Te[i], cr.eta, want);
            tap_ok(st == BL_OK && relerr(err, want) <= 1e-10,
                   "%s: g − g* = C A⁻¹ M^T [b* − (I − M^T)(θ₀ − θ*)] (rel %.3g, ‖g − g*‖ "
                   "= %.3g)", s, relerr(err, want), nrm(want));
        }

    /* from zero: ‖g_T − g*‖ ~ q^T, q = 1 − ηλmin */
    double qq = 1 - cr.eta * gsl_vector_get(q.lam, 0), e[3];
    const size_t Tr[] = {100, 200, 400};
    for (size_t i = 0; i < 3; i++) {
        char s[64];
        snprintf(s, sizeof s, "reverse:t=%zu", Tr[i]);
        bl_hg_result r;
        est(s, &cr, g1, NULL, &r);
        e[i] = dist(g1, q.gstar);
    }
    for (size_t i = 0; i < 2; i++) {
        double ratio = log(e[i + 1] / e[i]) / ((double)Tr[i] * log(qq));
        tap_ok(ratio >= 0.5 && ratio <= 1.5,
               "reverse from zero, kappa=20: log(e(%zu)/e(%zu)) = %.4g is %.4g × T log q "
               "(q = %.4g; errors %.3g, %.3g)", Tr[i + 1], Tr[i], log(e[i + 1] / e[i]),
               ratio, qq, e[i], e[i + 1]);
    }
    gsl_vector_free(g1);
    gsl_vector_free(g2);
    gsl_vector_free(err);
    gsl_vector_free(want);
    gsl_vector_free(th);
    gsl_vector_free(zero);
    qfx_release(&q);
}

/* ---- penalty: O(1/Λ), its closed form, and the cost of the θ_Λ solve ---- */

/* On problems quadratic in θ (quadratic, ridge): with θ = θ*, ∇G(θ*) = 0, so
 * θ_Λ = θ* − (∇²L + ΛH)⁻¹ ∇L(θ*) exactly, and the estimate is
 * g = ∇ωL(θ_Λ) + Λ(∇ωG(θ_Λ) − ∇ωG(θ*)).  The solve of min L + ΛG is a
 * problem of condition κ_Λ = cond(∇²L + ΛH): gradient descent with a
 * step within a factor 2 of 1/L needs about κ_Λ·ln(‖∇₀‖/tol) iterations,
 * and we allow 20 times that.
 *
 * Found failing (hypergrad.c, penalty_run): its Armijo test
 * f1 ≤ f0 − 1e-4·s·‖∇‖² asks for a decrease of 1e-17…1e-22 once ‖∇‖ is
 * below ~1e-5, while the round-off of f = L + ΛG is ~eps·|f| ≈ 1e-13: the
 * test is decided by the last bit of f, steps that make ‖∇‖ grow (s up to
 * 8/(Λ L_G)) are accepted, s doubles after each acceptance, and ‖∇‖
 * random-walks at 1e-8…1e-5 instead of reaching Λ·inner.tol, for 10⁴–10⁵
 * iterations or up to maxit (BL_EMAXITER). */
static void check_penalty_on(bl_problem *P, const gsl_vector *om, const char *lab)
{
    size_t p = P->p, d = P->d;
    gsl_vector *ts = gsl_vector_alloc(p), *gs = gsl_vector_alloc(d), *g = gsl_vector_alloc(d);
    gsl_vector *gl = gsl_vector_alloc(p), *z = gsl_vector_calloc(p), *col = gsl_vector_alloc(p);
    gsl_vector *l0 = gsl_vector_alloc(p), *tl = gsl_vector_alloc(p), *ev = gsl_vector_alloc(p);
    gsl_vector *want = gsl_vector_alloc(d), *w1 = gsl_vector_alloc(d);
    gsl_matrix *ML = gsl_matrix_alloc(p, p), *H = gsl_matrix_alloc(p, p);
    gsl_matrix *M = gsl_matrix_alloc(p, p);
    P->type->theta_star(P, om, ts);
    P->type->hypergrad(P, om, gs);
    /* ∇²L column by column: L is quadratic in θ */
    bl_problem_L_theta(P, z, om, l0);
    for (size_t j = 0; j < p; j++) {
        gsl_vector_set(z, j, 1);
        bl_problem_L_theta(P, z, om, col);
        gsl_vector_sub(col, l0);
        gsl_matrix_set_col(ML, j, col);
        gsl_vector_set(z, j, 0);
    }
    bl_problem_hessian(P, ts, om, H);
    bl_problem_L_theta(P, ts, om, gl);
    bl_inner_conf ic = tight;
    bl_hg_ctx c = ctx_at(P, om, ts);            /* θ = θ*: the inner is solved */
    c.inner = &ic;
    const double lams[] = {1e2, 1e3, 1e4};
    double e[3];
    for (size_t i = 0; i < 3; i++) {
        double lam = lams[i];
        char s[64];
        snprintf(s, sizeof s, "penalty:lam=%g", lam);
        gsl_matrix_memcpy(M, H);
        gsl_matrix_scale(M, lam);
        gsl_matrix_add(M, ML);
        sym_eigs(M, ev);
        double kap = gsl_vector_get(ev, p - 1) / gsl_vector_get(ev, 0);
        double bound = 20 * kap * log(nrm(gl) / (lam * ic.tol));
        ic.maxit = (size_t)(3 * bound);        /* a stalled solve costs no more */
        bl_hg_result r;
        int st = est(s, &c, g, NULL, &r);
        e[i] = dist(g, gs);
        gsl_linalg_cholesky_decomp1(M);
        gsl_vector_memcpy(tl, gl);
        gsl_linalg_cholesky_svx(M, tl);
        gsl_vector_scale(tl, -1.0);
        gsl_vector_add(tl, ts);                 /* θ_Λ */
        bl_problem_L_omega(P, tl, om, want);
        bl_problem_G_omega(P, tl, om, w1);
        gsl_blas_daxpy(lam, w1, want);
        bl_problem_G_omega(P, ts, om, w1);
        gsl_blas_daxpy(-lam, w1, want);
        double ew = dist(want, gs);
        /* the solve stops at ‖∇(L + ΛG)‖ ≤ Λ·tol; the θ_Λ error that leaves,
         * amplified by Λ in Λ∇ωG(θ_Λ), is O(Λ·tol) in g */
        tap_ok(st == BL_OK && dist(g, want) <= 1e-6 * ew + 100 * lam * ic.tol,
               "%s %s = ∇ωL(θ_Λ) + Λ(∇ωG(θ_Λ) − ∇ωG(θ*)) with θ_Λ = θ* − (∇²L + ΛH)⁻¹∇L(θ*) "
               "(‖g − closed‖ = %.3g, %.3g of its error %.3g)", lab, s,
               dist(g, want), dist(g, want) / ew, ew);
        tap_ok(st == BL_OK && (double)r.iters <= bound,
               "%s %s: the solve of min L + ΛG (condition %.3g) takes %s%zu iterations ≤ %.0f",
               lab, s, kap, st == BL_OK ? "" : "(failed at maxit) ", st == BL_OK ? r.iters
               : ic.maxit, bound);
    }
    for (size_t i = 0; i < 2; i++)
        tap_ok(e[i] / e[i + 1] >= 5 && e[i] / e[i + 1] <= 20,
               "%s penalty: error at Λ=%g over Λ=%g is %.4g (want ~10: O(1/Λ); %.3g, %.3g)",
               lab, lams[i], lams[i + 1], e[i] / e[i + 1], e[i], e[i + 1]);
    gsl_vector_free(ts);
    gsl_vector_free(gs);
    gsl_vector_free(g);
    gsl_vector_free(gl);
    gsl_vector_free(z);
    gsl_vector_free(col);
    gsl_vector_free(l0);
    gsl_vector_free(tl);
    gsl_vector_free(ev);
    gsl_vector_free(want);
    gsl_vector_free(w1);
    gsl_matrix_free(ML);
    gsl_matrix_free(H);
    gsl_matrix_free(M);
}

/* The same on the quadratic in the eigenbasis: g_Λ − g* = −C[(A + I/Λ)⁻¹ − A⁻¹] b*,
 * which is −(1/Λ) C A⁻² b* + O(1/Λ²). */
static void check_penalty(void)
{
    qfx q;
    if (!qfx_init(&q, 10, 3, 10, 0.1, 19)) return;
    size_t p = q.p, d = q.d;
    gsl_vector *g = gsl_vector_alloc(d), *want = gsl_vector_alloc(d);
    gsl_vector *w = gsl_vector_alloc(p), *v = gsl_vector_alloc(p), *cv = gsl_vector_alloc(d);
    bl_inner_conf ic = tight;
    ic.maxit = 15000;
    bl_hg_ctx c = ctx_at(q.P, q.om, q.tstar);
    c.inner = &ic;
    double lam = 1e3;
    bl_hg_result r;
    int st = est("penalty:lam=1e3", &c, g, NULL, &r);
    for (size_t j = 0; j < p; j++) {
        double l = gsl_vector_get(q.lam, j);
        gsl_vector_set(w, j, lam / (1 + lam * l) - 1 / l);
    }
    qapply(&q, w, q.bstar, v);
    bl_problem_cvp(q.P, q.tstar, q.om, v, cv);
    gsl_vector_memcpy(want, q.gstar);
    gsl_vector_sub(want, cv);
    tap_ok(st == BL_OK && dist(g, want) <= 1e-6 * dist(want, q.gstar),
           "quadratic penalty:lam=1e3 = g* − C Q diag(Λ/(1 + Λλ) − 1/λ) Qᵀ b* (%.3g of the "
           "error %.3g)", dist(g, want) / dist(want, q.gstar), dist(want, q.gstar));
    check_penalty_on(q.P, q.om, "quadratic(kappa=10)");
    gsl_vector_free(g);
    gsl_vector_free(want);
    gsl_vector_free(w);
    gsl_vector_free(v);
    gsl_vector_free(cv);
    qfx_release(&q);
}

/* ---- onestep and first-order ---- */

/* L(Φ(θ, ω), ω) with Φ(θ, ω) = θ − η∇θG(θ, ω) */
static double L_onestep(bl_problem *P, const gsl_vector *th, const gsl_vector *om, double eta)
{
    gsl_vector *t = gsl_vector_alloc(P->p), *gr = gsl_vector_alloc(P->p);
    bl_problem_G_theta(P, th, om, gr);
    gsl_vector_memcpy(t, th);
    gsl_blas_daxpy(-eta, gr, t);
    double L = bl_problem_L(P, t, om);
    gsl_vector_free(t);
    gsl_vector_free(gr);
    return L;
}

static void check_onestep_on(bl_problem *P, const gsl_vector *om0, const char *lab)
{
    size_t p = P->p, d = P->d;
    gsl_vector *th = gsl_vector_alloc(p), *g = gsl_vector_alloc(d);
    gsl_vector *gw = gsl_vector_alloc(d), *om = gsl_vector_alloc(d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(P, om0, th);
    for (int j = 0; j < 2; j++) {
        double eta = j ? 0.3 * c.eta : c.eta, h = 1e-4;
        char s[64];
        if (j) snprintf(s, sizeof s, "onestep:eta=%.17g", eta);
        else snprintf(s, sizeof s, "onestep");
        for (size_t i = 0; i < d; i++) {
            gsl_vector_memcpy(om, om0);
            gsl_vector_set(om, i, gsl_vector_get(om0, i) + h);
            double Fp = L_onestep(P, th, om, eta);
            gsl_vector_set(om, i, gsl_vector_get(om0, i) - h);
            double Fm = L_onestep(P, th, om, eta);
            gsl_vector_set(gw, i, (Fp - Fm) / (2 * h));
        }
        bl_hg_result r;
        int st = est(s, &c, g, NULL, &r);
        tap_ok(st == BL_OK && relerr(g, gw) <= 1e-7,
               "%s %s = central difference of ω ↦ L(θ − η∇θG(θ, ω), ω) (rel %.3g)", lab, s,
               relerr(g, gw));
    }
    /* first-order: ∇ωL(θ, ω) */
    bl_hg_result r;
    int st = est("first-order", &c, g, NULL, &r);
    bl_problem_L_omega(P, th, om0, gw);
    tap_ok(st == BL_OK && same_bits(g, gw) && r.hvp == 0 && r.cvp == 0,
           "%s first-order = ∇ωL(θ, ω), no products", lab);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gw);
    gsl_vector_free(om);
}

static void check_first_order_by_hand(void)
{
    qfx q;
    if (!qfx_init(&q, 6, 3, 10, 0.25, 23)) return;
    gsl_vector *th = gsl_vector_alloc(q.p), *g = gsl_vector_alloc(q.d);
    gsl_vector *gw = gsl_vector_alloc(q.d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    bl_hg_result r;
    int st = est("first-order", &c, g, NULL, &r);
    gsl_vector_memcpy(gw, q.om);
    gsl_vector_scale(gw, 0.25);
    tap_ok(st == BL_OK && relerr(g, gw) <= 1e-15, "quadratic first-order = μω (rel %.3g)",
           relerr(g, gw));
    gsl_vector *th1 = gsl_vector_alloc(ridge_P->p), *g1 = gsl_vector_alloc(1);
    randn(th1, 1.0);
    bl_hg_ctx c1 = ctx_at(ridge_P, ridge_om, th1);
    st = est("first-order", &c1, g1, NULL, &r);
    tap_ok(st == BL_OK && gsl_vector_get(g1, 0) == 0,
           "ridge first-order = 0 (L does not depend on ω): %g", gsl_vector_get(g1, 0));
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gw);
    gsl_vector_free(th1);
    gsl_vector_free(g1);
    qfx_release(&q);
}

/* ---- counts ---- */

static void check_counts(void)
{
    qfx q;
    if (!qfx_init(&q, 12, 3, 50, 0.1, 29)) return;
    gsl_vector *th = gsl_vector_alloc(q.p), *g = gsl_vector_alloc(q.d);
    randn(th, 1.0);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    bl_hg_result r;
    size_t T = 7, d = q.d;
    int st = est("reverse:t=7", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == T - 1 && r.cvp == T && r.grad_calls == T + 2
           && r.iters == T && !r.has_adjoint && r.has_theta_end && isnan(r.adjoint_residual),
           "reverse:t=7 counts hvp %lu (6), cvp %lu (7), grad %lu (9), iters %zu", r.hvp,
           r.cvp, r.grad_calls, r.iters);
    tap_ok(r.bytes >= (T + 4) * q.p * sizeof(double),
           "reverse:t=7 reports %zu bytes ≥ (t + 4)·p·8 = %zu", r.bytes,
           (T + 4) * q.p * sizeof(double));
    st = est("forward:t=7", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == (T - 1) * d && r.cvp == T * d && r.grad_calls == T + 2,
           "forward:t=7, d=3 counts hvp %lu (18), cvp %lu (21), grad %lu (9)", r.hvp, r.cvp,
           r.grad_calls);
    st = est("cg:k=5,tol=0", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == 5 && r.cvp == 1 && r.iters == 5 && r.has_adjoint,
           "cg:k=5 (p=12) counts hvp %lu (5), cvp %lu (1), iters %zu", r.hvp, r.cvp, r.iters);
    st = est("neumann:k=9", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == 9 && r.cvp == 1 && r.iters == 9,
           "neumann:k=9 counts hvp %lu (9), cvp %lu (1), iters %zu", r.hvp, r.cvp, r.iters);
    st = est("fp:k=9", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == 8 && r.cvp == 1, "fp:k=9 counts hvp %lu (8), cvp %lu (1)",
           r.hvp, r.cvp);
    st = est("exact", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == 0 && r.cvp == 1,
           "exact with a dense H counts hvp %lu (0), cvp %lu (1)", r.hvp, r.cvp);
    st = est("onestep", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.hvp == 0 && r.cvp == 1 && r.grad_calls == 3,
           "onestep counts hvp %lu (0), cvp %lu (1), grad %lu (3)", r.hvp, r.cvp,
           r.grad_calls);
    gsl_vector_free(th);
    gsl_vector_free(g);
    qfx_release(&q);
}

/* ---- mem.max ---- */

static void check_mem_max(void)
{
    qfx q;
    if (!qfx_init(&q, 10, 3, 10, 0.1, 31)) return;
    gsl_vector *g = gsl_vector_alloc(q.d), *g2 = gsl_vector_alloc(q.d);
    bl_hg_ctx c = ctx_at(q.P, q.om, q.tstar);
    size_t T = 1000;
    c.mem_max = (double)((T + 4) * q.p * sizeof(double)) - 1;
    bl_spec s;
    bl_err e = {0, ""};
    bl_spec_parse("reverse:t=1000", &s, &e);
    bl_hg_result r = {.grad = g};
    unsigned long h0 = q.P->n_hvp, g0 = q.P->n_grad;
    int st = bl_hypergrad(&s, &c, &r, &e);
    tap_ok(st == BL_ENOMEM && e.code == BL_ENOMEM && has(e.msg, "forward")
           && has(e.msg, "truncated") && q.P->n_hvp == h0 && q.P->n_grad == g0,
           "reverse:t=1000 over mem.max = %g B: BL_ENOMEM before any work: \"%s\"",
           c.mem_max, e.msg);
    bl_spec_parse("truncated:t=1000,k=1000", &s, &e);
    st = bl_hypergrad(&s, &c, &r, &e);
    tap_ok(st == BL_ENOMEM, "truncated:t=1000,k=1000 is refused too (%d)", st);
    bl_hg_result r2;
    st = est("forward:t=1000", &c, g, NULL, &r2);
    int st2 = est("truncated:t=1000,k=5", &c, g2, NULL, &r);
    tap_ok(st == BL_OK && st2 == BL_OK && r2.bytes <= c.mem_max && r.bytes <= c.mem_max,
           "forward:t=1000 (%zu B) and truncated:t=1000,k=5 (%zu B) run under it", r2.bytes,
           r.bytes);
    gsl_vector_free(g);
    gsl_vector_free(g2);
    qfx_release(&q);
}

/* ---- warm start of cg ---- */

static void check_warm(void)
{
    qfx q;
    if (!qfx_init(&q, 30, 3, 100, 0.1, 37)) return;
    size_t p = q.p;
    gsl_vector *th = gsl_vector_alloc(p), *b = gsl_vector_alloc(p), *w = gsl_vector_alloc(p);
    gsl_vector *astar = gsl_vector_alloc(p), *a0 = gsl_vector_alloc(p);
    gsl_vector *g = gsl_vector_alloc(q.d), *gx = gsl_vector_alloc(q.d);
    randn(th, 1.0);
    bl_problem_L_theta(q.P, th, q.om, b);
    qweights_pow(&q, 0, 0, w);
    qapply(&q, w, b, astar);
    qexact_at(&q, th, gx);
    bl_hg_ctx c = ctx_at(q.P, q.om, th);
    bl_hg_result r, rc;
    c.adjoint0 = astar;
    int st = est("cg:warm=1", &c, g, NULL, &r);
    tap_ok(st == BL_OK && r.iters == 0 && relerr(g, gx) <= 1e-10,
           "cg:warm=1 from the exact adjoint: %zu iterations, rel %.3g", r.iters,
           relerr(g, gx));
    st = est("cg", &c, g, NULL, &rc);   /* adjoint0 set, warm off: cold */
    gsl_vector *pert = gsl_vector_alloc(p);
    randn(pert, 1.0);
    gsl_vector_memcpy(a0, astar);
    gsl_blas_daxpy(1e-4 * nrm(astar) / nrm(pert), pert, a0);
    c.adjoint0 = a0;
    st |= est("cg:warm=1", &c, g, NULL, &r);
    tap_ok(st == BL_OK && rc.iters > 0 && r.iters < rc.iters && relerr(g, gx) <= 1e-8,
           "cg:warm=1 from a₀ = a* + 1e-4 noise: %zu iterations < %zu cold (rel %.3g)",
           r.iters, rc.iters, relerr(g, gx));
    gsl_vector_free(th);
    gsl_vector_free(b);
    gsl_vector_free(w);
    gsl_vector_free(astar);
    gsl_vector_free(a0);
    gsl_vector_free(pert);
    gsl_vector_free(g);
    gsl_vector_free(gx);
    qfx_release(&q);
}

/* ---- --explain ---- */

static void spec_for(const bl_estimator_type *T, size_t p, int table, char *buf, size_t len)
{
    const char *n = T->name;
    /* the table's cg runs 3p iterations: see check_cg for why p is not enough */
    if (!strcmp(n, "cg")) snprintf(buf, len, "cg:k=%zu,tol=0", table ? 3 * p : p);
    else if (!strcmp(n, "neumann")) snprintf(buf, len, table ? "neumann:k=2000" : "neumann:k=30");
    else if (!strcmp(n, "fp")) snprintf(buf, len, table ? "fp:k=2000" : "fp:k=30");
    else if (!strcmp(n, "reverse"))
        snprintf(buf, len, table ? "reverse:t=2000,from=current" : "reverse:t=40");
    else if (!strcmp(n, "forward"))
        snprintf(buf, len, table ? "forward:t=2000,from=current" : "forward:t=40");
    else if (!strcmp(n, "truncated"))
        snprintf(buf, len, table ? "truncated:t=100,k=10" : "truncated:t=40,k=10");
    else if (!strcmp(n, "penalty"))
        snprintf(buf, len, table ? "penalty:lam=1e6" : "penalty:lam=1e3");
    else snprintf(buf, len, "%s", n);
}

static void check_explain_on(bl_problem *P, const gsl_vector *om, const char *lab)
{
    size_t p = P->p, d = P->d;
    gsl_vector *ts = gsl_vector_alloc(p), *th = gsl_vector_alloc(p), *pert = gsl_vector_alloc(p);
    gsl_vector *gc = gsl_vector_alloc(d), *g = gsl_vector_alloc(d), *sum = gsl_vector_alloc(d);
    gsl_vector *tot = gsl_vector_alloc(d), *ge = gsl_vector_alloc(d), *p0 = gsl_vector_alloc(d);
    gsl_vector *gfull = gsl_vector_alloc(d), *tT = gsl_vector_alloc(p), *zero = gsl_vector_calloc(p);
    P->type->theta_star(P, om, ts);
    P->type->hypergrad(P, om, gc);
    randn(pert, 1e-2);
    gsl_vector_memcpy(th, ts);
    gsl_vector_add(th, pert);                /* θ ≠ θ*: an inner part */
    bl_hg_ctx c = ctx_at(P, om, th);
    double scale = fmax(1, nrm(gc));
    for (size_t k = 0; bl_estimators[k]; k++) {
        const bl_estimator_type *T = bl_estimators[k];
        char spec[96];
        spec_for(T, p, 0, spec, sizeof spec);
        bl_spec s;
        bl_err e = {0, ""};
        bl_explain x;
        int st = bl_spec_parse(spec, &s, &e);
        if (st == BL_OK) st = bl_explain_run(&s, &c, &x, &e);
        if (st != BL_OK) {
            tap_ok(0, "%s explain %s: failed (%d): %s", lab, spec, st, e.msg);
            continue;
        }
        bl_hg_result r;
        est(spec, &c, g, NULL, &r);
        gsl_vector_set_zero(sum);
        for (size_t i = 0; i < x.nparts; i++) gsl_vector_add(sum, x.part[i]);
        vsub(g, gc, tot);
        double dsum = dist(sum, x.total), dstar = relerr(x.gstar, gc);
        double dtot = dist(x.total, tot);
        /* the inner part: exact at the reference point minus g*; the
         * reference point is θ_T for unrolled methods, θ otherwise */
        const char *from = strstr(spec, "from=current") ? "current" : "zero";
        size_t Tt = 0, Kt = 0;
        if (T->kind == BL_EST_UNROLLED) {
            /* t steps, the last k of them differentiated (k = t without k) */
            int pt = bl_param_find(T->params, T->nparams, "t");
            int pk = bl_param_find(T->params, T->nparams, "k");
            Tt = (size_t)s.par[pt];
            Kt = pk >= 0 ? (size_t)s.par[pk] : Tt;
            reverse_ref(P, om, strcmp(from, "zero") ? th : zero, Tt, Tt, c.eta, gfull, tT);
            gexact_dense(P, om, tT, ge);
        } else {
            gexact_dense(P, om, th, ge);
        }
        vsub(ge, gc, p0);
        double dp0 = dist(x.part[0], p0);
        int okparts = 1;
        double dp12 = 0;
        if (T->kind == BL_EST_UNROLLED && Kt < Tt) {
            /* unrolling = reverse over all t − exact(θ_T); truncation = g − reverse */
            gsl_vector *u = gsl_vector_alloc(d);
            vsub(gfull, ge, u);
            dp12 = dist(x.part[1], u);
            vsub(g, gfull, u);
            dp12 = fmax(dp12, dist(x.part[2], u));
            okparts = x.nparts == 3;
            gsl_vector_free(u);
        } else {
            gsl_vector *u = gsl_vector_alloc(d);
            vsub(g, ge, u);
            dp12 = dist(x.part[1], u);
            okparts = x.nparts == 2;
            gsl_vector_free(u);
        }
        tap_ok(okparts && dsum <= 1e-12 * scale && dstar <= 1e-10 && dtot <= 1e-10 * scale
               && dp0 <= 1e-10 * scale && dp12 <= 1e-10 * scale,
               "%s explain %s: %zu parts add up to g − g* (%.2g), g* = closed form (rel %.2g), "
               "total = g − g* (%.2g), inner part (%.2g) and method parts (%.2g) as defined; "
               "‖total‖ = %.3g", lab, spec, x.nparts, dsum, dstar, dtot, dp0, dp12,
               nrm(x.total));
        bl_explain_release(&x);
    }
    gsl_vector_free(ts);
    gsl_vector_free(th);
    gsl_vector_free(pert);
    gsl_vector_free(gc);
    gsl_vector_free(g);
    gsl_vector_free(sum);
    gsl_vector_free(tot);
    gsl_vector_free(ge);
    gsl_vector_free(p0);
    gsl_vector_free(gfull);
    gsl_vector_free(tT);
    gsl_vector_free(zero);
}

/* ---- the table: every estimator on every problem ---- */

static void table_on(bl_problem *P, const gsl_vector *om, const char *lab)
{
    size_t p = P->p, d = P->d;
    gsl_vector *ts = gsl_vector_alloc(p), *gref = gsl_vector_alloc(d), *g = gsl_vector_alloc(d);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    /* the closed form where the problem has one here (matcomp: only when
     * fully observed), else a solve */
    if (P->type->theta_star && P->type->theta_star(P, om, ts) == BL_OK) {
    } else if (P->type->flags & BL_PROB_NONSMOOTH) {
        /* lasso, enet, matcomp: their own prox solver to round-off from 0 */
        bl_err e = {0, ""};
        gsl_vector_set_zero(ts);
        int st = bl_inner_solve_at(P, &tight, om, ts, NULL, NULL, &e);
        if (st != BL_OK && st != BL_ESTALL) tap_diag("%s: inner solve: %s", lab, e.msg);
    } else {
        /* no closed form (irl): gd to 1e-6 from 0, where Newton may meet an
         * indefinite H, then Newton to 1e-13 */
        bl_inner_conf gd = {bl_inner_gd, 0, 1e-6, 100000, 0};
        if (P->type->flags & BL_PROB_NONSMOOTH) gd.type = tight.type;   /* table_sparse: cd */
        bl_err e = {0, ""};
        gsl_vector_set_zero(ts);
        int st = bl_inner_solve_at(P, &gd, om, ts, NULL, NULL, &e);
        if (st == BL_OK) st = bl_inner_solve_at(P, &tight, om, ts, NULL, NULL, &e);
        if (st != BL_OK && st != BL_ESTALL) tap_diag("%s: inner solve: %s", lab, e.msg);
    }
    gexact_dense(P, om, ts, gref);
    bl_hg_ctx c = ctx_at(P, om, ts);
    bl_problem_hessian(P, ts, om, H);
    sym_eigs(H, ev);
    double lmin = gsl_vector_get(ev, 0), lmax = gsl_vector_get(ev, p - 1);
    double q = fmax(fabs(1 - c.eta * lmin), fabs(1 - c.eta * lmax));
    /* H singular (nonsingleton: a line of minimisers): the implicit
     * hypergradient, so the reference, does not exist; what runs there
     * must still give a finite number */
    int noref = !(lmin > 1e-12 * fmax(1, fabs(lmax)));
    for (size_t k = 0; bl_estimators[k]; k++) {
        const bl_estimator_type *T = bl_estimators[k];
        char spec[96];
        spec_for(T, p, 1, spec, sizeof spec);
        if (!strcmp(T->name, "penalty") && (P->type->flags & BL_PROB_NONSMOOTH)) {
            char why[160];
            snprintf(why, sizeof why, "%s: %s descends on L + ΛG, which needs a smooth G", lab,
                     spec);
            skip(why);
            continue;
        }
        int contracts = (T->needs & BL_EST_NEEDS_CONTRACTION) != 0;
        if (contracts && q >= 1) {
            char why[200];   /* matcomp: the prox step's η = 1 > 2/λmax(H) */
            snprintf(why, sizeof why, "%s: %s at η = %.4g has max|1 − ηλ| = %.4g ≥ 1: it "
                     "diverges (hypergrad warns)", lab, spec, c.eta, q);
            skip(why);
            continue;
        }
        if ((T->needs & BL_EST_NEEDS_PD) && !(lmin > 0)) {
            char why[160];
            snprintf(why, sizeof why, "%s: %s needs a positive definite H", lab, spec);
            skip(why);
            continue;
        }
        /* forward mode costs d directions a step: over many outer
         * coordinates (cleaning, oed, quadsum: d > 20) the table runs it
         * over 200 steps and checks it against reverse mode over the same
         * steps, the same derivative by the other mode, to round-off */
        if (!strcmp(T->name, "forward") && d > 20 && !noref) {
            bl_hg_result rf, rr;
            gsl_vector *gr = gsl_vector_alloc(d);
            int sf = est("forward:t=200,from=current", &c, g, NULL, &rf);
            int sr = est("reverse:t=200,from=current", &c, gr, NULL, &rr);
            double rel = relerr(g, gr);
            tap_ok(sf == BL_OK && sr == BL_OK && finite_vec(g) && rel <= 1e-10,
                   "%s forward:t=200,from=current (d = %zu): reverse:t=200's derivative to "
                   "%.3g (bound 1e-10; hvp %lu, cvp %lu)", lab, d, rel, rf.hvp, rf.cvp);
            gsl_vector_free(gr);
            continue;
        }
        bl_hg_result r;
        int st = est(spec, &c, g, NULL, &r);
        double re = relerr(g, gref), bound = INFINITY;
        const char *n = T->name;
        if (noref) {
            tap_ok(st == BL_OK && finite_vec(g), "%s %s: finite (no reference: H is singular; "
                   "hvp %lu, cvp %lu)", lab, spec, r.hvp, r.cvp);
            continue;
        }
        /* reverse and forward from θ* on a gradient step unroll the series
         * of (I − ηH)^j ∇θL cut after 2000 terms: fp:k=2000 to round-off,
         * and exact only while q^2000 is small */
        int unrolled = !strcmp(n, "reverse") || !strcmp(n, "forward");
        /* ISTA steps too (the series on the support) where it converges
         * (q < 1; matcomp's fp diverges at η = 1) */
        int gradstep = !(P->type->flags & BL_PROB_STEPMAP)
                       && (!(P->type->flags & BL_PROB_NONSMOOTH) || q < 1);
        if (unrolled && gradstep && !(pow(q, 2000) <= 1e-8)) {
            bl_hg_result rf;
            gsl_vector *gfp = gsl_vector_alloc(d);
            int sf = est("fp:k=2000", &c, gfp, NULL, &rf);
            double rfp = relerr(g, gfp);
            tap_ok(st == BL_OK && sf == BL_OK && finite_vec(g) && rfp <= 1e-8,
                   "%s %s: q^2000 = %.3g, so not exact (rel error %.3g) but fp:k=2000's "
                   "series to %.3g (bound 1e-8; hvp %lu, cvp %lu)", lab, spec, pow(q, 2000), re,
                   rfp, r.hvp, r.cvp);
            gsl_vector_free(gfp);
            continue;
        }
        /* penalty's error is O(1/Λ) with the problem's constant: where it
         * is above 1e-4 at Λ = 1e6, it must be a tenth of that at Λ = 1e5 */
        if (!strcmp(n, "penalty") && st == BL_OK && re > 1e-4) {
            bl_hg_result r5;
            gsl_vector *g5 = gsl_vector_alloc(d);
            int s5 = est("penalty:lam=1e5", &c, g5, NULL, &r5);
            double re5 = relerr(g5, gref);
            tap_ok(s5 == BL_OK && finite_vec(g) && re <= 0.2 * re5,
                   "%s %s: rel error %.3g vs exact, O(1/Λ): %.3g at Λ = 1e5 (bound: a fifth "
                   "of it)", lab, spec, re, re5);
            gsl_vector_free(g5);
            continue;
        }
        /* fd at its default h = 1e-5 divides the inner solves' round-off
         * by h: where that shows (d = 398 for cleaning), h = 1e-4 */
        if (!strcmp(n, "fd") && st == BL_OK && re > 1e-6) {
            bl_hg_result r4;
            gsl_vector *g4 = gsl_vector_alloc(d);
            int s4 = est("fd:h=1e-4", &c, g4, NULL, &r4);
            double re4 = relerr(g4, gref);
            tap_ok(s4 == BL_OK && finite_vec(g4) && re4 <= 1e-6,
                   "%s fd:h=1e-4: rel error %.3g vs exact at θ* (bound 1e-6; fd at h = 1e-5: "
                   "%.3g)", lab, re4, re);
            gsl_vector_free(g4);
            continue;
        }
        if (!strcmp(n, "exact") || !strcmp(n, "cg") || !strcmp(n, "fd") || unrolled)
            bound = 1e-6;
        else if (contracts)
            bound = q < 0.99 ? 1e-6 : INFINITY;
        else if (!strcmp(n, "penalty"))
            bound = 1e-4;
        tap_ok(st == BL_OK && finite_vec(g) && re <= bound,
               "%s %s: rel error %.3g vs exact at θ* (bound %g%s; hvp %lu, cvp %lu)", lab,
               spec, re, bound, contracts
               ? (q < 0.99 ? ", contraction < 0.99" : ", contraction ≥ 0.99: finite only") : "",
               r.hvp, r.cvp);
    }
    gsl_vector_free(ts);
    gsl_vector_free(gref);
    gsl_vector_free(g);
    gsl_vector_free(ev);
    gsl_matrix_free(H);
}

/* Issue 17's problems.  sor: at θ* every estimator is 0 (θ* = A⁻¹b does
 * not depend on ω; the unrolled ones from θ* stay there), its own table is
 * in test_catalogue2.c.  metaridge at ω = (−0.5, w) with w ≠ 0.  matcomp
 * fully observed (its closed form), its re-solving estimators with fista;
 * penalty is skipped there: its descent on L + ΛG needs a smooth G. */
static void table_issue17(const bl_problem_type *T)
{
    bl_err e = {0, ""};
    bl_inner_conf keep = tight;
    double mc[6] = {12, 8, 2, 1, 0.3, 1};
    bl_problem *P = bl_problem_alloc(T, T == &bl_problem_matcomp ? mc : NULL, NULL, &e);
    if (!tap_ok(P != NULL, "%s builds for the table: %s", T->name, e.msg)) return;
    gsl_vector *om = gsl_vector_alloc(P->d);
    bl_problem_omega0(P, om);
    char lab[96];
    if (T == &bl_problem_metaridge) {
        for (size_t i = 0; i < P->d; i++) gsl_vector_set(om, i, 0.3 * sin(1.0 + (double)i));
        gsl_vector_set(om, 0, -0.5);
        snprintf(lab, sizeof lab, "metaridge(default T=20,p=10)");
    } else if (T == &bl_problem_sor) {
        gsl_vector_set(om, 0, 1.0);
        snprintf(lab, sizeof lab, "sor(default N=30)");
    } else {
        tight = (bl_inner_conf){bl_inner_fista, 0, 1e-13, 50000, 0};
        snprintf(lab, sizeof lab, "matcomp(12x8,rank=2,frac=1)");
    }
    table_on(P, om, lab);
    tight = keep;
    gsl_vector_free(om);
    bl_problem_free(P);
}

/* Issue 17 item 7: wlasso, l1logreg, and lasso with outer=cv folds=3, on
 * small synthetic sets, solved with cd (their default); penalty is skipped
 * (non-smooth G). */
static void table_sparse(const bl_problem_type *T)
{
    bl_dataset *ds = make_ds(60, 30, 6);
    if (T == &bl_problem_l1logreg)
        for (int split = 0; split < 2; split++) {
            gsl_vector *y = split ? ds->yv : ds->y;
            for (size_t i = 0; i < y->size; i++)
                gsl_vector_set(y, i, gsl_vector_get(y, i) + gsl_ran_gaussian(rng, 2.0) > 0 ? 1 : -1);
        }
    double cv[3] = {1, 3, 0};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(T, T == &bl_problem_lasso ? cv : NULL, ds, &e);
    if (tap_ok(P != NULL, "%s builds for the table: %s", T->name, e.msg)) {
        bl_inner_conf keep = tight;
        tight = (bl_inner_conf){bl_inner_cd, 0, 1e-13, 200000, 0};
        gsl_vector *om = gsl_vector_alloc(P->d);
        bl_problem_omega0(P, om);
        for (size_t i = 0; i < P->d; i++)      /* distinct λ_j for wlasso */
            gsl_vector_set(om, i, gsl_vector_get(om, i) + 0.1 * (double)i);
        char lab[96];
        snprintf(lab, sizeof lab, "%s(synthetic n=60,p=6%s)", T->name,
                 T == &bl_problem_lasso ? ",outer=cv folds=3" : "");
        table_on(P, om, lab);
        tight = keep;
        gsl_vector_free(om);
    }
    bl_problem_free(P);
    free_ds(ds);
}

/* A problem through its own default set-up: its default parameters, the
 * bundled data set that `problem use` loads for it when it reads data,
 * its default ω and, for the non-smooth ones, the inner solver that
 * `inner.solver auto` picks (bl_inner_auto). */
static void table_default(const bl_problem_type *T)
{
    bl_err e = {0, ""};
    bl_dataset *ds = NULL;
    char lab[128];
    if (T->dataset) {
        char path[4096];
        if (!bl_data_find_bundled(T->dataset, path, sizeof path)) {
            snprintf(lab, sizeof lab, "%s: bundled %s not found (set BILAB_DATADIR)", T->name,
                     T->dataset);
            skip(lab);
            return;
        }
        bl_load_opts lo;
        bl_load_opts_default(&lo);
        if (!tap_ok(bl_data_load(T->dataset, &lo, &ds, &e) == BL_OK, "%s: its data set %s "
                    "loads: %s", T->name, T->dataset, e.msg))
            return;
        snprintf(lab, sizeof lab, "%s(defaults on %s)", T->name, T->dataset);
    } else {
        snprintf(lab, sizeof lab, "%s(defaults)", T->name);
    }
    bl_problem *P = bl_problem_alloc(T, NULL, ds, &e);
    if (tap_ok(P != NULL, "%s builds: %s", lab, e.msg)) {
        bl_inner_conf keep = tight;
        if (T->flags & BL_PROB_NONSMOOTH)
            tight = (bl_inner_conf){bl_inner_auto(P), 0, 1e-13, 50000, 0};
        gsl_vector *om = gsl_vector_alloc(P->d);
        bl_problem_omega0(P, om);
        table_on(P, om, lab);
        gsl_vector_free(om);
        bl_problem_free(P);
        tight = keep;
    }
    bl_dataset_free(ds);
}

/* custom has no set-up of its own: it is what `define` types.  Its row
 * is ridge typed as expressions (doc/expressions.md) on the data set of
 * the ridge rows, so that the tapes' H·v and C·v meet every estimator. */
static void table_custom(const bl_dataset *ds)
{
    bl_err e = {0, ""};
    bl_expr_def *def = bl_expr_def_new();
    if (!def) return;
    def->p = ds->X->size2;
    def->d = 1;
    bl_expr_def_set_text(def, 0, "mean((X*theta - y)^2)/2 + exp(omega[0])/2*sumsq(theta)");
    bl_expr_def_set_text(def, 1, "mean((Xv*theta - yv)^2)/2");
    bl_problem *P = bl_problem_alloc_def(&bl_problem_custom, NULL, ds, def, &e);
    if (tap_ok(P != NULL, "custom (ridge typed as expressions) builds: %s", e.msg)) {
        gsl_vector *om = gsl_vector_alloc(1);
        gsl_vector_set(om, 0, log(0.3));
        table_on(P, om, "custom(ridge as expressions, n=40,m=30,p=8)");
        gsl_vector_free(om);
        bl_problem_free(P);
    }
    bl_expr_def_free(def);
}

static void check_table(const bl_dataset *ds)
{
    for (size_t i = 0; bl_catalogue[i]; i++) {
        const bl_problem_type *T = bl_catalogue[i];
        if (T == &bl_problem_quadratic) {
            qfx q;
            if (qfx_init(&q, 20, 5, 100, 0.1, 0)) {
                table_on(q.P, q.om, "quadratic(default p=20,d=5,kappa=100)");
                qfx_release(&q);
            }
            if (qfx_init(&q, 5, 2, 10, 0.1, 1)) {
                table_on(q.P, q.om, "quadratic(p=5,d=2,kappa=10)");
                qfx_release(&q);
            }
        } else if (T == &bl_problem_ridge) {
            table_on(ridge_P, ridge_om, "ridge(synthetic n=40,m=30,p=8)");
            table_default(T);
        } else if (T == &bl_problem_ivreg || T == &bl_problem_oed || T == &bl_problem_irl) {
            /* set-ups of issue 17's problems: their defaults and the other
             * code paths (kernel stage 1, unrolled Bellman), small enough
             * for the 2000-step estimators */
            static const struct {
                const bl_problem_type *T;
                const char *args;
                double om[2];   /* NAN: the problem's ω₀ */
            } set[] = {
                {&bl_problem_ivreg, "", {0.5, -0.2}},
                {&bl_problem_ivreg, "model=kernel", {0.5, -0.2}},
                {&bl_problem_ivreg, "model=kernel kernel=linear n=40 q=60 lambda=1e-2", {1, 0}},
                {&bl_problem_oed, "N=20 nt=5 s=8 K=3 budget=1e-3 reg2=-3", {NAN, NAN}},
                {&bl_problem_irl, "", {NAN, NAN}},
                {&bl_problem_irl, "bellman=unrolled K=10", {-3, NAN}},
            };
            for (size_t j = 0; j < sizeof set / sizeof *set; j++) {
                if (set[j].T != T) continue;
                bl_err e = {0, ""};
                bl_problem *P = problem_with(T, set[j].args, &e);
                char lab[128];
                snprintf(lab, sizeof lab, "%s(%s)", T->name, *set[j].args ? set[j].args
                                                                          : "defaults");
                if (!P) {
                    tap_ok(0, "%s builds: %s", lab, e.msg);
                    continue;
                }
                gsl_vector *om = gsl_vector_alloc(P->d);
                bl_problem_omega0(P, om);
                for (size_t i = 0; i < P->d && i < 2; i++)
                    if (!isnan(set[j].om[i])) gsl_vector_set(om, i, set[j].om[i]);
                table_on(P, om, lab);
                gsl_vector_free(om);
                bl_problem_free(P);
            }
            if (T == &bl_problem_oed) table_default(T);   /* its rows above are smaller */
        } else if (T == &bl_problem_quadsum) {
            bl_err e = {0, ""};
            bl_problem *P = problem_with(T, "n_inner=60 n_outer=50 dim_inner=8 dim_outer=5", &e);
            if (tap_ok(P != NULL, "quadsum builds for the table: %s", e.msg)) {
                gsl_vector *om = gsl_vector_alloc(P->d);
                bl_problem_omega0(P, om);
                table_on(P, om, "quadsum(n=60/50,p=8,d=5)");
                gsl_vector_free(om);
                bl_problem_free(P);
            }
            table_default(T);
        } else if (T == &bl_problem_sor || T == &bl_problem_metaridge
                   || T == &bl_problem_matcomp) {
            table_issue17(T);
            if (T == &bl_problem_matcomp) table_default(T);
        } else if (T == &bl_problem_wlasso || T == &bl_problem_l1logreg
                   || T == &bl_problem_lasso) {
            table_sparse(T);
            table_default(T);
        } else if (T->flags & BL_PROB_DEFINED) {
            table_custom(ds);
        } else {
            table_default(T);
        }
    }
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20240611);
    tight = (bl_inner_conf){bl_inner_newton, 0, 1e-13, 5000, 0};

    bl_err e = {0, ""};
    bl_dataset *ds = make_ds(40, 30, 8);
    ridge_P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
    ridge_om = gsl_vector_alloc(1);
    gsl_vector_set(ridge_om, 0, log(0.3));
    if (!ridge_P) {
        tap_ok(0, "ridge on a synthetic data set allocates: %s", e.msg);
        return tap_done();
    }

    check_fixture();
    check_neumann_closed_form();
    check_cg();
    check_fp();
    {
        qfx q;
        if (qfx_init(&q, 10, 3, 30, 0.1, 53)) {
            check_unrolled_on(q.P, q.om, "quadratic");
            qfx_release(&q);
        }
    }
    check_unrolled_on(ridge_P, ridge_om, "ridge");
    check_reverse_convergence();
    check_penalty();
    check_penalty_on(ridge_P, ridge_om, "ridge");
    {
        qfx q;
        if (qfx_init(&q, 10, 3, 30, 0.2, 59)) {
            check_onestep_on(q.P, q.om, "quadratic");
            qfx_release(&q);
        }
    }
    check_onestep_on(ridge_P, ridge_om, "ridge");
    check_first_order_by_hand();
    check_counts();
    check_mem_max();
    check_warm();
    {
        qfx q;
        if (qfx_init(&q, 10, 3, 30, 0.1, 61)) {
            check_explain_on(q.P, q.om, "quadratic");
            qfx_release(&q);
        }
    }
    check_explain_on(ridge_P, ridge_om, "ridge");
    check_table(ds);

    bl_problem_free(ridge_P);
    gsl_vector_free(ridge_om);
    free_ds(ds);
    gsl_rng_free(rng);
    return tap_done();
}
