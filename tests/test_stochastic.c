/* test_stochastic.c: issue 16.  quadsum's closed forms against a
 * computation written here (its mean matrices recovered from gradient
 * differences, θ* by an LU solve, ∇F by differences of F); the minibatch
 * oracles (means over index sets, unbiased draws); the sampler; and the
 * stochastic outer algorithms against re-implementations written here
 * from doc/catalogue.md "Stochastic and single-loop methods", then the
 * qualitative claims (SABA linear, SOBA's noise floor, StocBiO's error
 * falling with n_shia_steps, F2SA's bias falling like 1/λ); cleaning's
 * minibatch oracles against differences and partition means. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "fixtures.h"
#include "data.h"
#include "stoch.h"

static double relerr(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 0 ? nb : 1);
}

static bl_problem *build(const char *args)
{
    bl_err e = {0, ""};
    bl_problem *P = problem_with(&bl_problem_quadsum, args, &e);
    if (!P) tap_ok(0, "quadsum %s builds: %s", args, e.msg);
    return P;
}

/* ============================ quadsum closed forms ============================ */

typedef struct {
    bl_problem *P;
    gsl_matrix *A, *Ct;     /* Ā (p×p) and C̄ᵀ (p×d) from gradient differences */
    gsl_vector *a;          /* ā */
} ref_qs;

/* θ*(ω) = −Ā⁻¹(C̄ᵀω + ā) by LU on the recovered Ā */
static void ref_theta(ref_qs *R, cvec *om, gsl_vector *th)
{
    size_t p = R->P->p;
    gsl_matrix *LU = gsl_matrix_alloc(p, p);
    gsl_permutation *pm = gsl_permutation_alloc(p);
    gsl_vector *rhs = gsl_vector_alloc(p);
    int sg;
    gsl_matrix_memcpy(LU, R->A);
    gsl_vector_memcpy(rhs, R->a);
    gsl_blas_dgemv(CblasNoTrans, 1.0, R->Ct, om, 1.0, rhs);
    gsl_vector_scale(rhs, -1.0);
    gsl_linalg_LU_decomp(LU, pm, &sg);
    gsl_linalg_LU_solve(LU, pm, rhs, th);
    gsl_matrix_free(LU);
    gsl_permutation_free(pm);
    gsl_vector_free(rhs);
}

static double ref_F(ref_qs *R, cvec *om)
{
    gsl_vector *th = gsl_vector_alloc(R->P->p);
    ref_theta(R, om, th);
    double F = R->P->type->L(R->P, th, om);
    gsl_vector_free(th);
    return F;
}

/* central differences of the reference F (exact for a quadratic up to
 * round-off) */
static void ref_gradF(ref_qs *R, cvec *om, gsl_vector *g)
{
    size_t d = om->size;
    gsl_vector *o = gsl_vector_alloc(d);
    const double h = 1e-3;
    for (size_t k = 0; k < d; k++) {
        gsl_vector_memcpy(o, om);
        o->data[k * o->stride] += h;
        double fp = ref_F(R, o);
        o->data[k * o->stride] -= 2 * h;
        double fm = ref_F(R, o);
        gsl_vector_set(g, k, (fp - fm) / (2 * h));
    }
    gsl_vector_free(o);
}

static void check_quadsum_closed(void)
{
    bl_problem *P = build("n_inner=50 n_outer=40 dim_inner=6 dim_outer=4 seed=7");
    if (!P) return;
    size_t p = P->p, d = P->d;
    ref_qs R = {P, gsl_matrix_alloc(p, p), gsl_matrix_alloc(p, d), gsl_vector_alloc(p)};
    gsl_vector *y0 = gsl_vector_calloc(p), *x0 = gsl_vector_calloc(d), *g = gsl_vector_alloc(p);
    gsl_vector *e = gsl_vector_alloc(p), *f = gsl_vector_alloc(d);
    /* recover Ā, ā, C̄ᵀ from the full-batch gradient ∇θG = Āy + C̄ᵀx + ā */
    P->type->G_theta(P, y0, x0, R.a);
    for (size_t j = 0; j < p; j++) {
        gsl_vector_set_basis(e, j);
        P->type->G_theta(P, e, x0, g);
        gsl_vector_sub(g, R.a);
        gsl_vector_view c = gsl_matrix_column(R.A, j);
        gsl_vector_memcpy(&c.vector, g);
    }
    for (size_t k = 0; k < d; k++) {
        gsl_vector_set_basis(f, k);
        P->type->G_theta(P, y0, f, g);
        gsl_vector_sub(g, R.a);
        gsl_vector_view c = gsl_matrix_column(R.Ct, k);
        gsl_vector_memcpy(&c.vector, g);
    }
    gsl_vector *om = gsl_vector_alloc(d), *ts = gsl_vector_alloc(p), *tr = gsl_vector_alloc(p);
    gsl_vector *gc = gsl_vector_alloc(d), *gr = gsl_vector_alloc(d);
    randn(om, 1.0);
    int st = P->type->theta_star(P, om, ts);
    ref_theta(&R, om, tr);
    tap_ok(st == BL_OK && relerr(ts, tr) <= 1e-12, "quadsum: θ*(ω) = −Ā⁻¹(C̄ᵀω + ā) with Ā, "
           "C̄, ā recovered from ∇θG (rel %.3g)", relerr(ts, tr));
    P->type->G_theta(P, ts, om, g);
    tap_ok(gsl_blas_dnrm2(g) <= 1e-12 * gsl_blas_dnrm2(R.a), "quadsum: ∇θG(θ*) = %.3g",
           gsl_blas_dnrm2(g));
    st = P->type->hypergrad(P, om, gc);
    ref_gradF(&R, om, gr);
    tap_ok(st == BL_OK && relerr(gc, gr) <= 1e-7, "quadsum: closed-form ∇F = differences of "
           "F(ω) = L(θ*(ω), ω) (rel %.3g)", relerr(gc, gr));
    /* the optimum */
    gsl_vector *ws = gsl_vector_alloc(d);
    double Fs = NAN;
    st = bl_quadsum_optimum(P, ws, &Fs);
    ref_gradF(&R, ws, gr);
    gsl_vector_set_zero(f);
    ref_gradF(&R, f, gc);
    tap_ok(st == BL_OK && gsl_blas_dnrm2(gr) <= 1e-7 * gsl_blas_dnrm2(gc), "quadsum: ∇F(ω*) "
           "= %.3g by differences (‖∇F(0)‖ = %.3g)", gsl_blas_dnrm2(gr), gsl_blas_dnrm2(gc));
    tap_close(ref_F(&R, ws), Fs, 1e-12, "quadsum: F* = F(ω*)");
    int above = 1;
    for (size_t k = 0; k < d; k++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            gsl_vector_memcpy(f, ws);
            f->data[k * f->stride] += 0.1 * sgn;
            above &= ref_F(&R, f) > Fs;
        }
    tap_ok(above, "quadsum: F(ω* ± 0.1 e_k) > F* for every k (strongly convex value function)");
    /* the means are the means of the samples: the mb hook over every index
     * (not routed to the full-batch oracles) */
    const bl_minibatch *mb = P->type->mb;
    size_t n = mb->n_inner(P), m = mb->n_outer(P);
    size_t *all = malloc((n > m ? n : m) * sizeof *all);
    for (size_t i = 0; i < (n > m ? n : m); i++) all[i] = i;
    gsl_vector *y = gsl_vector_alloc(p), *x = gsl_vector_alloc(d), *v = gsl_vector_alloc(p);
    gsl_vector *u = gsl_vector_alloc(d), *gp = gsl_vector_alloc(p), *gp2 = gsl_vector_alloc(p);
    gsl_vector *gd = gsl_vector_alloc(d), *gd2 = gsl_vector_alloc(d);
    randn(y, 1.0); randn(x, 1.0); randn(v, 1.0); randn(u, 1.0);
    double worst = 0;
    mb->G_theta(P, y, x, all, n, gp); P->type->G_theta(P, y, x, gp2); worst = fmax(worst, relerr(gp, gp2));
    mb->G_omega(P, y, x, all, n, gd); P->type->G_omega(P, y, x, gd2); worst = fmax(worst, relerr(gd, gd2));
    mb->L_theta(P, y, x, all, m, gp); P->type->L_theta(P, y, x, gp2); worst = fmax(worst, relerr(gp, gp2));
    mb->L_omega(P, y, x, all, m, gd); P->type->L_omega(P, y, x, gd2); worst = fmax(worst, relerr(gd, gd2));
    mb->hvp(P, y, x, all, n, v, gp); P->type->hvp(P, y, x, v, gp2); worst = fmax(worst, relerr(gp, gp2));
    mb->cvp(P, y, x, all, n, v, gd); P->type->cvp(P, y, x, v, gd2); worst = fmax(worst, relerr(gd, gd2));
    mb->ctvp(P, y, x, all, n, u, gp); P->type->ctvp(P, y, x, u, gp2); worst = fmax(worst, relerr(gp, gp2));
    tap_ok(worst <= 1e-13, "quadsum: the per-sample oracles averaged over every sample are the "
           "full-batch oracles (worst rel %.3g)", worst);
    /* on a minibatch with repeats: H_B v, C_B v, C_Bᵀu are differences of the
     * minibatch gradients (exact for quadratics) */
    size_t idx[7] = {3, 17, 17, 0, 49, 21, 3};
    gsl_vector *yv = gsl_vector_alloc(p), *xu = gsl_vector_alloc(d);
    gsl_vector_memcpy(yv, y); gsl_vector_add(yv, v);
    gsl_vector_memcpy(xu, x); gsl_vector_add(xu, u);
    mb->hvp(P, y, x, idx, 7, v, gp);
    mb->G_theta(P, yv, x, idx, 7, gp2);
    mb->G_theta(P, y, x, idx, 7, g);
    gsl_vector_sub(gp2, g);
    double e1 = relerr(gp, gp2);
    mb->cvp(P, y, x, idx, 7, v, gd);
    mb->G_omega(P, yv, x, idx, 7, gd2);
    mb->G_omega(P, y, x, idx, 7, f);
    gsl_vector_sub(gd2, f);
    double e2 = relerr(gd, gd2);
    mb->ctvp(P, y, x, idx, 7, u, gp);
    mb->G_theta(P, y, xu, idx, 7, gp2);
    gsl_vector_sub(gp2, g);
    double e3 = relerr(gp, gp2);
    tap_ok(e1 <= 1e-12 && e2 <= 1e-12 && e3 <= 1e-12, "quadsum minibatch {3,17,17,0,49,21,3}: "
           "H_B v, C_B v, C_Bᵀu = differences of the minibatch gradients (%.2g %.2g %.2g)",
           e1, e2, e3);
    /* deterministic for a seed, different for another */
    bl_problem *Q = build("n_inner=50 n_outer=40 dim_inner=6 dim_outer=4 seed=7");
    bl_problem *Q2 = build("n_inner=50 n_outer=40 dim_inner=6 dim_outer=4 seed=8");
    if (Q && Q2) {
        double a = bl_problem_L(P, y, x), b = bl_problem_L(Q, y, x), c = bl_problem_L(Q2, y, x);
        tap_ok(a == b && a != c, "quadsum: the same seed draws the same data, another seed "
               "other data (L = %.17g, %.17g, %.17g)", a, b, c);
    }
    bl_problem_free(Q);
    bl_problem_free(Q2);
    bl_problem *bad = NULL;
    bl_err er = {0, ""};
    bad = problem_with(&bl_problem_quadsum, "mu_inner=2 L_inner=1", &er);
    tap_ok(!bad && has(er.msg, "mu_inner"), "quadsum mu_inner > L_inner refused: \"%s\"", er.msg);
    free(all);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(v); gsl_vector_free(u);
    gsl_vector_free(gp); gsl_vector_free(gp2); gsl_vector_free(gd); gsl_vector_free(gd2);
    gsl_vector_free(yv); gsl_vector_free(xu); gsl_vector_free(ws);
    gsl_vector_free(om); gsl_vector_free(ts); gsl_vector_free(tr); gsl_vector_free(gc);
    gsl_vector_free(gr); gsl_vector_free(y0); gsl_vector_free(x0); gsl_vector_free(g);
    gsl_vector_free(e); gsl_vector_free(f);
    gsl_matrix_free(R.A); gsl_matrix_free(R.Ct); gsl_vector_free(R.a);
    bl_problem_free(P);
}

