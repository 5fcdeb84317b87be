/* settings.c: the settings table and the parsing of values. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "adjoint.h"
#include "figure.h"
#include "args.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"
#include "session.h"
#include "settings.h"
#include "stoch.h"
#include "stoch_cli.h"

/* auto, then the solvers of the table */
static const char *inner_choice(size_t i)
{
    if (i == 0) return "auto";
    for (size_t k = 0; bl_inner_types[k]; k++)
        if (k + 1 == i) return bl_inner_types[k]->name;
    return NULL;
}

/* the optimisers of outer.h, then the stochastic algorithms of stoch.h */
static const char *outer_choice(size_t i)
{
    size_t k = 0;
    for (; bl_outer_types[k]; k++)
        if (k == i) return bl_outer_types[k]->name;
    for (size_t j = 0; bl_sopt_types[j]; j++)
        if (k + j == i) return bl_sopt_types[j]->name;
    return NULL;
}

static const char *sampler_choice(size_t i)
{
    return i < 3 ? bl_sampler_names[i] : NULL;
}

static const char *adjoint_choice(size_t i)
{
    for (size_t k = 0; bl_adjoint_types[k]; k++)
        if (k == i) return bl_adjoint_types[k]->name;
    return NULL;
}

static const char *style_choice(size_t i)
{
    static const char *const names[] = {"auto", "unicode", "ascii"};
    return i < 3 ? names[i] : NULL;
}

static const char *color_choice(size_t i)
{
    static const char *const names[] = {"auto", "on", "off"};
    return i < 3 ? names[i] : NULL;
}

static const char *wide_choice(size_t i)
{
    static const char *const names[] = {"auto", "on", "off"};
    return i < 3 ? names[i] : NULL;
}

static const char *start_choice(size_t i)
{
    static const char *const names[] = {"auto", "theta", "path"};
    return i < 3 ? names[i] : NULL;
}

static const char *reference_choice(size_t i)
{
    static const char *const names[] = {"auto", "exact", "fd", "none"};
    return i < 4 ? names[i] : NULL;
}

static const char *format_choice(size_t i)
{
    static const char *const names[] = {"table", "json"};
    return i < 2 ? names[i] : NULL;
}

/* ---- what a change does beyond the value (the rows' apply hooks) ---- */

/* outer.opt: a fresh optimiser of the new type that keeps the history
 * (trace and step count) of the old one. */
static int apply_outer_opt(bl_session *S, int idx, const bl_setval *old, bl_err *e)
{
    if (!S->outer || (old && strcmp(old->str, S->set[idx].str) == 0)) return BL_OK;
    bl_stoch_drop(S);
    if (bl_stoch_name(S->set[idx].str)) return BL_OK;  /* S->outer stays, unused */
    bl_outer *o = bl_outer_alloc(bl_outer_lookup(S->set[idx].str), S->P ? S->P->d : 1);
    if (!o) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    bl_trace t = o->trace;
    o->trace = S->outer->trace;
    o->iter = S->outer->iter;
    S->outer->trace = t;
    bl_outer_free(S->outer);
    S->outer = o;
    return BL_OK;
}

/* outer.lo, outer.hi: the box of ω must not be empty (outer.lo ≤ outer.hi);
 * the new value is in S->set[IDX], the other bound as it is. */
static int apply_box(bl_session *S, int idx, const bl_setval *old, bl_err *e)
{
    (void)old;
    double lo = S->set[BL_S_OUTER_LO].num, hi = S->set[BL_S_OUTER_HI].num;
    if (lo <= hi) return BL_OK;
    char a[32], b[32];
    bl_fmt_limit(a, sizeof a, lo);
    bl_fmt_limit(b, sizeof b, hi);
    if (idx == BL_S_OUTER_LO)
        bl_err_set(e, BL_EINVAL, "outer.lo=%s is above outer.hi=%s: the box [%s, %s] would be "
                   "empty", a, b, a, b);
    else
        bl_err_set(e, BL_EINVAL, "outer.hi=%s is below outer.lo=%s: the box [%s, %s] would be "
                   "empty", b, a, a, b);
    return BL_EINVAL;
}

