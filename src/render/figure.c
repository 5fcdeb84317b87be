/* figure.c: PNG, SVG and PDF figures through PLplot (when built with it),
 * and any figure as data plus a gnuplot script (always).
 *
 * Drivers: pngcairo for PNG, pdfcairo for PDF, and PLplot's own svg driver
 * for SVG, which writes text as <text> (svgcairo draws glyphs as paths:
 * a figure's labels could then be neither edited nor tested). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figure.h"
#include "fileio.h"

/* ---- settings text ---- */

int bl_figure_parse_size(const char *text, int *w, int *h, bl_err *e)
{
    char *end;
    long a, b;
    errno = 0;
    a = strtol(text, &end, 10);
    if (end == text || (*end != 'x' && *end != 'X')) goto bad;
    const char *t = end + 1;
    b = strtol(t, &end, 10);
    if (end == t || *end || errno) goto bad;
    if (a < 100 || a > 8000 || b < 100 || b > 8000) {
        bl_err_set(e, BL_EINVAL, "plot.size=%s is out of range: each side in [100, 8000] pixels",
                   text);
        return BL_EINVAL;
    }
    *w = (int)a;
    *h = (int)b;
    return BL_OK;
bad:
    bl_err_set(e, BL_EINVAL, "plot.size takes WIDTHxHEIGHT in pixels (700x480), not '%s'", text);
    return BL_EINVAL;
}

int bl_figure_parse_font(const char *text, char *family, double *size, bl_err *e)
{
    static const char *const fam[] = {"sans", "serif", "mono"};
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (strlen(fam[i]) == n && !strncmp(text, fam[i], n)) k = i;
    if (k < 0) {
        bl_err_set(e, BL_EINVAL, "plot.font takes sans|serif|mono[/SIZE], not '%s'", text);
        return BL_EINVAL;
    }
    double sz = 10;
    if (slash) {
        char *end;
        sz = strtod(slash + 1, &end);
        if (end == slash + 1 || *end || !(sz >= 4 && sz <= 72)) {
            bl_err_set(e, BL_EINVAL, "plot.font: the size is in points, in [4, 72], not '%s'",
                       slash + 1);
            return BL_EINVAL;
        }
    }
    strcpy(family, fam[k]);
    *size = sz;
    return BL_OK;
}

/* ---- common ---- */

static int kind_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    return !dot ? 0 : !strcmp(dot, ".png") ? 1 : !strcmp(dot, ".svg") ? 2
           : !strcmp(dot, ".pdf") ? 3 : !strcmp(dot, ".gp") ? 4 : 0;
}

static int bad_kind(const char *path, bl_err *e)
{
    bl_err_set(e, BL_EINVAL, "'%s': a figure is .png, .svg, .pdf, or .gp (a gnuplot script "
               "and its data)", path);
    return BL_EINVAL;
}

/* The symbol a figure draws for a terminal glyph, and its colour (cmap0
 * index): the legend shows the same string. */
static const char *fig_symbol(const bl_mark *m, int *col)
{
    const char *g = m->glyph ? m->glyph : "+";
    *col = 1;
    if (m->alert) { *col = 10; return "✕"; }
    if (!strcmp(g, "o")) { *col = 11; return "○"; }
    if (!strcmp(g, "*")) { *col = 12; return "★"; }
    if (!strcmp(g, "@") || !strcmp(g, "X") || !strcmp(g, "◆")) { *col = 13; return "◆"; }
    return g;
}

/* A mark's legend text: its label, or for an alert mark the note. */
static const char *mark_label(const bl_plot_opts *o, const bl_mark *m)
{
    if (m->label) return m->label;
    return m->alert ? (o->note ? o->note : "inner solve stopped short of inner.tol") : NULL;
}
#define LAB(i) mark_label(o, &m[i])

/* ---- data and a gnuplot script ---- */

