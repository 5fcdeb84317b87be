/* stoch_est.c: the minibatch versions of cg, neumann, fp and reverse, and
 * R seeded draws of an estimator against the reference (doc/catalogue.md,
 * "Stochastic hypergradient estimators").  Every estimate draws its inner
 * batches from one sampler seeded with s and its outer batch from one
 * seeded with bl_seed_outer(s) (as the stochastic outer algorithms do). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "linalg.h"
#include "stoch_est.h"

int bl_stoch_est_mode(const bl_hg_ctx *c, const char *name, double batch, int *stoch,
                      bl_err *e)
{
    bl_problem *P = c->P;
    *stoch = 0;
    if (!(batch > 0)) return BL_OK;
    const bl_minibatch *mb = P->type->mb;
    if (!mb) {
        bl_err_set(e, BL_EUNSUPPORTED, "%s: batch=%.0f needs minibatch oracles, which %s has "
                   "not (quadsum, ridge, ridge-multi, logreg and logreg-multi have them)",
                   name, batch, P->type->name);
        return BL_EUNSUPPORTED;
    }
    if (mb->check) {
        bl_err pe = {0};
        if (mb->check(P, &pe) != BL_OK) {
            bl_err_set(e, BL_EUNSUPPORTED, "%s: batch=%.0f: %s", name, batch, pe.msg);
            return BL_EUNSUPPORTED;
        }
    }
    size_t ni = mb->n_inner(P), no = mb->n_outer(P);
    *stoch = !((size_t)batch >= ni && (c->batch_outer == 0 || c->batch_outer >= no));
    return BL_OK;
}

unsigned long bl_spec_seed(const bl_spec *s, const bl_hg_ctx *c)
{
    int k = bl_param_find(s->type->params, s->type->nparams, "seed");
    return k >= 0 && s->par[k] >= 0 ? (unsigned long)s->par[k] : c->seed;
}

/* The two samplers of one estimate; a batch size 0 or ≥ n is all the
 * samples, in order, whatever the sampler (uniform would otherwise draw n
 * indices with replacement). */
typedef struct {
    bl_sampler *in, *out;
    int in_full, out_full;
} samplers;

static void next_in(samplers *S, bl_batch *B)
{
    if (S->in_full) bl_sampler_all(S->in, B);
    else bl_sampler_next(S->in, B);
}

static void next_out(samplers *S, bl_batch *B)
{
    if (S->out_full) bl_sampler_all(S->out, B);
    else bl_sampler_next(S->out, B);
}

static int samplers_alloc(samplers *S, const bl_hg_ctx *c, size_t batch, double seed)
{
    const bl_minibatch *mb = c->P->type->mb;
    unsigned long s = seed >= 0 ? (unsigned long)seed : c->seed;
    S->in = bl_sampler_alloc((bl_sampler_kind)c->sampler, mb->n_inner(c->P), batch, s);
    S->out = bl_sampler_alloc((bl_sampler_kind)c->sampler, mb->n_outer(c->P), c->batch_outer,
                              bl_seed_outer(s));
    if (!S->in || !S->out) return BL_ENOMEM;
    S->in_full = S->in->b >= S->in->n;
    S->out_full = S->out->b >= S->out->n;
    return BL_OK;
}

static void samplers_free(samplers *S)
{
    bl_sampler_free(S->in);
    bl_sampler_free(S->out);
}

