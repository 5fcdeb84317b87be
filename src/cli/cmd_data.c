/* cmd_data.c: data synth | data load | data show, and export data FILE. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "command.h"
#include "fileio.h"
#include "output.h"

static const char *const subs[] = {"synth", "load", "show"};

static int parse_yesno(const char *key, const char *val, int *out, bl_err *e)
{
    if (!strcasecmp(val, "yes") || !strcasecmp(val, "on") || !strcmp(val, "1")
        || !strcasecmp(val, "true"))
        *out = 1;
    else if (!strcasecmp(val, "no") || !strcasecmp(val, "off") || !strcmp(val, "0")
             || !strcasecmp(val, "false"))
        *out = 0;
    else {
        bl_err_set(e, BL_EINVAL, "%s takes yes or no, not '%s'", key, val);
        return BL_EINVAL;
    }
    return BL_OK;
}

static int bad_key(const char *key, const char *known, bl_err *e)
{
    bl_err_set(e, BL_EINVAL, "unknown option '%s' (options: %s)", key, known);
    return BL_EINVAL;
}

static void print_data(bl_session *S, const char *what)
{
    const bl_dataset *d = S->data;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "data");
        bl_json_str(&j, "what", what);
        if (!d) {
            bl_json_null(&j, "name");
            bl_json_end(&j);
            return;
        }
        bl_json_str(&j, "name", d->name);
        bl_json_str(&j, "task", d->task == BL_TASK_CLASSIFICATION ? "classification" : "regression");
        size_t p = d->Xs ? d->Xs->cols : d->X->size2;
        bl_json_int(&j, "n", (long long)d->y->size);
        bl_json_int(&j, "m", (long long)d->yv->size);
        bl_json_int(&j, "p", (long long)p);
        if (d->Xs) {                        /* (absent for dense data) */
            bl_json_bool(&j, "sparse", 1);
            bl_json_int(&j, "nnz", (long long)bl_dataset_nnz(d));
            bl_json_num(&j, "density", bl_dataset_nnz(d) / ((double)p * (double)(d->y->size + d->yv->size)));
            bl_json_num(&j, "bytes", bl_dataset_bytes(d));
        }
        bl_json_str(&j, "target", d->target);
        if (d->one_vs_rest) bl_json_num(&j, "positive", d->positive);
        bl_json_bool(&j, "standardized", d->standardized);
        bl_json_num(&j, "y_mean", d->y_mean);
        bl_json_arr_begin(&j, "features");
        for (size_t i = 0; i < p && i < (d->Xs ? 1000 : p); i++) {
            char nb[32];
            bl_json_str(&j, NULL, bl_dataset_feature(d, i, nb, sizeof nb));
        }
        bl_json_arr_end(&j);
        bl_json_end(&j);
        return;
    }
    if (!d) {
        fprintf(S->out, "no data loaded (data load NAME|PATH, data synth KIND)\n");
        return;
    }
    FILE *f = S->out;
    /* names come from files: escaped for the terminal (output.h) */
    fputs("data ", f);
    bl_fput_escaped(f, d->name);
    fprintf(f, ": %s, target '", d->task == BL_TASK_CLASSIFICATION ? "classification"
                                                                 : "regression");
    bl_fput_escaped(f, d->target);
    fputs("'", f);
    if (d->one_vs_rest) {
        size_t k = 0, n = d->y->size, m = d->yv->size;
        for (size_t i = 0; i < n; i++) k += gsl_vector_get(d->y, i) > 0;
        for (size_t i = 0; i < m; i++) k += gsl_vector_get(d->yv, i) > 0;
        fprintf(f, " = %.10g against the rest (+1: %zu row%s, −1: %zu)", d->positive, k,
                k == 1 ? "" : "s", n + m - k);
    }
    fprintf(f, "\n");
    size_t p = d->Xs ? d->Xs->cols : d->X->size2;
    fprintf(f, "  training n=%zu, validation m=%zu, features p=%zu", d->y->size,
            d->yv->size, p);
    if (d->split > 0) fprintf(f, " (split %g, seed %lu)", d->split, d->seed);
    if (d->Xs) {
        double nnz = bl_dataset_nnz(d);
        char b[32];
        fprintf(f, "\n  sparse (CSR): nnz=%.0f, density %.3g%%, %s", nnz,
                100.0 * nnz / ((double)p * (double)(d->y->size + d->yv->size)),
                bl_fmt_bytes(b, sizeof b, bl_dataset_bytes(d)));
    }
    fprintf(f, "\n  features:");
    for (size_t i = 0; i < p && i < 12; i++) {
        char nb[32];
        fputc(' ', f);
        bl_fput_escaped(f, bl_dataset_feature(d, i, nb, sizeof nb));
    }
    if (p > 12) fprintf(f, " … (%zu in all)", p);
    fprintf(f, "\n  %s", !d->standardized ? "raw units" : d->Xs
            ? "scaled (not centred: sparse) with training statistics"
            : "standardised with training statistics");
    if (d->standardized && d->task == BL_TASK_REGRESSION)
        fprintf(f, "; targets centred (training mean %g)", d->y_mean);
    fprintf(f, "\n");
    if (d->flipped) {
        size_t k = 0;
        for (size_t i = 0; i < d->flipped->size; i++) k += gsl_vector_get(d->flipped, i) != 0;
        fprintf(f, "  %zu training labels flipped\n", k);
    }
}

