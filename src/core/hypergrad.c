/* hypergrad.c: the value F(ω) by an inner solve, the hypergradient
 * estimators (doc/catalogue.md, "Hypergradient estimators"), their table
 * and the advice written from it, spec parsing, and explain.  An estimator
 * is a static run function and one row of the table; counting and timing
 * are done here, once. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "adjoint.h"
#include "bound.h"
#include "checkpoint.h"
#include "hypergrad.h"
#include "linalg.h"
#include "stoch_est.h"
#include "unroll.h"

/* ---- helpers shared by estimators ---- */

void bl_tally_add(bl_solve_tally *t, const bl_solve_info *info)
{
    t->solves++;
    if (!info->converged) t->failures++;
    if (info->resid > t->worst || isnan(info->resid)) t->worst = info->resid;
}

void bl_tally_merge(bl_solve_tally *t, const bl_solve_tally *u)
{
    t->solves += u->solves;
    t->failures += u->failures;
    if (u->worst > t->worst || isnan(u->worst)) t->worst = u->worst;
}

void bl_solve_info_of(const bl_inner *it, int st, double tol, bl_solve_info *info)
{
    /* the rule of bl_inner_solve_info: a stall counts only below tol */
    info->status = st;
    info->iters = it->iter;
    info->resid = it->resid;
    info->converged = st == BL_OK || (st == BL_ESTALL && it->resid <= tol);
}

int bl_value_F_info(bl_problem *P, const bl_inner_conf *ic, const gsl_vector *omega,
                    const gsl_vector *theta, double *F, bl_solve_info *info,
                    bl_cancel_t *cancel, bl_err *e)
{
    bl_solve_info in;
    gsl_vector *th = gsl_vector_alloc(P->p);
    if (!th) return BL_ENOMEM;
    gsl_vector_memcpy(th, theta);
    int st = bl_inner_solve_info(P, ic, omega, th, &in, cancel, e);
    if (st == BL_ESTALL) st = BL_OK;     /* as solved as round-off allows; in.converged says */
    if (st == BL_OK || st == BL_EMAXITER) *F = bl_problem_L(P, th, omega);
    if (info) *info = in;
    gsl_vector_free(th);
    return st;
}

int bl_value_F(bl_problem *P, const bl_inner_conf *ic, const gsl_vector *omega,
               const gsl_vector *theta, double *F, bl_cancel_t *cancel, bl_err *e)
{
    double v = 0;
    int st = bl_value_F_info(P, ic, omega, theta, &v, NULL, cancel, e);
    if (st == BL_OK) *F = v;
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
     "when H is singular or indefinite", NULL},
};

/* What exact holds: H and its factor (pinv: H, its eigenvectors and a
 * copy), and three p-vectors. */
static double exact_bytes(size_t p, int pinv)
{
    return ((pinv ? 4.0 : 2.0) * (double)p * (double)p + 3.0 * (double)p) * sizeof(double);
}

/* The exact adjoint and hypergradient at THETA (pinv: least-norm).  The
 * memory of the dense H is checked against mem.max before anything is
 * allocated; errors say the one true cause (bl_chol_explain). */
static int exact_at(const bl_hg_ctx *c, const gsl_vector *theta, int pinv,
                    gsl_vector *a, gsl_vector *g, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p;
    double bytes = exact_bytes(p, pinv);
    if (c->mem_max > 0 && bytes > c->mem_max) {
        int g = bytes >= 1e9;
        char use[512];
        bl_estimator_advice_matrix_free(use, sizeof use);
        bl_err_set(e, BL_ENOMEM, "exact: the dense H%s need %.4g %s for p = %zu, over mem.max "
                   "= %.4g MB; the matrix-free estimators apply: %s",
                   pinv ? " and its eigenvectors" : " and its factor",
                   bytes / (g ? 1e9 : 1e6), g ? "GB" : "MB", p, c->mem_max / 1e6, use);
        return BL_ENOMEM;
    }
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    gsl_vector *gl = gsl_vector_alloc(p);
    int st = H && gl ? BL_OK : BL_ENOMEM;
    if (st == BL_ENOMEM)
        bl_err_set(e, st, "out of memory for the dense H (%.4g MB for p = %zu)", bytes / 1e6, p);
    if (st == BL_OK) {
        st = bl_problem_hessian(P, theta, c->omega, H);
        if (st == BL_EINTR) bl_err_set(e, st, "interrupted");
        else if (st == BL_EDIVERGE || (st == BL_OK && !bl_matrix_finite(H))) {
            st = BL_EDIVERGE;
            bl_err_set(e, st, "H has non-finite entries at the current θ and ω");
        } else if (st) {
            bl_err_set(e, st, "the dense H could not be formed: %s", bl_strerror(st));
        }
    }
    if (st == BL_OK) {
        bl_problem_L_theta(P, theta, c->omega, gl);
        bl_chol_diag d = {0, NAN, NAN};
        char why[400];
        if (!bl_vector_finite(gl)) {
            st = BL_EDIVERGE;
            bl_err_set(e, st, "∇θL is not finite at the current θ and ω: there is no "
                       "hypergradient to estimate here");
        } else if (pinv) {
            st = bl_pinv_solve(H, gl, a, 1e-12);
            if (st) bl_err_set(e, st, "the eigendecomposition of H failed");
        } else {
            st = bl_chol_solve_diag(H, gl, a, &d, c->cancel, P->busy, P->busy_arg);
            bl_chol_explain(&d, why, sizeof why);
            if (d.why == BL_CHOL_INDEFINITE || d.why == BL_CHOL_SINGULAR
                || d.why == BL_CHOL_NOEIG) {
                char who[256], use[512];
                bl_estimator_names(BL_EST_NEEDS_PD, who, sizeof who);
                bl_estimator_advice_not_pd(use, sizeof use);
                bl_err_set(e, st, "%s: %s need it; here use %s", why, who, use);
            } else if (d.why == BL_CHOL_ILLCOND)
                bl_err_set(e, st, "%s; here use exact:pinv or cg", why);
            else if (st)
                bl_err_set(e, st, "%s", why);
        }
    }
    if (st == BL_OK) {
        bl_hg_ctx at = *c;
        at.theta = theta;
        grad_from_adjoint(&at, a, g);
    }
    gsl_matrix_free(H);
    gsl_vector_free(gl);
    return st;
}

static int exact_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                     bl_err *e)
{
    int st = exact_at(c, c->theta, par[0] != 0, r->adjoint, r->grad, e);
    if (st == BL_OK) {
        r->has_adjoint = 1;
        r->bytes = (size_t)exact_bytes(c->P->p, par[0] != 0);
    }
    return st;
}

/* ---- cg, neumann, fp: an adjoint iterator run K times ---- */

static double step_of(const double *eta_par, const bl_hg_ctx *c)
{
    return *eta_par > 0 ? *eta_par : c->eta;
}

/* adjoint_run's tolerance for cg's tol=auto (neumann and fp pass −1: none) */
#define TOL_AUTO (-2.0)

static int adjoint_run(const bl_adjoint_type *T, size_t k, double tol, double eta,
                       int warm, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_adjoint *it = bl_adjoint_alloc(T, c->P->p);
    if (!it) return BL_ENOMEM;
    const gsl_vector *a0 = warm && c->adjoint0 && c->adjoint0->size == c->P->p
                           ? c->adjoint0 : NULL;
    int st = bl_adjoint_set(it, c->P, c->theta, c->omega, a0, eta, 0, e);
    /* tol = TOL_AUTO (cg's tol=auto, doc/bounds.md): stop once the error bound's
     * adjoint term ‖C‖‖r‖/μ is at most the larger of its inner term and
     * 1% of ‖g‖; where there is no bound, the default tolerance 1e-10 */
    bl_bound b;
    int autotol = tol == TOL_AUTO;
    if (autotol && bl_bound_prepare(c->P, c->theta, c->omega, &b) != BL_OK) {
        autotol = 0;
        tol = 1e-10;
    }
    for (size_t j = 0; st == BL_OK && j < k; j++) {
        if (it->resid <= tol) break;
        if (autotol && isfinite(it->resid)) {
            grad_from_adjoint(c, it->a, r->grad);
            double adj = b.cnorm * it->resid * it->bnorm / b.mu;
            if (adj <= fmax(b.inner_term, 0.01 * gsl_blas_dnrm2(r->grad))) break;
        }
        if (c->cancel && *c->cancel) {
            bl_err_set(e, BL_EINTR, "interrupted");
            st = BL_EINTR;
            break;
        }
        st = bl_adjoint_iterate(it, e);
    }
    if (st == BL_OK) {
        gsl_vector_memcpy(r->adjoint, it->a);
        grad_from_adjoint(c, r->adjoint, r->grad);
        r->has_adjoint = 1;
        r->iters = it->iter;
        r->bytes = 5 * c->P->p * sizeof(double);
    }
    bl_adjoint_free(it);
    return st;
}

