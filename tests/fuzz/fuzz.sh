#!/bin/sh
# fuzz.sh: the expression parser of `define` under random input (TAP).
#  1. fuzz_expr_smoke (any compiler): the seed corpus, then a fixed-seed
#     mutation loop over built-in seeds;
#  2. fuzz_expr (libFuzzer, built when configure found a compiler with
#     -fsanitize=fuzzer, e.g. clang): FUZZ_SECONDS seconds (default 10)
#     from the seed corpus.  Skipped cleanly when there is no such build.
# The longer run is in doc/expressions.md ("Fuzzing").
. "$(dirname "$0")/../cli/lib.sh"
builddir=$(dirname "$BILAB")
corpus=$srcdir/tests/fuzz/corpus

"$builddir/tests/fuzz/fuzz_expr_smoke" "$corpus"/* -runs="${FUZZ_RUNS:-20000}" >"$tmpdir/smoke" 2>&1
rc=$?
ok $rc "the parser survives the seed corpus and ${FUZZ_RUNS:-20000} mutated inputs"
[ $rc -eq 0 ] || diag "$(tail -30 "$tmpdir/smoke")"

fuzz=$builddir/tests/fuzz/fuzz_expr
if [ -x "$fuzz" ]; then
    mkdir "$tmpdir/corpus"
    "$fuzz" -max_total_time="${FUZZ_SECONDS:-10}" -seed=1 -max_len=512 \
        -dict="$srcdir/tests/fuzz/expr.dict" -artifact_prefix="$builddir/tests/fuzz/" \
        "$tmpdir/corpus" "$corpus" >"$tmpdir/fuzz" 2>&1
    rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$tmpdir/fuzz")
    ok $rc "libFuzzer: ${runs:-?} inputs in ${FUZZ_SECONDS:-10} s without a crash or a sanitizer report"
    [ $rc -eq 0 ] && diag "crash inputs, if any, are saved as $builddir/tests/fuzz/crash-*" \
        || diag "$(tail -40 "$tmpdir/fuzz")"
else
    tap_n=$((tap_n + 1))
    echo "ok $tap_n # SKIP no libFuzzer build (configure found no compiler with -fsanitize=fuzzer)"
fi
done_testing
