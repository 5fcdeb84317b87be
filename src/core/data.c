/* data.c: tables read from CSV and libsvm files, training / validation
 * splits, standardisation, synthetic generators, export and the bundled
 * data sets.  Nothing here prints or exits: errors go into a bl_err. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "data.h"
#include "fileio.h"

#ifndef BL_PKGDATADIR
#define BL_PKGDATADIR "/usr/local/share/bilab"
#endif
#ifndef BL_SRCDATADIR
#define BL_SRCDATADIR "problems/data"
#endif

/* Longest piece of a cell or name quoted in an error message. */
#define QUOTE_MAX 40

const char *const bl_bundled_names[] = {
    "diabetes", "breast_cancer", "digits", "wine", NULL
};

enum { FMT_CSV, FMT_LIBSVM };

/* ---------------------------------------------------------------- helpers */

static int oom(bl_err *e)
{
    bl_err_set(e, BL_ENOMEM, "out of memory");
    return BL_ENOMEM;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static void free_names(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* A NULL-terminated copy of N names (N + 1 slots). */
static char **dup_names(char *const *names, size_t n)
{
    char **d = calloc(n + 1, sizeof *d);
    if (!d) return NULL;
    for (size_t i = 0; i < n; i++) {
        d[i] = xstrdup(names[i] ? names[i] : "");
        if (!d[i]) {
            free_names(d, i);
            return NULL;
        }
    }
    return d;
}

/* Writes S into BUF for an error message: at most QUOTE_MAX characters,
 * "..." appended when cut. */
static const char *quote(char *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    if (n > QUOTE_MAX)
        snprintf(buf, len, "%.*s...", QUOTE_MAX, s);
    else
        snprintf(buf, len, "%s", s);
    return buf;
}

static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    rtrim(s);
    return s;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s)) return 0;
    return 1;
}

/* How the user writes the separator C in `data load ... sep=`. */
static const char *sep_option(char c)
{
    switch (c) {
    case ',': return "sep=\",\" (the default)";
    case ';': return "sep=\";\"";
    case '\t': return "sep=tab";
    default: return "sep=";
    }
}

/* A hint for text S (WHAT: "the header" or "the cell") read with
 * separator SEP that holds another usual separator instead:
 * " (... load it with sep=...)", or "" when there is none. */
static const char *sep_hint(const char *s, const char *what, char sep, char *buf, size_t len)
{
    static const char cand[] = {';', ',', '\t'};
    for (size_t i = 0; i < sizeof cand; i++) {
        if (cand[i] == sep || !strchr(s, cand[i])) continue;
        snprintf(buf, len, " (%s holds '%s': is the file %s-separated? load it with %s)",
                 what, cand[i] == '\t' ? "\\t" : (cand[i] == ';' ? ";" : ","),
                 cand[i] == '\t' ? "tab" : (cand[i] == ';' ? "';'" : "','"),
                 sep_option(cand[i]));
        return buf;
    }
    buf[0] = '\0';
    return buf;
}

enum { NUM_OK, NUM_EMPTY, NUM_BAD, NUM_NAN, NUM_INF };

/* Parses the whole of S (already trimmed) as a finite double. */
static int parse_num(const char *s, double *out)
{
    char *end;
    double v;
    if (*s == '\0') return NUM_EMPTY;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0') return NUM_BAD;
    if (isnan(v)) return NUM_NAN;
    if (isinf(v)) return NUM_INF;
    *out = v;
    return NUM_OK;
}

/* Fills E for a cell that parse_num refused; WHERE is "column 3 (bmi)" or
 * similar (the caller puts "file:line: " in front). */
static int num_error(bl_err *e, int what, const char *where, const char *cell)
{
    char q[QUOTE_MAX + 8];
    switch (what) {
    case NUM_EMPTY:
        bl_err_set(e, BL_EFORMAT, "%s: empty cell", where);
        break;
    case NUM_NAN:
        bl_err_set(e, BL_EFORMAT, "%s: NaN is not allowed", where);
        break;
    case NUM_INF:
        bl_err_set(e, BL_EFORMAT, "%s: Inf is not allowed ('%s')", where,
                   quote(q, sizeof q, cell));
        break;
    default:
        bl_err_set(e, BL_EFORMAT, "%s: '%s' is not a number", where,
                   quote(q, sizeof q, cell));
        break;
    }
    return BL_EFORMAT;
}

/* A growable array of doubles. */
typedef struct dbuf {
    double *v;
    size_t n, cap;
} dbuf;

static int dbuf_push(dbuf *b, double x)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        double *v;
        if (cap > SIZE_MAX / sizeof *v) return -1;
        v = realloc(b->v, cap * sizeof *v);
        if (!v) return -1;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = x;
    return 0;
}

static int alloc_matrix(gsl_matrix **m, size_t r, size_t c, int zero, bl_err *e)
{
    *m = zero ? gsl_matrix_calloc(r, c) : gsl_matrix_alloc(r, c);
    if (!*m) {
        bl_err_set(e, BL_ENOMEM, "cannot allocate a %zu x %zu matrix", r, c);
        return BL_ENOMEM;
    }
    return BL_OK;
}

static int alloc_vector(gsl_vector **v, size_t n, int zero, bl_err *e)
{
    *v = zero ? gsl_vector_calloc(n) : gsl_vector_alloc(n);
    if (!*v) {
        bl_err_set(e, BL_ENOMEM, "cannot allocate a vector of %zu entries", n);
        return BL_ENOMEM;
    }
    return BL_OK;
}

/* How far a read may go: the session's Ctrl-C flag and mem.max (bytes of
 * the dense table; 0: no limit).  The public readers use none. */
typedef struct rlimits {
    bl_cancel_t *cancel;
    double mem_max;
} rlimits;

static const rlimits no_limits = { NULL, 0 };

static int open_read(const char *path, FILE **f, bl_err *e)
{
    /* a regular file only: a FIFO would block, /dev/zero never end */
    return bl_open_input(path, BL_INPUT_REGULAR, f, e);
}

/* Reads the next line for the table readers: 1 a line, 0 the end, or an
 * error (read error, a line past BL_LINE_MAX, Ctrl-C) in E. */
static int next_line(FILE *f, const char *path, size_t lineno, char **line,
                     size_t *cap, size_t *len, const rlimits *lim, bl_err *e)
{
    int r;
    if (lim->cancel && *lim->cancel) {
        bl_err_set(e, BL_EINTR, "%s: interrupted after %zu lines", path, lineno);
        return BL_EINTR;
    }
    r = bl_read_line(f, line, cap, len, BL_LINE_MAX);
    if (r == BL_EFORMAT) {
        bl_err_set(e, BL_EFORMAT, "%s:%zu: line longer than %zu bytes (the limit "
                   "of a line; not a text file?)", path, lineno + 1, BL_LINE_MAX);
    } else if (r == BL_EIO) {
        int er = errno;
        bl_err_set(e, BL_EIO, "error reading '%s': %s", path, strerror(er));
    }
    return r;
}

/* BYTES for a message: "56 bytes", "13.8 kB", "1.2 GB". */
static const char *fmt_bytes(char *buf, size_t len, double bytes)
{
    static const char *const unit[] = {"bytes", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) {
        bytes /= 1000;
        u++;
    }
    snprintf(buf, len, "%.4g %s", bytes, unit[u]);
    return buf;
}

/* Refuses a dense table of ROWS x COLS doubles above mem.max. */
static int check_dense(const char *path, double rows, double cols,
                       const rlimits *lim, bl_err *e)
{
    double bytes = rows * cols * (double)sizeof(double);
    if (lim->mem_max > 0 && bytes > lim->mem_max) {
        char a[32], b[32];
        bl_err_set(e, BL_ENOMEM, "%s: %.0f rows x %.0f columns take %s as doubles, "
                   "above mem.max (%s; set mem.max higher, or 0 for no limit)",
                   path, rows, cols, fmt_bytes(a, sizeof a, bytes),
                   fmt_bytes(b, sizeof b, lim->mem_max));
        return BL_ENOMEM;
    }
    return BL_OK;
}

/* Refuses the entries of a libsvm file once they pass mem.max (a label
 * a row, a row, column and value a nonzero entry). */
static int check_sparse(const char *path, size_t lineno, size_t rows, size_t nnz,
                        const rlimits *lim, bl_err *e)
{
    double bytes = ((double)rows + 3.0 * (double)nnz) * (double)sizeof(double);
    if (lim->mem_max > 0 && bytes > lim->mem_max) {
        char a[32], b[32];
        bl_err_set(e, BL_ENOMEM, "%s:%zu: the entries read so far take %s, above "
                   "mem.max (%s; set mem.max higher, or 0 for no limit)",
                   path, lineno, fmt_bytes(a, sizeof a, bytes),
                   fmt_bytes(b, sizeof b, lim->mem_max));
        return BL_ENOMEM;
    }
    return BL_OK;
}

/* ------------------------------------------------------------------ tables */