static void gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; s && *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The .dat name beside PATH (…/name.gp → …/name.dat), and its base name. */
static char *dat_path(const char *path)
{
    size_t n = strlen(path);
    char *d = malloc(n + 2);
    if (!d) return NULL;
    memcpy(d, path, n - 3);
    strcpy(d + n - 3, ".dat");
    return d;
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static const char *const gp_colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                        "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

static void gp_head(FILE *g, const bl_plot_opts *o, const char *dat, const char *stem)
{
    int w = o->fig_w > 0 ? o->fig_w : 700, h = o->fig_h > 0 ? o->fig_h : 480;
    const char *font = o->fig_font && !strcmp(o->fig_font, "serif") ? "Serif"
                       : o->fig_font && !strcmp(o->fig_font, "mono") ? "Monospace" : "Sans";
    fprintf(g, "# written by bilab: restyle freely; the data is in %s\n", dat);
    fprintf(g, "# run: gnuplot %s.gp   (writes %s.png; change the terminal for PDF/SVG)\n",
            stem, stem);
    fprintf(g, "set encoding utf8\nset terminal pngcairo size %d,%d font '%s,%g'\n", w, h, font,
            o->fig_fontsize > 0 ? o->fig_fontsize : 10);
    fprintf(g, "set output '%s.png'\ndata = '%s'\nset key top right box opaque\n", stem, dat);
}

static void gp_axes(FILE *g, const bl_plot_opts *o)
{
    fprintf(g, "unset logscale\n");
    if (o->logx) fprintf(g, "set logscale x 10\nset format x '10^{%%L}'\n");
    else fprintf(g, "set format x '%%g'\n");
    if (o->logy) fprintf(g, "set logscale y 10\nset format y '10^{%%L}'\n");
    else fprintf(g, "set format y '%%g'\n");
    fprintf(g, "set title ");
    gp_quote(g, o->title ? o->title : "");
    fprintf(g, "\nset xlabel ");
    gp_quote(g, o->xlabel ? o->xlabel : "");
    fprintf(g, "\nset ylabel ");
    gp_quote(g, o->ylabel ? o->ylabel : "");
    fputc('\n', g);
}

/* Writes the blocks of one line panel to D (from *IDX on) and its plot
 * command to G. */
static void gp_lines(FILE *g, FILE *d, int *idx, const bl_plot_opts *o, const bl_series *s,
                     size_t ns, const bl_mark *m, size_t nm)
{
    char cmd[16384];
    size_t l = 0;
    gp_axes(g, o);
    l += (size_t)snprintf(cmd + l, sizeof cmd - l, "plot");
    int first = 1;
#define SEP (first ? (first = 0, " ") : ", \\\n     ")
    for (size_t k = 0; k < ns; k++) {
        int band = o->band_lo && o->band_hi && o->band_lo[k] && o->band_hi[k];
        fprintf(d, "# series %zu: %s\n# x y%s\n", k, s[k].label ? s[k].label : "",
                band ? " lo hi" : "");
        for (size_t i = 0; i < s[k].n; i++) {
            fprintf(d, "%.17g %.17g", s[k].x[i], s[k].y[i]);
            if (band) fprintf(d, " %.17g %.17g", o->band_lo[k][i], o->band_hi[k][i]);
            fputc('\n', d);
        }
        fprintf(d, "\n\n");
        if (band && l < sizeof cmd)
            l += (size_t)snprintf(cmd + l, sizeof cmd - l,
                                  "%sdata index %d using 1:3:4 with filledcurves fc '%s' "
                                  "fs transparent solid 0.2 title '%s %s'", SEP, *idx,
                                  gp_colors[k % 8], s[k].label ? s[k].label : "",
                                  o->band_name ? o->band_name : "band");
        if (l < sizeof cmd)
            l += (size_t)snprintf(cmd + l, sizeof cmd - l,
                                  "%sdata index %d using 1:2 with lines lw 2 lc '%s' title '%s'",
                                  SEP, *idx, gp_colors[k % 8], s[k].label ? s[k].label : "");
        (*idx)++;
    }
    /* marks, one block per label (segments: x0 y0 x1 y1) */
    for (size_t a = 0; a < nm; a++) {
        int dup = 0;
        for (size_t b = 0; b < a; b++)
            if (LAB(b) && LAB(a) && !strcmp(LAB(a), LAB(b))) dup = 1;
        if (dup || !LAB(a)) continue;
        int seg = m[a].half > 0, col;
        const char *sym = fig_symbol(&m[a], &col);
        fprintf(d, "# marks: %s\n", LAB(a));
        for (size_t b = a; b < nm; b++) {
            if (!LAB(b) || strcmp(LAB(a), LAB(b))) continue;
            if (seg)
                fprintf(d, "%.17g %.17g %.17g %.17g\n", m[b].x - m[b].half,
                        m[b].y - m[b].slope * m[b].half, m[b].x + m[b].half,
                        m[b].y + m[b].slope * m[b].half);
            else fprintf(d, "%.17g %.17g\n", m[b].x, m[b].y);
        }
        fprintf(d, "\n\n");
        if (l < sizeof cmd) {
            if (seg)
                l += (size_t)snprintf(cmd + l, sizeof cmd - l,
                                      "%sdata index %d using 1:2:($3-$1):($4-$2) with vectors "
                                      "nohead lc '%s' title '%s'", SEP, *idx,
                                      gp_colors[m[a].series % 8], LAB(a));
            else
                l += (size_t)snprintf(cmd + l, sizeof cmd - l,
                                      "%sdata index %d using 1:2 with %s pt '%s' title '%s'",
                                      SEP, *idx, !strcmp(sym, "○") ? "linespoints" : "points",
                                      sym, LAB(a));
        }
        (*idx)++;
    }
#undef SEP
    fprintf(g, "%s\n", cmd);
}

/* Writes PATH (.gp) and its .dat: one or more line panels, or a heatmap
 * (X non-NULL). */
static int gp_write(const char *path, size_t np, const bl_plot_opts *o,
                    const bl_series *const *s, const size_t *ns, const bl_mark *m, size_t nm,
                    const double *x, size_t nx, const double *y, size_t ny, const double *z,
                    bl_err *e)
{
    char *dp = dat_path(path);
    if (!dp) {
        bl_err_set(e, BL_ENOMEM, "out of memory");
        return BL_ENOMEM;
    }
    char stem[512];
    snprintf(stem, sizeof stem, "%s", base(path));
    stem[strlen(stem) - 3] = 0;
    bl_wfile wd, wg;
    int st = bl_wfile_open(&wd, dp, e);
    if (st) {
        free(dp);
        return st;
    }
    if ((st = bl_wfile_open(&wg, path, e))) {
        bl_wfile_abort(&wd);
        free(dp);
        return st;
    }
    FILE *d = wd.f, *g = wg.f;
    int idx = 0;
    gp_head(g, o, base(dp), stem);
    if (x) {
        fprintf(d, "# x y z u v   (u, v: the arrow field, nan where none)\n");
        for (size_t j = 0; j < ny; j++) {
            for (size_t i = 0; i < nx; i++)
                fprintf(d, "%.17g %.17g %.17g %.17g %.17g\n", x[i], y[j], z[i + nx * j],
                        o->field_u ? o->field_u[i + nx * j] : NAN,
                        o->field_v ? o->field_v[i + nx * j] : NAN);
            fputc('\n', d);
        }
        fprintf(d, "\n");
        idx = 1;
        gp_axes(g, o);
        fprintf(g, "set view map\nset contour base\nset cntrparam levels 10\n"
                "set palette viridis\nunset surface\nset pm3d at b\n");
        fprintf(g, "splot data index 0 using 1:2:3 with pm3d title 'F'");
        if (o->field_u)
            fprintf(g, ", \\\n      data index 0 using 1:2:(0):($4*0.05):($5*0.05):(0) "
                    "with vectors lc 'white' title '-∇F'");
        /* marks as points on the base plane */
        for (size_t a = 0; a < nm; a++) {
            int dup = 0, col;
            for (size_t b = 0; b < a; b++)
                if (LAB(b) && LAB(a) && !strcmp(LAB(a), LAB(b))) dup = 1;
            if (dup || !LAB(a)) continue;
            fprintf(d, "# marks: %s\n", LAB(a));
            for (size_t b = a; b < nm; b++)
                if (LAB(b) && !strcmp(LAB(a), LAB(b)))
                    fprintf(d, "%.17g %.17g\n", m[b].x, m[b].y);
            fprintf(d, "\n\n");
            fprintf(g, ", \\\n      data index %d using 1:2:(0) with points pt '%s' tc 'white' "
                    "title '%s'", idx++, fig_symbol(&m[a], &col), LAB(a));
        }
        fputc('\n', g);
    } else {
        if (np > 1) fprintf(g, "set multiplot layout %zu,1\n", np);
        for (size_t p = 0; p < np; p++)
            gp_lines(g, d, &idx, &o[p], s[p], ns[p], p == 0 ? m : NULL, p == 0 ? nm : 0);
        if (np > 1) fprintf(g, "unset multiplot\n");
    }
    free(dp);
    int sd = bl_wfile_commit(&wd, e);
    if (sd) {
        bl_wfile_abort(&wg);
        return sd;
    }
    return bl_wfile_commit(&wg, e);
}

#ifdef HAVE_PLPLOT
#include <plplot.h>

/* ---- PLplot: errors back in E, never exit() ---- */

static int usable(const bl_plot_opts *o, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!o->logx || x > 0) && (!o->logy || y > 0);
}


