# SPDX-License-Identifier: GPL-2.0-or-later
"""The GObject API (VirtFlow-1.0) from Python, through the build tree's typelib.

What a user of `gi.repository.VirtFlow` sees: every type made and freed, every property
readable and equal to its getter, the same GPUs, blockers and holders as
`virtflow gpu list --json`, a flow's signals in the order of the CLI's step lines, async
runs that leave the main loop running, errors in VirtFlow's domain with its codes, and the
example run end to end on the demo.
"""
import json
import os
import subprocess
import sys

import gi
import pytest

gi.require_version("VirtFlow", "1.0")
from gi.repository import Gio, GLib, GObject, VirtFlow  # noqa: E402

VM = "Windows 11"


from vftest import assert_freed, read_all_properties  # noqa: E402


# ---- every public type created and freed, every property read ----


def test_every_type_created_read_and_freed(demo, demo_root):
    host, conn = demo

    assert_freed(lambda: VirtFlow.Host.new_demo(demo_root))
    assert_freed(lambda: VirtFlow.Host.new(demo_root))
    assert_freed(lambda: VirtFlow.Connection.new_demo(host))
    assert_freed(lambda: host.list_gpus()[1])
    assert_freed(lambda: conn.list_vms()[0])
    assert_freed(lambda: VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None))
    assert_freed(VirtFlow.Doctor.new)
    assert_freed(lambda: VirtFlow.Setup.new(host, VirtFlow.SetupFlags.NONE, None))
    assert_freed(lambda: VirtFlow.Setup.new_undo(host))

    props = read_all_properties(host)
    assert props == {"root": demo_root, "demo": True, "live": False, "writable": True}
    props = read_all_properties(conn)
    assert props["demo"] and props["uri"].startswith("test://")

    gpus = host.list_gpus()
    assert [g.props.address for g in gpus] == ["0000:01:00.0", "0000:0e:00.0"]
    dgpu = read_all_properties(gpus[0])
    assert dgpu["vendor-id"] == 0x10DE and dgpu["driver"] == "nvidia"
    assert dgpu["eligible"] and dgpu["verdict"] == "ready" and dgpu["iommu-group"] == 12
    igpu = read_all_properties(gpus[1])
    assert igpu["vendor-id"] == 0x1002 and igpu["driver"] == "amdgpu"
    assert igpu["boot-vga"] and igpu["verdict"] == "blocked: boot-vga display-active"
    device = gpus[0].get_passthrough_devices()[1]
    assert (device.address, device.driver, device.class_code) == (
        "0000:01:00.1", "snd_hda_intel", 0x040300)

    vm = conn.lookup_vm(VM)
    props = read_all_properties(vm)
    assert props["name"] == VM and props["state"] == VirtFlow.VmState.SHUTOFF
    assert props["state-name"] == "shut off" and props["gpu"] is None

    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None)
    props = read_all_properties(flow)
    assert props["kind"] == VirtFlow.FlowKind.DEACTIVATE and props["stop-timeout"] == 120
    assert props["host"] == host and props["connection"] == conn and not props["running"]
    notified = []
    flow.connect("notify::stop-timeout", lambda f, p: notified.append(p.name))
    flow.props.stop_timeout = 30
    flow.props.stop_timeout = 30
    assert notified == ["stop-timeout"], "a property notifies once per change"

    doctor = VirtFlow.Doctor.new()
    doctor.check_host(host)
    props = read_all_properties(doctor)
    assert props["n-checks"] == len(doctor.dup_checks()) > 0
    iommu = doctor.dup_check("iommu")
    assert iommu.status == VirtFlow.CheckStatus.PASS and iommu.title

    setup = VirtFlow.Setup.new(host, VirtFlow.SetupFlags.NONE, None)
    props = read_all_properties(setup)
    assert props["host"] == host and not props["undo"]
    assert "hook" in [c.id for c in setup.dup_changes()]

    # the boxed records: copied and freed through GObject's boxed machinery
    for record in (gpus[1].get_blockers()[0], device, flow.dup_steps() or None,
                   iommu, setup.dup_changes()[0]):
        if record is None:
            continue
        copy = GObject.Value(type(record).__gtype__ if hasattr(type(record), "__gtype__")
                             else GObject.TYPE_NONE)
        copy.set_boxed(record)
        assert copy.get_boxed() is not None
        copy.unset()


