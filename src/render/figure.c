/* figure.c: PNG, SVG and PDF figures with cairo (when built with it). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "figure.h"
#include "fileio.h"

#ifdef HAVE_CAIRO
#include <cairo.h>
#include <cairo-pdf.h>
#include <cairo-svg.h>

#define FW 720.0
#define FH 480.0
#define ML 90.0
#define MR 30.0
#define MT 40.0
#define MB 60.0

static const double palette[][3] = {
    {0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
    {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50},
};

typedef struct frame { double x0, x1, y0, y1, pw, ph, ox, oy; int logx, logy; } frame;

static double fx(const frame *f, double x)
{
    double t = f->logx ? log10(x) : x;
    return f->ox + (t - f->x0) / (f->x1 - f->x0) * f->pw;
}

static double fy(const frame *f, double y)
{
    double t = f->logy ? log10(y) : y;
    return f->oy + f->ph - (t - f->y0) / (f->y1 - f->y0) * f->ph;
}

static int ok(const frame *f, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!f->logx || x > 0) && (!f->logy || y > 0);
}

/* cairo writes a figure through this into the temporary of an atomic
 * write (fileio.h), so that a failed write leaves the old file. */
static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int n)
{
    bl_wfile *w = closure;
    if (w->err) return CAIRO_STATUS_WRITE_ERROR;
    errno = 0;
    if (fwrite(data, 1, n, w->f) != n) {
        w->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Opens a surface for PATH by its extension, and W, the file it goes to. */
static cairo_surface_t *open_surface(const char *path, int *png, bl_wfile *w, bl_err *e)
{
    const char *dot = strrchr(path, '.');
    int kind = !dot ? 0 : !strcmp(dot, ".png") ? 1 : !strcmp(dot, ".svg") ? 2
               : !strcmp(dot, ".pdf") ? 3 : 0;
    cairo_surface_t *sf;
    *png = kind == 1;
    if (!kind) {
        bl_err_set(e, BL_EINVAL, "'%s': a figure is .png, .svg or .pdf", path);
        return NULL;
    }
    if (bl_wfile_open(w, path, e)) return NULL;
    if (kind == 1) sf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)FW, (int)FH);
    else if (kind == 2) sf = cairo_svg_surface_create_for_stream(write_stream, w, FW, FH);
    else sf = cairo_pdf_surface_create_for_stream(write_stream, w, FW, FH);
    if (cairo_surface_status(sf) != CAIRO_STATUS_SUCCESS) {
        bl_err_set(e, BL_EIO, "cannot write '%s': %s", path,
                   cairo_status_to_string(cairo_surface_status(sf)));
        cairo_surface_destroy(sf);
        bl_wfile_abort(w);
        return NULL;
    }
    return sf;
}

/* Finishes the figure: every cairo status checked, then the file renamed
 * into place; "wrote" is only ever said of a file written whole. */
static int close_surface(cairo_surface_t *sf, cairo_t *cr, bl_wfile *w, bl_err *e)
{
    int png = cairo_surface_get_type(sf) == CAIRO_SURFACE_TYPE_IMAGE;
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    if (cs == CAIRO_STATUS_SUCCESS && png) cs = cairo_surface_write_to_png_stream(sf, write_stream, w);
    cairo_surface_finish(sf);               /* PDF and SVG write their end here */
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS && !w->err) {
        bl_err_set(e, BL_EIO, "cannot write '%s': %s", w->path, cairo_status_to_string(cs));
        bl_wfile_abort(w);
        return BL_EIO;
    }
    return bl_wfile_commit(w, e);     /* with the errno of a failed write, if any */
}

static void text(cairo_t *cr, double x, double y, const char *s, double ax, double ay)
{
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    cairo_move_to(cr, x - ax * te.width - te.x_bearing, y - ay * te.height - te.y_bearing);
    cairo_show_text(cr, s);
}