static jmp_buf pl_jump;
static char pl_msg[256];
static char pl_errmsg[1024];   /* plsError: PLplot writes here, not to stderr */
static PLINT pl_errcode;
static int pl_active;

static int pl_exit(PLCHAR_VECTOR msg)
{
    if (!pl_msg[0]) snprintf(pl_msg, sizeof pl_msg, "%s", msg ? msg : "PLplot failed");
    if (pl_active) longjmp(pl_jump, 1);
    return 0;
}

static void pl_abort(PLCHAR_VECTOR msg)
{
    if (!pl_msg[0]) snprintf(pl_msg, sizeof pl_msg, "%s", msg ? msg : "PLplot failed");
}

static const unsigned char cmap0[][3] = {
    {255, 255, 255}, {0, 0, 0},                                           /* bg, fg */
    {31, 119, 180}, {255, 127, 14}, {44, 160, 44}, {214, 39, 40},         /* 2..9 */
    {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
    {215, 0, 0}, {40, 40, 40}, {200, 140, 0}, {120, 0, 160},              /* alert, o, *, ◆ */
    {255, 255, 255}, {90, 90, 90},                                        /* arrows, grid */
};
#define NCOL ((int)(sizeof cmap0 / sizeof cmap0[0]))

typedef struct fig {
    bl_wfile w;
    int kind;
    PLINT strm;
    int tmpfd;        /* PLplot draws into an anonymous temporary, copied into w */
} fig;

/* Opens PATH's temporary and a PLplot stream writing into it. */
static int fig_open(fig *F, const char *path, const bl_plot_opts *o, bl_err *e)
{
    F->kind = kind_of(path);
    if (bl_wfile_open(&F->w, path, e)) return e && e->code ? e->code : BL_EIO;
    /* PLplot writes (and closes) a stream of its own and does not report
     * write errors: it draws into an anonymous temporary, which is then
     * copied into the atomic write, whose every error is seen */
    FILE *pf = tmpfile();
    F->tmpfd = pf ? dup(fileno(pf)) : -1;
    if (!pf || F->tmpfd < 0) {
        bl_err_set(e, BL_EIO, "cannot write '%s': %s", path, strerror(errno));
        if (pf) fclose(pf);
        bl_wfile_abort(&F->w);
        return BL_EIO;
    }
    int w = o->fig_w > 0 ? o->fig_w : 700, h = o->fig_h > 0 ? o->fig_h : 480;
    double dpi = o->fig_dpi > 0 ? o->fig_dpi : 100;
    PLINT r[NCOL], g[NCOL], b[NCOL];
    for (int i = 0; i < NCOL; i++) {
        r[i] = cmap0[i][0];
        g[i] = cmap0[i][1];
        b[i] = cmap0[i][2];
    }
    pl_msg[0] = 0;
    plsexit(pl_exit);
    plsabort(pl_abort);
    plmkstrm(&F->strm);
    pl_errcode = 0;
    pl_errmsg[0] = 0;
    plsError(&pl_errcode, pl_errmsg);
    plsdev(F->kind == 1 ? "pngcairo" : F->kind == 2 ? "svg" : "pdfcairo");
    plsfile(pf);                     /* PLplot closes it at plend1 */
    plspage(dpi, dpi, w, h, 0, 0);
    plscmap0(r, g, b, NCOL);
    plsfci(o->fig_font && !strcmp(o->fig_font, "serif") ? 0x80000001
           : o->fig_font && !strcmp(o->fig_font, "mono") ? 0x80000002 : 0x80000000);
    plinit();
    /* the size in points, at the page's resolution */
    plschr((o->fig_fontsize > 0 ? o->fig_fontsize : 10) * 25.4 / 72.0, 1.0);
    plsxax(8, 0);                    /* up to 8 digits before a "×10^k" */
    plsyax(8, 0);
    pladv(0);
    return BL_OK;
}

static int fig_close(fig *F, bl_err *e)
{
    plend1();
    char buf[65536];
    ssize_t r;
    size_t total = 0;
    if (pl_msg[0]) {
        bl_err_set(e, BL_EIO, "cannot write '%s': PLplot: %s", F->w.path, pl_msg);
        close(F->tmpfd);
        bl_wfile_abort(&F->w);
        return BL_EIO;
    }
    if (lseek(F->tmpfd, 0, SEEK_SET) == 0)
        while ((r = read(F->tmpfd, buf, sizeof buf)) > 0) {
            total += (size_t)r;
            if (fwrite(buf, 1, (size_t)r, F->w.f) != (size_t)r) {
                if (!F->w.err) F->w.err = errno ? errno : EIO;
                break;
            }
        }
    close(F->tmpfd);
    if (total == 0) {
        bl_err_set(e, BL_EIO, "cannot write '%s': the figure came out empty", F->w.path);
        bl_wfile_abort(&F->w);
        return BL_EIO;
    }
    return bl_wfile_commit(&F->w, e);   /* with the errno of a failed write, if any */
}

/* Custom tick labels (plslabelfunc): e^x on the secondary axis (DATA
 * NULL), 10^x on a log axis of many decades (DATA non-NULL). */
static void axis_label(PLINT axis, PLFLT v, char *buf, PLINT len, PLPointer data)
{
    (void)axis;
    if (data) snprintf(buf, (size_t)len, "10#u%d#d", (int)lround(v));
    else snprintf(buf, (size_t)len, "%.3g", exp(v));
}

/* One axis: its plbox options into OPT (from BASE), the tick spacing and
 * subticks.  Linear: PLplot's own 1, 2, 5 × 10^k.  Log over at most 10
 * decades: PLplot's "l" (a label per decade, minor ticks 2..9); wider:
 * a label 10^k every ceil(decades/8) decades. */
static double axis_opts(char *opt, size_t len, const char *base, int logax, double lo,
                        double hi, PLINT *nsub, int *custom)
{
    *nsub = 0;
    *custom = 0;
    if (!logax) {
        snprintf(opt, len, "%s", base);
        return 0;
    }
    if (hi - lo <= 10) {
        snprintf(opt, len, "%sl", base);
        return 0;
    }
    *custom = 1;
    *nsub = 1;
    snprintf(opt, len, "%so", base);
    return ceil((hi - lo) / 8);
}

typedef struct legend {
    PLINT opt[40], tcol[40], lcol[40], lsty[40], scol[40], snum[40], bcol[40], bpat[40];
    PLFLT lw[40], ss[40], bscale[40], bw[40];
    const char *text[40], *sym[40];
    char store[40][160];
    int n;
} legend;

static void leg_add(legend *L, int opt, int col, const char *text, const char *sym)
{
    if (L->n >= 40) return;
    int i = L->n++;
    L->opt[i] = opt;
    L->tcol[i] = 1;
    L->lcol[i] = col;
    L->lsty[i] = 1;
    L->lw[i] = opt & PL_LEGEND_SYMBOL ? 0.8 : 2.0;
    L->scol[i] = col;
    L->snum[i] = opt & PL_LEGEND_LINE ? 3 : 1;
    L->ss[i] = 1.0;
    L->bcol[i] = col;
    L->bpat[i] = 0;
    L->bscale[i] = 0.6;
    L->bw[i] = 1;
    snprintf(L->store[i], sizeof L->store[i], "%s", text ? text : "");
    L->text[i] = L->store[i];
    L->sym[i] = sym ? sym : "";
}

static void leg_draw(legend *L, int inside)
{
    if (!L->n) return;
    PLFLT w, h;
    plcol0(1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             inside ? PL_POSITION_INSIDE | PL_POSITION_TOP | PL_POSITION_RIGHT
                    : PL_POSITION_OUTSIDE | PL_POSITION_RIGHT | PL_POSITION_TOP,
             0.01, 0.01, 0.06, 0, 1, 1, 0, 0, L->n, L->opt, 1.0, 0.9, 1.8, 0.0, L->tcol,
             L->text, L->bcol, L->bpat, L->bscale, L->bw, L->lcol, L->lsty, L->lw, L->scol,
             L->ss, L->snum, L->sym);
}

/* Marks: segments (tangents), symbols; the "o" marks joined in order;
 * their legend entries into L.  X and Y through TX, TY (log axes). */
static void draw_marks(const bl_plot_opts *o, const bl_mark *m, size_t nm, legend *L, int lx,
                       int ly)
{
    for (size_t a = 0; a < nm; a++) {
        if (!LAB(a)) continue;
        int dup = 0, col;
        for (size_t b = 0; b < a; b++)
            if (LAB(b) && !strcmp(LAB(a), LAB(b))) dup = 1;
        if (dup) continue;
        const char *sym = fig_symbol(&m[a], &col);
        int seg = m[a].half > 0;
        if (seg) col = 2 + m[a].series % 8;
        int joined = !seg && m[a].glyph && !strcmp(m[a].glyph, "o") && !m[a].alert;
        PLFLT px[2], py[2];
        PLFLT *jx = NULL, *jy = NULL;
        size_t nj = 0;
        if (joined) {
            jx = malloc(nm * sizeof *jx);
            jy = malloc(nm * sizeof *jy);
        }
        plcol0(col);
        for (size_t b = a; b < nm; b++) {
            if (!LAB(b) || strcmp(LAB(a), LAB(b))) continue;
            if (seg) {
                double xa = m[b].x - m[b].half, xb = m[b].x + m[b].half;
                double ya = m[b].y - m[b].slope * m[b].half, yb = m[b].y + m[b].slope * m[b].half;
                if (!usable(o, xa, ya) || !usable(o, xb, yb)) continue;
                px[0] = lx ? log10(xa) : xa;
                px[1] = lx ? log10(xb) : xb;
                py[0] = ly ? log10(ya) : ya;
                py[1] = ly ? log10(yb) : yb;
                plwidth(1.5);
                plline(2, px, py);
            } else if (usable(o, m[b].x, m[b].y)) {
                px[0] = lx ? log10(m[b].x) : m[b].x;
                py[0] = ly ? log10(m[b].y) : m[b].y;
                if (jx && jy) {
                    jx[nj] = px[0];
                    jy[nj++] = py[0];
                }
                plstring(1, px, py, sym);
            }
        }
        if (nj > 1) {
            plwidth(0.8);
            plline((PLINT)nj, jx, jy);
        }
        free(jx);
        free(jy);
        leg_add(L, seg ? PL_LEGEND_LINE : joined ? PL_LEGEND_LINE | PL_LEGEND_SYMBOL
                                              : PL_LEGEND_SYMBOL, col, LAB(a),
                seg ? NULL : sym);
    }
    plwidth(1);
}

/* Axes, labels and title in the current viewport and window. */
static void frame(const bl_plot_opts *o, double x0, double x1, double y0, double y1)
{
    char xo[16], yo[16];
    static int tenpow = 1;
    PLINT nx, ny;
    int cx, cy;
    plcol0(1);
    plwidth(1);
    double tx = axis_opts(xo, sizeof xo, o->x2name ? "bstn" : "bcstn", o->logx, x0, x1, &nx, &cx);
    double ty = axis_opts(yo, sizeof yo, "bcstnv", o->logy, y0, y1, &ny, &cy);
    plslabelfunc(axis_label, &tenpow);
    if (cx || cy) {                       /* custom labels on one axis only */
        plbox(xo, tx, nx, "", 0, 0);
        plbox("", 0, 0, yo, ty, ny);
    } else {
        plbox(xo, tx, nx, yo, ty, ny);
    }
    plslabelfunc(NULL, NULL);
    if (o->x2name) {                     /* η = e^ω on top, at ω's round ticks */
        plslabelfunc(axis_label, NULL);
        plbox("cmsto", 0, 0, "", 0, 0);
        plslabelfunc(NULL, NULL);
        plmtex("t", 2.7, 0.5, 0.5, o->x2name);
    }
    plmtex("b", 3.0, 0.5, 0.5, o->xlabel ? o->xlabel : "");
    plmtex("l", 4.5, 0.5, 0.5, o->ylabel ? o->ylabel : "");
    if (o->title) plmtex("t", o->x2name ? 4.6 : 1.2, 0.5, 0.5, o->title);
}

/* One line panel in viewport (vx0, vx1) × (vy0, vy1). */
static int panel_lines(const bl_plot_opts *o, const bl_series *s, size_t ns, const bl_mark *m,
                       size_t nm, double vx0, double vx1, double vy0, double vy1, bl_err *e)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    int lx = o->logx, ly = o->logy;
    for (size_t k = 0; k < ns; k++)
        for (size_t i = 0; i < s[k].n; i++)
            if (usable(o, s[k].x[i], s[k].y[i])) {
                double x = lx ? log10(s[k].x[i]) : s[k].x[i];
                double y = ly ? log10(s[k].y[i]) : s[k].y[i];
                x0 = fmin(x0, x);
                x1 = fmax(x1, x);
                y0 = fmin(y0, y);
                y1 = fmax(y1, y);
            }
    for (size_t k = 0; o->band_lo && o->band_hi && k < ns; k++)
        for (size_t i = 0; o->band_lo[k] && o->band_hi[k] && i < s[k].n; i++) {
            double a = o->band_lo[k][i], b = o->band_hi[k][i];
            if (!usable(o, s[k].x[i], a) || !usable(o, s[k].x[i], b)) continue;
            y0 = fmin(y0, ly ? log10(a) : a);
            y1 = fmax(y1, ly ? log10(b) : b);
        }
    if (!(x0 <= x1)) {
        bl_err_set(e, BL_EINVAL, "nothing to plot");
        return BL_EINVAL;
    }
    if (x1 == x0) { x0 -= 0.5; x1 += 0.5; }
    if (y1 == y0) { y0 -= 0.5; y1 += 0.5; }
    /* a flat line (F constant to round-off): a range of at least 1e-6 of
     * its size, so that ticks stay distinct */
    double ymid = 0.5 * (y0 + y1), ymin = 1e-6 * fmax(fabs(y0), fabs(y1));
    if (y1 - y0 < ymin) { y0 = ymid - ymin / 2; y1 = ymid + ymin / 2; }
    double pad = 0.05 * (y1 - y0);
    y0 -= pad;
    y1 += pad;
    plvpor(vx0, vx1, vy0, vy1);
    plwind(x0, x1, y0, y1);
    legend L;
    L.n = 0;
    /* bands first, translucent, under every line */
    for (size_t k = 0; o->band_lo && o->band_hi && k < ns; k++) {
        const double *lo = o->band_lo[k], *hi = o->band_hi[k];
        if (!lo || !hi) continue;
        int c = 2 + (int)(k % 8), any = 0;
        plscol0a(c, cmap0[c][0], cmap0[c][1], cmap0[c][2], 0.2);
        plcol0(c);
        PLFLT *px = malloc(2 * s[k].n * sizeof *px), *py = malloc(2 * s[k].n * sizeof *py);
        for (size_t i = 0; px && py && i < s[k].n;) {
            if (!usable(o, s[k].x[i], lo[i]) || !usable(o, s[k].x[i], hi[i])) { i++; continue; }
            size_t a = i, n = 0;
            while (i < s[k].n && usable(o, s[k].x[i], lo[i]) && usable(o, s[k].x[i], hi[i])) i++;
            for (size_t t = a; t < i; t++, n++) {
                px[n] = lx ? log10(s[k].x[t]) : s[k].x[t];
                py[n] = ly ? log10(hi[t]) : hi[t];
            }
            for (size_t t = i; t-- > a; n++) {
                px[n] = lx ? log10(s[k].x[t]) : s[k].x[t];
                py[n] = ly ? log10(lo[t]) : lo[t];
            }
            if (n >= 3) {
                plfill((PLINT)n, px, py);
                any = 1;
            }
        }
        free(px);
        free(py);
        plscol0a(c, cmap0[c][0], cmap0[c][1], cmap0[c][2], 1.0);
        if (any) {
            char t[160];
            snprintf(t, sizeof t, "%s: %s", s[k].label ? s[k].label : "",
                     o->band_name ? o->band_name : "band");
            leg_add(&L, PL_LEGEND_COLOR_BOX, c, t, NULL);
            L.bpat[L.n - 1] = 0;
        }
    }
    for (size_t k = 0; k < ns; k++) {
        int c = 2 + (int)(k % 8);
        plcol0(c);
        plwidth(2);
        PLFLT *px = malloc(s[k].n * sizeof *px), *py = malloc(s[k].n * sizeof *py);
        for (size_t i = 0; px && py && i < s[k].n;) {
            if (!usable(o, s[k].x[i], s[k].y[i])) { i++; continue; }
            size_t n = 0;
            for (; i < s[k].n && usable(o, s[k].x[i], s[k].y[i]); i++, n++) {
                px[n] = lx ? log10(s[k].x[i]) : s[k].x[i];
                py[n] = ly ? log10(s[k].y[i]) : s[k].y[i];
            }
            if (n == 1) plstring(1, px, py, "•");
            else plline((PLINT)n, px, py);
        }
        free(px);
        free(py);
        leg_add(&L, PL_LEGEND_LINE, c, s[k].label, NULL);
    }
    draw_marks(o, m, nm, &L, lx, ly);
    frame(o, x0, x1, y0, y1);
    leg_draw(&L, 1);
    return BL_OK;
}

