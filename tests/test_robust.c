/* test_robust.c: the hardening of issue 12 below the command line: the
 * message sink and its escapes, limits typed as printed, the diagnosis of
 * a failed Cholesky solve, the blocked factorisations, and Ctrl-C and
 * progress in problem construction, the dense H and the spectrum. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "adjoint.h"
#include "args.h"
#include "catalogue.h"
#include "hypergrad.h"
#include "inner.h"
#include "linalg.h"
#include "output.h"
#include "problem.h"
#include "session.h"
#include "tap.h"

/* What F received, as a string (caller frees). */
static char *captured(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *s = calloc((size_t)n + 1, 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) s[0] = '\0';
    fclose(f);
    return s;
}

/* Writes a message of KIND through the one writer, bl_msg_write. */
static void write_msg(FILE *f, bl_msg_kind kind, const char *cmd, const char *text,
                      unsigned flags)
{
    bl_msg m = {.kind = kind, .cmd = cmd, .text = text, .flags = flags};
    bl_msg_write(f, &m);
}

static void test_escape(void)
{
    char b[128];
    tap_ok(!strcmp(bl_escape(b, sizeof b, "θ ∈ R^2, naïve"), "θ ∈ R^2, naïve"),
           "escape: UTF-8 text is kept ('%s')", b);
    tap_ok(!strcmp(bl_escape(b, sizeof b, "a\033[31mb\n"), "a\\x1b[31mb\\x0a"),
           "escape: ESC and newline become \\xNN ('%s')", b);
    tap_ok(!strcmp(bl_escape(b, sizeof b, "x\xff\xc3y"), "x\\xff\\xc3y"),
           "escape: bytes that are not UTF-8 ('%s')", b);
    tap_ok(!strcmp(bl_escape(b, sizeof b, "\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80"),
                   "\\xc0\\xaf|\\xed\\xa0\\x80|\\xf4\\x90\\x80\\x80"),
           "escape: overlong, surrogate and > U+10FFFF forms ('%s')", b);
    tap_ok(!strcmp(bl_escape(b, sizeof b, "a\xe2\x80\x8b" "b\xe2\x80\xae" "c\xc2\x9b"),
                   "a\\xe2\\x80\\x8bb\\xe2\\x80\\xaec\\xc2\\x9b"),
           "escape: zero-width space, right-to-left override, C1 CSI ('%s')", b);
    bl_escape(b, 12, "\x01\x02\x03\x04");
    tap_ok(!strcmp(b, "\\x01\\x02..."), "escape: cut with '...', never mid-escape... ('%s')", b);
    bl_escape(b, 9, "ééééé");
    tap_ok(!strcmp(b, "éé..."), "... nor mid-character ('%s')", b);

    FILE *f = tmpfile();
    write_msg(f, BL_MSG_ERROR, "set", "unknown setting 'a\nb\x7f'", 0);
    char *s = captured(f);
    tap_ok(s && !strcmp(s, "bilab: set: unknown setting 'a\\x0ab\\x7f'\n"),
           "message: one line, escaped ('%s')", s ? s : "");
    free(s);
    f = tmpfile();
    write_msg(f, BL_MSG_WARNING, "define", "inner: bad (column 3)\n  1 +\x1b x\n    ^~", 0);
    s = captured(f);
    tap_ok(s && !strcmp(s, "bilab: define: warning: inner: bad (column 3)\n  1 +\\x1b x\n    ^~\n"),
           "message: a caret display stays under the first line, escaped ('%s')", s ? s : "");
    free(s);
    f = tmpfile();
    write_msg(f, BL_MSG_ERROR, "x", "a\n  b\n  c", 0);      /* not a caret line */
    s = captured(f);
    tap_ok(s && !strcmp(s, "bilab: x: a\\x0a  b\\x0a  c\n"),
           "message: other newlines are escaped, even indented ones ('%s')", s ? s : "");
    free(s);
    /* the merged writers: notes (try, problem use's data) and the warning
     * of unconverged inner solves go through the same escapes */
    f = tmpfile();
    write_msg(f, BL_MSG_NOTE, "hypergrad", "cg: H is\nsingular \x1b[2J", BL_MSG_TRIED);
    s = captured(f);
    tap_ok(s && !strcmp(s, "note: hypergrad failed (try): cg: H is\\x0asingular \\x1b[2J\n"),
           "note under try: one line, escaped ('%s')", s ? s : "");
    free(s);
    f = tmpfile();
    write_msg(f, BL_MSG_NOTE, NULL, "loaded \x07" "breast_cancer", 0);
    s = captured(f);
    tap_ok(s && !strcmp(s, "note: loaded \\x07breast_cancer\n"),
           "note without a command: escaped ('%s')", s ? s : "");
    free(s);
    f = tmpfile();
    FILE *out = tmpfile();
    bl_cancel_t cancel = 0;
    bl_session *S = f && out ? bl_session_new(out, f, &cancel) : NULL;
    if (S) bl_warn_inner(S, "surface", 2, 5, "points' inner solves", 0.5, "r", 1e-10,
                         "inner.maxit = 3", "; tail\n\x1b[31m");
    bl_session_free(S);
    if (out) fclose(out);
    s = captured(f);
    tap_ok(s && !strcmp(s, "bilab: surface: warning: 2 of 5 points' inner solves stopped "
                           "short of inner.tol = 1e-10 (worst r = 0.5, inner.maxit = 3); "
                           "tail\\x0a\\x1b[31m\n"),
           "bl_warn_inner writes through the sink: one line, escaped ('%s')", s ? s : "");
    free(s);
    f = tmpfile();
    bl_json_write_string(f, "a\xff" "b\x01" "é");
    s = captured(f);
    tap_ok(s && !strcmp(s, "\"a\\\\xffb\\u0001é\""), "JSON: a bad byte as the text \\\\xff (%s)",
           s ? s : "");
    free(s);
}

