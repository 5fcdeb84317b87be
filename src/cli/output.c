/* output.c: JSON lines, readable number formatting, and the one writer
 * of messages (bl_msg_write) with the shared warnings. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bl.h"
#include "output.h"
#include "session.h"

static size_t utf8_seq(const unsigned char *s, unsigned *cp);

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
        unsigned cp;
        size_t n = *p < 0x80 ? 1 : utf8_seq(p, &cp);
        if (n == 0) {                  /* not UTF-8: JSON cannot carry the byte */
            fprintf(f, "\\\\x%02x", *p);
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, n, f);
            p += n - 1;
            continue;
        }
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

char *bl_out_fmt(char *buf, size_t len, double v, int digits)
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
        fmt_append(buf, len, &pos, bl_out_fmt(num, sizeof num, v[i * stride], digits));
    }
    if (n > show) {
        snprintf(num, sizeof num, "%s\xe2\x80\xa6 (n=%zu)", show ? ", " : "", n);
        fmt_append(buf, len, &pos, num);
    }
    fmt_append(buf, len, &pos, "]");
    return buf;
}

char *bl_fmt_vec_fit(char *buf, size_t len, const double *v, size_t n, size_t stride,
                     int digits, size_t maxshow, int avail)
{
    bl_fmt_vec(buf, len, v, n, stride, digits, maxshow);
    while (avail > 0 && maxshow > 1 && bl_utf8_width(buf) > avail)
        bl_fmt_vec(buf, len, v, n, stride, digits, --maxshow);
    return buf;
}

void bl_out_wrap(FILE *f, const char *text, int col, int indent, int width)
{
    if (width <= 0 || indent >= width) {
        fputs(text, f);
        fputc('\n', f);
        return;
    }
    /* tokens: a run of spaces, then up to the next space or just past a
     * '|' (lists of choices break between their names) */
    const char *p = text;
    int first = 1;
    while (*p) {
        const char *q = p;
        while (*q == ' ') q++;
        const char *end = q;
        while (*end && *end != ' ' && *end != '|') end++;
        if (*end == '|') end++;
        if (q == end) break;
        int ww = 0;
        for (const char *c = q; c < end; c++)
            if (((unsigned char)*c & 0xC0) != 0x80) ww++;
        int gap = (int)(q - p);
        if (!first && col + gap + ww > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
            gap = 0;
        }
        fprintf(f, "%*s%.*s", gap, "", (int)(end - q), q);
        col += gap + ww;
        first = 0;
        p = end;
    }
    fputc('\n', f);
}

int bl_width_pick(int setting, int tty_cols, const char *env)
{
    if (setting > 0) return setting;
    if (tty_cols > 0) return tty_cols;
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 100000) return (int)v;
    }
    return 0;
}

int bl_wide_pick(int mode, int width)
{
    if (mode >= 0) return mode != 0;
    return width <= 0 || width > BL_WIDE_MIN;
}

int bl_term_size(int fd, int *cols, int *rows)
{
    struct winsize ws;
    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return -1;
    *cols = ws.ws_col;
    *rows = ws.ws_row;
    return 0;
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
    /* cells can hold what users typed (estimator specs, column names) */
    char small[256], *e = small;
    size_t need = 4 * strlen(s) + 1;
    if (need > sizeof small && !(e = malloc(need))) e = small;
    bl_escape(e, e == small ? sizeof small : need, s);
    fputs(e, f);
    if (width > 0) {
        for (int w = bl_utf8_width(e); w < width; w++) fputc(' ', f);
        fputc(' ', f);
    }
    if (e != small) free(e);
}

/* ---- text from users and files, made safe for a terminal ---- */

/* The length of the valid UTF-8 sequence at S (1 to 4), or 0 when S does
 * not start one: a stray continuation byte, an overlong form, a surrogate,
 * a code point above U+10FFFF, or a sequence cut short.  *CP gets the
 * code point. */
static size_t utf8_seq(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) n = 2, min = 0x80, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, min = 0x800, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, min = 0x10000, c &= 0x07;
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;       /* the NUL ends it too */
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    *cp = c;
    return n;
}

/* Code points a terminal acts on or does not show: C0 and C1 controls,
 * DEL, the soft hyphen, zero-width and direction-changing format
 * characters, and the byte-order mark. */
static int invisible(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xAD
           || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E)
           || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF;
}

/* Calls PUT for each piece of S as it is to be shown (escapes as "\xNN"). */
static void escape_each(const char *s, void (*put)(void *, const char *, size_t), void *arg)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp = 0;
        size_t n = utf8_seq(p, &cp);
        if (n > 0 && !invisible(cp)) {
            put(arg, (const char *)p, n);
            p += n;
            continue;
        }
        /* every byte of an invisible character, or the one bad byte */
        size_t k = n > 0 ? n : 1;
        for (size_t i = 0; i < k; i++) {
            char hex[5];
            snprintf(hex, sizeof hex, "\\x%02x", p[i]);
            put(arg, hex, 4);
        }
        p += k;
    }
}

static void put_file(void *arg, const char *s, size_t n) { fwrite(s, 1, n, (FILE *)arg); }

void bl_fput_escaped(FILE *f, const char *s)
{
    if (s) escape_each(s, put_file, f);
}

typedef struct sbuf {
    char *buf;
    size_t len, pos;
    int full;
} sbuf;