def test_error_domain_and_codes(demo, fake_root):
    host, conn = demo
    assert VirtFlow.error_quark() == GLib.quark_from_string("virtflow-error-quark")

    with pytest.raises(GLib.Error) as missing:
        VirtFlow.Host.new("/nonexistent/virtflow-root")
    assert missing.value.domain == "virtflow-error-quark"
    assert missing.value.matches(VirtFlow.error_quark(), VirtFlow.Error.NOT_FOUND)
    assert "/nonexistent/virtflow-root" in missing.value.message
    assert VirtFlow.error_to_nick(VirtFlow.Error.NOT_FOUND) == "not-found"

    # the boot display is refused with its own code, and nothing changes
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, "0000:0e:00.0")
    with pytest.raises(GLib.Error) as boot:
        flow.run(None)
    assert boot.value.matches(VirtFlow.error_quark(), VirtFlow.Error.BOOT_VGA), boot.value
    assert VirtFlow.error_get_exit_status(boot.value) == 4
    assert conn.lookup_vm(VM).props.gpu is None

    # a captured tree is for reading: a flow on it is READ_ONLY (exit status 5)
    ro_host = VirtFlow.Host.new(fake_root)
    assert not ro_host.props.writable
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, ro_host, conn, VM, None)
    with pytest.raises(GLib.Error) as ro:
        flow.run(None)
    assert ro.value.matches(VirtFlow.error_quark(), VirtFlow.Error.READ_ONLY)
    assert VirtFlow.error_get_exit_status(ro.value) == 5

    with pytest.raises(GLib.Error) as unknown:
        conn.lookup_vm("no-such-vm")
    assert unknown.value.code == VirtFlow.Error.NOT_FOUND

    with pytest.raises(GLib.Error) as bad:
        host.find_gpu("not-an-address")
    assert bad.value.code == VirtFlow.Error.INVALID_ARGUMENT


# ---- the same GPUs, blockers and holders as `virtflow gpu list --json` ----


def test_gpus_blockers_holders_equal_cli_json(cli, fake_root):
    out = subprocess.run([cli, "--host-root", fake_root, "gpu", "list", "--json"],
                         check=True, capture_output=True, text=True).stdout
    expected = json.loads(out)["gpus"]
    gpus = VirtFlow.Host.new(fake_root).list_gpus()

    assert [g.props.address for g in gpus] == [e["address"] for e in expected]
    for gpu, e in zip(gpus, expected):
        assert (gpu.props.vendor, gpu.props.name, gpu.props.driver, gpu.props.iommu_group,
                gpu.props.boot_vga, gpu.props.eligible, gpu.props.on_vfio) == (
            e["vendor"], e["name"], e["driver"], e["iommu_group"], e["boot_vga"],
            e["eligible"], e["on_vfio"])
        assert list(gpu.get_functions()) == e["functions"]
        assert list(gpu.get_passthrough_addresses()) == e["passthrough_devices"]
        assert [(d.address, d.driver) for d in gpu.get_passthrough_devices()] == [
            (d["address"], d["driver"]) for d in e["passthrough"]]
        assert [(d.address, d.driver) for d in gpu.get_staying_devices()] == [
            (d["address"], d["driver"]) for d in e["staying"]]
        assert [(b.code, b.message, b.fix) for b in gpu.get_blockers()] == [
            (b["code"], b["message"], b["fix"]) for b in e["blockers"]]
        assert [(h.pid, h.comm, h.node, h.device, h.mapped) for h in gpu.get_holders()] == [
            (h["pid"], h["comm"], h["node"], h["device"], h["mapped"]) for h in e["holders"]]
        assert [(w.code, w.message) for w in gpu.get_warnings()] == [
            (w["code"], w["message"]) for w in e["warnings"]]

    # the tree was made so that this is not an empty comparison
    dgpu = gpus[1]
    codes = [b.code for b in dgpu.get_blockers()]
    assert "group-not-viable" in codes and "in-use" in codes
    assert {h.comm for h in dgpu.get_holders()} == {"Xorg", "steam"}
    assert [b.kind for b in dgpu.get_blockers()][codes.index("in-use")] == \
        VirtFlow.BlockerKind.IN_USE
    assert not dgpu.props.eligible
    assert dgpu.props.verdict == "blocked: " + " ".join(codes)


# ---- a flow's signals in the CLI's order ----


