/* ivreg.c: instrumental-variable regression as a bilevel problem, the
 * two-stage least squares behind functional bilevel optimisation
 * (doc/problems/ivreg.md; Petrulionytė, Mairal and Arbel 2024).
 *
 *   model=linear  θ ∈ R^q:  G(θ, β) = (1/2n)‖Zθ − Tβ‖² + (λ/2)‖θ‖²
 *                           L(θ, β) = (1/2n)‖y − Zθ‖²
 *   model=kernel  θ = u ∈ R^n (the stage-1 prediction at the n samples):
 *                           G(u, β) = (1/2n)‖u − Tβ‖² + (λ/2) uᵀK⁻¹u
 *                           L(u, β) = (1/2n)‖y − u‖²
 *
 * ω = β ∈ R^k, the outcome model's coefficients on the k treatments.  The
 * inner problem is stage 1: it regresses the outcome model applied to the
 * treatments, Tβ, on the q instruments Z (ridge, or kernel ridge with
 * kernel K); the outer problem is stage 2: the outcome fitted through the
 * stage-1 prediction.  Both models have θ* linear in β, the stage-1
 * prediction T̂β with T̂ = K(K + nλI)⁻¹T (K = ZZᵀ for model=linear), and
 * so F(β) = (1/2n)‖y − T̂β‖², minimised by the 2SLS estimate
 * β̂ = (T̂ᵀT̂)⁻¹T̂ᵀy.  model=linear's H = ZᵀZ/n + λI is q×q and has q − n
 * eigenvalues λ when q > n; model=kernel's H = I/n + λK⁻¹ is n×n with
 * every eigenvalue ≥ 1/n: the functional (function-value) coordinates. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "closed.h"

enum {
    PAR_MODEL, PAR_N, PAR_Q, PAR_K, PAR_STRENGTH, PAR_CONFOUND, PAR_NOISE, PAR_LAMBDA,
    PAR_KERNEL, PAR_WIDTH, PAR_SEED, NPAR
};
enum { MODEL_LINEAR, MODEL_KERNEL };
enum { KERNEL_LINEAR, KERNEL_GAUSS };

static const char *const model_names[] = {"linear", "kernel", NULL};
static const char *const kernel_names[] = {"linear", "gauss", NULL};

static const bl_param iv_params[NPAR] = {
    {"model", 0, 0, 1, 1, "stage-1 model: linear (θ ∈ R^q, weights on the instruments) or "
     "kernel (θ ∈ R^n, the kernel ridge prediction at the samples)", model_names},
    {"n", 100, 3, 4000, 1, "samples", NULL},
    {"q", 10, 1, 2000, 1, "instruments (features of the instrument)", NULL},
    {"k", 2, 1, 20, 1, "treatments (dimension of ω = β)", NULL},
    {"strength", 2, 0, 1e3, 0, "instrument strength: T = strength·Zπ + U + ν", NULL},
    {"confound", 1, 0, 1e3, 0, "weight of the confounder U in the outcome", NULL},
    {"noise", 0.1, 0, 1e3, 0, "standard deviation of the outcome noise", NULL},
    {"lambda", 1e-3, 0, 1e6, 0, "stage-1 ridge strength λ", NULL},
    {"kernel", 1, 0, 1, 1, "kernel of model=kernel: linear (K = ZZᵀ, the same model as "
     "model=linear) or gauss", kernel_names},
    {"width", 1, 1e-6, 1e6, 0, "gauss kernel: exp(−‖z − z'‖²/(2 width² q))", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator of the data", NULL},
};

typedef struct {
    int model, kernel;
    size_t n, q, k;
    double lam;
    gsl_matrix *Z;        /* n×q instruments */
    gsl_matrix *T;        /* n×k treatments */
    gsl_vector *y;        /* n outcomes */
    gsl_vector *beta;     /* k, the true coefficients */
    gsl_matrix *That;     /* n×k stage-1 prediction T̂ (NULL: not defined) */
    gsl_matrix *B;        /* q×k, θ* = Bβ (model=linear; NULL when H is singular) */
    gsl_matrix *Kc;       /* n×n Cholesky factor of K (model=kernel, λ > 0) */
    gsl_vector *wn, *wn2, *wq, *wk;   /* workspace */
} iv_state;

