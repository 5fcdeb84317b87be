/* test_lesson.c: the lessons (src/cli/lesson.c, cmd_lesson.c).
 * - A script splits into commands and the narrative before each: every
 *   line that is not blank nor a comment is a command, the comments
 *   before it (verbatim) its narrative, one blank line between paragraphs;
 *   the comments after the last command are the tail.
 * - Titles from the first comment line: "Lesson N:" dropped, cut after the
 *   first sentence ("et al. 2020" is not a sentence's end).
 * - Every lesson of doc/lessons splits into as many commands and comment
 *   lines as an independent count of its lines finds, and has a title.
 * - Lessons are found in $BILAB_LESSONDIR first, then the installed and
 *   the source tree's directories, each name once, sorted.
 * - The walk-through at the prompt (a session not in batch mode): lesson
 *   FILE shows the narrative and the next command, lesson run runs it,
 *   commands typed in between leave the lesson where it was, back, next,
 *   the prompt's position, the end, stop with the session kept; in batch
 *   mode the lesson runs whole as source does.
 * - clear: nothing in batch mode; elsewhere, with no terminal, a request
 *   the dashboard takes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "command.h"
#include "lesson.h"
#include "session.h"
#include "tap.h"

#ifndef BL_SRCLESSONDIR
#define BL_SRCLESSONDIR "doc/lessons"
#endif

/* Everything F received since the last call. */
static const char *printed(FILE *f)
{
    static char buf[65536];
    fflush(f);
    long n = ftell(f);
    rewind(f);
    size_t got = fread(buf, 1, n > 0 && n < (long)sizeof buf ? (size_t)n : sizeof buf - 1, f);
    buf[got] = '\0';
    rewind(f);
    if (ftruncate(fileno(f), 0) != 0) buf[0] = '\0';
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

static void test_parse(void)
{
    const char *text =
        "# Lesson 7: a test lesson.  It has two paragraphs\n"
        "# of header.\r\n"
        "\n"
        "\n"
        "# Second paragraph.\n"
        "set digits 3\n"
        "   show omega   # a trailing comment stays with its command\n"
        "\n"
        "  # 2. Indented narrative,\n"
        "\n"
        "# after a blank line.\n"
        "set omega 1; show omega\n"
        "# the end.\n"
        "\n";
    bl_lesson *L = NULL;
    bl_err e = {0};
    int st = bl_lesson_parse("t", text, &L, &e);
    if (!tap_ok(st == BL_OK && L, "a lesson parses")) return;
    tap_ok(L->nsteps == 3, "three commands (%zu)", L->nsteps);
    tap_ok(!strcmp(L->steps[0].cmd, "set digits 3") &&
           !strcmp(L->steps[1].cmd, "show omega   # a trailing comment stays with its command") &&
           !strcmp(L->steps[2].cmd, "set omega 1; show omega"),
           "commands trimmed, a line with ';' one command, a trailing comment kept");
    tap_ok(!strcmp(L->steps[0].narr,
                   "# Lesson 7: a test lesson.  It has two paragraphs\n# of header.\n\n"
                   "# Second paragraph."),
           "the header: verbatim, \\r dropped, two blank lines made one ('%s')", L->steps[0].narr);
    tap_ok(!strcmp(L->steps[1].narr, ""), "a command right after a command: no narrative");
    tap_ok(!strcmp(L->steps[2].narr, "# 2. Indented narrative,\n\n# after a blank line."),
           "narrative indented and split by a blank line ('%s')", L->steps[2].narr);
    tap_ok(!strcmp(L->tail, "# the end."), "the tail after the last command ('%s')", L->tail);
    tap_ok(!strcmp(L->title, "a test lesson") && !strcmp(L->name, "t") && L->pos == 0,
           "title '%s', name, at the first command", L->title);
    bl_lesson_free(L);

    st = bl_lesson_parse("empty", "# only words\n\n# here\n", &L, &e);
    tap_ok(st == BL_OK && L->nsteps == 0 && !strcmp(L->tail, "# only words\n\n# here"),
           "comments alone: no command, all tail");
    bl_lesson_free(L);
    st = bl_lesson_parse("nohead", "show\n# Lesson: late\n", &L, &e);
    tap_ok(st == BL_OK && L->nsteps == 1 && !strcmp(L->title, ""),
           "a first line that is a command: no title");
    bl_lesson_free(L);
}

static void test_titles(void)
{
    static const char *const cases[][2] = {
        {"# Lesson 1: a ridge tour.  Ridge regression on the diabetes data has every",
         "a ridge tour"},
        {"# Lesson: sparse models as sparse-ho has them (Bertrand et al. 2020, 2022).",
         "sparse models as sparse-ho has them (Bertrand et al. 2020, 2022)"},
        {"# Lesson: tuning a solver. The inner problem", "tuning a solver"},
        {"# Lesson: stochastic bilevel optimisation on a finite-sum",
         "stochastic bilevel optimisation on a finite-sum"},
        {"## Lessons learned: not a numbered lesson", "Lessons learned: not a numbered lesson"},
        {"#", ""},
        {"show omega", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char t[128];
        bl_lesson_title(cases[i][0], t, sizeof t);
        tap_ok(!strcmp(t, cases[i][1]), "title of '%s': '%s'", cases[i][0], t);
    }
    char t[8];
    bl_lesson_title("# Lesson 3: a long title here", t, sizeof t);
    tap_ok(!strcmp(t, "a long "), "a title cut to its buffer ('%s')", t);
}

/* Lines of TEXT that start with '#'. */
static size_t comment_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p;) {
        n += *p == '#';
        const char *end = strchr(p, '\n');
        p = end ? end + 1 : p + strlen(p);
    }
    return n;
}