static const bl_param cg_params[] = {
    {"k", 100, 0, 1e7, 1, "at most k iterations (H-products)", NULL},
    {"tol", 1e-10, -1, 1, 0, "stop when ‖r‖ ≤ tol‖∇θL‖; tol=auto (−1): when the error "
     "bound's adjoint term is at most its inner term or 1% of ‖g‖ (doc/bounds.md)", NULL},
    {"warm", 0, 0, 1, 1, "1: start from the last adjoint instead of 0", NULL},
    {"batch", 0, 0, 1e9, 1, "minibatch: one batch per solve for all k products on inner batches of this size (sampler, "
     "seed: the settings; 0: full batch)", NULL},
    {"seed", -1, -1, 4294967295.0, 1, "the minibatch seed; -1: the setting seed", NULL},
};

static int cg_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    int stoch, st = bl_stoch_est_mode(c, "cg", par[3], &stoch, e);
    if (st) return st;
    if (par[1] < 0 && (par[1] != -1 || stoch)) {
        bl_err_set(e, BL_EINVAL, par[1] != -1 ? "cg: tol must be from 0 to 1, or auto"
                   : "cg: tol=auto needs the full batch (no batch=)");
        return BL_EINVAL;
    }
    if (stoch)
        return bl_stoch_adjoint("cg", (size_t)par[0], par[1], 0, par[2] != 0 || c->warm,
                                (size_t)par[3], par[4], c, r, e);
    return adjoint_run(bl_adjoint_cg, (size_t)par[0], par[1] == -1 ? TOL_AUTO : par[1], 0,
                       par[2] != 0 || c->warm, c, r, e);
}

static const bl_param neumann_params[] = {
    {"k", 20, 0, 1e7, 1, "k + 1 terms of the series (k H-products)", NULL},
    {"eta", 0, 0, INFINITY, 0, "step η; 0: the inner step (1/L_G)", NULL},
    {"batch", 0, 0, 1e9, 1, "minibatch: each product on inner batches of this size (sampler, "
     "seed: the settings; 0: full batch)", NULL},
    {"seed", -1, -1, 4294967295.0, 1, "the minibatch seed; -1: the setting seed", NULL},
};

/* neumann and fp run exactly k iterations: no tolerance (tol −1) */
static int neumann_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    int stoch, st = bl_stoch_est_mode(c, "neumann", par[2], &stoch, e);
    if (st) return st;
    if (stoch)
        return bl_stoch_adjoint("neumann", (size_t)par[0], -1, step_of(&par[1], c), c->warm,
                                (size_t)par[2], par[3], c, r, e);
    return adjoint_run(bl_adjoint_neumann, (size_t)par[0], -1, step_of(&par[1], c),
                       c->warm, c, r, e);
}

static const bl_param fp_params[] = {
    {"k", 20, 0, 1e7, 1, "k iterations from a₀ = 0 (k − 1 H-products)", NULL},
    {"eta", 0, 0, INFINITY, 0, "step η; 0: the inner step (1/L_G)", NULL},
    {"batch", 0, 0, 1e9, 1, "minibatch: each product on inner batches of this size (sampler, "
     "seed: the settings; 0: full batch)", NULL},
    {"seed", -1, -1, 4294967295.0, 1, "the minibatch seed; -1: the setting seed", NULL},
};

static int fp_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    int stoch, st = bl_stoch_est_mode(c, "fp", par[2], &stoch, e);
    if (st) return st;
    if (stoch)
        return bl_stoch_adjoint("fp", (size_t)par[0], -1, step_of(&par[1], c), c->warm,
                                (size_t)par[2], par[3], c, r, e);
    return adjoint_run(bl_adjoint_fp, (size_t)par[0], -1, step_of(&par[1], c),
                       c->warm, c, r, e);
}

/* ---- reverse, truncated, forward: derivatives of T unrolled steps ---- */

static const char *const from_choices[] = {"zero", "current", NULL};
/* what reverse and forward unroll: the step Φ (gradient or ISTA steps), or
 * sweeps of coordinate descent (unroll.c, problems with cd_jvp) */
static const char *const unroll_solver_choices[] = {"step", "cd", NULL};

/* θ₀ (zero or the current θ) and η for an unrolled method. */
static void unroll_start(const bl_hg_ctx *c, double from, gsl_vector *th)
{
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
}

static int mem_check(const bl_hg_ctx *c, const char *what, size_t bytes, bl_err *e)
{
    if (c->mem_max > 0 && (double)bytes > c->mem_max) {
        bl_err_set(e, BL_ENOMEM, "%s needs %.4g MB, over mem.max = %.4g MB: use "
                   "forward:t=T (O(pd) memory, no stored iterates) or truncated:t=T,k=K "
                   "(K stored iterates)", what, (double)bytes / 1e6, c->mem_max / 1e6);
        return BL_ENOMEM;
    }
    return BL_OK;
}

/* Whether the unrolled map Φ is the problem's own step: the ISTA step of
 * a non-smooth problem, or the iteration of a BL_PROB_STEPMAP one (sor). */
static int own_step(const bl_problem *P)
{
    return P->type->step && (P->type->flags & (BL_PROB_NONSMOOTH | BL_PROB_STEPMAP));
}

/* θ ← Φ(θ, ω) in place, GR a p-vector of workspace: θ − η∇θG(θ), or the
 * problem's own step (own_step): for non-smooth problems the ISTA step
 * prox_{ηg}(θ − η∇f(θ)), for BL_PROB_STEPMAP ones their iteration. */
static void phi_step(bl_problem *P, gsl_vector *th, const gsl_vector *om, double eta,
                     gsl_vector *gr)
{
    if (own_step(P)) {
        bl_problem_step(P, th, om, eta, gr);
        gsl_vector_memcpy(th, gr);
        return;
    }
    bl_problem_G_theta(P, th, om, gr);
    gsl_blas_daxpy(-eta, gr, th);
}

/* The adjoint step s of reverse_k from θ_s (TS): g ← g + (∂Φ/∂ω)ᵀα_{s+1}
 * (−ηC(θ_s)α_{s+1}), and unless LAST (s = T − K: α_{T−K} is never used)
 * α_s = (∂Φ/∂θ)ᵀα_{s+1} ((I − ηH(θ_s))α_{s+1}) in AL; HV, CV workspace.
 * With a problem step (own_step) the products are its Jacobians'. */
static void rk_back(bl_problem *P, const gsl_vector *ts, const gsl_vector *om, double eta,
                    int last, gsl_vector *al, gsl_vector *hv, gsl_vector *cv, gsl_vector *g)
{
    if (own_step(P)) {
        bl_problem_step_vjp(P, ts, om, eta, al, last ? NULL : hv, cv);
        gsl_vector_add(g, cv);
        if (!last) gsl_vector_memcpy(al, hv);
        return;
    }
    bl_problem_cvp(P, ts, om, al, cv);
    gsl_blas_daxpy(-eta, cv, g);
    if (last) return;
    bl_problem_hvp(P, ts, om, al, hv);
    gsl_blas_daxpy(-eta, hv, al);
}

/* reverse_k with checkpoints: bl_ckpt_run's steps on θ (checkpoint.h) */
struct rk_ck {
    const bl_hg_ctx *c;
    double eta;
    size_t first;                        /* T − K */
    int started;
    gsl_vector *gr, *al, *hv, *cv, *tmp;
    bl_hg_result *r;
    bl_err *e;
};

static int rk_adv(void *u, double *x)
{
    struct rk_ck *k = u;
    if (k->c->cancel && *k->c->cancel) {
        bl_err_set(k->e, BL_EINTR, "interrupted");
        return BL_EINTR;
    }
    gsl_vector_view v = gsl_vector_view_array(x, k->c->P->p);
    phi_step(k->c->P, &v.vector, k->c->omega, k->eta, k->gr);
    return BL_OK;
}

static int rk_rev(void *u, size_t s, const double *x)
{
    struct rk_ck *k = u;
    bl_problem *P = k->c->P;
    const gsl_vector *om = k->c->omega;
    gsl_vector_const_view v = gsl_vector_const_view_array(x, P->p);
    if (!k->started) {                   /* s = T − 1: θ_T, α_T, g = ∇ωL(θ_T) */
        gsl_vector_memcpy(k->tmp, &v.vector);
        phi_step(P, k->tmp, om, k->eta, k->gr);
        if (!bl_vector_finite(k->tmp)) {
            bl_err_set(k->e, BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g too "
                       "large?)", k->eta);
            return BL_EDIVERGE;
        }
        bl_problem_L_theta(P, k->tmp, om, k->al);
        bl_problem_L_omega(P, k->tmp, om, k->r->grad);
        gsl_vector_memcpy(k->r->theta_end, k->tmp);
        k->r->has_theta_end = 1;
        k->started = 1;
    }
    rk_back(P, &v.vector, om, k->eta, s == k->first, k->al, k->hv, k->cv, k->r->grad);
    return BL_OK;
}

