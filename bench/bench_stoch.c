/* bench_stoch.c: issue 16's benchmark.  quadsum with dim_inner = dim_outer
 * = 100 and n_inner = n_outer = 32768 (benchmark_bilevel's simulated data
 * set, larger), batch 64: the minibatch oracles per second (∇θG_B, H_B v,
 * C_B v, ∇θL_B'), and the wall time of 10⁴ SOBA steps (5 oracle calls a
 * step, no per-step measurement), one thread.  Prints, asserts nothing;
 * bench/soba_numpy.py times the same loop in NumPy (bench/stoch.sh).
 *
 *   bench_stoch [n] [steps]
 *   bench_stoch --dump DIR [n] [steps]
 *
 * --dump writes what bench/soba_numpy.py --check needs to replay bilab's
 * SOBA on the same data in the same batch order: DIR/meta.txt (n_inner
 * n_outer p d batch steps step_size), the quadsum factors DIR/{in,out}_
 * {u,q,a,w,pc,b}.f64 (raw float64, row-major), ω₀ in DIR/x0.f64, the inner
 * and outer batch numbers of each step in DIR/ids.txt, and θ, v, ω after
 * each step in DIR/iters.f64 (steps × (p + p + d)). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_vector.h>

#include "catalogue.h"
#include "problem.h"
#include "stoch.h"

#define DIM 100
#define BATCH 64

static int put(const char *dir, const char *name, const double *v, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.f64", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) return 1;
    size_t k = fwrite(v, sizeof *v, len, f);
    return (fclose(f) != 0) | (k != len);
}

/* the batch the sampler gave last (one draw a step: SOBA) */
static size_t last_batch(const bl_sampler *s)
{
    return s->order[(s->pos == 0 ? s->nb : s->pos) - 1];
}

static int dump(const char *dir, long n, long steps)
{
    const size_t p = DIM, d = DIM;
    double par[9] = {(double)n, (double)n, DIM, DIM, 0.1, 1, 1, 0.1, 2442};
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_quadsum, par, NULL, &e);
    if (!P) {
        fprintf(stderr, "bench_stoch: %s\n", e.msg);
        return 1;
    }
    int bad = 0;
    for (int k = 0; k < 2; k++) {
        bl_quadsum_samples S;
        bad |= bl_quadsum_data(P, k, &S) != BL_OK;
        const char *pre = k ? "out" : "in";
        const char *nm[6] = {"u", "q", "a", "w", "pc", "b"};
        const double *arr[6] = {S.u, S.q, S.a, S.w, S.pc, S.b};
        for (int j = 0; j < 6 && !bad; j++) {
            char name[16];
            snprintf(name, sizeof name, "%s_%s", pre, nm[j]);
            bad |= put(dir, name, arr[j], S.n * (j < 3 ? p : d));
        }
    }
    gsl_vector *y = gsl_vector_calloc(p), *x = gsl_vector_alloc(d);
    bl_problem_omega0(P, x);
    bad |= put(dir, "x0", x->data, d);
    bl_sopt_spec sp;
    bl_sopt_parse("soba:step_size=0.1,outer_ratio=1,batch_size=64", &sp, &e);
    bl_sopt_conf conf = {BL_SAMPLER_BATCHES, 0, 0, 1};
    bl_sopt *o = bl_sopt_alloc(&sp, &conf, P, y, x, &e);
    double *it = malloc((size_t)steps * (2 * p + d) * sizeof *it);
    char path[4096];
    snprintf(path, sizeof path, "%s/ids.txt", dir);
    FILE *ids = fopen(path, "w");
    if (!o || !it || !ids || bad) {
        fprintf(stderr, "bench_stoch: cannot dump to %s%s%s\n", dir, o ? "" : ": ", o ? "" : e.msg);
        return 1;
    }
    o->measure = 0;
    for (long t = 0; t < steps; t++) {
        if (bl_sopt_step(o, &e)) {
            fprintf(stderr, "bench_stoch: %s\n", e.msg);
            return 1;
        }
        fprintf(ids, "%zu %zu\n", last_batch(o->sin), last_batch(o->sout));
        double *r = it + (size_t)t * (2 * p + d);
        for (size_t j = 0; j < p; j++) r[j] = gsl_vector_get(o->y, j);
        for (size_t j = 0; j < p; j++) r[p + j] = gsl_vector_get(o->v, j);
        for (size_t j = 0; j < d; j++) r[2 * p + j] = gsl_vector_get(o->x, j);
    }
    bad |= fclose(ids) != 0;
    bad |= put(dir, "iters", it, (size_t)steps * (2 * p + d));
    snprintf(path, sizeof path, "%s/meta.txt", dir);
    FILE *m = fopen(path, "w");
    if (m) {
        fprintf(m, "%ld %ld %zu %zu %d %ld %.17g\n", n, n, p, d, BATCH, steps, 0.1);
        bad |= fclose(m) != 0;
    } else {
        bad = 1;
    }
    free(it);
    bl_sopt_free(o);
    gsl_vector_free(y);
    gsl_vector_free(x);
    bl_problem_free(P);
    if (bad) fprintf(stderr, "bench_stoch: writing %s failed\n", dir);
    return bad;
}

int main(int argc, char **argv)
{
    bl_init();
    if (argc > 2 && !strcmp(argv[1], "--dump"))
        return dump(argv[2], argc > 3 ? atol(argv[3]) : 2048, argc > 4 ? atol(argv[4]) : 50);
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
    clock_t c0 = clock();
    for (long k = 0; k < steps; k++)
        if (bl_sopt_step(o, &e)) {
            fprintf(stderr, "bench_stoch: %s\n", e.msg);
            return 1;
        }
    double dt = bl_clock() - t, cpu = (double)(clock() - c0) / CLOCKS_PER_SEC;
    bl_sopt_row r;
    bl_sopt_measure(o, &r);
    printf("  %ld SOBA steps (batch 64, 5 oracle calls a step): %.3f s, %.2f µs a step "
           "(processor time %.3f s); after them ‖∇F‖ = %.4g, F − F* = %.4g\n", steps, dt,
           1e6 * dt / steps, cpu, r.gnorm, r.gap);
    bl_sopt_free(o);
    bl_sampler_free(s);
    gsl_vector_free(y); gsl_vector_free(x); gsl_vector_free(g); gsl_vector_free(v);
    gsl_vector_free(c);
    bl_problem_free(P);
    return 0;
}
