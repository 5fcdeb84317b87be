/* cmd_adjoint.c: step/solve adjoint, adjoint [SPEC], spectrum, explain. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "args.h"
#include "command.h"
#include "linalg.h"
#include "output.h"

/* ---- the live adjoint iterator ---- */

static double adjoint_eta(bl_session *S)
{
    double eta = S->set[BL_S_ADJOINT_ETA].num;
    return eta > 0 ? eta : bl_session_eta(S);
}

/* The live iterator, made anew at the current θ and ω when something it
 * was made from (the problem, θ, ω, adjoint.method, adjoint.eta, the inner
 * settings that give its default step) changed since it was made. */
static int live_adjoint(bl_session *S, bl_err *e)
{
    if (bl_session_live_adjoint(S)) return BL_OK;
    const bl_adjoint_type *T = bl_adjoint_lookup(S->set[BL_S_ADJOINT_METHOD].str);
    bl_adjoint *it = bl_adjoint_alloc(T ? T : bl_adjoint_cg, S->P->p);
    if (!it) return BL_ENOMEM;
    const gsl_vector *a0 = S->set[BL_S_ADJOINT_WARM].num != 0 && S->adj_valid
                           ? S->adjoint_last : NULL;
    int st = bl_adjoint_set(it, S->P, S->theta, S->omega, a0, adjoint_eta(S), 1, e);
    if (st) {
        bl_adjoint_free(it);
        return st;
    }
    bl_session_set_adjoint(S, it);
    return BL_OK;
}

static void print_adjoint_state(bl_session *S, const char *cmd, const bl_adjoint *it)
{
    int dg = bl_session_digits(S);
    char a[64], b[64], v[4096];
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, cmd);
        bl_json_str(&j, "what", "adjoint");
        bl_json_str(&j, "method", it->type->name);
        bl_json_int(&j, "iterations", (long long)it->iter);
        bl_json_num(&j, "residual", it->resid);
        bl_json_num(&j, "eta", it->eta);
        bl_json_vec(&j, "adjoint", it->a->data, it->a->size, it->a->stride);
        bl_json_end(&j);
        return;
    }
    /* the compact form pads residual and ‖a‖ less and shows fewer entries */
    int W = bl_session_width(S), wide = bl_session_wide(S);
    int pw = wide ? 12 : 1, nw = (int)strlen(it->type->name);
    bl_fmt_vec_fit(v, sizeof v, it->a->data, it->a->size, it->a->stride, dg, 4,
                   W > 0 ? W - nw - 2 * pw - 44 : 0);
    fprintf(S->out, "adjoint %s %5zu  residual %-*s ‖a‖ = %-*s a = %s\n", it->type->name,
            it->iter, pw, bl_out_fmt(a, sizeof a, it->resid, 3),
            pw, bl_out_fmt(b, sizeof b, gsl_blas_dnrm2(it->a), dg), v);
}

int bl_cmd_adjoint_steps(bl_session *S, size_t n, int solve, bl_err *e)
{
    int st = live_adjoint(S, e);
    if (st) return st;
    const char *cmd = solve ? "solve" : "step";
    bl_adjoint *it = S->adj;
    if (solve) {
        st = bl_adjoint_run(it, S->set[BL_S_ADJOINT_TOL].num,
                            (size_t)S->set[BL_S_ADJOINT_MAXIT].num, S->cancel, e);
    } else {
        for (size_t k = 0; k < n && st == BL_OK; k++) {
            if (*S->cancel) {
                bl_err_set(e, st = BL_EINTR, "interrupted after %zu of %zu iterations", k, n);
                break;
            }
            st = bl_adjoint_iterate(it, e);
            if (st == BL_OK && n <= 10 && k + 1 < n) print_adjoint_state(S, cmd, it);
        }
    }
    if (st == BL_EMAXITER) {
        bl_session_msg(S, BL_MSG_WARNING, cmd, "%s", e->msg);
        st = BL_OK;
    }
    if (st == BL_EDIVERGE || st == BL_ENOTPD) {
        bl_session_set_adjoint(S, NULL);   /* the iterate is lost: start over next time */
        return st;
    }
    /* the iterate moved (the dashboard's adjoint panel), not what the
     * iterator is made from: it stays live */
    bl_session_keep_adjoint(S, it->a);
    print_adjoint_state(S, cmd, it);
    return st;
}

/* ---- adjoint [SPEC] ---- */

