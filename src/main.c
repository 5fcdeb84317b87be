/* main.c: argv → mode: the prompt on a terminal, or batch (-f FILE,
 * -e CMDS, standard input), or the dashboard (--dash).  The entry point
 * above cli and tui: it adds tui's dash command to cli's table. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_errno.h>

#include "batch.h"
#include "cluster.h"
#include "command.h"
#include "dash.h"
#include "fileio.h"
#include "output.h"
#include "repl.h"
#include "session.h"

static bl_cancel_t cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    cancel_flag = 1;
    if (bl_sigint_newline) {     /* after the terminal's "^C" */
        ssize_t r = write(STDOUT_FILENO, "\n", 1);
        (void)r;
    }
}

/* SIGTERM, SIGHUP (the terminal closed): remove the temporary of a write
 * in progress, so the file it was to replace stays whole and no debris is
 * left, then die of the signal as before.  The history is already on disk
 * (repl.c appends it line by line). */
static void on_term(int sig)
{
    bl_wfile_cleanup_signal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: bilab [OPTION]... [-f FILE | -e COMMANDS]...\n"
        "A terminal workbench for bilevel optimisation: step inner, adjoint and\n"
        "outer iterations and compare hypergradient estimators with the exact one.\n"
        "\n"
        "With no -f or -e, bilab reads commands at a prompt when standard input is a\n"
        "terminal, and line by line from standard input otherwise.  It starts with\n"
        "ridge regression on the bundled diabetes data loaded.\n"
        "\n"
        "  -f, --file=FILE      run the commands in FILE (may be repeated)\n"
        "  -e, --execute=CMDS   run CMDS, separated by ';' (may be repeated)\n"
        "  -j, --json           print every result as one JSON object per line\n"
        "  -k, --keep-going     run the remaining commands after a failing one and\n"
        "                       exit with status 0\n"
        "  -q, --quiet          no banner at the prompt\n"
        "      --dash           open the live dashboard (after the commands of -e\n"
        "                       and -f, if any); q goes on to the prompt\n"
        "      --help           display this help and exit\n"
        "      --version        output version information and exit\n"
        "\n"
        "Exit status: 0 on success, 1 when a command failed in batch mode,\n"
        "2 for a wrong command line.\n"
        "\n"
        "Inside bilab, 'help' lists the commands.  Full manual: man bilab.\n");
}

static void version(void)
{
    printf("bilab %s\n"
           "BLAS: %s\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n",
           PACKAGE_VERSION, BL_BLAS_NAME);
    if (bl_cluster_library()) printf("MPI: %s\n", bl_cluster_library());
}

/* Loads the default problem (ridge on diabetes; quadratic when the bundled
 * data cannot be found) without printing, and solves it, so that the first
 * `hypergrad` prints the true ∇F.  θ = θ*(ω) from the closed form (ridge:
 * one Cholesky solve of a 10×10 system, the same numbers in every mode);
 * a default problem without one would be solved by `solve inner`. */
static void load_default(bl_session *S)
{
    FILE *out = S->out, *null = fopen("/dev/null", "w");
    FILE *errf = S->errf;
    if (null) S->out = S->errf = null;
    int keep = S->keep_going;
    S->keep_going = 0;
    if (bl_execute_line(S, "data load diabetes; problem use ridge") != BL_OK || !S->P)
        bl_execute_line(S, "problem use quadratic");
    if (S->P) {
        const bl_problem_type *T = S->P->type;
        int closed = T->theta_star && T->theta_star(S->P, S->omega, S->theta) == BL_OK;
        if (!closed) gsl_vector_set_zero(S->theta);
        bl_session_touch(S, BL_CHG_THETA);
        if (!closed) bl_execute_line(S, "solve inner");
        bl_problem_reset_counts(S->P);
    }
    S->keep_going = keep;
    S->out = out;
    S->errf = errf;
    if (null) fclose(null);
}

