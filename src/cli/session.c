/* session.c: owning and swapping the problem, data, ω, θ and iterators so
 * that a failing command leaves the session exactly as it was; the
 * generation counter that every change bumps, and the message sink. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "output.h"
#include "lesson.h"
#include "expr.h"
#include "surface.h"
#include "stoch.h"
#include "stoch_cli.h"

bl_session *bl_session_new(FILE *out, FILE *errf, bl_cancel_t *cancel)
{
    bl_session *S = calloc(1, sizeof *S);
    if (!S) return NULL;
    S->out = out;
    S->errf = errf;
    S->cancel = cancel;
    bl_settings_defaults(S->set);
    return S;
}

void bl_session_free(bl_session *S)
{
    if (!S) return;
    if (S->ui_free) S->ui_free(S->ui);
    bl_lesson_free(S->lesson);
    bl_inner_free(S->inner);
    bl_outer_free(S->outer);
    bl_sopt_free(S->sopt);
    bl_adjoint_free(S->adj);
    gsl_vector_free(S->adjoint_last);
    gsl_vector_free(S->ref_cache.r.grad);
    gsl_vector_free(S->ref_cache.r.adjoint);
    free(S->words);
    bl_surface_release(S->surf);
    free(S->surf);
    bl_surface_release(S->cgrid);
    free(S->cgrid);
    bl_budget_release(S->budget);
    free(S->budget);
    bl_scmp_free(S->scmp);
    bl_problem_free(S->P);
    bl_expr_def_free(S->def);
    bl_dataset_free(S->data);
    gsl_vector_free(S->omega);
    gsl_vector_free(S->theta);
    free(S->data_cmdline);
    free(S->problem_cmdline);
    bl_settings_release(S->set);
    free(S);
}

int bl_session_set_cmd(char **slot, const char *text)
{
    char *c = strdup(text);
    if (!c) return BL_ENOMEM;
    free(*slot);
    *slot = c;
    return BL_OK;
}

/* ---- generations ---- */

unsigned long bl_session_touch(bl_session *S, unsigned what)
{
    S->gen++;
    for (int k = 0; k < BL_CHG_NKINDS; k++)
        if (what & (1u << k)) S->changed[k] = S->gen;
    return S->gen;
}

int bl_session_changed(const bl_session *S, unsigned long gen, unsigned what)
{
    for (int k = 0; k < BL_CHG_NKINDS; k++)
        if ((what & (1u << k)) && S->changed[k] > gen) return 1;
    return 0;
}

bl_inner *bl_session_live_inner(const bl_session *S)
{
    return S->inner && !bl_session_changed(S, S->inner_gen, BL_INNER_DEPS) ? S->inner : NULL;
}

bl_adjoint *bl_session_live_adjoint(const bl_session *S)
{
    return S->adj && !bl_session_changed(S, S->adj_gen, BL_ADJOINT_DEPS) ? S->adj : NULL;
}

size_t bl_session_inner_iters(const bl_session *S)
{
    return bl_session_live_inner(S) ? S->inner_total : 0;
}

void bl_session_take_inner(bl_session *S)
{
    gsl_vector_memcpy(S->theta, S->inner->theta);
    S->inner_gen = bl_session_touch(S, BL_CHG_THETA);
}

void bl_session_set_adjoint(bl_session *S, bl_adjoint *it)
{
    if (it != S->adj) bl_adjoint_free(S->adj);
    S->adj = it;
    S->adj_gen = S->gen;
}

/* ---- settings ---- */

int bl_session_set(bl_session *S, int idx, const char *text, bl_err *e)
{
    const bl_setting *row = &bl_settings_table[idx];
    bl_setval v, old;
    int st = bl_setting_parse(idx, text, &v, e);
    if (st) return st;
    old = S->set[idx];
    S->set[idx] = v;
    if (row->apply && (st = row->apply(S, idx, &old, e)) != BL_OK) {
        S->set[idx] = old;               /* as it was */
        bl_setval_release(&v);
        return st;
    }
    bl_setval_release(&old);
    bl_session_touch(S, row->changes);
    return BL_OK;
}

/* ---- messages ---- */

