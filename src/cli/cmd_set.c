/* cmd_set.c: set NAME VALUE and show [NAME]. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "args.h"
#include "command.h"
#include "fileio.h"
#include "linalg.h"
#include "output.h"
#include "stoch.h"
#include "stoch_cli.h"

/* The words joined with SEP, malloc'd, of any length (a value is never
 * cut short: a long number or θ of any size reads as written). */
static char *join(int argc, char **argv, const char *sep, bl_err *e)
{
    size_t n = 1;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + strlen(sep);
    char *buf = malloc(n);
    if (!buf) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return NULL;
    }
    buf[0] = '\0';
    for (int i = 0, l = 0; i < argc; i++)
        l += sprintf(buf + l, "%s%s", i ? sep : "", argv[i]);
    return buf;
}

/* "omega[3]" → base "omega", index 3: returns 1; "theta[2:5]" → the
 * slice 2 ≤ i < 5 in *IDX, *END: returns 2; 0 when plain, −1 on a
 * malformed index. */
static int split_index(const char *name, char *base, size_t len, long *idx, long *end,
                       bl_err *e)
{
    const char *br = strchr(name, '[');
    if (!br) {
        snprintf(base, len, "%s", name);
        return 0;
    }
    size_t bl = (size_t)(br - name);
    snprintf(base, len, "%.*s", (int)(bl < len ? bl : len - 1), name);
    const char *close = strchr(br, ']');
    if (!close || close[1]) {
        bl_err_set(e, BL_EINVAL, "malformed index in '%s' (expected NAME[i])", name);
        return -1;
    }
    char num[64];
    snprintf(num, sizeof num, "%.*s", (int)(close - br - 1), br + 1);
    /* negative indices parse, so that the message can say what the
     * indices are (negative_index) rather than print a range */
    char *colon = strchr(num, ':');
    if (colon) {                                     /* a slice [i:j] */
        *colon = '\0';
        if (bl_parse_long(num, "the start of the slice", -(1L << 40), 1L << 40, idx, e) ||
            bl_parse_long(colon + 1, "the end of the slice", -(1L << 40), 1L << 40, end, e))
            return -1;
        if (*end < *idx) {
            bl_err_set(e, BL_EINVAL, "slice '%s' ends before it starts (NAME[i:j] is "
                       "i ≤ k < j)", name);
            return -1;
        }
        return 2;
    }
    if (bl_parse_long(num, "the index", -(1L << 40), 1L << 40, idx, e)) return -1;
    return 1;
}

/* An index of NAME (dimension N) from split_index that is below 0 (past
 * the end is set_vector's to say) fills E. */
static int negative_index(const char *name, long idx, size_t n, bl_err *e)
{
    if (idx >= 0) return 0;
    bl_err_set(e, BL_EDIM, "index %ld: %s has indices 0..%zu", idx, name, n - 1);
    return 1;
}

/* A new ω that turns a finite problem non-finite (λ = e^ω overflows past
 * ω ≈ 709.78, or a product does) is refused: every later command would
 * fail.  G, L, their gradients and the problem's bound on λmax(H) are
 * checked at the current θ, before (OLD) and after (NEW); a problem that
 * was not finite before may move anywhere (out of a domain, say). */
static int finite_problem(bl_problem *P, const gsl_vector *th, const gsl_vector *om,
                          const char **what)
{
    gsl_vector *gp = gsl_vector_alloc(P->p), *gd = gsl_vector_alloc(P->d);
    int ok = gp && gd;
    *what = "G";
    if (ok) ok = isfinite(bl_problem_G(P, th, om)) || (*what = "G", 0);
    if (ok) ok = isfinite(bl_problem_L(P, th, om)) || (*what = "L", 0);
    if (ok) {
        bl_problem_G_theta(P, th, om, gp);
        ok = bl_vector_finite(gp) || (*what = "∇θG", 0);
    }
    if (ok) {
        bl_problem_L_theta(P, th, om, gp);
        ok = bl_vector_finite(gp) || (*what = "∇θL", 0);
    }
    if (ok) {
        bl_problem_G_omega(P, th, om, gd);
        ok = bl_vector_finite(gd) || (*what = "∇ωG", 0);
    }
    if (ok) {
        bl_problem_L_omega(P, th, om, gd);
        ok = bl_vector_finite(gd) || (*what = "∇ωL", 0);
    }
    if (ok && P->type->lipschitz)
        ok = isfinite(P->type->lipschitz(P, th, om)) || (*what = "the bound on λmax(H)", 0);
    gsl_vector_free(gp);
    gsl_vector_free(gd);
    return ok;
}

