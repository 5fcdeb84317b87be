/* fuzz_expr.c: the expression parser and tape (src/core/expr.c) under
 * arbitrary input.
 *
 * Built two ways (doc/expressions.md, "Fuzzing"):
 *   - with clang -fsanitize=fuzzer,address,undefined: a libFuzzer target
 *     (configure finds such a compiler; make check runs it briefly);
 *   - with -DBL_FUZZ_STANDALONE and any compiler: a program that replays
 *     the files named on its command line, then runs a fixed-seed mutation
 *     loop over built-in seeds, so that every build fuzzes a little.
 *
 * Each input is compiled twice (with and without data); an expression that
 * compiles is evaluated, checked, differentiated and pushed through a
 * second-order sweep.  Properties beyond "no crash, no sanitizer report":
 * a refused expression has a negative status and a message with a column
 * and a caret line; an accepted one has a finite tape size and its checked
 * value equals its plain value. */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static bl_dataset *ds;

/* A small fixed data set: n = 4 training rows, m = 3 validation rows,
 * p = 3 features (the dimension of θ below). */
static void setup(void)
{
    ds = calloc(1, sizeof *ds);
    if (!ds) abort();
    ds->X = gsl_matrix_alloc(4, 3);
    ds->y = gsl_vector_alloc(4);
    ds->Xv = gsl_matrix_alloc(3, 3);
    ds->yv = gsl_vector_alloc(3);
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < 3; j++) gsl_matrix_set(ds->X, i, j, sin((double)(3 * i + j)));
        gsl_vector_set(ds->y, i, i % 2 ? 1.0 : -1.0);
    }
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 3; j++) gsl_matrix_set(ds->Xv, i, j, cos((double)(3 * i + j)));
        gsl_vector_set(ds->yv, i, i % 2 ? -1.0 : 1.0);
    }
}

static void teardown(void)
{
    if (!ds) return;
    gsl_matrix_free(ds->X);
    gsl_vector_free(ds->y);
    gsl_matrix_free(ds->Xv);
    gsl_vector_free(ds->yv);
    free(ds);
    ds = NULL;
}

static void one(const char *text, const bl_dataset *data)
{
    static const bl_expr_param params[2] = {{"a", 0.5}, {"lam", 2.0}};
    bl_expr_env env = {3, 2, data, params, 2};
    bl_expr *x = NULL;
    bl_err e = {0, ""};
    int st = bl_expr_compile(text, &env, "inner", &x, &e);
    if (st != BL_OK) {
        if (x || st > 0 || e.code == 0 || !e.msg[0]) abort();
        /* syntax, name and domain errors point at their place */
        if (st == BL_EINVAL && !strstr(e.msg, "(column ") && !strstr(e.msg, "dimensions"))
            abort();
        return;
    }
    if (!x || bl_expr_nodes(x) < 3) abort();
    gsl_vector *th = gsl_vector_alloc(3), *om = gsl_vector_alloc(2);
    gsl_vector *gt = gsl_vector_alloc(3), *go = gsl_vector_alloc(2);
    gsl_vector *ht = gsl_vector_alloc(3), *ho = gsl_vector_alloc(2);
    gsl_vector_set(th, 0, 0.3);
    gsl_vector_set(th, 1, -1.2);
    gsl_vector_set(th, 2, 2.0);
    gsl_vector_set(om, 0, 0.7);
    gsl_vector_set(om, 1, -0.4);
    double v1 = bl_expr_value(x, th, om), v2 = 0;
    bl_err de = {0, ""};
    int cs = bl_expr_check(x, th, om, "at the fuzz point", &v2, &de);
    /* the same tape gives the same number twice; NaN only with an error */
    if (!(v1 == v2 || (isnan(v1) && isnan(v2)))) abort();
    if (cs == BL_OK && !isfinite(v1)) abort();
    bl_expr_grad(x, th, om, gt, go);
    bl_expr_hess_dir(x, th, om, gt, go, ht, ho);
    bl_expr_hess_dir(x, th, om, NULL, go, ht, NULL);
    bl_expr_free(x);
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(gt);
    gsl_vector_free(go);
    gsl_vector_free(ht);
    gsl_vector_free(ho);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ds) setup();
    if (size > 8192) return 0;
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    one(s, ds);
    one(s, NULL);
    free(s);
    return 0;
}

