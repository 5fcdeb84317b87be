/* dash_int.h: what the dashboard's files share (not an interface: only
 * src/tui/dash*.c include it).  dash.c: the screen, the loop, the
 * messages and the entry points; dash_model.c: the model (copies of the
 * histories, the hypergradient panel's comparison, the background
 * surface); dash_panels.c: the panels, which only read the session and
 * the model; dash_keys.c: the key handlers, which return intents and run
 * the prompt's own commands. */
#ifndef BL_DASH_INT_H
#define BL_DASH_INT_H

#include <curses.h>
#include <stdio.h>

#include "canvas.h"
#include "dash.h"
#include "hypergrad.h"
#include "session.h"
#include "stoch.h"
#include "surface.h"

#define MIN_COLS 64
#define MIN_ROWS 20
#define HG_MAX 10            /* rows of the hypergradient panel */
#define MSG_RING 64
#define CMD_HIST 100
#define CMD_LEN 1024
#define HEAT_LEVELS 12
#define SURF_N1 60           /* points of a 1-D surface */
#define SURF_NX 28           /* and of a 2-D one */
#define SURF_NY 18

enum { DASH_NONE, DASH_REDRAW, DASH_QUIT };

/* colour pairs */
enum { C_HEAD = 1, C_TITLE, C_INNER, C_ADJ, C_OUTER, C_REF, C_ERR, C_WARN, C_MARK,
       C_HINT, C_HEAT = 16 };

static const double paces[] = {0.5, 1, 2, 5, 10, 20, 50, 0};   /* steps/s; 0: max */
#define NPACES (sizeof paces / sizeof paces[0])

typedef struct hist_copy {
    double *v, *r;
    size_t n, cap;
} hist_copy;

typedef struct hg_row {
    char spec[256];
    int status;
    char err[200];
    int outer;                  /* the outer estimator */
} hg_row;

/* A line of the message area: its kind is the sink's (bl_msg_kind; a
 * result's lines are BL_MSG_RESULT), or MSG_ECHO for what was typed. */
enum { MSG_ECHO = BL_MSG_NKINDS };

typedef struct msg {
    char text[256];
    int kind;
} msg;

/* What the surface panel draws: a running job or the session's surface. */
typedef struct surf_view {
    size_t naxes, coord[2], n[2];
    const double *ax[2];
    const double *F;
    const unsigned char *done;
    size_t npoints, ndone, nunconv;
} surf_view;

typedef struct rect { int y, x, h, w; } rect;

struct bl_dash {
    bl_session *S;
    int own;                    /* freed by bl_dash_close (not kept in S) */
    /* the screen, while open */
    SCREEN *scr;
    FILE *tin, *tout;
    int open, active, rows, cols;
    int unicode, color, heat256, cursor;
    /* loop */
    int dirty;
    double t_lastdraw, t_cmd, t_model, t_draw;
    int running;
    size_t pace;
    double next_due;
    /* overlay: help or long command output */
    char **page;
    size_t npage, page_top;
    char page_title[160];
    /* the command line */
    int cmdmode;
    char cmd[CMD_LEN];
    size_t clen, cpos;
    char *hist[CMD_HIST];
    size_t nhist, hpos;
    /* messages */
    msg msgs[MSG_RING];
    size_t nmsg;
    /* the model, made at the session's generation gen (complete: model_ok) */
    unsigned long gen;
    int model_ok;
    double F, G, gres, eta;
    hist_copy ih, ah;
    int inner_live, adj_live;
    char inner_name[32], adj_name[32];
    size_t inner_iters, adj_iters;
    double inner_value, inner_resid, adj_resid, adj_norm;
    hg_row hg[HG_MAX];
    size_t nhg, hg_d;
    bl_hg_cmp cmp;              /* their estimates and the reference */
    int have_ref;
    char refname[16];
    /* a stochastic outer.opt (stoch.h): copies of its history rows since
     * it started, what it is, and whether the next step continues it */
    int stoch, stoch_live, stoch_has_v, stoch_has_lambda;
    char stoch_name[32], stoch_spec[256];
    size_t stoch_t, stoch_bin, stoch_bout;
    double stoch_lambda;
    bl_sopt_row *srow;
    double *sx, *sy;            /* the plots' x and y (nsrow each) */
    size_t nsrow, capsrow;
    bl_surface_job *job;        /* the background surface (bl_surface_job) */
    unsigned long job_gen;      /* the session's generation when it started */
    size_t job_seen;            /* its points done at the last redraw */
    bl_canvas cv;
};

/* ---- dash.c: the screen, the loop and the messages ---- */

/* Pushes a line of KIND (bl_msg_kind or MSG_ECHO) to the message area. */
void dash_msg(bl_dash *D, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void dash_page_free(bl_dash *D);
void dash_page_add(bl_dash *D, const char *line);
/* Rows of the message area at the terminal's size. */
int dash_message_rows(const bl_dash *D);
/* The terminal's size taken again (a resize). */
void dash_set_size(bl_dash *D);

/* ---- dash_model.c: the model ---- */

void dash_hist_free(hist_copy *h);
/* The model computed again where the session's generation moved. */
void dash_model_update(bl_dash *D);
/* The histories and estimates shown, forgotten. */
void dash_forget(bl_dash *D);
/* The reference hypergradient (d), or NULL. */
const double *dash_hg_ref(const bl_dash *D);
/* The background surface: started around ω, stopped (its points kept when
 * INSTALL), and polled by the loop. */
void dash_job_start(bl_dash *D);
void dash_job_stop(bl_dash *D, int install);
void dash_job_poll(bl_dash *D);

/* ---- dash_panels.c: drawing (bl_dash_draw) ---- */

/* Bytes of the UTF-8 character at S. */
size_t dash_utf8_len(const char *s);

/* ---- dash_keys.c: the keys ---- */

/* A key: DASH_NONE, DASH_REDRAW or DASH_QUIT. */
int dash_on_key(bl_dash *D, int k);
/* Ctrl-C: whatever runs stops, bilab stays. */
void dash_interrupt(bl_dash *D);
/* One continuous-run step. */
void dash_tick(bl_dash *D);

#endif
