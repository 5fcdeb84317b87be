/* test_problems.c: the problem interface (problem.c) and the first
 * catalogue problems (quadratic, ridge) against finite differences, their
 * closed forms and the formulas of doc/catalogue.md. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fixtures.h"

typedef double (*scalar_fn)(bl_problem *, cvec *, cvec *);
typedef void (*vector_fn)(bl_problem *, cvec *, cvec *, gsl_vector *);

static const double FD_H = 1e-4;

static double dot(const gsl_vector *a, const gsl_vector *b)
{
    double r;
    gsl_blas_ddot(a, b, &r);
    return r;
}

/* ‖a − b‖ ≤ tol · max(‖b‖, floor) */
static int vec_close(const gsl_vector *a, const gsl_vector *b, double tol,
                     double floor, const char *label, const char *what)
{
    double nb = gsl_blas_dnrm2(b);
    double err = dist(a, b) / (nb > floor ? nb : floor);
    return tap_ok(a->size == b->size && err <= tol && isfinite(err),
                  "%s: %s (rel err %.3g, tol %.0e)", label, what, err, tol);
}

/* |a − b| ≤ tol · max(|a|, |b|, floor) */
static int rel_close(double a, double b, double tol, double floor,
                     const char *label, const char *what)
{
    double s = fmax(fmax(fabs(a), fabs(b)), floor);
    double err = fabs(a - b) / s;
    return tap_ok(err <= tol && isfinite(err), "%s: %s (%.17g vs %.17g, rel %.3g)",
                  label, what, a, b, err);
}

/* Central differences of a scalar function in θ (which = 0) or ω (1). */
static void fd_scalar(bl_problem *P, scalar_fn f, cvec *th, cvec *om, int which,
                      gsl_vector *out)
{
    gsl_vector *t = gsl_vector_alloc(th->size), *o = gsl_vector_alloc(om->size);
    gsl_vector_memcpy(t, th);
    gsl_vector_memcpy(o, om);
    gsl_vector *x = which ? o : t;
    for (size_t j = 0; j < x->size; j++) {
        double xj = gsl_vector_get(x, j), xp = xj + FD_H, xm = xj - FD_H;
        gsl_vector_set(x, j, xp);
        double fp = f(P, t, o);
        gsl_vector_set(x, j, xm);
        double fm = f(P, t, o);
        gsl_vector_set(x, j, xj);
        gsl_vector_set(out, j, (fp - fm) / (xp - xm));
    }
    gsl_vector_free(t);
    gsl_vector_free(o);
}

/* Central difference of a vector function along direction dir in θ (which
 * = 0) or ω (1): (f(x + h dir) − f(x − h dir)) / 2h. */
static void fd_dir(bl_problem *P, vector_fn f, cvec *th, cvec *om, int which,
                   cvec *dir, gsl_vector *out)
{
    gsl_vector *t = gsl_vector_alloc(th->size), *o = gsl_vector_alloc(om->size);
    gsl_vector *fm = gsl_vector_alloc(out->size);
    gsl_vector *x = which ? o : t;
    cvec *x0 = which ? om : th;
    gsl_vector_memcpy(t, th);
    gsl_vector_memcpy(o, om);
    gsl_vector_memcpy(x, x0);
    gsl_blas_daxpy(FD_H, dir, x);
    f(P, t, o, out);
    gsl_vector_memcpy(x, x0);
    gsl_blas_daxpy(-FD_H, dir, x);
    f(P, t, o, fm);
    gsl_vector_sub(out, fm);
    gsl_vector_scale(out, 1.0 / (2 * FD_H));
    gsl_vector_free(t);
    gsl_vector_free(o);
    gsl_vector_free(fm);
}

/* A gradient (GRAD) of the scalar F in θ (which = 0) or ω (1) against
 * central differences of F. */
static void grad_matches_fd(bl_problem *P, vector_fn grad, scalar_fn f, cvec *th, cvec *om,
                            int which, const char *label, const char *what)
{
    size_t n = which ? om->size : th->size;
    gsl_vector *g = gsl_vector_alloc(n), *fd = gsl_vector_alloc(n);
    grad(P, th, om, g);
    fd_scalar(P, f, th, om, which, fd);
    vec_close(g, fd, 1e-6, 1e-3, label, what);
    gsl_vector_free(g);
    gsl_vector_free(fd);
}

static double max_abs(const gsl_matrix *M)
{
    double m = 0;
    for (size_t i = 0; i < M->size1; i++)
        for (size_t j = 0; j < M->size2; j++)
            m = fmax(m, fabs(gsl_matrix_get(M, i, j)));
    return m;
}

