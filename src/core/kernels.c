/* kernels.c: the small dense kernels of kernels.h.
 *
 * ---- H = s Xᵀ diag(c) X ----
 * X is n×p with a row per sample.  The rows are taken in blocks that stay
 * in cache; each block is copied scaled, Xc = s diag(c) X, into a buffer
 * whose rows are padded with zeros to P (a multiple of 8) columns.  Then
 * for each group of 4 columns b of H, every vector of W consecutive rows a
 * of H that reaches the lower triangle (a ≥ b) is accumulated in registers
 * over the samples of the block:
 *     Hp[b][a..a+W) += Xc[i][a..a+W) · X[i][b]       (one FMA per vector),
 * up to 3 vectors and 4 columns at a time (12 accumulators), and added to
 * a P×P buffer Hp (column-major, lower part only).  No work is spent on
 * the upper triangle beyond the diagonal blocks, nor on packing X: its
 * column values are broadcast straight from the rows.  Columns past p are
 * read as column p − 1 and their results never used.
 *
 * W is 4 with AVX2 and FMA, 8 with AVX-512; elsewhere a plain loop does
 * the same sums.  The order of the sums depends only on n, p and the
 * kernel, so the result is identical on every call and thread. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define KERNELS_X86 1
#include <immintrin.h>
#endif

/* GCC at -O2 spills some of the Gram kernels' registers (the loads of the
 * AVX-512 tile) inside the inner loop, and vectorises none of the
 * Cholesky's loops; -O3 keeps the registers and vectorises the loops.
 * No contraction of a·b + c into FMAs behind our back: where the compiler
 * would contract depends on how it vectorised (a sanitizer build differs),
 * and the results must not.  The Gram kernels' FMAs are explicit. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "fp-contract=off")
#endif

static size_t padded(size_t p)
{
    return (p + 7) & ~(size_t)7;
}

/* Rows per block: the block of Xc (and of X) stays within about 128 KiB. */
static size_t block_rows(size_t P)
{
    size_t r = 16384 / P;
    return r < 8 ? 8 : r > 1024 ? 1024 : r;
}

size_t bl_gram_work_size(size_t n, size_t p)
{
    size_t P = padded(p), r = block_rows(P);
    return (n < r ? n : r) * P + P * P;
}

/* Xc = s diag(c) X for the block's rows, zero-padded to P columns.
 * Inlined into each kernel, so that it is compiled for the kernel's
 * instruction set. */
static inline __attribute__((always_inline)) void scale_rows(size_t rows, size_t p, size_t P,
                                                             const double *X, size_t tda,
                                                             const double *c, double s,
                                                             double *Xc)
{
    for (size_t i = 0; i < rows; i++) {
        double w = s * c[i], *xc = Xc + i * P;
        const double *x = X + i * tda;
        for (size_t j = 0; j < p; j++) xc[j] = w * x[j];
        for (size_t j = p; j < P; j++) xc[j] = 0;
    }
}

/* ---- the plain kernel ---- */

static void tiles_plain(size_t rows, size_t p, size_t P, const double *X, size_t tda,
                        const double *c, double s, double *Xc, double *Hp)
{
    scale_rows(rows, p, P, X, tda, c, s, Xc);
    for (size_t i = 0; i < rows; i++) {
        const double *x = X + i * tda, *xc = Xc + i * P;
        for (size_t b = 0; b < p; b++) {
            double xb = x[b], *h = Hp + b * P;
            for (size_t a = b; a < p; a++) h[a] += xc[a] * xb;
        }
    }
}

/* ---- AVX2 + FMA: vectors of 4 rows ---- */

#ifdef KERNELS_X86
/* M vectors (starting at row 4u) × 4 columns over the block's rows. */
/* M vectors (starting at row 4u) × 4 columns over the block's rows: the
 * M vectors are loaded, then each column is broadcast in turn, so that 12
 * accumulators, 3 vectors and a broadcast fit the 16 registers. */
