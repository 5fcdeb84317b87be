/* test_session.c: the session's generation counter (what makes the live
 * inner and adjoint iterators and the dashboard's model stale), its one
 * message sink, and the settings' apply hooks and parsed specs. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bl.h"
#include "command.h"
#include "dash.h"
#include "output.h"
#include "session.h"
#include "stoch.h"
#include "tap.h"

static bl_cancel_t cancel;
static FILE *null_out;

/* A session that prints nothing. */
static bl_session *quiet_session(void)
{
    bl_session *S = bl_session_new(null_out, null_out, &cancel);
    if (S) S->batch = 1;
    return S;
}

static int run(bl_session *S, const char *line)
{
    return bl_execute_line(S, line);
}

/* The live adjoint iterator's count, or −1 when none is live. */
static long adj_iters(const bl_session *S)
{
    const bl_adjoint *it = bl_session_live_adjoint(S);
    return it ? (long)it->iter : -1;
}

/* ---- generations ------------------------------------------------------ */

static void test_touch(void)
{
    bl_session *S = quiet_session();
    unsigned long g0 = S->gen;
    unsigned long g1 = bl_session_touch(S, BL_CHG_OMEGA);
    tap_ok(g1 == g0 + 1 && S->gen == g1, "touch bumps the generation by one (%lu → %lu)",
           g0, g1);
    tap_ok(bl_session_changed(S, g0, BL_CHG_OMEGA) && !bl_session_changed(S, g1, BL_CHG_OMEGA),
           "changed: ω changed after the generation before the touch, not after its own");
    tap_ok(!bl_session_changed(S, g0, BL_CHG_THETA | BL_CHG_SETTING),
           "changed: kinds not touched did not change");
    bl_session_touch(S, BL_CHG_THETA | BL_CHG_SETTING);
    tap_ok(bl_session_changed(S, g1, BL_CHG_SETTING) && bl_session_changed(S, g1, BL_CHG_THETA)
           && !bl_session_changed(S, g1, BL_CHG_OMEGA),
           "changed: a touch of two kinds records both, and only them");
    bl_session_free(S);
}

/* Every kind of change that the adjoint iterator is made from makes it
 * stale, so that the next step adjoint starts over; nothing else does. */
static void test_adjoint_generation(void)
{
    bl_session *S = quiet_session();
    int st = run(S, "problem use quadratic p=8 d=2 kappa=50 seed=4; set omega 1,-1; "
                    "set inner.solver newton; solve inner; step adjoint 3");
    tap_ok(st == BL_OK && adj_iters(S) == 3, "step adjoint 3: live, 3 iterations (%ld)",
           adj_iters(S));

    /* nothing it is made from changes: it goes on */
    st = run(S, "show; set digits 4; set inner.tol 1e-9; set adjoint.tol 1e-8; hypergrad; "
                "adjoint; trace");
    tap_ok(st == BL_OK && adj_iters(S) == 3, "show, hypergrad, adjoint and unrelated settings "
           "leave it live (%ld)", adj_iters(S));
    run(S, "step adjoint");
    tap_ok(adj_iters(S) == 4, "the next step adjoint goes on from 3 to 4 (%ld)", adj_iters(S));

    /* ω set to another value and back: bytes equal, but it changed */
    run(S, "set omega 0.5,0.5; set omega 1,-1");
    tap_ok(adj_iters(S) == -1, "set omega (away and back to the same bytes): stale");
    run(S, "step adjoint");
    tap_ok(adj_iters(S) == 1, "the next step adjoint starts over (%ld iterations)",
           adj_iters(S));

    run(S, "step adjoint 2; set theta[0] 0.25");
    tap_ok(adj_iters(S) == -1, "set theta[0]: stale");
    run(S, "step adjoint 2; step inner");
    tap_ok(adj_iters(S) == -1, "step inner (θ moved): stale");
    run(S, "step adjoint 2; set adjoint.eta 0.05");
    tap_ok(adj_iters(S) == -1, "set adjoint.eta: stale");
    run(S, "step adjoint 2; set adjoint.method neumann");
    tap_ok(adj_iters(S) == -1, "set adjoint.method: stale");
    run(S, "step adjoint 2");
    const bl_adjoint *it = bl_session_live_adjoint(S);
    tap_ok(it && it->type == bl_adjoint_neumann && it->iter == 2,
           "step adjoint 2 after it: a fresh neumann iterator, 2 iterations");
    run(S, "set inner.step 0.01");
    tap_ok(adj_iters(S) == -1, "set inner.step (its default step): stale");
    run(S, "step adjoint 2; step outer");
    tap_ok(adj_iters(S) == -1, "step outer (ω and θ moved): stale");
    run(S, "step adjoint 2; reset inner");
    tap_ok(adj_iters(S) == -1, "reset inner: stale");
    run(S, "step adjoint 2; problem use quadratic p=8 d=2 kappa=50 seed=4");
    tap_ok(adj_iters(S) == -1 && S->adj == NULL, "problem use: none left");
    bl_session_free(S);
}