/* ================================ sampler ================================ */

static void check_sampler(void)
{
    /* batches: n = 10, b = 3: batches {0,1,2}, {3,4,5}, {6,7,8}, {9} (weight 0.1),
     * each once per epoch, in an order that changes */
    bl_sampler *s = bl_sampler_alloc(BL_SAMPLER_BATCHES, 10, 3, 5);
    int ok = s && s->nb == 4, orders_differ = 0;
    size_t first[4] = {0};
    for (int ep = 0; ep < 5 && ok; ep++) {
        int seen[4] = {0};
        for (int k = 0; k < 4; k++) {
            bl_batch B;
            bl_sampler_next(s, &B);
            seen[B.id]++;
            size_t m = B.id == 3 ? 1 : 3;
            ok &= B.m == m && fabs(B.w - (double)m / 10) < 1e-15 && !B.full;
            for (size_t j = 0; j < B.m; j++) ok &= B.idx[j] == 3 * B.id + j;
            if (ep == 0) first[k] = B.id;
            else orders_differ |= first[k] != B.id;
        }
        for (int k = 0; k < 4; k++) ok &= seen[k] == 1;
    }
    tap_ok(ok && orders_differ && s->epochs == 5, "sampler batches n=10 b=3: 4 contiguous "
           "batches, each once per epoch, the short one weighted 1/10, the order reshuffled");
    bl_sampler_free(s);
    /* shuffle: every index once per epoch */
    s = bl_sampler_alloc(BL_SAMPLER_SHUFFLE, 23, 5, 9);
    ok = s != NULL;
    for (int ep = 0; ep < 4 && ok; ep++) {
        int seen[23] = {0};
        size_t got = 0;
        while (got < 23) {
            bl_batch B;
            bl_sampler_next(s, &B);
            ok &= B.m == (23 - got < 5 ? 23 - got : 5);
            for (size_t j = 0; j < B.m; j++) seen[B.idx[j]]++;
            got += B.m;
        }
        for (int i = 0; i < 23; i++) ok &= seen[i] == 1;
    }
    tap_ok(ok, "sampler shuffle n=23 b=5: every index exactly once per epoch, 4 epochs");
    bl_sampler_free(s);
    /* uniform: indices in range; determinism */
    bl_sampler *a = bl_sampler_alloc(BL_SAMPLER_UNIFORM, 50, 8, 3);
    bl_sampler *b = bl_sampler_alloc(BL_SAMPLER_UNIFORM, 50, 8, 3);
    bl_sampler *c = bl_sampler_alloc(BL_SAMPLER_UNIFORM, 50, 8, 4);
    int same = 1, differ = 0, range = 1;
    for (int k = 0; k < 100; k++) {
        bl_batch A, Bb, C;
        bl_sampler_next(a, &A);
        bl_sampler_next(b, &Bb);
        bl_sampler_next(c, &C);
        for (size_t j = 0; j < 8; j++) {
            same &= A.idx[j] == Bb.idx[j];
            differ |= A.idx[j] != C.idx[j];
            range &= A.idx[j] < 50;
        }
    }
    tap_ok(same && differ && range, "sampler uniform: indices in [0, n), the same for the same "
           "seed, others for another seed");
    bl_sampler_free(a);
    bl_sampler_free(b);
    bl_sampler_free(c);
    s = bl_sampler_alloc(BL_SAMPLER_BATCHES, 10, 0, 1);
    bl_batch B;
    bl_sampler_next(s, &B);
    tap_ok(B.full && B.m == 10 && B.w == 1, "sampler batch size 0: one full batch of weight 1");
    bl_sampler_free(s);
}

/* Minibatch gradients: over one epoch of batches or shuffle, the weighted
 * sum is the full gradient; uniform draws are unbiased within a bound
 * computed from their sample standard deviation. */
static void check_unbiased(void)
{
    bl_problem *P = build("n_inner=203 n_outer=50 dim_inner=5 dim_outer=3 seed=11");
    if (!P) return;
    size_t p = P->p, d = P->d;
    gsl_vector *y = gsl_vector_alloc(p), *x = gsl_vector_alloc(d), *g = gsl_vector_alloc(p);
    gsl_vector *full = gsl_vector_alloc(p), *acc = gsl_vector_calloc(p);
    randn(y, 1.0);
    randn(x, 1.0);
    bl_problem_G_theta(P, y, x, full);
    for (int kind = 0; kind < 2; kind++) {
        bl_sampler *s = bl_sampler_alloc(kind, 203, 8, 2);
        gsl_vector_set_zero(acc);
        for (size_t k = 0; k < s->nb; k++) {
            bl_batch B;
            bl_sampler_next(s, &B);
            bl_mb_G_theta(P, y, x, &B, g);
            gsl_blas_daxpy(B.w, g, acc);
        }
        tap_ok(relerr(acc, full) <= 1e-13, "%s n=203 b=8: Σ w_B ∇θG_B over one epoch = ∇θG "
               "(rel %.3g)", bl_sampler_names[kind], relerr(acc, full));
        bl_sampler_free(s);
    }
    /* uniform with replacement: E ∇θG_B = ∇θG */
    const size_t R = 4000;
    bl_sampler *s = bl_sampler_alloc(BL_SAMPLER_UNIFORM, 203, 8, 2);
    gsl_vector *sq = gsl_vector_calloc(p);
    gsl_vector_set_zero(acc);
    for (size_t r = 0; r < R; r++) {
        bl_batch B;
        bl_sampler_next(s, &B);
        bl_mb_G_theta(P, y, x, &B, g);
        for (size_t j = 0; j < p; j++) {
            double t = gsl_vector_get(g, j);
            acc->data[j] += t;
            sq->data[j] += t * t;
        }
    }
    int ok = 1;
    double worst = 0;
    for (size_t j = 0; j < p; j++) {
        double mean = acc->data[j] / R, var = sq->data[j] / R - mean * mean;
        double bound = 5 * sqrt(var / R), err = fabs(mean - gsl_vector_get(full, j));
        ok &= err <= bound;
        worst = fmax(worst, err / bound);
    }
    tap_ok(ok, "uniform b=8: the mean of %zu minibatch gradients is within 5 standard errors of "
           "∇θG in every coordinate (worst at %.2f of the bound)", R, worst);
    bl_sampler_free(s);
    /* full batch: the full-batch oracle, bit for bit */
    s = bl_sampler_alloc(BL_SAMPLER_SHUFFLE, 203, 0, 2);
    bl_batch B;
    bl_sampler_next(s, &B);
    bl_mb_G_theta(P, y, x, &B, g);
    tap_ok(B.full && same_bits(g, full), "a full batch (shuffle b=n) gives the full-batch ∇θG "
           "bit for bit");
    bl_sampler_free(s);
    gsl_vector_free(sq);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(full);
    gsl_vector_free(acc);
    bl_problem_free(P);
}


