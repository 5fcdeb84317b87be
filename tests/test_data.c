/* test_data.c: CSV / libsvm readers, splits, standardisation, synthetic
 * data, export and the bundled sets (src/core/data.c). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "fileio.h"
#include "fixtures.h"

#ifndef BL_SRCDATADIR
#define BL_SRCDATADIR "problems/data"
#endif

#define MAXFILES 64

typedef struct ctx {
    const char *dir;            /* the temporary directory */
    char (*files)[600];         /* MAXFILES paths written there */
    int nfiles;
} ctx;

/* Writes CONTENT to DIR/NAME; returns the path (owned by C). */
static const char *put(ctx *c, const char *name, const char *content)
{
    char *path;
    FILE *f;
    if (c->nfiles >= MAXFILES) return "/nonexistent";
    path = c->files[c->nfiles++];
    snprintf(path, sizeof c->files[0], "%s/%s", c->dir, name);
    f = fopen(path, "w");
    if (!f) return path;
    fputs(content, f);
    fclose(f);
    return path;
}

/* A path in the temp dir that put() did not write (removed at the end). */
static const char *tmpname(ctx *c, const char *name)
{
    char *path;
    if (c->nfiles >= MAXFILES) return "/nonexistent";
    path = c->files[c->nfiles++];
    snprintf(path, sizeof c->files[0], "%s/%s", c->dir, name);
    return path;
}

/* Asserts status CODE and that the message holds every string given. */
static void expect_err(int rc, int code, const bl_err *e, const char *what,
                       const char *s1, const char *s2, const char *s3)
{
    int ok = rc == code && (!s1 || has(e->msg, s1)) && (!s2 || has(e->msg, s2)) &&
             (!s3 || has(e->msg, s3));
    tap_ok(ok, "%s: status %d (want %d), message '%s'", what, rc, code, e->msg);
}

static double mean_col(const gsl_matrix *X, size_t j)
{
    double s = 0;
    for (size_t i = 0; i < X->size1; i++) s += gsl_matrix_get(X, i, j);
    return s / (double)X->size1;
}

static double pstd_col(const gsl_matrix *X, size_t j)
{
    double mu = mean_col(X, j), s = 0;
    for (size_t i = 0; i < X->size1; i++) {
        double d = gsl_matrix_get(X, i, j) - mu;
        s += d * d;
    }
    return sqrt(s / (double)X->size1);
}

enum { CSV, LIBSVM };

/* Writes CONTENT to NAME, reads it back in FORMAT (default target / no
 * minimum width) and asserts a format error whose message holds S1..S3;
 * returns whether no table was handed out. */
static int read_fails(ctx *c, int format, const char *name, const char *content,
                      const char *what, const char *s1, const char *s2, const char *s3)
{
    bl_err e = { 0, "" };
    bl_table *t = NULL;
    const char *p = put(c, name, content);
    int rc = format == LIBSVM ? bl_table_read_libsvm(p, 0, &t, &e)
                              : bl_table_read_csv(p, NULL, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, what, s1, s2, s3);
    int none = t == NULL;
    bl_table_free(t);
    return none;
}

/* ------------------------------------------------------------------ csv */

static void test_csv(ctx *c)
{
    bl_err e = { 0, "" };
    bl_table *t = NULL;
    const char *p = put(c, "basic.csv",
                        "a, b ,c\r\n1,2.5,-3\r\n4e-3,0.1,7   \r\n\r\n  \n");
    int rc = bl_table_read_csv(p, NULL, &t, &e);
    tap_ok(rc == BL_OK && t, "basic csv with CRLF, trailing blanks, blank lines: %s",
           e.msg);
    if (t) {
        tap_ok(t->X->size1 == 2 && t->X->size2 == 2 && t->y->size == 2,
               "basic csv is 2 x 2 plus target");
        tap_ok(gsl_matrix_get(t->X, 0, 0) == 1.0 && gsl_matrix_get(t->X, 0, 1) == 2.5 &&
               gsl_matrix_get(t->X, 1, 0) == 4e-3 && gsl_matrix_get(t->X, 1, 1) == 0.1,
               "feature values read exactly");
        tap_ok(gsl_vector_get(t->y, 0) == -3.0 && gsl_vector_get(t->y, 1) == 7.0,
               "last column is the target by default");
        tap_ok(strcmp(t->names[0], "a") == 0 && strcmp(t->names[1], "b") == 0 &&
               strcmp(t->target, "c") == 0, "names trimmed: %s %s -> %s",
               t->names[0], t->names[1], t->target);
    }
    bl_table_free(t);
    t = NULL;

    rc = bl_table_read_csv(p, "a", &t, &e);
    tap_ok(rc == BL_OK && t && strcmp(t->target, "a") == 0 &&
           gsl_vector_get(t->y, 1) == 4e-3 && gsl_matrix_get(t->X, 0, 1) == -3.0 &&
           strcmp(t->names[0], "b") == 0 && strcmp(t->names[1], "c") == 0,
           "target by name 'a'");
    bl_table_free(t);
    t = NULL;

    rc = bl_table_read_csv(p, "1", &t, &e);
    tap_ok(rc == BL_OK && t && strcmp(t->target, "b") == 0 &&
           gsl_vector_get(t->y, 0) == 2.5 && gsl_matrix_get(t->X, 1, 1) == 7.0,
           "target by index '1'");
    bl_table_free(t);
    t = NULL;

    rc = bl_table_read_csv(p, "3", &t, &e);
    expect_err(rc, BL_EINVAL, &e, "target index out of range", "basic.csv",
               "out of range", NULL);
    tap_ok(t == NULL, "no table on error");

    rc = bl_table_read_csv(p, "zzz", &t, &e);
    expect_err(rc, BL_EINVAL, &e, "unknown target", "basic.csv", "'zzz'", "a, b, c");

    /* Many columns: the unknown-target list is cut. */
    {
        char *big = malloc(200000), *q = big;
        for (int j = 0; j < 3000; j++) q += sprintf(q, "%scolumn_%d", j ? "," : "", j);
        q += sprintf(q, "\n");
        for (int j = 0; j < 3000; j++) q += sprintf(q, "%s%d.25", j ? "," : "", j);
        q += sprintf(q, "\n");
        p = put(c, "wide.csv", big);
        free(big);
        rc = bl_table_read_csv(p, NULL, &t, &e);
        tap_ok(rc == BL_OK && t && t->X->size2 == 2999 &&
               gsl_matrix_get(t->X, 0, 2998) == 2998.25 &&
               gsl_vector_get(t->y, 0) == 2999.25 &&
               strcmp(t->names[1234], "column_1234") == 0,
               "a 3000-column row (longer than any fixed buffer)");
        bl_table_free(t);
        t = NULL;
        rc = bl_table_read_csv(p, "nope", &t, &e);
        expect_err(rc, BL_EINVAL, &e, "unknown target in a wide file", "column_0, column_1",
                   "(3000 in all)", NULL);
        tap_ok(strlen(e.msg) < 450, "column list truncated (%zu chars)", strlen(e.msg));
    }
}

