/* cmd_compare_stoch.c: `compare` of stochastic outer algorithms over a
 * budget (oracle calls, epochs or steps) and seeds, with a grid over their
 * parameters: the runs are core's bl_sopt_compare_runs (stoch.c), here
 * the parsing, the medians and bands, the table, the plots and the files
 * (stoch_cli.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "command.h"
#include "figure.h"
#include "fileio.h"
#include "output.h"
#include "plot.h"
#include "session.h"
#include "stoch.h"
#include "stoch_cli.h"

/* cmd_surface.c: the plot settings of the session */
void bl_plot_options(const bl_session *S, bl_plot_opts *o);

#define MAXALG 16          /* algorithms in one list */
#define MAXGRID 6          /* parameters in one grid */
#define MAXCOMB 4096       /* specs run in all (algorithms × grid points) */

/* One comparison, kept by the session for plot and export. */
typedef struct bl_scmp {
    bl_sbudget kind;
    double limit;              /* the budget */
    size_t nalg, nseeds, ncp;
    unsigned long seed;
    double *cp;                /* ncp checkpoints */
    bl_sopt_spec spec[MAXALG]; /* the spec run (the grid's best) per algorithm */
    char label[MAXALG][24];
    size_t ncomb[MAXALG];      /* grid points tried (1: no grid) */
    /* per algorithm a, seed s, checkpoint j: [(a·nseeds + s)·ncp + j] */
    double *gn, *F, *gap;
    int *status;
    size_t *steps;
    /* per algorithm, checkpoint: [a·ncp + j] */
    double *med, *q10, *q90, *gapmed, *Fmed;
    size_t ndiv[MAXALG];
    /* every grid point: its spec and median final ‖∇F‖ */
    size_t nall;
    bl_sopt_spec *all;
    double *allfinal;
    size_t *allalg;
    int has_gap, partial, grid, threads;
    double seconds;
} bl_scmp;

void bl_scmp_free(struct bl_scmp *c)
{
    if (!c) return;
    free(c->cp);
    free(c->gn);
    free(c->F);
    free(c->gap);
    free(c->status);
    free(c->steps);
    free(c->med);
    free(c->q10);
    free(c->q90);
    free(c->gapmed);
    free(c->Fmed);
    free(c->all);
    free(c->allfinal);
    free(c->allalg);
    free(c);
}

/* The head ("soba" of "soba:step_size=0.1") of each piece of a list that
 * starts a spec: a piece with '=' and no ':' continues the previous one. */
static int stoch_heads(const char *list, int *nstoch, int *nother, char *other, size_t len)
{
    char buf[1024];
    *nstoch = *nother = 0;
    if (strlen(list) >= sizeof buf) return 0;
    strcpy(buf, list);
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        if (strchr(p, '=') && !strchr(p, ':')) continue;
        if (bl_stoch_name(p)) (*nstoch)++;
        else {
            if (!*nother) {
                snprintf(other, len, "%s", p);
                char *c = strchr(other, ':');
                if (c) *c = 0;
            }
            (*nother)++;
        }
    }
    return 1;
}

int bl_compare_stoch_is(const char *list)
{
    int ns, no;
    char other[64];
    return stoch_heads(list, &ns, &no, other, sizeof other) && ns > 0;
}

/* ---- parsing ---- */

typedef struct gridkey {
    char name[32];
    size_t n;
    double v[64];
} gridkey;

static int parse_list(const char *list, bl_sopt_spec *out, size_t *n, bl_err *e)
{
    char buf[1024], cur[256] = "";
    *n = 0;
    if (strlen(list) >= sizeof buf) {
        bl_err_set(e, BL_EINVAL, "algorithm list too long");
        return BL_EINVAL;
    }
    strcpy(buf, list);
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save);; p = strtok_r(NULL, ",", &save)) {
        if (p && strchr(p, '=') && !strchr(p, ':') && cur[0]) {
            size_t l = strlen(cur);
            snprintf(cur + l, sizeof cur - l, ",%s", p);
            continue;
        }
        if (cur[0]) {
            if (*n == MAXALG) {
                bl_err_set(e, BL_EINVAL, "at most %d algorithms at once", MAXALG);
                return BL_EINVAL;
            }
            bl_err pe = {0};
            if (bl_sopt_parse(cur, &out[*n], &pe)) {
                bl_err_set(e, BL_EINVAL, "%s", pe.msg);
                return BL_EINVAL;
            }
            (*n)++;
        }
        if (!p) break;
        snprintf(cur, sizeof cur, "%s", p);
    }
    if (*n == 0) {
        bl_err_set(e, BL_EINVAL, "no algorithm given");
        return BL_EINVAL;
    }
    return BL_OK;
}

