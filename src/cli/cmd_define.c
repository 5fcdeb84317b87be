/* cmd_define.c: define dims | inner | outer | param | check | show: the
 * custom problem typed as expressions (doc/expressions.md).
 *
 * Every change is made on a copy of the session's definitions, compiled
 * and evaluated there, and installed only when that succeeded, so a
 * failing define leaves the previous definition in place. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "args.h"
#include "catalogue.h"
#include "command.h"
#include "expr.h"
#include "output.h"

enum { SUB_DIMS, SUB_INNER, SUB_OUTER, SUB_PARAM, SUB_CHECK, SUB_SHOW, SUB_CLEAR, NSUBS };
static const char *const subs[NSUBS] = {"dims", "inner", "outer", "param", "check", "show",
                                        "clear"};

/* Central differences step of define check. */
#define CHECK_H 1e-5
/* Worst relative error under which define check says the derivatives agree. */
#define CHECK_AGREE 1e-5

static int custom_in_use(const bl_session *S)
{
    return S->P && (S->P->type->flags & BL_PROB_DEFINED);
}

/* The words of an expression joined by single spaces (malloc'd). */
static char *join_words(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += strlen(argv[i]) + 1;
    char *s = malloc(len), *at = s;
    if (!s) return NULL;
    /* appended at a running end: linear in the length (strcat from the
     * start each time made a 2 MB line take 19 s) */
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (i) *at++ = ' ';
        memcpy(at, argv[i], n);
        at += n;
    }
    *at = '\0';
    return s;
}

/* The point where a definition is evaluated: the session's θ and ω when
 * the custom problem is in use and their sizes fit, else zeros (where a
 * new custom problem starts).  WHERE describes it. */
typedef struct point {
    gsl_vector *th, *om;
    char where[64];
    int current;                     /* 1: θ and ω are the session's */
} point;

static int point_make(const bl_session *S, size_t p, size_t d, point *pt)
{
    int use = custom_in_use(S);
    int kt = use && S->theta && S->theta->size == p, ko = use && S->omega && S->omega->size == d;
    pt->th = gsl_vector_calloc(p);
    pt->om = gsl_vector_calloc(d);
    if (!pt->th || !pt->om) {
        gsl_vector_free(pt->th);
        gsl_vector_free(pt->om);
        return BL_ENOMEM;
    }
    if (kt) gsl_vector_memcpy(pt->th, S->theta);
    if (ko) gsl_vector_memcpy(pt->om, S->omega);
    pt->current = use;
    if (kt && ko) snprintf(pt->where, sizeof pt->where, "at the current θ and ω");
    else if (kt) snprintf(pt->where, sizeof pt->where, "at the current θ and ω = 0");
    else if (ko) snprintf(pt->where, sizeof pt->where, "at θ = 0 and the current ω");
    else snprintf(pt->where, sizeof pt->where, "at θ = 0, ω = 0");
    return BL_OK;
}

static void point_free(point *pt)
{
    gsl_vector_free(pt->th);
    gsl_vector_free(pt->om);
}

/* What validation found for one expression. */
typedef struct checked {
    int present;
    double value;
    size_t nodes;
    int uses_data;
} checked;

/* Compiles the expressions of DEF on the session's data and evaluates them
 * at the point.  A syntax, name or dimension error fails.  A domain error
 * fails when the custom problem is in use (its current point is where it
 * lives); before that it is a warning, since the point is only where the
 * problem will start and the user may move θ first.  Domain errors count
 * only for the expressions this command changes (bit 0 inner, bit 1 outer
 * of CHANGED). */