static double max_abs_diff(const gsl_matrix *A, const gsl_matrix *B)
{
    double m = 0;
    for (size_t i = 0; i < A->size1; i++)
        for (size_t j = 0; j < A->size2; j++)
            m = fmax(m, fabs(gsl_matrix_get(A, i, j) - gsl_matrix_get(B, i, j)));
    return m;
}

static int is_symmetric(const gsl_matrix *H)
{
    for (size_t i = 0; i < H->size1; i++)
        for (size_t j = 0; j < i; j++)
            if (gsl_matrix_get(H, i, j) != gsl_matrix_get(H, j, i)) return 0;
    return 1;
}

/* The checks every smooth problem must pass.  Frees *PP at the end (the
 * clone check needs the original gone). */
static void check_problem(bl_problem **PP, const char *label)
{
    bl_problem *P = *PP;
    size_t p = P->p, d = P->d;
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(d);
    gsl_vector *gp = gsl_vector_alloc(p), *fp = gsl_vector_alloc(p);
    gsl_vector *gd = gsl_vector_alloc(d), *fdd = gsl_vector_alloc(d);
    gsl_vector *v = gsl_vector_alloc(p), *u = gsl_vector_alloc(d);
    gsl_vector *w = gsl_vector_alloc(p), *ts = gsl_vector_alloc(p);
    gsl_matrix *H = gsl_matrix_alloc(p, p), *H2 = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);

    randn(th, 1.0);
    randn(om, 0.7);
    randn(v, 1.0);
    randn(u, 1.0);
    tap_diag("%s: p=%zu d=%zu", label, p, d);

    /* gradients against central differences of G and L */
    grad_matches_fd(P, bl_problem_G_theta, bl_problem_G, th, om, 0, label,
                    "∇_θG matches finite differences of G");
    grad_matches_fd(P, bl_problem_G_omega, bl_problem_G, th, om, 1, label,
                    "∇_ωG matches finite differences of G");
    grad_matches_fd(P, bl_problem_L_theta, bl_problem_L, th, om, 0, label,
                    "∇_θL matches finite differences of L");
    grad_matches_fd(P, bl_problem_L_omega, bl_problem_L, th, om, 1, label,
                    "∇_ωL matches finite differences of L");

    /* H v, C v, Cᵀu against differences of ∇_θG */
    bl_problem_hvp(P, th, om, v, gp);
    fd_dir(P, bl_problem_G_theta, th, om, 0, v, fp);
    vec_close(gp, fp, 1e-6, 1e-3, label, "H v matches finite differences of ∇_θG in θ");

    for (size_t i = 0; i < d; i++) {   /* (C v)_i = vᵀ ∂_{ω_i}∇_θG */
        gsl_vector *ei = gsl_vector_calloc(d);
        gsl_vector_set(ei, i, 1.0);
        fd_dir(P, bl_problem_G_theta, th, om, 1, ei, fp);
        gsl_vector_set(fdd, i, dot(v, fp));
        gsl_vector_free(ei);
    }
    bl_problem_cvp(P, th, om, v, gd);
    vec_close(gd, fdd, 1e-6, 1e-3, label, "C v matches vᵀ ∂_ω∇_θG by finite differences");
    bl_problem_ctvp(P, th, om, u, gp);
    fd_dir(P, bl_problem_G_theta, th, om, 1, u, fp);
    vec_close(gp, fp, 1e-6, 1e-3, label, "Cᵀu matches Σ u_i ∂_{ω_i}∇_θG by finite differences");
    rel_close(dot(u, gd), dot(v, gp), 1e-12, 0, label, "uᵀ(C v) = vᵀ(Cᵀu)");

    /* symmetry of H */
    randn(w, 1.0);
    bl_problem_hvp(P, th, om, v, gp);
    bl_problem_hvp(P, th, om, w, fp);
    rel_close(dot(w, gp), dot(v, fp), 1e-12, 0, label, "wᵀHv = vᵀHw");

    /* dense H against products H e_j, and the generic fallback */
    tap_ok(bl_problem_hessian(P, th, om, H) == BL_OK, "%s: dense hessian", label);
    {
        gsl_vector *ej = gsl_vector_calloc(p);
        for (size_t j = 0; j < p; j++) {
            gsl_vector_set(ej, j, 1.0);
            bl_problem_hvp(P, th, om, ej, gp);
            gsl_vector_set(ej, j, 0.0);
            gsl_matrix_set_col(H2, j, gp);
        }
        gsl_vector_free(ej);
        double err = max_abs_diff(H, H2) / max_abs(H);
        tap_ok(err <= 1e-12, "%s: dense hessian equals the products H e_j (rel %.3g)",
               label, err);
    }
    {
        bl_problem_type T = *P->type;
        const bl_problem_type *orig = P->type;
        T.hessian = NULL;
        P->type = &T;
        unsigned long before = P->n_hvp;
        gsl_matrix_set_all(H2, NAN);
        int st = bl_problem_hessian(P, th, om, H2);
        double err = max_abs_diff(H, H2) / max_abs(H);
        tap_ok(st == BL_OK && err <= 1e-12,
               "%s: hessian from products (no dense H) equals the dense one (rel %.3g)",
               label, err);
        tap_ok(is_symmetric(H2), "%s: hessian from products is exactly symmetric", label);
        tap_ok(P->n_hvp - before == p, "%s: hessian from products counts %zu H-products (%lu)",
               label, p, P->n_hvp - before);
        P->type = orig;
    }

    /* λmax: the type's bound and the power iteration */
    sym_eigs(H, ev);
    double lmax = gsl_vector_get(ev, p - 1);
    double Lb = bl_problem_lipschitz(P, th, om);
    tap_ok(Lb >= lmax * (1 - 1e-12), "%s: lipschitz %.17g >= λmax %.17g", label, Lb, lmax);
    {
        bl_problem_type T = *P->type;
        const bl_problem_type *orig = P->type;
        T.lipschitz = NULL;
        P->type = &T;
        unsigned long before = P->n_hvp;
        double Lp = bl_problem_lipschitz(P, th, om);
        unsigned long used = P->n_hvp - before;
        P->type = orig;
        tap_ok(fabs(Lp - lmax) <= 0.02 * lmax,
               "%s: power iteration %.10g within 2%% of λmax %.10g", label, Lp, lmax);
        tap_ok(used >= 1 && used <= 100, "%s: power iteration counted %lu H-products",
               label, used);
    }

    /* θ* and the closed-form hypergradient */
    tap_ok(P->type->theta_star(P, om, ts) == BL_OK, "%s: theta_star", label);
    {
        gsl_vector *zero = gsl_vector_calloc(p);
        bl_problem_G_theta(P, zero, om, fp);
        double scale = fmax(1.0, gsl_blas_dnrm2(fp));
        bl_problem_G_theta(P, ts, om, gp);
        double r = gsl_blas_dnrm2(gp) / scale;
        tap_ok(r <= 1e-10, "%s: ‖∇_θG(θ*)‖ = %.3g relative", label, r);
        gsl_vector_free(zero);
    }
    tap_ok(P->type->hypergrad(P, om, gd) == BL_OK, "%s: closed-form hypergradient", label);
    for (size_t i = 0; i < d; i++) {
        gsl_vector *o = gsl_vector_alloc(d);
        gsl_vector_memcpy(o, om);
        double oi = gsl_vector_get(om, i), xp = oi + FD_H, xm = oi - FD_H;
        gsl_vector_set(o, i, xp);
        double Fp = F_closed(P, o);
        gsl_vector_set(o, i, xm);
        double Fm = F_closed(P, o);
        gsl_vector_set(fdd, i, (Fp - Fm) / (xp - xm));
        gsl_vector_free(o);
    }
    vec_close(gd, fdd, 1e-7, 1e-6, label, "closed-form ∇F matches finite differences of F(ω)");
    {
        /* ∇_ωL − C H⁻¹∇_θL at θ*, from products and a dense solve */
        gsl_vector *a = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(d);
        gsl_vector *ca = gsl_vector_alloc(d);
        bl_problem_hessian(P, ts, om, H2);
        bl_problem_L_theta(P, ts, om, a);
        int st = gsl_linalg_cholesky_decomp1(H2);
        st = st ? st : gsl_linalg_cholesky_svx(H2, a);
        bl_problem_L_omega(P, ts, om, g2);
        bl_problem_cvp(P, ts, om, a, ca);
        gsl_vector_sub(g2, ca);
        tap_ok(st == GSL_SUCCESS, "%s: H at θ* is positive definite", label);
        vec_close(gd, g2, 1e-9, 1e-6, label, "closed-form ∇F = ∇_ωL − C H⁻¹∇_θL");
        gsl_vector_free(a);
        gsl_vector_free(g2);
        gsl_vector_free(ca);
    }

    gsl_vector_set_all(fdd, 3.0);
    bl_problem_omega0(P, fdd);
    tap_ok(gsl_vector_isnull(fdd), "%s: ω₀ = 0", label);

    /* counters */
    bl_problem_reset_counts(P);
    tap_ok(P->n_eval == 0 && P->n_grad == 0 && P->n_hvp == 0 && P->n_cvp == 0,
           "%s: reset_counts zeroes the counters", label);
    bl_problem_G(P, th, om);
    bl_problem_L(P, th, om);
    tap_ok(P->n_eval == 2 && P->n_grad == 0 && P->n_hvp == 0 && P->n_cvp == 0,
           "%s: G and L count 2 evaluations (%lu)", label, P->n_eval);
    bl_problem_G_theta(P, th, om, gp);
    bl_problem_G_omega(P, th, om, gd);
    bl_problem_L_theta(P, th, om, gp);
    bl_problem_L_omega(P, th, om, gd);
    tap_ok(P->n_eval == 2 && P->n_grad == 4 && P->n_hvp == 0 && P->n_cvp == 0,
           "%s: four gradients count 4 (%lu)", label, P->n_grad);
    bl_problem_hvp(P, th, om, v, gp);
    tap_ok(P->n_hvp == 1 && P->n_cvp == 0 && P->n_grad == 4,
           "%s: hvp counts 1 H-product (%lu)", label, P->n_hvp);
    bl_problem_cvp(P, th, om, v, gd);
    bl_problem_ctvp(P, th, om, u, gp);
    tap_ok(P->n_cvp == 2 && P->n_hvp == 1 && P->n_eval == 2 && P->n_grad == 4,
           "%s: cvp and ctvp count 2 C-products (%lu)", label, P->n_cvp);

    /* clone: same values, zero counters, survives the original */
    {
        double G0 = bl_problem_G(P, th, om), L0 = bl_problem_L(P, th, om);
        gsl_vector *g0 = gsl_vector_alloc(p), *h0 = gsl_vector_alloc(p);
        gsl_vector *hg0 = gsl_vector_alloc(d), *c0 = gsl_vector_alloc(d);
        gsl_vector *s0 = gsl_vector_alloc(p);
        double lip0 = bl_problem_lipschitz(P, th, om);
        bl_problem_G_theta(P, th, om, g0);
        bl_problem_hvp(P, th, om, v, h0);
        bl_problem_cvp(P, th, om, v, c0);
        P->type->hypergrad(P, om, hg0);
        P->type->theta_star(P, om, s0);

        bl_problem *Q = bl_problem_clone(P);
        tap_ok(Q != NULL && Q->p == p && Q->d == d && Q->type == P->type
               && Q->data == P->data && memcmp(Q->par, P->par, sizeof Q->par) == 0,
               "%s: clone has the same type, data, parameters and sizes", label);
        tap_ok(Q && Q->n_eval == 0 && Q->n_grad == 0 && Q->n_hvp == 0 && Q->n_cvp == 0,
               "%s: clone starts with zero counters", label);
        bl_problem_free(P);
        *PP = P = NULL;
        if (Q) {
            rel_close(bl_problem_G(Q, th, om), G0, 1e-15, 1e-300, label, "clone: same G");
            rel_close(bl_problem_L(Q, th, om), L0, 1e-15, 1e-300, label, "clone: same L");
            rel_close(bl_problem_lipschitz(Q, th, om), lip0, 1e-15, 1e-300, label,
                      "clone: same lipschitz");
            bl_problem_G_theta(Q, th, om, gp);
            vec_close(gp, g0, 1e-15, 1e-300, label, "clone: same ∇_θG");
            bl_problem_hvp(Q, th, om, v, gp);
            vec_close(gp, h0, 1e-15, 1e-300, label, "clone: same H v");
            bl_problem_cvp(Q, th, om, v, gd);
            vec_close(gd, c0, 1e-15, 1e-300, label, "clone: same C v");
            Q->type->hypergrad(Q, om, gd);
            vec_close(gd, hg0, 1e-15, 1e-300, label, "clone: same hypergradient");
            Q->type->theta_star(Q, om, gp);
            vec_close(gp, s0, 1e-15, 1e-300, label, "clone: same θ*");
        }
        bl_problem_free(Q);
        gsl_vector_free(g0);
        gsl_vector_free(h0);
        gsl_vector_free(hg0);
        gsl_vector_free(c0);
        gsl_vector_free(s0);
    }

    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gp);
    gsl_vector_free(fp);
    gsl_vector_free(gd);
    gsl_vector_free(fdd);
    gsl_vector_free(v);
    gsl_vector_free(u);
    gsl_vector_free(w);
    gsl_vector_free(ts);
    gsl_matrix_free(H);
    gsl_matrix_free(H2);
    gsl_vector_free(ev);
}

