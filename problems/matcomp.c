/* matcomp.c: low-rank matrix completion with a nuclear-norm penalty
 * (doc/problems/matcomp.md).
 *
 *   G(θ, ω) = ½‖P_Ω(Θ − Y)‖² + e^ω ‖Θ‖_*
 *   L(θ, ω) = (1/2|Ω_v|) ‖P_{Ω_v}(Θ − Y_v)‖²
 *
 * θ = vec(Θ), Θ ∈ R^{rows×cols} row by row (θ[i·cols + j] = Θ_ij).  Y and
 * Y_v are two noisy copies of a low-rank M; Ω the observed entries, Ω_v
 * the held-out ones (every entry when all are observed).  Everything is
 * computed on the tall orientation A = Θ (rows ≥ cols) or Θᵀ, so that GSL's
 * SVD (M ≥ N) applies; the nuclear norm, the SVT and the masks do not
 * care.
 *
 * Non-smooth (BL_PROB_NONSMOOTH), G = f + λ‖·‖_*, f = ½‖P_Ω(Θ − Y)‖², λ =
 * e^ω.  With Θ = U S Vᵀ its rank-r SVD (singular values > 1e-9 σ₁):
 *   ∇θG = P_Ω(Θ − Y) + λ U Vᵀ     (the gradient on the rank-r manifold);
 *   C v = λ⟨U Vᵀ, v⟩, Cᵀu = λu U Vᵀ;
 *   H v = Hess(P_T v) + P_⊥ v, Hess the Riemannian Hessian of G on the
 *     manifold of rank-r matrices at Θ, P_T the projection on its tangent
 *     space T = {U M Vᵀ + U_p Vᵀ + U V_pᵀ : U_pᵀU = 0, V_pᵀV = 0}, P_⊥ = I − P_T.
 *     For ξ = P_T v = U M Vᵀ + U_p Vᵀ + U V_pᵀ and N = P_⊥(P_Ω(Θ − Y)):
 *       Hess ξ = P_T P_Ω ξ + U S⁻¹U_pᵀN + N V_p S⁻¹Vᵀ
 *                + λ(U K Vᵀ + U_p S⁻¹Vᵀ + U S⁻¹V_pᵀ),
 *     K_ij = (M_ij − M_ji)/(s_i + s_j): the derivative of the polar factor
 *     U Vᵀ along ξ (λ·) and of P_T applied to the normal part N of ∇f (the
 *     Weingarten term).  The matrix analogue of lasso's support: T plays the
 *     part of the support, P_⊥ the inactive block (decoupled, C = 0 there).
 *   step: Φ(θ) = SVT_{ηλ}(Θ − ηP_Ω(Θ − Y)); its Jacobian in Z = Θ − η∇f is
 *     that of the singular-value soft-threshold f(σ) = (σ − τ)₊, a spectral
 *     function: with dA = Uᵀ dZ V (full SVD of Z), sym/skew parts weighted by
 *     (f_i − f_j)/(σ_i − σ_j) and (f_i + f_j)/(σ_i + σ_j), the diagonal by
 *     f'(σ_i) = 1{σ_i > τ}, and the rows outside U by f_j/σ_j.  It is
 *     symmetric, so the vjp uses the same map. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"

enum { PAR_ROWS, PAR_COLS, PAR_RANK, PAR_FRAC, PAR_NOISE, PAR_SEED, NPAR };

static const bl_param mc_params[NPAR] = {
    {"rows", 30, 2, 2000, 1, "rows of the matrix", NULL},
    {"cols", 20, 2, 2000, 1, "columns of the matrix (θ ∈ R^{rows·cols})", NULL},
    {"rank", 3, 1, 2000, 1, "rank of the true matrix M (at most min(rows, cols))", NULL},
    {"frac", 0.5, 0.01, 1, 0, "fraction of the entries observed (Ω); the rest are held out",
     NULL},
    {"noise", 0.5, 0, 1e3, 0, "standard deviation of the noise on every observation", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator", NULL},
};

/* A thin SVD A = U diag(S) Vᵀ of an M×N matrix (M ≥ N), r = numerical rank. */
typedef struct {
    gsl_matrix *U, *V;
    gsl_vector *S, *work;
    size_t r;
} svd_t;

typedef struct {
    size_t rows, cols, M, N;  /* user shape; internal tall shape M ≥ N */
    int tr;                   /* 1: internal = Θᵀ */
    gsl_matrix *Y, *Yv, *mask, *maskv, *truth; /* internal M×N */
    size_t nobs, nval;
    double lam_max;           /* σ₁(P_Ω(Y)): Θ* = 0 for λ ≥ it */
    svd_t sv;                 /* SVD of the Θ in key (cache) */
    gsl_vector *key;
    int have, have_N;
    gsl_matrix *Nn;           /* N = P_⊥(P_Ω(Θ − Y)) at key (cache) */
    double nn2;               /* ‖N‖₂ */
    svd_t sz;                 /* SVD of Z in the step hooks */
    gsl_matrix *A, *B, *Cw;   /* workspace, M×N */
} mc_state;

static void svd_free(svd_t *s)
{
    gsl_matrix_free(s->U);
    gsl_matrix_free(s->V);
    gsl_vector_free(s->S);
    gsl_vector_free(s->work);
}

static int svd_alloc(svd_t *s, size_t M, size_t N)
{
    s->U = gsl_matrix_alloc(M, N);
    s->V = gsl_matrix_alloc(N, N);
    s->S = gsl_vector_alloc(N);
    s->work = gsl_vector_alloc(N);
    s->r = 0;
    return s->U && s->V && s->S && s->work ? BL_OK : BL_ENOMEM;
}

