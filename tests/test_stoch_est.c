/* test_stoch_est.c: issue 16, item 2: the minibatch estimators (spec
 * parameter batch=) and hypergrad's draws=R (stoch_est.c).  The minibatch
 * neumann, fp, cg and reverse against formulas written here from
 * doc/catalogue.md "Stochastic hypergradient estimators", with quadsum's
 * per-sample matrices recovered from the minibatch hooks on one index and
 * the index sets drawn by a sampler seeded as the estimators seed theirs;
 * full batch bit for bit; the unbiasedness of SHIA for the truncated
 * series; bias falling with k and variance with the batch; draws
 * independent of the thread count. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fixtures.h"
#include "outer.h"
#include "stoch.h"
#include "stoch_est.h"

static bl_problem *build(const char *args)
{
    bl_err e = {0, ""};
    bl_problem *P = problem_with(&bl_problem_quadsum, args, &e);
    if (!P) tap_ok(0, "quadsum %s builds: %s", args, e.msg);
    return P;
}

static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

static bl_hg_ctx ctx(bl_problem *P, cvec *om, cvec *th, int sampler, size_t bo,
                     unsigned long seed)
{
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .eta = 0.5, .sampler = sampler,
                   .batch_outer = bo, .seed = seed};
    return c;
}

/* g of SPEC in C (BL_OK expected) */
static int run(const char *spec, const bl_hg_ctx *c, gsl_vector *g, bl_err *e)
{
    bl_spec s;
    if (bl_spec_parse(spec, &s, e)) return BL_EINVAL;
    bl_hg_result r = {.grad = g};
    return bl_hypergrad(&s, c, &r, e);
}

/* ---- per-sample matrices from the minibatch hooks on one index ---- */

typedef struct {
    size_t n, p, d;
    gsl_matrix **A;     /* A_i: ∇²θθ G_i (p×p) */
    gsl_matrix **C;     /* C_i: ∇²ωθ G_i (d×p: v ↦ C_i v) */
} samples;

static void samples_get(bl_problem *P, cvec *th, cvec *om, samples *S)
{
    const bl_minibatch *mb = P->type->mb;
    S->n = mb->n_inner(P);
    S->p = P->p;
    S->d = P->d;
    S->A = calloc(S->n, sizeof *S->A);
    S->C = calloc(S->n, sizeof *S->C);
    gsl_vector *e = gsl_vector_alloc(S->p), *hp = gsl_vector_alloc(S->p);
    gsl_vector *cd = gsl_vector_alloc(S->d);
    for (size_t i = 0; i < S->n; i++) {
        S->A[i] = gsl_matrix_alloc(S->p, S->p);
        S->C[i] = gsl_matrix_alloc(S->d, S->p);
        for (size_t j = 0; j < S->p; j++) {
            gsl_vector_set_basis(e, j);
            mb->hvp(P, th, om, &i, 1, e, hp);
            mb->cvp(P, th, om, &i, 1, e, cd);
            gsl_matrix_set_col(S->A[i], j, hp);
            gsl_matrix_set_col(S->C[i], j, cd);
        }
    }
    gsl_vector_free(e);
    gsl_vector_free(hp);
    gsl_vector_free(cd);
}

static void samples_free(samples *S)
{
    for (size_t i = 0; i < S->n; i++) {
        gsl_matrix_free(S->A[i]);
        gsl_matrix_free(S->C[i]);
    }
    free(S->A);
    free(S->C);
}

/* M ← the mean of MATS over the index set of B */
static void mean_over(gsl_matrix **mats, const bl_batch *B, gsl_matrix *M)
{
    gsl_matrix_set_zero(M);
    for (size_t j = 0; j < B->m; j++) gsl_matrix_add(M, mats[B->idx[j]]);
    gsl_matrix_scale(M, 1.0 / (double)B->m);
}

/* the outer batch: batch.outer 0 is all the samples, whatever the sampler */
static void next_outer(bl_sampler *so, size_t bo, bl_batch *B)
{
    if (bo == 0) bl_sampler_all(so, B);
    else bl_sampler_next(so, B);
}

