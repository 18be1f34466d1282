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

# VirtFlow's bind + restore against what a libvirt user runs instead: libvirt's own
# `virsh nodedev-detach` + `nodedev-reattach` of the same two functions (the same sysfs
# moves, made by this L1's libvirtd), interleaved round by round, BENCH_ROUNDS rounds
# (vf.bench_rounds=, VF_E2E_BENCH_ROUNDS). Each command is timed alone, the way a user
# runs it; the result (drivers, /dev/vfio/GROUP) is checked after it, outside the timing,
# and a round that did not move both functions fails the bench. virsh needs one command
# per function (libvirt detaches node devices one by one): that is what a user types.
ND_GPU=pci_$(echo "$GPU" | tr ':.' '__')
ND_AUD=pci_$(echo "$AUD" | tr ':.' '__')
vf_nd_bind() { virtflow gpu bind "$GPU" > /dev/null 2>&1 < /dev/null; }
vf_nd_restore() { virtflow gpu restore "$GPU" > /dev/null 2>&1 < /dev/null; }
virsh_nd_bind() {
    virsh nodedev-detach "$ND_GPU" > /dev/null 2>&1 && virsh nodedev-detach "$ND_AUD" > /dev/null 2>&1
}
virsh_nd_restore() {
    virsh nodedev-reattach "$ND_GPU" > /dev/null 2>&1 &&
        virsh nodedev-reattach "$ND_AUD" > /dev/null 2>&1
}
nd_bound() { on_vfio > /dev/null && [ -c "/dev/vfio/$GRP" ]; }
nd_home() { home > /dev/null && overrides_cleared "$GPU" "$AUD" > /dev/null && [ ! -e "/dev/vfio/$GRP" ]; }

# nd_half NAME HALF COMMAND CHECK: times COMMAND (ms appended to /tmp/nd-NAME-HALF), then
# checks the state it must leave
nd_half() {
    _t0=$(rig-helper now)
    $3
    _rc=$?
    _t1=$(rig-helper now)
    echo $(((_t1 - _t0) / 1000)) >> "/tmp/nd-$1-$2"
    if [ "$_rc" -ne 0 ] || ! $4; then
        fail "bench nodedev: $1 $2, round $_r (exit $_rc)"
        return 1
    fi
}
# median of the numbers in FILE (µs), in ms with one decimal
nd_median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}
nd_all() { awk '{ printf "%s%.0f", (NR > 1 ? " " : ""), $1 / 1000 }' "$1"; }

rm -f /tmp/nd-*
check "bench nodedev: the functions are home before the rounds" nd_home
_r=1
_nd_ok=1
while [ "$_r" -le "$BENCH_ROUNDS" ] && [ "$_nd_ok" = 1 ]; do
    for _m in virtflow virsh; do
        if [ "$_m" = virtflow ]; then _b=vf_nd_bind _s=vf_nd_restore; else _b=virsh_nd_bind _s=virsh_nd_restore; fi
        nd_half "$_m" bind "$_b" nd_bound || { _nd_ok=0; break; }
        nd_half "$_m" restore "$_s" nd_home || { _nd_ok=0; break; }
    done
    _r=$((_r + 1))
done
if [ "$_nd_ok" = 1 ]; then
    pass "bench nodedev: $BENCH_ROUNDS rounds of virtflow gpu bind/restore and virsh nodedev-detach/reattach, each verified"
    for _m in virtflow virsh; do
        paste /tmp/nd-$_m-bind /tmp/nd-$_m-restore | awk '{ print $1 + $2 }' > /tmp/nd-$_m-round
        for _h in bind restore round; do
            echo "nodedev_${_m}_${_h}_median_ms=$(nd_median /tmp/nd-$_m-$_h)" >> "$TIMES"
            echo "nodedev_${_m}_${_h}_all_ms=$(nd_all /tmp/nd-$_m-$_h)" >> "$TIMES"
        done
    done
    echo "nodedev_rounds=$BENCH_ROUNDS" >> "$TIMES"
    note "bench nodedev: round medians: virtflow $(nd_median /tmp/nd-virtflow-round) ms, virsh $(nd_median /tmp/nd-virsh-round) ms"
fi
check_home "bench nodedev: after the rounds"
