/* test_catalogue3.c: issue 17's ivreg, oed and irl against references
 * written here from their doc pages (doc/problems/NAME.md): each data set
 * regenerated from the documented draws, the 2SLS estimate by GSL's SVD
 * least squares, the heat propagation by dense LU solves, the soft Bellman
 * equation by plain value iteration.  Their products against finite
 * differences are rows of test_catalogue's table, their estimators rows of
 * test_estimators' table. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_permutation.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"

static double dot(const gsl_vector *a, const gsl_vector *b)
{
    double r;
    gsl_blas_ddot(a, b, &r);
    return r;
}

static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

static bl_problem *build(const bl_problem_type *T, const char *args)
{
    bl_err e = {0, ""};
    bl_problem *P = problem_with(T, args, &e);
    if (!P) tap_ok(0, "%s %s builds: %s", T->name, args, e.msg);
    return P;
}

/* One estimate; NaN in G on failure, the message in E. */
static int estimate(bl_problem *P, const char *spec, cvec *om, cvec *th, gsl_vector *g,
                    bl_err *e)
{
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-13, 200, 0};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    bl_hg_result r = {.grad = g};
    bl_spec s;
    int st = bl_spec_parse(spec, &s, e);
    if (st == BL_OK) st = bl_hypergrad(&s, &c, &r, e);
    if (st != BL_OK) gsl_vector_set_all(g, NAN);
    return st;
}

/* ================================ ivreg ================================ */

typedef struct {
    size_t n, q, k;
    gsl_matrix *Z, *T;
    gsl_vector *y;
} ivdata;

/* The data of doc/problems/ivreg.md: π (k×q) row by row, each row scaled
 * to unit norm; per sample z (q), u, ν (k), ε; T_j = a zᵀπ_j + u + ν_j,
 * y = Σ_j (−½)^j T_j + c u + sd ε. */
static void iv_regen(ivdata *D, size_t n, size_t q, size_t k, double a, double c, double sd,
                     unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *Pi = gsl_matrix_alloc(k, q);
    gsl_rng_set(r, seed);
    D->n = n;
    D->q = q;
    D->k = k;
    D->Z = gsl_matrix_alloc(n, q);
    D->T = gsl_matrix_alloc(n, k);
    D->y = gsl_vector_alloc(n);
    for (size_t j = 0; j < k; j++) {
        double s = 0;
        for (size_t l = 0; l < q; l++) {
            double t = gsl_ran_gaussian(r, 1.0);
            gsl_matrix_set(Pi, j, l, t);
            s += t * t;
        }
        for (size_t l = 0; l < q; l++) gsl_matrix_set(Pi, j, l, gsl_matrix_get(Pi, j, l) / sqrt(s));
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < q; l++) gsl_matrix_set(D->Z, i, l, gsl_ran_gaussian(r, 1.0));
        double u = gsl_ran_gaussian(r, 1.0), y = 0;
        for (size_t j = 0; j < k; j++) {
            double zp = 0;
            for (size_t l = 0; l < q; l++) zp += gsl_matrix_get(D->Z, i, l) * gsl_matrix_get(Pi, j, l);
            double t = a * zp + u + gsl_ran_gaussian(r, 1.0);
            gsl_matrix_set(D->T, i, j, t);
            y += pow(-0.5, (double)j) * t;
        }
        gsl_vector_set(D->y, i, y + c * u + sd * gsl_ran_gaussian(r, 1.0));
    }
    gsl_matrix_free(Pi);
    gsl_rng_free(r);
}

static void iv_free(ivdata *D)
{
    gsl_matrix_free(D->Z);
    gsl_matrix_free(D->T);
    gsl_vector_free(D->y);
}

/* Least squares of Y on X by GSL's SVD (gsl_multifit_linear), with the
 * Tikhonov term lam²‖c‖² when LAM > 0 (gsl_multifit_linear_solve). */
static void lstsq(const gsl_matrix *X, const gsl_vector *Y, double lam, gsl_vector *c)
{
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(X->size1, X->size2);
    double rn, sn;
    gsl_multifit_linear_svd(X, w);
    gsl_multifit_linear_solve(lam, X, Y, c, &rn, &sn, w);
    gsl_multifit_linear_free(w);
}

/* The two-stage least squares by hand: T̂_j = Z c_j, c_j the (ridge) fit
 * of T_j on Z with (1/2n)‖Zc − T_j‖² + (λ/2)‖c‖² (GSL's λ is sqrt(nλ)),
 * then β̂ the least squares of y on T̂. */
static void iv_2sls_ref(const ivdata *D, double lambda, gsl_vector *beta)
{
    gsl_matrix *That = gsl_matrix_alloc(D->n, D->k);
    gsl_vector *c = gsl_vector_alloc(D->q);
    for (size_t j = 0; j < D->k; j++) {
        gsl_vector_const_view tj = gsl_matrix_const_column(D->T, j);
        gsl_vector_view hj = gsl_matrix_column(That, j);
        lstsq(D->Z, &tj.vector, sqrt((double)D->n * lambda), c);
        gsl_blas_dgemv(CblasNoTrans, 1.0, D->Z, c, 0.0, &hj.vector);
    }
    lstsq(That, D->y, 0, beta);
    gsl_matrix_free(That);
    gsl_vector_free(c);
}

