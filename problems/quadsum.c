/* quadsum.c: the finite-sum quadratic of benchmark_bilevel's `simulated`
 * data set (doc/catalogue.md "quadsum", doc/problems/quadsum.md).
 *
 * Sample i of a data set: ℓ_i(y, x) = ½ yᵀA_i y + ½ xᵀB_i x + xᵀC_i y
 * + a_iᵀy + b_iᵀx with rank-one A_i = u_i u_iᵀ, B_i = w_i w_iᵀ,
 * C_i = p_i q_iᵀ (d×p); G is the mean over the n_inner inner samples, L
 * over the n_outer outer samples.  Only the factors are stored: a minibatch
 * product costs O(m(p + d)); the full-batch oracles use the means. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "catalogue.h"
#include "closed.h"
#include "stoch.h"

enum { PAR_NIN, PAR_NOUT, PAR_DIN, PAR_DOUT, PAR_MU, PAR_LIN, PAR_LOUT, PAR_LCROSS, PAR_SEED,
       NPAR };

static const bl_param qs_params[NPAR] = {
    {"n_inner", 1024, 1, 1e7, 1, "inner (training) samples", NULL},
    {"n_outer", 1024, 1, 1e7, 1, "outer (validation) samples", NULL},
    {"dim_inner", 100, 1, 2000, 1, "dimension of θ (y)", NULL},
    {"dim_outer", 100, 1, 2000, 1, "dimension of ω (x)", NULL},
    {"mu_inner", 0.1, 1e-12, 1e6, 0, "smallest eigenvalue of the mean Hessians in θ", NULL},
    {"L_inner", 1, 1e-12, 1e6, 0, "largest eigenvalue of the mean Hessians in θ", NULL},
    {"L_outer", 1, 0, 1e6, 0, "largest eigenvalue of the mean Hessians in ω", NULL},
    {"L_cross", 0.1, 0, 1e6, 0, "largest singular value of the mean cross terms", NULL},
    {"seed", 2442, 0, 4294967295.0, 1, "seed of the mt19937 generator", NULL},
};

/* One data set: per-sample factors (rows) and their means. */
typedef struct {
    size_t n;
    double *u, *q, *a;      /* n × p */
    double *w, *pc, *b;     /* n × d */
    gsl_matrix *A, *B, *C;  /* means: p×p, d×d, d×p */
    gsl_vector *am, *bm;    /* means: p, d */
} qs_set;

typedef struct {
    qs_set in, out;
    gsl_matrix *Ach;        /* Cholesky factor of Ā_in */
    gsl_matrix *HF;         /* ∇²F (d×d) */
    gsl_vector *wstar;      /* ω* */
    double Fstar, lmin_F, lmax_A;
    int tries;
    gsl_vector *wp, *wp2, *wd;  /* workspace */
} qs_state;

static void set_free(qs_set *s)
{
    free(s->u); free(s->q); free(s->a); free(s->w); free(s->pc); free(s->b);
    gsl_matrix_free(s->A); gsl_matrix_free(s->B); gsl_matrix_free(s->C);
    gsl_vector_free(s->am); gsl_vector_free(s->bm);
    memset(s, 0, sizeof *s);
}

static int set_alloc(qs_set *s, size_t n, size_t p, size_t d)
{
    s->n = n;
    s->u = malloc(n * p * sizeof *s->u);
    s->q = malloc(n * p * sizeof *s->q);
    s->a = malloc(n * p * sizeof *s->a);
    s->w = malloc(n * d * sizeof *s->w);
    s->pc = malloc(n * d * sizeof *s->pc);
    s->b = malloc(n * d * sizeof *s->b);
    s->A = gsl_matrix_alloc(p, p);
    s->B = gsl_matrix_alloc(d, d);
    s->C = gsl_matrix_alloc(d, p);
    s->am = gsl_vector_alloc(p);
    s->bm = gsl_vector_alloc(d);
    return s->u && s->q && s->a && s->w && s->pc && s->b && s->A && s->B && s->C && s->am
           && s->bm ? BL_OK : BL_ENOMEM;
}