/* The REPL's and batch mode's sink: the line on stderr after what the
 * command printed so far, and JSON mode's object for a failure. */
static void print_msg(bl_session *S, const bl_msg *m)
{
    FILE *f = m->kind == BL_MSG_RESULT ? S->out : S->errf;
    fflush(S->out);
    bl_msg_write(f, m);
    fflush(f);
    if (bl_session_json(S) && (m->kind == BL_MSG_ERROR || (m->flags & BL_MSG_TRIED))) {
        bl_json j;
        bl_json_begin(&j, S->out, m->kind == BL_MSG_ERROR ? "error" : "note");
        bl_json_str(&j, "command", m->cmd);
        bl_json_str(&j, "message", m->text);
        bl_json_end(&j);
        fflush(S->out);
    }
}

void bl_session_post(bl_session *S, const bl_msg *m)
{
    S->nmsg[m->kind]++;
    if (S->sink) S->sink(S->sink_ctx, m);
    else print_msg(S, m);
}

void bl_session_msg(bl_session *S, bl_msg_kind kind, const char *cmd, const char *fmt, ...)
{
    char small[1024], *text = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof small && (text = malloc((size_t)n + 1)) != NULL) {
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!text) text = small;          /* out of memory: the message cut short */
    bl_msg m = {.kind = kind, .cmd = cmd, .text = n < 0 ? fmt : text};
    bl_session_post(S, &m);
    if (text != small) free(text);
}

void bl_session_hg_ctx(bl_session *S, const bl_inner_conf *ic, bl_hg_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->P = S->P;
    c->omega = S->omega;
    c->theta = S->theta;
    c->inner = ic;
    c->eta = bl_session_eta(S);
    c->cancel = S->cancel;
    c->adjoint0 = S->adjoint_last;
    c->warm = 0;
    c->mem_max = S->set[BL_S_MEM_MAX].num;
    c->sampler = (int)S->set[BL_S_SAMPLER].num;       /* stochastic estimators (batch=) */
    c->batch_outer = (size_t)S->set[BL_S_BATCH_OUTER].num;
    c->seed = (unsigned long)S->set[BL_S_SEED].num;
}

static int ref_mode(const bl_session *S)
{
    const char *m = S->set[BL_S_HYPERGRAD_REFERENCE].str;
    return !strcmp(m, "exact") ? BL_HG_REF_EXACT : !strcmp(m, "fd") ? BL_HG_REF_FD
           : !strcmp(m, "none") ? BL_HG_REF_NONE : BL_HG_REF_AUTO;
}

static void ref_key(const bl_session *S, double k[4])
{
    k[0] = S->set[BL_S_INNER_TOL].num;
    k[1] = S->set[BL_S_INNER_MAXIT].num;
    k[2] = S->set[BL_S_MEM_MAX].num;
    k[3] = 0;                      /* the mode: the core checks fd against it */
}

/* Keeps W (the reference just computed) in the cache; out of memory: none. */
static void ref_keep(bl_session *S, const bl_hg_entry *w, int exact_status)
{
    bl_hg_entry *k = &S->ref_cache;
    gsl_vector *g = k->r.grad, *a = k->r.adjoint;
    S->ref_held = 0;
    if (g && g->size != w->r.grad->size) gsl_vector_free(g), g = NULL;
    if (a && a->size != w->r.adjoint->size) gsl_vector_free(a), a = NULL;
    if (!g) g = gsl_vector_alloc(w->r.grad->size);
    if (!a) a = gsl_vector_alloc(w->r.adjoint->size);
    *k = *w;
    k->r.grad = g;
    k->r.adjoint = a;
    k->r.theta_end = NULL;
    k->r.has_theta_end = 0;
    if (!g || !a) return;
    gsl_vector_memcpy(g, w->r.grad);
    gsl_vector_memcpy(a, w->r.adjoint);
    S->ref_exact_status = exact_status;
    ref_key(S, S->ref_key);
    S->ref_gen = S->gen;
    S->ref_held = 1;
}

