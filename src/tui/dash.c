/* dash.c: the live dashboard.  Split as htop splits it: a model (copies of
 * the histories, the hypergradient panel's estimates, the surface job)
 * refreshed by the key handlers after each step; panels that only read
 * the session and the model; key handlers that return intents; one loop
 * that redraws when something changed.  The only file that touches
 * newterm, colours and endwin.  Steps are the REPL's own commands, run
 * with their output captured for the message area, so that a key does
 * exactly what the command does. */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <gsl/gsl_blas.h>

#include "args.h"
#include "canvas.h"
#include "command.h"
#include "dash.h"
#include "repl.h"
#include "linalg.h"
#include "output.h"
#include "plot.h"
#include "surface.h"

#define MIN_COLS 64
#define MIN_ROWS 20
#define HG_MAX 10            /* rows of the hypergradient panel */
#define MSG_RING 64
#define CMD_HIST 100
#define CMD_LEN 1024
#define HEAT_LEVELS 12
#define SURF_N1 60           /* points of a 1-D surface */
#define SURF_NX 28           /* and of a 2-D one */
#define SURF_NY 18

enum { DASH_NONE, DASH_REDRAW, DASH_QUIT };

/* colour pairs */
enum { C_HEAD = 1, C_TITLE, C_INNER, C_ADJ, C_OUTER, C_REF, C_ERR, C_WARN, C_MARK,
       C_HINT, C_HEAT = 16 };

static const int heat_colors[HEAT_LEVELS] = {17, 19, 27, 33, 39, 44, 49, 118, 190, 220,
                                             208, 196};
static const double paces[] = {0.5, 1, 2, 5, 10, 20, 50, 0};   /* steps/s; 0: max */
#define NPACES (sizeof paces / sizeof paces[0])

typedef struct hist_copy {
    double *v, *r;
    size_t n, cap;
} hist_copy;

typedef struct hg_row {
    char spec[256];
    int status;
    char err[200];
    int outer;                  /* the outer estimator */
} hg_row;

/* A line of the message area: its kind is the sink's (bl_msg_kind; a
 * result's lines are BL_MSG_RESULT), or MSG_ECHO for what was typed. */
enum { MSG_ECHO = BL_MSG_NKINDS };

typedef struct msg {
    char text[256];
    int kind;
} msg;

/* What the surface panel draws: a running job or the session's surface. */
typedef struct surf_view {
    size_t naxes, coord[2], n[2];
    const double *ax[2];
    const double *F;
    const unsigned char *done;
    size_t npoints, ndone, nunconv;
} surf_view;

typedef struct rect { int y, x, h, w; } rect;

struct bl_dash {
    bl_session *S;
    int own;                    /* freed by bl_dash_close (not kept in S) */
    /* the screen, while open */
    SCREEN *scr;
    FILE *tin, *tout;
    int open, active, rows, cols;
    int unicode, color, heat256, cursor;
    /* loop */
    int dirty;
    double t_lastdraw, t_cmd, t_model, t_draw;
    int running;
    size_t pace;
    double next_due;
    /* overlay: help or long command output */
    char **page;
    size_t npage, page_top;
    char page_title[160];
    /* the command line */
    int cmdmode;
    char cmd[CMD_LEN];
    size_t clen, cpos;
    char *hist[CMD_HIST];
    size_t nhist, hpos;
    /* messages */
    msg msgs[MSG_RING];
    size_t nmsg;
    /* the model, made at the session's generation gen (complete: model_ok) */
    unsigned long gen;
    int model_ok;
    double F, G, gres, eta;
    hist_copy ih, ah;
    int inner_live, adj_live;
    char inner_name[32], adj_name[32];
    size_t inner_iters, adj_iters;
    double inner_value, inner_resid, adj_resid, adj_norm;
    hg_row hg[HG_MAX];
    size_t nhg, hg_d;
    bl_hg_cmp cmp;              /* their estimates and the reference */
    int have_ref;
    char refname[16];
    bl_surface_job *job;        /* the background surface (bl_surface_job) */
    unsigned long job_gen;      /* the session's generation when it started */
    size_t job_seen;            /* its points done at the last redraw */
    bl_canvas cv;
};

/* SIGWINCH: a signal handler can only reach a static; the dashboard's own
 * handler (instead of ncurses') is installed only while it is on the
 * screen, so the prompt gets its old disposition back. */
static volatile sig_atomic_t winch_flag;

static void on_winch(int sig)
{
    (void)sig;
    winch_flag = 1;
}

/* ---- text ---- */

static size_t utf8_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    for (size_t i = 1; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return len;
}

/* ASCII for the symbols bilab prints, on a terminal that is not UTF-8. */
static const char *translit(const char *s, size_t len)
{
    static const char *const tab[][2] = {
        {"‖", "|"}, {"∇", "d"}, {"θ", "th"}, {"ω", "w"}, {"η", "eta"}, {"λ", "l"},
        {"κ", "k"}, {"→", "->"}, {"←", "<-"}, {"↑", "^"}, {"↓", "v"}, {"…", "..."},
        {"≤", "<="}, {"≥", ">="}, {"·", "."}, {"−", "-"}, {"×", "x"}, {"ᵀ", "'"},
        {"²", "^2"}, {"√", "sqrt"}, {"∈", "in"}, {"Σ", "sum"}, {"µ", "u"},
        {"│", "|"}, {"─", "-"}, {"▶", ">"}, {"❚", "|"}, {"●", "@"}, {"•", "o"},
        {"⁻", "^-"}, {"¹", "1"}, {"₀", "0"}, {"ₖ", "k"}, {"α", "a"}, {"β", "b"},
        {"Λ", "L"}, {"σ", "s"}, {"ℓ", "l"}, {"‑", "-"}, {"–", "-"}, {"—", "-"},
        {"’", "'"}, {"“", "\""}, {"”", "\""}, {"└", "+"}, {"┌", "+"}, {"▸", ">"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i][0]) == len && memcmp(tab[i][0], s, len) == 0) return tab[i][1];
    return "?";
}

/* Writes S at (Y, X) in at most W columns; returns the columns used. */
static int put(bl_dash *D, int y, int x, int w, attr_t a, const char *s)
{
    char buf[2048];
    size_t k = 0;
    int cols = 0;
    if (w <= 0 || y < 0 || y >= D->rows || x >= D->cols) return 0;
    if (x + w > D->cols) w = D->cols - x;
    while (*s && cols < w && k + 16 < sizeof buf) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            buf[k++] = c < 32 || c == 127 ? ' ' : (char)c;
            cols++;
            s++;
            continue;
        }
        size_t len = utf8_len(s);
        if (D->unicode && len > 1) {
            memcpy(buf + k, s, len);
            k += len;
            cols++;
        } else {
            const char *t = len > 1 ? translit(s, len) : "?";
            size_t tl = strlen(t);
            if (cols + (int)tl > w) break;
            memcpy(buf + k, t, tl);
            k += tl;
            cols += (int)tl;
        }
        s += len;
    }
    buf[k] = '\0';
    attr_t old;
    short pair;
    attr_get(&old, &pair, NULL);
    attrset(a);
    mvaddstr(y, x, buf);
    attr_set(old, pair, NULL);
    return cols;
}

static int putf(bl_dash *D, int y, int x, int w, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int putf(bl_dash *D, int y, int x, int w, attr_t a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return put(D, y, x, w, a, buf);
}

static int text_width(const bl_dash *D, const char *s)
{
    int w = 0;
    while (*s) {
        size_t len = utf8_len(s);
        w += D->unicode || len == 1 ? 1 : (int)strlen(translit(s, len));
        s += len;
    }
    return w;
}

/* A colour attribute, or MONO on a terminal without colours. */
static attr_t style(const bl_dash *D, int pair, attr_t extra, attr_t mono)
{
    return D->color ? (attr_t)COLOR_PAIR(pair) | extra : mono;
}

/* ---- messages ---- */

static void push_msg(bl_dash *D, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void push_msg(bl_dash *D, int kind, const char *fmt, ...)
{
    msg *m = &D->msgs[D->nmsg % MSG_RING];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->text, sizeof m->text, fmt, ap);
    va_end(ap);
    m->kind = kind;
    D->nmsg++;
    D->dirty = 1;
}

static void page_free(bl_dash *D)
{
    for (size_t i = 0; i < D->npage; i++) free(D->page[i]);
    free(D->page);
    D->page = NULL;
    D->npage = D->page_top = 0;
}

static void page_add(bl_dash *D, const char *line)
{
    char **p = realloc(D->page, (D->npage + 1) * sizeof *p);
    if (!p) return;
    D->page = p;
    if ((p[D->npage] = strdup(line)) != NULL) D->npage++;
}

/* Drops terminal escapes (colour plots) and what a '\r' overwrote. */
static void clean_line(char *s)
{
    char *cr = strrchr(s, '\r');
    if (cr) memmove(s, cr + 1, strlen(cr + 1) + 1);
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\033') {
            if (r[1] == '[') {
                r += 2;
                while (*r && !(*r >= '@' && *r <= '~')) r++;
                if (!*r) break;
            }
            continue;
        }
        *w++ = *r;
    }
    *w = '\0';
}