/* the outer batch's ∇θL and ∇ωL from the hooks (the mean over its indices) */
static void outer_grads(bl_problem *P, cvec *th, cvec *om, const bl_batch *Bo, gsl_vector *lt,
                        gsl_vector *lo)
{
    P->type->mb->L_theta(P, th, om, Bo->idx, Bo->m, lt);
    P->type->mb->L_omega(P, th, om, Bo->idx, Bo->m, lo);
}

/* neumann (FP = 0) or fp (FP = 1) with K iterations, step ETA, from the
 * formulas: neumann r₀ = b, r_j = (I − ηH_Bj) r_{j−1}, a = η Σ_{j=0}^{K} r_j;
 * fp a₁ = ηb, a_{j+1} = a_j − η(H_Bj a_j − b); g = ∇ωL_B' − C_Bc a */
static void ref_adjoint(bl_problem *P, samples *S, cvec *th, cvec *om, int kind, size_t bi,
                        size_t bo, unsigned long seed, int fp, size_t K, double eta,
                        gsl_vector *g)
{
    size_t p = S->p, d = S->d;
    const bl_minibatch *mb = P->type->mb;
    bl_sampler *si = bl_sampler_alloc(kind, mb->n_inner(P), bi, seed);
    bl_sampler *so = bl_sampler_alloc(kind, mb->n_outer(P), bo, bl_seed_outer(seed));
    gsl_matrix *H = gsl_matrix_alloc(p, p), *C = gsl_matrix_alloc(d, p);
    gsl_vector *b = gsl_vector_alloc(p), *r = gsl_vector_alloc(p), *a = gsl_vector_calloc(p);
    gsl_vector *t = gsl_vector_alloc(p), *lo = gsl_vector_alloc(d);
    bl_batch Bo, B;
    next_outer(so, bo, &Bo);
    outer_grads(P, th, om, &Bo, b, lo);
    if (!fp) {
        gsl_vector_memcpy(r, b);
        gsl_blas_daxpy(eta, r, a);
        for (size_t j = 0; j < K; j++) {
            bl_sampler_next(si, &B);
            mean_over(S->A, &B, H);
            gsl_blas_dgemv(CblasNoTrans, -eta, H, r, 0.0, t);   /* t = −ηH r */
            gsl_vector_add(r, t);
            gsl_blas_daxpy(eta, r, a);
        }
    } else {
        for (size_t j = 0; j < K; j++) {
            if (j == 0) {
                gsl_blas_daxpy(eta, b, a);
                continue;
            }
            bl_sampler_next(si, &B);
            mean_over(S->A, &B, H);
            gsl_vector_memcpy(t, b);
            gsl_blas_dgemv(CblasNoTrans, 1.0, H, a, -1.0, t);   /* t = H a − b */
            gsl_blas_daxpy(-eta, t, a);
        }
    }
    bl_sampler_next(si, &B);
    mean_over(S->C, &B, C);
    gsl_vector_memcpy(g, lo);
    gsl_blas_dgemv(CblasNoTrans, -1.0, C, a, 1.0, g);
    bl_sampler_free(si);
    bl_sampler_free(so);
    gsl_matrix_free(H);
    gsl_matrix_free(C);
    gsl_vector_free(b);
    gsl_vector_free(r);
    gsl_vector_free(a);
    gsl_vector_free(t);
    gsl_vector_free(lo);
}

/* cg with k = p iterations on one batch: the solution of H_B a = b (LU),
 * then g = ∇ωL_B' − C_Bc a */
