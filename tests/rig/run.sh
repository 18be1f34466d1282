#!/usr/bin/env bash
# VirtFlow kernel rig: VirtFlow's own CLI binds and restores an emulated dGPU through
# the real sysfs of a real Debian kernel, booted under QEMU TCG with an emulated Intel
# IOMMU. Nothing here touches this machine's /sys: every bind happens inside the guest.
#
# Usage: tests/rig/run.sh BUILDDIR
#   BUILDDIR/src/cli/virtflow is the CLI under test (dynamic ELF; its ldd closure goes
#   into the guest with it). Logs, the initramfs and per-scenario files land in
#   BUILDDIR/rig/.
# Environment:
#   VF_RIG_CACHE    where the kernel .deb and its extracted tree are kept between runs
#                   (default ${XDG_CACHE_HOME:-$HOME/.cache}/virtflow-rig)
#   VF_RIG_BENCH=1  also time virtflow against plain shell sysfs writes; writes
#                   BUILDDIR/rig-bench.md
#   VF_RIG_BENCH_ROUNDS  rounds per method in the benchmark (10)
#   VF_RIG_TIMEOUT  seconds one QEMU boot may take before it counts as hung (180)
#   VF_RIG_SCENARIOS  subset to run, e.g. "A C" (default "A B C E")
#   VF_RIG_APPEND   extra kernel arguments for debugging, e.g. "loglevel=7"
#
# Output is TAP-like: one `ok - ...` / `not ok - ...` line per check, then
# `rig: N passed, M failed`. Exit 0 only when nothing failed and every scenario ran
# to its end. A missing prerequisite is a failure (exit 1), never a skip.

set -euo pipefail

RIG=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/debian-kernel.sh
source "$RIG/../lib/debian-kernel.sh"
# shellcheck source=../lib/initramfs.sh
source "$RIG/../lib/initramfs.sh"
# shellcheck source=../lib/rig-machine.sh
source "$RIG/../lib/rig-machine.sh"

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BUILDDIR" >&2
    exit 2
fi
if [[ ! -d $1 ]]; then
    echo "rig: build directory '$1' does not exist" >&2
    exit 1
fi
BUILDDIR=$(cd "$1" && pwd)
VIRTFLOW=$BUILDDIR/src/cli/virtflow
CACHE=${VF_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtflow-rig}
WORK=$BUILDDIR/rig
QEMU_TIMEOUT=${VF_RIG_TIMEOUT:-180}
SCENARIOS=${VF_RIG_SCENARIOS:-A B C E}
BENCH=${VF_RIG_BENCH:-0}

PASSED=0
FAILED=0

# ---------------------------------------------------------------------------------------
# Reporting

# count_lines: pass report lines through, counting ok / not ok.
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

ok() { count_lines <<< "ok - $1"; }
not_ok() { count_lines <<< "not ok - $1"; }

