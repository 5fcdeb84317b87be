/* logistic.c: the logistic-loss machinery of logreg, logreg-multi and
 * cleaning (logistic.h).  With margins z_i = y_i x_iᵀθ:
 *   loss      (1/n) Σ w_i log(1 + e^{−z_i})
 *   gradient  −(1/n) Σ w_i σ(−z_i) y_i x_i
 *   Hessian   (1/n) Σ w_i σ(z_i) σ(−z_i) x_i x_iᵀ
 * and the validation losses of doc/problems/logreg.md. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>

#include "kernels.h"
#include "logistic.h"
#include "losses.h"

const char *const bl_logit_outer_names[] = {"logistic", "sqerr", "smooth01", NULL};

/* Which coding a label belongs to: 1 for −1, 2 for 0, 3 for +1 (both
 * codings), 0 for anything else. */
static int coding(double t)
{
    return t == -1 ? 1 : t == 0 ? 2 : t == 1 ? 3 : 0;
}

static void logit_zero(bl_logit *g)
{
    g->X = g->Xv = bl_dmat_dense(NULL);
    g->y = g->yv = g->z = g->zv = g->c = g->cv = NULL;
    g->gw = NULL;
    g->ez = g->th_last = g->u = g->g0 = NULL;
    g->cached = g->g0_ok = 0;
}

void bl_logit_release(bl_logit *g)
{
    if (!g) return;
    gsl_vector_free(g->y);
    gsl_vector_free(g->yv);
    gsl_vector_free(g->z);
    gsl_vector_free(g->zv);
    gsl_vector_free(g->c);
    gsl_vector_free(g->cv);
    free(g->gw);
    gsl_vector_free(g->ez);
    gsl_vector_free(g->th_last);
    gsl_vector_free(g->u);
    gsl_vector_free(g->g0);
    logit_zero(g);
}

static int logit_alloc(bl_logit *g, size_t n, size_t m, size_t p, int sparse)
{
    g->gw = malloc((sparse ? 1 : bl_gram_work_size(n, p)) * sizeof(double));
    g->ez = gsl_vector_alloc(n);
    g->th_last = gsl_vector_alloc(p);
    g->u = gsl_vector_alloc(n);
    g->g0 = gsl_vector_alloc(p);
    g->cached = g->g0_ok = 0;
    g->y = gsl_vector_alloc(n);
    g->yv = gsl_vector_alloc(m);
    g->z = gsl_vector_alloc(n);
    g->zv = gsl_vector_alloc(m);
    g->c = gsl_vector_alloc(n);
    g->cv = gsl_vector_alloc(m);
    if (!g->y || !g->yv || !g->z || !g->zv || !g->c || !g->cv || !g->gw || !g->ez
        || !g->th_last || !g->u || !g->g0) {
        bl_logit_release(g);
        return BL_ENOMEM;
    }
    return BL_OK;
}

