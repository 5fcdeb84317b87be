"""bench/soba_numpy.py: SOBA written in NumPy as a user would, on
quadsum-shaped data (rank-one per-sample Hessians and cross terms stored as
factors, batches of 64 visited in a random order per epoch): the loop of
bench_stoch.c.

  soba_numpy.py [N]         10^4 steps on its own random data (N = 32768
                            samples per side, dim 100), for the wall time
  soba_numpy.py --check DIR the same loop on bilab's data and batch order
                            as `bench_stoch --dump DIR` wrote them; prints
                            how far its iterates are from bilab's

Sample i: l_i(y, x) = 1/2 y'u u'y + 1/2 x'w w'x + x'p q'y + a'y + b'x.
SOBA (outer_ratio 1, lr = s/sqrt(t+1)), on an inner batch I and an outer
batch O: y -= lr grad_y G_I, v -= lr (H_I v + grad_y L_O),
x -= lr (C_I v + grad_x L_O), all at the old iterate.
"""
import sys
import time

import numpy as np


def soba(din, dout, ids_in, ids_out, b, s, y, v, x, trace=None):
    """len(ids_in) SOBA steps from (y, v, x); batch k is rows k*b .. k*b+b-1."""
    U, Q, A, _, Pc, _ = din
    Uo, Qo, Ao, Wo, Po, Bo = dout
    for t in range(len(ids_in)):
        i = slice(ids_in[t] * b, ids_in[t] * b + b)
        o = slice(ids_out[t] * b, ids_out[t] * b + b)
        u, q, pc = U[i], Q[i], Pc[i]
        gy = (u.T @ (u @ y) + q.T @ (pc @ x)) / b + A[i].mean(0)
        hv = u.T @ (u @ v) / b
        cv = pc.T @ (q @ v) / b
        uo, qo, po, wo = Uo[o], Qo[o], Po[o], Wo[o]
        ly = (uo.T @ (uo @ y) + qo.T @ (po @ x)) / b + Ao[o].mean(0)
        lx = (wo.T @ (wo @ x) + po.T @ (qo @ y)) / b + Bo[o].mean(0)
        lr = s / np.sqrt(t + 1)
        y, v, x = y - lr * gy, v - lr * (hv + ly), x - lr * (cv + lx)
        if trace is not None:
            trace.append(np.concatenate((y, v, x)))
    return y, v, x


def timing(n=32768):
    p, d, b, steps, s = 100, 100, 64, 10000, 0.1
    rng = np.random.default_rng(0)
    din = tuple(rng.standard_normal((n, k)) * 0.1 for k in (p, p, p, d, d, d))
    dout = tuple(rng.standard_normal((n, k)) * 0.1 for k in (p, p, p, d, d, d))
    y, v, x = np.zeros(p), np.zeros(p), -2 * np.ones(d)
    nb = n // b
    t0, c0 = time.perf_counter(), time.process_time()
    # a new order of the batches every epoch, on each side (timed too)
    epochs = -(-steps // nb)
    ids_in = np.concatenate([rng.permutation(nb) for _ in range(epochs)])[:steps]
    ids_out = np.concatenate([rng.permutation(nb) for _ in range(epochs)])[:steps]
    soba(din, dout, ids_in, ids_out, b, s, y, v, x)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"  numpy SOBA: {steps} steps in {dt:.3f} s, {1e6 * dt / steps:.2f} µs a step "
          f"(processor time {cpu:.3f} s)")


def check(path):
    with open(f"{path}/meta.txt") as f:
        n_in, n_out, p, d, b, steps = (int(t) for t in f.read().split()[:6])
    with open(f"{path}/meta.txt") as f:
        s = float(f.read().split()[6])

    def load(side, n):
        return tuple(np.fromfile(f"{path}/{side}_{nm}.f64").reshape(n, k)
                     for nm, k in (("u", p), ("q", p), ("a", p), ("w", d), ("pc", d), ("b", d)))

    din, dout = load("in", n_in), load("out", n_out)
    ids = np.loadtxt(f"{path}/ids.txt", dtype=np.int64).reshape(-1, 2)
    x0 = np.fromfile(f"{path}/x0.f64")
    want = np.fromfile(f"{path}/iters.f64").reshape(steps, 2 * p + d)
    trace = []
    soba(din, dout, ids[:, 0], ids[:, 1], b, s, np.zeros(p), np.zeros(p), x0, trace)
    got = np.array(trace)
    rel = np.linalg.norm(got - want, axis=1) / np.linalg.norm(want, axis=1)
    moved = np.linalg.norm(want[-1] - np.concatenate((np.zeros(2 * p), x0)))
    print(f"  numpy SOBA on bilab's data (n {n_in}, dim {p}) and batch order: iterates "
          f"(θ, v, ω) equal to bilab's to rel {rel[0]:.2g} after step 1, {rel[9]:.2g} after 10, "
          f"{rel.max():.2g} at worst over {steps} steps (they moved {moved:.3g})")
    return 0 if rel.max() <= 1e-12 else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        sys.exit(check(sys.argv[2]))
    timing(int(sys.argv[1]) if len(sys.argv) > 1 else 32768)
