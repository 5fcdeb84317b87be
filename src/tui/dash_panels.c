/* dash_panels.c: the dashboard's drawing: text that fits the terminal
 * (UTF-8 or ASCII), the panels (inner, adjoint, outer, hypergradient,
 * surface), the header, the footer and the overlay.  Panels only read
 * the session and the model. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_blas.h>

#include "dash_int.h"
#include "output.h"
#include "plot.h"

/* ---- text ---- */

size_t dash_utf8_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    for (size_t i = 1; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return len;
}

/* ASCII for the symbols bilab prints, on a terminal that is not UTF-8. */
static const char *translit(const char *s, size_t len)
{
    static const char *const tab[][2] = {
        {"‖", "|"}, {"∇", "d"}, {"θ", "th"}, {"ω", "w"}, {"η", "eta"}, {"λ", "l"},
        {"κ", "k"}, {"→", "->"}, {"←", "<-"}, {"↑", "^"}, {"↓", "v"}, {"…", "..."},
        {"≤", "<="}, {"≥", ">="}, {"·", "."}, {"−", "-"}, {"×", "x"}, {"ᵀ", "'"},
        {"²", "^2"}, {"√", "sqrt"}, {"∈", "in"}, {"Σ", "sum"}, {"µ", "u"},
        {"│", "|"}, {"─", "-"}, {"▶", ">"}, {"❚", "|"}, {"●", "@"}, {"•", "o"},
        {"⁻", "^-"}, {"¹", "1"}, {"₀", "0"}, {"ₖ", "k"}, {"α", "a"}, {"β", "b"},
        {"Λ", "L"}, {"σ", "s"}, {"ℓ", "l"}, {"‑", "-"}, {"–", "-"}, {"—", "-"},
        {"’", "'"}, {"“", "\""}, {"”", "\""}, {"└", "+"}, {"┌", "+"}, {"▸", ">"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strlen(tab[i][0]) == len && memcmp(tab[i][0], s, len) == 0) return tab[i][1];
    return "?";
}

/* Writes S at (Y, X) in at most W columns; returns the columns used. */
static int put(bl_dash *D, int y, int x, int w, attr_t a, const char *s)
{
    char buf[2048];
    size_t k = 0;
    int cols = 0;
    if (w <= 0 || y < 0 || y >= D->rows || x >= D->cols) return 0;
    if (x + w > D->cols) w = D->cols - x;
    while (*s && cols < w && k + 16 < sizeof buf) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80) {
            buf[k++] = c < 32 || c == 127 ? ' ' : (char)c;
            cols++;
            s++;
            continue;
        }
        size_t len = dash_utf8_len(s);
        if (D->unicode && len > 1) {
            memcpy(buf + k, s, len);
            k += len;
            cols++;
        } else {
            const char *t = len > 1 ? translit(s, len) : "?";
            size_t tl = strlen(t);
            if (cols + (int)tl > w) break;
            memcpy(buf + k, t, tl);
            k += tl;
            cols += (int)tl;
        }
        s += len;
    }
    buf[k] = '\0';
    attr_t old;
    short pair;
    attr_get(&old, &pair, NULL);
    attrset(a);
    mvaddstr(y, x, buf);
    attr_set(old, pair, NULL);
    return cols;
}

static int putf(bl_dash *D, int y, int x, int w, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int putf(bl_dash *D, int y, int x, int w, attr_t a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return put(D, y, x, w, a, buf);
}

static int text_width(const bl_dash *D, const char *s)
{
    int w = 0;
    while (*s) {
        size_t len = dash_utf8_len(s);
        w += D->unicode || len == 1 ? 1 : (int)strlen(translit(s, len));
        s += len;
    }
    return w;
}

/* A colour attribute, or MONO on a terminal without colours. */
static attr_t style(const bl_dash *D, int pair, attr_t extra, attr_t mono)
{
    return D->color ? (attr_t)COLOR_PAIR(pair) | extra : mono;
}

/* ---- drawing: canvases ---- */

/* A canvas of the kind the terminal shows: braille, or three ASCII dots
 * a cell. */
static bl_canvas *cv_new(bl_dash *D, int w, int h)
{
    bl_canvas_init(&D->cv, D->unicode ? BL_CANVAS_BRAILLE : BL_CANVAS_ASCII3, w, h);
    return &D->cv;
}

static void cv_render(bl_dash *D, const bl_canvas *c, int y0, int x0, attr_t a)
{
    char buf[4];
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            const char *s = bl_canvas_text(c, x, y, buf);
            if (s) put(D, y0 + y, x0 + x, 1, a, s);
        }
}

/* A label of a log axis: the decade, or two digits inside one decade. */
static void fmt_short(char *buf, size_t len, double v, int fine)
{
    if (!isfinite(v)) snprintf(buf, len, "%s", isnan(v) ? "-" : v > 0 ? "inf" : "-inf");
    else snprintf(buf, len, fine ? "%.2g" : "%.0e", v);
}

/* V[0..n-1] on a log scale over X[0..n-1] (NULL: over the iterations),
 * in R; the decades of the extremes on the left.  Non-positive values are
 * left out.  Returns the columns of the labels (the plot starts there). */