die() {
    echo "rig: $*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------
# Prerequisites: the Debian packages the top-level test script installs.

check_prereqs() {
    local missing=() entry cmd pkg
    # command:package
    for entry in qemu-system-x86_64:qemu-system-x86 cpio:cpio gcc:gcc gzip:gzip \
        python3:python3 timeout:coreutils flock:util-linux ldd:libc-bin \
        apt-get:apt apt-cache:apt dpkg:dpkg dash:dash pkg-config:pkg-config; do
        cmd=${entry%%:*}
        pkg=${entry#*:}
        command -v "$cmd" > /dev/null || missing+=("$cmd (package $pkg)")
    done
    # The guest has no libc of its own: busybox must be the static build.
    if [[ ! -x /bin/busybox ]]; then
        missing+=("/bin/busybox (package busybox-static)")
    elif ldd /bin/busybox > /dev/null 2>&1; then
        missing+=("a static /bin/busybox: the installed one is dynamic (package busybox-static)")
    fi
    [[ -f /usr/include/linux/vfio.h ]] ||
        missing+=("/usr/include/linux/vfio.h (package linux-libc-dev)")
    if command -v gcc > /dev/null && [[ $(gcc -print-file-name=libc.a) != /* ]]; then
        missing+=("libc.a for static linking (package libc6-dev)")
    fi
    if [[ ! -x $VIRTFLOW ]]; then
        missing+=("$VIRTFLOW (build the project first)")
    fi
    if command -v dpkg > /dev/null && [[ $(dpkg --print-architecture) != amd64 ]]; then
        missing+=("an amd64 host: the rig boots Debian's amd64 kernel package")
    fi
    if [[ ${#missing[@]} -gt 0 ]]; then
        local m
        for m in "${missing[@]}"; do
            echo "rig: missing prerequisite: $m" >&2
        done
        exit 1
    fi
}

# ---------------------------------------------------------------------------------------
# Kernel: fetch_kernel (tests/lib/debian-kernel.sh) resolves, downloads and unpacks the
# Debian kernel into the cache shared with tests/libvirt.

# ---------------------------------------------------------------------------------------
# Initramfs: busybox, the module closure, virtflow with its libraries, the guest scripts.

# Host drivers of the emulated devices, then VFIO. modules.dep lists the transitive
# dependencies of each, so one lookup per module gives the closure.
GUEST_MODULES="bochs radeon snd-hda-intel snd-hda-codec-generic vfio vfio_iommu_type1 vfio-pci"

build_initramfs() {
    local stage=$WORK/initramfs mods p
    rm -rf "$stage"
    initramfs_busybox "$stage" || die "cannot build the busybox tree"
    mkdir -p "$stage/rig"

    local moddir=$KTREE/lib/modules/$KVER
    # shellcheck disable=SC2086 # one word per module
    mods=$(kernel_module_closure $GUEST_MODULES) || die "kernel $KVER lacks a module the rig needs"
    for p in $mods; do
        mkdir -p "$stage/lib/modules/$KVER/$(dirname "$p")"
        cp "$moddir/$p" "$stage/lib/modules/$KVER/$p"
    done
    cp "$moddir"/modules.{builtin,builtin.modinfo,order} "$stage/lib/modules/$KVER/"
    /bin/busybox depmod -b "$stage" "$KVER"

    cp "$VIRTFLOW" "$stage/usr/bin/virtflow"
    copy_ldd_closure "$VIRTFLOW" "$stage" || die "cannot copy virtflow's libraries"
    # VirtFlow's own libraries come from the build tree, whose RUNPATH ($ORIGIN/../lib)
    # points nowhere in the guest: they go where the loader looks by default, as an
    # install with -Dprefix=/usr puts them
    mkdir -p "$stage/usr/lib/x86_64-linux-gnu"
    while IFS= read -r lib; do
        cp -L "$lib" "$stage/usr/lib/x86_64-linux-gnu/" || die "cannot copy $lib"
    done < <(ldd "$VIRTFLOW" | awk '$1 ~ /^libvirtflow/ && $3 ~ /^\// { print $3 }')
    # libpci names the devices from pci.ids; without it virtflow prints bare ids.
    if [[ -f /usr/share/misc/pci.ids ]]; then
        copy_with_parents /usr/share/misc/pci.ids "$stage"
    fi

    # The libvirt hook as `meson install` lays it out: the gate (src/hook/installed/virtflow-hook, built
    # to exec the installed worker) as /usr/bin/virtflow-hook, the worker at its installed
    # path (from the build's intro-installed.json), with its ldd closure.
    local gate=$BUILDDIR/src/hook/installed/virtflow-hook worker=$BUILDDIR/src/hook/virtflow-hook-worker
    local worker_path
    [[ -x $gate && -x $worker ]] || die "$gate and $worker are missing: build the project first"
    worker_path=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$BUILDDIR/meson-info/intro-installed.json" "$worker") ||
        die "cannot find the hook worker's install path in $BUILDDIR/meson-info"
    cp "$gate" "$stage/usr/bin/virtflow-hook"
    mkdir -p "$stage$(dirname "$worker_path")"
    cp "$worker" "$stage$worker_path"
    copy_ldd_closure "$worker" "$stage" || die "cannot copy the hook worker's libraries"
    stub_icudata "$stage" || die "cannot stub libicudata"

    gcc -static -O2 -Wall -Wextra -Werror -o "$stage/usr/bin/rig-helper" "$RIG/rig-helper.c"
    # The benchmark's floor (bare-move.c), linked like virtflow; and Debian's /bin/sh, dash,
    # to run the benchmark's scripts the way they run on a Debian host.
    # shellcheck disable=SC2046 # pkg-config prints one word per flag
    gcc -O2 -Wall -Wextra -Werror $(pkg-config --cflags glib-2.0) -o "$stage/usr/bin/bare-move" \
        "$RIG/bare-move.c" $(pkg-config --libs glib-2.0)
    copy_ldd_closure "$stage/usr/bin/bare-move" "$stage" || die "cannot copy bare-move's libraries"
    cp /usr/bin/dash "$stage/usr/bin/dash"
    copy_ldd_closure /usr/bin/dash "$stage" || die "cannot copy dash's libraries"

    cp "$RIG/guest/init" "$stage/init"
    cp "$RIG"/guest/{lib.sh,bench.sh} "$RIG"/guest/scenario-*.sh "$stage/rig/"
    chmod 0755 "$stage/init"
    printf 'root:x:0:0:root:/root:/bin/sh\n' > "$stage/etc/passwd"
    printf 'root:x:0:\n' > "$stage/etc/group"

    initramfs_pack "$stage" "$WORK/initrd.img" || die "cannot pack the initramfs"
}

# ---------------------------------------------------------------------------------------
# Scenarios

# The machine (tests/lib/rig-machine.sh) with 1 GiB.
QEMU_BASE=("${RIG_QEMU_BASE[@]}" -m 1024)
DGPU_AUDIO=("${RIG_DGPU_AUDIO[@]}")
KERNEL_ARGS=$RIG_KERNEL_ARGS

# run_scenario NAME "EXTRA KERNEL ARGS" QEMU-DEVICE-ARGS...
run_scenario() {
    local name=$1 append=$2
    shift 2
    local dir=$WORK/$name
    rm -rf "$dir"
    mkdir -p "$dir/files"

    local t0 t1 rc=0
    t0=$(date +%s%N)
    timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 "${QEMU_BASE[@]}" "$@" \
        -serial "file:$dir/console.log" -serial "file:$dir/results.log" \
        -kernel "$KERNEL_IMAGE" -initrd "$WORK/initrd.img" \
        -append "$KERNEL_ARGS vf.scenario=$name $append ${VF_RIG_APPEND:-}" \
        > "$dir/qemu.log" 2>&1 || rc=$?
    t1=$(date +%s%N)
    local secs
    secs=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    echo "# scenario $name: QEMU ran ${secs} s (exit $rc)"
    echo "$name $secs" >> "$WORK/timings"

    # Report lines go to the terminal; @@file blocks become files.
    rig_read_results "$dir" "$name: scenario" guest "$rc" "${QEMU_TIMEOUT}"
    local done_rc=$RIG_DONE_RC

    if [[ -n $done_rc ]]; then
        count_lines < <(python3 "$RIG/check-json.py" "$name" "$dir/files" 2>&1 ||
            echo "not ok - $name: check-json.py crashed")
    fi
}

write_bench() {
    local f=$WORK/A/files/bench.txt
    if [[ ! -f $f ]]; then
        not_ok "bench: results handed over by the guest"
        return
    fi
    # v KEY: one value of the guest's key=value bench file.
    v() { sed -n "s/^$1=//p" "$f"; }
    # r A B: the ratio of two methods' median rounds.
    r() {
        awk -v a="$(v "$1_round_median_ms")" -v b="$(v "$2_round_median_ms")" \
            'BEGIN { printf "%.2f", a / b }'
    }
    local ratio ratio_noaslr
    ratio=$(r virtflow_aslr shell_aslr)
    ratio_noaslr=$(r virtflow_noaslr shell_noaslr)
    row() { # row LABEL METHOD
        echo "| $1 | $(v "$2_bind_median_ms") | $(v "$2_restore_median_ms") | $(v "$2_round_median_ms") | $(v "$2_rounds_ms") |"
    }
    cat > "$BUILDDIR/rig-bench.md" << EOF
### Kernel rig: bind + restore of the dGPU group (video + audio function)

Debian kernel $KVER under QEMU TCG (2 vCPUs, emulated VT-d), $(v rounds) rounds each,
median per step on the guest's monotonic clock. One round moves both functions to
vfio-pci and back; each side verifies the drivers and \`/dev/vfio/<group>\`. TCG is slow
and uneven: compare the rows with each other, not with real hardware. All rows are
interleaved round by round; the guest's ASLR is switched between the two halves.

ASLR on (the guest as booted: every process start re-translates all its code under TCG):

| method | bind (ms) | restore (ms) | round (ms) | all rounds (ms) |
|---|---:|---:|---:|---|
$(row '`virtflow gpu bind` / `virtflow gpu restore`' virtflow_aslr)
$(row 'floor: the same writes and checks in C, linked like virtflow (`bare-move`)' floor_aslr)
$(row 'shell: two scripts doing the same writes and checks (busybox sh)' shell_aslr)
$(row 'shell: the same scripts under Debian'"'"'s /bin/sh (dash)' dash_aslr)
$(row 'baseline: `virtflow --version` in place of each command' start_aslr)

ASLR off (code at fixed addresses: translated once, as code runs where it lies on hardware):

| method | bind (ms) | restore (ms) | round (ms) | all rounds (ms) |
|---|---:|---:|---:|---|
$(row '`virtflow gpu bind` / `virtflow gpu restore`' virtflow_noaslr)
$(row 'floor: the same writes and checks in C, linked like virtflow (`bare-move`)' floor_noaslr)
$(row 'shell: two scripts doing the same writes and checks (busybox sh)' shell_noaslr)
$(row 'shell: the same scripts under Debian'"'"'s /bin/sh (dash)' dash_noaslr)
$(row 'baseline: `virtflow --version` in place of each command' start_noaslr)

Ratios of the median rounds, ASLR on / off:

| | ASLR on | ASLR off |
|---|---:|---:|
| virtflow / shell (busybox sh) | **${ratio}** | **${ratio_noaslr}** |
| virtflow / shell (dash) | $(r virtflow_aslr dash_aslr) | $(r virtflow_noaslr dash_noaslr) |
| floor / shell (busybox sh) | $(r floor_aslr shell_aslr) | $(r floor_noaslr shell_noaslr) |
| virtflow / floor | $(r virtflow_aslr floor_aslr) | $(r virtflow_noaslr floor_noaslr) |
EOF
    echo "# bench: per round, ASLR on: virtflow $(v virtflow_aslr_round_median_ms) ms, shell" \
        "$(v shell_aslr_round_median_ms) ms (ratio $ratio); ASLR off: virtflow" \
        "$(v virtflow_noaslr_round_median_ms) ms, shell $(v shell_noaslr_round_median_ms) ms" \
        "(ratio $ratio_noaslr); floor/shell $(r floor_aslr shell_aslr) / $(r floor_noaslr shell_noaslr)," \
        "virtflow/dash $(r virtflow_aslr dash_aslr) / $(r virtflow_noaslr dash_noaslr); see $BUILDDIR/rig-bench.md"
}

main() {
    check_prereqs
    mkdir -p "$WORK"
    : > "$WORK/timings"

    local t0 t1
    t0=$(date +%s)
    fetch_kernel "$CACHE" || die "cannot get the Debian kernel (see above)"
    build_initramfs
    t1=$(date +%s)
    echo "# kernel $KVER, initramfs $(du -h "$WORK/initrd.img" | cut -f1) ready in $((t1 - t0)) s"

    local s
    for s in $SCENARIOS; do
        case $s in
            A)
                local bench_arg=
                if [[ $BENCH == 1 ]]; then
                    bench_arg="vf.bench=1 vf.bench_rounds=${VF_RIG_BENCH_ROUNDS:-10}"
                fi
                run_scenario A "intel_iommu=on iommu=pt $bench_arg" \
                    -device VGA,bus=rp1,addr=00.0,multifunction=on "${DGPU_AUDIO[@]}"
                if [[ $BENCH == 1 ]]; then
                    write_bench
                fi
                ;;
            B)
                run_scenario B "intel_iommu=on iommu=pt" \
                    -device ati-vga,model=rv100,bus=rp1,addr=00.0,multifunction=on \
                    "${DGPU_AUDIO[@]}"
                ;;
            C)
                # The VT-d unit stays in the machine, as on a desktop whose firmware has
                # it but whose kernel was told not to use it.
                run_scenario C "intel_iommu=off" \
                    -device VGA,bus=rp1,addr=00.0,multifunction=on "${DGPU_AUDIO[@]}"
                ;;
            E)
                # fbcon=map:1 puts the kernel console on fb1, the dGPU: its connector
                # becomes enabled, like a monitor plugged into the dGPU.
                run_scenario E "intel_iommu=on iommu=pt fbcon=map:1" \
                    -device VGA,bus=rp1,addr=00.0,multifunction=on "${DGPU_AUDIO[@]}"
                ;;
            *) not_ok "rig: unknown scenario '$s'" ;;
        esac
    done

    echo "# QEMU time per scenario: $(tr '\n' ' ' < "$WORK/timings")(s)"
    echo "rig: $PASSED passed, $FAILED failed"
    [[ $FAILED -eq 0 && $PASSED -gt 0 ]]
}

main
