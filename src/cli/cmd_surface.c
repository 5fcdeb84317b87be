/* cmd_surface.c: surface, compare, plot: grids computed in parallel by
 * src/core/surface.c and drawn by src/render/plot.c. */
#include "config.h"

#include <float.h>
#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_blas.h>

#include "args.h"
#include "command.h"
#include "output.h"
#include "figure.h"
#include "fileio.h"
#include "plot.h"
#include "stoch_cli.h"
#include "surface.h"

/* ---- shared helpers ---- */

/* Splits "cg:k=5,tol=1e-3,neumann,fd:h=1e-4" into specs: a piece with '='
 * and no ':' continues the previous spec, anything else starts one. */
static int parse_spec_list(const char *text, bl_spec *out, size_t max, size_t *n, bl_err *e)
{
    char buf[1024], cur[256] = "";
    *n = 0;
    if (strlen(text) >= sizeof buf) {
        bl_err_set(e, BL_EINVAL, "estimator list too long");
        return BL_EINVAL;
    }
    strcpy(buf, text);
    char *save = NULL;
    for (char *piece = strtok_r(buf, ",", &save);; piece = strtok_r(NULL, ",", &save)) {
        int cont = piece && strchr(piece, '=') && !strchr(piece, ':') && cur[0];
        if (cont) {
            size_t l = strlen(cur);
            snprintf(cur + l, sizeof cur - l, ",%s", piece);
            continue;
        }
        if (cur[0]) {
            if (*n == max) {
                bl_err_set(e, BL_EINVAL, "at most %zu estimators at once", max);
                return BL_EINVAL;
            }
            if (bl_spec_parse(cur, &out[*n], e)) return BL_EINVAL;
            (*n)++;
        }
        if (!piece) break;
        snprintf(cur, sizeof cur, "%s", piece);
    }
    if (*n == 0) {
        bl_err_set(e, BL_EINVAL, "no estimator given");
        return BL_EINVAL;
    }
    return BL_OK;
}

/* "omega" or "omega[i]" → coordinate; −1 when KEY is not an ω axis. */
static long omega_axis(const char *key, size_t d, bl_err *e)
{
    if (strcmp(key, "omega") == 0) return 0;
    if (strncmp(key, "omega[", 6) != 0) return -1;
    char *end;
    long i = strtol(key + 6, &end, 10);
    if (end == key + 6 || strcmp(end, "]") != 0 || i < 0) {
        bl_err_set(e, BL_EINVAL, "malformed axis '%s' (expected omega or omega[i])", key);
        return -2;
    }
    if ((size_t)i >= d) {
        bl_err_set(e, BL_EDIM, "axis %s is past ω's dimension (%zu, indices 0..%zu)", key, d,
                   d - 1);
        return -2;
    }
    return i;
}

static int parse_axis(const char *key, const char *val, size_t d, bl_axis *ax, bl_err *e)
{
    long c = omega_axis(key, d, e);
    if (c == -1) {
        bl_err_set(e, BL_EINVAL, "'%s' is not an axis (omega=lo:hi:n or omega[i]=lo:hi:n)", key);
        return BL_EINVAL;
    }
    if (c < 0) return BL_EINVAL;
    bl_range r;
    if (bl_parse_range(val, key, &r, e)) return BL_EINVAL;
    ax->coord = (size_t)c;
    ax->n = r.n;
    ax->values = malloc(r.n * sizeof(double));
    if (!ax->values) return BL_ENOMEM;
    for (size_t i = 0; i < r.n; i++) ax->values[i] = bl_range_value(&r, i);
    return BL_OK;
}

typedef struct progress { bl_session *S; double t0, last; int on; } progress;

static void on_progress(void *arg, size_t done, size_t total)
{
    progress *p = arg;
    if (!p->on) return;
    double now = bl_clock();
    if (now - p->last < 0.2 && done < total) return;
    p->last = now;
    double rate = done / (now - p->t0 + 1e-9);
    fprintf(p->S->errf, "\r  %zu/%zu points, %.3g/s, %.0fs left ", done, total, rate,
            (double)(total - done) / (rate > 0 ? rate : 1));
    fflush(p->S->errf);
}

static void progress_end(progress *p)
{
    if (p->on) fprintf(p->S->errf, "\r\033[K");
}

void bl_plot_options(const bl_session *S, bl_plot_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = (int)S->set[BL_S_PLOT_WIDTH].num;
    o->height = (int)S->set[BL_S_PLOT_HEIGHT].num;
    /* terminal plots fit the terminal: 12 columns of axis labels beside
     * the plot area, and 10 rows for the title, axes, labels, legend and
     * the prompt (figures do not use these) */
    int W = bl_session_width(S), R = bl_session_rows(S);
    if (W > 0 && o->width > W - 12) o->width = W - 12 < 10 ? 10 : W - 12;
    o->cols = W;
    if (R > 0 && o->height > R - 10) o->height = R - 10 < 4 ? 4 : R - 10;
    const char *style = S->set[BL_S_PLOT_STYLE].str, *color = S->set[BL_S_PLOT_COLOR].str;
    if (!strcmp(style, "auto")) {
        const char *cs = nl_langinfo(CODESET);
        o->unicode = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    } else {
        o->unicode = !strcmp(style, "unicode");
    }
    if (!strcmp(color, "auto")) {
        const char *term = getenv("TERM"), *ct = getenv("COLORTERM");
        o->color = isatty(fileno(S->out)) && ((term && strstr(term, "256")) || (ct && *ct));
    } else {
        o->color = !strcmp(color, "on");
    }
    /* figures: plot.size (kept as "WxH"), plot.dpi, plot.font ("family/size") */
    static char fam[sizeof S->set[0].str];
    int w = 700, h = 480;
    if (sscanf(S->set[BL_S_PLOT_SIZE].str, "%dx%d", &w, &h) == 2) {
        o->fig_w = w;
        o->fig_h = h;
    }
    o->fig_dpi = S->set[BL_S_PLOT_DPI].num;
    snprintf(fam, sizeof fam, "%s", S->set[BL_S_PLOT_FONT].str);
    char *sl = strchr(fam, '/');
    if (sl) *sl = 0;
    o->fig_font = fam;
    o->fig_fontsize = S->set[BL_S_PLOT_FONT].num;
    o->band_name = "10–90% over seeds";
}

static const char *axis_name(const bl_axis *a, char *buf, size_t len)
{
    snprintf(buf, len, "omega[%zu]", a->coord);
    return buf;
}

/* A figure's name of axis A: ω (ω[i] when ω has several entries), and a
 * secondary axis η = e^ω on top where the entry is log η (eta_slot). */
static void fig_axis(const bl_session *S, const bl_axis *a, char *buf, size_t len,
                     bl_plot_opts *o)
{
    if (S->P->d == 1) snprintf(buf, len, "ω");
    else snprintf(buf, len, "ω[%zu]", a->coord);
    static char x2[64];
    const char *n = S->P->type->exp_names;
    if (S->P->eta_slot && a->coord == S->P->eta_slot - 1) {
        o->x2name = "η = exp(ω)";
    } else if (n) {                     /* the coord-th name, or the last */
        for (size_t k = 0; k < a->coord && strchr(n, '|'); k++) n = strchr(n, '|') + 1;
        int l = (int)strcspn(n, "|");
        snprintf(x2, sizeof x2, "%.*s = exp(%s)", l, n, buf);
        o->x2name = x2;
    }
}

/* ---- inner solves that stopped short of inner.tol ---- */

/* What the inner residual of the session's problem is called. */
static const char *resid_name(const bl_session *S)
{
    return S->P->type->flags & BL_PROB_NONSMOOTH ? "prox residual" : "‖∇θG‖";
}

/* The legend line of the alert marks of a grid, into BUF. */
static const char *alert_note(size_t nunconv, size_t n, char *buf, size_t len)
{
    snprintf(buf, len, "inner solve stopped short of inner.tol (%zu of %zu points)", nunconv, n);
    return buf;
}

/* The warning line of a grid whose points' solves stopped short. */
static void warn_grid(bl_session *S, const bl_surface *s, const char *cmd)
{
    bl_inner_conf ic;
    char limit[64];
    bl_session_inner_conf(S, &ic);
    snprintf(limit, sizeof limit, "inner.maxit = %zu", ic.maxit);
    bl_warn_inner(S, cmd, s->nunconv, s->ndone - s->nfailed,
                  "points' inner solves", s->worst, resid_name(S), ic.tol, limit,
                  bl_session_json(S) ? "; \"converged\": false in the JSON"
                                     : "; marked " BL_PLOT_ALERT " in the plot");
}

/* A grid with every point failed is an error: the first reason, and how
 * many points share it. */
static int all_failed(const bl_surface *s, bl_err *e)
{
    if (s->npoints == 0 || s->nfailed < s->npoints) return BL_OK;
    if (s->nreason == s->nfailed)
        bl_err_set(e, BL_EUNSUPPORTED, "%zu of %zu points failed: %s", s->nfailed, s->npoints,
                   s->reason);
    else
        bl_err_set(e, BL_EUNSUPPORTED, "%zu of %zu points failed, %zu of them: %s", s->nfailed,
                   s->npoints, s->nreason, s->reason);
    return BL_EUNSUPPORTED;
}

/* The JSON members that say how a grid's inner solves ended. */
static void json_grid_inner(bl_json *j, const bl_surface *s)
{
    bl_json_arr_begin(j, "converged");
    for (size_t k = 0; k < s->npoints; k++) bl_json_bool(j, NULL, s->converged[k]);
    bl_json_arr_end(j);
    bl_json_vec(j, "inner_residual", s->resid, s->npoints, 1);
    bl_json_int(j, "inner_failures", (long long)s->nunconv);
    bl_json_num(j, "inner_worst_residual", s->worst);
    bl_json_int(j, "failed", (long long)s->nfailed);
    if (s->nfailed) {
        bl_json_str(j, "fail_reason", s->reason);
        bl_json_int(j, "fail_reason_points", (long long)s->nreason);
    }
}

