/* stoch.h: minibatch oracles, the sampler, and the stochastic and
 * single-loop outer algorithms (SOBA, SABA, SRBA, AmIGO, StocBiO, F2SA,
 * BOME) as steppable types.  Mathematics: doc/catalogue.md "Stochastic and
 * single-loop methods"; user documentation: doc/stochastic.md. */
#ifndef BL_STOCH_H
#define BL_STOCH_H

#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "problem.h"

/* ---- minibatch oracles (a problem type's optional `mb` hook) ----
 * Every function is the mean over the index set IDX (M ≥ 1 entries, with
 * repeats allowed) of the per-sample terms: inner (training) indices for
 * G, H and C, outer (validation) indices for L.  Regularisers that are not
 * sums over samples are added whole to every minibatch (benchmark_bilevel's
 * convention), so that the mean over a partition weighted by batch sizes
 * is the full-batch oracle. */
typedef struct bl_minibatch {
    size_t (*n_inner)(const bl_problem *P);
    size_t (*n_outer)(const bl_problem *P);
    void (*G_theta)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g);
    void (*G_omega)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g);
    void (*L_theta)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g);
    void (*L_omega)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m,
                    gsl_vector *g);
    void (*hvp)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                gsl_vector *out);
    void (*cvp)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *v,
                gsl_vector *out);
    void (*ctvp)(bl_problem *P, cvec *th, cvec *om, const size_t *idx, size_t m, cvec *u,
                 gsl_vector *out);
    /* Optional: BL_OK when this instance's settings have minibatch oracles
     * (logreg: outer=logistic only), else E says why. */
    int (*check)(const bl_problem *P, bl_err *e);
    /* Optional: the outer optimum ω* and F(ω*) (quadsum). */
    int (*optimum)(bl_problem *P, gsl_vector *omega_star, double *F_star);
} bl_minibatch;

/* ---- the sampler ---- */
typedef enum {
    BL_SAMPLER_BATCHES = 0, /* ⌈n/b⌉ fixed contiguous batches, visited in a
                               random order reshuffled every epoch */
    BL_SAMPLER_SHUFFLE,     /* the samples reshuffled every epoch, cut in b */
    BL_SAMPLER_UNIFORM      /* b indices uniform with replacement */
} bl_sampler_kind;

extern const char *const bl_sampler_names[];   /* "batches", "shuffle", "uniform", NULL */

/* One draw: M indices (borrowed until the next draw), the batch's number
 * (batches: its place among the fixed batches; else 0), its weight M/n
 * and whether it is the whole data set in some order (then the full-batch
 * oracles are used, bit for bit). */
typedef struct bl_batch {
    const size_t *idx;
    size_t m, id;
    double w;
    int full;
} bl_batch;

typedef struct bl_sampler {
    bl_sampler_kind kind;
    size_t n, b, nb;        /* samples, batch size (≤ n), number of batches */
    size_t *order;          /* batches: nb batch numbers; shuffle: n samples */
    size_t *buf;            /* b indices */
    size_t pos;             /* place in the epoch (batches or samples) */
    unsigned long drawn;    /* samples drawn so far */
    size_t epochs;          /* epochs started */
    gsl_rng *r;
} bl_sampler;

/* N samples, batch size B (0 or ≥ N: N), seeded with SEED (mt19937). */
bl_sampler *bl_sampler_alloc(bl_sampler_kind kind, size_t n, size_t b, unsigned long seed);
/* The outer sampler's seed of a run whose inner sampler is seeded SEED:
 * SEED + 0x9E3779B9 modulo 2³² (mt19937 keeps 32 bits), a stream far from
 * SEED, SEED + 1, …, so that runs and draws seeded SEED + k (compare
 * seeds=N, hypergrad draws=R) never share a generator, inner or outer. */
unsigned long bl_seed_outer(unsigned long seed);
void bl_sampler_free(bl_sampler *s);
void bl_sampler_next(bl_sampler *s, bl_batch *out);
/* The whole data set in order (0 … n−1), one batch of weight 1. */
void bl_sampler_all(bl_sampler *s, bl_batch *out);
/* The fixed batch number K (batches sampler): for full memory refreshes. */
void bl_sampler_batch(bl_sampler *s, size_t k, bl_batch *out);

/* ---- counted minibatch oracles: a full batch calls the problem's own
 * full-batch function (bl_problem_*), anything else its `mb` hook ---- */
void bl_mb_G_theta(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g);
void bl_mb_G_omega(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g);
void bl_mb_L_theta(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g);
void bl_mb_L_omega(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, gsl_vector *g);
void bl_mb_hvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *v,
               gsl_vector *out);