/* Axes with 5 ticks a side and labels. */
static void axes(cairo_t *cr, const frame *f, const bl_plot_opts *o)
{
    char buf[64];
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, f->ox, f->oy, f->pw, f->ph);
    cairo_stroke(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    for (int k = 0; k <= 4; k++) {
        double tx = f->x0 + (f->x1 - f->x0) * k / 4, ty = f->y0 + (f->y1 - f->y0) * k / 4;
        double px = f->ox + f->pw * k / 4, py = f->oy + f->ph - f->ph * k / 4;
        snprintf(buf, sizeof buf, "%.4g", f->logx ? pow(10, tx) : tx);
        text(cr, px, f->oy + f->ph + 6, buf, 0.5, 0);
        snprintf(buf, sizeof buf, "%.4g", f->logy ? pow(10, ty) : ty);
        text(cr, f->ox - 6, py, buf, 1, 0.5);
        cairo_move_to(cr, px, f->oy + f->ph);
        cairo_line_to(cr, px, f->oy + f->ph - 4);
        cairo_move_to(cr, f->ox, py);
        cairo_line_to(cr, f->ox + 4, py);
    }
    cairo_stroke(cr);
    cairo_set_font_size(cr, 13);
    if (o->title) text(cr, FW / 2, 12, o->title, 0.5, 0);
    /* the x label moves up when the alert legend (note) takes the last line */
    if (o->xlabel) text(cr, f->ox + f->pw / 2, o->note ? FH - 36 : FH - 20, o->xlabel, 0.5, 0);
    if (o->ylabel) {
        cairo_save(cr);
        cairo_translate(cr, 16, f->oy + f->ph / 2);
        cairo_rotate(cr, -M_PI / 2);
        text(cr, 0, 0, o->ylabel, 0.5, 0.5);
        cairo_restore(cr);
    }
}

/* An alert mark (a point whose inner solve stopped short): a red cross. */
static void alert_cross(cairo_t *cr, double px, double py)
{
    cairo_set_source_rgb(cr, 0.84, 0.0, 0.0);
    cairo_set_line_width(cr, 2);
    cairo_move_to(cr, px - 5, py - 5);
    cairo_line_to(cr, px + 5, py + 5);
    cairo_move_to(cr, px - 5, py + 5);
    cairo_line_to(cr, px + 5, py - 5);
    cairo_stroke(cr);
}

/* The legend of the alert marks, bottom left: a red cross and O->note. */
static void note(cairo_t *cr, const bl_plot_opts *o)
{
    if (!o->note) return;
    alert_cross(cr, 16, FH - 12);
    cairo_set_source_rgb(cr, 0.84, 0.0, 0.0);
    cairo_set_font_size(cr, 11);
    text(cr, 28, FH - 12, o->note, 0, 0.5);
}

int bl_figure_available(void) { return 1; }

