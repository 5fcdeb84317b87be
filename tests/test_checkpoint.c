/* test_checkpoint.c: checkpointed reverse unrolling (checkpoint.c, the
 * checkpoints= of reverse and truncated; doc/catalogue.md "Checkpointed
 * reverse").  The schedule on a toy step: every adjoint step s sees
 * exactly the state s of a plain sweep, once, from T − 1 down; the stored
 * states never exceed c; the forward steps equal the minimum of the
 * schedule's recursion, computed here by brute-force dynamic programming,
 * and Griewank's closed form r·n − C(c + r, c + 1), computed here from
 * binomials.  Then the estimators on ridge, logreg, lasso (its own ISTA
 * step) and with heavy-ball and Nesterov momentum: checkpoints=c gives the
 * same doubles as storing every iterate (memcmp), for c = 1, c ≥ t, t not
 * a power of two, truncated too; the same H- and C-products, and ∇-calls
 * more by exactly the recomputed steps. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "checkpoint.h"
#include "hypergrad.h"
#include "inner.h"

/* ---- the schedule on a toy step ---- */

/* brute force: D(n, s) = min over m of m + D(m, s) + D(n − m, s − 1),
 * D(1, s) = 0, D(n, 1) = n(n − 1)/2 (recompute from the start each time) */
#define NMAX 80
#define SMAX 8
static double D[NMAX + 1][SMAX + 1];

static void brute(void)
{
    for (int s = 1; s <= SMAX; s++)
        for (int n = 1; n <= NMAX; n++) {
            if (n == 1) { D[n][s] = 0; continue; }
            if (s == 1) { D[n][s] = (double)n * (n - 1) / 2; continue; }
            double best = INFINITY;
            for (int m = 1; m < n; m++) {
                double v = m + D[m][s] + D[n - m][s - 1];
                if (v < best) best = v;
            }
            D[n][s] = best;
        }
}

static double binom(unsigned a, unsigned b)
{
    double v = 1;
    for (unsigned i = 1; i <= b; i++) v = v * (a - b + i) / i;
    return v;
}

/* Griewank's count from its statement: r the least with C(s + r, s) ≥ n */
static double closed(unsigned n, unsigned s)
{
    if (n <= 1) return 0;
    unsigned r = 0;
    while (binom(s + r, s) < n) r++;
    return r * (double)n - (r ? binom(s + r, s + 1) : 0);
}

struct toy {
    size_t T, next, bad, calls;
    double xs[NMAX + 1];          /* the plain sweep's states */
};

static int toy_adv(void *u, double *x)
{
    (void)u;
    x[0] = sin(3.1 * x[0]) + 0.37 * x[0] + 0.1;   /* any step, not invertible */
    x[1] = x[0] * x[0];
    return 0;
}

static int toy_rev(void *u, size_t s, const double *x)
{
    struct toy *t = u;
    t->calls++;
    if (s != t->next || x[1] != x[0] * x[0]
        || (s <= NMAX && t->T && memcmp(&x[0], &t->xs[s], sizeof(double))))
        t->bad++;
    t->next = s - 1;
    return 0;
}