static void check_ivreg_2sls(void)
{
    /* classical 2SLS: λ = 0, q < n; and with a ridge first stage */
    static const struct { const char *args; double lambda; } cases[] = {
        {"lambda=0", 0}, {"", 1e-3}, {"n=60 q=40 k=3 lambda=0.05 strength=1 seed=4", 0.05},
    };
    for (size_t i = 0; i < 3; i++) {
        bl_problem *P = build(&bl_problem_ivreg, cases[i].args);
        if (!P) continue;
        ivdata D;
        iv_regen(&D, (size_t)P->par[1], (size_t)P->par[2], (size_t)P->par[3], P->par[4],
                 P->par[5], P->par[6], (unsigned long)P->par[10]);
        gsl_vector *ref = gsl_vector_alloc(D.k), *b = gsl_vector_alloc(D.k);
        gsl_vector *g = gsl_vector_alloc(D.k), *th = gsl_vector_alloc(P->p);
        iv_2sls_ref(&D, cases[i].lambda, ref);
        double F;
        int st = bl_ivreg_2sls(P, b, &F);
        tap_ok(st == BL_OK && relerr(b, ref) <= 1e-10,
               "ivreg %s: β̂ = (T̂ᵀT̂)⁻¹T̂ᵀy = two-stage least squares by SVD (rel %.3g; β̂₀ = %.6g)",
               cases[i].args, relerr(b, ref), gsl_vector_get(b, 0));
        /* F(β̂) = L(θ*(β̂)) and ∇F(β̂) = 0 */
        P->type->theta_star(P, b, th);
        P->type->hypergrad(P, b, g);
        tap_ok(fabs(bl_problem_L(P, th, b) - F) <= 1e-12 * F && gsl_blas_dnrm2(g) <= 1e-10,
               "ivreg %s: F(β̂) = L(θ*(β̂)) = %.10g and ‖∇F(β̂)‖ = %.3g", cases[i].args, F,
               gsl_blas_dnrm2(g));
        iv_free(&D);
        gsl_vector_free(ref);
        gsl_vector_free(b);
        gsl_vector_free(g);
        gsl_vector_free(th);
        bl_problem_free(P);
    }

    /* the outer problem solved by gd with the exact hypergradient reaches
     * β̂; OLS is biased by the confounder, 2SLS nearer the true β */
    bl_problem *P = build(&bl_problem_ivreg, "");
    if (!P) return;
    gsl_vector *om = gsl_vector_calloc(2), *th = gsl_vector_calloc(P->p), *b = gsl_vector_alloc(2);
    gsl_vector *ols = gsl_vector_alloc(2), *tru = gsl_vector_alloc(2);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    bl_spec sp;
    bl_err e = {0, ""};
    bl_spec_parse("exact", &sp, &e);
    bl_outer_conf oc = {.type = bl_outer_lookup("gd"), .step = 1, .backtrack = 1,
                        .lo = -INFINITY, .hi = INFINITY, .inner_steps = 0, .maxstep = 1};
    bl_outer_env env = {.P = P, .omega = om, .theta = th, .inner = &ic, .conf = &oc,
                        .estimator = &sp};
    bl_outer *o = bl_outer_alloc(oc.type, P->d);
    int st = BL_OK;
    for (size_t k = 0; st == BL_OK && k < 150; k++) st = bl_outer_step(o, &env, &e);
    bl_outer_free(o);
    bl_ivreg_2sls(P, b, NULL);
    bl_ivreg_ols(P, ols);
    gsl_vector_set(tru, 0, 1.0);
    gsl_vector_set(tru, 1, -0.5);
    tap_ok(st == BL_OK && relerr(om, b) <= 1e-8,
           "ivreg: 150 outer gd steps with exact reach the 2SLS β̂ = (%.6g, %.6g) (rel %.3g)",
           gsl_vector_get(b, 0), gsl_vector_get(b, 1), relerr(om, b));
    tap_ok(dist(b, tru) < 0.5 * dist(ols, tru),
           "ivreg defaults: 2SLS is nearer the true β = (1, −½) (%.3g) than OLS (%.3g, "
           "biased by the confounder)", dist(b, tru), dist(ols, tru));
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(b);
    gsl_vector_free(ols);
    gsl_vector_free(tru);
    bl_problem_free(P);
}

/* linear and kernel=linear are the same model: the same F and ∇F; the
 * spectra differ as the doc page says */
