/* args.c: the words of the command language: commands and words, numbers,
 * key=value, ranges (names are looked up by bl_lookup, bl.c). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"


static char *dup_range(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (!p) return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

/* " for WHAT" or "" when WHAT is NULL, for the error messages. */
static const char *for_pre(const char *what) { return what ? " for " : ""; }
static const char *for_what(const char *what) { return what ? what : ""; }

/* A growing NULL-terminated array of malloc'd strings. */
typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *sv, const char *s, size_t len)
{
    if (sv->n + 2 > sv->cap) {
        size_t cap = sv->cap ? 2 * sv->cap : 8;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (!v) return BL_ENOMEM;
        sv->v = v;
        sv->cap = cap;
    }
    char *p = dup_range(s, len);
    if (!p) return BL_ENOMEM;
    sv->v[sv->n++] = p;
    sv->v[sv->n] = NULL;
    return BL_OK;
}

/* Hands the array out (never NULL on success: at least the terminator). */
static int strvec_finish(strvec *sv, char ***out, size_t *n)
{
    if (!sv->v) {
        sv->v = malloc(sizeof *sv->v);
        if (!sv->v) return BL_ENOMEM;
        sv->v[0] = NULL;
    }
    *out = sv->v;
    *n = sv->n;
    return BL_OK;
}

void bl_words_free(char **words, size_t n)
{
    if (!words) return;
    for (size_t i = 0; i < n; i++) free(words[i]);
    free(words);
}

static int push_trimmed(strvec *sv, const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1])) len--;
    if (len == 0) return BL_OK;
    return strvec_push(sv, s, len);
}

/* The error of a quote left open in TEXT, which is quoted without the
 * line end a script line comes with (the message sink escapes the rest). */
static void unterminated(bl_err *e, const char *text)
{
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char)text[n - 1])) n--;
    bl_err_set(e, BL_EINVAL, "unterminated quote in '%.*s'", (int)(n < 400 ? n : 400), text);
}

int bl_split_commands(const char *line, char ***cmds, size_t *n, bl_err *e)
{
    strvec sv = {NULL, 0, 0};
    int rc = BL_OK;
    *cmds = NULL;
    *n = 0;
    if (!line) line = "";

    const char *start = line, *p = line;
    int inq = 0;
    while (*p) {
        char c = *p;
        if (inq) {
            if (c == '\\' && p[1]) {
                p += 2;                 /* keep the escape for the tokenizer */
                continue;
            }
            if (c == '"') inq = 0;
            p++;
        } else if (c == '"') {
            inq = 1;
            p++;
        } else if (c == ';') {
            rc = push_trimmed(&sv, start, (size_t)(p - start));
            if (rc) goto fail;
            start = ++p;
        } else if (c == '#') {
            /* the comment runs to the end of the line */
            rc = push_trimmed(&sv, start, (size_t)(p - start));
            if (rc) goto fail;
            while (*p && *p != '\n') p++;
            start = p;
        } else {
            p++;
        }
    }
    if (inq) {
        unterminated(e, line);
        rc = BL_EINVAL;
        goto fail;
    }
    rc = push_trimmed(&sv, start, (size_t)(p - start));
    if (rc) goto fail;
    rc = strvec_finish(&sv, cmds, n);
    if (rc) goto fail;
    return BL_OK;

fail:
    if (rc == BL_ENOMEM) bl_err_set(e, BL_ENOMEM, "out of memory");
    bl_words_free(sv.v, sv.n);
    return rc;
}

int bl_args_tokenize(const char *cmd, char ***words, size_t *n, bl_err *e)
{
    strvec sv = {NULL, 0, 0};
    int rc = BL_OK;
    char *buf = NULL;
    *words = NULL;
    *n = 0;
    if (!cmd) cmd = "";

    buf = malloc(strlen(cmd) + 1);
    if (!buf) {
        rc = BL_ENOMEM;
        goto fail;
    }
    const char *p = cmd;
    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;
        size_t len = 0;
        int inq = 0;
        while (*p && (inq || !isspace((unsigned char)*p))) {
            char c = *p++;
            if (inq) {
                if (c == '"') {
                    inq = 0;
                } else if (c == '\\' && (*p == '"' || *p == '\\')) {
                    buf[len++] = *p++;
                } else {
                    buf[len++] = c;
                }
            } else if (c == '"') {
                inq = 1;
            } else {
                buf[len++] = c;
            }
        }
        if (inq) {
            unterminated(e, cmd);
            rc = BL_EINVAL;
            goto fail;
        }
        rc = strvec_push(&sv, buf, len);
        if (rc) goto fail;
    }
    rc = strvec_finish(&sv, words, n);
    if (rc) goto fail;
    free(buf);
    return BL_OK;