static void iv_state_free(iv_state *s)
{
    if (!s) return;
    gsl_matrix_free(s->Z);
    gsl_matrix_free(s->T);
    gsl_vector_free(s->y);
    gsl_vector_free(s->beta);
    gsl_matrix_free(s->That);
    gsl_matrix_free(s->B);
    gsl_matrix_free(s->Kc);
    gsl_vector_free(s->wn);
    gsl_vector_free(s->wn2);
    gsl_vector_free(s->wq);
    gsl_vector_free(s->wk);
    free(s);
}

static iv_state *iv_state_alloc(size_t n, size_t q, size_t k)
{
    iv_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->n = n;
    s->q = q;
    s->k = k;
    s->Z = gsl_matrix_alloc(n, q);
    s->T = gsl_matrix_alloc(n, k);
    s->y = gsl_vector_alloc(n);
    s->beta = gsl_vector_alloc(k);
    s->wn = gsl_vector_alloc(n);
    s->wn2 = gsl_vector_alloc(n);
    s->wq = gsl_vector_alloc(q);
    s->wk = gsl_vector_alloc(k);
    if (!s->Z || !s->T || !s->y || !s->beta || !s->wn || !s->wn2 || !s->wq || !s->wk) {
        iv_state_free(s);
        return NULL;
    }
    return s;
}

static gsl_matrix *mat_dup(const gsl_matrix *A)
{
    if (!A) return NULL;
    gsl_matrix *B = gsl_matrix_alloc(A->size1, A->size2);
    if (B) gsl_matrix_memcpy(B, A);
    return B;
}

