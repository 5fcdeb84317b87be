/* test_catalogue2.c: sor, matcomp and metaridge (issue 17) against their
 * definitions (doc/problems/NAME.md): each generator redone here from its
 * documented draws, the step maps against finite differences and against
 * formulas written here, the closed forms, and the hypergradients against
 * finite differences of F.  The products of every catalogue problem are in
 * test_catalogue.c's table; the estimator × problem table is in
 * test_estimators.c. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"

/* ---- helpers ---- */

static double dot(const gsl_vector *a, const gsl_vector *b)
{
    double r;
    gsl_blas_ddot(a, b, &r);
    return r;
}

static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

static gsl_vector *vec1(double x)
{
    gsl_vector *v = gsl_vector_alloc(1);
    gsl_vector_set(v, 0, x);
    return v;
}

/* Runs estimator SPEC at (θ, ω); G receives the estimate. */
static int est(bl_problem *P, const char *spec, cvec *om, cvec *th, const bl_inner_conf *ic,
               double eta, gsl_vector *g)
{
    bl_spec s;
    bl_err e = {0, ""};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = ic,
                   .eta = eta > 0 ? eta : bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g};
    int st = bl_spec_parse(spec, &s, &e);
    if (st == BL_OK) st = bl_hypergrad(&s, &c, &r, &e);
    if (st) {
        tap_diag("%s failed (%d): %s", spec, st, e.msg);
        gsl_vector_set_all(g, NAN);
    }
    return st;
}

/* Newlines of a report replaced by " / ", to keep a TAP line one line. */
static const char *one_line(char *buf)
{
    for (char *c = buf; *c; c++)
        if (*c == '\n') *c = '/';
    return buf;
}

/* The step hooks at (θ, ω) against fourth-order differences of the step:
 * jvp(v, u) = d/dt Φ(θ + tv, ω + tu), and the vjp is its transpose:
 * ⟨α, jvp(v, u)⟩ = ⟨vjp_θ(α), v⟩ + ⟨vjp_ω(α), u⟩. */
static void check_step_hooks(bl_problem *P, cvec *th, cvec *om, double eta, double h,
                             const char *label)
{
    size_t p = P->p, d = P->d;
    gsl_vector *v = gsl_vector_alloc(p), *u = gsl_vector_alloc(d), *a = gsl_vector_alloc(p);
    gsl_vector *t = gsl_vector_alloc(p), *o = gsl_vector_alloc(d), *ph = gsl_vector_alloc(p);
    gsl_vector *fd = gsl_vector_calloc(p), *jv = gsl_vector_alloc(p), *jt = gsl_vector_alloc(p);
    gsl_vector *gt = gsl_vector_alloc(p), *go = gsl_vector_alloc(d);
    randn(v, 1.0);
    randn(u, 1.0);
    randn(a, 1.0);
    const double s[4] = {h, -h, 2 * h, -2 * h}, c[4] = {8, -8, -1, 1};
    for (int k = 0; k < 4; k++) {
        gsl_vector_memcpy(t, th);
        gsl_blas_daxpy(s[k], v, t);
        gsl_vector_memcpy(o, om);
        gsl_blas_daxpy(s[k], u, o);
        P->type->step(P, t, o, eta, ph);
        gsl_blas_daxpy(c[k] / (12 * h), ph, fd);
    }
    P->type->step_jvp(P, th, om, eta, v, u, jv);
    tap_ok(relerr(jv, fd) <= 1e-6, "%s: step_jvp = differences of the step along (v, u) "
           "(rel %.3g)", label, relerr(jv, fd));
    P->type->step_jvp(P, th, om, eta, NULL, u, jt);      /* v = NULL is v = 0 */
    gsl_vector_set_zero(t);
    P->type->step_jvp(P, th, om, eta, t, u, ph);
    tap_ok(relerr(jt, ph) <= 1e-13, "%s: step_jvp with v = NULL is v = 0", label);
    P->type->step_vjp(P, th, om, eta, a, gt, go);
    double lhs = dot(a, jv), rhs = dot(gt, v) + dot(go, u);
    tap_ok(fabs(lhs - rhs) <= 1e-11 * fmax(1, fabs(lhs)), "%s: step_vjp is the transpose of "
           "step_jvp (⟨α, J(v, u)⟩ = %.15g, ⟨Jᵀα, (v, u)⟩ = %.15g)", label, lhs, rhs);
    P->type->step_vjp(P, th, om, eta, a, NULL, o);        /* gth = NULL: ω part only */
    tap_ok(relerr(o, go) <= 1e-14, "%s: step_vjp with gth = NULL gives the same ω part", label);
    gsl_vector_free(v);
    gsl_vector_free(u);
    gsl_vector_free(a);
    gsl_vector_free(t);
    gsl_vector_free(o);
    gsl_vector_free(ph);
    gsl_vector_free(fd);
    gsl_vector_free(jv);
    gsl_vector_free(jt);
    gsl_vector_free(gt);
    gsl_vector_free(go);
}

/* ======================================================================
 * sor
 * ====================================================================== */

static bl_problem *sor_alloc(size_t N, size_t dim, size_t K, int rhs, unsigned seed)
{
    double par[5] = {(double)N, (double)dim, (double)K, (double)rhs, (double)seed};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_sor, par, NULL, &e);
    if (!P) tap_ok(0, "sor N=%zu dim=%zu builds: %s", N, dim, e.msg);
    return P;
}

static double wrel(double om) { return 2.0 / (1.0 + exp(-om)); }

/* The matrix of the doc page, written here: A = h²(−Δ_h), 2·dim on the
 * diagonal, −1 for each grid neighbour, lexicographic order. */
static gsl_matrix *laplacian(size_t N, size_t dim)
{
    size_t p = dim == 2 ? N * N : N;
    const double c = 1.0;
    gsl_matrix *A = gsl_matrix_calloc(p, p);
    for (size_t i = 0; i < p; i++) {
        gsl_matrix_set(A, i, i, 2.0 * (double)dim * c);
        for (size_t j = 0; j < p; j++) {
            int nb;
            if (dim == 1) nb = i + 1 == j || j + 1 == i;
            else {
                size_t ri = i / N, ci = i % N, rj = j / N, cj = j % N;
                nb = (ri == rj && (ci + 1 == cj || cj + 1 == ci))
                     || (ci == cj && (ri + 1 == rj || rj + 1 == ri));
            }
            if (nb) gsl_matrix_set(A, i, j, -c);
        }
    }
    return A;
}

/* K SOR sweeps from x = 0 on the dense A (the textbook formula
 * x_i ← (1 − w)x_i + (w/a_ii)(b_i − Σ_{j≠i} a_ij x_j), in place), then
 * F_K = ½‖b − Ax‖²/‖b‖². */
static double sor_FK_dense(const gsl_matrix *A, const gsl_vector *b, double w, size_t K)
{
    size_t p = b->size;
    gsl_vector *x = gsl_vector_calloc(p), *r = gsl_vector_alloc(p);
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < p; i++) {
            double s = gsl_vector_get(b, i);
            for (size_t j = 0; j < p; j++)
                if (j != i) s -= gsl_matrix_get(A, i, j) * gsl_vector_get(x, j);
            gsl_vector_set(x, i, (1 - w) * gsl_vector_get(x, i) + w * s / gsl_matrix_get(A, i, i));
        }
    gsl_vector_memcpy(r, b);
    gsl_blas_dgemv(CblasNoTrans, -1.0, A, x, 1.0, r);
    double F = 0.5 * dot(r, r) / dot(b, b);
    gsl_vector_free(x);
    gsl_vector_free(r);
    return F;
}

