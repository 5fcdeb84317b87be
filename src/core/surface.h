/* surface.h: F, its reference hypergradient and estimators over a grid of
 * ω (surfaces, and compare over ω), and estimator errors as a budget
 * grows (compare over a parameter).  Grids run in parallel with OpenMP
 * over points (or segments of a path); each thread works on its own
 * clone of the problem, and results are bit-identical for any number of
 * threads.  A grid runs either to its end (bl_surface_compute) or as a
 * job in a thread of its own that its caller polls and may cancel
 * (bl_surface_job_*: `surface` and the dashboard's background surface). */
#ifndef BL_SURFACE_H
#define BL_SURFACE_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "hypergrad.h"
#include "inner.h"
#include "problem.h"

#define BL_SURF_MAXSPECS 8

typedef struct bl_axis {
    size_t coord;               /* which ω coordinate */
    size_t n;
    double *values;             /* n values, owned */
} bl_axis;

/* Called from one thread now and then with the points done so far. */
typedef void (*bl_progress_fn)(void *arg, size_t done, size_t total);

typedef struct bl_surface {
    size_t naxes;               /* 1 or 2 */
    bl_axis ax[2];
    size_t d;                   /* dim ω */
    size_t npoints;             /* ax[0].n × ax[1].n; point (i, j) is i + n0·j */
    double *F;                  /* npoints; NaN where not computed or failed */
    double *grad;               /* npoints × d, the reference hypergradient */
    char ref[16];               /* "exact" or "fd" */
    size_t nspecs;
    bl_spec specs[BL_SURF_MAXSPECS];
    double *est;                /* nspecs × npoints × d */
    double *rel_err, *cosine;   /* nspecs × npoints */
    unsigned char *done;        /* npoints: 1 computed, 2 failed */
    size_t ndone, nfailed;
    /* Whether each point's numbers come from inner solves that reached
     * inner.tol: the point's own solve, the reference's (fd) and the
     * estimators' (fd, penalty).  0 where a solve stopped short (at
     * inner.maxit, or stalled above tol), where the point failed or was
     * not computed. */
    unsigned char *converged;   /* npoints */
    double *resid;              /* npoints: the largest inner residual of the
                                   point's solves (NaN where not computed) */
    size_t nunconv;             /* points computed (done 1) with converged 0 */
    double worst;               /* the largest resid among those (0: none) */
    bl_solve_tally tally;       /* every inner solve the grid made */
    /* Why points failed: the message of the first failed point in grid
     * order, and how many failed points share its status (for any number
     * of threads the same). */
    char reason[512];
    size_t nreason;
    /* Per estimator: at how many solved points it failed (a nan in its
     * rel_err), and the error of the first such point in grid order
     * (its index est_first; SIZE_MAX: none). */
    size_t est_nfail[BL_SURF_MAXSPECS], est_first[BL_SURF_MAXSPECS];
    char est_why[BL_SURF_MAXSPECS][512];
    int partial;                /* cancelled before the end */
    double seconds;
    int threads;
    int path;                   /* points started along a path (PATH below) */
    unsigned long inner_iters, hvp;
} bl_surface;

/* Points of a path segment (PATH below). */
#define BL_SURF_SEGMENT 8

/* A grid over 1 or 2 ω coordinates (AXES), other coordinates fixed at
 * OMEGA; at every point the inner problem is solved to the inner
 * tolerance, then F, the reference (exact where H is positive definite,
 * else fd) and each of SPECS are recorded.  PATH 0: every point starts
 * from THETA0.  PATH 1: axis 0 is cut into segments of BL_SURF_SEGMENT
 * points; the first point of a segment starts from THETA0, the next from
 * the solution before it, and the others from the secant prediction
 * through the two solutions before them (or the last one, whichever has
 * the lower G).  Either way the numbers do not depend on THREADS. */
int bl_surface_compute(bl_surface *s, bl_problem *P, const gsl_vector *omega,
                       const gsl_vector *theta0, const bl_inner_conf *ic,
                       const bl_axis *axes, size_t naxes, const bl_spec *specs,
                       size_t nspecs, double eta, int path, int threads,
                       bl_cancel_t *cancel, bl_progress_fn progress, void *parg,
                       bl_err *e);
void bl_surface_release(bl_surface *s);
/* The index of the grid point with the smallest F (SIZE_MAX if none). */
size_t bl_surface_argmin(const bl_surface *s);

/* The same grid in a thread of its own (on a clone of P and copies of
 * OMEGA and THETA0), to be polled, cancelled and finished: the numbers are
 * bl_surface_compute's, bit for bit.  One thread starts, polls and
 * finishes it. */
typedef struct bl_surface_job bl_surface_job;

typedef struct bl_surface_progress {
    size_t npoints, ndone;      /* points in the grid, and computed or failed */
    size_t nfailed, nunconv;    /* failed; computed with inner solves short of tol */
    int finished;               /* the thread is done: finish it */
} bl_surface_progress;

