/* gram.h: weighted Gram matrices H = s Xᵀ diag(c) X, the Hessians of the
 * generalised linear problems (logistic losses), made with a kernel that
 * computes the lower triangle only, in registers, with AVX2 or AVX-512
 * where the processor has them (chosen at run time). */
#ifndef BL_GRAM_H
#define BL_GRAM_H

#include <stddef.h>
#include <gsl/gsl_matrix.h>

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

#endif
