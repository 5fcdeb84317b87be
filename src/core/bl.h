/* bl.h: status codes, error records and small helpers shared by every
 * engine module.  Nothing here prints or exits.
 *
 * Names of the whole tree: bl_MODULE_verb.  Of the functions that end a
 * life, X_free(x) frees x itself and all it owns (x from X_alloc/X_new);
 * X_release(x) frees what x owns and leaves the struct, which is the
 * caller's, zeroed; X_clear(x) empties x and keeps its storage. */
#ifndef BL_BL_H
#define BL_BL_H

#include <signal.h>
#include <stddef.h>

/* Status codes: BL_OK is success, errors are negative, BL_CONTINUE is the
 * "not converged yet" answer of the *_test functions (as GSL_CONTINUE). */
enum {
    BL_CONTINUE = 1,
    BL_OK = 0,
    BL_EINVAL = -1,      /* bad argument or parameter */
    BL_ENOMEM = -2,      /* allocation failed, or over the memory limit the
                            user set (mem.max): E says which */
    BL_EIO = -3,         /* file missing or unreadable */
    BL_EFORMAT = -4,     /* malformed input file */
    BL_EDIM = -5,        /* dimension mismatch */
    BL_ENOTPD = -6,      /* Hessian not positive definite */
    BL_EDIVERGE = -7,    /* iteration produced NaN / Inf */
    BL_EUNSUPPORTED = -8,/* the problem cannot do what was asked */
    BL_ENODATA = -9,     /* the problem needs data and has none */
    BL_EINTR = -10,      /* cancelled by the user (Ctrl-C) */
    BL_EMAXITER = -11,   /* iteration cap reached before tolerance */
    /* -12 was BL_EMEM (over mem.max), now BL_ENOMEM with the reason in bl_err */
    BL_ESTALL = -13      /* no further progress possible at round-off */
};

/* An error record: core functions that can fail for a reason worth telling
 * the user fill one (lowercase, no trailing period).  It may be NULL. */
typedef struct bl_err {
    int code;
    char msg[512];
} bl_err;

void bl_err_set(bl_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *bl_strerror(int code);
/* A limit or value as it is typed back: integers below 10⁶ in full,
 * others in the shortest exact form with a plain exponent (1e8, 2.5e-5),
 * inf, -inf; every number reader of bilab reads such text. */
char *bl_fmt_limit(char *buf, size_t len, double v);

/* Memory estimates, checked before a dense allocation whose size grows
 * with the user's input (the setting mem.max).  bl_mem_dense: bytes of
 * ROWS × COLS doubles (exact in a double, no overflow).  bl_fmt_bytes:
 * "320 GB", "1.5 MB", "2 GiB" style (decimal units; a power of 1024 is
 * written in binary units) into BUF.  bl_mem_check: BL_OK when BYTES ≤
 * MEM_MAX or MEM_MAX ≤ 0 (no limit); else BL_ENOMEM with E:
 *   "WHO needs 320 GB for WHY, above mem.max 2 GB (set mem.max to allow it)". */
double bl_mem_dense(double rows, double cols);
char *bl_fmt_bytes(char *buf, size_t len, double bytes);
int bl_mem_check(double bytes, double mem_max, const char *who, const char *why,
                 bl_err *e);

/* Cancellation flag set by the SIGINT handler; long loops poll it. */
typedef volatile sig_atomic_t bl_cancel_t;

/* Progress of one long piece of work (building a problem, a dense H, a
 * factorisation): WHAT it is, DONE of TOTAL units.  The caller decides
 * whether and when to show it. */
typedef void (*bl_busy_fn)(void *arg, const char *what, double done, double total);

/* A tunable numeric parameter of a problem, estimator or solver type. */
typedef struct bl_param {
    const char *name;
    double def, lo, hi;
    int is_int;          /* 1: must be an integer */
    const char *help;
    const char *const *choices; /* named values (NULL-terminated): the value
                                   is the index; NULL for numbers */
} bl_param;

/* Looks NAME up in PARAMS; returns its index or -1. */
int bl_param_find(const bl_param *params, size_t n, const char *name);
/* Parses TEXT as a value of PARAM (a number, or one of its choices). */
int bl_param_parse(const bl_param *param, const char *text, double *value, bl_err *e);
/* Checks VALUE against the range of PARAM; fills E on failure. */
int bl_param_check(const bl_param *param, double value, bl_err *e);

/* ---- names: one lookup rule for every table ----
 * Estimators, commands, settings and their choices, problems, solvers and
 * outer optimisers are all found by name the same way (after tmux's cmd.c):
 * an exact name, else the one name that WORD is a prefix of.  Returns the
 * index in NAMES (N names), or BL_LOOKUP_UNKNOWN / BL_LOOKUP_AMBIGUOUS with
 * E (may be NULL) filled in one wording:
 *   ambiguous WHAT 'w' (could be a, b)
 *   unknown WHAT 'w' (did you mean 'x'? choose a|b|c)
 * The suggestion is the closest name (bl_closest) when there is one; the
 * list "choose a|b|c" is given when HINT is NULL, else HINT stands for it
 * where there is no suggestion ("type 'help' for the list").  WHAT may be
 * NULL or "" (then: unknown 'w' ...); an empty WORD is unknown. */
enum { BL_LOOKUP_UNKNOWN = -1, BL_LOOKUP_AMBIGUOUS = -2 };
int bl_lookup(const char *word, const char *const *names, size_t n, const char *what,
              const char *hint, bl_err *e);
/* Levenshtein distance between A and B. */
size_t bl_edit_distance(const char *a, const char *b);
/* The closest of NAMES to WORD when it is close enough to suggest (edit
 * distance ≤ max(2, len/3), or WORD is a prefix of it), else NULL. */
const char *bl_closest(const char *word, const char *const *names, size_t n);

/* Process set-up for the engine: GSL's abort-on-error handler off, BLAS
 * single-threaded (bilab parallelises over grid points, not inside small
 * products, and a threaded BLAS makes sums depend on the thread count). */
void bl_init(void);

/* Wall-clock seconds from a monotonic clock. */
double bl_clock(void);

#endif