/* The bytes of reverse_k: K stored iterates, or with CK ≥ 1 checkpoints
 * bl_ckpt_run's plus six p-vectors; two d-vectors. */
static double rk_bytes(size_t p, size_t d, size_t K, size_t ck)
{
    if (!ck) return (double)((K + 4) * p * sizeof(double) + 2 * d * sizeof(double));
    return bl_ckpt_bytes(K, ck, p) + (double)((6 * p + 2 * d) * sizeof(double));
}

/* Over mem.max: the error, with the checkpoints that fit when there are.
 * WHO reverse or truncated, ARGS its t= (and k=); PER, FIXED: the bytes of
 * one checkpoint and the rest (rk_bytes, or unroll.c's). */
int bl_hg_unroll_refuse(const bl_hg_ctx *c, const char *who, size_t T, size_t K, size_t ck,
                        double bytes, double per, double fixed, bl_err *e)
{
    char args[64], sug[320] = "";
    if (K == T) snprintf(args, sizeof args, "t=%zu", T);
    else snprintf(args, sizeof args, "t=%zu,k=%zu", T, K);
    size_t fit = bl_ckpt_fit(K, per, fixed, c->mem_max);
    if (fit >= K && K > 1) fit = K - 1;
    if (fit >= 1 && (!ck || fit < ck))
        snprintf(sug, sizeof sug, "%s:%s,checkpoints=%zu (the same number; %zu stored, "
                 "%.0f steps recomputed) or ", who, args, fit, fit,
                 bl_ckpt_recomputed(K, fit));
    if (ck)
        bl_err_set(e, BL_ENOMEM, "%s:%s,checkpoints=%zu needs %.4g MB, over mem.max = "
                   "%.4g MB: use %sforward:t=T (O(pd) memory, no stored iterates)", who,
                   args, ck, bytes / 1e6, c->mem_max / 1e6, sug);
    else
        bl_err_set(e, BL_ENOMEM, "%s:%s stores %zu iterates and needs %.4g MB, over mem.max "
                   "= %.4g MB: use %sforward:t=T (O(pd) memory, no stored iterates) or "
                   "truncated:t=T,k=K (K stored iterates)", who, args, K, bytes / 1e6,
                   c->mem_max / 1e6, sug);
    return BL_ENOMEM;
}

/* Reverse mode over the last K of T steps (K = T: the full reverse), with
 * CK ≥ 1: at most CK stored iterates (checkpoint.h), the same number.
 * With a problem step (own_step: non-smooth and step-map problems) the
 * products are those of its Jacobians, (∂Φ/∂θ)ᵀα and (∂Φ/∂ω)ᵀα, in place
 * of α − ηHα and −ηCα. */
static int reverse_k(size_t T, size_t K, double eta, double from, size_t ck,
                     const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    const char *who = K == T ? "reverse" : "truncated";
    if (K > T) {
        bl_err_set(e, BL_EINVAL, "truncated: k=%zu must not exceed t=%zu", K, T);
        return BL_EINVAL;
    }
    double bytes = rk_bytes(p, d, K, ck);
    if (c->mem_max > 0 && bytes > c->mem_max)
        return bl_hg_unroll_refuse(c, who, T, K, ck, bytes,
                                   (double)(p * sizeof(double) + sizeof(size_t)),
                                   (double)((7 * p + 2 * d) * sizeof(double)), e);
    gsl_matrix *hist = ck ? NULL : gsl_matrix_alloc(K > 0 ? K : 1, p);  /* θ_{T−K} … θ_{T−1} */
    gsl_vector *th = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *al = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p);
    gsl_vector *cv = gsl_vector_alloc(d), *tmp = ck ? gsl_vector_alloc(p) : NULL;
    int st = (hist || ck) && th && gr && al && hv && cv && (tmp || !ck) ? BL_OK : BL_ENOMEM;
    if (st) {
        bl_err_set(e, st, "out of memory for %zu stored iterates", ck ? ck : K);
        goto out;
    }
    unroll_start(c, from, th);
    for (size_t s = 0; s < (ck ? T - K : T); s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        if (!ck && s + K >= T) {
            gsl_vector_view row = gsl_matrix_row(hist, s + K - T);
            gsl_vector_memcpy(&row.vector, th);
        }
        phi_step(P, th, c->omega, eta, gr);           /* θ_{s+1} = Φ(θ_s) */
    }
    if (ck) {                                          /* θ = θ_{T−K} */
        struct rk_ck k = {.c = c, .eta = eta, .first = T - K, .gr = gr, .al = al, .hv = hv,
                          .cv = cv, .tmp = tmp, .r = r, .e = e};
        bl_ckpt_ops ops = {.width = p, .advance = rk_adv, .reverse = rk_rev, .u = &k};
        bl_ckpt_stats cs;
        st = bl_ckpt_run(&ops, T - K, K, ck, th->data, &cs);
        if (st == BL_ENOMEM && !e->code)
            bl_err_set(e, st, "out of memory for %zu stored iterates", ck);
        if (st) goto out;
        r->checkpointed = 1;
        r->stored = cs.stored;
        r->recomputed = cs.forward + 1 - K;            /* the sweep's T − K + K steps */
        r->iters = T;
        r->bytes = (size_t)bytes;
        goto out;
    }
    if (!bl_vector_finite(th)) {
        bl_err_set(e, st = BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g too "
                   "large?)", eta);
        goto out;
    }
    bl_problem_L_theta(P, th, c->omega, al);          /* α_T */
    bl_problem_L_omega(P, th, c->omega, r->grad);      /* g = ∇ωL(θ_T) */
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    for (size_t j = K; j-- > 0;) {                     /* s = T−K+j, from T−1 down */
        gsl_vector_view ts = gsl_matrix_row(hist, j);
        rk_back(P, &ts.vector, c->omega, eta, j == 0, al, hv, cv, r->grad);
    }
    r->iters = T;
    r->bytes = (size_t)bytes;
out:
    gsl_matrix_free(hist);
    gsl_vector_free(th);
    gsl_vector_free(gr);
    gsl_vector_free(al);
    gsl_vector_free(hv);
    gsl_vector_free(cv);
    gsl_vector_free(tmp);
    return st;
}

static const bl_param reverse_params[] = {
    {"t", 100, 1, 1e7, 1, "unrolled steps θ_{s+1} = θ_s − η∇θG(θ_s)", NULL},
    {"eta", 0, 0, INFINITY, 0, "step η; 0: the inner step (1/L_G)", NULL},
    {"from", 0, 0, 1, 1, "θ₀: zero or the current θ", from_choices},
    {"method", 0, 0, 2, 1, "the unrolled iteration: gd, heavyball (θ⁺ = Φ(θ) + β(θ − θ⁻)) "
     "or nesterov (θ⁺ = Φ(θ + β(θ − θ⁻)))", bl_unroll_method_names},
    {"beta", 0.9, 0, 0.999, 0, "momentum β of method=heavyball and method=nesterov", NULL},
    {"batch", 0, 0, 1e9, 1, "minibatch: each unrolled step on inner batches of this size (sampler, "
     "seed: the settings; 0: full batch)", NULL},
    {"seed", -1, -1, 4294967295.0, 1, "the minibatch seed; -1: the setting seed", NULL},
    {"checkpoints", 0, 0, 1e7, 1, "store at most this many iterates and recompute the "
     "others (binomial checkpointing, revolve): the same number; 0: store all", NULL},
    {"solver", 0, 0, 1, 1, "step: unroll t steps Φ; cd: t sweeps of coordinate descent "
     "(lasso, enet; stores t iterates)", unroll_solver_choices},
};

/* Momentum (method=) or a learned η (learn_eta=1): unroll.c; plain gd
 * steps: reverse_k above. */
static int reverse_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    int stoch, st;
    if (par[8] != 0) {
        if (par[5] != 0 || par[7] != 0) {
            bl_err_set(e, BL_EUNSUPPORTED, "reverse: solver=cd takes neither batch= nor "
                       "checkpoints=");
            return BL_EUNSUPPORTED;
        }
        return bl_unroll_cd_reverse((size_t)par[0], par[2], (int)par[3], par[1], c, r, e);
    }
    st = bl_stoch_est_mode(c, "reverse", par[5], &stoch, e);
    if (st) return st;
    if (stoch && par[7] != 0) {
        bl_err_set(e, BL_EUNSUPPORTED, "reverse: checkpoints= recomputes the unrolled steps, "
                   "which batch= draws at random: not both");
        return BL_EUNSUPPORTED;
    }
    if (stoch && (par[3] != 0 || c->P->eta_slot || own_step(c->P))) {
        bl_err_set(e, BL_EUNSUPPORTED, "reverse: batch= unrolls plain gradient steps "
                   "θ − η∇θG_B(θ) only (method=gd, no learned η, a smooth problem)");
        return BL_EUNSUPPORTED;
    }
    if (stoch)
        return bl_stoch_reverse((size_t)par[0], step_of(&par[1], c), par[2], (size_t)par[5],
                                par[6], c, r, e);
    if (par[3] != 0 || c->P->eta_slot)
        return bl_unroll_reverse((size_t)par[0], (size_t)par[0], par[1], par[2], (int)par[3],
                                 par[4], (size_t)par[7], c, r, e);
    return reverse_k((size_t)par[0], (size_t)par[0], step_of(&par[1], c), par[2],
                     (size_t)par[7], c, r, e);
}

