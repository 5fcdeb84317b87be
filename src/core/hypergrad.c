/* hypergrad.c: the estimator table, spec parsing, and the estimators
 * exact and fd (CATALOGUE.md).  An estimator is a static run function and
 * one row of the table; counting and timing are done here, once. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "hypergrad.h"
#include "linalg.h"

/* ---- helpers shared by estimators ---- */

int bl_value_F(bl_problem *P, const bl_inner_conf *ic, const gsl_vector *omega,
               const gsl_vector *theta, double *F, bl_cancel_t *cancel, bl_err *e)
{
    gsl_vector *th = gsl_vector_alloc(P->p);
    if (!th) return BL_ENOMEM;
    gsl_vector_memcpy(th, theta);
    int st = bl_inner_solve_at(P, ic, omega, th, NULL, cancel, e);
    if (st == BL_ESTALL) st = BL_OK;     /* as solved as round-off allows */
    if (st == BL_OK) *F = bl_problem_L(P, th, omega);
    gsl_vector_free(th);
    return st;
}

/* g = ∇ωL(θ) − C(θ) a: the implicit hypergradient from an adjoint. */
static void grad_from_adjoint(const bl_hg_ctx *c, const gsl_vector *a, gsl_vector *g)
{
    gsl_vector *ca = gsl_vector_alloc(c->P->d);
    bl_problem_L_omega(c->P, c->theta, c->omega, g);
    bl_problem_cvp(c->P, c->theta, c->omega, a, ca);
    gsl_vector_sub(g, ca);
    gsl_vector_free(ca);
}

/* ---- exact: a = H⁻¹∇θL by Cholesky (exact:pinv: least-norm) ---- */

static const bl_param exact_params[] = {
    {"pinv", 0, 0, 1, 1, "1: least-norm solution from an eigendecomposition "
     "when H is singular or indefinite"},
};

static int exact_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                     bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p;
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    gsl_vector *gl = gsl_vector_alloc(p);
    int st = H && gl ? BL_OK : BL_ENOMEM;
    if (st == BL_OK) st = bl_problem_hessian(P, c->theta, c->omega, H);
    if (st == BL_OK) {
        bl_problem_L_theta(P, c->theta, c->omega, gl);
        if (par[0] != 0) {
            st = bl_pinv_solve(H, gl, r->adjoint, 1e-12);
        } else {
            double lmin = NAN;
            st = bl_chol_solve(H, gl, r->adjoint, &lmin);
            if (st == BL_ENOTPD)
                bl_err_set(e, st, "H is not positive definite at the current θ "
                           "(smallest eigenvalue %.6g): use exact:pinv or an "
                           "unrolled estimator", lmin);
        }
    }
    if (st == BL_OK) {
        grad_from_adjoint(c, r->adjoint, r->grad);
        r->has_adjoint = 1;
        r->bytes = (p * p + 2 * p) * sizeof(double);
    }
    gsl_matrix_free(H);
    gsl_vector_free(gl);
    return st;
}

/* ---- fd: central differences of F, each inner problem solved to tol ---- */

static const bl_param fd_params[] = {
    {"h", 1e-5, 1e-12, 1.0, 0, "difference step in each ω coordinate"},
};

static int fd_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                  bl_err *e)
{
    bl_problem *P = c->P;
    double h = par[0];
    gsl_vector *om = gsl_vector_alloc(P->d);
    if (!om) return BL_ENOMEM;
    int st = BL_OK;
    for (size_t i = 0; i < P->d && st == BL_OK; i++) {
        double Fp = 0, Fm = 0, w = gsl_vector_get(c->omega, i);
        gsl_vector_memcpy(om, c->omega);
        gsl_vector_set(om, i, w + h);
        st = bl_value_F(P, c->inner, om, c->theta, &Fp, c->cancel, e);
        if (st == BL_OK) {
            gsl_vector_set(om, i, w - h);
            st = bl_value_F(P, c->inner, om, c->theta, &Fm, c->cancel, e);
        }
        if (st == BL_EMAXITER)
            bl_err_set(e, st, "fd: the inner solve at omega[%zu]±h did not reach "
                       "inner.tol=%g within inner.maxit=%zu iterations", i,
                       c->inner->tol, c->inner->maxit);
        else if (st && st != BL_EINTR) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e ? e->msg : bl_strerror(st));
            bl_err_set(e, st, "fd: inner solve at omega[%zu]±h failed: %s", i, why);
        }
        gsl_vector_set(r->grad, i, (Fp - Fm) / (2 * h));
    }
    r->bytes = 2 * P->p * sizeof(double);
    gsl_vector_free(om);
    return st;
}

/* ---- the table ---- */

#define NPAR(a) (sizeof(a) / sizeof((a)[0]))

static const bl_estimator_type exact_type = {
    "exact", "implicit differentiation with a = H⁻¹∇θL by dense Cholesky",
    "one dense H (or p H-products), one C-product, O(p²) memory",
    exact_params, NPAR(exact_params), BL_EST_NEEDS_PD, exact_run,
};

static const bl_estimator_type fd_type = {
    "fd", "central finite differences of F, each inner problem solved to inner.tol",
    "2d inner solves, O(p) memory",
    fd_params, NPAR(fd_params), 0, fd_run,
};

