/* cmd_hypergrad.c: hypergrad [SPEC ...]: estimates side by side with the
 * reference (exact where H is positive definite, otherwise fd), computed
 * by core's bl_hg_compare; here the pre-run warnings and the table. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "adjoint.h"
#include "args.h"
#include "command.h"
#include "linalg.h"
#include "output.h"
#include "stoch_est.h"

#define MAXSPECS 32

/* The message of entry W that failed: bl_hypergrad's, prefixed with the
 * spec unless it already names the estimator. */
static void entry_err(const bl_hg_entry *w, char *buf, size_t len)
{
    size_t k = strlen(w->spec.type->name);
    int named = strncmp(w->err.msg, w->spec.type->name, k) == 0 && w->err.msg[k] == ':';
    snprintf(buf, len, "%s%s%s", named ? "" : w->spec.text, named ? "" : ": ", w->err.msg);
}

/* The step η spec S uses: its parameter eta when positive, else ETA. */
static double spec_eta(const bl_spec *s, double eta)
{
    int k = bl_param_find(s->type->params, s->type->nparams, "eta");
    return k >= 0 && s->par[k] > 0 ? s->par[k] : eta;
}

/* Before running, from the spectrum of H and the estimators' needs and
 * flags (hypergrad.h): warn when an η makes a method that needs a
 * contracting η (neumann, fp) or unrolled steps diverge, and refuse a
 * BL_EST_PD_CHECKED method (cg) where H is singular or indefinite.
 * BL_EINTR when Ctrl-C stopped the spectrum, else BL_OK. */
static int warn_before(bl_session *S, bl_hg_entry *rows, char (*err)[1024], int n,
                       double eta)
{
    int need = 0;
    for (int i = 0; i < n; i++) {
        const bl_spec *s = &rows[i].spec;
        need |= ((s->type->flags & BL_EST_PD_CHECKED) && bl_spec_needs_pd(s))
                || (s->type->needs & BL_EST_NEEDS_CONTRACTION)
                || (s->type->flags & BL_EST_UNROLLS);
    }
    bl_spectrum sp;
    unsigned long h0 = S->P->n_hvp;
    if (!need) return BL_OK;
    int st = bl_spectrum_compute(S->P, S->theta, S->omega, &sp, NULL);
    S->P->n_hvp = h0;
    if (st) return st == BL_EINTR ? st : BL_OK;
    for (int i = 0; i < n; i++) {
        const bl_spec *s = &rows[i].spec;
        if (s->type->needs & BL_EST_NEEDS_CONTRACTION) {
            double e = spec_eta(s, eta), q = bl_contraction(&sp, e);
            if (q >= 1)
                bl_session_msg(S, BL_MSG_WARNING, "hypergrad", "%s: η = %.4g gives max|1 − "
                               "ηλ| = %.4g ≥ 1 on λ ∈ [%.4g, %.4g]: it diverges%s", s->text, e,
                               q, sp.lmin, sp.lmax, sp.lmin > 0 ? " (η < 2/λmax converges)" : "");
        } else if ((s->type->flags & BL_EST_UNROLLS)
                   && !(S->P->type->step
                        && (S->P->type->flags & (BL_PROB_NONSMOOTH | BL_PROB_STEPMAP)))) {
            /* the unrolled map Φ = θ − η∇θG contracts only when max|1 − ηλ| < 1
             * (a problem's own step, prox or SOR sweep, is not that map) */
            double e = spec_eta(s, eta), q = bl_contraction(&sp, e);
            if (q > 1)
                bl_session_msg(S, BL_MSG_WARNING, "hypergrad", "%s: η = %.4g gives max|1 − "
                               "ηλ| = %.4g > 1: the unrolled steps θ − η∇θG diverge", s->text,
                               e, q);
        } else if ((s->type->flags & BL_EST_PD_CHECKED) && bl_spec_needs_pd(s)
                   && bl_spectrum_class(sp.lmin, sp.lmax, S->P->p) != BL_CHOL_OK) {
            /* cg on a singular or indefinite H may even "converge" (when ∇θL
             * lies in H's range) to a meaningless adjoint: refuse it.  Only
             * a λmin below round-off counts: an ill-conditioned H (κ = 1e12)
             * is cg's to try, slowly */
            int c = bl_spectrum_class(sp.lmin, sp.lmax, S->P->p);
            char who[256], use[512];
            bl_estimator_names(BL_EST_NEEDS_PD, who, sizeof who);
            bl_estimator_advice_not_pd(use, sizeof use);
            rows[i].status = BL_ENOTPD;
            snprintf(err[i], sizeof err[i], "%s: H is %s at the current θ (smallest "
                     "eigenvalue %.6g, largest %.6g): %s need it positive definite; here use %s",
                     s->text, c == BL_CHOL_INDEFINITE ? "indefinite" : "singular", sp.lmin,
                     sp.lmax, who, use);
        }
    }
    return BL_OK;
}

