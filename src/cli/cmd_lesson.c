/* cmd_lesson.c: lesson [NAME|run|next|back|stop], clear. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "batch.h"
#include "command.h"
#include "lesson.h"
#include "output.h"

static const char *const subs[] = {"run", "next", "back", "stop"};
enum { SUB_RUN, SUB_NEXT, SUB_BACK, SUB_STOP, NSUBS };

/* TEXT (lines) on S->out, each line escaped for the terminal. */
static void put_lines(FILE *f, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char *line = strndup(p, n);
        if (line) bl_fput_escaped(f, line);
        free(line);
        fputc('\n', f);
        p += n + (end != NULL);
    }
}

/* Shows where the lesson stands: the narrative before the next command
 * and the command (FIRST: with a word on the keys), or at its end the
 * narrative after the last command, and ends the walk-through. */
static void show(bl_session *S, int first)
{
    bl_lesson *L = S->lesson;
    int end = L->pos >= L->nsteps;
    const char *narr = end ? L->tail : L->steps[L->pos].narr;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "lesson");
        bl_json_str(&j, "name", L->name);
        bl_json_int(&j, "steps", (long long)L->nsteps);
        bl_json_str(&j, "narrative", narr);
        if (end) {
            bl_json_bool(&j, "end", 1);
        } else {
            bl_json_int(&j, "step", (long long)L->pos + 1);
            bl_json_str(&j, "next", L->steps[L->pos].cmd);
        }
        bl_json_end(&j);
    } else {
        if (*narr) {
            if (!first) fputc('\n', S->out);
            put_lines(S->out, narr);
        }
        if (!end) {
            fputs("next: ", S->out);
            bl_fput_escaped(S->out, L->steps[L->pos].cmd);
            fputs(first ? "   [Enter runs it; lesson next skips it, lesson stop ends]\n" : "\n",
                  S->out);
        } else {
            fputs("end of the lesson ", S->out);
            bl_fput_escaped(S->out, L->name);
            fprintf(S->out, " (%zu commands); the session is kept\n", L->nsteps);
        }
    }
    if (end) {
        bl_lesson_free(L);
        S->lesson = NULL;
    }
}

static int list(bl_session *S, bl_err *e)
{
    char **names, **paths;
    size_t n;
    if (bl_lesson_list(&names, &paths, &n) != BL_OK) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    bl_json j;
    int json = bl_session_json(S);
    if (json) {
        bl_json_begin(&j, S->out, "lesson");
        bl_json_str(&j, "what", "list");
        if (S->lesson) bl_json_str(&j, "running", S->lesson->name);
        bl_json_arr_begin(&j, "lessons");
    }
    for (size_t i = 0; i < n; i++) {
        bl_lesson *L = NULL;
        bl_err le = {0};
        bl_lesson_load(names[i], paths[i], &L, &le);
        const char *title = L ? L->title : le.msg;
        if (json) {
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "name", names[i]);
            bl_json_str(&j, "title", title);
            if (L) bl_json_int(&j, "commands", (long long)L->nsteps);
            bl_json_obj_end(&j);
        } else {
            int cur = S->lesson && !strcmp(S->lesson->name, names[i]);
            fprintf(S->out, "%c %-12s ", cur ? '*' : ' ', names[i]);
            bl_fput_escaped(S->out, title);
            fputc('\n', S->out);
        }
        bl_lesson_free(L);
    }
    if (json) {
        bl_json_arr_end(&j);
        bl_json_end(&j);
    } else if (S->lesson && S->lesson->pos < S->lesson->nsteps) {
        fputs("walking through ", S->out);
        bl_fput_escaped(S->out, S->lesson->name);
        fprintf(S->out, ": next %zu/%zu: ", S->lesson->pos + 1, S->lesson->nsteps);
        bl_fput_escaped(S->out, S->lesson->steps[S->lesson->pos].cmd);
        fputc('\n', S->out);
    }
    if (!json && !n) {
        fprintf(S->out, "no lessons found (in $BILAB_LESSONDIR, %s/lessons or the source "
                "tree's doc/lessons)\n", BL_PKGDATADIR);
    }
    bl_words_free(names, n);
    bl_words_free(paths, n);
    return BL_OK;
}

