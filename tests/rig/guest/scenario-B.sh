# shellcheck shell=sh
# Scenario B: an AMD-vendor dGPU. QEMU's ati-vga (rv100, 1002:5159) at 01:00.0 on the
# real radeon driver, its audio function at 01:00.1; the iGPU stays at 00:02.0.
# Sourced by /init after lib.sh.

GPU=0000:01:00.0
AUD=0000:01:00.1

load_modules bochs radeon snd-hda-intel snd-hda-codec-generic
load_modules vfio-pci vfio_iommu_type1

check "rig: emulated IOMMU present (/sys/kernel/iommu_groups non-empty)" iommu_groups_present
check "rig: dGPU is vendor 0x1002" test "$(cat "$PCI/$GPU/vendor")" = 0x1002
check "rig: dGPU starts on radeon" drivers_are radeon "$GPU"
check "rig: dGPU audio starts on snd_hda_intel" \
    wait_for 10 drivers_are snd_hda_intel "$AUD"
log_connectors
fact dgpu_group "$(iommu_group "$GPU")"

vf_json gpu-list.json gpu list --json
if [ "$RC" -eq 0 ]; then pass "virtflow gpu list --json exits 0"; else
    fail "virtflow gpu list --json exits 0 (got $RC)"
    show_output
fi

bind_restore_roundtrip radeon snd_hda_intel "$GPU" "$AUD"
emit_file facts < "$FACTS"