/* F_K(ω) through the problem's own step map (K steps from 0, then L) */
static double sor_FK(bl_problem *P, double om, size_t K)
{
    gsl_vector *o = vec1(om), *t = gsl_vector_calloc(P->p), *u = gsl_vector_alloc(P->p);
    for (size_t k = 0; k < K; k++) {
        P->type->step(P, t, o, 0, u);
        gsl_vector_memcpy(t, u);
    }
    double F = P->type->L(P, t, o);
    gsl_vector_free(o);
    gsl_vector_free(t);
    gsl_vector_free(u);
    return F;
}

/* b = −∇θG(0) */
static gsl_vector *sor_rhs(bl_problem *P)
{
    gsl_vector *z = gsl_vector_calloc(P->p), *o = vec1(0), *b = gsl_vector_alloc(P->p);
    P->type->G_theta(P, z, o, b);
    gsl_vector_scale(b, -1.0);
    gsl_vector_free(z);
    gsl_vector_free(o);
    return b;
}

static void check_sor_system(size_t N, size_t dim, int rhs)
{
    char lab[64];
    snprintf(lab, sizeof lab, "sor N=%zu dim=%zu rhs=%s", N, dim, rhs ? "random" : "ones");
    bl_problem *P = sor_alloc(N, dim, 10, rhs, 3);
    if (!P) return;
    size_t p = P->p;
    gsl_matrix *A = laplacian(N, dim), *H = gsl_matrix_alloc(p, p);
    gsl_vector *b = sor_rhs(P), *ts = gsl_vector_alloc(p), *r = gsl_vector_alloc(p);
    gsl_vector *om = vec1(0.7), *ev = gsl_vector_alloc(p);
    /* the rhs: h²·(ones, or the first p draws of mt19937(seed)) */
    int rhs_ok = 1;
    double h = 1.0 / (double)(N + 1);
    gsl_rng *g = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(g, 3);
    for (size_t i = 0; i < p; i++)
        rhs_ok &= gsl_vector_get(b, i) == h * h * (rhs ? gsl_ran_gaussian(g, 1.0) : 1.0);
    gsl_rng_free(g);
    tap_ok(rhs_ok, "%s: b = h²f at the grid points, as documented", lab);
    bl_problem_hessian(P, ts, om, H);
    gsl_matrix_sub(H, A);
    tap_ok(gsl_matrix_max(H) == 0 && gsl_matrix_min(H) == 0,
           "%s: H is the documented A = h²(−Δ_h) (2·dim, −1 per neighbour)", lab);
    sym_eigs(A, ev);
    double L = P->type->lipschitz(P, ts, om), lmax = gsl_vector_get(ev, p - 1);
    tap_ok(fabs(L - lmax) <= 1e-10 * lmax, "%s: lipschitz = λmax(A) = %.12g (%.12g)", lab, L, lmax);
    int st = P->type->theta_star(P, om, ts);
    gsl_vector_memcpy(r, b);
    gsl_blas_dgemv(CblasNoTrans, 1.0, A, ts, -1.0, r);
    tap_ok(st == BL_OK && gsl_blas_dnrm2(r) <= 1e-11 * gsl_blas_dnrm2(b),
           "%s: θ* solves Aθ = b (‖Aθ* − b‖/‖b‖ = %.3g)", lab, gsl_blas_dnrm2(r) / gsl_blas_dnrm2(b));
    tap_ok(P->type->L(P, ts, om) <= 1e-24, "%s: F = L(θ*) = %.3g (zero to round-off)", lab,
           P->type->L(P, ts, om));
    /* one sweep of the step map is the textbook SOR sweep */
    {
        gsl_vector *t = gsl_vector_alloc(p), *s1 = gsl_vector_alloc(p);
        randn(t, 1.0);
        P->type->step(P, t, om, 123.0, s1);                  /* η is ignored */
        double w = wrel(0.7);
        for (size_t i = 0; i < p; i++) {
            double s = gsl_vector_get(b, i);
            for (size_t j = 0; j < p; j++)
                if (j != i) s -= gsl_matrix_get(A, i, j) * gsl_vector_get(t, j);
            gsl_vector_set(t, i, (1 - w) * gsl_vector_get(t, i) + w * s / gsl_matrix_get(A, i, i));
        }
        tap_ok(relerr(s1, t) <= 1e-13, "%s: step = one SOR sweep with w = 2/(1 + e^{−ω}) "
               "(rel %.3g)", lab, relerr(s1, t));
        randn(t, 1.0);
        check_step_hooks(P, t, om, 0.0, 1e-4, lab);
        gsl_vector_free(t);
        gsl_vector_free(s1);
    }
    gsl_matrix_free(A);
    gsl_matrix_free(H);
    gsl_vector_free(b);
    gsl_vector_free(ts);
    gsl_vector_free(r);
    gsl_vector_free(om);
    gsl_vector_free(ev);
    bl_problem_free(P);
}

/* reverse:t=K and forward:t=K are dF_K/dω: against fourth-order
 * differences of F_K computed from the dense textbook sweeps above. */
