/* bound.c: the a posteriori bound on ‖g − ∇F(ω)‖ of an implicit estimate
 * (bound.h; the derivation is doc/bounds.md). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>

#include "bound.h"

/* A fixed pseudo-random unit vector (xorshift64*, seed SEED). */
static void rand_unit(gsl_vector *v, unsigned long long seed)
{
    unsigned long long x = 0x9E3779B97F4A7C15ull * (seed + 1);
    for (size_t i = 0; i < v->size; i++) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        double u = (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
        gsl_vector_set(v, i, u - 0.5);
    }
    double n = gsl_blas_dnrm2(v);
    if (n > 0) gsl_vector_scale(v, 1 / n);
}

/* The smallest eigenvalue of the symmetric M (overwritten) and, when EV is
 * not NULL, the last entry of its unit eigenvector there. */
static int sym_min(gsl_matrix *M, double *lmin, double *last)
{
    size_t m = M->size1;
    gsl_vector *ev = gsl_vector_alloc(m);
    gsl_matrix *Z = gsl_matrix_alloc(m, m);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(m);
    int st = ev && Z && w ? BL_OK : BL_ENOMEM;
    if (st == BL_OK && gsl_eigen_symmv(M, ev, Z, w) != GSL_SUCCESS) st = BL_EDIVERGE;
    if (st == BL_OK) {
        size_t j = gsl_vector_min_index(ev);
        *lmin = gsl_vector_get(ev, j);
        if (last) *last = gsl_matrix_get(Z, m - 1, j);
    }
    gsl_vector_free(ev);
    gsl_matrix_free(Z);
    if (w) gsl_eigen_symmv_free(w);
    return st;
}

int bl_lanczos_lmin(bl_problem *P, cvec *th, cvec *om, size_t kmax, double *ritz,
                    double *resid)
{
    size_t p = P->p, m = kmax < p ? kmax : p;
    if (m == 0) m = 1;
    gsl_matrix *V = gsl_matrix_alloc(m, p);
    gsl_vector *w = gsl_vector_alloc(p);
    double *al = calloc(m, sizeof *al), *be = calloc(m, sizeof *be);
    int st = V && w && al && be ? BL_OK : BL_ENOMEM;
    size_t k = 0;
    if (st == BL_OK) {
        gsl_vector_view v0 = gsl_matrix_row(V, 0);
        rand_unit(&v0.vector, 7);
    }
    for (; st == BL_OK && k < m; k++) {
        gsl_vector_view vk = gsl_matrix_row(V, k);
        bl_problem_hvp(P, th, om, &vk.vector, w);
        gsl_blas_ddot(&vk.vector, w, &al[k]);
        if (!isfinite(al[k])) {
            st = BL_EDIVERGE;
            break;
        }
        for (int pass = 0; pass < 2; pass++)      /* full reorthogonalisation, twice */
            for (size_t j = 0; j <= k; j++) {
                gsl_vector_view vj = gsl_matrix_row(V, j);
                double c;
                gsl_blas_ddot(&vj.vector, w, &c);
                gsl_blas_daxpy(-c, &vj.vector, w);
            }
        be[k] = gsl_blas_dnrm2(w);
        if (be[k] <= 1e-13 * (fabs(al[k]) + (k ? be[k - 1] : 0)) || k + 1 == m) {
            k++;                                  /* an invariant subspace, or done */
            break;
        }
        gsl_vector_view vn = gsl_matrix_row(V, k + 1);
        gsl_vector_memcpy(&vn.vector, w);
        gsl_vector_scale(&vn.vector, 1 / be[k]);
    }
    if (st == BL_OK) {
        gsl_matrix *T = gsl_matrix_calloc(k, k);
        double last = 0;
        if (!T) st = BL_ENOMEM;
        for (size_t i = 0; st == BL_OK && i < k; i++) {
            gsl_matrix_set(T, i, i, al[i]);
            if (i + 1 < k) {
                gsl_matrix_set(T, i, i + 1, be[i]);
                gsl_matrix_set(T, i + 1, i, be[i]);
            }
        }
        if (st == BL_OK) st = sym_min(T, ritz, &last);
        if (st == BL_OK) *resid = be[k - 1] * fabs(last);
        gsl_matrix_free(T);
    }
    gsl_matrix_free(V);
    gsl_vector_free(w);
    free(al);
    free(be);
    return st;
}

/* ‖C(θ)‖ (p → d): from the d × d Gram matrix C Cᵀ when d ≤ 256 (exact),
 * else 50 steps of power iteration on CᵀC (an estimate from below:
 * *EST set). */