/* The lesson's file and name for WORD: a path (a '/' or ".bl") as it is,
 * else a lesson's name or unique prefix (K ≥ NSUBS in NAMES). */
static int start(bl_session *S, const char *word, bl_err *e)
{
    char path[4096], name[256];
    size_t l = strlen(word);
    if (strchr(word, '/') || (l > 3 && !strcmp(word + l - 3, ".bl"))) {
        const char *base = strrchr(word, '/');
        base = base ? base + 1 : word;
        size_t bl = strlen(base);
        if (bl > 3 && !strcmp(base + bl - 3, ".bl")) bl -= 3;
        snprintf(name, sizeof name, "%.*s", (int)(bl < 200 ? bl : 200), base);
        snprintf(path, sizeof path, "%s", word);
    } else {
        snprintf(name, sizeof name, "%s", word);
        if (!bl_lesson_find(name, path, sizeof path)) {
            bl_err_set(e, BL_EINVAL, "no lesson '%s' ('lesson' lists them)", word);
            return BL_EINVAL;
        }
    }
    /* batch mode (and a script at the prompt): the whole lesson, as source */
    if (S->batch || S->source_depth > 0) {
        int st = bl_batch_file(S, path, e);
        if (st && !e->msg[0] && !S->unwinding)
            bl_err_set(e, st, S->keep_going ? "a command failed in '%s'"
                                            : "stopped at a failing command in '%s'", path);
        return st;
    }
    bl_lesson *L;
    int st = bl_lesson_load(name, path, &L, e);
    if (st) return st;
    if (!L->nsteps) {
        bl_lesson_free(L);
        bl_err_set(e, BL_EINVAL, "'%s' has no commands", path);
        return BL_EINVAL;
    }
    bl_lesson_free(S->lesson);
    S->lesson = L;
    show(S, 1);
    return BL_OK;
}

/* lesson run: the next command, as if typed, then the narrative up to the
 * one after it.  Its failure is its own (reported by it): the lesson goes
 * on; Ctrl-C leaves it the next command. */
static int run_next(bl_session *S, bl_err *e)
{
    bl_lesson *L = S->lesson;
    char *cmd = strdup(L->steps[L->pos].cmd);
    if (!cmd) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    L->running = 1;
    int st = bl_execute_line(S, cmd);
    L->running = 0;
    free(cmd);
    if (st == BL_EINTR || *S->cancel) {
        fputs("(interrupted: Enter runs it again, lesson next skips it)\n", S->out);
        return BL_OK;
    }
    if (S->quit) return BL_OK;
    L->pos++;
    show(S, 0);
    return BL_OK;
}

static int exec_lesson(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (S->lesson && S->lesson->running) {
        bl_err_set(e, BL_EINVAL, "a lesson's own command cannot move the lesson");
        return BL_EINVAL;
    }
    if (argc == 0) return list(S, e);
    const char *word = argv[0];
    if (strchr(word, '/') || (strlen(word) > 3 && !strcmp(word + strlen(word) - 3, ".bl")))
        return start(S, word, e);
    /* the subcommands and the lessons' names: one table */
    char **names = NULL, **paths = NULL;
    size_t n = 0;
    if (bl_lesson_list(&names, &paths, &n) != BL_OK) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    const char **tab = malloc((n + NSUBS) * sizeof *tab);
    if (!tab) {
        bl_words_free(names, n);
        bl_words_free(paths, n);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < NSUBS; i++) tab[i] = subs[i];
    for (size_t i = 0; i < n; i++) tab[NSUBS + i] = names[i];
    int k = bl_lookup(word, tab, n + NSUBS, "lesson", "'lesson' lists them", e);
    int st;
    if (k < 0) {
        st = BL_EINVAL;
    } else if (k >= NSUBS) {
        char name[256];
        snprintf(name, sizeof name, "%s", tab[k]);
        st = start(S, name, e);
    } else if (!S->lesson) {
        bl_err_set(e, BL_EINVAL, "no lesson is being walked through ('lesson NAME' starts "
                   "one%s)", S->batch ? "; in batch mode it runs whole" : "");
        st = BL_EINVAL;
    } else {
        bl_lesson *L = S->lesson;
        st = BL_OK;
        switch (k) {
        case SUB_RUN:
            st = run_next(S, e);
            break;
        case SUB_NEXT:
            fputs("skipped: ", S->out);
            bl_fput_escaped(S->out, L->steps[L->pos].cmd);
            fputc('\n', S->out);
            L->pos++;
            show(S, 0);
            break;
        case SUB_BACK:
            if (L->pos == 0) {
                bl_err_set(e, BL_EINVAL, "at the first command of the lesson");
                st = BL_EINVAL;
                break;
            }
            L->pos--;
            show(S, 0);
            break;
        case SUB_STOP:
            fputs("left the lesson ", S->out);
            bl_fput_escaped(S->out, L->name);
            fprintf(S->out, " before command %zu of %zu; the session is kept\n", L->pos + 1,
                    L->nsteps);
            bl_lesson_free(L);
            S->lesson = NULL;
            break;
        }
    }
    free(tab);
    bl_words_free(names, n);
    bl_words_free(paths, n);
    return st;
}

