#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-helper-attacks.py VIRTFLOW HELPER MKHOST: virtflow-helper attacked the ways its
# caller can, on kernel-model trees (the demo's, and MKHOST's with a NIC in the dGPU's
# group bound to vfio-pci by hand). Output is TAP.
#
#   - a caller that stops reading at each progress line (the pipe is left full: a one-page
#     pipe, pre-filled so that line k is the first that does not fit)
#   - a caller that closes the pipe at each progress line
#   - the terminal's signals (^C, ^Z, ^\, hangup) sent while an unbind hangs in the kernel
#   - forged arguments and verbs (newline, quotes, control characters, bytes that are not
#     UTF-8) that would write audit lines of the caller's choosing
#   - devices that are not GPUs (host bridge, PCIe port, SATA, NVMe, NIC, USB)
#   - intruders in the group: a NIC on vfio-pci by hand stays there after restore
#   - audit files that are not VirtFlow's log (--log to a symlink, a hard link, a FIFO,
#     someone's file)
#
# After each: the host is unchanged (or the operation finished), the lock is free, no
# journal is left, and the audit log has exactly one begin and one end line for the
# request. Nothing outside a temporary directory is touched.
import fcntl
import hashlib
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

F_SETPIPE_SZ = 1031
F_GETPIPE_SZ = 1032
FIONREAD = 0x541B
WAIT_S = float(os.environ.get("VF_TEST_WAIT_S", "15"))  # only a stuck helper reaches it

n = 0
failed = 0


def ok(name):
    global n
    n += 1
    print(f"ok {n} - {name}", flush=True)


def not_ok(name, *details):
    global n, failed
    n += 1
    failed += 1
    print(f"not ok {n} - {name}", flush=True)
    for d in details:
        for line in str(d).splitlines():
            print(f"# {line}")


def check(name, problems):
    if problems:
        not_ok(name, *problems)
    else:
        ok(name)


if len(sys.argv) != 4:
    print("usage: test-helper-attacks.py VIRTFLOW HELPER MKHOST", file=sys.stderr)
    sys.exit(2)
VIRTFLOW, HELPER, MKHOST = sys.argv[1:4]
if os.geteuid() != 0:
    print("1..0 # SKIP needs root: virtflow-helper refuses any other caller")
    sys.exit(0)

tmp = tempfile.mkdtemp(prefix="virtflow-helper-attacks-")
os.chmod(tmp, 0o755)
# root's own environment: the test options are refused under sudo or pkexec
ENV = {k: v for k, v in os.environ.items() if k not in ("SUDO_UID", "PKEXEC_UID")}
ENV.pop("VIRTFLOW_HELPER", None)
serial = 0


