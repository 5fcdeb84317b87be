/* test_compare_stoch.c: issue 16, compare of stochastic outer algorithms
 * over a budget and seeds.  The quantiles against GSL's (sorted data,
 * the same linear interpolation, computed apart); a run over a budget
 * against the same algorithm stepped by hand (bl_sopt_step, what `step
 * outer` calls) from the same state, bit for bit; the runs on 1 and 2
 * threads bit for bit; and the grid's best per algorithm (through the
 * command) against a loop written here over the same combinations. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "tap.h"
#include "command.h"
#include "session.h"
#include "stoch.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* the median written here: the middle of the sorted values, or the mean
 * of the two middle ones */
static double median(const double *x, size_t n)
{
    double *s = malloc(n * sizeof *s);
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

static void test_quantiles(void)
{
    double x[37], w[37], sorted[37];
    unsigned long r = 12345;
    for (size_t n = 1; n <= 37; n += 6) {
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005UL + 1442695040888963407UL;
            x[i] = (double)(r >> 11) / 9007199254740992.0 * 10 - 3;
        }
        memcpy(sorted, x, n * sizeof *x);
        gsl_sort(sorted, 1, n);
        int good = 1;
        for (double q = 0; q <= 1.0001; q += 0.05) {
            double a = bl_quantile(x, n, fmin(q, 1), w);
            double b = gsl_stats_quantile_from_sorted_data(sorted, 1, n, fmin(q, 1));
            if (fabs(a - b) > 1e-14 * (1 + fabs(b))) {
                good = 0;
                tap_diag("n = %zu q = %g: %.17g vs %.17g", n, q, a, b);
            }
        }
        tap_ok(good, "bl_quantile equals GSL's quantile from sorted data, n = %zu, q = 0..1", n);
        tap_ok(bl_quantile(x, n, 0.5, w) == median(x, n), "the median (n = %zu) is the middle "
               "of the sorted values, as computed here", n);
    }
    double y[5] = {3, NAN, 1, 2, NAN};
    tap_ok(bl_quantile(y, 5, 0.5, w) == 2 && bl_quantile(y, 5, 0.1, w) == 1.2,
           "NaNs are left out (median of 1, 2, 3 is 2; q10 is 1.2)");
    double z[4] = {1, INFINITY, 2, INFINITY};
    tap_ok(bl_quantile(z, 4, 0.5, w) == INFINITY && bl_quantile(z, 4, 0.1, w) == 1.3,
           "+∞ (a diverged run) counts as the largest value");
    double none[2] = {NAN, NAN};
    tap_ok(isnan(bl_quantile(none, 2, 0.5, w)), "all NaN: NaN");
}

static bl_problem *quadsum(bl_session *S)
{
    int st = bl_execute_line(S, "problem use quadsum n_inner=64 n_outer=48 dim_inner=4 "
                             "dim_outer=2 seed=3");
    return st == BL_OK ? S->P : NULL;
}

/* A run over a budget against stepping by hand from the same state: at
 * checkpoint c, ‖∇F‖ at the last ω whose oracle count is ≤ c. */
