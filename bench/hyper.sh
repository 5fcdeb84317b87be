#!/bin/sh
# bench/hyper.sh: issue 14's per-hypergradient rows (per-feature logistic,
# p = 30, 300, 3000 with n = 2p): bench/bench_hyper (bilab's cg, fp and
# neumann), then the same estimators written with PyTorch autograd
# (bench/hyper_torch.py) on the same data in the same run, one thread
# each, with the ratios torch ÷ bilab.  Part of make bench.
# usage: hyper.sh BENCH_HYPER HYPER_TORCH_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1
OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
. "$(dirname "$0")/findpy.sh"
find_python torch
if [ -z "$py" ]; then
    "$bench" || exit 1
    echo "  torch hypergradients: skipped (no python3 here can import torch; Debian's" \
         "python3-torch is not installed)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-hyper.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bench" --export "$tmp" 30 300 3000 || exit 1
"$py" "$script" "$tmp" 30 300 3000 || echo "  torch hypergradients: failed ($py)"
