# shellcheck shell=sh
# Helpers of the end-to-end story (busybox ash), on top of the rig's lib.sh (driver,
# override, drivers_are, state, drm_node, wait_for, pass/fail/check/note, emit_file).

export LIBVIRT_DEFAULT_URI=qemu:///system
# shellcheck disable=SC2034 # used by story.sh
VM=e2e-vm
HOOK_LOG=/var/log/libvirt/qemu-hook.log
# shellcheck disable=SC2034 # used by story.sh
HOOK_LINK=/etc/libvirt/hooks/qemu.d/virtflow
# shellcheck disable=SC2034 # used by story.sh
HELPER=/usr/libexec/virtflow/virtflow-helper

now_ms() { echo $(($(rig-helper now) / 1000000)); }

# TIMES: key=value lines handed to the host as bench.txt
TIMES=/tmp/bench.txt
: > "$TIMES"
timing() {
    echo "$1=$2" >> "$TIMES"
    note "time: $1 $2 ms"
}

libvirtd_answers() { virsh uri > /dev/null 2>&1; }

# start_libvirt: virtlogd (once) and libvirtd, daemonised with pidfiles; waits until
# libvirtd answers, and notices a libvirtd that died instead of waiting for ever.
start_libvirt() {
    if [ ! -s /run/virtlogd.pid ] || ! kill -0 "$(cat /run/virtlogd.pid)" 2>/dev/null; then
        virtlogd -d -p /run/virtlogd.pid || return 1
    fi
    libvirtd -d -p /run/libvirtd.pid || return 1
    _i=0
    while ! libvirtd_answers; do
        _i=$((_i + 1))
        if [ "$_i" -gt 600 ]; then
            note "libvirtd did not answer within 60 s"
            return 1
        fi
        if [ "$_i" -gt 20 ] && { [ ! -s /run/libvirtd.pid ] ||
            ! kill -0 "$(cat /run/libvirtd.pid)" 2>/dev/null; }; then
            note "libvirtd died while starting; its log:"
            tail -n 20 /var/log/libvirt/libvirtd.log | sed 's/^/#   /' >&3
            return 1
        fi
        usleep 100000
    done
}

stop_libvirtd() {
    _p=$(cat /run/libvirtd.pid 2>/dev/null)
    [ -n "$_p" ] || return 0
    kill "$_p" 2>/dev/null
    _i=0
    while kill -0 "$_p" 2>/dev/null; do
        _i=$((_i + 1))
        [ "$_i" -gt 200 ] && kill -9 "$_p"
        usleep 50000
    done
    rm -f /run/libvirtd.pid
}

# ok_rc WHAT EXPECTED: the last vf/command's $RC equals EXPECTED; shows $OUT if not.
ok_rc() {
    if [ "$RC" -eq "$2" ]; then pass "$1 (exit $RC)"; else
        fail "$1 (exit $RC, expected $2)"
        show_output
    fi
}
ok_nonzero() {
    if [ "$RC" -ne 0 ]; then pass "$1 (exit $RC)"; else
        fail "$1 (exit 0)"
        show_output
    fi
}

# out_has WHAT PATTERN: $OUT contains PATTERN (grep -E, case-insensitive)
out_has() {
    if printf '%s\n' "$OUT" | grep -qiE "$2"; then pass "$1"; else
        fail "$1"
        show_output
    fi
}

# snapshot DIR...: one line per file: path, mode, and content checksum or link target.
snapshot() {
    find "$@" 2>/dev/null | sort | while IFS= read -r _f; do
        if [ -L "$_f" ]; then
            echo "$_f link $(readlink "$_f")"
        elif [ -d "$_f" ]; then
            echo "$_f dir $(stat -c %a "$_f")"
        else
            echo "$_f file $(stat -c %a "$_f") $(md5sum < "$_f" | cut -d' ' -f1)"
        fi
    done
}

domstate() { virsh domstate "$1" 2>/dev/null | head -n 1; }
is_shut_off() { [ "$(domstate "$1")" = "shut off" ]; }
qemu_pid() { cat "/run/libvirt/qemu/$1.pid" 2>/dev/null; }

# fds PID: the targets of the process's fds, one a line
fds() {
    for _fd in /proc/"$1"/fd/*; do
        readlink "$_fd"
    done 2>/dev/null
}

home() {
    drivers_are bochs-drm "$GPU" && drivers_are snd_hda_intel "$AUD"
}
on_vfio() { drivers_are vfio-pci "$GPU" "$AUD"; }

# check_home WHEN: the whole "devices are back" verdict, each part its own line
check_home() {
    check "$1: $GPU back on bochs-drm" drivers_are bochs-drm "$GPU"
    check "$1: $AUD back on snd_hda_intel" drivers_are snd_hda_intel "$AUD"
    check "$1: driver_override reads (null) on both" overrides_cleared "$GPU" "$AUD"
    check "$1: /dev/vfio/$GRP is gone" test ! -e "/dev/vfio/$GRP"
}

# hook_lines OPERATION: hook log lines of our VM for OPERATION so far
hook_lines() {
    grep -c "domain=\"$VM\" operation=$1 " "$HOOK_LOG" 2>/dev/null || echo 0
}

# sysfs writes by hand, as a user following a wiki would (bench, VF_E2E_BENCH=1)
hand_bind() {
    for _d in "$@"; do echo vfio-pci > "$PCI/$_d/driver_override"; done
    for _d in "$@"; do
        [ -e "$PCI/$_d/driver" ] && echo "$_d" > "$PCI/$_d/driver/unbind"
    done
    for _d in "$@"; do echo "$_d" > /sys/bus/pci/drivers_probe; done
}
hand_restore() {
    for _d in "$@"; do
        [ -e "$PCI/$_d/driver" ] && echo "$_d" > "$PCI/$_d/driver/unbind"
        echo > "$PCI/$_d/driver_override"
    done
    for _d in "$@"; do echo "$_d" > /sys/bus/pci/drivers_probe; done
}

not_grep() { ! grep -q "$1" "$2"; }

# vf ARGS...: the installed virtflow as a user runs it, without a terminal to answer
# questions (stdin /dev/null); output (stdout+stderr) in $OUT, exit status in $RC.
vf() {
    OUT=$(timeout "$VF_TIMEOUT" virtflow "$@" 2>&1 < /dev/null)
    RC=$?
}