char *bl_hg_fmt_bound(char *buf, size_t len, const bl_hg_result *r, int digits)
{
    if (isnan(r->bound)) {
        snprintf(buf, len, "-");
        return buf;
    }
    char a[64];
    snprintf(buf, len, "%s%s", r->bound_certified ? "" : "~",
             bl_out_fmt(a, sizeof a, r->bound, digits));
    return buf;
}

void bl_hg_json_bound(bl_json *j, const bl_hg_result *r)
{
    if (isnan(r->bound)) bl_json_null(j, "error_bound");
    else {
        bl_json_num(j, "error_bound", r->bound);
        bl_json_bool(j, "error_bound_certified", r->bound_certified);
    }
    if (r->bound_note[0]) bl_json_str(j, "error_bound_note", r->bound_note);
    const bl_bound *b = &r->binfo;
    if (isnan(r->bound) || isnan(b->mu)) return;
    bl_json_obj_begin(j, "error_bound_parts");
    bl_json_num(j, "mu", b->mu);
    bl_json_num(j, "eps", b->eps);
    bl_json_num(j, "c_norm", b->cnorm);
    bl_json_num(j, "L_grad_theta_L", b->k.L_gL);
    bl_json_num(j, "L_H", b->k.L_H);
    bl_json_num(j, "L_C", b->k.L_C);
    bl_json_num(j, "L_grad_omega_L", b->k.L_oL);
    bl_json_num(j, "inner_term", b->inner_term);
    bl_json_num(j, "adjoint_term", b->adjoint_term);
    bl_json_obj_end(j);
}

/* One line with the bound's constants (those of the first estimate that
 * has a bound: every implicit estimate at θ shares them), ~ before the
 * estimated ones. */
static void print_bound_consts(FILE *f, const bl_hg_entry *rows, int n, int width)
{
    for (int i = 0; i < n; i++) {
        const bl_bound *b = &rows[i].r.binfo;
        if (rows[i].status || isnan(rows[i].r.bound) || isnan(b->mu)) continue;
        char v[6][64];
        const double x[6] = {b->mu, b->cnorm, b->k.L_gL, b->k.L_H, b->k.L_C, b->k.L_oL};
        const unsigned bit[6] = {BL_BOUND_EST_MU, BL_BOUND_EST_CNORM, BL_BOUND_EST_LGL,
                                 BL_BOUND_EST_LH, BL_BOUND_EST_LC, BL_BOUND_EST_LOL};
        for (int k = 0; k < 6; k++) {
            char a[48];
            snprintf(v[k], sizeof v[k], "%s%s", b->estimated & bit[k] ? "~" : "",
                     bl_out_fmt(a, sizeof a, x[k], 3));
        }
        char e1[48], line[512];
        snprintf(line, sizeof line, "bound: μ = %s, ε = %s, ‖C‖ = %s, L_∇θL = %s, L_H = %s, "
                 "L_C = %s, L_∇ωL = %s%s", v[0], bl_out_fmt(e1, sizeof e1, b->eps, 3), v[1],
                 v[2], v[3], v[4], v[5], b->certified ? "" : " (~: estimated, not certified)");
        fputs("  ", f);
        bl_out_wrap(f, line, 2, 4, width);
        return;
    }
}

static void fmt_bytes(char *buf, size_t len, size_t b)
{
    if (b < 1000) snprintf(buf, len, "%zuB", b);
    else if (b < 1000000) snprintf(buf, len, "%.3gkB", (double)b / 1e3);
    else if (b < 1000000000) snprintf(buf, len, "%.3gMB", (double)b / 1e6);
    else snprintf(buf, len, "%.3gGB", (double)b / 1e9);
}

