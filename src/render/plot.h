/* plot.h: terminal plots (braille line plots, half-block heatmaps with a
 * 256-colour scale) with a plain ASCII fallback.  Pure rendering into a
 * stream: no state, no curses. */
#ifndef BL_PLOT_H
#define BL_PLOT_H

#include <stddef.h>
#include <stdio.h>

typedef struct bl_plot_opts {
    int width, height;        /* plot area in character cells */
    int unicode;              /* braille and half blocks; 0: ASCII */
    int color;                /* 256-colour escapes */
    int logx, logy;
    const char *title, *xlabel, *ylabel;
    const char *note;         /* a legend line under the plot (the alert marks), or NULL */
    /* per series, a band around its line (the 10–90% over seeds) at the
     * same abscissae, or NULL: shaded in figures, vertical bars at
     * staggered points in the terminal */
    const double *const *band_lo, *const *band_hi;
    /* Figures only (figure.h; the terminal plots ignore these).  The page:
     * fig_w × fig_h pixels at fig_dpi (PNG; PDF and SVG: the same page in
     * points), the font family (sans, serif, mono) and size in points;
     * 0 or NULL: 700×480, 100 dpi, sans 10.  A heatmap's arrow field
     * field_u, field_v (nx × ny like z; NaN: no arrow), or NULL.  x2name:
     * a secondary x axis on top that reads exp(x), with this name (NULL:
     * none).  band_name: the legend text of the bands ("10–90%"). */
    int fig_w, fig_h;
    double fig_dpi, fig_fontsize;
    const char *fig_font;
    const double *field_u, *field_v;
    const char *x2name;
    const char *band_name;
    int cols;                 /* the columns text lines (title, heatmap scale) may
                                 use: they break at spaces; 0: no limit */
} bl_plot_opts;

typedef struct bl_series {
    const char *label;
    const double *x, *y;      /* n points; NaN points are skipped */
    size_t n;
} bl_series;

/* A marker drawn over the plot: a character at (x, y), or a short segment
 * from (x, y) with slope SLOPE over ±HALF in x when HALF > 0. */
typedef struct bl_mark {
    double x, y;
    double slope, half;
    const char *glyph;        /* UTF-8 or ASCII text of one cell */
    int series;               /* colour of the segment (series index) */
    int alert;                /* 1: drawn in the alert colour (red), over other
                                 marks: a point whose inner solve stopped short */
    const char *label;        /* figures: the legend text of the mark's group
                                 (marks with one label share one entry, drawn
                                 with the same symbol); NULL: no entry */
} bl_mark;

/* The glyph of alert marks, and the legend line that explains them. */
#define BL_PLOT_ALERT "!"

/* Lines through each series, then the marks, with axes and a legend. */
void bl_plot_lines(FILE *f, const bl_plot_opts *o, const bl_series *s, size_t ns,
                   const bl_mark *marks, size_t nmarks);

/* A heatmap of Z (nx × ny, z[i + nx·j] at x[i], y[j]) with a colour scale
 * of LEVELS bands (log-scaled when logz and every z > 0), and marks. */
void bl_plot_heatmap(FILE *f, const bl_plot_opts *o, const double *x, size_t nx,
                     const double *y, size_t ny, const double *z, int logz,
                     int levels, const bl_mark *marks, size_t nmarks);

/* The glyph for an arrow pointing along (dx, dy) (screen up is +dy). */
const char *bl_plot_arrow(double dx, double dy, int unicode);

#endif
