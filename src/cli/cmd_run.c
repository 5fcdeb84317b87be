/* cmd_run.c: step inner|outer [N], solve inner, run N, reset, trace. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <gsl/gsl_blas.h>

#include "args.h"
#include "command.h"
#include "output.h"
#include "stoch_cli.h"

static const char *const whats[] = {"inner", "outer", "adjoint"};

static void print_inner(bl_session *S, const char *cmd, int final)
{
    const bl_inner *it = S->inner;
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        if (!final) return;
        bl_json j;
        bl_json_begin(&j, S->out, cmd);
        bl_json_str(&j, "what", "inner");
        bl_json_str(&j, "solver", it->type->name);
        bl_json_int(&j, "iterations", (long long)S->inner_total);
        bl_json_num(&j, "residual", it->resid);
        bl_json_num(&j, "value", it->value);
        bl_json_num(&j, "eta", it->eta);
        bl_json_vec(&j, "theta", S->theta->data, S->theta->size, S->theta->stride);
        bl_json_end(&j);
        return;
    }
    char a[64], b[64], name[64];
    snprintf(name, sizeof name, strcmp(S->set[BL_S_INNER_SOLVER].str, "auto") ? "%s"
             : "(auto: %s)", it->type->name);
    fprintf(S->out, "inner %s %5zu  G = %-14s %s = %s\n", name, S->inner_total, bl_out_fmt(a, sizeof a, it->value, dg),
            S->P->type->flags & BL_PROB_NONSMOOTH ? "prox residual" : "‖∇θG‖",
            bl_out_fmt(b, sizeof b, it->resid, dg));
}

/* Runs N inner iterations (or to tolerance when SOLVE); θ is rolled back
 * when an iteration fails. */
static int inner_steps(bl_session *S, size_t n, int solve, bl_err *e)
{
    int st = bl_session_inner(S, e);
    if (st) return st;
    gsl_vector *keep = gsl_vector_alloc(S->theta->size);
    if (!keep) return BL_ENOMEM;
    gsl_vector_memcpy(keep, S->theta);
    const char *cmd = solve ? "solve" : "step";
    if (solve) {
        bl_inner_conf c;
        bl_session_inner_conf(S, &c);
        st = bl_inner_run(S->inner, c.tol, c.maxit, S->cancel, e);
    } else {
        for (size_t k = 0; k < n && st == BL_OK; k++) {
            if (*S->cancel) {
                bl_err_set(e, BL_EINTR, "interrupted after %zu of %zu iterations", k, n);
                st = BL_EINTR;
                break;
            }
            st = bl_inner_iterate(S->inner, e);
            if (st == BL_OK && n <= 10 && k + 1 < n) {
                S->inner_total = S->inner_base + S->inner->iter;
                print_inner(S, cmd, 0);
            }
        }
    }
    S->inner_total = S->inner_base + S->inner->iter;
    if (st == BL_EDIVERGE || st == BL_ENOTPD) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        bl_err_set(e, st, "%s; θ rolled back to its last good value", why);
        gsl_vector_memcpy(S->theta, keep);
        bl_session_touch(S, BL_CHG_THETA);     /* the iterator is lost with it */
        gsl_vector_free(keep);
        return st;
    }
    bl_session_take_inner(S);
    gsl_vector_free(keep);
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    if (st == BL_ESTALL && bl_inner_test(S->inner, ic.tol) == BL_OK) {
        /* steps past a solution that is already at inner.tol: no warning */
        bl_session_msg(S, BL_MSG_NOTE, cmd, "%s: θ is solved to inner.tol = %.3g; %s stopped "
                       "after %zu iterations at round-off (‖∇θG‖ = %.3g)", cmd, ic.tol,
                       S->inner->type->name, S->inner->iter, S->inner->resid);
        st = BL_OK;
    }
    if (st == BL_EMAXITER || st == BL_ESTALL) {
        bl_session_msg(S, BL_MSG_WARNING, cmd, "%s", e->msg);
        st = BL_OK;
    }
    if (st == BL_OK || st == BL_EINTR) print_inner(S, cmd, 1);
    return st;
}

