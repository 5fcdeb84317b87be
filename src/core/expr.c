/* expr.c: the expression language of `define`: lexer, recursive-descent
 * parser emitting a tape, values with domain checks, reverse-mode
 * gradients and forward-over-reverse second-order products.
 * Interface: expr.h; grammar and rules: doc/expressions.md.
 *
 * The tape is a list of nodes in evaluation order (children before
 * parents).  Node 0 is θ and node 1 is ω; every node holds a vector of
 * `len` values (1 for scalars) and, when it depends on θ or ω ("var"),
 * three more: its tangent t (forward sweep along a direction), its adjoint
 * w (reverse sweep) and the tangent of its adjoint u.  Nodes that depend on
 * neither are computed once, when the expression is compiled. */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "expr.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Limits that keep a hostile or mistyped expression from exhausting the
 * stack or memory: nesting depth and tape length. */
#define MAX_DEPTH 200
#define MAX_NODES 100000

enum op {
    OP_THETA, OP_OMEGA, OP_CONST, OP_INDEX, OP_MATVEC,
    /* element-wise, one argument */
    OP_NEG, OP_EXP, OP_LOG, OP_LOG1P, OP_SQRT, OP_SIN, OP_COS, OP_TANH,
    OP_SIGMOID, OP_SOFTPLUS, OP_ABS,
    /* element-wise, two arguments (a scalar broadcasts) */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_MIN, OP_MAX,
    /* to a scalar */
    OP_SUM, OP_MEAN, OP_NORM2, OP_SUMSQ, OP_DOT
};

#define IS_UNARY(op) ((op) >= OP_NEG && (op) <= OP_ABS)
#define IS_BINARY(op) ((op) >= OP_ADD && (op) <= OP_MAX)

typedef struct enode {
    int op;
    int var;                    /* depends on θ or ω */
    int a, b;                   /* children, −1 when absent */
    size_t len;
    size_t k;                   /* OP_INDEX: the index */
    double c;                   /* OP_CONST scalar */
    const gsl_vector *vsrc;     /* OP_CONST vector (y, yv), copied at compile */
    const gsl_matrix *mat;      /* OP_MATVEC */
    size_t pos, end;            /* source span, bytes */
    double *v, *t, *w, *u;      /* value, tangent, adjoint, adjoint tangent */
} enode;

struct bl_expr {
    enode *nd;
    size_t n, cap;
    int root;
    size_t p, d;
    char *text;
    char label[16];
    double *pool;
    int uses_data;
};

/* ------------------------------------------------------------ names */

typedef struct fdesc {
    const char *name;
    int op;
    int nargs;
} fdesc;

static const fdesc funcs[] = {
    {"exp", OP_EXP, 1}, {"log", OP_LOG, 1}, {"log1p", OP_LOG1P, 1},
    {"sqrt", OP_SQRT, 1}, {"sin", OP_SIN, 1}, {"cos", OP_COS, 1},
    {"tanh", OP_TANH, 1}, {"sigmoid", OP_SIGMOID, 1},
    {"softplus", OP_SOFTPLUS, 1}, {"abs", OP_ABS, 1},
    {"min", OP_MIN, 2}, {"max", OP_MAX, 2}, {"pow", OP_POW, 2},
    {"sum", OP_SUM, 1}, {"mean", OP_MEAN, 1}, {"norm2", OP_NORM2, 1},
    {"sumsq", OP_SUMSQ, 1}, {"dot", OP_DOT, 2},
};
#define NFUNCS (sizeof funcs / sizeof funcs[0])

static const char *const varnames[] = {"theta", "omega", "X", "y", "Xv", "yv", "pi"};
#define NVARS (sizeof varnames / sizeof varnames[0])

static const fdesc *find_func(const char *name)
{
    for (size_t i = 0; i < NFUNCS; i++)
        if (strcmp(funcs[i].name, name) == 0) return &funcs[i];
    return NULL;
}

static int is_var_name(const char *name)
{
    for (size_t i = 0; i < NVARS; i++)
        if (strcmp(varnames[i], name) == 0) return 1;
    return 0;
}

