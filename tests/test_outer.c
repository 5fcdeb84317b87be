/* test_outer.c: the outer optimisers and bl_outer_step (outer.c) against
 * closed-form optima (quadratic: bl_quadratic_optimum; ridge: a golden
 * section search on the closed-form value function), the Armijo rule
 * checked by hand, box projection, and failure atomicity. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"

static const double INF = INFINITY;

/* The estimator every outer step here uses. */
static bl_spec exact_spec(void)
{
    bl_spec s;
    bl_err e = {0, ""};
    bl_spec_parse("exact", &s, &e);
    return s;
}

/* An outer configuration: optimiser NAME, step, backtracking, box [lo, hi]
 * and inner steps per outer step (0: solve to tol); no cap on the move. */
static bl_outer_conf outer_conf(const char *name, double step, int backtrack, double lo,
                                double hi, size_t inner_steps)
{
    bl_outer_conf c = {.type = bl_outer_lookup(name), .step = step, .backtrack = backtrack,
                       .lo = lo, .hi = hi, .inner_steps = inner_steps};
    return c;
}

/* What bl_outer_step reads and writes, without a cancel flag. */
static bl_outer_env outer_env(bl_problem *P, gsl_vector *om, gsl_vector *th,
                              const bl_inner_conf *ic, const bl_outer_conf *oc,
                              const bl_spec *spec)
{
    bl_outer_env env = {.P = P, .omega = om, .theta = th, .inner = ic, .conf = oc,
                        .estimator = spec};
    return env;
}

/* A run of N outer steps; returns the first failing status. */
static int run_steps(bl_outer *o, bl_outer_env *env, size_t n, bl_err *e)
{
    for (size_t k = 0; k < n; k++) {
        int st = bl_outer_step(o, env, e);
        if (st) return st;
    }
    return BL_OK;
}

/* The last trace row whose F rose above the row before it (0: F never
 * rose). */
static size_t last_rise(const bl_trace *t)
{
    size_t bad = 0;
    for (size_t k = 1; k < t->n; k++)
        if (!(t->F[k] <= t->F[k - 1] * (1 + 1e-15))) bad = k;
    return bad;
}

/* ‖θ − θ*(ω)‖: how far θ is from the inner solution at ω. */
static double off_theta_star(bl_problem *P, const gsl_vector *om, const gsl_vector *th)
{
    gsl_vector *ts = gsl_vector_alloc(th->size);
    P->type->theta_star(P, om, ts);
    gsl_vector_sub(ts, th);
    double r = gsl_blas_dnrm2(ts);
    gsl_vector_free(ts);
    return r;
}

/* ---- the spine's acceptance test ---- */

static void check_acceptance(void)
{
    bl_problem *P = quadratic(20, 5, 1e4, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    /* inner.tol 1e-10 as the session's default; newton needs one iteration
     * on a quadratic, so a cap of 50 (not 10000) keeps a regression that
     * makes it spin fast to fail */
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 50, 0};
    bl_outer_conf oc = outer_conf("gd", 1.0, 1, -INF, INF, 0);
    gsl_vector *om = gsl_vector_calloc(5), *th = gsl_vector_calloc(20);
    gsl_vector *ws = gsl_vector_alloc(5), *g = gsl_vector_alloc(5);
    double Fs = NAN;
    int st = bl_quadratic_optimum(P, ws, &Fs);
    tap_ok(st == BL_OK && isfinite(Fs), "quadratic(kappa=1e4): F* = %.17g", Fs);

    bl_outer *o = bl_outer_alloc(oc.type, 5);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
    double *path = malloc(200 * 5 * sizeof *path);
    int rows_ok = 1;
    for (size_t k = 0; k < 200 && st == BL_OK; k++) {
        for (size_t i = 0; i < 5; i++) path[k * 5 + i] = gsl_vector_get(om, i);
        st = bl_outer_step(o, &env, &e);
    }
    tap_ok(st == BL_OK, "200 outer steps (newton, exact, gd step 1, backtracking) run%s%s",
           st ? ": " : "", st ? e.msg : "");
    tap_ok(o->trace.n == 200 && o->iter == 200 && o->trace.d == 5,
           "trace: 200 rows, iter 200 (%zu, %zu)", o->trace.n, o->iter);
    size_t bad = last_rise(&o->trace);
    int mono = bad == 0;
    tap_ok(mono, "trace F non-increasing over 200 steps%s", mono ? "" : " (first rise late)");
    if (!mono) tap_diag("F rises at row %zu: %.17g after %.17g", bad, o->trace.F[bad],
                        o->trace.F[bad - 1]);
    double Ffin = F_closed(P, om);
    double gap = Ffin - Fs;
    tap_ok(fabs(gap) <= 1e-6 && gap >= -1e-12 * Fs,
           "final F = %.17g within 1e-6 of F* (gap %.3g)", Ffin, gap);
    tap_diag("quadratic kappa=1e4: final gap F − F* = %.3g, last trace F − F* = %.3g, "
             "|ω − ω*| = %.3g", gap, o->trace.F[199] - Fs, dist(om, ws));

    /* every row: ω before the step, F and ‖∇F‖ there (closed forms), a
     * step 2^-k (k ≤ 40) or 0 when no halving decreased F */
    size_t stalls = 0, worst_row = 0, worst = 0;
    for (size_t k = 0; k < o->trace.n && rows_ok; k++) {
        gsl_vector_view w = gsl_vector_view_array(path + k * 5, 5);
        rows_ok = memcmp(o->trace.omega + k * 5, path + k * 5, 5 * sizeof(double)) == 0
                  && fabs(o->trace.F[k] - F_closed(P, &w.vector)) <= 1e-10 * fabs(Fs);
        P->type->hypergrad(P, &w.vector, g);
        double gn = gsl_blas_dnrm2(g), st_k = o->trace.step[k];
        int halvings = st_k > 0 ? (int)lround(-log2(st_k)) : 40;
        rows_ok = rows_ok && fabs(o->trace.gnorm[k] - gn) <= 1e-8 * gn + 1e-13
                  && (st_k == 0 || (halvings >= 0 && halvings <= 40
                                    && st_k == ldexp(1.0, -halvings)));
        if (!rows_ok) tap_diag("row %zu differs", k);
        /* one solve at ω and one per trial step, each ≤ 2 newton iterations */
        size_t allowed = 2 * (size_t)(halvings + 2);
        if (o->trace.inner_iters[k] > allowed) stalls++;
        if (o->trace.inner_iters[k] > worst) worst = o->trace.inner_iters[k], worst_row = k;
    }
    tap_ok(rows_ok, "trace rows: ω before each step, F(ω) and ‖∇F(ω)‖ as the closed "
           "forms, steps 2^-k or 0");
    tap_ok(o->trace.step[0] == 1 && o->trace.inner_iters[0] == 1,
           "row 0: θ = 0 is θ*(0), the one trial step needs 1 newton iteration (%zu)",
           o->trace.inner_iters[0]);
    /* (regression: newton used to stall next to θ*, its Armijo test on G
     * lost in round-off, and spin to inner.maxit) */
    tap_ok(stalls == 0, "every inner solve takes ≤ 2 newton iterations (%zu rows exceed "
           "that; most: row %zu, %zu iterations over all its solves)", stalls, worst_row,
           worst);
    /* the final θ is the inner solution at the final ω */
    double off = off_theta_star(P, om, th);
    tap_ok(off <= 1e-9, "θ returned is θ*(ω) at the final ω (%.3g)", off);

    bl_outer_reset(o);
    tap_ok(o->trace.n == 0 && o->iter == 0, "bl_outer_reset clears the trace and iter");

    free(path);
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ws);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* ---- ridge on diabetes ---- */

