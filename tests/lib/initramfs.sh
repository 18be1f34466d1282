# shellcheck shell=bash
# Building blocks for the initramfs images the QEMU-booted tests make (the kernel rig,
# the end-to-end test): a static busybox tree, ELF binaries with their ldd closure, the
# ICU data stub, packing.
#
#   source tests/lib/initramfs.sh
#   initramfs_busybox STAGE            # STAGE/bin/busybox + every applet link, root 0755
#   copy_with_parents FILE STAGE       # FILE (symlinks resolved) at the same path in STAGE
#   copy_ldd_closure BIN STAGE [LIBDIR...]   # the shared libraries BIN needs, into STAGE;
#                                      # LIBDIRs are searched first (a staged install)
#                                      # and libraries found there are not copied
#   stub_icudata STAGE                 # replace libicudata (31 MB) by a 1-symbol stub
#   initramfs_pack STAGE OUT           # newc cpio, root-owned, gzip -1
#
# Every function returns 1 with a message on stderr on failure.

_vf_initramfs_err() {
    echo "initramfs: $*" >&2
    return 1
}

initramfs_busybox() {
    local stage=$1 p
    mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,var/lib,root,etc} ||
        return 1
    # The initramfs root becomes "/": anything but 0755 confuses non-root programs
    # (QEMU run as libvirt-qemu fails with a misleading KVM message).
    chmod 0755 "$stage"
    cp /bin/busybox "$stage/bin/busybox" || _vf_initramfs_err "cannot copy /bin/busybox" || return 1
    while IFS= read -r p; do
        [[ -e $stage/$p || -L $stage/$p ]] || ln -s /bin/busybox "$stage/$p"
    done < <(/bin/busybox --list-full)
}

copy_with_parents() {
    mkdir -p "$2$(dirname "$1")" && cp -L "$1" "$2$1"
}

copy_ldd_closure() {
    local bin=$1 stage=$2 libs lib dir
    shift 2
    local path
    path=$(IFS=:; echo "$*")
    # ldd fails on a static binary; that is fine, it then needs nothing.
    libs=$(LD_LIBRARY_PATH=$path ldd "$bin" 2> /dev/null) || return 0
    if grep -q 'not found' <<< "$libs"; then
        _vf_initramfs_err "$bin has unresolved libraries: $(grep 'not found' <<< "$libs" | tr -s '\t\n' '  ')"
        return 1
    fi
    while IFS= read -r lib; do
        for dir in "$@"; do
            [[ $lib == "$dir"/* ]] && continue 2
        done
        [[ -e $stage$lib ]] || copy_with_parents "$lib" "$stage" || return 1
    done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<< "$libs")
}

# libicudata (31 MB of ICU tables, needed by libxml2's libicuuc) would triple an
# initramfs and add ~0.5 s of unpacking under TCG to every boot. A stub defining the one
# symbol libicuuc takes from it stands in: libxml2 asks ICU only for encodings it cannot
# convert itself, never for libvirt's UTF-8 domain XML, and ICU without its data answers
# "unsupported encoding" rather than crash.
stub_icudata() {
    local stage=$1 stub sym
    for stub in "$stage"/{usr/,}lib/x86_64-linux-gnu/libicudata.so.*; do
        [[ -f $stub && ! -L $stub ]] || continue
        sym=$(nm -D --defined-only "${stub#"$stage"}" | awk '$3 ~ /^icudt[0-9]+_dat$/ { print $3 }')
        [[ -n $sym ]] || _vf_initramfs_err "no icudt*_dat symbol in ${stub#"$stage"}" || return 1
        echo "const char ${sym}[64] __attribute__((aligned(16))) = {0};" |
            gcc -x c -shared -o "$stub" -Wl,-soname,"${stub##*/}" - ||
            _vf_initramfs_err "cannot build a stub for ${stub#"$stage"}" || return 1
    done
}

initramfs_pack() {
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 > "$2"
}
