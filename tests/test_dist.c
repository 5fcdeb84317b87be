/* test_dist.c: a grid shared among processes (src/core/dist.h) equals the
 * one-process grid bit for bit.  Without MPI: NP forked processes play
 * the ranks, and the collective (a bitwise OR of every process's buffer)
 * goes through shared memory and a process-shared barrier.  surface (along
 * a path, from θ₀, 2-D, with estimators that fail at some points), compare
 * over a budget, and the stochastic compare over seeds, for 2, 3 and 5
 * ranks (more ranks than segments too). */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "command.h"
#include "dist.h"
#include "session.h"
#include "stoch.h"
#include "surface.h"
#include "tap.h"

#define MAXNP 5
#define SLOT ((size_t)1 << 20)

typedef struct shared {
    pthread_barrier_t bar;
    unsigned char slot[MAXNP][SLOT];
} shared;

static shared *sh;
static int np;

static int fake_bor(void *arg, void *buf, size_t bytes, char *msg, size_t len)
{
    int rank = *(int *)arg;
    (void)msg;
    (void)len;
    unsigned char *p = buf;
    while (bytes > 0) {
        size_t m = bytes < SLOT ? bytes : SLOT;
        memcpy(sh->slot[rank], p, m);
        pthread_barrier_wait(&sh->bar);
        for (int r = 0; r < np; r++)
            if (r != rank)
                for (size_t i = 0; i < m; i++) p[i] |= sh->slot[r][i];
        pthread_barrier_wait(&sh->bar);
        p += m;
        bytes -= m;
    }
    return 0;
}

static bl_axis axis(size_t coord, double lo, double hi, size_t n)
{
    bl_axis a = {coord, n, malloc(n * sizeof(double))};
    for (size_t i = 0; i < n; i++) a.values[i] = n > 1 ? lo + (hi - lo) * i / (n - 1) : lo;
    return a;
}

/* The results of every case, as bytes, in one buffer: what is compared. */
typedef struct out {
    unsigned char *b;
    size_t n;
} out;

static void put(out *o, const void *p, size_t n)
{
    o->b = realloc(o->b, o->n + n);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void put_surface(out *o, const bl_surface *s, int st)
{
    size_t n = s->npoints, d = s->d, q = s->nspecs;
    put(o, &st, sizeof st);
    put(o, s->F, n * sizeof(double));
    put(o, s->grad, n * d * sizeof(double));
    put(o, s->est, q * n * d * sizeof(double));
    put(o, s->rel_err, q * n * sizeof(double));
    put(o, s->cosine, q * n * sizeof(double));
    put(o, s->done, n);
    put(o, s->converged, n);
    put(o, s->resid, n * sizeof(double));
    size_t c[] = {s->ndone, s->nfailed, s->nunconv, s->nreason, s->tally.solves,
                  s->tally.failures, s->inner_iters, s->hvp};
    put(o, c, sizeof c);
    put(o, &s->worst, sizeof s->worst);
    put(o, s->reason, strlen(s->reason));
    for (size_t k = 0; k < q; k++) {
        put(o, &s->est_nfail[k], sizeof(size_t));
        put(o, &s->est_first[k], sizeof(size_t));
        put(o, s->est_why[k], strlen(s->est_why[k]));
    }
    put(o, s->ref, strlen(s->ref));
}

/* Every case on this process (one of NP ranks, or alone). */
static out run_cases(bl_session *S)
{
    out o = {NULL, 0};
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 100000, 0};
    bl_execute_line(S, "problem use quadratic p=6 d=2 kappa=20");
    bl_problem *P = S->P;
    bl_spec sp[3];
    bl_spec_parse("cg:k=3", &sp[0], NULL);
    bl_spec_parse("reverse:t=20", &sp[1], NULL);
    bl_spec_parse("neumann:k=5,eta=3", &sp[2], NULL);    /* diverges at some points */
    for (int path = 0; path < 2; path++) {
        bl_axis ax[2] = {axis(0, -3, 1, 19), axis(1, -1, 1, 4)};
        for (size_t na = 1; na <= 2; na++) {
            bl_surface s;
            int st = bl_surface_compute(&s, P, S->omega, S->theta, &ic, ax, na, sp, 3, 0, path,
                                        2, NULL, NULL, NULL, NULL);
            put_surface(&o, &s, st);
            bl_surface_release(&s);
        }
        free(ax[0].values);
        free(ax[1].values);
    }
    /* a grid where inner solves stop short (maxit 3): resid, converged */
    bl_inner_conf three = ic;
    three.maxit = 3;
    bl_axis a1 = axis(0, -2, 2, 7);
    bl_surface s;
    int st = bl_surface_compute(&s, P, S->omega, S->theta, &three, &a1, 1, sp, 1, 0, 0, 1,
                                NULL, NULL, NULL, NULL);
    put_surface(&o, &s, st);
    bl_surface_release(&s);
    free(a1.values);
    /* compare over a budget, with the exact baseline row */
    bl_spec bs[3];
    bl_spec_parse("cg", &bs[0], NULL);
    bl_spec_parse("exact", &bs[1], NULL);
    bl_spec_parse("neumann", &bs[2], NULL);
    double ks[] = {1, 2, 3, 5, 8, 13, 21};
    bl_budget b;
    st = bl_budget_compute(&b, P, S->omega, S->theta, &ic, bs, 3, "k", ks, 7, 0, 0, 2, NULL,
                           NULL, NULL, NULL);
    put(&o, &st, sizeof st);
    if (st == BL_OK) {
        size_t n = 21;
        put(&o, b.rel_err, n * sizeof(double));
        put(&o, b.cosine, n * sizeof(double));
        put(&o, b.hvp, n * sizeof *b.hvp);
        put(&o, b.done, n);
        put(&o, b.converged, n);
        size_t c[] = {b.ndone, b.nunconv, b.tally.solves, b.tally.failures};
        put(&o, c, sizeof c);
        put(&o, &b.worst, sizeof b.worst);
        bl_budget_release(&b);
    }
    /* the stochastic compare over seeds */
    bl_execute_line(S, "problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 "
                       "seed=3");
    const char *texts[] = {"soba:batch_size=16", "saba:batch_size=16,step_size=0.3"};
    bl_sopt_spec ss[2];
    bl_err e = {0};
    for (int k = 0; k < 2; k++) bl_sopt_parse(texts[k], &ss[k], &e);
    bl_sopt_conf conf = {.sampler = BL_SAMPLER_BATCHES, .seed = 11};
    const double cp[] = {5, 50, 500};
    size_t ns = 4, nr = 2 * ns, n = nr * 3;
    double *g = calloc(n, sizeof *g), *F = calloc(n, sizeof *F), *gap = calloc(n, sizeof *gap);
    int stat[8];
    size_t steps[8];
    st = bl_sopt_compare_runs(ss, 2, &conf, ns, S->P, S->theta, S->omega, BL_SBUDGET_CALLS, cp, 3,
                              2, g, F, gap, stat, steps, NULL, NULL, NULL, &e);
    put(&o, &st, sizeof st);
    put(&o, g, n * sizeof *g);
    put(&o, F, n * sizeof *F);
    put(&o, gap, n * sizeof *gap);
    put(&o, stat, sizeof stat);
    put(&o, steps, sizeof steps);
    free(g);
    free(F);
    free(gap);
    return o;
}

