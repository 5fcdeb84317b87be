/* plot.c: braille line plots and half-block heatmaps, ASCII fallback. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "plot.h"

#define MAXW 200
#define MAXH 80

/* The overlay of one character cell: a glyph that wins over the dots,
 * and its colour. */
typedef struct cell {
    int color;
    const char *glyph;
    int alert;                /* an alert glyph: other glyphs do not cover it */
} cell;

#define ALERT_COLOR 196       /* red in the 256-colour cube */

/* The dots (their pen is the series) and the overlay. */
typedef struct canvas {
    int w, h;
    bl_canvas dots;
    cell c[MAXH][MAXW];
    double x0, x1, y0, y1;    /* data range (transformed when log) */
    int logx, logy, unicode;
} canvas;

static const int series_colors[] = {39, 208, 76, 197, 141, 226, 45, 202};
static const char series_ascii[] = "*+xo#@%&";

static double tx(const canvas *cv, double x) { return cv->logx ? log10(x) : x; }
static double ty(const canvas *cv, double y) { return cv->logy ? log10(y) : y; }

/* The nearest of ND dots to the fractional dot position F.  A position
 * off the canvas (a tangent mark on a wide grid can be 1e300 dots away)
 * is clamped just outside it, where drawing clips it, before converting:
 * a double beyond the range of int converts to undefined behaviour. */
static int to_dot(double f, int nd)
{
    double v = floor(f + 0.5);
    if (!(v > -2)) v = -2;                  /* NaN too */
    if (v > nd + 1) v = nd + 1;
    return (int)v;
}

/* data → fractional dot coordinates (2 per cell across, 4 down; ASCII:
 * 1 × 1), then dots */
static int ndots_x(const canvas *cv) { return cv->unicode ? 2 * cv->w : cv->w; }
static int ndots_y(const canvas *cv) { return cv->unicode ? 4 * cv->h : cv->h; }

static double fdot_x(const canvas *cv, double x)
{
    return (tx(cv, x) - cv->x0) / (cv->x1 - cv->x0) * (ndots_x(cv) - 1);
}

static double fdot_y(const canvas *cv, double y)
{
    return ndots_y(cv) - 1 - (ty(cv, y) - cv->y0) / (cv->y1 - cv->y0) * (ndots_y(cv) - 1);
}

static int dot_x(const canvas *cv, double x) { return to_dot(fdot_x(cv, x), ndots_x(cv)); }
static int dot_y(const canvas *cv, double y) { return to_dot(fdot_y(cv, y), ndots_y(cv)); }

static void set_dot(canvas *cv, int dx, int dy, int series)
{
    bl_canvas_dot(&cv->dots, dx, dy, series);
}

static void line(canvas *cv, int x0, int y0, int x1, int y1, int series)
{
    bl_canvas_line(&cv->dots, x0, y0, x1, y1, series);
}

/* The segment from (X0, Y0) to (X1, Y1) in fractional dots, clipped to
 * the canvas (Liang–Barsky) so that an end far outside keeps the slope;
 * 0 when nothing of it is on the canvas. */
static int clip_segment(const canvas *cv, double *x0, double *y0, double *x1, double *y1)
{
    double lo[2] = {-1, -1}, hi[2] = {ndots_x(cv), ndots_y(cv)};
    double p0[2] = {*x0, *y0}, dp[2] = {*x1 - *x0, *y1 - *y0}, t0 = 0, t1 = 1;
    for (int k = 0; k < 2; k++) {
        if (!isfinite(p0[k]) || !isfinite(dp[k])) return 0;
        if (dp[k] == 0) {
            if (p0[k] < lo[k] || p0[k] > hi[k]) return 0;
            continue;
        }
        double ta = (lo[k] - p0[k]) / dp[k], tb = (hi[k] - p0[k]) / dp[k];
        if (ta > tb) { double t = ta; ta = tb; tb = t; }
        if (ta > t0) t0 = ta;
        if (tb < t1) t1 = tb;
    }
    if (t0 > t1) return 0;
    *x1 = p0[0] + t1 * dp[0];
    *y1 = p0[1] + t1 * dp[1];
    *x0 = p0[0] + t0 * dp[0];
    *y0 = p0[1] + t0 * dp[1];
    return 1;
}