static int has_param(const bl_sopt_type *T, const char *name)
{
    for (size_t i = 0; i < T->nparams; i++)
        if (!strcmp(T->params[i].name, name)) return (int)i;
    return -1;
}

/* The checkpoints: NP points log-spaced from LIMIT/1000 to LIMIT
 * (integers for calls and steps, at least 1, without repeats). */
static size_t checkpoints(bl_sbudget kind, double limit, size_t np, double *cp)
{
    double lo = limit / 1000;
    int whole = kind != BL_SBUDGET_EPOCHS;
    if (whole && lo < 1) lo = 1;
    size_t n = 0;
    for (size_t i = 0; i < np; i++) {
        double t = np > 1 ? (double)i / (double)(np - 1) : 1;
        double v = lo * pow(limit / lo, t);
        if (whole) v = floor(v + 0.5);
        if (i == np - 1) v = limit;
        if (n && v <= cp[n - 1]) continue;
        cp[n++] = v;
    }
    return n;
}

/* ---- progress ---- */

typedef struct sprog { bl_session *S; double t0, last; int on; } sprog;

static void on_progress(void *arg, size_t done, size_t total)
{
    sprog *p = arg;
    if (!p->on) return;
    double now = bl_clock();
    if (now - p->last < 0.2 && done < total) return;
    p->last = now;
    /* DONE and TOTAL in thousandths of a run */
    double rate = (double)done / 1000 / (now - p->t0 + 1e-9);
    fprintf(p->S->errf, "\r  %.1f/%zu runs, %.3g/s, %.0fs left ", (double)done / 1000,
            total / 1000, rate, (double)(total - done) / 1000 / (rate > 0 ? rate : 1));
    fflush(p->S->errf);
}

/* ---- the summary per algorithm ---- */

static void summarise(bl_scmp *c, size_t a, const double *gn, const double *gap,
                      const double *F, double *work, double *col)
{
    size_t ns = c->nseeds, ncp = c->ncp;
    for (size_t j = 0; j < ncp; j++) {
        for (size_t s = 0; s < ns; s++) col[s] = gn[s * ncp + j];
        c->med[a * ncp + j] = bl_quantile(col, ns, 0.5, work);
        c->q10[a * ncp + j] = bl_quantile(col, ns, 0.1, work);
        c->q90[a * ncp + j] = bl_quantile(col, ns, 0.9, work);
        for (size_t s = 0; s < ns; s++) col[s] = gap[s * ncp + j];
        c->gapmed[a * ncp + j] = bl_quantile(col, ns, 0.5, work);
        for (size_t s = 0; s < ns; s++) col[s] = F[s * ncp + j];
        c->Fmed[a * ncp + j] = bl_quantile(col, ns, 0.5, work);
    }
}

/* the median of the final ‖∇F‖ over the seeds of one spec's runs */
static double final_median(const double *gn, size_t ns, size_t ncp, double *work, double *col)
{
    for (size_t s = 0; s < ns; s++) col[s] = gn[s * ncp + ncp - 1];
    double m = bl_quantile(col, ns, 0.5, work);
    return isnan(m) ? INFINITY : m;
}

/* ---- output ---- */

static const char *unit(bl_sbudget k)
{
    return k == BL_SBUDGET_CALLS ? "oracle calls" : k == BL_SBUDGET_EPOCHS ? "epochs" : "steps";
}

/* A number of the table: %.2e in the wide form, %.3g in the compact one
 * (WIDE 0), which fits 80 columns. */
static char *g3(char *buf, size_t len, double v, int wide)
{
    if (isnan(v)) snprintf(buf, len, "-");
    else if (isinf(v)) snprintf(buf, len, "diverged");
    else snprintf(buf, len, wide ? "%.2e" : "%.3g", v);
    return buf;
}

