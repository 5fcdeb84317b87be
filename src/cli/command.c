/* command.c: the command table, lookup by unique prefix, dispatch of a
 * line, error reports and completion. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "command.h"
#include "output.h"

const bl_command *const bl_commands[] = {
    &bl_cmd_problem, &bl_cmd_define, &bl_cmd_data, &bl_cmd_set, &bl_cmd_show, &bl_cmd_step,
    &bl_cmd_solve, &bl_cmd_run, &bl_cmd_reset, &bl_cmd_trace,
    &bl_cmd_hypergrad, &bl_cmd_adjoint, &bl_cmd_spectrum, &bl_cmd_explain,
    &bl_cmd_surface, &bl_cmd_compare, &bl_cmd_plot,
    &bl_cmd_export, &bl_cmd_save, &bl_cmd_source, &bl_cmd_dash,
    &bl_cmd_help, &bl_cmd_try, &bl_cmd_quit, NULL,
};

/* The commands a prefix may name: all but `try`, which is only ever
 * written whole (so that `tr` stays `trace`). */
static size_t command_names(const char **names, const bl_command **cmds, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; n < max && bl_commands[i]; i++) {
        if (bl_commands[i] == &bl_cmd_try) continue;
        cmds[n] = bl_commands[i];
        names[n++] = bl_commands[i]->name;
    }
    return n;
}

const bl_command *bl_command_find(const char *name, bl_err *e)
{
    const char *names[64];
    const bl_command *cmds[64];
    if (name && !strcmp(name, bl_cmd_try.name)) return &bl_cmd_try;
    size_t n = command_names(names, cmds, 64);
    int k = bl_prefix_lookup(name, names, n);
    if (k >= 0) return cmds[k];
    if (k == -2) {
        char list[512] = "";
        size_t len = strlen(name);
        for (size_t i = 0; i < n; i++)
            if (strncmp(names[i], name, len) == 0) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", names[i]);
            }
        bl_err_set(e, BL_EINVAL, "ambiguous command '%s' (could be %s)", name, list);
        return NULL;
    }
    const char *near = bl_closest(name, names, n);
    if (near)
        bl_err_set(e, BL_EINVAL, "unknown command '%s' (did you mean '%s'?)", name, near);
    else
        bl_err_set(e, BL_EINVAL, "unknown command '%s' (type 'help' for the list)", name);
    return NULL;
}

int bl_pick(const char *word, const char *const *names, size_t n,
            const char *what, bl_err *e)
{
    int k = bl_prefix_lookup(word, names, n);
    if (k >= 0) return k;
    char list[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", i ? "|" : "", names[i]);
    }
    const char *near = k == -1 ? bl_closest(word, names, n) : NULL;
    if (near)
        bl_err_set(e, BL_EINVAL, "%s '%s' %s (did you mean '%s'? choose %s)", what,
                   word, "is unknown", near, list);
    else
        bl_err_set(e, BL_EINVAL, "%s '%s' is %s (choose %s)", what, word,
                   k == -2 ? "ambiguous" : "unknown", list);
    return -1;
}

void bl_report_error(bl_session *S, const char *cmd, const char *msg)
{
    int note = S->trying > 0;       /* under `try`: a note, not an error */
    fflush(S->out);
    if (note) bl_write_note(S->errf, cmd, msg);
    else bl_write_message(S->errf, cmd, NULL, msg);
    fflush(S->errf);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, note ? "note" : "error");
        bl_json_str(&j, "command", cmd);
        bl_json_str(&j, "message", msg);
        bl_json_end(&j);
        fflush(S->out);
    }
}

void bl_report_warning(bl_session *S, const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(S->out);
    bl_write_message(S->errf, cmd, "warning", msg);
    fflush(S->errf);
}

