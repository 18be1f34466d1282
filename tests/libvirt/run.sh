#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# shellcheck disable=SC2317 # cleanup and kill_pid run from the EXIT trap
# VirtFlow against a real libvirtd: the test starts its own virtlogd + libvirtd (system
# mode, qemu:///system), defines three small TCG guests that boot in seconds (Debian
# kernel + busybox initramfs; see guest/init) and checks `virtflow list/start/stop/
# activate` against them with virsh and the guests' own serial consoles:
#   'vf test é'        qemu-guest-agent; SPICE + QXL + ICH9 sound like a desktop VM
#   vf-test-noagent    no agent, ignores ACPI (stop must time out, --force destroys)
#   vf-test-acpi       no agent, honours ACPI (stop falls back to the power button)
#
# Usage: tests/libvirt/run.sh BUILDDIR      (as root; BUILDDIR/src/cli/virtflow under test)
#
# Nothing on this machine's PCI bus is touched: this machine has no IOMMU, so a real
# activation must refuse before it changes anything, which the test checks (domain XML,
# domain state, every host PCI device's driver, VirtFlow's journal). Planning against a
# GPU uses a simulated host tree (`virtflow --demo`), never this host. VirtFlow's state
# goes to the test's temporary folder (--state-dir), not /var/lib/virtflow.
#
# Somebody else's libvirtd/virtlogd already running is a failure, never killed or shared.
# The test's libvirtd runs with /dev/kvm hidden (see start_daemons): TCG only.
#
# Environment:
#   VF_RIG_CACHE   kernel download cache shared with the kernel rig (tests/lib/debian-kernel.sh)
#   VF_LIBVIRT_KEEP=1   keep the temporary state folder (logs are copied to BUILDDIR/libvirt/
#                       in any case, with each virtflow call's stdout/stderr)
#
# Output: one `ok - ...` / `not ok - ...` line per check, `# ...` comments (phase times
# among them), then `libvirt: N passed, M failed`. Exit 0 only when nothing failed. A
# missing prerequisite is a failure (exit 1), never a skip.
#
# Cleanup (trap, also on ^C / SIGTERM): the test's domains destroyed + undefined, its
# daemons killed by pid, the machine cgroup folders libvirt made for them removed when
# empty, the QEMU logs of its domains and the temporary folder removed.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-kernel.sh
source "$HERE/../lib/debian-kernel.sh"

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILDDIR" >&2
    exit 2
fi
if [[ ! -d $1 ]]; then
    echo "not ok - prerequisite: build directory '$1' does not exist"
    echo "libvirt: 0 passed, 1 failed"
    exit 1
fi
BUILDDIR=$(cd "$1" && pwd)
VIRTFLOW=$BUILDDIR/src/cli/virtflow
OUT=$BUILDDIR/libvirt
URI=qemu:///system
export LIBVIRT_DEFAULT_URI=$URI
export LC_ALL=C.UTF-8

# The domains. The main one has a space and a non-ASCII letter in its name on purpose.
VM="vf test é"
VM2=vf-test-noagent     # no agent, ignores ACPI: only a destroy stops it
VM3=vf-test-acpi        # no agent, honours ACPI: the graceful fallback
VM_PLAN=vf-test-plan     # the activation plan's XML, defined for a moment to validate it
TEST_NS=https://virtflow.invalid/test
# VirtFlow's libvirt hook (src/hook), installed for the daemon the test starts. VM_GPU
# carries VirtFlow's passthrough metadata for GPU 0000:01:00.0, which this machine does
# not have, and no <hostdev>: only the hook can refuse its start.
VM_GPU=vf-test-gpu
HOOK=$BUILDDIR/src/hook/virtflow-hook
HOOK_DIR=/etc/libvirt/hooks/qemu.d
HOOK_FILE=$HOOK_DIR/virtflow
HOOK_MARK="installed by VirtFlow's tests/libvirt/run.sh for one run"
# somebody's own qemu.d/virtflow waits here (outside qemu.d, which libvirtd scans)
HOOK_BACKUP=/etc/libvirt/hooks/.virtflow.saved-by-vf-libvirt-test
HOOK_MADE_DIRS=()
REAL_HOOK_LOG=/var/log/libvirt/qemu-hook.log

# Seconds: daemon ready, guest agent up, guest booted, one virtflow/virsh call.
DAEMON_TIMEOUT=60
AGENT_TIMEOUT=60
BOOT_TIMEOUT=60
CALL_TIMEOUT=120

PASSED=0
FAILED=0
STATE=
VIRTLOGD_PID=
LIBVIRTD_PID=
CREATED=()        # domain names this run defined
CGROUPS_BEFORE=
LOGS_BEFORE=()    # /var/log/libvirt/qemu/*.log that existed before (left alone)

# ---------------------------------------------------------------------------------------
# Reporting

ok() {
    PASSED=$((PASSED + 1))
    printf 'ok - %s\n' "$1"
}
not_ok() {
    FAILED=$((FAILED + 1))
    printf 'not ok - %s\n' "$1"
}
# check COND-RC MESSAGE: ok when the first argument is 0.
check() {
    if [[ $1 -eq 0 ]]; then ok "$2"; else not_ok "$2"; fi
}
# count_lines: pass report lines from a helper through, counting ok / not ok.
count_lines() {
    local line
    while IFS= read -r line; do
        case $line in
            "ok - "*) PASSED=$((PASSED + 1)) ;;
            "not ok - "*) FAILED=$((FAILED + 1)) ;;
        esac
        printf '%s\n' "$line"
    done
}
comment() { sed 's/^/#   /'; }

now_ms() { date +%s%3N; }
secs_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
TIMINGS=()
timing() { TIMINGS+=("$1 $2 s"); echo "# time: $1 $2 s"; }