static void segment(canvas *cv, double xa, double ya, double xb, double yb, int series)
{
    double x0 = fdot_x(cv, xa), y0 = fdot_y(cv, ya), x1 = fdot_x(cv, xb), y1 = fdot_y(cv, yb);
    if (clip_segment(cv, &x0, &y0, &x1, &y1))
        line(cv, to_dot(x0, ndots_x(cv)), to_dot(y0, ndots_y(cv)), to_dot(x1, ndots_x(cv)),
             to_dot(y1, ndots_y(cv)), series);
}

static int usable(const canvas *cv, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!cv->logx || x > 0) && (!cv->logy || y > 0);
}

static void put_glyph(canvas *cv, double x, double y, const char *g, int color, int alert)
{
    if (!usable(cv, x, y)) return;
    int dx = dot_x(cv, x), dy = dot_y(cv, y);
    int cx = cv->unicode ? dx / 2 : dx, cy = cv->unicode ? dy / 4 : dy;
    if (cx < 0 || cy < 0 || cx >= cv->w || cy >= cv->h) return;
    if (cv->c[cy][cx].alert && !alert) return;
    cv->c[cy][cx].glyph = g;
    cv->c[cy][cx].color = alert ? ALERT_COLOR : color;
    cv->c[cy][cx].alert = alert;
}

/* The legend line of the alert marks, coloured like them. */
static void print_note(FILE *f, const bl_plot_opts *o)
{
    if (!o->note) return;
    fprintf(f, "%10s  ", "");
    if (o->color) fprintf(f, "\033[38;5;%dm", ALERT_COLOR);
    fputs(BL_PLOT_ALERT, f);
    if (o->color) fputs("\033[0m", f);
    fprintf(f, " %s\n", o->note);
}

/* The widest a line of text around a plot may be (o->cols; 0: no
 * limit), never less than the plot itself. */
static int text_width(const bl_plot_opts *o)
{
    if (o->cols <= 0) return 1 << 30;
    return o->cols > o->width + 12 ? o->cols : o->width + 12;
}

static int u8width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

/* The title, broken at spaces into lines of at most text_width columns
 * (a word longer than that stays whole). */
static void print_title(FILE *f, const bl_plot_opts *o)
{
    if (!o->title) return;
    int max = text_width(o), col = 0;
    const char *p = o->title;
    while (*p) {
        const char *q = p;
        while (*q == ' ') q++;
        const char *end = q;
        while (*end && *end != ' ') end++;
        char word[512];
        size_t n = (size_t)(end - q) < sizeof word - 1 ? (size_t)(end - q) : sizeof word - 1;
        memcpy(word, q, n);
        word[n] = 0;
        int ww = u8width(word);
        if (col > 0 && col + 1 + ww > max) {
            fputc('\n', f);
            col = 0;
        }
        if (col > 0) {
            fputc(' ', f);
            col++;
        }
        fputs(word, f);
        col += ww;
        p = end;
        if (!*end) break;
    }
    fputc('\n', f);
}

static void fmt_num(char *buf, size_t len, double v, int logv)
{
    snprintf(buf, len, "%.4g", logv ? pow(10, v) : v);
}

static void emit_cell(FILE *f, const canvas *cv, int x, int y, int color)
{
    const cell *c = &cv->c[y][x];
    char buf[4];
    const char *dots = bl_canvas_text(&cv->dots, x, y, buf);
    int on = color && (c->glyph || dots);
    if (on) fprintf(f, "\033[38;5;%dm", c->glyph ? c->color
                    : series_colors[cv->dots.c[y][x].pen % 8]);
    fputs(c->glyph ? c->glyph : dots ? dots : " ", f);
    if (on) fputs("\033[0m", f);
}

