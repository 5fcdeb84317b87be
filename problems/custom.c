/* custom.c: the problem a user types with `define` (doc/expressions.md).
 *
 *   G(θ, ω) = the `define inner` expression,  L(θ, ω) = the `define outer` one
 *
 * Both are compiled into tapes (src/core/expr.h) when the instance is
 * built, from the definition P->def (dimensions, texts, parameters) and the
 * data in use.  Gradients come from one reverse sweep, H v, C v and Cᵀ u
 * from one forward-over-reverse sweep of the inner tape along (v, 0) or
 * (0, u): exact derivatives, no finite differences. */
#include "config.h"

#include <stdlib.h>

#include "catalogue.h"
#include "expr.h"

typedef struct {
    bl_expr_def *def;     /* own copy, so that clones need nothing else */
    bl_expr *G, *L;
} custom_state;

static void custom_state_free(custom_state *s)
{
    if (!s) return;
    bl_expr_def_free(s->def);
    bl_expr_free(s->G);
    bl_expr_free(s->L);
    free(s);
}

/* Builds the state of P from DEF on P->data. */
static int build(bl_problem *P, const bl_expr_def *def, bl_err *e)
{
    if (!bl_expr_def_complete(def)) {
        bl_err_set(e, BL_EINVAL, "custom has no complete definition yet: type define dims "
                   "theta=P omega=D, define inner EXPR and define outer EXPR (help define)");
        return BL_EINVAL;
    }
    custom_state *s = calloc(1, sizeof *s);
    if (!s || !(s->def = bl_expr_def_copy(def))) {
        custom_state_free(s);
        bl_err_set(e, BL_ENOMEM, "out of memory building custom");
        return BL_ENOMEM;
    }
    bl_expr_env env;
    bl_expr_def_env(s->def, P->data, &env);
    int st = bl_expr_compile(def->inner, &env, "inner", &s->G, e);
    if (st == BL_OK) st = bl_expr_compile(def->outer, &env, "outer", &s->L, e);
    if (st != BL_OK) {
        custom_state_free(s);
        return st;
    }
    P->p = def->p;
    P->d = def->d;
    P->state = s;
    P->def = s->def;      /* from now on the instance's own copy: never dangles */
    return BL_OK;
}

static int custom_init(bl_problem *P, bl_err *e) { return build(P, P->def, e); }

static void custom_free(bl_problem *P)
{
    custom_state_free(P->state);
    P->state = NULL;
}

static int custom_clone(const bl_problem *src, bl_problem *dst)
{
    const custom_state *s = src->state;
    return build(dst, s->def, NULL);
}

static double custom_G(bl_problem *P, cvec *th, cvec *om)
{
    custom_state *s = P->state;
    return bl_expr_value(s->G, th, om);
}

static double custom_L(bl_problem *P, cvec *th, cvec *om)
{
    custom_state *s = P->state;
    return bl_expr_value(s->L, th, om);
}

static void custom_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    custom_state *s = P->state;
    bl_expr_grad(s->G, th, om, g, NULL);
}

static void custom_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    custom_state *s = P->state;
    bl_expr_grad(s->G, th, om, NULL, g);
}

static void custom_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    custom_state *s = P->state;
    bl_expr_grad(s->L, th, om, g, NULL);
}

static void custom_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    custom_state *s = P->state;
    bl_expr_grad(s->L, th, om, NULL, g);
}

/* H v: the θ part of the second-order sweep along (v, 0). */
static void custom_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    custom_state *s = P->state;
    bl_expr_hess_dir(s->G, th, om, v, NULL, out, NULL);
}

/* C v = ∂_ω(vᵀ∇_θG): the ω part of the same sweep along (v, 0). */
static void custom_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    custom_state *s = P->state;
    bl_expr_hess_dir(s->G, th, om, v, NULL, NULL, out);
}

/* Cᵀ u: the θ part of the sweep along (0, u), the derivative of ∇_θG in
 * the direction u of ω. */
static void custom_ctvp(bl_problem *P, cvec *th, cvec *om, cvec *u, gsl_vector *out)
{
    custom_state *s = P->state;
    bl_expr_hess_dir(s->G, th, om, NULL, u, out, NULL);
}

static void custom_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

const bl_problem_type bl_problem_custom = {
    .name = "custom",
    .summary = "your own G and L, typed with define (exact derivatives)",
    .inner_text = "G(θ, ω) = the expression of 'define inner' (define show prints it)",
    .outer_text = "L(θ, ω) = the expression of 'define outer' (define show prints it)",
    .notes =
        "Built from 'define dims theta=P omega=D', 'define inner EXPR', 'define "
        "outer EXPR' and 'define param name=value' (help define, doc/expressions.md).\n"
        "Expressions use theta[i], omega[j], numbers, + - * / ^, exp log log1p sqrt "
        "sin cos tanh sigmoid softplus abs min max pow, and the data as X, y, Xv, yv "
        "with X*theta, sum, mean, dot, sumsq (Σ v_i²), norm2 (‖v‖).\n"
        "Derivatives are exact: reverse mode on the expression tape for the "
        "gradients, forward-over-reverse for H v, C v and Cᵀ u; 'define check' "
        "compares them with finite differences.  ω starts at 0.",
    .params = NULL,
    .nparams = 0,
    .flags = BL_PROB_USES_DATA | BL_PROB_DEFINED,
    .init = custom_init,
    .free = custom_free,
    .clone = custom_clone,
    .G = custom_G,
    .L = custom_L,
    .G_theta = custom_G_theta,
    .G_omega = custom_G_omega,
    .L_theta = custom_L_theta,
    .L_omega = custom_L_omega,
    .hvp = custom_hvp,
    .cvp = custom_cvp,
    .ctvp = custom_ctvp,
    .omega0 = custom_omega0,
};