static void test_limits(void)
{
    char b[32];
    long v = 0;
    bl_err e = {0, ""};
    tap_ok(!strcmp(bl_fmt_limit(b, sizeof b, 1e8), "1e8"), "limit: 1e8 (%s)", b);
    tap_ok(!strcmp(bl_fmt_limit(b, sizeof b, 4294967295.0), "4294967295"), "limit: 2^32 - 1 (%s)", b);
    tap_ok(!strcmp(bl_fmt_limit(b, sizeof b, 100000), "100000"), "limit: 100000 (%s)", b);
    tap_ok(!strcmp(bl_fmt_limit(b, sizeof b, 2.5e-5), "2.5e-5"), "limit: 2.5e-5 (%s)", b);
    tap_ok(!strcmp(bl_fmt_limit(b, sizeof b, -INFINITY), "-inf"), "limit: -inf (%s)", b);
    tap_ok(bl_parse_long("1e8", "n", 1, 100000000, &v, &e) == BL_OK && v == 100000000,
           "an integer typed as 1e8 is read");
    tap_ok(bl_parse_long("2.0", "n", 1, 10, &v, &e) == BL_OK && v == 2, "... and as 2.0");
    tap_ok(bl_parse_long("2.5", "n", 1, 10, &v, &e) == BL_EINVAL && strstr(e.msg, "not an integer"),
           "2.5 is not an integer");
    tap_ok(bl_parse_long("1e30", "n", 1, 10, &v, &e) == BL_EINVAL
           && !strcmp(e.msg, "n=1e30 is out of range [1, 10]"), "1e30: '%s'", e.msg);
    tap_ok(bl_parse_long("2e8", "inner.maxit", 1, 100000000, &v, &e) == BL_EINVAL
           && !strcmp(e.msg, "inner.maxit=2e8 is out of range [1, 1e8]"), "'%s'", e.msg);
    bl_range r;
    tap_ok(bl_parse_range("0:1:100000", "omega", &r, &e) == BL_OK && r.n == 100000,
           "a range of BL_RANGE_MAXN points");
    tap_ok(bl_parse_range("0:1:100001", "omega", &r, &e) == BL_EINVAL
           && strstr(e.msg, "from 1 to 100000"), "one more is refused: '%s'", e.msg);
    tap_ok(bl_parse_range("0:1:1e3", "omega", &r, &e) == BL_OK && r.n == 1000, "n typed 1e3");
    tap_ok(bl_parse_range("-1:inf:3", "omega", &r, &e) == BL_EINVAL, "an infinite end is refused");
}

