#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-cli.sh VIRTFLOW: the command line against a model tree made by `virtflow --demo`
#
# Exit statuses (src/cli/vf-cli.h), messages that name what is wrong, JSON keys of the
# `gpu list --json` contract, the dry run, and a bind/restore round trip. Every command
# runs with --demo (VIRTFLOW_DEMO_ROOT in a temporary directory) or --host-root of that
# tree: nothing outside the temporary directory is touched. Output is TAP.

set -u

VIRTFLOW=${1:-${VIRTFLOW:-}}
if [ -z "$VIRTFLOW" ] || [ ! -x "$VIRTFLOW" ]; then
    echo "1..0 # SKIP usage: $0 PATH/TO/virtflow"
    exit 0
fi
PYTHON=$(command -v python3 || true)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-cli-test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/host
export VIRTFLOW_DEMO_ROOT=$root
unset VIRTFLOW_HOST_ROOT

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# The tree as a user could inspect it: every path, link target and file content, without
# VirtFlow's own state (journal, records, lock).
snapshot() { tree_snapshot "$root" var/lib/virtflow; }

# run NAME EXPECTED_STATUS NEEDLE CMD...: the exit status, a message on stderr that names
# NEEDLE, and the tree unchanged.
run_refused() {
    local name=$1 want=$2 needle=$3
    shift 3
    local before after status
    before=$(snapshot)
    "$@" >"$tmp/out" 2>"$tmp/err"
    status=$?
    after=$(snapshot)
    if [ "$status" -ne "$want" ]; then
        not_ok "$name: exit $want" "got exit $status" "stderr: $(cat "$tmp/err")"
    elif ! grep -qF -- "$needle" "$tmp/err"; then
        not_ok "$name: message names '$needle'" "stderr: $(cat "$tmp/err")"
    elif [ "$before" != "$after" ]; then
        not_ok "$name: tree unchanged" "$(diff <(echo "$before") <(echo "$after") | head -20)"
    else
        ok "$name (exit $want, names '$needle', tree unchanged)"
    fi
}

demo() {
    "$VIRTFLOW" --demo "$@"
}

# ---- the demo host is built on first use ----

if demo gpu list >"$tmp/out" 2>"$tmp/err" && [ -f "$root/.vf-kmodel" ]; then
    ok "gpu list builds the demo host under \$VIRTFLOW_DEMO_ROOT"
else
    not_ok "gpu list builds the demo host" "$(cat "$tmp/err")"
    echo "1..$n"
    exit 1
fi
if grep -q "0000:01:00.0" "$tmp/out" && grep -q "ready" "$tmp/out" &&
    grep -q "boot-vga" "$tmp/out"; then
    ok "gpu list shows the dGPU ready and the iGPU blocked by boot-vga"
else
    not_ok "gpu list verdicts" "$(cat "$tmp/out")"
fi

pristine=$(snapshot)

# ---- bad input: refused, named, nothing changed ----

for bad in "../../etc" "0000:01:00.0/../.." "1:2:3" "0000:01:20.0" "0000:01:00.8" \
    "zz:00.0" "0000:01:00.0;reboot"; do
    run_refused "bind '$bad' is malformed" 2 "$bad" demo gpu bind "$bad"
done
run_refused "restore '../../etc' is malformed" 2 "../../etc" demo gpu restore "../../etc"
long=$(printf '0000:01:00.0%.0s' $(seq 1 200))
run_refused "an overlong address is malformed" 2 "0000:01:00.00000:01:00.0" demo gpu bind "$long"
run_refused "an empty address is malformed" 2 "''" demo gpu bind ""
run_refused "a nonexistent device" 3 "0000:09:00.0" demo gpu bind 0000:09:00.0
run_refused "a nonexistent device (restore)" 3 "0000:0a:00.0" demo gpu restore 0000:0A:00.0
run_refused "the NVMe drive is not a GPU" 2 "0000:02:00.0" demo gpu bind 0000:02:00.0
run_refused "the boot GPU is refused" 4 "0000:0e:00.0" demo gpu bind 0000:0e:00.0
run_refused "--host-root is read-only" 5 "$root" "$VIRTFLOW" --host-root "$root" gpu bind \
    0000:01:00.0