static char *band(char *buf, size_t len, const bl_scmp *c, size_t a, size_t j, int wide)
{
    char m[16], l[16], h[16];
    size_t k = a * c->ncp + j;
    snprintf(buf, len, "%s [%s, %s]", g3(m, sizeof m, c->med[k], wide),
             g3(l, sizeof l, c->q10[k], wide), g3(h, sizeof h, c->q90[k], wide));
    return buf;
}

/* the checkpoint nearest a tenth of the budget (on a log scale) */
static size_t tenth(const bl_scmp *c)
{
    size_t best = 0;
    double t = log(c->limit / 10);
    for (size_t j = 1; j < c->ncp; j++)
        if (fabs(log(c->cp[j]) - t) < fabs(log(c->cp[best]) - t)) best = j;
    return best;
}

static void print_table(bl_session *S, const bl_scmp *c)
{
    FILE *f = S->out;
    char a[64], b[64], h[96];
    fprintf(f, "‖∇F‖ over %s=%s, %zu seed%s (%lu…%lu): median [10%%, 90%%]%s", bl_sbudget_names[c->kind],
            bl_out_fmt(a, sizeof a, c->limit, 6), c->nseeds, c->nseeds == 1 ? "" : "s", c->seed,
            c->seed + c->nseeds - 1, c->partial ? " (PARTIAL)" : "");
    if (S->set[BL_S_TIMING].num != 0)
        fprintf(f, ", %.3gs on %d threads", c->seconds, c->threads);
    fputc('\n', f);
    size_t jt = tenth(c);
    bl_pad(f, "algorithm", 10);
    const char *u = c->kind == BL_SBUDGET_CALLS ? "calls" : bl_sbudget_names[c->kind];
    int dg = c->kind == BL_SBUDGET_EPOCHS ? 4 : 12;
    snprintf(h, sizeof h, "at %.*g %s", dg, c->cp[jt], u);
    /* the wide form: columns of 30; the compact one: as wide as the
     * widest cell */
    int wide = bl_session_wide(S), w1 = 30, w2 = 30;
    char h2[96];
    snprintf(h2, sizeof h2, "at %.*g %s", dg, c->cp[c->ncp - 1], u);
    if (!wide) {
        w1 = bl_utf8_width(h);
        w2 = bl_utf8_width(h2);
        for (size_t q = 0; q < c->nalg; q++) {
            char t[96];
            int x = bl_utf8_width(band(t, sizeof t, c, q, jt, 0));
            if (x > w1) w1 = x;
            x = bl_utf8_width(band(t, sizeof t, c, q, c->ncp - 1, 0));
            if (x > w2) w2 = x;
        }
    }
    bl_pad(f, h, w1);
    bl_pad(f, h2, w2);
    fprintf(f, "%s\n", c->has_gap ? "F − F*" : "F");
    for (size_t q = 0; q < c->nalg; q++) {
        bl_pad(f, c->label[q], 10);
        bl_pad(f, band(h, sizeof h, c, q, jt, wide), w1);
        bl_pad(f, band(h, sizeof h, c, q, c->ncp - 1, wide), w2);
        size_t k = q * c->ncp + c->ncp - 1;
        fprintf(f, "%s\n", g3(b, sizeof b, c->has_gap ? c->gapmed[k] : c->Fmed[k], wide));
    }
    for (size_t q = 0; q < c->nalg; q++) {
        int params = strchr(c->spec[q].text, ':') != NULL;
        if (c->ncomb[q] > 1)
            fprintf(f, "  %s = %s (best of %zu by median final ‖∇F‖)\n", c->label[q],
                    c->spec[q].text, c->ncomb[q]);
        else if (params || strcmp(c->label[q], c->spec[q].text))
            fprintf(f, "  %s = %s\n", c->label[q], c->spec[q].text);
        if (c->ndiv[q])
            fprintf(f, "  %s diverged in %zu of %zu runs (counted as ∞): lower step_size\n",
                    c->label[q], c->ndiv[q], c->nseeds);
    }
}

