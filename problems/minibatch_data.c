/* minibatch_data.c: the minibatch oracles (stoch.h) of the data problems
 * ridge, ridge-multi, logreg and logreg-multi, read from the data set
 * (training rows for G, validation rows for L).  The ℓ2 penalty is not a
 * sum over samples: every minibatch carries it whole (benchmark_bilevel's
 * convention), so G_B = (1/|B|) Σ_{i∈B} ℓ_i(θ) + penalty and C_B = C.
 * Formulas: doc/catalogue.md "Problems", doc/stochastic.md. */
#include "config.h"

#include <math.h>

#include <gsl/gsl_blas.h>

#include "catalogue.h"
#include "l2pen.h"
#include "losses.h"
#include "stoch.h"

static int is_multi(const bl_problem *P)
{
    return P->type == &bl_problem_ridge_multi || P->type == &bl_problem_logreg_multi;
}
static int is_logistic(const bl_problem *P)
{
    return P->type == &bl_problem_logreg || P->type == &bl_problem_logreg_multi;
}

static size_t n_inner(const bl_problem *P) { return P->data->y->size; }
static size_t n_outer(const bl_problem *P) { return P->data->yv->size; }

/* ±1 label of a {−1, +1} or {0, 1} coded target (as logistic.c maps it) */
static double label(double t) { return t > 0 ? 1.0 : -1.0; }

/* the derivative of the per-sample loss in the margin: squared error
 * (x ᵀθ − y), Huber h_δ'(xᵀθ − y), logistic −y σ(−y xᵀθ) */
enum { LOSS_SQ, LOSS_HUBER, LOSS_LOGISTIC };

static double dloss(int kind, double xt, double t, double delta)
{
    if (kind == LOSS_SQ) return xt - t;
    if (kind == LOSS_HUBER) return bl_huber_d(xt - t, delta);
    double y = label(t), z = y * xt;
    double s = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z));   /* σ(−z) */
    return -y * s;
}

/* the second derivative (the weight of x xᵀ in H) */
static double d2loss(int kind, double xt, double t)
{
    if (kind != LOSS_LOGISTIC) return 1;
    double z = label(t) * xt, e = exp(-fabs(z));
    return e / ((1 + e) * (1 + e));     /* σ(z)σ(−z) */
}

/* out = (1/m) Σ_{i∈idx} ℓ'(x_iᵀθ) x_i */
static void loss_grad(bl_dmat Z, const gsl_vector *t, int kind, double delta, cvec *th,
                      const size_t *idx, size_t m, gsl_vector *out)
{
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        bl_dmat_rowaxpy(dloss(kind, bl_dmat_rowdot(Z, i, th), gsl_vector_get(t, i), delta), Z, i, out);
    }
    gsl_vector_scale(out, 1.0 / (double)m);
}

static int inner_kind(const bl_problem *P) { return is_logistic(P) ? LOSS_LOGISTIC : LOSS_SQ; }

/* ridge: outer=mse (0) or huber (1, δ = par[1]); logreg: outer=logistic only */
static int outer_kind(const bl_problem *P)
{
    if (is_logistic(P)) return LOSS_LOGISTIC;
    return P->par[0] == 1 ? LOSS_HUBER : LOSS_SQ;
}

static void G_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g)
{
    loss_grad(bl_dataset_dmat(P->data, 0), P->data->y, inner_kind(P), 0, th, idx, m, g);
    bl_l2pen_add(is_multi(P), om, th, g);
}

static void G_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g)
{
    (void)idx, (void)m;
    bl_l2pen_omega(is_multi(P), th, om, g);
}

static void L_theta(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g)
{
    (void)om;
    loss_grad(bl_dataset_dmat(P->data, 1), P->data->yv, outer_kind(P), P->par[1], th, idx, m, g);
}

static void L_omega(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g)
{
    (void)P, (void)th, (void)om, (void)idx, (void)m;
    gsl_vector_set_zero(g);
}

static void hvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                gsl_vector *out)
{
    bl_dmat X = bl_dataset_dmat(P->data, 0);
    int kind = inner_kind(P);
    gsl_vector_set_zero(out);
    for (size_t k = 0; k < m; k++) {
        size_t i = idx[k];
        double w = kind == LOSS_LOGISTIC ? d2loss(kind, bl_dmat_rowdot(X, i, th), gsl_vector_get(P->data->y, i)) : 1;
        bl_dmat_rowaxpy(w * bl_dmat_rowdot(X, i, v), X, i, out);
    }
    gsl_vector_scale(out, 1.0 / (double)m);
    bl_l2pen_add(is_multi(P), om, v, out);
}

static void cvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                gsl_vector *out)
{
    (void)idx, (void)m;
    bl_l2pen_cvp(is_multi(P), th, om, v, out);
}

static void ctvp(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *u,
                 gsl_vector *out)
{
    (void)idx, (void)m;
    bl_l2pen_ctvp(is_multi(P), th, om, u, out);
}

static int check(const bl_problem *P, bl_err *e)
{
    if (is_logistic(P) && P->par[0] != 0) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s has minibatch oracles for outer=logistic only",
                   P->type->name);
        return BL_EUNSUPPORTED;
    }
    return BL_OK;
}

const bl_minibatch bl_mb_data = {
    .n_inner = n_inner, .n_outer = n_outer,
    .G_theta = G_theta, .G_omega = G_omega,
    .L_theta = L_theta, .L_omega = L_omega,
    .hvp = hvp, .cvp = cvp, .ctvp = ctvp,
    .check = check,
};
