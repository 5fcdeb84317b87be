/* test_hypergrad.c: the module hypergrad.c itself: its estimator table,
 * lookup and advice, spec parsing, the value F(ω), and the two reference
 * estimators exact and fd against the closed forms of doc/catalogue.md,
 * hand-computed adjoints on a singular toy problem, and the order of
 * central differences.  Every other estimator has its unit checks in
 * test_estimators.c, one check_* each. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "linalg.h"

static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

/* x = A⁻¹b by LU (A square, left as it is). */
static void lu_solve(const gsl_matrix *A, const gsl_vector *b, gsl_vector *x)
{
    gsl_matrix *LU = gsl_matrix_alloc(A->size1, A->size2);
    gsl_permutation *perm = gsl_permutation_alloc(A->size1);
    int sg;
    gsl_matrix_memcpy(LU, A);
    gsl_linalg_LU_decomp(LU, perm, &sg);
    gsl_linalg_LU_solve(LU, perm, b, x);
    gsl_matrix_free(LU);
    gsl_permutation_free(perm);
}

/* Runs spec TEXT at (ω, θ); GRAD (d) receives the estimate. */
static int run_spec(const char *text, bl_problem *P, const bl_inner_conf *ic,
                    const gsl_vector *om, const gsl_vector *th, gsl_vector *grad,
                    gsl_vector *adj, bl_hg_result *r, bl_err *e)
{
    bl_spec s;
    int st = bl_spec_parse(text, &s, e);
    if (st) return st;
    double eta = bl_inner_default_eta(P, th, om);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = ic, .eta = eta};
    memset(r, 0, sizeof *r);
    r->grad = grad;
    r->adjoint = adj;
    return bl_hypergrad(&s, &c, r, e);
}

/* ---- spec parsing ---- */

static void parse_fails(const char *text, const char *want1, const char *want2)
{
    bl_spec s;
    memset(&s, 0x5a, sizeof s);
    bl_spec keep = s;
    bl_err e = {0, ""};
    int st = bl_spec_parse(text, &s, &e);
    tap_ok(st == BL_EINVAL && e.code == BL_EINVAL && strstr(e.msg, want1)
           && (!want2 || strstr(e.msg, want2)) && memcmp(&s, &keep, sizeof s) == 0,
           "spec \"%s\" refused, spec untouched: \"%s\"", text, e.msg);
}

/* The advice comes from the estimator table's flags: where H is not
 * positive definite, and where the dense H of exact is over mem.max. */
static void check_advice(void)
{
    char use[512];
    bl_estimator_advice_not_pd(use, sizeof use);
    tap_ok(!strcmp(use, "exact:pinv, neumann or fp with a contracting η, reverse, forward, "
                   "truncated, onestep, first-order, penalty or fd"),
           "advice where H is not positive definite: %s", use);
    bl_estimator_advice_matrix_free(use, sizeof use);
    tap_ok(!strcmp(use, "cg, neumann or fp with a contracting η, reverse, forward, truncated, "
                   "onestep, first-order, penalty, fd"),
           "advice over mem.max (no BL_EST_DENSE_H): %s", use);
}

static void check_specs(void)
{
    const bl_estimator_type *ex = bl_estimator_lookup("exact");
    const bl_estimator_type *fd = bl_estimator_lookup("fd");
    /* every estimator of doc/catalogue.md, once, in one table */
    static const char *const all[] = {"exact", "cg", "neumann", "fp", "reverse", "forward",
                                      "truncated", "first-order", "onestep", "penalty", "fd"};
    size_t n = 0;
    int found = 1;
    while (bl_estimators[n]) n++;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const bl_estimator_type *T = bl_estimator_lookup(all[i]);
        found &= T != NULL && strcmp(T->name, all[i]) == 0;
    }
    tap_ok(ex && fd && found && n == sizeof all / sizeof all[0],
           "the table holds the %zu estimators of doc/catalogue.md", n);
    tap_ok(bl_estimator_lookup("e") == ex && bl_estimator_lookup("exa") == ex
           && bl_estimator_lookup("f") == NULL && bl_estimator_lookup("fd") == fd
           && bl_estimator_lookup("fi") == bl_estimator_lookup("first-order")
           && bl_estimator_lookup("x") == NULL
           && bl_estimator_lookup("exactly") == NULL && bl_estimator_lookup("") == NULL,
           "bl_estimator_lookup: exact names and unique prefixes; 'f' is ambiguous");

    bl_spec s;
    bl_err e = {0, ""};
    int st = bl_spec_parse("exact", &s, &e);
    tap_ok(st == BL_OK && s.type == ex && s.par[0] == 0 && strcmp(s.text, "exact") == 0,
           "\"exact\": pinv = 0");
    st = bl_spec_parse("  exact:pinv \t", &s, &e);
    tap_ok(st == BL_OK && s.type == ex && s.par[0] == 1 && strcmp(s.text, "exact:pinv") == 0,
           "\"  exact:pinv \": a bare key is 1, text trimmed (\"%s\")", s.text);
    st = bl_spec_parse("exact:pinv=0", &s, &e);
    tap_ok(st == BL_OK && s.par[0] == 0, "\"exact:pinv=0\"");
    st = bl_spec_parse("fd", &s, &e);
    tap_ok(st == BL_OK && s.type == fd && s.par[0] == 1e-5, "\"fd\": h = 1e-5 by default");
    st = bl_spec_parse("fd:h=1e-4", &s, &e);
    tap_ok(st == BL_OK && s.type == fd && s.par[0] == 1e-4 && strcmp(s.text, "fd:h=1e-4") == 0,
           "\"fd:h=1e-4\"");
    st = bl_spec_parse("fd:h", &s, &e);
    tap_ok(st == BL_OK && s.type == fd && s.par[0] == 1, "\"fd:h\" is fd:h=1 (a bare key)");
    st = bl_spec_parse("ex:pinv", &s, &e);
    tap_ok(st == BL_OK && s.type == ex && s.par[0] == 1, "\"ex:pinv\" is exact:pinv");

    parse_fails("newton", "unknown estimator 'newton' (choose exact|cg|neumann|", NULL);
    parse_fails("exactly", "unknown estimator 'exactly' (did you mean 'exact'? choose ",
                "|penalty|fd)");
    /* the empty name is not a prefix of anything: unknown, refused */
    parse_fails("", "unknown estimator ''", "exact|cg");
    parse_fails("f", "ambiguous estimator 'f' (could be fp, forward, first-order, fd)", NULL);
    parse_fails("fi:pinv", "first-order has no parameter 'pinv'", NULL);
    parse_fails("reverse:from=middle", "from takes zero|current, not 'middle'", NULL);
    parse_fails("reverse:from", "from needs a value", NULL);
    parse_fails(":h=1", "unknown estimator", NULL);
    parse_fails("fd:k=3", "fd has no parameter 'k'", "h");
    parse_fails("exact:h=1e-3", "exact has no parameter 'h'", "pinv");
    parse_fails("fd:h=abc", "not a number", "h");
    parse_fails("fd:h=", "not a number", NULL);
    parse_fails("fd:h=1e-4x", "not a number", NULL);
    parse_fails("fd:h=1e999", "not a number", NULL);
    parse_fails("fd:h=0", "out of range", "h=0");
    parse_fails("fd:h=-1", "out of range", "h=-1");
    parse_fails("fd:h=2", "out of range", NULL);
    parse_fails("fd:h=nan", "finite", NULL);
    parse_fails("exact:pinv=0.5", "integer", NULL);
    parse_fails("exact:pinv=2", "out of range", NULL);
    char longspec[200];
    memset(longspec, 'x', sizeof longspec - 1);
    longspec[sizeof longspec - 1] = 0;
    parse_fails(longspec, "too long", NULL);
}

