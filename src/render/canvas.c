/* canvas.c: the dot canvas of the terminal plots and the dashboard. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "canvas.h"

void bl_canvas_init(bl_canvas *c, bl_canvas_kind kind, int w, int h)
{
    w = w < 1 ? 1 : w > BL_CANVAS_MAXW ? BL_CANVAS_MAXW : w;
    h = h < 1 ? 1 : h > BL_CANVAS_MAXH ? BL_CANVAS_MAXH : h;
    c->kind = kind;
    c->w = w;
    c->h = h;
    c->cw = kind == BL_CANVAS_BRAILLE ? 2 : 1;
    c->ch = kind == BL_CANVAS_BRAILLE ? 4 : kind == BL_CANVAS_ASCII3 ? 3 : 1;
    c->W = c->cw * w;
    c->H = c->ch * h;
    c->pens = NULL;
    for (int y = 0; y < h; y++) memset(c->c[y], 0, (size_t)w * sizeof c->c[y][0]);
}

/* long long: a line's walk may leave the range of int */
static void dot(bl_canvas *c, long long x, long long y, int pen)
{
    /* braille dot numbering: 1 2 3 7 down the left column, 4 5 6 8 down
     * the right one, dot k as bit k − 1 */
    static const unsigned char braille[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20},
                                                {0x40, 0x80}};
    if (x < 0 || y < 0 || x >= c->W || y >= c->H) return;
    int cx = (int)x / c->cw, cy = (int)y / c->ch, dx = (int)x % c->cw, dy = (int)y % c->ch;
    bl_canvas_cell *cell = &c->c[cy][cx];
    switch (c->kind) {
    case BL_CANVAS_BRAILLE: cell->dots |= braille[dy][dx]; break;
    case BL_CANVAS_ASCII3: cell->dots |= (unsigned char)(1u << dy); break;
    case BL_CANVAS_ASCII1: cell->dots = 1; break;
    }
    cell->pen = pen;
}

void bl_canvas_dot(bl_canvas *c, int x, int y, int pen)
{
    dot(c, x, y, pen);
}

void bl_canvas_line(bl_canvas *c, int x0, int y0, int x1, int y1, int pen)
{
    long long x = x0, y = y0;
    long long dx = llabs((long long)x1 - x0), dy = -llabs((long long)y1 - y0), err = dx + dy;
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    for (long long n = 0; n < 4LL * (c->W + c->H) + 8; n++) {
        dot(c, x, y, pen);
        if (x == x1 && y == y1) break;
        long long e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y += sy;
        }
    }
}

const char *bl_canvas_text(const bl_canvas *c, int x, int y, char buf[4])
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return NULL;
    const bl_canvas_cell *cell = &c->c[y][x];
    unsigned b = cell->dots;
    if (!b) return NULL;
    switch (c->kind) {
    case BL_CANVAS_BRAILLE: {
        unsigned cp = 0x2800u + b;     /* three bytes of UTF-8 */
        buf[0] = (char)(0xE0 | (cp >> 12));
        buf[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (char)(0x80 | (cp & 0x3F));
        buf[3] = '\0';
        break;
    }
    case BL_CANVAS_ASCII3: {
        int k = (b & 1) + ((b >> 1) & 1) + ((b >> 2) & 1);
        buf[0] = k == 3 ? '|' : k == 2 ? ':' : b & 1 ? '\'' : b & 2 ? '-' : '.';
        buf[1] = '\0';
        break;
    }
    case BL_CANVAS_ASCII1: {
        const char *p = c->pens && *c->pens ? c->pens : "*";
        int n = (int)strlen(p);
        buf[0] = p[((cell->pen % n) + n) % n];
        buf[1] = '\0';
        break;
    }
    }
    return buf;
}