static void test_csv_errors(ctx *c)
{
    bl_err e = { 0, "" };
    bl_table *t = NULL;
    const char *p;
    int rc;

    int none = read_fails(c, CSV, "bad.csv", "x,y,z\n1,2,3\n1,abc,3\n",
                          "non-numeric cell", "bad.csv:3:", "column 2 (y)",
                          "'abc' is not a number");
    tap_ok(none, "no table after a bad cell");
    read_fails(c, CSV, "partial.csv", "x,y,z\n1,2,3\n4,5,6\n7,8,1.5x\n",
               "cell with trailing junk", "partial.csv:4:", "column 3 (z)", "'1.5x'");
    read_fails(c, CSV, "nan.csv", "x,y,z\nnan,2,3\n",
               "NaN cell", "nan.csv:2:", "column 1 (x)", "NaN is not allowed");
    read_fails(c, CSV, "inf.csv", "x,y,z\n1,2,3\n\n1,-Inf,3\n",
               "Inf cell (line numbers count blank lines)", "inf.csv:4:", "column 2 (y)",
               "Inf is not allowed");
    read_fails(c, CSV, "huge.csv", "x,y,z\n1,2,1e999\n",
               "overflowing cell", "huge.csv:2:", "column 3 (z)", "Inf");
    read_fails(c, CSV, "empty_cell.csv", "x,y,z\n1,,3\n",
               "empty cell", "empty_cell.csv:2:", "column 2 (y)", "empty");
    read_fails(c, CSV, "count.csv", "a,b,c\n1,2,3\n4,5,6\n7,8\n",
               "too few cells", "count.csv:4:", "expected 3 cells, found 2", NULL);
    read_fails(c, CSV, "count2.csv", "a,b,c\n1,2,3,4\n",
               "too many cells", "count2.csv:2:", "expected 3 cells, found 4", NULL);

    p = tmpname(c, "missing.csv");
    rc = bl_table_read_csv(p, NULL, &t, &e);
    expect_err(rc, BL_EIO, &e, "missing file", "cannot open '", "missing.csv'",
               "No such file or directory");

    read_fails(c, CSV, "empty.csv", "",
               "empty file", "empty.csv", "empty file", NULL);
    read_fails(c, CSV, "header_only.csv", "a,b,c\n\n",
               "header without rows", "header_only.csv", "no data rows", NULL);
    read_fails(c, CSV, "onecol.csv", "a\n1\n",
               "a single column", "onecol.csv:1:", "at least 2", NULL);

    /* A NULL error record is allowed. */
    p = put(c, "nan2.csv", "x,y\nNaN,1\n");
    rc = bl_table_read_csv(p, NULL, &t, NULL);
    tap_ok(rc == BL_EFORMAT && t == NULL, "errors with e == NULL still return the status");
}

/* --------------------------------------------------------------- libsvm */

static void test_libsvm(ctx *c)
{
    bl_err e = { 0, "" };
    bl_table *t = NULL;
    const char *p = put(c, "a.svm",
                        "+1 1:0.5 3:-2\r\n"
                        "-1 2:1.25   \n"
                        "# a comment line\n"
                        "1 3:0 4:8 # trailing comment\n"
                        "0\n"
                        "\n");
    int rc = bl_table_read_libsvm(p, 0, &t, &e);
    tap_ok(rc == BL_OK && t, "libsvm file read: %s", e.msg);
    if (t) {
        tap_ok(t->X->size1 == 4 && t->X->size2 == 4, "libsvm: 4 rows x 4 features (%zu x %zu)",
               t->X->size1, t->X->size2);
        tap_ok(gsl_matrix_get(t->X, 0, 0) == 0.5 && gsl_matrix_get(t->X, 0, 1) == 0 &&
               gsl_matrix_get(t->X, 0, 2) == -2 && gsl_matrix_get(t->X, 1, 1) == 1.25 &&
               gsl_matrix_get(t->X, 2, 2) == 0 && gsl_matrix_get(t->X, 2, 3) == 8 &&
               gsl_matrix_get(t->X, 3, 0) == 0 && gsl_matrix_get(t->X, 3, 3) == 0,
               "libsvm: values and implicit / explicit zeros");
        tap_ok(gsl_vector_get(t->y, 0) == 1 && gsl_vector_get(t->y, 1) == -1 &&
               gsl_vector_get(t->y, 2) == 1 && gsl_vector_get(t->y, 3) == 0,
               "libsvm: labels");
        tap_ok(strcmp(t->names[0], "f1") == 0 && strcmp(t->names[3], "f4") == 0 &&
               strcmp(t->target, "label") == 0, "libsvm: names f1..f4, target label");
    }
    bl_table_free(t);
    t = NULL;

    rc = bl_table_read_libsvm(p, 7, &t, &e);
    tap_ok(rc == BL_OK && t && t->X->size2 == 7 && gsl_matrix_get(t->X, 2, 6) == 0 &&
           strcmp(t->names[6], "f7") == 0, "libsvm: min_features pads to 7");
    bl_table_free(t);
    t = NULL;

    read_fails(c, LIBSVM, "order.svm", "1 1:1 3:2\n1 2:1 2:3\n",
               "libsvm repeated index", "order.svm:2:", "field 3", "not greater");
    read_fails(c, LIBSVM, "val.svm", "1 1:1\n\n-1 1:2 4:abc\n",
               "libsvm bad value", "val.svm:3:", "field 3", "'abc' is not a number");
    read_fails(c, LIBSVM, "colon.svm", "1 1:1 5\n",
               "libsvm missing colon", "colon.svm:1:", "field 3", "index:value");
    read_fails(c, LIBSVM, "zero.svm", "1 0:1\n",
               "libsvm index 0", "zero.svm:1:", "field 2", "start at 1");
    read_fails(c, LIBSVM, "label.svm", "1 1:1\nx 1:2\n",
               "libsvm bad label", "label.svm:2:", "label", "'x' is not a number");
    read_fails(c, LIBSVM, "nan.svm", "1 1:1\n1 2:nan\n",
               "libsvm NaN value", "nan.svm:2:", "field 2", "NaN is not allowed");
    read_fails(c, LIBSVM, "empty.svm", "\n# nothing\n",
               "libsvm empty file", "empty.svm", "no data rows", NULL);

    p = tmpname(c, "missing.svm");
    rc = bl_table_read_libsvm(p, 0, &t, &e);
    expect_err(rc, BL_EIO, &e, "libsvm missing file", "cannot open '", "missing.svm",
               "No such file");
    tap_ok(t == NULL, "no libsvm table on errors");
}