/* ---- where a plot goes: the terminal, or a figure file through cairo ---- */

typedef struct target {
    FILE *f;                    /* the terminal stream, when path is NULL */
    const char *path;
    bl_err *e;
    int st;                     /* the first figure error */
} target;

static void t_lines(target *t, const bl_plot_opts *o, const bl_series *s, size_t ns,
                    const bl_mark *m, size_t nm)
{
    if (!t->path) bl_plot_lines(t->f, o, s, ns, m, nm);
    else if (!t->st) t->st = bl_figure_lines(t->path, o, s, ns, m, nm, t->e);
}

static void t_heatmap(target *t, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz, const bl_mark *m,
                      size_t nm)
{
    if (!t->path) bl_plot_heatmap(t->f, o, x, nx, y, ny, z, logz, 10, m, nm);
    else if (!t->st) t->st = bl_figure_heatmap(t->path, o, x, nx, y, ny, z, logz, m, nm, t->e);
}

/* ---- drawing a surface ---- */

static void draw_surface(bl_session *S, const bl_surface *s, target *tg)
{
    bl_plot_opts o;
    bl_plot_options(S, &o);
    char xl[32], yl[32], title[256];
    size_t d = s->d, n = s->npoints, nm = 0, best = bl_surface_argmin(s);
    const bl_trace *t = &S->outer->trace;
    bl_mark *marks = calloc(n * (s->nspecs + 2) + t->n + 4, sizeof *marks);
    char note[128];
    if (!marks) return;
    if (s->nunconv) o.note = alert_note(s->nunconv, s->ndone - s->nfailed, note, sizeof note);
    int ok_omega = S->omega->size == d, fig = tg->path != NULL;
    /* figure legends: one entry per tangent kind and per mark kind */
    char tlab[BL_SURF_MAXSPECS][160];
    for (size_t q = 0; q < s->nspecs && q < BL_SURF_MAXSPECS; q++)
        snprintf(tlab[q], sizeof tlab[q], "tangent: %s", s->specs[q].text);
    if (s->naxes == 1) {
        const bl_axis *a = &s->ax[0];
        double span = a->values[a->n - 1] - a->values[0];
        size_t every = n > 8 ? n / 8 : 1;
        for (size_t k = every / 2; k < n; k += every) {
            if (s->done[k] != 1) continue;
            /* tangent: dF/dω_c is the reference gradient's coordinate c */
            marks[nm++] = (bl_mark){a->values[k], s->F[k], s->grad[k * d + a->coord],
                                    fabs(span) / (3.0 * (n > 8 ? 8 : n)), NULL, 1, 0,
                                    "tangent: reference ∇F"};
            for (size_t q = 0; q < s->nspecs; q++) {
                double sl = s->est[(q * n + k) * d + a->coord];
                if (isfinite(sl))
                    marks[nm++] = (bl_mark){a->values[k], s->F[k], sl,
                                            fabs(span) / (3.0 * (n > 8 ? 8 : n)), NULL, (int)q + 2,
                                            0, tlab[q]};
            }
        }
        for (size_t r = 0; r < t->n && d >= 1; r++)
            marks[nm++] = (bl_mark){t->omega[r * d + a->coord], t->F[r], 0, 0, "o", 0, 0,
                                    "outer trace"};
        if (best != (size_t)-1)
            marks[nm++] = (bl_mark){a->values[best], s->F[best], 0, 0, "*", 0, 0,
                                    "grid minimum"};
        for (size_t k = 0; k < n; k++)       /* points whose solve stopped short */
            if (s->done[k] == 1 && !s->converged[k])
                marks[nm++] = (bl_mark){a->values[k], s->F[k], 0, 0, BL_PLOT_ALERT, 0, 1, NULL};
        if (ok_omega) {
            double w = gsl_vector_get(S->omega, a->coord), Fw = NAN;
            for (size_t k = 0; k + 1 < n; k++)   /* F at ω by interpolation, for the mark */
                if ((a->values[k] - w) * (a->values[k + 1] - w) <= 0 && s->done[k] == 1
                    && s->done[k + 1] == 1) {
                    double u = (w - a->values[k]) / (a->values[k + 1] - a->values[k]);
                    Fw = s->F[k] + u * (s->F[k + 1] - s->F[k]);
                    break;
                }
            if (isfinite(Fw))
                marks[nm++] = (bl_mark){w, Fw, 0, 0, o.unicode ? "◆" : "X", 0, 0, "current ω"};
        }
        bl_series sr = {"F", a->values, s->F, n};
        snprintf(title, sizeof title, "F over %s (tangents: reference ∇F%s; * minimum, o trace, %s ω)",
                 axis_name(a, xl, sizeof xl), s->nspecs ? " and estimators" : "",
                 o.unicode ? "◆" : "X");
        o.title = title;
        o.xlabel = xl;
        o.ylabel = "F";
        if (fig) {                           /* the legend names the marks */
            fig_axis(S, a, xl, sizeof xl, &o);
            snprintf(title, sizeof title, "F over %s", xl);
        }
        t_lines(tg, &o, &sr, 1, marks, nm);
    } else {
        const bl_axis *a = &s->ax[0], *b = &s->ax[1];
        /* arrows on a coarse subset: about six a side, never every point */
        size_t ev0 = a->n / 6 > 2 ? a->n / 6 : 2, ev1 = b->n / 6 > 2 ? b->n / 6 : 2;
        for (size_t j = ev1 / 2; !fig && j < b->n; j += ev1)
            for (size_t i = ev0 / 2; i < a->n; i += ev0) {
                size_t k = i + a->n * j;
                if (s->done[k] != 1) continue;
                marks[nm++] = (bl_mark){a->values[i], b->values[j], 0, 0,
                                        bl_plot_arrow(-s->grad[k * d + a->coord],
                                                      -s->grad[k * d + b->coord], o.unicode), 0, 0,
                                        NULL};
            }
        for (size_t r = 0; r < t->n; r++)
            marks[nm++] = (bl_mark){t->omega[r * d + a->coord], t->omega[r * d + b->coord], 0, 0,
                                    "o", 0, 0, "outer trace"};
        if (best != (size_t)-1)
            marks[nm++] = (bl_mark){a->values[best % a->n], b->values[best / a->n], 0, 0, "*", 0, 0,
                                    "grid minimum"};
        if (ok_omega)
            marks[nm++] = (bl_mark){gsl_vector_get(S->omega, a->coord),
                                    gsl_vector_get(S->omega, b->coord), 0, 0, "@", 0, 0,
                                    "current ω"};
        for (size_t k = 0; k < n; k++)
            if (s->done[k] == 1 && !s->converged[k])
                marks[nm++] = (bl_mark){a->values[k % a->n], b->values[k / a->n], 0, 0,
                                        BL_PLOT_ALERT, 0, 1, NULL};
        double lo = INFINITY, hi = -INFINITY;
        for (size_t k = 0; k < n; k++)
            if (isfinite(s->F[k])) {
                lo = fmin(lo, s->F[k]);
                hi = fmax(hi, s->F[k]);
            }
        snprintf(title, sizeof title, "F over %s × %s (arrows: −∇F; * minimum, o trace, @ ω)",
                 axis_name(a, xl, sizeof xl), axis_name(b, yl, sizeof yl));
        o.title = title;
        o.xlabel = xl;
        o.ylabel = yl;
        double *fu = NULL, *fv = NULL;
        if (fig) {                           /* −∇F at every point, shaded contours */
            bl_plot_opts o2 = o;
            fig_axis(S, a, xl, sizeof xl, &o);
            fig_axis(S, b, yl, sizeof yl, &o2);
            snprintf(title, sizeof title, "F over %s × %s", xl, yl);
            fu = malloc(n * sizeof *fu);
            fv = malloc(n * sizeof *fv);
            for (size_t k = 0; fu && fv && k < n; k++) {
                fu[k] = s->done[k] == 1 ? -s->grad[k * d + a->coord] : NAN;
                fv[k] = s->done[k] == 1 ? -s->grad[k * d + b->coord] : NAN;
            }
            o.field_u = fu && fv ? fu : NULL;
            o.field_v = fu && fv ? fv : NULL;
        }
        t_heatmap(tg, &o, a->values, a->n, b->values, b->n, s->F, lo > 0 && hi / lo > 100,
                  marks, nm);
        free(fu);
        free(fv);
    }
    free(marks);
}

/* One note line when the grid crosses (or touches) a fold of the problem
 * (problem.h folds: where θ*(ω) jumps between branches and H is singular). */
static void fold_note(bl_session *S, const bl_surface *s)
{
    if (!S->P->type->folds) return;
    char v[600], a[64];
    size_t l = 0, nf = 0;
    for (size_t i = 0; i < s->naxes; i++) {
        const bl_axis *ax = &s->ax[i];
        double w[8], lo = ax->values[0], hi = ax->values[ax->n - 1];
        if (lo > hi) {
            double t = lo;
            lo = hi;
            hi = t;
        }
        size_t m = S->P->type->folds(S->P, S->omega, ax->coord, w, 8);
        for (size_t f = 0; f < m && f < 8; f++)
            if (w[f] >= lo && w[f] <= hi && l < sizeof v)
                l += (size_t)snprintf(v + l, sizeof v - l, "%somega[%zu] = %s", nf++ ? ", " : "",
                                      ax->coord, bl_out_fmt(a, sizeof a, w[f], 6));
    }
    if (!nf || l >= sizeof v) return;
    snprintf(v + l, sizeof v - l, ": %s",
             nf > 1 ? "these are folds of the inner problem" : "a fold of the inner problem");
    char msg[800];
    snprintf(msg, sizeof msg, "the grid crosses %s (H is singular there and θ*(ω) jumps "
             "between branches: F and ∇F may jump, and which branch a point is on depends "
             "on its start)", v);
    bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = msg});
}

