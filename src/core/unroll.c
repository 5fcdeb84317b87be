/* unroll.c: unrolled differentiation through heavy-ball and Nesterov steps
 * and with a learned step (unroll.h; doc/catalogue.md "Unrolling with
 * momentum").  With y_s = θ_s + β_n(θ_s − θ_{s−1}) and
 * θ_{s+1} = Φ(y_s) + β_h(θ_s − θ_{s−1}), J_s = ∂Φ/∂θ(y_s), B_s = ∂Φ/∂ω(y_s):
 *
 * reverse: ā_T = ∇θL(θ_T), ā_{T−1}' = 0 (the part of ā_{T−1} already known);
 *   for s = T−1 … T−K:  v = J_sᵀā_{s+1},  g += B_sᵀā_{s+1},
 *     ā_s = ā_s' + (1 + β_n) v + β_h ā_{s+1},  ā_{s−1}' = −β_n v − β_h ā_{s+1};
 *   ∇F_T = ∇ωL(θ_T) + g.
 * forward: Z_s = dθ_s/dω, Z_0 = Z_{−1} = 0,
 *   Z_{s+1} = J_s((1 + β_n)Z_s − β_n Z_{s−1}) + B_s + β_h(Z_s − Z_{s−1}),
 *   ∇F_T = ∇ωL(θ_T) + Z_Tᵀ∇θL(θ_T).
 * For Φ(y) = y − η∇θG(y): J = I − ηH(y), B = −ηC(y)ᵀ; for a problem's own
 * step its step_vjp / step_jvp.  With P->eta_slot the entry ω_slot = log η
 * sets η = e^{ω_slot} and its column of B is the problem's ∂Φ/∂log η. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "checkpoint.h"
#include "linalg.h"
#include "unroll.h"

const char *const bl_unroll_method_names[] = {"gd", "heavyball", "nesterov", NULL};

static int own_step(const bl_problem *P)
{
    return P->type->step && (P->type->flags & (BL_PROB_NONSMOOTH | BL_PROB_STEPMAP));
}

/* η and whether it is learned (ω's entry eta_slot). */
static int pick_eta(const bl_hg_ctx *c, double eta_par, double *eta, int *learn,
                    const char *who, bl_err *e)
{
    const bl_problem *P = c->P;
    *learn = P->eta_slot > 0 && eta_par <= 0;
    if (*learn && !own_step(P)) {
        bl_err_set(e, BL_EINVAL, "%s: learn_eta needs the problem's own step", who);
        return BL_EINVAL;
    }
    *eta = *learn ? exp(gsl_vector_get(c->omega, P->eta_slot - 1))
                  : eta_par > 0 ? eta_par : c->eta;
    if (!(*eta > 0) || !isfinite(*eta)) {
        bl_err_set(e, BL_EINVAL, "%s: the step η = %g is not a positive number", who, *eta);
        return BL_EINVAL;
    }
    return BL_OK;
}

static void betas(int method, double beta, double *bn, double *bh)
{
    *bn = method == BL_UNROLL_NESTEROV ? beta : 0.0;
    *bh = method == BL_UNROLL_HEAVYBALL ? beta : 0.0;
}

/* y ← θ + β_n(θ − θ₋) */
static void extrapolate(const gsl_vector *th, const gsl_vector *prev, double bn, gsl_vector *y)
{
    gsl_vector_memcpy(y, th);
    if (bn != 0) {
        gsl_blas_daxpy(bn, th, y);
        gsl_blas_daxpy(-bn, prev, y);
    }
}

/* θ₋ ← θ, θ ← Φ(y) + β_h(θ − θ₋); GR workspace p */
static void advance(bl_problem *P, gsl_vector *th, gsl_vector *prev, const gsl_vector *y,
                    const gsl_vector *om, double eta, double bh, gsl_vector *gr)
{
    if (own_step(P)) {
        bl_problem_step(P, y, om, eta, gr);
    } else {
        bl_problem_G_theta(P, y, om, gr);
        gsl_vector_scale(gr, -eta);
        gsl_vector_add(gr, y);
    }
    if (bh != 0) {                               /* gr += β_h(θ − θ₋) */
        gsl_blas_daxpy(bh, th, gr);
        gsl_blas_daxpy(-bh, prev, gr);
    }
    gsl_vector_memcpy(prev, th);
    gsl_vector_memcpy(th, gr);
}

