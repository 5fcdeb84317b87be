/* cmd_misc.c: help [CMD], save FILE, source FILE, quit. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "batch.h"
#include "fileio.h"
#include "command.h"
#include "output.h"
#include "stoch_cli.h"

static void help_all(bl_session *S)
{
    FILE *f = S->out;
    fprintf(f, "bilab %s: a workbench for bilevel optimisation\n\n", PACKAGE_VERSION);
    int W = bl_session_width(S);
    for (size_t i = 0; bl_commands[i]; i++) {
        fprintf(f, "  %-10s ", bl_commands[i]->name);
        bl_out_wrap(f, bl_commands[i]->summary, 13, 13, W);
    }
    fprintf(f, "\nhelp CMD for a command, help SETTING, help ESTIMATOR or help PROBLEM\n"
               "for one of those.  ';' separates commands, '#' starts a comment,\n"
               "unique prefixes of every name work, Tab completes.\n");
}

static int help_topic(bl_session *S, const char *topic, bl_err *e)
{
    FILE *f = S->out;
    bl_err ce = {0};
    const bl_command *c;
    int found = bl_command_lookup(topic, &c, &ce);
    if (c) {
        fprintf(f, "usage: %s\n\n%s\n", c->usage, c->help);
        if (c->flags & BL_CMD_HELP_ESTIMATORS)
            for (size_t i = 0; bl_estimators[i]; i++) {
                const bl_estimator_type *T = bl_estimators[i];
                char sig[256];
                snprintf(sig, sizeof sig, "%s", T->name);
                for (size_t k = 0; k < T->nparams; k++) {
                    size_t l = strlen(sig);
                    if (T->params[k].choices)
                        snprintf(sig + l, sizeof sig - l, "%s%s=%s", k ? "," : ":",
                                 T->params[k].name, T->params[k].choices[(int)T->params[k].def]);
                    else
                        snprintf(sig + l, sizeof sig - l, "%s%s=%g", k ? "," : ":",
                                 T->params[k].name, T->params[k].def);
                }
                fprintf(f, "  %s\n      %s\n", sig, T->help);
            }
        return BL_OK;
    }
    /* not a command (nor a prefix of several): a setting, an estimator or
     * a problem, looked up in one table of the three */
    const char *names[BL_NSETTINGS + 128];
    size_t ns = 0, ne = 0, np = 0;
    for (; ns < BL_NSETTINGS; ns++) names[ns] = bl_settings_table[ns].name;
    for (; bl_estimators[ne] && ne < 64; ne++) names[ns + ne] = bl_estimators[ne]->name;
    for (; bl_catalogue[np] && np < 64; np++) names[ns + ne + np] = bl_catalogue[np]->name;
    bl_err te = {0};
    int t = found == BL_LOOKUP_AMBIGUOUS ? found
            : bl_lookup(topic, names, ns + ne + np, "topic", NULL, &te);
    if (t == BL_LOOKUP_AMBIGUOUS && found != BL_LOOKUP_AMBIGUOUS) ce = te;
    if (t >= 0 && t < (int)ns) {
        char dom[256], val[512];
        bl_setting_domain(t, dom, sizeof dom);
        bl_setting_format(t, &S->set[t], val, sizeof val);
        fprintf(f, "%s (setting): %s\n  accepts %s; default %s; now %s\n",
                bl_settings_table[t].name, bl_settings_table[t].help, dom,
                bl_settings_table[t].def, val);
        return BL_OK;
    }
    if (t >= (int)ns && t < (int)(ns + ne)) {
        const bl_estimator_type *T = bl_estimators[t - (int)ns];
        fprintf(f, "%s (estimator): %s\n  cost: %s\n", T->name, T->help, T->cost);
        if (T->needs & BL_EST_NEEDS_PD) fprintf(f, "  needs: H positive definite\n");
        for (size_t i = 0; i < T->nparams; i++) {
            if (T->params[i].choices) {
                fprintf(f, "  %s=%s  %s (", T->params[i].name,
                        T->params[i].choices[(int)T->params[i].def], T->params[i].help);
                for (size_t k = 0; T->params[i].choices[k]; k++)
                    fprintf(f, "%s%s", k ? "|" : "", T->params[i].choices[k]);
                fprintf(f, ")\n");
            } else {
                fprintf(f, "  %s=%.10g  %s (range [%.10g, %.10g])\n", T->params[i].name,
                        T->params[i].def, T->params[i].help, T->params[i].lo, T->params[i].hi);
            }
        }
        return BL_OK;
    }
    if (t >= (int)(ns + ne)) {
        const bl_problem_type *P = bl_catalogue[t - (int)(ns + ne)];
        fprintf(f, "%s (problem): %s\n  %s\n  %s\n", P->name,
                P->summary, P->inner_text, P->outer_text);
        for (size_t i = 0; i < P->nparams; i++) {
            const bl_param *pr = &P->params[i];
            if (pr->choices) {                  /* named values */
                fprintf(f, "  %s=%s  %s (", pr->name, pr->choices[(int)pr->def], pr->help);
                for (size_t k = 0; pr->choices[k]; k++)
                    fprintf(f, "%s%s", k ? "|" : "", pr->choices[k]);
                fprintf(f, ")\n");
                continue;
            }
            fprintf(f, "  %s=%.10g  %s (range [%.10g, %.10g])\n", pr->name, pr->def,
                    pr->help, pr->lo, pr->hi);
        }
        return BL_OK;
    }
    if (bl_stoch_help(S, topic)) return BL_OK;
    bl_err_set(e, BL_EINVAL, "no help on '%s': %s", topic, ce.msg);
    return BL_EINVAL;
}