static int message_rows(const bl_dash *D)
{
    return D->rows >= 40 ? 3 : D->rows >= 30 ? 2 : 1;
}

/* What run_line captures: everything the command writes (out and errf,
 * one memstream) and, from the session's sink, where each message starts
 * and ends in it and its kind. */
typedef struct capture {
    FILE *mem;
    char *buf;
    size_t len;
    struct span { size_t at; int kind; } *span;
    size_t nspan;
} capture;

/* From here on the text is of KIND (out of memory: of the kind before). */
static void capture_mark(capture *c, int kind)
{
    fflush(c->mem);
    struct span *sp = realloc(c->span, (c->nspan + 1) * sizeof *sp);
    if (!sp) return;
    c->span = sp;
    sp[c->nspan++] = (struct span){c->len, kind};
}

/* The session's sink while a command runs in the dashboard: the message
 * written where it comes, in order with the output, with its kind. */
static void capture_msg(void *ctx, const bl_msg *m)
{
    capture *c = ctx;
    capture_mark(c, m->kind);
    bl_msg_write(c->mem, m);
    capture_mark(c, BL_MSG_RESULT);
}

/* The kind of the text at offset AT. */
static int capture_kind(const capture *c, size_t at)
{
    int kind = BL_MSG_RESULT;
    for (size_t i = 0; i < c->nspan && c->span[i].at <= at; i++) kind = c->span[i].kind;
    return kind;
}

/* Runs LINE as the prompt would, its output captured into the message
 * area with the kinds the session's sink gave; with PAGER, output longer
 * than the message area opens the overlay. */
static int run_line(bl_dash *D, const char *line, int pager)
{
    bl_session *S = D->S;
    capture c = {0};
    c.mem = open_memstream(&c.buf, &c.len);
    if (!c.mem) {
        push_msg(D, BL_MSG_ERROR, "out of memory");
        return BL_ENOMEM;
    }
    FILE *out = S->out, *errf = S->errf;
    bl_msg_sink sink = S->sink;
    void *ctx = S->sink_ctx;
    S->out = S->errf = c.mem;
    S->sink = capture_msg;
    S->sink_ctx = &c;
    double t0 = bl_clock();
    int st = bl_execute_line(S, line);
    D->t_cmd = bl_clock() - t0;
    fflush(c.mem);
    S->out = out;
    S->errf = errf;
    S->sink = sink;
    S->sink_ctx = ctx;
    fclose(c.mem);
    /* Ctrl-C stopped the command: it also stops a run, and is used up, so
     * that the panels' model is computed (a second Ctrl-C stops that) */
    int stopped = *S->cancel != 0;
    if (stopped) {
        *S->cancel = 0;
        D->running = 0;
        if (D->job) bl_surface_job_cancel(D->job);
    }
    char *buf = c.buf;
    size_t len = c.len, nlines = 0;
    for (char *p = buf; p && *p; p++) nlines += *p == '\n';
    if (buf && len && buf[len - 1] != '\n') nlines++;
    int paged = pager && (int)nlines > message_rows(D);
    if (paged) {
        page_free(D);
        snprintf(D->page_title, sizeof D->page_title, ":%s", line);
    }
    char *save = NULL;
    for (char *l = buf ? strtok_r(buf, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        int kind = capture_kind(&c, (size_t)(l - buf));
        clean_line(l);
        if (paged) page_add(D, l);
        if (*l) push_msg(D, kind, "%s", l);
    }
    free(buf);
    free(c.span);
    if (stopped) push_msg(D, BL_MSG_WARNING, "interrupted (Ctrl-C): stopped");
    D->dirty = 1;
    return st;
}

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

static void hist_free(hist_copy *h)
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
    bl_hg_compare(&D->cmp, &c, BL_HG_CMP_ALWAYS_REF);
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
static const double *hg_ref(const bl_dash *D)
{
    const gsl_vector *g = D->have_ref ? bl_hg_cmp_ref(&D->cmp) : NULL;
    return g ? g->data : NULL;
}

static void forget(bl_dash *D)
{
    D->ih.n = D->ah.n = 0;
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
static void model_update(bl_dash *D)
{
    bl_session *S = D->S;
    D->dirty = 1;
    if (D->model_ok && D->gen == S->gen) return;      /* nothing changed */
    double t0 = bl_clock();
    if (bl_session_changed(S, D->gen, BL_CHG_PROBLEM | BL_CHG_OUTER)) forget(D);
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
        bl_surface_free(s);
        free(s);
        return;
    }
    bl_surface_free(S->surf);
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
        bl_surface_free(s);
        free(s);
    }
    return st;
}

/* Stops the job and keeps its points when INSTALL. */
static void job_stop(bl_dash *D, int install)
{
    if (!D->job) return;
    bl_surface_job_cancel(D->job);
    job_end(D, install, NULL, NULL);
}

/* Called by the loop: notices progress and the end of the job. */
static void job_poll(bl_dash *D)
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
        push_msg(D, BL_MSG_ERROR, "surface: out of memory");
        return;
    }
    if (st == BL_OK) {
        char un[96] = "";
        if (s->nunconv)
            snprintf(un, sizeof un, "; %zu points' inner solves stopped short of inner.tol",
                     s->nunconv);
        push_msg(D, s->nunconv ? BL_MSG_WARNING : BL_MSG_NOTE, "surface: %zu points in %.3gs%s%s",
                 s->npoints, s->seconds, s->nfailed ? " (some failed)" : "", un);
    } else if (st == BL_EINTR) {
        push_msg(D, BL_MSG_WARNING, "surface: stopped after %zu of %zu points (kept, partial)",
                 s->ndone, s->npoints);
    } else {
        push_msg(D, BL_MSG_ERROR, "surface: %s", e.msg);
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
static void job_start(bl_dash *D)
{
    bl_session *S = D->S;
    if (!S->P) return;
    if (D->job) job_stop(D, 0);
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
            push_msg(D, BL_MSG_ERROR, "surface: out of memory");
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
        push_msg(D, BL_MSG_ERROR, "surface: %s", e.msg);
        return;
    }
    D->job_gen = S->gen;
    D->job_seen = 0;
    push_msg(D, BL_MSG_NOTE, "surface: %zu points in the background (Ctrl-C stops)",
             n[0] * (naxes == 2 ? n[1] : 1));
}

/* ---- drawing: canvases ---- */

/* A canvas of the kind the terminal shows: braille, or three ASCII dots
 * a cell. */
static bl_canvas *cv_new(bl_dash *D, int w, int h)
{
    bl_canvas_init(&D->cv, D->unicode ? BL_CANVAS_BRAILLE : BL_CANVAS_ASCII3, w, h);
    return &D->cv;
}

static void cv_render(bl_dash *D, const bl_canvas *c, int y0, int x0, attr_t a)
{
    char buf[4];
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            const char *s = bl_canvas_text(c, x, y, buf);
            if (s) put(D, y0 + y, x0 + x, 1, a, s);
        }
}

/* A label of a log axis: the decade, or two digits inside one decade. */
static void fmt_short(char *buf, size_t len, double v, int fine)
{
    if (!isfinite(v)) snprintf(buf, len, "%s", isnan(v) ? "-" : v > 0 ? "inf" : "-inf");
    else snprintf(buf, len, fine ? "%.2g" : "%.0e", v);
}

/* V[0..n-1] on a log scale over the iterations, in R; the decades of the
 * extremes on the left.  Non-positive values are left out. */
