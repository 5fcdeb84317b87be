#!/bin/sh
# regen.sh: rewrites the expected output of the scripted sessions from the
# current build.  Read every diff before committing it: the tests exist to
# catch changes, and numbers must be checked against closed forms, not
# against this script.  tests/cli/*.bl run with --keep-going, their output
# normalised as run-bl.sh compares it (tiny numbers as ~0, one space); a
# script with a .err file gets its stdout and stderr apart.  The lessons
# run as a user runs them (bilab -f, no --keep-going) and their .out is
# exactly what the user sees.
cd "$(dirname "$0")/../.." || exit 1
norm() { sed -E 's/-?[0-9]+(\.[0-9]+)?e-(0?[7-9]|[1-9][0-9]|[0-9]{3})/~0/g' | tr -s ' '; }
for bl in tests/cli/*.bl; do
    if [ -f "${bl%.bl}.err" ]; then
        (cd "${TMPDIR:-/tmp}" && "$OLDPWD/bilab" --keep-going -f "$OLDPWD/$bl" \
            2>"$OLDPWD/${bl%.bl}.err.raw") | norm >"${bl%.bl}.out"
        norm <"${bl%.bl}.err.raw" >"${bl%.bl}.err"
        rm -f "${bl%.bl}.err.raw"
    else
        (cd "${TMPDIR:-/tmp}" && "$OLDPWD/bilab" --keep-going -f "$OLDPWD/$bl" 2>&1) \
            | norm >"${bl%.bl}.out"
    fi
done
for bl in doc/lessons/*.bl; do
    (cd "${TMPDIR:-/tmp}" && "$OLDPWD/bilab" -f "$OLDPWD/$bl" 2>&1) >"${bl%.bl}.out" \
        || echo "regen.sh: $bl exits with status $?: a lesson must run to its end" >&2
done
git diff --stat -- tests/cli doc/lessons
