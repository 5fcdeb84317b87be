/* doublewell.c: the non-convex lesson of folds (doc/catalogue.md,
 * "Problems (first catalogue)", `doublewell`; doc/problems/doublewell.md).
 *
 *   G(θ, ω) = ¼(θ² − 1)² − ωθ,   L(θ, ω) = ½(θ − θ_t)²
 *
 * ∇θG = θ³ − θ − ω, H = 3θ² − 1, C = −1.  For |ω| < 2/(3√3) the inner
 * problem has two local minima (and a maximum between them); θ*(ω) jumps
 * where H vanishes, at the folds |ω| = 2/(3√3).  Which minimum an inner
 * solver finds depends on where it starts: that is the lesson, and H < 0
 * between the wells is where exact and cg refuse. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_poly.h>

#include "catalogue.h"

enum { PAR_THETA_T, NPAR };

static const bl_param dw_params[NPAR] = {
    {"theta_t", 0.5, -1e3, 1e3, 0, "target θ_t of the outer ½(θ − θ_t)²", NULL},
};

typedef struct { double theta_t; } dw_state;

static int dw_init(bl_problem *P, bl_err *e)
{
    dw_state *s = malloc(sizeof *s);
    if (!s) {
        bl_err_set(e, BL_ENOMEM, "out of memory building doublewell");
        return BL_ENOMEM;
    }
    s->theta_t = P->par[PAR_THETA_T];
    P->p = 1;
    P->d = 1;
    P->state = s;
    return BL_OK;
}

static void dw_free(bl_problem *P)
{
    free(P->state);
    P->state = NULL;
}

static int dw_clone(const bl_problem *src, bl_problem *dst)
{
    dw_state *s = malloc(sizeof *s);
    if (!s) return BL_ENOMEM;
    *s = *(const dw_state *)src->state;
    dst->state = s;
    return BL_OK;
}

static double th0(cvec *th) { return gsl_vector_get(th, 0); }
static double om0(cvec *om) { return gsl_vector_get(om, 0); }

static double dw_G(bl_problem *P, cvec *th, cvec *om)
{
    (void)P;
    double t = th0(th), q = t * t - 1;
    return 0.25 * q * q - om0(om) * t;
}

static double dw_L(bl_problem *P, cvec *th, cvec *om)
{
    (void)om;
    const dw_state *s = P->state;
    double r = th0(th) - s->theta_t;
    return 0.5 * r * r;
}

static void dw_G_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P;
    double t = th0(th);
    gsl_vector_set(g, 0, t * t * t - t - om0(om));
}

static void dw_G_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)om;
    gsl_vector_set(g, 0, -th0(th));
}

static void dw_L_theta(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)om;
    const dw_state *s = P->state;
    gsl_vector_set(g, 0, th0(th) - s->theta_t);
}

static void dw_L_omega(bl_problem *P, cvec *th, cvec *om, gsl_vector *g)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set_zero(g);
}

static double curv(cvec *th)
{
    double t = th0(th);
    return 3 * t * t - 1;
}

static void dw_hvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)om;
    gsl_vector_set(out, 0, curv(th) * gsl_vector_get(v, 0));
}

/* C = ∂ω∇θG = −1 */
static void dw_cvp(bl_problem *P, cvec *th, cvec *om, cvec *v, gsl_vector *out)
{
    (void)P, (void)th, (void)om;
    gsl_vector_set(out, 0, -gsl_vector_get(v, 0));
}

static int dw_hessian(bl_problem *P, cvec *th, cvec *om, gsl_matrix *H)
{
    (void)P, (void)om;
    gsl_matrix_set(H, 0, 0, curv(th));
    return BL_OK;
}

/* G is quartic: no global bound on H.  The local one, max(2, 3θ² − 1),
 * is exact at the minima θ = ±1 of ω = 0 and keeps gd stable from any
 * start inside |θ| ≤ |θ₀|, where the iterates stay. */
static double dw_lipschitz(bl_problem *P, cvec *th, cvec *om)
{
    (void)P, (void)om;
    return fmax(2.0, curv(th));
}

static void dw_omega0(bl_problem *P, gsl_vector *om)
{
    (void)P;
    gsl_vector_set_zero(om);
}

/* The folds |ω| = 2/(3√3), where a minimum merges with the maximum. */
#define DW_FOLD (2.0 / (3.0 * sqrt(3.0)))