fail:
    if (rc == BL_ENOMEM) bl_err_set(e, BL_ENOMEM, "out of memory");
    free(buf);
    bl_words_free(sv.v, sv.n);
    return rc;
}

char *bl_quote_word(const char *s)
{
    size_t n = 3;
    for (const char *p = s; *p; p++) n += (*p == '"' || *p == '\\') ? 2 : 1;
    char *q = malloc(n), *o = q;
    if (!q) return NULL;
    *o++ = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') *o++ = '\\';
        *o++ = *p;
    }
    *o++ = '"';
    *o = '\0';
    return q;
}

int bl_parse_double(const char *s, const char *what, double *v, bl_err *e)
{
    if (!s) s = "";
    if (!*s || isspace((unsigned char)*s)) {
        bl_err_set(e, BL_EINVAL, "'%s' is not a number%s%s", s,
                   for_pre(what), for_what(what));
        return BL_EINVAL;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end) {
        bl_err_set(e, BL_EINVAL, "'%s' is not a number%s%s", s,
                   for_pre(what), for_what(what));
        return BL_EINVAL;
    }
    if (isnan(x)) {
        bl_err_set(e, BL_EINVAL, "nan is not allowed%s%s", for_pre(what),
                   for_what(what));
        return BL_EINVAL;
    }
    /* ERANGE on underflow gives a tiny or zero value, which is fine; an
     * overflow gives ±HUGE_VAL from a string that did not say inf. */
    if (errno == ERANGE && isinf(x)) {
        bl_err_set(e, BL_EINVAL, "'%s' is out of range%s%s", s, for_pre(what),
                   for_what(what));
        return BL_EINVAL;
    }
    *v = x;
    return BL_OK;
}

int bl_parse_long(const char *s, const char *what, long lo, long hi, long *v,
                  bl_err *e)
{
    if (!s) s = "";
    char *end = NULL;
    long x = 0;
    int bad = !*s || isspace((unsigned char)*s), range = 0;
    if (!bad) {
        errno = 0;
        x = strtol(s, &end, 10);
        range = errno == ERANGE;
        bad = end == s || *end;
    }
    if (bad && *s && !isspace((unsigned char)*s)
        && strspn(s, "0123456789+-.eE") == strlen(s)) {
        /* an integer written as a decimal number, 1e8 or 2.0, as the
         * ranges are printed */
        errno = 0;
        double y = strtod(s, &end);
        if (end != s && !*end && isfinite(y) && y == floor(y)) {
            bad = 0;
            range = !(y >= (double)LONG_MIN && y < -(double)LONG_MIN);
            x = range ? 0 : (long)y;
        }
    }
    if (bad) {
        bl_err_set(e, BL_EINVAL, "'%s' is not an integer%s%s", s,
                   for_pre(what), for_what(what));
        return BL_EINVAL;
    }
    if (range || x < lo || x > hi) {
        char a[32], b[32];
        bl_fmt_limit(a, sizeof a, (double)lo);
        bl_fmt_limit(b, sizeof b, (double)hi);
        if (what)
            bl_err_set(e, BL_EINVAL, "%s=%s is out of range [%s, %s]", what, s, a, b);
        else
            bl_err_set(e, BL_EINVAL, "'%s' is out of range [%s, %s]", s, a, b);
        return BL_EINVAL;
    }
    *v = x;
    return BL_OK;
}