static int exec_adjoint(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_adjoint *it = NULL;
    const char *label;
    char spectext[128];
    gsl_vector *a = NULL;
    bl_hg_result r = {0};
    bl_spec spec;                     /* label points into it: function scope */
    int st;
    if (argc == 0) {
        st = live_adjoint(S, e);
        if (st) return st;
        it = S->adj;
        a = it->a;
        snprintf(spectext, sizeof spectext, "%s (step adjoint)", it->type->name);
        label = spectext;
    } else {
        if (bl_spec_parse(argv[0], &spec, e)) return BL_EINVAL;
        const bl_estimator_type *E = spec.type;
        const bl_adjoint_type *T = E->adjoint ? bl_adjoint_lookup(E->adjoint) : NULL;
        if (bl_spec_batch(&spec)) T = NULL;    /* minibatch: the estimator's own loop */
        label = spec.text;
        if (T) {
            /* the same iterations as the estimator, with the residual
             * recorded; its parameters k, tol, eta, warm by name */
            int pk = bl_param_find(E->params, E->nparams, "k");
            int pt = bl_param_find(E->params, E->nparams, "tol");
            int pe = bl_param_find(E->params, E->nparams, "eta");
            int pw = bl_param_find(E->params, E->nparams, "warm");
            size_t k = pk >= 0 ? (size_t)spec.par[pk] : 0;
            double eta = !(T->flags & BL_ADJ_NEEDS_ETA) ? 0
                         : pe >= 0 && spec.par[pe] > 0 ? spec.par[pe] : bl_session_eta(S);
            int warm = pw >= 0 && spec.par[pw] != 0;
            it = bl_adjoint_alloc(T, S->P->p);
            if (!it) return BL_ENOMEM;
            st = bl_adjoint_set(it, S->P, S->theta, S->omega,
                                warm && S->adj_valid ? S->adjoint_last : NULL, eta, 1, e);
            for (size_t j = 0; st == BL_OK && j < k; j++) {
                if (pt >= 0 && it->resid <= spec.par[pt]) break;
                st = bl_adjoint_iterate(it, e);
            }
            if (st) {
                bl_adjoint_free(it);
                return st;
            }
            a = it->a;
        } else if (E->needs & BL_EST_NEEDS_ADJOINT) {
            bl_hg_ctx c;
            bl_session_hg_ctx(S, &ic, &c);
            r.grad = gsl_vector_alloc(S->P->d);
            r.adjoint = a = gsl_vector_alloc(S->P->p);
            st = r.grad && a ? bl_hypergrad(&spec, &c, &r, e) : BL_ENOMEM;
            gsl_vector_free(r.grad);
            if (st) {
                gsl_vector_free(a);
                return st;
            }
        } else {
            char who[256];
            bl_estimator_names(BL_EST_NEEDS_ADJOINT, who, sizeof who);
            bl_err_set(e, BL_EINVAL, "%s has no adjoint (the adjoint methods are %s)",
                       E->name, who);
            return BL_EINVAL;
        }
    }
    /* the hypergradient this adjoint gives, against exact */
    size_t d = S->P->d;
    gsl_vector *g = gsl_vector_alloc(d), *ca = gsl_vector_alloc(d);
    gsl_vector *gx = gsl_vector_alloc(d);
    bl_problem_L_omega(S->P, S->theta, S->omega, g);
    bl_problem_cvp(S->P, S->theta, S->omega, a, ca);
    gsl_vector_sub(g, ca);
    bl_spec ex;
    bl_spec_parse("exact", &ex, NULL);
    bl_hg_ctx c;
    bl_session_hg_ctx(S, &ic, &c);
    bl_hg_result rx = {.grad = gx};
    int have_exact = bl_hypergrad(&ex, &c, &rx, NULL) == BL_OK;
    double resid = it ? it->resid : NAN;
    if (!it) {
        gsl_vector *ha = gsl_vector_alloc(S->P->p), *gl = gsl_vector_alloc(S->P->p);
        unsigned long h0 = S->P->n_hvp;
        bl_problem_hvp(S->P, S->theta, S->omega, a, ha);
        S->P->n_hvp = h0;
        bl_problem_L_theta(S->P, S->theta, S->omega, gl);
        double ngl = gsl_blas_dnrm2(gl);
        gsl_vector_sub(ha, gl);
        resid = gsl_blas_dnrm2(ha) / (ngl > 0 ? ngl : 1);
        gsl_vector_free(ha);
        gsl_vector_free(gl);
    }
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "adjoint");
        bl_json_str(&j, "spec", label);
        bl_json_int(&j, "iterations", it ? (long long)it->iter : (long long)r.iters);
        bl_json_num(&j, "residual", resid);
        bl_json_vec(&j, "adjoint", a->data, a->size, a->stride);
        if (it) bl_json_vec(&j, "residuals", it->hist.resid, it->hist.n, 1);
        bl_json_vec(&j, "grad", g->data, g->size, g->stride);
        if (have_exact) bl_json_num(&j, "rel_err", bl_rel_err(g, gx));
        else bl_json_null(&j, "rel_err");
        bl_json_end(&j);
    } else {
        FILE *f = S->out;
        char v[4096], x[64], y[64];
        int W = bl_session_width(S);
        bl_fmt_vec_fit(v, sizeof v, a->data, a->size, a->stride, dg, 6, W > 0 ? W - 28 : 0);
        fprintf(f, "adjoint %s: %zu iterations, relative residual ‖Ha − ∇θL‖/‖∇θL‖ = %s\n",
                label, it ? it->iter : r.iters, bl_out_fmt(x, sizeof x, resid, 3));
        fprintf(f, "  a = %s  ‖a‖ = %s\n", v, bl_out_fmt(y, sizeof y, gsl_blas_dnrm2(a), dg));
        if (it && it->hist.n > 1) {
            /* the residual after every iteration, thinned to about 12 rows */
            size_t n = it->hist.n, every = n > 12 ? (n + 11) / 12 : 1;
            fprintf(f, "  iteration  residual\n");
            for (size_t k = 0; k < n; k++)
                if (k % every == 0 || k + 1 == n)
                    fprintf(f, "  %9zu  %s\n", k, bl_out_fmt(x, sizeof x, it->hist.resid[k], 3));
        }
        bl_fmt_vec(v, sizeof v, g->data, g->size, g->stride, dg, 6);
        fprintf(f, "  hypergradient ∇ωL − C a = %s", v);
        if (have_exact) fprintf(f, "  (relative error %s against exact)",
                                bl_out_fmt(x, sizeof x, bl_rel_err(g, gx), 3));
        fprintf(f, "\n");
    }
    bl_session_keep_adjoint(S, a);
    gsl_vector_free(g);
    gsl_vector_free(ca);
    gsl_vector_free(gx);
    if (argc > 0) {
        if (it) bl_adjoint_free(it);
        else gsl_vector_free(a);
    }
    return BL_OK;
}