/* ------------------------------------------------------ splits & scaling */

/* 20 rows: features r, r^2 mod 7, constant 5; target 3r + 1. */
static const char *make_reg(ctx *c)
{
    char buf[4096], *q = buf;
    q += sprintf(q, "r,sq,const,target\n");
    for (int r = 0; r < 20; r++)
        q += sprintf(q, "%d,%d,5,%d\n", r, (r * r) % 7, 3 * r + 1);
    return put(c, "reg.csv", buf);
}

static void test_split(ctx *c)
{
    bl_err e = { 0, "" };
    bl_load_opts o;
    bl_dataset *a = NULL, *b = NULL, *d = NULL;
    const char *p = make_reg(c);
    int rc, same = 1, differ = 0, seen[20] = { 0 }, perm_ok = 1;

    bl_load_opts_default(&o);
    tap_ok(o.split == 0.7 && o.seed == 0 && o.standardize == 1 && !o.val_path &&
           !o.target && !o.format, "load option defaults");
    o.standardize = 0;
    o.seed = 1;
    rc = bl_data_load(p, &o, &a, &e);
    tap_ok(rc == BL_OK && a, "load reg.csv: %s", e.msg);
    if (!a) return;
    tap_ok(a->X->size1 == 14 && a->Xv->size1 == 6 && a->X->size2 == 3 &&
           a->y->size == 14 && a->yv->size == 6, "split 0.7 of 20 rows: 14 + 6");
    tap_ok(a->split == 0.7 && a->seed == 1 && !a->standardized && !a->mean &&
           !a->scale && a->y_mean == 0 && strcmp(a->name, p) == 0,
           "split, seed, name recorded; no standardisation");
    /* Every row lands in exactly one split, rows intact. */
    for (int s = 0; s < 2; s++) {
        const gsl_matrix *X = s ? a->Xv : a->X;
        const gsl_vector *y = s ? a->yv : a->y;
        for (size_t i = 0; i < X->size1; i++) {
            int r = (int)gsl_matrix_get(X, i, 0);
            if (r < 0 || r >= 20 || gsl_vector_get(y, i) != 3 * r + 1 ||
                gsl_matrix_get(X, i, 1) != (r * r) % 7)
                perm_ok = 0;
            else
                seen[r]++;
        }
    }
    for (int r = 0; r < 20; r++)
        if (seen[r] != 1) perm_ok = 0;
    tap_ok(perm_ok, "the splits partition the rows, each row intact");

    rc = bl_data_load(p, &o, &b, &e);
    for (size_t i = 0; b && i < 14; i++)
        if (gsl_matrix_get(a->X, i, 0) != gsl_matrix_get(b->X, i, 0)) same = 0;
    tap_ok(rc == BL_OK && b && same, "same seed, same split");
    o.seed = 2;
    rc = bl_data_load(p, &o, &d, &e);
    for (size_t i = 0; d && i < 14; i++)
        if (gsl_matrix_get(a->X, i, 0) != gsl_matrix_get(d->X, i, 0)) differ = 1;
    tap_ok(rc == BL_OK && d && differ && d->seed == 2, "different seed, different split");
    bl_dataset_free(b);
    bl_dataset_free(d);
    b = d = NULL;

    /* Standardised load with the same seed: compare with the raw split. */
    o.seed = 1;
    o.standardize = 1;
    rc = bl_data_load(p, &o, &b, &e);
    tap_ok(rc == BL_OK && b && b->standardized && b->mean && b->scale &&
           b->task == BL_TASK_REGRESSION, "standardised regression load");
    if (b) {
        int ok_tr = 1, ok_val = 1, ok_stats = 1, ok_y = 1;
        double ym = 0;
        for (size_t i = 0; i < 14; i++) ym += gsl_vector_get(a->y, i);
        ym /= 14;
        for (size_t j = 0; j < 3; j++) {
            double mu = mean_col(a->X, j), sd = pstd_col(a->X, j);
            if (sd == 0) sd = 1;
            if (fabs(gsl_vector_get(b->mean, j) - mu) > 1e-12 * fabs(mu) + 1e-15 ||
                fabs(gsl_vector_get(b->scale, j) - sd) > 1e-12 * sd)
                ok_stats = 0;
            for (size_t i = 0; i < 14; i++)
                if (fabs(gsl_matrix_get(b->X, i, j) -
                         (gsl_matrix_get(a->X, i, j) - mu) / sd) > 1e-12)
                    ok_tr = 0;
            for (size_t i = 0; i < 6; i++)
                if (fabs(gsl_matrix_get(b->Xv, i, j) -
                         (gsl_matrix_get(a->Xv, i, j) - mu) / sd) > 1e-12)
                    ok_val = 0;
        }
        for (size_t i = 0; i < 14; i++)
            if (fabs(gsl_vector_get(b->y, i) - (gsl_vector_get(a->y, i) - ym)) > 1e-12)
                ok_y = 0;
        for (size_t i = 0; i < 6; i++)
            if (fabs(gsl_vector_get(b->yv, i) - (gsl_vector_get(a->yv, i) - ym)) > 1e-12)
                ok_y = 0;
        tap_ok(ok_stats, "recorded mean / scale are the training mean / population std");
        tap_ok(ok_tr, "training features = (raw - mean) / std");
        tap_ok(ok_val, "validation features use the training statistics");
        tap_close(b->y_mean, ym, 1e-14, "y_mean is the training target mean");
        tap_ok(ok_y, "both target splits centred with the training mean");
        for (size_t j = 0; j < 2; j++) {
            tap_ok(fabs(mean_col(b->X, j)) < 1e-12, "training column %zu has mean 0 (%g)",
                   j, mean_col(b->X, j));
            tap_close(pstd_col(b->X, j), 1.0, 1e-12, "training column has population std 1");
        }
        tap_ok(gsl_vector_get(b->scale, 2) == 1 && gsl_vector_get(b->mean, 2) == 5 &&
               gsl_matrix_get(b->X, 3, 2) == 0 && gsl_matrix_get(b->Xv, 0, 2) == 0,
               "constant feature: scale 1, just centred");
        tap_ok(strcmp(b->names[2], "const") == 0 && strcmp(b->target, "target") == 0,
               "names and target copied");
    }
    bl_dataset_free(b);
    b = NULL;

    o.split = 0.99;
    rc = bl_data_load(p, &o, &b, &e);
    expect_err(rc, BL_EINVAL, &e, "split leaving no validation row", "validation", NULL,
               NULL);
    o.split = 0.01;
    rc = bl_data_load(p, &o, &b, &e);
    expect_err(rc, BL_EINVAL, &e, "split leaving no training row", "training", NULL, NULL);
    o.split = 1.0;
    rc = bl_data_load(p, &o, &b, &e);
    expect_err(rc, BL_EINVAL, &e, "split of 1", "split", NULL, NULL);
    tap_ok(b == NULL, "no data set after split errors");
    bl_dataset_free(a);
}