/* quadratic: the catalogue's construction, redone here from the documented
 * draw order, and its closed forms. */
static void check_quadratic(bl_problem *P, const char *label)
{
    size_t p = P->p, d = P->d;
    double kappa = P->par[2], mu = P->par[3];
    unsigned long seed = (unsigned long)P->par[4];
    gsl_vector *th = gsl_vector_calloc(p), *om = gsl_vector_calloc(d);
    gsl_vector *gp = gsl_vector_alloc(p), *gd = gsl_vector_alloc(d);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_matrix *A = gsl_matrix_alloc(p, p);

    tap_ok(P->p == (size_t)P->par[0] && P->d == (size_t)P->par[1],
           "%s: p and d from the parameters", label);

    /* eigenvalues log-spaced from 1 to kappa */
    bl_problem_hessian(P, th, om, A);
    sym_eigs(A, ev);
    double err = 0;
    for (size_t i = 0; i < p; i++) {
        double li = p == 1 ? 1.0 : pow(kappa, (double)i / (double)(p - 1));
        err = fmax(err, fabs(gsl_vector_get(ev, i) - li) / li);
    }
    tap_ok(err <= 1e-9, "%s: eigenvalues of A are kappa^{i/(p-1)} (rel %.3g)", label, err);
    rel_close(bl_problem_lipschitz(P, th, om), gsl_vector_get(ev, p - 1), 1e-12, 0,
              label, "lipschitz is λmax(A)");

    /* redo the draws: Z (p×p), B (p×d), θ_t, in this order */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    gsl_matrix *Z = gsl_matrix_alloc(p, p), *Q = gsl_matrix_alloc(p, p);
    gsl_matrix *Rm = gsl_matrix_alloc(p, p), *B = gsl_matrix_alloc(p, d);
    gsl_vector *tt = gsl_vector_alloc(p), *tau = gsl_vector_alloc(p);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) gsl_matrix_set(Z, i, j, gsl_ran_gaussian(r, 1.0));
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(B, i, j, gsl_ran_gaussian(r, 1.0 / sqrt((double)p)));
    for (size_t i = 0; i < p; i++) gsl_vector_set(tt, i, gsl_ran_gaussian(r, 1.0));
    gsl_linalg_QR_decomp(Z, tau);
    gsl_linalg_QR_unpack(Z, tau, Q, Rm);
    for (size_t j = 0; j < p; j++)
        if (gsl_matrix_get(Rm, j, j) < 0) {
            gsl_vector_view c = gsl_matrix_column(Q, j);
            gsl_vector_scale(&c.vector, -1.0);
        }
    {
        gsl_matrix *I = gsl_matrix_alloc(p, p);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, Q, Q, 0.0, I);
        for (size_t i = 0; i < p; i++)
            gsl_matrix_set(I, i, i, gsl_matrix_get(I, i, i) - 1.0);
        tap_ok(max_abs(I) <= 1e-12, "%s: Q is orthogonal (‖QᵀQ − I‖max %.3g)", label,
               max_abs(I));
        /* A Q = Q diag(λ): column j of Q is the eigenvector of λ_j */
        gsl_matrix *AQ = gsl_matrix_alloc(p, p);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, A, Q, 0.0, AQ);
        for (size_t j = 0; j < p; j++) {
            double lj = p == 1 ? 1.0 : pow(kappa, (double)j / (double)(p - 1));
            gsl_vector_view c = gsl_matrix_column(AQ, j);
            gsl_vector_const_view q = gsl_matrix_const_column(Q, j);
            gsl_blas_daxpy(-lj, &q.vector, &c.vector);
        }
        tap_ok(max_abs(AQ) <= 1e-12 * kappa,
               "%s: A = Q diag(λ) Qᵀ with Q from the documented draws (‖AQ − QΛ‖max %.3g)",
               label, max_abs(AQ));
        gsl_matrix_free(AQ);
        gsl_matrix_free(I);
    }
    /* C e_j = −(row j of B) */
    {
        double e = 0;
        gsl_vector *ej = gsl_vector_calloc(p);
        for (size_t j = 0; j < p; j++) {
            gsl_vector_set(ej, j, 1.0);
            bl_problem_cvp(P, th, om, ej, gd);
            gsl_vector_set(ej, j, 0.0);
            for (size_t i = 0; i < d; i++)
                e = fmax(e, fabs(gsl_vector_get(gd, i) + gsl_matrix_get(B, j, i)));
        }
        tap_ok(e <= 1e-15, "%s: C = −Bᵀ with B from the documented draws (%.3g)", label, e);
        gsl_vector_free(ej);
    }
    /* ∇_θL(0) = −θ_t */
    bl_problem_L_theta(P, th, om, gp);
    gsl_vector_scale(gp, -1.0);
    vec_close(gp, tt, 1e-15, 1e-300, label, "θ_t from the documented draws");
    gsl_rng_free(r);

    /* the outer optimum */
    {
        gsl_vector *ws = gsl_vector_alloc(d), *h0 = gsl_vector_alloc(d);
        double Fs = NAN;
        int st = bl_quadratic_optimum(P, ws, &Fs);
        tap_ok(st == BL_OK, "%s: bl_quadratic_optimum", label);
        P->type->hypergrad(P, om, h0);   /* ω = 0 */
        P->type->hypergrad(P, ws, gd);
        double rel = gsl_blas_dnrm2(gd) / fmax(1e-300, gsl_blas_dnrm2(h0));
        tap_ok(rel <= 1e-10, "%s: ∇F(ω*) = 0 (‖∇F(ω*)‖/‖∇F(0)‖ = %.3g)", label, rel);
        rel_close(F_closed(P, ws), Fs, 1e-12, 0, label, "F(ω*) as returned");
        int below = 1;
        for (size_t i = 0; i < d; i++) {
            double wi = gsl_vector_get(ws, i);
            for (int sg = -1; sg <= 1; sg += 2) {
                gsl_vector_set(ws, i, wi + sg * 1e-3);
                if (!(F_closed(P, ws) > Fs)) below = 0;
            }
            gsl_vector_set(ws, i, wi);
        }
        tap_ok(below, "%s: F grows away from ω* along every axis (mu=%g)", label, mu);
        gsl_vector_free(ws);
        gsl_vector_free(h0);
    }

    gsl_matrix_free(Z);
    gsl_matrix_free(Q);
    gsl_matrix_free(Rm);
    gsl_matrix_free(B);
    gsl_vector_free(tt);
    gsl_vector_free(tau);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gp);
    gsl_vector_free(gd);
    gsl_vector_free(ev);
    gsl_matrix_free(A);
}