/* ---- exact and fd on quadratic ---- */

/* Everything of the quadratic by hand, from the problem's products only:
 * A (dense H), B = −Cᵀ on unit vectors, θ_t = −∇θL(0), μ = ∇ωL(e₁)₁. */
typedef struct { gsl_matrix *A, *B, *M; gsl_vector *tt; double mu; } quad_hand;

static void quad_hand_build(bl_problem *P, quad_hand *q)
{
    size_t p = P->p, d = P->d;
    gsl_vector *th = gsl_vector_calloc(p), *om = gsl_vector_calloc(d);
    gsl_vector *u = gsl_vector_calloc(d), *col = gsl_vector_alloc(p);
    q->A = gsl_matrix_alloc(p, p);
    q->B = gsl_matrix_alloc(p, d);
    q->M = gsl_matrix_alloc(p, d);
    q->tt = gsl_vector_alloc(p);
    bl_problem_hessian(P, th, om, q->A);
    for (size_t j = 0; j < d; j++) {
        gsl_vector_set(u, j, 1);
        bl_problem_ctvp(P, th, om, u, col);
        gsl_vector_scale(col, -1.0);
        gsl_matrix_set_col(q->B, j, col);
        gsl_vector_set(u, j, 0);
    }
    bl_problem_L_theta(P, th, om, q->tt);
    gsl_vector_scale(q->tt, -1.0);
    gsl_vector_set(om, 0, 1);
    bl_problem_L_omega(P, th, om, u);
    q->mu = gsl_vector_get(u, 0);
    /* M = A⁻¹B by LU, column by column */
    for (size_t j = 0; j < d; j++) {
        gsl_vector_view b = gsl_matrix_column(q->B, j), m = gsl_matrix_column(q->M, j);
        lu_solve(q->A, &b.vector, &m.vector);
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(u);
    gsl_vector_free(col);
}

static void quad_hand_free(quad_hand *q)
{
    gsl_matrix_free(q->A);
    gsl_matrix_free(q->B);
    gsl_matrix_free(q->M);
    gsl_vector_free(q->tt);
}

static void check_exact_quadratic(double kappa, double seed)
{
    bl_problem *P = quadratic(20, 5, kappa, 0.3, seed);
    if (!P) return;
    char lab[64];
    snprintf(lab, sizeof lab, "quadratic(kappa=%g)", kappa);
    quad_hand q;
    quad_hand_build(P, &q);
    bl_err e = {0, ""};
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 100, 0};
    gsl_vector *om = gsl_vector_alloc(5), *th = gsl_vector_alloc(20);
    gsl_vector *g = gsl_vector_alloc(5), *gw = gsl_vector_alloc(5), *gc = gsl_vector_alloc(5);
    gsl_vector *a = gsl_vector_alloc(20), *r20 = gsl_vector_alloc(20);
    gsl_vector *aw = gsl_vector_alloc(20);
    bl_hg_result r;
    randn(om, 1.0);
    P->type->theta_star(P, om, th);

    /* closed form Mᵀ(Mω − θ_t) + μω */
    gsl_vector_memcpy(r20, q.tt);
    gsl_blas_dgemv(CblasNoTrans, 1.0, q.M, om, -1.0, r20);
    gsl_vector_memcpy(gw, om);
    gsl_blas_dgemv(CblasTrans, 1.0, q.M, r20, q.mu, gw);
    P->type->hypergrad(P, om, gc);
    tap_ok(relerr(gc, gw) <= 1e-10, "%s: the problem's closed form is Mᵀ(Mω − θ_t) + μω "
           "(rel %.3g)", lab, relerr(gc, gw));

    unsigned long h0 = P->n_hvp, c0 = P->n_cvp, g0 = P->n_grad;
    int st = run_spec("exact", P, &ic, om, th, g, a, &r, &e);
    tap_ok(st == BL_OK && relerr(g, gw) <= 1e-10,
           "%s: exact at θ* = closed-form ∇F (rel %.3g)", lab, relerr(g, gw));
    tap_ok(st == BL_OK && r.has_adjoint && r.adjoint_residual < (kappa > 1e3 ? 1e-11 : 1e-12),
           "%s: exact adjoint residual %.3g", lab, r.adjoint_residual);
    tap_ok(r.hvp == 0 && r.cvp == 1 && r.grad_calls == 2,
           "%s: exact with a dense H counts hvp 0, cvp 1, grad 2 (%lu, %lu, %lu)", lab, r.hvp,
           r.cvp, r.grad_calls);
    tap_ok(P->n_hvp == h0 && P->n_cvp == c0 + 1 && P->n_grad == g0 + 2,
           "%s: the problem's counters moved by the same (the residual is not counted)", lab);
    tap_ok(r.bytes > 0 && r.seconds >= 0, "%s: bytes %zu, seconds %.3g", lab, r.bytes,
           r.seconds);
    /* adjoint a = A⁻¹(θ − θ_t) */
    gsl_vector_memcpy(r20, th);
    gsl_vector_sub(r20, q.tt);
    lu_solve(q.A, r20, aw);
    tap_ok(relerr(a, aw) <= 1e-9, "%s: adjoint = A⁻¹(θ − θ_t) (rel %.3g)", lab, relerr(a, aw));

    /* away from θ*: g = μω + BᵀA⁻¹(θ − θ_t), evaluated at the given θ */
    randn(th, 1.0);
    gsl_vector_memcpy(r20, th);
    gsl_vector_sub(r20, q.tt);
    lu_solve(q.A, r20, aw);
    gsl_vector_memcpy(gw, om);
    gsl_blas_dgemv(CblasTrans, 1.0, q.B, aw, q.mu, gw);
    st = run_spec("exact", P, &ic, om, th, g, a, &r, &e);
    tap_ok(st == BL_OK && relerr(g, gw) <= 1e-9,
           "%s: exact at a θ ≠ θ*: μω + BᵀA⁻¹(θ − θ_t) (rel %.3g)", lab, relerr(g, gw));

    /* exact:pinv on a PD H */
    gsl_vector *g2 = gsl_vector_alloc(5);
    st = run_spec("exact:pinv", P, &ic, om, th, g2, a, &r, &e);
    tap_ok(st == BL_OK && relerr(g2, g) <= (kappa > 1e3 ? 1e-9 : 1e-11),
           "%s: exact:pinv = exact on a PD H (rel %.3g)", lab, relerr(g2, g));
    gsl_vector_free(g2);

    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gw);
    gsl_vector_free(gc);
    gsl_vector_free(a);
    gsl_vector_free(aw);
    gsl_vector_free(r20);
    quad_hand_free(&q);
    bl_problem_free(P);
}