/* Every lesson of the source tree against a count of its lines made here. */
static void test_real_lessons(void)
{
    static const char *const names[] = {"ridge_tour", "conditioning", "nonconvex", "heat",
                                        "lasso", "stochastic"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.bl", BL_SRCLESSONDIR, names[i]);
        char *text = read_file(path);
        if (!text) {
            tap_ok(0, "%s readable", path);
            continue;
        }
        size_t ncmd = 0, ncomment = 0, nnarr = 0;
        for (char *p = text; *p;) {
            char *end = strchr(p, '\n');
            char *q = p;
            while (*q == ' ' || *q == '\t') q++;
            if (*q == '#') ncomment++;
            else if (*q && *q != '\n' && *q != '\r') ncmd++;
            p = end ? end + 1 : p + strlen(p);
        }
        bl_lesson *L = NULL;
        bl_err e = {0};
        int st = bl_lesson_load(names[i], path, &L, &e);
        if (st == BL_OK)
            for (size_t k = 0; k <= L->nsteps; k++)
                nnarr += comment_lines(k < L->nsteps ? L->steps[k].narr : L->tail);
        tap_ok(st == BL_OK && L->nsteps == ncmd && nnarr == ncomment && L->title[0],
               "%s: %zu commands (counted %zu), %zu comment lines (counted %zu), title '%s'",
               names[i], L ? L->nsteps : 0, ncmd, nnarr, ncomment, L ? L->title : "");
        bl_lesson_free(L);
        free(text);
    }
}

