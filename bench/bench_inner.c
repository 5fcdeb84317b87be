/* bench_inner.c: the inner solve of issue 14's table ("inner solve to
 * 1e-7, p = 3000, L-BFGS"): logreg at its default ω on synthetic
 * classification data (bl_data_synth, n = 6000 training rows, p = 3000,
 * seed 0: `data synth classification n=6000 m=100 p=3000`), θ from 0 to
 * ‖∇θG‖ ≤ 1e-7, with lbfgs, bfgs2 and newton-cg, one thread.  Prints the
 * iterations, the G, ∇θG and H·v calls and the best wall time of 3 solves,
 * and the cost of one G + ∇θG pass and of one H·v.
 *
 *   bench_inner [--export DIR]
 *
 * --export DIR also writes the problem for bench/lbfgs_torch.py (run by
 * bench/inner.sh): DIR/X.f64 (n×p, row-major), DIR/y.f64 (n labels ±1),
 * raw little-endian doubles, and DIR/meta.txt ("n p lambda G* t": G* the
 * value lbfgs reached, t its best time in seconds). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_vector.h>

#include "catalogue.h"
#include "data.h"
#include "inner.h"
#include "problem.h"

#define N_TRAIN 6000
#define P_FEAT 3000
#define TOL 1e-7
#define REPS 3

static int write_raw(const char *dir, const char *name, const double *x, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(x, sizeof *x, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *dir = argc == 3 && !strcmp(argv[1], "--export") ? argv[2] : NULL;
    bl_init();
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = N_TRAIN;
    o.m = 100;
    o.p = P_FEAT;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    double t0 = bl_clock();
    if (bl_data_synth("classification", &o, &ds, &e) != BL_OK) {
        fprintf(stderr, "bench_inner: %s\n", e.msg);
        return 1;
    }
    double t_data = bl_clock() - t0;
    t0 = bl_clock();
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
    if (!P) {
        fprintf(stderr, "bench_inner: %s\n", e.msg);
        return 1;
    }
    double t_init = bl_clock() - t0;
    gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
    gsl_vector *g = gsl_vector_alloc(P->p), *v = gsl_vector_alloc(P->p);
    bl_problem_omega0(P, om);
    printf("inner solve to ‖∇θG‖ ≤ %g: logreg, synthetic classification n=%d p=%d "
           "(seed 0), ω = %g, θ from 0, one thread (BLAS: %s)\n", TOL, N_TRAIN, P_FEAT,
           gsl_vector_get(om, 0), BL_BLAS_NAME);
    printf("  (set-up: data %.2f s, problem %.2f s)\n", t_data, t_init);

    /* the cost of one pass: G then ∇θG at the same θ (the margins are
     * shared), and one H·v */
    gsl_vector_set_all(v, 1e-3);
    double best = INFINITY;
    for (int r = 0; r < 5; r++) {
        gsl_vector_set(v, 0, 1e-3 * (r + 2));  /* a new θ each time: no cache */
        t0 = bl_clock();
        bl_problem_G(P, v, om);
        bl_problem_G_theta(P, v, om, g);
        best = fmin(best, bl_clock() - t0);
    }
    printf("  %-34s %9.2f ms\n", "G and ∇θG at a new θ", best * 1e3);
    best = INFINITY;
    for (int r = 0; r < 5; r++) {
        t0 = bl_clock();
        bl_problem_hvp(P, v, om, th, g);
        best = fmin(best, bl_clock() - t0);
    }
    printf("  %-34s %9.2f ms\n", "H·v (margins cached)", best * 1e3);

    const bl_inner_type *T[] = {bl_inner_lbfgs, bl_inner_bfgs2, bl_inner_newton_cg};
    double Gstar = NAN, t_lbfgs = NAN;
    printf("  %-10s %6s %6s %6s %6s %12s %10s %9s\n", "solver", "iters", "G", "∇θG",
           "H·v", "‖∇θG‖", "G", "seconds");
    for (size_t s = 0; s < sizeof T / sizeof *T; s++) {
        bl_inner_conf ic = {T[s], 0, TOL, 10000, 0};
        bl_solve_info info = {0};
        double sec = INFINITY;
        unsigned long ne = 0, ng = 0, nh = 0;
        for (int r = 0; r < REPS; r++) {
            gsl_vector_set_zero(th);
            bl_problem_reset_counts(P);
            t0 = bl_clock();
            bl_inner_solve_info(P, &ic, om, th, &info, NULL, &e);
            sec = fmin(sec, bl_clock() - t0);
            ne = P->n_eval;
            ng = P->n_grad;
            nh = P->n_hvp;
        }
        double G = bl_problem_G(P, th, om);
        if (s == 0) Gstar = G, t_lbfgs = sec;
        printf("  %-10s %6zu %6lu %6lu %6lu %12.3g %10.8f %9.3f%s\n", T[s]->name, info.iters,
               ne, ng, nh, info.resid, G, sec, info.converged ? "" : "  (not converged)");
    }
    int rc = 0;
    if (dir) {
        const gsl_matrix *X = ds->X;
        double meta_lam = exp(gsl_vector_get(om, 0));
        rc = X->tda == X->size2 ? 0 : -1;
        if (!rc) rc = write_raw(dir, "X.f64", X->data, X->size1 * X->size2);
        if (!rc) rc = write_raw(dir, "y.f64", ds->y->data, ds->y->size);
        char path[4096];
        snprintf(path, sizeof path, "%s/meta.txt", dir);
        FILE *f = rc ? NULL : fopen(path, "w");
        if (f) {
            fprintf(f, "%zu %zu %.17g %.17g %.9g\n", X->size1, X->size2, meta_lam, Gstar,
                    t_lbfgs);
            rc = fclose(f) ? -1 : 0;
        } else {
            rc = -1;
        }
        if (rc) fprintf(stderr, "bench_inner: cannot write the problem to %s\n", dir);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(v);
    bl_problem_free(P);
    bl_dataset_free(ds);
    return rc ? 1 : 0;
}