void bl_table_free(bl_table *t)
{
    if (!t) return;
    free_names(t->names, t->X ? t->X->size2 : t->S ? t->S->cols : 0);
    if (t->X) gsl_matrix_free(t->X);
    bl_csr_free(t->S);
    if (t->y) gsl_vector_free(t->y);
    free(t->target);
    free(t->path);
    free(t);
}

/* Resolves TARGET (a column name, else a 0-based index; NULL: the last
 * column) among the NCOLS header names. */
static int find_target(const char *path, char *const *cols, size_t ncols,
                       const char *target, size_t *tcol, bl_err *e)
{
    char list[300];
    size_t used = 0, i;
    char q[QUOTE_MAX + 8];

    if (!target) {
        *tcol = ncols - 1;
        return BL_OK;
    }
    for (i = 0; i < ncols; i++)
        if (strcmp(cols[i], target) == 0) {
            *tcol = i;
            return BL_OK;
        }
    if (*target && strspn(target, "0123456789") == strlen(target)) {
        unsigned long long k;
        errno = 0;
        k = strtoull(target, NULL, 10);
        if (errno == 0 && k < ncols) {
            *tcol = (size_t)k;
            return BL_OK;
        }
        bl_err_set(e, BL_EINVAL, "%s: target column %s is out of range "
                   "(the file has %zu columns, numbered from 0)",
                   path, quote(q, sizeof q, target), ncols);
        return BL_EINVAL;
    }
    /* List the column names, cut to what fits. */
    list[0] = '\0';
    for (i = 0; i < ncols; i++) {
        const char *sep = i ? ", " : "";
        size_t need = strlen(sep) + strlen(cols[i]);
        if (used + need + 16 >= sizeof list) {
            snprintf(list + used, sizeof list - used, "%s... (%zu in all)",
                     sep, ncols);
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 sep, cols[i]);
    }
    bl_err_set(e, BL_EINVAL, "%s: no column named '%s' (columns: %s)", path,
               quote(q, sizeof q, target), list);
    return BL_EINVAL;
}

/* Splits the header line S into names; strips surrounding blanks and
 * double quotes. */
static int read_header(const char *path, size_t lineno, char *s, char sep,
                       char ***cols_out, size_t *ncols_out, bl_err *e)
{
    size_t n = 1, i;
    char **cols;
    char *p;
    char hint[160];

    sep_hint(s, "the header", sep, hint, sizeof hint);   /* before it is cut */
    for (p = s; *p; p++)
        if (*p == sep) n++;
    cols = calloc(n + 1, sizeof *cols);
    if (!cols) return oom(e);
    p = s;
    for (i = 0; i < n; i++) {
        char *comma = strchr(p, sep);
        char *name;
        size_t len;
        if (comma) *comma = '\0';
        name = trim(p);
        len = strlen(name);
        if (len >= 2 && name[0] == '"' && name[len - 1] == '"') {
            name[len - 1] = '\0';
            name++;
        }
        if (*name == '\0') {
            free_names(cols, i);
            bl_err_set(e, BL_EFORMAT, "%s:%zu: column %zu has an empty name "
                       "(a header row of column names is required)",
                       path, lineno, i + 1);
            return BL_EFORMAT;
        }
        cols[i] = xstrdup(name);
        if (!cols[i]) {
            free_names(cols, i);
            return oom(e);
        }
        p = comma ? comma + 1 : p + strlen(p);
    }
    if (n < 2) {
        free_names(cols, n);
        bl_err_set(e, BL_EFORMAT, "%s:%zu: need at least 2 columns (features "
                   "and a target), found 1%s", path, lineno, hint);
        return BL_EFORMAT;
    }
    if (n - 1 > BL_DATA_MAX_FEATURES) {
        free_names(cols, n);
        bl_err_set(e, BL_EFORMAT, "%s:%zu: %zu columns, more than the limit of %d "
                   "features", path, lineno, n, BL_DATA_MAX_FEATURES);
        return BL_EFORMAT;
    }
    /* A first row of numbers is data without a header: taking it for
     * column names would lose a row and name columns "1.5". */
    for (i = 0; i < n; i++) {
        double v;
        if (parse_num(cols[i], &v) != NUM_OK) break;
    }
    if (i == n) {
        char q[QUOTE_MAX + 8];
        bl_err_set(e, BL_EFORMAT, "%s:%zu: the first row is all numbers ('%s', ...), "
                   "not column names: add a header row (the target is the last "
                   "column unless target= names one)", path, lineno,
                   quote(q, sizeof q, cols[0]));
        free_names(cols, n);
        return BL_EFORMAT;
    }
    *cols_out = cols;
    *ncols_out = n;
    return BL_OK;
}

static int read_csv(const char *path, const char *target, char sep,
                    const rlimits *lim, bl_table **out, bl_err *e)
{
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0, lineno = 0, ncols = 0, nrows = 0, tcol = 0, i, j, len;
    char **cols = NULL;
    dbuf data = { NULL, 0, 0 };
    bl_table *t = NULL;
    bl_err le;      /* message of a bad cell, before "file:line: " */
    int rc;

    if (out) *out = NULL;
    if (!path || !out) {
        bl_err_set(e, BL_EINVAL, "no file name given");
        return BL_EINVAL;
    }
    if (!sep) sep = ',';
    if ((rc = open_read(path, &f, e))) return rc;

    while ((rc = next_line(f, path, lineno, &line, &cap, &len, lim, e)) == 1) {
        char *s = line, *p;
        size_t ncells = 1;
        lineno++;
        if (memchr(line, '\0', len)) {
            bl_err_set(e, BL_EFORMAT, "%s:%zu: contains a NUL byte "
                       "(not a text file?)", path, lineno);
            rc = BL_EFORMAT;
            goto done;
        }
        if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3; /* BOM */
        rtrim(s);
        if (is_blank(s)) continue;
        if (!cols) {
            if ((rc = read_header(path, lineno, s, sep, &cols, &ncols, e))) goto done;
            if ((rc = find_target(path, cols, ncols, target, &tcol, e))) goto done;
            continue;
        }
        for (p = s; *p; p++)
            if (*p == sep) ncells++;
        if (ncells != ncols) {
            bl_err_set(e, BL_EFORMAT, "%s:%zu: expected %zu cells, found %zu",
                       path, lineno, ncols, ncells);
            rc = BL_EFORMAT;
            goto done;
        }
        if ((rc = check_dense(path, (double)nrows + 1, (double)ncols, lim, e)))
            goto done;
        p = s;
        for (j = 0; j < ncols; j++) {
            char *comma = strchr(p, sep);
            char *cell;
            double v = 0;
            int st;
            if (comma) *comma = '\0';
            cell = trim(p);
            st = parse_num(cell, &v);
            if (st != NUM_OK) {
                char where[128 + QUOTE_MAX], q[QUOTE_MAX + 8];
                snprintf(where, sizeof where, "column %zu (%s)", j + 1,
                         quote(q, sizeof q, cols[j]));
                num_error(&le, st, where, cell);
                char hint[160];
                if (sep == ';' && strchr(cell, ','))
                    snprintf(hint, sizeof hint, " (decimal commas are not read: write "
                             "1.5, not 1,5)");
                else
                    sep_hint(cell, "the cell", sep, hint, sizeof hint);
                bl_err_set(e, BL_EFORMAT, "%s:%zu: %s%s", path, lineno, le.msg, hint);
                rc = BL_EFORMAT;
                goto done;
            }
            if (dbuf_push(&data, v)) {
                rc = oom(e);
                goto done;
            }
            p = comma ? comma + 1 : p + strlen(p);
        }
        nrows++;
    }
    if (rc < 0) goto done;
    if (!cols) {
        bl_err_set(e, BL_EFORMAT, "%s: empty file (a header row of column "
                   "names is required)", path);
        rc = BL_EFORMAT;
        goto done;
    }
    if (nrows == 0) {
        bl_err_set(e, BL_EFORMAT, "%s: no data rows after the header", path);
        rc = BL_EFORMAT;
        goto done;
    }

    /* Build the table: every column but the target, in file order. */
    t = calloc(1, sizeof *t);
    if (!t) {
        rc = oom(e);
        goto done;
    }
    if ((rc = alloc_matrix(&t->X, nrows, ncols - 1, 0, e))) goto done;
    if ((rc = alloc_vector(&t->y, nrows, 0, e))) goto done;
    t->names = calloc(ncols, sizeof *t->names);
    t->path = xstrdup(path);
    if (!t->names || !t->path) {
        rc = oom(e);
        goto done;
    }
    for (j = 0, i = 0; j < ncols; j++) {
        if (j == tcol) {
            t->target = cols[j];
        } else {
            t->names[i++] = cols[j];
        }
        cols[j] = NULL;            /* ownership moved to the table */
    }
    for (i = 0; i < nrows; i++) {
        const double *row = data.v + i * ncols;
        size_t k = 0;
        for (j = 0; j < ncols; j++) {
            if (j == tcol)
                gsl_vector_set(t->y, i, row[j]);
            else
                gsl_matrix_set(t->X, i, k++, row[j]);
        }
    }
    *out = t;
    t = NULL;
    rc = BL_OK;

done:
    bl_table_free(t);
    free_names(cols, ncols);
    free(data.v);
    free(line);
    fclose(f);
    return rc;
}

