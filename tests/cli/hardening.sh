#!/bin/sh
# hardening.sh: the faults of the reliability pass (issue 12), each as it
# was reproduced: a crash, undefined behaviour, messages that were unsafe,
# split over lines or wrong about their cause, inconsistent limits, values
# accepted that broke every later command, and work that took time
# quadratic or exponential in its input.
. "$(dirname "$0")/lib.sh"

# one_line FILE: stderr has exactly one line
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }

# ---- the crash: --explain before a spec freed one word twice ----
"$BILAB" -e 'hypergrad --explain exact' >"$tmpdir/o" 2>"$tmpdir/e"
ok $? "hypergrad --explain exact runs (it aborted with a double free)"
"$BILAB" -e 'solve inner; hypergrad --explain cg:k=3 --explain exact' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && [ "$(grep -c '^error of ' "$tmpdir/o")" -eq 2 ]
ok $? "--explain anywhere, twice: both specs explained (exit $rc)"

# ---- undefined behaviour in the plot, and its axis ----
"$BILAB" -e 'set plot.style ascii; set plot.color off; surface omega=-3:1e308:12' \
    >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
axis=$(grep -A1 '^ *+---' "$tmpdir/o" | tail -1)
[ $rc -eq 0 ] && echo "$axis" | grep -q -- '-3 .*1e+308'
ok $? "a surface out to ω = 1e308 plots on the axis asked for ($axis)"

# ---- messages: escaped, one line ----
"$BILAB" -e "$(printf 'set thr\033[2Jeads 2')" >/dev/null 2>"$tmpdir/e"
! grep -q "$(printf '\033')" "$tmpdir/e" && grep -q 'thr\\x1b\[2Jeads' "$tmpdir/e"
ok $? "an escape sequence typed into a command is shown as \\x1b, not sent to the terminal"
"$BILAB" -e "$(printf 'set threads\342\200\213 2')" >/dev/null 2>"$tmpdir/e"
grep -q "unknown setting 'threads\\\\xe2\\\\x80\\\\x8b' (did you mean 'threads'?)" "$tmpdir/e"
ok $? "an invisible zero-width space is made visible: $(cat "$tmpdir/e")"
"$BILAB" -e "$(printf 'set thr\377eads 2')" >/dev/null 2>"$tmpdir/e"
grep -q 'thr\\xffeads' "$tmpdir/e" && one_line "$tmpdir/e"
ok $? "a byte that is not UTF-8 is shown as \\xff"
"$BILAB" --json -e "$(printf 'set thr\377eads 2')" 2>/dev/null | grep -q '"message":"unknown setting .thr\\\\xffeads'
ok $? "... and the JSON error stays valid UTF-8 ('\\\\xff' in the string)"
printf 'set omega "abc\n' >"$tmpdir/q.bl"
"$BILAB" -f "$tmpdir/q.bl" >/dev/null 2>"$tmpdir/e"
one_line "$tmpdir/e" && grep -q "unterminated quote in 'set omega \"abc'$" "$tmpdir/e"
ok $? "the unterminated quote of a script line is one line: $(head -1 "$tmpdir/e")"
"$BILAB" -e "$(printf 'set omega "a\nb')" >/dev/null 2>"$tmpdir/e"
one_line "$tmpdir/e"
ok $? "a newline inside the quoted text stays on the error's line"
printf 'x\033]0;pwned\007,y\n1,2\n3,4\n5,6\n7,9\n' >"$tmpdir/evil.csv"
"$BILAB" -e "data load $tmpdir/evil.csv; data show" >"$tmpdir/o" 2>&1
! grep -q "$(printf '\033')" "$tmpdir/o" && grep -q 'features: x\\x1b\]0;pwned\\x07' "$tmpdir/o"
ok $? "a CSV header with an escape sequence is shown escaped by data show"
"$BILAB" -e "data load $tmpdir/evil.csv target=zz" >/dev/null 2>"$tmpdir/e"
! grep -q "$(printf '\033')" "$tmpdir/e" && one_line "$tmpdir/e"
ok $? "... and in the error that lists the columns"
D='define dims theta=2 omega=1'
"$BILAB" -e "$D; define inner theta[1]^2; define dims theta=1 omega=1" >/dev/null 2>"$tmpdir/e"
head -1 "$tmpdir/e" | grep -q '(column 1); redefine that expression first, or start over with define clear$' \
    && [ "$(wc -l <"$tmpdir/e")" -eq 3 ]