int bl_stoch_adjoint(const char *method, size_t k, double tol, double eta, int warm,
                     size_t batch, double seed, const bl_hg_ctx *c, bl_hg_result *r,
                     bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    int cg = !strcmp(method, "cg"), neu = !strcmp(method, "neumann");
    samplers S = {0};
    gsl_vector *b = gsl_vector_alloc(p), *v = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p);
    gsl_vector *dd = gsl_vector_alloc(p), *ca = gsl_vector_alloc(d);
    gsl_vector *a = r->adjoint;
    int st = b && v && hv && dd && ca ? samplers_alloc(&S, c, batch, seed) : BL_ENOMEM;
    if (st) {
        bl_err_set(e, st, "out of memory");
        goto out;
    }
    const gsl_vector *a0 = warm && c->adjoint0 && c->adjoint0->size == p ? c->adjoint0 : NULL;
    bl_batch Bo, B;
    next_out(&S, &Bo);                       /* one outer batch B' */
    bl_mb_L_theta(P, c->theta, c->omega, &Bo, b);      /* b = ∇θL_B'(θ) */
    double bn = gsl_blas_dnrm2(b);
    if (a0) gsl_vector_memcpy(a, a0);
    else gsl_vector_set_zero(a);
    size_t it = 0;
    if (cg) {
        /* one inner batch for the whole solve: CG's recurrences assume one
         * fixed symmetric operator H_B */
        double rr, rr1, dHd;
        next_in(&S, &B);
        gsl_vector_memcpy(v, b);                       /* r = b − H_B a₀ */
        if (a0) {
            bl_mb_hvp(P, c->theta, c->omega, &B, a, hv);
            gsl_vector_sub(v, hv);
        }
        gsl_vector_memcpy(dd, v);
        gsl_blas_ddot(v, v, &rr);
        for (; it < k; it++) {
            double res = bn > 0 ? sqrt(rr) / bn : sqrt(rr);
            if (res <= tol || rr == 0) break;
            if (c->cancel && *c->cancel) {
                bl_err_set(e, st = BL_EINTR, "interrupted");
                goto out;
            }
            bl_mb_hvp(P, c->theta, c->omega, &B, dd, hv);
            gsl_blas_ddot(dd, hv, &dHd);
            if (!(dHd > 0)) {
                bl_err_set(e, st = BL_ENOTPD, "cg: the minibatch H_B is not positive definite "
                           "(dᵀH_B d = %.3g at iteration %zu): use a larger batch, or neumann "
                           "or fp with a contracting η", dHd, it + 1);
                goto out;
            }
            double alpha = rr / dHd;
            gsl_blas_daxpy(alpha, dd, a);
            gsl_blas_daxpy(-alpha, hv, v);
            gsl_blas_ddot(v, v, &rr1);
            gsl_vector_scale(dd, rr1 / rr);
            gsl_vector_add(dd, v);
            rr = rr1;
        }
    } else if (neu) {
        /* v₀ = b − H_B₀ a₀; a = a₀ + η v₀; then v ← (I − ηH_Bj) v, a ← a + η v */
        gsl_vector_memcpy(v, b);
        if (a0) {
            next_in(&S, &B);
            bl_mb_hvp(P, c->theta, c->omega, &B, a, hv);
            gsl_vector_sub(v, hv);
        }
        gsl_blas_daxpy(eta, v, a);
        for (; it < k; it++) {
            if (c->cancel && *c->cancel) {
                bl_err_set(e, st = BL_EINTR, "interrupted");
                goto out;
            }
            next_in(&S, &B);
            bl_mb_hvp(P, c->theta, c->omega, &B, v, hv);
            gsl_blas_daxpy(-eta, hv, v);
            gsl_blas_daxpy(eta, v, a);
        }
    } else {
        /* fp: a ← a − η(H_Bj a − b); from a₀ = 0 the first iteration is η b */
        int zero = a0 == NULL;
        for (; it < k; it++) {
            if (c->cancel && *c->cancel) {
                bl_err_set(e, st = BL_EINTR, "interrupted");
                goto out;
            }
            if (zero) {
                gsl_blas_daxpy(eta, b, a);
                zero = 0;
                continue;
            }
            next_in(&S, &B);
            bl_mb_hvp(P, c->theta, c->omega, &B, a, hv);
            gsl_vector_sub(hv, b);
            gsl_blas_daxpy(-eta, hv, a);
        }
    }
    /* g = ∇ωL_B'(θ) − C_B(θ) a, B a fresh inner batch */
    bl_mb_L_omega(P, c->theta, c->omega, &Bo, r->grad);
    next_in(&S, &B);
    bl_mb_cvp(P, c->theta, c->omega, &B, a, ca);
    gsl_vector_sub(r->grad, ca);
    r->has_adjoint = 1;
    r->iters = it;
    r->bytes = 5 * p * sizeof(double) + (batch + S.out->b) * sizeof(size_t);
out:
    samplers_free(&S);
    gsl_vector_free(b);
    gsl_vector_free(v);
    gsl_vector_free(hv);
    gsl_vector_free(dd);
    gsl_vector_free(ca);
    return st;
}