/* A symmetric matrix Q diag(λ) Qᵀ with a fixed random orthogonal Q. */
static gsl_matrix *sym_with(const double *lam, size_t p)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_matrix *Z = gsl_matrix_alloc(p, p), *H = gsl_matrix_calloc(p, p);
    gsl_vector *tau = gsl_vector_alloc(p);
    for (size_t i = 0; i < p * p; i++) Z->data[i] = gsl_ran_gaussian(r, 1);
    gsl_linalg_QR_decomp(Z, tau);
    gsl_matrix *Q = gsl_matrix_alloc(p, p), *R = gsl_matrix_alloc(p, p);
    gsl_linalg_QR_unpack(Z, tau, Q, R);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) {
            double s = 0;
            for (size_t k = 0; k < p; k++)
                s += gsl_matrix_get(Q, i, k) * lam[k] * gsl_matrix_get(Q, j, k);
            gsl_matrix_set(H, i, j, s);
        }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < i; j++) gsl_matrix_set(H, i, j, gsl_matrix_get(H, j, i));
    gsl_matrix_free(Z);
    gsl_matrix_free(Q);
    gsl_matrix_free(R);
    gsl_vector_free(tau);
    gsl_rng_free(r);
    return H;
}

static void test_chol_diag(void)
{
    const size_t p = 6;
    double lam[6] = {1, 2, 3, 4, 5, 6};
    gsl_vector *b = gsl_vector_alloc(p), *x = gsl_vector_alloc(p);
    gsl_vector_set_all(b, 1);
    bl_chol_diag d;
    char why[400];

    gsl_matrix *H = sym_with(lam, p);
    tap_ok(bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL) == BL_OK && d.why == BL_CHOL_OK,
           "diag: a positive definite H solves");
    gsl_vector_set(b, 2, NAN);
    int st = bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL);
    tap_ok(st == BL_EDIVERGE && d.why == BL_CHOL_B_NONFINITE && isnan(d.lmin),
           "diag: a NaN right-hand side is named as such, no eigenvalue: %s",
           bl_chol_explain(&d, why, sizeof why));
    gsl_vector_set(b, 2, 1);
    gsl_matrix_set(H, 1, 3, INFINITY);
    st = bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL);
    tap_ok(st == BL_EDIVERGE && d.why == BL_CHOL_H_NONFINITE, "diag: %s",
           bl_chol_explain(&d, why, sizeof why));
    gsl_matrix_free(H);

    double ind[6] = {-2, 1, 2, 3, 4, 5};
    H = sym_with(ind, p);
    st = bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL);
    tap_ok(st == BL_ENOTPD && d.why == BL_CHOL_INDEFINITE && fabs(d.lmin + 2) < 1e-12
           && fabs(d.lmax - 5) < 1e-12, "diag: %s", bl_chol_explain(&d, why, sizeof why));
    gsl_matrix_free(H);

    double sing[6] = {0, 1, 2, 3, 4, 5};
    H = sym_with(sing, p);
    st = bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL);
    tap_ok(st == BL_ENOTPD && d.why == BL_CHOL_SINGULAR && fabs(d.lmin) < 1e-13,
           "diag: %s", bl_chol_explain(&d, why, sizeof why));
    gsl_matrix_free(H);

    /* κ = 1e12 is ill-conditioned, not singular: it solves */
    double ill[6] = {1, 10, 1e4, 1e8, 1e10, 1e12};
    H = sym_with(ill, p);
    st = bl_chol_solve_diag(H, b, x, &d, NULL, NULL, NULL);
    tap_ok(st == BL_OK, "diag: κ = 1e12 factors");
    tap_ok(bl_spectrum_class(1, 1e12, 20) == BL_CHOL_OK
           && bl_spectrum_class(0.999999, 1e12, 20) == BL_CHOL_OK,
           "class: λ ∈ [0.999999, 1e12] is positive definite (it was called singular)");
    tap_ok(bl_spectrum_class(1e-17, 1, 20) == BL_CHOL_SINGULAR
           && bl_spectrum_class(-1e-17, 1, 20) == BL_CHOL_SINGULAR
           && bl_spectrum_class(-1e-3, 1, 20) == BL_CHOL_INDEFINITE
           && bl_spectrum_class(NAN, 1, 20) == BL_CHOL_H_NONFINITE,
           "class: round-off zero, negative, NaN");
    gsl_matrix_free(H);
    gsl_vector_free(b);
    gsl_vector_free(x);
}