/* Runs the command of the N words W (N > 0) and reports its failure. */
static int run_words(bl_session *S, char **w, size_t n)
{
    bl_err e = {0};
    int st;
    const bl_command *c = bl_command_find(w[0], &e);
    if (!c) {
        bl_report_error(S, w[0], e.msg);
        return BL_EINVAL;
    }
    int argc = (int)n - 1;
    if (argc < c->minargs || (c->maxargs >= 0 && argc > c->maxargs)) {
        bl_err_set(&e, BL_EINVAL, "%s arguments (usage: %s)",
                   argc < c->minargs ? "too few" : "too many", c->usage);
        st = BL_EINVAL;
    } else {
        const char *prev = S->cmd;
        S->cmd = c->name;
        *S->cancel = 0;
        bl_busy_start(&S->busy, S->errf, !S->batch && isatty(fileno(S->errf)));
        if (S->P) S->P->mem_max = S->set[BL_S_MEM_MAX].num;  /* its dense work's limit now */
        st = c->exec(S, argc, w + 1, &e);
        bl_busy_end(&S->busy);
        S->cmd = prev;
        if (st && !e.msg[0] && !S->unwinding) bl_err_set(&e, st, "%s", bl_strerror(st));
    }
    /* an interrupt under try was reported by the command that stopped, and
     * as an error: try turns failures into notes, not Ctrl-C.  A source
     * left while unwinding from too deep a nesting has nothing new to say:
     * the error was reported where it happened */
    if (st && !(c == &bl_cmd_try && st == BL_EINTR) && !(S->unwinding && !e.msg[0])) {
        int trying = S->trying;
        if (st == BL_EINTR) S->trying = 0;
        bl_report_error(S, c->name, e.msg);
        S->trying = trying;
    }
    fflush(S->out);
    return st;
}

static int run_one(bl_session *S, const char *text)
{
    char **w = NULL;
    size_t n = 0;
    bl_err e = {0};
    int st = bl_tokenize(text, &w, &n, &e);
    if (st) {
        bl_report_error(S, "parse", e.msg);
        return st;
    }
    if (n > 0) st = run_words(S, w, n);
    bl_words_free(w, n);
    return st;
}

/* try CMD ...: runs CMD; its failure becomes a note on stderr and the
 * status is success, so that a script can show an error on purpose and go
 * on (doc/lessons).  An unknown command is still an error (a typo must not
 * pass unnoticed), and so is an interrupt. */
static int exec_try(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (!bl_command_find(argv[0], e)) return BL_EINVAL;
    S->trying++;
    int st = run_words(S, argv, (size_t)argc);
    S->trying--;
    if (st == BL_EINTR) {
        bl_err_set(e, st, "interrupted");
        return st;
    }
    return BL_OK;
}

static const char *complete_try(bl_session *S, int argi, char **w, size_t i)
{
    return bl_complete(S, w + 1, (size_t)argi - 1, i);
}

const bl_command bl_cmd_try = {
    .name = "try",
    .usage = "try COMMAND [ARG ...]",
    .summary = "run a command whose failure is expected: a note, not an error",
    .help =
        "try COMMAND ...   runs COMMAND; if it fails, its message is printed on\n"
        "                  stderr as 'note: CMD failed (try): ...' (a \"note\" object\n"
        "                  in JSON) instead of 'bilab: CMD: ...', and the script\n"
        "                  goes on with exit status 0.  For lines meant to fail, as\n"
        "                  in the lessons: 'try solve inner' shows the refusal of a\n"
        "                  smooth solver on lasso.  An unknown command after try is\n"
        "                  still an error, and so is Ctrl-C.  try is written whole\n"
        "                  (no prefix) and takes no ';': 'try a; b' tries only a.",
    .minargs = 1, .maxargs = -1,
    .exec = exec_try,
    .complete = complete_try,
};

int bl_execute_line(bl_session *S, const char *line)
{
    if (S->source_depth == 0) S->unwinding = 0;      /* a new top-level line */
    char **cmds = NULL;
    size_t n = 0;
    bl_err e = {0};
    int st = bl_split_commands(line, &cmds, &n, &e), first = BL_OK;
    if (st) {
        bl_report_error(S, "parse", e.msg);
        return st;
    }
    for (size_t i = 0; i < n && !S->quit && !(S->unwinding && S->source_depth > 0); i++) {
        st = run_one(S, cmds[i]);
        if (S->source_depth == 0) S->unwinding = 0;   /* out of every script */
        if (st && first == BL_OK) first = st;
        if (st && !S->keep_going) break;
    }
    bl_words_free(cmds, n);
    return first;
}

const char *bl_complete(bl_session *S, char **words, size_t nwords, size_t i)
{
    /* nwords counts the complete words before the one being typed. */
    if (nwords == 0) return bl_commands[i] ? bl_commands[i]->name : NULL;
    const bl_command *c = bl_command_find(words[0], NULL);
    if (!c || !c->complete) return NULL;
    return c->complete(S, (int)nwords, words, i);
}

const char *bl_complete_settings(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    if (argi != 1) return NULL;
    static const char *const extra[] = {"omega", "theta"};
    if (i < 2) return extra[i];
    i -= 2;
    return i < BL_NSETTINGS ? bl_settings_table[i].name : NULL;
}
