#!/usr/bin/env python3
"""cd_forward_numba.py CSV OMEGA T [REPS]: the lasso hypergradient by
forward-mode differentiation of T sweeps of cyclic coordinate descent from
beta = 0, as sparse-ho's Forward computes it (Bertrand et al. 2020, ICML;
sparse_ho.algo.forward with models.Lasso), for bench/cdforward.sh.

If sparse_ho imports, its own Forward is timed (use_stop_crit=False,
max_iter=T).  Otherwise the same algorithm, written here from the paper and
sparse-ho's structure (a Numba-compiled loop over coordinates keeping the
residual r = y - X beta and its derivative dr = -X dbeta, each coordinate
O(n); the primal objective evaluated once a sweep, as sparse-ho's loop
does; no stopping criterion, so exactly T sweeps).  Problem, as bilab's
lasso: G = (1/2n)||X beta - y||^2 + e^omega ||beta||_1, L = (1/2m)||Xv beta -
yv||^2, dF/domega = dbeta^T Xv^T (Xv beta - yv)/m.

CSV: bilab's `export data` (features, target, a last column `validation`).
Prints: the best seconds of REPS runs (the JIT compile is done by a first,
untimed call and not counted), the hypergradient, and which
implementation ran.  One thread (NUMBA_NUM_THREADS=1 is set by the caller)."""
import sys
import time

import numpy as np


def load(path):
    D = np.loadtxt(path, delimiter=",", skiprows=1)
    val = D[:, -1] == 1
    X, y = D[~val, :-2], D[~val, -2]
    Xv, yv = D[val, :-2], D[val, -2]
    return np.asfortranarray(X), y.copy(), Xv, yv


def run_sparse_ho(X, y, Xv, yv, omega, T):
    from sparse_ho import Forward
    from sparse_ho.models import Lasso
    from sparse_ho.criterion import HeldOutMSE
    # sparse-ho wants one X with index sets for the two splits
    XX = np.vstack([X, Xv])
    yy = np.concatenate([y, yv])
    idx_train = np.arange(X.shape[0])
    idx_val = np.arange(X.shape[0], XX.shape[0])
    crit = HeldOutMSE(idx_train, idx_val)
    algo = Forward(use_stop_crit=False)

    def once():
        model = Lasso()
        return crit.get_val_grad(model, XX, yy, omega, algo.compute_beta_grad,
                                 max_iter=T, tol=0.0)[1]
    return once


def make_numba(X, y, Xv, yv, omega, T):
    from numba import njit

    @njit(cache=False)
    def sweeps(X, y, alpha, T):
        n, p = X.shape
        L = np.empty(p)
        for j in range(p):
            L[j] = X[:, j] @ X[:, j] / n
        beta = np.zeros(p)
        dbeta = np.zeros(p)
        r = y.copy()                 # y - X beta
        dr = np.zeros(n)             # -X dbeta
        pobj = 0.0
        for it in range(T):
            for j in range(p):
                if L[j] == 0.0:
                    continue
                old = beta[j]
                dold = dbeta[j]
                zj = old + (X[:, j] @ r) / (L[j] * n)
                dzj = dold + (X[:, j] @ dr) / (L[j] * n)
                thr = alpha / L[j]
                if zj > thr:
                    beta[j] = zj - thr
                    dbeta[j] = dzj - thr
                elif zj < -thr:
                    beta[j] = zj + thr
                    dbeta[j] = dzj + thr
                else:
                    beta[j] = 0.0
                    dbeta[j] = 0.0
                if beta[j] != old:
                    r -= X[:, j] * (beta[j] - old)
                if dbeta[j] != dold:
                    dr -= X[:, j] * (dbeta[j] - dold)
            # sparse-ho's loop evaluates the primal objective every sweep
            pobj = r @ r / (2 * n) + alpha * np.abs(beta).sum()
        return beta, dbeta, pobj

    alpha = float(np.exp(omega))
    m = Xv.shape[0]
    sweeps(X, y, alpha, 1)           # JIT compile: not timed

    def once():
        beta, dbeta, _ = sweeps(X, y, alpha, T)
        gL = Xv.T @ (Xv @ beta - yv) / m
        return float(dbeta @ gL)
    return once


def main():
    path, omega, T = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    X, y, Xv, yv = load(path)
    try:
        import sparse_ho  # noqa: F401
        once, impl = run_sparse_ho(X, y, Xv, yv, omega, T), "sparse-ho Forward"
        once()                       # warm-up (its Numba kernels compile here)
    except ImportError:
        once, impl = make_numba(X, y, Xv, yv, omega, T), "NumPy+Numba Forward (sparse-ho's algorithm)"
    best, g = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        g = once()
        best = min(best, time.perf_counter() - t0)
    print(best)
    print(repr(float(np.ravel(g)[0])))
    print(impl)


if __name__ == "__main__":
    main()