/* ridge values against the formulas evaluated directly on X, y. */
static void check_ridge_direct(bl_problem *P, const bl_dataset *ds, const char *label)
{
    size_t p = P->p, n = ds->X->size1, m = ds->Xv->size1;
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(1);
    gsl_vector *r = gsl_vector_alloc(n), *rv = gsl_vector_alloc(m);
    gsl_vector *g = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(p);
    tap_ok(P->p == ds->X->size2 && P->d == 1, "%s: p = %zu features, d = 1", label,
           ds->X->size2);
    for (int k = 0; k < 3; k++) {
        randn(th, 1.0);
        gsl_vector_set(om, 0, gsl_ran_gaussian(rng, 1.5));
        double lam = exp(gsl_vector_get(om, 0));
        gsl_vector_memcpy(r, ds->y);
        gsl_blas_dgemv(CblasNoTrans, 1.0, ds->X, th, -1.0, r);   /* Xθ − y */
        gsl_vector_memcpy(rv, ds->yv);
        gsl_blas_dgemv(CblasNoTrans, 1.0, ds->Xv, th, -1.0, rv);
        double nr = gsl_blas_dnrm2(r), nv = gsl_blas_dnrm2(rv), nt = gsl_blas_dnrm2(th);
        double G = nr * nr / (2.0 * n) + 0.5 * lam * nt * nt;
        double L = nv * nv / (2.0 * m);
        rel_close(bl_problem_G(P, th, om), G, 1e-10, 0, label,
                  "G = (1/2n)‖Xθ − y‖² + (e^ω/2)‖θ‖²");
        rel_close(bl_problem_L(P, th, om), L, 1e-10, 0, label, "L = (1/2m)‖X_vθ − y_v‖²");
        gsl_vector_memcpy(g2, th);
        gsl_blas_dgemv(CblasTrans, 1.0 / n, ds->X, r, lam, g2);
        bl_problem_G_theta(P, th, om, g);
        vec_close(g, g2, 1e-10, 0, label, "∇_θG = Xᵀ(Xθ − y)/n + e^ω θ");
        gsl_blas_dgemv(CblasTrans, 1.0 / m, ds->Xv, rv, 0.0, g2);
        bl_problem_L_theta(P, th, om, g);
        vec_close(g, g2, 1e-10, 0, label, "∇_θL = X_vᵀ(X_vθ − y_v)/m");
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(r);
    gsl_vector_free(rv);
    gsl_vector_free(g);
    gsl_vector_free(g2);
}

static void check_params(void)
{
    bl_err e;
    const bl_problem_type *T = &bl_problem_quadratic;
    double par[5];
    struct { int k; double v; const char *name; } bad[] = {
        {0, 0, "p"}, {0, 5001, "p"}, {1, 2.5, "d"}, {2, 0.5, "kappa"},
        {3, -1, "mu"}, {4, 1.5, "seed"}, {4, -1, "seed"}, {2, NAN, "kappa"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t k = 0; k < 5; k++) par[k] = T->params[k].def;
        par[bad[i].k] = bad[i].v;
        e.code = 0;
        e.msg[0] = 0;
        bl_problem *P = bl_problem_alloc(T, par, NULL, &e);
        size_t nl = strlen(bad[i].name);
        int named = strncmp(e.msg, bad[i].name, nl) == 0
                    && (e.msg[nl] == '=' || e.msg[nl] == ' ');
        tap_ok(P == NULL && e.code == BL_EINVAL && named,
               "quadratic %s=%g rejected naming the parameter: \"%s\"", bad[i].name,
               bad[i].v, e.msg);
        bl_problem_free(P);
    }

    /* defaults when par is NULL */
    bl_problem *P = bl_problem_alloc(T, NULL, NULL, &e);
    int same = P != NULL;
    for (size_t k = 0; P && k < T->nparams; k++)
        same = same && P->par[k] == T->params[k].def;
    tap_ok(same && P->p == 20 && P->d == 5 && P->par[2] == 100 && P->par[3] == 0.1
           && P->par[4] == 0, "quadratic defaults p=20 d=5 kappa=100 mu=0.1 seed=0");
    bl_problem_free(P);
    bl_problem_free(NULL);

    /* ridge without data */
    e.code = 0;
    e.msg[0] = 0;
    P = bl_problem_alloc(&bl_problem_ridge, NULL, NULL, &e);
    tap_ok(P == NULL && e.code == BL_ENODATA
           && strcmp(e.msg, "ridge needs data: use 'data load' or 'data synth'") == 0,
           "ridge without data: \"%s\"", e.msg);
    /* ridge on splits of different widths */
    bl_dataset *ds = make_ds(10, 8, 3);
    gsl_matrix_free(ds->Xv);
    ds->Xv = gsl_matrix_calloc(8, 4);
    e.code = 0;
    P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
    tap_ok(P == NULL && e.code == BL_EDIM, "ridge on mismatched splits: \"%s\"", e.msg);
    free_ds(ds);

    /* lookup */
    tap_ok(bl_problem_lookup("quadratic") == &bl_problem_quadratic
           && bl_problem_lookup("ridge") == &bl_problem_ridge
           && bl_problem_lookup("nope") == NULL && bl_problem_lookup("quadr") == &bl_problem_quadratic
           && bl_problem_lookup("quad") == NULL && bl_problem_lookup("quads") == &bl_problem_quadsum
           && bl_problem_lookup("ridge-") == &bl_problem_ridge_multi
           && bl_problem_lookup("rid") == NULL && bl_problem_lookup("") == NULL
           && bl_problem_lookup(NULL) == NULL,
           "bl_problem_lookup: exact names (ridge, not ridge-multi), unique prefixes "
           "(quadr, quads, ridge-); rid and quad are ambiguous");
    int n = 0, wellformed = 1;
    for (const bl_problem_type *const *t = bl_catalogue; *t; t++, n++)
        wellformed = wellformed && (*t)->name && (*t)->summary && (*t)->inner_text
                     && (*t)->outer_text && (*t)->notes && (*t)->G && (*t)->L
                     && (*t)->hvp && (*t)->cvp && (*t)->ctvp
                     && (*t)->nparams <= BL_MAX_PARAMS;
    tap_ok(n >= 2 && wellformed, "catalogue: %d entries, each with texts and functions", n);
}

/* A toy type with only products: H v = N v with N not symmetric, to see
 * the generic dense hessian symmetrise and the ω₀ fallback. */
static const double toyN[3][3] = {{4, 1, 0}, {1.5, 3, 0.25}, {0, 0, 2}};

static int toy_init(bl_problem *P, bl_err *e)
{
    if (P->par[0] < 0) {
        bl_err_set(e, BL_EINVAL, "toy refuses");
        return BL_EINVAL;
    }
    P->p = 3;
    P->d = 1;
    return BL_OK;
}

static void toy_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    for (size_t i = 0; i < 3; i++) {
        double s = 0;
        for (size_t j = 0; j < 3; j++) s += toyN[i][j] * gsl_vector_get(v, j);
        gsl_vector_set(out, i, s);
    }
}

