/* figure.h: publication figures (PNG, SVG, PDF) through PLplot, an
 * optional dependency: without it those calls return BL_EUNSUPPORTED.
 * Every figure can also be written as data and a gnuplot script (PATH
 * ending in .gp: PATH and PATH's stem + .dat), which needs no PLplot.
 *
 * PLplot has global state and is not thread-safe: call these from one
 * thread (the command thread).  Each figure is a stream of its own,
 * created and ended in the call; PLplot's errors come back in E (one
 * line), never on stderr nor through exit().  Files are written whole or
 * not at all (fileio.h). */
#ifndef BL_FIGURE_H
#define BL_FIGURE_H

#include "bl.h"
#include "plot.h"

/* 1 when bilab was built with PLplot (PNG, SVG, PDF figures). */
int bl_figure_available(void);
/* Line plot of the series (log axes from O), bands (O->band_lo/hi), and
 * marks: segments (tangents) and symbols, one legend entry per series,
 * band, and mark label; marks with glyph "o" (the outer trace) are joined
 * in order.  The format comes from PATH's extension (.png, .svg, .pdf,
 * .gp). */
int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e);
/* Shaded contours of Z (nx × ny, z[i + nx·j]) with a colour bar, the
 * arrow field O->field_u/v where given, and marks as above. */
int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e);
/* NP line panels stacked top to bottom in one figure (no marks): panel i
 * has options O[i] and series S[i][0 .. NS[i]). */
int bl_figure_panels(const char *path, size_t np, const bl_plot_opts *o,
                     const bl_series *const *s, const size_t *ns, bl_err *e);

/* Parses plot.size "WxH" (pixels, each in [100, 8000]); one-line error. */
int bl_figure_parse_size(const char *text, int *w, int *h, bl_err *e);
/* Parses plot.font "FAMILY[/SIZE]" (sans, serif, mono; SIZE in points,
 * [4, 72]) into FAMILY (at least 8 bytes) and *SIZE. */
int bl_figure_parse_font(const char *text, char *family, double *size, bl_err *e);

#endif
