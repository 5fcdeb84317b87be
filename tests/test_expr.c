/* test_expr.c: the expression language of `define` (expr.c) and the custom
 * problem built from it (problems/custom.c):
 *   - the parser: precedence, broadcasting, the data vocabulary, and error
 *     messages with the caret at the right column;
 *   - domain errors named with their place;
 *   - doublewell and nonsingleton typed as expressions against the
 *     formulas of doc/catalogue.md written out by hand (and against the
 *     built-in problems when the catalogue has them), to 1e-12;
 *   - ridge typed with X, y, Xv, yv against the built-in ridge on the
 *     bundled diabetes data, and logistic regression against a
 *     hand-written logistic loss, gradient and Hessian on synthetic
 *     classification data, hypergradients to 1e-10;
 *   - random expressions (a seeded generator) whose first and second
 *     derivatives match central differences, and whose Hessian is
 *     symmetric to round-off. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_linalg.h>

#include "expr.h"
#include "fixtures.h"
#include "hypergrad.h"
#include "inner.h"

/* ‖a − b‖ / max(1, ‖b‖) */
static double vrel(const gsl_vector *a, const gsl_vector *b)
{
    double nb = gsl_blas_dnrm2(b);
    return dist(a, b) / (nb > 1 ? nb : 1);
}

static bl_expr_env env_of(size_t p, size_t d, const bl_dataset *ds)
{
    bl_expr_env env = {p, d, ds, NULL, 0};
    return env;
}

static bl_expr *compile_ok(const char *text, const bl_expr_env *env)
{
    bl_expr *x = NULL;
    bl_err e = {0, ""};
    if (bl_expr_compile(text, env, NULL, &x, &e) != BL_OK) {
        tap_ok(0, "\"%s\" compiles: %s", text, e.msg);
        return NULL;
    }
    return x;
}

/* ---- the parser ---- */

static void check_values(void)
{
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"-2^2", -4}, {"2^3^2", 512}, {"2^-1", 0.5}, {"2**3", 8}, {"1-2-3", -4},
        {"8/2/2", 2}, {"2*3+4*5", 26}, {"-(1+2)*3", -9}, {"+3", 3}, {"--3", 3},
        {"1e-3*1E3", 1}, {".5+1.", 1.5}, {"pi", M_PI}, {"min(3, 2) + max(3, 2)", 5},
        {"pow(2, 10)", 1024}, {"abs(-3)", 3}, {"sqrt(16)", 4}, {"log(exp(2))", 2},
        {"log1p(0)", 0}, {"sigmoid(0)", 0.5}, {"softplus(0)", M_LN2},
        {"tanh(0) + sin(0) + cos(0)", 1},
        /* θ = (1, 2, 3), ω = (0.5, −1) */
        {"theta[0] + 10*theta[2]", 31}, {"θ[1]*ω[0]", 1}, {"sum(theta)", 6},
        {"mean(theta)", 2}, {"norm2(theta)", 3.7416573867739413}, {"dot(theta, theta)", 14},
        {"sumsq(theta)", 14}, {"norm2(theta)^2", 14}, {"sqrt(sumsq(theta))", 3.7416573867739413},
        {"sum(theta*2)", 12}, {"sum(2*theta - 1)", 9}, {"sum(theta/theta)", 3},
        {"(theta*omega[0])[1]", 1}, {"sum(omega)", -0.5}, {"norm2(omega - 1)", 2.0615528128088303},
        {"sumsq(omega - 1)", 4.25},
        {"sum(max(theta, 2))", 7}, {"sum(theta^2)", 14}, {"theta[2]^omega[1]", 1.0 / 3},
        {"  theta [ 1 ]  ", 2}, {"mean(softplus(theta*0))", M_LN2},
    };
    bl_expr_env env = env_of(3, 2, NULL);
    gsl_vector *th = gsl_vector_alloc(3), *om = gsl_vector_alloc(2);
    for (size_t i = 0; i < 3; i++) gsl_vector_set(th, i, (double)i + 1);
    gsl_vector_set(om, 0, 0.5);
    gsl_vector_set(om, 1, -1);
    int bad = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        bl_expr *x = compile_ok(cases[k].text, &env);
        if (!x) {
            bad++;
            continue;
        }
        double v = bl_expr_value(x, th, om);
        if (fabs(v - cases[k].want) > 1e-14 * (1 + fabs(cases[k].want))) {
            bad++;
            tap_diag("%s = %.17g, expected %.17g", cases[k].text, v, cases[k].want);
        }
        bl_expr_free(x);
    }
    tap_ok(bad == 0, "%zu expressions give their values (precedence, right-associative ^, "
           "broadcasting, functions)", sizeof cases / sizeof cases[0]);
    gsl_vector_free(th);
    gsl_vector_free(om);
}

/* TEXT fails to compile with a message containing WANT and the caret
 * under display column COL (1-based). */
static void parse_fails(const char *text, size_t p, size_t d, const bl_dataset *ds,
                        const char *want, size_t col)
{
    bl_expr_env env = env_of(p, d, ds);
    bl_expr *x = NULL;
    bl_err e = {0, ""};
    int st = bl_expr_compile(text, &env, "inner", &x, &e);
    char colstr[32];
    snprintf(colstr, sizeof colstr, "(column %zu)", col);
    /* the third line is two spaces, then col − 1 spaces, then '^' */
    const char *l2 = strchr(e.msg, '\n');
    const char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    int caret = 0;
    if (l3) {
        size_t sp = 0, cols = 0;
        const char *c = l3 + 1;
        while (c[sp] == ' ') sp++;
        cols = sp;
        /* a long expression is shown as a window "...": there the caret
         * must sit under the same character as in the text */
        if (strncmp(l2 + 1, "  ...", 5) == 0)
            caret = c[sp] == '^' && (l2 + 1)[sp] == text[col - 1];
        else
            caret = c[sp] == '^' && cols == col + 1;
    }
    tap_ok(st != BL_OK && x == NULL && has(e.msg, want) && has(e.msg, colstr) && caret
           && strncmp(e.msg, "inner: ", 7) == 0,
           "'%s' refused at column %zu: %s", text, col, e.msg);
    bl_expr_free(x);
}

static void check_parse_errors(bl_dataset *ds)
{
    parse_fails("0.5*(theta[0]-omega[0]^2", 2, 1, NULL,
                "expected ')' to close the '(' at column 5, found the end", 25);
    parse_fails("theta[0] +* 2", 2, 1, NULL, "expected a number, a name or '(', found '*'", 11);
    parse_fails("exp(theta[0]) 2", 2, 1, NULL,
                "expected an operator (+ - * / ^) or the end, found '2'", 15);
    parse_fails("theta[0] ) + 1", 2, 1, NULL, "unmatched ')'", 10);
    parse_fails("", 2, 1, NULL, "the expression is empty", 1);
    parse_fails("theta[0] +", 2, 1, NULL, "but the expression ended", 11);
    parse_fails("thta[0]", 2, 1, NULL, "unknown name 'thta' (did you mean 'theta'?); known: "
                "variables theta omega pi", 1);
    parse_fails("1 + lam", 2, 1, NULL, "functions exp log log1p sqrt sin cos tanh sigmoid "
                "softplus abs min max pow sum mean norm2 sumsq dot", 5);
    parse_fails("2*foo(theta[0])", 2, 1, NULL, "unknown function 'foo'", 3);
    parse_fails("exp + 1", 2, 1, NULL, "exp is a function: write exp(...)", 1);
    parse_fails("theta(1)", 2, 1, NULL, "theta is not a function", 1);
    parse_fails("max(theta[0])", 2, 1, NULL, "max takes 2 arguments, not 1", 1);
    parse_fails("1 + exp(1, 2)", 2, 1, NULL, "exp takes 1 argument, not 2", 5);
    parse_fails("min(1 2)", 2, 1, NULL, "expected ',' or ')' in the arguments of min", 7);
    parse_fails("theta[2]", 2, 1, NULL, "index 2 is outside theta (θ ∈ R^2: indices 0..1)", 1);
    parse_fails("1 + omega[1]", 2, 1, NULL, "index 1 is outside omega", 5);
    parse_fails("theta[0.5]", 2, 1, NULL, "an index is a whole number like theta[0]", 7);
    parse_fails("theta[1", 2, 1, NULL, "expected ']' to close the '[' at column 6", 8);
    parse_fails("theta[0] $ 2", 2, 1, NULL, "unexpected character '$'", 10);
    parse_fails("θ[0] + λ", 2, 1, NULL, "unexpected character 'λ'", 8);
    parse_fails("theta", 2, 1, NULL, "the expression is a vector of length 2, not a number", 1);
    parse_fails("sum(theta + omega)", 2, 3, NULL,
                "+ of a vector of length 2 and one of length 3", 11);
    parse_fails("dot(theta, omega)", 2, 3, NULL, "dot needs two vectors of the same length", 1);
    parse_fails("1e999", 2, 1, NULL, "out of range", 1);
    parse_fails("mean(X*theta)", 2, 1, NULL, "X needs data: use 'data load' or 'data synth'", 6);
    parse_fails("sum(y)", 2, 1, NULL, "y needs data", 5);
    if (ds) {
        size_t p = ds->X->size2;
        parse_fails("mean(X*theta)", 2, 1, ds, "X has 10 columns but theta has 2 entries: "
                    "define dims theta=10", 7);
        parse_fails("sum(X)", p, 1, ds, "X is a matrix", 5);
        parse_fails("sum(theta*X)", p, 1, ds, "X can only be multiplied by a number on its left",
                    10);
        parse_fails("sum(Xv*X)", p, 1, ds, "a product of two matrices is not supported", 7);
        parse_fails("mean(X*theta - yv)", p, 1, ds, "- of a vector of length 309 and one of "
                    "length 133", 14);
    }
    parse_fails("log(-1) + theta[0]", 2, 1, NULL,
                "log of a negative number, log(-1) in a constant part", 1);
    /* nesting deeper than the parser allows is an error, not a crash */
    char deep[1200];
    memset(deep, '(', 600);
    strcpy(deep + 600, "1");
    parse_fails(deep, 2, 1, NULL, "nested too deeply", 201);
    char negs[1200];
    memset(negs, '-', 500);
    strcpy(negs + 500, "1");
    parse_fails(negs, 2, 1, NULL, "nested too deeply", 201);
    /* a long expression: the caret still lands under the error */
    char longx[600] = "";
    for (int i = 0; i < 40; i++) strcat(longx, "theta[0] + ");
    strcat(longx, "tehta[1]");
    bl_expr_env env = env_of(2, 1, NULL);
    bl_expr *x = NULL;
    bl_err e = {0, ""};
    bl_expr_compile(longx, &env, NULL, &x, &e);
    const char *l2 = strchr(e.msg, '\n'), *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    int ok = 0;
    if (l3) {
        size_t caret = strcspn(l3 + 1, "^");
        /* the window starts with "..." and the word under the caret is tehta */
        ok = strncmp(l2 + 1, "  ...", 5) == 0 && strncmp(l2 + 1 + caret, "tehta", 5) == 0;
    }
    tap_ok(x == NULL && ok && has(e.msg, "(column 441)"),
           "a long expression shows a window around the error: %s", e.msg);
}