static int validate(bl_session *S, const bl_expr_def *def, unsigned changed,
                    checked out[2], char *where, size_t wlen, bl_err *e)
{
    bl_expr_env env;
    bl_expr_def_env(def, S->data, &env);
    point pt = {0};
    int st = BL_OK;
    memset(out, 0, 2 * sizeof *out);
    if (def->p && def->d && point_make(S, def->p, def->d, &pt)) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (int w = 0; w < 2 && st == BL_OK; w++) {
        const char *text = w ? def->outer : def->inner;
        if (!text) continue;
        bl_expr *x = NULL;
        st = bl_expr_compile(text, &env, w ? "outer" : "inner", &x, e);
        if (st) break;
        bl_err de = {0, ""};
        int ds = bl_expr_check(x, pt.th, pt.om, pt.where, &out[w].value, &de);
        if (!(changed & (1u << w))) ds = BL_OK;      /* not this command's business */
        if (ds && pt.current) {
            *e = de;
            st = ds;
        } else if (ds) {
            const char *nl = strchr(de.msg, '\n');
            int head = nl ? (int)(nl - de.msg) : (int)strlen(de.msg);
            bl_session_msg(S, BL_MSG_WARNING, "define", "%.*s; set theta (and omega) where it "
                           "is defined before stepping%s", head, de.msg, nl ? nl : "");
        }
        out[w].present = 1;
        out[w].nodes = bl_expr_nodes(x);
        out[w].uses_data = bl_expr_uses_data(x);
        bl_expr_free(x);
    }
    if (where) snprintf(where, wlen, "%s", pt.where);
    point_free(&pt);
    return st;
}

/* Prints what a successful define did: the values at the point and, when
 * the custom problem is (now) in use, its dimensions. */
static void report(bl_session *S, const char *what, const bl_expr_def *def,
                   const checked c[2], const char *where, int built, int switched)
{
    int dg = bl_session_digits(S);
    char b0[64], b1[64];
    int use = custom_in_use(S);
    int data = (c[0].present && c[0].uses_data) || (c[1].present && c[1].uses_data);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "define");
        bl_json_str(&j, "what", what);
        bl_json_int(&j, "p", (long long)def->p);
        bl_json_int(&j, "d", (long long)def->d);
        for (int w = 0; w < 2; w++) {
            const char *text = w ? def->outer : def->inner;
            if (text) bl_json_str(&j, w ? "outer" : "inner", text);
            if (c[w].present) bl_json_num(&j, w ? "L" : "G", c[w].value);
        }
        bl_json_obj_begin(&j, "params");
        for (size_t i = 0; i < def->nparams; i++)
            bl_json_num(&j, def->params[i].name, def->params[i].value);
        bl_json_obj_end(&j);
        bl_json_bool(&j, "complete", bl_expr_def_complete(def));
        bl_json_bool(&j, "in_use", use);
        bl_json_end(&j);
        return;
    }
    FILE *f = S->out;
    if (!strcmp(what, "dims")) {
        fprintf(f, "dims θ ∈ R^%zu, ω ∈ R^%zu\n", def->p, def->d);
    } else if (!strcmp(what, "param")) {
        fprintf(f, "param");
        for (size_t i = 0; i < def->nparams; i++)
            fprintf(f, "%s %s = %s", i ? "," : "", def->params[i].name,
                    bl_out_fmt(b0, sizeof b0, def->params[i].value, dg));
        fprintf(f, "\n");
    }
    int which = !strcmp(what, "inner") ? 0 : !strcmp(what, "outer") ? 1 : -1;
    if (which >= 0) {
        fprintf(f, "%s: %s = %s %s (a tape of %zu nodes)\n", what, which ? "L" : "G",
                bl_out_fmt(b0, sizeof b0, c[which].value, dg), where, c[which].nodes);
    } else if (c[0].present || c[1].present) {
        fprintf(f, " ");
        if (c[0].present) fprintf(f, " G = %s", bl_out_fmt(b0, sizeof b0, c[0].value, dg));
        if (c[1].present)
            fprintf(f, "%s L = %s", c[0].present ? "," : "", bl_out_fmt(b1, sizeof b1, c[1].value, dg));
        fprintf(f, " %s\n", where);
    }
    if (use && built) {
        fprintf(f, "problem custom: θ ∈ R^%zu, ω ∈ R^%zu", S->P->p, S->P->d);
        if (data && S->data) {
            fputs(", data ", f);
            bl_fput_escaped(f, S->data->name);
        }
        fprintf(f, "%s\n", switched ? "" : " (rebuilt, θ and ω kept where they fit)");
    } else if (!bl_expr_def_complete(def)) {
        const char *need = !def->p ? "define dims theta=P omega=D"
                           : !def->inner ? "define inner EXPR" : !def->outer ? "define outer EXPR"
                                                                             : NULL;
        if (need) fprintf(f, "  (next: %s)\n", need);
    }
}

