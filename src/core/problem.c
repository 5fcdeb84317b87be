/* problem.c: problem instances, counted entry points and the generic
 * fallbacks (dense H from products, power iteration for λmax).
 * Interface: problem.h; mathematics: doc/catalogue.md, "Notation". */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "problem.h"

const bl_problem_type *bl_problem_lookup(const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (; n < 64 && bl_catalogue[n]; n++) names[n] = bl_catalogue[n]->name;
    int k = bl_lookup(name, names, n, "problem", NULL, NULL);
    return k >= 0 ? bl_catalogue[k] : NULL;
}

bl_problem *bl_problem_alloc(const bl_problem_type *T, const double *par,
                             const bl_dataset *data, bl_err *e)
{
    return bl_problem_alloc_def(T, par, data, NULL, e);
}

bl_problem *bl_problem_alloc_def(const bl_problem_type *T, const double *par,
                                 const bl_dataset *data,
                                 const struct bl_expr_def *def, bl_err *e)
{
    return bl_problem_alloc_ctl(T, par, data, def, NULL, e);
}

int bl_problem_poll(bl_problem *P, const char *what, double done, double total)
{
    if (P->cancel && *P->cancel) return BL_EINTR;
    if (P->busy) P->busy(P->busy_arg, what, done, total);
    return BL_OK;
}

bl_problem *bl_problem_alloc_ctl(const bl_problem_type *T, const double *par,
                                 const bl_dataset *data,
                                 const struct bl_expr_def *def,
                                 const bl_problem_ctl *ctl, bl_err *e)
{
    if (!T) {
        bl_err_set(e, BL_EINVAL, "no problem type given");
        return NULL;
    }
    if (T->nparams > BL_MAX_PARAMS) {
        bl_err_set(e, BL_EINVAL, "%s has %zu parameters, at most %d are supported",
                   T->name, T->nparams, BL_MAX_PARAMS);
        return NULL;
    }
    if ((T->flags & BL_PROB_NEEDS_DATA) && !data) {
        bl_err_set(e, BL_ENODATA, "%s needs data: use 'data load' or 'data synth'",
                   T->name);
        return NULL;
    }

    bl_problem *P = calloc(1, sizeof *P);
    if (!P) {
        bl_err_set(e, BL_ENOMEM, "out of memory allocating %s", T->name);
        return NULL;
    }
    P->type = T;
    for (size_t i = 0; i < T->nparams; i++) {
        double v = par ? par[i] : T->params[i].def;
        if (bl_param_check(&T->params[i], v, e) != BL_OK) {
            free(P);
            return NULL;
        }
        P->par[i] = v;
    }
    P->data = data;
    P->def = (T->flags & BL_PROB_DEFINED) ? def : NULL;
    if (ctl) {
        P->cancel = ctl->cancel;
        P->busy = ctl->busy;
        P->busy_arg = ctl->busy_arg;
        P->mem_max = ctl->mem_max;
    }
    /* its dense matrices are checked before init allocates them */
    char who[256];
    if (P->mem_max > 0
        && bl_mem_check(bl_problem_bytes(T, P->par, data), P->mem_max,
                        bl_problem_label(T, P->par, who, sizeof who),
                        "its dense matrices", e) != BL_OK) {
        free(P);
        return NULL;
    }

    int st = T->init ? T->init(P, e) : BL_OK;
    if (P->busy) P->busy(P->busy_arg, T->name, 1, 1);      /* over */
    if (st == BL_OK && P->cancel && *P->cancel) st = BL_EINTR;
    if (st == BL_EINTR) bl_err_set(e, st, "interrupted while building %s", T->name);
    if (st != BL_OK) {
        /* A failing init leaves P->state NULL or releasable by T->free. */
        if (P->state && T->free) T->free(P);
        free(P);
        return NULL;
    }
    return P;
}

double bl_problem_bytes(const bl_problem_type *T, const double *par, const bl_dataset *data)
{
    if (T->bytes) return T->bytes(par, data);
    if (data && data->Xs && (T->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA)))
        return bl_mem_dense(16.0, (double)data->Xs->cols);   /* CSR: p-vectors only */
    if (data && data->X && !data->Xs && (T->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA))) {
        double p = (double)data->X->size2;
        return 4.0 * bl_mem_dense(p, p);
    }
    return 0;
}

char *bl_problem_label(const bl_problem_type *T, const double *par, char *buf, size_t len)
{
    size_t l = (size_t)snprintf(buf, len, "%s", T->name);
    for (size_t i = 0; i < T->nparams && l < len; i++) {
        double v = par ? par[i] : T->params[i].def;
        if (v == T->params[i].def) continue;
        char t[64];
        if (T->params[i].choices) {
            size_t k = 0;
            while (T->params[i].choices[k] && k < (size_t)v) k++;
            snprintf(t, sizeof t, "%s", T->params[i].choices[k] ? T->params[i].choices[k] : "?");
        } else {
            bl_fmt_limit(t, sizeof t, v);
        }
        l += (size_t)snprintf(buf + l, len - l, " %s=%s", T->params[i].name, t);
    }
    return buf;
}

int bl_problem_mem(const bl_problem *P, double bytes, const char *why, bl_err *e)
{
    if (!(P->mem_max > 0) || bytes <= P->mem_max) return BL_OK;
    char who[256];
    return bl_mem_check(bytes, P->mem_max, bl_problem_label(P->type, P->par, who, sizeof who),
                        why, e);
}