static void check_sor_unrolled(size_t N, size_t dim, int rhs, size_t K, double om0)
{
    char lab[96];
    snprintf(lab, sizeof lab, "sor N=%zu dim=%zu rhs=%s K=%zu ω=%g", N, dim,
             rhs ? "random" : "ones", K, om0);
    bl_problem *P = sor_alloc(N, dim, K, rhs, 5);
    if (!P) return;
    gsl_matrix *A = laplacian(N, dim);
    gsl_vector *b = sor_rhs(P), *om = vec1(om0), *th = gsl_vector_alloc(P->p);
    gsl_vector *g = gsl_vector_alloc(1);
    const double h = 1e-4;
    double f[4], s[4] = {h, -h, 2 * h, -2 * h};
    for (int k = 0; k < 4; k++) f[k] = sor_FK_dense(A, b, wrel(om0 + s[k]), K);
    double fd = (8 * (f[0] - f[1]) - (f[2] - f[3])) / (12 * h);
    P->type->theta_star(P, om, th);                     /* θ is irrelevant from=zero */
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    char spec[64];
    const char *kinds[3] = {"reverse:t=%zu", "forward:t=%zu", "truncated:t=%zu,k=%zu"};
    for (int k = 0; k < 3; k++) {
        snprintf(spec, sizeof spec, kinds[k], K, K);
        int st = est(P, spec, om, th, &ic, 0, g);
        double e = fabs(gsl_vector_get(g, 0) - fd) / fabs(fd);
        tap_ok(st == BL_OK && e <= 1e-7, "%s: %s = %.12g, differences of F_K %.12g (rel %.2g)",
               lab, spec, gsl_vector_get(g, 0), fd, e);
    }
    /* the problem's report gives F_K and dF_K/dω from its own recursion */
    char buf[2048], want[64];
    P->type->report(P, th, om, buf, sizeof buf);
    snprintf(want, sizeof want, "F_K = ½‖b − Au_K‖²/‖b‖² = %.6g", sor_FK_dense(A, b, wrel(om0), K));
    tap_ok(has(buf, want), "%s: show reports %s", lab, want);
    /* implicit differentiation sees nothing: exact, cg and fd give 0 at θ* */
    const char *zero[3] = {"exact", "cg", "fd"};
    for (int k = 0; k < 3; k++) {
        int st = est(P, zero[k], om, th, &ic, 0, g);
        tap_ok(st == BL_OK && fabs(gsl_vector_get(g, 0)) <= 1e-12,
               "%s: %s = %.3g: θ* does not depend on ω, ∇F = 0", lab, zero[k], gsl_vector_get(g, 0));
    }
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* The minimiser of F_K by a grid on w ∈ (1, 2) (through the step map),
 * then bisection on dF_K/dω from reverse:t=K in the bracket around the
 * grid's best point.  Returns w_K (NaN on failure). */
static double sor_argmin(bl_problem *P, size_t K)
{
    const int n = 1000;
    double best = INFINITY, wb = NAN;
    int ib = -1;
    for (int i = 1; i < n; i++) {
        double w = 1.0 + (double)i / n, f = sor_FK(P, log(w / (2 - w)), K);
        if (f < best) {
            best = f;
            wb = w;
            ib = i;
        }
    }
    if (ib <= 1 || ib >= n - 1) return NAN;
    double wlo = wb - 1.0 / n, whi = wb + 1.0 / n;
    double lo = log(wlo / (2 - wlo)), hi = log(whi / (2 - whi));
    gsl_vector *om = vec1(lo), *th = gsl_vector_calloc(P->p), *g = gsl_vector_alloc(1);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    char spec[32];
    snprintf(spec, sizeof spec, "reverse:t=%zu", K);
    est(P, spec, om, th, &ic, 0, g);
    double glo = gsl_vector_get(g, 0);
    gsl_vector_set(om, 0, hi);
    est(P, spec, om, th, &ic, 0, g);
    double ghi = gsl_vector_get(g, 0), res = NAN;
    if (glo < 0 && ghi > 0) {
        for (int k = 0; k < 60; k++) {
            double mid = 0.5 * (lo + hi);
            gsl_vector_set(om, 0, mid);
            est(P, spec, om, th, &ic, 0, g);
            if (gsl_vector_get(g, 0) < 0) lo = mid;
            else hi = mid;
        }
        res = wrel(0.5 * (lo + hi));
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    return res;
}

static void check_sor_optimum(size_t N, size_t dim, const size_t *Ks, int nk, double last_tol)
{
    bl_problem *P = sor_alloc(N, dim, Ks[0], 0, 0);
    if (!P) return;
    double h = 1.0 / (double)(N + 1), ws = 2.0 / (1.0 + sin(M_PI * h)), prev = INFINITY;
    int mono = 1;
    char line[512];
    size_t k = (size_t)snprintf(line, sizeof line, "sor N=%zu dim=%zu: w* = 2/(1 + sin πh) = "
                                "%.6f; argmin of F_K:", N, dim, ws);
    double e = NAN;
    for (int i = 0; i < nk; i++) {
        double wk = sor_argmin(P, Ks[i]);
        e = fabs(wk - ws);
        mono &= isfinite(wk) && e < prev;
        prev = e;
        k += (size_t)snprintf(line + k, sizeof line - k, " K=%zu: %.6f (%+.4f)", Ks[i], wk, wk - ws);
    }
    tap_ok(mono && e <= last_tol, "%s; |w_K − w*| shrinks with K, %.2g ≤ %g at K=%zu", line, e,
           last_tol, Ks[nk - 1]);
    bl_problem_free(P);
}

/* ρ(w) of show (Young's formula) against the eigenvalues of the SOR
 * iteration matrix (D + wL)⁻¹((1 − w)D − wU), formed densely here. */
static void check_sor_radius(void)
{
    size_t N = 8;
    bl_problem *P = sor_alloc(N, 1, 5, 0, 0);
    if (!P) return;
    gsl_matrix *A = laplacian(N, 1), *Mw = gsl_matrix_alloc(N, N), *Lo = gsl_matrix_alloc(N, N);
    gsl_vector_complex *ev = gsl_vector_complex_alloc(N);
    gsl_eigen_nonsymm_workspace *ws = gsl_eigen_nonsymm_alloc(N);
    gsl_vector *th = gsl_vector_calloc(N);
    double h = 1.0 / (N + 1), wopt = 2 / (1 + sin(M_PI * h));
    const double wl[5] = {0.8, 1.0, 1.3, 1.6, 1.9};
    int ok = 1;
    for (int k = 0; k < 5; k++) {
        double w = wl[k];
        /* Lo = D + wL (lower), Mw = (1 − w)D − wU */
        gsl_matrix_set_zero(Lo);
        gsl_matrix_set_zero(Mw);
        for (size_t i = 0; i < N; i++)
            for (size_t j = 0; j < N; j++) {
                double a = gsl_matrix_get(A, i, j);
                if (i == j) {
                    gsl_matrix_set(Lo, i, i, a);
                    gsl_matrix_set(Mw, i, i, (1 - w) * a);
                } else if (j < i) {
                    gsl_matrix_set(Lo, i, j, w * a);
                } else {
                    gsl_matrix_set(Mw, i, j, -w * a);
                }
            }
        gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, Lo, Mw);
        gsl_eigen_nonsymm(Mw, ev, ws);
        double rho = 0;
        for (size_t i = 0; i < N; i++) rho = fmax(rho, gsl_complex_abs(gsl_vector_complex_get(ev, i)));
        gsl_vector *om = vec1(log(w / (2 - w)));
        char buf[2048];
        P->type->report(P, th, om, buf, sizeof buf);
        const char *at = strstr(buf, "ρ(w) = ");
        double rep = at ? atof(at + strlen("ρ(w) = ")) : NAN;
        /* the eigenvalue at w* is defective: its numerical value is only
         * good to about √ε */
        double tol = fabs(w - wopt) < 0.05 ? 1e-5 : 1e-6;
        if (!(fabs(rep - rho) <= tol)) {
            ok = 0;
            tap_diag("w = %g: report ρ = %.9g, eigenvalues give %.9g", w, rep, rho);
        }
        gsl_vector_free(om);
    }
    tap_ok(ok, "sor N=8: show's ρ(w) (Young) = max |eigenvalue| of the SOR iteration matrix "
           "at w = 0.8, 1, 1.3, 1.6, 1.9");
    gsl_matrix_free(A);
    gsl_matrix_free(Mw);
    gsl_matrix_free(Lo);
    gsl_vector_complex_free(ev);
    gsl_eigen_nonsymm_free(ws);
    gsl_vector_free(th);
    bl_problem_free(P);
}

static void check_sor(void)
{
    check_sor_system(12, 1, 0);
    check_sor_system(12, 1, 1);
    check_sor_system(5, 2, 1);
    check_sor_unrolled(30, 1, 0, 40, 0.0);
    check_sor_unrolled(30, 1, 1, 40, 1.7);
    check_sor_unrolled(6, 2, 0, 15, 1.0);
    const size_t k30[3] = {20, 40, 80}, k50[3] = {50, 100, 200}, k15[3] = {20, 40, 80};
    check_sor_optimum(30, 1, k30, 3, 0.005);
    check_sor_optimum(50, 1, k50, 3, 0.002);
    check_sor_optimum(15, 2, k15, 3, 0.003);
    check_sor_radius();
    /* a 2-D problem too large is refused */
    double par[5] = {2000, 2, 10, 0, 0};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_sor, par, NULL, &e);
    tap_ok(!P && has(e.msg, "N=1000"), "sor N=2000 dim=2 refused: \"%s\"", e.msg);
    bl_problem_free(P);
}