/* ======================= the data problems' minibatch oracles ======================= */

static bl_dataset *synth_mb(const char *kind, size_t n, size_t m, size_t p, unsigned long seed)
{
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = n;
    o.m = m;
    o.p = p;
    o.seed = seed;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    if (bl_data_synth(kind, &o, &ds, &e) != BL_OK) tap_diag("synth %s: %s", kind, e.msg);
    return ds;
}

/* Over every index the mb hook is the full-batch oracle; on a minibatch
 * with repeats the per-sample losses are those of a data set made of those
 * rows (the full-batch oracle of the problem on that data set). */
static void check_data_problem(const bl_problem_type *T, const char *kind, const double *par)
{
    bl_dataset *ds = synth_mb(kind, 37, 23, 5, 4);
    bl_err e = {0, ""};
    bl_problem *P = ds ? bl_problem_alloc(T, par, ds, &e) : NULL;
    if (!tap_ok(P && T->mb, "%s builds on synth %s and has minibatch oracles (%s)", T->name,
                kind, e.msg)) {
        bl_problem_free(P);
        bl_dataset_free(ds);
        return;
    }
    const bl_minibatch *mb = T->mb;
    size_t p = P->p, d = P->d, n = mb->n_inner(P), m = mb->n_outer(P);
    size_t all[64];
    for (size_t i = 0; i < 64; i++) all[i] = i;
    gsl_vector *y = gsl_vector_alloc(p), *x = gsl_vector_alloc(d), *v = gsl_vector_alloc(p);
    gsl_vector *u = gsl_vector_alloc(d), *a = gsl_vector_alloc(p), *b = gsl_vector_alloc(p);
    gsl_vector *c = gsl_vector_alloc(d), *f = gsl_vector_alloc(d);
    randn(y, 0.5); randn(x, 0.5); randn(v, 1.0); randn(u, 1.0);
    double w = 0;
    mb->G_theta(P, y, x, all, n, a); P->type->G_theta(P, y, x, b); w = fmax(w, relerr(a, b));
    mb->G_omega(P, y, x, all, n, c); P->type->G_omega(P, y, x, f); w = fmax(w, relerr(c, f));
    mb->L_theta(P, y, x, all, m, a); P->type->L_theta(P, y, x, b); w = fmax(w, relerr(a, b));
    mb->L_omega(P, y, x, all, m, c); P->type->L_omega(P, y, x, f); w = fmax(w, relerr(c, f));
    mb->hvp(P, y, x, all, n, v, a); P->type->hvp(P, y, x, v, b); w = fmax(w, relerr(a, b));
    mb->cvp(P, y, x, all, n, v, c); P->type->cvp(P, y, x, v, f); w = fmax(w, relerr(c, f));
    mb->ctvp(P, y, x, all, n, u, a); P->type->ctvp(P, y, x, u, b); w = fmax(w, relerr(a, b));
    tap_ok(w <= 1e-12, "%s: the minibatch oracles over every sample = the full-batch oracles "
           "(worst rel %.3g)", T->name, w);
    /* the batch {2, 9, 9, 30}: the problem built on those rows (training and
     * validation alike) gives the same gradients and products */
    const size_t idx[4] = {2, 9, 9, 30};
    bl_dataset *sub = calloc(1, sizeof *sub);
    sub->name = strdup("rows 2, 9, 9, 30");
    sub->X = gsl_matrix_alloc(4, ds->X->size2);
    sub->y = gsl_vector_alloc(4);
    sub->Xv = gsl_matrix_alloc(4, ds->X->size2);
    sub->yv = gsl_vector_alloc(4);
    sub->task = ds->task;
    for (size_t k = 0; k < 4; k++) {
        gsl_vector_const_view r = gsl_matrix_const_row(ds->X, idx[k]);
        gsl_matrix_set_row(sub->X, k, &r.vector);
        gsl_vector_set(sub->y, k, gsl_vector_get(ds->y, idx[k]));
        size_t kv = idx[k] % m;
        gsl_vector_const_view rv = gsl_matrix_const_row(ds->Xv, kv);
        gsl_matrix_set_row(sub->Xv, k, &rv.vector);
        gsl_vector_set(sub->yv, k, gsl_vector_get(ds->yv, kv));
    }
    size_t idxv[4];
    for (size_t k = 0; k < 4; k++) idxv[k] = idx[k] % m;
    bl_problem *Q = bl_problem_alloc(T, par, sub, &e);
    if (tap_ok(Q != NULL, "%s builds on the 4 rows (%s)", T->name, e.msg)) {
        w = 0;
        mb->G_theta(P, y, x, idx, 4, a); Q->type->G_theta(Q, y, x, b); w = fmax(w, relerr(a, b));
        mb->L_theta(P, y, x, idxv, 4, a); Q->type->L_theta(Q, y, x, b); w = fmax(w, relerr(a, b));
        mb->hvp(P, y, x, idx, 4, v, a); Q->type->hvp(Q, y, x, v, b); w = fmax(w, relerr(a, b));
        mb->cvp(P, y, x, idx, 4, v, c); Q->type->cvp(Q, y, x, v, f); w = fmax(w, relerr(c, f));
        tap_ok(w <= 1e-12, "%s minibatch {2, 9, 9, 30} = the problem on those rows (repeats "
               "counted twice; worst rel %.3g)", T->name, w);
    }
    bl_problem_free(Q);
    bl_dataset_free(sub);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(v); gsl_vector_free(u);
    gsl_vector_free(a); gsl_vector_free(b); gsl_vector_free(c); gsl_vector_free(f);
    bl_problem_free(P);
    bl_dataset_free(ds);
}

static void check_data_problems(void)
{
    const double huber[2] = {1, 0.7};
    check_data_problem(&bl_problem_ridge, "regression", NULL);
    check_data_problem(&bl_problem_ridge, "regression", huber);
    check_data_problem(&bl_problem_ridge_multi, "regression", NULL);
    check_data_problem(&bl_problem_logreg, "classification", NULL);
    check_data_problem(&bl_problem_logreg_multi, "classification", NULL);
    /* soba runs on ridge; logreg with another outer loss is refused */
    bl_dataset *ds = synth_mb("classification", 37, 23, 5, 4);
    const double sq[2] = {1, 1};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_logreg, sq, ds, &e);
    bl_sopt_spec sp;
    bl_sopt_parse("soba:batch_size=8", &sp, &e);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
    gsl_vector *th = gsl_vector_calloc(5), *om = gsl_vector_calloc(1);
    bl_sopt *o = P ? bl_sopt_alloc(&sp, &conf, P, th, om, &e) : NULL;
    tap_ok(P && !o && has(e.msg, "outer=logistic"), "soba on logreg outer=sqerr refused: \"%s\"",
           e.msg);
    bl_problem_free(P);
    P = bl_problem_alloc(&bl_problem_logreg, NULL, ds, &e);
    o = P ? bl_sopt_alloc(&sp, &conf, P, th, om, &e) : NULL;
    int st = o ? BL_OK : BL_EINVAL;
    for (int k = 0; k < 20 && st == BL_OK; k++) st = bl_sopt_step(o, &e);
    /* n = 37, b = 8: an epoch is 5 batches (8, 8, 8, 8, 5): 20 steps are 4 epochs */
    tap_ok(st == BL_OK && o->oracles == 100 && o->rows[19].epochs == 4 && o->rows[18].epochs < 4,
           "soba b=8 on logreg (n=37): 20 steps, 100 oracle calls, %.4g epochs",
           o ? o->rows[19].epochs : NAN);
    bl_sopt_free(o);
    bl_problem_free(P);
    gsl_vector_free(th);
    gsl_vector_free(om);
    bl_dataset_free(ds);
}

/* ======================= cleaning's minibatch oracles ======================= */

/* The minibatch objectives written here from doc/problems/cleaning.md:
 * G_B(θ, ω) = (1/|B|) Σ_{i∈B} σ(ω_i) log(1 + e^{−y_i x_iᵀθ}) + (μ/2)‖θ‖²,
 * L_B'(θ) = (1/|B'|) Σ_{k∈B'} log(1 + e^{−y_k x_kᵀθ}) (validation), labels
 * {0, 1} read as {−1, +1}. */
static double cl_ref_loss(const gsl_matrix *Z, const gsl_vector *t, size_t i, cvec *th)
{
    double xt = 0;
    for (size_t j = 0; j < Z->size2; j++) xt += gsl_matrix_get(Z, i, j) * gsl_vector_get(th, j);
    double z = (gsl_vector_get(t, i) > 0 ? 1.0 : -1.0) * xt;
    return z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z));
}

static double cl_ref_G(const bl_dataset *ds, double mu, const size_t *idx, size_t m, cvec *th,
                       cvec *om)
{
    double s = 0, nt = gsl_blas_dnrm2(th);
    for (size_t k = 0; k < m; k++) {
        double w = gsl_vector_get(om, idx[k]);
        s += 1 / (1 + exp(-w)) * cl_ref_loss(ds->X, ds->y, idx[k], th);
    }
    return s / (double)m + 0.5 * mu * nt * nt;
}

static double cl_ref_L(const bl_dataset *ds, const size_t *idx, size_t m, cvec *th)
{
    double s = 0;
    for (size_t k = 0; k < m; k++) s += cl_ref_loss(ds->Xv, ds->yv, idx[k], th);
    return s / (double)m;
}

/* OUT ← central difference of the expression F along coordinate K of V */
#define CL_FD(F, V, K, H, OUT)                                  \
    do {                                                        \
        double v0_ = gsl_vector_get(V, K);                      \
        gsl_vector_set(V, K, v0_ + (H));                        \
        double fp_ = (F);                                       \
        gsl_vector_set(V, K, v0_ - (H));                        \
        double fm_ = (F);                                       \
        gsl_vector_set(V, K, v0_);                              \
        (OUT) = (fp_ - fm_) / (2 * (H));                        \
    } while (0)

