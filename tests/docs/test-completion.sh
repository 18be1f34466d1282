#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-completion.sh VIRTFLOW COMPLETION: the bash completion offers what a user expects
#
# The completion file is sourced in a fresh bash, COMP_WORDS/COMP_CWORD are set as bash
# sets them, and the candidates in COMPREPLY are compared: commands for the first word,
# gpu's subcommands, global and per-command options (every long option of each command's
# --help must be offered), VM names and GPU addresses from the demo (asked of VIRTFLOW,
# whose path is the completed word 0), and nothing when virtflow cannot answer. Run once
# without bash-completion's helpers and, when installed, once with them. Output is TAP.

set -u

VIRTFLOW=${1:-}
COMPLETION=${2:-}
if [ -z "$VIRTFLOW" ] || [ ! -x "$VIRTFLOW" ] || [ ! -f "$COMPLETION" ]; then
    echo "1..0 # SKIP usage: $0 PATH/TO/virtflow PATH/TO/completion/virtflow"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-completion-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export VIRTFLOW_DEMO_ROOT=$tmp/demo
BASH_COMPLETION=/usr/share/bash-completion/bash_completion

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

# complete WITH_HELPERS WORD0 WORDS...: the candidates, one a line, sorted. The last word is
# the one being completed ("" for a new word).
complete_words() {
    local helpers=$1
    shift
    bash --norc --noprofile -c '
        helpers=$1 lib=$2 file=$3
        shift 3
        if [ "$helpers" = yes ]; then . "$lib" >/dev/null 2>&1; fi
        . "$file"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _virtflow
        printf "%s\n" "${COMPREPLY[@]}"
    ' _ "$helpers" "$BASH_COMPLETION" "$COMPLETION" "$@" 2>"$tmp/err" </dev/null | sed '/^$/d' | LC_ALL=C sort
}

# expect MODE NAME "EXPECTED,CANDIDATES" WORDS...: exactly these candidates (comma separated:
# a VM name holds spaces)
expect() {
    local helpers=$1 name=$2 want got
    want=$(tr ',' '\n' <<<"$3" | sed '/^$/d' | LC_ALL=C sort)
    shift 3
    got=$(complete_words "$helpers" "$@")
    if [ "$got" = "$want" ]; then
        ok "$name"
    else
        not_ok "$name" "words: $*" "want: $(tr '\n' ' ' <<<"$want")" "got:  $(tr '\n' ' ' <<<"$got")" \
            "stderr: $(cat "$tmp/err")"
    fi
}

# contains MODE NAME "NEEDED" WORDS...: every needed word is among the candidates
contains() {
    local helpers=$1 name=$2 need=$3 got missing=""
    shift 3
    got=$(complete_words "$helpers" "$@")
    for w in $need; do
        grep -qxF -- "$w" <<<"$got" || missing="$missing $w"
    done
    if [ -z "$missing" ]; then
        ok "$name"
    else
        not_ok "$name" "words: $*" "missing:$missing" "got: $(tr '\n' ' ' <<<"$got")"
    fi
}

"$VIRTFLOW" --help >"$tmp/help" 2>&1
commands=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NR > 1 && NF { print $1 }')
"$VIRTFLOW" --demo gpu list >/dev/null 2>&1 # builds the demo

modes=(no)
if [ -f "$BASH_COMPLETION" ]; then
    modes+=(yes)
else
    echo "# bash-completion is not installed ($BASH_COMPLETION): testing without its helpers only"
fi