static double golden(bl_problem *P, double a, double b, double tol)
{
    const double r = (sqrt(5.0) - 1) / 2;
    double c = b - r * (b - a), d = a + r * (b - a);
    double fc = F_closed1(P, c), fd = F_closed1(P, d);
    while (b - a > tol) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = F_closed1(P, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = F_closed1(P, d);
        }
    }
    return 0.5 * (a + b);
}

static void check_ridge(void)
{
    char path[4096];
    bl_dataset *ds;
    bl_problem *P;
    bl_err e = {0, ""};
    if (!ridge_bundled("diabetes", path, sizeof path, &ds, &P, &e)) return;
    tap_ok(P != NULL, "ridge on diabetes builds %s", e.msg);
    if (!P) {
        bl_dataset_free(ds);
        return;
    }
    /* F on a grid: the minimum is inside [−4, −1], F falls then rises there */
    double best = INF, wbest = 0;
    for (double w = -12; w <= 4; w += 0.25) {
        double F = F_closed1(P, w);
        if (F < best) best = F, wbest = w;
    }
    tap_ok(wbest > -4 && wbest < -1, "grid minimum of F on [−12, 4] at ω = %g", wbest);
    double wstar = golden(P, -4, -1, 1e-9);
    gsl_vector *om = gsl_vector_alloc(1), *g = gsl_vector_alloc(1), *g0 = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, wstar);
    P->type->hypergrad(P, om, g);
    gsl_vector_set(om, 0, 0.0);
    P->type->hypergrad(P, om, g0);
    tap_ok(fabs(gsl_vector_get(g, 0)) <= 1e-5 * fabs(gsl_vector_get(g0, 0)),
           "golden section: ω* = %.10f, closed-form ∇F(ω*) = %.3g ≈ 0 (∇F(0) = %.4g)", wstar,
           gsl_vector_get(g, 0), gsl_vector_get(g0, 0));

    bl_spec spec = exact_spec();
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 100, 0};
    bl_outer_conf oc = outer_conf("gd", 1.0, 1, -INF, INF, 0);
    gsl_vector *th = gsl_vector_calloc(P->p);
    bl_outer *o = bl_outer_alloc(oc.type, 1);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);

    /* From ω = 0 a full step ω₁ = −∇F(0) ≈ −193 lands on the plateau
     * F(−∞) ≈ 1653 < F(0) ≈ 1774: Armijo rightly accepts it (and gd then
     * stays there, ∇F ≈ e^ω ≈ 0). */
    gsl_vector_set(om, 0, 0.0);
    double F0 = F_closed1(P, 0.0), g0v = gsl_vector_get(g0, 0);
    int st = bl_outer_step(o, &env, &e);
    double w1 = gsl_vector_get(om, 0), F1 = F_closed1(P, w1);
    tap_ok(st == BL_OK && o->trace.step[0] == 1 && fabs(w1 + g0v) <= 1e-12 * fabs(g0v)
           && F1 <= F0 + 1e-4 * g0v * w1,
           "ridge from ω = 0, step 1: ω₁ = −∇F(0) = %.6g is accepted (F %.6g → %.6g)", w1,
           F0, F1);
    tap_diag("F's plateau for ω → −∞ (%.6g) is above F* = %.6g: a start at 0 with step 1 "
             "does not reach ω*", F1, F_closed1(P, wstar));

    /* from ω = −3, inside the basin */
    bl_outer_reset(o);
    gsl_vector_set(om, 0, -3.0);
    gsl_vector_set_zero(th);
    st = run_steps(o, &env, 50, &e);
    double w50 = gsl_vector_get(om, 0);
    tap_ok(st == BL_OK && fabs(w50 - wstar) <= 1e-5,
           "50 backtracking gd steps from ω = −3 reach ω* (%.10f, |ω − ω*| = %.3g)", w50,
           fabs(w50 - wstar));
    tap_ok(last_rise(&o->trace) == 0 && o->trace.n == 50, "ridge: F non-increasing over the 50 rows");
    P->type->hypergrad(P, om, g);
    tap_ok(fabs(gsl_vector_get(g, 0)) <= 1e-6 * fabs(g0v),
           "ridge: closed-form ∇F at the final ω is %.3g", gsl_vector_get(g, 0));

    /* the box [−1, 5] from ω = 0: the optimum ω* ≈ −2.3 is outside, the
     * answer is the bound −1, where ∇F > 0 (KKT) */
    bl_outer_reset(o);
    oc.lo = -1;
    oc.hi = 5;
    gsl_vector_set(om, 0, 0.0);
    gsl_vector_set_zero(th);
    st = run_steps(o, &env, 30, &e);
    int inside = 1;
    for (size_t k = 0; k < o->trace.n; k++)
        inside = inside && o->trace.omega[k] >= -1 && o->trace.omega[k] <= 5;
    P->type->hypergrad(P, om, g);
    tap_ok(st == BL_OK && inside && gsl_vector_get(om, 0) == -1 && gsl_vector_get(g, 0) > 0,
           "ridge on [−1, 5]: iterates inside, ends on the bound −1 with ∇F = %.4g > 0",
           gsl_vector_get(g, 0));

    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(g0);
    gsl_vector_free(th);
    bl_problem_free(P);
    bl_dataset_free(ds);
}