/* K (n×n, both triangles): ZZᵀ, or exp(−‖z_i − z_j‖²/(2 width² q)) */
static void kernel_matrix(const iv_state *s, double width, gsl_matrix *K)
{
    if (s->kernel == KERNEL_LINEAR || s->model == MODEL_LINEAR) {
        gsl_blas_dsyrk(CblasLower, CblasNoTrans, 1.0, s->Z, 0.0, K);
    } else {
        double c = 1.0 / (2.0 * width * width * (double)s->q);
        for (size_t i = 0; i < s->n; i++)
            for (size_t j = 0; j <= i; j++) {
                double d2 = 0;
                for (size_t l = 0; l < s->q; l++) {
                    double t = gsl_matrix_get(s->Z, i, l) - gsl_matrix_get(s->Z, j, l);
                    d2 += t * t;
                }
                gsl_matrix_set(K, i, j, exp(-c * d2));
            }
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(K, j, i, gsl_matrix_get(K, i, j));
}

/* The stage-1 pieces: T̂, B (model=linear) and the factor of K
 * (model=kernel).  BL_ENOTPD when model=kernel needs K⁻¹ and K is singular. */
static int stage1(iv_state *s, double width, bl_err *e)
{
    size_t n = s->n, q = s->q, k = s->k;
    double nl = (double)n * s->lam;
    int st = BL_OK;
    s->That = gsl_matrix_alloc(n, k);
    if (!s->That) return BL_ENOMEM;
    if (s->model == MODEL_LINEAR && q <= n) {
        /* B = (ZᵀZ + nλI)⁻¹ZᵀT (q×q), T̂ = ZB */
        gsl_matrix *A = gsl_matrix_alloc(q, q);
        s->B = gsl_matrix_alloc(q, k);
        if (!A || !s->B) {
            gsl_matrix_free(A);
            return BL_ENOMEM;
        }
        gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, s->Z, 0.0, A);
        for (size_t i = 0; i < q; i++) gsl_matrix_set(A, i, i, gsl_matrix_get(A, i, i) + nl);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, s->Z, s->T, 0.0, s->B);
        if (gsl_linalg_cholesky_decomp1(A) == GSL_SUCCESS) {
            for (size_t j = 0; j < k; j++) {
                gsl_vector_view c = gsl_matrix_column(s->B, j);
                gsl_linalg_cholesky_svx(A, &c.vector);
            }
            gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, s->Z, s->B, 0.0, s->That);
        } else {                       /* rank-deficient instruments, λ = 0 */
            gsl_matrix_free(s->B);
            s->B = NULL;
            gsl_matrix_free(s->That);
            s->That = NULL;
        }
        gsl_matrix_free(A);
        return BL_OK;
    }
    /* n×n: M = K + nλI, X = M⁻¹T; T̂ = T − nλX (= K M⁻¹T); model=linear:
     * B = ZᵀX (θ* exists only for λ > 0: else H = ZᵀZ/n is singular) */
    gsl_matrix *K = gsl_matrix_alloc(n, n), *M = gsl_matrix_alloc(n, n);
    gsl_matrix *X = gsl_matrix_alloc(n, k);
    if (!K || !M || !X) {
        st = BL_ENOMEM;
        goto done;
    }
    kernel_matrix(s, width, K);
    if (s->model == MODEL_KERNEL && nl == 0) {
        gsl_matrix_memcpy(s->That, s->T);      /* u* = Tβ: no stage 1 at all */
        goto done;
    }
    gsl_matrix_memcpy(M, K);
    for (size_t i = 0; i < n; i++) gsl_matrix_set(M, i, i, gsl_matrix_get(M, i, i) + nl);
    if (gsl_linalg_cholesky_decomp1(M) == GSL_SUCCESS) {
        gsl_matrix_memcpy(X, s->T);
        for (size_t j = 0; j < k; j++) {
            gsl_vector_view c = gsl_matrix_column(X, j);
            gsl_linalg_cholesky_svx(M, &c.vector);
        }
        gsl_matrix_memcpy(s->That, s->T);
        if (nl > 0) {
            gsl_matrix_scale(X, nl);
            gsl_matrix_sub(s->That, X);
            gsl_matrix_scale(X, 1.0 / nl);
        }
        if (s->model == MODEL_LINEAR && s->lam > 0) {
            s->B = gsl_matrix_alloc(q, k);
            if (!s->B) {
                st = BL_ENOMEM;
                goto done;
            }
            gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, s->Z, X, 0.0, s->B);
        }
    } else {
        gsl_matrix_free(s->That);
        s->That = NULL;
    }
    if (s->model == MODEL_KERNEL && s->lam > 0) {
        if (gsl_linalg_cholesky_decomp1(K) != GSL_SUCCESS) {
            st = BL_ENOTPD;
            bl_err_set(e, st, "the kernel matrix K (%zu×%zu) is singular: kernel=linear "
                       "needs q ≥ n instruments (K = ZZᵀ has rank q = %zu), or use "
                       "kernel=gauss or lambda=0", n, n, q);
            goto done;
        }
        s->Kc = K;
        K = NULL;
    }
done:
    gsl_matrix_free(K);
    gsl_matrix_free(M);
    gsl_matrix_free(X);
    return st;
}