static void check_names(void)
{
    bl_err e = {0, ""};
    tap_ok(bl_expr_param_name_ok("lam", &e) == BL_OK && bl_expr_param_name_ok("t_2", &e) == 0,
           "lam and t_2 are free parameter names");
    static const char *const bad[] = {"exp", "theta", "X", "pi", "2a", "a-b", ""};
    int all = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.code = 0;
        all = all && bl_expr_param_name_ok(bad[i], &e) == BL_EINVAL && e.code == BL_EINVAL;
    }
    tap_ok(all, "names of the language and non-identifiers are refused as parameters");
    bl_expr_def *def = bl_expr_def_new();
    int st = bl_expr_def_set_param(def, "a", 1.5, &e) | bl_expr_def_set_param(def, "b", 2, &e)
             | bl_expr_def_set_param(def, "a", 3, &e);
    tap_ok(st == BL_OK && def->nparams == 2 && def->params[0].value == 3
           && bl_expr_def_set_param(def, "c", NAN, &e) == BL_EINVAL,
           "define param sets and replaces, refuses NaN");
    bl_expr_def_set_text(def, 0, "a*theta[0]^2 + b*omega[0]*theta[0]");
    bl_expr_def *cp = bl_expr_def_copy(def);
    tap_ok(cp && !bl_expr_def_complete(cp) && cp->inner && cp->inner != def->inner
           && !strcmp(cp->inner, def->inner) && cp->nparams == 2,
           "definitions copy deeply; incomplete without dims and outer");
    def->p = def->d = 1;
    bl_expr_def_set_text(def, 1, "theta[0]");
    bl_expr_env env;
    bl_expr_def_env(def, NULL, &env);
    bl_expr *x = compile_ok(def->inner, &env);
    gsl_vector *th = gsl_vector_alloc(1), *om = gsl_vector_alloc(1);
    gsl_vector_set(th, 0, 2);
    gsl_vector_set(om, 0, 0.5);
    tap_ok(x && bl_expr_def_complete(def) && bl_expr_value(x, th, om) == 3 * 4 + 2 * 0.5 * 2,
           "parameters take their values in expressions");
    bl_expr_free(x);
    gsl_vector_free(th);
    gsl_vector_free(om);
    bl_expr_def_free(def);
    bl_expr_def_free(cp);
    bl_expr_def_free(NULL);
}

/* ---- domain errors ---- */

static void domain_fails(const char *text, double th0, const char *want, size_t col)
{
    bl_expr_env env = env_of(2, 1, NULL);
    bl_expr *x = compile_ok(text, &env);
    if (!x) return;
    gsl_vector *th = gsl_vector_calloc(2), *om = gsl_vector_calloc(1);
    gsl_vector_set(th, 0, th0);
    bl_err e = {0, ""};
    double v = 0;
    int st = bl_expr_check(x, th, om, "at the test point", &v, &e);
    char colstr[32];
    snprintf(colstr, sizeof colstr, "(column %zu)", col);
    tap_ok(st == BL_EINVAL && has(e.msg, want) && has(e.msg, "at the test point")
           && has(e.msg, colstr), "%s at θ₀ = %g: %s", text, th0, e.msg);
    bl_expr_free(x);
    gsl_vector_free(th);
    gsl_vector_free(om);
}

static void check_domain(void)
{
    domain_fails("1 + log(theta[0] - 1)", 0, "log of a negative number, log(-1)", 5);
    domain_fails("log(theta[0])", 0, "log of zero", 1);
    domain_fails("sqrt(theta[0] - 2)", 0, "sqrt of a negative number, sqrt(-2)", 1);
    domain_fails("2 + 1/theta[0]", 0, "division by zero, 1/0", 5);
    domain_fails("theta[0]^-1", 0, "zero to a negative power", 1);
    domain_fails("(theta[0] - 1)^0.5", 0, "a negative number to a non-integer power", 1);
    domain_fails("exp(1000 + theta[0])", 0, "exp overflows", 1);
    domain_fails("log1p(theta[0] - 3)", 0, "log1p of a number below -1", 1);
    domain_fails("sum(log(theta - 1))", 3, "log of a negative number, log(-1) in entry 1", 5);
    /* NaN hidden by min still counts: the tape is checked node by node */
    domain_fails("min(sqrt(theta[0] - 1), 3)", 0, "sqrt of a negative number", 5);
    /* a finite value passes */
    bl_expr_env env = env_of(2, 1, NULL);
    bl_expr *x = compile_ok("log(theta[0]) + sqrt(theta[1])", &env);
    gsl_vector *th = gsl_vector_alloc(2), *om = gsl_vector_calloc(1);
    gsl_vector_set_all(th, 4);
    bl_err e = {0, ""};
    double v = 0;
    tap_ok(x && bl_expr_check(x, th, om, "", &v, &e) == BL_OK && fabs(v - (log(4) + 2)) < 1e-15,
           "a defined point passes the domain check (%s)", e.msg);
    gsl_vector_set(th, 0, NAN);
    tap_ok(x && bl_expr_check(x, th, om, "", &v, &e) == BL_EINVAL && has(e.msg, "θ[0] is not finite"),
           "a non-finite θ is named: %s", e.msg);
    bl_expr_free(x);
    /* a branch cut off by min does not poison the gradient */
    x = compile_ok("min(sqrt(theta[0]), 5) + theta[1]^2", &env);
    gsl_vector *g = gsl_vector_alloc(2);
    gsl_vector_set(th, 0, 100);
    gsl_vector_set(th, 1, 3);
    bl_expr_grad(x, th, om, g, NULL);
    tap_ok(gsl_vector_get(g, 0) == 0 && gsl_vector_get(g, 1) == 6,
           "min passes the gradient of the branch it selects only");
    gsl_vector_set(th, 0, 0);
    bl_expr_free(x);
    x = compile_ok("max(sqrt(theta[0]), 5) + 0*sqrt(theta[0]) + theta[1]", &env);
    bl_expr_grad(x, th, om, g, NULL);
    tap_ok(gsl_vector_get(g, 0) == 0 && gsl_vector_get(g, 1) == 1,
           "a zero adjoint does not turn an infinite partial into NaN (0·∞)");
    bl_expr_free(x);
    gsl_vector_free(g);
    gsl_vector_free(th);
    gsl_vector_free(om);
}

/* ---- problems typed as expressions ---- */

static bl_problem *custom(const char *inner, const char *outer, size_t p, size_t d,
                          const bl_dataset *ds, bl_expr_def **defp)
{
    bl_expr_def *def = bl_expr_def_new();
    def->p = p;
    def->d = d;
    bl_expr_def_set_text(def, 0, inner);
    bl_expr_def_set_text(def, 1, outer);
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc_def(&bl_problem_custom, NULL, ds, def, &e);
    if (!P) {
        tap_ok(0, "custom (%s | %s) allocates: %s", inner, outer, e.msg);
        bl_expr_def_free(def);
        return NULL;
    }
    *defp = def;
    return P;
}