static void print_surface_summary(bl_session *S, const bl_surface *s)
{
    int dg = bl_session_digits(S), timing = S->set[BL_S_TIMING].num != 0;
    size_t best = bl_surface_argmin(s);
    char a[64], b[64], v[256];
    char failed[640];
    if (s->nfailed == 0) snprintf(failed, sizeof failed, "0 failed");
    else if (s->nreason == s->nfailed)
        snprintf(failed, sizeof failed, "%zu failed: %s", s->nfailed, s->reason);
    else
        snprintf(failed, sizeof failed, "%zu failed, %zu of them: %s", s->nfailed, s->nreason,
                 s->reason);
    fprintf(S->out, "%zu of %zu points%s (%s), reference %s,%s%zu inner iterations "
            "(%s)", s->ndone, s->npoints, s->partial ? ", PARTIAL" : "", failed, s->ref,
            bl_session_wide(S) ? " " : "\n  ", (size_t)s->inner_iters, s->path ? "along a path" : "each from θ");
    if (timing) fprintf(S->out, ", %.3gs on %d threads (%.3g points/s)", s->seconds, s->threads,
                        s->ndone / (s->seconds + 1e-12));
    fprintf(S->out, "\n");
    if (best != (size_t)-1) {
        if (s->naxes == 1)
            snprintf(v, sizeof v, "omega[%zu] = %s", s->ax[0].coord,
                     bl_out_fmt(a, sizeof a, s->ax[0].values[best], dg));
        else
            snprintf(v, sizeof v, "omega[%zu] = %s, omega[%zu] = %s", s->ax[0].coord,
                     bl_out_fmt(a, sizeof a, s->ax[0].values[best % s->ax[0].n], dg), s->ax[1].coord,
                     bl_out_fmt(b, sizeof b, s->ax[1].values[best / s->ax[0].n], dg));
        fprintf(S->out, "grid minimum F = %s at %s\n", bl_out_fmt(b, sizeof b, s->F[best], dg), v);
    }
    for (size_t q = 0; q < s->nspecs; q++) {
        double worst = 0, sum = 0;
        size_t cnt = 0;
        for (size_t k = 0; k < s->npoints; k++) {
            double r = s->rel_err[q * s->npoints + k];
            if (!isfinite(r)) continue;
            worst = fmax(worst, r);
            sum += r;
            cnt++;
        }
        if (bl_session_wide(S))
            fprintf(S->out, "  %-24s relative error: mean %s, worst %s over %zu points\n",
                    s->specs[q].text, bl_out_fmt(a, sizeof a, cnt ? sum / cnt : NAN, 3),
                    bl_out_fmt(b, sizeof b, cnt ? worst : NAN, 3), cnt);
        else                           /* compact: fits 80 columns */
            fprintf(S->out, "  %s rel.err: mean %s, worst %s (%zu points)\n",
                    s->specs[q].text, bl_out_fmt(a, sizeof a, cnt ? sum / cnt : NAN, 3),
                    bl_out_fmt(b, sizeof b, cnt ? worst : NAN, 3), cnt);
    }
    for (size_t q = 0; q < s->nspecs; q++) {    /* each estimator's nan points, and why */
        size_t k = s->est_first[q];
        if (!s->est_nfail[q] || k >= s->npoints) continue;
        char v2[900], at[160];
        if (s->naxes == 1)
            snprintf(at, sizeof at, "omega[%zu] = %s", s->ax[0].coord,
                     bl_out_fmt(a, sizeof a, s->ax[0].values[k], dg));
        else
            snprintf(at, sizeof at, "omega[%zu] = %s, omega[%zu] = %s", s->ax[0].coord,
                     bl_out_fmt(a, sizeof a, s->ax[0].values[k % s->ax[0].n], dg),
                     s->ax[1].coord, bl_out_fmt(b, sizeof b, s->ax[1].values[k / s->ax[0].n], dg));
        snprintf(v2, sizeof v2, "%s is nan at %zu of %zu solved points (the first at %s): %s",
                 s->specs[q].text, s->est_nfail[q], s->ndone - s->nfailed, at, s->est_why[q]);
        bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = v2});
    }
}

static void json_surface(bl_session *S, const bl_surface *s, const char *cmd)
{
    bl_json j;
    char name[32];
    bl_json_begin(&j, S->out, cmd);
    bl_json_arr_begin(&j, "axes");
    for (size_t a = 0; a < s->naxes; a++) {
        bl_json_obj_begin(&j, NULL);
        bl_json_str(&j, "name", axis_name(&s->ax[a], name, sizeof name));
        bl_json_vec(&j, "values", s->ax[a].values, s->ax[a].n, 1);
        bl_json_obj_end(&j);
    }
    bl_json_arr_end(&j);
    bl_json_vec(&j, "F", s->F, s->npoints, 1);
    bl_json_arr_begin(&j, "grad");
    for (size_t k = 0; k < s->npoints; k++) bl_json_vec(&j, NULL, s->grad + k * s->d, s->d, 1);
    bl_json_arr_end(&j);
    bl_json_str(&j, "reference", s->ref);
    bl_json_arr_begin(&j, "estimates");
    for (size_t q = 0; q < s->nspecs; q++) {
        bl_json_obj_begin(&j, NULL);
        bl_json_str(&j, "spec", s->specs[q].text);
        bl_json_vec(&j, "rel_err", s->rel_err + q * s->npoints, s->npoints, 1);
        bl_json_vec(&j, "cosine", s->cosine + q * s->npoints, s->npoints, 1);
        bl_json_arr_begin(&j, "grad");
        for (size_t k = 0; k < s->npoints; k++)
            bl_json_vec(&j, NULL, s->est + (q * s->npoints + k) * s->d, s->d, 1);
        bl_json_arr_end(&j);
        bl_json_obj_end(&j);
    }
    bl_json_arr_end(&j);
    size_t best = bl_surface_argmin(s);
    if (best != (size_t)-1) bl_json_int(&j, "argmin", (long long)best);
    bl_json_bool(&j, "partial", s->partial);
    bl_json_int(&j, "points_done", (long long)s->ndone);
    bl_json_num(&j, "seconds", s->seconds);
    bl_json_int(&j, "threads", s->threads);
    bl_json_str(&j, "start", s->path ? "path" : "theta");
    bl_json_int(&j, "inner_iterations", (long long)s->inner_iters);
    json_grid_inner(&j, s);
    bl_json_end(&j);
}

/* Runs a grid over ω; the result (also a partial one) replaces *SLOT. */
static int run_grid(bl_session *S, bl_surface **slot, bl_axis *axes, size_t naxes,
                    const bl_spec *specs, size_t nspecs, bl_err *e)
{
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_surface *s = calloc(1, sizeof *s);
    if (!s) return BL_ENOMEM;
    progress pr = {S, bl_clock(), 0, !S->batch && isatty(fileno(S->errf))};
    bl_surface_job *J;
    int st = bl_surface_job_start(&J, S->P, S->omega, S->theta, &ic, axes, naxes, specs,
                                  nspecs, S->set[BL_S_INNER_STEP].num,
                                  bl_session_grid_path(S), (int)S->set[BL_S_THREADS].num, e);
    if (st) {
        free(s);
        return st;
    }
    /* the grid runs in its own thread: this one shows its progress and
     * passes Ctrl-C on */
    while (!bl_surface_job_wait(J, 0.1)) {
        bl_surface_progress p;
        if (*S->cancel) bl_surface_job_cancel(J);
        bl_surface_job_poll(J, &p);
        if (p.ndone) on_progress(&pr, p.ndone, p.npoints);
    }
    st = bl_surface_job_finish(J, s, e);
    progress_end(&pr);
    if (st == BL_OK) st = all_failed(s, e);
    if (st && st != BL_EINTR) {
        bl_surface_release(s);
        free(s);
        return st;
    }
    bl_surface_release(*slot);
    free(*slot);
    *slot = s;
    return st;
}

/* ---- surface ---- */

static int exec_surface(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_axis axes[2] = {{0}};
    size_t naxes = 0, nspecs = 0;
    bl_spec specs[BL_SURF_MAXSPECS];
    int st = BL_OK;
    for (int i = 0; i < argc && st == BL_OK; i++) {
        char *key, *val;
        if (!bl_split_kv(argv[i], &key, &val)) {
            bl_err_set(e, st = BL_EINVAL, "'%s' is not AXIS=RANGE or with=SPECS", argv[i]);
        } else if (!strcmp(key, "with")) {
            st = parse_spec_list(val, specs, BL_SURF_MAXSPECS, &nspecs, e);
        } else if (naxes == 2) {
            bl_err_set(e, st = BL_EINVAL, "at most two axes");
        } else {
            st = parse_axis(key, val, S->P->d, &axes[naxes], e);
            if (st == BL_OK) naxes++;
        }
    }
    if (st == BL_OK && naxes == 0)
        bl_err_set(e, st = BL_EINVAL, "which axis? (surface omega=-6:2:41 or omega[0]=.. omega[1]=..)");
    if (st == BL_OK) st = run_grid(S, &S->surf, axes, naxes, specs, nspecs, e);
    for (size_t i = 0; i < 2; i++) free(axes[i].values);
    if (st && st != BL_EINTR) return st;
    if (bl_session_json(S)) json_surface(S, S->surf, "surface");
    else {
        target tg = {S->out, NULL, NULL, 0};
        print_surface_summary(S, S->surf);
        draw_surface(S, S->surf, &tg);
        fold_note(S, S->surf);
    }
    warn_grid(S, S->surf, "surface");
    return st;
}

