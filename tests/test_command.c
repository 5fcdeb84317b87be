/* test_command.c: the command table of cli (src/cli/command.c), linked
 * without the dashboard and without curses.
 * - cli alone has no dash command: the dashboard is a layer above.
 * - A command registered from above (as main.c registers tui's dash)
 *   goes in before help, try and quit, and then dispatches, is found by a
 *   unique prefix, completes and has its help, like the table's own.
 * - A taken name, or a full table, is refused and leaves it as it was.
 * - The width output fits (output.h): term.width wins, then the
 *   terminal, then $COLUMNS, else no limit; table.wide auto is wide above
 *   100 columns and with no limit; text broken at the width (every line
 *   at most W code points, the words kept in order); vectors cut to fit. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "command.h"
#include "output.h"
#include "session.h"
#include "tap.h"

static int zap_calls, zap_argc;
static char zap_arg[64];

static int exec_zap(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)S;
    (void)e;
    zap_calls++;
    zap_argc = argc;
    snprintf(zap_arg, sizeof zap_arg, "%s", argc ? argv[0] : "");
    return BL_OK;
}

static const bl_command cmd_zap = {
    .name = "zap",
    .usage = "zap [WORD ...]",
    .summary = "a command registered from above cli",
    .help = "zap   the help text of zap",
    .minargs = 0, .maxargs = -1,
    .exec = exec_zap,
};

static size_t count(void)
{
    size_t n = 0;
    while (bl_commands[n]) n++;
    return n;
}

static int index_of(const char *name)
{
    for (size_t i = 0; bl_commands[i]; i++)
        if (!strcmp(bl_commands[i]->name, name)) return (int)i;
    return -1;
}

/* Everything S printed since the last call. */
static const char *printed(FILE *f)
{
    static char buf[8192];
    fflush(f);
    long n = ftell(f);
    rewind(f);
    size_t got = fread(buf, 1, n > 0 && n < (long)sizeof buf ? (size_t)n : sizeof buf - 1, f);
    buf[got] = '\0';
    rewind(f);
    if (ftruncate(fileno(f), 0) != 0) buf[0] = '\0';
    return buf;
}