/* Runs the estimator SPEC on P at (ω, θ). */
static int estimate(const char *spec, bl_problem *P, const gsl_vector *om,
                    const gsl_vector *th, gsl_vector *g, bl_err *e)
{
    bl_spec s;
    int st = bl_spec_parse(spec, &s, e);
    if (st) return st;
    bl_inner_conf ic = {bl_inner_newton, 0, 1e-13, 1000, 0};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic, .eta = 0.1};
    bl_hg_result r;
    memset(&r, 0, sizeof r);
    gsl_vector *a = gsl_vector_alloc(P->p), *te = gsl_vector_alloc(P->p);
    r.grad = g;
    r.adjoint = a;
    r.theta_end = te;
    st = bl_hypergrad(&s, &c, &r, e);
    gsl_vector_free(a);
    gsl_vector_free(te);
    return st;
}

/* Every entry point of P against Q (another problem with the same
 * dimensions) at (TH, OM), relative to max(1, |Q's|): the worst. */
static double compare_problems(bl_problem *P, bl_problem *Q, const gsl_vector *th,
                               const gsl_vector *om)
{
    size_t p = P->p, d = P->d;
    gsl_vector *a = gsl_vector_alloc(p), *b = gsl_vector_alloc(p);
    gsl_vector *ad = gsl_vector_alloc(d), *bd = gsl_vector_alloc(d);
    gsl_vector *v = gsl_vector_alloc(p), *u = gsl_vector_alloc(d);
    randn(v, 1);
    randn(u, 1);
    double w = 0, t;
#define WORST(x) do { t = (x); if (!(t <= w)) w = t; } while (0)
    double g1 = bl_problem_G(P, th, om), g2 = bl_problem_G(Q, th, om);
    WORST(fabs(g1 - g2) / fmax(1, fabs(g2)));
    g1 = bl_problem_L(P, th, om);
    g2 = bl_problem_L(Q, th, om);
    WORST(fabs(g1 - g2) / fmax(1, fabs(g2)));
    bl_problem_G_theta(P, th, om, a);
    bl_problem_G_theta(Q, th, om, b);
    WORST(vrel(a, b));
    bl_problem_L_theta(P, th, om, a);
    bl_problem_L_theta(Q, th, om, b);
    WORST(vrel(a, b));
    bl_problem_G_omega(P, th, om, ad);
    bl_problem_G_omega(Q, th, om, bd);
    WORST(vrel(ad, bd));
    bl_problem_L_omega(P, th, om, ad);
    bl_problem_L_omega(Q, th, om, bd);
    WORST(vrel(ad, bd));
    bl_problem_hvp(P, th, om, v, a);
    bl_problem_hvp(Q, th, om, v, b);
    WORST(vrel(a, b));
    bl_problem_cvp(P, th, om, v, ad);
    bl_problem_cvp(Q, th, om, v, bd);
    WORST(vrel(ad, bd));
    bl_problem_ctvp(P, th, om, u, a);
    bl_problem_ctvp(Q, th, om, u, b);
    WORST(vrel(a, b));
#undef WORST
    gsl_vector_free(a);
    gsl_vector_free(b);
    gsl_vector_free(ad);
    gsl_vector_free(bd);
    gsl_vector_free(v);
    gsl_vector_free(u);
    return w;
}

/* doublewell: G = ¼(θ² − 1)² − ωθ, L = ½(θ − θ_t)², θ_t = 0.5. */
static void check_doublewell(void)
{
    bl_expr_def *def = NULL;
    bl_problem *P = custom("0.25*(theta[0]^2 - 1)^2 - omega[0]*theta[0]",
                           "0.5*(theta[0] - 0.5)^2", 1, 1, NULL, &def);
    if (!P) return;
    const double tt = 0.5;
    gsl_vector *th = gsl_vector_alloc(1), *om = gsl_vector_alloc(1), *v = gsl_vector_alloc(1);
    gsl_vector *g = gsl_vector_alloc(1), *go = gsl_vector_alloc(1);
    double worst = 0;
    for (int k = 0; k < 20; k++) {
        double t = gsl_ran_gaussian(rng, 1.5), w = gsl_ran_gaussian(rng, 0.5);
        double vv = gsl_ran_gaussian(rng, 1.0);
        gsl_vector_set(th, 0, t);
        gsl_vector_set(om, 0, w);
        gsl_vector_set(v, 0, vv);
        double want[9] = {
            0.25 * (t * t - 1) * (t * t - 1) - w * t,   /* G */
            0.5 * (t - tt) * (t - tt),                  /* L */
            t * t * t - t - w,                          /* ∇θG */
            -t,                                         /* ∇ωG */
            t - tt,                                     /* ∇θL */
            0,                                          /* ∇ωL */
            (3 * t * t - 1) * vv,                       /* H v */
            -vv,                                        /* C v (C = −1) */
            -vv,                                        /* Cᵀ u */
        };
        double got[9];
        got[0] = bl_problem_G(P, th, om);
        got[1] = bl_problem_L(P, th, om);
        bl_problem_G_theta(P, th, om, g);
        got[2] = gsl_vector_get(g, 0);
        bl_problem_G_omega(P, th, om, go);
        got[3] = gsl_vector_get(go, 0);
        bl_problem_L_theta(P, th, om, g);
        got[4] = gsl_vector_get(g, 0);
        bl_problem_L_omega(P, th, om, go);
        got[5] = gsl_vector_get(go, 0);
        bl_problem_hvp(P, th, om, v, g);
        got[6] = gsl_vector_get(g, 0);
        bl_problem_cvp(P, th, om, v, go);
        got[7] = gsl_vector_get(go, 0);
        bl_problem_ctvp(P, th, om, v, g);
        got[8] = gsl_vector_get(g, 0);
        for (int i = 0; i < 9; i++) {
            double r = fabs(got[i] - want[i]) / fmax(1, fabs(want[i]));
            if (!(r <= worst)) worst = r;
        }
    }
    tap_ok(worst <= 1e-12, "doublewell as expressions: G, L, ∇θG, ∇ωG, ∇θL, ∇ωL, H v, C v, "
           "Cᵀu at 20 random points match the formulas (worst %.3g)", worst);

    /* hypergradient at θ*(ω) on both branches: F' = (θ* − θ_t)/(3θ*² − 1) */
    double hw = 0;
    int hok = 1;
    for (int k = 0; k < 6; k++) {
        double w = -0.3 + 0.12 * k, t = k % 2 ? 1.5 : -1.5;
        for (int it = 0; it < 100; it++) t -= (t * t * t - t - w) / (3 * t * t - 1);
        gsl_vector_set(th, 0, t);
        gsl_vector_set(om, 0, w);
        bl_err e = {0, ""};
        int st = estimate("exact", P, om, th, g, &e);
        double want = (t - tt) / (3 * t * t - 1);
        double r = fabs(gsl_vector_get(g, 0) - want) / fmax(1, fabs(want));
        hok = hok && st == BL_OK;
        if (!(r <= hw)) hw = r;
    }
    tap_ok(hok && hw <= 1e-12, "doublewell: exact hypergradient at θ*(ω) on both wells "
           "equals (θ* − θ_t)/(3θ*² − 1) (worst %.3g)", hw);

    /* where H = 3θ² − 1 < 0 exact refuses */
    gsl_vector_set(th, 0, 0.1);
    bl_err e = {0, ""};
    tap_ok(estimate("exact", P, om, th, g, &e) == BL_ENOTPD,
           "doublewell at θ = 0.1 (H < 0): exact refuses: %s", e.msg);

    const bl_problem_type *T = bl_problem_lookup("doublewell");
    if (T) {
        bl_problem *Q = bl_problem_alloc(T, NULL, NULL, &e);
        double w = 0;
        for (int k = 0; Q && k < 10; k++) {
            gsl_vector_set(th, 0, gsl_ran_gaussian(rng, 1.5));
            gsl_vector_set(om, 0, gsl_ran_gaussian(rng, 0.5));
            double r = compare_problems(P, Q, th, om);
            if (!(r <= w)) w = r;
        }
        tap_ok(Q && w <= 1e-12, "doublewell as expressions equals the built-in doublewell "
               "(worst %.3g)%s", w, Q ? "" : e.msg);
        bl_problem_free(Q);
    } else {
        skip("no built-in doublewell in the catalogue yet");
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(v);
    gsl_vector_free(g);
    gsl_vector_free(go);
    bl_problem_free(P);
    bl_expr_def_free(def);
}

/* nonsingleton: G = ½θ₁² − ωθ₁, L = ½(ω − θ₂)² + ½(θ₁ − 1)², written with
 * 0-based indices. */
static void check_nonsingleton(void)
{
    bl_expr_def *def = NULL;
    bl_problem *P = custom("0.5*theta[0]^2 - omega[0]*theta[0]",
                           "0.5*(omega[0] - theta[1])^2 + 0.5*(theta[0] - 1)^2", 2, 1, NULL,
                           &def);
    if (!P) return;
    gsl_vector *th = gsl_vector_alloc(2), *om = gsl_vector_alloc(1), *v = gsl_vector_alloc(2);
    gsl_vector *u = gsl_vector_alloc(1), *g = gsl_vector_alloc(2), *go = gsl_vector_alloc(1);
    double worst = 0;
#define CMP(got, want) do { double r_ = fabs((got) - (want)) / fmax(1, fabs(want)); \
                            if (!(r_ <= worst)) worst = r_; } while (0)
    for (int k = 0; k < 20; k++) {
        randn(th, 1.5);
        randn(om, 1.0);
        randn(v, 1.0);
        randn(u, 1.0);
        double t1 = gsl_vector_get(th, 0), t2 = gsl_vector_get(th, 1), w = gsl_vector_get(om, 0);
        double v1 = gsl_vector_get(v, 0), v2 = gsl_vector_get(v, 1), u0 = gsl_vector_get(u, 0);
        CMP(bl_problem_G(P, th, om), 0.5 * t1 * t1 - w * t1);
        CMP(bl_problem_L(P, th, om), 0.5 * (w - t2) * (w - t2) + 0.5 * (t1 - 1) * (t1 - 1));
        bl_problem_G_theta(P, th, om, g);
        CMP(gsl_vector_get(g, 0), t1 - w);
        CMP(gsl_vector_get(g, 1), 0.0);
        bl_problem_G_omega(P, th, om, go);
        CMP(gsl_vector_get(go, 0), -t1);
        bl_problem_L_theta(P, th, om, g);
        CMP(gsl_vector_get(g, 0), t1 - 1);
        CMP(gsl_vector_get(g, 1), t2 - w);
        bl_problem_L_omega(P, th, om, go);
        CMP(gsl_vector_get(go, 0), w - t2);
        bl_problem_hvp(P, th, om, v, g);          /* H = diag(1, 0) */
        CMP(gsl_vector_get(g, 0), v1);
        CMP(gsl_vector_get(g, 1), 0 * v2);
        bl_problem_cvp(P, th, om, v, go);         /* C = (−1, 0) */
        CMP(gsl_vector_get(go, 0), -v1);
        bl_problem_ctvp(P, th, om, u, g);
        CMP(gsl_vector_get(g, 0), -u0);
        CMP(gsl_vector_get(g, 1), 0.0);
    }
#undef CMP
    tap_ok(worst <= 1e-12, "nonsingleton as expressions: values, gradients, H v, C v, Cᵀu "
           "match the formulas at 20 random points (worst %.3g)", worst);

    /* on the solution line θ₁ = ω: H = diag(1, 0) is singular; the least-norm
     * adjoint a = (θ₁ − 1, 0) gives ∇F = (ω − θ₂) + (θ₁ − 1) */
    double hw = 0;
    int refused = 1, ran = 1;
    for (int k = 0; k < 5; k++) {
        double w = -1 + 0.6 * k, t2 = gsl_ran_gaussian(rng, 1.0);
        gsl_vector_set(th, 0, w);
        gsl_vector_set(th, 1, t2);
        gsl_vector_set(om, 0, w);
        bl_err e = {0, ""};
        refused = refused && estimate("exact", P, om, th, go, &e) == BL_ENOTPD;
        ran = ran && estimate("exact:pinv", P, om, th, go, &e) == BL_OK;
        double want = (w - t2) + (w - 1), r = fabs(gsl_vector_get(go, 0) - want) / fmax(1, fabs(want));
        if (!(r <= hw)) hw = r;
    }
    tap_ok(refused && ran && hw <= 1e-12, "nonsingleton: exact refuses the singular H; "
           "exact:pinv gives (ω − θ₂) + (θ₁ − 1) (worst %.3g)", hw);

    const bl_problem_type *T = bl_problem_lookup("nonsingleton");
    if (T) {
        bl_err e = {0, ""};
        bl_problem *Q = bl_problem_alloc(T, NULL, NULL, &e);
        double w = 0;
        for (int k = 0; Q && k < 10; k++) {
            randn(th, 1.5);
            randn(om, 1.0);
            double r = compare_problems(P, Q, th, om);
            if (!(r <= w)) w = r;
        }
        tap_ok(Q && w <= 1e-12, "nonsingleton as expressions equals the built-in one "
               "(worst %.3g)%s", w, Q ? "" : e.msg);
        bl_problem_free(Q);
    } else {
        skip("no built-in nonsingleton in the catalogue yet");
    }
    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(v);
    gsl_vector_free(u);
    gsl_vector_free(g);
    gsl_vector_free(go);
    bl_problem_free(P);
    bl_expr_def_free(def);
}