static void state_free(qs_state *s)
{
    if (!s) return;
    set_free(&s->in);
    set_free(&s->out);
    gsl_matrix_free(s->Ach);
    gsl_matrix_free(s->HF);
    gsl_vector_free(s->wstar);
    gsl_vector_free(s->wp);
    gsl_vector_free(s->wp2);
    gsl_vector_free(s->wd);
    free(s);
}

/* Haar orthogonal n×n: the Q of the QR decomposition of an n×n matrix of
 * N(0, 1) draws (row by row), column signs such that R has a positive
 * diagonal. */
static int haar(gsl_rng *r, gsl_matrix *Q)
{
    size_t n = Q->size1;
    gsl_matrix *Z = gsl_matrix_alloc(n, n), *T = gsl_matrix_alloc(n, n);
    gsl_matrix *R = gsl_matrix_alloc(n, n);
    int st = Z && T && R ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) gsl_matrix_set(Z, i, j, gsl_ran_gaussian(r, 1.0));
        if (gsl_linalg_QR_decomp_r(Z, T) != GSL_SUCCESS
            || gsl_linalg_QR_unpack_r(Z, T, Q, R) != GSL_SUCCESS)
            st = BL_EINVAL;
    }
    if (st == BL_OK)
        for (size_t j = 0; j < n; j++)
            if (gsl_matrix_get(R, j, j) < 0) {
                gsl_vector_view c = gsl_matrix_column(Q, j);
                gsl_vector_scale(&c.vector, -1.0);
            }
    gsl_matrix_free(Z);
    gsl_matrix_free(T);
    gsl_matrix_free(R);
    return st;
}

/* numpy's logspace(lo, hi, k) in base 10: k points; one point: 10^lo. */
static double logspace(double lo, double hi, size_t k, size_t j)
{
    return k < 2 ? pow(10, lo) : pow(10, lo + (hi - lo) * (double)j / (double)(k - 1));
}

/* out = Q diag(s) Qᵀ g for a symmetric square root; Q n×n. */
static void sym_apply(const gsl_matrix *Q, const double *s, const double *g, double *out,
                      double *tmp)
{
    size_t n = Q->size1;
    for (size_t j = 0; j < n; j++) {
        double t = 0;
        for (size_t i = 0; i < n; i++) t += gsl_matrix_get(Q, i, j) * g[i];
        tmp[j] = s[j] * t;
    }
    for (size_t i = 0; i < n; i++) {
        double t = 0;
        for (size_t j = 0; j < n; j++) t += gsl_matrix_get(Q, i, j) * tmp[j];
        out[i] = t;
    }
}

