#!/bin/sh
# badinput.sh: bad input on every surface (commands, settings, problems,
# estimator specs, ranges, data files, scripts, definitions), one case a
# line.  Each case asserts, in batch mode:
#   - exit status 1 and exactly one line on stderr, "bilab: CMD: ...",
#     matching the case's pattern, with no control byte in it;
#   - an unchanged session: `show` and `show settings` in JSON are the same
#     before and after the failing command (--keep-going run).
. "$(dirname "$0")/lib.sh"

SETUP='problem use quadratic p=4 d=2 seed=1; set omega 0.5,-0.25; step inner 3'
n_cases=0

# bad DESCRIPTION PATTERN COMMAND [SETUP]
bad() {
    desc=$1 pat=$2 cmd=$3 setup=${4:-$SETUP}
    n_cases=$((n_cases + 1))
    "$BILAB" -e "$setup" -e "$cmd" >"$tmpdir/o1" 2>"$tmpdir/e1"
    rc=$?
    "$BILAB" --json -k -e "$setup" -e 'show; show settings' -e "$cmd" \
        -e 'show; show settings' >"$tmpdir/o2" 2>"$tmpdir/e2"
    grep '"cmd":"show"' "$tmpdir/o2" >"$tmpdir/shows"
    before=$(sed -n '1,2p' "$tmpdir/shows")
    after=$(sed -n '3,4p' "$tmpdir/shows")
    lines=$(wc -l <"$tmpdir/e1")
    why=
    [ $rc -eq 1 ] || why="$why exit $rc;"
    [ "$lines" -eq 1 ] || why="$why $lines lines on stderr;"
    grep -q '^bilab: ' "$tmpdir/e1" || why="$why no 'bilab:' line;"
    grep -q -- "$pat" "$tmpdir/e1" || why="$why message does not match;"
    LC_ALL=C grep -q '[[:cntrl:]]' "$tmpdir/e1" && why="$why control bytes in the message;"
    [ "$(wc -l <"$tmpdir/shows")" -eq 4 ] || why="$why show missing;"
    [ -n "$before" ] && [ "$before" = "$after" ] || why="$why the session changed;"
    if [ -z "$why" ]; then
        ok 0 "$desc"
    else
        ok 1 "$desc:$why"
        diag "command: $cmd" "stderr:" "$(head -5 "$tmpdir/e1")"
        [ "$before" = "$after" ] || diag "before: $before" "after:  $after"
    fi
}

# ---- commands and words ----
bad "an unknown command" "unknown command 'hypergard' (did you mean 'hypergrad'?)" 'hypergard'
bad "an ambiguous command" "ambiguous command 's'" 's'
bad "too many arguments" "trace: too many arguments" 'trace now'
bad "too few arguments" "step: too few arguments" 'step'
bad "an unterminated quote" "parse: unterminated quote in 'set omega \"1'" 'set omega "1'
bad "a control byte in a command name" "unknown command 'sh\\\\x1bow'" "$(printf 'sh\033ow')"
bad "an unknown subcommand" "unknown subcommand 'lst' (did you mean 'list'?" 'problem lst'
bad "help for nothing" "help" 'help nosuchthing'
bad "show of nothing" "show: unknown setting 'nosuch'" 'show nosuch'

# ---- settings ----
bad "an unknown setting" "unknown setting 'inner.tl' (did you mean 'inner.tol'?)" 'set inner.tl 1'
bad "a setting name with an invisible byte" "unknown setting 'threads\\\\xe2\\\\x80\\\\x8b'" \
    "$(printf 'set threads\342\200\213 2')"
bad "a setting name that is not UTF-8" "unknown setting 'thr\\\\xffeads'" "$(printf 'set thr\377eads 2')"
bad "a number that does not parse" "'abc' is not a number for inner.tol" 'set inner.tol abc'
bad "a number below its range" "inner.tol=-1 is out of range" 'set inner.tol -1'
bad "nan" "nan is not allowed for inner.tol" 'set inner.tol nan'
bad "an integer that is not" "'2.5' is not an integer for inner.maxit" 'set inner.maxit 2.5'
bad "an integer above its range, typed as printed" "inner.maxit=2e8 is out of range \[1, 1e8\]" \
    'set inner.maxit 2e8'
