#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/hook.sh BUILDDIR: what VirtFlow's libvirt hook costs an ordinary VM, against the
# smallest shell hooks. libvirtd runs every hook of /etc/libvirt/hooks/qemu.d/ for every
# domain at every step (prepare, start, started, stopped, release, ...) and waits for
# each, so for a VM VirtFlow never activated the hook must be as good as absent.
#
# Goal: the hook (build/src/hook/virtflow-hook, the gate libvirtd runs) no slower than a
# shell hook that reads its stdin (`#!/bin/sh` + `cat >/dev/null`), for `start begin` (stdin
# not read) and for `prepare begin` with an ordinary domain XML (stdin read and searched).
# Writes bench/RESULTS-hook.md (BENCH_RESULTS=- leaves it alone) and exits 1 when a ratio
# to the reading shell hook is above 1.0.
#
# Two ways of timing, both with hyperfine:
#   - exec:  `hyperfine -N` (no shell); stdin is /dev/null (hyperfine 1.15 has no --input),
#            so this is the pure cost of exec + start-up + exit;
#   - stdin: `hyperfine` through `sh -c '... < domain.xml'`, hyperfine subtracting the
#            shell's own start-up; the XML (the demo's Windows 11 domain, no VirtFlow
#            metadata) is really read.
# A benchmark, not a test: the numbers depend on the machine and its load.
#
# Environment: BENCH_RUNS (2000), BENCH_WARMUP (200), BENCH_RESULTS
#              (bench/RESULTS-hook.md), BENCH_KEEP=1 to keep the temporary directory.
#              BENCH_QUICK=1 (tools/test): one run of each command, no warm-up, no results
#              written, the times not judged: fails only when the benchmark itself breaks.
set -eu

