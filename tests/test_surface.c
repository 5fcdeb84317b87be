/* test_surface.c: grids over ω and over budgets: pointwise agreement,
 * closed forms, thread-count invariance, cancellation. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "surface.h"

static bl_axis axis(size_t coord, double lo, double hi, size_t n)
{
    bl_axis a = {coord, n, malloc(n * sizeof(double))};
    for (size_t i = 0; i < n; i++) a.values[i] = n > 1 ? lo + (hi - lo) * i / (n - 1) : lo;
    return a;
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof(double)) == 0;
}

/* Thread-count invariance: 1, 2 and 3 threads give bit-identical grids,
 * with every point from θ₀ and along a path (13 points on axis 0: a full
 * segment of 8 and a shorter one). */
static void threads_invariance(bl_problem *P, int path, const char *what)
{
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 100000};
    gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
    bl_axis ax[2] = {axis(0, -3, 1, 13), axis(P->d > 1 ? 1 : 0, -1, 1, 5)};
    size_t naxes = P->d > 1 ? 2 : 1;
    bl_spec sp[2];
    bl_spec_parse("cg:k=3", &sp[0], NULL);
    bl_spec_parse("reverse:t=20", &sp[1], NULL);
    bl_surface s[3];
    int ok = 1;
    for (int t = 0; t < 3; t++)
        ok &= bl_surface_compute(&s[t], P, om, th, &ic, ax, naxes, sp, 2, 0, path, t + 1, NULL,
                                 NULL, NULL, NULL) == BL_OK;
    tap_ok(ok && s[0].ndone == s[0].npoints, "%s: grid of %zu points computed with 1, 2, 3 threads",
           what, s[0].npoints);
    size_t n = s[0].npoints, d = s[0].d;
    for (int t = 1; t < 3 && ok; t++)
        tap_ok(same_doubles(s[0].F, s[t].F, n) && same_doubles(s[0].grad, s[t].grad, n * d)
               && same_doubles(s[0].est, s[t].est, 2 * n * d)
               && same_doubles(s[0].rel_err, s[t].rel_err, 2 * n),
               "%s: %d threads give bit-identical F, reference and estimates", what, t + 1);
    for (int t = 0; t < 3; t++) bl_surface_free(&s[t]);
    free(ax[0].values);
    free(ax[1].values);
    gsl_vector_free(om);
    gsl_vector_free(th);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);

    /* ridge on synthetic data: F on the grid is the closed form; the grid
     * minimum is within one grid step of the optimum */
    bl_synth_opts so;
    bl_synth_opts_default(&so);
    so.n = 60;
    so.m = 40;
    so.p = 6;
    so.noise = 1.0;
    so.seed = 5;
    bl_dataset *ds = NULL;
    bl_data_synth("regression", &so, &ds, NULL);
    bl_problem *R = bl_problem_alloc(&bl_problem_ridge, NULL, ds, NULL);
    tap_ok(R != NULL, "ridge on synthetic data");
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100};
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_calloc(R->p);
    gsl_vector *ts = gsl_vector_alloc(R->p), *g = gsl_vector_alloc(1);
    size_t n = 61;
    bl_axis ax = axis(0, -8, 4, n);
    bl_surface s;
    int st = bl_surface_compute(&s, R, om, th, &ic, &ax, 1, NULL, 0, 0, 0, 2, NULL, NULL, NULL,
                                NULL);
    tap_ok(st == BL_OK && s.ndone == n && s.nfailed == 0 && !s.partial,
           "ridge surface: %zu of %zu points, none failed", s.ndone, n);
    double worstF = 0, worstg = 0;
    for (size_t k = 0; k < n; k++) {
        gsl_vector_set(om, 0, ax.values[k]);
        R->type->theta_star(R, om, ts);
        double F = bl_problem_L(R, ts, om);
        R->type->hypergrad(R, om, g);
        worstF = fmax(worstF, fabs(s.F[k] - F) / fmax(1, fabs(F)));
        worstg = fmax(worstg, fabs(s.grad[k] - gsl_vector_get(g, 0)) / fmax(1e-12, fabs(gsl_vector_get(g, 0))));
    }
    tap_ok(worstF < 1e-12, "ridge surface F equals the closed form (worst %.3g)", worstF);
    tap_ok(worstg < 1e-8, "ridge surface reference equals the closed-form ∇F (worst %.3g)", worstg);

    /* the same along a path, with gd (whose iterations a good start saves) */
    {
        bl_inner_conf gd = {bl_inner_gd, 0, 1e-11, 1000000};
        bl_surface s0, s1;
        int st0 = bl_surface_compute(&s0, R, om, th, &gd, &ax, 1, NULL, 0, 0, 0, 2, NULL, NULL,
                                     NULL, NULL);
        int st1 = bl_surface_compute(&s1, R, om, th, &gd, &ax, 1, NULL, 0, 0, 1, 2, NULL, NULL,
                                     NULL, NULL);
        /* worst errors against the closed form from θ₀ (q = 0) and along the
         * path (q = 1): the path must be as accurate as the tolerance allows */
        double wF[2] = {0, 0}, wg[2] = {0, 0};
        for (size_t k = 0; k < n && st0 == BL_OK && st1 == BL_OK; k++) {
            gsl_vector_set(om, 0, ax.values[k]);
            R->type->theta_star(R, om, ts);
            double F = bl_problem_L(R, ts, om);
            R->type->hypergrad(R, om, g);
            double gk = gsl_vector_get(g, 0);
            for (int q = 0; q < 2; q++) {
                const bl_surface *sq = q ? &s1 : &s0;
                wF[q] = fmax(wF[q], fabs(sq->F[k] - F) / fmax(1, fabs(F)));
                wg[q] = fmax(wg[q], fabs(sq->grad[k] - gk) / fmax(1e-12, fabs(gk)));
            }
        }
        tap_ok(st0 == BL_OK && st1 == BL_OK && s1.ndone == n && s1.path && !s0.path,
               "ridge surface along a path: %zu of %zu points", s1.ndone, n);
        tap_ok(wF[1] <= fmax(10 * wF[0], 1e-13) && wg[1] <= fmax(10 * wg[0], 1e-10),
               "along a path F and ∇F are as close to the closed form as from θ₀ "
               "(worst %.3g, %.3g; from θ₀ %.3g, %.3g)", wF[1], wg[1], wF[0], wg[0]);
        tap_ok(s1.inner_iters < s0.inner_iters, "gd along a path takes %lu iterations, "
               "from θ₀ at every point %lu", s1.inner_iters, s0.inner_iters);
        bl_surface_free(&s0);
        bl_surface_free(&s1);
        gsl_vector_set(om, 0, 0);
    }
    /* the optimum: ∇F changes sign between two grid points; bisect the closed form */
    size_t best = bl_surface_argmin(&s);
    double lo = -8, hi = 4;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        gsl_vector_set(om, 0, mid);
        R->type->hypergrad(R, om, g);
        if (gsl_vector_get(g, 0) > 0) hi = mid;
        else lo = mid;
    }
    double wstar = 0.5 * (lo + hi), step = 12.0 / (n - 1);
    tap_ok(best < n && fabs(ax.values[best] - wstar) <= step + 1e-12,
           "the grid minimum %.4g is within one step (%.3g) of the optimum %.6g",
           best < n ? ax.values[best] : NAN, step, wstar);
    bl_surface_free(&s);

    /* F on a grid matches pointwise evaluation with the same solver */
    bl_problem *Q = quadratic(8, 2, 30, 0.1, 3);
    bl_inner_conf icq = {bl_inner_newton, 0, 1e-12, 100};
    gsl_vector *omq = gsl_vector_calloc(2), *thq = gsl_vector_calloc(8), *t2 = gsl_vector_alloc(8);
    gsl_vector_set(omq, 1, 0.3);
    bl_axis a0 = axis(0, -1, 1, 7);
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &a0, 1, NULL, 0, 0, 0, 3, NULL, NULL, NULL, NULL);
    double worst = 0;
    for (size_t k = 0; k < 7 && st == BL_OK; k++) {
        gsl_vector_set(omq, 0, a0.values[k]);
        gsl_vector_set_zero(t2);
        bl_inner_solve_at(Q, &icq, omq, t2, NULL, NULL, NULL);
        worst = fmax(worst, fabs(s.F[k] - bl_problem_L(Q, t2, omq)));
    }
    tap_ok(st == BL_OK && worst == 0, "grid F equals pointwise F bit for bit (other ω coordinates "
           "kept: ω₁ = 0.3), worst %.3g", worst);
    bl_surface_free(&s);

    /* thread invariance on both problems */
    threads_invariance(R, 0, "ridge");
    threads_invariance(Q, 0, "quadratic d=2");
    threads_invariance(R, 1, "ridge along a path");
    threads_invariance(Q, 1, "quadratic d=2 along a path");

    /* cancellation: a set flag stops the grid, keeps what is done, partial */
    bl_cancel_t cancel = 1;
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &a0, 1, NULL, 0, 0, 1, 2, &cancel, NULL, NULL,
                            NULL);
    tap_ok(st == BL_EINTR && s.partial && s.ndone < s.npoints,
           "a cancelled grid returns BL_EINTR, partial, %zu of %zu points", s.ndone, s.npoints);
    bl_surface_free(&s);

    /* errors */
    bl_axis bad = axis(5, 0, 1, 3);
    bl_err e = {0};
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &bad, 1, NULL, 0, 0, 0, 1, NULL, NULL, NULL, &e);
    tap_ok(st == BL_EDIM && has(e.msg, "omega[5]"), "an axis past ω's dimension: %s", e.msg);
    free(bad.values);

    /* budget: cg with k = p is exact; neumann's error falls with k;
     * 1 and 3 threads agree */
    bl_spec sp[2];
    bl_spec_parse("cg", &sp[0], NULL);
    bl_spec_parse("neumann", &sp[1], NULL);
    double ks[] = {1, 4, 8, 32, 128};
    bl_budget b1, b3;
    gsl_vector_set(omq, 0, 0.5);
    gsl_vector_set_zero(thq);
    bl_inner_solve_at(Q, &icq, omq, thq, NULL, NULL, NULL);
    st = bl_budget_compute(&b1, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 1, NULL, NULL, NULL, &e);
    int st3 = bl_budget_compute(&b3, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 3, NULL, NULL,
                                NULL, &e);
    tap_ok(st == BL_OK && st3 == BL_OK && b1.ndone == 10, "budget: 2 estimators × 5 values");
    tap_ok(b1.rel_err[2] < 1e-10, "budget: cg:k=8 on p=8 is exact (%.3g)", b1.rel_err[2]);
    int falls = 1;
    for (size_t v = 1; v < 5; v++) falls &= b1.rel_err[5 + v] < b1.rel_err[5 + v - 1];
    tap_ok(falls, "budget: neumann's error falls as k grows (%.3g → %.3g)", b1.rel_err[5],
           b1.rel_err[9]);
    tap_ok(same_doubles(b1.rel_err, b3.rel_err, 10), "budget: 1 and 3 threads agree bit for bit");
    bl_budget_free(&b1);
    bl_budget_free(&b3);
    bl_spec_parse("reverse", &sp[1], NULL);
    st = bl_budget_compute(&b1, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 1, NULL, NULL, NULL, &e);
    tap_ok(st == BL_EINVAL && has(e.msg, "reverse has no parameter 'k'"),
           "budget: a parameter one estimator lacks is refused: %s", e.msg);

    free(ax.values);
    free(a0.values);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(omq);
    gsl_vector_free(thq);
    gsl_vector_free(t2);
    bl_problem_free(R);
    bl_problem_free(Q);
    bl_dataset_free(ds);
    gsl_rng_free(rng);
    return tap_done();
}
