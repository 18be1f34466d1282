#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/list.sh BUILDDIR: `virtflow list --json` against `virsh list --all` on one libvirt
# connection with 1000 defined domains. Prints the median wall-time ratio virtflow/virsh,
# rewrites its section of bench/RESULTS-vm.md, and exits 1 when the ratio is above 1.0
# (with BENCH_DAEMON=1: when either ratio is).
# A benchmark, not a test: the numbers depend on the machine and on its load.
#
# The connection is libvirt's test driver, in-process: test:///ABS/node.xml, a generated
# node file with N minimal domains (type='test', half running). The test driver parses the
# whole node file on every connection open, so both commands pay that at each run; the
# cost of opening alone is timed too (`virsh -c URI uri`), informational.
#
# BENCH_DAEMON=1 also times both against a private libvirtd: a session daemon started for
# this run only, as the unprivileged user `nobody`, with its socket, configuration and the
# N defined domains (type='qemu', never started) in the temporary directory; it is stopped
# by its pid at the end. No existing daemon or domain is touched. Each libvirt call is then
# an RPC; the RPCs of each command are counted from libvirt's client log.
#
# Environment: BENCH_RUNS (20), BENCH_WARMUP (3), BENCH_DOMAINS (1000),
#              BENCH_RESULTS (bench/RESULTS-vm.md; "-" to leave it alone),
#              BENCH_DAEMON (0), BENCH_KEEP=1 to keep the temporary directory.
#              BENCH_QUICK=1 (tools/test): one run of each command, no warm-up, no results
#              written, the times not judged: fails only when the benchmark itself breaks.
set -eu

