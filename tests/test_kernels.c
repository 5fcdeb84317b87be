/* test_kernels.c: the kernels of kernels.c.
 * - The weighted Gram matrix H = s Xᵀ diag(c) X against a sum in long
 *   double, for every kernel this processor can run, over shapes that hit
 *   every tile and tail case (p = 1 … 41, row blocks, a tda wider than p,
 *   weights of both signs).
 * - The small Cholesky solve against GSL's on random positive definite
 *   matrices (p = 1 … 64, x aliasing b, strided vectors, a tda wider than
 *   p), and its refusal of indefinite ones.
 * - The one-pass product s Xᵀ φ(X v) (bl_xt_map_xv, bl_xtdx_v) against the
 *   two-pass product (dgemv, the map, dgemv transposed) for every kernel,
 *   on shapes at the edges of its 4-row groups and 4-wide vectors (n < 4,
 *   n not a multiple of 4, p = 1, p mod 4 = 1 … 3, a tda wider than p),
 *   with a map that records t_i (each row's dot product, once, in order).
 * - logistic.c's use of it above BL_ONEPASS_MIN: the loss, the gradient
 *   (summed in the margins' pass) and H·v of the logistic loss against
 *   the formulas summed here in long double, and the gradient against
 *   the weighted two-pass path with unit weights; likewise the Huber
 *   outer loss of ridge (losses.h) and its gradient. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>

#include "bl.h"
#include "kernels.h"
#include "logistic.h"
#include "losses.h"
#include "tap.h"

/* max |H − Href| / max |Href| over both triangles, and whether H is
 * exactly symmetric */
static double check(int k, const gsl_matrix *X, const double *c, double s, int *symmetric)
{
    size_t n = X->size1, p = X->size2;
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    double *w = malloc(bl_gram_work_size(n, p) * sizeof(double));
    /* garbage in the outputs: the kernel must overwrite all of it */
    for (size_t i = 0; i < p * p; i++) H->data[i] = NAN;
    for (size_t i = 0; i < bl_gram_work_size(n, p); i++) w[i] = NAN;
    bl_gram_with(k, X, c, s, w, H);
    double worst = 0, big = 0;
    *symmetric = 1;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            long double r = 0;
            for (size_t i = 0; i < n; i++)
                r += (long double)c[i] * gsl_matrix_get(X, i, a) * gsl_matrix_get(X, i, b);
            double ref = (double)(s * r), h = gsl_matrix_get(H, a, b);
            worst = fmax(worst, isnan(h) ? INFINITY : fabs(h - ref));
            big = fmax(big, fabs(ref));
            if (h != gsl_matrix_get(H, b, a)) *symmetric = 0;
        }
    gsl_matrix_free(H);
    free(w);
    return big > 0 ? worst / big : worst;
}

/* The map of the one-pass test: w_i = c_i t_i + d_i t_i², with t_i and
 * the order of the calls recorded. */
typedef struct {
    const double *c, *d;
    double *t;
    size_t next;
    int in_order;
} mapctx;

static double testmap(void *ctx, size_t i, double t)
{
    mapctx *m = ctx;
    if (i != m->next) m->in_order = 0;
    m->next = i + 1;
    m->t[i] = t;
    return m->c[i] * t + m->d[i] * t * t;
}

/* One shape of the one-pass test, for kernel K: returns the relative
 * error of OUT against the two-pass product and of the recorded t. */
