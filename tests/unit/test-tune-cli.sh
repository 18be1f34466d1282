#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-tune-cli.sh VIRTFLOW: `virtflow tune VM` as a user runs it
#
# On the demo (VIRTFLOW_DEMO_ROOT in a temporary directory: a 16-core two-CCD CPU with SMT,
# libvirt's test driver): the dry run's plan and JSON contract, the domain XML valid for
# libvirt's schema, apply then --undo giving the VM back exactly, tune and activate in both
# orders, and every refusal (--cores 0, more cores than the host, a huge page size the
# host lacks, a malformed or unknown VM, a <cputune> of the VM's own) with its exit status
# and the VM unchanged. Output is TAP.

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

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-tune-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/demo
export VIRTFLOW_DEMO_ROOT=$root
unset VIRTFLOW_HOST_ROOT
VM='Windows 11'

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

demo() {
    "$VIRTFLOW" --demo "$@"
}

# py NAME SCRIPT: the script reads the JSON of $tmp/out as `d`
py() {
    local name=$1 script=$2 msg
    if msg=$("$PYTHON" - "$tmp/out" 2>&1 <<PYEOF
import json, sys
d = json.load(open(sys.argv[1]))
$script
PYEOF
    ); then
        ok "$name"
    else
        not_ok "$name" "$msg"
    fi
}

grep_ok() {
    local name=$1 pattern=$2 file=$3
    if grep -q -- "$pattern" "$file"; then
        ok "$name"
    else
        not_ok "$name" "'$pattern' not in:" "$(cat "$file")"
    fi
}

# The VM's definition as the demo saves it after each command (libvirt's inactive XML),
# canonical (layout dropped)
vm_state() {
    "$PYTHON" - "$root/libvirt/domains/6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
for d in t.iter('domain'):
    if d.findtext('name') == 'Windows 11':
        for e in d.iter():
            if e.text is not None and not e.text.strip():
                e.text = None
            if e.tail is not None and not e.tail.strip():
                e.tail = None
        print(ET.canonicalize(ET.tostring(d)))
PYEOF
}

# ---- the plan ----
# the first command builds the demo and saves its VMs as libvirt prints them
run_status "tune --undo on a VM never tuned" 0 demo tune "$VM" --undo
grep_ok "nothing to undo" "not tuned: nothing to undo" "$tmp/out"
run_status "tune --dry-run" 0 demo tune "$VM" --dry-run
grep_ok "the plan in one sentence" "gets 4 whole cores × 2 threads (CPUs 8-11,24-27)" "$tmp/out"
grep_ok "the dry run says nothing changed" "was not changed" "$tmp/out"
before=$(vm_state)
if [ -n "$before" ]; then ok "the demo saves the VM"; else not_ok "the demo saves the VM"; fi

run_status "tune --dry-run --json" 0 demo tune "$VM" --dry-run --json
py "the JSON plan" '
assert d["vm"] == "Windows 11", d["vm"]
assert d["host_cpus"] == "0-7,12-23,28-31", d["host_cpus"]
assert d["vm_cpus"] == "8-11,24-27", d["vm_cpus"]
assert [p["cpuset"] for p in d["vcpupin"]] == ["8", "24", "9", "25", "10", "26", "11", "27"]
assert [p["vcpu"] for p in d["vcpupin"]] == list(range(8))
assert d["emulatorpin"] == d["host_cpus"]
assert d["hugepages"] == {"size_kib": 2048, "count": 8192}, d["hugepages"]
assert "<cputune>" in d["domain_xml"] and "vftune:tune" in d["domain_xml"]
open(sys.argv[1] + ".xml", "w").write(d["domain_xml"])
'
if command -v virt-xml-validate >/dev/null 2>&1; then
    if virt-xml-validate "$tmp/out.xml" domain >"$tmp/validate" 2>&1; then
        ok "virt-xml-validate accepts the domain_xml"
    else
        not_ok "virt-xml-validate accepts the domain_xml" "$(cat "$tmp/validate")"
    fi
else
    ok "# SKIP virt-xml-validate not found (Debian package libvirt-clients)"
fi
if [ "$(vm_state)" = "$before" ]; then ok "a dry run changes nothing"; else not_ok "a dry run changes nothing"; fi

