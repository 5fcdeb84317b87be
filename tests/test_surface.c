/* test_surface.c: grids over ω and over budgets: pointwise agreement,
 * closed forms, thread-count invariance, cancellation. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"
#include "linalg.h"
#include "surface.h"

static bl_axis axis(size_t coord, double lo, double hi, size_t n)
{
    bl_axis a = {coord, n, malloc(n * sizeof(double))};
    for (size_t i = 0; i < n; i++) a.values[i] = n > 1 ? lo + (hi - lo) * i / (n - 1) : lo;
    return a;
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    return memcmp(a, b, n * sizeof(double)) == 0;
}

/* Thread-count invariance: 1, 2 and 3 threads give bit-identical grids,
 * with every point from θ₀ and along a path (13 points on axis 0: a full
 * segment of 8 and a shorter one). */
static void threads_invariance(bl_problem *P, int path, const char *what)
{
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 100000, 0};
    gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
    bl_axis ax[2] = {axis(0, -3, 1, 13), axis(P->d > 1 ? 1 : 0, -1, 1, 5)};
    size_t naxes = P->d > 1 ? 2 : 1;
    bl_spec sp[2];
    bl_spec_parse("cg:k=3", &sp[0], NULL);
    bl_spec_parse("reverse:t=20", &sp[1], NULL);
    bl_surface s[3];
    int ok = 1;
    for (int t = 0; t < 3; t++)
        ok &= bl_surface_compute(&s[t], P, om, th, &ic, ax, naxes, sp, 2, 0, path, t + 1, NULL,
                                 NULL, NULL, NULL) == BL_OK;
    tap_ok(ok && s[0].ndone == s[0].npoints, "%s: grid of %zu points computed with 1, 2, 3 threads",
           what, s[0].npoints);
    size_t n = s[0].npoints, d = s[0].d;
    for (int t = 1; t < 3 && ok; t++)
        tap_ok(same_doubles(s[0].F, s[t].F, n) && same_doubles(s[0].grad, s[t].grad, n * d)
               && same_doubles(s[0].est, s[t].est, 2 * n * d)
               && same_doubles(s[0].rel_err, s[t].rel_err, 2 * n),
               "%s: %d threads give bit-identical F, reference and estimates", what, t + 1);
    for (int t = 0; t < 3; t++) bl_surface_release(&s[t]);
    free(ax[0].values);
    free(ax[1].values);
    gsl_vector_free(om);
    gsl_vector_free(th);
}

/* Inner solves that stop short of inner.tol: every point's flag, the
 * count and the worst residual equal those of independent solves at the
 * same points from the same start (bl_inner_solve_info), for 1 and 3
 * threads.  MAXIT is chosen so that some points converge and some not. */
static void unconverged_points(bl_problem *P, const char *what, const bl_inner_conf *ic,
                               int mixed)
{
    gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
    gsl_vector *t2 = gsl_vector_alloc(P->p);
    size_t n = 13;
    bl_axis ax = axis(0, -6, 3, n);
    bl_surface s[2];
    int st[2];
    for (int t = 0; t < 2; t++)
        st[t] = bl_surface_compute(&s[t], P, om, th, ic, &ax, 1, NULL, 0, 0, 0, t ? 3 : 1, NULL,
                                   NULL, NULL, NULL);
    size_t count = 0, flags_ok = 1, resid_ok = 1;
    double worst = 0;
    for (size_t k = 0; k < n && st[0] == BL_OK; k++) {
        bl_solve_info in;
        gsl_vector_set(om, 0, ax.values[k]);
        gsl_vector_set_zero(t2);
        bl_inner_solve_info(P, ic, om, t2, &in, NULL, NULL);
        count += !in.converged;
        if (!in.converged) worst = fmax(worst, in.resid);
        flags_ok &= s[0].converged[k] == (in.converged != 0) && s[0].done[k] == 1;
        resid_ok &= s[0].resid[k] == in.resid
                    && s[0].F[k] == bl_problem_L(P, t2, om);
    }
    gsl_vector_set(om, 0, 0);
    tap_ok(st[0] == BL_OK && flags_ok && s[0].nunconv == count && s[0].worst == worst
           && (!mixed || (count > 0 && count < n)),
           "%s: %zu of %zu points stopped short of tol, as independent solves say "
           "(worst residual %.3g)", what, s[0].nunconv, n, s[0].worst);
    tap_ok(resid_ok && s[0].tally.solves == n && s[0].tally.failures == count,
           "%s: each point's residual and F are those of the independent solve; "
           "%zu solves, %zu stopped short", what, s[0].tally.solves, s[0].tally.failures);
    tap_ok(st[1] == BL_OK && s[1].nunconv == s[0].nunconv
           && memcmp(s[0].converged, s[1].converged, n) == 0 && s[1].worst == s[0].worst,
           "%s: 3 threads flag the same points", what);
    for (int t = 0; t < 2; t++) bl_surface_release(&s[t]);
    free(ax.values);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(t2);
}

