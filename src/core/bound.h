/* bound.h: an a posteriori bound on the error ‖g − ∇F(ω)‖ of an implicit
 * hypergradient estimate g = ∇ωL(θ̂) − C(θ̂)â taken at an approximate inner
 * solution θ̂ with an approximate adjoint â, without the exact answer
 * (after Ehrhardt and Roberts, "Analyzing inexact hypergradients for
 * bilevel learning", 2023).  Derivation: doc/bounds.md. */
#ifndef BL_BOUND_H
#define BL_BOUND_H

#include "problem.h"

/* Which constants were estimated (not declared by the problem). */
enum {
    BL_BOUND_EST_MU = 1u << 0,     /* μ from Lanczos at θ̂ */
    BL_BOUND_EST_LGL = 1u << 1,    /* Lipschitz constant of ∇θL */
    BL_BOUND_EST_LH = 1u << 2,     /* of H */
    BL_BOUND_EST_LC = 1u << 3,     /* of C */
    BL_BOUND_EST_LOL = 1u << 4,    /* of ∇ωL */
    BL_BOUND_EST_CNORM = 1u << 5   /* ‖C(θ̂)‖ by power iteration (d > 256) */
};

typedef struct bl_bound {
    double bound;          /* the bound on ‖g − ∇F(ω)‖ (NaN: none, why says) */
    int certified;         /* 1: every constant declared, the bound holds */
    unsigned estimated;    /* BL_BOUND_EST_* */
    bl_bound_consts k;     /* the constants used, declared or estimated */
    double mu;             /* λmin(H) ≥ mu on the ball B(θ̂, eps) */
    double gnorm;          /* ‖∇θG(θ̂)‖ */
    double eps;            /* ≥ ‖θ̂ − θ*‖ */
    double lnorm;          /* ‖∇θL(θ̂)‖ */
    double cnorm;          /* ‖C(θ̂)‖ (operator norm, p → d) */
    double astar;          /* ≥ ‖a*‖ */
    double inner_term;     /* the part of the bound from θ̂ ≠ θ* */
    double adjoint_term;   /* ‖C(θ̂)‖ ‖Hâ − ∇θL‖/μ */
    char why[160];         /* no bound: why; an estimated one: which constants */
} bl_bound;

/* Lanczos with full reorthogonalisation, at most KMAX steps, from a fixed
 * pseudo-random start: the smallest Ritz value RITZ of H(θ, ω) and the norm
 * RESID of its Ritz pair's residual.  RITZ ≥ λmin(H); RITZ − RESID is the
 * safe-side estimate (an eigenvalue lies within RESID of RITZ, not
 * necessarily the smallest).  Products are counted. */
int bl_lanczos_lmin(bl_problem *P, cvec *th, cvec *om, size_t kmax, double *ritz,
                    double *resid);

/* Everything of the bound at (θ̂, ω) that does not depend on the adjoint:
 * μ, ε, ‖C(θ̂)‖, the constants (declared by P's type, the rest estimated)
 * and the inner term.  BL_OK, or BL_EUNSUPPORTED with B->why (non-smooth
 * problem, H not positive definite, inner residual too large).  Products
 * are counted. */
int bl_bound_prepare(bl_problem *P, cvec *th, cvec *om, bl_bound *b);
/* The bound with adjoint residual norm RABS = ‖Hâ − ∇θL‖ (absolute). */
void bl_bound_finish(bl_bound *b, double rabs);

#endif
