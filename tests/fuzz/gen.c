/* gen.c: plausible random bilab input from the program's tables (gen.h). */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "args.h"
#include "command.h"
#include "data.h"
#include "gen.h"
#include "hypergrad.h"
#include "problem.h"
#include "settings.h"

void bl_gen_seed(bl_gen *g, uint64_t seed)
{
    g->s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    if (!g->s) g->s = 1;
    g->odd = 60;
    for (int i = 0; i < 8; i++) bl_gen_next(g);
}

uint64_t bl_gen_next(bl_gen *g)
{
    /* xorshift64*: fixed, portable, fast */
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 0x2545F4914F6CDD1Dull;
}

static size_t pick(bl_gen *g, size_t n) { return n ? (size_t)(bl_gen_next(g) % n) : 0; }
static double unif(bl_gen *g) { return (double)(bl_gen_next(g) >> 11) / 9007199254740992.0; }
static int chance(bl_gen *g, int per_mille) { return (int)pick(g, 1000) < per_mille; }

typedef struct out {
    char *buf;
    size_t len, cap;
} out;

static void put(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(out *o, const char *fmt, ...)
{
    if (o->len + 1 >= o->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

/* Values that are wrong in some way: the odd ones. */
static const char *const odd_values[] = {
    "nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "abc", "0x10", "1,2", "", "-0",
    "9999999999999999999999", "2.5", "2e8", "-1", "0", "1e400", "\"\"", "\"a b\"",
    "\x01", "\xff", "\xe2\x80\x8b", "1e", ".", "+", "--1", "1..2", "∞", "θ",
};
#define NODD (sizeof odd_values / sizeof odd_values[0])

/* Paths: plain names in the current directory only. */
static const char *const files[] = {
    "a.bl", "b.bl", "s.csv", "s.json", "g.csv", "f.png", "f.svg", "f.pdf", "d.csv", "x.libsvm",
    "t.txt", "nosuch.csv", "a.bl", "b.bl",
};
#define NFILES (sizeof files / sizeof files[0])

static void put_number(bl_gen *g, out *o, double lo, double hi, int integer)
{
    if (chance(g, g->odd)) {
        put(o, "%s", odd_values[pick(g, NODD)]);
        return;
    }
    double v;
    if (!isfinite(lo)) lo = -1e3;
    if (!isfinite(hi)) hi = 1e3;
    if (lo > 0 && hi / lo > 1e3 && chance(g, 600))
        v = exp(log(lo) + unif(g) * (log(hi) - log(lo)));      /* log-uniform */
    else
        v = lo + unif(g) * (hi - lo);
    if (integer) put(o, "%.0f", floor(v));
    else put(o, "%.4g", v);
}

/* A parameter value: integers that set a size stay small (problems and
 * data build in milliseconds), the rest anywhere in their range. */
static void put_param(bl_gen *g, out *o, const bl_param *p)
{
    if (p->choices && !chance(g, g->odd)) {
        size_t n = 0;
        while (p->choices[n]) n++;
        put(o, "%s", p->choices[pick(g, n)]);
        return;
    }
    double lo = p->lo, hi = p->hi;
    if (p->is_int && hi - lo > 30 && strcmp(p->name, "seed") != 0) hi = lo + (chance(g, 900) ? 12 : 60);
    put_number(g, o, lo, hi, p->is_int);
}

static size_t count_problems(void)
{
    size_t n = 0;
    while (bl_catalogue[n]) n++;
    return n;
}

static size_t count_estimators(void)
{
    size_t n = 0;
    while (bl_estimators[n]) n++;
    return n;
}

static void put_spec(bl_gen *g, out *o)
{
    const bl_estimator_type *T = bl_estimators[pick(g, count_estimators())];
    put(o, "%s", T->name);
    if (!T->nparams || chance(g, 400)) return;
    size_t k = 1 + pick(g, T->nparams < 3 ? T->nparams : 3);
    for (size_t i = 0; i < k; i++) {
        const bl_param *p = &T->params[pick(g, T->nparams)];
        put(o, "%s%s=", i ? "," : ":", p->name);
        /* the sizes of unrolling and of the iterations stay small */
        bl_param q = *p;
        if (q.is_int && q.hi > 50 && !q.choices) q.hi = q.lo + 50;
        put_param(g, o, &q);
    }
}

static void put_range(bl_gen *g, out *o)
{
    double a = -4 + 8 * unif(g), b = -4 + 8 * unif(g);
    if (chance(g, g->odd)) {
        static const char *const bad[] = {"0:1:0", "0:1:100001", "1:inf:3", "-1:1:3:log", "0:1",
                                          "a:b:c", "0:1:2:lin", "1e308:-1e308:5", "::", "0:0:3"};
        put(o, "%s", bad[pick(g, sizeof bad / sizeof bad[0])]);
        return;
    }
    put(o, "%.3g:%.3g:%zu", a, b, 1 + pick(g, 6));
    if (chance(g, 100)) put(o, ":log");
}

static void put_vector(bl_gen *g, out *o)
{
    size_t n = chance(g, 700) ? 1 : 1 + pick(g, 4);
    for (size_t i = 0; i < n; i++) {
        if (i) put(o, ",");
        put_number(g, o, -3, 3, 0);
    }
}

/* A small random expression in theta[0..P-1], omega[0..D-1]. */
static void put_expr(bl_gen *g, out *o, int depth, int p, int d)
{
    static const char *const fn1[] = {"exp", "log", "log1p", "sqrt", "sin", "cos", "tanh",
                                      "sigmoid", "softplus", "abs"};
    static const char *const ops[] = {"+", "-", "*", "/", "^"};
    int k = depth > 3 ? (int)pick(g, 3) : (int)pick(g, 7);
    switch (k) {
    case 0: put(o, "theta[%zu]", pick(g, (size_t)p + (chance(g, 50) ? 2 : 0))); break;
    case 1: put(o, "omega[%zu]", pick(g, (size_t)d)); break;
    case 2: put(o, "%.3g", unif(g) * 4); break;
    case 3: case 4:
        put(o, "(");
        put_expr(g, o, depth + 1, p, d);
        put(o, "%s", ops[pick(g, 5)]);
        put_expr(g, o, depth + 1, p, d);
        put(o, ")");
        break;
    case 5:
        put(o, "%s(", fn1[pick(g, sizeof fn1 / sizeof fn1[0])]);
        put_expr(g, o, depth + 1, p, d);
        put(o, ")");
        break;
    default:
        put(o, "%s(theta)", chance(g, 500) ? "sum" : "norm2");
        break;
    }
}

static void put_setting(bl_gen *g, out *o)
{
    const bl_setting *s = &bl_settings_table[pick(g, BL_NSETTINGS)];
    put(o, "set %s ", s->name);
    switch (s->kind) {
    case BL_SET_DOUBLE: {
        double hi = s->hi;
        if (!strcmp(s->name, "mem.max")) hi = 1e9;
        if (!strcmp(s->name, "inner.step") || !strcmp(s->name, "outer.step")
            || !strcmp(s->name, "adjoint.eta"))
            hi = 2;
        put_number(g, o, s->lo, hi, 0);
        break;
    }
    case BL_SET_INT: {
        double hi = s->hi;
        if (hi > 200) hi = 200;                 /* iteration caps, threads */
        if (!strcmp(s->name, "threads")) hi = 4;
        put_number(g, o, s->lo, hi, 1);
        break;
    }
    case BL_SET_BOOL: put(o, "%s", chance(g, 500) ? "on" : "off"); break;
    case BL_SET_CHOICE: {
        size_t n = 0;
        while (s->choice(n)) n++;
        if (chance(g, g->odd)) put(o, "nosuch");
        else put(o, "%s", s->choice(pick(g, n)));
        break;
    }
    case BL_SET_TEXT:                           /* plot.size WxH, plot.font FAMILY/SIZE */
        if (chance(g, g->odd)) put(o, "x");
        else if (!strcmp(s->name, "plot.size"))
            put(o, "%dx%d", 100 + (int)pick(g, 900), 100 + (int)pick(g, 900));
        else put(o, "%s/%d", chance(g, 500) ? "sans" : "serif", 6 + (int)pick(g, 10));
        break;
    case BL_SET_SPEC: put_spec(g, o); break;
    case BL_SET_SPECS:
        put_spec(g, o);
        if (chance(g, 500)) {
            put(o, " ");
            put_spec(g, o);
        }
        break;
    }
}

size_t bl_gen_command(bl_gen *g, char *buf, size_t len, size_t cap)
{
    out o = {buf, len, cap};
    static const char *const steps[] = {"inner", "adjoint", "outer"};
    static const char *const plots[] = {"surface", "compare", "trace", "inner", "adjoint",
                                        "spectrum", "nosuch"};
    switch (pick(g, 24)) {
    case 0: case 1: {
        const bl_problem_type *T = bl_catalogue[pick(g, count_problems())];
        put(&o, "problem use %s", T->name);
        for (size_t i = 0; i < T->nparams; i++)
            if (chance(g, 300)) {
                put(&o, " %s=", T->params[i].name);
                put_param(g, &o, &T->params[i]);
            }
        break;
    }
    case 2: put(&o, "%s", chance(g, 500) ? "problem show" : "problem list"); break;
    case 3: {
        if (chance(g, 500)) {
            put(&o, "data synth %s n=%zu p=%zu", chance(g, 500) ? "regression" : "classification",
                2 + pick(g, 40), 1 + pick(g, 8));
            if (chance(g, 300)) put(&o, " m=%zu", 1 + pick(g, 30));
            if (chance(g, 200)) put(&o, " rho=%.2g", unif(g) / 2);
            if (chance(g, g->odd)) put(&o, " n=%s", odd_values[pick(g, NODD)]);
        } else if (chance(g, 700)) {
            put(&o, "data load %s", bl_bundled_names[pick(g, 4)]);
            if (chance(g, 300)) put(&o, " split=%.2g", unif(g));
            if (chance(g, 200)) put(&o, " standardize=no");
        } else {
            put(&o, "data load %s", files[pick(g, NFILES)]);
            if (chance(g, 300)) put(&o, " val=%s", files[pick(g, NFILES)]);
            if (chance(g, 300)) put(&o, " target=%s", chance(g, 500) ? "y" : "0");
        }
        break;
    }
    case 4: put(&o, "data %s", chance(g, 500) ? "show" : "export d.csv"); break;
    case 5: case 6: case 7: put_setting(g, &o); break;
    case 8:
        put(&o, "set %s", chance(g, 600) ? "omega" : "theta");
        if (chance(g, 300)) put(&o, "[%d]", (int)pick(g, 6) - (chance(g, 100) ? 3 : 0));
        put(&o, " ");
        put_vector(g, &o);
        break;
    case 9: {
        static const char *const what[] = {"", " omega", " theta", " settings", " inner.tol",
                                           " omega[0]", " theta[1]"};
        put(&o, "show%s", what[pick(g, 7)]);
        break;
    }
    case 10: case 11:
        put(&o, "step %s", steps[pick(g, 3)]);
        if (chance(g, 600)) put(&o, " %zu", 1 + pick(g, 20));
        break;
    case 12: put(&o, "solve %s", chance(g, 700) ? "inner" : "adjoint"); break;
    case 13: put(&o, "run %zu", 1 + pick(g, 4)); break;
    case 14: {
        static const char *const r[] = {"reset", "reset theta", "reset outer", "reset all",
                                        "trace", "spectrum"};
        put(&o, "%s", r[pick(g, 6)]);
        break;
    }
    case 15: case 16: {
        put(&o, "hypergrad");
        size_t k = pick(g, 4);
        for (size_t i = 0; i < k; i++) {
            put(&o, " ");
            put_spec(g, &o);
        }
        if (chance(g, 150)) put(&o, " --explain");
        break;
    }
    case 17:
        if (chance(g, 500)) {
            put(&o, "adjoint ");
            put_spec(g, &o);
        } else {
            put(&o, "explain ");
            put_spec(g, &o);
        }
        break;
    case 18:
        put(&o, "surface omega%s=", chance(g, 700) ? "" : "[1]");
        put_range(g, &o);
        if (chance(g, 200)) {
            put(&o, " with=");
            put_spec(g, &o);
        }
        break;
    case 19:
        put(&o, "compare ");
        put_spec(g, &o);
        if (chance(g, 500)) {
            put(&o, " omega=");
            put_range(g, &o);
        } else {
            put(&o, " k=%zu:%zu:%zu", 1 + pick(g, 3), 2 + pick(g, 20), 1 + pick(g, 5));
        }
        break;
    case 20: {
        put(&o, "plot %s", plots[pick(g, 7)]);
        if (chance(g, 300)) put(&o, " %s", files[pick(g, NFILES)]);
        break;
    }
    case 21: {
        static const char *const f[] = {"save", "source", "export surface", "export compare",
                                        "export trace"};
        put(&o, "%s %s", f[pick(g, 5)], files[pick(g, NFILES)]);
        break;
    }
    case 22: {
        int p = 1 + (int)pick(g, 3), d = 1 + (int)pick(g, 2);
        switch (pick(g, 6)) {
        case 0: put(&o, "define dims theta=%d omega=%d", p, d); break;
        case 1: case 2:
            put(&o, "define %s ", chance(g, 500) ? "inner" : "outer");
            put_expr(g, &o, 0, p, d);
            break;
        case 3: put(&o, "define param a=%.3g", unif(g)); break;
        case 4: put(&o, "define %s", chance(g, 500) ? "check" : "show"); break;
        default: put(&o, "define clear"); break;
        }
        break;
    }
    default: {
        size_t n = 0;
        while (bl_commands[n]) n++;
        const char *c = bl_commands[pick(g, n)]->name;
        if (!strcmp(c, "quit") || !strcmp(c, "dash")) c = "help";
        put(&o, "help %s", c);
        break;
    }
    }
    return o.len;
}

size_t bl_gen_session(bl_gen *g, char *buf, size_t cap, int lines)
{
    size_t len = 0;
    if (cap) buf[0] = '\0';
    for (int i = 0; i < lines && len + 2 < cap; i++) {
        len = bl_gen_command(g, buf, len, cap);
        if (chance(g, 120) && len + 4 < cap) {         /* two commands on a line */
            memcpy(buf + len, "; ", 3);
            len = bl_gen_command(g, buf, len + 2, cap);
        }
        if (chance(g, 30) && len + 12 < cap) {
            memcpy(buf + len, " # a note", 10);
            len += 9;
        }
        if (len + 1 < cap) {
            buf[len++] = '\n';
            buf[len] = '\0';
        }
    }
    return len;
}

size_t bl_gen_mutate(bl_gen *g, char *buf, size_t len, size_t cap)
{
    size_t at = len ? pick(g, len + 1) : 0;
    switch (pick(g, 6)) {
    case 0:                                              /* delete a span */
        if (len) {
            size_t n = 1 + pick(g, 8);
            if (at + n > len) n = len - at;
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
        }
        break;
    case 1:                                              /* flip a byte */
        if (len && at < len) buf[at] = (char)(bl_gen_next(g) & 0xFF) ? (char)(bl_gen_next(g) & 0xFF) : ' ';
        if (at < len && !buf[at]) buf[at] = ' ';
        break;
    case 2: {                                            /* a new command in the middle */
        char tmp[512];
        size_t n = bl_gen_command(g, tmp, 0, sizeof tmp);
        if (len + n + 1 < cap) {
            memmove(buf + at + n + 1, buf + at, len - at);
            memcpy(buf + at, tmp, n);
            buf[at + n] = '\n';
            len += n + 1;
        }
        break;
    }
    case 3: {                                            /* an odd value */
        const char *v = odd_values[pick(g, NODD)];
        size_t n = strlen(v);
        if (len + n < cap) {
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, v, n);
            len += n;
        }
        break;
    }
    case 4: {                                            /* duplicate a span */
        if (!len) break;
        size_t from = pick(g, len), n = 1 + pick(g, 32);
        if (from + n > len) n = len - from;
        if (len + n < cap) {
            char tmp[64];
            memcpy(tmp, buf + from, n);
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, tmp, n);
            len += n;
        }
        break;
    }
    default: {                                           /* a separator */
        static const char seps[] = ";\n#\"=:,[] ";
        if (len + 1 < cap) {
            memmove(buf + at + 1, buf + at, len - at);
            buf[at] = seps[pick(g, sizeof seps - 1)];
            len++;
        }
        break;
    }
    }
    buf[len] = '\0';
    return len;
}

static void dict_word(FILE *f, const char *w)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)w; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7F) fprintf(f, "\\x%02X", *p);
        else fputc(*p, f);
    }
    fputs("\"\n", f);
}

