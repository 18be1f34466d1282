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