ok $? "a define error says everything on its first line, the caret display under it"

# ---- the true cause ----
L='define dims theta=1 omega=1; define inner 0.5*(theta[0]-omega[0])^2; define outer log(theta[0])'
"$BILAB" -e "$L; hypergrad exact" >/dev/null 2>"$tmpdir/e"
grep -q 'exact: ∇θL is not finite at the current θ and ω' "$tmpdir/e" && ! grep -q 'positive definite' "$tmpdir/e"
ok $? "exact with ∇θL = inf says so (it said: H is not positive definite, smallest eigenvalue 1)"
"$BILAB" -e 'problem use quadratic kappa=1e12; hypergrad cg:k=5 exact' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && ! grep -q 'singular' "$tmpdir/e" && grep -q '^cg:k=5 ' "$tmpdir/o"
ok $? "cg runs at κ = 1e12 (it was refused: H is singular, smallest eigenvalue 0.999999)"
N='define dims theta=1 omega=1; define inner sqrt(theta[0]) + theta[0]^2; define outer theta[0]^2'
"$BILAB" -e "$N; hypergrad exact" >/dev/null 2>"$tmpdir/e"
grep -q 'H has non-finite entries' "$tmpdir/e" && ! grep -q 'nan' "$tmpdir/e"
ok $? "exact on a non-finite H says so, with no NaN eigenvalue"
"$BILAB" -e "$N; spectrum" >/dev/null 2>"$tmpdir/e"
grep -q 'spectrum: H has non-finite entries' "$tmpdir/e"
ok $? "so does spectrum"
"$BILAB" -e 'problem use heat N=100000; hypergrad exact' >/dev/null 2>"$tmpdir/e"
grep -q 'exact: the dense H and its factor need 160 GB for p = 100000, over mem.max' "$tmpdir/e" \
    && grep -q 'matrix-free estimators apply: cg' "$tmpdir/e"
ok $? "exact on heat N=100000 is refused from its memory estimate, naming what applies"

"$BILAB" -e 'problem use heat N=100000; show' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && grep -q 'closed form: not computed at this size' "$tmpdir/o" && ! grep -q 'singular' "$tmpdir/o"
ok $? "show on heat N=100000: no 80 GB dense H for the closed form, and not called singular"

# ---- limits: one constant, printed as typed, typed as printed ----
"$BILAB" -e 'set inner.maxit 1e8' >/dev/null 2>&1
ok $? "set inner.maxit 1e8 is an integer"
"$BILAB" -e 'set inner.maxit 2e8' >/dev/null 2>"$tmpdir/e"
grep -q 'inner.maxit=2e8 is out of range \[1, 1e8\]' "$tmpdir/e"
ok $? "the range is printed as it is typed: $(cat "$tmpdir/e")"
"$BILAB" -e 'set inner.maxit 0x10' >/dev/null 2>&1
[ $? -eq 1 ]
ok $? "hexadecimal is still not an integer"
"$BILAB" -e 'show settings' | grep -q '(an integer in \[1, 1e8\]; default 10000)'
ok $? "show settings prints the same range"
"$BILAB" -e 'surface omega=0:1:100001' >/dev/null 2>"$tmpdir/e"
grep -q 'expected an integer from 1 to 100000' "$tmpdir/e"
ok $? "a surface axis and ..."
"$BILAB" -e 'compare cg k=1:100:100001' >/dev/null 2>"$tmpdir/e"
grep -q 'expected an integer from 1 to 100000' "$tmpdir/e"
ok $? "... a compare range have the same limit (it was 1e5 and 1e6)"
"$BILAB" -e 'set theta[-1] 1' >/dev/null 2>"$tmpdir/e"
grep -q 'set: index -1: theta has indices 0..9$' "$tmpdir/e"
ok $? "theta[-1]: $(cat "$tmpdir/e")"

