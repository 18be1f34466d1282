#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-doctor-cli.sh VIRTFLOW: `virtflow doctor [VM] [--json]` as a user runs it
#
# On the demo (VIRTFLOW_DEMO_ROOT in a temporary directory, libvirt's test driver) and on
# --host-root of that tree: the text layout (PASS/WARN/FAIL lines, the fix indented, a
# summary), the exit status (0 when nothing failed, warnings allowed; 1 when a check
# failed; 2 for bad arguments), the JSON contract, the host checks running when libvirt
# cannot be reached, a GPU left on vfio-pci, and a named VM. Nothing outside the temporary
# directory is touched. Output is TAP.

set -u

VIRTFLOW=${1:-${VIRTFLOW:-}}
if [ -z "$VIRTFLOW" ] || [ ! -x "$VIRTFLOW" ]; then
    echo "1..0 # SKIP usage: $0 PATH/TO/virtflow"
    exit 0
fi
PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
    echo "1..0 # SKIP python3 is needed to read the JSON"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-doctor-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/demo
export VIRTFLOW_DEMO_ROOT=$root
unset VIRTFLOW_HOST_ROOT
VM='Windows 11'
GPU=0000:01:00.0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# py NAME SCRIPT: the script reads the JSON of $tmp/out as `d` (and `c`, the checks by id)
py() {
    local name=$1 script=$2 msg
    if msg=$("$PYTHON" - "$tmp/out" 2>&1 <<EOF
import json, sys
d = json.load(open(sys.argv[1]))
c = {x['id']: x for x in d['checks']}
$script
EOF
    ); then
        ok "$name"
    else
        not_ok "$name" "$msg" "json: $(head -c 3000 "$tmp/out")"
    fi
}

# has NAME PATTERN: an extended regex matches a line of $tmp/out
has() {
    if grep -Eq -- "$2" "$tmp/out"; then
        ok "$1"
    else
        not_ok "$1" "no line matches /$2/" "stdout: $(cat "$tmp/out")"
    fi
}

# ---- the demo as it comes: no hook installed, so a check fails ----

run_status "doctor on the demo (no hook: a failure)" 1 "$VIRTFLOW" --demo doctor
has "a FAIL line for the hook" '^FAIL  libvirt hook installed and executable$'
has "the hook's detail indented under it" '^      /etc/libvirt/hooks/qemu\.d/virtflow does not exist'
has "its fix indented, naming the command" '^      fix: virtflow setup'
has "a PASS line for the IOMMU" '^PASS  IOMMU on and IOMMU groups present$'
has "the summary line" '^[0-9]+ passed, [0-9]+ warnings?, 1 failed, [0-9]+ skipped$'

run_status "doctor --json on the demo" 1 "$VIRTFLOW" --demo doctor --json
py "--json: checks[] with id/title/status/detail/fix, counts that add up" "
assert set(d) == {'checks', 'passed', 'warnings', 'failed', 'skipped'}, sorted(d)
for x in d['checks']:
    assert set(x) == {'id', 'title', 'status', 'detail', 'fix'}, x
    assert x['status'] in ('pass', 'warn', 'fail', 'skip'), x
    assert x['status'] in ('pass', 'skip') or x['fix'], ('a problem without a fix', x)
n = lambda s: sum(1 for x in d['checks'] if x['status'] == s)
assert (d['passed'], d['warnings'], d['failed'], d['skipped']) == \
    (n('pass'), n('warn'), n('fail'), n('skip')), d
assert d['failed'] == 1 and c['hook']['status'] == 'fail', c['hook']
for k in ('iommu', 'vfio', 'modules-load', 'gpus', 'gpu-driver:$GPU', 'gpu-group:$GPU',
          'gpu-blockers:$GPU', 'gpu-stuck:$GPU', 'journal', 'hook', 'hook-daemon', 'libvirt'):
    assert k in c, k
