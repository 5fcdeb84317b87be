/* quadfix.h: the quadratic fixture that test_estimators and test_adjoint
 * share: the quadratic problem with A = Q diag(λ) Qᵀ eigendecomposed, so that
 * every series over (I − ηA) has a closed form, and small vector helpers.
 * Include after fixtures.h. */
#ifndef BL_TEST_QUADFIX_H
#define BL_TEST_QUADFIX_H

#include <math.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>

#include "fixtures.h"

/* ---- small helpers ---- */

TAP_UNUSED static double nrm(const gsl_vector *v) { return gsl_blas_dnrm2(v); }

TAP_UNUSED static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = nrm(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

TAP_UNUSED static int finite_vec(const gsl_vector *v)
{
    for (size_t i = 0; i < v->size; i++)
        if (!isfinite(gsl_vector_get(v, i))) return 0;
    return 1;
}

/* out = a − b */
TAP_UNUSED static void vsub(const gsl_vector *a, const gsl_vector *b, gsl_vector *out)
{
    gsl_vector_memcpy(out, a);
    gsl_vector_sub(out, b);
}

/* ---- the quadratic, eigendecomposed ---- */

typedef struct {
    bl_problem *P;
    size_t p, d;
    double kappa, mu, eta;      /* eta: the default inner step */
    gsl_matrix *Q;              /* eigenvectors of A = H (columns) */
    gsl_vector *lam;            /* eigenvalues, increasing */
    gsl_vector *om;             /* a random ω */
    gsl_vector *tstar;          /* θ* = A⁻¹Bω, from the eigendecomposition */
    gsl_vector *bstar;          /* ∇θL(θ*) */
    gsl_vector *gstar;          /* ∇ωL − C A⁻¹ b*: the exact hypergradient */
} qfx;

/* out = Q diag(w) Qᵀ v */
TAP_UNUSED static void qapply(const qfx *q, const gsl_vector *w, const gsl_vector *v, gsl_vector *out)
{
    gsl_vector *t = gsl_vector_alloc(q->p);
    gsl_blas_dgemv(CblasTrans, 1.0, q->Q, v, 0.0, t);
    gsl_vector_mul(t, w);
    gsl_blas_dgemv(CblasNoTrans, 1.0, q->Q, t, 0.0, out);
    gsl_vector_free(t);
}

/* w_i = (1 − ηλ_i)^n / λ_i  (n = 0: A⁻¹) */
TAP_UNUSED static void qweights_pow(const qfx *q, double eta, double n, gsl_vector *w)
{
    for (size_t i = 0; i < q->p; i++) {
        double l = gsl_vector_get(q->lam, i);
        gsl_vector_set(w, i, pow(1 - eta * l, n) / l);
    }
}

/* g = ∇ωL(θ) − C A⁻¹ ∇θL(θ) with A⁻¹ from the eigendecomposition */
TAP_UNUSED static void qexact_at(const qfx *q, const gsl_vector *th, gsl_vector *g)
{
    gsl_vector *b = gsl_vector_alloc(q->p), *a = gsl_vector_alloc(q->p);
    gsl_vector *w = gsl_vector_alloc(q->p), *ca = gsl_vector_alloc(q->d);
    qweights_pow(q, 0, 0, w);
    bl_problem_L_theta(q->P, th, q->om, b);
    qapply(q, w, b, a);
    bl_problem_L_omega(q->P, th, q->om, g);
    bl_problem_cvp(q->P, th, q->om, a, ca);
    gsl_vector_sub(g, ca);
    gsl_vector_free(b);
    gsl_vector_free(a);
    gsl_vector_free(w);
    gsl_vector_free(ca);
}

TAP_UNUSED static int qfx_init(qfx *q, size_t p, size_t d, double kappa, double mu, double seed)
{
    memset(q, 0, sizeof *q);
    q->P = quadratic(p, d, kappa, mu, seed);
    if (!q->P) return 0;
    q->p = p;
    q->d = d;
    q->kappa = kappa;
    q->mu = mu;
    q->Q = gsl_matrix_alloc(p, p);
    q->lam = gsl_vector_alloc(p);
    q->om = gsl_vector_alloc(d);
    q->tstar = gsl_vector_alloc(p);
    q->bstar = gsl_vector_alloc(p);
    q->gstar = gsl_vector_alloc(d);
    randn(q->om, 1.0);
    gsl_matrix *A = gsl_matrix_alloc(p, p);
    gsl_vector *z = gsl_vector_calloc(p), *w = gsl_vector_alloc(p), *bw = gsl_vector_alloc(p);
    bl_problem_hessian(q->P, z, q->om, A);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
    gsl_eigen_symmv(A, q->lam, q->Q, ws);
    gsl_eigen_symmv_sort(q->lam, q->Q, GSL_EIGEN_SORT_VAL_ASC);
    gsl_eigen_symmv_free(ws);
    /* θ* = A⁻¹Bω with Bω = −Cᵀω */
    bl_problem_ctvp(q->P, z, q->om, q->om, bw);
    gsl_vector_scale(bw, -1.0);
    qweights_pow(q, 0, 0, w);
    qapply(q, w, bw, q->tstar);
    bl_problem_L_theta(q->P, q->tstar, q->om, q->bstar);
    qexact_at(q, q->tstar, q->gstar);
    q->eta = bl_inner_default_eta(q->P, q->tstar, q->om);
    gsl_matrix_free(A);
    gsl_vector_free(z);
    gsl_vector_free(w);
    gsl_vector_free(bw);
    return 1;
}

TAP_UNUSED static void qfx_release(qfx *q)
{
    bl_problem_free(q->P);
    gsl_matrix_free(q->Q);
    gsl_vector_free(q->lam);
    gsl_vector_free(q->om);
    gsl_vector_free(q->tstar);
    gsl_vector_free(q->bstar);
    gsl_vector_free(q->gstar);
}

#endif