/* The estimators that have an adjoint (exact, cg, neumann, fp). */
static const char *complete_adjoint(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    for (size_t k = 0; argi == 1 && bl_estimators[k]; k++)
        if ((bl_estimators[k]->needs & BL_EST_NEEDS_ADJOINT) && i-- == 0)
            return bl_estimators[k]->name;
    return NULL;
}

const bl_command bl_cmd_adjoint = {
    .name = "adjoint",
    .usage = "adjoint [SPEC]",
    .summary = "the adjoint a ≈ H⁻¹∇θL, its residual history and the hypergradient it gives",
    .help =
        "adjoint          the live adjoint of step/solve adjoint (adjoint.method,\n"
        "                 made at the current θ and ω)\n"
        "adjoint SPEC     run SPEC (exact, cg:k=..,tol=.., neumann:k=..,eta=..,\n"
        "                 fp:k=..,eta=..) exactly as hypergrad would\n"
        "Shows a (whole in JSON), the relative residual ‖Ha − ∇θL‖/‖∇θL‖ after\n"
        "every iteration (computed by the inspector with products that are not\n"
        "counted as the method's), and ∇ωL − C a with its error against exact.\n"
        "step adjoint [N] and solve adjoint (to adjoint.tol) advance the live one;\n"
        "adjoint.warm starts it from the previous adjoint.",
    .minargs = 0, .maxargs = 1,
    .exec = exec_adjoint,
    .complete = complete_adjoint,
};

/* ---- spectrum ---- */

