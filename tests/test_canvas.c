/* test_canvas.c: the dot canvas of the terminal plots and the dashboard
 * (src/render/canvas.c), linked against the render and core layers only.
 * - Braille: each of the eight dots of a cell is the bit of the Unicode
 *   braille block's dot numbering (dots 1 2 3 7 down the left column,
 *   4 5 6 8 down the right), written here as literal characters.
 * - ASCII: three dots a cell (' - . : |), one dot a cell (the pen's
 *   character, the last pen winning).
 * - Lines: both ends drawn, max(|dx|, |dy|) + 1 dots, each within half a
 *   dot of the exact line, 8-connected; the part off the canvas is left
 *   out; coordinates at the ends of int do not overflow. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "canvas.h"
#include "tap.h"

static bl_canvas cv;

/* The text of cell (x, y), "" when empty. */
static const char *text(int x, int y)
{
    static char buf[4];
    const char *s = bl_canvas_text(&cv, x, y, buf);
    return s ? s : "";
}

/* Whether dot (x, y) is set (by drawing it again and seeing no change). */
static int isset(int x, int y)
{
    if (x < 0 || y < 0 || x >= cv.W || y >= cv.H) return 0;
    int cx = x / cv.cw, cy = y / cv.ch;
    bl_canvas_cell saved = cv.c[cy][cx];
    bl_canvas_dot(&cv, x, y, saved.pen);
    int was = saved.dots == cv.c[cy][cx].dots;
    cv.c[cy][cx] = saved;
    return was;
}

static int ndots(void)
{
    int n = 0;
    for (int y = 0; y < cv.H; y++)
        for (int x = 0; x < cv.W; x++) n += isset(x, y);
    return n;
}

static void braille(void)
{
    /* U+2801 ⠁ dot 1 … U+2880 ⢀ dot 8; the cell's dot (x, y) */
    static const struct { int x, y; const char *ch; } dot[8] = {
        {0, 0, "⠁"}, {0, 1, "⠂"}, {0, 2, "⠄"}, {1, 0, "⠈"},
        {1, 1, "⠐"}, {1, 2, "⠠"}, {0, 3, "⡀"}, {1, 3, "⢀"},
    };
    bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 3, 2);
    tap_ok(cv.W == 6 && cv.H == 8 && cv.cw == 2 && cv.ch == 4,
           "braille: 3 × 2 cells are 6 × 8 dots (%d × %d)", cv.W, cv.H);
    int good = 1;
    for (int k = 0; k < 8; k++) {
        bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 3, 2);
        /* in the cell at (1, 1): dot (2 + x, 4 + y) */
        bl_canvas_dot(&cv, 2 + dot[k].x, 4 + dot[k].y, 0);
        if (strcmp(text(1, 1), dot[k].ch) || text(0, 0)[0] || text(2, 1)[0] || text(1, 0)[0]) {
            tap_diag("dot %d: '%s', expected '%s'", k + 1, text(1, 1), dot[k].ch);
            good = 0;
        }
    }
    tap_ok(good, "braille: each dot of a cell is its Unicode dot, in that cell alone");
    bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 1, 1);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 2; x++) bl_canvas_dot(&cv, x, y, 0);
    tap_ok(!strcmp(text(0, 0), "⣿"), "braille: a full cell is U+28FF ⣿ ('%s')", text(0, 0));
    bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 1, 1);
    tap_ok(!text(0, 0)[0], "init clears the cells it was given");
    tap_ok(bl_canvas_text(&cv, 1, 0, (char[4]){0}) == NULL &&
           bl_canvas_text(&cv, 0, -1, (char[4]){0}) == NULL, "no text outside the cells");
}

