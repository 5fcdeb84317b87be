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
for start in path theta; do
    "$BILAB" --json -e "data load breast_cancer; problem use logreg; set inner.solver newton; \
        set surface.start $start; export data $tmp/bc.csv; surface omega=-8:2:64" |
        grep '"cmd":"surface"' >"$tmp/bilab_$start.json"
done
b_path=$(sed -n 1p "$tmp/bilab_sec")
b_theta=$(sed -n 2p "$tmp/bilab_sec")
for impl in numpy sklearn; do
    # numpy on the machine's OpenBLAS; the processor overrides set here slow
    # a current numpy, so they are unset for this command alone
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$here/logreg_$impl.py" "$tmp/bc.csv" \
        >"$tmp/$impl.out" || { echo "$impl: failed"; continue; }
    s=$(head -1 "$tmp/$impl.out")
    echo "1-D logreg surface, one thread, per point: $impl $(awk -v s="$s" 'BEGIN { printf "%.3f", 1e3 * s }') ms"
    for start in path theta; do
        # the same numbers: F at every point against bilab's
        worst=$(tail -n +2 "$tmp/$impl.out" | awk -v json="$(cat "$tmp/bilab_$start.json")" '
            BEGIN { i = index(json, "\"F\":["); s = substr(json, i + 5); s = substr(s, 1, index(s, "]") - 1);
                    n = split(s, F, ",") }
            { d = $1 - F[NR]; if (d < 0) d = -d; r = d / (F[NR] < 0 ? -F[NR] : F[NR]); if (r > w) w = r }
            END { printf "%.2g", w }')
        if [ "$start" = path ]; then b=$b_path; what="along a path (the default)"
        else b=$b_theta; what="every point from θ = 0 (the script's algorithm)"; fi
        awk -v b="$b" -v s="$s" -v w="$worst" -v what="$what" 'BEGIN {
            printf "  bilab %s: %.3f ms, %.1fx faster (F agrees to %s)\n", what, 1e3 * b, s / b, w }'
    done
done
echo "targets: at least 3x the NumPy script and 10x scikit-learn on one thread; parallel efficiency ≥ 0.9 on 2 cores"