int bl_session_hg_compare(bl_session *S, bl_hg_cmp *X, const bl_hg_ctx *c, unsigned flags)
{
    double key[4];
    ref_key(S, key);
    int live = S->ref_held && !bl_session_changed(S, S->ref_gen, BL_REF_DEPS)
               && !memcmp(key, S->ref_key, sizeof key)
               && S->ref_cache.r.grad->size == S->P->d
               && S->ref_cache.r.adjoint->size == S->P->p;
    X->ref_mode = ref_mode(S);
    X->ref_given = live ? &S->ref_cache : NULL;
    X->ref_given_exact_status = S->ref_exact_status;
    int st = bl_hg_compare(X, c, flags);
    if (X->ref_ran) {
        S->ref_evals++;
        ref_keep(S, &X->e[X->n], X->exact_status);
    }
    return st;
}

void bl_session_ref_note(const bl_session *S, const bl_hg_cmp *X, char *buf, size_t len)
{
    size_t p = S->P->p;
    if (ref_mode(S) == BL_HG_REF_NONE) {
        snprintf(buf, len, "reference skipped: hypergrad.reference is none (set "
                 "hypergrad.reference exact for one)");
        return;
    }
    int l = snprintf(buf, len, "reference skipped: exact would cost ~%zu H-products "
                     "(p = %zu) next to the estimates' %.0f", p, p, X->products);
    if (S->set[BL_S_TIMING].num != 0 && X->products > 0 && l > 0 && (size_t)l < len)
        l += snprintf(buf + l, len - (size_t)l, ", ~%.2g s", X->seconds / X->products
                      * (double)p);
    if (l > 0 && (size_t)l < len)
        snprintf(buf + l, len - (size_t)l, " (set hypergrad.reference exact)");
}

void bl_session_keep_adjoint(bl_session *S, const gsl_vector *a)
{
    if (S->adjoint_last && S->adjoint_last->size != a->size) {
        gsl_vector_free(S->adjoint_last);
        S->adjoint_last = NULL;
    }
    if (!S->adjoint_last) S->adjoint_last = gsl_vector_alloc(a->size);
    if (S->adjoint_last) gsl_vector_memcpy(S->adjoint_last, a);
    S->adj_valid = S->adjoint_last != NULL;
    bl_session_touch(S, BL_CHG_STATE);
}

int bl_session_reset_outer(bl_session *S)
{
    const bl_outer_type *T = bl_outer_lookup(S->set[BL_S_OUTER_OPT].str);
    bl_outer *o = bl_outer_alloc(T ? T : bl_outer_types[0], S->P ? S->P->d : 1);
    if (!o) return BL_ENOMEM;
    bl_outer_free(S->outer);
    S->outer = o;
    return BL_OK;
}

/* Installs problem P (taken over), keeping ω when its dimension is
 * unchanged and KEEP_OMEGA is set. */
static int install(bl_session *S, bl_problem *P, int keep_omega)
{
    gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_calloc(P->p);
    bl_outer *o = bl_outer_alloc(S->outer ? S->outer->type : bl_outer_types[0], P->d);
    if (!om || !th || !o) {
        gsl_vector_free(om);
        gsl_vector_free(th);
        bl_outer_free(o);
        bl_problem_free(P);
        return BL_ENOMEM;
    }
    if (keep_omega && S->omega && S->omega->size == P->d)
        gsl_vector_memcpy(om, S->omega);
    else
        bl_problem_omega0(P, om);
    bl_inner_free(S->inner);            /* iterators of another problem */
    S->inner = NULL;
    S->inner_total = S->inner_base = 0;
    bl_adjoint_free(S->adj);
    S->adj = NULL;
    gsl_vector_free(S->adjoint_last);
    S->adjoint_last = NULL;
    S->adj_valid = 0;
    bl_surface_release(S->surf);          /* grids of another problem */
    free(S->surf);
    S->surf = NULL;
    bl_surface_release(S->cgrid);
    free(S->cgrid);
    S->cgrid = NULL;
    bl_budget_release(S->budget);
    free(S->budget);
    S->budget = NULL;
    bl_scmp_free(S->scmp);
    S->scmp = NULL;
    S->last_compare = 0;
    bl_problem_free(S->P);
    gsl_vector_free(S->omega);
    gsl_vector_free(S->theta);
    bl_outer_free(S->outer);
    S->P = P;
    S->omega = om;
    S->theta = th;
    S->outer = o;
    bl_session_touch(S, BL_CHG_PROBLEM | BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_STATE);
    return BL_OK;
}