int bl_logit_init(bl_logit *g, const bl_dataset *ds, const char *who, bl_err *e)
{
    logit_zero(g);
    int st0 = bl_dataset_check_any(ds, who, e);
    if (st0) return st0;
    bl_dmat X = bl_dataset_dmat(ds, 0);
    size_t n = bl_dmat_rows(X), p = bl_dmat_cols(X), m = ds->yv->size;

    /* Labels: every one in {−1, +1}, or every one in {0, 1}. */
    const gsl_vector *lab[2] = {ds->y, ds->yv};
    const char *split[2] = {"training", "validation"};
    int seen = 0;   /* bit 0: a −1, bit 1: a 0 */
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < lab[s]->size; i++) {
            double t = gsl_vector_get(lab[s], i);
            int c = coding(t);
            if (c == 0) {
                bl_err_set(e, BL_EINVAL, "%s needs class labels in {-1, +1} or {0, 1}, "
                           "but %s label %zu of '%s' is %.6g%s", who, split[s], i + 1,
                           ds->name ? ds->name : "the data", t,
                           t == floor(t)
                               ? " (more than two classes, or a regression target: it needs two)"
                           : ds->task == BL_TASK_REGRESSION
                               ? " (a regression target: use ridge, or a "
                                 "classification data set)" : "");
                return BL_EINVAL;
            }
            if (c == 1) seen |= 1;
            if (c == 2) seen |= 2;
            if (seen == 3) {
                bl_err_set(e, BL_EINVAL, "%s: the labels of '%s' mix the codings "
                           "{-1, +1} and {0, 1} (%s label %zu is %g)", who,
                           ds->name ? ds->name : "the data", split[s], i + 1, t);
                return BL_EINVAL;
            }
        }

    if (logit_alloc(g, n, m, p, X.s != NULL) != BL_OK) {
        bl_err_set(e, BL_ENOMEM, "out of memory building %s", who);
        return BL_ENOMEM;
    }
    for (int s = 0; s < 2; s++) {
        gsl_vector *to = s ? g->yv : g->y;
        for (size_t i = 0; i < lab[s]->size; i++)
            gsl_vector_set(to, i, gsl_vector_get(lab[s], i) > 0 ? 1.0 : -1.0);
    }
    g->X = X;
    g->Xv = bl_dataset_dmat(ds, 1);
    g->outer = BL_LOGIT_LOGISTIC;
    g->tau = 1.0;

    /* λmax(XᵀX/n), for the bound λmax(H) ≤ λmax(XᵀX/n)/4 + (ridge);
     * sparse with p > BL_CSR_EIG_MAX: by power iteration, matrix-free */
    if (X.s && p > BL_CSR_EIG_MAX) {
        int st = bl_csr_lmax(X.s, 1.0 / (double)n, &g->lmax);
        if (st) {
            bl_logit_release(g);
            bl_err_set(e, st, "out of memory building %s", who);
        }
        return st;
    }
    gsl_matrix *K = gsl_matrix_alloc(p, p);
    gsl_vector *ev = gsl_vector_alloc(p);
    gsl_eigen_symm_workspace *ws = gsl_eigen_symm_alloc(p);
    int st = K && ev && ws ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) {
        if (X.s) bl_csr_gram(X.s, NULL, 1.0 / (double)n, K);
        else gsl_blas_dsyrk(CblasLower, CblasTrans, 1.0 / (double)n, X.d, 0.0, K);
        if (gsl_eigen_symm(K, ev, ws) != GSL_SUCCESS) st = BL_EINVAL;
        else g->lmax = gsl_vector_max(ev);
    }
    gsl_matrix_free(K);
    gsl_vector_free(ev);
    if (ws) gsl_eigen_symm_free(ws);
    if (st) {
        bl_logit_release(g);
        bl_err_set(e, st, st == BL_ENOMEM ? "out of memory building %s"
                                          : "%s: eigenvalues of XᵀX/n did not converge", who);
    }
    return st;
}

int bl_logit_clone(const bl_logit *src, bl_logit *dst)
{
    logit_zero(dst);
    if (logit_alloc(dst, src->y->size, src->yv->size, bl_dmat_cols(src->X), src->X.s != NULL)
        != BL_OK)
        return BL_ENOMEM;
    gsl_vector_memcpy(dst->y, src->y);
    gsl_vector_memcpy(dst->yv, src->yv);
    dst->X = src->X;
    dst->Xv = src->Xv;
    dst->lmax = src->lmax;
    dst->outer = src->outer;
    dst->tau = src->tau;
    return BL_OK;
}

/* z ← y ∘ (Z θ) */
static void margins(bl_dmat Z, const gsl_vector *y, const gsl_vector *th,
                    gsl_vector *z)
{
    bl_dmat_gemv(CblasNoTrans, 1.0, Z, th, 0.0, z);
    gsl_vector_mul(z, y);
}

/* Whether X is dense and large enough for the one-pass products
 * (kernels.h); CSR products already read each non-zero once. */