int bl_table_read_csv(const char *path, const char *target, bl_table **out,
                      bl_err *e)
{
    return read_csv(path, target, ',', &no_limits, out, e);
}

int bl_table_read_csv_sep(const char *path, const char *target, char sep,
                          bl_table **out, bl_err *e)
{
    return read_csv(path, target, sep, &no_limits, out, e);
}

/* Sparse entries of a libsvm file. */
typedef struct sparse {
    size_t *row, *col;
    double *val;
    size_t n, cap;
} sparse;

static int sparse_push(sparse *s, size_t r, size_t c, double v)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 256;
        size_t *rr, *cc;
        double *vv;
        if (cap > SIZE_MAX / sizeof(double)) return -1;
        rr = realloc(s->row, cap * sizeof *rr);
        if (!rr) return -1;
        s->row = rr;
        cc = realloc(s->col, cap * sizeof *cc);
        if (!cc) return -1;
        s->col = cc;
        vv = realloc(s->val, cap * sizeof *vv);
        if (!vv) return -1;
        s->val = vv;
        s->cap = cap;
    }
    s->row[s->n] = r;
    s->col[s->n] = c;
    s->val[s->n] = v;
    s->n++;
    return 0;
}

/* Feature names "f1".."fK" for a table of K features. */
static char **libsvm_names(size_t k)
{
    char **names = calloc(k + 1, sizeof *names);
    if (!names) return NULL;
    for (size_t j = 0; j < k; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "f%zu", j + 1);
        names[j] = xstrdup(buf);
        if (!names[j]) {
            free_names(names, j);
            return NULL;
        }
    }
    return names;
}

/* MODE: BL_SPARSE_OFF reads a dense table (BL_DATA_MAX_FEATURES), any
 * other keeps CSR (BL_CSR_MAX_COLS); bl_data_load chooses after. */
static int read_libsvm(const char *path, size_t min_features, const rlimits *lim,
                       int mode, bl_table **out, bl_err *e)
{
    const size_t maxfeat = mode == BL_SPARSE_OFF ? BL_DATA_MAX_FEATURES : BL_CSR_MAX_COLS;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0, lineno = 0, nrows = 0, maxidx = 0, k, i, len;
    dbuf labels = { NULL, 0, 0 };
    sparse sp = { NULL, NULL, NULL, 0, 0 };
    bl_table *t = NULL;
    char q[QUOTE_MAX + 8];
    bl_err le;      /* message of a bad field, before "file:line: " */
    int rc;

    if (out) *out = NULL;
    if (!path || !out) {
        bl_err_set(e, BL_EINVAL, "no file name given");
        return BL_EINVAL;
    }
    if ((rc = open_read(path, &f, e))) return rc;

    while ((rc = next_line(f, path, lineno, &line, &cap, &len, lim, e)) == 1) {
        char *p = line, *hash;
        size_t field = 0, prev = 0;
        lineno++;
        if (memchr(line, '\0', len)) {
            bl_err_set(e, BL_EFORMAT, "%s:%zu: contains a NUL byte "
                       "(not a text file?)", path, lineno);
            rc = BL_EFORMAT;
            goto done;
        }
        if ((hash = strchr(line, '#'))) *hash = '\0';   /* comment */
        rtrim(line);
        if (is_blank(line)) continue;
        while (*p) {
            char *tok, *colon;
            double v = 0;
            int st;
            while (isspace((unsigned char)*p)) p++;
            if (!*p) break;
            tok = p;
            while (*p && !isspace((unsigned char)*p)) p++;
            if (*p) *p++ = '\0';
            field++;
            if (field == 1) {
                st = parse_num(tok, &v);
                if (st != NUM_OK) {
                    char where[64];
                    snprintf(where, sizeof where, "field 1 (label)");
                    num_error(&le, st, where, tok);
                    goto prefix;
                }
                if (dbuf_push(&labels, v)) {
                    rc = oom(e);
                    goto done;
                }
                continue;
            }
            if (strncmp(tok, "qid:", 4) == 0) continue;  /* svmlight ranking */
            colon = strchr(tok, ':');
            if (!colon) {
                bl_err_set(&le, BL_EFORMAT, "field %zu ('%s'): expected "
                           "index:value", field, quote(q, sizeof q, tok));
                goto prefix;
            }
            {
                unsigned long long idx;
                char *end;
                if (!isdigit((unsigned char)tok[0])) {
                    *colon = '\0';
                    bl_err_set(&le, BL_EFORMAT, "field %zu: index '%s' is not a "
                               "positive integer", field, quote(q, sizeof q, tok));
                    goto prefix;
                }
                errno = 0;
                idx = strtoull(tok, &end, 10);
                if (end != colon || errno || idx == 0 || idx > SIZE_MAX / 2) {
                    *colon = '\0';
                    bl_err_set(&le, BL_EFORMAT, "field %zu: index '%s' is not a "
                               "positive integer%s", field,
                               quote(q, sizeof q, tok),
                               idx == 0 && end == colon ? " (indices start at 1)" : "");
                    goto prefix;
                }
                if (idx > maxfeat) {
                    bl_err_set(&le, BL_EFORMAT, "field %zu: index %llu is past the "
                               "limit of %zu features%s", field, idx, maxfeat,
                               mode == BL_SPARSE_OFF ? " of a dense table (sparse=on "
                               "keeps it in CSR)" : "");
                    goto prefix;
                }
                if ((size_t)idx <= prev) {
                    bl_err_set(&le, BL_EFORMAT, "field %zu: index %llu is not "
                               "greater than the previous index %zu", field,
                               idx, prev);
                    goto prefix;
                }
                st = parse_num(colon + 1, &v);
                if (st != NUM_OK) {
                    char where[64];
                    snprintf(where, sizeof where, "field %zu (index %llu)",
                             field, idx);
                    num_error(&le, st, where, colon + 1);
                    goto prefix;
                }
                prev = (size_t)idx;
                if (prev > maxidx) maxidx = prev;
                if (v != 0 && sparse_push(&sp, nrows, prev - 1, v)) {
                    rc = oom(e);
                    goto done;
                }

            }
        }
        nrows++;
        if ((rc = check_sparse(path, lineno, nrows, sp.n, lim, e))) goto done;
        continue;
    prefix:
        /* Put "file:line: " in front of the message set above. */
        bl_err_set(e, BL_EFORMAT, "%s:%zu: %s", path, lineno, le.msg);
        rc = BL_EFORMAT;
        goto done;
    }
    if (rc < 0) goto done;
    if (nrows == 0) {
        bl_err_set(e, BL_EFORMAT, "%s: no data rows (empty file)", path);
        rc = BL_EFORMAT;
        goto done;
    }
    k = maxidx > min_features ? maxidx : min_features;
    if (k == 0) {
        bl_err_set(e, BL_EFORMAT, "%s: no features (every row is a bare label)",
                   path);
        rc = BL_EFORMAT;
        goto done;
    }

    /* the dense table this becomes, before it is allocated */
    if (mode == BL_SPARSE_OFF
        && (rc = check_dense(path, (double)nrows, (double)k + 1, lim, e))) goto done;
    t = calloc(1, sizeof *t);
    if (!t) {
        rc = oom(e);
        goto done;
    }
    if (mode == BL_SPARSE_OFF) {
        if ((rc = alloc_matrix(&t->X, nrows, k, 1, e))) goto done;
    } else if (!(t->S = bl_csr_alloc(nrows, k, sp.n))) {
        rc = oom(e);
        goto done;
    }
    if ((rc = alloc_vector(&t->y, nrows, 0, e))) goto done;
    t->names = t->X ? libsvm_names(k) : NULL;    /* CSR: "f1".. made when shown */
    t->target = xstrdup("label");
    t->path = xstrdup(path);
    if ((t->X && !t->names) || !t->target || !t->path) {
        rc = oom(e);
        goto done;
    }
    for (i = 0; i < nrows; i++) gsl_vector_set(t->y, i, labels.v[i]);
    if (t->X) {
        for (i = 0; i < sp.n; i++) gsl_matrix_set(t->X, sp.row[i], sp.col[i], sp.val[i]);
    } else {
        /* entries come row by row, columns increasing within a row */
        for (i = 0; i < sp.n; i++) {
            t->S->col[i] = (uint32_t)sp.col[i];
            t->S->val[i] = sp.val[i];
            t->S->rowptr[sp.row[i] + 1]++;
        }
        for (i = 0; i < nrows; i++) t->S->rowptr[i + 1] += t->S->rowptr[i];
    }
    *out = t;
    t = NULL;
    rc = BL_OK;

done:
    bl_table_free(t);
    free(labels.v);
    free(sp.row);
    free(sp.col);
    free(sp.val);
    free(line);
    fclose(f);
    return rc;
}

int bl_table_read_libsvm(const char *path, size_t min_features, bl_table **out,
                         bl_err *e)
{
    return read_libsvm(path, min_features, &no_limits, BL_SPARSE_OFF, out, e);
}

int bl_table_read_libsvm_sparse(const char *path, size_t min_features, bl_table **out,
                                bl_err *e)
{
    return read_libsvm(path, min_features, &no_limits, BL_SPARSE_ON, out, e);
}