/* One data set, drawn as doc/problems/quadsum.md says. */
static int draw_set(gsl_rng *r, qs_set *S, size_t p, size_t d, double mu, double Lin,
                    double Lout, double Lcross)
{
    size_t n = S->n, k = p < d ? p : d;
    gsl_matrix *Ua = gsl_matrix_alloc(p, p), *Ub = gsl_matrix_alloc(d, d);
    gsl_matrix *Uc = gsl_matrix_alloc(d, d), *Vc = gsl_matrix_alloc(p, p);
    double *sa = malloc(p * sizeof *sa), *sb = malloc(d * sizeof *sb);
    double *sc = malloc((k ? k : 1) * sizeof *sc);
    size_t mx = p > d ? p : d;
    double *g = malloc(mx * sizeof *g), *tmp = malloc(mx * sizeof *tmp);
    int st = Ua && Ub && Uc && Vc && sa && sb && sc && g && tmp ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) st = haar(r, Ua);
    if (st == BL_OK) st = haar(r, Ub);
    if (st == BL_OK) st = haar(r, Uc);
    if (st == BL_OK) st = haar(r, Vc);
    if (st) goto done;
    for (size_t j = 0; j < p; j++) sa[j] = logspace(log10(mu) / 2, log10(Lin) / 2, p, j);
    sb[0] = 0;
    for (size_t j = 1; j < d; j++)
        sb[j] = Lout > 0 ? logspace(log10(mu) / 2, log10(Lout) / 2, d - 1, j - 1) : 0;
    for (size_t j = 0; j < k; j++)
        sc[j] = Lcross > 0 ? logspace(log10(mu), log10(Lcross), k, j) : 0;
    for (size_t i = 0; i < n; i++) {
        /* u_i = S_A g, S_A = U_A diag(sa) U_Aᵀ */
        for (size_t j = 0; j < p; j++) g[j] = gsl_ran_gaussian(r, 1.0);
        sym_apply(Ua, sa, g, S->u + i * p, tmp);
        for (size_t j = 0; j < d; j++) g[j] = gsl_ran_gaussian(r, 1.0);
        sym_apply(Ub, sb, g, S->w + i * d, tmp);
        /* h ~ N(0, I_p): p_i = U_C D_C V_Cᵀ… as p_i = U_C (D_C h), q_i = V_C h */
        for (size_t j = 0; j < p; j++) g[j] = gsl_ran_gaussian(r, 1.0);
        for (size_t j = 0; j < d; j++) tmp[j] = j < k ? sc[j] * g[j] : 0;
        for (size_t a = 0; a < d; a++) {
            double t = 0;
            for (size_t j = 0; j < k; j++) t += gsl_matrix_get(Uc, a, j) * tmp[j];
            S->pc[i * d + a] = t;
        }
        for (size_t a = 0; a < p; a++) {
            double t = 0;
            for (size_t j = 0; j < p; j++) t += gsl_matrix_get(Vc, a, j) * g[j];
            S->q[i * p + a] = t;
        }
        for (size_t j = 0; j < p; j++) S->a[i * p + j] = gsl_ran_gaussian(r, 1.0);
        for (size_t j = 0; j < d; j++) S->b[i * d + j] = gsl_ran_gaussian(r, 1.0);
    }
    /* the means */
    gsl_matrix_const_view U = gsl_matrix_const_view_array(S->u, n, p);
    gsl_matrix_const_view W = gsl_matrix_const_view_array(S->w, n, d);
    gsl_matrix_const_view Pm = gsl_matrix_const_view_array(S->pc, n, d);
    gsl_matrix_const_view Qm = gsl_matrix_const_view_array(S->q, n, p);
    double inv = 1.0 / (double)n;
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv, &U.matrix, &U.matrix, 0.0, S->A);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv, &W.matrix, &W.matrix, 0.0, S->B);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, inv, &Pm.matrix, &Qm.matrix, 0.0, S->C);
    /* exactly symmetric */
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(S->A, j, i, gsl_matrix_get(S->A, i, j));
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(S->B, j, i, gsl_matrix_get(S->B, i, j));
    gsl_vector_set_zero(S->am);
    gsl_vector_set_zero(S->bm);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < p; j++) S->am->data[j * S->am->stride] += S->a[i * p + j];
        for (size_t j = 0; j < d; j++) S->bm->data[j * S->bm->stride] += S->b[i * d + j];
    }
    gsl_vector_scale(S->am, inv);
    gsl_vector_scale(S->bm, inv);
done:
    gsl_matrix_free(Ua); gsl_matrix_free(Ub); gsl_matrix_free(Uc); gsl_matrix_free(Vc);
    free(sa); free(sb); free(sc); free(g); free(tmp);
    return st;
}

/* Eigenvalues of a symmetric matrix (copied), increasing. */
static int sym_eig(const gsl_matrix *M, double *lmin, double *lmax)
{
    size_t n = M->size1;
    gsl_matrix *A = gsl_matrix_alloc(n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_symm_workspace *w = gsl_eigen_symm_alloc(n);
    int st = A && ev && w ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        gsl_matrix_memcpy(A, M);
        if (gsl_eigen_symm(A, ev, w) != GSL_SUCCESS) st = BL_EINVAL;
        else {
            *lmin = gsl_vector_min(ev);
            *lmax = gsl_vector_max(ev);
        }
    }
    gsl_matrix_free(A);
    gsl_vector_free(ev);
    gsl_eigen_symm_free(w);
    return st;
}

/* ---- full-batch oracles (the means) ---- */

/* ½yᵀAy + ½xᵀBx + xᵀCy + aᵀy + bᵀx for the means of SET */
static double set_value(qs_set *S, qs_state *s, cvec *y, cvec *x)
{
    double r = 0, t;
    gsl_vector *tp = s->wp, *td = s->wd;
    gsl_blas_dsymv(CblasLower, 1.0, S->A, y, 0.0, tp);
    gsl_blas_ddot(y, tp, &t);
    r += 0.5 * t;
    gsl_blas_dsymv(CblasLower, 1.0, S->B, x, 0.0, td);
    gsl_blas_ddot(x, td, &t);
    r += 0.5 * t;
    gsl_blas_dgemv(CblasNoTrans, 1.0, S->C, y, 0.0, td);
    gsl_blas_ddot(x, td, &t);
    r += t;
    gsl_blas_ddot(S->am, y, &t);
    r += t;
    gsl_blas_ddot(S->bm, x, &t);
    return r + t;
}

