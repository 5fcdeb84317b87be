/* surface.c: grids of F and hypergradients over ω, and estimator errors
 * over a budget, in parallel with OpenMP over points. */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "adjoint.h"
#include "dist.h"
#include "linalg.h"
#include "surface.h"

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int resolve_threads(int threads)
{
#ifdef _OPENMP
    return threads > 0 ? threads : omp_get_num_procs();
#else
    (void)threads;
    return 1;
#endif
}

/* The reference at (θ, ω): exact, or fd where H is not positive definite
 * (its inner solves counted in T).  Returns 1 for exact, 2 for fd, 0 on
 * failure (E says why). */
static int reference(const bl_hg_ctx *c, gsl_vector *g, bl_solve_tally *t, bl_err *e)
{
    bl_spec s;
    bl_hg_result r = {.grad = g};
    bl_hg_ctx cc = *c;
    bl_err fe = {0};
    cc.keep_unconverged = 1;
    bl_spec_parse("exact", &s, NULL);
    if (bl_hypergrad(&s, &cc, &r, NULL) == BL_OK) return 1;
    bl_spec_parse("fd", &s, NULL);
    int st = bl_hypergrad(&s, &cc, &r, &fe);
    if (t) bl_tally_merge(t, &r.inner);
    if (st == BL_OK) return 2;
    bl_err_set(e, st, "no reference: exact needs H positive definite, and %s", fe.msg);
    return 0;
}

void bl_surface_release(bl_surface *s)
{
    if (!s) return;
    for (size_t i = 0; i < 2; i++) free(s->ax[i].values);
    free(s->F);
    free(s->grad);
    free(s->est);
    free(s->rel_err);
    free(s->cosine);
    free(s->done);
    free(s->converged);
    free(s->resid);
    memset(s, 0, sizeof *s);
}

size_t bl_surface_argmin(const bl_surface *s)
{
    size_t best = SIZE_MAX;
    for (size_t k = 0; k < s->npoints; k++)
        if (s->done[k] == 1 && isfinite(s->F[k]) && (best == SIZE_MAX || s->F[k] < s->F[best]))
            best = k;
    return best;
}

/* What a running grid shows while it runs (a job's): under MU, each
 * point's F, grad and done, and the counts. */
typedef struct live {
    pthread_mutex_t *mu;
    size_t ndone, nfailed, nunconv;
} live;

/* The grid's checks, and S's arrays (NaN, nothing done). */
static int surface_setup(bl_surface *s, bl_problem *P, const bl_axis *axes, size_t naxes,
                         const bl_spec *specs, size_t nspecs, int threads,
                         const bl_inner_conf *ic, bl_err *e)
{
    memset(s, 0, sizeof *s);
    if (naxes < 1 || naxes > 2 || nspecs > BL_SURF_MAXSPECS) {
        bl_err_set(e, BL_EINVAL, "a surface has 1 or 2 axes and at most %d estimators",
                   BL_SURF_MAXSPECS);
        return BL_EINVAL;
    }
    size_t d = P->d, n = 1;
    for (size_t a = 0; a < naxes; a++) {
        if (axes[a].coord >= d) {
            bl_err_set(e, BL_EDIM, "omega[%zu] is past ω's dimension (%zu)", axes[a].coord, d);
            return BL_EDIM;
        }
        n *= axes[a].n;
    }
    if (naxes == 2 && axes[0].coord == axes[1].coord) {
        bl_err_set(e, BL_EINVAL, "the two axes are the same coordinate omega[%zu]",
                   axes[0].coord);
        return BL_EINVAL;
    }
    /* its tables (F, ∇F, the estimates, their errors) and, per thread, a
     * clone's inner solver with its vectors, checked before any is made */
    {
        double pts = (double)n, k = nspecs ? (double)nspecs : 1.0, pp = (double)P->p;
        double nt = (double)resolve_threads(threads);
        double bytes = bl_mem_dense(pts, 4.0 + (double)d + k * ((double)d + 2.0))
                       + nt * (bl_inner_bytes(ic->type, P->p, ic->mem) + bl_mem_dense(pp, 6.0));
        int mst = bl_problem_mem(P, bytes, "the grid's tables and its threads' inner solvers", e);
        if (mst) return mst;
    }
    s->naxes = naxes;
    s->d = d;
    s->npoints = n;
    s->nspecs = nspecs;
    for (size_t i = 0; i < nspecs; i++) s->specs[i] = specs[i];
    for (size_t a = 0; a < naxes; a++) {
        s->ax[a].coord = axes[a].coord;
        s->ax[a].n = axes[a].n;
        s->ax[a].values = malloc(axes[a].n * sizeof(double));
        if (!s->ax[a].values) goto nomem;
        memcpy(s->ax[a].values, axes[a].values, axes[a].n * sizeof(double));
    }
    s->F = malloc(n * sizeof *s->F);
    s->grad = malloc(n * d * sizeof *s->grad);
    s->est = malloc((nspecs ? nspecs : 1) * n * d * sizeof *s->est);
    s->rel_err = malloc((nspecs ? nspecs : 1) * n * sizeof *s->rel_err);
    s->cosine = malloc((nspecs ? nspecs : 1) * n * sizeof *s->cosine);
    s->done = calloc(n, 1);
    s->converged = calloc(n, 1);
    s->resid = malloc(n * sizeof *s->resid);
    if (!s->F || !s->grad || !s->est || !s->rel_err || !s->cosine || !s->done
        || !s->converged || !s->resid)
        goto nomem;
    for (size_t k = 0; k < n; k++) s->F[k] = s->resid[k] = NAN;
    for (size_t k = 0; k < n * d; k++) s->grad[k] = NAN;
    for (size_t k = 0; k < nspecs * n * d; k++) s->est[k] = NAN;
    for (size_t k = 0; k < nspecs * n; k++) s->rel_err[k] = s->cosine[k] = NAN;
    return BL_OK;
nomem:
    bl_surface_release(s);
    bl_err_set(e, BL_ENOMEM, "out of memory for a grid of %zu points", n);
    return BL_ENOMEM;
}

