#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-man.sh VIRTFLOW MANPAGE: virtflow(1) renders cleanly and documents every command
#
# groff (man's formatter) must render the page without a warning (-ww), and every command,
# gpu subcommand, global option and command option that the program's own --help lists
# must be in the page, each option under its command's subsection: adding a command or an
# option without documenting it fails here. Output is TAP.

set -u

VIRTFLOW=${1:-}
MANPAGE=${2:-}
if [ -z "$VIRTFLOW" ] || [ ! -x "$VIRTFLOW" ] || [ ! -f "$MANPAGE" ]; then
    echo "1..0 # SKIP usage: $0 PATH/TO/virtflow PATH/TO/virtflow.1"
    exit 0
fi
if ! command -v groff >/dev/null; then
    echo "1..0 # SKIP groff is needed to render the man page (apt-get install groff-base)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-man-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export VIRTFLOW_DEMO_ROOT=$tmp/demo

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# ---- it renders ----

if LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MANPAGE" 2>"$tmp/warn" && [ ! -s "$tmp/warn" ]; then
    ok "groff -man -ww renders virtflow.1 without a warning"
else
    not_ok "groff -man -ww renders virtflow.1 without a warning" "$(cat "$tmp/warn")"
fi
LC_ALL=C.UTF-8 groff -man -Tutf8 "$MANPAGE" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g' >"$tmp/text"
for section in NAME SYNOPSIS DESCRIPTION "GLOBAL OPTIONS" COMMANDS "EXIT STATUS" FILES EXAMPLES \
    "SEE ALSO"; do
    if grep -qx "$section" "$tmp/text"; then
        ok "section $section"
    else
        not_ok "section $section" "$(head -40 "$tmp/text")"
    fi
done
for file in /etc/libvirt/hooks/qemu.d/virtflow /etc/modules-load.d/vfio.conf /var/lib/virtflow \
    /var/log/libvirt/qemu-hook.log /var/log/virtflow/helper.log; do
    if sed -n '/^FILES$/,/^EXAMPLES$/p' "$tmp/text" | grep -q "^       $file\$"; then
        ok "FILES lists $file"
    else
        not_ok "FILES lists $file"
    fi
done
for status in 0 1 2 3 4 5 6 7; do
    if sed -n '/^EXIT STATUS$/,/^ENVIRONMENT$/p' "$tmp/text" | grep -Eq "^       $status +[A-Z]"; then
        ok "EXIT STATUS $status"
    else
        not_ok "EXIT STATUS $status"
    fi
done

# ---- what --help lists is documented ----

# The subsection of a command in the page source: from `.SS CMD` to the next .SS/.SH
section_of() {
    awk -v cmd="$1" '
        /^\.S[SH] / { inside = (index($0, ".SS " cmd " ") == 1 || $0 == ".SS " cmd) }
        inside' "$MANPAGE" | sed 's/\\-/-/g'
}

# the long options of a --help text (GOption's and ours)
long_options() {
    grep -oE -- '(^|[ ,])--[a-z][a-z-]*' | sed 's/^[ ,]*//' | grep -vx -- '--help' | sort -u
}

"$VIRTFLOW" --help >"$tmp/help" 2>&1
commands=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NR > 1 && NF { print $1 }')
if [ "$(echo "$commands" | wc -w)" -ge 9 ]; then
    ok "virtflow --help lists $(echo "$commands" | wc -w) commands"
else
    not_ok "virtflow --help lists the commands" "$(cat "$tmp/help")"
fi
for cmd in $(printf "%s\n" $commands setup doctor | awk '!seen[$0]++'); do
    if [ "$cmd" = gpu ]; then
        subs=$("$VIRTFLOW" gpu 2>&1 | sed -n 's/^ *\(Usage: \)\{0,1\}virtflow gpu \([a-z]*\).*/\2/p')
        for sub in $subs; do
            if [ -n "$(section_of "gpu $sub")" ]; then
                ok "man page has a subsection for 'gpu $sub'"
            else
                not_ok "man page has a subsection for 'gpu $sub'"
            fi
        done
        continue
    fi
    if [ -n "$(section_of "$cmd")" ]; then
        ok "man page has a subsection for '$cmd'"
    else
        not_ok "man page has a subsection for '$cmd'" "add '.SS $cmd ...' under COMMANDS"
    fi
done

for opt in $(sed -n '/^Global options:/,/^$/p' "$tmp/help" | long_options); do
    if sed -n '/^\.SH GLOBAL OPTIONS/,/^\.SH COMMANDS/p' "$MANPAGE" | sed 's/\\-/-/g' |
        grep -q -- "$opt"; then
        ok "global option $opt documented"
    else
        not_ok "global option $opt documented"
    fi
done

# each command's own options, under its subsection (commands --help does not know yet,
# such as setup before it lands, are skipped)
while read -r cmd; do
    [ "$cmd" = gpu ] && continue
    # shellcheck disable=SC2086
    "$VIRTFLOW" --demo $cmd --help >"$tmp/cmdhelp" 2>&1 </dev/null || continue
    text=$(section_of "$cmd")
    missing=""
    for opt in $(long_options <"$tmp/cmdhelp"); do
        grep -q -- "$opt" <<<"$text" || missing="$missing $opt"
    done
    if [ -z "$missing" ]; then
        ok "every option of '$cmd --help' is in its subsection"
    else
        not_ok "every option of '$cmd --help' is in its subsection" "missing:$missing"
    fi
done < <(printf "%s\n" $commands "gpu list" "gpu bind" "gpu restore" setup | awk '!seen[$0]++')

# the values of activate's --view, --input and --grab-toggle that its --help names are
# explained in its subsection (a new view or toggle key must be documented)
"$VIRTFLOW" --demo activate --help >"$tmp/cmdhelp" 2>&1 </dev/null
text=$(section_of activate)
missing=""
for value in monitor looking-glass auto none usb-controller ctrl-ctrl alt-alt shift-shift \
    meta-meta scrolllock ctrl-scrolllock; do
    if ! grep -qw -- "$value" "$tmp/cmdhelp"; then
        missing="$missing $value(not in --help)"
    elif ! grep -qw -- "$value" <<<"$text"; then
        missing="$missing $value"
    fi
done
if [ -z "$missing" ]; then
    ok "activate's views, inputs and toggle keys are explained in its subsection"
else
    not_ok "activate's views, inputs and toggle keys are explained in its subsection" \
        "missing:$missing"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
