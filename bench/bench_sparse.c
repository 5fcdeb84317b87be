/* bench_sparse.c: rcv1-sized synthetic sparse logreg (data synth sparse
 * n = m = 20242, p = 47236, density 0.0016, ω = log 1e-4): the time and
 * peak memory of the inner solve to ‖∇θG‖ ≤ 1e-8 (inner.solver auto, and
 * lbfgs) and of a cg hypergradient to 1e-6 relative residual; the cost of
 * H·v and of the inner solve as nnz grows (density × ½, 1, 2, 4; log-log
 * slope); with --export DIR, the data as DIR/train.svm (training rows then
 * validation rows) and bilab's θ and G into DIR/bilab.txt for
 * bench/logreg_sparse_sklearn.py.  Prints, never asserts. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "data.h"
#include "hypergrad.h"
#include "inner.h"
#include "problem.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double peak_mb(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_maxrss / 1024.0;
}

static bl_dataset *make(double density, unsigned long seed)
{
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = o.m = 20242;
    o.p = 47236;
    o.density = density;
    o.seed = seed;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    if (bl_data_synth("sparse", &o, &ds, &e) != BL_OK) fprintf(stderr, "synth: %s\n", e.msg);
    return ds;
}

static double omega0 = -9.210340371976184;   /* log 1e-4 */

/* Inner solve from 0 to 1e-8 with T; returns seconds, ITS iterations. */
static double solve(bl_problem *P, const bl_inner_type *T, gsl_vector *th, size_t *its)
{
    gsl_vector *om = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, omega0);
    bl_inner_conf c = {T, 0, 1e-8, 100000, 0};
    bl_err e = {0, ""};
    gsl_vector_set_zero(th);
    double t0 = now();
    int st = bl_inner_solve_at(P, &c, om, th, its, NULL, &e);
    double t = now() - t0;
    if (st != BL_OK) fprintf(stderr, "inner %s: %s\n", T->name, e.msg);
    gsl_vector_free(om);
    return t;
}

