/* bl.c: error records, parameter checks, the name lookup, clock. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_errno.h>

#include "bl.h"

void bl_err_set(bl_err *e, int code, const char *fmt, ...)
{
    va_list ap;
    if (!e) return;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

const char *bl_strerror(int code)
{
    switch (code) {
    case BL_OK: return "success";
    case BL_CONTINUE: return "not converged yet";
    case BL_EINVAL: return "invalid argument";
    case BL_ENOMEM: return "out of memory";
    case BL_EIO: return "cannot read or write file";
    case BL_EFORMAT: return "malformed input";
    case BL_EDIM: return "dimension mismatch";
    case BL_ENOTPD: return "Hessian is not positive definite";
    case BL_EDIVERGE: return "iteration diverged";
    case BL_EUNSUPPORTED: return "not supported by this problem";
    case BL_ENODATA: return "no data loaded";
    case BL_EINTR: return "interrupted";
    case BL_EMAXITER: return "iteration cap reached";
    case BL_ESTALL: return "no further progress at round-off";
    default: return "unknown error";
    }
}

int bl_param_find(const bl_param *params, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].name, name) == 0) return (int)i;
    return -1;
}

int bl_param_parse(const bl_param *param, const char *text, double *value, bl_err *e)
{
    if (param->choices) {
        for (size_t i = 0; param->choices[i]; i++)
            if (strcmp(param->choices[i], text) == 0) {
                *value = (double)i;
                return BL_OK;
            }
        char list[256] = "";
        for (size_t i = 0; param->choices[i]; i++) {
            size_t k = strlen(list);
            snprintf(list + k, sizeof list - k, "%s%s", i ? "|" : "", param->choices[i]);
        }
        bl_err_set(e, BL_EINVAL, "%s takes %s, not '%s'", param->name, list, text);
        return BL_EINVAL;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE) {
        bl_err_set(e, BL_EINVAL, "'%s' is not a number for %s", text, param->name);
        return BL_EINVAL;
    }
    if (bl_param_check(param, v, e)) return BL_EINVAL;
    *value = v;
    return BL_OK;
}

char *bl_fmt_limit(char *buf, size_t len, double v)
{
    if (!buf || len == 0) return buf;
    if (isinf(v)) {
        snprintf(buf, len, "%s", v > 0 ? "inf" : "-inf");
        return buf;
    }
    if (v == floor(v) && fabs(v) < 1e6) {
        snprintf(buf, len, "%.0f", v);
        return buf;
    }
    char t[64];
    for (int dg = 1; dg <= 17; dg++) {              /* the shortest exact text */
        snprintf(t, sizeof t, "%.*g", dg, v);
        if (strtod(t, NULL) == v) break;
    }
    /* 1e+08 → 1e8, 2.5e-05 → 2.5e-5 */
    char *x = strchr(t, 'e');
    if (x) {
        char *d = x + 1;
        int neg = *d == '-';
        if (*d == '+' || *d == '-') d++;
        while (*d == '0' && d[1]) d++;
        snprintf(buf, len, "%.*se%s%s", (int)(x - t), t, neg ? "-" : "", d);
    } else {
        snprintf(buf, len, "%s", t);
    }
    return buf;
}

double bl_mem_dense(double rows, double cols)
{
    return rows * cols * (double)sizeof(double);
}