static void ref_cg(bl_problem *P, samples *S, cvec *th, cvec *om, int kind, size_t bi,
                   size_t bo, unsigned long seed, gsl_vector *g)
{
    size_t p = S->p, d = S->d;
    const bl_minibatch *mb = P->type->mb;
    bl_sampler *si = bl_sampler_alloc(kind, mb->n_inner(P), bi, seed);
    bl_sampler *so = bl_sampler_alloc(kind, mb->n_outer(P), bo, bl_seed_outer(seed));
    gsl_matrix *H = gsl_matrix_alloc(p, p), *C = gsl_matrix_alloc(d, p);
    gsl_vector *b = gsl_vector_alloc(p), *a = gsl_vector_alloc(p), *lo = gsl_vector_alloc(d);
    gsl_permutation *pm = gsl_permutation_alloc(p);
    int sg;
    bl_batch Bo, B;
    next_outer(so, bo, &Bo);
    outer_grads(P, th, om, &Bo, b, lo);
    bl_sampler_next(si, &B);
    mean_over(S->A, &B, H);
    gsl_linalg_LU_decomp(H, pm, &sg);
    gsl_linalg_LU_solve(H, pm, b, a);
    bl_sampler_next(si, &B);
    mean_over(S->C, &B, C);
    gsl_vector_memcpy(g, lo);
    gsl_blas_dgemv(CblasNoTrans, -1.0, C, a, 1.0, g);
    bl_sampler_free(si);
    bl_sampler_free(so);
    gsl_matrix_free(H);
    gsl_matrix_free(C);
    gsl_vector_free(b);
    gsl_vector_free(a);
    gsl_vector_free(lo);
    gsl_permutation_free(pm);
}

/* stochastic unrolling differentiated in forward mode (reverse's code
 * runs reverse mode): θ_{s+1} = θ_s − η∇θG_Bs(θ_s) from θ₀ = 0,
 * Z_{s+1} = Z_s − η(H_Bs Z_s + C_Bsᵀ), g = ∇ωL_B'(θ_T) + Z_Tᵀ∇θL_B'(θ_T) */
static void ref_unroll(bl_problem *P, samples *S, cvec *om, int kind, size_t bi, size_t bo,
                       unsigned long seed, size_t T, double eta, gsl_vector *g)
{
    size_t p = S->p, d = S->d;
    const bl_minibatch *mb = P->type->mb;
    bl_sampler *si = bl_sampler_alloc(kind, mb->n_inner(P), bi, seed);
    bl_sampler *so = bl_sampler_alloc(kind, mb->n_outer(P), bo, bl_seed_outer(seed));
    gsl_matrix *H = gsl_matrix_alloc(p, p), *C = gsl_matrix_alloc(d, p);
    gsl_matrix *Z = gsl_matrix_calloc(p, d), *HZ = gsl_matrix_alloc(p, d);
    gsl_vector *th = gsl_vector_calloc(p), *gr = gsl_vector_alloc(p), *lt = gsl_vector_alloc(p);
    bl_batch B, Bo;
    for (size_t s = 0; s < T; s++) {
        bl_sampler_next(si, &B);
        mean_over(S->A, &B, H);
        mean_over(S->C, &B, C);
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, H, Z, 0.0, HZ);
        for (size_t i = 0; i < p; i++)
            for (size_t k = 0; k < d; k++)
                gsl_matrix_set(Z, i, k, gsl_matrix_get(Z, i, k)
                               - eta * (gsl_matrix_get(HZ, i, k) + gsl_matrix_get(C, k, i)));
        mb->G_theta(P, th, om, B.idx, B.m, gr);
        gsl_blas_daxpy(-eta, gr, th);
    }
    next_outer(so, bo, &Bo);
    outer_grads(P, th, om, &Bo, lt, g);
    gsl_blas_dgemv(CblasTrans, 1.0, Z, lt, 1.0, g);
    bl_sampler_free(si);
    bl_sampler_free(so);
    gsl_matrix_free(H);
    gsl_matrix_free(C);
    gsl_matrix_free(Z);
    gsl_matrix_free(HZ);
    gsl_vector_free(th);
    gsl_vector_free(gr);
    gsl_vector_free(lt);
}

/* ================================ the tests ================================ */