#define AVX2_COL(M, S, K0, K1, K2)                                                    \
    do {                                                                             \
        K0 = _mm256_fmadd_pd(a0, S, K0);                                             \
        if ((M) > 1) K1 = _mm256_fmadd_pd(a1, S, K1);                                \
        if ((M) > 2) K2 = _mm256_fmadd_pd(a2, S, K2);                                \
    } while (0)
#define AVX2_TILE(M)                                                                 \
    do {                                                                             \
        __m256d c00 = _mm256_setzero_pd(), c01 = c00, c02 = c00, c03 = c00;         \
        __m256d c10 = c00, c11 = c00, c12 = c00, c13 = c00;                         \
        __m256d c20 = c00, c21 = c00, c22 = c00, c23 = c00;                         \
        for (size_t i = 0; i < rows; i++) {                                          \
            const double *r = xa + i * P, *x = X + i * tda;                          \
            __m256d a0 = _mm256_loadu_pd(r), a1 = a0, a2 = a0, s;                    \
            if ((M) > 1) a1 = _mm256_loadu_pd(r + 4);                                \
            if ((M) > 2) a2 = _mm256_loadu_pd(r + 8);                                \
            s = _mm256_broadcast_sd(x + j0);                                         \
            AVX2_COL(M, s, c00, c10, c20);                                              \
            s = _mm256_broadcast_sd(x + j1);                                         \
            AVX2_COL(M, s, c01, c11, c21);                                              \
            s = _mm256_broadcast_sd(x + j2);                                         \
            AVX2_COL(M, s, c02, c12, c22);                                              \
            s = _mm256_broadcast_sd(x + j3);                                         \
            AVX2_COL(M, s, c03, c13, c23);                                              \
        }                                                                            \
        __m256d acc[3][4] = {{c00, c01, c02, c03}, {c10, c11, c12, c13},             \
                             {c20, c21, c22, c23}};                                  \
        for (size_t k = 0; k < (M); k++)                                             \
            for (size_t b = 0; b < 4; b++) {                                         \
                double *t = h + b * P + 4 * k;                                       \
                _mm256_storeu_pd(t, _mm256_add_pd(_mm256_loadu_pd(t), acc[k][b]));   \
            }                                                                        \
    } while (0)

__attribute__((target("avx2,fma")))
static void tiles_avx2(size_t rows, size_t p, size_t P, const double *X, size_t tda,
                       const double *c, double s, double *Xc, double *Hp)
{
    scale_rows(rows, p, P, X, tda, c, s, Xc);
    size_t nv = P / 4;
    for (size_t B = 0; B < p; B += 4) {
        size_t j0 = B, j1 = B + 1 < p ? B + 1 : p - 1;
        size_t j2 = B + 2 < p ? B + 2 : p - 1, j3 = B + 3 < p ? B + 3 : p - 1;
        /* vector u holds rows 4u..4u+3: it meets a ≥ B from u = B/4 on */
        for (size_t u = B / 4; u < nv; u += 3) {
            const double *xa = Xc + 4 * u;
            double *h = Hp + B * P + 4 * u;
            switch (nv - u) {
            case 1: AVX2_TILE(1); break;
            case 2: AVX2_TILE(2); break;
            default: AVX2_TILE(3); break;
            }
        }
    }
}

/* ---- AVX-512: vectors of 8 rows ---- */

/* M vectors (starting at row 8u) × 8 columns: 24 accumulators, 3
 * vectors and a broadcast in the 32 registers. */
#define AVX512_COL(M, J, K0, K1, K2)                                                 \
    do {                                                                             \
        __m512d s = _mm512_set1_pd(x[J]);                                            \
        K0 = _mm512_fmadd_pd(a0, s, K0);                                             \
        if ((M) > 1) K1 = _mm512_fmadd_pd(a1, s, K1);                                \
        if ((M) > 2) K2 = _mm512_fmadd_pd(a2, s, K2);                                \
    } while (0)