assert c['libvirt']['status'] == 'pass' and 'test:///' in c['libvirt']['detail'], c['libvirt']
assert 'vm' not in c, 'no VM was named'
"
"$VIRTFLOW" --demo --json doctor >"$tmp/out2" 2>/dev/null
if cmp -s "$tmp/out" "$tmp/out2"; then
    ok "--json before the command means the same"
else
    not_ok "--json before the command means the same" "$(diff "$tmp/out" "$tmp/out2" | head)"
fi

# ---- what `virtflow setup` would leave: the hook and vfio.conf; warnings only ----

mkdir -p "$root/etc/libvirt/hooks/qemu.d" "$root/usr/libexec/virtflow" "$root/etc/modules-load.d"
printf '#!/bin/sh\nexit 0\n' >"$root/usr/libexec/virtflow/virtflow-hook"
chmod 755 "$root/usr/libexec/virtflow/virtflow-hook"
ln -s /usr/libexec/virtflow/virtflow-hook "$root/etc/libvirt/hooks/qemu.d/virtflow"
printf 'vfio\nvfio_iommu_type1\nvfio_pci\n' >"$root/etc/modules-load.d/vfio.conf"

run_status "--host-root of a set-up tree (no daemon running: a warning)" 0 \
    "$VIRTFLOW" --host-root "$root" doctor --json
py "--host-root: the hook passes, the daemon warns, libvirt skipped (a captured tree)" "
assert d['failed'] == 0, [x for x in d['checks'] if x['status'] == 'fail']
assert c['hook']['status'] == 'pass', c['hook']
assert '/usr/libexec/virtflow/virtflow-hook' in c['hook']['detail'], c['hook']
assert c['hook-daemon']['status'] == 'warn', c['hook-daemon']
assert c['modules-load']['status'] == 'pass', c['modules-load']
assert c['libvirt']['status'] == 'skip', c['libvirt']
"

chmod 644 "$root/usr/libexec/virtflow/virtflow-hook"
run_status "a hook that is not executable fails" 1 "$VIRTFLOW" --host-root "$root" doctor
has "... and says so, with chmod as the fix" '^      fix: chmod 755 /etc/libvirt/hooks/qemu\.d/virtflow$'
chmod 755 "$root/usr/libexec/virtflow/virtflow-hook"

# ---- libvirt unreachable: the host checks still run ----

run_status "libvirt unreachable: a failure" 1 \
    "$VIRTFLOW" --host-root "$root" -c "qemu+unix:///system?socket=$tmp/no-such-socket" doctor \
    "$VM" --json
py "libvirt unreachable: libvirt fails with a fix, the host checks ran, the VM's skipped" "
assert c['libvirt']['status'] == 'fail' and c['libvirt']['fix'], c['libvirt']
assert 'systemctl start libvirtd' in c['libvirt']['fix'], c['libvirt']
assert c['iommu']['status'] == 'pass' and c['hook']['status'] == 'pass', (c['iommu'], c['hook'])
for k in ('vm', 'vm-xml', 'vm-hook-log', 'vm-agent'):
    assert c[k]['status'] == 'skip', c[k]
"

# ---- a GPU left on vfio-pci with no VM ----

if "$VIRTFLOW" --demo gpu bind "$GPU" >/dev/null 2>&1; then
    run_status "GPU on vfio-pci without a VM: a warning, not a failure" 0 \
        "$VIRTFLOW" --host-root "$root" doctor
    has "... WARN line" "^WARN  GPU $GPU: not stuck on vfio-pci\$"
    has "... and restore offered" "^      fix: virtflow gpu restore $GPU\$"
    "$VIRTFLOW" --demo gpu restore "$GPU" >/dev/null 2>&1
else
    not_ok "gpu bind on the demo (to leave the GPU on vfio-pci)"
fi

# ---- a named VM (the demo's test driver) ----