static void check_ivreg_models(void)
{
    const char *lin = "n=40 q=90 lambda=1e-3", *ker = "n=40 q=90 lambda=1e-3 model=kernel kernel=linear";
    bl_problem *A = build(&bl_problem_ivreg, lin), *B = build(&bl_problem_ivreg, ker);
    if (!A || !B) {
        bl_problem_free(A);
        bl_problem_free(B);
        return;
    }
    gsl_vector *om = gsl_vector_alloc(2), *ga = gsl_vector_alloc(2), *gb = gsl_vector_alloc(2);
    gsl_vector *ta = gsl_vector_alloc(A->p), *tb = gsl_vector_alloc(B->p);
    gsl_vector *za = gsl_vector_alloc(B->p);
    randn(om, 1.0);
    A->type->theta_star(A, om, ta);
    B->type->theta_star(B, om, tb);
    ivdata D;
    iv_regen(&D, 40, 90, 2, 2, 1, 0.1, 0);
    gsl_blas_dgemv(CblasNoTrans, 1.0, D.Z, ta, 0.0, za);
    tap_ok(relerr(tb, za) <= 1e-10, "ivreg q=90 > n=40: the kernel model's u* is Zθ* of the "
           "linear model (rel %.3g)", relerr(tb, za));
    double Fa = bl_problem_L(A, ta, om), Fb = bl_problem_L(B, tb, om);
    A->type->hypergrad(A, om, ga);
    B->type->hypergrad(B, om, gb);
    tap_ok(fabs(Fa - Fb) <= 1e-12 * Fa && relerr(ga, gb) <= 1e-10,
           "ivreg: model=linear and model=kernel kernel=linear have the same F (%.12g, %.12g) "
           "and ∇F (rel %.3g)", Fa, Fb, relerr(ga, gb));
    /* the adjoint solves in both parametrisations give that ∇F */
    bl_err e = {0, ""};
    gsl_vector *gr = gsl_vector_alloc(2);
    B->type->hypergrad(B, om, gr);
    int sa = estimate(A, "exact", om, ta, ga, &e), sb = estimate(B, "cg:k=20", om, tb, gb, &e);
    tap_ok(sa == BL_OK && sb == BL_OK && relerr(ga, gr) <= 1e-9 && relerr(gb, gr) <= 1e-9,
           "ivreg: exact on the linear model and cg:k=20 on the kernel model give ∇F "
           "(rel %.3g, %.3g)", relerr(ga, gr), relerr(gb, gr));
    gsl_vector_free(gr);

    /* spectra: linear H = ZᵀZ/n + λI has q − n eigenvalues λ; kernel
     * H = I/n + λK⁻¹ has them in [1/n + λ/μmax(K), 1/n + λ/μmin(K)] */
    gsl_matrix *HA = gsl_matrix_alloc(A->p, A->p), *HB = gsl_matrix_alloc(B->p, B->p);
    gsl_matrix *K = gsl_matrix_alloc(40, 40);
    gsl_vector *ea = gsl_vector_alloc(A->p), *eb = gsl_vector_alloc(B->p), *ek = gsl_vector_alloc(40);
    bl_problem_hessian(A, ta, om, HA);
    bl_problem_hessian(B, tb, om, HB);
    sym_eigs(HA, ea);
    sym_eigs(HB, eb);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, D.Z, D.Z, 0.0, K);
    sym_eigs(K, ek);
    size_t at_lambda = 0;
    for (size_t i = 0; i < A->p; i++)
        at_lambda += fabs(gsl_vector_get(ea, i) - 1e-3) <= 1e-12;
    double lo = 1.0 / 40 + 1e-3 / gsl_vector_get(ek, 39), hi = 1.0 / 40 + 1e-3 / gsl_vector_get(ek, 0);
    tap_ok(at_lambda == 50 && gsl_vector_get(ea, 50) > 10 * 1e-3,
           "ivreg linear q=90 n=40: H has q − n = %zu eigenvalues equal to λ = 1e-3 (want 50), "
           "the next is %.4g: condition %.4g", at_lambda, gsl_vector_get(ea, 50),
           gsl_vector_get(ea, 89) / gsl_vector_get(ea, 0));
    tap_ok(fabs(gsl_vector_get(eb, 0) - lo) <= 1e-12 && fabs(gsl_vector_get(eb, 39) - hi) <= 1e-10 * hi,
           "ivreg kernel: H's eigenvalues [%.10g, %.10g] = 1/n + λ/μ(K) over K = ZZᵀ's "
           "(%.10g, %.10g): condition %.6g", gsl_vector_get(eb, 0), gsl_vector_get(eb, 39), lo,
           hi, gsl_vector_get(eb, 39) / gsl_vector_get(eb, 0));
    iv_free(&D);
    gsl_matrix_free(HA);
    gsl_matrix_free(HB);
    gsl_matrix_free(K);
    gsl_vector_free(ea);
    gsl_vector_free(eb);
    gsl_vector_free(ek);
    gsl_vector_free(om);
    gsl_vector_free(ga);
    gsl_vector_free(gb);
    gsl_vector_free(ta);
    gsl_vector_free(tb);
    gsl_vector_free(za);
    bl_problem_free(A);
    bl_problem_free(B);
}

/* λ = 0 with q ≥ n: the parametric H is singular (exact refuses) while the
 * kernel model's is I/n; the first stage then reproduces T and 2SLS is OLS */
