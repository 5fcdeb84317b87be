#!/bin/sh
# batch.sh: the command line, batch modes, exit statuses, JSON lines.
. "$(dirname "$0")/lib.sh"

"$BILAB" --help >"$tmpdir/o" 2>&1
ok $? "--help exits 0"
grep -q '^Usage: bilab' "$tmpdir/o"
ok $? "--help prints a usage line"
"$BILAB" --version >"$tmpdir/o" 2>&1
ok $? "--version exits 0"
grep -q '^bilab [0-9]' "$tmpdir/o"
ok $? "--version starts with 'bilab VERSION'"
"$BILAB" --bogus >"$tmpdir/o" 2>&1
[ $? -eq 2 ]
ok $? "an unknown option exits 2"
grep -q "Try 'bilab --help'" "$tmpdir/o"
ok $? "an unknown option points at --help"

"$BILAB" -e 'show omega' -e 'set omega 2; show omega' >"$tmpdir/o" 2>&1
ok $? "-e twice runs both"
[ "$(grep -c '^omega = ' "$tmpdir/o")" -eq 3 ]
ok $? "-e: each command printed"

printf 'set omega 1\n# a comment\n\nshow omega   # trailing comment\n' >"$tmpdir/s.bl"
"$BILAB" -f "$tmpdir/s.bl" >"$tmpdir/o" 2>&1
ok $? "-f runs a script"
grep -q '^omega = \[1\]' "$tmpdir/o"
ok $? "-f: the script's commands took effect"

printf 'set omega 3\nshow omega\n' | "$BILAB" >"$tmpdir/o" 2>&1
ok $? "commands from standard input"
grep -q '^omega = \[3\]' "$tmpdir/o"
ok $? "stdin: the commands took effect"

"$BILAB" -e 'set omega 1; bogus; set omega 2' >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ]
ok $? "a failing command makes the batch exit 1"
! grep -q '^omega = \[2\]' "$tmpdir/o"
ok $? "the batch stops at the failing command"
"$BILAB" --keep-going -e 'set omega 1; bogus; set omega 2' >"$tmpdir/o" 2>"$tmpdir/e"
ok $? "--keep-going exits 0"
grep -q '^omega = \[2\]' "$tmpdir/o"
ok $? "--keep-going runs the rest"

"$BILAB" -e 'quit; set omega 5' >"$tmpdir/o" 2>&1
ok $? "quit exits 0"
! grep -q 'omega' "$tmpdir/o"
ok $? "nothing runs after quit"

"$BILAB" --json --keep-going -e 'show; problem list; data show; set omega 1; hypergrad; step inner 3; solve inner; step outer; run 2; trace; reset; nosuch' >"$tmpdir/o" 2>"$tmpdir/e"
ok $? "--json batch runs"
bad=$(grep -v -c '^{"cmd":"[a-z]*".*}$' "$tmpdir/o")
[ "$bad" -eq 0 ]
ok $? "--json: every line is one object starting with \"cmd\" ($bad not)"
[ "$(wc -l <"$tmpdir/o")" -eq 12 ]
ok $? "--json: one line per result, errors included ($(wc -l <"$tmpdir/o") lines)"
grep -q '^{"cmd":"error","command":"nosuch","message":"unknown command' "$tmpdir/o"
ok $? "--json: an error is an object too"
grep -q '"F":[-0-9.e+]*[0-9],' "$tmpdir/o" && grep -o '"F":[^,]*' "$tmpdir/o" | head -1 | grep -q '[0-9]\{12,\}'
ok $? "--json: numbers carry 17 significant digits"
done_testing
