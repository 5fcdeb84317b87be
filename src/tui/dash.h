/* dash.h: the live dashboard, a full-screen ncursesw view of the session
 * (after htop: a model apart from the drawing, key handlers that return
 * intents, a loop that redraws only when something changed).  This is
 * the only module that calls initscr/newterm, start_color and endwin. */
#ifndef BL_DASH_H
#define BL_DASH_H

#include <stdio.h>
#include "bl.h"
#include "command.h"
#include "session.h"

/* The keys, for the help overlay, `help dash` and the man page. */
#define BL_DASH_KEYS \
    "  i      one inner step          I      solve inner to inner.tol\n" \
    "  a      one adjoint step        A      solve adjoint to adjoint.tol\n" \
    "  o      one outer step          space  run/pause outer steps\n" \
    "  + -    faster/slower pace      e      next outer estimator\n" \
    "  s      the surface of F, computed in the background (again: restart)\n" \
    "  r      reset θ, ω and the outer trace\n" \
    "  :      command line for any bilab command (Enter runs, Esc leaves,\n" \
    "         Tab completes, Up/Down recall)\n" \
    "  Enter  during a lesson (lesson NAME): its next command, as :Enter\n" \
    "  ?      this help               ^L     repaint\n" \
    "  q      back to the prompt, everything kept (dash resumes)\n" \
    "  Ctrl-C stops a run, a solve or the surface, not bilab\n"

typedef struct bl_dash bl_dash;

/* The specs the e key cycles the outer estimator through: those of
 * hypergrad.specs, then the estimator table's live specs (hypergrad.h:
 * each type's live spec or name, but BL_EST_NOT_LIVE ones), each once.
 * Fills at most MAX into LIST; returns how many. */
#define BL_DASH_SPEC_MAX 128
size_t bl_dash_cycle(const bl_session *S, char (*list)[BL_DASH_SPEC_MAX], size_t max);

/* The dash command (cmd_dash.c), which the program registers with
 * bl_command_register at start: cli does not know the dashboard. */
extern const bl_command bl_cmd_dash;

/* Runs the dashboard on the terminal of standard input and output until
 * q (or quit on its command line).  The dashboard's own state (messages,
 * pace, command history) is kept in S->ui between visits.  The terminal
 * is restored on every way out.  Fails with E filled when there is no
 * usable terminal. */
int bl_dash_run(bl_session *S, bl_err *e);
/* 1 while the dashboard is on the screen (dash cannot be nested). */
int bl_dash_active(const bl_session *S);

/* ---- for benchmarks: a dashboard on a virtual terminal ---- */

/* Opens the dashboard of S as terminal TERM on OUT/IN (e.g. /dev/null)
 * with ROWS × COLS cells; NULL with E filled on failure. */
bl_dash *bl_dash_open_virtual(bl_session *S, const char *term, FILE *out, FILE *in,
                              int rows, int cols, bl_err *e);
/* Handles one key as the loop does (the step and the panels' model);
 * returns 1 when the key asked to leave. */
int bl_dash_key(bl_dash *D, int key);
/* Paints the screen now; FULL repaints every cell, not only the changes. */
void bl_dash_draw(bl_dash *D, int full);
/* Seconds the last key spent in its command and in refreshing the model
 * (0 when the model was current: nothing changed), and the last paint. */
void bl_dash_timings(const bl_dash *D, double *cmd, double *model, double *draw);
/* The BACK-th latest line of the message area (0: the last), NULL past
 * what is kept; *KIND (if given): its bl_msg_kind, or BL_MSG_NKINDS for
 * the dashboard's echo of what was typed. */
const char *bl_dash_message(const bl_dash *D, size_t back, int *kind);
/* The screen as the last paint left it, ROWS lines of text (trailing
 * blanks dropped; box corners and lines as curses stores them), into BUF;
 * returns the bytes written.  For tests. */
size_t bl_dash_screen(const bl_dash *D, char *buf, size_t len);
void bl_dash_close(bl_dash *D);

#endif
