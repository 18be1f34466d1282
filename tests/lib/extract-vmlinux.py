#!/usr/bin/env python3
"""Pull the uncompressed ELF vmlinux out of an x86 bzImage (xz-compressed payload).

Usage: extract-vmlinux.py BZIMAGE OUT

Why: under QEMU TCG the bzImage's own decompressor takes ~2.5 s of every boot. QEMU
boots an ELF vmlinux with a PVH note directly (CONFIG_PVH=y), skipping that, so
tests/lib/debian-kernel.sh extracts it once per kernel and caches it. Exit 1 when the
payload is not xz or the result is not an ELF; the caller then falls back to the bzImage.
"""

import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"


def main():
    if len(sys.argv) != 3:
        print("usage: extract-vmlinux.py BZIMAGE OUT", file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        image = f.read()
    start = image.find(XZ_MAGIC)
    if start < 0:
        print("extract-vmlinux: no xz payload in the bzImage", file=sys.stderr)
        return 1
    # The bzImage appends its own data after the xz stream: decode one stream, ignore
    # the rest (LZMADecompressor stops at the stream's end and keeps it in unused_data).
    try:
        vmlinux = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(image[start:])
    except lzma.LZMAError as e:
        print(f"extract-vmlinux: {e}", file=sys.stderr)
        return 1
    if not vmlinux.startswith(b"\x7fELF"):
        print("extract-vmlinux: payload is not an ELF image", file=sys.stderr)
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(vmlinux)
    return 0


if __name__ == "__main__":
    sys.exit(main())