static void check_full_batch(void)
{
    bl_problem *P = build("n_inner=40 n_outer=30 dim_inner=4 dim_outer=3 seed=5");
    if (!P) return;
    gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(P->d);
    gsl_vector *g0 = gsl_vector_alloc(P->d), *g = gsl_vector_alloc(P->d);
    randn(th, 1.0);
    randn(om, 1.0);
    static const char *const base[] = {"cg:k=3", "neumann:k=7", "fp:k=7", "reverse:t=20"};
    static const char *const batch[] = {"batch=0", "batch=40", "batch=1000"};
    for (size_t q = 0; q < 4; q++) {
        bl_err e = {0, ""};
        bl_hg_ctx c0 = ctx(P, om, th, 0, 0, 0);
        run(base[q], &c0, g0, &e);
        int ok = 1;
        for (int kind = 0; kind < 3; kind++)
            for (size_t bo = 0; bo <= 30; bo += 30)
                for (size_t k = 0; k < 3; k++) {
                    char spec[64];
                    snprintf(spec, sizeof spec, "%s,%s,seed=%zu", base[q], batch[k], k + 3);
                    bl_hg_ctx c = ctx(P, om, th, kind, bo, 17);
                    ok &= run(spec, &c, g, &e) == BL_OK && same_bits(g, g0);
                }
        tap_ok(ok, "%s with batch=0, batch=n and batch>n (outer batch full or n_outer, each "
               "sampler) is the full-batch estimate bit for bit", base[q]);
    }
    /* the counts of a stochastic run: k H-products, one C-product */
    bl_hg_ctx c = ctx(P, om, th, BL_SAMPLER_UNIFORM, 7, 1);
    bl_spec s;
    bl_spec_parse("neumann:k=9,batch=5", &s, NULL);
    bl_hg_result r = {.grad = g};
    int st = bl_hypergrad(&s, &c, &r, NULL);
    tap_ok(st == BL_OK && r.hvp == 9 && r.cvp == 1 && r.grad_calls == 2,
           "neumann:k=9,batch=5 makes 9 minibatch H-products, 1 C-product, 2 gradients "
           "(%lu, %lu, %lu)", r.hvp, r.cvp, r.grad_calls);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g0);
    gsl_vector_free(g);
    bl_problem_free(P);
}

static void check_reimplementation(void)
{
    bl_problem *P = build("n_inner=50 n_outer=40 dim_inner=5 dim_outer=3 seed=7");
    if (!P) return;
    size_t d = P->d;
    gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(d);
    gsl_vector *g = gsl_vector_alloc(d), *gr = gsl_vector_alloc(d);
    randn(th, 1.0);
    randn(om, 1.0);
    samples S;
    samples_get(P, th, om, &S);
    static const size_t outer[] = {0, 10};
    for (int kind = 0; kind < 3; kind++)
        for (size_t q = 0; q < 2; q++) {
            size_t bo = outer[q];
            bl_hg_ctx c = ctx(P, om, th, kind, bo, 99);
            bl_err e = {0, ""};
            double w[4];
            int st[4];
            /* neumann, explicit seed (not the context's) */
            st[0] = run("neumann:k=6,eta=0.4,batch=8,seed=5", &c, g, &e);
            ref_adjoint(P, &S, th, om, kind, 8, bo, 5, 0, 6, 0.4, gr);
            w[0] = relerr(g, gr);
            /* fp, the context's seed */
            st[1] = run("fp:k=6,eta=0.4,batch=8", &c, g, &e);
            ref_adjoint(P, &S, th, om, kind, 8, bo, 99, 1, 6, 0.4, gr);
            w[1] = relerr(g, gr);
            /* cg: p iterations on one batch solve H_B a = b */
            st[2] = run("cg:k=5,tol=0,batch=8,seed=3", &c, g, &e);
            ref_cg(P, &S, th, om, kind, 8, bo, 3, gr);
            w[2] = relerr(g, gr);
            /* reverse against forward mode through the same batches */
            st[3] = run("reverse:t=15,eta=0.3,batch=6,seed=4", &c, g, &e);
            ref_unroll(P, &S, om, kind, 6, bo, 4, 15, 0.3, gr);
            w[3] = relerr(g, gr);
            tap_ok(!st[0] && w[0] <= 1e-12, "neumann:k=6,batch=8 (%s, outer batch %zu) = the "
                   "SHIA formula with the same draws (rel %.2g)", bl_sampler_names[kind], bo,
                   w[0]);
            tap_ok(!st[1] && w[1] <= 1e-12, "fp:k=6,batch=8 (%s, outer batch %zu) = its "
                   "formula (rel %.2g)", bl_sampler_names[kind], bo, w[1]);
            tap_ok(!st[2] && w[2] <= 1e-8, "cg:k=p,batch=8 (%s, outer batch %zu) = H_B⁻¹ by LU "
                   "on its one batch (rel %.2g)", bl_sampler_names[kind], bo, w[2]);
            tap_ok(!st[3] && w[3] <= 1e-11, "reverse:t=15,batch=6 (%s, outer batch %zu) = "
                   "forward mode through the same batches (rel %.2g)", bl_sampler_names[kind],
                   bo, w[3]);
        }
    /* a different seed, different draws */
    bl_hg_ctx c = ctx(P, om, th, BL_SAMPLER_UNIFORM, 0, 0);
    run("neumann:k=6,batch=8,seed=1", &c, g, NULL);
    run("neumann:k=6,batch=8,seed=2", &c, gr, NULL);
    tap_ok(relerr(g, gr) > 1e-6, "seeds 1 and 2 give different estimates");
    samples_free(&S);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(gr);
    bl_problem_free(P);
}

