/* test_args.c: the command-language words (args.c) and the JSON and
 * number formatting (output.c). */
#include "config.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "bl.h"
#include "command.h"
#include "output.h"
#include "fixtures.h"

static int streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* ---- splitting lines into commands ---------------------------------- */

static void test_split(void)
{
    char **c;
    size_t n;
    bl_err e = {0, ""};
    int rc;

    rc = bl_split_commands("run a; run b", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 2, "split: two commands (rc %d, n %zu)", rc, n);
    tap_ok(n == 2 && streq(c[0], "run a") && streq(c[1], "run b"),
           "split: commands trimmed");
    tap_ok(n == 2 && c[2] == NULL, "split: array is NULL-terminated");
    bl_words_free(c, n);

    rc = bl_split_commands("echo \"a;b#c\"; x # comment; y", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 2, "split: ; and # inside quotes kept (n %zu)", n);
    tap_ok(n == 2 && streq(c[0], "echo \"a;b#c\"") && streq(c[1], "x"),
           "split: quoted text intact, comment dropped");
    bl_words_free(c, n);

    rc = bl_split_commands("  ;; ;\t ", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 0, "split: empty commands skipped (n %zu)", n);
    bl_words_free(c, n);

    rc = bl_split_commands(NULL, &c, &n, &e);
    tap_ok(rc == BL_OK && n == 0, "split: NULL line gives no commands");
    bl_words_free(c, n);
    rc = bl_split_commands("", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 0, "split: empty line gives no commands");
    bl_words_free(c, n);

    rc = bl_split_commands("   # only a comment; with ; semicolons", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 0, "split: comment-only line (n %zu)", n);
    bl_words_free(c, n);

    rc = bl_split_commands("say \"a \\\" ; b\" ; c", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 2, "split: escaped quote does not end quotes");
    tap_ok(n == 2 && streq(c[0], "say \"a \\\" ; b\"") && streq(c[1], "c"),
           "split: backslash escape left for the tokenizer");
    bl_words_free(c, n);

    rc = bl_split_commands("a # x; y\nb", &c, &n, &e);
    tap_ok(rc == BL_OK && n == 2 && streq(c[0], "a") && streq(c[1], "b"),
           "split: comment runs to the end of the line only");
    bl_words_free(c, n);

    c = (char **)&e;   /* must be reset */
    n = 99;
    rc = bl_split_commands("echo \"abc; def", &c, &n, &e);
    tap_ok(rc == BL_EINVAL && e.code == BL_EINVAL, "split: unterminated quote");
    tap_ok(has(e.msg, "unterminated quote"), "split: message '%s'", e.msg);
    tap_ok(c == NULL && n == 0, "split: nothing handed out on error");

    rc = bl_split_commands("ok; \"bad \\\"", &c, &n, NULL);
    tap_ok(rc == BL_EINVAL && c == NULL,
           "split: quote ending in an escape is unterminated, NULL err ok");
}

/* ---- words ------------------------------------------------------------ */

static void test_tokenize(void)
{
    char **w;
    size_t n;
    bl_err e = {0, ""};
    int rc;

    rc = bl_args_tokenize("load path=\"a b.csv\"\tx=1 ", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 3, "tokenize: three words (n %zu)", n);
    tap_ok(n == 3 && streq(w[0], "load") && streq(w[1], "path=a b.csv") &&
               streq(w[2], "x=1"),
           "tokenize: quoted part of a word");
    bl_words_free(w, n);

    rc = bl_args_tokenize("say \"q\\\"uo\\\\te\"", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 2 && streq(w[1], "q\"uo\\te"),
           "tokenize: \\\" and \\\\ escapes (got '%s')", n == 2 ? w[1] : "");
    bl_words_free(w, n);

    rc = bl_args_tokenize("say \"a\\nb\" c\\d", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 3 && streq(w[1], "a\\nb") && streq(w[2], "c\\d"),
           "tokenize: other backslashes kept");
    bl_words_free(w, n);

    rc = bl_args_tokenize("a \"\" b", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 3 && streq(w[1], ""), "tokenize: \"\" is an empty word");
    bl_words_free(w, n);

    rc = bl_args_tokenize("\"a b\"\"c d\"e", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 1 && streq(w[0], "a bc de"),
           "tokenize: adjacent quoted parts join");
    bl_words_free(w, n);

    rc = bl_args_tokenize("  \t ", &w, &n, &e);
    tap_ok(rc == BL_OK && n == 0 && w != NULL && w[0] == NULL,
           "tokenize: blank gives no words");
    bl_words_free(w, n);

    rc = bl_args_tokenize("set x \"open", &w, &n, &e);
    tap_ok(rc == BL_EINVAL && w == NULL && n == 0, "tokenize: unterminated quote");
    tap_ok(has(e.msg, "unterminated quote") && has(e.msg, "'set x \"open'"),
           "tokenize: message '%s'", e.msg);

    /* the two stages together */
    char **c;
    size_t nc;
    rc = bl_split_commands("set label \"x;y # z\" ; run", &c, &nc, &e);
    rc |= bl_args_tokenize(nc > 0 ? c[0] : "", &w, &n, &e);
    tap_ok(rc == BL_OK && nc == 2 && n == 3 && streq(w[2], "x;y # z"),
           "split + tokenize keep ; and # inside quotes");
    bl_words_free(w, n);
    bl_words_free(c, nc);
}

