/* quadratic.c: the quadratic teaching problem (doc/catalogue.md,
 * "Problems (first catalogue)", `quadratic`).
 *
 *   G(θ, ω) = ½ θᵀAθ − θᵀBω,   L(θ, ω) = ½‖θ − θ_t‖² + (μ/2)‖ω‖²,
 *
 * A = Q diag(λ) Qᵀ with λ_i = kappa^{i/(p−1)}, so H = A has condition
 * number kappa, and C = −Bᵀ (d×p).  Everything has a closed form. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "closed.h"

enum { PAR_P, PAR_D, PAR_KAPPA, PAR_MU, PAR_SEED, NPAR };

static const bl_param quad_params[NPAR] = {
    {"p", 20, 1, 5000, 1, "dimension of θ", NULL},
    {"d", 5, 1, 5000, 1, "dimension of ω", NULL},
    {"kappa", 100, 1, 1e12, 0, "condition number of A (eigenvalues log-spaced from 1 to kappa)", NULL},
    {"mu", 0.1, 0, 1e6, 0, "weight of (μ/2)‖ω‖² in L", NULL},
    {"seed", 0, 0, 4294967295.0, 1, "seed of the mt19937 generator drawing Q, B and θ_t", NULL},
};

typedef struct {
    gsl_matrix *A;        /* p×p, Q diag(λ) Qᵀ, exactly symmetric */
    gsl_matrix *Q;        /* p×p orthogonal, column i the eigenvector of λ_i */
    gsl_vector *lam;      /* p eigenvalues, increasing */
    gsl_matrix *B;        /* p×d */
    gsl_vector *theta_t;  /* p */
    gsl_matrix *M;        /* p×d, A⁻¹B: the Jacobian of θ*(ω) */
    double mu;
    gsl_vector *wp, *wd;  /* workspace, p and d */
} quad_state;

static void quad_state_free(quad_state *s)
{
    if (!s) return;
    gsl_matrix_free(s->A);
    gsl_matrix_free(s->Q);
    gsl_vector_free(s->lam);
    gsl_matrix_free(s->B);
    gsl_vector_free(s->theta_t);
    gsl_matrix_free(s->M);
    gsl_vector_free(s->wp);
    gsl_vector_free(s->wd);
    free(s);
}

static quad_state *quad_state_alloc(size_t p, size_t d)
{
    quad_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->A = gsl_matrix_alloc(p, p);
    s->Q = gsl_matrix_alloc(p, p);
    s->lam = gsl_vector_alloc(p);
    s->B = gsl_matrix_alloc(p, d);
    s->theta_t = gsl_vector_alloc(p);
    s->M = gsl_matrix_alloc(p, d);
    s->wp = gsl_vector_alloc(p);
    s->wd = gsl_vector_alloc(d);
    if (!s->A || !s->Q || !s->lam || !s->B || !s->theta_t || !s->M || !s->wp
        || !s->wd) {
        quad_state_free(s);
        return NULL;
    }
    return s;
}

/* Long construction (p up to 5000: about 5p³ flops, half a minute) polls
 * Ctrl-C and reports progress between pieces of work; WORK counts the
 * flops done of the total. */
typedef struct build {
    bl_problem *P;
    double done, total;
} build;

static int tick(build *b, double flops)
{
    b->done += flops;
    return bl_problem_poll(b->P, "building quadratic", b->done, b->total);
}

/* Above this order the QR goes by panels (cancellable); below it GSL's
 * recursive QR runs in one call, under a second, with the numbers it
 * always gave. */
#define QR_BLOCKED_MIN 1024
#define QR_NB 128

/* B ← (I − V T Vᵀ)ᵀ B = B − V Tᵀ (Vᵀ B) when TRANS, else B − V T (Vᵀ B):
 * the block reflector of one panel (V m×b unit lower trapezoidal, T b×b
 * upper triangular) applied to B (m×n); W is b×n workspace. */
