# shellcheck shell=sh
# Scenario E: the dGPU drives a display. Same machine as A, booted with fbcon=map:1 so
# the kernel console lights the dGPU's connector (as a monitor on the dGPU would); the
# bind must be refused with display-active. Sourced by /init after lib.sh.

GPU=0000:01:00.0
AUD=0000:01:00.1

load_modules bochs snd-hda-intel snd-hda-codec-generic
load_modules vfio-pci vfio_iommu_type1

check "rig: emulated IOMMU present (/sys/kernel/iommu_groups non-empty)" iommu_groups_present
check "rig: dGPU starts on bochs-drm" drivers_are bochs-drm "$GPU"
check "rig: dGPU audio starts on snd_hda_intel" \
    wait_for 10 drivers_are snd_hda_intel "$AUD"
log_connectors

# The rig's own premise, read from sysfs: some connector of the dGPU's card is
# connected and enabled. Without it this scenario would prove nothing.
dgpu_display_lit() {
    for _card in "$PCI/$GPU"/drm/card*; do
        for _c in "/sys/class/drm/${_card##*/}"-*; do
            [ "$(cat "$_c/status" 2>/dev/null)" = connected ] &&
                [ "$(cat "$_c/enabled" 2>/dev/null)" = enabled ] && return 0
        done
    done
    return 1
}
check "rig: a dGPU connector reads status=connected enabled=enabled" dgpu_display_lit

vf_json gpu-list.json gpu list --json
if [ "$RC" -eq 0 ]; then pass "virtflow gpu list --json exits 0"; else
    fail "virtflow gpu list --json exits 0 (got $RC)"
    show_output
fi

before=$(state "$GPU" "$AUD")
vf gpu bind "$GPU"
if [ "$RC" -ne 0 ]; then pass "virtflow gpu bind refused with a display on the dGPU (exit $RC)"; else
    fail "virtflow gpu bind refused with a display on the dGPU (exit 0)"
fi
if printf '%s\n' "$OUT" | grep -q 'display-active'; then
    pass "bind output says display-active"
else
    fail "bind output says display-active"
    show_output
fi
after=$(state "$GPU" "$AUD")
if [ "$before" = "$after" ]; then
    pass "refused bind changes nothing"
else
    fail "refused bind changes nothing"
    note "before: $before"
    note "after:  $after"
fi
: > "$FACTS"
emit_file facts < "$FACTS"