/* fd and penalty count their inner solves; at inner.maxit they fail unless
 * the caller keeps unconverged estimates, and a budget comparison flags
 * every entry whose solves stopped short. */
static void unconverged_estimates(bl_problem *Q)
{
    size_t d = Q->d;
    gsl_vector *om = gsl_vector_calloc(d), *th = gsl_vector_calloc(Q->p);
    gsl_vector *g = gsl_vector_alloc(d), *om2 = gsl_vector_alloc(d);
    gsl_vector_set(om, 0, 0.5);
    bl_inner_conf tight = {bl_inner_newton, 0, 1e-12, 100, 0};
    bl_inner_solve_at(Q, &tight, om, th, NULL, NULL, NULL);
    bl_inner_conf three = {bl_inner_gd, 0, 1e-10, 3, 0};
    bl_spec fd, pen;
    bl_spec_parse("fd", &fd, NULL);
    bl_spec_parse("penalty", &pen, NULL);
    bl_hg_ctx c = {.P = Q, .omega = om, .theta = th, .inner = &three,
                   .eta = bl_inner_default_eta(Q, th, om)};
    bl_hg_result r = {.grad = g};
    bl_err e = {0};
    int st = bl_hypergrad(&fd, &c, &r, &e);
    tap_ok(st == BL_EMAXITER && has(e.msg, "inner.maxit=3"),
           "fd at inner.maxit = 3: an error by default (%s)", e.msg);
    /* independently: the 2d solves at ω ± h eᵢ from θ */
    size_t count = 0;
    for (size_t i = 0; i < d; i++)
        for (int sg = -1; sg <= 1; sg += 2) {
            bl_solve_info in;
            gsl_vector_memcpy(om2, om);
            gsl_vector_set(om2, i, gsl_vector_get(om, i) + sg * fd.par[0]);
            gsl_vector *t2 = gsl_vector_alloc(Q->p);
            gsl_vector_memcpy(t2, th);
            bl_inner_solve_info(Q, &three, om2, t2, &in, NULL, NULL);
            count += !in.converged;
            gsl_vector_free(t2);
        }
    c.keep_unconverged = 1;
    st = bl_hypergrad(&fd, &c, &r, &e);
    tap_ok(st == BL_OK && r.inner.solves == 2 * d && r.inner.failures == count && count > 0
           && bl_vector_finite(g),
           "fd keeping unconverged solves: an estimate, %zu solves, %zu stopped short "
           "(independently %zu)", r.inner.solves, r.inner.failures, count);
    c.keep_unconverged = 0;
    st = bl_hypergrad(&pen, &c, &r, &e);
    tap_ok(st == BL_EMAXITER && has(e.msg, "penalty"), "penalty at inner.maxit = 3: an error by "
           "default (%s)", e.msg);
    c.keep_unconverged = 1;
    st = bl_hypergrad(&pen, &c, &r, &e);
    tap_ok(st == BL_OK && r.inner.solves == 1 && r.inner.failures == 1 && r.inner.worst > 1e-10,
           "penalty keeping it: an estimate, its solve stopped short (‖∇(L + ΛG)‖/Λ = %.3g)",
           r.inner.worst);
    bl_inner_conf roomy = {bl_inner_newton, 0, 1e-10, 100000, 0};   /* penalty runs its own gd */
    c.inner = &roomy;
    st = bl_hypergrad(&pen, &c, &r, &e);
    int pen_ok = st == BL_OK && r.inner.failures == 0;
    st = bl_hypergrad(&fd, &c, &r, &e);
    tap_ok(pen_ok && st == BL_OK && r.inner.solves == 2 * d && r.inner.failures == 0,
           "with newton both reach inner.tol: no failures");

    /* budgets: every entry of fd and of penalty stops short at maxit 3 */
    double hs[] = {1e-6, 1e-5, 1e-4}, lams[] = {10, 100, 1000};
    bl_budget b;
    st = bl_budget_compute(&b, Q, om, th, &three, &fd, 1, "h", hs, 3, 0, 0, 2, NULL, NULL, NULL,
                           &e);
    size_t nfalse = 0;
    for (size_t k = 0; st == BL_OK && k < 3; k++) nfalse += !b.converged[k];
    tap_ok(st == BL_OK && b.nunconv == 3 && nfalse == 3 && b.tally.solves == 3 * 2 * d
           && b.tally.failures == 3 * count && b.ref_converged && b.worst > 0,
           "budget of fd at maxit 3: %zu of 3 entries flagged, %zu of %zu solves stopped short",
           b.nunconv, b.tally.failures, b.tally.solves);
    bl_budget_release(&b);
    st = bl_budget_compute(&b, Q, om, th, &three, &pen, 1, "lam", lams, 3, 0, 0, 2, NULL, NULL,
                           NULL, &e);
    tap_ok(st == BL_OK && b.nunconv == 3 && b.tally.solves == 3 && b.tally.failures == 3,
           "budget of penalty at maxit 3: 3 of 3 entries flagged");
    bl_budget_release(&b);
    st = bl_budget_compute(&b, Q, om, th, &tight, &fd, 1, "h", hs, 3, 0, 0, 2, NULL, NULL, NULL,
                           &e);
    nfalse = 0;
    for (size_t k = 0; st == BL_OK && k < 3; k++) nfalse += !b.converged[k];
    tap_ok(st == BL_OK && b.nunconv == 0 && nfalse == 0 && b.tally.failures == 0
           && b.tally.solves == 3 * 2 * d, "budget of fd with newton: none flagged");
    bl_budget_release(&b);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(om2);
}