static const bl_param toy_params[] = {
    {.name = "a", .def = 1, .lo = -1, .hi = 1, .is_int = 0, .help = "init fails when negative"},
};
static const bl_problem_type toy_type = {
    .name = "toy", .summary = "", .inner_text = "", .outer_text = "", .notes = "",
    .params = toy_params, .nparams = 1, .init = toy_init, .hvp = toy_hvp,
};

static void check_fallbacks(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&toy_type, NULL, NULL, &e);
    tap_ok(P && P->p == 3 && P->d == 1 && P->par[0] == 1, "toy allocates with its default");
    if (!P) return;
    gsl_vector *th = gsl_vector_calloc(3), *om = gsl_vector_alloc(1);
    gsl_matrix *H = gsl_matrix_alloc(3, 3);
    gsl_vector_set(om, 0, 123.0);
    bl_problem_omega0(P, om);
    tap_ok(gsl_vector_get(om, 0) == 0.0, "omega0 without the type's: zeros");
    int st = bl_problem_hessian(P, th, om, H);
    double err = 0;
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 3; j++)
            err = fmax(err, fabs(gsl_matrix_get(H, i, j) - 0.5 * (toyN[i][j] + toyN[j][i])));
    tap_ok(st == BL_OK && err == 0 && is_symmetric(H),
           "hessian from non-symmetric products is (N + Nᵀ)/2 (%.3g)", err);
    tap_ok(P->n_hvp == 3, "hessian from products counted 3 H-products (%lu)", P->n_hvp);
    gsl_matrix *H4 = gsl_matrix_alloc(4, 4);
    tap_ok(bl_problem_hessian(P, th, om, H4) == BL_EDIM, "hessian of the wrong size: BL_EDIM");
    gsl_matrix_free(H4);
    bl_problem *Q = bl_problem_clone(P);
    tap_ok(Q && Q->p == 3 && Q->state == NULL, "clone of a type without clone()");
    bl_problem_free(Q);
    bl_problem_free(P);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_matrix_free(H);

    double bad = -0.5;
    e.code = 0;
    e.msg[0] = 0;
    P = bl_problem_alloc(&toy_type, &bad, NULL, &e);
    tap_ok(P == NULL && e.code == BL_EINVAL && strcmp(e.msg, "toy refuses") == 0,
           "a failing init fails the allocation with its message (\"%s\")", e.msg);
    bl_problem_free(P);
}