/* ---- numbers ------------------------------------------------------------ */

static void test_double(void)
{
    bl_err e = {0, ""};
    double v;
    int rc;

    rc = bl_parse_double("1.5", "x", &v, &e);
    tap_ok(rc == BL_OK && v == 1.5, "double: 1.5");
    rc = bl_parse_double("-2e-3", "x", &v, &e);
    tap_ok(rc == BL_OK && v == -2e-3, "double: -2e-3");
    rc = bl_parse_double("inf", "x", &v, &e);
    tap_ok(rc == BL_OK && isinf(v) && v > 0, "double: inf");
    rc = bl_parse_double("+inf", "x", &v, &e);
    tap_ok(rc == BL_OK && isinf(v) && v > 0, "double: +inf");
    rc = bl_parse_double("-inf", "x", &v, &e);
    tap_ok(rc == BL_OK && isinf(v) && v < 0, "double: -inf");
    rc = bl_parse_double("infinity", "x", &v, &e);
    tap_ok(rc == BL_OK && isinf(v) && v > 0, "double: infinity");
    rc = bl_parse_double("1e-400", "x", &v, &e);
    tap_ok(rc == BL_OK && v >= 0 && v < 1e-300, "double: underflow is accepted");

    v = 7;
    rc = bl_parse_double("abc", "inner.tol", &v, &e);
    tap_ok(rc == BL_EINVAL && v == 7, "double: abc rejected, value untouched");
    tap_ok(streq(e.msg, "'abc' is not a number for inner.tol"), "double: message '%s'",
           e.msg);
    rc = bl_parse_double("abc", NULL, &v, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "'abc' is not a number"),
           "double: message without WHAT '%s'", e.msg);
    rc = bl_parse_double("nan", "tol", &v, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "nan is not allowed for tol"),
           "double: nan rejected '%s'", e.msg);
    rc = bl_parse_double("-NaN", "tol", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "nan is not allowed"), "double: -NaN rejected");
    rc = bl_parse_double("1e999", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "'1e999' is out of range for x"),
           "double: overflow '%s'", e.msg);
    rc = bl_parse_double("-1e999", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'-1e999'"), "double: negative overflow");
    rc = bl_parse_double("", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "''"), "double: empty string rejected");
    rc = bl_parse_double(" 1", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "' 1'"), "double: leading space rejected");
    rc = bl_parse_double("1 ", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'1 '"), "double: trailing space rejected");
    rc = bl_parse_double("1.5x", "x", &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'1.5x'"), "double: trailing junk rejected");
}

static void test_long(void)
{
    bl_err e = {0, ""};
    long v;
    int rc;

    rc = bl_parse_long("42", "n", 1, 100, &v, &e);
    tap_ok(rc == BL_OK && v == 42, "long: 42");
    rc = bl_parse_long("-5", "n", -10, 10, &v, &e);
    tap_ok(rc == BL_OK && v == -5, "long: -5");
    rc = bl_parse_long("1000", "n", 1, 1000, &v, &e);
    tap_ok(rc == BL_OK && v == 1000, "long: upper bound included");
    v = 3;
    rc = bl_parse_long("2.5", "n", 1, 100, &v, &e);
    tap_ok(rc == BL_EINVAL && v == 3 && streq(e.msg, "'2.5' is not an integer for n"),
           "long: 2.5 rejected '%s'", e.msg);
    rc = bl_parse_long("5000000", "n", 1, 1000, &v, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "n=5000000 is out of range [1, 1000]"),
           "long: out of range '%s'", e.msg);
    rc = bl_parse_long("0", "n", 1, 1000, &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "n=0"), "long: below range");
    rc = bl_parse_long("99999999999999999999999", "n", LONG_MIN, LONG_MAX, &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "99999999999999999999999"),
           "long: overflow '%s'", e.msg);
    rc = bl_parse_long("", "n", 0, 10, &v, &e);
    tap_ok(rc == BL_EINVAL, "long: empty rejected");
    rc = bl_parse_long(" 3", "n", 0, 10, &v, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "' 3'"), "long: leading space rejected");
    rc = bl_parse_long("0x10", "n", 0, 100, &v, &e);
    tap_ok(rc == BL_EINVAL, "long: base 10 only");
    rc = bl_parse_long("abc", NULL, 0, 10, &v, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "'abc' is not an integer"),
           "long: message without WHAT '%s'", e.msg);
}