static int draw_logplot_x(bl_dash *D, rect r, const double *xs, const double *v, size_t n,
                          attr_t a)
{
    int lw = 6;
    if (r.h < 1 || r.w < lw + 6) return lw;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > 0) {
            lo = fmin(lo, log10(v[i]));
            hi = fmax(hi, log10(v[i]));
        }
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    if (!(lo <= hi)) {
        put(D, r.y, r.x + lw, r.w - lw, dim, n ? "(no positive values)" : "");
        return lw;
    }
    double x0 = xs && n ? xs[0] : 0, x1 = xs && n ? xs[n - 1] : (double)n - 1;
    if (!(x1 > x0)) x1 = x0 + 1;
    if (hi - lo < 1e-9) {
        lo -= 0.5;
        hi += 0.5;
    }
    char top[32], bot[32];
    int fine = hi - lo < 1;
    fmt_short(top, sizeof top, pow(10, hi), fine);
    fmt_short(bot, sizeof bot, pow(10, lo), fine);
    if ((int)strlen(top) + 1 > lw) lw = (int)strlen(top) + 1;
    if ((int)strlen(bot) + 1 > lw) lw = (int)strlen(bot) + 1;
    put(D, r.y, r.x, lw, dim, top);
    if (r.h > 1) put(D, r.y + r.h - 1, r.x, lw, dim, bot);
    bl_canvas *c = cv_new(D, r.w - lw, r.h);
    int px = -1, py = -1;
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(v[i]) && v[i] > 0)) {
            px = -1;
            continue;
        }
        double xi = xs ? xs[i] : (double)i;
        int x = n == 1 ? 0 : (int)floor((xi - x0) * (c->W - 1) / (x1 - x0) + 0.5);
        int y = c->H - 1 - (int)floor((log10(v[i]) - lo) / (hi - lo) * (c->H - 1) + 0.5);
        if (px >= 0) bl_canvas_line(c, px, py, x, y, 0);
        else bl_canvas_dot(c, x, y, 0);
        px = x;
        py = y;
    }
    cv_render(D, c, r.y, r.x + lw, a);
    return lw;
}

static void draw_logplot(bl_dash *D, rect r, const double *v, size_t n, attr_t a)
{
    draw_logplot_x(D, r, NULL, v, n, a);
}

/* One row of bars: V over the iterations (log scale when every value is
 * positive and they span more than two decades). */
static void draw_spark(bl_dash *D, int y, int x, int w, const double *v, size_t n, attr_t a)
{
    static const char *const uni[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    static const char asc[] = "._-~=+*#";
    if (w <= 0 || n == 0) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (!(lo <= hi)) return;
    int logs = lo > 0 && hi / lo > 100;
    double l0 = logs ? log10(lo) : lo, l1 = logs ? log10(hi) : hi;
    for (size_t cx = 0; cx < (size_t)w; cx++) {
        /* each value a bar of equal width, or the last of each bin */
        size_t i = n <= (size_t)w ? cx * n / (size_t)w : (cx + 1) * n / (size_t)w - 1;
        if (!isfinite(v[i])) continue;
        double t = l1 > l0 ? ((logs ? log10(v[i]) : v[i]) - l0) / (l1 - l0) : 0.5;
        int k = (int)floor(t * 7 + 0.5);
        k = k < 0 ? 0 : k > 7 ? 7 : k;
        char s[2] = {asc[k], '\0'};
        put(D, y, x + (int)cx, 1, a, D->unicode ? uni[k] : s);
    }
}

/* ---- drawing: panels ---- */

static void draw_box(bl_dash *D, rect r, const char *title, attr_t ta)
{
    if (r.h < 2 || r.w < 4) return;
    mvhline(r.y, r.x + 1, ACS_HLINE, r.w - 2);
    mvhline(r.y + r.h - 1, r.x + 1, ACS_HLINE, r.w - 2);
    mvvline(r.y + 1, r.x, ACS_VLINE, r.h - 2);
    mvvline(r.y + 1, r.x + r.w - 1, ACS_VLINE, r.h - 2);
    mvaddch(r.y, r.x, ACS_ULCORNER);
    mvaddch(r.y, r.x + r.w - 1, ACS_URCORNER);
    mvaddch(r.y + r.h - 1, r.x, ACS_LLCORNER);
    mvaddch(r.y + r.h - 1, r.x + r.w - 1, ACS_LRCORNER);
    char t[256];
    snprintf(t, sizeof t, " %s ", title);
    put(D, r.y, r.x + 2, r.w - 4, ta, t);
}

static rect inside(rect r)
{
    return (rect){r.y + 1, r.x + 1, r.h - 2, r.w - 2};
}

static attr_t title_attr(const bl_dash *D, int pair)
{
    return style(D, pair, A_BOLD, A_BOLD);
}

/* A panel's first line: WIDE when it fits, else NARROW (three strings,
 * C may be NULL). */
static void summary(bl_dash *D, rect in, const char *wide, const char *narrow, const char *a,
                    const char *b, const char *c)
{
    char line[512];
    snprintf(line, sizeof line, wide, a, b, c ? c : "");
    if (text_width(D, line) > in.w) snprintf(line, sizeof line, narrow, a, b, c ? c : "");
    put(D, in.y, in.x, in.w, A_BOLD, line);
}

static void draw_inner(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[320], a[64], b[64];
    int dg = bl_session_digits(S);
    const char *name = D->inner_live ? D->inner_name : S->set[BL_S_INNER_SOLVER].str;
    snprintf(t, sizeof t, "inner %s · it %zu", name, D->inner_live ? D->inner_iters : (size_t)0);
    draw_box(D, r, t, title_attr(D, C_INNER));
    rect in = inside(r);
    if (in.h < 1) return;
    double G = D->inner_live ? D->inner_value : D->G, res = D->inner_live ? D->inner_resid : D->gres;
    bl_out_fmt(a, sizeof a, G, dg);
    bl_out_fmt(b, sizeof b, res, dg);
    summary(D, in, "G = %s  ‖∇θG‖ = %s", "G=%s ‖∇θG‖=%s", a, b, NULL);
    attr_t ca = style(D, C_INNER, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (!D->inner_live) {
        put(D, in.y + 1, in.x, in.w, dim, D->ih.n ? "θ or ω moved: i or I starts afresh"
                                                  : "i steps, I solves");
        if (D->ih.n && in.h > 3) {
            draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, D->ih.r, D->ih.n, dim);
        }
        return;
    }
    if (in.h < 2) return;
    put(D, in.y + 1, in.x, 6, dim, "G");
    draw_spark(D, in.y + 1, in.x + 6, in.w - 6, D->ih.v, D->ih.n, ca);
    if (in.h >= 3) draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, D->ih.r, D->ih.n, ca);
}

/* The adjoint panel of a stochastic algorithm: v's residual
 * ‖H v + ∇θL‖/‖∇θL‖ at its iterate (full batch), and its history. */