void bl_apply_threads(const bl_session *S)
{
#ifdef _OPENMP
    int n = (int)S->set[BL_S_THREADS].num;
    omp_set_num_threads(n > 0 ? n : omp_get_num_procs());
#else
    (void)S;
#endif
}

static int apply_threads(bl_session *S, int idx, const bl_setval *old, bl_err *e)
{
    (void)idx;
    (void)old;
    (void)e;
    bl_apply_threads(S);
    return BL_OK;
}

const bl_setting bl_settings_table[BL_NSETTINGS] = {
    [BL_S_INNER_SOLVER] = {
        .name = "inner.solver", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "inner solver: auto (picks from the problem: help solve), gd (step η; "
            "backtracks where needed), agd (Nesterov, restarted), newton (Cholesky; "
            "descends where H is indefinite), bfgs2 (GSL BFGS2), bda (selection among "
            "minimisers), ista, fista, cd (non-smooth), lbfgs (limited-memory BFGS), "
            "newton-cg (truncated Newton, H·v only)",
        .choice = inner_choice, .changes = BL_CHG_INNER,
    },
    [BL_S_INNER_STEP] = {
        .name = "inner.step", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "0",
        .help = "inner step η; 0 means 1/L_G from the problem's bound or a power "
            "iteration",
        .changes = BL_CHG_INNER,
    },
    [BL_S_INNER_TOL] = {
        .name = "inner.tol", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "1e-10",
        .help = "inner tolerance: solve stops when ‖∇θG‖ ≤ tol",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_INNER_MAXIT] = {
        .name = "inner.maxit", .kind = BL_SET_INT,
        .lo = 1, .hi = 1e8,
        .def = "10000",
        .help = "iteration cap of one inner solve",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_LBFGS_M] = {
        .name = "lbfgs.m", .kind = BL_SET_INT,
        .lo = 1, .hi = 1000,
        .def = "10",
        .help = "memory of inner.solver lbfgs: the curvature pairs (s, y) it keeps",
        .changes = BL_CHG_INNER,
    },
    [BL_S_OUTER_OPT] = {
        .name = "outer.opt", .kind = BL_SET_CHOICE,
        .def = "gd",
        .help = "outer optimiser: gd, momentum (heavy ball, β=0.9), adam; or a "
            "stochastic algorithm with its parameters, e.g. soba:step_size=0.1,"
            "outer_ratio=1 (soba, saba, srba, amigo, stocbio, f2sa, bome: help stochastic)",
        .choice = outer_choice, .changes = BL_CHG_OUTER, .apply = apply_outer_opt,
    },
    [BL_S_OUTER_STEP] = {
        .name = "outer.step", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "1",
        .help = "outer step s (the first trial step when backtracking)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_OUTER_MAXSTEP] = {
        .name = "outer.maxstep", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "1",
        .help = "largest move ‖ω' − ω‖ of one outer step (s shrinks to fit); ω is "
            "often a log-strength, so 1 is a factor e; 0 means no limit",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_OUTER_BACKTRACK] = {
        .name = "outer.backtrack", .kind = BL_SET_BOOL,
        .lo = 0, .hi = 1,
        .def = "on",
        .help = "Armijo backtracking on F: halve s until F(ω') ≤ F(ω) + 1e-4 gᵀ(ω' − ω)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_OUTER_LO] = {
        .name = "outer.lo", .kind = BL_SET_DOUBLE,
        .lo = -INFINITY, .hi = INFINITY,
        .def = "-inf",
        .help = "lower box bound on every ω coordinate",
        .changes = BL_CHG_SETTING, .apply = apply_box,
    },
    [BL_S_OUTER_HI] = {
        .name = "outer.hi", .kind = BL_SET_DOUBLE,
        .lo = -INFINITY, .hi = INFINITY,
        .def = "inf",
        .help = "upper box bound on every ω coordinate",
        .changes = BL_CHG_SETTING, .apply = apply_box,
    },
    [BL_S_OUTER_INNER] = {
        .name = "outer.inner", .kind = BL_SET_INT,
        .lo = 0, .hi = 1e8,
        .def = "0",
        .help = "inner iterations per outer step; 0 solves to inner.tol",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_OUTER_ESTIMATOR] = {
        .name = "outer.estimator", .kind = BL_SET_SPEC,
        .def = "exact",
        .help = "the hypergradient estimator that step outer and run use",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_HYPERGRAD_SPECS] = {
        .name = "hypergrad.specs", .kind = BL_SET_SPECS,
        .def = "exact",
        .help = "the estimators hypergrad shows when given none",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_HYPERGRAD_REFERENCE] = {
        .name = "hypergrad.reference", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "the reference of hypergrad and the dashboard: exact (fd where exact "
            "fails), fd, none, or auto: exact when p ≤ 100 or when its cost (about p "
            "H-products) is at most 10 times the estimates' products, else none with a "
            "note; computed once per θ and ω",
        .choice = reference_choice,
        .changes = BL_CHG_SETTING,
    },
    [BL_S_ADJOINT_METHOD] = {
        .name = "adjoint.method", .kind = BL_SET_CHOICE,
        .def = "cg",
        .help = "the adjoint solver of step adjoint and solve adjoint: cg, neumann, fp",
        .choice = adjoint_choice,
        .changes = BL_CHG_ADJOINT,
    },
    [BL_S_ADJOINT_TOL] = {
        .name = "adjoint.tol", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "1e-10",
        .help = "solve adjoint stops when ‖Ha − ∇θL‖ ≤ tol·‖∇θL‖",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_ADJOINT_MAXIT] = {
        .name = "adjoint.maxit", .kind = BL_SET_INT,
        .lo = 1, .hi = 1e8,
        .def = "10000",
        .help = "iteration cap of solve adjoint",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_ADJOINT_ETA] = {
        .name = "adjoint.eta", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "0",
        .help = "step η of neumann and fp in step/solve adjoint; 0: the inner step",
        .changes = BL_CHG_ADJOINT,
    },
    [BL_S_ADJOINT_WARM] = {
        .name = "adjoint.warm", .kind = BL_SET_BOOL,
        .lo = 0, .hi = 1,
        .def = "off",
        .help = "start each adjoint solve (step adjoint, and the outer estimator's cg, "
            "neumann, fp) from the previous adjoint, AmIGO-style",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_MEM_MAX] = {
        .name = "mem.max", .kind = BL_SET_DOUBLE,
        .lo = 0, .hi = INFINITY,
        .def = "2e9",
        .help = "bytes any dense work may take, estimated before it is allocated and "
            "refused above: an estimator (reverse stores t iterates, exact a dense H), "
            "the dense table of a data file (rows × columns × 8), problem use "
            "(quadratic, metaridge, matcomp, ivreg, problems on data), data synth, "
            "newton's dense H, spectrum, surface and compare grids; 0: no limit",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_SEED] = {
        .name = "seed", .kind = BL_SET_INT,
        .lo = 0, .hi = 4294967295.0,
        .def = "0",
        .help = "default seed of data synth and of the train/validation split; the "
            "stochastic outer algorithms seed their inner sampler with seed, their "
            "outer one with seed + 0x9E3779B9 (mod 2^32: far from seed + k)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_FORMAT] = {
        .name = "format", .kind = BL_SET_CHOICE,
        .def = "table",
        .help = "output: table (readable) or json (one object per line, 17 digits)",
        .choice = format_choice,
        .changes = BL_CHG_SETTING,
    },
    [BL_S_DIGITS] = {
        .name = "digits", .kind = BL_SET_INT,
        .lo = 1, .hi = 17,
        .def = "6",
        .help = "significant digits in tables",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_TIMING] = {
        .name = "timing", .kind = BL_SET_BOOL,
        .lo = 0, .hi = 1,
        .def = "on",
        .help = "show wall times (off makes output reproducible)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_THREADS] = {
        .name = "threads", .kind = BL_SET_INT,
        .lo = 0, .hi = 1024,
        .def = "0",
        .help = "OpenMP threads for parallel work; 0 means all cores",
        .changes = BL_CHG_SETTING, .apply = apply_threads,
    },
    [BL_S_SURFACE_START] = {
        .name = "surface.start", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "where the inner solve of each grid point (surface, compare over ω) starts: "
            "theta (the current θ), path (the solutions before it along axis 0, from "
            "the current θ every 8 points), auto (path when G has one minimiser in θ for "
            "every ω, else theta)",
        .choice = start_choice,
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_STYLE] = {
        .name = "plot.style", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "terminal plots: unicode (braille, half blocks), ascii, or auto (unicode "
            "when the locale is UTF-8)",
        .choice = style_choice,
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_COLOR] = {
        .name = "plot.color", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "256 colours in plots: on, off, or auto (on a terminal whose TERM has 256 "
            "colours)",
        .choice = color_choice,
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_WIDTH] = {
        .name = "plot.width", .kind = BL_SET_INT,
        .lo = 20, .hi = 200,
        .def = "72",
        .help = "plot width in character cells",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_HEIGHT] = {
        .name = "plot.height", .kind = BL_SET_INT,
        .lo = 5, .hi = 80,
        .def = "16",
        .help = "plot height in character cells",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_SIZE] = {
        .name = "plot.size", .kind = BL_SET_TEXT,
        .def = "700x480",
        .help = "figure files (plot ... FILE): WIDTHxHEIGHT, pixels of a PNG (PDF and SVG: "
            "a page of the same numbers in points, so the three look alike)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_DPI] = {
        .name = "plot.dpi", .kind = BL_SET_INT,
        .lo = 50, .hi = 1200,
        .def = "100",
        .help = "figure files: pixels per inch, which sets how large text and lines are "
            "in a PNG (300 with plot.size 2100x1440: the default figure for print)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_PLOT_FONT] = {
        .name = "plot.font", .kind = BL_SET_TEXT,
        .def = "sans/10",
        .help = "figure files: FAMILY[/SIZE], family sans, serif or mono, size in points",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_BATCH_INNER] = {
        .name = "batch.inner", .kind = BL_SET_INT,
        .lo = 0, .hi = 1e9,
        .def = "0",
        .help = "minibatch size on the inner (training) samples of the stochastic outer "
            "algorithms; 0: the algorithm's batch_size",
        .changes = BL_CHG_OUTER,
    },
    [BL_S_BATCH_OUTER] = {
        .name = "batch.outer", .kind = BL_SET_INT,
        .lo = 0, .hi = 1e9,
        .def = "0",
        .help = "minibatch size on the outer (validation) samples; 0: the algorithm's "
            "batch_size",
        .changes = BL_CHG_OUTER,
    },
    [BL_S_SAMPLER] = {
        .name = "sampler", .kind = BL_SET_CHOICE,
        .def = "batches",
        .help = "how the stochastic outer algorithms draw minibatches: batches (fixed "
            "contiguous batches in a random order each epoch), shuffle (samples "
            "reshuffled each epoch), uniform (with replacement); seeded with seed",
        .choice = sampler_choice, .changes = BL_CHG_OUTER,
    },
    [BL_S_TERM_WIDTH] = {
        .name = "term.width", .kind = BL_SET_INT,
        .lo = 0, .hi = 1000,
        .def = "0",
        .help = "columns that tables and terminal plots fit in; 0: auto (the terminal's "
            "width, else $COLUMNS, else no limit: pipes and files get the wide form)",
        .changes = BL_CHG_SETTING,
    },
    [BL_S_TABLE_WIDE] = {
        .name = "table.wide", .kind = BL_SET_CHOICE,
        .def = "auto",
        .help = "tables in their wide form (every column, full numbers): on, off (the "
            "compact form that fits 80 columns), or auto (wide above 100 columns)",
        .choice = wide_choice,
        .changes = BL_CHG_SETTING,
    },
};

