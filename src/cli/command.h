/* command.h: commands are entries in one table (after tmux's cmd-*.c):
 * the table drives dispatch, help and completion. */
#ifndef BL_COMMAND_H
#define BL_COMMAND_H

#include <stddef.h>
#include <stdio.h>
#include "bl.h"
#include "session.h"

/* Completion: the I-th candidate for word number ARGI (1 = the word after
 * the command name) given the words before it; NULL when exhausted. */
typedef const char *(*bl_complete_fn)(bl_session *S, int argi, char **words,
                                      size_t i);

/* What the code around a command needs to know of it (flags). */
enum {
    BL_CMD_WHOLE = 1u << 0,        /* written whole, never found by a prefix
                                      (try: so that `tr` stays trace) */
    BL_CMD_RUNS_COMMAND = 1u << 1, /* its words are a command that reports its
                                      own failures and completes as itself (try) */
    BL_CMD_HELP_ESTIMATORS = 1u << 2, /* help CMD lists the estimators */
    BL_CMD_FILE_IF_PATH = 1u << 3  /* file_arg is a file name only when it
                                      looks like a path ('/' or '.') */
};

typedef struct bl_command {
    const char *name;
    const char *usage;        /* "problem list | problem use NAME [key=value ...]" */
    const char *summary;      /* one line for `help` */
    const char *help;         /* the full text for `help CMD` */
    int minargs, maxargs;     /* words after the name; maxargs −1: any */
    int (*exec)(bl_session *S, int argc, char **argv, bl_err *e);
    bl_complete_fn complete;
    unsigned flags;           /* BL_CMD_* */
    int file_arg;             /* the word (1: the first after the name) that
                                 names a file: Tab completes file names; 0: none */
} bl_command;

/* One const entry per command, each defined in its group's cmd_*.c. */
extern const bl_command bl_cmd_problem, bl_cmd_data, bl_cmd_export, bl_cmd_set,
    bl_cmd_show, bl_cmd_step, bl_cmd_solve, bl_cmd_run, bl_cmd_reset,
    bl_cmd_trace, bl_cmd_hypergrad, bl_cmd_help, bl_cmd_save, bl_cmd_source,
    bl_cmd_quit, bl_cmd_adjoint, bl_cmd_spectrum, bl_cmd_explain, bl_cmd_surface,
    bl_cmd_compare, bl_cmd_plot, bl_cmd_define, bl_cmd_try, bl_cmd_lesson, bl_cmd_clear;

/* The table, NULL-terminated: the commands above, then those that entry
 * points above cli register, then help, try and quit. */
extern const bl_command *bl_commands[];

/* Adds C to the table, after the session's own commands and before help,
 * try and quit: how an entry point above cli (the dashboard, src/tui)
 * brings its commands, which then dispatch, complete and have help like
 * the others.  Call it at start, before the first line runs.  BL_EINVAL
 * when the name is taken or the table is full. */
int bl_command_register(const bl_command *c);

/* Finds a command by exact name or unique prefix (bl_lookup; BL_CMD_WHOLE
 * commands only by their whole name); fills E (unknown, with a suggestion,
 * or ambiguous, with the candidates) when there is none. */
const bl_command *bl_command_find(const char *name, bl_err *e);
/* The same, with bl_lookup's answer: ≥ 0 (found, *C set), BL_LOOKUP_UNKNOWN
 * or BL_LOOKUP_AMBIGUOUS (*C NULL). */
int bl_command_lookup(const char *name, const bl_command **c, bl_err *e);

/* Runs every command of LINE.  Errors are reported (stderr as
 * "bilab: CMD: message", and a JSON error object in json mode); returns
 * BL_OK or the first error's status (after running the rest when the
 * session keeps going). */
int bl_execute_line(bl_session *S, const char *line);

/* Picks a subcommand (a choice) from NAMES by bl_lookup; WHAT names it in
 * the message.  Returns its index, or −1 with E filled. */
int bl_command_pick(const char *word, const char *const *names, size_t n,
            const char *what, bl_err *e);

/* Completion entry: candidates for the word being typed at the end of
 * the words of LINE (readline calls this through repl.c). */
const char *bl_complete(bl_session *S, char **words, size_t nwords, size_t i);

/* Shared completers. */
const char *bl_complete_settings(bl_session *S, int argi, char **w, size_t i);

/* Estimator specs: names and "name:param=" (hypergrad, explain). */
const char *bl_complete_specs(bl_session *S, int argi, char **w, size_t i);
/* step/solve adjoint (cmd_adjoint.c). */
int bl_cmd_adjoint_steps(bl_session *S, size_t n, int solve, bl_err *e);
/* The --explain table of one spec (cmd_adjoint.c). */
int bl_cmd_explain_print(bl_session *S, const bl_spec *spec, bl_err *e);
/* The error bound of R (doc/bounds.md) for a table cell: "1.2e-06", "~1.2e-06"
 * when estimated (not certified), "-" when none (cmd_hypergrad.c). */
struct bl_json;
char *bl_hg_fmt_bound(char *buf, size_t len, const bl_hg_result *r, int digits);
/* Its JSON keys: "error_bound" (null when none), "error_bound_certified",
 * "error_bound_note" (why none, or what was estimated). */
void bl_hg_json_bound(struct bl_json *j, const bl_hg_result *r);

/* export surface|compare FILE (.csv, or .json) (cmd_surface.c); WHAT is
 * 0 for the surface, 1 for the comparison. */
int bl_export_grid(bl_session *S, int what, const char *path, bl_err *e);

/* The define commands that rebuild the session's definitions, for save
 * (cmd_define.c). */
void bl_define_save(const bl_session *S, FILE *f);

/* data load's argument list (PATH [key=value ...]) read and loaded, not
 * installed: the data set into *OUT, the canonical command (for save, any
 * length, to be freed) into *CANON (cmd_data.c). */
int bl_data_load_args(bl_session *S, int argc, char **argv, bl_dataset **out,
                      char **canon, bl_err *e);
/* Whether DS fits problem type T (data for a problem that needs it, two
 * classes for a classification problem): BL_FIT_OK, or why not with a
 * one-line reason in WHY (cmd_data.c). */
enum { BL_FIT_OK, BL_FIT_NODATA, BL_FIT_CLASSES, BL_FIT_REGRESSION };
int bl_data_fits(const bl_problem_type *T, const bl_dataset *ds, char *why, size_t len);

/* Reports an error the way every command does: an error (a note under
 * try) posted to the session's sink (bl_session_msg), which writes it on
 * one line with what the terminal must not see escaped (bl_msg_write).
 * Warnings are posted with bl_session_msg(S, BL_MSG_WARNING, CMD, ...). */
void bl_report_error(bl_session *S, const char *cmd, const char *msg);

#endif
