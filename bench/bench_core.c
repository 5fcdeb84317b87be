/* bench_core.c: speed figures of the engine (make bench).  Prints time per
 * operation; nothing is asserted (tests check correctness, never time). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_vector.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "catalogue.h"
#include "data.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"
#include "problem.h"

/* Repeats FN until 0.3 s have passed; returns seconds per call. */
#define TIMEIT(result, body)                                        \
    do {                                                            \
        size_t reps_ = 0;                                           \
        double t0_ = bl_clock(), t_;                                \
        do { body; reps_++; } while ((t_ = bl_clock() - t0_) < 0.3); \
        result = t_ / (double)reps_;                                \
    } while (0)

static void report(const char *what, double sec, const char *unit)
{
    if (sec < 1e-3) printf("  %-52s %9.2f µs%s\n", what, sec * 1e6, unit);
    else printf("  %-52s %9.3f ms%s\n", what, sec * 1e3, unit);
}

static void bench_problem(const char *label, bl_problem *P, const bl_inner_type *solver)
{
    gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
    gsl_vector *v = gsl_vector_alloc(P->p), *out = gsl_vector_alloc(P->p);
    gsl_vector *g = gsl_vector_alloc(P->d), *adj = gsl_vector_alloc(P->p);
    bl_problem_omega0(P, om);
    if (gsl_vector_isnull(om)) gsl_vector_set_all(om, 0.5);  /* θ* ≠ 0 */
    gsl_vector_set_all(v, 1.0);
    bl_inner_conf ic = {solver, 0, 1e-10, 100000, 0};
    double sec;
    char what[128];
    printf("%s (p=%zu, d=%zu)\n", label, P->p, P->d);
    TIMEIT(sec, bl_problem_hvp(P, th, om, v, out));
    report("H v product", sec, "");
    TIMEIT(sec, bl_problem_G_theta(P, th, om, out));
    report("gradient of G in theta", sec, "");
    size_t iters = 0;
    TIMEIT(sec, {
        gsl_vector_set_zero(th);
        bl_inner_solve_at(P, &ic, om, th, &iters, NULL, NULL);
    });
    snprintf(what, sizeof what, "inner solve with %s from 0 (%zu iterations)",
             solver->name, iters);
    report(what, sec, "");
    bl_spec spec;
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g, .adjoint = adj};
    bl_spec_parse("exact", &spec, NULL);
    TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
    report("hypergrad exact", sec, "");
    bl_spec_parse("fd", &spec, NULL);
    TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
    report("hypergrad fd (warm-started inner solves)", sec, "");
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(v);
    gsl_vector_free(out);
    gsl_vector_free(g);
    gsl_vector_free(adj);
}

/* Least-squares slope of log y on log x: the cost growth exponent. */
static double loglog_slope(const double *x, const double *y, int n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0;
    for (int i = 0; i < n; i++) {
        mx += log(x[i]) / n;
        my += log(y[i]) / n;
    }
    for (int i = 0; i < n; i++) {
        sxy += (log(x[i]) - mx) * (log(y[i]) - my);
        sxx += (log(x[i]) - mx) * (log(x[i]) - mx);
    }
    return sxy / sxx;
}

/* Processor time of this process (all threads), seconds. */
static double cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + 1e-6 * (double)r.ru_utime.tv_usec
           + (double)r.ru_stime.tv_sec + 1e-6 * (double)r.ru_stime.tv_usec;
}

/* metaridge: the closed-form hypergradient is a sum of T per-task adjoints
 * (one p×p Cholesky each), computed in parallel over tasks.  Its time on 1
 * and 2 threads (target: ≥ 1.8× on 2), the best of 15 timings each, with
 * the processor time a call uses (the parallel loop must not do more work
 * than the serial one: on a loaded machine that ratio is the figure that
 * does not depend on the other processes), and its growth in T. */
