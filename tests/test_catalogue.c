/* test_catalogue.c: every problem of the catalogue against finite
 * differences (a table test: one TAP line per problem and product), then
 * the closed forms, generators and lessons of the first catalogue's
 * problems.  Mathematics: doc/catalogue.md, "Problems (first catalogue)";
 * formulas of each problem: doc/problems/NAME.md.  The inner solvers run
 * here only as the lessons use them; their own tests are test_inner.c. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"

typedef double (*scalar_fn)(bl_problem *, cvec *, cvec *);
typedef void (*vector_fn)(bl_problem *, cvec *, cvec *, gsl_vector *);

/* Fourth-order central differences with step FD_H: truncation O(h⁴),
 * round-off O(ε|f|/h). */
static const double FD_H = 1e-4;

/* Problems this test knows how to build from their defaults; any other
 * catalogue entry that cannot be built is skipped (custom needs a
 * definition, and has its own suite). */
static const char *const own[] = {
    "quadratic", "ridge", "ridge-multi", "logreg", "logreg-multi", "cleaning", "tv1d",
    "heat", "doublewell", "nonsingleton", "lasso", "enet", "ivreg", "oed", "irl", "sor", "matcomp", "metaridge", "quadsum", NULL,
};

static int is_own(const char *name)
{
    for (size_t i = 0; own[i]; i++)
        if (!strcmp(own[i], name)) return 1;
    return 0;
}

static double dot(const gsl_vector *a, const gsl_vector *b)
{
    double r;
    gsl_blas_ddot(a, b, &r);
    return r;
}

/* ‖a − b‖ ≤ tol · max(‖b‖, floor) */
static int vec_close(const gsl_vector *a, const gsl_vector *b, double tol, double floor,
                     const char *label, const char *what)
{
    double nb = gsl_blas_dnrm2(b);
    double err = dist(a, b) / (nb > floor ? nb : floor);
    return tap_ok(a->size == b->size && err <= tol && isfinite(err),
                  "%s: %s (rel err %.3g, tol %.0e)", label, what, err, tol);
}

/* x ← x0 + t·dir (x, x0 may not alias dir) */
static void along(gsl_vector *x, cvec *x0, cvec *dir, double t)
{
    gsl_vector_memcpy(x, x0);
    gsl_blas_daxpy(t, dir, x);
}

/* d/dt f(th + t dir, om) (which = 0) or f(th, om + t dir) (which = 1) at 0 */
static double fd_scalar_dir(bl_problem *P, scalar_fn f, cvec *th, cvec *om, int which,
                            cvec *dir)
{
    gsl_vector *t = gsl_vector_alloc(th->size), *o = gsl_vector_alloc(om->size);
    gsl_vector *x = which ? o : t;
    cvec *x0 = which ? om : th;
    double v[4];
    const double s[4] = {FD_H, -FD_H, 2 * FD_H, -2 * FD_H};
    gsl_vector_memcpy(t, th);
    gsl_vector_memcpy(o, om);
    for (int k = 0; k < 4; k++) {
        along(x, x0, dir, s[k]);
        v[k] = f(P, t, o);
    }
    gsl_vector_free(t);
    gsl_vector_free(o);
    return (8 * (v[0] - v[1]) - (v[2] - v[3])) / (12 * FD_H);
}

/* The same for a vector function F, into OUT */
static void fd_vector_dir(bl_problem *P, vector_fn f, cvec *th, cvec *om, int which,
                          cvec *dir, gsl_vector *out)
{
    gsl_vector *t = gsl_vector_alloc(th->size), *o = gsl_vector_alloc(om->size);
    gsl_vector *v = gsl_vector_alloc(out->size);
    gsl_vector *x = which ? o : t;
    cvec *x0 = which ? om : th;
    const double s[4] = {FD_H, -FD_H, 2 * FD_H, -2 * FD_H}, c[4] = {8, -8, -1, 1};
    gsl_vector_memcpy(t, th);
    gsl_vector_memcpy(o, om);
    gsl_vector_set_zero(out);
    for (int k = 0; k < 4; k++) {
        along(x, x0, dir, s[k]);
        f(P, t, o, v);
        gsl_blas_daxpy(c[k] / (12 * FD_H), v, out);
    }
    gsl_vector_free(t);
    gsl_vector_free(o);
    gsl_vector_free(v);
}

/* Directions to differentiate along in a space of dimension N: the unit
 * vectors when N ≤ 64, else 6 random unit directions. */
static gsl_matrix *directions(size_t n)
{
    size_t k = n <= 64 ? n : 6;
    gsl_matrix *E = gsl_matrix_calloc(k, n);
    if (n <= 64) {
        gsl_matrix_set_identity(E);
        return E;
    }
    for (size_t i = 0; i < k; i++) {
        gsl_vector_view r = gsl_matrix_row(E, i);
        randn(&r.vector, 1.0);
        gsl_vector_scale(&r.vector, 1.0 / gsl_blas_dnrm2(&r.vector));
    }
    return E;
}

/* GRAD against the differences of F along each direction */
static void grad_line(bl_problem *P, vector_fn grad, scalar_fn f, cvec *th, cvec *om,
                      int which, const char *label, const char *what)
{
    size_t n = which ? om->size : th->size;
    gsl_matrix *E = directions(n);
    gsl_vector *g = gsl_vector_alloc(n), *a = gsl_vector_alloc(E->size1);
    gsl_vector *b = gsl_vector_alloc(E->size1);
    grad(P, th, om, g);
    for (size_t k = 0; k < E->size1; k++) {
        gsl_vector_const_view dk = gsl_matrix_const_row(E, k);
        gsl_vector_set(a, k, dot(g, &dk.vector));
        gsl_vector_set(b, k, fd_scalar_dir(P, f, th, om, which, &dk.vector));
    }
    vec_close(a, b, 1e-6, 1e-3, label, what);
    gsl_matrix_free(E);
    gsl_vector_free(g);
    gsl_vector_free(a);
    gsl_vector_free(b);
}

/* The table: ∇θG, ∇ωG, ∇θL, ∇ωL, H v, C v, Cᵀu, uᵀHv = vᵀHu and a clone,
 * at a random point (θ ~ N(0, 1), ω = ω₀ + N(0, ½²)). */