static int lines_pl(const char *path, size_t np, const bl_plot_opts *o,
                    const bl_series *const *s, const size_t *ns, const bl_mark *m, size_t nm,
                    bl_err *e)
{
    fig F;
    volatile int st = BL_OK;
    pl_active = 1;
    if (setjmp(pl_jump)) {
        pl_active = 0;
        bl_err_set(e, BL_EIO, "cannot write '%s': PLplot: %s", path, pl_msg);
        close(F.tmpfd);
        bl_wfile_abort(&F.w);
        return BL_EIO;
    }
    if ((st = fig_open(&F, path, &o[0], e))) {
        pl_active = 0;
        return st;
    }
    double top = o[0].x2name ? 0.81 : 0.90, bot = 0.12, gap = 0.10;
    double h = (top - bot - gap * (double)(np - 1)) / (double)np;
    for (size_t p = 0; p < np && !st; p++) {
        double y1 = top - (double)p * (h + gap);
        st = panel_lines(&o[p], s[p], ns[p], p == 0 ? m : NULL, p == 0 ? nm : 0, 0.12, 0.96,
                         y1 - h, y1, e);
    }
    if (st) {
        plend1();
        close(F.tmpfd);
        bl_wfile_abort(&F.w);
        pl_active = 0;
        return st;
    }
    st = fig_close(&F, e);
    pl_active = 0;
    return st;
}