static void draw_logplot(bl_dash *D, rect r, const double *v, size_t n, attr_t a)
{
    int lw = 6;
    if (r.h < 1 || r.w < lw + 6) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > 0) {
            lo = fmin(lo, log10(v[i]));
            hi = fmax(hi, log10(v[i]));
        }
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    if (!(lo <= hi)) {
        put(D, r.y, r.x + lw, r.w - lw, dim, n ? "(no positive values)" : "");
        return;
    }
    if (hi - lo < 1e-9) {
        lo -= 0.5;
        hi += 0.5;
    }
    char top[32], bot[32];
    int fine = hi - lo < 1;
    fmt_short(top, sizeof top, pow(10, hi), fine);
    fmt_short(bot, sizeof bot, pow(10, lo), fine);
    if ((int)strlen(top) + 1 > lw) lw = (int)strlen(top) + 1;
    if ((int)strlen(bot) + 1 > lw) lw = (int)strlen(bot) + 1;
    put(D, r.y, r.x, lw, dim, top);
    if (r.h > 1) put(D, r.y + r.h - 1, r.x, lw, dim, bot);
    bl_canvas *c = cv_new(D, r.w - lw, r.h);
    int px = -1, py = -1;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(v[i]) && v[i] > 0)) {
            px = -1;
            continue;
        }
        int x = n == 1 ? 0 : (int)floor((double)i * (c->W - 1) / (double)(n - 1) + 0.5);
        int y = c->H - 1 - (int)floor((log10(v[i]) - lo) / (hi - lo) * (c->H - 1) + 0.5);
        if (px >= 0) bl_canvas_line(c, px, py, x, y, 0);
        else bl_canvas_dot(c, x, y, 0);
        px = x;
        py = y;
    }
    cv_render(D, c, r.y, r.x + lw, a);
}

/* One row of bars: V over the iterations (log scale when every value is
 * positive and they span more than two decades). */
static void draw_spark(bl_dash *D, int y, int x, int w, const double *v, size_t n, attr_t a)
{
    static const char *const uni[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char asc[] = "._-~=+*#";
    if (w <= 0 || n == 0) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (!(lo <= hi)) return;
    int logs = lo > 0 && hi / lo > 100;
    double l0 = logs ? log10(lo) : lo, l1 = logs ? log10(hi) : hi;
    for (size_t cx = 0; cx < (size_t)w; cx++) {
        /* each value a bar of equal width, or the last of each bin */
        size_t i = n <= (size_t)w ? cx * n / (size_t)w : (cx + 1) * n / (size_t)w - 1;
        if (!isfinite(v[i])) continue;
        double t = l1 > l0 ? ((logs ? log10(v[i]) : v[i]) - l0) / (l1 - l0) : 0.5;
        int k = (int)floor(t * 7 + 0.5);
        k = k < 0 ? 0 : k > 7 ? 7 : k;
        char s[2] = {asc[k], '\0'};
        put(D, y, x + (int)cx, 1, a, D->unicode ? uni[k] : s);
    }
}

/* ---- drawing: panels ---- */

static void draw_box(bl_dash *D, rect r, const char *title, attr_t ta)
{
    if (r.h < 2 || r.w < 4) return;
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    char t[256];
    snprintf(t, sizeof t, " %s ", title);
    put(D, r.y, r.x + 2, r.w - 4, ta, t);
}

static rect inside(rect r)
{
    return (rect){r.y + 1, r.x + 1, r.h - 2, r.w - 2};
}

static attr_t title_attr(const bl_dash *D, int pair)
{
    return style(D, pair, A_BOLD, A_BOLD);
}

/* A panel's first line: WIDE when it fits, else NARROW (three strings,
 * C may be NULL). */
static void summary(bl_dash *D, rect in, const char *wide, const char *narrow, const char *a,
                    const char *b, const char *c)
{
    char line[512];
    snprintf(line, sizeof line, wide, a, b, c ? c : "");
    if (text_width(D, line) > in.w) snprintf(line, sizeof line, narrow, a, b, c ? c : "");
    put(D, in.y, in.x, in.w, A_BOLD, line);
}

static void draw_inner(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[320], a[64], b[64];
    int dg = bl_session_digits(S);
    const char *name = D->inner_live ? D->inner_name : S->set[BL_S_INNER_SOLVER].str;
    snprintf(t, sizeof t, "inner %s · it %zu", name, D->inner_live ? D->inner_iters : (size_t)0);
    draw_box(D, r, t, title_attr(D, C_INNER));
    rect in = inside(r);
    if (in.h < 1) return;
    double G = D->inner_live ? D->inner_value : D->G, res = D->inner_live ? D->inner_resid : D->gres;
    bl_fmt(a, sizeof a, G, dg);
    bl_fmt(b, sizeof b, res, dg);
    summary(D, in, "G = %s  ‖∇θG‖ = %s", "G=%s ‖∇θG‖=%s", a, b, NULL);
    attr_t ca = style(D, C_INNER, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (!D->inner_live) {
        put(D, in.y + 1, in.x, in.w, dim, D->ih.n ? "θ or ω moved: i or I starts afresh"
                                                  : "i steps, I solves");
        if (D->ih.n && in.h > 3) {
            draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, D->ih.r, D->ih.n, dim);
        }
        return;
    }
    if (in.h < 2) return;
    put(D, in.y + 1, in.x, 6, dim, "G");
    draw_spark(D, in.y + 1, in.x + 6, in.w - 6, D->ih.v, D->ih.n, ca);
    if (in.h >= 3) draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, D->ih.r, D->ih.n, ca);
}

static void draw_adjoint(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[320], a[64], b[64];
    int dg = bl_session_digits(S);
    int have = D->ah.n > 0;
    snprintf(t, sizeof t, "adjoint %s · it %zu", have ? D->adj_name : S->set[BL_S_ADJOINT_METHOD].str,
             have && D->adj_live ? D->adj_iters : (size_t)0);
    draw_box(D, r, t, title_attr(D, C_ADJ));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_ADJ, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (!have) {
        put(D, in.y, in.x, in.w, dim, "a steps, A solves Ha = ∇θL");
        return;
    }
    if (!D->adj_live) {
        put(D, in.y, in.x, in.w, dim, "θ or ω moved: a or A starts afresh");
        if (in.h > 1) draw_logplot(D, (rect){in.y + 1, in.x, in.h - 1, in.w}, D->ah.r, D->ah.n, dim);
        return;
    }
    bl_fmt(a, sizeof a, D->adj_resid, 3);
    bl_fmt(b, sizeof b, D->adj_norm, dg);
    summary(D, in, "residual %s  ‖a‖ = %s", "residual %s ‖a‖=%s", a, b, NULL);
    if (in.h > 1) draw_logplot(D, (rect){in.y + 1, in.x, in.h - 1, in.w}, D->ah.r, D->ah.n, ca);
}

static void draw_outer(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    const bl_trace *tr = &S->outer->trace;
    char t[160], a[64], b[64], c[64];
    int dg = bl_session_digits(S);
    snprintf(t, sizeof t, "outer %s · step %zu", S->outer->type->name, S->outer->iter);
    size_t nshort = 0;           /* steps whose inner solves stopped short of inner.tol */
    for (size_t k = 0; k < tr->n; k++) nshort += !bl_trace_converged(tr, k);
    if (nshort) {
        size_t tl = strlen(t);
        snprintf(t + tl, sizeof t - tl, " · %zu unconverged", nshort);
    }
    draw_box(D, r, t, title_attr(D, C_OUTER));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_OUTER, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (tr->n == 0) {
        put(D, in.y, in.x, in.w, dim, "o steps, space runs");
        return;
    }
    size_t last = tr->n - 1;
    bl_fmt(a, sizeof a, tr->F[last], dg);
    bl_fmt(b, sizeof b, tr->gnorm[last], dg);
    bl_fmt(c, sizeof c, tr->step[last], 3);
    summary(D, in, "F = %s  ‖g‖ = %s  s = %s", "F=%s ‖g‖=%s s=%s", a, b, c);
    if (in.h < 2) return;
    put(D, in.y + 1, in.x, 6, dim, "F");
    draw_spark(D, in.y + 1, in.x + 6, in.w - 6, tr->F, tr->n, ca);
    if (in.h >= 3) draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, tr->gnorm, tr->n, ca);
}