/* A grid where every point fails says why, once, with how many share it. */
static void failed_points(bl_dataset *ds)
{
    bl_problem *L = bl_problem_alloc(&bl_problem_lasso, NULL, ds, NULL);
    if (!L) {
        skip("lasso on synthetic data");
        return;
    }
    bl_inner_conf gd = {bl_inner_gd, 0, 1e-10, 100, 0};
    gsl_vector *om = gsl_vector_calloc(L->d), *th = gsl_vector_calloc(L->p);
    bl_axis ax = axis(0, -3, 1, 6);
    bl_surface s;
    int st = bl_surface_compute(&s, L, om, th, &gd, &ax, 1, NULL, 0, 0, 1, 2, NULL, NULL, NULL,
                                NULL);
    size_t f = 0, t = 0;
    for (size_t k = 0; k < 6 && st == BL_OK; k++) f += s.done[k] == 2, t += s.converged[k];
    tap_ok(st == BL_OK && s.nfailed == 6 && f == 6 && s.nreason == 6 && t == 0
           && s.nunconv == 0 && has(s.reason, "non-smooth"),
           "lasso with gd: 6 of 6 points failed, all for one reason: %s", s.reason);
    bl_surface_release(&s);
    bl_inner_conf ista = {bl_inner_ista, 0, 1e-10, 100000, 0};
    st = bl_surface_compute(&s, L, om, th, &ista, &ax, 1, NULL, 0, 0, 1, 2, NULL, NULL, NULL,
                            NULL);
    tap_ok(st == BL_OK && s.nfailed == 0 && s.nunconv == 0 && s.reason[0] == 0,
           "lasso with ista: no point fails, none stops short");
    bl_surface_release(&s);
    free(ax.values);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_problem_free(L);
}

/* The background job: the grid of bl_surface_compute bit for bit, its
 * progress as it runs, and a cancel that leaves a consistent partial
 * grid. */
static int same_grid(const bl_surface *a, const bl_surface *b)
{
    size_t n = a->npoints, d = a->d, q = a->nspecs;   /* est: nothing without specs */
    return a->npoints == b->npoints && a->ndone == b->ndone && a->nfailed == b->nfailed
           && a->nunconv == b->nunconv && memcmp(a->done, b->done, n) == 0
           && memcmp(a->converged, b->converged, n) == 0 && same_doubles(a->F, b->F, n)
           && same_doubles(a->grad, b->grad, n * d) && same_doubles(a->resid, b->resid, n)
           && same_doubles(a->est, b->est, q * n * d)
           && same_doubles(a->rel_err, b->rel_err, q * n)
           && !strcmp(a->ref, b->ref) && a->partial == b->partial
           && a->inner_iters == b->inner_iters && a->hvp == b->hvp
           && a->tally.solves == b->tally.solves && a->tally.failures == b->tally.failures;
}