static void bench_metaridge(void)
{
    printf("metaridge block-parallel adjoint (closed-form ∇F, T tasks of p = 100, 20 shots)\n");
    double par[7] = {256, 20, 20, 100, 0.5, 0.5, 0}, sec, t[2] = {0, 0}, c[2] = {0, 0};
    bl_problem *P = bl_problem_alloc(&bl_problem_metaridge, par, NULL, NULL);
    if (!P) return;
    gsl_vector *om = gsl_vector_calloc(P->d), *g = gsl_vector_alloc(P->d);
    gsl_vector_set(om, 0, -1.0);
    char what[128];
#ifdef _OPENMP
    int nt0 = omp_get_max_threads();
    for (int nt = 1; nt <= 2; nt++) {
        omp_set_num_threads(nt);
        t[nt - 1] = INFINITY;
        for (int k = 0; k < 15; k++) {
            double c0 = cpu_seconds(), w0 = bl_clock();
            TIMEIT(sec, P->type->hypergrad(P, om, g));
            double calls = (bl_clock() - w0) / sec;
            if (sec < t[nt - 1]) {
                t[nt - 1] = sec;
                c[nt - 1] = (cpu_seconds() - c0) / calls;
            }
        }
        snprintf(what, sizeof what, "T = 256: ∇F on %d thread%s (best of 15)", nt,
                 nt > 1 ? "s" : "");
        report(what, t[nt - 1], "");
    }
    printf("  %-52s %9.2f×\n", "speed-up on 2 threads", t[0] / t[1]);
    printf("  %-52s %9.2f\n", "processor time a call, 2 threads / 1 thread", c[1] / c[0]);
    omp_set_num_threads(1);
#else
    TIMEIT(sec, P->type->hypergrad(P, om, g));
    report("T = 256: ∇F (built without OpenMP)", sec, "");
    (void)t;
    (void)c;
#endif
    bl_problem_free(P);
    gsl_vector_free(om);
    gsl_vector_free(g);
    double Ts[4] = {32, 64, 128, 256}, ts[4];
    for (int i = 0; i < 4; i++) {
        par[0] = Ts[i];
        P = bl_problem_alloc(&bl_problem_metaridge, par, NULL, NULL);
        om = gsl_vector_calloc(P->d);
        g = gsl_vector_alloc(P->d);
        gsl_vector_set(om, 0, -1.0);
        TIMEIT(ts[i], P->type->hypergrad(P, om, g));
        bl_problem_free(P);
        gsl_vector_free(om);
        gsl_vector_free(g);
    }
    snprintf(what, sizeof what, "one thread, T = 32 … 256: %.3g … %.3g ms, time ∝ T^%.2f",
             ts[0] * 1e3, ts[3] * 1e3, loglog_slope(Ts, ts, 4));
    printf("  %s\n", what);
#ifdef _OPENMP
    omp_set_num_threads(nt0);
#endif
}

/* The default hypergradient of sor (reverse:t=K through K SOR sweeps) and
 * of matcomp (exact on the rank manifold: p H-products and a Cholesky) at
 * growing sizes, with the exponent of a log-log fit. */
static void bench_growth(void)
{
    printf("cost growth of the default hypergradients (one thread)\n");
    double ns[4] = {100, 200, 400, 800}, ts[4], sec;
    bl_spec spec;
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 100, 0};
    for (int i = 0; i < 4; i++) {
        double par[5] = {ns[i], 1, 40, 0, 0};
        bl_problem *P = bl_problem_alloc(&bl_problem_sor, par, NULL, NULL);
        gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(P->p), *g = gsl_vector_alloc(1);
        gsl_vector *adj = gsl_vector_alloc(P->p);
        gsl_vector_set(om, 0, 1.5);
        bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                       .eta = bl_inner_default_eta(P, th, om)};
        bl_hg_result r = {.grad = g, .adjoint = adj};
        bl_spec_parse("reverse:t=40", &spec, NULL);
        TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
        ts[i] = sec;
        bl_problem_free(P);
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(adj);
    }
    printf("  %-52s %.3g … %.3g ms, ∝ p^%.2f\n", "sor 1-D reverse:t=40, p = N = 100 … 800",
           ts[0] * 1e3, ts[3] * 1e3, loglog_slope(ns, ts, 4));
    double rs[4] = {10, 14, 20, 28}, ps[4];
    ic.type = bl_inner_fista;
    ic.maxit = 100000;
    for (int i = 0; i < 4; i++) {
        double par[6] = {rs[i] * 1.5, rs[i], 3, 0.5, 0.1, 0};
        bl_problem *P = bl_problem_alloc(&bl_problem_matcomp, par, NULL, NULL);
        gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(P->p), *g = gsl_vector_alloc(1);
        gsl_vector *adj = gsl_vector_alloc(P->p);
        bl_problem_omega0(P, om);
        bl_inner_solve_at(P, &ic, om, th, NULL, NULL, NULL);
        bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                       .eta = bl_inner_default_eta(P, th, om)};
        bl_hg_result r = {.grad = g, .adjoint = adj};
        bl_spec_parse("exact", &spec, NULL);
        TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
        ts[i] = sec;
        ps[i] = (double)P->p;
        bl_problem_free(P);
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(adj);
    }
    printf("  %-52s %.3g … %.3g ms, ∝ p^%.2f\n", "matcomp exact, 15×10 … 42×28 (p = 150 … 1176)",
           ts[0] * 1e3, ts[3] * 1e3, loglog_slope(ps, ts, 4));
}

