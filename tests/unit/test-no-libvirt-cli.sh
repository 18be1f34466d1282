#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM commands on a machine without libvirt's libraries (src/lib/virt/vf-libvirt-dl.c
# opens them on first use): vf-test-no-libvirt.so (LD_PRELOAD) makes dlopen() of libvirt.so.0
# fail as it would there. The demo runs on libvirt's test driver, so it fails the same way:
# a non-zero exit, the library and the package named, nothing written. The host commands
# still work.
#
#   tests/unit/test-no-libvirt-cli.sh build/tests/unit/vf-test-no-libvirt.so build/src/cli/virtflow
set -u
shim=$1
VIRTFLOW=$2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export VIRTFLOW_DEMO_ROOT="$tmp/demo"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() {
    n=$((n + 1))
    failed=1
    echo "not ok $n - $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/# /'
}

echo "1..6"
for cmd in "list" "activate win11 --gpu 0000:01:00.0"; do
    # shellcheck disable=SC2086
    LD_PRELOAD=$shim "$VIRTFLOW" --demo $cmd >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -ne 0 ] && grep -q "Cannot load libvirt's library libvirt.so.0, which the VM commands need: cannot open shared object file" "$tmp/err" &&
        grep -q "fix: .*apt install libvirt0.*libvirt-daemon-system" "$tmp/err"; then
        ok "--demo $cmd without libvirt: exit $rc, the library and the package named"
    else
        not_ok "--demo $cmd without libvirt: exit $rc" "$(cat "$tmp/out" "$tmp/err")"
    fi
    if [ ! -e "$VIRTFLOW_DEMO_ROOT" ]; then
        ok "--demo $cmd without libvirt wrote nothing"
    else
        not_ok "--demo $cmd without libvirt wrote under $VIRTFLOW_DEMO_ROOT" "$(find "$VIRTFLOW_DEMO_ROOT" | head)"
    fi
done

LD_PRELOAD=$shim "$VIRTFLOW" --demo list --json >"$tmp/out" 2>"$tmp/err"
if grep -q '"code": "libvirt"' "$tmp/out" && grep -q '"fix": "Install libvirt: apt install libvirt0' "$tmp/out"; then
    ok "--demo list --json without libvirt: the error's code and fix"
else
    not_ok "--demo list --json without libvirt" "$(cat "$tmp/out" "$tmp/err")"
fi

if LD_PRELOAD=$shim "$VIRTFLOW" --demo gpu list >"$tmp/out" 2>"$tmp/err" && grep -q "RTX 4090" "$tmp/out"; then
    ok "--demo gpu list without libvirt works"
else
    not_ok "--demo gpu list without libvirt" "$(cat "$tmp/out" "$tmp/err")"
fi
exit $failed
