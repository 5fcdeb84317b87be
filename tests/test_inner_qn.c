/* test_inner_qn.c: the matrix-free inner solvers lbfgs and newton-cg
 * (inner_qn.c).  Every run is stepped here one iteration at a time and
 * checked from G and ∇θG computed by the test at both ends of each step:
 * G decreases, lbfgs's accepted steps satisfy the strong Wolfe conditions
 * (c1 = 1e-4, c2 = 0.9).  The minimisers are checked against closed forms
 * written here (quadratic: A⁻¹Bω; ridge: (XᵀX/n + e^ω I)⁻¹Xᵀy/n; heat:
 * the problem's Cholesky closed form and, at N = 5000, the test's own CG
 * on H θ = −∇θG(0)), against newton (logreg), and against the strong
 * convexity bound ‖θ − θ*‖ ≤ ‖∇θG(θ)‖/μ.  Also: lbfgs.m, the round-off
 * endgame (BL_ESTALL), the refusal of non-smooth problems, the counts. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "inner.h"

#define C1 1e-4
#define C2 0.9
#define BAND 1e-12          /* G values this close (relative) are round-off apart */

/* ---- stepping with checks ---- */

typedef struct {
    int st;                 /* the last status */
    size_t steps;
    int decrease;           /* G never rose beyond round-off */
    size_t strict;          /* steps with a strict decrease of G */
    int wolfe;              /* every step met the strong Wolfe conditions */
    double worst_curv;      /* max |∇G₊ᵀs| / |∇Gᵀs| */
    int state;              /* value, grad, resid, history: those of θ */
    char why[256];
} run_report;

/* Iterates IT until ‖∇θG‖ ≤ TOL, MAXIT or a non-OK status, checking every
 * step.  QUAD: G is quadratic, so G₊ − G = ½ sᵀ(∇G + ∇G₊) exactly and
 * the Armijo condition is checked without the cancellation of G values.
 * WOLFE: check the strong Wolfe conditions (lbfgs). */
static void run_checked(bl_inner *it, double tol, size_t maxit, int quad, int wolfe,
                        run_report *r)
{
    bl_problem *P = it->P;
    size_t p = P->p;
    gsl_vector *th0 = gsl_vector_alloc(p), *g0 = gsl_vector_alloc(p);
    gsl_vector *g1 = gsl_vector_alloc(p), *s = gsl_vector_alloc(p);
    bl_err e = {0, ""};
    memset(r, 0, sizeof *r);
    r->decrease = r->wolfe = r->state = 1;
    r->st = BL_OK;
    while (it->resid > tol && r->steps < maxit) {
        gsl_vector_memcpy(th0, it->theta);
        double G0 = bl_problem_G(P, th0, it->omega);
        bl_problem_G_theta(P, th0, it->omega, g0);
        r->st = bl_inner_iterate(it, &e);
        if (r->st != BL_OK && r->st != BL_ESTALL) {
            snprintf(r->why, sizeof r->why, "step %zu: %s", r->steps + 1, e.msg);
            break;
        }
        r->steps++;
        double G1 = bl_problem_G(P, it->theta, it->omega);
        bl_problem_G_theta(P, it->theta, it->omega, g1);
        if (!(G1 == it->value && same_bits(g1, it->grad)
              && it->resid == gsl_blas_dnrm2(g1) && it->hist.n == it->iter + 1
              && it->hist.value[it->iter] == it->value
              && it->hist.resid[it->iter] == it->resid))
            r->state = 0;
        gsl_vector_memcpy(s, it->theta);
        gsl_vector_sub(s, th0);
        double gs, g1s, ggs, sn = gsl_blas_dnrm2(s);
        gsl_blas_ddot(g0, s, &gs);
        gsl_blas_ddot(g1, s, &g1s);
        ggs = 0.5 * (gs + g1s);             /* G₁ − G₀ for a quadratic */
        if (sn == 0) {
            if (r->st != BL_ESTALL) {       /* only a stall may stand still */
                r->decrease = 0;
                snprintf(r->why, sizeof r->why, "step %zu did not move", r->steps);
            }
            if (r->st) break;
            continue;
        }
        double slack = 1e-13 * sn * (gsl_blas_dnrm2(g0) + gsl_blas_dnrm2(g1));
        double dG = quad ? ggs : G1 - G0;
        double band = quad ? slack : BAND * fabs(G0);
        if (dG < 0) r->strict++;
        if (!(dG <= band)) {
            r->decrease = 0;
            snprintf(r->why, sizeof r->why, "step %zu: G rose by %.3g (G = %.17g)",
                     r->steps, dG, G0);
        }
        if (wolfe) {
            int armijo = dG <= C1 * gs + band;
            double curv = fabs(g1s) / fabs(gs);
            r->worst_curv = fmax(r->worst_curv, curv);
            if (!armijo || !(fabs(g1s) <= C2 * fabs(gs) + slack)) {
                r->wolfe = 0;
                snprintf(r->why, sizeof r->why, "step %zu: Armijo %s (ΔG = %.3g, c1∇Gᵀs = "
                         "%.3g), |∇G₊ᵀs|/|∇Gᵀs| = %.3g", r->steps, armijo ? "holds" : "fails",
                         dG, C1 * gs, curv);
            }
        }
        if (r->st) break;
    }
    gsl_vector_free(th0);
    gsl_vector_free(g0);
    gsl_vector_free(g1);
    gsl_vector_free(s);
}