typedef struct { char kind; const char *text; } action;

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, 0, 'f'},
        {"execute", required_argument, 0, 'e'},
        {"json", no_argument, 0, 'j'},
        {"keep-going", no_argument, 0, 'k'},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {"dash", no_argument, 0, 'D'},
        {0, 0, 0, 0},
    };
    /* under mpirun: MPI started, ranks above 0 silent (cluster.h) */
    if (bl_cluster_init(&argc, &argv) != 0) return 1;
    atexit(bl_cluster_finish);
    action *acts = calloc((size_t)argc + 1, sizeof *acts);
    int nacts = 0, json = 0, keep = 0, quiet = 0, c;
    int dash = 0;
    if (!acts) return 1;
    while ((c = getopt_long(argc, argv, "f:e:jkq", opts, NULL)) != -1) {
        switch (c) {
        case 'f': case 'e':
            acts[nacts].kind = (char)c;
            acts[nacts++].text = optarg;
            break;
        case 'j': json = 1; break;
        case 'k': keep = 1; break;
        case 'q': quiet = 1; break;
        case 'D': dash = 1; break;
        case 'h': usage(stdout); free(acts); return 0;
        case 'V': version(); free(acts); return 0;
        default:
            fprintf(stderr, "Try 'bilab --help' for more information.\n");
            free(acts);
            return 2;
        }
    }
    if (optind < argc) {
        fputs("bilab: unexpected argument '", stderr);
        bl_fput_escaped(stderr, argv[optind]);        /* typed text: escaped */
        fputs("'\nTry 'bilab --help' for more information.\n", stderr);
        free(acts);
        return 2;
    }

    bl_init();
    bl_command_register(&bl_cmd_dash);
    setlocale(LC_CTYPE, "");   /* UTF-8 plots; numbers keep the C locale */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_term;
    for (int k = 0; k < 2; k++) {       /* a signal ignored (nohup) stays ignored */
        int sig = k ? SIGHUP : SIGTERM;
        struct sigaction old;
        if (sigaction(sig, NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sig, &sa, NULL);
    }

    bl_session *S = bl_session_new(stdout, stderr, &cancel_flag);
    if (!S) {
        fprintf(stderr, "bilab: out of memory\n");
        free(acts);
        return 1;
    }
    if (bl_cluster_size() > 1 && (nacts == 0 || dash)) {
        /* every rank must read the same commands: only rank 0 has stdin */
        fprintf(stderr, "bilab: with %d MPI ranks bilab runs scripts only (-f FILE or -e "
                "COMMANDS): the prompt, the dashboard and standard input are "
                "single-process\n", bl_cluster_size());
        bl_session_free(S);
        free(acts);
        return 2;
    }
    int interactive = nacts == 0 && isatty(STDIN_FILENO);
    if (dash && !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
        fprintf(stderr, "bilab: --dash: the dashboard needs a terminal on standard input "
                "and output\n");
        bl_session_free(S);
        free(acts);
        return 2;
    }
    S->batch = !interactive;
    load_default(S);
    S->keep_going = keep;
    if (json) {
        bl_session_set(S, BL_S_FORMAT, "json", NULL);
    }

    int st = BL_OK;
    if (interactive) {
        if (!quiet)
            printf("bilab %s: %s loaded%s%s.  Type 'help', or 'hypergrad' to begin.\n",
                   PACKAGE_VERSION, S->P->type->name,
                   S->data && (S->P->type->flags & BL_PROB_NEEDS_DATA) ? " on " : "",
                   S->data && (S->P->type->flags & BL_PROB_NEEDS_DATA) ? S->data->name : "");
        if (dash) bl_execute_line(S, "dash");
        bl_repl(S);
    } else if (nacts == 0) {
        bl_err e = {0};
        st = bl_batch_stream(S, stdin, "-", &e);
        if (e.msg[0]) bl_report_error(S, "stdin", e.msg);
    } else {
        for (int i = 0; i < nacts && !S->quit; i++) {
            int s;
            if (acts[i].kind == 'e') {
                s = bl_execute_line(S, acts[i].text);
            } else {
                bl_err e = {0};
                s = bl_batch_file(S, acts[i].text, &e);
                if (e.msg[0]) bl_report_error(S, "-f", e.msg);  /* not a command's */
            }
            if (s && st == BL_OK) st = s;
            if (s && !keep) break;
        }
        if (dash && (st == BL_OK || keep) && !S->quit) {   /* --dash after -e/-f */
            S->batch = 0;
            bl_execute_line(S, "dash");
            if (!S->quit) bl_repl(S);
        }
    }
    fflush(stdout);
    bl_session_free(S);
    free(acts);
    return st != BL_OK && !keep ? 1 : 0;
}