/* Density of table T's features: non-zeros / (rows · columns). */
static double table_density(const bl_table *t)
{
    if (t->S) return (double)t->S->nnz / ((double)t->S->rows * (double)t->S->cols);
    size_t nz = 0;
    for (size_t i = 0; i < t->X->size1; i++)
        for (size_t j = 0; j < t->X->size2; j++) nz += gsl_matrix_get(t->X, i, j) != 0;
    return (double)nz / ((double)t->X->size1 * (double)t->X->size2);
}

/* T to CSR (WANT 1) or dense (WANT 0), in place; mem.max checked on the
 * dense form. */
static int table_convert(bl_table *t, int want, const rlimits *lim, bl_err *e)
{
    int rc;
    if (want && !t->S) {
        if (!(t->S = bl_csr_from_dense(t->X))) return oom(e);
        gsl_matrix_free(t->X);
        t->X = NULL;
    } else if (!want && t->S) {
        size_t k = t->S->cols;
        if (k > BL_DATA_MAX_FEATURES) {
            bl_err_set(e, BL_EINVAL, "%s: %zu features are past the limit of %d of a "
                       "dense table (load it with sparse=on or auto)", t->path, k,
                       BL_DATA_MAX_FEATURES);
            return BL_EINVAL;
        }
        if ((rc = check_dense(t->path, (double)t->S->rows, (double)k + 1, lim, e)))
            return rc;
        if (!t->names && !(t->names = libsvm_names(k))) return oom(e);
        if (!(t->X = bl_csr_to_dense(t->S))) return oom(e);
        bl_csr_free(t->S);
        t->S = NULL;
    }
    return BL_OK;
}

/* Widens the libsvm table T to K features (zeros appended). */
static int widen_table(bl_table *t, size_t k, bl_err *e)
{
    gsl_matrix *X;
    char **names;
    size_t old;
    int rc;
    if (t->S) {                  /* CSR: only the width changes */
        if (k > t->S->cols) t->S->cols = k;
        return BL_OK;
    }
    old = t->X->size2;
    if (k <= old) return BL_OK;
    if ((rc = alloc_matrix(&X, t->X->size1, k, 1, e))) return rc;
    names = realloc(t->names, (k + 1) * sizeof *names);
    if (!names) {
        gsl_matrix_free(X);
        return oom(e);
    }
    t->names = names;
    for (size_t j = old; j <= k; j++) names[j] = NULL;
    for (size_t j = old; j < k; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "f%zu", j + 1);
        if (!(names[j] = xstrdup(buf))) {
            for (size_t i = old; i < j; i++) {
                free(names[i]);
                names[i] = NULL;
            }
            gsl_matrix_free(X);
            return oom(e);
        }
    }
    {
        gsl_matrix_view sub = gsl_matrix_submatrix(X, 0, 0, t->X->size1, old);
        gsl_matrix_memcpy(&sub.matrix, t->X);
    }
    gsl_matrix_free(t->X);
    t->X = X;
    return BL_OK;
}

/* ---------------------------------------------------------------- datasets */

void bl_load_opts_default(bl_load_opts *o)
{
    if (!o) return;
    o->val_path = NULL;
    o->target = NULL;
    o->format = NULL;
    o->split = 0.7;
    o->seed = 0;
    o->standardize = 1;
    o->sep = 0;
    o->has_positive = 0;
    o->positive = 0;
    o->cancel = NULL;
    o->mem_max = 0;
    o->sparse = BL_SPARSE_AUTO;
}

void bl_dataset_free(bl_dataset *ds)
{
    if (!ds) return;
    free_names(ds->names, ds->X ? ds->X->size2 : ds->Xs ? ds->Xs->cols : 0);
    free(ds->name);
    free(ds->target);
    bl_csr_free(ds->Xs);
    bl_csr_free(ds->Xvs);
    if (ds->X) gsl_matrix_free(ds->X);
    if (ds->y) gsl_vector_free(ds->y);
    if (ds->Xv) gsl_matrix_free(ds->Xv);
    if (ds->yv) gsl_vector_free(ds->yv);
    if (ds->mean) gsl_vector_free(ds->mean);
    if (ds->scale) gsl_vector_free(ds->scale);
    if (ds->flipped) gsl_vector_free(ds->flipped);
    free(ds);
}

/* Classification when every target (both splits) is in {0, 1}, or every
 * target is in {-1, 1}. */
static int detect_task(const gsl_vector *y, const gsl_vector *yv)
{
    int in01 = 1, inpm = 1;
    const gsl_vector *v[2] = { y, yv };
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; v[s] && i < v[s]->size; i++) {
            double t = gsl_vector_get(v[s], i);
            if (t != 0 && t != 1) in01 = 0;
            if (t != -1 && t != 1) inpm = 0;
        }
    return in01 || inpm ? BL_TASK_CLASSIFICATION : BL_TASK_REGRESSION;
}

/* Mean of the N values X[0], X[stride], ... with one correction pass. */
static double mean_strided(const double *x, size_t stride, size_t n)
{
    double s = 0, c = 0, mu;
    for (size_t i = 0; i < n; i++) s += x[i * stride];
    mu = s / (double)n;
    for (size_t i = 0; i < n; i++) c += x[i * stride] - mu;
    return mu + c / (double)n;
}

/* Standardises DS in place with the training statistics: every feature
 * (x - mean) / std (population std; 1 for a constant feature), on both
 * splits; regression targets centred with the training mean. */
static int center_target(bl_dataset *ds, bl_err *e);

/* CSR: every feature divided by its training std (population, zeros
 * counted; 1 for a constant feature), never centred, so that zeros stay
 * zeros (scikit-learn's StandardScaler(with_mean=False)).  The statistics
 * are kept for the columns the training rows use only (sorted, found by
 * binary search): O(nnz) memory whatever p, so ds->mean and ds->scale stay
 * NULL.  Regression targets centred as for dense data. */
static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static long col_find(const uint32_t *cols, size_t k, uint32_t c)
{
    const uint32_t *f = bsearch(&c, cols, k, sizeof *cols, cmp_u32);
    return f ? (long)(f - cols) : -1;
}

static int standardize_sparse(bl_dataset *ds, bl_err *e)
{
    const bl_csr *X = ds->Xs;
    size_t n = X->rows, nnz = X->nnz, k = 0;
    uint32_t *cols = malloc((nnz ? nnz : 1) * sizeof *cols);
    double *s1 = NULL, *s2 = NULL;
    int rc = BL_OK;
    if (!cols) return oom(e);
    if (nnz) memcpy(cols, X->col, nnz * sizeof *cols);
    qsort(cols, nnz, sizeof *cols, cmp_u32);
    for (size_t i = 0; i < nnz; i++)
        if (k == 0 || cols[i] != cols[k - 1]) cols[k++] = cols[i];
    s1 = calloc(k ? k : 1, sizeof *s1);
    s2 = calloc(k ? k : 1, sizeof *s2);
    if (!s1 || !s2) {
        rc = oom(e);
        goto done;
    }
    for (size_t t = 0; t < nnz; t++) {
        long c = col_find(cols, k, X->col[t]);
        double v = X->val[t];
        s1[c] += v;
        s2[c] += v * v;
    }
    for (size_t c = 0; c < k; c++) {
        double mu = s1[c] / (double)n, var = s2[c] / (double)n - mu * mu;
        double sd = var > 1e-300 ? sqrt(var) : 1.0;
        if (!isfinite(sd)) {
            bl_err_set(e, BL_EDIVERGE, "feature f%lu: values too large to standardise",
                       (unsigned long)cols[c] + 1);
            rc = BL_EDIVERGE;
            goto done;
        }
        s2[c] = sd;
    }
    {
        bl_csr *S[2] = {ds->Xs, ds->Xvs};
        for (int t = 0; t < 2; t++)
            for (size_t i = 0; i < S[t]->nnz; i++) {
                long c = col_find(cols, k, S[t]->col[i]);
                if (c >= 0) S[t]->val[i] /= s2[c];   /* a column training lacks: 1 */
            }
    }
    if ((rc = center_target(ds, e))) goto done;
    ds->standardized = 1;
done:
    free(cols);
    free(s1);
    free(s2);
    return rc;
}