void bl_plot_lines(FILE *f, const bl_plot_opts *o, const bl_series *s, size_t ns,
                   const bl_mark *marks, size_t nmarks)
{
    canvas *cv = calloc(1, sizeof *cv);
    if (!cv) return;
    cv->w = o->width < 10 ? 10 : o->width > MAXW ? MAXW : o->width;
    cv->h = o->height < 4 ? 4 : o->height > MAXH ? MAXH : o->height;
    cv->logx = o->logx;
    cv->logy = o->logy;
    cv->unicode = o->unicode;
    bl_canvas_init(&cv->dots, cv->unicode ? BL_CANVAS_BRAILLE : BL_CANVAS_ASCII1, cv->w, cv->h);
    cv->dots.pens = series_ascii;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    /* the x axis spans every abscissa, also those whose value is missing
     * (failed grid points), so that it shows the grid asked for */
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            if (usable(cv, s[k].x[i], 1)) {
                xmin = fmin(xmin, tx(cv, s[k].x[i]));
                xmax = fmax(xmax, tx(cv, s[k].x[i]));
            }
            if (o->band_lo && o->band_hi && o->band_lo[k] && o->band_hi[k]) {
                double a = o->band_lo[k][i], b = o->band_hi[k][i];
                if (usable(cv, s[k].x[i], a) && usable(cv, s[k].x[i], b)) {
                    ymin = fmin(ymin, ty(cv, a));
                    ymax = fmax(ymax, ty(cv, b));
                }
            }
            if (!usable(cv, s[k].x[i], s[k].y[i])) continue;
            ymin = fmin(ymin, ty(cv, s[k].y[i]));
            ymax = fmax(ymax, ty(cv, s[k].y[i]));
        }
    if (!(ymin <= ymax)) {
        fprintf(f, "(nothing to plot)\n");
        free(cv);
        return;
    }
    if (xmax == xmin) { xmin -= 0.5; xmax += 0.5; }
    if (ymax == ymin) { ymin -= 0.5; ymax += 0.5; }
    double pad = 0.04 * (ymax - ymin);
    cv->x0 = xmin;
    cv->x1 = xmax;
    cv->y0 = ymin - pad;
    cv->y1 = ymax + pad;
    for (size_t k = 0; k < ns; k++) {
        int have = 0;
        double px = 0, py = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (!usable(cv, s[k].x[i], s[k].y[i])) { have = 0; continue; }
            if (have) segment(cv, px, py, s[k].x[i], s[k].y[i], (int)k);
            else set_dot(cv, dot_x(cv, s[k].x[i]), dot_y(cv, s[k].y[i]), (int)k);
            px = s[k].x[i];
            py = s[k].y[i];
            have = 1;
        }
    }
    /* bands: a vertical bar at every NS-th point, staggered by series */
    for (size_t k = 0; o->band_lo && o->band_hi && k < ns; k++) {
        if (!o->band_lo[k] || !o->band_hi[k]) continue;
        for (size_t i = k % ns; i < s[k].n; i += ns) {
            double a = o->band_lo[k][i], b = o->band_hi[k][i];
            if (usable(cv, s[k].x[i], a) && usable(cv, s[k].x[i], b))
                segment(cv, s[k].x[i], a, s[k].x[i], b, (int)k);
        }
    }
    for (size_t m = 0; m < nmarks; m++) {
        const bl_mark *mk = &marks[m];
        if (mk->half > 0) {
            double xa = mk->x - mk->half, xb = mk->x + mk->half;
            double ya = mk->y - mk->slope * mk->half, yb = mk->y + mk->slope * mk->half;
            if (usable(cv, xa, ya) && usable(cv, xb, yb)) segment(cv, xa, ya, xb, yb, mk->series);
        } else {
            put_glyph(cv, mk->x, mk->y, mk->alert ? BL_PLOT_ALERT : mk->glyph, 255, mk->alert);
        }
    }
    char top[32], bot[32], l[32], r[32];
    fmt_num(top, sizeof top, cv->y1, cv->logy);
    fmt_num(bot, sizeof bot, cv->y0, cv->logy);
    print_title(f, o);
    for (int y = 0; y < cv->h; y++) {
        const char *lab = y == 0 ? top : y == cv->h - 1 ? bot : "";
        fprintf(f, "%10s %s", lab, o->unicode ? "│" : "|");
        for (int x = 0; x < cv->w; x++) emit_cell(f, cv, x, y, o->color);
        fputc('\n', f);
    }
    fprintf(f, "%10s %s", "", o->unicode ? "└" : "+");
    for (int x = 0; x < cv->w; x++) fputs(o->unicode ? "─" : "-", f);
    fputc('\n', f);
    fmt_num(l, sizeof l, cv->x0, cv->logx);
    fmt_num(r, sizeof r, cv->x1, cv->logx);
    int gap = cv->w - (int)strlen(l) - (int)strlen(r);
    fprintf(f, "%10s  %s%*s%s\n", "", l, gap > 1 ? gap : 1, "", r);
    if (o->xlabel || o->ylabel)
        fprintf(f, "%10s  x: %s%s   y: %s%s\n", "", o->xlabel ? o->xlabel : "",
                o->logx ? " (log)" : "", o->ylabel ? o->ylabel : "", o->logy ? " (log)" : "");
    if (o->band_lo && o->band_hi)
        fprintf(f, "%10s  bars: the band (10-90%%) at staggered points\n", "");
    if (ns > 1)
        for (size_t k = 0; k < ns; k++) {
            fprintf(f, "%10s  ", "");
            if (o->color) fprintf(f, "\033[38;5;%dm", series_colors[k % 8]);
            fprintf(f, "%s", o->unicode ? "━━" : (char[]){series_ascii[k % 8], series_ascii[k % 8], 0});
            if (o->color) fputs("\033[0m", f);
            fprintf(f, " %s\n", s[k].label ? s[k].label : "");
        }
    print_note(f, o);
    free(cv);
}

