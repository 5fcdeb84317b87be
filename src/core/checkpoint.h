/* checkpoint.h: reverse mode through n unrolled steps in bounded memory by
 * binomial checkpointing (Griewank 1992; Griewank and Walther, "Algorithm
 * 799: revolve", 2000).  At most c states are stored; the others are
 * recomputed forward from the nearest stored one, with the optimal split of
 * the binomial schedule, so the forward steps are the minimum possible for
 * c stored states.  Recomputed states are the same floating-point
 * operations on the same numbers as the first sweep: the adjoint is the
 * same to the last bit as with every state stored.
 * Mathematics and the count: doc/catalogue.md "Checkpointed reverse". */
#ifndef BL_CHECKPOINT_H
#define BL_CHECKPOINT_H

#include <stddef.h>

/* One unrolled step and one adjoint step on states of WIDTH doubles.
 * advance: state_s → state_{s+1} in place; reverse: the adjoint step s,
 * from state_s (the caller keeps the adjoint; the first call, s = s₀ + n
 * − 1, is where it starts it).  A non-zero return stops the run with it. */
typedef struct bl_ckpt_ops {
    size_t width;
    int (*advance)(void *u, double *state);
    int (*reverse)(void *u, size_t s, const double *state);
    void *u;
} bl_ckpt_ops;

typedef struct bl_ckpt_stats {
    size_t stored;        /* peak number of states held at once (≤ c) */
    size_t forward;       /* calls of advance */
} bl_ckpt_stats;

/* β(s, r) = C(s + r, s): the most steps s stored states reverse with each
 * step computed at most r times after the first. */

/* t(n, s): the forward steps of the optimal schedule that reverses n steps
 * from a stored state₀ with s ≥ 1 stored states (state₀ one of them), the
 * state of the step being reversed never stored twice:
 *   t(n, s) = r n − C(s + r, s + 1),  r the integer with C(s+r−1, s) < n ≤ C(s+r, s);
 * t(n, 1) = n(n − 1)/2, t(n, s) = n − 1 for s ≥ n, t(1, s) = 0. */
double bl_ckpt_cost(size_t n, size_t s);

/* The steps an unrolled reverse with C checkpoints recomputes over a window
 * of N steps, beyond the N of one forward sweep: t(N, c) + 1 − N (the
 * sweep's last step to θ_N is made once, when the adjoint starts). */
double bl_ckpt_recomputed(size_t n, size_t c);

/* The largest c ≤ n with FIXED + c·PER bytes ≤ MAX (PER: one stored state
 * with its bookkeeping); 0 if not even c = 1 fits; n when MAX ≤ 0. */
size_t bl_ckpt_fit(size_t n, double per, double fixed, double max);

/* The bytes bl_ckpt_run holds for c stored states of WIDTH doubles over n
 * steps: min(c, n) states, their positions, one working state. */
double bl_ckpt_bytes(size_t n, size_t c, size_t width);

/* Reverses steps s₀ … s₀ + n − 1 from STATE0 (state_{s₀}, not modified),
 * storing at most c ≥ 1 states (STATE0's copy is one).  0 or the first
 * non-zero return of OPS; BL_ENOMEM (from bl.h) without the memory. */
int bl_ckpt_run(const bl_ckpt_ops *ops, size_t s0, size_t n, size_t c, const double *state0,
                bl_ckpt_stats *st);

#endif
