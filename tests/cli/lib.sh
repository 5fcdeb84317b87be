# lib.sh: TAP helpers for the shell tests (sourced).
# BILAB is set by the test harness (AM_TESTS_ENVIRONMENT); default for
# running a test by hand from the build directory.
: "${BILAB:=./bilab}"
: "${srcdir:=.}"
# output is as wide as it likes unless a test asks (tables and plots fit
# term.width, the terminal or $COLUMNS: a $COLUMNS exported by the shell
# that runs make check must not move the goldens)
unset COLUMNS LINES
tap_n=0
tap_failed=0
tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/bilab-test.XXXXXX")
trap 'rm -rf "$tmpdir"' EXIT

ok() {            # ok COND-STATUS DESCRIPTION
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

done_testing() {
    echo "1..$tap_n"
    [ "$tap_failed" -eq 0 ]
}

# expect_error DESCRIPTION PATTERN COMMANDS...: the batch fails (exit 1),
# stderr has exactly one error line (warnings aside) "bilab: ..." matching PATTERN.
expect_error() {
    desc=$1 pat=$2
    shift 2
    "$BILAB" -e "$*" >"$tmpdir/out" 2>"$tmpdir/err"
    rc=$?
    lines=$(grep '^bilab: ' "$tmpdir/err" | grep -vc ': warning: ')
    if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q -- "$pat" "$tmpdir/err"; then
        ok 0 "$desc"
    else
        ok 1 "$desc"
        diag "exit $rc, stderr:" "$(cat "$tmpdir/err")"
    fi
}