typedef struct counter {
    int calls;
    double last_done, last_total;
    bl_cancel_t *flag;
    int cancel_at;              /* set *flag on this call (0: never) */
} counter;

static void count_busy(void *arg, const char *what, double done, double total)
{
    counter *c = arg;
    (void)what;
    c->calls++;
    c->last_done = done;
    c->last_total = total;
    if (c->cancel_at && c->calls == c->cancel_at) *c->flag = 1;
}

static void test_blocked_chol(void)
{
    const size_t p = 1100;         /* above the order where the factor goes by blocks */
    double *lam = malloc(p * sizeof *lam);
    for (size_t i = 0; i < p; i++) lam[i] = 1 + (double)i / 10;
    gsl_matrix *H = gsl_matrix_alloc(p, p), *A = gsl_matrix_alloc(p, p);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    /* H = MᵀM/p + I: positive definite, cheap to form */
    gsl_matrix *M = gsl_matrix_alloc(p, p);
    for (size_t i = 0; i < p * p; i++) M->data[i] = gsl_ran_gaussian(r, 1);
    gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0 / (double)p, M, M, 0.0, H);
    for (size_t i = 0; i < p; i++) gsl_matrix_set(H, i, i, gsl_matrix_get(H, i, i) + 1);
    gsl_matrix_memcpy(A, H);
    counter c = {0};
    bl_cancel_t flag = 0;
    int st = bl_chol_factor(A, &flag, count_busy, &c);
    /* L Lᵀ = H, against H itself */
    double worst = 0;
    for (size_t i = 0; i < p; i += 37)
        for (size_t j = 0; j <= i; j += 13) {
            double s = 0;
            for (size_t k = 0; k <= j; k++) s += gsl_matrix_get(A, i, k) * gsl_matrix_get(A, j, k);
            worst = fmax(worst, fabs(s - gsl_matrix_get(H, i, j)));
        }
    tap_ok(st == BL_OK && worst < 1e-10, "blocked Cholesky: L Lᵀ = H to %.2g", worst);
    tap_ok(c.calls > 1 && c.last_done == c.last_total, "... telling its progress (%d calls)",
           c.calls);
    gsl_matrix_memcpy(A, H);
    counter c2 = {0, 0, 0, &flag, 2};
    st = bl_chol_factor(A, &flag, count_busy, &c2);
    tap_ok(st == BL_EINTR && c2.calls == 2, "... and stopping at Ctrl-C between blocks");
    flag = 0;
    gsl_matrix_memcpy(A, H);
    gsl_matrix_set(A, 700, 700, -5);
    tap_ok(bl_chol_factor(A, NULL, NULL, NULL) == BL_ENOTPD, "... and failing on a bad pivot");
    gsl_matrix_free(M);
    gsl_matrix_free(H);
    gsl_matrix_free(A);
    gsl_rng_free(r);
    free(lam);
}

/* quadratic at p above the blocked order has the A of the catalogue: Q from
 * GSL's QR of the same draws (signs fixed), A = Q diag(λ) Qᵀ. */