static void set_grad_y(qs_set *S, cvec *y, cvec *x, gsl_vector *g)
{
    gsl_vector_memcpy(g, S->am);
    gsl_blas_dsymv(CblasLower, 1.0, S->A, y, 1.0, g);
    gsl_blas_dgemv(CblasTrans, 1.0, S->C, x, 1.0, g);
}

static void set_grad_x(qs_set *S, cvec *y, cvec *x, gsl_vector *g)
{
    gsl_vector_memcpy(g, S->bm);
    gsl_blas_dsymv(CblasLower, 1.0, S->B, x, 1.0, g);
    gsl_blas_dgemv(CblasNoTrans, 1.0, S->C, y, 1.0, g);
}

static double qs_G(bl_problem *P, cvec *th, cvec *om)
{
    qs_state *s = P->state;
    return set_value(&s->in, s, th, om);
}
static double qs_L(bl_problem *P, cvec *th, cvec *om)
{
    qs_state *s = P->state;
    return set_value(&s->out, s, th, om);
}
static void qs_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    set_grad_y(&((qs_state *)P->state)->in, th, om, g);
}
static void qs_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    set_grad_x(&((qs_state *)P->state)->in, th, om, g);
}
static void qs_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    set_grad_y(&((qs_state *)P->state)->out, th, om, g);
}
static void qs_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    set_grad_x(&((qs_state *)P->state)->out, th, om, g);
}
static void qs_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th; (void)om;
    gsl_blas_dsymv(CblasLower, 1.0, ((qs_state *)P->state)->in.A, v, 0.0, out);
}
static void qs_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)th; (void)om;
    gsl_blas_dgemv(CblasNoTrans, 1.0, ((qs_state *)P->state)->in.C, v, 0.0, out);
}
static void qs_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)th; (void)om;
    gsl_blas_dgemv(CblasTrans, 1.0, ((qs_state *)P->state)->in.C, u, 0.0, out);
}
static int qs_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)th; (void)om;
    gsl_matrix_memcpy(H, ((qs_state *)P->state)->in.A);
    return BL_OK;
}

/* θ*(ω) = −Ā⁻¹(C̄ᵀω + ā) (inner means) */
static int qs_theta_star(bl_problem *P, cvec *om, gsl_vector *th)
{
    qs_state *s = P->state;
    gsl_vector_memcpy(th, s->in.am);
    gsl_blas_dgemv(CblasTrans, 1.0, s->in.C, om, 1.0, th);
    gsl_vector_scale(th, -1.0);
    return gsl_linalg_cholesky_svx(s->Ach, th) == GSL_SUCCESS ? BL_OK : BL_ENOTPD;
}

/* ∇F = ∇ωL(θ*, ω) − C̄ Ā⁻¹ ∇θL(θ*, ω) */
static int qs_hypergrad(bl_problem *P, cvec *om, gsl_vector *g)
{
    qs_state *s = P->state;
    gsl_vector *y = gsl_vector_alloc(P->p), *a = gsl_vector_alloc(P->p);
    int st = y && a ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) st = qs_theta_star(P, om, y);
    if (st == BL_OK) {
        set_grad_y(&s->out, y, om, a);
        gsl_linalg_cholesky_svx(s->Ach, a);
        set_grad_x(&s->out, y, om, g);
        gsl_blas_dgemv(CblasNoTrans, -1.0, s->in.C, a, 1.0, g);
    }
    gsl_vector_free(y);
    gsl_vector_free(a);
    return st;
}

static double qs_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)th; (void)om;
    return ((qs_state *)P->state)->lmax_A;
}

/* benchmark_bilevel's start: x = −2, θ = 0 */
static void qs_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_all(om, -2.0);
}