/* SVD of A (copied); r counts the singular values above 1e-9 σ₁. */
static int svd_of(svd_t *s, const gsl_matrix *A)
{
    gsl_matrix_memcpy(s->U, A);
    if (gsl_linalg_SV_decomp(s->U, s->V, s->S, s->work) != GSL_SUCCESS) {
        s->r = 0;
        gsl_vector_set_zero(s->S);
        return BL_EDIVERGE;
    }
    double tol = 1e-9 * gsl_vector_get(s->S, 0);
    s->r = 0;
    while (s->r < s->S->size && gsl_vector_get(s->S, s->r) > tol) s->r++;
    return BL_OK;
}

static void mc_state_free(mc_state *s)
{
    if (!s) return;
    gsl_matrix_free(s->Y);
    gsl_matrix_free(s->Yv);
    gsl_matrix_free(s->mask);
    gsl_matrix_free(s->maskv);
    gsl_matrix_free(s->truth);
    svd_free(&s->sv);
    svd_free(&s->sz);
    gsl_vector_free(s->key);
    gsl_matrix_free(s->Nn);
    gsl_matrix_free(s->A);
    gsl_matrix_free(s->B);
    gsl_matrix_free(s->Cw);
    free(s);
}

static mc_state *mc_state_alloc(size_t rows, size_t cols)
{
    mc_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->rows = rows;
    s->cols = cols;
    s->tr = rows < cols;
    s->M = s->tr ? cols : rows;
    s->N = s->tr ? rows : cols;
    size_t M = s->M, N = s->N;
    s->Y = gsl_matrix_alloc(M, N);
    s->Yv = gsl_matrix_alloc(M, N);
    s->mask = gsl_matrix_calloc(M, N);
    s->maskv = gsl_matrix_calloc(M, N);
    s->truth = gsl_matrix_alloc(M, N);
    s->key = gsl_vector_alloc(rows * cols);
    s->Nn = gsl_matrix_alloc(M, N);
    s->A = gsl_matrix_alloc(M, N);
    s->B = gsl_matrix_alloc(M, N);
    s->Cw = gsl_matrix_alloc(M, N);
    int ok = svd_alloc(&s->sv, M, N) == BL_OK && svd_alloc(&s->sz, M, N) == BL_OK;
    if (!ok || !s->Y || !s->Yv || !s->mask || !s->maskv || !s->truth || !s->key || !s->Nn
        || !s->A || !s->B || !s->Cw) {
        mc_state_free(s);
        return NULL;
    }
    return s;
}

/* θ (user layout) ↔ the internal M×N matrix */
static void to_int(const mc_state *s, cvec *th, gsl_matrix *A)
{
    for (size_t i = 0; i < s->rows; i++)
        for (size_t j = 0; j < s->cols; j++) {
            double v = gsl_vector_get(th, i * s->cols + j);
            if (s->tr) gsl_matrix_set(A, j, i, v);
            else gsl_matrix_set(A, i, j, v);
        }
}

static void from_int(const mc_state *s, const gsl_matrix *A, gsl_vector *out)
{
    for (size_t i = 0; i < s->rows; i++)
        for (size_t j = 0; j < s->cols; j++)
            gsl_vector_set(out, i * s->cols + j, s->tr ? gsl_matrix_get(A, j, i)
                                                        : gsl_matrix_get(A, i, j));
}

/* The generator.  mt19937 seeded with seed, every normal draw
 * gsl_ran_gaussian(r, 1): U₀ (rows×rank) then V₀ (cols×rank), row by row,
 * M = U₀V₀ᵀ/√rank; then for each entry (i, j), row by row: a uniform u
 * (observed when u < frac), Y_ij = M_ij + noise·N(0, 1), Y^v_ij = M_ij +
 * noise·N(0, 1). */
static int generate(mc_state *s, size_t k, double frac, double noise, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *U0 = gsl_matrix_alloc(s->rows, k), *V0 = gsl_matrix_alloc(s->cols, k);
    gsl_matrix *Mt = gsl_matrix_alloc(s->rows, s->cols);
    int st = r && U0 && V0 && Mt ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        gsl_rng_set(r, seed);
        for (size_t i = 0; i < s->rows; i++)
            for (size_t a = 0; a < k; a++) gsl_matrix_set(U0, i, a, gsl_ran_gaussian(r, 1.0));
        for (size_t j = 0; j < s->cols; j++)
            for (size_t a = 0; a < k; a++) gsl_matrix_set(V0, j, a, gsl_ran_gaussian(r, 1.0));
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0 / sqrt((double)k), U0, V0, 0.0, Mt);
        s->nobs = 0;
        for (size_t i = 0; i < s->rows; i++)
            for (size_t j = 0; j < s->cols; j++) {
                size_t a = s->tr ? j : i, b = s->tr ? i : j;
                double m = gsl_matrix_get(Mt, i, j);
                int obs = gsl_rng_uniform(r) < frac;
                gsl_matrix_set(s->truth, a, b, m);
                gsl_matrix_set(s->Y, a, b, m + noise * gsl_ran_gaussian(r, 1.0));
                gsl_matrix_set(s->Yv, a, b, m + noise * gsl_ran_gaussian(r, 1.0));
                gsl_matrix_set(s->mask, a, b, obs);
                s->nobs += (size_t)obs;
            }
        size_t all = s->rows * s->cols;
        s->nval = s->nobs == all ? all : all - s->nobs;
        for (size_t a = 0; a < s->M; a++)
            for (size_t b = 0; b < s->N; b++)
                gsl_matrix_set(s->maskv, a, b, s->nobs == all || gsl_matrix_get(s->mask, a, b) == 0);
    }
    if (r) gsl_rng_free(r);
    gsl_matrix_free(U0);
    gsl_matrix_free(V0);
    gsl_matrix_free(Mt);
    return st;
}

