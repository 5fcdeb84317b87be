/* command.c: the command table, lookup (bl_lookup: exact, unique prefix,
 * "did you mean"), dispatch of a line, error reports and completion. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cluster.h"
#include "command.h"
#include "output.h"

#define MAX_COMMANDS 48

/* Room for the registered commands, which go in before help. */
const bl_command *bl_commands[MAX_COMMANDS + 1] = {
    &bl_cmd_problem, &bl_cmd_define, &bl_cmd_data, &bl_cmd_set, &bl_cmd_show, &bl_cmd_step,
    &bl_cmd_solve, &bl_cmd_run, &bl_cmd_reset, &bl_cmd_trace,
    &bl_cmd_hypergrad, &bl_cmd_adjoint, &bl_cmd_spectrum, &bl_cmd_explain,
    &bl_cmd_surface, &bl_cmd_compare, &bl_cmd_plot,
    &bl_cmd_export, &bl_cmd_save, &bl_cmd_source, &bl_cmd_lesson, &bl_cmd_clear,
    &bl_cmd_help, &bl_cmd_try, &bl_cmd_quit, NULL,
};

int bl_command_register(const bl_command *c)
{
    size_t n = 0, at = 0;
    for (; bl_commands[n]; n++) {
        if (!strcmp(bl_commands[n]->name, c->name)) return BL_EINVAL;
        if (bl_commands[n] == &bl_cmd_help) at = n;
    }
    if (n >= MAX_COMMANDS) return BL_EINVAL;
    memmove(&bl_commands[at + 1], &bl_commands[at], (n + 1 - at) * sizeof *bl_commands);
    bl_commands[at] = c;
    return BL_OK;
}

int bl_command_lookup(const char *name, const bl_command **c, bl_err *e)
{
    const char *names[MAX_COMMANDS];
    const bl_command *cmds[MAX_COMMANDS];
    size_t n = 0;
    *c = NULL;
    /* a BL_CMD_WHOLE command is found by its whole name only */
    for (size_t i = 0; bl_commands[i]; i++)
        if ((bl_commands[i]->flags & BL_CMD_WHOLE) && name && !strcmp(name, bl_commands[i]->name)) {
            *c = bl_commands[i];
            return (int)i;
        }
    for (size_t i = 0; n < MAX_COMMANDS && bl_commands[i]; i++) {
        if (bl_commands[i]->flags & BL_CMD_WHOLE) continue;
        cmds[n] = bl_commands[i];
        names[n++] = bl_commands[i]->name;
    }
    int k = bl_lookup(name, names, n, "command", "type 'help' for the list", e);
    if (k >= 0) *c = cmds[k];
    return k;
}

const bl_command *bl_command_find(const char *name, bl_err *e)
{
    const bl_command *c;
    bl_command_lookup(name, &c, e);
    return c;
}

int bl_command_pick(const char *word, const char *const *names, size_t n,
            const char *what, bl_err *e)
{
    int k = bl_lookup(word, names, n, what, NULL, e);
    return k >= 0 ? k : -1;
}

void bl_report_error(bl_session *S, const char *cmd, const char *msg)
{
    int note = S->trying > 0;       /* under `try`: a note, not an error */
    bl_msg m = {.kind = note ? BL_MSG_NOTE : BL_MSG_ERROR, .cmd = cmd, .text = msg,
                .flags = note ? BL_MSG_TRIED : 0};
    bl_session_post(S, &m);
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
        st = bl_cluster_agree(st, &e, S->cancel);      /* MPI: one status on every rank */
        bl_busy_end(&S->busy);
        S->cmd = prev;
        if (st && !e.msg[0] && !S->unwinding) bl_err_set(&e, st, "%s", bl_strerror(st));
    }
    /* an interrupt under try was reported by the command that stopped, and
     * as an error: try turns failures into notes, not Ctrl-C.  A source
     * left while unwinding from too deep a nesting has nothing new to say:
     * the error was reported where it happened */
    if (st && !((c->flags & BL_CMD_RUNS_COMMAND) && st == BL_EINTR)
        && !(S->unwinding && !e.msg[0])) {
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
    int st = bl_args_tokenize(text, &w, &n, &e);
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
    .flags = BL_CMD_WHOLE | BL_CMD_RUNS_COMMAND,
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