static int is_ident(const char *s)
{
    if (!s || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

int bl_expr_param_name_ok(const char *name, bl_err *e)
{
    if (!is_ident(name)) {
        bl_err_set(e, BL_EINVAL, "'%s' is not a name (letters, digits and _, "
                   "starting with a letter)", name ? name : "");
        return BL_EINVAL;
    }
    if (strlen(name) >= BL_EXPR_NAMELEN) {
        bl_err_set(e, BL_EINVAL, "the name '%s' is longer than %d characters", name,
                   BL_EXPR_NAMELEN - 1);
        return BL_EINVAL;
    }
    if (is_var_name(name) || find_func(name)) {
        bl_err_set(e, BL_EINVAL, "'%s' is a name of the language, not free for a "
                   "parameter", name);
        return BL_EINVAL;
    }
    return BL_OK;
}

/* Levenshtein distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

/* ------------------------------------------------------- error text */

/* Display column (0-based, one a code point) of byte offset POS. */
static size_t display_col(const char *s, size_t pos)
{
    size_t c = 0;
    for (size_t i = 0; i < pos && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

/* Two lines: a window of TEXT around [POS, END) and a caret line ("^~~")
 * under it.  Control characters show as spaces. */
static void caret_lines(const char *text, size_t pos, size_t end, char *line,
                        char *mark, size_t size)
{
    const size_t width = 60;
    size_t len = strlen(text);
    if (pos > len) pos = len;
    if (end < pos) end = pos;
    if (end > len) end = len;
    size_t start = 0;
    if (display_col(text, pos) > width - 16) {
        start = pos;
        for (size_t c = 0; start > 0 && c < width / 2; start--)
            if (((unsigned char)text[start] & 0xC0) != 0x80) c++;
        while (start < len && ((unsigned char)text[start] & 0xC0) == 0x80) start++;
    }
    size_t li = 0, mi = 0, col = 0;
    if (start > 0) {
        memcpy(line, "...", 3);
        memcpy(mark, "   ", 3);
        li = mi = 3;
    }
    int cut = 0;
    for (size_t i = start; i < len && li + 5 < size && mi + 2 < size; i++) {
        unsigned char ch = (unsigned char)text[i];
        int cont = (ch & 0xC0) == 0x80;
        if (!cont) {
            if (col >= width) {
                cut = 1;
                break;
            }
            col++;
            if (i < pos) mark[mi++] = ' ';
            else if (i == pos) mark[mi++] = '^';
            else if (i < end) mark[mi++] = '~';
        }
        line[li++] = (ch < 0x20 || ch == 0x7F) ? ' ' : (char)ch;
    }
    if (cut && li + 4 < size) {
        memcpy(line + li, "...", 3);
        li += 3;
    }
    if (pos >= len && mi + 2 < size) mark[mi++] = '^';   /* at the end */
    line[li] = '\0';
    while (mi > 0 && mark[mi - 1] == ' ') mi--;
    mark[mi] = '\0';
}

static void expr_error(bl_err *e, int code, const char *label, const char *text,
                       size_t pos, size_t end, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void expr_error(bl_err *e, int code, const char *label, const char *text,
                       size_t pos, size_t end, const char *fmt, ...)
{
    if (!e) return;
    char what[400], line[160], mark[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    caret_lines(text, pos, end, line, mark, sizeof line);
    bl_err_set(e, code, "%s%s%s (column %zu)\n  %s\n  %s", label && *label ? label : "",
               label && *label ? ": " : "", what, display_col(text, pos) + 1, line, mark);
}

/* ------------------------------------------------------------ lexer */

typedef enum {
    T_END, T_NUM, T_NAME, T_OP, T_LPAR, T_RPAR, T_LBRK, T_RBRK, T_COMMA, T_BAD
} tkind;

typedef struct token {
    tkind k;
    char c;                          /* T_OP: + - * / ^ */
    size_t pos, end;
    double num;
    char name[BL_EXPR_NAMELEN];
} token;

typedef struct parser {
    const char *src;
    size_t len, at;
    token tok;
    const bl_expr_env *env;
    bl_expr *x;
    bl_err *e;
    const char *label;
    int depth;
} parser;

/* A value while parsing: a tape node, or a data matrix (times an optional
 * scalar node), which may only end up multiplying a vector. */
typedef struct pval {
    int node;
    const gsl_matrix *mat;
    const char *matname;
    int scale;                       /* −1: none */
    size_t pos, end;
} pval;

#define PERR(ps, code, pos, end, ...) \
    expr_error((ps)->e, (code), (ps)->label, (ps)->src, (pos), (end), __VA_ARGS__)

/* The text of the current token for messages. */
static const char *tok_text(const parser *ps, char *buf, size_t size)
{
    if (ps->tok.k == T_END) return "the end";
    size_t n = ps->tok.end - ps->tok.pos;
    if (n > 24) n = 24;
    if (n + 3 > size) n = size - 3;
    buf[0] = '\'';
    memcpy(buf + 1, ps->src + ps->tok.pos, n);
    buf[n + 1] = '\'';
    buf[n + 2] = '\0';
    return buf;
}

static int lex(parser *ps)
{
    const char *s = ps->src;
    size_t i = ps->at;
    while (i < ps->len && isspace((unsigned char)s[i])) i++;
    token *t = &ps->tok;
    memset(t, 0, sizeof *t);
    t->pos = i;
    if (i >= ps->len) {
        t->k = T_END;
        t->end = i;
        ps->at = i;
        return 0;
    }
    unsigned char ch = (unsigned char)s[i];
    if (isdigit(ch) || (ch == '.' && i + 1 < ps->len && isdigit((unsigned char)s[i + 1]))) {
        size_t j = i;
        while (j < ps->len && isdigit((unsigned char)s[j])) j++;
        if (j < ps->len && s[j] == '.') {
            j++;
            while (j < ps->len && isdigit((unsigned char)s[j])) j++;
        }
        if (j < ps->len && (s[j] == 'e' || s[j] == 'E')) {
            size_t k = j + 1;
            if (k < ps->len && (s[k] == '+' || s[k] == '-')) k++;
            if (k < ps->len && isdigit((unsigned char)s[k])) {
                while (k < ps->len && isdigit((unsigned char)s[k])) k++;
                j = k;
            }
        }
        char buf[72];
        if (j - i >= sizeof buf) {
            PERR(ps, BL_EINVAL, i, j, "the number is too long");
            return -1;
        }
        memcpy(buf, s + i, j - i);
        buf[j - i] = '\0';
        t->num = strtod(buf, NULL);
        if (!isfinite(t->num)) {
            PERR(ps, BL_EINVAL, i, j, "the number %s is out of range", buf);
            return -1;
        }
        t->k = T_NUM;
        t->end = j;
    } else if (isalpha(ch) || ch == '_') {
        size_t j = i;
        while (j < ps->len && (isalnum((unsigned char)s[j]) || s[j] == '_')) j++;
        if (j - i >= BL_EXPR_NAMELEN) {
            PERR(ps, BL_EINVAL, i, j, "the name is longer than %d characters",
                 BL_EXPR_NAMELEN - 1);
            return -1;
        }
        memcpy(t->name, s + i, j - i);
        t->name[j - i] = '\0';
        t->k = T_NAME;
        t->end = j;
    } else if (ch == 0xCE && i + 1 < ps->len && (unsigned char)s[i + 1] == 0xB8) {
        strcpy(t->name, "theta");                        /* θ */
        t->k = T_NAME;
        t->end = i + 2;
    } else if (ch == 0xCF && i + 1 < ps->len && (unsigned char)s[i + 1] == 0x89) {
        strcpy(t->name, "omega");                        /* ω */
        t->k = T_NAME;
        t->end = i + 2;
    } else {
        t->end = i + 1;
        switch (ch) {
        case '+': case '-': case '/': case '^':
            t->k = T_OP;
            t->c = (char)ch;
            break;
        case '*':
            t->k = T_OP;
            t->c = '*';
            if (i + 1 < ps->len && s[i + 1] == '*') {   /* ** is ^ */
                t->c = '^';
                t->end = i + 2;
            }
            break;
        case '(': t->k = T_LPAR; break;
        case ')': t->k = T_RPAR; break;
        case '[': t->k = T_LBRK; break;
        case ']': t->k = T_RBRK; break;
        case ',': t->k = T_COMMA; break;
        default:
            if (ch >= 0x21 && ch < 0x7F) {
                PERR(ps, BL_EINVAL, i, i + 1, "unexpected character '%c'", ch);
            } else {
                size_t n = 1;
                while (i + n < ps->len && n < 4 && ((unsigned char)s[i + n] & 0xC0) == 0x80) n++;
                if (ch >= 0xC2 && ch <= 0xF4 && n > 1)
                    PERR(ps, BL_EINVAL, i, i + n, "unexpected character '%.*s'", (int)n, s + i);
                else
                    PERR(ps, BL_EINVAL, i, i + 1, "unexpected byte 0x%02x", ch);
            }
            return -1;
        }
    }
    ps->at = t->end;
    return 0;
}

/* ------------------------------------------------------ tape building */

static int emit(parser *ps, int op, int a, int b, size_t len, size_t pos, size_t end)
{
    bl_expr *x = ps->x;
    if (x->n >= MAX_NODES) {
        PERR(ps, BL_EINVAL, pos, end, "the expression is too long (more than %d operations)",
             MAX_NODES);
        return -1;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? 2 * x->cap : 32;
        enode *nd = realloc(x->nd, cap * sizeof *nd);
        if (!nd) {
            bl_err_set(ps->e, BL_ENOMEM, "out of memory compiling the expression");
            return -1;
        }
        x->nd = nd;
        x->cap = cap;
    }
    enode *n = &x->nd[x->n];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->a = a;
    n->b = b;
    n->len = len;
    n->pos = pos;
    n->end = end;
    n->var = op == OP_THETA || op == OP_OMEGA || (a >= 0 && x->nd[a].var)
             || (b >= 0 && x->nd[b].var);
    return (int)x->n++;
}

static int emit_const(parser *ps, double c, size_t pos, size_t end)
{
    int k = emit(ps, OP_CONST, -1, -1, 1, pos, end);
    if (k >= 0) ps->x->nd[k].c = c;
    return k;
}

static size_t vlen(const parser *ps, const pval *v) { return ps->x->nd[v->node].len; }

/* Errors for a matrix where a vector is needed. */
static int not_matrix(parser *ps, const pval *v)
{
    if (!v->mat) return 0;
    PERR(ps, BL_EINVAL, v->pos, v->end,
         "%s is a matrix (%zu×%zu): use it only as %s*v with v a vector of length %zu",
         v->matname, v->mat->size1, v->mat->size2, v->matname, v->mat->size2);
    return -1;
}

/* An element-wise binary operation with broadcasting of a scalar. */
static int elementwise(parser *ps, int op, const pval *l, const pval *r, size_t oppos,
                       size_t opend, const char *opname, pval *out)
{
    if (not_matrix(ps, l) || not_matrix(ps, r)) return -1;
    size_t la = vlen(ps, l), lb = vlen(ps, r), len;
    if (la == lb || lb == 1) len = la;
    else if (la == 1) len = lb;
    else {
        PERR(ps, BL_EDIM, oppos, opend,
             "%s of a vector of length %zu and one of length %zu: lengths must agree "
             "(or one side be a number)", opname, la, lb);
        return -1;
    }
    int k = emit(ps, op, l->node, r->node, len, l->pos, r->end);
    if (k < 0) return -1;
    *out = (pval){k, NULL, NULL, -1, l->pos, r->end};
    return 0;
}

/* M v (and the scale of M) for a matrix term M and a vector V. */
static int matvec(parser *ps, const pval *m, const pval *v, size_t oppos, size_t opend,
                  pval *out)
{
    size_t lv = vlen(ps, v), cols = m->mat->size2;
    if (lv != cols) {
        const enode *vn = &ps->x->nd[v->node];
        if (vn->op == OP_THETA)
            PERR(ps, BL_EDIM, oppos, opend,
                 "%s has %zu columns but theta has %zu entries: define dims theta=%zu",
                 m->matname, cols, lv, cols);
        else
            PERR(ps, BL_EDIM, oppos, opend,
                 "%s has %zu columns: %s*v needs v of length %zu, not %zu", m->matname,
                 cols, m->matname, cols, lv);
        return -1;
    }
    int k = emit(ps, OP_MATVEC, v->node, -1, m->mat->size1, m->pos, v->end);
    if (k < 0) return -1;
    ps->x->nd[k].mat = m->mat;
    if (m->scale >= 0) {
        size_t len = m->mat->size1;
        k = emit(ps, OP_MUL, m->scale, k, len, m->pos, v->end);
        if (k < 0) return -1;
    }
    *out = (pval){k, NULL, NULL, -1, m->pos, v->end};
    return 0;
}

static int parse_expr(parser *ps, pval *out);
static int parse_unary(parser *ps, pval *out);

static int expect(parser *ps, tkind k, const char *what, size_t openpos)
{
    if (ps->tok.k == k) return lex(ps);
    char buf[40];
    const char *found = tok_text(ps, buf, sizeof buf);
    if (k == T_RPAR && openpos != (size_t)-1)
        PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
             "expected ')' to close the '(' at column %zu, found %s",
             display_col(ps->src, openpos) + 1, found);
    else
        PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end, "expected %s, found %s", what, found);
    return -1;
}

static int apply_func(parser *ps, const fdesc *f, pval *args, int nargs, size_t pos,
                      size_t end, pval *out)
{
    for (int i = 0; i < nargs; i++)
        if (not_matrix(ps, &args[i])) return -1;
    int op = f->op, k;
    if (IS_UNARY(op)) {
        k = emit(ps, op, args[0].node, -1, vlen(ps, &args[0]), pos, end);
    } else if (IS_BINARY(op)) {
        if (elementwise(ps, op, &args[0], &args[1], pos, end, f->name, out)) return -1;
        ps->x->nd[out->node].pos = pos;
        ps->x->nd[out->node].end = end;
        out->pos = pos;
        out->end = end;
        return 0;
    } else if (op == OP_DOT) {
        size_t la = vlen(ps, &args[0]), lb = vlen(ps, &args[1]);
        if (la != lb) {
            PERR(ps, BL_EDIM, pos, end,
                 "dot needs two vectors of the same length, not %zu and %zu", la, lb);
            return -1;
        }
        k = emit(ps, op, args[0].node, args[1].node, 1, pos, end);
    } else {
        k = emit(ps, op, args[0].node, -1, 1, pos, end);
    }
    if (k < 0) return -1;
    *out = (pval){k, NULL, NULL, -1, pos, end};
    return 0;
}

/* The list of known names, for an unknown one. */
/* Appends S to BUF (SIZE bytes) unless it does not fit whole. */
static void append(char *buf, size_t size, const char *s)
{
    size_t l = strlen(buf), n = strlen(s);
    if (l + n + 1 > size) return;
    memcpy(buf + l, s, n + 1);
}

static void known_names(const parser *ps, char *buf, size_t size)
{
    buf[0] = '\0';
    append(buf, size, "variables theta omega");
    append(buf, size, ps->env->data ? " X y Xv yv pi" : " pi (X y Xv yv once data is loaded)");
    append(buf, size, "; functions");
    for (size_t i = 0; i < NFUNCS; i++) {
        append(buf, size, " ");
        append(buf, size, funcs[i].name);
    }
    if (ps->env->nparams) append(buf, size, "; parameters");
    for (size_t i = 0; i < ps->env->nparams; i++) {
        if (strlen(buf) + strlen(ps->env->params[i].name) + 6 >= size) {
            append(buf, size, " ...");
            break;
        }
        append(buf, size, " ");
        append(buf, size, ps->env->params[i].name);
    }
}

static const char *closest_name(const parser *ps, const char *name)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, len = strlen(name);
    size_t tol = len > 5 ? 2 : 1;
    for (size_t i = 0; i < NVARS + NFUNCS + ps->env->nparams; i++) {
        const char *c = i < NVARS ? varnames[i]
                        : i < NVARS + NFUNCS ? funcs[i - NVARS].name
                                             : ps->env->params[i - NVARS - NFUNCS].name;
        size_t dd = edit_distance(name, c);
        if (dd < bd) {
            bd = dd;
            best = c;
        }
    }
    return bd <= tol && bd < len ? best : NULL;
}

static int parse_name(parser *ps, pval *out)
{
    token t = ps->tok;
    const bl_expr_env *env = ps->env;
    if (lex(ps)) return -1;
    if (ps->tok.k == T_LPAR) {
        const fdesc *f = find_func(t.name);
        if (!f) {
            if (is_var_name(t.name)) {
                PERR(ps, BL_EINVAL, t.pos, t.end, "%s is not a function", t.name);
            } else {
                char list[256];
                size_t l = 0;
                list[0] = '\0';
                for (size_t i = 0; i < NFUNCS; i++)
                    l += (size_t)snprintf(list + l, sizeof list - l, "%s%s", i ? " " : "",
                                          funcs[i].name);
                const char *near = closest_name(ps, t.name);
                PERR(ps, BL_EINVAL, t.pos, t.end, "unknown function '%s'%s%s%s (functions: %s)",
                     t.name, near ? " (did you mean '" : "", near ? near : "",
                     near ? "'?)" : "", list);
            }
            return -1;
        }
        size_t open = ps->tok.pos;
        if (lex(ps)) return -1;
        pval args[4];
        int nargs = 0;
        if (ps->tok.k != T_RPAR) {
            for (;;) {
                pval a;
                if (parse_expr(ps, &a)) return -1;
                if (nargs < 4) args[nargs] = a;
                nargs++;
                if (ps->tok.k == T_COMMA) {
                    if (lex(ps)) return -1;
                    continue;
                }
                if (ps->tok.k != T_RPAR) {
                    char buf[40];
                    PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
                         "expected ',' or ')' in the arguments of %s (opened at column %zu), "
                         "found %s", t.name, display_col(ps->src, open) + 1,
                         tok_text(ps, buf, sizeof buf));
                    return -1;
                }
                break;
            }
        }
        size_t end = ps->tok.end;
        if (lex(ps)) return -1;
        if (nargs != f->nargs) {
            PERR(ps, BL_EINVAL, t.pos, end, "%s takes %d argument%s, not %d", f->name,
                 f->nargs, f->nargs == 1 ? "" : "s", nargs);
            return -1;
        }
        return apply_func(ps, f, args, nargs, t.pos, end, out);
    }
    if (find_func(t.name)) {
        PERR(ps, BL_EINVAL, t.pos, t.end, "%s is a function: write %s(...)", t.name, t.name);
        return -1;
    }
    *out = (pval){-1, NULL, NULL, -1, t.pos, t.end};
    if (!strcmp(t.name, "theta")) {
        out->node = 0;
        return 0;
    }
    if (!strcmp(t.name, "omega")) {
        out->node = 1;
        return 0;
    }
    if (!strcmp(t.name, "pi")) {
        out->node = emit_const(ps, M_PI, t.pos, t.end);
        return out->node < 0 ? -1 : 0;
    }
    int isX = !strcmp(t.name, "X"), isXv = !strcmp(t.name, "Xv");
    int isy = !strcmp(t.name, "y"), isyv = !strcmp(t.name, "yv");
    if (isX || isXv || isy || isyv) {
        const bl_dataset *ds = env->data;
        const void *what = !ds ? NULL : isX ? (const void *)ds->X : isXv ? (const void *)ds->Xv
                           : isy ? (const void *)ds->y : (const void *)ds->yv;
        if (!what && ds && ds->Xs) {
            PERR(ps, BL_EINVAL, t.pos, t.end, "%s: the data are sparse; expressions need "
                 "dense data (data load ... sparse=off)", t.name);
            return -1;
        }
        if (!what) {
            PERR(ps, BL_ENODATA, t.pos, t.end, "%s needs data: use 'data load' or "
                 "'data synth' first", t.name);
            return -1;
        }
        ps->x->uses_data = 1;
        if (isX || isXv) {
            out->mat = what;
            out->matname = isX ? "X" : "Xv";
            return 0;
        }
        const gsl_vector *yv = what;
        out->node = emit(ps, OP_CONST, -1, -1, yv->size, t.pos, t.end);
        if (out->node < 0) return -1;
        ps->x->nd[out->node].vsrc = yv;
        return 0;
    }
    for (size_t i = 0; i < env->nparams; i++)
        if (!strcmp(env->params[i].name, t.name)) {
            out->node = emit_const(ps, env->params[i].value, t.pos, t.end);
            return out->node < 0 ? -1 : 0;
        }
    char list[260];
    known_names(ps, list, sizeof list);
    const char *near = closest_name(ps, t.name);
    PERR(ps, BL_EINVAL, t.pos, t.end, "unknown name '%s'%s%s%s; known: %s", t.name,
         near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "", list);
    return -1;
}

static int parse_primary(parser *ps, pval *out)
{
    char buf[40];
    switch (ps->tok.k) {
    case T_NUM: {
        token t = ps->tok;
        if (lex(ps)) return -1;
        int k = emit_const(ps, t.num, t.pos, t.end);
        if (k < 0) return -1;
        *out = (pval){k, NULL, NULL, -1, t.pos, t.end};
        return 0;
    }
    case T_NAME:
        return parse_name(ps, out);
    case T_LPAR: {
        size_t open = ps->tok.pos;
        if (lex(ps)) return -1;
        if (parse_expr(ps, out)) return -1;
        size_t end = ps->tok.end;
        if (expect(ps, T_RPAR, "')'", open)) return -1;
        out->pos = open;
        out->end = end;
        return 0;
    }
    case T_END:
        PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
             "expected a number, a name or '(', but the expression ended");
        return -1;
    default:
        PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
             "expected a number, a name or '(', found %s", tok_text(ps, buf, sizeof buf));
        return -1;
    }
}