static int onepass(bl_dmat X)
{
    return X.d && X.d->size1 * X.d->size2 >= BL_ONEPASS_MIN;
}

/* σ(−z) from e = e^{−|z|}: 1/(1 + e) for z ≤ 0, e/(1 + e) for z > 0 */
static double sig_neg(double z, double e)
{
    return z > 0 ? e / (1 + e) : 1 / (1 + e);
}

/* The one-pass map of prepare: records z_i = y_i t_i and e^{−|z_i|}, and
 * weighs row i by the unweighted gradient's −y_i σ(−z_i). */
static double margin_map(void *ctx, size_t i, double t)
{
    bl_logit *g = ctx;
    double y = g->y->data[i], z = y * t, e = exp(-fabs(z));
    g->z->data[i] = z;
    g->ez->data[i] = e;
    return -y * sig_neg(z, e);
}

/* g->z and g->ez at TH, unless they are there already.  On large X (and
 * TH contiguous) the same pass over X sums the unweighted gradient into
 * g->g0. */
static void prepare(bl_logit *g, const gsl_vector *th)
{
    size_t n = g->y->size, p = th->size;
    if (g->cached && th->stride == 1 && p == g->th_last->size
        && memcmp(th->data, g->th_last->data, p * sizeof(double)) == 0)
        return;
    g->g0_ok = 0;
    if (onepass(g->X) && th->stride == 1) {
        bl_xt_map_xv(g->X.d, th->data, margin_map, g, 1.0 / (double)n, g->g0->data);
        g->g0_ok = 1;
    } else {
        margins(g->X, g->y, th, g->z);
        for (size_t i = 0; i < n; i++)
            g->ez->data[i] = exp(-fabs(g->z->data[i * g->z->stride]));
    }
    g->cached = th->stride == 1 && p == g->th_last->size;
    if (g->cached) memcpy(g->th_last->data, th->data, p * sizeof(double));
    else g->g0_ok = 0;
}

void bl_logit_margins(bl_logit *g, const gsl_vector *th)
{
    prepare(g, th);
}

static double weight(const gsl_vector *w, size_t i)
{
    return w ? gsl_vector_get(w, i) : 1.0;
}

double bl_logit_loss(bl_logit *g, const gsl_vector *th, const gsl_vector *w)
{
    size_t n = g->y->size;
    double s = 0;
    prepare(g, th);
    /* softplus(−z) = max(−z, 0) + log1p(e^{−|z|}), as bl_softplus */
    for (size_t i = 0; i < n; i++) {
        double z = gsl_vector_get(g->z, i);
        s += weight(w, i) * ((z < 0 ? -z : 0) + log1p(gsl_vector_get(g->ez, i)));
    }
    return s / (double)n;
}