static int refuse_unfit(bl_session *S, bl_dataset *ds, bl_err *e);

static int data_synth(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const kinds[] = {"regression", "classification", "sparse"};
    int k = bl_command_pick(argv[0], kinds, 3, "kind", e);
    if (k < 0) return BL_EINVAL;
    bl_synth_opts o;
    bl_synth_opts_default(&o);
    o.seed = (unsigned long)S->set[BL_S_SEED].num;
    o.cancel = S->cancel;                       /* Ctrl-C stops a long draw */
    int mset = 0;
    char canon[512];
    snprintf(canon, sizeof canon, "data synth %s", kinds[k]);
    for (int a = 1; a < argc; a++) {
        char *key, *val;
        long v;
        double x;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not key=value", argv[a]);
            return BL_EINVAL;
        }
        if (!strcmp(key, "n")) {
            if (bl_parse_long(val, "n", 2, 10000000, &v, e)) return BL_EINVAL;
            o.n = (size_t)v;
        } else if (!strcmp(key, "m")) {
            if (bl_parse_long(val, "m", 1, 10000000, &v, e)) return BL_EINVAL;
            o.m = (size_t)v;
            mset = 1;
        } else if (!strcmp(key, "p")) {
            if (bl_parse_long(val, "p", 1, k == 2 ? 100000000 : 100000, &v, e)) return BL_EINVAL;
            o.p = (size_t)v;
        } else if (!strcmp(key, "seed")) {
            if (bl_parse_long(val, "seed", 0, 4294967295L, &v, e)) return BL_EINVAL;
            o.seed = (unsigned long)v;
        } else if (!strcmp(key, "noise") || !strcmp(key, "corr") || !strcmp(key, "rho")) {
            if (bl_parse_double(val, key, &x, e)) return BL_EINVAL;
            if (key[0] == 'n') o.noise = x;
            else if (key[0] == 'c') o.corr = x;
            else o.rho = x;
        } else if (!strcmp(key, "standardize")) {
            if (parse_yesno(key, val, &o.standardize, e)) return BL_EINVAL;
        } else if (k == 2 && !strcmp(key, "density")) {
            if (bl_parse_double(val, key, &o.density, e)) return BL_EINVAL;
        } else if (k == 2 && !strcmp(key, "task")) {
            static const char *const tasks[] = {"classification", "regression"};
            int t = bl_command_pick(val, tasks, 2, "task", e);
            if (t < 0) return BL_EINVAL;
            o.task = t ? BL_TASK_REGRESSION : BL_TASK_CLASSIFICATION;
        } else if (k == 2) {
            return bad_key(key, "n, m, p, density, noise, task, seed, standardize", e);
        } else {
            return bad_key(key, "n, m, p, noise, corr, rho, seed, standardize", e);
        }
    }
    if (!mset) o.m = o.n;
    size_t l = strlen(canon);
    if (k == 2)
        snprintf(canon + l, sizeof canon - l, " n=%zu m=%zu p=%zu density=%.17g "
                 "noise=%.17g task=%s seed=%lu standardize=%s", o.n, o.m, o.p, o.density,
                 o.noise, o.task == BL_TASK_REGRESSION ? "regression" : "classification",
                 o.seed, o.standardize ? "yes" : "no");
    else
        snprintf(canon + l, sizeof canon - l, " n=%zu m=%zu p=%zu noise=%.17g corr=%.17g "
                 "rho=%.17g seed=%lu standardize=%s", o.n, o.m, o.p, o.noise, o.corr,
                 o.rho, o.seed, o.standardize ? "yes" : "no");
    /* the n × p and m × p tables (CSR: the expected entries), checked
     * before they are drawn */
    char who[64];
    snprintf(who, sizeof who, "data synth n=%zu m=%zu p=%zu", o.n, o.m, o.p);
    double rows = (double)o.n + (double)o.m;
    if (bl_mem_check(k == 2 ? bl_csr_bytes(rows, rows * (double)o.p * o.density)
                                  + (double)o.p * 16.0
                            : bl_mem_dense(rows, (double)o.p + 1.0),
                     S->set[BL_S_MEM_MAX].num, who, "its tables", e))
        return BL_ENOMEM;
    bl_dataset *ds = NULL;
    int st = bl_data_synth(kinds[k], &o, &ds, e);
    if (st) return st;
    if ((st = refuse_unfit(S, ds, e))) return st;
    st = bl_session_use_data(S, ds, e);
    if (st) return st;
    bl_session_set_cmd(&S->data_cmdline, canon);
    print_data(S, "synth");
    return BL_OK;
}