void bl_mb_cvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *v,
               gsl_vector *out);
void bl_mb_ctvp(bl_problem *P, cvec *th, cvec *om, const bl_batch *B, cvec *u,
                gsl_vector *out);

/* ---- stochastic outer algorithms ---- */
#define BL_SOPT_MAXPAR 8

typedef struct bl_sopt_param {
    const char *name;
    double def, lo, hi;
    int is_int;
    const char *help;
} bl_sopt_param;

enum {
    BL_SOPT_BATCHES = 1u << 0,   /* SAGA memories per batch: needs sampler batches */
    BL_SOPT_FULLBATCH = 1u << 1  /* full-batch method (BOME): ignores the batch sizes */
};

struct bl_sopt;
typedef struct bl_sopt_type {
    const char *name;
    const char *help;           /* one line */
    const bl_sopt_param *params;
    size_t nparams;
    unsigned flags;
    int (*step)(struct bl_sopt *o, bl_err *e);
} bl_sopt_type;

extern const bl_sopt_type *const bl_sopt_types[];   /* NULL-terminated */
/* By exact name or unique prefix; NULL when none (no message). */
const bl_sopt_type *bl_sopt_lookup(const char *name);

/* A parsed spec "name:key=value,...": the type and every parameter's value
 * (defaults where not given); batch_size=full is 0 (all the samples). */
typedef struct bl_sopt_spec {
    const bl_sopt_type *type;
    double par[BL_SOPT_MAXPAR];
    int given[BL_SOPT_MAXPAR];
    char text[256];             /* normalised: name[:k=v,...] as given */
} bl_sopt_spec;

int bl_sopt_parse(const char *text, bl_sopt_spec *out, bl_err *e);
/* The value of parameter NAME of SPEC (NAN when the type has none). */
double bl_sopt_par(const bl_sopt_spec *s, const char *name);

/* What an algorithm was started with besides its spec. */
typedef struct bl_sopt_conf {
    bl_sampler_kind sampler;
    size_t batch_inner, batch_outer;   /* > 0: overrides the spec's batch_size */
    unsigned long seed;
} bl_sopt_conf;

/* One row of the history, after each step. */
typedef struct bl_sopt_row {
    double F, gnorm, gap;       /* F(ω) = L(θ*(ω), ω), ‖∇F(ω)‖ exact where the problem
                                   has closed forms (else NAN), F − F* (NAN: unknown) */
    double L;                   /* L(θ, ω) at the iterate */
    double vres;                /* ‖H v + ∇θL‖/‖∇θL‖ at the iterate (full batch) */
    unsigned long oracles;      /* minibatch oracle calls so far */
    double epochs;              /* inner samples drawn / n_inner */
} bl_sopt_row;

typedef struct bl_sopt {
    bl_sopt_spec spec;
    bl_sopt_conf conf;
    bl_problem *P;              /* borrowed */
    size_t p, d, t;             /* t: steps taken */
    gsl_vector *y, *x, *v, *z;  /* θ, ω, the adjoint (−H⁻¹∇θL), F2SA's / BOME's z */
    double lmbda;               /* F2SA's λ */
    bl_sampler *sin, *sout;
    size_t n_in, n_out;
    unsigned long oracles;
    /* SABA/SRBA memories: per inner batch (gy, hv, cv), per outer batch
     * (ly, lx), each with its running mean in the last slot */
    double *m_gy, *m_hv, *m_cv, *m_ly, *m_lx;
    /* SRBA: previous iterates and the recursive directions */
    gsl_vector *y_old, *x_old, *v_old, *d_y, *d_v, *d_x;
    size_t period;
    gsl_vector *wp[6], *wd[4];  /* workspace, p and d */
    double Fstar;               /* NAN when unknown */
    size_t nrow, caprow;
    bl_sopt_row *rows;
    int measure;                /* 1 (default): each row measures F, ‖∇F‖, L and the
                                   adjoint residual; 0: counts only (benchmarks) */
} bl_sopt;

/* Starts SPEC on P from θ0, ω0 (v = 0).  Refuses problems without
 * minibatch oracles, and SABA/SRBA with a sampler other than batches. */
bl_sopt *bl_sopt_alloc(const bl_sopt_spec *spec, const bl_sopt_conf *conf, bl_problem *P,
                       cvec *theta0, cvec *omega0, bl_err *e);
void bl_sopt_free(bl_sopt *o);
/* One step of the algorithm, then a history row. */
int bl_sopt_step(bl_sopt *o, bl_err *e);
/* Measures a row at the current iterate (counts nothing). */
void bl_sopt_measure(bl_sopt *o, bl_sopt_row *r);

