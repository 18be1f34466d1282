#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-install-docs.sh BUILD-DIR SOURCE-DIR: `meson install` places the man page and the bash
# completion under the prefix, DESTDIR-aware
#
# Installs only the 'man' and 'bash-completion' install tags of BUILD-DIR into a staging
# directory (DESTDIR) and checks that the files are where man(1) and bash-completion look
# for them, byte for byte the sources, and that the staged man page renders. Output is TAP.

set -u

BUILD=${1:-}
SRC=${2:-}
if [ -z "$BUILD" ] || [ ! -f "$BUILD/meson-info/intro-installed.json" ] || [ ! -d "$SRC" ]; then
    echo "1..0 # SKIP usage: $0 BUILD-DIR SOURCE-DIR"
    exit 0
fi
MESON=${MESON:-$(command -v meson || true)}
if [ -z "$MESON" ]; then
    echo "1..0 # SKIP meson is not on PATH"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-install-docs-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# shellcheck source=../lib/meson-opt.sh
. "$(dirname "$0")/../lib/meson-opt.sh"
prefix=$(meson_opt "$BUILD" prefix)
if "$MESON" install -C "$BUILD" --no-rebuild --destdir "$tmp/stage" --tags man,bash-completion \
    >"$tmp/log" 2>&1; then
    ok "meson install --tags man,bash-completion into DESTDIR"
else
    not_ok "meson install --tags man,bash-completion into DESTDIR" "$(tail -20 "$tmp/log")"
fi

man=$tmp/stage$prefix/share/man/man1/virtflow.1
completion=$tmp/stage$prefix/share/bash-completion/completions/virtflow
if cmp -s "$man" "$SRC/data/virtflow.1"; then
    ok "virtflow.1 in PREFIX/share/man/man1 ($prefix)"
else
    not_ok "virtflow.1 in PREFIX/share/man/man1 ($prefix)" "$(cd "$tmp/stage" && find . -type f)"
fi
if cmp -s "$completion" "$SRC/data/completion/virtflow"; then
    ok "completion in PREFIX/share/bash-completion/completions"
else
    not_ok "completion in PREFIX/share/bash-completion/completions" \
        "$(cd "$tmp/stage" && find . -type f)"
fi
outside=$(cd "$tmp/stage" && find . -type f | grep -v "^\.$prefix/" || true)
if [ -z "$outside" ]; then
    ok "nothing installed outside the prefix"
else
    not_ok "nothing installed outside the prefix" "$outside"
fi
if command -v man >/dev/null && LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$man" 2>"$tmp/err" |
    grep -Eq "virtflow +- +hand +a +GPU" && [ ! -s "$tmp/err" ]; then
    ok "man -l renders the installed page"
else
    not_ok "man -l renders the installed page" "$(cat "$tmp/err" 2>/dev/null)"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