int bl_setting_lookup(const char *name, bl_err *e)
{
    const char *names[BL_NSETTINGS];
    for (int i = 0; i < BL_NSETTINGS; i++) names[i] = bl_settings_table[i].name;
    int k = bl_lookup(name, names, BL_NSETTINGS, "setting", "show settings lists them", e);
    return k >= 0 ? k : -1;
}

int bl_setting_find(const char *name)
{
    return bl_setting_lookup(name, NULL);
}

void bl_setting_domain(int idx, char *buf, size_t len)
{
    const bl_setting *s = &bl_settings_table[idx];
    char lo[32], hi[32];
    switch (s->kind) {
    case BL_SET_DOUBLE:
    case BL_SET_INT:
        bl_fmt_limit(lo, sizeof lo, s->lo);
        bl_fmt_limit(hi, sizeof hi, s->hi);
        snprintf(buf, len, "%s in [%s, %s]", s->kind == BL_SET_INT ? "an integer"
                 : "a number", lo, hi);
        break;
    case BL_SET_BOOL:
        snprintf(buf, len, "on|off");
        break;
    case BL_SET_CHOICE:
        buf[0] = 0;
        for (size_t i = 0; s->choice(i); i++) {
            size_t k = strlen(buf);
            snprintf(buf + k, len - k, "%s%s", i ? "|" : "", s->choice(i));
        }
        break;
    case BL_SET_SPEC:
        snprintf(buf, len, "an estimator spec NAME[:key=value,...]");
        break;
    case BL_SET_SPECS:
        snprintf(buf, len, "estimator specs separated by spaces");
        break;
    case BL_SET_TEXT:
        snprintf(buf, len, "%s", idx == BL_S_PLOT_SIZE ? "WIDTHxHEIGHT in pixels"
                 : "sans|serif|mono[/SIZE]");
        break;
    }
}