/* What the inner residual of the session's problem is called. */
static const char *resid_name(const bl_session *S)
{
    return S->P->type->flags & BL_PROB_NONSMOOTH ? "prox residual" : "‖∇θG‖";
}

/* Whether row R of the trace is a zero step because backtracking gave up
 * (a zero step at ∇F = 0 or against the box is where the outer problem
 * stands still, not a warning). */
static int gave_up(const bl_trace *t, size_t r)
{
    int w = t->info[r].why;
    return t->step[r] == 0 && (w == BL_STEP_NODECREASE || w == BL_STEP_NONFINITE
                               || w == BL_STEP_SOLVEFAIL
                               || (w == BL_STEP_ROUNDOFF && t->info[r].inner.failures));
}

/* Why row R of the trace took a zero step, in words, into BUF. */
static const char *zero_step_text(const bl_trace *t, size_t r, char *buf, size_t len)
{
    const bl_step_info *in = &t->info[r];
    if (in->why == BL_STEP_NODECREASE || in->why == BL_STEP_NONFINITE
        || in->why == BL_STEP_SOLVEFAIL || in->why == BL_STEP_ROUNDOFF)
        snprintf(buf, len, "backtracking gave up after %d halvings: %s%s", in->halvings,
                 bl_step_why(in->why), in->inner.failures
                 ? " (inner solves stopped short of inner.tol: F is not accurate there)" : "");
    else
        snprintf(buf, len, "%s", bl_step_why(in->why));
    return buf;
}

/* The JSON members of trace row R that say how its inner solves ended. */
static void json_row_inner(bl_json *j, const bl_trace *t, size_t r)
{
    char why[512];
    bl_json_bool(j, "inner_converged", bl_trace_converged(t, r));
    bl_json_num(j, "inner_residual", t->info[r].resid);
    bl_json_int(j, "inner_solves", (long long)t->info[r].inner.solves);
    bl_json_int(j, "inner_failures", (long long)t->info[r].inner.failures);
    if (t->step[r] == 0 && t->info[r].why != BL_STEP_MOVED)
        bl_json_str(j, "zero_step_reason", zero_step_text(t, r, why, sizeof why));
}

/* After outer steps: one warning line for the inner solves of trace rows
 * FROM.. that stopped short of inner.tol, one for the steps that were 0. */
static void report_outer(bl_session *S, const char *cmd, size_t from)
{
    const bl_trace *t = &S->outer->trace;
    bl_solve_tally all = {0, 0, 0};
    size_t zero = 0, first = 0;
    for (size_t r = from; r < t->n; r++) {
        bl_tally_merge(&all, &t->info[r].inner);
        if (gave_up(t, r) && zero++ == 0) first = r;
    }
    bl_inner_conf ic;
    bl_outer_conf oc;
    bl_session_inner_conf(S, &ic);
    bl_session_outer_conf(S, &oc);
    char limit[96], why[512];
    if (oc.inner_steps)
        snprintf(limit, sizeof limit, "outer.inner = %zu, inner.maxit = %zu", oc.inner_steps,
                 ic.maxit);
    else
        snprintf(limit, sizeof limit, "inner.maxit = %zu", ic.maxit);
    bl_warn_inner(S, cmd, all.failures, all.solves, "inner solves", all.worst,
                  resid_name(S), ic.tol, limit, NULL);
    if (zero == 0) return;
    zero_step_text(t, first, why, sizeof why);
    if (zero == 1)
        bl_session_msg(S, BL_MSG_WARNING, cmd, "outer step %zu took a step of 0: %s",
                       first + 1, why);
    else
        bl_session_msg(S, BL_MSG_WARNING, cmd, "%zu of %zu outer steps were 0; the first "
                       "(step %zu): %s", zero, t->n - from, first + 1, why);
}