static void test_doubles(void)
{
    bl_err e = {0, ""};
    double v[4];
    size_t n;
    int rc;

    rc = bl_parse_doubles("1,2.5,-3", "w", v, 4, &n, &e);
    tap_ok(rc == BL_OK && n == 3 && v[0] == 1 && v[1] == 2.5 && v[2] == -3,
           "doubles: 1,2.5,-3");
    rc = bl_parse_doubles("7", "w", v, 4, &n, &e);
    tap_ok(rc == BL_OK && n == 1 && v[0] == 7, "doubles: one value");
    rc = bl_parse_doubles("1, 2", "w", v, 4, &n, &e);
    tap_ok(rc == BL_OK && n == 2 && v[1] == 2, "doubles: space after comma");
    rc = bl_parse_doubles("1,2,3,4", "w", v, 4, &n, &e);
    tap_ok(rc == BL_OK && n == 4, "doubles: exactly max");
    rc = bl_parse_doubles("1,2,3,4,5", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "too many values for w (at most 4)"),
           "doubles: too many '%s'", e.msg);
    rc = bl_parse_doubles("1,,2", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL && n == 0 && has(e.msg, "'1,,2'"),
           "doubles: empty item '%s'", e.msg);
    rc = bl_parse_doubles("1,2,", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL, "doubles: trailing comma");
    rc = bl_parse_doubles("", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL, "doubles: empty string");
    rc = bl_parse_doubles("1,x", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "'x' is not a number for w"),
           "doubles: bad item '%s'", e.msg);
    rc = bl_parse_doubles("1,nan", "w", v, 4, &n, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "nan"), "doubles: nan item");
}

static void test_kv(void)
{
    char w1[] = "a=b", w2[] = "=b", w3[] = "ab", w4[] = "a=", w5[] = "a=b=c";
    char *k = NULL, *v = NULL;
    tap_ok(bl_split_kv(w1, &k, &v) == 1 && streq(k, "a") && streq(v, "b"),
           "kv: a=b");
    tap_ok(bl_split_kv(w2, &k, &v) == 0 && streq(w2, "=b"), "kv: =b is no pair");
    tap_ok(bl_split_kv(w3, &k, &v) == 0, "kv: ab is no pair");
    tap_ok(bl_split_kv(w4, &k, &v) == 1 && streq(k, "a") && streq(v, ""),
           "kv: a= has an empty value");
    tap_ok(bl_split_kv(w5, &k, &v) == 1 && streq(k, "a") && streq(v, "b=c"),
           "kv: splits at the first =");
}

/* ---- ranges --------------------------------------------------------- */