static int c_norm(bl_problem *P, cvec *th, cvec *om, double *out, int *est)
{
    size_t p = P->p, d = P->d;
    gsl_vector *u = gsl_vector_alloc(d), *v = gsl_vector_alloc(p), *cu = gsl_vector_alloc(d);
    int st = u && v && cu ? BL_OK : BL_ENOMEM;
    *est = 0;
    if (st == BL_OK && d <= 256) {
        gsl_matrix *M = gsl_matrix_alloc(d, d);
        if (!M) st = BL_ENOMEM;
        for (size_t j = 0; st == BL_OK && j < d; j++) {
            gsl_vector_set_basis(u, j);
            bl_problem_ctvp(P, th, om, u, v);
            bl_problem_cvp(P, th, om, v, cu);
            gsl_matrix_set_col(M, j, cu);
        }
        if (st == BL_OK) {                        /* symmetrise, λmax = −λmin(−M) */
            for (size_t i = 0; i < d; i++)
                for (size_t j = 0; j < i; j++) {
                    double s = 0.5 * (gsl_matrix_get(M, i, j) + gsl_matrix_get(M, j, i));
                    gsl_matrix_set(M, i, j, s);
                    gsl_matrix_set(M, j, i, s);
                }
            gsl_matrix_scale(M, -1);
            double l;
            st = sym_min(M, &l, NULL);
            if (st == BL_OK) *out = sqrt(fmax(-l, 0));
        }
        gsl_matrix_free(M);
    } else if (st == BL_OK) {
        double lam = 0;
        rand_unit(u, 11);
        for (int it = 0; it < 50; it++) {
            bl_problem_ctvp(P, th, om, u, v);
            bl_problem_cvp(P, th, om, v, cu);
            lam = gsl_blas_dnrm2(cu);
            if (!(lam > 0)) break;
            gsl_vector_memcpy(u, cu);
            gsl_vector_scale(u, 1 / lam);
        }
        *out = sqrt(lam);
        *est = 1;
    }
    if (st == BL_OK && !isfinite(*out)) st = BL_EDIVERGE;
    gsl_vector_free(u);
    gsl_vector_free(v);
    gsl_vector_free(cu);
    return st;
}

/* The constants P's type did not declare, estimated by differences over
 * H = the step h in three fixed pseudo-random directions u (and, for H
 * and C, applied to a fixed pseudo-random v): max ‖X(θ + hu) − X(θ)‖/h. */
static int estimate_consts(bl_problem *P, cvec *th, cvec *om, double h, bl_bound_consts *k,
                           unsigned *est)
{
    size_t p = P->p, d = P->d;
    int need_gl = isnan(k->L_gL), need_h = isnan(k->L_H), need_c = isnan(k->L_C),
        need_ol = isnan(k->L_oL);
    if (!(need_gl || need_h || need_c || need_ol)) return BL_OK;
    gsl_vector *t1 = gsl_vector_alloc(p), *u = gsl_vector_alloc(p), *v = gsl_vector_alloc(p);
    gsl_vector *a0 = gsl_vector_alloc(p), *a1 = gsl_vector_alloc(p);
    gsl_vector *b0 = gsl_vector_alloc(d), *b1 = gsl_vector_alloc(d);
    if (!t1 || !u || !v || !a0 || !a1 || !b0 || !b1) {
        gsl_vector_free(t1), gsl_vector_free(u), gsl_vector_free(v);
        gsl_vector_free(a0), gsl_vector_free(a1), gsl_vector_free(b0), gsl_vector_free(b1);
        return BL_ENOMEM;
    }
    double m_gl = 0, m_h = 0, m_c = 0, m_ol = 0;
    rand_unit(v, 3);
    for (unsigned long long r = 0; r < 3; r++) {
        rand_unit(u, 100 + r);
        gsl_vector_memcpy(t1, th);
        gsl_blas_daxpy(h, u, t1);
        if (need_gl) {
            bl_problem_L_theta(P, th, om, a0);
            bl_problem_L_theta(P, t1, om, a1);
            gsl_vector_sub(a1, a0);
            m_gl = fmax(m_gl, gsl_blas_dnrm2(a1) / h);
        }
        if (need_h) {
            bl_problem_hvp(P, th, om, v, a0);
            bl_problem_hvp(P, t1, om, v, a1);
            gsl_vector_sub(a1, a0);
            m_h = fmax(m_h, gsl_blas_dnrm2(a1) / h);
        }
        if (need_c) {
            bl_problem_cvp(P, th, om, v, b0);
            bl_problem_cvp(P, t1, om, v, b1);
            gsl_vector_sub(b1, b0);
            m_c = fmax(m_c, gsl_blas_dnrm2(b1) / h);
        }
        if (need_ol) {
            bl_problem_L_omega(P, th, om, b0);
            bl_problem_L_omega(P, t1, om, b1);
            gsl_vector_sub(b1, b0);
            m_ol = fmax(m_ol, gsl_blas_dnrm2(b1) / h);
        }
    }
    if (need_gl) k->L_gL = m_gl, *est |= BL_BOUND_EST_LGL;
    if (need_h) k->L_H = m_h, *est |= BL_BOUND_EST_LH;
    if (need_c) k->L_C = m_c, *est |= BL_BOUND_EST_LC;
    if (need_ol) k->L_oL = m_ol, *est |= BL_BOUND_EST_LOL;
    gsl_vector_free(t1), gsl_vector_free(u), gsl_vector_free(v);
    gsl_vector_free(a0), gsl_vector_free(a1), gsl_vector_free(b0), gsl_vector_free(b1);
    return BL_OK;
}