int main(void)
{
    bl_init();
    static bl_cancel_t cancel;
    FILE *null = fopen("/dev/null", "w");
    /* every run in a child: OpenMP's threads do not survive a fork, so the
     * parent never starts them */
    out one = {malloc(SLOT), 0};
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        tap_ok(0, "shared memory for the ranks");
        return 1;
    }
    pid_t p0 = fork();
    if (p0 == 0) {
        bl_session *S = bl_session_new(null, null, &cancel);
        out o = run_cases(S);
        size_t m = o.n < SLOT - sizeof m ? o.n : 0;
        memcpy(sh->slot[0], &m, sizeof m);
        memcpy(sh->slot[0] + sizeof m, o.b, m);
        free(o.b);              /* everything the child holds (valgrind checks it) */
        free(one.b);
        bl_session_free(S);
        _exit(0);
    }
    int ws0 = 0;
    waitpid(p0, &ws0, 0);
    memcpy(&one.n, sh->slot[0], sizeof one.n);
    memcpy(one.b, sh->slot[0] + sizeof one.n, one.n);
    tap_ok(WIFEXITED(ws0) && one.n > 0, "one process: %zu bytes of results", one.n);
    unsigned char *res = mmap(NULL, MAXNP * (one.n ? one.n : 1), PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (res == MAP_FAILED || one.n == 0) {
        tap_ok(0, "shared memory for the ranks");
        return 1;
    }
    const int sizes[] = {2, 3, 5};
    for (int c = 0; c < 3; c++) {
        np = sizes[c];
        pthread_barrierattr_t ba;
        pthread_barrierattr_init(&ba);
        pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
        pthread_barrier_init(&sh->bar, &ba, (unsigned)np);
        memset(res, 0xA5, MAXNP * one.n);
        pid_t pid[MAXNP];
        for (int r = 0; r < np; r++) {
            pid[r] = fork();
            if (pid[r] == 0) {
                static int rank;
                rank = r;
                alarm(600);     /* a rank left waiting in the barrier fails, not hangs */
                bl_dist d = {r, np, fake_bor, &rank};
                bl_dist_set(&d);
                bl_session *T = bl_session_new(null, null, &cancel);
                out o = run_cases(T);
                int same = o.n == one.n;
                if (same) memcpy(res + (size_t)r * one.n, o.b, o.n);
                free(o.b);
                free(one.b);
                bl_session_free(T);
                _exit(same ? 0 : 3);
            }
        }
        int allok = 1;
        for (int r = 0; r < np; r++) {
            int ws = 0;
            waitpid(pid[r], &ws, 0);
            allok &= WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
        }
        tap_ok(allok, "%d ranks: every rank ran every case", np);
        for (int r = 0; r < np; r++)
            tap_ok(memcmp(res + (size_t)r * one.n, one.b, one.n) == 0,
                   "%d ranks: rank %d has the one-process surfaces, budget table and "
                   "stochastic runs bit for bit", np, r);
        pthread_barrier_destroy(&sh->bar);
    }
    free(one.b);
    fclose(null);
    tap_plan(tap_n);
    return tap_failed != 0;
}