static void draw_hypergrad(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[160];
    int dg = bl_session_digits(S);
    snprintf(t, sizeof t, "hypergradient · ref %s", D->have_ref ? D->refname : "none");
    draw_box(D, r, t, title_attr(D, C_REF));
    rect in = inside(r);
    if (in.h < 1) return;
    int nw = 10, colw = dg + 6;
    for (size_t i = 0; i < D->nhg; i++) {
        int w = text_width(D, D->hg[i].spec) + 2;
        if (w > nw) nw = w;
    }
    if (nw > in.w - colw - 18) nw = in.w - colw - 18;
    /* the columns that fit: ‖g‖, rel.err, cosine, then g[0], g[1], ... */
    int ncoord = (in.w - nw - colw - 18) / colw;
    size_t d = D->hg_d;
    if (ncoord < 0) ncoord = 0;
    if ((size_t)ncoord > d) ncoord = (int)d;
    if (ncoord > 6) ncoord = 6;
    attr_t head = style(D, C_HINT, A_BOLD, A_UNDERLINE);
    int x = in.x;
    put(D, in.y, x, nw, head, "estimator");
    x += nw;
    put(D, in.y, x, colw, head, "‖g‖");
    x += colw;
    put(D, in.y, x, 9, head, "rel.err");
    x += 9;
    put(D, in.y, x, 9, head, "cosine");
    x += 9;
    for (int k = 0; k < ncoord; k++) {
        putf(D, in.y, x, colw, head, "g[%d]", k);
        x += colw;
    }
    int y = in.y + 1;
    char a[64];
    if (D->have_ref && y < in.y + in.h) {
        attr_t ra = style(D, C_REF, 0, A_BOLD);
        x = in.x;
        putf(D, y, x, nw - 1, ra, "ref %s", D->refname);
        x += nw;
        const bl_hg_entry *re = &D->cmp.e[D->cmp.ref];
        put(D, y, x, colw, ra, bl_fmt(a, sizeof a, re->norm, dg));
        x += colw + 18;
        for (int k = 0; k < ncoord; k++, x += colw)
            put(D, y, x, colw - 1, ra, bl_fmt(a, sizeof a, hg_ref(D)[k], dg));
        y++;
    }
    for (size_t i = 0; i < D->nhg && y < in.y + in.h; i++, y++) {
        const hg_row *w = &D->hg[i];
        const bl_hg_entry *e = &D->cmp.e[i];
        x = in.x;
        attr_t na = w->outer ? style(D, C_OUTER, A_BOLD, A_BOLD) : 0;
        putf(D, y, x, nw - 1, na, "%s%s", w->outer ? "▸" : " ", w->spec);
        x += nw;
        if (w->status) {
            put(D, y, x, in.w - nw, style(D, C_ERR, 0, A_DIM), w->err);
            continue;
        }
        put(D, y, x, colw - 1, 0, bl_fmt(a, sizeof a, e->norm, dg));
        x += colw;
        attr_t ea = !(e->rel_err <= 1e-6) ? style(D, C_WARN, 0, A_BOLD) : style(D, C_REF, 0, 0);
        put(D, y, x, 8, ea, bl_fmt(a, sizeof a, e->rel_err, 3));
        x += 9;
        put(D, y, x, 8, 0, bl_fmt(a, sizeof a, e->cosine, in.w >= 50 ? 6 : 5));
        x += 9;
        for (int k = 0; k < ncoord; k++, x += colw)
            put(D, y, x, colw - 1, 0, bl_fmt(a, sizeof a, gsl_vector_get(e->r.grad, (size_t)k), dg));
    }
}

/* The surface to draw: the job's grid while one runs (held by
 * bl_surface_job_lock until draw_surface is done), else the session's
 * last surface. */
static int surf_view_get(bl_dash *D, surf_view *v)
{
    memset(v, 0, sizeof *v);
    const bl_surface *s = D->S->surf;
    size_t ndone = 0, nunconv = 0;
    if (D->job) {
        bl_surface_progress p;
        bl_surface_job_poll(D->job, &p);
        ndone = p.ndone;
        nunconv = p.nunconv;
        s = bl_surface_job_lock(D->job);
    } else {
        if (!s || !s->F || s->d != D->S->P->d) return 0;
        ndone = s->ndone;
        nunconv = s->nunconv;
    }
    v->naxes = s->naxes;
    for (size_t a = 0; a < s->naxes; a++) {
        v->coord[a] = s->ax[a].coord;
        v->n[a] = s->ax[a].n;
        v->ax[a] = s->ax[a].values;
    }
    if (s->naxes == 1) v->n[1] = 1;
    v->F = s->F;
    v->done = s->done;
    v->npoints = s->npoints;
    v->ndone = ndone;
    v->nunconv = nunconv;
    return 1;
}

static double interp1(const surf_view *v, double x)
{
    const double *ax = v->ax[0];
    size_t n = v->n[0];
    for (size_t i = 0; i + 1 < n; i++) {
        double a = ax[i], b = ax[i + 1];
        if ((x >= a && x <= b) || (x <= a && x >= b)) {
            if (v->done[i] != 1 || v->done[i + 1] != 1) return NAN;
            double t = b != a ? (x - a) / (b - a) : 0;
            return v->F[i] + t * (v->F[i + 1] - v->F[i]);
        }
    }
    return NAN;
}

/* −g on the surface's axes: the direction an outer gd step goes. */
static void descent(const bl_dash *D, const surf_view *v, double *dx, double *dy)
{
    *dx = *dy = 0;
    const double *g = hg_ref(D);
    if (!g) return;
    *dx = -g[v->coord[0]];
    if (v->naxes == 2) *dy = -g[v->coord[1]];
    if (!isfinite(*dx) || !isfinite(*dy)) *dx = *dy = 0;
}

static void draw_surface_1d(bl_dash *D, rect in, const surf_view *v)
{
    bl_session *S = D->S;
    const int lw = 9;
    if (in.h < 3 || in.w < lw + 8) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < v->n[0]; i++)
        if (v->done[i] == 1 && isfinite(v->F[i])) {
            lo = fmin(lo, v->F[i]);
            hi = fmax(hi, v->F[i]);
        }
    double x0 = v->ax[0][0], x1 = v->ax[0][v->n[0] - 1];
    if (!(x1 != x0)) x1 = x0 + 1;   /* a grid of one point */
    rect pr = {in.y, in.x + lw, in.h - 1, in.w - lw};
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    char b[64];
    putf(D, in.y + in.h - 1, pr.x, 12, dim, "%.3g", x0);
    snprintf(b, sizeof b, "%.3g", x1);
    put(D, in.y + in.h - 1, pr.x + pr.w - (int)strlen(b), (int)strlen(b), dim, b);
    putf(D, in.y + in.h - 1, pr.x + pr.w / 2 - 3, 8, dim, "ω[%zu]", v->coord[0]);
    if (!(lo <= hi)) return;
    if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
        lo -= 0.5;
        hi += 0.5;
    }
    put(D, pr.y, in.x, lw - 1, dim, bl_fmt(b, sizeof b, hi, 5));
    put(D, pr.y + pr.h - 1, in.x, lw - 1, dim, bl_fmt(b, sizeof b, lo, 5));
    bl_canvas *c = cv_new(D, pr.w, pr.h);
#define SX(x) ((int)floor(((x) - x0) / (x1 - x0) * (c->W - 1) + 0.5))
#define SY(y) (c->H - 1 - (int)floor(((y) - lo) / (hi - lo) * (c->H - 1) + 0.5))
    int px = -1, py = -1;
    for (size_t i = 0; i < v->n[0]; i++) {
        if (v->done[i] != 1 || !isfinite(v->F[i])) {
            px = -1;
            continue;
        }
        int x = SX(v->ax[0][i]), y = SY(v->F[i]);
        if (px >= 0) bl_canvas_line(c, px, py, x, y, 0);
        else bl_canvas_dot(c, x, y, 0);
        px = x;
        py = y;
    }
    cv_render(D, c, pr.y, pr.x, style(D, C_OUTER, 0, 0));
    /* the trajectory, the current point and the descent direction */
    const bl_trace *t = &S->outer->trace;
    int cw = D->unicode ? 2 : 1, ch = D->unicode ? 4 : 3;
    attr_t ma = style(D, C_MARK, A_BOLD, A_BOLD);
    for (size_t r = 0; r <= t->n; r++) {
        double w = r < t->n ? t->omega[r * t->d + v->coord[0]] : gsl_vector_get(S->omega, v->coord[0]);
        double f = interp1(v, w);
        if (!isfinite(f) && r < t->n) f = t->F[r];
        if (!isfinite(f) || !isfinite(w) || w < fmin(x0, x1) || w > fmax(x0, x1)) continue;
        int cx = SX(w) / cw, cy = SY(f) / ch;
        cy = cy < 0 ? 0 : cy >= pr.h ? pr.h - 1 : cy;
        if (r < t->n) {
            put(D, pr.y + cy, pr.x + cx, 1, style(D, C_OUTER, A_BOLD, 0), D->unicode ? "•" : "o");
            continue;
        }
        put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "●" : "@");
        double dx, dy;
        descent(D, v, &dx, &dy);
        if (dx != 0) {
            int ax = cx + (dx > 0 ? 1 : -1);
            if (ax >= 0 && ax < pr.w) put(D, pr.y + cy, pr.x + ax, 1, ma, bl_plot_arrow(dx, 0, D->unicode));
        }
    }
#undef SX
#undef SY
}

/* The colour band of F: on √(F − min) the bands of a quadratic bowl are
 * rings of equal width, so the valley shows and not only the walls. */