static int check_new_omega(bl_session *S, const gsl_vector *om, bl_err *e)
{
    bl_problem *P = S->P;
    const char *what;
    unsigned long c[4] = {P->n_hvp, P->n_cvp, P->n_grad, P->n_eval};
    int st = BL_OK;
    if (!finite_problem(P, S->theta, om, &what) && finite_problem(P, S->theta, S->omega, &what)) {
        finite_problem(P, S->theta, om, &what);
        double big = 0;
        for (size_t i = 0; i < om->size; i++) big = fmax(big, fabs(gsl_vector_get(om, i)));
        char v[256];
        bl_fmt_vec(v, sizeof v, om->data, om->size, om->stride, 6, 4);
        bl_err_set(e, BL_EINVAL, "at omega = %s the problem is not finite (%s is not finite at the current "
                   "θ)%s; omega is unchanged", v, what, big > 700 ? ": e^ω overflows past "
                   "ω ≈ 709.78, keep |ω| ≤ 700" : "");
        st = BL_EINVAL;
    }
    P->n_hvp = c[0], P->n_cvp = c[1], P->n_grad = c[2], P->n_eval = c[3];
    return st;
}

static int set_vector(bl_session *S, gsl_vector *v, const char *name, int indexed,
                      long idx, long end, int argc, char **argv, bl_err *e)
{
    char *buf = join(argc, argv, ",", e);
    if (!buf) return BL_ENOMEM;
    size_t n = v->size, got = 0;
    if (indexed == 1) {
        if ((size_t)idx >= n) {
            bl_err_set(e, BL_EDIM, "index %ld is past %s's dimension (%zu, indices 0..%zu)",
                       idx, name, n, n - 1);
            free(buf);
            return BL_EDIM;
        }
        double x;
        int st = bl_parse_double(buf, name, &x, e) ? BL_EINVAL : BL_OK;
        if (st == BL_OK && !isfinite(x)) {
            bl_err_set(e, BL_EINVAL, "%s[%ld] must be finite", name, idx);
            st = BL_EINVAL;
        }
        if (st == BL_OK) gsl_vector_set(v, (size_t)idx, x);
        free(buf);
        return st;
    }
    /* the coordinates set: all, or the slice [idx, end) */
    size_t lo = 0, hi = n;
    if (indexed == 2) {
        if ((size_t)end > n) {
            bl_err_set(e, BL_EDIM, "slice [%ld:%ld] is past %s's dimension (%zu)", idx,
                       end, name, n);
            free(buf);
            return BL_EDIM;
        }
        lo = (size_t)idx;
        hi = (size_t)end;
    }
    size_t k = hi - lo;
    double *vals = malloc((k + 1) * sizeof *vals);
    if (!vals) {
        free(buf);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    int st = bl_parse_doubles(buf, name, vals, k + 1, &got, e);
    if (st == BL_OK && got != 1 && got != k) {
        if (indexed == 2)
            bl_err_set(e, BL_EDIM, "%s[%zu:%zu] has %zu coordinates: give 1 value (for "
                       "every one) or %zu, not %zu", name, lo, hi, k, k, got);
        else
            bl_err_set(e, BL_EDIM, "%s has dimension %zu: give 1 value (for every "
                       "coordinate) or %zu, not %zu", name, n, n, got);
        st = BL_EDIM;
    }
    for (size_t i = 0; st == BL_OK && i < got; i++)
        if (!isfinite(vals[i])) {
            bl_err_set(e, BL_EINVAL, "%s must be finite", name);
            st = BL_EINVAL;
        }
    if (st == BL_OK)
        for (size_t i = 0; i < k; i++) gsl_vector_set(v, lo + i, vals[got == 1 ? 0 : i]);
    free(vals);
    free(buf);
    (void)S;
    return st;
}

/* set state.words[i:j] v,...: numbers of a saved iterator state, kept
 * until a `set inner.state|outer.state|adjoint.state|adjoint.last|stoch.state ...
 * words=N` takes them.  Slices come in order from 0 (a slice at 0 starts
 * over); values are read as written (%.17g: bit for bit), inf and nan
 * included. */
static int set_state_words(bl_session *S, long lo, long hi, int argc, char **argv,
                           bl_err *e)
{
    if (lo != 0 && (size_t)lo != S->nwords) {
        bl_err_set(e, BL_EINVAL, "state.words[%ld:%ld] does not follow the %zu words "
                   "given so far", lo, hi, S->nwords);
        return BL_EINVAL;
    }
    size_t k = (size_t)(hi - lo);
    char *buf = join(argc, argv, ",", e);
    if (!buf) return BL_ENOMEM;
    double *w = realloc(lo ? S->words : NULL, ((size_t)hi + 1) * sizeof *w);
    if (!w) {
        free(buf);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    if (!lo && S->words) free(S->words);
    S->words = w;
    S->nwords = (size_t)lo;
    size_t got = 0;
    int st = BL_OK;
    for (char *p = buf; st == BL_OK;) {
        char *end;
        double x = strtod(p, &end);
        if (end == p || (*end && *end != ',') || got == k) {
            bl_err_set(e, BL_EINVAL, "state.words[%ld:%ld] needs %zu numbers separated "
                       "by commas", lo, hi, k);
            st = BL_EINVAL;
            break;
        }
        w[lo + got++] = x;
        if (!*end) break;
        p = end + 1;
    }
    free(buf);
    if (st == BL_OK && got != k) {
        bl_err_set(e, BL_EINVAL, "state.words[%ld:%ld] has %zu numbers, not %zu", lo, hi,
                   got, k);
        st = BL_EINVAL;
    }
    if (st) {                              /* a broken slice drops them all */
        free(S->words);
        S->words = NULL;
        S->nwords = 0;
        return st;
    }
    S->nwords = (size_t)hi;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", "state.words");
        bl_json_int(&j, "count", (long long)S->nwords);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "state.words = %zu numbers\n", S->nwords);
    }
    return BL_OK;
}

