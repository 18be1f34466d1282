# shellcheck shell=sh
# Benchmark (VF_RIG_BENCH=1), sourced at the end of scenario A with GPU, AUD and GRP set.
#
# One round = the whole group to vfio-pci and back. Compared: `virtflow gpu bind` +
# `virtflow gpu restore` against two shell scripts doing the bare sysfs writes, with the
# same verification (drivers read back, /dev/vfio/GROUP present/absent), each run as a
# process the way a user runs them, under busybox sh and under dash (Debian's /bin/sh).
# The floor row does the scripts' work in C, linked like virtflow (tests/rig/bare-move.c):
# what a program like VirtFlow costs before any check of its own. The start rows (two
# `virtflow --version` runs, the libc-only hook gate, `busybox true`) are what merely
# starting a binary twice costs, so the report can tell start-up from work. Clock: the
# guest's CLOCK_MONOTONIC through rig-helper (ns), the same cost on every row.
# The numbers are TCG numbers: compare them with each other, not with real hardware.

# BENCH_ROUNDS: from the kernel command line (vf.bench_rounds=, VF_RIG_BENCH_ROUNDS)
VDRV=$(driver "$GPU")
ADRV=$(driver "$AUD")

bound_ok() { drivers_are vfio-pci "$GPU" "$AUD" >/dev/null && [ -c "/dev/vfio/$GRP" ]; }
restored_ok() {
    [ "$(driver "$GPU")" = "$VDRV" ] && [ "$(driver "$AUD")" = "$ADRV" ] &&
        [ ! -e "/dev/vfio/$GRP" ]
}

# The alternative a user would write: two script files doing the same writes and the
# same read-back checks, run as processes like virtflow is, under the same deadline
# (dl, below).
cat > /tmp/sh-bind.sh <<EOF
for f in $GPU $AUD; do echo vfio-pci > $PCI/\$f/driver_override; done
# Unbind every endpoint first: VFIO refuses half a group.
for f in $GPU $AUD; do echo \$f > $PCI/\$f/driver/unbind; done
for f in $GPU $AUD; do echo \$f > /sys/bus/pci/drivers_probe; done
i=0
while :; do
    g=\$(readlink $PCI/$GPU/driver); a=\$(readlink $PCI/$AUD/driver)
    [ "\${g##*/}" = vfio-pci ] && [ "\${a##*/}" = vfio-pci ] && [ -c /dev/vfio/$GRP ] && break
    i=\$((i + 1)); [ \$i -lt 1000 ] || exit 1; usleep 10000
done
EOF
cat > /tmp/sh-restore.sh <<EOF
for f in $GPU $AUD; do echo \$f > $PCI/\$f/driver/unbind; done
for f in $GPU $AUD; do echo > $PCI/\$f/driver_override; done
for f in $GPU $AUD; do echo \$f > /sys/bus/pci/drivers_probe; done
i=0
while :; do
    g=\$(readlink $PCI/$GPU/driver); a=\$(readlink $PCI/$AUD/driver)
    [ "\${g##*/}" = $VDRV ] && [ "\${a##*/}" = $ADRV ] && [ ! -e /dev/vfio/$GRP ] && break
    i=\$((i + 1)); [ \$i -lt 1000 ] || exit 1; usleep 10000
done
EOF

# Every timed command runs under the same deadline: an alarm set before exec
# (rig-helper deadline), not busybox `timeout`, whose watchdog process outlives each
# command by up to a second and so put 10-20 stray processes before every holder scan.
dl() { rig-helper deadline "$VF_TIMEOUT" "$@"; }

sh_bind() { dl sh /tmp/sh-bind.sh; }
sh_restore() { dl sh /tmp/sh-restore.sh; }
# The same scripts under Debian's /bin/sh (dash), which a user's `sh script` runs on a
# Debian host: a dynamically linked shell, whose `readlink` and `usleep` are programs.
dash_bind() { dl dash /tmp/sh-bind.sh; }
dash_restore() { dl dash /tmp/sh-restore.sh; }
# The floor: the scripts' writes and read-back in C, linked like virtflow (bare-move.c).
floor_bind() { dl bare-move bind "$GRP" "$GPU" "$AUD"; }
floor_restore() { dl bare-move restore "$GRP" "$GPU=$VDRV" "$AUD=$ADRV"; }

vf_bind() { dl virtflow gpu bind "$GPU" > /dev/null 2>&1; }
vf_restore() { dl virtflow gpu restore "$GPU" > /dev/null 2>&1; }
vf_start() { dl virtflow --version > /dev/null 2>&1; }
gate_start() { dl virtflow-hook x started begin - < /dev/null > /dev/null 2>&1; }
bb_start() { dl busybox true; }

# bench_round NAME BIND RESTORE: one timed round; ns of the bind half, the restore half
# and the whole round appended to /tmp/bench-NAME-{bind,restore,round}. The round is
# checked afterwards (outside the timing) so a fast wrong round fails.
bench_round() {
    _t0=$(rig-helper now)
    if ! $2; then
        fail "bench: $1 round $_i: bind failed"
        return 1
    fi
    _t1=$(rig-helper now)
    if ! $3; then
        fail "bench: $1 round $_i: restore failed"
        return 1
    fi
    _t2=$(rig-helper now)
    if [ "$1" != start ] && ! restored_ok; then
        fail "bench: $1 round $_i left the dGPU off its host drivers"
        return 1
    fi
    echo $((_t1 - _t0)) >> "/tmp/bench-$1-bind"
    echo $((_t2 - _t1)) >> "/tmp/bench-$1-restore"
    echo $((_t2 - _t0)) >> "/tmp/bench-$1-round"
}