/* OUT ← (A − B)/(2h) */
static void cl_diff(cvec *A, cvec *B, double h, gsl_vector *out)
{
    for (size_t i = 0; i < out->size; i++)
        gsl_vector_set(out, i, (gsl_vector_get(A, i) - gsl_vector_get(B, i)) / (2 * h));
}

static void check_cleaning(void)
{
    bl_dataset *ds = synth_mb("classification", 37, 23, 5, 6);
    const double mu = 0.05, par[1] = {0.05};
    bl_err e = {0, ""};
    bl_problem *P = ds ? bl_problem_alloc(&bl_problem_cleaning, par, ds, &e) : NULL;
    const bl_minibatch *mb = bl_problem_cleaning.mb;
    if (!tap_ok(P && mb, "cleaning builds on synth classification n=37 and has minibatch "
                "oracles (%s)", e.msg)) {
        bl_problem_free(P);
        bl_dataset_free(ds);
        return;
    }
    size_t p = P->p, d = P->d, n = mb->n_inner(P), nv = mb->n_outer(P);
    tap_ok(n == 37 && d == 37 && nv == 23 && p == 5, "cleaning: n_inner = d = %zu, n_outer = "
           "%zu, p = %zu", n, nv, p);
    gsl_vector *y = gsl_vector_alloc(p), *x = gsl_vector_alloc(d), *v = gsl_vector_alloc(p);
    gsl_vector *u = gsl_vector_alloc(d), *a = gsl_vector_alloc(p), *b = gsl_vector_alloc(p);
    gsl_vector *c = gsl_vector_alloc(d), *f = gsl_vector_alloc(d), *ap = gsl_vector_alloc(p);
    gsl_vector *bp = gsl_vector_alloc(p), *cd = gsl_vector_alloc(d), *fd = gsl_vector_alloc(d);
    randn(y, 0.7); randn(x, 1.0); randn(v, 1.0); randn(u, 1.0);
    /* a training batch with a repeat, and a validation batch with one */
    const size_t B[5] = {2, 9, 9, 30, 11}, Bv[4] = {0, 5, 5, 22};
    const double h = 1e-5;
    double t;
    /* ∇θG_B, ∇ωG_B, ∇θL_B' against differences of the objectives above */
    mb->G_theta(P, y, x, B, 5, a);
    for (size_t j = 0; j < p; j++) {
        CL_FD(cl_ref_G(ds, mu, B, 5, y, x), y, j, h, t);
        gsl_vector_set(b, j, t);
    }
    double e1 = relerr(a, b);
    mb->G_omega(P, y, x, B, 5, c);
    int off_zero = 1;
    for (size_t i = 0; i < d; i++) {
        CL_FD(cl_ref_G(ds, mu, B, 5, y, x), x, i, h, t);
        gsl_vector_set(f, i, t);
        if (i != 2 && i != 9 && i != 30 && i != 11) off_zero &= gsl_vector_get(c, i) == 0;
    }
    double e2 = relerr(c, f);
    mb->L_theta(P, y, x, Bv, 4, a);
    for (size_t j = 0; j < p; j++) {
        CL_FD(cl_ref_L(ds, Bv, 4, y), y, j, h, t);
        gsl_vector_set(b, j, t);
    }
    double e3 = relerr(a, b);
    gsl_vector_set_all(c, 1);
    mb->L_omega(P, y, x, Bv, 4, c);
    tap_ok(e1 <= 1e-8 && e2 <= 1e-8 && e3 <= 1e-8 && off_zero && gsl_vector_isnull(c),
           "cleaning minibatch {2, 9, 9, 30, 11} / {0, 5, 5, 22}: ∇θG_B, ∇ωG_B, ∇θL_B' = "
           "differences of the minibatch objectives (rel %.2g %.2g %.2g); ∇ωG_B = 0 off the "
           "batch, ∇ωL_B' = 0", e1, e2, e3);
    /* ∇ωG_B on the batch is (c_i/|B|) σ'(ω_i) ℓ_i: c_i·n/|B| times the
     * full-batch ∂G/∂ω_i (c_i = 1 at i = 2, 2 at i = 9) */
    P->type->G_omega(P, y, x, f);
    mb->G_omega(P, y, x, B, 5, c);
    double r2 = gsl_vector_get(c, 2) / gsl_vector_get(f, 2);
    double r9 = gsl_vector_get(c, 9) / gsl_vector_get(f, 9);
    tap_ok(fabs(r2 - 37.0 / 5) <= 1e-13 * 37 / 5 && fabs(r9 - 74.0 / 5) <= 1e-13 * 74 / 5,
           "cleaning: ∂G_B/∂ω_i = (c_i n/|B|)·∂G/∂ω_i: ×%.15g at i = 2 (once), ×%.15g at i = 9 "
           "(twice)", r2, r9);
    /* H_B v, C_B v, C_Bᵀu: differences of the minibatch gradients (checked
     * above) along v and u; ⟨u, C_B v⟩ = ⟨C_Bᵀu, v⟩ */
    gsl_vector_memcpy(ap, y);
    gsl_blas_daxpy(h, v, ap);
    gsl_vector_memcpy(bp, y);
    gsl_blas_daxpy(-h, v, bp);
    gsl_vector *g1 = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(p);
    mb->hvp(P, y, x, B, 5, v, a);
    mb->G_theta(P, ap, x, B, 5, g1);
    mb->G_theta(P, bp, x, B, 5, g2);
    cl_diff(g1, g2, h, b);
    double e4 = relerr(a, b);
    mb->cvp(P, y, x, B, 5, v, c);
    mb->G_omega(P, ap, x, B, 5, cd);
    mb->G_omega(P, bp, x, B, 5, fd);
    cl_diff(cd, fd, h, f);
    double e5 = relerr(c, f);
    gsl_vector_memcpy(cd, x);
    gsl_blas_daxpy(h, u, cd);
    gsl_vector_memcpy(fd, x);
    gsl_blas_daxpy(-h, u, fd);
    mb->ctvp(P, y, x, B, 5, u, a);
    mb->G_theta(P, y, cd, B, 5, g1);
    mb->G_theta(P, y, fd, B, 5, g2);
    cl_diff(g1, g2, h, b);
    double e6 = relerr(a, b), uc, cv;
    mb->cvp(P, y, x, B, 5, v, c);
    gsl_blas_ddot(u, c, &uc);
    gsl_blas_ddot(a, v, &cv);
    tap_ok(e4 <= 1e-8 && e5 <= 1e-8 && e6 <= 1e-8 && fabs(uc - cv) <= 1e-14 * fabs(uc),
           "cleaning minibatch: H_B v, C_B v, C_Bᵀu = differences of ∇θG_B and ∇ωG_B (rel "
           "%.2g %.2g %.2g); ⟨u, C_B v⟩ = %.12g, ⟨C_Bᵀu, v⟩ = %.12g", e4, e5, e6, uc, cv);
    /* a partition of the training samples (sizes 5, 8, 1, 13, 10) and of the
     * validation samples (7, 16) in a random order: Σ_B (|B|/n)·oracle_B is
     * the full-batch oracle to round-off */
    size_t perm[37], permv[23];
    for (size_t i = 0; i < 37; i++) perm[i] = i;
    for (size_t i = 0; i < 23; i++) permv[i] = i;
    gsl_ran_shuffle(rng, perm, 37, sizeof *perm);
    gsl_ran_shuffle(rng, permv, 23, sizeof *permv);
    const size_t sz[5] = {5, 8, 1, 13, 10}, szv[2] = {7, 16};
    gsl_vector *sp[4], *sd[3], *fp[4], *fdd[3];
    for (int k = 0; k < 4; k++) sp[k] = gsl_vector_calloc(p), fp[k] = gsl_vector_alloc(p);
    for (int k = 0; k < 3; k++) sd[k] = gsl_vector_calloc(d), fdd[k] = gsl_vector_alloc(d);
    for (size_t k = 0, at = 0; k < 5; at += sz[k], k++) {
        double w = (double)sz[k] / 37;
        mb->G_theta(P, y, x, perm + at, sz[k], a); gsl_blas_daxpy(w, a, sp[0]);
        mb->hvp(P, y, x, perm + at, sz[k], v, a); gsl_blas_daxpy(w, a, sp[1]);
        mb->ctvp(P, y, x, perm + at, sz[k], u, a); gsl_blas_daxpy(w, a, sp[2]);
        mb->G_omega(P, y, x, perm + at, sz[k], c); gsl_blas_daxpy(w, c, sd[0]);
        mb->cvp(P, y, x, perm + at, sz[k], v, c); gsl_blas_daxpy(w, c, sd[1]);
    }
    for (size_t k = 0, at = 0; k < 2; at += szv[k], k++) {
        double w = (double)szv[k] / 23;
        mb->L_theta(P, y, x, permv + at, szv[k], a); gsl_blas_daxpy(w, a, sp[3]);
        mb->L_omega(P, y, x, permv + at, szv[k], c); gsl_blas_daxpy(w, c, sd[2]);
    }
    P->type->G_theta(P, y, x, fp[0]);
    P->type->hvp(P, y, x, v, fp[1]);
    P->type->ctvp(P, y, x, u, fp[2]);
    P->type->L_theta(P, y, x, fp[3]);
    P->type->G_omega(P, y, x, fdd[0]);
    P->type->cvp(P, y, x, v, fdd[1]);
    P->type->L_omega(P, y, x, fdd[2]);
    double worst = 0;
    for (int k = 0; k < 4; k++) worst = fmax(worst, relerr(sp[k], fp[k]));
    for (int k = 0; k < 2; k++) worst = fmax(worst, relerr(sd[k], fdd[k]));
    tap_ok(worst <= 1e-13 && gsl_vector_isnull(sd[2]), "cleaning: over a partition (5, 8, 1, "
           "13, 10 of 37; 7, 16 of 23) Σ_B (|B|/n)·oracle_B = the full-batch ∇θG, H v, Cᵀu, "
           "∇θL, ∇ωG, C v, ∇ωL (worst rel %.2g)", worst);
    /* the means over every sample, in order, are the full-batch oracles */
    size_t all[37];
    for (size_t i = 0; i < 37; i++) all[i] = i;
    mb->G_omega(P, y, x, all, 37, c);
    mb->G_theta(P, y, x, all, 37, a);
    tap_ok(relerr(c, fdd[0]) <= 1e-13 && relerr(a, fp[0]) <= 1e-13, "cleaning: the batch of "
           "every sample gives the full-batch ∇ωG, ∇θG (rel %.2g, %.2g)", relerr(c, fdd[0]),
           relerr(a, fp[0]));
    /* SOBA steps on cleaning: 20 steps of batch 8 (5 batches an epoch: 4 epochs) */
    bl_sopt_spec spec;
    bl_sopt_parse("soba:step_size=0.5,batch_size=8", &spec, &e);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
    gsl_vector *th0 = gsl_vector_calloc(p), *om0 = gsl_vector_calloc(d);
    bl_sopt *o = bl_sopt_alloc(&spec, &conf, P, th0, om0, &e);
    int st = o ? BL_OK : BL_EINVAL;
    double L0 = bl_problem_L(P, th0, om0);
    for (int k = 0; k < 20 && st == BL_OK; k++) st = bl_sopt_step(o, &e);
    tap_ok(st == BL_OK && o->oracles == 100 && o->rows[19].epochs == 4
           && o->rows[19].L < L0 && isfinite(o->rows[19].vres),
           "soba b=8 on cleaning (n=37): 20 steps, 100 oracle calls, %.4g epochs, L %.6g → "
           "%.6g (%s)", o ? o->rows[19].epochs : NAN, L0, o ? o->rows[19].L : NAN, e.msg);
    bl_sopt_free(o);
    gsl_vector_free(th0); gsl_vector_free(om0);
    for (int k = 0; k < 4; k++) gsl_vector_free(sp[k]), gsl_vector_free(fp[k]);
    for (int k = 0; k < 3; k++) gsl_vector_free(sd[k]), gsl_vector_free(fdd[k]);
    gsl_vector_free(g1); gsl_vector_free(g2);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(v); gsl_vector_free(u);
    gsl_vector_free(a); gsl_vector_free(b); gsl_vector_free(c); gsl_vector_free(f);
    gsl_vector_free(ap); gsl_vector_free(bp); gsl_vector_free(cd); gsl_vector_free(fd);
    bl_problem_free(P);
    bl_dataset_free(ds);
}

