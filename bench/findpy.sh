# bench/findpy.sh, sourced by the bench scripts: find_python MODULE sets
# py to the first python3 that can import MODULE: $PYTHON, the one on
# PATH (often pyenv's, without Debian's packages), then Debian's own;
# py is empty when none can.
find_python() {
    py=
    for c in "${PYTHON:-}" python3 /usr/bin/python3; do
        [ -n "$c" ] || continue
        if "$c" -c "import $1" >/dev/null 2>&1; then py=$c; return 0; fi
    done
    return 1
}
