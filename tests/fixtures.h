/* fixtures.h: helpers shared by the unit tests (one copy of each).
 *
 * Everything here is static inline and marked unused, so a test includes
 * this file whole and uses what it needs.  Tests that draw random numbers
 * allocate and seed `rng` in main (each with its own seed) before using
 * randn() or make_ds(). */
#ifndef BL_FIXTURES_H
#define BL_FIXTURES_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort_vector.h>

#include "tap.h"
#include "problem.h"
#include "catalogue.h"
#include "data.h"

/* ---- TAP ---- */

/* A skipped test: counts as one TAP line. */
TAP_UNUSED static inline void skip(const char *why)
{
    printf("ok %d # SKIP %s\n", ++tap_n, why);
}

/* Whether SUB occurs in S (both non-NULL). */
TAP_UNUSED static inline int has(const char *s, const char *sub)
{
    return s && sub && strstr(s, sub) != NULL;
}

/* ---- random draws ---- */

/* The test's generator: main allocates and seeds it. */
TAP_UNUSED static gsl_rng *rng;

/* V ← independent N(0, sd²) draws from rng. */
TAP_UNUSED static inline void randn(gsl_vector *v, double sd)
{
    for (size_t i = 0; i < v->size; i++)
        gsl_vector_set(v, i, gsl_ran_gaussian(rng, sd));
}

/* ---- vectors and matrices ---- */

/* ‖a − b‖ (Euclidean). */
TAP_UNUSED static inline double dist(const gsl_vector *a, const gsl_vector *b)
{
    double s = 0;
    for (size_t i = 0; i < a->size; i++) {
        double t = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        s += t * t;
    }
    return sqrt(s);
}

/* Whether A and B are equal bit for bit (−0 ≠ 0, NaN = the same NaN). */
TAP_UNUSED static inline int same_bits(const gsl_vector *a, const gsl_vector *b)
{
    if (a->size != b->size) return 0;
    for (size_t i = 0; i < a->size; i++) {
        double x = gsl_vector_get(a, i), y = gsl_vector_get(b, i);
        if (memcmp(&x, &y, sizeof x) != 0) return 0;
    }
    return 1;
}

/* Eigenvalues of a symmetric matrix, increasing. */
TAP_UNUSED static inline void sym_eigs(const gsl_matrix *H, gsl_vector *ev)
{
    gsl_matrix *W = gsl_matrix_alloc(H->size1, H->size2);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(H->size1);
    gsl_matrix_memcpy(W, H);
    gsl_eigen_symm(W, ev, ws);
    gsl_sort_vector(ev);
    gsl_eigen_symm_free(ws);
    gsl_matrix_free(W);
}

/* ---- problems ---- */

/* The catalogue's quadratic(p, d, kappa, mu, seed); NULL, with E set, when
 * it is refused. */
TAP_UNUSED static inline bl_problem *quadratic_alloc(size_t p, size_t d, double kappa,
                                                     double mu, double seed, bl_err *e)
{
    double par[5] = {(double)p, (double)d, kappa, mu, seed};
    return bl_problem_alloc(&bl_problem_quadratic, par, NULL, e);
}

/* The same, with a failing TAP line (and NULL) when it is refused. */
TAP_UNUSED static inline bl_problem *quadratic(size_t p, size_t d, double kappa, double mu,
                                               double seed)
{
    bl_err e = {0, ""};
    bl_problem *P = quadratic_alloc(p, d, kappa, mu, seed, &e);
    if (!P) tap_ok(0, "quadratic p=%zu d=%zu kappa=%g allocates: %s", p, d, kappa, e.msg);
    return P;
}

/* F(ω) = L(θ*(ω), ω) from the problem's closed-form θ* (NaN when there is
 * none at ω). */
TAP_UNUSED static inline double F_closed(bl_problem *P, cvec *om)
{
    gsl_vector *th = gsl_vector_alloc(P->p);
    double F = NAN;
    if (P->type->theta_star(P, om, th) == BL_OK) F = bl_problem_L(P, th, om);
    gsl_vector_free(th);
    return F;
}

/* The same for a scalar ω (d = 1). */
TAP_UNUSED static inline double F_closed1(bl_problem *P, double w)
{
    gsl_vector *om = gsl_vector_alloc(1);
    gsl_vector_set(om, 0, w);
    double F = F_closed(P, om);
    gsl_vector_free(om);
    return F;
}