/* The N words a state command takes (words=N): all of them, or E. */
static int take_words(bl_session *S, long n, const char *what, bl_err *e)
{
    if (n < 0) return BL_OK;
    if ((size_t)n != S->nwords) {
        bl_err_set(e, BL_EINVAL, "%s words=%ld, but %zu state words were given "
                   "(set state.words[i:j] ...)", what, n, S->nwords);
        return BL_EINVAL;
    }
    return BL_OK;
}

static void drop_words(bl_session *S)
{
    free(S->words);
    S->words = NULL;
    S->nwords = 0;
}

/* set outer.state words=N: the outer optimiser's state (momentum, Adam's
 * moments, step counts) from the state words. */
static int set_outer_state(bl_session *S, int argc, char **argv, bl_err *e)
{
    long n = -1;
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val) || strcmp(key, "words")) {
            bl_err_set(e, BL_EINVAL, "outer.state takes words=N, not '%s'", argv[a]);
            return BL_EINVAL;
        }
        if (bl_parse_long(val, "words", 0, 1L << 40, &n, e)) return BL_EINVAL;
    }
    if (n < 0 || !S->outer) {
        bl_err_set(e, BL_EINVAL, S->outer ? "outer.state needs words=N"
                                          : "no outer optimiser: use a problem first");
        return BL_EINVAL;
    }
    int st = take_words(S, n, "outer.state", e);
    if (st == BL_OK) st = bl_outer_state_put(S->outer, S->words, S->nwords, e);
    drop_words(S);
    if (st) return st;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", "outer.state");
        bl_json_int(&j, "iterations", (long long)S->outer->iter);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "outer.state = %s, %zu steps\n", S->outer->type->name,
                S->outer->iter);
    }
    return BL_OK;
}

/* set stoch.state words=N: the stochastic algorithm's running state (θ,
 * v, ω, memories, directions, z, λ, the step count, the counters and both
 * samplers) from the state words (stoch_cli.h). */
static int set_stoch_state(bl_session *S, int argc, char **argv, bl_err *e)
{
    long n = -1;
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val) || strcmp(key, "words")) {
            bl_err_set(e, BL_EINVAL, "stoch.state takes words=N, not '%s'", argv[a]);
            return BL_EINVAL;
        }
        if (bl_parse_long(val, "words", 0, 1L << 40, &n, e)) return BL_EINVAL;
    }
    if (n < 0) {
        bl_err_set(e, BL_EINVAL, "stoch.state needs words=N");
        return BL_EINVAL;
    }
    int st = take_words(S, n, "stoch.state", e);
    if (st == BL_OK) st = bl_stoch_state_put(S, S->words, S->nwords, e);
    drop_words(S);
    if (st) return st;
    const struct bl_sopt *o = bl_stoch_live(S);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", "stoch.state");
        bl_json_str(&j, "algorithm", o->spec.text);
        bl_json_int(&j, "iterations", (long long)o->t);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "stoch.state = %s, %zu steps\n", o->spec.text, o->t);
    }
    return BL_OK;
}

/* set adjoint.last words=P: the last adjoint (warm starts);
 * set adjoint.state method=NAME eta=X words=N: the live adjoint iterator
 * (step adjoint) at the current θ and ω. */