static size_t dw_folds(bl_problem *P, cvec *om, size_t coord, double *w, size_t max)
{
    (void)P, (void)om, (void)coord;
    if (max >= 1) w[0] = -DW_FOLD;
    if (max >= 2) w[1] = DW_FOLD;
    return 2;
}

static int dw_report(bl_problem *P, cvec *th, cvec *om, char *buf, size_t len)
{
    (void)P;
    double w = om0(om), t = th0(th), h = curv(th), x[3];
    /* stationary points: θ³ − θ − ω = 0 */
    int n = gsl_poly_solve_cubic(0.0, -1.0, -w, &x[0], &x[1], &x[2]);
    for (int i = 0; i < n; i++) {          /* one Newton step polishes round-off */
        double d = 3 * x[i] * x[i] - 1;
        if (d != 0) x[i] -= (x[i] * x[i] * x[i] - x[i] - w) / d;
    }
    size_t k = (size_t)snprintf(buf, len, "H = 3θ² − 1 = %.6g: %s", h,
                                h > 0 ? "positive definite"
                                : h < 0 ? "indefinite (θ lies between the wells: exact and "
                                          "cg refuse)"
                                        : "singular (θ is at a fold)");
    if (k >= len) return BL_OK;
    if (n == 3 && x[0] < x[1] && x[1] < x[2]) {
        const char *where = t < x[1] ? "the left well" : t > x[1] ? "the right well"
                                                                  : "the maximum";
        k += (size_t)snprintf(buf + k, len - k, "\nstationary points at ω = %.6g: minima "
                              "%.6g and %.6g, maximum %.6g between them; θ is in %s (the folds "
                              "are at |ω| = 2/(3√3) = 0.3849)", w, x[0], x[2], x[1], where);
    } else {
        k += (size_t)snprintf(buf + k, len - k, "\nat ω = %.6g the inner problem has one "
                              "minimum, θ* = %.6g (|ω| ≥ 2/(3√3) = 0.3849: past a fold)", w,
                              x[0]);
    }
    /* on a fold (within 1e-3 of it): the branch θ = ∓1/√3 is degenerate */
    if (k < len && fabs(fabs(w) - DW_FOLD) <= 1e-3)
        snprintf(buf + k, len - k, "\nω = %.6g sits on a fold (|ω| = 2/(3√3) = %.6g): the "
                 "minimum at θ = %.6g merges with the maximum, H = 3θ² − 1 = 0 there, and θ*(ω) "
                 "jumps between the wells as ω crosses it", w, DW_FOLD,
                 w > 0 ? -1 / sqrt(3.0) : 1 / sqrt(3.0));
    return BL_OK;
}

const bl_problem_type bl_problem_doublewell = {
    .name = "doublewell",
    .summary = "non-convex: two wells, θ*(ω) jumps at the folds |ω| = 2/(3√3)",
    .inner_text = "G(θ, ω) = ¼(θ² − 1)² − ωθ",
    .outer_text = "L(θ, ω) = ½(θ − θ_t)²",
    .notes =
        "θ ∈ R, ω ∈ R.  ∇θG = θ³ − θ − ω, H = 3θ² − 1, C = −1.\n"
        "For |ω| < 2/(3√3) ≈ 0.3849 there are two minima and a maximum; the branch "
        "an inner solver reaches depends on its start (set theta).  H ≤ 0 for "
        "|θ| ≤ 1/√3: exact and cg refuse there with the smallest eigenvalue, the "
        "unrolled estimators still run, and newton leaves along the negative curvature "
        "for a well.\n"
        "No closed form for θ* (it is set-valued between the folds); λmax(H) has no "
        "global bound: the local max(2, 3θ² − 1) is used.  show reports the "
        "stationary points and the well θ is in.",
    .params = dw_params,
    .nparams = NPAR,
    .flags = 0,
    .estimators = "exact fd",   /* fd sees the jumps of θ*(ω) that exact cannot */
    .init = dw_init,
    .free = dw_free,
    .clone = dw_clone,
    .G = dw_G,
    .L = dw_L,
    .G_theta = dw_G_theta,
    .G_omega = dw_G_omega,
    .L_theta = dw_L_theta,
    .L_omega = dw_L_omega,
    .hvp = dw_hvp,
    .cvp = dw_cvp,
    .ctvp = dw_cvp,
    .hessian = dw_hessian,
    .lipschitz = dw_lipschitz,
    .omega0 = dw_omega0,
    .report = dw_report,
    .folds = dw_folds,
};
