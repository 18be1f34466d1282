#!/usr/bin/env bash
# `meson install` into a staging directory (DESTDIR), and what a packager and a user get:
# every program where VirtFlow looks for it, the polkit action naming the installed
# helper, the boot-time recover unit naming the installed CLI, the hook gate running the
# installed worker, the public header and pkg-config file good enough to build a program,
# and the installed CLI working (on the demo host) from the staging tree.
#
#   tests/install/test-install.sh BUILDDIR        (TAP)
set -uo pipefail
BUILDDIR=$(cd "${1:?usage: $0 BUILDDIR}" && pwd)
. "$(dirname "$0")/../lib/tap.sh"

STAGE=$(mktemp -d /tmp/virtflow-install.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

if ! out=$(meson install -C "$BUILDDIR" --no-rebuild --destdir "$STAGE" 2>&1); then
    not_ok "meson install --destdir succeeds" "$(tail -20 <<< "$out")"
    echo "1..$n"
    exit 1
fi
ok "meson install --destdir succeeds"

# shellcheck source=../lib/meson-opt.sh
. "$(dirname "$0")/../lib/meson-opt.sh"
opt() { meson_opt "$BUILDDIR" "$1"; }
prefix=$(opt prefix)
bindir=$prefix/$(opt bindir)
libexecdir=$prefix/$(opt libexecdir)/virtflow
datadir=$prefix/$(opt datadir)
libdir=$prefix/$(opt libdir)
includedir=$prefix/$(opt includedir)

# nothing lands outside the prefix (a package must not write to / on its own)
outside=$(cd "$STAGE" && find . \( -type f -o -type l \) | sed 's|^\.||' | grep -v "^$prefix/" || true)
if [ -z "$outside" ]; then ok "everything is installed under the prefix $prefix"; else
    not_ok "everything is installed under the prefix $prefix" "$outside"; fi

for prog in "$bindir/virtflow" "$libexecdir/virtflow-helper" \
    "$libexecdir/virtflow-hook" "$libexecdir/virtflow-hook-worker"; do
    if [ -x "$STAGE$prog" ] && [ -f "$STAGE$prog" ]; then ok "$prog is an installed program"
    else not_ok "$prog is an installed program"; fi
done

# the hook gate execs the installed worker: its path is compiled in
if grep -qaF "$libexecdir/virtflow-hook-worker" "$STAGE$libexecdir/virtflow-hook"; then
    ok "the installed hook gate runs $libexecdir/virtflow-hook-worker"
else
    not_ok "the installed hook gate runs $libexecdir/virtflow-hook-worker"
fi
# the hook gate links nothing but libc (libvirtd runs it for every domain and step)
libs=$(ldd "$STAGE$libexecdir/virtflow-hook" | awk '{print $1}' | grep -vE '^(linux-vdso|/lib64/ld-linux)' | sort -u | tr '\n' ' ')
if [ "$libs" = "libc.so.6 " ]; then ok "the installed hook gate links only libc"
else not_ok "the installed hook gate links only libc" "it links: $libs"; fi

policy=$STAGE$datadir/polkit-1/actions/org.virtflow.helper.policy
if [ -f "$policy" ] && xmllint --noout "$policy" 2> /dev/null; then
    ok "the polkit policy is installed and well-formed XML"
else
    not_ok "the polkit policy is installed and well-formed XML" "looked for $policy"
fi
exec_path=$(xmllint --xpath 'string(//action[@id="org.virtflow.helper"]/annotate[@key="org.freedesktop.policykit.exec.path"])' "$policy" 2> /dev/null)
if [ "$exec_path" = "$libexecdir/virtflow-helper" ] && [ -x "$STAGE$exec_path" ]; then
    ok "polkit action org.virtflow.helper allows exactly the installed helper"
else
    not_ok "polkit action org.virtflow.helper allows exactly the installed helper" "exec.path='$exec_path'"
fi
defaults=$(xmllint --xpath 'string(//action[@id="org.virtflow.helper"]/defaults/allow_active)' "$policy" 2> /dev/null)
if [ "$defaults" = auth_admin_keep ]; then ok "active sessions authenticate as admin, kept a few minutes"
else not_ok "active sessions authenticate as admin, kept a few minutes" "allow_active=$defaults"; fi
# the helper itself names the same action (what pkexec is asked for)
if grep -qaF org.virtflow.helper "$STAGE$bindir/virtflow" "$STAGE$libdir"/libvirtflow.so*; then
    ok "the CLI names polkit action org.virtflow.helper in its messages"
else
    not_ok "the CLI names polkit action org.virtflow.helper in its messages"
fi

unit=$(cd "$STAGE" && find . -name virtflow-recover.service | sed 's|^\.||')
if [ -n "$unit" ] && grep -qx "ExecStart=$bindir/virtflow recover" "$STAGE$unit" &&
    grep -q '^Before=.*libvirtd.service' "$STAGE$unit" && grep -q '^Type=oneshot' "$STAGE$unit" &&
    grep -q '^WantedBy=multi-user.target' "$STAGE$unit"; then
    ok "virtflow-recover.service runs '$bindir/virtflow recover' at boot, before libvirtd"
else
    not_ok "virtflow-recover.service runs '$bindir/virtflow recover' at boot, before libvirtd" "unit: '$unit'"
fi

# the installed CLI works from the staging tree (the demo: nothing real is touched)
demo=$(mktemp -d /tmp/virtflow-install-demo.XXXXXX)
trap 'rm -rf "$STAGE" "$demo"' EXIT
if out=$(VIRTFLOW_DEMO_ROOT=$demo "$STAGE$bindir/virtflow" --demo list 2>&1) &&
    grep -q "Windows 11" <<< "$out" && [ ! -e "$STAGE$libexecdir/virtflow-vm" ]; then
    ok "the installed virtflow lists the demo's VMs itself (one program, no virtflow-vm)"
else
    not_ok "the installed virtflow lists the demo's VMs itself (one program, no virtflow-vm)" "$out"
fi
if out=$("$STAGE$bindir/virtflow" --version 2>&1) && grep -q "$(meson introspect "$BUILDDIR" --projectinfo | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" <<< "$out"; then
    ok "virtflow --version prints the project's version"
else
    not_ok "virtflow --version prints the project's version" "$out"
fi

# a program built against the installed header and library (pkg-config)
pcdir=$(dirname "$(cd "$STAGE" && find . -name virtflow.pc | head -1 | sed "s|^\\.||")")
cat > "$demo/client.c" << 'C'
#include <virtflow.h>
#include <stdio.h>
int main(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *addr = vf_pci_address_normalize("01:00.0", &error);
    printf("%s %d\n", addr ? addr : error->message, VIRTFLOW_VERSION_MAJOR);
    return addr == NULL;
}
C
# the staged .pc with its prefix moved into the staging tree (as if installed there)
sed "s|^prefix=.*|prefix=$STAGE$prefix|" "$STAGE$pcdir/virtflow.pc" > "$demo/virtflow.pc"
if flags=$(PKG_CONFIG_PATH=$demo pkg-config --cflags --libs virtflow 2>&1) &&
    cc -o "$demo/client" "$demo/client.c" $flags 2> "$demo/cc.log" &&
    out=$(LD_LIBRARY_PATH=$STAGE$libdir "$demo/client") && [ "$out" = "0000:01:00.0 0" ]; then
    ok "a program builds against the installed virtflow.h and libvirtflow (pkg-config) and runs"
else
    not_ok "a program builds against the installed virtflow.h and libvirtflow (pkg-config) and runs" \
        "flags: $flags" "$(cat "$demo/cc.log" 2> /dev/null)" "output: ${out:-}"
fi
[ -f "$STAGE$includedir/virtflow-0/virtflow.h" ] && ok "virtflow.h is in $includedir/virtflow-0" ||
    not_ok "virtflow.h is in $includedir/virtflow-0"

echo "1..$n"
[ "$failed" -eq 0 ]