static void test_range(void)
{
    bl_err e = {0, ""};
    bl_range r;
    int rc;

    rc = bl_parse_range("0:1:5", "x", &r, &e);
    tap_ok(rc == BL_OK && r.lo == 0 && r.hi == 1 && r.n == 5 && !r.logscale,
           "range: 0:1:5 parsed");
    tap_ok(bl_range_value(&r, 0) == 0 && bl_range_value(&r, 1) == 0.25 &&
               bl_range_value(&r, 2) == 0.5 && bl_range_value(&r, 4) == 1,
           "range: linear points");

    rc = bl_parse_range("0.1:0.7:7", "x", &r, &e);
    tap_ok(rc == BL_OK && bl_range_value(&r, 0) == 0.1 && bl_range_value(&r, 6) == 0.7,
           "range: linear endpoints exact (%.17g)", bl_range_value(&r, 6));
    tap_close(bl_range_value(&r, 3), 0.4, 1e-15, "range: linear midpoint");

    rc = bl_parse_range("1e-3:1e3:7:log", "x", &r, &e);
    tap_ok(rc == BL_OK && r.logscale && r.n == 7, "range: log parsed");
    tap_ok(bl_range_value(&r, 0) == 1e-3 && bl_range_value(&r, 6) == 1e3,
           "range: log endpoints exact");
    tap_close(bl_range_value(&r, 1), 1e-2, 1e-13, "range: log second point");
    tap_close(bl_range_value(&r, 3), 1, 1e-13, "range: log midpoint");

    rc = bl_parse_range("0.3:0.7:3:log", "x", &r, &e);
    tap_ok(rc == BL_OK && bl_range_value(&r, 0) == 0.3 && bl_range_value(&r, 2) == 0.7,
           "range: log endpoints exact for 0.3:0.7");

    rc = bl_parse_range("5:1:5", "x", &r, &e);
    tap_ok(rc == BL_OK && bl_range_value(&r, 0) == 5 && bl_range_value(&r, 1) == 4 &&
               bl_range_value(&r, 4) == 1,
           "range: descending");
    rc = bl_parse_range("100:1:3:log", "x", &r, &e);
    tap_ok(rc == BL_OK && bl_range_value(&r, 0) == 100 && bl_range_value(&r, 2) == 1,
           "range: descending log");
    tap_close(bl_range_value(&r, 1), 10, 1e-14, "range: descending log midpoint");

    rc = bl_parse_range("3:7:1", "x", &r, &e);
    tap_ok(rc == BL_OK && r.n == 1 && bl_range_value(&r, 0) == 3 &&
               bl_range_value(&r, 5) == 3,
           "range: n=1 gives lo");
    rc = bl_parse_range("-1e308:1e308:3", NULL, &r, &e);
    tap_ok(rc == BL_OK && bl_range_value(&r, 1) == 0, "range: wide ends do not overflow");

    rc = bl_parse_range("1:2", "x", &r, &e);
    tap_ok(rc == BL_EINVAL &&
               streq(e.msg, "'1:2' is not a range for x (expected lo:hi:n or lo:hi:n:log)"),
           "range: two fields '%s'", e.msg);
    rc = bl_parse_range("1:2:3:lin", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'1:2:3:lin'"), "range: 4th field not log");
    rc = bl_parse_range("1:2:3:log:x", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'1:2:3:log:x'"), "range: five fields");
    rc = bl_parse_range("0:1:5:log", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "log spacing needs positive ends for x"),
           "range: log with zero end '%s'", e.msg);
    rc = bl_parse_range("-1:-2:3:log", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "positive"), "range: log with negative ends");
    rc = bl_parse_range("1:2:0", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'0'"), "range: n=0 '%s'", e.msg);
    rc = bl_parse_range("1:2:2.5", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "'2.5'"), "range: fractional n '%s'", e.msg);
    rc = bl_parse_range("a:2:3", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && streq(e.msg, "'a' is not a number for x"),
           "range: bad lo '%s'", e.msg);
    rc = bl_parse_range("inf:2:3", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "finite"), "range: infinite end '%s'", e.msg);
    rc = bl_parse_range("1:nan:3", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "nan"), "range: nan end");
    rc = bl_parse_range("", "x", &r, &e);
    tap_ok(rc == BL_EINVAL && has(e.msg, "not a range"), "range: empty");
    rc = bl_parse_range("::3", "x", &r, &e);
    tap_ok(rc == BL_EINVAL, "range: empty ends");
}

/* ---- names ---------------------------------------------------------- */

