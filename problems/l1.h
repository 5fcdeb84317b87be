/* l1.h: the machinery shared by lasso and enet (problems/l1.c): least
 * squares plus λ₁‖θ‖₁ (+ λ₂/2‖θ‖² for enet), with products restricted to
 * the support and ISTA steps for the unrolled estimators.  Each problem's
 * file holds only its type object, built from BL_L1_METHODS. */
#ifndef BL_L1_H
#define BL_L1_H

#include "problem.h"

int bl_l1_init(bl_problem *P, bl_err *e);
void bl_l1_release(bl_problem *P);
int bl_l1_clone(const bl_problem *src, bl_problem *dst);
double bl_l1_G(bl_problem *P, cvec *th, cvec *om);
double bl_l1_L(bl_problem *P, cvec *th, cvec *om);
void bl_l1_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_l1_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_l1_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_l1_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g);
void bl_l1_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_l1_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out);
void bl_l1_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out);
int bl_l1_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H);
double bl_l1_lipschitz(bl_problem *P, cvec *th, cvec *om);
void bl_l1_omega0(bl_problem *P, gsl_vector *om);
int bl_l1_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len);
void bl_l1_step(bl_problem *P, cvec *th, cvec *om, double eta, gsl_vector *out);
void bl_l1_step_vjp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *alpha, gsl_vector *gth, gsl_vector *gom);
void bl_l1_step_jvp(bl_problem *P, cvec *th, cvec *om, double eta, cvec *v, cvec *u, gsl_vector *out);
int bl_l1_cd_sweep(bl_problem *P, gsl_vector *th, cvec *om);
int bl_l1_cd_jvp(bl_problem *P, gsl_vector *th, cvec *om, gsl_matrix *J);
void bl_l1_cd_vjp(bl_problem *P, cvec *th1, cvec *om, gsl_vector *alpha, gsl_vector *gom);

/* Notes both problems share. */
#define BL_L1_NOTES \
    "Non-smooth: G = f + λ₁‖θ‖₁ with f smooth.  Inner solvers ista, fista and " \
    "cd (cyclic coordinate descent); their residual is the prox-gradient " \
    "mapping ‖θ − ST(θ − η∇f(θ), ηλ₁)‖/η (0 exactly at θ*).\n" \
    "Hypergradients by implicit differentiation on the support S = {j : θ_j ≠ 0} " \
    "(Bertrand et al. 2020): H and C are restricted to S (H v = D(∇²f)D v + " \
    "L_f(I − D)v, D = diag(θ_j ≠ 0), C zero off S), so exact, cg, neumann and fp " \
    "all solve the restricted system; reverse, forward and truncated differentiate " \
    "through ISTA steps θ⁺ = ST(θ − η∇f(θ), ηλ₁), Jacobian D⁺(I − η∇²f); with " \
    "solver=cd reverse and forward differentiate sweeps of coordinate descent.\n" \
    "F(ω) is smooth while the support stays the same and KINKED where it changes: " \
    "there ∇F jumps, and fd across a kink is neither one-sided derivative.\n" \
    "Values come from XᵀX/n, Xᵀy/n and the validation moments, O(p²) a call; " \
    "default ω₁ = log(λ_max/10), λ_max = ‖Xᵀy/n‖∞ (θ* = 0 beyond it)."

/* The designated initialisers both type objects share. */
#define BL_L1_METHODS \
    .init = bl_l1_init, \
    .free = bl_l1_release, \
    .clone = bl_l1_clone, \
    .G = bl_l1_G, \
    .L = bl_l1_L, \
    .G_theta = bl_l1_G_theta, \
    .G_omega = bl_l1_G_omega, \
    .L_theta = bl_l1_L_theta, \
    .L_omega = bl_l1_L_omega, \
    .hvp = bl_l1_hvp, \
    .cvp = bl_l1_cvp, \
    .ctvp = bl_l1_ctvp, \
    .hessian = bl_l1_hessian, \
    .lipschitz = bl_l1_lipschitz, \
    .omega0 = bl_l1_omega0, \
    .report = bl_l1_report, \
    .step = bl_l1_step, \
    .step_vjp = bl_l1_step_vjp, \
    .step_jvp = bl_l1_step_jvp, \
    .cd_sweep = bl_l1_cd_sweep, \
    .cd_jvp = bl_l1_cd_jvp, \
    .cd_vjp = bl_l1_cd_vjp,

#endif