static int parse_postfix(parser *ps, pval *out)
{
    if (parse_primary(ps, out)) return -1;
    while (ps->tok.k == T_LBRK) {
        size_t open = ps->tok.pos;
        if (lex(ps)) return -1;
        token t = ps->tok;
        if (t.k != T_NUM || t.num != floor(t.num) || t.num > 9007199254740992.0) {
            char buf[40];
            PERR(ps, BL_EINVAL, t.pos, t.end,
                 "an index is a whole number like theta[0], found %s",
                 tok_text(ps, buf, sizeof buf));
            return -1;
        }
        if (lex(ps)) return -1;
        size_t end = ps->tok.end;
        if (ps->tok.k != T_RBRK) {
            char buf[40];
            PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
                 "expected ']' to close the '[' at column %zu, found %s",
                 display_col(ps->src, open) + 1, tok_text(ps, buf, sizeof buf));
            return -1;
        }
        if (lex(ps)) return -1;
        if (not_matrix(ps, out)) return -1;
        size_t len = vlen(ps, out), k = (size_t)t.num;
        if (k >= len) {
            const enode *n = &ps->x->nd[out->node];
            const char *nm = n->op == OP_THETA ? "theta" : n->op == OP_OMEGA ? "omega" : NULL;
            if (nm)
                PERR(ps, BL_EDIM, out->pos, end,
                     "index %zu is outside %s (%s ∈ R^%zu: indices 0..%zu)", k, nm,
                     n->op == OP_THETA ? "θ" : "ω", len, len - 1);
            else if (len == 1)
                PERR(ps, BL_EDIM, out->pos, end, "index %zu of a number (only [0] exists)", k);
            else
                PERR(ps, BL_EDIM, out->pos, end,
                     "index %zu is outside a vector of length %zu (indices 0..%zu)", k, len,
                     len - 1);
            return -1;
        }
        int node = emit(ps, OP_INDEX, out->node, -1, 1, out->pos, end);
        if (node < 0) return -1;
        ps->x->nd[node].k = k;
        out->node = node;
        out->end = end;
    }
    return 0;
}