static void apply_reflector(const gsl_matrix *V, const gsl_matrix *T, int trans,
                            gsl_matrix *B, gsl_matrix *W)
{
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, V, B, 0.0, W);
    gsl_blas_dtrmm(CblasLeft, CblasUpper, trans ? CblasTrans : CblasNoTrans, CblasNonUnit,
                   1.0, T, W);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, -1.0, V, W, 1.0, B);
}

/* Q from the QR of Z by panels of QR_NB columns: each panel is factored by
 * GSL (Householder vectors V_k, block reflector T_k), its reflector applied
 * to the columns right of it, and at the end Q = Q_0 Q_1 ⋯ applied to the
 * identity from the last panel back.  Z is destroyed (R on and above its
 * diagonal, whose signs RDIAG gets). */
static int qr_blocked(build *bd, gsl_matrix *Z, gsl_matrix *Q, gsl_vector *rdiag)
{
    size_t p = Z->size1, np = (p + QR_NB - 1) / QR_NB;
    gsl_matrix *Ts = gsl_matrix_calloc(np * QR_NB, QR_NB);   /* T_k at rows k·NB */
    gsl_matrix *V = gsl_matrix_alloc(p, QR_NB), *W = gsl_matrix_alloc(QR_NB, p);
    int st = Ts && V && W ? BL_OK : BL_ENOMEM;
    for (size_t k = 0; st == BL_OK && k < p; k += QR_NB) {
        size_t b = p - k < QR_NB ? p - k : QR_NB, m = p - k, r = p - k - b;
        gsl_matrix_view pan = gsl_matrix_submatrix(Z, k, k, m, b);
        gsl_matrix_view T = gsl_matrix_submatrix(Ts, k, 0, b, b);
        if (gsl_linalg_QR_decomp_r(&pan.matrix, &T.matrix) != GSL_SUCCESS) {
            st = BL_EINVAL;
            break;
        }
        for (size_t j = 0; j < b; j++) gsl_vector_set(rdiag, k + j, gsl_matrix_get(Z, k + j, k + j));
        if (r > 0) {
            gsl_matrix_view Vk = gsl_matrix_submatrix(V, 0, 0, m, b);
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < b; j++)
                    gsl_matrix_set(&Vk.matrix, i, j, i == j ? 1.0 : i > j ? gsl_matrix_get(&pan.matrix, i, j) : 0.0);
            gsl_matrix_view C = gsl_matrix_submatrix(Z, k, k + b, m, r);
            gsl_matrix_view Wk = gsl_matrix_submatrix(W, 0, 0, b, r);
            apply_reflector(&Vk.matrix, &T.matrix, 1, &C.matrix, &Wk.matrix);
        }
        st = tick(bd, 4.0 * (double)m * (double)b * (double)(r + b));
    }
    /* Q = Q_0 (Q_1 (⋯ (Q_last I))): panel k touches rows and columns k.. only */
    gsl_matrix_set_identity(Q);
    for (size_t kk = np; st == BL_OK && kk-- > 0;) {
        size_t k = kk * QR_NB, b = p - k < QR_NB ? p - k : QR_NB, m = p - k;
        gsl_matrix_view pan = gsl_matrix_submatrix(Z, k, k, m, b);
        gsl_matrix_view T = gsl_matrix_submatrix(Ts, k, 0, b, b);
        gsl_matrix_view Vk = gsl_matrix_submatrix(V, 0, 0, m, b);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < b; j++)
                gsl_matrix_set(&Vk.matrix, i, j, i == j ? 1.0 : i > j ? gsl_matrix_get(&pan.matrix, i, j) : 0.0);
        gsl_matrix_view C = gsl_matrix_submatrix(Q, k, k, m, m);
        gsl_matrix_view Wk = gsl_matrix_submatrix(W, 0, 0, b, m);
        apply_reflector(&Vk.matrix, &T.matrix, 0, &C.matrix, &Wk.matrix);
        st = tick(bd, 4.0 * (double)m * (double)b * (double)m);
    }
    gsl_matrix_free(Ts);
    gsl_matrix_free(V);
    gsl_matrix_free(W);
    return st;
}