/* The adjoint step s from y_s (YS): g += B_sᵀā_{s+1}, and unless LAST
 * (s = T − K: ā_{T−K} is never used) ā_s in CUR and ā_{s−1}' in PEND;
 * V, CV, GR workspace. */
static void ur_back(bl_problem *P, const gsl_vector *ys, const gsl_vector *om, double eta,
                    int learn, double bn, double bh, int last, gsl_vector *cur,
                    gsl_vector *pend, gsl_vector *v, gsl_vector *cv, gsl_vector *gr,
                    gsl_vector *g)
{
    if (own_step(P)) {
        bl_problem_step_vjp(P, ys, om, eta, cur, last ? NULL : v, cv);
        if (P->eta_slot && !learn) gsl_vector_set(cv, P->eta_slot - 1, 0.0);
        gsl_vector_add(g, cv);                               /* g += B_sᵀā_{s+1} */
    } else {
        bl_problem_cvp(P, ys, om, cur, cv);
        gsl_blas_daxpy(-eta, cv, g);                         /* g −= ηC(y_s)ā_{s+1} */
        if (!last) {
            bl_problem_hvp(P, ys, om, cur, v);
            gsl_vector_scale(v, -eta);
            gsl_vector_add(v, cur);                          /* v = (I − ηH)ā_{s+1} */
        }
    }
    if (last) return;
    /* ā_s = ā_s' + (1 + β_n)v + β_h ā_{s+1};  ā_{s−1}' = −β_n v − β_h ā_{s+1} */
    gsl_vector_memcpy(gr, pend);
    gsl_blas_daxpy(1.0 + bn, v, gr);
    gsl_blas_daxpy(bh, cur, gr);
    gsl_vector_scale(pend, 0.0);
    gsl_blas_daxpy(-bn, v, pend);
    gsl_blas_daxpy(-bh, cur, pend);
    gsl_vector_memcpy(cur, gr);
}

/* checkpoints: the state of step s is (θ_s, θ_{s−1}), 2p doubles */
struct ur_ck {
    const bl_hg_ctx *c;
    double eta, bn, bh, beta;
    int learn, started;
    size_t first;                                            /* T − K */
    gsl_vector *y, *gr, *cur, *pend, *v, *cv, *t1, *t2;
    bl_hg_result *r;
    bl_err *e;
};

static int ur_adv(void *u, double *x)
{
    struct ur_ck *k = u;
    size_t p = k->c->P->p;
    if (k->c->cancel && *k->c->cancel) {
        bl_err_set(k->e, BL_EINTR, "interrupted");
        return BL_EINTR;
    }
    gsl_vector_view th = gsl_vector_view_array(x, p), prev = gsl_vector_view_array(x + p, p);
    extrapolate(&th.vector, &prev.vector, k->bn, k->y);
    advance(k->c->P, &th.vector, &prev.vector, k->y, k->c->omega, k->eta, k->bh, k->gr);
    return BL_OK;
}

static int ur_rev(void *u, size_t s, const double *x)
{
    struct ur_ck *k = u;
    bl_problem *P = k->c->P;
    const gsl_vector *om = k->c->omega;
    size_t p = P->p;
    gsl_vector_const_view th = gsl_vector_const_view_array(x, p);
    gsl_vector_const_view prev = gsl_vector_const_view_array(x + p, p);
    extrapolate(&th.vector, &prev.vector, k->bn, k->y);     /* y_s */
    if (!k->started) {                                       /* s = T − 1: θ_T, ā_T */
        gsl_vector_memcpy(k->t1, &th.vector);
        gsl_vector_memcpy(k->t2, &prev.vector);
        advance(P, k->t1, k->t2, k->y, om, k->eta, k->bh, k->gr);
        if (!bl_vector_finite(k->t1)) {
            bl_err_set(k->e, BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g, β = %.3g "
                       "too large?)", k->eta, k->beta);
            return BL_EDIVERGE;
        }
        bl_problem_L_theta(P, k->t1, om, k->cur);
        bl_problem_L_omega(P, k->t1, om, k->r->grad);
        gsl_vector_memcpy(k->r->theta_end, k->t1);
        k->r->has_theta_end = 1;
        k->started = 1;
    }
    ur_back(P, k->y, om, k->eta, k->learn, k->bn, k->bh, s == k->first, k->cur, k->pend,
            k->v, k->cv, k->gr, k->r->grad);
    return BL_OK;
}