static int parse_power(parser *ps, pval *out)
{
    if (parse_postfix(ps, out)) return -1;
    if (ps->tok.k == T_OP && ps->tok.c == '^') {
        size_t oppos = ps->tok.pos, opend = ps->tok.end;
        if (lex(ps)) return -1;
        pval r;
        if (parse_unary(ps, &r)) return -1;      /* right-associative: 2^-1, 2^3^2 */
        pval l = *out;
        enode *ln = !l.mat && l.node >= 0 ? &ps->x->nd[l.node] : NULL;
        enode *rn = !r.mat && r.node >= 0 ? &ps->x->nd[r.node] : NULL;
        if (ln && rn && ln->op == OP_NORM2 && rn->op == OP_CONST && !rn->vsrc
            && rn->len == 1 && rn->c == 2) {
            /* norm2(v)^2 is sumsq(v): the same value, and smooth at v = 0
             * where the chain rule through ‖v‖ would lose the Hessian 2I.
             * The norm2 node is the fresh result of the call just parsed,
             * used nowhere else. */
            ln->op = OP_SUMSQ;
            ln->end = r.end;
            out->end = r.end;
            return 0;
        }
        return elementwise(ps, OP_POW, &l, &r, oppos, opend, "^", out);
    }
    return 0;
}

static int parse_unary(parser *ps, pval *out)
{
    if (++ps->depth > MAX_DEPTH) {
        PERR(ps, BL_EINVAL, ps->tok.pos, ps->tok.end,
             "the expression is nested too deeply (more than %d levels)", MAX_DEPTH);
        return -1;
    }
    int st;
    if (ps->tok.k == T_OP && (ps->tok.c == '-' || ps->tok.c == '+')) {
        int neg = ps->tok.c == '-';
        size_t pos = ps->tok.pos;
        if (lex(ps)) return -1;
        st = parse_unary(ps, out);
        if (st == 0 && neg) {
            if (out->mat) {
                int k = out->scale >= 0
                            ? emit(ps, OP_NEG, out->scale, -1, 1, pos, out->end)
                            : emit_const(ps, -1.0, pos, out->end);
                if (k < 0) st = -1;
                out->scale = k;
            } else {
                int k = emit(ps, OP_NEG, out->node, -1, vlen(ps, out), pos, out->end);
                if (k < 0) st = -1;
                out->node = k;
            }
        }
        out->pos = pos;
    } else {
        st = parse_power(ps, out);
    }
    ps->depth--;
    return st;
}