/* ridge with the data vocabulary against the built-in ridge on diabetes. */
static void check_ridge(void)
{
    char path[1024];
    bl_dataset *ds = NULL;
    bl_problem *R = NULL;
    bl_err e = {0, ""};
    if (!ridge_bundled("diabetes", path, sizeof path, &ds, &R, &e)) return;
    if (!R) {
        tap_ok(0, "ridge on diabetes: %s", e.msg);
        bl_dataset_free(ds);
        return;
    }
    size_t p = R->p;
    bl_expr_def *def = NULL;
    bl_problem *P = custom("mean((X*theta - y)^2)/2 + exp(omega[0])/2*sumsq(theta)",
                           "0.5*mean((Xv*theta - yv)^2)", p, 1, ds, &def);
    if (P) {
        gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(1);
        gsl_vector *ts = gsl_vector_alloc(p), *g1 = gsl_vector_alloc(1), *g2 = gsl_vector_alloc(1);
        double w = 0;
        for (int k = 0; k < 10; k++) {
            randn(th, 3.0);
            gsl_vector_set(om, 0, gsl_ran_gaussian(rng, 2.0));
            double r = compare_problems(P, R, th, om);
            if (!(r <= w)) w = r;
        }
        tap_ok(w <= 1e-10, "ridge typed with X, y, Xv, yv equals the built-in ridge on "
               "diabetes: values, gradients, H v, C v, Cᵀu (worst %.3g)", w);
        double hw = 0, nw = 0;
        int ok = 1;
        for (int k = 0; k < 5; k++) {
            gsl_vector_set(om, 0, -4 + 1.5 * k);
            ok = ok && R->type->theta_star(R, om, ts) == BL_OK
                 && R->type->hypergrad(R, om, g2) == BL_OK
                 && estimate("exact", P, om, ts, g1, &e) == BL_OK;
            double r = fabs(gsl_vector_get(g1, 0) - gsl_vector_get(g2, 0))
                       / fmax(1e-300, fabs(gsl_vector_get(g2, 0)));
            if (!(r <= hw)) hw = r;
            /* the same through the custom problem's own Newton solve */
            bl_inner *it = bl_inner_alloc(bl_inner_newton, p);
            gsl_vector_set_zero(th);
            if (bl_inner_set(it, P, om, th, 0, &e) == BL_OK)
                for (int s = 0; s < 5; s++) bl_inner_iterate(it, &e);
            ok = ok && estimate("exact", P, om, it->theta, g1, &e) == BL_OK;
            r = fabs(gsl_vector_get(g1, 0) - gsl_vector_get(g2, 0))
                / fmax(1e-300, fabs(gsl_vector_get(g2, 0)));
            if (!(r <= nw)) nw = r;
            bl_inner_free(it);
        }
        tap_ok(ok && hw <= 1e-10, "ridge as expressions: exact hypergradient at the closed-form "
               "θ* equals the closed-form ∇F for ω = −4 … 2 (worst relative %.3g)", hw);
        tap_ok(ok && nw <= 1e-10, "… and at θ* from Newton on the custom problem (worst %.3g)",
               nw);
        /* a clone computes the same numbers, bit for bit */
        bl_problem *C = bl_problem_clone(P);
        gsl_vector *a = gsl_vector_alloc(p), *b = gsl_vector_alloc(p);
        randn(th, 1);
        bl_problem_G_theta(P, th, om, a);
        if (C) bl_problem_G_theta(C, th, om, b);
        tap_ok(C && same_bits(a, b) && C->def && C->def != P->def
               && !strcmp(C->def->inner, P->def->inner),
               "a clone of custom has its own copy of the definition and gives the same "
               "gradient bit for bit");
        bl_problem_free(C);
        gsl_vector_free(a);
        gsl_vector_free(b);
        gsl_vector_free(th);
        gsl_vector_free(om);
        gsl_vector_free(ts);
        gsl_vector_free(g1);
        gsl_vector_free(g2);
    }
    /* the scale of X folds in, wherever it is written */
    if (P) {
        static const char *const forms[] = {
            "sum(2*X*theta)", "sum(X*2*theta)", "sum(X*theta*2)", "-sum(-X*theta*2)",
            "sum(X/0.5*theta)", "2*sum(X*theta)", "sum(4*X/2*theta)",
        };
        bl_expr_env env = env_of(p, 1, ds);
        gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_calloc(1);
        gsl_vector *g0 = gsl_vector_alloc(p), *g = gsl_vector_alloc(p);
        randn(th, 1);
        double v0 = 0, worst = 0;
        for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
            bl_expr *x = compile_ok(forms[i], &env);
            if (!x) continue;
            double v = bl_expr_grad(x, th, om, i ? g : g0, NULL);
            if (i == 0) v0 = v;
            else {
                double r = fabs(v - v0) / fmax(1, fabs(v0)) + vrel(g, g0);
                if (!(r <= worst)) worst = r;
            }
            bl_expr_free(x);
        }
        tap_ok(worst <= 1e-13, "a number times X is the same wherever it is written (%.3g)",
               worst);
        gsl_vector_free(th);
        gsl_vector_free(om);
        gsl_vector_free(g0);
        gsl_vector_free(g);
    }
    bl_problem_free(P);
    bl_expr_def_free(def);
    bl_problem_free(R);
    bl_dataset_free(ds);
}