/* What one rank tells the others of its part of a grid. */
typedef struct surf_part {
    unsigned long iters, hvp;
    int used_fd, fail, cancelled;
    bl_solve_tally tally;
    size_t first_fail, est_nfail[BL_SURF_MAXSPECS], est_first[BL_SURF_MAXSPECS];
} surf_part;

/* The ranks' parts of S (dist.h: segment q on rank q mod size) combined on
 * every rank: the points' arrays, the counts, the first failures in grid
 * order and their messages, and an interrupt on any rank (then *CANCEL is
 * set on every rank, which all report it). */
static int surface_merge(bl_surface *s, size_t seglen, size_t segrow, int *status,
                         unsigned long *iters, unsigned long *hvp, int *used_fd, int *fail,
                         bl_cancel_t *cancel, size_t *first_fail, bl_err *e)
{
    size_t n = s->npoints, d = s->d, ns = s->nspecs, n0 = s->ax[0].n;
    size_t np = (size_t)bl_dist_size();
    unsigned char *mine = malloc(n);
    surf_part *all = calloc(np, sizeof *all), part;
    char *why = calloc(ns + 1, 512);
    int st = BL_ENOMEM;
    if (!mine || !all || !why) {
        bl_err_set(e, BL_ENOMEM, "out of memory to combine the ranks' grids");
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = k % n0, j = k / n0;
        mine[k] = (unsigned char)bl_dist_owns(j * segrow + i / seglen);
    }
    if ((st = bl_dist_merge(s->F, 1, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(s->grad, 1, n, d * sizeof(double), mine, e))
        || (st = bl_dist_merge(s->est, ns, n, d * sizeof(double), mine, e))
        || (st = bl_dist_merge(s->rel_err, ns, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(s->cosine, ns, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(s->done, 1, n, 1, mine, e))
        || (st = bl_dist_merge(s->converged, 1, n, 1, mine, e))
        || (st = bl_dist_merge(s->resid, 1, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(status, 1, n, sizeof(int), mine, e)))
        goto out;
    memset(&part, 0, sizeof part);
    part.iters = *iters;
    part.hvp = *hvp;
    part.used_fd = *used_fd;
    part.fail = *fail;
    part.cancelled = cancel && *cancel;
    part.tally = s->tally;
    part.first_fail = *first_fail;
    for (size_t q = 0; q < BL_SURF_MAXSPECS; q++) {
        part.est_nfail[q] = s->est_nfail[q];
        part.est_first[q] = s->est_first[q];
    }
    if ((st = bl_dist_allgather(&part, sizeof part, all, e))) goto out;
    *iters = *hvp = 0;
    *first_fail = SIZE_MAX;
    memset(&s->tally, 0, sizeof s->tally);
    for (size_t q = 0; q < BL_SURF_MAXSPECS; q++) {
        s->est_nfail[q] = 0;
        s->est_first[q] = SIZE_MAX;
    }
    int cancelled = 0;
    for (size_t r = 0; r < np; r++) {
        *iters += all[r].iters;
        *hvp += all[r].hvp;
        *used_fd |= all[r].used_fd;
        *fail |= all[r].fail;
        cancelled |= all[r].cancelled;
        bl_tally_merge(&s->tally, &all[r].tally);
        if (all[r].first_fail < *first_fail) *first_fail = all[r].first_fail;
        for (size_t q = 0; q < BL_SURF_MAXSPECS; q++) {
            s->est_nfail[q] += all[r].est_nfail[q];
            if (all[r].est_first[q] < s->est_first[q]) s->est_first[q] = all[r].est_first[q];
        }
    }
    if (cancelled && cancel) *cancel = 1;
    /* the messages of the first failures, from the ranks that met them */
    if (*first_fail < n && part.first_fail == *first_fail) memcpy(why, s->reason, 512);
    for (size_t q = 0; q < ns; q++)
        if (s->est_first[q] < n && part.est_first[q] == s->est_first[q])
            memcpy(why + (q + 1) * 512, s->est_why[q], 512);
    if ((st = bl_dist_bor(why, (ns + 1) * 512, e))) goto out;
    memcpy(s->reason, why, 512);
    s->reason[511] = '\0';
    for (size_t q = 0; q < ns; q++) {
        memcpy(s->est_why[q], why + (q + 1) * 512, 512);
        s->est_why[q][511] = '\0';
    }
    st = BL_OK;
out:
    free(mine);
    free(all);
    free(why);
    return st;
}

/* The grid of S (surface_setup's) computed; LV, when not NULL, sees the
 * points as they come. */
static int surface_run(bl_surface *s, bl_problem *P, const gsl_vector *omega,
                       const gsl_vector *theta0, const bl_inner_conf *ic, double eta,
                       int path, int threads, bl_cancel_t *cancel, bl_progress_fn progress,
                       void *parg, live *lv, bl_err *e)
{
    const bl_axis *axes = s->ax;
    const bl_spec *specs = s->specs;
    size_t naxes = s->naxes, nspecs = s->nspecs, d = s->d, n = s->npoints;
    int *status = calloc(n, sizeof *status);   /* why each failed point failed */
    if (!status) {
        bl_surface_release(s);
        bl_err_set(e, BL_ENOMEM, "out of memory for a grid of %zu points", n);
        return BL_ENOMEM;
    }

    int nt = resolve_threads(threads), fail = 0, used_fd = 0;
    /* The work is handed out in segments of neighbouring points along
     * axis 0.  Along a path each point after the first of its segment
     * starts from the previous point's θ (and, from the third on, from the
     * secant prediction through the two before it when that has the lower
     * G); the first starts from θ₀.  Segments depend on the grid alone, so
     * the numbers do not depend on the number of threads. */
    size_t n0 = axes[0].n, seglen = path ? BL_SURF_SEGMENT : 1;
    size_t segrow = (n0 + seglen - 1) / seglen;
    size_t nseg = segrow * (naxes == 2 ? axes[1].n : 1);
    /* chunks of segments: fewer hand-outs, and threads do not write to
     * the same cache lines of F, grad and done */
    int chunk = (int)(nseg / ((size_t)nt * 8));
    if (chunk < 1) chunk = 1;
    size_t ndone = 0, nfailed = 0, first_fail = SIZE_MAX, *est_first = s->est_first;
    for (size_t q = 0; q < BL_SURF_MAXSPECS; q++) est_first[q] = SIZE_MAX;
    unsigned long iters = 0, hvp = 0;
    double t0 = bl_clock();
    s->threads = nt;
    s->path = path != 0;
#pragma omp parallel num_threads(nt) reduction(+ : iters, hvp)
    {
        /* per thread: a clone of the problem, and an inner iterator that
         * every point reuses (allocations from two threads contend) */
        bl_problem *Q = bl_problem_clone(P);
        bl_inner *it = bl_inner_alloc(ic->type, P->p);
        if (it) it->mem = ic->mem;
        gsl_vector *om = gsl_vector_alloc(d), *th = NULL;
        gsl_vector *g = gsl_vector_alloc(d), *ge = gsl_vector_alloc(d);
        /* the last two solutions along the path, and a prediction */
        gsl_vector *prev[2] = {gsl_vector_alloc(P->p), gsl_vector_alloc(P->p)};
        gsl_vector *pred = gsl_vector_alloc(P->p);
        bl_solve_tally mine = {0, 0, 0};
        if (!Q || !it || !om || !g || !ge || !prev[0] || !prev[1] || !pred) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, chunk)
        for (long q = 0; q < (long)nseg; q++) {
            if (!bl_dist_owns((size_t)q)) continue;     /* another rank's segment */
            size_t j = (size_t)q / segrow, i0 = ((size_t)q % segrow) * seglen;
            size_t i1 = i0 + seglen < n0 ? i0 + seglen : n0;
            int have = 0;               /* solutions of the previous points in prev */
            for (size_t i = i0; i < i1; i++) {
                size_t k = i + n0 * j;
                if ((cancel && *cancel) || fail) break;
                gsl_vector_memcpy(om, omega);
                gsl_vector_set(om, axes[0].coord, axes[0].values[i]);
                if (naxes == 2) gsl_vector_set(om, axes[1].coord, axes[1].values[j]);
                const gsl_vector *start = have ? prev[0] : theta0;
                if (have == 2) {
                    /* θ₋₁ + r (θ₋₁ − θ₋₂), r the ratio of the last two steps */
                    double w1 = axes[0].values[i - 1];
                    double r = (axes[0].values[i] - w1) / (w1 - axes[0].values[i - 2]);
                    gsl_vector_memcpy(pred, prev[0]);
                    gsl_vector_scale(pred, 1 + r);
                    gsl_blas_daxpy(-r, prev[1], pred);
                    double gp = bl_problem_G(Q, pred, om);
                    if (isfinite(gp) && gp <= bl_problem_G(Q, prev[0], om)) start = pred;
                }
                bl_err pe = {0};
                bl_solve_tally pt = {0, 0, 0};     /* this point's solves */
                int st = bl_inner_set(it, Q, om, start, ic->eta, &pe);
                if (st == BL_OK) st = bl_inner_run(it, ic->tol, ic->maxit, cancel, &pe);
                iters += it->iter;
                th = it->theta;
                unsigned char mark = 2;
                double Fk = NAN;
                if (st == BL_OK || st == BL_EMAXITER || st == BL_ESTALL) {
                    bl_solve_info in;
                    bl_solve_info_of(it, st, ic->tol, &in);
                    bl_tally_add(&pt, &in);
                    double F = bl_problem_L(Q, th, om);
                    bl_hg_ctx c = {.P = Q, .omega = om, .theta = th, .inner = ic,
                                   .eta = eta > 0 ? eta : bl_inner_default_eta(Q, th, om),
                                   .cancel = cancel, .keep_unconverged = 1};
                    int ref = reference(&c, g, &pt, &pe);
                    if (ref) {
                        mark = 1;
                        Fk = F;
                        if (ref == 2) {
#pragma omp atomic write
                            used_fd = 1;
                        }
                        for (size_t q2 = 0; q2 < nspecs; q2++) {
                            bl_hg_result r = {.grad = ge};
                            bl_err qe = {0};
                            int sq;
                            if (ref == 1 && bl_spec_is_reference(&specs[q2])) {
                                /* exact listed: the reference just computed,
                                 * not a second dense H and Cholesky */
                                gsl_vector_memcpy(ge, g);
                                sq = BL_OK;
                            } else {
                                sq = bl_hypergrad(&specs[q2], &c, &r, &qe);
                            }
                            bl_tally_merge(&pt, &r.inner);
                            if (sq != BL_OK && !(cancel && *cancel)) {
#pragma omp critical(bl_surface_why)
                                {       /* the first failure in grid order */
                                    s->est_nfail[q2]++;
                                    if (k < est_first[q2]) {
                                        est_first[q2] = k;
                                        snprintf(s->est_why[q2], sizeof s->est_why[q2], "%s",
                                                 qe.msg[0] ? qe.msg : bl_strerror(sq));
                                    }
                                }
                            }
                            if (sq != BL_OK) continue;
                            memcpy(s->est + (q2 * n + k) * d, ge->data, d * sizeof(double));
                            s->rel_err[q2 * n + k] = bl_rel_err(ge, g);
                            s->cosine[q2 * n + k] = bl_cosine(ge, g);
                        }
                    }
                }
                bl_tally_merge(&mine, &pt);
                s->resid[k] = pt.solves ? pt.worst : NAN;
                s->converged[k] = mark == 1 && pt.failures == 0;
                if (mark == 2 && !(cancel && *cancel)) {
                    status[k] = st ? st : pe.code ? pe.code : BL_EUNSUPPORTED;
                    if (!pe.msg[0]) snprintf(pe.msg, sizeof pe.msg, "%s", bl_strerror(status[k]));
#pragma omp critical(bl_surface_reason)
                    if (k < first_fail) {
                        first_fail = k;
                        memcpy(s->reason, pe.msg, sizeof s->reason);
                    }
                }
                if (cancel && *cancel && mark == 2) break;     /* interrupted, not failed */
                if (lv) pthread_mutex_lock(lv->mu);
                if (mark == 1) {
                    s->F[k] = Fk;
                    memcpy(s->grad + k * d, g->data, d * sizeof(double));
                }
                s->done[k] = mark;
                if (lv) {
                    lv->ndone++;
                    lv->nfailed += mark == 2;
                    lv->nunconv += mark == 1 && !s->converged[k];
                    pthread_mutex_unlock(lv->mu);
                }
                if (mark == 1 && seglen > 1) {
                    gsl_vector *t = prev[1];
                    prev[1] = prev[0];
                    prev[0] = t;
                    gsl_vector_memcpy(prev[0], th);
                    have = have < 2 ? have + 1 : 2;
                } else {
                    have = 0;
                }
                size_t now;
#pragma omp atomic capture
                now = ++ndone;
                if (mark == 2) {
#pragma omp atomic
                    nfailed++;
                }
                if (progress && thread_id() == 0) progress(parg, now, n);
            }
        }
        if (Q) hvp += Q->n_hvp;
#pragma omp critical(bl_surface_tally)
        bl_tally_merge(&s->tally, &mine);
        bl_problem_free(Q);
        bl_inner_free(it);
        gsl_vector_free(om);
        gsl_vector_free(g);
        gsl_vector_free(ge);
        gsl_vector_free(prev[0]);
        gsl_vector_free(prev[1]);
        gsl_vector_free(pred);
    }
    if (bl_dist_size() > 1) {
        /* the ranks' segments combined: every rank has the whole grid */
        int mst = surface_merge(s, seglen, segrow, status, &iters, &hvp, &used_fd, &fail,
                                cancel, &first_fail, e);
        if (mst) {
            free(status);
            bl_surface_release(s);
            return mst;
        }
        ndone = nfailed = 0;
        for (size_t k = 0; k < n; k++) {
            ndone += s->done[k] != 0;
            nfailed += s->done[k] == 2;
        }
    }
    s->seconds = bl_clock() - t0;
    s->ndone = ndone;
    s->nfailed = nfailed;
    s->inner_iters = iters;
    s->hvp = hvp;
    s->partial = ndone < n;
    snprintf(s->ref, sizeof s->ref, "%s", used_fd ? "exact|fd" : "exact");
    for (size_t k = 0; k < n; k++) {
        if (s->done[k] == 1 && !s->converged[k]) {
            s->nunconv++;
            if (s->resid[k] > s->worst || isnan(s->resid[k])) s->worst = s->resid[k];
        }
        if (first_fail < n && s->done[k] == 2 && status[k] == status[first_fail]) s->nreason++;
    }
    free(status);
    if (fail) {
        bl_surface_release(s);
        bl_err_set(e, BL_ENOMEM, "out of memory for the threads' copies of the problem");
        return BL_ENOMEM;
    }
    if (cancel && *cancel) {
        bl_err_set(e, BL_EINTR, "interrupted: %zu of %zu points computed (kept, marked "
                   "partial)", ndone, n);
        return BL_EINTR;
    }
    return BL_OK;
}

int bl_surface_compute(bl_surface *s, bl_problem *P, const gsl_vector *omega,
                       const gsl_vector *theta0, const bl_inner_conf *ic,
                       const bl_axis *axes, size_t naxes, const bl_spec *specs,
                       size_t nspecs, double eta, int path, int threads,
                       bl_cancel_t *cancel, bl_progress_fn progress, void *parg, bl_err *e)
{
    int st = surface_setup(s, P, axes, naxes, specs, nspecs, threads, ic, e);
    if (st) return st;
    return surface_run(s, P, omega, theta0, ic, eta, path, threads, cancel, progress, parg,
                       NULL, e);
}

/* ---- compare over a budget ---- */

void bl_budget_release(bl_budget *b)
{
    if (!b) return;
    free(b->values);
    free(b->rel_err);
    free(b->cosine);
    free(b->bound);
    free(b->bound_cert);
    free(b->hvp);
    free(b->done);
    free(b->converged);
    memset(b, 0, sizeof *b);
}

/* What one rank tells the others of its part of a budget table. */
typedef struct budget_part {
    int fail, cancelled;
    bl_solve_tally tally;
    size_t nfail[BL_SURF_MAXSPECS], wfail[BL_SURF_MAXSPECS];
} budget_part;

/* The ranks' entries of B (entry k on rank k mod size) combined on every
 * rank, as surface_merge does for a grid; WFAIL: the value index of each
 * spec's first failure (its message in B->why). */
static int budget_merge(bl_budget *b, double *resid, size_t *wfail, int *fail,
                        bl_cancel_t *cancel, bl_err *e)
{
    size_t n = b->nspecs * b->nvalues, np = (size_t)bl_dist_size(), ns = b->nspecs;
    unsigned char *mine = malloc(n ? n : 1);
    budget_part *all = calloc(np, sizeof *all), part;
    char *why = calloc(ns, 512);
    int st = BL_ENOMEM;
    if (!mine || !all || !why) {
        bl_err_set(e, BL_ENOMEM, "out of memory to combine the ranks' tables");
        goto out;
    }
    for (size_t k = 0; k < n; k++) mine[k] = (unsigned char)bl_dist_owns(k);
    if ((st = bl_dist_merge(b->rel_err, 1, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(b->cosine, 1, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(b->bound, 1, n, sizeof(double), mine, e))
        || (st = bl_dist_merge(b->bound_cert, 1, n, 1, mine, e))
        || (st = bl_dist_merge(b->hvp, 1, n, sizeof *b->hvp, mine, e))
        || (st = bl_dist_merge(b->done, 1, n, 1, mine, e))
        || (st = bl_dist_merge(b->converged, 1, n, 1, mine, e))
        || (st = bl_dist_merge(resid, 1, n, sizeof(double), mine, e)))
        goto out;
    memset(&part, 0, sizeof part);
    part.fail = *fail;
    part.cancelled = cancel && *cancel;
    part.tally = b->tally;
    for (size_t q = 0; q < ns; q++) {
        part.nfail[q] = b->nfail[q];
        part.wfail[q] = wfail[q];
    }
    if ((st = bl_dist_allgather(&part, sizeof part, all, e))) goto out;
    memset(&b->tally, 0, sizeof b->tally);
    int cancelled = 0;
    for (size_t q = 0; q < ns; q++) {
        b->nfail[q] = 0;
        wfail[q] = b->nvalues;
    }
    for (size_t r = 0; r < np; r++) {
        *fail |= all[r].fail;
        cancelled |= all[r].cancelled;
        bl_tally_merge(&b->tally, &all[r].tally);
        for (size_t q = 0; q < ns; q++) {
            b->nfail[q] += all[r].nfail[q];
            if (all[r].wfail[q] < wfail[q]) wfail[q] = all[r].wfail[q];
        }
    }
    if (cancelled && cancel) *cancel = 1;
    for (size_t q = 0; q < ns; q++)
        if (wfail[q] < b->nvalues && part.wfail[q] == wfail[q]) memcpy(why + q * 512, b->why[q], 512);
    if ((st = bl_dist_bor(why, ns * 512, e))) goto out;
    for (size_t q = 0; q < ns; q++) {
        memcpy(b->why[q], why + q * 512, 512);
        b->why[q][511] = '\0';
    }
    st = BL_OK;
out:
    free(mine);
    free(all);
    free(why);
    return st;
}

int bl_budget_compute(bl_budget *b, bl_problem *P, const gsl_vector *omega,
                      const gsl_vector *theta, const bl_inner_conf *ic,
                      const bl_spec *specs, size_t nspecs, const char *param,
                      const double *values, size_t nvalues, double eta,
                      double mem_max, int threads, bl_cancel_t *cancel,
                      bl_progress_fn progress, void *parg, bl_err *e)
{
    memset(b, 0, sizeof *b);
    if (nspecs < 1 || nspecs > BL_SURF_MAXSPECS) {
        bl_err_set(e, BL_EINVAL, "compare takes 1 to %d estimators", BL_SURF_MAXSPECS);
        return BL_EINVAL;
    }
    int idx[BL_SURF_MAXSPECS];
    for (size_t q = 0; q < nspecs; q++) {
        const bl_estimator_type *T = specs[q].type;
        idx[q] = bl_param_find(T->params, T->nparams, param);
        if (idx[q] < 0 && strcmp(T->name, "exact") == 0) {
            b->baseline[q] = 1;         /* a constant row: the baseline */
            continue;
        }
        if (idx[q] < 0) {
            bl_err_set(e, BL_EINVAL, "%s has no parameter '%s' to vary", T->name, param);
            return BL_EINVAL;
        }
        for (size_t v = 0; v < nvalues; v++) {
            double x = T->params[idx[q]].is_int ? floor(values[v] + 0.5) : values[v];
            bl_err pe;
            if (bl_param_check(&T->params[idx[q]], x, &pe)) {
                bl_err_set(e, BL_EINVAL, "%s: %s", T->name, pe.msg);
                return BL_EINVAL;
            }
        }
    }
    size_t nbase = 0;
    for (size_t q = 0; q < nspecs; q++) nbase += b->baseline[q];
    if (nbase == nspecs) {
        bl_err_set(e, BL_EINVAL, "%s has no parameter '%s' to vary", specs[0].type->name, param);
        memset(b, 0, sizeof *b);
        return BL_EINVAL;
    }
    size_t n = nspecs * nvalues;
    b->nspecs = nspecs;
    b->nvalues = nvalues;
    snprintf(b->param, sizeof b->param, "%s", param);
    for (size_t q = 0; q < nspecs; q++) b->specs[q] = specs[q];
    b->values = malloc(nvalues * sizeof *b->values);
    b->rel_err = malloc(n * sizeof *b->rel_err);
    b->cosine = malloc(n * sizeof *b->cosine);
    b->bound = malloc(n * sizeof *b->bound);
    b->bound_cert = calloc(n, 1);
    b->hvp = calloc(n, sizeof *b->hvp);
    b->done = calloc(n, 1);
    b->converged = calloc(n, 1);
    double *resid = malloc(n * sizeof *resid);
    gsl_vector *gref = gsl_vector_alloc(P->d);
    if (!b->values || !b->rel_err || !b->cosine || !b->hvp || !b->done || !b->converged
        || !resid || !gref || !b->bound || !b->bound_cert) {
        free(resid);
        gsl_vector_free(gref);
        bl_budget_release(b);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    /* integer parameters (k, t) are rounded, and shown rounded */
    int all_int = 1;
    for (size_t q = 0; q < nspecs; q++)
        if (!b->baseline[q]) all_int &= specs[q].type->params[idx[q]].is_int;
    for (size_t v = 0; v < nvalues; v++)
        b->values[v] = all_int ? floor(values[v] + 0.5) : values[v];
    for (size_t k = 0; k < n; k++) b->rel_err[k] = b->cosine[k] = b->bound[k] = NAN;
    double eta0 = eta > 0 ? eta : bl_inner_default_eta(P, theta, omega);
    b->eta = eta0;
    size_t wfail[BL_SURF_MAXSPECS];    /* the value index of why[q] */
    for (size_t q = 0; q < nspecs; q++) wfail[q] = nvalues;
    b->theta_resid = bl_inner_residual(P, theta, omega, eta0);
    bl_hg_ctx c0 = {.P = P, .omega = omega, .theta = theta, .inner = ic, .eta = eta0,
                    .cancel = cancel, .mem_max = mem_max, .keep_unconverged = 1};
    bl_solve_tally rt = {0, 0, 0};
    bl_err re = {0};
    int ref = reference(&c0, gref, &rt, &re);
    if (!ref) {
        free(resid);
        gsl_vector_free(gref);
        bl_budget_release(b);
        bl_err_set(e, BL_EUNSUPPORTED, "%s", re.msg);
        return BL_EUNSUPPORTED;
    }
    b->tally = rt;
    if (bl_dist_rank() > 0) memset(&b->tally, 0, sizeof b->tally);   /* rank 0 counts it */
    b->ref_converged = rt.failures == 0;
    b->ref_norm = gsl_blas_dnrm2(gref);
    c0.bound = 1;                       /* the estimates' error bounds (bound.h) */
    for (size_t k = 0; k < n; k++) resid[k] = NAN;
    snprintf(b->ref, sizeof b->ref, "%s", ref == 1 ? "exact" : "fd");
    int nt = resolve_threads(threads), fail = 0;
    size_t ndone = 0;
    double t0 = bl_clock();
    b->threads = nt;
#pragma omp parallel num_threads(nt)
    {
        bl_problem *Q = bl_problem_clone(P);
        gsl_vector *g = gsl_vector_alloc(P->d);
        bl_solve_tally mine = {0, 0, 0};
        if (!Q || !g) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < (long)n; k++) {
            if ((cancel && *cancel) || fail || !bl_dist_owns((size_t)k)) continue;
            size_t q = (size_t)k / nvalues, v = (size_t)k % nvalues;
            if (b->baseline[q] && v > 0) continue;      /* copied from v = 0 below */
            bl_spec sp = specs[q];
            if (!b->baseline[q]) {
                const bl_param *pp = &sp.type->params[idx[q]];
                sp.par[idx[q]] = pp->is_int ? floor(values[v] + 0.5) : values[v];
            }
            bl_hg_ctx c = c0;
            c.P = Q;
            bl_hg_result r = {.grad = g};
            bl_err he = {0};
            if (bl_hypergrad(&sp, &c, &r, &he) == BL_OK) {
                b->rel_err[k] = bl_rel_err(g, gref);
                b->cosine[k] = bl_cosine(g, gref);
                b->bound[k] = r.bound;
                b->bound_cert[k] = (unsigned char)r.bound_certified;
                b->hvp[k] = r.hvp;
            } else if (!(cancel && *cancel)) {
#pragma omp critical(bl_budget_why)
                {
                    b->nfail[q]++;
                    if (v < wfail[q]) {         /* the first failure in value order */
                        wfail[q] = v;
                        snprintf(b->why[q], sizeof b->why[q], "%s",
                                 he.msg[0] ? he.msg : "failed");
                    }
                }
            }
            bl_tally_merge(&mine, &r.inner);
            /* the entry stands on its own solves and the reference's */
            b->converged[k] = r.inner.failures == 0 && rt.failures == 0;
            resid[k] = fmax(r.inner.solves ? r.inner.worst : 0, rt.worst);
            if (cancel && *cancel) continue;
            b->done[k] = 1;
            size_t now;
#pragma omp atomic capture
            now = ++ndone;
            if (progress && thread_id() == 0) progress(parg, now, n);
        }
#pragma omp critical(bl_budget_tally)
        bl_tally_merge(&b->tally, &mine);
        bl_problem_free(Q);
        gsl_vector_free(g);
    }
    if (bl_dist_size() > 1) {
        /* the ranks' entries combined: every rank has the whole table */
        int mst = budget_merge(b, resid, wfail, &fail, cancel, e);
        if (mst) {
            free(resid);
            gsl_vector_free(gref);
            bl_budget_release(b);
            return mst;
        }
        ndone = 0;
        for (size_t k = 0; k < n; k++) ndone += b->done[k] != 0;
    }
    for (size_t q = 0; q < nspecs; q++) {       /* a baseline row: one estimate, every value */
        size_t k0 = q * nvalues;
        if (!b->baseline[q] || !b->done[k0]) continue;
        for (size_t v = 1; v < nvalues; v++) {
            b->rel_err[k0 + v] = b->rel_err[k0];
            b->cosine[k0 + v] = b->cosine[k0];
            b->bound[k0 + v] = b->bound[k0];
            b->bound_cert[k0 + v] = b->bound_cert[k0];
            b->hvp[k0 + v] = b->hvp[k0];
            b->converged[k0 + v] = b->converged[k0];
            resid[k0 + v] = resid[k0];
            b->done[k0 + v] = 1;
        }
        ndone += nvalues - 1;
        if (b->nfail[q]) b->nfail[q] = nvalues;
    }
    for (size_t k = 0; k < n; k++)
        if (b->done[k] && !b->converged[k]) {
            b->nunconv++;
            if (resid[k] > b->worst || isnan(resid[k])) b->worst = resid[k];
        }
    free(resid);
    gsl_vector_free(gref);
    b->seconds = bl_clock() - t0;
    b->ndone = ndone;
    b->partial = ndone < n;
    if (fail) {
        bl_budget_release(b);
        bl_err_set(e, BL_ENOMEM, "out of memory for the threads' copies of the problem");
        return BL_ENOMEM;
    }
    if (cancel && *cancel) {
        bl_err_set(e, BL_EINTR, "interrupted: %zu of %zu computed (kept, marked partial)",
                   ndone, n);
        return BL_EINTR;
    }
    return BL_OK;
}

int bl_budget_explain(const bl_budget *b, size_t q, bl_problem *P, const gsl_vector *omega,
                      const gsl_vector *theta, bl_budget_note *nt)
{
    memset(nt, 0, sizeof *nt);
    nt->lmin = nt->lmax = nt->q = NAN;
    if (q >= b->nspecs || b->baseline[q]) return BL_OK;
    const double *r = b->rel_err + q * b->nvalues;
    size_t vmin = (size_t)-1;
    for (size_t v = 0; v < b->nvalues; v++) {
        if (!b->done[q * b->nvalues + v] || !isfinite(r[v])) continue;
        if (vmin != (size_t)-1 && r[v] > 2 * r[vmin] && r[v] > 1e-6
            && (!nt->nonmono || r[v] > r[nt->v_rise])) {
            nt->nonmono = 1;
            nt->v_min = vmin;
            nt->v_rise = v;
        }
        if (vmin == (size_t)-1 || r[v] < r[vmin]) vmin = v;
    }
    if (!nt->nonmono) return BL_OK;
    const bl_estimator_type *T = b->specs[q].type;
    nt->iter = (T->needs & BL_EST_NEEDS_CONTRACTION) || (T->flags & BL_EST_UNROLLS);
    if (!nt->iter) return BL_OK;
    int k = bl_param_find(T->params, T->nparams, "eta");
    nt->eta = k >= 0 && b->specs[q].par[k] > 0 ? b->specs[q].par[k] : b->eta;
    bl_spectrum sp;
    bl_err e = {0};
    unsigned long h0 = P->n_hvp;
    int st = bl_spectrum_compute(P, theta, omega, &sp, &e);
    P->n_hvp = h0;                      /* the explanation's, not the comparison's */
    if (st) {
        snprintf(nt->nospec, sizeof nt->nospec, "%s", e.msg[0] ? e.msg : "no spectrum");
        return st == BL_EINTR ? st : BL_OK;
    }
    nt->spectrum = 1;
    nt->lmin = sp.lmin;
    nt->lmax = sp.lmax;
    nt->q = bl_contraction(&sp, nt->eta);
    return BL_OK;
}

/* ---- a grid in the background ---- */

struct bl_surface_job {
    pthread_t tid;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bl_cancel_t stop;
    bl_problem *P;              /* the job's clone */
    gsl_vector *omega, *theta;
    bl_inner_conf ic;
    double eta;
    int path, threads;
    bl_surface s;               /* filled as it runs (F, grad, done under mu) */
    live lv;
    int finished, status;
    bl_err err;
};

static void *job_main(void *arg)
{
    bl_surface_job *J = arg;
    bl_err e = {0};
    int st = surface_run(&J->s, J->P, J->omega, J->theta, &J->ic, J->eta, J->path, J->threads,
                         &J->stop, NULL, NULL, &J->lv, &e);
    pthread_mutex_lock(&J->mu);
    J->status = st;
    J->err = e;
    J->finished = 1;
    pthread_cond_broadcast(&J->cv);
    pthread_mutex_unlock(&J->mu);
    return NULL;
}

static void job_free(bl_surface_job *J)
{
    bl_problem_free(J->P);
    gsl_vector_free(J->omega);
    gsl_vector_free(J->theta);
    bl_surface_release(&J->s);
    pthread_cond_destroy(&J->cv);
    pthread_mutex_destroy(&J->mu);
    free(J);
}

int bl_surface_job_start(bl_surface_job **jp, bl_problem *P, const gsl_vector *omega,
                         const gsl_vector *theta0, const bl_inner_conf *ic,
                         const bl_axis *axes, size_t naxes, const bl_spec *specs,
                         size_t nspecs, double eta, int path, int threads, bl_err *e)
{
    *jp = NULL;
    bl_surface_job *J = calloc(1, sizeof *J);
    if (!J) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    pthread_mutex_init(&J->mu, NULL);
    pthread_cond_init(&J->cv, NULL);
    J->lv.mu = &J->mu;
    int st = surface_setup(&J->s, P, axes, naxes, specs, nspecs, threads, ic, e);
    if (st) {
        job_free(J);
        return st;
    }
    J->P = bl_problem_clone(P);
    J->omega = gsl_vector_alloc(P->d);
    J->theta = gsl_vector_alloc(P->p);
    if (!J->P || !J->omega || !J->theta) {
        job_free(J);
        bl_err_set(e, BL_ENOMEM, "out of memory for the grid's copy of the problem");
        return BL_ENOMEM;
    }
    gsl_vector_memcpy(J->omega, omega);
    gsl_vector_memcpy(J->theta, theta0);
    J->ic = *ic;
    J->eta = eta;
    J->path = path;
    J->threads = threads;
    if (pthread_create(&J->tid, NULL, job_main, J) != 0) {
        job_free(J);
        bl_err_set(e, BL_ENOMEM, "cannot start a thread for the grid");
        return BL_ENOMEM;
    }
    *jp = J;
    return BL_OK;
}

void bl_surface_job_poll(bl_surface_job *J, bl_surface_progress *p)
{
    pthread_mutex_lock(&J->mu);
    p->npoints = J->s.npoints;
    p->ndone = J->lv.ndone;
    p->nfailed = J->lv.nfailed;
    p->nunconv = J->lv.nunconv;
    p->finished = J->finished;
    pthread_mutex_unlock(&J->mu);
}

int bl_surface_job_wait(bl_surface_job *J, double seconds)
{
    pthread_mutex_lock(&J->mu);
    if (!J->finished && seconds > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_nsec * 1e-9 + seconds;
        ts.tv_sec += (time_t)floor(t);
        ts.tv_nsec = (long)((t - floor(t)) * 1e9);
        while (!J->finished)
            if (pthread_cond_timedwait(&J->cv, &J->mu, &ts) != 0) break;
    }
    int fin = J->finished;
    pthread_mutex_unlock(&J->mu);
    return fin;
}

void bl_surface_job_cancel(bl_surface_job *J)
{
    J->stop = 1;
}

const bl_surface *bl_surface_job_lock(bl_surface_job *J)
{
    pthread_mutex_lock(&J->mu);
    return &J->s;
}

void bl_surface_job_unlock(bl_surface_job *J)
{
    pthread_mutex_unlock(&J->mu);
}

int bl_surface_job_finish(bl_surface_job *J, bl_surface *s, bl_err *e)
{
    pthread_join(J->tid, NULL);
    int st = J->status;
    if (st && J->err.code == 0) J->err.code = st;
    if (st) bl_err_set(e, st, "%s", J->err.msg);
    if (s) {
        *s = J->s;                   /* bl_surface_compute's, partial when stopped */
        memset(&J->s, 0, sizeof J->s);
    }
    job_free(J);
    return st;
}