/* ======================================================================
 * matcomp
 * ====================================================================== */

typedef struct {
    size_t m, n;
    gsl_matrix *M, *Y, *Yv, *obs, *val;   /* m×n, the user's orientation */
    size_t nobs, nval;
} mc_data;

/* The documented generator, redone. */
static void mc_generate(mc_data *D, size_t m, size_t n, size_t k, double frac, double noise,
                        unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *U = gsl_matrix_alloc(m, k), *V = gsl_matrix_alloc(n, k);
    D->m = m;
    D->n = n;
    D->M = gsl_matrix_alloc(m, n);
    D->Y = gsl_matrix_alloc(m, n);
    D->Yv = gsl_matrix_alloc(m, n);
    D->obs = gsl_matrix_alloc(m, n);
    D->val = gsl_matrix_alloc(m, n);
    gsl_rng_set(r, seed);
    for (size_t i = 0; i < m; i++)
        for (size_t a = 0; a < k; a++) gsl_matrix_set(U, i, a, gsl_ran_gaussian(r, 1.0));
    for (size_t j = 0; j < n; j++)
        for (size_t a = 0; a < k; a++) gsl_matrix_set(V, j, a, gsl_ran_gaussian(r, 1.0));
    D->nobs = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double t = 0;
            for (size_t a = 0; a < k; a++) t += gsl_matrix_get(U, i, a) * gsl_matrix_get(V, j, a);
            t /= sqrt((double)k);
            int o = gsl_rng_uniform(r) < frac;
            gsl_matrix_set(D->M, i, j, t);
            gsl_matrix_set(D->Y, i, j, t + noise * gsl_ran_gaussian(r, 1.0));
            gsl_matrix_set(D->Yv, i, j, t + noise * gsl_ran_gaussian(r, 1.0));
            gsl_matrix_set(D->obs, i, j, o);
            D->nobs += (size_t)o;
        }
    D->nval = D->nobs == m * n ? m * n : m * n - D->nobs;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            gsl_matrix_set(D->val, i, j, D->nobs == m * n || gsl_matrix_get(D->obs, i, j) == 0);
    gsl_rng_free(r);
    gsl_matrix_free(U);
    gsl_matrix_free(V);
}

static void mc_data_free(mc_data *D)
{
    gsl_matrix_free(D->M);
    gsl_matrix_free(D->Y);
    gsl_matrix_free(D->Yv);
    gsl_matrix_free(D->obs);
    gsl_matrix_free(D->val);
}

static bl_problem *mc_alloc(size_t m, size_t n, size_t k, double frac, double noise,
                            unsigned long seed)
{
    double par[6] = {(double)m, (double)n, (double)k, frac, noise, (double)seed};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_matcomp, par, NULL, &e);
    if (!P) tap_ok(0, "matcomp %zu×%zu builds: %s", m, n, e.msg);
    return P;
}

/* θ (row by row) as an m×n matrix */
static gsl_matrix *as_mat(cvec *th, size_t m, size_t n)
{
    gsl_matrix *A = gsl_matrix_alloc(m, n);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) gsl_matrix_set(A, i, j, gsl_vector_get(th, i * n + j));
    return A;
}

/* The singular values of A from the eigenvalues of AᵀA (not the SVD),
 * decreasing, into S (min(m, n)); with Vv non-NULL also the right
 * singular vectors (columns, n×n, m ≥ n). */
static void sing_values(const gsl_matrix *A, gsl_vector *S, gsl_matrix *Vv)
{
    int tall = A->size1 >= A->size2;
    size_t k = tall ? A->size2 : A->size1;
    gsl_matrix *G = gsl_matrix_alloc(k, k), *E = gsl_matrix_alloc(k, k);
    gsl_vector *ev = gsl_vector_alloc(k);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(k);
    if (tall) gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, A, A, 0.0, G);
    else gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, A, A, 0.0, G);
    gsl_eigen_symmv(G, ev, E, ws);
    gsl_eigen_symmv_sort(ev, E, GSL_EIGEN_SORT_VAL_DESC);
    for (size_t i = 0; i < k; i++) gsl_vector_set(S, i, sqrt(fmax(gsl_vector_get(ev, i), 0)));
    if (Vv) gsl_matrix_memcpy(Vv, E);
    gsl_matrix_free(G);
    gsl_matrix_free(E);
    gsl_vector_free(ev);
    gsl_eigen_symmv_free(ws);
}

/* SVT_τ(Z) = Z V diag((1 − τ/σ)₊) Vᵀ from the eigenvectors of ZᵀZ (m ≥ n) */
static gsl_matrix *svt_eig(const gsl_matrix *Z, double tau)
{
    size_t m = Z->size1, n = Z->size2;
    gsl_matrix *V = gsl_matrix_alloc(n, n), *W = gsl_matrix_alloc(n, n);
    gsl_matrix *O = gsl_matrix_alloc(m, n);
    gsl_vector *S = gsl_vector_alloc(n);
    sing_values(Z, S, V);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = gsl_vector_get(S, j), c = s > tau ? 1 - tau / s : 0;
            gsl_matrix_set(W, i, j, gsl_matrix_get(V, i, j) * c);
        }
    gsl_matrix *VW = gsl_matrix_alloc(n, n);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, W, V, 0.0, VW);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, Z, VW, 0.0, O);
    gsl_matrix_free(V);
    gsl_matrix_free(W);
    gsl_matrix_free(VW);
    gsl_vector_free(S);
    return O;
}

static double mat_rel(const gsl_matrix *A, const gsl_matrix *B)
{
    double n = 0, d = 0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++) {
            double t = gsl_matrix_get(A, i, j) - gsl_matrix_get(B, i, j);
            n += t * t;
            d += gsl_matrix_get(B, i, j) * gsl_matrix_get(B, i, j);
        }
    return sqrt(n / (d > 0 ? d : 1));
}