static int parse_term(parser *ps, pval *out)
{
    if (parse_unary(ps, out)) return -1;
    while (ps->tok.k == T_OP && (ps->tok.c == '*' || ps->tok.c == '/')) {
        char c = ps->tok.c;
        size_t oppos = ps->tok.pos, opend = ps->tok.end;
        if (lex(ps)) return -1;
        pval r, l = *out;
        if (parse_unary(ps, &r)) return -1;
        if (l.mat && r.mat) {
            PERR(ps, BL_EINVAL, oppos, opend,
                 "%s%c%s: a product of two matrices is not supported", l.matname, c,
                 r.matname);
            return -1;
        }
        if (l.mat) {
            if (c == '*' && (vlen(ps, &r) != 1 || l.mat->size2 == 1)) {
                if (matvec(ps, &l, &r, oppos, opend, out)) return -1;
                continue;
            }
            if (vlen(ps, &r) != 1) {
                PERR(ps, BL_EINVAL, oppos, opend, "%s/v: a matrix can only be divided by a "
                     "number", l.matname);
                return -1;
            }
            /* a matrix times or over a number: fold it into the scale */
            int k;
            if (l.scale >= 0) k = emit(ps, c == '*' ? OP_MUL : OP_DIV, l.scale, r.node, 1,
                                       l.pos, r.end);
            else if (c == '*') k = r.node;
            else {
                int one = emit_const(ps, 1.0, l.pos, l.end);
                if (one < 0) return -1;
                k = emit(ps, OP_DIV, one, r.node, 1, l.pos, r.end);
            }
            if (k < 0) return -1;
            *out = l;
            out->scale = k;
            out->end = r.end;
            continue;
        }
        if (r.mat) {
            if (c == '/' || vlen(ps, &l) != 1) {
                PERR(ps, BL_EINVAL, oppos, opend,
                     "%s can only be multiplied by a number on its left, or by a vector on "
                     "its right (%s*v)", r.matname, r.matname);
                return -1;
            }
            int k = r.scale >= 0 ? emit(ps, OP_MUL, l.node, r.scale, 1, l.pos, r.end) : l.node;
            if (k < 0) return -1;
            *out = r;
            out->scale = k;
            out->pos = l.pos;
            continue;
        }
        if (elementwise(ps, c == '*' ? OP_MUL : OP_DIV, &l, &r, oppos, opend,
                        c == '*' ? "*" : "/", out))
            return -1;
    }
    return 0;
}

static int parse_expr(parser *ps, pval *out)
{
    if (parse_term(ps, out)) return -1;
    while (ps->tok.k == T_OP && (ps->tok.c == '+' || ps->tok.c == '-')) {
        char c = ps->tok.c;
        size_t oppos = ps->tok.pos, opend = ps->tok.end;
        if (lex(ps)) return -1;
        pval r, l = *out;
        if (parse_term(ps, &r)) return -1;
        if (elementwise(ps, c == '+' ? OP_ADD : OP_SUB, &l, &r, oppos, opend,
                        c == '+' ? "+" : "-", out))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------- evaluation */

static double sigmoid(double a)
{
    if (a >= 0) return 1.0 / (1.0 + exp(-a));
    double z = exp(a);
    return z / (1.0 + z);
}

static double softplus(double a)
{
    return a > 0 ? a + log1p(exp(-a)) : log1p(exp(a));
}

static double un_value(int op, double a)
{
    switch (op) {
    case OP_NEG: return -a;
    case OP_EXP: return exp(a);
    case OP_LOG: return log(a);
    case OP_LOG1P: return log1p(a);
    case OP_SQRT: return sqrt(a);
    case OP_SIN: return sin(a);
    case OP_COS: return cos(a);
    case OP_TANH: return tanh(a);
    case OP_SIGMOID: return sigmoid(a);
    case OP_SOFTPLUS: return softplus(a);
    case OP_ABS: return fabs(a);
    default: return NAN;
    }
}

/* f'(a) and f''(a) given a and r = f(a). */
static void un_partials(int op, double a, double r, double *g, double *h)
{
    double s;
    switch (op) {
    case OP_NEG: *g = -1; *h = 0; break;
    case OP_EXP: *g = r; *h = r; break;
    case OP_LOG: *g = 1 / a; *h = -1 / (a * a); break;
    case OP_LOG1P: *g = 1 / (1 + a); *h = -*g * *g; break;
    case OP_SQRT: *g = 0.5 / r; *h = -0.25 / (r * a); break;
    case OP_SIN: *g = cos(a); *h = -r; break;
    case OP_COS: *g = -sin(a); *h = -r; break;
    case OP_TANH: *g = 1 - r * r; *h = -2 * r * *g; break;
    case OP_SIGMOID: *g = r * (1 - r); *h = *g * (1 - 2 * r); break;
    case OP_SOFTPLUS: s = sigmoid(a); *g = s; *h = s * (1 - s); break;
    case OP_ABS: *g = a > 0 ? 1 : a < 0 ? -1 : 0; *h = 0; break;
    default: *g = *h = NAN;
    }
}

static double bin_value(int op, double a, double b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return b == 2 ? a * a : b == 1 ? a : pow(a, b);
    case OP_MIN: return b < a ? b : a;
    case OP_MAX: return b > a ? b : a;
    default: return NAN;
    }
}

/* First and second partial derivatives of a binary operation at (a, b)
 * with r its value. */
typedef struct bpart {
    double ga, gb, haa, hab, hbb;
} bpart;

static bpart bin_partials(int op, double a, double b, double r)
{
    bpart p = {0, 0, 0, 0, 0};
    switch (op) {
    case OP_ADD: p.ga = 1; p.gb = 1; break;
    case OP_SUB: p.ga = 1; p.gb = -1; break;
    case OP_MUL: p.ga = b; p.gb = a; p.hab = 1; break;
    case OP_DIV:
        p.ga = 1 / b;
        p.gb = -r / b;
        p.hab = -1 / (b * b);
        p.hbb = 2 * r / (b * b);
        break;
    case OP_POW:
        /* d/da: b a^(b−1), d²/da²: b(b−1) a^(b−2), written so that integer
         * powers at a = 0 stay finite (0^0 = 1). */
        p.ga = b == 0 ? 0 : b == 1 ? 1 : b == 2 ? 2 * a : b * pow(a, b - 1);
        p.haa = (b == 0 || b == 1) ? 0 : b == 2 ? 2 : b * (b - 1) * pow(a, b - 2);
        if (a > 0) {
            double la = log(a);
            p.gb = r * la;
            p.hab = pow(a, b - 1) * (1 + b * la);
            p.hbb = r * la * la;
        } else if (a == 0 && b > 0) {
            p.gb = 0;
            p.hab = b > 1 ? 0 : NAN;
            p.hbb = 0;
        } else {
            p.gb = p.hab = p.hbb = NAN;   /* a^b with a < 0 is not smooth in b */
        }
        break;
    case OP_MIN: p.ga = b < a ? 0 : 1; p.gb = 1 - p.ga; break;
    case OP_MAX: p.ga = b > a ? 0 : 1; p.gb = 1 - p.ga; break;
    default: p.ga = p.gb = NAN;
    }
    return p;
}

static gsl_vector_view vview(double *v, size_t n) { return gsl_vector_view_array(v, n); }


/* Value of node N from its children. */
static void fwd_one(bl_expr *x, enode *n)
{
    const enode *A = n->a >= 0 ? &x->nd[n->a] : NULL;
    const enode *B = n->b >= 0 ? &x->nd[n->b] : NULL;
    size_t len = n->len;
    switch (n->op) {
    case OP_THETA: case OP_OMEGA:
        return;
    case OP_CONST:
        if (n->vsrc)
            for (size_t i = 0; i < len; i++) n->v[i] = gsl_vector_get(n->vsrc, i);
        else
            n->v[0] = n->c;
        return;
    case OP_INDEX:
        n->v[0] = A->v[n->k];
        return;
    case OP_MATVEC: {
        gsl_vector_const_view a = gsl_vector_const_view_array(A->v, A->len);
        gsl_vector_view o = vview(n->v, len);
        gsl_blas_dgemv(CblasNoTrans, 1.0, n->mat, &a.vector, 0.0, &o.vector);
        return;
    }
    case OP_SUM: case OP_MEAN: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) s += A->v[i];
        n->v[0] = n->op == OP_MEAN ? s / (double)A->len : s;
        return;
    }
    case OP_NORM2: {            /* ‖a‖, scaled by BLAS against overflow */
        gsl_vector_const_view a = gsl_vector_const_view_array(A->v, A->len);
        n->v[0] = gsl_blas_dnrm2(&a.vector);
        return;
    }
    case OP_SUMSQ: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) s += A->v[i] * A->v[i];
        n->v[0] = s;
        return;
    }
    case OP_DOT: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) s += A->v[i] * B->v[i];
        n->v[0] = s;
        return;
    }
    default:
        break;
    }
    if (IS_UNARY(n->op)) {
        for (size_t i = 0; i < len; i++) n->v[i] = un_value(n->op, A->v[i]);
    } else {
        int sa = A->len > 1, sb = B->len > 1;
        for (size_t i = 0; i < len; i++)
            n->v[i] = bin_value(n->op, A->v[sa ? i : 0], B->v[sb ? i : 0]);
    }
}