static void job_checks(bl_problem *Q, bl_problem *R)
{
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 100000, 0};
    gsl_vector *om = gsl_vector_calloc(Q->d), *th = gsl_vector_calloc(Q->p);
    bl_axis ax[2] = {axis(0, -3, 1, 13), axis(1, -1, 1, 5)};
    bl_spec sp[2];
    bl_spec_parse("cg:k=3", &sp[0], NULL);
    bl_spec_parse("reverse:t=20", &sp[1], NULL);
    for (int path = 0; path < 2; path++) {
        bl_surface s0, s1;
        bl_surface_job *J = NULL;
        bl_err e = {0};
        int st0 = bl_surface_compute(&s0, Q, om, th, &ic, ax, 2, sp, 2, 0, path, 2, NULL, NULL,
                                     NULL, NULL);
        int st = bl_surface_job_start(&J, Q, om, th, &ic, ax, 2, sp, 2, 0, path, 2, &e);
        /* polled as it runs: done never goes back, never past the grid */
        bl_surface_progress p, last = {0};
        int mono = 1, polls = 0;
        while (st == BL_OK && !bl_surface_job_wait(J, 0.002)) {
            bl_surface_job_poll(J, &p);
            mono &= p.ndone >= last.ndone && p.ndone <= p.npoints && p.npoints == 65;
            const bl_surface *v = bl_surface_job_lock(J);
            size_t seen = 0;
            for (size_t k = 0; k < v->npoints; k++) {
                seen += v->done[k] != 0;
                mono &= v->done[k] != 1 || isfinite(v->F[k]);
                mono &= v->done[k] != 0 || isnan(v->F[k]);
            }
            bl_surface_job_unlock(J);
            mono &= seen >= p.ndone;
            last = p;
            polls++;
        }
        bl_surface_job_poll(J, &p);
        tap_ok(st == BL_OK && mono && p.finished && p.ndone == 65 && p.nfailed == 0,
               "job%s: polled %d times, points done only grow, each with its F; %zu of %zu "
               "at the end", path ? " along a path" : "", polls, p.ndone, p.npoints);
        st = bl_surface_job_finish(J, &s1, &e);
        tap_ok(st0 == BL_OK && st == BL_OK && same_grid(&s0, &s1),
               "job%s: the grid is bl_surface_compute's bit for bit (F, reference, estimates, "
               "flags, counts)", path ? " along a path" : "");
        bl_surface_release(&s0);
        bl_surface_release(&s1);
    }
    /* the unconverged count: gd capped at 20 on ridge */
    {
        bl_inner_conf capped = {bl_inner_gd, 0, 1e-10, 20, 0};
        gsl_vector *om1 = gsl_vector_calloc(1), *th1 = gsl_vector_calloc(R->p);
        bl_axis a1 = axis(0, -6, 4, 21);
        bl_surface s0, s1;
        bl_surface_job *J = NULL;
        bl_surface_progress p;
        int st0 = bl_surface_compute(&s0, R, om1, th1, &capped, &a1, 1, NULL, 0, 0, 1, 2, NULL,
                                     NULL, NULL, NULL);
        int st = bl_surface_job_start(&J, R, om1, th1, &capped, &a1, 1, NULL, 0, 0, 1, 2, NULL);
        while (st == BL_OK && !bl_surface_job_wait(J, 0.05)) continue;
        bl_surface_job_poll(J, &p);
        st = bl_surface_job_finish(J, &s1, NULL);
        tap_ok(st0 == BL_OK && st == BL_OK && p.nunconv == s0.nunconv && s0.nunconv > 0
               && p.nunconv < p.npoints && same_grid(&s0, &s1),
               "job: poll counts the points whose inner solves stopped short (%zu of %zu), "
               "as bl_surface_compute", p.nunconv, p.npoints);
        bl_surface_release(&s0);
        bl_surface_release(&s1);
        free(a1.values);
        gsl_vector_free(om1);
        gsl_vector_free(th1);
    }
    /* cancel: a long grid, stopped once a few points are done */
    {
        bl_inner_conf nt = {bl_inner_newton, 0, 1e-12, 100, 0};
        bl_axis big = axis(0, -3, 1, 20000);
        bl_surface s0, s1;
        bl_surface_job *J = NULL;
        bl_surface_progress p = {0};
        bl_err e = {0};
        int st = bl_surface_job_start(&J, Q, om, th, &nt, &big, 1, NULL, 0, 0, 1, 1, &e);
        while (st == BL_OK && p.ndone < 3 && !p.finished) {
            bl_surface_job_wait(J, 0.001);
            bl_surface_job_poll(J, &p);
        }
        bl_surface_job_cancel(J);
        st = bl_surface_job_finish(J, &s1, &e);
        int st0 = bl_surface_compute(&s0, Q, om, th, &nt, &big, 1, NULL, 0, 0, 1, 1, NULL, NULL,
                                     NULL, NULL);
        size_t marked = 0;
        int same = 1;
        for (size_t k = 0; k < s1.npoints && st == BL_EINTR; k++) {
            marked += s1.done[k] != 0;
            if (s1.done[k] == 1)
                same &= s1.F[k] == s0.F[k] && same_doubles(s1.grad + k * s1.d, s0.grad + k * s0.d, s1.d);
            else
                same &= isnan(s1.F[k]);
        }
        tap_ok(st == BL_EINTR && has(e.msg, "interrupted") && s1.partial && s1.ndone >= 3
               && s1.ndone < s1.npoints && marked == s1.ndone,
               "job: cancel stops it early: BL_EINTR, partial, %zu of %zu points marked done",
               s1.ndone, s1.npoints);
        tap_ok(st0 == BL_OK && same,
               "job: the points a cancelled job kept are the full grid's bit for bit, the "
               "others NaN");
        bl_surface_release(&s0);
        bl_surface_release(&s1);
        free(big.values);
    }
    /* errors come from the start, as from bl_surface_compute */
    {
        bl_axis bad = axis(5, 0, 1, 3);
        bl_surface_job *J = (bl_surface_job *)&bad;
        bl_err e = {0};
        int st = bl_surface_job_start(&J, Q, om, th, &ic, &bad, 1, NULL, 0, 0, 0, 1, &e);
        tap_ok(st == BL_EDIM && J == NULL && has(e.msg, "omega[5]"),
               "job: an axis past ω's dimension is refused at the start: %s", e.msg);
        free(bad.values);
    }
    free(ax[0].values);
    free(ax[1].values);
    gsl_vector_free(om);
    gsl_vector_free(th);
}