/* The default hypergradient (exact, at θ* solved by the automatic inner
 * solver) of ivreg, oed and irl at growing sizes, parameter PNAME taking
 * the values VALS (the others at their defaults), with the exponent of a
 * log-log fit of the time against p = dim θ. */
static void growth_exact(const bl_problem_type *T, const char *pname, const double *vals,
                         const char *label)
{
    double par[64], ps[4], ts[4], sec;
    size_t k = T->nparams;
    if (T->nparams > 64) return;
    for (size_t i = 0; i < T->nparams; i++) {
        par[i] = T->params[i].def;
        if (!strcmp(T->params[i].name, pname)) k = i;
    }
    if (k == T->nparams) return;
    bl_spec spec;
    bl_spec_parse("exact", &spec, NULL);
    for (int i = 0; i < 4; i++) {
        par[k] = vals[i];
        bl_problem *P = bl_problem_alloc(T, par, NULL, NULL);
        if (!P) {
            printf("  %-52s could not be built at %s = %g\n", label, pname, vals[i]);
            return;
        }
        gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
        gsl_vector *g = gsl_vector_alloc(P->d), *adj = gsl_vector_alloc(P->p);
        bl_problem_omega0(P, om);
        bl_inner_conf ic = {bl_inner_auto(P), 0, 1e-10, 100000, 0};
        bl_inner_solve_at(P, &ic, om, th, NULL, NULL, NULL);
        bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                       .eta = bl_inner_default_eta(P, th, om)};
        bl_hg_result r = {.grad = g, .adjoint = adj};
        TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
        ts[i] = sec;
        ps[i] = (double)P->p;
        bl_problem_free(P);
        gsl_vector_free(om);
        gsl_vector_free(th);
        gsl_vector_free(g);
        gsl_vector_free(adj);
    }
    char what[96];
    snprintf(what, sizeof what, "%s (p = %g … %g)", label, ps[0], ps[3]);
    printf("  %-52s %.3g … %.3g ms, ∝ p^%.2f\n", what, ts[0] * 1e3, ts[3] * 1e3,
           loglog_slope(ps, ts, 4));
}

static void bench_growth2(void)
{
    static const double q[4] = {10, 20, 40, 80}, N[4] = {25, 50, 100, 200},
                        side[4] = {3, 5, 7, 9};
    growth_exact(&bl_problem_ivreg, "q", q, "ivreg exact, q = 10 … 80");
    growth_exact(&bl_problem_oed, "N", N, "oed exact, N = 25 … 200");
    growth_exact(&bl_problem_irl, "size", side, "irl exact, 3×3 … 9×9");
}

/* Issue 17 item 7 and 8: the default hypergradient (exact on the support)
 * of wlasso and l1logreg at growing p with a log-log fit; outer=cv's folds
 * on 1 and 2 threads (cd sweeps of l1logreg, 4 folds); reverse through
 * heavy-ball and Nesterov steps against gd (same products). */
static void bench_sparse(void)
{
    printf("sparse models (issue 17: wlasso, l1logreg, outer=cv, unrolled momentum)\n");
    const char *kinds[2] = {"regression", "classification"};
    const bl_problem_type *types[2] = {&bl_problem_wlasso, &bl_problem_l1logreg};
    double ps[4] = {25, 50, 100, 200}, ts[4], sec;
    bl_spec spec;
    bl_spec_parse("exact", &spec, NULL);
    for (int k = 0; k < 2; k++) {
        bl_inner_conf ic = {bl_inner_cd, 0, 1e-8, 100000, 0};
        for (int i = 0; i < 4; i++) {
            bl_synth_opts so;
            bl_synth_opts_default(&so);
            so.n = 400;
            so.m = 200;
            so.p = (size_t)ps[i];
            bl_dataset *ds = NULL;
            bl_data_synth(kinds[k], &so, &ds, NULL);
            bl_problem *P = ds ? bl_problem_alloc(types[k], NULL, ds, NULL) : NULL;
            if (!P) return;
            gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
            gsl_vector *g = gsl_vector_alloc(P->d), *adj = gsl_vector_alloc(P->p);
            bl_problem_omega0(P, om);
            bl_inner_solve_at(P, &ic, om, th, NULL, NULL, NULL);
            bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                           .eta = bl_inner_default_eta(P, th, om)};
            bl_hg_result r = {.grad = g, .adjoint = adj};
            TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
            ts[i] = sec;
            bl_problem_free(P);
            bl_dataset_free(ds);
            gsl_vector_free(om);
            gsl_vector_free(th);
            gsl_vector_free(g);
            gsl_vector_free(adj);
        }
        char what[96];
        snprintf(what, sizeof what, "%s exact, n = 400, p = 25 … 200", types[k]->name);
        printf("  %-52s %.3g … %.3g ms, ∝ p^%.2f\n", what, ts[0] * 1e3, ts[3] * 1e3,
               loglog_slope(ps, ts, 4));
    }