static void print_outer_row(bl_session *S, const char *cmd)
{
    const bl_trace *t = &S->outer->trace;
    size_t r = t->n - 1;
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, cmd);
        bl_json_str(&j, "what", "outer");
        bl_json_int(&j, "iterations", (long long)S->outer->iter);
        bl_json_vec(&j, "omega_before", t->omega + r * t->d, t->d, 1);
        bl_json_num(&j, "F", t->F[r]);
        bl_json_num(&j, "grad_norm", t->gnorm[r]);
        bl_json_num(&j, "step", t->step[r]);
        bl_json_int(&j, "inner_iterations", (long long)t->inner_iters[r]);
        bl_json_int(&j, "estimator_iterations", (long long)t->adjoint_iters[r]);
        json_row_inner(&j, t, r);
        bl_json_vec(&j, "omega", S->omega->data, S->omega->size, S->omega->stride);
        bl_json_vec(&j, "theta", S->theta->data, S->theta->size, S->theta->stride);
        bl_json_end(&j);
        return;
    }
    char a[64], b[64], c[64], w[1024];
    /* "!": an inner solve of the step stopped short of inner.tol; ω cut
     * to the terminal's width */
    char head[256];
    int W = bl_session_width(S);
    snprintf(head, sizeof head, "outer %4zu  F = %-14s ‖g‖ = %-12s s = %-10s inner %zu%s → ω = ",
             S->outer->iter, bl_out_fmt(a, sizeof a, t->F[r], dg),
             bl_out_fmt(b, sizeof b, t->gnorm[r], dg), bl_out_fmt(c, sizeof c, t->step[r], 3),
             t->inner_iters[r], bl_trace_converged(t, r) ? "" : "!");
    bl_fmt_vec_fit(w, sizeof w, S->omega->data, S->omega->size, S->omega->stride, dg, 4,
                   W > 0 ? W - bl_utf8_width(head) : 0);
    fprintf(S->out, "%s%s\n", head, w);
    if (t->step[r] == 0 && t->info[r].why != BL_STEP_MOVED && !gave_up(t, r))
        fprintf(S->out, "  (a step of 0: %s%s)\n", bl_step_why(t->info[r].why),
                t->info[r].why == BL_STEP_ROUNDOFF ? ": ω is stationary to round-off" : "");
}

/* N outer steps; prints each row when VERBOSE, a progress line on a
 * terminal otherwise. */
static int outer_steps(bl_session *S, size_t n, int verbose, bl_err *e)
{
    if (bl_stoch_selected(S)) return bl_stoch_steps(S, n, verbose, e);
    bl_inner_conf ic;
    bl_outer_conf oc;
    bl_session_inner_conf(S, &ic);
    bl_session_outer_conf(S, &oc);
    bl_outer_env env = {.P = S->P, .omega = S->omega, .theta = S->theta, .inner = &ic,
                        .conf = &oc, .estimator = S->set[BL_S_OUTER_ESTIMATOR].spec,
                        .cancel = S->cancel};
    if (!S->adjoint_last) S->adjoint_last = gsl_vector_calloc(S->P->p);
    int warm_ok = S->adjoint_last != NULL && S->adj_valid;
    env.adjoint = S->adjoint_last;
    env.warm = S->set[BL_S_ADJOINT_WARM].num != 0 && warm_ok;
    env.mem_max = S->set[BL_S_MEM_MAX].num;
    env.sampler = (int)S->set[BL_S_SAMPLER].num;      /* minibatch estimators */
    env.batch_outer = (size_t)S->set[BL_S_BATCH_OUTER].num;
    env.seed = (unsigned long)S->set[BL_S_SEED].num;
    int tty = !S->batch && isatty(fileno(S->errf));
    size_t k, from = S->outer->trace.n;
    int st = BL_OK;
    double t0 = bl_clock();
    for (k = 0; k < n; k++) {
        if (*S->cancel) {
            st = BL_EINTR;
            break;
        }
        st = bl_outer_step(S->outer, &env, e);
        if (st) break;
        if (env.have_adjoint) {
            S->adj_valid = 1;
            env.warm = S->set[BL_S_ADJOINT_WARM].num != 0;
        }
        bl_session_touch(S, BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_STATE);
        if (verbose) print_outer_row(S, "step");
        else if (tty && bl_clock() - t0 > 0.5) {
            fprintf(S->errf, "\r  %zu/%zu outer steps", k + 1, n);
            fflush(S->errf);
        }
    }
    if (tty && !verbose && bl_clock() - t0 > 0.5) fprintf(S->errf, "\r\033[K");
    if (verbose) report_outer(S, "step", from);
    if (st == BL_EINTR) {
        bl_err_set(e, st, "interrupted after %zu of %zu outer steps (ω and θ kept "
                   "from the last completed step)", k, n);
    } else if (st) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        bl_err_set(e, st, "outer step %zu failed: %s; ω and θ kept from the last "
                   "good step", S->outer->iter + 1, why);
    }
    return st;
}

