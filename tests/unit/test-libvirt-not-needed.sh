#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirtflow opens libvirt with dlopen() on first use (src/lib/virt/vf-libvirt-dl.c): neither
# libvirtflow.so nor libvirtflow-gobject-1.0.so may have libvirt in NEEDED (a program that
# only lists GPUs would load libvirt's ~50 shared objects), nor leave a libvirt function
# undefined (it would be bound by whatever else loaded libvirt, or fail at run time).
#
#   tests/unit/test-libvirt-not-needed.sh build/src/lib/libvirtflow.so build/src/lib/gobject/libvirtflow-gobject-1.0.so
set -u

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }

for tool in readelf nm; do
    if ! command -v "$tool" >/dev/null; then
        echo "1..0 # SKIP $tool not found (Debian: apt-get install binutils)"
        exit 77
    fi
done

echo "1..$(($# * 3))"
for lib in "$@"; do
    name=${lib##*/}
    needed=$(readelf -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    if [ -n "$needed" ]; then
        ok "$name has a NEEDED list ($(echo $needed))"
    else
        not_ok "$name: readelf -d found no NEEDED at all"
    fi
    if echo "$needed" | grep -q '^libvirt\(-qemu\)\?\.so'; then
        not_ok "$name needs libvirt: $(echo $needed)"
    else
        ok "$name does not need libvirt"
    fi
    undefined=$(nm -D --undefined-only "$lib" | awk '$2 ~ /^vir[A-Z]/ { print $2 }')
    if [ -n "$undefined" ]; then
        not_ok "$name calls libvirt directly: $(echo $undefined)"
    else
        ok "$name has no undefined libvirt function"
    fi
done
exit $failed
