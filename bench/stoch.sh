#!/bin/sh
# bench/stoch.sh: bench/bench_stoch (quadsum dim 100, n 32768, batch 64:
# minibatch oracles per second, 10⁴ SOBA steps), then the same SOBA loop in
# NumPy (bench/soba_numpy.py, on its own random rank-one samples of the same
# shapes) and the ratio of the two wall times, one thread each; then the
# NumPy loop replays bilab's SOBA on bilab's data and batch order (n 2048,
# 50 steps, from bench_stoch --dump) and says how far its iterates are from
# bilab's.  Without a python3 that can import numpy it says so in one line
# and skips; it fails only when bench_stoch does.  Part of make bench.
#   usage: stoch.sh BENCH_STOCH SOBA_NUMPY_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1
OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-stoch.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$bench" >"$tmp/bilab.out" || { cat "$tmp/bilab.out"; exit 1; }
cat "$tmp/bilab.out"
. "$(dirname "$0")/findpy.sh"
find_python numpy
if [ -z "$py" ]; then
    echo "  numpy SOBA: skipped (no python3 here can import numpy: install Debian's" \
         "python3-numpy, e.g. with bench/setup)"
    exit 0
fi
# numpy on the machine's OpenBLAS; the processor overrides some setups set
# slow a current numpy, so they are unset for it alone
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$script" >"$tmp/numpy.out" 2>&1 \
    || { echo "  numpy SOBA: failed ($py): $(tail -1 "$tmp/numpy.out")"; exit 0; }
cat "$tmp/numpy.out"
b=$(sed -n 's/.*SOBA steps .*: \([0-9.]*\) s, .*/\1/p' "$tmp/bilab.out")
bc=$(sed -n 's/.*SOBA steps .*(processor time \([0-9.]*\) s).*/\1/p' "$tmp/bilab.out")
n=$(sed -n 's/.*numpy SOBA: [0-9]* steps in \([0-9.]*\) s.*/\1/p' "$tmp/numpy.out")
nc=$(sed -n 's/.*numpy SOBA: .*(processor time \([0-9.]*\) s).*/\1/p' "$tmp/numpy.out")
if [ -n "$b" ] && [ -n "$n" ] && [ -n "$bc" ] && [ -n "$nc" ]; then
    awk -v b="$b" -v n="$n" -v bc="$bc" -v nc="$nc" 'BEGIN {
        printf "  SOBA, 10⁴ steps, one thread: bilab %.3f s, numpy %.3f s: bilab %.1fx faster", b, n, n / b
        printf " (processor time %.1fx; target ≥ 10x)\n", nc / bc }'
fi
mkdir "$tmp/dump" && "$bench" --dump "$tmp/dump" 2048 50 \
    && env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$script" --check "$tmp/dump" \
    || echo "  numpy SOBA on bilab's data: the iterates differ from bilab's (or the check failed)"
exit 0