static int iv_init(bl_problem *P, bl_err *e)
{
    size_t n = (size_t)P->par[PAR_N], q = (size_t)P->par[PAR_Q], k = (size_t)P->par[PAR_K];
    iv_state *s = iv_state_alloc(n, q, k);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *Pi = gsl_matrix_alloc(k, q);
    int st = BL_OK;
    if (!s || !r || !Pi) {
        st = BL_ENOMEM;
        bl_err_set(e, st, "out of memory building ivreg with n=%zu q=%zu", n, q);
        goto done;
    }
    s->model = (int)P->par[PAR_MODEL];
    s->kernel = (int)P->par[PAR_KERNEL];
    s->lam = P->par[PAR_LAMBDA];
    double a = P->par[PAR_STRENGTH], c = P->par[PAR_CONFOUND], sd = P->par[PAR_NOISE];
    /* Draw order (gsl_ran_gaussian on mt19937 seeded with seed): π (k×q,
     * row by row, each row then scaled to unit norm); then per sample i:
     * z_i (q), u_i, ν_i (k), ε_i. */
    gsl_rng_set(r, (unsigned long)P->par[PAR_SEED]);
    for (size_t j = 0; j < k; j++) {
        gsl_vector_view row = gsl_matrix_row(Pi, j);
        for (size_t l = 0; l < q; l++) gsl_vector_set(&row.vector, l, gsl_ran_gaussian(r, 1.0));
        double nr = gsl_blas_dnrm2(&row.vector);
        if (nr > 0) gsl_vector_scale(&row.vector, 1.0 / nr);
    }
    for (size_t j = 0; j < k; j++) gsl_vector_set(s->beta, j, pow(-0.5, (double)j));
    for (size_t i = 0; i < n; i++) {
        gsl_vector_view zi = gsl_matrix_row(s->Z, i);
        for (size_t l = 0; l < q; l++) gsl_vector_set(&zi.vector, l, gsl_ran_gaussian(r, 1.0));
        double u = gsl_ran_gaussian(r, 1.0), yi = 0;
        for (size_t j = 0; j < k; j++) {
            gsl_vector_const_view pj = gsl_matrix_const_row(Pi, j);
            double zp, t;
            gsl_blas_ddot(&zi.vector, &pj.vector, &zp);
            t = a * zp + u + gsl_ran_gaussian(r, 1.0);
            gsl_matrix_set(s->T, i, j, t);
            yi += gsl_vector_get(s->beta, j) * t;
        }
        gsl_vector_set(s->y, i, yi + c * u + sd * gsl_ran_gaussian(r, 1.0));
    }
    st = stage1(s, P->par[PAR_WIDTH], e);
    if (st == BL_ENOMEM) bl_err_set(e, st, "out of memory building ivreg with n=%zu", n);
    if (st) goto done;
    P->p = s->model == MODEL_LINEAR ? q : n;
    P->d = k;
    P->state = s;
    s = NULL;
done:
    iv_state_free(s);
    gsl_rng_free(r);
    gsl_matrix_free(Pi);
    return st;
}

static void iv_free(bl_problem *P)
{
    iv_state_free(P->state);
    P->state = NULL;
}

static int iv_clone(const bl_problem *src, bl_problem *dst)
{
    const iv_state *a = src->state;
    iv_state *b = iv_state_alloc(a->n, a->q, a->k);
    if (!b) return BL_ENOMEM;
    b->model = a->model;
    b->kernel = a->kernel;
    b->lam = a->lam;
    gsl_matrix_memcpy(b->Z, a->Z);
    gsl_matrix_memcpy(b->T, a->T);
    gsl_vector_memcpy(b->y, a->y);
    gsl_vector_memcpy(b->beta, a->beta);
    b->That = mat_dup(a->That);
    b->B = mat_dup(a->B);
    b->Kc = mat_dup(a->Kc);
    if ((a->That && !b->That) || (a->B && !b->B) || (a->Kc && !b->Kc)) {
        iv_state_free(b);
        return BL_ENOMEM;
    }
    dst->state = b;
    return BL_OK;
}

/* s->wn ← the stage-1 prediction at the samples: Zθ or u */
static const gsl_vector *prediction(iv_state *s, cvec *th)
{
    if (s->model == MODEL_KERNEL) return th;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->Z, th, 0.0, s->wn);
    return s->wn;
}

/* s->wn2 ← prediction − Tβ */
static void stage1_residual(iv_state *s, cvec *th, cvec *om)
{
    const gsl_vector *f = prediction(s, th);
    gsl_vector_memcpy(s->wn2, f);
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->T, om, 1.0, s->wn2);
}

/* out ← K⁻¹v (model=kernel, λ > 0) */
static void kinv(const iv_state *s, cvec *v, gsl_vector *out)
{
    gsl_vector_memcpy(out, v);
    gsl_linalg_cholesky_svx(s->Kc, out);
}

/* the regulariser (λ/2)‖θ‖² or (λ/2)uᵀK⁻¹u; s->wn holds K⁻¹u after a
 * kernel call (clobbers the prediction) */
static double penalty(iv_state *s, cvec *th)
{
    if (s->lam == 0) return 0;
    double t;
    if (s->model == MODEL_LINEAR) {
        t = gsl_blas_dnrm2(th);
        return 0.5 * s->lam * t * t;
    }
    kinv(s, th, s->wn);
    gsl_blas_ddot(th, s->wn, &t);
    return 0.5 * s->lam * t;
}

static double iv_G(bl_problem *P, cvec *th, cvec *om)
{
    iv_state *s = P->state;
    stage1_residual(s, th, om);
    double r = gsl_blas_dnrm2(s->wn2);
    return 0.5 * r * r / (double)s->n + penalty(s, th);
}