[ $# -eq 1 ] || { echo "Usage: $0 BUILDDIR" >&2; exit 2; }
[ -d "$1" ] || { echo "$0: '$1' is not a build directory" >&2; exit 2; }
BUILDDIR=$(cd "$1" && pwd)
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${BENCH_RUNS:-2000}
WARMUP=${BENCH_WARMUP:-200}
RESULTS=${BENCH_RESULTS:-$SRCDIR/bench/RESULTS-hook.md}
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    RUNS=1 WARMUP=0 RESULTS=-
fi
HOOK=$BUILDDIR/src/hook/virtflow-hook
WORKER=$BUILDDIR/src/hook/virtflow-hook-worker
VIRTFLOW=$BUILDDIR/src/cli/virtflow

for tool in hyperfine python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$0: '$tool' is needed" >&2; exit 2; }
done
for bin in "$HOOK" "$WORKER" "$VIRTFLOW"; do
    [ -x "$bin" ] || { echo "$0: $bin is missing: run 'ninja -C $1' first" >&2; exit 2; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-bench-hook.XXXXXX")
cleanup() {
    if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: keeping $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# The shell hooks, and an ordinary domain: the demo's Windows 11 VM as libvirt stores it.
printf '#!/bin/sh\nexit 0\n' >"$TMP/sh-exit"
printf '#!/bin/sh\ncat >/dev/null\n' >"$TMP/sh-cat"
chmod +x "$TMP/sh-exit" "$TMP/sh-cat"
# For information: a VirtFlow domain on the demo's model host, its GPU already bound, so
# prepare takes the whole way (gate, worker, host report, verify) and changes nothing.
VIRTFLOW_DEMO_ROOT=$TMP/demo "$VIRTFLOW" --demo activate 'Windows 11' --dry-run --json |
    python3 -c 'import json, sys; sys.stdout.write(json.load(sys.stdin)["domain_xml"])' \
        >"$TMP/ours.xml"
cp "$TMP"/demo/libvirt/domains/*.xml "$TMP/plain.xml"
if grep -q 'virtflow.org/xmlns' "$TMP/plain.xml"; then
    echo "$0: the demo's domain already carries VirtFlow metadata" >&2
    exit 1
fi
MODEL="--host-root $TMP/demo --log $TMP/hook.log --state-dir $TMP/state"
# shellcheck disable=SC2086 # MODEL is words
"$HOOK" $MODEL vm prepare begin - <"$TMP/ours.xml"

cd "$TMP"
hf() {
    out=$1
    shift
    hyperfine --style none -w "$WARMUP" -r "$RUNS" --export-json "$out" "$@" >/dev/null 2>&1
}
echo "bench: exec (hyperfine -N, stdin /dev/null), $RUNS runs each ..."
hf exec.json -N \
    -n sh-exit './sh-exit vm start begin -' \
    -n sh-cat './sh-cat vm start begin -' \
    -n hook-start "$HOOK vm start begin -" \
    -n hook-prepare "$HOOK vm prepare begin -" \
    -n worker-prepare "$WORKER vm prepare begin -"
echo "bench: stdin (shell-corrected, the domain XML on stdin), $RUNS runs each ..."
hf stdin.json \
    -n sh-exit './sh-exit vm prepare begin - < plain.xml' \
    -n sh-cat './sh-cat vm prepare begin - < plain.xml' \
    -n hook-start "$HOOK vm start begin - < plain.xml" \
    -n hook-prepare "$HOOK vm prepare begin - < plain.xml" \
    -n worker-prepare "$WORKER vm prepare begin - < plain.xml" \
    -n ours-bound "$HOOK $MODEL vm prepare begin - < ours.xml"

python3 - "$RESULTS" "$(hyperfine --version)" "$(wc -c <plain.xml)" "$RUNS" "$WARMUP" "$QUICK" <<'EOF'
import json, sys, platform, statistics

results, version, xml_bytes, runs, warmup, quick = sys.argv[1:7]

def load(name):
    rows = {}
    for r in json.load(open(name))["results"]:
        t = r["times"]
        rows[r["command"]] = (statistics.median(t) * 1e3, r["mean"] * 1e3, min(t) * 1e3)
    return rows

names = {
    "sh-exit": "`#!/bin/sh` + `exit 0`",
    "sh-cat": "`#!/bin/sh` + `cat >/dev/null`",
    "hook-start": "virtflow-hook, `start begin`",
    "hook-prepare": "virtflow-hook, `prepare begin`, ordinary domain",
    "worker-prepare": "virtflow-hook-worker alone, `prepare begin`, ordinary domain",
    "ours-bound": "virtflow-hook, `prepare begin`, VirtFlow domain, GPU already bound (model host)",
}
out = []
verdicts = []
for title, name, note in (
    ("exec: `hyperfine -N`, stdin /dev/null", "exec.json", ""),
    ("stdin: the domain XML on stdin (%s bytes), through `sh -c`, shell start-up subtracted"
     % xml_bytes, "stdin.json", ""),
):
    rows = load(name)
    base = rows["sh-cat"][0]
    # with the shell's start-up subtracted, a loaded machine can leave nothing of the
    # baseline: no ratio then, and no verdict from this table
    measurable = base > 0.001
    out.append("### %s\n" % title)
    out.append("| hook | median ms | mean ms | min ms | ratio to sh + cat (medians) |")
    out.append("|---|---:|---:|---:|---:|")
    for key, (med, mean, mn) in rows.items():
        out.append("| %s | %.3f | %.3f | %.3f | %s |" % (names[key], med, mean, mn,
                                                       "%.2f" % (med / base) if measurable else "n/a"))
    if not measurable:
        out.append("\n(the baseline's median is %.3f ms after subtracting the shell's start-up:"
                   " the machine's noise is larger than the hooks; no ratio)" % base)
    out.append("")
    for key in ("hook-start", "hook-prepare"):
        verdicts.append((name.split(".")[0], key, rows[key][0] / base if measurable else None))

ok = all(r is None or r <= 1.0 for _, _, r in verdicts)
summary = ", ".join("%s %s %s" % (m, k, "%.2f" % r if r is not None else "n/a")
                    for m, k, r in verdicts)
head = [
    "# The libvirt hook's cost for an ordinary VM (`bench/hook.sh`)",
    "",
    "Goal: VirtFlow's hook no slower than a minimal shell hook that reads its stdin, for a",
    "VM VirtFlow never activated. **%s** (ratios of medians to `sh` + `cat`: %s)."
    % ("PASS" if ok else "FAIL", summary),
    "",
    "%s runs per row after %s warm-up runs (%s), %s, Python-computed medians."
    % (runs, warmup, version, platform.platform()),
    "",
]
sys.stdout.write("\n".join(head + out) + "\n")
if results != "-":
    notes_marker = "<!-- notes: kept by bench/hook.sh -->"
    notes = ""
    try:
        text = open(results).read()
        if notes_marker in text:
            notes = text[text.index(notes_marker):]
    except FileNotFoundError:
        pass
    with open(results, "w") as f:
        f.write("\n".join(head + out) + "\n" + (notes or notes_marker + "\n"))
if quick == "1":
    print("bench: quick run done (times not judged)")
    sys.exit(0)
sys.exit(0 if ok else 1)
EOF
