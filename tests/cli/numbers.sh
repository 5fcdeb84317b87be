#!/bin/sh
# numbers.sh: bilab's printed numbers against independent computations:
# the ridge hypergradient against a closed form computed here in awk from
# the data bilab exports, exact against fd, and the outer run's F.
. "$(dirname "$0")/lib.sh"
awkdir=$(dirname "$0")

# json_num KEY FILE [NTH]: the NTH (default 1st) number after "KEY":
json_num() {
    grep -o "\"$1\":[^,}]*" "$2" | sed -n "${3:-1}p" | sed 's/.*://; s/\[//; s/\]//'
}
# rel A B: |A − B| / |B|
rel() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; if (b < 0) b = -b; printf "%.3g", d / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# 1. The acceptance command: exact and fd agree to 1e-7.
"$BILAB" --json -e 'problem use ridge; data load diabetes; solve inner; hypergrad exact fd' >"$tmpdir/hg" 2>&1
ok $? "ridge on diabetes: solve inner; hypergrad exact fd runs"
fdrel=$(grep '"cmd":"hypergrad"' "$tmpdir/hg" | grep -o '"spec":"fd"[^}]*' | grep -o '"rel_err":[^,]*' | sed 's/.*://')
le "$fdrel" 1e-7
ok $? "fd agrees with exact to 1e-7 relative (got $fdrel)"

# 2. exact equals the closed form computed independently from exported data.
check_closed() {   # DESCRIPTION DATA-COMMAND OMEGA
    "$BILAB" --json -e "$2; problem use ridge; set omega $3; set inner.solver newton; solve inner; export data $tmpdir/d.csv; hypergrad exact" >"$tmpdir/c" 2>&1
    g=$(grep '"cmd":"hypergrad"' "$tmpdir/c" | grep -o '"grad":\[[^]]*' | sed 's/.*\[//')
    ref=$(awk -F, -v omega="$3" -f "$awkdir/ridge_closed.awk" "$tmpdir/d.csv")
    r=$(rel "$g" "$ref")
    le "$r" 1e-10
    ok $? "$1: exact $g vs closed form $ref (rel $r)"
}
check_closed "diabetes ω=0" "data load diabetes" 0
check_closed "diabetes ω=-3" "data load diabetes split=0.5 seed=7" -3
check_closed "breast_cancer ω=-1" "data load breast_cancer" -1
check_closed "synthetic p>n ω=-2" "data synth regression n=20 m=30 p=40 noise=0.5 corr=0.3 seed=3" -2
check_closed "synthetic ω=2" "data synth regression n=200 p=5 seed=11 standardize=yes" 2

# 3. exact and fd on quadratic.
"$BILAB" --json -e 'problem use quadratic p=12 d=3 kappa=50; set omega 0.5; set inner.solver newton; solve inner; hypergrad exact fd' >"$tmpdir/q" 2>&1
fdrel=$(grep -o '"spec":"fd"[^}]*' "$tmpdir/q" | grep -o '"rel_err":[^,]*' | sed 's/.*://')
le "$fdrel" 1e-7
ok $? "quadratic: fd agrees with exact to 1e-7 (got $fdrel)"

# 4. A backtracking run on quadratic kappa=1e4 decreases F monotonically.
"$BILAB" --json -e 'problem use quadratic kappa=1e4; set inner.solver newton; run 200; trace' >"$tmpdir/t" 2>&1
ok $? "quadratic kappa=1e4: run 200 succeeds"
grep '"cmd":"trace"' "$tmpdir/t" | grep -o '"F":[^,]*' | sed 's/.*://' >"$tmpdir/F"
rows=$(wc -l <"$tmpdir/F")
[ "$rows" -eq 200 ]
ok $? "the trace has 200 rows (got $rows)"
awk 'NR > 1 && $1 > prev * (1 + 1e-15) + 1e-300 { bad = 1 } { prev = $1 } END { exit bad }' "$tmpdir/F"
ok $? "F is non-increasing along the run"
# checkpoints=c: the same grad in JSON as plain reverse, and "stored" and
# "recomputed" (t=12, c=3: r = 3, t(12, 3) = 3·12 − C(6, 4) = 21 forward
# steps, 21 + 1 − 12 = 10 recomputed); plain reverse has neither key.
"$BILAB" --json -e 'problem use ridge; solve inner; hypergrad reverse:t=12 reverse:t=12,checkpoints=3' >"$tmpdir/ck" 2>&1
ok $? "reverse:t=12 and reverse:t=12,checkpoints=3 run"
line=$(grep '"cmd":"hypergrad"' "$tmpdir/ck")
g0=$(printf '%s' "$line" | grep -o '"grad":\[[^]]*' | sed -n 1p)
g1=$(printf '%s' "$line" | grep -o '"grad":\[[^]]*' | sed -n 2p)
[ -n "$g0" ] && [ "$g0" = "$g1" ]
ok $? "checkpointed grad = plain grad to all 17 digits ($g0, $g1)"
printf '%s' "$line" | grep -q '"spec":"reverse:t=12","grad"[^}]*"bytes":[0-9]*,"seconds"' \
    && printf '%s' "$line" | grep -q '"bytes":[0-9]*,"stored":3,"recomputed":10,'
ok $? "JSON: stored 3, recomputed 10 for checkpoints=3; no such keys for plain reverse"

done_testing
