/* dash_keys.c: the dashboard's keys: the step keys run the prompt's own
 * commands with their output captured for the message area (so that a
 * key does exactly what the command does), the command line, the
 * overlay's scrolling, and the estimator cycle. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "lesson.h"
#include "dash_int.h"

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
        dash_msg(D, BL_MSG_ERROR, "out of memory");
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
    int paged = pager && (int)nlines > dash_message_rows(D);
    if (paged) {
        dash_page_free(D);
        snprintf(D->page_title, sizeof D->page_title, ":%s", line);
    }
    char *save = NULL;
    for (char *l = buf ? strtok_r(buf, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
        int kind = capture_kind(&c, (size_t)(l - buf));
        clean_line(l);
        if (paged) dash_page_add(D, l);
        if (*l) dash_msg(D, kind, "%s", l);
    }
    free(buf);
    free(c.span);
    if (stopped) dash_msg(D, BL_MSG_WARNING, "interrupted (Ctrl-C): stopped");
    D->dirty = 1;
    return st;
}

/* ---- keys ---- */

static void open_help(bl_dash *D)
{
    dash_page_free(D);
    snprintf(D->page_title, sizeof D->page_title, "dashboard keys");
    char text[] = BL_DASH_KEYS;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) dash_page_add(D, l);
    dash_page_add(D, "");
    dash_page_add(D, "panels: inner G (bars) and ‖∇θG‖ (log scale); adjoint relative");
    dash_page_add(D, "residual (log); outer F (bars) and ‖g‖ (log); hypergradient:");
    dash_page_add(D, "hypergrad.specs and the outer estimator (▸) against the reference;");
    dash_page_add(D, "surface: F with the ω trajectory (•), the current ω (●) and the");
    dash_page_add(D, "descent direction −∇F (arrow).  A stochastic outer.opt (soba, ...):");
    dash_page_add(D, "outer F, ‖∇F‖, F − F*, λ and ‖∇F‖ against oracle calls and epochs;");
    dash_page_add(D, "adjoint v's residual ‖Hv + ∇θL‖/‖∇θL‖");
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
    dash_page_free(D);
    return DASH_REDRAW;
}

/* A step key: the prompt's command, then the model. */
static int act(bl_dash *D, const char *line)
{
    run_line(D, line, 0);
    dash_model_update(D);
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
    if (!before || bl_args_tokenize(before, &w, &nw, NULL) != BL_OK) {
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
        dash_msg(D, MSG_ECHO, "no completion for '%s'", word);
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
            dash_msg(D, MSG_ECHO, "%s", list);
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
        const char *next = D->clen ? NULL : bl_lesson_next(D->S);  /* Enter: a lesson's next */
        if (!D->clen && !next) return DASH_REDRAW;
        if (next) cmd_set(D, "lesson run");
        if (!next && (!D->nhist || strcmp(D->hist[(D->nhist - 1) % CMD_HIST], D->cmd))) {
            free(D->hist[D->nhist % CMD_HIST]);
            D->hist[D->nhist % CMD_HIST] = strdup(D->cmd);
            D->nhist++;
        }
        if (D->job) {
            /* the command may replace the problem or data the job reads */
            dash_job_stop(D, 1);
            dash_msg(D, BL_MSG_WARNING, "surface stopped for the command line (partial points kept)");
        }
        dash_msg(D, MSG_ECHO, ":%s", next ? next : D->cmd);
        run_line(D, D->cmd, 1);
        if (D->S->want_clear) {          /* clear: the messages, and a redraw */
            D->S->want_clear = 0;
            D->nmsg = 0;
            clearok(curscr, TRUE);
        }
        dash_model_update(D);
        return DASH_REDRAW;
    }
    case KEY_BACKSPACE: case 127: case 8:
        if (D->cpos) cmd_delete(D, cmd_prev(D, D->cpos), D->cpos);
        else if (!D->clen) D->cmdmode = 0;
        return DASH_REDRAW;
    case KEY_DC: case 4:
        if (D->cpos < D->clen) cmd_delete(D, D->cpos, D->cpos + dash_utf8_len(D->cmd + D->cpos));
        return DASH_REDRAW;
    case KEY_LEFT: case 2:
        D->cpos = cmd_prev(D, D->cpos);
        return DASH_REDRAW;
    case KEY_RIGHT: case 6:
        if (D->cpos < D->clen) D->cpos += dash_utf8_len(D->cmd + D->cpos);
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

int dash_on_key(bl_dash *D, int k)
{
    if (k == KEY_RESIZE) {
        dash_set_size(D);
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
        dash_msg(D, MSG_ECHO, D->running ? "running outer steps (space pauses, Ctrl-C stops)" : "paused");
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
        dash_job_start(D);
        return DASH_REDRAW;
    case 'r':
        D->running = 0;
        dash_forget(D);
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
    case '\n': case '\r': case KEY_ENTER:      /* a lesson's next command, as :Enter */
        if (!bl_lesson_next(D->S)) return DASH_NONE;
        cmd_set(D, "");
        return cmd_key(D, '\n');
    case 'q': case 'Q':
        return DASH_QUIT;
    case ERR:
        return DASH_NONE;
    }
    if (k >= 32 && k < 127) dash_msg(D, BL_MSG_WARNING, "no key '%c' (? lists the keys)", k);
    return DASH_REDRAW;
}

/* Ctrl-C: whatever runs stops, bilab stays. */
void dash_interrupt(bl_dash *D)
{
    *D->S->cancel = 0;
    int any = D->running || D->job || D->cmdmode;
    D->running = 0;
    if (D->job) bl_surface_job_cancel(D->job);
    D->cmdmode = 0;
    dash_msg(D, BL_MSG_WARNING, any ? "interrupted (Ctrl-C): stopped" : "Ctrl-C stops a computation; q leaves");
}

/* One continuous-run step. */
void dash_tick(bl_dash *D)
{
    int st = run_line(D, "step outer", 0);
    dash_model_update(D);
    if (st != BL_OK) {
        D->running = 0;
        dash_msg(D, BL_MSG_WARNING, "paused: the step failed");
    }
    double pace = paces[D->pace];
    D->next_due = bl_clock() + (pace > 0 ? 1.0 / pace : 0);
}