static int mc_init(bl_problem *P, bl_err *e)
{
    size_t rows = (size_t)P->par[PAR_ROWS], cols = (size_t)P->par[PAR_COLS];
    size_t k = (size_t)P->par[PAR_RANK];
    if (k > (rows < cols ? rows : cols)) {
        bl_err_set(e, BL_EINVAL, "rank=%zu is more than min(rows, cols) = %zu", k,
                   rows < cols ? rows : cols);
        return BL_EINVAL;
    }
    if (rows * cols > 250000) {
        bl_err_set(e, BL_EINVAL, "rows·cols = %zu is more than 250000 entries", rows * cols);
        return BL_EINVAL;
    }
    mc_state *s = mc_state_alloc(rows, cols);
    int st = s ? generate(s, k, P->par[PAR_FRAC], P->par[PAR_NOISE],
                          (unsigned long)P->par[PAR_SEED]) : BL_ENOMEM;
    if (st) {
        mc_state_free(s);
        bl_err_set(e, st, "out of memory building matcomp with %zu×%zu", rows, cols);
        return st;
    }
    if (s->nobs == 0) {
        mc_state_free(s);
        bl_err_set(e, BL_EINVAL, "frac=%g observes no entry of the %zu×%zu matrix: raise frac",
                   P->par[PAR_FRAC], rows, cols);
        return BL_EINVAL;
    }
    gsl_matrix_memcpy(s->A, s->Y);
    gsl_matrix_mul_elements(s->A, s->mask);
    if (svd_of(&s->sz, s->A) != BL_OK) {
        mc_state_free(s);
        bl_err_set(e, BL_EDIVERGE, "matcomp: the SVD of the observed entries failed");
        return BL_EDIVERGE;
    }
    s->lam_max = gsl_vector_get(s->sz.S, 0);
    s->have = 0;
    P->p = rows * cols;
    P->d = 1;
    P->state = s;
    return BL_OK;
}

static void mc_free(bl_problem *P)
{
    mc_state_free(P->state);
    P->state = NULL;
}

static int mc_clone(const bl_problem *src, bl_problem *dst)
{
    const mc_state *a = src->state;
    mc_state *b = mc_state_alloc(a->rows, a->cols);
    if (!b) return BL_ENOMEM;
    gsl_matrix_memcpy(b->Y, a->Y);
    gsl_matrix_memcpy(b->Yv, a->Yv);
    gsl_matrix_memcpy(b->mask, a->mask);
    gsl_matrix_memcpy(b->maskv, a->maskv);
    gsl_matrix_memcpy(b->truth, a->truth);
    b->nobs = a->nobs;
    b->nval = a->nval;
    b->lam_max = a->lam_max;
    b->have = 0;
    dst->state = b;
    return BL_OK;
}

static double lam(cvec *om) { return exp(gsl_vector_get(om, 0)); }

/* The SVD of Θ (cached on the bits of θ); Θ itself is left in s->A. */
static const svd_t *svd_at(mc_state *s, cvec *th)
{
    to_int(s, th, s->A);
    if (s->have) {
        size_t i = 0;
        for (; i < th->size; i++) {
            double x = gsl_vector_get(th, i), y = gsl_vector_get(s->key, i);
            if (memcmp(&x, &y, sizeof x) != 0) break;
        }
        if (i == th->size) return &s->sv;
    }
    gsl_vector_memcpy(s->key, th);
    s->have = 1;
    s->have_N = 0;
    if (svd_of(&s->sv, s->A) != BL_OK) s->sv.r = 0;
    return &s->sv;
}

/* views of the rank-r factors */
static _gsl_matrix_const_view Ur(const svd_t *v) { return gsl_matrix_const_submatrix(v->U, 0, 0, v->U->size1, v->r); }
static _gsl_matrix_const_view Vr(const svd_t *v) { return gsl_matrix_const_submatrix(v->V, 0, 0, v->V->size1, v->r); }

/* out += c · U_r V_rᵀ */
static void add_polar(const svd_t *v, double c, gsl_matrix *out)
{
    if (v->r == 0) return;
    gsl_matrix_const_view U = Ur(v), V = Vr(v);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, c, &U.matrix, &V.matrix, 1.0, out);
}

/* Σ_ab A_ab B_ab */
static double frob(const gsl_matrix *A, const gsl_matrix *B)
{
    double t = 0;
    for (size_t a = 0; a < A->size1; a++)
        for (size_t b = 0; b < A->size2; b++) t += gsl_matrix_get(A, a, b) * gsl_matrix_get(B, a, b);
    return t;
}

/* out = mask ∘ (A − Y) */
static void masked_diff(const gsl_matrix *A, const gsl_matrix *Y, const gsl_matrix *mask,
                        gsl_matrix *out)
{
    for (size_t a = 0; a < A->size1; a++)
        for (size_t b = 0; b < A->size2; b++)
            gsl_matrix_set(out, a, b, gsl_matrix_get(mask, a, b)
                                          * (gsl_matrix_get(A, a, b) - gsl_matrix_get(Y, a, b)));
}

static double mc_G(bl_problem *P, cvec *th, cvec *om)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    masked_diff(s->A, s->Y, s->mask, s->B);
    double f = 0.5 * frob(s->B, s->B), nuc = 0;
    for (size_t i = 0; i < v->S->size; i++) nuc += gsl_vector_get(v->S, i);
    return f + lam(om) * nuc;
}

static double mc_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    mc_state *s = P->state;
    to_int(s, th, s->A);
    masked_diff(s->A, s->Yv, s->maskv, s->B);
    return 0.5 * frob(s->B, s->B) / (double)s->nval;
}

/* ∇θG = P_Ω(Θ − Y) + λ U_r V_rᵀ */
static void mc_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    masked_diff(s->A, s->Y, s->mask, s->B);
    add_polar(v, lam(om), s->B);
    from_int(s, s->B, g);
}

