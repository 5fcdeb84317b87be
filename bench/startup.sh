#!/bin/sh
# startup.sh: process start to a ready session (issue 14: target ≤ 10 ms),
# beside baselines measured in the same run: /bin/true, and an empty C
# program linked with bilab's own shared libraries (the floor that the
# dynamic loader and the libraries' constructors set, OpenBLAS's thread
# start among them).  Each figure is the median of N runs, interleaved;
# with perf, also the CPU time (task-clock) of each, which a loaded
# machine inflates less than the wall time.
BILAB=${BILAB:-./bilab}
N=${N:-30}
CC=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bilab-startup.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# the empty program, linked with the libraries bilab needs (readelf -d)
libs=$(readelf -d "$BILAB" 2>/dev/null | sed -n 's/.*Shared library: \[lib\([^].]*\)\.so.*/-l\1/p' \
       | grep -v -e '^-lc$' | tr '\n' ' ')
echo 'int main(void) { return 0; }' >"$tmp/empty.c"
floor=
if [ -n "$libs" ] && $CC "$tmp/empty.c" -o "$tmp/empty" -Wl,--no-as-needed $libs 2>/dev/null; then
    floor=$tmp/empty
fi
now() { date +%s%N; }
# median wall ms of N runs of "$@"
wall() {
    i=0
    : >"$tmp/t"
    while [ $i -lt "$N" ]; do
        a=$(now); "$@" >/dev/null 2>&1; b=$(now)
        echo $(( (b - a) / 1000 )) >>"$tmp/t"
        i=$((i + 1))
    done
    sort -n "$tmp/t" | awk '{v[NR] = $1} END {printf "%.2f", v[int((NR + 1) / 2)] / 1000}'
}
cpu() {
    if command -v perf >/dev/null 2>&1; then
        perf stat -x, -e task-clock -r "$N" "$@" 2>&1 >/dev/null \
            | awk -F, '/task-clock/ {printf "%.2f", $1}'
    else
        printf -- '-'
    fi
}
echo "start-up: process start to a ready session, median of $N runs (ms)"
printf '%-46s %10s %10s\n' "" "wall" "cpu"
row() { name=$1; shift; printf '%-46s %10s %10s\n' "$name" "$(wall "$@")" "$(cpu "$@")"; }
row "/bin/true" /bin/true
[ -n "$floor" ] && row "empty program with bilab's libraries" "$floor"
row "bilab -e '' (ready session, default problem)" "$BILAB" -e ''
row "bilab -e quit" "$BILAB" -e quit