bl_problem *bl_problem_clone(const bl_problem *P)
{
    if (!P) return NULL;
    bl_problem *Q = calloc(1, sizeof *Q);
    if (!Q) return NULL;
    Q->type = P->type;
    memcpy(Q->par, P->par, sizeof Q->par);
    Q->data = P->data;
    Q->p = P->p;
    Q->d = P->d;
    Q->def = P->def;
    Q->cancel = P->cancel;
    Q->eta_slot = P->eta_slot;
    Q->mem_max = P->mem_max;
    Q->state = NULL;
    if (P->type->clone && P->type->clone(P, Q) != BL_OK) {
        free(Q);
        return NULL;
    }
    return Q;
}

void bl_problem_free(bl_problem *P)
{
    if (!P) return;
    if (P->type && P->type->free) P->type->free(P);
    free(P);
}

void bl_problem_reset_counts(bl_problem *P)
{
    P->n_hvp = P->n_cvp = P->n_grad = P->n_eval = 0;
}

double bl_problem_G(bl_problem *P, cvec *th, cvec *om)
{
    P->n_eval++;
    return P->type->G(P, th, om);
}

double bl_problem_L(bl_problem *P, cvec *th, cvec *om)
{
    P->n_eval++;
    return P->type->L(P, th, om);
}

void bl_problem_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    P->n_grad++;
    P->type->G_theta(P, th, om, g);
}

void bl_problem_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    P->n_grad++;
    P->type->G_omega(P, th, om, g);
}

void bl_problem_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    P->n_grad++;
    P->type->L_theta(P, th, om, g);
}

void bl_problem_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    P->n_grad++;
    P->type->L_omega(P, th, om, g);
}

void bl_problem_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    P->n_hvp++;
    P->type->hvp(P, th, om, v, out);
}

void bl_problem_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    P->n_cvp++;
    P->type->cvp(P, th, om, v, out);
}

void bl_problem_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    P->n_cvp++;
    P->type->ctvp(P, th, om, u, out);
}

int bl_problem_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    size_t p = P->p;
    if (H->size1 != p || H->size2 != p) return BL_EDIM;
    if (P->type->hessian) {
        int st = P->type->hessian(P, th, om, H);
        if (P->busy) P->busy(P->busy_arg, "dense H", 1, 1);
        return st;
    }

    gsl_vector *ej = gsl_vector_calloc(p);
    gsl_vector *col = gsl_vector_alloc(p);
    if (!ej || !col) {
        gsl_vector_free(ej);
        gsl_vector_free(col);
        return BL_ENOMEM;
    }
    int st = BL_OK;
    double t0 = 0;
    for (size_t j = 0; j < p && st == BL_OK; j++) {
        /* p products can take long (heat: 2·nt solves each): poll and tell,
         * on a clock, not at every column */
        if ((P->cancel || P->busy) && (j % 64 == 0 || bl_clock() - t0 > 0.1)) {
            t0 = bl_clock();
            st = bl_problem_poll(P, "dense H, column by column", (double)j, (double)p);
        }
        if (st) break;
        gsl_vector_set(ej, j, 1.0);
        bl_problem_hvp(P, th, om, ej, col);
        gsl_vector_set(ej, j, 0.0);
        gsl_matrix_set_col(H, j, col);
    }
    if (P->busy) P->busy(P->busy_arg, "dense H", 1, 1);
    if (st) {
        gsl_vector_free(ej);
        gsl_vector_free(col);
        return st;
    }
    /* H is symmetric in exact arithmetic; make it so in floating point,
     * so that Cholesky and the symmetric eigen solvers see one matrix. */
    for (size_t i = 0; i < p; i++)
        for (size_t j = i + 1; j < p; j++) {
            double s = 0.5 * (gsl_matrix_get(H, i, j) + gsl_matrix_get(H, j, i));
            gsl_matrix_set(H, i, j, s);
            gsl_matrix_set(H, j, i, s);
        }
    gsl_vector_free(ej);
    gsl_vector_free(col);
    return BL_OK;
}

/* Power iteration on H from the normalised all-ones vector: at most 100
 * products, stopping when the Rayleigh quotient changes by less than 1e-10
 * relative.  The quotient is a lower estimate of λmax, so it is returned
 * times 1.01.  NAN when out of memory. */
double bl_problem_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    if (P->type->lipschitz) return P->type->lipschitz(P, th, om);

    size_t p = P->p;
    gsl_vector *v = gsl_vector_alloc(p);
    gsl_vector *w = gsl_vector_alloc(p);
    if (!v || !w) {
        gsl_vector_free(v);
        gsl_vector_free(w);
        return NAN;
    }
    gsl_vector_set_all(v, 1.0 / sqrt((double)p));
    double rq = 0.0, rq_old = 0.0;
    for (int k = 0; k < 100; k++) {
        bl_problem_hvp(P, th, om, v, w);
        gsl_blas_ddot(v, w, &rq);
        if (k > 0 && fabs(rq - rq_old) < 1e-10 * fabs(rq)) break;
        rq_old = rq;
        double nw = gsl_blas_dnrm2(w);
        if (nw == 0.0 || !isfinite(nw)) break;
        gsl_vector_memcpy(v, w);
        gsl_vector_scale(v, 1.0 / nw);
    }
    gsl_vector_free(v);
    gsl_vector_free(w);
    return 1.01 * rq;
}

void bl_problem_omega0(bl_problem *P, gsl_vector *om)
{
    if (P->type->omega0)
        P->type->omega0(P, om);
    else
        gsl_vector_set_zero(om);
}

void bl_problem_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out)
{
    P->n_grad++;
    P->type->step(P, th, om, eta, out);
}

void bl_problem_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                         gsl_vector *gth, gsl_vector *gom)
{
    P->n_hvp++;
    P->n_cvp++;
    P->type->step_vjp(P, th, om, eta, alpha, gth, gom);
}

void bl_problem_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                         gsl_vector *out)
{
    if (v) P->n_hvp++;
    P->n_cvp++;
    P->type->step_jvp(P, th, om, eta, v, u, out);
}