static int exec_spectrum(bl_session *S, int argc, char **argv, bl_err *e)
{
    (void)argc;
    (void)argv;
    bl_spectrum sp;
    int st = bl_spectrum_compute(S->P, S->theta, S->omega, &sp, e);
    if (st) return st;
    double eta = adjoint_eta(S), tol = S->set[BL_S_ADJOINT_TOL].num;
    double q = bl_contraction(&sp, eta);
    double kappa = sp.lmin > 0 ? sp.lmax / sp.lmin : INFINITY;
    double eopt = sp.lmin > 0 ? 2 / (sp.lmin + sp.lmax) : NAN;
    double qopt = sp.lmin > 0 ? bl_contraction(&sp, eopt) : NAN;
    double kfp = bl_predict_fp(&sp, eta, tol), kcg = bl_predict_cg(&sp, tol);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "spectrum");
        bl_json_num(&j, "lambda_min", sp.lmin);
        bl_json_num(&j, "lambda_max", sp.lmax);
        bl_json_str(&j, "method", sp.dense ? "dense" : "lanczos");
        bl_json_num(&j, "condition", kappa);
        bl_json_num(&j, "eta", eta);
        bl_json_num(&j, "contraction", q);
        bl_json_num(&j, "eta_best", eopt);
        bl_json_num(&j, "contraction_best", qopt);
        bl_json_num(&j, "tol", tol);
        if (kfp > 0) bl_json_num(&j, "predicted_fp", kfp);
        else bl_json_null(&j, "predicted_fp");
        if (kcg > 0) bl_json_num(&j, "predicted_cg", kcg);
        else bl_json_null(&j, "predicted_cg");
        bl_json_end(&j);
        return BL_OK;
    }
    FILE *f = S->out;
    int dg = bl_session_digits(S);
    char a[64], b[64], c[64];
    char head[256];
    int hl = snprintf(head, sizeof head, "spectrum of H at the current θ and ω (%s",
                      sp.dense ? "dense eigendecomposition" : "Lanczos");
    if (!sp.dense && hl > 0 && (size_t)hl < sizeof head)
        hl += snprintf(head + hl, sizeof head - (size_t)hl, ", %zu steps: λmin is an upper "
                       "estimate", sp.lanczos_steps);
    if (hl > 0 && (size_t)hl < sizeof head) snprintf(head + hl, sizeof head - (size_t)hl, ")");
    bl_out_wrap(f, head, 0, 2, bl_session_width(S));
    fprintf(f, "  λmin = %s   λmax = %s   condition κ = %s\n", bl_out_fmt(a, sizeof a, sp.lmin, dg),
            bl_out_fmt(b, sizeof b, sp.lmax, dg), bl_out_fmt(c, sizeof c, kappa, dg));
    char pd[256], con[256];               /* exact and cg; neumann and fp */
    bl_estimator_names(BL_EST_NEEDS_PD, pd, sizeof pd);
    bl_estimator_names(BL_EST_NEEDS_CONTRACTION, con, sizeof con);
    /* the prose lines break at the terminal's width (bl_out_wrap) */
    int W = bl_session_width(S);
    char line[1024];
    if (!(sp.lmin > 0)) {
        snprintf(line, sizeof line, "H is not positive definite: %s do not apply; %s cannot "
                 "converge", pd, con);
        fputs("  ", f);
        bl_out_wrap(f, line, 2, 4, W);
    }
    int l = snprintf(line, sizeof line, "η = %s%s: contraction max|1 − ηλ| = %s",
                     bl_out_fmt(a, sizeof a, eta, dg),
                     S->set[BL_S_ADJOINT_ETA].num > 0 ? " (adjoint.eta)" : " (the inner step)",
                     bl_out_fmt(b, sizeof b, q, dg));
    if (l > 0 && (size_t)l < sizeof line) {
        if (q < 1)
            snprintf(line + l, sizeof line - (size_t)l, ": %s converge, about %.0f iterations "
                     "to residual %g", con, kfp, tol);
        else
            snprintf(line + l, sizeof line - (size_t)l, " ≥ 1: %s diverge", con);
    }
    fputs("  ", f);
    bl_out_wrap(f, line, 2, 4, W);
    if (sp.lmin > 0) {
        fprintf(f, "  best η = 2/(λmin + λmax) = %s gives %s\n", bl_out_fmt(a, sizeof a, eopt, dg),
                bl_out_fmt(b, sizeof b, qopt, dg));
        fprintf(f, "  cg: about %.0f iterations to residual %g (½√κ log(2/tol)), at most p = %zu\n",
                kcg, tol, S->P->p);
    }
    return BL_OK;
}

const bl_command bl_cmd_spectrum = {
    .name = "spectrum",
    .usage = "spectrum",
    .summary = "extreme eigenvalues of H, its condition and what they predict for each method",
    .help =
        "spectrum   λmin and λmax of H at the current θ (a dense eigendecomposition\n"
        "           for p ≤ 300, Lanczos with full reorthogonalisation beyond), the\n"
        "           condition number, the contraction max|1 − ηλ| that decides whether\n"
        "           neumann and fp converge at the inner step η, the iterations they\n"
        "           and cg need to reach adjoint.tol, and the best fixed step",
    .minargs = 0, .maxargs = 0,
    .exec = exec_spectrum,
};

/* ---- explain ---- */