int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e)
{
    int png;
    frame f = {INFINITY, -INFINITY, INFINITY, -INFINITY, FW - ML - MR, FH - MT - MB, ML, MT,
               o->logx, o->logy};
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++)
            if (ok(&f, s[k].x[i], s[k].y[i])) {
                double x = f.logx ? log10(s[k].x[i]) : s[k].x[i];
                double y = f.logy ? log10(s[k].y[i]) : s[k].y[i];
                f.x0 = fmin(f.x0, x);
                f.x1 = fmax(f.x1, x);
                f.y0 = fmin(f.y0, y);
                f.y1 = fmax(f.y1, y);
            }
    for (size_t k = 0; o->band_lo && o->band_hi && k < ns; k++)
        for (size_t i = 0; o->band_lo[k] && o->band_hi[k] && i < s[k].n; i++) {
            double a = o->band_lo[k][i], b = o->band_hi[k][i];
            if (!ok(&f, s[k].x[i], a) || !ok(&f, s[k].x[i], b)) continue;
            f.y0 = fmin(f.y0, f.logy ? log10(a) : a);
            f.y1 = fmax(f.y1, f.logy ? log10(b) : b);
        }
    if (!(f.x0 <= f.x1)) {
        bl_err_set(e, BL_EINVAL, "nothing to plot");
        return BL_EINVAL;
    }
    if (f.x1 == f.x0) { f.x0 -= 0.5; f.x1 += 0.5; }
    if (f.y1 == f.y0) { f.y0 -= 0.5; f.y1 += 0.5; }
    double pad = 0.05 * (f.y1 - f.y0);
    f.y0 -= pad;
    f.y1 += pad;
    bl_wfile w;
    cairo_surface_t *sf = open_surface(path, &png, &w, e);
    if (!sf) return e && e->code ? e->code : BL_EINVAL;
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    axes(cr, &f, o);
    cairo_save(cr);
    cairo_rectangle(cr, f.ox, f.oy, f.pw, f.ph);
    cairo_clip(cr);
    /* bands first, translucent, under every line: a polygon along the
     * upper edge and back along the lower one, per run of usable points */
    for (size_t k = 0; o->band_lo && o->band_hi && k < ns; k++) {
        const double *lo = o->band_lo[k], *hi = o->band_hi[k], *c = palette[k % 8];
        if (!lo || !hi) continue;
        cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.18);
        for (size_t i = 0; i < s[k].n;) {
            if (!ok(&f, s[k].x[i], lo[i]) || !ok(&f, s[k].x[i], hi[i])) { i++; continue; }
            size_t a = i;
            while (i < s[k].n && ok(&f, s[k].x[i], lo[i]) && ok(&f, s[k].x[i], hi[i])) i++;
            cairo_move_to(cr, fx(&f, s[k].x[a]), fy(&f, hi[a]));
            for (size_t t = a + 1; t < i; t++) cairo_line_to(cr, fx(&f, s[k].x[t]), fy(&f, hi[t]));
            for (size_t t = i; t-- > a;) cairo_line_to(cr, fx(&f, s[k].x[t]), fy(&f, lo[t]));
            cairo_close_path(cr);
            cairo_fill(cr);
        }
    }
    cairo_set_line_width(cr, 1.8);
    for (size_t k = 0; k < ns; k++) {
        const double *c = palette[k % 8];
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        int pen = 0;
        for (size_t i = 0; i < s[k].n; i++) {
            if (!ok(&f, s[k].x[i], s[k].y[i])) { pen = 0; continue; }
            if (pen) cairo_line_to(cr, fx(&f, s[k].x[i]), fy(&f, s[k].y[i]));
            else cairo_move_to(cr, fx(&f, s[k].x[i]), fy(&f, s[k].y[i]));
            pen = 1;
        }
        cairo_stroke(cr);
    }
    cairo_set_line_width(cr, 1.2);
    for (size_t m = 0; m < nmarks; m++) {
        const bl_mark *mk = &marks[m];
        if (mk->half > 0) {
            const double *c = palette[(mk->series + 1) % 8];
            double xa = mk->x - mk->half, xb = mk->x + mk->half;
            double ya = mk->y - mk->slope * mk->half, yb = mk->y + mk->slope * mk->half;
            if (!ok(&f, xa, ya) || !ok(&f, xb, yb)) continue;
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            cairo_move_to(cr, fx(&f, xa), fy(&f, ya));
            cairo_line_to(cr, fx(&f, xb), fy(&f, yb));
            cairo_stroke(cr);
        } else if (mk->alert && ok(&f, mk->x, mk->y)) {
            alert_cross(cr, fx(&f, mk->x), fy(&f, mk->y));
            cairo_set_line_width(cr, 1.2);
        } else if (ok(&f, mk->x, mk->y)) {
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_arc(cr, fx(&f, mk->x), fy(&f, mk->y), mk->glyph && !strcmp(mk->glyph, "o") ? 3 : 5,
                      0, 2 * M_PI);
            if (mk->glyph && !strcmp(mk->glyph, "*")) cairo_fill(cr);
            else cairo_stroke(cr);
        }
    }
    cairo_restore(cr);
    cairo_set_font_size(cr, 11);
    for (size_t k = 0; ns > 1 && k < ns; k++) {
        const double *c = palette[k % 8];
        double y = f.oy + 14 + 16 * k;
        cairo_set_source_rgb(cr, c[0], c[1], c[2]);
        cairo_rectangle(cr, f.ox + f.pw - 150, y - 4, 20, 3);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, f.ox + f.pw - 124, y - 2, s[k].label ? s[k].label : "", 0, 0.5);
    }
    note(cr, o);
    return close_surface(sf, cr, &w, e);
}