static void fmt_time(char *buf, size_t len, double s)
{
    if (s < 1e-3) snprintf(buf, len, "%.0fµs", s * 1e6);
    else if (s < 1) snprintf(buf, len, "%.3gms", s * 1e3);
    else snprintf(buf, len, "%.3gs", s);
}

/* The table of draws=R: bias, variance and mean error of each estimate
 * against the reference, absolute and relative to ‖∇F‖. */
static void print_draws(bl_session *S, const bl_hg_entry *rows, const bl_hg_draws *dr, int n,
                        int sw, size_t R)
{
    FILE *f = S->out;
    char a[64], v[512];
    int dg = bl_session_digits(S);
    double rn = NAN;
    int det = 0;
    for (int i = 0; i < n; i++)
        if (!rows[i].status && dr[i].mean) {
            rn = dr[i].ref_norm;
            det |= !dr[i].stochastic;
        }
    int wide = bl_session_wide(S);
    fprintf(f, "%zu draws against the reference, ‖∇F‖ = %s: bias ‖ḡ − ∇F‖,%svariance "
            "(1/R)Σ‖g − ḡ‖²,%smean error (1/R)Σ‖g − ∇F‖;%srel.: over ‖∇F‖ (rel.var: "
            "over ‖∇F‖²)\n", R, bl_out_fmt(a, sizeof a, rn, dg), wide ? " " : "\n",
            wide ? "\n" : " ", wide ? " " : "\n");
    static const char *const head[] = {"estimator", "bias", "variance", "mean err", "rel.bias",
                                       "rel.var", "rel.err", "seeds"};
    /* the compact form (80 columns): the relative columns and the mean
     * error, the seeds as "-" for a deterministic estimator */
    const int width[] = {sw, 11, 11, 11, 10, 10, 10, 0};
    const int show[] = {1, !wide ? 0 : 1, !wide ? 0 : 1, 1, 1, 1, 1, 1};
    for (int k = 0; k < 8; k++)
        if (show[k]) bl_pad(f, head[k], wide || k == 0 ? width[k] : 9);
    fputc('\n', f);
    for (int i = 0; i < n; i++) {
        const bl_hg_draws *q = &dr[i];
        if (rows[i].status || !q->mean) continue;
        double r = rn > 0 ? rn : 1;
        char c1[64], c2[64], c3[64], c4[64], c5[64], c6[64], c7[64];
        if (q->stochastic)
            snprintf(c7, sizeof c7, "%lu…%lu", q->seed0, q->seed0 + q->R - 1);
        else
            snprintf(c7, sizeof c7, wide ? "- (deterministic)" : "-");
        const char *cell[] = {rows[i].spec.text, bl_out_fmt(c1, sizeof c1, q->bias, 3),
                              bl_out_fmt(c2, sizeof c2, q->variance, 3),
                              bl_out_fmt(c3, sizeof c3, q->mean_error, 3),
                              bl_out_fmt(c4, sizeof c4, q->bias / r, 3),
                              bl_out_fmt(c5, sizeof c5, q->variance / (r * r), 3),
                              bl_out_fmt(c6, sizeof c6, q->mean_error / r, 3), c7};
        for (int k = 0; k < 8; k++)
            if (show[k]) bl_pad(f, cell[k], wide || k == 0 || k == 7 ? width[k] : 9);
        fputc('\n', f);
    }
    if (det) {
        snprintf(v, sizeof v, "the estimators without batch= are deterministic: run once, "
                 "variance 0");
        bl_msg_write(f, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
    }
}

/* The table of estimates, one row an estimator.  The wide form (table.wide,
 * bl_session_wide): ‖g‖ to `digits`, rel.err, cosine to 6 digits, the
 * products Hv, Cv and gradient calls in columns of their own, the adjoint
 * residual, memory and (timing on) time.  The compact form, for 80
 * columns: ‖g‖ to at most 4 digits, cos to 4, the three counts in one
 * column Hv/Cv/∇, resid to 2 digits, no memory (the JSON keeps it). */
static void print_table(bl_session *S, const bl_hg_entry *rows, int shown, int gref,
                        int timing, int sw)
{
    FILE *f = S->out;
    int dg = bl_session_digits(S), wide = bl_session_wide(S);
    enum { NAME, NORM, REL, COS, HV, CV, GC, CALLS, RESID, BOUND, MEM, TIME, NCOL };
    static const char *const head[NCOL] = {"estimator", "‖g‖", "rel.err", "cosine", "Hv",
                                           "Cv", "∇calls", "Hv/Cv/∇", "residual", "bound",
                                           "memory", "time"};
    int width[NCOL] = {sw, dg + 7, 10, 10, 6, 5, 7, 12, 10, 10, 8, 8};
    int show[NCOL] = {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, timing};
    int ndg = dg, cdg = 6, rdg = 3;
    if (!wide) {
        ndg = dg < 4 ? dg : 4;
        cdg = 4;
        rdg = 2;
        width[NORM] = ndg + 7 < 10 ? ndg + 7 : 10;
        width[REL] = 9;
        width[COS] = 7;
        width[RESID] = 8;
        width[BOUND] = 9;
        width[TIME] = 7;
        show[HV] = show[CV] = show[GC] = show[MEM] = 0;
        show[CALLS] = 1;
    }
    /* compact, and still wider than the terminal (long specs): the rows
     * are named e1, e2, ... with a legend under the table */
    int W = bl_session_width(S), total = 0, label = 0;
    for (int k = 0; k < NCOL; k++) total += show[k] ? width[k] + 1 : 0;
    if (!wide && W > 0 && total > W) {
        label = 1;
        width[NAME] = 9;
    }
    const char *hd[NCOL];
    for (int k = 0; k < NCOL; k++) hd[k] = head[k];
    if (!wide) {
        hd[COS] = "cos";
        hd[RESID] = "resid";
    }
    int last = NCOL - 1;
    while (!show[last]) last--;
    for (int k = 0; k < NCOL; k++)
        if (show[k]) bl_pad(f, hd[k], k < last ? width[k] : 0);
    fputc('\n', f);
    for (int i = 0; i < shown; i++) {
        const bl_hg_entry *w = &rows[i];
        char a[64], b[64], cs[64], d[64], t[64], hv[32], cv[32], gc[32], calls[96], mem[32];
        char bd[64];
        if (w->status) continue;
        fmt_time(t, sizeof t, w->r.seconds);
        snprintf(hv, sizeof hv, "%lu", w->r.hvp);
        snprintf(cv, sizeof cv, "%lu", w->r.cvp);
        snprintf(gc, sizeof gc, "%lu", w->r.grad_calls);
        snprintf(calls, sizeof calls, "%s/%s/%s", hv, cv, gc);
        fmt_bytes(mem, sizeof mem, w->r.bytes);
        bl_out_fmt(a, sizeof a, w->norm, ndg);
        if (w->r.inner.failures) strncat(a, "!", sizeof a - strlen(a) - 1);
        char lab[32];
        snprintf(lab, sizeof lab, "e%d", i + 1);
        const char *cell[NCOL] = {
            label ? lab : w->spec.text, a,
            gref ? bl_out_fmt(b, sizeof b, w->rel_err, 3) : "-",
            gref ? bl_out_fmt(cs, sizeof cs, w->cosine, cdg) : "-",
            hv, cv, gc, calls,
            w->r.has_adjoint ? bl_out_fmt(d, sizeof d, w->r.adjoint_residual, rdg) : "-",
            bl_hg_fmt_bound(bd, sizeof bd, &w->r, wide ? 3 : 2), mem, t};
        for (int k = 0; k < NCOL; k++)
            if (show[k]) bl_pad(f, cell[k], k < last ? width[k] : 0);
        fputc('\n', f);
    }
    for (int i = 0; label && i < shown; i++)
        if (!rows[i].status) fprintf(f, "  e%d = %s\n", i + 1, rows[i].spec.text);
}

static int exec_hypergrad(bl_session *S, int argc, char **argv, bl_err *e)
{
    char deftext[256], *save = NULL;
    char *words[MAXSPECS];
    int n = 0, explain = 0, nspec = 0;
    size_t draws = 0;
    /* the specs are the words other than --explain and draws=R; ARGV
     * belongs to the caller (it frees each word once) and is only read */
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--explain") == 0) explain = 1;
        else if (strncmp(argv[i], "draws=", 6) == 0) {
            char *end;
            double v = strtod(argv[i] + 6, &end);
            if (end == argv[i] + 6 || *end || !(v >= 1 && v <= 1e7) || v != floor(v)) {
                bl_err_set(e, BL_EINVAL, "draws=%s: the number of draws must be an integer "
                           "from 1 to 10000000", argv[i] + 6);
                return BL_EINVAL;
            }
            draws = (size_t)v;
        } else nspec++;
    }
    int nospec = nspec == 0;
    if (nospec) {
        /* the problem's own estimators, unless hypergrad.specs was changed */
        const char *specs = S->set[BL_S_HYPERGRAD_SPECS].str;
        if (S->P->type->estimators
            && !strcmp(specs, bl_settings_table[BL_S_HYPERGRAD_SPECS].def))
            specs = S->P->type->estimators;
        snprintf(deftext, sizeof deftext, "%s", specs);
        for (char *t = strtok_r(deftext, " ", &save); t && n < MAXSPECS; t = strtok_r(NULL, " ", &save))
            words[n++] = t;
    } else {
        if (nspec > MAXSPECS) {
            bl_err_set(e, BL_EINVAL, "at most %d estimators at once", MAXSPECS);
            return BL_EINVAL;
        }
        for (int i = 0; i < argc; i++)
            if (strcmp(argv[i], "--explain") != 0 && strncmp(argv[i], "draws=", 6) != 0)
                words[n++] = argv[i];
    }
    bl_hg_draws *dr = NULL;          /* draws=R: one per spec */
    bl_hg_cmp X;
    if (bl_hg_cmp_alloc(&X, (size_t)n, S->P->d, S->P->p)) return BL_ENOMEM;
    bl_hg_entry *rows = X.e;
    char (*err)[1024] = calloc((size_t)n + 1, sizeof *err);
    if (!err) {
        bl_hg_cmp_free(&X);
        return BL_ENOMEM;
    }
    int first_err = BL_OK;
    for (int i = 0; i < n; i++)
        if (bl_spec_parse(words[i], &rows[i].spec, e)) {
            first_err = BL_EINVAL;
            goto out;
        }
    bl_inner_conf ic;
    bl_session_inner_conf(S, &ic);
    double eta = bl_session_eta(S);
    if (warn_before(S, rows, err, n, eta) == BL_EINTR) {
        bl_err_set(e, first_err = BL_EINTR, "interrupted");
        goto out;
    }

    /* the estimates and the reference (exact where H is positive definite,
     * otherwise fd; none when no estimate came out, and no hidden fd (2d
     * inner solves) when exact was refused for its memory), each adjoint
     * warm-starting the next as the session's last adjoint */
    bl_hg_ctx c;
    bl_session_hg_ctx(S, &ic, &c);
    c.eta = eta;
    c.keep_unconverged = 1;       /* fd, penalty: flagged after the table, not an error */
    c.bound = 1;                  /* the bound column (doc/bounds.md) */
    if (!S->adj_valid) c.adjoint0 = NULL;
    if (bl_session_hg_compare(S, &X, &c, BL_HG_CMP_CHAIN | (draws ? BL_HG_CMP_NEED_REF : 0)) == BL_EINTR) {
        bl_err_set(e, BL_EINTR, "interrupted");
        first_err = BL_EINTR;
    }
    if (X.adjoint_last) bl_session_keep_adjoint(S, X.adjoint_last);
    for (int i = 0; i < n; i++) {
        if (rows[i].status == BL_EINTR) {
            n = i;               /* Ctrl-C: what came before */
            break;
        }
        if (rows[i].status && !err[i][0]) entry_err(&rows[i], err[i], sizeof err[i]);
    }
    int ref = X.ref;
    const gsl_vector *gref = bl_hg_cmp_ref(&X);
    /* draws=R: each estimate R times (seeds seed … seed + R − 1) against
     * the reference */
    if (draws && first_err != BL_EINTR) {
        if (!gref) {
            bl_err_set(e, first_err = BL_EUNSUPPORTED, "draws=%zu needs the exact hypergradient "
                       "as reference, and there is none here: %s", draws,
                       X.ref_skipped ? "hypergrad.reference is none"
                       : X.exact_status == BL_ENOMEM ? "exact is over mem.max (add fd to use "
                       "it as the reference)" : "exact and fd both failed");
            goto out;
        }
        if (!(dr = calloc((size_t)n, sizeof *dr))) {
            first_err = BL_ENOMEM;
            goto out;
        }
        c.adjoint0 = S->adj_valid ? S->adjoint_last : NULL;
        for (int i = 0; i < n; i++) {
            if (rows[i].status) continue;
            if (!(dr[i].mean = gsl_vector_alloc(S->P->d))) {
                first_err = BL_ENOMEM;
                goto out;
            }
            bl_err de = {0};
            int st = bl_hg_draws_run(&rows[i].spec, &c, draws, gref, 0, &dr[i], NULL, &de);
            if (st == BL_EINTR) {
                bl_err_set(e, first_err = BL_EINTR, "interrupted");
                goto out;
            }
            if (st) {
                rows[i].status = st;
                snprintf(err[i], sizeof err[i], "%s: %s", rows[i].spec.text, de.msg);
            }
        }
    }
    const char *refname = gref ? rows[ref].spec.text : "";
    const char *noref = X.ref_skipped ? "none"
                        : X.exact_status == BL_ENOMEM
                        ? "none (exact is over mem.max; add fd to compare)"
                        : "none (exact and fd both failed)";
    char refnote[512] = "";           /* hypergrad.reference left it out */
    if (X.ref_skipped) bl_session_ref_note(S, &X, refnote, sizeof refnote);
    /* With no specs given, the estimators that do not apply here (exact on
     * a singular H) are left out with one note instead of failing; when
     * none applies, the reference (fd) is shown in their place. */
    int shown = n, nok = 0;
    char leftout[2048] = "";
    if (nospec && first_err != BL_EINTR) {
        for (int i = 0; i < n; i++) {
            if (rows[i].status == BL_OK) {
                nok++;
                continue;
            }
            size_t l = strlen(leftout);
            snprintf(leftout + l, sizeof leftout - l, "%s%s", l ? "; " : "", err[i]);
        }
        if (nok == 0 && ref == n) shown = n + 1;
    }
    int quiet_fail = nospec && leftout[0] && (nok > 0 || shown > n);
    /* how far θ is from an inner solution: estimates are taken at θ */
    double resid = bl_inner_residual(S->P, S->theta, S->omega, bl_session_eta(S));

    int dg = bl_session_digits(S), timing = S->set[BL_S_TIMING].num != 0;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "hypergrad");
        bl_json_vec(&j, "omega", S->omega->data, S->omega->size, S->omega->stride);
        if (gref) bl_json_str(&j, "reference", refname);
        else bl_json_null(&j, "reference");
        if (gref) bl_json_vec(&j, "reference_grad", gref->data, gref->size, gref->stride);
        else bl_json_null(&j, "reference_grad");
        if (refnote[0]) bl_json_str(&j, "reference_note", refnote);
        bl_json_bool(&j, "reference_cached", X.ref_reused);
        bl_json_int(&j, "reference_evaluations", (long long)S->ref_evals);
        bl_json_num(&j, "eta", eta);
        bl_json_num(&j, "inner_residual", resid);
        if (quiet_fail) {
            bl_json_arr_begin(&j, "left_out");
            for (int i = 0; i < n; i++) {
                if (rows[i].status == BL_OK) continue;
                bl_json_obj_begin(&j, NULL);
                bl_json_str(&j, "spec", rows[i].spec.text);
                bl_json_str(&j, "reason", err[i]);
                bl_json_obj_end(&j);
            }
            bl_json_arr_end(&j);
        }
        bl_json_arr_begin(&j, "estimates");
        for (int i = 0; i < shown; i++) {
            bl_hg_entry *w = &rows[i];
            if (w->status) continue;
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "spec", w->spec.text);
            bl_json_vec(&j, "grad", w->r.grad->data, w->r.grad->size, w->r.grad->stride);
            bl_json_num(&j, "norm", w->norm);
            bl_json_num(&j, "rel_err", w->rel_err);
            bl_json_num(&j, "cosine", w->cosine);
            bl_json_int(&j, "hvp", (long long)w->r.hvp);
            bl_json_int(&j, "cvp", (long long)w->r.cvp);
            bl_json_int(&j, "grad_calls", (long long)w->r.grad_calls);
            bl_json_num(&j, "adjoint_residual", w->r.adjoint_residual);
            bl_hg_json_bound(&j, &w->r);
            bl_json_int(&j, "bytes", (long long)w->r.bytes);
            if (w->r.checkpointed) {
                bl_json_int(&j, "stored", (long long)w->r.stored);
                bl_json_int(&j, "recomputed", (long long)w->r.recomputed);
            }
            bl_json_num(&j, "seconds", w->r.seconds);
            if (w->r.inner.solves) {
                bl_json_bool(&j, "inner_converged", w->r.inner.failures == 0);
                bl_json_int(&j, "inner_failures", (long long)w->r.inner.failures);
            }
            if (dr && i < n && dr[i].mean) {
                const bl_hg_draws *q = &dr[i];
                double rn = q->ref_norm > 0 ? q->ref_norm : 1;
                bl_json_int(&j, "draws", (long long)q->R);
                bl_json_bool(&j, "stochastic", q->stochastic);
                bl_json_int(&j, "seed", (long long)q->seed0);
                bl_json_vec(&j, "mean_grad", q->mean->data, q->mean->size, q->mean->stride);
                bl_json_num(&j, "bias", q->bias);
                bl_json_num(&j, "variance", q->variance);
                bl_json_num(&j, "mean_error", q->mean_error);
                bl_json_num(&j, "mse", q->mse);
                bl_json_num(&j, "rel_bias", q->bias / rn);
                bl_json_num(&j, "rel_variance", q->variance / (rn * rn));
                bl_json_num(&j, "rel_mean_error", q->mean_error / rn);
            }
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
        bl_json_end(&j);
    } else {
        FILE *f = S->out;
        char a[64], v[4096];
        int any = 0, W0 = bl_session_width(S);
        for (int i = 0; i < shown; i++) any |= rows[i].status == BL_OK;
        bl_fmt_vec_fit(v, sizeof v, S->omega->data, S->omega->size, S->omega->stride, dg, 6,
                       W0 > 0 ? W0 - 33 - bl_utf8_width(gref ? refname : noref) : 0);
        if (any)
            fprintf(f, "hypergradient at ω = %s, reference %s\n", v,
                    gref ? refname : noref);
        if (any && refnote[0]) bl_msg_write(f, &(bl_msg){.kind = BL_MSG_NOTE, .text = refnote});
        if (any && resid > ic.tol) {
            snprintf(v, sizeof v, "θ is not solved (‖∇θG‖ = %s > inner.tol): the estimates "
                     "are taken at this θ; 'solve inner' first for ∇F",
                     bl_out_fmt(a, sizeof a, resid, 3));
            bl_msg_write(f, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
        }
        if (any && quiet_fail) {
            snprintf(v, sizeof v, "left out %s", leftout);
            bl_msg_write(f, &(bl_msg){.kind = BL_MSG_NOTE, .text = v});
        }
        int sw = 18;
        for (int i = 0; i < shown; i++)
            if (bl_utf8_width(rows[i].spec.text) > sw) sw = bl_utf8_width(rows[i].spec.text);
        if (any) print_table(S, rows, shown, gref != NULL, timing, sw);
        int W = bl_session_width(S);
        for (int i = 0; i < shown; i++) {
            bl_hg_entry *w = &rows[i];
            if (w->status) continue;
            bl_fmt_vec_fit(v, sizeof v, w->r.grad->data, w->r.grad->size, w->r.grad->stride, dg,
                           8, W > 0 ? W - 7 - bl_utf8_width(w->spec.text) : 0);
            fprintf(f, "  g[%s] = %s\n", w->spec.text, v);
        }
        print_bound_consts(f, rows, shown, W);
        for (int i = 0; i < shown; i++) {              /* checkpointed reverse */
            bl_hg_entry *w = &rows[i];
            if (w->status || !w->r.checkpointed) continue;
            fprintf(f, "  %s: stored at most %zu iterate%s, recomputed %zu step%s\n",
                    w->spec.text, w->r.stored, w->r.stored == 1 ? "" : "s",
                    w->r.recomputed, w->r.recomputed == 1 ? "" : "s");
        }
        if (dr && any) print_draws(S, rows, dr, n, sw, draws);
    }
    /* fd's and penalty's inner solves (the reference's too) that stopped
     * short of inner.tol: one warning line, never a silent number */
    bl_solve_tally t = {0, 0, 0};
    for (int i = 0; i <= n; i++)
        if (rows[i].status == BL_OK) bl_tally_merge(&t, &rows[i].r.inner);
    char limit[64];
    snprintf(limit, sizeof limit, "inner.maxit = %zu", ic.maxit);
    bl_warn_inner(S, "hypergrad", t.failures, t.solves, "inner solves", t.worst,
                  S->P->type->flags & BL_PROB_NONSMOOTH ? "prox residual" : "‖∇θG‖", ic.tol,
                  limit, bl_session_json(S) ? "; \"inner_converged\": false in the JSON"
                                            : "; marked ! in the table");
    for (int i = 0; i < n && !quiet_fail; i++)
        if (rows[i].status && rows[i].status != BL_EINTR) {
            if (first_err == BL_OK) {
                first_err = rows[i].status;
                bl_err_set(e, first_err, "%s", err[i]);
            } else {
                bl_report_error(S, "hypergrad", err[i]);
            }
        }
    for (int i = 0; i < n && explain; i++) {
        if (rows[i].status) continue;
        int st = bl_cmd_explain_print(S, &rows[i].spec, e);
        if (st && first_err == BL_OK) first_err = st;
    }
out:
    for (int i = 0; dr && i < n; i++) gsl_vector_free(dr[i].mean);
    free(dr);
    bl_hg_cmp_free(&X);
    free(err);
    return first_err;
}