/* Tangent of node N (a var node) from its children's tangents.  The
 * tangent of a node that is not var is zero and never read. */
static void tan_one(bl_expr *x, enode *n)
{
    const enode *A = n->a >= 0 ? &x->nd[n->a] : NULL;
    const enode *B = n->b >= 0 ? &x->nd[n->b] : NULL;
    size_t len = n->len;
    switch (n->op) {
    case OP_THETA: case OP_OMEGA: case OP_CONST:
        return;
    case OP_INDEX:
        n->t[0] = A->t[n->k];
        return;
    case OP_MATVEC: {
        gsl_vector_const_view a = gsl_vector_const_view_array(A->t, A->len);
        gsl_vector_view o = vview(n->t, len);
        gsl_blas_dgemv(CblasNoTrans, 1.0, n->mat, &a.vector, 0.0, &o.vector);
        return;
    }
    case OP_SUM: case OP_MEAN: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) s += A->t[i];
        n->t[0] = n->op == OP_MEAN ? s / (double)A->len : s;
        return;
    }
    case OP_NORM2: {            /* d‖a‖ = aᵀda/‖a‖; 0 at a = 0 (doc/expressions.md) */
        double s = 0, r = n->v[0];
        if (r > 0)
            for (size_t i = 0; i < A->len; i++) s += A->v[i] * A->t[i];
        n->t[0] = r > 0 ? s / r : 0;
        return;
    }
    case OP_SUMSQ: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) s += 2 * A->v[i] * A->t[i];
        n->t[0] = s;
        return;
    }
    case OP_DOT: {
        double s = 0;
        for (size_t i = 0; i < A->len; i++) {
            if (A->var) s += A->t[i] * B->v[i];
            if (B->var) s += A->v[i] * B->t[i];
        }
        n->t[0] = s;
        return;
    }
    default:
        break;
    }
    if (IS_UNARY(n->op)) {
        for (size_t i = 0; i < len; i++) {
            double g, h;
            un_partials(n->op, A->v[i], n->v[i], &g, &h);
            n->t[i] = A->t[i] == 0 ? 0 : g * A->t[i];
        }
    } else {
        int sa = A->len > 1, sb = B->len > 1;
        for (size_t i = 0; i < len; i++) {
            size_t ia = sa ? i : 0, ib = sb ? i : 0;
            bpart p = bin_partials(n->op, A->v[ia], B->v[ib], n->v[i]);
            double t = 0;
            if (A->var && A->t[ia] != 0) t += p.ga * A->t[ia];
            if (B->var && B->t[ib] != 0) t += p.gb * B->t[ib];
            n->t[i] = t;
        }
    }
}

/* Adds node N's adjoint (and, when SECOND, the tangent of its adjoint)
 * into its var children.  Products with a zero adjoint are skipped, so
 * that a branch that does not reach the result (min, max, a zero weight)
 * cannot turn the derivative into NaN through 0·∞. */
static void rev_one(bl_expr *x, enode *n, int second)
{
    enode *A = n->a >= 0 ? &x->nd[n->a] : NULL;
    enode *B = n->b >= 0 ? &x->nd[n->b] : NULL;
    size_t len = n->len;
    int va = A && A->var, vb = B && B->var;
    if (!va && !vb) return;
    switch (n->op) {
    case OP_INDEX:
        A->w[n->k] += n->w[0];
        if (second) A->u[n->k] += n->u[0];
        return;
    case OP_MATVEC: {
        gsl_vector_const_view w = gsl_vector_const_view_array(n->w, len);
        gsl_vector_view aw = vview(A->w, A->len);
        gsl_blas_dgemv(CblasTrans, 1.0, n->mat, &w.vector, 1.0, &aw.vector);
        if (second) {
            gsl_vector_const_view u = gsl_vector_const_view_array(n->u, len);
            gsl_vector_view au = vview(A->u, A->len);
            gsl_blas_dgemv(CblasTrans, 1.0, n->mat, &u.vector, 1.0, &au.vector);
        }
        return;
    }
    case OP_SUM: case OP_MEAN: {
        double s = n->op == OP_MEAN ? 1.0 / (double)A->len : 1.0;
        double w = n->w[0] * s, u = second ? n->u[0] * s : 0;
        for (size_t i = 0; i < A->len; i++) {
            A->w[i] += w;
            if (second) A->u[i] += u;
        }
        return;
    }
    case OP_NORM2: {
        /* ∇‖a‖ = a/r and ∇²‖a‖ = (I − a aᵀ/r²)/r with r = ‖a‖ > 0; at a = 0,
         * where ‖a‖ is not differentiable, the subgradient 0 and a zero
         * second derivative (doc/expressions.md "norm2 and sumsq"). */
        double w = n->w[0], u = second ? n->u[0] : 0, r = n->v[0];
        if (!(r > 0)) return;
        double rt = second ? n->t[0] : 0;          /* aᵀt/r */
        for (size_t i = 0; i < A->len; i++) {
            double gi = A->v[i] / r;
            A->w[i] += w * gi;
            if (second) A->u[i] += u * gi + w * (A->t[i] - gi * rt) / r;
        }
        return;
    }
    case OP_SUMSQ: {
        double w = n->w[0], u = second ? n->u[0] : 0;
        for (size_t i = 0; i < A->len; i++) {
            A->w[i] += 2 * A->v[i] * w;
            if (second) A->u[i] += 2 * A->v[i] * u + 2 * A->t[i] * w;
        }
        return;
    }
    case OP_DOT: {
        double w = n->w[0], u = second ? n->u[0] : 0;
        for (size_t i = 0; i < A->len; i++) {
            if (va) {
                A->w[i] += w * B->v[i];
                if (second) A->u[i] += u * B->v[i] + (vb ? w * B->t[i] : 0);
            }
            if (vb) {
                B->w[i] += w * A->v[i];
                if (second) B->u[i] += u * A->v[i] + (va ? w * A->t[i] : 0);
            }
        }
        return;
    }
    default:
        break;
    }
    if (IS_UNARY(n->op)) {
        for (size_t i = 0; i < len; i++) {
            double w = n->w[i], u = second ? n->u[i] : 0;
            if (w == 0 && u == 0) continue;
            double g, h;
            un_partials(n->op, A->v[i], n->v[i], &g, &h);
            if (w != 0) A->w[i] += w * g;
            if (second) {
                double du = 0;
                if (u != 0) du += u * g;
                if (w != 0 && A->t[i] != 0) du += w * h * A->t[i];
                A->u[i] += du;
            }
        }
        return;
    }
    int sa = A->len > 1, sb = B->len > 1;
    for (size_t i = 0; i < len; i++) {
        double w = n->w[i], u = second ? n->u[i] : 0;
        if (w == 0 && u == 0) continue;
        size_t ia = sa ? i : 0, ib = sb ? i : 0;
        bpart p = bin_partials(n->op, A->v[ia], B->v[ib], n->v[i]);
        double ta = va ? A->t[ia] : 0, tb = vb ? B->t[ib] : 0;
        if (va) {
            if (w != 0) A->w[ia] += w * p.ga;
            if (second) {
                double du = 0;
                if (u != 0) du += u * p.ga;
                if (w != 0) {
                    if (ta != 0) du += w * p.haa * ta;
                    if (tb != 0) du += w * p.hab * tb;
                }
                A->u[ia] += du;
            }
        }
        if (vb) {
            if (w != 0) B->w[ib] += w * p.gb;
            if (second) {
                double du = 0;
                if (u != 0) du += u * p.gb;
                if (w != 0) {
                    if (ta != 0) du += w * p.hab * ta;
                    if (tb != 0) du += w * p.hbb * tb;
                }
                B->u[ib] += du;
            }
        }
    }
}