int bl_figure_available(void) { return 1; }

static int check_kind(const char *path, bl_err *e)
{
    return kind_of(path) ? BL_OK : bad_kind(path, e);
}

int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e)
{
    if (check_kind(path, e)) return BL_EINVAL;
    if (kind_of(path) == 4)
        return gp_write(path, 1, o, &s, &ns, marks, nmarks, NULL, 0, NULL, 0, NULL, e);
    return lines_pl(path, 1, o, &s, &ns, marks, nmarks, e);
}

int bl_figure_panels(const char *path, size_t np, const bl_plot_opts *o,
                     const bl_series *const *s, const size_t *ns, bl_err *e)
{
    if (check_kind(path, e)) return BL_EINVAL;
    if (kind_of(path) == 4)
        return gp_write(path, np, o, s, ns, NULL, 0, NULL, 0, NULL, 0, NULL, e);
    return lines_pl(path, np, o, s, ns, NULL, 0, e);
}

/* Colour bar labels: the value, or 10^value on a log scale. */
int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e)
{
    if (check_kind(path, e)) return BL_EINVAL;
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
    if (kind_of(path) == 4)
        return gp_write(path, 0, o, NULL, NULL, marks, nmarks, x, nx, y, ny, z, e);
    const char *zname = logz ? "log₁₀ F" : "F";
    if (logz) {
        zmin = log10(zmin);
        zmax = log10(zmax);
    }
    if (zmax == zmin) zmax = zmin + 1;
    PLFLT **zz = NULL, **uu = NULL, **vv = NULL;
    PLFLT *xg = malloc(nx * sizeof *xg), *yg = malloc(ny * sizeof *yg);
    PLFLT clev[13];
    for (int k = 0; k < 13; k++) clev[k] = zmin + (zmax - zmin) * k / 12.0;
    plAlloc2dGrid(&zz, (PLINT)nx, (PLINT)ny);
    for (size_t i = 0; i < nx; i++) {
        xg[i] = x[i];
        for (size_t j = 0; j < ny; j++) {
            double v = z[i + nx * j];
            zz[i][j] = !isfinite(v) ? zmax : logz ? log10(v) : v;
        }
    }
    for (size_t j = 0; j < ny; j++) yg[j] = y[j];
    PLcGrid cg = {xg, yg, NULL, (PLINT)nx, (PLINT)ny, 0};
    /* the arrow field on a coarse grid (about 12 a side), as directions:
     * unit length in the frame's proportions (the shading gives sizes) */
    size_t ex = nx > 12 ? nx / 12 : 1, ey = ny > 12 ? ny / 12 : 1;
    size_t mx = (nx + ex - 1) / ex, my = (ny + ey - 1) / ey;
    PLFLT *ax = malloc(mx * sizeof *ax), *ay = malloc(my * sizeof *ay);
    int arrows = 0;
    if (o->field_u && o->field_v && ax && ay) {
        plAlloc2dGrid(&uu, (PLINT)mx, (PLINT)my);
        plAlloc2dGrid(&vv, (PLINT)mx, (PLINT)my);
        double sx = fabs(x[nx - 1] - x[0]), sy = fabs(y[ny - 1] - y[0]);
        for (size_t i = 0; i < mx; i++) ax[i] = x[i * ex + ex / 2 < nx ? i * ex + ex / 2 : i * ex];
        for (size_t j = 0; j < my; j++) ay[j] = y[j * ey + ey / 2 < ny ? j * ey + ey / 2 : j * ey];
        for (size_t i = 0; i < mx; i++)
            for (size_t j = 0; j < my; j++) {
                size_t ii = i * ex + ex / 2 < nx ? i * ex + ex / 2 : i * ex;
                size_t jj = j * ey + ey / 2 < ny ? j * ey + ey / 2 : j * ey;
                double u = o->field_u[ii + nx * jj] / sx, v = o->field_v[ii + nx * jj] / sy;
                double r = hypot(u, v);
                if (!isfinite(r) || r == 0) { uu[i][j] = vv[i][j] = 0; continue; }
                uu[i][j] = u / r * sx;
                vv[i][j] = v / r * sy;
                arrows = 1;
            }
    }
    PLcGrid ag = {ax, ay, NULL, (PLINT)mx, (PLINT)my, 0};
    fig F;
    volatile int st = BL_OK;
    pl_active = 1;
    if (setjmp(pl_jump)) {
        pl_active = 0;
        bl_err_set(e, BL_EIO, "cannot write '%s': PLplot: %s", path, pl_msg);
        close(F.tmpfd);
        bl_wfile_abort(&F.w);
        st = BL_EIO;
        goto out;
    }
    if ((st = fig_open(&F, path, o, e))) goto out;
    plvpor(0.12, 0.80, 0.12, o->x2name ? 0.81 : 0.90);
    plwind(x[0], x[nx - 1], y[0], y[ny - 1]);
    {
        /* viridis-like cmap1 */
        PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1}, r[5] = {0.27, 0.23, 0.13, 0.37, 0.99},
              g[5] = {0.0, 0.32, 0.57, 0.79, 0.91}, b[5] = {0.33, 0.55, 0.55, 0.38, 0.14};
        plscmap1l(1, 5, pos, r, g, b, NULL);
    }
    plshades((PLFLT_MATRIX)zz, (PLINT)nx, (PLINT)ny, NULL, x[0], x[nx - 1], y[0], y[ny - 1],
             clev, 13, 1.0, 0, 0.0, plfill, 0, pltr1, &cg);
    legend L;
    L.n = 0;
    if (arrows) {
        plcol0(14);
        plwidth(1);
        plvect((PLFLT_MATRIX)uu, (PLFLT_MATRIX)vv, (PLINT)mx, (PLINT)my, 0.0, pltr1, &ag);
        leg_add(&L, PL_LEGEND_SYMBOL, 1, "−∇F (direction)", "→");
    }
    draw_marks(o, marks, nmarks, &L, 0, 0);
    {
        bl_plot_opts fo = *o;
        fo.logx = fo.logy = 0;
        frame(&fo, x[0], x[nx - 1], y[0], y[ny - 1]);
    }
    {
        PLFLT cw, ch;
        PLINT lab_opts[1] = {PL_COLORBAR_LABEL_BOTTOM}, n_values[1] = {13};
        const char *labels[1] = {zname}, *axis_opts[1] = {"bcvtm"};
        PLFLT ticks[1] = {0};
        PLINT sub[1] = {0};
        const PLFLT *vals[1] = {clev};
        PLINT cc[1] = {1};
        PLFLT cwd[1] = {1};
        plcol0(1);
        plcolorbar(&cw, &ch, PL_COLORBAR_SHADE | PL_COLORBAR_SHADE_LABEL, PL_POSITION_RIGHT,
                   0.03, 0.0, 0.03, 0.95, 0, 1, 1, 0.0, 0.0, cc[0], cwd[0], 1, lab_opts, labels, 1,
                   axis_opts, ticks, sub, n_values, (PLFLT_MATRIX)vals);
    }
    if (L.n) {
        plvpor(0.12, 0.80, 0.0, 0.06);  /* the legend under the frame */
        plwind(0, 1, 0, 1);
        PLFLT w, h;
        plcol0(1);
        pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX | PL_LEGEND_ROW_MAJOR,
                 PL_POSITION_INSIDE | PL_POSITION_BOTTOM | PL_POSITION_LEFT, 0.0, 0.0, 0.0, 0,
                 1, 1, L.n > 3 ? 2 : 1, L.n > 3 ? (L.n + 1) / 2 : L.n, L.n, L.opt, 0.6, 0.6, 1.4,
                 0.0, L.tcol, L.text, L.bcol, L.bpat, L.bscale, L.bw, L.lcol, L.lsty, L.lw, L.scol,
                 L.ss, L.snum, L.sym);
    }
    st = fig_close(&F, e);
