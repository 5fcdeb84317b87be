#!/bin/sh
# order_checks.sh: "right by default" (issue 11) from the shell: the problem and
# the data in either order give the same session; the problem's own data
# set when the data does not fit; one class against the rest counted from
# the CSV itself; ';'-separated files; the first hypergrad after start
# against the ridge closed form; hypergrad with no spec where exact does
# not apply; and the try prefix.
. "$(dirname "$0")/lib.sh"
awkdir=$(dirname "$0")
data=${BILAB_DATADIR:-$srcdir/problems/data}

rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; printf "%.3g", d / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# shows FILE: the show and hypergrad objects of a --json run
shows() { grep -E '"cmd":"(show|hypergrad|solve)"' "$1" | sed 's/"seconds":[^,}]*//g'; }

# 1. Either order, the same session: show --json, a solve and hypergrad.
same_order() {   # DESCRIPTION DATA-COMMAND PROBLEM-COMMAND
    tail='show; set inner.solver newton; solve inner; hypergrad exact; show'
    "$BILAB" --json -e "$2; $3; $tail" >"$tmpdir/a" 2>"$tmpdir/ae"
    ra=$?
    "$BILAB" --json -e "$3; $2; $tail" >"$tmpdir/b" 2>"$tmpdir/be"
    rb=$?
    shows "$tmpdir/a" >"$tmpdir/sa"
    shows "$tmpdir/b" >"$tmpdir/sb"
    n=$(wc -l <"$tmpdir/sa")
    [ $ra -eq 0 ] && [ $rb -eq 0 ] && [ "$n" -eq 4 ] && cmp -s "$tmpdir/sa" "$tmpdir/sb"
    ok $? "$1: '$2; $3' and '$3; $2' give the same show, solve and hypergrad"
    [ $? -eq 0 ] || diag "exit $ra, $rb" "$(diff "$tmpdir/sa" "$tmpdir/sb" | head -8)" \
                         "$(cat "$tmpdir/ae" "$tmpdir/be")"
}
same_order "logreg" "data load breast_cancer" "problem use logreg"
same_order "logreg on digits, 3 against the rest" \
    "data load digits target=digit positive=3" "problem use logreg"
same_order "cleaning on wine, cultivar 1 against the rest" \
    "data load wine positive=1 seed=4" "problem use cleaning"
same_order "ridge on breast_cancer" "data load breast_cancer" "problem use ridge"

# 2. logreg right after start: breast_cancer is loaded, with one note.
"$BILAB" --json -e 'problem use logreg; data show' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$tmpdir/e")" -eq 1 ] \
    && grep -q '^note: logreg needs class labels.*diabetes.*: loaded breast_cancer$' "$tmpdir/e" \
    && grep -q '"cmd":"data".*"name":"breast_cancer"' "$tmpdir/o" \
    && grep -q '"note":"logreg needs class labels' "$tmpdir/o"
ok $? "problem use logreg after start loads breast_cancer with one note (exit $rc)"
[ $? -eq 0 ] || diag "$(cat "$tmpdir/e")"
# ... and save replays it without the note
"$BILAB" -e "problem use logreg; save $tmpdir/s.bl" >/dev/null 2>&1
"$BILAB" --json -f "$tmpdir/s.bl" -e 'data show; show' >"$tmpdir/o2" 2>"$tmpdir/e2"
[ $? -eq 0 ] && [ ! -s "$tmpdir/e2" ] && grep -q '"name":"breast_cancer"' "$tmpdir/o2"
ok $? "the saved session loads breast_cancer itself and replays without a note"

# 3. data load of a regression set or a multi-class set while logreg is
#    active: one error line, the session unchanged.
expect_error "a regression set while logreg is active is refused" \
    "logreg needs class labels, but diabetes has a regression target.*problem use ridge" \
    'problem use logreg; data load diabetes'
expect_error "data synth regression while logreg is active is refused too" \
    "synth regression has a regression target" 'problem use logreg; data synth regression'
expect_error "wine (3 classes) while logreg is active: the positive= hint" \
    "3 values (0, 1, 2).*positive=VALUE" 'problem use logreg; data load wine'
"$BILAB" --keep-going --json -e 'problem use logreg; data load diabetes; data show' \
    >"$tmpdir/o" 2>/dev/null
grep '"cmd":"data"' "$tmpdir/o" | tail -1 | grep -q '"name":"breast_cancer"'
ok $? "after the refusal the data is still breast_cancer"

# 4. digits target=digit positive=3: ±1 labels, as many +1 as the CSV has 3s.
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "digit") c = i; next }
                $c == 3 { k++ } END { print k + 0 }' "$data/digits.csv")
rows=$(awk 'END { print NR - 1 }' "$data/digits.csv")
"$BILAB" -e "data load digits target=digit positive=3; export data $tmpdir/d.csv" \
    >/dev/null 2>"$tmpdir/e"