static void test_find(const char *dir)
{
    char path[4096], want[4096];
    setenv("BILAB_LESSONDIR", dir, 1);
    snprintf(path, sizeof path, "%s/aaa_first.bl", dir);
    write_file(path, "# Lesson: the first one.\nshow\n");
    snprintf(path, sizeof path, "%s/ridge_tour.bl", dir);
    write_file(path, "# Lesson: my own ridge tour.\nshow\n");
    snprintf(path, sizeof path, "%s/.hidden.bl", dir);
    write_file(path, "show\n");
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    write_file(path, "not a lesson\n");

    snprintf(want, sizeof want, "%s/aaa_first.bl", dir);
    tap_ok(bl_lesson_find("aaa_first", path, sizeof path) && !strcmp(path, want),
           "found in $BILAB_LESSONDIR (%s)", path);
    snprintf(want, sizeof want, "%s/ridge_tour.bl", dir);
    tap_ok(bl_lesson_find("ridge_tour", path, sizeof path) && !strcmp(path, want),
           "$BILAB_LESSONDIR comes first: its ridge_tour");
    tap_ok(!bl_lesson_find("notes", path, sizeof path) && !bl_lesson_find("../x", path, sizeof path)
           && !bl_lesson_find("", path, sizeof path) && !path[0],
           "no .txt, no path, no empty name");
    tap_ok(bl_lesson_find("conditioning", path, sizeof path) && access(path, R_OK) == 0,
           "the others from the installed or source tree (%s)", path);

    char **names, **paths;
    size_t n;
    int st = bl_lesson_list(&names, &paths, &n);
    int sorted = 1, ridge = 0, hidden = 0, first = -1, cond = 0;
    for (size_t i = 0; st == BL_OK && i < n; i++) {
        if (i && strcmp(names[i - 1], names[i]) >= 0) sorted = 0;
        if (!strcmp(names[i], "ridge_tour")) {
            ridge++;
            snprintf(want, sizeof want, "%s/ridge_tour.bl", dir);
            if (strcmp(paths[i], want)) ridge = 100;
        }
        if (names[i][0] == '.') hidden = 1;
        if (!strcmp(names[i], "aaa_first")) first = (int)i;
        cond += !strcmp(names[i], "conditioning");
    }
    tap_ok(st == BL_OK && sorted && ridge == 1 && !hidden && first == 0 && cond == 1,
           "the list: sorted, each name once with the first directory's file, no hidden "
           "files (%zu lessons)", n);
    bl_words_free(names, n);
    bl_words_free(paths, n);
}