def cli_step_lines(cli, *args):
    """The CLI's step lines ("done: Title: detail"), stdout not a terminal."""
    out = subprocess.run([cli, "--demo", *args], check=True, capture_output=True,
                         text=True).stdout
    states = ("done", "failed", "skipped", "waiting")
    return [line for line in out.splitlines() if line.split(":", 1)[0] in states]


def flow_step_lines(flow):
    lines = []

    def on_step(flow, step, fraction):
        if step.state != VirtFlow.StepState.RUNNING:
            detail = f": {step.detail}" if step.detail else ""
            lines.append(f"{step.state.value_nick}: {step.title}{detail}")

    flow.connect("step-changed", on_step)
    return lines


def test_flow_signals_in_cli_order(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("VIRTFLOW_DEMO_ROOT", str(tmp_path / "cli-demo"))
    # the API's Activate takes the default profile (no input handed over): the CLI's
    # --input none; its default, --input auto, adds the keyboard and mouse
    expected_activate = cli_step_lines(cli, "activate", VM, "--input", "none")
    expected_deactivate = cli_step_lines(cli, "deactivate", VM)
    assert len(expected_activate) == 6 and len(expected_deactivate) == 4

    host = VirtFlow.Host.new_demo(str(tmp_path / "api-demo"))
    conn = VirtFlow.Connection.new_demo(host)
    activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    activate.plan()
    planned = [s.title for s in activate.dup_steps()]
    assert all(s.state == VirtFlow.StepState.WAITING for s in activate.dup_steps())
    assert activate.props.gpu == "0000:01:00.0", "the plan names the GPU it chose"
    assert list(activate.dup_devices()) == ["0000:01:00.0", "0000:01:00.1"]
    assert activate.dup_writes()[0].value == "vfio-pci"
    assert "<hostdev" in activate.get_domain_xml()
    assert conn.lookup_vm(VM).props.gpu is None, "a plan changes nothing"

    lines = flow_step_lines(activate)
    assert activate.run(None)
    assert lines == expected_activate
    assert [line.split(": ")[1] for line in lines] == planned
    assert conn.lookup_vm(VM).props.gpu == "0000:01:00.0"
    assert host.find_gpu("01:00.1").props.on_vfio

    deactivate = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None)
    lines = flow_step_lines(deactivate)
    assert deactivate.run(None)
    assert lines == expected_deactivate
    assert host.find_gpu("01:00.0").props.driver == "nvidia"


def test_input_auto_as_the_cli_default(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("VIRTFLOW_DEMO_ROOT", str(tmp_path / "cli-demo"))
    expected = cli_step_lines(cli, "activate", VM)  # --input auto
    assert "evdev" in expected[4]

    host = VirtFlow.Host.new_demo(str(tmp_path / "api-demo"))
    conn = VirtFlow.Connection.new_demo(host)
    activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    activate.props.input_auto = True
    activate.plan()
    assert '<input type="evdev">' in activate.get_domain_xml()
    lines = flow_step_lines(activate)
    assert activate.run(None)
    assert lines == expected


def test_input_devices_and_grab_toggle_as_the_cli(demo, demo_root):
    """--input DEVICE and --grab-toggle: the devices chosen one by one, the keys by name."""
    host, conn = demo
    by_id = os.path.join(demo_root, "dev/input/by-id")
    kbd = sorted(n for n in os.listdir(by_id) if n.endswith("-event-kbd"))[-1]
    path = "/dev/input/by-id/" + kbd
    activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    activate.props.input_devices = [path]
    activate.props.grab_toggle = "scrolllock"
    assert activate.get_input_devices() == [path]
    activate.plan()
    xml = activate.get_domain_xml()
    assert xml.count('<input type="evdev">') == 1, xml
    assert path in xml and 'grabToggle="scrolllock"' in xml, xml

    activate.props.input_devices = []  # none chosen: none handed over
    activate.plan()
    assert '<input type="evdev">' not in activate.get_domain_xml()
    activate.props.input_auto = True  # the keyboard and mouse in use, as --input auto
    activate.plan()
    assert '<input type="evdev">' in activate.get_domain_xml()

    activate.props.grab_toggle = "ctrl-alt-del"
    with pytest.raises(GLib.Error) as bad:
        activate.plan()
    assert bad.value.code == VirtFlow.Error.INVALID_ARGUMENT and "ctrl-alt-del" in \
        bad.value.message


def test_inputs_offered_and_the_auto_pick(demo, demo_root):
    """list_inputs: every by-id keyboard and mouse; the picked ones are input-auto's."""
    host, conn = demo
    inputs = host.list_inputs()
    by_id = os.path.join(demo_root, "dev/input/by-id")
    assert sorted(i.path for i in inputs) == sorted(
        "/dev/input/by-id/" + n for n in os.listdir(by_id))
    for i in inputs:
        assert i.kind == (VirtFlow.InputKind.KEYBOARD if i.path.endswith("-event-kbd")
                          else VirtFlow.InputKind.MOUSE)
    picked = [i.path for i in inputs if i.picked]
    assert picked, "the demo has a keyboard and a mouse in use"
    activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    activate.props.input_auto = True
    activate.plan()
    xml = activate.get_domain_xml()
    assert xml.count('<input type="evdev">') == len(picked)
    assert all(p in xml for p in picked), (picked, xml)


def test_force_off_and_guest_shutdown(demo):
    """force_off_vm and shutdown_vm: the VM stops, no flow; a VM that is off is refused."""
    host, conn = demo
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.START, host, conn, VM, None).run(None)
    assert conn.lookup_vm(VM).props.active
    assert conn.force_off_vm(VM)
    assert not conn.lookup_vm(VM).props.active
    with pytest.raises(GLib.Error) as off:
        conn.force_off_vm(VM)
    assert off.value.domain == "virtflow-error-quark"
    with pytest.raises(GLib.Error) as missing:
        conn.shutdown_vm("no-such-vm")
    assert missing.value.code == VirtFlow.Error.NOT_FOUND
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.START, host, conn, VM, None).run(None)
    assert conn.shutdown_vm(VM)
    deadline = GLib.get_monotonic_time() + 5_000_000
    while conn.lookup_vm(VM).props.active and GLib.get_monotonic_time() < deadline:
        GLib.usleep(50_000)
    assert not conn.lookup_vm(VM).props.active, "the demo's guest shuts down when asked"