/* sep=: one character, or its name; ';' must be quoted (sep=";") since a
 * bare ';' separates commands. */
static int parse_sep(const char *val, char *sep, bl_err *e)
{
    static const struct { const char *name; char c; } names[] = {
        {"comma", ','}, {"semicolon", ';'}, {"tab", '\t'}, {"\\t", '\t'},
        {"space", ' '}, {"pipe", '|'}, {"colon", ':'},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(val, names[i].name)) {
            *sep = names[i].c;
            return BL_OK;
        }
    if (!strcmp(val, "'")) {
        bl_err_set(e, BL_EINVAL, "sep=' is cut at ';', which separates commands: write "
                   "sep=\";\" or sep=semicolon");
        return BL_EINVAL;
    }
    if (strlen(val) == 1 && !strchr("\"'.+-eE0123456789\n\r", val[0])) {
        *sep = val[0];
        return BL_OK;
    }
    bl_err_set(e, BL_EINVAL, "sep=%s: give one character (sep=\";\") or one of comma, "
               "semicolon, tab, space, pipe, colon", val);
    return BL_EINVAL;
}

static const char *sep_text(char c, char *buf, size_t len)
{
    if (c == '\t') snprintf(buf, len, "tab");
    else if (c == ' ') snprintf(buf, len, "space");
    else snprintf(buf, len, "\"%c\"", c);
    return buf;
}