static int heat_level(double f, double lo, double hi, int root)
{
    double t = !(hi > lo) ? 0.5 : root ? sqrt((f - lo) / (hi - lo)) : (f - lo) / (hi - lo);
    int k = (int)floor(t * HEAT_LEVELS);
    return k < 0 ? 0 : k >= HEAT_LEVELS ? HEAT_LEVELS - 1 : k;
}

static void draw_surface_2d(bl_dash *D, rect in, const surf_view *v)
{
    bl_session *S = D->S;
    const int lw = 7;
    if (in.h < 3 || in.w < lw + 8) return;
    rect pr = {in.y, in.x + lw, in.h - 1, in.w - lw};
    size_t nx = v->n[0], ny = v->n[1];
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < v->npoints; k++)
        if (v->done[k] == 1 && isfinite(v->F[k])) {
            lo = fmin(lo, v->F[k]);
            hi = fmax(hi, v->F[k]);
        }
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    double x0 = v->ax[0][0], x1 = v->ax[0][nx - 1], y0 = v->ax[1][0], y1 = v->ax[1][ny - 1];
    if (!(x1 != x0)) x1 = x0 + 1;   /* grids of one point */
    if (!(y1 != y0)) y1 = y0 + 1;
    char b[64];
    putf(D, pr.y, in.x, lw - 1, dim, "%.3g", y1);
    putf(D, pr.y + pr.h - 1, in.x, lw - 1, dim, "%.3g", y0);
    putf(D, pr.y + pr.h / 2, in.x, lw - 1, dim, "ω[%zu]", v->coord[1]);
    putf(D, in.y + in.h - 1, pr.x, 12, dim, "%.3g", x0);
    snprintf(b, sizeof b, "%.3g", x1);
    put(D, in.y + in.h - 1, pr.x + pr.w - (int)strlen(b), (int)strlen(b), dim, b);
    putf(D, in.y + in.h - 1, pr.x + pr.w / 2 - 3, 8, dim, "ω[%zu]", v->coord[0]);
    if (!(lo <= hi)) return;
    int root = 1;
    int half = D->heat256 && D->unicode;
    int sub = half ? 2 : 1;
    static const char *const shade[] = {"·", "░", "▒", "▓", "█"};
    static const char ramp[] = ".:-=+*#%@";
    for (int cy = 0; cy < pr.h; cy++)
        for (int cx = 0; cx < pr.w; cx++) {
            int lv[2] = {-1, -1};
            size_t i = (size_t)((double)cx * (double)nx / pr.w);
            for (int s = 0; s < sub; s++) {
                int row = (pr.h - 1 - cy) * sub + (sub - 1 - s);   /* from the bottom */
                size_t j = (size_t)((double)row * (double)ny / (pr.h * sub));
                if (i >= nx || j >= ny) continue;
                size_t k = i + nx * j;
                if (v->done[k] == 1 && isfinite(v->F[k])) lv[s] = heat_level(v->F[k], lo, hi, root);
            }
            if (half) {
                if (lv[0] < 0 && lv[1] < 0) continue;
                int up = lv[0] >= 0 ? lv[0] : lv[1], dn = lv[1] >= 0 ? lv[1] : lv[0];
                put(D, pr.y + cy, pr.x + cx, 1, (attr_t)COLOR_PAIR(C_HEAT + up * HEAT_LEVELS + dn), "▀");
            } else if (lv[0] >= 0) {
                char s[2] = {ramp[lv[0] * 9 / HEAT_LEVELS], '\0'};
                put(D, pr.y + cy, pr.x + cx, 1, 0, D->unicode ? shade[lv[0] * 5 / HEAT_LEVELS] : s);
            }
        }
    /* the trajectory, the current point and the descent direction */
    const bl_trace *t = &S->outer->trace;
    for (size_t r = 0; r <= t->n; r++) {
        double wx = r < t->n ? t->omega[r * t->d + v->coord[0]] : gsl_vector_get(S->omega, v->coord[0]);
        double wy = r < t->n ? t->omega[r * t->d + v->coord[1]] : gsl_vector_get(S->omega, v->coord[1]);
        if (!isfinite(wx) || !isfinite(wy)) continue;
        int cx = (int)floor((wx - x0) / (x1 - x0) * (pr.w - 1) + 0.5);
        int cy = pr.h - 1 - (int)floor((wy - y0) / (y1 - y0) * (pr.h - 1) + 0.5);
        if (cx < 0 || cy < 0 || cx >= pr.w || cy >= pr.h) continue;
        attr_t ma = style(D, C_MARK, A_BOLD, A_BOLD | A_REVERSE);
        if (r < t->n) {
            put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "•" : "o");
            continue;
        }
        put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "●" : "@");
        double dx, dy;
        descent(D, v, &dx, &dy);
        double len = hypot(dx, dy);
        if (len > 0) {
            int ax = cx + (int)lround(dx / len), ay = cy - (int)lround(dy / len);
            if (ax >= 0 && ay >= 0 && ax < pr.w && ay < pr.h)
                put(D, pr.y + ay, pr.x + ax, 1, ma, bl_plot_arrow(dx, dy, D->unicode));
        }
    }
}

static void draw_surface(bl_dash *D, rect r)
{
    surf_view v;
    char t[160];
    int have = surf_view_get(D, &v);
    if (!have) snprintf(t, sizeof t, "surface");
    else if (v.naxes == 1) snprintf(t, sizeof t, "surface F(ω[%zu])", v.coord[0]);
    else snprintf(t, sizeof t, "surface F(ω[%zu], ω[%zu])", v.coord[0], v.coord[1]);
    size_t tl = strlen(t);
    if (D->job) snprintf(t + tl, sizeof t - tl, " · %zu/%zu", v.ndone, v.npoints);
    else if (have && v.ndone < v.npoints) snprintf(t + tl, sizeof t - tl, " · partial %zu/%zu", v.ndone, v.npoints);
    else if (have) snprintf(t + tl, sizeof t - tl, " · %zu points", v.npoints);
    tl = strlen(t);
    if (have && v.nunconv)       /* points whose inner solve stopped short of inner.tol */
        snprintf(t + tl, sizeof t - tl, " · %zu unconverged", v.nunconv);
    draw_box(D, r, t, title_attr(D, C_OUTER));
    rect in = inside(r);
    if (!have) {
        put(D, in.y, in.x, in.w, style(D, C_HINT, 0, A_DIM),
            "s computes F around ω in the background");
    } else if (v.naxes == 1) {
        draw_surface_1d(D, in, &v);
    } else {
        draw_surface_2d(D, in, &v);
    }
    if (D->job) bl_surface_job_unlock(D->job);
}

static void draw_header(bl_dash *D)
{
    bl_session *S = D->S;
    char a[64], f[64], st[64], w[512], line[1024], right[128];
    int dg = bl_session_digits(S);
    attr_t ha = style(D, C_HEAD, A_BOLD, A_REVERSE);
    attrset(ha);
    mvhline(0, 0, ' ', D->cols);
    attrset(A_NORMAL);
    const bl_problem *P = S->P;
    int uses_data = S->data && (P->type->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA));
    if (paces[D->pace] > 0)
        snprintf(right, sizeof right, " %s %g/s ", D->running ? "▶" : "❚❚", paces[D->pace]);
    else
        snprintf(right, sizeof right, " %s max ", D->running ? "▶" : "❚❚");
    int rw = text_width(D, right);
    snprintf(line, sizeof line, " bilab · %s%s%s · θ ∈ R^%zu, ω ∈ R^%zu · ω = ", P->type->name,
             uses_data ? " on " : "", uses_data ? S->data->name : "", P->p, P->d);
    /* as many coordinates of ω as fit */
    int room = D->cols - rw - text_width(D, line);
    for (size_t show = S->omega->size; ; show--) {
        bl_fmt_vec(w, sizeof w, S->omega->data, S->omega->size, S->omega->stride, dg, show);
        if (show <= 1 || text_width(D, w) <= room) break;
    }
    size_t l = strlen(line);
    snprintf(line + l, sizeof line - l, "%s", w);
    put(D, 0, 0, D->cols - rw, ha, line);
    put(D, 0, D->cols - rw, rw, ha, right);
    snprintf(line, sizeof line, " F = %s │ inner %s it %zu η %s │ adjoint %s it %zu │ outer %s "
             "it %zu s %s %s", bl_fmt(f, sizeof f, D->F, dg), S->set[BL_S_INNER_SOLVER].str,
             D->inner_live ? D->inner_iters : (size_t)0, bl_fmt(a, sizeof a, D->eta, 4),
             S->set[BL_S_ADJOINT_METHOD].str, D->adj_live ? D->adj_iters : (size_t)0,
             S->outer->type->name, S->outer->iter,
             bl_fmt(st, sizeof st, S->set[BL_S_OUTER_STEP].num, 4),
             S->set[BL_S_OUTER_ESTIMATOR].str);
    put(D, 1, 0, D->cols, style(D, C_HINT, A_BOLD, A_BOLD), line);
}

