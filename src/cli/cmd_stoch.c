/* cmd_stoch.c: the stochastic outer algorithms at the prompt (stoch_cli.h).
 * The algorithm lives in the session (S->sopt) with its joint state (θ, v,
 * ω, memories, λ, samplers); θ and ω are copied to the session after
 * every step, so that show, hypergrad and plots see them. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "session.h"
#include "stoch.h"
#include "stoch_cli.h"

int bl_stoch_name(const char *text)
{
    char head[64];
    snprintf(head, sizeof head, "%s", text);
    char *c = strchr(head, ':');
    if (c) *c = 0;
    for (size_t k = 0; bl_sopt_types[k]; k++)
        if (!strcmp(bl_sopt_types[k]->name, head)) return 1;
    return 0;
}

int bl_stoch_selected(const bl_session *S)
{
    return bl_stoch_name(S->set[BL_S_OUTER_OPT].str);
}

void bl_stoch_drop(bl_session *S)
{
    bl_sopt_free(S->sopt);
    S->sopt = NULL;
}

/* What the algorithm is made from: a change of any of these restarts it. */
#define SOPT_DEPS (BL_CHG_PROBLEM | BL_CHG_DATA | BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_OUTER)

static int live(bl_session *S, bl_err *e)
{
    unsigned long seed = (unsigned long)S->set[BL_S_SEED].num;
    if (S->sopt && !bl_session_changed(S, S->sopt_gen, SOPT_DEPS) && S->sopt->P == S->P
        && S->sopt->conf.seed == seed)
        return BL_OK;
    bl_stoch_drop(S);
    bl_sopt_spec spec;
    if (bl_sopt_parse(S->set[BL_S_OUTER_OPT].str, &spec, e)) return BL_EINVAL;
    bl_sopt_conf conf = {.sampler = (bl_sampler_kind)S->set[BL_S_SAMPLER].num,
                         .batch_inner = (size_t)S->set[BL_S_BATCH_INNER].num,
                         .batch_outer = (size_t)S->set[BL_S_BATCH_OUTER].num,
                         .seed = seed};
    S->sopt = bl_sopt_alloc(&spec, &conf, S->P, S->theta, S->omega, e);
    if (!S->sopt) return e->code ? e->code : BL_ENOMEM;
    S->sopt_gen = S->gen;
    return BL_OK;
}

static void row_json(bl_session *S, const char *cmd, const bl_sopt_row *r)
{
    bl_sopt *o = S->sopt;
    bl_json j;
    bl_json_begin(&j, S->out, cmd);
    if (!strcmp(cmd, "step")) bl_json_str(&j, "what", "outer");
    bl_json_str(&j, "algorithm", o->spec.text);
    bl_json_int(&j, "iterations", (long long)o->t);
    bl_json_num(&j, "F", r->F);
    bl_json_num(&j, "grad_norm", r->gnorm);
    bl_json_num(&j, "gap", r->gap);
    bl_json_num(&j, "L", r->L);
    bl_json_num(&j, "adjoint_residual", r->vres);
    bl_json_int(&j, "oracle_calls", (long long)r->oracles);
    bl_json_num(&j, "epochs", r->epochs);
    if (!isnan(bl_sopt_par(&o->spec, "lmbda0")) || o->spec.type == bl_sopt_lookup("bome"))
        bl_json_num(&j, "lambda", o->lmbda);
    bl_json_vec(&j, "omega", o->x->data, o->x->size, o->x->stride);
    bl_json_vec(&j, "theta", o->y->data, o->y->size, o->y->stride);
    bl_json_vec(&j, "v", o->v->data, o->v->size, o->v->stride);
    bl_json_end(&j);
}