static void table_row(bl_problem *P, const char *label)
{
    size_t p = P->p, d = P->d;
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(d);
    gsl_vector *v = gsl_vector_alloc(p), *w = gsl_vector_alloc(p), *u = gsl_vector_alloc(d);
    gsl_vector *hp = gsl_vector_alloc(p), *fp = gsl_vector_alloc(p);
    gsl_vector *cd = gsl_vector_alloc(d);
    randn(th, 1.0);
    bl_problem_omega0(P, om);
    for (size_t i = 0; i < d; i++)
        gsl_vector_set(om, i, gsl_vector_get(om, i) + gsl_ran_gaussian(rng, 0.5));
    randn(v, 1.0);
    randn(w, 1.0);
    randn(u, 1.0);

    grad_line(P, bl_problem_G_theta, bl_problem_G, th, om, 0, label, "∇θG = differences of G");
    grad_line(P, bl_problem_G_omega, bl_problem_G, th, om, 1, label, "∇ωG = differences of G");
    grad_line(P, bl_problem_L_theta, bl_problem_L, th, om, 0, label, "∇θL = differences of L");
    grad_line(P, bl_problem_L_omega, bl_problem_L, th, om, 1, label, "∇ωL = differences of L");

    bl_problem_hvp(P, th, om, v, hp);
    fd_vector_dir(P, bl_problem_G_theta, th, om, 0, v, fp);
    vec_close(hp, fp, 1e-6, 1e-3, label, "H v = differences of ∇θG along v");

    /* (C v)_k along each ω direction e_k: e_kᵀ C v = vᵀ ∂_{e_k}∇θG */
    {
        gsl_matrix *E = directions(d);
        gsl_vector *a = gsl_vector_alloc(E->size1), *b = gsl_vector_alloc(E->size1);
        bl_problem_cvp(P, th, om, v, cd);
        for (size_t k = 0; k < E->size1; k++) {
            gsl_vector_const_view ek = gsl_matrix_const_row(E, k);
            gsl_vector_set(a, k, dot(cd, &ek.vector));
            fd_vector_dir(P, bl_problem_G_theta, th, om, 1, &ek.vector, fp);
            gsl_vector_set(b, k, dot(v, fp));
        }
        vec_close(a, b, 1e-6, 1e-3, label, "C v = vᵀ ∂ω∇θG by differences");
        gsl_matrix_free(E);
        gsl_vector_free(a);
        gsl_vector_free(b);
    }
    bl_problem_ctvp(P, th, om, u, hp);
    fd_vector_dir(P, bl_problem_G_theta, th, om, 1, u, fp);
    vec_close(hp, fp, 1e-6, 1e-3, label, "Cᵀu = differences of ∇θG along u in ω");

    bl_problem_hvp(P, th, om, v, hp);
    bl_problem_hvp(P, th, om, w, fp);
    {
        double a = dot(w, hp), b = dot(v, fp), s = fmax(fmax(fabs(a), fabs(b)), 1e-300);
        tap_ok(fabs(a - b) <= 1e-12 * s, "%s: H symmetric, wᵀHv = vᵀHw (%.17g vs %.17g)",
               label, a, b);
    }

    /* a clone computes the same numbers */
    {
        bl_problem *Q = bl_problem_clone(P);
        int same = Q != NULL;
        if (Q) {
            gsl_vector *q = gsl_vector_alloc(p), *qd = gsl_vector_alloc(d);
            same = bl_problem_G(Q, th, om) == bl_problem_G(P, th, om)
                   && bl_problem_L(Q, th, om) == bl_problem_L(P, th, om);
            bl_problem_hvp(P, th, om, v, hp);
            bl_problem_hvp(Q, th, om, v, q);
            same = same && same_bits(hp, q);
            bl_problem_cvp(P, th, om, v, cd);
            bl_problem_cvp(Q, th, om, v, qd);
            same = same && same_bits(cd, qd);
            gsl_vector_free(q);
            gsl_vector_free(qd);
        }
        bl_problem_free(Q);
        tap_ok(same, "%s: a clone gives the same G, L, H v and C v", label);
    }

    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(v);
    gsl_vector_free(w);
    gsl_vector_free(u);
    gsl_vector_free(hp);
    gsl_vector_free(fp);
    gsl_vector_free(cd);
}

static void check_table(void)
{
    bl_dataset *reg = synth("regression", 60, 40, 6, 0, 0.5, 1);
    bl_dataset *cls = synth("classification", 60, 40, 6, 0.3, 0.5, 2);
    for (size_t i = 0; bl_catalogue[i]; i++) {
        const bl_problem_type *T = bl_catalogue[i];
        char label[64];
        snprintf(label, sizeof label, "table %s", T->name);
        /* lasso and enet are non-smooth, but at a random θ every θ_j ≠ 0:
         * G is differentiable there, ∇θG = ∇f + λ₁ sign θ, and H, C are the
         * full products (the support is everything), so every row applies
         * (their support, KKT and hypergradient tests: tests/test_lasso.c) */
        const bl_dataset *ds = (T->flags & BL_PROB_CLASSIFICATION) ? cls : reg;
        bl_err e = {0, ""};
        bl_problem *P = bl_problem_alloc(T, NULL, ds, &e);
        if (!P) {
            if (is_own(T->name)) {
                tap_ok(0, "%s: builds from its defaults: %s", label, e.msg);
            } else {
                char why[600];
                snprintf(why, sizeof why, "%s cannot be built from defaults: %s", T->name, e.msg);
                skip(why);
            }
            continue;
        }
        tap_diag("%s: p=%zu d=%zu", T->name, P->p, P->d);
        table_row(P, label);
        bl_problem_free(P);
    }
    bl_dataset_free(reg);
    bl_dataset_free(cls);
}

/* More rows of the table: parameter settings of a problem that take
 * other code paths than its defaults ("key=value ..." over the defaults). */