static void check_ivreg_singular(void)
{
    bl_problem *A = build(&bl_problem_ivreg, "n=30 q=50 lambda=0");
    bl_problem *B = build(&bl_problem_ivreg, "n=30 q=50 lambda=0 model=kernel");
    if (!A || !B) {
        bl_problem_free(A);
        bl_problem_free(B);
        return;
    }
    gsl_vector *om = gsl_vector_alloc(2), *g = gsl_vector_alloc(2), *o2 = gsl_vector_alloc(2);
    gsl_vector *ta = gsl_vector_calloc(A->p), *tb = gsl_vector_alloc(B->p);
    gsl_vector_set(om, 0, 1);
    gsl_vector_set(om, 1, -0.5);
    bl_err e = {0, ""};
    int st = estimate(A, "exact", om, ta, g, &e);
    tap_ok(st == BL_ENOTPD && has(e.msg, "smallest eigenvalue"),
           "ivreg linear λ=0, q=50 > n=30: exact refuses: \"%s\"", e.msg);
    tap_ok(A->type->theta_star(A, om, ta) == BL_ENOTPD,
           "ivreg linear λ=0, q > n: θ* is not unique (theta_star refuses)");
    B->type->theta_star(B, om, tb);
    st = estimate(B, "exact", om, tb, g, &e);
    double F;
    bl_ivreg_2sls(B, o2, &F);
    bl_ivreg_ols(B, om);
    tap_ok(st == BL_OK && relerr(o2, om) <= 1e-10,
           "ivreg kernel λ=0, q > n: exact works (H = I/n), and the 2SLS β̂ is OLS (rel %.3g): "
           "a first stage that fits T exactly removes the instruments' correction",
           relerr(o2, om));
    /* kernel=linear with q < n and λ > 0: K = ZZᵀ is singular */
    bl_problem *C = problem_with(&bl_problem_ivreg, "model=kernel kernel=linear", &e);
    tap_ok(!C && has(e.msg, "singular"), "ivreg model=kernel kernel=linear q=10 < n=100 refused: "
           "\"%s\"", e.msg);
    bl_problem_free(C);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(o2);
    gsl_vector_free(ta);
    gsl_vector_free(tb);
    bl_problem_free(A);
    bl_problem_free(B);
}

/* ================================= oed ================================= */

static double softplus(double t) { return log1p(exp(t)); }

/* P x by dense LU solves of I + rK, nt times (heat_ops does tridiagonal
 * ones) */
static void dense_propagate(size_t N, size_t nt, double r, const gsl_vector *x, gsl_vector *out)
{
    gsl_matrix *A = gsl_matrix_calloc(N, N);
    gsl_permutation *perm = gsl_permutation_alloc(N);
    int sg;
    for (size_t i = 0; i < N; i++) {
        gsl_matrix_set(A, i, i, 1 + 2 * r);
        if (i + 1 < N) {
            gsl_matrix_set(A, i, i + 1, -r);
            gsl_matrix_set(A, i + 1, i, -r);
        }
    }
    gsl_linalg_LU_decomp(A, perm, &sg);
    gsl_vector_memcpy(out, x);
    for (size_t k = 0; k < nt; k++) gsl_linalg_LU_svx(A, perm, out);
    gsl_matrix_free(A);
    gsl_permutation_free(perm);
}

static void check_oed_draws(void)
{
    /* N=30 nt=5 dt=1e-3 kappa=1 s=6 K=4 noise=0.02 lo=0.3 hi=0.5 seed=7 */
    const size_t N = 30, nt = 5, s = 6, K = 4;
    const double noise = 0.02, lo = 0.3, hi = 0.5, h = 1.0 / 31;
    bl_problem *P = build(&bl_problem_oed, "N=30 nt=5 s=6 K=4 noise=0.02 lo=0.3 hi=0.5 seed=7 "
                                           "budget=0.01");
    if (!P) return;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    gsl_matrix *U = gsl_matrix_alloc(K, N);
    for (size_t k = 0; k < K; k++) {
        double c[2], a[2];
        for (int j = 0; j < 2; j++) {
            c[j] = lo + (hi - lo) * gsl_rng_uniform(r);
            a[j] = 0.5 + gsl_rng_uniform(r);
        }
        for (size_t i = 0; i < N; i++) {
            double x = (double)(i + 1) * h, v = 0;
            for (int j = 0; j < 2; j++) v += a[j] * exp(-0.5 * pow((x - c[j]) / 0.05, 2));
            gsl_matrix_set(U, k, i, v);
        }
    }
    gsl_vector *om = gsl_vector_alloc(s), *z = gsl_vector_calloc(K * N), *u = gsl_vector_alloc(N);
    gsl_vector *pu = gsl_vector_alloc(N);
    randn(om, 1.0);
    /* L(0, ω) = (1/K) Σ ‖u₀^k‖²/(2N) + β Σ softplus(ω_i) */
    double Lw = 0, sw = 0;
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < N; i++) Lw += pow(gsl_matrix_get(U, k, i), 2);
    for (size_t j = 0; j < s; j++) sw += softplus(gsl_vector_get(om, j));
    Lw = Lw / (2.0 * N * K) + 0.01 * sw;
    tap_close(bl_problem_L(P, z, om), Lw, 1e-13,
              "oed: L(0, ω) from the training states drawn as documented (bumps in [lo, hi])");
    /* G(0, ω) = ½ Σ_k Σ_i w_i d_ki², d = S P u₀ + noise·N(0, 1) */
    double Gw = 0;
    for (size_t k = 0; k < K; k++) {
        gsl_vector_const_view uk = gsl_matrix_const_row(U, k);
        dense_propagate(N, nt, 1e-3 * 31 * 31, &uk.vector, pu);
        for (size_t j = 0; j < s; j++) {
            size_t idx = (size_t)floor((j + 0.5) * N / s);
            double d = gsl_vector_get(pu, idx) + noise * gsl_ran_gaussian(r, 1.0);
            Gw += 0.5 * softplus(gsl_vector_get(om, j)) * d * d;
        }
    }
    tap_close(bl_problem_G(P, z, om), Gw, 1e-12,
              "oed: G(0, ω) = ½ Σ w_i d_ki² with d from dense LU propagation and the documented "
              "noise draws");
    gsl_rng_free(r);
    gsl_matrix_free(U);
    gsl_vector_free(om);
    gsl_vector_free(z);
    gsl_vector_free(u);
    gsl_vector_free(pu);
    bl_problem_free(P);
}