# The methods take turns round by round: the build machine is shared and TCG speed
# drifts with its load, and interleaving spreads that drift over all rows alike.
#
# Every method runs twice per round: with the guest's address-space randomisation as
# booted (randomize_va_space=2) and with it off (0). Under TCG a process whose code sits
# at new addresses has all of it translated again, so with ASLR each start of a program
# pays for translating every page of code it runs: ~30 KB for busybox, ~1 MB for a GLib
# program. That is the emulator's cost, not the program's (real hardware runs code where
# it lies); the ASLR-off rows show the cost structure a real machine has.
BENCH_METHODS="virtflow floor shell dash start gate bb"
bench_all() {
    for _a in aslr noaslr; do
        for _m in $BENCH_METHODS; do
            : > "/tmp/bench-$_m-$_a-bind"
            : > "/tmp/bench-$_m-$_a-restore"
            : > "/tmp/bench-$_m-$_a-round"
        done
    done
    _i=0
    while [ "$_i" -lt "$BENCH_ROUNDS" ]; do
        for _a in aslr noaslr; do
            if [ "$_a" = aslr ]; then echo 2; else echo 0; fi > /proc/sys/kernel/randomize_va_space
            bench_round "virtflow-$_a" vf_bind vf_restore || return 1
            bench_round "floor-$_a" floor_bind floor_restore || return 1
            bench_round "shell-$_a" sh_bind sh_restore || return 1
            bench_round "dash-$_a" dash_bind dash_restore || return 1
            bench_round "start-$_a" vf_start vf_start || return 1
            bench_round "gate-$_a" gate_start gate_start || return 1
            bench_round "bb-$_a" bb_start bb_start || return 1
        done
        _i=$((_i + 1))
    done
    pass "bench: $BENCH_ROUNDS rounds of each method completed and verified"
    # One more round each way with VirtFlow's debug timings, to tell where its time goes.
    for _a in 2 0; do
        echo $_a > /proc/sys/kernel/randomize_va_space
        for _op in bind restore; do
            _t0=$(rig-helper now)
            G_MESSAGES_DEBUG=virtflow virtflow gpu "$_op" "$GPU" 2>&1 >/dev/null |
                sed -n "s/^.*virtflow-DEBUG: [0-9:.]*: /# bench trace (aslr=$_a) $_op: /p" >&3
            note "bench trace (aslr=$_a) $_op: whole command" \
                "$(( ($(rig-helper now) - _t0) / 1000000 )) ms"
        done
    done
    echo 2 > /proc/sys/kernel/randomize_va_space
}

# median_ms FILE
median_ms() {
    sort -n "$1" | awk '{ v[NR] = $1 }
        END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
              printf "%.1f\n", m / 1e6 }'
}

all_ms() {
    awk '{ printf "%s%.1f", (NR > 1 ? " " : ""), $1 / 1e6 }' "$1"
}

# One untimed warm-up of each, so page-cache and first-probe effects hit neither side
# (and the fixed-address rows start with their code translated, as on hardware).
for _w in 2 0; do
    echo $_w > /proc/sys/kernel/randomize_va_space
    vf_bind && vf_restore
    sh_bind && sh_restore
    dash_bind && dash_restore
    floor_bind && floor_restore
    vf_start
done

if bench_all; then
    : > /tmp/bench.txt
    for _a in aslr noaslr; do
        for _m in $BENCH_METHODS; do
            for _p in bind restore round; do
                echo "${_m}_${_a}_${_p}_median_ms=$(median_ms "/tmp/bench-$_m-$_a-$_p")" >> /tmp/bench.txt
            done
            echo "${_m}_${_a}_rounds_ms=$(all_ms "/tmp/bench-$_m-$_a-round")" >> /tmp/bench.txt
        done
    done
    echo "rounds=$BENCH_ROUNDS" >> /tmp/bench.txt
    emit_file bench.txt < /tmp/bench.txt
    note "bench: two starts, ASLR off: virtflow --version $(median_ms /tmp/bench-start-noaslr-round) ms, virtflow-hook (libc only) $(median_ms /tmp/bench-gate-noaslr-round) ms, busybox true $(median_ms /tmp/bench-bb-noaslr-round) ms; ASLR on: $(median_ms /tmp/bench-start-aslr-round) / $(median_ms /tmp/bench-gate-aslr-round) / $(median_ms /tmp/bench-bb-aslr-round) ms"
    note "bench: median per round, ASLR on: virtflow $(median_ms /tmp/bench-virtflow-aslr-round) ms," \
        "shell $(median_ms /tmp/bench-shell-aslr-round) ms; ASLR off: virtflow" \
        "$(median_ms /tmp/bench-virtflow-noaslr-round) ms, shell $(median_ms /tmp/bench-shell-noaslr-round) ms"
fi