run_refused "--host-root restore is read-only" 5 "$root" "$VIRTFLOW" --host-root "$root" gpu \
    restore 0000:01:00.0
run_refused "a missing --host-root" 3 "$tmp/nowhere" "$VIRTFLOW" --host-root "$tmp/nowhere" \
    gpu list
run_refused "--demo and --host-root together" 2 "--host-root" "$VIRTFLOW" --demo --host-root \
    "$root" gpu list
run_refused "an unknown command" 2 "frobnicate" demo frobnicate
run_refused "bind without an address" 2 "BDF" demo gpu bind
run_refused "an unknown option" 2 "--bogus" demo gpu bind --bogus 0000:01:00.0

# with --json, the error is JSON too, with its stable code
demo --json gpu bind 0000:02:00.0 >"$tmp/out" 2>"$tmp/err"
if [ -n "$PYTHON" ] && "$PYTHON" - "$tmp/out" <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["error"]["code"] == "invalid-argument", doc
assert "0000:02:00.0" in doc["error"]["message"], doc
EOF
    ok "--json errors carry code and message"
else
    not_ok "--json errors carry code and message" "$(cat "$tmp/out")"
fi

# ---- gpu list --json: the contract ----

if demo gpu list --json >"$tmp/list.json" 2>"$tmp/err" &&
    [ -n "$PYTHON" ] && "$PYTHON" -m json.tool "$tmp/list.json" >/dev/null; then
    ok "gpu list --json parses"
else
    not_ok "gpu list --json parses" "$(head -c 2000 "$tmp/list.json")" "$(cat "$tmp/err")"
fi

if [ -n "$PYTHON" ] && "$PYTHON" - "$tmp/list.json" >"$tmp/err" 2>&1 <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc["iommu"]["enabled"], bool), "iommu.enabled"
assert doc["iommu"]["enabled"] is True
gpus = {g["address"]: g for g in doc["gpus"]}
assert set(gpus) == {"0000:0e:00.0", "0000:01:00.0"}, sorted(gpus)
for g in gpus.values():
    for key in ("address", "vendor_id", "device_id", "class", "driver", "boot_vga",
                "iommu_group", "passthrough_devices", "eligible", "blockers", "holders"):
        assert key in g, "gpus[].%s missing" % key
    assert isinstance(g["eligible"], bool)
    assert isinstance(g["boot_vga"], bool)
    assert isinstance(g["blockers"], list) and isinstance(g["holders"], list)
    for b in g["blockers"]:
        assert {"code", "message", "fix"} <= set(b), b
d = gpus["0000:01:00.0"]
assert d["vendor_id"] == "10de" and d["device_id"] == "2684" and d["class"] == "030000", d
assert d["driver"] == "nvidia" and d["iommu_group"] == 12 and d["boot_vga"] is False
assert d["passthrough_devices"] == ["0000:01:00.0", "0000:01:00.1"], d["passthrough_devices"]
assert d["eligible"] is True and d["blockers"] == [] and d["holders"] == []
i = gpus["0000:0e:00.0"]
assert i["vendor_id"] == "1002" and i["device_id"] == "164e" and i["driver"] == "amdgpu", i
assert i["eligible"] is False and i["boot_vga"] is True
assert "boot-vga" in [b["code"] for b in i["blockers"]], i["blockers"]
EOF
    ok "gpu list --json has the keys and values of the contract"
else
    not_ok "gpu list --json contract" "$(cat "$tmp/err")"
fi

# ---- dry run ----

before=$(snapshot)
if demo gpu bind 0000:01:00.0 --dry-run >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override" "$tmp/out" &&
    grep -qF "echo 0000:01:00.1 > /sys/bus/pci/devices/0000:01:00.1/driver/unbind" \
        "$tmp/out" &&
    grep -qF "echo 0000:01:00.0 > /sys/bus/pci/drivers_probe" "$tmp/out" &&
    [ "$before" = "$(snapshot)" ]; then
    ok "bind --dry-run prints the real sysfs writes and changes nothing"
else
    not_ok "bind --dry-run" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
if "$VIRTFLOW" --host-root "$root" gpu bind 01:00.0 -n >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "/sys/bus/pci/devices/0000:01:00.0/driver_override" "$tmp/out" &&
    [ "$before" = "$(snapshot)" ]; then
    ok "--host-root with --dry-run is allowed and changes nothing"
