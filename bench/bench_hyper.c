/* bench_hyper.c: issue 14's "per hypergradient, per-feature logistic"
 * rows, bilab's side: logreg-multi on synthetic classification data
 * (bl_data_synth, n = 2p training rows, m = 100 validation rows, seed 0)
 * at ω = 0, θ* solved to ‖∇θG‖ ≤ 1e-10 (lbfgs), then the cg, fp and
 * neumann estimators with K = 20 H-products each (cg:k=20,tol=0;
 * fp:k=21; neumann:k=20, both with the inner step η = 1/L_G), one
 * thread: the best time of a hypergradient over as many repetitions as
 * fit in about a second (at least 3).
 *
 *   bench_hyper [--export DIR] P...     (default P: 30 300 3000)
 *
 * --export DIR writes, for each P, DIR/P/X.f64, y.f64, Xv.f64, yv.f64,
 * theta.f64 (θ*), and meta.txt ("n m p eta K t_cg t_fp t_neumann"), and
 * DIR/P/hg_{cg,fp,neumann}.f64 (bilab's hypergradients), for
 * bench/hyper_torch.py (run by bench/hyper.sh) to do the same with
 * PyTorch autograd and print the ratios. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_vector.h>

#include "catalogue.h"
#include "data.h"
#include "hypergrad.h"
#include "inner.h"
#include "problem.h"

#define K 20

static int write_raw(const char *dir, const char *name, const double *x, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(x, sizeof *x, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static int one(size_t p, const char *exdir)
{
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = 2 * p;
    o.m = 100;
    o.p = p;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    if (bl_data_synth("classification", &o, &ds, &e) != BL_OK) {
        fprintf(stderr, "bench_hyper: %s\n", e.msg);
        return 1;
    }
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg_multi, NULL, ds, &e);
    if (!P) {
        fprintf(stderr, "bench_hyper: %s\n", e.msg);
        return 1;
    }
    gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
    bl_problem_omega0(P, om);
    bl_inner_conf ic = {bl_inner_lbfgs, 0, 1e-10, 100000, 0};
    bl_solve_info info = {0};
    bl_inner_solve_info(P, &ic, om, th, &info, NULL, &e);
    double eta = 1.0 / bl_problem_lipschitz(P, th, om);
    bl_hg_ctx c = {0};
    c.P = P;
    c.omega = om;
    c.theta = th;
    c.inner = &ic;
    c.eta = eta;
    const char *names[3] = {"cg", "fp", "neumann"};
    double par[3][BL_EST_MAXPAR] = {{K, 0, 0, 0, -1}, {K + 1, 0, 0, -1}, {K, 0, 0, -1}};
    double best[3];
    gsl_vector *hg[3];
    printf("  p = %5zu (n = %zu): θ* to %.1e in %zu lbfgs iterations, η = 1/L_G = %.4g\n",
           p, 2 * p, info.resid, info.iters, eta);
    for (int k = 0; k < 3; k++) {
        const bl_estimator_type *T = bl_estimator_lookup(names[k]);
        hg[k] = gsl_vector_alloc(P->d);
        gsl_vector *adj = gsl_vector_alloc(P->p);
        bl_hg_result r = {0};
        r.grad = hg[k];
        r.adjoint = adj;
        best[k] = INFINITY;
        double t_all = 0;
        int st = BL_OK;
        for (int rep = 0; st == BL_OK && (rep < 3 || (t_all < 1.0 && rep < 1000)); rep++) {
            double t0 = bl_clock();
            st = T->run(par[k], &c, &r, &e);
            double t = bl_clock() - t0;
            t_all += t;
            best[k] = fmin(best[k], t);
        }
        if (st != BL_OK) {
            fprintf(stderr, "bench_hyper: %s: %s\n", names[k], e.msg);
            return 1;
        }
        printf("    %-8s %3d H·v  %10.3f ms a hypergradient  ‖∇F‖ = %.6g\n", names[k], K,
               1e3 * best[k], gsl_blas_dnrm2(hg[k]));
        gsl_vector_free(adj);
    }
    int rc = 0;
    if (exdir) {
        char dir[4096], path[4200];
        snprintf(dir, sizeof dir, "%s/%zu", exdir, p);
        mkdir(dir, 0700);
        rc |= write_raw(dir, "X.f64", ds->X->data, ds->X->size1 * ds->X->size2);
        rc |= write_raw(dir, "y.f64", ds->y->data, ds->y->size);
        rc |= write_raw(dir, "Xv.f64", ds->Xv->data, ds->Xv->size1 * ds->Xv->size2);
        rc |= write_raw(dir, "yv.f64", ds->yv->data, ds->yv->size);
        rc |= write_raw(dir, "theta.f64", th->data, p);
        for (int k = 0; k < 3; k++) {
            char nm[64];
            snprintf(nm, sizeof nm, "hg_%s.f64", names[k]);
            rc |= write_raw(dir, nm, hg[k]->data, p);
        }
        snprintf(path, sizeof path, "%s/meta.txt", dir);
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "%zu %zu %zu %.17g %d %.9g %.9g %.9g\n", ds->X->size1, ds->Xv->size1, p,
                    eta, K, best[0], best[1], best[2]);
            rc |= fclose(f) ? -1 : 0;
        } else {
            rc = -1;
        }
        if (rc) fprintf(stderr, "bench_hyper: cannot write to %s\n", dir);
    }
    for (int k = 0; k < 3; k++) gsl_vector_free(hg[k]);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
    bl_dataset_free(ds);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int a = 1;
    if (argc >= 3 && !strcmp(argv[1], "--export")) {
        dir = argv[2];
        a = 3;
    }
    bl_init();
    printf("per hypergradient, logreg-multi (per-feature ω) on synthetic classification "
           "data, K = %d H-products, one thread\n", K);
    size_t ps[16], np = 0;
    for (; a < argc && np < 16; a++) ps[np++] = (size_t)strtoul(argv[a], NULL, 10);
    if (!np) {
        ps[0] = 30, ps[1] = 300, ps[2] = 3000;
        np = 3;
    }
    for (size_t i = 0; i < np; i++)
        if (one(ps[i], dir)) return 1;
    return 0;
}