/* Validates DEF (taken over), installs it and switches to the custom
 * problem when it is complete. */
static int commit(bl_session *S, bl_expr_def *def, const char *what, bl_err *e)
{
    checked c[2];
    char where[64] = "";
    unsigned changed = !strcmp(what, "inner") ? 1u : !strcmp(what, "outer") ? 2u : 3u;
    int st = validate(S, def, changed, c, where, sizeof where, e);
    if (st) {
        bl_expr_def_free(def);
        return st;
    }
    int was = custom_in_use(S);
    int go = bl_expr_def_complete(def);
    st = bl_session_define(S, def, go ? &bl_problem_custom : NULL, e);
    if (st) return st;
    int switched = !was && custom_in_use(S);
    if (switched) bl_session_set_cmd(&S->problem_cmdline, "problem use custom");
    report(S, what, S->def, c, where, go, switched);
    return BL_OK;
}

static int define_dims(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_expr_def *def = bl_expr_def_copy(S->def);
    if (!def) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        long v;
        int k = -1;
        if (bl_split_kv(argv[a], &key, &val)) {
            if (!strcmp(key, "theta") || !strcmp(key, "θ") || !strcmp(key, "p")) k = 0;
            else if (!strcmp(key, "omega") || !strcmp(key, "ω") || !strcmp(key, "d")) k = 1;
        }
        if (k < 0) {
            bl_err_set(e, BL_EINVAL, "'%s' is not theta=P or omega=D (usage: define dims "
                       "theta=P omega=D)", argv[a]);
            bl_expr_def_free(def);
            return BL_EINVAL;
        }
        if (bl_parse_long(val, k ? "omega" : "theta", 1, 1000000, &v, e)) {
            bl_expr_def_free(def);
            return BL_EINVAL;
        }
        if (k) def->d = (size_t)v;
        else def->p = (size_t)v;
    }
    if (!def->p || !def->d) {
        bl_err_set(e, BL_EINVAL, "give both dimensions: define dims theta=P omega=D");
        bl_expr_def_free(def);
        return BL_EINVAL;
    }
    int st = commit(S, def, "dims", e);
    if (st == BL_EDIM || st == BL_EINVAL) {
        /* the advice goes on the message's own (first) line, before the
         * display of the place at fault */
        static const char hint[] = "; redefine that expression first, or start over with "
                                   "define clear";
        char *nl = strchr(e->msg, '\n');
        size_t at = nl ? (size_t)(nl - e->msg) : strlen(e->msg), l = strlen(e->msg);
        if (l + sizeof hint <= sizeof e->msg) {
            memmove(e->msg + at + sizeof hint - 1, e->msg + at, l - at + 1);
            memcpy(e->msg + at, hint, sizeof hint - 1);
        }
    }
    return st;
}