int bl_parse_doubles(const char *s, const char *what, double *v, size_t max,
                     size_t *n, bl_err *e)
{
    *n = 0;
    if (!s) s = "";
    size_t count = 1;
    for (const char *p = s; *p; p++)
        if (*p == ',') count++;
    if (count > max) {
        bl_err_set(e, BL_EINVAL, "too many values%s%s (at most %zu)",
                   for_pre(what), for_what(what), max);
        return BL_EINVAL;
    }
    char *copy = dup_range(s, strlen(s));
    if (!copy) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    size_t k = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = '\0';
        /* white space around an item is allowed: "1, 2" */
        while (isspace((unsigned char)*item)) item++;
        size_t len = strlen(item);
        while (len > 0 && isspace((unsigned char)item[len - 1])) item[--len] = '\0';
        if (len == 0) {
            bl_err_set(e, BL_EINVAL, "empty value in '%s'%s%s", s,
                       for_pre(what), for_what(what));
            free(copy);
            return BL_EINVAL;
        }
        int rc = bl_parse_double(item, what, &v[k], e);
        if (rc) {
            free(copy);
            return rc;
        }
        k++;
        if (!comma) break;
        item = comma + 1;
    }
    free(copy);
    *n = k;
    return BL_OK;
}

int bl_split_kv(char *word, char **key, char **val)
{
    if (!word) return 0;
    char *eq = strchr(word, '=');
    if (!eq || eq == word) return 0;
    *eq = '\0';
    *key = word;
    *val = eq + 1;
    return 1;
}

int bl_parse_range(const char *s, const char *what, bl_range *r, bl_err *e)
{
    if (!s) s = "";
    char *copy = dup_range(s, strlen(s));
    if (!copy) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    char *field[5];
    size_t nf = 0;
    char *p = copy;
    for (;;) {
        if (nf < 5) field[nf] = p;
        nf++;
        char *colon = strchr(p, ':');
        if (!colon) break;
        *colon = '\0';
        p = colon + 1;
    }
    int rc = BL_OK;
    if (nf < 3 || nf > 4 || (nf == 4 && strcmp(field[3], "log") != 0)) {
        bl_err_set(e, BL_EINVAL,
                   "'%s' is not a range%s%s (expected lo:hi:n or lo:hi:n:log)",
                   s, for_pre(what), for_what(what));
        rc = BL_EINVAL;
        goto done;
    }
    bl_range out;
    out.logscale = nf == 4;
    rc = bl_parse_double(field[0], what, &out.lo, e);
    if (rc) goto done;
    rc = bl_parse_double(field[1], what, &out.hi, e);
    if (rc) goto done;
    if (!isfinite(out.lo) || !isfinite(out.hi)) {
        bl_err_set(e, BL_EINVAL, "range '%s' needs finite ends%s%s", s,
                   for_pre(what), for_what(what));
        rc = BL_EINVAL;
        goto done;
    }
    long np;
    if (bl_parse_long(field[2], NULL, 1, BL_RANGE_MAXN, &np, NULL) != BL_OK) {
        char mx[32];
        bl_err_set(e, BL_EINVAL,
                   "'%s' is not a valid number of points%s%s (expected an "
                   "integer from 1 to %s)",
                   field[2], for_pre(what), for_what(what),
                   bl_fmt_limit(mx, sizeof mx, (double)BL_RANGE_MAXN));
        rc = BL_EINVAL;
        goto done;
    }
    out.n = (size_t)np;
    if (out.logscale && !(out.lo > 0 && out.hi > 0)) {
        bl_err_set(e, BL_EINVAL, "log spacing needs positive ends%s%s",
                   for_pre(what), for_what(what));
        rc = BL_EINVAL;
        goto done;
    }
    *r = out;
done:
    free(copy);
    return rc;
}

double bl_range_value(const bl_range *r, size_t i)
{
    if (r->n <= 1 || i == 0) return r->lo;
    if (i >= r->n - 1) return r->hi;
    double t = (double)i / (double)(r->n - 1);
    if (r->logscale) {
        double a = log(r->lo), b = log(r->hi);
        return exp(a + (b - a) * t);
    }
    double x = r->lo + (r->hi - r->lo) * t;
    if (!isfinite(x)) x = r->lo * (1 - t) + r->hi * t;   /* hi - lo overflowed */
    return x;
}
