# shellcheck shell=bash
# Debian's stock amd64 kernel for tests that boot a guest under QEMU: downloaded with apt,
# never installed, unpacked into a cache shared by every test that sources this file
# (the kernel rig, the libvirt test).
#
#   source tests/lib/debian-kernel.sh
#   fetch_kernel [CACHE]      # sets KTREE, KVER, KERNEL_IMAGE; returns 1 with a message
#   kernel_module_closure MODULE...   # module files (relative to lib/modules/KVER)
#
# CACHE defaults to $VF_RIG_CACHE, else ${XDG_CACHE_HOME:-$HOME/.cache}/virtflow-rig.
# Layout of the cache (one kernel kept; older ones are no longer downloadable anyway):
#   CACHE/.lock                          flock: two tests never unpack at once
#   CACHE/PKG_VER_amd64.deb              the downloaded package (':' in VER as %3a)
#   CACHE/PKG_VER/                       dpkg -x of it, busybox depmod run, .complete
#   CACHE/PKG_VER/vmlinux                the ELF kernel (PVH boot), when extractable
#
# Needs: apt-get, apt-cache, dpkg, flock, python3, static /bin/busybox (for depmod), and
# `apt-get update` done once. Messages: "# ..." progress lines on stdout, errors on stderr.
# Works under `set -euo pipefail` and without it: every failure is an explicit return 1.

VF_DEBIAN_KERNEL_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

KTREE=
KVER=
KERNEL_IMAGE=

_vf_kernel_err() {
    echo "debian-kernel: $*" >&2
    return 1
}

# fetch_kernel [CACHE]: the versioned package linux-image-amd64 depends on, resolved on
# every call (security updates drop old versions from the archive, so a pinned version
# would stop downloading one day). Sets KTREE (unpacked tree), KVER (uname -r) and
# KERNEL_IMAGE (vmlinux when the kernel has a PVH entry, else the bzImage).
fetch_kernel() {
    local cache=${1:-${VF_RIG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtflow-rig}}
    local lock rc=0
    mkdir -p "$cache" || _vf_kernel_err "cannot create the cache folder $cache" || return 1
    # Two tests sharing a cache must not unpack into the same folder at once.
    exec {lock}> "$cache/.lock" || _vf_kernel_err "cannot open $cache/.lock" || return 1
    if ! flock "$lock"; then
        exec {lock}>&-
        _vf_kernel_err "cannot lock $cache/.lock"
        return 1
    fi
    _vf_fetch_kernel_locked "$cache" || rc=$?
    flock -u "$lock" || true
    exec {lock}>&-
    return "$rc"
}

