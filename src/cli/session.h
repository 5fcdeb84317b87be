/* session.h: the one session struct that owns everything a user works
 * with: problem instance, data, ω, θ, iterators, settings, histories; its
 * generation counter (what changed since when) and its message sink
 * (results, notes, warnings and errors as records, not text). */
#ifndef BL_SESSION_H
#define BL_SESSION_H

#include <stdio.h>
#include <gsl/gsl_vector.h>
#include "bl.h"
#include "adjoint.h"
#include "data.h"
#include "hypergrad.h"
#include "inner.h"
#include "outer.h"
#include "output.h"
#include "problem.h"
#include "settings.h"

/* The sink messages go to (bl_session_msg): CTX is the session's
 * sink_ctx.  The dashboard installs one that queues them by kind. */
typedef void (*bl_msg_sink)(void *ctx, const bl_msg *m);

typedef struct bl_session {
    /* the problem and its data */
    bl_problem *P;               /* NULL only before the first problem use */
    bl_dataset *data;            /* owned; may be NULL */
    char *data_cmdline;          /* the command that made the data (for save; heap, any length) */
    char *problem_cmdline;       /* likewise for the problem; NULL: none */
    struct bl_expr_def *def;     /* the definitions of `define` (owned), or NULL */
    gsl_vector *omega, *theta;

    /* generations: every change of the problem, data, ω, θ or a setting
     * bumps gen (bl_session_touch); changed[k] is the generation of the
     * last change of kind 1 << k (BL_CHG_*, settings.h) */
    unsigned long gen;
    unsigned long changed[BL_CHG_NKINDS];

    /* iterators; inner and adj are live while nothing they were made from
     * changed since inner_gen, adj_gen (bl_session_live_inner, _adjoint) */
    bl_inner *inner;             /* the inner iterator, or NULL */
    unsigned long inner_gen;
    size_t inner_total;          /* inner iterations at this ω */
    size_t inner_base;           /* of which before the live iterator (a replayed save) */
    bl_outer *outer;
    bl_adjoint *adj;             /* the adjoint iterator (step adjoint), or NULL */
    unsigned long adj_gen;
    gsl_vector *adjoint_last;    /* the last adjoint computed: warm starts */
    int adj_valid;               /* adjoint_last holds an adjoint */
    /* the reference hypergradient of hypergrad and the dashboard
     * (bl_session_hg_compare), kept while nothing it was made from
     * changed since ref_gen; ref_evals counts the ones computed */
    bl_hg_entry ref_cache;       /* status BL_OK: held; its vectors owned */
    int ref_held, ref_exact_status;
    double ref_key[4];           /* the settings it was made with: inner.tol,
                                    inner.maxit, mem.max, hypergrad.reference */
    unsigned long ref_gen, ref_evals;
    struct bl_surface *surf;     /* the last surface */
    struct bl_surface *cgrid;    /* the last compare over ω */
    struct bl_budget *budget;    /* the last compare over a budget */
    int last_compare;            /* 1: over ω (surf), 2: over a budget,
                                    3: stochastic algorithms (scmp) */
    struct bl_scmp *scmp;        /* the last compare of stochastic algorithms */
    struct bl_sopt *sopt;        /* the stochastic outer algorithm (stoch_cli.h), or NULL */
    unsigned long sopt_gen;      /* the generation after its last step */
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
    bl_msg_sink sink;            /* where messages go; NULL: stderr (bl_session_msg) */
    void *sink_ctx;
    unsigned long nmsg[BL_MSG_NKINDS];   /* messages posted, by kind */

    /* the lesson being walked through (lesson.h), or NULL; `clear` where
     * the output is no terminal: the dashboard redraws and clears it */
    struct bl_lesson *lesson;
    int want_clear;

    /* what an entry point above cli keeps between its visits (the
     * dashboard's state, src/tui): opaque here, freed through ui_free */
    void *ui;
    void (*ui_free)(void *ui);
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
/* ---- generations ---- */
/* What the live iterators are made from: they are stale after a change of
 * any of these kinds. */
#define BL_INNER_DEPS (BL_CHG_PROBLEM | BL_CHG_OMEGA | BL_CHG_THETA | BL_CHG_INNER)
#define BL_ADJOINT_DEPS (BL_INNER_DEPS | BL_CHG_ADJOINT)
/* Records a change of the kinds WHAT (BL_CHG_*): bumps the generation,
 * which it returns.  Every change of the problem, data, definitions, ω,
 * θ, a setting or the iterators' results is one call. */
unsigned long bl_session_touch(bl_session *S, unsigned what);
/* Whether something of the kinds WHAT changed after generation GEN. */
int bl_session_changed(const bl_session *S, unsigned long gen, unsigned what);
/* The inner iterator while it is live (at the current ω and θ, with the
 * current inner settings), else NULL; likewise the adjoint iterator. */
bl_inner *bl_session_live_inner(const bl_session *S);
bl_adjoint *bl_session_live_adjoint(const bl_session *S);
/* The inner iterations at this ω (0 when no inner iterator is live). */
size_t bl_session_inner_iters(const bl_session *S);
/* θ takes the live inner iterator's iterate: a change of θ after which
 * the iterator stays live. */
void bl_session_take_inner(bl_session *S);
/* Makes IT (taken over; NULL: none) the adjoint iterator, live now. */
void bl_session_set_adjoint(bl_session *S, bl_adjoint *it);

/* ---- settings ---- */
/* Sets setting IDX from TEXT: parses it, runs the row's apply hook and
 * records the change; on failure (E filled) the session is unchanged. */
int bl_session_set(bl_session *S, int idx, const char *text, bl_err *e);

/* ---- messages ---- */
/* Posts a message of KIND about command CMD (NULL: none) to the session's
 * sink: by default fflush(out), the line on errf (stdout for a result)
 * and, in JSON mode, an {"cmd":"error"|"note","command":..,"message":..}
 * object on out for an error and for a failure under try. */
void bl_session_msg(bl_session *S, bl_msg_kind kind, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same for a message already made. */
void bl_session_post(bl_session *S, const bl_msg *m);

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
/* What the reference hypergradient depends on, besides the settings
 * inner.tol, inner.maxit (fd's solves), mem.max and hypergrad.reference. */
#define BL_REF_DEPS (BL_CHG_PROBLEM | BL_CHG_DATA | BL_CHG_DEFS | BL_CHG_OMEGA \
                     | BL_CHG_THETA | BL_CHG_INNER)
/* bl_hg_compare (hypergrad.h) with the reference as hypergrad.reference
 * says, taken from the session's cache when one was computed at this θ
 * and ω (and kept there when computed now). */
int bl_session_hg_compare(bl_session *S, bl_hg_cmp *X, const bl_hg_ctx *c, unsigned flags);
/* The note for a reference that X left out (X->ref_skipped), in BUF. */
void bl_session_ref_note(const bl_session *S, const bl_hg_cmp *X, char *buf, size_t len);
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

/* Applies the threads setting to OpenMP (the row's apply hook). */
void bl_apply_threads(const bl_session *S);

/* Output helpers honouring the format setting. */
int bl_session_json(const bl_session *S);
int bl_session_digits(const bl_session *S);
/* The columns that tables and terminal plots may use (bl_width_pick of
 * term.width, the terminal of S->out, $COLUMNS); 0: no limit. */
int bl_session_width(const bl_session *S);
/* The rows of the terminal of S->out, else $LINES; 0: not known (no
 * limit). */
int bl_session_rows(const bl_session *S);
/* Whether tables take their wide form (table.wide; auto: the width is
 * unlimited or above 100 columns). */
int bl_session_wide(const bl_session *S);

#endif