static void draw_footer(bl_dash *D, int mrows)
{
    int y0 = D->rows - 1 - mrows;
    for (int i = 0; i < mrows && (size_t)i < D->nmsg && i < MSG_RING; i++) {
        const msg *m = &D->msgs[(D->nmsg - 1 - (size_t)i) % MSG_RING];
        attr_t a = m->kind == BL_MSG_ERROR ? style(D, C_ERR, A_BOLD, A_BOLD)
                   : m->kind == BL_MSG_WARNING ? style(D, C_WARN, 0, A_BOLD)
                   : m->kind == MSG_ECHO ? style(D, C_HINT, 0, A_DIM) : 0;
        put(D, y0 + mrows - 1 - i, 0, D->cols, a, m->text);
    }
    int y = D->rows - 1;
    if (D->cmdmode) {
        /* a window on the line that keeps the cursor visible */
        int w = D->cols - 2;
        size_t start = 0;
        int before = 0;
        for (size_t i = 0; i < D->cpos; i += utf8_len(D->cmd + i)) before++;
        int skip = before > w - 1 ? before - (w - 1) : 0;
        for (int k = 0; k < skip; k++) start += utf8_len(D->cmd + start);
        put(D, y, 0, 1, A_BOLD, ":");
        put(D, y, 1, w, 0, D->cmd + start);
        D->cursor = 1 + before - skip;
        return;
    }
    static const char *const hints[] = {"? help", "q back", "i/I inner", "a/A adjoint",
                                        "o outer", "space run", "+/- pace", "e estimator",
                                        "s surface", "r reset", ": command"};
    char line[512] = "";
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        size_t l = strlen(line);
        if ((int)(l + strlen(hints[i]) + 2) > D->cols) break;
        snprintf(line + l, sizeof line - l, " %s ", hints[i]);
    }
    put(D, y, 0, D->cols, style(D, C_HINT, 0, A_DIM), line);
}

static void draw_pager(bl_dash *D)
{
    int top = 1, left = 2, h = D->rows - 2, w = D->cols - 4;
    if (h < 4 || w < 20) return;
    for (int y = top; y < top + h; y++) mvhline(y, left, ' ', w);
    draw_box(D, (rect){top, left, h, w}, D->page_title, title_attr(D, C_TITLE));
    int rows = h - 3;
    if (D->npage > (size_t)rows && D->page_top > D->npage - (size_t)rows)
        D->page_top = D->npage - (size_t)rows;
    for (int i = 0; i < rows && D->page_top + (size_t)i < D->npage; i++)
        put(D, top + 1 + i, left + 2, w - 4, 0, D->page[D->page_top + (size_t)i]);
    char s[128];
    if (D->npage > (size_t)rows)
        snprintf(s, sizeof s, "lines %zu-%zu of %zu · ↑↓ PgUp PgDn scroll · any other key closes",
                 D->page_top + 1, D->page_top + (size_t)rows, D->npage);
    else
        snprintf(s, sizeof s, "any key closes");
    put(D, top + h - 2, left + 2, w - 4, style(D, C_HINT, 0, A_DIM), s);
}

static void draw_small(bl_dash *D)
{
    char l0[128], l1[128];
    const char *l2 = "enlarge it, or q leaves";
    snprintf(l0, sizeof l0, "terminal too small: %d×%d", D->cols, D->rows);
    snprintf(l1, sizeof l1, "the dashboard needs %d×%d", MIN_COLS, MIN_ROWS);
    const char *lines[] = {l0, l1, l2};
    int y = (D->rows - 3) / 2;
    for (int i = 0; i < 3; i++) {
        int w = text_width(D, lines[i]), x = (D->cols - w) / 2;
        put(D, y + i, x > 0 ? x : 0, D->cols, i == 0 ? A_BOLD : A_NORMAL, lines[i]);
    }
}

void bl_dash_draw(bl_dash *D, int full)
{
    if (!D->open) return;
    double t0 = bl_clock();
    if (full) clearok(curscr, TRUE);
    erase();
    D->cursor = -1;
    int R = D->rows, C = D->cols;
    if (R < MIN_ROWS || C < MIN_COLS || !D->S->P) {
        draw_small(D);
    } else {
        int mrows = message_rows(D);
        int top = 2, body = R - 1 - mrows - top;
        int lw = C * 2 / 5, rw = C - lw;
        int ha = body >= 24 ? body / 4 : 5, hi = (body - ha) / 2, ho = body - ha - hi;
        draw_header(D);
        draw_inner(D, (rect){top, 0, hi, lw});
        draw_adjoint(D, (rect){top + hi, 0, ha, lw});
        draw_outer(D, (rect){top + hi + ha, 0, ho, lw});
        int hh = (int)D->nhg + 3 + (D->have_ref ? 1 : 0);
        if (hh < 5) hh = 5;
        if (hh > body - 8) hh = body - 8;
        draw_hypergrad(D, (rect){top, lw, hh, rw});
        draw_surface(D, (rect){top + hh, lw, body - hh, rw});
        draw_footer(D, mrows);
        if (D->npage) draw_pager(D);
    }
    int vis = D->cursor >= 0 && !D->npage;
    curs_set(vis ? 1 : 0);
    if (vis) move(R - 1, D->cursor);
    wnoutrefresh(stdscr);
    doupdate();
    D->t_draw = bl_clock() - t0;
    D->t_lastdraw = bl_clock();
    D->dirty = 0;
}

/* ---- keys ---- */

static void open_help(bl_dash *D)
{
    page_free(D);
    snprintf(D->page_title, sizeof D->page_title, "dashboard keys");
    char text[] = BL_DASH_KEYS;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) page_add(D, l);
    page_add(D, "");
    page_add(D, "panels: inner G (bars) and ‖∇θG‖ (log scale); adjoint relative");
    page_add(D, "residual (log); outer F (bars) and ‖g‖ (log); hypergradient:");
    page_add(D, "hypergrad.specs and the outer estimator (▸) against the reference;");
    page_add(D, "surface: F with the ω trajectory (•), the current ω (●) and the");
    page_add(D, "descent direction −∇F (arrow)");
}

static int pager_key(bl_dash *D, int k)
{
    size_t step = D->rows > 8 ? (size_t)D->rows - 8 : 1;
    switch (k) {
    case KEY_UP: case 'k':
        if (D->page_top) D->page_top--;
        return DASH_REDRAW;
    case KEY_DOWN: case 'j':
        if (D->page_top + 1 < D->npage) D->page_top++;
        return DASH_REDRAW;
    case KEY_PPAGE: case 'b':
        D->page_top = D->page_top > step ? D->page_top - step : 0;
        return DASH_REDRAW;
    case KEY_NPAGE: case ' ':
        if (D->page_top + step < D->npage) D->page_top += step;
        return DASH_REDRAW;
    case KEY_HOME: case 'g':
        D->page_top = 0;
        return DASH_REDRAW;
    case KEY_END: case 'G':
        D->page_top = D->npage;
        return DASH_REDRAW;
    case KEY_RESIZE:
        return DASH_REDRAW;
    }
    page_free(D);
    return DASH_REDRAW;
}

/* A step key: the prompt's command, then the model. */
static int act(bl_dash *D, const char *line)
{
    run_line(D, line, 0);
    model_update(D);
    return DASH_REDRAW;
}

size_t bl_dash_cycle(const bl_session *S, char (*list)[BL_DASH_SPEC_MAX], size_t max)
{
    char specs[256], *save = NULL;
    size_t n = 0;
    snprintf(specs, sizeof specs, "%s", S->set[BL_S_HYPERGRAD_SPECS].str);
    for (char *t = strtok_r(specs, " ", &save); t && n < max && n < 16;
         t = strtok_r(NULL, " ", &save))
        snprintf(list[n++], BL_DASH_SPEC_MAX, "%s", t);
    for (size_t i = 0; bl_estimators[i] && n < max; i++) {
        const bl_estimator_type *T = bl_estimators[i];
        if (T->flags & BL_EST_NOT_LIVE) continue;
        const char *spec = T->live ? T->live : T->name;
        size_t k = 0;
        while (k < n && strcmp(list[k], spec)) k++;
        if (k == n) snprintf(list[n++], BL_DASH_SPEC_MAX, "%s", spec);
    }
    return n;
}