static void test_valfile(ctx *c)
{
    bl_err e = { 0, "" };
    bl_load_opts o;
    bl_dataset *d = NULL;
    const char *tr = put(c, "tr.csv", "a,b,c,y\n1,2,3,0\n4,5,6,1\n7,8,10,1\n");
    const char *va = put(c, "va.csv", "a,b,c,y\n0,0,0,1\n2,2,2,0\n");
    const char *va2 = put(c, "va2.csv", "a,b,y\n0,0,1\n");
    int rc;

    bl_load_opts_default(&o);
    o.val_path = va;
    rc = bl_data_load(tr, &o, &d, &e);
    tap_ok(rc == BL_OK && d && d->X->size1 == 3 && d->Xv->size1 == 2 && d->split == 0,
           "validation file: 3 + 2 rows, split 0");
    if (d) {
        tap_ok(d->task == BL_TASK_CLASSIFICATION && gsl_vector_get(d->y, 0) == 0 &&
               gsl_vector_get(d->y, 1) == 1 && gsl_vector_get(d->yv, 0) == 1 &&
               d->y_mean == 0, "0/1 targets: classification, kept as 0/1 (not centred)");
        /* column a: training 1,4,7 → mean 4, pop std sqrt(6); validation 0 → -4/sqrt 6 */
        tap_close(gsl_matrix_get(d->Xv, 0, 0), -4 / sqrt(6.0), 1e-14,
                  "validation file scaled with training statistics");
    }
    bl_dataset_free(d);
    d = NULL;

    o.val_path = va2;
    rc = bl_data_load(tr, &o, &d, &e);
    expect_err(rc, BL_EDIM, &e, "feature count mismatch",
               "training has 3 features but validation has 2", NULL, NULL);

    o.val_path = tmpname(c, "novalidation.csv");
    rc = bl_data_load(tr, &o, &d, &e);
    expect_err(rc, BL_EIO, &e, "missing validation file", "novalidation.csv", NULL, NULL);
    tap_ok(d == NULL, "no data set after a validation error");

    /* libsvm train / validation of different widths are padded to agree. */
    {
        const char *s1 = put(c, "tr.libsvm", "1 1:1 2:2\n-1 2:3\n");
        const char *s2 = put(c, "va.libsvm", "1 5:1\n");
        bl_load_opts_default(&o);
        o.val_path = s2;
        o.standardize = 0;
        rc = bl_data_load(s1, &o, &d, &e);
        tap_ok(rc == BL_OK && d && d->X->size2 == 5 && d->Xv->size2 == 5 &&
               gsl_matrix_get(d->X, 1, 1) == 3 && gsl_matrix_get(d->Xv, 0, 4) == 1 &&
               d->task == BL_TASK_CLASSIFICATION && strcmp(d->names[4], "f5") == 0,
               "libsvm (by extension) with a wider validation file");
        bl_dataset_free(d);
        d = NULL;
        o.format = "parquet";
        rc = bl_data_load(s1, &o, &d, &e);
        expect_err(rc, BL_EINVAL, &e, "unknown format", "'parquet'", "csv, libsvm", NULL);
    }
}

static int task_of(ctx *c, const char *name, const char *ys)
{
    char buf[512], *q = buf;
    bl_table *t = NULL;
    bl_dataset *d = NULL;
    bl_load_opts o;
    const char *yv[8];
    int n = 0, task = -1;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", ys);
    for (char *tok = strtok(tmp, " "); tok && n < 8; tok = strtok(NULL, " ")) yv[n++] = tok;
    q += sprintf(q, "x,y\n");
    for (int i = 0; i < n; i++) q += sprintf(q, "%d,%s\n", i, yv[i]);
    bl_load_opts_default(&o);
    o.split = 0.5;
    if (bl_table_read_csv(put(c, name, buf), NULL, &t, NULL) == BL_OK &&
        bl_data_from_tables(t, NULL, &o, name, &d, NULL) == BL_OK)
        task = d->task;
    bl_dataset_free(d);
    bl_table_free(t);
    return task;
}

static void test_task(ctx *c)
{
    tap_ok(task_of(c, "t1.csv", "0 1 1 0") == BL_TASK_CLASSIFICATION, "{0,1}: classification");
    tap_ok(task_of(c, "t2.csv", "-1 1 1 -1") == BL_TASK_CLASSIFICATION,
           "{-1,1}: classification");
    tap_ok(task_of(c, "t3.csv", "0 1 2 1") == BL_TASK_REGRESSION, "{0,1,2}: regression");
    tap_ok(task_of(c, "t4.csv", "-1 0 1 1") == BL_TASK_REGRESSION, "{-1,0,1}: regression");
    tap_ok(task_of(c, "t5.csv", "0.5 1 0 1") == BL_TASK_REGRESSION, "0.5 among labels: regression");
}

/* -------------------------------------------------------------- synthetic */

static int same_ds(const bl_dataset *a, const bl_dataset *b)
{
    return gsl_matrix_equal(a->X, b->X) && gsl_matrix_equal(a->Xv, b->Xv) &&
           gsl_vector_equal(a->y, b->y) && gsl_vector_equal(a->yv, b->yv);
}

