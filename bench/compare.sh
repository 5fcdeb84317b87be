#!/bin/sh
# bench/compare.sh: the surface benchmarks, and the same 1-D logreg
# surface written with NumPy and with scikit-learn, on one thread each, on
# the data bilab exports; prints the per-point ratios.  Part of make bench.
: "${BILAB:=./bilab}"
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
OPENBLAS_NUM_THREADS=1
export OPENBLAS_NUM_THREADS
./bench/bench_surface "$tmp/bilab_sec" || exit 1
echo
if ! "$BILAB" -e 'problem list' | grep -q ' logreg '; then
    echo "the Python comparison needs the logreg problem, not in this build"
    exit 0
fi
if ! sh "$here/setup"; then
    echo "skipping the NumPy and scikit-learn comparison"
    exit 0
fi
py=/usr/bin/python3
"$BILAB" --json -e "data load breast_cancer; problem use logreg; set inner.solver newton; \
    export data $tmp/bc.csv; surface omega=-8:2:64" | grep '"cmd":"surface"' >"$tmp/bilab.json"
b=$(cat "$tmp/bilab_sec")
for impl in numpy sklearn; do
    # numpy on the machine's OpenBLAS; the processor overrides set here slow
    # a current numpy, so they are unset for this command alone
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$here/logreg_$impl.py" "$tmp/bc.csv" \
        >"$tmp/$impl.out" || { echo "$impl: failed"; continue; }
    s=$(head -1 "$tmp/$impl.out")
    # the same numbers: F at every point against bilab's
    worst=$(tail -n +2 "$tmp/$impl.out" | awk -v json="$(cat "$tmp/bilab.json")" '
        BEGIN { i = index(json, "\"F\":["); s = substr(json, i + 5); s = substr(s, 1, index(s, "]") - 1);
                n = split(s, F, ",") }
        { d = $1 - F[NR]; if (d < 0) d = -d; r = d / (F[NR] < 0 ? -F[NR] : F[NR]); if (r > w) w = r }
        END { printf "%.2g", w }')
    awk -v b="$b" -v s="$s" -v impl="$impl" -v w="$worst" 'BEGIN {
        printf "1-D logreg surface, one thread, per point: bilab %.3f ms, %s %.3f ms: bilab is %.1fx faster (F agrees to %s)\n",
               1e3 * b, impl, 1e3 * s, s / b, w }'
done
echo "targets: at least 3x the NumPy script and 10x scikit-learn on one thread; parallel efficiency ≥ 0.9 on 2 cores"