/* With K = 1 and every w_i = 1, oed's H is heat's at ω = (reg1, reg2) */
static void check_oed_vs_heat(void)
{
    bl_problem *O = build(&bl_problem_oed, "N=40 nt=7 s=9 K=1 reg1=-3 reg2=-5");
    double hp[7] = {40, 7, 1e-3, 1, 9, 0.01, 0};
    bl_err e = {0, ""};
    bl_problem *Hh = bl_problem_alloc(&bl_problem_heat, hp, NULL, &e);
    if (!O || !Hh) {
        bl_problem_free(O);
        bl_problem_free(Hh);
        return;
    }
    gsl_vector *om = gsl_vector_alloc(9), *oh = gsl_vector_alloc(2), *v = gsl_vector_alloc(40);
    gsl_vector *a = gsl_vector_alloc(40), *b = gsl_vector_alloc(40), *th = gsl_vector_alloc(40);
    bl_problem_omega0(O, om);                   /* w = 1 */
    gsl_vector_set(oh, 0, -3);
    gsl_vector_set(oh, 1, -5);
    randn(v, 1.0);
    randn(th, 1.0);
    bl_problem_hvp(O, th, om, v, a);
    bl_problem_hvp(Hh, th, oh, v, b);
    tap_ok(relerr(a, b) <= 1e-13, "oed K=1, w = 1 (ω₀ = log(e − 1)): H v = heat's H v at "
           "ω = (reg1, reg2) (rel %.3g)", relerr(a, b));
    tap_close(softplus(gsl_vector_get(om, 0)), 1.0, 1e-15, "oed: the default ω gives w = 1");
    gsl_vector_free(om);
    gsl_vector_free(oh);
    gsl_vector_free(v);
    gsl_vector_free(a);
    gsl_vector_free(b);
    gsl_vector_free(th);
    bl_problem_free(O);
    bl_problem_free(Hh);
}