const bl_estimator_type *const bl_estimators[] = {
    &exact_type, &fd_type, NULL,
};

const bl_estimator_type *bl_estimator_lookup(const char *name)
{
    const bl_estimator_type *hit = NULL;
    size_t n = strlen(name);
    for (size_t i = 0; bl_estimators[i]; i++) {
        if (strcmp(bl_estimators[i]->name, name) == 0) return bl_estimators[i];
        if (strncmp(bl_estimators[i]->name, name, n) == 0) {
            if (hit) return NULL;  /* ambiguous prefix */
            hit = bl_estimators[i];
        }
    }
    return hit;
}

/* ---- specs ---- */

static void list_names(char *buf, size_t len)
{
    buf[0] = 0;
    for (size_t i = 0; bl_estimators[i]; i++) {
        size_t k = strlen(buf);
        snprintf(buf + k, len - k, "%s%s", i ? ", " : "", bl_estimators[i]->name);
    }
}

int bl_spec_parse(const char *text, bl_spec *s, bl_err *e)
{
    char buf[128], names[256];
    while (isspace((unsigned char)*text)) text++;
    if (strlen(text) >= sizeof buf) {
        bl_err_set(e, BL_EINVAL, "estimator spec too long");
        return BL_EINVAL;
    }
    strcpy(buf, text);
    for (size_t k = strlen(buf); k > 0 && isspace((unsigned char)buf[k - 1]); k--)
        buf[k - 1] = 0;
    char *colon = strchr(buf, ':');
    if (colon) *colon = 0;
    const bl_estimator_type *T = bl_estimator_lookup(buf);
    if (!T) {
        list_names(names, sizeof names);
        bl_err_set(e, BL_EINVAL, "unknown estimator '%s' (known: %s)", buf, names);
        return BL_EINVAL;
    }
    bl_spec out = {.type = T};
    snprintf(out.text, sizeof out.text, "%s", text);
    for (size_t k = strlen(out.text); k > 0 && isspace((unsigned char)out.text[k - 1]); k--)
        out.text[k - 1] = 0;
    for (size_t i = 0; i < T->nparams; i++) out.par[i] = T->params[i].def;
    char *rest = colon ? colon + 1 : NULL, *save = NULL;
    for (char *kv = rest ? strtok_r(rest, ",", &save) : NULL; kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        double v = 1.0;
        if (eq) {
            char *end;
            *eq = 0;
            errno = 0;
            v = strtod(eq + 1, &end);
            if (end == eq + 1 || *end || errno == ERANGE) {
                bl_err_set(e, BL_EINVAL, "%s: '%s' is not a number for %s",
                           T->name, eq + 1, kv);
                return BL_EINVAL;
            }
        }
        int idx = bl_param_find(T->params, T->nparams, kv);
        if (idx < 0) {
            names[0] = 0;
            for (size_t i = 0; i < T->nparams; i++) {
                size_t k = strlen(names);
                snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "",
                         T->params[i].name);
            }
            bl_err_set(e, BL_EINVAL, "%s has no parameter '%s' (%s%s)", T->name,
                       kv, T->nparams ? "parameters: " : "it takes none",
                       names);
            return BL_EINVAL;
        }
        bl_err pe;
        if (bl_param_check(&T->params[idx], v, &pe)) {
            bl_err_set(e, BL_EINVAL, "%s: %s", T->name, pe.msg);
            return BL_EINVAL;
        }
        out.par[idx] = v;
    }
    *s = out;
    return BL_OK;
}

/* ---- running one ---- */

int bl_hypergrad(const bl_spec *s, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    unsigned long h0 = P->n_hvp, c0 = P->n_cvp, g0 = P->n_grad;
    r->has_adjoint = 0;
    r->adjoint_residual = NAN;
    r->bytes = 0;
    gsl_vector_set_zero(r->grad);
    double t0 = bl_clock();
    int st = s->type->run(s->par, c, r, e);
    r->seconds = bl_clock() - t0;
    r->hvp = P->n_hvp - h0;
    r->cvp = P->n_cvp - c0;
    r->grad_calls = P->n_grad - g0;
    if (st == BL_OK && !bl_vector_finite(r->grad)) {
        bl_err_set(e, BL_EDIVERGE, "%s produced a non-finite hypergradient",
                   s->text);
        st = BL_EDIVERGE;
    }
    if (st == BL_OK && r->has_adjoint) {
        /* The residual is a report, not part of the method: not counted. */
        gsl_vector *ha = gsl_vector_alloc(P->p), *gl = gsl_vector_alloc(P->p);
        bl_problem_hvp(P, c->theta, c->omega, r->adjoint, ha);
        bl_problem_L_theta(P, c->theta, c->omega, gl);
        double ngl = gsl_blas_dnrm2(gl);
        gsl_vector_sub(ha, gl);
        double nr = gsl_blas_dnrm2(ha);
        r->adjoint_residual = ngl > 0 ? nr / ngl : nr;
        gsl_vector_free(ha);
        gsl_vector_free(gl);
        P->n_hvp = h0 + r->hvp;
        P->n_grad = g0 + r->grad_calls;
    }
    return st;
}
