/* output.c: JSON lines and readable number formatting. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "session.h"

#define JSON_MAXLEVEL ((int)(sizeof ((bl_json *)0)->first / sizeof(int)) - 1)

/* The slot of the current level (nesting deeper than the table shares the
 * last slot: commas may then be wrong, memory stays safe). */
static int *json_first(bl_json *j)
{
    int d = j->depth;
    if (d < 0) d = 0;
    if (d > JSON_MAXLEVEL) d = JSON_MAXLEVEL;
    return &j->first[d];
}

/* The comma before a member and its "key": part. */
static void json_member(bl_json *j, const char *key)
{
    int *first = json_first(j);
    if (!*first) fputc(',', j->f);
    *first = 0;
    if (key) {
        bl_json_write_string(j->f, key);
        fputc(':', j->f);
    }
}

static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

void bl_json_write_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", (unsigned)*p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

void bl_json_begin(bl_json *j, FILE *f, const char *cmd)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->depth = 0;
    j->first[0] = 1;
    fputc('{', f);
    if (cmd) bl_json_str(j, "cmd", cmd);
}

void bl_json_end(bl_json *j)
{
    fputs("}\n", j->f);
    j->depth = 0;
    j->first[0] = 1;
}

void bl_json_num(bl_json *j, const char *key, double v)
{
    json_member(j, key);
    json_number(j->f, v);
}

void bl_json_int(bl_json *j, const char *key, long long v)
{
    json_member(j, key);
    fprintf(j->f, "%lld", v);
}

void bl_json_bool(bl_json *j, const char *key, int v)
{
    json_member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void bl_json_null(bl_json *j, const char *key)
{
    json_member(j, key);
    fputs("null", j->f);
}

void bl_json_str(bl_json *j, const char *key, const char *s)
{
    json_member(j, key);
    bl_json_write_string(j->f, s);
}

void bl_json_vec(bl_json *j, const char *key, const double *v, size_t n,
                 size_t stride)
{
    json_member(j, key);
    fputc('[', j->f);
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(',', j->f);
        json_number(j->f, v[i * stride]);
    }
    fputc(']', j->f);
}

static void json_open(bl_json *j, const char *key, int c)
{
    json_member(j, key);
    fputc(c, j->f);
    j->depth++;
    *json_first(j) = 1;
}

static void json_close(bl_json *j, int c)
{
    fputc(c, j->f);
    if (j->depth > 0) j->depth--;
}

void bl_json_obj_begin(bl_json *j, const char *key) { json_open(j, key, '{'); }
void bl_json_obj_end(bl_json *j) { json_close(j, '}'); }
void bl_json_arr_begin(bl_json *j, const char *key) { json_open(j, key, '['); }
void bl_json_arr_end(bl_json *j) { json_close(j, ']'); }

char *bl_fmt(char *buf, size_t len, double v, int digits)
{
    if (!buf || len == 0) return buf;
    if (isnan(v))
        snprintf(buf, len, "nan");
    else if (isinf(v))
        snprintf(buf, len, "%s", v < 0 ? "-inf" : "inf");
    else
        snprintf(buf, len, "%.*g", digits, v == 0 ? 0.0 : v);
    return buf;
}

/* Appends to BUF (size LEN) at *POS, truncating safely. */
static void fmt_append(char *buf, size_t len, size_t *pos, const char *s)
{
    size_t k = strlen(s);
    if (*pos + 1 >= len) return;
    size_t room = len - 1 - *pos;
    if (k > room) k = room;
    memcpy(buf + *pos, s, k);
    *pos += k;
    buf[*pos] = '\0';
}

char *bl_fmt_vec(char *buf, size_t len, const double *v, size_t n,
                 size_t stride, int digits, size_t maxshow)
{
    if (!buf || len == 0) return buf;
    size_t pos = 0;
    char num[512];
    buf[0] = '\0';
    fmt_append(buf, len, &pos, "[");
    size_t show = n < maxshow ? n : maxshow;
    for (size_t i = 0; i < show; i++) {
        if (i) fmt_append(buf, len, &pos, ", ");
        fmt_append(buf, len, &pos, bl_fmt(num, sizeof num, v[i * stride], digits));
    }
    if (n > show) {
        snprintf(num, sizeof num, "%s\xe2\x80\xa6 (n=%zu)", show ? ", " : "", n);
        fmt_append(buf, len, &pos, num);
    }
    fmt_append(buf, len, &pos, "]");
    return buf;
}

int bl_utf8_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

void bl_pad(FILE *f, const char *s, int width)
{
    fputs(s, f);
    if (width <= 0) return;
    for (int w = bl_utf8_width(s); w < width; w++) fputc(' ', f);
    fputc(' ', f);
}

void bl_msg_write(FILE *f, const bl_msg *m)
{
    switch (m->kind) {
    case BL_MSG_RESULT:
        break;
    case BL_MSG_NOTE:
        fputs("note: ", f);
        if (m->flags & BL_MSG_TRIED) fprintf(f, "%s failed (try): ", m->cmd ? m->cmd : "");
        break;
    case BL_MSG_WARNING:
    case BL_MSG_ERROR:
        fputs("bilab: ", f);
        if (m->cmd) fprintf(f, "%s: ", m->cmd);
        if (m->kind == BL_MSG_WARNING) fputs("warning: ", f);
        break;
    }
    fprintf(f, "%s\n", m->text);
}

void bl_warn_inner(bl_session *S, const char *cmd, size_t nfail, size_t n,
                   const char *unit, double worst, const char *rname, double tol,
                   const char *limit, const char *tail)
{
    char w[64], t[64];
    if (nfail == 0) return;
    bl_session_msg(S, BL_MSG_WARNING, cmd, "%zu of %zu %s stopped short of inner.tol = %s "
                   "(worst %s = %s, %s)%s", nfail, n, unit, bl_fmt(t, sizeof t, tol, 3),
                   rname, bl_fmt(w, sizeof w, worst, 3), limit, tail ? tail : "");
}
