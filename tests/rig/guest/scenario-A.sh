# shellcheck shell=sh
# Scenario A: the default desktop. iGPU (boot VGA) at 00:02.0; dGPU video at 01:00.0
# and its HDMI-like audio at 01:00.1 behind a PCIe root port, one IOMMU group.
# Sourced by /init after lib.sh.

IGPU=0000:00:02.0
GPU=0000:01:00.0
AUD=0000:01:00.1

load_modules bochs snd-hda-intel snd-hda-codec-generic
# Like a user who ran `virtflow setup`; busybox modprobe ignores the softdep that
# would pull vfio_iommu_type1 in, so it is named explicitly.
load_modules vfio-pci vfio_iommu_type1

# The rig itself must be right before virtflow is judged by it.
check "rig: emulated IOMMU present (/sys/kernel/iommu_groups non-empty)" iommu_groups_present
GRP=$(iommu_group "$GPU")
check "rig: dGPU video and audio share IOMMU group '$GRP'" \
    test -n "$GRP" -a "$GRP" = "$(iommu_group "$AUD")"
check "rig: dGPU starts on bochs-drm" drivers_are bochs-drm "$GPU"
# snd_hda_intel binds synchronously, but give it a moment under TCG all the same.
check "rig: dGPU audio starts on snd_hda_intel" \
    wait_for 10 drivers_are snd_hda_intel "$AUD"
check "rig: iGPU is the boot VGA" test "$(cat "$PCI/$IGPU/boot_vga")" = 1
log_connectors
fact dgpu_group "$GRP"
fact igpu_group "$(iommu_group "$IGPU")"

vf_json gpu-list.json gpu list --json
if [ "$RC" -eq 0 ]; then pass "virtflow gpu list --json exits 0"; else
    fail "virtflow gpu list --json exits 0 (got $RC)"
    show_output
fi

# --dry-run: prints the plan, touches nothing.
before=$(state "$GPU" "$AUD")
vf gpu bind "$GPU" --dry-run
if [ "$RC" -eq 0 ]; then pass "virtflow gpu bind --dry-run exits 0"; else
    fail "virtflow gpu bind --dry-run exits 0 (got $RC)"
    show_output
fi
if printf '%s\n' "$OUT" | grep -q "$PCI/$GPU/driver_override"; then
    pass "bind --dry-run names $PCI/$GPU/driver_override"
else
    fail "bind --dry-run names $PCI/$GPU/driver_override"
    show_output
fi
after=$(state "$GPU" "$AUD")
if [ "$before" = "$after" ]; then pass "bind --dry-run changes nothing"; else
    fail "bind --dry-run changes nothing"
    note "before: $before"
    note "after:  $after"
fi
check "bind --dry-run: /dev/vfio/$GRP not created" test ! -e "/dev/vfio/$GRP"

bind_restore_roundtrip bochs-drm snd_hda_intel "$GPU" "$AUD"

# A process holding the dGPU's DRM node (a compositor, a game) must stop the bind.
node=$(drm_node "$GPU")
if [ -z "$node" ]; then
    fail "holder: dGPU has a DRM node under $PCI/$GPU/drm"
else
    # shellcheck disable=SC2217 # sleep ignores its stdin; holding it open is the point
    sleep 1000 < "/dev/dri/$node" &
    holder=$!
    # The redirection happens in the child: wait until it really holds the node.
    holder_ready() { [ "$(readlink "/proc/$holder/fd/0")" = "/dev/dri/$node" ]; }
    check "holder: pid $holder holds /dev/dri/$node" wait_for 5 holder_ready
    fact holder_pid "$holder"
    fact holder_node "/dev/dri/$node"

    vf_json gpu-list-held.json gpu list --json
    before=$(state "$GPU" "$AUD")
    vf gpu bind "$GPU"
    if [ "$RC" -ne 0 ]; then pass "holder: virtflow gpu bind refused (exit $RC)"; else
        fail "holder: virtflow gpu bind refused (exit 0)"
    fi
    if printf '%s\n' "$OUT" | grep -q 'in-use'; then
        pass "holder: bind output says in-use"
    else
        fail "holder: bind output says in-use"
        show_output
    fi
    after=$(state "$GPU" "$AUD")
    if [ "$before" = "$after" ]; then
        pass "holder: both functions still on their drivers, overrides untouched"
    else
        fail "holder: both functions still on their drivers, overrides untouched"
        note "before: $before"
        note "after:  $after"
    fi
    check "holder: /dev/vfio/$GRP not created" test ! -e "/dev/vfio/$GRP"
    kill "$holder"
    wait "$holder" 2>/dev/null
fi

emit_file facts < "$FACTS"

if [ "$BENCH" = 1 ]; then
    # shellcheck source=/dev/null # exists only inside the initramfs
    . /rig/bench.sh
fi
