#!/usr/bin/env bash
# VirtFlow end to end: a real GPU passthrough driven by VirtFlow's installed binaries.
#
# The kernel rig's machine (tests/lib/rig-machine.sh: VT-d, iGPU 00:02.0 boot VGA, dGPU
# 01:00.0 + its audio 01:00.1 in one IOMMU group) boots Debian's kernel under QEMU TCG
# ("L1"). Its initramfs holds Debian's own libvirtd, virtlogd, virsh and QEMU (copied
# from this machine's packages) and VirtFlow as `meson install` lays it out. Inside, a
# user's whole story runs (guest/story.sh): setup, doctor, activate, start a VM ("L2")
# with both functions really assigned through vfio-pci, stop, safety, deactivate, undo.
# Every outcome is checked by the guest's own shell: sysfs, /proc/PID/fd, QEMU's
# `info qtree`, virsh dumpxml; never by asking VirtFlow.
#
# Usage: tests/e2e/run.sh BUILDDIR
#   VirtFlow is configured with -Dprefix=/usr in BUILDDIR/e2e/build (BUILDDIR itself when
#   its prefix is /usr already), built, and installed with DESTDIR into BUILDDIR/e2e/stage.
#   Logs and handed-over files stay in BUILDDIR/e2e/.
# Environment:
#   VF_RIG_CACHE        kernel cache shared with the rig (tests/lib/debian-kernel.sh)
#   VF_E2E_TIMEOUT      seconds L1 may run before it counts as hung (900; 1500 with
#                       VF_E2E_L2_LINUX=1)
#   VF_E2E_BENCH=1      also time the same steps done by hand (virsh + sysfs writes) in
#                       the same boot, and `virtflow gpu bind` + `gpu restore` against
#                       `virsh nodedev-detach` + `nodedev-reattach`; writes
#                       BUILDDIR/e2e/RESULTS-e2e.md
#   VF_E2E_BENCH_ROUNDS rounds of that second comparison (9; tools/test runs 1)
#   VF_E2E_L2_LINUX=1   L2 boots Linux and its own drivers bind the passed-through
#                       functions (slow: L1 runs ~250 s instead of ~40-70 s)
#   VF_E2E_BREAK=hook|restore|input   negative controls (see README.md): the run must FAIL
#   VF_E2E_APPEND       extra kernel arguments for L1
#   VF_E2E_WORK         where logs and images go (default BUILDDIR/e2e)
#
# Output: `ok - ...` / `not ok - ...` lines, `# ...` comments, then
# `e2e: N passed, M failed`. Exit 0 only when nothing failed and the story ran to its
# end. A missing prerequisite is a failure, never a skip.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRCROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=../lib/debian-kernel.sh
source "$HERE/../lib/debian-kernel.sh"
# shellcheck source=../lib/initramfs.sh
source "$HERE/../lib/initramfs.sh"
# shellcheck source=../lib/rig-machine.sh
source "$HERE/../lib/rig-machine.sh"
# shellcheck source=../lib/meson-opt.sh
source "$HERE/../lib/meson-opt.sh"

PASSED=0
FAILED=0
ok() {
    PASSED=$((PASSED + 1))
    printf 'ok - %s\n' "$1"
}
not_ok() {
    FAILED=$((FAILED + 1))
    printf 'not ok - %s\n' "$1"
}
finish() {
    echo "e2e: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 && $PASSED -gt 0 ]]
    exit $?
}
die() {
    not_ok "$*"
    finish
}

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILDDIR" >&2
    exit 2
fi
[[ -d $1 ]] || die "prerequisite: build directory '$1' exists"
BUILDDIR=$(cd "$1" && pwd)
WORK=${VF_E2E_WORK:-$BUILDDIR/e2e}
CACHE=${VF_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtflow-rig}
QEMU_TIMEOUT=${VF_E2E_TIMEOUT:-900}
BREAK=${VF_E2E_BREAK:-}
L2_LINUX=${VF_E2E_L2_LINUX:-0}
BENCH=${VF_E2E_BENCH:-0}
case $BREAK in
    "" | hook | restore | input) ;;
    *) die "VF_E2E_BREAK='$BREAK': expected hook, restore or input" ;;