static void check_table_variants(void)
{
    static const struct {
        const bl_problem_type *T;
        const char *args;
    } rows[] = {
        {&bl_problem_ivreg, "model=kernel kernel=gauss"},
        {&bl_problem_ivreg, "model=kernel kernel=linear n=40 q=60"},
        {&bl_problem_ivreg, "model=linear n=30 q=60 k=3"},
        {&bl_problem_ivreg, "model=kernel lambda=0 kernel=linear"},
        {&bl_problem_oed, "N=30 nt=5 s=7 K=3 budget=0.1"},
        {&bl_problem_irl, "bellman=unrolled K=5"},
        {&bl_problem_irl, "bellman=unrolled K=0"},
        {&bl_problem_irl, "size=4 slip=0 gamma=0.5 scale=3"},
        {&bl_problem_irl, "size=3 slip=1 bellman=unrolled K=40"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char label[160];
        snprintf(label, sizeof label, "table %s %s", rows[i].T->name, rows[i].args);
        bl_err e = {0, ""};
        bl_problem *P = problem_with(rows[i].T, rows[i].args, &e);
        if (!tap_ok(P != NULL, "%s: builds (%s)", label, e.msg)) continue;
        table_row(P, label);
        bl_problem_free(P);
    }
}

/* ---- closed forms and outer losses ---- */

/* Central difference of F(ω) = L(θ*(ω), ω) from the closed-form θ*, along e_i */
static void fd_F(bl_problem *P, cvec *om, gsl_vector *g)
{
    gsl_vector *o = gsl_vector_alloc(om->size);
    const double h = 1e-5;
    for (size_t i = 0; i < om->size; i++) {
        gsl_vector_memcpy(o, om);
        gsl_vector_set(o, i, gsl_vector_get(om, i) + h);
        double Fp = F_closed(P, o);
        gsl_vector_set(o, i, gsl_vector_get(om, i) - h);
        double Fm = F_closed(P, o);
        gsl_vector_set(g, i, (Fp - Fm) / (2 * h));
    }
    gsl_vector_free(o);
}

/* θ* solves ∇θG = 0; the closed-form ∇F matches differences of F and
 * ∇ωL − C H⁻¹∇θL. */
static void check_closed(bl_problem *P, cvec *om, const char *label)
{
    size_t p = P->p, d = P->d;
    gsl_vector *ts = gsl_vector_alloc(p), *g = gsl_vector_alloc(p), *z = gsl_vector_calloc(p);
    gsl_vector *hg = gsl_vector_alloc(d), *fd = gsl_vector_alloc(d), *g2 = gsl_vector_alloc(d);
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    int st = P->type->theta_star(P, om, ts);
    bl_problem_G_theta(P, z, om, g);
    double scale = fmax(1.0, gsl_blas_dnrm2(g));
    bl_problem_G_theta(P, ts, om, g);
    tap_ok(st == BL_OK && gsl_blas_dnrm2(g) <= 1e-10 * scale,
           "%s: closed-form θ* has ‖∇θG(θ*)‖ = %.3g (relative)", label,
           gsl_blas_dnrm2(g) / scale);
    st = P->type->hypergrad(P, om, hg);
    fd_F(P, om, fd);
    tap_ok(st == BL_OK, "%s: closed-form ∇F", label);
    vec_close(hg, fd, 1e-6, 1e-6, label, "closed-form ∇F = differences of F(ω)");
    /* ∇ωL − C a, a = H⁻¹∇θL, by a dense solve */
    bl_problem_hessian(P, ts, om, H);
    bl_problem_L_theta(P, ts, om, g);
    gsl_linalg_cholesky_decomp1(H);
    gsl_linalg_cholesky_svx(H, g);
    bl_problem_L_omega(P, ts, om, g2);
    bl_problem_cvp(P, ts, om, g, fd);
    gsl_vector_sub(g2, fd);
    vec_close(hg, g2, 1e-9, 1e-9, label, "closed-form ∇F = ∇ωL − C H⁻¹∇θL");
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(z);
    gsl_vector_free(hg);
    gsl_vector_free(fd);
    gsl_vector_free(g2);
    gsl_matrix_free(H);
}

static double huber(double r, double dl)
{
    return fabs(r) <= dl ? 0.5 * r * r : dl * fabs(r) - 0.5 * dl * dl;
}

static double sig(double t) { return 1 / (1 + exp(-t)); }

static void check_regression_family(void)
{
    bl_dataset *ds = synth("regression", 50, 30, 5, 0, 1.0, 7);
    bl_err e = {0, ""};
    gsl_vector *th = gsl_vector_alloc(5), *om = gsl_vector_alloc(5), *o1 = gsl_vector_alloc(1);
    gsl_vector *g = gsl_vector_alloc(5), *g1 = gsl_vector_alloc(5);

    /* ridge-multi: closed forms, with both outer losses */
    double par[2] = {0, 1};
    bl_problem *P = bl_problem_alloc(&bl_problem_ridge_multi, par, ds, &e);
    tap_ok(P && P->p == 5 && P->d == 5, "ridge-multi: θ ∈ R^5, ω ∈ R^5 (%s)", e.msg);
    if (!P) goto out;
    randn(om, 1.0);
    check_closed(P, om, "ridge-multi outer=mse");
    bl_problem_free(P);
    par[0] = 1;                                   /* outer=huber, δ = 0.7 */
    par[1] = 0.7;
    P = bl_problem_alloc(&bl_problem_ridge_multi, par, ds, &e);
    check_closed(P, om, "ridge-multi outer=huber");

    /* outer=huber is (1/m) Σ h_δ(x_kᵀθ − y_k) */
    randn(th, 1.0);
    double s = 0;
    for (size_t k = 0; k < ds->Xv->size1; k++) {
        gsl_vector_const_view xk = gsl_matrix_const_row(ds->Xv, k);
        s += huber(dot(&xk.vector, th) - gsl_vector_get(ds->yv, k), 0.7);
    }
    s /= (double)ds->Xv->size1;
    tap_close(bl_problem_L(P, th, om), s, 1e-13,
              "ridge-multi outer=huber: L = (1/m) Σ h_δ(x_kᵀθ − y_k)");
    bl_problem_free(P);

    /* ridge-multi at ω = c·1 is ridge at ω = c: G, ∇θG and Σ_j ∇F_j = ∇F_ridge */
    {
        bl_problem *R = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
        bl_problem *M = bl_problem_alloc(&bl_problem_ridge_multi, NULL, ds, &e);
        gsl_vector_set_all(om, -0.3);
        gsl_vector_set(o1, 0, -0.3);
        double a = bl_problem_G(R, th, o1), b = bl_problem_G(M, th, om);
        bl_problem_G_theta(R, th, o1, g);
        bl_problem_G_theta(M, th, om, g1);
        tap_ok(fabs(a - b) <= 1e-13 * fabs(a) && dist(g, g1) <= 1e-13 * gsl_blas_dnrm2(g),
               "ridge-multi at ω = c·1 has the G and ∇θG of ridge at ω = c");
        gsl_vector *hr = gsl_vector_alloc(1);
        R->type->hypergrad(R, o1, hr);
        M->type->hypergrad(M, om, g1);
        double sum = 0;
        for (size_t j = 0; j < 5; j++) sum += gsl_vector_get(g1, j);
        tap_close(sum, gsl_vector_get(hr, 0), 1e-11,
                  "ridge-multi: Σ_j ∂F/∂ω_j at ω = c·1 is ridge's dF/dω");
        gsl_vector_free(hr);
        bl_problem_free(R);
        bl_problem_free(M);
    }

    /* ridge outer=huber: L by the formula, δ → ∞ is mse, closed forms */
    {
        double rp[2] = {1, 0.5};
        bl_problem *R = bl_problem_alloc(&bl_problem_ridge, rp, ds, &e);
        gsl_vector_set(o1, 0, 0.4);
        double s2 = 0;
        for (size_t k = 0; k < ds->Xv->size1; k++) {
            gsl_vector_const_view xk = gsl_matrix_const_row(ds->Xv, k);
            s2 += huber(dot(&xk.vector, th) - gsl_vector_get(ds->yv, k), 0.5);
        }
        s2 /= (double)ds->Xv->size1;
        tap_close(bl_problem_L(R, th, o1), s2, 1e-13, "ridge outer=huber: L = (1/m) Σ h_δ(r_k)");
        check_closed(R, o1, "ridge outer=huber");
        bl_problem_free(R);
        double big[2] = {1, 1e12};
        bl_problem *Rh = bl_problem_alloc(&bl_problem_ridge, big, ds, &e);
        bl_problem *Rm = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
        tap_close(bl_problem_L(Rh, th, o1), bl_problem_L(Rm, th, o1), 1e-10,
                  "ridge outer=huber with δ = 1e12 is outer=mse");
        bl_problem_free(Rh);
        bl_problem_free(Rm);
    }
out:
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(o1);
    gsl_vector_free(g);
    gsl_vector_free(g1);
    bl_dataset_free(ds);
}

/* A copy of DS with its labels passed through MAP (−1 → a, +1 → b). */
static bl_dataset *relabel(const bl_dataset *ds, double a, double b)
{
    bl_dataset *c = calloc(1, sizeof *c);
    c->name = ds->name;
    c->X = ds->X;
    c->Xv = ds->Xv;
    c->y = gsl_vector_alloc(ds->y->size);
    c->yv = gsl_vector_alloc(ds->yv->size);
    for (size_t i = 0; i < ds->y->size; i++)
        gsl_vector_set(c->y, i, gsl_vector_get(ds->y, i) > 0 ? b : a);
    for (size_t i = 0; i < ds->yv->size; i++)
        gsl_vector_set(c->yv, i, gsl_vector_get(ds->yv, i) > 0 ? b : a);
    c->task = BL_TASK_CLASSIFICATION;
    return c;
}

static void free_relabel(bl_dataset *c)
{
    gsl_vector_free(c->y);
    gsl_vector_free(c->yv);
    free(c);
}

static void check_logistic_family(void)
{
    bl_dataset *ds = synth("classification", 80, 50, 4, 0, 0.8, 11);
    bl_err e = {0, ""};
    gsl_vector *th = gsl_vector_alloc(4), *om = gsl_vector_alloc(1), *om4 = gsl_vector_alloc(4);
    gsl_vector *g = gsl_vector_alloc(4), *g2 = gsl_vector_alloc(4);
    randn(th, 1.0);
    gsl_vector_set(om, 0, -1.2);
    gsl_vector_set_all(om4, -1.2);

    /* G and the three outer losses by their formulas */
    double G = 0, Ll = 0, Ls = 0, L01 = 0, tau = 0.3;
    for (size_t i = 0; i < ds->X->size1; i++) {
        gsl_vector_const_view xi = gsl_matrix_const_row(ds->X, i);
        G += log1p(exp(-gsl_vector_get(ds->y, i) * dot(&xi.vector, th)));
    }
    G = G / (double)ds->X->size1 + 0.5 * exp(-1.2) * dot(th, th);
    for (size_t k = 0; k < ds->Xv->size1; k++) {
        gsl_vector_const_view xk = gsl_matrix_const_row(ds->Xv, k);
        double yk = gsl_vector_get(ds->yv, k), u = dot(&xk.vector, th), t = (1 + yk) / 2;
        Ll += log1p(exp(-yk * u));
        Ls += 0.5 * (sig(u) - t) * (sig(u) - t);
        L01 += sig(-yk * u / tau);
    }
    double m = (double)ds->Xv->size1;
    double par[2] = {0, tau};
    const char *names[3] = {"logistic", "sqerr", "smooth01"};
    double want[3] = {Ll / m, Ls / m, L01 / m};
    for (int k = 0; k < 3; k++) {
        par[0] = k;
        bl_problem *P = bl_problem_alloc(&bl_problem_logreg, par, ds, &e);
        if (!P) {
            tap_ok(0, "logreg outer=%s builds: %s", names[k], e.msg);
            continue;
        }
        if (k == 0) tap_close(bl_problem_G(P, th, om), G, 1e-13,
                              "logreg: G = (1/n) Σ log(1 + e^{−y xᵀθ}) + (e^ω/2)‖θ‖²");
        char what[96];
        snprintf(what, sizeof what, "logreg outer=%s: L by its formula", names[k]);
        tap_close(bl_problem_L(P, th, om), want[k], 1e-13, what);
        bl_problem_free(P);
    }

    /* logreg-multi at ω = c·1 is logreg at c */
    {
        bl_problem *A = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
        bl_problem *B = bl_problem_alloc(&bl_problem_logreg_multi, NULL, ds, &e);
        bl_problem_G_theta(A, th, om, g);
        bl_problem_G_theta(B, th, om4, g2);
        tap_ok(fabs(bl_problem_G(A, th, om) - bl_problem_G(B, th, om4)) <= 1e-14
               && dist(g, g2) <= 1e-14, "logreg-multi at ω = c·1 has the G and ∇θG of logreg");
        bl_problem_free(A);
        bl_problem_free(B);
    }

    /* labels {0, 1} are {−1, +1} */
    {
        bl_dataset *z = relabel(ds, 0, 1);
        bl_problem *A = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
        bl_problem *B = bl_problem_alloc(&bl_problem_logreg, NULL, z, &e);
        tap_ok(B && bl_problem_G(A, th, om) == bl_problem_G(B, th, om)
               && bl_problem_L(A, th, om) == bl_problem_L(B, th, om),
               "logreg: labels {0, 1} give the numbers of {−1, +1}");
        bl_problem_free(A);
        bl_problem_free(B);
        free_relabel(z);
    }
    /* labels outside both codings, mixed codings, regression targets */
    {
        bl_dataset *z = relabel(ds, 0, 2);
        e.code = 0;
        bl_problem *B = bl_problem_alloc(&bl_problem_logreg, NULL, z, &e);
        tap_ok(!B && e.code == BL_EINVAL && has(e.msg, "{-1, +1} or {0, 1}") && has(e.msg, "is 2"),
               "logreg refuses labels {0, 2}: \"%s\"", e.msg);
        bl_problem_free(B);
        gsl_vector_set(z->y, 0, -1);
        gsl_vector_set(z->y, 1, 0);
        for (size_t i = 2; i < z->y->size; i++) gsl_vector_set(z->y, i, 1);
        gsl_vector_set_all(z->yv, 1);
        e.code = 0;
        B = bl_problem_alloc(&bl_problem_cleaning, NULL, z, &e);
        tap_ok(!B && e.code == BL_EINVAL && has(e.msg, "mix"),
               "cleaning refuses labels mixing −1 and 0: \"%s\"", e.msg);
        bl_problem_free(B);
        free_relabel(z);
        bl_dataset *reg = synth("regression", 30, 20, 4, 0, 0.5, 3);
        e.code = 0;
        B = bl_problem_alloc(&bl_problem_logreg_multi, NULL, reg, &e);
        tap_ok(!B && e.code == BL_EINVAL && has(e.msg, "regression target"),
               "logreg-multi refuses a regression target: \"%s\"", e.msg);
        bl_problem_free(B);
        bl_dataset_free(reg);
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(om4);
    gsl_vector_free(g);
    gsl_vector_free(g2);
    bl_dataset_free(ds);
}

/* ---- heat: H v against a dense assembly; closed forms ---- */

static void check_heat(void)
{
    const size_t N = 12, nt = 5, s = 4;
    const double dt = 1e-3, kappa = 1.0;
    double par[7] = {N, nt, dt, kappa, s, 0.01, 3};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_heat, par, NULL, &e);
    if (!tap_ok(P != NULL, "heat N=12 nt=5 s=4 builds (%s)", e.msg)) return;
    /* M⁻¹ = I + rK by hand, P = (M⁻¹)^{-nt} by LU */
    double h = 1.0 / (N + 1), r = kappa * dt / (h * h);
    gsl_matrix *Mi = gsl_matrix_calloc(N, N), *M = gsl_matrix_alloc(N, N);
    gsl_matrix *Pm = gsl_matrix_alloc(N, N), *T = gsl_matrix_alloc(N, N);
    gsl_matrix *H = gsl_matrix_calloc(N, N), *H2 = gsl_matrix_alloc(N, N);
    for (size_t i = 0; i < N; i++) {
        gsl_matrix_set(Mi, i, i, 1 + 2 * r);
        if (i + 1 < N) {
            gsl_matrix_set(Mi, i, i + 1, -r);
            gsl_matrix_set(Mi, i + 1, i, -r);
        }
    }
    gsl_permutation *perm = gsl_permutation_alloc(N);
    int sg;
    gsl_matrix_memcpy(T, Mi);
    gsl_linalg_LU_decomp(T, perm, &sg);
    gsl_linalg_LU_invert(T, perm, M);
    gsl_matrix_set_identity(Pm);
    for (size_t k = 0; k < nt; k++) {
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, M, Pm, 0.0, T);
        gsl_matrix_memcpy(Pm, T);
    }
    /* H = P Sᵀ S P + e^{ω₁} DᵀD + e^{ω₂} I, sensors floor((j + ½)N/s) */
    gsl_vector *om = gsl_vector_alloc(2);
    gsl_vector_set(om, 0, -1.5);
    gsl_vector_set(om, 1, -3.0);
    for (size_t j = 0; j < s; j++) {
        size_t q = (size_t)floor(((double)j + 0.5) * (double)N / (double)s);
        gsl_vector_view row = gsl_matrix_row(Pm, q);
        gsl_blas_dger(1.0, &row.vector, &row.vector, H);
    }
    double a = exp(-1.5), b = exp(-3.0);
    for (size_t i = 0; i < N; i++) {
        double dd = (i == 0 || i == N - 1) ? 1 : 2;
        gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + a * dd + b);
        if (i + 1 < N) {
            gsl_matrix_set(H, i, i + 1, gsl_matrix_get(H, i, i + 1) - a);
            gsl_matrix_set(H, i + 1, i, gsl_matrix_get(H, i + 1, i) - a);
        }
    }
    gsl_vector *th = gsl_vector_alloc(N), *ej = gsl_vector_alloc(N), *col = gsl_vector_alloc(N);
    randn(th, 1.0);
    double err = 0, err2 = 0, hmax = 0;
    P->type->hessian(P, th, om, H2);
    for (size_t j = 0; j < N; j++) {
        gsl_vector_set_basis(ej, j);
        bl_problem_hvp(P, th, om, ej, col);
        for (size_t i = 0; i < N; i++) {
            err = fmax(err, fabs(gsl_vector_get(col, i) - gsl_matrix_get(H, i, j)));
            err2 = fmax(err2, fabs(gsl_matrix_get(H2, i, j) - gsl_matrix_get(H, i, j)));
            hmax = fmax(hmax, fabs(gsl_matrix_get(H, i, j)));
        }
    }
    tap_ok(err <= 1e-13 * hmax, "heat: H e_j by forward and adjoint solves = the dense "
           "P Sᵀ S P + e^{ω₁}DᵀD + e^{ω₂}I (max diff %.3g)", err / hmax);
    tap_ok(err2 <= 1e-13 * hmax, "heat: its dense H (from s propagations) = the same (%.3g)",
           err2 / hmax);
    /* the bound on λmax */
    {
        gsl_vector *ev = gsl_vector_alloc(N);
        sym_eigs(H, ev);
        double L = bl_problem_lipschitz(P, th, om), lm = gsl_vector_get(ev, N - 1);
        tap_ok(L >= lm && L <= 5 * lm, "heat: bound %.6g on λmax(H) = %.6g", L, lm);
        gsl_vector_free(ev);
    }
    check_closed(P, om, "heat N=12");
    gsl_permutation_free(perm);
    gsl_matrix_free(Mi);
    gsl_matrix_free(M);
    gsl_matrix_free(Pm);
    gsl_matrix_free(T);
    gsl_matrix_free(H);
    gsl_matrix_free(H2);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ej);
    gsl_vector_free(col);
    bl_problem_free(P);
}

