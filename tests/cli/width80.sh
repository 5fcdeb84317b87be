#!/bin/sh
# width80.sh: 80 columns (issue 15, item 2).  With term.width 80 (and with
# COLUMNS=80 in the environment) every line that the tables, listings and
# terminal plots of hypergrad, compare, surface, plot, run, adjoint, show
# and help write is at most 80 display columns (UTF-8 code points; the
# one-line messages "note: ..." and "bilab: ..." are prose the terminal
# wraps and are left out); the compact forms are the ones chosen (Hv/Cv/∇,
# no memory column); table.wide on gives the wide form back, and a file
# with no width keeps it (the goldens).
. "$(dirname "$0")/lib.sh"

# code points of the longest line of FILE that is not a message
longest() {
    LC_ALL=C sed 's/[\x80-\xbf]//g' "$1" | LC_ALL=C grep -a -v -E '^(note: |bilab: )' |
        LC_ALL=C awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }'
}
# the lines of FILE over 80 code points, for diagnostics
over80() {
    LC_ALL=C sed 's/[\x80-\xbf]//g' "$1" | LC_ALL=C grep -a -v -E '^(note: |bilab: )' |
        LC_ALL=C awk 'length($0) > 80' | head -5
}
check80() {      # check80 DESCRIPTION FILE
    m=$(longest "$2")
    if [ "$m" -le 80 ]; then ok 0 "$1 (longest line $m)"; else ok 1 "$1 (longest line $m)"; diag "$(over80 "$2")"; fi
}

cat >"$tmpdir/ridge.bl" <<'BL'
set plot.style unicode
set plot.color off
set timing on
set inner.solver newton
solve inner
hypergrad cg cg:k=3 neumann:k=5 fp:k=6 reverse:t=50 forward:t=50 truncated:t=50,k=5 first-order onestep penalty penalty:lam=1e4
hypergrad exact reverse:t=20,method=heavyball,beta=0.5 reverse:t=20,method=nesterov,beta=0.5
compare cg,neumann,fp,truncated:t=50,cg:k=3,neumann:eta=0.1 k=1:64:4:log
compare cg,neumann k=1:64:4:log
surface omega=-6:2:17
compare cg:k=2,fp:k=8 omega=-1:1:5
adjoint cg
run 5
plot trace
show
show settings
help
problem list
problem show
problem use quadratic p=5 d=2
surface omega[0]=-2:2:11 omega[1]=-2:2:9
compare cg:k=2,fp:k=8 omega[0]=-1:1:5 omega[1]=-1:1:5
problem use lasso
problem show
BL
cat >"$tmpdir/stoch.bl" <<'BL'
set plot.style unicode
set plot.color off
problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3
solve inner
set sampler uniform
hypergrad neumann:k=10 neumann:k=2,batch=16 neumann:k=10,batch=2 draws=20
set sampler batches
compare soba:batch_size=16,saba:batch_size=16,bome calls=2000 seeds=2 points=8
set outer.opt saba
run 50
BL

for f in ridge stoch; do
    (echo "set term.width 80"; cat "$tmpdir/$f.bl") >"$tmpdir/$f.80.bl"
    "$BILAB" -f "$tmpdir/$f.80.bl" >"$tmpdir/$f.80" 2>&1
    ok $? "$f: runs with term.width 80"
    check80 "$f: every line at most 80 columns with term.width 80" "$tmpdir/$f.80"
    COLUMNS=80 "$BILAB" -f "$tmpdir/$f.bl" >"$tmpdir/$f.env" 2>&1
    ok $? "$f: runs with COLUMNS=80"
    check80 "$f: every line at most 80 columns with COLUMNS=80" "$tmpdir/$f.env"
done

# the compact forms were the ones chosen, and the plots take the width
grep -a -q "^estimator .*Hv/Cv/∇" "$tmpdir/ridge.80" && ! grep -a "^estimator" "$tmpdir/ridge.80" | grep -q memory
ok $? "hypergrad's compact table: Hv/Cv/∇ in one column, no memory column"
grep -q '^  e1 = exact' "$tmpdir/ridge.80"
ok $? "long specs: rows e1, e2, ... and their legend"
n=$(grep '^ *└' "$tmpdir/ridge.80" | LC_ALL=C sed 's/[\x80-\xbf]//g' |
   LC_ALL=C awk 'length($0) == 80' | wc -l)
[ "$n" -ge 4 ]
ok $? "the line plots take the width: $n axes of 80 columns"
grep -q '^  e[0-9] = neumann:eta=0.1' "$tmpdir/ridge.80"
ok $? "compare's budget table: short headers e1.. and their legend when the names do not fit"

# table.wide on: the wide form at 80 columns too
(echo "set term.width 80"; echo "set table.wide on"; cat "$tmpdir/ridge.bl") >"$tmpdir/wide.bl"
"$BILAB" -f "$tmpdir/wide.bl" >"$tmpdir/wide" 2>&1
grep -q '^estimator .*cosine .*Hv .*Cv .*memory' "$tmpdir/wide"
ok $? "table.wide on: hypergrad's wide table (cosine, Hv, Cv, memory)"
[ "$(longest "$tmpdir/wide")" -gt 80 ]
ok $? "table.wide on: wider than 80 columns"
# a file with no width: the wide form, as the goldens have it
env -u COLUMNS -u LINES "$BILAB" -f "$tmpdir/ridge.bl" >"$tmpdir/file" 2>&1
grep -q '^estimator .*cosine .*memory' "$tmpdir/file" && ! grep -q 'Hv/Cv/∇' "$tmpdir/file"
ok $? "no terminal and no COLUMNS: the wide form"
# JSON is never affected
env -u COLUMNS "$BILAB" -e "set format json; solve inner; hypergrad cg reverse:t=50" 2>&1 |
    grep -v '"term.width"' >"$tmpdir/j1"
env -u COLUMNS "$BILAB" -e "set term.width 80; set format json; solve inner; hypergrad cg reverse:t=50" 2>&1 |
    grep -v 'term.width' | sed 's/"seconds":[^,}]*//g' >"$tmpdir/j2"
sed -i 's/"seconds":[^,}]*//g' "$tmpdir/j1"
diff "$tmpdir/j1" "$tmpdir/j2" >/dev/null
ok $? "JSON output is the same at 80 columns"
# LINES=24: a plot with its title, axes and labels fits 24 rows with the prompt
COLUMNS=80 LINES=24 "$BILAB" -e "set plot.style unicode; run 3; plot trace" >"$tmpdir/rows" 2>&1
r=$(grep -c '│' "$tmpdir/rows")
[ "$r" -le 28 ] && [ "$r" -ge 8 ]
ok $? "LINES=24: two plots of at most 14 rows each ($r rows of plot area)"
done_testing