static void load_inputs(bl_expr *x, const gsl_vector *th, const gsl_vector *om)
{
    for (size_t i = 0; i < x->p; i++) x->nd[0].v[i] = gsl_vector_get(th, i);
    for (size_t i = 0; i < x->d; i++) x->nd[1].v[i] = gsl_vector_get(om, i);
}

static void forward(bl_expr *x)
{
    for (size_t k = 2; k < x->n; k++)
        if (x->nd[k].var) fwd_one(x, &x->nd[k]);
}

static void reverse(bl_expr *x, int second)
{
    for (size_t k = 0; k < x->n; k++) {
        enode *n = &x->nd[k];
        if (!n->var) continue;
        memset(n->w, 0, n->len * sizeof *n->w);
        if (second) memset(n->u, 0, n->len * sizeof *n->u);
    }
    enode *r = &x->nd[x->root];
    if (!r->var) return;
    r->w[0] = 1.0;
    for (size_t k = (size_t)x->root + 1; k-- > 0;) {
        enode *n = &x->nd[k];
        if (n->var) rev_one(x, n, second);
    }
}

double bl_expr_value(bl_expr *x, const gsl_vector *th, const gsl_vector *om)
{
    load_inputs(x, th, om);
    forward(x);
    return x->nd[x->root].v[0];
}

double bl_expr_grad(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                    gsl_vector *gth, gsl_vector *gom)
{
    double val = bl_expr_value(x, th, om);
    reverse(x, 0);
    if (gth)
        for (size_t i = 0; i < x->p; i++) gsl_vector_set(gth, i, x->nd[0].w[i]);
    if (gom)
        for (size_t i = 0; i < x->d; i++) gsl_vector_set(gom, i, x->nd[1].w[i]);
    return val;
}

void bl_expr_hess_dir(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                      const gsl_vector *vth, const gsl_vector *vom, gsl_vector *hth,
                      gsl_vector *hom)
{
    load_inputs(x, th, om);
    forward(x);
    for (size_t i = 0; i < x->p; i++) x->nd[0].t[i] = vth ? gsl_vector_get(vth, i) : 0.0;
    for (size_t i = 0; i < x->d; i++) x->nd[1].t[i] = vom ? gsl_vector_get(vom, i) : 0.0;
    for (size_t k = 2; k < x->n; k++)
        if (x->nd[k].var) tan_one(x, &x->nd[k]);
    reverse(x, 1);
    if (hth)
        for (size_t i = 0; i < x->p; i++) gsl_vector_set(hth, i, x->nd[0].u[i]);
    if (hom)
        for (size_t i = 0; i < x->d; i++) gsl_vector_set(hom, i, x->nd[1].u[i]);
}

/* ------------------------------------------------------ domain errors */

static const char *op_name(int op)
{
    for (size_t i = 0; i < NFUNCS; i++)
        if (funcs[i].op == op) return funcs[i].name;
    switch (op) {
    case OP_NEG: return "-";
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MATVEC: return "matrix product";
    default: return "operation";
    }
}

/* Describes why element I of node N is not finite, its inputs being
 * finite. */
static void describe_domain(const bl_expr *x, const enode *n, size_t i, char *buf,
                            size_t size)
{
    const enode *A = n->a >= 0 ? &x->nd[n->a] : NULL;
    const enode *B = n->b >= 0 ? &x->nd[n->b] : NULL;
    double a = A ? A->v[A->len > 1 ? i : 0] : 0;
    double b = B ? B->v[B->len > 1 ? i : 0] : 0;
    switch (n->op) {
    case OP_LOG:
        snprintf(buf, size, a < 0 ? "log of a negative number, log(%.6g)"
                 : "log of zero, log(%.6g)", a);
        return;
    case OP_LOG1P:
        snprintf(buf, size, "log1p of a number %s -1, log1p(%.6g)", a < -1 ? "below" : "equal to",
                 a);
        return;
    case OP_SQRT:
        snprintf(buf, size, "sqrt of a negative number, sqrt(%.6g)", a);
        return;
    case OP_EXP:
        snprintf(buf, size, "exp overflows, exp(%.6g)", a);
        return;
    case OP_DIV:
        if (b == 0) snprintf(buf, size, "division by zero, %.6g/0", a);
        else snprintf(buf, size, "the quotient overflows, %.6g/%.6g", a, b);
        return;
    case OP_POW:
        if (a < 0 && b != floor(b))
            snprintf(buf, size, "a negative number to a non-integer power, (%.6g)^%.6g", a, b);
        else if (a == 0 && b < 0)
            snprintf(buf, size, "zero to a negative power, 0^%.6g", b);
        else
            snprintf(buf, size, "the power overflows, (%.6g)^%.6g", a, b);
        return;
    case OP_SUM: case OP_MEAN: case OP_NORM2: case OP_SUMSQ: case OP_DOT: case OP_MATVEC:
        snprintf(buf, size, "%s overflows", op_name(n->op));
        return;
    default:
        snprintf(buf, size, "'%s' gives %g", op_name(n->op), n->v[i]);
        return;
    }
}

/* The first node (in evaluation order) with a non-finite entry, among
 * those computed from θ and ω (VAR 1) or the constant ones (VAR 0). */
static int domain_check(const bl_expr *x, int var, const char *where, bl_err *e)
{
    for (size_t k = 2; k < x->n; k++) {
        const enode *n = &x->nd[k];
        if (n->var != var) continue;
        for (size_t i = 0; i < n->len; i++)
            if (!isfinite(n->v[i])) {
                char why[200];
                describe_domain(x, n, i, why, sizeof why);
                if (n->len > 1)
                    snprintf(why + strlen(why), sizeof why - strlen(why), " in entry %zu", i);
                expr_error(e, BL_EINVAL, x->label, x->text, n->pos, n->end, "%s%s%s", why,
                           where && *where ? " " : "", where ? where : "");
                return BL_EINVAL;
            }
    }
    return BL_OK;
}

