/* enet.c: the elastic net type, least squares with λ₁‖θ‖₁ + (λ₂/2)‖θ‖²
 * (doc/catalogue.md, "Problems (first catalogue)", `enet`;
 * doc/problems/enet.md); the shared machinery is in l1.c. */
#include "config.h"

#include "catalogue.h"
#include "l1.h"

const bl_problem_type bl_problem_enet = {
    .name = "enet",
    .exp_names = "λ₁|λ₂",
    .summary = "elastic net, ω = (log ℓ1 strength, log ℓ2 strength); non-smooth",
    .inner_text = "G(θ, ω) = (1/2n)‖Xθ − y‖² + e^{ω₁}‖θ‖₁ + (e^{ω₂}/2)‖θ‖²",
    .outer_text = "L(θ, ω) = (1/2m)‖X_vθ − y_v‖²",
    .notes =
        "θ ∈ R^p, ω ∈ R² (λ₁ = e^{ω₁}, λ₂ = e^{ω₂}), f = (1/2n)‖Xθ − y‖² + "
        "(λ₂/2)‖θ‖², ∇²f = XᵀX/n + λ₂I.\n"
        "On the support: (X_SᵀX_S/n + λ₂I) dθ_S = −λ₁ sign(θ_S) dω₁ − λ₂ θ_S dω₂, "
        "dθ_{S^c} = 0; default ω₂ = −2.\n" BL_L1_NOTES,
    .flags = BL_PROB_NEEDS_DATA | BL_PROB_NONSMOOTH | BL_PROB_CONVEX,
    .dataset = "diabetes",
    .estimators = "exact fd",   /* F is piecewise smooth: fd checks the support */
    BL_L1_METHODS
};