/* fd against exact on quadratic: F is quadratic in ω, so central
 * differences are exact for every h and only the inner error remains. */
static void check_fd_quadratic(void)
{
    bl_problem *P = quadratic(20, 5, 100, 0.3, 1);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(5), *th = gsl_vector_alloc(20);
    gsl_vector *gx = gsl_vector_alloc(5), *gf = gsl_vector_alloc(5);
    gsl_vector *a = gsl_vector_alloc(20), *th0 = gsl_vector_alloc(20);
    bl_hg_result r;
    randn(om, 1.0);
    P->type->theta_star(P, om, th);
    bl_inner_conf nw = {bl_inner_newton, 0, 1e-10, 100, 0};
    int st = run_spec("exact", P, &nw, om, th, gx, a, &r, &e);
    tap_ok(st == BL_OK, "quadratic: exact reference");

    gsl_vector_memcpy(th0, th);
    st = run_spec("fd", P, &nw, om, th, gf, a, &r, &e);
    tap_ok(st == BL_OK && relerr(gf, gx) <= 1e-7,
           "quadratic, newton inner: fd = exact (rel %.3g)", relerr(gf, gx));
    tap_ok(r.hvp == 0 && r.cvp == 0 && r.grad_calls > 0 && !r.has_adjoint
           && isnan(r.adjoint_residual) && dist(th, th0) == 0,
           "fd: no H- or C-products, %lu gradient calls, no adjoint, θ untouched",
           r.grad_calls);
    st = run_spec("fd:h=0.5", P, &nw, om, th, gf, a, &r, &e);
    tap_ok(st == BL_OK && relerr(gf, gx) <= 1e-10,
           "quadratic: fd:h=0.5 = exact, central differences are exact on a quadratic "
           "F (rel %.3g)", relerr(gf, gx));

    /* gd inner to tol 1e-10: |F error| ≤ ‖∇θL‖ tol/λmin, divided by 2h */
    bl_inner_conf gd = {bl_inner_gd, 0, 1e-10, 100000, 0};
    st = run_spec("fd:h=1e-2", P, &gd, om, th, gf, a, &r, &e);
    tap_ok(st == BL_OK && relerr(gf, gx) <= 1e-7,
           "quadratic, gd inner tol 1e-10: fd:h=1e-2 = exact (rel %.3g)", relerr(gf, gx));

    /* an inner cap too small: fd says so */
    bl_inner_conf tight = {bl_inner_gd, 0, 1e-14, 3, 0};
    e.code = 0;
    st = run_spec("fd", P, &tight, om, th, gf, a, &r, &e);
    tap_ok(st == BL_EMAXITER && e.code == BL_EMAXITER && strstr(e.msg, "fd")
           && strstr(e.msg, "inner.maxit"), "fd with inner.maxit 3: BL_EMAXITER, \"%s\"",
           e.msg);
    /* an inner step that diverges: fd passes the reason on */
    bl_inner_conf wild = {bl_inner_gd, 1e200, 1e-10, 10, 0};
    e.code = 0;
    st = run_spec("fd", P, &wild, om, th, gf, a, &r, &e);
    tap_ok(st == BL_EDIVERGE && strstr(e.msg, "fd: inner solve") && strstr(e.msg, "diverged"),
           "fd with a diverging inner solve: \"%s\"", e.msg);

    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(th0);
    gsl_vector_free(gx);
    gsl_vector_free(gf);
    gsl_vector_free(a);
    bl_problem_free(P);
}