_vf_fetch_kernel_locked() {
    local cache=$1 pkg ver key deb kv
    KTREE=
    KVER=
    KERNEL_IMAGE=
    # `|| true`: an unknown package is not fatal here (see the fallback below). awk reads
    # to the end so apt-cache never dies of SIGPIPE under pipefail.
    pkg=$(apt-cache depends linux-image-amd64 2> /dev/null |
        awk '!p && $1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { p = $2 } END { print p }') ||
        true
    ver=
    if [[ -n $pkg ]]; then
        ver=$(apt-cache show --no-all-versions "$pkg" 2> /dev/null |
            awk '!v && $1 == "Version:" { v = $2 } END { print v }') || true
    fi
    if [[ -z $pkg || -z $ver ]]; then
        # Offline, or `apt-get update` never ran: a kernel already unpacked still serves.
        KTREE=$(find "$cache" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' |
            sort -V | tail -n 1) || true
        [[ -n $KTREE ]] ||
            _vf_kernel_err "cannot resolve the package linux-image-amd64 depends on (run apt-get update)" ||
            return 1
        echo "# warning: apt cannot resolve linux-image-amd64; using cached ${KTREE##*/}"
    else
        key=${pkg}_${ver//:/%3a}
        KTREE=$cache/$key
        if [[ ! -f $KTREE/.complete ]]; then
            deb=$cache/${key}_amd64.deb
            if [[ ! -f $deb ]]; then
                echo "# downloading $pkg $ver"
                local sandbox=()
                # As root, apt drops to _apt for downloads, and _apt cannot write into
                # root's cache folder.
                if [[ $EUID -eq 0 ]]; then
                    sandbox=(-o APT::Sandbox::User=root)
                fi
                (cd "$cache" && apt-get -q "${sandbox[@]}" download "$pkg=$ver") ||
                    _vf_kernel_err "apt-get download $pkg=$ver failed" || return 1
                [[ -f $deb ]] || _vf_kernel_err "apt-get download did not produce $deb" || return 1
            fi
            echo "# unpacking ${deb##*/}"
            rm -rf "$KTREE.tmp"
            dpkg -x "$deb" "$KTREE.tmp" || _vf_kernel_err "dpkg -x $deb failed" || return 1
            kv=$(ls "$KTREE.tmp/lib/modules") || true
            [[ -n $kv && -d $KTREE.tmp/lib/modules/$kv ]] ||
                _vf_kernel_err "no single lib/modules/VERSION in $deb" || return 1
            # kmod's depmod may be absent; busybox writes the modules.dep that the module
            # closure and the guests' busybox modprobe read.
            /bin/busybox depmod -b "$KTREE.tmp" "$kv" ||
                _vf_kernel_err "busybox depmod failed for $kv" || return 1
            touch "$KTREE.tmp/.complete"
            mv "$KTREE.tmp" "$KTREE" || _vf_kernel_err "cannot move $KTREE.tmp into place" || return 1
            # Keep one kernel: older ones are no longer downloadable anyway.
            find "$cache" -mindepth 1 -maxdepth 1 ! -name "$key" ! -name "${key}_amd64.deb" \
                ! -name .lock -exec rm -rf {} +
        fi
    fi
    KVER=$(ls "$KTREE/lib/modules") || true
    KERNEL_IMAGE=$KTREE/boot/vmlinuz-$KVER
    [[ -n $KVER && -f $KERNEL_IMAGE ]] || _vf_kernel_err "no vmlinuz in $KTREE" || return 1
    # The bzImage decompresses itself slowly under TCG (~2.5 s a boot); QEMU boots the
    # plain ELF vmlinux through its PVH entry instead when the kernel has one.
    if grep -qx 'CONFIG_PVH=y' "$KTREE/boot/config-$KVER"; then
        if [[ ! -f $KTREE/vmlinux ]]; then
            if python3 "$VF_DEBIAN_KERNEL_LIB/extract-vmlinux.py" "$KERNEL_IMAGE" \
                "$KTREE/vmlinux.tmp"; then
                mv "$KTREE/vmlinux.tmp" "$KTREE/vmlinux"
            else
                rm -f "$KTREE/vmlinux.tmp"
                echo "# warning: cannot extract vmlinux; booting the bzImage (slower)"
            fi
        fi
        if [[ -f $KTREE/vmlinux ]]; then
            KERNEL_IMAGE=$KTREE/vmlinux
        fi
    fi
    return 0
}

# kernel_module_closure MODULE...: after fetch_kernel, print the module files (paths
# relative to $KTREE/lib/modules/$KVER, one a line, sorted) of MODULEs and everything
# they depend on, from modules.dep. '-' and '_' are the same in module names. Returns 1
# naming any MODULE the kernel lacks.
kernel_module_closure() {
    [[ -n $KTREE && -n $KVER ]] || _vf_kernel_err "kernel_module_closure: call fetch_kernel first" ||
        return 1
    local out
    out=$(awk -v want="$*" '
        BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) { x = w[i]; gsub("-", "_", x); W[x] = 1 } }
        {
            p = $1; sub(":$", "", p)
            m = p; sub(".*/", "", m); sub("\\.ko.*$", "", m); gsub("-", "_", m)
            if (m in W) { found[m] = 1; print p; for (i = 2; i <= NF; i++) print $i }
        }
        END { for (x in W) if (!(x in found)) { print "debian-kernel: module " x " not in modules.dep of '"$KVER"'" > "/dev/stderr"; bad = 1 }
              exit bad }' "$KTREE/lib/modules/$KVER/modules.dep") || return 1
    sort -u <<< "$out"
}
