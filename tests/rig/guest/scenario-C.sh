# shellcheck shell=sh
# Scenario C: the IOMMU is off (intel_iommu=off; the firmware still has VT-d).
# virtflow must say so and refuse to touch the dGPU. Sourced by /init after lib.sh.

GPU=0000:01:00.0
AUD=0000:01:00.1

load_modules bochs snd-hda-intel snd-hda-codec-generic
load_modules vfio-pci vfio_iommu_type1

# Negative control of the rig: with groups present this scenario would prove nothing.
check "rig: no IOMMU groups (/sys/kernel/iommu_groups empty)" \
    test -z "$(ls /sys/kernel/iommu_groups 2>/dev/null)"
check "rig: dGPU starts on bochs-drm" drivers_are bochs-drm "$GPU"
check "rig: dGPU audio starts on snd_hda_intel" \
    wait_for 10 drivers_are snd_hda_intel "$AUD"
log_connectors

vf_json gpu-list.json gpu list --json
if [ "$RC" -eq 0 ]; then pass "virtflow gpu list --json exits 0"; else
    fail "virtflow gpu list --json exits 0 (got $RC)"
    show_output
fi

before=$(state "$GPU" "$AUD")
vf gpu bind "$GPU"
if [ "$RC" -ne 0 ]; then pass "virtflow gpu bind refused without IOMMU (exit $RC)"; else
    fail "virtflow gpu bind refused without IOMMU (exit 0)"
fi
note "bind said: $(printf '%s' "$OUT" | head -n 3 | tr '\n' ' ')"
after=$(state "$GPU" "$AUD")
if [ "$before" = "$after" ]; then
    pass "bind without IOMMU changes nothing"
else
    fail "bind without IOMMU changes nothing"
    note "before: $before"
    note "after:  $after"
fi
: > "$FACTS"
emit_file facts < "$FACTS"