/* ∇²F and ω*, F*; 1 when ∇²F is not positive definite. */
static int value_hessian(bl_problem *P, qs_state *s)
{
    size_t p = P->p, d = P->d;
    gsl_matrix *K = gsl_matrix_alloc(p, d), *T = gsl_matrix_alloc(d, d);
    gsl_matrix *AK = gsl_matrix_alloc(p, d), *HF = gsl_matrix_alloc(d, d);
    gsl_vector *y0 = gsl_vector_alloc(p), *z = gsl_vector_alloc(d);
    int st = K && T && AK && HF && y0 && z ? BL_OK : BL_ENOMEM;
    if (st) goto done;
    /* K = Ā_in⁻¹ C̄_inᵀ (the Jacobian of θ* is −K) */
    for (size_t j = 0; j < d; j++) {
        gsl_vector_view c = gsl_matrix_column(K, j);
        gsl_vector_const_view r = gsl_matrix_const_row(s->in.C, j);
        gsl_vector_memcpy(&c.vector, &r.vector);
        gsl_linalg_cholesky_svx(s->Ach, &c.vector);
    }
    /* ∇²F = B̄' − C̄'K − KᵀC̄'ᵀ + KᵀĀ'K */
    gsl_matrix_memcpy(HF, s->out.B);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, s->out.C, K, 0.0, T);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            gsl_matrix_set(HF, i, j, gsl_matrix_get(HF, i, j) - gsl_matrix_get(T, i, j)
                                     - gsl_matrix_get(T, j, i));
    gsl_blas_dsymm(CblasLeft, CblasLower, 1.0, s->out.A, K, 0.0, AK);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, K, AK, 1.0, HF);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++) {
            double m = 0.5 * (gsl_matrix_get(HF, i, j) + gsl_matrix_get(HF, j, i));
            gsl_matrix_set(HF, i, j, m);
            gsl_matrix_set(HF, j, i, m);
        }
    double lmax;
    st = sym_eig(HF, &s->lmin_F, &lmax);
    if (st) goto done;
    if (!(s->lmin_F >= 1e-12)) {
        st = 1;
        goto done;
    }
    s->HF = HF;
    HF = NULL;
    /* ω* = −(∇²F)⁻¹ ∇F(0) */
    gsl_vector_set_zero(z);
    st = qs_hypergrad(P, z, s->wstar);
    if (st) goto done;
    gsl_matrix_memcpy(T, s->HF);
    if (gsl_linalg_cholesky_decomp1(T) != GSL_SUCCESS
        || gsl_linalg_cholesky_svx(T, s->wstar) != GSL_SUCCESS) {
        st = 1;
        goto done;
    }
    gsl_vector_scale(s->wstar, -1.0);
    qs_theta_star(P, s->wstar, y0);
    s->Fstar = set_value(&s->out, s, y0, s->wstar);
done:
    gsl_matrix_free(K); gsl_matrix_free(T); gsl_matrix_free(AK); gsl_matrix_free(HF);
    gsl_vector_free(y0); gsl_vector_free(z);
    return st;
}