static void cycle_estimator(bl_dash *D)
{
    bl_session *S = D->S;
    char list[48][BL_DASH_SPEC_MAX];
    size_t n = bl_dash_cycle(S, list, 48);
    size_t at = 0;
    for (size_t k = 0; k < n; k++)
        if (!strcmp(list[k], S->set[BL_S_OUTER_ESTIMATOR].str)) at = k + 1;
    char line[200];
    snprintf(line, sizeof line, "set outer.estimator %.127s", list[at % n]);
    act(D, line);
}

static void cmd_insert(bl_dash *D, const char *s, size_t len)
{
    if (D->clen + len >= sizeof D->cmd) return;
    memmove(D->cmd + D->cpos + len, D->cmd + D->cpos, D->clen - D->cpos + 1);
    memcpy(D->cmd + D->cpos, s, len);
    D->clen += len;
    D->cpos += len;
}

static void cmd_delete(bl_dash *D, size_t from, size_t to)
{
    memmove(D->cmd + from, D->cmd + to, D->clen - to + 1);
    D->clen -= to - from;
    if (D->cpos > to) D->cpos -= to - from;
    else if (D->cpos > from) D->cpos = from;
}

static size_t cmd_prev(const bl_dash *D, size_t i)
{
    if (i == 0) return 0;
    i--;
    while (i > 0 && ((unsigned char)D->cmd[i] & 0xC0) == 0x80) i--;
    return i;
}

static void cmd_set(bl_dash *D, const char *s)
{
    snprintf(D->cmd, sizeof D->cmd, "%s", s);
    D->clen = D->cpos = strlen(D->cmd);
}

/* Tab: the word before the cursor completed from the command table, as
 * the prompt completes it. */
static void cmd_complete(bl_dash *D)
{
    char head[CMD_LEN];
    memcpy(head, D->cmd, D->cpos);
    head[D->cpos] = '\0';
    char *start = strrchr(head, ';');
    start = start ? start + 1 : head;
    char *word = strrchr(start, ' ');
    word = word ? word + 1 : start;
    while (*start == ' ') start++;
    if (word < start) word = start;
    char *before = strndup(start, (size_t)(word - start));
    char **w = NULL;
    size_t nw = 0;
    if (!before || bl_tokenize(before, &w, &nw, NULL) != BL_OK) {
        free(before);
        return;
    }
    free(before);
    size_t len = strlen(word), nm = 0;
    const char *match[64];
    const char *c;
    for (size_t i = 0; (c = bl_complete(D->S, w, nw, i)) != NULL && nm < 64 && i < 10000; i++)
        if (!strncmp(c, word, len)) {
            size_t k = 0;
            while (k < nm && strcmp(match[k], c)) k++;
            if (k == nm) match[nm++] = c;
        }
    if (nm == 0) {
        push_msg(D, MSG_ECHO, "no completion for '%s'", word);
    } else {
        size_t common = strlen(match[0]);
        for (size_t i = 1; i < nm; i++) {
            size_t k = 0;
            while (k < common && match[i][k] == match[0][k]) k++;
            common = k;
        }
        if (common > len) cmd_insert(D, match[0] + len, common - len);
        if (nm == 1 && match[0][strlen(match[0]) - 1] != '=') cmd_insert(D, " ", 1);
        if (nm > 1) {
            char list[256] = "";
            for (size_t i = 0; i < nm; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", i ? " " : "", match[i]);
            }
            push_msg(D, MSG_ECHO, "%s", list);
        }
    }
    bl_words_free(w, nw);
}

static int cmd_key(bl_dash *D, int k)
{
    switch (k) {
    case 27:
        D->cmdmode = 0;
        return DASH_REDRAW;
    case '\n': case '\r': case KEY_ENTER: {
        D->cmdmode = 0;
        if (!D->clen) return DASH_REDRAW;
        if (!D->nhist || strcmp(D->hist[(D->nhist - 1) % CMD_HIST], D->cmd)) {
            free(D->hist[D->nhist % CMD_HIST]);
            D->hist[D->nhist % CMD_HIST] = strdup(D->cmd);
            D->nhist++;
        }
        if (D->job) {
            /* the command may replace the problem or data the job reads */
            job_stop(D, 1);
            push_msg(D, BL_MSG_WARNING, "surface stopped for the command line (partial points kept)");
        }
        push_msg(D, MSG_ECHO, ":%s", D->cmd);
        run_line(D, D->cmd, 1);
        model_update(D);
        return DASH_REDRAW;
    }
    case KEY_BACKSPACE: case 127: case 8:
        if (D->cpos) cmd_delete(D, cmd_prev(D, D->cpos), D->cpos);
        else if (!D->clen) D->cmdmode = 0;
        return DASH_REDRAW;
    case KEY_DC: case 4:
        if (D->cpos < D->clen) cmd_delete(D, D->cpos, D->cpos + utf8_len(D->cmd + D->cpos));
        return DASH_REDRAW;
    case KEY_LEFT: case 2:
        D->cpos = cmd_prev(D, D->cpos);
        return DASH_REDRAW;
    case KEY_RIGHT: case 6:
        if (D->cpos < D->clen) D->cpos += utf8_len(D->cmd + D->cpos);
        return DASH_REDRAW;
    case KEY_HOME: case 1:
        D->cpos = 0;
        return DASH_REDRAW;
    case KEY_END: case 5:
        D->cpos = D->clen;
        return DASH_REDRAW;
    case 21:
        cmd_delete(D, 0, D->cpos);
        return DASH_REDRAW;
    case 11:
        cmd_delete(D, D->cpos, D->clen);
        return DASH_REDRAW;
    case 23: {
        size_t i = D->cpos;
        while (i > 0 && D->cmd[i - 1] == ' ') i--;
        while (i > 0 && D->cmd[i - 1] != ' ') i--;
        cmd_delete(D, i, D->cpos);
        return DASH_REDRAW;
    }
    case KEY_UP: case 16: {
        size_t first = D->nhist > CMD_HIST ? D->nhist - CMD_HIST : 0;
        if (D->hpos > first) cmd_set(D, D->hist[--D->hpos % CMD_HIST]);
        return DASH_REDRAW;
    }
    case KEY_DOWN: case 14:
        if (D->hpos < D->nhist) D->hpos++;
        cmd_set(D, D->hpos < D->nhist ? D->hist[D->hpos % CMD_HIST] : "");
        return DASH_REDRAW;
    case '\t':
        cmd_complete(D);
        return DASH_REDRAW;
    case KEY_RESIZE:
        return DASH_REDRAW;
    }
    if (k >= 32 && k < 256 && k != 127) {
        char c = (char)k;
        cmd_insert(D, &c, 1);
        return DASH_REDRAW;
    }
    return DASH_NONE;
}

static void set_size(bl_dash *D)
{
    getmaxyx(stdscr, D->rows, D->cols);
    clearok(curscr, TRUE);
    D->dirty = 1;
}

static int on_key(bl_dash *D, int k)
{
    if (k == KEY_RESIZE) {
        set_size(D);
        return DASH_REDRAW;
    }
    if (D->npage) return pager_key(D, k);
    if (D->cmdmode) return cmd_key(D, k);
    if (D->rows < MIN_ROWS || D->cols < MIN_COLS || !D->S->P)
        return k == 'q' ? DASH_QUIT : DASH_NONE;
    switch (k) {
    case 'i': return act(D, "step inner");
    case 'I': return act(D, "solve inner");
    case 'a': return act(D, "step adjoint");
    case 'A': return act(D, "solve adjoint");
    case 'o': return act(D, "step outer");
    case ' ':
        D->running = !D->running;
        D->next_due = bl_clock();
        push_msg(D, MSG_ECHO, D->running ? "running outer steps (space pauses, Ctrl-C stops)" : "paused");
        return DASH_REDRAW;
    case '+': case '=':
        if (D->pace + 1 < NPACES) D->pace++;
        D->next_due = bl_clock();
        return DASH_REDRAW;
    case '-': case '_':
        if (D->pace > 0) D->pace--;
        return DASH_REDRAW;
    case 'e':
        cycle_estimator(D);
        return DASH_REDRAW;
    case 's':
        job_start(D);
        return DASH_REDRAW;
    case 'r':
        D->running = 0;
        forget(D);
        return act(D, "reset");
    case '?':
        open_help(D);
        return DASH_REDRAW;
    case ':':
        D->cmdmode = 1;
        D->clen = D->cpos = 0;
        D->cmd[0] = '\0';
        D->hpos = D->nhist;
        return DASH_REDRAW;
    case 12:
        clearok(curscr, TRUE);
        return DASH_REDRAW;
    case 'q': case 'Q':
        return DASH_QUIT;
    case ERR:
        return DASH_NONE;
    }
    if (k >= 32 && k < 127) push_msg(D, BL_MSG_WARNING, "no key '%c' (? lists the keys)", k);
    return DASH_REDRAW;
}