/* A problem instance whose construction and long work Ctrl-C stops and
 * the session's progress line follows. */
static bl_problem *new_problem(bl_session *S, const bl_problem_type *T, const double *par,
                               const bl_dataset *data, const struct bl_expr_def *def,
                               bl_err *e)
{
    bl_problem_ctl ctl = {S->cancel, bl_busy_show, &S->busy, S->set[BL_S_MEM_MAX].num};
    return bl_problem_alloc_ctl(T, par, data, def, &ctl, e);
}

int bl_session_use_problem(bl_session *S, const bl_problem_type *T,
                           const double *par, bl_err *e)
{
    return bl_session_use_problem_on(S, T, par, NULL, e);
}

int bl_session_use_problem_on(bl_session *S, const bl_problem_type *T,
                              const double *par, bl_dataset *ds, bl_err *e)
{
    bl_problem *P = new_problem(S, T, par, ds ? ds : S->data, S->def, e);
    if (!P) {
        bl_dataset_free(ds);
        return e && e->code ? e->code : BL_ENOMEM;
    }
    int st = install(S, P, 0);
    if (st) {
        bl_dataset_free(ds);
        bl_err_set(e, st, "out of memory");
        return st;
    }
    if (ds) {
        bl_dataset_free(S->data);
        S->data = ds;
        bl_session_touch(S, BL_CHG_DATA);
    }
    return BL_OK;
}

int bl_session_define(bl_session *S, struct bl_expr_def *def,
                      const bl_problem_type *T, bl_err *e)
{
    if (T) {
        bl_problem *P = new_problem(S, T, NULL, S->data, def, e);
        if (!P) {
            bl_expr_def_free(def);
            return e && e->code ? e->code : BL_ENOMEM;
        }
        int same = S->P && S->P->type == T;
        gsl_vector *th = NULL;
        if (same && S->theta && S->theta->size == P->p) {
            th = gsl_vector_alloc(P->p);
            if (th) gsl_vector_memcpy(th, S->theta);
        }
        int st = install(S, P, same);
        if (st) {
            gsl_vector_free(th);
            bl_expr_def_free(def);
            bl_err_set(e, st, "out of memory");
            return st;
        }
        if (th) gsl_vector_memcpy(S->theta, th);
        gsl_vector_free(th);
    }
    bl_expr_def_free(S->def);
    S->def = def;
    bl_session_touch(S, BL_CHG_DEFS);
    return BL_OK;
}

int bl_session_use_data(bl_session *S, bl_dataset *ds, bl_err *e)
{
    bl_problem *P = NULL;
    if (S->P && (S->P->type->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA))) {
        P = new_problem(S, S->P->type, S->P->par, ds, S->P->def, e);
        if (!P) {
            bl_dataset_free(ds);
            return e && e->code ? e->code : BL_ENOMEM;
        }
        int st = install(S, P, 1);
        if (st) {
            bl_dataset_free(ds);
            bl_err_set(e, st, "out of memory");
            return st;
        }
    }
    bl_dataset_free(S->data);
    S->data = ds;
    bl_session_touch(S, BL_CHG_DATA);
    return BL_OK;
}

void bl_session_inner_conf(const bl_session *S, bl_inner_conf *c)
{
    const bl_inner_type *T = bl_inner_lookup(S->set[BL_S_INNER_SOLVER].str);
    if (!T && S->P) T = bl_inner_auto(S->P);      /* inner.solver auto */
    c->type = T ? T : bl_inner_gd;
    c->eta = S->set[BL_S_INNER_STEP].num;
    c->tol = S->set[BL_S_INNER_TOL].num;
    c->maxit = (size_t)S->set[BL_S_INNER_MAXIT].num;
    c->mem = (size_t)S->set[BL_S_LBFGS_M].num;
}