int bl_setting_parse(int idx, const char *text, bl_setval *out, bl_err *e)
{
    const bl_setting *s = &bl_settings_table[idx];
    bl_setval v = {0};
    char dom[256];
    switch (s->kind) {
    case BL_SET_DOUBLE: {
        if (bl_parse_double(text, s->name, &v.num, e)) return BL_EINVAL;
        if (v.num < s->lo || v.num > s->hi) {
            bl_setting_domain(idx, dom, sizeof dom);
            bl_err_set(e, BL_EINVAL, "%s=%s is out of range: %s", s->name, text, dom);
            return BL_EINVAL;
        }
        break;
    }
    case BL_SET_INT: {
        long x;
        if (bl_parse_long(text, s->name, (long)s->lo, (long)s->hi, &x, e))
            return BL_EINVAL;
        v.num = (double)x;
        break;
    }
    case BL_SET_BOOL:
        if (!strcasecmp(text, "on") || !strcmp(text, "1") || !strcasecmp(text, "yes")
            || !strcasecmp(text, "true"))
            v.num = 1;
        else if (!strcasecmp(text, "off") || !strcmp(text, "0")
                 || !strcasecmp(text, "no") || !strcasecmp(text, "false"))
            v.num = 0;
        else {
            bl_err_set(e, BL_EINVAL, "%s takes on or off, not '%s'", s->name, text);
            return BL_EINVAL;
        }
        break;
    case BL_SET_CHOICE: {
        const char *names[64];
        size_t n = 0;
        while (n < 64 && s->choice(n)) { names[n] = s->choice(n); n++; }
        bl_err le;
        /* outer.opt takes a stochastic algorithm's parameters after a colon */
        char head[256];
        snprintf(head, sizeof head, "%s", text);
        char *colon = strchr(head, ':');
        if (colon) *colon = 0;
        int k = bl_lookup(head, names, n, NULL, NULL, &le);
        if (k < 0) {
            bl_err_set(e, BL_EINVAL, "%s: %s", s->name, le.msg);
            return BL_EINVAL;
        }
        snprintf(v.str, sizeof v.str, "%s", names[k]);
        if (idx == BL_S_OUTER_OPT && bl_sopt_lookup(names[k])) {
            bl_sopt_spec sp;
            char full[300];
            snprintf(full, sizeof full, "%s%s%s", names[k], colon ? ":" : "",
                     colon ? text + (colon - head) + 1 : "");
            if (bl_sopt_parse(full, &sp, &le)) {
                bl_err_set(e, BL_EINVAL, "%s: %s", s->name, le.msg);
                return BL_EINVAL;
            }
            snprintf(v.str, sizeof v.str, "%s", sp.text);
        } else if (colon) {
            bl_err_set(e, BL_EINVAL, "%s: %s takes no parameters", s->name, names[k]);
            return BL_EINVAL;
        }
        v.num = k;
        break;
    }
    case BL_SET_SPEC: {
        /* kept parsed: step outer, run and the dashboard use it as is */
        if (!(v.spec = malloc(sizeof *v.spec))) {
            bl_err_set(e, BL_ENOMEM, "out of memory");
            return BL_ENOMEM;
        }
        if (bl_spec_parse(text, v.spec, e)) {
            bl_setval_release(&v);
            return BL_EINVAL;
        }
        v.nspec = 1;
        snprintf(v.str, sizeof v.str, "%s", v.spec->text);
        break;
    }
    case BL_SET_SPECS: {
        char tmp[256], *save = NULL;
        size_t count = 0;
        if (strlen(text) >= sizeof tmp) {
            bl_err_set(e, BL_EINVAL, "%s: value too long", s->name);
            return BL_EINVAL;
        }
        strcpy(tmp, text);
        /* at most one spec per two bytes of text ("a b c") */
        if (!(v.spec = malloc((sizeof tmp / 2 + 1) * sizeof *v.spec))) {
            bl_err_set(e, BL_ENOMEM, "out of memory");
            return BL_ENOMEM;
        }
        for (char *w = strtok_r(tmp, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            bl_spec *sp = &v.spec[count];
            if (bl_spec_parse(w, sp, e)) {
                bl_setval_release(&v);
                return BL_EINVAL;
            }
            size_t k = strlen(v.str);
            snprintf(v.str + k, sizeof v.str - k, "%s%s", count++ ? " " : "", sp->text);
        }
        v.nspec = count;
        bl_spec *fit = count ? realloc(v.spec, count * sizeof *v.spec) : NULL;
        if (fit) v.spec = fit;
        if (!count) {
            bl_setval_release(&v);
            bl_err_set(e, BL_EINVAL, "%s needs at least one estimator", s->name);
            return BL_EINVAL;
        }
        break;
    }
    case BL_SET_TEXT: {
        int w, h;
        char fam[8];
        double sz;
        if (idx == BL_S_PLOT_SIZE ? bl_figure_parse_size(text, &w, &h, e)
                                  : bl_figure_parse_font(text, fam, &sz, e))
            return BL_EINVAL;
        if (idx == BL_S_PLOT_SIZE) snprintf(v.str, sizeof v.str, "%dx%d", w, h);
        else snprintf(v.str, sizeof v.str, "%s/%g", fam, sz);
        v.num = idx == BL_S_PLOT_SIZE ? w : sz;
        break;
    }
    }
    *out = v;
    return BL_OK;
}

void bl_setval_release(bl_setval *v)
{
    free(v->spec);
    v->spec = NULL;
    v->nspec = 0;
}

void bl_setting_format(int idx, const bl_setval *v, char *buf, size_t len)
{
    const bl_setting *s = &bl_settings_table[idx];
    switch (s->kind) {
    case BL_SET_DOUBLE:
        if (isinf(v->num)) snprintf(buf, len, "%s", v->num > 0 ? "inf" : "-inf");
        else {
            /* the shortest text that reads back as the same double */
            for (int dg = 15; dg <= 17; dg++) {
                snprintf(buf, len, "%.*g", dg, v->num);
                if (strtod(buf, NULL) == v->num) break;
            }
        }
        break;
    case BL_SET_INT:
        snprintf(buf, len, "%.0f", v->num);
        break;
    case BL_SET_BOOL:
        snprintf(buf, len, "%s", v->num != 0 ? "on" : "off");
        break;
    default:
        snprintf(buf, len, "%s", v->str);
        break;
    }
}

void bl_settings_defaults(bl_setval vals[BL_NSETTINGS])
{
    for (int i = 0; i < BL_NSETTINGS; i++) {
        bl_setval v = {0};
        if (bl_setting_parse(i, bl_settings_table[i].def, &v, NULL)) {
            v.num = NAN;   /* a wrong default is a bug the tests catch */
        }
        vals[i] = v;
    }
}

void bl_settings_release(bl_setval vals[BL_NSETTINGS])
{
    for (int i = 0; i < BL_NSETTINGS; i++) bl_setval_release(&vals[i]);
}
