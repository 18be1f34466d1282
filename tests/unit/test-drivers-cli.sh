#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-drivers-cli.sh VIRTFLOW: what `virtflow gpu list` (text and --json), `gpu bind` and
# `doctor` say about the real drivers' traps (issue 12), on the demo's tree and on
# --host-root of it: nvidia-persistenced running (blocker nvidia-holder, bind refused
# before any write), a firmware framebuffer in the dGPU's BAR (boot-framebuffer), a GPU
# recorded as not back after its last VM (warning did-not-come-back), and each function's
# reset method. Nothing outside the temporary directory is touched. Output is TAP.

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-drivers-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/demo
export VIRTFLOW_DEMO_ROOT=$root
unset VIRTFLOW_HOST_ROOT
GPU=0000:01:00.0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

snapshot() { tree_snapshot "$root" var/lib/virtflow; }

# has NAME REGEX: a line of $tmp/out matches
has() {
    if grep -qE -- "$2" "$tmp/out"; then
        ok "$1"
    else
        not_ok "$1" "no line matches: $2" "$(head -c 3000 "$tmp/out")"
    fi
}

# py NAME SCRIPT: the script reads the JSON of $tmp/out as `d`, the dGPU as `g`
py() {
    local name=$1 script=$2 msg
    if msg=$("$PYTHON" - "$tmp/out" "$GPU" 2>&1 <<EOF
import json, sys
d = json.load(open(sys.argv[1]))
if 'gpus' in d:
    g = [x for x in d['gpus'] if x['address'] == sys.argv[2]][0]
if 'checks' in d:
    c = {x['id']: x for x in d['checks']}
$script
EOF
    ); then
        ok "$name"
    else
        not_ok "$name" "$msg"
    fi
}

run_status "the demo builds" 0 "$VIRTFLOW" --demo gpu list

# ---- resets: shown per function, in text and JSON ----
run_status "gpu list --host-root" 0 "$VIRTFLOW" --host-root "$root" gpu list
has "text: each function's reset method" "^ +reset: $GPU flr bus, 0000:01:00.1 flr bus\$"
run_status "gpu list --json" 0 "$VIRTFLOW" --host-root "$root" gpu list --json
py "json: reset_method per function, no warnings, still ready" "
assert [p['reset_method'] for p in g['passthrough']] == ['flr bus', 'flr bus'], g['passthrough']
assert g['warnings'] == [], g['warnings']
assert g['eligible'] is True
"

# ---- nvidia-persistenced running ----
mkdir -p "$root/proc/812"
echo nvidia-persiste >"$root/proc/812/comm"
run_status "gpu list with nvidia-persistenced" 0 "$VIRTFLOW" --host-root "$root" gpu list
has "text: the verdict names the blocker" "^$GPU .* blocked: nvidia-holder\$"
has "text: the reason" "\[nvidia-holder\] $GPU is on the nvidia driver and pid 812 \(nvidia-persistenced\) keeps it in use"
has "text: the fix" "^ +fix: systemctl stop nvidia-persistenced"
run_status "gpu list --json with nvidia-persistenced" 0 "$VIRTFLOW" --host-root "$root" gpu list --json
py "json: the blocker's code, message and fix" "
b = [x for x in g['blockers'] if x['code'] == 'nvidia-holder']
assert g['eligible'] is False
assert len(b) == 1 and 'block in the kernel for ever' in b[0]['message'], g['blockers']
assert 'systemctl stop nvidia-persistenced' in b[0]['fix']
"
before=$(snapshot)
run_status "gpu bind is refused (blocked)" 4 "$VIRTFLOW" --demo gpu bind "$GPU"
if grep -q "nvidia-holder" "$tmp/err" && [ "$before" = "$(snapshot)" ]; then
    ok "... with the reason, before any write: the tree is unchanged"
else
    not_ok "bind refused without a change" "$(cat "$tmp/err")"
fi
run_status "doctor" 1 "$VIRTFLOW" --host-root "$root" doctor --json
py "doctor: gpu-nvidia fails with the fix" "
x = c['gpu-nvidia:$GPU']
assert x['status'] == 'fail', x
assert 'nvidia-persistenced' in x['detail'] and '1374' in x['detail'], x
assert 'systemctl stop nvidia-persistenced' in x['fix'], x
"
rm -rf "$root/proc/812"
run_status "doctor, the daemon stopped" 1 "$VIRTFLOW" --host-root "$root" doctor --json
py "doctor: gpu-nvidia passes, gpu-reset lists every function's reset method" "
assert c['gpu-nvidia:$GPU']['status'] == 'pass', c['gpu-nvidia:$GPU']
assert 'Reset methods: $GPU flr bus, 0000:01:00.1 flr bus.' in c['gpu-reset:$GPU']['detail'], c['gpu-reset:$GPU']
"