/* ---- ridge ---- */

static void check_ridge_at(bl_problem *P, double w, const char *lab, int with_fd)
{
    bl_err e = {0, ""};
    size_t p = P->p;
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(p);
    gsl_vector *g = gsl_vector_alloc(1), *gc = gsl_vector_alloc(1), *a = gsl_vector_alloc(p);
    bl_hg_result r;
    bl_inner_conf nw = {bl_inner_newton, 0, 1e-10, 100, 0};
    gsl_vector_set(om, 0, w);
    P->type->theta_star(P, om, th);
    P->type->hypergrad(P, om, gc);
    double G = gsl_vector_get(gc, 0);

    /* the closed form itself against differences of the closed-form F */
    double h = 1e-4, Fd = (F_closed1(P, w + h) - F_closed1(P, w - h)) / (2 * h);
    tap_ok(fabs(Fd - G) <= 1e-6 * fmax(fabs(G), 1e-3 * F_closed1(P, w)),
           "%s ω=%g: closed-form ∇F = %.10g matches differences of F(ω) = "
           "L(θ*(ω)) (%.10g)", lab, w, G, Fd);

    int st = run_spec("exact", P, &nw, om, th, g, a, &r, &e);
    tap_ok(st == BL_OK && fabs(gsl_vector_get(g, 0) - G) <= 1e-10 * fabs(G),
           "%s ω=%g: exact at θ* = closed form (%.17g vs %.17g)", lab, w,
           gsl_vector_get(g, 0), G);
    tap_ok(st == BL_OK && r.adjoint_residual < 1e-12 && r.hvp == 0 && r.cvp == 1
           && r.grad_calls == 2, "%s ω=%g: adjoint residual %.3g, counts %lu/%lu/%lu", lab,
           w, r.adjoint_residual, r.hvp, r.cvp, r.grad_calls);
    gsl_vector *g2 = gsl_vector_alloc(1);
    st = run_spec("exact:pinv", P, &nw, om, th, g2, a, &r, &e);
    tap_ok(st == BL_OK && fabs(gsl_vector_get(g2, 0) - G) <= 1e-10 * fabs(G),
           "%s ω=%g: exact:pinv = closed form (rel %.3g)", lab, w,
           fabs(gsl_vector_get(g2, 0) - G) / fabs(G));
    if (with_fd) {
        st = run_spec("fd", P, &nw, om, th, g2, a, &r, &e);
        tap_ok(st == BL_OK && fabs(gsl_vector_get(g2, 0) - G) <= 1e-7 * fabs(G),
               "%s ω=%g, newton inner: fd = exact (rel %.3g)", lab, w,
               fabs(gsl_vector_get(g2, 0) - G) / fabs(G));
        /* gd inner: each F(ω ± h) carries an inner error |δF| ≤ ‖∇θL‖‖δθ‖
         * with ‖δθ‖ ≤ tol/λmin(H) (G is quadratic in θ), so against the
         * same differences with exact inner solves |δg| ≤ ‖∇θL‖ tol/(λmin h)
         * (up to O(‖δθ‖²)). */
        gsl_matrix *H = gsl_matrix_alloc(p, p);
        gsl_vector *gl = gsl_vector_alloc(p), *gn = gsl_vector_alloc(1);
        double lmin = 0;
        bl_problem_hessian(P, th, om, H);
        bl_sym_eig_range(H, &lmin, NULL);
        bl_problem_L_theta(P, th, om, gl);
        const double h = 1e-3;
        st = run_spec("fd:h=1e-3", P, &nw, om, th, gn, a, &r, &e);
        bl_inner_conf gd = {bl_inner_gd, 0, 1e-10, 100000, 0};
        if (st == BL_OK) st = run_spec("fd:h=1e-3", P, &gd, om, th, g2, a, &r, &e);
        double bound = 1.01 * gsl_blas_dnrm2(gl) * gd.tol / (lmin * h) + 1e-12 * fabs(G);
        double dev = fabs(gsl_vector_get(g2, 0) - gsl_vector_get(gn, 0));
        tap_ok(st == BL_OK && dev <= bound,
               "%s ω=%g, gd inner tol 1e-10: fd:h=1e-3 within the inner-error bound "
               "of newton's (%.3g ≤ %.3g; rel to ∇F %.3g)", lab, w, dev, bound,
               fabs(gsl_vector_get(g2, 0) - G) / fabs(G));
        /* tighter: truncation (h²) and inner error (tol/h) both small */
        gd.tol = 1e-12;
        st = run_spec("fd:h=1e-4", P, &gd, om, th, g2, a, &r, &e);
        tap_ok(st == BL_OK && fabs(gsl_vector_get(g2, 0) - G) <= 1e-7 * fabs(G),
               "%s ω=%g, gd inner tol 1e-12: fd:h=1e-4 = exact (rel %.3g)", lab, w,
               fabs(gsl_vector_get(g2, 0) - G) / fabs(G));
        gsl_matrix_free(H);
        gsl_vector_free(gl);
        gsl_vector_free(gn);
    }
    gsl_vector_free(g2);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gc);
    gsl_vector_free(a);
}