/* Q: the orthogonal factor of the QR decomposition of Z (p×p, i.i.d.
 * N(0, 1)), columns negated where R_jj < 0 so that R has a positive
 * diagonal (this makes Q Haar-distributed and the factorisation unique).
 * GSL's recursive QR (level-3 BLAS): p = 2000 takes about a second, where
 * the unblocked Householder one took ten; larger p by panels, the same Q
 * to round-off.  Z is destroyed. */
static int random_orthogonal(build *bd, gsl_matrix *Z, gsl_matrix *Q)
{
    size_t p = Z->size1;
    gsl_vector *rd = gsl_vector_alloc(p);
    gsl_matrix *T = NULL, *R = NULL;
    int st = rd ? BL_OK : BL_ENOMEM;
    if (st == BL_OK && p > QR_BLOCKED_MIN) {
        st = qr_blocked(bd, Z, Q, rd);
    } else if (st == BL_OK) {
        T = gsl_matrix_alloc(p, p);
        R = gsl_matrix_alloc(p, p);
        st = (T && R) ? BL_OK : BL_ENOMEM;
        if (st == BL_OK && (gsl_linalg_QR_decomp_r(Z, T) != GSL_SUCCESS
                            || gsl_linalg_QR_unpack_r(Z, T, Q, R) != GSL_SUCCESS))
            st = BL_EINVAL;
        if (st == BL_OK) {
            for (size_t j = 0; j < p; j++) gsl_vector_set(rd, j, gsl_matrix_get(R, j, j));
            st = tick(bd, 8.0 / 3.0 * (double)p * (double)p * (double)p);
        }
    }
    if (st == BL_OK)
        for (size_t j = 0; j < p; j++)
            if (gsl_vector_get(rd, j) < 0) {
                gsl_vector_view c = gsl_matrix_column(Q, j);
                gsl_vector_scale(&c.vector, -1.0);
            }
    gsl_vector_free(rd);
    gsl_matrix_free(T);
    gsl_matrix_free(R);
    return st;
}

