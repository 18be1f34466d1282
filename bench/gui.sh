#!/usr/bin/env bash
# The desktop app's benchmarks, on the demo host with 500 more VMs ($BENCH_VMS), under Xvfb:
#   1. launch → first frame drawn with the VM list filled (VIRTFLOW_GTK_BENCH=1 makes
#      virtflow-gtk print the wall clock at its first frames: GdkFrameClock "after-paint")
#   2. the longest main-loop stall during an activation and a deactivation (a 1 ms
#      timeout measures the gaps between its runs while the flow runs; target < 50 ms)
#
#   bench/gui.sh [BUILDDIR] [RUNS]      (default: build 5)
#
# Prints one line per run and the median / max; see bench/RESULTS-gui.md. Exits 1 when a
# run did not get through (no first frame, a flow that failed or never ended).
# BENCH_QUICK=1 (tools/test): one run; it writes nothing either way.
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=${1:-build}
runs=${2:-5}
[ "${BENCH_QUICK:-0}" = 1 ] && runs=1
bin=$(cd "$builddir/src/gui" 2>/dev/null && pwd)/virtflow-gtk
[ -x "$bin" ] || { echo "no $builddir/src/gui/virtflow-gtk: build with GTK 4 + libadwaita" >&2; exit 1; }
for tool in xvfb-run dbus-run-session gdbus; do
    command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install xvfb dbus libglib2.0-bin)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/virtflow-bench-gui-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/run"
cat > "$tmp/inner.sh" <<'INNER'
#!/usr/bin/env bash
set -uo pipefail
bin=$1 runs=$2 tmp=$3
act() { # the demo is an application of its own (org.virtflow.VirtFlow.Demo)
    gdbus call --session --dest org.virtflow.VirtFlow.Demo --object-path /org/virtflow/VirtFlow/Demo \
        --method org.gtk.Actions.Activate "$@" "{}" >/dev/null
}
wait_line() { # FILE PATTERN: waits up to 60 s for a line, prints it
    local i
    for i in $(seq 600); do
        grep -m1 -E "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}
for run in $(seq "$runs"); do
    out=$tmp/app-$run.log
    # run 1 builds the demo (cold), the others reopen it
    start=$(($(date +%s%N) / 1000))
    VIRTFLOW_GTK_BENCH=1 "$bin" --demo >"$out" 2>"$tmp/app-$run.err" &
    pid=$!
    first=$(wait_line "$out" '^bench: first-frame realtime' | sed -E 's/.*realtime-us=([0-9]+).*/\1/')
    line=$(wait_line "$out" '^bench: first-frame-with-vms')
    full=$(sed -E 's/.*realtime-us=([0-9]+).*/\1/' <<<"$line")
    vms=$(sed -E 's/.*vms=([0-9]+).*/\1/' <<<"$line")
    act activate-gpu "[<'Windows 11'>]"
    act_stall=$(wait_line "$out" '^bench: flow=activate' | sed -E 's/.*ok=([01]) max-stall-ms=([0-9.]+).*/\2 (ok=\1)/')
    act deactivate-gpu "[<'Windows 11'>]"
    deact_stall=$(wait_line "$out" '^bench: flow=other' | sed -E 's/.*ok=([01]) max-stall-ms=([0-9.]+).*/\2 (ok=\1)/')
    act quit "[]" || kill "$pid" # a bench that cannot talk to the app must not hang
    wait "$pid"
    printf 'run %d: %s VMs, first frame %d ms, first frame with the list %d ms, max stall: activate %s ms, deactivate %s ms\n' \
        "$run" "$vms" $(((first - start) / 1000)) $(((full - start) / 1000)) "$act_stall" "$deact_stall"
    grep '^bench: slow' "$out" | sed 's/^bench: /    main thread: /'
done
INNER
chmod +x "$tmp/inner.sh"
export HOME=$tmp XDG_RUNTIME_DIR=$tmp/run XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config \
    XDG_CACHE_HOME=$tmp/cache GSK_RENDERER=cairo VIRTFLOW_DEMO_ROOT=$tmp/demo VIRTFLOW_DEMO_VMS=${BENCH_VMS:-500}
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
echo "virtflow-gtk --demo with $VIRTFLOW_DEMO_VMS more VMs ($((VIRTFLOW_DEMO_VMS + 1)) in all), Xvfb 1280x800, GSK_RENDERER=cairo, $runs runs"
xvfb-run -a -n $((100 + RANDOM % 800)) -s "-screen 0 1280x800x24" \
    dbus-run-session -- "$tmp/inner.sh" "$bin" "$runs" "$tmp" 2>/dev/null | tee "$tmp/results"
# median and max (mawk has no sort of its own)
summary() { # FIELD-AFTER WORD
    local values
    values=$(grep '^run' "$tmp/results" | sed -E "s/.*$1 ([0-9.]+).*/\1/" | sort -n)
    n=$(wc -l <<<"$values")
    printf '%s: median %s ms, max %s ms\n' "$2" "$(sed -n "$(((n + 1) / 2))p" <<<"$values")" \
        "$(tail -1 <<<"$values")"
}
summary "first frame with the list" "launch to first frame with the $((VIRTFLOW_DEMO_VMS + 1)) VMs"
summary "stall: activate" "longest main-loop stall during an activation"
summary "ms, deactivate" "longest main-loop stall during a deactivation"
echo "load average during the runs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
# a run that got through: every number there, both flows ok
complete=$(grep -cE '^run [0-9]+: [0-9]+ VMs, first frame -?[0-9]+ ms, first frame with the list -?[0-9]+ ms, max stall: activate [0-9.]+ \(ok=1\) ms, deactivate [0-9.]+ \(ok=1\) ms$' "$tmp/results")
if [ "$complete" -ne "$runs" ]; then
    echo "bench: $complete of $runs runs got through (see the lines above)" >&2
    exit 1
fi
[ "${BENCH_QUICK:-0}" = 1 ] && echo "bench: quick run done (times not judged)"
exit 0