static void check_ridge_synth(void)
{
    struct { size_t n, m, p; double corr; unsigned long seed; } cs[] = {
        {50, 40, 5, 0.0, 1}, {20, 30, 40, 0.3, 2}, {120, 60, 12, 0.6, 3},
    };
    for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
        bl_synth_opts o;
        bl_synth_opts_default(&o);
        o.n = cs[k].n;
        o.m = cs[k].m;
        o.p = cs[k].p;
        o.corr = cs[k].corr;
        o.seed = cs[k].seed;
        o.noise = 0.5;
        bl_dataset *ds = NULL;
        bl_err e = {0, ""};
        int st = bl_data_synth("regression", &o, &ds, &e);
        bl_problem *P = st == BL_OK ? bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e) : NULL;
        char lab[96];
        snprintf(lab, sizeof lab, "ridge synth(n=%zu,m=%zu,p=%zu,seed=%lu)", o.n, o.m, o.p,
                 o.seed);
        tap_ok(P != NULL, "%s builds %s", lab, e.msg);
        if (P) {
            check_ridge_at(P, -2.0, lab, 0);
            check_ridge_at(P, 0.7, lab, k == 1);
        }
        bl_problem_free(P);
        bl_dataset_free(ds);
    }
}

static void check_ridge_diabetes(void)
{
    char path[4096];
    bl_dataset *ds;
    bl_problem *P;
    bl_err e = {0, ""};
    if (!ridge_bundled("diabetes", path, sizeof path, &ds, &P, &e)) return;
    tap_ok(P != NULL, "ridge on diabetes (%s) builds %s", path, e.msg);
    if (P) {
        check_ridge_at(P, -4.0, "ridge diabetes", 1);
        check_ridge_at(P, -1.0, "ridge diabetes", 1);

        /* order of central differences: F is smooth and not quadratic in ω,
         * fd(h) − ∇F = c h² + O(h⁴), so halving h divides the error by 4 */
        gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(P->p);
        gsl_vector *g = gsl_vector_alloc(1), *a = gsl_vector_alloc(P->p);
        gsl_vector *gc = gsl_vector_alloc(1);
        bl_hg_result r;
        bl_inner_conf nw = {bl_inner_newton, 0, 1e-10, 100, 0};
        const double w = 0.0;
        gsl_vector_set(om, 0, w);
        P->type->theta_star(P, om, th);
        P->type->hypergrad(P, om, gc);
        double G = gsl_vector_get(gc, 0), err[3], hs[3] = {0.1, 0.05, 0.025};
        int ok = 1;
        for (int k = 0; k < 3; k++) {
            char spec[32];
            snprintf(spec, sizeof spec, "fd:h=%g", hs[k]);
            ok = ok && run_spec(spec, P, &nw, om, th, g, a, &r, &e) == BL_OK;
            err[k] = gsl_vector_get(g, 0) - G;
        }
        double q1 = err[0] / err[1], q2 = err[1] / err[2];
        tap_ok(ok && fabs(q1 - 4) < 0.1 && fabs(q2 - 4) < 0.05,
               "fd at h = 0.1, 0.05, 0.025: error ratios %.4f, %.4f (O(h²): 4)", q1, q2);
        /* Richardson: (4 fd(h/2) − fd(h))/3 removes the h² term */
        double rich = (4 * (G + err[2]) - (G + err[1])) / 3;
        tap_ok(fabs(rich - G) < 0.01 * fabs(err[2]),
               "Richardson extrapolation of fd is far closer (%.3g vs %.3g)", rich - G, err[2]);
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(a);
        gsl_vector_free(gc);
    }
    bl_problem_free(P);
    bl_dataset_free(ds);
}

/* ---- a toy with a singular or indefinite H ----
 * G = ½θ₁² + (c/2)θ₂² − ωθ₁ (θ ∈ R², ω ∈ R), H = diag(1, c), C = (−1, 0);
 * L = ½(ω − θ₂)² + ½(θ₁ − 1)²  (with c = 0: doc/catalogue.md's nonsingleton).
 * No dense H: exact builds it from two products. */

static double toy_G(bl_problem *P, cvec *th, cvec *om)
{
    double t1 = gsl_vector_get(th, 0), t2 = gsl_vector_get(th, 1), w = gsl_vector_get(om, 0);
    return 0.5 * t1 * t1 + 0.5 * P->par[0] * t2 * t2 - w * t1;
}
static double toy_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)P;
    double t1 = gsl_vector_get(th, 0), t2 = gsl_vector_get(th, 1), w = gsl_vector_get(om, 0);
    return 0.5 * (w - t2) * (w - t2) + 0.5 * (t1 - 1) * (t1 - 1);
}
static void toy_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    gsl_vector_set(g, 0, gsl_vector_get(th, 0) - gsl_vector_get(om, 0));
    gsl_vector_set(g, 1, P->par[0] * gsl_vector_get(th, 1));
}
static void toy_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_set(g, 0, -gsl_vector_get(th, 0));
}
static void toy_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, gsl_vector_get(th, 0) - 1);
    gsl_vector_set(g, 1, gsl_vector_get(th, 1) - gsl_vector_get(om, 0));
}
static void toy_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, gsl_vector_get(om, 0) - gsl_vector_get(th, 1));
}
static void toy_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    gsl_vector_set(out, 0, gsl_vector_get(v, 0));
    gsl_vector_set(out, 1, P->par[0] * gsl_vector_get(v, 1));
}
static void toy_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, -gsl_vector_get(v, 0));
}
static void toy_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, -gsl_vector_get(u, 0));
    gsl_vector_set(out, 1, 0);
}
static double toy_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    return fmax(1, fabs(P->par[0]));
}
static int toy_init(bl_problem *P, bl_err *e)
{
    (void)e;
    P->p = 2;
    P->d = 1;
    return BL_OK;
}
static const bl_param toy_params[] = {
    {.name = "c", .def = 0, .lo = -1, .hi = 1, .is_int = 0, .help = "H₂₂"},
};
static const bl_problem_type toy_type = {
    .name = "toy", .summary = "", .inner_text = "", .outer_text = "", .notes = "",
    .params = toy_params, .nparams = 1, .init = toy_init,
    .G = toy_G, .L = toy_L, .G_theta = toy_G_theta, .G_omega = toy_G_omega,
    .L_theta = toy_L_theta, .L_omega = toy_L_omega, .hvp = toy_hvp, .cvp = toy_cvp,
    .ctvp = toy_ctvp, .lipschitz = toy_lipschitz,
};