static void draw_adjoint_stoch(bl_dash *D, rect r)
{
    char t[320], a[64];
    snprintf(t, sizeof t, "adjoint v · %s · step %zu", D->stoch_name, D->stoch_t);
    draw_box(D, r, t, title_attr(D, C_ADJ));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_ADJ, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (!D->stoch_has_v) {
        put(D, in.y, in.x, in.w, dim, "first order: no adjoint v (λ: outer panel)");
        return;
    }
    if (D->nsrow == 0) {
        put(D, in.y, in.x, in.w, dim, "o steps v with θ and ω (v₀ = 0)");
        return;
    }
    for (size_t i = 0; i < D->nsrow; i++) D->sy[i] = D->srow[i].vres;
    bl_out_fmt(a, sizeof a, D->srow[D->nsrow - 1].vres, 3);
    summary(D, in, "v residual ‖Hv + ∇θL‖/‖∇θL‖ = %s", "v residual %s", a, "", NULL);
    if (!D->stoch_live && in.h > 1) {
        put(D, in.y + 1, in.x, in.w, dim, "θ or ω moved: o starts afresh");
        if (in.h > 2) draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, D->sy, D->nsrow, dim);
        return;
    }
    if (in.h > 1) draw_logplot(D, (rect){in.y + 1, in.x, in.h - 1, in.w}, D->sy, D->nsrow, ca);
}

static void draw_adjoint(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    if (D->stoch) {
        draw_adjoint_stoch(D, r);
        return;
    }
    char t[320], a[64], b[64];
    int dg = bl_session_digits(S);
    int have = D->ah.n > 0;
    snprintf(t, sizeof t, "adjoint %s · it %zu", have ? D->adj_name : S->set[BL_S_ADJOINT_METHOD].str,
             have && D->adj_live ? D->adj_iters : (size_t)0);
    draw_box(D, r, t, title_attr(D, C_ADJ));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_ADJ, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (!have) {
        put(D, in.y, in.x, in.w, dim, "a steps, A solves Ha = ∇θL");
        return;
    }
    if (!D->adj_live) {
        put(D, in.y, in.x, in.w, dim, "θ or ω moved: a or A starts afresh");
        if (in.h > 1) draw_logplot(D, (rect){in.y + 1, in.x, in.h - 1, in.w}, D->ah.r, D->ah.n, dim);
        return;
    }
    bl_out_fmt(a, sizeof a, D->adj_resid, 3);
    bl_out_fmt(b, sizeof b, D->adj_norm, dg);
    summary(D, in, "residual %s  ‖a‖ = %s", "residual %s ‖a‖=%s", a, b, NULL);
    if (in.h > 1) draw_logplot(D, (rect){in.y + 1, in.x, in.h - 1, in.w}, D->ah.r, D->ah.n, ca);
}

/* A number as a short label: an integer as it is, else 3 digits. */
static void fmt_count(char *buf, size_t len, double v)
{
    if (v == floor(v) && fabs(v) < 1e9) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, "%.3g", v);
}

/* An x axis under a plot that starts LW columns into IN's row Y: X0 at
 * the left, X1 at the right, NAME between them when it fits. */
static void draw_xaxis(bl_dash *D, int y, int x, int w, double x0, double x1, const char *name)
{
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    char a[32], b[32];
    fmt_count(a, sizeof a, x0);
    fmt_count(b, sizeof b, x1);
    int la = (int)strlen(a), lb = (int)strlen(b), ln = text_width(D, name);
    if (la + lb + 2 > w) return;
    put(D, y, x, la, dim, a);
    put(D, y, x + w - lb, lb, dim, b);
    int room = w - la - lb - 2;
    if (ln <= room) put(D, y, x + la + 1 + (room - ln) / 2, ln, dim, name);
}

/* The outer panel of a stochastic algorithm: F, ‖∇F‖ and F − F* where
 * the problem has closed forms (else L at the iterate), λ, the
 * parameters, and ‖∇F‖ against the oracle calls, with the epochs. */
static void draw_outer_stoch(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[320], a[64], b[64], c[64];
    int dg = bl_session_digits(S);
    snprintf(t, sizeof t, "outer %s · step %zu", D->stoch_name, D->stoch_t);
    draw_box(D, r, t, title_attr(D, C_OUTER));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_OUTER, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    int y = in.y, end = in.y + in.h;
    if (D->nsrow == 0) {
        put(D, y++, in.x, in.w, dim, "o steps, space runs (stochastic)");
    } else {
        const bl_sopt_row *L = &D->srow[D->nsrow - 1];
        if (isfinite(L->F)) {
            bl_out_fmt(a, sizeof a, L->F, dg);
            bl_out_fmt(b, sizeof b, L->gnorm, dg);
            summary(D, (rect){y++, in.x, 1, in.w}, "F = %s  ‖∇F‖ = %s", "F=%s ‖∇F‖=%s", a, b, NULL);
        } else {
            bl_out_fmt(a, sizeof a, L->L, dg);
            summary(D, (rect){y++, in.x, 1, in.w}, "L(θ, ω) = %s%s", "L=%s%s", a, "", NULL);
        }
        char line[256] = "";
        if (isfinite(L->gap)) snprintf(line, sizeof line, "F − F* = %s", bl_out_fmt(c, sizeof c, L->gap, dg));
        if (D->stoch_has_lambda) {
            size_t l = strlen(line);
            snprintf(line + l, sizeof line - l, "%sλ = %s", l ? "  " : "",
                     bl_out_fmt(c, sizeof c, D->stoch_lambda, dg));
        }
        if (line[0] && y < end) put(D, y++, in.x, in.w, 0, line);
    }
    /* the parameters as given (the rest are defaults: help NAME), or
     * that the next step starts afresh */
    if (y < end && D->nsrow && !D->stoch_live) {
        put(D, y++, in.x, in.w, style(D, C_WARN, 0, A_BOLD), "θ or ω moved: o starts afresh");
    } else if (y < end) {
        char par[320];
        snprintf(par, sizeof par, "%s", D->stoch_spec[0] ? D->stoch_spec : "default parameters");
        for (char *p = par; *p; p++)
            if (*p == ',') *p = ' ';
        put(D, y++, in.x, in.w, dim, par);
    }
    if (D->nsrow == 0 || end - y < 3) return;
    /* ‖∇F‖ (or L) against the oracle calls: the plot, then its x axis and
     * the epochs under it */
    int known = isfinite(D->srow[D->nsrow - 1].gnorm);
    if (end - y >= 6) {
        /* F − F* (or F, or L) over the steps as bars */
        int gap = isfinite(D->srow[D->nsrow - 1].gap), F = isfinite(D->srow[D->nsrow - 1].F);
        for (size_t i = 0; i < D->nsrow; i++)
            D->sy[i] = gap ? D->srow[i].gap : F ? D->srow[i].F : D->srow[i].L;
        put(D, y, in.x, 6, dim, gap ? "F−F*" : F ? "F" : "L");
        draw_spark(D, y++, in.x + 6, in.w - 6, D->sy, D->nsrow, D->stoch_live ? ca : dim);
    }
    for (size_t i = 0; i < D->nsrow; i++) {
        D->sx[i] = (double)D->srow[i].oracles;
        D->sy[i] = known ? D->srow[i].gnorm : D->srow[i].L;
    }
    int axes = end - y >= 5 ? 2 : 1;
    rect pr = {y, in.x, end - y - axes, in.w};
    int lw = draw_logplot_x(D, pr, D->sx, D->sy, D->nsrow, D->stoch_live ? ca : dim);
    put(D, pr.y + pr.h / 2, in.x, lw - 1, dim, known ? "‖∇F‖" : "L");
    int ax = in.x + lw, aw = in.w - lw;
    draw_xaxis(D, end - axes, ax, aw, D->sx[0], D->sx[D->nsrow - 1], "oracle calls");
    if (axes == 2)
        draw_xaxis(D, end - 1, ax, aw, D->srow[0].epochs, D->srow[D->nsrow - 1].epochs, "epochs");
}