/* the largest eigenvalue over the per-sample Hessians (for a step that
 * keeps every I − ηA_i a contraction) */
static double max_sample_eig(samples *S)
{
    double m = 0;
    gsl_vector *ev = gsl_vector_alloc(S->p);
    for (size_t i = 0; i < S->n; i++) {
        sym_eigs(S->A[i], ev);
        for (size_t j = 0; j < S->p; j++) m = fmax(m, fabs(gsl_vector_get(ev, j)));
    }
    gsl_vector_free(ev);
    return m;
}

static void check_unbiased(void)
{
    bl_problem *P = build("n_inner=64 n_outer=30 dim_inner=4 dim_outer=2 seed=13");
    if (!P) return;
    size_t d = P->d, R = 4000;
    gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(d);
    gsl_vector *gdet = gsl_vector_alloc(d), *gx = gsl_vector_alloc(d);
    randn(th, 1.0);
    randn(om, 1.0);
    samples S;
    samples_get(P, th, om, &S);
    double eta = 1.0 / max_sample_eig(&S);
    samples_free(&S);
    char det[64], sto[64];
    snprintf(det, sizeof det, "neumann:k=5,eta=%.17g", eta);
    snprintf(sto, sizeof sto, "neumann:k=5,eta=%.17g,batch=4", eta);
    bl_hg_ctx c = ctx(P, om, th, BL_SAMPLER_UNIFORM, 0, 1000);
    run(det, &c, gdet, NULL);
    run("exact", &c, gx, NULL);
    bl_spec s;
    bl_spec_parse(sto, &s, NULL);
    double *G = malloc(R * d * sizeof *G);
    bl_hg_draws D = {.mean = gsl_vector_alloc(d)};
    int st = bl_hg_draws_run(&s, &c, R, gdet, 0, &D, G, NULL);
    tap_ok(st == BL_OK && D.R == R && D.stochastic && D.seed0 == 1000, "%zu draws of %s run "
           "(seeds from the context's 1000)", R, "neumann:k=5,batch=4");
    /* E g = the full-batch truncated series (uniform draws: independent
     * batches), coordinate by coordinate within 5 standard errors */
    int ok = 1;
    double worst = 0, bound2 = 0;
    for (size_t i = 0; i < d; i++) {
        double m = 0, v = 0;
        for (size_t r = 0; r < R; r++) m += G[r * d + i];
        m /= (double)R;
        for (size_t r = 0; r < R; r++) v += (G[r * d + i] - m) * (G[r * d + i] - m);
        v /= (double)(R - 1);
        double bound = 5 * sqrt(v / (double)R), err = fabs(m - gsl_vector_get(gdet, i));
        ok &= err <= bound && fabs(m - gsl_vector_get(D.mean, i)) <= 1e-12 * fabs(m);
        worst = fmax(worst, err / bound);
        bound2 += bound * bound;
    }
    tap_ok(ok, "uniform batches: the mean SHIA estimate equals the full-batch neumann:k=5 "
           "within 5 standard errors in each coordinate (worst at %.2f of the bound)", worst);
    double trunc = dist(gdet, gx);
    tap_ok(trunc > 3 * sqrt(bound2), "and that bound is tight enough to see the truncation "
           "bias ‖neumann:k=5 − exact‖ = %.3g (bound %.3g)", trunc, sqrt(bound2));
    /* the statistics the draws report, recomputed from the draws */
    double var = 0, me = 0, mse = 0;
    for (size_t r = 0; r < R; r++) {
        double a = 0, b = 0;
        for (size_t i = 0; i < d; i++) {
            double u = G[r * d + i] - gsl_vector_get(D.mean, i);
            double w = G[r * d + i] - gsl_vector_get(gdet, i);
            a += u * u;
            b += w * w;
        }
        var += a;
        me += sqrt(b);
        mse += b;
    }
    var /= (double)R;
    me /= (double)R;
    mse /= (double)R;
    tap_ok(fabs(D.variance - var) <= 1e-12 * var && fabs(D.mean_error - me) <= 1e-12 * me
           && fabs(D.bias - dist(D.mean, gdet)) <= 1e-12 * D.bias + 1e-15
           && fabs(D.mse - (D.bias * D.bias + D.variance)) <= 1e-10 * D.mse
           && fabs(D.ref_norm - gsl_blas_dnrm2(gdet)) <= 1e-14 * D.ref_norm,
           "variance (1/R)Σ‖g − ḡ‖², mean error, bias and mse = bias² + variance as "
           "recomputed here (%.6g, %.6g, %.6g)", D.variance, D.mean_error, D.bias);
    /* a deterministic spec: one run, variance 0, bias = error */
    bl_spec_parse(det, &s, NULL);
    st = bl_hg_draws_run(&s, &c, 50, gx, 0, &D, NULL, NULL);
    tap_ok(st == BL_OK && !D.stochastic && D.R == 1 && D.variance == 0
           && D.bias == D.mean_error && fabs(D.bias - trunc) <= 1e-14 * trunc,
           "a deterministic spec with draws=50 runs once: variance 0, bias = mean error");
    free(G);
    gsl_vector_free(D.mean);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gdet);
    gsl_vector_free(gx);
    bl_problem_free(P);
}

