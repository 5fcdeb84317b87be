#!/bin/sh
# stoch_save.sh: issue 16.  A save keeps a stochastic algorithm's running
# state (θ, v, ω, SABA's memories, SRBA's directions, F2SA's z and λ, the
# step count, the oracle and epoch counters, both samplers' places and
# generators): for each of the seven algorithms, `run 50; save FILE`, then
# `bilab -f FILE` and `step outer 10` prints the numbers (17 digits, JSON)
# that ten more steps of the original session print, bit for bit; also on
# ridge with the shuffle and uniform samplers.  A stale algorithm is not
# saved; a bad state is refused with the session unchanged.
. "$(dirname "$0")/lib.sh"
cd "$tmpdir" || exit 1

qs="problem use quadsum n_inner=64 n_outer=48 dim_inner=4 dim_outer=2 seed=3; set seed 7"

# replay DESC SETUP: SETUP; run 50; save, against SETUP; run 50; step outer 10
replay() {
    rm -f s.bl
    "$BILAB" --json -e "$2; run 50; save s.bl; step outer 10; show" >a.raw 2>a.err
    rc1=$?
    "$BILAB" --json -f s.bl -e "step outer 10; show" >b.raw 2>b.err
    rc2=$?
    grep -E '^\{"cmd":"(step|show)"' a.raw >a
    grep -E '^\{"cmd":"(step|show)"' b.raw >b
    if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ "$(wc -l <a)" -eq 11 ] && cmp -s a b \
        && grep -q '"iterations":60,' a && grep -q '^set stoch.state words=' s.bl; then
        ok 0 "$1: saved after 50 steps, replayed, 10 more steps: the same bit for bit"
    else
        ok 1 "$1: saved after 50 steps, replayed, 10 more steps: the same bit for bit"
        diag "exit $rc1 $rc2" "$(cat a.err b.err)" "$(diff a b | head -6)"
    fi
}

replay soba "$qs; set outer.opt soba:step_size=0.3,batch_size=16"
replay saba "$qs; set outer.opt saba:step_size=0.2,batch_size=16"
replay srba "$qs; set outer.opt srba:step_size=0.1,batch_size=16"
replay amigo "$qs; set outer.opt amigo:step_size=0.2,batch_size=16,n_inner_steps=3"
replay stocbio "$qs; set outer.opt stocbio:step_size=0.2,batch_size=16,n_shia_steps=4"
replay f2sa "$qs; set outer.opt f2sa:step_size=0.05,batch_size=16,n_inner_steps=3"
replay bome "$qs; set outer.opt bome:step_size=0.1,n_inner_steps=3"
replay "soba on ridge, sampler shuffle, batch.inner 7" \
    "problem use ridge; set sampler shuffle; set batch.inner 7; set outer.opt soba:step_size=0.05,batch_size=5"
replay "amigo on ridge, sampler uniform" \
    "problem use ridge; set sampler uniform; set outer.opt amigo:step_size=0.05,batch_size=9"

# without the state the replay restarts (v = 0): the test above can fail
"$BILAB" -e "$qs; set outer.opt saba:step_size=0.2,batch_size=16; run 50; save s.bl" >/dev/null 2>&1
grep -v 'state' s.bl >s2.bl
"$BILAB" --json -f s2.bl -e 'step outer' 2>/dev/null | grep -q '"iterations":1,'
ok $? "control: the same file without its state words starts saba afresh"

# a stale algorithm (ω set after its last step) is not saved
"$BILAB" -e "$qs; set outer.opt soba:batch_size=16; run 5; set omega 1; save s.bl" >/dev/null 2>&1
! grep -q 'stoch.state' s.bl && grep -q '^set outer.opt soba:batch_size=16$' s.bl
ok $? "an algorithm that would restart at the next step is not saved"

# refusals leave the session as it was
"$BILAB" -e "$qs; set outer.opt soba:batch_size=16; run 5; save s.bl" >/dev/null 2>&1
sed 's/^set outer.opt soba:batch_size=16$/set outer.opt amigo:batch_size=16/' s.bl >s3.bl
"$BILAB" -f s3.bl >o 2>e
[ $? -eq 1 ] && grep -q "^bilab: set: the saved state is soba's, not amigo's$" e
ok $? "soba's state is refused by amigo, in one line"
expect_error "stoch.state without a stochastic outer.opt" \
    'stoch.state needs a stochastic outer.opt' "set state.words[0:2] 1,2; set stoch.state words=2"
expect_error "stoch.state with a wrong count" \
    'stoch.state words=3, but 2 state words were given' \
    "$qs; set outer.opt soba; set state.words[0:2] 1,2; set stoch.state words=3"
"$BILAB" --keep-going -e "$qs; set outer.opt soba:batch_size=16; run 5" \
    -e "set state.words[0:3] 16,0,4; set stoch.state words=3" -e 'step outer' >o 2>e
grep -q 'soba    6 ' o && grep -q 'bilab: set: 3 state words, but soba here takes' e
ok $? "a refused state keeps the running algorithm (the next step is step 6)"

done_testing