# ---- a GPU that did not come back after its last VM ----
mkdir -p "$root/var/lib/virtflow/not-back"
printf '[not-back]\nproblem=%s has no driver (nvidia did not take it back)\ntime=2026-12-06T04:00:00Z\n' \
    "$GPU" >"$root/var/lib/virtflow/not-back/$GPU"
run_status "gpu list with a GPU that did not come back" 0 "$VIRTFLOW" --host-root "$root" gpu list
has "text: the warning" "^ +warning \[did-not-come-back\] $GPU did not come back to the host after its last VM \($GPU has no driver"
has "text: what to do" "^ +fix: Reboot the host"
run_status "gpu list --json" 0 "$VIRTFLOW" --host-root "$root" gpu list --json
py "json: the warning, still eligible (a warning, not a blocker)" "
assert [w['code'] for w in g['warnings']] == ['did-not-come-back'], g['warnings']
assert 'Reboot' in g['warnings'][0]['fix']
assert g['eligible'] is True
"
# (exit 1: the demo's tree has no hook set up; the GPU's own check only warns)
run_status "doctor" 1 "$VIRTFLOW" --host-root "$root" doctor --json
py "doctor: gpu-returned warns, gpu-blockers passes" "
assert c['gpu-returned:$GPU']['status'] == 'warn', c['gpu-returned:$GPU']
assert c['gpu-blockers:$GPU']['status'] == 'pass', c['gpu-blockers:$GPU']
"

# Activate and Start say it (the flows print it as a warning); the VM's stop returns the
# GPU, which comes back (driver and DRM device): the record is forgotten
VM='Windows 11'
run_status "activate with a GPU that did not come back" 0 "$VIRTFLOW" --demo activate "$VM"
if grep -q "warning: GPU $GPU did not come back to the host after its last VM" "$tmp/err"; then
    ok "activate warns that the GPU did not come back, with what to do"
else
    not_ok "activate's warning" "$(cat "$tmp/err")"
fi
run_status "start" 0 "$VIRTFLOW" --demo start "$VM"
if grep -q "warning: GPU $GPU did not come back" "$tmp/err"; then
    ok "start warns too"
else
    not_ok "start's warning" "$(cat "$tmp/err")"
fi
run_status "stop (the GPU returns to the host)" 0 "$VIRTFLOW" --demo stop "$VM"
run_status "deactivate" 0 "$VIRTFLOW" --demo deactivate "$VM"
if [ ! -e "$root/var/lib/virtflow/not-back/$GPU" ]; then
    ok "a restore that brought the GPU back forgets the record"
else
    not_ok "the record is forgotten" "$(cat "$root/var/lib/virtflow/not-back/$GPU")"
fi
run_status "gpu list --json after" 0 "$VIRTFLOW" --host-root "$root" gpu list --json
py "json: no warning any more" "
assert g['warnings'] == [], g['warnings']
"
rm -rf "$root/var/lib/virtflow/not-back"

# ---- the firmware's framebuffer in the dGPU's BAR 1 ----
printf '%s\n' "0x00000000d0000000 0x00000000d0ffffff 0x0000000000040200" \
    "0x00000000c0000000 0x00000000cfffffff 0x000000000014220c" \
    >"$root/sys/bus/pci/devices/$GPU/resource"
printf '%s\n' "00000000-00000fff : Reserved" "c0000000-d1ffffff : PCI Bus 0000:00" \
    "  c0000000-cfffffff : $GPU" "    c0000000-c07fffff : BOOTFB" >"$root/proc/iomem"
run_status "gpu list --json with BOOTFB in the BAR" 0 "$VIRTFLOW" --host-root "$root" gpu list --json
py "json: boot-framebuffer, with the command line fix" "
b = [x for x in g['blockers'] if x['code'] == 'boot-framebuffer']
assert len(b) == 1 and 'BAR 1 of $GPU' in b[0]['message'], g['blockers']
assert 'initcall_blacklist=sysfb_init' in b[0]['fix']
"

echo "1..$n"
[ "$failed" -eq 0 ]