void bl_logit_grad(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                   gsl_vector *out)
{
    size_t n = g->y->size;
    prepare(g, th);
    if (!w && g->g0_ok) {                     /* summed in prepare's pass */
        gsl_vector_memcpy(out, g->g0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double z = gsl_vector_get(g->z, i), e = gsl_vector_get(g->ez, i);
        double s = sig_neg(z, e);
        gsl_vector_set(g->c, i, -weight(w, i) * gsl_vector_get(g->y, i) * s);
    }
    bl_dmat_gemv(CblasTrans, 1.0 / (double)n, g->X, g->c, 0.0, out);
}

/* c_i ← w_i σ(z_i) σ(−z_i) = w_i e/(1 + e)² with e = e^{−|z_i|} */
static void curvature(bl_logit *g, const gsl_vector *w)
{
    for (size_t i = 0; i < g->y->size; i++) {
        double e = gsl_vector_get(g->ez, i);
        gsl_vector_set(g->c, i, weight(w, i) * e / ((1 + e) * (1 + e)));
    }
}

void bl_logit_hvp(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                  const gsl_vector *v, gsl_vector *out)
{
    prepare(g, th);
    curvature(g, w);
    if (onepass(g->X) && v->stride == 1 && out->stride == 1 && v->data != out->data) {
        bl_xtdx_v(g->X.d, g->c->data, 1.0 / (double)g->y->size, v->data, out->data);
        return;
    }
    gsl_vector *u = g->u;                     /* X v, then D X v */
    bl_dmat_gemv(CblasNoTrans, 1.0, g->X, v, 0.0, u);
    gsl_vector_mul(u, g->c);
    bl_dmat_gemv(CblasTrans, 1.0 / (double)g->y->size, g->X, u, 0.0, out);
}

void bl_logit_hessian(bl_logit *g, const gsl_vector *th, const gsl_vector *w,
                      gsl_matrix *H)
{
    prepare(g, th);
    curvature(g, w);
    /* H = (1/n) Xᵀ diag(c) X, the lower triangle in registers (kernels.c) */
    if (g->X.s) bl_csr_gram(g->X.s, g->c->data, 1.0 / (double)g->y->size, H);
    else bl_gram(g->X.d, g->c->data, 1.0 / (double)g->y->size, g->gw, H);
}

/* The validation losses as functions of the margins z_k = y_k x_kᵀθ:
 *   logistic  (1/m) Σ log(1 + e^{−z_k})
 *   sqerr     (1/2m) Σ (σ(x_kᵀθ) − t_k)² = (1/2m) Σ σ(−z_k)², t_k = (1 + y_k)/2
 *   smooth01  (1/m) Σ σ(−z_k/τ)
 * Each term ℓ(z) has ∇θ = ℓ'(z) y_k x_k. */
double bl_logit_outer(bl_logit *g, const gsl_vector *th)
{
    size_t m = g->yv->size;
    double s = 0;
    margins(g->Xv, g->yv, th, g->zv);
    for (size_t k = 0; k < m; k++) {
        double z = gsl_vector_get(g->zv, k), q;
        switch (g->outer) {
        case BL_LOGIT_SQERR:
            q = bl_sigmoid(-z);
            s += 0.5 * q * q;
            break;
        case BL_LOGIT_SMOOTH01:
            s += bl_sigmoid(-z / g->tau);
            break;
        default:
            s += bl_softplus(-z);
            break;
        }
    }
    return s / (double)m;
}

void bl_logit_outer_grad(bl_logit *g, const gsl_vector *th, gsl_vector *out)
{
    size_t m = g->yv->size;
    margins(g->Xv, g->yv, th, g->zv);
    for (size_t k = 0; k < m; k++) {
        double z = gsl_vector_get(g->zv, k), d, q;
        switch (g->outer) {
        case BL_LOGIT_SQERR:                 /* d/dz ½σ(−z)² = −σ(−z)² σ(z) */
            q = bl_sigmoid(-z);
            d = -q * q * bl_sigmoid(z);
            break;
        case BL_LOGIT_SMOOTH01:              /* d/dz σ(−z/τ) = −σ(−z/τ)σ(z/τ)/τ */
            d = -bl_sigmoid(-z / g->tau) * bl_sigmoid(z / g->tau) / g->tau;
            break;
        default:                             /* d/dz log(1 + e^{−z}) = −σ(−z) */
            d = -bl_sigmoid(-z);
            break;
        }
        gsl_vector_set(g->cv, k, d * gsl_vector_get(g->yv, k));
    }
    bl_dmat_gemv(CblasTrans, 1.0 / (double)m, g->Xv, g->cv, 0.0, out);
}

void bl_logit_accuracy(bl_logit *g, const gsl_vector *th, double *train, double *val)
{
    size_t n = g->y->size, m = g->yv->size, a = 0, b = 0;
    prepare(g, th);
    margins(g->Xv, g->yv, th, g->zv);
    for (size_t i = 0; i < n; i++) a += gsl_vector_get(g->z, i) > 0;
    for (size_t k = 0; k < m; k++) b += gsl_vector_get(g->zv, k) > 0;
    *train = (double)a / (double)n;
    *val = (double)b / (double)m;
}