static void test_quadratic_blocked(void)
{
    const size_t p = 1100, d = 2;
    double par[5] = {(double)p, (double)d, 50, 0.1, 3};
    bl_err e = {0, ""};
    counter c = {0};
    bl_problem_ctl ctl = {NULL, count_busy, &c, 0};
    bl_problem *P = bl_problem_alloc_ctl(&bl_problem_quadratic, par, NULL, NULL, &ctl, &e);
    tap_ok(P != NULL && c.calls > 1, "quadratic p=1100 builds, telling its progress (%d calls)",
           c.calls);
    if (!P) return;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    gsl_matrix *Z = gsl_matrix_alloc(p, p), *Q = gsl_matrix_alloc(p, p), *R = gsl_matrix_alloc(p, p);
    gsl_vector *tau = gsl_vector_alloc(p);
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) gsl_matrix_set(Z, i, j, gsl_ran_gaussian(r, 1.0));
    gsl_linalg_QR_decomp(Z, tau);                     /* unblocked Householder */
    gsl_linalg_QR_unpack(Z, tau, Q, R);
    for (size_t j = 0; j < p; j++)
        if (gsl_matrix_get(R, j, j) < 0) {
            gsl_vector_view col = gsl_matrix_column(Q, j);
            gsl_vector_scale(&col.vector, -1);
        }
    gsl_matrix *H = gsl_matrix_alloc(p, p);
    bl_problem_hessian(P, NULL, NULL, H);
    /* H e_j against Q diag(λ) Qᵀ e_j for a few columns */
    double worst = 0;
    for (size_t j = 0; j < p; j += 97)
        for (size_t i = 0; i < p; i++) {
            double s = 0;
            for (size_t k = 0; k < p; k++)
                s += gsl_matrix_get(Q, i, k) * pow(50, (double)k / (double)(p - 1))
                     * gsl_matrix_get(Q, j, k);
            worst = fmax(worst, fabs(s - gsl_matrix_get(H, i, j)));
        }
    tap_ok(worst < 1e-9, "quadratic p=1100: A = Q diag(λ) Qᵀ with GSL's own QR, to %.2g", worst);
    gsl_matrix_free(Z);
    gsl_matrix_free(Q);
    gsl_matrix_free(R);
    gsl_matrix_free(H);
    gsl_vector_free(tau);
    gsl_rng_free(r);
    bl_problem_free(P);
}

static void test_cancel(void)
{
    bl_cancel_t flag = 0;
    bl_err e = {0, ""};
    counter c = {0, 0, 0, &flag, 3};
    bl_problem_ctl ctl = {&flag, count_busy, &c, 0};
    double qp[5] = {1500, 2, 100, 0.1, 0};
    bl_problem *P = bl_problem_alloc_ctl(&bl_problem_quadratic, qp, NULL, NULL, &ctl, &e);
    tap_ok(!P && e.code == BL_EINTR && c.calls >= 3, "quadratic p=1500 stops at Ctrl-C: '%s'",
           e.msg);
    flag = 0;
    counter h = {0, 0, 0, &flag, 2};
    bl_problem_ctl hctl = {&flag, count_busy, &h, 0};
    double hp[7] = {200, 100000, 1e-3, 1, 20, 0.01, 0};
    P = bl_problem_alloc_ctl(&bl_problem_heat, hp, NULL, NULL, &hctl, &e);
    tap_ok(!P && e.code == BL_EINTR, "heat nt=100000 stops at Ctrl-C: '%s'", e.msg);

    /* the instance keeps its flag: a dense H from products stops too */
    flag = 0;
    double qs[5] = {400, 2, 10, 0.1, 0};
    bl_problem_ctl qctl = {&flag, NULL, NULL, 0};
    P = bl_problem_alloc_ctl(&bl_problem_quadratic, qs, NULL, NULL, &qctl, &e);
    gsl_vector *th = gsl_vector_calloc(400), *om = gsl_vector_calloc(2);
    gsl_matrix *H = gsl_matrix_alloc(400, 400);
    bl_spectrum sp;
    if (P) {
        /* quadratic has its own dense H; the generic column-by-column one is
         * what problems without one use */
        int (*own)(bl_problem *, cvec *, cvec *, gsl_matrix *) = P->type->hessian;
        bl_problem_type T = *P->type;
        T.hessian = NULL;
        P->type = &T;
        flag = 1;
        tap_ok(bl_problem_hessian(P, th, om, H) == BL_EINTR, "a dense H column by column stops");
        tap_ok(bl_spectrum_compute(P, th, om, &sp, &e) == BL_EINTR && !strcmp(e.msg, "interrupted"),
               "so does the Lanczos spectrum");
        flag = 0;
        tap_ok(bl_problem_hessian(P, th, om, H) == BL_OK && gsl_matrix_get(H, 3, 3) > 0,
               "and runs when not cancelled");
        gsl_matrix *H2 = gsl_matrix_alloc(400, 400);
        own(P, th, om, H2);
        gsl_matrix_sub(H2, H);
        tap_ok(fabs(gsl_matrix_max(H2)) < 1e-12 && fabs(gsl_matrix_min(H2)) < 1e-12,
               "... to the problem's own H");
        gsl_matrix_free(H2);
        P->type = &bl_problem_quadratic;
        bl_problem *Q = bl_problem_clone(P);
        tap_ok(Q && Q->cancel == &flag && Q->busy == NULL, "a clone shares Ctrl-C, not progress");
        bl_problem_free(Q);
    }
    gsl_matrix_free(H);
    gsl_vector_free(th);
    gsl_vector_free(om);
    bl_problem_free(P);
}