static int define_text(bl_session *S, int which, int argc, char **argv, bl_err *e)
{
    if (argc < 1) {
        bl_err_set(e, BL_EINVAL, "which expression? (usage: define %s EXPR)",
                   which ? "outer" : "inner");
        return BL_EINVAL;
    }
    char *text = join_words(argc, argv);
    bl_expr_def *def = text ? bl_expr_def_copy(S->def) : NULL;
    if (!def || bl_expr_def_set_text(def, which, text)) {
        free(text);
        bl_expr_def_free(def);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    free(text);
    return commit(S, def, which ? "outer" : "inner", e);
}

static int define_param(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (argc < 1) {
        bl_err_set(e, BL_EINVAL, "which parameter? (usage: define param name=value ...)");
        return BL_EINVAL;
    }
    bl_expr_def *def = bl_expr_def_copy(S->def);
    if (!def) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        double v;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not name=value", argv[a]);
            bl_expr_def_free(def);
            return BL_EINVAL;
        }
        if (bl_parse_double(val, key, &v, e) || bl_expr_def_set_param(def, key, v, e)) {
            bl_expr_def_free(def);
            return BL_EINVAL;
        }
    }
    return commit(S, def, "param", e);
}

static int define_show(bl_session *S)
{
    const bl_expr_def *def = S->def;
    int dg = bl_session_digits(S);
    char b[64];
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "define");
        bl_json_str(&j, "what", "show");
        bl_json_int(&j, "p", def ? (long long)def->p : 0);
        bl_json_int(&j, "d", def ? (long long)def->d : 0);
        if (def && def->inner) bl_json_str(&j, "inner", def->inner);
        else bl_json_null(&j, "inner");
        if (def && def->outer) bl_json_str(&j, "outer", def->outer);
        else bl_json_null(&j, "outer");
        bl_json_obj_begin(&j, "params");
        for (size_t i = 0; def && i < def->nparams; i++)
            bl_json_num(&j, def->params[i].name, def->params[i].value);
        bl_json_obj_end(&j);
        bl_json_bool(&j, "complete", bl_expr_def_complete(def));
        bl_json_bool(&j, "in_use", custom_in_use(S));
        bl_json_end(&j);
        return BL_OK;
    }
    FILE *f = S->out;
    if (!def && custom_in_use(S) && S->P->def) {
        fprintf(f, "nothing is being defined; the custom problem in use runs on:\n");
        def = S->P->def;
    } else if (!def) {
        fprintf(f, "nothing defined yet (define dims theta=P omega=D, define inner EXPR, "
                   "define outer EXPR)\n");
        return BL_OK;
    }
    if (def->p) fprintf(f, "dims   θ ∈ R^%zu, ω ∈ R^%zu\n", def->p, def->d);
    else fprintf(f, "dims   not set (define dims theta=P omega=D)\n");
    for (size_t i = 0; i < def->nparams; i++)
        fprintf(f, "param  %s = %s\n", def->params[i].name,
                bl_out_fmt(b, sizeof b, def->params[i].value, dg));
    fprintf(f, "inner  G(θ, ω) = %s\n", def->inner ? def->inner : "(not defined)");
    fprintf(f, "outer  L(θ, ω) = %s\n", def->outer ? def->outer : "(not defined)");
    fprintf(f, "%s\n", custom_in_use(S) ? "the custom problem is in use"
                       : bl_expr_def_complete(def) ? "not in use: problem use custom"
                                                   : "incomplete: the custom problem needs "
                                                     "dims, inner and outer");
    return BL_OK;
}

/* Forgets the definitions.  A custom problem in use keeps running on the
 * copy it was built from until a new definition is complete. */
static int define_clear(bl_session *S)
{
    bl_session_define(S, NULL, NULL, NULL);     /* no definitions: cannot fail */
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "define");
        bl_json_str(&j, "what", "clear");
        bl_json_bool(&j, "in_use", custom_in_use(S));
        bl_json_end(&j);
    } else {
        fprintf(S->out, "definitions cleared%s\n", custom_in_use(S)
                ? "; the custom problem in use keeps its last definition until a new one "
                  "is complete" : "");
    }
    return BL_OK;
}

/* ---- define check ---- */

static double nrm(const gsl_vector *v)
{
    double s = 0;
    for (size_t i = 0; i < v->size; i++) s += gsl_vector_get(v, i) * gsl_vector_get(v, i);
    return sqrt(s);
}