static const char *complete_hypergrad(bl_session *S, int argi, char **w, size_t i)
{
    if (i == 0) return "--explain";
    if (i == 1) return "draws=";
    return bl_complete_specs(S, argi, w, i - 2);
}

const bl_command bl_cmd_hypergrad = {
    .name = "hypergrad",
    .usage = "hypergrad [SPEC ...] [draws=R] [--explain]",
    .summary = "hypergradient estimates beside the reference, with their costs",
    .help =
        "hypergrad [SPEC ...]   each estimator's ∇F at the current θ and ω (default:\n"
        "                       the setting hypergrad.specs): ‖g‖, relative error\n"
        "                       and cosine against the reference (exact where H is\n"
        "                       positive definite, fd otherwise; when exact is over\n"
        "                       mem.max, fd only if listed), H-products,\n"
        "                       C-products, gradient calls, adjoint residual\n"
        "                       ‖Ha − ∇θL‖/‖∇θL‖, the error bound, working\n"
        "                       memory and wall time.\n"
        "                       SPEC is\n"
        "                       NAME[:key=value,...]; --explain splits each\n"
        "                       error into its sources (see explain).\n"
        "With no SPEC: the problem's own estimators (or hypergrad.specs when it was\n"
        "changed from its default); those that do not apply here (exact on a\n"
        "singular H) are left out with one note, and fd is shown when none applies.\n"
        "Solve the inner problem first (solve inner): the estimators work at the\n"
        "current θ, so an unsolved θ shows up as error.  A warning comes first\n"
        "when an η makes neumann, fp or unrolled steps diverge; cg is refused\n"
        "where H is not positive definite.\n"
        "Minibatch estimators (problems with minibatch oracles: quadsum, ridge,\n"
        "ridge-multi, logreg, logreg-multi): cg, neumann, fp and reverse take batch=B\n"
        "(inner batches of B drawn by the setting sampler from the setting seed, or\n"
        "seed=S; ∇θL and ∇ωL on one outer batch of batch.outer, 0: all); see\n"
        "doc/stochastic.md.  draws=R runs each estimator R times with seeds seed …\n"
        "seed + R − 1 (in parallel, the same numbers on any number of threads) and\n"
        "prints against the reference its bias ‖ḡ − ∇F‖, variance (1/R)Σ‖g − ḡ‖²\n"
        "and mean error (1/R)Σ‖g − ∇F‖, absolute and relative to ‖∇F‖; an\n"
        "estimator without batch= is deterministic: run once, variance 0.\n"
        "fd's and penalty's inner solves that stop short of inner.tol are marked\n"
        "'!' after ‖g‖ and counted in one warning line (\"inner_converged\" in JSON).\n"
        "bound: for exact, cg, neumann and fp an a posteriori bound on ‖g − ∇F‖\n"
        "from the inner and adjoint residuals, λmin(H) and Lipschitz constants\n"
        "(doc/bounds.md); ~ marks one from estimated constants (not certified), -\n"
        "none (JSON: \"error_bound\", null, with \"error_bound_note\").\n"
        "cg:tol=auto stops CG once the bound's adjoint term is at most its inner\n"
        "term or 1% of ‖g‖.\n"
        "The estimators (help NAME for one):",
    .minargs = 0, .maxargs = -1,
    .exec = exec_hypergrad,
    .complete = complete_hypergrad,
    .flags = BL_CMD_HELP_ESTIMATORS,
};
