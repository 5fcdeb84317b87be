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
# a python3 with torch: $PYTHON, the one on PATH (often pyenv's, without
# Debian's packages), then Debian's own
py=
for c in "${PYTHON:-}" python3 /usr/bin/python3; do
    [ -n "$c" ] || continue
    if "$c" -c 'import torch' >/dev/null 2>&1; then py=$c; break; fi
done
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