/* ‖a − b‖ / max(1, ‖a‖, ‖b‖): relative above 1, absolute below. */
static double rel_err(const gsl_vector *a, const gsl_vector *b)
{
    double s = 0;
    for (size_t i = 0; i < a->size; i++) {
        double t = gsl_vector_get(a, i) - gsl_vector_get(b, i);
        s += t * t;
    }
    double na = nrm(a), nb = nrm(b), den = 1;
    if (na > den) den = na;
    if (nb > den) den = nb;
    return sqrt(s) / den;
}

static double amax(const gsl_vector *v)
{
    double m = 0;
    for (size_t i = 0; i < v->size; i++)
        if (fabs(gsl_vector_get(v, i)) > m) m = fabs(gsl_vector_get(v, i));
    return m;
}

typedef double (*fval)(bl_problem *, cvec *, cvec *);

/* Central differences of F in θ (WHICH 0) or ω (1), coordinate by
 * coordinate, step h·max(1, |x_j|). */
static void fd_grad(bl_problem *P, fval F, int which, const gsl_vector *th,
                    const gsl_vector *om, double h, gsl_vector *g, gsl_vector *wt,
                    gsl_vector *wo)
{
    gsl_vector_memcpy(wt, th);
    gsl_vector_memcpy(wo, om);
    gsl_vector *x = which ? wo : wt;
    for (size_t j = 0; j < x->size; j++) {
        double x0 = gsl_vector_get(x, j), hj = h * (fabs(x0) > 1 ? fabs(x0) : 1);
        gsl_vector_set(x, j, x0 + hj);
        double fp = F(P, wt, wo);
        gsl_vector_set(x, j, x0 - hj);
        double fm = F(P, wt, wo);
        gsl_vector_set(x, j, x0);
        gsl_vector_set(g, j, (fp - fm) / (2 * hj));
    }
}

static void unit_random(gsl_rng *r, gsl_vector *v)
{
    for (size_t i = 0; i < v->size; i++) gsl_vector_set(v, i, gsl_ran_gaussian(r, 1.0));
    double n = nrm(v);
    if (n > 0) gsl_vector_scale(v, 1 / n);
    else gsl_vector_set(v, 0, 1.0);
}

enum { C_GT, C_GO, C_LT, C_LO, C_HV, C_CV, C_CTU, NCHECK };
static const char *const check_names[NCHECK] = {"∇θG", "∇ωG", "∇θL", "∇ωL", "H v", "C v",
                                                "Cᵀu"};
static const char *const check_keys[NCHECK] = {"G_theta", "G_omega", "L_theta", "L_omega",
                                               "Hv", "Cv", "CTu"};