static void draw_outer(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    if (D->stoch) {
        draw_outer_stoch(D, r);
        return;
    }
    const bl_trace *tr = &S->outer->trace;
    char t[160], a[64], b[64], c[64];
    int dg = bl_session_digits(S);
    snprintf(t, sizeof t, "outer %s · step %zu", S->outer->type->name, S->outer->iter);
    size_t nshort = 0;           /* steps whose inner solves stopped short of inner.tol */
    for (size_t k = 0; k < tr->n; k++) nshort += !bl_trace_converged(tr, k);
    if (nshort) {
        size_t tl = strlen(t);
        snprintf(t + tl, sizeof t - tl, " · %zu unconverged", nshort);
    }
    draw_box(D, r, t, title_attr(D, C_OUTER));
    rect in = inside(r);
    if (in.h < 1) return;
    attr_t ca = style(D, C_OUTER, 0, 0), dim = style(D, C_HINT, 0, A_DIM);
    if (tr->n == 0) {
        put(D, in.y, in.x, in.w, dim, "o steps, space runs");
        return;
    }
    size_t last = tr->n - 1;
    bl_out_fmt(a, sizeof a, tr->F[last], dg);
    bl_out_fmt(b, sizeof b, tr->gnorm[last], dg);
    bl_out_fmt(c, sizeof c, tr->step[last], 3);
    summary(D, in, "F = %s  ‖g‖ = %s  s = %s", "F=%s ‖g‖=%s s=%s", a, b, c);
    if (in.h < 2) return;
    put(D, in.y + 1, in.x, 6, dim, "F");
    draw_spark(D, in.y + 1, in.x + 6, in.w - 6, tr->F, tr->n, ca);
    if (in.h >= 3) draw_logplot(D, (rect){in.y + 2, in.x, in.h - 2, in.w}, tr->gnorm, tr->n, ca);
}

static void draw_hypergrad(bl_dash *D, rect r)
{
    bl_session *S = D->S;
    char t[160];
    int dg = bl_session_digits(S);
    snprintf(t, sizeof t, "hypergradient · ref %s", D->have_ref ? D->refname : "none");
    draw_box(D, r, t, title_attr(D, C_REF));
    rect in = inside(r);
    if (in.h < 1) return;
    int nw = 10, colw = dg + 6;
    for (size_t i = 0; i < D->nhg; i++) {
        int w = text_width(D, D->hg[i].spec) + 2;
        if (w > nw) nw = w;
    }
    if (nw > in.w - colw - 18) nw = in.w - colw - 18;
    /* the columns that fit: ‖g‖, rel.err, cosine, then g[0], g[1], ... */
    int ncoord = (in.w - nw - colw - 18) / colw;
    size_t d = D->hg_d;
    if (ncoord < 0) ncoord = 0;
    if ((size_t)ncoord > d) ncoord = (int)d;
    if (ncoord > 6) ncoord = 6;
    attr_t head = style(D, C_HINT, A_BOLD, A_UNDERLINE);
    int x = in.x;
    put(D, in.y, x, nw, head, "estimator");
    x += nw;
    put(D, in.y, x, colw, head, "‖g‖");
    x += colw;
    put(D, in.y, x, 9, head, "rel.err");
    x += 9;
    put(D, in.y, x, 9, head, "cosine");
    x += 9;
    for (int k = 0; k < ncoord; k++) {
        putf(D, in.y, x, colw, head, "g[%d]", k);
        x += colw;
    }
    int y = in.y + 1;
    char a[64];
    if (D->have_ref && y < in.y + in.h) {
        attr_t ra = style(D, C_REF, 0, A_BOLD);
        x = in.x;
        putf(D, y, x, nw - 1, ra, "ref %s", D->refname);
        x += nw;
        const bl_hg_entry *re = &D->cmp.e[D->cmp.ref];
        put(D, y, x, colw, ra, bl_out_fmt(a, sizeof a, re->norm, dg));
        x += colw + 18;
        for (int k = 0; k < ncoord; k++, x += colw)
            put(D, y, x, colw - 1, ra, bl_out_fmt(a, sizeof a, dash_hg_ref(D)[k], dg));
        y++;
    }
    for (size_t i = 0; i < D->nhg && y < in.y + in.h; i++, y++) {
        const hg_row *w = &D->hg[i];
        const bl_hg_entry *e = &D->cmp.e[i];
        x = in.x;
        attr_t na = w->outer ? style(D, C_OUTER, A_BOLD, A_BOLD) : 0;
        putf(D, y, x, nw - 1, na, "%s%s", w->outer ? "▸" : " ", w->spec);
        x += nw;
        if (w->status) {
            put(D, y, x, in.w - nw, style(D, C_ERR, 0, A_DIM), w->err);
            continue;
        }
        put(D, y, x, colw - 1, 0, bl_out_fmt(a, sizeof a, e->norm, dg));
        x += colw;
        attr_t ea = !(e->rel_err <= 1e-6) ? style(D, C_WARN, 0, A_BOLD) : style(D, C_REF, 0, 0);
        put(D, y, x, 8, ea, bl_out_fmt(a, sizeof a, e->rel_err, 3));
        x += 9;
        put(D, y, x, 8, 0, bl_out_fmt(a, sizeof a, e->cosine, in.w >= 50 ? 6 : 5));
        x += 9;
        for (int k = 0; k < ncoord; k++, x += colw)
            put(D, y, x, colw - 1, 0, bl_out_fmt(a, sizeof a, gsl_vector_get(e->r.grad, (size_t)k), dg));
    }
}