static double iv_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    iv_state *s = P->state;
    const gsl_vector *f = prediction(s, th);
    gsl_vector_memcpy(s->wn2, s->y);
    gsl_vector_sub(s->wn2, f);
    double r = gsl_blas_dnrm2(s->wn2);
    return 0.5 * r * r / (double)s->n;
}

/* out += λθ (linear) or λK⁻¹v (kernel), times A */
static void add_penalty_grad(iv_state *s, double a, cvec *v, gsl_vector *out)
{
    if (s->lam == 0) return;
    if (s->model == MODEL_LINEAR) {
        gsl_blas_daxpy(a * s->lam, v, out);
        return;
    }
    kinv(s, v, s->wn);
    gsl_blas_daxpy(a * s->lam, s->wn, out);
}

/* out ← Zᵀr/n (linear) or r/n (kernel): the adjoint of the prediction */
static void pred_adjoint(iv_state *s, cvec *r, gsl_vector *out)
{
    double c = 1.0 / (double)s->n;
    if (s->model == MODEL_LINEAR) {
        gsl_blas_dgemv(CblasTrans, c, s->Z, r, 0.0, out);
    } else {
        gsl_vector_memcpy(out, r);
        gsl_vector_scale(out, c);
    }
}

/* ∇θG = Zᵀ(Zθ − Tβ)/n + λθ;  ∇uG = (u − Tβ)/n + λK⁻¹u */
static void iv_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    iv_state *s = P->state;
    stage1_residual(s, th, om);
    pred_adjoint(s, s->wn2, g);
    add_penalty_grad(s, 1.0, th, g);
}

/* ∇βG = −Tᵀ(prediction − Tβ)/n */
static void iv_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    iv_state *s = P->state;
    stage1_residual(s, th, om);
    gsl_blas_dgemv(CblasTrans, -1.0 / (double)s->n, s->T, s->wn2, 0.0, g);
}

/* ∇θL = −Zᵀ(y − Zθ)/n;  ∇uL = −(y − u)/n */
static void iv_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    iv_state *s = P->state;
    const gsl_vector *f = prediction(s, th);
    gsl_vector_memcpy(s->wn2, f);
    gsl_vector_sub(s->wn2, s->y);
    pred_adjoint(s, s->wn2, g);
}

static void iv_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

/* H v = Zᵀ(Zv)/n + λv;  H v = v/n + λK⁻¹v */
static void iv_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    iv_state *s = P->state;
    const gsl_vector *f = prediction(s, v);
    gsl_vector_memcpy(s->wn2, f);
    pred_adjoint(s, s->wn2, out);
    add_penalty_grad(s, 1.0, v, out);
}

/* C = ∂β∇θG = −TᵀZ/n (k×q) or −Tᵀ/n (k×n): C v = −Tᵀ(prediction of v)/n */
static void iv_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    iv_state *s = P->state;
    const gsl_vector *f = prediction(s, v);
    gsl_blas_dgemv(CblasTrans, -1.0 / (double)s->n, s->T, f, 0.0, out);
}

/* Cᵀw = −ZᵀTw/n or −Tw/n */
static void iv_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *w, gsl_vector *out)
{
    (void)th, (void)om;
    iv_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->T, w, 0.0, s->wn2);
    pred_adjoint(s, s->wn2, out);
}

/* ZᵀZ/n + λI, or I/n + λK⁻¹ (K⁻¹ from the stored factor) */
static int iv_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th, (void)om;
    iv_state *s = P->state;
    size_t p = P->p;
    if (s->model == MODEL_LINEAR) {
        gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0 / (double)s->n, s->Z, 0.0, H);
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < i; j++) gsl_matrix_set(H, j, i, gsl_matrix_get(H, i, j));
        for (size_t i = 0; i < p; i++) gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + s->lam);
        return BL_OK;
    }
    if (s->lam > 0) {
        gsl_matrix_memcpy(H, s->Kc);
        if (gsl_linalg_cholesky_invert(H) != GSL_SUCCESS) return BL_ENOTPD;
        gsl_matrix_scale(H, s->lam);
    } else {
        gsl_matrix_set_zero(H);
    }
    for (size_t i = 0; i < p; i++)
        gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + 1.0 / (double)s->n);
    return BL_OK;
}

