/* dash_model.c: the dashboard's model: copies of the inner and adjoint
 * histories, the hypergradient panel's estimates beside the reference
 * (bl_hg_compare), and the surface computed in the background
 * (bl_surface_job).  Refreshed by the key handlers after a command, read
 * by the panels. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "dash_int.h"
#include "stoch_cli.h"

/* ---- the model ---- */

static int hist_copy_from(hist_copy *h, const bl_history *src)
{
    if (src->n > h->cap) {
        size_t cap = src->n + src->n / 2 + 16;
        double *v = realloc(h->v, cap * sizeof *v);
        if (!v) return BL_ENOMEM;
        h->v = v;
        double *r = realloc(h->r, cap * sizeof *r);
        if (!r) return BL_ENOMEM;
        h->r = r;
        h->cap = cap;
    }
    if (src->n) {
        memcpy(h->v, src->value, src->n * sizeof *h->v);
        memcpy(h->r, src->resid, src->n * sizeof *h->r);
    }
    h->n = src->n;
    return BL_OK;
}

void dash_hist_free(hist_copy *h)
{
    free(h->v);
    free(h->r);
    memset(h, 0, sizeof *h);
}

/* The estimators of hypergrad.specs and the outer estimator, beside the
 * reference (bl_hg_compare: exact where H is positive definite, fd
 * otherwise, always one), at the current θ and ω.  The session is not
 * changed (no warm-start adjoint is kept), so that stepping in the
 * dashboard gives the numbers of the prompt. */
static void hg_update(bl_dash *D)
{
    bl_session *S = D->S;
    /* the specs as the settings keep them, parsed when they were set */
    const bl_setval *hs = &S->set[BL_S_HYPERGRAD_SPECS], *os = &S->set[BL_S_OUTER_ESTIMATOR];
    const bl_spec *use[HG_MAX];
    size_t n = 0;
    int outer = -1;
    for (size_t k = 0; k < hs->nspec && n < HG_MAX - 1; k++) {
        memset(&D->hg[n], 0, sizeof D->hg[n]);
        snprintf(D->hg[n].spec, sizeof D->hg[n].spec, "%s", hs->spec[k].text);
        use[n] = &hs->spec[k];
        if (!strcmp(hs->spec[k].text, os->str)) outer = (int)n;
        n++;
    }
    if (outer < 0) {
        memset(&D->hg[n], 0, sizeof D->hg[n]);
        snprintf(D->hg[n].spec, sizeof D->hg[n].spec, "%s", os->str);
        use[n] = os->spec;
        outer = (int)n++;
    }
    D->hg[outer].outer = 1;
    D->nhg = 0;
    D->have_ref = 0;
    bl_hg_cmp_free(&D->cmp);
    if (bl_hg_cmp_alloc(&D->cmp, n, S->P->d, S->P->p)) return;
    for (size_t i = 0; i < n; i++) {
        if (use[i]) D->cmp.e[i].spec = *use[i];
        else D->cmp.e[i].status = BL_EINVAL;
    }
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_hg_ctx c;
    bl_session_hg_ctx(S, &ic, &c);
    if (!S->adj_valid) c.adjoint0 = NULL;
    bl_session_hg_compare(S, &D->cmp, &c, BL_HG_CMP_ALWAYS_REF);
    for (size_t i = 0; i < n; i++) {
        const bl_hg_entry *x = &D->cmp.e[i];
        hg_row *w = &D->hg[i];
        w->status = x->status;
        if (w->status)
            snprintf(w->err, sizeof w->err, "%.199s",
                     x->err.msg[0] ? x->err.msg : bl_strerror(w->status));
    }
    if (D->cmp.ref >= 0) {
        D->have_ref = 1;
        snprintf(D->refname, sizeof D->refname, "%s", D->cmp.e[D->cmp.ref].spec.type->name);
    }
    D->hg_d = S->P->d;
    D->nhg = n;
}

/* The reference hypergradient (d), or NULL. */
const double *dash_hg_ref(const bl_dash *D)
{
    const gsl_vector *g = D->have_ref ? bl_hg_cmp_ref(&D->cmp) : NULL;
    return g ? g->data : NULL;
}

/* The stochastic algorithm of outer.opt: its rows (since it started or
 * was read back) and what the panels say of it.  Its rows are kept while
 * it is stale (θ or ω moved: the next step starts it afresh). */