#define AVX512_TILE(M)                                                               \
    do {                                                                             \
        __m512d z = _mm512_setzero_pd();                                             \
        __m512d c00 = z, c01 = z, c02 = z, c03 = z, c04 = z, c05 = z, c06 = z, c07 = z; \
        __m512d c10 = z, c11 = z, c12 = z, c13 = z, c14 = z, c15 = z, c16 = z, c17 = z; \
        __m512d c20 = z, c21 = z, c22 = z, c23 = z, c24 = z, c25 = z, c26 = z, c27 = z; \
        for (size_t i = 0; i < rows; i++) {                                          \
            const double *r = xa + i * P, *x = X + i * tda;                          \
            __m512d a0 = _mm512_loadu_pd(r), a1 = a0, a2 = a0;                       \
            if ((M) > 1) a1 = _mm512_loadu_pd(r + 8);                                \
            if ((M) > 2) a2 = _mm512_loadu_pd(r + 16);                               \
            AVX512_COL(M, j[0], c00, c10, c20);                                      \
            AVX512_COL(M, j[1], c01, c11, c21);                                      \
            AVX512_COL(M, j[2], c02, c12, c22);                                      \
            AVX512_COL(M, j[3], c03, c13, c23);                                      \
            AVX512_COL(M, j[4], c04, c14, c24);                                      \
            AVX512_COL(M, j[5], c05, c15, c25);                                      \
            AVX512_COL(M, j[6], c06, c16, c26);                                      \
            AVX512_COL(M, j[7], c07, c17, c27);                                      \
        }                                                                            \
        __m512d acc[3][8] = {{c00, c01, c02, c03, c04, c05, c06, c07},               \
                             {c10, c11, c12, c13, c14, c15, c16, c17},               \
                             {c20, c21, c22, c23, c24, c25, c26, c27}};              \
        for (size_t k = 0; k < (M); k++)                                             \
            for (size_t b = 0; b < 8; b++) {                                         \
                double *t = h + b * P + 8 * k;                                       \
                _mm512_storeu_pd(t, _mm512_add_pd(_mm512_loadu_pd(t), acc[k][b]));   \
            }                                                                        \
    } while (0)

__attribute__((target("avx512f")))
static void tiles_avx512(size_t rows, size_t p, size_t P, const double *X, size_t tda,
                         const double *c, double s, double *Xc, double *Hp)
{
    scale_rows(rows, p, P, X, tda, c, s, Xc);
    size_t nv = P / 8;
    for (size_t B = 0; B < p; B += 8) {
        size_t j[8];
        for (size_t b = 0; b < 8; b++) j[b] = B + b < p ? B + b : p - 1;
        /* vector u holds rows 8u..8u+7: it meets a ≥ B from u = B/8 on */
        for (size_t u = B / 8; u < nv; u += 3) {
            const double *xa = Xc + 8 * u;
            double *h = Hp + B * P + 8 * u;
            switch (nv - u) {
            case 1: AVX512_TILE(1); break;
            case 2: AVX512_TILE(2); break;
            default: AVX512_TILE(3); break;
            }
        }
    }
}
#endif

/* ---- dispatch ---- */

int bl_gram_available(int k)
{
    switch (k) {
    case BL_GRAM_AUTO:
    case BL_GRAM_PLAIN:
        return 1;
#ifdef KERNELS_X86
    case BL_GRAM_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case BL_GRAM_AVX512:
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return 0;
    }
}

const char *bl_gram_name(int k)
{
    static const char *const names[] = {"auto", "plain", "avx2", "avx512"};
    return k >= 0 && k <= BL_GRAM_AVX512 ? names[k] : "?";
}