static const bl_param truncated_params[] = {
    {"t", 100, 1, 1e7, 1, "unrolled steps", NULL},
    {"k", 10, 1, 1e7, 1, "only the last k steps are differentiated (k ≤ t)", NULL},
    {"eta", 0, 0, INFINITY, 0, "step η; 0: the inner step (1/L_G)", NULL},
    {"from", 0, 0, 1, 1, "θ₀: zero or the current θ", from_choices},
    {"method", 0, 0, 2, 1, "the unrolled iteration: gd, heavyball (θ⁺ = Φ(θ) + β(θ − θ⁻)) "
     "or nesterov (θ⁺ = Φ(θ + β(θ − θ⁻)))", bl_unroll_method_names},
    {"beta", 0.9, 0, 0.999, 0, "momentum β of method=heavyball and method=nesterov", NULL},
    {"checkpoints", 0, 0, 1e7, 1, "store at most this many iterates and recompute the "
     "others (binomial checkpointing, revolve): the same number; 0: store all", NULL},
};

static int truncated_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    if (par[4] != 0 || c->P->eta_slot)
        return bl_unroll_reverse((size_t)par[0], (size_t)par[1], par[2], par[3], (int)par[4],
                                 par[5], (size_t)par[6], c, r, e);
    return reverse_k((size_t)par[0], (size_t)par[1], step_of(&par[2], c), par[3],
                     (size_t)par[6], c, r, e);
}

static const bl_param forward_params[] = {
    {"t", 100, 1, 1e7, 1, "unrolled steps", NULL},
    {"eta", 0, 0, INFINITY, 0, "step η; 0: the inner step (1/L_G)", NULL},
    {"from", 0, 0, 1, 1, "θ₀: zero or the current θ", from_choices},
    {"method", 0, 0, 2, 1, "the unrolled iteration: gd, heavyball (θ⁺ = Φ(θ) + β(θ − θ⁻)) "
     "or nesterov (θ⁺ = Φ(θ + β(θ − θ⁻)))", bl_unroll_method_names},
    {"beta", 0.9, 0, 0.999, 0, "momentum β of method=heavyball and method=nesterov", NULL},
    {"solver", 0, 0, 1, 1, "step: unroll t steps Φ; cd: t sweeps of coordinate descent "
     "(lasso, enet), the Jacobian carried coordinate by coordinate", unroll_solver_choices},
};

static int forward_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    if (par[5] != 0)
        return bl_unroll_cd_forward((size_t)par[0], par[2], (int)par[3], par[1], c, r, e);
    if (par[3] != 0 || c->P->eta_slot)
        return bl_unroll_forward((size_t)par[0], par[1], par[2], (int)par[3], par[4], c, r, e);
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d, T = (size_t)par[0];
    double eta = step_of(&par[1], c);
    size_t bytes = (p * d + 4 * p + d) * sizeof(double);
    if (mem_check(c, "forward (a p×d Jacobian)", bytes, e)) return BL_ENOMEM;
    gsl_matrix *Z = gsl_matrix_calloc(p, d);          /* dθ_s/dω */
    gsl_vector *th = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *hz = gsl_vector_alloc(p), *ct = gsl_vector_alloc(p);
    gsl_vector *ei = gsl_vector_calloc(d);
    int st = Z && th && gr && hz && ct && ei ? BL_OK : BL_ENOMEM;
    if (st) goto out;
    unroll_start(c, par[2], th);
    for (size_t s = 0; s < T; s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        for (size_t i = 0; i < d; i++) {
            /* column i: Z_i ← Z_i − η (H(θ_s) Z_i + Cᵀ(θ_s) e_i); Z₀ = 0 */
            gsl_vector_view zi = gsl_matrix_column(Z, i);
            gsl_vector_set_basis(ei, i);
            if (own_step(P)) {                         /* Z_i ← ∂Φ/∂θ Z_i + ∂Φ/∂ω e_i */
                bl_problem_step_jvp(P, th, c->omega, eta, s > 0 ? &zi.vector : NULL, ei, hz);
                gsl_vector_memcpy(&zi.vector, hz);
                continue;
            }
            bl_problem_ctvp(P, th, c->omega, ei, ct);
            if (s > 0) {
                bl_problem_hvp(P, th, c->omega, &zi.vector, hz);
                gsl_vector_add(ct, hz);
            }
            gsl_blas_daxpy(-eta, ct, &zi.vector);
        }
        phi_step(P, th, c->omega, eta, gr);
    }
    if (!bl_vector_finite(th)) {
        bl_err_set(e, st = BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g too "
                   "large?)", eta);
        goto out;
    }
    bl_problem_L_theta(P, th, c->omega, gr);
    bl_problem_L_omega(P, th, c->omega, r->grad);
    gsl_blas_dgemv(CblasTrans, 1.0, Z, gr, 1.0, r->grad);   /* + Zᵀ∇θL(θ_T) */
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    r->iters = T;
    r->bytes = bytes;
out:
    if (st == BL_ENOMEM) bl_err_set(e, st, "out of memory for the p×d Jacobian");
    gsl_matrix_free(Z);
    gsl_vector_free(th);
    gsl_vector_free(gr);
    gsl_vector_free(hz);
    gsl_vector_free(ct);
    gsl_vector_free(ei);
    return st;
}

/* ---- first-order, onestep, penalty ---- */

static int first_order_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                           bl_err *e)
{
    (void)par;
    (void)e;
    bl_problem_L_omega(c->P, c->theta, c->omega, r->grad);
    r->bytes = 0;
    return BL_OK;
}

static const bl_param onestep_params[] = {
    {"eta", 0, 0, INFINITY, 0, "step η of Φ; 0: the inner step (1/L_G)", NULL},
};

static int onestep_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                       bl_err *e)
{
    (void)e;
    bl_problem *P = c->P;
    double eta = step_of(&par[0], c);
    int learn = P->eta_slot && par[0] <= 0;            /* learn_eta: η = e^{ω_slot} */
    if (learn) eta = exp(gsl_vector_get(c->omega, P->eta_slot - 1));
    gsl_vector *th1 = gsl_vector_alloc(P->p), *gl = gsl_vector_alloc(P->p);
    gsl_vector *cv = gsl_vector_alloc(P->d);
    if (!th1 || !gl || !cv) {
        gsl_vector_free(th1);
        gsl_vector_free(gl);
        gsl_vector_free(cv);
        return BL_ENOMEM;
    }
    gsl_vector_memcpy(th1, c->theta);
    phi_step(P, th1, c->omega, eta, gl);               /* θ' = Φ(θ, ω) */
    bl_problem_L_theta(P, th1, c->omega, gl);
    bl_problem_L_omega(P, th1, c->omega, r->grad);
    if (own_step(P)) {                                 /* + (∂Φ/∂ω)ᵀ∇θL(θ') */
        bl_problem_step_vjp(P, c->theta, c->omega, eta, gl, NULL, cv);
        if (P->eta_slot && !learn) gsl_vector_set(cv, P->eta_slot - 1, 0.0);
        gsl_vector_add(r->grad, cv);
    } else {
        bl_problem_cvp(P, c->theta, c->omega, gl, cv);
        gsl_blas_daxpy(-eta, cv, r->grad);             /* − η C(θ) ∇θL(θ') */
    }
    gsl_vector_memcpy(r->theta_end, th1);
    r->bytes = 2 * P->p * sizeof(double);
    gsl_vector_free(th1);
    gsl_vector_free(gl);
    gsl_vector_free(cv);
    return BL_OK;
}

static const bl_param penalty_params[] = {
    {"lam", 100, 1e-12, 1e12, 0, "the penalty Λ (error O(1/Λ))", NULL},
};

/* θ_Λ = argmin L + ΛG from the current θ: gradient descent with Armijo
 * backtracking (the curvature of L is not known), to ‖∇‖ ≤ Λ·inner.tol. */