static int exec_step(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const all[] = {"inner", "outer", "adjoint"};
    int k = bl_command_pick(argv[0], all, 3, "what", e);
    if (k < 0) return BL_EINVAL;
    long n = 1;
    if (argc > 1 && bl_parse_long(argv[1], "N", 1, 100000000, &n, e)) return BL_EINVAL;
    if (k == 0) return inner_steps(S, (size_t)n, 0, e);
    if (k == 2) return bl_cmd_adjoint_steps(S, (size_t)n, 0, e);
    return outer_steps(S, (size_t)n, 1, e);
}

static const char *complete_what(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    return argi == 1 && i < 3 ? whats[i] : NULL;
}

const bl_command bl_cmd_step = {
    .name = "step",
    .usage = "step inner|outer|adjoint [N]",
    .summary = "advance the inner, adjoint or outer iteration N times (default 1)",
    .help =
        "step inner [N]   N iterations of inner.solver from the current θ at the\n"
        "                 current ω (a row per iteration up to 10)\n"
        "step outer [N]   N outer steps: solve the inner problem (or outer.inner\n"
        "                 iterations), take the hypergradient with outer.estimator,\n"
        "                 move ω with outer.opt and outer.step (backtracked on F\n"
        "                 when outer.backtrack is on), project on [outer.lo, outer.hi]\n"
        "step adjoint [N] N iterations of adjoint.method on H a = ∇θL at the current\n"
        "                 θ and ω (started over when they change, or adjoint.method,\n"
        "                 adjoint.eta, inner.solver, inner.step); see 'adjoint'\n"
        "A step that diverges (NaN, Inf) rolls ω and θ back to their last good values.\n"
        "'!' after a row's inner iterations: an inner solve of the step (line search\n"
        "and fd/penalty included) stopped short of inner.tol; one warning line counts\n"
        "them (worst ‖∇θG‖, inner.maxit), and JSON rows carry inner_converged.  A step\n"
        "of 0 says why: ∇F = 0, the box, or backtracking gave up (a warning).",
    .minargs = 1, .maxargs = 2,
    .exec = exec_step,
    .complete = complete_what,
};

static int exec_solve(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const all[] = {"inner", "adjoint"};
    (void)argc;
    int k = bl_command_pick(argv[0], all, 2, "what", e);
    if (k < 0) return BL_EINVAL;
    return k == 0 ? inner_steps(S, 0, 1, e) : bl_cmd_adjoint_steps(S, 0, 1, e);
}

static const char *complete_solve(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    return argi == 1 && i < 2 ? whats[i == 0 ? 0 : 2] : NULL;
}

const bl_command bl_cmd_solve = {
    .name = "solve",
    .usage = "solve inner|adjoint",
    .summary = "iterate the inner (or adjoint) solver to its tolerance",
    .help =
        "solve inner    iterate inner.solver from the current θ until ‖∇θG‖ ≤\n"
        "               inner.tol or inner.maxit iterations (a warning, not an error)\n"
        "solve adjoint  iterate adjoint.method until ‖Ha − ∇θL‖ ≤ adjoint.tol·‖∇θL‖\n"
        "               or adjoint.maxit iterations\n"
        "inner.solver auto (the default) picks the problem's own solver if it names\n"
        "one; cd (or fista) for lasso and enet; newton where H is dense and p ≤ 2000\n"
        "(p ≤ 200 for problems without a dense H, whose H is made from p products);\n"
        "else newton-cg (convex G) or lbfgs, matrix-free.  The line says which.",
    .minargs = 1, .maxargs = 1,
    .exec = exec_solve,
    .complete = complete_solve,
};