static void json_out(bl_session *S, const bl_scmp *c, int runs)
{
    bl_json j;
    bl_json_begin(&j, S->out, "compare");
    bl_json_str(&j, "what", "outer");
    bl_json_str(&j, "budget", bl_sbudget_names[c->kind]);
    bl_json_num(&j, "limit", c->limit);
    bl_json_int(&j, "seeds", (long long)c->nseeds);
    bl_json_int(&j, "seed", (long long)c->seed);
    bl_json_str(&j, "measure", "grad_norm");
    bl_json_str(&j, "best_by", "median final grad_norm");
    bl_json_vec(&j, "checkpoints", c->cp, c->ncp, 1);
    bl_json_arr_begin(&j, "algorithms");
    for (size_t q = 0; q < c->nalg; q++) {
        bl_json_obj_begin(&j, NULL);
        bl_json_str(&j, "label", c->label[q]);
        bl_json_str(&j, "spec", c->spec[q].text);
        bl_json_int(&j, "grid_points", (long long)c->ncomb[q]);
        bl_json_int(&j, "diverged", (long long)c->ndiv[q]);
        size_t o = q * c->ncp;
        bl_json_vec(&j, "grad_norm_median", c->med + o, c->ncp, 1);
        bl_json_vec(&j, "grad_norm_q10", c->q10 + o, c->ncp, 1);
        bl_json_vec(&j, "grad_norm_q90", c->q90 + o, c->ncp, 1);
        bl_json_vec(&j, "F_median", c->Fmed + o, c->ncp, 1);
        bl_json_vec(&j, "gap_median", c->gapmed + o, c->ncp, 1);
        bl_json_arr_begin(&j, "steps");
        for (size_t s = 0; s < c->nseeds; s++)
            bl_json_int(&j, NULL, (long long)c->steps[q * c->nseeds + s]);
        bl_json_arr_end(&j);
        if (runs) {
            bl_json_arr_begin(&j, "runs");
            for (size_t s = 0; s < c->nseeds; s++) {
                size_t r = (q * c->nseeds + s) * c->ncp;
                bl_json_obj_begin(&j, NULL);
                bl_json_int(&j, "seed", (long long)(c->seed + s));
                bl_json_vec(&j, "grad_norm", c->gn + r, c->ncp, 1);
                bl_json_vec(&j, "F", c->F + r, c->ncp, 1);
                bl_json_vec(&j, "gap", c->gap + r, c->ncp, 1);
                bl_json_obj_end(&j);
            }
            bl_json_arr_end(&j);
        }
        bl_json_obj_end(&j);
    }
    bl_json_arr_end(&j);
    if (c->grid) {
        bl_json_arr_begin(&j, "grid");
        for (size_t k = 0; k < c->nall; k++) {
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "label", c->label[c->allalg[k]]);
            bl_json_str(&j, "spec", c->all[k].text);
            bl_json_num(&j, "final_grad_norm_median", c->allfinal[k]);
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
    }
    bl_json_bool(&j, "partial", c->partial);
    if (S->set[BL_S_TIMING].num != 0) {     /* off: the same output every run */
        bl_json_num(&j, "seconds", c->seconds);
        bl_json_int(&j, "threads", c->threads);
    }
    bl_json_end(&j);
}

/* The figure or terminal plot: median lines, the 10–90% band. */
int bl_compare_stoch_draw(bl_session *S, const char *path, bl_err *e)
{
    const bl_scmp *c = S->scmp;
    bl_plot_opts o;
    bl_plot_options(S, &o);
    bl_series sr[MAXALG];
    const double *lo[MAXALG], *hi[MAXALG];
    for (size_t q = 0; q < c->nalg; q++) {
        sr[q] = (bl_series){.label = c->label[q], .x = c->cp, .y = c->med + q * c->ncp,
                            .n = c->ncp};
        lo[q] = c->q10 + q * c->ncp;
        hi[q] = c->q90 + q * c->ncp;
    }
    char title[160];
    snprintf(title, sizeof title, "‖∇F‖ against %s: median and 10–90%% band over %zu seed%s",
             unit(c->kind), c->nseeds, c->nseeds == 1 ? "" : "s");
    o.title = title;
    o.xlabel = unit(c->kind);
    o.ylabel = "‖∇F‖";
    o.logy = 1;
    o.logx = c->cp[0] > 0 && c->cp[c->ncp - 1] / c->cp[0] > 20;
    o.band_lo = lo;
    o.band_hi = hi;
    if (!path) {
        bl_plot_lines(S->out, &o, sr, c->nalg, NULL, 0);
        return BL_OK;
    }
    return bl_figure_lines(path, &o, sr, c->nalg, NULL, 0, e);
}

