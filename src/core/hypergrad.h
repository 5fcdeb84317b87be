/* hypergrad.h: hypergradient estimators as type objects in one table.
 * Definitions: doc/catalogue.md, "Hypergradient estimators". */
#ifndef BL_HYPERGRAD_H
#define BL_HYPERGRAD_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "bound.h"
#include "inner.h"
#include "problem.h"

#define BL_EST_MAXPAR 10

/* What an estimator needs from the problem (the type's needs). */
enum {
    BL_EST_NEEDS_PD = 1u << 0,          /* H positive definite at θ (unless its
                                           pd_param is non-zero: exact:pinv) */
    BL_EST_NEEDS_ADJOINT = 1u << 1,     /* solves H a = ∇θL: has an adjoint */
    BL_EST_NEEDS_CONTRACTION = 1u << 2  /* a contracting η: its series or fixed
                                           point converges iff max|1 − ηλ| < 1 */
};

/* What an estimator is, for the code around it (the type's flags). */
enum {
    BL_EST_REFERENCE = 1u << 0,   /* the exact hypergradient at θ: the reference of
                                     hypergrad and the dashboard where it applies */
    BL_EST_PD_CHECKED = 1u << 1,  /* cannot tell a singular or indefinite H itself
                                     (cg may "converge" to a meaningless adjoint):
                                     refused before it runs where H is not
                                     positive definite */
    BL_EST_UNROLLS = 1u << 2,     /* runs inner steps θ − η∇θG (or the problem's own
                                     step): they diverge where max|1 − ηλ| > 1 */
    BL_EST_NOT_LIVE = 1u << 3,    /* left out of live views (the dashboard's e):
                                     forward, reverse's number at d times the cost */
    BL_EST_DENSE_H = 1u << 4      /* forms the dense p × p H (and a factor): checked
                                     against mem.max first; the others are
                                     matrix-free (H-products only) */
};

/* How the inner solves of a command ended: how many there were, how many
 * stopped short of inner.tol (BL_EMAXITER, or a stall above tol), and the
 * largest inner residual reached.  Commands report the ones that stopped
 * short, never silently. */
typedef struct bl_solve_tally {
    size_t solves, failures;
    double worst;                      /* the largest residual (0: none yet) */
} bl_solve_tally;

/* Counts one solve (INFO from bl_inner_solve_info). */
void bl_tally_add(bl_solve_tally *t, const bl_solve_info *info);
/* Adds U's counts to T. */
void bl_tally_merge(bl_solve_tally *t, const bl_solve_tally *u);
/* What bl_inner_solve_info would report for iterator IT after
 * bl_inner_run returned ST with tolerance TOL. */
void bl_solve_info_of(const bl_inner *it, int st, double tol, bl_solve_info *info);

/* Where an estimate is computed. */
typedef struct bl_hg_ctx {
    bl_problem *P;
    const gsl_vector *omega, *theta;   /* current ω and inner iterate θ */
    const bl_inner_conf *inner;        /* for estimators that re-solve */
    double eta;                        /* the inner step η in use */
    bl_cancel_t *cancel;
    const gsl_vector *adjoint0;        /* warm start of adjoint methods, or NULL */
    int warm;                          /* 1: adjoint methods start from adjoint0 */
    double mem_max;                    /* bytes a method may hold; ≤ 0: no limit */
    int keep_unconverged;              /* fd, penalty: 1 returns the estimate when an
                                          inner solve stops at inner.maxit (counted
                                          in the result's tally); 0: an error */
    /* The stochastic estimators (spec parameter batch > 0, stoch_est.h):
     * the sampler (a bl_sampler_kind), the outer batch size (0: all the
     * samples) and the seed used where the spec gives none.  Zero: batches,
     * full outer batch, seed 0. */
    int sampler;
    size_t batch_outer;
    unsigned long seed;
    int bound;                         /* 1: implicit estimates get the a posteriori
                                          error bound (r->bound, bound.h); uncounted */
} bl_hg_ctx;

