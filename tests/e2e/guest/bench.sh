# shellcheck shell=sh
# VF_E2E_BENCH=1: the story's phases done by hand, as a user following a wiki would,
# in the same L1 boot and on the same domain (sourced by story.sh after deactivate).
# The hand-made XML is VirtFlow's activated one without VirtFlow's <metadata>, so the
# hook's gate lets it pass at once and nothing but the user's commands moves a device.
sed '/<metadata>/,/<\/metadata>/d' /tmp/vm-activated.xml > /tmp/vm-hand.xml

t0=$(now_ms)
hand_bind "$GPU" "$AUD"
wait_for 10 on_vfio
virsh define /tmp/vm-hand.xml > /dev/null 2>&1
timing hand_activate_ms $(($(now_ms) - t0))
check "bench by hand: both functions on vfio-pci" on_vfio

t0=$(now_ms)
virsh start "$VM" > /dev/null 2>&1
timing hand_start_ms $(($(now_ms) - t0))
check "bench by hand: virsh start with the hostdevs" test "$(domstate "$VM")" = running

t0=$(now_ms)
virsh destroy "$VM" > /dev/null 2>&1
hand_restore "$GPU" "$AUD"
wait_for 10 home
timing hand_stop_ms $(($(now_ms) - t0))
check "bench by hand: destroyed and both functions home" home

t0=$(now_ms)
virsh define /tmp/vm-before.xml > /dev/null 2>&1
timing hand_deactivate_ms $(($(now_ms) - t0))
virsh dumpxml --inactive "$VM" > /tmp/vm-hand-after.xml 2>&1
check "bench by hand: original XML back" cmp -s /tmp/vm-before.xml /tmp/vm-hand-after.xml