static int define_check(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_problem *P = S->P;
    if (!P) {
        bl_err_set(e, BL_EINVAL, "no problem in use (define the custom problem first)");
        return BL_EINVAL;
    }
    double h = CHECK_H;
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val) || strcmp(key, "h")) {
            bl_err_set(e, BL_EINVAL, "'%s' is not h=STEP (usage: define check [h=1e-5])",
                       argv[a]);
            return BL_EINVAL;
        }
        if (bl_parse_double(val, "h", &h, e)) return BL_EINVAL;
        if (!(h > 0 && h < 1)) {
            bl_err_set(e, BL_EINVAL, "h=%g is out of range (0 < h < 1)", h);
            return BL_EINVAL;
        }
    }
    size_t p = P->p, d = P->d;
    const gsl_vector *th = S->theta, *om = S->omega;
    gsl_vector *ex[NCHECK], *fd[NCHECK];
    size_t size[NCHECK] = {p, d, p, d, p, d, p};
    gsl_vector *v = gsl_vector_alloc(p), *u = gsl_vector_alloc(d);
    gsl_vector *wt = gsl_vector_alloc(p), *wo = gsl_vector_alloc(d);
    gsl_vector *gp = gsl_vector_alloc(p), *gm = gsl_vector_alloc(p);
    gsl_vector *dp = gsl_vector_alloc(d), *dm = gsl_vector_alloc(d);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    int ok = v && u && wt && wo && gp && gm && dp && dm && r;
    for (int k = 0; k < NCHECK; k++) {
        ex[k] = gsl_vector_alloc(size[k]);
        fd[k] = gsl_vector_alloc(size[k]);
        ok = ok && ex[k] && fd[k];
    }
    int st = BL_OK;
    if (!ok) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        st = BL_ENOMEM;
        goto done;
    }
    gsl_rng_set(r, (unsigned long)S->set[BL_S_SEED].num);
    unit_random(r, v);
    unit_random(r, u);

    /* exact */
    bl_problem_G_theta(P, th, om, ex[C_GT]);
    bl_problem_G_omega(P, th, om, ex[C_GO]);
    bl_problem_L_theta(P, th, om, ex[C_LT]);
    bl_problem_L_omega(P, th, om, ex[C_LO]);
    bl_problem_hvp(P, th, om, v, ex[C_HV]);
    bl_problem_cvp(P, th, om, v, ex[C_CV]);
    bl_problem_ctvp(P, th, om, u, ex[C_CTU]);

    /* central differences */
    fd_grad(P, bl_problem_G, 0, th, om, h, fd[C_GT], wt, wo);
    fd_grad(P, bl_problem_G, 1, th, om, h, fd[C_GO], wt, wo);
    fd_grad(P, bl_problem_L, 0, th, om, h, fd[C_LT], wt, wo);
    fd_grad(P, bl_problem_L, 1, th, om, h, fd[C_LO], wt, wo);
    double ht = h * (amax(th) > 1 ? amax(th) : 1), ho = h * (amax(om) > 1 ? amax(om) : 1);
    /* H v and C v: ∇θG and ∇ωG at θ ± ht v */
    gsl_vector_memcpy(wt, th);
    gsl_blas_daxpy(ht, v, wt);
    bl_problem_G_theta(P, wt, om, gp);
    bl_problem_G_omega(P, wt, om, dp);
    gsl_vector_memcpy(wt, th);
    gsl_blas_daxpy(-ht, v, wt);
    bl_problem_G_theta(P, wt, om, gm);
    bl_problem_G_omega(P, wt, om, dm);
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(fd[C_HV], i, (gsl_vector_get(gp, i) - gsl_vector_get(gm, i)) / (2 * ht));
    for (size_t i = 0; i < d; i++)
        gsl_vector_set(fd[C_CV], i, (gsl_vector_get(dp, i) - gsl_vector_get(dm, i)) / (2 * ht));
    /* Cᵀu: ∇θG at ω ± ho u */
    gsl_vector_memcpy(wo, om);
    gsl_blas_daxpy(ho, u, wo);
    bl_problem_G_theta(P, th, wo, gp);
    gsl_vector_memcpy(wo, om);
    gsl_blas_daxpy(-ho, u, wo);
    bl_problem_G_theta(P, th, wo, gm);
    for (size_t i = 0; i < p; i++)
        gsl_vector_set(fd[C_CTU], i, (gsl_vector_get(gp, i) - gsl_vector_get(gm, i)) / (2 * ho));

    double err[NCHECK], worst = 0;
    int wk = 0, finite = 1;
    for (int k = 0; k < NCHECK; k++) {
        err[k] = rel_err(ex[k], fd[k]);
        if (!isfinite(err[k])) finite = 0;
        else if (err[k] > worst) {
            worst = err[k];
            wk = k;
        }
    }
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "define");
        bl_json_str(&j, "what", "check");
        bl_json_str(&j, "problem", P->type->name);
        bl_json_num(&j, "h", h);
        bl_json_obj_begin(&j, "rel_err");
        for (int k = 0; k < NCHECK; k++) bl_json_num(&j, check_keys[k], err[k]);
        bl_json_obj_end(&j);
        bl_json_num(&j, "worst", finite ? worst : NAN);
        bl_json_str(&j, "worst_of", check_keys[wk]);
        bl_json_bool(&j, "agree", finite && worst <= CHECK_AGREE);
        bl_json_end(&j);
    } else {
        FILE *f = S->out;
        char b0[64], b1[64];
        fprintf(f, "define check on %s at the current θ and ω: exact derivatives against "
                   "central differences (h = %g; v, u random unit vectors)\n",
                P->type->name, h);
        fprintf(f, "  ");
        bl_pad(f, "", 5);
        fprintf(f, "  %-10s %s\n", "error", "norm of the exact one");
        for (int k = 0; k < NCHECK; k++) {
            fprintf(f, "  ");
            bl_pad(f, check_names[k], 5);
            fprintf(f, "  %-10s %s\n", bl_out_fmt(b0, sizeof b0, err[k], 2),
                    bl_out_fmt(b1, sizeof b1, nrm(ex[k]), dg));
        }
        if (!finite)
            fprintf(f, "some derivatives are not finite at this point\n");
        else if (worst <= CHECK_AGREE)
            fprintf(f, "worst error %s: the derivatives agree\n", bl_out_fmt(b0, sizeof b0, worst, 2));
        else
            fprintf(f, "worst error %s (%s): they differ by more than finite differences "
                    "do\n", bl_out_fmt(b0, sizeof b0, worst, 2), check_names[wk]);
        fprintf(f, "  (error = ‖exact − fd‖ / max(1, ‖exact‖, ‖fd‖))\n");
    }