static int set_adjoint_state(bl_session *S, int last, int argc, char **argv, bl_err *e)
{
    const char *name = last ? "adjoint.last" : "adjoint.state";
    const bl_adjoint_type *T = NULL;
    double eta = NAN;
    long n = -1;
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not key=value", argv[a]);
            return BL_EINVAL;
        }
        if (!strcmp(key, "words")) {
            if (bl_parse_long(val, "words", 0, 1L << 40, &n, e)) return BL_EINVAL;
        } else if (!last && !strcmp(key, "method")) {
            if (!(T = bl_adjoint_lookup(val))) {
                bl_err_set(e, BL_EINVAL, "unknown adjoint method '%s'", val);
                return BL_EINVAL;
            }
        } else if (!last && !strcmp(key, "eta")) {
            if (bl_parse_double(val, "eta", &eta, e)) return BL_EINVAL;
        } else {
            bl_err_set(e, BL_EINVAL, "%s has no '%s'", name, key);
            return BL_EINVAL;
        }
    }
    if (!S->P || n < 0 || (!last && (!T || isnan(eta)))) {
        bl_err_set(e, BL_EINVAL, last ? "adjoint.last needs words=P"
                                      : "adjoint.state needs method=, eta= and words=");
        return BL_EINVAL;
    }
    int st = take_words(S, n, name, e);
    if (st == BL_OK && last) {
        if (S->nwords != S->P->p) {
            bl_err_set(e, BL_EDIM, "adjoint.last has %zu numbers, not p = %zu", S->nwords,
                       S->P->p);
            st = BL_EDIM;
        } else {
            gsl_vector_view a = gsl_vector_view_array(S->words, S->nwords);
            bl_session_keep_adjoint(S, &a.vector);
            if (!S->adj_valid) st = BL_ENOMEM;
        }
    } else if (st == BL_OK) {
        bl_adjoint *it = bl_adjoint_alloc(T, S->P->p);
        st = it ? bl_adjoint_set(it, S->P, S->theta, S->omega, NULL, eta, 1, e) : BL_ENOMEM;
        if (st == BL_OK) st = bl_adjoint_state_put(it, S->words, S->nwords, e);
        if (st == BL_OK) {
            bl_session_set_adjoint(S, it);
        } else {
            bl_adjoint_free(it);
        }
    }
    drop_words(S);
    if (st) {
        if (st == BL_ENOMEM && !e->msg[0]) bl_err_set(e, st, "out of memory");
        return st;
    }
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", name);
        bl_json_end(&j);
    } else if (last) {
        fprintf(S->out, "adjoint.last = the last adjoint (p = %zu)\n", S->P->p);
    } else {
        fprintf(S->out, "adjoint.state = %s, %zu iterations\n", S->adj->type->name,
                S->adj->iter);
    }
    return BL_OK;
}

/* set inner.state eta=X [iterations=N] [words=W]: the live inner iterator
 * as a save left it (its step, fixed when it started, the iterations
 * before, and with words= its whole state from the state words). */
static int set_inner_state(bl_session *S, int argc, char **argv, bl_err *e)
{
    double eta = NAN;
    long iters = 0, nw = -1;
    for (int a = 0; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not key=value (inner.state takes eta= "
                       "and iterations=)", argv[a]);
            return BL_EINVAL;
        }
        if (!strcmp(key, "words")) {
            if (bl_parse_long(val, "words", 0, 1L << 40, &nw, e)) return BL_EINVAL;
        } else if (!strcmp(key, "eta")) {
            if (bl_parse_double(val, "eta", &eta, e)) return BL_EINVAL;
            if (!(eta > 0) || !isfinite(eta)) {
                bl_err_set(e, BL_EINVAL, "eta=%s must be a finite number > 0", val);
                return BL_EINVAL;
            }
        } else if (!strcmp(key, "iterations")) {
            if (bl_parse_long(val, "iterations", 0, 1L << 40, &iters, e)) return BL_EINVAL;
        } else {
            bl_err_set(e, BL_EINVAL, "inner.state has no '%s' (it takes eta=, "
                       "iterations= and words=)", key);
            return BL_EINVAL;
        }
    }
    if (isnan(eta)) {
        bl_err_set(e, BL_EINVAL, "inner.state needs eta=");
        return BL_EINVAL;
    }
    int st = take_words(S, nw, "inner.state", e);
    if (st == BL_OK)
        st = bl_session_resume_inner_state(S, eta, (size_t)iters, nw >= 0 ? S->words : NULL,
                                           S->nwords, e);
    if (nw >= 0) drop_words(S);
    if (st) return st;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", "inner.state");
        bl_json_num(&j, "eta", eta);
        bl_json_int(&j, "iterations", iters);
        bl_json_end(&j);
    } else {
        char b[64];
        fprintf(S->out, "inner.state = %s, η = %s, %ld iterations\n", S->inner->type->name,
                bl_out_fmt(b, sizeof b, eta, bl_session_digits(S)), iters);
    }
    return BL_OK;
}

static void print_value(bl_session *S, const char *name, const char *text)
{
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "set");
        bl_json_str(&j, "name", name);
        bl_json_str(&j, "value", text);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "%s = %s\n", name, text);
    }
}