static int quad_init(bl_problem *P, bl_err *e)
{
    size_t p = (size_t)P->par[PAR_P], d = (size_t)P->par[PAR_D];
    double kappa = P->par[PAR_KAPPA], pp = (double)p * (double)p;
    build bd = {P, 0, 0};
    bd.total = 20.0 * pp + 16.0 / 3.0 * pp * (double)p + 2.0 * pp * (double)p;
    quad_state *s = quad_state_alloc(p, d);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *Z = gsl_matrix_alloc(p, p);
    gsl_matrix *W = gsl_matrix_alloc(p, p < d ? d : p);
    int st = BL_OK;

    if (!s || !r || !Z || !W) {
        st = BL_ENOMEM;
        bl_err_set(e, st, "out of memory building quadratic with p=%zu", p);
        goto done;
    }
    s->mu = P->par[PAR_MU];

    /* Draw order (fixed, part of the catalogue's numbers): mt19937 seeded
     * with `seed` (GSL maps seed 0 to mt19937's default 4357), then
     *   1. Z, p×p, row by row, N(0, 1)        (Q is its QR factor),
     *   2. B, p×d, row by row, N(0, 1/p),
     *   3. θ_t, p entries, N(0, 1),
     * every draw by gsl_ran_gaussian. */
    gsl_rng_set(r, (unsigned long)P->par[PAR_SEED]);
    for (size_t i = 0; i < p && st == BL_OK; i++) {
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set(Z, i, j, gsl_ran_gaussian(r, 1.0));
        if (i % 64 == 63) st = tick(&bd, 20.0 * 64 * (double)p);
    }
    if (st) goto done;
    double sd = 1.0 / sqrt((double)p);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(s->B, i, j, gsl_ran_gaussian(r, sd));
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(s->theta_t, i, gsl_ran_gaussian(r, 1.0));

    st = random_orthogonal(&bd, Z, s->Q);
    if (st != BL_OK) {
        if (st != BL_EINTR)
            bl_err_set(e, st, st == BL_ENOMEM ? "out of memory building quadratic"
                                              : "QR decomposition failed building quadratic");
        goto done;
    }

    for (size_t i = 0; i < p; i++)
        gsl_vector_set(s->lam, i, p == 1 ? 1.0 : pow(kappa, (double)i / (double)(p - 1)));

    /* A = (Q diag(λ)) Qᵀ, by blocks of columns (a poll between them), then
     * symmetrised so that uᵀAv = vᵀAu exactly. */
    gsl_matrix_view Wp = gsl_matrix_submatrix(W, 0, 0, p, p);
    gsl_matrix_memcpy(&Wp.matrix, s->Q);
    for (size_t j = 0; j < p; j++) {
        gsl_vector_view c = gsl_matrix_column(&Wp.matrix, j);
        gsl_vector_scale(&c.vector, gsl_vector_get(s->lam, j));
    }
    size_t cb = p > QR_BLOCKED_MIN ? 256 : p;
    for (size_t j = 0; j < p && st == BL_OK; j += cb) {
        size_t nc = p - j < cb ? p - j : cb;
        gsl_matrix_const_view Qj = gsl_matrix_const_submatrix(s->Q, j, 0, nc, p);
        gsl_matrix_view Aj = gsl_matrix_submatrix(s->A, 0, j, p, nc);
        if (gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &Wp.matrix, &Qj.matrix, 0.0,
                           &Aj.matrix) != GSL_SUCCESS) {
            st = BL_EINVAL;
            bl_err_set(e, st, "matrix product failed building quadratic");
            goto done;
        }
        st = tick(&bd, 2.0 * pp * (double)nc);
    }
    if (st) goto done;
    for (size_t i = 0; i < p; i++)
        for (size_t j = i + 1; j < p; j++) {
            double a = 0.5 * (gsl_matrix_get(s->A, i, j) + gsl_matrix_get(s->A, j, i));
            gsl_matrix_set(s->A, i, j, a);
            gsl_matrix_set(s->A, j, i, a);
        }

    /* M = A⁻¹B = Q diag(1/λ) (QᵀB). */
    gsl_matrix_view T = gsl_matrix_submatrix(W, 0, 0, p, d);
    if (gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, s->Q, s->B, 0.0, &T.matrix)
        != GSL_SUCCESS) {
        st = BL_EINVAL;
        bl_err_set(e, st, "matrix product failed building quadratic");
        goto done;
    }
    for (size_t i = 0; i < p; i++) {
        gsl_vector_view row = gsl_matrix_row(&T.matrix, i);
        gsl_vector_scale(&row.vector, 1.0 / gsl_vector_get(s->lam, i));
    }
    if (gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, s->Q, &T.matrix, 0.0, s->M)
        != GSL_SUCCESS) {
        st = BL_EINVAL;
        bl_err_set(e, st, "matrix product failed building quadratic");
        goto done;
    }

    P->p = p;
    P->d = d;
    P->state = s;
    s = NULL;
done:
    quad_state_free(s);
    gsl_rng_free(r);
    gsl_matrix_free(Z);
    gsl_matrix_free(W);
    return st;
}

static void quad_free(bl_problem *P)
{
    quad_state_free(P->state);
    P->state = NULL;
}

static int quad_clone(const bl_problem *src, bl_problem *dst)
{
    const quad_state *a = src->state;
    quad_state *b = quad_state_alloc(src->p, src->d);
    if (!b) return BL_ENOMEM;
    gsl_matrix_memcpy(b->A, a->A);
    gsl_matrix_memcpy(b->Q, a->Q);
    gsl_vector_memcpy(b->lam, a->lam);
    gsl_matrix_memcpy(b->B, a->B);
    gsl_vector_memcpy(b->theta_t, a->theta_t);
    gsl_matrix_memcpy(b->M, a->M);
    b->mu = a->mu;
    dst->state = b;
    return BL_OK;
}