/* The eigenvalues of the symmetric N×N matrix A (row major, destroyed) by
 * cyclic Jacobi rotations, into LAM: independent of the code's
 * eigensolver, for checking the spectrum a note reports. */
static void jacobi_eig(double *A, size_t n, double *lam)
{
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) off += A[i * n + j] * A[i * n + j];
        if (off < 1e-30) break;
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++) {
                double aij = A[i * n + j];
                if (fabs(aij) < 1e-300) continue;
                double th = (A[j * n + j] - A[i * n + i]) / (2 * aij);
                double t = (th >= 0 ? 1 : -1) / (fabs(th) + sqrt(th * th + 1));
                double c = 1 / sqrt(t * t + 1), sn = t * c;
                for (size_t k = 0; k < n; k++) {        /* A ← A·R */
                    double x = A[k * n + i], y = A[k * n + j];
                    A[k * n + i] = c * x - sn * y;
                    A[k * n + j] = sn * x + c * y;
                }
                for (size_t k = 0; k < n; k++) {        /* A ← Rᵀ·A */
                    double x = A[i * n + k], y = A[j * n + k];
                    A[i * n + k] = c * x - sn * y;
                    A[j * n + k] = sn * x + c * y;
                }
            }
    }
    for (size_t i = 0; i < n; i++) lam[i] = A[i * n + i];
}

/* The notes of a budget: a diverging neumann's error rises, with the
 * spectrum of H matching Jacobi's; a contracting one and cg have no note;
 * exact is a constant baseline row; a failing spec says why. */