static void test_names(void)
{
    static const char *const names[] = {"hypergrad", "help", "hyper", "run",
                                        "set", "settings"};
    const size_t nn = sizeof names / sizeof names[0];

    bl_err e = {0, ""};
    tap_ok(bl_lookup("run", names, nn, "command", NULL, NULL) == 3, "lookup: exact");
    tap_ok(bl_lookup("ru", names, nn, "command", NULL, NULL) == 3, "lookup: unique prefix");
    tap_ok(bl_lookup("hyper", names, nn, "command", NULL, NULL) == 2,
           "lookup: exact wins over being a prefix of another");
    tap_ok(bl_lookup("set", names, nn, "command", NULL, NULL) == 4,
           "lookup: exact set vs settings");
    tap_ok(bl_lookup("sett", names, nn, "command", NULL, NULL) == 5, "lookup: sett -> settings");
    tap_ok(bl_lookup("hy", names, nn, "command", NULL, &e) == BL_LOOKUP_AMBIGUOUS
           && streq(e.msg, "ambiguous command 'hy' (could be hypergrad, hyper)"),
           "lookup: ambiguous, the candidates in table order: %s", e.msg);
    tap_ok(bl_lookup("h", names, nn, "command", NULL, &e) == BL_LOOKUP_AMBIGUOUS
           && streq(e.msg, "ambiguous command 'h' (could be hypergrad, help, hyper)"),
           "lookup: ambiguous h: %s", e.msg);
    tap_ok(bl_lookup("zz", names, nn, "command", NULL, &e) == BL_LOOKUP_UNKNOWN
           && streq(e.msg, "unknown command 'zz' (choose hypergrad|help|hyper|run|set|settings)"),
           "lookup: none, the names listed without a hint: %s", e.msg);
    tap_ok(bl_lookup("zz", names, nn, "command", "type 'help' for the list", &e) == -1
           && streq(e.msg, "unknown command 'zz' (type 'help' for the list)"),
           "lookup: none, the hint in place of the list: %s", e.msg);
    tap_ok(bl_lookup("hypergradx", names, nn, "command", "see help", &e) == -1
           && streq(e.msg, "unknown command 'hypergradx' (did you mean 'hypergrad'?)"),
           "lookup: longer than the name: unknown, with a suggestion (no hint): %s", e.msg);
    tap_ok(bl_lookup("rn", names, nn, "command", NULL, &e) == -1
           && streq(e.msg, "unknown command 'rn' (did you mean 'run'? choose "
                    "hypergrad|help|hyper|run|set|settings)"),
           "lookup: a suggestion and the list: %s", e.msg);
    tap_ok(bl_lookup("", names, nn, "command", NULL, &e) == -1 && has(e.msg, "unknown command ''"),
           "lookup: an empty word is unknown, not ambiguous: %s", e.msg);
    tap_ok(bl_lookup(NULL, names, nn, NULL, NULL, &e) == -1
           && streq(e.msg, "unknown '' (choose hypergrad|help|hyper|run|set|settings)"),
           "lookup: NULL word, no WHAT: %s", e.msg);
    tap_ok(bl_lookup("se", names, nn, "", NULL, &e) == BL_LOOKUP_AMBIGUOUS
           && streq(e.msg, "ambiguous 'se' (could be set, settings)"),
           "lookup: empty WHAT: %s", e.msg);
    tap_ok(bl_lookup("x", names, 0, "command", NULL, NULL) == -1, "lookup: an empty table");

    tap_ok(bl_edit_distance("kitten", "sitting") == 3, "edit: kitten/sitting");
    tap_ok(bl_edit_distance("flaw", "lawn") == 2, "edit: flaw/lawn");
    tap_ok(bl_edit_distance("", "abc") == 3 && bl_edit_distance("abc", "") == 3,
           "edit: against empty");
    tap_ok(bl_edit_distance("same", "same") == 0, "edit: equal");
    char a[101], b[101];
    memset(a, 'a', 100);
    a[100] = '\0';
    memcpy(b, a, sizeof a);
    b[50] = 'b';
    tap_ok(bl_edit_distance(a, b) == 1 && bl_edit_distance(a, b + 1) == 2,
           "edit: long strings");

    tap_ok(streq(bl_closest("hypergard", names, nn), "hypergrad"),
           "closest: hypergard -> hypergrad");
    tap_ok(bl_closest("xyzzy", names, nn) == NULL, "closest: xyzzy -> none");
    tap_ok(streq(bl_closest("setings", names, nn), "settings"),
           "closest: setings -> settings");
    tap_ok(streq(bl_closest("rn", names, nn), "run"), "closest: rn -> run");
    tap_ok(streq(bl_closest("settingsx", names, nn), "settings"),
           "closest: one letter too many");
    tap_ok(bl_closest("", names, nn) == NULL, "closest: empty word");
}

/* ---- JSON ----------------------------------------------------------- */

typedef struct memout {
    FILE *f;
    char *buf;
    size_t size;
} memout;

static FILE *mem_open(memout *m)
{
    m->buf = NULL;
    m->size = 0;
    m->f = open_memstream(&m->buf, &m->size);
    return m->f;
}