static void stoch_update(bl_dash *D)
{
    bl_session *S = D->S;
    D->stoch = bl_stoch_selected(S);
    const bl_sopt *o = D->stoch ? S->sopt : NULL;
    D->stoch_live = o && bl_stoch_live(S) == o;
    if (!o) {
        D->nsrow = 0;
        D->stoch_t = 0;
        snprintf(D->stoch_name, sizeof D->stoch_name, "%.31s", S->set[BL_S_OUTER_OPT].str);
        char *c = strchr(D->stoch_name, ':');
        if (c) *c = '\0';
        const char *colon = strchr(S->set[BL_S_OUTER_OPT].str, ':');
        snprintf(D->stoch_spec, sizeof D->stoch_spec, "%s", colon ? colon + 1 : "");
        const bl_sopt_type *T = D->stoch ? bl_sopt_lookup(D->stoch_name) : NULL;
        D->stoch_has_v = T && T != bl_sopt_lookup("f2sa") && T != bl_sopt_lookup("bome");
        D->stoch_has_lambda = T && !D->stoch_has_v;
        D->stoch_lambda = NAN;
        D->stoch_bin = D->stoch_bout = 0;     /* known when it starts */
        return;
    }
    if (o->nrow > D->capsrow) {
        size_t cap = o->nrow + o->nrow / 2 + 16;
        bl_sopt_row *r = realloc(D->srow, cap * sizeof *r);
        if (!r) return;
        D->srow = r;
        double *x = realloc(D->sx, cap * sizeof *x);
        if (!x) return;
        D->sx = x;
        double *y = realloc(D->sy, cap * sizeof *y);
        if (!y) return;
        D->sy = y;
        D->capsrow = cap;
    }
    if (o->nrow) memcpy(D->srow, o->rows, o->nrow * sizeof *D->srow);
    D->nsrow = o->nrow;
    D->stoch_t = o->t;
    snprintf(D->stoch_name, sizeof D->stoch_name, "%s", o->spec.type->name);
    const char *colon = strchr(o->spec.text, ':');
    snprintf(D->stoch_spec, sizeof D->stoch_spec, "%s", colon ? colon + 1 : "");
    D->stoch_has_v = o->spec.type != bl_sopt_lookup("f2sa") && o->spec.type != bl_sopt_lookup("bome");
    D->stoch_has_lambda = !D->stoch_has_v;
    D->stoch_lambda = o->lmbda;
    D->stoch_bin = o->sin->b;
    D->stoch_bout = o->sout->b;
}

void dash_forget(bl_dash *D)
{
    D->ih.n = D->ah.n = 0;
    D->nsrow = 0;
    D->inner_live = D->adj_live = 0;
    D->inner_iters = D->adj_iters = 0;
    D->nhg = 0;
    D->have_ref = 0;
    D->model_ok = 0;
}

/* Everything the panels show that is not a plain field of the session;
 * called by the key handlers after a command.  Computed again only when
 * the session's generation moved since (or the last one was stopped);
 * a new problem or outer optimiser forgets the histories shown. */
void dash_model_update(bl_dash *D)
{
    bl_session *S = D->S;
    D->dirty = 1;
    if (D->model_ok && D->gen == S->gen) return;      /* nothing changed */
    double t0 = bl_clock();
    if (bl_session_changed(S, D->gen, BL_CHG_PROBLEM | BL_CHG_OUTER)) dash_forget(D);
    D->gen = S->gen;
    D->model_ok = 0;
    if (!S->P) return;
    D->F = bl_problem_L(S->P, S->theta, S->omega);
    D->G = bl_problem_G(S->P, S->theta, S->omega);
    D->eta = bl_session_eta(S);
    /* ‖∇θG‖, or the prox-gradient residual of a non-smooth problem */
    D->gres = bl_inner_residual(S->P, S->theta, S->omega, D->eta);
    const bl_inner *in = bl_session_live_inner(S);
    if (in && hist_copy_from(&D->ih, &in->hist) == BL_OK) {
        D->inner_live = 1;
        snprintf(D->inner_name, sizeof D->inner_name, "%s", in->type->name);
        D->inner_iters = S->inner_total;
        D->inner_value = in->value;
        D->inner_resid = in->resid;
    } else {
        D->inner_live = 0;
    }
    if (S->adj && hist_copy_from(&D->ah, &S->adj->hist) == BL_OK) {
        D->adj_live = bl_session_live_adjoint(S) != NULL;
        snprintf(D->adj_name, sizeof D->adj_name, "%s", S->adj->type->name);
        D->adj_iters = S->adj->iter;
        D->adj_resid = S->adj->resid;
        D->adj_norm = gsl_blas_dnrm2(S->adj->a);
    } else {
        D->adj_live = 0;
    }
    stoch_update(D);
    hg_update(D);
    D->model_ok = !*S->cancel;          /* stopped: computed again next time */
    D->t_model = bl_clock() - t0;
}

/* ---- the surface job ---- */

/* The job's grid S (bl_surface_job_finish's) becomes the session's
 * surface, as `surface` leaves it (partial when it was stopped), for plot
 * and export; dropped when the problem changed meanwhile or no point was
 * computed. */
static void job_install(bl_dash *D, bl_surface *s)
{
    bl_session *S = D->S;
    if (bl_session_changed(S, D->job_gen, BL_CHG_PROBLEM) || s->ndone == 0 || !s->F) {
        bl_surface_release(s);
        free(s);
        return;
    }
    bl_surface_release(S->surf);
    free(S->surf);
    S->surf = s;
}