/* θ* solves ∇θG = 0; ∇F = differences of F(ω) and = ∇ωL − C H⁻¹∇θL */
static void check_oed_closed(void)
{
    bl_problem *P = build(&bl_problem_oed, "N=25 nt=6 s=5 K=3 budget=0.01");
    if (!P) return;
    size_t p = P->p, d = P->d;
    gsl_vector *om = gsl_vector_alloc(d), *ts = gsl_vector_alloc(p), *g = gsl_vector_alloc(p);
    gsl_vector *z = gsl_vector_calloc(p), *hg = gsl_vector_alloc(d), *fd = gsl_vector_alloc(d);
    gsl_vector *o = gsl_vector_alloc(d), *g2 = gsl_vector_alloc(d), *ca = gsl_vector_alloc(d);
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    randn(om, 1.0);
    int st = P->type->theta_star(P, om, ts);
    bl_problem_G_theta(P, z, om, g);
    double scale = gsl_blas_dnrm2(g);
    bl_problem_G_theta(P, ts, om, g);
    tap_ok(st == BL_OK && gsl_blas_dnrm2(g) <= 1e-10 * scale,
           "oed: closed-form θ* has ‖∇θG(θ*)‖ = %.3g (relative)", gsl_blas_dnrm2(g) / scale);
    P->type->hypergrad(P, om, hg);
    for (size_t i = 0; i < d; i++) {
        const double hh = 1e-5;
        gsl_vector_memcpy(o, om);
        gsl_vector_set(o, i, gsl_vector_get(om, i) + hh);
        double Fp = F_closed(P, o);
        gsl_vector_set(o, i, gsl_vector_get(om, i) - hh);
        double Fm = F_closed(P, o);
        gsl_vector_set(fd, i, (Fp - Fm) / (2 * hh));
    }
    tap_ok(relerr(hg, fd) <= 1e-6, "oed: closed-form ∇F = central differences of F (rel %.3g)",
           relerr(hg, fd));
    bl_problem_hessian(P, ts, om, H);
    bl_problem_L_theta(P, ts, om, g);
    gsl_linalg_cholesky_decomp1(H);
    gsl_linalg_cholesky_svx(H, g);
    bl_problem_L_omega(P, ts, om, g2);
    bl_problem_cvp(P, ts, om, g, ca);
    gsl_vector_sub(g2, ca);
    tap_ok(relerr(hg, g2) <= 1e-10, "oed: closed-form ∇F = ∇ωL − C H⁻¹∇θL with the dense block "
           "diagonal H (rel %.3g)", relerr(hg, g2));
    /* block structure: H's off-diagonal blocks are zero */
    bl_problem_hessian(P, ts, om, H);
    double off = 0;
    for (size_t i = 0; i < 25; i++)
        for (size_t j = 25; j < p; j++) off = fmax(off, fabs(gsl_matrix_get(H, i, j)));
    tap_ok(off == 0, "oed: H is block diagonal (the K samples are separate inner problems)");

    /* a few outer steps lower F and keep w > 0 */
    double F0 = F_closed(P, om);
    bl_problem_omega0(P, om);
    F0 = F_closed(P, om);
    gsl_vector_set_zero(ts);
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 50, 0};
    bl_spec sp;
    bl_err e = {0, ""};
    bl_spec_parse("exact", &sp, &e);
    bl_outer_conf oc = {.type = bl_outer_lookup("adam"), .step = 0.3, .backtrack = 0,
                        .lo = -INFINITY, .hi = INFINITY, .inner_steps = 0, .maxstep = 0};
    bl_outer_env env = {.P = P, .omega = om, .theta = ts, .inner = &ic, .conf = &oc,
                        .estimator = &sp};
    bl_outer *ou = bl_outer_alloc(oc.type, d);
    st = BL_OK;
    for (size_t k = 0; st == BL_OK && k < 20; k++) st = bl_outer_step(ou, &env, &e);
    bl_outer_free(ou);
    double F1 = F_closed(P, om);
    tap_ok(st == BL_OK && F1 < F0, "oed: 20 adam steps with exact lower F from %.6g (w = 1) to "
           "%.6g (%s)", F0, F1, st ? e.msg : "ok");
    gsl_vector_free(om);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(z);
    gsl_vector_free(hg);
    gsl_vector_free(fd);
    gsl_vector_free(o);
    gsl_vector_free(g2);
    gsl_vector_free(ca);
    gsl_matrix_free(H);
    bl_problem_free(P);
}

/* ================================= irl ================================= */

enum { NA = 5 };

typedef struct {
    size_t side, S;
    double gamma, slip;
    size_t *next;
    gsl_matrix *Ct, *Cv;      /* counts */
} irlref;

static double pdot(const irlref *R, size_t s, size_t a, const double *V)
{
    double m = 0;
    for (size_t b = 0; b < NA; b++) m += V[R->next[s * NA + b]];
    return (1 - R->slip) * V[R->next[s * NA + a]] + R->slip / NA * m;
}

/* K steps of plain value iteration V ← r + log Σ_a exp(γ P_{sa}·V) from 0
 * (K = 0: V = 0), then π = softmax(γPV) into PI (S×NA) */
static void vi(const irlref *R, const gsl_vector *r, size_t K, gsl_matrix *Pi)
{
    size_t S = R->S;
    double *V = calloc(S, sizeof *V), *W = calloc(S, sizeof *W);
    for (size_t k = 0; k < K; k++) {
        for (size_t s = 0; s < S; s++) {
            double z = 0;
            for (size_t a = 0; a < NA; a++) z += exp(R->gamma * pdot(R, s, a, V));
            W[s] = gsl_vector_get(r, s) + log(z);
        }
        memcpy(V, W, S * sizeof *V);
    }
    for (size_t s = 0; s < S; s++) {
        double z = 0;
        for (size_t a = 0; a < NA; a++) z += exp(R->gamma * pdot(R, s, a, V));
        for (size_t a = 0; a < NA; a++)
            gsl_matrix_set(Pi, s, a, exp(R->gamma * pdot(R, s, a, V)) / z);
    }
    free(V);
    free(W);
}

static double ref_nll(const gsl_matrix *C, const gsl_matrix *Pi)
{
    double t = 0, n = 0;
    for (size_t s = 0; s < C->size1; s++)
        for (size_t a = 0; a < NA; a++) {
            double c = gsl_matrix_get(C, s, a);
            n += c;
            if (c > 0) t -= c * log(gsl_matrix_get(Pi, s, a));
        }
    return t / n;
}

/* The grid and trajectories of doc/problems/irl.md, the expert's policy
 * by 3000 value-iteration steps (γ^3000 is far below round-off) */