for h in "${modes[@]}"; do
    m="[helpers: $h]"
    contains $h "$m first word: every command of --help (and setup)" "$commands setup" \
        "$VIRTFLOW" ""
    expect $h "$m first word 'de': deactivate" "deactivate" "$VIRTFLOW" de
    expect $h "$m 'gpu ': list bind restore" "list,bind,restore" "$VIRTFLOW" gpu ""
    contains $h "$m '--': the global options" "--host-root --state-dir --connect --demo --json --verbose --help --version" \
        "$VIRTFLOW" --
    expect $h "$m '--demo st': start stop (global options skipped)" "start,stop" \
        "$VIRTFLOW" --demo st
    expect $h "$m 'stop --': its long options" "--timeout,--force,--json,--help" \
        "$VIRTFLOW" stop --
    expect $h "$m '--demo start ': the demo's VM, quoted" 'Windows\ 11' "$VIRTFLOW" --demo start ""
    expect $h "$m '--demo doctor W': the VM" 'Windows\ 11' "$VIRTFLOW" --demo doctor W
    expect $h "$m '--demo start VM ': one VM only" "" "$VIRTFLOW" --demo start Windows ""
    expect $h "$m '--demo gpu bind ': the GPUs" "0000:01:00.0,0000:0e:00.0" \
        "$VIRTFLOW" --demo gpu bind ""
    expect $h "$m '--demo activate VM --gpu ': the GPUs" "0000:01:00.0,0000:0e:00.0" \
        "$VIRTFLOW" --demo activate Windows --gpu ""
    expect $h "$m '--host-root /nonexistent start ': nothing (virtflow does not answer)" "" \
        "$VIRTFLOW" --host-root "$tmp/nonexistent" -c "qemu+unix:///system?socket=$tmp/none" start ""
    expect $h "$m '--host-root ': directories" "$tmp/demo" "$VIRTFLOW" --host-root "$tmp/de"
    expect $h "$m 'activate VM --view ': the views" "monitor,looking-glass" \
        "$VIRTFLOW" --demo activate Windows --view ""
    expect $h "$m 'activate VM --grab-toggle c': the toggles with Ctrl" \
        "ctrl-ctrl,ctrl-scrolllock" "$VIRTFLOW" --demo activate Windows --grab-toggle c
    expect $h "$m 'activate VM --input a': auto" "auto" "$VIRTFLOW" --demo activate Windows --input a
    expect $h "$m 'activate VM --lg-resolution 38': 4K" "3840x2160" \
        "$VIRTFLOW" --demo activate Windows --lg-resolution 38
    expect $h "$m 'activate --view monitor ': still the VM" 'Windows\ 11' \
        "$VIRTFLOW" --demo activate --view monitor ""
done

if [ -f "$BASH_COMPLETION" ]; then
    # bash splits words at ':' (COMP_WORDBREAKS): "0000:01" arrives as 0000 : 01 and the
    # candidates must lose what bash already has
    got=$(bash --norc --noprofile -c '
        . "$1" >/dev/null 2>&1; . "$2"
        COMP_LINE="$3 --demo gpu bind 0000:01"
        COMP_POINT=${#COMP_LINE}
        COMP_WORDS=("$3" --demo gpu bind 0000 : 01)
        COMP_CWORD=6
        _virtflow
        printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMPLETION" "$COMPLETION" "$VIRTFLOW" 2>&1)
    if [ "$got" = "01:00.0" ]; then
        ok "[helpers: yes] 'gpu bind 0000:01': 01:00.0 (colon-split word)"
    else
        not_ok "[helpers: yes] 'gpu bind 0000:01': 01:00.0 (colon-split word)" "got: $got"
    fi
fi

# every long option of each command's --help is offered
while read -r cmd; do
    [ "$cmd" = gpu ] && continue
    # shellcheck disable=SC2086
    "$VIRTFLOW" --demo $cmd --help >"$tmp/cmdhelp" 2>&1 </dev/null || continue
    opts=$(grep -oE -- '(^|[ ,])--[a-z][a-z-]*' "$tmp/cmdhelp" | sed 's/^[ ,]*//' | sort -u)
    # shellcheck disable=SC2086
    contains no "'$cmd --': every option of its --help" "$opts" "$VIRTFLOW" $cmd --
done < <(printf "%s\n" $commands "gpu list" "gpu bind" "gpu restore" setup | awk '!seen[$0]++')

echo "1..$n"
[ "$failed" -eq 0 ]
