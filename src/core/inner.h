/* inner.h: inner solvers as steppable iterators (alloc → set → iterate →
 * test → free), after GSL's multimin.  Each keeps its own history. */
#ifndef BL_INNER_H
#define BL_INNER_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "problem.h"

/* A growable record of one number per iteration, plus a second one. */
typedef struct bl_history {
    double *value, *resid;
    size_t n, cap;
} bl_history;

void bl_history_clear(bl_history *h);
int bl_history_push(bl_history *h, double value, double resid);
void bl_history_release(bl_history *h);

typedef struct bl_inner bl_inner;

/* What an inner solver is, for the code around it (the type's flags). */
enum {
    BL_INNER_PROX = 1u << 0,      /* handles a non-smooth g by its prox (ista,
                                     fista, cd): the solvers non-smooth problems take */
    BL_INNER_NEEDS_CD = 1u << 1   /* needs the problem's exact coordinate updates
                                     (cd_sweep: lasso, enet) */
};

/* An inner solver: a const type object in designated initializers. */
typedef struct bl_inner_type {
    const char *name;
    const char *help;
    unsigned flags;                                /* BL_INNER_* */
    size_t size;                                   /* of the state */
    int (*alloc)(void *state, size_t p);
    int (*set)(void *state, bl_inner *it);         /* it->theta is the start */
    int (*iterate)(void *state, bl_inner *it);     /* one step of it->theta */
    void (*free)(void *state);
    /* Optional: what the stopping test compares with tol when it is not
     * ‖∇θG‖ (bda: the norm of its aggregated direction), and its name. */
    double (*stop_measure)(const void *state, const bl_inner *it);
    const char *stop_name;
    /* Optional: 1 when IT, stationary to tol, is not a minimum (H has a
     * negative eigenvalue): bl_inner_run then goes on (newton leaves the
     * saddle along the negative curvature). */
    int (*saddle)(void *state, bl_inner *it);
    /* Optional: the state the next steps depend on beyond θ, ω and η
     * (momentum, step, curvature pairs, counters) as numbers, so that a
     * save can restore it exactly.  save writes them into W (W NULL: only
     * counts them) and returns how many; load restores them into a state
     * just set at the same point (BL_EINVAL when N or a value does not
     * fit).  NULL: the solver keeps nothing beyond θ (or nothing it can
     * give back: bfgs2, inside GSL). */
    size_t (*save)(const void *state, const bl_inner *it, double *w);
    int (*load)(void *state, bl_inner *it, const double *w, size_t n);
} bl_inner_type;

struct bl_inner {
    const bl_inner_type *type;
    bl_problem *P;            /* borrowed */
    gsl_vector *omega;        /* copy of ω the solver works at */
    gsl_vector *theta;        /* current iterate */
    gsl_vector *grad;         /* ∇_θG at theta */
    double eta;               /* the step η = 1/L_G (or inner.step): what the
                                 unrolled estimators use; gd and agd may
                                 backtrack below it (their own step) */
    int eta_auto;             /* η came from 1/L_G, not from the caller */
    double value;             /* G at theta */
    double resid;             /* ‖∇_θG‖ at theta (non-smooth problems:
                                 ‖θ − prox(θ − η∇f(θ))‖/η) */
    size_t iter;              /* iterations since set */
    bl_history hist;          /* value and residual, entry 0 at the start */
    void *state;
    gsl_vector *work;         /* p: the prox-gradient residual's step */
    size_t mem;               /* lbfgs: curvature pairs kept (the setting
                                 lbfgs.m); 0: BL_LBFGS_M.  Read by set. */
    size_t k0;                /* iterations before set (a restored state):
                                 bda's α counts from k0 + iter */
    double value0;            /* G where the solve started: the round-off
                                 scale of gd's and agd's step tests */
};

#define BL_LBFGS_M 10         /* lbfgs's default memory */

extern const bl_inner_type *const bl_inner_types[]; /* NULL-terminated */
extern const bl_inner_type *const bl_inner_gd, *const bl_inner_agd,
    *const bl_inner_newton;
extern const bl_inner_type *const bl_inner_bfgs2, *const bl_inner_bda;
/* inner_qn.c: matrix-free limited-memory BFGS and truncated Newton (CG) */
extern const bl_inner_type *const bl_inner_lbfgs, *const bl_inner_newton_cg;
extern const bl_inner_type bl_inner_lbfgs_type, bl_inner_newton_cg_type; /* the table's */
extern const bl_inner_type *const bl_inner_ista, *const bl_inner_fista,
    *const bl_inner_cd;