finish() {
    if [[ ${#TIMINGS[@]} -gt 0 ]]; then
        local t
        t=$(printf '%s; ' "${TIMINGS[@]}")
        echo "# phase times: ${t%; }"
    fi
    echo "libvirt: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 && $PASSED -gt 0 ]]
    exit $?
}

# fatal MESSAGE: a failure that stops the run (the trap cleans up).
fatal() {
    not_ok "$1"
    finish
}

# ---------------------------------------------------------------------------------------
# Prerequisites (Debian packages): libvirt-daemon-system (libvirtd, virtlogd, the QEMU
# driver), libvirt-clients (virsh), qemu-system-x86, qemu-guest-agent (its qemu-ga goes into
# the guest), busybox-static, cpio, python3, and apt working for the kernel download.

check_prereqs() {
    local missing=() entry cmd pkg
    for entry in /usr/sbin/libvirtd:libvirt-daemon-system /usr/sbin/virtlogd:libvirt-daemon-system \
        virsh:libvirt-clients qemu-system-x86_64:qemu-system-x86 \
        /usr/sbin/qemu-ga:qemu-guest-agent cpio:cpio gzip:gzip python3:python3 \
        timeout:coreutils flock:util-linux unshare:util-linux mount:mount ldd:libc-bin \
        pgrep:procps \
        apt-get:apt apt-cache:apt dpkg:dpkg; do
        cmd=${entry%%:*}
        pkg=${entry#*:}
        if [[ $cmd == /* ]]; then
            [[ -x $cmd ]] || missing+=("$cmd (package $pkg)")
        else
            command -v "$cmd" > /dev/null || missing+=("$cmd (package $pkg)")
        fi
    done
    if [[ ! -e /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ]]; then
        missing+=("libvirt's QEMU driver (package libvirt-daemon-driver-qemu)")
    fi
    if [[ ! -x /bin/busybox ]]; then
        missing+=("/bin/busybox (package busybox-static)")
    elif ldd /bin/busybox > /dev/null 2>&1; then
        missing+=("a static /bin/busybox: the installed one is dynamic (package busybox-static)")
    fi
    [[ -x $VIRTFLOW ]] || missing+=("$VIRTFLOW (build the project first)")
    [[ -x $HOOK && -x $HOOK-worker ]] ||
        missing+=("$HOOK and $HOOK-worker (build the project first)")
    [[ $EUID -eq 0 ]] || missing+=("root (qemu:///system and its daemons need it)")
    if command -v dpkg > /dev/null && [[ $(dpkg --print-architecture) != amd64 ]]; then
        missing+=("an amd64 host: the guest boots Debian's amd64 kernel package")
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        local m
        for m in "${missing[@]}"; do
            not_ok "prerequisite: $m is missing"
        done
        finish
    fi
    ok "prerequisites present (libvirtd, virtlogd, virsh, QEMU, qemu-ga, static busybox, cpio, python3, virtflow)"
}

# Somebody else's daemons are never killed or reused: the test fails instead.
check_no_foreign_daemons() {
    local name pids found=0
    for name in libvirtd virtqemud virtlogd; do
        pids=$(pgrep -x "$name") || true
        if [[ -n $pids ]]; then
            found=1
            local p desc=()
            for p in $pids; do
                desc+=("pid $p: $(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null | sed 's/ $//')")
            done
            not_ok "no $name running before the test (found $(IFS=';'; echo "${desc[*]}")); the test neither kills nor shares somebody's daemon: stop it first"
        fi
    done
    if [[ -S /run/libvirt/libvirt-sock ]] && virsh -c "$URI" version > /dev/null 2>&1; then
        found=1
        not_ok "no libvirt daemon answering on $URI before the test (one answers)"
    fi
    # libvirtd would autostart these when the test starts it: they are not the test's.
    local auto
    auto=$(find /etc/libvirt/qemu/autostart -mindepth 1 -maxdepth 1 2> /dev/null | tr '\n' ' ') || true
    if [[ -n $auto ]]; then
        found=1
        not_ok "no autostart domains in /etc/libvirt/qemu/autostart (found: $auto); starting libvirtd would start them"
    fi
    if [[ $found -ne 0 ]]; then
        finish
    fi
    ok "no other libvirt daemon is running"
}

# ---------------------------------------------------------------------------------------
# Cleanup

machine_cgroups() {
    find /sys/fs/cgroup -maxdepth 6 -type d \( -name machine -o -name machine.slice \) \
        2> /dev/null | LC_ALL=C sort
}

# kill_pid PID NAME: SIGTERM, up to 10 s, then SIGKILL.
kill_pid() {
    local pid=$1 i
    [[ -n $pid ]] && kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2> /dev/null || return 0
        sleep 0.1
    done
    echo "# cleanup: $2 (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
    kill -KILL "$pid" 2> /dev/null || true
}

cleanup() {
    local rc=$? name qpid
    trap - EXIT INT TERM HUP
    set +e
    if [[ -n $LIBVIRTD_PID ]] && kill -0 "$LIBVIRTD_PID" 2> /dev/null; then
        for name in "${CREATED[@]}"; do
            if [[ $(virsh domstate -- "$name" 2> /dev/null) != "shut off" ]]; then
                if ! virsh destroy -- "$name" > /dev/null 2>&1; then
                    # Ours for sure: the domain's QEMU, by the pid libvirt wrote.
                    qpid=$(cat "/run/libvirt/qemu/$name.pid" 2> /dev/null)
                    [[ -n $qpid ]] && kill_pid "$qpid" "QEMU of '$name'"
                fi
            fi
            virsh undefine -- "$name" > /dev/null 2>&1 ||
                echo "# cleanup: cannot undefine '$name'"
        done
    fi
    kill_pid "$LIBVIRTD_PID" libvirtd
    kill_pid "$VIRTLOGD_PID" virtlogd
    # after the daemon: it runs the hook until its last domain is gone
    uninstall_hook

    # Cgroup folders libvirt made for the test's guests: in a `machine` folder that did not
    # exist before, the folders of the test's domains (qemu-ID-SHORTNAME.libvirt-qemu,
    # SHORTNAME being the name without spaces and non-ASCII letters), then the `machine`
    # folder itself. rmdir removes empty cgroups only: anything still in use stays.
    if [[ -n $CGROUPS_BEFORE ]]; then
        local dir sub
        while IFS= read -r dir; do
            [[ -n $dir ]] || continue
            grep -qxF "$dir" <<< "$CGROUPS_BEFORE" && continue
            for sub in "$dir"/qemu-*.libvirt-qemu; do
                case ${sub##*/} in
                    qemu-[0-9]*-vftest.libvirt-qemu | qemu-[0-9]*-vf-test-*.libvirt-qemu)
                        find "$sub" -depth -type d -exec rmdir {} \; 2> /dev/null ;;
                esac
            done
            rmdir "$dir" 2> /dev/null
        done < <(machine_cgroups)
    fi

    if [[ -n $STATE && -d $STATE ]]; then
        mkdir -p "$OUT/logs"
        cp -f "$STATE"/*.log "$OUT/logs/" 2> /dev/null
        for name in "${CREATED[@]}"; do
            local log="/var/log/libvirt/qemu/$name.log" before=0 l
            for l in "${LOGS_BEFORE[@]}"; do [[ $l == "$log" ]] && before=1; done
            if [[ -f $log ]]; then
                cp -f "$log" "$OUT/logs/qemu-${name// /_}.log"
                [[ $before -eq 1 ]] || rm -f "$log"
            fi
        done
        if [[ ${VF_LIBVIRT_KEEP:-0} == 1 ]]; then
            echo "# kept $STATE"
        else
            rm -rf "$STATE"
        fi
    fi
    exit "$rc"
}

# ---------------------------------------------------------------------------------------
# Guest: Debian kernel + initramfs with static busybox, the virtio closure and qemu-ga.

copy_with_parents() {
    mkdir -p "$2$(dirname "$1")"
    cp -L "$1" "$2$1"
}

build_initramfs() {
    local stage=$STATE/initramfs p lib mods
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,var,etc,root}
    chmod 0755 "$stage"
    ln -s ../run "$stage/var/run"
    cp /bin/busybox "$stage/bin/busybox" || return 1
    while IFS= read -r p; do
        [[ -e $stage/$p || -L $stage/$p ]] || ln -s /bin/busybox "$stage/$p"
    done < <(/bin/busybox --list-full)
    rm -f "$stage/sbin/shutdown"
    cp "$HERE/guest/shutdown" "$stage/sbin/shutdown"
    cp "$HERE/guest/init" "$stage/init"
    chmod 0755 "$stage/init" "$stage/sbin/shutdown"

    local moddir=$KTREE/lib/modules/$KVER
    mods=$(kernel_module_closure virtio_pci virtio_console button evdev) || return 1
    for p in $mods; do
        mkdir -p "$stage/lib/modules/$KVER/$(dirname "$p")"
        cp "$moddir/$p" "$stage/lib/modules/$KVER/$p"
    done
    cp "$moddir"/modules.{builtin,builtin.modinfo,order} "$stage/lib/modules/$KVER/"
    /bin/busybox depmod -b "$stage" "$KVER" || return 1

    copy_with_parents /usr/sbin/qemu-ga "$stage"
    local libs
    libs=$(ldd /usr/sbin/qemu-ga) || return 1
    if grep -q 'not found' <<< "$libs"; then
        echo "libvirt: qemu-ga has unresolved libraries: $libs" >&2
        return 1
    fi
    while IFS= read -r lib; do
        copy_with_parents "$lib" "$stage"
    done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<< "$libs")
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
    printf 'root:x:0:\n' > "$stage/etc/group"

    (cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
        gzip -1 > "$STATE/initrd.img" || return 1
    rm -rf "$stage"
    # libvirt's DAC driver hands kernel and initrd to the QEMU user: keep them in the
    # test's folder (world-traversable), not in root's cache.
    cp "$KERNEL_IMAGE" "$STATE/kernel" || return 1
    chmod 0644 "$STATE/kernel" "$STATE/initrd.img"
}

# domain_xml NAME CONSOLE-FILE EXTRA-KERNEL-ARGS: a guest that looks like a user's VM
# (SPICE display, QXL video, ICH9 sound, guest-agent channel) but boots in seconds.
domain_xml() {
    cat << EOF
<domain type='qemu'>
  <name>$1</name>
  <metadata>
    <vft:test xmlns:vft='$TEST_NS' owner='tests/libvirt/run.sh'/>
  </metadata>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>$STATE/kernel</kernel>
    <initrd>$STATE/initrd.img</initrd>
    <cmdline>console=ttyS0 loglevel=4 panic=-1 $3</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='$2'/>
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
EOF
}

# free_name NAME: no domain NAME exists afterwards. One left over by an earlier, killed
# run of this test (it carries the test's metadata) is removed; anybody else's is a
# fatal failure, never touched.
free_name() {
    virsh dominfo -- "$1" > /dev/null 2>&1 || return 0
    # (no `| grep -q`: it may exit before virsh has written all, and pipefail then sees
    # virsh's SIGPIPE)
    if grep -qF "$TEST_NS" <<< "$(virsh dumpxml --inactive -- "$1" 2> /dev/null)"; then
        echo "# '$1' is left over from an earlier run of this test: removing it"
        virsh destroy -- "$1" > /dev/null 2>&1
        virsh undefine -- "$1" > /dev/null 2>&1
    else
        fatal "a domain named '$1' exists and is not this test's; not touching it"
    fi
}

# define_domain NAME CONSOLE EXTRA-ARGS
define_domain() {
    local name=$1 xml=$STATE/define-$2.xml
    free_name "$name"
    domain_xml "$name" "$STATE/console-$2.log" "$3" > "$xml"
    if virsh define "$xml" > "$STATE/define-$2.out" 2>&1; then
        CREATED+=("$name")
        return 0
    fi
    comment < "$STATE/define-$2.out"
    return 1
}

# ---------------------------------------------------------------------------------------
# The hook

# install_hook: VirtFlow's hook as /etc/libvirt/hooks/qemu.d/virtflow, before the daemon
# starts (libvirtd looks for hooks once, when it starts). libvirtd scrubs the environment
# of its hooks, so the test's paths are baked into a wrapper: the hook's log and state go
# to the test's folder, never to /var/log/libvirt/qemu-hook.log or /var/lib/virtflow. The
# wrapper also records each call (its arguments, to prove libvirtd ran it), then execs the
# built gate with libvirtd's arguments and stdin. Somebody's own qemu.d/virtflow is moved
# aside (HOOK_BACKUP) and put back by uninstall_hook.
install_hook() {
    local d
    for d in /etc/libvirt/hooks "$HOOK_DIR"; do
        if [[ ! -d $d ]]; then
            mkdir -m 0755 "$d" || fatal "hook: create $d"
            HOOK_MADE_DIRS=("$d" "${HOOK_MADE_DIRS[@]}")
        fi
    done
    if [[ -e $HOOK_BACKUP || -L $HOOK_BACKUP ]]; then
        # an earlier run was killed before it put the saved hook back
        if [[ -e $HOOK_FILE || -L $HOOK_FILE ]] &&
            ! grep -qF "$HOOK_MARK" "$HOOK_FILE" 2> /dev/null; then
            fatal "hook: both $HOOK_FILE and a saved $HOOK_BACKUP exist; not touching either (put the right one back by hand)"
        fi
        echo "# hook: $HOOK_BACKUP was saved by an earlier, interrupted run: it goes back at the end"
    elif [[ -e $HOOK_FILE || -L $HOOK_FILE ]]; then
        if grep -qF "$HOOK_MARK" "$HOOK_FILE" 2> /dev/null; then
            echo "# hook: $HOOK_FILE is left over from an earlier run of this test: replacing it"
        else
            mv -- "$HOOK_FILE" "$HOOK_BACKUP" || fatal "hook: move the existing $HOOK_FILE aside"
            echo "# hook: the existing $HOOK_FILE is moved aside to $HOOK_BACKUP until the end"
        fi
    fi
    {
        echo '#!/bin/sh'
        echo "# $HOOK_MARK ($STATE); removed at its end."
        printf '%s\n' "printf '%s\\n' \"\$*\" >> '$STATE/hook-calls.log'"
        echo "exec '$HOOK' --log '$STATE/hook.log' --state-dir '$STATE/hook-state' \"\$@\""
    } > "$HOOK_FILE.vf-tmp"
    if ! chmod 0755 "$HOOK_FILE.vf-tmp" || ! mv -f -- "$HOOK_FILE.vf-tmp" "$HOOK_FILE"; then
        fatal "hook: install $HOOK_FILE"
    fi
    ok "hook: installed as $HOOK_FILE before the daemon starts (a wrapper with the test's paths, exec'ing $HOOK)"
}

# uninstall_hook: our hook removed, a saved one put back, the folders we made removed.
uninstall_hook() {
    local d
    if [[ -e $HOOK_FILE ]] && grep -qF "$HOOK_MARK" "$HOOK_FILE" 2> /dev/null; then
        rm -f -- "$HOOK_FILE"
    fi
    rm -f -- "$HOOK_FILE.vf-tmp"
    if [[ -e $HOOK_BACKUP || -L $HOOK_BACKUP ]]; then
        if [[ -e $HOOK_FILE || -L $HOOK_FILE ]]; then
            echo "# cleanup: $HOOK_FILE exists (not ours): $HOOK_BACKUP is left for you"
        else
            mv -- "$HOOK_BACKUP" "$HOOK_FILE" || echo "# cleanup: cannot put $HOOK_BACKUP back"
        fi
    fi
    for d in "${HOOK_MADE_DIRS[@]}"; do
        rmdir -- "$d" 2> /dev/null
    done
}

# ---------------------------------------------------------------------------------------
# Daemons

start_daemons() {
    cat > "$STATE/virtlogd.conf" << EOF
log_outputs = "3:file:$STATE/virtlogd.log"
EOF
    cat > "$STATE/libvirtd.conf" << EOF
log_outputs = "3:file:$STATE/libvirtd.log"
EOF
    local t0 i
    t0=$(now_ms)
    if ! /usr/sbin/virtlogd -d -f "$STATE/virtlogd.conf" -p "$STATE/virtlogd.pid" \
        > "$STATE/virtlogd.out" 2>&1; then
        comment < "$STATE/virtlogd.out"
        fatal "virtlogd starts"
    fi
    VIRTLOGD_PID=$(cat "$STATE/virtlogd.pid" 2> /dev/null)
    [[ -n $VIRTLOGD_PID ]] || fatal "virtlogd wrote its pidfile $STATE/virtlogd.pid"
    # This machine kind has a /dev/kvm that QEMU (run as root) can open but the QEMU user
    # cannot (root:root 0600, no udev rule): libvirt then finds "KVM was enabled when
    # probing, but it is not available now" on every capabilities lookup, throws its cache
    # away and probes QEMU again (~4 s each; one `virsh define` took 47 s). The test's
    # guests are TCG anyway: its libvirtd runs in a private mount namespace where
    # /dev/kvm is an empty file, so the probe finds no KVM and the cache stays valid.
    local launch=(/usr/sbin/libvirtd -d -f "$STATE/libvirtd.conf" -p "$STATE/libvirtd.pid")
    if [[ -e /dev/kvm ]]; then
        mknod -m 0600 "$STATE/no-kvm" c 1 3
        if unshare -m --propagation private true 2> /dev/null; then
            # shellcheck disable=SC2016 # $1 and $@ belong to the inner sh
            launch=(unshare -m --propagation private sh -c
                'mount --bind "$1" /dev/kvm && shift && exec "$@"' sh "$STATE/no-kvm"
                "${launch[@]}")
            echo "# libvirtd runs with /dev/kvm hidden (private mount namespace): TCG only"
        else
            echo "# warning: cannot make a mount namespace; libvirtd sees /dev/kvm and may re-probe QEMU on every call (slow)"
        fi
    fi
    if ! "${launch[@]}" > "$STATE/libvirtd.out" 2>&1; then
        comment < "$STATE/libvirtd.out"
        tail -n 20 "$STATE/libvirtd.log" 2> /dev/null | comment
        fatal "libvirtd starts"
    fi
    LIBVIRTD_PID=$(cat "$STATE/libvirtd.pid" 2> /dev/null)
    [[ -n $LIBVIRTD_PID ]] || fatal "libvirtd wrote its pidfile $STATE/libvirtd.pid"
    for ((i = 0; ; i++)); do
        if virsh -c "$URI" version > "$STATE/version.out" 2>&1; then
            break
        fi
        if ! kill -0 "$LIBVIRTD_PID" 2> /dev/null; then
            tail -n 20 "$STATE/libvirtd.log" 2> /dev/null | comment
            fatal "libvirtd (pid $LIBVIRTD_PID) stays up (it died while starting)"
        fi
        if ! kill -0 "$VIRTLOGD_PID" 2> /dev/null; then
            fatal "virtlogd (pid $VIRTLOGD_PID) stays up (it died)"
        fi
        if ((i >= DAEMON_TIMEOUT * 10)); then
            comment < "$STATE/version.out"
            fatal "libvirtd answers on $URI within $DAEMON_TIMEOUT s"
        fi
        sleep 0.1
    done
    local dt
    dt=$(secs_since "$t0")
    timing "daemons ready" "$dt"
    ok "virtlogd (pid $VIRTLOGD_PID) and libvirtd (pid $LIBVIRTD_PID) answer on $URI ($(
        awk '/Running hypervisor/ { print $3, $4 }' "$STATE/version.out"))"
}

# ---------------------------------------------------------------------------------------
# Helpers for the checks

# vf NAME ARGS...: run virtflow, output in $OUT/NAME.{out,err}, exit status in VF_RC.
# Its journal and records go to the test's folder, not to /var/lib/virtflow.
VF_RC=0
vf() {
    local name=$1
    shift
    timeout -k 5 "$CALL_TIMEOUT" "$VIRTFLOW" --state-dir "$STATE/virtflow-state" "$@" \
        > "$OUT/$name.out" 2> "$OUT/$name.err"
    VF_RC=$?
    if [[ $VF_RC -eq 124 || $VF_RC -eq 137 ]]; then
        echo "# virtflow $* did not end within $CALL_TIMEOUT s (killed)"
    fi
}
# vf_said NAME: virtflow's stdout + stderr of call NAME, one line, shortened.
vf_said() {
    cat "$OUT/$1.err" "$OUT/$1.out" 2> /dev/null | tr -s '\n\t' '  ' | cut -c1-300
}
# vf_show NAME: virtflow's output as comments (after a failed check).
vf_show() {
    { sed 's/^/stderr: /' "$OUT/$1.err"; sed 's/^/stdout: /' "$OUT/$1.out"; } 2> /dev/null |
        head -n 20 | comment
}

domstate() { virsh domstate -- "$1" 2> /dev/null; }
domstate_reason() { virsh domstate --reason -- "$1" 2> /dev/null; }

# pci_drivers: every host PCI device with its driver (read-only), to prove nothing moved.
pci_drivers() {
    local d drv
    for d in /sys/bus/pci/devices/*; do
        drv=$(readlink "$d/driver" 2> /dev/null) || drv=-
        printf '%s %s %s\n' "${d##*/}" "${drv##*/}" "$(cat "$d/driver_override" 2> /dev/null)"
    done
}

# wait_console FILE PATTERN SECONDS
wait_console() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -qF -- "$2" "$1" 2> /dev/null && return 0
        sleep 0.1
    done
    return 1
}

# wait_agent NAME SECONDS: until guest-ping answers.
wait_agent() {
    local end=$(($(now_ms) + $2 * 1000))
    while (($(now_ms) < end)); do
        if virsh qemu-agent-command --timeout 2 -- "$1" '{"execute":"guest-ping"}' \
            > /dev/null 2>&1; then
            return 0
        fi
        [[ $(domstate "$1") == running ]] || return 1
        sleep 0.3
    done
    return 1
}

# ---------------------------------------------------------------------------------------
# Checks of the hook

# The ordinary VMs started and stopped above, with the hook installed: libvirtd ran it at
# every step (the wrapper's record) and it stayed invisible: the start/stop checks above
# passed as before, and VirtFlow's hook log has no line for them (for a domain without
# VirtFlow's metadata the hook does nothing and logs nothing), nor any state.
check_hook_ordinary() {
    local calls=$STATE/hook-calls.log step
    for step in "prepare begin" "start begin" "started begin" "stopped end" "release end"; do
        grep -qxF -- "$VM $step -" "$calls" 2> /dev/null
        check $? "hook: libvirtd ran it for '$VM' at '$step'"
    done
    grep -qxF -- "$VM2 release end -" "$calls" 2> /dev/null &&
        grep -qxF -- "$VM3 release end -" "$calls" 2> /dev/null
    check $? "hook: libvirtd ran it at 'release end' of '$VM2' (destroyed) and '$VM3' (ACPI)"
    ! grep -qE "domain=\"($VM|$VM2|$VM3)\"" "$STATE/hook.log" 2> /dev/null
    check $? "hook: invisible for the ordinary VMs: not a line in its log"
    [[ ! -e $STATE/hook-state ]]
    check $? "hook: no state written for the ordinary VMs (no lock, no journal)"
}

# A VM that carries VirtFlow's metadata for 0000:01:00.0 and no <hostdev>: its start
# must fail with the hook's reason in libvirt's error, nothing on the host may change,
# and the hook's log shows the refused prepare and the release after the failed start.
check_hook_gpu_vm() {
    # only where the hook cannot bind anything: no such device, no IOMMU groups
    if [[ -e /sys/bus/pci/devices/0000:01:00.0 ]] ||
        [[ -n $(ls -A /sys/kernel/iommu_groups 2> /dev/null) ]]; then
        not_ok "hook: precondition: this machine has no PCI device 0000:01:00.0 and no IOMMU groups (the refused-start checks did not run)"
        return
    fi
    local xml=$STATE/define-gpu.xml meta
    meta="    <virtflow:passthrough xmlns:virtflow=\"https://virtflow.org/xmlns/passthrough/1.0\" gpu=\"0000:01:00.0\">
      <virtflow:device address=\"0000:01:00.0\" driver=\"nvidia\"/>
    </virtflow:passthrough>"
    free_name "$VM_GPU"
    domain_xml "$VM_GPU" "$STATE/console-gpu.log" "" |
        awk -v meta="$meta" '{ print } /<vft:test / { print meta }' > "$xml"
    if ! grep -q '<virtflow:device' "$xml" || grep -q '<hostdev' "$xml"; then
        not_ok "hook: the GPU VM's XML has VirtFlow's metadata and no <hostdev>"
        return
    fi
    if ! virsh define "$xml" > "$STATE/define-gpu.out" 2>&1; then
        comment < "$STATE/define-gpu.out"
        not_ok "hook: virsh defines '$VM_GPU' (VirtFlow metadata for 0000:01:00.0)"
        return
    fi
    CREATED+=("$VM_GPU")
    grep -q 'gpu="0000:01:00.0"' <<< "$(virsh dumpxml --inactive -- "$VM_GPU" 2> /dev/null)"
    check $? "hook: libvirt keeps VirtFlow's metadata in '$VM_GPU' (virsh dumpxml)"

    local before_pci rc i said
    before_pci=$(pci_drivers)
    timeout -k 5 "$CALL_TIMEOUT" virsh start -- "$VM_GPU" \
        > "$OUT/hook-start.out" 2> "$OUT/hook-start.err"
    rc=$?
    check $((rc == 0)) "hook: virsh start '$VM_GPU' fails (exit $rc)"
    said=$(tr -s '\n' ' ' < "$OUT/hook-start.err" | cut -c1-500)
    grep -qF "refusing to start domain '$VM_GPU'" "$OUT/hook-start.err"
    check $? "hook: libvirt's error carries the hook's refusal ($said)"
    grep -qF 'PCI device 0000:01:00.0 does not exist on this host' "$OUT/hook-start.err" &&
        grep -qF 'IOMMU' "$OUT/hook-start.err"
    check $? "hook: the reason names the missing device 0000:01:00.0 and the IOMMU"
    grep -qF 'fix:' "$OUT/hook-start.err"
    check $? "hook: the error tells the fix"
    [[ $(domstate "$VM_GPU") == "shut off" ]]
    check $? "hook: '$VM_GPU' is still shut off ($(domstate "$VM_GPU"))"
    [[ $(pci_drivers) == "$before_pci" ]]
    check $? "hook: every host PCI device kept its driver and driver_override"

    # libvirt runs release after the failed start (before virsh returns, in practice)
    for ((i = 0; i < 50; i++)); do
        grep -qF "domain=\"$VM_GPU\" operation=release" "$STATE/hook.log" 2> /dev/null && break
        sleep 0.1
    done
    grep -F "domain=\"$VM_GPU\"" "$STATE/hook.log" 2> /dev/null | comment
    grep -qE "domain=\"$VM_GPU\" operation=prepare gpu=0000:01:00.0 devices=0000:01:00.0 result=refused reason=\"\[not-found\] .* duration_ms=[0-9]+$" \
        "$STATE/hook.log" 2> /dev/null
    check $? "hook log: prepare of '$VM_GPU' refused [not-found], with its devices and duration"
    grep -qE "domain=\"$VM_GPU\" operation=release gpu=0000:01:00.0 devices=0000:01:00.0 result=ok detail=\"nothing to return: .* duration_ms=[0-9]+$" \
        "$STATE/hook.log" 2> /dev/null
    check $? "hook log: release after the failed start: ok, nothing to return"
    [[ $(grep -cF "domain=\"$VM_GPU\"" "$STATE/hook.log" 2> /dev/null) -eq 2 ]]
    check $? "hook log: exactly those two lines for '$VM_GPU'"
    awk -v vm="$VM_GPU" '$0 == vm " prepare begin -" { p = NR } $0 == vm " release end -" { r = NR }
        END { exit !(p && r > p) }' "$STATE/hook-calls.log" 2> /dev/null
    check $? "hook: libvirtd called prepare, then release, for '$VM_GPU'"
    [[ ! -e $STATE/hook-state ]]
    check $? "hook: nothing journaled (it refused before any change)"
    virsh undefine -- "$VM_GPU" > /dev/null 2>&1 && unset 'CREATED[${#CREATED[@]}-1]'
}

# ---------------------------------------------------------------------------------------
# Checks

main() {
    check_prereqs
    check_no_foreign_daemons

    rm -rf "$OUT"
    mkdir -p "$OUT"
    STATE=$(mktemp -d /tmp/virtflow-libvirt.XXXXXX) || fatal "mktemp"
    chmod 0755 "$STATE"
    CGROUPS_BEFORE=$(machine_cgroups)$'\n'
    local n
    for n in "$VM" "$VM2" "$VM3" "$VM_PLAN" "$VM_GPU"; do
        [[ -e /var/log/libvirt/qemu/$n.log ]] && LOGS_BEFORE+=("/var/log/libvirt/qemu/$n.log")
    done
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM HUP

    local t0
    t0=$(now_ms)
    fetch_kernel "${VF_RIG_CACHE:-}" ||
        fatal "the Debian kernel is available (tests/lib/debian-kernel.sh)"
    build_initramfs || fatal "the guest initramfs builds"
    timing "kernel + initramfs" "$(secs_since "$t0")"
    ok "guest kernel $KVER (${KERNEL_IMAGE##*/}) and initramfs ($(du -h "$STATE/initrd.img" | cut -f1)) ready"

    local real_log_before=absent
    [[ -e $REAL_HOOK_LOG ]] && real_log_before=$(stat -c '%s %Y' "$REAL_HOOK_LOG")
    install_hook
    start_daemons

    free_name "$VM_PLAN"
    define_domain "$VM" main "" || fatal "virsh defines '$VM'"
    define_domain "$VM2" noagent "vf.agent=0" || fatal "virsh defines '$VM2'"
    define_domain "$VM3" acpi "vf.agent=0 vf.acpi=1" || fatal "virsh defines '$VM3'"
    ok "virsh defined '$VM', '$VM2' and '$VM3'"
    local uuid1 uuid2 uuid3
    uuid1=$(virsh domuuid -- "$VM")
    uuid2=$(virsh domuuid -- "$VM2")
    uuid3=$(virsh domuuid -- "$VM3")
    virsh dumpxml --inactive -- "$VM" > "$STATE/orig.xml"

    # (a) list, both shut off.
    vf list-off --connect "$URI" list --json
    check "$VF_RC" "list: \`virtflow --connect $URI list --json\` exits 0 (got $VF_RC)"
    [[ $VF_RC -eq 0 ]] || vf_show list-off
    count_lines < <(python3 "$HERE/check-json.py" list "$OUT/list-off.out" "list (shut off)" \
        "$VM" "shut off" "$uuid1" "$VM2" "shut off" "$uuid2" "$VM3" "shut off" "$uuid3")

    # (g) unknown VM.
    vf start-missing --connect "$URI" start 'no such vm'
    check $((VF_RC != 3)) "start: \`virtflow start 'no such vm'\` exits 3 (got $VF_RC)"
    grep -qF 'no such vm' "$OUT/start-missing.err" "$OUT/start-missing.out" 2> /dev/null
    check $? "start: the error names the VM 'no such vm' ($(vf_said start-missing))"

    # (e) dry-run against this host: no IOMMU, no GPU -> refusal naming why.
    local before_pci
    before_pci=$(pci_drivers)
    vf dry-host --connect "$URI" activate "$VM" --dry-run --json
    check $((VF_RC == 0 || VF_RC == 2 || VF_RC >= 124)) \
        "activate --dry-run on this host (no IOMMU, no GPU): refused with a non-zero, non-usage exit (got $VF_RC)"
    grep -qiE 'iommu|gpu' "$OUT/dry-host.err" "$OUT/dry-host.out" 2> /dev/null
    check $? "activate --dry-run on this host: the reason names the missing GPU/IOMMU ($(vf_said dry-host))"
    virsh dumpxml --inactive -- "$VM" | cmp -s - "$STATE/orig.xml"
    check $? "activate --dry-run on this host: domain XML unchanged"

    # (e) dry-run against a simulated host with a dGPU 0000:01:00.0 (+ audio .1).
    VIRTFLOW_DEMO_ROOT=$STATE/demo timeout 60 "$VIRTFLOW" --demo gpu list > "$OUT/demo.out" 2>&1
    if [[ -d $STATE/demo/sys ]]; then
        vf dry-demo --host-root "$STATE/demo" --connect "$URI" activate "$VM" --dry-run --json
        check "$VF_RC" "activate --dry-run --json with --host-root (simulated dGPU): exits 0 (got $VF_RC)"
        [[ $VF_RC -eq 0 ]] || vf_show dry-demo
        count_lines < <(python3 "$HERE/check-json.py" plan "$OUT/dry-demo.out" "$STATE/orig.xml" \
            "activate plan" "$VM" 0000:01:00.0 0000:01:00.0 0000:01:00.1)
        virsh dumpxml --inactive -- "$VM" | cmp -s - "$STATE/orig.xml"
        check $? "activate --dry-run with --host-root: domain XML unchanged"
        # libvirt itself must accept the planned document: define it under another name
        # (no uuid), then undefine it. Defining does not touch host devices.
        if python3 "$HERE/check-json.py" plan-xml "$OUT/dry-demo.out" "$VM_PLAN" \
            > "$STATE/plan.xml" 2> "$STATE/plan.err"; then
            if virsh define --validate "$STATE/plan.xml" > "$STATE/plan-define.out" 2>&1; then
                CREATED+=("$VM_PLAN")
                ok "activate plan: libvirt accepts the planned domain XML (virsh define --validate)"
                virsh undefine -- "$VM_PLAN" > /dev/null 2>&1 &&
                    unset 'CREATED[${#CREATED[@]}-1]'
            else
                not_ok "activate plan: libvirt accepts the planned domain XML: $(tr -s '\n' ' ' < "$STATE/plan-define.out" | cut -c1-300)"
            fi
        else
            not_ok "activate plan: libvirt accepts the planned domain XML (no XML: $(head -c 200 "$STATE/plan.err"))"
        fi
    else
        not_ok "the simulated host tree builds (\`VIRTFLOW_DEMO_ROOT=… virtflow --demo gpu list\`): $(head -c 300 "$OUT/demo.out")"
    fi

    # (f) a real activation on this host must refuse before it changes anything.
    vf activate-real --connect "$URI" activate "$VM" --yes
    check $((VF_RC == 0 || VF_RC == 2 || VF_RC >= 124)) \
        "activate (real, this host): fails with VirtFlow's reason, non-zero exit (got $VF_RC: $(vf_said activate-real))"
    [[ -s $OUT/activate-real.err || -s $OUT/activate-real.out ]]
    check $? "activate (real): says why"
    virsh dumpxml --inactive -- "$VM" | cmp -s - "$STATE/orig.xml"
    check $? "activate (real): \`virsh dumpxml --inactive\` byte-identical before/after"
    [[ $(domstate "$VM") == "shut off" ]]
    check $? "activate (real): domain still shut off ($(domstate "$VM"))"
    [[ $(pci_drivers) == "$before_pci" ]]
    check $? "activate: every host PCI device kept its driver and driver_override"
    vf recover-after --json recover --dry-run
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d.get("devices") == [] and d.get("sysfs_writes") == [] else 1)' \
        "$OUT/recover-after.out" 2> /dev/null && [[ $VF_RC -eq 0 ]]
    check $? "activate (real): VirtFlow's journal holds nothing to recover (\`recover --dry-run --json\`: $(vf_said recover-after))"

    # (b) start.
    t0=$(now_ms)
    local t_boot=$t0
    vf start --connect "$URI" start "$VM"
    local t_start
    t_start=$(secs_since "$t0")
    check "$VF_RC" "start: \`virtflow start '$VM'\` exits 0 (got $VF_RC)"
    [[ $VF_RC -eq 0 ]] || vf_show start
    [[ $(domstate "$VM") == running ]]
    check $? "start: virsh domstate says running ($(domstate "$VM"))"
    timing "guest start (virtflow start)" "$t_start"
    # The other guests boot meanwhile (started by the harness, not under test).
    virsh start -- "$VM2" > "$STATE/start2.out" 2>&1
    check $? "harness: virsh starts '$VM2' (no agent, ignores ACPI)"
    virsh start -- "$VM3" > "$STATE/start3.out" 2>&1
    check $? "harness: virsh starts '$VM3' (no agent, honours ACPI)"

    vf list-on --connect "$URI" list --json
    count_lines < <(python3 "$HERE/check-json.py" list "$OUT/list-on.out" "list (running)" \
        "$VM" "running" "$uuid1")

    # (c) graceful stop through the guest agent.
    local t_agent=
    if [[ $(domstate "$VM") == running ]]; then
        if wait_agent "$VM" "$AGENT_TIMEOUT"; then
            t_agent=$(secs_since "$t_boot")
            ok "guest agent of '$VM' answers guest-ping (${t_agent} s after virtflow start began)"
            timing "agent up (from start)" "$t_agent"
        else
            not_ok "guest agent of '$VM' answers guest-ping within $AGENT_TIMEOUT s"
            tail -n 20 "$STATE/console-main.log" 2> /dev/null | comment
        fi
        t0=$(now_ms)
        vf stop --connect "$URI" stop "$VM"
        local rc=$VF_RC t_stop st
        st=$(domstate_reason "$VM")
        t_stop=$(secs_since "$t0")
        check "$rc" "stop: \`virtflow stop '$VM'\` exits 0 (got $rc)"
        [[ $rc -eq 0 ]] || vf_show stop
        [[ $st == "shut off"* ]]
        check $? "stop: domain shut off as soon as virtflow returns (virsh: $st)"
        [[ $st == "shut off (shutdown)" ]]
        check $? "stop: libvirt records a guest shutdown, not a destroy ($st)"
        grep -qF 'vf-guest: shutdown requested' "$STATE/console-main.log" 2> /dev/null
        check $? "stop: the guest powered itself off (its console shows /sbin/shutdown ran)"
        timing "graceful stop (virtflow stop)" "$t_stop"
    else
        not_ok "stop: skipped checks need '$VM' running"
    fi

    # (d) a guest with no agent that ignores ACPI: --timeout 5 -> exit 6; --force destroys.
    if wait_console "$STATE/console-noagent.log" "vf-guest: ready agent=0 acpi=0" "$BOOT_TIMEOUT"; then
        ok "harness: '$VM2' booted (console says ready, no agent)"
    else
        not_ok "harness: '$VM2' booted within $BOOT_TIMEOUT s"
        tail -n 20 "$STATE/console-noagent.log" 2> /dev/null | comment
    fi
    t0=$(now_ms)
    vf stop-timeout --connect "$URI" stop "$VM2" --timeout 5
    local t_to
    t_to=$(secs_since "$t0")
    check $((VF_RC != 6)) "stop --timeout 5 (no agent, ACPI ignored): exits 6 (got $VF_RC after ${t_to} s)"
    [[ $VF_RC -eq 6 ]] || vf_show stop-timeout
    [[ -s $OUT/stop-timeout.err ]]
    check $? "stop --timeout 5: says why on stderr ($(vf_said stop-timeout))"
    awk -v t="$t_to" 'BEGIN { exit !(t >= 4.9 && t < 20) }'
    check $? "stop --timeout 5: gave up after about 5 s (${t_to} s)"
    [[ $(domstate "$VM2") == running ]]
    check $? "stop --timeout 5: the guest is left running ($(domstate "$VM2"))"
    t0=$(now_ms)
    vf stop-force --connect "$URI" stop "$VM2" --timeout 5 --force
    local st2
    st2=$(domstate_reason "$VM2")
    check "$VF_RC" "stop --force: exits 0 (got $VF_RC after $(secs_since "$t0") s)"
    [[ $VF_RC -eq 0 ]] || vf_show stop-force
    [[ $st2 == "shut off (destroyed)" ]]
    check $? "stop --force: the guest is destroyed (virsh: $st2)"
    ! grep -qF 'vf-guest: shutdown requested' "$STATE/console-noagent.log" 2> /dev/null
    check $? "stop --force: the agent-less guest never ran /sbin/shutdown"

    # (c') no agent, but the guest honours ACPI: the graceful fallback.
    if wait_console "$STATE/console-acpi.log" "vf-guest: ready agent=0 acpi=1" "$BOOT_TIMEOUT"; then
        ok "harness: '$VM3' booted (console says ready, no agent, acpid running)"
    else
        not_ok "harness: '$VM3' booted within $BOOT_TIMEOUT s"
        tail -n 20 "$STATE/console-acpi.log" 2> /dev/null | comment
    fi
    t0=$(now_ms)
    vf stop-acpi --connect "$URI" stop "$VM3" --timeout 30
    local st3 t_acpi
    st3=$(domstate_reason "$VM3")
    t_acpi=$(secs_since "$t0")
    check "$VF_RC" "stop (no agent, ACPI honoured): exits 0 (got $VF_RC after ${t_acpi} s)"
    [[ $VF_RC -eq 0 ]] || vf_show stop-acpi
    [[ $st3 == "shut off (shutdown)" ]]
    check $? "stop (no agent): libvirt records a guest shutdown, not a destroy ($st3)"
    grep -qF 'vf-guest: ACPI power button' "$STATE/console-acpi.log" 2> /dev/null
    check $? "stop (no agent): the guest powered off on the ACPI power button (console)"
    timing "ACPI stop (virtflow stop, no agent)" "$t_acpi"

    check_hook_ordinary
    check_hook_gpu_vm

    local real_log_after=absent
    [[ -e $REAL_HOOK_LOG ]] && real_log_after=$(stat -c '%s %Y' "$REAL_HOOK_LOG")
    [[ $real_log_after == "$real_log_before" ]]
    check $? "hook: $REAL_HOOK_LOG untouched by the test ($real_log_before / $real_log_after)"

    kill -0 "$LIBVIRTD_PID" 2> /dev/null && kill -0 "$VIRTLOGD_PID" 2> /dev/null
    check $? "libvirtd and virtlogd still running at the end"

    finish
}

main