static void test_synth(void)
{
    bl_err e = { 0, "" };
    bl_synth_opts o;
    bl_dataset *a = NULL, *b = NULL;
    int rc;

    bl_synth_opts_default(&o);
    tap_ok(o.n == 100 && o.m == 100 && o.p == 10 && o.noise == 0.1 && o.corr == 0 &&
           o.rho == 0 && o.seed == 0 && o.standardize == 0, "synth option defaults");
    o.n = 30;
    o.m = 20;
    o.p = 4;
    o.seed = 7;
    rc = bl_data_synth("regression", &o, &a, &e);
    tap_ok(rc == BL_OK && a && a->X->size1 == 30 && a->X->size2 == 4 &&
           a->Xv->size1 == 20 && a->yv->size == 20 && a->task == BL_TASK_REGRESSION &&
           strcmp(a->name, "synth regression") == 0 && strcmp(a->names[3], "x4") == 0 &&
           strcmp(a->target, "y") == 0 && a->flipped == NULL,
           "synth regression: sizes, names, task");
    rc = bl_data_synth("regression", &o, &b, &e);
    tap_ok(rc == BL_OK && b && a && same_ds(a, b), "synth reproducible with the seed");
    bl_dataset_free(b);
    b = NULL;
    o.seed = 8;
    rc = bl_data_synth("regression", &o, &b, &e);
    tap_ok(rc == BL_OK && b && a && !same_ds(a, b), "another seed, other data");
    bl_dataset_free(b);
    b = NULL;
    {   /* Ctrl-C: a raised flag stops the draw before the first row */
        bl_cancel_t stop = 1;
        bl_dataset *c = NULL;
        o.seed = 7;
        o.cancel = &stop;
        rc = bl_data_synth("regression", &o, &c, &e);
        tap_ok(rc == BL_EINTR && c == NULL && strstr(e.msg, "interrupted after 0 of 50 rows"),
               "synth with Ctrl-C pressed: BL_EINTR, nothing returned (%s)", e.msg);
        stop = 0;
        rc = bl_data_synth("regression", &o, &c, &e);
        tap_ok(rc == BL_OK && c && a && same_ds(a, c),
               "synth with a cancel flag that stays down: the same data");
        bl_dataset_free(c);
        o.cancel = NULL;
        o.seed = 8;
    }

    /* The documented draw order: w (p), then per row p feature draws and
     * one noise draw, training rows first. */
    if (a) {
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        double w[4], s, x;
        int ok = 1;
        gsl_rng_set(r, 7);
        for (int j = 0; j < 4; j++) w[j] = gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < 50; i++) {
            const gsl_matrix *X = i < 30 ? a->X : a->Xv;
            const gsl_vector *y = i < 30 ? a->y : a->yv;
            size_t row = i < 30 ? i : i - 30;
            s = 0;
            for (int j = 0; j < 4; j++) {
                x = gsl_ran_gaussian(r, 1.0);           /* corr = 0: x = z */
                if (gsl_matrix_get(X, row, (size_t)j) != x) ok = 0;
                s += x * w[j];
            }
            s += 0.1 * gsl_ran_gaussian(r, 1.0);
            if (gsl_vector_get(y, row) != s) ok = 0;
        }
        tap_ok(ok == 1, "synth numbers follow the documented draw order");
        gsl_rng_free(r);
    }
    bl_dataset_free(a);
    a = NULL;

    /* Correlation of adjacent features (AR(1)). */
    o.n = 20000;
    o.m = 1;
    o.p = 3;
    o.corr = 0.8;
    rc = bl_data_synth("regression", &o, &a, &e);
    if (rc == BL_OK && a) {
        double m0 = mean_col(a->X, 0), m1 = mean_col(a->X, 1);
        double s0 = pstd_col(a->X, 0), s1 = pstd_col(a->X, 1), s2 = pstd_col(a->X, 2);
        double cv = 0, cr;
        for (size_t i = 0; i < 20000; i++)
            cv += (gsl_matrix_get(a->X, i, 0) - m0) * (gsl_matrix_get(a->X, i, 1) - m1);
        cr = cv / 20000 / (s0 * s1);
        tap_ok(fabs(cr - 0.8) < 0.02, "adjacent-feature correlation %g near 0.8", cr);
        tap_ok(fabs(s0 - 1) < 0.03 && fabs(s2 - 1) < 0.03,
               "unit feature variance (std %g, %g)", s0, s2);
    } else {
        tap_ok(0, "synth with corr 0.8: %s", e.msg);
        tap_ok(0, "synth with corr 0.8 (variance)");
    }
    bl_dataset_free(a);
    a = NULL;

    /* Classification with flips; noise 0 so the clean labels are sign(x'w). */
    bl_synth_opts_default(&o);
    o.n = 101;
    o.p = 5;
    o.noise = 0;
    o.rho = 0.2;
    o.seed = 3;
    rc = bl_data_synth("classification", &o, &a, &e);
    tap_ok(rc == BL_OK && a && a->task == BL_TASK_CLASSIFICATION && a->flipped &&
           a->flipped->size == 101 && strcmp(a->name, "synth classification") == 0,
           "synth classification with rho 0.2");
    if (a && a->flipped) {
        size_t nflip = 0;
        int pm = 1, consistent = 1;
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        double w[5];
        gsl_rng_set(r, 3);
        for (int j = 0; j < 5; j++) w[j] = gsl_ran_gaussian(r, 1.0);
        for (size_t i = 0; i < 101; i++) {
            double f = gsl_vector_get(a->flipped, i), yi = gsl_vector_get(a->y, i), s = 0;
            nflip += f == 1;
            if (f != 0 && f != 1) pm = 0;
            if (yi != 1 && yi != -1) pm = 0;
            for (size_t j = 0; j < 5; j++) s += gsl_matrix_get(a->X, i, j) * w[j];
            if ((s > 0 ? 1.0 : -1.0) * (f == 1 ? -1 : 1) != yi) consistent = 0;
        }
        for (size_t i = 0; i < a->yv->size; i++) {
            double yi = gsl_vector_get(a->yv, i);
            if (yi != 1 && yi != -1) pm = 0;
        }
        tap_ok(nflip == 20, "round(0.2 * 101) = 20 labels flipped (%zu)", nflip);
        tap_ok(pm, "labels in {-1, +1}, mask in {0, 1}");
        tap_ok(consistent, "exactly the masked labels differ from sign(x'w)");
        gsl_rng_free(r);
    }
    bl_dataset_free(a);
    a = NULL;

    /* Standardised synthetic data. */
    bl_synth_opts_default(&o);
    o.standardize = 1;
    rc = bl_data_synth("regression", &o, &a, &e);
    tap_ok(rc == BL_OK && a && a->standardized && fabs(mean_col(a->X, 3)) < 1e-12 &&
           fabs(pstd_col(a->X, 3) - 1) < 1e-12,
           "standardised synth: training mean 0, std 1");
    bl_dataset_free(a);
    a = NULL;

    /* Errors. */
    bl_synth_opts_default(&o);
    rc = bl_data_synth("ranking", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "unknown synth kind", "'ranking'",
               "regression, classification", NULL);
    o.corr = 1;
    rc = bl_data_synth("regression", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "corr = 1", "corr", NULL, NULL);
    bl_synth_opts_default(&o);
    o.rho = 0.6;
    rc = bl_data_synth("classification", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "rho = 0.6", "rho", NULL, NULL);
    o.rho = 0.1;
    rc = bl_data_synth("regression", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "rho with regression", "rho", "classification", NULL);
    bl_synth_opts_default(&o);
    o.n = 1;
    rc = bl_data_synth("regression", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "n = 1", "n (", NULL, NULL);
    bl_synth_opts_default(&o);
    o.p = 0;
    rc = bl_data_synth("regression", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "p = 0", "p (", NULL, NULL);
    bl_synth_opts_default(&o);
    o.noise = -1;
    rc = bl_data_synth("regression", &o, &a, &e);
    expect_err(rc, BL_EINVAL, &e, "negative noise", "noise", NULL, NULL);
    tap_ok(a == NULL, "no data set after synth errors");
}

/* ----------------------------------------------------------------- export */