/* viridis-like ramp from t in [0, 1] */
static void ramp(double t, double *r, double *g, double *b)
{
    static const double c[5][3] = {{0.27, 0.00, 0.33}, {0.23, 0.32, 0.55}, {0.13, 0.57, 0.55},
                                   {0.37, 0.79, 0.38}, {0.99, 0.91, 0.14}};
    t = fmin(1, fmax(0, t)) * 4;
    int i = (int)floor(t);
    if (i >= 4) i = 3;
    double u = t - i;
    *r = c[i][0] + u * (c[i + 1][0] - c[i][0]);
    *g = c[i][1] + u * (c[i + 1][1] - c[i][1]);
    *b = c[i][2] + u * (c[i + 1][2] - c[i][2]);
}

int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e)
{
    int png;
    double zmin = INFINITY, zmax = -INFINITY;
    for (size_t k = 0; k < nx * ny; k++)
        if (isfinite(z[k])) {
            zmin = fmin(zmin, z[k]);
            zmax = fmax(zmax, z[k]);
            if (z[k] <= 0) logz = 0;
        }
    if (!(zmin <= zmax) || nx < 2 || ny < 2) {
        bl_err_set(e, BL_EINVAL, "nothing to plot");
        return BL_EINVAL;
    }
    frame f = {x[0], x[nx - 1], y[0], y[ny - 1], FW - ML - MR - 70, FH - MT - MB, ML, MT, 0, 0};
    bl_wfile w;
    cairo_surface_t *sf = open_surface(path, &png, &w, e);
    if (!sf) return e && e->code ? e->code : BL_EINVAL;
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    double cw = f.pw / nx, ch = f.ph / ny;
    for (size_t j = 0; j < ny; j++)
        for (size_t i = 0; i < nx; i++) {
            double v = z[i + nx * j], r, g, b;
            if (!isfinite(v)) continue;
            double t = logz ? (log(v) - log(zmin)) / (log(zmax) - log(zmin) + 1e-300)
                            : (v - zmin) / (zmax - zmin + 1e-300);
            ramp(t, &r, &g, &b);
            cairo_set_source_rgb(cr, r, g, b);
            cairo_rectangle(cr, f.ox + i * cw, f.oy + f.ph - (j + 1) * ch, cw + 0.5, ch + 0.5);
            cairo_fill(cr);
        }
    axes(cr, &f, o);
    for (size_t m = 0; m < nmarks; m++) {
        if (!isfinite(marks[m].x) || !isfinite(marks[m].y)) continue;
        double px = fx(&f, marks[m].x), py = fy(&f, marks[m].y);
        if (marks[m].alert) {
            alert_cross(cr, px, py);
            continue;
        }
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_font_size(cr, 14);
        text(cr, px, py, marks[m].glyph ? marks[m].glyph : "+", 0.5, 0.5);
    }
    /* colour bar */
    double bx = f.ox + f.pw + 20;
    for (int k = 0; k < 100; k++) {
        double r, g, b;
        ramp(k / 99.0, &r, &g, &b);
        cairo_set_source_rgb(cr, r, g, b);
        cairo_rectangle(cr, bx, f.oy + f.ph - (k + 1) * f.ph / 100, 16, f.ph / 100 + 0.5);
        cairo_fill(cr);
    }
    char buf[32];
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 10);
    snprintf(buf, sizeof buf, "%.3g", zmax);
    text(cr, bx + 20, f.oy, buf, 0, 0.5);
    snprintf(buf, sizeof buf, "%.3g%s", zmin, logz ? " (log)" : "");
    text(cr, bx + 20, f.oy + f.ph, buf, 0, 0.5);
    note(cr, o);
    return close_surface(sf, cr, &w, e);
}

#else

int bl_figure_available(void) { return 0; }

static int none(bl_err *e)
{
    bl_err_set(e, BL_EUNSUPPORTED, "figures in files need cairo, which this build of bilab "
               "does not have (install libcairo2-dev and run configure again); "
               "'export ... FILE.csv' writes the numbers");
    return BL_EUNSUPPORTED;
}

int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e)
{
    (void)path; (void)o; (void)s; (void)ns; (void)marks; (void)nmarks;
    return none(e);
}

int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e)
{
    (void)path; (void)o; (void)x; (void)nx; (void)y; (void)ny; (void)z; (void)logz;
    (void)marks; (void)nmarks;
    return none(e);
}

#endif