int bl_unroll_reverse(size_t T, size_t K, double eta_par, double from, int method,
                      double beta, size_t ck, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    const char *who = K == T ? "reverse" : "truncated";
    double eta, bn, bh;
    int learn, st;
    if (K > T) {
        bl_err_set(e, BL_EINVAL, "truncated: k=%zu must not exceed t=%zu", K, T);
        return BL_EINVAL;
    }
    if ((st = pick_eta(c, eta_par, &eta, &learn, who, e))) return st;
    betas(method, beta, &bn, &bh);
    double bytes = ck ? bl_ckpt_bytes(K, ck, 2 * p) + (double)((9 * p + 2 * d) * sizeof(double))
                      : (double)((K + 7) * p * sizeof(double) + 2 * d * sizeof(double));
    if (c->mem_max > 0 && bytes > c->mem_max)
        return bl_hg_unroll_refuse(c, who, T, K, ck, bytes,
                                   (double)(2 * p * sizeof(double) + sizeof(size_t)),
                                   (double)((11 * p + 2 * d) * sizeof(double)), e);
    gsl_matrix *hist = ck ? NULL : gsl_matrix_alloc(K > 0 ? K : 1, p); /* y_{T−K} … y_{T−1} */
    gsl_vector *th = gsl_vector_alloc(p), *prev = gsl_vector_alloc(p);
    gsl_vector *y = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *cur = gsl_vector_alloc(p), *pend = gsl_vector_calloc(p);
    gsl_vector *v = gsl_vector_alloc(p), *cv = gsl_vector_alloc(d);
    gsl_vector *t1 = ck ? gsl_vector_alloc(p) : NULL, *t2 = ck ? gsl_vector_alloc(p) : NULL;
    double *x0 = ck ? malloc(2 * p * sizeof(double)) : NULL;
    st = (hist || ck) && th && prev && y && gr && cur && pend && v && cv
         && (!ck || (t1 && t2 && x0)) ? BL_OK : BL_ENOMEM;
    if (st) {
        bl_err_set(e, st, "out of memory for %zu stored iterates", ck ? ck : K);
        goto out;
    }
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
    gsl_vector_memcpy(prev, th);                                /* θ₋₁ = θ₀ */
    for (size_t s = 0; s < (ck ? T - K : T); s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        extrapolate(th, prev, bn, y);
        if (!ck && s + K >= T) {
            gsl_vector_view row = gsl_matrix_row(hist, s + K - T);
            gsl_vector_memcpy(&row.vector, y);
        }
        advance(P, th, prev, y, c->omega, eta, bh, gr);
    }
    if (ck) {                                                   /* (θ_{T−K}, θ_{T−K−1}) */
        struct ur_ck k = {.c = c, .eta = eta, .bn = bn, .bh = bh, .beta = beta, .learn = learn,
                          .first = T - K, .y = y, .gr = gr, .cur = cur, .pend = pend, .v = v,
                          .cv = cv, .t1 = t1, .t2 = t2, .r = r, .e = e};
        bl_ckpt_ops ops = {.width = 2 * p, .advance = ur_adv, .reverse = ur_rev, .u = &k};
        bl_ckpt_stats cs;
        memcpy(x0, th->data, p * sizeof(double));
        memcpy(x0 + p, prev->data, p * sizeof(double));
        st = bl_ckpt_run(&ops, T - K, K, ck, x0, &cs);
        if (st == BL_ENOMEM && !e->code)
            bl_err_set(e, st, "out of memory for %zu stored iterates", ck);
        if (st) goto out;
        r->checkpointed = 1;
        r->stored = cs.stored;
        r->recomputed = cs.forward + 1 - K;
        r->iters = T;
        r->bytes = (size_t)bytes;
        goto out;
    }
    if (!bl_vector_finite(th)) {
        bl_err_set(e, st = BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g, β = %.3g "
                   "too large?)", eta, beta);
        goto out;
    }
    bl_problem_L_theta(P, th, c->omega, cur);                   /* ā_T */
    bl_problem_L_omega(P, th, c->omega, r->grad);
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    for (size_t j = K; j-- > 0;) {                               /* s = T−K+j */
        gsl_vector_view ys = gsl_matrix_row(hist, j);
        ur_back(P, &ys.vector, c->omega, eta, learn, bn, bh, j == 0, cur, pend, v, cv, gr,
                r->grad);
    }
    r->iters = T;
    r->bytes = (size_t)bytes;
out:
    gsl_matrix_free(hist);
    gsl_vector_free(th);
    gsl_vector_free(prev);
    gsl_vector_free(y);
    gsl_vector_free(gr);
    gsl_vector_free(cur);
    gsl_vector_free(pend);
    gsl_vector_free(v);
    gsl_vector_free(cv);
    gsl_vector_free(t1);
    gsl_vector_free(t2);
    free(x0);
    return st;
}