/* Closes the stream, compares with WANT, frees. */
static void mem_check(memout *m, const char *want, const char *what)
{
    fclose(m->f);
    int ok = streq(m->buf, want);
    tap_ok(ok, "%s", what);
    if (!ok) tap_diag("got  %s# want %s", m->buf ? m->buf : "(null)\n", want);
    free(m->buf);
}

static void test_json(void)
{
    memout m;
    bl_json j;

    mem_open(&m);
    bl_json_begin(&j, m.f, "run");
    bl_json_num(&j, "x", 1.5);
    bl_json_int(&j, "k", -3);
    bl_json_bool(&j, "ok", 1);
    bl_json_bool(&j, "bad", 0);
    bl_json_null(&j, "z");
    bl_json_str(&j, "s", "hi");
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"run\",\"x\":1.5,\"k\":-3,\"ok\":true,\"bad\":false,"
                  "\"z\":null,\"s\":\"hi\"}\n",
              "json: flat object");

    mem_open(&m);
    bl_json_begin(&j, m.f, "empty");
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"empty\"}\n", "json: cmd only");

    double v4[] = {1, 2, 3, 4};
    mem_open(&m);
    bl_json_begin(&j, m.f, "sweep");
    bl_json_arr_begin(&j, "pts");
    bl_json_obj_begin(&j, NULL);
    bl_json_num(&j, "a", 1);
    bl_json_vec(&j, "v", v4, 2, 2);
    bl_json_obj_end(&j);
    bl_json_obj_begin(&j, NULL);
    bl_json_obj_end(&j);
    bl_json_arr_end(&j);
    bl_json_arr_begin(&j, "empty");
    bl_json_arr_end(&j);
    bl_json_obj_begin(&j, "o");
    bl_json_arr_begin(&j, "nested");
    bl_json_num(&j, NULL, 1);
    bl_json_arr_begin(&j, NULL);
    bl_json_arr_end(&j);
    bl_json_vec(&j, NULL, v4, 0, 1);
    bl_json_arr_end(&j);
    bl_json_obj_end(&j);
    bl_json_int(&j, "n", 2);
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"sweep\",\"pts\":[{\"a\":1,\"v\":[1,3]},{}],"
                  "\"empty\":[],\"o\":{\"nested\":[1,[],[]]},\"n\":2}\n",
              "json: nested arrays and objects");

    double bad[] = {1, NAN, INFINITY};
    mem_open(&m);
    bl_json_begin(&j, m.f, "x");
    bl_json_num(&j, "a", NAN);
    bl_json_num(&j, "b", INFINITY);
    bl_json_num(&j, "c", -INFINITY);
    bl_json_vec(&j, "v", bad, 3, 1);
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"x\",\"a\":null,\"b\":null,\"c\":null,\"v\":[1,null,null]}\n",
              "json: NaN and Inf become null");

    mem_open(&m);
    bl_json_begin(&j, m.f, "we\"ird");
    bl_json_str(&j, "k\\ey", "q\"b\\n\n t\t r\r b\b f\f \x01 \x1f \x7f \xc3\xa9");
    bl_json_str(&j, "nul", NULL);
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"we\\\"ird\",\"k\\\\ey\":\"q\\\"b\\\\n\\n t\\t r\\r b\\b "
                  "f\\f \\u0001 \\u001f \x7f \xc3\xa9\",\"nul\":null}\n",
              "json: string escapes, UTF-8 passed through");

    mem_open(&m);
    bl_json_write_string(m.f, "a\"b");
    mem_check(&m, "\"a\\\"b\"", "json: write_string alone");

    mem_open(&m);
    bl_json_begin(&j, m.f, "ints");
    bl_json_int(&j, "min", LLONG_MIN);
    bl_json_int(&j, "max", LLONG_MAX);
    bl_json_num(&j, "negz", -0.0);
    bl_json_num(&j, "big", 1e300);
    bl_json_end(&j);
    bl_json_begin(&j, m.f, "again");
    bl_json_end(&j);
    mem_check(&m, "{\"cmd\":\"ints\",\"min\":-9223372036854775808,"
                  "\"max\":9223372036854775807,\"negz\":-0,"
                  "\"big\":1.0000000000000001e+300}\n{\"cmd\":\"again\"}\n",
              "json: integers, -0, big numbers, writer reused");

    /* %.17g round trip, bit for bit */
    const double tricky[] = {0.1, 1.0 / 3, 1e-300, -2.5e300, 0.1 + 0.2,
                             5e-324, DBL_MAX, -DBL_MIN};
    for (size_t i = 0; i < sizeof tricky / sizeof tricky[0]; i++) {
        mem_open(&m);
        bl_json_begin(&j, m.f, "r");
        bl_json_num(&j, "v", tricky[i]);
        bl_json_end(&j);
        fclose(m.f);
        const char *p = m.buf ? strstr(m.buf, "\"v\":") : NULL;
        char *end = NULL;
        double back = p ? strtod(p + 4, &end) : 0;
        tap_ok(p && end && streq(end, "}\n") &&
                   memcmp(&back, &tricky[i], sizeof back) == 0,
               "json: %.17g round-trips bit-exact", tricky[i]);
        free(m.buf);
    }
}