usage() {
    echo "Usage: $0 BUILDDIR" >&2
    exit 2
}
[ $# -eq 1 ] || usage
[ -d "$1" ] || { echo "$0: '$1' is not a build directory" >&2; exit 2; }

BUILDDIR=$(cd "$1" && pwd)
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${BENCH_RUNS:-20}
WARMUP=${BENCH_WARMUP:-3}
NDOM=${BENCH_DOMAINS:-1000}
RESULTS=${BENCH_RESULTS:-$SRCDIR/bench/RESULTS-vm.md}
DAEMON=${BENCH_DAEMON:-0}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    RUNS=1 WARMUP=0 RESULTS=-
fi
VIRTFLOW=$BUILDDIR/src/cli/virtflow

for tool in hyperfine virsh jq awk; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is needed" >&2; exit 2; }
done
[ -x "$VIRTFLOW" ] || { echo "$0: $VIRTFLOW is missing: run 'ninja -C $1' first" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-bench-list.XXXXXX")
DAEMON_PID=
cleanup() {
    if [ -n "$DAEMON_PID" ]; then
        kill "$DAEMON_PID" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$DAEMON_PID" 2>/dev/null || break
            sleep 0.3
        done
    fi
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        echo "bench: keeping $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the node file: N domains, the even ones running ----
NODE=$TMP/node.xml
awk -v n="$NDOM" 'BEGIN {
    print "<node>"
    for (i = 0; i < n; i++) {
        printf "  <domain type=\"test\" xmlns:test=\"http://libvirt.org/schemas/domain/test/1.0\">\n"
        printf "    <name>vm-%04d</name>\n", i
        printf "    <uuid>%08x-0000-4000-8000-%012x</uuid>\n", i + 1, i + 1
        printf "    <memory unit=\"KiB\">1048576</memory>\n"
        printf "    <vcpu>1</vcpu>\n"
        printf "    <os><type arch=\"x86_64\">hvm</type></os>\n"
        printf "    <test:runstate>%d</test:runstate>\n", (i % 2 == 0) ? 1 : 5
        printf "  </domain>\n"
    }
    print "</node>"
}' >"$NODE"
URI="test://$NODE"

VF_CMD="$VIRTFLOW --connect $URI list --json"
VIRSH_CMD="virsh -c $URI list --all"
OPEN_CMD="virsh -c $URI uri"

# Both must list every domain before they are timed.
$VF_CMD >"$TMP/virtflow.json"
n_vf=$(jq '.domains | length' "$TMP/virtflow.json")
n_vf_running=$(jq '[.domains[] | select(.state == "running")] | length' "$TMP/virtflow.json")
n_virsh=$($VIRSH_CMD | grep -c ' vm-[0-9]')
if [ "$n_vf" != "$NDOM" ] || [ "$n_virsh" != "$NDOM" ]; then
    echo "bench: virtflow lists $n_vf domains, virsh $n_virsh; expected $NDOM" >&2
    exit 2
fi

hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
    --export-json "$TMP/hyperfine.json" \
    -n virtflow "$VF_CMD" \
    -n virsh "$VIRSH_CMD" \
    -n open-only "$OPEN_CMD"

ms() { # FILE NAME FIELD → milliseconds, 1 decimal
    jq -r --arg n "$2" --arg f "$3" '.results[] | select(.command == $n) | .[$f] * 1000' "$1" |
        awk '{ printf "%.1f\n", $1 }'
}
ratio() { # FILE A B → median(A)/median(B), 3 decimals
    jq -r --arg a "$2" --arg b "$3" '[.results[] | {(.command): .median}] | add | .[$a] / .[$b]' \
        "$1" | awk '{ printf "%.3f\n", $1 }'
}
beyond() { # FILE A BASE → ms of median(A) - median(BASE)
    jq -r --arg a "$2" --arg b "$3" '[.results[] | {(.command): .median}] | add | (.[$a] - .[$b]) * 1000' \
        "$1" | awk '{ printf "%.1f\n", $1 }'
}

RATIO=$(ratio "$TMP/hyperfine.json" virtflow virsh)
PASS=$(awk -v r="$RATIO" 'BEGIN { print (r <= 1.0) ? "yes" : "no" }')
VERDICT=$([ "$PASS" = yes ] && echo "PASS (≤ 1.0)" || echo "FAIL (> 1.0)")
VF_BEYOND=$(beyond "$TMP/hyperfine.json" virtflow open-only)
VIRSH_BEYOND=$(beyond "$TMP/hyperfine.json" virsh open-only)

echo
echo "test driver, $NDOM domains: median wall ratio virtflow/virsh: $RATIO  $VERDICT"
echo "(beyond opening the connection: virtflow +$VF_BEYOND ms, virsh +$VIRSH_BEYOND ms)"

# ---- optional: a private session libvirtd as nobody ----
D_STATUS="not run (BENCH_DAEMON=1 to run it)"
if [ "$DAEMON" = 1 ]; then
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || [ ! -x /usr/sbin/libvirtd ]; then
        echo "bench: BENCH_DAEMON=1 needs root (to run the daemon as nobody), setpriv and /usr/sbin/libvirtd" >&2
        exit 2
    fi
    D=$TMP/daemon
    mkdir -p "$D/domains" "$D/bin"
    # nobody must reach its directory and the binaries it runs
    chmod 755 "$TMP"
    cp "$VIRTFLOW" "$D/bin/"
    awk -v n="$NDOM" -v dir="$D/domains" 'BEGIN {
        for (i = 0; i < n; i++) {
            f = sprintf("%s/vm-%04d.xml", dir, i)
            printf "<domain type=\"qemu\">\n  <name>vm-%04d</name>\n", i >f
            printf "  <uuid>%08x-0000-4000-8000-%012x</uuid>\n", i + 1, i + 1 >f
            printf "  <memory unit=\"KiB\">131072</memory>\n  <vcpu>1</vcpu>\n" >f
            printf "  <os><type arch=\"x86_64\" machine=\"pc\">hvm</type></os>\n</domain>\n" >f
            close(f)
        }
    }'
    chown -R nobody "$D"
    as_nobody() {
        setpriv --reuid=nobody --regid=nogroup --clear-groups \
            env -i PATH=/usr/sbin:/usr/bin:/bin HOME="$D" XDG_RUNTIME_DIR="$D/run" \
            XDG_CONFIG_HOME="$D/config" XDG_CACHE_HOME="$D/cache" "$@"
    }
    # started directly, not through the function: $! is then the daemon itself (setpriv
    # and env exec it), whose pid the cleanup stops; --timeout: it also ends by itself
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
        env -i PATH=/usr/sbin:/usr/bin:/bin HOME="$D" XDG_RUNTIME_DIR="$D/run" \
        XDG_CONFIG_HOME="$D/config" XDG_CACHE_HOME="$D/cache" \
        /usr/sbin/libvirtd --timeout 600 >"$D/libvirtd.log" 2>&1 &
    DAEMON_PID=$!
    i=0
    until as_nobody virsh -c qemu:///session uri >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || { echo "bench: the private libvirtd did not start:" >&2; tail -5 "$D/libvirtd.log" >&2; exit 2; }
        sleep 0.2
    done
    (cd "$D/domains" && ls | sed 's/^/define /' | paste -sd';') >"$D/define.cmds"
    as_nobody sh -c "cd '$D/domains' && virsh -q -c qemu:///session \"\$(cat '$D/define.cmds')\"" >/dev/null
    n_def=$(as_nobody virsh -c qemu:///session list --all --name | grep -c '^vm-')
    [ "$n_def" = "$NDOM" ] || { echo "bench: $n_def domains defined in the private daemon, expected $NDOM" >&2; exit 2; }

    D_VF="$D/bin/virtflow --connect qemu:///session list --json"
    D_VIRSH="virsh -c qemu:///session list --all"
    rpcs() { # CMD... → "N (proc P ×K, ...)" from libvirt's client debug log
        rm -f "$D/rpc.log"
        as_nobody env LIBVIRT_LOG_FILTERS=1:rpc.netclient LIBVIRT_LOG_OUTPUTS="1:file:$D/rpc.log" "$@" >/dev/null
        grep -o 'RPC_CLIENT_MSG_TX_QUEUE.*proc=[0-9]*' "$D/rpc.log" | grep -o 'proc=[0-9]*' |
            sort | uniq -c | sort -rn |
            awk '{ n += $1; s = s (s ? ", " : "") $2 " ×" $1 } END { printf "%d (%s)\n", n, s }'
    }
    # shellcheck disable=SC2086 # word splitting of the command lines is wanted
    VF_RPCS=$(rpcs $D_VF)
    # shellcheck disable=SC2086
    VIRSH_RPCS=$(rpcs $D_VIRSH)
    as_nobody hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$D/hyperfine.json" \
        -n virtflow "$D_VF" -n virsh "$D_VIRSH"
    D_RATIO=$(ratio "$D/hyperfine.json" virtflow virsh)
    D_STATUS="ran"
    D_PASS=$(awk -v r="$D_RATIO" 'BEGIN { print (r <= 1.0) ? "yes" : "no" }')
    D_VERDICT=$([ "$D_PASS" = yes ] && echo "PASS (≤ 1.0)" || echo "FAIL (> 1.0)")
    [ "$D_PASS" = yes ] || PASS=no
    echo
    echo "private libvirtd, $NDOM domains: median wall ratio virtflow/virsh: $D_RATIO  $D_VERDICT"
    echo "RPCs: virtflow $VF_RPCS; virsh $VIRSH_RPCS"
fi

# ---- results ----
BEGIN_MARKER='<!-- bench/list.sh begin: this section is rewritten by bench/list.sh -->'
END_MARKER='<!-- bench/list.sh end -->'
if [ "$RESULTS" != "-" ]; then
    commit=$(git -C "$SRCDIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git -C "$SRCDIR" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        commit="$commit (with uncommitted changes)"
    fi
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
    row() { # FILE NAME COMMAND RATIO
        printf '| %s | `%s` | %s | %s | %s | %s |\n' "$2" "$3" "$(ms "$1" "$2" median)" \
            "$(ms "$1" "$2" mean)" "$(ms "$1" "$2" min)" "$4"
    }
    {
        echo "$BEGIN_MARKER"
        echo "## \`virtflow list --json\` vs \`virsh list --all\`, $NDOM domains (\`bench/list.sh\`)"
        echo
        echo "Goal: median wall ratio virtflow/virsh ≤ 1.0 on the same connection."
        echo
        echo "**libvirt's test driver (in-process): ratio $RATIO — $VERDICT**"
        echo
        echo "$RUNS timed runs per command after $WARMUP warm-up runs (hyperfine $(hyperfine --version | cut -d' ' -f2), \`-N\`, output to /dev/null)."
        echo "URI = test:///TMP/node.xml, generated: $NDOM minimal domains (type='test'), $n_vf_running running."
        echo
        echo "| name | command | median ms | mean ms | min ms | ratio to virsh (medians) |"
        echo "|---|---|---:|---:|---:|---:|"
        row "$TMP/hyperfine.json" virtflow "virtflow --connect URI list --json" "$RATIO"
        row "$TMP/hyperfine.json" virsh "virsh -c URI list --all" "1.000"
        row "$TMP/hyperfine.json" open-only "virsh -c URI uri" "$(ratio "$TMP/hyperfine.json" open-only virsh)"
        echo
        echo "The test driver parses the whole node file (and validates every domain) each time a"
        echo "connection opens, in the client process: the \`open-only\` row is that cost alone,"
        echo "which both commands pay. Beyond it, listing took virtflow +$VF_BEYOND ms and virsh"
        echo "+$VIRSH_BEYOND ms (differences of medians: noisy)."
        echo
        if [ "$D_STATUS" = ran ]; then
            echo "**A private libvirtd (session daemon as nobody, $NDOM defined type='qemu' domains, all shut off): ratio $D_RATIO — $D_VERDICT**"
            echo
            echo "| name | command | median ms | mean ms | min ms | ratio to virsh (medians) |"
            echo "|---|---|---:|---:|---:|---:|"
            row "$D/hyperfine.json" virtflow "virtflow --connect qemu:///session list --json" "$D_RATIO"
            row "$D/hyperfine.json" virsh "virsh -c qemu:///session list --all" "1.000"
            echo
            echo "RPCs per command (libvirt client log, \`RPC_CLIENT_MSG_TX_QUEUE\`, by remote procedure number):"
            echo "virtflow $VF_RPCS; virsh $VIRSH_RPCS."
        else
            echo "Private libvirtd: $D_STATUS."
        fi
        echo
        echo "Reproduce: \`ninja -C build && bench/list.sh build\` (as root with \`BENCH_DAEMON=1\` for the daemon part)."
        echo
        echo "Run: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) CPUs ($cpu), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end;"
        echo "source $commit; buildtype $(jq -r '.[] | select(.name == "buildtype") | .value' "$BUILDDIR/meson-info/intro-buildoptions.json" 2>/dev/null || echo unknown); $(virsh --version | sed 's/^/virsh /')."
        echo "$END_MARKER"
    } >"$TMP/section.md"
    if [ -f "$RESULTS" ] && grep -qF "$BEGIN_MARKER" "$RESULTS" && grep -qF "$END_MARKER" "$RESULTS"; then
        awk -v b="$BEGIN_MARKER" -v e="$END_MARKER" -v f="$TMP/section.md" '
            $0 == b { while ((getline line < f) > 0) print line; skip = 1; next }
            skip && $0 == e { skip = 0; next }
            !skip { print }' "$RESULTS" >"$TMP/results.md"
    else
        { [ -f "$RESULTS" ] && cat "$RESULTS" && echo; cat "$TMP/section.md"; } >"$TMP/results.md"
    fi
    cat "$TMP/results.md" >"$RESULTS"
    echo "bench: wrote $RESULTS"
fi

if [ "$QUICK" = 1 ]; then
    echo "bench: quick run done (times not judged)"
    exit 0
fi
[ "$PASS" = yes ]