# ---- refusals: exit status, the message, the VM unchanged ----
refused() {
    local name=$1 want=$2 pattern=$3
    shift 3
    run_status "$name" "$want" demo tune "$@" && grep_ok "$name: says why" "$pattern" "$tmp/err"
    if [ "$(vm_state)" = "$before" ]; then ok "$name: VM unchanged"; else not_ok "$name: VM unchanged"; fi
}
refused "--cores 0" 2 "a VM needs at least one core" "$VM" --cores 0
refused "--cores 16" 2 "at most 15" "$VM" --cores 16
refused "--cores 99" 2 "Cannot give VM 'Windows 11' 99 cores" "$VM" --cores 99
refused "--hugepages 3M" 2 "use auto, 2M, 1G or off" "$VM" --hugepages 3M
refused "a malformed VM name" 2 "not a VM name" "$(printf 'Win\ndows')"
refused "an unknown VM" 3 "No VM named 'Nope'" Nope
refused "--undo with --cores" 2 "takes no other" "$VM" --undo --cores 2

# ---- apply, then undo ----
run_status "tune --cores 6 --isolate" 0 demo tune "$VM" --cores 6 --isolate
grep_ok "tune says how to undo" "tune 'Windows 11' --undo" "$tmp/out"
tuned=$(vm_state)
case $tuned in
*':tune '*'cpuset="8"'*) ok "the VM's definition is tuned" ;;
*) not_ok "the VM's definition is tuned" "$tuned" ;;
esac
run_status "tune again (same plan)" 0 demo tune "$VM" --cores 6 --isolate
grep_ok "the same plan changes nothing" "already tuned this way: nothing changes" "$tmp/out"
run_status "tune again without --isolate keeps it" 0 demo tune "$VM" --cores 6 --dry-run --json
py "isolation kept" 'assert d["isolate"] is True and d["changed"] is False, d'
run_status "tune --no-isolate" 0 demo tune "$VM" --cores 6 --no-isolate --dry-run --json
py "isolation off" 'assert d["isolate"] is False and d["changed"] is True, d'
run_status "tune --undo" 0 demo tune "$VM" --undo
if [ "$(vm_state)" = "$before" ]; then ok "undo gives the VM back exactly"; else
    not_ok "undo gives the VM back exactly" "before: $before" "after: $(vm_state)"; fi
run_status "tune --undo again" 0 demo tune "$VM" --undo
grep_ok "nothing to undo" "not tuned: nothing to undo" "$tmp/out"

# ---- with activate, both orders ----
run_status "tune, then activate" 0 demo tune "$VM"
run_status "activate a tuned VM" 0 demo activate "$VM"
run_status "tune --undo on an activated VM" 0 demo tune "$VM" --undo
run_status "deactivate" 0 demo deactivate "$VM"
if [ "$(vm_state)" = "$before" ]; then ok "tune, activate, undo, deactivate: the VM as it was"; else
    not_ok "tune, activate, undo, deactivate: the VM as it was" "$(vm_state)"; fi
run_status "activate" 0 demo activate "$VM"
run_status "tune an activated VM" 0 demo tune "$VM" --json
py "the plan uses the GPU's node" 'assert "the GPU" in d["summary"], d["summary"]'
run_status "tune --hugepages off --dry-run --json" 0 demo tune "$VM" --hugepages off --dry-run --json
py "no huge pages: size_kib 0" 'assert d["hugepages"] == {"size_kib": 0, "count": 0}, d["hugepages"]; assert "memoryBacking" not in d["domain_xml"].split("</metadata>")[1]'
run_status "deactivate a tuned VM" 0 demo deactivate "$VM"
run_status "undo after deactivate" 0 demo tune "$VM" --undo
if [ "$(vm_state)" = "$before" ]; then ok "activate, tune, deactivate, undo: the VM as it was"; else
    not_ok "activate, tune, deactivate, undo: the VM as it was" "$(vm_state)"; fi

# ---- a running VM: defined now, applied at its next start ----
run_status "start" 0 demo start "$VM"
run_status "tune a running VM" 0 demo tune "$VM"
grep_ok "tune says when it applies" "is running: the new definition applies at its next start" "$tmp/out"
run_status "tune --undo a running VM" 0 demo tune "$VM" --undo
run_status "stop" 0 demo stop "$VM"
if [ "$(vm_state)" = "$before" ]; then ok "tune and undo while running: the VM as it was"; else
    not_ok "tune and undo while running: the VM as it was" "$(vm_state)"; fi

