/* cmd_problem.c: problem list | use NAME [key=value ...] | show */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "command.h"
#include "output.h"

static const char *const subs[] = {"list", "use", "show"};

static int problem_list(bl_session *S)
{
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "problem");
        bl_json_str(&j, "what", "list");
        bl_json_arr_begin(&j, "problems");
        for (size_t i = 0; bl_catalogue[i]; i++) {
            bl_json_obj_begin(&j, NULL);
            bl_json_str(&j, "name", bl_catalogue[i]->name);
            bl_json_str(&j, "summary", bl_catalogue[i]->summary);
            bl_json_bool(&j, "needs_data", (bl_catalogue[i]->flags & BL_PROB_NEEDS_DATA) != 0);
            bl_json_obj_end(&j);
        }
        bl_json_arr_end(&j);
        bl_json_end(&j);
        return BL_OK;
    }
    int W = bl_session_width(S);
    for (size_t i = 0; bl_catalogue[i]; i++) {
        fprintf(S->out, "%c %-12s ", S->P && S->P->type == bl_catalogue[i] ? '*' : ' ',
                bl_catalogue[i]->name);
        bl_out_wrap(S->out, bl_catalogue[i]->summary, 15, 15, W);
    }
    return BL_OK;
}

static void describe_data(const bl_session *S, char *buf, size_t len)
{
    const bl_dataset *d = S->data;
    if (!d) snprintf(buf, len, "no data");
    else snprintf(buf, len, "%s (n=%zu, m=%zu, %zu features)", d->name,
                  d->y->size, d->yv->size, bl_dataset_dmat(d, 0).s ? d->Xs->cols : d->X->size2);
}

/* NOTE: the line saying that problem use loaded the problem's data set,
 * or "" (stderr, and the "note" key in JSON). */
static void print_loaded(bl_session *S, const char *note)
{
    const bl_problem *P = S->P;
    char dd[512];
    describe_data(S, dd, sizeof dd);
    if (*note) bl_session_msg(S, BL_MSG_NOTE, "problem", "%s", note);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "problem");
        bl_json_str(&j, "what", "use");
        bl_json_str(&j, "name", P->type->name);
        bl_json_int(&j, "p", (long long)P->p);
        bl_json_int(&j, "d", (long long)P->d);
        bl_json_vec(&j, "omega", S->omega->data, S->omega->size, S->omega->stride);
        if (S->data && (P->type->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA)))
            bl_json_str(&j, "data", S->data->name);
        if (*note) bl_json_str(&j, "note", note);
        bl_json_end(&j);
        return;
    }
    char line[2048];
    int nd = (P->type->flags & BL_PROB_NEEDS_DATA) != 0;
    snprintf(line, sizeof line, "problem %s: θ ∈ R^%zu, ω ∈ R^%zu%s%s", P->type->name, P->p,
             P->d, nd ? ", data " : "", nd ? dd : "");
    bl_out_wrap(S->out, line, 0, 2, bl_session_width(S));
}