/* ---- tv1d: the signal generator, redone from its documented draws ---- */

static void check_tv1d(void)
{
    const size_t N = 40, J = 3;
    const double noise = 0.2;
    double par[5] = {N, J, noise, 9, 1e-2};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_tv1d, par, NULL, &e);
    if (!tap_ok(P != NULL, "tv1d N=40 jumps=3 builds (%s)", e.msg)) return;
    gsl_vector *z = gsl_vector_calloc(N), *om = gsl_vector_alloc(1), *g = gsl_vector_alloc(N);
    gsl_vector *clean = gsl_vector_alloc(N), *sig_ = gsl_vector_alloc(N);
    gsl_vector_set(om, 0, 0.0);
    bl_problem_L_theta(P, z, om, clean);          /* ∇θL(0) = −s_clean */
    gsl_vector_scale(clean, -1.0);
    bl_problem_G_theta(P, z, om, sig_);           /* ∇θG(0) = −s (φ'(0) = 0) */
    gsl_vector_scale(sig_, -1.0);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 9);
    size_t src[39], pos[3];
    for (size_t i = 0; i < N - 1; i++) src[i] = i + 1;
    gsl_ran_choose(r, pos, J, src, N - 1, sizeof *src);
    double lev[4];
    for (size_t k = 0; k <= J; k++) lev[k] = gsl_ran_gaussian(r, 1.0);
    double ec = 0, es = 0;
    size_t piece = 0, jumps = 0;
    for (size_t i = 0; i < N; i++) {
        if (piece < J && i == pos[piece]) piece++;
        ec = fmax(ec, fabs(gsl_vector_get(clean, i) - lev[piece]));
        double si = lev[piece] + noise * gsl_ran_gaussian(r, 1.0);
        es = fmax(es, fabs(gsl_vector_get(sig_, i) - si));
        if (i > 0 && gsl_vector_get(clean, i) != gsl_vector_get(clean, i - 1)) jumps++;
    }
    tap_ok(ec == 0 && jumps == J, "tv1d: s_clean from the documented draws, %zu jumps", jumps);
    tap_ok(es <= 1e-15, "tv1d: s = s_clean + noise·N(0, 1) from the documented draws (%.3g)", es);
    gsl_rng_free(r);

    /* newton denoises: θ* closer to s_clean than s is */
    gsl_vector_set(om, 0, -2.0);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 100, 0};
    gsl_vector_memcpy(g, sig_);
    size_t it = 0;
    int st = bl_inner_solve_at(P, &ic, om, g, &it, NULL, &e);
    tap_ok(st == BL_OK && dist(g, clean) < 0.8 * dist(sig_, clean),
           "tv1d: newton solves in %zu iterations and θ* is nearer s_clean (%.4g) than s (%.4g)",
           it, dist(g, clean), dist(sig_, clean));
    gsl_vector_free(z);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(clean);
    gsl_vector_free(sig_);
    bl_problem_free(P);
}