/* The surface to draw: the job's grid while one runs (held by
 * bl_surface_job_lock until draw_surface is done), else the session's
 * last surface. */
static int surf_view_get(bl_dash *D, surf_view *v)
{
    memset(v, 0, sizeof *v);
    const bl_surface *s = D->S->surf;
    size_t ndone = 0, nunconv = 0;
    if (D->job) {
        bl_surface_progress p;
        bl_surface_job_poll(D->job, &p);
        ndone = p.ndone;
        nunconv = p.nunconv;
        s = bl_surface_job_lock(D->job);
    } else {
        if (!s || !s->F || s->d != D->S->P->d) return 0;
        ndone = s->ndone;
        nunconv = s->nunconv;
    }
    v->naxes = s->naxes;
    for (size_t a = 0; a < s->naxes; a++) {
        v->coord[a] = s->ax[a].coord;
        v->n[a] = s->ax[a].n;
        v->ax[a] = s->ax[a].values;
    }
    if (s->naxes == 1) v->n[1] = 1;
    v->F = s->F;
    v->done = s->done;
    v->npoints = s->npoints;
    v->ndone = ndone;
    v->nunconv = nunconv;
    return 1;
}

static double interp1(const surf_view *v, double x)
{
    const double *ax = v->ax[0];
    size_t n = v->n[0];
    for (size_t i = 0; i + 1 < n; i++) {
        double a = ax[i], b = ax[i + 1];
        if ((x >= a && x <= b) || (x <= a && x >= b)) {
            if (v->done[i] != 1 || v->done[i + 1] != 1) return NAN;
            double t = b != a ? (x - a) / (b - a) : 0;
            return v->F[i] + t * (v->F[i + 1] - v->F[i]);
        }
    }
    return NAN;
}

/* −g on the surface's axes: the direction an outer gd step goes. */
static void descent(const bl_dash *D, const surf_view *v, double *dx, double *dy)
{
    *dx = *dy = 0;
    const double *g = dash_hg_ref(D);
    if (!g) return;
    *dx = -g[v->coord[0]];
    if (v->naxes == 2) *dy = -g[v->coord[1]];
    if (!isfinite(*dx) || !isfinite(*dy)) *dx = *dy = 0;
}

static void draw_surface_1d(bl_dash *D, rect in, const surf_view *v)
{
    bl_session *S = D->S;
    const int lw = 9;
    if (in.h < 3 || in.w < lw + 8) return;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < v->n[0]; i++)
        if (v->done[i] == 1 && isfinite(v->F[i])) {
            lo = fmin(lo, v->F[i]);
            hi = fmax(hi, v->F[i]);
        }
    double x0 = v->ax[0][0], x1 = v->ax[0][v->n[0] - 1];
    if (!(x1 != x0)) x1 = x0 + 1;   /* a grid of one point */
    rect pr = {in.y, in.x + lw, in.h - 1, in.w - lw};
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    char b[64];
    putf(D, in.y + in.h - 1, pr.x, 12, dim, "%.3g", x0);
    snprintf(b, sizeof b, "%.3g", x1);
    put(D, in.y + in.h - 1, pr.x + pr.w - (int)strlen(b), (int)strlen(b), dim, b);
    putf(D, in.y + in.h - 1, pr.x + pr.w / 2 - 3, 8, dim, "ω[%zu]", v->coord[0]);
    if (!(lo <= hi)) return;
    if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
        lo -= 0.5;
        hi += 0.5;
    }
    put(D, pr.y, in.x, lw - 1, dim, bl_out_fmt(b, sizeof b, hi, 5));
    put(D, pr.y + pr.h - 1, in.x, lw - 1, dim, bl_out_fmt(b, sizeof b, lo, 5));
    bl_canvas *c = cv_new(D, pr.w, pr.h);