/* ============== the algorithms against re-implementations (full batch) ============== */

typedef struct {
    bl_problem *P;
    gsl_vector *y, *x, *v, *z;
    double lam;
} ref_st;

static void Gy(ref_st *r, cvec *y, gsl_vector *g) { bl_problem_G_theta(r->P, y, r->x, g); }

/* y ← y − a·g */
static void sub(gsl_vector *y, double a, cvec *g) { gsl_blas_daxpy(-a, g, y); }

static void ref_soba(ref_st *r, double s, double ratio, size_t t)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    double rho = s / sqrt((double)(t + 1)), gam = (s / ratio) / sqrt((double)(t + 1));
    gsl_vector *gy = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p), *ly = gsl_vector_alloc(p);
    gsl_vector *cv = gsl_vector_alloc(d), *lx = gsl_vector_alloc(d);
    Gy(r, r->y, gy);
    bl_problem_hvp(P, r->y, r->x, r->v, hv);
    bl_problem_cvp(P, r->y, r->x, r->v, cv);
    bl_problem_L_theta(P, r->y, r->x, ly);
    bl_problem_L_omega(P, r->y, r->x, lx);
    sub(r->y, rho, gy);
    gsl_vector_add(hv, ly);
    sub(r->v, rho, hv);
    gsl_vector_add(cv, lx);
    sub(r->x, gam, cv);
    gsl_vector_free(gy); gsl_vector_free(hv); gsl_vector_free(ly);
    gsl_vector_free(cv); gsl_vector_free(lx);
}

/* SRBA with full batches: the directions are the full gradients, constant
 * steps (SOBA with a = 0) */
static void ref_soba_const(ref_st *r, double s, double ratio)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    gsl_vector *gy = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p), *ly = gsl_vector_alloc(p);
    gsl_vector *cv = gsl_vector_alloc(d), *lx = gsl_vector_alloc(d);
    Gy(r, r->y, gy);
    bl_problem_hvp(P, r->y, r->x, r->v, hv);
    bl_problem_cvp(P, r->y, r->x, r->v, cv);
    bl_problem_L_theta(P, r->y, r->x, ly);
    bl_problem_L_omega(P, r->y, r->x, lx);
    sub(r->y, s, gy);
    gsl_vector_add(hv, ly);
    sub(r->v, s, hv);
    gsl_vector_add(cv, lx);
    sub(r->x, s / ratio, cv);
    gsl_vector_free(gy); gsl_vector_free(hv); gsl_vector_free(ly);
    gsl_vector_free(cv); gsl_vector_free(lx);
}

/* SABA with one batch per side: memory m and mean m̄ per quantity */
typedef struct { gsl_vector *m[5], *bar[5]; } saba_mem;

static void saga1(gsl_vector *m, gsl_vector *bar, gsl_vector *g)
{
    /* d = g − m + m̄; m̄ ← m̄ + 1·(g − m); m ← g */
    gsl_vector *gi = gsl_vector_alloc(g->size);
    gsl_vector_memcpy(gi, g);
    for (size_t j = 0; j < g->size; j++) {
        double diff = gsl_vector_get(g, j) - gsl_vector_get(m, j);
        gsl_vector_set(g, j, diff + gsl_vector_get(bar, j));
        gsl_vector_set(bar, j, gsl_vector_get(bar, j) + diff);
    }
    gsl_vector_memcpy(m, gi);
    gsl_vector_free(gi);
}

static void ref_saba(ref_st *r, saba_mem *M, double s, double ratio)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    gsl_vector *q[5] = {gsl_vector_alloc(p), gsl_vector_alloc(p), gsl_vector_alloc(d),
                        gsl_vector_alloc(p), gsl_vector_alloc(d)};
    Gy(r, r->y, q[0]);
    bl_problem_hvp(P, r->y, r->x, r->v, q[1]);
    bl_problem_cvp(P, r->y, r->x, r->v, q[2]);
    bl_problem_L_theta(P, r->y, r->x, q[3]);
    bl_problem_L_omega(P, r->y, r->x, q[4]);
    for (int k = 0; k < 5; k++) saga1(M->m[k], M->bar[k], q[k]);
    sub(r->y, s, q[0]);
    gsl_vector_add(q[1], q[3]);
    sub(r->v, s, q[1]);
    gsl_vector_add(q[2], q[4]);
    sub(r->x, s / ratio, q[2]);
    for (int k = 0; k < 5; k++) gsl_vector_free(q[k]);
}

static void ref_amigo_stocbio(ref_st *r, double s, double ratio, size_t K, long J)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    gsl_vector *g = gsl_vector_alloc(p), *ly = gsl_vector_alloc(p), *lx = gsl_vector_alloc(d);
    gsl_vector *hv = gsl_vector_alloc(p), *cv = gsl_vector_alloc(d), *acc = gsl_vector_alloc(p);
    for (size_t k = 0; k < K; k++) {
        Gy(r, r->y, g);
        sub(r->y, s, g);
    }
    bl_problem_L_theta(P, r->y, r->x, ly);
    bl_problem_L_omega(P, r->y, r->x, lx);
    if (J < 0) {            /* AmIGO: K warm-started steps on v */
        for (size_t k = 0; k < K; k++) {
            bl_problem_hvp(P, r->y, r->x, r->v, hv);
            gsl_vector_add(hv, ly);
            sub(r->v, s, hv);
        }
    } else {                /* StocBiO: v = −s Σ_{j=0}^{J} (I − sH)^j ∇θL */
        gsl_vector_memcpy(acc, ly);
        gsl_vector_memcpy(g, ly);
        for (long j = 0; j < J; j++) {
            bl_problem_hvp(P, r->y, r->x, g, hv);
            sub(g, s, hv);
            gsl_vector_add(acc, g);
        }
        gsl_vector_memcpy(r->v, acc);
        gsl_vector_scale(r->v, -s);
    }
    bl_problem_cvp(P, r->y, r->x, r->v, cv);
    gsl_vector_add(cv, lx);
    sub(r->x, s / ratio, cv);
    gsl_vector_free(g); gsl_vector_free(ly); gsl_vector_free(lx);
    gsl_vector_free(hv); gsl_vector_free(cv); gsl_vector_free(acc);
}