# ---- values that broke every later command ----
"$BILAB" -e 'set omega 710' >/dev/null 2>"$tmpdir/e"
[ $? -eq 1 ] && grep -q 'at omega = \[710\] the problem is not finite' "$tmpdir/e"
ok $? "set omega 710 is refused (e^ω overflows)"
"$BILAB" --json -k -e 'show; set omega 710; show' 2>/dev/null | grep '"cmd":"show"' | uniq | wc -l >"$tmpdir/n"
[ "$(cat "$tmpdir/n")" -eq 1 ]
ok $? "... and leaves the session as it was"
"$BILAB" -e 'set omega 700; show' >/dev/null 2>&1
ok $? "ω = 700 is still fine"
"$BILAB" -e 'problem use heat; set omega 709,0' >/dev/null 2>"$tmpdir/e"
grep -q 'the bound on λmax(H) is not finite' "$tmpdir/e"
ok $? "heat's λmax bound 4e^ω overflows first: refused at ω₁ = 709"
"$BILAB" -e "define dims theta=1 omega=1; define inner (theta[0]-log(omega[0]))^2; define outer theta[0]^2; set omega 2" >/dev/null 2>&1
ok $? "a problem that was not finite may move (log(ω) at ω = 0 to ω = 2)"
"$BILAB" -e 'set outer.lo 1; set outer.hi 0' >/dev/null 2>"$tmpdir/e"
grep -q 'outer.hi=0 is below outer.lo=1: the box \[1, 0\] would be empty' "$tmpdir/e"
ok $? "an empty box is refused"
"$BILAB" -e 'set outer.hi -1; set outer.lo 0' >/dev/null 2>"$tmpdir/e"
grep -q 'outer.lo=0 is above outer.hi=-1' "$tmpdir/e"
ok $? "... from either end"
"$BILAB" -e 'hypergrad cg:k=5,k=6' >/dev/null 2>"$tmpdir/e"
grep -q 'hypergrad: cg: k is given twice' "$tmpdir/e"
ok $? "a repeated spec key is refused"

# ---- work that was quadratic or exponential ----
# a define line just under the 1 MiB line limit, of 500000 words (its
# words were joined in quadratic time: 19 s for the 400000 words of 2 MB);
# a 2 MB one now stops at the line limit before define sees it
awk 'BEGIN { printf "define dims theta=2 omega=1; define inner theta[0]"
             for (i = 0; i < 250000; i++) printf " + 1"; print "" }' >"$tmpdir/long.bl"
t0=$(date +%s)
"$BILAB" -f "$tmpdir/long.bl" >/dev/null 2>"$tmpdir/e"
t1=$(date +%s)
[ $((t1 - t0)) -le 12 ] && grep -q 'define: inner: the expression is too long' "$tmpdir/e"
ok $? "a 1 MB define line of 500000 words is refused in $((t1 - t0)) s"
awk 'BEGIN { printf "define dims theta=2 omega=1; define inner theta[0]"
             for (i = 0; i < 200000; i++) printf " + theta[0]"; print "" }' >"$tmpdir/long.bl"