/* "F = … ‖∇F‖ = … F − F* = …" (what is known) into BUF */
static void measures(bl_session *S, const bl_sopt_row *r, char *buf, size_t len)
{
    int dg = bl_session_digits(S);
    char a[64], b[64], c[64];
    if (isnan(r->F)) {
        snprintf(buf, len, "L(θ, ω) = %s", bl_out_fmt(a, sizeof a, r->L, dg));
        return;
    }
    size_t k = (size_t)snprintf(buf, len, "F = %s ‖∇F‖ = %s", bl_out_fmt(a, sizeof a, r->F, dg),
                                bl_out_fmt(b, sizeof b, r->gnorm, dg));
    if (!isnan(r->gap) && k < len)
        snprintf(buf + k, len - k, " F − F* = %s", bl_out_fmt(c, sizeof c, r->gap, dg));
}

static void row_text(bl_session *S, const bl_sopt_row *r)
{
    bl_sopt *o = S->sopt;
    char m[256], w[1024], a[64];
    measures(S, r, m, sizeof m);
    char head[512];
    int W = bl_session_width(S);
    int hw = snprintf(head, sizeof head, "%s %4zu  %s  oracles %lu epochs %s", o->spec.type->name,
                      o->t, m, r->oracles, bl_out_fmt(a, sizeof a, r->epochs, 4));
    /* at the terminal's width ω goes on a line of its own when it does not fit */
    int brk = W > 0 && bl_utf8_width(head) + 24 > W;
    (void)hw;
    bl_fmt_vec_fit(w, sizeof w, o->x->data, o->x->size, o->x->stride, bl_session_digits(S), 4,
                   W > 0 ? W - (brk ? 8 : bl_utf8_width(head) + 7) : 0);
    fprintf(S->out, "%s%s→ ω = %s\n", head, brk ? "\n  " : " ", w);
}

int bl_stoch_steps(bl_session *S, size_t n, int verbose, bl_err *e)
{
    int st = live(S, e);
    if (st) return st;
    bl_sopt *o = S->sopt;
    int tty = !S->batch && isatty(fileno(S->errf));
    double t0 = bl_clock();
    size_t k;
    for (k = 0; k < n; k++) {
        if (*S->cancel) {
            st = BL_EINTR;
            break;
        }
        st = bl_sopt_step(o, e);
        if (st) break;
        gsl_vector_memcpy(S->theta, o->y);
        gsl_vector_memcpy(S->omega, o->x);
        S->sopt_gen = bl_session_touch(S, BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_STATE);
        if (verbose) {
            if (bl_session_json(S)) row_json(S, "step", &o->rows[o->nrow - 1]);
            else row_text(S, &o->rows[o->nrow - 1]);
        } else if (tty && bl_clock() - t0 > 0.5) {
            fprintf(S->errf, "\r  %zu/%zu %s steps", k + 1, n, o->spec.type->name);
            fflush(S->errf);
        }
    }
    if (tty && !verbose && bl_clock() - t0 > 0.5) fprintf(S->errf, "\r\033[K");
    if (st == BL_EINTR)
        bl_err_set(e, st, "interrupted after %zu of %zu %s steps (kept)", k, n,
                   o->spec.type->name);
    else if (st) {
        /* a divergence: the session keeps the last finite iterate; the
         * algorithm starts afresh from there at the next step */
        S->sopt_gen = 0;
    }
    return st;
}

int bl_stoch_run(bl_session *S, size_t n, bl_err *e)
{
    size_t before = S->sopt && !bl_session_changed(S, S->sopt_gen, SOPT_DEPS) ? S->sopt->t : 0;
    int st = bl_stoch_steps(S, n, 0, e);
    bl_sopt *o = S->sopt;
    if (!o || o->nrow == 0 || o->t == before) return st;
    const bl_sopt_row *r = &o->rows[o->nrow - 1];
    if (bl_session_json(S)) {
        row_json(S, "run", r);
    } else {
        char m[256], w[1024], a[64];
        measures(S, r, m, sizeof m);
        char head[512];
        int W = bl_session_width(S);
        int hw = snprintf(head, sizeof head, "ran %zu %s steps (%zu in all):", o->t - before,
                          o->spec.text, o->t);
        /* at a width the spec and ω do not share a line: ω on the next */
        int brk = W > 0 && hw + 24 > W;
        bl_fmt_vec_fit(w, sizeof w, o->x->data, o->x->size, o->x->stride, bl_session_digits(S),
                       6, W > 0 ? W - (brk ? 6 : hw + 5) : 0);
        fprintf(S->out, "%s%sω = %s\n  %s; %lu oracle calls, "
                "%s epochs\n", head, brk ? "\n  " : " ", w, m, r->oracles,
                bl_out_fmt(a, sizeof a, r->epochs, 4));
    }
    return st;
}

