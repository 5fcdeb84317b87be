"""hyper_torch.py: issue 14's "per hypergradient, per-feature logistic"
rows, the peer's side: the cg, fixed-point and Neumann hypergradient
estimators written with PyTorch autograd as a hypertorch user would (the
H-products by double backward through ∇θG, the mixed product ∂ω(∇θG·a)
by one more backward), float64, one thread, on the problem bench_hyper
exports (bench/hyper.sh runs both):
    G(θ, ω) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) + ½ Σ_j e^{ω_j} θ_j²
    L(θ)    = (1/m) Σ log(1 + exp(−y_k x_kᵀθ))        at θ = θ*, ω = 0,
each estimator with K H-products and bilab's step η (cg: K iterations
from 0; fp: a ← a − η(Ha − ∇θL) from a = η∇θL, K times; neumann:
a = η Σ_{j≤K} (I − ηH)^j ∇θL), hypergradient −∂ω(∇θG·a).  A timing
covers what one hypergradient costs a user: the graph of ∇θG, ∇θL, the
K products and the mixed product.  Prints, for each p, the best time of
as many runs as fit in about a second (at least 3), the ratio
torch ÷ bilab (peer ÷ bilab, above 1: bilab faster) and the largest
difference from bilab's hypergradient relative to its norm.
usage: hyper_torch.py DIR P...   (DIR/P from bench_hyper --export DIR)"""
import sys
import time
from array import array

import torch


def load(path, count):
    a = array("d")
    with open(path, "rb") as f:
        a.fromfile(f, count)
    return torch.tensor(a, dtype=torch.float64)


def estimators(X, y, Xv, yv, theta0, eta, K):
    n = X.shape[0]

    def inner(theta, omega):
        return torch.nn.functional.softplus(-y * (X @ theta)).sum() / n \
            + 0.5 * (torch.exp(omega) * theta * theta).sum()

    def outer(theta):
        return torch.nn.functional.softplus(-yv * (Xv @ theta)).mean()

    def setup():
        theta = theta0.clone().requires_grad_(True)
        omega = torch.zeros_like(theta0, requires_grad=True)
        gth = torch.autograd.grad(inner(theta, omega), theta, create_graph=True)[0]
        b = torch.autograd.grad(outer(theta), theta)[0]

        def hvp(v):
            return torch.autograd.grad(gth, theta, v, retain_graph=True)[0]
        return theta, omega, gth, b, hvp

    def finish(omega, gth, a):
        return -torch.autograd.grad(gth, omega, a)[0]

    def cg():
        theta, omega, gth, b, hvp = setup()
        a = torch.zeros_like(b)
        r = b.clone()
        d = r.clone()
        rr = r.dot(r)
        for _ in range(K):
            Hd = hvp(d)
            alpha = rr / d.dot(Hd)
            a = a + alpha * d
            r = r - alpha * Hd
            rr_new = r.dot(r)
            d = r + (rr_new / rr) * d
            rr = rr_new
        return finish(omega, gth, a)

    def fp():
        theta, omega, gth, b, hvp = setup()
        a = eta * b
        for _ in range(K):
            a = a - eta * (hvp(a) - b)
        return finish(omega, gth, a)

    def neumann():
        theta, omega, gth, b, hvp = setup()
        v = b.clone()
        s = b.clone()
        for _ in range(K):
            v = v - eta * hvp(v)
            s = s + v
        return finish(omega, gth, eta * s)

    return {"cg": cg, "fp": fp, "neumann": neumann}


def main():
    d = sys.argv[1]
    torch.set_num_threads(1)
    print("  PyTorch %s autograd (float64, one thread) against bilab, per hypergradient:"
          % torch.__version__)
    print("  %6s %-8s %12s %12s %14s %12s" % ("p", "method", "torch ms", "bilab ms",
                                              "torch ÷ bilab", "rel. diff"))
    for ps in sys.argv[2:]:
        dd = "%s/%s" % (d, ps)
        with open(dd + "/meta.txt") as f:
            fields = f.read().split()
        n, m, p, eta, K = int(fields[0]), int(fields[1]), int(fields[2]), \
            float(fields[3]), int(fields[4])
        tb = {"cg": float(fields[5]), "fp": float(fields[6]), "neumann": float(fields[7])}
        X = load(dd + "/X.f64", n * p).reshape(n, p)
        y = load(dd + "/y.f64", n)
        Xv = load(dd + "/Xv.f64", m * p).reshape(m, p)
        yv = load(dd + "/yv.f64", m)
        th = load(dd + "/theta.f64", p)
        est = estimators(X, y, Xv, yv, th, eta, K)
        for name in ("cg", "fp", "neumann"):
            ref = load(dd + "/hg_%s.f64" % name, p)
            best, total, reps = float("inf"), 0.0, 0
            while reps < 3 or (total < 1.0 and reps < 1000):
                t0 = time.perf_counter()
                hg = est[name]()
                t = time.perf_counter() - t0
                best, total, reps = min(best, t), total + t, reps + 1
            rel = float((hg - ref).abs().max() / ref.norm())
            print("  %6d %-8s %12.3f %12.3f %14.2f %12.2g" % (p, name, 1e3 * best,
                                                            1e3 * tb[name], best / tb[name],
                                                            rel))


if __name__ == "__main__":
    main()