static void test_walk(const char *dir)
{
    static bl_cancel_t cancel;
    FILE *out = tmpfile(), *err = tmpfile();
    bl_session *S = out && err ? bl_session_new(out, err, &cancel) : NULL;
    if (!tap_ok(S != NULL, "a session")) return;
    S->batch = 0;
    bl_execute_line(S, "problem use quadratic p=4 d=1");   /* what main loads: a problem */
    printed(out);
    char path[4096], line[4200], prompt[256];
    snprintf(path, sizeof path, "%s/walk.bl", dir);
    write_file(path,
               "# Lesson: a walk.  Three commands.\n"
               "# intro\n"
               "set digits 3\n"
               "\n"
               "# two\n"
               "# two b\n"
               "show omega\n"
               "set omega 1.5\n"
               "# bye\n");
    const char *o;
    snprintf(line, sizeof line, "lesson %s", path);
    int st = bl_execute_line(S, line);
    o = printed(out);
    tap_ok(st == BL_OK && strstr(o, "# Lesson: a walk.  Three commands.\n# intro\nnext: set digits 3")
           && !strstr(o, "digits = 3"),
           "lesson FILE: the narrative and the next command, nothing run ('%s')", o);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(!strcmp(prompt, "bilab[walk 1/3]> ") && bl_lesson_next(S)
           && !strcmp(bl_lesson_next(S), "set digits 3"), "prompt '%s', next command", prompt);

    st = bl_execute_line(S, "lesson run");
    o = printed(out);
    tap_ok(st == BL_OK && strstr(o, "digits = 3\n\n# two\n# two b\nnext: show omega\n"),
           "lesson run: runs it, then the narrative and the next ('%s')", o);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(!strcmp(prompt, "bilab[walk 2/3]> "), "prompt '%s'", prompt);

    st = bl_execute_line(S, "set omega 2");
    o = printed(out);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(st == BL_OK && gsl_vector_get(S->omega, 0) == 2 && !strcmp(prompt, "bilab[walk 2/3]> ")
           && !strstr(o, "next:"), "a command typed in between runs; the lesson waits");

    st = bl_execute_line(S, "lesson back");
    o = printed(out);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(st == BL_OK && strstr(o, "next: set digits 3") && !strcmp(prompt, "bilab[walk 1/3]> "),
           "lesson back: the previous command again ('%s')", o);
    st = bl_execute_line(S, "lesson back");
    printed(err);
    tap_ok(st != BL_OK && S->lesson && S->lesson->pos == 0, "lesson back at the first: an error");
    st = bl_execute_line(S, "lesson next");
    o = printed(out);
    tap_ok(st == BL_OK && strstr(o, "skipped: set digits 3") && strstr(o, "next: show omega"),
           "lesson next skips ('%s')", o);
    st = bl_execute_line(S, "lesson run");
    o = printed(out);
    tap_ok(st == BL_OK && strstr(o, "omega = [2]") && strstr(o, "next: set omega 1.5"),
           "show omega sees the typed command's ω ('%s')", o);
    st = bl_execute_line(S, "lesson run");
    o = printed(out);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(st == BL_OK && gsl_vector_get(S->omega, 0) == 1.5 && strstr(o, "# bye\n")
           && strstr(o, "end of the lesson walk (3 commands)") && !S->lesson
           && !bl_lesson_next(S) && !strcmp(prompt, "bilab> "),
           "the last command, the tail, the end: back to 'bilab> ' ('%s')", o);
    st = bl_execute_line(S, "lesson run");
    const char *eo = printed(err);
    tap_ok(st != BL_OK && strstr(eo, "bilab: lesson: no lesson is being walked through"),
           "lesson run with none: an error ('%s')", eo);

    /* stop keeps the session */
    snprintf(line, sizeof line, "lesson %s; lesson run; lesson run; lesson stop", path);
    st = bl_execute_line(S, line);
    o = printed(out);
    tap_ok(st == BL_OK && !S->lesson && strstr(o, "left the lesson walk before command 3 of 3")
           && gsl_vector_get(S->omega, 0) == 1.5, "lesson stop: the lesson gone, the session kept");

    /* a lesson that drives a lesson */
    snprintf(path, sizeof path, "%s/loop.bl", dir);
    write_file(path, "lesson stop\nshow omega\n");
    snprintf(line, sizeof line, "lesson %s; lesson run", path);
    st = bl_execute_line(S, line);
    printed(out);
    eo = printed(err);           /* one buffer: read after out */
    tap_ok(S->lesson && S->lesson->pos == 1 && strstr(eo, "own command cannot move the lesson"),
           "a lesson's command cannot move its lesson ('%s')", eo);
    bl_execute_line(S, "lesson stop");
    printed(out);

    /* by name, through $BILAB_LESSONDIR, with a unique prefix */
    st = bl_execute_line(S, "lesson aaa");
    o = printed(out);
    bl_lesson_prompt(S, prompt, sizeof prompt);
    tap_ok(st == BL_OK && !strcmp(prompt, "bilab[aaa_first 1/1]> "),
           "lesson PREFIX finds aaa_first ('%s')", prompt);
    bl_execute_line(S, "lesson");
    o = printed(out);
    tap_ok(strstr(o, "* aaa_first    the first one\n") != NULL, "the list marks it ('%s')", o);
    bl_execute_line(S, "lesson stop");
    printed(out);

    /* clear */
    S->want_clear = 0;
    st = bl_execute_line(S, "clear");
    o = printed(out);
    tap_ok(st == BL_OK && S->want_clear && !*o, "clear without a terminal: asks the dashboard");

    /* batch mode: the whole lesson as source */
    S->batch = 1;
    S->want_clear = 0;
    bl_execute_line(S, "set omega 0; clear");
    printed(out);
    tap_ok(!S->want_clear, "clear in batch mode: nothing");
    snprintf(path, sizeof path, "%s/walk.bl", dir);
    snprintf(line, sizeof line, "lesson %s", path);
    st = bl_execute_line(S, line);
    o = printed(out);
    tap_ok(st == BL_OK && !S->lesson && gsl_vector_get(S->omega, 0) == 1.5
           && strstr(o, "digits = 3") && !strstr(o, "next:") && !strstr(o, "# two"),
           "batch mode: the whole lesson runs, as source ('%s')", o);
    bl_session_free(S);
    fclose(out);
    fclose(err);
}

int main(void)
{
    bl_init();
    char dir[] = "/tmp/bilab-lesson.XXXXXX";
    if (!mkdtemp(dir)) {
        printf("Bail out! no temporary directory\n");
        return 1;
    }
    test_parse();
    test_titles();
    test_real_lessons();
    test_find(dir);
    test_walk(dir);
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) tap_diag("could not remove %s", dir);
    return tap_done();
}
