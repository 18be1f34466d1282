#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-helper.sh VIRTFLOW HELPER: virtflow-helper, the one privileged path, on the demo's
# model tree: argument checks (nothing changes on bad input), the JSON-lines progress, the
# audit line, the refusals (not root, test options through pkexec), and the CLI handing
# its host changes to the helper (VIRTFLOW_HELPER, as it does through pkexec when not
# root). Nothing outside a temporary directory is touched. Output is TAP.
set -u

VIRTFLOW=${1:?usage: $0 VIRTFLOW HELPER}
HELPER=${2:?usage: $0 VIRTFLOW HELPER}

# A request refused before its options are read is audited in the real log
# (/var/log/virtflow): the whole test runs in a private mount namespace with a tmpfs on
# /var/log, so this machine's log is never written.
if [ -z "${VF_HELPER_TEST_PRIVATE:-}" ]; then
    if ! unshare --mount true 2> /dev/null; then
        echo "1..0 # SKIP needs root and 'unshare --mount' (util-linux) to keep /var/log private"
        exit 0
    fi
    export VF_HELPER_TEST_PRIVATE=1
    exec unshare --mount sh -c 'mount -t tmpfs tmpfs /var/log && exec bash "$@"' sh "$0" "$@"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/virtflow-helper-test-XXXXXX")
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
root=$tmp/host
state=$root/var/lib/virtflow
log=$tmp/helper.log
export VIRTFLOW_DEMO_ROOT=$root
# the test options are root's own: a run under sudo or pkexec would have them refused
unset VIRTFLOW_HELPER SUDO_UID PKEXEC_UID

# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"

snapshot() { tree_snapshot "$root" var/lib/virtflow var/log; }

helper() {
    "$HELPER" --host-root "$root" --state-dir "$state" --log "$log" "$@"
}

# Every stdout line is a JSON object with an "event"; the last one is "end".
json_lines_ok() {
    python3 - "$1" << 'PY'
import json, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l]
events = [json.loads(l) for l in lines]
assert events, "no output"
assert all("event" in e for e in events), "a line without event"
assert events[-1]["event"] == "end", "last event is not end"
assert sum(e["event"] == "end" for e in events) == 1, "more than one end"
PY
}

end_field() {
    python3 -c 'import json, sys
e = json.loads(open(sys.argv[1]).read().splitlines()[-1])
v = e
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else (str(v).lower() if isinstance(v, bool) else v))' "$1" "$2"
}

# refused NAME STATUS CODE NEEDLE ARGS...: exit status, error code in the end event, a
# message naming NEEDLE on stderr, and the tree unchanged
refused() {
    local name=$1 want=$2 code=$3 needle=$4
    shift 4
    local before after status
    before=$(snapshot)
    "$@" > "$tmp/out" 2> "$tmp/err"
    status=$?
    after=$(snapshot)
    if [ "$status" -ne "$want" ]; then
        not_ok "$name: exit $want" "got $status" "$(cat "$tmp/err")"
    elif ! json_lines_ok "$tmp/out" 2> "$tmp/json.err"; then
        not_ok "$name: JSON lines" "$(cat "$tmp/json.err" "$tmp/out")"
    elif [ "$(end_field "$tmp/out" error.code)" != "$code" ]; then
        not_ok "$name: error code $code" "$(cat "$tmp/out")"
    elif ! grep -qF -- "$needle" "$tmp/err"; then
        not_ok "$name: message names '$needle'" "$(cat "$tmp/err")"
    elif [ "$before" != "$after" ]; then
        not_ok "$name: tree unchanged" "$(diff <(echo "$before") <(echo "$after") | head)"
    else
        ok "$name (exit $want, $code, names '$needle', nothing changed)"
    fi
}

drivers() {
    for d in 0000:01:00.0 0000:01:00.1; do
        printf '%s=%s ' "$d" "$(basename "$(readlink "$root/sys/bus/pci/devices/$d/driver")")"
    done
}

"$VIRTFLOW" --demo gpu list > /dev/null 2>&1 || { echo "Bail out! cannot build the demo host"; exit 1; }