static int qs_init(bl_problem *P, bl_err *e)
{
    size_t nin = (size_t)P->par[PAR_NIN], nout = (size_t)P->par[PAR_NOUT];
    size_t p = (size_t)P->par[PAR_DIN], d = (size_t)P->par[PAR_DOUT];
    double mu = P->par[PAR_MU], Lin = P->par[PAR_LIN];
    if (!(mu <= Lin)) {
        bl_err_set(e, BL_EINVAL, "quadsum: mu_inner=%g must not exceed L_inner=%g", mu, Lin);
        return BL_EINVAL;
    }
    qs_state *s = calloc(1, sizeof *s);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int st = s && r ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) st = set_alloc(&s->in, nin, p, d);
    if (st == BL_OK) st = set_alloc(&s->out, nout, p, d);
    if (st == BL_OK) {
        s->Ach = gsl_matrix_alloc(p, p);
        s->wstar = gsl_vector_alloc(d);
        s->wp = gsl_vector_alloc(p);
        s->wp2 = gsl_vector_alloc(p);
        s->wd = gsl_vector_alloc(d);
        if (!s->Ach || !s->wstar || !s->wp || !s->wp2 || !s->wd) st = BL_ENOMEM;
    }
    if (st) {
        bl_err_set(e, st, "out of memory building quadsum with n_inner=%zu n_outer=%zu", nin,
                   nout);
        goto fail;
    }
    P->p = p;
    P->d = d;
    P->state = s;
    gsl_rng_set(r, (unsigned long)P->par[PAR_SEED]);
    for (s->tries = 1; s->tries <= 20; s->tries++) {
        st = draw_set(r, &s->in, p, d, mu, Lin, P->par[PAR_LOUT], P->par[PAR_LCROSS]);
        if (st == BL_OK)
            st = draw_set(r, &s->out, p, d, mu, Lin, P->par[PAR_LOUT], P->par[PAR_LCROSS]);
        if (st) {
            bl_err_set(e, st, "quadsum: drawing the data failed");
            goto fail;
        }
        double lmin;
        if (sym_eig(s->in.A, &lmin, &s->lmax_A) != BL_OK) {
            st = BL_ENOMEM;
            bl_err_set(e, st, "quadsum: eigenvalues failed");
            goto fail;
        }
        gsl_matrix_memcpy(s->Ach, s->in.A);
        if (!(lmin > 0) || gsl_linalg_cholesky_decomp1(s->Ach) != GSL_SUCCESS) continue;
        gsl_matrix_free(s->HF);
        s->HF = NULL;
        int v = value_hessian(P, s);
        if (v == 0) break;
        if (v < 0) {
            st = v;
            bl_err_set(e, st, "out of memory building quadsum");
            goto fail;
        }
    }
    if (s->tries > 20) {
        st = BL_EINVAL;
        bl_err_set(e, st, "quadsum: no draw in 20 with a strongly convex value function "
                   "(try another seed, or larger n_inner)");
        goto fail;
    }
    gsl_rng_free(r);
    return BL_OK;
fail:
    P->state = NULL;
    state_free(s);
    gsl_rng_free(r);
    return st;
}

static void qs_free(bl_problem *P)
{
    state_free(P->state);
    P->state = NULL;
}

/* The data are read-only after init: a clone shares nothing but copies
 * (simple and safe for threads). */
static int qs_clone(const bl_problem *src, bl_problem *dst)
{
    const qs_state *a = src->state;
    size_t p = src->p, d = src->d;
    qs_state *b = calloc(1, sizeof *b);
    if (!b) return BL_ENOMEM;
    int st = set_alloc(&b->in, a->in.n, p, d);
    if (st == BL_OK) st = set_alloc(&b->out, a->out.n, p, d);
    b->Ach = gsl_matrix_alloc(p, p);
    b->HF = gsl_matrix_alloc(d, d);
    b->wstar = gsl_vector_alloc(d);
    b->wp = gsl_vector_alloc(p);
    b->wp2 = gsl_vector_alloc(p);
    b->wd = gsl_vector_alloc(d);
    if (st || !b->Ach || !b->HF || !b->wstar || !b->wp || !b->wp2 || !b->wd) {
        state_free(b);
        return BL_ENOMEM;
    }
    const qs_set *sa[2] = {&a->in, &a->out};
    qs_set *sb[2] = {&b->in, &b->out};
    for (int k = 0; k < 2; k++) {
        size_t n = sa[k]->n;
        memcpy(sb[k]->u, sa[k]->u, n * p * sizeof(double));
        memcpy(sb[k]->q, sa[k]->q, n * p * sizeof(double));
        memcpy(sb[k]->a, sa[k]->a, n * p * sizeof(double));
        memcpy(sb[k]->w, sa[k]->w, n * d * sizeof(double));
        memcpy(sb[k]->pc, sa[k]->pc, n * d * sizeof(double));
        memcpy(sb[k]->b, sa[k]->b, n * d * sizeof(double));
        gsl_matrix_memcpy(sb[k]->A, sa[k]->A);
        gsl_matrix_memcpy(sb[k]->B, sa[k]->B);
        gsl_matrix_memcpy(sb[k]->C, sa[k]->C);
        gsl_vector_memcpy(sb[k]->am, sa[k]->am);
        gsl_vector_memcpy(sb[k]->bm, sa[k]->bm);
    }
    gsl_matrix_memcpy(b->Ach, a->Ach);
    gsl_matrix_memcpy(b->HF, a->HF);
    gsl_vector_memcpy(b->wstar, a->wstar);
    b->Fstar = a->Fstar;
    b->lmin_F = a->lmin_F;
    b->lmax_A = a->lmax_A;
    b->tries = a->tries;
    dst->state = b;
    return BL_OK;
}

