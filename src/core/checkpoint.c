/* checkpoint.c: binomial checkpointing (checkpoint.h).  The schedule, as a
 * recursion: to reverse steps [a, a + n) with the state at a stored and f
 * more slots free, n = 1 reverses step a from it; f = 0 recomputes from a
 * up to the last step not yet reversed, each time; else the state at
 * a + m is computed (m steps), stored, [a + m, a + n) reversed with f − 1
 * free slots, the slot freed, and [a, a + m) reversed with f.  The split m
 * minimises m + t(m, f + 1) + t(n − m, f), a convex function of m (t is
 * convex and piecewise linear in n), so a bisection finds the smallest
 * minimiser, and the forward steps total t(n, c) (Griewank's theorem).
 * The recursion runs as a loop over the stack of stored states. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bl.h"
#include "checkpoint.h"

/* r and C(s + r, s) for the smallest r with C(s + r, s) ≥ n (n ≥ 2). */
static uint64_t reps(uint64_t n, uint64_t s, uint64_t *beta)
{
    uint64_t r = 0, b = 1;                    /* b = C(s + r, s) */
    while (b < n) {
        r++;
        b = b * (s + r) / r;                  /* exact: C(s+r, s) = C(s+r−1, s)(s+r)/r */
    }
    *beta = b;
    return r;
}

double bl_ckpt_cost(size_t n, size_t s)
{
    if (n <= 1) return 0;
    if (s <= 1) return (double)n * (double)(n - 1) / 2;
    if (s >= n) return (double)(n - 1);
    uint64_t b, r = reps(n, s, &b);
    /* C(s + r, s + 1) = C(s + r, s) · r / (s + 1) */
    uint64_t b1 = b * r / (s + 1);
    return (double)r * (double)n - (double)b1;
}

double bl_ckpt_recomputed(size_t n, size_t c)
{
    if (n == 0) return 0;
    return bl_ckpt_cost(n, c) + 1 - (double)n;
}

double bl_ckpt_bytes(size_t n, size_t c, size_t width)
{
    size_t k = c < n ? c : n;
    if (k < 1) k = 1;
    return (double)k * ((double)width * sizeof(double) + sizeof(size_t))
           + (double)width * sizeof(double);
}

size_t bl_ckpt_fit(size_t n, double per, double fixed, double max)
{
    if (max <= 0) return n;
    if (fixed + per > max) return 0;
    double c = (max - fixed) / per;
    return c >= (double)n ? n : (size_t)c;
}

/* the split of [a, a + n) with s = f + 1 stored states, n ≥ 2, f ≥ 1 */
static size_t split(size_t n, size_t s)
{
    if (s >= n) return 1;
    size_t lo = 1, hi = n - 1;                /* smallest m with F(m + 1) ≥ F(m) */
    while (lo < hi) {
        size_t m = lo + (hi - lo) / 2;
        double f0 = (double)m + bl_ckpt_cost(m, s) + bl_ckpt_cost(n - m, s - 1);
        double f1 = (double)(m + 1) + bl_ckpt_cost(m + 1, s) + bl_ckpt_cost(n - m - 1, s - 1);
        if (f1 >= f0) hi = m;
        else lo = m + 1;
    }
    return lo;
}

int bl_ckpt_run(const bl_ckpt_ops *ops, size_t s0, size_t n, size_t c, const double *state0,
                bl_ckpt_stats *st)
{
    size_t w = ops->width;
    if (c < 1) c = 1;
    if (c > n) c = n;
    st->stored = 0;
    st->forward = 0;
    if (n == 0) return BL_OK;
    double *slot = malloc(c * w * sizeof(double)), *work = malloc(w * sizeof(double));
    size_t *pos = malloc(c * sizeof(size_t));
    int rc = slot && work && pos ? BL_OK : BL_ENOMEM;
    if (rc) goto out;
    size_t top = 0, end = s0 + n;             /* steps [pos[top], end) still to reverse */
    pos[0] = s0;
    memcpy(slot, state0, w * sizeof(double));
    st->stored = 1;
    for (;;) {
        size_t a = pos[top], len = end - a, f = c - (top + 1);
        memcpy(work, slot + top * w, w * sizeof(double));
        if (len == 1) {                       /* reverse step a from its stored state */
            if ((rc = ops->reverse(ops->u, a, work))) goto out;
            end = a;
            if (top == 0) break;
            top--;
            continue;
        }
        if (f == 0) {                         /* recompute up to end − 1, reverse it */
            for (size_t k = 0; k + 1 < len; k++, st->forward++)
                if ((rc = ops->advance(ops->u, work))) goto out;
            if ((rc = ops->reverse(ops->u, end - 1, work))) goto out;
            end--;
            continue;
        }
        size_t m = split(len, f + 1);
        for (size_t k = 0; k < m; k++, st->forward++)
            if ((rc = ops->advance(ops->u, work))) goto out;
        top++;
        pos[top] = a + m;
        memcpy(slot + top * w, work, w * sizeof(double));
        if (top + 1 > st->stored) st->stored = top + 1;
    }
out:
    free(slot);
    free(work);
    free(pos);
    return rc;
}
