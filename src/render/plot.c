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

/* data → dot coordinates (2 per cell across, 4 down; ASCII: 1 × 1) */
static int dot_x(const canvas *cv, double x)
{
    int nd = cv->unicode ? 2 * cv->w : cv->w;
    double t = (tx(cv, x) - cv->x0) / (cv->x1 - cv->x0);
    return (int)floor(t * (nd - 1) + 0.5);
}

static int dot_y(const canvas *cv, double y)
{
    int nd = cv->unicode ? 4 * cv->h : cv->h;
    double t = (ty(cv, y) - cv->y0) / (cv->y1 - cv->y0);
    return nd - 1 - (int)floor(t * (nd - 1) + 0.5);
}

static void set_dot(canvas *cv, int dx, int dy, int series)
{
    bl_canvas_dot(&cv->dots, dx, dy, series);
}

static void line(canvas *cv, int x0, int y0, int x1, int y1, int series)
{
    bl_canvas_line(&cv->dots, x0, y0, x1, y1, series);
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
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++) {
            if (!usable(cv, s[k].x[i], s[k].y[i])) continue;
            xmin = fmin(xmin, tx(cv, s[k].x[i]));
            xmax = fmax(xmax, tx(cv, s[k].x[i]));
            ymin = fmin(ymin, ty(cv, s[k].y[i]));
            ymax = fmax(ymax, ty(cv, s[k].y[i]));
        }
    if (!(xmin <= xmax)) {
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
        int have = 0, px = 0, py = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (!usable(cv, s[k].x[i], s[k].y[i])) { have = 0; continue; }
            int qx = dot_x(cv, s[k].x[i]), qy = dot_y(cv, s[k].y[i]);
            if (have) line(cv, px, py, qx, qy, (int)k);
            else set_dot(cv, qx, qy, (int)k);
            px = qx;
            py = qy;
            have = 1;
        }
    }
    for (size_t m = 0; m < nmarks; m++) {
        const bl_mark *mk = &marks[m];
        if (mk->half > 0) {
            double xa = mk->x - mk->half, xb = mk->x + mk->half;
            double ya = mk->y - mk->slope * mk->half, yb = mk->y + mk->slope * mk->half;
            if (usable(cv, xa, ya) && usable(cv, xb, yb))
                line(cv, dot_x(cv, xa), dot_y(cv, ya), dot_x(cv, xb), dot_y(cv, yb), mk->series);
        } else {
            put_glyph(cv, mk->x, mk->y, mk->alert ? BL_PLOT_ALERT : mk->glyph, 255, mk->alert);
        }
    }
    char top[32], bot[32], l[32], r[32];
    fmt_num(top, sizeof top, cv->y1, cv->logy);
    fmt_num(bot, sizeof bot, cv->y0, cv->logy);
    if (o->title) fprintf(f, "%s\n", o->title);
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
        int cx = nx > 1 ? (int)floor((marks[m].x - xa) / (xb - xa) * (W - 1) + 0.5) : 0;
        int cy = Hrows - 1 - (ny > 1 ? (int)floor((marks[m].y - ya) / (yb - ya) * (Hrows - 1)
                                                  + 0.5) : 0);
        if (cx < 0 || cy < 0 || cx >= W || cy >= Hrows) continue;
        if (alert[cy * W + cx] && !marks[m].alert) continue;
        over[cy * W + cx] = marks[m].alert ? BL_PLOT_ALERT : marks[m].glyph;
        alert[cy * W + cx] = marks[m].alert != 0;
    }
    if (o->title) fprintf(f, "%s\n", o->title);
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
    fprintf(f, "%10s  scale%s:", "", canlog ? " (log)" : "");
    for (int k = 0; k < levels; k++) {
        double t = (double)k / levels;
        double v = canlog ? exp(log(zmin) + t * (log(zmax) - log(zmin))) : zmin + t * (zmax - zmin);
        if (o->color) fprintf(f, " \033[48;5;%dm  \033[0m%.3g", colors[k * (ncol - 1) / (levels - 1)], v);
        else fprintf(f, " %c%.3g", ramp[k * 9 / (levels - 1)], v);
    }
    fprintf(f, "  (max %.4g)\n", zmax);
    print_note(f, o);
    #undef LEVEL
    free(over);
    free(alert);
}