static const char *complete_surface(bl_session *S, int argi, char **w, size_t i)
{
    static const char *const keys[] = {"omega=", "omega[0]=", "omega[1]=", "with="};
    (void)S;
    (void)w;
    (void)argi;
    return i < 4 ? keys[i] : NULL;
}

const bl_command bl_cmd_surface = {
    .name = "surface",
    .usage = "surface AXIS=RANGE [AXIS=RANGE] [with=SPEC,SPEC,...]",
    .summary = "F and its hypergradient over a 1-D or 2-D grid of ω, in parallel, plotted",
    .help =
        "surface omega=lo:hi:n[:log] [with=SPECS]\n"
        "surface omega[i]=lo:hi:n omega[j]=lo:hi:n [with=SPECS]\n"
        "    (finite ends, 1 ≤ n ≤ 100000 points an axis)\n"
        "    At every grid point (other ω coordinates as now) the inner problem is\n"
        "    solved to inner.tol, and F, the reference hypergradient (exact, or fd\n"
        "    where H is not positive definite) and each estimator of with= are\n"
        "    recorded.  Each solve starts from the current θ, or along a path from\n"
        "    the solutions before it on axis 0 (surface.start: path by default\n"
        "    where G has one minimiser).  Points run in parallel on 'threads'\n"
        "    threads; the result is the same for any number of threads.  A progress\n"
        "    line shows on a terminal; Ctrl-C stops and keeps the points done\n"
        "    (marked partial).  1-D: F with tangent marks of ∇F (and of each\n"
        "    estimator); 2-D: a heatmap of F with arrows of −∇F.  Marked: the grid\n"
        "    minimum (*), the outer trace (o) and the current ω.  See plot, export.\n"
        "    Points whose inner solves (fd's and penalty's too) stopped short of\n"
        "    inner.tol are marked '!' (red), counted in one warning line with the\n"
        "    worst ‖∇θG‖, and false in the JSON array converged (inner_failures\n"
        "    counts them).  Failed points say why; when all fail, surface fails.\n"
        "    Estimators' nan points are noted with the first one's error, and a\n"
        "    grid that crosses a fold of the problem (doublewell: |ω| = 2/(3√3),\n"
        "    where H is singular and θ*(ω) jumps between the wells) gets a note.",
    .minargs = 1, .maxargs = 4,
    .exec = exec_surface,
    .complete = complete_surface,
};

/* ---- compare ---- */

static void draw_budget(bl_session *S, const bl_budget *b, target *tg)
{
    bl_plot_opts o;
    bl_plot_options(S, &o);
    bl_series sr[BL_SURF_MAXSPECS];
    size_t n = b->nspecs * b->nvalues, nm = 0;
    bl_mark *marks = calloc(n + 1, sizeof *marks);
    char note[128];
    if (!marks) return;
    /* a baseline row (exact) is a horizontal line; at 0 (exact against
     * itself) it is drawn at ε, where a log axis can show it */
    double *floor0 = malloc(b->nvalues * sizeof *floor0);
    char base[BL_SURF_MAXSPECS][96];
    if (!floor0) {
        free(marks);
        return;
    }
    for (size_t v = 0; v < b->nvalues; v++) floor0[v] = DBL_EPSILON;
    for (size_t q = 0; q < b->nspecs; q++) {
        const double *r = b->rel_err + q * b->nvalues;
        sr[q] = (bl_series){b->specs[q].text, b->values, r, b->nvalues};
        if (!b->baseline[q]) continue;
        int zero = b->done[q * b->nvalues] && r[0] == 0;
        snprintf(base[q], sizeof base[q], "%s (baseline%s)", b->specs[q].text,
                 zero ? ": 0, drawn at 2.2e-16" : "");
        sr[q].label = base[q];
        if (zero) sr[q].y = floor0;
    }
    for (size_t k = 0; k < n; k++)
        if (b->done[k] && !b->converged[k])
            marks[nm++] = (bl_mark){b->values[k % b->nvalues], b->rel_err[k], 0, 0,
                                    BL_PLOT_ALERT, 0, 1, NULL};
    if (b->nunconv) {
        snprintf(note, sizeof note, "inner solves stopped short of inner.tol (%zu of %zu "
                 "estimates)", b->nunconv, b->ndone);
        o.note = note;
    }
    char title[128];
    snprintf(title, sizeof title, "relative error against %s as %s grows", b->ref, b->param);
    o.title = title;
    o.xlabel = b->param;
    o.ylabel = "relative error";
    o.logy = 1;
    o.logx = b->values[0] > 0 && b->values[b->nvalues - 1] / b->values[0] > 20;
    t_lines(tg, &o, sr, b->nspecs, marks, nm);
    free(floor0);
    free(marks);
}

static void print_budget(bl_session *S, const bl_budget *b)
{
    char a[64];
    int timing = S->set[BL_S_TIMING].num != 0;
    fprintf(S->out, "relative error against %s%s", b->ref, b->partial ? " (PARTIAL)" : "");
    if (timing) fprintf(S->out, ", %.3gs on %d threads", b->seconds, b->threads);
    fprintf(S->out, "\n");
    /* the wide form: columns of 16; the compact form (80 columns): each
     * column as wide as its header, at least 9 (a %.3g number and the
     * alert mark), and the headers e1, e2, ... with a legend under the
     * table when the estimators' names do not fit.  A spec with an error
     * bound somewhere gets a bound column after its own: the bound over
     * ‖reference‖, on the scale of the relative error (~: estimated, not
     * certified; doc/bounds.md) */
    int hasb[BL_SURF_MAXSPECS] = {0};
    for (size_t k = 0; k < b->nspecs * b->nvalues; k++)
        if (!isnan(b->bound[k])) hasb[k / b->nvalues] = 1;
    int wide = bl_session_wide(S), W = bl_session_width(S), pw = 10, sw[BL_SURF_MAXSPECS];
    int bw = wide ? 11 : 10, total = pw + 1, shortname = 0;
    char lab[BL_SURF_MAXSPECS][24];
    for (size_t q = 0; q < b->nspecs; q++) {
        int w = bl_utf8_width(b->specs[q].text);
        sw[q] = wide ? 16 : w > 9 ? w : 9;
        total += sw[q] + 1 + (hasb[q] ? bw + 1 : 0);
    }
    int nob = 0;
    if (!wide && W > 0 && total > W) {
        shortname = 1;
        total = pw + 1;
        for (size_t q = 0; q < b->nspecs; q++) {
            sw[q] = 9;
            total += sw[q] + 1 + (hasb[q] ? bw + 1 : 0);
        }
        if (total > W)          /* the bounds do not fit: JSON and the wide form have them */
            for (size_t q = 0; q < b->nspecs; q++) nob |= hasb[q], hasb[q] = 0;
    }
    bl_pad(S->out, b->param, pw);
    for (size_t q = 0; q < b->nspecs; q++) {
        int lastcol = q + 1 == b->nspecs;
        snprintf(lab[q], sizeof lab[q], "e%zu", q + 1);
        bl_pad(S->out, shortname ? lab[q] : b->specs[q].text,
               wide || !lastcol || hasb[q] ? sw[q] : 0);
        if (hasb[q]) bl_pad(S->out, "bound", wide || !lastcol ? bw : 0);
    }
    fputc('\n', S->out);
    for (size_t v = 0; v < b->nvalues; v++) {
        bl_pad(S->out, bl_out_fmt(a, sizeof a, b->values[v], 6), pw);
        for (size_t q = 0; q < b->nspecs; q++) {
            size_t k = q * b->nvalues + v;
            if (b->done[k] && !b->converged[k]) {
                /* the estimate stands on a solve that stopped short */
                size_t l = strlen(bl_out_fmt(a, sizeof a, b->rel_err[k], 3));
                snprintf(a + l, sizeof a - l, "%s", BL_PLOT_ALERT);
            }
            bl_pad(S->out, b->done[k] ? (b->converged[k] ? bl_out_fmt(a, sizeof a, b->rel_err[k], 3)
                                                          : a) : "-",
                   wide || q + 1 < b->nspecs || hasb[q] ? sw[q] : 0);
            if (hasb[q]) {
                char c[64];
                if (isnan(b->bound[k])) snprintf(a, sizeof a, "-");
                else snprintf(a, sizeof a, "%s%s", b->bound_cert[k] ? "" : "~",
                              bl_out_fmt(c, sizeof c, b->bound[k] / (b->ref_norm > 0 ? b->ref_norm
                                                                     : 1), wide ? 3 : 2));
                bl_pad(S->out, a, wide || q + 1 < b->nspecs ? bw : 0);
            }
        }
        fputc('\n', S->out);
    }
    for (size_t q = 0; shortname && q < b->nspecs; q++)
        fprintf(S->out, "  %s = %s\n", lab[q], b->specs[q].text);
    if (nob)
        fprintf(S->out, "  (the error bounds do not fit in %d columns: set table.wide on, "
                "or --json)\n", W);
    if (b->nunconv)
        fprintf(S->out, "%s inner solves stopped short of inner.tol (%zu of %zu estimates)\n",
                BL_PLOT_ALERT, b->nunconv, b->ndone);
}

/* The note lines that explain a comparison over a budget: each nan (why
 * the method failed there), each error that rises again as the budget
 * grows (with the spectrum of I − ηH where the method iterates with it),
 * and the baseline row.  Into NOTES (one per spec at most, two lines for
 * a spec with both); BL_EINTR when Ctrl-C stopped a spectrum. */
static int budget_notes(bl_session *S, const bl_budget *b, bl_budget_note *nt)
{
    for (size_t q = 0; q < b->nspecs; q++) {
        int st = bl_budget_explain(b, q, S->P, S->omega, S->theta, &nt[q]);
        if (st) return st;
    }
    return BL_OK;
}

