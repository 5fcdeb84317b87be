/* session.h: the one session struct that owns everything a user works
 * with: problem instance, data, ω, θ, iterators, settings, histories. */
#ifndef BL_SESSION_H
#define BL_SESSION_H

#include <stdio.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "adjoint.h"
#include "data.h"
#include "hypergrad.h"
#include "output.h"
#include "inner.h"
#include "outer.h"
#include "problem.h"
#include "settings.h"

typedef struct bl_session {
    /* the problem and its data */
    bl_problem *P;               /* NULL only before the first problem use */
    bl_dataset *data;            /* owned; may be NULL */
    char *data_cmdline;          /* the command that made the data (for save; heap, any length) */
    char *problem_cmdline;       /* likewise for the problem; NULL: none */
    struct bl_expr_def *def;     /* the definitions of `define` (owned), or NULL */
    gsl_vector *omega, *theta;

    /* iterators */
    bl_inner *inner;             /* live inner iterator at ω, or NULL */
    size_t inner_total;          /* inner iterations at this ω */
    size_t inner_base;           /* of which before the live iterator (a replayed save) */
    bl_outer *outer;
    bl_adjoint *adj;             /* live adjoint iterator (step adjoint), or NULL */
    gsl_vector *adjoint_last;    /* the last adjoint computed: warm starts */
    int adj_valid;               /* adjoint_last holds an adjoint */
    struct bl_surface *surf;     /* the last surface */
    struct bl_surface *cgrid;    /* the last compare over ω */
    struct bl_budget *budget;    /* the last compare over a budget */
    int last_compare;            /* 1: over ω (surf), 2: over a budget */
    double *words;               /* numbers of a saved iterator state, gathered
                                    by `set state.words[i:j]` until a `set
                                    *.state ... words=N` takes them */
    size_t nwords;

    /* settings */
    bl_setval set[BL_NSETTINGS];

    /* running */
    int batch;                   /* 1: not interactive */
    int keep_going;
    int trying;                  /* > 0 under `try`: failures are notes */
    int quit;
    bl_cancel_t *cancel;         /* set by SIGINT */
    FILE *out;                   /* results */
    FILE *errf;                  /* errors */
    const char *cmd;             /* name of the command being run */
    int source_depth;
    int unwinding;               /* scripts nested too deep: all of them stop */
    bl_busy_line busy;           /* the progress line of the command being run */

    /* the dashboard's own state between visits (src/tui/dash.c), freed
     * through dash_free so that the session does not link curses */
    struct bl_dash *dash;
    void (*dash_free)(struct bl_dash *);
} bl_session;

bl_session *bl_session_new(FILE *out, FILE *errf, bl_cancel_t *cancel);
void bl_session_free(bl_session *S);

/* Replaces the problem (type T with parameters PAR) on the current data;
 * on failure the session is unchanged. */
int bl_session_use_problem(bl_session *S, const bl_problem_type *T,
                           const double *par, bl_err *e);
/* The same on data DS (taken over; NULL: the current data), which then
 * replaces the session's data; on failure DS is freed and the session is
 * unchanged. */
int bl_session_use_problem_on(bl_session *S, const bl_problem_type *T,
                              const double *par, bl_dataset *ds, bl_err *e);
/* Installs DEF (taken over) as the definitions of `define`.  When T (a
 * BL_PROB_DEFINED type) is given, the problem becomes a T built from DEF;
 * if T was already in use, ω and θ are kept where their dimensions are
 * unchanged.  On failure DEF is freed and the session is unchanged. */
int bl_session_define(bl_session *S, struct bl_expr_def *def,
                      const bl_problem_type *T, bl_err *e);
/* Installs DS (taken over) as the data; re-creates a problem that reads
 * data.  On failure DS is freed and the session is unchanged. */
int bl_session_use_data(bl_session *S, bl_dataset *ds, bl_err *e);
/* Replaces *SLOT (S->data_cmdline or S->problem_cmdline) by a copy of TEXT;
 * BL_ENOMEM leaves it unchanged. */
int bl_session_set_cmd(char **slot, const char *text);
/* Drops the live inner iterator (after a change of ω or settings). */
void bl_session_invalidate(bl_session *S);
/* Starts the live inner iterator afresh at the current ω and θ with step
 * ETA (> 0), counting ITERS iterations before it: what a save replays. */
int bl_session_resume_inner(bl_session *S, double eta, size_t iters, bl_err *e);
/* The same, then the iterator's state W[0..N) (bl_inner_state_get) put
 * back; W NULL: none.  On failure the session is unchanged. */
int bl_session_resume_inner_state(bl_session *S, double eta, size_t iters,
                                  const double *w, size_t n, bl_err *e);
/* Makes sure the live inner iterator exists at the current ω and θ. */
int bl_session_inner(bl_session *S, bl_err *e);
/* A context for estimators at the current point from the settings. */
void bl_session_hg_ctx(bl_session *S, const bl_inner_conf *ic, bl_hg_ctx *c);
/* Remembers A as the last adjoint (warm starts). */
void bl_session_keep_adjoint(bl_session *S, const gsl_vector *a);
/* The inner configuration from the settings. */
void bl_session_inner_conf(const bl_session *S, bl_inner_conf *c);
/* Whether grids follow a path (surface.start; auto: when G is convex). */
int bl_session_grid_path(const bl_session *S);
void bl_session_outer_conf(const bl_session *S, bl_outer_conf *c);
/* The inner step in use: inner.step, or 1/L_G at the current point. */
double bl_session_eta(bl_session *S);
/* Re-creates the outer iterator (after outer.opt changes or a reset). */
int bl_session_reset_outer(bl_session *S);

/* Applies the threads setting to OpenMP. */
void bl_apply_threads(const bl_session *S);

/* Output helpers honouring the format setting. */
int bl_session_json(const bl_session *S);
int bl_session_digits(const bl_session *S);

#endif
