"""The same 1-D logreg surface with scikit-learn's LogisticRegression
(lbfgs, tol 1e-10) for the inner problem and the exact hypergradient from
NumPy.  sklearn minimises C Σ log(1 + e^{−y xᵀθ}) + ½‖θ‖², which is n·C
times bilab's G when C = 1/(n e^ω).  Prints seconds per point, then F and
∇F at every point."""
import sys
import time
import warnings
import numpy as np
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")


def load(path):
    raw = np.genfromtxt(path, delimiter=",", skip_header=1)
    val = raw[:, -1] == 1
    X, y = raw[:, :-2], raw[:, -2]
    y = np.where(y > 0, 1.0, -1.0)
    return X[~val], y[~val], X[val], y[val]


def sigmoid(t):
    return 0.5 * (1 + np.tanh(0.5 * t))


def point(X, y, Xv, yv, w):
    n, p = X.shape
    lam = np.exp(w)
    m = LogisticRegression(C=1.0 / (n * lam), fit_intercept=False, solver="lbfgs",
                           tol=1e-10, max_iter=100000)
    m.fit(X, y)
    th = m.coef_.ravel()
    zv = yv * (Xv @ th)
    F = np.mean(np.logaddexp(0, -zv))
    gL = -(Xv.T @ (yv * sigmoid(-zv))) / len(yv)
    s = sigmoid(-(y * (X @ th)))
    H = (X.T * (s * (1 - s))) @ X / n + lam * np.eye(p)
    return F, -lam * th @ np.linalg.solve(H, gL)


def main():
    X, y, Xv, yv = load(sys.argv[1])
    grid = np.linspace(-8, 2, 64)
    point(X, y, Xv, yv, 0.0)
    t0 = time.perf_counter()
    out = [point(X, y, Xv, yv, w) for w in grid]
    sec = (time.perf_counter() - t0) / len(grid)
    print("%.9g" % sec)
    for F, g in out:
        print("%.17g %.17g" % (F, g))


main()