/* θ* = Bβ (linear) or u* = T̂β (kernel) */
static int iv_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    iv_state *s = P->state;
    if (s->model == MODEL_LINEAR) {
        if (!s->B) return BL_ENOTPD;
        gsl_blas_dgemv(CblasNoTrans, 1.0, s->B, om, 0.0, th);
        return BL_OK;
    }
    if (!s->That) return BL_ENOTPD;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->That, om, 0.0, th);
    return BL_OK;
}

/* ∇F(β) = −T̂ᵀ(y − T̂β)/n, from F(β) = (1/2n)‖y − T̂β‖² */
static int iv_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    iv_state *s = P->state;
    if (!s->That || (s->model == MODEL_LINEAR && !s->B)) return BL_ENOTPD;
    gsl_vector_memcpy(s->wn2, s->y);
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->That, om, 1.0, s->wn2);
    gsl_blas_dgemv(CblasTrans, -1.0 / (double)s->n, s->That, s->wn2, 0.0, g);
    return BL_OK;
}

/* (AᵀA)⁻¹Aᵀy by Cholesky of the k×k normal matrix; F ← (1/2n)‖y − Aβ‖² */
static int least_squares(const gsl_matrix *A, const gsl_vector *y, gsl_vector *beta,
                         double *F)
{
    size_t n = A->size1, k = A->size2;
    gsl_matrix *N = gsl_matrix_alloc(k, k);
    gsl_vector *r = gsl_vector_alloc(n);
    int st = N && r ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, A, A, 0.0, N);
        gsl_blas_dgemv(CblasTrans, 1.0, A, y, 0.0, beta);
        if (gsl_linalg_cholesky_decomp1(N) != GSL_SUCCESS
            || gsl_linalg_cholesky_svx(N, beta) != GSL_SUCCESS)
            st = BL_ENOTPD;
    }
    if (st == BL_OK && F) {
        gsl_vector_memcpy(r, y);
        gsl_blas_dgemv(CblasNoTrans, -1.0, A, beta, 1.0, r);
        double t = gsl_blas_dnrm2(r);
        *F = 0.5 * t * t / (double)n;
    }
    gsl_matrix_free(N);
    gsl_vector_free(r);
    return st;
}

int bl_ivreg_2sls(bl_problem *P, gsl_vector *beta_hat, double *F)
{
    if (!P || P->type != &bl_problem_ivreg) return BL_EINVAL;
    iv_state *s = P->state;
    if (!beta_hat || beta_hat->size != s->k) return BL_EDIM;
    if (!s->That) return BL_ENOTPD;
    return least_squares(s->That, s->y, beta_hat, F);
}

int bl_ivreg_ols(bl_problem *P, gsl_vector *beta_ols)
{
    if (!P || P->type != &bl_problem_ivreg) return BL_EINVAL;
    iv_state *s = P->state;
    if (!beta_ols || beta_ols->size != s->k) return BL_EDIM;
    return least_squares(s->T, s->y, beta_ols, NULL);
}

/* "[a, b, …]" of V into BUF */
static void vec_text(const gsl_vector *v, char *buf, size_t len)
{
    size_t k = 0, shown = v->size < 6 ? v->size : 6;
    buf[0] = '\0';
    for (size_t i = 0; i < shown && k < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s%.6g", i ? ", " : "", gsl_vector_get(v, i));
    if (shown < v->size && k < len) snprintf(buf + k, len - k, ", …");
}

static int iv_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    iv_state *s = P->state;
    size_t k = bl_report_closed(P, th, om, buf, len);
    if (k + 1 >= len) return BL_OK;
    buf[k++] = '\n';
    gsl_vector *b = gsl_vector_alloc(s->k);
    char v1[160], v2[160], v3[160];
    double F = NAN;
    if (!b) return BL_OK;
    int st = bl_ivreg_2sls(P, b, &F);
    if (st == BL_OK) vec_text(b, v1, sizeof v1);
    else snprintf(v1, sizeof v1, "(undefined: T̂ᵀT̂ is singular)");
    if (bl_ivreg_ols(P, b) == BL_OK) vec_text(b, v2, sizeof v2);
    else snprintf(v2, sizeof v2, "(undefined)");
    vec_text(s->beta, v3, sizeof v3);
    snprintf(buf + k, len - k, "2SLS optimum β̂ = (T̂ᵀT̂)⁻¹T̂ᵀy = [%s], F(β̂) = %.6g\n"
             "OLS of y on T (biased by the confounder) = [%s]; true β = [%s]",
             v1, F, v2, v3);
    gsl_vector_free(b);
    return BL_OK;
}