def test_vm_sizes_only_when_asked(demo):
    """list_vms_full: the vCPUs and memory the app's VM rows show; list_vms: 0."""
    host, conn = demo
    sized = {vm.props.name: vm for vm in conn.list_vms_full()}
    plain = {vm.props.name: vm for vm in conn.list_vms()}
    assert sized.keys() == plain.keys()
    assert sized[VM].props.vcpus == sized[VM].get_vcpus() > 0
    assert sized[VM].props.memory == sized[VM].get_memory() >= 1024 * 1024  # KiB
    assert plain[VM].props.vcpus == 0 and plain[VM].props.memory == 0


def test_activated_vm_profile_read_back(demo, demo_root):
    """dup_vm_profile: how an activated VM is used, as its Activate recorded it; the one way
    to read it (a VirtFlowVm has no profile properties)."""
    host, conn = demo
    by_id = os.path.join(demo_root, "dev/input/by-id")
    kbd = "/dev/input/by-id/" + sorted(n for n in os.listdir(by_id) if n.endswith("-event-kbd"))[-1]
    assert conn.dup_vm_profile(VM) is None, "not activated: no profile"
    activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    activate.props.view = VirtFlow.View.LOOKING_GLASS
    activate.props.input_devices = [kbd]
    activate.props.grab_toggle = "alt-alt"
    assert activate.run(None)
    uuid = conn.lookup_vm(VM).props.uuid
    for key in (VM, uuid):
        profile = conn.dup_vm_profile(key)
        assert profile.view == VirtFlow.View.LOOKING_GLASS
        assert list(profile.inputs) == [kbd] and list(profile.input_kinds) == ["keyboard"]
        assert profile.grab_toggle == "alt-alt"
        assert profile.usb_controller is None
    names = {p.name for p in VirtFlow.Vm.list_properties()}
    assert not names & {"view", "input-devices", "grab-toggle", "usb-controller"}
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None).run(None)
    assert conn.dup_vm_profile(VM) is None, "deactivated: no profile"