void bl_gen_dict(FILE *f)
{
    fprintf(f, "# the vocabulary of bilab's command line (tests/fuzz/gen.c, gen_session --dict)\n");
    for (size_t i = 0; bl_commands[i]; i++) dict_word(f, bl_commands[i]->name);
    for (size_t i = 0; i < BL_NSETTINGS; i++) dict_word(f, bl_settings_table[i].name);
    for (size_t i = 0; bl_catalogue[i]; i++) {
        dict_word(f, bl_catalogue[i]->name);
        for (size_t k = 0; k < bl_catalogue[i]->nparams; k++) {
            char w[64];
            snprintf(w, sizeof w, "%s=", bl_catalogue[i]->params[k].name);
            dict_word(f, w);
        }
    }
    for (size_t i = 0; bl_estimators[i]; i++) {
        dict_word(f, bl_estimators[i]->name);
        for (size_t k = 0; k < bl_estimators[i]->nparams; k++) {
            char w[64];
            snprintf(w, sizeof w, "%s=", bl_estimators[i]->params[k].name);
            dict_word(f, w);
        }
    }
    for (size_t i = 0; bl_bundled_names[i]; i++) dict_word(f, bl_bundled_names[i]);
    static const char *const more[] = {
        "omega", "theta", "omega[0]", "theta[1]", "inner", "outer", "adjoint", "use", "list",
        "show", "synth", "load", "regression", "classification", "settings", "dims", "param",
        "check", "clear", "--explain", "with=", "val=", "target=", "split=", "seed=", "n=", "p=",
        "0:1:5", "-2:2:9:log", ";", "#", "\"", "\n", ":", ",", "=", "1e308", "nan", "inf",
        "-inf", "1e-320", "a.bl", "s.csv", "f.png", "f.svg", "f.pdf", "s.json", "x.libsvm",
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) dict_word(f, more[i]);
}