const char *bl_plot_arrow(double dx, double dy, int unicode)
{
    static const char *const uni[] = {"→", "↗", "↑", "↖", "←", "↙", "↓", "↘"};
    static const char *const asc[] = {">", "/", "^", "\\", "<", "/", "v", "\\"};
    if (!(dx != 0 || dy != 0)) return unicode ? "·" : ".";
    double a = atan2(dy, dx);
    int k = (int)floor(a / (M_PI / 4) + 0.5);
    k = ((k % 8) + 8) % 8;
    return unicode ? uni[k] : asc[k];
}

void bl_plot_heatmap(FILE *f, const bl_plot_opts *o, const double *x, size_t nx,
                     const double *y, size_t ny, const double *z, int logz,
                     int levels, const bl_mark *marks, size_t nmarks)
{
    static const char ramp[] = " .:-=+*#%@";
    /* a blue → green → yellow → red ramp from the 256-colour cube */
    static const int colors[] = {17, 19, 27, 33, 39, 44, 49, 83, 118, 154, 190, 226, 220,
                                 214, 208, 202, 196};
    int ncol = (int)(sizeof colors / sizeof colors[0]);
    if (levels < 2) levels = 2;
    double zmin = INFINITY, zmax = -INFINITY;
    int canlog = logz;
    for (size_t k = 0; k < nx * ny; k++)
        if (isfinite(z[k])) {
            zmin = fmin(zmin, z[k]);
            zmax = fmax(zmax, z[k]);
            if (z[k] <= 0) canlog = 0;
        }
    if (!(zmin <= zmax)) {
        fprintf(f, "(nothing to plot)\n");
        return;
    }
    int W = (int)nx, Hrows = o->unicode ? (int)(ny + 1) / 2 : (int)ny;
    if (W > o->width && o->width > 10) W = o->width;
    if (Hrows > o->height && o->height > 4) Hrows = o->height;
    int sub = o->unicode ? 2 : 1;
    /* level of a grid value, −1 for missing */
    #define LEVEL(v) (!isfinite(v) ? -1 : (int)fmin(levels - 1, floor(levels * \
        (canlog ? (log(v) - log(zmin)) / (log(zmax) - log(zmin) + 1e-300) \
                : ((v) - zmin) / (zmax - zmin + 1e-300)))))
    /* overlay glyphs by cell; alert marks win over the others */
    const char **over = calloc((size_t)W * (size_t)Hrows, sizeof *over);
    unsigned char *alert = calloc((size_t)W * (size_t)Hrows, 1);
    if (!over || !alert) {
        free(over);
        free(alert);
        return;
    }
    double xa = x[0], xb = x[nx - 1], ya = y[0], yb = y[ny - 1];
    for (size_t m = 0; m < nmarks; m++) {
        if (!isfinite(marks[m].x) || !isfinite(marks[m].y)) continue;
        /* to_dot clamps a position far off the axes before the int
         * conversion; a single column or row puts every mark on it */
        int cx = nx > 1 ? to_dot((marks[m].x - xa) / (xb - xa) * (W - 1), W) : 0;
        int cy = Hrows - 1 - (ny > 1 ? to_dot((marks[m].y - ya) / (yb - ya) * (Hrows - 1), Hrows)
                                     : 0);
        if (cx < 0 || cy < 0 || cx >= W || cy >= Hrows) continue;
        if (alert[cy * W + cx] && !marks[m].alert) continue;
        over[cy * W + cx] = marks[m].alert ? BL_PLOT_ALERT : marks[m].glyph;
        alert[cy * W + cx] = marks[m].alert != 0;
    }
    print_title(f, o);
    char top[32], bot[32];
    snprintf(top, sizeof top, "%.4g", yb);
    snprintf(bot, sizeof bot, "%.4g", ya);
    for (int r = 0; r < Hrows; r++) {
        fprintf(f, "%10s %s", r == 0 ? top : r == Hrows - 1 ? bot : "", o->unicode ? "│" : "|");
        for (int c = 0; c < W; c++) {
            size_t i = (size_t)((double)c / (W > 1 ? W - 1 : 1) * (nx - 1) + 0.5);
            /* two grid rows per text row in Unicode: upper half, lower half */
            int lv[2];
            for (int h = 0; h < sub; h++) {
                double fr = Hrows * sub > 1 ? (double)(r * sub + h) / (Hrows * sub - 1) : 0;
                size_t j = (size_t)((1 - fr) * (ny - 1) + 0.5);
                lv[h] = LEVEL(z[i + nx * j]);
            }
            const char *g = over[r * W + c];
            if (o->color) {
                int fg = lv[0] < 0 ? 0 : colors[lv[0] * (ncol - 1) / (levels - 1)];
                int bg = sub == 2 ? (lv[1] < 0 ? 0 : colors[lv[1] * (ncol - 1) / (levels - 1)]) : fg;
                if (g && alert[r * W + c])
                    fprintf(f, "\033[1;38;5;%d;48;5;%dm%s\033[0m", ALERT_COLOR, bg, g);
                else if (g) fprintf(f, "\033[1;97;48;5;%dm%s\033[0m", bg, g);
                else if (sub == 2) fprintf(f, "\033[38;5;%d;48;5;%dm▀\033[0m", fg, bg);
                else fprintf(f, "\033[48;5;%dm \033[0m", fg);
            } else if (g) {
                fputs(g, f);
            } else {
                int l = lv[0] > lv[sub - 1] ? lv[0] : lv[sub - 1];
                fputc(l < 0 ? '?' : ramp[l * 9 / (levels - 1)], f);
            }
        }
        fputc('\n', f);
    }
    fprintf(f, "%10s %s", "", o->unicode ? "└" : "+");
    for (int c = 0; c < W; c++) fputs(o->unicode ? "─" : "-", f);
    char l[32], rr[32];
    snprintf(l, sizeof l, "%.4g", xa);
    snprintf(rr, sizeof rr, "%.4g", xb);
    int gap = W - (int)strlen(l) - (int)strlen(rr);
    fprintf(f, "\n%10s  %s%*s%s\n", "", l, gap > 1 ? gap : 1, "", rr);
    if (o->xlabel || o->ylabel)
        fprintf(f, "%10s  x: %s   y: %s\n", "", o->xlabel ? o->xlabel : "", o->ylabel ? o->ylabel : "");
    /* the scale: each band's lower edge */
    /* the scale, broken into lines of at most text_width columns */
    int col = 12 + (canlog ? 12 : 6), maxw = text_width(o);
    fprintf(f, "%10s  scale%s:", "", canlog ? " (log)" : "");
    for (int k = 0; k <= levels; k++) {
        char num[48];
        double t = (double)k / levels;
        double v = canlog ? exp(log(zmin) + t * (log(zmax) - log(zmin))) : zmin + t * (zmax - zmin);
        if (k == levels) snprintf(num, sizeof num, " (max %.4g)", zmax);
        else snprintf(num, sizeof num, "%.3g", v);
        int w = (int)strlen(num) + (k == levels ? 1 : o->color ? 3 : 2);
        if (col + w > maxw) {
            fprintf(f, "\n%10s        ", "");
            col = 18;
        }
        col += w;
        if (k == levels) fprintf(f, " %s", num);
        else if (o->color) fprintf(f, " \033[48;5;%dm  \033[0m%s", colors[k * (ncol - 1) / (levels - 1)], num);
        else fprintf(f, " %c%s", ramp[k * 9 / (levels - 1)], num);
    }
    fputc('\n', f);
    print_note(f, o);
    #undef LEVEL
    free(over);
    free(alert);
}
