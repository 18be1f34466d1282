# shellcheck shell=sh
# Helpers shared by the guest scenarios (sourced by /init, busybox ash).
#
# Every check reads the kernel's own view (sysfs, /dev) directly: the rig must not trust
# virtflow to report on itself, except where virtflow's output is the thing under test.
# Report lines go to fd 3 (the results port) and are mirrored on the console so the
# console log reads as a story when something goes wrong.

PCI=/sys/bus/pci/devices
# Bound on every virtflow call: an unbind that hangs in the kernel must fail the
# check, not eat the host's whole QEMU timeout.
VF_TIMEOUT=60

_say() {
    echo "$*" >&3
    echo "$*"
}

note() { _say "# $*"; }
pass() { _say "ok - $SCENARIO: $1"; }
fail() { _say "not ok - $SCENARIO: $1"; }

# check DESCRIPTION COMMAND...: one report line from a command's exit status.
check() {
    _desc=$1
    shift
    if "$@"; then pass "$_desc"; else fail "$_desc"; fi
}

# Output of the last failing command, as comments under the failed check.
show_output() {
    printf '%s\n' "$OUT" | sed 's/^/#   /' >&3
}

# emit_file NAME < data: hand a file to the host-side checks (check-json.py).
emit_file() {
    echo "@@file $1" >&3
    cat >&3
    echo >&3
    echo "@@end" >&3
}

# fact KEY VALUE: a value the host-side checks compare virtflow's JSON against.
FACTS=/tmp/facts
fact() { echo "$1=$2" >> "$FACTS"; }

# vf ARGS...: run virtflow; output (stdout+stderr) in $OUT, exit status in $RC.
vf() {
    OUT=$(timeout "$VF_TIMEOUT" virtflow "$@" 2>&1)
    RC=$?
}

# vf_json NAME ARGS...: like vf, but stdout alone is kept (it must be pure JSON) and
# handed to the host under NAME; stderr goes to the console for the log.
vf_json() {
    _name=$1
    shift
    timeout "$VF_TIMEOUT" virtflow "$@" > "/tmp/$_name" 2>/tmp/stderr
    RC=$?
    OUT=$(cat /tmp/stderr)
    [ -s /tmp/stderr ] && sed "s/^/[virtflow stderr] /" /tmp/stderr
    emit_file "$_name" < "/tmp/$_name"
}

# driver BDF: the bound driver's name, or "none".
driver() {
    _l=$(readlink "$PCI/$1/driver" 2>/dev/null) && echo "${_l##*/}" || echo none
}

override() {
    cat "$PCI/$1/driver_override" 2>/dev/null || echo "?"
}

iommu_group() {
    _l=$(readlink "$PCI/$1/iommu_group" 2>/dev/null) && echo "${_l##*/}"
}

# drivers_are EXPECTED BDF...: every function on EXPECTED; otherwise note what it is on.
drivers_are() {
    _want=$1
    shift
    _good=0
    for _d in "$@"; do
        _got=$(driver "$_d")
        if [ "$_got" != "$_want" ]; then
            note "$_d is on '$_got', expected '$_want'"
            _good=1
        fi
    done
    return $_good
}

# state BDF...: one line of driver + driver_override per function, for before/after
# comparisons ("changes nothing").
state() {
    for _d in "$@"; do
        printf '%s=%s/%s ' "$_d" "$(driver "$_d")" "$(override "$_d")"
    done
}

overrides_cleared() {
    _good=0
    for _d in "$@"; do
        _o=$(override "$_d")
        if [ "$_o" != "(null)" ]; then
            note "$_d driver_override reads '$_o'"
            _good=1
        fi
    done
    return $_good
}

# modprobe each module or report it; a missing driver makes the scenario meaningless.
load_modules() {
    for _m in "$@"; do
        modprobe "$_m" || fail "modprobe $_m"
    done
}

iommu_groups_present() {
    [ -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)" ]
}

# wait_for SECONDS COMMAND...: poll (10 ms) until COMMAND succeeds.
wait_for() {
    _deadline=$(( $(cut -d. -f1 /proc/uptime) + $1 ))
    shift
    until "$@"; do
        [ "$(cut -d. -f1 /proc/uptime)" -ge "$_deadline" ] && return 1
        usleep 10000
    done
}

# The connectors' state decides whether virtflow sees a display on the dGPU
# (display-active); log it in every scenario so the report can say what the kernel showed.
log_connectors() {
    for _c in /sys/class/drm/card*-*; do
        [ -e "$_c/status" ] || continue
        _card=${_c##*/}
        _card=${_card%%-*}
        _dev=$(readlink -f "/sys/class/drm/$_card/device")
        note "connector ${_c##*/} (${_dev##*/}): status=$(cat "$_c/status") enabled=$(cat "$_c/enabled")"
    done
}

# drm_node BDF: the DRM node a display server would hold (render node first).
drm_node() {
    for _p in "$PCI/$1"/drm/renderD* "$PCI/$1"/drm/card*; do
        if [ -e "$_p" ]; then
            echo "${_p##*/}"
            return
        fi
    done
}

# The common bind/restore round trip on the dGPU, used by scenarios A and B.
# $1 = host video driver, $2 = host audio driver, then the function list.
bind_restore_roundtrip() {
    _vdrv=$1
    _adrv=$2
    shift 2
    _gpu=$1
    _grp=$(iommu_group "$_gpu")

    vf gpu bind "$_gpu"
    if [ "$RC" -eq 0 ]; then pass "virtflow gpu bind $_gpu exits 0"; else
        fail "virtflow gpu bind $_gpu exits 0 (got $RC)"
        show_output
    fi
    check "bind: every function of the group is on vfio-pci" drivers_are vfio-pci "$@"
    check "bind: /dev/vfio/$_grp exists" test -c "/dev/vfio/$_grp"
    # VFIO's own verdict, as QEMU would ask it.
    check "bind: VFIO reports group $_grp viable and a container accepts it" \
        rig-helper vfio-viable "$_grp"
    vf_json gpu-list-bound.json gpu list --json

    vf gpu restore "$_gpu"
    if [ "$RC" -eq 0 ]; then pass "virtflow gpu restore $_gpu exits 0"; else
        fail "virtflow gpu restore $_gpu exits 0 (got $RC)"
        show_output
    fi
    check "restore: $_gpu back on $_vdrv" drivers_are "$_vdrv" "$_gpu"
    shift
    check "restore: audio function back on $_adrv" drivers_are "$_adrv" "$@"
    check "restore: driver_override reads (null) again" overrides_cleared "$_gpu" "$@"
    check "restore: /dev/vfio/$_grp is gone" test ! -e "/dev/vfio/$_grp"
}