/* init's peak: the n × n kernel K and M = K + nλI, the n × q instruments,
 * the n × k treatments and their copies, the q × q stage-1 system */
static double iv_bytes(const double *par, const bl_dataset *data)
{
    (void)data;
    double n = par[PAR_N], q = par[PAR_Q], k = par[PAR_K];
    return bl_mem_dense(n, 2.0 * n + 2.0 * q + 6.0 * k) + bl_mem_dense(q, q + 2.0 * k);
}

const bl_problem_type bl_problem_ivreg = {
    .name = "ivreg",
    .summary = "instrumental-variable regression: 2SLS as a bilevel problem (linear or kernel stage 1)",
    .inner_text = "G(θ, β) = (1/2n)‖Zθ − Tβ‖² + (λ/2)‖θ‖² (model=kernel: θ = u ∈ R^n, "
                  "(1/2n)‖u − Tβ‖² + (λ/2)uᵀK⁻¹u)",
    .outer_text = "L(θ, β) = (1/2n)‖y − Zθ‖² (model=kernel: (1/2n)‖y − u‖²)",
    .notes =
        "ω = β ∈ R^k, the outcome model y ≈ Tβ on k treatments; Z (n×q) the instruments. "
        "Data: π_j (j < k) unit vectors in R^q; per sample z ~ N(0, I_q), a confounder "
        "u ~ N(0, 1), T_j = strength·zᵀπ_j + u + ν_j, y = Σ_j β_j T_j + confound·u + "
        "noise·ε with the true β_j = (−½)^j (mt19937 seeded with seed: π row by row, then "
        "per sample z, u, ν, ε).  OLS of y on T is biased by u; the instruments are not.\n"
        "Stage 1 (inner) regresses Tβ on the instruments; stage 2 (outer) fits y through "
        "the stage-1 prediction.  model=linear: θ ∈ R^q, H = ZᵀZ/n + λI, C = −TᵀZ/n: when "
        "q > n, H has q − n eigenvalues equal to λ (singular at λ = 0).  model=kernel: "
        "θ = u ∈ R^n the kernel ridge prediction at the samples (function-space "
        "coordinates), H = I/n + λK⁻¹ ≥ I/n, C = −Tᵀ/n; K = ZZᵀ (kernel=linear: the same "
        "model as model=linear, same F) or exp(−‖z − z'‖²/(2 width² q)).\n"
        "Closed forms: θ* = (ZᵀZ + nλI)⁻¹ZᵀTβ, u* = T̂β with the stage-1 prediction "
        "T̂ = K(K + nλI)⁻¹T; F(β) = (1/2n)‖y − T̂β‖², ∇F = −T̂ᵀ(y − T̂β)/n; the outer "
        "optimum is the 2SLS estimate β̂ = (T̂ᵀT̂)⁻¹T̂ᵀy (show prints it, OLS and the "
        "true β).  λ stays a parameter: minimising stage 2 over λ would send λ → 0, "
        "T̂ → T when q ≥ n, and β̂ back to OLS.",
    .params = iv_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .solver = "newton",
    .init = iv_init,
    .free = iv_free,
    .clone = iv_clone,
    .G = iv_G,
    .L = iv_L,
    .G_theta = iv_G_theta,
    .G_omega = iv_G_omega,
    .L_theta = iv_L_theta,
    .L_omega = iv_L_omega,
    .hvp = iv_hvp,
    .cvp = iv_cvp,
    .ctvp = iv_ctvp,
    .hessian = iv_hessian,
    .theta_star = iv_theta_star,
    .hypergrad = iv_hypergrad,
    .report = iv_report,
    .bytes = iv_bytes,
};