else
    not_ok "--host-root --dry-run" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
if [ -n "$PYTHON" ] && demo --json gpu bind 0000:01:00.0 --dry-run >"$tmp/out" 2>"$tmp/err" &&
    "$PYTHON" -m json.tool "$tmp/out" >/dev/null && [ "$before" = "$(snapshot)" ]; then
    ok "bind --dry-run --json parses and changes nothing"
else
    not_ok "bind --dry-run --json" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi

# ---- bind, restore: the round trip ----

if demo gpu bind 0000:01:00.0 >"$tmp/out" 2>"$tmp/err"; then
    ok "bind 0000:01:00.0 succeeds"
else
    not_ok "bind 0000:01:00.0 succeeds" "exit $?" "$(cat "$tmp/err")"
fi
drv0=$(basename "$(readlink "$root/sys/bus/pci/devices/0000:01:00.0/driver")")
drv1=$(basename "$(readlink "$root/sys/bus/pci/devices/0000:01:00.1/driver")")
if [ "$drv0" = vfio-pci ] && [ "$drv1" = vfio-pci ] && [ -e "$root/dev/vfio/12" ]; then
    ok "after bind: both functions on vfio-pci, /dev/vfio/12 exists"
else
    not_ok "after bind: both functions on vfio-pci" "drivers: $drv0 $drv1" \
        "$(ls "$root/dev/vfio")"
fi
if [ -n "$PYTHON" ] && demo gpu list --json >"$tmp/bound.json" &&
    "$PYTHON" - "$tmp/bound.json" <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
d = [g for g in doc["gpus"] if g["address"] == "0000:01:00.0"][0]
assert d["driver"] == "vfio-pci", d["driver"]
EOF
    ok "gpu list --json shows the dGPU on vfio-pci"
else
    not_ok "gpu list --json after bind" "$(head -c 1000 "$tmp/bound.json")"
fi
run_refused "--host-root restore of the bound tree is read-only" 5 "$root" \
    "$VIRTFLOW" --host-root "$root" gpu restore 0000:01:00.0
if demo gpu restore 0000:01:00.0 >"$tmp/out" 2>"$tmp/err" &&
    grep -q "nvidia" "$tmp/out"; then
    ok "restore 0000:01:00.0 succeeds"
else
    not_ok "restore 0000:01:00.0 succeeds" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
after=$(snapshot)
if [ "$pristine" = "$after" ]; then
    ok "after bind + restore the tree is as it was built"
else
    not_ok "after bind + restore the tree is as it was built" \
        "$(diff <(echo "$pristine") <(echo "$after") | head -20)"
fi
if [ -z "$(ls -A "$root/var/lib/virtflow/journal" 2>/dev/null)" ] &&
    [ -z "$(ls -A "$root/var/lib/virtflow/devices" 2>/dev/null)" ]; then
    ok "no journal and no device record left"
else
    not_ok "no journal and no device record left" "$(ls -R "$root/var/lib/virtflow")"
fi

# a restore of a GPU on its host driver has nothing to do
if demo gpu restore 0000:01:00.0 >"$tmp/out" 2>"$tmp/err" && [ "$pristine" = "$(snapshot)" ]; then
    ok "restore of a GPU that is not bound changes nothing"
else
    not_ok "restore of a GPU that is not bound changes nothing" "$(cat "$tmp/out")" \
        "$(diff <(echo "$pristine") <(snapshot) | head -20)"
fi

# ---- restore moves only what VirtFlow moved ----
# A GPU on vfio-pci with no record of VirtFlow's (bound by hand, or by a tool of the user's
# own): restore BDF, restore of its audio function and restore --all leave it, and say so.
demo gpu bind 0000:01:00.0 >/dev/null 2>&1
rm -rf "$root/var/lib/virtflow/devices"
hand_bound=$(snapshot)
for args in "0000:01:00.0" "0000:01:00.1" "--all"; do
    # shellcheck disable=SC2086
    demo gpu restore $args >"$tmp/out" 2>"$tmp/err"
    status=$?
    if [ "$status" -eq 0 ] && [ "$hand_bound" = "$(snapshot)" ] &&
        grep -qF "left 0000:01:00.0 on vfio-pci: VirtFlow did not move it" "$tmp/out" &&
        grep -qF "left 0000:01:00.1 on vfio-pci: VirtFlow did not move it" "$tmp/out"; then
        ok "restore $args of a GPU bound without VirtFlow: left on vfio-pci and named"
    else
        not_ok "restore $args of a GPU bound without VirtFlow" "exit $status" "$(cat "$tmp/out" "$tmp/err")" \
            "$(diff <(echo "$hand_bound") <(snapshot) | head -20)"
    fi