/* What an estimate returns; grad (d), adjoint (p) and theta_end (p) are
 * the caller's. */
typedef struct bl_hg_result {
    gsl_vector *grad;
    gsl_vector *adjoint;
    gsl_vector *theta_end;       /* unrolled methods: θ_T */
    int has_adjoint;
    int has_theta_end;
    double adjoint_residual;     /* ‖Ha − ∇θL‖/‖∇θL‖, NaN without adjoint */
    unsigned long hvp, cvp, grad_calls;
    size_t iters;                /* iterations (adjoint) or steps (unrolled) */
    size_t bytes;                /* working memory of the method */
    int checkpointed;            /* reverse/truncated with checkpoints=c: */
    size_t stored;               /*   peak states stored (≤ c) */
    size_t recomputed;           /*   forward steps beyond one sweep */
    double seconds;
    bl_solve_tally inner;        /* fd, penalty: the inner solves the estimate made
                                    (penalty's residual is ‖∇(L + ΛG)‖/Λ) */
    double bound;                /* c->bound: bound on ‖g − ∇F(ω)‖ (bound.h); NaN: none */
    int bound_certified;         /* 1: from declared constants only */
    char bound_note[160];        /* why there is none, or what was estimated */
    bl_bound binfo;              /* its parts and constants (binfo.mu NaN: none) */
} bl_hg_result;

/* The kind of method, which decides how --explain splits its error. */
enum { BL_EST_IMPLICIT, BL_EST_UNROLLED, BL_EST_OTHER };

struct bl_spec;

/* An estimator: one static run function and one row of the table (always
 * written with designated initializers).  Everything else (hypergrad, help,
 * completion, the warnings and advice, the dashboard's cycle, the tests'
 * table) reads these fields; nothing tests an estimator by its name. */
typedef struct bl_estimator_type {
    const char *name;
    const char *help;            /* one line */
    const char *cost;            /* products and memory, in words */
    const bl_param *params;
    size_t nparams;
    unsigned needs;              /* BL_EST_NEEDS_* */
    unsigned flags;              /* BL_EST_REFERENCE, ... */
    const char *pd_param;        /* the parameter that, non-zero, lifts
                                    BL_EST_NEEDS_PD (exact: "pinv"); NULL: none */
    const char *adjoint;         /* the adjoint iterator it runs (adjoint.h), for
                                    `adjoint SPEC` to step; NULL: none */
    const char *live;            /* the spec live views use (a cheap setting);
                                    NULL: the bare name */
    int kind;                    /* BL_EST_IMPLICIT, _UNROLLED or _OTHER */
    const char *error_name;      /* what its own error is called in --explain */
    /* --explain: a method that approximates another one (truncated: reverse
     * through all t steps) fills FULL with that one's spec and returns 1;
     * the method's part of the error then splits into FULL's error and the
     * rest, called split_name.  NULL, or 0 returned: no split. */
    int (*split)(const double *par, struct bl_spec *full);
    const char *split_name;
    int (*run)(const double *par, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);
} bl_estimator_type;

extern const bl_estimator_type *const bl_estimators[];   /* NULL-terminated */
/* By name or unique prefix (bl_lookup); NULL when none or ambiguous. */
const bl_estimator_type *bl_estimator_lookup(const char *name);

/* Lists the estimators whose needs include all of NEEDS, in table order,
 * as "a, b and c" (e.g. BL_EST_NEEDS_PD: "exact and cg"). */
void bl_estimator_names(unsigned needs, char *buf, size_t len);
/* What applies where H is not positive definite, as advice: the estimators
 * without BL_EST_NEEDS_PD, those with a pd_param as "name:param", those
 * that need a contracting η together, implicit ones first, then those that
 * unroll steps, then the rest, each in table order ("exact:pinv, neumann or
 * fp with a contracting η, reverse, forward, truncated, onestep, ..., fd"). */