static void ref_f2sa(ref_st *r, double s, double ratio, double dl, size_t K, size_t t)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    double ay = s / pow(t + 1.0, 5.0 / 7), az = s / pow(t + 1.0, 4.0 / 7);
    double gam = (s / ratio) / pow(t + 1.0, 4.0 / 7), dt = dl / pow(t + 1.0, 1.0 / 7);
    gsl_vector *g1 = gsl_vector_alloc(p), *g2 = gsl_vector_alloc(p), *ly = gsl_vector_alloc(p);
    gsl_vector *lx = gsl_vector_alloc(d), *a = gsl_vector_alloc(d), *b = gsl_vector_alloc(d);
    for (size_t k = 0; k < K; k++) {
        Gy(r, r->y, g1);
        Gy(r, r->z, g2);
        bl_problem_L_theta(P, r->y, r->x, ly);
        gsl_vector_scale(g1, r->lam);
        gsl_vector_add(g1, ly);
        sub(r->y, ay, g1);
        sub(r->z, az, g2);
    }
    bl_problem_L_omega(P, r->y, r->x, lx);
    bl_problem_G_omega(P, r->y, r->x, a);
    bl_problem_G_omega(P, r->z, r->x, b);
    gsl_vector_sub(a, b);
    gsl_vector_scale(a, r->lam);
    gsl_vector_add(lx, a);
    sub(r->x, gam, lx);
    r->lam += dt;
    gsl_vector_free(g1); gsl_vector_free(g2); gsl_vector_free(ly);
    gsl_vector_free(lx); gsl_vector_free(a); gsl_vector_free(b);
}

static void ref_bome(ref_st *r, double s, double ratio, double eta, size_t K)
{
    bl_problem *P = r->P;
    size_t p = P->p, d = P->d;
    gsl_vector *g = gsl_vector_alloc(p), *fy = gsl_vector_alloc(p), *qy = gsl_vector_alloc(p);
    gsl_vector *fx = gsl_vector_alloc(d), *qx = gsl_vector_alloc(d), *b = gsl_vector_alloc(d);
    gsl_vector_memcpy(r->z, r->y);
    for (size_t k = 0; k < K; k++) {
        Gy(r, r->z, g);
        sub(r->z, s, g);
    }
    bl_problem_L_theta(P, r->y, r->x, fy);
    bl_problem_L_omega(P, r->y, r->x, fx);
    Gy(r, r->y, qy);
    bl_problem_G_omega(P, r->y, r->x, qx);
    bl_problem_G_omega(P, r->z, r->x, b);
    gsl_vector_sub(qx, b);
    double n2 = 0, dot = 0;
    for (size_t i = 0; i < p; i++) {
        n2 += qy->data[i] * qy->data[i];
        dot += fy->data[i] * qy->data[i];
    }
    for (size_t i = 0; i < d; i++) {
        n2 += qx->data[i] * qx->data[i];
        dot += fx->data[i] * qx->data[i];
    }
    double lam = n2 > 0 ? fmax(eta * n2 - dot, 0) / n2 : 0;
    gsl_blas_daxpy(lam, qy, fy);
    gsl_blas_daxpy(lam, qx, fx);
    sub(r->y, s, fy);
    sub(r->x, s / ratio, fx);
    gsl_vector_free(g); gsl_vector_free(fy); gsl_vector_free(qy);
    gsl_vector_free(fx); gsl_vector_free(qx); gsl_vector_free(b);
}

static void check_against_reference(void)
{
    bl_problem *P = build("n_inner=40 n_outer=30 dim_inner=6 dim_outer=3 seed=5");
    if (!P) return;
    size_t p = P->p, d = P->d;
    gsl_vector *th0 = gsl_vector_alloc(p), *om0 = gsl_vector_alloc(d);
    randn(th0, 0.5);
    bl_problem_omega0(P, om0);
    static const char *const specs[] = {
        "soba:step_size=0.3,outer_ratio=2,batch_size=full",
        "saba:step_size=0.3,outer_ratio=2,batch_size=0",
        "amigo:step_size=0.3,outer_ratio=2,n_inner_steps=3,batch_size=0",
        "stocbio:step_size=0.3,outer_ratio=2,n_inner_steps=3,n_shia_steps=4,batch_size=0",
        "f2sa:step_size=0.1,outer_ratio=2,lmbda0=2,delta_lmbda=0.3,n_inner_steps=3,batch_size=0",
        "bome:step_size=0.2,outer_ratio=2,eta=0.5,n_inner_steps=4",
        "srba:step_size=0.3,outer_ratio=2,batch_size=0,period_frac=3",
    };
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++) {
        bl_err e = {0, ""};
        bl_sopt_spec sp;
        if (!tap_ok(bl_sopt_parse(specs[k], &sp, &e) == BL_OK, "parse %s (%s)", specs[k], e.msg))
            continue;
        bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
        bl_sopt *o = bl_sopt_alloc(&sp, &conf, P, th0, om0, &e);
        if (!tap_ok(o != NULL, "%s starts (%s)", specs[k], e.msg)) continue;
        ref_st r = {P, gsl_vector_alloc(p), gsl_vector_alloc(d), gsl_vector_calloc(p),
                    gsl_vector_alloc(p), bl_sopt_par(&sp, "lmbda0")};
        gsl_vector_memcpy(r.y, th0);
        gsl_vector_memcpy(r.z, th0);
        gsl_vector_memcpy(r.x, om0);
        saba_mem M;
        for (int q = 0; q < 5; q++) {
            size_t n = q == 2 || q == 4 ? d : p;
            M.m[q] = gsl_vector_calloc(n);
            M.bar[q] = gsl_vector_calloc(n);
        }
        double s = bl_sopt_par(&sp, "step_size"), ratio = bl_sopt_par(&sp, "outer_ratio");
        int st = BL_OK;
        for (size_t t = 0; t < 50 && st == BL_OK; t++) {
            st = bl_sopt_step(o, &e);
            switch (k) {
            case 0: ref_soba(&r, s, ratio, t); break;
            case 1: ref_saba(&r, &M, s, ratio); break;
            case 2: ref_amigo_stocbio(&r, s, ratio, 3, -1); break;
            case 3: ref_amigo_stocbio(&r, s, ratio, 3, 4); break;
            case 4: ref_f2sa(&r, s, ratio, 0.3, 3, t); break;
            case 5: ref_bome(&r, s, ratio, 0.5, 4); break;
            case 6: ref_soba_const(&r, s, ratio); break;
            }
        }
        double ey = relerr(o->y, r.y), ex = relerr(o->x, r.x);
        double ev = k == 4 || k == 5 ? relerr(o->z, r.z) : relerr(o->v, r.v);
        double moved = dist(o->x, om0);
        /* SRBA's recursive directions add differences of full gradients:
         * the same directions up to round-off, which accumulates */
        double tol = k == 6 ? 1e-10 : 1e-12;
        if (k == 6) tap_ok(o->period == 5, "srba n=40+30, b=40, period_frac=3: a full-batch "
                           "restart every ⌊70·3/40⌋ = 5 steps (%zu)", o->period);
        tap_ok(st == BL_OK && ey <= tol && ex <= tol && ev <= tol && moved > 1e-3,
               "%s, full batch, 50 steps = the re-implementation from the catalogue: rel "
               "θ %.2g, ω %.2g, %s %.2g (ω moved %.3g)", sp.type->name, ey, ex,
               k == 4 || k == 5 ? "z" : "v", ev, moved);
        if (k == 4)
            tap_close(o->lmbda, r.lam, 1e-14, "f2sa: λ after 50 steps = λ₀ + Σ δ/(t+1)^{1/7}");
        for (int q = 0; q < 5; q++) {
            gsl_vector_free(M.m[q]);
            gsl_vector_free(M.bar[q]);
        }
        gsl_vector_free(r.y); gsl_vector_free(r.x); gsl_vector_free(r.v); gsl_vector_free(r.z);
        bl_sopt_free(o);
    }
    /* refusals */
    bl_err e = {0, ""};
    bl_sopt_spec sp;
    bl_sopt_parse("saba", &sp, &e);
    bl_sopt_conf conf = {BL_SAMPLER_SHUFFLE, 0, 0, 1};
    bl_sopt *o = bl_sopt_alloc(&sp, &conf, P, th0, om0, &e);
    tap_ok(!o && has(e.msg, "sampler batches"), "saba with sampler shuffle refused: \"%s\"", e.msg);
    bl_sopt_free(o);
    bl_problem *Q = quadratic(5, 2, 10, 0.1, 0);
    gsl_vector *t5 = gsl_vector_calloc(5), *w2 = gsl_vector_calloc(2);
    conf.sampler = BL_SAMPLER_BATCHES;
    bl_sopt_parse("soba", &sp, &e);
    o = bl_sopt_alloc(&sp, &conf, Q, t5, w2, &e);
    tap_ok(!o && has(e.msg, "no minibatch oracles"), "soba on quadratic refused: \"%s\"", e.msg);
    bl_problem_free(Q);
    gsl_vector_free(t5);
    gsl_vector_free(w2);
    tap_ok(bl_sopt_parse("soba:step=1", &sp, &e) != BL_OK && has(e.msg, "step_size"),
           "soba:step=1 refused naming the parameters: \"%s\"", e.msg);
    tap_ok(bl_sopt_parse("stocbio:n_shia_steps=1.5", &sp, &e) != BL_OK,
           "stocbio:n_shia_steps=1.5 refused: \"%s\"", e.msg);
    gsl_vector_free(th0);
    gsl_vector_free(om0);
    bl_problem_free(P);
}

/* ======================== the papers' qualitative claims ======================== */

/* runs SPEC for T steps from θ = 0, ω = ω₀; mean ‖∇F‖ over the last LAST
 * steps into *TAIL, the last ‖∇F‖ into *END, the one at step T/2 into *MID */
