/* adjoint.h: adjoint solvers for H a = ∇θL as steppable iterators
 * (alloc → set → iterate → test → free): cg, neumann, fp.
 * Definitions: doc/catalogue.md, "Hypergradient estimators". */
#ifndef BL_ADJOINT_H
#define BL_ADJOINT_H

#include <gsl/gsl_vector.h>
#include "bl.h"
#include "inner.h"
#include "problem.h"

typedef struct bl_adjoint bl_adjoint;

/* What an adjoint iterator needs (the type's flags). */
enum {
    BL_ADJ_NEEDS_ETA = 1u << 0    /* a step η > 0 (neumann, fp; cg takes none) */
};

/* An adjoint iterator: a const type object in designated initializers. */
typedef struct bl_adjoint_type {
    const char *name;
    const char *help;
    size_t size;
    unsigned flags;               /* BL_ADJ_* */
    int (*alloc)(void *state, size_t p);
    /* it->a holds the start (it->warm says whether it is non-zero) */
    int (*set)(void *state, bl_adjoint *it);
    int (*iterate)(void *state, bl_adjoint *it);
    void (*free)(void *state);
    /* The state as numbers, as bl_inner_type.save and load (all three
     * types have them). */
    size_t (*save)(const void *state, const bl_adjoint *it, double *w);
    int (*load)(void *state, bl_adjoint *it, const double *w, size_t n);
} bl_adjoint_type;

struct bl_adjoint {
    const bl_adjoint_type *type;
    bl_problem *P;              /* borrowed */
    gsl_vector *theta, *omega;  /* copies of the point */
    gsl_vector *b;              /* ∇θL(θ, ω) */
    gsl_vector *a;              /* the current adjoint */
    double bnorm;               /* ‖∇θL‖ */
    double eta;                 /* step of neumann and fp */
    int warm;                   /* 1: started from a given a₀ */
    int track;                  /* 1: true residual after every iteration */
    double resid;               /* ‖Ha − ∇θL‖/‖∇θL‖ (NaN when not known) */
    size_t iter;
    bl_history hist;            /* value: ‖a‖, resid: relative residual */
    void *state;
};

extern const bl_adjoint_type *const bl_adjoint_types[];  /* NULL-terminated */
extern const bl_adjoint_type *const bl_adjoint_cg, *const bl_adjoint_neumann,
    *const bl_adjoint_fp;
/* By name or unique prefix (bl_lookup); NULL when none or ambiguous. */
const bl_adjoint_type *bl_adjoint_lookup(const char *name);

bl_adjoint *bl_adjoint_alloc(const bl_adjoint_type *T, size_t p);
/* Starts at (θ, ω) from A0 (NULL: a₀ = 0).  With TRACK the true relative
 * residual is computed after each iteration by one H-product that is not
 * counted as the method's (it is the inspector's). */
int bl_adjoint_set(bl_adjoint *it, bl_problem *P, const gsl_vector *theta,
                   const gsl_vector *omega, const gsl_vector *a0, double eta,
                   int track, bl_err *e);
int bl_adjoint_iterate(bl_adjoint *it, bl_err *e);
/* The iterator's state as numbers (its iterations, warm flag, a, then
 * the type's own): get writes them into W (NULL: only counts) and returns
 * how many; put restores them into IT, just set at the same point, so
 * that its next steps are bit for bit those of the one they came from. */
size_t bl_adjoint_state_get(const bl_adjoint *it, double *w);
int bl_adjoint_state_put(bl_adjoint *it, const double *w, size_t n, bl_err *e);
/* BL_OK when the residual is ≤ tol, BL_CONTINUE otherwise. */
int bl_adjoint_test(const bl_adjoint *it, double tol);
int bl_adjoint_run(bl_adjoint *it, double tol, size_t maxit, bl_cancel_t *cancel,
                   bl_err *e);
/* ‖H a − ∇θL‖/‖∇θL‖ now, with an uncounted product. */
double bl_adjoint_true_residual(bl_adjoint *it);
void bl_adjoint_free(bl_adjoint *it);

/* The spectrum of H at (θ, ω): extreme eigenvalues from a dense
 * eigendecomposition (p ≤ DENSE_MAX) or Lanczos with full
 * reorthogonalisation.  Products are counted. */
typedef struct bl_spectrum {
    double lmin, lmax;
    int dense;                  /* 1: from a dense eigendecomposition */
    size_t lanczos_steps;
} bl_spectrum;

int bl_spectrum_compute(bl_problem *P, const gsl_vector *theta,
                        const gsl_vector *omega, bl_spectrum *s, bl_err *e);
/* max |1 − ηλ| over [lmin, lmax]: neumann and fp converge when < 1. */
double bl_contraction(const bl_spectrum *s, double eta);
/* Iterations predicted to reduce the residual by TOL: fixed point
 * log(tol)/log(q), CG ½√κ log(2/tol); 0 when they do not converge. */
double bl_predict_fp(const bl_spectrum *s, double eta, double tol);
double bl_predict_cg(const bl_spectrum *s, double tol);

#endif