static double quad_G(bl_problem *P, cvec *th, cvec *om)
{
    quad_state *s = P->state;
    double g;
    /* G = θᵀ(½Aθ − Bω) */
    gsl_blas_dgemv(CblasNoTrans, 0.5, s->A, th, 0.0, s->wp);
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->B, om, 1.0, s->wp);
    gsl_blas_ddot(th, s->wp, &g);
    return g;
}

static double quad_L(bl_problem *P, cvec *th, cvec *om)
{
    quad_state *s = P->state;
    double r = 0.0;
    for (size_t i = 0; i < P->p; i++) {
        double t = gsl_vector_get(th, i) - gsl_vector_get(s->theta_t, i);
        r += t * t;
    }
    double w = gsl_blas_dnrm2(om);
    return 0.5 * r + 0.5 * s->mu * w * w;
}

static void quad_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->A, th, 0.0, g);
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->B, om, 1.0, g);
}

static void quad_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasTrans, -1.0, s->B, th, 0.0, g);
}

static void quad_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    quad_state *s = P->state;
    gsl_vector_memcpy(g, th);
    gsl_vector_sub(g, s->theta_t);
}

static void quad_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)th;
    quad_state *s = P->state;
    gsl_vector_memcpy(g, om);
    gsl_vector_scale(g, s->mu);
}

static void quad_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->A, v, 0.0, out);
}

/* C = ∂_ω∇_θG = −Bᵀ (d×p). */
static void quad_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th, (void)om;
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasTrans, -1.0, s->B, v, 0.0, out);
}

static void quad_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)th, (void)om;
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, -1.0, s->B, u, 0.0, out);
}

static int quad_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th, (void)om;
    quad_state *s = P->state;
    gsl_matrix_memcpy(H, s->A);
    return BL_OK;
}

/* θ* = A⁻¹Bω = Mω. */
static int quad_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    quad_state *s = P->state;
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->M, om, 0.0, th);
    return BL_OK;
}

/* ∇F(ω) = Mᵀ(Mω − θ_t) + μω. */
static int quad_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    quad_state *s = P->state;
    gsl_vector_memcpy(s->wp, s->theta_t);
    gsl_blas_dgemv(CblasNoTrans, 1.0, s->M, om, -1.0, s->wp);
    gsl_vector_memcpy(g, om);
    gsl_blas_dgemv(CblasTrans, 1.0, s->M, s->wp, s->mu, g);
    return BL_OK;
}

static double quad_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th, (void)om;
    quad_state *s = P->state;
    return gsl_vector_get(s->lam, P->p - 1);   /* exact: λmax = kappa (1 when p = 1) */
}

/* The error bound's constants (doc/bounds.md): H = A ⪰ λ₁, H and C = −Bᵀ
 * constant, ∇θL = θ − θ_t (1-Lipschitz), ∇ωL = μω independent of θ. */
static void quad_bound_consts(bl_problem *P, cvec *om, bl_bound_consts *k)
{
    (void)om;
    const quad_state *s = P->state;
    *k = (bl_bound_consts){gsl_vector_get(s->lam, 0), 1, 0, 0, 0};
}

static void quad_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

/* show: the closed forms beside the iterates */
static int quad_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    bl_report_closed(P, th, om, buf, len);
    return BL_OK;
}