int bl_compare_stoch_export(bl_session *S, FILE *f, int json)
{
    const bl_scmp *c = S->scmp;
    if (json) {
        FILE *keep = S->out;
        S->out = f;
        json_out(S, c, 1);
        S->out = keep;
        return ferror(f) ? BL_EIO : BL_OK;
    }
    fprintf(f, "algorithm,spec,%s,grad_norm_median,grad_norm_q10,grad_norm_q90,F_median,"
            "gap_median", bl_sbudget_names[c->kind]);
    for (size_t s = 0; s < c->nseeds; s++) fprintf(f, ",grad_norm[seed=%lu]", c->seed + s);
    fputc('\n', f);
    for (size_t q = 0; q < c->nalg; q++)
        for (size_t j = 0; j < c->ncp; j++) {
            size_t k = q * c->ncp + j;
            fprintf(f, "%s,\"%s\",%.17g,%.17g,%.17g,%.17g,%.17g,%.17g", c->label[q],
                    c->spec[q].text, c->cp[j], c->med[k], c->q10[k], c->q90[k], c->Fmed[k],
                    c->gapmed[k]);
            for (size_t s = 0; s < c->nseeds; s++)
                fprintf(f, ",%.17g", c->gn[(q * c->nseeds + s) * c->ncp + j]);
            fputc('\n', f);
        }
    return ferror(f) ? BL_EIO : BL_OK;
}

/* ---- the command ---- */

static int parse_value(const char *key, const char *val, gridkey *g, bl_err *e)
{
    snprintf(g->name, sizeof g->name, "%s", key);
    if (!strchr(val, ':')) {
        char *end;
        double v = strtod(val, &end);
        if (end == val || *end || !isfinite(v)) {
            bl_err_set(e, BL_EINVAL, "%s=%s is not a number or a range lo:hi:n[:log]",
                       key, val);
            return BL_EINVAL;
        }
        g->n = 1;
        g->v[0] = v;
        return BL_OK;
    }
    bl_range r;
    bl_err re = {0};
    if (bl_parse_range(val, key, &r, &re)) {
        bl_err_set(e, BL_EINVAL, "%s", re.msg);
        return BL_EINVAL;
    }
    if (r.n > sizeof g->v / sizeof *g->v) {
        bl_err_set(e, BL_EINVAL, "%s takes at most %zu values in a grid", key,
                   sizeof g->v / sizeof *g->v);
        return BL_EINVAL;
    }
    g->n = r.n;
    for (size_t i = 0; i < r.n; i++) g->v[i] = bl_range_value(&r, i);
    return BL_OK;
}

