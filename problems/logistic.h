/* logistic.h: the logistic-loss machinery that logreg, logreg-multi and
 * cleaning share: label checks, the (weighted) training loss with its
 * gradient, H-products and dense Hessian, the validation losses that
 * `outer=` chooses, and accuracies.  Formulas: doc/problems/logreg.md. */
#ifndef BL_LOGISTIC_H
#define BL_LOGISTIC_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "csr.h"
#include "problem.h"

/* The validation (outer) losses, in the order of bl_logit_outer_names. */
enum { BL_LOGIT_LOGISTIC = 0, BL_LOGIT_SQERR = 1, BL_LOGIT_SMOOTH01 = 2 };
extern const char *const bl_logit_outer_names[];   /* NULL-terminated */

typedef struct bl_logit {
    bl_dmat X, Xv;              /* borrowed from the data set (dense or CSR) */
    gsl_vector *y, *yv;         /* labels in {−1, +1} ({0, 1} mapped: 0 → −1) */
    double lmax;                /* λmax(XᵀX/n) */
    int outer;                  /* BL_LOGIT_* */
    double tau;                 /* temperature of smooth01 */
    gsl_vector *z, *zv;         /* workspace: margins y_i x_iᵀθ, n and m */
    gsl_vector *c, *cv;         /* workspace: coefficients, n and m */
    double *gw;                 /* workspace of bl_gram (the dense Hessian) */
    /* The training margins and e^{−|z_i|} at the last θ they were computed
     * for: G, ∇θG and H at one θ then cost one pass of exp, not four. */
    gsl_vector *ez, *th_last, *u;
    int cached;
    /* From n·p ≥ BL_ONEPASS_MIN on, the pass that makes the margins also
     * sums the unweighted gradient (the rows are in cache): g0 holds it
     * for th_last when g0_ok. */
    gsl_vector *g0;
    int g0_ok;
} bl_logit;

/* Checks DS (both splits, labels in {−1, +1} or in {0, 1}), copies the
 * labels as ±1 and computes λmax(XᵀX/n).  WHO names the problem in
 * errors.  On failure G holds nothing to free. */
int bl_logit_init(bl_logit *g, const bl_dataset *ds, const char *who, bl_err *e);
int bl_logit_clone(const bl_logit *src, bl_logit *dst);
void bl_logit_release(bl_logit *g);      /* the members; G itself is the caller's */

/* g->z ← y_i x_iᵀθ (training margins). */
void bl_logit_margins(bl_logit *g, const gsl_vector *th);

/* Training loss (1/n) Σ_i w_i log(1 + exp(−y_i x_iᵀθ)) (W NULL: w_i = 1),
 * its gradient in θ, H-products and dense Hessian (1/n) Σ_i w_i σ(z_i)
 * σ(−z_i) x_i x_iᵀ; results are written to OUT (or H). */
double bl_logit_loss(bl_logit *g, const gsl_vector *th, const gsl_vector *w);
void bl_logit_grad(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                   gsl_vector *out);
void bl_logit_hvp(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                  const gsl_vector *v, gsl_vector *out);
void bl_logit_hessian(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                      gsl_matrix *H);

/* The validation loss chosen by g->outer and its gradient in θ. */
double bl_logit_outer(bl_logit *g, const gsl_vector *th);
void bl_logit_outer_grad(bl_logit *g, const gsl_vector *th, gsl_vector *out);

/* Fractions of training and validation samples with y x ᵀθ > 0. */
void bl_logit_accuracy(bl_logit *g, const gsl_vector *th, double *train, double *val);

#endif
