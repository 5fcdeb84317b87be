/* figure.h: publication figures (PNG, SVG, PDF) through cairo, an
 * optional dependency: without it every call returns BL_EUNSUPPORTED. */
#ifndef BL_FIGURE_H
#define BL_FIGURE_H

#include "bl.h"
#include "plot.h"

/* 1 when bilab was built with cairo. */
int bl_figure_available(void);
/* Line plot of the series (log axes from O), marks as in the terminal
 * plots; the format comes from PATH's extension (.png, .svg, .pdf). */
int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e);
/* Heatmap of Z (nx × ny) with a colour bar, and marks. */
int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e);

#endif
