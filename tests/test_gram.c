/* test_gram.c: the weighted Gram matrix H = s Xᵀ diag(c) X of gram.c
 * against a plain double sum in long double, for every kernel this
 * processor can run, over shapes that hit every tile and tail case
 * (p = 1 … 41, row blocks, a tda wider than p, weights of both signs). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>

#include "bl.h"
#include "gram.h"
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
    gsl_rng_free(r);
    return tap_done();
}