/* The inner iterator: stale after a change of ω, θ or what it is made
 * from, live across settings it does not read (its count goes on). */
static void test_inner_generation(void)
{
    bl_session *S = quiet_session();
    run(S, "problem use quadratic p=8 d=2 kappa=50 seed=4; set inner.solver gd; "
           "set inner.step 0.01; step inner 3");
    tap_ok(bl_session_live_inner(S) && bl_session_inner_iters(S) == 3,
           "step inner 3: live, 3 iterations (%zu)", bl_session_inner_iters(S));
    run(S, "set inner.tol 1e-12; set inner.maxit 50; set digits 5; hypergrad; step inner 2");
    tap_ok(bl_session_inner_iters(S) == 5, "settings it does not read: the count goes on to 5 "
           "(%zu)", bl_session_inner_iters(S));
    run(S, "set lbfgs.m 5");
    tap_ok(!bl_session_live_inner(S) && bl_session_inner_iters(S) == 0,
           "set lbfgs.m: stale, no iterations at this ω");
    run(S, "step inner 2; set omega[1] 0.5");
    tap_ok(!bl_session_live_inner(S), "set omega[1]: stale");
    run(S, "step inner 2; step adjoint 4");
    tap_ok(bl_session_inner_iters(S) == 2, "step adjoint leaves the inner iterator live");
    run(S, "set inner.state eta=0.02 iterations=7");
    tap_ok(bl_session_live_inner(S) && bl_session_inner_iters(S) == 7
           && adj_iters(S) == -1, "set inner.state: a live inner iterator at 7; the adjoint "
           "(whose default step it gives) stale");
    bl_session_free(S);
}

/* ---- settings: apply hooks, parsed specs ------------------------------- */