static void check_schedule(void)
{
    brute();
    int closed_ok = 1;
    for (unsigned s = 1; s <= SMAX; s++)
        for (unsigned n = 1; n <= NMAX; n++)
            if (closed(n, s) != D[n][s]) {
                if (closed_ok) tap_diag("n=%u s=%u: closed %g, brute %g", n, s, closed(n, s),
                                        D[n][s]);
                closed_ok = 0;
            }
    tap_ok(closed_ok, "Griewank's r·n − C(s + r, s + 1) = the recursion's minimum, n ≤ %d, "
           "s ≤ %d", NMAX, SMAX);
    int cost_ok = 1, run_ok = 1, peak_ok = 1;
    size_t runs = 0;
    for (unsigned c = 1; c <= SMAX + 3; c++)
        for (unsigned n = 1; n <= NMAX; n++) {
            double want = c <= SMAX ? D[n][c] : closed(n, c);
            if (c > n) want = n - 1;
            if (bl_ckpt_cost(n, c) != want) cost_ok = 0;
            struct toy t = {.T = n, .next = n - 1};
            double x[2] = {0.25, 0.0625};
            t.xs[0] = x[0];
            for (unsigned s = 1; s <= n; s++) {
                toy_adv(NULL, x);
                t.xs[s] = x[0];
            }
            double x0[2] = {0.25, 0.0625};
            bl_ckpt_ops ops = {.width = 2, .advance = toy_adv, .reverse = toy_rev, .u = &t};
            bl_ckpt_stats st;
            int rc = bl_ckpt_run(&ops, 0, n, c, x0, &st);
            runs++;
            if (rc || t.bad || t.calls != n || (double)st.forward != want) {
                if (run_ok) tap_diag("n=%u c=%u: rc %d, bad %zu, calls %zu, forward %zu "
                                     "(want %g)", n, c, rc, t.bad, t.calls, st.forward, want);
                run_ok = 0;
            }
            if (st.stored > c || st.stored > n) peak_ok = 0;
            if (x0[0] != 0.25) run_ok = 0;
        }
    tap_ok(cost_ok, "bl_ckpt_cost = the brute-force minimum (c > n: n − 1)");
    tap_ok(run_ok, "%zu runs (n ≤ %d, c ≤ %d): each adjoint step s once, T − 1 down to 0, "
           "from exactly state s; forward steps = the minimum", runs, NMAX, SMAX + 3);
    tap_ok(peak_ok, "the stored states never exceed c (nor n)");
    /* large n: the closed form against the recursion's count */
    struct {
        size_t n, c;
    } big[] = {{1000, 3}, {1000, 10}, {4097, 5}, {10000, 2}};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        size_t n = big[i].n, c = big[i].c;
        double x0[2] = {0.25, 0.0625};
        struct toy *t = calloc(1, sizeof *t);
        t->next = n - 1;
        bl_ckpt_ops ops = {.width = 2, .advance = toy_adv, .reverse = toy_rev, .u = t};
        bl_ckpt_stats st;
        t->bad = 0;
        int rc = bl_ckpt_run(&ops, 0, n, c, x0, &st);
        /* the toy's xs hold only NMAX states: count the calls, not the bits */
        tap_ok(rc == 0 && t->calls == n && (double)st.forward == closed(n, c)
               && st.stored <= c,
               "n=%zu c=%zu: %zu forward steps = r·n − C(c + r, c + 1) = %g, %zu stored", n, c,
               st.forward, closed(n, c), st.stored);
        free(t);
    }
    tap_ok(bl_ckpt_recomputed(37, 4) == 56 && bl_ckpt_recomputed(37, 1) == 630
           && bl_ckpt_recomputed(37, 37) == 0 && bl_ckpt_recomputed(37, 100) == 0,
           "recomputed = t(n, c) + 1 − n: 56 (37, 4), 630 (37, 1), 0 (c ≥ n)");
}

/* ---- the estimators ---- */

static int run(const char *text, const bl_hg_ctx *c, gsl_vector *g, gsl_vector *te,
               bl_hg_result *r)
{
    bl_spec s;
    bl_err e = {0, ""};
    memset(r, 0, sizeof *r);
    r->grad = g;
    r->theta_end = te;
    int st = bl_spec_parse(text, &s, &e);
    if (st == BL_OK) st = bl_hypergrad(&s, c, r, &e);
    if (st != BL_OK) tap_diag("%s failed (%d): %s", text, st, e.msg);
    return st;
}

static int same(const gsl_vector *a, const gsl_vector *b)
{
    return a->size == b->size && !memcmp(a->data, b->data, a->size * sizeof(double));
}