static int penalty_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                       bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d, it;
    double lam = par[0];
    gsl_vector *th = gsl_vector_alloc(p), *tr = gsl_vector_alloc(p);
    gsl_vector *g = gsl_vector_alloc(p), *gg = gsl_vector_alloc(p);
    gsl_vector *gt = gsl_vector_alloc(p);
    gsl_vector *w1 = gsl_vector_alloc(d), *w2 = gsl_vector_alloc(d);
    int st = th && tr && g && gg && gt && w1 && w2 ? BL_OK : BL_ENOMEM;
    if (st) goto out;
    gsl_vector_memcpy(th, c->theta);
    double s = c->eta / lam * (c->eta > 0 ? 1 : 0);
    if (!(s > 0)) s = 1 / lam;
    double tol = lam * c->inner->tol, gn = NAN;
    /* the solve for θ_Λ, counted as an inner solve with residual
     * ‖∇(L + ΛG)‖/Λ (the scale of ‖∇θG‖ that inner.tol is set for) */
    bl_solve_info in = {.status = BL_OK};
    for (it = 0;; it++) {
        bl_problem_L_theta(P, th, c->omega, g);
        bl_problem_G_theta(P, th, c->omega, gg);
        gsl_blas_daxpy(lam, gg, g);                    /* ∇(L + ΛG) */
        gn = gsl_blas_dnrm2(g);
        if (gn <= tol) break;
        if (it >= c->inner->maxit) {
            in.status = BL_EMAXITER;
            if (c->keep_unconverged) break;
            bl_err_set(e, st = BL_EMAXITER, "penalty: the solve for θ_Λ stopped after %zu "
                       "iterations with ‖∇(L + ΛG)‖ = %.3g > Λ·inner.tol = %.3g", it, gn, tol);
            goto out;
        }
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        double f0 = bl_problem_L(P, th, c->omega) + lam * bl_problem_G(P, th, c->omega);
        int ok = 0;
        for (int k = 0; k < 60 && !ok; k++, s *= 0.5) {
            gsl_vector_memcpy(tr, th);
            gsl_blas_daxpy(-s, g, tr);
            double want = 1e-4 * s * gn * gn;
            if (want > 1e-12 * fabs(f0)) {
                double f1 = bl_problem_L(P, tr, c->omega) + lam * bl_problem_G(P, tr, c->omega);
                ok = f1 <= f0 - want;
            } else {
                /* next to the minimum the decrease drowns in the round-off
                 * of L + ΛG: accept a step that shrinks the gradient */
                bl_problem_L_theta(P, tr, c->omega, gg);
                bl_problem_G_theta(P, tr, c->omega, gt);
                gsl_blas_daxpy(lam, gt, gg);
                ok = gsl_blas_dnrm2(gg) < (1 - 1e-4) * gn;
            }
            if (ok) break;
        }
        if (!ok) {                                     /* at round-off: done */
            in.status = BL_ESTALL;
            break;
        }
        gsl_vector_memcpy(th, tr);
        s *= 1.5;                                      /* let the step grow back */
    }
    in.iters = it;
    in.resid = gn / lam;
    in.converged = gn <= tol;
    bl_tally_add(&r->inner, &in);
    /* g = ∇ωL(θ_Λ) + Λ(∇ωG(θ_Λ) − ∇ωG(θ)) */
    bl_problem_L_omega(P, th, c->omega, r->grad);
    bl_problem_G_omega(P, th, c->omega, w1);
    bl_problem_G_omega(P, c->theta, c->omega, w2);
    gsl_vector_sub(w1, w2);
    gsl_blas_daxpy(lam, w1, r->grad);
    gsl_vector_memcpy(r->theta_end, th);
    r->iters = it;
    r->bytes = 4 * p * sizeof(double);
out:
    if (st == BL_ENOMEM) bl_err_set(e, st, "out of memory");
    gsl_vector_free(th);
    gsl_vector_free(tr);
    gsl_vector_free(g);
    gsl_vector_free(gg);
    gsl_vector_free(gt);
    gsl_vector_free(w1);
    gsl_vector_free(w2);
    return st;
}

/* ---- fd: central differences of F, each inner problem solved to tol ---- */

static const bl_param fd_params[] = {
    {"h", 1e-5, 1e-12, 1.0, 0, "difference step in each ω coordinate", NULL},
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
        double F[2] = {0, 0}, w = gsl_vector_get(c->omega, i);
        for (int k = 0; k < 2 && st == BL_OK; k++) {
            bl_solve_info in;
            gsl_vector_memcpy(om, c->omega);
            gsl_vector_set(om, i, k == 0 ? w + h : w - h);
            st = bl_value_F_info(P, c->inner, om, c->theta, &F[k], &in, c->cancel, e);
            if (st == BL_OK || st == BL_EMAXITER) bl_tally_add(&r->inner, &in);
            if (st == BL_EMAXITER && c->keep_unconverged) st = BL_OK;
            else if (st == BL_EMAXITER)
                bl_err_set(e, st, "fd: the inner solve at omega[%zu]±h did not reach "
                           "inner.tol=%g within inner.maxit=%zu iterations (residual %.3g)",
                           i, c->inner->tol, c->inner->maxit, in.resid);
        }
        if (st && st != BL_EINTR && st != BL_EMAXITER) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e ? e->msg : bl_strerror(st));
            bl_err_set(e, st, "fd: inner solve at omega[%zu]±h failed: %s", i, why);
        }
        gsl_vector_set(r->grad, i, (F[0] - F[1]) / (2 * h));
    }
    r->bytes = 2 * P->p * sizeof(double);
    gsl_vector_free(om);
    return st;
}

/* ---- the table ---- */

#define NPAR(a) (sizeof(a) / sizeof((a)[0]))

/* truncated approximates reverse over all t steps (same t, η, θ₀): the
 * parameters of that name carry over.  k = t: it is reverse, no split. */
static int truncated_split(const double *par, struct bl_spec *full)
{
    int t = bl_param_find(truncated_params, NPAR(truncated_params), "t");
    int k = bl_param_find(truncated_params, NPAR(truncated_params), "k");
    if (par[k] >= par[t] || bl_spec_parse("reverse", full, NULL) != BL_OK) return 0;
    for (size_t i = 0; i < full->type->nparams; i++) {
        int j = bl_param_find(truncated_params, NPAR(truncated_params),
                              full->type->params[i].name);
        if (j >= 0) full->par[i] = par[j];
    }
    return 1;
}

static const bl_estimator_type exact_type = {
    .name = "exact",
    .help = "implicit differentiation with a = H⁻¹∇θL by dense Cholesky",
    .cost = "one dense H (or p H-products), one C-product; O(p²) memory",
    .params = exact_params, .nparams = NPAR(exact_params),
    .needs = BL_EST_NEEDS_PD | BL_EST_NEEDS_ADJOINT,
    .flags = BL_EST_REFERENCE | BL_EST_DENSE_H,
    .pd_param = "pinv",
    .kind = BL_EST_IMPLICIT, .error_name = "linear solve",
    .run = exact_run,
};
static const bl_estimator_type cg_type = {
    .name = "cg",
    .help = "conjugate gradients on H a = ∇θL from a₀ = 0 (warm=1: the last adjoint)",
    .cost = "k H-products, one C-product; O(p) memory",
    .params = cg_params, .nparams = NPAR(cg_params),
    .needs = BL_EST_NEEDS_PD | BL_EST_NEEDS_ADJOINT,
    .flags = BL_EST_PD_CHECKED,
    .adjoint = "cg", .live = "cg:k=10",
    .kind = BL_EST_IMPLICIT, .error_name = "linear solve",
    .run = cg_run,
};
static const bl_estimator_type neumann_type = {
    .name = "neumann",
    .help = "Neumann series a = η Σ_{j=0}^{k} (I − ηH)^j ∇θL",
    .cost = "k H-products, one C-product; O(p) memory; converges iff max|1 − ηλ| < 1",
    .params = neumann_params, .nparams = NPAR(neumann_params),
    .needs = BL_EST_NEEDS_ADJOINT | BL_EST_NEEDS_CONTRACTION,
    .adjoint = "neumann", .live = "neumann:k=20",
    .kind = BL_EST_IMPLICIT, .error_name = "linear solve",
    .run = neumann_run,
};
static const bl_estimator_type fp_type = {
    .name = "fp",
    .help = "fixed point a_{j+1} = (I − ηH) a_j + η∇θL from a₀ = 0, result a_k",
    .cost = "k − 1 H-products, one C-product; O(p) memory; converges iff max|1 − ηλ| < 1",
    .params = fp_params, .nparams = NPAR(fp_params),
    .needs = BL_EST_NEEDS_ADJOINT | BL_EST_NEEDS_CONTRACTION,
    .adjoint = "fp", .live = "fp:k=20",
    .kind = BL_EST_IMPLICIT, .error_name = "linear solve",
    .run = fp_run,
};
static const bl_estimator_type reverse_type = {
    .name = "reverse",
    .help = "reverse-mode derivative of t unrolled steps θ_{s+1} = θ_s − η∇θG(θ_s)",
    .cost = "t gradient steps, t − 1 H-products, t C-products; stores t iterates (t·p "
            "memory), or c with checkpoints=c and recomputes steps (doc/estimators.md)",
    .params = reverse_params, .nparams = NPAR(reverse_params),
    .flags = BL_EST_UNROLLS,
    .live = "reverse:t=50",
    .kind = BL_EST_UNROLLED, .error_name = "unrolling (t steps)",
    .run = reverse_run,
};
static const bl_estimator_type forward_type = {
    .name = "forward",
    .help = "forward-mode derivative of t unrolled steps (the same number as reverse)",
    .cost = "t gradient steps, (t − 1)·d H-products, t·d C-products; O(p·d) memory",
    .params = forward_params, .nparams = NPAR(forward_params),
    .flags = BL_EST_UNROLLS | BL_EST_NOT_LIVE,
    .kind = BL_EST_UNROLLED, .error_name = "unrolling (t steps)",
    .run = forward_run,
};
static const bl_estimator_type truncated_type = {
    .name = "truncated",
    .help = "reverse mode through only the last k of t unrolled steps",
    .cost = "t gradient steps, k − 1 H-products, k C-products; stores k iterates, or c "
            "with checkpoints=c",
    .params = truncated_params, .nparams = NPAR(truncated_params),
    .flags = BL_EST_UNROLLS,
    .live = "truncated:t=50,k=5",
    .kind = BL_EST_UNROLLED, .error_name = "unrolling (t steps)",
    .split = truncated_split, .split_name = "truncation (last k of t)",
    .run = truncated_run,
};
static const bl_estimator_type first_order_type = {
    .name = "first-order",
    .help = "∇ωL(θ, ω): drops the implicit term",
    .cost = "one gradient call; no memory",
    .kind = BL_EST_OTHER, .error_name = "dropped implicit term",
    .run = first_order_run,
};
static const bl_estimator_type onestep_type = {
    .name = "onestep",
    .help = "hypergradient of L(Φ(θ, ω), ω): one unrolled step (second-order DARTS)",
    .cost = "three gradient calls, one C-product; O(p) memory",
    .params = onestep_params, .nparams = NPAR(onestep_params),
    .flags = BL_EST_UNROLLS,
    .kind = BL_EST_OTHER, .error_name = "one-step approximation",
    .run = onestep_run,
};
static const bl_estimator_type penalty_type = {
    .name = "penalty",
    .help = "Hessian-free value-function estimate (F2SA) with θ_Λ = argmin L + ΛG",
    .cost = "a gradient-descent solve of L + ΛG; no H- or C-products; O(p) memory",
    .params = penalty_params, .nparams = NPAR(penalty_params),
    .kind = BL_EST_OTHER, .error_name = "penalty bias O(1/Λ)",
    .run = penalty_run,
};
static const bl_estimator_type fd_type = {
    .name = "fd",
    .help = "central finite differences of F, each inner problem solved to inner.tol",
    .cost = "2d inner solves; O(p) memory",
    .params = fd_params, .nparams = NPAR(fd_params),
    .kind = BL_EST_OTHER, .error_name = "differencing",
    .run = fd_run,
};