/* ---- doublewell: the branch the start dictates; refusals ---- */

/* The root of θ³ − θ − ω in [lo, hi] by bisection (f(lo), f(hi) differ in sign) */
static double bisect(double w, double lo, double hi)
{
    double flo = lo * lo * lo - lo - w;
    for (int k = 0; k < 200; k++) {
        double mid = 0.5 * (lo + hi), fm = mid * mid * mid - mid - w;
        if ((fm < 0) == (flo < 0)) {
            lo = mid;
            flo = fm;
        } else {
            hi = mid;
        }
    }
    return 0.5 * (lo + hi);
}

/* Newlines of a report replaced by " / ", to keep a TAP line one line. */
static const char *one_line(char *buf)
{
    for (char *c = buf; *c; c++)
        if (*c == '\n') *c = '/';
    return buf;
}

static void check_doublewell(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_doublewell, NULL, NULL, &e);
    gsl_vector *om = gsl_vector_alloc(1), *th = gsl_vector_alloc(1);
    const double w = 0.2, c = 1 / sqrt(3.0);
    double left = bisect(w, -2, -c), mid = bisect(w, -c, c), right = bisect(w, c, 2);
    gsl_vector_set(om, 0, w);
    const bl_inner_type *solvers[3] = {bl_inner_gd, bl_inner_newton, bl_inner_bfgs2};
    const double starts[4] = {-1.5, mid - 0.05, mid + 0.05, 1.5};
    for (int s = 0; s < 3; s++) {
        int ok = 1;
        /* newton where H < 0 (next to the maximum) descends too */
        for (int k = 0; k < 4; k++) {
            bl_inner_conf ic = {solvers[s], 0, 1e-12, 5000, 0};
            gsl_vector_set(th, 0, starts[k]);
            int st = bl_inner_solve_at(P, &ic, om, th, NULL, NULL, &e);
            double want = starts[k] < mid ? left : right;
            if (!((st == BL_OK || st == BL_ESTALL)
                  && fabs(gsl_vector_get(th, 0) - want) <= 1e-7)) {
                ok = 0;
                tap_diag("%s from %g: θ = %.17g (want %.17g), %s", solvers[s]->name,
                         starts[k], gsl_vector_get(th, 0), want, st ? e.msg : "ok");
            }
        }
        tap_ok(ok, "doublewell ω = 0.2: %s from θ₀ < %.4g (the maximum) ends in the left "
               "well %.6g, from above in the right well %.6g (starts ±1.5 and max ± 0.05)",
               solvers[s]->name, mid, left, right);
        /* newton started on the wrong side of a fold (H < 0) takes a
         * descent step, towards the well on its side */
        if (solvers[s] == bl_inner_newton) {
            bl_inner *it = bl_inner_alloc(bl_inner_newton, 1);
            gsl_vector_set(th, 0, 0.1);
            int st = bl_inner_set(it, P, om, th, 0, &e);
            double g0 = it->value;
            if (st == BL_OK) st = bl_inner_iterate(it, &e);
            tap_ok(st == BL_OK && it->value < g0 && gsl_vector_get(it->theta, 0) > 0.1,
                   "doublewell: newton at θ = 0.1 (H = −0.97) descends to the right "
                   "(θ = %.6g, G %.6g → %.6g)", gsl_vector_get(it->theta, 0), g0, it->value);
            bl_inner_free(it);
        }
    }
    /* exact and cg refuse where H < 0, naming the smallest eigenvalue;
     * reverse and fd still run */
    {
        bl_inner_conf ic = {bl_inner_gd, 0, 1e-12, 5000, 0};
        gsl_vector *g = gsl_vector_alloc(1), *a = gsl_vector_alloc(1);
        gsl_vector_set(th, 0, 0.0);
        gsl_vector_set(om, 0, 0.0);
        bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic, .eta = 0.5};
        bl_hg_result res = {.grad = g, .adjoint = a};
        bl_spec sp;
        bl_spec_parse("exact", &sp, &e);
        int st = bl_hypergrad(&sp, &c, &res, &e);
        tap_ok(st == BL_ENOTPD && has(e.msg, "smallest eigenvalue -1"),
               "doublewell at θ = 0: exact refuses: \"%s\"", e.msg);
        bl_spec_parse("cg", &sp, &e);
        st = bl_hypergrad(&sp, &c, &res, &e);
        tap_ok(st == BL_ENOTPD, "doublewell at θ = 0: cg refuses: \"%s\"", e.msg);
        gsl_vector_set(th, 0, 1.0);
        bl_spec_parse("reverse:t=50,from=current", &sp, &e);
        st = bl_hypergrad(&sp, &c, &res, &e);
        /* at the minimum θ = 1 of ω = 0: dθ*(ω)/dω = 1/H = ½, ∇F = (1 − θ_t)·½ */
        tap_ok(st == BL_OK && fabs(gsl_vector_get(g, 0) - 0.25) <= 1e-12,
               "doublewell at θ* = 1: reverse runs and gives (θ* − θ_t)/H = 0.25 (%.17g)",
               gsl_vector_get(g, 0));
        gsl_vector_free(g);
        gsl_vector_free(a);
    }
    /* the report names the well */
    {
        char buf[1024];
        gsl_vector_set(om, 0, 0.2);
        gsl_vector_set(th, 0, -1.0);
        P->type->report(P, th, om, buf, sizeof buf);
        tap_ok(has(buf, "left well") && has(buf, "positive definite"),
               "doublewell report at θ = −1: \"%s\"", one_line(buf));
        gsl_vector_set(th, 0, 0.0);
        P->type->report(P, th, om, buf, sizeof buf);
        tap_ok(has(buf, "indefinite") && has(buf, "right well"),
               "doublewell report at θ = 0: \"%s\"", one_line(buf));
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* ---- nonsingleton: bda selects, the outer run reaches (1, 1, 1) ---- */

/* N outer steps of gd with step 1 (Armijo backtracking on F, ‖Δω‖ ≤ 1)
 * from ω = 0, θ = 0, with the inner solver IC and estimator SPEC. */
static int outer_run(bl_problem *P, const bl_inner_conf *ic, const char *spec, size_t n,
                     double step, gsl_vector *om, gsl_vector *th, bl_err *e)
{
    bl_spec sp;
    if (bl_spec_parse(spec, &sp, e) != BL_OK) return BL_EINVAL;
    bl_outer_conf oc = {.type = bl_outer_lookup("gd"), .step = step, .backtrack = 1,
                        .lo = -INFINITY, .hi = INFINITY, .inner_steps = 0, .maxstep = 1};
    bl_outer_env env = {.P = P, .omega = om, .theta = th, .inner = ic, .conf = &oc,
                        .estimator = &sp};
    bl_outer *o = bl_outer_alloc(oc.type, P->d);
    int st = BL_OK;
    for (size_t k = 0; st == BL_OK && k < n; k++) st = bl_outer_step(o, &env, e);
    bl_outer_free(o);
    return st;
}

static void check_nonsingleton(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_nonsingleton, NULL, NULL, &e);
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_calloc(2);
    /* the settings of the lesson: inner bda, inner.tol 1e-10, inner.maxit
     * 1000, estimator reverse:from=current (t = 100), outer gd step 1 with
     * backtracking, 15 steps from ω = 0, θ = 0 */
    bl_inner_conf ic = {bl_inner_bda, 0, 1e-10, 1000, 0};
    int st = outer_run(P, &ic, "reverse:from=current", 15, 1.0, om, th, &e);
    double w = gsl_vector_get(om, 0), t1 = gsl_vector_get(th, 0), t2 = gsl_vector_get(th, 1);
    tap_ok(st == BL_OK && fabs(w - 1) <= 1e-3 && fabs(t1 - 1) <= 1e-3 && fabs(t2 - 1) <= 1e-3,
           "nonsingleton, bda + reverse:from=current, 15 outer gd steps: (ω, θ) = (%.9g, %.9g, "
           "%.9g) within 1e-3 of (1, 1, 1)", w, t1, t2);
    /* gd as the inner solver never moves θ₂ and ends at the wrong point */
    gsl_vector_set_zero(om);
    gsl_vector_set_zero(th);
    bl_inner_conf gd = {bl_inner_gd, 0, 1e-10, 1000, 0};
    st = outer_run(P, &gd, "reverse:from=current", 30, 1.0, om, th, &e);
    tap_ok(st == BL_OK && gsl_vector_get(th, 1) == 0 && fabs(gsl_vector_get(om, 0) - 0.5) < 1e-3,
           "nonsingleton with gd instead: θ₂ stays 0 and ω ends at %.6g (F(ω) = ½ω² + "
           "½(ω − 1)² is minimal at ½)", gsl_vector_get(om, 0));
    /* exact refuses with λmin = 0 */
    {
        gsl_vector *g = gsl_vector_alloc(1), *a = gsl_vector_alloc(2);
        bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic, .eta = 1};
        bl_hg_result res = {.grad = g, .adjoint = a};
        bl_spec sp;
        bl_spec_parse("exact", &sp, &e);
        st = bl_hypergrad(&sp, &c, &res, &e);
        tap_ok(st == BL_ENOTPD && has(e.msg, "smallest eigenvalue 0"),
               "nonsingleton: exact refuses: \"%s\"", e.msg);
        gsl_vector_free(g);
        gsl_vector_free(a);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(P);
}