/* every (T, c) of the list, reverse and one truncated, on P at OM */
static void check_on(const char *lab, bl_problem *P, const gsl_vector *om, const char *extra)
{
    static const size_t Tc[][2] = {{1, 1}, {2, 1}, {7, 1}, {7, 3}, {13, 2}, {13, 5}, {37, 4},
                                   {20, 20}, {20, 25}, {100, 7}, {64, 6}};
    gsl_vector *th = gsl_vector_alloc(P->p);
    randn(th, 0.3);
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .eta = bl_inner_default_eta(P, th, om)};
    gsl_vector *g0 = gsl_vector_alloc(P->d), *g1 = gsl_vector_alloc(P->d);
    gsl_vector *e0 = gsl_vector_alloc(P->p), *e1 = gsl_vector_alloc(P->p);
    for (size_t i = 0; i < sizeof Tc / sizeof Tc[0]; i++) {
        size_t T = Tc[i][0], ck = Tc[i][1];
        for (int tr = 0; tr < 2; tr++) {
            size_t K = tr ? (T + 1) / 2 : T;
            if (tr && K == T) continue;
            char s0[160], s1[200];
            if (tr) snprintf(s0, sizeof s0, "truncated:t=%zu,k=%zu%s", T, K, extra);
            else snprintf(s0, sizeof s0, "reverse:t=%zu%s", T, extra);
            snprintf(s1, sizeof s1, "%s,checkpoints=%zu", s0, ck);
            bl_hg_result r0, r1;
            int a = run(s0, &c, g0, e0, &r0), b = run(s1, &c, g1, e1, &r1);
            size_t cc = ck < K ? ck : K;
            double want = closed((unsigned)K, (unsigned)cc) + 1 - (double)K;
            tap_ok(a == BL_OK && b == BL_OK && same(g0, g1) && same(e0, e1)
                   && r1.checkpointed && !r0.checkpointed && r1.stored <= ck
                   && (double)r1.recomputed == want && r1.hvp == r0.hvp && r1.cvp == r0.cvp
                   && r1.grad_calls == r0.grad_calls + r1.recomputed,
                   "%s %s = %s bit for bit (g = %.17g), stored %zu ≤ %zu, recomputed %zu = "
                   "t(%zu, %zu) + 1 − %zu = %g, ∇calls %lu = %lu + %zu", lab, s1, s0,
                   gsl_vector_get(g1, 0), r1.stored, ck, r1.recomputed, K, cc, K, want,
                   r1.grad_calls, r0.grad_calls, r1.recomputed);
        }
    }
    gsl_vector_free(th);
    gsl_vector_free(g0);
    gsl_vector_free(g1);
    gsl_vector_free(e0);
    gsl_vector_free(e1);
}