int bl_session_grid_path(const bl_session *S)
{
    int start = (int)S->set[BL_S_SURFACE_START].num;     /* auto, theta, path */
    return start == 2 || (start == 0 && S->P && (S->P->type->flags & BL_PROB_CONVEX));
}

void bl_session_outer_conf(const bl_session *S, bl_outer_conf *c)
{
    c->type = S->outer->type;
    c->step = S->set[BL_S_OUTER_STEP].num;
    c->backtrack = S->set[BL_S_OUTER_BACKTRACK].num != 0;
    c->lo = S->set[BL_S_OUTER_LO].num;
    c->hi = S->set[BL_S_OUTER_HI].num;
    c->inner_steps = (size_t)S->set[BL_S_OUTER_INNER].num;
    c->maxstep = S->set[BL_S_OUTER_MAXSTEP].num;
}

double bl_session_eta(bl_session *S)
{
    const bl_inner *it = bl_session_live_inner(S);
    if (it) return it->eta;
    double eta = S->set[BL_S_INNER_STEP].num;
    return eta > 0 ? eta : bl_inner_default_eta(S->P, S->theta, S->omega);
}

int bl_session_inner(bl_session *S, bl_err *e)
{
    if (bl_session_live_inner(S)) return BL_OK;
    bl_inner_conf c;
    bl_session_inner_conf(S, &c);
    if (bl_inner_mem(c.type, S->P, c.mem, e)) return BL_ENOMEM;
    bl_inner *it = bl_inner_alloc(c.type, S->P->p);
    if (!it) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    it->mem = c.mem;
    int st = bl_inner_set(it, S->P, S->omega, S->theta, c.eta, e);
    if (st) {
        bl_inner_free(it);
        return st;
    }
    bl_inner_free(S->inner);
    S->inner = it;
    S->inner_gen = S->gen;
    S->inner_total = 0;
    S->inner_base = 0;
    return BL_OK;
}

int bl_session_resume_inner(bl_session *S, double eta, size_t iters, bl_err *e)
{
    return bl_session_resume_inner_state(S, eta, iters, NULL, 0, e);
}

int bl_session_resume_inner_state(bl_session *S, double eta, size_t iters,
                                  const double *w, size_t n, bl_err *e)
{
    bl_inner_conf c;
    bl_session_inner_conf(S, &c);
    if (bl_inner_mem(c.type, S->P, c.mem, e)) return BL_ENOMEM;
    bl_inner *it = bl_inner_alloc(c.type, S->P->p);
    if (!it) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    it->mem = c.mem;              /* lbfgs.m, as bl_session_inner has it */
    int st = bl_inner_set(it, S->P, S->omega, S->theta, eta, e);
    if (st == BL_OK && w) st = bl_inner_state_put(it, w, n, e);
    if (st) {
        bl_inner_free(it);
        return st;
    }
    bl_inner_free(S->inner);
    S->inner = it;
    S->inner_gen = bl_session_touch(S, BL_CHG_INNER);   /* a new inner state */
    S->inner_total = iters;
    S->inner_base = iters;
    return BL_OK;
}

int bl_session_json(const bl_session *S)
{
    return strcmp(S->set[BL_S_FORMAT].str, "json") == 0;
}

int bl_session_digits(const bl_session *S)
{
    return (int)S->set[BL_S_DIGITS].num;
}

int bl_session_width(const bl_session *S)
{
    int cols = 0, rows = 0;
    if (!S->out || bl_term_size(fileno(S->out), &cols, &rows) != 0) cols = 0;
    return bl_width_pick((int)S->set[BL_S_TERM_WIDTH].num, cols, getenv("COLUMNS"));
}

int bl_session_rows(const bl_session *S)
{
    int cols = 0, rows = 0;
    if (S->out && bl_term_size(fileno(S->out), &cols, &rows) == 0 && rows > 0) return rows;
    return bl_width_pick(0, 0, getenv("LINES"));
}

int bl_session_wide(const bl_session *S)
{
    const char *m = S->set[BL_S_TABLE_WIDE].str;
    return bl_wide_pick(!strcmp(m, "on") ? 1 : !strcmp(m, "off") ? 0 : -1, bl_session_width(S));
}