esac
if [[ $L2_LINUX == 1 && $QEMU_TIMEOUT -lt 1500 ]]; then
    QEMU_TIMEOUT=1500
fi

# ---------------------------------------------------------------------------------------
# Prerequisites (Debian packages)

LIBVIRT_DRIVERS=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver
QEMU_MODULES=/usr/lib/x86_64-linux-gnu/qemu

check_prereqs() {
    local missing=() entry cmd pkg
    # depmod lives in /sbin or /usr/sbin, which a user's PATH may lack
    PATH=$PATH:/usr/sbin:/sbin
    for entry in qemu-system-x86_64:qemu-system-x86 /usr/sbin/libvirtd:libvirt-daemon-system \
        /usr/sbin/virtlogd:libvirt-daemon-system virsh:libvirt-clients \
        depmod:kmod meson:meson ninja:ninja-build cpio:cpio gcc:gcc gzip:gzip \
        nm:binutils as:binutils ld:binutils python3:python3 timeout:coreutils flock:util-linux ldd:libc-bin \
        apt-get:apt dpkg:dpkg; do
        cmd=${entry%%:*}
        pkg=${entry#*:}
        if [[ $cmd == /* ]]; then
            [[ -x $cmd ]] || missing+=("$cmd (package $pkg)")
        else
            command -v "$cmd" > /dev/null || missing+=("$cmd (package $pkg)")
        fi
    done
    [[ -e $LIBVIRT_DRIVERS/libvirt_driver_qemu.so ]] ||
        missing+=("libvirt's QEMU driver (package libvirt-daemon-driver-qemu)")
    [[ -e $QEMU_MODULES/accel-tcg-x86_64.so ]] ||
        missing+=("$QEMU_MODULES/accel-tcg-x86_64.so (package qemu-system-x86)")
    if [[ ! -x /bin/busybox ]]; then
        missing+=("/bin/busybox (package busybox-static)")
    elif ldd /bin/busybox > /dev/null 2>&1; then
        missing+=("a static /bin/busybox: the installed one is dynamic (package busybox-static)")
    fi
    [[ -f /usr/include/linux/vfio.h ]] ||
        missing+=("/usr/include/linux/vfio.h (package linux-libc-dev)")
    if command -v dpkg > /dev/null && [[ $(dpkg --print-architecture) != amd64 ]]; then
        missing+=("an amd64 host: L1 boots Debian's amd64 kernel package")
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        local m
        for m in "${missing[@]}"; do
            not_ok "prerequisite: $m is missing"
        done
        finish
    fi
}

# ---------------------------------------------------------------------------------------
# VirtFlow, installed as a distribution would: prefix /usr, DESTDIR staging.

install_virtflow() {
    local build prefix
    prefix=$(meson_opt "$BUILDDIR" prefix 2> /dev/null) || prefix=
    if [[ $prefix == /usr ]]; then
        build=$BUILDDIR
    else
        build=$WORK/build
        if [[ ! -f $build/build.ninja ]]; then
            rm -rf "$build"
            meson setup "$build" "$SRCROOT" -Dprefix=/usr > "$WORK/meson-setup.log" 2>&1 ||
                die "meson setup -Dprefix=/usr failed (see $WORK/meson-setup.log)"
        fi
    fi
    rm -rf "$STAGE"
    # The installed programs only: tests and benchmarks are not needed for an install.
    local targets
    targets=$(meson introspect --targets "$build" | python3 -c 'import json, os, sys
b = sys.argv[1]
print(" ".join(os.path.relpath(f, b) for t in json.load(sys.stdin) if t["installed"]
               for f in t["filename"]))' "$build") ||
        die "cannot list the install targets of $build"
    # shellcheck disable=SC2086 # one word per file
    ninja -C "$build" $targets > "$WORK/build.log" 2>&1 ||
        die "building VirtFlow (prefix /usr) failed (see $WORK/build.log)"
    DESTDIR=$STAGE meson install -C "$build" --no-rebuild --quiet > "$WORK/install.log" 2>&1 ||
        die "meson install --destdir failed (see $WORK/install.log)"
    [[ -x $STAGE/usr/bin/virtflow ]] || die "meson install put no /usr/bin/virtflow into $STAGE"
    ok "VirtFlow built with -Dprefix=/usr and installed into a staging root ($(cd "$STAGE" && find . -type f -o -type l | wc -l) files)"
    # Headers, pkg-config and the static library are not part of a running system.
    rm -rf "$STAGE/usr/include" "$STAGE"/usr/lib/*/pkgconfig "$STAGE"/usr/lib/*/*.a

    case $BREAK in
        hook)
            # Negative control: VirtFlow installed without its hook.
            rm -f "$STAGE/usr/libexec/virtflow/virtflow-hook" \
                "$STAGE/etc/libvirt/hooks/qemu.d/virtflow"
            echo "# VF_E2E_BREAK=hook: the hook is removed from the install; this run must fail"
            ;;
        restore)
            # Negative control: the hook's restore does nothing (the worker says "ok" to
            # "release end" without touching the host).
            local w=$STAGE/usr/libexec/virtflow/virtflow-hook-worker
            mv "$w" "$w.real"
            cat > "$w" << 'EOF'
#!/bin/sh
# VF_E2E_BREAK=restore: release does nothing.
[ "$2" = release ] && exit 0
exec /usr/libexec/virtflow/virtflow-hook-worker.real "$@"
EOF
            chmod 0755 "$w"
            echo "# VF_E2E_BREAK=restore: the hook's release is a no-op; this run must fail"
            ;;
        input)
            # Negative control: activate as if VirtFlow had no --view and --input (the
            # monitor view, no input handed over); everything else as installed.
            local v=$STAGE/usr/bin/virtflow
            mv "$v" "$v.real"
            cat > "$v" << 'EOF'
#!/bin/sh
# VF_E2E_BREAK=input: activate drops --view, --input, --grab-toggle and --lg-resolution.
[ "$1" = activate ] || exec /usr/bin/virtflow.real "$@"
args=
skip=0
for a in "$@"; do
    if [ "$skip" = 1 ]; then
        skip=0
        continue
    fi
    case $a in
        --view | --input | --grab-toggle | --lg-resolution) skip=1 ;;
        --view=* | --input=* | --grab-toggle=* | --lg-resolution=*) ;;
        *) args="$args $a" ;;
    esac
done
# shellcheck disable=SC2086 # the test's arguments have no spaces
exec /usr/bin/virtflow.real $args --input none
EOF
            chmod 0755 "$v"
            echo "# VF_E2E_BREAK=input: activate ignores --view and --input; this run must fail"
            ;;
    esac
}

# ---------------------------------------------------------------------------------------
# L1's initramfs

# uinput + evdev: the test's own keyboard and mouse (issue 11), made by guest/vf-evdev.c
GUEST_MODULES="bochs snd-hda-intel snd-hda-codec-generic vfio vfio_iommu_type1 vfio-pci uinput evdev"
LIBVIRT_BINS="/usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /usr/bin/qemu-system-x86_64
  /usr/lib/libvirt/libvirt_iohelper"

build_initramfs() {
    local stage=$WORK/initramfs p mods f
    rm -rf "$stage"
    initramfs_busybox "$stage" || die "cannot build the busybox tree"
    mkdir -p "$stage"/{e2e,var/log/libvirt,var/lib/libvirt,var/cache/libvirt,etc/libvirt} \
        "$stage/etc/modules-load.d"
    ln -s ../run "$stage/var/run"

    # Kernel modules, indexed by kmod's depmod: `virtflow setup` loads vfio through
    # libkmod, which reads the binary indexes (busybox depmod writes only modules.dep).
    local moddir=$KTREE/lib/modules/$KVER
    # shellcheck disable=SC2086 # one word per module
    mods=$(kernel_module_closure $GUEST_MODULES) || die "kernel $KVER lacks a module the test needs"
    for p in $mods; do
        mkdir -p "$stage/lib/modules/$KVER/$(dirname "$p")"
        cp "$moddir/$p" "$stage/lib/modules/$KVER/$p"
    done
    cp "$moddir"/modules.{builtin,builtin.modinfo,order} "$stage/lib/modules/$KVER/"
    depmod -b "$stage" "$KVER" || die "depmod failed for the L1 modules"

    # Debian's libvirt and QEMU, with their libraries.
    for f in $LIBVIRT_BINS "$LIBVIRT_DRIVERS"/libvirt_driver_{qemu,nodedev,secret}.so \
        "$QEMU_MODULES"/{accel-tcg-x86_64,ui-opengl,ui-spice-core,hw-display-qxl,audio-spice,chardev-spice}.so; do
        copy_with_parents "$f" "$stage" || die "cannot copy $f"
        copy_ldd_closure "$f" "$stage" || die "cannot copy the libraries of $f"
    done
    for f in /usr/share/libvirt /usr/share/seabios /usr/share/qemu; do
        mkdir -p "$stage$(dirname "$f")"
        cp -a "$f" "$stage$f"
    done
    # Firmware of other architectures: not needed by an x86 guest.
    rm -rf "$stage"/usr/share/qemu/{skiboot.lid,slof.bin,openbios-*,s390-*,hppa-*,opensbi-*,palcode-*,u-boot*,edk2-arm*,edk2-aarch64*,edk2-riscv*}

    # VirtFlow as installed, with the libraries its programs need from the system.
    cp -a "$STAGE"/. "$stage"/
    # A fresh host: when the install has the hook in libexecdir, `virtflow setup` is what
    # links it into libvirt's hook folder.
    if [[ -e $stage/usr/libexec/virtflow/virtflow-hook ]]; then
        rm -f "$stage/etc/libvirt/hooks/qemu.d/virtflow"
    fi
    local libdirs=()
    for p in "$STAGE"/usr/lib/x86_64-linux-gnu "$STAGE"/usr/lib64 "$STAGE"/usr/lib; do
        [[ -d $p ]] && libdirs+=("$p")
    done
    while IFS= read -r f; do
        copy_ldd_closure "$f" "$stage" "${libdirs[@]}" || die "cannot copy the libraries of ${f#"$STAGE"}"
    done < <(find "$STAGE" -type f -perm -u+x)
    if [[ -f /usr/share/misc/pci.ids ]]; then
        copy_with_parents /usr/share/misc/pci.ids "$stage"
    fi
    stub_icudata "$stage" || die "cannot stub libicudata"

    gcc -static -O2 -Wall -Wextra -Werror -o "$stage/usr/bin/rig-helper" \
        "$HERE/../rig/rig-helper.c" || die "cannot build rig-helper"
    # The keyboard and mouse of the input story (uinput in L1, the reader in L2).
    gcc -static -O2 -Wall -Wextra -Werror -o "$WORK/vf-evdev" "$HERE/guest/vf-evdev.c" ||
        die "cannot build guest/vf-evdev.c"
    cp "$WORK/vf-evdev" "$stage/usr/bin/vf-evdev"

    # Users and groups libvirtd resolves even with user = "root" in qemu.conf.
    cat > "$stage/etc/passwd" << 'EOF'
root:x:0:0:root:/root:/bin/sh
libvirt-qemu:x:64055:106:Libvirt Qemu,,,:/var/lib/libvirt:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
    cat > "$stage/etc/group" << 'EOF'
root:x:0:
kvm:x:104:
libvirt:x:105:
libvirt-qemu:x:106:
nogroup:x:65534:
EOF
    cp "$HERE"/guest/libvirtd.conf "$HERE"/guest/qemu.conf "$stage/etc/libvirt/"
    cp "$HERE/guest/init" "$stage/init"
    cp "$HERE"/guest/{story.sh,story-input.sh,story-tune.sh,e2e-lib.sh,bench.sh} "$stage/e2e/"
    cp "$HERE/../rig/guest/lib.sh" "$stage/e2e/rig-lib.sh"
    chmod 0755 "$stage/init"

    # L2's default "OS": answers the ACPI power button by powering off (guest/l2-acpi.S).
    if ! as --32 -o "$WORK/l2-acpi.o" "$HERE/guest/l2-acpi.S" ||
        ! ld -m elf_i386 -Ttext 0x100000 -o "$stage/e2e/l2-acpi.elf" "$WORK/l2-acpi.o"; then
        die "cannot build guest/l2-acpi.S (binutils)"
    fi
    # L2's Linux: always for the input story (guest/story-input.sh), and for the main
    # story's VM with VF_E2E_L2_LINUX=1.
    build_l2 "$stage/e2e/l2" || die "cannot build L2's kernel and initramfs"

    initramfs_pack "$stage" "$WORK/initrd.img" || die "cannot pack the initramfs"
    rm -rf "$stage"
}

# L2's Linux: the ELF vmlinux (PVH entry) and a busybox initramfs that loads the host
# drivers of the passed-through functions, reports, reads its keyboard (vf.input=1), and
# powers off.
build_l2() {
    local out=$1 stage=$WORK/l2-initramfs p mods
    rm -rf "$stage"
    initramfs_busybox "$stage" || return 1
    local moddir=$KTREE/lib/modules/$KVER
    mods=$(kernel_module_closure bochs snd-hda-intel snd-hda-codec-generic evdev virtio_pci \
        virtio_input) || return 1
    for p in $mods; do
        mkdir -p "$stage/lib/modules/$KVER/$(dirname "$p")"
        cp "$moddir/$p" "$stage/lib/modules/$KVER/$p"
    done
    cp "$moddir"/modules.{builtin,builtin.modinfo,order} "$stage/lib/modules/$KVER/"
    /bin/busybox depmod -b "$stage" "$KVER" || return 1
    cp "$HERE/guest/l2-init" "$stage/init"
    chmod 0755 "$stage/init"
    cp "$WORK/vf-evdev" "$stage/bin/vf-evdev"
    mkdir -p "$out"
    initramfs_pack "$stage" "$out/initrd.img" || return 1
    rm -rf "$stage"
    cp "$KERNEL_IMAGE" "$out/kernel"
}

# ---------------------------------------------------------------------------------------
# The run

count_lines() {
    local line
    while IFS= read -r line; do
        line=${line%$'\r'}
        case $line in
            "ok - "*) PASSED=$((PASSED + 1)) ;;
            "not ok - "*) FAILED=$((FAILED + 1)) ;;
        esac
        printf '%s\n' "$line"
    done
}

run_l1() {
    local dir=$WORK/l1 append="intel_iommu=on iommu=pt"
    rm -rf "$dir"
    mkdir -p "$dir/files"
    [[ $BENCH == 1 ]] && append+=" vf.bench=1 vf.bench_rounds=${VF_E2E_BENCH_ROUNDS:-9}"
    [[ $L2_LINUX == 1 ]] && append+=" vf.l2linux=1"
    [[ -n $BREAK ]] && append+=" vf.break=$BREAK"

    local t0 t1 rc=0 secs
    t0=$(date +%s%N)
    # 4 CPUs: issue 14's story pins L2's two vCPUs to 2 and 3, the host keeps 0-1
    local base=() a prev=
    for a in "${RIG_QEMU_BASE[@]}"; do
        [[ $prev == -smp ]] && a=4
        base+=("$a")
        prev=$a
    done
    timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 "${base[@]}" -m 4096 \
        -device VGA,bus=rp1,addr=00.0,multifunction=on "${RIG_DGPU_AUDIO[@]}" \
        -serial "file:$dir/console.log" -serial "file:$dir/results.log" \
        -kernel "$KERNEL_IMAGE" -initrd "$WORK/initrd.img" \
        -append "$RIG_KERNEL_ARGS $append ${VF_E2E_APPEND:-}" \
        > "$dir/qemu.log" 2>&1 || rc=$?
    t1=$(date +%s%N)
    secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    echo "# L1: QEMU ran ${secs} s (exit $rc)"

    # Report lines go to the terminal; @@file blocks become files.
    rig_read_results "$dir" "L1: the story" L1 "$rc" "${QEMU_TIMEOUT}"
    if [[ -f $dir/files/libvirtd.log ]]; then
        echo "# libvirtd's log: $dir/files/libvirtd.log"
    fi
    if [[ $BENCH == 1 ]]; then
        write_bench "$dir/files/bench.txt"
    fi
}

write_bench() {
    local f=$1 out=$WORK/RESULTS-e2e.md
    if [[ ! -f $f ]]; then
        not_ok "bench: timings handed over by L1"
        return
    fi
    v() { sed -n "s/^$1=//p" "$f"; }
    cat > "$out" << EOF
### End to end: one passthrough cycle inside the kernel rig (L1), VirtFlow vs by hand

Debian kernel $KVER as L1 under QEMU TCG (4 vCPUs, 4 GiB, emulated VT-d); Debian's
libvirtd $(virsh --version 2> /dev/null || echo '?') and QEMU inside it; L2 is a q35 TCG
domain (64 MiB, no OS but an ACPI power button: tests/e2e/guest/l2-acpi.S) with the
dGPU's two functions assigned. Same L1 boot, same domain,
milliseconds on L1's monotonic clock; each side checks its own result (drivers,
\`/dev/vfio/<group>\`, domain state). TCG-in-TCG is slow and uneven: compare the rows
with each other, not with real hardware.

| phase | VirtFlow (ms) | by hand (ms) | VirtFlow command | by hand |
|---|---:|---:|---|---|
| activate | $(v vf_activate_ms) | $(v hand_activate_ms) | \`virtflow activate VM\` | sysfs bind writes + \`virsh define\` of the rewritten XML |
| start with hostdevs | $(v vf_start_ms) | $(v hand_start_ms) | \`virtflow start VM\` | \`virsh start VM\` |
| stop → devices home | $(v vf_stop_ms) | $(v hand_stop_ms) | \`virtflow stop VM\` (graceful: ACPI button, L2 powers off; the hook returns the devices) | \`virsh destroy VM\` + sysfs restore writes |
| deactivate | $(v vf_deactivate_ms) | $(v hand_deactivate_ms) | \`virtflow deactivate VM\` | \`virsh define\` of the original XML |

Reproduce: \`VF_E2E_BENCH=1 tests/e2e/run.sh BUILDDIR\` (writes BUILDDIR/e2e/RESULTS-e2e.md).
EOF
    if [[ -n $(v nodedev_rounds) ]]; then
        local vf_med virsh_med ratio
        vf_med=$(v nodedev_virtflow_round_median_ms)
        virsh_med=$(v nodedev_virsh_round_median_ms)
        ratio=$(awk -v a="$vf_med" -v b="$virsh_med" 'BEGIN { printf "%.2f", a / b }')
        cat >> "$out" << EOF

### Bind + restore: VirtFlow vs libvirt's own node device commands (same L1 boot)

$(v nodedev_rounds) rounds, interleaved (a VirtFlow round, then a virsh round), after the
story; each command timed alone as a user runs it, its result (drivers, \`/dev/vfio/<group>\`,
\`driver_override\`) checked after it, outside the timing. ASLR as booted. Milliseconds.

| method | bind (median) | restore (median) | round (median) | all rounds |
|---|---:|---:|---:|---|
| \`virtflow gpu bind GPU\` / \`virtflow gpu restore GPU\` | $(v nodedev_virtflow_bind_median_ms) | $(v nodedev_virtflow_restore_median_ms) | $vf_med | $(v nodedev_virtflow_round_all_ms) |
| \`virsh nodedev-detach\` / \`nodedev-reattach\` of both functions | $(v nodedev_virsh_bind_median_ms) | $(v nodedev_virsh_restore_median_ms) | $virsh_med | $(v nodedev_virsh_round_all_ms) |

**Ratio of the round medians virtflow / virsh: $ratio** (target ≤ 1.0).
EOF
        echo "# bench nodedev: round medians virtflow $vf_med ms, virsh $virsh_med ms: ratio $ratio"
    fi
    ok "bench: timings written to $out"
}

main() {
    check_prereqs
    mkdir -p "$WORK"
    STAGE=$WORK/stage
    local t0 t1
    t0=$(date +%s)
    fetch_kernel "$CACHE" || die "cannot get the Debian kernel (see above)"
    install_virtflow
    build_initramfs
    t1=$(date +%s)
    echo "# kernel $KVER, L1 initramfs $(du -h "$WORK/initrd.img" | cut -f1) ready in $((t1 - t0)) s"
    run_l1
    finish
}

main
