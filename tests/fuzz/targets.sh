#!/bin/sh
# targets.sh: the fuzz targets of the command line, the data readers and
# saved scripts (TAP; the expression parser's is fuzz.sh).
#  1. the standalone drivers (any compiler): the seed corpus, then a
#     fixed-seed loop of generated and mutated input (FUZZ_RUNS scales it);
#  2. the libFuzzer builds, when configure found a compiler with
#     -fsanitize=fuzzer: FUZZ_SECONDS seconds each (default 5) from the
#     seed corpus.  Skipped cleanly when there is no such build.
# The long campaign and its result: doc/testing.md.
. "$(dirname "$0")/../cli/lib.sh"
builddir=$(dirname "$BILAB")
fz=$srcdir/tests/fuzz
# huge allocations fail (NULL) instead of aborting under ASan, as they do
# without it under the drivers' address-space cap
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1:max_allocation_size_mb=3072"
export ASAN_OPTIONS
scale=${FUZZ_RUNS:-1}

run_smoke() {        # run_smoke NAME RUNS CORPUS-DIR
    "$builddir/tests/fuzz/$1_smoke" "$3"/* -runs="$2" >"$tmpdir/$1" 2>&1
    rc=$?
    ok $rc "$(tail -1 "$tmpdir/$1")"
    [ $rc -eq 0 ] || diag "$(tail -40 "$tmpdir/$1")"
}
run_smoke fuzz_cmd $((150 * scale)) "$fz/corpus-cmd"
run_smoke fuzz_data $((1500 * scale)) "$fz/corpus-data"
run_smoke fuzz_script $((150 * scale)) "$fz/corpus-script"

for t in cmd data script; do
    fuzz=$builddir/tests/fuzz/fuzz_$t
    if [ -x "$fuzz" ]; then
        mkdir -p "$tmpdir/c-$t"
        dict=
        [ $t = cmd ] && dict=-dict=$fz/cmd.dict
        "$fuzz" -max_total_time="${FUZZ_SECONDS:-5}" -seed=1 -max_len=4096 -timeout=30 \
            -rss_limit_mb=4096 $dict -artifact_prefix="$builddir/tests/fuzz/$t-" \
            "$tmpdir/c-$t" "$fz/corpus-$t" >"$tmpdir/lf-$t" 2>&1
        rc=$?
        runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$tmpdir/lf-$t")
        ok $rc "libFuzzer fuzz_$t: ${runs:-?} inputs in ${FUZZ_SECONDS:-5} s without a crash, hang or sanitizer report"
        [ $rc -eq 0 ] || diag "$(tail -40 "$tmpdir/lf-$t")"
    else
        tap_n=$((tap_n + 1))
        echo "ok $tap_n # SKIP fuzz_$t: no libFuzzer build (configure found no compiler with -fsanitize=fuzzer)"
    fi
done
done_testing