void bl_estimator_advice_not_pd(char *buf, size_t len);
/* What applies where the dense H is over mem.max, as advice: the
 * estimators without BL_EST_DENSE_H, grouped and ordered as above, the
 * last after a comma ("cg, neumann or fp with a contracting η, reverse,
 * ..., penalty, fd"). */
void bl_estimator_advice_matrix_free(char *buf, size_t len);

/* A parsed spec "name:key=value,key=value" (a bare key means key=1). */
typedef struct bl_spec {
    const bl_estimator_type *type;
    double par[BL_EST_MAXPAR];
    char text[128];              /* as typed, trimmed */
} bl_spec;

int bl_spec_parse(const char *text, bl_spec *s, bl_err *e);
/* Whether S needs H positive definite (BL_EST_NEEDS_PD, not lifted by its
 * pd_param). */
int bl_spec_needs_pd(const bl_spec *s);
/* Whether S computes the reference: a BL_EST_REFERENCE type that needs H
 * positive definite as it stands (exact, not exact:pinv). */
int bl_spec_is_reference(const bl_spec *s);

/* The inner batch size of S's parameter batch (0: none or full batch,
 * the deterministic estimator). */
size_t bl_spec_batch(const bl_spec *s);

/* Runs S in context C: fills R (counts, time, residual).  R->grad must
 * have size d and R->adjoint size p. */
int bl_hypergrad(const bl_spec *s, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);

/* The error of an estimate split into its sources (doc/catalogue.md,
 * "Hypergradient estimators"): the
 * vectors part[0..nparts−1] add up to g − g*, g* the exact hypergradient
 * at a tightly solved θ*. */
typedef struct bl_explain {
    gsl_vector *g, *gstar, *total;
    size_t nparts;
    const char *name[3];
    gsl_vector *part[3];
    double inner_residual;       /* ‖∇θG‖ at the θ the method started from */
    int star_converged;          /* 0: the solve for θ* stopped short of its
                                    tolerance (g* is then not exact) */
    double star_residual;        /* the residual that solve reached (0: closed form) */
} bl_explain;

int bl_explain_run(const bl_spec *s, const bl_hg_ctx *c, bl_explain *x, bl_err *e);
void bl_explain_release(bl_explain *x);

/* F(ω) with the inner problem re-solved from THETA (not modified). */
int bl_value_F(bl_problem *P, const bl_inner_conf *ic, const gsl_vector *omega,
               const gsl_vector *theta, double *F, bl_cancel_t *cancel, bl_err *e);
/* The same, and how the solve ended (INFO may be NULL).  Returns BL_OK also
 * when the solve stopped short of tol (INFO->converged is then 0), except at
 * BL_EMAXITER, which is returned (F is set all the same). */
int bl_value_F_info(bl_problem *P, const bl_inner_conf *ic, const gsl_vector *omega,
                    const gsl_vector *theta, double *F, bl_solve_info *info,
                    bl_cancel_t *cancel, bl_err *e);

/* ---- estimators side by side with the reference ---- */

/* One estimator of a comparison. */
typedef struct bl_hg_entry {
    bl_spec spec;                /* in: what runs */
    int status;                  /* in: non-zero: refused before running (not run,
                                    kept); out: BL_OK, bl_hypergrad's error, or
                                    BL_EINTR where Ctrl-C stopped it or came first */
    bl_err err;                  /* out: bl_hypergrad's message where it failed */
    bl_hg_result r;              /* out: grad (d) and adjoint (p), the comparison's;
                                    counts, memory, adjoint residual, time */
    double norm;                 /* ‖g‖ (NaN unless status is BL_OK) */
    double rel_err, cosine;      /* ‖g − g_ref‖/‖g_ref‖ and cos(g, g_ref); NaN
                                    without a reference or an estimate */
} bl_hg_entry;

