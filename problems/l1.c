/* l1.c: what the non-smooth problems lasso and enet share (doc/catalogue.md,
 * "Problems (first catalogue)"); their type objects are in lasso.c and
 * enet.c.
 *
 *   lasso  G(θ, ω) = (1/2n)‖Xθ − y‖² + e^ω ‖θ‖₁
 *   enet   G(θ, ω) = (1/2n)‖Xθ − y‖² + e^{ω₁}‖θ‖₁ + (e^{ω₂}/2)‖θ‖²
 *   both   L(θ, ω) = (1/2m)‖X_vθ − y_v‖²
 *
 * G = f + g with f = (1/2n)‖Xθ − y‖² (+ (λ₂/2)‖θ‖², enet) and g = λ₁‖θ‖₁,
 * λ₁ = e^{ω₁}, λ₂ = e^{ω₂} (λ₂ = 0 for lasso).  As in ridge.c everything is
 * computed from K = XᵀX/n, b = Xᵀy/n and the validation moments, O(p²) a
 * call.  The hooks follow problem.h's contract for BL_PROB_NONSMOOTH:
 *   ∇θG = Kθ − b + λ₂θ + λ₁ sign θ   (where G is differentiable);
 *   H v = D(K + λ₂I)D v + L_f (I − D) v,  D = diag(θ_j ≠ 0), L_f = λmax(K) + λ₂:
 *       the system restricted to the support S, its inactive block decoupled
 *       (scaled by L_f, so that neumann and fp with η = 1/L_f settle it in
 *       one step; C vanishes there, so it never reaches ∇F);
 *   C v = (λ₁ sign(θ)ᵀv, λ₂ θᵀv);
 * which gives a = H⁻¹∇θL with a_S = (K_SS + λ₂I)⁻¹(∇θL)_S and ∇F = −C a:
 * dθ_S/dω₁ = −λ₁(K_SS + λ₂I)⁻¹ sign θ_S, dθ_S/dω₂ = −λ₂(K_SS + λ₂I)⁻¹θ_S,
 * dθ_{S^c}/dω = 0 (Bertrand et al., 2020).
 * step: the ISTA step Φ(θ) = ST(θ − η∇f(θ), ηλ₁); with z = θ − η∇f(θ) and
 * D⁺ = diag(|z_j| > ηλ₁), ∂Φ/∂θ = D⁺(I − η(K + λ₂I)),
 * ∂Φ/∂ω₁ = −ηλ₁ D⁺ sign z, ∂Φ/∂ω₂ = −ηλ₂ D⁺ θ. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>

#include "catalogue.h"
#include "l1.h"
#include "linalg.h"
#include "lsq.h"

typedef struct {
    bl_lsq ls;            /* the moments of both least-squares terms */
    double lam_max;       /* ‖Xᵀy/n‖∞: θ* = 0 for λ₁ ≥ lam_max (lasso) */
    gsl_vector *w1, *w2;  /* workspace, p */
    double *dr;           /* workspace, 2p: KJ of cd_jvp */
} lasso_state;

static void lasso_state_free(lasso_state *s)
{
    if (!s) return;
    bl_lsq_release(&s->ls);
    gsl_vector_free(s->w1);
    gsl_vector_free(s->w2);
    free(s->dr);
    free(s);
}

static lasso_state *lasso_state_alloc(size_t p)
{
    lasso_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->w1 = gsl_vector_alloc(p);
    s->w2 = gsl_vector_alloc(p);
    s->dr = malloc(2 * (p ? p : 1) * sizeof(double));
    if (!s->w1 || !s->w2 || !s->dr) {
        lasso_state_free(s);
        return NULL;
    }
    return s;
}