def test_connection_opened_off_thread_signals_here(demo_root):
    """new_demo_async: libvirt opened on a worker, vm-changed in the thread that finished."""
    host = VirtFlow.Host.new_demo(demo_root)
    loop = GLib.MainLoop()
    got = {}

    def opened(source, result):
        got["conn"] = VirtFlow.Connection.new_finish(result)
        loop.quit()

    VirtFlow.Connection.new_demo_async(host, None, opened)
    loop.run()
    conn = got["conn"]
    assert conn.props.demo and VM in [vm.props.name for vm in conn.list_vms()]
    events = []
    conn.connect("vm-changed", lambda c, name, event: events.append(
        (name, event, GLib.MainContext.default().is_owner())))
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None).run(None)
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.START, host, conn, VM, None).run(None)
    tune = VirtFlow.Tune.new(host, conn, VM)
    assert tune.plan() and tune.get_vm_running(), "a running VM gets its tune at its next start"
    deadline = GLib.get_monotonic_time() + 2_000_000
    while (VM, VirtFlow.LifecycleEvent.STARTED, True) not in events and \
            GLib.get_monotonic_time() < deadline:
        GLib.MainContext.default().iteration(False)
    assert (VM, VirtFlow.LifecycleEvent.STARTED, True) in events, events
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.STOP, host, conn, VM, None).run(None)
    stopped = VirtFlow.Tune.new(host, conn, VM)
    assert stopped.plan() and not stopped.get_vm_running()

    bad = VirtFlow.Host.new(demo_root)  # not the demo's host
    loop = GLib.MainLoop()

    def refused(source, result):
        with pytest.raises(GLib.Error) as error:
            VirtFlow.Connection.new_finish(result)
        got["code"] = error.value.code
        loop.quit()

    VirtFlow.Connection.new_demo_async(bad, None, refused)
    loop.run()
    assert got["code"] == VirtFlow.Error.INVALID_ARGUMENT


def test_start_stop_plan_and_vm_changed(demo):
    host, conn = demo
    events = []
    conn.connect("vm-changed", lambda c, name, event: events.append((name, event)))
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None).run(None)

    start = VirtFlow.Flow.new(VirtFlow.FlowKind.START, host, conn, VM, None)
    start.plan()
    assert [s.id for s in start.dup_steps()] == ["check-host", "bind-gpu", "start-vm"]
    assert start.run(None)
    assert conn.lookup_vm(VM).props.state == VirtFlow.VmState.RUNNING
    stop = VirtFlow.Flow.new(VirtFlow.FlowKind.STOP, host, conn, VM, None)
    assert stop.run(None)
    assert not conn.lookup_vm(VM).props.active

    # libvirt's events arrive through this thread's main loop, as signals
    ctx = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + 2_000_000
    while (VM, VirtFlow.LifecycleEvent.STOPPED) not in events and \
            GLib.get_monotonic_time() < deadline:
        ctx.iteration(False)
    assert (VM, VirtFlow.LifecycleEvent.DEFINED) in events
    assert (VM, VirtFlow.LifecycleEvent.STARTED) in events
    assert (VM, VirtFlow.LifecycleEvent.STOPPED) in events
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None).run(None)


# ---- async runs leave the main loop running ----


def run_in_loop(flow, cancellable=None):
    """run_async under a main loop with a 1 ms timeout ticking: what the loop saw."""
    loop = GLib.MainLoop()
    seen = {"ticks": 0, "ticks_at_end": None, "steps": [], "error": None}

    def tick():
        seen["ticks"] += 1
        return GLib.SOURCE_CONTINUE

    def on_step(flow, step, fraction):
        seen["steps"].append((step.id, step.state.value_nick, GLib.MainContext.default()
                              .is_owner()))

    def done(flow, result):
        try:
            seen["ok"] = flow.run_finish(result)
        except GLib.Error as error:
            seen["error"] = error
        seen["ticks_at_end"] = seen["ticks"]
        seen["running_at_end"] = flow.props.running
        loop.quit()

    source = GLib.timeout_add(1, tick)
    flow.connect("step-changed", on_step)
    flow.run_async(cancellable, done)
    seen["returned_before_steps"] = not seen["steps"]
    seen["running"] = flow.props.running
    loop.run()
    GLib.source_remove(source)
    return seen


def test_async_run_does_not_block_the_main_loop(demo):
    host, conn = demo
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    seen = run_in_loop(flow)
    assert seen["error"] is None and seen["ok"]
    assert seen["returned_before_steps"] and seen["running"]
    assert seen["ticks_at_end"] > 0, "the main loop did not run while the flow ran"
    assert not seen["running_at_end"]
    # every signal came in this thread, from its main loop, in order, before the callback
    assert all(owner for _, _, owner in seen["steps"])
    assert [s for s, state, _ in seen["steps"] if state != "running"] == [
        s.id for s in flow.dup_steps()]
    assert conn.lookup_vm(VM).props.gpu == "0000:01:00.0"

    seen = run_in_loop(VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None))
    assert seen["error"] is None and seen["ticks_at_end"] > 0

    # GPUs are read on a worker thread too
    loop = GLib.MainLoop()
    got = []
    host.list_gpus_async(None, lambda h, res: (got.extend(h.list_gpus_finish(res)),
                                               loop.quit()))
    loop.run()
    assert [g.props.address for g in got] == ["0000:01:00.0", "0000:0e:00.0"]


