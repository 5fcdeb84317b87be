/* bench_stoch.c: issue 16's benchmark.  quadsum with dim_inner = dim_outer
 * = 100 and n_inner = n_outer = 32768 (benchmark_bilevel's simulated data
 * set, larger), batch 64: the minibatch oracles per second (∇θG_B, H_B v,
 * C_B v, ∇θL_B'), and the wall time of 10⁴ SOBA steps (5 oracle calls a
 * step, no per-step measurement), one thread.  Prints, asserts nothing;
 * bench/soba_numpy.py times the same loop in NumPy (bench/stoch.sh).
 *
 *   bench_stoch [n] [steps] */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_vector.h>

#include "catalogue.h"
#include "problem.h"
#include "stoch.h"

#define DIM 100
#define BATCH 64

int main(int argc, char **argv)
{
    bl_init();
    long n = argc > 1 ? atol(argv[1]) : 32768, steps = argc > 2 ? atol(argv[2]) : 10000;
    double par[9] = {(double)n, (double)n, DIM, DIM, 0.1, 1, 1, 0.1, 2442};
    bl_err e = {0, ""};
    double t0 = bl_clock();
    bl_problem *P = bl_problem_alloc(&bl_problem_quadsum, par, NULL, &e);
    if (!P) {
        fprintf(stderr, "bench_stoch: %s\n", e.msg);
        return 1;
    }
    printf("quadsum n_inner = n_outer = %ld, dim 100/100: built in %.2f s\n", n,
           bl_clock() - t0);
    gsl_vector *y = gsl_vector_calloc(DIM), *x = gsl_vector_alloc(DIM), *g = gsl_vector_alloc(DIM);
    gsl_vector *v = gsl_vector_alloc(DIM), *c = gsl_vector_alloc(DIM);
    gsl_vector_set_all(x, -2);
    gsl_vector_set_all(v, 0.1);
    bl_sampler *s = bl_sampler_alloc(BL_SAMPLER_BATCHES, (size_t)n, BATCH, 1);
    const char *names[4] = {"∇θG_B", "H_B v", "C_B v", "∇θL_B'"};
    for (int k = 0; k < 4; k++) {
        long reps = 0;
        double t = bl_clock(), dt;
        do {
            for (int r = 0; r < 1000; r++, reps++) {
                bl_batch B;
                bl_sampler_next(s, &B);
                if (k == 0) bl_mb_G_theta(P, y, x, &B, g);
                else if (k == 1) bl_mb_hvp(P, y, x, &B, v, g);
                else if (k == 2) bl_mb_cvp(P, y, x, &B, v, c);
                else bl_mb_L_theta(P, y, x, &B, g);
            }
            dt = bl_clock() - t;
        } while (dt < 0.3);
        printf("  %-8s batch %d: %.3g calls/s (%.2f µs a call)\n", names[k], BATCH, reps / dt,
               1e6 * dt / reps);
    }
    bl_sopt_spec sp;
    bl_sopt_parse("soba:step_size=0.1,outer_ratio=1,batch_size=64", &sp, &e);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
    gsl_vector_set_zero(y);
    bl_sopt *o = bl_sopt_alloc(&sp, &conf, P, y, x, &e);
    if (!o) {
        fprintf(stderr, "bench_stoch: %s\n", e.msg);
        return 1;
    }
    o->measure = 0;
    double t = bl_clock();
    for (long k = 0; k < steps; k++)
        if (bl_sopt_step(o, &e)) {
            fprintf(stderr, "bench_stoch: %s\n", e.msg);
            return 1;
        }
    double dt = bl_clock() - t;
    bl_sopt_row r;
    bl_sopt_measure(o, &r);
    printf("  %ld SOBA steps (batch 64, 5 oracle calls a step): %.3f s, %.2f µs a step; "
           "after them ‖∇F‖ = %.4g, F − F* = %.4g\n", steps, dt, 1e6 * dt / steps, r.gnorm, r.gap);
    bl_sopt_free(o);
    bl_sampler_free(s);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(v);
    gsl_vector_free(c);
    bl_problem_free(P);
    return 0;
}