out:
    pl_active = 0;
    if (zz) plFree2dGrid(zz, (PLINT)nx, (PLINT)ny);
    if (uu) plFree2dGrid(uu, (PLINT)mx, (PLINT)my);
    if (vv) plFree2dGrid(vv, (PLINT)mx, (PLINT)my);
    free(xg);
    free(yg);
    free(ax);
    free(ay);
    return st;
}

#else

int bl_figure_available(void) { return 0; }

static int none(const char *path, bl_err *e)
{
    if (!kind_of(path)) return bad_kind(path, e);
    bl_err_set(e, BL_EUNSUPPORTED, "PNG, SVG and PDF figures need PLplot, which this build of "
               "bilab does not have (install libplplot-dev and plplot-driver-cairo and run "
               "configure again); FILE.gp writes the data and a gnuplot script");
    return BL_EUNSUPPORTED;
}

int bl_figure_lines(const char *path, const bl_plot_opts *o, const bl_series *s,
                    size_t ns, const bl_mark *marks, size_t nmarks, bl_err *e)
{
    if (kind_of(path) == 4)
        return gp_write(path, 1, o, &s, &ns, marks, nmarks, NULL, 0, NULL, 0, NULL, e);
    return none(path, e);
}

int bl_figure_panels(const char *path, size_t np, const bl_plot_opts *o,
                     const bl_series *const *s, const size_t *ns, bl_err *e)
{
    if (kind_of(path) == 4) return gp_write(path, np, o, s, ns, NULL, 0, NULL, 0, NULL, 0, NULL, e);
    return none(path, e);
}

int bl_figure_heatmap(const char *path, const bl_plot_opts *o, const double *x, size_t nx,
                      const double *y, size_t ny, const double *z, int logz,
                      const bl_mark *marks, size_t nmarks, bl_err *e)
{
    (void)logz;
    if (kind_of(path) == 4)
        return gp_write(path, 0, o, NULL, NULL, marks, nmarks, x, nx, y, ny, z, e);
    return none(path, e);
}

#endif
