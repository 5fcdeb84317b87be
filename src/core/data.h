/* data.h: data sets (training and validation splits), their loaders,
 * synthetic generators and export.  Formulas: doc/catalogue.md, "Notation". */
#ifndef BL_DATA_H
#define BL_DATA_H

#include <stdio.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "csr.h"

enum { BL_TASK_REGRESSION = 0, BL_TASK_CLASSIFICATION = 1 };

/* A raw table as read from a file: every column but the target in X. */
typedef struct bl_table {
    gsl_matrix *X;          /* rows × features (NULL when read sparse) */
    bl_csr *S;              /* the same in CSR (NULL when dense) */
    gsl_vector *y;          /* target column */
    char **names;           /* feature names (features entries) */
    char *target;           /* target column name */
    char *path;             /* file it came from */
} bl_table;

/* A data set as the problems see it: X, y the training split (inner),
 * Xv, yv the validation split (outer).  Never modified once built. */
typedef struct bl_dataset {
    char *name;             /* "diabetes", a path, or "synth regression" */
    gsl_matrix *X;          /* n × p (NULL when sparse) */
    gsl_vector *y;          /* n */
    gsl_matrix *Xv;         /* m × p (NULL when sparse) */
    gsl_vector *yv;         /* m */
    bl_csr *Xs, *Xvs;       /* the splits in CSR when sparse (then X, Xv NULL) */
    char **names;           /* p feature names (NULL when sparse: "f1", "f2", ...) */
    char *target;           /* target name */
    int task;               /* BL_TASK_REGRESSION or BL_TASK_CLASSIFICATION */
    int standardized;       /* 1: features scaled with training statistics */
    gsl_vector *mean;       /* training feature means used (NULL if none) */
    gsl_vector *scale;      /* training feature std devs used (NULL if none) */
    double y_mean;          /* subtracted from regression targets (0 if none) */
    gsl_vector *flipped;    /* training labels flipped by a generator (0/1), or NULL */
    double split;           /* training fraction used, or 0 for a separate val file */
    unsigned long seed;
    int one_vs_rest;        /* 1: labels made by positive= (target == positive: +1) */
    double positive;        /* the class that became +1 when one_vs_rest */
} bl_dataset;

/* Options for data load. */
typedef struct bl_load_opts {
    const char *val_path;   /* separate validation file, or NULL */
    const char *target;     /* column name or 0-based index; NULL: last column */
    const char *format;     /* "csv", "libsvm" or NULL: from the extension */
    double split;           /* training fraction when no val file (default 0.7) */
    unsigned long seed;     /* shuffle seed for the split */
    int standardize;        /* 1 (default): standardise X, centre regression y */
    char sep;               /* CSV cell separator; 0 or ',' (default), ';', '\t', ... */
    int has_positive;       /* 1: one class against the rest: */
    double positive;        /* target == positive becomes +1, any other value −1 */
    bl_cancel_t *cancel;    /* Ctrl-C: polled every line read (NULL: none) */
    double mem_max;         /* bytes the dense table may take (0: no limit) */
    int sparse;             /* BL_SPARSE_AUTO (default), _ON or _OFF */
} bl_load_opts;

/* data load sparse=: CSR always (on), dense always (off), or auto: CSR
 * when the training table's density nnz/(n·p) is at most
 * BL_SPARSE_DENSITY, or when its dense form would pass mem.max.  A libsvm
 * file is read into CSR in every case (densified only when dense is
 * chosen); a CSV file is read dense, then compressed. */
enum { BL_SPARSE_OFF = 0, BL_SPARSE_ON = 1, BL_SPARSE_AUTO = 2 };
#define BL_SPARSE_DENSITY 0.1

/* The most features a dense data file may have (columns of a CSV file, the
 * largest index of a libsvm file read dense), whatever mem.max allows; a
 * libsvm file read into CSR may have up to BL_CSR_MAX_COLS (mem.max then
 * bounds what is allocated: the entries, and p-vectors of the problems).  Lines are at
 * most BL_LINE_MAX bytes (fileio.h). */
#define BL_DATA_MAX_FEATURES 100000

void bl_load_opts_default(bl_load_opts *o);

/* Readers.  Errors name file, line and column.  A CSV file that looks
 * separated by another character (a header of one column holding ';' or
 * a tab, a cell such as "1;2") gets a hint naming sep= in the message. */
int bl_table_read_csv(const char *path, const char *target, bl_table **out, bl_err *e);
/* The same with cells separated by SEP (0: ','). */
int bl_table_read_csv_sep(const char *path, const char *target, char sep, bl_table **out,
                          bl_err *e);
