#!/bin/sh
# define_errors.sh: every kind of bad definition gets one clear error (with
# a caret under the place where there is one), a non-zero exit in batch
# mode, and leaves the previous definition and the session as they were.
. "$(dirname "$0")/lib.sh"

D='define dims theta=2 omega=1'
Q='define inner 0.5*(theta[0]-omega[0])^2 + 0.5*theta[1]^2; define outer (theta[0]-1)^2'

expect_error "a syntax error says what was expected, and where" \
    "bilab: define: inner: expected ')' to close the '(' at column 5, found the end (column 25)" \
    "$D; define inner 0.5*(theta[0]-omega[0]^2"
# the caret line sits under column 25 (two spaces of indent, 24 more)
"$BILAB" -e "$D; define inner 0.5*(theta[0]-omega[0]^2" >/dev/null 2>"$tmpdir/err"
[ "$(sed -n 3p "$tmpdir/err")" = "                          ^" ]
ok $? "the caret is under the end of the expression"
expect_error "an operator where an operand belongs" "expected a number, a name or '(', found '\*' (column 12)" \
    "$D; define inner theta[0] + * 2"
expect_error "two operands in a row" "expected an operator (+ - \* / ^) or the end, found 'theta' (column 3)" \
    "$D; define inner 2 theta[0]"
expect_error "an unknown name suggests the closest and lists the known ones" \
    "unknown name 'thta' (did you mean 'theta'?); known: variables theta omega X y Xv yv pi; functions exp log" \
    "$D; define inner thta[0]^2"
expect_error "an unknown function lists the functions" "unknown function 'sqr' (did you mean 'sqrt'?)" \
    "$D; define inner sqr(theta[0])"
expect_error "a wrong number of arguments" "pow takes 2 arguments, not 1" "$D; define inner pow(theta[0])"
expect_error "an index outside θ" "index 2 is outside theta (θ ∈ R^2: indices 0..1)" "$D; define inner theta[2]^2"
expect_error "an index outside ω" "index 1 is outside omega (ω ∈ R^1: indices 0..0)" "$D; define outer omega[1]"
expect_error "X*theta with the wrong dimension" "X has 10 columns but theta has 2 entries: define dims theta=10" \
    "$D; define inner mean((X*theta - y)^2)"
expect_error "a vector where a number is needed" "the expression is a vector of length 309, not a number" \
    "define dims theta=10 omega=1; define inner (X*theta - y)^2"
expect_error "vectors of different lengths" "of a vector of length 309 and one of length 133" \
    "define dims theta=10 omega=1; define inner mean(X*theta - yv)"
expect_error "a domain error at the current point keeps the definition" \
    "inner: log of a negative number, log(-1) at the current θ and ω (column 5)" \
    "$D; $Q; define inner 1 + log(theta[0] - 1)"
expect_error "a domain error in a constant part" "log of a negative number, log(-2) in a constant part" \
    "$D; define inner theta[0]^2 + log(-2)"
expect_error "dimensions that no longer fit an expression" "index 1 is outside theta (θ ∈ R^1" \
    "$D; $Q; define dims theta=1 omega=1"
expect_error "a dimension out of range" "theta=0 is out of range\|out of range" "define dims theta=0 omega=1"
expect_error "only one dimension at first" "give both dimensions" "define dims theta=2"
expect_error "a parameter named like a function" "'exp' is a name of the language, not free for a parameter" \
    "define param exp=1"
expect_error "a parameter that is not a number" "'abc' is not a number for lam" "define param lam=abc"
expect_error "the custom problem before it is defined" "custom has no complete definition yet" \
    "problem use custom"
expect_error "an unknown subcommand" "unknown subcommand 'dimz' (did you mean 'dims'?" "define dimz theta=1"
expect_error "a bad step for define check" "h=2 is out of range" "define check h=2"

# Before the custom problem is in use, a domain error at θ = 0 is a warning:
# the definition is taken, and θ can be moved before stepping.
"$BILAB" -e "$D; define inner -log(theta[0]) + theta[0]*exp(omega[0]) + theta[1]^2; define outer theta[0]; set theta 1,0; solve inner; show" \
    >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
[ $rc -eq 0 ] && grep -q "bilab: define: warning: inner: log of zero, log(0) at θ = 0, ω = 0 (column 2); set theta" "$tmpdir/err" \
    && grep -q "problem custom: θ ∈ R^2, ω ∈ R^1" "$tmpdir/out"
ok $? "a domain error before custom is in use is a warning (exit $rc)"
[ $rc -eq 0 ] || diag "$(cat "$tmpdir/err")"

# After failures, the definition and the session are as they were.
"$BILAB" --json --keep-going -e "$D; $Q; set omega 0.5; step inner 3; define show; show;
    define inner 0.5*(theta[0]-omega[0]^2; define inner log(theta[0] - 3); define outer nope;
    define dims theta=1 omega=1; define param pi=3; define inner theta[0] +;
    define show; show" >"$tmpdir/o" 2>"$tmpdir/e"
ok $? "a --keep-going batch of failing defines exits 0"
first=$(grep '"cmd":"define","what":"show"' "$tmpdir/o" | head -1)
last=$(grep '"cmd":"define","what":"show"' "$tmpdir/o" | tail -1)
[ -n "$first" ] && [ "$first" = "$last" ]
ok $? "the definitions are unchanged by the failures"
first=$(grep '"cmd":"show"' "$tmpdir/o" | head -1 | sed 's/"inner_iterations":[0-9]*,//; s/"eta":[^,]*,//')
last=$(grep '"cmd":"show"' "$tmpdir/o" | tail -1 | sed 's/"inner_iterations":[0-9]*,//; s/"eta":[^,]*,//')
[ -n "$first" ] && [ "$first" = "$last" ]
ok $? "ω, θ, F and the problem are unchanged by the failures"
n=$(grep -c '^bilab: ' "$tmpdir/e")
[ "$n" -eq 6 ]
ok $? "each failure printed one error line ($n)"

# save writes the definitions before 'problem use custom'; the replay
# gives the same point and values
"$BILAB" -e "$D; define param a=0.25; define inner a*(theta[0]-omega[0])^2 + theta[1]^4; define outer (theta[0]-1)^2;
    set omega 0.3; set theta 0.1,0.2; save $tmpdir/s.bl" >/dev/null 2>&1
grep -n . "$tmpdir/s.bl" | grep -q "define param a=0.25" \
    && [ "$(grep -n '^define outer' "$tmpdir/s.bl" | cut -d: -f1)" -lt "$(grep -n '^problem use custom' "$tmpdir/s.bl" | cut -d: -f1)" ]
ok $? "save writes define param, inner and outer before problem use custom"
a=$("$BILAB" --json -e "$D; define param a=0.25; define inner a*(theta[0]-omega[0])^2 + theta[1]^4; define outer (theta[0]-1)^2; set omega 0.3; set theta 0.1,0.2; show" | grep '"cmd":"show"')
b=$("$BILAB" --json -f "$tmpdir/s.bl" -e show | grep '"cmd":"show"')
[ -n "$a" ] && [ "$a" = "$b" ]
ok $? "replaying the saved file gives the same session"
done_testing