int bl_l1_init(bl_problem *P, bl_err *e)
{
    const bl_dataset *ds = P->data;
    const char *name = P->type->name;
    int st = bl_dataset_check_any(ds, name, e);
    if (st) return st;
    size_t p = bl_dmat_cols(bl_dataset_dmat(ds, 0));
    lasso_state *s = lasso_state_alloc(p);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building %s with p=%zu", name, p);
        return BL_ENOMEM;
    }
    if ((st = bl_lsq_init(&s->ls, ds, name, e))) {
        lasso_state_free(s);
        return st;
    }
    s->lam_max = 0;
    for (size_t j = 0; j < p; j++) s->lam_max = fmax(s->lam_max, fabs(gsl_vector_get(s->ls.b, j)));
    P->p = p;
    P->d = P->type == &bl_problem_enet ? 2 : 1;
    P->state = s;
    return BL_OK;
}

void bl_l1_release(bl_problem *P)
{
    lasso_state_free(P->state);
    P->state = NULL;
}

int bl_l1_clone(const bl_problem *src, bl_problem *dst)
{
    const lasso_state *a = src->state;
    lasso_state *b = lasso_state_alloc(src->p);
    if (!b) return BL_ENOMEM;
    if (bl_lsq_copy(&b->ls, &a->ls)) {
        lasso_state_free(b);
        return BL_ENOMEM;
    }
    b->lam_max = a->lam_max;
    dst->state = b;
    return BL_OK;
}

static double lam1(cvec *om) { return exp(gsl_vector_get(om, 0)); }
static double lam2(cvec *om) { return om->size > 1 ? exp(gsl_vector_get(om, 1)) : 0.0; }
static double sgn(double t) { return (t > 0) - (t < 0); }
static double soft(double t, double k) { return t > k ? t - k : t < -k ? t + k : 0.0; }

double bl_l1_G(bl_problem *P, cvec *th, cvec *om)
{
    lasso_state *s = P->state;
    double nt = gsl_blas_dnrm2(th);
    return bl_lsq_eval(&s->ls, 0, th, s->w1) + lam1(om) * gsl_blas_dasum(th)
           + 0.5 * lam2(om) * nt * nt;
}

double bl_l1_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    lasso_state *s = P->state;
    return bl_lsq_eval(&s->ls, 1, th, s->w1);
}

/* ∇f = Kθ − b + λ₂θ */
static void grad_f(lasso_state *s, cvec *th, cvec *om, gsl_vector *g)
{
    bl_lsq_grad(&s->ls, 0, th, g);
    if (om->size > 1) gsl_blas_daxpy(lam2(om), th, g);
}

void bl_l1_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    grad_f(P->state, th, om, g);
    double l1 = lam1(om);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(g, j, gsl_vector_get(g, j) + l1 * sgn(gsl_vector_get(th, j)));
}

void bl_l1_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, lam1(om) * gsl_blas_dasum(th));
    if (om->size > 1) {
        double nt = gsl_blas_dnrm2(th);
        gsl_vector_set(g, 1, 0.5 * lam2(om) * nt * nt);
    }
}

void bl_l1_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    lasso_state *s = P->state;
    bl_lsq_grad(&s->ls, 1, th, g);
}

void bl_l1_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

double bl_l1_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th;
    lasso_state *s = P->state;
    return s->ls.lmax + lam2(om);
}

/* H v = D(K + λ₂I)D v + L_f (I − D) v */
void bl_l1_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    lasso_state *s = P->state;
    double l2 = lam2(om), lf = s->ls.lmax + l2;
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(s->w2, j, gsl_vector_get(th, j) != 0 ? gsl_vector_get(v, j) : 0.0);
    bl_lsq_kmv(&s->ls, 0, 1.0, s->w2, out);
    gsl_blas_daxpy(l2, s->w2, out);
    for (size_t j = 0; j < th->size; j++)
        gsl_vector_set(out, j, gsl_vector_get(th, j) != 0 ? gsl_vector_get(out, j)
                                                          : lf * gsl_vector_get(v, j));
}

int bl_l1_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    lasso_state *s = P->state;
    double l2 = lam2(om), lf = s->ls.lmax + l2;
    size_t p = th->size;
    bl_lsq_dense_K(&s->ls, H);              /* K, then masked in place */
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            int ai = gsl_vector_get(th, i) != 0, aj = gsl_vector_get(th, j) != 0;
            double h = ai && aj ? gsl_matrix_get(H, i, j) + (i == j ? l2 : 0.0)
                       : i == j ? lf : 0.0;
            gsl_matrix_set(H, i, j, h);
        }
    return BL_OK;
}

