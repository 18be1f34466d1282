#!/bin/bash
# The ABI of libvirtflow-gobject-1.0: every symbol in the list kept in the tree
# (virtflow-gobject.symbols) must still be exported by the built library. A removed
# symbol fails; a new one is reported so that the list is kept up to date.
#   check-symbols.sh LIBRARY SYMBOLS-FILE
set -eu
lib=$1
list=$2
if ! command -v nm >/dev/null; then
    echo "SKIP: nm (Debian: binutils) is needed to read the library's symbols" >&2
    exit 77
fi
built=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBR]$/ {print $3}' | grep -v '^_' | sort -u)
kept=$(grep -v "^#" "$list" | grep -v "^$" | sort -u)
removed=$(comm -23 <(echo "$kept") <(echo "$built"))
added=$(comm -13 <(echo "$kept") <(echo "$built"))
update="update the list with: nm -D --defined-only $lib | awk '\$2 ~ /^[TDBR]\$/ {print \$3}' | grep -v '^_' | sort -u > $list (a removal breaks every program built against the library: bump the soname then)"
if [ -n "$removed" ]; then
    echo "ABI break: these symbols of $list are no longer exported by $lib:" >&2
    echo "$removed" | sed 's/^/  /' >&2
    echo "If the removal is meant, $update" >&2
    exit 1
fi
if [ -n "$added" ]; then
    echo "New symbols, not in $list yet (not an error; $update):"
    echo "$added" | sed 's/^/  /'
fi
echo "ok: the $(echo "$kept" | wc -l) symbols of $list are exported"
