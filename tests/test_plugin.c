/* test_plugin.c: adding an estimator is one function and one table row.
 *
 * This program is built with src/core/hypergrad.c compiled with
 * -DBL_TEST_EXTRA_ESTIMATOR, which adds the throwaway estimator `halfexact`
 * (half of exact: halfexact_run and the row halfexact_type, nothing else).
 * The test checks that everything that lists, completes, warns about or
 * cycles through estimators picks it up from the table: the table and its
 * lookup, its number (half the closed-form ∇F), `hypergrad`, `help
 * hypergrad` and `help halfexact`, Tab completion, the pre-run refusal and
 * the advice where H is singular, `adjoint`, --explain and the dashboard's
 * `e` cycle.  (tests/test_estimators_extra runs the estimator × problem
 * table of test_estimators.c on the same build.) */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "fixtures.h"
#include "command.h"
#include "dash.h"
#include "hypergrad.h"
#include "session.h"

#ifndef BL_TEST_EXTRA_ESTIMATOR
#error "test_plugin.c is built with -DBL_TEST_EXTRA_ESTIMATOR (Makefile.am)"
#endif

/* A session whose output and errors go to memory. */
typedef struct sess {
    bl_session *S;
    FILE *out, *err;
    char *obuf, *ebuf;
    size_t olen, elen;
    bl_cancel_t cancel;
} sess;

static int sess_open(sess *s)
{
    memset(s, 0, sizeof *s);
    s->out = open_memstream(&s->obuf, &s->olen);
    s->err = open_memstream(&s->ebuf, &s->elen);
    if (!s->out || !s->err) return 0;
    s->S = bl_session_new(s->out, s->err, &s->cancel);
    if (s->S) s->S->keep_going = 1;
    return s->S != NULL;
}

/* Runs LINE; *OUT and *ERR (may be NULL) point at what it printed, valid
 * until the next run. */
static int sess_run(sess *s, const char *line, const char **out, const char **err)
{
    fflush(s->out);
    fflush(s->err);
    size_t o0 = s->olen, e0 = s->elen;
    int st = bl_execute_line(s->S, line);
    fflush(s->out);
    fflush(s->err);
    if (out) *out = s->obuf + o0;
    if (err) *err = s->ebuf + e0;
    return st;
}

static void sess_close(sess *s)
{
    bl_session_free(s->S);
    if (s->out) fclose(s->out);
    if (s->err) fclose(s->err);
    free(s->obuf);
    free(s->ebuf);
}

/* The number after KEY ("\"rel_err\":") in the JSON object of TEXT that
 * holds "\"spec\":\"SPEC\""; NaN when there is none. */
static double json_num(const char *text, const char *spec, const char *key)
{
    char want[128];
    snprintf(want, sizeof want, "\"spec\":\"%s\"", spec);
    const char *at = strstr(text, want);
    if (!at) return NAN;
    const char *k = strstr(at, key);
    const char *end = strchr(at, '}');
    if (!k || (end && k > end)) return NAN;
    return strtod(k + strlen(key), NULL);
}

/* ---- the table ---- */

static void check_table(void)
{
    size_t n = 0;
    while (bl_estimators[n]) n++;
    const bl_estimator_type *T = bl_estimator_lookup("halfexact");
    tap_ok(T && n == 12 && bl_estimators[n - 1] == T && !strcmp(T->name, "halfexact"),
           "the table has the extra row halfexact, last of %zu", n);
    tap_ok(T && bl_estimator_lookup("half") == T && bl_estimator_lookup("exact") != T
           && bl_estimator_lookup("h") == T,
           "lookup: halfexact by name and unique prefix (half, h); exact is still exact");
    bl_spec s;
    bl_err e = {0, ""};
    tap_ok(bl_spec_parse("halfexact:pinv", &s, &e) == BL_OK && s.type == T && s.par[0] == 1
           && !bl_spec_needs_pd(&s) && !bl_spec_is_reference(&s),
           "halfexact:pinv parses (its parameter pinv lifts the need for a positive "
           "definite H); it is not the reference");
    tap_ok(bl_spec_parse("halfexact", &s, &e) == BL_OK && bl_spec_needs_pd(&s)
           && !bl_spec_is_reference(&s), "halfexact needs H positive definite");
    char who[256], use[512];
    bl_estimator_names(BL_EST_NEEDS_PD, who, sizeof who);
    tap_ok(!strcmp(who, "exact, cg and halfexact"), "needs H positive definite: %s", who);
    bl_estimator_names(BL_EST_NEEDS_ADJOINT, who, sizeof who);
    tap_ok(!strcmp(who, "exact, cg, neumann, fp and halfexact"), "has an adjoint: %s", who);
    bl_estimator_advice_not_pd(use, sizeof use);
    tap_ok(!strcmp(use, "exact:pinv, neumann or fp with a contracting η, reverse, forward, "
                   "truncated, onestep, first-order, penalty, fd or halfexact:pinv"),
           "the advice where H is not positive definite names halfexact:pinv: %s", use);
    bl_estimator_advice_matrix_free(use, sizeof use);
    tap_ok(!strcmp(use, "cg, neumann or fp with a contracting η, reverse, forward, truncated, "
                   "onestep, first-order, penalty, fd"),
           "the advice over mem.max leaves out halfexact, which forms the dense H: %s", use);
}