static void draws_of(const char *spec, const bl_hg_ctx *c, size_t R, cvec *ref, bl_hg_draws *D)
{
    bl_spec s;
    bl_err e = {0, ""};
    bl_spec_parse(spec, &s, NULL);
    if (bl_hg_draws_run(&s, c, R, ref, 0, D, NULL, &e) != BL_OK)
        tap_diag("%s: %s", spec, e.msg);
}

static void check_trends(void)
{
    bl_problem *P = build("n_inner=128 n_outer=64 dim_inner=5 dim_outer=3 seed=21");
    if (!P) return;
    size_t d = P->d, R = 1500;
    gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(d), *gx = gsl_vector_alloc(d);
    randn(th, 1.0);
    randn(om, 1.0);
    samples S;
    samples_get(P, th, om, &S);
    double eta = 1.0 / max_sample_eig(&S);
    samples_free(&S);
    bl_hg_ctx c = ctx(P, om, th, BL_SAMPLER_UNIFORM, 0, 7);
    run("exact", &c, gx, NULL);
    bl_hg_draws D[4];
    char spec[4][80];
    static const size_t K[] = {2, 60, 10, 10}, B[] = {16, 16, 2, 32};
    for (int i = 0; i < 4; i++) {
        D[i].mean = gsl_vector_alloc(d);
        snprintf(spec[i], sizeof spec[i], "neumann:k=%zu,eta=%.17g,batch=%zu", K[i], eta, B[i]);
        draws_of(spec[i], &c, R, gx, &D[i]);
    }
    tap_ok(D[1].bias < 0.5 * D[0].bias, "against exact, the bias falls as k grows: k=2 %.3g, "
           "k=60 %.3g (batch 16, %zu draws)", D[0].bias, D[1].bias, R);
    tap_ok(D[3].variance < 0.25 * D[2].variance, "the variance falls as the batch grows: "
           "batch 2 %.3g, batch 32 %.3g (k=10)", D[2].variance, D[3].variance);
    /* batch.outer: an outer batch adds variance of its own */
    bl_hg_draws Do = {.mean = gsl_vector_alloc(d)};
    bl_hg_ctx co = ctx(P, om, th, BL_SAMPLER_UNIFORM, 4, 7);
    draws_of(spec[3], &co, R, gx, &Do);
    tap_ok(Do.variance > D[3].variance, "an outer batch of 4 adds variance (%.3g > %.3g with "
           "the full outer batch)", Do.variance, D[3].variance);
    for (int i = 0; i < 4; i++) gsl_vector_free(D[i].mean);
    gsl_vector_free(Do.mean);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gx);
    bl_problem_free(P);
}