/* C v = (λ₁ sign(θ)ᵀv, λ₂ θᵀv) */
void bl_l1_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P;
    double t = 0;
    for (size_t j = 0; j < th->size; j++) t += sgn(gsl_vector_get(th, j)) * gsl_vector_get(v, j);
    gsl_vector_set(out, 0, lam1(om) * t);
    if (om->size > 1) {
        gsl_blas_ddot(th, v, &t);
        gsl_vector_set(out, 1, lam2(om) * t);
    }
}

void bl_l1_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P;
    double a = lam1(om) * gsl_vector_get(u, 0);
    double c = om->size > 1 ? lam2(om) * gsl_vector_get(u, 1) : 0.0;
    for (size_t j = 0; j < th->size; j++) {
        double t = gsl_vector_get(th, j);
        gsl_vector_set(out, j, a * sgn(t) + c * t);
    }
}

/* z = θ − η∇f(θ) into s->w1 */
static void step_z(lasso_state *s, cvec *th, cvec *om, double eta)
{
    grad_f(s, th, om, s->w1);
    gsl_vector_scale(s->w1, -eta);
    gsl_vector_add(s->w1, th);
}

void bl_l1_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    lasso_state *s = P->state;
    double k = eta * lam1(om);
    step_z(s, th, om, eta);
    for (size_t j = 0; j < th->size; j++) gsl_vector_set(out, j, soft(gsl_vector_get(s->w1, j), k));
}

/* gth = (I − η(K + λ₂I)) D⁺α, gom = (−ηλ₁ sign(z)ᵀD⁺α, −ηλ₂ θᵀD⁺α) */
void bl_l1_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                           gsl_vector *gth, gsl_vector *gom)
{
    lasso_state *s = P->state;
    double l1 = lam1(om), l2 = lam2(om), k = eta * l1, g0 = 0, g1 = 0;
    step_z(s, th, om, eta);
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j), a = fabs(z) > k ? gsl_vector_get(alpha, j) : 0.0;
        gsl_vector_set(s->w2, j, a);
        g0 += sgn(z) * a;
        g1 += gsl_vector_get(th, j) * a;
    }
    gsl_vector_set(gom, 0, -eta * l1 * g0);
    if (om->size > 1) gsl_vector_set(gom, 1, -eta * l2 * g1);
    if (gth) {
        bl_lsq_kmv(&s->ls, 0, -eta, s->w2, gth);
        gsl_blas_daxpy(1.0 - eta * l2, s->w2, gth);
    }
}

/* out = D⁺[(I − η(K + λ₂I))v − ηλ₁u₁ sign z − ηλ₂u₂ θ] */
void bl_l1_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                           gsl_vector *out)
{
    lasso_state *s = P->state;
    double l1 = lam1(om), l2 = lam2(om), k = eta * l1;
    double u1 = gsl_vector_get(u, 0), u2 = om->size > 1 ? gsl_vector_get(u, 1) : 0.0;
    step_z(s, th, om, eta);
    if (v) {
        bl_lsq_kmv(&s->ls, 0, -eta, v, out);
        gsl_blas_daxpy(1.0 - eta * l2, v, out);
    } else {
        gsl_vector_set_zero(out);
    }
    for (size_t j = 0; j < th->size; j++) {
        double z = gsl_vector_get(s->w1, j);
        double o = gsl_vector_get(out, j) - eta * l1 * u1 * sgn(z)
                   - eta * l2 * u2 * gsl_vector_get(th, j);
        gsl_vector_set(out, j, fabs(z) > k ? o : 0.0);
    }
}

/* The same pass matrix-free (CSR data): ρ = Xθ − y kept up to date, r_j =
 * x_jᵀρ/n from the column x_j (row j of Xᵀ), O(nnz of x_j) a coordinate. */
