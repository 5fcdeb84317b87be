/* settings.h: the settings table (name, type, range, default, help) that
 * drives `set`, `show`, validation, help and completion, after tmux's
 * options-table.c. */
#ifndef BL_SETTINGS_H
#define BL_SETTINGS_H

#include <stddef.h>
#include "bl.h"
#include "hypergrad.h"

struct bl_session;

typedef enum {
    BL_SET_DOUBLE,   /* a number in [lo, hi] */
    BL_SET_INT,      /* an integer in [lo, hi] */
    BL_SET_BOOL,     /* on|off (also 1|0, yes|no, true|false) */
    BL_SET_CHOICE,   /* one of the names choice(i) gives */
    BL_SET_SPEC,     /* one estimator spec */
    BL_SET_SPECS,    /* estimator specs separated by spaces */
    BL_SET_TEXT      /* text of a form its setting checks (plot.size, plot.font) */
} bl_set_kind;

/* The kinds of change that bl_session_touch (session.h) records.  A live
 * object (an iterator, the dashboard's model) remembers the generation it
 * was made at and is stale once a kind it was made from changed after it;
 * a setting's row says which kind a change of it is. */
enum {
    BL_CHG_PROBLEM = 1u << 0,  /* the problem instance replaced */
    BL_CHG_DATA = 1u << 1,     /* the data set replaced */
    BL_CHG_DEFS = 1u << 2,     /* the definitions of define (not the problem in use) */
    BL_CHG_OMEGA = 1u << 3,
    BL_CHG_THETA = 1u << 4,
    BL_CHG_INNER = 1u << 5,    /* what the inner iterator is made from: inner.solver,
                                * inner.step, lbfgs.m, inner.state */
    BL_CHG_ADJOINT = 1u << 6,  /* what the adjoint iterator is made from:
                                * adjoint.method, adjoint.eta */
    BL_CHG_OUTER = 1u << 7,    /* the outer optimiser replaced (outer.opt) */
    BL_CHG_SETTING = 1u << 8,  /* any other setting */
    BL_CHG_STATE = 1u << 9     /* what the iterators computed: the adjoint iterate,
                                * the kept adjoint, the outer trace */
};
#define BL_CHG_NKINDS 10

/* Setting identifiers, in table order. */
enum {
    BL_S_INNER_SOLVER, BL_S_INNER_STEP, BL_S_INNER_TOL, BL_S_INNER_MAXIT,
    BL_S_LBFGS_M,
    BL_S_OUTER_OPT, BL_S_OUTER_STEP, BL_S_OUTER_MAXSTEP, BL_S_OUTER_BACKTRACK, BL_S_OUTER_LO,
    BL_S_OUTER_HI, BL_S_OUTER_INNER, BL_S_OUTER_ESTIMATOR,
    BL_S_HYPERGRAD_SPECS, BL_S_HYPERGRAD_REFERENCE, BL_S_ADJOINT_METHOD, BL_S_ADJOINT_TOL,
    BL_S_ADJOINT_MAXIT, BL_S_ADJOINT_ETA, BL_S_ADJOINT_WARM, BL_S_MEM_MAX, BL_S_SEED, BL_S_FORMAT, BL_S_DIGITS, BL_S_TIMING,
    BL_S_THREADS, BL_S_SURFACE_START, BL_S_PLOT_STYLE, BL_S_PLOT_COLOR, BL_S_PLOT_WIDTH, BL_S_PLOT_HEIGHT,
    BL_S_PLOT_SIZE, BL_S_PLOT_DPI, BL_S_PLOT_FONT,
    BL_S_BATCH_INNER, BL_S_BATCH_OUTER, BL_S_SAMPLER,
    BL_S_TERM_WIDTH, BL_S_TABLE_WIDE,
    BL_NSETTINGS
};

/* A value: numbers in num, text (choices, specs) in str; the estimator
 * specs of BL_SET_SPEC and BL_SET_SPECS also parsed, once, when the value
 * is (spec: nspec of them, owned by the value: bl_setval_release). */
typedef struct bl_setval {
    double num;
    char str[256];
    bl_spec *spec;
    size_t nspec;
} bl_setval;

typedef struct bl_setting {
    const char *name;
    bl_set_kind kind;
    double lo, hi;
    const char *def;                 /* default, as text */
    const char *help;
    const char *(*choice)(size_t i); /* BL_SET_CHOICE: i-th name or NULL */
    unsigned changes;                /* the BL_CHG_* kind a change of it is */
    /* What a change does beyond the value, called by bl_session_set with
     * the new value in place and OLD the one it replaced (NULL: none);
     * on failure (E filled) the old value is put back. */
    int (*apply)(struct bl_session *S, int idx, const bl_setval *old, bl_err *e);
} bl_setting;

extern const bl_setting bl_settings_table[BL_NSETTINGS];

/* The index of setting NAME by bl_lookup (exact, else unique prefix), or −1
 * with E filled (bl_setting_find: without a message). */
int bl_setting_lookup(const char *name, bl_err *e);
int bl_setting_find(const char *name);
/* Parses TEXT for setting IDX into OUT (which then owns its parsed specs);
 * fills E with a one-line reason and leaves OUT alone on failure. */
int bl_setting_parse(int idx, const char *text, bl_setval *out, bl_err *e);
/* Frees what V owns (its parsed specs); V stays a valid value. */
void bl_setval_release(bl_setval *v);
/* Formats the value of setting IDX for show/save. */
void bl_setting_format(int idx, const bl_setval *v, char *buf, size_t len);
void bl_settings_defaults(bl_setval vals[BL_NSETTINGS]);
void bl_settings_release(bl_setval vals[BL_NSETTINGS]);
/* Describes the accepted values ("a number in [0, inf]", "gd|agd|newton"). */
void bl_setting_domain(int idx, char *buf, size_t len);

#endif