int bl_compare_stoch(bl_session *S, int argc, char **argv, bl_err *e)
{
    int nst, nother;
    char other[64];
    stoch_heads(argv[0], &nst, &nother, other, sizeof other);
    if (nother) {
        bl_err_set(e, BL_EINVAL, "'%s' is not a stochastic outer algorithm: compare "
                   "lists either estimators or stochastic algorithms (soba, saba, srba, amigo, "
                   "stocbio, f2sa, bome), not both", other);
        return BL_EINVAL;
    }
    bl_sopt_spec base[MAXALG];
    size_t nalg;
    if (parse_list(argv[0], base, &nalg, e)) return BL_EINVAL;
    int kind = -1;
    double limit = 0;
    size_t nseeds = 1, npoints = 30, ngrid = 0;
    gridkey grid[MAXGRID];
    for (int i = 1; i < argc; i++) {
        char word[256], *key, *val;
        snprintf(word, sizeof word, "%s", argv[i]);
        if (!bl_split_kv(word, &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not KEY=VALUE (calls=N, epochs=E, "
                       "steps=N, seeds=N, points=N, or a parameter=RANGE)", argv[i]);
            return BL_EINVAL;
        }
        int b = -1;
        for (int k = 0; bl_sbudget_names[k]; k++)
            if (!strcmp(key, bl_sbudget_names[k])) b = k;
        char *end;
        if (b >= 0) {
            double v = strtod(val, &end);
            if (kind >= 0) {
                bl_err_set(e, BL_EINVAL, "one budget (calls=, epochs= or steps=), "
                           "not two");
                return BL_EINVAL;
            }
            if (end == val || *end || !(v > 0) || !isfinite(v) || v > 1e12
                || (b != BL_SBUDGET_EPOCHS && v != floor(v))) {
                bl_err_set(e, BL_EINVAL, "%s=%s is not a budget (%s > 0%s)", key, val,
                           b == BL_SBUDGET_EPOCHS ? "a number" : "an integer",
                           b == BL_SBUDGET_EPOCHS ? "" : ", at most 1e12");
                return BL_EINVAL;
            }
            kind = b;
            limit = v;
        } else if (!strcmp(key, "seeds") || !strcmp(key, "points")) {
            long v = strtol(val, &end, 10);
            long max = !strcmp(key, "seeds") ? 10000 : 200, min = !strcmp(key, "seeds") ? 1 : 2;
            if (end == val || *end || v < min || v > max) {
                bl_err_set(e, BL_EINVAL, "%s=%s is not an integer in %ld..%ld", key,
                           val, min, max);
                return BL_EINVAL;
            }
            if (key[0] == 's') nseeds = (size_t)v;
            else npoints = (size_t)v;
        } else {
            int any = 0;
            for (size_t q = 0; q < nalg; q++) any |= has_param(base[q].type, key) >= 0;
            if (!any) {
                bl_err_set(e, BL_EINVAL, "no algorithm listed has a parameter '%s' "
                           "(help %s)", key, base[0].type->name);
                return BL_EINVAL;
            }
            for (size_t g = 0; g < ngrid; g++)
                if (!strcmp(grid[g].name, key)) {
                    bl_err_set(e, BL_EINVAL, "%s given twice", key);
                    return BL_EINVAL;
                }
            if (ngrid == MAXGRID) {
                bl_err_set(e, BL_EINVAL, "at most %d parameters in a grid", MAXGRID);
                return BL_EINVAL;
            }
            if (parse_value(key, val, &grid[ngrid], e)) return BL_EINVAL;
            for (size_t q = 0; q < nalg; q++) {
                int pi = has_param(base[q].type, key);
                if (pi >= 0 && base[q].given[pi]) {
                    bl_err_set(e, BL_EINVAL, "%s's %s is in its spec and in the "
                               "grid: give it once", base[q].type->name, key);
                    return BL_EINVAL;
                }
            }
            ngrid++;
        }
    }
    if (kind < 0) {
        bl_err_set(e, BL_EINVAL, "the algorithms need a budget: calls=N (oracle "
                   "calls), epochs=E or steps=N");
        return BL_EINVAL;
    }
    /* every algorithm × the grid points of the parameters it has */
    size_t nall = 0, ncomb[MAXALG];
    for (size_t q = 0; q < nalg; q++) {
        ncomb[q] = 1;
        for (size_t g = 0; g < ngrid; g++)
            if (has_param(base[q].type, grid[g].name) >= 0) {
                ncomb[q] *= grid[g].n;
                if (ncomb[q] > MAXCOMB) break;
            }
        nall += ncomb[q];
        if (nall > MAXCOMB) {
            bl_err_set(e, BL_EINVAL, "the grid makes more than %d specs to run; "
                       "take fewer values", MAXCOMB);
            return BL_EINVAL;
        }
    }
    double cells = (double)nall * (double)nseeds * (double)npoints;
    if (cells * 3 * sizeof(double) > 512e6) {
        bl_err_set(e, BL_ENOMEM, "%zu specs × %zu seeds × %zu points is too much to "
                   "keep; take fewer seeds, points or grid values", nall, nseeds, npoints);
        return BL_ENOMEM;
    }
    bl_sopt_spec *all = calloc(nall, sizeof *all);
    size_t *allalg = calloc(nall, sizeof *allalg);
    if (!all || !allalg) {
        free(all);
        free(allalg);
        return BL_ENOMEM;
    }
    int st = BL_OK;
    size_t k = 0;
    for (size_t q = 0; q < nalg && st == BL_OK; q++)
        for (size_t m = 0; m < ncomb[q] && st == BL_OK; m++) {
            char text[512];
            size_t l = (size_t)snprintf(text, sizeof text, "%s", base[q].text), rest = m;
            int first = !strchr(text, ':');
            for (size_t g = 0; g < ngrid; g++) {
                if (has_param(base[q].type, grid[g].name) < 0) continue;
                size_t i = rest % grid[g].n;
                rest /= grid[g].n;
                if (l < sizeof text)
                    l += (size_t)snprintf(text + l, sizeof text - l, "%s%s=%.6g",
                                          first ? ":" : ",", grid[g].name, grid[g].v[i]);
                first = 0;
            }
            bl_err pe = {0};
            if (bl_sopt_parse(text, &all[k], &pe)) {
                bl_err_set(e, st = BL_EINVAL, "%s", pe.msg);
                break;
            }
            allalg[k++] = q;
        }
    size_t ncp = 0;
    double *cp = malloc(npoints * sizeof *cp);
    double *gn = malloc((size_t)cells * sizeof *gn), *F = malloc((size_t)cells * sizeof *F);
    double *gap = malloc((size_t)cells * sizeof *gap);
    int *status = malloc(nall * nseeds * sizeof *status);
    size_t *steps = malloc(nall * nseeds * sizeof *steps);
    bl_scmp *c = calloc(1, sizeof *c);
    if (st == BL_OK && (!cp || !gn || !F || !gap || !status || !steps || !c)) st = BL_ENOMEM;
    if (st == BL_OK) {
        ncp = checkpoints((bl_sbudget)kind, limit, npoints, cp);
        bl_sopt_conf conf = {.sampler = (bl_sampler_kind)S->set[BL_S_SAMPLER].num,
                             .batch_inner = (size_t)S->set[BL_S_BATCH_INNER].num,
                             .batch_outer = (size_t)S->set[BL_S_BATCH_OUTER].num,
                             .seed = (unsigned long)S->set[BL_S_SEED].num};
        sprog pr = {S, bl_clock(), 0, !S->batch && isatty(fileno(S->errf))};
        int threads = (int)S->set[BL_S_THREADS].num;
        double t0 = bl_clock();
        bl_err re = {0};
        st = bl_sopt_compare_runs(all, nall, &conf, nseeds, S->P, S->theta, S->omega,
                                  (bl_sbudget)kind, cp, ncp, threads, gn, F, gap, status, steps,
                                  S->cancel, on_progress, &pr, &re);
        if (pr.on) fprintf(S->errf, "\r\033[K");
        if (st && st != BL_EINTR) {
            char *msg = re.msg;
            if (!strncmp(msg, "compare: ", 9)) msg += 9;
            bl_err_set(e, st, "%s", msg);
        } else if (st == BL_EINTR) {
            *e = re;
        }
        c->seconds = bl_clock() - t0;
        c->seed = conf.seed;
#ifdef _OPENMP
        c->threads = threads > 0 ? threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
#else
        c->threads = 1;
#endif
    }
    if (st && st != BL_EINTR) {
        free(all);
        free(allalg);
        free(cp);
        free(gn);
        free(F);
        free(gap);
        free(status);
        free(steps);
        free(c);
        return st == BL_ENOMEM && !e->code ? (bl_err_set(e, BL_ENOMEM, "out of memory"),
                                              BL_ENOMEM) : st;
    }
    /* the summary: per algorithm the best grid point (by the median of
     * the final ‖∇F‖ over the seeds; the first on ties) */
    c->kind = (bl_sbudget)kind;
    c->limit = limit;
    c->nalg = nalg;
    c->nseeds = nseeds;
    c->ncp = ncp;
    c->cp = cp;
    c->nall = nall;
    c->all = all;
    c->allalg = allalg;
    c->grid = ngrid > 0 && nall > nalg;
    c->partial = st == BL_EINTR;
    size_t per = nseeds * ncp;
    c->gn = malloc(nalg * per * sizeof *c->gn);
    c->F = malloc(nalg * per * sizeof *c->F);
    c->gap = malloc(nalg * per * sizeof *c->gap);
    c->status = malloc(nalg * nseeds * sizeof *c->status);
    c->steps = malloc(nalg * nseeds * sizeof *c->steps);
    c->med = malloc(nalg * ncp * sizeof *c->med);
    c->q10 = malloc(nalg * ncp * sizeof *c->q10);
    c->q90 = malloc(nalg * ncp * sizeof *c->q90);
    c->gapmed = malloc(nalg * ncp * sizeof *c->gapmed);
    c->Fmed = malloc(nalg * ncp * sizeof *c->Fmed);
    c->allfinal = malloc(nall * sizeof *c->allfinal);
    double *work = malloc(nseeds * sizeof *work), *col = malloc(nseeds * sizeof *col);
    if (!c->gn || !c->F || !c->gap || !c->status || !c->steps || !c->med || !c->q10 || !c->q90
        || !c->gapmed || !c->Fmed || !c->allfinal || !work || !col) {
        free(work);
        free(col);
        free(gn);
        free(F);
        free(gap);
        free(status);
        free(steps);
        bl_scmp_free(c);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    size_t best[MAXALG];
    for (size_t q = 0; q < nalg; q++) best[q] = SIZE_MAX;
    for (size_t r = 0; r < nall; r++) {
        size_t q = allalg[r];
        c->allfinal[r] = final_median(gn + r * per, nseeds, ncp, work, col);
        if (best[q] == SIZE_MAX || c->allfinal[r] < c->allfinal[best[q]]) best[q] = r;
    }
    for (size_t q = 0; q < nalg; q++) {
        size_t r = best[q];
        c->spec[q] = all[r];
        c->ncomb[q] = ncomb[q];
        memcpy(c->gn + q * per, gn + r * per, per * sizeof *gn);
        memcpy(c->F + q * per, F + r * per, per * sizeof *F);
        memcpy(c->gap + q * per, gap + r * per, per * sizeof *gap);
        memcpy(c->status + q * nseeds, status + r * nseeds, nseeds * sizeof *status);
        memcpy(c->steps + q * nseeds, steps + r * nseeds, nseeds * sizeof *steps);
        for (size_t s = 0; s < nseeds; s++) c->ndiv[q] += status[r * nseeds + s] == BL_EDIVERGE;
        int n = 1;
        for (size_t p = 0; p < q; p++) n += base[p].type == base[q].type;
        if (n > 1) snprintf(c->label[q], sizeof c->label[q], "%s/%d", base[q].type->name, n);
        else snprintf(c->label[q], sizeof c->label[q], "%s", base[q].type->name);
        summarise(c, q, c->gn + q * per, c->gap + q * per, c->F + q * per, work, col);
    }
    for (size_t q = 0; q < nalg * per; q++) c->has_gap |= !isnan(c->gap[q]) && c->gap[q] != INFINITY;
    free(work);
    free(col);
    free(gn);
    free(F);
    free(gap);
    free(status);
    free(steps);
    bl_scmp_free(S->scmp);
    S->scmp = c;
    S->last_compare = 3;
    if (bl_session_json(S)) json_out(S, c, 0);
    else {
        print_table(S, c);
        bl_compare_stoch_draw(S, NULL, NULL);
    }
    return st;
}

/* compare's completion: estimator specs and the algorithms first; after
 * a list of algorithms, the budget keys and their parameters */
const char *bl_complete_compare(bl_session *S, int argi, char **w, size_t i)
{
    static char buf[64];
    static const char *const keys[] = {"calls=", "epochs=", "steps=", "seeds=", "points="};
    if (argi <= 1) {
        for (size_t k = 0; bl_sopt_types[k]; k++)
            if (i-- == 0) return bl_sopt_types[k]->name;
        return bl_complete_specs(S, argi, w, i);
    }
    if (!bl_compare_stoch_is(w[1])) return bl_complete_specs(S, argi, w, i);
    if (i < 5) return keys[i];
    i -= 5;
    /* the parameters of the algorithms listed, once each */
    bl_sopt_spec sp[MAXALG];
    size_t n;
    if (parse_list(w[1], sp, &n, NULL)) return NULL;
    for (size_t q = 0; q < n; q++)
        for (size_t p = 0; p < sp[q].type->nparams; p++) {
            const char *name = sp[q].type->params[p].name;
            int seen = 0;
            for (size_t r = 0; r < q && !seen; r++) seen = has_param(sp[r].type, name) >= 0;
            if (seen) continue;
            if (i-- == 0) {
                snprintf(buf, sizeof buf, "%s=", name);
                return buf;
            }
        }
    return NULL;
}