#define SX(x) ((int)floor(((x) - x0) / (x1 - x0) * (c->W - 1) + 0.5))
#define SY(y) (c->H - 1 - (int)floor(((y) - lo) / (hi - lo) * (c->H - 1) + 0.5))
    int px = -1, py = -1;
    for (size_t i = 0; i < v->n[0]; i++) {
        if (v->done[i] != 1 || !isfinite(v->F[i])) {
            px = -1;
            continue;
        }
        int x = SX(v->ax[0][i]), y = SY(v->F[i]);
        if (px >= 0) bl_canvas_line(c, px, py, x, y, 0);
        else bl_canvas_dot(c, x, y, 0);
        px = x;
        py = y;
    }
    cv_render(D, c, pr.y, pr.x, style(D, C_OUTER, 0, 0));
    /* the trajectory, the current point and the descent direction */
    const bl_trace *t = &S->outer->trace;
    int cw = D->unicode ? 2 : 1, ch = D->unicode ? 4 : 3;
    attr_t ma = style(D, C_MARK, A_BOLD, A_BOLD);
    for (size_t r = 0; r <= t->n; r++) {
        double w = r < t->n ? t->omega[r * t->d + v->coord[0]] : gsl_vector_get(S->omega, v->coord[0]);
        double f = interp1(v, w);
        if (!isfinite(f) && r < t->n) f = t->F[r];
        if (!isfinite(f) || !isfinite(w) || w < fmin(x0, x1) || w > fmax(x0, x1)) continue;
        int cx = SX(w) / cw, cy = SY(f) / ch;
        cy = cy < 0 ? 0 : cy >= pr.h ? pr.h - 1 : cy;
        if (r < t->n) {
            put(D, pr.y + cy, pr.x + cx, 1, style(D, C_OUTER, A_BOLD, 0), D->unicode ? "•" : "o");
            continue;
        }
        put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "●" : "@");
        double dx, dy;
        descent(D, v, &dx, &dy);
        if (dx != 0) {
            int ax = cx + (dx > 0 ? 1 : -1);
            if (ax >= 0 && ax < pr.w) put(D, pr.y + cy, pr.x + ax, 1, ma, bl_plot_arrow(dx, 0, D->unicode));
        }
    }
#undef SX
#undef SY
}

/* The colour band of F: on √(F − min) the bands of a quadratic bowl are
 * rings of equal width, so the valley shows and not only the walls. */
static int heat_level(double f, double lo, double hi, int root)
{
    double t = !(hi > lo) ? 0.5 : root ? sqrt((f - lo) / (hi - lo)) : (f - lo) / (hi - lo);
    int k = (int)floor(t * HEAT_LEVELS);
    return k < 0 ? 0 : k >= HEAT_LEVELS ? HEAT_LEVELS - 1 : k;
}

static void draw_surface_2d(bl_dash *D, rect in, const surf_view *v)
{
    bl_session *S = D->S;
    const int lw = 7;
    if (in.h < 3 || in.w < lw + 8) return;
    rect pr = {in.y, in.x + lw, in.h - 1, in.w - lw};
    size_t nx = v->n[0], ny = v->n[1];
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < v->npoints; k++)
        if (v->done[k] == 1 && isfinite(v->F[k])) {
            lo = fmin(lo, v->F[k]);
            hi = fmax(hi, v->F[k]);
        }
    attr_t dim = style(D, C_HINT, 0, A_DIM);
    double x0 = v->ax[0][0], x1 = v->ax[0][nx - 1], y0 = v->ax[1][0], y1 = v->ax[1][ny - 1];
    if (!(x1 != x0)) x1 = x0 + 1;   /* grids of one point */
    if (!(y1 != y0)) y1 = y0 + 1;
    char b[64];
    putf(D, pr.y, in.x, lw - 1, dim, "%.3g", y1);
    putf(D, pr.y + pr.h - 1, in.x, lw - 1, dim, "%.3g", y0);
    putf(D, pr.y + pr.h / 2, in.x, lw - 1, dim, "ω[%zu]", v->coord[1]);
    putf(D, in.y + in.h - 1, pr.x, 12, dim, "%.3g", x0);
    snprintf(b, sizeof b, "%.3g", x1);
    put(D, in.y + in.h - 1, pr.x + pr.w - (int)strlen(b), (int)strlen(b), dim, b);
    putf(D, in.y + in.h - 1, pr.x + pr.w / 2 - 3, 8, dim, "ω[%zu]", v->coord[0]);
    if (!(lo <= hi)) return;
    int root = 1;
    int half = D->heat256 && D->unicode;
    int sub = half ? 2 : 1;
    static const char *const shade[] = {"·", "░", "▒", "▓", "█"};
    static const char ramp[] = ".:-=+*#%@";
    for (int cy = 0; cy < pr.h; cy++)
        for (int cx = 0; cx < pr.w; cx++) {
            int lv[2] = {-1, -1};
            size_t i = (size_t)((double)cx * (double)nx / pr.w);
            for (int s = 0; s < sub; s++) {
                int row = (pr.h - 1 - cy) * sub + (sub - 1 - s);   /* from the bottom */
                size_t j = (size_t)((double)row * (double)ny / (pr.h * sub));
                if (i >= nx || j >= ny) continue;
                size_t k = i + nx * j;
                if (v->done[k] == 1 && isfinite(v->F[k])) lv[s] = heat_level(v->F[k], lo, hi, root);
            }
            if (half) {
                if (lv[0] < 0 && lv[1] < 0) continue;
                int up = lv[0] >= 0 ? lv[0] : lv[1], dn = lv[1] >= 0 ? lv[1] : lv[0];
                put(D, pr.y + cy, pr.x + cx, 1, (attr_t)COLOR_PAIR(C_HEAT + up * HEAT_LEVELS + dn), "▀");
            } else if (lv[0] >= 0) {
                char s[2] = {ramp[lv[0] * 9 / HEAT_LEVELS], '\0'};
                put(D, pr.y + cy, pr.x + cx, 1, 0, D->unicode ? shade[lv[0] * 5 / HEAT_LEVELS] : s);
            }
        }
    /* the trajectory, the current point and the descent direction */
    const bl_trace *t = &S->outer->trace;
    for (size_t r = 0; r <= t->n; r++) {
        double wx = r < t->n ? t->omega[r * t->d + v->coord[0]] : gsl_vector_get(S->omega, v->coord[0]);
        double wy = r < t->n ? t->omega[r * t->d + v->coord[1]] : gsl_vector_get(S->omega, v->coord[1]);
        if (!isfinite(wx) || !isfinite(wy)) continue;
        int cx = (int)floor((wx - x0) / (x1 - x0) * (pr.w - 1) + 0.5);
        int cy = pr.h - 1 - (int)floor((wy - y0) / (y1 - y0) * (pr.h - 1) + 0.5);
        if (cx < 0 || cy < 0 || cx >= pr.w || cy >= pr.h) continue;
        attr_t ma = style(D, C_MARK, A_BOLD, A_BOLD | A_REVERSE);
        if (r < t->n) {
            put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "•" : "o");
            continue;
        }
        put(D, pr.y + cy, pr.x + cx, 1, ma, D->unicode ? "●" : "@");
        double dx, dy;
        descent(D, v, &dx, &dy);
        double len = hypot(dx, dy);
        if (len > 0) {
            int ax = cx + (int)lround(dx / len), ay = cy - (int)lround(dy / len);
            if (ax >= 0 && ay >= 0 && ax < pr.w && ay < pr.h)
                put(D, pr.y + ay, pr.x + ax, 1, ma, bl_plot_arrow(dx, dy, D->unicode));
        }
    }
}

