/* unroll.h: reverse, truncated and forward differentiation of unrolled
 * steps with momentum (heavy ball, Nesterov) and with the step η itself an
 * outer variable (P->eta_slot, learn_eta=1).  hypergrad.c's reverse,
 * truncated and forward call these when their method= is not gd or the
 * problem learns η; plain gd steps keep hypergrad.c's own loops.
 * Mathematics: doc/catalogue.md "Unrolling with momentum". */
#ifndef BL_UNROLL_H
#define BL_UNROLL_H

#include "hypergrad.h"

enum { BL_UNROLL_GD = 0, BL_UNROLL_HEAVYBALL = 1, BL_UNROLL_NESTEROV = 2 };
extern const char *const bl_unroll_method_names[];   /* NULL-terminated */

/* The unrolled iteration, from θ₋₁ = θ₀ (zero, or the current θ when FROM
 * is non-zero), s = 0 … T−1:
 *   y_s = θ_s + β_n(θ_s − θ_{s−1}),  θ_{s+1} = Φ(y_s) + β_h(θ_s − θ_{s−1}),
 * (β_n, β_h) = (0, 0) for gd, (0, β) heavyball, (β, 0) nesterov; Φ(y) =
 * y − η∇θG(y), or the problem's own step.  ETA > 0 is the step; ETA ≤ 0:
 * e^{ω_slot} when P->eta_slot is set (the derivative in that entry then
 * comes through ∂Φ/∂log η), else the context's η.
 * bl_unroll_reverse: reverse mode through the last K of the T steps
 * (K = T: the whole); bl_unroll_forward: forward mode through all T (the
 * same number as K = T).  Fill R's grad, theta_end, iters, bytes.
 * CK ≥ 1: reverse stores at most CK checkpoints (θ_s, θ_{s−1}) and
 * recomputes the rest (checkpoint.h), the same number to the last bit;
 * R's checkpointed, stored, recomputed say how. */
int bl_unroll_reverse(size_t T, size_t K, double eta, double from, int method,
                      double beta, size_t ck, const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);

/* hypergrad.c: the refusal of reverse or truncated (WHO) over mem.max,
 * which names the checkpoints=c that fit: PER the bytes of one stored
 * state, FIXED the rest; CK the checkpoints asked for (0: none).  BL_ENOMEM. */
int bl_hg_unroll_refuse(const bl_hg_ctx *c, const char *who, size_t T, size_t K, size_t ck,
                        double bytes, double per, double fixed, bl_err *e);
int bl_unroll_forward(size_t T, double eta, double from, int method, double beta,
                      const bl_hg_ctx *c, bl_hg_result *r, bl_err *e);

/* solver=cd: forward and reverse mode through T sweeps of cyclic coordinate
 * descent (the problem's cd_sweep, cd_jvp, cd_vjp) from θ₀ (zero, or the
 * current θ when FROM is non-zero); the same number both ways.  METHOD must
 * be gd (0) and ETA 0 (no step).  BL_EUNSUPPORTED, one line, on a problem
 * without cd_jvp.
 * reverse stores the T sweeps' iterates (T·p doubles). */
int bl_unroll_cd_forward(size_t T, double from, int method, double eta, const bl_hg_ctx *c,
                         bl_hg_result *r, bl_err *e);
int bl_unroll_cd_reverse(size_t T, double from, int method, double eta, const bl_hg_ctx *c,
                         bl_hg_result *r, bl_err *e);

#endif