/* ---- readable formatting ------------------------------------------- */

static void test_fmt(void)
{
    char buf[128];

    tap_ok(streq(bl_out_fmt(buf, sizeof buf, 1.0 / 3, 4), "0.3333"), "fmt: 1/3 4 digits");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, -0.0, 6), "0"), "fmt: -0 printed as 0");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, NAN, 6), "nan"), "fmt: nan");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, INFINITY, 6), "inf"), "fmt: inf");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, -INFINITY, 6), "-inf"), "fmt: -inf");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, 1e6, 3), "1e+06"), "fmt: 1e6 3 digits");
    tap_ok(streq(bl_out_fmt(buf, sizeof buf, -12345, 6), "-12345"), "fmt: -12345");
    tap_ok(bl_out_fmt(buf, 4, 123456.0, 6) == buf && streq(buf, "123"),
           "fmt: truncates to the buffer");

    double v[123];
    for (size_t i = 0; i < 123; i++) v[i] = (double)i;
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v + 1, 3, 1, 6, 10), "[1, 2, 3]"),
           "fmt_vec: short vector");
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v, 0, 1, 6, 10), "[]"), "fmt_vec: empty");
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v, 123, 1, 6, 3),
                 "[0, 1, 2, \xe2\x80\xa6 (n=123)]"),
           "fmt_vec: long vector elided ('%s')", buf);
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v, 3, 1, 6, 3), "[0, 1, 2]"),
           "fmt_vec: exactly maxshow is not elided");
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v, 3, 10, 6, 10), "[0, 10, 20]"),
           "fmt_vec: stride");
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, v, 2, 1, 6, 0), "[\xe2\x80\xa6 (n=2)]"),
           "fmt_vec: maxshow 0");
    double w[] = {NAN, -INFINITY, -0.0, 1.0 / 3};
    tap_ok(streq(bl_fmt_vec(buf, sizeof buf, w, 4, 1, 3, 10), "[nan, -inf, 0, 0.333]"),
           "fmt_vec: non-finite and digits ('%s')", buf);
    tap_ok(streq(bl_fmt_vec(buf, 5, v + 1, 3, 1, 6, 10), "[1, "),
           "fmt_vec: truncates to the buffer ('%s')", buf);
}

/* ---- try: lookup and completion (command.c) -------------------------- */

/* Whether completing the words W (N of them) offers CAND. */
static int offers(char **w, size_t n, const char *cand)
{
    const char *c;
    for (size_t i = 0; (c = bl_complete(NULL, w, n, i)) != NULL; i++)
        if (strcmp(c, cand) == 0) return 1;
    return 0;
}

static void test_try(void)
{
    bl_err e = {0, ""};
    char *w0[] = {"try"}, *w1[] = {"try", "solve"}, *w2[] = {"solve"};
    tap_ok(bl_command_find("try", &e) == &bl_cmd_try, "try is a command");
    tap_ok(bl_command_find("tr", &e) == &bl_cmd_trace, "tr is still trace (try needs its "
           "whole name)");
    tap_ok(offers(NULL, 0, "try"), "completion offers try as a command");
    tap_ok(offers(w0, 1, "solve") && offers(w0, 1, "hypergrad"),
           "after try, completion offers the commands");
    tap_ok(offers(w1, 2, "inner") && offers(w2, 1, "inner"),
           "try solve completes as solve does");
}

int main(void)
{
    test_split();
    test_tokenize();
    test_double();
    test_long();
    test_doubles();
    test_kv();
    test_range();
    test_names();
    test_json();
    test_fmt();
    test_try();
    return tap_done();
}