static void test_settings(void)
{
    bl_session *S = quiet_session();
    bl_err e = {0, ""};
    run(S, "problem use quadratic p=8 d=2 kappa=50 seed=4; run 3");
    const bl_outer *o0 = S->outer;
    size_t n0 = S->outer->trace.n, it0 = S->outer->iter;
    unsigned long g = S->gen;
    int st = bl_session_set(S, BL_S_OUTER_OPT, "adam", &e);
    tap_ok(st == BL_OK && S->outer != o0 && !strcmp(S->outer->type->name, "adam"),
           "outer.opt adam: its apply hook makes an adam optimiser");
    tap_ok(S->outer->trace.n == n0 && S->outer->iter == it0 && n0 == 3,
           "the new optimiser keeps the trace (%zu rows) and the step count", n0);
    tap_ok(bl_session_changed(S, g, BL_CHG_OUTER) && !bl_session_changed(S, g, BL_CHG_INNER),
           "outer.opt is a change of kind outer, not inner");
    o0 = S->outer;
    g = S->gen;
    st = bl_session_set(S, BL_S_OUTER_OPT, "nosuch", &e);
    tap_ok(st != BL_OK && S->outer == o0 && !strcmp(S->set[BL_S_OUTER_OPT].str, "adam")
           && S->gen == g, "a bad value: refused, the optimiser, value and generation kept");

    /* outer.lo ≤ outer.hi is the rows' apply hook: no check elsewhere */
    int lo = bl_session_set(S, BL_S_OUTER_LO, "1", &e);
    g = S->gen;
    st = bl_session_set(S, BL_S_OUTER_HI, "0", &e);
    tap_ok(lo == BL_OK && st != BL_OK && S->set[BL_S_OUTER_HI].num == INFINITY && S->gen == g
           && strstr(e.msg, "outer.hi=0 is below outer.lo=1") != NULL,
           "outer.hi below outer.lo: refused by the row's apply hook, value and generation "
           "kept (%s)", e.msg);
    st = bl_session_set(S, BL_S_OUTER_LO, "-inf", &e);
    tap_ok(st == BL_OK && S->set[BL_S_OUTER_LO].num == -INFINITY, "outer.lo -inf again");

    const bl_setval *est = &S->set[BL_S_OUTER_ESTIMATOR];
    tap_ok(est->nspec == 1 && est->spec && !strcmp(est->spec->type->name, "exact"),
           "outer.estimator: the default kept parsed (exact)");
    st = bl_session_set(S, BL_S_OUTER_ESTIMATOR, "cg:k=7", &e);
    tap_ok(st == BL_OK && est->nspec == 1 && !strcmp(est->spec->type->name, "cg")
           && est->spec->par[0] == 7 && !strcmp(est->str, "cg:k=7"),
           "set outer.estimator cg:k=7: parsed once, k = 7");
    st = bl_session_set(S, BL_S_OUTER_ESTIMATOR, "nosuch:k=1", &e);
    tap_ok(st != BL_OK && !strcmp(est->spec->type->name, "cg") && est->spec->par[0] == 7,
           "an unknown estimator: refused, the parsed cg:k=7 kept");
    const bl_setval *hs = &S->set[BL_S_HYPERGRAD_SPECS];
    st = bl_session_set(S, BL_S_HYPERGRAD_SPECS, "exact  neumann:k=5 fd", &e);
    tap_ok(st == BL_OK && hs->nspec == 3 && !strcmp(hs->spec[1].type->name, "neumann")
           && hs->spec[1].par[0] == 5 && !strcmp(hs->spec[2].text, "fd")
           && !strcmp(hs->str, "exact neumann:k=5 fd"),
           "hypergrad.specs: three specs kept parsed (%zu), the text normalised", hs->nspec);
    st = run(S, "step outer");
    tap_ok(st == BL_OK && S->outer->trace.adjoint_iters[S->outer->trace.n - 1] <= 7,
           "step outer runs the kept cg:k=7 (%zu estimator iterations)",
           S->outer->trace.adjoint_iters[S->outer->trace.n - 1]);
#ifdef _OPENMP
    st = bl_session_set(S, BL_S_THREADS, "3", &e);
    tap_ok(st == BL_OK && omp_get_max_threads() == 3, "threads 3: its apply hook sets "
           "OpenMP's threads (%d)", omp_get_max_threads());
    bl_session_set(S, BL_S_THREADS, "1", &e);
#endif
    bl_session_free(S);
}

/* ---- messages --------------------------------------------------------- */

typedef struct got {
    int n;
    bl_msg_kind kind[16];
    char cmd[16][32], text[16][512];
    unsigned flags[16];
} got;

static void record(void *ctx, const bl_msg *m)
{
    got *g = ctx;
    if (g->n >= 16) return;
    g->kind[g->n] = m->kind;
    snprintf(g->cmd[g->n], sizeof g->cmd[0], "%s", m->cmd ? m->cmd : "");
    snprintf(g->text[g->n], sizeof g->text[0], "%s", m->text);
    g->flags[g->n] = m->flags;
    g->n++;
}

/* The line bl_msg_write makes of M. */
static char *line_of(const bl_msg *m)
{
    static char buf[1024];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    bl_msg_write(f, m);
    fclose(f);
    return buf;
}

