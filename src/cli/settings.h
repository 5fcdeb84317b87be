/* settings.h: the settings table (name, type, range, default, help) that
 * drives `set`, `show`, validation, help and completion, after tmux's
 * options-table.c. */
#ifndef BL_SETTINGS_H
#define BL_SETTINGS_H

#include <stddef.h>
#include "bl.h"

typedef enum {
    BL_SET_DOUBLE,   /* a number in [lo, hi] */
    BL_SET_INT,      /* an integer in [lo, hi] */
    BL_SET_BOOL,     /* on|off (also 1|0, yes|no, true|false) */
    BL_SET_CHOICE,   /* one of the names choice(i) gives */
    BL_SET_SPEC,     /* one estimator spec */
    BL_SET_SPECS     /* estimator specs separated by spaces */
} bl_set_kind;

/* What changing a setting makes stale. */
enum { BL_INV_NONE = 0, BL_INV_INNER = 1, BL_INV_OUTER = 2 };

/* Setting identifiers, in table order. */
enum {
    BL_S_INNER_SOLVER, BL_S_INNER_STEP, BL_S_INNER_TOL, BL_S_INNER_MAXIT,
    BL_S_LBFGS_M,
    BL_S_OUTER_OPT, BL_S_OUTER_STEP, BL_S_OUTER_MAXSTEP, BL_S_OUTER_BACKTRACK, BL_S_OUTER_LO,
    BL_S_OUTER_HI, BL_S_OUTER_INNER, BL_S_OUTER_ESTIMATOR,
    BL_S_HYPERGRAD_SPECS, BL_S_ADJOINT_METHOD, BL_S_ADJOINT_TOL,
    BL_S_ADJOINT_MAXIT, BL_S_ADJOINT_ETA, BL_S_ADJOINT_WARM, BL_S_MEM_MAX, BL_S_SEED, BL_S_FORMAT, BL_S_DIGITS, BL_S_TIMING,
    BL_S_THREADS, BL_S_SURFACE_START, BL_S_PLOT_STYLE, BL_S_PLOT_COLOR, BL_S_PLOT_WIDTH, BL_S_PLOT_HEIGHT,
    BL_NSETTINGS
};

typedef struct bl_setting {
    const char *name;
    bl_set_kind kind;
    double lo, hi;
    const char *def;                 /* default, as text */
    const char *help;
    const char *(*choice)(size_t i); /* BL_SET_CHOICE: i-th name or NULL */
    unsigned invalidates;
} bl_setting;

extern const bl_setting bl_settings_table[BL_NSETTINGS];

/* A value: numbers in num, text (choices, specs) in str. */
typedef struct bl_setval {
    double num;
    char str[256];
} bl_setval;

/* The index of setting NAME by bl_lookup (exact, else unique prefix), or −1
 * with E filled (bl_setting_find: without a message). */
int bl_setting_lookup(const char *name, bl_err *e);
int bl_setting_find(const char *name);
/* Parses TEXT for setting IDX into OUT; fills E with a one-line reason. */
int bl_setting_parse(int idx, const char *text, bl_setval *out, bl_err *e);
/* Formats the value of setting IDX for show/save. */
void bl_setting_format(int idx, const bl_setval *v, char *buf, size_t len);
void bl_settings_defaults(bl_setval vals[BL_NSETTINGS]);
/* Describes the accepted values ("a number in [0, inf]", "gd|agd|newton"). */
void bl_setting_domain(int idx, char *buf, size_t len);

#endif