static int qs_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    qs_state *s = P->state;
    size_t k = bl_report_closed(P, th, om, buf, len);
    if (k + 1 < len) {
        double F = NAN;
        gsl_vector *y = gsl_vector_alloc(P->p);
        if (y && qs_theta_star(P, om, y) == BL_OK) F = set_value(&s->out, s, y, om);
        gsl_vector_free(y);
        snprintf(buf + k, len - k, "\nouter optimum: F* = %.10g, F − F* = %.6g; "
                 "λmin(∇²F) = %.6g (draw %d)", s->Fstar, F - s->Fstar, s->lmin_F, s->tries);
    }
    return BL_OK;
}

int bl_quadsum_optimum(bl_problem *P, gsl_vector *omega_star, double *F_star)
{
    if (!P || P->type != &bl_problem_quadsum) return BL_EINVAL;
    if (omega_star && omega_star->size != P->d) return BL_EDIM;
    qs_state *s = P->state;
    if (omega_star) gsl_vector_memcpy(omega_star, s->wstar);
    if (F_star) *F_star = s->Fstar;
    return BL_OK;
}

int bl_quadsum_data(const bl_problem *P, int outer, bl_quadsum_samples *out)
{
    if (!P || P->type != &bl_problem_quadsum || !P->state) return BL_EINVAL;
    const qs_state *s = P->state;
    const qs_set *S = outer ? &s->out : &s->in;
    *out = (bl_quadsum_samples){S->n, S->u, S->q, S->a, S->w, S->pc, S->b};
    return BL_OK;
}

/* ---- minibatch oracles: means over the index set of per-sample terms ---- */

static size_t qs_n_inner(const bl_problem *P) { return ((qs_state *)P->state)->in.n; }
static size_t qs_n_outer(const bl_problem *P) { return ((qs_state *)P->state)->out.n; }

static double rdot(const double *a, cvec *x)
{
    double t = 0;
    for (size_t j = 0; j < x->size; j++) t += a[j] * x->data[j * x->stride];
    return t;
}

/* g = mean over IDX of u(uᵀy) + q(pᵀx) + a (WHICH = 0: ∇y) or
 * w(wᵀx) + p(qᵀy) + b (WHICH = 1: ∇x); y or x may be NULL (zero), a, b off
 * when LIN = 0. */
static void mb_grad(const qs_set *S, size_t p, size_t d, cvec *y, cvec *x, const size_t *idx,
                    size_t m, int which, int lin, gsl_vector *g)
{
    gsl_vector_set_zero(g);
    double *o = g->data;
    size_t st = g->stride;
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        if (which == 0) {
            const double *u = S->u + i * p, *q = S->q + i * p, *a = S->a + i * p;
            double cu = y ? rdot(u, y) : 0, cq = x ? rdot(S->pc + i * d, x) : 0;
            for (size_t j = 0; j < p; j++) o[j * st] += u[j] * cu + q[j] * cq + (lin ? a[j] : 0);
        } else {
            const double *w = S->w + i * d, *pc = S->pc + i * d, *b = S->b + i * d;
            double cw = x ? rdot(w, x) : 0, cp = y ? rdot(S->q + i * p, y) : 0;
            for (size_t j = 0; j < d; j++) o[j * st] += w[j] * cw + pc[j] * cp + (lin ? b[j] : 0);
        }
    }
    gsl_vector_scale(g, 1.0 / (double)m);
}