int bl_expr_check(bl_expr *x, const gsl_vector *th, const gsl_vector *om,
                  const char *where, double *value, bl_err *e)
{
    for (size_t i = 0; i < x->p; i++)
        if (!isfinite(gsl_vector_get(th, i))) {
            bl_err_set(e, BL_EINVAL, "%s%sθ[%zu] is not finite", x->label,
                       *x->label ? ": " : "", i);
            return BL_EINVAL;
        }
    for (size_t i = 0; i < x->d; i++)
        if (!isfinite(gsl_vector_get(om, i))) {
            bl_err_set(e, BL_EINVAL, "%s%sω[%zu] is not finite", x->label,
                       *x->label ? ": " : "", i);
            return BL_EINVAL;
        }
    double v = bl_expr_value(x, th, om);
    int st = domain_check(x, 1, where, e);
    if (value) *value = v;
    return st;
}

/* --------------------------------------------------------- compiling */

void bl_expr_free(bl_expr *x)
{
    if (!x) return;
    free(x->nd);
    free(x->text);
    free(x->pool);
    free(x);
}

const char *bl_expr_text(const bl_expr *x) { return x->text; }
size_t bl_expr_nodes(const bl_expr *x) { return x->n; }
int bl_expr_uses_data(const bl_expr *x) { return x->uses_data; }

/* Gives every node its arrays and computes the constant ones. */
static int finish(bl_expr *x, bl_err *e)
{
    size_t total = 0;
    for (size_t k = 0; k < x->n; k++) {
        const enode *n = &x->nd[k];
        size_t m = n->var ? 4 : 1;
        if (n->len > (SIZE_MAX / sizeof(double) - total) / m) goto nomem;
        total += m * n->len;
    }
    x->pool = calloc(total ? total : 1, sizeof *x->pool);
    if (!x->pool) goto nomem;
    double *p = x->pool;
    for (size_t k = 0; k < x->n; k++) {
        enode *n = &x->nd[k];
        n->v = p;
        p += n->len;
        if (n->var) {
            n->t = p;
            p += n->len;
            n->w = p;
            p += n->len;
            n->u = p;
            p += n->len;
        }
    }
    for (size_t k = 2; k < x->n; k++)
        if (!x->nd[k].var) fwd_one(x, &x->nd[k]);
    return domain_check(x, 0, "in a constant part", e);
nomem:
    bl_err_set(e, BL_ENOMEM, "out of memory for the tape of the expression");
    return BL_ENOMEM;
}

int bl_expr_compile(const char *text, const bl_expr_env *env, const char *label,
                    bl_expr **out, bl_err *e)
{
    *out = NULL;
    if (!text) text = "";
    if (!env || env->p == 0 || env->d == 0) {
        bl_err_set(e, BL_EINVAL, "%s%sthe dimensions are not set: define dims theta=P omega=D",
                   label ? label : "", label ? ": " : "");
        return BL_EINVAL;
    }
    bl_expr *x = calloc(1, sizeof *x);
    if (!x || !(x->text = strdup(text))) {
        free(x);
        bl_err_set(e, BL_ENOMEM, "out of memory compiling the expression");
        return BL_ENOMEM;
    }
    snprintf(x->label, sizeof x->label, "%s", label ? label : "");
    x->p = env->p;
    x->d = env->d;
    parser ps = {.src = x->text, .len = strlen(x->text), .env = env, .x = x, .e = e,
                 .label = x->label};
    bl_err local = {0, ""};
    if (!e) ps.e = &local;
    int st = BL_EINVAL;
    pval r;
    if (emit(&ps, OP_THETA, -1, -1, env->p, 0, 0) < 0
        || emit(&ps, OP_OMEGA, -1, -1, env->d, 0, 0) < 0)
        goto fail;
    if (lex(&ps)) goto fail;
    if (ps.tok.k == T_END) {
        PERR(&ps, BL_EINVAL, 0, 0, "the expression is empty");
        goto fail;
    }
    if (parse_expr(&ps, &r)) goto fail;
    if (ps.tok.k != T_END) {
        char buf[40];
        if (ps.tok.k == T_RPAR)
            PERR(&ps, BL_EINVAL, ps.tok.pos, ps.tok.end, "unmatched ')'");
        else
            PERR(&ps, BL_EINVAL, ps.tok.pos, ps.tok.end,
                 "expected an operator (+ - * / ^) or the end, found %s",
                 tok_text(&ps, buf, sizeof buf));
        goto fail;
    }
    if (not_matrix(&ps, &r)) goto fail;
    if (x->nd[r.node].len != 1) {
        PERR(&ps, BL_EDIM, r.pos, r.end,
             "the expression is a vector of length %zu, not a number: reduce it with "
             "sum, mean, dot, sumsq or norm2", x->nd[r.node].len);
        goto fail;
    }
    x->root = r.node;
    st = finish(x, ps.e);
    if (st) goto fail;
    *out = x;
    return BL_OK;
fail:
    if (ps.e->code == 0) bl_err_set(ps.e, BL_EINVAL, "invalid expression");
    st = ps.e->code ? ps.e->code : BL_EINVAL;
    if (st > 0) st = BL_EINVAL;
    bl_expr_free(x);
    return st;
}

/* ------------------------------------------------------- definitions */

bl_expr_def *bl_expr_def_new(void) { return calloc(1, sizeof(bl_expr_def)); }

void bl_expr_def_free(bl_expr_def *def)
{
    if (!def) return;
    free(def->inner);
    free(def->outer);
    free(def);
}

bl_expr_def *bl_expr_def_copy(const bl_expr_def *def)
{
    bl_expr_def *c = bl_expr_def_new();
    if (!c || !def) return c;
    *c = *def;
    c->inner = c->outer = NULL;
    if ((def->inner && !(c->inner = strdup(def->inner)))
        || (def->outer && !(c->outer = strdup(def->outer)))) {
        bl_expr_def_free(c);
        return NULL;
    }
    return c;
}

int bl_expr_def_set_text(bl_expr_def *def, int which, const char *text)
{
    char *s = strdup(text ? text : "");
    if (!s) return BL_ENOMEM;
    char **slot = which ? &def->outer : &def->inner;
    free(*slot);
    *slot = s;
    return BL_OK;
}

int bl_expr_def_set_param(bl_expr_def *def, const char *name, double value, bl_err *e)
{
    if (bl_expr_param_name_ok(name, e)) return BL_EINVAL;
    if (!isfinite(value)) {
        bl_err_set(e, BL_EINVAL, "parameter %s must be finite", name);
        return BL_EINVAL;
    }
    for (size_t i = 0; i < def->nparams; i++)
        if (!strcmp(def->params[i].name, name)) {
            def->params[i].value = value;
            return BL_OK;
        }
    if (def->nparams >= BL_EXPR_MAXPARAMS) {
        bl_err_set(e, BL_EINVAL, "at most %d parameters", BL_EXPR_MAXPARAMS);
        return BL_EINVAL;
    }
    snprintf(def->params[def->nparams].name, BL_EXPR_NAMELEN, "%s", name);
    def->params[def->nparams].value = value;
    def->nparams++;
    return BL_OK;
}

int bl_expr_def_complete(const bl_expr_def *def)
{
    return def && def->p > 0 && def->d > 0 && def->inner && def->outer;
}

void bl_expr_def_env(const bl_expr_def *def, const bl_dataset *data, bl_expr_env *env)
{
    env->p = def->p;
    env->d = def->d;
    env->data = data;
    env->params = def->params;
    env->nparams = def->nparams;
}