t0=$(date +%s)
"$BILAB" -f "$tmpdir/long.bl" >/dev/null 2>"$tmpdir/e"
t1=$(date +%s)
[ $((t1 - t0)) -le 12 ] && grep -q 'line longer than 1048576 bytes' "$tmpdir/e"
ok $? "a 2 MB define line is refused in $((t1 - t0)) s (it took 19 s): the line limit"
printf 'source %s/s.bl\nsource %s/s.bl\n' "$tmpdir" "$tmpdir" >"$tmpdir/s.bl"
t0=$(date +%s)
"$BILAB" -k -f "$tmpdir/s.bl" >/dev/null 2>"$tmpdir/e"
t1=$(date +%s)
[ $((t1 - t0)) -le 12 ] && one_line "$tmpdir/e" && grep -q 'nested more than 16 deep' "$tmpdir/e"
ok $? "-k with a script that sources itself twice: one error, $((t1 - t0)) s (it was 2^16 runs)"
"$BILAB" -k -e "source $tmpdir/s.bl; set omega 2" -e 'show omega' >"$tmpdir/o" 2>/dev/null
grep -q 'omega = \[2\]' "$tmpdir/o"
ok $? "... and the commands after the outermost source go on"
# a failing command in a sourced script: the source says so once, and
# whether the script stopped there (without -k) or went on (with -k)
printf 'set omega 1\nset nosuch 1\nset omega 3\n' >"$tmpdir/f.bl"
"$BILAB" -e "source $tmpdir/f.bl" -e 'show omega' >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 1 ] && [ "$(grep -c '^bilab: ' "$tmpdir/e")" -eq 2 ] &&
    grep -q "^bilab: source: stopped at a failing command in '$tmpdir/f.bl'" "$tmpdir/e" &&
    ! grep -q 'omega = \[3\]' "$tmpdir/o"
ok $? "source without -k: stopped at the failing command, said once"
"$BILAB" -k -e "source $tmpdir/f.bl" -e 'show omega' >"$tmpdir/o" 2>"$tmpdir/e"
[ "$(grep -c '^bilab: ' "$tmpdir/e")" -eq 2 ] &&
    grep -q "^bilab: source: a command failed in '$tmpdir/f.bl'" "$tmpdir/e" &&
    grep -q 'omega = \[3\]' "$tmpdir/o"
ok $? "source with -k: the script went on, and the source says a command failed"
# ---- every message through the one writer (output.c) ----
"$BILAB" -e show "$(printf 'a\033[2Jb')" >/dev/null 2>"$tmpdir/e"
rc=$?
[ $rc -eq 2 ] && ! grep -q "$(printf '\033')" "$tmpdir/e" \
    && grep -qxF "bilab: unexpected argument 'a\\x1b[2Jb'" "$tmpdir/e"
ok $? "an unexpected argument with an escape sequence is shown escaped (exit $rc)"
"$BILAB" -e "save \"$tmpdir/s$(printf '\033')x.bl\"" >"$tmpdir/o" 2>&1
! grep -q "$(printf '\033')" "$tmpdir/o" && grep -q 's\\x1bx.bl$' "$tmpdir/o"
ok $? "save names a path with an escape byte escaped: $(cat "$tmpdir/o")"
# notes are written by bl_write_note (escaped, one line), never by hand
n=$(grep -l '"note: ' "$srcdir"/src/cli/*.c | grep -v '/output\.c$' | wc -l)
[ "$n" -eq 0 ]
ok $? "no file of src/cli but output.c prints a note itself ($n do)"
"$BILAB" -e 'set inner.solver newton; solve inner; step inner 3' >/dev/null 2>"$tmpdir/e"
grep -q '^note: step: θ is solved to inner.tol = 1e-10; newton stopped after [0-9]* iterations at round-off' "$tmpdir/e" \
    && [ "$(wc -l <"$tmpdir/e")" -eq 1 ]
ok $? "the round-off note of step inner is one line: $(cat "$tmpdir/e")"

# ---- mem.max bounds the closed forms' dense factor (heat, oed) ----
"$BILAB" -e 'problem use heat N=3000; set mem.max 1e6; show' >"$tmpdir/o" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'closed form: not computed at this size' "$tmpdir/o"
ok $? "heat N=3000 under mem.max 1e6: show leaves out the closed form (its 72 MB factor)"
"$BILAB" -e 'problem use oed; set mem.max 1e4; show' >"$tmpdir/o" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'closed form: not computed at this size' "$tmpdir/o"
ok $? "oed under mem.max 1e4: show leaves out the closed form (its N×N factor)"

done_testing