def test_cancelled_before_the_first_step_changes_nothing(demo):
    host, conn = demo
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    seen = run_in_loop(VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None),
                       cancellable)
    assert seen["error"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert seen["steps"] == []
    assert conn.lookup_vm(VM).props.gpu is None
    assert host.find_gpu("01:00.0").props.driver == "nvidia"


# ---- the example, end to end ----


def test_example_end_to_end_on_the_demo(demo_root):
    example = os.environ.get("VIRTFLOW_EXAMPLE")
    assert example, "$VIRTFLOW_EXAMPLE is not set: run with 'meson test gobject-python'"
    run = subprocess.run([sys.executable, example], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "0000:0e:00.0" in out and "blocked: boot-vga display-active" in out
    assert "0000:01:00.0" in out and "ready" in out
    assert "  4. Bind the GPU to vfio-pci" in out
    assert "echo vfio-pci > /sys/bus/pci/devices/0000:01:00.0/driver_override" in out
    assert "[100%] done: Save the VM definition: VM 'Windows 11' now has GPU 0000:01:00.0" in out
    assert "[100%] done: Return the GPU to the host" in out
    assert "GPU 0000:01:00.0 is back on nvidia: ready" in out
    assert run.stderr == ""


# ---- tune: the plan from the demo's two-CCD CPU, applied and undone ----


def test_tune_plan_apply_undo_equal_cli(demo, cli):
    host, conn = demo
    before = conn.lookup_vm(VM)  # the VM exists before the tune
    assert before is not None
    tune = VirtFlow.Tune.new(host, conn, VM)
    props = read_all_properties(tune)
    assert props["hugepages"] == "auto" and props["cores"] == 0 and props["summary"] is None
    assert tune.plan()
    assert tune.props.changed and tune.props.summary
    cli_plan = json.loads(subprocess.run(
        [cli, "--demo", "tune", VM, "--dry-run", "--json"], check=True,
        capture_output=True, text=True).stdout)
    assert tune.get_vm_cpus() == cli_plan["vm_cpus"]
    assert tune.get_host_cpus() == cli_plan["host_cpus"]
    assert tune.get_hugepage_size() == cli_plan["hugepages"]["size_kib"]
    assert tune.get_hugepage_count() == cli_plan["hugepages"]["count"]
    assert tune.get_domain_xml() == cli_plan["domain_xml"]
    assert tune.dup_changes(), "the plan says what changes"
    assert tune.apply()

    again = VirtFlow.Tune.new(host, conn, VM)
    assert again.plan() and not again.props.changed, "tuned already: nothing changes"

    undo = VirtFlow.Tune.new(host, conn, VM)
    undo.props.undo = True
    assert undo.plan() and undo.props.changed
    assert undo.apply()
    assert not VirtFlow.Tune.new(host, conn, VM).get_changed()

    bad = VirtFlow.Tune.new(host, conn, VM)
    bad.props.cores = 4096
    with pytest.raises(GLib.Error) as too_many:
        bad.plan()
    assert too_many.value.code == VirtFlow.Error.INVALID_ARGUMENT
    bad.props.cores = 0
    bad.props.hugepages = "3M"
    with pytest.raises(GLib.Error) as size:
        bad.plan()
    assert "3M" in size.value.message


def test_failure_carries_its_fix(demo):
    host, conn = demo
    # the boot display: the fix is the blocker's own, not a generic one
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, "0000:0e:00.0")
    assert flow.props.fix is None
    with pytest.raises(GLib.Error):
        flow.run(None)
    assert flow.props.fix and "other GPU" in flow.props.fix
    # a malformed address: the fix says what an address looks like
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, "not-a-bdf")
    with pytest.raises(GLib.Error):
        flow.run(None)
    assert "0000:01:00.0" in flow.props.fix
    # a run that succeeds clears it
    assert VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None).run(None)
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, None)
    assert flow.run(None) and flow.props.fix is None