void bl_stoch_show_text(bl_session *S, FILE *f)
{
    if (!bl_stoch_selected(S)) return;
    bl_sopt *o = S->sopt;
    if (!o || bl_session_changed(S, S->sopt_gen, SOPT_DEPS)) {
        fprintf(f, "stoch    %s starts at the next step (v = 0)\n", S->set[BL_S_OUTER_OPT].str);
        return;
    }
    bl_sopt_row r;
    bl_sopt_measure(o, &r);
    char m[256], a[64], b[64];
    measures(S, &r, m, sizeof m);
    /* two lines, each broken at the terminal's width */
    char l1[1024], l2[512];
    int W = bl_session_width(S);
    snprintf(l1, sizeof l1, "%s: %zu steps, %s", o->spec.text, o->t, m);
    size_t n2 = (size_t)snprintf(l2, sizeof l2, "%lu oracle calls, %s epochs, batches %zu/%zu (%s)",
                                 r.oracles, bl_out_fmt(a, sizeof a, r.epochs, 4), o->sin->b,
                                 o->sout->b, bl_sampler_names[o->conf.sampler]);
    if (isfinite(r.vres) && n2 < sizeof l2)
        n2 += (size_t)snprintf(l2 + n2, sizeof l2 - n2, ", adjoint residual %s",
                               bl_out_fmt(b, sizeof b, r.vres, 3));
    if ((o->spec.type == bl_sopt_lookup("f2sa") || o->spec.type == bl_sopt_lookup("bome"))
        && n2 < sizeof l2)
        snprintf(l2 + n2, sizeof l2 - n2, ", λ = %s", bl_out_fmt(b, sizeof b, o->lmbda, 4));
    fprintf(f, "stoch    ");
    bl_out_wrap(f, l1, 9, 9, W);
    fprintf(f, "         ");
    bl_out_wrap(f, l2, 9, 9, W);
}

void bl_stoch_show_json(bl_session *S, bl_json *j)
{
    if (!bl_stoch_selected(S)) return;
    bl_sopt *o = S->sopt;
    if (!o || bl_session_changed(S, S->sopt_gen, SOPT_DEPS)) {
        bl_json_int(j, "stoch_iterations", 0);
        return;
    }
    bl_sopt_row r;
    bl_sopt_measure(o, &r);
    bl_json_int(j, "stoch_iterations", (long long)o->t);
    bl_json_num(j, "F_exact", r.F);
    bl_json_num(j, "grad_norm", r.gnorm);
    bl_json_num(j, "gap", r.gap);
    bl_json_num(j, "adjoint_residual", r.vres);
    bl_json_int(j, "oracle_calls", (long long)r.oracles);
    bl_json_num(j, "epochs", r.epochs);
    bl_json_int(j, "batch_inner", (long long)o->sin->b);
    bl_json_int(j, "batch_outer", (long long)o->sout->b);
    bl_json_str(j, "sampler", bl_sampler_names[o->conf.sampler]);
}

/* help stochastic, help NAME (an algorithm): from the table */
static void help_one(FILE *f, const bl_sopt_type *T)
{
    fprintf(f, "%s (stochastic outer algorithm, set outer.opt %s:key=value,...): %s\n",
            T->name, T->name, T->help);
    for (size_t i = 0; i < T->nparams; i++)
        fprintf(f, "  %s=%.10g  %s\n", T->params[i].name, T->params[i].def, T->params[i].help);
    if (T->flags & BL_SOPT_BATCHES) fprintf(f, "  needs sampler batches (a memory per batch)\n");
    if (T->flags & BL_SOPT_FULLBATCH) fprintf(f, "  full batch: ignores the batch sizes\n");
}