/* Starts the grid: BL_OK and *J, or the error of bl_surface_compute's
 * checks (then *J is NULL). */
int bl_surface_job_start(bl_surface_job **j, bl_problem *P, const gsl_vector *omega,
                         const gsl_vector *theta0, const bl_inner_conf *ic,
                         const bl_axis *axes, size_t naxes, const bl_spec *specs,
                         size_t nspecs, double eta, int path, int threads, bl_err *e);
void bl_surface_job_poll(bl_surface_job *j, bl_surface_progress *p);
/* Waits up to SECONDS for the end; whether it has ended. */
int bl_surface_job_wait(bl_surface_job *j, double seconds);
/* Asks it to stop (the points under way are left undone). */
void bl_surface_job_cancel(bl_surface_job *j);
/* The grid as it fills (axes, F, grad and done of each point), held
 * still until bl_surface_job_unlock. */
const bl_surface *bl_surface_job_lock(bl_surface_job *j);
void bl_surface_job_unlock(bl_surface_job *j);
/* Waits for the end (after bl_surface_job_cancel: soon), moves the result
 * into S (may be NULL: dropped) as bl_surface_compute leaves it, partial
 * with BL_EINTR when cancelled, and frees J.  Returns its status. */
int bl_surface_job_finish(bl_surface_job *j, bl_surface *s, bl_err *e);

/* compare over a budget: each spec with its parameter PARAM set to each
 * value, at the current θ and ω, against the reference. */
typedef struct bl_budget {
    size_t nspecs, nvalues;
    bl_spec specs[BL_SURF_MAXSPECS];
    char param[32];
    double *values;             /* nvalues */
    double *rel_err, *cosine;   /* nspecs × nvalues; NaN where not computed */
    double *bound;              /* nspecs × nvalues: the error bound on ‖g − ∇F‖
                                   (bound.h; NaN: none, not an implicit estimator) */
    unsigned char *bound_cert;  /* nspecs × nvalues: 1 where it is certified */
    double ref_norm;            /* ‖the reference‖ */
    unsigned long *hvp;         /* nspecs × nvalues */
    unsigned char *done;        /* nspecs × nvalues */
    size_t ndone;
    /* nspecs × nvalues: 1 when the estimate's own inner solves (fd,
     * penalty) and the reference's (fd) reached inner.tol */
    unsigned char *converged;
    size_t nunconv;             /* computed entries with converged 0 */
    double worst;               /* the largest inner residual among them */
    bl_solve_tally tally;       /* every inner solve made, the reference's too */
    int ref_converged;          /* the reference's solves reached inner.tol */
    double theta_resid;         /* the inner residual at θ, where the estimates are
                                   taken (compare does not solve there) */
    int partial;
    char ref[16];
    double seconds;
    int threads;
    double eta;                 /* the inner step η of the estimates (a spec's own
                                   eta parameter overrides it) */
    /* Per spec: 1 for a baseline row (exact, which has no PARAM: computed
     * once, the same at every value); how many entries failed, and the
     * error of the first of them in value order (for any thread count). */
    unsigned char baseline[BL_SURF_MAXSPECS];
    size_t nfail[BL_SURF_MAXSPECS];
    char why[BL_SURF_MAXSPECS][512];
} bl_budget;

int bl_budget_compute(bl_budget *b, bl_problem *P, const gsl_vector *omega,
                      const gsl_vector *theta, const bl_inner_conf *ic,
                      const bl_spec *specs, size_t nspecs, const char *param,
                      const double *values, size_t nvalues, double eta,
                      double mem_max, int threads, bl_cancel_t *cancel,
                      bl_progress_fn progress, void *parg, bl_err *e);
void bl_budget_release(bl_budget *b);

/* Why spec Q's row of a budget looks as it does.  nonmono: its error rises
 * again as PARAM grows (to more than twice, and above 1e-6, the smallest
 * error at a smaller value): from rel_err[v_min] at values[v_min] to
 * rel_err[v_rise] at values[v_rise].  For a non-monotone method that
 * iterates with I − ηH (BL_EST_NEEDS_CONTRACTION or BL_EST_UNROLLS: iter
 * 1) the extreme eigenvalues of H at (THETA, OMEGA) are computed
 * (bl_spectrum_compute: dense or Lanczos within P's mem.max; products not
 * counted): spectrum 1 with lmin, lmax, eta and q = max|1 − ηλ|, or
 * spectrum 0 and the reason in nospec. */
typedef struct bl_budget_note {
    int nonmono;
    size_t v_min, v_rise;
    int iter;
    int spectrum;
    double eta, lmin, lmax, q;
    char nospec[512];
} bl_budget_note;

int bl_budget_explain(const bl_budget *b, size_t q, bl_problem *P, const gsl_vector *omega,
                      const gsl_vector *theta, bl_budget_note *nt);

#endif
