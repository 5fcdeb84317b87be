/* stoch_cli.h: the stochastic outer algorithms (core/stoch.h) at the
 * prompt: `set outer.opt soba:…` selects one, `step outer` and `run N`
 * step it, `show` reports it.  Hooks for cmd_run.c, cmd_set.c and
 * settings.c. */
#ifndef BL_STOCH_CLI_H
#define BL_STOCH_CLI_H

#include <stdio.h>
#include "bl.h"
#include "output.h"

struct bl_session;

/* Whether the outer.opt value TEXT ("soba:step_size=0.1") names a
 * stochastic algorithm. */
int bl_stoch_name(const char *text);
/* Whether the session's outer.opt is a stochastic algorithm. */
int bl_stoch_selected(const struct bl_session *S);
/* N steps (printing each row when VERBOSE); the algorithm starts afresh
 * from the session's θ and ω (v = 0) when anything it was made from
 * changed since its last step. */
int bl_stoch_steps(struct bl_session *S, size_t n, int verbose, bl_err *e);
/* `run N`: N steps and a summary. */
int bl_stoch_run(struct bl_session *S, size_t n, bl_err *e);
/* show: the algorithm's state, as text lines or JSON keys (nothing when
 * outer.opt is not stochastic). */
void bl_stoch_show_text(struct bl_session *S, FILE *f);
void bl_stoch_show_json(struct bl_session *S, bl_json *j);
/* help stochastic and help NAME of an algorithm: 1 when TOPIC is one. */
int bl_stoch_help(struct bl_session *S, const char *topic);
/* save: the live algorithm's state words (stoch.h bl_sopt_state_get),
 * malloc'ed into *W, *N of them; *W NULL when no algorithm is live (none
 * started, or something it is made from changed since its last step). */
int bl_stoch_state_words(struct bl_session *S, double **w, size_t *n, bl_err *e);
/* set stoch.state words=N: the algorithm started afresh from the
 * session's settings, θ and ω, then the state W read into it (θ and ω
 * become its own); a refusal leaves the session unchanged. */
int bl_stoch_state_put(struct bl_session *S, const double *w, size_t n, bl_err *e);
/* The live algorithm (as above), or NULL: for the dashboard. */
const struct bl_sopt *bl_stoch_live(const struct bl_session *S);
/* Frees the session's algorithm (outer.opt changed). */
void bl_stoch_drop(struct bl_session *S);

/* compare of stochastic outer algorithms (cmd_compare_stoch.c): whether
 * the list LIST (compare's first word) names one; the command; the last
 * comparison drawn (PATH NULL: the terminal, else a figure) and written
 * (CSV, or JSON with every seed's numbers); freeing it. */
struct bl_scmp;
int bl_compare_stoch_is(const char *list);
int bl_compare_stoch(struct bl_session *S, int argc, char **argv, bl_err *e);
int bl_compare_stoch_draw(struct bl_session *S, const char *path, bl_err *e);
int bl_compare_stoch_export(struct bl_session *S, FILE *f, int json);
void bl_scmp_free(struct bl_scmp *c);
/* compare's completion (command.h's bl_complete_fn) */
const char *bl_complete_compare(struct bl_session *S, int argi, char **w, size_t i);

#endif