static int exec_help(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (argc == 0) {
        help_all(S);
        return BL_OK;
    }
    return help_topic(S, argv[0], e);
}

static const char *complete_help(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    if (argi != 1) return NULL;
    size_t nc = 0;
    while (bl_commands[nc]) nc++;
    if (i < nc) return bl_commands[i]->name;
    i -= nc;
    if (i < BL_NSETTINGS) return bl_settings_table[i].name;
    i -= BL_NSETTINGS;
    size_t ne = 0;
    while (bl_estimators[ne]) ne++;
    if (i < ne) return bl_estimators[i]->name;
    i -= ne;
    for (size_t k = 0; bl_catalogue[k]; k++)
        if (k == i) return bl_catalogue[k]->name;
    return NULL;
}

const bl_command bl_cmd_help = {
    .name = "help",
    .usage = "help [CMD|SETTING|ESTIMATOR|PROBLEM]",
    .summary = "this list, or the manual of one command, setting, estimator or problem",
    .help =
        "help        every command with a one-line summary\n"
        "help TOPIC  a command's usage and manual, or a setting, an estimator,\n"
        "            a problem of the catalogue",
    .minargs = 0, .maxargs = 1,
    .exec = exec_help,
    .complete = complete_help,
};

/* ---- save ---- */

/* Values a line of a saved vector: about 25 KB, far below BL_LINE_MAX. */
#define SAVE_CHUNK 1000

/* ω or θ to 17 digits: one `set NAME v,...` line, or for a long vector
 * `set NAME[i:j] v,...` lines of SAVE_CHUNK values. */
static void write_vector(FILE *f, const char *name, const gsl_vector *v)
{
    size_t n = v->size;
    for (size_t lo = 0; lo < n; lo += SAVE_CHUNK) {
        size_t hi = n - lo > SAVE_CHUNK ? lo + SAVE_CHUNK : n;
        if (n <= SAVE_CHUNK) fprintf(f, "set %s ", name);
        else fprintf(f, "set %s[%zu:%zu] ", name, lo, hi);
        for (size_t i = lo; i < hi; i++)
            fprintf(f, "%s%.17g", i > lo ? "," : "", gsl_vector_get(v, i));
        fprintf(f, "\n");
    }
}

/* The N numbers W of an iterator's state as `set state.words[i:j] ...`
 * lines of SAVE_CHUNK values, to 17 digits (read back bit for bit). */
static void write_words(FILE *f, const double *w, size_t n)
{
    for (size_t lo = 0; lo < n; lo += SAVE_CHUNK) {
        size_t hi = n - lo > SAVE_CHUNK ? lo + SAVE_CHUNK : n;
        fprintf(f, "set state.words[%zu:%zu] ", lo, hi);
        for (size_t i = lo; i < hi; i++) fprintf(f, "%s%.17g", i > lo ? "," : "", w[i]);
        fprintf(f, "\n");
    }
}

/* The states the next steps depend on: the live inner iterator, the outer
 * optimiser, the last adjoint, the live adjoint iterator and the live
 * stochastic algorithm (last: its state is read into an algorithm started
 * from the ω and θ above).  BL_ENOMEM when the numbers do not fit in
 * memory (E says so). */
static int write_states(bl_session *S, FILE *f, bl_err *e)
{
    size_t n = 0, k;
    if (S->inner) n = bl_inner_state_get(S->inner, NULL);
    if (S->outer && (k = bl_outer_state_get(S->outer, NULL)) > n) n = k;
    if (bl_session_live_adjoint(S) && (k = bl_adjoint_state_get(S->adj, NULL)) > n) n = k;
    double *w = malloc((n + 1) * sizeof *w);
    if (!w) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    /* the live inner iterator: its step η (1/L_G at the θ where it
     * started, which a fresh start at this θ may not find again), its
     * count, and its state (momentum, curvature pairs, ...) */
    if (S->inner) {
        n = bl_inner_state_get(S->inner, w);
        write_words(f, w, n);
        fprintf(f, "set inner.state eta=%.17g iterations=%zu words=%zu\n", S->inner->eta,
                S->inner_total, n);
    }
    if (S->outer && S->outer->iter) {
        n = bl_outer_state_get(S->outer, w);
        write_words(f, w, n);
        fprintf(f, "set outer.state words=%zu\n", n);
    }
    if (S->adj_valid && S->adjoint_last && S->adjoint_last->size == S->P->p) {
        write_words(f, S->adjoint_last->data, S->adjoint_last->size);
        fprintf(f, "set adjoint.last words=%zu\n", S->adjoint_last->size);
    }
    if (bl_session_live_adjoint(S)) {
        n = bl_adjoint_state_get(S->adj, w);
        write_words(f, w, n);
        fprintf(f, "set adjoint.state method=%s eta=%.17g words=%zu\n", S->adj->type->name,
                S->adj->eta, n);
    }
    free(w);
    int st = bl_stoch_state_words(S, &w, &n, e);
    if (st == BL_OK && w) {
        write_words(f, w, n);
        fprintf(f, "set stoch.state words=%zu\n", n);
    }
    free(w);
    return st;
}