/* ---- logistic regression against a hand-written one ---- */

static double hsoftplus(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }
static double hsig(double z) { return z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)); }

/* (1/n) Σ log(1 + exp(−y_i x_iᵀθ)), its gradient and Hessian (G may be
 * NULL). */
static double logloss(const gsl_matrix *X, const gsl_vector *y, const gsl_vector *th,
                      gsl_vector *g, gsl_matrix *H)
{
    size_t n = X->size1, p = X->size2;
    double f = 0;
    if (g) gsl_vector_set_zero(g);
    if (H) gsl_matrix_set_zero(H);
    for (size_t i = 0; i < n; i++) {
        gsl_vector_const_view xi = gsl_matrix_const_row(X, i);
        double z, yi = gsl_vector_get(y, i);
        gsl_blas_ddot(&xi.vector, th, &z);
        f += hsoftplus(-yi * z);
        double s = hsig(-yi * z);
        if (g) gsl_blas_daxpy(-yi * s / (double)n, &xi.vector, g);
        if (H)
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++)
                    *gsl_matrix_ptr(H, a, b) += s * (1 - s) * gsl_vector_get(&xi.vector, a)
                                                * gsl_vector_get(&xi.vector, b) / (double)n;
    }
    return f / (double)n;
}

static void check_logistic(void)
{
    bl_synth_opts so;
    bl_synth_opts_default(&so);
    so.n = 60;
    so.m = 40;
    so.p = 5;
    so.noise = 0.5;
    so.seed = 7;
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    if (bl_data_synth("classification", &so, &ds, &e) != BL_OK) {
        tap_ok(0, "synthetic classification data: %s", e.msg);
        return;
    }
    size_t p = so.p;
    int pm1 = 1;
    for (size_t i = 0; i < ds->y->size; i++)
        pm1 = pm1 && fabs(gsl_vector_get(ds->y, i)) == 1;
    tap_ok(pm1, "synthetic classification labels are ±1");
    bl_expr_def *def = NULL;
    bl_problem *P = custom("mean(softplus(-y*(X*theta))) + exp(omega[0])/2*sumsq(theta)",
                           "mean(softplus(-yv*(Xv*theta)))", p, 1, ds, &def);
    if (!P) {
        bl_dataset_free(ds);
        return;
    }
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(1), *g = gsl_vector_alloc(p);
    gsl_vector *gh = gsl_vector_alloc(p), *go = gsl_vector_alloc(1);
    gsl_matrix *H = gsl_matrix_alloc(p, p), *Hh = gsl_matrix_alloc(p, p);
    double worst = 0;
#define CMPV(a, b) do { double r_ = vrel((a), (b)); if (!(r_ <= worst)) worst = r_; } while (0)
#define CMPS(a, b) do { double r_ = fabs((a) - (b)) / fmax(1, fabs(b)); \
                        if (!(r_ <= worst)) worst = r_; } while (0)
    for (int k = 0; k < 10; k++) {
        randn(th, 1.0);
        double w = gsl_ran_gaussian(rng, 1.5), lam = exp(w), nt = gsl_blas_dnrm2(th);
        gsl_vector_set(om, 0, w);
        double f = logloss(ds->X, ds->y, th, gh, Hh);
        CMPS(bl_problem_G(P, th, om), f + 0.5 * lam * nt * nt);
        bl_problem_G_theta(P, th, om, g);
        gsl_blas_daxpy(lam, th, gh);
        CMPV(g, gh);
        bl_problem_G_omega(P, th, om, go);
        CMPS(gsl_vector_get(go, 0), 0.5 * lam * nt * nt);
        bl_problem_hessian(P, th, om, H);
        for (size_t i = 0; i < p; i++) *gsl_matrix_ptr(Hh, i, i) += lam;
        for (size_t i = 0; i < p; i++) {
            gsl_vector_view a = gsl_matrix_row(H, i), b = gsl_matrix_row(Hh, i);
            CMPV(&a.vector, &b.vector);
        }
        bl_problem_ctvp(P, th, om, go, g);            /* Cᵀu = e^ω u θ */
        gsl_vector_memcpy(gh, th);
        gsl_vector_scale(gh, lam * gsl_vector_get(go, 0));
        CMPV(g, gh);
        f = logloss(ds->Xv, ds->yv, th, gh, NULL);
        CMPS(bl_problem_L(P, th, om), f);
        bl_problem_L_theta(P, th, om, g);
        CMPV(g, gh);
    }
    tap_ok(worst <= 1e-10, "logistic regression as expressions: G, L, gradients, dense H and "
           "Cᵀu match the hand-written loss on synthetic data (worst %.3g)", worst);

    /* hypergradient: θ* by Newton on the hand-written G, then
     * ∇F = −e^ω θ*ᵀ H⁻¹ ∇θL(θ*) */
    double hw = 0;
    int ok = 1;
    for (int k = 0; k < 4; k++) {
        double w = -3 + 1.5 * k, lam = exp(w);
        gsl_vector_set(om, 0, w);
        gsl_vector_set_zero(th);
        gsl_permutation *perm = gsl_permutation_alloc(p);
        int sg;
        for (int it = 0; it < 50; it++) {
            logloss(ds->X, ds->y, th, gh, Hh);
            gsl_blas_daxpy(lam, th, gh);
            for (size_t i = 0; i < p; i++) *gsl_matrix_ptr(Hh, i, i) += lam;
            gsl_linalg_LU_decomp(Hh, perm, &sg);
            gsl_linalg_LU_solve(Hh, perm, gh, g);
            gsl_vector_sub(th, g);
            if (gsl_blas_dnrm2(g) < 1e-16) break;
        }
        logloss(ds->X, ds->y, th, gh, Hh);
        for (size_t i = 0; i < p; i++) *gsl_matrix_ptr(Hh, i, i) += lam;
        logloss(ds->Xv, ds->yv, th, gh, NULL);        /* ∇θL */
        gsl_linalg_LU_decomp(Hh, perm, &sg);
        gsl_linalg_LU_solve(Hh, perm, gh, g);          /* a */
        double ta;
        gsl_blas_ddot(th, g, &ta);
        double want = -lam * ta;
        gsl_permutation_free(perm);
        ok = ok && estimate("exact", P, om, th, go, &e) == BL_OK;
        double r = fabs(gsl_vector_get(go, 0) - want) / fmax(1e-300, fabs(want));
        if (!(r <= hw)) hw = r;
    }
    tap_ok(ok && hw <= 1e-10, "logistic regression: exact hypergradient at θ* equals "
           "−e^ω θ*ᵀH⁻¹∇θL by hand for ω = −3 … 1.5 (worst relative %.3g)", hw);
#undef CMPV
#undef CMPS

    gsl_vector_free(th);
    gsl_vector_free(om);
    gsl_vector_free(g);
    gsl_vector_free(gh);
    gsl_vector_free(go);
    gsl_matrix_free(H);
    gsl_matrix_free(Hh);
    bl_problem_free(P);
    bl_expr_def_free(def);
    bl_dataset_free(ds);
}

/* Logistic regression with {0, 1} labels written as 2y − 1, against the
 * built-in logreg on the bundled breast_cancer data (when the catalogue
 * has it): every entry point, and the exact hypergradient at θ* from
 * Newton, to 1e-10. */