static void print_vector(bl_session *S, const char *cmd, const char *name,
                         const gsl_vector *v)
{
    char buf[4096];
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, cmd);
        bl_json_str(&j, "name", name);
        bl_json_vec(&j, "value", v->data, v->size, v->stride);
        bl_json_end(&j);
    } else {
        bl_fmt_vec(buf, sizeof buf, v->data, v->size, v->stride, bl_session_digits(S), 10);
        fprintf(S->out, "%s = %s\n", name, buf);
    }
}

/* Whether the one word W of `set theta|omega W` names a file: a path
 * (a '/'), a name ending in .npy, .csv, .txt, .tsv or .dat, or a word
 * that does not start as a number does. */
static int file_word(const char *w)
{
    static const char *const ext[] = {".npy", ".csv", ".txt", ".tsv", ".dat"};
    size_t l = strlen(w);
    if (strchr(w, '/')) return 1;
    for (int i = 0; i < 5; i++)
        if (l > 4 && !strcmp(w + l - 4, ext[i])) return 1;
    char *end;
    strtod(w, &end);
    return end == w;
}

/* set theta|omega FILE: the whole vector from a file (fileio.h), the
 * session unchanged on any error. */
static int set_vector_file(bl_session *S, int om, const char *path, bl_err *e)
{
    gsl_vector *v = om ? S->omega : S->theta;
    gsl_vector *tmp = gsl_vector_alloc(v->size);
    if (!tmp) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    int st = bl_vec_read(path, tmp->data, tmp->size, e);
    if (st == BL_OK && om) st = check_new_omega(S, tmp, e);
    if (st == BL_OK) {
        gsl_vector_memcpy(v, tmp);
        bl_session_touch(S, om ? BL_CHG_OMEGA : BL_CHG_THETA);
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "set");
            bl_json_str(&j, "name", om ? "omega" : "theta");
            bl_json_str(&j, "file", path);
            bl_json_int(&j, "count", (long long)v->size);
            bl_json_end(&j);
        } else {
            fprintf(S->out, "%s = %zu numbers from ", om ? "omega" : "theta", v->size);
            bl_fput_escaped(S->out, path);
            fputc('\n', S->out);
        }
    }
    gsl_vector_free(tmp);
    return st;
}

static int exec_set(bl_session *S, int argc, char **argv, bl_err *e)
{
    char base[64];
    long idx = 0, end = 0;
    if (!strcmp(argv[0], "inner.state")) return set_inner_state(S, argc - 1, argv + 1, e);
    if (!strcmp(argv[0], "outer.state")) return set_outer_state(S, argc - 1, argv + 1, e);
    if (!strcmp(argv[0], "stoch.state")) return set_stoch_state(S, argc - 1, argv + 1, e);
    if (!strcmp(argv[0], "adjoint.state") || !strcmp(argv[0], "adjoint.last"))
        return set_adjoint_state(S, argv[0][8] == 'l', argc - 1, argv + 1, e);
    int indexed = split_index(argv[0], base, sizeof base, &idx, &end, e);
    if (indexed < 0) return BL_EINVAL;
    if (!strcmp(base, "state.words")) {
        if (indexed != 2 || idx < 0) {
            bl_err_set(e, BL_EINVAL, "state.words takes a slice: set state.words[i:j] v,...");
            return BL_EINVAL;
        }
        return set_state_words(S, idx, end, argc - 1, argv + 1, e);
    }
    if (!strcmp(base, "omega") || !strcmp(base, "theta")) {
        int om = base[0] == 'o';
        gsl_vector *v = om ? S->omega : S->theta;
        if (!indexed && argc == 2 && file_word(argv[1]))
            return set_vector_file(S, om, argv[1], e);
        if (indexed && negative_index(base, idx, v->size, e)) return BL_EDIM;
        gsl_vector *tmp = gsl_vector_alloc(v->size);
        if (!tmp) {
            bl_err_set(e, BL_ENOMEM, "out of memory");
            return BL_ENOMEM;
        }
        gsl_vector_memcpy(tmp, v);
        int st = set_vector(S, tmp, base, indexed, idx, end, argc - 1, argv + 1, e);
        if (st == BL_OK && om) st = check_new_omega(S, tmp, e);
        if (st == BL_OK) {
            gsl_vector_memcpy(v, tmp);
            bl_session_touch(S, om ? BL_CHG_OMEGA : BL_CHG_THETA);
            if (indexed == 1 && bl_session_json(S)) {
                /* one coordinate: the coordinate, not all of θ (O(1), not
                 * O(p) a line: scripts that set θ coordinate by coordinate) */
                bl_json j;
                bl_json_begin(&j, S->out, "set");
                bl_json_str(&j, "name", argv[0]);
                bl_json_num(&j, "value", gsl_vector_get(v, (size_t)idx));
                bl_json_end(&j);
            } else if (indexed == 2 && bl_session_json(S)) {
                gsl_vector sub = *v;        /* the slice only */
                sub.size = (size_t)(end - idx);
                sub.data = v->data + (size_t)idx * v->stride;
                print_vector(S, "set", argv[0], &sub);
            } else if (indexed == 2) {
                /* a slice (as a save writes θ): one short line, not all of θ */
                fprintf(S->out, "%s[%ld:%ld] set (%ld of %zu coordinates)\n", base, idx,
                        end, end - idx, v->size);
            } else {
                print_vector(S, "set", base, v);
            }
        }
        gsl_vector_free(tmp);
        return st;
    }
    if (indexed) {
        bl_err_set(e, BL_EINVAL, "only omega and theta take an index");
        return BL_EINVAL;
    }
    int k = bl_setting_lookup(argv[0], e);
    if (k < 0) return BL_EINVAL;
    char *joined = join(argc - 1, argv + 1, " ", e);
    if (!joined) return BL_ENOMEM;
    /* the value, what the row's apply hook does with it, the change */
    int st = bl_session_set(S, k, joined, e);
    free(joined);
    if (st) return st;
    char text[512];
    bl_setting_format(k, &S->set[k], text, sizeof text);
    print_value(S, bl_settings_table[k].name, text);
    return BL_OK;
}