/* ---- cleaning: recall of the flipped labels after an outer run ---- */

static void check_cleaning(void)
{
    /* data synth classification rho=0.3 (n = m = 100, p = 10, noise 0.1,
     * seed 0, raw units); cleaning mu=1e-3; inner newton to 1e-10; outer gd
     * with the exact estimator, step 100 capped at ‖Δω‖ ≤ 1, backtracking,
     * 30 steps from ω = 0 */
    bl_dataset *ds = synth("classification", 100, 100, 10, 0.3, 0.1, 0);
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_cleaning, NULL, ds, &e);
    if (!tap_ok(P && P->d == 100 && ds->flipped, "cleaning on rho=0.3 data: ω ∈ R^100 (%s)",
                e.msg)) {
        bl_problem_free(P);
        bl_dataset_free(ds);
        return;
    }
    gsl_vector *om = gsl_vector_calloc(100), *th = gsl_vector_calloc(10);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-10, 100, 0};
    int st = outer_run(P, &ic, "exact", 30, 100.0, om, th, &e);
    size_t flagged = 0, flips = 0, hit = 0;
    for (size_t i = 0; i < 100; i++) {
        int f = gsl_vector_get(om, i) < 0, fl = gsl_vector_get(ds->flipped, i) != 0;
        flagged += f;
        flips += fl;
        hit += f && fl;
    }
    double recall = (double)hit / (double)flips, precision = (double)hit / (double)flagged;
    tap_ok(st == BL_OK && flips == 30 && recall > 0.8,
           "cleaning: after 30 outer steps σ(ω_i) < ½ finds %zu of %zu flipped labels: "
           "recall %.3g > 0.8 (precision %.3g)", hit, flips, recall, precision);
    char buf[1024], want[64];
    P->type->report(P, th, om, buf, sizeof buf);
    snprintf(want, sizeof want, "recall %.4g", recall);
    tap_ok(has(buf, want), "cleaning report: \"%s\"", one_line(buf));
    bl_problem_free(P);
    /* without a mask the report says so */
    bl_dataset *plain = synth("classification", 30, 20, 3, 0, 0.1, 4);
    P = bl_problem_alloc(&bl_problem_cleaning, NULL, plain, &e);
    gsl_vector *o30 = gsl_vector_calloc(30), *t3 = gsl_vector_calloc(3);
    P->type->report(P, t3, o30, buf, sizeof buf);
    tap_ok(has(buf, "no mask"), "cleaning report without flipped labels: \"%s\"",
           one_line(buf));
    bl_problem_free(P);
    gsl_vector_free(o30);
    gsl_vector_free(t3);
    bl_dataset_free(plain);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_dataset_free(ds);
}