static void test_by_hand(bl_problem *P, cvec *th0, cvec *om0, const char *text)
{
    bl_sopt_spec spec;
    bl_err e = {0};
    if (bl_sopt_parse(text, &spec, &e)) {
        tap_ok(0, "%s parses: %s", text, e.msg);
        return;
    }
    bl_sopt_conf conf = {.sampler = BL_SAMPLER_BATCHES, .seed = 7};
    const double cp[] = {1, 10, 37, 100, 250, 600, 1000};
    size_t ncp = sizeof cp / sizeof *cp, steps = 0;
    double gn[7], F[7], gap[7];
    int st = bl_sopt_budget_run(&spec, &conf, P, th0, om0, BL_SBUDGET_CALLS, cp, ncp, gn, F,
                                gap, &steps, NULL, NULL, NULL, NULL, &e);
    tap_ok(st == BL_OK, "%s: a run over 1000 calls (%s)", text, e.msg);
    /* by hand */
    bl_sopt *o = bl_sopt_alloc(&spec, &conf, P, th0, om0, &e);
    gsl_vector *g = gsl_vector_alloc(P->d), *ts = gsl_vector_alloc(P->p);
    gsl_vector *prev = gsl_vector_alloc(P->d);
    double want[7], wantF[7];
    size_t j = 0;
    gsl_vector_memcpy(prev, om0);
    while (j < ncp && bl_sopt_step(o, &e) == BL_OK) {
        while (j < ncp && (double)o->oracles > cp[j]) {
            P->type->hypergrad(P, prev, g);
            P->type->theta_star(P, prev, ts);
            want[j] = gsl_blas_dnrm2(g);
            wantF[j] = P->type->L(P, ts, prev);
            j++;
        }
        gsl_vector_memcpy(prev, o->x);
    }
    int same = j == ncp && o->t == steps;
    for (size_t k = 0; k < ncp && same; k++) same = want[k] == gn[k] && wantF[k] == F[k];
    tap_ok(same, "%s: ‖∇F‖ and F at every checkpoint equal the iterates of %zu steps by hand, "
           "bit for bit (last: %.17g vs %.17g)", text, steps, gn[ncp - 1], want[ncp - 1]);
    double Fstar = NAN;
    P->type->mb->optimum(P, NULL, &Fstar);
    tap_ok(gap[ncp - 1] == F[ncp - 1] - Fstar, "%s: the gap is F − F*", text);
    gsl_vector_free(g);
    gsl_vector_free(ts);
    gsl_vector_free(prev);
    bl_sopt_free(o);
}

static void test_threads(bl_problem *P, cvec *th0, cvec *om0)
{
    const char *texts[] = {"soba:batch_size=16", "saba:batch_size=16,step_size=0.3",
                           "amigo:batch_size=8", "f2sa:batch_size=16"};
    bl_sopt_spec sp[4];
    bl_err e = {0};
    for (int k = 0; k < 4; k++) bl_sopt_parse(texts[k], &sp[k], &e);
    bl_sopt_conf conf = {.sampler = BL_SAMPLER_BATCHES, .seed = 11};
    const double cp[] = {5, 50, 500, 2000};
    size_t ns = 5, n = 4 * ns * 4;
    double *a[3], *b[3];
    for (int i = 0; i < 3; i++) {
        a[i] = malloc(n * sizeof(double));
        b[i] = malloc(n * sizeof(double));
    }
    int sa[20], sb[20];
    size_t ta[20], tb[20];
    int st1 = bl_sopt_compare_runs(sp, 4, &conf, ns, P, th0, om0, BL_SBUDGET_CALLS, cp, 4, 1,
                                   a[0], a[1], a[2], sa, ta, NULL, NULL, NULL, &e);
    int st2 = bl_sopt_compare_runs(sp, 4, &conf, ns, P, th0, om0, BL_SBUDGET_CALLS, cp, 4, 2,
                                   b[0], b[1], b[2], sb, tb, NULL, NULL, NULL, &e);
    int same = st1 == BL_OK && st2 == BL_OK;
    for (int i = 0; i < 3 && same; i++) same = !memcmp(a[i], b[i], n * sizeof(double));
    same = same && !memcmp(sa, sb, sizeof sa) && !memcmp(ta, tb, sizeof ta);
    tap_ok(same, "4 algorithms × 5 seeds on 1 and 2 threads: the same numbers bit for bit");
    /* run (q, s) is seed conf.seed + s: the same as a run of its own */
    double gn[4], F[4], gap[4];
    bl_sopt_conf c3 = conf;
    c3.seed = conf.seed + 3;
    bl_sopt_budget_run(&sp[2], &c3, P, th0, om0, BL_SBUDGET_CALLS, cp, 4, gn, F, gap, NULL,
                       NULL, NULL, NULL, NULL, &e);
    tap_ok(!memcmp(gn, a[0] + (2 * ns + 3) * 4, sizeof gn),
           "run (amigo, seed index 3) is amigo alone with seed + 3");
    int spread = 0;
    for (size_t s = 1; s < ns; s++) spread |= a[0][(0 * ns + s) * 4 + 3] != a[0][3];
    tap_ok(spread, "the seeds give different runs (soba's final ‖∇F‖ differs)");
    for (int i = 0; i < 3; i++) {
        free(a[i]);
        free(b[i]);
    }
}