static void check_onepass(int k, gsl_rng *r, size_t n, size_t p, size_t tda)
{
    double *buf = malloc(n * tda * sizeof(double));
    gsl_matrix_view Xv = gsl_matrix_view_array_with_tda(buf, n, p, tda);
    gsl_matrix *X = &Xv.matrix;
    for (size_t i = 0; i < n * tda; i++) buf[i] = gsl_rng_uniform(r) * 2 - 1;
    gsl_vector *v = gsl_vector_alloc(p), *out = gsl_vector_alloc(p);
    gsl_vector *ref = gsl_vector_alloc(p), *z = gsl_vector_alloc(n), *w = gsl_vector_alloc(n);
    double *c = malloc(n * sizeof(double)), *d = malloc(n * sizeof(double));
    double *t = malloc(n * sizeof(double)), *c2 = malloc(n * sizeof(double));
    for (size_t j = 0; j < p; j++) gsl_vector_set(v, j, gsl_rng_uniform(r) - 0.5);
    for (size_t i = 0; i < n; i++) {
        c[i] = gsl_rng_uniform(r) * 2 - 1;
        d[i] = 0.5 * gsl_rng_uniform(r);
        c2[i] = gsl_rng_uniform(r);
        t[i] = NAN;
    }
    double s = 1.0 / (double)n;
    /* two passes: z = X v, w = φ(z), ref = s Xᵀ w */
    gsl_blas_dgemv(CblasNoTrans, 1.0, X, v, 0.0, z);
    for (size_t i = 0; i < n; i++) {
        double zi = gsl_vector_get(z, i);
        gsl_vector_set(w, i, c[i] * zi + d[i] * zi * zi);
    }
    gsl_blas_dgemv(CblasTrans, s, X, w, 0.0, ref);
    for (size_t j = 0; j < p; j++) out->data[j] = NAN;      /* must be overwritten */
    mapctx m = {c, d, t, 0, 1};
    bl_xt_map_xv_with(k, X, v->data, testmap, &m, s, out->data);
    /* scale of the sums: Σ|terms|, so the bound is round-off of the sum */
    double eo = 0, et = 0;
    for (size_t j = 0; j < p; j++) {
        double sc = 0;
        for (size_t i = 0; i < n; i++)
            sc += fabs(gsl_vector_get(w, i) * gsl_matrix_get(X, i, j));
        sc = sc * s + 1e-300;
        eo = fmax(eo, isnan(out->data[j]) ? INFINITY
                                          : fabs(out->data[j] - gsl_vector_get(ref, j)) / sc);
    }
    for (size_t i = 0; i < n; i++) {
        double sc = 1e-300;
        for (size_t j = 0; j < p; j++)
            sc += fabs(gsl_matrix_get(X, i, j) * gsl_vector_get(v, j));
        et = fmax(et, isnan(t[i]) ? INFINITY : fabs(t[i] - gsl_vector_get(z, i)) / sc);
    }
    tap_ok(eo <= 1e-13 && et <= 1e-13 && m.in_order && m.next == n,
           "one pass %s n=%zu p=%zu tda=%zu: s Xᵀ φ(X v) as two passes (out %.2g, "
           "t %.2g, each row once in order)", bl_gram_name(k), n, p, tda, eo, et);
    /* bl_xtdx_v: φ = c t, against the same with the two passes */
    gsl_blas_dgemv(CblasNoTrans, 1.0, X, v, 0.0, z);
    for (size_t i = 0; i < n; i++) gsl_vector_set(z, i, c2[i] * gsl_vector_get(z, i));
    gsl_blas_dgemv(CblasTrans, s, X, z, 0.0, ref);
    if (k == BL_GRAM_AUTO) {
        bl_xtdx_v(X, c2, s, v->data, out->data);
        double e = 0, big = 0;
        for (size_t j = 0; j < p; j++) {
            e = fmax(e, fabs(out->data[j] - gsl_vector_get(ref, j)));
            big = fmax(big, fabs(gsl_vector_get(ref, j)));
        }
        tap_ok(e <= 1e-13 * (big + 1e-300) * (1 + (double)n / 100),
               "bl_xtdx_v n=%zu p=%zu: s Xᵀ diag(c) X v as two dgemv (rel %.2g)", n, p,
               big > 0 ? e / big : e);
    }
    free(buf);
    free(c);
    free(d);
    free(t);
    free(c2);
    gsl_vector_free(v);
    gsl_vector_free(out);
    gsl_vector_free(ref);
    gsl_vector_free(z);
    gsl_vector_free(w);
}

/* The logistic loss, gradient and H·v above the one-pass threshold, on
 * n × p random data, against long-double sums of the formulas
 * (logistic.h). */