/* Runs solver T with memory M from THETA0 to ‖∇θG‖ ≤ TOL with the checks
 * and reports them in TAP lines named after LABEL; leaves the iterate in
 * OUT. */
static size_t solve_tol(const bl_inner_type *T, size_t m, bl_problem *P,
                        const gsl_vector *om, const gsl_vector *theta0, int quad,
                        double tol, const char *label, gsl_vector *out)
{
    bl_err e = {0, ""};
    bl_inner *it = bl_inner_alloc(T, P->p);
    it->mem = m;
    int st = bl_inner_set(it, P, om, theta0, 0, &e);
    run_report r = {0};
    if (st == BL_OK) run_checked(it, tol, 20000, quad, T == bl_inner_lbfgs, &r);
    tap_ok(st == BL_OK && r.st == BL_OK && it->resid <= tol,
           "%s %s: ‖∇θG‖ = %.3g ≤ %g in %zu iterations%s%s", label, T->name, it->resid,
           tol, it->iter, r.st ? ": " : "", r.st ? r.why : "");
    tap_ok(r.decrease && r.strict > 0, "%s %s: every step decreases G (%zu of %zu strictly, "
           "the rest within round-off)%s%s", label, T->name, r.strict, r.steps,
           r.decrease ? "" : ": ", r.decrease ? "" : r.why);
    if (T == bl_inner_lbfgs)
        tap_ok(r.wolfe, "%s lbfgs: every step meets the strong Wolfe conditions (worst "
               "|∇G₊ᵀs|/|∇Gᵀs| = %.3g)%s%s", label, r.worst_curv, r.wolfe ? "" : ": ",
               r.wolfe ? "" : r.why);
    tap_ok(r.state, "%s %s: value, gradient, residual and history are those of θ at "
           "every step", label, T->name);
    gsl_vector_memcpy(out, it->theta);
    size_t iters = it->iter;
    bl_inner_free(it);
    return iters;
}

/* The same to the default inner.tol, 1e-10. */
static size_t solve_checked(const bl_inner_type *T, size_t m, bl_problem *P,
                            const gsl_vector *om, const gsl_vector *theta0, int quad,
                            const char *label, gsl_vector *out)
{
    return solve_tol(T, m, P, om, theta0, quad, 1e-10, label, out);
}

/* ---- lookup ---- */