/* The grid through the command, against a loop here over the same
 * combinations (step_size × outer_ratio), seeds 0..2, by the median of the
 * final ‖∇F‖. */
static void test_grid(bl_session *S, FILE *out)
{
    bl_problem *P = S->P;
    const double ss[] = {0.01, 0.1, 1}, rr[] = {0.1, 1, 10};
    const char *names[] = {"soba", "saba"};
    double best_s[2] = {0}, best_r[2] = {0};
    for (int a = 0; a < 2; a++) {
        double best = INFINITY;
        for (int j = 0; j < 3; j++)         /* outer_ratio varies slowest */
            for (int i = 0; i < 3; i++) {
                char text[128];
                snprintf(text, sizeof text, "%s:batch_size=16,step_size=%g,outer_ratio=%g",
                         names[a], ss[i], rr[j]);
                bl_sopt_spec sp;
                bl_err e = {0};
                bl_sopt_parse(text, &sp, &e);
                bl_sopt_conf conf = {.sampler = BL_SAMPLER_BATCHES, .seed = 0};
                double fin[3];
                for (int s = 0; s < 3; s++) {
                    double cp[1] = {2000}, gn, F, gap;
                    conf.seed = (unsigned long)s;
                    int st = bl_sopt_budget_run(&sp, &conf, P, S->theta, S->omega,
                                                BL_SBUDGET_CALLS, cp, 1, &gn, &F, &gap, NULL,
                                                NULL, NULL, NULL, NULL, &e);
                    fin[s] = st == BL_OK ? gn : INFINITY;
                }
                double m = median(fin, 3);
                if (m < best) {
                    best = m;
                    best_s[a] = ss[i];
                    best_r[a] = rr[j];
                }
            }
        tap_diag("%s: best step_size=%g outer_ratio=%g (median final ‖∇F‖ %.6g)", names[a],
                 best_s[a], best_r[a], best);
    }
    fflush(out);
    rewind(out);
    int st = bl_execute_line(S, "set format json");
    st = st ? st : bl_execute_line(S, "compare soba:batch_size=16,saba:batch_size=16 "
                                   "calls=2000 seeds=3 step_size=0.01:1:3:log "
                                   "outer_ratio=0.1:10:3:log");
    tap_ok(st == BL_OK, "compare with a 3 × 3 grid runs");
    fflush(out);
    long len = ftell(out);
    char *buf = calloc((size_t)len + 1, 1);
    rewind(out);
    size_t got = fread(buf, 1, (size_t)len, out);
    buf[got] = 0;
    char *line = strstr(buf, "\"cmd\":\"compare\"");
    if (!line) tap_diag("output: %.300s", buf);
    for (int a = 0; a < 2; a++) {
        char key[64];
        snprintf(key, sizeof key, "\"spec\":\"%s:", names[a]);
        char *at = line ? strstr(line, key) : NULL;
        bl_sopt_spec sp;
        bl_err e = {0};
        int ok = 0;
        if (at) {
            char text[256];
            at += 8;
            size_t k = 0;
            while (at[k] && at[k] != '"' && k < sizeof text - 1) { text[k] = at[k]; k++; }
            text[k] = 0;
            ok = bl_sopt_parse(text, &sp, &e) == BL_OK
                 && fabs(bl_sopt_par(&sp, "step_size") - best_s[a]) <= 1e-12 * best_s[a]
                 && fabs(bl_sopt_par(&sp, "outer_ratio") - best_r[a]) <= 1e-12 * best_r[a];
            tap_diag("the command kept %s", text);
        }
        tap_ok(ok, "%s: the grid's best is the loop's (step_size=%g, outer_ratio=%g)", names[a],
               best_s[a], best_r[a]);
    }
    tap_ok(line && strstr(line, "\"grid\":[") && strstr(line, "\"grad_norm_q90\":["),
           "the JSON has the grid and the bands");
    free(buf);
    /* the CSV: each row's median and 10-90% band against the seeds' values
     * in the same row, computed here */
    char path[] = "/tmp/test_compare_stochXXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "export compare %s", path);
    st = bl_execute_line(S, cmd);
    FILE *f = fd >= 0 ? fopen(path, "r") : NULL;
    char row[8192];
    size_t rows = 0, good = 0;
    while (f && fgets(row, sizeof row, f)) {
        if (!strncmp(row, "algorithm,", 10)) continue;
        char *p = strchr(row, '"');
        p = p ? strchr(p + 1, '"') : NULL;         /* past the quoted spec */
        if (!p) break;
        double v[16];
        size_t n = 0;
        for (char *t = p + 2; n < 16 && *t;) {
            char *end;
            v[n++] = strtod(t, &end);
            t = *end == ',' ? end + 1 : end;
            if (*end != ',') break;
        }
        rows++;
        /* budget, median, q10, q90, F median, gap median, 3 seeds */
        if (n != 9) continue;
        double sorted[3] = {v[6], v[7], v[8]};
        gsl_sort(sorted, 1, 3);
        /* GSL interpolates as (1 − δ)a + δb, bilab as a + δ(b − a): equal
         * to round-off */
        double q10 = gsl_stats_quantile_from_sorted_data(sorted, 1, 3, 0.1);
        double q90 = gsl_stats_quantile_from_sorted_data(sorted, 1, 3, 0.9);
        good += v[1] == median(v + 6, 3) && fabs(v[2] - q10) <= 1e-14 * fabs(q10)
                && fabs(v[3] - q90) <= 1e-14 * fabs(q90);
    }
    if (f) fclose(f);
    unlink(path);
    tap_ok(st == BL_OK && rows == 2 * 29 && good == rows,
           "export compare FILE.csv: %zu rows (2 algorithms × 29 checkpoints), %zu with the "
           "median and band of their seeds' values", rows, good);
}