static int fail(bl_bound *b, const char *why)
{
    snprintf(b->why, sizeof b->why, "%s", why);
    return BL_EUNSUPPORTED;
}

int bl_bound_prepare(bl_problem *P, cvec *th, cvec *om, bl_bound *b)
{
    memset(b, 0, sizeof *b);
    b->bound = b->mu = b->eps = b->inner_term = b->adjoint_term = NAN;
    if (P->type->flags & BL_PROB_NONSMOOTH)
        return fail(b, "non-smooth problem: G is not strongly convex in θ");
    bl_bound_consts *k = &b->k;
    *k = (bl_bound_consts){NAN, NAN, NAN, NAN, NAN};
    if (P->type->bound_consts) P->type->bound_consts(P, om, k);
    gsl_vector *w = gsl_vector_alloc(P->p);
    if (!w) return BL_ENOMEM;
    bl_problem_G_theta(P, th, om, w);
    b->gnorm = gsl_blas_dnrm2(w);
    bl_problem_L_theta(P, th, om, w);
    b->lnorm = gsl_blas_dnrm2(w);
    double tnorm = gsl_blas_dnrm2(th);
    gsl_vector_free(w);
    if (!isfinite(b->gnorm) || !isfinite(b->lnorm))
        return fail(b, "∇θG or ∇θL is not finite at θ");
    /* μ: declared (global), else Lanczos at θ̂ made local below */
    double mu0 = k->mu;
    int declared_mu = isfinite(k->mu) && k->mu > 0;
    if (!declared_mu) {
        double ritz, res;
        /* at most 60 steps, and a basis within half of mem.max */
        size_t kmax = 60;
        if (P->mem_max > 0) {
            double fit = P->mem_max / 2 / (8.0 * (double)P->p);
            if (fit < (double)kmax) kmax = fit < 5 ? 5 : (size_t)fit;
        }
        int st = bl_lanczos_lmin(P, th, om, kmax, &ritz, &res);
        if (st) return st == BL_ENOMEM ? st : fail(b, "the Lanczos estimate of λmin(H) failed");
        mu0 = ritz - res;
        b->estimated |= BL_BOUND_EST_MU;
        if (!(mu0 > 0)) return fail(b, "H is not positive definite at θ (Lanczos λmin "
                                    "estimate ≤ 0)");
    }
    double h = fmax(b->gnorm / mu0, 1e-4 * (1 + tnorm));
    int st = estimate_consts(P, th, om, h, k, &b->estimated);
    if (st) return st;
    if (declared_mu) {
        b->mu = mu0;
        b->eps = b->gnorm / mu0;
    } else {
        /* the smallest r with ‖∇θG‖ ≤ (μ0 − L_H r) r: λmin ≥ μ0 − L_H r on B(θ̂, r) */
        double disc = mu0 * mu0 - 4 * k->L_H * b->gnorm;
        if (disc < 0)
            return fail(b, "the inner residual is too large for a local bound "
                        "(4 L_H ‖∇θG‖ > μ²): solve the inner problem further");
        b->eps = 2 * b->gnorm / (mu0 + sqrt(disc));
        b->mu = mu0 - k->L_H * b->eps;
    }
    int cest = 0;
    if ((st = c_norm(P, th, om, &b->cnorm, &cest)) != BL_OK)
        return st == BL_ENOMEM ? st : fail(b, "‖C‖ could not be computed");
    if (cest) b->estimated |= BL_BOUND_EST_CNORM;
    double mu = b->mu, eps = b->eps;
    b->astar = (b->lnorm + k->L_gL * eps) / mu;
    double da = (k->L_gL * eps + k->L_H * eps * b->astar) / mu;   /* ‖a(θ̂) − a*‖ */
    b->inner_term = k->L_oL * eps + b->cnorm * da + k->L_C * eps * b->astar;
    b->certified = b->estimated == 0;
    if (!b->certified) {
        static const char *const name[] = {"μ (Lanczos)", "L_∇L", "L_H", "L_C", "L_∇ωL",
                                           "‖C‖"};
        size_t n = (size_t)snprintf(b->why, sizeof b->why, "estimated, not certified:");
        for (int i = 0, first = 1; i < 6 && n < sizeof b->why; i++)
            if (b->estimated >> i & 1) {
                n += (size_t)snprintf(b->why + n, sizeof b->why - n, "%s %s",
                                      first ? "" : ",", name[i]);
                first = 0;
            }
    }
    if (!isfinite(b->inner_term)) return fail(b, "the bound is not finite");
    return BL_OK;
}

void bl_bound_finish(bl_bound *b, double rabs)
{
    b->adjoint_term = b->cnorm * rabs / b->mu;
    b->bound = b->inner_term + b->adjoint_term;
}
