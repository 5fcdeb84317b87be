/* bench_core.c: speed figures of the engine (make bench).  Prints time per
 * operation; nothing is asserted (tests check correctness, never time). */
#include "config.h"

#include <stdio.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_vector.h>

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
    bl_inner_conf ic = {solver, 0, 1e-10, 100000};
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
    bl_hg_ctx c = {P, om, th, &ic, bl_inner_default_eta(P, th, om), NULL};
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

int main(void)
{
    bl_init();
    printf("bilab engine benchmarks (BLAS: %s)\n\n", BL_BLAS_NAME);
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
    return 0;
}