static void test_messages(void)
{
    bl_msg m = {.kind = BL_MSG_ERROR, .cmd = "set", .text = "unknown setting 'x'"};
    tap_ok(!strcmp(line_of(&m), "bilab: set: unknown setting 'x'\n"), "an error's line");
    m.kind = BL_MSG_WARNING;
    tap_ok(!strcmp(line_of(&m), "bilab: set: warning: unknown setting 'x'\n"),
           "a warning's line");
    m = (bl_msg){.kind = BL_MSG_NOTE, .cmd = "problem", .text = "loaded wine"};
    tap_ok(!strcmp(line_of(&m), "note: loaded wine\n"), "a note's line");
    m = (bl_msg){.kind = BL_MSG_NOTE, .cmd = "solve", .text = "no", .flags = BL_MSG_TRIED};
    tap_ok(!strcmp(line_of(&m), "note: solve failed (try): no\n"), "a failure under try");
    m = (bl_msg){.kind = BL_MSG_ERROR, .cmd = "s\x1b" "et", .text = "bad 'a\nb\x9b\xff'"};
    tap_ok(!strcmp(line_of(&m), "bilab: s\\x1bet: bad 'a\\x0ab\\x9b\\xff'\n"),
           "the one writer escapes the command and the text, on one line");
    m = (bl_msg){.kind = BL_MSG_WARNING, .cmd = "define",
                 .text = "inner: bad (column 3)\n  1 +\x1b x\n    ^~"};
    tap_ok(!strcmp(line_of(&m), "bilab: define: warning: inner: bad (column 3)\n"
                                "  1 +\\x1b x\n    ^~\n"),
           "an expression's caret display stays under the first line");

    /* what the commands post, by kind, with no text to parse */
    bl_session *S = quiet_session();
    got g = {0};
    S->sink = record;
    S->sink_ctx = &g;
    run(S, "problem use quadratic p=8 d=2 kappa=50 seed=4; set omega 1,-1");
    run(S, "set nosuch 1");
    run(S, "set inner.solver gd; set inner.step 0.001; set inner.maxit 2; solve inner");
    run(S, "try set omega[9] 1");
    run(S, "set inner.maxit 10000; show");
    tap_ok(g.n == 3, "three messages (%d)", g.n);
    tap_ok(g.kind[0] == BL_MSG_ERROR && !strcmp(g.cmd[0], "set")
           && !strncmp(g.text[0], "unknown setting 'nosuch'", 24),
           "set nosuch: an error of set (%s)", g.text[0]);
    tap_ok(g.kind[1] == BL_MSG_WARNING && !strcmp(g.cmd[1], "solve")
           && strstr(g.text[1], "2 iterations") != NULL,
           "solve inner at inner.maxit 2: a warning of solve (%s)", g.text[1]);
    tap_ok(g.kind[2] == BL_MSG_NOTE && (g.flags[2] & BL_MSG_TRIED) && !strcmp(g.cmd[2], "set")
           && !strncmp(g.text[2], "index 9 is past omega", 21),
           "try set omega[9]: a note, the failure of set under try (%s)", g.text[2]);
    tap_ok(S->nmsg[BL_MSG_ERROR] == 1 && S->nmsg[BL_MSG_WARNING] == 1
           && S->nmsg[BL_MSG_NOTE] == 1, "the session counts them by kind");

    /* without a sink: stderr, and in JSON mode the error object on stdout */
    char *ob = NULL, *eb = NULL;
    size_t ol = 0, el = 0;
    FILE *of = open_memstream(&ob, &ol), *ef = open_memstream(&eb, &el);
    S->sink = NULL;
    S->out = of;
    S->errf = ef;
    run(S, "set format json; set nosuch 1");
    S->out = S->errf = null_out;
    fclose(of);
    fclose(ef);
    tap_ok(eb && !strcmp(eb, "bilab: set: unknown setting 'nosuch' (show settings lists "
                             "them)\n"), "stderr: the error's line");
    tap_ok(ob && strstr(ob, "{\"cmd\":\"error\",\"command\":\"set\",\"message\":\"unknown "
                            "setting 'nosuch'") != NULL, "stdout: the JSON error object");
    free(ob);
    free(eb);
    /* what was typed comes back escaped through the session's sink */
    ef = open_memstream(&eb, &el);
    S->errf = ef;
    run(S, "set format table; set no\x1b" "such 1");
    S->errf = null_out;
    fclose(ef);
    tap_ok(eb && !strncmp(eb, "bilab: set: unknown setting 'no\\x1bsuch'", 38)
           && !strchr(eb, '\x1b'), "stderr: typed control bytes come back as \\xNN");
    free(eb);
    bl_session_free(S);
}

/* ---- the dashboard: messages by kind, the model computed only after a
 * change ---------------------------------------------------------------- */

static void type_line(bl_dash *D, const char *line)
{
    bl_dash_key(D, ':');
    for (const char *c = line; *c; c++) bl_dash_key(D, (unsigned char)*c);
    bl_dash_key(D, '\n');
}

/* A dashboard on a virtual terminal of ROWS × COLS, on the first of the
 * terminal types this machine's terminfo has; NULL (E says why) when none. */
