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

# VirtFlow's libvirt hook, run as libvirtd runs it: installed layout (the gate execs the
# worker in libexecdir), four arguments, the domain XML on stdin, a scrubbed environment,
# production defaults (host "/", /var/log/libvirt/qemu-hook.log, /var/lib/virtflow).
HOOK_LOG=/var/log/libvirt/qemu-hook.log
cat > /tmp/domain.xml << 'EOF'
<domain type='kvm'>
  <name>rig vm</name>
  <metadata>
    <virtflow:passthrough xmlns:virtflow="https://virtflow.org/xmlns/passthrough/1.0" gpu="0000:01:00.0">
      <virtflow:device address="0000:01:00.0" driver="bochs-drm"/>
      <virtflow:device address="0000:01:00.1" driver="snd_hda_intel"/>
    </virtflow:passthrough>
  </metadata>
  <memory unit='MiB'>512</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
</domain>
EOF
# hook OP SUBOP: `virtflow-hook 'rig vm' OP SUBOP -` < the XML; status in $RC, output in $OUT
hook() {
    OUT=$(env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        timeout "$VF_TIMEOUT" virtflow-hook 'rig vm' "$1" "$2" - < /tmp/domain.xml 2>&1)
    RC=$?
}
# hook_ok DESCRIPTION: the last hook call exited 0
hook_ok() {
    if [ "$RC" -eq 0 ]; then pass "$1"; else
        fail "$1 (got $RC)"
        show_output
    fi
}
read -r _hook_t0 _ < /proc/uptime
hook prepare begin
hook_ok "hook: prepare begin exits 0"
check "hook prepare: both functions on vfio-pci" drivers_are vfio-pci "$GPU" "$AUD"
check "hook prepare: /dev/vfio/$GRP exists" test -c "/dev/vfio/$GRP"
hook release end
hook_ok "hook: release end exits 0"
check "hook release: $GPU back on bochs-drm" drivers_are bochs-drm "$GPU"
check "hook release: $AUD back on snd_hda_intel" drivers_are snd_hda_intel "$AUD"
check "hook release: driver_override reads (null) again" overrides_cleared "$GPU" "$AUD"
check "hook release: /dev/vfio/$GRP is gone" test ! -e "/dev/vfio/$GRP"
before=$(state "$GPU" "$AUD")
hook release end
hook_ok "hook: release again exits 0"
check "hook release again: nothing changes" test "$(state "$GPU" "$AUD")" = "$before"
# Any other step of a domain's life: exit 0 without reading stdin (a read of this FIFO,
# which nobody writes, would block for ever).
mkfifo /tmp/hook-fifo
OUT=$(timeout 5 virtflow-hook 'rig vm' started begin - 2>&1 <> /tmp/hook-fifo)
RC=$?
hook_ok "hook: 'started begin' exits 0 without reading stdin"
read -r _hook_t1 _ < /proc/uptime
note "hook: the four calls and their checks ran from $_hook_t0 to $_hook_t1 s of guest uptime"
_n=0
while IFS= read -r _line; do
    note "hook log: $_line"
    _n=$((_n + 1))
done < "$HOOK_LOG"
check "hook log: one line per prepare/release (3, got $_n)" test "$_n" = 3
_log=$(cat "$HOOK_LOG")
case $_log in
*'domain="rig vm" operation=prepare gpu=0000:01:00.0 devices=0000:01:00.0,0000:01:00.1 result=ok detail="bound to vfio-pci'*'domain="rig vm" operation=release gpu=0000:01:00.0 devices=0000:01:00.0,0000:01:00.1 result=ok detail="returned to 0000:01:00.0=bochs-drm, 0000:01:00.1=snd_hda_intel"'*'domain="rig vm" operation=release '*'result=ok detail="already on the host drivers"'*)
    pass "hook log: prepare bound both, release returned them, the second release found them home" ;;
*) fail "hook log: prepare bound both, release returned them, the second release found them home" ;;
esac

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