/* Ends the job: waits for it (cancelled first unless it finished) and
 * keeps its points when INSTALL; the status, E says why. */
static int job_end(bl_dash *D, int install, bl_surface **out, bl_err *e)
{
    bl_surface *s = calloc(1, sizeof *s);
    int st = bl_surface_job_finish(D->job, s, e);
    D->job = NULL;
    D->dirty = 1;
    if (out) *out = s;
    else if (install && s) job_install(D, s);
    else if (s) {
        bl_surface_release(s);
        free(s);
    }
    return st;
}

/* Stops the job and keeps its points when INSTALL. */
void dash_job_stop(bl_dash *D, int install)
{
    if (!D->job) return;
    bl_surface_job_cancel(D->job);
    job_end(D, install, NULL, NULL);
}

/* Called by the loop: notices progress and the end of the job. */
void dash_job_poll(bl_dash *D)
{
    if (!D->job) return;
    bl_surface_progress p;
    bl_surface_job_poll(D->job, &p);
    if (p.ndone != D->job_seen) {
        D->job_seen = p.ndone;
        D->dirty = 1;
    }
    if (!p.finished) return;
    bl_surface *s = NULL;
    bl_err e = {0};
    int st = job_end(D, 0, &s, &e);
    if (!s) {
        dash_msg(D, BL_MSG_ERROR, "surface: out of memory");
        return;
    }
    if (st == BL_OK) {
        char un[96] = "";
        if (s->nunconv)
            snprintf(un, sizeof un, "; %zu points' inner solves stopped short of inner.tol",
                     s->nunconv);
        dash_msg(D, s->nunconv ? BL_MSG_WARNING : BL_MSG_NOTE, "surface: %zu points in %.3gs%s%s",
                 s->npoints, s->seconds, s->nfailed ? " (some failed)" : "", un);
    } else if (st == BL_EINTR) {
        dash_msg(D, BL_MSG_WARNING, "surface: stopped after %zu of %zu points (kept, partial)",
                 s->ndone, s->npoints);
    } else {
        dash_msg(D, BL_MSG_ERROR, "surface: %s", e.msg);
    }
    job_install(D, s);
}

/* The range of ω[C] a surface covers: the trajectory and the current
 * point with room around them, inside the outer box. */
static void surf_range(const bl_session *S, size_t c, double *lo, double *hi)
{
    const bl_trace *t = &S->outer->trace;
    double a = gsl_vector_get(S->omega, c), b = a;
    for (size_t r = 0; r < t->n; r++) {
        double v = t->omega[r * t->d + c];
        if (isfinite(v)) {
            a = fmin(a, v);
            b = fmax(b, v);
        }
    }
    double mid = 0.5 * (a + b), half = fmax(3.0, 0.75 * (b - a));
    *lo = mid - half;
    *hi = mid + half;
    double blo = S->set[BL_S_OUTER_LO].num, bhi = S->set[BL_S_OUTER_HI].num;
    if (isfinite(blo) && *lo < blo) *lo = blo;
    if (isfinite(bhi) && *hi > bhi) *hi = bhi;
    if (!(*hi > *lo)) *hi = *lo + 1;
}

/* Starts a surface around ω (SURF_N1 points, or SURF_NX × SURF_NY on
 * ω[0], ω[1]) in the background, on the settings `surface` uses. */
void dash_job_start(bl_dash *D)
{
    bl_session *S = D->S;
    if (!S->P) return;
    if (D->job) dash_job_stop(D, 0);
    bl_axis ax[2] = {{0}};
    size_t naxes = S->P->d >= 2 ? 2 : 1;
    size_t n[2] = {naxes == 2 ? SURF_NX : SURF_N1, SURF_NY};
    for (size_t a = 0; a < naxes; a++) {
        double lo, hi;
        ax[a].coord = a;
        ax[a].n = n[a];
        surf_range(S, a, &lo, &hi);
        if (!(ax[a].values = malloc(n[a] * sizeof(double)))) {
            free(ax[0].values);
            dash_msg(D, BL_MSG_ERROR, "surface: out of memory");
            return;
        }
        for (size_t i = 0; i < n[a]; i++)
            ax[a].values[i] = lo + (hi - lo) * (double)i / (double)(n[a] - 1);
    }
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_err e = {0};
    int st = bl_surface_job_start(&D->job, S->P, S->omega, S->theta, &ic, ax, naxes, NULL, 0,
                                  S->set[BL_S_INNER_STEP].num, bl_session_grid_path(S),
                                  (int)S->set[BL_S_THREADS].num, &e);
    free(ax[0].values);
    free(ax[1].values);
    if (st) {
        dash_msg(D, BL_MSG_ERROR, "surface: %s", e.msg);
        return;
    }
    D->job_gen = S->gen;
    D->job_seen = 0;
    dash_msg(D, BL_MSG_NOTE, "surface: %zu points in the background (Ctrl-C stops)",
             n[0] * (naxes == 2 ? n[1] : 1));
}