run_status "doctor '$VM' on the demo" 0 "$VIRTFLOW" --demo doctor "$VM" --json
py "doctor VM: exists, not activated (fix: activate), agent channel present" "
assert c['vm']['status'] == 'pass' and 'shut off' in c['vm']['detail'], c['vm']
assert c['vm-xml']['status'] == 'warn', c['vm-xml']
assert c['vm-xml']['fix'] == \"virtflow activate '$VM'\", c['vm-xml']
assert c['vm-agent']['status'] == 'pass', c['vm-agent']
"
run_status "doctor of an unknown VM fails" 1 "$VIRTFLOW" --demo doctor no-such-vm
has "... naming it" "^      No VM named 'no-such-vm'"

# ---- what `virtflow setup` creates is what doctor checks, and --undo takes it away ----

if "$VIRTFLOW" setup --help >/dev/null 2>&1; then
    export VIRTFLOW_DEMO_ROOT=$tmp/demo-setup
    if "$VIRTFLOW" --demo setup >"$tmp/setup.out" 2>&1; then
        run_status "doctor after 'setup' on the demo" 0 "$VIRTFLOW" --demo doctor --json
        py "after setup: the hook and modules-load.d pass; no daemon matters to the test driver" "
assert c['hook']['status'] == 'pass', c['hook']
assert c['hook-daemon']['status'] == 'skip' and 'test driver' in c['hook-daemon']['detail'], \
    c['hook-daemon']
assert c['modules-load']['status'] == 'pass', c['modules-load']
assert d['failed'] == 0, [x for x in d['checks'] if x['status'] == 'fail']
"
        "$VIRTFLOW" --demo setup --undo >/dev/null 2>&1
        run_status "doctor after 'setup --undo': the hook is gone again" 1 \
            "$VIRTFLOW" --demo doctor --json
        py "after setup --undo: the hook fails, modules-load.d warns" "
assert c['hook']['status'] == 'fail', c['hook']
assert c['modules-load']['status'] == 'warn', c['modules-load']
"
    else
        not_ok "virtflow --demo setup (to check what it creates)" "$(cat "$tmp/setup.out")"
    fi
    export VIRTFLOW_DEMO_ROOT=$root
else
    echo "# setup is not in this build: skipping doctor after setup"
fi

# ---- the boot loader and Looking Glass: the demo never used Looking Glass ----

run_status "doctor --json on the demo set up" 0 "$VIRTFLOW" --demo doctor --json
py "Looking Glass checks skip on a host that does not use it; the boot loader is said" "
for id in ('lg-shm', 'lg-tmpfiles', 'lg-apparmor', 'lg-kvmfr', 'lg-client'):
    assert c[id]['status'] == 'skip', c[id]
assert 'Boot loader:' in c['boot-loader']['detail'], c['boot-loader']
assert d['failed'] == 0, [x for x in d['checks'] if x['status'] == 'fail']
"
run_status "setup --dry-run" 0 "$VIRTFLOW" --demo setup --dry-run
has "... shows the Looking Glass rule's step, and how to name the user" \
    "No desktop user is known .*virtflow setup --user NAME"
run_status "setup --user root: usage" 2 "$VIRTFLOW" --demo setup --dry-run --user root
if grep -Eq "is root: .*--user NAME" "$tmp/err"; then
    ok "... root is refused, with the way out"
else
    not_ok "... root is refused, with the way out" "stderr: $(cat "$tmp/err")"
fi
run_status "setup --user of no one: usage" 2 "$VIRTFLOW" --demo setup --dry-run --user nosuchuser
if grep -q "There is no user 'nosuchuser'" "$tmp/err"; then
    ok "... naming the user"
else
    not_ok "... naming the user" "stderr: $(cat "$tmp/err")"
fi

# ---- usage ----

run_status "two VM names: usage" 2 "$VIRTFLOW" --demo doctor a b
if grep -q "at most one VM" "$tmp/err"; then
    ok "... and the message says why"
else
    not_ok "... and the message says why" "stderr: $(cat "$tmp/err")"
fi
run_status "an unknown option: usage" 2 "$VIRTFLOW" --demo doctor --frobnicate

echo "1..$n"
[ "$failed" -eq 0 ]