static bl_dash *open_dash(bl_session *S, FILE *out, FILE *in, int rows, int cols, bl_err *e)
{
    static const char *const terms[] = {"xterm-256color", "xterm", "vt100"};
    bl_dash *D = NULL;
    for (size_t t = 0; t < 3 && !D; t++) D = bl_dash_open_virtual(S, terms[t], out, in, rows, cols, e);
    return D;
}

static void test_dash(void)
{
    bl_session *S = quiet_session();
    run(S, "problem use quadratic p=8 d=2 kappa=50 seed=4; set omega 1,-1; "
           "set inner.solver gd; set inner.step 0.001");
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    bl_err e = {0, ""};
    bl_dash *D = open_dash(S, out, in, 30, 100, &e);
    if (!D) {
        tap_diag("no virtual terminal (%s): the dashboard's checks are skipped", e.msg);
        fclose(out);
        fclose(in);
        bl_session_free(S);
        return;
    }
    double model;
    int kind = -1;
    const char *text;

    type_line(D, "show omega");        /* one line: no pager */
    bl_dash_timings(D, NULL, &model, NULL);
    tap_ok(model == 0, "dash: after show (nothing changed) the model is not computed again");
    bl_dash_key(D, 'i');
    bl_dash_timings(D, NULL, &model, NULL);
    tap_ok(model > 0, "dash: after a step it is");

    type_line(D, "set nosuch 1");
    text = bl_dash_message(D, 0, &kind);
    tap_ok(text && kind == BL_MSG_ERROR && !strncmp(text, "bilab: set: unknown setting", 27),
           "dash: an error queued as an error, its text as the prompt's (%s)", text);
    bl_dash_timings(D, NULL, &model, NULL);
    tap_ok(model == 0, "dash: a failed set changes nothing: no model");

    type_line(D, "set inner.maxit 2");
    bl_dash_key(D, 'I');
    int found = 0;
    for (size_t b = 0; (text = bl_dash_message(D, b, &kind)) != NULL && b < 4; b++)
        if (kind == BL_MSG_WARNING && !strncmp(text, "bilab: solve: warning: ", 23)) found = 1;
    tap_ok(found, "dash: solve's warning queued as a warning");
    text = bl_dash_message(D, 0, &kind);
    tap_ok(text && kind == BL_MSG_RESULT && !strncmp(text, "inner", 5),
           "dash: the result line after it, in order, as a result (%s)", text);

    type_line(D, "try set omega[9] 1");
    text = bl_dash_message(D, 0, &kind);
    tap_ok(text && kind == BL_MSG_NOTE && !strncmp(text, "note: set failed (try): ", 24),
           "dash: a failure under try queued as a note (%s)", text);
    text = bl_dash_message(D, 1, &kind);
    tap_ok(text && kind == BL_MSG_NKINDS && !strcmp(text, ":try set omega[9] 1"),
           "dash: what was typed, as an echo");
    tap_ok(S->sink == NULL, "dash: the session's sink is given back after the command");
    bl_dash_close(D);
    fclose(out);
    fclose(in);
    bl_session_free(S);
}

/* ---- the dashboard with a stochastic outer.opt: o steps the algorithm
 * as `step outer` does, and the panels show its history rows' numbers
 * (the core's, formatted here) at 80×24 ---------------------------------- */

/* The screen's line holding NEEDLE (a copy in LINE), or NULL. */
static const char *screen_line(const char *scr, const char *needle, char *line, size_t len)
{
    const char *at = strstr(scr, needle);
    if (!at) return NULL;
    const char *b = at, *e = strchr(at, '\n');
    while (b > scr && b[-1] != '\n') b--;
    size_t n = (size_t)((e ? e : at + strlen(at)) - b);
    if (n >= len) n = len - 1;
    memcpy(line, b, n);
    line[n] = '\0';
    return line;
}

/* The first and last numbers of LINE (words that strtod reads whole). */
static int ends(const char *line, double *first, double *last)
{
    int n = 0;
    for (const char *p = line; *p;) {
        char *end;
        double v = strtod(p, &end);
        if (end != p && (p == line || p[-1] == ' ') && (*end == ' ' || !*end || *end == 'x'
                                                           || *end == '|')) {
            if (!n++) *first = v;
            *last = v;
            p = end;
        } else {
            p++;
        }
    }
    return n;
}

