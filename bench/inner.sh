#!/bin/sh
# bench/inner.sh: bench/bench_inner (lbfgs, bfgs2, newton-cg on logreg at
# p = 3000, to ‖∇θG‖ ≤ 1e-7), then PyTorch's L-BFGS on the same problem to
# the same tolerance when python3-torch is installed, one thread each.
# Part of make bench.   usage: inner.sh BENCH_INNER LBFGS_TORCH_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
if ! python3 -c 'import torch' >/dev/null 2>&1; then
    "$bench" || exit 1
    echo "  torch L-BFGS: skipped (python3 cannot import torch; Debian's python3-torch" \
         "is not installed)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-inner.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$bench" --export "$tmp" || exit 1
python3 "$script" "$tmp" || echo "  torch L-BFGS: failed"