# ---- a VM with a <cputune> of its own (a test driver of our own, the demo's host tree) ----
demo list >/dev/null 2>&1 # node.xml: the demo's VMs as they are now
"$PYTHON" - "$root/libvirt/node.xml" "$tmp/own.xml" <<'PYEOF'
import sys, re
s = open(sys.argv[1]).read()
# the domain's own <vcpu> (indented 2: a child of <domain>), not one in a record
s, n = re.subn(r"(\n  <vcpu[^>]*>\d+</vcpu>)", r"\1\n  <cputune><vcpupin vcpu='0' cpuset='3'/></cputune>", s, count=1)
assert n == 1, s
open(sys.argv[2], "w").write(s)
PYEOF
own() {
    "$VIRTFLOW" --connect "test://$tmp/own.xml" --host-root "$root" "$@"
}
run_status "a <cputune> of its own is refused" 2 own tune "$VM" --dry-run
grep_ok "the refusal names <cputune> and --replace" "<cputune>.*--replace" "$tmp/err"
run_status "--replace takes it over" 0 own tune "$VM" --replace --dry-run --json
py "--replace records the original" '
x = d["domain_xml"]
assert "<vftune:original element=\"cputune\">" in x, x
assert "cpuset=\"3\"" in x and "cpuset=\"8\"" in x
'

# ---- doctor: a tuned VM on a host that changed ----
doctor_check() {
    local name=$1 id=$2 status=$3 pattern=$4
    "$PYTHON" - "$tmp/out" "$id" "$status" "$pattern" >"$tmp/py" 2>&1 <<'PYEOF2'
import json, sys
d = json.load(open(sys.argv[1]))
c = {x['id']: x for x in d['checks']}
x = c[sys.argv[2]]
assert x['status'] == sys.argv[3], x
assert sys.argv[4] in x['detail'] + (x.get('fix') or ''), x
PYEOF2
    if [ $? -eq 0 ]; then ok "$name"; else not_ok "$name" "$(cat "$tmp/py")"; fi
}
run_status "tune with 1 GiB pages" 0 demo tune "$VM" --hugepages 1G
demo doctor "$VM" --json >"$tmp/out" 2>"$tmp/err"
doctor_check "doctor: the pins fit" vm-tune pass "pinned to CPUs 8-11,24-27 (whole cores"
doctor_check "doctor: the huge pages exist" vm-tune-hugepages pass "16 huge pages of 1048576 KiB"
# CPU 24 goes offline (as `echo 0 > .../cpu24/online` does), the 1 GiB pool goes away
echo 0 >"$root/sys/devices/system/cpu/cpu24/online"
rm -rf "$root/sys/devices/system/cpu/cpu24/topology" "$root/sys/devices/system/cpu/cpu24/cache"
echo 0-23,25-31 >"$root/sys/devices/system/cpu/online"
echo 8 >"$root/sys/devices/system/cpu/cpu8/topology/core_cpus_list"
echo 8 >"$root/sys/devices/system/cpu/cpu8/topology/thread_siblings_list"
rm -rf "$root/sys/kernel/mm/hugepages/hugepages-1048576kB"
demo doctor "$VM" --json >"$tmp/out" 2>"$tmp/err"
doctor_check "doctor: a pinned CPU offline fails" vm-tune fail "CPU 24 (the VM's) is not online"
doctor_check "doctor: says to tune again" vm-tune fail "virtflow tune 'Windows 11'"
doctor_check "doctor: a missing page size fails" vm-tune-hugepages fail \
    "no huge pages of that size (/sys/kernel/mm/hugepages/hugepages-1048576kB is missing)"
# a damaged record
demo list >/dev/null 2>&1
"$PYTHON" - "$root/libvirt/node.xml" "$tmp/damaged.xml" <<'PYEOF2'
import sys, re
s = open(sys.argv[1]).read()
s, n = re.subn(r'vm-cpus="[^"]*"', 'vm-cpus="8-x"', s, count=1)
assert n == 1, s
open(sys.argv[2], "w").write(s)
PYEOF2
"$VIRTFLOW" --connect "test://$tmp/damaged.xml" --host-root "$root" doctor "$VM" --json \
    >"$tmp/out" 2>"$tmp/err"
doctor_check "doctor: a damaged record fails" vm-tune fail "damaged tune record: vm-cpus"
run_status "undo refuses a damaged record" 2 "$VIRTFLOW" --connect "test://$tmp/damaged.xml" \
    --host-root "$root" tune "$VM" --undo
grep_ok "undo says what is damaged" "damaged tune record" "$tmp/err"

echo "1..$n"
[ "$failed" -eq 0 ]