static void check_threads(void)
{
    bl_problem *P = build("n_inner=60 n_outer=30 dim_inner=4 dim_outer=3 seed=2");
    if (!P) return;
    size_t d = P->d, R = 37;
    gsl_vector *th = gsl_vector_alloc(P->p), *om = gsl_vector_alloc(d), *gx = gsl_vector_alloc(d);
    gsl_vector *g = gsl_vector_alloc(d);
    randn(th, 1.0);
    randn(om, 1.0);
    bl_hg_ctx c = ctx(P, om, th, BL_SAMPLER_BATCHES, 10, 3);
    run("exact", &c, gx, NULL);
    static const char *const specs[] = {"neumann:k=8,batch=6", "cg:k=4,batch=6",
                                        "fp:k=8,batch=6", "reverse:t=20,batch=6,seed=11"};
    for (size_t q = 0; q < 4; q++) {
        bl_spec s;
        bl_spec_parse(specs[q], &s, NULL);
        double *G1 = malloc(R * d * sizeof *G1), *G2 = malloc(R * d * sizeof *G2);
        bl_hg_draws D1 = {.mean = gsl_vector_alloc(d)}, D2 = {.mean = gsl_vector_alloc(d)};
        int s1 = bl_hg_draws_run(&s, &c, R, gx, 1, &D1, G1, NULL);
        int s2 = bl_hg_draws_run(&s, &c, R, gx, 2, &D2, G2, NULL);
        tap_ok(!s1 && !s2 && !memcmp(G1, G2, R * d * sizeof *G1) && same_bits(D1.mean, D2.mean)
               && D1.bias == D2.bias && D1.variance == D2.variance
               && D1.mean_error == D2.mean_error, "%s, %zu draws on 1 and on %d threads: the "
               "same bits", specs[q], R, D2.threads);
        /* draw r is the spec run with seed seed0 + r */
        int ok = 1;
        for (size_t r = 0; r < R; r += 12) {
            char sp[96];
            snprintf(sp, sizeof sp, "%s%s", specs[q], q == 3 ? "" : ",seed=0");
            bl_spec_parse(sp, &s, NULL);
            int ks = bl_param_find(s.type->params, s.type->nparams, "seed");
            s.par[ks] = (double)(D1.seed0 + r);
            bl_hg_result res = {.grad = g};
            ok &= bl_hypergrad(&s, &c, &res, NULL) == BL_OK
                  && !memcmp(g->data, G1 + r * d, d * sizeof *G1);
        }
        tap_ok(ok, "%s: draw r is the estimate with seed %lu + r", specs[q], D1.seed0);
        free(G1);
        free(G2);
        gsl_vector_free(D1.mean);
        gsl_vector_free(D2.mean);
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gx);
    gsl_vector_free(g);
    bl_problem_free(P);
}