#ifdef _OPENMP
    {
        bl_synth_opts so;
        bl_synth_opts_default(&so);
        so.n = 4000;
        so.m = 100;
        so.p = 50;
        bl_dataset *ds = NULL;
        bl_data_synth("classification", &so, &ds, NULL);
        double par[3] = {1, 4, 0}, t[2], cp[2] = {0, 0};
        bl_problem *P = ds ? bl_problem_alloc(&bl_problem_l1logreg, par, ds, NULL) : NULL;
        if (P) {
            gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
            bl_problem_omega0(P, om);
            int nt0 = omp_get_max_threads();
            for (int nt = 1; nt <= 2; nt++) {
                omp_set_num_threads(nt);
                t[nt - 1] = INFINITY;
                for (int rep = 0; rep < 3; rep++) {
                    gsl_vector_set_zero(th);
                    double c0 = cpu_seconds(), w0 = bl_clock();
                    TIMEIT(sec, P->type->cd_sweep(P, th, om));
                    if (sec < t[nt - 1]) {
                        t[nt - 1] = sec;
                        cp[nt - 1] = (cpu_seconds() - c0) / ((bl_clock() - w0) / sec);
                    }
                }
                char what[96];
                snprintf(what, sizeof what, "l1logreg outer=cv folds=4 (n = 4000, p = 50): a cd "
                         "sweep, %d thread%s", nt, nt > 1 ? "s" : "");
                report(what, t[nt - 1], "");
            }
            printf("  %-52s %9.2f×\n", "speed-up on 2 threads", t[0] / t[1]);
            printf("  %-52s %9.2f\n", "processor time a sweep, 2 threads / 1 thread",
                   cp[1] / cp[0]);
            omp_set_num_threads(nt0);
            gsl_vector_free(om);
            gsl_vector_free(th);
        }
        bl_problem_free(P);
        bl_dataset_free(ds);
    }
#endif
    bl_load_opts o;
    bl_load_opts_default(&o);
    bl_dataset *ds = NULL;
    if (bl_data_load("diabetes", &o, &ds, NULL) != BL_OK) return;
    bl_problem *P = bl_problem_alloc(&bl_problem_lasso, NULL, ds, NULL);
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_calloc(P->p), *g = gsl_vector_alloc(1);
    gsl_vector *adj = gsl_vector_alloc(P->p), *te = gsl_vector_alloc(P->p);
    bl_problem_omega0(P, om);
    bl_inner_conf ic = {bl_inner_cd, 0, 1e-10, 10000, 0};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g, .adjoint = adj, .theta_end = te};
    const char *specs[3] = {"reverse:t=100", "reverse:t=100,method=heavyball",
                            "reverse:t=100,method=nesterov"};
    for (int i = 0; i < 3; i++) {
        char what[96];
        bl_spec_parse(specs[i], &spec, NULL);
        TIMEIT(sec, bl_hypergrad(&spec, &c, &r, NULL));
        snprintf(what, sizeof what, "lasso on diabetes, %s", specs[i]);
        report(what, sec, "");
    }
    bl_problem_free(P);
    bl_dataset_free(ds);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(adj);
    gsl_vector_free(te);
}

/* bench_core [metaridge]: everything, or the one part named. */
int main(int argc, char **argv)
{
    bl_init();
    printf("bilab engine benchmarks (BLAS: %s)\n\n", BL_BLAS_NAME);
    if (argc > 1 && strcmp(argv[1], "metaridge") == 0) {
        bench_metaridge();
        return 0;
    }
    bl_load_opts o;
    bl_load_opts_default(&o);
    const char *sets[] = {"diabetes", "digits"};
    for (int i = 0; i < 2; i++) {
        bl_dataset *ds = NULL;
        if (bl_data_load(sets[i], &o, &ds, NULL) != BL_OK) {
            printf("%s: bundled data not found (set BILAB_DATADIR)\n", sets[i]);
            continue;
        }
        bl_problem *P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, NULL);
        char label[64];
        snprintf(label, sizeof label, "ridge on %s", sets[i]);
        bench_problem(label, P, bl_inner_gd);
        bl_problem_free(P);
        bl_dataset_free(ds);
    }
    double par[5] = {500, 20, 1e4, 0.1, 0};
    bl_problem *Q = bl_problem_alloc(&bl_problem_quadratic, par, NULL, NULL);
    if (Q) bench_problem("quadratic kappa=1e4", Q, bl_inner_newton);
    bl_problem_free(Q);
    printf("\n");
    bench_metaridge();
    printf("\n");
    bench_growth();
    bench_growth2();
    printf("\n");
    bench_sparse();
    return 0;
}