/* ---- its number: half the closed-form ∇F at θ* ---- */

static void check_number(void)
{
    bl_err e = {0, ""};
    bl_problem *P = quadratic(6, 3, 20, 0.1, 5);
    if (!tap_ok(P != NULL, "quadratic(p=6, d=3) builds: %s", e.msg)) return;
    gsl_vector *om = gsl_vector_alloc(P->d), *th = gsl_vector_alloc(P->p);
    gsl_vector *g = gsl_vector_alloc(P->d), *gc = gsl_vector_alloc(P->d);
    for (size_t i = 0; i < P->d; i++) gsl_vector_set(om, i, 0.3 + 0.2 * (double)i);
    P->type->theta_star(P, om, th);
    P->type->hypergrad(P, om, gc);                 /* the closed form ∇F(ω) */
    bl_inner_conf ic = {.type = bl_inner_newton, .tol = 1e-12, .maxit = 100};
    bl_hg_ctx c = {.P = P, .omega = om, .theta = th, .inner = &ic,
                   .eta = bl_inner_default_eta(P, th, om)};
    const char *specs[] = {"halfexact", "halfexact:pinv"};
    for (size_t k = 0; k < 2; k++) {
        bl_spec s;
        bl_hg_result r = {.grad = g};
        int st = bl_spec_parse(specs[k], &s, &e);
        if (st == BL_OK) st = bl_hypergrad(&s, &c, &r, &e);
        gsl_vector_scale(g, 2.0);
        double rel = dist(g, gc) / gsl_blas_dnrm2(gc);
        tap_ok(st == BL_OK && rel <= 1e-10 && r.has_adjoint && r.cvp == 1,
               "%s at θ* is half the closed-form ∇F (rel %.3g), one C-product", specs[k], rel);
    }
    gsl_vector_free(om);
    gsl_vector_free(th);
    gsl_vector_free(g);
    gsl_vector_free(gc);
    bl_problem_free(P);
}

/* ---- the commands ---- */

