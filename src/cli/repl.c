/* repl.c: readline behind three small functions (as lua.c does):
 * reading a line, history in ~/.bilab_history (appended line by line, so
 * that closing the terminal or a kill loses nothing; none when HOME is
 * not set), and completion from the command and settings tables. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "args.h"
#include "command.h"
#include "fileio.h"
#include "lesson.h"
#include "repl.h"

/* readline's callbacks take no user pointer: the session being completed
 * is kept here while bl_repl runs. */
static bl_session *completing;

static char *generator(const char *text, int state)
{
    static char **words;
    static size_t nwords, index;
    size_t len = strlen(text);
    if (!state) {
        bl_words_free(words, nwords);
        words = NULL;
        nwords = 0;
        index = 0;
        char *head = strndup(rl_line_buffer, (size_t)rl_point - len);
        if (head && bl_args_tokenize(head, &words, &nwords, NULL) != BL_OK) {
            words = NULL;
            nwords = 0;
        }
        free(head);
        /* only the current command of a ';' line matters */
        for (size_t i = nwords; i-- > 0;)
            if (strcmp(words[i], ";") == 0) {
                bl_words_free(words, nwords);
                words = NULL;
                nwords = 0;
                break;
            }
    }
    const char *cand;
    while ((cand = bl_complete(completing, words, nwords, index)) != NULL) {
        index++;
        if (strncmp(cand, text, len) == 0) return strdup(cand);
    }
    bl_words_free(words, nwords);
    words = NULL;
    nwords = 0;
    return NULL;
}

static int wants_filename(const char *buf, int start)
{
    char *head = strndup(buf, (size_t)start);
    char **w = NULL;
    size_t n = 0;
    int yes = 0;
    size_t k = 0;                 /* `try CMD ...` completes as CMD ... */
    const bl_command *c = NULL;
    if (head && bl_args_tokenize(head, &w, &n, NULL) == BL_OK)
        while (k < n && (c = bl_command_find(w[k], NULL)) && (c->flags & BL_CMD_RUNS_COMMAND))
            k++;
    /* the word being typed is number n − k after the command's name */
    if (n > k && c && c->file_arg > 0 && (size_t)c->file_arg == n - k)
        yes = !(c->flags & BL_CMD_FILE_IF_PATH) || strchr(buf + start, '/')
              || strchr(buf + start, '.');
    bl_words_free(w, n);
    free(head);
    return yes;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    if (wants_filename(rl_line_buffer, start)) return NULL;   /* readline's own */
    rl_attempted_completion_over = 1;
    char **m = rl_completion_matches(text, generator);
    if (m && m[0] && !m[1] && m[0][strlen(m[0]) - 1] == '=')
        rl_completion_suppress_append = 1;
    return m;
}

volatile sig_atomic_t bl_sigint_newline;

/* Ctrl-C at the prompt drops the line being typed, as a shell does. */
static int on_signal(void)
{
    if (completing && *completing->cancel) {
        *completing->cancel = 0;
        rl_replace_line("", 0);
        rl_crlf();
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

#define HISTORY_MAX 2000

/* $HOME/.bilab_history; 0 (no history file) without HOME, rather than
 * one in whatever directory bilab was started from. */
static int history_path(char *buf, size_t len);

/* LINE into the history (and its file when KEEP) unless it repeats the last. */
static void remember(const char *line, int keep, const char *hist)
{
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (!last || strcmp(last->line, line) != 0) {
        add_history(line);
        if (keep) append_history(1, hist);   /* now, not only at a clean exit */
    }
}

static int history_path(char *buf, size_t len)
{
    const char *home = getenv("HOME");
    if (!home || !*home) return 0;
    int n = snprintf(buf, len, "%s/.bilab_history", home);
    return n > 0 && (size_t)n < len;
}

int bl_repl(bl_session *S)
{
    char hist[4096];
    completing = S;
    rl_readline_name = "bilab";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n;";
    rl_signal_event_hook = on_signal;
    int keep = history_path(hist, sizeof hist);
    using_history();
    stifle_history(HISTORY_MAX);
    if (keep) {
        /* the file grows a line at a time below: trim it to the last
         * HISTORY_MAX lines here (readline rewrites it through a temporary
         * and a rename), and make it so that appending works */
        int r = read_history(hist);
        if (r == 0) history_truncate_file(hist, HISTORY_MAX);
        else if (r == ENOENT) keep = write_history(hist) == 0;
        else keep = 0;                /* unreadable: leave it alone */
    }
    while (!S->quit) {
        *S->cancel = 0;
        char prompt[320];
        bl_lesson_prompt(S, prompt, sizeof prompt);   /* bilab[NAME K/N]> in a lesson */
        char *line = readline(prompt);
        if (!line) {
            fputc('\n', stdout);
            break;
        }
        if (strlen(line) > BL_LINE_MAX) {      /* a paste gone wrong */
            char msg[128];
            snprintf(msg, sizeof msg, "line longer than %zu bytes (the limit of a "
                     "command line)", BL_LINE_MAX);
            bl_report_error(S, "parse", msg);
        } else if (*line) {
            remember(line, keep, hist);
            bl_sigint_newline = isatty(STDOUT_FILENO);
            bl_execute_line(S, line);
            bl_sigint_newline = 0;
        } else if (bl_lesson_next(S)) {
            /* Enter on an empty line during a lesson: its next command, shown
             * on the prompt's line as if typed, and kept in the history */
            const char *next = bl_lesson_next(S);
            if (isatty(STDOUT_FILENO)) {
                fputs("\033[A\r\033[K", stdout);
                fputs(prompt, stdout);
                bl_fput_escaped(stdout, next);
                fputc('\n', stdout);
            }
            remember(next, keep, hist);
            bl_sigint_newline = isatty(STDOUT_FILENO);
            bl_execute_line(S, "lesson run");
            bl_sigint_newline = 0;
        }
        free(line);
    }
    completing = NULL;
    return 0;
}