/* ---- box bounds on quadratic ---- */

static void check_box(void)
{
    bl_problem *P = quadratic(20, 5, 100, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 10000, 0};
    bl_outer_conf oc = outer_conf("gd", 1.0, 1, -5, -2, 0);
    gsl_vector *om = gsl_vector_alloc(5), *th = gsl_vector_calloc(20);
    gsl_vector *g = gsl_vector_alloc(5);
    gsl_vector_set_all(om, -3);
    bl_outer *o = bl_outer_alloc(oc.type, 5);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
    int st = BL_OK, inside = 1;
    for (size_t k = 0; k < 100 && st == BL_OK; k++) {
        st = bl_outer_step(o, &env, &e);
        for (size_t i = 0; i < 5; i++)
            inside = inside && gsl_vector_get(om, i) >= -5 && gsl_vector_get(om, i) <= -2;
    }
    tap_ok(st == BL_OK && inside, "box [−5, −2] from ω = −3: 100 steps, every iterate inside");
    /* KKT of min F on the box: ∇F_i ≥ 0 at lo, ≤ 0 at hi, = 0 inside */
    P->type->hypergrad(P, om, g);
    int kkt = 1, at_hi = 0;
    for (size_t i = 0; i < 5; i++) {
        double w = gsl_vector_get(om, i), gi = gsl_vector_get(g, i);
        if (w == -2) at_hi++, kkt = kkt && gi <= 1e-9;
        else if (w == -5) kkt = kkt && gi >= -1e-9;
        else kkt = kkt && fabs(gi) <= 1e-6;
    }
    tap_ok(kkt && at_hi > 0, "the end point satisfies the box KKT conditions (%d coordinates "
           "on the upper bound)", at_hi);
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* ---- momentum and adam ---- */

static void check_optimisers(void)
{
    tap_ok(bl_outer_lookup("gd") && bl_outer_lookup("momentum") && bl_outer_lookup("adam")
           && !bl_outer_lookup("sgd") && !bl_outer_lookup("") && !bl_outer_lookup("Adam"),
           "bl_outer_lookup: gd, momentum, adam by exact name");
    bl_outer_free(NULL);

    /* direction() is tentative: only accept() moves the state */
    double gv1[3] = {1.0, -2.0, 0.5}, gv2[3] = {-0.3, 4.0, 2.0};
    gsl_vector_view g1 = gsl_vector_view_array(gv1, 3), g2 = gsl_vector_view_array(gv2, 3);
    gsl_vector *dir = gsl_vector_alloc(3), *d0 = gsl_vector_alloc(3);
    bl_outer *o = bl_outer_alloc(bl_outer_lookup("momentum"), 3);
    o->type->direction(o->state, &g1.vector, d0);
    o->type->direction(o->state, &g1.vector, dir);
    int ok = same_bits(d0, dir);
    for (int i = 0; i < 3; i++) ok = ok && gsl_vector_get(dir, i) == -gv1[i];
    tap_ok(ok, "momentum: direction without accept is −g, twice");
    o->type->accept(o->state);
    o->type->direction(o->state, &g2.vector, dir);
    ok = 1;
    for (int i = 0; i < 3; i++)
        ok = ok && fabs(gsl_vector_get(dir, i) + (0.9 * gv1[i] + gv2[i])) <= 1e-15;
    tap_ok(ok, "momentum after accept: −(0.9 g₁ + g₂)");
    o->type->reset(o->state);
    o->type->direction(o->state, &g2.vector, dir);
    ok = 1;
    for (int i = 0; i < 3; i++) ok = ok && gsl_vector_get(dir, i) == -gv2[i];
    tap_ok(ok, "momentum after reset: −g again");
    bl_outer_free(o);

    o = bl_outer_alloc(bl_outer_lookup("adam"), 3);
    o->type->direction(o->state, &g1.vector, d0);
    o->type->direction(o->state, &g2.vector, dir);
    ok = 1;
    for (int i = 0; i < 3; i++)   /* bias-corrected: m̂ = g, v̂ = g² */
        ok = ok && fabs(gsl_vector_get(d0, i) + gv1[i] / (fabs(gv1[i]) + 1e-8)) <= 1e-15
             && fabs(gsl_vector_get(dir, i) + gv2[i] / (fabs(gv2[i]) + 1e-8)) <= 1e-15;
    tap_ok(ok, "adam: first direction −g/(|g| + ε), whatever was tried before");
    o->type->direction(o->state, &g1.vector, dir);
    o->type->accept(o->state);
    o->type->direction(o->state, &g2.vector, dir);
    ok = 1;
    for (int i = 0; i < 3; i++) {
        double m = 0.9 * 0.1 * gv1[i] + 0.1 * gv2[i];
        double v = 0.999 * 0.001 * gv1[i] * gv1[i] + 0.001 * gv2[i] * gv2[i];
        double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        ok = ok && fabs(gsl_vector_get(dir, i) + mh / (sqrt(vh) + 1e-8)) <= 1e-12;
    }
    tap_ok(ok, "adam second step after accept: m̂/(√v̂ + ε) by hand");
    bl_outer_free(o);
    gsl_vector_free(dir);
    gsl_vector_free(d0);

    /* progress on the quadratic, without backtracking */
    bl_problem *P = quadratic(20, 5, 100, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 10000, 0};
    gsl_vector *ws = gsl_vector_alloc(5);
    double Fs;
    bl_quadratic_optimum(P, ws, &Fs);
    const char *names[2] = {"momentum", "adam"};
    double steps[2] = {1.0, 0.1};
    for (int k = 0; k < 2; k++) {
        bl_outer_conf oc = outer_conf(names[k], steps[k], 0, -INF, INF, 0);
        gsl_vector *om = gsl_vector_calloc(5), *th = gsl_vector_calloc(20);
        o = bl_outer_alloc(oc.type, 5);
        bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
        double F0 = F_closed(P, om);
        int st = run_steps(o, &env, 100, &e);
        double F1 = F_closed(P, om);
        tap_ok(st == BL_OK && F1 < F0 && F1 - Fs < 0.05 * (F0 - Fs),
               "%s (step %g): 100 steps take F from %.6g to %.6g (F* = %.6g)", names[k],
               steps[k], F0, F1, Fs);
        bl_outer_free(o);
        gsl_vector_free(om);
        gsl_vector_free(th);
    }
    gsl_vector_free(ws);
    bl_problem_free(P);
}

/* ---- the Armijo rule by hand, and a huge step ---- */

static void check_huge_step(void)
{
    bl_problem *P = quadratic(20, 5, 100, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    /* at ω ~ 1e6 an absolute tol of 1e-10 is below round-off: newton must
     * report a stall (BL_ESTALL, which the outer step accepts) rather than
     * spin to maxit */
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 50, 0};
    bl_outer_conf oc = outer_conf("gd", 1e6, 0, -INF, INF, 0);
    gsl_vector *om = gsl_vector_calloc(5), *th = gsl_vector_calloc(20);
    gsl_vector *g = gsl_vector_alloc(5), *w = gsl_vector_alloc(5);
    gsl_vector_set(om, 0, 0.3);
    gsl_vector_set(om, 3, -0.2);
    gsl_vector *om0 = gsl_vector_alloc(5);
    gsl_vector_memcpy(om0, om);
    P->type->hypergrad(P, om, g);
    double F0 = F_closed(P, om);

    bl_outer *o = bl_outer_alloc(oc.type, 5);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
    int st = bl_outer_step(o, &env, &e);
    gsl_vector_memcpy(w, om0);
    gsl_blas_daxpy(-1e6, g, w);
    gsl_vector_sub(w, om);
    tap_ok(st == BL_OK && o->trace.step[0] == 1e6 && gsl_blas_dnrm2(w) <= 1e-9 * 1e6 * gsl_blas_dnrm2(g),
           "no backtracking, step 1e6: the step runs, ω' = ω − 1e6 g (F(ω') = %.3g)",
           F_closed(P, om));
    tap_ok(off_theta_star(P, om0, th) <= 1e-9,
           "without backtracking θ stays the inner solution at the old ω");
    bl_outer_free(o);

    /* with backtracking: the largest 1e6·2^-k that passes Armijo */
    oc.backtrack = 1;
    gsl_vector_memcpy(om, om0);
    gsl_vector_set_zero(th);
    o = bl_outer_alloc(oc.type, 5);
    st = bl_outer_step(o, &env, &e);
    double s = o->trace.step[0];
    int k = (int)lround(log2(1e6 / s));
    double F1 = F_closed(P, om);
    /* Armijo by hand for s and for 2s */
    double gg;
    gsl_blas_ddot(g, g, &gg);
    gsl_vector_memcpy(w, om0);
    gsl_blas_daxpy(-2 * s, g, w);
    double F2s = F_closed(P, w);
    tap_ok(st == BL_OK && s < 1e6 && s == ldexp(1e6, -k) && k <= 40,
           "backtracking cuts the step to 1e6·2^-%d = %.6g", k, s);
    tap_ok(F1 <= F0 - 1e-4 * s * gg * (1 - 1e-12) && F1 < F0,
           "the accepted step satisfies F(ω − s g) ≤ F − 1e-4 s‖g‖² (%.10g ≤ %.10g)", F1,
           F0 - 1e-4 * s * gg);
    tap_ok(F2s > F0 - 1e-4 * 2 * s * gg, "and 2s does not (%.10g > %.10g)", F2s,
           F0 - 2e-4 * s * gg);
    tap_ok(off_theta_star(P, om, th) <= 1e-9, "with backtracking θ is the inner solution at ω'");
    bl_outer_free(o);

    gsl_vector_free(om);
    gsl_vector_free(om0);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(w);
    bl_problem_free(P);
}

/* ---- failures leave ω, θ (and the optimiser) as they were ---- */

/* G = (h/2)(θ − ω)², L = ½θ² (p = d = 1): for h > 0, θ* = ω, F = ½ω²,
 * ∇F = ω, H = h, C = −h.  Parameter s multiplies C (s = −1: every
 * hypergradient points uphill); h = 0 makes H singular. */
enum { UP_S, UP_H };
static double up_G(bl_problem *P, cvec *th, cvec *om)
{
    double t = gsl_vector_get(th, 0) - gsl_vector_get(om, 0);
    return 0.5 * P->par[UP_H] * t * t;
}
static double up_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)P, (void)om;
    return 0.5 * gsl_vector_get(th, 0) * gsl_vector_get(th, 0);
}
static void up_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    gsl_vector_set(g, 0, P->par[UP_H] * (gsl_vector_get(th, 0) - gsl_vector_get(om, 0)));
}
static void up_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_set(g, 0, gsl_vector_get(th, 0));
}
static void up_zero(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}
static void up_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    gsl_vector_set(out, 0, P->par[UP_H] * gsl_vector_get(v, 0));
}
static void up_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    gsl_vector_set(out, 0, -P->par[UP_S] * P->par[UP_H] * gsl_vector_get(v, 0));
}
static double up_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    return P->par[UP_H];
}
static int up_init(bl_problem *P, bl_err *e)
{
    (void)e;
    P->p = 1;
    P->d = 1;
    return BL_OK;
}
static const bl_param up_params[] = {
    {.name = "s", .def = 1, .lo = -1, .hi = 1, .is_int = 0, .help = "sign of C"},
    {.name = "h", .def = 1, .lo = 0, .hi = 1, .is_int = 0, .help = "H"},
};
static const bl_problem_type up_type = {
    .name = "uphill", .summary = "", .inner_text = "", .outer_text = "", .notes = "",
    .params = up_params, .nparams = 2, .init = up_init, .G = up_G, .L = up_L,
    .G_theta = up_G_theta, .G_omega = up_zero, .L_theta = up_L_theta,
    .L_omega = up_zero, .hvp = up_hvp, .cvp = up_cvp, .ctvp = up_cvp,
    .lipschitz = up_lipschitz,
};

