/* stoch_est.h: minibatch (stochastic) versions of the hypergradient
 * estimators cg, neumann, fp and reverse (the spec parameter batch=B), and
 * R independent draws of an estimator against the reference (hypergrad
 * draws=R).  Mathematics: doc/catalogue.md "Stochastic hypergradient
 * estimators"; user documentation: doc/stochastic.md. */
#ifndef BL_STOCH_EST_H
#define BL_STOCH_EST_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "hypergrad.h"
#include "stoch.h"

/* Whether an estimator with spec parameter BATCH runs stochastically in
 * C: *STOCH = 0 when BATCH is 0, or when the inner batch (BATCH) and the
 * outer one (c->batch_outer) both cover their samples (then the full-batch
 * estimator runs, bit for bit); 1 otherwise.  BL_EUNSUPPORTED, with one
 * line in E naming NAME, where BATCH > 0 and the problem has no minibatch
 * oracles. */
int bl_stoch_est_mode(const bl_hg_ctx *c, const char *name, double batch, int *stoch,
                      bl_err *e);

/* The stochastic adjoint estimators (METHOD: "cg", "neumann" or "fp"):
 * K iterations (cg: stop at ‖r‖ ≤ tol‖b‖), step ETA (neumann, fp), from
 * c->adjoint0 when WARM, inner batches of BATCH drawn with the sampler
 * c->sampler seeded with SEED (SEED < 0: c->seed), the outer batch of
 * c->batch_outer with SEED + 1. */
int bl_stoch_adjoint(const char *method, size_t k, double tol, double eta, int warm,
                     size_t batch, double seed, const bl_hg_ctx *c, bl_hg_result *r,
                     bl_err *e);
/* Stochastic unrolling: T steps θ_{s+1} = θ_s − η∇θG_{B_s}(θ_s) on fresh
 * inner batches, differentiated in reverse mode with the same batches. */
int bl_stoch_reverse(size_t T, double eta, double from, size_t batch, double seed,
                     const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);

/* The seed spec S draws with: its parameter seed when ≥ 0, else c->seed. */
unsigned long bl_spec_seed(const bl_spec *s, const bl_hg_ctx *c);

/* R draws of an estimator against a reference. */
typedef struct bl_hg_draws {
    size_t R;
    unsigned long seed0;        /* draw r used seed0 + r */
    int stochastic;             /* 0: deterministic, run once (variance 0) */
    gsl_vector *mean;           /* the caller's (size d): mean g over the draws */
    double bias;                /* ‖mean g − ∇F‖ */
    double variance;            /* (1/R) Σ_r ‖g_r − mean g‖² (total, the 1/R form) */
    double mean_error;          /* (1/R) Σ_r ‖g_r − ∇F‖ */
    double mse;                 /* (1/R) Σ_r ‖g_r − ∇F‖² = bias² + variance */
    double ref_norm;            /* ‖∇F‖ */
    double hvp, cvp, grad_calls;   /* per draw, the mean */
    double seconds;             /* wall time of all the draws */
    int threads;                /* threads used */
} bl_hg_draws;

/* Runs S R times in C, draw r with seed bl_spec_seed(S, C) + r, on THREADS
 * OpenMP threads (≤ 0: all), each on its own clone of the problem; the
 * result does not depend on the thread count.  REF is the exact
 * hypergradient (∇F).  A spec that is not stochastic (bl_spec_batch 0)
 * runs once.  G, when not NULL, receives draw r's estimate in row r (R × d,
 * row-major).  The error of the first draw that failed. */
int bl_hg_draws_run(const bl_spec *s, const bl_hg_ctx *c, size_t R, const gsl_vector *ref,
                    int threads, bl_hg_draws *out, double *G, bl_err *e);

#endif