#ifdef BL_TEST_EXTRA_ESTIMATOR
/* A throwaway estimator for the test build (tests/test_plugin.c): half of
 * exact.  One function and one row below, nothing else: hypergrad, help,
 * completion, the warnings and advice, the dashboard's cycle and the
 * estimator × problem table pick it up from the table. */
static int halfexact_run(const double *par, const bl_hg_ctx *c, bl_hg_result *r,
                         bl_err *e)
{
    int st = exact_run(par, c, r, e);
    if (st == BL_OK) {
        gsl_vector_scale(r->grad, 0.5);
        gsl_vector_scale(r->adjoint, 0.5);
    }
    return st;
}

static const bl_estimator_type halfexact_type = {
    .name = "halfexact",
    .help = "half of exact (a test build's throwaway estimator)",
    .cost = "as exact",
    .params = exact_params, .nparams = NPAR(exact_params),
    .needs = BL_EST_NEEDS_PD | BL_EST_NEEDS_ADJOINT,
    .flags = BL_EST_DENSE_H,
    .pd_param = "pinv",
    .kind = BL_EST_OTHER, .error_name = "halving",
    .run = halfexact_run,
};
#define EXTRA_ESTIMATOR &halfexact_type,
#else
#define EXTRA_ESTIMATOR
#endif

const bl_estimator_type *const bl_estimators[] = {
    &exact_type, &cg_type, &neumann_type, &fp_type, &reverse_type, &forward_type,
    &truncated_type, &first_order_type, &onestep_type, &penalty_type, &fd_type,
    EXTRA_ESTIMATOR NULL,
};

#define MAX_ESTIMATORS 32

static size_t estimator_names(const char **names)
{
    size_t n = 0;
    for (; n < MAX_ESTIMATORS && bl_estimators[n]; n++) names[n] = bl_estimators[n]->name;
    return n;
}

const bl_estimator_type *bl_estimator_lookup(const char *name)
{
    const char *names[MAX_ESTIMATORS];
    int k = bl_lookup(name, names, estimator_names(names), "estimator", NULL, NULL);
    return k >= 0 ? bl_estimators[k] : NULL;
}

/* ITEMS[0..N−1] as "a, b LAST c" into BUF. */
static void join_items(char *buf, size_t len, const char *const *items, size_t n,
                       const char *last)
{
    buf[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(buf);
        snprintf(buf + k, len - k, "%s%s", i == 0 ? "" : i + 1 == n ? last : ", ", items[i]);
    }
}

void bl_estimator_names(unsigned needs, char *buf, size_t len)
{
    const char *items[MAX_ESTIMATORS];
    size_t n = 0;
    for (size_t i = 0; bl_estimators[i] && n < MAX_ESTIMATORS; i++)
        if ((bl_estimators[i]->needs & needs) == needs) items[n++] = bl_estimators[i]->name;
    join_items(buf, len, items, n, " and ");
}

/* Whether T belongs in the advice (not_pd: where H is not positive
 * definite; else: where the dense H is over mem.max). */
static int advised(const bl_estimator_type *T, int not_pd)
{
    if (not_pd) return !(T->needs & BL_EST_NEEDS_PD) || T->pd_param;
    return !(T->flags & BL_EST_DENSE_H);
}

/* The advice of bl_estimator_advice_not_pd (NOT_PD) or
 * bl_estimator_advice_matrix_free, LAST before its last item. */
static void advice(char *buf, size_t len, int not_pd, const char *last)
{
    char item[MAX_ESTIMATORS][96], contracting[256];
    const char *items[MAX_ESTIMATORS];
    size_t n = 0;
    int group = -1;                 /* where the contracting ones go, together */
    /* by family: implicit, then unrolled (whole or one step), then the rest */
    for (size_t pass = 0; pass < 3; pass++)
        for (size_t i = 0; bl_estimators[i] && n < MAX_ESTIMATORS; i++) {
            const bl_estimator_type *T = bl_estimators[i];
            size_t family = T->kind == BL_EST_IMPLICIT ? 0 : T->flags & BL_EST_UNROLLS ? 1 : 2;
            if (family != pass || !advised(T, not_pd)) continue;
            if (T->needs & BL_EST_NEEDS_CONTRACTION) {
                if (group < 0) group = (int)n++;
                continue;
            }
            if (not_pd && (T->needs & BL_EST_NEEDS_PD))
                snprintf(item[n], sizeof item[n], "%s:%s", T->name, T->pd_param);
            else snprintf(item[n], sizeof item[n], "%s", T->name);
            n++;
        }
    if (group >= 0) {
        const char *names[MAX_ESTIMATORS];
        size_t m = 0;
        for (size_t i = 0; bl_estimators[i] && m < MAX_ESTIMATORS; i++)
            if ((bl_estimators[i]->needs & BL_EST_NEEDS_CONTRACTION)
                && advised(bl_estimators[i], not_pd))
                names[m++] = bl_estimators[i]->name;
        join_items(contracting, sizeof contracting, names, m, " or ");
        snprintf(item[group], sizeof item[group], "%.70s with a contracting η", contracting);
    }
    for (size_t i = 0; i < n; i++) items[i] = item[i];
    join_items(buf, len, items, n, last);
}

void bl_estimator_advice_not_pd(char *buf, size_t len)
{
    advice(buf, len, 1, " or ");
}

void bl_estimator_advice_matrix_free(char *buf, size_t len)
{
    advice(buf, len, 0, ", ");
}

