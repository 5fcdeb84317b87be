/* outer.h: outer optimisers as types (gd, momentum, adam), the box
 * projection, Armijo backtracking on F, and the outer trace. */
#ifndef BL_OUTER_H
#define BL_OUTER_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "hypergrad.h"
#include "inner.h"
#include "problem.h"

typedef struct bl_outer_type {
    const char *name;
    const char *help;
    size_t size;
    int (*alloc)(void *state, size_t d);
    void (*reset)(void *state);
    /* Tentative direction DIR (ω' = ω + s·dir) from gradient G; the state
     * changes only when accept is called. */
    void (*direction)(void *state, const gsl_vector *g, gsl_vector *dir);
    void (*accept)(void *state);
    void (*free)(void *state);
    /* Optional: the state as numbers (momentum, Adam's moments and step
     * count), as bl_inner_type.save and load do for a save; NULL: none. */
    size_t (*save)(const void *state, size_t d, double *w);
    int (*load)(void *state, size_t d, const double *w, size_t n);
} bl_outer_type;

extern const bl_outer_type *const bl_outer_types[];   /* NULL-terminated */
/* By name or unique prefix (bl_lookup); NULL when none or ambiguous. */
const bl_outer_type *bl_outer_lookup(const char *name);

typedef struct bl_outer_conf {
    const bl_outer_type *type;
    double step;            /* s */
    int backtrack;          /* 1: Armijo backtracking on F */
    double lo, hi;          /* box bounds on every ω coordinate */
    size_t inner_steps;     /* 0: solve the inner problem to tol each step */
    double maxstep;         /* cap on ‖ω' − ω‖ before projection; ≤ 0: none */
} bl_outer_conf;

/* Why an outer step moved ω as far as it did. */
enum {
    BL_STEP_MOVED = 0,      /* ω moved */
    BL_STEP_NOGRAD,         /* the direction is 0 (the hypergradient is 0) */
    BL_STEP_BOX,            /* projected on [outer.lo, outer.hi], ω stays where it is */
    BL_STEP_NODECREASE,     /* backtracking gave up: F did not decrease enough (Armijo) */
    BL_STEP_NONFINITE,      /* backtracking gave up: F was not finite at the trial points */
    BL_STEP_SOLVEFAIL,      /* backtracking gave up: the trial inner solves failed */
    BL_STEP_ROUNDOFF        /* no halving decreased F before the trial step fell
                               below the round-off of ω: stationary to round-off */
};

/* How one outer step went, beside its trace row. */
typedef struct bl_step_info {
    bl_solve_tally inner;   /* its inner solves (line search included) and how
                               many stopped short of inner.tol; with outer.inner
                               = K the K iterations count as one solve */
    double resid;           /* the inner residual at the row's ω, where F and
                               g were taken */
    int why;                /* BL_STEP_*: for a zero step, why */
    int halvings;           /* halvings of the line search */
} bl_step_info;

/* What a BL_STEP_* code means, in words ("backtracking gave up: F did not
 * decrease"). */
const char *bl_step_why(int why);

/* The outer history: one row per outer step, at the ω where F and g were
 * evaluated. */
typedef struct bl_trace {
    size_t n, cap, d;
    double *omega;          /* n × d */
    double *F, *gnorm, *step;
    size_t *inner_iters;
    size_t *adjoint_iters;  /* iterations of the estimator (adjoint or unrolled) */
    bl_step_info *info;     /* n: the step's inner solves and its zero-step reason */
} bl_trace;

/* Whether every inner solve of row R reached inner.tol. */
int bl_trace_converged(const bl_trace *t, size_t r);

void bl_trace_clear(bl_trace *t);
void bl_trace_release(bl_trace *t);

typedef struct bl_outer {
    const bl_outer_type *type;
    size_t d, iter;
    size_t solves;          /* inner solves made by the steps (line search too) */
    bl_trace trace;
    void *state;
} bl_outer;

bl_outer *bl_outer_alloc(const bl_outer_type *T, size_t d);
/* The optimiser's state as numbers (its step and solve counts, then the
 * type's own), to save and restore a session: get writes them into W
 * (NULL: only counts) and returns how many; put restores them, so that
 * the next steps are bit for bit those of the optimiser they came from
 * (the trace is not part of it). */
size_t bl_outer_state_get(const bl_outer *o, double *w);
int bl_outer_state_put(bl_outer *o, const double *w, size_t n, bl_err *e);
void bl_outer_reset(bl_outer *o);
void bl_outer_free(bl_outer *o);

/* Everything one outer step reads and writes. */
typedef struct bl_outer_env {
    bl_problem *P;
    gsl_vector *omega;          /* in/out */
    gsl_vector *theta;          /* in/out: warm start, then the new iterate */
    const bl_inner_conf *inner;
    const bl_outer_conf *conf;
    const bl_spec *estimator;
    bl_cancel_t *cancel;
    gsl_vector *adjoint;        /* in: warm start (when warm), out: the adjoint
                                   of the step's estimate; may be NULL */
    int warm;                   /* 1: adjoint methods start from *adjoint */
    int have_adjoint;           /* out: 1 when *adjoint was written */
    double mem_max;             /* bytes an estimator may hold; ≤ 0: no limit */
    /* minibatch estimators (batch=): the sampler, the outer batch size and
     * the seed; step k of the optimiser draws with seed + k (fresh batches
     * every step) unless the spec fixes its seed.  Zero: batches, all the
     * outer samples, 0. */
    int sampler;
    size_t batch_outer;
    unsigned long seed;
} bl_outer_env;

/* One outer step.  On failure ω and θ are left exactly as they were. */
int bl_outer_step(bl_outer *o, bl_outer_env *env, bl_err *e);

#endif
