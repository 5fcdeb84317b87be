/* canvas.h: a dot canvas for terminal plots, the one that the plots of
 * plot.c and the dashboard's panels draw on.  A cell holds 2 × 4 braille
 * dots (U+2800 + bits), 3 ASCII dots (drawn . - ' : |), or one dot drawn
 * as its pen's character.  Pure: it fills a grid of cells; the caller
 * prints their text (plot.c to a stream, the dashboard with curses). */
#ifndef BL_CANVAS_H
#define BL_CANVAS_H

/* The most cells across and down. */
#define BL_CANVAS_MAXW 400
#define BL_CANVAS_MAXH 120

typedef enum bl_canvas_kind {
    BL_CANVAS_BRAILLE,   /* 2 × 4 dots a cell */
    BL_CANVAS_ASCII3,    /* 1 × 3 dots a cell: ' - . one dot, : two, | three */
    BL_CANVAS_ASCII1,    /* one dot a cell: the character of the cell's pen */
} bl_canvas_kind;

typedef struct bl_canvas_cell {
    unsigned char dots;  /* the dot bits (braille: U+2800 + dots) */
    int pen;             /* the pen of the last dot drawn in the cell */
} bl_canvas_cell;

typedef struct bl_canvas {
    bl_canvas_kind kind;
    int w, h;            /* cells */
    int cw, ch;          /* dots a cell across and down */
    int W, H;            /* dots: w·cw × h·ch; (0, 0) is the top left */
    const char *pens;    /* ASCII1: pen k draws pens[k mod strlen]; NULL: "*" */
    bl_canvas_cell c[BL_CANVAS_MAXH][BL_CANVAS_MAXW];
} bl_canvas;

/* Clears C to W × H cells of KIND (each clamped to 1 … the maximum). */
void bl_canvas_init(bl_canvas *c, bl_canvas_kind kind, int w, int h);
/* Sets dot (X, Y) with PEN; a dot off the canvas is left out. */
void bl_canvas_dot(bl_canvas *c, int x, int y, int pen);
/* Sets the dots of the line from (X0, Y0) to (X1, Y1) (Bresenham), both
 * ends included; the part off the canvas is left out.  Lines are meant to
 * run over or near the canvas: one is cut after 4·(W + H) dots. */
void bl_canvas_line(bl_canvas *c, int x0, int y0, int x1, int y1, int pen);
/* The text of cell (X, Y) as a string in BUF (UTF-8 for braille); NULL
 * when the cell has no dot. */
const char *bl_canvas_text(const bl_canvas *c, int x, int y, char buf[4]);

#endif