/* ---- parameters: ranges are enforced ---- */

static void check_params(void)
{
    bl_err e = {0, ""};
    double hp[7] = {10, 5, 1e-3, 1, 11, 0.01, 0};   /* s > N */
    bl_problem *P = bl_problem_alloc(&bl_problem_heat, hp, NULL, &e);
    tap_ok(!P && has(e.msg, "sensors"), "heat s=11 > N=10 refused: \"%s\"", e.msg);
    double tp[5] = {10, 10, 0.1, 0, 1e-2};          /* jumps > N − 1 */
    P = bl_problem_alloc(&bl_problem_tv1d, tp, NULL, &e);
    tap_ok(!P && has(e.msg, "jumps"), "tv1d jumps=10 with N=10 refused: \"%s\"", e.msg);
    double lp[2] = {3, 1};                           /* outer beyond the choices */
    bl_dataset *ds = synth("classification", 20, 10, 2, 0, 0.1, 1);
    P = bl_problem_alloc(&bl_problem_logreg, lp, ds, &e);
    tap_ok(!P && has(e.msg, "outer"), "logreg outer=3 refused: \"%s\"", e.msg);
    bl_dataset_free(ds);
    /* named values parse */
    double v = -1;
    int k = bl_param_find(bl_problem_logreg.params, bl_problem_logreg.nparams, "outer");
    tap_ok(k >= 0 && bl_param_parse(&bl_problem_logreg.params[k], "smooth01", &v, &e) == BL_OK
           && v == 2, "logreg outer=smooth01 parses to choice 2");
    k = bl_param_find(bl_problem_ridge.params, bl_problem_ridge.nparams, "outer");
    tap_ok(k >= 0 && bl_param_parse(&bl_problem_ridge.params[k], "huber", &v, &e) == BL_OK
           && v == 1, "ridge outer=huber parses to choice 1");
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20240404);
    check_table();
    check_table_variants();
    check_regression_family();
    check_logistic_family();
    check_heat();
    check_tv1d();
    check_doublewell();
    check_nonsingleton();
    check_cleaning();
    check_params();
    gsl_rng_free(rng);
    return tap_done();
}