static int shows(const char *scr, const char *fmt, double v, int dg)
{
    char num[64], want[128];
    bl_out_fmt(num, sizeof num, v, dg);
    snprintf(want, sizeof want, fmt, num);
    return strstr(scr, want) != NULL;
}

static void test_dash_stoch(void)
{
    const char *setup = "problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 "
                        "seed=3; set outer.opt soba:step_size=0.5,batch_size=16";
    bl_session *S = quiet_session(), *R = quiet_session();
    run(S, setup);
    run(R, setup);
    run(R, "step outer 5");
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    bl_err e = {0, ""};
    bl_dash *D = open_dash(S, out, in, 24, 80, &e);
    if (!D) {
        tap_diag("no virtual terminal (%s): the dashboard's checks are skipped", e.msg);
        fclose(out);
        fclose(in);
        bl_session_free(S);
        bl_session_free(R);
        return;
    }
    for (int k = 0; k < 5; k++) bl_dash_key(D, 'o');
    const bl_sopt *o = S->sopt, *q = R->sopt;
    int same = o && q && o->t == 5 && o->nrow == 5 && q->nrow == 5;
    for (size_t i = 0; same && i < 5; i++)
        same = !memcmp(&o->rows[i].F, &q->rows[i].F, sizeof(double))
               && !memcmp(&o->rows[i].vres, &q->rows[i].vres, sizeof(double))
               && o->rows[i].oracles == q->rows[i].oracles;
    same = same && !memcmp(S->omega->data, R->omega->data, 2 * sizeof(double));
    static char scr[65536];
    bl_dash_draw(D, 1);
    bl_dash_screen(D, scr, sizeof scr);
    if (getenv("DASH_SCREEN")) fputs(scr, stderr);
    tap_ok(same, "dash, soba: o five times steps the algorithm as 'step outer 5' does (t = %zu, "
           "the same rows and ω bit for bit)", o ? o->t : (size_t)0);
    int dg = bl_session_digits(S);
    const bl_sopt_row *L = o ? &o->rows[4] : NULL;
    size_t nl = 0;
    for (const char *p = scr; *p; p++) nl += *p == '\n';
    tap_ok(nl == 24 && !strstr(scr, "too small") && strstr(scr, "outer soba") && strstr(scr, "step 5")
           && strstr(scr, "step_size=0.5 batch_size=16"),
           "dash 80x24, soba: every panel, the outer panel names soba, step 5 and its parameters");
    tap_ok(L && shows(scr, "F = %s  ", L->F, dg) && shows(scr, "= %s ", L->gnorm, dg)
           && shows(scr, "F* = %s", L->gap, dg),
           "dash 80x24, soba: the outer panel shows the last row's F, |dF| and F - F* "
           "(%.6g, %.6g, %.6g)", L ? L->F : NAN, L ? L->gnorm : NAN, L ? L->gap : NAN);
    tap_ok(L && shows(scr, "v residual %s", L->vres, 3) && strstr(scr, "adjoint v"),
           "dash 80x24, soba: the adjoint panel shows v's residual %.3g", L ? L->vres : NAN);
    char line[1024];
    double a = NAN, b = NAN, c = NAN, d = NAN;
    /* the panel's axes (the header says "25 oracle calls" too) */
    int axis = screen_line(scr, "   oracle calls   ", line, sizeof line) && ends(line, &a, &b) == 2
               && screen_line(scr, "   epochs   ", line, sizeof line) && ends(line, &c, &d) == 2;
    tap_ok(axis && L && a == (double)o->rows[0].oracles && b == (double)L->oracles
           && c == o->rows[0].epochs && d == L->epochs,
           "dash 80x24, soba: the x axis runs over oracle calls %g..%g and epochs %g..%g "
           "(rows: %lu..%lu, %g..%g)", a, b, c, d, o ? o->rows[0].oracles : 0UL,
           L ? L->oracles : 0UL, o ? o->rows[0].epochs : NAN, L ? L->epochs : NAN);

    /* the command line's run, then f2sa: λ, and no adjoint */
    type_line(D, "run 20");
    bl_dash_key(D, 'q');                /* closes the pager: run's two lines */
    bl_dash_draw(D, 1);
    bl_dash_screen(D, scr, sizeof scr);
    L = S->sopt ? &S->sopt->rows[S->sopt->nrow - 1] : NULL;
    tap_ok(L && S->sopt->t == 25 && strstr(scr, "step 25") && shows(scr, "F = %s  ", L->F, dg)
           && shows(scr, "v residual %s", L->vres, 3),
           "dash: ':run 20' goes on to step 25, the panels follow its last row");
    type_line(D, "set outer.opt f2sa:batch_size=16,step_size=0.05");
    for (int k = 0; k < 3; k++) bl_dash_key(D, 'o');
    bl_dash_draw(D, 1);
    bl_dash_screen(D, scr, sizeof scr);
    o = S->sopt;
    tap_ok(o && o->t == 3 && strstr(scr, "outer f2sa") && shows(scr, "l = %s", o->lmbda, dg)
           && strstr(scr, "no adjoint v"),
           "dash, f2sa: 3 steps, the outer panel shows lambda = %.6g, the adjoint panel "
           "says there is no v", o ? o->lmbda : NAN);
    type_line(D, "set omega 1");
    bl_dash_draw(D, 1);
    bl_dash_screen(D, scr, sizeof scr);
    tap_ok(strstr(scr, "o starts afresh") && o && shows(scr, "l = %s", o->lmbda, dg),
           "dash: after set omega the panels keep f2sa's last row and say the next o starts "
           "afresh");
    /* logreg has no closed form F: the panel shows L at the iterate */
    type_line(D, "data synth classification n=200; problem use logreg; "
                 "set outer.opt soba:batch_size=32,step_size=0.1");
    bl_dash_key(D, 'x');                /* closes the pager (three lines) */
    bl_dash_key(D, 'o');
    bl_dash_key(D, 'o');
    bl_dash_draw(D, 1);
    bl_dash_screen(D, scr, sizeof scr);
    o = S->sopt;
    L = o && o->nrow == 2 ? &o->rows[1] : NULL;
    tap_ok(L && isnan(L->F) && shows(scr, "L(th, w) = %s", L->L, dg)
           && shows(scr, "v residual %s", L->vres, 3),
           "dash, soba on logreg (no closed forms): L(θ, ω) = %.6g at the iterate and v's residual",
           L ? L->L : NAN);
    bl_dash_close(D);
    fclose(out);
    fclose(in);
    bl_session_free(S);
    bl_session_free(R);
}

