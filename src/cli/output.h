/* output.h: JSON lines (17 significant digits, null for NaN/Inf) and
 * helpers for readable tables. */
#ifndef BL_OUTPUT_H
#define BL_OUTPUT_H

#include <stdio.h>
#include <stddef.h>

/* A JSON writer for one object on one line.  Nesting is tracked so that
 * commas come out right. */
typedef struct bl_json {
    FILE *f;
    int depth;
    int first[16];   /* per nesting level: nothing written there yet */
} bl_json;

/* Starts {"cmd":"CMD" */
void bl_json_begin(bl_json *j, FILE *f, const char *cmd);
/* Ends the top-level object and writes a newline. */
void bl_json_end(bl_json *j);
/* KEY may be NULL inside arrays. */
void bl_json_num(bl_json *j, const char *key, double v);
void bl_json_int(bl_json *j, const char *key, long long v);
void bl_json_bool(bl_json *j, const char *key, int v);
void bl_json_null(bl_json *j, const char *key);
void bl_json_str(bl_json *j, const char *key, const char *s);
void bl_json_vec(bl_json *j, const char *key, const double *v, size_t n,
                 size_t stride);
void bl_json_obj_begin(bl_json *j, const char *key);
void bl_json_obj_end(bl_json *j);
void bl_json_arr_begin(bl_json *j, const char *key);
void bl_json_arr_end(bl_json *j);
/* Writes S as a JSON string literal with escapes. */
void bl_json_write_string(FILE *f, const char *s);

/* Formats V with DIGITS significant digits into BUF ("%.*g"), "nan",
 * "inf", "-inf" for non-finite values; returns BUF. */
char *bl_out_fmt(char *buf, size_t len, double v, int digits);
/* Formats a vector "[a, b, c]"; at most MAXSHOW entries, then ", … (n)". */
char *bl_fmt_vec(char *buf, size_t len, const double *v, size_t n,
                 size_t stride, int digits, size_t maxshow);

/* bl_fmt_vec with the most entries (up to MAXSHOW, at least one) whose
 * text is at most AVAIL columns wide; AVAIL ≤ 0: MAXSHOW entries. */
char *bl_fmt_vec_fit(char *buf, size_t len, const double *v, size_t n, size_t stride,
                     int digits, size_t maxshow, int avail);

/* Writes TEXT, which starts at column COL of the line, broken at spaces
 * so that no line passes WIDTH columns (a word longer than the room stays
 * whole; WIDTH ≤ 0: not broken), each further line indented by INDENT
 * spaces; then a newline. */
void bl_out_wrap(FILE *f, const char *text, int col, int indent, int width);

/* ---- messages ----
 * What a command says besides its result goes to the session's one sink
 * (bl_session_msg in session.h) as a bl_msg; the REPL and batch mode
 * write it to stderr with bl_msg_write, the dashboard queues it by kind. */
typedef enum {
    BL_MSG_RESULT,   /* a line of a result (stdout) */
    BL_MSG_NOTE,     /* "note: TEXT"; under try: "note: CMD failed (try): TEXT" */
    BL_MSG_WARNING,  /* "bilab: CMD: warning: TEXT": done, but look */
    BL_MSG_ERROR     /* "bilab: CMD: TEXT": the command failed */
} bl_msg_kind;
#define BL_MSG_NKINDS 4

enum { BL_MSG_TRIED = 1 };   /* a NOTE: the failure of a command under try */

typedef struct bl_msg {
    bl_msg_kind kind;
    const char *cmd;         /* the command it is about; NULL: none */
    const char *text;        /* without prefix or final newline */
    unsigned flags;          /* BL_MSG_TRIED */
} bl_msg;

/* Writes M as its line: the one place that turns a message into text.
 * A note is "note: TEXT", under try "note: CMD failed (try): TEXT"; a
 * warning or an error "bilab: CMD: [warning: ]TEXT" (no "CMD: " when CMD
 * is NULL); CMD and TEXT escaped as bl_fput_escaped does, on one line.
 * The one exception to the single line: a TEXT that ends with a display
 * of the place at fault, "\n  LINE\n  ^~~" (expression errors), keeps
 * those two lines under it (LINE escaped), so that the first line is the
 * whole message.  A result's TEXT is written as it is. */
void bl_msg_write(FILE *f, const bl_msg *m);

struct bl_session;
/* The one warning a command posts for its inner solves that stopped short
 * of inner.tol:
 *   bilab: CMD: warning: NFAIL of N UNIT stopped short of inner.tol = TOL
 *   (worst RNAME = WORST, LIMIT)TAIL
 * UNIT: "inner solves", "points' inner solves", ...; LIMIT: "inner.maxit =
 * 10000"; TAIL may be NULL.  Nothing is posted when NFAIL is 0. */
void bl_warn_inner(struct bl_session *S, const char *cmd, size_t nfail, size_t n,
                   const char *unit, double worst, const char *rname, double tol,
                   const char *limit, const char *tail);

/* ---- the width output may use (tables, terminal plots) ----
 * bl_width_pick: SETTING (term.width) when > 0, else TTY_COLS (the
 * terminal's width from TIOCGWINSZ, > 0 only when the output is a
 * terminal), else ENV ($COLUMNS) when it is a positive integer, else 0:
 * no limit (pipes and files keep the wide form).
 * bl_wide_pick: whether a table takes its wide form; MODE 1 (table.wide
 * on), 0 (off) or -1 (auto: wide when WIDTH is 0, unlimited, or above
 * BL_WIDE_MIN columns). */
#define BL_WIDE_MIN 100
int bl_width_pick(int setting, int tty_cols, const char *env);
int bl_wide_pick(int mode, int width);
/* The size of the terminal on FD (TIOCGWINSZ): 0 with *COLS and *ROWS
 * filled, −1 when FD is no terminal or has no size. */
int bl_term_size(int fd, int *cols, int *rows);

/* Display width of UTF-8 text (one column a code point). */
int bl_utf8_width(const char *s);
/* Writes S left-aligned in WIDTH columns (UTF-8 aware), then a space. */
void bl_pad(FILE *f, const char *s, int width);

/* Text from users and files (names, paths, column headers, echoed input)
 * made safe for a terminal: control characters (newlines included), DEL,
 * C1 controls, invisible and direction-changing format characters, and
 * bytes that are not valid UTF-8 are written as \xNN, byte by byte; the
 * rest of UTF-8 is kept.  bl_escape writes into BUF (cut with "..." when
 * it does not fit) and returns BUF. */
void bl_fput_escaped(FILE *f, const char *s);
char *bl_escape(char *buf, size_t len, const char *s);

/* A progress line for long work (a bl_busy_fn): nothing for the first
 * second, then "\r  WHAT: 42% (3s)" on F, redrawn at most five times a
 * second; DONE ≥ TOTAL (the work told that it is over) and bl_busy_end
 * clear it.  ON: whether to show anything (a terminal in interactive
 * mode). */
typedef struct bl_busy_line {
    FILE *f;
    int on, shown;
    double t0, last;
} bl_busy_line;
void bl_busy_start(bl_busy_line *b, FILE *f, int on);
void bl_busy_show(void *arg, const char *what, double done, double total);
void bl_busy_end(bl_busy_line *b);

#endif
