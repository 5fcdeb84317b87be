"""scikit-learn's LogisticRegression on the sparse data bench_sparse
exported (DIR/train.svm: the n training rows first), one thread, for
bilab's inner problem G(θ) = (1/n) Σ log(1 + e^{−y xᵀθ}) + (λ/2)‖θ‖²:
sklearn minimises C Σ log(1 + e^{−y xᵀθ}) + ½‖θ‖², n·C·λ times G when
C = 1/(nλ).  Prints the fit time, G at sklearn's θ, and bilab's G and
distance to bilab's θ (DIR/bilab.txt)."""
import sys
import time
import warnings
import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")
d = sys.argv[1]
with open(d + "/bilab.txt") as f:
    n, lam, Gb, tb = f.readline().split()
    n, lam, Gb, tb = int(n), float(lam), float(Gb), float(tb)
    thb = np.array([float(l) for l in f])
X, y = load_svmlight_file(d + "/train.svm", n_features=len(thb))
X, y = X[:n].tocsr(), y[:n]


def G(th):
    z = y * (X @ th)
    return np.mean(np.logaddexp(0, -z)) + 0.5 * lam * th @ th


for solver, tol in (("lbfgs", 1e-8), ("newton-cg", 1e-8), ("liblinear", 1e-8)):
    m = LogisticRegression(C=1.0 / (n * lam), fit_intercept=False, solver=solver, tol=tol,
                           max_iter=100000)
    t0 = time.perf_counter()
    m.fit(X, y)
    t = time.perf_counter() - t0
    th = m.coef_.ravel()
    print("  sklearn %-10s tol=%g %8.3f s   G = %.12g (bilab %.12g, G − G_bilab = %.2g), "
          "‖θ − θ_bilab‖ = %.2g; time sklearn/bilab %.2f"
          % (solver, tol, t, G(th), Gb, G(th) - Gb, np.linalg.norm(th - thb), t / tb))