/* G, L and the ISTA step against the formulas, in both orientations. */
static void check_mc_formulas(size_t m, size_t n, size_t k, double frac)
{
    char lab[64];
    snprintf(lab, sizeof lab, "matcomp %zu×%zu rank=%zu frac=%g", m, n, k, frac);
    bl_problem *P = mc_alloc(m, n, k, frac, 0.2, 4);
    if (!P) return;
    mc_data D;
    mc_generate(&D, m, n, k, frac, 0.2, 4);
    gsl_vector *th = gsl_vector_alloc(m * n), *om = vec1(0.3), *out = gsl_vector_alloc(m * n);
    randn(th, 1.0);
    gsl_matrix *T = as_mat(th, m, n);
    gsl_vector *S = gsl_vector_alloc(m < n ? m : n);
    sing_values(T, S, NULL);
    double f = 0, l = 0, nuc = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double t = gsl_matrix_get(T, i, j);
            f += gsl_matrix_get(D.obs, i, j) * pow(t - gsl_matrix_get(D.Y, i, j), 2);
            l += gsl_matrix_get(D.val, i, j) * pow(t - gsl_matrix_get(D.Yv, i, j), 2);
        }
    for (size_t i = 0; i < S->size; i++) nuc += gsl_vector_get(S, i);
    double G = 0.5 * f + exp(0.3) * nuc, L = 0.5 * l / (double)D.nval;
    tap_close(bl_problem_G(P, th, om), G, 1e-12, "matcomp: G = ½‖P_Ω(Θ − Y)‖² + e^ω‖Θ‖_* "
              "(data redone from the documented draws, ‖Θ‖_* from eig(ΘᵀΘ))");
    tap_close(bl_problem_L(P, th, om), L, 1e-12, "matcomp: L = (1/2|Ω_v|)‖P_{Ω_v}(Θ − Y_v)‖²");
    /* the ISTA step Φ = SVT_{ηλ}(Θ − ηP_Ω(Θ − Y)) */
    double eta = 0.7, tau = eta * exp(0.3);
    int tall = m >= n;
    gsl_matrix *Z = gsl_matrix_alloc(tall ? m : n, tall ? n : m);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double t = gsl_matrix_get(T, i, j);
            double z = t - eta * gsl_matrix_get(D.obs, i, j) * (t - gsl_matrix_get(D.Y, i, j));
            if (tall) gsl_matrix_set(Z, i, j, z);
            else gsl_matrix_set(Z, j, i, z);
        }
    gsl_matrix *O = svt_eig(Z, tau);
    P->type->step(P, th, om, eta, out);
    gsl_matrix *Ph = as_mat(out, m, n), *Ot = tall ? O : gsl_matrix_alloc(m, n);
    if (!tall) gsl_matrix_transpose_memcpy(Ot, O);
    tap_ok(mat_rel(Ph, Ot) <= 1e-10, "%s: step = SVT_{ηλ}(Θ − ηP_Ω(Θ − Y)) (SVT from eig(ZᵀZ) "
           "here; rel %.3g)", lab, mat_rel(Ph, Ot));
    /* step hooks at a random point and at a thresholded one (some σ_i(Z) < ηλ) */
    check_step_hooks(P, th, om, eta, 1e-5, lab);
    gsl_vector *low = gsl_vector_alloc(m * n), *om2 = vec1(log(0.5 * gsl_vector_get(S, 0)));
    P->type->step(P, th, om2, 1.0, low);
    gsl_matrix *Lm = as_mat(low, m, n);
    gsl_vector *S2 = gsl_vector_alloc(S->size);
    sing_values(Lm, S2, NULL);
    size_t r = 0;
    for (size_t i = 0; i < S2->size; i++) r += gsl_vector_get(S2, i) > 1e-8;
    char lab2[96];
    snprintf(lab2, sizeof lab2, "%s at a rank-%zu point", lab, r);
    check_step_hooks(P, low, om2, 1.0, 1e-5, lab2);
    gsl_matrix_free(Lm);
    gsl_vector_free(S2);
    gsl_vector_free(low);
    gsl_vector_free(om2);
    gsl_matrix_free(T);
    gsl_matrix_free(Z);
    gsl_matrix_free(O);
    gsl_matrix_free(Ph);
    if (!tall) gsl_matrix_free(Ot);
    gsl_vector_free(S);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(out);
    mc_data_free(&D);
    bl_problem_free(P);
}

/* θ* of fista to a tight tolerance from 0 */
static int mc_solve(bl_problem *P, cvec *om, gsl_vector *th, double tol)
{
    bl_inner_conf ic = {bl_inner_fista, 0, tol, 50000, 0};
    bl_err e = {0, ""};
    gsl_vector_set_zero(th);
    int st = bl_inner_solve_at(P, &ic, om, th, NULL, NULL, &e);
    if (st == BL_ESTALL) st = BL_OK;
    if (st) tap_diag("fista: %s", e.msg);
    return st;
}

/* The kink estimates of matcomp's report at (θ, ω): 1 when present. */
static int kinks_of(bl_problem *P, cvec *th, cvec *om, double *drop, double *grow)
{
    char buf[2048];
    P->type->report(P, th, om, buf, sizeof buf);
    const char *a = strstr(buf, "the rank drops to "), *b = a ? strstr(a, "near ω = ") : NULL;
    const char *c = b ? strstr(b, "grows to ") : NULL, *d = c ? strstr(c, "near ω = ") : NULL;
    if (!d) {
        tap_diag("no kink estimates in \"%s\"", one_line(buf));
        return 0;
    }
    *drop = atof(b + strlen("near ω = "));
    *grow = atof(d + strlen("near ω = "));
    return 1;
}

/* rank of Θ from the report */
static int rank_of(bl_problem *P, cvec *th, cvec *om)
{
    char buf[2048];
    P->type->report(P, th, om, buf, sizeof buf);
    const char *a = strstr(buf, "rank of Θ: ");
    return a ? atoi(a + strlen("rank of Θ: ")) : -1;
}