static void check_logreg_bundled(void)
{
    const bl_problem_type *T = bl_problem_lookup("logreg");
    char path[1024];
    if (!T) {
        skip("no built-in logreg in the catalogue yet");
        return;
    }
    if (!bl_data_find_bundled("breast_cancer", path, sizeof path)) {
        skip("bundled breast_cancer not found (set BILAB_DATADIR)");
        return;
    }
    bl_load_opts lo;
    bl_load_opts_default(&lo);
    bl_dataset *ds = NULL;
    bl_err e = {0, ""};
    bl_problem *Q = NULL, *P = NULL;
    bl_expr_def *def = NULL;
    if (bl_data_load("breast_cancer", &lo, &ds, &e) == BL_OK)
        Q = bl_problem_alloc(T, NULL, ds, &e);
    if (!Q) {
        tap_ok(0, "logreg on breast_cancer: %s", e.msg);
        bl_dataset_free(ds);
        return;
    }
    size_t p = Q->p;
    P = custom("mean(softplus(-(2*y - 1)*(X*theta))) + exp(omega[0])/2*sumsq(theta)",
               "mean(softplus(-(2*yv - 1)*(Xv*theta)))", p, 1, ds, &def);
    if (P) {
        gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(1);
        gsl_vector *g1 = gsl_vector_alloc(1), *g2 = gsl_vector_alloc(1);
        double w = 0;
        for (int k = 0; k < 5; k++) {
            randn(th, 0.3);
            gsl_vector_set(om, 0, gsl_ran_gaussian(rng, 1.5));
            double r = compare_problems(P, Q, th, om);
            if (!(r <= w)) w = r;
        }
        tap_ok(w <= 1e-10, "logistic regression typed with X, y (labels 2y − 1) equals the "
               "built-in logreg on breast_cancer: values, gradients, H v, C v, Cᵀu "
               "(worst %.3g)", w);
        double hw = 0;
        int ok = 1;
        for (int k = 0; k < 3; k++) {
            gsl_vector_set(om, 0, -4 + 1.5 * k);
            bl_inner *it = bl_inner_alloc(bl_inner_newton, p);
            gsl_vector_set_zero(th);
            ok = ok && bl_inner_set(it, Q, om, th, 0, &e) == BL_OK;
            for (int s = 0; ok && s < 50 && bl_inner_test(it, 1e-13) != BL_OK; s++)
                ok = bl_inner_iterate(it, &e) == BL_OK;
            ok = ok && estimate("exact", Q, om, it->theta, g2, &e) == BL_OK
                 && estimate("exact", P, om, it->theta, g1, &e) == BL_OK;
            double r = fabs(gsl_vector_get(g1, 0) - gsl_vector_get(g2, 0))
                       / fmax(1e-300, fabs(gsl_vector_get(g2, 0)));
            if (!(r <= hw)) hw = r;
            bl_inner_free(it);
        }
        tap_ok(ok && hw <= 1e-10, "… and the same exact hypergradient at θ* for ω = −4 … −1 "
               "(worst relative %.3g) %s", hw, ok ? "" : e.msg);
        gsl_vector_free(th);
        gsl_vector_free(om);
        gsl_vector_free(g1);
        gsl_vector_free(g2);
    }
    bl_problem_free(P);
    bl_expr_def_free(def);
    bl_problem_free(Q);
    bl_dataset_free(ds);
}

/* ---- random expressions against finite differences ---- */

typedef struct gbuf {
    char s[4096];
    size_t n;
} gbuf;

static void put(gbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 < sizeof b->s) {
        memcpy(b->s + b->n, s, l + 1);
        b->n += l;
    }
}

static int pick(int n) { return (int)gsl_rng_uniform_int(rng, (unsigned long)n); }

static void gen_scalar(gbuf *b, int depth, size_t p, size_t d);

/* A vector expression of length p. */
static void gen_vector(gbuf *b, int depth, size_t p, size_t d)
{
    int k = depth <= 0 ? 0 : pick(6);
    switch (k) {
    case 0: put(b, "theta"); break;
    case 1: put(b, "(theta*"); gen_scalar(b, depth - 1, p, d); put(b, ")"); break;
    case 2: put(b, "sin("); gen_vector(b, depth - 1, p, d); put(b, ")"); break;
    case 3: put(b, "("); gen_vector(b, depth - 1, p, d); put(b, " - ");
            gen_scalar(b, depth - 1, p, d); put(b, ")"); break;
    case 4: put(b, "("); gen_vector(b, depth - 1, p, d); put(b, "*");
            gen_vector(b, depth - 1, p, d); put(b, ")"); break;
    default: put(b, "tanh("); gen_vector(b, depth - 1, p, d); put(b, ")^2"); break;
    }
}

/* A smooth scalar expression, defined everywhere (bases of real powers
 * and arguments of log and sqrt are kept positive). */
static void gen_scalar(gbuf *b, int depth, size_t p, size_t d)
{
    char t[64];
    int k = depth <= 0 ? pick(4) : pick(26);
    switch (k) {
    case 0: snprintf(t, sizeof t, "theta[%d]", pick((int)p)); put(b, t); break;
    case 1: snprintf(t, sizeof t, "omega[%d]", pick((int)d)); put(b, t); break;
    case 2: snprintf(t, sizeof t, "%.2f", 0.1 + 1.9 * gsl_rng_uniform(rng)); put(b, t); break;
    case 3: put(b, "a"); break;
#define U(name) put(b, name "("); gen_scalar(b, depth - 1, p, d); put(b, ")"); break
    case 4: U("sin");
    case 5: U("cos");
    case 6: U("tanh");
    case 7: U("sigmoid");
    case 8: U("softplus");
    case 9: U("exp(tanh");  /* closed below */
#undef U
    case 10: put(b, "log(1 + ("); gen_scalar(b, depth - 1, p, d); put(b, ")^2)"); break;
    case 11: put(b, "sqrt(1 + ("); gen_scalar(b, depth - 1, p, d); put(b, ")^2)"); break;
    case 12: put(b, "log1p(("); gen_scalar(b, depth - 1, p, d); put(b, ")^2)"); break;
    case 13: put(b, "abs("); gen_scalar(b, depth - 1, p, d); put(b, ")^3"); break;
    case 14: case 15:
        put(b, "("); gen_scalar(b, depth - 1, p, d);
        put(b, k == 14 ? " + " : " - "); gen_scalar(b, depth - 1, p, d); put(b, ")"); break;
    case 16: case 17:
        put(b, "("); gen_scalar(b, depth - 1, p, d); put(b, "*");
        gen_scalar(b, depth - 1, p, d); put(b, ")"); break;
    case 18:
        put(b, "("); gen_scalar(b, depth - 1, p, d); put(b, ")/(2 + cos(");
        gen_scalar(b, depth - 1, p, d); put(b, "))"); break;
    case 19:
        put(b, "("); gen_scalar(b, depth - 1, p, d); put(b, ")^"); put(b, pick(2) ? "2" : "3");
        break;
    case 20:
        put(b, "(1.5 + sin("); gen_scalar(b, depth - 1, p, d); put(b, "))^(0.5*");
        gen_scalar(b, depth - 1, p, d); put(b, ")"); break;
    case 21: put(b, "pow(1 + sigmoid("); gen_scalar(b, depth - 1, p, d); put(b, "), 1.7)"); break;
    case 22: put(b, "sum("); gen_vector(b, depth - 1, p, d); put(b, ")"); break;
    case 23: put(b, pick(2) ? "0.3*norm2(" : "0.3*sumsq("); gen_vector(b, depth - 1, p, d);
             put(b, ")"); break;
    case 24: put(b, "dot("); gen_vector(b, depth - 1, p, d); put(b, ", ");
             gen_vector(b, depth - 1, p, d); put(b, ")"); break;
    default: put(b, "mean(sin("); gen_vector(b, depth - 1, p, d); put(b, "))"); break;
    }
    if (k == 9) put(b, ")");
}

/* FD of the value in coordinate J of θ (WHICH 0) or ω (1). */
static double fd1(bl_expr *x, gsl_vector *th, gsl_vector *om, int which, size_t j, double h)
{
    gsl_vector *v = which ? om : th;
    double x0 = gsl_vector_get(v, j);
    gsl_vector_set(v, j, x0 + h);
    double fp = bl_expr_value(x, th, om);
    gsl_vector_set(v, j, x0 - h);
    double fm = bl_expr_value(x, th, om);
    gsl_vector_set(v, j, x0);
    return (fp - fm) / (2 * h);
}