static int standardize(bl_dataset *ds, bl_err *e)
{
    if (ds->Xs) return standardize_sparse(ds, e);
    size_t n = ds->X->size1, m = ds->Xv->size1, p = ds->X->size2;
    int rc;
    if ((rc = alloc_vector(&ds->mean, p, 0, e))) return rc;
    if ((rc = alloc_vector(&ds->scale, p, 0, e))) return rc;
    for (size_t j = 0; j < p; j++) {
        const double *col = gsl_matrix_const_ptr(ds->X, 0, j);
        size_t tda = ds->X->tda;
        double mu = mean_strided(col, tda, n), ss = 0, sd;
        int constant = 1;
        for (size_t i = 0; i < n; i++) {
            double d = col[i * tda] - mu;
            ss += d * d;
            if (col[i * tda] != col[0]) constant = 0;
        }
        sd = sqrt(ss / (double)n);
        if (constant || !(sd > 0)) sd = 1;
        if (!isfinite(mu) || !isfinite(sd)) {
            bl_err_set(e, BL_EDIVERGE, "feature %s: values too large to "
                       "standardise", ds->names[j]);
            return BL_EDIVERGE;
        }
        gsl_vector_set(ds->mean, j, mu);
        gsl_vector_set(ds->scale, j, sd);
        for (size_t i = 0; i < n; i++)
            gsl_matrix_set(ds->X, i, j, (gsl_matrix_get(ds->X, i, j) - mu) / sd);
        for (size_t i = 0; i < m; i++)
            gsl_matrix_set(ds->Xv, i, j, (gsl_matrix_get(ds->Xv, i, j) - mu) / sd);
    }
    if ((rc = center_target(ds, e))) return rc;
    ds->standardized = 1;
    return BL_OK;
}

static int center_target(bl_dataset *ds, bl_err *e)
{
    size_t n = ds->y->size;
    ds->y_mean = 0;
    if (ds->task == BL_TASK_REGRESSION) {
        double ym = mean_strided(ds->y->data, ds->y->stride, n);
        if (!isfinite(ym)) {
            bl_err_set(e, BL_EDIVERGE, "target %s: values too large to centre",
                       ds->target);
            return BL_EDIVERGE;
        }
        ds->y_mean = ym;
        gsl_vector_add_constant(ds->y, -ym);
        gsl_vector_add_constant(ds->yv, -ym);
    }
    return BL_OK;
}

/* Copies rows IDX[0..k) of table T into X, y. */
static void copy_rows(const bl_table *t, const size_t *idx, size_t k,
                      gsl_matrix *X, gsl_vector *y)
{
    for (size_t i = 0; i < k; i++) {
        gsl_vector_const_view r = gsl_matrix_const_row(t->X, idx[i]);
        gsl_matrix_set_row(X, i, &r.vector);
        gsl_vector_set(y, i, gsl_vector_get(t->y, idx[i]));
    }
}

static int check_table(const bl_table *t, const char *what, bl_err *e)
{
    size_t r = !t ? 0 : t->X ? t->X->size1 : t->S ? t->S->rows : 0;
    size_t c = !t ? 0 : t->X ? t->X->size2 : t->S ? t->S->cols : 0;
    if (!t || (!t->X && !t->S) || !t->y || r == 0 || c == 0 || t->y->size != r) {
        bl_err_set(e, BL_EINVAL, "%s table is empty or inconsistent", what);
        return BL_EINVAL;
    }
    return BL_OK;
}

int bl_data_from_tables(const bl_table *train, const bl_table *val,
                        const bl_load_opts *o, const char *name,
                        bl_dataset **out, bl_err *e)
{
    bl_load_opts def;
    bl_dataset *ds = NULL;
    size_t p, n, m;
    size_t *perm = NULL;
    int rc;

    if (out) *out = NULL;
    if (!out) {
        bl_err_set(e, BL_EINVAL, "no place to store the data set");
        return BL_EINVAL;
    }
    if (!o) {
        bl_load_opts_default(&def);
        o = &def;
    }
    if ((rc = check_table(train, "training", e))) return rc;
    if (val && (rc = check_table(val, "validation", e))) return rc;
    p = train->X ? train->X->size2 : train->S->cols;
    if (val && (!val->X != !train->X)) {
        bl_err_set(e, BL_EINVAL, "training and validation tables must both be dense "
                   "or both sparse");
        return BL_EINVAL;
    }
    if (val && (val->X ? val->X->size2 : val->S->cols) != p) {
        bl_err_set(e, BL_EDIM, "training has %zu features but validation has %zu",
                   p, val->X ? val->X->size2 : val->S->cols);
        return BL_EDIM;
    }
    if (val) {
        n = train->X ? train->X->size1 : train->S->rows;
        m = val->X ? val->X->size1 : val->S->rows;
    } else {
        size_t rows = train->X ? train->X->size1 : train->S->rows;
        double x;
        if (!(o->split > 0 && o->split < 1)) {
            bl_err_set(e, BL_EINVAL, "split must be strictly between 0 and 1, "
                       "not %g", o->split);
            return BL_EINVAL;
        }
        if (rows < 2) {
            bl_err_set(e, BL_EINVAL, "need at least 2 rows to split into "
                       "training and validation, found %zu", rows);
            return BL_EINVAL;
        }
        x = floor(o->split * (double)rows + 0.5);
        if (x < 1 || x > (double)(rows - 1)) {
            bl_err_set(e, BL_EINVAL, "split %g of %zu rows leaves the %s split "
                       "empty", o->split, rows, x < 1 ? "training" : "validation");
            return BL_EINVAL;
        }
        n = (size_t)x;
        m = rows - n;
    }

    ds = calloc(1, sizeof *ds);
    if (!ds) return oom(e);
    if (train->X && (rc = alloc_matrix(&ds->X, n, p, 0, e))) goto fail;
    if ((rc = alloc_vector(&ds->y, n, 0, e))) goto fail;
    if (train->X && (rc = alloc_matrix(&ds->Xv, m, p, 0, e))) goto fail;
    if ((rc = alloc_vector(&ds->yv, m, 0, e))) goto fail;

    if (val) {
        if (train->X) {
            gsl_matrix_memcpy(ds->X, train->X);
            gsl_matrix_memcpy(ds->Xv, val->X);
        } else {
            if (!(ds->Xs = bl_csr_copy(train->S)) || !(ds->Xvs = bl_csr_copy(val->S))) {
                rc = oom(e);
                goto fail;
            }
            ds->Xs->cols = ds->Xvs->cols = p;
        }
        gsl_vector_memcpy(ds->y, train->y);
        gsl_vector_memcpy(ds->yv, val->y);
        ds->split = 0;
    } else {
        /* Shuffle the row indices with an MT19937 seeded with o->seed; the
         * first n (in shuffled order) are the training rows, the rest the
         * validation rows. */
        size_t rows = n + m;
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        perm = malloc(rows * sizeof *perm);
        if (!r || !perm) {
            if (r) gsl_rng_free(r);
            rc = oom(e);
            goto fail;
        }
        gsl_rng_set(r, o->seed);
        for (size_t i = 0; i < rows; i++) perm[i] = i;
        gsl_ran_shuffle(r, perm, rows, sizeof *perm);
        gsl_rng_free(r);
        if (train->X) {
            copy_rows(train, perm, n, ds->X, ds->y);
            copy_rows(train, perm + n, m, ds->Xv, ds->yv);
        } else {
            if (!(ds->Xs = bl_csr_rows(train->S, perm, n))
                || !(ds->Xvs = bl_csr_rows(train->S, perm + n, m))) {
                rc = oom(e);
                goto fail;
            }
            for (size_t i = 0; i < n; i++) gsl_vector_set(ds->y, i, gsl_vector_get(train->y, perm[i]));
            for (size_t i = 0; i < m; i++)
                gsl_vector_set(ds->yv, i, gsl_vector_get(train->y, perm[n + i]));
        }
        ds->split = o->split;
    }
    ds->seed = o->seed;
    ds->one_vs_rest = o->has_positive;
    ds->positive = o->positive;

    ds->names = train->names ? dup_names(train->names, p) : NULL;
    ds->target = xstrdup(train->target ? train->target : "y");
    ds->name = xstrdup(name ? name : train->path ? train->path : "data");
    if ((train->names && !ds->names) || !ds->target || !ds->name) {
        rc = oom(e);
        goto fail;
    }
    ds->task = detect_task(ds->y, ds->yv);
    if (o->standardize && (rc = standardize(ds, e))) goto fail;
    free(perm);
    *out = ds;
    return BL_OK;

fail:
    free(perm);
    bl_dataset_free(ds);
    return rc;
}