/* By name or unique prefix (bl_lookup); NULL when none or ambiguous. */
const bl_inner_type *bl_inner_lookup(const char *name);
/* The solver `inner.solver auto` picks for P (doc/manual.md, "Inner
 * solvers"): the type's own (P->type->solver) when it names one; cd (or
 * fista) for non-smooth problems; newton for a dense H (the type's, or
 * for problems without one p ≤ BL_AUTO_HVP_MAX products H e_j) up to
 * p = BL_AUTO_DENSE_MAX; above, matrix-free: newton-cg for convex G, then
 * lbfgs, where they exist, else agd (which backtracks). */
#define BL_AUTO_DENSE_MAX 2000
#define BL_AUTO_HVP_MAX 200
const bl_inner_type *bl_inner_auto(const bl_problem *P);

bl_inner *bl_inner_alloc(const bl_inner_type *T, size_t p);
/* The bytes an iterator of T holds at dimension P (lbfgs with MEM pairs;
 * 0: the default): newton's dense H, its eigenvectors and workspace
 * above all.  bl_inner_mem checks it against P->mem_max before
 * bl_inner_alloc (BL_ENOMEM with E, through bl_problem_mem). */
double bl_inner_bytes(const bl_inner_type *T, size_t p, size_t mem);
int bl_inner_mem(const bl_inner_type *T, const bl_problem *P, size_t mem, bl_err *e);
/* Starts at THETA0 for ω = OMEGA with step ETA (≤ 0: 1/L_G from the
 * problem's bound or a power iteration). */
int bl_inner_set(bl_inner *it, bl_problem *P, const gsl_vector *omega,
                 const gsl_vector *theta0, double eta, bl_err *e);
int bl_inner_iterate(bl_inner *it, bl_err *e);
/* The iterator's state as numbers (iterations, how η was found, the
 * starting G, then the type's own, see bl_inner_type.save):
 * bl_inner_state_get writes them into W (NULL: only counts) and returns
 * how many; bl_inner_state_put restores them into IT, which was just set
 * at the same θ, ω and η, so that its next steps are bit for bit those
 * of the iterator they came from.  A type without save gives the common
 * part only, and restarts its own state from θ. */
size_t bl_inner_state_get(const bl_inner *it, double *w);
int bl_inner_state_put(bl_inner *it, const double *w, size_t n, bl_err *e);
/* BL_OK when ‖∇_θG‖ ≤ tol (or the type's stop_measure ≤ tol),
 * BL_CONTINUE otherwise. */
int bl_inner_test(const bl_inner *it, double tol);
void bl_inner_free(bl_inner *it);

/* Everything needed to solve an inner problem again somewhere else. */
typedef struct bl_inner_conf {
    const bl_inner_type *type;
    double eta;               /* ≤ 0: automatic */
    double tol;
    size_t maxit;
    size_t mem;               /* lbfgs.m, copied into bl_inner.mem; 0: default */
} bl_inner_conf;

/* Iterates until tolerance, MAXIT iterations, an error or CANCEL.
 * Returns BL_OK, BL_EMAXITER, BL_ESTALL (no progress possible at
 * round-off: the iterate is as good as it gets), BL_EINTR or an error. */
int bl_inner_run(bl_inner *it, double tol, size_t maxit, bl_cancel_t *cancel,
                 bl_err *e);
/* One-shot solve at OMEGA starting from THETA (overwritten with the
 * result).  ITERS (may be NULL) receives the iterations used. */
int bl_inner_solve_at(bl_problem *P, const bl_inner_conf *c,
                      const gsl_vector *omega, gsl_vector *theta,
                      size_t *iters, bl_cancel_t *cancel, bl_err *e);

/* What one inner solve came to, for the commands that must report every
 * solve that stopped short of inner.tol (never silently). */
typedef struct bl_solve_info {
    int status;               /* BL_OK (reached tol), BL_EMAXITER, BL_ESTALL, ... */
    size_t iters;             /* iterations used */
    double resid;             /* the inner residual reached (‖∇θG‖ or prox) */
    int converged;            /* 1: reached tol (status BL_OK); BL_ESTALL
                                 counts as converged only when resid ≤ tol */
} bl_solve_info;

/* bl_inner_solve_at that also fills INFO (may be NULL). */
int bl_inner_solve_info(bl_problem *P, const bl_inner_conf *c,
                        const gsl_vector *omega, gsl_vector *theta,
                        bl_solve_info *info, bl_cancel_t *cancel, bl_err *e);
/* The inner residual at (θ, ω): ‖∇θG‖, or for a non-smooth problem the
 * prox-gradient mapping ‖θ − prox_{ηg}(θ − η∇f(θ))‖/η with step ETA
 * (≤ 0: 1/L_G).  Counted as one or two gradient calls. */
double bl_inner_residual(bl_problem *P, const gsl_vector *theta,
                         const gsl_vector *omega, double eta);
/* The step 1/L_G at (θ, ω). */
double bl_inner_default_eta(bl_problem *P, const gsl_vector *theta,
                            const gsl_vector *omega);

#endif