int bl_unroll_forward(size_t T, double eta_par, double from, int method, double beta,
                      const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    double eta, bn, bh;
    int learn, st;
    if ((st = pick_eta(c, eta_par, &eta, &learn, "forward", e))) return st;
    betas(method, beta, &bn, &bh);
    size_t bytes = (3 * p * d + 6 * p + d) * sizeof(double);
    if (c->mem_max > 0 && (double)bytes > c->mem_max) {
        bl_err_set(e, BL_ENOMEM, "forward (three p×d Jacobians) needs %.4g MB, over mem.max = "
                   "%.4g MB: use truncated:t=T,k=K", (double)bytes / 1e6, c->mem_max / 1e6);
        return BL_ENOMEM;
    }
    gsl_matrix *Z = gsl_matrix_calloc(p, d), *Zp = gsl_matrix_calloc(p, d);
    gsl_matrix *Zn = gsl_matrix_calloc(p, d);
    gsl_vector *th = gsl_vector_alloc(p), *prev = gsl_vector_alloc(p);
    gsl_vector *y = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *zy = gsl_vector_alloc(p), *hz = gsl_vector_alloc(p);
    gsl_vector *ei = gsl_vector_calloc(d);
    st = Z && Zp && Zn && th && prev && y && gr && zy && hz && ei ? BL_OK : BL_ENOMEM;
    if (st) {
        bl_err_set(e, st, "out of memory for the p×d Jacobians");
        goto out;
    }
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
    gsl_vector_memcpy(prev, th);
    for (size_t s = 0; s < T; s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        extrapolate(th, prev, bn, y);
        for (size_t i = 0; i < d; i++) {
            gsl_vector_view zi = gsl_matrix_column(Z, i), zpi = gsl_matrix_column(Zp, i);
            gsl_vector_view zni = gsl_matrix_column(Zn, i);
            if (P->eta_slot && !learn && i == P->eta_slot - 1) continue;   /* stays 0 */
            /* zy = (1 + β_n)Z_i − β_n Zp_i */
            gsl_vector_memcpy(zy, &zi.vector);
            if (bn != 0) {
                gsl_blas_daxpy(bn, &zi.vector, zy);
                gsl_blas_daxpy(-bn, &zpi.vector, zy);
            }
            gsl_vector_set_basis(ei, i);
            if (own_step(P)) {
                bl_problem_step_jvp(P, y, c->omega, eta, s > 0 ? zy : NULL, ei, &zni.vector);
            } else {
                bl_problem_ctvp(P, y, c->omega, ei, hz);          /* Cᵀe_i */
                if (s > 0) {
                    gsl_vector *t = &zni.vector;
                    bl_problem_hvp(P, y, c->omega, zy, t);
                    gsl_vector_add(hz, t);
                }
                gsl_vector_memcpy(&zni.vector, zy);
                gsl_blas_daxpy(-eta, hz, &zni.vector);          /* zy − η(H zy + Cᵀe_i) */
            }
            if (bh != 0) {
                gsl_blas_daxpy(bh, &zi.vector, &zni.vector);
                gsl_blas_daxpy(-bh, &zpi.vector, &zni.vector);
            }
        }
        gsl_matrix_memcpy(Zp, Z);
        gsl_matrix_memcpy(Z, Zn);
        advance(P, th, prev, y, c->omega, eta, bh, gr);
    }
    if (!bl_vector_finite(th)) {
        bl_err_set(e, st = BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g, β = %.3g "
                   "too large?)", eta, beta);
        goto out;
    }
    bl_problem_L_theta(P, th, c->omega, gr);
    bl_problem_L_omega(P, th, c->omega, r->grad);
    gsl_blas_dgemv(CblasTrans, 1.0, Z, gr, 1.0, r->grad);
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    r->iters = T;
    r->bytes = bytes;
out:
    gsl_matrix_free(Z);
    gsl_matrix_free(Zp);
    gsl_matrix_free(Zn);
    gsl_vector_free(th);
    gsl_vector_free(prev);
    gsl_vector_free(y);
    gsl_vector_free(gr);
    gsl_vector_free(zy);
    gsl_vector_free(hz);
    gsl_vector_free(ei);
    return st;
}