static void irl_regen(irlref *R, size_t side, size_t ntraj, size_t nval, size_t hz, double gamma,
                      double slip, double scale, unsigned long seed)
{
    size_t S = side * side;
    R->side = side;
    R->S = S;
    R->gamma = gamma;
    R->slip = slip;
    R->next = malloc(S * NA * sizeof *R->next);
    for (size_t i = 0; i < side; i++)
        for (size_t j = 0; j < side; j++) {
            size_t x = i * side + j, *nx = R->next + x * NA;
            nx[0] = x;
            nx[1] = i > 0 ? x - side : x;
            nx[2] = i + 1 < side ? x + side : x;
            nx[3] = j > 0 ? x - 1 : x;
            nx[4] = j + 1 < side ? x + 1 : x;
        }
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    size_t goal = gsl_rng_uniform_int(r, S), trap = gsl_rng_uniform_int(r, S - 1);
    if (trap >= goal) trap++;
    gsl_vector *rt = gsl_vector_calloc(S);
    gsl_vector_set(rt, goal, scale);
    gsl_vector_set(rt, trap, -scale);
    gsl_matrix *Pi = gsl_matrix_alloc(S, NA);
    vi(R, rt, 3000, Pi);
    R->Ct = gsl_matrix_calloc(S, NA);
    R->Cv = gsl_matrix_calloc(S, NA);
    for (int set = 0; set < 2; set++) {
        gsl_matrix *C = set ? R->Cv : R->Ct;
        for (size_t j = 0; j < (set ? nval : ntraj); j++) {
            size_t s = gsl_rng_uniform_int(r, S);
            for (size_t t = 0; t < hz; t++) {
                double u = gsl_rng_uniform(r), c = 0;
                size_t a = NA - 1;
                for (size_t b = 0; b < NA; b++) {
                    c += gsl_matrix_get(Pi, s, b);
                    if (u < c) {
                        a = b;
                        break;
                    }
                }
                gsl_matrix_set(C, s, a, gsl_matrix_get(C, s, a) + 1);
                size_t mv = gsl_rng_uniform(r) < slip ? gsl_rng_uniform_int(r, NA) : a;
                s = R->next[s * NA + mv];
            }
        }
    }
    gsl_rng_free(r);
    gsl_vector_free(rt);
    gsl_matrix_free(Pi);
}

static void irlref_free(irlref *R)
{
    free(R->next);
    gsl_matrix_free(R->Ct);
    gsl_matrix_free(R->Cv);
}

static void check_irl_reference(void)
{
    static const struct { const char *args; size_t side, nt, nv, hz, K; double g, sl, sc; int unr; } cs[] = {
        {"", 5, 10, 20, 10, 0, 0.9, 0.1, 1, 0},
        {"size=4 ntraj=7 nval=3 horizon=13 gamma=0.7 slip=0.3 scale=2.5 seed=11", 4, 7, 3, 13, 0,
         0.7, 0.3, 2.5, 0},
        {"bellman=unrolled K=7", 5, 10, 20, 10, 7, 0.9, 0.1, 1, 1},
        {"bellman=unrolled K=0", 5, 10, 20, 10, 0, 0.9, 0.1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cs / sizeof *cs; i++) {
        bl_problem *P = build(&bl_problem_irl, cs[i].args);
        if (!P) continue;
        irlref R;
        irl_regen(&R, cs[i].side, cs[i].nt, cs[i].nv, cs[i].hz, cs[i].g, cs[i].sl, cs[i].sc,
                  (unsigned long)P->par[9]);
        gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(1);
        gsl_matrix *Pi = gsl_matrix_alloc(R.S, NA);
        randn(th, 1.0);
        gsl_vector_set(om, 0, -2.0);
        vi(&R, th, cs[i].unr ? cs[i].K : 3000, Pi);
        double nt = dot(th, th);
        double Gr = ref_nll(R.Ct, Pi) + 0.5 * exp(-2.0) * nt, Lr = ref_nll(R.Cv, Pi);
        double G = bl_problem_G(P, th, om), L = bl_problem_L(P, th, om);
        tap_ok(fabs(G - Gr) <= 1e-12 * Gr && fabs(L - Lr) <= 1e-12 * Lr,
               "irl %s: G = %.15g and L = %.15g from the documented trajectories and plain "
               "value iteration (%.15g, %.15g)", *cs[i].args ? cs[i].args : "defaults", G, L, Gr,
               Lr);
        if (cs[i].unr && cs[i].K == 0)
            tap_close(L, log(5.0), 1e-14, "irl unrolled K=0: V₀ = 0, the uniform policy: L = log 5");
        irlref_free(&R);
        gsl_vector_free(th);
        gsl_vector_free(om);
        gsl_matrix_free(Pi);
        bl_problem_free(P);
    }
}

/* The likelihood does not see a constant shift of θ: H 1 = e^ω 1 */
static void check_irl_shift(void)
{
    bl_problem *P = build(&bl_problem_irl, "");
    if (!P) return;
    gsl_vector *th = gsl_vector_alloc(P->p), *t2 = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(1);
    gsl_vector *one = gsl_vector_alloc(P->p), *h = gsl_vector_alloc(P->p);
    randn(th, 1.0);
    gsl_vector_set(om, 0, -1.5);
    gsl_vector_set_all(one, 1.0);
    gsl_vector_memcpy(t2, th);
    gsl_vector_add_constant(t2, 0.7);
    double L1 = bl_problem_L(P, th, om), L2 = bl_problem_L(P, t2, om);
    tap_ok(fabs(L1 - L2) <= 1e-13 * L1, "irl: L(θ + 0.7·1) = L(θ) (%.17g, %.17g)", L1, L2);
    bl_problem_hvp(P, th, om, one, h);
    gsl_vector_scale(one, exp(-1.5));
    tap_ok(relerr(h, one) <= 1e-12, "irl: H 1 = e^ω 1: the likelihood is flat along 1 (rel %.3g)",
           relerr(h, one));
    gsl_vector_free(th);
    gsl_vector_free(t2);
    gsl_vector_free(om);
    gsl_vector_free(one);
    gsl_vector_free(h);
    bl_problem_free(P);
}

/* bellman=unrolled tends to implicit like γ^K: G and ∇θG, and the
 * hypergradient at each one's own θ* */
static void check_irl_unrolled(void)
{
    bl_problem *I = build(&bl_problem_irl, "");
    if (!I) return;
    gsl_vector *th = gsl_vector_alloc(I->p), *om = gsl_vector_alloc(1);
    gsl_vector *gi = gsl_vector_alloc(I->p), *gk = gsl_vector_alloc(I->p);
    randn(th, 0.5);
    gsl_vector_set(om, 0, -3);
    bl_problem_G_theta(I, th, om, gi);
    double Gi = bl_problem_G(I, th, om), err[3];
    const size_t Ks[3] = {10, 30, 60};
    for (int j = 0; j < 3; j++) {
        char args[64];
        snprintf(args, sizeof args, "bellman=unrolled K=%zu", Ks[j]);
        bl_problem *U = build(&bl_problem_irl, args);
        if (!U) return;
        bl_problem_G_theta(U, th, om, gk);
        err[j] = relerr(gk, gi);
        tap_diag("K=%zu: |G_K − G| = %.3g, ‖∇G_K − ∇G‖/‖∇G‖ = %.3g (γ^K = %.3g)", Ks[j],
                 fabs(bl_problem_G(U, th, om) - Gi), err[j], pow(0.9, (double)Ks[j]));
        bl_problem_free(U);
    }
    tap_ok(err[0] > err[1] && err[1] > err[2] && err[2] < 1e-2 && err[2] / err[1] < 10 * pow(0.9, 30),
           "irl: unrolled ∇θG tends to implicit's like γ^K: %.3g, %.3g, %.3g at K = 10, 30, 60",
           err[0], err[1], err[2]);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gi);
    gsl_vector_free(gk);
    bl_problem_free(I);
}