/* ---- runs over a budget, for compare (several algorithms × seeds) ---- */
typedef enum {
    BL_SBUDGET_CALLS = 0,       /* oracle calls (bl_sopt.oracles) */
    BL_SBUDGET_EPOCHS,          /* inner samples drawn / n_inner */
    BL_SBUDGET_STEPS            /* steps of the algorithm */
} bl_sbudget;

extern const char *const bl_sbudget_names[];    /* "calls", "epochs", "steps", NULL */

/* One run of SPEC with CONF from θ0, ω0 (v = 0) on P, which it steps (a
 * clone per thread), until its budget of kind KIND passes the last of the
 * NCP increasing checkpoints CP.  At each checkpoint c, the measures at the
 * last iterate whose budget is ≤ c (the start, budget 0, before the first
 * step) go into GNORM[j] (‖∇F(ω)‖), F[j] (F(ω) = L(θ*(ω), ω)) and GAP[j]
 * (F − F*, NAN when F* is unknown); STEPS (may be NULL) gets the steps
 * taken.  Needs the problem's closed forms θ*(ω) and ∇F (BL_EUNSUPPORTED
 * otherwise).  A run that diverges stops: its later checkpoints get
 * INFINITY, and it returns BL_EDIVERGE with E.  BL_EINTR once *CANCEL is
 * set (polled every step).  FRAC (may be NULL) gets the share of the
 * budget spent after every step, and TICK (may be NULL) is called then
 * with TARG. */
int bl_sopt_budget_run(const bl_sopt_spec *spec, const bl_sopt_conf *conf, bl_problem *P,
                       cvec *theta0, cvec *omega0, bl_sbudget kind, const double *cp,
                       size_t ncp, double *gnorm, double *F, double *gap, size_t *steps,
                       bl_cancel_t *cancel, double *frac, void (*tick)(void *), void *targ,
                       bl_err *e);

/* NSPECS algorithms × NSEEDS seeds (CONF->seed + s for seed s), each run by
 * bl_sopt_budget_run on the threads ('threads'; 0: all), on clones of P.
 * Run r = q·NSEEDS + s writes GNORM, F and GAP [r·NCP, (r+1)·NCP) and
 * STATUS[r] (BL_OK, BL_EDIVERGE, or BL_EINTR for a run not done) and
 * STEPS[r].  The numbers do not depend on the thread count.  PROGRESS
 * (may be NULL) is called from the master thread, at most 5 times a
 * second, with the work done and in all in thousandths of a run (the
 * share of each run's budget spent).
 * Returns BL_OK (divergences included: see STATUS), BL_EINTR, or the
 * first error that stops every run (E; no minibatch oracles, no closed
 * forms, out of memory). */
int bl_sopt_compare_runs(const bl_sopt_spec *specs, size_t nspecs, const bl_sopt_conf *conf,
                         size_t nseeds, bl_problem *P, cvec *theta0, cvec *omega0,
                         bl_sbudget kind, const double *cp, size_t ncp, int threads,
                         double *gnorm, double *F, double *gap, int *status, size_t *steps,
                         bl_cancel_t *cancel, void (*progress)(void *, size_t, size_t),
                         void *parg, bl_err *e);

/* The Q-quantile (0 ≤ Q ≤ 1) of the N values X by linear interpolation
 * between order statistics (h = (N − 1)Q; NumPy's default), NaNs left
 * out (NAN when none is left); +INFINITY counts as the largest value.
 * WORK holds N doubles. */
double bl_quantile(const double *x, size_t n, double q, double *work);

#endif

/* ---- the running state, for save and replay ----
 * Everything the next steps depend on as numbers (doubles, each exact):
 * a header (the layout's version, the algorithm, p, d, the sample counts,
 * batch sizes, sampler and seed it belongs to), the step count t, the
 * oracle count, λ, then θ, ω, v, z, SRBA's previous iterates and
 * directions, SABA's memories with their means, and per sampler its
 * place in the epoch, the samples drawn, the epochs, its order and its
 * mt19937 generator (the 624 words and the index of GSL's state, not its
 * bytes).  The history rows are not part of it.
 * bl_sopt_state_get: the number of words; with W, writes them (0 when
 * this GSL's generator state has another layout).
 * bl_sopt_state_put: into O, freshly started with the same spec, conf and
 * problem: steps after it are those after the save bit for bit.  Checks
 * the header and every number before changing anything; E says why not. */
size_t bl_sopt_state_get(bl_sopt *o, double *w);
int bl_sopt_state_put(bl_sopt *o, const double *w, size_t n, bl_err *e);