static void check_random(void)
{
    const size_t p = 3, d = 2;
    bl_expr_param a = {"a", 0.7};
    bl_expr_env env = {p, d, NULL, &a, 1};
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(d);
    gsl_vector *gt = gsl_vector_alloc(p), *go = gsl_vector_alloc(d);
    gsl_vector *vt = gsl_vector_alloc(p), *vo = gsl_vector_alloc(d);
    gsl_vector *ht = gsl_vector_alloc(p), *ho = gsl_vector_alloc(d);
    gsl_vector *wt = gsl_vector_alloc(p), *wo = gsl_vector_alloc(d);
    gsl_vector *h2t = gsl_vector_alloc(p), *h2o = gsl_vector_alloc(d);
    gsl_vector *pt = gsl_vector_alloc(p), *po = gsl_vector_alloc(d);
    gsl_vector *mt = gsl_vector_alloc(p), *mo = gsl_vector_alloc(d);
    gsl_vector *tt = gsl_vector_alloc(p), *to = gsl_vector_alloc(d);
    int n = 0, compiled = 0, failed = 0, sym_failed = 0;
    double worst1 = 0, worst2 = 0, worst_sym = 0;
    const double h = 1e-5;
    while (n < 400) {
        gbuf b = {"", 0};
        gen_scalar(&b, 2 + pick(3), p, d);
        bl_expr *x = NULL;
        bl_err e = {0, ""};
        if (bl_expr_compile(b.s, &env, NULL, &x, &e) != BL_OK) {
            tap_diag("generated '%s' does not compile: %s", b.s, e.msg);
            failed++;
            n++;
            continue;
        }
        compiled++;
        randn(th, 0.7);
        randn(om, 0.7);
        double f = bl_expr_grad(x, th, om, gt, go);
        if (!isfinite(f) || fabs(f) > 1e4) {     /* too steep for differences: another */
            bl_expr_free(x);
            continue;
        }
        n++;
        double scale = 1 + fabs(f);
        /* gradients */
        double err1 = 0, gn = 0;
        for (size_t j = 0; j < p + d; j++) {
            int w = j >= p;
            size_t i = w ? j - p : j;
            double ex = gsl_vector_get(w ? go : gt, i), fd = fd1(x, th, om, w, i, h);
            err1 = fmax(err1, fabs(ex - fd));
            gn = fmax(gn, fabs(ex));
        }
        err1 /= fmax(scale, gn);
        /* second order along (vt, vo): against differences of the exact gradient */
        randn(vt, 1);
        randn(vo, 1);
        bl_expr_hess_dir(x, th, om, vt, vo, ht, ho);
        gsl_vector_memcpy(tt, th);
        gsl_vector_memcpy(to, om);
        gsl_blas_daxpy(h, vt, tt);
        gsl_blas_daxpy(h, vo, to);
        bl_expr_grad(x, tt, to, pt, po);
        gsl_vector_memcpy(tt, th);
        gsl_vector_memcpy(to, om);
        gsl_blas_daxpy(-h, vt, tt);
        gsl_blas_daxpy(-h, vo, to);
        bl_expr_grad(x, tt, to, mt, mo);
        double err2 = 0, hn = 0;
        for (size_t i = 0; i < p; i++) {
            double fd = (gsl_vector_get(pt, i) - gsl_vector_get(mt, i)) / (2 * h);
            err2 = fmax(err2, fabs(gsl_vector_get(ht, i) - fd));
            hn = fmax(hn, fabs(gsl_vector_get(ht, i)));
        }
        for (size_t i = 0; i < d; i++) {
            double fd = (gsl_vector_get(po, i) - gsl_vector_get(mo, i)) / (2 * h);
            err2 = fmax(err2, fabs(gsl_vector_get(ho, i) - fd));
            hn = fmax(hn, fabs(gsl_vector_get(ho, i)));
        }
        err2 /= fmax(scale, hn);
        /* symmetry: ⟨w, ∇²f v⟩ = ⟨v, ∇²f w⟩ holds to round-off for exact AD */
        randn(wt, 1);
        randn(wo, 1);
        bl_expr_hess_dir(x, th, om, wt, wo, h2t, h2o);
        double s1, s2, s3, s4;
        gsl_blas_ddot(wt, ht, &s1);
        gsl_blas_ddot(wo, ho, &s2);
        gsl_blas_ddot(vt, h2t, &s3);
        gsl_blas_ddot(vo, h2o, &s4);
        double asym = fabs((s1 + s2) - (s3 + s4)) / fmax(scale, fmax(hn, 1));
        worst1 = fmax(worst1, err1);
        worst2 = fmax(worst2, err2);
        worst_sym = fmax(worst_sym, asym);
        if (!(err1 <= 1e-6 && err2 <= 1e-5)) {
            failed++;
            if (failed <= 5)
                tap_diag("'%s': gradient error %.3g, second-order error %.3g", b.s, err1, err2);
        }
        if (!(asym <= 1e-11)) {
            sym_failed++;
            if (sym_failed <= 5) tap_diag("'%s': asymmetry %.3g", b.s, asym);
        }
        bl_expr_free(x);
    }
    tap_ok(failed == 0, "%d random expressions (%d compiled): ∇θ, ∇ω and second-order products "
           "match central differences (worst %.3g, %.3g)", n, compiled, worst1, worst2);
    tap_ok(sym_failed == 0, "… and their full Hessians are symmetric to round-off "
           "(worst %.3g)", worst_sym);
    gsl_vector *all[] = {th, om, gt, go, vt, vo, ht, ho, wt, wo, h2t, h2o, pt, po, mt, mo, tt, to};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gsl_vector_free(all[i]);
}

/* Worst error of the gradient (against central differences of the value)
 * and of the second-order product along a random direction (against
 * central differences of the exact gradient) of X at (TH, OM), relative to
 * max(1, the largest entry). */
static void fd_errors(bl_expr *x, gsl_vector *th, gsl_vector *om, double *e1, double *e2)
{
    size_t p = th->size, d = om->size;
    const double h = 1e-6;
    gsl_vector *gt = gsl_vector_alloc(p), *go = gsl_vector_alloc(d);
    gsl_vector *vt = gsl_vector_alloc(p), *vo = gsl_vector_alloc(d);
    gsl_vector *ht = gsl_vector_alloc(p), *ho = gsl_vector_alloc(d);
    gsl_vector *pt = gsl_vector_alloc(p), *po = gsl_vector_alloc(d);
    gsl_vector *mt = gsl_vector_alloc(p), *mo = gsl_vector_alloc(d);
    gsl_vector *tt = gsl_vector_alloc(p), *to = gsl_vector_alloc(d);
    bl_expr_grad(x, th, om, gt, go);
    double err = 0, big = 1;
    for (size_t j = 0; j < p + d; j++) {
        int w = j >= p;
        size_t i = w ? j - p : j;
        double ex = gsl_vector_get(w ? go : gt, i);
        err = fmax(err, fabs(ex - fd1(x, th, om, w, i, h)));
        big = fmax(big, fabs(ex));
    }
    *e1 = err / big;
    randn(vt, 1);
    randn(vo, 1);
    bl_expr_hess_dir(x, th, om, vt, vo, ht, ho);
    gsl_vector_memcpy(tt, th);
    gsl_vector_memcpy(to, om);
    gsl_blas_daxpy(h, vt, tt);
    gsl_blas_daxpy(h, vo, to);
    bl_expr_grad(x, tt, to, pt, po);
    gsl_vector_memcpy(tt, th);
    gsl_vector_memcpy(to, om);
    gsl_blas_daxpy(-h, vt, tt);
    gsl_blas_daxpy(-h, vo, to);
    bl_expr_grad(x, tt, to, mt, mo);
    err = 0;
    big = 1;
    for (size_t i = 0; i < p + d; i++) {
        int w = i >= p;
        size_t k = w ? i - p : i;
        double fd = (gsl_vector_get(w ? po : pt, k) - gsl_vector_get(w ? mo : mt, k)) / (2 * h);
        double ex = gsl_vector_get(w ? ho : ht, k);
        err = fmax(err, fabs(ex - fd));
        big = fmax(big, fabs(ex));
    }
    *e2 = err / big;
    gsl_vector *all[] = {gt, go, vt, vo, ht, ho, pt, po, mt, mo, tt, to};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) gsl_vector_free(all[i]);
}

/* norm2(v) is the Euclidean norm ‖v‖ and sumsq(v) = Σ vᵢ² (the name that
 * was norm2 before): values, derivatives against the closed forms
 * ∇‖θ‖ = θ/‖θ‖, ∇²‖θ‖ v = (v − θ θᵀv/‖θ‖²)/‖θ‖, ∇Σθ² = 2θ, ∇²Σθ² v = 2v
 * and against finite differences; at v = 0 norm2 has the subgradient 0
 * and a zero second derivative, while norm2(v)^2 is sumsq(v) (Hessian 2I). */