/* T built on no data from its defaults with ARGS ("key=value ..."; the
 * values as `problem use` takes them) over them; NULL, with E set when
 * the problem refuses, on an unknown name or a bad value. */
TAP_UNUSED static inline bl_problem *problem_with(const bl_problem_type *T, const char *args,
                                                  bl_err *e)
{
    double par[BL_MAX_PARAMS];
    char buf[256], *save = NULL;
    for (size_t i = 0; i < T->nparams; i++) par[i] = T->params[i].def;
    snprintf(buf, sizeof buf, "%s", args);
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        int k = -1;
        if (eq) {
            *eq = '\0';
            k = bl_param_find(T->params, T->nparams, w);
        }
        if (k < 0) {
            bl_err_set(e, BL_EINVAL, "%s: no parameter %s", T->name, w);
            return NULL;
        }
        if (bl_param_parse(&T->params[k], eq + 1, &par[k], e) != BL_OK) return NULL;
    }
    return bl_problem_alloc(T, par, NULL, e);
}

/* ---- data sets ---- */

/* A synthetic data set (bl_data_synth) with these sizes, flip rate, noise
 * and seed; NULL (with a diagnostic) when it cannot be made. */
TAP_UNUSED static inline bl_dataset *synth(const char *kind, size_t n, size_t m, size_t p,
                                           double rho, double noise, unsigned long seed)
{
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = n;
    o.m = m;
    o.p = p;
    o.rho = rho;
    o.noise = noise;
    o.seed = seed;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    if (bl_data_synth(kind, &o, &ds, &e) != BL_OK) tap_diag("synth %s: %s", kind, e.msg);
    return ds;
}


/* A data set built by hand (data.c is not needed): y = Xw + noise, with w,
 * the features and the noise (sd 0.5) drawn from rng; n training rows, m
 * validation rows, p features.  Free with free_ds. */
TAP_UNUSED static inline bl_dataset *make_ds(size_t n, size_t m, size_t p)
{
    bl_dataset *ds = calloc(1, sizeof *ds);
    gsl_vector *wt = gsl_vector_alloc(p);
    randn(wt, 1.0);
    ds->X = gsl_matrix_alloc(n, p);
    ds->y = gsl_vector_alloc(n);
    ds->Xv = gsl_matrix_alloc(m, p);
    ds->yv = gsl_vector_alloc(m);
    for (int split = 0; split < 2; split++) {
        gsl_matrix *X = split ? ds->Xv : ds->X;
        gsl_vector *y = split ? ds->yv : ds->y;
        for (size_t i = 0; i < X->size1; i++) {
            double t = 0;
            for (size_t j = 0; j < p; j++) {
                double x = gsl_ran_gaussian(rng, 1.0);
                gsl_matrix_set(X, i, j, x);
                t += x * gsl_vector_get(wt, j);
            }
            gsl_vector_set(y, i, t + gsl_ran_gaussian(rng, 0.5));
        }
    }
    gsl_vector_free(wt);
    return ds;
}

TAP_UNUSED static inline void free_ds(bl_dataset *ds)
{
    gsl_matrix_free(ds->X);
    gsl_vector_free(ds->y);
    gsl_matrix_free(ds->Xv);
    gsl_vector_free(ds->yv);
    free(ds);
}

/* Ridge on the bundled data set NAME (default load options).  When the set
 * is not installed: a SKIP line and 0.  Otherwise 1, PATH holds the file,
 * *DS the data (NULL if the load failed) and *P the problem (NULL, with E
 * set, if the load or the problem failed). */
TAP_UNUSED static inline int ridge_bundled(const char *name, char *path, size_t size,
                                           bl_dataset **ds, bl_problem **P, bl_err *e)
{
    *ds = NULL;
    *P = NULL;
    if (!bl_data_find_bundled(name, path, size)) {
        char why[128];
        snprintf(why, sizeof why, "bundled %s not found (set BILAB_DATADIR)", name);
        skip(why);
        return 0;
    }
    bl_load_opts lo;
    bl_load_opts_default(&lo);
    if (bl_data_load(name, &lo, ds, e) == BL_OK)
        *P = bl_problem_alloc(&bl_problem_ridge, NULL, *ds, e);
    return 1;
}

#endif
