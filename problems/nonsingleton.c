/* nonsingleton.c: the lower level with a line of minimisers (Liu et al.,
 * 2020; doc/catalogue.md, "Problems (first catalogue)", `nonsingleton`;
 * doc/problems/nonsingleton.md).
 *
 *   G(θ, ω) = ½θ₁² − ωθ₁,   L(θ, ω) = ½(ω − θ₂)² + ½(θ₁ − 1)²
 *
 * argmin_θ G = {θ₁ = ω, θ₂ anything}: H = diag(1, 0) is singular and
 * implicit differentiation is undefined.  The optimistic bilevel problem
 * picks θ₂ = ω, so F(ω) = ½(ω − 1)² and the optimum is ω = 1, θ = (1, 1).
 * A plain inner solver leaves θ₂ where it started (∇θ₂G = 0); the bda
 * inner solver, which also descends L, selects θ₂ = ω. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "catalogue.h"

static int ns_init(bl_problem *P, bl_err *e)
{
    (void)e;
    P->p = 2;
    P->d = 1;
    P->state = NULL;
    return BL_OK;
}

static void ns_free(bl_problem *P) { (void)P; }

static int ns_clone(const bl_problem *src, bl_problem *dst)
{
    (void)src, (void)dst;
    return BL_OK;
}

static double w0(cvec *om) { return gsl_vector_get(om, 0); }
static double t1(cvec *th) { return gsl_vector_get(th, 0); }
static double t2(cvec *th) { return gsl_vector_get(th, 1); }

static double ns_G(bl_problem *P, cvec *th, cvec *om)
{
    (void)P;
    return 0.5 * t1(th) * t1(th) - w0(om) * t1(th);
}

static double ns_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)P;
    double a = w0(om) - t2(th), b = t1(th) - 1;
    return 0.5 * a * a + 0.5 * b * b;
}

static void ns_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, t1(th) - w0(om));
    gsl_vector_set(g, 1, 0.0);
}

static void ns_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_set(g, 0, -t1(th));
}

static void ns_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, t1(th) - 1);
    gsl_vector_set(g, 1, t2(th) - w0(om));
}

static void ns_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    gsl_vector_set(g, 0, w0(om) - t2(th));
}

/* H = diag(1, 0) */
static void ns_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, gsl_vector_get(v, 0));
    gsl_vector_set(out, 1, 0.0);
}

/* C = ∂ω∇θG = (−1, 0) (1×2) */
static void ns_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, -gsl_vector_get(v, 0));
}

static void ns_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, -gsl_vector_get(u, 0));
    gsl_vector_set(out, 1, 0.0);
}

static int ns_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)P, (void)th, (void)om;
    gsl_matrix_set_zero(H);
    gsl_matrix_set(H, 0, 0, 1.0);
    return BL_OK;
}

static double ns_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)P, (void)th, (void)om;
    return 1.0;
}

static void ns_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

static int ns_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)P;
    double w = w0(om), a = w - 1, b = t1(th) - 1, c = t2(th) - 1;
    snprintf(buf, len, "H = diag(1, 0) is singular (λmin = 0): the minimisers of G form "
             "the line {θ₁ = ω}, exact and cg do not apply\n"
             "selection: θ₁ − ω = %.6g, θ₂ − ω = %.6g (the optimistic choice is θ₂ = ω, "
             "which bda makes); optimum ω = 1, θ = (1, 1): distance %.6g",
             t1(th) - w, t2(th) - w, sqrt(a * a + b * b + c * c));
    return BL_OK;
}

const bl_problem_type bl_problem_nonsingleton = {
    .name = "nonsingleton",
    .summary = "non-convex lesson: a line of inner minimisers, H singular (use bda)",
    .inner_text = "G(θ, ω) = ½θ₁² − ωθ₁",
    .outer_text = "L(θ, ω) = ½(ω − θ₂)² + ½(θ₁ − 1)²",
    .notes =
        "θ ∈ R², ω ∈ R (Liu et al., 2020).  ∇θG = (θ₁ − ω, 0), H = diag(1, 0), "
        "C = (−1, 0), λmax(H) = 1.\n"
        "The lower level has the whole line {θ₁ = ω} of minimisers: H is singular, "
        "implicit differentiation is undefined, exact and cg refuse.  The optimistic "
        "choice θ₂ = ω gives F(ω) = ½(ω − 1)² and the optimum ω = 1, θ = (1, 1).\n"
        "gd, agd and newton never move θ₂ (∇θ₂G = 0), so the outer problem converges "
        "to the wrong point; the inner solver bda, which descends (1 − α_k)∇θG + "
        "α_k∇θL, selects θ₂ = ω.  Run with an unrolled estimator "
        "(reverse:from=current, forward, fd).",
    .params = NULL,
    .nparams = 0,
    .flags = 0,
    .estimators = "exact:pinv fd",   /* H is singular: exact does not apply */
    .init = ns_init,
    .free = ns_free,
    .clone = ns_clone,
    .G = ns_G,
    .L = ns_L,
    .G_theta = ns_G_theta,
    .G_omega = ns_G_omega,
    .L_theta = ns_L_theta,
    .L_omega = ns_L_omega,
    .hvp = ns_hvp,
    .cvp = ns_cvp,
    .ctvp = ns_ctvp,
    .hessian = ns_hessian,
    .lipschitz = ns_lipschitz,
    .omega0 = ns_omega0,
    .report = ns_report,
};