static void check_singular(void)
{
    const double w = 0.3, t1 = 0.3, t2 = 2.0;
    for (int k = 0; k < 3; k++) {
        double c = k == 0 ? 0.0 : k == 1 ? -0.5 : 0.25;
        bl_err e = {0, ""};
        bl_problem *P = bl_problem_alloc(&toy_type, &c, NULL, &e);
        if (!P) {
            tap_ok(0, "toy c=%g allocates: %s", c, e.msg);
            continue;
        }
        gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(2);
        gsl_vector *g = gsl_vector_alloc(1), *a = gsl_vector_alloc(2);
        bl_hg_result r;
        bl_inner_conf ic = {bl_inner_gd, 0, 1e-12, 10000, 0};
        gsl_vector_set(om, 0, w);
        gsl_vector_set(th, 0, t1);
        gsl_vector_set(th, 1, t2);
        /* ∇θL = (θ₁ − 1, θ₂ − ω); ∇ωL = ω − θ₂; g = ∇ωL + a₁ */
        double b1 = t1 - 1, b2 = t2 - w;
        int st = run_spec("exact", P, &ic, om, th, g, a, &r, &e);
        if (c > 0) {
            double g_want = (w - t2) + b1;
            tap_ok(st == BL_OK && fabs(gsl_vector_get(g, 0) - g_want) <= 1e-15
                   && fabs(gsl_vector_get(a, 1) - b2 / c) <= 1e-14,
                   "toy H = diag(1, %g): exact g = %.17g (hand %.17g)", c,
                   gsl_vector_get(g, 0), g_want);
            tap_ok(r.hvp == 2 && r.cvp == 1 && r.grad_calls == 2,
                   "toy without a dense H: exact counts hvp 2 (= p), cvp 1, grad 2 "
                   "(%lu, %lu, %lu)", r.hvp, r.cvp, r.grad_calls);
        } else {
            char want[64];
            snprintf(want, sizeof want, "smallest eigenvalue %.6g", c);
            tap_ok(st == BL_ENOTPD && e.code == BL_ENOTPD && strstr(e.msg, want)
                   && strstr(e.msg, "exact:pinv"),
                   "toy H = diag(1, %g): exact refuses: \"%s\"", c, e.msg);
        }
        st = run_spec("exact:pinv", P, &ic, om, th, g, a, &r, &e);
        /* least-norm adjoint: a = (b₁, 0) when c = 0, (b₁, b₂/c) otherwise */
        double a2 = c == 0 ? 0 : b2 / c, g_want = (w - t2) + b1;
        double res_want = c == 0 ? fabs(b2) / hypot(b1, b2) : 0;
        tap_ok(st == BL_OK && fabs(gsl_vector_get(a, 0) - b1) <= 1e-15
               && fabs(gsl_vector_get(a, 1) - a2) <= 1e-14
               && fabs(gsl_vector_get(g, 0) - g_want) <= 1e-14,
               "toy c=%g: exact:pinv a = (%.6g, %.6g), g = %.17g (hand: (%.6g, %.6g), %.17g)",
               c, gsl_vector_get(a, 0), gsl_vector_get(a, 1), gsl_vector_get(g, 0), b1, a2,
               g_want);
        tap_ok(st == BL_OK && fabs(r.adjoint_residual - res_want) <= 1e-14,
               "toy c=%g: the residual of the least-norm adjoint is reported honestly "
               "(%.17g, hand %.17g)", c, r.adjoint_residual, res_want);
        if (c == 0) {
            /* gd keeps θ₂ where it starts (no gradient there), θ₁ → ω:
             * F(ω) = ½(ω − θ₂)² + ½(ω − 1)², F' = (ω − θ₂) + (ω − 1), which
             * is the least-norm answer at θ₁ = ω. */
            gsl_vector *gf = gsl_vector_alloc(1);
            st = run_spec("fd:h=1e-3", P, &ic, om, th, gf, a, &r, &e);
            tap_ok(st == BL_OK && fabs(gsl_vector_get(gf, 0) - g_want) <= 1e-9,
                   "toy c=0: fd along gd's selection = exact:pinv (%.17g)",
                   gsl_vector_get(gf, 0));
            gsl_vector_free(gf);
        }
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(a);
        bl_problem_free(P);
    }
}

/* bl_value_F: F(ω) from a fresh inner solve, θ left alone */
static void check_value_F(void)
{
    bl_problem *P = quadratic(10, 3, 50, 0.2, 9);
    if (!P) return;
    bl_err e = {0, ""};
    gsl_vector *om = gsl_vector_alloc(3), *th = gsl_vector_alloc(10), *ts = gsl_vector_alloc(10);
    gsl_vector *keep = gsl_vector_alloc(10);
    randn(om, 1.0);
    randn(th, 1.0);
    gsl_vector_memcpy(keep, th);
    P->type->theta_star(P, om, ts);
    double Fw = bl_problem_L(P, ts, om), F = NAN;
    bl_inner_conf nw = {bl_inner_newton, 0, 1e-11, 50, 0};
    int st = bl_value_F(P, &nw, om, th, &F, NULL, &e);
    tap_ok(st == BL_OK && fabs(F - Fw) <= 1e-12 * fabs(Fw) && dist(th, keep) == 0,
           "bl_value_F = L(θ*(ω), ω) (%.17g vs %.17g), θ untouched", F, Fw);
    bl_inner_conf cap = {bl_inner_gd, 0, 1e-14, 2, 0};
    F = 12345;
    st = bl_value_F(P, &cap, om, th, &F, NULL, &e);
    tap_ok(st == BL_EMAXITER && F == 12345, "bl_value_F at the cap: BL_EMAXITER, F untouched");
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(keep);
    bl_problem_free(P);
}