static void check_failures(void)
{
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();

    /* 1. the inner solve diverges */
    bl_problem *P = quadratic(20, 5, 100, 0.1, 0);
    if (!P) return;
    gsl_vector *om = gsl_vector_alloc(5), *th = gsl_vector_alloc(20);
    gsl_vector *om0 = gsl_vector_alloc(5), *th0 = gsl_vector_alloc(20);
    for (size_t i = 0; i < 5; i++) gsl_vector_set(om, i, 0.1 * (double)i - 0.2);
    for (size_t i = 0; i < 20; i++) gsl_vector_set(th, i, sin((double)i));
    gsl_vector_memcpy(om0, om);
    gsl_vector_memcpy(th0, th);
    bl_inner_conf wild = {bl_inner_gd, 1e200, 1e-10, 1000, 0};
    for (int mode = 0; mode < 2; mode++) {
        bl_outer_conf oc = outer_conf("momentum", 1.0, 1, -INF, INF, mode ? 5 : 0);
        bl_outer *o = bl_outer_alloc(oc.type, 5);
        bl_outer_env env = outer_env(P, om, th, &wild, &oc, &spec);
        e.code = 0;
        int st = bl_outer_step(o, &env, &e);
        tap_ok(st == BL_EDIVERGE && e.code == BL_EDIVERGE && strstr(e.msg, "diverged")
               && same_bits(om, om0) && same_bits(th, th0) && o->trace.n == 0 && o->iter == 0,
               "%s: diverging inner gd fails the step, ω and θ bit-identical, no trace row "
               "(\"%s\")", mode ? "outer.inner = 5" : "inner solve", e.msg);
        bl_outer_free(o);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(om0);
    gsl_vector_free(th0);
    bl_problem_free(P);

    /* 2. the estimator fails (H singular) */
    double par[2] = {1, 0};
    P = bl_problem_alloc(&up_type, par, NULL, &e);
    if (!P) {
        tap_ok(0, "uphill toy allocates: %s", e.msg);
        return;
    }
    om = gsl_vector_alloc(1);
    th = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, 1.0);
    gsl_vector_set(th, 0, 0.25);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    bl_outer_conf oc = outer_conf("momentum", 0.5, 1, -INF, INF, 0);
    bl_outer *o = bl_outer_alloc(oc.type, 1);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
    e.code = 0;
    int st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_ENOTPD && e.code == BL_ENOTPD && strstr(e.msg, "smallest eigenvalue 0")
           && gsl_vector_get(om, 0) == 1.0 && gsl_vector_get(th, 0) == 0.25
           && o->trace.n == 0 && o->iter == 0,
           "H = 0: exact fails the step, ω and θ untouched (\"%s\")", e.msg);
    /* then an honest problem: the first momentum step is −s·g from a fresh state */
    P->par[UP_H] = 1;
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && gsl_vector_get(om, 0) == 0.5 && o->trace.n == 1
           && fabs(gsl_vector_get(th, 0) - 0.5) <= 1e-15,
           "then an honest step: ω = 1 − 0.5·1 = %.17g", gsl_vector_get(om, 0));
    /* v = 0.9·1 + 0.5 = 1.4, ω = 0.5 − 0.5·1.4 = −0.2: F falls 0.125 → 0.02 */
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && fabs(gsl_vector_get(om, 0) + 0.2) <= 1e-15,
           "second momentum step: ω = 0.5 − 0.5(0.9·1 + 0.5) = %.17g", gsl_vector_get(om, 0));

    /* 3. a cancelled step */
    bl_cancel_t cancel = 1;
    env.cancel = &cancel;
    double w0 = gsl_vector_get(om, 0), t0 = gsl_vector_get(th, 0);
    e.code = 0;
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_EINTR && gsl_vector_get(om, 0) == w0 && gsl_vector_get(th, 0) == t0
           && o->trace.n == 2, "cancelled step: BL_EINTR, nothing moves (\"%s\")", e.msg);
    env.cancel = NULL;
    bl_outer_free(o);

    /* 4. no halving decreases F (hypergradient uphill): a zero step, ω and θ
     * as they were */
    P->par[UP_S] = -1;
    gsl_vector_set(om, 0, 1.0);
    gsl_vector_set(th, 0, 1.0);
    bl_outer_conf ogd = outer_conf("gd", 0.5, 1, -INF, INF, 0);
    env.conf = &ogd;
    o = bl_outer_alloc(ogd.type, 1);
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && gsl_vector_get(om, 0) == 1.0 && gsl_vector_get(th, 0) == 1.0
           && o->trace.n == 1 && o->trace.step[0] == 0 && o->trace.gnorm[0] == 1.0,
           "uphill hypergradient: the line search fails, a zero step (ω, θ unchanged)");
    bl_outer_free(o);

    /* 5. momentum with backtracking restarts when it points uphill:
     * s = 1.5 from ω = 1: ω₁ = −0.5 (v = 1); at ω₁, −(0.9v + g) = −0.4 is
     * uphill (g = −0.5), so restart: ω₂ = −0.5 + 1.5·0.5 = 0.25, then −0.125
     * (without the restart no halving of −0.4 decreases F) */
    P->par[UP_S] = 1;
    gsl_vector_set(om, 0, 1.0);
    gsl_vector_set(th, 0, 0.0);
    bl_outer_conf omo = outer_conf("momentum", 1.5, 1, -INF, INF, 0);
    env.conf = &omo;
    o = bl_outer_alloc(omo.type, 1);
    double want[3] = {-0.5, 0.25, -0.125};
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        st = bl_outer_step(o, &env, &e);
        ok = ok && st == BL_OK && fabs(gsl_vector_get(om, 0) - want[k]) <= 1e-15;
    }
    tap_ok(ok, "momentum with backtracking restarts an uphill direction: ω = −0.5, "
           "0.25, −0.125 (%.17g)", gsl_vector_get(om, 0));
    bl_outer_free(o);

    /* 6. a projected step onto a bound: F = ½ω² on [0.1, 5] from ω = 0.7,
     * step 1: ω − g = 0 projects to 0.1, which the line search accepts; ω
     * must be exactly 0.1 (regression: the accepted ω used to be rebuilt as
     * (ω' − ω) + ω = 0.09999999999999998, outside the box). */
    gsl_vector_set(om, 0, 0.7);
    gsl_vector_set(th, 0, 0.0);
    bl_outer_conf obox = outer_conf("gd", 1.0, 1, 0.1, 5, 0);
    env.conf = &obox;
    o = bl_outer_alloc(obox.type, 1);
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && gsl_vector_get(om, 0) == 0.1
           && fabs(gsl_vector_get(th, 0) - 0.1) <= 1e-16,
           "a step projected onto lo = 0.1 ends at ω = 0.1 exactly, inside the box "
           "(%.17g, θ = %.17g)", gsl_vector_get(om, 0),
           gsl_vector_get(th, 0));
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* ---- trace rows with a fixed number of inner steps ---- */

