#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The real privileged path, as a user who is not root meets it: the installed `virtflow`
# runs the installed virtflow-helper through the real pkexec, which asks a real polkitd
# on a real D-Bus system bus about the installed action org.virtflow.helper.
#
#   tests/install/test-polkit.sh BUILDDIR        (TAP; needs root)
#
# Everything happens in a private mount namespace: tmpfs over /run (a system bus of our
# own), /var/log and /var/lib (the helper's audit log and state), the staged install
# mounted over the prefix, our policy as the only polkit action and a test rule as the
# only polkit rule (the user `nobody` may, `daemon` may not). This machine's files, its
# system bus (if it has one) and its devices are never touched: the verb used,
# `gpu restore --all`, finds nothing to restore on a machine without a GPU on vfio-pci.
set -uo pipefail
BUILDDIR=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/tap.sh"

skip() {
    echo "1..0 # SKIP $*"
    exit 0
}

if [ -z "${VF_POLKIT_TEST_PRIVATE:-}" ]; then
    missing=()
    [ "$(id -u)" -eq 0 ] || skip "needs root (to mount in a private namespace)"
    for entry in unshare:util-linux setpriv:util-linux dbus-daemon:dbus-daemon \
        dbus-send:dbus-bin pkexec:pkexec; do
        command -v "${entry%%:*}" > /dev/null || missing+=("${entry%%:*} (package ${entry#*:})")
    done
    [ -x /usr/lib/polkit-1/polkitd ] || missing+=("/usr/lib/polkit-1/polkitd (package polkitd)")
    for user in nobody daemon messagebus polkitd; do
        id "$user" > /dev/null 2>&1 || missing+=("the user '$user'")
    done
    [ ${#missing[@]} -eq 0 ] || skip "missing: ${missing[*]}"
    [ -u "$(command -v pkexec)" ] || skip "$(command -v pkexec) is not setuid root"
    unshare --mount true 2> /dev/null || skip "'unshare --mount' is not permitted here"
    export VF_POLKIT_TEST_PRIVATE=1
    exec unshare --mount bash "$0" "$@"
fi

tmp=$(mktemp -d /tmp/virtflow-polkit.XXXXXX)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2> /dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    not_ok "$@"
    echo "1..$n"
    exit 1
}

# shellcheck source=../lib/meson-opt.sh
. "$HERE/../lib/meson-opt.sh"
opt() { meson_opt "$BUILDDIR" "$1"; }
prefix=$(opt prefix)
helper=$prefix/$(opt libexecdir)/virtflow/virtflow-helper
stage=$tmp/stage
out=$(meson install -C "$BUILDDIR" --no-rebuild --destdir "$stage" 2>&1) ||
    fail "meson install --destdir" "$(tail -20 <<< "$out")"
[ -d "$prefix" ] || fail "the prefix $prefix exists on this machine (to mount the staged install on)"

# tmpfs first, then what the test puts there; /run's tmpfs hides this machine's bus
mount -t tmpfs tmpfs /run && mkdir -p /run/dbus &&
    mount -t tmpfs tmpfs /var/log &&
    mount -t tmpfs tmpfs /var/lib ||
    fail "private tmpfs on /run, /var/log and /var/lib"

# The installed virtflow links the installed libvirtflow and libvirtflow-gobject: a real
# install in a prefix outside the loader's default path has them in ld.so.cache (ldconfig
# after `meson install`); this test must not rewrite this machine's cache, so it names the
# installed libdir instead (never the build tree, which USER may not be able to read).
libdir=$prefix/$(opt libdir)
as() { # as USER COMMAND...: run as USER (uid and gid, no supplementary groups)
    local user=$1
    shift
    LD_LIBRARY_PATH=$libdir setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" \
        --clear-groups "$@"
}

# 1. Installed without its helper (a broken package): said as such, not "not authorized"
#    (pkexec exits 127 for a missing program as for a refusal).
mount -t tmpfs tmpfs "$prefix" && mkdir -p "$prefix/bin" "$libdir" &&
    cp "$stage$prefix/bin/virtflow" "$prefix/bin/" &&
    cp -a "$stage$libdir"/libvirtflow*.so* "$libdir/" ||
    fail "a prefix with virtflow (and its libraries) only"
as nobody "$prefix/bin/virtflow" gpu restore --all > "$tmp/out" 2> "$tmp/err"
status=$?
if [ "$status" -eq 3 ] &&
    grep -qF "Cannot run VirtFlow's privileged helper '$helper'" "$tmp/err"; then
    ok "without its helper: exit 3, and the message names $helper"
else
    not_ok "without its helper: exit 3, and the message names $helper" "exit $status" \
        "$(cat "$tmp/err")"
fi
umount "$prefix"

# 2. The staged install over the prefix; our action and rule the only ones polkit knows.
mkdir -p "$tmp/actions" "$tmp/rules"
policy=$stage$prefix/$(opt datadir)/polkit-1/actions/org.virtflow.helper.policy
cp "$policy" "$tmp/actions/" || fail "the staged polkit action" "$policy"
cat > "$tmp/rules/50-virtflow-test.rules" << 'EOF'
polkit.addRule(function(action, subject) {
    if (action.id == "org.virtflow.helper") {
        if (subject.user == "nobody")
            return polkit.Result.YES;
        return polkit.Result.NO;
    }
});
EOF
chmod 755 "$tmp" "$tmp/actions" "$tmp/rules"
chmod 644 "$tmp/actions/"* "$tmp/rules/"*
mount --bind "$stage$prefix" "$prefix" &&
    mount --bind "$tmp/actions" /usr/share/polkit-1/actions &&
    mount --bind "$tmp/rules" /etc/polkit-1/rules.d ||
    fail "the staged install, the action and the rule mounted"

dbus_pid=$(dbus-daemon --system --fork --nopidfile --print-pid) ||
    fail "a private D-Bus system bus starts"
pids+=("$dbus_pid")
/usr/lib/polkit-1/polkitd --no-debug > "$tmp/polkitd.log" 2>&1 &
pids+=("$!")
up=0
for _ in $(seq 100); do
    if dbus-send --system --print-reply --dest=org.freedesktop.DBus / \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.PolicyKit1 2> /dev/null |
        grep -q 'boolean true'; then
        up=1
        break
    fi
    sleep 0.1
done
[ "$up" = 1 ] || fail "polkitd owns org.freedesktop.PolicyKit1 on the private bus" \
    "$(cat "$tmp/polkitd.log")"
ok "polkitd runs on a private system bus with the installed action org.virtflow.helper"

# 3. Allowed: the CLI hands the work to the helper through pkexec, the helper runs as root
#    and audits the real caller.
as nobody "$prefix/bin/virtflow" gpu restore --all > "$tmp/out" 2> "$tmp/err"
status=$?
log=/var/log/virtflow/helper.log
if [ "$status" -eq 0 ]; then
    ok "as nobody, allowed by polkit: 'virtflow gpu restore --all' succeeds through pkexec"
else
    not_ok "as nobody, allowed by polkit: 'virtflow gpu restore --all' succeeds through pkexec" \
        "exit $status" "$(cat "$tmp/out" "$tmp/err")" "polkitd: $(cat "$tmp/polkitd.log")"
fi
nobody_uid=$(id -u nobody)
if grep -qE "uid=$nobody_uid via=pkexec verb=restore .*result=ok" "$log" 2> /dev/null; then
    ok "the helper ran as root for uid $nobody_uid and audited it (via=pkexec, verb=restore, ok)"
else
    not_ok "the helper ran as root for uid $nobody_uid and audited it" \
        "$(cat "$log" 2> /dev/null || echo "no $log")"
fi

# 4. Refused by polkit: a permission error naming the action, exit 5, nothing run as root.
lines_before=$(wc -l < "$log" 2> /dev/null || echo 0)
as daemon "$prefix/bin/virtflow" gpu restore --all > "$tmp/out" 2> "$tmp/err"
status=$?
if [ "$status" -eq 5 ] && grep -q "Not authorized to change devices: polkit refused action org.virtflow.helper" "$tmp/err"; then
    ok "as daemon, refused by polkit: exit 5, and the message names org.virtflow.helper"
else
    not_ok "as daemon, refused by polkit: exit 5, and the message names org.virtflow.helper" \
        "exit $status" "$(cat "$tmp/err")"
fi
lines_after=$(wc -l < "$log" 2> /dev/null || echo 0)
if [ "$lines_after" -eq "$lines_before" ]; then
    ok "a refused caller never reaches the helper (no audit line)"
else
    not_ok "a refused caller never reaches the helper" "$(tail -n +$((lines_before + 1)) "$log")"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
