#!/bin/sh
# bench/cdforward.sh: the lasso hypergradient by unrolling (issue 14):
# forward and reverse through coordinate descent (solver=cd) against the
# ISTA unrolling they replace and against sparse-ho's Forward (or, when
# sparse_ho does not import, the same algorithm in NumPy + Numba,
# bench/cd_forward_numba.py), one thread each, on the same data, inner
# solve included (every method starts from θ = 0).  Part of make bench.
# The problem: synthetic regression n = m = 1000, p = 200, features
# N(0, Σ) with Σ_ij = 0.957^|i−j| (κ(XᵀX/n) ≈ 4.1e3), seed 1; λ₁ = e^{−4}
# (λ_max ≈ 13.9); t = 1000 sweeps (converged: 2e-11 from the exact value).
: "${BILAB:=./bilab}"
here=$(dirname "$0")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-cdf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1
export OPENBLAS_NUM_THREADS OMP_NUM_THREADS NUMBA_NUM_THREADS
T=1000 TI=30000 OM=-4
data="data synth regression n=1000 m=1000 p=200 corr=0.957 noise=1 seed=1"
echo "lasso hypergradient by unrolling, p = 200, n = m = 1000, κ ≈ 4e3, λ₁ = e^$OM, from θ = 0, one thread"
"$BILAB" --json -e "$data; export data $tmp/d.csv; problem use lasso; set omega $OM; set inner.tol 1e-12; solve inner; \
    hypergrad exact forward:solver=cd,t=$T forward:solver=cd,t=$T forward:solver=cd,t=$T \
    reverse:solver=cd,t=$T reverse:solver=cd,t=$T reverse:solver=cd,t=$T forward:t=$TI" |
    grep '"cmd":"hypergrad"' >"$tmp/b.json" || { echo "bilab failed"; exit 0; }
# spec, seconds, grad of every estimate (one line each)
tr '{' '\n' <"$tmp/b.json" | grep '"spec"' | sed -E \
    's/.*"spec":"([^"]*)","grad":\[([^],]*)[],].*"seconds":([0-9.eE+-]*).*/\1 \3 \2/' >"$tmp/est"
ex=$(awk '$1 == "exact" { print $3 }' "$tmp/est")
best() { awk -v s="$1" '$1 == s { if (b == "" || $2 < b) { b = $2; g = $3 } } END { print b, g }' "$tmp/est"; }
set -- $(best "forward:solver=cd,t=$T"); bf=$1 gf=$2
set -- $(best "reverse:solver=cd,t=$T"); br=$1 gr=$2
set -- $(best "forward:t=$TI"); bi=$1 gi=$2
rel() { awk -v a="$1" -v b="$ex" 'BEGIN { d = a - b; if (d < 0) d = -d; printf "%.2g", d / (b < 0 ? -b : b) }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", 1e3 * s }'; }
echo "  bilab forward:solver=cd,t=$T   $(ms "$bf") ms  (rel. err. $(rel "$gf") from exact)"
echo "  bilab reverse:solver=cd,t=$T   $(ms "$br") ms  (rel. err. $(rel "$gr"))"
echo "  bilab forward:t=$TI (ISTA)    $(ms "$bi") ms  (rel. err. $(rel "$gi")); ÷ forward:solver=cd: $(awk -v a="$bi" -v b="$bf" 'BEGIN { printf "%.1f", a / b }')x"
py=/usr/bin/python3
if ! "$py" -c 'import numba' 2>/dev/null && ! "$py" -c 'import sparse_ho' 2>/dev/null; then
    echo "  skipping the sparse-ho comparison: neither sparse_ho nor numba imports"
    exit 0
fi
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$here/cd_forward_numba.py" "$tmp/d.csv" "$OM" "$T" 3 \
    >"$tmp/py.out" 2>"$tmp/py.err" || { echo "  cd_forward_numba.py failed: $(tail -1 "$tmp/py.err")"; exit 0; }
ps=$(sed -n 1p "$tmp/py.out") pg=$(sed -n 2p "$tmp/py.out") impl=$(sed -n 3p "$tmp/py.out")
echo "  $impl, $T sweeps: $(ms "$ps") ms (JIT compile excluded; rel. err. $(rel "$pg"))"
awk -v p="$ps" -v f="$bf" -v r="$br" 'BEGIN {
    printf "  ratio (peer ÷ bilab): forward:solver=cd %.2f, reverse:solver=cd %.2f (target ≥ 1)\n", p / f, p / r }'