#ifdef BL_FUZZ_STANDALONE
/* ---- a small mutation loop for builds without libFuzzer ---- */

static uint64_t rs = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static const char *const seeds[] = {
    "0.5*(theta[0]-omega[0])^2 + 0.5*theta[1]^2 + 0.1*theta[0]^4",
    "mean((X*theta - y)^2)/2 + exp(omega[0])/2*sumsq(theta)",
    "mean(softplus(-y*(X*theta))) + lam/2*norm2(theta)",
    "0.25*(θ[0]^2 - 1)^2 - ω[0]*θ[0]",
    "dot(sin(theta), theta*omega[1]) + sum(max(theta, a))^2 - log1p(abs(omega[0])^3)",
    "pow(1 + sigmoid(theta[2]), 1.7) ** -tanh(omega[0]) / (2 + cos(sqrt(1 + theta[1]^2)))",
    "-2*Xv/3*theta", "sum(log(theta)) + min(1, 2)", "((theta[0]))[0]",
};
#define NSEEDS (sizeof seeds / sizeof seeds[0])

static const char *const pieces[] = {
    "(", ")", "[", "]", ",", "+", "-", "*", "/", "^", "**", "0", "1", "2.5", "1e308",
    "1e-320", ".", "e", "theta", "omega", "X", "Xv", "y", "yv", "pi", "a", "lam", "exp(",
    "log(", "sqrt(", "sum(", "dot(", "norm2(", "sumsq(", "mean(", "min(", "max(", "pow(", "θ", "ω",
    "\xce", "\xff", " ", "\t", "[0]", "[1]", "[2]", "[99999999999]", "-1", "0^-1",
};
#define NPIECES (sizeof pieces / sizeof pieces[0])

static size_t mutate(char *buf, size_t len, size_t cap)
{
    int kind = (int)(rnd() % 5);
    size_t at = len ? (size_t)(rnd() % (len + 1)) : 0;
    if (kind == 0 && len > 0) {                         /* delete a span */
        size_t n = 1 + (size_t)(rnd() % 8);
        if (at + n > len) n = len - at;
        memmove(buf + at, buf + at + n, len - at - n);
        return len - n;
    }
    if (kind == 1 && len > 0 && at < len) {             /* flip a byte */
        buf[at] = (char)(rnd() & 0xFF);
        if (!buf[at]) buf[at] = ' ';
        return len;
    }
    const char *ins;
    char tmp[64];
    if (kind == 2 && len > 0) {                         /* duplicate a span */
        size_t from = (size_t)(rnd() % len), n = 1 + (size_t)(rnd() % 16);
        if (from + n > len) n = len - from;
        memcpy(tmp, buf + from, n);
        tmp[n] = '\0';
        ins = tmp;
    } else if (kind == 3) {                             /* a piece of another seed */
        const char *s = seeds[rnd() % NSEEDS];
        size_t sl = strlen(s), from = (size_t)(rnd() % sl), n = 1 + (size_t)(rnd() % 20);
        if (from + n > sl) n = sl - from;
        memcpy(tmp, s + from, n);
        tmp[n] = '\0';
        ins = tmp;
    } else {
        ins = pieces[rnd() % NPIECES];
    }
    size_t n = strlen(ins);
    if (len + n >= cap) return len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, ins, n);
    return len + n;
}

int main(int argc, char **argv)
{
    long iters = 20000;
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "-runs=", 6)) {
            iters = strtol(argv[i] + 6, NULL, 10);
            continue;
        }
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            fprintf(stderr, "fuzz_expr: cannot open %s\n", argv[i]);
            return 2;
        }
        static uint8_t buf[8193];
        size_t n = fread(buf, 1, 8192, f);
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        files++;
    }
    static char buf[4096];
    for (long it = 0; it < iters; it++) {
        const char *s = seeds[rnd() % NSEEDS];
        size_t len = strlen(s);
        memcpy(buf, s, len);
        int k = 1 + (int)(rnd() % 6);
        for (int m = 0; m < k; m++) len = mutate(buf, len, sizeof buf - 1);
        LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    }
    printf("fuzz_expr: %d files and %ld mutated inputs, no failure\n", files, iters);
    teardown();
    return 0;
}
#endif