static void check_inner_steps(void)
{
    bl_problem *P = quadratic(10, 3, 10, 0.1, 1);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 800, 0};
    bl_outer_conf oc = outer_conf("gd", 0.5, 0, -INF, INF, 3);
    gsl_vector *om = gsl_vector_calloc(3), *th = gsl_vector_calloc(10);
    gsl_vector *th1 = gsl_vector_calloc(10);
    gsl_vector_set(om, 1, 1.0);
    bl_outer *o = bl_outer_alloc(oc.type, 3);
    bl_outer_env env = outer_env(P, om, th, &ic, &oc, &spec);
    /* θ after one step is 3 gd steps from θ = 0 at the old ω */
    bl_inner *it = bl_inner_alloc(bl_inner_gd, 10);
    bl_inner_set(it, P, om, th, 0, &e);
    for (int k = 0; k < 3; k++) bl_inner_iterate(it, &e);
    gsl_vector_memcpy(th1, it->theta);
    bl_inner_free(it);
    int st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && same_bits(th, th1),
           "outer.inner = 3 without backtracking: θ is 3 gd steps from the warm start");
    st = run_steps(o, &env, 6, &e);
    int rows = st == BL_OK && o->trace.n == 7;
    for (size_t k = 0; rows && k < o->trace.n; k++) rows = o->trace.inner_iters[k] == 3;
    tap_ok(rows, "7 steps: 7 trace rows, each with 3 inner iterations");

    /* solving to tolerance: the row records the iterations bl_inner_solve_at
     * needs from the same start */
    oc.inner_steps = 0;
    bl_outer_reset(o);
    gsl_vector_memcpy(th1, th);
    size_t used = 0;
    bl_inner_solve_at(P, &ic, om, th1, &used, NULL, &e);
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && o->trace.n == 1 && o->trace.inner_iters[0] == used && used > 3,
           "inner solve to tol: the row records %zu iterations (%zu)", used,
           o->trace.inner_iters[0]);
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(th1);
    bl_problem_free(P);
}

