#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-cli-flows.sh VIRTFLOW: the README's demo walk through the VM commands
#
#   list → activate --dry-run → activate → start → stop → deactivate
#
# with `--demo` on a temporary VIRTFLOW_DEMO_ROOT (the kernel model's desktop and
# libvirt's test driver, whose domains the demo saves under ROOT/libvirt): each command
# exits 0, `list --json` shows the expected state after each, deactivate gives back the
# domain byte for byte and the host as it was. Also: the JSON keys of the dry run, exit 3
# for an unknown VM, plain lines (no terminal control) when stdout is not a terminal.
# Nothing outside the temporary directory is touched. Output is TAP.

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-cli-flows-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/demo
export VIRTFLOW_DEMO_ROOT=$root
unset VIRTFLOW_HOST_ROOT
VM='Windows 11'
GPU=0000:01:00.0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

demo() {
    "$VIRTFLOW" --demo "$@"
}

# The host tree as a user could inspect it, without VirtFlow's state and the demo's libvirt
# files: every path, link target and file content.
snapshot() { tree_snapshot "$root" var/lib/virtflow libvirt; }

# The saved domain of the demo (one file under ROOT/libvirt/domains)
domain_file() {
    local files=("$root"/libvirt/domains/*.xml)
    if [ "${#files[@]}" -ne 1 ]; then
        echo "expected one saved domain, found: ${files[*]}" >&2
        return 1
    fi
    cat "${files[0]}"
}

# run NAME CMD...: exit 0, stdout in $tmp/out, stderr in $tmp/err
run_ok() {
    local name=$1 status
    shift
    "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ "$status" -ne 0 ]; then
        not_ok "$name: exit 0" "got exit $status" "stdout: $(cat "$tmp/out")" \
            "stderr: $(cat "$tmp/err")"
        return 1
    fi
    ok "$name: exit 0"
}

# py NAME SCRIPT: the script reads the JSON of $tmp/out as `d` and raises (assert) when
# something is wrong
py() {
    local name=$1 script=$2 msg
    if msg=$("$PYTHON" - "$tmp/out" 2>&1 <<EOF
import json, sys
d = json.load(open(sys.argv[1]))
$script
EOF
    ); then
        ok "$name"
    else
        not_ok "$name" "$msg" "json: $(head -c 2000 "$tmp/out")"
    fi
}

# list_is NAME STATE PASSTHROUGH GPU: `list --json` shows the VM so
list_is() {
    local name=$1 state=$2 pass=$3 gpu=$4
    run_ok "list --json after $name" demo list --json || return
    py "list after $name: '$VM' $state, passthrough $pass, gpu $gpu" "
vm = [x for x in d['domains'] if x['name'] == '$VM']
assert len(vm) == 1, d['domains']
vm = vm[0]
assert vm['state'] == '$state', vm
assert vm['passthrough'] is $pass, vm
assert vm['gpu'] == $gpu, vm
"
}

# plain NAME: the human output of a flow is plain lines, one per finished step
plain() {
    local name=$1
    if LC_ALL=C grep -q $'[\r\033]' "$tmp/out"; then
        not_ok "$name: plain lines when stdout is not a terminal" "$(cat -v "$tmp/out")"
    elif ! grep -Eq '^(done|skipped): ' "$tmp/out" || grep -q '✓' "$tmp/out"; then
        not_ok "$name: one 'done: TITLE: DETAIL' line per step" "$(cat "$tmp/out")"
    else
        ok "$name: plain lines when stdout is not a terminal"
    fi
}

# ---- the machine before ----

if run_ok "list --json (the demo is built on first use)" demo list --json; then
    py "list --json keys: uri, domains[].name/uuid/state/passthrough/gpu" "
assert d['uri'].startswith('test:///') and d['uri'].endswith('/libvirt/node.xml'), d['uri']
assert '$root' in d['uri'], d['uri']
assert isinstance(d['domains'], list) and len(d['domains']) == 1, d
for x in d['domains']:
    for k in ('name', 'uuid', 'state', 'passthrough', 'gpu'):
        assert k in x, (k, x)
vm = d['domains'][0]
assert vm['name'] == '$VM' and vm['state'] == 'shut off', vm
assert vm['passthrough'] is False and vm['gpu'] is None, vm
assert vm['view'] is None and vm['input'] == [], vm
assert len(vm['uuid']) == 36, vm
"
fi
host0=$(snapshot)

# The demo writes its domains back after each command that may change them; the first
# one, before any, is the demo's seed file. `stop` of a VM that is off changes nothing and
# saves the domain as libvirt formats it: the reference for the round trip.
seed=$(domain_file)
run_ok "stop '$VM' while it is off (saves the demo's domain)" demo stop "$VM"
dom0=$(domain_file)
if [ "$seed" != "$dom0" ]; then
    echo "# note: the demo's seed file and libvirt's dumpxml of it differ (formatting):"
    diff <(echo "$seed") <(echo "$dom0") | head -8 | sed 's/^/#   /'
fi

# ---- dry run ----

if run_ok "activate --dry-run --json" demo activate "$VM" --dry-run --json; then
    py "dry run: vm, gpu, devices, steps[].id/title, sysfs_writes[].path/value, domain_xml" "
for k in ('vm', 'gpu', 'devices', 'steps', 'sysfs_writes', 'domain_xml'):
    assert k in d, k
assert d['vm'] == '$VM' and d['gpu'] == '$GPU', d
assert d['devices'] == ['$GPU', '0000:01:00.1'], d['devices']
ids = [s['id'] for s in d['steps']]
assert ids == ['check-host', 'check-guest', 'stop-vm', 'bind-gpu', 'rewrite-vm', 'define-vm'], ids
assert all(s['title'] for s in d['steps']), d['steps']
w = [(x['path'], x['value']) for x in d['sysfs_writes']]
dev = '/sys/bus/pci/devices/'
assert w == [(dev + '$GPU/driver_override', 'vfio-pci'),
             (dev + '0000:01:00.1/driver_override', 'vfio-pci'),
             (dev + '$GPU/driver/unbind', '$GPU'),
             (dev + '0000:01:00.1/driver/unbind', '0000:01:00.1'),
             ('/sys/bus/pci/drivers_probe', '$GPU'),
             ('/sys/bus/pci/drivers_probe', '0000:01:00.1')], w
import xml.etree.ElementTree as ET
devs = ET.fromstring(d['domain_xml']).find('devices')
assert len(devs.findall('hostdev')) == 2, d['domain_xml']
assert not devs.findall('graphics') and not devs.findall('sound'), d['domain_xml']
"
    if command -v virt-xml-validate >/dev/null 2>&1; then
        "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["domain_xml"])' \
            "$tmp/out" >"$tmp/plan.xml"
        if virt-xml-validate "$tmp/plan.xml" domain >"$tmp/validate" 2>&1; then
            ok "dry run: virt-xml-validate accepts the domain_xml"
        else
            not_ok "dry run: virt-xml-validate accepts the domain_xml" "$(cat "$tmp/validate")"
        fi
    fi
fi
if [ "$(domain_file)" = "$dom0" ] && [ "$(snapshot)" = "$host0" ]; then
    ok "dry run: nothing changed (domain file, host tree)"
else
    not_ok "dry run: nothing changed (domain file, host tree)"
fi

# ---- the walk ----

if run_ok "activate '$VM' --yes" demo activate "$VM" --yes; then
    plain "activate"
    if grep -q "^done: Save the VM definition" "$tmp/out" &&
        grep -q "warning: .*is off" "$tmp/err"; then
        ok "activate: the steps, and a warning that the guest was not checked"
    else
        not_ok "activate: the steps, and a warning that the guest was not checked" \
            "stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
    fi
fi
list_is "activate" "shut off" True "'$GPU'"
domain_file >"$tmp/out.xml"
if "$PYTHON" - "$tmp/out.xml" <<'EOF'; then
import sys, xml.etree.ElementTree as ET
devs = ET.parse(sys.argv[1]).getroot().find('devices')
sys.exit(0 if len(devs.findall('hostdev')) == 2 and not devs.findall('graphics') else 1)
EOF
    ok "activate: the saved domain has the two hostdevs and no graphics"
else
    not_ok "activate: the saved domain has the two hostdevs and no graphics" "$(cat "$tmp/out.xml")"
fi

run_ok "start '$VM'" demo start "$VM" && plain "start"
list_is "start" "running" True "'$GPU'"

run_ok "stop '$VM'" demo stop "$VM" && plain "stop"
list_is "stop" "shut off" True "'$GPU'"
if [ "$(snapshot)" = "$host0" ]; then
    ok "stop: the GPU is back on the host (host tree as before)"
else
    not_ok "stop: the GPU is back on the host (host tree as before)" \
        "$(diff <(echo "$host0") <(snapshot) | head -10)"
fi

run_ok "deactivate '$VM'" demo deactivate "$VM" && plain "deactivate"
list_is "deactivate" "shut off" False None
dom1=$(domain_file)
if [ "$dom1" = "$dom0" ]; then
    ok "deactivate: the saved domain is byte for byte the one before activation"
else
    not_ok "deactivate: the saved domain is byte for byte the one before activation" \
        "$(diff <(echo "$dom0") <(echo "$dom1") | head -20)"
fi
if [ "$(snapshot)" = "$host0" ]; then
    ok "deactivate: the host tree is as before"
else
    not_ok "deactivate: the host tree is as before" "$(diff <(echo "$host0") <(snapshot) | head -10)"
fi

# ---- the same with --json: every step's state ----

if run_ok "activate --yes --json" demo activate "$VM" --yes --json; then
    py "activate --json: ok, steps[].id/title/state/detail" "
assert d['ok'] is True, d
st = [(s['id'], s['state']) for s in d['steps']]
assert st == [('check-host', 'done'), ('check-guest', 'skipped'), ('stop-vm', 'skipped'),
              ('bind-gpu', 'done'), ('rewrite-vm', 'done'), ('define-vm', 'done')], st
assert all('title' in s and 'detail' in s for s in d['steps']), d['steps']
assert d['warnings'], d
"
fi
if run_ok "deactivate --json" demo deactivate "$VM" --json; then
    py "deactivate --json: ok, every step done or skipped" "
assert d['ok'] is True, d
assert [s['id'] for s in d['steps']] == ['stop-vm', 'rewrite-vm', 'define-vm', 'restore-gpu'], d
assert all(s['state'] in ('done', 'skipped') for s in d['steps']), d['steps']
"
fi
if [ "$(domain_file)" = "$dom0" ]; then
    ok "second round trip: the saved domain is as before"
else
    not_ok "second round trip: the saved domain is as before" \
        "$(diff <(echo "$dom0") <(domain_file) | head -20)"
fi

# ---- errors ----

for cmd in activate deactivate start stop; do
    args=("$cmd" 'No Such VM')
    [ "$cmd" = activate ] && args+=(--yes)
    demo "${args[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ "$status" -eq 3 ] && grep -q "No Such VM" "$tmp/err"; then
        ok "$cmd of an unknown VM: exit 3, the message names it"
    else
        not_ok "$cmd of an unknown VM: exit 3, the message names it" "got exit $status" \
            "stderr: $(cat "$tmp/err")"
    fi
done
demo activate 'No Such VM' --dry-run --json >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
if [ "$status" -eq 3 ]; then
    py "activate --dry-run --json of an unknown VM: exit 3, error.code not-found" "
assert d['error']['code'] == 'not-found', d
assert 'No Such VM' in d['error']['message'], d
"
else
    not_ok "activate --dry-run --json of an unknown VM: exit 3" "got exit $status"
fi
# --host-root is for reading: a flow through it is refused before any step, exit 5
cp "$root/libvirt/node.xml" "$tmp/node.xml"
for cmd in activate deactivate start stop; do
    args=("$cmd" 'Windows 11')
    [ "$cmd" = activate ] && args+=(--yes)
    "$VIRTFLOW" --host-root "$root" --connect "test://$tmp/node.xml" "${args[@]}" \
        >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ "$status" -eq 5 ] && grep -q -- "--host-root" "$tmp/err" && [ ! -s "$tmp/out" ]; then
        ok "$cmd through --host-root: exit 5 before any step, the message says why"
    else
        not_ok "$cmd through --host-root: exit 5 before any step" "got exit $status" \
            "stdout: $(cat "$tmp/out")" "stderr: $(cat "$tmp/err")"
    fi
done
if [ "$(domain_file)" = "$dom0" ] && [ "$(snapshot)" = "$host0" ]; then
    ok "errors: nothing changed"
else
    not_ok "errors: nothing changed"
fi

# ---- how the VM is used: --view, --input, --grab-toggle, --lg-resolution (issue 11) ----

KBD=/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd
MOUSE=/dev/input/by-id/usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-event-mouse
TOGGLE="Press both Ctrl keys to switch the keyboard and mouse between host and VM."
# a keyboard unplugged long ago: udev's by-id link is left pointing to nothing
ln -s ../event42 "$root/dev/input/by-id/usb-Gone_Keyboard-event-kbd"
host1=$(snapshot)

if run_ok "activate --dry-run --json (defaults: monitor, --input auto)" \
    demo activate "$VM" --dry-run --json; then
    py "dry run: profile (monitor, the keyboard and mouse in use, ctrl-ctrl) and notes" "
for k in ('vm', 'gpu', 'devices', 'steps', 'sysfs_writes', 'domain_xml', 'warnings'):
    assert k in d, k
p = d['profile']
assert p['view'] == 'monitor' and p['lg_width'] is None and p['lg_size_mib'] is None, p
assert [(i['kind'], i['path']) for i in p['input']] == [('keyboard', '$KBD'), ('mouse', '$MOUSE')], p
assert p['grab_toggle'] == 'ctrl-ctrl' and p['usb_controller'] is None, p
n = d['notes']
assert \"The VM's screen is the monitor on the GPU's outputs (HDMI-A-2, DP-2).\" in n, n
assert any(x.startswith('Sound comes out of that monitor') for x in n), n
assert '$TOGGLE' in n, n
"
fi
if run_ok "activate --dry-run --json --view looking-glass --grab-toggle scrolllock" \
    demo activate "$VM" --dry-run --json --view looking-glass --grab-toggle scrolllock; then
    py "dry run, looking-glass: sized for the host's largest screen (2560x1440: 64 MiB)" "
p = d['profile']
assert p['view'] == 'looking-glass', p
assert (p['lg_width'], p['lg_height'], p['lg_size_mib']) == (2560, 1440, 64), p
assert p['grab_toggle'] == 'scrolllock', p
assert any('looking-glass-client' in x for x in d['notes']), d['notes']
assert 'Press Scroll Lock to switch the keyboard and mouse between host and VM.' in d['notes'], d['notes']
assert \"<shmem name=\" in d['domain_xml'], d['domain_xml']
"
fi
if run_ok "activate --dry-run (text) --view looking-glass --lg-resolution 3840x2160 --input none" \
    demo activate "$VM" --dry-run --view looking-glass --lg-resolution 3840x2160 --input none; then
    if grep -q "^View: looking-glass (3840x2160, 128 MiB of shared memory)" "$tmp/out" &&
        grep -q "^Input: none" "$tmp/out" && grep -q "^Using the VM:" "$tmp/out"; then
        ok "dry run (text): the view, the input and the notes"
    else
        not_ok "dry run (text): the view, the input and the notes" "$(head -30 "$tmp/out")"
    fi
fi

# bad_input NAME EXIT NEEDLE ARGS...: refused with EXIT, stderr names NEEDLE, nothing changed
bad_input() {
    local name=$1 want=$2 needle=$3 status
    shift 3
    demo activate "$VM" --yes "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    status=$?
    if [ "$status" -eq "$want" ] && grep -qF -- "$needle" "$tmp/err" &&
        [ "$(domain_file)" = "$dom0" ] && [ "$(snapshot)" = "$host1" ]; then
        ok "$name: exit $want, names '$needle', nothing changed"
    else
        not_ok "$name: exit $want, names '$needle', nothing changed" "got exit $status" \
            "stderr: $(cat "$tmp/err")" "$(diff <(echo "$host1") <(snapshot) | head -5)"
    fi
}
bad_input "--input a by-id link to nothing" 2 usb-Gone_Keyboard-event-kbd \
    --input /dev/input/by-id/usb-Gone_Keyboard-event-kbd
bad_input "--input a path that is no device" 2 /dev/input/by-id/usb-Nothing-event-kbd \
    --input /dev/input/by-id/usb-Nothing-event-kbd
bad_input "--input a path that is not an evdev device" 2 "'/dev/input/by-id'" \
    --input /dev/input/by-id
bad_input "--input not a path" 2 "keyboard" --input keyboard
bad_input "--view looking-glass with the same --input twice" 2 "$KBD" \
    --view looking-glass --input "$KBD" --input "$KBD"
bad_input "--input auto with a device" 2 "--input auto" --input auto --input "$KBD"
bad_input "--lg-resolution 0x0" 2 0x0 --view looking-glass --lg-resolution 0x0
bad_input "--lg-resolution 99999x99999" 2 99999x99999 --view looking-glass \
    --lg-resolution 99999x99999
bad_input "--lg-resolution without looking-glass" 2 "--lg-resolution" --lg-resolution 1920x1080
bad_input "--view unknown" 2 "spice" --view spice
bad_input "--grab-toggle unknown" 2 "f12" --grab-toggle f12
bad_input "--input usb-controller: a malformed address" 2 "usb-controller:zz" \
    --input usb-controller:zz
# the demo's keyboard and mouse are plugged into the chipset's USB controller
bad_input "--input usb-controller: the keyboard in use sits behind it" 4 "Logitech" \
    --input usb-controller:0000:0b:00.0

# activate with Looking Glass and the keyboard only; start tells the toggle; a keyboard
# unplugged before the next start is refused, naming it; deactivate gives back the domain
if run_ok "activate --view looking-glass --input KBD --yes" \
    demo activate "$VM" --yes --view looking-glass --input "$KBD"; then
    if grep -q "^Using the VM:" "$tmp/out" && grep -q "looking-glass-client" "$tmp/out" &&
        grep -qF "$TOGGLE" "$tmp/out"; then
        ok "activate: the notes after the steps (the window, the toggle key)"
    else
        not_ok "activate: the notes after the steps" "$(cat "$tmp/out")"
    fi
fi
if run_ok "start '$VM' (looking-glass, keyboard)" demo start "$VM"; then
    if grep -qF "$TOGGLE" "$tmp/out"; then
        ok "start: tells the toggle key"
    else
        not_ok "start: tells the toggle key" "$(cat "$tmp/out")"
    fi
fi
if run_ok "list --json after activate with looking-glass" demo list --json; then
    py "list --json: the activated VM's view and input" "
vm = [x for x in d['domains'] if x['name'] == '$VM'][0]
assert vm['view'] == 'looking-glass' and vm['input'] == ['$KBD'], vm
"
fi
run_ok "stop '$VM'" demo stop "$VM"
mv "$root/dev/input/event4" "$tmp/event4"
host2=$(snapshot)
dom2=$(domain_file)
demo start "$VM" >"$tmp/out" 2>"$tmp/err" </dev/null
status=$?
if [ "$status" -eq 3 ] && grep -qF "$KBD" "$tmp/err" && grep -q -- "--input" "$tmp/err" &&
    [ "$(snapshot)" = "$host2" ] && [ "$(domain_file)" = "$dom2" ]; then
    ok "start with the keyboard unplugged: exit 3, names it and the fix, nothing changed"
else
    not_ok "start with the keyboard unplugged: exit 3, names it and the fix, nothing changed" \
        "got exit $status" "stderr: $(cat "$tmp/err")"
fi
list_is "the refused start" "shut off" True "'$GPU'"
demo start "$VM" --json >"$tmp/out" 2>"$tmp/err" </dev/null
py "start --json with the keyboard unplugged: error.code not-found, check-host failed" "
assert d['ok'] is False and d['error']['code'] == 'not-found', d
assert d['steps'][0]['id'] == 'check-host' and d['steps'][0]['state'] == 'failed', d['steps']
"
mv "$tmp/event4" "$root/dev/input/event4"
run_ok "deactivate '$VM' (looking-glass)" demo deactivate "$VM"
if [ "$(domain_file)" = "$dom0" ] && [ "$(snapshot)" = "$host1" ]; then
    ok "deactivate after looking-glass + evdev: the domain and the host as before"
else
    not_ok "deactivate after looking-glass + evdev: the domain and the host as before" \
        "$(diff <(echo "$dom0") <(domain_file) | head -20)"
fi


# --input usb-controller:BDF once nothing of the user's is behind it (the by-id links gone):
# activate binds the GPU and the controller, the domain passes it through, stop returns
# both, deactivate gives back the domain and the host
USB=0000:0b:00.0
usb_driver() { local l; l=$(readlink "$root/sys/bus/pci/devices/$USB/driver") && echo "${l##*/}"; }
# check_status $? DESCRIPTION: ok when the test just before succeeded
check_status() { if [ "$1" -eq 0 ]; then ok "$2"; else not_ok "$2"; fi; }
mv "$root/dev/input/by-id" "$tmp/by-id"
host3=$(snapshot)
if run_ok "activate --input usb-controller:0b:00.0 --yes" \
    demo activate "$VM" --yes --input usb-controller:0b:00.0; then
    if [ "$(usb_driver)" = vfio-pci ] && domain_file | grep -q "bus=.0x0b. slot=.0x00. function=.0x0." &&
        domain_file | grep -q "usb-controller=.$USB."; then
        ok "activate with a USB controller: it is on vfio-pci and in the domain"
    else
        not_ok "activate with a USB controller: it is on vfio-pci and in the domain" \
            "driver $(usb_driver)" "$(cat "$tmp/out")"
    fi
fi
run_ok "start '$VM' (USB controller)" demo start "$VM"
[ "$(usb_driver)" = vfio-pci ]
check_status $? "start: the USB controller is on vfio-pci ($(usb_driver))"
run_ok "stop '$VM' (USB controller)" demo stop "$VM"
[ "$(usb_driver)" = xhci_hcd ]
check_status $? "stop: the USB controller is back on xhci_hcd ($(usb_driver))"
run_ok "deactivate '$VM' (USB controller)" demo deactivate "$VM"
if [ "$(domain_file)" = "$dom0" ] && [ "$(snapshot)" = "$host3" ]; then
    ok "deactivate after a USB controller: the domain and the host as before"
else
    not_ok "deactivate after a USB controller: the domain and the host as before" \
        "$(diff <(echo "$host3") <(snapshot) | head -20)"
fi
mv "$tmp/by-id" "$root/dev/input/by-id"

echo "1..$n"
[ "$failed" -eq 0 ]