static int exec_save(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    if (S->data && S->data_cmdline && strchr(S->data_cmdline, '\n')) {
        bl_err_set(e, BL_EINVAL, "the data file's name holds a newline, which a script "
                   "line cannot (rename the file and load it again)");
        return BL_EINVAL;
    }
    /* written beside the target and renamed over it when whole: a failed
     * save (a full disk, a signal) leaves the previous one as it was */
    bl_wfile w;
    int st = bl_wfile_open(&w, argv[0], e);
    if (st) return st;
    FILE *f = w.f;
    time_t now = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
    fprintf(f, "# bilab %s session saved %s; replay with: bilab -f FILE or source FILE\n",
            PACKAGE_VERSION, when);
    if (S->data && S->data_cmdline) fprintf(f, "%s\n", S->data_cmdline);
    bl_define_save(S, f);      /* before the problem: custom is built from them */
    if (S->problem_cmdline) fprintf(f, "%s\n", S->problem_cmdline);
    for (int i = 0; i < BL_NSETTINGS; i++) {
        char val[512], def[512];
        bl_setval dv;
        if (i == BL_S_FORMAT) continue;   /* how to print belongs to the reader */
        bl_setting_format(i, &S->set[i], val, sizeof val);
        bl_setting_parse(i, bl_settings_table[i].def, &dv, NULL);
        bl_setting_format(i, &dv, def, sizeof def);
        bl_setval_release(&dv);
        if (strcmp(val, def) != 0) fprintf(f, "set %s %s\n", bl_settings_table[i].name, val);
    }
    write_vector(f, "omega", S->omega);
    write_vector(f, "theta", S->theta);
    if ((st = write_states(S, f, e)) != BL_OK) {
        bl_wfile_abort(&w);
        return st;
    }
    if ((st = bl_wfile_commit(&w, e))) return st;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "save");
        bl_json_str(&j, "file", argv[0]);
        bl_json_end(&j);
    } else {
        fputs("saved the session to ", S->out);
        bl_fput_escaped(S->out, argv[0]);
        fputc('\n', S->out);
    }
    return BL_OK;
}

const bl_command bl_cmd_save = {
    .name = "save",
    .usage = "save FILE",
    .summary = "write a script that rebuilds this session (data, problem, settings, ω, θ)",
    .help =
        "save FILE   a script of commands: the data command, the problem with its\n"
        "            parameters, every setting that differs from its default, ω and\n"
        "            θ to 17 digits (in slices of 1000), and the states the next steps\n"
        "            depend on: the live inner iterator (its step, momentum, lbfgs\n"
        "            pairs), the outer optimiser (momentum, adam), the last adjoint\n"
        "            and the live adjoint iterator, the stochastic algorithm's\n"
        "            running state (v, memories, λ, samplers; stoch.state); steps\n"
        "            after a replay are the same bit for bit (bfgs2 restarts).\n"
        "            'source FILE' or\n"
        "            'bilab -f FILE' replays it.  The file is\n"
        "            written beside FILE and renamed over it when whole: a failed\n"
        "            save leaves the previous one.",
    .minargs = 1, .maxargs = 1,
    .exec = exec_save,
    .file_arg = 1,
};

static int exec_source(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    int st = bl_batch_file(S, argv[0], e);
    /* unwinding from too deep a nesting: said once where it happened */
    if (st && !e->msg[0] && !S->unwinding)
        bl_err_set(e, st, S->keep_going ? "a command failed in '%s'"
                                        : "stopped at a failing command in '%s'", argv[0]);
    return st;
}

const bl_command bl_cmd_source = {
    .name = "source",
    .usage = "source FILE",
    .summary = "run the commands of a script file",
    .help =
        "source FILE   runs FILE line by line as if typed; stops at the first failing\n"
        "              command unless bilab runs with --keep-going, and at a read\n"
        "              error or a line longer than 1 MiB.  FILE is a regular file or\n"
        "              a pipe.  Scripts may source scripts 16 deep: deeper is one\n"
        "              error that stops the whole chain",
    .minargs = 1, .maxargs = 1,
    .exec = exec_source,
    .file_arg = 1,
};

static int exec_quit(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    (void)argv;
    (void)e;
    S->quit = 1;
    return BL_OK;
}

const bl_command bl_cmd_quit = {
    .name = "quit",
    .usage = "quit",
    .summary = "leave bilab (Ctrl-D too)",
    .help = "quit   leave bilab; the command history is kept in ~/.bilab_history\n"
            "       (each line as it is entered; none when HOME is not set)",
    .minargs = 0, .maxargs = 0,
    .exec = exec_quit,
};
