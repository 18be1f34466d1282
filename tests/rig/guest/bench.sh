# shellcheck shell=sh
# Benchmark (VF_RIG_BENCH=1), sourced at the end of scenario A with GPU, AUD and GRP set.
#
# One round = the whole group to vfio-pci and back. Compared: `virtflow gpu bind` +
# `virtflow gpu restore` against the bare sysfs writes a shell script would do, with the
# same verification (drivers read back, /dev/vfio/GROUP present/absent). Clock: the
# guest's CLOCK_MONOTONIC through rig-helper (ns), the same cost on both sides.
# The numbers are TCG numbers: compare them with each other, not with real hardware.

BENCH_ROUNDS=10
VDRV=$(driver "$GPU")
ADRV=$(driver "$AUD")

bound_ok() { drivers_are vfio-pci "$GPU" "$AUD" >/dev/null && [ -c "/dev/vfio/$GRP" ]; }
restored_ok() {
    [ "$(driver "$GPU")" = "$VDRV" ] && [ "$(driver "$AUD")" = "$ADRV" ] &&
        [ ! -e "/dev/vfio/$GRP" ]
}

sh_bind() {
    for f in "$GPU" "$AUD"; do echo vfio-pci > "$PCI/$f/driver_override"; done
    # Unbind every endpoint first: VFIO refuses half a group.
    for f in "$GPU" "$AUD"; do echo "$f" > "$PCI/$f/driver/unbind"; done
    for f in "$GPU" "$AUD"; do echo "$f" > /sys/bus/pci/drivers_probe; done
    wait_for 10 bound_ok
}

sh_restore() {
    for f in "$GPU" "$AUD"; do echo "$f" > "$PCI/$f/driver/unbind"; done
    for f in "$GPU" "$AUD"; do echo > "$PCI/$f/driver_override"; done
    for f in "$GPU" "$AUD"; do echo "$f" > /sys/bus/pci/drivers_probe; done
    wait_for 10 restored_ok
}

vf_round() {
    timeout "$VF_TIMEOUT" virtflow gpu bind "$GPU" > /dev/null 2>&1 &&
        timeout "$VF_TIMEOUT" virtflow gpu restore "$GPU" > /dev/null 2>&1
}

sh_round() { sh_bind && sh_restore; }

# bench_run NAME FUNC: BENCH_ROUNDS timed rounds; per-round ns in /tmp/bench-NAME.
# Each round is checked afterwards (outside the timing) so a fast wrong round fails.
bench_run() {
    : > "/tmp/bench-$1"
    _i=0
    while [ "$_i" -lt "$BENCH_ROUNDS" ]; do
        _t0=$(rig-helper now)
        if ! $2; then
            fail "bench: $1 round $_i failed"
            return 1
        fi
        _t1=$(rig-helper now)
        if ! restored_ok; then
            fail "bench: $1 round $_i left the dGPU off its host drivers"
            return 1
        fi
        echo $((_t1 - _t0)) >> "/tmp/bench-$1"
        _i=$((_i + 1))
    done
    pass "bench: $BENCH_ROUNDS $1 rounds completed and verified"
}

# median_ms FILE
median_ms() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.1f\n", m / 1e6 }'
}

# One untimed warm-up of each, so page-cache and first-probe effects hit neither side.
vf_round > /dev/null 2>&1
sh_round > /dev/null 2>&1

if bench_run virtflow vf_round && bench_run shell sh_round; then
    vf_ms=$(median_ms /tmp/bench-virtflow)
    sh_ms=$(median_ms /tmp/bench-shell)
    {
        echo "rounds=$BENCH_ROUNDS"
        echo "virtflow_median_ms=$vf_ms"
        echo "shell_median_ms=$sh_ms"
        echo "virtflow_rounds_ms=$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1e6 }' /tmp/bench-virtflow)"
        echo "shell_rounds_ms=$(awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1e6 }' /tmp/bench-shell)"
    } > /tmp/bench.txt
    emit_file bench.txt < /tmp/bench.txt
    note "bench: median per round: virtflow $vf_ms ms, shell $sh_ms ms"
fi