/* Ctrl-C: whatever runs stops, bilab stays. */
static void interrupt(bl_dash *D)
{
    *D->S->cancel = 0;
    int any = D->running || D->job || D->cmdmode;
    D->running = 0;
    if (D->job) bl_surface_job_cancel(D->job);
    D->cmdmode = 0;
    push_msg(D, BL_MSG_WARNING, any ? "interrupted (Ctrl-C): stopped" : "Ctrl-C stops a computation; q leaves");
}

/* One continuous-run step. */
static void tick(bl_dash *D)
{
    int st = run_line(D, "step outer", 0);
    model_update(D);
    if (st != BL_OK) {
        D->running = 0;
        push_msg(D, BL_MSG_WARNING, "paused: the step failed");
    }
    double pace = paces[D->pace];
    D->next_due = bl_clock() + (pace > 0 ? 1.0 / pace : 0);
}

/* ---- the screen ---- */

static void init_colors(bl_dash *D)
{
    D->color = D->heat256 = 0;
    if (!has_colors() || start_color() == ERR) return;
    int bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
    D->color = 1;
    init_pair(C_HEAD, COLOR_BLACK, COLOR_CYAN);
    init_pair(C_TITLE, COLOR_CYAN, bg);
    init_pair(C_INNER, COLOR_CYAN, bg);
    init_pair(C_ADJ, COLOR_MAGENTA, bg);
    init_pair(C_OUTER, COLOR_YELLOW, bg);
    init_pair(C_REF, COLOR_GREEN, bg);
    init_pair(C_ERR, COLOR_RED, bg);
    init_pair(C_WARN, COLOR_YELLOW, bg);
    init_pair(C_MARK, COLOR_WHITE, COLOR_RED);
    init_pair(C_HINT, COLOR_BLUE, bg);
    if (COLORS >= 256 && COLOR_PAIRS > C_HEAT + HEAT_LEVELS * HEAT_LEVELS) {
        for (int a = 0; a < HEAT_LEVELS; a++)
            for (int b = 0; b < HEAT_LEVELS; b++)
                init_pair((short)(C_HEAT + a * HEAT_LEVELS + b), (short)heat_colors[a],
                          (short)heat_colors[b]);
        D->heat256 = 1;
    }
}

static int screen_open(bl_dash *D, const char *term, FILE *out, FILE *in, bl_err *e)
{
    const char *cs = nl_langinfo(CODESET);
    D->unicode = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
    D->scr = newterm(term, out, in);
    if (!D->scr) {
        const char *t = term ? term : getenv("TERM");
        bl_err_set(e, BL_EIO, "cannot drive this terminal (TERM=%s)", t && *t ? t : "unset");
        return BL_EIO;
    }
    set_term(D->scr);
    D->tout = out;
    D->tin = in;
    cbreak();          /* Ctrl-C stays a signal: it stops a computation */
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    init_colors(D);
    getmaxyx(stdscr, D->rows, D->cols);
    D->open = 1;
    D->dirty = 1;
    return BL_OK;
}

static void screen_close(bl_dash *D)
{
    if (!D->open) return;
    curs_set(1);
    endwin();
    delscreen(D->scr);
    D->scr = NULL;
    D->open = 0;
}

static bl_dash *model_new(bl_session *S)
{
    bl_dash *D = calloc(1, sizeof *D);
    if (!D) return NULL;
    D->S = S;
    D->pace = 3;
    return D;
}

static void model_free(bl_dash *D)
{
    if (!D) return;
    job_stop(D, 0);
    hist_free(&D->ih);
    hist_free(&D->ah);
    bl_hg_cmp_free(&D->cmp);
    page_free(D);
    for (size_t i = 0; i < CMD_HIST; i++) free(D->hist[i]);
    free(D);
}

static void loop(bl_dash *D)
{
    bl_session *S = D->S;
    while (!S->quit) {
        if (winch_flag) {
            struct winsize ws;
            winch_flag = 0;
            if (ioctl(fileno(D->tout), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
                resize_term(ws.ws_row, ws.ws_col);
            set_size(D);
        }
        job_poll(D);
        double now = bl_clock();
        if (D->dirty && (!D->running || now - D->t_lastdraw >= 1.0 / 30)) bl_dash_draw(D, 0);
        int wait = 100;
        if (D->running) {
            double dt = D->next_due - bl_clock();
            wait = dt <= 0 ? 0 : dt < 0.1 ? (int)(dt * 1000) + 1 : 100;
            if (D->dirty && wait > 34) wait = 34;
        }
        timeout(wait);
        int k = getch();
        if (*S->cancel || k == 3) {
            interrupt(D);
            continue;
        }
        if (k != ERR) {
            int intent = on_key(D, k);
            if (intent == DASH_QUIT) break;
            if (intent == DASH_REDRAW) D->dirty = 1;
        }
        if (D->running && bl_clock() >= D->next_due && !D->npage && !D->cmdmode) tick(D);
    }
}

int bl_dash_active(const bl_session *S)
{
    const bl_dash *D = S->ui;
    return D && D->active;
}

static void dash_free_cb(void *D)
{
    model_free(D);
}

int bl_dash_run(bl_session *S, bl_err *e)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        bl_err_set(e, BL_EINVAL, "the dashboard needs a terminal on standard input and output");
        return BL_EINVAL;
    }
    const char *term = getenv("TERM");
    if (!term || !*term || !strcmp(term, "dumb")) {
        bl_err_set(e, BL_EINVAL, "the dashboard needs a terminal that can move the cursor "
                   "(TERM=%s)", term && *term ? term : "unset");
        return BL_EINVAL;
    }
    if (!S->P) {
        bl_err_set(e, BL_EINVAL, "no problem loaded (problem use NAME)");
        return BL_EINVAL;
    }
    bl_dash *D = S->ui;
    if (D && D->active) {
        bl_err_set(e, BL_EINVAL, "the dashboard is already on the screen");
        return BL_EINVAL;
    }
    if (!D) {
        if (!(D = model_new(S))) return BL_ENOMEM;
        S->ui = D;
        S->ui_free = dash_free_cb;
    }
    fflush(stdout);
    fflush(stderr);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, &old);
    winch_flag = 0;
    use_tioctl(TRUE);   /* the size from the terminal, not a stale LINES/COLUMNS */
    int st = screen_open(D, NULL, stdout, stdin, e);
    if (st) {
        sigaction(SIGWINCH, &old, NULL);
        return st;
    }
    D->active = 1;
    *S->cancel = 0;
    sig_atomic_t newline = bl_sigint_newline;
    bl_sigint_newline = 0;      /* curses: no echo, and the screen is ours */
    model_update(D);
    loop(D);
    bl_sigint_newline = newline;
    job_stop(D, 1);
    D->running = 0;
    D->cmdmode = 0;
    page_free(D);
    screen_close(D);
    sigaction(SIGWINCH, &old, NULL);
    D->active = 0;
    *S->cancel = 0;
    return BL_OK;
}

/* ---- for benchmarks ---- */

bl_dash *bl_dash_open_virtual(bl_session *S, const char *term, FILE *out, FILE *in,
                              int rows, int cols, bl_err *e)
{
    bl_dash *D = model_new(S);
    if (!D) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return NULL;
    }
    D->own = 1;
    if (screen_open(D, term, out, in, e)) {
        free(D);
        return NULL;
    }
    resize_term(rows, cols);
    set_size(D);
    D->active = 1;
    model_update(D);
    return D;
}

int bl_dash_key(bl_dash *D, int key)
{
    D->t_cmd = D->t_model = 0;
    int intent = on_key(D, key);
    if (intent == DASH_REDRAW) D->dirty = 1;
    return intent == DASH_QUIT;
}

void bl_dash_timings(const bl_dash *D, double *cmd, double *model, double *draw)
{
    if (cmd) *cmd = D->t_cmd;
    if (model) *model = D->t_model;
    if (draw) *draw = D->t_draw;
}

const char *bl_dash_message(const bl_dash *D, size_t back, int *kind)
{
    if (back >= D->nmsg || back >= MSG_RING) return NULL;
    const msg *m = &D->msgs[(D->nmsg - 1 - back) % MSG_RING];
    if (kind) *kind = m->kind;
    return m->text;
}

void bl_dash_close(bl_dash *D)
{
    if (!D) return;
    job_stop(D, 0);
    screen_close(D);
    D->active = 0;
    if (D->own) model_free(D);
}