/* ∂ωG = λ‖Θ‖_* */
static void mc_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    double nuc = 0;
    for (size_t i = 0; i < v->S->size; i++) nuc += gsl_vector_get(v->S, i);
    gsl_vector_set(g, 0, lam(om) * nuc);
}

/* ∇θL = P_{Ω_v}(Θ − Y_v)/|Ω_v| */
static void mc_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    mc_state *s = P->state;
    to_int(s, th, s->A);
    masked_diff(s->A, s->Yv, s->maskv, s->B);
    gsl_matrix_scale(s->B, 1.0 / (double)s->nval);
    from_int(s, s->B, g);
}

static void mc_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* out = P_T X = UUᵀX + XVVᵀ − UUᵀXVVᵀ (out may not alias X) */
static void proj_T(const svd_t *v, const gsl_matrix *X, gsl_matrix *out)
{
    gsl_matrix_set_zero(out);
    if (v->r == 0) return;
    gsl_matrix_const_view U = Ur(v), V = Vr(v);
    size_t M = X->size1, N = X->size2, r = v->r;
    gsl_matrix *UtX = gsl_matrix_alloc(r, N), *XV = gsl_matrix_alloc(M, r);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &U.matrix, X, 0.0, UtX);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &V.matrix, 0.0, XV);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &U.matrix, UtX, 0.0, out);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, XV, &V.matrix, 1.0, out);
    /* − U (UᵀX V) Vᵀ */
    gsl_matrix *Mc = gsl_matrix_alloc(r, r), *UM = gsl_matrix_alloc(M, r);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, UtX, &V.matrix, 0.0, Mc);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &U.matrix, Mc, 0.0, UM);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, UM, &V.matrix, 1.0, out);
    gsl_matrix_free(UtX);
    gsl_matrix_free(XV);
    gsl_matrix_free(Mc);
    gsl_matrix_free(UM);
}

/* N = P_⊥(P_Ω(Θ − Y)) at the cached Θ (s->A holds Θ after svd_at), and
 * ‖N‖₂ for show */
static void normal_part(mc_state *s, const svd_t *v)
{
    if (s->have_N) return;
    masked_diff(s->A, s->Y, s->mask, s->B);
    proj_T(v, s->B, s->Cw);
    gsl_matrix_memcpy(s->Nn, s->B);
    gsl_matrix_sub(s->Nn, s->Cw);
    /* ‖N‖₂ from its singular values (s->sz is free here) */
    s->nn2 = svd_of(&s->sz, s->Nn) == BL_OK ? gsl_vector_get(s->sz.S, 0) : NAN;
    s->have_N = 1;
}

/* H v = Hess(P_T v) + P_⊥ v (see the head of the file) */
static void mc_hvp(bl_problem *P, cvec *th, cvec *om, cvec *vv, gsl_vector *out)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    size_t M = s->M, N = s->N, r = v->r;
    double l = lam(om);
    gsl_matrix *X = gsl_matrix_alloc(M, N), *O = gsl_matrix_alloc(M, N);
    to_int(s, vv, X);
    if (r == 0) {                                    /* T = {0}: H = I */
        from_int(s, X, out);
        gsl_matrix_free(X);
        gsl_matrix_free(O);
        return;
    }
    normal_part(s, v);
    gsl_matrix_const_view U = Ur(v), V = Vr(v);
    gsl_matrix *A1 = gsl_matrix_alloc(r, N), *Mc = gsl_matrix_alloc(r, r);
    gsl_matrix *Up = gsl_matrix_alloc(M, r), *Vp = gsl_matrix_alloc(N, r);
    gsl_matrix *Xi = gsl_matrix_alloc(M, N), *E1 = gsl_matrix_alloc(r, N);
    gsl_matrix *E2 = gsl_matrix_alloc(M, r);
    /* ξ = P_T X = U Mc Vᵀ + U_p Vᵀ + U V_pᵀ */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &U.matrix, X, 0.0, A1);      /* UᵀX */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, A1, &V.matrix, 0.0, Mc);   /* UᵀXV */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, X, &V.matrix, 0.0, Up);    /* XV */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, &U.matrix, Mc, 1.0, Up);  /* (I − UUᵀ)XV */
    for (size_t a = 0; a < N; a++)                                              /* XᵀU */
        for (size_t i = 0; i < r; i++) gsl_matrix_set(Vp, a, i, gsl_matrix_get(A1, i, a));
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, &V.matrix, Mc, 1.0, Vp);    /* (I − VVᵀ)XᵀU */
    proj_T(v, X, Xi);
    /* P_T P_Ω ξ */
    gsl_matrix_memcpy(O, Xi);
    gsl_matrix_mul_elements(O, s->mask);
    proj_T(v, O, s->Cw);
    gsl_matrix_memcpy(O, s->Cw);
    /* U [S⁻¹U_pᵀN + λS⁻¹V_pᵀ + λK Vᵀ] */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, Up, s->Nn, 0.0, E1);          /* U_pᵀN */
    for (size_t i = 0; i < r; i++) {
        double si = gsl_vector_get(v->S, i);
        for (size_t b = 0; b < N; b++) {
            double t = gsl_matrix_get(E1, i, b) + l * gsl_matrix_get(Vp, b, i);
            double k = 0;
            for (size_t j = 0; j < r; j++) {
                double sj = gsl_vector_get(v->S, j);
                k += (gsl_matrix_get(Mc, i, j) - gsl_matrix_get(Mc, j, i)) / (si + sj)
                     * gsl_matrix_get(&V.matrix, b, j);
            }
            gsl_matrix_set(E1, i, b, t / si + l * k);
        }
    }
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &U.matrix, E1, 1.0, O);
    /* [N V_p S⁻¹ + λ U_p S⁻¹] Vᵀ */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, s->Nn, Vp, 0.0, E2);
    for (size_t a = 0; a < M; a++)
        for (size_t i = 0; i < r; i++)
            gsl_matrix_set(E2, a, i, (gsl_matrix_get(E2, a, i) + l * gsl_matrix_get(Up, a, i))
                                         / gsl_vector_get(v->S, i));
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, E2, &V.matrix, 1.0, O);
    /* + P_⊥ X = X − ξ */
    gsl_matrix_add(O, X);
    gsl_matrix_sub(O, Xi);
    from_int(s, O, out);
    gsl_matrix_free(X);
    gsl_matrix_free(O);
    gsl_matrix_free(A1);
    gsl_matrix_free(Mc);
    gsl_matrix_free(Up);
    gsl_matrix_free(Vp);
    gsl_matrix_free(Xi);
    gsl_matrix_free(E1);
    gsl_matrix_free(E2);
}