/* ---- bl_hg_compare: estimators beside the reference ---- */

/* ‖g − r‖/‖r‖ and cos(g, r), written out here (not linalg's). */
static double my_rel(const gsl_vector *g, const gsl_vector *r)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < g->size; i++) {
        double t = gsl_vector_get(g, i) - gsl_vector_get(r, i);
        num += t * t;
        den += gsl_vector_get(r, i) * gsl_vector_get(r, i);
    }
    return sqrt(num) / sqrt(den);
}

static double my_cos(const gsl_vector *g, const gsl_vector *r)
{
    double gr = 0, gg = 0, rr = 0;
    for (size_t i = 0; i < g->size; i++) {
        gr += gsl_vector_get(g, i) * gsl_vector_get(r, i);
        gg += gsl_vector_get(g, i) * gsl_vector_get(g, i);
        rr += gsl_vector_get(r, i) * gsl_vector_get(r, i);
    }
    return gr / sqrt(gg * rr);
}

/* A comparison of the specs TEXT[0..n-1] in C with FLAGS (status < 0 from
 * ALLOC). */
static int compare(bl_hg_cmp *x, const char *const *text, size_t n, const bl_hg_ctx *c,
                   unsigned flags)
{
    if (bl_hg_cmp_alloc(x, n, c->P->d, c->P->p)) return BL_ENOMEM;
    for (size_t i = 0; i < n; i++) bl_spec_parse(text[i], &x->e[i].spec, NULL);
    return bl_hg_compare(x, c, flags);
}