done:
    for (int k = 0; k < NCHECK; k++) {
        gsl_vector_free(ex[k]);
        gsl_vector_free(fd[k]);
    }
    gsl_vector_free(v);
    gsl_vector_free(u);
    gsl_vector_free(wt);
    gsl_vector_free(wo);
    gsl_vector_free(gp);
    gsl_vector_free(gm);
    gsl_vector_free(dp);
    gsl_vector_free(dm);
    if (r) gsl_rng_free(r);
    return st;
}

static int exec_define(bl_session *S, int argc, char **argv, bl_err *e)
{
    int k = bl_command_pick(argv[0], subs, NSUBS, "subcommand", e);
    if (k < 0) return BL_EINVAL;
    switch (k) {
    case SUB_DIMS:
        if (argc < 2) {
            bl_err_set(e, BL_EINVAL, "usage: define dims theta=P omega=D");
            return BL_EINVAL;
        }
        return define_dims(S, argc - 1, argv + 1, e);
    case SUB_INNER: case SUB_OUTER:
        return define_text(S, k == SUB_OUTER, argc - 1, argv + 1, e);
    case SUB_PARAM:
        return define_param(S, argc - 1, argv + 1, e);
    case SUB_CHECK:
        return define_check(S, argc - 1, argv + 1, e);
    case SUB_CLEAR:
        if (argc > 1) {
            bl_err_set(e, BL_EINVAL, "define clear takes no arguments");
            return BL_EINVAL;
        }
        return define_clear(S);
    default:
        if (argc > 1) {
            bl_err_set(e, BL_EINVAL, "define show takes no arguments");
            return BL_EINVAL;
        }
        return define_show(S);
    }
}

static const char *complete_define(bl_session *S, int argi, char **w, size_t i)
{
    static char buf[BL_EXPR_NAMELEN + 2];
    if (argi == 1) return i < NSUBS ? subs[i] : NULL;
    if (!strcmp(w[1], "dims")) {
        static const char *const keys[] = {"theta=", "omega="};
        return i < 2 ? keys[i] : NULL;
    }
    if (!strcmp(w[1], "check")) return i == 0 ? "h=" : NULL;
    if (!strcmp(w[1], "param") && S->def && i < S->def->nparams) {
        snprintf(buf, sizeof buf, "%s=", S->def->params[i].name);
        return buf;
    }
    return NULL;
}

