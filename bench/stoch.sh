#!/bin/sh
# bench/stoch.sh: bench/bench_stoch (quadsum dim 100, n 32768, batch 64:
# minibatch oracles per second, 10⁴ SOBA steps), then the same SOBA loop in
# NumPy (bench/soba_numpy.py, on its own random rank-one samples of the same
# shapes: a timing, not a check of numbers) when python3 can import numpy;
# one thread each.  Part of make bench.   usage: stoch.sh BENCH_STOCH SOBA_NUMPY_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1
OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
"$bench" || exit 1
if ! python3 -c 'import numpy' >/dev/null 2>&1; then
    echo "  numpy SOBA: skipped (python3 cannot import numpy; Debian's python3-numpy" \
         "is not installed)"
    exit 0
fi
python3 "$script" || echo "  numpy SOBA: failed"