static void check_compare(void)
{
    bl_problem *P = quadratic(8, 3, 50, 0.1, 11);
    if (!P) return;
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    gsl_vector *om = gsl_vector_alloc(3), *th = gsl_vector_calloc(8);
    randn(om, 1);
    bl_inner_solve_at(P, &ic, om, th, NULL, NULL, NULL);
    double eta = bl_inner_default_eta(P, th, om);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic, .eta = eta,
                   .keep_unconverged = 1};
    gsl_vector *gx = gsl_vector_alloc(3), *gi = gsl_vector_alloc(3), *a = gsl_vector_alloc(8);
    bl_hg_result r;
    bl_err e = {0, ""};
    run_spec("exact", P, &ic, om, th, gx, a, &r, &e);

    /* the reference among the specs: exact, first */
    static const char *const four[] = {"cg:k=3", "exact", "neumann:k=5", "fd"};
    bl_hg_cmp x;
    int st = compare(&x, four, 4, &c, 0);
    tap_ok(st == BL_OK && x.ref == 1 && !x.interrupted && x.exact_status == BL_OK
           && x.e[4].spec.type == NULL,
           "compare: exact among the specs is the reference (ref %d), nothing extra run", x.ref);
    double worst_rel = 0, worst_cos = 0;
    int counts = 1;
    for (size_t i = 0; i < 4; i++) {
        run_spec(four[i], P, &ic, om, th, gi, a, &r, &e);
        const bl_hg_entry *w = &x.e[i];
        worst_rel = fmax(worst_rel, fabs(w->rel_err - my_rel(gi, gx)) / fmax(my_rel(gi, gx), 1e-300));
        worst_cos = fmax(worst_cos, fabs(w->cosine - my_cos(gi, gx)));
        counts &= w->status == BL_OK && w->r.hvp == r.hvp && w->r.grad_calls == r.grad_calls
                  && dist(w->r.grad, gi) == 0 && fabs(w->norm - gsl_blas_dnrm2(gi)) == 0;
    }
    tap_ok(counts, "compare: each estimate and its H-products are bl_hypergrad's, run alone");
    tap_ok(worst_rel <= 1e-12 && worst_cos <= 1e-14,
           "compare: rel.err and cosine as computed here (worst %.3g, %.3g); cg:k=3 %.3g, "
           "neumann:k=5 %.3g", worst_rel, worst_cos, x.e[0].rel_err, x.e[2].rel_err);
    tap_ok(x.e[1].rel_err == 0 && x.e[1].cosine > 1 - 1e-15 && x.e[0].rel_err > 1e-6
           && x.e[3].rel_err < 1e-5,
           "compare: the reference's own error is 0, cg:k=3 is off (%.3g), fd is close (%.3g)",
           x.e[0].rel_err, x.e[3].rel_err);
    bl_hg_cmp_free(&x);

    /* no reference among the specs: exact run for it in e[n]; a refused
     * spec is not run */
    static const char *const two[] = {"cg:k=3", "neumann:k=5"};
    bl_hg_cmp_alloc(&x, 2, 3, 8);
    bl_spec_parse(two[0], &x.e[0].spec, NULL);
    bl_spec_parse(two[1], &x.e[1].spec, NULL);
    x.e[1].status = BL_ENOTPD;
    st = bl_hg_compare(&x, &c, 0);
    run_spec("cg:k=3", P, &ic, om, th, gi, a, &r, &e);
    tap_ok(st == BL_OK && x.ref == 2 && x.e[2].status == BL_OK
           && !strcmp(x.e[2].spec.type->name, "exact") && dist(x.e[2].r.grad, gx) == 0
           && fabs(x.e[0].rel_err - my_rel(gi, gx)) <= 1e-12 * my_rel(gi, gx),
           "compare: without exact in the list, exact is run for the reference (rel.err %.6g)",
           x.e[0].rel_err);
    tap_ok(x.e[1].status == BL_ENOTPD && x.e[1].r.hvp == 0 && isnan(x.e[1].rel_err),
           "compare: a spec refused before running is left alone");
    bl_hg_cmp_free(&x);

    /* exact over mem.max: no fd unless asked for (or listed, or ALWAYS_REF) */
    bl_hg_ctx cm = c;
    cm.mem_max = 64;
    st = compare(&x, two, 1, &cm, 0);
    tap_ok(st == BL_OK && x.ref == -1 && x.exact_status == BL_ENOMEM && isnan(x.e[0].rel_err)
           && bl_hg_cmp_ref(&x) == NULL,
           "compare: exact over mem.max and no fd listed: no reference");
    bl_hg_cmp_free(&x);
    static const char *const cgfd[] = {"cg:k=3", "fd"};
    st = compare(&x, cgfd, 2, &cm, 0);
    tap_ok(st == BL_OK && x.ref == 1 && x.e[2].status != BL_OK,
           "compare: exact over mem.max: the listed fd is the reference");
    bl_hg_cmp_free(&x);
    st = compare(&x, two, 1, &cm, BL_HG_CMP_ALWAYS_REF);
    tap_ok(st == BL_OK && x.ref == 1 && !strcmp(x.e[1].spec.type->name, "fd")
           && x.e[0].rel_err > 0 && x.e[0].rel_err < 1,
           "compare: ALWAYS_REF runs fd when exact is over mem.max (cg:k=3 %.3g)",
           x.e[0].rel_err);
    bl_hg_cmp_free(&x);

    /* CHAIN: exact's adjoint warm-starts cg:k=1,warm=1 (nearly exact then) */
    static const char *const warm[] = {"exact", "cg:k=1,warm=1"};
    st = compare(&x, warm, 2, &c, 0);
    double cold = x.e[1].rel_err;
    bl_hg_cmp_free(&x);
    st = compare(&x, warm, 2, &c, BL_HG_CMP_CHAIN);
    tap_ok(st == BL_OK && x.e[1].rel_err < 1e-8 && cold > 1e-3 && x.adjoint_last == x.e[1].r.adjoint,
           "compare: CHAIN warm-starts cg from exact's adjoint (rel.err %.3g, cold %.3g)",
           x.e[1].rel_err, cold);
    bl_hg_cmp_free(&x);

    /* Ctrl-C before: nothing runs, no reference */
    bl_cancel_t stop = 1;
    bl_hg_ctx cc = c;
    cc.cancel = &stop;
    st = compare(&x, four, 4, &cc, BL_HG_CMP_ALWAYS_REF);
    int all = 1;
    for (size_t i = 0; i < 4; i++) all &= x.e[i].status == BL_EINTR && x.e[i].r.hvp == 0;
    tap_ok(st == BL_EINTR && x.interrupted && all && x.ref == -1,
           "compare: a set cancel flag stops it before any estimator, no reference");
    bl_hg_cmp_free(&x);
    bl_problem_free(P);

    /* H singular (toy c = 0): exact fails, fd is run for the reference */
    double c0 = 0;
    bl_problem *T = bl_problem_alloc(&toy_type, &c0, NULL, NULL);
    gsl_vector *tom = gsl_vector_alloc(1), *tth = gsl_vector_alloc(2), *tg = gsl_vector_alloc(1);
    gsl_vector *ta = gsl_vector_alloc(2);
    bl_inner_conf tic = {bl_inner_gd, 0, 1e-12, 10000, 0};
    gsl_vector_set(tom, 0, 0.3);
    gsl_vector_set(tth, 0, 0.3);
    gsl_vector_set(tth, 1, 2.0);
    bl_hg_ctx tc = {.P = T, .omega = tom, .theta = tth, .inner = &tic,
                    .eta = bl_inner_default_eta(T, tth, tom), .keep_unconverged = 1};
    static const char *const pinv[] = {"exact:pinv"};
    st = compare(&x, pinv, 1, &tc, 0);
    run_spec("fd", T, &tic, tom, tth, tg, ta, &r, &e);
    gsl_vector *tp = gsl_vector_alloc(1);
    run_spec("exact:pinv", T, &tic, tom, tth, tp, ta, &r, &e);
    tap_ok(st == BL_OK && x.exact_status == BL_ENOTPD && x.ref == 1
           && !strcmp(x.e[1].spec.type->name, "fd") && dist(x.e[1].r.grad, tg) == 0
           && fabs(x.e[0].rel_err - fabs(gsl_vector_get(tp, 0) - gsl_vector_get(tg, 0))
                                    / fabs(gsl_vector_get(tg, 0))) <= 1e-12,
           "compare: H singular: exact refused, fd is the reference (exact:pinv rel.err %.3g)",
           x.e[0].rel_err);
    bl_hg_cmp_free(&x);
    bl_problem_free(T);
    gsl_vector_free(tom);
    gsl_vector_free(tth);
    gsl_vector_free(tg);
    gsl_vector_free(tp);
    gsl_vector_free(ta);
    gsl_vector_free(gx);
    gsl_vector_free(gi);
    gsl_vector_free(a);
    gsl_vector_free(om);
    gsl_vector_free(th);
}

int main(void)
{
    gsl_set_error_handler_off();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 77);
    (void)tap_plan;
    (void)tap_close;

    check_specs();
    check_advice();
    check_exact_quadratic(100, 0);
    check_exact_quadratic(1e4, 5);
    check_fd_quadratic();
    check_ridge_synth();
    check_ridge_diabetes();
    check_singular();
    check_value_F();
    check_compare();

    gsl_rng_free(rng);
    return tap_done();
}