static int run_spec(bl_problem *P, const char *spec, size_t T, size_t last, double *tail,
                    double *mid, double *end)
{
    bl_err e = {0, ""};
    bl_sopt_spec sp;
    if (bl_sopt_parse(spec, &sp, &e)) return BL_EINVAL;
    gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_alloc(P->d);
    bl_problem_omega0(P, om);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 3};
    bl_sopt *o = bl_sopt_alloc(&sp, &conf, P, th, om, &e);
    int st = o ? BL_OK : BL_EINVAL;
    for (size_t t = 0; t < T && st == BL_OK; t++) st = bl_sopt_step(o, &e);
    if (st == BL_OK) {
        double a = 0;
        for (size_t t = T - last; t < T; t++) a += o->rows[t].gnorm;
        *tail = a / (double)last;
        *mid = o->rows[T / 2 - 1].gnorm;
        *end = o->rows[T - 1].gnorm;
    }
    bl_sopt_free(o);
    gsl_vector_free(th);
    gsl_vector_free(om);
    return st;
}

static void check_qualitative(void)
{
    bl_problem *P = build("n_inner=256 n_outer=256 dim_inner=10 dim_outer=5 seed=2442");
    if (!P) return;
    double tail, mid, end, g0;
    {
        gsl_vector *om = gsl_vector_alloc(P->d), *g = gsl_vector_alloc(P->d);
        bl_problem_omega0(P, om);
        P->type->hypergrad(P, om, g);
        g0 = gsl_blas_dnrm2(g);
        gsl_vector_free(om);
        gsl_vector_free(g);
    }
    int st = run_spec(P, "saba:step_size=0.2,batch_size=16", 3000, 10, &tail, &mid, &end);
    tap_ok(st == BL_OK && end <= 1e-9 * g0 && end <= 1e-3 * mid, "saba, constant steps, b=16: "
           "‖∇F‖ %.3g → %.3g at step 1500 → %.3g at 3000 (linear: to round-off)", g0, mid, end);
    double floor[3];
    const size_t bs[3] = {4, 16, 64};
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        char spec[96];
        snprintf(spec, sizeof spec, "soba:step_size=0.2,decay=0,batch_size=%zu", bs[k]);
        ok &= run_spec(P, spec, 3000, 1000, &floor[k], &mid, &end) == BL_OK;
    }
    tap_ok(ok && floor[0] > 2 * floor[1] && floor[1] > 2 * floor[2] && floor[2] > 1e-4 * g0,
           "soba, constant steps: ‖∇F‖ stalls at a floor that shrinks with the batch size "
           "(mean of the last 1000 of 3000 steps: b=4 %.3g, b=16 %.3g, b=64 %.3g)", floor[0],
           floor[1], floor[2]);
    /* StocBiO: the truncated Neumann series biases its hypergradient; the
     * error after a fixed budget falls with n_shia_steps (full batch and
     * b = 32) */
    const int J[4] = {0, 2, 8, 32};
    for (int b = 0; b < 2; b++) {
        double err[4];
        ok = 1;
        for (int k = 0; k < 4; k++) {
            char spec[128];
            snprintf(spec, sizeof spec, "stocbio:step_size=0.3,n_shia_steps=%d,batch_size=%s",
                     J[k], b ? "32" : "full");
            ok &= run_spec(P, spec, b ? 1000 : 500, 50, &err[k], &mid, &end) == BL_OK;
        }
        tap_ok(ok && err[0] > err[1] && err[1] > err[2] && err[2] > err[3],
               "stocbio (%s): ‖∇F‖ after %d steps falls with n_shia_steps: J=0 %.3g, 2 %.3g, "
               "8 %.3g, 32 %.3g", b ? "b=32" : "full batch", b ? 1000 : 500, err[0], err[1],
               err[2], err[3]);
    }
    bl_problem_free(P);
}

/* ================== the running state saved and read back ================== */

static int same_vec(cvec *a, cvec *b)
{
    if (!a || !b) return a == b;
    for (size_t i = 0; i < a->size; i++) {
        double x = gsl_vector_get(a, i), y = gsl_vector_get(b, i);
        if (memcmp(&x, &y, sizeof x)) return 0;
    }
    return 1;
}

static int same_num(double x, double y)
{
    return memcmp(&x, &y, sizeof x) == 0;
}

/* SPEC on SAMPLER: K steps, the state read into an algorithm started
 * elsewhere (θ = 1, ω = 2), then M more steps of both, compared bit for
 * bit: every vector, λ, t, the counters, the samplers and each row. */
static void check_one_save(bl_problem *P, const char *spec, bl_sampler_kind smp, size_t K,
                           size_t M)
{
    bl_err e = {0, ""};
    bl_sopt_spec sp;
    if (bl_sopt_parse(spec, &sp, &e)) {
        tap_ok(0, "%s parses: %s", spec, e.msg);
        return;
    }
    gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_alloc(P->d);
    gsl_vector *th1 = gsl_vector_alloc(P->p), *om1 = gsl_vector_alloc(P->d);
    bl_problem_omega0(P, om);
    gsl_vector_set_all(th1, 1);
    gsl_vector_set_all(om1, 2);
    bl_sopt_conf conf = {smp, 0, 0, 11};
    bl_sopt *a = bl_sopt_alloc(&sp, &conf, P, th, om, &e);
    bl_sopt *b = bl_sopt_alloc(&sp, &conf, P, th1, om1, &e);
    int st = a && b ? BL_OK : BL_EINVAL;
    for (size_t t = 0; t < K && st == BL_OK; t++) st = bl_sopt_step(a, &e);
    size_t n = a ? bl_sopt_state_get(a, NULL) : 0;
    double *w = malloc((n + 1) * sizeof *w);
    size_t got = st == BL_OK && w ? bl_sopt_state_get(a, w) : 0;
    if (st == BL_OK) st = got == n ? bl_sopt_state_put(b, w, n, &e) : BL_EINVAL;
    size_t nrow0 = a ? a->nrow : 0;
    for (size_t t = 0; t < M && st == BL_OK; t++) {
        st = bl_sopt_step(a, &e);
        if (st == BL_OK) st = bl_sopt_step(b, &e);
    }
    int same = st == BL_OK && same_vec(a->y, b->y) && same_vec(a->x, b->x)
               && same_vec(a->v, b->v) && same_vec(a->z, b->z) && same_vec(a->d_y, b->d_y)
               && same_vec(a->d_v, b->d_v) && same_vec(a->d_x, b->d_x)
               && same_num(a->lmbda, b->lmbda) && a->t == b->t && a->t == K + M
               && a->oracles == b->oracles && a->sin->drawn == b->sin->drawn
               && a->sout->drawn == b->sout->drawn && a->sin->epochs == b->sin->epochs
               && a->sin->pos == b->sin->pos && a->sout->pos == b->sout->pos
               && gsl_rng_get(a->sin->r) == gsl_rng_get(b->sin->r)
               && gsl_rng_get(a->sout->r) == gsl_rng_get(b->sout->r) && b->nrow == M;
    if (same && a->m_gy) {
        size_t ni = a->sin->nb + 1, no = a->sout->nb + 1;
        same = !memcmp(a->m_gy, b->m_gy, ni * P->p * sizeof(double))
               && !memcmp(a->m_hv, b->m_hv, ni * P->p * sizeof(double))
               && !memcmp(a->m_cv, b->m_cv, ni * P->d * sizeof(double))
               && !memcmp(a->m_ly, b->m_ly, no * P->p * sizeof(double))
               && !memcmp(a->m_lx, b->m_lx, no * P->d * sizeof(double));
    }
    for (size_t r = 0; same && r < M; r++) {
        const bl_sopt_row *x = &a->rows[nrow0 + r], *y = &b->rows[r];
        same = same_num(x->F, y->F) && same_num(x->gnorm, y->gnorm) && same_num(x->L, y->L)
               && (same_num(x->vres, y->vres) || (isnan(x->vres) && isnan(y->vres)))
               && x->oracles == y->oracles && same_num(x->epochs, y->epochs);
    }
    tap_ok(same, "%s (%s): %zu steps, the state (%zu words) read back elsewhere, %zu more "
           "steps: the same bit for bit (F = %.17g)%s%s", spec, bl_sampler_names[smp], K, n, M,
           st == BL_OK ? b->rows[M - 1].F : NAN, st ? ": " : "", st ? e.msg : "");
    free(w);
    bl_sopt_free(a);
    bl_sopt_free(b);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(th1);
    gsl_vector_free(om1);
}

