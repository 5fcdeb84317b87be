#!/bin/sh
# bench/inner.sh: bench/bench_inner (lbfgs, bfgs2, newton-cg on logreg at
# p = 3000, to ‖∇θG‖ ≤ 1e-7), then PyTorch's L-BFGS on the same problem to
# the same tolerance when a python3 here can import torch, one thread
# each, with the ratio torch ÷ lbfgs.
# Part of make bench.   usage: inner.sh BENCH_INNER LBFGS_TORCH_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
. "$(dirname "$0")/findpy.sh"
find_python torch
if [ -z "$py" ]; then
    "$bench" || exit 1
    echo "  torch L-BFGS: skipped (no python3 here can import torch; Debian's" \
         "python3-torch is not installed)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-inner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bench" --export "$tmp" || exit 1
"$py" "$script" "$tmp" || echo "  torch L-BFGS: failed ($py)"
