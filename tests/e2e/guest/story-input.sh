# shellcheck shell=sh
# Issue 11 in the rig (sourced by story.sh after setup): the host's keyboard and mouse
# handed to a VM by evdev, and Looking Glass's shared memory. L1 makes a keyboard and a
# mouse with uinput (guest/vf-evdev.c; the by-id links udev would make, L1 has no udevd);
# L2 boots Linux and reads its own /dev/input/event* (guest/l2-init, vf.input=1).
# VirtFlow's installed CLI does the user's part: activate --view looking-glass --input KBD
# --input MOUSE, start, deactivate; the GPU moves too, as in the main story.
# Checked from outside VirtFlow: /proc/QEMU/fd, /proc/QEMU/maps, EVIOCGRAB, /dev/shm,
# L2's console (its /dev/input and its PCI list), virsh dumpxml.

LG_VM=e2e-lg
KBD_NAME="VirtFlow Test Keyboard"
KBD_LINK=/dev/input/by-id/usb-VirtFlow_Test_Keyboard-event-kbd
MOUSE_NAME="VirtFlow Test Mouse"
MOUSE_LINK=/dev/input/by-id/usb-VirtFlow_Test_Mouse-event-mouse
LG_SHM=/dev/shm/looking-glass
# 1920x1080: 1920*1080*4*2 bytes + 10 MiB, rounded up to a power of two: 32 MiB
LG_RES=1920x1080
LG_BYTES=$((32 * 1024 * 1024))
LG_CONSOLE=/tmp/l2-lg-console.log

# plug_in KIND NAME LINK OUT: a uinput device made by vf-evdev (it runs until SIGTERM);
# sets PLUG_PID and PLUG_DEV (/dev/input/eventN, empty when it failed).
plug_in() {
    rm -f "$4"
    vf-evdev "$1" "$2" "$3" > "$4" 2>&1 &
    PLUG_PID=$!
    wait_for 10 grep -q '^event=' "$4"
    PLUG_DEV=$(sed -n 's/^event=//p' "$4")
}