static void test_export(ctx *c)
{
    bl_err e = { 0, "" };
    bl_synth_opts o;
    bl_dataset *d = NULL;
    bl_table *t = NULL;
    const char *p = tmpname(c, "export.csv");
    int rc;

    bl_synth_opts_default(&o);
    o.n = 13;
    o.m = 7;
    o.p = 3;
    o.corr = 0.3;
    o.standardize = 1;
    o.seed = 11;
    rc = bl_data_synth("regression", &o, &d, &e);
    if (rc == BL_OK) rc = bl_data_export_csv(d, p, &e);
    tap_ok(rc == BL_OK, "export synthetic data: %s", e.msg);
    rc = bl_table_read_csv(p, "y", &t, &e);
    tap_ok(rc == BL_OK && t && t->X->size1 == 20 && t->X->size2 == 4 &&
           strcmp(t->names[0], "x1") == 0 && strcmp(t->names[3], "validation") == 0,
           "exported file re-read: 20 rows, x1..x3 + validation");
    if (d && t && t->X->size1 == 20 && t->X->size2 == 4) {
        int exact = 1, flag = 1;
        for (size_t i = 0; i < 20; i++) {
            const gsl_matrix *X = i < 13 ? d->X : d->Xv;
            const gsl_vector *y = i < 13 ? d->y : d->yv;
            size_t r = i < 13 ? i : i - 13;
            for (size_t j = 0; j < 3; j++)
                if (gsl_matrix_get(t->X, i, j) != gsl_matrix_get(X, r, j)) exact = 0;
            if (gsl_vector_get(t->y, i) != gsl_vector_get(y, r)) exact = 0;
            if (gsl_matrix_get(t->X, i, 3) != (i < 13 ? 0 : 1)) flag = 0;
        }
        tap_ok(exact, "exported numbers bit-exact (standardised values)");
        tap_ok(flag, "validation column: 0 for training rows, 1 for validation rows");
    }
    bl_table_free(t);
    rc = d ? bl_data_export_csv(d, "/nonexistent-dir/x.csv", &e) : BL_EIO;
    expect_err(rc, BL_EIO, &e, "export to an unwritable path", "cannot write",
               "/nonexistent-dir/x.csv", NULL);
    bl_dataset_free(d);
}

/* ------------------------------------------------ separators, one class */

/* sep=: a ';'-separated file reads to the same table as its ','-separated
 * twin; read with ',' it is refused with a hint naming sep=; decimal
 * commas get their own hint. */
static void test_sep(ctx *c)
{
    bl_err e = { 0, "" };
    bl_table *a = NULL, *b = NULL, *t = NULL;
    const char *comma = put(c, "sep_comma.csv", "x1,x2,y\n1.5,-2,3\n4,5e-1,6\n7,8,-9.25\n");
    const char *semi = put(c, "sep_semi.csv", "x1;x2;y\n1.5;-2;3\n4;5e-1;6\n7;8;-9.25\n");
    const char *tab = put(c, "sep_tab.csv", "x1\tx2\ty\n1.5\t-2\t3\n4\t5e-1\t6\n7\t8\t-9.25\n");
    int rc1 = bl_table_read_csv(comma, NULL, &a, &e);
    int rc2 = bl_table_read_csv_sep(semi, NULL, ';', &b, &e);
    int same = rc1 == BL_OK && rc2 == BL_OK && gsl_matrix_equal(a->X, b->X)
               && gsl_vector_equal(a->y, b->y) && !strcmp(b->names[1], "x2")
               && !strcmp(b->target, "y") && b->X->size1 == 3 && b->X->size2 == 2;
    tap_ok(same, "sep=';': the same table as the ','-separated file: %s", e.msg);
    bl_table_free(b);
    b = NULL;
    rc2 = bl_table_read_csv_sep(tab, "x1", '\t', &b, &e);
    tap_ok(rc2 == BL_OK && b->X->size2 == 2 && gsl_vector_get(b->y, 2) == 7
           && gsl_matrix_get(b->X, 1, 0) == 0.5 && !strcmp(b->target, "x1"),
           "sep=tab with a named target: %s", e.msg);
    bl_table_free(b);

    int rc = bl_table_read_csv(semi, NULL, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "a ';'-separated file read with ','", "found 1",
               "the header holds ';'", "sep=\";\"");
    bl_table_free(t);
    t = NULL;
    rc = bl_table_read_csv_sep(comma, NULL, ';', &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "a ','-separated file read with ';'", "found 1",
               "the header holds ','", "the default");
    bl_table_free(t);
    t = NULL;
    rc = bl_table_read_csv_sep(put(c, "sep_dec.csv", "a;b\n1,5;2\n"), NULL, ';', &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "a decimal comma", "'1,5' is not a number",
               "decimal commas", NULL);
    bl_table_free(t);
    t = NULL;
    rc = bl_table_read_csv(put(c, "sep_cell.csv", "a,b\n1;5,2\n"), NULL, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "a cell holding ';'", "'1;5' is not a number",
               "the cell holds ';'", "sep=\";\"");
    bl_table_free(t);

    /* through bl_data_load, with a split: the same data set */
    bl_load_opts o;
    bl_dataset *d1 = NULL, *d2 = NULL;
    bl_load_opts_default(&o);
    tap_ok(o.sep == 0 && !o.has_positive, "load defaults: sep ',' and no positive=");
    o.split = 0.5;
    e.msg[0] = '\0';
    rc1 = bl_data_load(comma, &o, &d1, &e);
    o.sep = ';';
    rc2 = bl_data_load(semi, &o, &d2, &e);
    tap_ok(rc1 == BL_OK && rc2 == BL_OK && gsl_matrix_equal(d1->X, d2->X)
           && gsl_vector_equal(d1->yv, d2->yv), "data load sep=';' equals the ',' file "
           "after split and standardisation: %s", e.msg);
    bl_dataset_free(d1);
    bl_dataset_free(d2);
    bl_table_free(a);
}

/* positive=VALUE: one class against the rest; the counts are those of the
 * file, the labels ±1, the task classification; a value that never occurs
 * or that every row has is refused. */
