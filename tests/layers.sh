#!/bin/sh
# layers.sh: the layers' include paths (Makefile.am) stop a header of a
# layer above, but not an include with a path ("../cli/session.h"), which
# the compiler finds beside the file: the sources include by name alone.
. "$(dirname "$0")/cli/lib.sh"

find "$srcdir/src" "$srcdir/problems" "$srcdir/tests" "$srcdir/bench" -name '*.[ch]' \
    -exec grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*/' {} + >"$tmpdir/found"
[ ! -s "$tmpdir/found" ]
ok $? "every #include \"...\" of the sources names a file without a path"
[ -s "$tmpdir/found" ] && diag "$(cat "$tmpdir/found")"
done_testing