/* ---- specs ---- */

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
    const char *all[MAX_ESTIMATORS];
    int k = bl_lookup(buf, all, estimator_names(all), "estimator", NULL, e);
    if (k < 0) return BL_EINVAL;
    const bl_estimator_type *T = bl_estimators[k];
    bl_spec out = {.type = T};
    snprintf(out.text, sizeof out.text, "%s", text);
    for (size_t k = strlen(out.text); k > 0 && isspace((unsigned char)out.text[k - 1]); k--)
        out.text[k - 1] = 0;
    for (size_t i = 0; i < T->nparams; i++) out.par[i] = T->params[i].def;
    char *rest = colon ? colon + 1 : NULL, *save = NULL;
    unsigned long long seen = 0;            /* parameters given so far */
    for (char *kv = rest ? strtok_r(rest, ",", &save) : NULL; kv;
         kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        double v = 1.0;
        if (eq) *eq = 0;
        int idx = bl_param_find(T->params, T->nparams, kv);
        if (idx >= 0 && idx < 64 && (seen >> idx & 1)) {
            bl_err_set(e, BL_EINVAL, "%s: %s is given twice", T->name, kv);
            return BL_EINVAL;
        }
        if (idx >= 0 && idx < 64) seen |= 1ull << idx;
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
        if (!eq && T->params[idx].choices) {
            bl_err_set(e, BL_EINVAL, "%s: %s needs a value (%s=...)", T->name, kv, kv);
            return BL_EINVAL;
        }
        /* "auto" is −1 for a numeric parameter whose range starts there (cg's tol) */
        int isauto = eq && T->params[idx].lo == -1 && !T->params[idx].choices
                     && !strcmp(eq + 1, "auto");
        if (isauto) v = -1;
        else if (eq && bl_param_parse(&T->params[idx], eq + 1, &v, &pe)) {
            bl_err_set(e, BL_EINVAL, "%s: %s", T->name, pe.msg);
            return BL_EINVAL;
        }
        if (!eq && bl_param_check(&T->params[idx], v, &pe)) {
            bl_err_set(e, BL_EINVAL, "%s: %s", T->name, pe.msg);
            return BL_EINVAL;
        }
        out.par[idx] = v;
    }
    *s = out;
    return BL_OK;
}

size_t bl_spec_batch(const bl_spec *s)
{
    int k = bl_param_find(s->type->params, s->type->nparams, "batch");
    return k >= 0 && s->par[k] > 0 ? (size_t)s->par[k] : 0;
}

int bl_spec_needs_pd(const bl_spec *s)
{
    const bl_estimator_type *T = s->type;
    if (!(T->needs & BL_EST_NEEDS_PD)) return 0;
    int k = T->pd_param ? bl_param_find(T->params, T->nparams, T->pd_param) : -1;
    return k < 0 || s->par[k] == 0;
}

int bl_spec_is_reference(const bl_spec *s)
{
    return (s->type->flags & BL_EST_REFERENCE) && bl_spec_needs_pd(s);
}

/* ---- running one ---- */

static int hypergrad_run(const bl_spec *s, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);

int bl_hypergrad(const bl_spec *s, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    /* scratch for the vectors the caller does not want back */
    gsl_vector *a = NULL, *t = NULL;
    if (!r->adjoint && !(r->adjoint = a = gsl_vector_alloc(c->P->p))) return BL_ENOMEM;
    if (!r->theta_end && !(r->theta_end = t = gsl_vector_alloc(c->P->p))) {
        gsl_vector_free(a);
        r->adjoint = NULL;
        return BL_ENOMEM;
    }
    int st = hypergrad_run(s, c, r, e);
    if (a) r->adjoint = NULL;
    if (t) r->theta_end = NULL;
    gsl_vector_free(a);
    gsl_vector_free(t);
    return st;
}

static int hypergrad_run(const bl_spec *s, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    unsigned long h0 = P->n_hvp, c0 = P->n_cvp, g0 = P->n_grad;
    r->has_adjoint = 0;
    r->has_theta_end = 0;
    r->adjoint_residual = NAN;
    r->bytes = 0;
    r->iters = 0;
    r->checkpointed = 0;
    r->stored = r->recomputed = 0;
    r->inner = (bl_solve_tally){0, 0, 0};
    r->bound = NAN;
    r->bound_certified = 0;
    r->bound_note[0] = 0;
    r->binfo.mu = NAN;
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
        if (c->bound && s->type->kind == BL_EST_IMPLICIT) {
            /* the bound is a report too: its products are not counted */
            unsigned long e0 = P->n_eval;
            bl_bound b;
            if (bl_bound_prepare(P, c->theta, c->omega, &b) == BL_OK) {
                bl_bound_finish(&b, nr);
                r->bound = b.bound;
                r->bound_certified = b.certified;
                r->binfo = b;
            }
            snprintf(r->bound_note, sizeof r->bound_note, "%s", b.why);
            P->n_eval = e0;
        }
        P->n_hvp = h0 + r->hvp;
        P->n_cvp = c0 + r->cvp;
        P->n_grad = g0 + r->grad_calls;
    }
    if (st == BL_OK && c->bound && s->type->kind != BL_EST_IMPLICIT)
        snprintf(r->bound_note, sizeof r->bound_note, "no bound: %s is not an implicit "
                 "estimator", s->type->name);
    return st;
}

/* ---- --explain: the error split into its sources ---- */

void bl_explain_release(bl_explain *x)
{
    if (!x) return;
    gsl_vector_free(x->g);
    gsl_vector_free(x->gstar);
    gsl_vector_free(x->total);
    for (size_t i = 0; i < 3; i++) gsl_vector_free(x->part[i]);
    memset(x, 0, sizeof *x);
}

int bl_explain_run(const bl_spec *s, const bl_hg_ctx *c, bl_explain *x, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    int st = BL_ENOMEM;
    memset(x, 0, sizeof *x);
    gsl_vector *tstar = gsl_vector_alloc(p), *a = gsl_vector_alloc(p);
    gsl_vector *tend = gsl_vector_alloc(p), *gref = gsl_vector_alloc(d);
    gsl_vector *gl = gsl_vector_alloc(p);
    x->g = gsl_vector_alloc(d);
    x->gstar = gsl_vector_alloc(d);
    x->total = gsl_vector_alloc(d);
    for (size_t i = 0; i < 3; i++) x->part[i] = gsl_vector_calloc(d);
    if (!tstar || !a || !tend || !gref || !gl || !x->g || !x->gstar || !x->total
        || !x->part[0] || !x->part[1] || !x->part[2])
        goto out;
    x->inner_residual = bl_inner_residual(P, c->theta, c->omega, c->eta);

    /* the estimate */
    bl_hg_result r = {.grad = x->g, .adjoint = a, .theta_end = tend};
    st = bl_hypergrad(s, c, &r, e);
    if (st) goto out;

    /* g* = exact at a tightly solved θ*: the problem's closed form, else the
     * inner solver from θ to min(inner.tol, 1e-12) */
    gsl_vector_memcpy(tstar, c->theta);
    x->star_converged = 1;
    x->star_residual = 0;
    if (!P->type->theta_star || P->type->theta_star(P, c->omega, tstar) != BL_OK) {
        bl_inner_conf tight = *c->inner;
        tight.tol = fmin(tight.tol, 1e-12);
        tight.maxit *= 10;
        gsl_vector_memcpy(tstar, c->theta);
        bl_solve_info in;
        st = bl_inner_solve_info(P, &tight, c->omega, tstar, &in, c->cancel, e);
        if (st == BL_EMAXITER || st == BL_ESTALL) st = BL_OK;
        if (st) goto out;
        /* a stall at round-off just above 1e-12 still gives g* to the
         * accuracy inner.tol asks for */
        x->star_converged = in.converged || in.resid <= c->inner->tol;
        x->star_residual = in.resid;
    }
    bl_err pe;
    if (exact_at(c, tstar, 0, a, x->gstar, &pe) != BL_OK
        && (st = exact_at(c, tstar, 1, a, x->gstar, e)) != BL_OK)
        goto out;

    /* the point the method's own error is measured from */
    const gsl_vector *tref = s->type->kind == BL_EST_UNROLLED && r.has_theta_end
                             ? tend : c->theta;
    gsl_vector *tref_copy = gsl_vector_alloc(p);
    if (!tref_copy) {
        st = BL_ENOMEM;
        goto out;
    }
    gsl_vector_memcpy(tref_copy, tref);
    if (exact_at(c, tref_copy, 0, a, gref, &pe) != BL_OK
        && (st = exact_at(c, tref_copy, 1, a, gref, e)) != BL_OK) {
        gsl_vector_free(tref_copy);
        goto out;
    }
    gsl_vector_free(tref_copy);

    /* inner: g_exact(θ_ref) − g*; method: g − g_exact(θ_ref); where the
     * type has a split (truncated) the method part splits into the error of
     * the method it approximates (reverse over all t steps: unrolling) and
     * the rest (truncation: the last k only) */
    x->name[0] = s->type->kind == BL_EST_UNROLLED ? "inner (θ_T is not θ*)"
                                                   : "inner (θ is not θ*)";
    gsl_vector_memcpy(x->part[0], gref);
    gsl_vector_sub(x->part[0], x->gstar);
    x->nparts = 2;
    x->name[1] = s->type->error_name;
    bl_spec full;
    if (s->type->split && s->type->split(s->par, &full)) {
        gsl_vector *gfull = gsl_vector_alloc(d);
        bl_hg_result rf = {.grad = gfull, .adjoint = a, .theta_end = tend};
        st = gfull ? bl_hypergrad(&full, c, &rf, e) : BL_ENOMEM;
        if (st) {
            gsl_vector_free(gfull);
            goto out;
        }
        gsl_vector_memcpy(x->part[1], gfull);
        gsl_vector_sub(x->part[1], gref);
        x->name[1] = full.type->error_name;
        gsl_vector_memcpy(x->part[2], x->g);
        gsl_vector_sub(x->part[2], gfull);
        x->name[2] = s->type->split_name;
        x->nparts = 3;
        gsl_vector_free(gfull);
    } else {
        gsl_vector_memcpy(x->part[1], x->g);
        gsl_vector_sub(x->part[1], gref);
    }
    gsl_vector_memcpy(x->total, x->g);
    gsl_vector_sub(x->total, x->gstar);
    st = BL_OK;
out:
    /* an estimator over mem.max has said so already */
    if (st == BL_ENOMEM && (!e || e->code != BL_ENOMEM)) bl_err_set(e, st, "out of memory");
    gsl_vector_free(tstar);
    gsl_vector_free(a);
    gsl_vector_free(tend);
    gsl_vector_free(gref);
    gsl_vector_free(gl);
    if (st) bl_explain_release(x);
    return st;
}