static void test_positive(ctx *c)
{
    bl_err e = { 0, "" };
    bl_dataset *d = NULL;
    bl_load_opts o;
    const char *f = put(c, "three.csv", "a,b,k\n0,1,0\n1,0,1\n2,2,2\n3,1,1\n4,0,2\n5,5,1\n"
                        "6,1,0\n7,2,1\n");
    bl_load_opts_default(&o);
    o.has_positive = 1;
    o.positive = 1;
    int rc = bl_data_load(f, &o, &d, &e);
    size_t pos = 0, neg = 0;
    int pm = rc == BL_OK;
    for (int s = 0; pm && s < 2; s++) {
        const gsl_vector *y = s ? d->yv : d->y;
        for (size_t i = 0; i < y->size; i++) {
            double t = gsl_vector_get(y, i);
            pos += t == 1;
            neg += t == -1;
            pm = pm && (t == 1 || t == -1);
        }
    }
    /* the file has k = 1 in 4 of its 8 rows */
    tap_ok(pm && pos == 4 && neg == 4 && d->task == BL_TASK_CLASSIFICATION
           && d->one_vs_rest && d->positive == 1 && d->y_mean == 0,
           "positive=1: labels ±1 (4 and 4 as in the file), classification: %s", e.msg);
    double v[4];
    tap_ok(d && bl_dataset_classes(d, v, 3) == 2 && v[0] == -1 && v[1] == 1,
           "the one-against-rest set has the two classes -1, +1");
    bl_dataset_free(d);
    d = NULL;

    bl_load_opts_default(&o);
    rc = bl_data_load(f, &o, &d, &e);
    size_t k = d ? bl_dataset_classes(d, v, 3) : 0;
    tap_ok(rc == BL_OK && d->task == BL_TASK_REGRESSION && k == 3 && fabs(v[0]) < 1e-12
           && fabs(v[1] - 1) < 1e-12 && fabs(v[2] - 2) < 1e-12,
           "without positive=: a regression target (centred) whose classes are 0, 1, 2 "
           "in the file's units (%zu)", k);
    tap_ok(d && bl_dataset_classes(d, NULL, 1) == 2, "classes counted up to max + 1");
    bl_dataset_free(d);
    d = NULL;

    o.has_positive = 1;
    o.positive = 7;
    rc = bl_data_load(f, &o, &d, &e);
    expect_err(rc, BL_EINVAL, &e, "positive= of a value that never occurs", "positive=7",
               "no row", "0, 1, 2");
    tap_ok(d == NULL, "... and no data set handed out");
    o.positive = 4;
    rc = bl_data_load(put(c, "one.csv", "a,k\n1,4\n2,4\n3,4\n"), &o, &d, &e);
    expect_err(rc, BL_EINVAL, &e, "positive= that every row has", "one class only", NULL,
               NULL);
}

/* ---------------------------------------------------------------- bundled */

/* ------------------------------------------------------------- limits */

/* Writes a file of N bytes: "a,y\n1," then blanks, then "2\n" (a data
 * line of LINE bytes, the newline not counted). */
static const char *put_long_row(ctx *c, const char *name, size_t line)
{
    const char *p = tmpname(c, name);
    FILE *f = fopen(p, "w");
    if (!f) return p;
    fputs("a,y\n1,", f);
    for (size_t i = 2; i + 1 < line; i++) fputc(' ', f);
    fputs("2\n", f);
    fclose(f);
    return p;
}

static void test_limits(ctx *c)
{
    bl_err e = { 0, "" };
    bl_table *t = NULL;
    bl_load_opts o;
    bl_dataset *ds = NULL;
    int rc;

    /* not regular files: refused before reading (a FIFO would block) */
    rc = bl_table_read_csv("/dev/zero", NULL, &t, &e);
    expect_err(rc, BL_EIO, &e, "csv /dev/zero", "/dev/zero", "character device", NULL);
    rc = bl_table_read_libsvm("/dev/zero", 0, &t, &e);
    expect_err(rc, BL_EIO, &e, "libsvm /dev/zero", "character device", NULL, NULL);
    rc = bl_table_read_csv(c->dir, NULL, &t, &e);
    expect_err(rc, BL_EIO, &e, "csv directory", "it is a directory", NULL, NULL);
    const char *fifo = tmpname(c, "fifo.csv");
    if (mkfifo(fifo, 0600) == 0) {
        rc = bl_table_read_csv(fifo, NULL, &t, &e);
        expect_err(rc, BL_EIO, &e, "csv FIFO (no writer: would block)", "FIFO", NULL, NULL);
    }

    /* a data line of exactly BL_LINE_MAX bytes is read; one more is not */
    rc = bl_table_read_csv(put_long_row(c, "max.csv", BL_LINE_MAX), NULL, &t, &e);
    tap_ok(rc == BL_OK && t && t->X->size1 == 1 && gsl_vector_get(t->y, 0) == 2,
           "a line of BL_LINE_MAX bytes is read (%s)", rc ? e.msg : "ok");
    bl_table_free(t);
    t = NULL;
    rc = bl_table_read_csv(put_long_row(c, "over.csv", BL_LINE_MAX + 1), NULL, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "a line of BL_LINE_MAX + 1 bytes", "over.csv:2:",
               "line longer than 1048576 bytes", NULL);
    {
        const char *p = tmpname(c, "nonl.svm");
        FILE *f = fopen(p, "w");
        for (size_t i = 0; f && i < BL_LINE_MAX + 100; i++) fputc('1', f);
        if (f) fclose(f);
        rc = bl_table_read_libsvm(p, 0, &t, &e);
        expect_err(rc, BL_EFORMAT, &e, "libsvm without a newline stops at the cap",
                   "nonl.svm:1:", "line longer", NULL);
    }

    /* libsvm feature indices: the limit is allowed, one past it is not,
     * and the refusal comes before any table */
    char buf[128];
    snprintf(buf, sizeof buf, "1 %d:1\n-1 1:2\n", BL_DATA_MAX_FEATURES);
    rc = bl_table_read_libsvm(put(c, "maxidx.svm", buf), 0, &t, &e);
    tap_ok(rc == BL_OK && t && t->X->size2 == BL_DATA_MAX_FEATURES &&
           gsl_matrix_get(t->X, 0, BL_DATA_MAX_FEATURES - 1) == 1,
           "libsvm index %d (the limit) is read", BL_DATA_MAX_FEATURES);
    bl_table_free(t);
    t = NULL;
    snprintf(buf, sizeof buf, "1 %d:1\n-1 1:2\n", BL_DATA_MAX_FEATURES + 1);
    rc = bl_table_read_libsvm(put(c, "overidx.svm", buf), 0, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "libsvm index past the limit", "overidx.svm:1: field 2",
               "index 100001 is past the limit of 100000 features", NULL);
    rc = bl_table_read_libsvm(put(c, "huge.svm", "1 100000000:1\n-1 1:2\n"), 0, &t, &e);
    expect_err(rc, BL_EFORMAT, &e, "the 10^8 index of the issue", "index 100000000", NULL,
               NULL);
    tap_ok(t == NULL, "no table from a refused file");

    /* a CSV header of more than BL_DATA_MAX_FEATURES + 1 columns */
    {
        const char *p = tmpname(c, "wide.csv");
        FILE *f = fopen(p, "w");
        for (int j = 0; f && j < BL_DATA_MAX_FEATURES + 2; j++)
            fprintf(f, "%sc%d", j ? "," : "", j);
        if (f) {
            fputc('\n', f);
            fclose(f);
        }
        rc = bl_table_read_csv(p, NULL, &t, &e);
        expect_err(rc, BL_EFORMAT, &e, "a CSV of 100001 features", "100002 columns",
                   "limit of 100000 features", NULL);
    }

    /* a numeric first row is data, not a header: refused with a hint */
    read_fails(c, CSV, "numhead.csv", "1.5,2,-3e2\n4,5,6\n", "a numeric first row",
               "numhead.csv:1: the first row is all numbers ('1.5', ...)",
               "add a header row", NULL);
    read_fails(c, CSV, "numhead2.csv", "\n  0 , 1\n4,5\n", "a numeric first row after a blank line",
               "numhead2.csv:2: the first row is all numbers", NULL, NULL);
    rc = bl_table_read_csv(put(c, "years.csv", "2019,2020,y\n1,2,3\n"), NULL, &t, &e);
    tap_ok(rc == BL_OK && t && !strcmp(t->names[0], "2019") && !strcmp(t->target, "y"),
           "a header with some numeric names is a header");
    bl_table_free(t);
    t = NULL;

    /* mem.max: the dense table of a CSV is rows x columns x 8 bytes; a
     * 10 x 3 file is 240 bytes: 240 passes, 239 does not */
    {
        char body[512] = "a,b,y\n";
        for (int i = 0; i < 10; i++) {
            size_t l = strlen(body);
            snprintf(body + l, sizeof body - l, "%d,%d,%d\n", i, i * i, i % 3);
        }
        const char *p = put(c, "ten.csv", body);
        bl_load_opts_default(&o);
        tap_ok(o.cancel == NULL && o.mem_max == 0, "no cancel flag, no mem.max by default");
        o.mem_max = 240;
        rc = bl_data_load(p, &o, &ds, &e);
        tap_ok(rc == BL_OK && ds, "mem.max = the table's 240 bytes: loaded (%s)", rc ? e.msg : "ok");
        bl_dataset_free(ds);
        ds = NULL;
        o.mem_max = 239;
        rc = bl_data_load(p, &o, &ds, &e);
        expect_err(rc, BL_ENOMEM, &e, "mem.max one byte below", "ten.csv: 10 rows x 3 columns",
                   "240 bytes as doubles, above mem.max (239 bytes", NULL);
        tap_ok(ds == NULL, "no data set above mem.max");
    }
    /* libsvm: 3 rows, 4 nonzero entries held as (row, column, value) and a
     * label a row while reading: (3 + 3*4) * 8 = 120 bytes; the dense
     * 3 x (3 + 1) table after it is 96 */
    {
        const char *p = put(c, "three.svm", "1 1:1 2:2\n-1 3:1\n1 2:5\n");
        bl_load_opts_default(&o);
        o.split = 0.5;
        o.mem_max = 120;
        rc = bl_data_load(p, &o, &ds, &e);
        tap_ok(rc == BL_OK && ds, "libsvm at mem.max = 120 bytes: loaded (%s)", rc ? e.msg : "ok");
        bl_dataset_free(ds);
        ds = NULL;
        o.mem_max = 119;
        rc = bl_data_load(p, &o, &ds, &e);
        expect_err(rc, BL_ENOMEM, &e, "libsvm one byte below", "three.svm:3: the entries read "
                   "so far take 120 bytes", "above mem.max (119 bytes", NULL);
    }

    /* Ctrl-C: the cancel flag stops a load at the next line */
    {
        bl_cancel_t flag = 1;
        bl_load_opts_default(&o);
        o.cancel = &flag;
        rc = bl_data_load(put(c, "c.csv", "a,y\n1,2\n3,4\n5,6\n"), &o, &ds, &e);
        expect_err(rc, BL_EINTR, &e, "a set cancel flag interrupts the load", "interrupted",
                   NULL, NULL);
        flag = 0;
        rc = bl_data_load(c->files[c->nfiles - 1], &o, &ds, &e);
        tap_ok(rc == BL_OK && ds, "with the flag clear it loads");
        bl_dataset_free(ds);
        ds = NULL;
    }
}