static void check_norms(void)
{
    const size_t p = 4, d = 2;
    bl_expr_env env = env_of(p, d, NULL);
    gsl_vector *th = gsl_vector_alloc(p), *om = gsl_vector_alloc(d);
    gsl_vector *g = gsl_vector_alloc(p), *go = gsl_vector_alloc(d);
    gsl_vector *v = gsl_vector_alloc(p), *hv = gsl_vector_alloc(p), *ho = gsl_vector_alloc(d);
    randn(th, 1.0);
    randn(om, 1.0);
    randn(v, 1.0);
    double r = gsl_blas_dnrm2(th), tv;
    gsl_blas_ddot(th, v, &tv);

    bl_expr *n2 = compile_ok("norm2(theta)", &env), *sq = compile_ok("sumsq(theta)", &env);
    bl_expr *n2sq = compile_ok("norm2(theta)^2", &env);
    bl_expr *mix = compile_ok("omega[1]*norm2(theta - omega[0]) + 0.5*sumsq(theta*omega[0])",
                              &env);
    if (!n2 || !sq || !n2sq || !mix) goto out;

    /* values */
    double a = bl_expr_value(n2, th, om), b = bl_expr_value(sq, th, om);
    tap_ok(fabs(a - r) <= 1e-15 * r && fabs(b - r * r) <= 1e-14 * r * r,
           "norm2(θ) = ‖θ‖ (%.17g, want %.17g) and sumsq(θ) = ‖θ‖² (%.17g)", a, r, b);

    /* closed-form derivatives of norm2 */
    double err = 0;
    bl_expr_grad(n2, th, om, g, NULL);
    bl_expr_hess_dir(n2, th, om, v, NULL, hv, NULL);
    for (size_t i = 0; i < p; i++) {
        double ti = gsl_vector_get(th, i), vi = gsl_vector_get(v, i);
        err = fmax(err, fabs(gsl_vector_get(g, i) - ti / r));
        err = fmax(err, fabs(gsl_vector_get(hv, i) - (vi - ti * tv / (r * r)) / r));
    }
    tap_ok(err <= 1e-14, "∇norm2(θ) = θ/‖θ‖ and ∇²norm2(θ) v = (v − θθᵀv/‖θ‖²)/‖θ‖ "
           "(worst %.3g)", err);
    err = 0;
    bl_expr_grad(sq, th, om, g, NULL);
    bl_expr_hess_dir(sq, th, om, v, NULL, hv, NULL);
    for (size_t i = 0; i < p; i++) {
        err = fmax(err, fabs(gsl_vector_get(g, i) - 2 * gsl_vector_get(th, i)));
        err = fmax(err, fabs(gsl_vector_get(hv, i) - 2 * gsl_vector_get(v, i)));
    }
    tap_ok(err <= 1e-14, "∇sumsq(θ) = 2θ and ∇²sumsq(θ) v = 2v (worst %.3g)", err);

    /* finite differences, the mixed θ–ω terms included */
    bl_expr *all[] = {n2, sq, n2sq, mix};
    const char *names[] = {"norm2(θ)", "sumsq(θ)", "norm2(θ)^2",
                           "ω₁‖θ − ω₀‖ + ½ sumsq(θω₀)"};
    for (size_t k = 0; k < 4; k++) {
        double e1, e2;
        fd_errors(all[k], th, om, &e1, &e2);
        tap_ok(e1 <= 1e-8 && e2 <= 1e-7, "%s: gradient and second-order products match "
               "central differences (%.3g, %.3g)", names[k], e1, e2);
    }

    /* at θ = 0: the subgradient 0 and a zero second derivative for norm2;
     * norm2(θ)^2 is compiled as sumsq(θ), smooth there (H = 2I) */
    gsl_vector_set_zero(th);
    double z = bl_expr_grad(n2, th, om, g, NULL);
    bl_expr_hess_dir(n2, th, om, v, NULL, hv, NULL);
    int finite = isfinite(z) && z == 0;
    for (size_t i = 0; i < p; i++)
        finite = finite && gsl_vector_get(g, i) == 0 && gsl_vector_get(hv, i) == 0;
    tap_ok(finite, "norm2 at θ = 0: value 0, gradient 0 (the subgradient chosen), second "
           "derivative 0, no NaN");
    err = 0;
    bl_expr_grad(n2sq, th, om, g, NULL);
    bl_expr_hess_dir(n2sq, th, om, v, NULL, hv, NULL);
    for (size_t i = 0; i < p; i++) {
        err = fmax(err, fabs(gsl_vector_get(g, i)));
        err = fmax(err, fabs(gsl_vector_get(hv, i) - 2 * gsl_vector_get(v, i)));
    }
    tap_ok(err == 0, "norm2(θ)^2 at θ = 0: gradient 0 and H v = 2v, as sumsq (worst %.3g)",
           err);
    /* the mixed expression where θ − ω₀ = 0: norm2's part drops out */
    gsl_vector_set_all(th, gsl_vector_get(om, 0));
    bl_expr_grad(mix, th, om, g, go);
    double w0 = gsl_vector_get(om, 0);
    err = fabs(gsl_vector_get(go, 1));           /* ∂/∂ω₁ = ‖θ − ω₀‖ = 0 */
    for (size_t i = 0; i < p; i++)               /* ∇θ = ω₀²θ */
        err = fmax(err, fabs(gsl_vector_get(g, i) - w0 * w0 * gsl_vector_get(th, i)));
    bl_expr_hess_dir(mix, th, om, v, NULL, hv, ho);
    for (size_t i = 0; i < p; i++)
        err = fmax(err, fabs(gsl_vector_get(hv, i) - w0 * w0 * gsl_vector_get(v, i)));
    tap_ok(err <= 1e-14, "ω₁‖θ − ω₀‖ at θ = ω₀: the kink contributes 0 to ∇ and ∇² "
           "(worst %.3g)", err);
out:
    bl_expr_free(n2);
    bl_expr_free(sq);
    bl_expr_free(n2sq);
    bl_expr_free(mix);
    gsl_vector *vs[] = {th, om, g, go, v, hv, ho};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) gsl_vector_free(vs[i]);
}

/* Mixed partials through the reductions and products of vectors: a
 * hand-checked case. f = dot(theta, theta*omega[0]) + sum(theta)^2*omega[1]
 *   = ω₀‖θ‖² + ω₁ s², s = Σθ.
 *   ∇θ = 2ω₀θ + 2ω₁ s 1,  ∇ω = (‖θ‖², s²)
 *   H_θθ v = 2ω₀ v + 2ω₁ (1ᵀv) 1,  H_θω u = 2θ u₀ + 2 s 1 u₁,
 *   H_ωθ v = (2θᵀv, 2 s 1ᵀv). */
static void check_mixed(void)
{
    bl_expr_env env = env_of(3, 2, NULL);
    bl_expr *x = compile_ok("dot(theta, theta*omega[0]) + sum(theta)^2*omega[1]", &env);
    if (!x) return;
    gsl_vector *th = gsl_vector_alloc(3), *om = gsl_vector_alloc(2), *v = gsl_vector_alloc(3);
    gsl_vector *u = gsl_vector_alloc(2), *ht = gsl_vector_alloc(3), *ho = gsl_vector_alloc(2);
    randn(th, 1);
    randn(om, 1);
    randn(v, 1);
    randn(u, 1);
    double s = 0, sv = 0, tv = 0, nt = 0;
    for (size_t i = 0; i < 3; i++) {
        s += gsl_vector_get(th, i);
        sv += gsl_vector_get(v, i);
        tv += gsl_vector_get(th, i) * gsl_vector_get(v, i);
        nt += gsl_vector_get(th, i) * gsl_vector_get(th, i);
    }
    double w0 = gsl_vector_get(om, 0), w1 = gsl_vector_get(om, 1);
    double u0 = gsl_vector_get(u, 0), u1 = gsl_vector_get(u, 1);
    bl_expr_hess_dir(x, th, om, v, u, ht, ho);
    double worst = 0;
    for (size_t i = 0; i < 3; i++) {
        double want = 2 * w0 * gsl_vector_get(v, i) + 2 * w1 * sv
                      + 2 * gsl_vector_get(th, i) * u0 + 2 * s * u1;
        worst = fmax(worst, fabs(gsl_vector_get(ht, i) - want));
    }
    worst = fmax(worst, fabs(gsl_vector_get(ho, 0) - 2 * tv));
    worst = fmax(worst, fabs(gsl_vector_get(ho, 1) - 2 * s * sv));
    gsl_vector *gt = gsl_vector_alloc(3), *go = gsl_vector_alloc(2);
    bl_expr_grad(x, th, om, gt, go);
    for (size_t i = 0; i < 3; i++)
        worst = fmax(worst, fabs(gsl_vector_get(gt, i) - (2 * w0 * gsl_vector_get(th, i) + 2 * w1 * s)));
    worst = fmax(worst, fabs(gsl_vector_get(go, 0) - nt));
    worst = fmax(worst, fabs(gsl_vector_get(go, 1) - s * s));
    tap_ok(worst <= 1e-13, "dot, sum, broadcasting: gradient and the mixed second-order "
           "product by hand (worst %.3g)", worst);
    bl_expr_free(x);
    gsl_vector *all[] = {th, om, v, u, ht, ho, gt, go};
    for (size_t i = 0; i < 8; i++) gsl_vector_free(all[i]);
}

static void check_custom_refusals(void)
{
    bl_err e = {0, ""};
    bl_problem *P = bl_problem_alloc(&bl_problem_custom, NULL, NULL, &e);
    tap_ok(!P && has(e.msg, "custom has no complete definition yet"),
           "custom without a definition: %s", e.msg);
    bl_problem_free(P);
    bl_expr_def *def = bl_expr_def_new();
    def->p = 2;
    def->d = 1;
    bl_expr_def_set_text(def, 0, "theta[0]^2 + theta[5]");
    bl_expr_def_set_text(def, 1, "theta[1]");
    e.msg[0] = 0;
    P = bl_problem_alloc_def(&bl_problem_custom, NULL, NULL, def, &e);
    tap_ok(!P && has(e.msg, "inner: index 5 is outside theta"),
           "custom with an index outside θ: %s", e.msg);
    bl_expr_def_set_text(def, 0, "theta[0]^2");
    P = bl_problem_alloc_def(&bl_problem_custom, NULL, NULL, def, &e);
    tap_ok(P && P->p == 2 && P->d == 1 && P->def && P->def != def
           && !strcmp(P->def->inner, def->inner),
           "custom with a valid definition keeps a copy of it");
    /* a type that is not defined keeps def NULL */
    bl_problem *Q = bl_problem_alloc_def(&bl_problem_quadratic, NULL, NULL, def, &e);
    tap_ok(Q && Q->def == NULL, "other types ignore a definition");
    bl_problem_free(Q);
    bl_problem_free(P);
    bl_expr_def_free(def);
}

int main(void)
{
    bl_init();
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20260701);
    bl_dataset *ds = NULL;
    char path[1024];
    bl_err e = {0, ""};
    if (bl_data_find_bundled("diabetes", path, sizeof path)) {
        bl_load_opts lo;
        bl_load_opts_default(&lo);
        if (bl_data_load("diabetes", &lo, &ds, &e) != BL_OK) ds = NULL;
    }
    check_values();
    check_parse_errors(ds);
    check_names();
    check_domain();
    check_mixed();
    check_norms();
    check_custom_refusals();
    check_doublewell();
    check_nonsingleton();
    check_ridge();
    check_logistic();
    check_logreg_bundled();
    check_random();
    bl_dataset_free(ds);
    gsl_rng_free(rng);
    return tap_done();
}