/* Fully observed: θ* = SVT_λ(Y), ∇F in closed form, kinks at log σ_i(Y). */
static void check_mc_closed(void)
{
    size_t m = 12, n = 8;
    bl_problem *P = mc_alloc(m, n, 2, 1.0, 0.3, 1);
    if (!P) return;
    mc_data D;
    mc_generate(&D, m, n, 2, 1.0, 0.3, 1);
    gsl_vector *sy = gsl_vector_alloc(n);
    sing_values(D.Y, sy, NULL);
    /* an ω between σ₂(Y) and σ₃(Y): rank 2 */
    double w = log(sqrt(gsl_vector_get(sy, 1) * gsl_vector_get(sy, 2)));
    gsl_vector *om = vec1(w), *ts = gsl_vector_alloc(m * n), *th = gsl_vector_alloc(m * n);
    gsl_vector *g = gsl_vector_alloc(1), *gc = gsl_vector_alloc(1);
    int st = P->type->theta_star(P, om, ts);
    gsl_matrix *O = svt_eig(D.Y, exp(w)), *Ts = as_mat(ts, m, n);
    tap_ok(st == BL_OK && mat_rel(Ts, O) <= 1e-10, "matcomp frac=1: θ* = SVT_λ(Y) (rel %.3g)",
           mat_rel(Ts, O));
    st = mc_solve(P, om, th, 1e-12);
    tap_ok(st == BL_OK && relerr(th, ts) <= 1e-9, "matcomp frac=1: fista reaches θ* (rel %.3g)",
           relerr(th, ts));
    P->type->hypergrad(P, om, gc);
    double h = 1e-5, fp = F_closed1(P, w + h), fm = F_closed1(P, w - h), fd = (fp - fm) / (2 * h);
    tap_ok(fabs(gsl_vector_get(gc, 0) - fd) <= 1e-6 * fabs(fd), "matcomp frac=1: closed-form "
           "∇F = %.12g, differences of F %.12g", gsl_vector_get(gc, 0), fd);
    bl_inner_conf ic = {bl_inner_fista, 0, 1e-12, 50000, 0};
    /* neumann converges at η = 1/λmax(H), not at the prox step 1: H's
     * polar-factor term λ/s_r exceeds ∇²f's bound */
    gsl_matrix *H = gsl_matrix_alloc(m * n, m * n);
    gsl_vector *ev = gsl_vector_alloc(m * n);
    bl_problem_hessian(P, ts, om, H);
    sym_eigs(H, ev);
    double lmax = gsl_vector_get(ev, m * n - 1);
    tap_ok(lmax > 1, "matcomp frac=1: λmax(H) = %.4g exceeds the prox step's bound 1", lmax);
    gsl_matrix_free(H);
    gsl_vector_free(ev);
    const char *specs[5] = {"exact", "cg", "reverse:t=300", "forward:t=300", "neumann:k=300"};
    for (int k = 0; k < 5; k++) {
        st = est(P, specs[k], om, ts, &ic, k == 4 ? 1 / lmax : 0, g);
        double e = fabs(gsl_vector_get(g, 0) - gsl_vector_get(gc, 0)) / fabs(gsl_vector_get(gc, 0));
        tap_ok(st == BL_OK && e <= 1e-8, "matcomp frac=1: %s%s at θ* = closed form (rel %.2g)",
               specs[k], k == 4 ? " (η = 1/λmax(H))" : "", e);
    }
    /* the kinks: F's one-sided derivatives differ across ω = log σ₂(Y) */
    double wk = log(gsl_vector_get(sy, 1));
    gsl_vector *o1 = vec1(wk - 1e-7), *o2 = vec1(wk + 1e-7), *g1 = gsl_vector_alloc(1);
    P->type->hypergrad(P, o1, g);
    P->type->hypergrad(P, o2, g1);
    tap_ok(fabs(gsl_vector_get(g, 0) - gsl_vector_get(g1, 0)) > 1e-3 * fabs(gsl_vector_get(g, 0)),
           "matcomp frac=1: ∇F jumps across the kink ω = log σ₂(Y) = %.6g (%.6g below, %.6g "
           "above)", wk, gsl_vector_get(g, 0), gsl_vector_get(g1, 0));
    char buf[2048], want[2][80];
    P->type->report(P, ts, om, buf, sizeof buf);
    snprintf(want[0], sizeof want[0], "nearest above ω at %.6g (rank 2 → 1)",
             log(gsl_vector_get(sy, 1)));
    snprintf(want[1], sizeof want[1], "nearest below ω at %.6g (rank 2 → 3)",
             log(gsl_vector_get(sy, 2)));
    tap_ok(has(buf, "rank of Θ: 2") && has(buf, want[0]) && has(buf, want[1]),
           "matcomp frac=1 report: \"%s\"", one_line(buf));
    /* the first-order kink estimates, near the kink at log σ₂(Y) and
     * near the one at log σ₃(Y): the exact ones to O(Δω²) */
    for (int k = 0; k < 2; k++) {
        double wk2 = log(gsl_vector_get(sy, 1)), wk3 = log(gsl_vector_get(sy, 2));
        double at = k ? wk3 + 0.02 : wk2 - 0.02, dr = NAN, gr = NAN;
        gsl_vector_set(o1, 0, at);
        P->type->theta_star(P, o1, th);
        int ok = kinks_of(P, th, o1, &dr, &gr);
        double near = k ? fabs(gr - wk3) : fabs(dr - wk2);
        tap_ok(ok && near <= 1e-3, "matcomp frac=1 at ω = %.5g: the report's first-order "
               "kinks %.5g (rank 2 → 1) and %.5g (2 → 3); exact log σ₂(Y) = %.5g and "
               "log σ₃(Y) = %.5g: the one 0.02 away to %.2g", at, dr, gr, wk2, wk3, near);
    }
    gsl_vector_free(o1);
    gsl_vector_free(o2);
    gsl_vector_free(g1);
    gsl_matrix_free(O);
    gsl_matrix_free(Ts);
    gsl_vector_free(sy);
    gsl_vector_free(om);
    gsl_vector_free(ts);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gc);
    mc_data_free(&D);
    bl_problem_free(P);
}

/* Partly observed: implicit differentiation on the rank manifold against
 * differences of θ*(ω) and of F(ω) from tight fista solves. */
static void check_mc_implicit(size_t m, size_t n, double dw)
{
    bl_problem *P = mc_alloc(m, n, 3, 0.5, 0.1, 0);
    if (!P) return;
    size_t p = P->p;
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(p), *tp = gsl_vector_alloc(p);
    gsl_vector *tm = gsl_vector_alloc(p), *dth = gsl_vector_alloc(p), *ct = gsl_vector_alloc(p);
    gsl_vector *g = gsl_vector_alloc(1), *gx = gsl_vector_alloc(1);
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    bl_problem_omega0(P, om);
    double w = gsl_vector_get(om, 0) + dw, h = 1e-4;
    char lab[96], buf[2048];
    gsl_vector_set(om, 0, w + h);
    int st = mc_solve(P, om, tp, 1e-13);
    P->type->report(P, tp, om, buf, sizeof buf);
    int rp = atoi(strstr(buf, "rank of Θ: ") + strlen("rank of Θ: "));
    gsl_vector_set(om, 0, w - h);
    st |= mc_solve(P, om, tm, 1e-13);
    P->type->report(P, tm, om, buf, sizeof buf);
    int rm = atoi(strstr(buf, "rank of Θ: ") + strlen("rank of Θ: "));
    gsl_vector_set(om, 0, w);
    st |= mc_solve(P, om, th, 1e-13);
    P->type->report(P, th, om, buf, sizeof buf);
    int r = atoi(strstr(buf, "rank of Θ: ") + strlen("rank of Θ: "));
    snprintf(lab, sizeof lab, "matcomp %zu×%zu frac=0.5 ω = ω₀%+g (rank %d)", m, n, dw, r);
    tap_ok(st == BL_OK && r == rp && r == rm, "%s: fista solves at ω and ω ± h, same rank "
           "(%d, %d, %d)", lab, rm, r, rp);
    /* dθ*(ω)/dω = −H⁻¹Cᵀ (dense H on the manifold) against differences of θ* */
    gsl_vector_memcpy(dth, tp);
    gsl_vector_sub(dth, tm);
    gsl_vector_scale(dth, 1 / (2 * h));
    bl_problem_hessian(P, th, om, H);
    gsl_vector *one = vec1(1.0);
    bl_problem_ctvp(P, th, om, one, ct);
    gsl_linalg_cholesky_decomp1(H);
    gsl_linalg_cholesky_svx(H, ct);
    gsl_vector_scale(ct, -1.0);
    tap_ok(relerr(ct, dth) <= 1e-5, "%s: −H⁻¹Cᵀ on the rank manifold = differences of θ*(ω) "
           "(rel %.3g)", lab, relerr(ct, dth));
    /* the estimators against fd of F */
    bl_inner_conf ic = {bl_inner_fista, 0, 1e-13, 50000, 0};
    est(P, "fd:h=1e-4", om, th, &ic, 0, gx);
    const char *specs[4] = {"exact", "cg", "reverse:t=2000,from=current,eta=1",
                            "forward:t=2000,from=current,eta=1"};
    for (int k = 0; k < 4; k++) {
        st = est(P, specs[k], om, th, &ic, 0, g);
        double e = fabs(gsl_vector_get(g, 0) - gsl_vector_get(gx, 0)) / fabs(gsl_vector_get(gx, 0));
        tap_ok(st == BL_OK && e <= 1e-6, "%s: %s = %.10g, fd %.10g (rel %.2g)", lab, specs[k],
               gsl_vector_get(g, 0), gsl_vector_get(gx, 0), e);
    }
    /* H is positive definite at θ* (strict complementarity, ‖W‖₂ < 1) */
    bl_problem_hessian(P, th, om, H);
    gsl_vector *ev = gsl_vector_alloc(p);
    sym_eigs(H, ev);
    tap_ok(gsl_vector_get(ev, 0) > 0, "%s: H at θ* is positive definite, spectrum [%.4g, %.4g]",
           lab, gsl_vector_get(ev, 0), gsl_vector_get(ev, p - 1));
    gsl_vector_free(ev);
    gsl_vector_free(one);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(tp);
    gsl_vector_free(tm);
    gsl_vector_free(dth);
    gsl_vector_free(ct);
    gsl_vector_free(g);
    gsl_vector_free(gx);
    gsl_matrix_free(H);
    bl_problem_free(P);
}