static void print_budget_notes(bl_session *S, const bl_budget *b, const bl_budget_note *nt)
{
    char v[1400], a[64], c[64], x[64], y[64];
    for (size_t q = 0; q < b->nspecs; q++) {
        const char *who = b->specs[q].text;
        if (b->baseline[q] && !b->nfail[q]) {
            snprintf(v, sizeof v, "%s is a baseline row: it has no %s, its relative error "
                     "against %s is %s at every %s", who, b->param, b->ref,
                     bl_out_fmt(a, sizeof a, b->rel_err[q * b->nvalues], 3), b->param);
            bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
        }
        if (b->nfail[q]) {
            snprintf(v, sizeof v, "%s is nan at %zu of %zu values of %s: %s", who, b->nfail[q],
                     b->nvalues, b->param, b->why[q]);
            bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
        }
        const bl_budget_note *n = &nt[q];
        if (!n->nonmono) continue;
        const double *r = b->rel_err + q * b->nvalues;
        int l = snprintf(v, sizeof v, "%s's error rises%s as %s grows: %s at %s = %s, then "
                         "%s at %s = %s", who, n->v_min > 0 ? " again" : "", b->param,
                         bl_out_fmt(a, sizeof a, r[n->v_min], 3),
                         b->param, bl_out_fmt(c, sizeof c, b->values[n->v_min], 6),
                         bl_out_fmt(x, sizeof x, r[n->v_rise], 3), b->param,
                         bl_out_fmt(y, sizeof y, b->values[n->v_rise], 6));
        if (n->spectrum) {
            double e1 = 1 - n->eta * n->lmax, e2 = 1 - n->eta * n->lmin;
            int both = e1 < 0 && e2 > 0;
            l += snprintf(v + l, sizeof v - l, "; it iterates with I − ηH, η = %.4g, "
                          "λ(H) ∈ [%.4g, %.4g], so 1 − ηλ ∈ [%.4g, %.4g]", n->eta, n->lmin,
                          n->lmax, e1, e2);
            if (n->q >= 1)
                snprintf(v + l, sizeof v - l, "%s and max|1 − ηλ| = %.4g ≥ 1: it diverges "
                         "(η < 2/λmax = %.4g contracts)", both ? " has both signs" : "", n->q,
                         n->lmax > 0 ? 2 / n->lmax : NAN);
            else if (both)
                snprintf(v + l, sizeof v - l, " has both signs: the error oscillates as it "
                         "converges (max|1 − ηλ| = %.4g < 1)", n->q);
            else
                snprintf(v + l, sizeof v - l, ", max|1 − ηλ| = %.4g < 1 of one sign: the "
                         "rise is not the iteration's (round-off, or the inner solve)", n->q);
        } else if (n->iter) {
            snprintf(v + l, sizeof v - l, " (its iteration matrix I − ηH is not known here: %s)",
                     n->nospec);
        }
        size_t k0 = q * b->nvalues;
        if (b->done[k0 + n->v_rise] && !b->converged[k0 + n->v_rise]) {
            l = strlen(v);
            snprintf(v + l, sizeof v - l, "; the entries marked %s stand on inner solves that "
                     "stopped short of inner.tol", BL_PLOT_ALERT);
        }
        bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
    }
}

static void json_budget(bl_session *S, const bl_budget *b, const bl_budget_note *nt)
{
    bl_json j;
    bl_json_begin(&j, S->out, "compare");
    bl_json_str(&j, "over", b->param);
    bl_json_str(&j, "reference", b->ref);
    bl_json_arr_begin(&j, "rows");
    for (size_t q = 0; q < b->nspecs; q++)
        for (size_t v = 0; v < b->nvalues; v++) {
            size_t k = q * b->nvalues + v;
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "spec", b->specs[q].text);
            bl_json_num(&j, "param", b->values[v]);
            bl_json_num(&j, "rel_err", b->rel_err[k]);
            bl_json_num(&j, "cosine", b->cosine[k]);
            if (isnan(b->bound[k])) bl_json_null(&j, "error_bound");
            else {
                bl_json_num(&j, "error_bound", b->bound[k]);
                bl_json_bool(&j, "error_bound_certified", b->bound_cert[k]);
            }
            bl_json_int(&j, "hvp", (long long)b->hvp[k]);
            bl_json_obj_end(&j);
        }
    bl_json_arr_end(&j);
    bl_json_bool(&j, "partial", b->partial);
    bl_json_num(&j, "seconds", b->seconds);
    bl_json_int(&j, "threads", b->threads);
    bl_json_arr_begin(&j, "converged");             /* one per row, in their order */
    for (size_t k = 0; k < b->nspecs * b->nvalues; k++) bl_json_bool(&j, NULL, b->converged[k]);
    bl_json_arr_end(&j);
    bl_json_int(&j, "inner_failures", (long long)b->nunconv);
    bl_json_num(&j, "inner_worst_residual", b->worst);
    bl_json_bool(&j, "reference_converged", b->ref_converged);
    bl_json_num(&j, "inner_residual", b->theta_resid);
    if (nt) {                                       /* what the notes say */
        bl_json_arr_begin(&j, "notes");
        for (size_t q = 0; q < b->nspecs; q++) {
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "spec", b->specs[q].text);
            bl_json_bool(&j, "baseline", b->baseline[q]);
            bl_json_int(&j, "nan", (long long)b->nfail[q]);
            if (b->nfail[q]) bl_json_str(&j, "why", b->why[q]);
            bl_json_bool(&j, "nonmonotone", nt[q].nonmono);
            if (nt[q].spectrum) {
                bl_json_num(&j, "eta", nt[q].eta);
                bl_json_num(&j, "lambda_min", nt[q].lmin);
                bl_json_num(&j, "lambda_max", nt[q].lmax);
                bl_json_num(&j, "contraction", nt[q].q);
            }
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
    }
    bl_json_end(&j);
}

/* The warning line of a comparison over a budget. */
static void warn_budget(bl_session *S, const bl_budget *b)
{
    bl_inner_conf ic;
    char limit[64];
    bl_session_inner_conf(S, &ic);
    snprintf(limit, sizeof limit, "inner.maxit = %zu", ic.maxit);
    bl_warn_inner(S, "compare", b->nunconv, b->ndone, "estimates' inner solves",
                  b->worst, resid_name(S), ic.tol, limit,
                  b->ref_converged ? NULL : "; the reference's (fd) too");
}

static void draw_compare_grid(bl_session *S, const bl_surface *s, target *tg)
{
    bl_plot_opts o;
    bl_plot_options(S, &o);
    char xl[32], title[160];
    size_t n = s->npoints, nm = 0;
    bl_mark *marks = calloc(n * (s->nspecs + 1) + 1, sizeof *marks);
    char note[128];
    if (!marks) return;
    if (s->nunconv) o.note = alert_note(s->nunconv, s->ndone - s->nfailed, note, sizeof note);
    if (s->naxes == 1) {
        bl_series sr[BL_SURF_MAXSPECS];
        for (size_t q = 0; q < s->nspecs; q++)
            sr[q] = (bl_series){s->specs[q].text, s->ax[0].values, s->rel_err + q * s->npoints,
                                s->npoints};
        for (size_t k = 0; k < n; k++)
            for (size_t q = 0; q < s->nspecs && s->done[k] == 1 && !s->converged[k]; q++)
                marks[nm++] = (bl_mark){s->ax[0].values[k], s->rel_err[q * n + k], 0, 0,
                                        BL_PLOT_ALERT, 0, 1, NULL};
        snprintf(title, sizeof title, "relative error against %s over %s", s->ref,
                 axis_name(&s->ax[0], xl, sizeof xl));
        o.title = title;
        o.xlabel = xl;
        o.ylabel = "relative error";
        o.logy = 1;
        t_lines(tg, &o, sr, s->nspecs, marks, nm);
    } else {
        for (size_t k = 0; k < n; k++)
            if (s->done[k] == 1 && !s->converged[k])
                marks[nm++] = (bl_mark){s->ax[0].values[k % s->ax[0].n],
                                        s->ax[1].values[k / s->ax[0].n], 0, 0, BL_PLOT_ALERT, 0, 1,
                                        NULL};
        char yl[32];
        for (size_t q = 0; q < s->nspecs; q++) {
            snprintf(title, sizeof title, "relative error of %s against %s", s->specs[q].text,
                     s->ref);
            o.title = title;
            o.xlabel = axis_name(&s->ax[0], xl, sizeof xl);
            o.ylabel = axis_name(&s->ax[1], yl, sizeof yl);
            t_heatmap(tg, &o, s->ax[0].values, s->ax[0].n, s->ax[1].values, s->ax[1].n,
                      s->rel_err + q * s->npoints, 1, marks, nm);
            if (tg->path) break;            /* a file holds the first estimator's map */
        }
    }
    free(marks);
}

/* compare search: a grid search against gradient-based tuning from the
 * current ω (on copies: the session does not move), each to F within 1% of
 * the best grid value. */