char *bl_fmt_bytes(char *buf, size_t len, double bytes)
{
    static const char *const dec[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    static const char *const bin[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    double b = bytes;
    if (bytes >= 1024 && bytes == floor(bytes)) {      /* a whole number of KiB, MiB, ... */
        while (b >= 1024 && fmod(b, 1024) == 0 && u < 6) {
            b /= 1024;
            u++;
        }
        if (b < 1024 && u > 0) {
            snprintf(buf, len, "%.4g %s", b, bin[u]);
            return buf;
        }
        b = bytes;
        u = 0;
    }
    while (b >= 1000 && u < 6) {
        b /= 1000;
        u++;
    }
    snprintf(buf, len, "%.3g %s", b, dec[u]);
    return buf;
}

int bl_mem_check(double bytes, double mem_max, const char *who, const char *why,
                 bl_err *e)
{
    if (!(mem_max > 0) || bytes <= mem_max) return BL_OK;
    char a[32], b[32];
    bl_fmt_bytes(a, sizeof a, bytes);
    bl_fmt_bytes(b, sizeof b, mem_max);
    if (!strcmp(a, b)) {                   /* just above: the bytes tell them apart */
        snprintf(a, sizeof a, "%.0f bytes", bytes);
        snprintf(b, sizeof b, "%.0f bytes", mem_max);
    }
    bl_err_set(e, BL_ENOMEM, "%s needs %s for %s, above mem.max %s (set mem.max to allow it)",
               who, a, why, b);
    return BL_ENOMEM;
}

int bl_param_check(const bl_param *param, double v, bl_err *e)
{
    if (!isfinite(v)) {
        bl_err_set(e, BL_EINVAL, "%s must be a finite number", param->name);
        return BL_EINVAL;
    }
    char a[32], lo[32], hi[32];
    if (param->is_int && v != floor(v)) {
        bl_err_set(e, BL_EINVAL, "%s must be an integer, not %s", param->name,
                   bl_fmt_limit(a, sizeof a, v));
        return BL_EINVAL;
    }
    if (v < param->lo || v > param->hi) {
        bl_err_set(e, BL_EINVAL, "%s=%s is out of range [%s, %s]", param->name,
                   bl_fmt_limit(a, sizeof a, v), bl_fmt_limit(lo, sizeof lo, param->lo),
                   bl_fmt_limit(hi, sizeof hi, param->hi));
        return BL_EINVAL;
    }
    return BL_OK;
}

/* ---- names ---- */

size_t bl_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == 0) return lb;
    if (lb == 0) return la;
    size_t small[2 * 64];
    size_t *row = small;
    if (lb + 1 > 64) {
        row = malloc(2 * (lb + 1) * sizeof *row);
        if (!row) return la > lb ? la : lb;   /* an upper bound */
    }
    size_t *prev = row, *cur = row + (lb + 1);
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    if (row != small) free(row);
    return d;
}

const char *bl_closest(const char *word, const char *const *names, size_t n)
{
    if (!word || !*word) return NULL;
    size_t len = strlen(word);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t bestd = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t d = bl_edit_distance(word, names[i]);
        int prefix = strncmp(word, names[i], len) == 0;
        if ((d <= limit || prefix) && d < bestd) {
            best = names[i];
            bestd = d;
        }
    }
    return best;
}

/* Appends the names of NAMES that start with WORD (all: WORD NULL) to BUF,
 * separated by SEP. */
static void join_names(char *buf, size_t len, const char *const *names, size_t n,
                       const char *word, const char *sep)
{
    size_t wl = word ? strlen(word) : 0, k = strlen(buf);
    for (size_t i = 0; i < n && k + 1 < len; i++) {
        if (word && strncmp(names[i], word, wl) != 0) continue;
        snprintf(buf + k, len - k, "%s%s", k ? sep : "", names[i]);
        k += strlen(buf + k);
    }
}

int bl_lookup(const char *word, const char *const *names, size_t n, const char *what,
              const char *hint, bl_err *e)
{
    if (!word) word = "";
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, names[i]) == 0) return (int)i;
    size_t len = strlen(word), count = 0;
    int found = BL_LOOKUP_UNKNOWN;
    for (size_t i = 0; len > 0 && i < n; i++)
        if (strncmp(word, names[i], len) == 0 && count++ == 0) found = (int)i;
    if (count == 1) return found;
    if (!what) what = "";
    const char *sp = *what ? " " : "";
    char list[400] = "";
    if (count > 1) {
        join_names(list, sizeof list, names, n, word, ", ");
        bl_err_set(e, BL_EINVAL, "ambiguous %s%s'%s' (could be %s)", what, sp, word, list);
        return BL_LOOKUP_AMBIGUOUS;
    }
    const char *near = bl_closest(word, names, n);
    if (!hint) join_names(list, sizeof list, names, n, NULL, "|");
    if (near && hint)
        bl_err_set(e, BL_EINVAL, "unknown %s%s'%s' (did you mean '%s'?)", what, sp, word, near);
    else if (near)
        bl_err_set(e, BL_EINVAL, "unknown %s%s'%s' (did you mean '%s'? choose %s)", what, sp,
                   word, near, list);
    else
        bl_err_set(e, BL_EINVAL, "unknown %s%s'%s' (%s%s)", what, sp, word,
                   hint ? "" : "choose ", hint ? hint : list);
    return BL_LOOKUP_UNKNOWN;
}

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int n);
#endif

void bl_init(void)
{
    gsl_set_error_handler_off();
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(1);
#endif
}

double bl_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