static double hv_time(bl_problem *P, const gsl_vector *th)
{
    gsl_vector *om = gsl_vector_alloc(1), *v = gsl_vector_alloc(P->p), *o = gsl_vector_alloc(P->p);
    gsl_vector_set(om, 0, omega0);
    gsl_vector_set_all(v, 1.0);
    int k = 0;
    double t0 = now(), t;
    do {
        bl_problem_hvp(P, th, om, v, o);
        k++;
    } while ((t = now() - t0) < 0.5 || k < 5);
    gsl_vector_free(om);
    gsl_vector_free(v);
    gsl_vector_free(o);
    return t / k;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 2 && !strcmp(argv[1], "--export") ? argv[2] : NULL;
    bl_err e = {0, ""};
    printf("rcv1-sized sparse logreg: n = m = 20242, p = 47236, density 0.0016, "
           "ω = log 1e-4, one thread\n");
    double t0 = now();
    bl_dataset *ds = make(0.0016, 1);
    if (!ds) return 1;
    printf("  data synth sparse           %8.3f s   nnz %zu + %zu, CSR %.1f MB, peak RSS %.0f MB\n",
           now() - t0, ds->Xs->nnz, ds->Xvs->nnz, bl_dataset_bytes(ds) / 1e6, peak_mb());
    t0 = now();
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
    if (!P) {
        fprintf(stderr, "logreg: %s\n", e.msg);
        return 1;
    }
    printf("  problem use logreg          %8.3f s   (λmax(XᵀX/n) by power iteration), "
           "peak RSS %.0f MB\n", now() - t0, peak_mb());
    gsl_vector *th = gsl_vector_alloc(P->p), *th2 = gsl_vector_alloc(P->p);
    size_t its = 0;
    const bl_inner_type *A = bl_inner_auto(P);
    double ts = solve(P, A, th, &its);
    gsl_vector *om = gsl_vector_alloc(1), *g = gsl_vector_alloc(P->p);
    gsl_vector_set(om, 0, omega0);
    bl_problem_G_theta(P, th, om, g);
    double G = bl_problem_G(P, th, om);
    printf("  inner solve (auto: %s)  %8.3f s   %zu iterations, G = %.12g, ‖∇θG‖ = %.2g, "
           "peak RSS %.0f MB\n", A->name, ts, its, G, gsl_blas_dnrm2(g), peak_mb());
    double tl = solve(P, bl_inner_lookup("lbfgs"), th2, &its);
    printf("  inner solve (lbfgs)         %8.3f s   %zu iterations, G = %.12g, peak RSS %.0f MB\n",
           tl, its, bl_problem_G(P, th2, om), peak_mb());
    /* cg hypergradient to 1e-6 relative residual */
    bl_inner_conf ic = {A, 0, 1e-8, 100000, 0};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r;
    memset(&r, 0, sizeof r);
    gsl_vector *hg = gsl_vector_alloc(1), *adj = gsl_vector_alloc(P->p);
    r.grad = hg;
    r.adjoint = adj;
    bl_spec sp;
    bl_spec_parse("cg:k=100000,tol=1e-6", &sp, &e);
    t0 = now();
    int st = bl_hypergrad(&sp, &c, &r, &e);
    double th_cg = now() - t0;
    if (st) fprintf(stderr, "cg: %s\n", e.msg);
    printf("  hypergrad cg:tol=1e-6       %8.3f s   %lu H·v, residual %.2g, ∇F = %.6g, "
           "peak RSS %.0f MB\n", th_cg, r.hvp, r.adjoint_residual, gsl_vector_get(hg, 0), peak_mb());
    if (dir) {
        char f[1024];
        snprintf(f, sizeof f, "%s/train.svm", dir);
        if (bl_data_export_libsvm(ds, f, &e) != BL_OK) fprintf(stderr, "export: %s\n", e.msg);
        snprintf(f, sizeof f, "%s/bilab.txt", dir);
        FILE *o = fopen(f, "w");
        if (o) {
            fprintf(o, "%zu %.17g %.17g %.6f\n", ds->y->size, exp(omega0), G, ts);
            for (size_t j = 0; j < P->p; j++) fprintf(o, "%.17g\n", gsl_vector_get(th, j));
            fclose(o);
        }
    }
    gsl_vector_free(hg);
    gsl_vector_free(adj);
    gsl_vector_free(g);
    gsl_vector_free(th);
    gsl_vector_free(th2);
    bl_problem_free(P);
    bl_dataset_free(ds);

    /* cost against nnz */
    printf("  cost against nnz (n, p fixed; density ×½, ×1, ×2, ×4):\n");
    double lx[4], lh[4], ls[4];
    for (int k = 0; k < 4; k++) {
        double dens = 0.0008 * pow(2.0, k);
        bl_dataset *d = make(dens, 2);
        bl_problem *Q = d ? bl_problem_alloc(&bl_problem_logreg, NULL, d, &e) : NULL;
        if (!Q) return 1;
        gsl_vector *t = gsl_vector_alloc(Q->p);
        size_t it = 0;
        double s = solve(Q, bl_inner_auto(Q), t, &it);
        double h = hv_time(Q, t);
        double nnz = (double)d->Xs->nnz;
        printf("    density %.4f  nnz %9.0f   H·v %8.3f ms   inner solve %7.3f s (%zu its)\n",
               dens, nnz, 1e3 * h, s, it);
        lx[k] = log(nnz);
        lh[k] = log(h);
        ls[k] = log(s);
        gsl_vector_free(t);
        bl_problem_free(Q);
        bl_dataset_free(d);
    }
    double mx = 0, mh = 0, ms = 0, sxx = 0, sxh = 0, sxs = 0;
    for (int k = 0; k < 4; k++) mx += lx[k] / 4, mh += lh[k] / 4, ms += ls[k] / 4;
    for (int k = 0; k < 4; k++) {
        sxx += (lx[k] - mx) * (lx[k] - mx);
        sxh += (lx[k] - mx) * (lh[k] - mh);
        sxs += (lx[k] - mx) * (ls[k] - ms);
    }
    printf("    log-log slope against nnz: H·v %.2f, inner solve %.2f\n", sxh / sxx, sxs / sxx);
    return 0;
}
