/* closed.h: the "closed form" line of a problem's show report, for the
 * problems with θ*(ω) and ∇F(ω) in closed form (quadratic, ridge,
 * ridge-multi, heat, ivreg, oed, metaridge): the truth beside whatever the solvers and estimators
 * print.  A static inline function, so that each problem stays one file.
 * Counts nothing (the type's functions are called directly). */
#ifndef BL_CLOSED_H
#define BL_CLOSED_H

#include <math.h>
#include <stdio.h>

#include <gsl/gsl_blas.h>

#include "problem.h"

/* Writes "closed form at ω: F = …, ∇F = […], ‖θ − θ*‖ = …" into BUF and
 * returns the characters written (as snprintf, capped at LEN − 1). */
static inline size_t bl_report_closed(bl_problem *P, const gsl_vector *th,
                                      const gsl_vector *om, char *buf, size_t len)
{
    gsl_vector *ts = gsl_vector_alloc(P->p), *g = gsl_vector_alloc(P->d);
    int n, st = BL_OK;
    if (!ts || !g) {
        n = snprintf(buf, len, "closed form: out of memory");
    } else if ((st = P->type->theta_star(P, om, ts)) != BL_OK
               || (st = P->type->hypergrad(P, om, g)) != BL_OK) {
        /* the true cause: a dense H too big to hold is not a singular one */
        n = snprintf(buf, len, "closed form: %s", st == BL_ENOTPD
                     ? "not defined at this ω (H is singular)"
                     : st == BL_ENOMEM ? "not computed at this size (a dense p×p factor)"
                     : st == BL_EINTR ? "interrupted" : bl_strerror(st));
    } else {
        double F = P->type->L(P, ts, om), e = 0;
        for (size_t i = 0; i < P->p; i++) {
            double t = gsl_vector_get(th, i) - gsl_vector_get(ts, i);
            e += t * t;
        }
        char v[256];
        size_t k = 0, shown = P->d < 4 ? P->d : 4;
        v[0] = '\0';
        for (size_t i = 0; i < shown && k < sizeof v; i++)
            k += (size_t)snprintf(v + k, sizeof v - k, "%s%.6g", i ? ", " : "",
                                  gsl_vector_get(g, i));
        if (shown < P->d && k < sizeof v)
            snprintf(v + k, sizeof v - k, ", … (d=%zu, ‖∇F‖ = %.6g)", P->d, gsl_blas_dnrm2(g));
        n = snprintf(buf, len, "closed form at this ω: F = L(θ*, ω) = %.6g, ∇F = [%s], "
                     "‖θ − θ*‖ = %.3g", F, v, sqrt(e));
    }
    gsl_vector_free(ts);
    gsl_vector_free(g);
    if (n < 0) return 0;
    return (size_t)n < len ? (size_t)n : len ? len - 1 : 0;
}

#endif