static int compare_search(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_axis axes[2] = {{0}};
    size_t naxes = 0;
    int st = BL_OK;
    for (int i = 0; i < argc && st == BL_OK; i++) {
        char *k, *v;
        if (!bl_split_kv(argv[i], &k, &v)) bl_err_set(e, st = BL_EINVAL, "'%s' is not AXIS=RANGE", argv[i]);
        else if (naxes == 2) bl_err_set(e, st = BL_EINVAL, "at most two axes");
        else if ((st = parse_axis(k, v, S->P->d, &axes[naxes], e)) == BL_OK) naxes++;
    }
    if (st == BL_OK && naxes == 0)
        bl_err_set(e, st = BL_EINVAL, "compare search needs the grid: omega=lo:hi:n");
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_surface grid = {0};
    unsigned long h0 = 0;
    if (st == BL_OK) {
        /* 1. the grid search, one thread, as a user's loop would run */
        st = bl_surface_compute(&grid, S->P, S->omega, S->theta, &ic, axes, naxes, NULL, 0,
                                S->set[BL_S_INNER_STEP].num, bl_session_grid_path(S), 1,
                                S->cancel, NULL, NULL, e);
    }
    for (size_t i = 0; i < 2; i++) free(axes[i].values);
    if (st == BL_OK) st = all_failed(&grid, e);
    if (st) {
        bl_surface_release(&grid);
        return st;
    }
    size_t best = bl_surface_argmin(&grid);
    if (best == (size_t)-1) {
        bl_surface_release(&grid);
        bl_err_set(e, BL_EUNSUPPORTED, "no grid point could be solved");
        return BL_EUNSUPPORTED;
    }
    double Fbest = grid.F[best], target = Fbest + 0.01 * fabs(Fbest);
    /* how far into the grid (in its order) the first point within 1% is */
    size_t first = 0;
    while (first < grid.npoints && !(grid.F[first] <= target)) first++;

    /* 2. gradient-based tuning from the current ω, on copies */
    bl_problem *Q = bl_problem_clone(S->P);
    gsl_vector *om = gsl_vector_alloc(S->P->d), *th = gsl_vector_alloc(S->P->p);
    bl_outer *o = bl_outer_alloc(S->outer->type, S->P->d);
    bl_spec spec;
    st = Q && om && th && o ? bl_spec_parse(S->set[BL_S_OUTER_ESTIMATOR].str, &spec, e) : BL_ENOMEM;
    size_t steps = 0;
    double Freached = NAN, t0 = bl_clock();
    bl_err stop = {0};                  /* why the gradient run stopped early, if it did */
    if (st == BL_OK) {
        gsl_vector_memcpy(om, S->omega);
        gsl_vector_memcpy(th, S->theta);
        bl_outer_conf oc;
        bl_session_outer_conf(S, &oc);
        oc.type = o->type;
        bl_outer_env env = {.P = Q, .omega = om, .theta = th, .inner = &ic, .conf = &oc,
                            .estimator = &spec, .cancel = S->cancel,
                            .mem_max = S->set[BL_S_MEM_MAX].num};
        h0 = Q->n_hvp;
        for (steps = 0; steps < 500; steps++) {
            Freached = o->trace.n ? o->trace.F[o->trace.n - 1] : NAN;
            if (o->trace.n && Freached <= target) break;
            bl_err se = {0};
            int s2 = bl_outer_step(o, &env, &se);
            if (s2 == BL_EINTR) {
                st = s2;
                bl_err_set(e, st, "interrupted");
                break;
            }
            if (s2) {
                bl_err_set(&stop, s2, "outer step %zu failed: %s", steps + 1, se.msg);
                break;
            }
        }
    }
    double tg = bl_clock() - t0;
    int dg = bl_session_digits(S), timing = S->set[BL_S_TIMING].num != 0;
    /* the inner solves of both: each grid point counts as one */
    bl_solve_tally ot = {0, 0, 0};
    for (size_t r = 0; o && r < o->trace.n; r++) bl_tally_merge(&ot, &o->trace.info[r].inner);
    size_t nfail = grid.nunconv + ot.failures, nsolves = grid.ndone - grid.nfailed + ot.solves;
    double worst = fmax(grid.worst, ot.worst);
    if (st == BL_OK) {
        int reached = o->trace.n && Freached <= target;
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "compare");
            bl_json_str(&j, "what", "search");
            bl_json_num(&j, "F_best_grid", Fbest);
            bl_json_num(&j, "target", target);
            bl_json_arr_begin(&j, "rows");
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "method", "grid search");
            bl_json_int(&j, "inner_solves", (long long)grid.npoints);
            bl_json_int(&j, "inner_solves_to_target", (long long)(first + 1));
            bl_json_int(&j, "hvp", (long long)grid.hvp);
            bl_json_num(&j, "seconds", grid.seconds);
            bl_json_num(&j, "F", Fbest);
            bl_json_int(&j, "inner_failures", (long long)grid.nunconv);
            bl_json_obj_end(&j);
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "method", "gradient");
            bl_json_str(&j, "estimator", spec.text);
            bl_json_int(&j, "steps", (long long)steps);
            bl_json_int(&j, "inner_solves", (long long)o->solves);
            bl_json_int(&j, "hvp", (long long)(Q->n_hvp - h0));
            bl_json_num(&j, "seconds", tg);
            bl_json_num(&j, "F", Freached);
            bl_json_bool(&j, "reached", reached);
            bl_json_int(&j, "inner_failures", (long long)ot.failures);
            if (stop.code) bl_json_str(&j, "stopped", stop.msg);
            bl_json_obj_end(&j);
            bl_json_arr_end(&j);
            bl_json_arr_begin(&j, "converged");     /* the grid's points, as surface */
            for (size_t k = 0; k < grid.npoints; k++) bl_json_bool(&j, NULL, grid.converged[k]);
            bl_json_arr_end(&j);
            bl_json_int(&j, "inner_failures", (long long)nfail);
            bl_json_num(&j, "inner_worst_residual", worst);
            bl_json_end(&j);
        } else {
            char a[64], b[64];
            fprintf(S->out, "best grid value F = %s; target F ≤ %s (within 1%%)\n",
                    bl_out_fmt(a, sizeof a, Fbest, dg), bl_out_fmt(b, sizeof b, target, dg));
            fprintf(S->out, "%-22s %12s %10s %s\n", "method", "inner solves", "H-products",
                    timing ? "seconds" : "");
            fprintf(S->out, "%-22s %12zu %10lu %s\n", "grid search (all)", grid.npoints,
                    grid.hvp, timing ? bl_out_fmt(a, sizeof a, grid.seconds, 3) : "");
            fprintf(S->out, "%-22s %12zu %10s   (the first point within 1%% in grid order)\n",
                    "grid search (to 1%)", first + 1, "-");
            fprintf(S->out, "%-22s %12zu %10lu %s  %s after %zu steps of %s with %s\n",
                    "gradient (run)", o->solves, Q->n_hvp - h0,
                    timing ? bl_out_fmt(a, sizeof a, tg, 3) : "", reached ? "reached" : "NOT reached",
                    steps, o->type->name, spec.text);
        }
        bl_inner_conf ic2;
        char limit[64];
        bl_session_inner_conf(S, &ic2);
        snprintf(limit, sizeof limit, "inner.maxit = %zu", ic2.maxit);
        bl_warn_inner(S, "compare", nfail, nsolves, "inner solves", worst,
                      resid_name(S), ic2.tol, limit, NULL);
        if (stop.code)
            bl_session_msg(S, BL_MSG_WARNING, "compare", "the gradient run stopped: %s",
                           stop.msg);
    }
    bl_surface_release(&grid);
    bl_problem_free(Q);
    gsl_vector_free(om);
    gsl_vector_free(th);
    bl_outer_free(o);
    return st;
}

static int exec_compare(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (strcmp(argv[0], "search") == 0) return compare_search(S, argc - 1, argv + 1, e);
    if (bl_compare_stoch_is(argv[0])) return bl_compare_stoch(S, argc, argv, e);
    bl_spec specs[BL_SURF_MAXSPECS];
    size_t nspecs = 0;
    if (parse_spec_list(argv[0], specs, BL_SURF_MAXSPECS, &nspecs, e)) return BL_EINVAL;
    char *key, *val;
    if (argc < 2 || !bl_split_kv(argv[1], &key, &val)) {
        bl_err_set(e, BL_EINVAL, "compare needs PARAM=RANGE (k=1:200:30:log) or "
                   "omega=RANGE after the estimators");
        return BL_EINVAL;
    }
    int st;
    if (omega_axis(key, S->P->d, NULL) != -1) {
        bl_axis axes[2] = {{0}};
        size_t naxes = 0;
        st = BL_OK;
        for (int i = 1; i < argc && st == BL_OK; i++) {
            char *k2 = key, *v2 = val;          /* argv[1] is split already */
            if (i > 1 && !bl_split_kv(argv[i], &k2, &v2))
                bl_err_set(e, st = BL_EINVAL, "'%s' is not AXIS=RANGE", argv[i]);
            else if (naxes == 2)
                bl_err_set(e, st = BL_EINVAL, "at most two axes");
            else if ((st = parse_axis(k2, v2, S->P->d, &axes[naxes], e)) == BL_OK)
                naxes++;
        }
        if (st == BL_OK) st = run_grid(S, &S->cgrid, axes, naxes, specs, nspecs, e);
        for (size_t i = 0; i < 2; i++) free(axes[i].values);
        if (st && st != BL_EINTR) return st;
        S->last_compare = 1;
        if (bl_session_json(S)) json_surface(S, S->cgrid, "compare");
        else {
            target tg = {S->out, NULL, NULL, 0};
            print_surface_summary(S, S->cgrid);
            draw_compare_grid(S, S->cgrid, &tg);
            fold_note(S, S->cgrid);
        }
        warn_grid(S, S->cgrid, "compare");
        return st;
    }
    if (argc > 2) {
        bl_err_set(e, BL_EINVAL, "compare over a parameter takes one PARAM=RANGE");
        return BL_EINVAL;
    }
    bl_range r;
    if (bl_parse_range(val, key, &r, e)) return BL_EINVAL;
    double *vals = malloc(r.n * sizeof *vals);
    if (!vals) return BL_ENOMEM;
    for (size_t i = 0; i < r.n; i++) vals[i] = bl_range_value(&r, i);
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_budget *b = calloc(1, sizeof *b);
    progress pr = {S, bl_clock(), 0, !S->batch && isatty(fileno(S->errf))};
    st = b ? bl_budget_compute(b, S->P, S->omega, S->theta, &ic, specs, nspecs, key, vals, r.n,
                               S->set[BL_S_INNER_STEP].num, S->set[BL_S_MEM_MAX].num,
                               (int)S->set[BL_S_THREADS].num, S->cancel, on_progress, &pr, e)
           : BL_ENOMEM;
    progress_end(&pr);
    free(vals);
    if (st && st != BL_EINTR) {
        free(b);
        return st;
    }
    bl_budget_release(S->budget);
    free(S->budget);
    S->budget = b;
    S->last_compare = 2;
    gsl_vector *gth = gsl_vector_alloc(S->P->p);
    if (gth && !bl_session_json(S)) {
        double r = bl_inner_residual(S->P, S->theta, S->omega, bl_session_eta(S));
        if (r > ic.tol) {
            char msg[256];
            snprintf(msg, sizeof msg, "θ is not solved (‖∇θG‖ = %.3g > inner.tol): the "
                     "estimates are taken at this θ; 'solve inner' first for ∇F", r);
            bl_msg_write(S->out, &(bl_msg){.kind = BL_MSG_NOTE, .text = msg});
        }
    }
    gsl_vector_free(gth);
    bl_budget_note nt[BL_SURF_MAXSPECS];
    int nst = budget_notes(S, b, nt);
    if (bl_session_json(S)) json_budget(S, b, nt);
    else {
        target tg = {S->out, NULL, NULL, 0};
        print_budget(S, b);
        draw_budget(S, b, &tg);
        print_budget_notes(S, b, nt);
    }
    warn_budget(S, b);
    return st ? st : nst;
}