static void ascii(void)
{
    bl_canvas_init(&cv, BL_CANVAS_ASCII3, 5, 2);
    tap_ok(cv.W == 5 && cv.H == 6, "ascii3: 5 × 2 cells are 5 × 6 dots (%d × %d)", cv.W, cv.H);
    bl_canvas_dot(&cv, 0, 0, 0);                                /* top */
    bl_canvas_dot(&cv, 1, 1, 0);                                /* middle */
    bl_canvas_dot(&cv, 2, 2, 0);                                /* bottom */
    bl_canvas_dot(&cv, 3, 0, 0); bl_canvas_dot(&cv, 3, 2, 0);   /* two */
    for (int y = 0; y < 3; y++) bl_canvas_dot(&cv, 4, y, 0);    /* three */
    char row[6] = "";
    for (int x = 0; x < 5; x++) row[x] = text(x, 0)[0] ? text(x, 0)[0] : ' ';
    tap_ok(!strcmp(row, "'-.:|"), "ascii3: top ', middle -, bottom ., two :, three | ('%s')", row);
    tap_ok(!text(0, 1)[0], "ascii3: the cell below is empty");

    bl_canvas_init(&cv, BL_CANVAS_ASCII1, 4, 1);
    cv.pens = "*+x";
    bl_canvas_dot(&cv, 0, 0, 0);
    bl_canvas_dot(&cv, 1, 0, 1);
    bl_canvas_dot(&cv, 2, 0, 0);
    bl_canvas_dot(&cv, 2, 0, 5);        /* the last pen wins; 5 mod 3 = 2 */
    bl_canvas_dot(&cv, 3, 0, -1);       /* −1 mod 3 = 2 */
    tap_ok(!strcmp(text(0, 0), "*") && !strcmp(text(1, 0), "+") && !strcmp(text(2, 0), "x")
           && !strcmp(text(3, 0), "x") && cv.c[0][2].pen == 5,
           "ascii1: a cell shows its last pen's character");
    cv.pens = NULL;
    tap_ok(!strcmp(text(1, 0), "*"), "ascii1: no pens: '*'");
    bl_canvas_init(&cv, BL_CANVAS_ASCII1, 0, BL_CANVAS_MAXH + 5);
    tap_ok(cv.w == 1 && cv.h == BL_CANVAS_MAXH, "init clamps the size to 1 … the maximum");
}

/* Checks the line from (x0, y0) to (x1, y1) on an empty W × H braille
 * canvas that holds it. */
static int line_ok(int x0, int y0, int x1, int y1)
{
    bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 40, 10);      /* 80 × 40 dots */
    bl_canvas_line(&cv, x0, y0, x1, y1, 3);
    int dx = abs(x1 - x0), dy = abs(y1 - y0), n = 0, ok = isset(x0, y0) && isset(x1, y1);
    for (int y = 0; y < cv.H; y++)
        for (int x = 0; x < cv.W; x++) {
            if (!isset(x, y)) continue;
            n++;
            /* distance along the minor axis to the exact line */
            double d = dx >= dy ? fabs(y - (y0 + (double)(y1 - y0) * (x - x0) / (dx ? x1 - x0 : 1)))
                                : fabs(x - (x0 + (double)(x1 - x0) * (y - y0) / (y1 - y0)));
            if (d > 0.5 + 1e-12) ok = 0;
            /* 8-connected: a neighbour, unless it is an end */
            int nb = 0;
            for (int j = -1; j <= 1; j++)
                for (int i = -1; i <= 1; i++) nb += (i || j) && isset(x + i, y + j);
            if (!nb && (dx || dy)) ok = 0;
        }
    if (n != (dx > dy ? dx : dy) + 1) ok = 0;
    return ok && cv.c[y0 / 4][x0 / 2].pen == 3;
}

static void lines(void)
{
    static const int seg[][4] = {
        {0, 0, 79, 0}, {0, 0, 0, 39}, {0, 0, 39, 39}, {79, 39, 0, 0}, {3, 5, 60, 17},
        {60, 17, 3, 5}, {10, 2, 13, 38}, {70, 30, 5, 31}, {7, 7, 7, 7}, {0, 39, 79, 0},
    };
    int good = 1;
    for (size_t k = 0; k < sizeof seg / sizeof seg[0]; k++)
        if (!line_ok(seg[k][0], seg[k][1], seg[k][2], seg[k][3])) {
            tap_diag("line (%d,%d)-(%d,%d)", seg[k][0], seg[k][1], seg[k][2], seg[k][3]);
            good = 0;
        }
    tap_ok(good, "lines: both ends, max(|dx|,|dy|)+1 dots within half a dot of the line, "
           "8-connected, in their pen");

    /* from off the canvas into it: the visible part */
    bl_canvas_init(&cv, BL_CANVAS_BRAILLE, 10, 2);        /* 20 × 8 dots */
    bl_canvas_line(&cv, -30, 1, 5, 1, 0);
    int ok = ndots() == 6;
    for (int x = 0; x <= 5; x++) ok = ok && isset(x, 1);
    tap_ok(ok, "a line from off the canvas: its dots on the canvas alone (%d)", ndots());

    /* the ends of int: no overflow, and the walk ends */
    bl_canvas_init(&cv, BL_CANVAS_ASCII3, 10, 2);
    bl_canvas_line(&cv, INT_MIN, INT_MIN, INT_MAX, INT_MAX, 0);
    bl_canvas_line(&cv, INT_MAX, 0, INT_MIN, 0, 0);
    bl_canvas_dot(&cv, INT_MAX, INT_MIN, 0);
    tap_ok(ndots() == 0, "lines between the ends of int leave the canvas empty and end");
}

int main(void)
{
    braille();
    ascii();
    lines();
    return tap_done();
}