static const char *complete_set(bl_session *S, int argi, char **w, size_t i)
{
    if (argi == 1) return bl_complete_settings(S, argi, w, i);
    int k = argi == 2 ? bl_setting_find(w[1]) : -1;
    if (k < 0) return NULL;
    const bl_setting *s = &bl_settings_table[k];
    static const char *const onoff[] = {"on", "off"};
    if (s->kind == BL_SET_CHOICE) return s->choice(i);
    if (s->kind == BL_SET_BOOL) return i < 2 ? onoff[i] : NULL;
    if (s->kind == BL_SET_SPEC || s->kind == BL_SET_SPECS)
        return bl_estimators[i] ? bl_estimators[i]->name : NULL;
    return NULL;
}

const bl_command bl_cmd_set = {
    .name = "set",
    .usage = "set NAME VALUE",
    .summary = "change ω, θ or a setting",
    .help =
        "set omega V[,V...]    ω: one value for every coordinate, or d values (refused\n"
        "                      where the problem stops being finite: keep |ω| ≤ 700\n"
        "                      where λ = e^ω)\n"
        "set omega[i] V        one coordinate (0-based)\n"
        "set omega[i:j] V,...  coordinates i ≤ k < j (one value, or j − i)\n"
        "set theta V[,V...]    the inner iterate (a warm start); theta[i], theta[i:j]\n"
        "set theta|omega FILE  the whole vector from a file: NumPy .npy (float64 or\n"
        "                      float32, shape (p,), (p,1) or (1,p)), else text (numbers\n"
        "                      separated by commas, blanks or newlines; # comments).\n"
        "                      FILE is a path with '/', a name ending in .npy, .csv,\n"
        "                      .txt, .tsv or .dat, or a word that is not a number\n"
        "set NAME VALUE        a setting; 'show settings' lists them with their\n"
        "                      types, ranges, defaults and help.  Unique prefixes work.\n"
        "set inner.state eta=X [iterations=N] [words=W]\n"
        "                      restart the live inner iterator here with step X\n"
        "                      and, with words=, its whole state (momentum, pairs)\n"
        "set outer.state words=W, set adjoint.last words=P,\n"
        "set adjoint.state method=M eta=X words=W, set stoch.state words=W\n"
        "                      the outer optimiser's state, the last adjoint, the\n"
        "                      live adjoint iterator, the stochastic algorithm's\n"
        "                      running state (what save writes: steps after a\n"
        "                      replay are the same bit for bit)\n"
        "set state.words[i:j] V,...  the W numbers those take, in slices",
    .minargs = 2, .maxargs = -1,
    .exec = exec_set,
    .complete = complete_set,
};

/* ---- show ---- */