# ---- validation ----
if out=$("$HELPER" --help) && grep -q "bind GPU" <<< "$out"; then ok "--help lists the verbs"
else not_ok "--help lists the verbs"; fi
refused "no verb" 2 invalid-argument "No verb given" helper
refused "unknown verb" 2 invalid-argument "Unknown verb 'format-disk'" helper format-disk /dev/sda
refused "malformed address" 2 invalid-argument "'01:00' is not a PCI address" helper bind 01:00
refused "address with shell" 2 invalid-argument "is not a PCI address" helper bind '0000:01:00.0;reboot'
refused "missing device" 3 not-found "0000:09:00.0" helper bind 0000:09:00.0
refused "two addresses" 2 invalid-argument "takes one GPU address" helper bind 0000:01:00.0 0000:01:00.1
refused "the boot GPU" 4 boot-vga "0000:0e:00.0" helper bind 0000:0e:00.0
refused "recover takes nothing" 2 invalid-argument "takes no arguments" helper recover now
refused "unknown option" 2 invalid-argument "Unknown option '--config'" "$HELPER" --config /x bind 0000:01:00.0
refused "relative test path" 2 invalid-argument "needs an absolute path" "$HELPER" --host-root tmp bind 0000:01:00.0
refused "test options through pkexec" 5 permission "for tests run by root" \
    env PKEXEC_UID=1000 "$HELPER" --host-root "$root" bind 0000:01:00.0
if grep -q 'uid=1000 via=pkexec verb=- ' /var/log/virtflow/helper.log; then
    ok "a refused pkexec caller is audited under its own uid in the real log"
else
    not_ok "a refused pkexec caller is audited under its own uid" "$(cat /var/log/virtflow/helper.log)"
fi
refused "test options through sudo" 5 permission "for tests run by root" \
    env SUDO_UID=1000 "$HELPER" --host-root "$root" --log "$log" bind 0000:01:00.0
if grep -q 'uid=1000 via=sudo verb=- ' /var/log/virtflow/helper.log; then
    ok "a refused sudo caller is audited under its own uid in the real log"
else
    not_ok "a refused sudo caller is audited under its own uid" "$(cat /var/log/virtflow/helper.log)"
fi
refused "a caller that is not root" 5 permission "must run as root" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$HELPER" bind 0000:01:00.0
if grep -q 'verb=bind args="0000:0e:00.0" devices=- result=boot-vga' "$log"; then
    ok "a refused request leaves an audit line with its reason"
else
    not_ok "a refused request leaves an audit line with its reason" "$(cat "$log")"
fi

# ---- bind and restore ----
: > "$log"
if helper bind 0000:01:00.0 > "$tmp/out" 2> "$tmp/err" && json_lines_ok "$tmp/out" &&
    [ "$(end_field "$tmp/out" ok)" = true ]; then
    ok "bind: exit 0, JSON lines ending ok"
else
    not_ok "bind" "$(cat "$tmp/out" "$tmp/err")"
fi
if [ "$(drivers)" = "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci " ]; then
    ok "bind: both functions on vfio-pci (read from the tree)"
else
    not_ok "bind: both functions on vfio-pci" "$(drivers)"
fi
if python3 - "$tmp/out" << 'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
begin = ev[0]
assert begin["event"] == "begin" and begin["verb"] == "bind", begin
assert begin["devices"] == ["0000:01:00.0", "0000:01:00.1"], begin
writes = [e for e in ev if e["event"] == "write"]
done = [e for e in writes if e["state"] == "done"]
assert len(done) == begin["total"] and len(writes) == 2 * begin["total"], writes
assert [e["index"] for e in done] == list(range(begin["total"])), done
assert done[0]["path"].endswith("/driver_override") and done[0]["value"] == "vfio-pci", done[0]
assert all(e["path"].startswith("/sys/") for e in writes)
PY
then
    ok "bind: begin names the set; a running and a done line per write, in order"
else
    not_ok "bind: progress lines" "$(cat "$tmp/out")"
fi
if [ "$(wc -l < "$log")" -eq 2 ] &&
    grep -qE '^[0-9T:.-]+Z uid=0 verb=bind args="0000:01:00.0" devices=0000:01:00.0,0000:01:00.1 phase=begin pid=[0-9]+$' "$log" &&
    grep -qE '^[0-9T:.-]+Z uid=0 verb=bind args="0000:01:00.0" devices=0000:01:00.0,0000:01:00.1 result=ok duration=[0-9]+ms pid=[0-9]+$' "$log"; then
    ok "bind: a begin and an end audit line (caller, verb, devices, result)"
else
    not_ok "bind: audit line" "$(cat "$log")"
fi
if helper restore 0000:01:00.0 > "$tmp/out" 2> "$tmp/err" &&
    [ "$(drivers)" = "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel " ] &&
    grep -q 'verb=restore .* result=ok' "$log"; then
    ok "restore: back on nvidia and snd_hda_intel, audited"
else
    not_ok "restore" "$(drivers)" "$(cat "$tmp/out" "$tmp/err" "$log")"