int bl_stoch_reverse(size_t T, double eta, double from, size_t batch, double seed,
                     const bl_hg_ctx *c, bl_hg_result *r, bl_err *e)
{
    bl_problem *P = c->P;
    size_t p = P->p, d = P->d;
    samplers S = {0};
    size_t bmax = 0;
    int st = samplers_alloc(&S, c, batch, seed);
    if (st == BL_OK) bmax = S.in->b;
    double bytes = ((double)T + 4) * (double)p * sizeof(double)
                   + (double)T * (double)bmax * sizeof(size_t) + 2.0 * (double)d * sizeof(double);
    if (st == BL_OK && c->mem_max > 0 && bytes > c->mem_max) {
        bl_err_set(e, st = BL_ENOMEM, "reverse:t=%zu,batch=%zu stores %zu iterates and their "
                   "batches: %.4g MB, over mem.max = %.4g MB", T, batch, T, bytes / 1e6,
                   c->mem_max / 1e6);
        samplers_free(&S);
        return st;
    }
    gsl_matrix *hist = st ? NULL : gsl_matrix_alloc(T, p);
    size_t *idx = st ? NULL : malloc(T * bmax * sizeof *idx), *m = calloc(T, sizeof *m);
    gsl_vector *th = gsl_vector_alloc(p), *gr = gsl_vector_alloc(p);
    gsl_vector *al = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p);
    gsl_vector *cv = gsl_vector_alloc(d);
    if (st == BL_OK && !(hist && idx && m && th && gr && al && hv && cv)) st = BL_ENOMEM;
    if (st) {
        bl_err_set(e, st, "out of memory for %zu stored iterates", T);
        goto out;
    }
    if (from != 0) gsl_vector_memcpy(th, c->theta);
    else gsl_vector_set_zero(th);
    bl_batch B, Bo;
    for (size_t s = 0; s < T; s++) {
        if (c->cancel && *c->cancel) {
            bl_err_set(e, st = BL_EINTR, "interrupted");
            goto out;
        }
        gsl_vector_view row = gsl_matrix_row(hist, s);
        gsl_vector_memcpy(&row.vector, th);
        next_in(&S, &B);
        memcpy(idx + s * bmax, B.idx, B.m * sizeof *idx);
        m[s] = B.m;
        bl_mb_G_theta(P, th, c->omega, &B, gr);        /* θ_{s+1} = θ_s − η∇θG_Bs(θ_s) */
        gsl_blas_daxpy(-eta, gr, th);
    }
    if (!bl_vector_finite(th)) {
        bl_err_set(e, st = BL_EDIVERGE, "the unrolled iterates diverge (η = %.3g too "
                   "large?)", eta);
        goto out;
    }
    next_out(&S, &Bo);
    bl_mb_L_theta(P, th, c->omega, &Bo, al);            /* α_T = ∇θL_B'(θ_T) */
    bl_mb_L_omega(P, th, c->omega, &Bo, r->grad);       /* g = ∇ωL_B'(θ_T) */
    gsl_vector_memcpy(r->theta_end, th);
    r->has_theta_end = 1;
    size_t n_in = S.in->n;
    for (size_t j = T; j-- > 0;) {
        gsl_vector_view ts = gsl_matrix_row(hist, j);
        bl_batch Bj = {.idx = idx + j * bmax, .m = m[j], .id = 0,
                       .w = (double)m[j] / (double)n_in, .full = m[j] == n_in};
        bl_mb_cvp(P, &ts.vector, c->omega, &Bj, al, cv);
        gsl_blas_daxpy(-eta, cv, r->grad);              /* g ← g − η C_Bs(θ_s) α_{s+1} */
        if (j == 0) break;
        bl_mb_hvp(P, &ts.vector, c->omega, &Bj, al, hv);
        gsl_blas_daxpy(-eta, hv, al);                   /* α_s = (I − ηH_Bs(θ_s)) α_{s+1} */
    }
    r->iters = T;
    r->bytes = (size_t)bytes;
out:
    samplers_free(&S);
    gsl_matrix_free(hist);
    free(idx);
    free(m);
    gsl_vector_free(th);
    gsl_vector_free(gr);
    gsl_vector_free(al);
    gsl_vector_free(hv);
    gsl_vector_free(cv);
    return st;
}

/* ---- draws ---- */