int main(void)
{
    gsl_set_error_handler_off();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 12345);

    (void)tap_plan;   /* plan at the end, by tap_done */
    (void)tap_close;
    check_params();
    check_fallbacks();

    struct { size_t p, d; double kappa, mu, seed; const char *label; } qs[] = {
        {6, 3, 50, 0.1, 0, "quadratic(6,3,50)"},
        {20, 5, 100, 0.1, 0, "quadratic(default)"},
        {1, 2, 100, 0.1, 7, "quadratic(p=1)"},
        {12, 4, 1e4, 0.5, 42, "quadratic(12,4,1e4)"},
    };
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        bl_err e = {0, ""};
        bl_problem *P = quadratic_alloc(qs[k].p, qs[k].d, qs[k].kappa, qs[k].mu, qs[k].seed,
                                        &e);
        tap_ok(P != NULL, "quadratic p=%zu d=%zu kappa=%g allocates%s%s", qs[k].p, qs[k].d,
               qs[k].kappa, P ? "" : ": ", P ? "" : e.msg);
        if (!P) continue;
        check_quadratic(P, qs[k].label);
        check_problem(&P, qs[k].label);
        bl_problem_free(P);
    }

    struct { size_t n, m, p; const char *label; } rs[] = {
        {30, 20, 5, "ridge(n=30,m=20,p=5)"},
        {4, 20, 5, "ridge(n=4<p)"},
    };
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        bl_dataset *ds = make_ds(rs[k].n, rs[k].m, rs[k].p);
        bl_err e = {0, ""};
        bl_problem *P = bl_problem_alloc(&bl_problem_ridge, NULL, ds, &e);
        tap_ok(P != NULL, "%s allocates %s", rs[k].label, e.msg);
        if (P) {
            check_ridge_direct(P, ds, rs[k].label);
            check_problem(&P, rs[k].label);
            bl_problem_free(P);
        }
        free_ds(ds);
    }

    gsl_rng_free(rng);
    return tap_done();
}
