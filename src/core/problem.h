/* problem.h: the problem interface.  A problem type is a const table of
 * function pointers (as GSL's minimiser types); an instance holds the
 * parameters, the data it reads, its dimensions, workspace and counters.
 * Mathematics of every type: the "Problems" sections of doc/catalogue.md. */
#ifndef BL_PROBLEM_H
#define BL_PROBLEM_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "data.h"

#define BL_MAX_PARAMS 16

/* Flags of a problem type. */
enum {
    BL_PROB_NEEDS_DATA = 1u << 0,   /* reads a data set */
    BL_PROB_CLASSIFICATION = 1u << 1, /* labels in {−1, +1} (or {0, 1}) */
    BL_PROB_USES_DATA = 1u << 2,    /* reads the data when there is some:
                                       re-created when the data changes */
    BL_PROB_DEFINED = 1u << 3,      /* built from a definition (P->def): custom */
    BL_PROB_NONSMOOTH = 1u << 4,    /* G = f + g, g non-smooth (lasso, enet, matcomp):
                                       has `step`; see the hooks at the end */
    BL_PROB_CONVEX = 1u << 5,       /* G is convex in θ with one minimiser for
                                       every ω: θ*(ω) does not depend on where
                                       the inner solver starts */
    BL_PROB_STEPMAP = 1u << 6       /* G is smooth, but the unrolled estimators
                                       (reverse, forward, truncated, onestep)
                                       differentiate through the problem's own
                                       iteration `step` (sor: one SOR sweep,
                                       which ignores η) instead of θ − η∇θG;
                                       the inner solvers and the residual do
                                       not use it */
};

struct bl_expr_def;                 /* expr.h: definitions typed with `define` */

/* Constants of the a posteriori error bound (bound.h, doc/bounds.md), valid
 * for every θ at the given ω; NaN: not declared (then estimated).  mu:
 * λmin(H(θ)) ≥ mu (strong convexity of G in θ); the others Lipschitz
 * constants in θ: ‖∇θL(θ) − ∇θL(θ')‖ ≤ L_gL‖θ − θ'‖, likewise L_H for H,
 * L_C for C (operator norms) and L_oL for ∇ωL. */
typedef struct bl_bound_consts {
    double mu, L_gL, L_H, L_C, L_oL;
} bl_bound_consts;

typedef struct bl_problem bl_problem;
typedef const gsl_vector cvec;      /* shorthand for read-only vectors */

