/* lasso.c: the lasso type, least squares with λ₁‖θ‖₁ (doc/catalogue.md,
 * "Problems (first catalogue)", `lasso`; doc/problems/lasso.md); the
 * shared machinery is in l1.c. */
#include "config.h"

#include "catalogue.h"
#include "l1.h"

const bl_problem_type bl_problem_lasso = {
    .name = "lasso",
    .summary = "lasso (ℓ1-regularised least squares), one log-strength ω; non-smooth",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + e^ω ‖θ‖₁",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖²",
    .notes =
        "θ ∈ R^p, ω ∈ R (λ₁ = e^ω), f = (1/2n)‖Xθ − y‖², ∇²f = XᵀX/n.\n"
        "On the support: dθ_S/dω = −e^ω (X_SᵀX_S/n)⁻¹ sign(θ_S), dθ_{S^c}/dω = 0, "
        "∇F = ∇_θL(θ)ᵀ dθ/dω.\n" BL_L1_NOTES,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .estimators = "exact fd",   /* F is piecewise smooth: fd checks the support */
    BL_L1_METHODS
};