static int problem_use(bl_session *S, int argc, char **argv, bl_err *e)
{
    const char *names[64];
    size_t n = 0;
    while (n < 64 && bl_catalogue[n]) { names[n] = bl_catalogue[n]->name; n++; }
    int k = bl_command_pick(argv[0], names, n, "problem", e);
    if (k < 0) return BL_EINVAL;
    const bl_problem_type *T = bl_catalogue[k];
    double par[BL_MAX_PARAMS];
    for (size_t i = 0; i < T->nparams; i++) par[i] = T->params[i].def;
    char canon[BL_MAX_PARAMS * 96 + 128];
    int given[BL_MAX_PARAMS] = {0};
    snprintf(canon, sizeof canon, "problem use %s", T->name);
    for (int a = 1; a < argc; a++) {
        char *key, *val;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not key=value", argv[a]);
            return BL_EINVAL;
        }
        int idx = bl_param_find(T->params, T->nparams, key);
        if (idx < 0) {
            char list[256] = "";
            for (size_t i = 0; i < T->nparams; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", T->params[i].name);
            }
            bl_err_set(e, BL_EINVAL, "%s has no parameter '%s' (%s%s)", T->name, key,
                       T->nparams ? "parameters: " : "it takes none", list);
            return BL_EINVAL;
        }
        double v;
        const bl_param *pr = &T->params[idx];
        if (pr->choices) {                      /* a named value: outer=huber */
            if (bl_param_parse(pr, val, &v, e)) return BL_EINVAL;
        } else {
            if (bl_parse_double(val, key, &v, e)) return BL_EINVAL;
            if (bl_param_check(pr, v, e)) return BL_EINVAL;
        }
        par[idx] = v;
        given[idx] = 1;
    }
    /* the canonical command for save: each parameter given, once, in table
     * order (a bounded length, whatever the command line repeated) */
    for (size_t i = 0; i < T->nparams; i++) {
        const bl_param *pr = &T->params[i];
        size_t l = strlen(canon);
        if (!given[i]) continue;
        if (pr->choices) snprintf(canon + l, sizeof canon - l, " %s=%s", pr->name,
                                  pr->choices[(int)par[i]]);
        else snprintf(canon + l, sizeof canon - l, " %s=%.17g", pr->name, par[i]);
    }
    /* Data that does not fit T (a regression target for logreg, or none)
     * gives way to T's own data set, so that `problem use logreg` works
     * whatever was loaded before, and a later `data load` replaces it. */
    bl_dataset *ds = NULL;
    char why[512], *dcanon = NULL, note[700] = "";
    if (T->dataset && bl_data_fits(T, S->data, why, sizeof why) != BL_FIT_OK) {
        char **w = NULL;
        size_t nw = 0;
        bl_err le = {0};
        int st = bl_args_tokenize(T->dataset, &w, &nw, &le);
        if (!st && nw == 0) {
            st = BL_EINVAL;
            bl_err_set(&le, st, "no data set named");
        }
        if (!st) st = bl_data_load_args(S, (int)nw, w, &ds, &dcanon, &le);
        bl_words_free(w, nw);
        if (st) {
            bl_err_set(e, st, "%s, and its data set %s cannot be loaded: %s", why,
                       T->dataset, le.msg);
            return st;
        }
        snprintf(note, sizeof note, "%s: loaded %s", why, ds->name);
    }
    int st = bl_session_use_problem_on(S, T, par, ds, e);
    if (st) {
        free(dcanon);
        return st;
    }
    if (ds) {
        free(S->data_cmdline);
        S->data_cmdline = dcanon;
        dcanon = NULL;
    }
    bl_session_set_cmd(&S->problem_cmdline, canon);
    print_loaded(S, note);
    return BL_OK;
}

static int problem_show(bl_session *S, bl_err *e)
{
    const bl_problem *P = S->P;
    if (!P) {
        bl_err_set(e, BL_EINVAL, "no problem in use (problem use NAME)");
        return BL_EINVAL;
    }
    const bl_problem_type *T = P->type;
    char dd[512];
    describe_data(S, dd, sizeof dd);
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "problem");
        bl_json_str(&j, "what", "show");
        bl_json_str(&j, "name", T->name);
        bl_json_str(&j, "summary", T->summary);
        bl_json_str(&j, "G", T->inner_text);
        bl_json_str(&j, "L", T->outer_text);
        bl_json_int(&j, "p", (long long)P->p);
        bl_json_int(&j, "d", (long long)P->d);
        bl_json_obj_begin(&j, "params");
        for (size_t i = 0; i < T->nparams; i++) {
            if (T->params[i].choices)
                bl_json_str(&j, T->params[i].name, T->params[i].choices[(int)P->par[i]]);
            else
                bl_json_num(&j, T->params[i].name, P->par[i]);
        }
        bl_json_obj_end(&j);
        bl_json_str(&j, "data", (T->flags & BL_PROB_NEEDS_DATA) ? dd : "none");
        bl_json_obj_begin(&j, "closed_forms");
        bl_json_bool(&j, "theta_star", T->theta_star != NULL);
        bl_json_bool(&j, "hypergrad", T->hypergrad != NULL);
        bl_json_bool(&j, "dense_hessian", T->hessian != NULL);
        bl_json_bool(&j, "lipschitz_bound", T->lipschitz != NULL);
        bl_json_obj_end(&j);
        if (T->flags & BL_PROB_NONSMOOTH) bl_json_bool(&j, "nonsmooth", 1);
        bl_json_end(&j);
        return BL_OK;
    }
    FILE *f = S->out;
    char head[1024];
    snprintf(head, sizeof head, "%s: %s", T->name, T->summary);
    bl_out_wrap(f, head, 0, 2, bl_session_width(S));
    int W = bl_session_width(S);
    fprintf(f, "  inner  ");
    bl_out_wrap(f, T->inner_text, 9, 9, W);
    fprintf(f, "  outer  ");
    bl_out_wrap(f, T->outer_text, 9, 9, W);
    fprintf(f, "  dims   θ ∈ R^%zu, ω ∈ R^%zu\n", P->p, P->d);
    if (T->flags & BL_PROB_NEEDS_DATA) fprintf(f, "  data   %s\n", dd);
    for (size_t i = 0; i < T->nparams; i++) {
        const bl_param *pr = &T->params[i];
        if (pr->choices) {                      /* named values */
            char line[1024];
            int c = fprintf(f, "  %-6s %-10s ", pr->name, pr->choices[(int)P->par[i]]);
            size_t l = (size_t)snprintf(line, sizeof line, "%s (default %s, one of ", pr->help,
                                        pr->choices[(int)pr->def]);
            for (size_t k = 0; pr->choices[k] && l < sizeof line; k++)
                l += (size_t)snprintf(line + l, sizeof line - l, "%s%s", k ? "|" : "",
                                      pr->choices[k]);
            if (l < sizeof line) snprintf(line + l, sizeof line - l, ")");
            bl_out_wrap(f, line, c, 20, W);
            continue;
        }
        char line[1024];
        int c = fprintf(f, "  %-6s %-10.10g ", pr->name, P->par[i]);
        snprintf(line, sizeof line, "%s (default %.10g, range [%.10g, %.10g])", pr->help,
                 pr->def, pr->lo, pr->hi);
        bl_out_wrap(f, line, c, 20, W);
    }
    char cf[256];
    snprintf(cf, sizeof cf, "closed forms: θ*(ω) %s, ∇F(ω) %s, dense H %s, bound on λmax(H) %s",
             T->theta_star ? "yes" : "no", T->hypergrad ? "yes" : "no",
             T->hessian ? "yes" : "no", T->lipschitz ? "yes" : "no (power iteration)");
    fputs("  ", f);
    bl_out_wrap(f, cf, 2, 4, W);
    if (T->flags & BL_PROB_NONSMOOTH) {
        fputs("  ", f);
        bl_out_wrap(f, "non-smooth: inner solvers ista, fista or cd, residual "
                    "‖θ − prox(θ − η∇f(θ))‖/η; hypergradients on the support "
                    "S = {j : θ_j ≠ 0}; the surface F(ω) is kinked where the support "
                    "changes", 2, 4, W);
    }
    if (P->def) {                 /* custom: the definitions it was built from */
        fprintf(f, "  defined by\n");
        bl_define_save(S, f);
    }
    if (T->notes) {
        fprintf(f, "  notes  ");
        for (const char *c = T->notes; *c;) {    /* line by line, each broken at W */
            const char *nl = strchr(c, '\n');
            size_t n = nl ? (size_t)(nl - c) : strlen(c);
            char line[2048];
            snprintf(line, sizeof line, "%.*s", (int)n, c);
            if (c != T->notes) fputs("         ", f);
            bl_out_wrap(f, line, 9, 9, W);
            c += n;
            if (*c) c++;
        }
    }
    return BL_OK;
}