done
if [ -n "$PYTHON" ] && demo gpu restore --all --dry-run --json >"$tmp/out" 2>"$tmp/err" &&
    "$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["devices"] == [] and d["sysfs_writes"] == [], d
assert d["left"] == ["left 0000:01:00.0 on vfio-pci: VirtFlow did not move it",
                     "left 0000:01:00.1 on vfio-pci: VirtFlow did not move it"], d["left"]' "$tmp/out"; then
    ok "restore --all --dry-run --json lists what it leaves under \"left\""
else
    not_ok "restore --all --dry-run --json lists what it leaves" "$(cat "$tmp/out" "$tmp/err")"
fi
# put the demo back as it was (the hand's way: the override cleared, then a probe)
for d in 0000:01:00.0 0000:01:00.1; do
    printf '[device]\naddress=%s\nhost_driver=%s\nhost_driver_known=true\niommu_group=12\n' "$d" \
        "$([ "$d" = 0000:01:00.0 ] && echo nvidia || echo snd_hda_intel)" \
        > "$tmp/$d.conf"
done
mkdir -p "$root/var/lib/virtflow/devices"
cp "$tmp"/0000:01:00.?.conf "$root/var/lib/virtflow/devices/"
if demo gpu restore 0000:01:00.0 >"$tmp/out" 2>"$tmp/err" && [ "$pristine" = "$(snapshot)" ]; then
    ok "with its records back, restore returns the GPU"
else
    not_ok "with its records back, restore returns the GPU" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---- recover ----

if demo recover >"$tmp/out" 2>"$tmp/err" && grep -q "Nothing to recover" "$tmp/out"; then
    ok "recover with no journal has nothing to do"
else
    not_ok "recover with no journal" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi

# a bind killed after its first sysfs writes: the journal (the format vf-transition.c writes)
# and a half-moved device; recover puts the host back
mkdir -p "$root/var/lib/virtflow/journal"
cat >"$root/var/lib/virtflow/journal/1732536000000000-999999-bind.journal" <<'EOF'
[transition]
kind=bind
gpu=0000:01:00.0
started=2024-11-25T12:00:00.000000Z
pid=999999

[device 0000:01:00.0]
address=0000:01:00.0
iommu_group=12
host_driver=nvidia
host_module=nvidia
host_override=
host_driver_known=true

[device 0000:01:00.1]
address=0000:01:00.1
iommu_group=12
host_driver=snd_hda_intel
host_module=snd_hda_intel
host_override=
host_driver_known=true
EOF
# the half-done bind, done by hand on the model tree (what the kernel would show)
dev0=$(readlink -f "$root/sys/bus/pci/devices/0000:01:00.0")
printf 'vfio-pci\n' >"$dev0/driver_override"
run_refused "--host-root recover is read-only" 5 "$root" "$VIRTFLOW" --host-root "$root" \
    recover
if demo recover --dry-run >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "/sys/bus/pci/devices/0000:01:00.0/driver_override" "$tmp/out" &&
    [ -n "$(ls -A "$root/var/lib/virtflow/journal")" ]; then
    ok "recover --dry-run shows the writes and keeps the journal"
else
    not_ok "recover --dry-run" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
if demo recover >"$tmp/out" 2>"$tmp/err" && [ "$pristine" = "$(snapshot)" ] &&
    [ -z "$(ls -A "$root/var/lib/virtflow/journal")" ]; then
    ok "recover returns the host to its drivers and removes the journal"
else
    not_ok "recover" "$(cat "$tmp/out")" "$(cat "$tmp/err")" \
        "$(diff <(echo "$pristine") <(snapshot) | head -20)"
fi