/* Commands that read or write files, by their full name. */
static int file_command(const char *name)
{
    static const char *const fc[] = {"save", "export", "plot", "source", "data", "lesson"};
    for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++)
        if (!strcmp(name, fc[i])) return 1;
    return 0;
}

int bl_gen_unsafe_paths(const char *text)
{
    /* line by line, as batch mode runs them */
    const char *p = text;
    int unsafe = 0;
    while (*p && !unsafe) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = malloc(n + 1);
        if (!line) return 1;
        memcpy(line, p, n);
        line[n] = '\0';
        char **cmds = NULL;
        size_t nc = 0;
        if (bl_split_commands(line, &cmds, &nc, NULL) == BL_OK) {
            for (size_t i = 0; i < nc && !unsafe; i++) {
                char **w = NULL;
                size_t nw = 0;
                if (bl_args_tokenize(cmds[i], &w, &nw, NULL) != BL_OK) continue;
                const bl_command *c = nw ? bl_command_find(w[0], NULL) : NULL;
                if (c && file_command(c->name))
                    for (size_t k = 1; k < nw; k++)
                        if (strchr(w[k], '/') || strchr(w[k], '\\') || w[k][0] == '~') unsafe = 1;
                bl_words_free(w, nw);
            }
            bl_words_free(cmds, nc);
        }
        free(line);
        p = nl ? nl + 1 : p + n;
    }
    return unsafe;
}

#if defined(__SANITIZE_ADDRESS__)
#define BL_GEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BL_GEN_ASAN 1
#endif
#endif

void bl_gen_limit_memory(long mb)
{
#ifndef BL_GEN_ASAN
    struct rlimit r = {(rlim_t)mb << 20, (rlim_t)mb << 20};
    setrlimit(RLIMIT_AS, &r);
#else
    (void)mb;
#endif
}