/* C v = λ⟨U_r V_rᵀ, v⟩ */
static void mc_cvp(bl_problem *P, cvec *th, cvec *om, cvec *vv, gsl_vector *out)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    gsl_matrix_set_zero(s->B);
    add_polar(v, 1.0, s->B);
    to_int(s, vv, s->Cw);
    gsl_vector_set(out, 0, lam(om) * frob(s->B, s->Cw));
}

/* Cᵀu = λu U_r V_rᵀ */
static void mc_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    mc_state *s = P->state;
    const svd_t *v = svd_at(s, th);
    gsl_matrix_set_zero(s->B);
    add_polar(v, lam(om) * gsl_vector_get(u, 0), s->B);
    from_int(s, s->B, out);
}

/* 1, the Lipschitz constant of ∇f = P_Ω(Θ − Y): the bound the proximal
 * step needs (η = 1 is soft-impute), as lasso's L_f.  Unlike lasso's, the
 * restricted H can exceed it: λmax(H) ≤ 1 + (λ + ‖N‖₂)/s_r (the polar
 * factor's and the Weingarten term's share), large when a kept singular
 * value s_r is small.  A θ-dependent bound here would shrink the inner
 * step wherever a solve is warm-started; neumann and fp take their eta
 * from spectrum instead (doc/problems/matcomp.md). */
static double mc_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)P, (void)th, (void)om;
    return 1.0;
}

/* Z = Θ − ηP_Ω(Θ − Y) into s->A and its SVD into s->sz */
static void step_svd(mc_state *s, cvec *th, double eta)
{
    to_int(s, th, s->A);
    masked_diff(s->A, s->Y, s->mask, s->B);
    gsl_matrix_scale(s->B, -eta);
    gsl_matrix_add(s->A, s->B);
    if (svd_of(&s->sz, s->A) != BL_OK) gsl_vector_set_all(s->sz.S, NAN);
}

/* SVT_τ from s->sz: U diag((σ − τ)₊) Vᵀ into O */
static void svt(const svd_t *z, double tau, gsl_matrix *O)
{
    gsl_matrix_set_zero(O);
    for (size_t i = 0; i < z->S->size; i++) {
        double f = gsl_vector_get(z->S, i) - tau;
        if (!(f > 0)) continue;
        gsl_vector_const_view u = gsl_matrix_const_column(z->U, i);
        gsl_vector_const_view w = gsl_matrix_const_column(z->V, i);
        gsl_blas_dger(f, &u.vector, &w.vector, O);
    }
}

/* The step knows the SVD of its output, U diag((σ − τ)₊) Vᵀ: it becomes the
 * cached SVD of θ = out, so that the solvers' next G and ∇θG at out need
 * no SVD of their own (the same rank rule as svd_of). */
static void mc_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    mc_state *s = P->state;
    double tau = eta * lam(om);
    step_svd(s, th, eta);
    svt(&s->sz, tau, s->B);
    from_int(s, s->B, out);
    gsl_matrix_memcpy(s->sv.U, s->sz.U);
    gsl_matrix_memcpy(s->sv.V, s->sz.V);
    for (size_t i = 0; i < s->N; i++)
        gsl_vector_set(s->sv.S, i, fmax(gsl_vector_get(s->sz.S, i) - tau, 0.0));
    double tol = 1e-9 * gsl_vector_get(s->sv.S, 0);
    s->sv.r = 0;
    while (s->sv.r < s->N && gsl_vector_get(s->sv.S, s->sv.r) > tol) s->sv.r++;
    gsl_vector_memcpy(s->key, out);
    s->have = isfinite(tau) && isfinite(gsl_vector_get(s->sv.S, 0));
    s->have_N = 0;
}

/* O = J_SVT(Z)[D], the derivative of the singular-value soft-threshold at
 * Z = U diag(σ) Vᵀ (s->sz) along D (a symmetric map). */