# issue 14: a tuned VM's huge pages left raised by a crash (its tune journal, the format
# tune/vf-tune-run.c writes): recover lowers nr_hugepages by what was added
pages=$root/sys/kernel/mm/hugepages/hugepages-2048kB
mkdir -p "$pages" "$root/var/lib/virtflow/tune"
printf '\n[hugepages-2048kB]\nmax=100000\n' >>"$root/.vf-kmodel"
printf '512\n' >"$pages/nr_hugepages"
printf '512\n' >"$pages/free_hugepages"
cat >"$root/var/lib/virtflow/tune/0123456789abcdef.conf" <<'EOF'
[tune]
vm=win11

[hugepages]
size-kib=2048
base=0
added=512
EOF
if demo recover --dry-run >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "Would give back what tuned VM 'win11' took" "$tmp/out" &&
    [ "$(cat "$pages/nr_hugepages")" = 512 ]; then
    ok "recover --dry-run names the tuned VM and changes nothing"
else
    not_ok "recover --dry-run of a tune journal" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
if demo recover >"$tmp/out" 2>"$tmp/err" &&
    grep -qF "win11: 512 huge pages of 2048 KiB given back" "$tmp/out" &&
    [ "$(cat "$pages/nr_hugepages")" = 0 ] && [ -z "$(ls -A "$root/var/lib/virtflow/tune")" ]; then
    ok "recover gives back a tuned VM's huge pages and removes its journal"
else
    not_ok "recover of a tune journal" "$(cat "$tmp/out")" "$(cat "$tmp/err")" \
        "$(cat "$pages/nr_hugepages")"
fi
# --json says which tune journals it found and what it gave back (the same journal again)
printf '512\n' >"$pages/nr_hugepages"
printf '512\n' >"$pages/free_hugepages"
cat >"$root/var/lib/virtflow/tune/0123456789abcdef.conf" <<'EOF'
[tune]
vm=win11

[hugepages]
size-kib=2048
base=0
added=512
EOF
if demo recover --dry-run --json >"$tmp/dry.json" 2>"$tmp/err" &&
    demo recover --json >"$tmp/out" 2>>"$tmp/err" && [ -n "$PYTHON" ] &&
    "$PYTHON" - "$tmp/dry.json" "$tmp/out" <<'PY' && [ "$(cat "$pages/nr_hugepages")" = 0 ]; then
import json, sys
dry, done = (json.load(open(p)) for p in sys.argv[1:3])
assert dry["tune"] == {"vms": ["win11"], "summary": None}, dry
assert done["tune"]["vms"] == ["win11"], done
assert "win11: 512 huge pages of 2048 KiB given back" in done["tune"]["summary"], done
assert done["devices"] == [] and done["operation"] == "recover", done
PY
    ok "recover --json names the tune journals and what it gave back"
else
    not_ok "recover --json of a tune journal" "$(cat "$tmp/dry.json")" "$(cat "$tmp/out")" \
        "$(cat "$tmp/err")"
fi
rm -rf "$pages"

# ---- help and the documented exit statuses ----

if "$VIRTFLOW" --help >"$tmp/out" 2>&1 && grep -q "5 permission" "$tmp/out" &&
    grep -q "7 busy" "$tmp/out"; then
    ok "--help documents the exit statuses"
else
    not_ok "--help documents the exit statuses" "$(cat "$tmp/out")"
fi
# host --groups: every device under its group, once (a user's view of the IOMMU layout)
if demo host --groups >"$tmp/out" 2>&1 &&
    grep -A2 -x "IOMMU group 12" "$tmp/out" | grep -q "0000:01:00.1" &&
    [ "$(grep -c '^  0000:' "$tmp/out")" -eq "$(ls "$root/sys/bus/pci/devices" | wc -l)" ]; then
    ok "host --groups lists every device once, the dGPU's functions under group 12"
else
    not_ok "host --groups lists every device once, the dGPU's functions under group 12" \
        "$(cat "$tmp/out")"