/* Format from the option, else from the extension of the file name. */
static int choose_format(const char *fmt, const char *path, int *out, bl_err *e)
{
    if (fmt) {
        if (strcasecmp(fmt, "csv") == 0) {
            *out = FMT_CSV;
        } else if (strcasecmp(fmt, "libsvm") == 0 || strcasecmp(fmt, "svm") == 0) {
            *out = FMT_LIBSVM;
        } else {
            bl_err_set(e, BL_EINVAL, "unknown format '%s' (choices: csv, libsvm)",
                       fmt);
            return BL_EINVAL;
        }
        return BL_OK;
    }
    {
        const char *base = strrchr(path, '/');
        const char *dot;
        base = base ? base + 1 : path;
        dot = strrchr(base, '.');
        *out = FMT_CSV;
        if (dot && (strcasecmp(dot, ".svm") == 0 || strcasecmp(dot, ".libsvm") == 0 ||
                    strcasecmp(dot, ".txt") == 0))
            *out = FMT_LIBSVM;
    }
    return BL_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The distinct values among the N values V[0], V[stride], ... plus SHIFT,
 * sorted, into OUT (at least MAX + 1 slots); returns how many, counting at
 * most MAX + 1. */
static size_t distinct(const double *v, size_t stride, size_t n, double shift,
                       double *out, size_t k, size_t max)
{
    for (size_t i = 0; i < n && k <= max; i++) {
        double t = v[i * stride] + shift;
        size_t j = 0;
        while (j < k && out[j] != t) j++;
        if (j == k) out[k++] = t;
    }
    qsort(out, k, sizeof *out, cmp_double);
    return k;
}

/* "0, 1, 2" or "0, 1, 2, … (more than 12)" for an error message. */
static void list_values(const double *v, size_t k, size_t max, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < k && i < max && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%.10g", i ? ", " : "", v[i]);
    if (k > max && used < len) snprintf(buf + used, len - used, ", … (more than %zu)", max);
}

size_t bl_dataset_classes(const bl_dataset *ds, double *vals, size_t max)
{
    double buf[65];
    if (!ds || !ds->y || !ds->yv) return 0;
    if (max > 64) max = 64;
    size_t k = distinct(ds->y->data, ds->y->stride, ds->y->size, ds->y_mean, buf, 0, max);
    if (k <= max)
        k = distinct(ds->yv->data, ds->yv->stride, ds->yv->size, ds->y_mean, buf, k, max);
    for (size_t i = 0; vals && i < k && i < max; i++) vals[i] = buf[i];
    return k;
}

/* positive=VALUE: the target becomes +1 where it equals VALUE and −1
 * elsewhere (one class against the rest).  With CHECK (the training
 * file) both classes must occur. */
static int one_vs_rest(bl_table *t, double pos, const char *name, int check, bl_err *e)
{
    size_t n = t->y->size, k = 0;
    for (size_t i = 0; i < n; i++) k += gsl_vector_get(t->y, i) == pos;
    if (check && (k == 0 || k == n)) {
        double vals[13];
        char list[200];
        size_t nv = distinct(t->y->data, t->y->stride, n, 0, vals, 0, 12);
        list_values(vals, nv, 12, list, sizeof list);
        if (k == 0)
            bl_err_set(e, BL_EINVAL, "positive=%.10g: no row of '%s' has %s = %.10g "
                       "(its values: %s)", pos, name, t->target ? t->target : "the target",
                       pos, list);
        else
            bl_err_set(e, BL_EINVAL, "positive=%.10g: every row of '%s' has %s = %.10g: "
                       "one class only", pos, name, t->target ? t->target : "the target",
                       pos);
        return BL_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        gsl_vector_set(t->y, i, gsl_vector_get(t->y, i) == pos ? 1.0 : -1.0);
    return BL_OK;
}

static int read_table(const char *path, int fmt, const char *target, char sep,
                      size_t min_features, const rlimits *lim, int mode, bl_table **t,
                      bl_err *e)
{
    if (fmt == FMT_CSV) return read_csv(path, target, sep, lim, t, e);
    if (target && strcmp(target, "label") != 0 && strcmp(target, "0") != 0) {
        bl_err_set(e, BL_EINVAL, "%s: a target column cannot be chosen in a "
                   "libsvm file (the label is the target)", path);
        return BL_EINVAL;
    }
    return read_libsvm(path, min_features, lim, mode, t, e);
}

/* sparse=auto's choice for table T: 1 for CSR. */
static int choose_sparse(const bl_table *t, int mode, const rlimits *lim)
{
    if (mode != BL_SPARSE_AUTO) return mode == BL_SPARSE_ON;
    size_t r = t->X ? t->X->size1 : t->S->rows, c = t->X ? t->X->size2 : t->S->cols;
    if (c > BL_DATA_MAX_FEATURES) return 1;
    if (lim->mem_max > 0 && (double)r * ((double)c + 1) * (double)sizeof(double) > lim->mem_max)
        return 1;
    return table_density(t) <= BL_SPARSE_DENSITY;
}

int bl_data_load(const char *path, const bl_load_opts *o, bl_dataset **out,
                 bl_err *e)
{
    bl_load_opts def;
    char bundled[4096];
    const char *file = path;
    bl_table *train = NULL, *val = NULL;
    rlimits lim;
    int fmt, rc, bare;

    if (out) *out = NULL;
    if (!path || !*path || !out) {
        bl_err_set(e, BL_EINVAL, "no data file given");
        return BL_EINVAL;
    }
    if (!o) {
        bl_load_opts_default(&def);
        o = &def;
    }
    bare = !strchr(path, '/') && !strchr(path, '.');
    if (bare && bl_data_find_bundled(path, bundled, sizeof bundled)) {
        file = bundled;
        fmt = FMT_CSV;
    } else if ((rc = choose_format(o->format, path, &fmt, e))) {
        return rc;
    }

    if (fmt == FMT_LIBSVM && o->sep && o->sep != ',') {
        bl_err_set(e, BL_EINVAL, "%s: sep= applies to CSV files, not libsvm", path);
        return BL_EINVAL;
    }
    lim.cancel = o->cancel;
    lim.mem_max = o->mem_max;
    rc = read_table(file, fmt, o->target, o->sep, 0, &lim, o->sparse, &train, e);
    if (rc && file == bundled && e && strncmp(e->msg, bundled, strlen(bundled)) == 0) {
        /* name a bundled set as the user did, not by where it is installed */
        char rest[sizeof e->msg];
        snprintf(rest, sizeof rest, "%s", e->msg + strlen(bundled));
        snprintf(e->msg, sizeof e->msg, "%s%s", path, rest);
    }
    if (rc) {
        if (bare && rc == BL_EIO && e && access(path, F_OK) != 0) {  /* no such file */
            size_t used = strlen(e->msg);
            snprintf(e->msg + used, sizeof e->msg - used,
                     " (bundled sets: diabetes, breast_cancer, digits, wine)");
        }
        goto done;
    }
    if (o->val_path) {
        rc = read_table(o->val_path, fmt, o->target, o->sep,
                        train->X ? train->X->size2 : train->S->cols, &lim, o->sparse, &val, e);
        if (rc) goto done;
        if (!train->X != !val->X) {   /* one representation for both */
            rc = table_convert(val, train->S != NULL, &lim, e);
            if (rc) goto done;
        }
        /* A libsvm file only names the features it uses: pad the training
         * table to the validation width (the reverse is done by the read). */
        if (fmt == FMT_LIBSVM && (rc = widen_table(train, val->X ? val->X->size2 : val->S->cols, e)))
            goto done;
    }
    {
        int want = choose_sparse(train, o->sparse, &lim);
        if ((rc = table_convert(train, want, &lim, e))) goto done;
        if (val && (rc = table_convert(val, want, &lim, e))) goto done;
    }
    if (o->has_positive && ((rc = one_vs_rest(train, o->positive, path, 1, e))
                            || (val && (rc = one_vs_rest(val, o->positive, o->val_path, 0, e)))))
        goto done;
    rc = bl_data_from_tables(train, val, o, path, out, e);

done:
    bl_table_free(train);
    bl_table_free(val);
    return rc;
}

/* --------------------------------------------------------------- synthetic */

void bl_synth_opts_default(bl_synth_opts *o)
{
    if (!o) return;
    o->n = 100;
    o->m = 100;
    o->p = 10;
    o->noise = 0.1;
    o->corr = 0.0;
    o->rho = 0.0;
    o->seed = 0;
    o->standardize = 0;
    o->density = 0.01;
    o->task = BL_TASK_CLASSIFICATION;
    o->cancel = NULL;
}

/* data synth sparse.  Random stream (MT19937 seeded with o->seed):
 *   1. for j = 0..p−1: u ~ U[0,1), then w_j ~ N(0,1) when u < 0.1, else
 *      w_j = 0 (a sparse ground truth: about a tenth of the features);
 *   2. for each row (n training, then m validation): the columns with a
 *      non-zero are those hit by geometric gaps, j ← j + 1 +
 *      ⌊log(u)/log(1 − density)⌋ (each column independently with
 *      probability density), each value N(0,1); then the noise draw z,
 *      s = xᵀw + noise·z; y = sign(s) ∈ {−1, +1} (s = 0 gives −1) or s.
 * Standardisation (o->standardize) after, without centring. */
static int synth_sparse(const bl_synth_opts *o, bl_dataset **out, bl_err *e)
{
    bl_dataset *ds = NULL;
    gsl_rng *r = NULL;
    double *w = NULL;
    size_t *cap = NULL;
    int rc = BL_OK;
    int cls = o->task != BL_TASK_REGRESSION;
    if (o->n < 2 || o->m < 1 || o->p < 1 || o->p > BL_CSR_MAX_COLS) {
        bl_err_set(e, BL_EINVAL, "sparse synth needs n >= 2, m >= 1 and 1 <= p <= %zu",
                   BL_CSR_MAX_COLS);
        return BL_EINVAL;
    }
    if (!(o->density > 0 && o->density <= 1)) {
        bl_err_set(e, BL_EINVAL, "density must lie in (0, 1], not %g", o->density);
        return BL_EINVAL;
    }
    if (!(o->noise >= 0) || !isfinite(o->noise)) {
        bl_err_set(e, BL_EINVAL, "noise must be a finite number >= 0, not %g", o->noise);
        return BL_EINVAL;
    }
    ds = calloc(1, sizeof *ds);
    if (!ds) return oom(e);
    if ((rc = alloc_vector(&ds->y, o->n, 0, e))) goto done;
    if ((rc = alloc_vector(&ds->yv, o->m, 0, e))) goto done;
    w = malloc(o->p * sizeof *w);
    r = gsl_rng_alloc(gsl_rng_mt19937);
    ds->target = xstrdup("y");
    ds->name = xstrdup(cls ? "synth sparse" : "synth sparse regression");
    if (!w || !r || !ds->target || !ds->name) {
        rc = oom(e);
        goto done;
    }
    gsl_rng_set(r, o->seed);
    for (size_t j = 0; j < o->p; j++)
        w[j] = gsl_rng_uniform(r) < 0.1 ? gsl_ran_gaussian(r, 1.0) : 0.0;
    {
        const double lq = log1p(-o->density);
        for (int t = 0; t < 2; t++) {
            size_t rows = t ? o->m : o->n;
            double guess = (double)rows * (double)o->p * o->density;
            size_t room = (size_t)(guess + 6 * sqrt(guess + 1) + 16);
            bl_csr *S = bl_csr_alloc(rows, o->p, room);
            if (!S) {
                rc = oom(e);
                goto done;
            }
            if (t) ds->Xvs = S;
            else ds->Xs = S;
            size_t k = 0;
            for (size_t i = 0; i < rows; i++) {
                if (o->cancel && *o->cancel) {
                    bl_err_set(e, BL_EINTR, "interrupted after %zu rows", i);
                    rc = BL_EINTR;
                    goto done;
                }
                double sum = 0;
                for (size_t j = 0;;) {
                    if (o->density < 1) {
                        double u = gsl_rng_uniform_pos(r);
                        double gap = floor(log(u) / lq);
                        if (gap >= (double)(o->p - j)) break;
                        j += (size_t)gap;
                    }
                    if (j >= o->p) break;
                    if (k == room) {     /* rare: more than the bound guessed */
                        size_t nr = 2 * room;
                        uint32_t *c = realloc(S->col, nr * sizeof *c);
                        if (c) S->col = c;
                        double *v = c ? realloc(S->val, nr * sizeof *v) : NULL;
                        if (!v) {
                            rc = oom(e);
                            goto done;
                        }
                        S->val = v;
                        room = nr;
                    }
                    double x = gsl_ran_gaussian(r, 1.0);
                    S->col[k] = (uint32_t)j;
                    S->val[k++] = x;
                    sum += x * w[j];
                    j++;
                }
                S->rowptr[i + 1] = k;
                sum += o->noise * gsl_ran_gaussian(r, 1.0);
                gsl_vector_set(t ? ds->yv : ds->y, i, cls ? (sum > 0 ? 1.0 : -1.0) : sum);
            }
            S->nnz = k;
        }
    }
    ds->task = cls ? BL_TASK_CLASSIFICATION : BL_TASK_REGRESSION;
    ds->split = (double)o->n / (double)(o->n + o->m);
    ds->seed = o->seed;
    if (o->standardize && (rc = standardize(ds, e))) goto done;
    *out = ds;
    ds = NULL;
done:
    bl_dataset_free(ds);
    free(w);
    free(cap);
    if (r) gsl_rng_free(r);
    return rc;
}

/* Random stream (MT19937 seeded with o->seed, gsl_ran_gaussian with
 * sigma 1), in this exact order:
 *   1. w_0 .. w_{p-1}                                   (p draws)
 *   2. for each row, the n training rows then the m validation rows:
 *        z_0 .. z_{p-1}, then the noise draw z          (p + 1 draws)
 *      x_0 = z_0, x_j = corr x_{j-1} + sqrt(1 - corr^2) z_j  (AR(1):
 *      Cov(x_i, x_j) = corr^|i-j|), s = x'w + noise z;
 *      regression y = s, classification y = +1 if s > 0 else -1.
 *      The noise draw is made even when noise = 0.
 *   3. classification with rho > 0 only: k = round(rho n) training rows
 *      picked with gsl_ran_choose(r, idx, k, 0..n-1, n) (skipped when
 *      k = 0); their labels are negated and ds->flipped[i] = 1.
 * Standardisation (o->standardize) comes after, as for loaded data. */
int bl_data_synth(const char *kind, const bl_synth_opts *o, bl_dataset **out,
                  bl_err *e)
{
    bl_synth_opts def;
    bl_dataset *ds = NULL;
    gsl_rng *r = NULL;
    gsl_vector *w = NULL;
    size_t *src = NULL, *pick = NULL;
    int cls, rc;
    double a;

    if (out) *out = NULL;
    if (!out) {
        bl_err_set(e, BL_EINVAL, "no place to store the data set");
        return BL_EINVAL;
    }
    if (!o) {
        bl_synth_opts_default(&def);
        o = &def;
    }
    if (kind && strcmp(kind, "sparse") == 0) return synth_sparse(o, out, e);
    if (kind && strcmp(kind, "regression") == 0) {
        cls = 0;
    } else if (kind && strcmp(kind, "classification") == 0) {
        cls = 1;
    } else {
        char q[QUOTE_MAX + 8];
        bl_err_set(e, BL_EINVAL, "unknown synthetic data kind '%s' (choices: "
                   "regression, classification, sparse)",
                   kind ? quote(q, sizeof q, kind) : "(null)");
        return BL_EINVAL;
    }
    if (o->n < 2) {
        bl_err_set(e, BL_EINVAL, "n (training samples) must be at least 2, not %zu", o->n);
        return BL_EINVAL;
    }
    if (o->m < 1) {
        bl_err_set(e, BL_EINVAL, "m (validation samples) must be at least 1, not %zu", o->m);
        return BL_EINVAL;
    }
    if (o->p < 1) {
        bl_err_set(e, BL_EINVAL, "p (features) must be at least 1, not %zu", o->p);
        return BL_EINVAL;
    }
    if (!(o->noise >= 0) || !isfinite(o->noise)) {
        bl_err_set(e, BL_EINVAL, "noise must be a finite number >= 0, not %g", o->noise);
        return BL_EINVAL;
    }
    if (!(o->corr > -1 && o->corr < 1)) {
        bl_err_set(e, BL_EINVAL, "corr must be strictly between -1 and 1, not %g",
                   o->corr);
        return BL_EINVAL;
    }
    if (cls && !(o->rho >= 0 && o->rho <= 0.5)) {
        bl_err_set(e, BL_EINVAL, "rho (fraction of flipped labels) must be in "
                   "[0, 0.5], not %g", o->rho);
        return BL_EINVAL;
    }
    if (!cls && o->rho != 0) {
        bl_err_set(e, BL_EINVAL, "rho (label flips) applies only to "
                   "classification, not regression");
        return BL_EINVAL;
    }

    ds = calloc(1, sizeof *ds);
    if (!ds) return oom(e);
    if ((rc = alloc_matrix(&ds->X, o->n, o->p, 0, e))) goto done;
    if ((rc = alloc_vector(&ds->y, o->n, 0, e))) goto done;
    if ((rc = alloc_matrix(&ds->Xv, o->m, o->p, 0, e))) goto done;
    if ((rc = alloc_vector(&ds->yv, o->m, 0, e))) goto done;
    if ((rc = alloc_vector(&w, o->p, 0, e))) goto done;
    ds->names = calloc(o->p + 1, sizeof *ds->names);
    ds->target = xstrdup("y");
    ds->name = xstrdup(cls ? "synth classification" : "synth regression");
    r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!ds->names || !ds->target || !ds->name || !r) {
        rc = oom(e);
        goto done;
    }
    for (size_t j = 0; j < o->p; j++) {
        char buf[32];
        snprintf(buf, sizeof buf, "x%zu", j + 1);
        if (!(ds->names[j] = xstrdup(buf))) {
            rc = oom(e);
            goto done;
        }
    }
    gsl_rng_set(r, o->seed);

    /* 1. weights */
    for (size_t j = 0; j < o->p; j++) gsl_vector_set(w, j, gsl_ran_gaussian(r, 1.0));
    /* 2. rows: training then validation */
    a = sqrt(1 - o->corr * o->corr);
    for (size_t i = 0; i < o->n + o->m; i++) {
        if (o->cancel && *o->cancel) {
            bl_err_set(e, BL_EINTR, "interrupted after %zu of %zu rows", i, o->n + o->m);
            rc = BL_EINTR;
            goto done;
        }
        int tr = i < o->n;
        gsl_matrix *X = tr ? ds->X : ds->Xv;
        gsl_vector *y = tr ? ds->y : ds->yv;
        size_t row = tr ? i : i - o->n;
        double prev = 0, s = 0;
        for (size_t j = 0; j < o->p; j++) {
            double z = gsl_ran_gaussian(r, 1.0);
            double x = j == 0 ? z : o->corr * prev + a * z;
            gsl_matrix_set(X, row, j, x);
            s += x * gsl_vector_get(w, j);
            prev = x;
        }
        s += o->noise * gsl_ran_gaussian(r, 1.0);
        gsl_vector_set(y, row, cls ? (s > 0 ? 1.0 : -1.0) : s);
    }
    /* 3. label flips */
    if (cls && o->rho > 0) {
        size_t k = (size_t)floor(o->rho * (double)o->n + 0.5);
        if ((rc = alloc_vector(&ds->flipped, o->n, 1, e))) goto done;
        if (k > 0) {
            src = malloc(o->n * sizeof *src);
            pick = malloc(k * sizeof *pick);
            if (!src || !pick) {
                rc = oom(e);
                goto done;
            }
            for (size_t i = 0; i < o->n; i++) src[i] = i;
            if (gsl_ran_choose(r, pick, k, src, o->n, sizeof *src) != GSL_SUCCESS) {
                bl_err_set(e, BL_EINVAL, "cannot choose %zu of %zu labels", k, o->n);
                rc = BL_EINVAL;
                goto done;
            }
            for (size_t i = 0; i < k; i++) {
                gsl_vector_set(ds->y, pick[i], -gsl_vector_get(ds->y, pick[i]));
                gsl_vector_set(ds->flipped, pick[i], 1.0);
            }
        }
    }

    ds->task = cls ? BL_TASK_CLASSIFICATION : BL_TASK_REGRESSION;
    ds->split = (double)o->n / (double)(o->n + o->m);
    ds->seed = o->seed;
    if (o->standardize && (rc = standardize(ds, e))) goto done;
    *out = ds;
    ds = NULL;
    rc = BL_OK;

done:
    bl_dataset_free(ds);
    if (w) gsl_vector_free(w);
    if (r) gsl_rng_free(r);
    free(src);
    free(pick);
    return rc;
}

/* ------------------------------------------------------------------ export */

int bl_data_export_csv(const bl_dataset *ds, const char *path, bl_err *e)
{
    bl_wfile w;
    FILE *f;
    size_t p;
    int bad = 0, rc;

    if (ds && ds->Xs) {
        bl_err_set(e, BL_EINVAL, "the data are sparse: export them as libsvm "
                   "(a file name ending in .svm)");
        return BL_EINVAL;
    }
    if (!ds || !ds->X || !ds->y || !ds->Xv || !ds->yv || !path) {
        bl_err_set(e, BL_EINVAL, "no data set or file name to export");
        return BL_EINVAL;
    }
    p = ds->X->size2;
    /* a temporary renamed over PATH at the end: a failed export leaves
     * the old file as it was */
    if ((rc = bl_wfile_open(&w, path, e))) return rc;
    f = w.f;
    errno = 0;
    for (size_t j = 0; j < p; j++)
        if (fprintf(f, "%s,", ds->names && ds->names[j] ? ds->names[j] : "") < 0)
            bad = 1;
    if (fprintf(f, "%s,validation\n", ds->target ? ds->target : "y") < 0) bad = 1;
    for (int s = 0; s < 2 && !bad; s++) {
        const gsl_matrix *X = s ? ds->Xv : ds->X;
        const gsl_vector *y = s ? ds->yv : ds->y;
        for (size_t i = 0; i < X->size1 && !bad; i++) {
            for (size_t j = 0; j < p; j++)
                if (fprintf(f, "%.17g,", gsl_matrix_get(X, i, j)) < 0) bad = 1;
            if (fprintf(f, "%.17g,%d\n", gsl_vector_get(y, i), s) < 0) bad = 1;
        }
    }
    if (bad && !w.err) w.err = errno ? errno : EIO;  /* the first failure's reason */
    return bl_wfile_commit(&w, e);
}

/* ----------------------------------------------------------------- bundled */

static int try_dir(const char *dir, const char *name, char *buf, size_t len)
{
    int n;
    if (!dir || !*dir) return 0;
    n = snprintf(buf, len, "%s/%s.csv", dir, name);
    if (n < 0 || (size_t)n >= len) return 0;
    return access(buf, R_OK) == 0;
}

int bl_data_find_bundled(const char *name, char *buf, size_t len)
{
    if (!buf || len == 0) return 0;
    buf[0] = '\0';
    if (!name || !*name || strchr(name, '/')) return 0;
    if (try_dir(getenv("BILAB_DATADIR"), name, buf, len)) return 1;
    if (try_dir(BL_PKGDATADIR "/data", name, buf, len)) return 1;
    if (try_dir(BL_SRCDATADIR, name, buf, len)) return 1;
    buf[0] = '\0';
    return 0;
}

int bl_dataset_check(const bl_dataset *ds, const char *who, bl_err *e)
{
    if (ds && ds->Xs) {
        bl_err_set(e, BL_EINVAL, "%s needs dense data, and '%s' is sparse (load it with "
                   "sparse=off; sparse data serve " BL_SPARSE_PROBLEMS ")", who,
                   ds->name ? ds->name : "the data");
        return BL_EINVAL;
    }
    if (!ds || !ds->X || !ds->y || !ds->Xv || !ds->yv) {
        bl_err_set(e, BL_ENODATA, "%s needs a training and a validation split", who);
        return BL_ENODATA;
    }
    size_t n = ds->X->size1, p = ds->X->size2, m = ds->Xv->size1;
    if (ds->y->size != n || ds->yv->size != m) {
        bl_err_set(e, BL_EDIM, "%s: %zu training rows but %zu targets, %zu validation "
                   "rows but %zu targets", who, n, ds->y->size, m, ds->yv->size);
        return BL_EDIM;
    }
    if (ds->Xv->size2 != p) {
        bl_err_set(e, BL_EDIM, "%s: training has %zu features, validation %zu", who, p,
                   ds->Xv->size2);
        return BL_EDIM;
    }
    return BL_OK;
}

/* ------------------------------------------------------- sparse helpers */

bl_dmat bl_dataset_dmat(const bl_dataset *ds, int val)
{
    if (ds->Xs) return bl_dmat_sparse(val ? ds->Xvs : ds->Xs);
    return bl_dmat_dense(val ? ds->Xv : ds->X);
}

double bl_dataset_nnz(const bl_dataset *ds)
{
    if (ds->Xs) return (double)ds->Xs->nnz + (double)ds->Xvs->nnz;
    return (double)ds->X->size2 * ((double)ds->X->size1 + (double)ds->Xv->size1);
}

double bl_dataset_bytes(const bl_dataset *ds)
{
    if (ds->Xs)
        return bl_csr_bytes((double)ds->Xs->rows, (double)ds->Xs->nnz)
               + bl_csr_bytes((double)ds->Xvs->rows, (double)ds->Xvs->nnz);
    return bl_mem_dense((double)ds->X->size1 + (double)ds->Xv->size1, (double)ds->X->size2);
}

const char *bl_dataset_feature(const bl_dataset *ds, size_t j, char *buf, size_t len)
{
    if (ds->names && ds->names[j]) return ds->names[j];
    snprintf(buf, len, "f%zu", j + 1);
    return buf;
}

int bl_dataset_check_any(const bl_dataset *ds, const char *who, bl_err *e)
{
    if (!ds || !ds->Xs) return bl_dataset_check(ds, who, e);
    if (!ds->Xvs || !ds->y || !ds->yv) {
        bl_err_set(e, BL_ENODATA, "%s needs a training and a validation split", who);
        return BL_ENODATA;
    }
    if (ds->y->size != ds->Xs->rows || ds->yv->size != ds->Xvs->rows
        || ds->Xs->cols != ds->Xvs->cols) {
        bl_err_set(e, BL_EDIM, "%s: the splits' sizes disagree", who);
        return BL_EDIM;
    }
    return BL_OK;
}

int bl_data_export_libsvm(const bl_dataset *ds, const char *path, bl_err *e)
{
    if (!ds || !ds->y || !ds->yv || !path || (!ds->X && !ds->Xs)) {
        bl_err_set(e, BL_EINVAL, "no data to export");
        return BL_EINVAL;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        bl_err_set(e, BL_EIO, "%s: cannot write (%s)", path, strerror(errno));
        return BL_EIO;
    }
    int bad = 0;
    for (int t = 0; t < 2 && !bad; t++) {
        bl_dmat A = bl_dataset_dmat(ds, t);
        const gsl_vector *y = t ? ds->yv : ds->y;
        for (size_t i = 0; i < y->size && !bad; i++) {
            if (fprintf(f, "%.17g", gsl_vector_get(y, i) + ds->y_mean) < 0) bad = 1;
            if (A.s) {
                for (size_t k = A.s->rowptr[i]; k < A.s->rowptr[i + 1]; k++)
                    if (fprintf(f, " %zu:%.17g", (size_t)A.s->col[k] + 1, A.s->val[k]) < 0)
                        bad = 1;
            } else {
                for (size_t j = 0; j < A.d->size2; j++) {
                    double v = gsl_matrix_get(A.d, i, j);
                    if (v != 0 && fprintf(f, " %zu:%.17g", j + 1, v) < 0) bad = 1;
                }
            }
            if (fputc('\n', f) == EOF) bad = 1;
        }
    }
    if (fclose(f) != 0) bad = 1;
    if (bad) {
        bl_err_set(e, BL_EIO, "%s: write failed", path);
        return BL_EIO;
    }
    return BL_OK;
}