static void put_buf(void *arg, const char *s, size_t n)
{
    sbuf *b = arg;
    if (b->full) return;
    if (b->pos + n + 1 > b->len) {       /* never half an escape or a character */
        b->full = 1;
        return;
    }
    memcpy(b->buf + b->pos, s, n);
    b->pos += n;
    b->buf[b->pos] = '\0';
}

char *bl_escape(char *buf, size_t len, const char *s)
{
    if (!buf || len == 0) return buf;
    sbuf b = {buf, len, 0, 0};
    buf[0] = '\0';
    if (s) escape_each(s, put_buf, &b);
    if (b.full && len > 4) {             /* cut: end on "..." */
        size_t at = b.pos + 3 < len ? b.pos : len - 4;
        while (at > 0 && ((unsigned char)buf[at] & 0xC0) == 0x80) at--;
        memcpy(buf + at, "...", 4);
    }
    return buf;
}

/* Whether LINE (up to its end or a newline) is a caret line: spaces, then
 * '^', then '~'s. */
static int caret_line(const char *line)
{
    const char *p = line;
    while (*p == ' ') p++;
    if (*p++ != '^') return 0;
    while (*p == '~') p++;
    return *p == '\0';
}

/* The message after its lead: one line, escaped, and the two lines of an
 * expression's place at fault under it (bl_msg_write). */
static void put_message(FILE *f, const char *msg)
{
    if (!msg) msg = "";
    /* a display of the place at fault ("\n  TEXT\n  ^~~", as expression
     * errors end) stays two lines under the message; every other newline
     * is escaped, so that the message itself is one line */
    const char *ctx = NULL;
    size_t head = strlen(msg);
    const char *last = strrchr(msg, '\n');
    if (last && last > msg && caret_line(last + 1)) {
        const char *prev = last - 1;
        while (prev > msg && *prev != '\n') prev--;
        if (*prev == '\n' && !strncmp(prev + 1, "  ", 2) && !strncmp(last + 1, "  ", 2)) {
            ctx = prev + 1;
            head = (size_t)(prev - msg);
        }
    }
    char *first = malloc(head + 1);
    if (first) {
        memcpy(first, msg, head);
        first[head] = '\0';
        bl_fput_escaped(f, first);
        free(first);
    }
    fputc('\n', f);
    if (ctx) {
        size_t n = (size_t)(last - ctx);
        char *line = malloc(n + 1);
        if (line) {
            memcpy(line, ctx, n);
            line[n] = '\0';
            bl_fput_escaped(f, line);
            fputc('\n', f);
            free(line);
        }
        fputs(last + 1, f);           /* spaces, ^ and ~ only */
        fputc('\n', f);
    }
}

/* ---- progress of long work ---- */

void bl_busy_start(bl_busy_line *b, FILE *f, int on)
{
    b->f = f;
    b->on = on;
    b->shown = 0;
    b->t0 = bl_clock();
    b->last = 0;
}

void bl_busy_show(void *arg, const char *what, double done, double total)
{
    bl_busy_line *b = arg;
    if (!b || !b->on || !b->f) return;
    if (total > 0 && done >= total) {     /* the work is over: no line left */
        bl_busy_end(b);
        return;
    }
    double now = bl_clock(), el = now - b->t0;
    if (el < 1.0 || now - b->last < 0.2) return;
    b->last = now;
    b->shown = 1;
    double fr = total > 0 ? done / total : 0;
    if (!(fr >= 0)) fr = 0;
    if (fr > 1) fr = 1;
    fprintf(b->f, "\r\033[K  %s: %.0f%% (%.0fs", what, 100 * fr, el);
    if (fr > 0.02) fprintf(b->f, ", about %.0fs left", el * (1 - fr) / fr);
    fputs("; Ctrl-C stops)", b->f);
    fflush(b->f);
}

void bl_busy_end(bl_busy_line *b)
{
    if (b->shown && b->f) {
        fputs("\r\033[K", b->f);
        fflush(b->f);
    }
    b->shown = 0;
}

void bl_msg_write(FILE *f, const bl_msg *m)
{
    switch (m->kind) {
    case BL_MSG_RESULT:                   /* the command's own output, as it is */
        fprintf(f, "%s\n", m->text ? m->text : "");
        return;
    case BL_MSG_NOTE:
        fputs("note: ", f);
        if ((m->flags & BL_MSG_TRIED) && m->cmd) {
            bl_fput_escaped(f, m->cmd);
            fputs(" failed (try): ", f);
        }
        break;
    case BL_MSG_WARNING:
    case BL_MSG_ERROR:
        fputs("bilab: ", f);
        if (m->cmd) {
            bl_fput_escaped(f, m->cmd);
            fputs(": ", f);
        }
        if (m->kind == BL_MSG_WARNING) fputs("warning: ", f);
        break;
    }
    put_message(f, m->text);             /* one line, escaped */
}

void bl_warn_inner(bl_session *S, const char *cmd, size_t nfail, size_t n,
                   const char *unit, double worst, const char *rname, double tol,
                   const char *limit, const char *tail)
{
    char w[64], t[64];
    if (nfail == 0) return;
    bl_session_msg(S, BL_MSG_WARNING, cmd, "%zu of %zu %s stopped short of inner.tol = %s "
                   "(worst %s = %s, %s)%s", nfail, n, unit, bl_out_fmt(t, sizeof t, tol, 3),
                   rname, bl_out_fmt(w, sizeof w, worst, 3), limit, tail ? tail : "");
}