static const char *complete_lesson(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    static char **names, **paths;
    static size_t n;
    if (argi != 1) return NULL;
    if (i == 0) {                      /* a new completion: the lessons again */
        bl_words_free(names, n);
        bl_words_free(paths, n);
        names = paths = NULL;
        n = 0;
        if (bl_lesson_list(&names, &paths, &n) != BL_OK) n = 0;
    }
    if (i < NSUBS) return subs[i];
    i -= NSUBS;
    return i < n ? names[i] : NULL;
}

const bl_command bl_cmd_lesson = {
    .name = "lesson",
    .usage = "lesson [NAME|FILE.bl | run | next | back | stop]",
    .summary = "list the lessons, or walk through one a command at a time",
    .help =
        "lesson        the lessons, one line each: name and title (* = the one\n"
        "              being walked through).  They are doc/lessons/NAME.bl, looked\n"
        "              for in $BILAB_LESSONDIR, the installed share/bilab/lessons,\n"
        "              then the source tree; a path (with '/' or .bl) names any\n"
        "              script.\n"
        "lesson NAME   at the prompt (and on the dashboard's command line): a\n"
        "              walk-through.  It prints the lesson's narrative (its comments)\n"
        "              up to the next command and shows that command as 'next: CMD';\n"
        "              Enter on an empty line runs it and moves on.  Commands typed\n"
        "              in between run as usual and the lesson waits.  The prompt\n"
        "              shows the lesson and the next command's number,\n"
        "              bilab[NAME K/N]>.  In batch mode (-f, -e, standard input) and\n"
        "              in a sourced script, lesson NAME runs the whole lesson as\n"
        "              'source' does.\n"
        "lesson run    runs the next command (what Enter does)\n"
        "lesson next   skips the next command\n"
        "lesson back   steps back one command and shows it again (it undoes nothing)\n"
        "lesson stop   ends the walk-through; the session is kept",
    .minargs = 0, .maxargs = 1,
    .exec = exec_lesson,
    .complete = complete_lesson,
};

static int exec_clear(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    (void)argv;
    (void)e;
    if (S->batch) return BL_OK;
    fflush(S->out);
    if (isatty(fileno(S->out))) {
        fputs("\033[H\033[2J", S->out);
        fflush(S->out);
    } else {
        S->want_clear = 1;           /* the dashboard's message area */
    }
    return BL_OK;
}

const bl_command bl_cmd_clear = {
    .name = "clear",
    .usage = "clear",
    .summary = "clear the screen (on the dashboard: its messages)",
    .help =
        "clear   clears the terminal (as Ctrl-L at the prompt does); on the\n"
        "        dashboard's command line it empties the message area and\n"
        "        redraws; in batch mode it does nothing",
    .minargs = 0, .maxargs = 0,
    .exec = exec_clear,
};