class Host:
    """A fresh model tree, its state directory and an audit log of its own."""

    def __init__(self, kind="demo"):
        global serial
        serial += 1
        self.root = os.path.join(tmp, f"host{serial}")
        self.state = os.path.join(self.root, "var/lib/virtflow")
        self.log = os.path.join(tmp, f"audit{serial}.log")
        if kind == "demo":
            subprocess.run([VIRTFLOW, "--demo", "gpu", "list"], env=dict(ENV, VIRTFLOW_DEMO_ROOT=self.root),
                           stdout=subprocess.DEVNULL, check=True)
        else:
            os.mkdir(self.root)
            subprocess.run([MKHOST, self.root], check=True)

    def cmd(self, *args, log=None):
        return [HELPER, "--host-root", self.root, "--state-dir", self.state, "--log",
                log or self.log, *args]

    def run(self, *args, log=None):
        return subprocess.run(self.cmd(*args, log=log), env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=WAIT_S)

    def snapshot(self):
        """Every path, link target and file content, without VirtFlow's state and logs."""
        out = []
        skip = ("./var/lib/virtflow", "./var/log")
        for top, dirs, files in os.walk(self.root):
            rel = "./" + os.path.relpath(top, self.root)
            for name in sorted(dirs + files):
                p = os.path.join(top, name)
                if f"{rel}/{name}".startswith(skip):
                    continue
                if os.path.islink(p):
                    out.append(f"{rel}/{name} -> {os.readlink(p)}")
                elif os.path.isfile(p):
                    with open(p, "rb") as f:
                        out.append(f"{rel}/{name} {hashlib.md5(f.read()).hexdigest()}")
                else:
                    out.append(f"{rel}/{name}/")
        return "\n".join(sorted(out))

    def drivers(self, *addresses):
        res = []
        for a in addresses:
            p = os.path.join(self.root, "sys/bus/pci/devices", a, "driver")
            res.append(f"{a}={os.path.basename(os.readlink(p)) if os.path.islink(p) else '-'}")
        return " ".join(res)

    def lock_free(self):
        path = os.path.join(self.state, "lock")
        if not os.path.exists(path):
            return True
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def journals(self):
        d = os.path.join(self.state, "journal")
        return os.listdir(d) if os.path.isdir(d) else []

    def audit(self, path=None):
        try:
            with open(path or self.log, "rb") as f:
                return f.read().decode("utf-8").splitlines()
        except FileNotFoundError:
            return []

    def problems(self, pid, want_result=None, drivers=None, snapshot=None, log=None):
        """What is wrong after request @pid: lock, journal, host, audit lines."""
        p = []
        if not self.lock_free():
            p.append("the lock is still held")
        if self.journals():
            p.append(f"a journal is left: {self.journals()}")
        if drivers is not None and self.drivers(*drivers[0]) != drivers[1]:
            p.append(f"drivers: {self.drivers(*drivers[0])}, expected {drivers[1]}")
        if snapshot is not None and self.snapshot() != snapshot:
            p.append("the host changed")
        lines = [l for l in self.audit(log) if l.endswith(f" pid={pid}") or f" pid={pid} " in l]
        begins = [l for l in lines if " phase=begin " in l]
        ends = [l for l in lines if " result=" in l]
        if len(begins) != 1 or len(ends) != 1 or len(lines) != 2:
            p.append(f"expected one begin and one end audit line for pid {pid}, got:")
            p.extend(self.audit(log) or ["(none)"])
        elif want_result == "!ok" and " result=ok " in ends[0]:
            p.append(f"audit result is ok: {ends[0]}")
        elif want_result not in (None, "!ok") and f" result={want_result} " not in ends[0]:
            p.append(f"audit result is not {want_result}: {ends[0]}")
        return p


GPU = ("0000:01:00.0", "0000:01:00.1")
BOUND = "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci"
HOME = "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel"


def wait_audit_end(host, pid, deadline):
    while time.monotonic() < deadline:
        if any(" result=" in l and f" pid={pid}" in l for l in host.audit()):
            return True
        time.sleep(0.01)
    return False


def small_pipe(fill):
    """A pipe of one page, @fill bytes already in it: (read end, write end, capacity)."""
    r, w = os.pipe()
    fcntl.fcntl(w, F_SETPIPE_SZ, 4096)
    cap = fcntl.fcntl(w, F_GETPIPE_SZ)
    return r, w, cap


def reference_lines(verb):
    """The progress lines of an undisturbed run (they do not depend on time)."""
    host = Host()
    if verb == "restore":
        host.run("bind", GPU[0])
    out = host.run(verb, GPU[0]).stdout
    return out.splitlines(keepends=True)


def start(host, verb, stdout):
    if verb == "restore":
        res = host.run("bind", GPU[0])
        assert res.returncode == 0, res.stderr
        open(host.log, "w").close()  # the audit of the request under test only
    return subprocess.Popen(host.cmd(verb, GPU[0]), env=ENV, stdout=stdout,
                            stderr=subprocess.DEVNULL)


def finish(p):
    try:
        p.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return "the helper did not end"
    return None


# ---- a caller that stops reading at line k, then resumes later ----
for verb, final in (("bind", BOUND), ("restore", HOME)):
    lines = reference_lines(verb)
    for k in range(len(lines)):
        host = Host()
        r, w, cap = small_pipe(0)
        filler = cap - sum(len(l) for l in lines[:k])
        if filler <= 0:
            continue
        os.write(w, b"#" * filler)
        p = start(host, verb, w)
        os.close(w)
        probs = []
        # the operation must finish and be audited while nobody reads
        if not wait_audit_end(host, p.pid, time.monotonic() + WAIT_S):
            probs.append(f"no end audit line while the caller does not read (stuck at line {k})")
        probs += host.problems(p.pid, "ok", (GPU, final))
        # the caller reads again: it gets every line, in order, then EOF
        data = b""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ready, _, _ = select.select([r], [], [], 0.5)
            if ready:
                chunk = os.read(r, 65536)
                if not chunk:
                    break
                data += chunk
        os.close(r)
        err = finish(p)
        if err:
            probs.append(err)
        elif p.returncode != 0:
            probs.append(f"exit status {p.returncode}")
        if data != b"#" * filler + b"".join(lines):
            probs.append("the caller did not get every line in order:")
            probs.append(data[filler:].decode(errors="replace"))
        check(f"{verb}: a caller that stops reading at line {k + 1} of {len(lines)} holds up "
              "nothing; it gets every line when it reads again", probs)