# the exported target is the column before the last ('validation')
got=$(awk -F, 'NR > 1 { t = $(NF - 1); if (t == 1) p++; else if (t == -1) m++; else bad++ }
               END { printf "%d %d %d", p, m, bad }' "$tmpdir/d.csv")
[ "$want" -gt 0 ] && [ "$got" = "$want $((rows - want)) 0" ]
ok $? "digits positive=3: $got (+1, −1, other) against $want threes in $rows rows of the CSV"
"$BILAB" --json -e 'data load digits target=digit positive=3' >"$tmpdir/o" 2>&1
grep -q '"task":"classification".*"target":"digit","positive":3' "$tmpdir/o"
ok $? "digits positive=3 is a classification set whose JSON names the positive class"
expect_error "positive= of a class that does not occur" "no row of 'digits' has digit = 11" \
    'data load digits target=digit positive=11'

# 5. A ';'-separated CSV (written here from diabetes): sep=";" reads the same
#    numbers; read with ',' it is refused with the hint.
tr ',' ';' <"$data/diabetes.csv" >"$tmpdir/semi.csv"
"$BILAB" -e "data load diabetes; export data $tmpdir/x1.csv" >/dev/null 2>&1
"$BILAB" -e "data load $tmpdir/semi.csv sep=\";\"; export data $tmpdir/x2.csv" \
    >/dev/null 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && cmp -s "$tmpdir/x1.csv" "$tmpdir/x2.csv"
ok $? "sep=\";\" reads the ';' copy of diabetes to the same split and numbers (exit $rc)"
"$BILAB" -e "data load $tmpdir/semi.csv sep=semicolon" >/dev/null 2>&1
ok $? "sep=semicolon works too"
expect_error "a ';' file read with ',' gives the sep= hint" \
    "found 1 (the header holds ';': is the file ';'-separated? load it with sep=\";\")" \
    "data load $tmpdir/semi.csv"

# 6. The first hypergrad after start is ∇F of ridge at ω = 0: θ starts solved.
"$BILAB" --json -e "hypergrad; hypergrad exact; export data $tmpdir/r.csv" >"$tmpdir/h" 2>&1
g1=$(grep '"cmd":"hypergrad"' "$tmpdir/h" | sed -n 1p | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
g2=$(grep '"cmd":"hypergrad"' "$tmpdir/h" | sed -n 2p | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
ref=$(awk -F, -v omega=0 -f "$awkdir/ridge_closed.awk" "$tmpdir/r.csv")
r1=$(rel "$g1" "$ref")
r2=$(rel "$g2" "$ref")
le "$r1" 1e-10 && le "$r2" 1e-10
ok $? "first hypergrad after start: $g1 (exact $g2) against the closed form $ref (rel $r1, $r2)"
res=$(grep '"cmd":"hypergrad"' "$tmpdir/h" | sed -n 1p | grep -o '"inner_residual":[^,]*' | sed 's/.*://')
le "$res" 1e-10
ok $? "... at a solved θ (‖∇θG‖ = $res)"
for mode in -e stdin; do
    if [ $mode = stdin ]; then echo 'hypergrad' | "$BILAB" --json >"$tmpdir/m" 2>&1
    else "$BILAB" --json -e 'hypergrad' >"$tmpdir/m" 2>&1; fi
    g=$(grep '"cmd":"hypergrad"' "$tmpdir/m" | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
    [ "$g" = "$g1" ]
    ok $? "the same start state on standard input and with -e ($mode: $g)"
done

# 7. hypergrad with no spec where exact does not apply: estimates and a note
# (nonsingleton's own default set is exact:pinv fd; the setting asks for exact).
"$BILAB" -e 'problem use nonsingleton; solve inner; set hypergrad.specs exact fd; hypergrad' >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && grep -q '^note: left out exact: H is not positive definite' "$tmpdir/o" \
    && grep -q '^  g\[' "$tmpdir/o" && ! grep -q '^bilab: ' "$tmpdir/e"
ok $? "nonsingleton: hypergrad with no spec prints estimates and a note about exact (exit $rc)"
[ $? -eq 0 ] || diag "$(cat "$tmpdir/o" "$tmpdir/e")"
expect_error "... but hypergrad exact, asked for, still fails" "exact: H is not positive" \
    'problem use nonsingleton; solve inner; hypergrad exact'

# 8. try: a failure becomes a note and the script goes on with status 0;
#    without try the script fails.
printf 'problem use lasso\nset inner.solver gd\ntry solve inner\nset inner.solver cd\nsolve inner\n' \
    >"$tmpdir/t.bl"
"$BILAB" -f "$tmpdir/t.bl" >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 0 ] && grep -q '^note: solve failed (try): lasso is non-smooth' "$tmpdir/e" \
    && ! grep -q '^bilab: ' "$tmpdir/e" && grep -q '^inner cd' "$tmpdir/o"
ok $? "bilab -f: 'try solve inner' is a note, the script runs on and exits 0 (exit $rc)"
sed 's/^try //' "$tmpdir/t.bl" >"$tmpdir/u.bl"
"$BILAB" -f "$tmpdir/u.bl" >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -eq 1 ] && grep -q '^bilab: solve: lasso is non-smooth' "$tmpdir/e" \
    && ! grep -q '^inner cd' "$tmpdir/o"
ok $? "without try the same script stops there with exit 1 (exit $rc)"
"$BILAB" --json -e 'problem use lasso; set inner.solver gd; try solve inner' >"$tmpdir/o" 2>/dev/null
ok $? "try in JSON mode exits 0"
grep -q '{"cmd":"note","command":"solve","message":"lasso is non-smooth' "$tmpdir/o" \
    && ! grep -q '"cmd":"error"' "$tmpdir/o"
ok $? "... and prints a note object, not an error object"
expect_error "try with an unknown command is still an error" "try: unknown command 'slove'" \
    'try slove inner'
"$BILAB" -e 'try show; try set omega 1' >"$tmpdir/o" 2>"$tmpdir/e"
[ $? -eq 0 ] && [ ! -s "$tmpdir/e" ] && grep -q '^omega = \[1\]' "$tmpdir/o"
ok $? "try of commands that succeed just runs them"
done_testing