int bl_data_load_args(bl_session *S, int argc, char **argv, bl_dataset **out,
                      char **canon, bl_err *e)
{
    bl_load_opts o;
    bl_load_opts_default(&o);
    o.seed = (unsigned long)S->set[BL_S_SEED].num;
    const char *path = argv[0];
    *out = NULL;
    for (int a = 1; a < argc; a++) {
        char *key, *val;
        long v;
        if (!bl_split_kv(argv[a], &key, &val)) {
            bl_err_set(e, BL_EINVAL, "'%s' is not key=value", argv[a]);
            return BL_EINVAL;
        }
        if (!strcmp(key, "val")) o.val_path = val;
        else if (!strcmp(key, "target")) o.target = val;
        else if (!strcmp(key, "format")) {
            static const char *const fmts[] = {"csv", "libsvm"};
            int k = bl_command_pick(val, fmts, 2, "format", e);
            if (k < 0) return BL_EINVAL;
            o.format = fmts[k];
        } else if (!strcmp(key, "split")) {
            if (bl_parse_double(val, "split", &o.split, e)) return BL_EINVAL;
            if (!(o.split > 0 && o.split < 1)) {
                bl_err_set(e, BL_EINVAL, "split=%s must lie strictly between 0 and 1", val);
                return BL_EINVAL;
            }
        } else if (!strcmp(key, "seed")) {
            if (bl_parse_long(val, "seed", 0, 4294967295L, &v, e)) return BL_EINVAL;
            o.seed = (unsigned long)v;
        } else if (!strcmp(key, "standardize")) {
            if (parse_yesno(key, val, &o.standardize, e)) return BL_EINVAL;
        } else if (!strcmp(key, "sep")) {
            if (parse_sep(val, &o.sep, e)) return BL_EINVAL;
        } else if (!strcmp(key, "positive")) {
            if (bl_parse_double(val, "positive", &o.positive, e)) return BL_EINVAL;
            o.has_positive = 1;
        } else if (!strcmp(key, "sparse")) {
            static const char *const modes[] = {"off", "on", "auto"};
            int k = bl_command_pick(val, modes, 3, "sparse", e);
            if (k < 0) return BL_EINVAL;
            o.sparse = k;          /* BL_SPARSE_OFF, _ON, _AUTO in that order */
        } else {
            return bad_key(key, "val, target, format, split, seed, standardize, sep, "
                           "positive, sparse", e);
        }
    }
    o.cancel = S->cancel;                       /* Ctrl-C stops a long read */
    o.mem_max = S->set[BL_S_MEM_MAX].num;       /* and mem.max a big one */
    /* the canonical command, any length, quoted and escaped so that
     * save/source round-trips */
    char *c = NULL, *q[3] = {bl_quote_word(path), NULL, NULL};
    size_t clen = 0;
    if (o.val_path) q[1] = bl_quote_word(o.val_path);
    if (o.target) q[2] = bl_quote_word(o.target);
    int quoted = q[0] && (q[1] || !o.val_path) && (q[2] || !o.target);
    FILE *m = quoted ? open_memstream(&c, &clen) : NULL;
    if (m) {
        fprintf(m, "data load %s", q[0]);
        if (q[1]) fprintf(m, " val=%s", q[1]);
        if (q[2]) fprintf(m, " target=%s", q[2]);
        if (o.format) fprintf(m, " format=%s", o.format);
        if (o.sep && o.sep != ',') {
            char sb[16];
            fprintf(m, " sep=%s", sep_text(o.sep, sb, sizeof sb));
        }
        if (o.has_positive) fprintf(m, " positive=%.17g", o.positive);
        if (o.sparse != BL_SPARSE_AUTO) fprintf(m, " sparse=%s", o.sparse ? "on" : "off");
        fprintf(m, " split=%.17g seed=%lu standardize=%s", o.split, o.seed,
                o.standardize ? "yes" : "no");
    }
    int st = m && fclose(m) == 0 && c ? BL_OK : BL_ENOMEM;
    for (int i = 0; i < 3; i++) free(q[i]);
    if (st) {
        free(c);
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    st = bl_data_load(path, &o, out, e);
    if (st) {
        free(c);
        return st;
    }
    *canon = c;
    return BL_OK;
}

int bl_data_fits(const bl_problem_type *T, const bl_dataset *ds, char *why, size_t len)
{
    if (why && len) why[0] = '\0';
    if (!(T->flags & (BL_PROB_NEEDS_DATA | BL_PROB_CLASSIFICATION))) return BL_FIT_OK;
    if (!ds) {
        if (!(T->flags & BL_PROB_NEEDS_DATA)) return BL_FIT_OK;
        if (why) snprintf(why, len, "%s needs data, and none is loaded", T->name);
        return BL_FIT_NODATA;
    }
    if (!(T->flags & BL_PROB_CLASSIFICATION) || ds->task == BL_TASK_CLASSIFICATION)
        return BL_FIT_OK;
    double v[13];
    size_t k = bl_dataset_classes(ds, v, 12);
    if (k <= 12) {          /* a few classes: one of them against the rest */
        char list[160] = "";
        for (size_t i = 0, u = 0; i < k && u < sizeof list; i++)
            u += (size_t)snprintf(list + u, sizeof list - u, "%s%.10g", i ? ", " : "", v[i]);
        if (why)
            snprintf(why, len, "%s needs two classes, but the target '%s' of %s has %zu "
                     "values (%s)", T->name, ds->target, ds->name, k, list);
        return BL_FIT_CLASSES;
    }
    if (why)
        snprintf(why, len, "%s needs class labels, but %s has a regression target ('%s')",
                 T->name, ds->name, ds->target);
    return BL_FIT_REGRESSION;
}

/* New data never changes the problem: data that does not fit it is
 * refused (problem use switches to data that fits, not the reverse).
 * Frees DS when it does not fit. */
static int refuse_unfit(bl_session *S, bl_dataset *ds, bl_err *e)
{
    char why[512];
    int fit = S->P ? bl_data_fits(S->P->type, ds, why, sizeof why) : BL_FIT_OK;
    if (fit == BL_FIT_OK) return BL_OK;
    if (fit == BL_FIT_CLASSES)
        bl_err_set(e, BL_EINVAL, "%s: load one class against the rest with "
                   "positive=VALUE", why);
    else
        bl_err_set(e, BL_EINVAL, "%s: switch to a regression problem first "
                   "(problem use ridge)", why);
    bl_dataset_free(ds);
    return BL_EINVAL;
}

static int data_load(bl_session *S, int argc, char **argv, bl_err *e)
{
    bl_dataset *ds = NULL;
    char *canon = NULL;
    int st = bl_data_load_args(S, argc, argv, &ds, &canon, e);
    if (st == BL_OK) st = refuse_unfit(S, ds, e);
    if (st == BL_OK) st = bl_session_use_data(S, ds, e);
    if (st) {
        free(canon);
        return st;
    }
    free(S->data_cmdline);
    S->data_cmdline = canon;
    print_data(S, "load");
    return BL_OK;
}

static int exec_data(bl_session *S, int argc, char **argv, bl_err *e)
{
    int k = bl_command_pick(argv[0], subs, 3, "subcommand", e);
    if (k < 0) return BL_EINVAL;
    if (k == 2) {
        if (argc > 1) {
            bl_err_set(e, BL_EINVAL, "data show takes no arguments");
            return BL_EINVAL;
        }
        print_data(S, "show");
        return BL_OK;
    }
    if (argc < 2) {
        bl_err_set(e, BL_EINVAL, "%s", k == 0
                   ? "which kind? (usage: data synth regression|classification [key=value ...])"
                   : "which file? (usage: data load NAME|PATH [key=value ...])");
        return BL_EINVAL;
    }
    return k == 0 ? data_synth(S, argc - 1, argv + 1, e) : data_load(S, argc - 1, argv + 1, e);
}

static const char *complete_data(bl_session *S, int argi, char **w, size_t i)
{
    static const char *const kinds[] = {"regression", "classification", "sparse"};
    static const char *const synth_keys[] = {"n=", "m=", "p=", "noise=", "corr=",
                                             "rho=", "seed=", "standardize=", "density=",
                                             "task="};
    static const char *const load_keys[] = {"val=", "target=", "format=", "split=",
                                            "seed=", "standardize=", "sep=", "positive=",
                                            "sparse="};
    (void)S;
    if (argi == 1) return i < 3 ? subs[i] : NULL;
    if (!strcmp(w[1], "synth"))
        return argi == 2 ? (i < 3 ? kinds[i] : NULL) : (i < 10 ? synth_keys[i] : NULL);
    if (!strcmp(w[1], "load")) {
        if (argi == 2) return bl_bundled_names[i];
        return i < 9 ? load_keys[i] : NULL;
    }
    return NULL;
}

const bl_command bl_cmd_data = {
    .name = "data",
    .usage = "data synth KIND [key=value ...] | data load NAME|PATH [key=value ...] | data show",
    .summary = "load, generate and describe the training and validation data",
    .help =
        "data synth regression|classification [n=100 m=n p=10 noise=0.1 corr=0 rho=0\n"
        "           seed=SEED standardize=no]\n"
        "    x ~ N(0, Σ), Σij = corr^|i−j|, w ~ N(0, I); regression y = xᵀw + noise·z,\n"
        "    classification y = sign(xᵀw + noise·z) ∈ {−1, +1} with a fraction rho of\n"
        "    the n training labels flipped.  n training and m validation rows.\n"
        "data synth sparse [n=100 m=n p=10 density=0.01 noise=0.1\n"
        "           task=classification|regression seed=SEED standardize=no]\n"
        "    CSR rows, each entry non-zero with probability density (values N(0,1)),\n"
        "    a ground truth w with about p/10 non-zeros; y = sign(xᵀw + noise·z) or\n"
        "    xᵀw + noise·z.  rcv1-sized: n=20242 p=47236 density=0.0016.\n"
        "data load NAME|PATH [val=PATH] [target=NAME|INDEX] [format=csv|libsvm]\n"
        "          [split=0.7] [seed=SEED] [standardize=yes|no] [sep=\";\"]\n"
        "          [positive=VALUE] [sparse=auto|on|off]\n"
        "    NAME is a bundled set: diabetes, breast_cancer, digits, wine.  CSV files\n"
        "    have a header row; the target is the last column unless named.  sep=\";\"\n"
        "    (or semicolon, tab, or any one character; quoted, since ';' separates\n"
        "    commands) reads other separators.  positive=VALUE makes two classes of\n"
        "    a multi-class target: +1 where it equals VALUE, −1 elsewhere (digits\n"
        "    target=digit positive=3, wine positive=0).  Without val=, rows are\n"
        "    shuffled with the seed and split.  Features are standardised and\n"
        "    regression targets centred with training statistics.  Data that does\n"
        "    not fit the problem in use (a regression target for logreg) is refused;\n"
        "    'problem use' switches to data that fits.\n"
        "    sparse=: keep the features in compressed sparse rows (on), dense (off),\n"
        "    or auto: sparse when at most 10% of the training entries are non-zero\n"
        "    or when the dense table would pass mem.max.  libsvm files are read\n"
        "    into CSR.  Sparse features are scaled, not centred, by standardize.\n"
        "    Sparse data serve ridge, ridge-multi, logreg, logreg-multi, lasso,\n"
        "    enet and cleaning.\n"
        "data show  sizes, task, target, features, nnz and density, preprocessing",
    .minargs = 1, .maxargs = -1,
    .exec = exec_data,
    .complete = complete_data,
    .flags = BL_CMD_FILE_IF_PATH,   /* data load NAME|PATH: a bundled name, or a path */
    .file_arg = 2,
};

/* ---- export ---- */

static int exec_export(bl_session *S, int argc, char **argv, bl_err *e)
{
    static const char *const what[] = {"data", "surface", "compare", "theta", "omega"};
    (void)argc;
    int k = bl_command_pick(argv[0], what, 5, "export target", e);
    if (k < 0) return BL_EINVAL;
    if (k >= 3) {                       /* θ or ω: text (%.17g) or .npy */
        const gsl_vector *v = k == 3 ? S->theta : S->omega;
        int st = bl_vec_write(argv[1], v->data, v->size, v->stride, e);
        if (st) return st;
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "export");
            bl_json_str(&j, "what", what[k]);
            bl_json_str(&j, "file", argv[1]);
            bl_json_int(&j, "count", (long long)v->size);
            bl_json_end(&j);
        } else {
            fprintf(S->out, "wrote %s (%zu numbers) to ", what[k], v->size);
            bl_fput_escaped(S->out, argv[1]);
            fputc('\n', S->out);
        }
        return BL_OK;
    }
    if (k > 0) {
        int st = bl_export_grid(S, k - 1, argv[1], e);
        if (st) return st;
        if (bl_session_json(S)) {
            bl_json j;
            bl_json_begin(&j, S->out, "export");
            bl_json_str(&j, "what", what[k]);
            bl_json_str(&j, "file", argv[1]);
            bl_json_end(&j);
        } else {
            fprintf(S->out, "wrote the %s to ", what[k]);
            bl_fput_escaped(S->out, argv[1]);     /* a path: shown escaped */
            fputc('\n', S->out);
        }
        return BL_OK;
    }
    if (!S->data) {
        bl_err_set(e, BL_ENODATA, "no data loaded");
        return BL_ENODATA;
    }
    const char *dot = strrchr(argv[1], '.');
    int svm = dot && (!strcasecmp(dot, ".svm") || !strcasecmp(dot, ".libsvm"));
    int st = svm ? bl_data_export_libsvm(S->data, argv[1], e)
                 : bl_data_export_csv(S->data, argv[1], e);
    if (st) return st;
    if (bl_session_json(S)) {
        bl_json j;
        bl_json_begin(&j, S->out, "export");
        bl_json_str(&j, "what", "data");
        bl_json_str(&j, "file", argv[1]);
        bl_json_int(&j, "rows", (long long)(S->data->y->size + S->data->yv->size));
        bl_json_end(&j);
    } else {
        fprintf(S->out, "wrote %zu training and %zu validation rows to ",
                S->data->y->size, S->data->yv->size);
        bl_fput_escaped(S->out, argv[1]);
        fputc('\n', S->out);
    }
    return BL_OK;
}

