"""The 1-D logreg surface of `make bench`, as a user would write it with
NumPy: a Newton inner solver (to ‖∇θG‖ ≤ 1e-10, from θ = 0 at every point)
and the exact hypergradient, on the data bilab exported.  Prints the
seconds per point, then F and ∇F at every point (for the check)."""
import sys
import time
import numpy as np


def load(path):
    raw = np.genfromtxt(path, delimiter=",", skip_header=1)
    val = raw[:, -1] == 1
    X, y = raw[:, :-2], raw[:, -2]
    y = np.where(y > 0, 1.0, -1.0)          # labels {0, 1} → {−1, +1}
    return X[~val], y[~val], X[val], y[val]


def sigmoid(t):
    return 0.5 * (1 + np.tanh(0.5 * t))


def point(X, y, Xv, yv, w):
    n, p = X.shape
    lam = np.exp(w)
    th = np.zeros(p)
    for _ in range(100):
        z = y * (X @ th)
        s = sigmoid(-z)
        g = -(X.T @ (y * s)) / n + lam * th
        if np.linalg.norm(g) <= 1e-10:
            break
        d = s * (1 - s)
        H = (X.T * d) @ X / n + lam * np.eye(p)
        th -= np.linalg.solve(H, g)
    zv = yv * (Xv @ th)
    F = np.mean(np.logaddexp(0, -zv))
    gL = -(Xv.T @ (yv * sigmoid(-zv))) / len(yv)
    z = y * (X @ th)
    d = sigmoid(-z) * (1 - sigmoid(-z))
    H = (X.T * d) @ X / n + lam * np.eye(p)
    a = np.linalg.solve(H, gL)
    return F, -lam * th @ a                 # ∇F = ∇ωL − C a, C = e^ω θᵀ


def main():
    X, y, Xv, yv = load(sys.argv[1])
    grid = np.linspace(-8, 2, 64)
    point(X, y, Xv, yv, 0.0)                # warm up
    t0 = time.perf_counter()
    out = [point(X, y, Xv, yv, w) for w in grid]
    sec = (time.perf_counter() - t0) / len(grid)
    print("%.9g" % sec)
    for F, g in out:
        print("%.17g %.17g" % (F, g))


main()