static void svt_jac(const svd_t *z, double tau, const gsl_matrix *D, gsl_matrix *O)
{
    size_t M = D->size1, N = D->size2;
    gsl_matrix *dA = gsl_matrix_alloc(N, N), *T1 = gsl_matrix_alloc(N, N);
    gsl_matrix *DV = gsl_matrix_alloc(M, N), *C = gsl_matrix_alloc(N, N);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, D, z->V, 0.0, DV);      /* D V */
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, z->U, DV, 0.0, dA);        /* UᵀDV */
    for (size_t i = 0; i < N; i++) {
        double si = gsl_vector_get(z->S, i), fi = si > tau ? si - tau : 0.0;
        for (size_t j = 0; j < N; j++) {
            double sj = gsl_vector_get(z->S, j), fj = sj > tau ? sj - tau : 0.0;
            double x = gsl_matrix_get(dA, i, j), y = gsl_matrix_get(dA, j, i), c;
            if (i == j) {
                c = si > tau ? x : 0.0;
            } else {
                double cs = si > tau && sj > tau ? 1.0 : si <= tau && sj <= tau ? 0.0
                            : (fi - fj) / (si - sj);
                double ca = si + sj > 0 ? (fi + fj) / (si + sj) : 0.0;
                c = 0.5 * cs * (x + y) + 0.5 * ca * (x - y);
            }
            gsl_matrix_set(C, i, j, c);
        }
    }
    /* O = U C Vᵀ + (I − UUᵀ) D V diag(f/σ) Vᵀ */
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, C, z->V, 0.0, T1);        /* C Vᵀ */
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, z->U, T1, 0.0, O);
    if (M > N) {
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, z->U, dA, 1.0, DV);  /* (I − UUᵀ)DV */
        for (size_t j = 0; j < N; j++) {
            double sj = gsl_vector_get(z->S, j), c = sj > tau ? (sj - tau) / sj : 0.0;
            gsl_vector_view col = gsl_matrix_column(DV, j);
            gsl_vector_scale(&col.vector, c);
        }
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, DV, z->V, 1.0, O);
    }
    gsl_matrix_free(dA);
    gsl_matrix_free(T1);
    gsl_matrix_free(DV);
    gsl_matrix_free(C);
}

/* ⟨U_+V_+ᵀ, X⟩ over the singular values above τ */
static double polar_dot(const svd_t *z, double tau, const gsl_matrix *X)
{
    double t = 0;
    gsl_vector *xv = gsl_vector_alloc(X->size1);
    for (size_t i = 0; i < z->S->size; i++) {
        if (!(gsl_vector_get(z->S, i) > tau)) continue;
        gsl_vector_const_view u = gsl_matrix_const_column(z->U, i);
        gsl_vector_const_view w = gsl_matrix_const_column(z->V, i);
        double a;
        gsl_blas_dgemv(CblasNoTrans, 1.0, X, &w.vector, 0.0, xv);
        gsl_blas_ddot(&u.vector, xv, &a);
        t += a;
    }
    gsl_vector_free(xv);
    return t;
}

/* β = J_SVT(α), gth = (I − ηP_Ω)β, gom = −ηλ⟨U_+V_+ᵀ, α⟩ */
static void mc_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                        gsl_vector *gth, gsl_vector *gom)
{
    mc_state *s = P->state;
    double l = lam(om), tau = eta * l;
    step_svd(s, th, eta);
    to_int(s, alpha, s->Cw);
    gsl_vector_set(gom, 0, -tau * polar_dot(&s->sz, tau, s->Cw));
    if (!gth) return;
    svt_jac(&s->sz, tau, s->Cw, s->B);
    gsl_matrix_memcpy(s->A, s->B);
    gsl_matrix_mul_elements(s->A, s->mask);
    gsl_matrix_scale(s->A, -eta);
    gsl_matrix_add(s->B, s->A);
    from_int(s, s->B, gth);
}

/* out = J_SVT((I − ηP_Ω)v) − ηλu₀ U_+V_+ᵀ */
static void mc_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                        gsl_vector *out)
{
    mc_state *s = P->state;
    double l = lam(om), tau = eta * l;
    step_svd(s, th, eta);
    if (v) {
        to_int(s, v, s->Cw);
        gsl_matrix_memcpy(s->A, s->Cw);
        gsl_matrix_mul_elements(s->A, s->mask);
        gsl_matrix_scale(s->A, -eta);
        gsl_matrix_add(s->Cw, s->A);
        svt_jac(&s->sz, tau, s->Cw, s->B);
    } else {
        gsl_matrix_set_zero(s->B);
    }
    double c = -tau * gsl_vector_get(u, 0);
    for (size_t i = 0; i < s->sz.S->size; i++) {
        if (!(gsl_vector_get(s->sz.S, i) > tau)) continue;
        gsl_vector_const_view a = gsl_matrix_const_column(s->sz.U, i);
        gsl_vector_const_view b = gsl_matrix_const_column(s->sz.V, i);
        gsl_blas_dger(c, &a.vector, &b.vector, s->B);
    }
    from_int(s, s->B, out);
}

/* Fully observed (Ω = everything): G = ½‖Θ − Y‖² + λ‖Θ‖_*, θ* = SVT_λ(Y). */
static int mc_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    mc_state *s = P->state;
    if (s->nobs != s->rows * s->cols) return BL_EUNSUPPORTED;
    if (svd_of(&s->sz, s->Y) != BL_OK) return BL_EDIVERGE;
    svt(&s->sz, lam(om), s->B);
    from_int(s, s->B, th);
    return BL_OK;
}

/* Fully observed: θ*(ω) = SVT_λ(Y) moves by −λ U_+V_+ᵀ per unit ω (σ_i(Y) > λ), so
 * ∇F = ⟨∇θL(θ*), −λ U_+V_+ᵀ⟩. */
static int mc_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    mc_state *s = P->state;
    if (s->nobs != s->rows * s->cols) return BL_EUNSUPPORTED;
    double l = lam(om);
    if (svd_of(&s->sz, s->Y) != BL_OK) return BL_EDIVERGE;
    svt(&s->sz, l, s->A);
    masked_diff(s->A, s->Yv, s->maskv, s->B);
    gsl_vector_set(g, 0, -l * polar_dot(&s->sz, l, s->B) / (double)s->nval);
    return BL_OK;
}

/* λ = λ_max/10, λ_max = σ₁(P_Ω(Y)) (Θ* = 0 beyond it) */
static void mc_omega0(bl_problem *P, gsl_vector *om)
{
    const mc_state *s = P->state;
    gsl_vector_set(om, 0, log(s->lam_max > 0 ? 0.1 * s->lam_max : 1.0));
}

