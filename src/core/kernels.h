/* kernels.h: the small dense kernels on the hot path of Newton steps and
 * exact hypergradients, compiled at -O3 with AVX2 or AVX-512 variants
 * chosen at run time:
 *  - weighted Gram matrices H = s Xᵀ diag(c) X, the Hessians of the
 *    generalised linear problems (logistic losses), the lower triangle
 *    only, in registers;
 *  - the Cholesky solve of a small symmetric positive definite system. */
#ifndef BL_KERNELS_H
#define BL_KERNELS_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/* Doubles of workspace bl_gram needs for X with N rows and P columns. */
size_t bl_gram_work_size(size_t n, size_t p);

/* H = s Xᵀ diag(c) X, both triangles, for X n×p (any tda) and H p×p.
 * C may have any sign.  WORK holds bl_gram_work_size(n, p) doubles.  The
 * result is the same on every call and every thread of one machine; its
 * round-off depends on the kernel the processor allows. */
void bl_gram(const gsl_matrix *X, const double *c, double s, double *work, gsl_matrix *H);

/* The kernels, for tests and benchmarks: BL_GRAM_AUTO picks the fastest
 * the processor has. */
enum { BL_GRAM_AUTO, BL_GRAM_PLAIN, BL_GRAM_AVX2, BL_GRAM_AVX512 };
/* Whether kernel K can run here. */
int bl_gram_available(int k);
/* The kernel BL_GRAM_AUTO runs: the fastest available. */
int bl_gram_best(void);
/* Its name ("plain", "avx2", "avx512"). */
const char *bl_gram_name(int k);
/* bl_gram with kernel K (which must be available). */
void bl_gram_with(int k, const gsl_matrix *X, const double *c, double s, double *work,
                  gsl_matrix *H);

/* ---- one pass over X for s Xᵀ φ(X v) ----
 * For each row x_i of X (n×p, any tda): t_i = x_iᵀv, w_i = F(CTX, i, t_i),
 * and OUT = s Σ_i w_i x_i, reading X once: the rows are taken four at a
 * time, their four dot products formed in one sweep and their four axpys
 * in a second while the rows are still in L1/L2 (4·8p bytes).  F is
 * called once per row in order i = 0, 1, …; it may record t_i (a margin,
 * a residual).  OUT (p) must not overlap V.  The order of the sums
 * depends only on p and the kernel, so the result is the same on every
 * call and thread of one machine; against two BLAS calls (dgemv, then
 * dgemv transposed) it differs in round-off only. */
typedef double (*bl_rowmap)(void *ctx, size_t i, double t);
void bl_xt_map_xv(const gsl_matrix *X, const double *v, bl_rowmap f, void *ctx, double s,
                  double *out);
/* The same with kernel K (BL_GRAM_*; AVX-512 runs the AVX2 kernel). */
void bl_xt_map_xv_with(int k, const gsl_matrix *X, const double *v, bl_rowmap f, void *ctx,
                       double s, double *out);
/* OUT = s Xᵀ diag(c) X v in one pass (H·v of the generalised linear
 * problems): bl_xt_map_xv with w_i = c_i t_i. */
void bl_xtdx_v(const gsl_matrix *X, const double *c, double s, const double *v, double *out);

/* n·p (doubles of X) from which the data problems use the one-pass
 * products instead of two BLAS calls: below it X fits in cache, the two
 * calls cost no more, and results stay bit-identical to earlier
 * releases (the goldens of small problems). */
#define BL_ONEPASS_MIN ((size_t)1 << 20)

/* Solves H x = b by Cholesky for symmetric positive definite H given by
 * its lower triangle, p ≤ 64; H is overwritten (U = Lᵀ in its upper
 * triangle).  X may be B.  Returns 0, or −1 when a pivot is not positive
 * (H is not positive definite; X is then undefined). */
int bl_chol_small(gsl_matrix *H, const gsl_vector *b, gsl_vector *x);

#endif