static int l1_cd_sweep_free(lasso_state *s, gsl_vector *th, double l1, double l2)
{
    bl_lsq *q = &s->ls;
    gsl_vector *rho = q->r;
    const bl_csr *XT = q->XT;
    double n = (double)rho->size;
    gsl_vector_memcpy(rho, q->y);
    bl_dmat_gemv(CblasNoTrans, 1.0, q->X, th, -1.0, rho);
    for (size_t j = 0; j < th->size; j++) {
        double kjj = gsl_vector_get(q->kdiag, j), a = kjj + l2, tj = gsl_vector_get(th, j);
        double rj = 0;
        for (size_t k = XT->rowptr[j]; k < XT->rowptr[j + 1]; k++)
            rj += XT->val[k] * rho->data[(size_t)XT->col[k] * rho->stride];
        rj /= n;
        double t = a > 0 ? soft(kjj * tj - rj, l1) / a : 0.0;
        if (t != tj) {
            for (size_t k = XT->rowptr[j]; k < XT->rowptr[j + 1]; k++)
                rho->data[(size_t)XT->col[k] * rho->stride] += (t - tj) * XT->val[k];
            gsl_vector_set(th, j, t);
        }
    }
    return BL_OK;
}

/* One cyclic pass: θ_j ← ST(K_jjθ_j − r_j, λ₁)/(K_jj + λ₂), r = Kθ − b kept
 * up to date (O(p) a coordinate; K is symmetric, so its row j is column j).
 * With J (p×d) it carries J = dθ/dω along (forward mode through coordinate
 * descent, Bertrand et al. 2020, doc/catalogue.md "Unrolling through
 * coordinate descent"): with R = KJ kept up to date as r is, the update of
 * θ_j has, where it is non-zero (|z| > λ₁, z = K_jjθ_j − r_j),
 *   dθ_j/dω₁ = (K_jj J_j1 − R_j1 − λ₁ sign z)/(K_jj + λ₂),
 *   dθ_j/dω₂ = (K_jj J_j2 − R_j2 − λ₂ θ_j)/(K_jj + λ₂)   (θ_j the new value),
 * and 0 where it is zero; R += (J_j⁺ − J_j) K_j.  Both θ and J are the same
 * numbers with or without J (cd_sweep and cd_jvp share this loop). */
static int cd_pass(lasso_state *s, gsl_vector *th, cvec *om, gsl_matrix *J)
{
    double l1 = lam1(om), l2 = lam2(om);
    gsl_vector *r = s->w1;
    if (!s->ls.K)               /* matrix-free (sparse data, large p): no J */
        return J ? BL_EUNSUPPORTED : l1_cd_sweep_free(s, th, l1, l2);
    size_t p = th->size, d = J ? J->size2 : 0, tk = s->ls.K->tda;
    const double *K = s->ls.K->data;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, th, 0.0, r);
    gsl_vector_sub(r, s->ls.b);
    for (size_t c = 0; c < d; c++) {                      /* R_c = K J_c */
        gsl_vector_view jc = gsl_matrix_column(J, c);
        gsl_vector_view rc = gsl_vector_view_array(s->dr + c * p, p);
        gsl_blas_dgemv(CblasNoTrans, 1.0, s->ls.K, &jc.vector, 0.0, &rc.vector);
    }
    for (size_t j = 0; j < p; j++) {
        const double *kj = K + j * tk;
        double kjj = kj[j], a = kjj + l2, tj = gsl_vector_get(th, j);
        double z = kjj * tj - gsl_vector_get(r, j);
        double t = a > 0 ? soft(z, l1) / a : 0.0;
        for (size_t c = 0; c < d; c++) {
            double jo = gsl_matrix_get(J, j, c), jn = 0.0, *rc = s->dr + c * p;
            if (t != 0)
                jn = (kjj * jo - rc[j] - (c == 0 ? l1 * sgn(z) : l2 * t)) / a;
            if (jn != jo) {
                cblas_daxpy((int)p, jn - jo, kj, 1, rc, 1);
                gsl_matrix_set(J, j, c, jn);
            }
        }
        if (t != tj) {
            cblas_daxpy((int)p, t - tj, kj, 1, r->data, (int)r->stride);
            gsl_vector_set(th, j, t);
        }
    }
    return BL_OK;
}