# ---- a caller that closes the pipe at line k ----
for verb, final in (("bind", BOUND), ("restore", HOME)):
    lines = reference_lines(verb)
    for k in range(len(lines)):
        host = Host()
        r, w, cap = small_pipe(0)
        filler = cap - sum(len(l) for l in lines[:k])
        if filler <= 0:
            continue
        os.write(w, b"#" * filler)
        p = start(host, verb, w)
        os.close(w)
        # the pipe full means the helper has delivered k lines: close it there
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and p.poll() is None:
            buf = bytearray(4)
            fcntl.ioctl(r, FIONREAD, buf)
            if int.from_bytes(buf, sys.byteorder) >= cap:
                break
            time.sleep(0.001)
        os.close(r)
        probs = []
        err = finish(p)
        if err:
            probs.append(err)
        elif p.returncode != 0:
            probs.append(f"exit status {p.returncode} (killed by SIGPIPE is -13)")
        probs += host.problems(p.pid, "ok", (GPU, final))
        check(f"{verb}: a caller that closes the pipe at line {k + 1} of {len(lines)}: the "
              "operation finishes and is audited", probs)

# ---- the caller's pipes are given back as they came (blocking) ----
# stdout and stderr may be the caller's own open files (a stderr inherited from the CLI):
# O_NONBLOCK is the helper's only while it runs
host = Host()
r, w = os.pipe()
er, ew = os.pipe()
p = subprocess.Popen(host.cmd("recover"), env=ENV, stdout=w, stderr=ew)
p.wait(timeout=WAIT_S)
probs = host.problems(p.pid, "ok")
for name, fd in (("stdout", w), ("stderr", ew)):
    if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK:
        probs.append(f"{name} left non-blocking")
for fd in (r, w, er, ew):
    os.close(fd)
check("stdout and stderr are blocking again when the helper ends", probs)

# ---- the terminal's signals while an unbind hangs in the kernel ----
host = Host()
with open(os.path.join(host.root, ".vf-kmodel"), "a") as f:
    f.write("\n[faults]\nhang=unbind 0000:01:00.1\nhang-ms=1500\n")
before = host.snapshot()
p = start(host, "bind", subprocess.DEVNULL)
deadline = time.monotonic() + WAIT_S
while time.monotonic() < deadline and not any(" phase=begin " in l for l in host.audit()):
    time.sleep(0.01)
time.sleep(0.3)
for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGTTOU,
            signal.SIGTTIN, signal.SIGPIPE):
    try:
        os.kill(p.pid, sig)
    except ProcessLookupError:
        pass
probs = []
err = finish(p)
if err:
    probs.append(err)
elif p.returncode < 0:
    probs.append(f"killed by signal {-p.returncode}")
# the hung unbind fails after 1.5 s: the bind is undone, the host is as before
probs += host.problems(p.pid, "!ok", snapshot=before)
check("^C, ^Z, ^\\, hangup and SIGPIPE during a hung unbind: the bind is undone and audited",
      probs)