int bl_gram_best(void)
{
    static int best = -1;     /* threads racing here store the same value */
    int k = __atomic_load_n(&best, __ATOMIC_RELAXED);
    if (k < 0) {
        k = bl_gram_available(BL_GRAM_AVX512) ? BL_GRAM_AVX512
          : bl_gram_available(BL_GRAM_AVX2) ? BL_GRAM_AVX2 : BL_GRAM_PLAIN;
        __atomic_store_n(&best, k, __ATOMIC_RELAXED);
    }
    return k;
}

void bl_gram_with(int k, const gsl_matrix *X, const double *c, double s, double *work,
                  gsl_matrix *H)
{
    size_t n = X->size1, p = X->size2, tda = X->tda, P = padded(p);
    size_t R = block_rows(P);
    double *Hp = work, *Xc = work + P * P;
    if (k == BL_GRAM_AUTO) k = bl_gram_best();
    memset(Hp, 0, P * P * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += R) {
        size_t rows = n - i0 < R ? n - i0 : R;
        const double *Xb = X->data + i0 * tda, *cb = c + i0;
        switch (k) {
#ifdef KERNELS_X86
        case BL_GRAM_AVX512: tiles_avx512(rows, p, P, Xb, tda, cb, s, Xc, Hp); break;
        case BL_GRAM_AVX2: tiles_avx2(rows, p, P, Xb, tda, cb, s, Xc, Hp); break;
#endif
        default: tiles_plain(rows, p, P, Xb, tda, cb, s, Xc, Hp); break;
        }
    }
    for (size_t b = 0; b < p; b++)
        for (size_t a = b; a < p; a++) {
            double v = Hp[b * P + a];
            H->data[a * H->tda + b] = v;
            H->data[b * H->tda + a] = v;
        }
}

void bl_gram(const gsl_matrix *X, const double *c, double s, double *work, gsl_matrix *H)
{
    bl_gram_with(BL_GRAM_AUTO, X, c, s, work, H);
}

/* ---- one pass: OUT = s Σ_i φ_i(x_iᵀv) x_i ----
 * Rows in groups of 4: one sweep of the 4 dot products against v (4
 * running sums a row), then the 4 weights, then one sweep adding the 4
 * scaled rows to OUT, while the rows are still in cache.  The remaining
 * n mod 4 rows go one at a time the same way. */

static void onepass_plain(size_t n, size_t p, const double *X, size_t tda, const double *v,
                          bl_rowmap f, void *ctx, double s, double *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const double *x0 = X + i * tda, *x1 = x0 + tda, *x2 = x1 + tda, *x3 = x2 + tda;
        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (size_t j = 0; j < p; j++) {
            double vj = v[j];
            t0 += x0[j] * vj;
            t1 += x1[j] * vj;
            t2 += x2[j] * vj;
            t3 += x3[j] * vj;
        }
        double w0 = s * f(ctx, i, t0), w1 = s * f(ctx, i + 1, t1);
        double w2 = s * f(ctx, i + 2, t2), w3 = s * f(ctx, i + 3, t3);
        for (size_t j = 0; j < p; j++)
            out[j] += ((w0 * x0[j] + w1 * x1[j]) + (w2 * x2[j] + w3 * x3[j]));
    }
    for (; i < n; i++) {
        const double *x = X + i * tda;
        double t = 0;
        for (size_t j = 0; j < p; j++) t += x[j] * v[j];
        double w = s * f(ctx, i, t);
        for (size_t j = 0; j < p; j++) out[j] += w * x[j];
    }
}