/* First-order estimates of the two kinks around a solution θ* of rank r:
 * with ξ = dΘ*(ω)/dω = −H⁻¹Cᵀ1 (cg on the restricted H, at most 3p steps),
 * s_r moves by u_rᵀξv_r per unit ω (the rank drops where s_r = 0), and
 * ‖W‖₂, W = −N/λ, by u_Nᵀ P_⊥(P_Ω ξ) v_N/λ − ‖W‖₂ (at θ*, where P_T∇f =
 * −λUVᵀ, the normal part of ∇f moves by P_⊥(P_Ω ξ); the rank grows where
 * ‖W‖₂ = 1).  Writes the ω steps to those kinks into *DS, *DW; BL_OK when
 * the solve converged. */
static int kink_estimates(bl_problem *P, cvec *th, cvec *om, double *ds, double *dw)
{
    mc_state *s = P->state;
    size_t p = P->p;
    gsl_vector *x = gsl_vector_calloc(p), *r = gsl_vector_alloc(p), *d = gsl_vector_alloc(p);
    gsl_vector *hd = gsl_vector_alloc(p), *one = gsl_vector_alloc(1);
    gsl_matrix *X = gsl_matrix_alloc(s->M, s->N), *Q = gsl_matrix_alloc(s->M, s->N);
    int st = x && r && d && hd && one && X && Q ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        gsl_vector_set(one, 0, -1.0);
        mc_ctvp(P, th, om, one, r);                   /* b = −Cᵀ1, x₀ = 0 */
        gsl_vector_memcpy(d, r);
        double rr = gsl_blas_dnrm2(r), r0 = rr, alpha, beta, dhd;
        rr *= rr;
        for (size_t k = 0; k < 3 * p && sqrt(rr) > 1e-12 * r0; k++) {
            mc_hvp(P, th, om, d, hd);
            gsl_blas_ddot(d, hd, &dhd);
            if (!(dhd > 0)) {
                st = BL_ENOTPD;
                break;
            }
            alpha = rr / dhd;
            gsl_blas_daxpy(alpha, d, x);
            gsl_blas_daxpy(-alpha, hd, r);
            double rn;
            gsl_blas_ddot(r, r, &rn);
            beta = rn / rr;
            rr = rn;
            gsl_vector_scale(d, beta);
            gsl_vector_add(d, r);
        }
        if (st == BL_OK && sqrt(rr) > 1e-8 * r0) st = BL_EMAXITER;
    }
    if (st == BL_OK) {
        const svd_t *v = svd_at(s, th);
        size_t k = v->r - 1;
        to_int(s, x, X);                               /* ξ */
        gsl_vector_const_view u = gsl_matrix_const_column(v->U, k);
        gsl_vector_const_view w = gsl_matrix_const_column(v->V, k);
        gsl_vector *t = gsl_vector_alloc(s->M);
        double a, l = lam(om);
        gsl_blas_dgemv(CblasNoTrans, 1.0, X, &w.vector, 0.0, t);
        gsl_blas_ddot(&u.vector, t, &a);
        *ds = -gsl_vector_get(v->S, k) / a;
        normal_part(s, v);
        double nw = s->nn2 / l;
        gsl_matrix_mul_elements(X, s->mask);           /* P_⊥(P_Ω ξ) */
        proj_T(v, X, Q);
        gsl_matrix_sub(X, Q);
        svd_of(&s->sz, s->Nn);                         /* u_N, v_N */
        gsl_vector_const_view un = gsl_matrix_const_column(s->sz.U, 0);
        gsl_vector_const_view vn = gsl_matrix_const_column(s->sz.V, 0);
        gsl_blas_dgemv(CblasNoTrans, 1.0, X, &vn.vector, 0.0, t);
        gsl_blas_ddot(&un.vector, t, &a);
        *dw = (1.0 - nw) / (a / l - nw);
        gsl_vector_free(t);
    }
    gsl_vector_free(x);
    gsl_vector_free(r);
    gsl_vector_free(d);
    gsl_vector_free(hd);
    gsl_vector_free(one);
    gsl_matrix_free(X);
    gsl_matrix_free(Q);
    return st;
}

static int mc_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    mc_state *s = P->state;
    double l = lam(om), resid = NAN, dks = NAN, dkw = NAN;
    /* is θ a solution?  ‖θ − Φ(θ)‖ with the soft-impute step η = 1 */
    {
        gsl_vector *t = gsl_vector_alloc(P->p);
        if (t) {
            mc_step(P, th, om, 1.0, t);
            gsl_vector_sub(t, th);
            resid = gsl_blas_dnrm2(t) / fmax(1.0, gsl_blas_dnrm2(th));
            gsl_vector_free(t);
        }
    }
    const svd_t *v = svd_at(s, th);
    if (v->r > 0 && resid <= 1e-6 && kink_estimates(P, th, om, &dks, &dkw) != BL_OK)
        dks = dkw = NAN;
    v = svd_at(s, th);
    size_t k = 0, r = v->r;
    int w;