bad "a seed below zero" "seed=-1 is out of range \[0, 4294967295\]" 'set seed -1'
bad "threads out of range" "threads=2000 is out of range" 'set threads 2000'
bad "a negative memory limit" "mem.max=-1 is out of range" 'set mem.max -1'
bad "an unknown choice" "inner.solver: unknown 'sgd'" 'set inner.solver sgd'
bad "an unknown format" "format: unknown 'xml'" 'set format xml'
bad "a bad boolean" "timing takes on or off, not 'maybe'" 'set timing maybe'
bad "an outer estimator with a bad parameter" "cg: k=-1 is out of range" 'set outer.estimator cg:k=-1'
bad "an empty box" "outer.hi=0 is below outer.lo=1" 'set outer.hi 0' "$SETUP; set outer.lo 1"
bad "an empty box from below" "outer.lo=2 is above outer.hi=1" 'set outer.lo 2' "$SETUP; set outer.hi 1"

# ---- ω and θ ----
bad "ω where e^ω overflows" "at omega = \[710\] the problem is not finite" 'set omega 710' \
    'problem use ridge; set omega 1'
bad "one coordinate of ω too far" "the problem is not finite" 'set omega[1] 1000' 'problem use heat'
bad "the wrong number of ω values" "omega has dimension 2: give 1 value (for every coordinate) or 2, not 3" \
    'set omega 1,2,3'
bad "an infinite ω" "omega must be finite" 'set omega inf'
bad "ω past its dimension" "index 5 is past omega's dimension" 'set omega[5] 1'
bad "a negative index" "index -1: theta has indices 0..3" 'set theta[-1] 1'
bad "a malformed index" "malformed index in 'theta\[1'" 'set theta[1 2'
bad "an index into a setting" "only omega and theta take an index" 'set inner.tol[0] 1'
bad "an empty value in a list" "empty value in '1,,2,3' for theta" 'set theta 1,,2,3'

# ---- problems ----
bad "an unknown problem" "unknown problem 'ridj' (did you mean 'ridge'?" 'problem use ridj'
bad "an unknown problem parameter" "quadratic has no parameter 'kapa'" 'problem use quadratic kapa=3'
bad "a problem parameter out of range" "kappa=0.5 is out of range" 'problem use quadratic kappa=0.5'
bad "a dimension that is not an integer" "p must be an integer" 'problem use quadratic p=2.5'
bad "a dimension far too large" "p=1e9 is out of range \[1, 5000\]" 'problem use quadratic p=1e9'
bad "more sensors than grid points" "s=300 sensors is more than the N=200 grid points" 'problem use heat s=300'

# ---- estimators and specs ----
bad "an unknown estimator" "unknown estimator 'cgg'" 'hypergrad cgg'
bad "a repeated spec key" "cg: k is given twice" 'hypergrad cg:k=5,k=6'
bad "a spec key that does not exist" "cg has no parameter 'zz'" 'hypergrad cg:zz=1'
bad "a spec value out of range" "cg: k=-1 is out of range" 'hypergrad cg:k=-1'
bad "a choice parameter with a bad value" "reverse: from takes zero|current, not 'middle'" \
    'hypergrad reverse:from=middle'
bad "truncated with k > t" "truncated: k=9 must not exceed t=5" 'hypergrad truncated:t=5,k=9'
bad "exact over the memory limit" "exact: the dense H and its factor need 160 GB for p = 100000" \
    'hypergrad exact' 'problem use heat N=100000'
bad "exact where ∇θL is not finite" "exact: ∇θL is not finite at the current θ and ω" 'hypergrad exact' \
    'define dims theta=1 omega=1; define inner 0.5*(theta[0]-omega[0])^2; define outer log(theta[0]+1); set theta -1'
bad "spectrum of a non-finite H" "spectrum: H has non-finite entries" 'spectrum' \
    'define dims theta=1 omega=1; define inner sqrt(theta[0]) + theta[0]^2; define outer theta[0]^2'
bad "adjoint of a method without one" "reverse has no adjoint" 'adjoint reverse'
bad "explain of nothing" "unknown estimator 'zz'" 'explain zz'

# ---- ranges ----
bad "a range of no points" "'0' is not a valid number of points for omega" 'surface omega=0:1:0'
bad "a range past the limit" "expected an integer from 1 to 100000" 'surface omega=0:1:100001'
bad "a compare range past the same limit" "expected an integer from 1 to 100000" 'compare cg k=1:9:100001'
bad "a range with an infinite end" "range '1:inf:3' needs finite ends" 'surface omega=1:inf:3'
bad "log spacing through zero" "log spacing needs positive ends" 'surface omega=-1:1:3:log'
bad "a range with two fields" "'0:1' is not a range" 'surface omega=0:1'
bad "an axis past ω's dimension" "axis omega\[3\] is past ω's dimension" 'surface omega[3]=0:1:3'
bad "an axis that is not ω" "'theta' is not an axis" 'surface theta=0:1:3'
bad "a step count that is not a number" "'abc' is not an integer for N" 'step inner abc'
bad "zero outer steps" "N=0 is out of range" 'run 0'