#ifdef KERNELS_X86
__attribute__((target("avx2,fma")))
static inline double hsum4(__m256d a)
{
    __m128d lo = _mm256_castpd256_pd128(a), hi = _mm256_extractf128_pd(a, 1);
    lo = _mm_add_pd(lo, hi);
    return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

__attribute__((target("avx2,fma")))
static void onepass_avx2(size_t n, size_t p, const double *X, size_t tda, const double *v,
                         bl_rowmap f, void *ctx, double s, double *out)
{
    size_t p4 = p & ~(size_t)3, i = 0;
    for (; i + 4 <= n; i += 4) {
        const double *x0 = X + i * tda, *x1 = x0 + tda, *x2 = x1 + tda, *x3 = x2 + tda;
        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
        size_t j = 0;
        for (; j < p4; j += 4) {
            __m256d vj = _mm256_loadu_pd(v + j);
            a0 = _mm256_fmadd_pd(_mm256_loadu_pd(x0 + j), vj, a0);
            a1 = _mm256_fmadd_pd(_mm256_loadu_pd(x1 + j), vj, a1);
            a2 = _mm256_fmadd_pd(_mm256_loadu_pd(x2 + j), vj, a2);
            a3 = _mm256_fmadd_pd(_mm256_loadu_pd(x3 + j), vj, a3);
        }
        double t0 = hsum4(a0), t1 = hsum4(a1), t2 = hsum4(a2), t3 = hsum4(a3);
        for (; j < p; j++) {
            double vj = v[j];
            t0 += x0[j] * vj;
            t1 += x1[j] * vj;
            t2 += x2[j] * vj;
            t3 += x3[j] * vj;
        }
        double w0 = s * f(ctx, i, t0), w1 = s * f(ctx, i + 1, t1);
        double w2 = s * f(ctx, i + 2, t2), w3 = s * f(ctx, i + 3, t3);
        __m256d b0 = _mm256_set1_pd(w0), b1 = _mm256_set1_pd(w1);
        __m256d b2 = _mm256_set1_pd(w2), b3 = _mm256_set1_pd(w3);
        /* while this sweep runs from cache, fetch the next group's rows,
         * so that memory never waits */
        const double *y0 = i + 8 <= n ? x3 + tda : x0, *y1 = y0 + (y0 != x0) * tda;
        const double *y2 = y1 + (y0 != x0) * tda, *y3 = y2 + (y0 != x0) * tda;
        for (j = 0; j < p4; j += 4) {
            if ((j & 7) == 0) {
                _mm_prefetch((const char *)(y0 + j), _MM_HINT_T0);
                _mm_prefetch((const char *)(y1 + j), _MM_HINT_T0);
                _mm_prefetch((const char *)(y2 + j), _MM_HINT_T0);
                _mm_prefetch((const char *)(y3 + j), _MM_HINT_T0);
            }
            __m256d u = _mm256_mul_pd(b0, _mm256_loadu_pd(x0 + j));
            __m256d w = _mm256_mul_pd(b2, _mm256_loadu_pd(x2 + j));
            u = _mm256_fmadd_pd(b1, _mm256_loadu_pd(x1 + j), u);
            w = _mm256_fmadd_pd(b3, _mm256_loadu_pd(x3 + j), w);
            _mm256_storeu_pd(out + j, _mm256_add_pd(_mm256_loadu_pd(out + j),
                                                    _mm256_add_pd(u, w)));
        }
        for (; j < p; j++)
            out[j] += ((w0 * x0[j] + w1 * x1[j]) + (w2 * x2[j] + w3 * x3[j]));
    }
    for (; i < n; i++) {
        const double *x = X + i * tda;
        __m256d a = _mm256_setzero_pd();
        size_t j = 0;
        for (; j < p4; j += 4)
            a = _mm256_fmadd_pd(_mm256_loadu_pd(x + j), _mm256_loadu_pd(v + j), a);
        double t = hsum4(a);
        for (; j < p; j++) t += x[j] * v[j];
        double w = s * f(ctx, i, t);
        __m256d b = _mm256_set1_pd(w);
        for (j = 0; j < p4; j += 4)
            _mm256_storeu_pd(out + j, _mm256_fmadd_pd(b, _mm256_loadu_pd(x + j),
                                                      _mm256_loadu_pd(out + j)));
        for (; j < p; j++) out[j] += w * x[j];
    }
}
#endif

void bl_xt_map_xv_with(int k, const gsl_matrix *X, const double *v, bl_rowmap f, void *ctx,
                       double s, double *out)
{
    size_t n = X->size1, p = X->size2;
    if (k == BL_GRAM_AUTO) k = bl_gram_best();
    memset(out, 0, p * sizeof(double));
#ifdef KERNELS_X86
    if (k == BL_GRAM_AVX2 || k == BL_GRAM_AVX512) {
        onepass_avx2(n, p, X->data, X->tda, v, f, ctx, s, out);
        return;
    }
#endif
    onepass_plain(n, p, X->data, X->tda, v, f, ctx, s, out);
}

void bl_xt_map_xv(const gsl_matrix *X, const double *v, bl_rowmap f, void *ctx, double s,
                  double *out)
{
    bl_xt_map_xv_with(BL_GRAM_AUTO, X, v, f, ctx, s, out);
}

static double times_c(void *ctx, size_t i, double t)
{
    return ((const double *)ctx)[i] * t;
}

void bl_xtdx_v(const gsl_matrix *X, const double *c, double s, const double *v, double *out)
{
    bl_xt_map_xv(X, v, times_c, (void *)c, s, out);
}

/* ---- the small Cholesky solve ----
 * H's lower triangle is copied to the upper one, where U = Lᵀ (H = UᵀU) is
 * made in place row by row, right-looking: every inner loop but the last
 * solve's runs along a row with independent iterations (it vectorises),
 * not as a chain of dependent sums.  Unblocked: p ≤ 64 fits in cache. */

static inline __attribute__((always_inline)) int chol_body(gsl_matrix *H, const gsl_vector *b,
                                                           gsl_vector *x)
{
    size_t p = H->size1, t = H->tda, xs = x->stride;
    double *a = H->data, *v = x->data;
    for (size_t i = 1; i < p; i++)
        for (size_t j = 0; j < i; j++) a[j * t + i] = a[i * t + j];
    for (size_t j = 0; j < p; j++) {
        double *uj = a + j * t;
        double d = uj[j];
        if (!(d > 0)) return -1;
        d = sqrt(d);
        uj[j] = d;
        for (size_t i = j + 1; i < p; i++) uj[i] /= d;
        for (size_t k = j + 1; k < p; k++) {         /* rows below: − u_jk u_j */
            double f = uj[k], *restrict uk = a + k * t;
            const double *restrict ujr = uj;
            for (size_t i = k; i < p; i++) uk[i] -= f * ujr[i];
        }
    }
    if (x != b) gsl_vector_memcpy(x, b);
    for (size_t k = 0; k < p; k++) {                 /* Uᵀ z = b */
        const double *uk = a + k * t;
        double z = v[k * xs] / uk[k];
        v[k * xs] = z;
        for (size_t i = k + 1; i < p; i++) v[i * xs] -= uk[i] * z;
    }
    for (size_t i = p; i-- > 0;) {                   /* U x = z */
        const double *ui = a + i * t;
        double s = v[i * xs];
        for (size_t k = i + 1; k < p; k++) s -= ui[k] * v[k * xs];
        v[i * xs] = s / ui[i];
    }
    return 0;
}

#ifdef KERNELS_X86
__attribute__((target("avx2,fma")))
static int chol_avx2(gsl_matrix *H, const gsl_vector *b, gsl_vector *x)
{
    return chol_body(H, b, x);
}
#endif

static int chol_plain(gsl_matrix *H, const gsl_vector *b, gsl_vector *x)
{
    return chol_body(H, b, x);
}

int bl_chol_small(gsl_matrix *H, const gsl_vector *b, gsl_vector *x)
{
#ifdef KERNELS_X86
    if (bl_gram_best() >= BL_GRAM_AVX2) return chol_avx2(H, b, x);
#endif
    return chol_plain(H, b, x);
}
