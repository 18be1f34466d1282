# shellcheck shell=sh
# Issue 14 in the rig (sourced by story.sh after the input story, before the main VM): a VM with
# pinned vCPUs and huge pages, started by the real libvirtd, the hook reserving the pages
# at prepare and giving them back at release. The tune record, <cputune> and
# <memoryBacking> are written here as `virtflow tune` writes them (its planner is another
# part of issue 14). First started tuned only (no passthrough record: the hook's tune part
# alone), then VirtFlow's CLI activates the VM for the dGPU as in the main story.
# Checked from outside VirtFlow: /proc/QEMU/task/*/status (Cpus_allowed_list of the
# threads QEMU names "CPU n/TCG"), /proc/QEMU/status (the emulator), /proc/meminfo and
# nr_hugepages, libvirt's error, the hook log.
#
# L1 has 4 CPUs (run.sh): the host keeps 0-1 (emulatorpin), L2's two vCPUs get 2 and 3.
# No systemd in L1: isolation (systemd's slices) is tested against a stand-in systemd in
# tests/unit/test-tune-run.c, not here.

TUNE_VM=e2e-tune
PAGES=/sys/kernel/mm/hugepages/hugepages-2048kB
GIGA=/sys/kernel/mm/hugepages/hugepages-1048576kB