static void check_table(void)
{
    tap_ok(bl_inner_lookup("lbfgs") == bl_inner_lbfgs
           && bl_inner_lookup("newton-cg") == bl_inner_newton_cg
           && bl_inner_lookup("bfgs2") == bl_inner_bfgs2,
           "bl_inner_lookup finds lbfgs, newton-cg and bfgs2 (GSL's BFGS2)");
    tap_ok(!strcmp(bl_inner_lbfgs->name, "lbfgs") && !strcmp(bl_inner_newton_cg->name,
           "newton-cg") && !strcmp(bl_inner_bfgs2->name, "bfgs2")
           && bl_inner_lbfgs != bl_inner_bfgs2,
           "the types carry their names; lbfgs is not GSL's BFGS2");
    int in = 0;
    for (const bl_inner_type *const *t = bl_inner_types; *t; t++)
        in += *t == bl_inner_lbfgs || *t == bl_inner_newton_cg;
    tap_ok(in == 2, "both are in bl_inner_types");
}

/* ---- quadratic, p = 200, kappa = 1e4: θ* = A⁻¹Bω ---- */

static void check_quadratic(void)
{
    bl_problem *P = quadratic(200, 5, 1e4, 0.1, 11);
    if (!P) return;
    gsl_vector *om = gsl_vector_alloc(5), *th0 = gsl_vector_calloc(200);
    gsl_vector *ts = gsl_vector_alloc(200), *th = gsl_vector_alloc(200);
    randn(om, 1.0);
    P->type->theta_star(P, om, ts);
    const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    for (int k = 0; k < 2; k++) {
        bl_problem_reset_counts(P);
        solve_checked(T[k], 0, P, om, th0, 1, "quadratic p=200 κ=1e4", th);
        /* ‖θ − θ*‖ ≤ ‖∇G‖/λmin, λmin(A) = 1 */
        tap_ok(dist(th, ts) <= 1.01e-10 + 1e-12 * gsl_blas_dnrm2(ts),
               "quadratic: %s reaches θ* = A⁻¹Bω (distance %.3g, ‖θ*‖ = %.3g)", T[k]->name,
               dist(th, ts), gsl_blas_dnrm2(ts));
    }
    /* lbfgs uses G and ∇θG only; newton-cg adds H·v, never a dense H */
    bl_problem_reset_counts(P);
    bl_inner_conf c = {bl_inner_lbfgs, 0, 1e-10, 20000, 0};
    bl_solve_info info;
    gsl_vector_set_zero(th);
    bl_inner_solve_info(P, &c, om, th, &info, NULL, NULL);
    tap_ok(info.converged && P->n_hvp == 0 && P->n_eval >= info.iters
           && P->n_grad >= info.iters && P->n_grad <= 3 * info.iters + 2,
           "lbfgs is matrix-free and counted: %zu iterations, %lu G, %lu ∇θG, %lu H·v",
           info.iters, P->n_eval, P->n_grad, P->n_hvp);
    bl_problem_reset_counts(P);
    c.type = bl_inner_newton_cg;
    gsl_vector_set_zero(th);
    bl_inner_solve_info(P, &c, om, th, &info, NULL, NULL);
    tap_ok(info.converged && P->n_hvp >= info.iters && P->n_eval >= info.iters,
           "newton-cg is counted: %zu iterations, %lu G, %lu ∇θG, %lu H·v", info.iters,
           P->n_eval, P->n_grad, P->n_hvp);
    gsl_vector_free(om);
    gsl_vector_free(th0);
    gsl_vector_free(ts);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* ---- ridge: θ* = (XᵀX/n + e^ω I)⁻¹ Xᵀy/n from the data, by the test ---- */

static void check_ridge(void)
{
    const size_t n = 80, m = 30, p = 40;
    bl_dataset *ds = make_ds(n, m, p);
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
    if (!P) {
        tap_ok(0, "ridge allocates: %s", e.msg);
        free_ds(ds);
        return;
    }
    const double w = -4;
    gsl_matrix *K = gsl_matrix_alloc(p, p);
    gsl_vector *ts = gsl_vector_alloc(p), *th = gsl_vector_alloc(p);
    gsl_vector *th0 = gsl_vector_calloc(p), *om = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, w);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / n, ds->X, ds->X, 0.0, K);
    for (size_t j = 0; j < p; j++) gsl_matrix_set(K, j, j, gsl_matrix_get(K, j, j) + exp(w));
    gsl_blas_dgemv(CblasTrans, 1.0 / n, ds->X, ds->y, 0.0, ts);
    gsl_linalg_cholesky_decomp1(K);
    gsl_linalg_cholesky_svx(K, ts);
    const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    for (int k = 0; k < 2; k++) {
        solve_checked(T[k], 0, P, om, th0, 1, "ridge n=80 p=40 ω=−4", th);
        /* μ ≥ e^ω */
        tap_ok(dist(th, ts) <= 1.01e-10 / exp(w) + 1e-12 * gsl_blas_dnrm2(ts),
               "ridge: %s reaches (XᵀX/n + e^ω I)⁻¹Xᵀy/n (distance %.3g)", T[k]->name,
               dist(th, ts));
    }
    gsl_matrix_free(K);
    gsl_vector_free(ts);
    gsl_vector_free(th);
    gsl_vector_free(th0);
    gsl_vector_free(om);
    bl_problem_free(P);
    free_ds(ds);
}