static void check_logit(gsl_rng *r, size_t n, size_t p)
{
    bl_dataset ds = {0};
    ds.X = gsl_matrix_alloc(n, p);
    ds.y = gsl_vector_alloc(n);
    ds.Xv = gsl_matrix_alloc(3, p);
    ds.yv = gsl_vector_alloc(3);
    ds.task = BL_TASK_CLASSIFICATION;
    for (size_t i = 0; i < n * p; i++) ds.X->data[i] = gsl_rng_uniform(r) - 0.5;
    for (size_t i = 0; i < n; i++) gsl_vector_set(ds.y, i, gsl_rng_uniform(r) < 0.5 ? -1 : 1);
    for (size_t i = 0; i < 3 * p; i++) ds.Xv->data[i] = gsl_rng_uniform(r) - 0.5;
    for (size_t i = 0; i < 3; i++) gsl_vector_set(ds.yv, i, i % 2 ? 1 : -1);
    bl_logit g;
    bl_err e = {0};
    int st = bl_logit_init(&g, &ds, "logreg", &e);
    gsl_vector *th = gsl_vector_alloc(p), *v = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *hv = gsl_vector_alloc(p), *one = gsl_vector_alloc(n), *g2 = gsl_vector_alloc(p);
    long double *G = calloc(p, sizeof(long double)), *Hv = calloc(p, sizeof(long double));
    for (size_t j = 0; j < p; j++) {
        gsl_vector_set(th, j, 4 * (gsl_rng_uniform(r) - 0.5) / sqrt((double)p));
        gsl_vector_set(v, j, gsl_rng_uniform(r) - 0.5);
    }
    gsl_vector_set_all(one, 1.0);
    double loss = NAN;
    if (st == BL_OK) {
        loss = bl_logit_loss(&g, th, NULL);
        bl_logit_grad(&g, th, NULL, gr);
        bl_logit_grad(&g, th, one, g2);          /* weights: the two-pass path */
        bl_logit_hvp(&g, th, NULL, v, hv);
    }
    long double L = 0;
    for (size_t i = 0; i < n; i++) {
        long double z = 0, xv = 0;
        const double *x = ds.X->data + i * p;
        for (size_t j = 0; j < p; j++) {
            z += (long double)x[j] * th->data[j];
            xv += (long double)x[j] * v->data[j];
        }
        long double y = ds.y->data[i], m = y * z;
        long double sg = 1 / (1 + expl(m));           /* σ(−m) */
        L += log1pl(expl(-m));
        for (size_t j = 0; j < p; j++) {
            G[j] -= sg * y * x[j];
            Hv[j] += sg * (1 - sg) * xv * x[j];
        }
    }
    double eg = 0, eh = 0, e2 = 0, bg = 0, bh = 0;
    for (size_t j = 0; j < p; j++) {
        double gj = (double)(G[j] / n), hj = (double)(Hv[j] / n);
        eg = fmax(eg, fabs(gr->data[j] - gj));
        e2 = fmax(e2, fabs(gr->data[j] - g2->data[j]));
        eh = fmax(eh, fabs(hv->data[j] - hj));
        bg = fmax(bg, fabs(gj));
        bh = fmax(bh, fabs(hj));
    }
    double el = fabs(loss - (double)(L / n)) / (double)(L / n);
    tap_ok(st == BL_OK && n * p >= BL_ONEPASS_MIN && el < 1e-13 && eg < 1e-11 * bg
           && e2 < 1e-11 * bg && eh < 1e-11 * bh,
           "logistic one pass n=%zu p=%zu: loss %.2g, gradient %.2g (two-pass path %.2g), "
           "H·v %.2g from the formulas", n, p, el, eg / bg, e2 / bg, eh / bh);
    if (st == BL_OK) bl_logit_release(&g);
    free(G);
    free(Hv);
    gsl_vector_free(th);
    gsl_vector_free(v);
    gsl_vector_free(gr);
    gsl_vector_free(hv);
    gsl_vector_free(one);
    gsl_vector_free(g2);
    gsl_matrix_free(ds.X);
    gsl_matrix_free(ds.Xv);
    gsl_vector_free(ds.y);
    gsl_vector_free(ds.yv);
}

/* bl_huber_mean above the one-pass threshold against the formulas in
 * long double, and its value against the call without a gradient (the
 * two-pass path). */
static void check_huber(gsl_rng *r, size_t m, size_t p)
{
    gsl_matrix *Z = gsl_matrix_alloc(m, p);
    gsl_vector *t = gsl_vector_alloc(m), *th = gsl_vector_alloc(p), *w = gsl_vector_alloc(m);
    gsl_vector *g = gsl_vector_alloc(p);
    long double *G = calloc(p, sizeof(long double)), L = 0;
    double delta = 0.3;
    for (size_t i = 0; i < m * p; i++) Z->data[i] = gsl_rng_uniform(r) - 0.5;
    for (size_t i = 0; i < m; i++) gsl_vector_set(t, i, gsl_rng_uniform(r) - 0.5);
    for (size_t j = 0; j < p; j++) gsl_vector_set(th, j, gsl_rng_uniform(r) - 0.5);
    double v1 = bl_huber_mean(bl_dmat_dense(Z), t, th, delta, w, g);
    double v0 = bl_huber_mean(bl_dmat_dense(Z), t, th, delta, w, NULL);
    for (size_t k = 0; k < m; k++) {
        long double z = -(long double)t->data[k];
        for (size_t j = 0; j < p; j++) z += (long double)Z->data[k * p + j] * th->data[j];
        long double a = fabsl(z), d = z > delta ? delta : z < -delta ? -delta : z;
        L += a <= delta ? 0.5L * z * z : delta * a - 0.5L * delta * delta;
        for (size_t j = 0; j < p; j++) G[j] += d * Z->data[k * p + j];
    }
    double eg = 0, bg = 0;
    for (size_t j = 0; j < p; j++) {
        double gj = (double)(G[j] / m);
        eg = fmax(eg, fabs(g->data[j] - gj));
        bg = fmax(bg, fabs(gj));
    }
    double ref = (double)(L / m);
    tap_ok(m * p >= BL_ONEPASS_MIN && fabs(v1 - ref) < 1e-12 * ref && fabs(v0 - ref) < 1e-12 * ref
           && eg < 1e-11 * bg,
           "huber one pass m=%zu p=%zu: loss %.2g (two passes %.2g), gradient %.2g from the "
           "formulas", m, p, fabs(v1 - ref) / ref, fabs(v0 - ref) / ref, eg / bg);
    free(G);
    gsl_matrix_free(Z);
    gsl_vector_free(t);
    gsl_vector_free(th);
    gsl_vector_free(w);
    gsl_vector_free(g);
}