int bl_stoch_help(bl_session *S, const char *topic)
{
    FILE *f = S->out;
    size_t len = strlen(topic);
    if (len >= 5 && !strncmp("stochastic", topic, len)) {
        fprintf(f, "stochastic outer algorithms (doc/stochastic.md): set outer.opt "
                "NAME:key=value,... then step outer [N] or run N.\n"
                "They run on problems with minibatch oracles (quadsum, ridge, ridge-multi,\n"
                "logreg, logreg-multi, cleaning) and keep θ, v ≈ −H⁻¹∇θL (v₀ = 0),\n"
                "memories and λ between steps; step t (from 0) uses c/(t+1)^a.  Settings:\n"
                "batch.inner, batch.outer (0: batch_size), sampler (batches|shuffle|uniform),\n"
                "seed.\n"
                "Each step prints F, ‖∇F‖ and F − F* where the problem has closed forms,\n"
                "the oracle calls and the epochs (inner samples drawn / n_inner).\n"
                "compare ALG,ALG,... calls=N seeds=N runs several over seeds (help compare).\n\n");
        for (size_t k = 0; bl_sopt_types[k]; k++) help_one(f, bl_sopt_types[k]);
        return 1;
    }
    const bl_sopt_type *T = bl_sopt_lookup(topic);
    if (!T) return 0;
    help_one(f, T);
    return 1;
}

/* ---- save and replay (cmd_misc.c's save, cmd_set.c's set stoch.state) ---- */

/* The live algorithm: started, and nothing it is made from changed. */
static bl_sopt *live_now(const bl_session *S)
{
    bl_sopt *o = S->sopt;
    if (!o || !bl_stoch_selected(S) || bl_session_changed(S, S->sopt_gen, SOPT_DEPS)
        || o->P != S->P || o->conf.seed != (unsigned long)S->set[BL_S_SEED].num)
        return NULL;
    return o;
}

const bl_sopt *bl_stoch_live(const bl_session *S)
{
    return live_now(S);
}

int bl_stoch_state_words(bl_session *S, double **w, size_t *n, bl_err *e)
{
    *w = NULL;
    *n = 0;
    bl_sopt *o = live_now(S);
    if (!o) return BL_OK;
    size_t k = bl_sopt_state_get(o, NULL);
    double *buf = malloc((k + 1) * sizeof *buf);
    if (!buf) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    if (bl_sopt_state_get(o, buf) != k) {
        free(buf);
        bl_err_set(e, BL_EUNSUPPORTED, "this GSL's mt19937 state has another layout: %s's "
                   "samplers cannot be saved", o->spec.type->name);
        return BL_EUNSUPPORTED;
    }
    *w = buf;
    *n = k;
    return BL_OK;
}

int bl_stoch_state_put(bl_session *S, const double *w, size_t n, bl_err *e)
{
    if (!S->P || !bl_stoch_selected(S)) {
        bl_err_set(e, BL_EINVAL, "stoch.state needs a stochastic outer.opt (set outer.opt "
                   "soba:... first)");
        return BL_EINVAL;
    }
    /* a fresh start from the session's θ and ω, as the next step would
     * make it, then the saved state in it; a refusal keeps the session */
    bl_sopt *keep = S->sopt;
    unsigned long keep_gen = S->sopt_gen;
    S->sopt = NULL;
    S->sopt_gen = 0;
    int st = live(S, e);
    if (st == BL_OK) st = bl_sopt_state_put(S->sopt, w, n, e);
    if (st) {
        bl_sopt_free(S->sopt);
        S->sopt = keep;
        S->sopt_gen = keep_gen;
        return st;
    }
    bl_sopt_free(keep);
    bl_sopt *o = S->sopt;
    gsl_vector_memcpy(S->theta, o->y);
    gsl_vector_memcpy(S->omega, o->x);
    S->sopt_gen = bl_session_touch(S, BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_STATE);
    return BL_OK;
}