/* Partly observed, the default problem: the report's kink estimates from
 * dΘ*(ω)/dω put the rank changes within 0.05 of where tight solves find
 * them. */
static void check_mc_kinks(void)
{
    bl_problem *P = mc_alloc(30, 20, 3, 0.5, 0.5, 0);
    if (!P) return;
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(P->p);
    bl_problem_omega0(P, om);
    double w = gsl_vector_get(om, 0), dr = NAN, gr = NAN;
    int st = mc_solve(P, om, th, 1e-12), r = rank_of(P, th, om);
    int ok = st == BL_OK && kinks_of(P, th, om, &dr, &gr), good = ok;
    const double at[4] = {dr - 0.05, dr + 0.05, gr + 0.05, gr - 0.05};
    const int want[4] = {r, r - 1, r, r + 1};
    int got[4] = {-1, -1, -1, -1};
    for (int k = 0; ok && k < 4; k++) {
        gsl_vector_set(om, 0, at[k]);
        st = mc_solve(P, om, th, 1e-12);
        got[k] = rank_of(P, th, om);
        good &= st == BL_OK && got[k] == want[k];
    }
    tap_ok(good && gr < w && w < dr, "matcomp defaults at ω₀ = %.4g (rank %d): the report "
           "estimates the rank drops near %.4g and grows near %.4g; solves at ±0.05 find ranks "
           "%d, %d and %d, %d", w, r, dr, gr, got[0], got[1], got[2], got[3]);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

static void check_matcomp(void)
{
    check_mc_kinks();
    check_mc_formulas(9, 6, 2, 0.6);
    check_mc_formulas(6, 9, 2, 0.6);       /* wide: computed on Θᵀ */
    check_mc_closed();
    check_mc_implicit(14, 10, 0.0);
    check_mc_implicit(10, 14, -0.3);
    bl_err e = {0, ""};
    double par[6] = {5, 4, 5, 0.5, 0.1, 0};
    bl_problem *P = bl_problem_alloc(&bl_problem_matcomp, par, NULL, &e);
    tap_ok(!P && has(e.msg, "rank=5"), "matcomp rank=5 > min(5, 4) refused: \"%s\"", e.msg);
    bl_problem_free(P);
}

/* ======================================================================
 * metaridge
 * ====================================================================== */

typedef struct {
    size_t T, n, q, p;
    gsl_matrix *X, *Xv;
    gsl_vector *y, *yv, *mu;
} mr_data;

static void mr_generate(mr_data *D, size_t T, size_t n, size_t q, size_t p, double spread,
                        double noise, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_vector *wt = gsl_vector_alloc(p);
    *D = (mr_data){T, n, q, p, gsl_matrix_alloc(T * n, p), gsl_matrix_alloc(T * q, p),
                   gsl_vector_alloc(T * n), gsl_vector_alloc(T * q), gsl_vector_alloc(p)};
    gsl_rng_set(r, seed);
    for (size_t j = 0; j < p; j++) gsl_vector_set(D->mu, j, gsl_ran_gaussian(r, 1.0));
    for (size_t t = 0; t < T; t++) {
        for (size_t j = 0; j < p; j++)
            gsl_vector_set(wt, j, gsl_vector_get(D->mu, j) + spread * gsl_ran_gaussian(r, 1.0));
        for (int v = 0; v < 2; v++) {
            size_t k = v ? q : n;
            gsl_matrix *X = v ? D->Xv : D->X;
            gsl_vector *y = v ? D->yv : D->y;
            for (size_t i = t * k; i < (t + 1) * k; i++) {
                double s = 0;
                for (size_t j = 0; j < p; j++) {
                    gsl_matrix_set(X, i, j, gsl_ran_gaussian(r, 1.0));
                    s += gsl_matrix_get(X, i, j) * gsl_vector_get(wt, j);
                }
                gsl_vector_set(y, i, s + noise * gsl_ran_gaussian(r, 1.0));
            }
        }
    }
    gsl_rng_free(r);
    gsl_vector_free(wt);
}

static void mr_data_free(mr_data *D)
{
    gsl_matrix_free(D->X);
    gsl_matrix_free(D->Xv);
    gsl_vector_free(D->y);
    gsl_vector_free(D->yv);
    gsl_vector_free(D->mu);
}

/* With n < p the closed forms run in the n-dimensional dual (one n×n
 * Cholesky per task), with n ≥ p in the primal (one p×p Cholesky): both
 * are checked against the dense solve of the whole system written here,
 * differences of F, and the generic estimators.  FULL: also the report
 * and the outer run on the defaults (once). */
static void check_metaridge(size_t n, size_t p, int full)
{
    const size_t T = 7, q = 6;
    double par[7] = {T, n, q, p, 0.4, 0.3, 9};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_metaridge, par, NULL, &e);
    printf("# metaridge shots=%zu p=%zu: the %s closed form\n", n, p, n < p ? "dual" : "primal");
    if (!tap_ok(P && P->p == T * p && P->d == p + 1, "metaridge T=7 shots=%zu query=6 p=%zu: "
                "θ ∈ R^%zu, ω ∈ R^%zu (%s)", n, p, T * p, p + 1, e.msg)) {
        bl_problem_free(P);
        return;
    }
    mr_data D;
    mr_generate(&D, T, n, q, p, 0.4, 0.3, 9);
    size_t P_ = T * p;
    gsl_vector *th = gsl_vector_alloc(P_), *om = gsl_vector_alloc(p + 1);
    randn(th, 1.0);
    randn(om, 0.5);
    /* G and L by their formulas on the redone data */
    double lam = exp(gsl_vector_get(om, 0)), G = 0, L = 0;
    for (size_t t = 0; t < T; t++) {
        for (size_t i = 0; i < n; i++) {
            double s = -gsl_vector_get(D.y, t * n + i);
            for (size_t j = 0; j < p; j++)
                s += gsl_matrix_get(D.X, t * n + i, j) * gsl_vector_get(th, t * p + j);
            G += s * s / (2.0 * n);
        }
        for (size_t j = 0; j < p; j++)
            G += 0.5 * lam * pow(gsl_vector_get(th, t * p + j) - gsl_vector_get(om, 1 + j), 2);
        for (size_t i = 0; i < q; i++) {
            double s = -gsl_vector_get(D.yv, t * q + i);
            for (size_t j = 0; j < p; j++)
                s += gsl_matrix_get(D.Xv, t * q + i, j) * gsl_vector_get(th, t * p + j);
            L += s * s / (2.0 * q * T);
        }
    }
    tap_close(bl_problem_G(P, th, om), G, 1e-13, "metaridge: G = Σ_t [(1/2n)‖X_tθ_t − y_t‖² + "
              "(e^ω₀/2)‖θ_t − w‖²] on the data redone from the documented draws");
    tap_close(bl_problem_L(P, th, om), L, 1e-13, "metaridge: L = (1/T) Σ_t (1/2q)‖X^v_tθ_t − y^v_t‖²");
    /* θ* from one dense solve of the whole system (H θ = stacked X_tᵀy_t/n + λw) */
    gsl_matrix *H = gsl_matrix_alloc(P_, P_);
    gsl_vector *rhs = gsl_vector_alloc(P_), *ts = gsl_vector_alloc(P_), *g = gsl_vector_alloc(p + 1);
    gsl_vector *gc = gsl_vector_alloc(p + 1), *fd = gsl_vector_alloc(p + 1);
    gsl_matrix_set_zero(H);
    for (size_t t = 0; t < T; t++)
        for (size_t a = 0; a < p; a++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += gsl_matrix_get(D.X, t * n + i, a) * gsl_vector_get(D.y, t * n + i);
            gsl_vector_set(rhs, t * p + a, s / n + lam * gsl_vector_get(om, 1 + a));
            for (size_t b = 0; b < p; b++) {
                double k = 0;
                for (size_t i = 0; i < n; i++)
                    k += gsl_matrix_get(D.X, t * n + i, a) * gsl_matrix_get(D.X, t * n + i, b);
                gsl_matrix_set(H, t * p + a, t * p + b, k / n + (a == b ? lam : 0));
            }
        }
    gsl_linalg_cholesky_decomp1(H);
    gsl_linalg_cholesky_solve(H, rhs, ts);
    int st = P->type->theta_star(P, om, th);
    tap_ok(st == BL_OK && relerr(th, ts) <= 1e-12, "metaridge: θ* per task = the dense solve "
           "of the whole system (rel %.3g)", relerr(th, ts));
    /* the hypergradient: closed form, fd of F, exact, cg */
    st = P->type->hypergrad(P, om, gc);
    gsl_vector *o = gsl_vector_alloc(p + 1);
    for (size_t i = 0; i <= p; i++) {
        double h = 1e-5;
        gsl_vector_memcpy(o, om);
        gsl_vector_set(o, i, gsl_vector_get(om, i) + h);
        double Fp = F_closed(P, o);
        gsl_vector_set(o, i, gsl_vector_get(om, i) - h);
        double Fm = F_closed(P, o);
        gsl_vector_set(fd, i, (Fp - Fm) / (2 * h));
    }
    tap_ok(st == BL_OK && relerr(gc, fd) <= 1e-7, "metaridge: closed-form ∇F (per-task adjoints) "
           "= differences of F (rel %.3g)", relerr(gc, fd));
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    const char *specs[4] = {"exact", "cg:k=200,tol=1e-13", "reverse:t=3000,from=current", "fd"};
    for (int k = 0; k < 4; k++) {
        st = est(P, specs[k], om, th, &ic, 0, g);
        tap_ok(st == BL_OK && relerr(g, gc) <= (k == 3 ? 1e-6 : 1e-9),
               "metaridge: %s at θ* = closed form (rel %.3g)", specs[k], relerr(g, gc));
    }
    /* the parallel loop: the same bits on 1, 2 and 3 threads */
#ifdef _OPENMP
    {
        int nt0 = omp_get_max_threads(), same = 1;
        gsl_vector *g1 = gsl_vector_alloc(p + 1), *t1 = gsl_vector_alloc(P_);
        omp_set_num_threads(1);
        P->type->hypergrad(P, om, g1);
        P->type->theta_star(P, om, t1);
        for (int nt = 2; nt <= 3; nt++) {
            omp_set_num_threads(nt);
            P->type->hypergrad(P, om, g);
            P->type->theta_star(P, om, th);
            same &= same_bits(g, g1) && same_bits(th, t1);
        }
        omp_set_num_threads(nt0);
        tap_ok(same, "metaridge: θ* and ∇F are the same bits on 1, 2 and 3 threads");
        gsl_vector_free(g1);
        gsl_vector_free(t1);
    }
#else
    skip("metaridge: built without OpenMP, no thread counts to compare");
#endif
    /* the report */
    if (full) {
        char buf[2048], want[64];
        P->type->theta_star(P, om, th);
        P->type->report(P, th, om, buf, sizeof buf);
        gsl_vector_const_view w = gsl_vector_const_subvector(om, 1, p);
        gsl_vector *dm = gsl_vector_alloc(p);
        gsl_vector_memcpy(dm, &w.vector);
        gsl_vector_sub(dm, D.mu);
        snprintf(want, sizeof want, "‖w − μ‖ = %.4g", gsl_blas_dnrm2(dm));
        tap_ok(has(buf, want) && has(buf, "closed form"), "metaridge report: \"%s\"", one_line(buf));
        gsl_vector_free(dm);
    }
    /* meta-learning: 20 outer gd steps with exact from ω = 0 lower F and
     * bring the prior's centre w towards the true mean μ */
    if (full) {
        bl_problem *Q = bl_problem_alloc(&bl_problem_metaridge, NULL, NULL, &e);
        mr_data E;
        mr_generate(&E, 20, 5, 20, 10, 0.5, 0.5, 0);
        gsl_vector *w0 = gsl_vector_calloc(Q->d), *t0 = gsl_vector_calloc(Q->p);
        bl_spec sp;
        bl_spec_parse("exact", &sp, &e);
        bl_outer_conf oc = {.type = bl_outer_lookup("gd"), .step = 1, .backtrack = 1,
                            .lo = -INFINITY, .hi = INFINITY, .inner_steps = 0, .maxstep = 1};
        bl_inner_conf nic = {bl_inner_newton, 0, 1e-10, 100, 0};
        bl_outer_env env = {.P = Q, .omega = w0, .theta = t0, .inner = &nic, .conf = &oc,
                            .estimator = &sp};
        bl_outer *ot = bl_outer_alloc(oc.type, Q->d);
        double F0 = F_closed(Q, w0);
        gsl_vector_const_view c0 = gsl_vector_const_subvector(w0, 1, 10);
        double d0 = dist(&c0.vector, E.mu);
        st = BL_OK;
        for (int k = 0; st == BL_OK && k < 20; k++) st = bl_outer_step(ot, &env, &e);
        double F1 = F_closed(Q, w0), d1 = dist(&c0.vector, E.mu);
        tap_ok(st == BL_OK && F1 < 0.5 * F0 && d1 < 0.5 * d0, "metaridge defaults: 20 outer gd "
               "steps (exact) take F from %.4g to %.4g and ‖w − μ‖ from %.4g to %.4g (λ = %.4g)",
               F0, F1, d0, d1, exp(gsl_vector_get(w0, 0)));
        bl_outer_free(ot);
        gsl_vector_free(w0);
        gsl_vector_free(t0);
        mr_data_free(&E);
        bl_problem_free(Q);
    }
    gsl_vector_free(o);
    gsl_matrix_free(H);
    gsl_vector_free(rhs);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(gc);
    gsl_vector_free(fd);
    gsl_vector_free(th);
    gsl_vector_free(om);
    mr_data_free(&D);
    bl_problem_free(P);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261205);
    check_sor();
    check_matcomp();
    check_metaridge(4, 5, 1);   /* fewer shots than dimensions: the dual */
    check_metaridge(9, 5, 0);   /* more: the primal */
    check_metaridge(5, 5, 0);
    gsl_rng_free(rng);
    return tap_done();
}