/* The status line under the title at 80×24: the full form passes 80
 * columns on the default session (ridge), so the compact one is drawn,
 * and it ends with the outer estimator's whole name. */
static void test_dash_status80(void)
{
    bl_session *S = quiet_session();
    run(S, "problem use ridge");
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    bl_err e = {0, ""};
    bl_dash *D = open_dash(S, out, in, 24, 80, &e);
    if (!D) {
        tap_diag("no virtual terminal (%s): the status line's check is skipped", e.msg);
    } else {
        static char scr[65536];
        bl_dash_draw(D, 1);
        bl_dash_screen(D, scr, sizeof scr);
        if (getenv("DASH_SCREEN")) fputs(scr, stderr);
        char *l2 = strchr(scr, '\n'), *end = l2 ? strchr(l2 + 1, '\n') : NULL;
        char line[1024] = "";
        if (end && (size_t)(end - l2 - 1) < sizeof line) {
            memcpy(line, l2 + 1, (size_t)(end - l2 - 1));
            line[end - l2 - 1] = 0;
        }
        size_t n = strlen(line), w = 0;
        while (n && line[n - 1] == ' ') line[--n] = 0;
        for (const unsigned char *p = (const unsigned char *)line; *p; p++) w += (*p & 0xC0) != 0x80;
        const char *est = S->set[BL_S_OUTER_ESTIMATOR].str;
        size_t ne = strlen(est);
        tap_ok(w <= 80 && n >= ne && !strcmp(line + n - ne, est) && strstr(line, "inner")
               && strstr(line, "outer"),
               "dash 80x24: the status line fits (%zu columns) and ends with the whole "
               "estimator name '%s': \"%s\"", w, est, line);
        bl_dash_close(D);
    }
    fclose(out);
    fclose(in);
    bl_session_free(S);
}

int main(void)
{
    bl_init();
    null_out = fopen("/dev/null", "w");
    if (!null_out) return 1;
    test_touch();
    test_adjoint_generation();
    test_inner_generation();
    test_settings();
    test_messages();
    test_dash();
    test_dash_stoch();
    test_dash_status80();
    fclose(null_out);
    return tap_done();
}