int bl_l1_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om)
{
    return cd_pass(P->state, th, om, NULL);
}

/* BL_EUNSUPPORTED (and no sweep) without K = XᵀX/n: the matrix-free
 * problem on sparse data of large p does not differentiate its sweeps. */
int bl_l1_cd_jvp(bl_problem *P, gsl_vector *th, cvec *om, gsl_matrix *J)
{
    return cd_pass(P->state, th, om, J);
}

/* The sweep backwards, j = p … 1, from TH1 = the θ it left (θ_j⁺ = TH1_j):
 * the update of θ_j reads θ_k (k ≠ j) through −K_jk/(K_jj + λ₂) where
 * θ_j⁺ ≠ 0 and not at all elsewhere, and not its own θ_j (K_jjθ_j − r_j
 * does not depend on it).  So with c = α_j: α_j ← 0; where θ_j⁺ ≠ 0,
 * α_k −= cK_jk/(K_jj + λ₂) (k ≠ j), gom₁ −= cλ₁ sign θ_j⁺/(K_jj + λ₂),
 * gom₂ −= cλ₂θ_j⁺/(K_jj + λ₂). */
void bl_l1_cd_vjp(bl_problem *P, cvec *th1, cvec *om, gsl_vector *alpha, gsl_vector *gom)
{
    lasso_state *s = P->state;
    double l1 = lam1(om), l2 = lam2(om), g0 = 0, g1 = 0;
    if (!s->ls.K) {             /* never reached: cd_jvp refused first */
        gsl_vector_set_all(alpha, NAN);
        gsl_vector_set_all(gom, NAN);
        return;
    }
    size_t p = th1->size, tk = s->ls.K->tda;
    const double *K = s->ls.K->data;
    for (size_t j = p; j-- > 0;) {
        const double *kj = K + j * tk;
        double c = gsl_vector_get(alpha, j), t = gsl_vector_get(th1, j), a = kj[j] + l2;
        if (t != 0 && c != 0) {
            cblas_daxpy((int)p, -c / a, kj, 1, alpha->data, (int)alpha->stride);
            g0 -= c * l1 * sgn(t) / a;
            g1 -= c * l2 * t / a;
        }
        gsl_vector_set(alpha, j, 0.0);
    }
    gsl_vector_set(gom, 0, g0);
    if (om->size > 1) gsl_vector_set(gom, 1, g1);
}

void bl_l1_omega0(bl_problem *P, gsl_vector *om)
{
    lasso_state *s = P->state;
    gsl_vector_set(om, 0, log(s->lam_max > 0 ? 0.1 * s->lam_max : 1.0));
    if (om->size > 1) gsl_vector_set(om, 1, -2.0);
}

int bl_l1_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    lasso_state *s = P->state;
    size_t k = 0, n = 0;
    int w;
    for (size_t j = 0; j < th->size; j++) k += gsl_vector_get(th, j) != 0;
    w = snprintf(buf, len, "support S = {j : θ_j ≠ 0}: %zu of %zu features {", k, th->size);
    n = w > 0 ? (size_t)w : 0;
    for (size_t j = 0, c = 0; j < th->size && n < len; j++)
        if (gsl_vector_get(th, j) != 0) {
            w = snprintf(buf + n, len - n, "%s%zu", c++ ? ", " : "", j + 1);
            n += w > 0 ? (size_t)w : 0;
        }
    if (n < len)
        snprintf(buf + n, len - n, "}\nλ₁ = e^ω₁ = %.6g; θ* = 0 for λ₁ ≥ ‖Xᵀy/n‖∞ = %.6g%s\n"
                 "F(ω) is smooth while S stays the same and kinked where S changes",
                 lam1(om), s->lam_max, om->size > 1 ? " when λ₂ = 0" : "");
    return BL_OK;
}