# check_plugged WHAT NAME LINK DEV: the device node, its sysfs name and the by-id link
check_plugged() {
    if [ -n "$4" ] && [ -c "$4" ]; then pass "input: uinput $1 '$2' is $4"; else
        fail "input: uinput $1 '$2' made (vf-evdev said: $(cat "/tmp/$1.out" 2>&1))"
        return
    fi
    check "input: /sys/class/input/${4##*/}/device/name reads '$2'" \
        test "$(cat "/sys/class/input/${4##*/}/device/name" 2>/dev/null)" = "$2"
    check "input: $3 -> ../${4##*/}" test "$(readlink "$3")" = "../${4##*/}"
}

# holders DEV: pids of the processes that have DEV open
holders() {
    for _p in /proc/[0-9]*; do
        fds "${_p##*/}" | grep -qx "$1" && echo "${_p##*/}"
    done
}

# grab_is DEV EXPECTED: vf-evdev grab DEV exits EXPECTED (0: free, 1: someone grabbed it)
grab_is() {
    vf-evdev grab "$1" 2>/dev/null
    [ $? = "$2" ]
}

shm_size() { stat -c %s "$LG_SHM" 2>/dev/null; }
l2_ready() { grep -q '^L2-READY' "$LG_CONSOLE"; }
l2_got_key() { grep -q '^L2-KEY .* code=30 value=1' "$LG_CONSOLE"; }

note "--- issue 11: a keyboard and a mouse handed over by evdev, Looking Glass's shared memory"
plug_in keyboard "$KBD_NAME" "$KBD_LINK" /tmp/keyboard.out
KBD_PID=$PLUG_PID
KBD_DEV=$PLUG_DEV
check_plugged keyboard "$KBD_NAME" "$KBD_LINK" "$KBD_DEV"
plug_in mouse "$MOUSE_NAME" "$MOUSE_LINK" /tmp/mouse.out
MOUSE_PID=$PLUG_PID
MOUSE_DEV=$PLUG_DEV
check_plugged mouse "$MOUSE_NAME" "$MOUSE_LINK" "$MOUSE_DEV"
check "input: nobody grabs the keyboard before the VM starts (EVIOCGRAB succeeds)" grab_is "$KBD_DEV" 0
check "input: no $LG_SHM before the VM starts" test ! -e "$LG_SHM"

# The user's VM (as in the main story: SPICE, QXL, ich9 sound, agent channel), L2 booting
# Linux with vf.input=1 (it must read its own keyboard); 256 MiB, TCG, q35.
LG_OS="<kernel>/e2e/l2/kernel</kernel><initrd>/e2e/l2/initrd.img</initrd><cmdline>console=ttyS0 panic=-1 loglevel=4 vf.input=1</cmdline>"
cat > /tmp/lg.xml << XML
<domain type='qemu'>
  <name>$LG_VM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    $LG_OS
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$LG_CONSOLE'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <graphics type='spice' autoport='yes'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='qxl'/>
    </video>
    <sound model='ich9'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
OUT=$(virsh define /tmp/lg.xml 2>&1)
RC=$?
ok_rc "input: VM '$LG_VM' defined (SPICE, QXL, ich9 sound; L2 boots Linux, 256 MiB)" 0
# libvirt's own dump, defined again until stable (see the main story)
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-defined.xml 2>&1
virsh define /tmp/lg-defined.xml > /dev/null 2>&1
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-before.xml 2>&1
virsh define /tmp/lg-before.xml > /dev/null 2>&1
emit_file lg-before.xml < /tmp/lg-before.xml

# --input auto, as a dry run: the only keyboard and mouse with by-id links are ours
vf activate --dry-run "$LG_VM" --view looking-glass --lg-resolution "$LG_RES"
ok_rc "input: virtflow activate --dry-run $LG_VM --view looking-glass (--input auto)" 0
out_has "input: --input auto picks the uinput keyboard" "keyboard $KBD_LINK"
out_has "input: --input auto picks the uinput mouse" "mouse $MOUSE_LINK"

t0=$(now_ms)
vf activate --yes "$LG_VM" --view looking-glass --lg-resolution "$LG_RES" \
    --input "$KBD_LINK" --input "$MOUSE_LINK"
note "virtflow activate $LG_VM --view looking-glass --input ... ($(($(now_ms) - t0)) ms):"
show_output
ok_rc "input: virtflow activate --yes $LG_VM --view looking-glass --lg-resolution $LG_RES --input KBD --input MOUSE" 0
out_has "input: activate names the switch key (both Ctrl keys)" 'both Ctrl keys'
out_has "input: activate names the Looking Glass size (32 MiB)" '1920x1080, 32 MiB'
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-activated.xml 2>&1
emit_file lg-activated.xml < /tmp/lg-activated.xml
sed '/<metadata>/,/<\/metadata>/d' /tmp/lg-activated.xml > /tmp/lg-activated-devices.xml
check "input: the domain has <input type='evdev'> for the keyboard" \
    grep -q "<source dev='$KBD_LINK' grab='all' grabToggle='ctrl-ctrl' repeat='on'/>" /tmp/lg-activated-devices.xml
check "input: the domain has <input type='evdev'> for the mouse" \
    grep -q "<source dev='$MOUSE_LINK'/>" /tmp/lg-activated-devices.xml
check "looking glass: the domain has <shmem name='looking-glass'> of 32 MiB" \
    sh -c "grep -A2 \"<shmem name='looking-glass'>\" /tmp/lg-activated-devices.xml | grep -q \"<size unit='M'>32</size>\""
N=$(grep -c "<hostdev mode='subsystem' type='pci' managed='no'>" /tmp/lg-activated.xml)
check "input: the GPU's two functions are hostdevs too (found $N)" test "$N" = 2

: > "$LG_CONSOLE"
t0=$(now_ms)
vf start "$LG_VM"
ok_rc "input: virtflow start $LG_VM" 0
show_output
out_has "input: start says how to switch the keyboard and mouse" 'both Ctrl keys'
note "input: start took $(($(now_ms) - t0)) ms"
LG_PID=$(qemu_pid "$LG_VM")
check "input: libvirt reports $LG_VM running" test "$(domstate "$LG_VM")" = running
check "input: L2's QEMU (pid $LG_PID) holds /dev/vfio/$GRP" sh -c "ls -l /proc/$LG_PID/fd | grep -q ' /dev/vfio/$GRP\$'"
check "input: L2's QEMU holds the keyboard $KBD_DEV (/proc/$LG_PID/fd)" \
    sh -c "ls -l /proc/$LG_PID/fd | grep -q ' $KBD_DEV\$'"
check "input: L2's QEMU holds the mouse $MOUSE_DEV" sh -c "ls -l /proc/$LG_PID/fd | grep -q ' $MOUSE_DEV\$'"
check "input: the keyboard is grabbed (EVIOCGRAB from L1 fails with EBUSY)" grab_is "$KBD_DEV" 1
check "input: the mouse is grabbed (EVIOCGRAB from L1 fails with EBUSY)" grab_is "$MOUSE_DEV" 1
check "looking glass: $LG_SHM is $LG_BYTES bytes (found '$(shm_size)')" test "$(shm_size)" = "$LG_BYTES"
check "looking glass: L2's QEMU maps $LG_SHM" grep -q " $LG_SHM\$" "/proc/$LG_PID/maps"
note "input: /dev/shm: $(ls -l /dev/shm | tail -n +2 | tr '\n' ';')"

# L2 boots Linux (minutes under TCG in TCG), then reads its own /dev/input/event*.
t0=$(now_ms)
lg_running() { [ "$(domstate "$LG_VM")" = running ]; }
l2_ready_or_gone() { l2_ready || ! lg_running; }
LG_STARTED=0
lg_running && LG_STARTED=1
if [ "$LG_STARTED" = 1 ] && wait_for 600 l2_ready_or_gone && l2_ready; then
    note "L2: reading its input devices $(($(now_ms) - t0)) ms after the start"
    grep '^L2-INPUT' "$LG_CONSOLE" | sed 's/^/#   /' >&3
else
    note "L2 never said L2-READY; its console:"
    tail -n 20 "$LG_CONSOLE" | sed 's/^/#   /' >&3
fi
# KEY_A typed on L1's uinput keyboard, again every 2 s until L2 reports it (a key typed
# while L2 still opens its devices is lost, as on any machine).
_i=0
while l2_ready && ! l2_got_key && [ "$_i" -lt 15 ]; do
    kill -USR1 "$KBD_PID"
    sleep 2
    _i=$((_i + 1))
done
check "input: KEY_A typed on L1's uinput keyboard read by L2 from its own /dev/input ($(grep -m1 '^L2-KEY .* code=30 value=1' "$LG_CONSOLE" | tr -d '\r'))" l2_got_key
check "looking glass: L2 lists the ivshmem device 1af4:1110 in its PCI devices" \
    grep -q '^L2-PCI .* id=0x1af4:0x1110' "$LG_CONSOLE"
wait_for 120 is_shut_off "$LG_VM"
if [ "$LG_STARTED" = 1 ] && is_shut_off "$LG_VM"; then
    pass "input: L2 powered itself off after reading the key"
else
    fail "input: L2 powered itself off after reading the key (state: $(domstate "$LG_VM"))"
    virsh destroy "$LG_VM" > /dev/null 2>&1
fi
emit_file l2-lg-console.log < "$LG_CONSOLE"

# --- after the VM: nothing holds the devices, no shared memory left
check "input: after stop no process holds $KBD_DEV (holders: '$(holders "$KBD_DEV" | tr '\n' ' ')')" \
    test -z "$(holders "$KBD_DEV")"
check "input: after stop the keyboard can be grabbed again (EVIOCGRAB)" grab_is "$KBD_DEV" 0
check "input: after stop the mouse can be grabbed again (EVIOCGRAB)" grab_is "$MOUSE_DEV" 0
note "input: after stop, /dev/shm: $(ls -l /dev/shm | tail -n +2 | tr '\n' ';')"
# libvirt 9.0 leaves the file QEMU created (root, 0644) after the VM stops.
if [ -e "$LG_SHM" ]; then
    note "looking glass: libvirt leaves $LG_SHM after the VM stopped: $(ls -l "$LG_SHM")"
fi

wait_for 20 home
check_home "input: after L2 powered off (the hook's release)"

# --- the keyboard unplugged between Activate and Start: the link dangles
kill -TERM "$KBD_PID"
wait "$KBD_PID" 2>/dev/null
check "input: keyboard unplugged ($KBD_LINK dangles)" sh -c "test -L '$KBD_LINK' && test ! -e '$KBD_LINK'"
before=$(state "$GPU" "$AUD")
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-unplugged-before.xml 2>&1
vf start "$LG_VM"
ok_nonzero "unplugged: virtflow start $LG_VM refused"
note "virtflow start: $OUT"
out_has "unplugged: virtflow start names the keyboard" "$KBD_LINK"
out_has "unplugged: virtflow start gives the fix (plug it in, or activate --input again)" 'plug it in'
check "unplugged: nothing unbound after virtflow start" test "$(state "$GPU" "$AUD")" = "$before"
check "unplugged: $LG_VM stays shut off" is_shut_off "$LG_VM"
OUT=$(timeout 120 virsh start "$LG_VM" 2>&1)
# shellcheck disable=SC2034 # read by ok_nonzero (e2e-lib.sh)
RC=$?
ok_nonzero "unplugged: virsh start $LG_VM refused"
note "libvirt's error: $OUT"
out_has "unplugged: libvirt's error is the hook's" 'Hook script execution failed'
out_has "unplugged: libvirt's error names the keyboard" "$KBD_LINK"
check "unplugged: nothing unbound after virsh start" test "$(state "$GPU" "$AUD")" = "$before"
check "unplugged: $LG_VM stays shut off" is_shut_off "$LG_VM"
check "unplugged: the hook logged the refused prepare" \
    grep -q "domain=\"$LG_VM\" operation=prepare .*result=refused.*$KBD_LINK" "$HOOK_LOG"
if ! is_shut_off "$LG_VM"; then
    # it started after all: stop it and bring the GPU home, so that the main story can go on
    note "unplugged: $LG_VM started anyway; destroying it"
    virsh destroy "$LG_VM" > /dev/null 2>&1
    wait_for 30 home
fi
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-unplugged-after.xml 2>&1
check "unplugged: the domain XML unchanged" cmp -s /tmp/lg-unplugged-before.xml /tmp/lg-unplugged-after.xml

# --- deactivate: the user's VM exactly as before, nothing left behind
vf deactivate "$LG_VM"
ok_rc "input: virtflow deactivate $LG_VM" 0
show_output
virsh dumpxml --inactive "$LG_VM" > /tmp/lg-after.xml 2>&1
if cmp -s /tmp/lg-before.xml /tmp/lg-after.xml; then
    pass "input: after deactivate the domain XML is exactly as before activation"
else
    fail "input: after deactivate the domain XML is exactly as before activation"
    diff -u /tmp/lg-before.xml /tmp/lg-after.xml | head -n 40 | sed 's/^/#   /' >&3
fi
check_home "input: deactivate"
# (issue 11: "Stop and Deactivate leave no shm file"; libvirt does not remove it)
if [ ! -e "$LG_SHM" ]; then pass "looking glass: after stop and deactivate no $LG_SHM"; else
    fail "looking glass: after stop and deactivate no $LG_SHM (left: $(ls -l "$LG_SHM"))"
fi
check "input: after deactivate the mouse can be grabbed (EVIOCGRAB)" grab_is "$MOUSE_DEV" 0

kill -TERM "$MOUSE_PID"
wait "$MOUSE_PID" 2>/dev/null
rm -f "$KBD_LINK" "$MOUSE_LINK" "$LG_SHM"
virsh undefine "$LG_VM" > /dev/null 2>&1