/* Options of bl_hg_compare. */
enum {
    BL_HG_CMP_CHAIN = 1u << 0,     /* an adjoint an estimator finds becomes adjoint0
                                      of the ones after it (and of the reference):
                                      `hypergrad` keeps the last one in the session */
    BL_HG_CMP_ALWAYS_REF = 1u << 1, /* a reference also when no estimate came out, and
                                      fd when exact is over mem.max (live views);
                                      else none then (fd costs 2d inner solves) */
    BL_HG_CMP_NEED_REF = 1u << 2   /* the caller needs a reference (draws=): auto
                                      computes exact whatever it costs */
};

/* Which reference bl_hg_compare computes (the setting hypergrad.reference). */
enum {
    BL_HG_REF_EXACT = 0,         /* exact where it succeeds, else fd (as listed, or run
                                    unless exact was over mem.max) */
    BL_HG_REF_AUTO,              /* that when exact is cheap next to the estimates
                                    (bl_hg_ref_auto_runs), else none */
    BL_HG_REF_FD,                /* fd: a listed fd estimate, else fd run for it */
    BL_HG_REF_NONE               /* none (unless an estimate is itself the reference) */
};

/* Whether auto computes exact for a problem with dim θ P after estimates
 * that made PRODUCTS H-products, C-products and gradient calls in all:
 * exact costs about P H-products (forming H, then a P³/3 factorisation),
 * so it runs when P ≤ BL_HG_REF_AUTO_P or P ≤ 10 × max(PRODUCTS, 1). */
#define BL_HG_REF_AUTO_P 100
int bl_hg_ref_auto_runs(size_t p, double products);

/* Estimators side by side with the reference.  e[0..n-1] are the
 * caller's specs; e[n] holds the reference when none of them is it. */
typedef struct bl_hg_cmp {
    int ref_mode;                /* in: BL_HG_REF_* (0 after alloc: exact) */
    const bl_hg_entry *ref_given; /* in: a reference computed before at this θ and ω
                                    (a cache; its spec, status, result), or NULL */
    int ref_given_exact_status;  /* in: exact's status when REF_GIVEN was made */
    int ref_ran;                 /* out: the reference was computed here, into e[n] */
    int ref_reused;              /* out: the reference is REF_GIVEN */
    int ref_skipped;             /* out: auto or none left the reference out */
    double products;             /* out: H-, C-products and gradient calls of the estimates */
    double seconds;              /* out: the estimates' time */
    size_t n;
    bl_hg_entry *e;              /* n + 1 */
    int ref;                     /* the reference: an index into e (n: e[n]), or −1 */
    int exact_status;            /* how exact ended when it was run for the reference
                                    (BL_ENOMEM: over mem.max); BL_OK when not run */
    int interrupted;             /* Ctrl-C stopped it: the entries from the first
                                    BL_EINTR on did not run */
    const gsl_vector *adjoint_last; /* BL_HG_CMP_CHAIN: the last adjoint found, or NULL */
} bl_hg_cmp;

/* Room for N specs and the reference, with their vectors (dim ω D, dim θ
 * P); every status BL_OK.  The caller then fills e[i].spec (and may refuse
 * some by setting e[i].status).  BL_ENOMEM, leaving nothing to free. */
int bl_hg_cmp_alloc(bl_hg_cmp *x, size_t n, size_t d, size_t p);
void bl_hg_cmp_free(bl_hg_cmp *x);
/* Runs each spec not refused, in order, in context C, then picks the
 * reference: the first estimate of bl_spec_is_reference, else exact run
 * for it, else (exact failed, not for mem.max unless ALWAYS_REF) the
 * first fd estimate, else fd run for it.  No reference when no estimate
 * came out (unless ALWAYS_REF) or Ctrl-C came.  Then each estimate's
 * norm, rel_err and cosine against it.  FLAGS: BL_HG_CMP_*.  Returns
 * BL_EINTR when Ctrl-C stopped it, else BL_OK (each entry has its own
 * status). */
int bl_hg_compare(bl_hg_cmp *x, const bl_hg_ctx *c, unsigned flags);
/* The reference's estimate, or NULL. */
const gsl_vector *bl_hg_cmp_ref(const bl_hg_cmp *x);

#endif