static void test_exact_memory(void)
{
    bl_err e = {0, ""};
    double hp[7] = {20000, 50, 1e-3, 1, 20, 0.01, 0};
    bl_problem *P = bl_problem_alloc(&bl_problem_heat, hp, NULL, &e);
    if (!P) {
        tap_ok(0, "heat N=20000: %s", e.msg);
        return;
    }
    gsl_vector *th = gsl_vector_calloc(P->p), *om = gsl_vector_calloc(2);
    bl_problem_omega0(P, om);
    bl_inner_conf ic = {bl_inner_gd, 0, 1e-10, 100, 0};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic, .eta = 1, .mem_max = 2e9};
    bl_spec s;
    bl_spec_parse("exact", &s, NULL);
    bl_hg_result r = {0};
    r.grad = gsl_vector_alloc(2);
    double t0 = bl_clock();
    int st = bl_hypergrad(&s, &c, &r, &e);
    tap_ok(st == BL_ENOMEM && strstr(e.msg, "6.4 GB for p = 20000") && strstr(e.msg, "cg")
           && bl_clock() - t0 < 1, "exact is refused from its estimate, at once: '%s'", e.msg);
    gsl_vector_free(r.grad);
    gsl_vector_free(th);
    gsl_vector_free(om);
    bl_problem_free(P);

    bl_spec sp;
    tap_ok(bl_spec_parse("cg:k=5,tol=1e-3,k=6", &sp, &e) == BL_EINVAL
           && !strcmp(e.msg, "cg: k is given twice"), "a spec key given twice: '%s'", e.msg);
}

/* mem.max: the estimates against byte counts written here from the
 * allocations of each piece of work, the refusal and its message, and a
 * problem refused before its init runs. */
