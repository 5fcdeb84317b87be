/* dash.c: the live dashboard: the screen, the loop, the message area and
 * the entry points.  Split as htop splits it (dash_int.h): a model
 * (dash_model.c) refreshed by the key handlers (dash_keys.c) after each
 * step; panels that only read the session and the model (dash_panels.c);
 * one loop, here, that redraws when something changed.  The only file
 * that touches newterm, colours and endwin. */
#include "config.h"

#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "dash_int.h"
#include "repl.h"

static const int heat_colors[HEAT_LEVELS] = {17, 19, 27, 33, 39, 44, 49, 118, 190, 220,
                                             208, 196};

/* SIGWINCH: a signal handler can only reach a static; the dashboard's own
 * handler (instead of ncurses') is installed only while it is on the
 * screen, so the prompt gets its old disposition back. */
static volatile sig_atomic_t winch_flag;

static void on_winch(int sig)
{
    (void)sig;
    winch_flag = 1;
}

/* ---- messages ---- */

void dash_msg(bl_dash *D, int kind, const char *fmt, ...)
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

void dash_page_free(bl_dash *D)
{
    for (size_t i = 0; i < D->npage; i++) free(D->page[i]);
    free(D->page);
    D->page = NULL;
    D->npage = D->page_top = 0;
}

void dash_page_add(bl_dash *D, const char *line)
{
    char **p = realloc(D->page, (D->npage + 1) * sizeof *p);
    if (!p) return;
    D->page = p;
    if ((p[D->npage] = strdup(line)) != NULL) D->npage++;
}

int dash_message_rows(const bl_dash *D)
{
    return D->rows >= 40 ? 3 : D->rows >= 30 ? 2 : 1;
}

/* ---- the screen ---- */

void dash_set_size(bl_dash *D)
{
    getmaxyx(stdscr, D->rows, D->cols);
    clearok(curscr, TRUE);
    D->dirty = 1;
}

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
    dash_job_stop(D, 0);
    dash_hist_free(&D->ih);
    dash_hist_free(&D->ah);
    free(D->srow);
    free(D->sx);
    free(D->sy);
    bl_hg_cmp_free(&D->cmp);
    dash_page_free(D);
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
            dash_set_size(D);
        }
        dash_job_poll(D);
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
            dash_interrupt(D);
            continue;
        }
        if (k != ERR) {
            int intent = dash_on_key(D, k);
            if (intent == DASH_QUIT) break;
            if (intent == DASH_REDRAW) D->dirty = 1;
        }
        if (D->running && bl_clock() >= D->next_due && !D->npage && !D->cmdmode) dash_tick(D);
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
    dash_model_update(D);
    loop(D);
    bl_sigint_newline = newline;
    dash_job_stop(D, 1);
    D->running = 0;
    D->cmdmode = 0;
    dash_page_free(D);
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
    dash_set_size(D);
    D->active = 1;
    dash_model_update(D);
    return D;
}

int bl_dash_key(bl_dash *D, int key)
{
    D->t_cmd = D->t_model = 0;
    int intent = dash_on_key(D, key);
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

size_t bl_dash_screen(const bl_dash *D, char *buf, size_t len)
{
    size_t k = 0;
    if (!D->open || len == 0) return 0;
    buf[0] = '\0';
    char line[1024];
    int w = D->cols < (int)sizeof line - 1 ? D->cols : (int)sizeof line - 1;
    for (int y = 0; y < D->rows; y++) {
        int n = mvwinnstr(stdscr, y, 0, line, w);
        if (n < 0) n = 0;
        line[n] = '\0';
        while (n > 0 && line[n - 1] == ' ') line[--n] = '\0';
        int m = snprintf(buf + k, len - k, "%s\n", line);
        if (m < 0 || (size_t)m >= len - k) break;
        k += (size_t)m;
    }
    return k;
}

void bl_dash_close(bl_dash *D)
{
    if (!D) return;
    dash_job_stop(D, 0);
    screen_close(D);
    D->active = 0;
    if (D->own) model_free(D);
}