# ---- data and scripts ----
printf 'a,b,y\n1,2,3\n4,x5,6\n' >"$tmpdir/bad.csv"
printf 'x\033]0;t\007,y\n1,2\n3,4\n5,6\n' >"$tmpdir/evil.csv"
printf 'source %s/self.bl\nsource %s/self.bl\n' "$tmpdir" "$tmpdir" >"$tmpdir/self.bl"
bad "a missing data file" "cannot open '/nonexistent/x.csv'" 'data load /nonexistent/x.csv'
bad "a malformed CSV cell" "bad.csv:3: column 2 (b): 'x5' is not a number" "data load $tmpdir/bad.csv"
bad "a column list with an escape sequence" "no column named 'zz' (columns: x\\\\x1b\]0;t\\\\x07, y)" \
    "data load $tmpdir/evil.csv target=zz"
bad "too few synthetic rows" "n=1 is out of range \[2, 1e7\]" 'data synth regression n=1'
bad "an unknown synthetic kind" "unknown kind 'regresion' (did you mean 'regression'?" 'data synth regresion'
bad "a missing script" "cannot open '/nonexistent/s.bl'" 'source /nonexistent/s.bl'
bad "a script that sources itself" "nested more than 16 deep" "source $tmpdir/self.bl"
bad "no surface to export" "no surface yet" "export surface $tmpdir/x.csv"

# ---- mem.max: dense work refused before it is allocated ----
# (one line, exit 1, the session unchanged; the bytes are counted in
# test_robust.c against an independent count)
bad "a quadratic above mem.max" \
    "problem: quadratic p=2000 needs 192 MB for its dense matrices, above mem.max 100 MB (set mem.max to allow it)" \
    'problem use quadratic p=2000' "$SETUP; set mem.max 1e8"
bad "a quadratic at the largest p above the default mem.max" \
    "quadratic p=5000 needs 1.2 GB for its dense matrices, above mem.max 1 GB" \
    'problem use quadratic p=5000' "$SETUP; set mem.max 1e9"
bad "metaridge with a huge task table" \
    "metaridge T=100000 shots=1000 p=2000 needs 1.63 TB for its dense matrices, above mem.max 2 GB" \
    'problem use metaridge T=100000 shots=1000 p=2000'
bad "matcomp at its largest" "matcomp rows=2000 cols=2000 needs 576 MB for its dense matrices" \
    'problem use matcomp rows=2000 cols=2000' "$SETUP; set mem.max 5e8"
bad "ivreg with a big kernel" "ivreg n=4000 needs 257 MB for its dense matrices" \
    'problem use ivreg n=4000' "$SETUP; set mem.max 1e8"
bad "data synth with huge tables" \
    "data: data synth n=10000000 m=10000000 p=100000 needs 16 TB for its tables, above mem.max 2 GB (set mem.max to allow it)" \
    'data synth regression n=10000000 p=100000'
bad "a data problem whose XᵀX is over mem.max" "ridge needs 3.2 kB for its dense matrices, above mem.max 1 kB" \
    'problem use ridge' "$SETUP; set mem.max 1000"
bad "newton's dense H over mem.max" \
    "step: heat N=20000 needs 6.4 GB for the newton inner solver's dense H and its eigenvectors, above mem.max 1 GB" \
    'step inner' 'problem use heat N=20000; set inner.solver newton; set mem.max 1e9'
bad "the spectrum's Lanczos basis over mem.max" "spectrum: heat N=100000 needs 99.3 MB for the spectrum's Lanczos basis" \
    'spectrum' 'problem use heat N=100000; set mem.max 1e7'
bad "a grid over mem.max" "surface: heat N=2000 needs .* for the grid's tables and its threads' inner solvers" \
    'surface omega=-3:1:100' 'problem use heat N=2000; set mem.max 1e6'

# ---- definitions (errors without a caret display) ----
bad "a zero dimension" "theta=0 is out of range" 'define dims theta=0 omega=1'
bad "a parameter named like a function" "'exp' is a name of the language" 'define param exp=1'
bad "the custom problem before it is defined" "custom has no complete definition yet" 'problem use custom'

tap_ok_count=$n_cases
[ "$n_cases" -ge 50 ]
ok $? "at least 50 bad-input cases ($n_cases)"
done_testing