/* ---- unrolling through coordinate descent (solver=cd) ----
 * θ_{s+1} = CD(θ_s, ω), one cyclic sweep of exact coordinate minimisation
 * (the problem's cd_sweep), s = 0 … T−1 from θ₀ (zero or the current θ).
 * forward: J_0 = 0, J_{s+1} = dθ_{s+1}/dω through the sweep's coordinate
 *   updates (cd_jvp); ∇F_T = ∇ωL(θ_T) + J_Tᵀ∇θL(θ_T).
 * reverse: θ_1 … θ_T stored; ā = ∇θL(θ_T), for s = T−1 … 0:
 *   g += (∂θ_{s+1}/∂ω)ᵀā, ā ← (∂θ_{s+1}/∂θ_s)ᵀā (cd_vjp from θ_{s+1});
 *   ∇F_T = ∇ωL(θ_T) + g.  The same number as forward.
 * doc/catalogue.md "Unrolling through coordinate descent". */

static int cd_ok(const bl_hg_ctx *c, const char *who, double method, double eta,
                 bl_err *e)
{
    const bl_problem_type *T = c->P->type;
    if (!T->cd_jvp || !T->cd_vjp) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s: solver=cd unrolls coordinate descent, which "
                   "%s has not (lasso, enet)", who, T->name);
        return BL_EUNSUPPORTED;
    }
    if (method != 0) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s: solver=cd unrolls plain coordinate-descent "
                   "sweeps: method=%s is for solver=step", who,
                   bl_unroll_method_names[(int)method]);
        return BL_EUNSUPPORTED;
    }
    if (eta != 0) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s: solver=cd has no step: eta= is for solver=step",
                   who);
        return BL_EUNSUPPORTED;
    }
    return BL_OK;
}

static int cd_diverged(const gsl_vector *th, bl_err *e)
{
    if (bl_vector_finite(th)) return BL_OK;
    bl_err_set(e, BL_EDIVERGE, "the coordinate-descent iterates are not finite");
    return BL_EDIVERGE;
}

