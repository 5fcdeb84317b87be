"""bench/soba_numpy.py: 10^4 SOBA steps written in NumPy as a user would,
on quadsum-shaped data (n = 32768 samples per side, dim 100, rank-one
per-sample Hessians and cross terms stored as factors, batch 64, batches
visited in a random order per epoch): the loop of bench_stoch.c, for its
wall time.  Its own random data: a timing, not a check of bilab's numbers.
"""
import time

import numpy as np

n, p, d, b, steps, s = 32768, 100, 100, 64, 10000, 0.1
rng = np.random.default_rng(0)
U, Q, A = (rng.standard_normal((n, p)) * 0.1 for _ in range(3))
W, Pc, B = (rng.standard_normal((n, d)) * 0.1 for _ in range(3))
Uo, Qo, Ao = (rng.standard_normal((n, p)) * 0.1 for _ in range(3))
Wo, Po, Bo = (rng.standard_normal((n, d)) * 0.1 for _ in range(3))
y, v, x = np.zeros(p), np.zeros(p), -2 * np.ones(d)
nb = n // b
order_in, order_out = rng.permutation(nb), rng.permutation(nb)
t0 = time.perf_counter()
for t in range(steps):
    if t % nb == 0 and t:
        order_in, order_out = rng.permutation(nb), rng.permutation(nb)
    i = slice(order_in[t % nb] * b, order_in[t % nb] * b + b)
    o = slice(order_out[t % nb] * b, order_out[t % nb] * b + b)
    u, q, pc = U[i], Q[i], Pc[i]
    gy = (u.T @ (u @ y) + q.T @ (pc @ x)) / b + A[i].mean(0)
    hv = u.T @ (u @ v) / b
    cv = pc.T @ (q @ v) / b
    uo, qo, po = Uo[o], Qo[o], Po[o]
    ly = (uo.T @ (uo @ y) + qo.T @ (po @ x)) / b + Ao[o].mean(0)
    lx = (Wo[o].T @ (Wo[o] @ x) + po.T @ (qo @ y)) / b + Bo[o].mean(0)
    lr = s / np.sqrt(t + 1)
    y, v, x = y - lr * gy, v - lr * (hv + ly), x - lr * (cv + lx)
dt = time.perf_counter() - t0
print(f"  numpy SOBA: {steps} steps in {dt:.3f} s, {1e6 * dt / steps:.2f} µs a step")