meminfo() { sed -n "s/^$1: *\([0-9]*\).*/\1/p" /proc/meminfo; }
nr_pages() { cat "$PAGES/nr_hugepages"; }
tune_qpid() { qemu_pid "$TUNE_VM"; }
# thread_cpus NAME: Cpus_allowed_list of the QEMU thread called NAME
thread_cpus() {
    for _t in /proc/"$(tune_qpid)"/task/*; do
        if [ "$(cat "$_t/comm" 2>/dev/null)" = "$1" ]; then
            sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$_t/status"
            return
        fi
    done
}
main_cpus() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$(tune_qpid)/status"; }
show_threads() {
    for _t in /proc/"$(tune_qpid)"/task/*; do
        note "  thread $(cat "$_t/comm" 2>/dev/null): $(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$_t/status")"
    done
}
tune_start() {
    OUT=$(timeout 180 virsh start "$TUNE_VM" 2>&1)
    RC=$?
}
tune_destroy() {
    virsh destroy "$TUNE_VM" > /dev/null 2>&1
    wait_for 30 is_shut_off "$TUNE_VM"
}

note "--- issue 14: pinned vCPUs and 2 MiB huge pages"
check "tune: L1 has 4 CPUs" test "$(grep -c '^processor' /proc/cpuinfo)" -ge 4
check "tune: hugetlbfs mounted at /dev/hugepages (as systemd's dev-hugepages.mount does)" \
    grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts
echo 0 > "$PAGES/nr_hugepages"

cat > /tmp/tune.xml << XML
<domain type='qemu'>
  <name>$TUNE_VM</name>
  <metadata>
    <vftune:tune xmlns:vftune="https://virtflow.org/xmlns/tune/1.0" host-cpus="0-1" vm-cpus="2-3">
      <vftune:hugepages size-kib="2048" count="32"/>
    </vftune:tune>
  </metadata>
  <memory unit='MiB'>64</memory>
  <memoryBacking>
    <hugepages>
      <page size='2048' unit='KiB'/>
    </hugepages>
  </memoryBacking>
  <vcpu placement='static'>2</vcpu>
  <cputune>
    <vcpupin vcpu='0' cpuset='2'/>
    <vcpupin vcpu='1' cpuset='3'/>
    <emulatorpin cpuset='0-1'/>
  </cputune>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/e2e/l2-acpi.elf</kernel>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='/tmp/l2-tune-console.log'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
OUT=$(virsh define /tmp/tune.xml 2>&1)
RC=$?
ok_rc "tune: VM '$TUNE_VM' defined (2 vCPUs pinned to 2 and 3, emulator on 0-1, 64 MiB in 2 MiB pages)" 0

# --- tuned, not activated (tune first, activate later): the hook reserves the pages all the
# same, and leaves the GPU alone ---
before=$(state "$GPU" "$AUD")
tune_start
ok_rc "tune only: virsh start $TUNE_VM (tuned, not activated)" 0
if [ "$RC" -eq 0 ]; then
    check "tune only: the hook raised nr_hugepages to the VM's 32 pages (is $(nr_pages))" \
        test "$(nr_pages)" = 32
    check "tune only: vCPU 0 (thread 'CPU 0/TCG') allowed on CPU 2 only (is '$(thread_cpus 'CPU 0/TCG')')" \
        test "$(thread_cpus 'CPU 0/TCG')" = 2
    check "tune only: the GPU stays where it was" test "$(state "$GPU" "$AUD")" = "$before"
    check "hook log: tune-only prepare says what it reserved, no GPU" \
        grep -q "domain=\"$TUNE_VM\" operation=prepare gpu=- devices=- result=ok detail=\"tuned, no GPU passthrough; tune: 32 huge pages of 2M" "$HOOK_LOG"
else
    note "libvirt's error: $OUT"
fi
tune_destroy
check "tune only: release gave the 32 pages back (nr_hugepages $(nr_pages))" test "$(nr_pages)" = 0
check "hook log: tune-only release says it gave them back" \
    grep -q "domain=\"$TUNE_VM\" operation=release gpu=- devices=- result=ok .*tune: $TUNE_VM: 32 huge pages of 2048 KiB given back" "$HOOK_LOG"
check "tune only: the GPU is still where it was" test "$(state "$GPU" "$AUD")" = "$before"

vf activate --yes "$TUNE_VM"
ok_rc "tune: virtflow activate --yes $TUNE_VM" 0
virsh dumpxml --inactive "$TUNE_VM" > /tmp/tune-activated.xml 2>&1
check "tune: the activated XML has both records (passthrough and tune)" \
    sh -c "grep -q 'virtflow:passthrough' /tmp/tune-activated.xml && grep -q 'vftune:hugepages' /tmp/tune-activated.xml"

# --- the hook reserves the pages the VM needs (none were reserved) ---
TOTAL0=$(meminfo HugePages_Total)
check "tune: no huge page reserved before the start (HugePages_Total $TOTAL0)" test "$TOTAL0" = 0
tune_start
ok_rc "tune: virsh start $TUNE_VM" 0
if [ "$RC" -eq 0 ]; then
    show_threads
    check "tune: the hook raised nr_hugepages to the VM's 32 pages (is $(nr_pages))" \
        test "$(nr_pages)" = 32
    check "tune: HugePages_Free 0 while it runs: QEMU holds all 32 (is $(meminfo HugePages_Free))" \
        test "$(meminfo HugePages_Free)" = 0
    check "tune: vCPU 0 (thread 'CPU 0/TCG') allowed on CPU 2 only (is '$(thread_cpus 'CPU 0/TCG')')" \
        test "$(thread_cpus 'CPU 0/TCG')" = 2
    check "tune: vCPU 1 (thread 'CPU 1/TCG') allowed on CPU 3 only (is '$(thread_cpus 'CPU 1/TCG')')" \
        test "$(thread_cpus 'CPU 1/TCG')" = 3
    check "tune: the emulator (QEMU's main thread) on the host's CPUs 0-1 (is '$(main_cpus)')" \
        test "$(main_cpus)" = 0-1
    check "tune: QEMU holds /dev/vfio/$GRP" sh -c "ls -l /proc/$(tune_qpid)/fd | grep -q ' /dev/vfio/$GRP\$'"
    check "hook log: prepare says what it reserved" \
        grep -q "domain=\"$TUNE_VM\" operation=prepare .*result=ok.*tune: 32 huge pages of 2M" "$HOOK_LOG"
fi
tune_destroy
check "tune: $TUNE_VM stopped" is_shut_off "$TUNE_VM"
check "tune: release gave the 32 pages back (nr_hugepages $(nr_pages))" test "$(nr_pages)" = 0
check "tune: HugePages_Total back to $TOTAL0 (is $(meminfo HugePages_Total))" \
    test "$(meminfo HugePages_Total)" = "$TOTAL0"
check "hook log: release says it gave them back" \
    grep -q "domain=\"$TUNE_VM\" operation=release .*tune: $TUNE_VM: 32 huge pages of 2048 KiB given back" "$HOOK_LOG"
check_home "tune: after the stop"

# --- reserved at boot (here: by hand): HugePages_Free drops by the VM's size, and comes back ---
echo 40 > "$PAGES/nr_hugepages"
FREE0=$(meminfo HugePages_Free)
check "tune: 40 pages reserved beforehand (HugePages_Free $FREE0)" test "$FREE0" = 40
tune_start
ok_rc "tune: virsh start $TUNE_VM with the pages reserved" 0
FREE1=$(meminfo HugePages_Free)
check "tune: HugePages_Free dropped by the VM's 32 pages while it runs ($FREE0 -> $FREE1)" \
    test "$FREE1" = $((FREE0 - 32))
check "tune: the hook added none (nr_hugepages $(nr_pages))" test "$(nr_pages)" = 40
tune_destroy
check "tune: HugePages_Free back to $FREE0 after the stop (is $(meminfo HugePages_Free))" \
    test "$(meminfo HugePages_Free)" = "$FREE0"
check "tune: the reserved pool left as it was (nr_hugepages $(nr_pages))" test "$(nr_pages)" = 40
echo 0 > "$PAGES/nr_hugepages"

# --- too few: the record asks for more than L1's memory; the start is refused at prepare ---
# 1 GiB pages (-cpu max has pdpe1gb): the kernel finds at most a few 1 GiB runs in 4 GiB,
# so asking 8 fails without taking all of L1's memory.
if [ -d "$GIGA" ]; then
    sed 's/size-kib="2048" count="32"/size-kib="1048576" count="8"/' /tmp/tune-activated.xml > /tmp/tune-big.xml
    virsh define /tmp/tune-big.xml > /dev/null 2>&1
    before=$(state "$GPU" "$AUD")
    GNR0=$(cat "$GIGA/nr_hugepages")
    tune_start
    ok_nonzero "tune: virsh start $TUNE_VM asking 8 pages of 1 GiB is refused"
    note "libvirt's error: $OUT"
    out_has "tune: libvirt's error is the hook's" 'Hook script execution failed'
    out_has "tune: the error says what was wanted and got" 'needs 8 huge pages of 1G.*wanted 8, got [0-7]'
    out_has "tune: the error says how to reserve them at boot" 'hugepagesz=1G hugepages=8'
    check "tune: nr_hugepages of 1 GiB put back ($GNR0, is $(cat "$GIGA/nr_hugepages"))" \
        test "$(cat "$GIGA/nr_hugepages")" = "$GNR0"
    check "tune: nothing unbound by the refused start" test "$(state "$GPU" "$AUD")" = "$before"
    check "tune: $TUNE_VM stays shut off" is_shut_off "$TUNE_VM"
    check "hook log: the refused prepare is logged" \
        grep -q "domain=\"$TUNE_VM\" operation=prepare .*result=refused reason=\"\[verify\]" "$HOOK_LOG"
else
    note "tune: L1's CPU has no 1 GiB pages (no $GIGA): the refusal is checked in tests/hook only"
fi

vf deactivate "$TUNE_VM"
ok_rc "tune: virtflow deactivate $TUNE_VM" 0
virsh undefine "$TUNE_VM" > /dev/null 2>&1
check_home "tune: after deactivate"