static void test_bundled(void)
{
    bl_err e = { 0, "" };
    bl_dataset *d = NULL;
    const char *dir = getenv("BL_TEST_DATADIR");
    char buf[4096];
    int n = 0, found = 1, rc;

    if (!dir || !*dir) dir = BL_SRCDATADIR;
    setenv("BILAB_DATADIR", dir, 1);
    for (const char *const *s = bl_bundled_names; *s; s++, n++)
        if (!bl_data_find_bundled(*s, buf, sizeof buf)) found = 0;
    tap_ok(n == 4 && found, "all 4 bundled sets found in %s", dir);
    tap_ok(bl_data_find_bundled("diabetes", buf, sizeof buf) &&
           strstr(buf, "diabetes.csv") && strncmp(buf, dir, strlen(dir)) == 0,
           "diabetes found under BILAB_DATADIR: %s", buf);
    tap_ok(!bl_data_find_bundled("no_such_set", buf, sizeof buf) && buf[0] == '\0',
           "unknown bundled name not found");
    rc = bl_data_load("diabetes", NULL, &d, &e);
    tap_ok(rc == BL_OK && d && d->X->size1 + d->Xv->size1 == 442 && d->X->size2 == 10 &&
           d->X->size1 == 309, "bundled diabetes: 442 rows, 10 features: %s", e.msg);
    tap_ok(d && strcmp(d->name, "diabetes") == 0 && strcmp(d->target, "progression") == 0 &&
           strcmp(d->names[2], "bmi") == 0 && d->task == BL_TASK_REGRESSION &&
           d->standardized, "bundled diabetes: name, target, regression, standardised");
    bl_dataset_free(d);
    d = NULL;
    rc = bl_data_load("nosuchset", NULL, &d, &e);
    expect_err(rc, BL_EIO, &e, "unknown bare name", "'nosuchset'", "diabetes", NULL);
}

int main(void)
{
    char files[MAXFILES][600];
    char dir[512];
    ctx c = { dir, files, 0 };
    const char *tmp = getenv("TMPDIR");

    (void)tap_plan;             /* the plan comes from tap_done() */
    gsl_set_error_handler_off();
    snprintf(dir, sizeof dir, "%s/bilab-test-data.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        tap_ok(0, "cannot create a temporary directory under %s", dir);
        return tap_done();
    }
    tap_diag("temporary files in %s", c.dir);

    bl_dataset_free(NULL);
    bl_table_free(NULL);
    test_csv(&c);
    test_csv_errors(&c);
    test_libsvm(&c);
    test_split(&c);
    test_valfile(&c);
    test_task(&c);
    test_synth();
    test_export(&c);
    test_bundled();
    test_sep(&c);
    test_positive(&c);
    test_limits(&c);

    for (int i = 0; i < c.nfiles; i++) unlink(c.files[i]);
    rmdir(c.dir);
    return tap_done();
}
