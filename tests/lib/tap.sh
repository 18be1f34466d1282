# shellcheck shell=bash
# TAP for the shell tests run by meson: `ok DESC`, `not_ok DESC [DETAIL...]` (each detail
# printed as comment lines); $n and $failed count them for the plan at the end.
n=0
failed=0

ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}

not_ok() {
    n=$((n + 1))
    failed=$((failed + 1))
    echo "not ok $n - $1"
    shift
    for line in "$@"; do
        printf '%s\n' "$line" | sed 's/^/# /'
    done
}

# run_status NAME WANT CMD...: the exit status must be WANT; stdout in $tmp/out, stderr in
# $tmp/err (the caller's $tmp)
run_status() {
    local name=$1 want=$2 status
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ "$status" -ne "$want" ]; then
        not_ok "$name: exit $want" "got exit $status" "stdout: $(head -c 3000 "$tmp/out")" \
            "stderr: $(cat "$tmp/err")"
        return 1
    fi
    ok "$name: exit $want"
}

# tree_snapshot ROOT [SKIP...]: a tree as a user could inspect it, to compare before and
# after: every path with its link target, and every file's checksum; the SKIP paths
# (relative to ROOT, e.g. var/lib/virtflow: VirtFlow's own state) left out.
tree_snapshot() {
    local root=$1 prune=() p
    shift
    for p in "$@"; do
        prune+=(${prune[0]+-o} -path "./$p")
    done
    (
        cd "$root" || exit 1
        find . \( "${prune[@]}" \) -prune -o -printf '%p %l\n' | LC_ALL=C sort
        find . \( "${prune[@]}" \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum
    )
}