static const char *complete_export(bl_session *S, int argi, char **w, size_t i)
{
    (void)S;
    (void)w;
    static const char *const what[] = {"data", "surface", "compare", "theta", "omega"};
    return argi == 1 && i < 5 ? what[i] : NULL;
}

const bl_command bl_cmd_export = {
    .name = "export",
    .usage = "export data|surface|compare|theta|omega FILE",
    .summary = "write the splits, the last surface or comparison for other tools",
    .help =
        "export data FILE      the feature columns, the target and a last column\n"
        "                      'validation' (0 training, 1 validation), exactly the\n"
        "                      numbers the problems see, with 17 significant digits;\n"
        "                      FILE.svm (or .libsvm): libsvm, training rows then\n"
        "                      validation rows (the only form for sparse data)\n"
        "export surface FILE   the last surface: a CSV row per grid point (axes, F,\n"
        "                      the reference gradient, each estimator's error), or\n"
        "                      the JSON object of 'surface' when FILE ends in .json\n"
        "export compare FILE   the last comparison, likewise\n"
        "export theta|omega FILE  the vector: NumPy .npy (float64) when FILE ends in\n"
        "                      .npy, else text, one number a line with 17 significant\n"
        "                      digits (set theta|omega FILE reads either back exactly)",
    .minargs = 2, .maxargs = 2,
    .exec = exec_export,
    .complete = complete_export,
    .file_arg = 2,
};
