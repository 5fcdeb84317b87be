/* lsq.h: the least-squares part shared by ridge, ridge-multi, lasso and
 * enet: the moments of (1/2n)‖Xθ − y‖² and (1/2m)‖X_vθ − y_v‖², formed
 * once so that every evaluation costs O(p²) whatever n and m. */
#ifndef BL_LSQ_H
#define BL_LSQ_H

#include "problem.h"

typedef struct bl_lsq {
    gsl_matrix *K, *Kv;   /* XᵀX/n, X_vᵀX_v/m (p×p, both triangles) */
    gsl_vector *b, *bv;   /* Xᵀy/n, X_vᵀy_v/m */
    double c, cv;         /* ‖y‖²/2n, ‖y_v‖²/2m */
    double lmax;          /* λmax(K) */
} bl_lsq;

/* Checks DS (WHO names the problem in messages) and forms the moments;
 * on failure Q holds nothing to free. */
int bl_lsq_init(bl_lsq *q, const bl_dataset *ds, const char *who, bl_err *e);
int bl_lsq_copy(bl_lsq *dst, const bl_lsq *src);
void bl_lsq_release(bl_lsq *q);
/* ½θᵀKθ − θᵀr + c = (1/2k)‖Zθ − t‖², clamped at 0 (never negative in
 * exact arithmetic; cancellation next to an exact fit could make it so).
 * W is a p-vector of workspace. */
double bl_lsq_value(const gsl_matrix *K, const gsl_vector *r, double c,
                    const gsl_vector *th, gsl_vector *w);

#endif