static void draw_surface(bl_dash *D, rect r)
{
    surf_view v;
    char t[160];
    int have = surf_view_get(D, &v);
    if (!have) snprintf(t, sizeof t, "surface");
    else if (v.naxes == 1) snprintf(t, sizeof t, "surface F(ω[%zu])", v.coord[0]);
    else snprintf(t, sizeof t, "surface F(ω[%zu], ω[%zu])", v.coord[0], v.coord[1]);
    size_t tl = strlen(t);
    if (D->job) snprintf(t + tl, sizeof t - tl, " · %zu/%zu", v.ndone, v.npoints);
    else if (have && v.ndone < v.npoints) snprintf(t + tl, sizeof t - tl, " · partial %zu/%zu", v.ndone, v.npoints);
    else if (have) snprintf(t + tl, sizeof t - tl, " · %zu points", v.npoints);
    tl = strlen(t);
    if (have && v.nunconv)       /* points whose inner solve stopped short of inner.tol */
        snprintf(t + tl, sizeof t - tl, " · %zu unconverged", v.nunconv);
    draw_box(D, r, t, title_attr(D, C_OUTER));
    rect in = inside(r);
    if (!have) {
        put(D, in.y, in.x, in.w, style(D, C_HINT, 0, A_DIM),
            "s computes F around ω in the background");
    } else if (v.naxes == 1) {
        draw_surface_1d(D, in, &v);
    } else {
        draw_surface_2d(D, in, &v);
    }
    if (D->job) bl_surface_job_unlock(D->job);
}

static void draw_header(bl_dash *D)
{
    bl_session *S = D->S;
    char a[64], f[64], st[64], w[512], line[1024], right[128];
    int dg = bl_session_digits(S);
    attr_t ha = style(D, C_HEAD, A_BOLD, A_REVERSE);
    attrset(ha);
    mvhline(0, 0, ' ', D->cols);
    attrset(A_NORMAL);
    const bl_problem *P = S->P;
    int uses_data = S->data && (P->type->flags & (BL_PROB_NEEDS_DATA | BL_PROB_USES_DATA));
    if (paces[D->pace] > 0)
        snprintf(right, sizeof right, " %s %g/s ", D->running ? "▶" : "❚❚", paces[D->pace]);
    else
        snprintf(right, sizeof right, " %s max ", D->running ? "▶" : "❚❚");
    int rw = text_width(D, right);
    snprintf(line, sizeof line, " bilab · %s%s%s · θ ∈ R^%zu, ω ∈ R^%zu · ω = ", P->type->name,
             uses_data ? " on " : "", uses_data ? S->data->name : "", P->p, P->d);
    /* as many coordinates of ω as fit */
    int room = D->cols - rw - text_width(D, line);
    for (size_t show = S->omega->size; ; show--) {
        bl_fmt_vec(w, sizeof w, S->omega->data, S->omega->size, S->omega->stride, dg, show);
        if (show <= 1 || text_width(D, w) <= room) break;
    }
    size_t l = strlen(line);
    snprintf(line + l, sizeof line - l, "%s", w);
    put(D, 0, 0, D->cols - rw, ha, line);
    put(D, 0, D->cols - rw, rw, ha, right);
    if (D->stoch) {
        unsigned long calls = D->nsrow ? D->srow[D->nsrow - 1].oracles : 0;
        double ep = D->nsrow ? D->srow[D->nsrow - 1].epochs : 0;
        char bat[96] = "";
        if (D->stoch_bin)
            snprintf(bat, sizeof bat, "batch %zu/%zu, ", D->stoch_bin, D->stoch_bout);
        snprintf(line, sizeof line, " F = %s │ outer %s step %zu · %lu oracle calls · %s "
                 "epochs │ %ssampler %s │ inner %s it %zu η %s",
                 bl_out_fmt(f, sizeof f, D->F, dg), D->stoch_name, D->stoch_t, calls,
                 bl_out_fmt(st, sizeof st, ep, 4), bat,
                 bl_sampler_names[(int)S->set[BL_S_SAMPLER].num], S->set[BL_S_INNER_SOLVER].str,
                 D->inner_live ? D->inner_iters : (size_t)0, bl_out_fmt(a, sizeof a, D->eta, 4));
    } else {
        /* the long form, then (narrow screens: 80 columns) one without
         * the "it" words, then one without the field names: the panels
         * below carry the names and the counts too */
        static const char *const form[3] = {
            " F = %s │ inner %s it %zu η %s │ adjoint %s it %zu │ outer %s it %zu s %s %s",
            " F = %s │ inner %s %zu η %s │ adjoint %s %zu │ outer %s %zu s %s %s",
            " F %s │ %s %zu η %s │ %s %zu │ %s %zu s %s %s"};
        for (int k = 0; k < 3; k++) {
            snprintf(line, sizeof line, form[k], bl_out_fmt(f, sizeof f, D->F, dg),
                     S->set[BL_S_INNER_SOLVER].str, D->inner_live ? D->inner_iters : (size_t)0,
                     bl_out_fmt(a, sizeof a, D->eta, 4), S->set[BL_S_ADJOINT_METHOD].str,
                     D->adj_live ? D->adj_iters : (size_t)0, S->outer->type->name,
                     S->outer->iter, bl_out_fmt(st, sizeof st, S->set[BL_S_OUTER_STEP].num, 4),
                     S->set[BL_S_OUTER_ESTIMATOR].str);
            if (text_width(D, line) <= D->cols) break;
        }
    }
    put(D, 1, 0, D->cols, style(D, C_HINT, A_BOLD, A_BOLD), line);
}

