/* lasso.c: the lasso type, least squares with λ₁‖θ‖₁ (doc/catalogue.md,
 * "Problems (first catalogue)", `lasso`; doc/problems/lasso.md); the
 * shared machinery is in l1.c, the options outer=cv and learn_eta in
 * wrap.c (the registered type wraps the base one). */
#include "config.h"

#include "catalogue.h"
#include "l1.h"
#include "wrap.h"

static const bl_problem_type lasso_base = {
    .name = "lasso",
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    BL_L1_METHODS
};

static const bl_param lasso_params[] = {BL_WRAP_PARAMS};

static int lasso_init(bl_problem *P, bl_err *e)
{
    return bl_wrap_init(P, &lasso_base, e);
}

const bl_problem_type bl_problem_lasso = {
    .name = "lasso",
    .exp_names = "λ",
    .summary = "lasso (ℓ1-regularised least squares), one log-strength ω; non-smooth",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + e^ω ‖θ‖₁",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖²",
    .notes =
        "θ ∈ R^p, ω ∈ R (λ₁ = e^ω), f = (1/2n)‖Xθ − y‖², ∇²f = XᵀX/n.\n"
        "On the support: dθ_S/dω = −e^ω (X_SᵀX_S/n)⁻¹ sign(θ_S), dθ_{S^c}/dω = 0, "
        "∇F = ∇_θL(θ)ᵀ dθ/dω.\n" BL_L1_NOTES "\n" BL_WRAP_NOTES,
    .params = lasso_params,
    .nparams = sizeof lasso_params / sizeof lasso_params[0],
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .estimators = "exact fd",   /* F is piecewise smooth: fd checks the support */
    .init = lasso_init,
    BL_WRAP_METHODS
    .cd_sweep = bl_wrap_cd_sweep,
    .cd_jvp = bl_wrap_cd_jvp,
    .cd_vjp = bl_wrap_cd_vjp,
};