static void check_estimators(void)
{
    bl_err e = {0, ""};
    bl_dataset *reg = synth("regression", 50, 30, 7, 0, 0.5, 3);
    bl_dataset *cls = synth("classification", 60, 40, 6, 0.2, 0.5, 4);
    bl_problem *ridge = reg ? bl_problem_alloc(&bl_problem_ridge, NULL, reg, &e) : NULL;
    bl_problem *logreg = cls ? bl_problem_alloc(&bl_problem_logreg, NULL, cls, &e) : NULL;
    bl_problem *lasso = reg ? bl_problem_alloc(&bl_problem_lasso, NULL, reg, &e) : NULL;
    if (!ridge || !logreg || !lasso) {
        tap_ok(0, "ridge, logreg and lasso allocate: %s", e.msg);
        return;
    }
    gsl_vector *om = gsl_vector_alloc(ridge->d);
    gsl_vector_set_all(om, log(0.3));
    check_on("ridge", ridge, om, "");
    check_on("ridge", ridge, om, ",from=current");
    check_on("ridge heavyball", ridge, om, ",method=heavyball,beta=0.7");
    check_on("ridge nesterov", ridge, om, ",method=nesterov");
    gsl_vector *oml = gsl_vector_alloc(logreg->d);
    gsl_vector_set_all(oml, log(0.1));
    check_on("logreg", logreg, oml, "");
    check_on("logreg nesterov", logreg, oml, ",method=nesterov,beta=0.5");
    gsl_vector *oma = gsl_vector_alloc(lasso->d);
    gsl_vector_set_all(oma, log(0.05));
    check_on("lasso (ISTA)", lasso, oma, ",from=current");
    /* lasso with learn_eta=1: ω's last entry is log η, unroll.c's path */
    double par[BL_MAX_PARAMS];
    for (size_t i = 0; i < bl_problem_lasso.nparams; i++) par[i] = bl_problem_lasso.params[i].def;
    int li = bl_param_find(bl_problem_lasso.params, bl_problem_lasso.nparams, "learn_eta");
    if (li >= 0) par[li] = 1;
    bl_problem *le = li >= 0 ? bl_problem_alloc(&bl_problem_lasso, par, reg, &e) : NULL;
    if (le && le->eta_slot) {
        gsl_vector *ome = gsl_vector_alloc(le->d);
        gsl_vector_set_all(ome, log(0.05));
        gsl_vector *z = gsl_vector_calloc(le->p);
        gsl_vector_set(ome, le->eta_slot - 1, log(0.5 * bl_inner_default_eta(le, z, ome)));
        gsl_vector_free(z);
        check_on("lasso learn_eta=1", le, ome, ",method=heavyball,beta=0.5");
        gsl_vector_free(ome);
    } else {
        tap_ok(0, "lasso learn_eta=1 allocates with an η slot: %s", e.msg);
    }
    bl_problem_free(le);

    /* mem.max: the refusal names checkpoints that fit, and they run */
    gsl_vector *g = gsl_vector_alloc(1), *te = gsl_vector_alloc(ridge->p);
    gsl_vector *th = gsl_vector_calloc(ridge->p);
    bl_hg_ctx c = {.P = ridge, .omega = om, .theta = th,
                   .eta = bl_inner_default_eta(ridge, th, om), .mem_max = 1e4};
    bl_spec s;
    bl_hg_result r = {.grad = g, .theta_end = te};
    bl_spec_parse("reverse:t=1000", &s, &e);
    int st = bl_hypergrad(&s, &c, &r, &e);
    const char *k = strstr(e.msg, "checkpoints=");
    size_t fit = k ? strtoul(k + 12, NULL, 10) : 0;
    size_t p = ridge->p, per = p * 8 + 8, fixed = (7 * p + 2) * 8 + p * 8;
    tap_ok(st == BL_ENOMEM && fit >= 1 && fixed + fit * per <= 1e4
           && fixed + (fit + 1) * per > 1e4 && has(e.msg, "forward") && has(e.msg, "truncated"),
           "reverse:t=1000 over mem.max 1e4 B suggests checkpoints=%zu, the most that fit "
           "(%zu + c·%zu B): \"%s\"", fit, fixed, per, e.msg);
    char sp[64];
    snprintf(sp, sizeof sp, "reverse:t=1000,checkpoints=%zu", fit);
    st = run(sp, &c, g, te, &r);
    tap_ok(st == BL_OK && r.bytes <= 1e4 && r.stored == fit, "%s runs under it (%zu B, %zu "
           "stored)", sp, r.bytes, r.stored);
    snprintf(sp, sizeof sp, "reverse:t=1000,checkpoints=%zu", fit + 1);
    bl_spec_parse(sp, &s, &e);
    e.code = 0;
    st = bl_hypergrad(&s, &c, &r, &e);
    tap_ok(st == BL_ENOMEM && has(e.msg, "checkpoints="), "%s does not: \"%s\"", sp, e.msg);
    gsl_vector_free(g);
    gsl_vector_free(te);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(oml);
    gsl_vector_free(oma);
    bl_problem_free(ridge);
    bl_problem_free(logreg);
    bl_problem_free(lasso);
    bl_dataset_free(reg);
    bl_dataset_free(cls);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261205);
    check_schedule();
    check_estimators();
    gsl_rng_free(rng);
    return tap_done();
}