int main(void)
{
    bl_init();
    static bl_cancel_t cancel;
    FILE *out = tmpfile(), *err = tmpfile();
    bl_session *S = out && err ? bl_session_new(out, err, &cancel) : NULL;
    if (!S) {
        printf("Bail out! no session\n");
        return 1;
    }
    S->batch = 1;
    bl_err e = {0};

    tap_ok(index_of("dash") < 0 && !bl_command_find("dash", &e) &&
           strstr(e.msg, "unknown command 'dash'"),
           "cli alone has no dash command ('%s')", e.msg);

    size_t n0 = count();
    int help0 = index_of("help");
    int st = bl_command_register(&cmd_zap);
    tap_ok(st == BL_OK && count() == n0 + 1, "register adds one command (%zu → %zu)", n0,
           count());
    tap_ok(index_of("zap") == help0 && index_of("help") == help0 + 1 &&
           index_of("try") == help0 + 2 && index_of("quit") == help0 + 3 &&
           bl_commands[n0 + 1] == NULL,
           "it goes in before help, try and quit; the table stays NULL-terminated");

    memset(&e, 0, sizeof e);
    tap_ok(bl_command_find("zap", &e) == &cmd_zap && bl_command_find("za", &e) == &cmd_zap,
           "found by its name and by a unique prefix");
    st = bl_execute_line(S, "zap one two");
    tap_ok(st == BL_OK && zap_calls == 1 && zap_argc == 2 && !strcmp(zap_arg, "one"),
           "a line runs it with its words (%d call, %d words)", zap_calls, zap_argc);

    char *words[] = {"help"};
    int completes = 0, helps = 0;
    const char *c;
    for (size_t i = 0; (c = bl_complete(S, NULL, 0, i)); i++) completes += !strcmp(c, "zap");
    for (size_t i = 0; (c = bl_complete(S, words, 1, i)); i++) helps += !strcmp(c, "zap");
    tap_ok(completes == 1 && helps == 1, "completes as a command and after help");

    printed(out);
    bl_execute_line(S, "help zap");
    const char *h = printed(out);
    tap_ok(strstr(h, "usage: zap [WORD ...]") && strstr(h, "the help text of zap"),
           "help zap prints its usage and help");
    bl_execute_line(S, "help");
    h = printed(out);
    const char *z = strstr(h, "  zap "), *hp = strstr(h, "  help ");
    tap_ok(z && hp && z < hp && strstr(z, "a command registered from above cli"),
           "help lists it, with its summary, before help");

    size_t n1 = count();
    bl_command dup = cmd_zap;
    dup.name = "show";
    tap_ok(bl_command_register(&cmd_zap) == BL_EINVAL && bl_command_register(&dup) == BL_EINVAL
           && count() == n1, "a name already in the table is refused");

    static bl_command many[64];
    static char names[64][8];
    int added = 0;
    st = BL_OK;
    for (int k = 0; k < 64 && st == BL_OK; k++) {
        snprintf(names[k], sizeof names[k], "x%d", k);
        many[k] = cmd_zap;
        many[k].name = names[k];
        st = bl_command_register(&many[k]);
        added += st == BL_OK;
    }
    tap_ok(st == BL_EINVAL && added > 0 && count() == n1 + (size_t)added &&
           index_of("help") == (int)count() - 3 && bl_commands[count()] == NULL,
           "a full table refuses more (%d added) and keeps help, try, quit last", added);

    /* ---- the width ---- */
    tap_ok(bl_width_pick(80, 120, "200") == 80, "term.width wins over the terminal and $COLUMNS");
    tap_ok(bl_width_pick(0, 120, "200") == 120, "the terminal's width wins over $COLUMNS");
    tap_ok(bl_width_pick(0, 0, "72") == 72, "$COLUMNS when the output is no terminal");
    tap_ok(bl_width_pick(0, 0, NULL) == 0 && bl_width_pick(0, 0, "") == 0
           && bl_width_pick(0, 0, "abc") == 0 && bl_width_pick(0, 0, "-5") == 0
           && bl_width_pick(0, 0, "80x") == 0, "no limit without any (or a bad $COLUMNS)");
    tap_ok(bl_wide_pick(-1, 0) && bl_wide_pick(-1, 101) && !bl_wide_pick(-1, 100)
           && !bl_wide_pick(-1, 80), "auto: wide with no limit and above 100 columns only");
    tap_ok(bl_wide_pick(1, 80) && !bl_wide_pick(0, 0) && !bl_wide_pick(0, 200),
           "on is always wide, off never");
    unsetenv("COLUMNS");
    tap_ok(bl_session_width(S) == 0 && bl_session_wide(S), "a file: no limit, the wide form");
    bl_err e2 = {0};
    setenv("COLUMNS", "80", 1);
    tap_ok(bl_session_width(S) == 80 && !bl_session_wide(S), "COLUMNS=80: compact");
    unsetenv("COLUMNS");
    tap_ok(bl_session_set(S, BL_S_TERM_WIDTH, "90", &e2) == BL_OK && bl_session_width(S) == 90
           && !bl_session_wide(S), "set term.width 90: compact");
    tap_ok(bl_session_set(S, BL_S_TABLE_WIDE, "on", &e2) == BL_OK && bl_session_wide(S),
           "set table.wide on: wide at 90");
    tap_ok(bl_session_set(S, BL_S_TERM_WIDTH, "0", &e2) == BL_OK
           && bl_session_set(S, BL_S_TABLE_WIDE, "off", &e2) == BL_OK && !bl_session_wide(S)
           && bl_session_width(S) == 0, "table.wide off: compact even with no limit");
    printed(out);
    bl_out_wrap(out, "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu",
                6, 4, 20);
    const char *txt = printed(out);
    int okw = 1, col = 6, lines = 0;
    for (const char *c = txt; *c; c++) {
        if (*c == '\n') {
            lines++;
            col = 0;
        } else if (((unsigned char)*c & 0xC0) != 0x80 && ++col > 20) okw = 0;
    }
    char joined[256];
    size_t jl = 0;
    for (const char *c = txt; *c && jl + 1 < sizeof joined; c++)   /* words in order */
        if (!(*c == ' ' && (jl == 0 || joined[jl - 1] == ' ')) && *c != '\n') joined[jl++] = *c;
        else if (*c == '\n' && jl && joined[jl - 1] != ' ') joined[jl++] = ' ';
    while (jl && joined[jl - 1] == ' ') jl--;
    joined[jl] = 0;
    tap_ok(okw && lines >= 4 && !strcmp(joined, "alpha beta gamma delta epsilon zeta eta theta "
                                        "iota kappa lambda mu"),
           "bl_out_wrap: %d lines of at most 20 columns, the words kept (%s)", lines, txt);
    bl_out_wrap(out, "a|b|ccccccccccccccc|dddddddddddd", 0, 2, 12);
    txt = printed(out);
    tap_ok(!strcmp(txt, "a|b|\n  ccccccccccccccc|\n  dddddddddddd\n"),
           "choices break after '|', a word longer than the room stays whole (%s)", txt);
    bl_out_wrap(out, "no limit at all: one line", 50, 0, 0);
    tap_ok(!strcmp(printed(out), "no limit at all: one line\n"), "width 0: one line");
    double v[6] = {1.5, -2.25, 3.125, 4, 5, 6};
    char vb[256];
    bl_fmt_vec_fit(vb, sizeof vb, v, 6, 1, 6, 6, 24);
    tap_ok(bl_utf8_width(vb) <= 24 && !strncmp(vb, "[1.5, -2.25", 11) && strstr(vb, "(n=6)"),
           "a vector cut to 24 columns: %s", vb);
    bl_fmt_vec_fit(vb, sizeof vb, v, 6, 1, 6, 6, 0);
    tap_ok(!strcmp(vb, "[1.5, -2.25, 3.125, 4, 5, 6]"), "no limit: all six (%s)", vb);

    bl_session_free(S);
    fclose(out);
    fclose(err);
    return tap_done();
}