static void test_mem_estimates(void)
{
    char b[32];
    tap_ok(bl_mem_dense(3000, 4000) == 96e6, "a 3000 x 4000 matrix of doubles is 96e6 bytes");
    tap_ok(!strcmp(bl_fmt_bytes(b, sizeof b, 320e9), "320 GB")
           && !strcmp(bl_fmt_bytes(b, sizeof b, 2147483648.0), "2 GiB")
           && !strcmp(bl_fmt_bytes(b, sizeof b, 1.5e6), "1.5 MB")
           && !strcmp(bl_fmt_bytes(b, sizeof b, 512), "512 bytes"),
           "bytes are written 320 GB, 2 GiB, 1.5 MB, 512 bytes");
    bl_err e = {0};
    int st = bl_mem_check(320e9, 2147483648.0, "quadratic p=200000", "its dense H", &e);
    tap_ok(st == BL_ENOMEM && e.code == BL_ENOMEM
           && !strcmp(e.msg, "quadratic p=200000 needs 320 GB for its dense H, above mem.max "
                             "2 GiB (set mem.max to allow it)"),
           "over mem.max: BL_ENOMEM and one line: \"%s\"", e.msg);
    e = (bl_err){0};
    tap_ok(bl_mem_check(100, 100, "x", "y", &e) == BL_OK && !e.msg[0]
           && bl_mem_check(1e300, 0, "x", "y", &e) == BL_OK,
           "at mem.max exactly, and with no limit (0), nothing is refused");

    /* quadratic p=300 d=6: A, Q, Z, T, R (5 p×p), W (p×max(p, d)), B, M
     * (2 p×d): 8 (5·300² + 300·300 + 2·300·5) bytes */
    double par[5];
    for (size_t i = 0; i < bl_problem_quadratic.nparams; i++)
        par[i] = bl_problem_quadratic.params[i].def;
    par[0] = 300;
    par[1] = 6;
    double want = 8.0 * (5 * 300.0 * 300 + 300.0 * 300 + 2 * 300.0 * 6);
    double got = bl_problem_bytes(&bl_problem_quadratic, par, NULL);
    tap_ok(got == want, "quadratic p=300 d=6 needs %.17g bytes (counted: %.17g)", got, want);
    char label[128];
    bl_problem_label(&bl_problem_quadratic, par, label, sizeof label);
    tap_ok(!strcmp(label, "quadratic p=300 d=6"), "its label names what differs from the "
           "defaults: \"%s\"", label);
    /* refused before init: the limit one byte below the estimate */
    bl_problem_ctl ctl = {NULL, NULL, NULL, want - 1};
    e = (bl_err){0};
    bl_problem *P = bl_problem_alloc_ctl(&bl_problem_quadratic, par, NULL, NULL, &ctl, &e);
    tap_ok(!P && e.code == BL_ENOMEM && strstr(e.msg, "quadratic p=300 d=6 needs 4348800 bytes for "
                                             "its dense matrices, above mem.max 4348799 bytes"),
           "problem use over mem.max is refused: \"%s\"", e.msg);
    ctl.mem_max = want;
    P = bl_problem_alloc_ctl(&bl_problem_quadratic, par, NULL, NULL, &ctl, &e);
    tap_ok(P && P->mem_max == want, "at mem.max exactly it is built, and keeps the limit");
    /* newton at p = 300: H and V (2 p×p) and 13 vectors of p (its own 4,
     * the eigenvalues and workspace 5, the iterator's 4) */
    if (P) {
        double nb = 8.0 * 300 * (2 * 300 + 13);
        tap_ok(bl_inner_bytes(bl_inner_newton, 300, 0) == nb,
               "newton at p = 300 holds %.17g bytes", nb);
        P->mem_max = nb - 1;
        e = (bl_err){0};
        st = bl_inner_mem(bl_inner_newton, P, 0, &e);
        tap_ok(st == BL_ENOMEM && strstr(e.msg, "newton inner solver's dense H"),
               "newton over mem.max is refused before it is allocated: \"%s\"", e.msg);
        bl_inner_conf c = {bl_inner_newton, 0, 1e-8, 10, 0};
        gsl_vector *om = gsl_vector_calloc(P->d), *th = gsl_vector_calloc(P->p);
        e = (bl_err){0};
        st = bl_inner_solve_at(P, &c, om, th, NULL, NULL, &e);
        tap_ok(st == BL_ENOMEM && gsl_vector_isnull(th), "... and so is a solve with it (θ "
               "untouched)");
        gsl_vector_free(om);
        gsl_vector_free(th);
        bl_problem_free(P);
    }
    /* a problem on data: 4 p×p (XᵀX, its validation twin, a factor, an
     * eigensolver's copy), p = the features */
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.n = 20;
    o.m = 10;
    o.p = 7;
    bl_dataset *ds = NULL;
    if (bl_data_synth("regression", &o, &ds, &e) == BL_OK) {
        got = bl_problem_bytes(&bl_problem_ridge, NULL, ds);
        tap_ok(got == 4.0 * 8 * 7 * 7, "ridge on 7 features needs %.17g bytes (4·8·7²)", got);
        bl_dataset_free(ds);
    } else {
        tap_ok(0, "synthetic data: %s", e.msg);
    }
}

int main(void)
{
    bl_init();
    test_escape();
    test_limits();
    test_chol_diag();
    test_blocked_chol();
    test_quadratic_blocked();
    test_cancel();
    test_exact_memory();
    test_mem_estimates();
    return tap_done();
}