int bl_unroll_cd_forward(size_t T, double from, int method, double eta, const bl_hg_ctx *c,
                         bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    int st = cd_ok(c, "forward", method, eta, e);
    if (st) return st;
    size_t bytes = (p * d + 2 * p + d) * sizeof(double);
    if (c->mem_max > 0 && (double)bytes > c->mem_max) {
        bl_err_set(e, BL_ENOMEM, "forward:solver=cd (a p×d Jacobian) needs %.4g MB, over "
                   "mem.max = %.4g MB", (double)bytes / 1e6, c->mem_max / 1e6);
        return BL_ENOMEM;
    }
    gsl_matrix *J = gsl_matrix_calloc(p, d);
    gsl_vector *th = gsl_vector_alloc(p), *gl = gsl_vector_alloc(p);
    if (!J || !th || !gl) {
        bl_err_set(e, st = BL_ENOMEM, "out of memory for the p×d Jacobian");
        goto out;
    }
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
    for (size_t s = 0; s < T; s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        P->n_grad++;                            /* a sweep: as one gradient, */
        P->n_hvp += d;                          /* its derivative as d H- and */
        P->n_cvp += d;                          /* d C-products */
        if ((st = P->type->cd_jvp(P, th, c->omega, J))) {
            bl_err_set(e, st, st == BL_EUNSUPPORTED
                       ? "forward:solver=cd: this problem does not differentiate its "
                         "coordinate-descent sweeps at this size (matrix-free: use cg)"
                       : "forward: a coordinate-descent sweep failed");
            goto out;
        }
    }
    if ((st = cd_diverged(th, e))) goto out;
    bl_problem_L_theta(P, th, c->omega, gl);
    bl_problem_L_omega(P, th, c->omega, r->grad);
    gsl_blas_dgemv(CblasTrans, 1.0, J, gl, 1.0, r->grad);
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    r->iters = T;
    r->bytes = bytes;
out:
    gsl_matrix_free(J);
    gsl_vector_free(th);
    gsl_vector_free(gl);
    return st;
}

int bl_unroll_cd_reverse(size_t T, double from, int method, double eta, const bl_hg_ctx *c,
                         bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    int st = cd_ok(c, "reverse", method, eta, e);
    if (st) return st;
    double bytes = (double)T * (double)p * sizeof(double) + (double)((2 * p + 2 * d)
                   * sizeof(double));
    if (c->mem_max > 0 && bytes > c->mem_max) {
        bl_err_set(e, BL_ENOMEM, "reverse:solver=cd (t = %zu stored sweeps) needs %.4g MB, "
                   "over mem.max = %.4g MB: use forward:solver=cd (O(pd) memory)", T,
                   bytes / 1e6, c->mem_max / 1e6);
        return BL_ENOMEM;
    }
    gsl_matrix *hist = gsl_matrix_alloc(T, p);                /* θ_1 … θ_T */
    gsl_vector *th = gsl_vector_alloc(p), *a = gsl_vector_alloc(p);
    gsl_vector *gom = gsl_vector_alloc(d);
    if (!hist || !th || !a || !gom) {
        bl_err_set(e, st = BL_ENOMEM, "out of memory for %zu stored sweeps", T);
        goto out;
    }
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
    for (size_t s = 0; s < T; s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        P->n_grad++;
        /* the first sweep through cd_jvp (the same θ), which refuses
         * where the problem cannot differentiate its sweeps */
        if (s == 0) {
            gsl_matrix *J0 = gsl_matrix_calloc(p, d);
            st = J0 ? P->type->cd_jvp(P, th, c->omega, J0) : BL_ENOMEM;
            gsl_matrix_free(J0);
        } else {
            st = P->type->cd_sweep(P, th, c->omega);
        }
        if (st) {
            bl_err_set(e, st, st == BL_EUNSUPPORTED
                       ? "reverse:solver=cd: this problem does not differentiate its "
                         "coordinate-descent sweeps at this size (matrix-free: use cg)"
                       : "reverse: a coordinate-descent sweep failed");
            goto out;
        }
        gsl_vector_view row = gsl_matrix_row(hist, s);
        gsl_vector_memcpy(&row.vector, th);
    }
    if ((st = cd_diverged(th, e))) goto out;
    bl_problem_L_theta(P, th, c->omega, a);                   /* ā_T */
    bl_problem_L_omega(P, th, c->omega, r->grad);
    for (size_t s = T; s-- > 0;) {
        gsl_vector_const_view th1 = gsl_matrix_const_row(hist, s);
        P->n_hvp++;
        P->n_cvp++;
        P->type->cd_vjp(P, &th1.vector, c->omega, a, gom);
        gsl_vector_add(r->grad, gom);
    }
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    r->iters = T;
    r->bytes = (size_t)bytes;
out:
    gsl_matrix_free(hist);
    gsl_vector_free(th);
    gsl_vector_free(a);
    gsl_vector_free(gom);
    return st;
}