static int exec_run(bl_session *S, int argc, char **argv, bl_err *e)
{
    long n;
    (void)argc;
    if (bl_parse_long(argv[0], "N", 1, 100000000, &n, e)) return BL_EINVAL;
    if (bl_stoch_selected(S)) return bl_stoch_run(S, (size_t)n, e);
    size_t before = S->outer->iter, from = S->outer->trace.n;
    int st = outer_steps(S, (size_t)n, 0, e);
    size_t done = S->outer->iter - before;
    if (done == 0) return st;
    const bl_trace *t = &S->outer->trace;
    size_t r = t->n - 1;
    int dg = bl_session_digits(S);
    double F = bl_problem_L(S->P, S->theta, S->omega);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "run");
        bl_json_int(&j, "steps", (long long)done);
        bl_json_int(&j, "iterations", (long long)S->outer->iter);
        bl_json_vec(&j, "omega", S->omega->data, S->omega->size, S->omega->stride);
        bl_json_num(&j, "F", F);
        bl_json_num(&j, "grad_norm", t->gnorm[r]);
        bl_json_vec(&j, "theta", S->theta->data, S->theta->size, S->theta->stride);
        bl_solve_tally all = {0, 0, 0};
        size_t zero = 0;
        bl_json_arr_begin(&j, "inner_converged");
        for (size_t q = from; q < t->n; q++) {
            bl_tally_merge(&all, &t->info[q].inner);
            zero += t->step[q] == 0 && t->info[q].why != BL_STEP_MOVED;
            bl_json_bool(&j, NULL, bl_trace_converged(t, q));
        }
        bl_json_arr_end(&j);
        bl_json_int(&j, "inner_solves", (long long)all.solves);
        bl_json_int(&j, "inner_failures", (long long)all.failures);
        bl_json_num(&j, "inner_worst_residual", all.worst);
        bl_json_int(&j, "zero_steps", (long long)zero);
        bl_json_end(&j);
    } else {
        char a[64], b[64], w[1024];
        char head[128];
        int W = bl_session_width(S);
        snprintf(head, sizeof head, "ran %zu outer steps (%zu in all): ω = ", done,
                 S->outer->iter);
        bl_fmt_vec_fit(w, sizeof w, S->omega->data, S->omega->size, S->omega->stride, dg, 6,
                       W > 0 ? W - bl_utf8_width(head) : 0);
        fprintf(S->out, "ran %zu outer steps (%zu in all): ω = %s\n  F = %s at the "
                "current θ, ‖g‖ = %s at the last step\n", done, S->outer->iter, w,
                bl_out_fmt(a, sizeof a, F, dg), bl_out_fmt(b, sizeof b, t->gnorm[r], dg));
    }
    report_outer(S, "run", from);
    return st;
}

const bl_command bl_cmd_run = {
    .name = "run",
    .usage = "run N",
    .summary = "N outer steps, with a summary at the end (see trace)",
    .help =
        "run N   N outer steps as in 'step outer', printing only a summary (and a\n"
        "        progress line on a terminal).  Ctrl-C stops after the current\n"
        "        step and keeps everything computed so far.  One warning line\n"
        "        counts the inner solves that stopped short of inner.tol (JSON:\n"
        "        inner_converged per step, inner_failures), one the steps of 0\n"
        "        where backtracking gave up, with the first one's reason.",
    .minargs = 1, .maxargs = 1,
    .exec = exec_run,
};

static int exec_reset(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const all[] = {"all", "inner", "outer"};
    int k = 0;
    if (argc > 0 && (k = bl_command_pick(argv[0], all, 3, "what", e)) < 0) return BL_EINVAL;
    if (k == 0 || k == 1) gsl_vector_set_zero(S->theta);
    if (k == 0 || k == 2) {
        bl_problem_omega0(S->P, S->omega);
        bl_outer_reset(S->outer);
    }
    bl_session_touch(S, BL_CHG_THETA | (k == 1 ? 0 : BL_CHG_OMEGA | BL_CHG_STATE));
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "reset");
        bl_json_str(&j, "what", all[k]);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "%s\n", k == 1 ? "θ = 0" : k == 2 ? "ω = its default, outer trace cleared"
                : "θ = 0, ω = its default, outer trace cleared");
    }
    return BL_OK;
}