/* tab completion: the algorithms first, then the budget keys and the
 * listed algorithms' parameters */
static void test_complete(bl_session *S)
{
    char w0[] = "compare", w1[] = "soba,stocbio";
    char *words[] = {w0, w1};
    int first = 0, calls = 0, seeds = 0, shia = 0, step = 0;
    const char *c;
    for (size_t i = 0; (c = bl_complete(S, words, 1, i)) != NULL && i < 1000; i++)
        if (i == 0) first = !strcmp(c, "soba");
    for (size_t i = 0; (c = bl_complete(S, words, 2, i)) != NULL && i < 1000; i++) {
        calls += !strcmp(c, "calls=");
        seeds += !strcmp(c, "seeds=");
        shia += !strcmp(c, "n_shia_steps=");
        step += !strcmp(c, "step_size=");
    }
    tap_ok(first && calls == 1 && seeds == 1 && shia == 1 && step == 1,
           "completion: soba first, then calls=, seeds= and the parameters once each");
}

int main(void)
{
    bl_init();
    static bl_cancel_t cancel;
    FILE *out = tmpfile(), *err = tmpfile();
    bl_session *S = out && err ? bl_session_new(out, err, &cancel) : NULL;
    if (!S) {
        printf("Bail out! no session\n");
        return 1;
    }
    S->batch = 1;
    test_quantiles();
    bl_problem *P = quadsum(S);
    tap_ok(P != NULL, "quadsum builds in a session");
    if (P) {
        const char *algs[] = {"soba:batch_size=16", "saba:batch_size=16,step_size=0.3",
                              "srba:batch_size=16", "amigo:batch_size=16",
                              "stocbio:batch_size=16,n_inner_steps=3",
                              "f2sa:batch_size=16", "bome"};
        for (int k = 0; k < 7; k++) test_by_hand(P, S->theta, S->omega, algs[k]);
        test_threads(P, S->theta, S->omega);
        test_grid(S, out);
    }
    test_complete(S);
    bl_session_free(S);
    return tap_done();
}