static int exec_problem(bl_session *S, int argc, char **argv, bl_err *e)
{
    int k = bl_command_pick(argv[0], subs, 3, "subcommand", e);
    if (k < 0) return BL_EINVAL;
    if (k == 1) {
        if (argc < 2) {
            bl_err_set(e, BL_EINVAL, "which problem? (usage: problem use NAME [key=value ...])");
            return BL_EINVAL;
        }
        return problem_use(S, argc - 1, argv + 1, e);
    }
    if (argc > 1) {
        bl_err_set(e, BL_EINVAL, "problem %s takes no arguments", subs[k]);
        return BL_EINVAL;
    }
    return k == 0 ? problem_list(S) : problem_show(S, e);
}

static const char *complete_problem(bl_session *S, int argi, char **w, size_t i)
{
    if (argi == 1) return i < 3 ? subs[i] : NULL;
    if (argi == 2 && strcmp(w[1], "use") == 0) return bl_catalogue[i] ? bl_catalogue[i]->name : NULL;
    if (argi >= 3 && strcmp(w[1], "use") == 0) {
        const bl_problem_type *T = bl_problem_lookup(w[2]);
        static char buf[64];
        (void)S;
        if (T && i < T->nparams) {
            snprintf(buf, sizeof buf, "%s=", T->params[i].name);
            return buf;
        }
    }
    return NULL;
}

const bl_command bl_cmd_problem = {
    .name = "problem",
    .usage = "problem list | problem use NAME [key=value ...] | problem show",
    .summary = "list the catalogue, choose a problem, describe it",
    .help =
        "problem list             the catalogue, one line a problem (* = in use)\n"
        "problem use NAME [k=v]   switch to NAME with parameters (see problem show);\n"
        "                         ω goes back to the problem's default, θ to 0.\n"
        "                         When the data does not fit NAME (logreg, logreg-multi\n"
        "                         and cleaning need two classes), NAME's own data set\n"
        "                         is loaded with a note (breast_cancer); a later\n"
        "                         'data load' replaces it, so the problem and the data\n"
        "                         may be named in either order\n"
        "problem show             formulas in plain text, dimensions, parameters,\n"
        "                         the data in use and which closed forms exist",
    .minargs = 1, .maxargs = -1,
    .exec = exec_problem,
    .complete = complete_problem,
};