static void show_state(bl_session *S)
{
    bl_problem *P = S->P;
    double G = bl_problem_G(P, S->theta, S->omega);
    double F = bl_problem_L(P, S->theta, S->omega);
    double gn = bl_inner_residual(P, S->theta, S->omega, bl_session_eta(S));
    double eta = bl_session_eta(S);
    int dg = bl_session_digits(S);
    bl_inner_conf ic;                           /* the solver auto picks */
    bl_session_inner_conf(S, &ic);
    int auto_ = strcmp(S->set[BL_S_INNER_SOLVER].str, "auto") == 0;
    char rep[1024] = "";
    if (P->type->report && P->type->report(P, S->theta, S->omega, rep, sizeof rep) != BL_OK)
        rep[0] = '\0';
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "show");
        bl_json_str(&j, "problem", P->type->name);
        bl_json_str(&j, "data", S->data && (P->type->flags & BL_PROB_NEEDS_DATA) ? S->data->name : "none");
        bl_json_int(&j, "p", (long long)P->p);
        bl_json_int(&j, "d", (long long)P->d);
        bl_json_vec(&j, "omega", S->omega->data, S->omega->size, S->omega->stride);
        bl_json_vec(&j, "theta", S->theta->data, S->theta->size, S->theta->stride);
        bl_json_num(&j, "F", F);
        bl_json_num(&j, "G", G);
        bl_json_num(&j, "inner_residual", gn);
        bl_json_num(&j, "eta", eta);
        bl_json_int(&j, "inner_iterations", (long long)bl_session_inner_iters(S));
        bl_json_int(&j, "outer_iterations", (long long)S->outer->iter);
        bl_json_str(&j, "inner_solver", S->set[BL_S_INNER_SOLVER].str);
        bl_json_str(&j, "inner_solver_used", ic.type->name);
        bl_json_str(&j, "outer_opt", S->set[BL_S_OUTER_OPT].str);
        bl_json_str(&j, "estimator", S->set[BL_S_OUTER_ESTIMATOR].str);
        if (rep[0]) bl_json_str(&j, "report", rep);
        bl_stoch_show_json(S, &j);
        bl_json_end(&j);
        return;
    }
    char a[4096], b[64], c[64], d[64];
    FILE *f = S->out;
    fprintf(f, "problem  %s (θ ∈ R^%zu, ω ∈ R^%zu)", P->type->name, P->p, P->d);
    if (S->data && (P->type->flags & BL_PROB_NEEDS_DATA)) {
        fputs(" on ", f);
        bl_fput_escaped(f, S->data->name);
    }
    fprintf(f, "\n");
    int W = bl_session_width(S);
    bl_fmt_vec_fit(a, sizeof a, S->omega->data, S->omega->size, S->omega->stride, dg, 8,
                   W > 0 ? W - 9 : 0);
    fprintf(f, "omega    %s\n", a);
    bl_fmt_vec_fit(a, sizeof a, S->theta->data, S->theta->size, S->theta->stride, dg, 6,
                   W > 0 ? W - 30 : 0);
    fprintf(f, "theta    %s  ‖θ‖ = %s\n", a, bl_out_fmt(b, sizeof b, gsl_blas_dnrm2(S->theta), dg));
    fprintf(f, "F = L(θ, ω) = %s   G = %s   %s = %s\n", bl_out_fmt(b, sizeof b, F, dg),
            bl_out_fmt(c, sizeof c, G, dg),
            P->type->flags & BL_PROB_NONSMOOTH ? "prox residual" : "‖∇θG‖",
            bl_out_fmt(d, sizeof d, gn, dg));
    fprintf(f, "inner    %s%s%s%s, η = %s, %zu iterations at this ω\n",
            S->set[BL_S_INNER_SOLVER].str, auto_ ? " (" : "", auto_ ? ic.type->name : "",
            auto_ ? ")" : "", bl_out_fmt(b, sizeof b, eta, dg), bl_session_inner_iters(S));
    if (bl_stoch_name(S->set[BL_S_OUTER_OPT].str))   /* its own hypergradient: see stoch */
        fprintf(f, "outer    %s (stochastic, its own estimates)\n", S->set[BL_S_OUTER_OPT].str);
    else
        fprintf(f, "outer    %s with %s, %zu steps\n", S->set[BL_S_OUTER_OPT].str,
                S->set[BL_S_OUTER_ESTIMATOR].str, S->outer->iter);
    bl_stoch_show_text(S, f);
    /* the problem's own report (problem.h), as lines under "report" */
    for (const char *l = rep; *l;) {
        const char *nl = strchr(l, '\n');
        int n = nl ? (int)(nl - l) : (int)strlen(l);
        char line[1024];
        snprintf(line, sizeof line, "%.*s", n, l);
        fprintf(f, "%-8s ", l == rep ? "report" : "");
        bl_out_wrap(f, line, 9, 9, bl_session_width(S));
        l = nl ? nl + 1 : l + n;
    }
}