static void check_commands(void)
{
    sess s;
    if (!tap_ok(sess_open(&s), "a session")) return;
    const char *out, *err;

    int st = sess_run(&s, "problem use quadratic p=6 d=3 kappa=20; solve inner; "
                      "set format json; hypergrad exact halfexact", &out, &err);
    double re = json_num(out, "halfexact", "\"rel_err\":");
    double cs = json_num(out, "halfexact", "\"cosine\":");
    tap_ok(st == BL_OK && fabs(re - 0.5) <= 1e-12 && fabs(cs - 1) <= 1e-12,
           "hypergrad exact halfexact: halfexact's row, rel.err ‖g/2 − g‖/‖g‖ = 0.5 "
           "(%.17g), cosine 1 (%.17g)", re, cs);

    st = sess_run(&s, "set format table; hypergrad halfexact fd", &out, &err);
    tap_ok(st == BL_OK && has(out, "\nhalfexact ") && has(out, "g[halfexact] = "),
           "hypergrad (table) shows its row and its vector");

    st = sess_run(&s, "help hypergrad", &out, &err);
    tap_ok(st == BL_OK && has(out, "  halfexact:pinv=0\n      half of exact"),
           "help hypergrad lists halfexact:pinv=0 with its help");
    st = sess_run(&s, "help halfexact", &out, &err);
    tap_ok(st == BL_OK && has(out, "halfexact (estimator): half of exact")
           && has(out, "needs: H positive definite"), "help halfexact: its page");
    st = sess_run(&s, "help half", &out, &err);
    tap_ok(st == BL_OK && has(out, "halfexact (estimator)"), "help half: by prefix");

    /* Tab completion: the word after hypergrad and explain, adjoint */
    static const char *const cmds[] = {"hypergrad", "explain"};
    for (size_t k = 0; k < 2; k++) {
        char *w[] = {(char *)cmds[k]};
        int name = 0, par = 0;
        const char *c;
        for (size_t i = 0; (c = bl_complete(s.S, w, 1, i)) != NULL; i++) {
            name |= !strcmp(c, "halfexact");
            par |= !strcmp(c, "halfexact:pinv=");
        }
        tap_ok(name && par, "completion after %s offers halfexact and halfexact:pinv=",
               cmds[k]);
    }
    char *wa[] = {"adjoint"};
    const char *c;
    int name = 0, other = 0;
    for (size_t i = 0; (c = bl_complete(s.S, wa, 1, i)) != NULL; i++) {
        name |= !strcmp(c, "halfexact");
        other |= !strcmp(c, "reverse") || !strcmp(c, "fd");
    }
    tap_ok(name && !other, "completion after adjoint offers halfexact (it has an adjoint), "
           "not reverse or fd");
    char *w[] = {"help"};
    int topic = 0;
    for (size_t i = 0; (c = bl_complete(s.S, w, 1, i)) != NULL; i++) topic |= !strcmp(c, "halfexact");
    tap_ok(topic, "completion after help offers halfexact");
    char *ws[] = {"set", "outer.estimator"};
    topic = 0;
    for (size_t i = 0; (c = bl_complete(s.S, ws, 2, i)) != NULL; i++) topic |= !strcmp(c, "halfexact");
    tap_ok(topic, "completion after set outer.estimator offers halfexact");

    /* adjoint SPEC: halfexact has one (NEEDS_ADJOINT), a/2 */
    st = sess_run(&s, "adjoint halfexact", &out, &err);
    tap_ok(st == BL_OK && has(out, "halfexact"), "adjoint halfexact: its adjoint");
    st = sess_run(&s, "adjoint reverse", &out, &err);
    tap_ok(st != BL_OK && has(err, "reverse has no adjoint (the adjoint methods are exact, "
                              "cg, neumann, fp and halfexact)"),
           "adjoint of a method without one lists the adjoint methods, halfexact with them");

    /* --explain: its error, the halving, is g/2 − g = −g/2 at θ* */
    st = sess_run(&s, "explain halfexact", &out, &err);
    tap_ok(st == BL_OK && has(out, "halving"), "explain halfexact: its own part, halving");

    /* the dashboard's e: hypergrad.specs, then the table's live specs */
    char list[48][BL_DASH_SPEC_MAX];
    sess_run(&s, "set hypergrad.specs exact fd", NULL, NULL);
    size_t n = bl_dash_cycle(s.S, list, 48);
    int forward = 0;
    for (size_t i = 0; i < n; i++) forward |= !strncmp(list[i], "forward", 7);
    tap_ok(n == 11 && !strcmp(list[0], "exact") && !strcmp(list[1], "fd")
           && !strcmp(list[2], "cg:k=10") && !strcmp(list[9], "penalty")
           && !strcmp(list[n - 1], "halfexact") && !forward,
           "the dashboard's e cycle: exact fd, then the table's live specs (forward left "
           "out), halfexact last (%zu specs, last %s)", n, n ? list[n - 1] : "-");

    /* where H is singular: the refusal before running and the advice */
    st = sess_run(&s, "problem use nonsingleton; solve inner; hypergrad cg", &out, &err);
    tap_ok(st != BL_OK && has(err, "cg: H is singular at the current θ")
           && has(err, "exact, cg and halfexact need it positive definite; here use "
                  "exact:pinv, neumann or fp with a contracting η, reverse, forward, "
                  "truncated, onestep, first-order, penalty, fd or halfexact:pinv"),
           "hypergrad cg where H is singular: refused, halfexact in the need and the advice");
    st = sess_run(&s, "hypergrad halfexact", &out, &err);
    tap_ok(st != BL_OK && has(err, "halfexact: H is not positive definite")
           && has(err, "exact, cg and halfexact need it; here use exact:pinv, ")
           && has(err, "fd or halfexact:pinv"),
           "hypergrad halfexact where H is singular: its own refusal, with the advice");
    st = sess_run(&s, "hypergrad halfexact:pinv", &out, &err);
    tap_ok(st == BL_OK && has(out, "halfexact:pinv"), "halfexact:pinv runs there");
    st = sess_run(&s, "spectrum", &out, &err);
    tap_ok(st == BL_OK && has(out, "exact, cg and halfexact do not apply"),
           "spectrum: exact, cg and halfexact do not apply on a singular H");
    sess_close(&s);
}

int main(void)
{
    bl_init();
    check_table();
    check_number();
    check_commands();
    return tap_done();
}