# ---- forged arguments: one escaped line each, never a line of the caller's choosing ----
FORGED = "2026-12-06T00:00:00.000000Z uid=0 verb=bind"
forgeries = [
    ([b"bind", ('0000:01:00.0" devices=- result=ok duration=1ms\n' + FORGED +
                ' args="0000:01:00.0').encode()], [r'\"', r"\n" + FORGED.replace(" ", r"\x20")]),
    ([("bind\n" + FORGED).encode(), b"0000:01:00.0"], [r'verb="bind\n' + FORGED]),
    ([b"restore", b"a b\tc\x1b[2J\xc2\x85\xe2\x80\xa8"], [r"a\x20b\tc\x1b[2J\u0085\u2028"]),
    ([b"bind", b"\xff\xfe0000:01:00.0\\"], [r"\xff\xfe0000:01:00.0\\"]),
]
for args, needles in forgeries:
    host = Host()
    before = host.snapshot()
    res = subprocess.run(host.cmd(*args), env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=WAIT_S)
    lines = host.audit()
    probs = []
    if res.returncode != 2:
        probs.append(f"exit status {res.returncode}, expected 2")
    probs += host.problems(re.search(r" pid=(\d+)", lines[0]).group(1) if lines else 0,
                           snapshot=before)
    if len(lines) != 2 or not all(re.match(r"^\d{4}-\d\d-\d\dT[\d:.]+Z uid=0 verb=", l)
                                  for l in lines):
        probs.append("audit lines not all of VirtFlow's form:")
        probs.extend(lines)
    for needle in needles:
        if not all(needle in l for l in lines):
            probs.append(f"not escaped as {needle}:")
            probs.extend(lines)
    check(f"forged {args!r}: refused, two audit lines with the fields escaped", probs)