fi
if helper recover > "$tmp/out" 2> "$tmp/err" && [ "$(end_field "$tmp/out" ok)" = true ] &&
    grep -q '"total":0' "$tmp/out"; then
    ok "recover with nothing interrupted: ok, no writes"
else
    not_ok "recover with nothing interrupted" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---- the CLI hands its changes to the helper ----
: > "$log"
rm -f "$root/var/log/virtflow/helper.log"
if VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo gpu bind 0000:01:00.0 > "$tmp/out" 2> "$tmp/err" &&
    grep -q 'verb=bind .* result=ok' "$root/var/log/virtflow/helper.log" &&
    [ "$(drivers)" = "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci " ]; then
    ok "virtflow gpu bind through the helper: bound, and the helper's audit line shows it did it"
else
    not_ok "virtflow gpu bind through the helper" "$(cat "$tmp/out" "$tmp/err")"
fi
before=$(snapshot)
VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo gpu bind 0000:0e:00.0 > "$tmp/out" 2> "$tmp/err"
status=$?
if [ "$status" -eq 4 ] && grep -q "boot" "$tmp/err" && [ "$before" = "$(snapshot)" ]; then
    ok "a refusal in the helper reaches the CLI: exit 4 with its reason, nothing changed"
else
    not_ok "a refusal in the helper reaches the CLI" "exit $status" "$(cat "$tmp/err")"
fi
if VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo gpu restore 0000:01:00.0 > /dev/null 2>&1 &&
    [ "$(drivers)" = "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel " ]; then
    ok "virtflow gpu restore through the helper"
else
    not_ok "virtflow gpu restore through the helper" "$(drivers)"
fi
VIRTFLOW_HELPER=/nonexistent/virtflow-helper "$VIRTFLOW" --demo gpu bind 0000:01:00.0 > "$tmp/out" 2> "$tmp/err"
status=$?
if [ "$status" -eq 3 ] && grep -q "Cannot run VirtFlow's privileged helper '/nonexistent/virtflow-helper'" "$tmp/err"; then
    ok "a missing helper is named, exit 3"
else
    not_ok "a missing helper is named" "exit $status" "$(cat "$tmp/err")"
fi
# the helper's end line lost (its caller stopped reading for longer than the helper waits):
# its exit status still says how it went
printf '#!/bin/sh\nexit %s\n' 0 > "$tmp/helper-silent-ok"
printf '#!/bin/sh\nexit %s\n' 4 > "$tmp/helper-silent-refused"
chmod +x "$tmp/helper-silent-ok" "$tmp/helper-silent-refused"
before=$(snapshot)
VIRTFLOW_HELPER=$tmp/helper-silent-ok "$VIRTFLOW" --demo gpu restore 0000:01:00.0 > "$tmp/out" 2> "$tmp/err"
status=$?
VIRTFLOW_HELPER=$tmp/helper-silent-refused "$VIRTFLOW" --demo gpu restore 0000:01:00.0 > "$tmp/out2" 2> "$tmp/err2"
status2=$?
if [ "$status" -eq 0 ] && [ "$status2" -eq 1 ] &&
    grep -q "ended (exit status 4) without an answer; its line in /var/log/virtflow/helper.log" "$tmp/err2" &&
    [ "$before" = "$(snapshot)" ]; then
    ok "a helper whose end line was lost: exit status 0 is success, another one an error naming the audit log"
else
    not_ok "a helper whose end line was lost" "exit $status, $status2" "$(cat "$tmp/err" "$tmp/err2")"
fi

# ---- a helper killed half-way: the journal lets recover finish the job ----
# The model's kernel hangs in the audio function's unbind (a driver stuck in remove());
# the helper is killed there, with the video function already unbound.
printf '\n[faults]\nhang=unbind 0000:01:00.1\nhang-ms=30000\n' >> "$root/.vf-kmodel"
"$HELPER" --host-root "$root" --state-dir "$state" --log "$log" bind 0000:01:00.0 \
    > "$tmp/kill.out" 2> "$tmp/kill.err" &
pid=$!
for _ in $(seq 200); do
    grep -q '"device":"0000:01:00.1","path":"[^"]*/unbind","value":"0000:01:00.1","state":"running"' \
        "$tmp/kill.out" && break
    sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2> /dev/null
sed -i '/^\[faults\]/,/^hang-ms/d' "$root/.vf-kmodel"
if [ ! -e "$root/sys/bus/pci/devices/0000:01:00.0/driver" ] &&
    [ "$(basename "$(readlink "$root/sys/bus/pci/devices/0000:01:00.1/driver")")" = snd_hda_intel ] &&
    ls "$state/journal/"* > /dev/null 2>&1; then
    ok "killed mid-bind: video unbound, audio still on snd_hda_intel, the journal kept"