/* ---- estimators side by side with the reference ---- */

void bl_hg_cmp_free(bl_hg_cmp *x)
{
    if (!x) return;
    for (size_t i = 0; x->e && i <= x->n; i++) {
        gsl_vector_free(x->e[i].r.grad);
        gsl_vector_free(x->e[i].r.adjoint);
    }
    free(x->e);
    memset(x, 0, sizeof *x);
    x->ref = -1;
}

int bl_hg_cmp_alloc(bl_hg_cmp *x, size_t n, size_t d, size_t p)
{
    memset(x, 0, sizeof *x);
    x->ref = -1;
    if (!(x->e = calloc(n + 1, sizeof *x->e))) return BL_ENOMEM;
    x->n = n;
    for (size_t i = 0; i <= n; i++) {
        bl_hg_entry *w = &x->e[i];
        w->r.grad = gsl_vector_alloc(d);
        w->r.adjoint = gsl_vector_alloc(p);
        if (!w->r.grad || !w->r.adjoint) {
            bl_hg_cmp_free(x);
            return BL_ENOMEM;
        }
        w->norm = w->rel_err = w->cosine = NAN;
    }
    /* the reference's place: nothing run there yet */
    x->e[n].status = BL_EUNSUPPORTED;
    return BL_OK;
}

const gsl_vector *bl_hg_cmp_ref(const bl_hg_cmp *x)
{
    return x->ref >= 0 ? x->e[x->ref].r.grad : NULL;
}

/* Runs W in C, from the chain's adjoint A0 when there is one. */
static int cmp_run(bl_hg_entry *w, const bl_hg_ctx *c, const gsl_vector *a0)
{
    bl_hg_ctx cc = *c;
    if (a0) cc.adjoint0 = a0;
    memset(&w->err, 0, sizeof w->err);
    w->status = bl_hypergrad(&w->spec, &cc, &w->r, &w->err);
    return w->status;
}

/* Runs the reference estimator NAME in e[n]: BL_OK, or its error. */
static int cmp_run_ref(bl_hg_cmp *x, const char *name, const bl_hg_ctx *c,
                       const gsl_vector **a0, unsigned flags)
{
    bl_hg_entry *w = &x->e[x->n];
    bl_spec_parse(name, &w->spec, NULL);
    int st = cmp_run(w, c, *a0);
    if (st == BL_OK && w->r.has_adjoint && (flags & BL_HG_CMP_CHAIN)) *a0 = w->r.adjoint;
    return st;
}

int bl_hg_ref_auto_runs(size_t p, double products)
{
    return p <= BL_HG_REF_AUTO_P || (double)p <= 10 * (products > 1 ? products : 1);
}

/* Copies the reference entry G (a cache) into W. */
static void cmp_take_ref(bl_hg_entry *w, const bl_hg_entry *g)
{
    gsl_vector *grad = w->r.grad, *adj = w->r.adjoint, *te = w->r.theta_end;
    *w = *g;
    w->r.grad = grad;
    w->r.adjoint = adj;
    w->r.theta_end = te;
    gsl_vector_memcpy(grad, g->r.grad);
    if (g->r.has_adjoint && g->r.adjoint && adj && adj->size == g->r.adjoint->size)
        gsl_vector_memcpy(adj, g->r.adjoint);
    else
        w->r.has_adjoint = 0;
    w->r.has_theta_end = 0;
}

int bl_hg_compare(bl_hg_cmp *x, const bl_hg_ctx *c, unsigned flags)
{
    size_t n = x->n;
    const gsl_vector *a0 = NULL;       /* the chain's adjoint */
    int ref = -1, any_ok = 0, mode = x->ref_mode;
    if (mode == BL_HG_REF_AUTO && (flags & BL_HG_CMP_NEED_REF)) mode = BL_HG_REF_EXACT;
    const bl_estimator_type *fd = bl_estimator_lookup("fd");
    x->interrupted = 0;
    x->exact_status = BL_OK;
    x->ref_ran = x->ref_reused = x->ref_skipped = 0;
    x->products = x->seconds = 0;
    for (size_t i = 0; i < n; i++) {
        bl_hg_entry *w = &x->e[i];
        if (w->status) continue;                 /* refused before running */
        if (x->interrupted || (c->cancel && *c->cancel)) {
            w->status = BL_EINTR;
            bl_err_set(&w->err, BL_EINTR, "interrupted");
            x->interrupted = 1;
            continue;
        }
        int st = cmp_run(w, c, a0);
        if (st == BL_EINTR) x->interrupted = 1;
        if (st != BL_OK) continue;
        any_ok = 1;
        x->products += (double)(w->r.hvp + w->r.cvp + w->r.grad_calls);
        x->seconds += w->r.seconds;
        if (w->r.has_adjoint && (flags & BL_HG_CMP_CHAIN)) a0 = w->r.adjoint;
        if (ref < 0 && mode != BL_HG_REF_FD && bl_spec_is_reference(&w->spec)) ref = (int)i;
        if (ref < 0 && mode == BL_HG_REF_FD && w->spec.type == fd) ref = (int)i;
    }
    int want = ref < 0 && !x->interrupted && (any_ok || (flags & BL_HG_CMP_ALWAYS_REF));
    if (want && (mode == BL_HG_REF_NONE
                 || (mode == BL_HG_REF_AUTO && !bl_hg_ref_auto_runs(c->P->p, x->products)))) {
        want = 0;
        x->ref_skipped = 1;
    }
    if (want && x->ref_given
        && (mode != BL_HG_REF_FD || x->ref_given->spec.type == fd)) {
        /* computed before at this θ and ω */
        cmp_take_ref(&x->e[n], x->ref_given);
        if (x->e[n].r.has_adjoint && (flags & BL_HG_CMP_CHAIN)) a0 = x->e[n].r.adjoint;
        x->exact_status = x->ref_given_exact_status;
        x->ref_reused = 1;
        ref = (int)n;
        want = 0;
    }
    if (want && mode == BL_HG_REF_FD) {
        int fs = cmp_run_ref(x, "fd", c, &a0, flags);
        if (fs == BL_OK) ref = (int)n, x->ref_ran = 1;
        else if (fs == BL_EINTR) x->interrupted = 1;
    } else if (want) {
        /* the reference: exact where H is positive definite, otherwise fd
         * (an fd estimate when there is one) */
        int xs = cmp_run_ref(x, "exact", c, &a0, flags);
        if (xs == BL_OK) {
            ref = (int)n;
            x->ref_ran = 1;
        } else if (xs == BL_EINTR) {
            x->interrupted = 1;
        } else {
            x->exact_status = xs;
            for (size_t i = 0; i < n && ref < 0; i++)
                if (x->e[i].status == BL_OK && x->e[i].spec.type == fd) ref = (int)i;
            if (ref < 0 && (xs != BL_ENOMEM || (flags & BL_HG_CMP_ALWAYS_REF))) {
                int fs = cmp_run_ref(x, "fd", c, &a0, flags);
                if (fs == BL_OK) ref = (int)n, x->ref_ran = 1;
                else if (fs == BL_EINTR) x->interrupted = 1;
            }
        }
    }
    x->ref = ref;
    x->adjoint_last = a0;
    const gsl_vector *g = bl_hg_cmp_ref(x);
    for (size_t i = 0; i <= n; i++) {
        bl_hg_entry *w = &x->e[i];
        w->norm = w->rel_err = w->cosine = NAN;
        if (w->status != BL_OK) continue;
        w->norm = gsl_blas_dnrm2(w->r.grad);
        if (!g) continue;
        w->rel_err = bl_rel_err(w->r.grad, g);
        w->cosine = bl_cosine(w->r.grad, g);
    }
    return x->interrupted ? BL_EINTR : BL_OK;
}