static void budget_notes(bl_problem *Q, gsl_vector *om, gsl_vector *th, const bl_inner_conf *ic)
{
    size_t p = Q->p;
    double *A = malloc(p * p * sizeof *A), *lam = calloc(p ? p : 1, sizeof *lam);
    gsl_vector *ej = gsl_vector_alloc(p), *hj = gsl_vector_alloc(p);
    for (size_t j = 0; j < p; j++) {                /* H column by column: H e_j */
        gsl_vector_set_basis(ej, j);
        Q->type->hvp(Q, th, om, ej, hj);
        for (size_t i = 0; i < p; i++) A[i * p + j] = gsl_vector_get(hj, i);
    }
    for (size_t i = 0; i < p; i++)                  /* symmetrise round-off */
        for (size_t j = i + 1; j < p; j++) A[i * p + j] = A[j * p + i] =
                                               0.5 * (A[i * p + j] + A[j * p + i]);
    jacobi_eig(A, p, lam);
    double lmin = lam[0], lmax = lam[0];
    for (size_t i = 1; i < p; i++) {
        lmin = fmin(lmin, lam[i]);
        lmax = fmax(lmax, lam[i]);
    }
    double eta_div = 2.5 / lmax;                    /* 1 − ηλmax = −1.5: diverges */
    char text[64];
    snprintf(text, sizeof text, "neumann:eta=%.17g", eta_div);
    bl_spec sp[4];
    bl_spec_parse("exact", &sp[0], NULL);
    bl_spec_parse("cg", &sp[1], NULL);
    bl_spec_parse("neumann", &sp[2], NULL);
    bl_spec_parse(text, &sp[3], NULL);
    double ks[] = {1, 2, 4, 8, 16, 32};
    bl_budget b;
    bl_err e = {0};
    int st = bl_budget_compute(&b, Q, om, th, ic, sp, 4, "k", ks, 6, 0, 0, 2, NULL, NULL, NULL,
                               &e);
    tap_ok(st == BL_OK && b.baseline[0] && !b.baseline[1] && !b.baseline[3],
           "budget: exact is accepted as a baseline row%s%s", e.msg[0] ? ": " : "", e.msg);
    int flat = 1;
    for (size_t v = 0; v < 6; v++) flat &= b.rel_err[v] == b.rel_err[0] && b.done[v];
    tap_ok(flat && b.rel_err[0] < 1e-12, "budget: the baseline row is constant (%.3g)",
           b.rel_err[0]);
    bl_budget_note nt[4];
    for (size_t q = 0; q < 4; q++) bl_budget_explain(&b, q, Q, om, th, &nt[q]);
    tap_ok(!nt[0].nonmono && !nt[1].nonmono && !nt[2].nonmono,
           "budget: no note for exact, cg and a contracting neumann");
    tap_ok(nt[3].nonmono && nt[3].iter && nt[3].spectrum,
           "budget: a diverging neumann's error rises (%.3g at k=%g → %.3g at k=%g)",
           b.rel_err[3 * 6 + nt[3].v_min], b.values[nt[3].v_min], b.rel_err[3 * 6 + nt[3].v_rise],
           b.values[nt[3].v_rise]);
    tap_ok(fabs(nt[3].lmin - lmin) < 1e-9 * lmax && fabs(nt[3].lmax - lmax) < 1e-9 * lmax,
           "budget note: λ ∈ [%.12g, %.12g] matches Jacobi's [%.12g, %.12g]", nt[3].lmin,
           nt[3].lmax, lmin, lmax);
    double q = fmax(fabs(1 - eta_div * lmin), fabs(1 - eta_div * lmax));
    tap_ok(fabs(nt[3].eta - eta_div) < 1e-15 && fabs(nt[3].q - q) < 1e-9 && nt[3].q > 1,
           "budget note: η = %.6g, max|1 − ηλ| = %.6g (expected %.6g)", nt[3].eta, nt[3].q, q);
    bl_budget_release(&b);

    /* mem.max too small for the spectrum's dense H: the note says the error
     * rises, without a spectrum, and why */
    st = bl_budget_compute(&b, Q, om, th, ic, sp + 3, 1, "k", ks, 6, 0, 0, 1, NULL, NULL, NULL,
                           &e);
    double keep = Q->mem_max;
    Q->mem_max = 8;
    bl_budget_note n1;
    bl_budget_explain(&b, 0, Q, om, th, &n1);
    Q->mem_max = keep;
    tap_ok(st == BL_OK && n1.nonmono && !n1.spectrum && n1.nospec[0],
           "budget note under mem.max: no spectrum: %s", n1.nospec);
    bl_budget_release(&b);

    /* a spec that fails: truncated with k > t says why, at every value */
    bl_spec tr;
    bl_spec_parse("truncated:k=10", &tr, NULL);
    double ts[] = {2, 4, 20};
    st = bl_budget_compute(&b, Q, om, th, ic, &tr, 1, "t", ts, 3, 0, 0, 2, NULL, NULL, NULL, &e);
    tap_ok(st == BL_OK && b.nfail[0] == 2 && isnan(b.rel_err[0]) && isfinite(b.rel_err[2])
           && has(b.why[0], "t=2"),
           "budget: nan entries counted (%zu) with the first reason: %s", b.nfail[0], b.why[0]);
    bl_budget_release(&b);
    free(A);
    free(lam);
    gsl_vector_free(ej);
    gsl_vector_free(hj);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);

    /* ridge on synthetic data: F on the grid is the closed form; the grid
     * minimum is within one grid step of the optimum */
    bl_synth_opts so;
    bl_synth_opts_default(&so);
    so.n = 60;
    so.m = 40;
    so.p = 6;
    so.noise = 1.0;
    so.seed = 5;
    bl_dataset *ds = NULL;
    bl_data_synth("regression", &so, &ds, NULL);
    bl_problem *R = bl_problem_alloc(&bl_problem_ridge, NULL, ds, NULL);
    tap_ok(R != NULL, "ridge on synthetic data");
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-12, 100, 0};
    gsl_vector *om = gsl_vector_calloc(1), *th = gsl_vector_calloc(R->p);
    gsl_vector *ts = gsl_vector_alloc(R->p), *g = gsl_vector_alloc(1);
    size_t n = 61;
    bl_axis ax = axis(0, -8, 4, n);
    bl_surface s;
    int st = bl_surface_compute(&s, R, om, th, &ic, &ax, 1, NULL, 0, 0, 0, 2, NULL, NULL, NULL,
                                NULL);
    tap_ok(st == BL_OK && s.ndone == n && s.nfailed == 0 && !s.partial,
           "ridge surface: %zu of %zu points, none failed", s.ndone, n);
    double worstF = 0, worstg = 0;
    for (size_t k = 0; k < n; k++) {
        gsl_vector_set(om, 0, ax.values[k]);
        R->type->theta_star(R, om, ts);
        double F = bl_problem_L(R, ts, om);
        R->type->hypergrad(R, om, g);
        worstF = fmax(worstF, fabs(s.F[k] - F) / fmax(1, fabs(F)));
        worstg = fmax(worstg, fabs(s.grad[k] - gsl_vector_get(g, 0)) / fmax(1e-12, fabs(gsl_vector_get(g, 0))));
    }
    tap_ok(worstF < 1e-12, "ridge surface F equals the closed form (worst %.3g)", worstF);
    tap_ok(worstg < 1e-8, "ridge surface reference equals the closed-form ∇F (worst %.3g)", worstg);

    /* the same along a path, with gd (whose iterations a good start saves) */
    {
        bl_inner_conf gd = {bl_inner_gd, 0, 1e-11, 1000000, 0};
        bl_surface s0, s1;
        int st0 = bl_surface_compute(&s0, R, om, th, &gd, &ax, 1, NULL, 0, 0, 0, 2, NULL, NULL,
                                     NULL, NULL);
        int st1 = bl_surface_compute(&s1, R, om, th, &gd, &ax, 1, NULL, 0, 0, 1, 2, NULL, NULL,
                                     NULL, NULL);
        /* worst errors against the closed form from θ₀ (q = 0) and along the
         * path (q = 1): the path must be as accurate as the tolerance allows */
        double wF[2] = {0, 0}, wg[2] = {0, 0};
        for (size_t k = 0; k < n && st0 == BL_OK && st1 == BL_OK; k++) {
            gsl_vector_set(om, 0, ax.values[k]);
            R->type->theta_star(R, om, ts);
            double F = bl_problem_L(R, ts, om);
            R->type->hypergrad(R, om, g);
            double gk = gsl_vector_get(g, 0);
            for (int q = 0; q < 2; q++) {
                const bl_surface *sq = q ? &s1 : &s0;
                wF[q] = fmax(wF[q], fabs(sq->F[k] - F) / fmax(1, fabs(F)));
                wg[q] = fmax(wg[q], fabs(sq->grad[k] - gk) / fmax(1e-12, fabs(gk)));
            }
        }
        tap_ok(st0 == BL_OK && st1 == BL_OK && s1.ndone == n && s1.path && !s0.path,
               "ridge surface along a path: %zu of %zu points", s1.ndone, n);
        tap_ok(wF[1] <= fmax(10 * wF[0], 1e-13) && wg[1] <= fmax(10 * wg[0], 1e-10),
               "along a path F and ∇F are as close to the closed form as from θ₀ "
               "(worst %.3g, %.3g; from θ₀ %.3g, %.3g)", wF[1], wg[1], wF[0], wg[0]);
        tap_ok(s1.inner_iters < s0.inner_iters, "gd along a path takes %lu iterations, "
               "from θ₀ at every point %lu", s1.inner_iters, s0.inner_iters);
        bl_surface_release(&s0);
        bl_surface_release(&s1);
        gsl_vector_set(om, 0, 0);
    }
    /* the optimum: ∇F changes sign between two grid points; bisect the closed form */
    size_t best = bl_surface_argmin(&s);
    double lo = -8, hi = 4;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        gsl_vector_set(om, 0, mid);
        R->type->hypergrad(R, om, g);
        if (gsl_vector_get(g, 0) > 0) hi = mid;
        else lo = mid;
    }
    double wstar = 0.5 * (lo + hi), step = 12.0 / (n - 1);
    tap_ok(best < n && fabs(ax.values[best] - wstar) <= step + 1e-12,
           "the grid minimum %.4g is within one step (%.3g) of the optimum %.6g",
           best < n ? ax.values[best] : NAN, step, wstar);
    bl_surface_release(&s);

    /* F on a grid matches pointwise evaluation with the same solver */
    bl_problem *Q = quadratic(8, 2, 30, 0.1, 3);
    bl_inner_conf icq = {bl_inner_newton, 0, 1e-12, 100, 0};
    gsl_vector *omq = gsl_vector_calloc(2), *thq = gsl_vector_calloc(8), *t2 = gsl_vector_alloc(8);
    gsl_vector_set(omq, 1, 0.3);
    bl_axis a0 = axis(0, -1, 1, 7);
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &a0, 1, NULL, 0, 0, 0, 3, NULL, NULL, NULL, NULL);
    double worst = 0;
    for (size_t k = 0; k < 7 && st == BL_OK; k++) {
        gsl_vector_set(omq, 0, a0.values[k]);
        gsl_vector_set_zero(t2);
        bl_inner_solve_at(Q, &icq, omq, t2, NULL, NULL, NULL);
        worst = fmax(worst, fabs(s.F[k] - bl_problem_L(Q, t2, omq)));
    }
    tap_ok(st == BL_OK && worst == 0, "grid F equals pointwise F bit for bit (other ω coordinates "
           "kept: ω₁ = 0.3), worst %.3g", worst);
    bl_surface_release(&s);

    /* inner solves that stop short: gd with a cap that some points meet,
     * gd with 3 iterations (every point), newton (none) */
    {
        bl_inner_conf mixed = {bl_inner_gd, 0, 1e-10, 20, 0};
        bl_inner_conf three = {bl_inner_gd, 0, 1e-10, 3, 0};
        bl_inner_conf newton = {bl_inner_newton, 0, 1e-10, 100, 0};
        unconverged_points(R, "ridge, gd capped at 20", &mixed, 1);
        unconverged_points(R, "ridge, gd capped at 3", &three, 0);
        unconverged_points(R, "ridge, newton", &newton, 0);
        unconverged_estimates(Q);
        failed_points(ds);
    }

    /* thread invariance on both problems */
    threads_invariance(R, 0, "ridge");
    threads_invariance(Q, 0, "quadratic d=2");
    threads_invariance(R, 1, "ridge along a path");
    threads_invariance(Q, 1, "quadratic d=2 along a path");

    job_checks(Q, R);

    /* cancellation: a set flag stops the grid, keeps what is done, partial */
    bl_cancel_t cancel = 1;
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &a0, 1, NULL, 0, 0, 1, 2, &cancel, NULL, NULL,
                            NULL);
    tap_ok(st == BL_EINTR && s.partial && s.ndone < s.npoints,
           "a cancelled grid returns BL_EINTR, partial, %zu of %zu points", s.ndone, s.npoints);
    bl_surface_release(&s);

    /* errors */
    bl_axis bad = axis(5, 0, 1, 3);
    bl_err e = {0};
    st = bl_surface_compute(&s, Q, omq, thq, &icq, &bad, 1, NULL, 0, 0, 0, 1, NULL, NULL, NULL, &e);
    tap_ok(st == BL_EDIM && has(e.msg, "omega[5]"), "an axis past ω's dimension: %s", e.msg);
    free(bad.values);

    /* budget: cg with k = p is exact; neumann's error falls with k;
     * 1 and 3 threads agree */
    bl_spec sp[2];
    bl_spec_parse("cg", &sp[0], NULL);
    bl_spec_parse("neumann", &sp[1], NULL);
    double ks[] = {1, 4, 8, 32, 128};
    bl_budget b1, b3;
    gsl_vector_set(omq, 0, 0.5);
    gsl_vector_set_zero(thq);
    bl_inner_solve_at(Q, &icq, omq, thq, NULL, NULL, NULL);
    st = bl_budget_compute(&b1, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 1, NULL, NULL, NULL, &e);
    int st3 = bl_budget_compute(&b3, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 3, NULL, NULL,
                                NULL, &e);
    tap_ok(st == BL_OK && st3 == BL_OK && b1.ndone == 10, "budget: 2 estimators × 5 values");
    tap_ok(b1.rel_err[2] < 1e-10, "budget: cg:k=8 on p=8 is exact (%.3g)", b1.rel_err[2]);
    int falls = 1;
    for (size_t v = 1; v < 5; v++) falls &= b1.rel_err[5 + v] < b1.rel_err[5 + v - 1];
    tap_ok(falls, "budget: neumann's error falls as k grows (%.3g → %.3g)", b1.rel_err[5],
           b1.rel_err[9]);
    tap_ok(same_doubles(b1.rel_err, b3.rel_err, 10), "budget: 1 and 3 threads agree bit for bit");
    bl_budget_release(&b1);
    bl_budget_release(&b3);
    bl_spec_parse("reverse", &sp[1], NULL);
    st = bl_budget_compute(&b1, Q, omq, thq, &icq, sp, 2, "k", ks, 5, 0, 0, 1, NULL, NULL, NULL, &e);
    tap_ok(st == BL_EINVAL && has(e.msg, "reverse has no parameter 'k'"),
           "budget: a parameter one estimator lacks is refused: %s", e.msg);
    budget_notes(Q, omq, thq, &icq);

    free(ax.values);
    free(a0.values);
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(ts);
    gsl_vector_free(g);
    gsl_vector_free(omq);
    gsl_vector_free(thq);
    gsl_vector_free(t2);
    bl_problem_free(R);
    bl_problem_free(Q);
    bl_dataset_free(ds);
    gsl_rng_free(rng);
    return tap_done();
}