const bl_command bl_cmd_compare = {
    .name = "compare",
    .usage = "compare SPEC,SPEC,... PARAM=RANGE | compare SPEC,... AXIS=RANGE [AXIS=RANGE] | "
             "compare search AXIS=RANGE [AXIS=RANGE] | "
             "compare ALG,ALG,... calls=N|epochs=E|steps=N [seeds=N] [points=N] [PAR=RANGE ...]",
    .summary = "estimator errors as a budget grows or across ω; stochastic algorithms over "
               "seeds; in parallel",
    .help =
        "compare cg,neumann k=1:200:30:log\n"
        "    each estimator's relative error against the reference (exact, or fd)\n"
        "    at the current θ and ω with its parameter PARAM set to each value of\n"
        "    the range: a table and a log-scale plot (error against iterations).\n"
        "    Every estimator listed must have PARAM (k for cg, neumann, fp; t for\n"
        "    reverse, forward, truncated; eta; lam; h), except exact: a baseline row,\n"
        "    computed once, constant (a horizontal line in the plot; 0 against an\n"
        "    exact reference, drawn at 2.2e-16 on the log axis).  Note lines say\n"
        "    why a row has nan entries (the estimator's own error: H not positive\n"
        "    definite, refused by mem.max, ...) and why an error rises as PARAM\n"
        "    grows (to over twice its smallest so far): for neumann, fp and the\n"
        "    unrolled estimators, which iterate with I − ηH, η and the extreme\n"
        "    eigenvalues of H (where mem.max affords them) with 1 − ηλ's sign and\n"
        "    max|1 − ηλ| (≥ 1: it diverges).  JSON: \"notes\", one per estimator.\n"
        "    exact, cg, neumann and fp get a bound column: their error bound\n"
        "    (doc/bounds.md) over ‖reference‖, ~ where not certified; JSON rows\n"
        "    carry the absolute \"error_bound\".\n"
        "compare cg:k=5,neumann:k=20 omega=-6:2:41 [omega[1]=...]\n"
        "    each estimator's relative error (and cosine) across a grid of ω, the\n"
        "    inner problem solved at every point: where a method breaks.  A note\n"
        "    per estimator with nan points: how many, the first, and its error;\n"
        "    one when the grid crosses a fold of the problem (doublewell).\n"
        "compare search omega=-8:4:49\n"
        "    grid search against gradient-based tuning (outer.opt, outer.estimator,\n"
        "    from the current ω, on copies): the inner solves, H-products and seconds\n"
        "    each needs to reach F within 1% of the best grid value.\n"
        "compare soba,saba,srba,amigo,stocbio,f2sa,bome calls=20000 seeds=10\n"
        "    stochastic outer algorithms (help stochastic), each from the current θ\n"
        "    and ω (v = 0) on copies of the problem, for a budget of oracle calls\n"
        "    (or epochs=E, steps=N), over seeds=N seeds (seed, seed+1, ...; default\n"
        "    1); batch.inner, batch.outer and sampler as for step outer.  ‖∇F‖ (and\n"
        "    F − F*) at points=30 checkpoints log-spaced up to the budget, each the\n"
        "    last iterate within it: the median and 10-90% band over the seeds in a\n"
        "    table and a log plot.  PAR=lo:hi:n[:log] (step_size, outer_ratio, any\n"
        "    parameter) runs every combination for each algorithm that has PAR and\n"
        "    keeps the best by the median final ‖∇F‖, saying which won.  Needs\n"
        "    closed-form ∇F: quadsum, ridge, ridge-multi.  The runs spread over\n"
        "    'threads'; the numbers do not depend on their count.\n"
        "All but search run in parallel ('threads'), with progress and Ctrl-C as\n"
        "surface; 'plot compare' redraws, 'export compare FILE' writes the numbers.\n"
        "In a list, a piece with '=' and no ':' continues the previous spec:\n"
        "cg:k=5,tol=1e-3,neumann is two estimators.\n"
        "Inner solves that stop short of inner.tol are flagged as in surface: '!',\n"
        "one warning line, and JSON converged (per point or row) and inner_failures.",
    .minargs = 2, .maxargs = 12,
    .exec = exec_compare,
    .complete = bl_complete_compare,
};

/* ---- plot ---- */

static void draw_trace(bl_session *S, target *tg)
{
    const bl_trace *t = &S->outer->trace;
    bl_plot_opts o;
    bl_plot_options(S, &o);
    double *it = malloc((t->n ? t->n : 1) * sizeof *it);
    if (!it) return;
    for (size_t r = 0; r < t->n; r++) it[r] = (double)r;
    bl_series s1 = {"F", it, t->F, t->n}, s2 = {"‖∇F‖", it, t->gnorm, t->n};
    o.title = "F over the outer iterations";
    o.xlabel = "outer iteration";
    o.ylabel = "F";
    if (tg->path) {                    /* one figure, two panels */
        bl_plot_opts o2[2] = {o, o};
        o2[0].xlabel = "";
        o2[1].title = NULL;
        o2[1].ylabel = "‖∇F‖";
        o2[1].logy = 1;
        const bl_series *ss[2] = {&s1, &s2};
        size_t ns[2] = {1, 1};
        if (!tg->st) tg->st = bl_figure_panels(tg->path, 2, o2, ss, ns, tg->e);
    } else {
        t_lines(tg, &o, &s1, 1, NULL, 0);
        o.title = "‖∇F‖ over the outer iterations";
        o.ylabel = "‖∇F‖";
        o.logy = 1;
        t_lines(tg, &o, &s2, 1, NULL, 0);
    }
    free(it);
}

/* plot vector NAME: θ, the adjoint kept by the session, or ω, against the
 * index; or one of the problem's own vectors (vector_names, e.g. heat's
 * u0), drawn with θ, its reconstruction. */
static const char *const vec_names[] = {"theta", "adjoint", "omega"};

/* Whether NAME is one of the '|'-separated LIST. */
static int in_list(const char *list, const char *name)
{
    size_t l = strlen(name);
    for (const char *p = list; p && *p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
        if (strncmp(p, name, l) == 0 && (p[l] == '|' || p[l] == 0)) return 1;
    return 0;
}

static int draw_problem_vector(bl_session *S, const char *name, const gsl_vector *u,
                               target *tg, bl_err *e)
{
    size_t n = u->size;
    double *ix = malloc((n ? n : 1) * sizeof *ix), *y = malloc((n ? n : 1) * sizeof *y);
    double *t = malloc((n ? n : 1) * sizeof *t);
    if (!ix || !y || !t) {
        free(ix);
        free(y);
        free(t);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ix[i] = (double)i;
        y[i] = gsl_vector_get(u, i);
        t[i] = i < S->theta->size ? gsl_vector_get(S->theta, i) : NAN;
    }
    char title[160], lab[64];
    bl_plot_opts o;
    bl_plot_options(S, &o);
    snprintf(title, sizeof title, "%s (%zu entries) and θ, its reconstruction, against the "
             "index", name, n);
    snprintf(lab, sizeof lab, "%s (the problem's)", name);
    o.title = title;
    o.xlabel = "index";
    o.ylabel = name;
    bl_series sr[2] = {{lab, ix, y, n}, {"θ (reconstruction)", ix, t, n}};
    t_lines(tg, &o, sr, 2, NULL, 0);
    free(ix);
    free(y);
    free(t);
    return BL_OK;
}

static int draw_vector(bl_session *S, const char *name, target *tg, bl_err *e)
{
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, vec_names[i])) k = i;
    const bl_problem_type *T = S->P->type;
    if (k < 0 && T->vector && in_list(T->vector_names, name)) {
        const gsl_vector *u = T->vector(S->P, name);
        if (u) return draw_problem_vector(S, name, u, tg, e);
    }
    if (k < 0) {
        if (T->vector_names) {
            char names[128];
            snprintf(names, sizeof names, "%s", T->vector_names);
            for (char *c = names; *c; c++)
                if (*c == '|') *c = ',';
            bl_err_set(e, BL_EINVAL, "unknown vector '%s' (theta, adjoint, omega; %s: %s)",
                       name, T->name, names);
        } else {
            bl_err_set(e, BL_EINVAL, "unknown vector '%s' (theta, adjoint, omega)", name);
        }
        return BL_EINVAL;
    }
    const gsl_vector *v = k == 0 ? S->theta : k == 2 ? S->omega : NULL;
    if (k == 1) {
        if (!S->adj_valid || !S->adjoint_last || S->adjoint_last->size != S->P->p) {
            bl_err_set(e, BL_EINVAL, "no adjoint yet (adjoint, hypergrad or step outer "
                       "computes one)");
            return BL_EINVAL;
        }
        v = S->adjoint_last;
    }
    size_t n = v->size;
    double *ix = malloc((n ? n : 1) * sizeof *ix), *y = malloc((n ? n : 1) * sizeof *y);
    if (!ix || !y) {
        free(ix);
        free(y);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ix[i] = (double)i;
        y[i] = gsl_vector_get(v, i);
    }
    static const char *const sym[] = {"θ", "adjoint v", "ω"};
    char title[128];
    bl_plot_opts o;
    bl_plot_options(S, &o);
    snprintf(title, sizeof title, "%s (%zu entries) against its index", sym[k], n);
    o.title = title;
    o.xlabel = "index";
    o.ylabel = sym[k];
    bl_series sr = {sym[k], ix, y, n};
    t_lines(tg, &o, &sr, 1, NULL, 0);
    free(ix);
    free(y);
    return BL_OK;
}