int bl_quadratic_optimum(bl_problem *P, gsl_vector *omega_star, double *F_star)
{
    if (!P || P->type != &bl_problem_quadratic) return BL_EINVAL;
    if (omega_star->size != P->d) return BL_EDIM;
    quad_state *s = P->state;
    size_t p = P->p, d = P->d;
    gsl_matrix *N = gsl_matrix_alloc(d, d);
    gsl_vector *r = gsl_vector_alloc(p);
    int st = BL_OK;
    if (!N || !r) {
        st = BL_ENOMEM;
        goto done;
    }
    /* (MᵀM + μI) ω* = Mᵀθ_t */
    gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0, s->M, 0.0, N);
    for (size_t i = 0; i < d; i++) {
        gsl_matrix_set(N, i, i, gsl_matrix_get(N, i, i) + s->mu);
        for (size_t j = 0; j < i; j++)
            gsl_matrix_set(N, j, i, gsl_matrix_get(N, i, j));
    }
    gsl_blas_dgemv(CblasTrans, 1.0, s->M, s->theta_t, 0.0, omega_star);
    if (gsl_linalg_cholesky_decomp1(N) != GSL_SUCCESS
        || gsl_linalg_cholesky_svx(N, omega_star) != GSL_SUCCESS) {
        st = BL_ENOTPD;
        goto done;
    }
    if (F_star) {
        gsl_vector_memcpy(r, s->theta_t);
        gsl_blas_dgemv(CblasNoTrans, 1.0, s->M, omega_star, -1.0, r);
        double nr = gsl_blas_dnrm2(r), nw = gsl_blas_dnrm2(omega_star);
        *F_star = 0.5 * nr * nr + 0.5 * s->mu * nw * nw;
    }
done:
    gsl_matrix_free(N);
    gsl_vector_free(r);
    return st;
}

/* init's peak: A, Q, the draws Z, the workspace W (p × max(p, d)), GSL's
 * T and R of the QR (p ≤ 1024; panels above), B and M (p × d) */
static double quad_bytes(const double *par, const bl_dataset *data)
{
    (void)data;
    double p = par[PAR_P], d = par[PAR_D];
    return bl_mem_dense(p, 5.0 * p + fmax(p, d) + 2.0 * d);
}

const bl_problem_type bl_problem_quadratic = {
    .name = "quadratic",
    .summary = "quadratic inner with condition number kappa, quadratic outer (closed form)",
    .inner_text = "G(θ, ω) = ½ θᵀAθ − θᵀBω",
    .outer_text = "L(θ, ω) = ½‖θ − θ_t‖² + (μ/2)‖ω‖²",
    .notes =
        "A = Q diag(λ_1..λ_p) Qᵀ with eigenvalues log-spaced from 1 to kappa: "
        "λ_i = kappa^{i/(p−1)}, i = 0..p−1 (λ = 1 when p = 1); Q random "
        "orthogonal: the Q of the QR decomposition of a p×p matrix of i.i.d. "
        "N(0, 1) draws, column signs such that R has a positive diagonal; "
        "B (p×d) has i.i.d. N(0, 1/p) entries; θ_t i.i.d. N(0, 1). Draws from "
        "mt19937 seeded with seed, in this order: the p×p matrix row by row, "
        "B row by row, θ_t.\n"
        "H = A, C = ∂_ω∇_θG = −Bᵀ (d×p), λmax(H) = kappa.\n"
        "Closed forms: θ* = A⁻¹Bω; ∇F(ω) = Mᵀ(Mω − θ_t) + μω with M = A⁻¹B; "
        "outer optimum ω* = (MᵀM + μI)⁻¹Mᵀθ_t.\n"
        "The teaching problem for how κ drives every estimator.",
    .params = quad_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .init = quad_init,
    .free = quad_free,
    .clone = quad_clone,
    .G = quad_G,
    .L = quad_L,
    .G_theta = quad_G_theta,
    .G_omega = quad_G_omega,
    .L_theta = quad_L_theta,
    .L_omega = quad_L_omega,
    .hvp = quad_hvp,
    .cvp = quad_cvp,
    .ctvp = quad_ctvp,
    .hessian = quad_hessian,
    .theta_star = quad_theta_star,
    .hypergrad = quad_hypergrad,
    .lipschitz = quad_lipschitz,
    .bound_consts = quad_bound_consts,
    .omega0 = quad_omega0,
    .report = quad_report,
    .bytes = quad_bytes,
};