static void check_refusals(void)
{
    bl_problem *Q = quadratic(6, 2, 10, 1, 3);
    gsl_vector *th = gsl_vector_alloc(Q->p), *om = gsl_vector_alloc(Q->d);
    gsl_vector *g = gsl_vector_alloc(Q->d);
    randn(th, 1.0);
    randn(om, 1.0);
    bl_hg_ctx c = ctx(Q, om, th, 0, 0, 0);
    static const char *const specs[] = {"cg:batch=4", "neumann:batch=4", "fp:batch=4",
                                        "reverse:batch=4"};
    for (size_t q = 0; q < 4; q++) {
        bl_err e = {0, ""};
        int st = run(specs[q], &c, g, &e);
        tap_ok(st == BL_EUNSUPPORTED && has(e.msg, "needs minibatch oracles")
               && has(e.msg, "quadratic") && !strchr(e.msg, '\n'),
               "quadratic refuses %s in one line: %s", specs[q], e.msg);
    }
    bl_err e = {0, ""};
    tap_ok(run("neumann:batch=0", &c, g, &e) == BL_OK, "batch=0 runs where there are no "
           "minibatch oracles (the full-batch estimator)");
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g);
    bl_problem_free(Q);
    bl_problem *P = build("n_inner=20 n_outer=20 dim_inner=3 dim_outer=2 seed=1");
    if (!P) return;
    th = gsl_vector_calloc(P->p);
    om = gsl_vector_calloc(P->d);
    g = gsl_vector_alloc(P->d);
    c = ctx(P, om, th, 0, 0, 0);
    int st = run("reverse:t=5,method=heavyball,batch=4", &c, g, &e);
    tap_ok(st == BL_EUNSUPPORTED && has(e.msg, "method=gd"), "reverse with momentum refuses "
           "batch=: %s", e.msg);
    st = run("neumann:batch=4,seed=-2", &c, g, &e);
    tap_ok(st == BL_EINVAL, "seed=-2 is refused by the spec parser: %s", e.msg);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g);
    bl_problem_free(P);
}

/* outer steps with a minibatch estimator: step k draws with seed + k */
static void check_outer_steps(void)
{
    bl_problem *P = build("n_inner=40 n_outer=30 dim_inner=4 dim_outer=3 seed=9");
    if (!P) return;
    size_t d = P->d, p = P->p;
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 50, 0};
    bl_outer_conf oc = {.type = bl_outer_lookup("gd"), .step = 0.1, .backtrack = 0,
                        .lo = -INFINITY, .hi = INFINITY};
    bl_spec spec;
    bl_spec_parse("neumann:k=5,eta=0.3,batch=8", &spec, NULL);
    gsl_vector *om = gsl_vector_alloc(d), *th = gsl_vector_calloc(p);
    gsl_vector *ts = gsl_vector_alloc(p), *want = gsl_vector_alloc(d), *g = gsl_vector_alloc(d);
    gsl_vector *g0 = gsl_vector_alloc(d);
    randn(om, 1.0);
    bl_outer *o = bl_outer_alloc(oc.type, d);
    bl_outer_env env = {.P = P, .omega = om, .theta = th, .inner = &ic, .conf = &oc,
                        .estimator = &spec, .sampler = BL_SAMPLER_UNIFORM, .batch_outer = 10,
                        .seed = 40};
    int ok = 1;
    double worst = 0;
    for (size_t k = 0; k < 3; k++) {
        /* what step k must do: ω − 0.1 g, g the spec with seed 40 + k at θ*(ω) */
        P->type->theta_star(P, om, ts);
        bl_hg_ctx c = ctx(P, om, ts, BL_SAMPLER_UNIFORM, 10, 40 + k);
        bl_hg_result r = {.grad = g};
        ok &= bl_hypergrad(&spec, &c, &r, NULL) == BL_OK;
        if (k == 1) {           /* the draws of step 0 again (seed 40): a different step */
            bl_hg_ctx c0 = ctx(P, om, ts, BL_SAMPLER_UNIFORM, 10, 40);
            bl_hg_result r0 = {.grad = g0};
            bl_hypergrad(&spec, &c0, &r0, NULL);
            ok &= relerr(g0, g) > 1e-6;
        }
        gsl_vector_memcpy(want, om);
        gsl_blas_daxpy(-0.1, g, want);
        bl_err e = {0, ""};
        ok &= bl_outer_step(o, &env, &e) == BL_OK;
        worst = fmax(worst, relerr(om, want));
    }
    tap_ok(ok && worst <= 1e-9, "outer steps with neumann:k=5,batch=8: step k is ω − s·g with "
           "g drawn with seed 40 + k at θ*(ω), fresh draws each step (worst rel %.2g)", worst);
    bl_outer_free(o);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(want);
    gsl_vector_free(g);
    gsl_vector_free(g0);
    bl_problem_free(P);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261216);
    check_full_batch();
    check_reimplementation();
    check_unbiased();
    check_trends();
    check_threads();
    check_refusals();
    check_outer_steps();
    gsl_rng_free(rng);
    return tap_done();
}
