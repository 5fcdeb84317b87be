#!/bin/sh
# regen.sh: rewrites the expected output of the scripted sessions from the
# current build.  Read every diff before committing it: the tests exist to
# catch changes, and numbers must be checked against closed forms, not
# against this script.
cd "$(dirname "$0")/../.." || exit 1
for bl in tests/cli/*.bl doc/lessons/*.bl; do
    (cd "${TMPDIR:-/tmp}" && "$OLDPWD/bilab" --keep-going -f "$OLDPWD/$bl" 2>&1) \
        | sed -E 's/-?[0-9]+(\.[0-9]+)?e-(0?[7-9]|[1-9][0-9]|[0-9]{3})/~0/g' | tr -s ' ' \
        >"${bl%.bl}.out"
done
git diff --stat -- tests/cli doc/lessons
