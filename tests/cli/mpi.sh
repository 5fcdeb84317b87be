#!/bin/sh
# mpi.sh: a sweep shared among MPI ranks (issue 18, item 5; doc/cluster.md)
# equals the one-process run byte for byte: surface, compare over a budget
# and over ω, compare search, and the stochastic compare over seeds, for 3
# ranks of 1 thread and 2 ranks of 2 threads against 1 process of 2
# threads.  A failing command stops every rank with the same status (no
# hang), and the prompt is refused with more than one rank.  Skipped when
# bilab was built without MPI (./configure --with-mpi).
. "$(dirname "$0")/lib.sh"

if ! "$BILAB" --version | grep -q '^MPI:'; then
    echo "1..0 # SKIP bilab was built without MPI (./configure --with-mpi)"
    exit 0
fi
if ! command -v mpirun >/dev/null 2>&1; then
    echo "1..0 # SKIP built with MPI but mpirun is missing (openmpi-bin)"
    exit 0
fi
# root in CI containers; more ranks than cores on a small machine
mpi="mpirun --oversubscribe"
[ "$(id -u)" -eq 0 ] && mpi="$mpi --allow-run-as-root"
export OMPI_MCA_btl_vader_single_copy_mechanism=none   # containers without ptrace
export OPENBLAS_NUM_THREADS=1

cat >"$tmpdir/sweep.bl" <<'EOS'
set timing off
problem use ridge
surface omega=-4:2:13 with=cg:k=5,neumann:k=10
export surface surf.csv
compare cg,neumann,exact k=1:40:6
export compare budget.csv
compare cg:k=5,fd omega=-4:2:7
export compare cgrid.csv
compare search omega=-6:2:9
problem use quadratic p=4 d=2 kappa=10
set surface.start theta
surface omega[0]=-1:1:5 omega[1]=-1:1:4 with=cg:k=2
export surface surf2.csv
problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3
set seed 5
compare soba:batch_size=16,saba:batch_size=16 calls=2000 seeds=4 points=8
export compare stoch.csv
compare soba:batch_size=16,stocbio:batch_size=16 steps=60 seeds=3 points=6 step_size=0.01:1:3:log
export compare stoch2.csv
EOS

# run DIR NRANKS THREADS: the sweep in DIR, its JSON in DIR/out (the
# first line, set threads, the timings, which differ from run to run, and
# the thread count taken out)
run() {
    mkdir -p "$tmpdir/$1"
    if [ "$2" -eq 0 ]; then
        (cd "$tmpdir/$1" && timeout 300 "$BILAB" -j -e "set threads $3" -f ../sweep.bl \
            >raw 2>err)
    else
        (cd "$tmpdir/$1" && timeout 300 $mpi -np "$2" "$BILAB" -j -e "set threads $3" \
            -f ../sweep.bl >raw 2>err)
    fi
    rc=$?
    sed -e 1d -e 's/"seconds":[^,}]*,\{0,1\}//g' -e 's/"threads":[0-9]*,\{0,1\}//g' \
        "$tmpdir/$1/raw" >"$tmpdir/$1/out"
    return $rc
}

same() {          # same DIR: DIR's JSON and files are the one-process run's
    cmp "$tmpdir/one/out" "$tmpdir/$1/out" || return 1
    for f in surf.csv budget.csv cgrid.csv surf2.csv stoch.csv stoch2.csv; do
        cmp "$tmpdir/one/$f" "$tmpdir/$1/$f" || return 1
    done
}

run one 0 2
ok $? "the sweep on one process (2 threads)"
[ "$(grep -c '"cmd":"compare"' "$tmpdir/one/out")" -eq 5 ] \
    && [ "$(grep -c '"cmd":"surface"' "$tmpdir/one/out")" -eq 2 ]
ok $? "it printed 2 surfaces and 5 comparisons"

run three 3 1
ok $? "the sweep on 3 ranks of 1 thread (mpirun -np 3)" || diag "$(cat "$tmpdir/three/err")"
same three
ok $? "3 ranks: the JSON and the 6 exported files equal one process's byte for byte"
[ "$(wc -l <"$tmpdir/three/raw")" -eq "$(wc -l <"$tmpdir/one/raw")" ]
ok $? "3 ranks: rank 0 alone prints (as many lines as one process)"

run two 2 2
ok $? "the sweep on 2 ranks of 2 threads" || diag "$(cat "$tmpdir/two/err")"
same two
ok $? "2 ranks × 2 threads: the same bytes"

# a failing command on the ranks: each exits 1, rank 0 says why once, and
# nothing after it runs.  The export fails on rank 0 alone (the others
# write nothing), so only the agreement on the status stops the others
# before the next surface, which would otherwise wait for rank 0 forever.
# (The wrapper records each rank's status and exits 0: mpirun kills the
# other ranks as soon as one exits non-zero.)
cat >"$tmpdir/wrap.sh" <<EOS
#!/bin/sh
"$BILAB" "\$@"
echo "rank \$OMPI_COMM_WORLD_RANK exit \$?" >>"$tmpdir/status"
EOS
chmod +x "$tmpdir/wrap.sh"
printf '%s\n' "set threads 1" "surface omega=-4:2:9" "export surface $tmpdir/no-such-dir/s.csv" \
    "surface omega=-4:2:9" "echo not reached" >"$tmpdir/err.bl"
rm -f "$tmpdir/status"
timeout 120 $mpi -np 3 "$tmpdir/wrap.sh" -f "$tmpdir/err.bl" >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -ne 124 ]
ok $? "a command that fails on rank 0 only: mpirun ends (no hang)"
[ "$(sort "$tmpdir/status" | tr '\n' ' ')" = "rank 0 exit 1 rank 1 exit 1 rank 2 exit 1 " ]
ok $? "every rank exits with status 1" || diag "$(cat "$tmpdir/status")"
[ "$(grep -c '^bilab: ' "$tmpdir/e")" -eq 1 ] && grep -q "^bilab: export: cannot write" "$tmpdir/e" \
    && ! grep -q "not reached" "$tmpdir/o"
ok $? "one error line, from rank 0, and the script stops there" || diag "$(cat "$tmpdir/e")"

# an error on every rank: the same status, one line, and mpirun's status 1
rm -f "$tmpdir/status"
timeout 120 $mpi -np 3 "$tmpdir/wrap.sh" -e "surface omega=-4:2:5 with=nosuch" -e "echo not reached" \
    >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -ne 124 ] && [ "$(sort "$tmpdir/status" | tr '\n' ' ')" = "rank 0 exit 1 rank 1 exit 1 rank 2 exit 1 " ] \
    && [ "$(grep -c '^bilab: ' "$tmpdir/e")" -eq 1 ]
ok $? "an unknown estimator: every rank exits 1, one error line" || diag "$(cat "$tmpdir/e")"
timeout 120 $mpi -np 3 "$BILAB" -e "surface omega=-4:2:5 with=nosuch" >"$tmpdir/o" 2>"$tmpdir/e"
ok $(( $? != 1 )) "mpirun itself exits with status 1"

# the prompt, the dashboard and standard input are single-process
timeout 60 $mpi -np 2 "$BILAB" </dev/null >"$tmpdir/o" 2>"$tmpdir/e"
rc=$?
[ $rc -ne 124 ] && [ $rc -ne 0 ] && [ "$(grep -c 'runs scripts only' "$tmpdir/e")" -eq 1 ]
ok $? "no -f or -e with 2 ranks: refused in one line" || diag "$(cat "$tmpdir/e")"

done_testing