# ---- devices that are not GPUs ----
for address, what in (("0000:00:00.0", "host bridge"), ("0000:00:01.1", "PCIe port"),
                      ("0000:0c:00.0", "SATA controller"), ("0000:02:00.0", "NVMe disk"),
                      ("0000:08:00.0", "NIC"), ("0000:0b:00.0", "USB controller")):
    for verb in ("bind", "restore"):
        host = Host()
        before = host.snapshot()
        p = subprocess.Popen(host.cmd(verb, address), env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        _, err = p.communicate(timeout=WAIT_S)
        probs = host.problems(p.pid, snapshot=before)
        if p.returncode not in (2, 3):
            probs.append(f"exit status {p.returncode}")
        if address.encode() not in err:
            probs.append(f"the message does not name {address}: {err!r}")
        check(f"{verb} {address} ({what}): refused, named, nothing changed", probs)

# ---- bind|restore --usb-controller BDF (--input usb-controller): checked again here ----
USB = "0000:0b:00.0"
USB_BYID = "dev/input/by-id"


def usb_refused(host, verb, address, status, needle, what):
    before = host.snapshot()
    p = subprocess.Popen(host.cmd(verb, "--usb-controller", address), env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate(timeout=WAIT_S)
    probs = host.problems(p.pid, "!ok", snapshot=before)
    if p.returncode != status:
        probs.append(f"exit status {p.returncode}, expected {status}")
    if needle.encode() not in err:
        probs.append(f"the message does not name {needle}: {err!r}")
    check(f"{verb} --usb-controller {address} ({what}): refused, named, nothing changed", probs)


# not USB controllers: a NIC, a disk, the GPU
for address, what in (("0000:08:00.0", "NIC"), ("0000:02:00.0", "NVMe disk"),
                      ("0000:01:00.0", "GPU")):
    host = Host()
    shutil.rmtree(os.path.join(host.root, USB_BYID))
    usb_refused(host, "bind", address, 2, "not a USB controller", what)
# the demo's keyboard and mouse are behind it: the helper cannot know which one its caller
# uses, so none may be
usb_refused(Host(), "bind", USB, 4, "Logitech", "a keyboard behind it")
# a controller whose IOMMU group also holds the NIC: not viable on its own
host = Host()
shutil.rmtree(os.path.join(host.root, USB_BYID))
nic = os.path.join(host.root, "sys/bus/pci/devices/0000:08:00.0/iommu_group")
usb_group = os.path.join(host.root, "sys/kernel/iommu_groups/19")
nic_group = os.path.join(host.root, "sys/kernel/iommu_groups/18")
os.unlink(nic)
os.symlink(os.path.relpath(usb_group, os.path.realpath(os.path.dirname(nic))), nic)
os.rename(os.path.join(nic_group, "devices/0000:08:00.0"),
          os.path.join(usb_group, "devices/0000:08:00.0"))
usb_refused(host, "bind", USB, 4, "0000:08:00.0", "its group holds a NIC")
# nothing behind it: bound, then restored, each audited
host = Host()
shutil.rmtree(os.path.join(host.root, USB_BYID))
before = host.snapshot()
res = host.run("bind", "--usb-controller", "0b:00.0")
probs = []
if res.returncode != 0 or host.drivers(USB, *GPU) != f"{USB}=vfio-pci {HOME}":
    probs.append(f"bind: exit {res.returncode}, {host.drivers(USB, *GPU)}: {res.stderr!r}")
res = host.run("restore", "--usb-controller", USB)
if res.returncode != 0 or host.snapshot() != before:
    probs.append(f"restore: exit {res.returncode}, {host.drivers(USB)}: {res.stderr!r}")
if not any(f'verb=bind args="--usb-controller 0b:00.0" devices={USB} result=ok' in l
           for l in host.audit()):
    probs.append("no audit line of the bind:")
    probs.extend(host.audit())
check("bind then restore --usb-controller with nothing behind it: only the controller moves, "
      "and comes back", probs)

# ---- intruders: a NIC in the GPU's group on vfio-pci by hand ----
SET = ("0000:01:00.0", "0000:01:00.1", "0000:01:00.2")
for restore_args in (["restore", "0000:01:00.1"], ["restore", "--all"]):
    host = Host("nic-in-group")
    before = host.snapshot()
    res = host.run("bind", GPU[0])
    probs = []
    if res.returncode != 0 or host.drivers(*SET) != BOUND + " 0000:01:00.2=vfio-pci":
        probs.append(f"bind: exit {res.returncode}, {host.drivers(*SET)}")
    open(host.log, "w").close()
    p = subprocess.Popen(host.cmd(*restore_args), env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out, _ = p.communicate(timeout=WAIT_S)
    probs += host.problems(p.pid, "ok", (SET, HOME + " 0000:01:00.2=vfio-pci"), before)
    if b'"left":["left 0000:01:00.2 on vfio-pci: VirtFlow did not move it"]' not in out:
        probs.append("the begin event does not name the NIC it leaves:")
        probs.append(out.decode())
    check(f"{' '.join(restore_args)} with a NIC bound by hand in the group: the GPU comes "
          "home, the NIC stays on vfio-pci and is named", probs)

# ---- audit files that are not VirtFlow's ----
host = Host()
foreign = os.path.join(tmp, "passwd")
with open(foreign, "w") as f:
    f.write("root:x:0:0:root:/root:/bin/bash\n")
shadow = os.path.join(tmp, "shadow")
with open(shadow, "w") as f:
    f.write("root:*:19000:0:99999:7:::\n")
os.chmod(shadow, 0o600)
os.symlink(foreign, os.path.join(tmp, "log-symlink"))
os.link(shadow, os.path.join(tmp, "log-hardlink"))
os.mkfifo(os.path.join(tmp, "log-fifo"))
with open(os.path.join(tmp, "log-shared"), "w") as f:
    f.write("2026-12-06T00:00:00.000000Z uid=0 verb=bind\n")
os.chmod(os.path.join(tmp, "log-shared"), 0o666)
default_log = os.path.join(host.root, "var/log/virtflow/helper.log")
for name, why in (("passwd", "does not begin with a line of VirtFlow"),
                  ("log-symlink", "symbolic link"), ("log-hardlink", "more than one name"),
                  ("log-fifo", "not a regular file"), ("log-shared", "others may write")):
    path = os.path.join(tmp, name)
    with open(foreign, "rb") as f:
        foreign_before = f.read()
    with open(shadow, "rb") as f:
        foreign_before += f.read()
    p = subprocess.Popen(host.cmd("recover", log=path), env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        err = b"(hung)"
    probs = host.problems(p.pid, "permission", log=default_log)
    if p.returncode != 5:
        probs.append(f"exit status {p.returncode}, expected 5")
    if why.encode() not in err:
        probs.append(f"the message does not say '{why}': {err!r}")
    with open(foreign, "rb") as f, open(shadow, "rb") as g:
        if f.read() + g.read() != foreign_before:
            probs.append("a foreign file was written")
    check(f"--log {name}: refused ({why}), audited in the tree's own log", probs)
# VirtFlow's own log, and an empty file, are appended to
for name in ("audit-existing.log", "audit-empty.log"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        if name == "audit-existing.log":
            f.write("2026-12-06T00:00:00.000000Z uid=0 verb=recover args=\"\" devices=- "
                    "phase=begin pid=1\n")
    os.chmod(path, 0o640)
    p = subprocess.Popen(host.cmd("recover", log=path), env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    p.wait(timeout=WAIT_S)
    probs = host.problems(p.pid, "ok", log=path)
    if p.returncode != 0:
        probs.append(f"exit status {p.returncode}")
    check(f"--log {name}: accepted, one begin and one end line appended", probs)

shutil.rmtree(tmp, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