else
    not_ok "killed mid-bind leaves a half-moved group and its journal" "$(drivers)" \
        "$(ls -la "$state/journal" 2>&1)" "$(cat "$tmp/kill.out")"
fi
refused "a bind while a journal is pending" 7 busy "virtflow recover" helper bind 0000:01:00.0
if VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo recover > "$tmp/out" 2> "$tmp/err" &&
    [ "$(drivers)" = "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel " ] &&
    [ "$(cat "$root/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "(null)" ] &&
    ! ls "$state/journal/"* > /dev/null 2>&1; then
    ok "virtflow recover (through the helper) brings both functions home, overrides cleared"
else
    not_ok "virtflow recover after the kill" "$(drivers)" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---- setup through the helper ----
# a desktop user for Looking Glass's rule (the demo tree has none)
mkdir -p "$root/etc"
printf 'root:x:0:0::/root:/bin/sh\nalice:x:61000:61000::/home/alice:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nkvm:x:993:\n' > "$root/etc/group"
etc_before=$(cd "$root" && find etc -printf '%p %l\n' 2> /dev/null | LC_ALL=C sort)
if helper setup --dry-run > "$tmp/out" 2> "$tmp/err" && grep -q '"event":"change","id":"hook"' "$tmp/out" &&
    [ ! -e "$root/etc/libvirt/hooks/qemu.d/virtflow" ]; then
    ok "setup --dry-run: a change line per step, nothing written"
else
    not_ok "setup --dry-run" "$(cat "$tmp/out" "$tmp/err")"
fi
if helper setup --dry-run --user root > "$tmp/out" 2> "$tmp/err" ||
    ! grep -q '"code":"invalid-argument".*is root' "$tmp/out"; then
    not_ok "helper setup --user root is refused" "$(cat "$tmp/out" "$tmp/err")"
else
    ok "helper setup --user root is refused"
fi
if VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo setup --user alice > "$tmp/out" 2> "$tmp/err" &&
    [ -L "$root/etc/libvirt/hooks/qemu.d/virtflow" ] && [ -f "$root/etc/modules-load.d/vfio.conf" ] &&
    grep -q 'verb=setup .* result=ok' "$root/var/log/virtflow/helper.log" &&
    grep -q '^f /dev/shm/looking-glass 0660 alice kvm -$' \
        "$root/etc/tmpfiles.d/virtflow-looking-glass.conf" &&
    grep -q 'Install the libvirt hook' "$tmp/out"; then
    ok "virtflow setup --user through the helper: hook linked, modules-load.d and alice's Looking Glass rule written, steps printed"
else
    not_ok "virtflow setup through the helper" "$(cat "$tmp/out" "$tmp/err")"
fi
# a user who is not root plans the undo from setup's manifest (and would have the helper
# make it); the program and the build tree's libraries it loads (virtflow links
# libvirtflow and libvirtflow-gobject) are copied where that user can reach them (a build
# tree may sit in a directory only root can enter)
mkdir -p "$tmp/bin" "$tmp/lib"
cp "$VIRTFLOW" "$tmp/bin/"
ldd "$tmp/bin/virtflow" | awk '$1 ~ /^libvirtflow/ && $3 ~ /^\// {print $3}' |
    while read -r lib; do cp "$lib" "$tmp/lib/"; done
if setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp XDG_STATE_HOME="$tmp" \
    LD_LIBRARY_PATH="$tmp/lib" \
    VIRTFLOW_DEMO_ROOT="$root" "$tmp/bin/virtflow" --demo setup --undo --dry-run \
    > "$tmp/out" 2> "$tmp/err" &&
    grep -q "Put back /etc/libvirt/hooks/qemu.d/virtflow" "$tmp/out"; then
    ok "setup --undo --dry-run by a user who is not root: planned from the manifest"
else
    not_ok "setup --undo --dry-run by a user who is not root" "$(cat "$tmp/out" "$tmp/err")"
fi
if VIRTFLOW_HELPER=$HELPER "$VIRTFLOW" --demo setup --undo > "$tmp/out" 2> "$tmp/err" &&
    [ "$etc_before" = "$(cd "$root" && find etc -printf '%p %l\n' 2> /dev/null | LC_ALL=C sort)" ]; then
    ok "virtflow setup --undo through the helper: /etc as before"
else
    not_ok "virtflow setup --undo through the helper" "$(cat "$tmp/out" "$tmp/err")"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