/* ---- inner solves that stop short of inner.tol, and zero steps ---- */

#define MIXCAP 517
static void check_inner_flags(void)
{
    bl_problem *P = quadratic(20, 5, 1e4, 0.1, 0);
    if (!P) return;
    bl_err e = {0, ""};
    bl_spec spec = exact_spec();
    gsl_vector *om = gsl_vector_alloc(5), *th = gsl_vector_calloc(20);
    gsl_vector *om0 = gsl_vector_alloc(5), *th0 = gsl_vector_alloc(20);
    gsl_vector_set_all(om, 0.5);

    /* without backtracking one solve a step: each row's flag and residual
     * are those of an independent solve from the same θ at the same ω; gd
     * from warm starts needs 610, then 524 falling to 509 iterations on
     * these 40 steps, so a cap of 517 is met by about half of them */
    bl_problem *P2 = quadratic(20, 5, 30, 0.1, 0);
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, MIXCAP, 0};
    bl_outer_conf oc = outer_conf("gd", 0.05, 0, -INF, INF, 0);
    bl_outer *o = bl_outer_alloc(oc.type, 5);
    bl_outer_env env = outer_env(P2, om, th, &ic, &oc, &spec);
    size_t count = 0, rows_ok = 1, nsteps = 40;
    int st = BL_OK;
    for (size_t k = 0; k < nsteps && st == BL_OK; k++) {
        bl_solve_info in;
        gsl_vector_memcpy(om0, om);
        gsl_vector_memcpy(th0, th);
        bl_inner_solve_info(P2, &ic, om0, th0, &in, NULL, NULL);
        count += !in.converged;
        st = bl_outer_step(o, &env, &e);
        const bl_step_info *si = &o->trace.info[k];
        rows_ok &= st == BL_OK && si->inner.solves == 1 && si->resid == in.resid
                   && bl_trace_converged(&o->trace, k) == (in.converged != 0)
                   && si->inner.failures == (size_t)!in.converged;
    }
    size_t flagged = 0;
    for (size_t k = 0; k < o->trace.n; k++) flagged += !bl_trace_converged(&o->trace, k);
    tap_ok(st == BL_OK && rows_ok && flagged == count && count > 0 && count < nsteps,
           "gd capped at %d, no backtracking: %zu of %zu rows flagged, as independent "
           "solves say (%zu)", MIXCAP, flagged, nsteps, count);
    bl_outer_free(o);
    bl_problem_free(P2);
    gsl_vector_set_all(om, 0.5);
    gsl_vector_set_zero(th);

    /* with backtracking every solve of a step counts, line search included;
     * gd capped at 3 on κ = 1e4 stops short every time */
    bl_inner_conf three = {bl_inner_gd, 0, 1e-10, 3, 0};
    oc = outer_conf("gd", 1.0, 1, -INF, INF, 0);
    o = bl_outer_alloc(oc.type, 5);
    env = outer_env(P, om, th, &three, &oc, &spec);
    int ok = 1;
    for (size_t k = 0; k < 5 && ok; k++) {
        size_t before = o->solves;
        st = bl_outer_step(o, &env, &e);
        const bl_step_info *si = &o->trace.info[k];
        ok = st == BL_OK && si->inner.solves == o->solves - before
             && si->inner.failures == si->inner.solves && !bl_trace_converged(&o->trace, k)
             && si->resid > 1e-10;
    }
    tap_ok(ok, "gd capped at 3 with backtracking: every row counts each solve of its step "
           "(as o->solves does), all stopped short");
    bl_outer_free(o);

    /* fd as the outer estimator: its 2d solves count too (1 + 2·5 a step) */
    bl_spec fd;
    bl_spec_parse("fd", &fd, NULL);
    oc = outer_conf("gd", 0.1, 0, -INF, INF, 0);
    o = bl_outer_alloc(oc.type, 5);
    env = outer_env(P, om, th, &three, &oc, &fd);
    st = bl_outer_step(o, &env, &e);
    tap_ok(st == BL_OK && o->trace.info[0].inner.solves == 11
           && o->trace.info[0].inner.failures == 11,
           "fd at inner.maxit 3 does not fail the step: 11 solves, all flagged (%s)",
           st ? e.msg : "ok");
    bl_outer_free(o);

    /* newton reaches tol: nothing flagged */
    bl_inner_conf nw = {bl_inner_newton, 0, 1e-10, 50, 0};
    oc = outer_conf("gd", 1.0, 1, -INF, INF, 0);
    o = bl_outer_alloc(oc.type, 5);
    env = outer_env(P, om, th, &nw, &oc, &spec);
    st = run_steps(o, &env, 5, &e);
    ok = st == BL_OK;
    for (size_t k = 0; k < o->trace.n && ok; k++)
        ok = bl_trace_converged(&o->trace, k) && o->trace.info[k].resid <= 1e-10
             && o->trace.info[k].inner.solves >= 2;
    tap_ok(ok, "newton with backtracking: every row converged");
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(om0);
    gsl_vector_free(th0);
    bl_problem_free(P);

    /* zero steps say why (the uphill toy: F = ½ω², θ* = ω) */
    double par[2] = {-1, 1};
    P = bl_problem_alloc(&up_type, par, NULL, &e);
    if (!P) return;
    om = gsl_vector_alloc(1);
    th = gsl_vector_alloc(1);
    bl_inner_conf ic1 = {bl_inner_newton, 0, 1e-12, 100, 0};
    bl_outer_conf ogd = outer_conf("gd", 0.5, 1, -INF, INF, 0);
    o = bl_outer_alloc(ogd.type, 1);
    env = outer_env(P, om, th, &ic1, &ogd, &spec);
    gsl_vector_set(om, 0, 1.0);
    gsl_vector_set(th, 0, 1.0);
    st = bl_outer_step(o, &env, &e);
    const bl_step_info *si = &o->trace.info[0];
    tap_ok(st == BL_OK && o->trace.step[0] == 0 && si->why == BL_STEP_NODECREASE
           && si->halvings == 40 && si->inner.solves == 42 && si->inner.failures == 0,
           "uphill: backtracking gives up after %d halvings because F did not decrease "
           "(%s), 42 solves, all converged", si->halvings, bl_step_why(si->why));
    /* ∇F = 0 at ω = 0: a zero step without a line search */
    P->par[UP_S] = 1;
    gsl_vector_set(om, 0, 0.0);
    gsl_vector_set(th, 0, 0.0);
    size_t before = o->solves;
    st = bl_outer_step(o, &env, &e);
    si = &o->trace.info[1];
    tap_ok(st == BL_OK && o->trace.step[1] == 0 && si->why == BL_STEP_NOGRAD
           && o->solves == before + 1, "at ∇F = 0: a zero step, \"%s\", no trial solve",
           bl_step_why(si->why));
    /* on the bound lo = 1 with ∇F = 1 > 0: the projection keeps ω */
    bl_outer_conf obox = outer_conf("gd", 0.5, 1, 1, 5, 0);
    env.conf = &obox;
    gsl_vector_set(om, 0, 1.0);
    before = o->solves;
    st = bl_outer_step(o, &env, &e);
    si = &o->trace.info[2];
    tap_ok(st == BL_OK && o->trace.step[2] == 0 && si->why == BL_STEP_BOX
           && o->solves == before + 1 && gsl_vector_get(om, 0) == 1.0,
           "on the bound: a zero step, \"%s\", no trial solve", bl_step_why(si->why));
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

int main(void)
{
    gsl_set_error_handler_off();
    (void)tap_plan;
    (void)tap_close;

    check_acceptance();
    check_ridge();
    check_box();
    check_optimisers();
    check_huge_step();
    check_failures();
    check_inner_steps();
    check_inner_flags();

    return tap_done();
}