static void mb_G_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    mb_grad(&((qs_state *)P->state)->in, P->p, P->d, th, om, idx, m, 0, 1, g);
}
static void mb_G_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    mb_grad(&((qs_state *)P->state)->in, P->p, P->d, th, om, idx, m, 1, 1, g);
}
static void mb_L_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    mb_grad(&((qs_state *)P->state)->out, P->p, P->d, th, om, idx, m, 0, 1, g);
}
static void mb_L_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                       gsl_vector *g)
{
    mb_grad(&((qs_state *)P->state)->out, P->p, P->d, th, om, idx, m, 1, 1, g);
}
/* H v: the y-part of ∇y at (v, 0) without the linear term */
static void mb_hvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                   gsl_vector *out)
{
    (void)th; (void)om;
    qs_set *S = &((qs_state *)P->state)->in;
    size_t p = P->p;
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        const double *u = S->u + idx[k] * p;
        double c = rdot(u, v);
        for (size_t j = 0; j < p; j++) out->data[j * out->stride] += u[j] * c;
    }
    gsl_vector_scale(out, 1.0 / (double)m);
}
/* C v = mean p_i (q_iᵀv) (d); Cᵀu = mean q_i (p_iᵀu) (p) */
static void mb_cvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                   gsl_vector *out)
{
    (void)th; (void)om;
    mb_grad(&((qs_state *)P->state)->in, P->p, P->d, v, NULL, idx, m, 1, 0, out);
}
static void mb_ctvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *u,
                    gsl_vector *out)
{
    (void)th; (void)om;
    mb_grad(&((qs_state *)P->state)->in, P->p, P->d, NULL, u, idx, m, 0, 0, out);
}

static const bl_minibatch qs_mb = {
    .n_inner = qs_n_inner, .n_outer = qs_n_outer,
    .G_theta = mb_G_theta, .G_omega = mb_G_omega,
    .L_theta = mb_L_theta, .L_omega = mb_L_omega,
    .hvp = mb_hvp, .cvp = mb_cvp, .ctvp = mb_ctvp,
    .optimum = bl_quadsum_optimum,
};

const bl_problem_type bl_problem_quadsum = {
    .name = "quadsum",
    .summary = "finite-sum quadratic of benchmark_bilevel (samples, minibatches, closed forms)",
    .inner_text = "G(θ, ω) = (1/n_inner) Σ_i ½θᵀA_iθ + ½ωᵀB_iω + ωᵀC_iθ + a_iᵀθ + b_iᵀω",
    .outer_text = "L(θ, ω) = (1/n_outer) Σ_k the same with the outer samples' A_k, B_k, C_k, "
                  "a_k, b_k",
    .notes =
        "benchmark_bilevel's `simulated` data set. Each sample has rank-one "
        "A_i = u_i u_iᵀ, B_i = w_i w_iᵀ, C_i = p_i q_iᵀ (d×p) and N(0, 1) a_i, b_i; "
        "u_i = S_A g, w_i = S_B g' with S_A = U_A diag(√λ) U_Aᵀ, λ log-spaced in "
        "[mu_inner, L_inner] (mean Hessian in θ), S_B likewise with one zero and "
        "[mu_inner, L_outer]; p_i = U_C D_C h, q_i = V_C h, D_C log-spaced in "
        "[mu_inner, L_cross]; U's, V_C Haar orthogonal. Draws: doc/problems/quadsum.md.\n"
        "Closed forms (means Ā, B̄, C̄, ā, b̄ of the inner samples, primes the outer "
        "ones): θ*(ω) = −Ā⁻¹(C̄ᵀω + ā); ∇F = ∇ωL(θ*) − C̄Ā⁻¹∇θL(θ*); "
        "∇²F = B̄' − C̄'K − KᵀC̄'ᵀ + KᵀĀ'K with K = Ā⁻¹C̄ᵀ; ω* = −(∇²F)⁻¹∇F(0). A "
        "draw whose ∇²F is not positive definite is redrawn (20 tries).\n"
        "Has minibatch oracles: the stochastic outer algorithms (doc/stochastic.md) "
        "run on it, and F − F* is exact at every step. Starts at ω = −2, θ = 0.",
    .params = qs_params,
    .nparams = NPAR,
    .flags = BL_PROB_CONVEX,
    .init = qs_init,
    .free = qs_free,
    .clone = qs_clone,
    .G = qs_G,
    .L = qs_L,
    .G_theta = qs_G_theta,
    .G_omega = qs_G_omega,
    .L_theta = qs_L_theta,
    .L_omega = qs_L_omega,
    .hvp = qs_hvp,
    .cvp = qs_cvp,
    .ctvp = qs_ctvp,
    .hessian = qs_hessian,
    .theta_star = qs_theta_star,
    .hypergrad = qs_hypergrad,
    .lipschitz = qs_lipschitz,
    .omega0 = qs_omega0,
    .report = qs_report,
    .mb = &qs_mb,
};