static void draw_footer(bl_dash *D, int mrows)
{
    int y0 = D->rows - 1 - mrows;
    for (int i = 0; i < mrows && (size_t)i < D->nmsg && i < MSG_RING; i++) {
        const msg *m = &D->msgs[(D->nmsg - 1 - (size_t)i) % MSG_RING];
        attr_t a = m->kind == BL_MSG_ERROR ? style(D, C_ERR, A_BOLD, A_BOLD)
                   : m->kind == BL_MSG_WARNING ? style(D, C_WARN, 0, A_BOLD)
                   : m->kind == MSG_ECHO ? style(D, C_HINT, 0, A_DIM) : 0;
        put(D, y0 + mrows - 1 - i, 0, D->cols, a, m->text);
    }
    int y = D->rows - 1;
    if (D->cmdmode) {
        /* a window on the line that keeps the cursor visible */
        int w = D->cols - 2;
        size_t start = 0;
        int before = 0;
        for (size_t i = 0; i < D->cpos; i += dash_utf8_len(D->cmd + i)) before++;
        int skip = before > w - 1 ? before - (w - 1) : 0;
        for (int k = 0; k < skip; k++) start += dash_utf8_len(D->cmd + start);
        put(D, y, 0, 1, A_BOLD, ":");
        put(D, y, 1, w, 0, D->cmd + start);
        D->cursor = 1 + before - skip;
        return;
    }
    static const char *const hints[] = {"? help", "q back", "i/I inner", "a/A adjoint",
                                        "o outer", "space run", "+/- pace", "e estimator",
                                        "s surface", "r reset", ": command"};
    char line[512] = "";
    for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++) {
        size_t l = strlen(line);
        if ((int)(l + strlen(hints[i]) + 2) > D->cols) break;
        snprintf(line + l, sizeof line - l, " %s ", hints[i]);
    }
    put(D, y, 0, D->cols, style(D, C_HINT, 0, A_DIM), line);
}

static void draw_pager(bl_dash *D)
{
    int top = 1, left = 2, h = D->rows - 2, w = D->cols - 4;
    if (h < 4 || w < 20) return;
    for (int y = top; y < top + h; y++) mvhline(y, left, ' ', w);
    draw_box(D, (rect){top, left, h, w}, D->page_title, title_attr(D, C_TITLE));
    int rows = h - 3;
    if (D->npage > (size_t)rows && D->page_top > D->npage - (size_t)rows)
        D->page_top = D->npage - (size_t)rows;
    for (int i = 0; i < rows && D->page_top + (size_t)i < D->npage; i++)
        put(D, top + 1 + i, left + 2, w - 4, 0, D->page[D->page_top + (size_t)i]);
    char s[128];
    if (D->npage > (size_t)rows)
        snprintf(s, sizeof s, "lines %zu-%zu of %zu · ↑↓ PgUp PgDn scroll · any other key closes",
                 D->page_top + 1, D->page_top + (size_t)rows, D->npage);
    else
        snprintf(s, sizeof s, "any key closes");
    put(D, top + h - 2, left + 2, w - 4, style(D, C_HINT, 0, A_DIM), s);
}

static void draw_small(bl_dash *D)
{
    char l0[128], l1[128];
    const char *l2 = "enlarge it, or q leaves";
    snprintf(l0, sizeof l0, "terminal too small: %d×%d", D->cols, D->rows);
    snprintf(l1, sizeof l1, "the dashboard needs %d×%d", MIN_COLS, MIN_ROWS);
    const char *lines[] = {l0, l1, l2};
    int y = (D->rows - 3) / 2;
    for (int i = 0; i < 3; i++) {
        int w = text_width(D, lines[i]), x = (D->cols - w) / 2;
        put(D, y + i, x > 0 ? x : 0, D->cols, i == 0 ? A_BOLD : A_NORMAL, lines[i]);
    }
}

void bl_dash_draw(bl_dash *D, int full)
{
    if (!D->open) return;
    double t0 = bl_clock();
    if (full) clearok(curscr, TRUE);
    erase();
    D->cursor = -1;
    int R = D->rows, C = D->cols;
    if (R < MIN_ROWS || C < MIN_COLS || !D->S->P) {
        draw_small(D);
    } else {
        int mrows = dash_message_rows(D);
        int top = 2, body = R - 1 - mrows - top;
        int lw = C * 2 / 5, rw = C - lw;
        int ha = body >= 24 ? body / 4 : 5, hi = (body - ha) / 2, ho = body - ha - hi;
        if (D->stoch) {
            /* the algorithm's own panel gets the room: the inner panel
             * keeps G and ‖∇θG‖ at its θ */
            hi = body >= 30 ? (body - ha) / 3 : 4;
            ho = body - ha - hi;
        }
        draw_header(D);
        draw_inner(D, (rect){top, 0, hi, lw});
        draw_adjoint(D, (rect){top + hi, 0, ha, lw});
        draw_outer(D, (rect){top + hi + ha, 0, ho, lw});
        int hh = (int)D->nhg + 3 + (D->have_ref ? 1 : 0);
        if (hh < 5) hh = 5;
        if (hh > body - 8) hh = body - 8;
        draw_hypergrad(D, (rect){top, lw, hh, rw});
        draw_surface(D, (rect){top + hh, lw, body - hh, rw});
        draw_footer(D, mrows);
        if (D->npage) draw_pager(D);
    }
    int vis = D->cursor >= 0 && !D->npage;
    curs_set(vis ? 1 : 0);
    if (vis) move(R - 1, D->cursor);
    wnoutrefresh(stdscr);
    doupdate();
    D->t_draw = bl_clock() - t0;
    D->t_lastdraw = bl_clock();
    D->dirty = 0;
}