#define PUT(...) do { if (k < len) { w = snprintf(buf + k, len - k, __VA_ARGS__); \
                                     k += w > 0 ? (size_t)w : 0; } } while (0)
    PUT("rank of Θ: %zu (singular values", r);
    for (size_t i = 0; i < r && i < 6; i++) PUT("%s %.4g", i ? "," : "", gsl_vector_get(v->S, i));
    PUT("%s)", r > 6 ? ", …" : r == 0 ? " all 0" : "");
    /* error against the true M, on every entry */
    double e = 0, m = 0;
    for (size_t a = 0; a < s->M; a++)
        for (size_t b = 0; b < s->N; b++) {
            double t = gsl_matrix_get(s->truth, a, b);
            e += (gsl_matrix_get(s->A, a, b) - t) * (gsl_matrix_get(s->A, a, b) - t);
            m += t * t;
        }
    PUT("; ‖Θ − M‖_F/‖M‖_F = %.4g (M the noiseless matrix)\n", sqrt(e / m));
    if (r > 0) {
        normal_part(s, v);
        PUT("on the rank-%zu manifold F is smooth; the rank drops where s_r = %.4g reaches 0 "
            "and grows where ‖W‖₂ = ‖P_⊥∇f‖₂/λ = %.4g reaches 1 (W the normal part of the "
            "subgradient, at θ*)", r, gsl_vector_get(v->S, r - 1), s->nn2 / l);
        if (isfinite(dks) && isfinite(dkw))
            PUT("\nfirst-order estimates from dΘ*(ω)/dω: the rank drops to %zu near ω = %.4g and "
                "grows to %zu near ω = %.4g", r - 1, gsl_vector_get(om, 0) + dks, r + 1,
                gsl_vector_get(om, 0) + dkw);
        else if (!(resid <= 1e-6))
            PUT("\nθ is not an inner solution (‖θ − Φ(θ)‖/‖θ‖ = %.3g): no kink estimates",
                resid);
    } else {
        PUT("Θ = 0: F is flat in ω while λ = %.4g ≥ σ₁(P_Ω(Y)) = %.4g", l, s->lam_max);
    }
    if (s->nobs == s->rows * s->cols && k < len) {
        /* fully observed: θ* = SVT_λ(Y), kinks exactly at ω = log σ_i(Y) */
        if (svd_of(&s->sz, s->Y) == BL_OK) {
            size_t n = s->sz.S->size, i = 0;
            while (i < n && gsl_vector_get(s->sz.S, i) > l) i++;
            PUT("\nfully observed: θ* = SVT_λ(Y) has rank %zu; kinks of F at ω = log σ_i(Y)", i);
            if (i > 0) PUT(", the nearest above ω at %.6g (rank %zu → %zu)",
                           log(gsl_vector_get(s->sz.S, i - 1)), i, i - 1);
            if (i < n) PUT(", the nearest below ω at %.6g (rank %zu → %zu)",
                           log(gsl_vector_get(s->sz.S, i)), i, i + 1);
        }
    } else if (k < len) {
        PUT("\nλ = e^ω = %.4g; Θ* = 0 for λ ≥ σ₁(P_Ω(Y)) = %.4g; %zu entries observed, %zu "
            "held out", l, s->lam_max, s->nobs, s->nval);
    }
#undef PUT
    return BL_OK;
}

/* init's peak: about sixteen rows × cols matrices (data, masks, the
 * SVD and its workspace) and two cols × cols ones */
static double mc_bytes(const double *par, const bl_dataset *data)
{
    (void)data;
    double M = par[PAR_ROWS], N = par[PAR_COLS];
    return bl_mem_dense(16.0 * M + 2.0 * N, N);
}

const bl_problem_type bl_problem_matcomp = {
    .name = "matcomp",
    .summary = "matrix completion with a nuclear norm e^ω‖Θ‖_*; non-smooth (rank manifold)",
    .inner_text = "G(θ, ω) = ½‖P_Ω(Θ − Y)‖² + e^ω ‖Θ‖_*",
    .outer_text = "L(θ, ω) = (1/2|Ω_v|)‖P_{Ω_v}(Θ − Y_v)‖² (held-out entries)",
    .notes =
        "θ = vec(Θ) ∈ R^{rows·cols} (row by row), ω ∈ R, λ = e^ω.  M = U₀V₀ᵀ/√rank "
        "(Gaussian factors), Y and Y_v two noisy copies (noise·N(0, 1)); Ω: each entry "
        "observed with probability frac; Ω_v: the other entries (every entry when all "
        "are observed).  mt19937 from seed.\n"
        "Non-smooth: inner solvers ista and fista, Φ(θ) = SVT_{ηλ}(Θ − ηP_Ω(Θ − Y)) "
        "(singular-value soft-thresholding by GSL's SVD), residual ‖θ − Φ(θ)‖/η.\n"
        "Hypergradients by implicit differentiation on the manifold of rank-r matrices "
        "at Θ (the matrix analogue of lasso's support): ∇θG = P_Ω(Θ − Y) + λUVᵀ, "
        "C = λ⟨UVᵀ, ·⟩, H = Riemannian Hessian on the tangent space T plus the "
        "identity on its complement (see doc/problems/matcomp.md), so exact, cg, "
        "neumann and fp solve the restricted system; reverse, forward and truncated "
        "differentiate through the SVT steps.  F is smooth while the rank stays the "
        "same and kinked where it changes; show reports the rank and its margins.\n"
        "Closed forms when fully observed (frac=1): θ* = SVT_λ(Y), dθ*/dω = −λU₊V₊ᵀ "
        "over σ_i(Y) > λ, kinks at ω = log σ_i(Y).  Default ω = log(σ₁(P_Ω(Y))/10).",
    .params = mc_params,
    .nparams = NPAR,
    .flags = BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .init = mc_init,
    .free = mc_free,
    .clone = mc_clone,
    .G = mc_G,
    .L = mc_L,
    .G_theta = mc_G_theta,
    .G_omega = mc_G_omega,
    .L_theta = mc_L_theta,
    .L_omega = mc_L_omega,
    .hvp = mc_hvp,
    .cvp = mc_cvp,
    .ctvp = mc_ctvp,
    .theta_star = mc_theta_star,
    .hypergrad = mc_hypergrad,
    .lipschitz = mc_lipschitz,
    .omega0 = mc_omega0,
    .report = mc_report,
    .step = mc_step,
    .step_vjp = mc_step_vjp,
    .step_jvp = mc_step_jvp,
    .solver = "fista",
    .estimators = "exact cg fd",
    .bytes = mc_bytes,
};