int bl_hg_draws_run(const bl_spec *s, const bl_hg_ctx *c, size_t R, const gsl_vector *ref,
                    int threads, bl_hg_draws *out, double *G, bl_err *e)
{
    bl_problem *P = c->P;
    size_t d = P->d;
    int ks = bl_param_find(s->type->params, s->type->nparams, "seed");
    out->stochastic = bl_spec_batch(s) > 0;
    out->seed0 = bl_spec_seed(s, c);
    if (!out->stochastic) R = 1;
    out->R = R;
    if (R == 0) {
        bl_err_set(e, BL_EINVAL, "draws must be ≥ 1");
        return BL_EINVAL;
    }
    double bytes = (double)R * (double)d * sizeof(double);
    if (!G && c->mem_max > 0 && bytes > c->mem_max) {
        bl_err_set(e, BL_ENOMEM, "%zu draws keep %zu × %zu estimates: %.4g MB, over mem.max "
                   "= %.4g MB", R, R, d, bytes / 1e6, c->mem_max / 1e6);
        return BL_ENOMEM;
    }
    double *g = G ? G : malloc(R * d * sizeof *g);
    int *status = calloc(R, sizeof *status);
    unsigned long *cnt = calloc(3 * R, sizeof *cnt);
    if (!g || !status || !cnt) {
        if (!G) free(g);
        free(status);
        free(cnt);
        bl_err_set(e, BL_ENOMEM, "out of memory for %zu draws", R);
        return BL_ENOMEM;
    }
#ifdef _OPENMP
    int nt = threads > 0 ? threads : omp_get_max_threads();
#else
    int nt = 1;
    (void)threads;
#endif
    if ((size_t)nt > R) nt = (int)R;
    size_t first_fail = R;
    bl_err ferr = {0};
    double t0 = bl_clock();
#pragma omp parallel num_threads(nt)
    {
        /* one clone of the problem per thread: counters and workspaces */
        bl_problem *Q = bl_problem_clone(P);
        gsl_vector *gv = gsl_vector_alloc(d);
#pragma omp for schedule(dynamic, 1)
        for (long q = 0; q < (long)R; q++) {
            size_t rr = (size_t)q;
            bl_err pe = {0};
            int st = BL_ENOMEM;
            if (Q && gv) {
                bl_spec sr = *s;
                if (ks >= 0 && out->stochastic) sr.par[ks] = (double)(out->seed0 + rr);
                bl_hg_ctx cc = *c;
                cc.P = Q;
                bl_hg_result res = {.grad = gv};
                st = bl_hypergrad(&sr, &cc, &res, &pe);
                if (st == BL_OK) {
                    memcpy(g + rr * d, gv->data, d * sizeof *g);   /* gv has stride 1 */
                    cnt[3 * rr] = res.hvp;
                    cnt[3 * rr + 1] = res.cvp;
                    cnt[3 * rr + 2] = res.grad_calls;
                }
            } else {
                bl_err_set(&pe, st, "out of memory for a draw");
            }
            status[rr] = st;
            if (st) {
#pragma omp critical(bl_hg_draws_fail)
                if (rr < first_fail) {
                    first_fail = rr;
                    ferr = pe;
                }
            }
        }
        bl_problem_free(Q);
        gsl_vector_free(gv);
    }
    out->seconds = bl_clock() - t0;
    out->threads = nt;
    int st = BL_OK;
    if (first_fail < R) {
        st = status[first_fail];
        bl_err_set(e, st, "%s (draw %zu, seed %lu)", ferr.msg, first_fail,
                   out->seed0 + first_fail);
    } else {
        /* in the order of the draws: the same sums whatever the threads */
        double h = 0, cv = 0, gc = 0;
        for (size_t i = 0; i < d; i++) {
            /* shifted by the first draw: equal draws give their value exactly */
            double sum = 0, x0 = g[i];
            for (size_t rr = 1; rr < R; rr++) sum += g[rr * d + i] - x0;
            gsl_vector_set(out->mean, i, x0 + sum / (double)R);
        }
        double var = 0, err = 0, mse = 0, bias = 0, rn = 0;
        for (size_t rr = 0; rr < R; rr++) {
            double dv = 0, de = 0;
            for (size_t i = 0; i < d; i++) {
                double x = g[rr * d + i], u = x - gsl_vector_get(out->mean, i);
                double w = x - gsl_vector_get(ref, i);
                dv += u * u;
                de += w * w;
            }
            var += dv;
            mse += de;
            err += sqrt(de);
            h += (double)cnt[3 * rr];
            cv += (double)cnt[3 * rr + 1];
            gc += (double)cnt[3 * rr + 2];
        }
        for (size_t i = 0; i < d; i++) {
            double u = gsl_vector_get(out->mean, i) - gsl_vector_get(ref, i);
            double x = gsl_vector_get(ref, i);
            bias += u * u;
            rn += x * x;
        }
        out->bias = sqrt(bias);
        out->variance = var / (double)R;
        out->mean_error = err / (double)R;
        out->mse = mse / (double)R;
        out->ref_norm = sqrt(rn);
        out->hvp = h / (double)R;
        out->cvp = cv / (double)R;
        out->grad_calls = gc / (double)R;
    }
    if (!G) free(g);
    free(status);
    free(cnt);
    return st;
}