typedef struct bl_problem_type {
    const char *name;
    const char *summary;        /* one line for `problem list` */
    const char *inner_text;     /* G(θ, ω) in plain text */
    const char *outer_text;     /* L(θ, ω) in plain text */
    const char *notes;          /* closed forms, parameters, remarks */
    const bl_param *params;     /* parameters with defaults and ranges */
    size_t nparams;
    unsigned flags;
    /* The quantities e^ω where the entries of ω are logarithms, for a
     * figure's secondary axis: one name for every entry ("λ"), or one per
     * entry separated by '|' ("λ₁|λ₂", the last for the rest); NULL: ω is
     * not a log (or not one throughout). */
    const char *exp_names;
    /* The problem's own vectors for `plot vector NAME` (optional): NAMES
     * lists them ('|'-separated, e.g. "u0"); vector returns the one named,
     * borrowed from the instance, of dimension p (drawn against θ, its
     * reconstruction), or NULL for a name it does not have. */
    const char *vector_names;
    const gsl_vector *(*vector)(const bl_problem *P, const char *name);

    /* Builds the instance from P->par and P->data: sets P->p, P->d and
     * P->state.  Must not keep pointers into anything but P->data. */
    int (*init)(bl_problem *P, bl_err *e);
    void (*free)(bl_problem *P);
    /* Copies the state for a thread of its own (same data). */
    int (*clone)(const bl_problem *src, bl_problem *dst);

    double (*G)(bl_problem *P, cvec *th, cvec *om);
    double (*L)(bl_problem *P, cvec *th, cvec *om);
    void (*G_theta)(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);  /* p */
    void (*G_omega)(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);  /* d */
    void (*L_theta)(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);  /* p */
    void (*L_omega)(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);  /* d */
    /* H v (p → p), C v (p → d), Cᵀ u (d → p). */
    void (*hvp)(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
    void (*cvp)(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
    void (*ctvp)(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out);

    /* Optional (NULL when absent). */
    int (*hessian)(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H);
    int (*theta_star)(bl_problem *P, cvec *om, gsl_vector *th);
    int (*hypergrad)(bl_problem *P, cvec *om, gsl_vector *g); /* closed-form ∇F */
    double (*lipschitz)(bl_problem *P, cvec *th, cvec *om);  /* ≥ λmax(H); non-smooth
                                       problems: ≥ λmax(∇²f), what the prox step needs */
    void (*omega0)(bl_problem *P, gsl_vector *om);           /* default ω */
    /* Optional: what the problem can say about (θ, ω) beyond F and G
     * (cleaning: precision and recall of the flagged samples; doublewell:
     * the branch θ is on).  Writes plain text, lines separated by '\n',
     * into BUF; returns BL_OK when it wrote something. */
    int (*report)(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len);
    /* Optional: the values of ω coordinate COORD (others as in OM) where
     * θ*(ω) jumps between branches (folds: H singular there), at most MAX
     * into W; how many there are.  surface notes a grid that crosses one. */
    size_t (*folds)(bl_problem *P, cvec *om, size_t coord, double *w, size_t max);

    /* Non-smooth problems (BL_PROB_NONSMOOTH): G = f + g, f smooth, g with
     * a cheap proximal operator.  G_theta is then the gradient of G where
     * it is differentiable (∂|t|/∂t taken as sign t, 0 at t = 0), and hvp,
     * cvp, ctvp are the products of the system restricted to the support
     * S = {j : θ_j ≠ 0} (implicit differentiation on the support): their
     * inactive block is decoupled from S and C vanishes on it (matcomp:
     * the manifold of matrices of θ's rank plays the part of S).
     * step: the proximal-gradient (ISTA) step out = prox_{ηg}(θ − η∇f(θ)),
     * the map Φ of the unrolled estimators and of the inner residual
     * ‖θ − Φ(θ)‖/η.  step_vjp: gth = (∂Φ/∂θ)ᵀα (p), gom = (∂Φ/∂ω)ᵀα (d);
     * step_jvp: out = (∂Φ/∂θ) v + (∂Φ/∂ω) u, v may be NULL (zero).
     * cd_sweep (optional): one cyclic pass of exact coordinate minimisation
     * of G over θ_1 … θ_p, in place.
     * cd_jvp (optional, with cd_sweep): the same sweep, the same θ to the
     * last bit, carrying J = dθ/dω (p×d, d = om->size) through every
     * coordinate update (forward mode through coordinate descent).
     * cd_vjp: TH1 the θ one sweep left; α ← (∂θ1/∂θ0)ᵀα in place and
     * gom = (∂θ1/∂ω)ᵀα (d) for the θ0 that sweep started from (reverse
     * mode: the sweep's output alone fixes its derivative). */
    void (*step)(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out);
    void (*step_vjp)(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                     gsl_vector *gth, gsl_vector *gom);
    void (*step_jvp)(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                     gsl_vector *out);
    int (*cd_sweep)(bl_problem *P, gsl_vector *th, cvec *om);
    int (*cd_jvp)(bl_problem *P, gsl_vector *th, cvec *om, gsl_matrix *J);
    void (*cd_vjp)(bl_problem *P, cvec *th1, cvec *om, gsl_vector *alpha, gsl_vector *gom);

    /* How the problem is best set up (all optional; NULL: the general rule).
     * solver: the inner solver `inner.solver auto` picks for this type (a
     * name from the inner table); NULL lets bl_inner_auto decide from the
     * flags, the dense Hessian and p.
     * dataset: the bundled data set (with its load options, e.g.
     * "breast_cancer") that `problem use` loads when the current data does
     * not fit the problem.
     * estimators: the specs `hypergrad` shows when given none (space
     * separated); NULL: the hypergrad.specs setting. */
    const char *solver;
    const char *dataset;
    const char *estimators;
    /* Optional: minibatch oracles over sample indices (stoch.h); NULL:
     * the problem has no samples and refuses the stochastic methods. */
    const struct bl_minibatch *mb;

    /* Optional: the bytes init will hold at its peak (its dense matrices
     * above all) for parameters PAR on DATA (may be NULL), checked against
     * mem.max before init runs.  NULL: 4p² doubles for a type that reads
     * data (XᵀX, its validation twin, a factor and an eigensolver's copy
     * at p = the data's features), 0 for the others. */
    double (*bytes)(const double *par, const bl_dataset *data);
    /* Optional: the bound's constants at OM (fills those it knows, leaves
     * the others NaN); NULL: all estimated. */
    void (*bound_consts)(bl_problem *P, cvec *om, bl_bound_consts *k);
} bl_problem_type;

struct bl_problem {
    const bl_problem_type *type;
    double par[BL_MAX_PARAMS];  /* values of type->params, in order */
    const bl_dataset *data;     /* borrowed; NULL for problems without data */
    size_t p, d;                /* dim θ, dim ω */
    void *state;                /* the type's own */
    /* BL_PROB_DEFINED types: the definition the instance is built from
     * (borrowed while init runs; init may point it at a copy of its own);
     * NULL for every other type. */
    const struct bl_expr_def *def;
    /* 1 + the index of the entry of ω that is log η, the step of the
     * unrolled estimators (learn_eta=1, problems/wrap.h); 0: none.  G and L
     * do not depend on that entry. */
    size_t eta_slot;
    /* Work counters, per instance so that threads never share them. */
    unsigned long n_hvp, n_cvp, n_grad, n_eval;
    /* Long work on the instance (its init, a dense H from products, the
     * factorisations and the spectrum that use it) polls CANCEL (NULL:
     * never cancelled) and tells BUSY (NULL: nobody) how far it is, through
     * bl_problem_poll.  Set by bl_problem_alloc_ctl; a clone shares CANCEL
     * and has no BUSY (threads do not print). */
    bl_cancel_t *cancel;
    bl_busy_fn busy;
    void *busy_arg;
    double mem_max;             /* bytes its dense work may take (mem.max); ≤ 0: no limit */
};

/* Cancellation, progress and the memory limit for bl_problem_alloc_ctl. */
typedef struct bl_problem_ctl {
    bl_cancel_t *cancel;
    bl_busy_fn busy;
    void *busy_arg;
    double mem_max;             /* bytes init may take (type->bytes); ≤ 0: no limit */
} bl_problem_ctl;

/* The catalogue (problems/catalogue.c), NULL-terminated. */
extern const bl_problem_type *const bl_catalogue[];
/* By name or unique prefix (bl_lookup); NULL when none or ambiguous. */
const bl_problem_type *bl_problem_lookup(const char *name);

/* Allocates an instance of T with parameters PAR (NULL: the defaults) on
 * DATA (may be NULL when T needs none). */
bl_problem *bl_problem_alloc(const bl_problem_type *T, const double *par,
                             const bl_dataset *data, bl_err *e);
/* The same for a BL_PROB_DEFINED type, built from DEF (borrowed: it must
 * outlive the instance and its clones). */
bl_problem *bl_problem_alloc_def(const bl_problem_type *T, const double *par,
                                 const bl_dataset *data,
                                 const struct bl_expr_def *def, bl_err *e);
/* The same with cancellation and progress (CTL may be NULL): init, the
 * instance's later long work too, stops with BL_EINTR once *CTL->cancel
 * is set; E then says "interrupted". */
bl_problem *bl_problem_alloc_ctl(const bl_problem_type *T, const double *par,
                                 const bl_dataset *data,
                                 const struct bl_expr_def *def,
                                 const bl_problem_ctl *ctl, bl_err *e);
/* For long loops in problems and the engine: BL_EINTR when the instance
 * is cancelled, else tells its BUSY "WHAT: DONE of TOTAL" and BL_OK.
 * DONE = TOTAL says the work is over (the engine says so after init, a
 * dense H and the spectrum, so that no progress line outlives them). */
int bl_problem_poll(bl_problem *P, const char *what, double done, double total);
bl_problem *bl_problem_clone(const bl_problem *P);
/* The bytes T's init would take for PAR on DATA (type->bytes, or the
 * default for types that read data). */
double bl_problem_bytes(const bl_problem_type *T, const double *par, const bl_dataset *data);
/* "quadratic p=200000": T's name and the parameters that differ from
 * their defaults, into BUF. */
char *bl_problem_label(const bl_problem_type *T, const double *par, char *buf, size_t len);
/* The memory check of dense work on P (a dense H, a factorisation, an
 * iterator's matrices): BL_ENOMEM with E ("quadratic p=3000 needs 144 MB
 * for WHY, above mem.max ...") when BYTES pass P->mem_max. */
int bl_problem_mem(const bl_problem *P, double bytes, const char *why, bl_err *e);
void bl_problem_free(bl_problem *P);
void bl_problem_reset_counts(bl_problem *P);

/* Counted entry points: the engine calls these, never the type directly. */
double bl_problem_G(bl_problem *P, cvec *th, cvec *om);
double bl_problem_L(bl_problem *P, cvec *th, cvec *om);
void bl_problem_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_problem_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_problem_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_problem_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_problem_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_problem_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_problem_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out);
/* Dense H: the type's own when it has one, else p products H e_j
 * (counted as H-products). */
int bl_problem_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H);
/* Upper estimate of λmax(H): the type's bound when it has one, else a
 * power iteration (its products are counted). */
double bl_problem_lipschitz(bl_problem *P, cvec *th, cvec *om);
void bl_problem_omega0(bl_problem *P, gsl_vector *om);
/* Non-smooth problems: the counted step hooks (a step is a gradient call,
 * a vjp or jvp one H-product and one C-product). */
void bl_problem_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out);
void bl_problem_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha,
                         gsl_vector *gth, gsl_vector *gom);
void bl_problem_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u,
                         gsl_vector *out);

#endif