int bl_table_read_libsvm(const char *path, size_t min_features, bl_table **out, bl_err *e);
/* The same kept in CSR (t->S; t->X NULL). */
int bl_table_read_libsvm_sparse(const char *path, size_t min_features, bl_table **out,
                                bl_err *e);
void bl_table_free(bl_table *t);

/* Full load: reads PATH (a file, or the name of a bundled set) and the
 * optional validation file, splits, standardises.  */
int bl_data_load(const char *path, const bl_load_opts *o, bl_dataset **out, bl_err *e);

/* Builds a data set from a training table and an optional validation table
 * (tables are consumed only by reading). */
int bl_data_from_tables(const bl_table *train, const bl_table *val,
                        const bl_load_opts *o, const char *name,
                        bl_dataset **out, bl_err *e);

/* Synthetic data: kind is "regression" or "classification".
 * regression: x ~ N(0, Σ) with Σ_ij = corr^|i-j|, y = xᵀw + noise·N(0,1),
 * w_j ~ N(0,1); classification: the same x, y = sign(xᵀw + noise·N(0,1))
 * in {−1, +1}.  n samples go to training and n to validation... see doc. */
typedef struct bl_synth_opts {
    size_t n, m, p;
    double noise, corr;
    double rho;             /* fraction of training labels flipped (classification) */
    unsigned long seed;
    int standardize;
    double density;         /* sparse: fraction of non-zero entries */
    int task;               /* sparse: BL_TASK_CLASSIFICATION (default) or _REGRESSION */
    bl_cancel_t *cancel;    /* non-NULL: checked every row (Ctrl-C) */
} bl_synth_opts;

void bl_synth_opts_default(bl_synth_opts *o);
/* kind "sparse": CSR rows with about density·p non-zeros each (columns
 * uniform without repetition, values N(0,1)), a ground truth w with
 * max(1, p/10) non-zero N(0,1) entries, y = sign(xᵀw + noise·z)
 * (classification, the default) or xᵀw + noise·z (o->task regression). */
int bl_data_synth(const char *kind, const bl_synth_opts *o, bl_dataset **out, bl_err *e);

/* Writes the current splits as one CSV: the feature columns, the target,
 * and a last column "validation" (0 training, 1 validation). */
int bl_data_export_csv(const bl_dataset *ds, const char *path, bl_err *e);
/* Writes both splits as one libsvm file, training rows first (features as
 * stored: standardised values if standardised); the label column holds
 * y (+ y_mean).  Round trip: load it with standardize=no split=... */
int bl_data_export_libsvm(const bl_dataset *ds, const char *path, bl_err *e);

/* The training (VAL 0) or validation (VAL 1) design matrix, dense or CSR. */
bl_dmat bl_dataset_dmat(const bl_dataset *ds, int val);
/* Non-zero entries of both splits (n·p + m·p when dense, counting zeros
 * as stored), and the bytes the design matrices hold. */
double bl_dataset_nnz(const bl_dataset *ds);
double bl_dataset_bytes(const bl_dataset *ds);
/* Name of feature J (from names, or "f<J+1>" into BUF when sparse). */
const char *bl_dataset_feature(const bl_dataset *ds, size_t j, char *buf, size_t len);

void bl_dataset_free(bl_dataset *ds);

/* The distinct target values of DS (both splits, in the file's units:
 * y_mean added back), sorted, the first MAX of them into VALS (may be
 * NULL); returns how many there are, counting at most MAX + 1. */
size_t bl_dataset_classes(const bl_dataset *ds, double *vals, size_t max);

/* Checks that DS has both splits with one target a row and the same
 * features; WHO names the problem in the message.  BL_ENODATA, BL_EDIM. */
int bl_dataset_check(const bl_dataset *ds, const char *who, bl_err *e);
/* The same for problems that run on CSR too (bl_dataset_check refuses
 * sparse data, naming the problems that accept it). */
int bl_dataset_check_any(const bl_dataset *ds, const char *who, bl_err *e);
#define BL_SPARSE_PROBLEMS "ridge, ridge-multi, logreg, logreg-multi, lasso, enet, cleaning"

/* Finds the file of a bundled data set ("diabetes" → .../diabetes.csv);
 * returns 1 and fills BUF when found.  Search: $BILAB_DATADIR, the
 * installed pkgdatadir/data, then the source tree. */
int bl_data_find_bundled(const char *name, char *buf, size_t len);
/* The names of the bundled sets, NULL-terminated. */
extern const char *const bl_bundled_names[];

#endif
