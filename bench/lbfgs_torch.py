"""lbfgs_torch.py: PyTorch's L-BFGS on the problem bench_inner exports
(bench/inner.sh runs it): the inner problem of logreg,
    G(θ) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) + (λ/2)‖θ‖²,
from θ = 0 to ‖∇θG‖₂ ≤ 1e-7, float64, one thread, as a PyTorch user would
write it: torch.optim.LBFGS with history_size=10 (bilab's lbfgs.m) and the
strong-Wolfe line search.  torch stops on max|∇| ≤ tolerance_grad; to stop
on the same Euclidean norm as bilab, the closure zeroes the gradient it
returns once ‖∇θG‖₂ ≤ 1e-7 (torch then stops after that line search).
Prints the best of 3 runs: iterations, function evaluations, seconds,
‖∇θG‖ and G, and G's difference from bilab's, then the ratio of the
times torch ÷ bilab's lbfgs (peer ÷ bilab: above 1, bilab is faster).
usage: lbfgs_torch.py DIR   (DIR: X.f64, y.f64, meta.txt from bench_inner)"""
import sys
import time
from array import array

import torch

TOL = 1e-7


def load(path, count):
    a = array("d")
    with open(path, "rb") as f:
        a.fromfile(f, count)
    if hasattr(torch, "frombuffer"):
        return torch.frombuffer(a, dtype=torch.float64).clone()
    return torch.tensor(a, dtype=torch.float64)


def main():
    d = sys.argv[1]
    with open(d + "/meta.txt") as f:
        fields = f.read().split()
    n, p, lam, g_bilab = int(fields[0]), int(fields[1]), float(fields[2]), float(fields[3])
    t_bilab = float(fields[4]) if len(fields) > 4 else float("nan")
    torch.set_num_threads(1)
    X = load(d + "/X.f64", n * p).reshape(n, p)
    y = load(d + "/y.f64", n)
    best = None
    for _ in range(3):
        theta = torch.zeros(p, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([theta], lr=1, max_iter=100000, max_eval=1000000,
                                tolerance_grad=0, tolerance_change=0,
                                history_size=10, line_search_fn="strong_wolfe")
        done = {"evals": 0}

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.softplus(-y * (X @ theta)).mean() \
                + 0.5 * lam * theta.dot(theta)
            loss.backward()
            done["evals"] += 1
            if theta.grad.norm() <= TOL:
                done["g"] = float(theta.grad.norm())
                theta.grad.zero_()
            return loss

        t0 = time.perf_counter()
        opt.step(closure)
        sec = time.perf_counter() - t0
        with torch.no_grad():
            z = -y * (X @ theta)
            G = float(torch.nn.functional.softplus(z).mean() + 0.5 * lam * theta.dot(theta))
        it = opt.state[opt._params[0]]["n_iter"]
        if best is None or sec < best[0]:
            best = (sec, it, done["evals"], done.get("g", float("nan")), G)
    sec, it, ev, gn, G = best
    print("  %-10s %6d %6d %6d %6s %12.3g %10.8f %9.3f   (G − bilab's lbfgs G: %.2g)"
          % ("torch", it, ev, ev, "-", gn, G, sec, G - g_bilab))
    print("  torch ÷ lbfgs (peer ÷ bilab): %.2f   (PyTorch %s)" % (sec / t_bilab,
                                                               torch.__version__))


if __name__ == "__main__":
    main()