static void show_settings(bl_session *S)
{
    char val[512], dom[256];
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "show");
        bl_json_arr_begin(&j, "settings");
        for (int i = 0; i < BL_NSETTINGS; i++) {
            bl_setting_format(i, &S->set[i], val, sizeof val);
            bl_setting_domain(i, dom, sizeof dom);
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "name", bl_settings_table[i].name);
            bl_json_str(&j, "value", val);
            bl_json_str(&j, "default", bl_settings_table[i].def);
            bl_json_str(&j, "type", dom);
            bl_json_str(&j, "help", bl_settings_table[i].help);
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
        bl_json_end(&j);
        return;
    }
    int W = bl_session_width(S);
    for (int i = 0; i < BL_NSETTINGS; i++) {
        char line[1024];
        bl_setting_format(i, &S->set[i], val, sizeof val);
        bl_setting_domain(i, dom, sizeof dom);
        int c = fprintf(S->out, "%-18s %-14s ", bl_settings_table[i].name, val);
        bl_out_wrap(S->out, bl_settings_table[i].help, c, 34, W);
        snprintf(line, sizeof line, "(%s; default %s)", dom, bl_settings_table[i].def);
        fprintf(S->out, "%-18s %-14s ", "", "");
        bl_out_wrap(S->out, line, 34, 34, W);
    }
}

static int exec_show(bl_session *S, int argc, char **argv, bl_err *e)
{
    if (argc == 0) {
        show_state(S);
        return BL_OK;
    }
    if (!strcmp(argv[0], "settings")) {
        show_settings(S);
        return BL_OK;
    }
    char base[64];
    long idx = 0, end = 0;
    int indexed = split_index(argv[0], base, sizeof base, &idx, &end, e);
    if (indexed < 0) return BL_EINVAL;
    if (!strcmp(base, "omega") || !strcmp(base, "theta")) {
        gsl_vector *v = base[0] == 'o' ? S->omega : S->theta;
        if (!indexed) {
            print_vector(S, "show", base, v);
            return BL_OK;
        }
        if (negative_index(base, idx, v->size, e)) return BL_EDIM;
        if (indexed == 2) {
            if ((size_t)end > v->size) {
                bl_err_set(e, BL_EDIM, "slice [%ld:%ld] is past %s's dimension (%zu)",
                           idx, end, base, v->size);
                return BL_EDIM;
            }
            gsl_vector sub = *v;           /* a view that may be empty */
            sub.size = (size_t)(end - idx);
            sub.data = v->data + (size_t)idx * v->stride;
            print_vector(S, "show", argv[0], &sub);
            return BL_OK;
        }
        if ((size_t)idx >= v->size) {
            bl_err_set(e, BL_EDIM, "index %ld is past %s's dimension (%zu, indices 0..%zu)",
                       idx, base, v->size, v->size - 1);
            return BL_EDIM;
        }
        char buf[64];
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "show");
            bl_json_str(&j, "name", argv[0]);
            bl_json_num(&j, "value", gsl_vector_get(v, (size_t)idx));
            bl_json_end(&j);
        } else {
            fprintf(S->out, "%s = %s\n", argv[0],
                    bl_out_fmt(buf, sizeof buf, gsl_vector_get(v, (size_t)idx), bl_session_digits(S)));
        }
        return BL_OK;
    }
    int k = bl_setting_lookup(argv[0], e);
    if (k < 0) return BL_EINVAL;
    char val[512], dom[256];
    bl_setting_format(k, &S->set[k], val, sizeof val);
    bl_setting_domain(k, dom, sizeof dom);
    bl_inner_conf ic;                           /* what inner.solver auto picks */
    bl_session_inner_conf(S, &ic);
    int auto_ = k == BL_S_INNER_SOLVER && !strcmp(val, "auto");
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "show");
        bl_json_str(&j, "name", bl_settings_table[k].name);
        bl_json_str(&j, "value", val);
        if (auto_) bl_json_str(&j, "used", ic.type->name);
        bl_json_str(&j, "default", bl_settings_table[k].def);
        bl_json_str(&j, "type", dom);
        bl_json_str(&j, "help", bl_settings_table[k].help);
        bl_json_end(&j);
    } else {
        fprintf(S->out, "%s = %s%s%s%s\n  %s\n  %s; default %s\n", bl_settings_table[k].name,
                val, auto_ ? " (" : "", auto_ ? ic.type->name : "", auto_ ? ")" : "",
                bl_settings_table[k].help, dom, bl_settings_table[k].def);
    }
    return BL_OK;
}

static const char *complete_show(bl_session *S, int argi, char **w, size_t i)
{
    if (argi != 1) return NULL;
    if (i == 0) return "settings";
    return bl_complete_settings(S, argi, w, i - 1);
}

const bl_command bl_cmd_show = {
    .name = "show",
    .usage = "show [omega|theta|omega[i]|omega[i:j]|settings|SETTING]",
    .summary = "the session state, a vector, or a setting",
    .help =
        "show              problem, ω, θ, F, G, ‖∇θG‖, η, iteration counts\n"
        "show omega|theta  the whole vector (omega[i]: one coordinate, omega[i:j]:\n"
        "                  coordinates i ≤ k < j)\n"
        "show settings     every setting: value, help, accepted values, default\n"
        "show SETTING      one setting",
    .minargs = 0, .maxargs = 1,
    .exec = exec_show,
    .complete = complete_show,
};