const bl_command bl_cmd_define = {
    .name = "define",
    .usage = "define dims theta=P omega=D | define inner|outer EXPR | "
             "define param name=value ... | define check [h=STEP] | define show|clear",
    .summary = "type your own inner and outer objectives (the custom problem)",
    .help =
        "define dims theta=P omega=D   the dimensions of θ and ω\n"
        "define inner EXPR             G(θ, ω), the inner objective\n"
        "define outer EXPR             L(θ, ω), the outer objective\n"
        "define param name=value ...   named numbers the expressions may use\n"
        "define check [h=1e-5]         every derivative of the problem in use (∇θG, ∇ωG,\n"
        "                              ∇θL, ∇ωL, H v, C v, Cᵀu at random v, u) against\n"
        "                              central differences at the current θ and ω\n"
        "define show                   the definitions and whether custom is in use\n"
        "define clear                  forget them (to start over, e.g. with other dims)\n"
        "\n"
        "Once dims, inner and outer are given, the session switches to the problem\n"
        "'custom', which then works with every command (solvers, estimators, spectrum,\n"
        "surfaces, compare, save).  A later define rebuilds it, keeping θ and ω.\n"
        "Expressions: theta[i], omega[j] (0-based; theta and omega alone are\n"
        "vectors), numbers, + - * / ^ (also **), unary minus, parentheses, pi,\n"
        "exp log log1p sqrt sin cos tanh sigmoid softplus abs, min max pow (two\n"
        "arguments, element-wise), and on vectors sum mean dot, sumsq (Σ v_i²)\n"
        "and norm2 (the Euclidean norm ‖v‖, subgradient 0 at v = 0).\n"
        "With data loaded: X, y (training), Xv, yv (validation); X*v is the\n"
        "matrix product (v of length p), other operations act element by element\n"
        "and a number broadcasts.  Examples:\n"
        "  define dims theta=2 omega=1\n"
        "  define inner 0.5*(theta[0]-omega[0])^2 + 0.5*theta[1]^2 + 0.1*theta[0]^4\n"
        "  define outer (theta[0]-1)^2 + 0.01*omega[0]^2\n"
        "  define inner mean((X*theta - y)^2)/2 + exp(omega[0])/2*sumsq(theta)\n"
        "  define inner mean(softplus(-y*(X*theta))) + exp(omega[0])/2*sumsq(theta)\n"
        "    (labels y = ±1, as data synth classification and positive= make them;\n"
        "    breast_cancer's are 0/1: write -(2*y - 1) for -y)\n"
        "Derivatives are exact (automatic differentiation on the expression tape,\n"
        "forward-over-reverse for H v, C v, Cᵀu).  A definition is checked where\n"
        "it is evaluated: the current θ and ω, or θ = 0, ω = 0 before custom is in\n"
        "use; errors point at the place with a caret and keep the old definition.\n"
        "More: doc/expressions.md.",
    .minargs = 1, .maxargs = -1,
    .exec = exec_define,
    .complete = complete_define,
};

void bl_define_save(const bl_session *S, FILE *f)
{
    /* the definition of the custom problem in use, which the problem
     * command that follows rebuilds; else whatever is being defined */
    const bl_expr_def *def = custom_in_use(S) && S->P->def ? S->P->def : S->def;
    if (!def) return;
    fprintf(f, "define clear\n");      /* the replay starts from nothing */
    if (def->p && def->d) fprintf(f, "define dims theta=%zu omega=%zu\n", def->p, def->d);
    if (def->nparams) {
        fprintf(f, "define param");
        for (size_t i = 0; i < def->nparams; i++)
            fprintf(f, " %s=%.17g", def->params[i].name, def->params[i].value);
        fprintf(f, "\n");
    }
    if (def->inner) fprintf(f, "define inner %s\n", def->inner);
    if (def->outer) fprintf(f, "define outer %s\n", def->outer);
}