/* The default set-up solves with defaults (its solver, gd, to 1e-10), the
 * hypergradient there by exact agrees with fd, and outer gd improves the
 * held-out likelihood */
static void check_irl_solve(void)
{
    bl_problem *P = build(&bl_problem_irl, "");
    if (!P) return;
    gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_alloc(1);
    gsl_vector *g = gsl_vector_alloc(1), *gf = gsl_vector_alloc(1);
    bl_problem_omega0(P, om);
    bl_inner_conf ic = {bl_inner_lookup(P->type->solver), 0, 1e-10, 10000, 0};
    bl_err e = {0, ""};
    size_t it = 0;
    int st = bl_inner_solve_at(P, &ic, om, th, &it, NULL, &e);
    tap_ok(st == BL_OK && !strcmp(P->type->solver, "gd"),
           "irl defaults: its solver %s reaches ‖∇θG‖ ≤ 1e-10 in %zu iterations (%s)",
           P->type->solver, it, st ? e.msg : "ok");
    int s1 = estimate(P, "exact", om, th, g, &e), s2 = estimate(P, "fd", om, th, gf, &e);
    tap_ok(s1 == BL_OK && s2 == BL_OK && relerr(gf, g) <= 1e-5,
           "irl: exact ∇F = %.10g, fd %.10g (rel %.3g)", gsl_vector_get(g, 0),
           gsl_vector_get(gf, 0), relerr(gf, g));
    double F0 = bl_problem_L(P, th, om);
    bl_spec sp;
    bl_spec_parse("exact", &sp, &e);
    bl_outer_conf oc = {.type = bl_outer_lookup("gd"), .step = 50, .backtrack = 1,
                        .lo = -INFINITY, .hi = INFINITY, .inner_steps = 0, .maxstep = 1};
    bl_outer_env env = {.P = P, .omega = om, .theta = th, .inner = &ic, .conf = &oc,
                        .estimator = &sp};
    bl_outer *o = bl_outer_alloc(oc.type, 1);
    for (size_t k = 0; st == BL_OK && k < 10; k++) st = bl_outer_step(o, &env, &e);
    bl_outer_free(o);
    double F1 = bl_problem_L(P, th, om);
    tap_ok(st == BL_OK && F1 < F0 && gsl_vector_get(om, 0) > log(0.01),
           "irl: 10 outer gd steps raise ω from log 0.01 to %.4g and lower the held-out "
           "−log-likelihood from %.6g to %.6g (%s)", gsl_vector_get(om, 0), F0, F1,
           st ? e.msg : "ok");
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(gf);
    bl_problem_free(P);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20241717);
    check_ivreg_2sls();
    check_ivreg_models();
    check_ivreg_singular();
    check_oed_draws();
    check_oed_vs_heat();
    check_oed_closed();
    check_irl_reference();
    check_irl_shift();
    check_irl_unrolled();
    check_irl_solve();
    gsl_rng_free(rng);
    return tap_done();
}
