#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-apu-cli.sh VIRTFLOW MKHOST: what the command line says about an AMD APU desktop
# (vf-test-apu-host.h, built by `vf-test-mkhost --apu` in a temporary directory): the
# Raphael iGPU 0000:0e:00.0 moves with its HDMI audio only; the PSP, the CPU's USB
# controllers and the audio functions of its slot stay with the host, and `gpu list` says
# so; `gpu bind --dry-run` writes for .0 and .1 only; a staying function is refused, naming
# the GPU; the NVIDIA card's four functions, in four groups, all move. Everything runs on
# --host-root of that tree: nothing outside the temporary directory is touched. Output is
# TAP.

set -u

VIRTFLOW=${1:-}
MKHOST=${2:-}
if [ -z "$VIRTFLOW" ] || [ ! -x "$VIRTFLOW" ] || [ -z "$MKHOST" ] || [ ! -x "$MKHOST" ]; then
    echo "1..0 # SKIP usage: $0 PATH/TO/virtflow PATH/TO/vf-test-mkhost"
    exit 0
fi
PYTHON=$(command -v python3 || true)
if [ -z "$PYTHON" ]; then
    echo "1..0 # SKIP python3 is needed to read the JSON"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-apu-cli-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/host
unset VIRTFLOW_HOST_ROOT VIRTFLOW_DEMO_ROOT
IGPU=0000:0e:00.0

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

vf() { "$VIRTFLOW" --host-root "$root" "$@"; }

# has NAME FILE FIXED-STRING / lacks NAME FILE FIXED-STRING
has() {
    if grep -qF -- "$3" "$2"; then
        ok "$1"
    else
        not_ok "$1" "no line has: $3" "$(head -c 3000 "$2")"
    fi
}
lacks() {
    if grep -qF -- "$3" "$2"; then
        not_ok "$1" "a line has: $3" "$(grep -F -- "$3" "$2")"
    else
        ok "$1"
    fi
}

if ! "$MKHOST" --apu "$root" >"$tmp/out" 2>&1; then
    echo "Bail out! vf-test-mkhost --apu failed: $(cat "$tmp/out")"
    exit 1
fi

# ---- gpu list: what moves, what stays ----
run_status "gpu list" 0 vf gpu list
has "the iGPU moves with its HDMI audio only" "$tmp/out" \
    "moves together: $IGPU (amdgpu), 0000:0e:00.1 (snd_hda_intel)"
has "the PSP, USB and audio stay with the host, named" "$tmp/out" \
    "stays with the host: 0000:0e:00.2 (ccp), 0000:0e:00.3 (xhci_hcd), 0000:0e:00.4 (xhci_hcd), 0000:0e:00.5 (no driver), 0000:0e:00.6 (snd_hda_intel)"
has "the NVIDIA card's four functions in four groups all move" "$tmp/out" \
    "moves together: 0000:01:00.0 (nvidia), 0000:01:00.1 (snd_hda_intel), 0000:01:00.2 (xhci_hcd), 0000:01:00.3 (nvidia-gpu)"
if [ "$(grep -c "stays with the host" "$tmp/out")" -eq 1 ]; then
    ok "no 'stays' line for the card whose functions all move"
else
    not_ok "no 'stays' line for the card whose functions all move" "$(cat "$tmp/out")"
fi

run_status "gpu list --json" 0 vf gpu list --json
if "$PYTHON" - "$tmp/out" <<'PY' >"$tmp/py" 2>&1; then
import json, sys
d = json.load(open(sys.argv[1]))
g = {x["address"]: x for x in d["gpus"]}
i, n = g["0000:0e:00.0"], g["0000:01:00.0"]
assert i["passthrough_devices"] == ["0000:0e:00.0", "0000:0e:00.1"], i["passthrough_devices"]
assert [(s["address"], s["driver"]) for s in i["staying"]] == [
    ("0000:0e:00.2", "ccp"), ("0000:0e:00.3", "xhci_hcd"), ("0000:0e:00.4", "xhci_hcd"),
    ("0000:0e:00.5", None), ("0000:0e:00.6", "snd_hda_intel")], i["staying"]
assert i["staying"][0]["vendor_id"] == "1022" and i["staying"][0]["iommu_group"] == 23, i["staying"][0]
assert len(i["functions"]) == 7, i["functions"]
assert i["eligible"] is True, i["blockers"]
assert n["passthrough_devices"] == ["0000:01:00.0", "0000:01:00.1", "0000:01:00.2",
                                    "0000:01:00.3"], n["passthrough_devices"]
assert n["staying"] == [], n["staying"]
PY
    ok "json: passthrough_devices .0 .1, 'staying' the other five, the NVIDIA card none"
else
    not_ok "json: passthrough_devices .0 .1, 'staying' the other five, the NVIDIA card none" \
        "$(cat "$tmp/py")"
fi

# ---- gpu bind --dry-run: writes for .0 and .1 only ----
run_status "gpu bind --dry-run $IGPU" 0 vf gpu bind --dry-run "$IGPU"
has "dry run: 2 devices" "$tmp/out" "bind GPU $IGPU (2 devices)"
has "dry run: the iGPU's override" "$tmp/out" \
    "echo vfio-pci > /sys/bus/pci/devices/$IGPU/driver_override"
has "dry run: its HDMI audio's override" "$tmp/out" \
    "echo vfio-pci > /sys/bus/pci/devices/0000:0e:00.1/driver_override"
for f in 2 3 4 5 6; do
    lacks "dry run: nothing written for 0000:0e:00.$f" "$tmp/out" "0000:0e:00.$f"
done

# ---- a function that stays is no handle on the GPU ----
run_status "gpu bind --dry-run of the PSP is refused" 2 vf gpu bind --dry-run 0000:0e:00.2
has "the refusal says it stays with the host" "$tmp/err" "stays with the host"
has "the refusal names the GPU to give instead" "$tmp/err" "give its address, $IGPU"

# ---- the doctor names them too ----
"$VIRTFLOW" --host-root "$root" doctor >"$tmp/out" 2>"$tmp/err" </dev/null
has "doctor: the iGPU's group check names what stays" "$tmp/out" \
    "Stays with the host (another vendor's function of the slot, in a group of its own):"

echo "1..$n"
[ "$failed" -eq 0 ]