/* ---- logreg on breast_cancer: newton's solution ---- */

static void check_logreg(void)
{
    char path[4096];
    if (!bl_data_find_bundled("breast_cancer", path, sizeof path)) {
        skip("bundled breast_cancer not found (set BILAB_DATADIR)");
        return;
    }
    bl_load_opts lo;
    bl_load_opts_default(&lo);
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    bl_problem *P = NULL;
    if (bl_data_load("breast_cancer", &lo, &ds, &e) == BL_OK)
        P = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
    if (!P) {
        tap_ok(0, "logreg on breast_cancer: %s", e.msg);
        bl_dataset_free(ds);
        return;
    }
    size_t p = P->p;
    gsl_vector *om = gsl_vector_alloc(1), *th0 = gsl_vector_calloc(p);
    gsl_vector *tn = gsl_vector_alloc(p), *th = gsl_vector_alloc(p);
    const double ws[2] = {0, -8};
    const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    size_t it_m[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        gsl_vector_set(om, 0, ws[i]);
        bl_inner_conf nc = {bl_inner_newton, 0, 1e-13, 100, 0};
        gsl_vector_set_zero(tn);
        int st = bl_inner_solve_at(P, &nc, om, tn, NULL, NULL, &e);
        double rn = bl_inner_residual(P, tn, om, 0);
        if (!(st == BL_OK || st == BL_ESTALL) || rn > 1e-12)
            tap_diag("newton reference at ω = %g: ‖∇θG‖ = %.3g (%s)", ws[i], rn, e.msg);
        for (int k = 0; k < 2; k++) {
            char label[64];
            snprintf(label, sizeof label, "logreg breast_cancer ω=%g", ws[i]);
            size_t its = solve_checked(T[k], 0, P, om, th0, 0, label, th);
            if (k == 0 && i == 1) it_m[1] = its;
            /* μ ≥ e^ω: ‖θ − θ*‖ ≤ (‖∇G(θ)‖ + ‖∇G(θ_newton)‖)/e^ω */
            double bound = (bl_inner_residual(P, th, om, 0) + rn) / exp(ws[i]);
            tap_ok(dist(th, tn) <= 1.01 * bound,
                   "%s: %s equals newton's θ* to (‖∇G(θ)‖ + ‖∇G(θ_newton)‖)/e^ω = %.2g "
                   "(distance %.3g, ‖θ*‖ = %.3g)", label, T[k]->name, bound, dist(th, tn),
                   gsl_blas_dnrm2(tn));
            if (i == 0)
                tap_ok(dist(th, tn) <= 1e-8, "%s: %s equals newton's θ* to 1e-8", label,
                       T[k]->name);
        }
        if (i == 1) {
            /* 1e-10 only bounds the distance by 2e-7 at ω = −8: to 1e-13 */
            solve_tol(bl_inner_lbfgs, 0, P, om, th0, 0, 1e-13, "logreg ω=−8", th);
            tap_ok(dist(th, tn) <= 1e-8 * fmax(1, gsl_blas_dnrm2(tn)),
                   "logreg ω=−8, tol 1e-13: lbfgs equals newton's θ* to 1e-8 (distance %.3g)",
                   dist(th, tn));
        }
    }
    /* lbfgs.m = 1 against the default 10 at ω = −8 (ill-conditioned) */
    it_m[0] = solve_checked(bl_inner_lbfgs, 1, P, om, th0, 0, "logreg ω=−8 lbfgs.m=1", th);
    tap_ok(dist(th, tn) <= 2e-7 && it_m[1] < it_m[0],
           "lbfgs.m = 1 also converges, in more iterations than m = 10 (%zu against %zu)",
           it_m[0], it_m[1]);

    /* the memory through bl_inner_conf, and an iterator set again with
     * another m (surfaces reuse one): the same iterations, the same θ */
    bl_inner_conf c1 = {bl_inner_lbfgs, 0, 1e-10, 20000, 1};
    bl_inner_conf c10 = {bl_inner_lbfgs, 0, 1e-10, 20000, 10};
    bl_solve_info i1, i10;
    gsl_vector *a1 = gsl_vector_calloc(p), *a10 = gsl_vector_calloc(p);
    bl_inner_solve_info(P, &c1, om, a1, &i1, NULL, NULL);
    bl_inner_solve_info(P, &c10, om, a10, &i10, NULL, NULL);
    bl_inner_conf c0 = c10;
    c0.mem = 0;
    bl_solve_info i0;
    gsl_vector_set_zero(th);
    bl_inner_solve_info(P, &c0, om, th, &i0, NULL, NULL);
    tap_ok(i1.iters == it_m[0] && i10.iters == it_m[1] && i0.iters == i10.iters
           && same_bits(th, a10),
           "bl_inner_conf.mem: 1 → %zu iterations, 10 → %zu, 0 (default) → %zu, the same "
           "as stepping", i1.iters, i10.iters, i0.iters);
    bl_inner *it = bl_inner_alloc(bl_inner_lbfgs, p);
    it->mem = 1;
    bl_inner_set(it, P, om, th0, 0, &e);
    bl_inner_run(it, 1e-10, 20000, NULL, &e);
    size_t n1 = it->iter;
    it->mem = 10;
    bl_inner_set(it, P, om, th0, 0, &e);
    bl_inner_run(it, 1e-10, 20000, NULL, &e);
    tap_ok(n1 == i1.iters && it->iter == i10.iters && same_bits(it->theta, a10),
           "an iterator set again with another lbfgs.m behaves as a new one (%zu, %zu)",
           n1, it->iter);
    bl_inner_free(it);
    gsl_vector_free(a1);
    gsl_vector_free(a10);

    /* the round-off endgame: with tol = 0 both stop with BL_ESTALL at the
     * floor, not on the iteration cap, with θ at newton's θ* */
    const bl_inner_type *S[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    for (int k = 0; k < 2; k++) {
        bl_inner_conf c = {S[k], 0, 0, 20000, 0};
        bl_solve_info info;
        gsl_vector_set_zero(th);
        int st = bl_inner_solve_info(P, &c, om, th, &info, NULL, &e);
        tap_ok(st == BL_ESTALL && info.resid <= 1e-10 && info.iters < 2000 && !info.converged
               && has(e.msg, "round-off") && dist(th, tn) <= 1e-8 * fmax(1, gsl_blas_dnrm2(tn)),
               "logreg ω=−8, tol 0: %s stalls at round-off after %zu iterations, ‖∇θG‖ = "
               "%.3g: \"%s\"", S[k]->name, info.iters, info.resid, e.msg);
    }
    gsl_vector_free(om);
    gsl_vector_free(th0);
    gsl_vector_free(tn);
    gsl_vector_free(th);
    bl_problem_free(P);
    bl_dataset_free(ds);
}

/* ---- heat: N = 200 against the closed form, N = 5000 against CG ---- */

static bl_problem *heat(double N)
{
    bl_err e = {0, ""};
    const bl_problem_type *T = &bl_problem_heat;
    double par[BL_MAX_PARAMS];
    for (size_t i = 0; i < T->nparams; i++) par[i] = T->params[i].def;
    par[bl_param_find(T->params, T->nparams, "N")] = N;
    bl_problem *P = bl_problem_alloc(T, par, NULL, &e);
    if (!P) tap_ok(0, "heat N=%g allocates: %s", N, e.msg);
    return P;
}

/* x ≈ H⁻¹b by CG from 0 until ‖Hx − b‖ ≤ rtol‖b‖ (the test's own). */
static size_t cg_solve(bl_problem *P, const gsl_vector *om, const gsl_vector *b,
                       gsl_vector *x, double rtol)
{
    size_t p = b->size, k;
    gsl_vector *r = gsl_vector_alloc(p), *d = gsl_vector_alloc(p), *hd = gsl_vector_alloc(p);
    gsl_vector_set_zero(x);
    gsl_vector_memcpy(r, b);
    gsl_vector_memcpy(d, b);
    double rr = gsl_blas_dnrm2(b), bn = rr;
    rr *= rr;
    for (k = 0; k < 20 * p && sqrt(rr) > rtol * bn; k++) {
        double dhd, rr1;
        bl_problem_hvp(P, x, om, d, hd);
        gsl_blas_ddot(d, hd, &dhd);
        gsl_blas_daxpy(rr / dhd, d, x);
        gsl_blas_daxpy(-rr / dhd, hd, r);
        gsl_blas_ddot(r, r, &rr1);
        gsl_vector_scale(d, rr1 / rr);
        gsl_vector_add(d, r);
        rr = rr1;
    }
    gsl_vector_free(r);
    gsl_vector_free(d);
    gsl_vector_free(hd);
    return k;
}

static void check_heat(void)
{
    const double Ns[2] = {200, 5000};
    for (int i = 0; i < 2; i++) {
        bl_problem *P = heat(Ns[i]);
        if (!P) continue;
        size_t p = P->p;
        gsl_vector *om = gsl_vector_alloc(2), *th0 = gsl_vector_calloc(p);
        gsl_vector *ref = gsl_vector_alloc(p), *th = gsl_vector_alloc(p);
        gsl_vector *b = gsl_vector_alloc(p);
        bl_problem_omega0(P, om);
        char what[96];
        if (i == 0) {
            P->type->theta_star(P, om, ref);
            snprintf(what, sizeof what, "the closed form H⁻¹PSᵀd");
        } else {
            /* G is quadratic: ∇θG(θ) = Hθ − ∇θG(0)·(−1), so θ* = H⁻¹(−∇θG(0)) */
            bl_problem_G_theta(P, th0, om, b);
            gsl_vector_scale(b, -1.0);
            size_t k = cg_solve(P, om, b, ref, 1e-15);
            snprintf(what, sizeof what, "the test's CG on Hθ = −∇θG(0) (%zu iterations)", k);
        }
        /* μ ≥ e^{ω₂}: ‖θ − θ*‖ ≤ (‖∇G(θ)‖ + ‖∇G(ref)‖)/e^{ω₂} */
        double mu = exp(gsl_vector_get(om, 1));
        double rref = bl_inner_residual(P, ref, om, 0);
        const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
        for (int k = 0; k < 2; k++) {
            char label[64];
            snprintf(label, sizeof label, "heat N=%g", Ns[i]);
            solve_checked(T[k], 0, P, om, th0, 1, label, th);
            double bound = (bl_inner_residual(P, th, om, 0) + rref) / mu;
            tap_ok(dist(th, ref) <= 1.01 * bound + 1e-13 * gsl_blas_dnrm2(ref),
                   "%s: %s reaches %s: ‖θ − θ*‖ = %.3g ≤ (‖∇G(θ)‖ + ‖∇G(θ*)‖)/e^{ω₂} = %.3g",
                   label, T[k]->name, what, dist(th, ref), bound);
        }
        gsl_vector_free(om);
        gsl_vector_free(th0);
        gsl_vector_free(ref);
        gsl_vector_free(th);
        gsl_vector_free(b);
        bl_problem_free(P);
    }
}

/* ---- doublewell: each start ends in the well downhill of it ---- */

static double bisect(double w, double a, double b)
{
    /* the root of θ³ − θ − ω in [a, b] */
    for (int k = 0; k < 200; k++) {
        double c = 0.5 * (a + b), fa = a * a * a - a - w, fc = c * c * c - c - w;
        if ((fa < 0) == (fc < 0)) a = c;
        else b = c;
    }
    return 0.5 * (a + b);
}

static void check_doublewell(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_doublewell, NULL, NULL, &e);
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(1);
    const double w = 0.2, c = 1 / sqrt(3.0);
    double left = bisect(w, -2, -c), mid = bisect(w, -c, c), right = bisect(w, c, 2);
    gsl_vector_set(om, 0, w);
    const double starts[4] = {-1.5, mid - 0.05, mid + 0.05, 1.5};
    const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    for (int k = 0; k < 2; k++) {
        int ok = 1;
        for (int s = 0; s < 4; s++) {
            bl_inner_conf ic = {T[k], 0, 1e-12, 5000, 0};
            gsl_vector_set(th, 0, starts[s]);
            int st = bl_inner_solve_at(P, &ic, om, th, NULL, NULL, &e);
            double want = starts[s] < mid ? left : right;
            if (!((st == BL_OK || st == BL_ESTALL) && fabs(gsl_vector_get(th, 0) - want) <= 1e-9)) {
                ok = 0;
                tap_diag("%s from %g: θ = %.17g (want %.17g), %s", T[k]->name, starts[s],
                         gsl_vector_get(th, 0), want, st ? e.msg : "ok");
            }
        }
        tap_ok(ok, "doublewell ω = 0.2: %s from ±1.5 and from the maximum ± 0.05 ends in "
               "the well downhill (%.6g or %.6g)", T[k]->name, left, right);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* ---- non-smooth problems are refused ---- */

static void check_nonsmooth(void)
{
    bl_dataset *ds = make_ds(40, 20, 8);
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_lasso, NULL, ds, &e);
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_calloc(8);
    const bl_inner_type *T[2] = {bl_inner_lbfgs, bl_inner_newton_cg};
    for (int k = 0; P && k < 2; k++) {
        bl_inner *it = bl_inner_alloc(T[k], 8);
        e.msg[0] = 0;
        int st = bl_inner_set(it, P, om, th, 0, &e);
        tap_ok(st == BL_EUNSUPPORTED && has(e.msg, "non-smooth") && has(e.msg, T[k]->name),
               "lasso is refused by %s: \"%s\"", T[k]->name, e.msg);
        bl_inner_free(it);
    }
    if (!P) tap_ok(0, "lasso allocates: %s", e.msg);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
    free_ds(ds);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 14);
    check_table();
    check_quadratic();
    check_ridge();
    check_logreg();
    check_heat();
    check_doublewell();
    check_nonsmooth();
    gsl_rng_free(rng);
    return tap_done();
}