fi
# host --input: the demo's keyboard and mouse, which ones `--input auto` takes (not the
# gaming mouse's macro keyboard, whose by-id link sorts first), and why
kbd=/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd
macro=/dev/input/by-id/usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-if01-event-kbd
if demo host --input >"$tmp/out" 2>&1 &&
    grep -A1 "^  keyboard  Logitech USB Keyboard  \[--input auto\]$" "$tmp/out" | grep -qF "$kbd" &&
    grep -A2 "Gaming Mouse Keyboard$" "$tmp/out" | grep -q "behind 0000:0b:00.0 (USB controller)" &&
    grep -qF "2 keyboards: picked $kbd" "$tmp/out"; then
    ok "host --input lists the keyboards and mice and marks what --input auto picks"
else
    not_ok "host --input lists the keyboards and mice and marks what --input auto picks" \
        "$(cat "$tmp/out")"
fi
if [ -n "$PYTHON" ] && demo host --input --json >"$tmp/out" 2>"$tmp/err" &&
    "$PYTHON" - "$tmp/out" "$kbd" "$macro" >"$tmp/err" 2>&1 <<'EOF'; then
import json, sys
doc = json.load(open(sys.argv[1]))
auto = sorted((d["kind"], d["by_id"]) for d in doc["input"] if d["auto"])
assert [k for k, _ in auto] == ["keyboard", "mouse"], auto
assert ("keyboard", sys.argv[2]) in auto, auto
macro = [d for d in doc["input"] if d["by_id"] == sys.argv[3]]
assert macro and not macro[0]["auto"] and macro[0]["pci_address"] == "0000:0b:00.0", macro
assert sys.argv[3] in doc["auto_note"], doc["auto_note"]
EOF
    ok "host --input --json: one keyboard and one mouse for auto, the macro keyboard not"
else
    not_ok "host --input --json" "$(cat "$tmp/out")" "$(cat "$tmp/err")"
fi
run_refused "host --groups --input is a usage error" 2 "--input" demo host --groups --input

# the demo is an AM5 machine: its CPU (written by a VM command) is an AMD one, so with its
# IOMMU off setup's kernel options are amd_iommu=on, never intel_iommu=on
amd=$tmp/amd
if VIRTFLOW_DEMO_ROOT=$amd "$VIRTFLOW" --demo list >/dev/null 2>"$tmp/err" &&
    grep -q "vendor_id.*AuthenticAMD" "$amd/proc/cpuinfo" &&
    rm -rf "$amd"/sys/kernel/iommu_groups/* &&
    echo "BOOT_IMAGE=/vmlinuz ro quiet" >"$amd/proc/cmdline" &&
    mkdir -p "$amd/etc/default/grub.d" &&
    echo 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' >"$amd/etc/default/grub" &&
    VIRTFLOW_DEMO_ROOT=$amd "$VIRTFLOW" --demo setup --grub --dry-run >"$tmp/out" 2>&1 &&
    grep -qF "adds 'amd_iommu=on iommu=pt' to GRUB_CMDLINE_LINUX_DEFAULT" "$tmp/out" &&
    ! grep -q "intel_iommu" "$tmp/out"; then
    ok "setup --grub on the demo with its IOMMU off: amd_iommu=on for its AMD CPU"
else
    not_ok "setup --grub on the demo with its IOMMU off: amd_iommu=on for its AMD CPU" \
        "$(cat "$tmp/err" "$tmp/out")"
fi

"$VIRTFLOW" >/dev/null 2>&1
status=$?
if [ "$status" -eq 2 ]; then
    ok "no command: exit 2"
else
    not_ok "no command: exit 2" "got $status"
fi

# docs/DESIGN.md "The GObject API", "One binary": every command runs through the GObject
# library; libvirt is libvirtflow's to load, never the program's own
if ! command -v readelf >/dev/null 2>&1; then
    ok "# SKIP the program's libraries: readelf (binutils) is not installed"
elif [ -e "$(dirname "$VIRTFLOW")/virtflow-vm" ]; then
    not_ok "one program" "a virtflow-vm is built next to $VIRTFLOW"
else
    needed=$(readelf -d "$VIRTFLOW" | grep NEEDED)
    if echo "$needed" | grep -q 'libvirtflow-gobject-1.0' &&
        ! echo "$needed" | grep -Eq 'libvirt\.so|libvirt-qemu'; then
        ok "virtflow is one program: it links the GObject API, and not libvirt itself"
    else
        not_ok "the program's libraries" "virtflow: $needed"
    fi
fi

echo "1..$n"
[ "$failed" -eq 0 ]