int main(void)
{
    bl_init();
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    int kernels[] = {BL_GRAM_PLAIN, BL_GRAM_AVX2, BL_GRAM_AVX512, BL_GRAM_AUTO};
    /* n spans one row block (1 … 700 rows) and several (p = 3: 2048 a block) */
    size_t shapes[][2] = {{1, 1}, {5, 1}, {7, 2}, {9, 3}, {13, 4}, {20, 5}, {33, 7},
                          {40, 8}, {41, 9}, {64, 12}, {100, 13}, {57, 16}, {90, 17},
                          {398, 30}, {50, 31}, {77, 33}, {700, 41}, {5000, 3}, {3, 20}};
    for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
        size_t n = shapes[q][0], p = shapes[q][1];
        /* a view with tda = p + 3 into a wider matrix */
        gsl_matrix *B = gsl_matrix_alloc(n, p + 3);
        for (size_t i = 0; i < n * (p + 3); i++) B->data[i] = gsl_rng_uniform(r) - 0.5;
        gsl_matrix_view V = gsl_matrix_submatrix(B, 0, 1, n, p);
        double *c = malloc(n * sizeof(double));
        for (size_t i = 0; i < n; i++) c[i] = gsl_rng_uniform(r) - (q % 2 ? 0.3 : 0);
        for (size_t kk = 0; kk < sizeof kernels / sizeof kernels[0]; kk++) {
            int k = kernels[kk];
            if (!bl_gram_available(k)) {
                tap_ok(1, "n=%zu p=%zu %s # SKIP this processor cannot run it", n, p,
                       bl_gram_name(k));
                continue;
            }
            int sym;
            double e = check(k, &V.matrix, c, 1.0 / (double)n, &sym);
            tap_ok(e < 1e-14 && sym, "n=%zu p=%zu tda=%zu %s: relative error %.2g%s", n, p,
                   p + 3, bl_gram_name(k), e, sym ? ", symmetric" : ", NOT symmetric");
        }
        free(c);
        gsl_matrix_free(B);
    }

    /* the same call twice gives the same bits (no state kept between calls) */
    gsl_matrix *X = gsl_matrix_alloc(123, 29), *H1 = gsl_matrix_alloc(29, 29);
    gsl_matrix *H2 = gsl_matrix_alloc(29, 29);
    double *c = malloc(123 * sizeof(double)), *w = malloc(bl_gram_work_size(123, 29) * 8);
    for (size_t i = 0; i < 123 * 29; i++) X->data[i] = gsl_rng_uniform(r);
    for (size_t i = 0; i < 123; i++) c[i] = gsl_rng_uniform(r);
    bl_gram(X, c, 0.5, w, H1);
    for (size_t i = 0; i < bl_gram_work_size(123, 29); i++) w[i] = 1e300;
    bl_gram(X, c, 0.5, w, H2);
    tap_ok(memcmp(H1->data, H2->data, 29 * 29 * sizeof(double)) == 0,
           "two calls give identical results (kernel %s)",
           bl_gram_name(bl_gram_best()));
    free(c);
    free(w);
    gsl_matrix_free(X);
    gsl_matrix_free(H1);
    gsl_matrix_free(H2);

    /* the Cholesky solve: A = MᵀM/p + I/2 (positive definite, moderately
     * conditioned) in a wider matrix, b in a strided vector */
    size_t sizes[] = {1, 2, 3, 5, 8, 13, 30, 31, 64};
    for (size_t q = 0; q < sizeof sizes / sizeof sizes[0]; q++) {
        size_t p = sizes[q];
        gsl_matrix *M = gsl_matrix_alloc(p, p), *Wd = gsl_matrix_alloc(p, p + 5);
        gsl_matrix *A = gsl_matrix_alloc(p, p);
        for (size_t i = 0; i < p * p; i++) M->data[i] = gsl_rng_uniform(r) - 0.5;
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)p, M, M, 0.0, A);
        for (size_t i = 0; i < p; i++) gsl_matrix_set(A, i, i, gsl_matrix_get(A, i, i) + 0.5);
        gsl_vector *bw = gsl_vector_alloc(2 * p), *ref = gsl_vector_alloc(p);
        gsl_vector_view b = gsl_vector_subvector_with_stride(bw, 0, 2, p);
        for (size_t i = 0; i < p; i++) gsl_vector_set(&b.vector, i, gsl_rng_uniform(r) - 0.5);
        /* GSL's Cholesky on a copy */
        gsl_matrix *L = gsl_matrix_alloc(p, p);
        gsl_matrix_memcpy(L, A);
        gsl_linalg_cholesky_decomp1(L);
        gsl_linalg_cholesky_solve(L, &b.vector, ref);
        /* ours on the lower triangle only (the upper one holds garbage) */
        gsl_matrix_view H = gsl_matrix_submatrix(Wd, 0, 0, p, p);
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < p; j++)
                gsl_matrix_set(&H.matrix, i, j, j <= i ? gsl_matrix_get(A, i, j) : NAN);
        gsl_vector *x = gsl_vector_alloc(p);
        int st = bl_chol_small(&H.matrix, &b.vector, x);
        double e = 0, nr = gsl_blas_dnrm2(ref);
        for (size_t i = 0; i < p; i++) e = fmax(e, fabs(gsl_vector_get(x, i) - gsl_vector_get(ref, i)));
        tap_ok(st == 0 && e <= 1e-13 * nr, "cholesky p=%zu (tda %zu, b with stride 2): "
               "%.2g from GSL's solution", p, p + 5, e / nr);
        /* in place: x = b */
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j <= i; j++)
                gsl_matrix_set(&H.matrix, i, j, gsl_matrix_get(A, i, j));
        gsl_vector_view b2 = gsl_vector_subvector_with_stride(bw, 1, 2, p);
        gsl_vector_memcpy(&b2.vector, &b.vector);
        st = bl_chol_small(&H.matrix, &b2.vector, &b2.vector);
        e = 0;
        for (size_t i = 0; i < p; i++)
            e = fmax(e, fabs(gsl_vector_get(&b2.vector, i) - gsl_vector_get(x, i)));
        tap_ok(st == 0 && e == 0, "cholesky p=%zu in place (x = b): the same bits", p);
        /* indefinite: flip the sign of the last diagonal entry's excess */
        if (p > 1) {
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j <= i; j++)
                    gsl_matrix_set(&H.matrix, i, j, gsl_matrix_get(A, i, j));
            gsl_matrix_set(&H.matrix, p - 1, p - 1, -1.0);
            tap_ok(bl_chol_small(&H.matrix, &b.vector, x) != 0,
                   "cholesky p=%zu refuses an indefinite matrix", p);
        }
        gsl_matrix_free(M);
        gsl_matrix_free(Wd);
        gsl_matrix_free(A);
        gsl_matrix_free(L);
        gsl_vector_free(bw);
        gsl_vector_free(ref);
        gsl_vector_free(x);
    }

    /* the one-pass product: n < 4, n mod 4 = 1 … 3, p = 1, p mod 4 = 1 … 3,
     * wide rows (p = 3001) and a tda wider than p */
    size_t one[][3] = {{1, 1, 1}, {3, 1, 1}, {4, 1, 1}, {5, 1, 2}, {7, 2, 2}, {2, 5, 5},
                       {8, 3, 3}, {9, 4, 4}, {10, 5, 7}, {11, 6, 6}, {33, 7, 9},
                       {64, 8, 8}, {100, 17, 20}, {257, 31, 31}, {6, 3001, 3001},
                       {300, 250, 253}, {1001, 3, 3}};
    for (size_t kk = 0; kk < sizeof kernels / sizeof *kernels; kk++) {
        if (!bl_gram_available(kernels[kk])) continue;
        for (size_t q = 0; q < sizeof one / sizeof *one; q++)
            check_onepass(kernels[kk], r, one[q][0], one[q][1], one[q][2]);
    }
    check_logit(r, 524289, 2);           /* many short rows, n odd */
    check_logit(r, 3499, 301);           /* n mod 4 = 3, p mod 4 = 1 */
    check_huber(r, 2050, 513);
    gsl_rng_free(r);
    return tap_done();
}
