#!/bin/sh
# bench/sparse.sh: bench/bench_sparse (rcv1-sized synthetic sparse logreg),
# then scikit-learn's sparse LogisticRegression on the same data (written
# to a temporary libsvm file) when python3 can import sklearn, one thread
# each.  Part of make bench.   usage: sparse.sh BENCH_SPARSE SKLEARN_PY
bench=$1
script=$2
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS
PY=${PYTHON:-/usr/bin/python3}
if ! "$PY" -c 'import sklearn' >/dev/null 2>&1; then
    "$bench" || exit 1
    echo "  sklearn: skipped ($PY cannot import sklearn)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-sparse.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
/usr/bin/time -f "  bench_sparse peak RSS %M kB" "$bench" --export "$tmp" || exit 1
/usr/bin/time -f "  sklearn peak RSS %M kB" "$PY" "$script" "$tmp" || echo "  sklearn: failed"