static const char *complete_reset(bl_session *S, int argi, char **w, size_t i)
{
    static const char *const all[] = {"all", "inner", "outer"};
    (void)S;
    (void)w;
    return argi == 1 && i < 3 ? all[i] : NULL;
}

const bl_command bl_cmd_reset = {
    .name = "reset",
    .usage = "reset [all|inner|outer]",
    .summary = "θ back to 0 and/or ω back to its default with the trace cleared",
    .help =
        "reset inner   θ = 0\n"
        "reset outer   ω = the problem's default, outer optimiser state and trace cleared\n"
        "reset [all]   both; settings, problem and data are kept",
    .minargs = 0, .maxargs = 1,
    .exec = exec_reset,
    .complete = complete_reset,
};

static int exec_trace(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    (void)argv;
    (void)e;
    const bl_trace *t = &S->outer->trace;
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "trace");
        bl_json_arr_begin(&j, "rows");
        for (size_t r = 0; r < t->n; r++) {
            bl_json_obj_begin(&j, NULL);
            bl_json_int(&j, "iter", (long long)r);
            bl_json_vec(&j, "omega", t->omega + r * t->d, t->d, 1);
            bl_json_num(&j, "F", t->F[r]);
            bl_json_num(&j, "grad_norm", t->gnorm[r]);
            bl_json_num(&j, "step", t->step[r]);
            bl_json_int(&j, "inner_iterations", (long long)t->inner_iters[r]);
            bl_json_int(&j, "estimator_iterations", (long long)t->adjoint_iters[r]);
            json_row_inner(&j, t, r);
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
        bl_json_end(&j);
        return BL_OK;
    }
    if (t->n == 0) {
        fprintf(S->out, "no outer steps yet (step outer, run N)\n");
        return BL_OK;
    }
    static const char *const head[] = {"iter", "F", "‖∇F‖", "step", "inner", "est.", "ω"};
    const int width[] = {5, dg + 7, dg + 6, 9, 6, 5, 0};
    for (int k = 0; k < 7; k++) bl_pad(S->out, head[k], width[k]);
    fputc('\n', S->out);
    size_t short_rows = 0;
    for (size_t r = 0; r < t->n; r++) {
        char a[64], b[64], c[64], w[512], it[32], in[32], ad[32];
        int conv = bl_trace_converged(t, r);
        short_rows += !conv;
        snprintf(it, sizeof it, "%zu", r);
        snprintf(in, sizeof in, "%zu%s", t->inner_iters[r], conv ? "" : "!");
        snprintf(ad, sizeof ad, "%zu", t->adjoint_iters[r]);
        int W = bl_session_width(S);
        bl_fmt_vec_fit(w, sizeof w, t->omega + r * t->d, t->d, 1, dg, 4,
                       W > 0 ? W - 45 - 2 * dg : 0);
        const char *cell[] = {it, bl_out_fmt(a, sizeof a, t->F[r], dg),
                              bl_out_fmt(b, sizeof b, t->gnorm[r], dg),
                              bl_out_fmt(c, sizeof c, t->step[r], 3), in, ad, w};
        for (int k = 0; k < 7; k++) bl_pad(S->out, cell[k], width[k]);
        fputc('\n', S->out);
    }
    if (short_rows)
        fprintf(S->out, "! %zu of %zu steps: inner solves stopped short of inner.tol\n",
                short_rows, t->n);
    return BL_OK;
}

const bl_command bl_cmd_trace = {
    .name = "trace",
    .usage = "trace",
    .summary = "the outer history: ω, F, ‖∇F‖, step, inner and estimator iterations",
    .help =
        "trace   one row per outer step, at the ω where F and the hypergradient\n"
        "        were evaluated: F, ‖∇F‖ (from outer.estimator), the accepted step,\n"
        "        the inner iterations that step used (line search included), the\n"
        "        estimator's own iterations (est.: adjoint iterations of cg, neumann,\n"
        "        fp, which adjoint.warm saves; steps of unrolled methods), and ω;\n"
        "        '!' after the inner iterations: an inner solve of that step stopped\n"
        "        short of inner.tol (JSON: inner_converged, inner_residual)",
    .minargs = 0, .maxargs = 0,
    .exec = exec_trace,
};