static int exec_plot(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const what[] = {"surface", "compare", "trace", "vector"};
    int k = bl_command_pick(argv[0], what, 4, "plot", e);
    if (k < 0) return BL_EINVAL;
    if (k == 3 && argc < 2) {
        bl_err_set(e, BL_EINVAL, "plot vector needs a NAME (theta, adjoint, omega)");
        return BL_EINVAL;
    }
    if (k != 3 && argc > 2) {
        bl_err_set(e, BL_EINVAL, "plot %s takes at most a FILE", what[k]);
        return BL_EINVAL;
    }
    int fa = k == 3 ? 2 : 1;
    target tg = {S->out, argc > fa ? argv[fa] : NULL, e, 0};
    if (k == 0) {
        if (!S->surf) {
            bl_err_set(e, BL_EINVAL, "no surface yet (surface omega=lo:hi:n)");
            return BL_EINVAL;
        }
        draw_surface(S, S->surf, &tg);
    } else if (k == 1) {
        if (S->last_compare == 1 && S->cgrid) draw_compare_grid(S, S->cgrid, &tg);
        else if (S->last_compare == 2 && S->budget) draw_budget(S, S->budget, &tg);
        else if (S->last_compare == 3 && S->scmp) tg.st = bl_compare_stoch_draw(S, tg.path, e);
        else {
            bl_err_set(e, BL_EINVAL, "no comparison yet (compare SPEC,SPEC PARAM=RANGE)");
            return BL_EINVAL;
        }
    } else if (k == 2) {
        if (S->outer->trace.n == 0) {
            bl_err_set(e, BL_EINVAL, "no outer steps yet (step outer, run N)");
            return BL_EINVAL;
        }
        draw_trace(S, &tg);
    } else {
        int st = draw_vector(S, argv[1], &tg, e);
        if (st) return st;
    }
    if (tg.st) return tg.st;
    if (tg.path) {
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "plot");
            bl_json_str(&j, "what", what[k]);
            bl_json_str(&j, "file", tg.path);
            bl_json_end(&j);
        } else {
            fprintf(S->out, "wrote the %s figure to ", what[k]);
            bl_fput_escaped(S->out, tg.path);
            size_t l = strlen(tg.path);
            if (l > 3 && !strcmp(tg.path + l - 3, ".gp")) {
                fprintf(S->out, " (with its data in ");
                fwrite(tg.path, 1, l - 3, S->out);
                fprintf(S->out, ".dat)");
            }
            fputc('\n', S->out);
        }
    }
    return BL_OK;
}

static const char *complete_plot(bl_session *S, int argi, char **w, size_t i)
{
    static const char *const what[] = {"surface", "compare", "trace", "vector"};
    if (argi == 2 && !strcmp(w[1], "vector")) {
        if (i < 3) return vec_names[i];
        static char tok[8][32];         /* the problem's own names */
        const char *p = S && S->P ? S->P->type->vector_names : NULL;
        for (size_t k = 3; p && k < i; k++) p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL;
        if (!p || !*p || i - 3 >= 8) return NULL;
        snprintf(tok[i - 3], sizeof tok[i - 3], "%.*s", (int)strcspn(p, "|"), p);
        return tok[i - 3];
    }
    return argi == 1 && i < 4 ? what[i] : NULL;
}

const bl_command bl_cmd_plot = {
    .name = "plot",
    .usage = "plot surface|compare|trace [FILE] | plot vector theta|adjoint|omega|NAME [FILE]",
    .summary = "draw the last surface, comparison, the outer trace or a vector, or write a "
               "figure (FILE.png, .svg, .pdf, or .gp: data and a gnuplot script)",
    .help =
        "plot surface   the last surface again (after a run, with the new trace)\n"
        "plot compare   the last comparison (stochastic algorithms: median lines,\n"
        "               the 10-90% band as bars, shaded in a figure)\n"
        "plot trace     F and ‖∇F‖ over the outer iterations (a figure: two panels)\n"
        "plot vector theta|adjoint|omega|NAME\n"
        "               a vector against its index: θ, the last adjoint the session\n"
        "               kept (adjoint, hypergrad, step outer), ω, or one of the\n"
        "               problem's own (heat: u0, the true initial state, with θ)\n"
        "Braille and half blocks with 256 colours where the terminal has them\n"
        "(plot.style, plot.color), plain ASCII otherwise; plot.width, plot.height.\n"
        "With FILE a figure is written through PLplot (when bilab was built with it):\n"
        "FILE.png, FILE.svg or FILE.pdf, with round ticks, 10^k on log axes and a\n"
        "legend entry for every line, band, tangent and marker; plot.size, plot.dpi,\n"
        "plot.font.  A 2-D surface is drawn as shaded contours with −∇F arrows and\n"
        "the outer trajectory; a 2-D compare writes the first estimator's map.\n"
        "FILE.gp writes the same figure as data (FILE.dat) and a gnuplot script that\n"
        "reads it, to restyle without bilab (no PLplot needed).  doc/figures.md.",
    .minargs = 1, .maxargs = 3,
    .exec = exec_plot,
    .complete = complete_plot,
};

/* ---- export surface|compare ---- */

static int write_surface_csv(const bl_surface *s, FILE *f)
{
    char name[32];
    for (size_t a = 0; a < s->naxes; a++) fprintf(f, "%s,", axis_name(&s->ax[a], name, sizeof name));
    fprintf(f, "F");
    for (size_t i = 0; i < s->d; i++) fprintf(f, ",grad%zu", i);
    for (size_t q = 0; q < s->nspecs; q++) fprintf(f, ",rel_err[%s],cosine[%s]", s->specs[q].text,
                                                  s->specs[q].text);
    fprintf(f, ",converged\n");
    for (size_t k = 0; k < s->npoints; k++) {
        if (s->naxes >= 1) fprintf(f, "%.17g,", s->ax[0].values[k % s->ax[0].n]);
        if (s->naxes == 2) fprintf(f, "%.17g,", s->ax[1].values[k / s->ax[0].n]);
        fprintf(f, "%.17g", s->F[k]);
        for (size_t i = 0; i < s->d; i++) fprintf(f, ",%.17g", s->grad[k * s->d + i]);
        for (size_t q = 0; q < s->nspecs; q++)
            fprintf(f, ",%.17g,%.17g", s->rel_err[q * s->npoints + k], s->cosine[q * s->npoints + k]);
        fprintf(f, ",%d\n", s->converged[k] != 0);
    }
    return ferror(f) ? BL_EIO : BL_OK;
}

static int write_budget_csv(const bl_budget *b, FILE *f)
{
    fprintf(f, "spec,%s,rel_err,cosine,hvp,converged\n", b->param);
    for (size_t q = 0; q < b->nspecs; q++)
        for (size_t v = 0; v < b->nvalues; v++) {
            size_t k = q * b->nvalues + v;
            fprintf(f, "\"%s\",%.17g,%.17g,%.17g,%lu,%d\n", b->specs[q].text, b->values[v],
                    b->rel_err[k], b->cosine[k], b->hvp[k], b->converged[k] != 0);
        }
    return ferror(f) ? BL_EIO : BL_OK;
}

int bl_export_grid(bl_session *S, int what, const char *path, bl_err *e)
{
    int json = strlen(path) > 5 && !strcmp(path + strlen(path) - 5, ".json");
    if (what == 0 && !S->surf) {
        bl_err_set(e, BL_EINVAL, "no surface yet (surface omega=lo:hi:n)");
        return BL_EINVAL;
    }
    if (what == 1 && !(S->last_compare == 1   ? S->cgrid != NULL
                       : S->last_compare == 2 ? S->budget != NULL
                                              : S->last_compare == 3 && S->scmp)) {
        bl_err_set(e, BL_EINVAL, "no comparison yet (compare SPEC,SPEC PARAM=RANGE)");
        return BL_EINVAL;
    }
    /* a temporary renamed over PATH when whole (fileio.h) */
    bl_wfile w;
    int st = bl_wfile_open(&w, path, e);
    if (st) return st;
    FILE *f = w.f;
    if (json) {
        FILE *keep = S->out;
        S->out = f;
        if (what == 0) json_surface(S, S->surf, "surface");
        else if (S->last_compare == 1) json_surface(S, S->cgrid, "compare");
        else if (S->last_compare == 3) bl_compare_stoch_export(S, f, 1);
        else json_budget(S, S->budget, NULL);
        S->out = keep;
        st = ferror(f) ? BL_EIO : BL_OK;
    } else {
        st = what == 0 ? write_surface_csv(S->surf, f)
             : S->last_compare == 1 ? write_surface_csv(S->cgrid, f)
             : S->last_compare == 3 ? bl_compare_stoch_export(S, f, 0)
                                    : write_budget_csv(S->budget, f);
    }
    (void)st;          /* a failed write shows in the stream: commit says why */
    return bl_wfile_commit(&w, e);
}
