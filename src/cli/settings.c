/* settings.c: the settings table and the parsing of values. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "adjoint.h"
#include "args.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"
#include "settings.h"

/* auto, then the solvers of the table */
static const char *inner_choice(size_t i)
{
    if (i == 0) return "auto";
    for (size_t k = 0; bl_inner_types[k]; k++)
        if (k + 1 == i) return bl_inner_types[k]->name;
    return NULL;
}

static const char *outer_choice(size_t i)
{
    for (size_t k = 0; bl_outer_types[k]; k++)
        if (k == i) return bl_outer_types[k]->name;
    return NULL;
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

static const char *start_choice(size_t i)
{
    static const char *const names[] = {"auto", "theta", "path"};
    return i < 3 ? names[i] : NULL;
}

static const char *format_choice(size_t i)
{
    static const char *const names[] = {"table", "json"};
    return i < 2 ? names[i] : NULL;
}

const bl_setting bl_settings_table[BL_NSETTINGS] = {
    [BL_S_INNER_SOLVER] = {"inner.solver", BL_SET_CHOICE, 0, 0, "auto",
        "inner solver: auto (picks from the problem: help solve), gd (step η; "
        "backtracks where needed), agd (Nesterov, restarted), newton (Cholesky; "
        "descends where H is indefinite), bfgs2 (GSL BFGS2), bda (selection among "
        "minimisers), ista, fista, cd (non-smooth), lbfgs (limited-memory BFGS), "
        "newton-cg (truncated Newton, H·v only)",
        inner_choice, BL_INV_INNER},
    [BL_S_INNER_STEP] = {"inner.step", BL_SET_DOUBLE, 0, INFINITY, "0",
        "inner step η; 0 means 1/L_G from the problem's bound or a power "
        "iteration", NULL, BL_INV_INNER},
    [BL_S_INNER_TOL] = {"inner.tol", BL_SET_DOUBLE, 0, INFINITY, "1e-10",
        "inner tolerance: solve stops when ‖∇θG‖ ≤ tol", NULL, BL_INV_NONE},
    [BL_S_INNER_MAXIT] = {"inner.maxit", BL_SET_INT, 1, 1e8, "10000",
        "iteration cap of one inner solve", NULL, BL_INV_NONE},
    [BL_S_LBFGS_M] = {"lbfgs.m", BL_SET_INT, 1, 1000, "10",
        "memory of inner.solver lbfgs: the curvature pairs (s, y) it keeps", NULL,
        BL_INV_INNER},
    [BL_S_OUTER_OPT] = {"outer.opt", BL_SET_CHOICE, 0, 0, "gd",
        "outer optimiser: gd, momentum (heavy ball, β=0.9), adam",
        outer_choice, BL_INV_OUTER},
    [BL_S_OUTER_STEP] = {"outer.step", BL_SET_DOUBLE, 0, INFINITY, "1",
        "outer step s (the first trial step when backtracking)", NULL,
        BL_INV_NONE},
    [BL_S_OUTER_MAXSTEP] = {"outer.maxstep", BL_SET_DOUBLE, 0, INFINITY, "1",
        "largest move ‖ω' − ω‖ of one outer step (s shrinks to fit); ω is "
        "often a log-strength, so 1 is a factor e; 0 means no limit", NULL,
        BL_INV_NONE},
    [BL_S_OUTER_BACKTRACK] = {"outer.backtrack", BL_SET_BOOL, 0, 1, "on",
        "Armijo backtracking on F: halve s until F(ω') ≤ F(ω) + 1e-4 gᵀ(ω' − ω)",
        NULL, BL_INV_NONE},
    [BL_S_OUTER_LO] = {"outer.lo", BL_SET_DOUBLE, -INFINITY, INFINITY, "-inf",
        "lower box bound on every ω coordinate", NULL, BL_INV_NONE},
    [BL_S_OUTER_HI] = {"outer.hi", BL_SET_DOUBLE, -INFINITY, INFINITY, "inf",
        "upper box bound on every ω coordinate", NULL, BL_INV_NONE},
    [BL_S_OUTER_INNER] = {"outer.inner", BL_SET_INT, 0, 1e8, "0",
        "inner iterations per outer step; 0 solves to inner.tol", NULL,
        BL_INV_NONE},
    [BL_S_OUTER_ESTIMATOR] = {"outer.estimator", BL_SET_SPEC, 0, 0, "exact",
        "the hypergradient estimator that step outer and run use", NULL,
        BL_INV_NONE},
    [BL_S_HYPERGRAD_SPECS] = {"hypergrad.specs", BL_SET_SPECS, 0, 0, "exact",
        "the estimators hypergrad shows when given none", NULL, BL_INV_NONE},
    [BL_S_ADJOINT_METHOD] = {"adjoint.method", BL_SET_CHOICE, 0, 0, "cg",
        "the adjoint solver of step adjoint and solve adjoint: cg, neumann, fp",
        adjoint_choice, BL_INV_NONE},
    [BL_S_ADJOINT_TOL] = {"adjoint.tol", BL_SET_DOUBLE, 0, INFINITY, "1e-10",
        "solve adjoint stops when ‖Ha − ∇θL‖ ≤ tol·‖∇θL‖", NULL, BL_INV_NONE},
    [BL_S_ADJOINT_MAXIT] = {"adjoint.maxit", BL_SET_INT, 1, 1e8, "10000",
        "iteration cap of solve adjoint", NULL, BL_INV_NONE},
    [BL_S_ADJOINT_ETA] = {"adjoint.eta", BL_SET_DOUBLE, 0, INFINITY, "0",
        "step η of neumann and fp in step/solve adjoint; 0: the inner step", NULL,
        BL_INV_NONE},
    [BL_S_ADJOINT_WARM] = {"adjoint.warm", BL_SET_BOOL, 0, 1, "off",
        "start each adjoint solve (step adjoint, and the outer estimator's cg, "
        "neumann, fp) from the previous adjoint, AmIGO-style", NULL, BL_INV_NONE},
    [BL_S_MEM_MAX] = {"mem.max", BL_SET_DOUBLE, 0, INFINITY, "2e9",
        "bytes any dense work may take, estimated before it is allocated and "
        "refused above: an estimator (reverse stores t iterates, exact a dense H), "
        "the dense table of a data file (rows × columns × 8), problem use "
        "(quadratic, metaridge, matcomp, ivreg, problems on data), data synth, "
        "newton's dense H, spectrum, surface and compare grids; 0: no limit",
        NULL, BL_INV_NONE},
    [BL_S_SEED] = {"seed", BL_SET_INT, 0, 4294967295.0, "0",
        "default seed of data synth and of the train/validation split", NULL,
        BL_INV_NONE},
    [BL_S_FORMAT] = {"format", BL_SET_CHOICE, 0, 0, "table",
        "output: table (readable) or json (one object per line, 17 digits)",
        format_choice, BL_INV_NONE},
    [BL_S_DIGITS] = {"digits", BL_SET_INT, 1, 17, "6",
        "significant digits in tables", NULL, BL_INV_NONE},
    [BL_S_TIMING] = {"timing", BL_SET_BOOL, 0, 1, "on",
        "show wall times (off makes output reproducible)", NULL, BL_INV_NONE},
    [BL_S_THREADS] = {"threads", BL_SET_INT, 0, 1024, "0",
        "OpenMP threads for parallel work; 0 means all cores", NULL,
        BL_INV_NONE},
    [BL_S_SURFACE_START] = {"surface.start", BL_SET_CHOICE, 0, 0, "auto",
        "where the inner solve of each grid point (surface, compare over ω) starts: "
        "theta (the current θ), path (the solutions before it along axis 0, from "
        "the current θ every 8 points), auto (path when G has one minimiser in θ for "
        "every ω, else theta)", start_choice, BL_INV_NONE},
    [BL_S_PLOT_STYLE] = {"plot.style", BL_SET_CHOICE, 0, 0, "auto",
        "terminal plots: unicode (braille, half blocks), ascii, or auto (unicode "
        "when the locale is UTF-8)", style_choice, BL_INV_NONE},
    [BL_S_PLOT_COLOR] = {"plot.color", BL_SET_CHOICE, 0, 0, "auto",
        "256 colours in plots: on, off, or auto (on a terminal whose TERM has 256 "
        "colours)", color_choice, BL_INV_NONE},
    [BL_S_PLOT_WIDTH] = {"plot.width", BL_SET_INT, 20, 200, "72",
        "plot width in character cells", NULL, BL_INV_NONE},
    [BL_S_PLOT_HEIGHT] = {"plot.height", BL_SET_INT, 5, 80, "16",
        "plot height in character cells", NULL, BL_INV_NONE},
};

int bl_setting_find(const char *name)
{
    for (int i = 0; i < BL_NSETTINGS; i++)
        if (strcmp(bl_settings_table[i].name, name) == 0) return i;
    return -1;
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
        int k = bl_prefix_lookup(text, names, n);
        if (k < 0) {
            bl_setting_domain(idx, dom, sizeof dom);
            bl_err_set(e, BL_EINVAL, "%s: %s '%s' (choose %s)", s->name,
                       k == -2 ? "ambiguous" : "unknown", text, dom);
            return BL_EINVAL;
        }
        snprintf(v.str, sizeof v.str, "%s", names[k]);
        v.num = k;
        break;
    }
    case BL_SET_SPEC: {
        bl_spec sp;
        if (bl_spec_parse(text, &sp, e)) return BL_EINVAL;
        snprintf(v.str, sizeof v.str, "%s", sp.text);
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
        for (char *w = strtok_r(tmp, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
            bl_spec sp;
            if (bl_spec_parse(w, &sp, e)) return BL_EINVAL;
            size_t k = strlen(v.str);
            snprintf(v.str + k, sizeof v.str - k, "%s%s", count++ ? " " : "", sp.text);
        }
        if (!count) {
            bl_err_set(e, BL_EINVAL, "%s needs at least one estimator", s->name);
            return BL_EINVAL;
        }
        break;
    }
    }
    *out = v;
    return BL_OK;
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
