/* bench_surface.c: points per second of surfaces with 1 thread and with
 * all cores, and the parallel efficiency, along a path and from θ = 0
 * (make bench).  Prints figures; asserts nothing.  Also writes, for
 * bench/compare.sh, the seconds per point of the 1-D logreg surface on one
 * thread: along a path on the first line, from θ = 0 on the second. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_vector.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "catalogue.h"
#include "data.h"
#include "kernels.h"
#include "inner.h"
#include "surface.h"

static bl_axis axis(size_t coord, double lo, double hi, size_t n)
{
    bl_axis a = {coord, n, malloc(n * sizeof(double))};
    for (size_t i = 0; i < n; i++) a.values[i] = lo + (hi - lo) * i / (n - 1);
    return a;
}

/* Times the grid with THREADS threads, the best of at least 5 runs and
 * of as many as fit in half a second (a grid of a few milliseconds is at
 * the mercy of the machine's other work); seconds. */
static double run(bl_problem *P, const bl_inner_conf *ic, bl_axis *ax, size_t naxes,
                  int path, int threads)
{
    gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
    double best = 1e300, t0 = bl_clock();
    for (int r = 0; r < 5 || (r < 500 && bl_clock() - t0 < 0.5); r++) {
        bl_surface s;
        bl_err e = {0};
        if (bl_surface_compute(&s, P, om, th, ic, ax, naxes, NULL, 0, 0, path, threads, NULL, NULL,
                               NULL, &e) != BL_OK) {
            printf("  failed: %s\n", e.msg);
            best = 0;
            break;
        }
        if (s.seconds < best) best = s.seconds;
        bl_surface_release(&s);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    return best;
}

/* Iterations of the inner solver a point, in one run. */
static double iters_per_point(bl_problem *P, const bl_inner_conf *ic, bl_axis *ax, size_t naxes,
                              int path)
{
    gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
    bl_surface s;
    double r = 0;
    if (bl_surface_compute(&s, P, om, th, ic, ax, naxes, NULL, 0, 0, path, 1, NULL, NULL, NULL,
                           NULL) == BL_OK)
        r = (double)s.inner_iters / (double)s.npoints;
    bl_surface_release(&s);
    gsl_vector_free(om);
    gsl_vector_free(th);
    return r;
}

/* Both starts (along a path, and every point from θ = 0), each with one
 * thread and with all cores.  OUT1 gets the seconds a point on one thread,
 * path first. */
static void report(const char *label, bl_problem *P, const bl_inner_conf *ic, bl_axis *ax,
                   size_t naxes, FILE *out1)
{
    int cores = 1;
#ifdef _OPENMP
    cores = omp_get_num_procs();
#endif
    size_t n = ax[0].n * (naxes == 2 ? ax[1].n : 1);
    printf("%s: %zu points (p=%zu, d=%zu, inner %s)\n", label, n, P->p, P->d, ic->type->name);
    for (int path = 1; path >= 0; path--) {
        double t1 = run(P, ic, ax, naxes, path, 1), tn = run(P, ic, ax, naxes, path, cores);
        if (!(t1 > 0) || !(tn > 0)) return;
        printf("  %s: %.1f inner iterations a point\n",
               path ? "along a path (surface.start path, the default here)"
                    : "every point from θ = 0 (surface.start theta)",
               iters_per_point(P, ic, ax, naxes, path));
        printf("    1 thread:   %9.1f points/s  (%.3f ms a point)\n", n / t1, 1e3 * t1 / n);
        printf("    %d threads: %9.1f points/s  parallel efficiency %.2f\n", cores, n / tn,
               t1 / (tn * cores));
        if (out1) fprintf(out1, "%.9g\n", t1 / n);
    }
}

int main(int argc, char **argv)
{
    bl_init();
    FILE *out1 = argc > 1 ? fopen(argv[1], "w") : NULL;
    printf("surface benchmarks (BLAS: %s, single-threaded inside the grid; Hessian kernel %s)\n\n",
           BL_BLAS_NAME, bl_gram_name(bl_gram_best()));
    bl_load_opts o;
    bl_load_opts_default(&o);
    bl_dataset *bc = NULL;
    const bl_problem_type *LR = bl_problem_lookup("logreg");
    bl_inner_conf newton = {bl_inner_newton, 0, 1e-10, 100, 0};
    if (bl_data_load("breast_cancer", &o, &bc, NULL) == BL_OK) {
        const bl_problem_type *T = LR ? LR : &bl_problem_ridge;
        bl_problem *P = bl_problem_alloc(T, NULL, bc, NULL);
        bl_axis ax = axis(0, -8, 2, 64);
        char label[96];
        snprintf(label, sizeof label, "1-D %s surface on breast_cancer, ω ∈ [-8, 2]", T->name);
        if (P) report(label, P, &newton, &ax, 1, out1);
        free(ax.values);
        bl_problem_free(P);
    }
    const bl_problem_type *RM = bl_problem_lookup("ridge-multi");
    bl_dataset *db = NULL;
    if (bl_data_load("diabetes", &o, &db, NULL) == BL_OK) {
        bl_problem *P = RM ? bl_problem_alloc(RM, NULL, db, NULL) : NULL;
        double par[5] = {200, 2, 1e3, 0.1, 0};
        if (!P) P = bl_problem_alloc(&bl_problem_quadratic, par, NULL, NULL);
        bl_axis ax[2] = {axis(0, -6, 2, 41), axis(1, -6, 2, 41)};
        char label[96];
        snprintf(label, sizeof label, "2-D %s surface, 41×41", P->type->name);
        report(label, P, &newton, ax, 2, NULL);
        free(ax[0].values);
        free(ax[1].values);
        bl_problem_free(P);
    }
    bl_dataset_free(bc);
    bl_dataset_free(db);
    if (out1) fclose(out1);
    return 0;
}