int bl_cmd_explain_print(bl_session *S, const bl_spec *spec, bl_err *e)
{
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    bl_hg_ctx c;
    bl_session_hg_ctx(S, &ic, &c);
    bl_explain x;
    int st = bl_explain_run(spec, &c, &x, e);
    if (st) return st;
    double ns = gsl_blas_dnrm2(x.gstar), scale = ns > 0 ? ns : 1;
    gsl_vector *sum = gsl_vector_calloc(S->P->d);
    for (size_t i = 0; i < x.nparts; i++) gsl_vector_add(sum, x.part[i]);
    double mismatch = bl_rel_err(sum, x.total) * gsl_blas_dnrm2(x.total) / scale;
    int dg = bl_session_digits(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "explain");
        bl_json_str(&j, "spec", spec->text);
        bl_json_vec(&j, "grad", x.g->data, x.g->size, x.g->stride);
        bl_json_vec(&j, "grad_star", x.gstar->data, x.gstar->size, x.gstar->stride);
        bl_json_num(&j, "inner_residual", x.inner_residual);
        bl_json_num(&j, "total", gsl_blas_dnrm2(x.total) / scale);
        bl_json_arr_begin(&j, "parts");
        for (size_t i = 0; i < x.nparts; i++) {
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "name", x.name[i]);
            bl_json_num(&j, "rel", gsl_blas_dnrm2(x.part[i]) / scale);
            bl_json_vec(&j, "vector", x.part[i]->data, x.part[i]->size, x.part[i]->stride);
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
        bl_json_num(&j, "sum_mismatch", mismatch);
        bl_json_end(&j);
    } else {
        FILE *f = S->out;
        char a[64], b[64];
        char line[512];
        snprintf(line, sizeof line, "error of %s against ∇F(θ*) (exact at a tightly solved θ*), "
                 "‖∇θG(θ)‖ = %s", spec->text, bl_out_fmt(a, sizeof a, x.inner_residual, 3));
        bl_out_wrap(f, line, 0, 2, bl_session_width(S));
        for (size_t i = 0; i < x.nparts; i++) {
            fprintf(f, "  ");
            bl_pad(f, x.name[i], 30);
            fprintf(f, "%s\n", bl_out_fmt(a, sizeof a, gsl_blas_dnrm2(x.part[i]) / scale, 3));
        }
        fprintf(f, "  ");
        bl_pad(f, "total ‖g − ∇F‖/‖∇F‖", 30);
        fprintf(f, "%s   (parts add up to it within %s)\n",
                bl_out_fmt(a, sizeof a, gsl_blas_dnrm2(x.total) / scale, 3),
                bl_out_fmt(b, sizeof b, mismatch, 2));
        (void)dg;
    }
    gsl_vector_free(sum);
    bl_explain_release(&x);
    return BL_OK;
}

static int exec_explain(bl_session *S, int argc, char **argv, bl_err *e)
{
    for (int i = 0; i < argc; i++) {
        bl_spec spec;
        if (bl_spec_parse(argv[i], &spec, e)) return BL_EINVAL;
        int st = bl_cmd_explain_print(S, &spec, e);
        if (st) return st;
    }
    return BL_OK;
}

const char *bl_complete_specs(bl_session *S, int argi, char **w, size_t i)
{
    static char buf[96];
    (void)S;
    (void)w;
    (void)argi;
    for (size_t k = 0; bl_estimators[k]; k++) {
        const bl_estimator_type *T = bl_estimators[k];
        if (i == 0) return T->name;
        i--;
        if (i < T->nparams) {
            snprintf(buf, sizeof buf, "%s:%s=", T->name, T->params[i].name);
            return buf;
        }
        i -= T->nparams;
    }
    return NULL;
}

const bl_command bl_cmd_explain = {
    .name = "explain",
    .usage = "explain SPEC [SPEC ...]",
    .summary = "split an estimator's error into inner, solve, unrolling and truncation parts",
    .help =
        "explain SPEC   the error g − ∇F(θ*) of SPEC at the current θ, split into\n"
        "               sources that add up to it (as vectors):\n"
        "  inner         exact at θ (θ_T for unrolled methods) minus exact at θ*\n"
        "  linear solve  cg, neumann, fp: the method's adjoint against the exact one\n"
        "  unrolling     reverse, forward, truncated: derivative of t steps against\n"
        "                implicit differentiation at θ_T\n"
        "  truncation    truncated: the last k steps against all t\n"
        "  and the method's own bias for first-order, onestep, penalty and fd.\n"
        "θ* is the problem's closed form when it has one, else θ solved to\n"
        "min(inner.tol, 1e-12).  Same as hypergrad SPEC --explain.",
    .minargs = 1, .maxargs = -1,
    .exec = exec_explain,
    .complete = bl_complete_specs,
};