static void check_save_state(void)
{
    bl_problem *P = build("n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3");
    if (!P) return;
    /* K steps end inside an epoch (4 inner batches of 16); SRBA's restart
     * period is ⌊(64 + 48)·0.5/16⌋ = 3: the M steps cross restarts */
    static const char *const specs[] = {
        "soba:step_size=0.3,batch_size=16", "saba:step_size=0.2,batch_size=16",
        "srba:step_size=0.1,batch_size=16", "amigo:step_size=0.2,batch_size=16,n_inner_steps=3",
        "stocbio:step_size=0.2,batch_size=16,n_inner_steps=3,n_shia_steps=4",
        "f2sa:step_size=0.05,batch_size=16,n_inner_steps=3", "bome:step_size=0.1,n_inner_steps=3"};
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
        check_one_save(P, specs[i], BL_SAMPLER_BATCHES, 7, 9);
    check_one_save(P, "soba:step_size=0.3,batch_size=10", BL_SAMPLER_SHUFFLE, 5, 9);
    check_one_save(P, "stocbio:step_size=0.2,batch_size=10", BL_SAMPLER_UNIFORM, 5, 6);
    check_one_save(P, "soba:step_size=0.3,batch_size=16", BL_SAMPLER_BATCHES, 0, 3);

    /* refusals: another algorithm, a wrong count, a damaged generator word;
     * nothing changes */
    bl_err e = {0, ""};
    bl_sopt_spec s1, s2;
    bl_sopt_parse("soba:batch_size=16", &s1, &e);
    bl_sopt_parse("amigo:batch_size=16", &s2, &e);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 11};
    gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_calloc(P->d);
    bl_sopt *a = bl_sopt_alloc(&s1, &conf, P, th, om, &e);
    bl_sopt *b = bl_sopt_alloc(&s2, &conf, P, th, om, &e);
    bl_sopt *c = bl_sopt_alloc(&s1, &conf, P, th, om, &e);
    bl_sopt_step(a, &e);
    size_t n = bl_sopt_state_get(a, NULL);
    double *w = malloc(n * sizeof *w);
    bl_sopt_state_get(a, w);
    e.msg[0] = 0;
    int st = bl_sopt_state_put(b, w, n, &e);
    tap_ok(st == BL_EINVAL && has(e.msg, "soba's, not amigo's"),
           "soba's state refused by amigo: \"%s\"", e.msg);
    st = bl_sopt_state_put(c, w, n - 1, &e);
    tap_ok(st == BL_EINVAL && has(e.msg, "state words"), "a word short refused: \"%s\"", e.msg);
    w[n - 5] = 4294967296.0;              /* an mt19937 word ≥ 2³² */
    unsigned long drawn = c->sin->drawn;
    st = bl_sopt_state_put(c, w, n, &e);
    tap_ok(st == BL_EINVAL && has(e.msg, "damaged") && c->t == 0 && c->sin->drawn == drawn
           && gsl_vector_get(c->y, 0) == 0, "a damaged generator word refused, nothing "
           "changed: \"%s\"", e.msg);
    free(w);
    bl_sopt_free(a);
    bl_sopt_free(b);
    bl_sopt_free(c);
    gsl_vector_free(th);
    gsl_vector_free(om);
    bl_problem_free(P);
}

/* F2SA with λ held fixed (delta_lmbda = 0, lmbda0 = λ) and full batches
 * converges to the stationary point ω_λ of the penalty function
 * L*_λ(ω) = min_y [L + λG](y, ω) − λ min_y G(y, ω), whose distance to ω*
 * is O(1/λ) (Kwon et al. 2023, Lemma 3.1).  Each run goes from ω₀ = −2
 * until F2SA's own iteration is stationary (its three residuals below
 * 1e-4·‖∇F‖, checked every 10 steps, at most 3000), then ‖ω_λ − ω*‖ and
 * ‖∇F(ω_λ)‖ are fitted against λ in log-log.  The catalogue's
 * F2SA needs no change: delta_lmbda = 0 holds λ.  Steps: s = 1/(λ + 1)
 * keeps αλ‖Ā‖ < 1 for every λ; z then moves at the rate s, so
 * n_inner_steps = 15(λ + 1) lets it track θ*(ω); outer_ratio = s·F''/0.5
 * makes γ = 0.5/F'' (d = 1: F'' is a number, from differences of the
 * closed-form ∇F); κ(Ā) ≈ 1 (mu_inner = L_inner = 1, n = 1024). */
static void check_f2sa_bias(void)
{
    bl_problem *P = build("n_inner=1024 n_outer=1024 dim_inner=6 dim_outer=1 mu_inner=1 "
                          "L_inner=1 seed=31");
    if (!P) return;
    size_t p = P->p, d = P->d;
    const double lam[5] = {4, 8, 16, 32, 64};
    const size_t Tmax = 3000;
    double err[5], gn[5];
    size_t steps[5] = {0};
    gsl_vector *ws = gsl_vector_alloc(d), *th = gsl_vector_calloc(p), *om = gsl_vector_alloc(d);
    gsl_vector *a = gsl_vector_alloc(p), *b = gsl_vector_alloc(p);
    gsl_vector *gx = gsl_vector_alloc(d), *hx = gsl_vector_alloc(d);
    bl_quadsum_optimum(P, ws, NULL);
    bl_problem_omega0(P, om);
    /* F'' (d = 1; F is quadratic): ∇F(1) − ∇F(0) */
    gsl_vector_set_all(gx, 0);
    P->type->hypergrad(P, gx, hx);
    double HF = -gsl_vector_get(hx, 0);
    gsl_vector_set_all(gx, 1);
    P->type->hypergrad(P, gx, hx);
    HF += gsl_vector_get(hx, 0);
    int ok = HF > 0;
    double worst_res = 0;
    for (int k = 0; k < 5 && ok; k++) {
        double s = 1 / (lam[k] + 1);
        char spec[200];
        snprintf(spec, sizeof spec, "f2sa:step_size=%.17g,outer_ratio=%.17g,lmbda0=%g,"
                 "delta_lmbda=0,batch_size=full,n_inner_steps=%.0f", s, s * HF / 0.5, lam[k],
                 ceil(15 * (lam[k] + 1)));
        bl_err e = {0, ""};
        bl_sopt_spec sp;
        bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
        bl_sopt *o = NULL;
        if (bl_sopt_parse(spec, &sp, &e) == BL_OK) o = bl_sopt_alloc(&sp, &conf, P, th, om, &e);
        if (!o) {
            ok = 0;
            tap_diag("%s: %s", spec, e.msg);
            break;
        }
        o->measure = 0;
        int st = BL_OK;
        double res = INFINITY;
        /* F2SA's residuals (y, z and ω stationary), every 10 steps:
         * ‖∇yG(y) + ∇yL(y)/λ‖, ‖∇yG(z)‖, ‖∇ωL(y) + λ(∇ωG(y) − ∇ωG(z))‖,
         * relative to ‖∇F(ω)‖ */
        while (st == BL_OK && o->t < Tmax && !(res <= 1e-4)) {
            for (int j = 0; j < 10 && st == BL_OK; j++) st = bl_sopt_step(o, &e);
            bl_problem_G_theta(P, o->y, o->x, a);
            bl_problem_L_theta(P, o->y, o->x, b);
            gsl_blas_daxpy(1 / lam[k], b, a);
            double ry = gsl_blas_dnrm2(a);
            bl_problem_G_theta(P, o->z, o->x, a);
            double rz = gsl_blas_dnrm2(a);
            bl_problem_G_omega(P, o->y, o->x, gx);
            bl_problem_G_omega(P, o->z, o->x, hx);
            gsl_vector_sub(gx, hx);
            gsl_vector_scale(gx, lam[k]);
            bl_problem_L_omega(P, o->y, o->x, hx);
            gsl_vector_add(gx, hx);
            double rx = gsl_blas_dnrm2(gx);
            P->type->hypergrad(P, o->x, hx);
            gn[k] = gsl_blas_dnrm2(hx);
            res = fmax(fmax(ry, rz), rx) / gn[k];
        }
        ok &= st == BL_OK && o->lmbda == lam[k];
        err[k] = dist(o->x, ws);
        steps[k] = o->t;
        worst_res = fmax(worst_res, res);
        bl_sopt_free(o);
    }
    /* least-squares slopes of log ‖ω_λ − ω*‖ and log ‖∇F(ω_λ)‖ against log λ */
    double sl[2] = {NAN, NAN}, mx = 0, my[2] = {0, 0}, sxx = 0, sxy[2] = {0, 0};
    int ratios = ok;
    if (ok) {
        for (int k = 0; k < 5; k++) {
            mx += log(lam[k]) / 5;
            my[0] += log(err[k]) / 5;
            my[1] += log(gn[k]) / 5;
        }
        for (int k = 0; k < 5; k++) {
            double dx = log(lam[k]) - mx;
            sxx += dx * dx;
            sxy[0] += dx * (log(err[k]) - my[0]);
            sxy[1] += dx * (log(gn[k]) - my[1]);
        }
        sl[0] = sxy[0] / sxx;
        sl[1] = sxy[1] / sxx;
        for (int k = 0; k + 1 < 5; k++)
            ratios &= err[k] / err[k + 1] > 1.6 && err[k] / err[k + 1] < 2.4;
    }
    tap_ok(ok && worst_res <= 1e-4, "f2sa, λ fixed (delta_lmbda=0), full batch, from ω₀ = −2: "
           "stationary for λ = 4 … 64 (its residuals ≤ %.2g·‖∇F(ω_λ)‖) after %zu, %zu, %zu, %zu, "
           "%zu steps", worst_res, steps[0], steps[1], steps[2], steps[3], steps[4]);
    tap_ok(ok && ratios && sl[0] >= -1.2 && sl[0] <= -0.8 && sl[1] >= -1.2 && sl[1] <= -0.8,
           "f2sa's bias falls like 1/λ: ‖ω_λ − ω*‖ = %.3g, %.3g, %.3g, %.3g, %.3g at λ = 4, 8, "
           "16, 32, 64 (each doubling ÷%.3f … ÷%.3f); log-log slopes %.3f (‖ω_λ − ω*‖), %.3f "
           "(‖∇F(ω_λ)‖)", err[0], err[1], err[2], err[3], err[4], ok ? err[0] / err[1] : NAN,
           ok ? err[3] / err[4] : NAN, sl[0], sl[1]);
    gsl_vector_free(ws); gsl_vector_free(th); gsl_vector_free(om);
    gsl_vector_free(a); gsl_vector_free(b); gsl_vector_free(gx); gsl_vector_free(hx);
    bl_problem_free(P);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261205);
    check_quadsum_closed();
    check_sampler();
    check_unbiased();
    check_data_problems();
    check_cleaning();
    check_against_reference();
    check_qualitative();
    check_save_state();
    check_f2sa_bias();
    gsl_rng_free(rng);
    return tap_done();
}
