# SPDX-License-Identifier: GPL-2.0-or-later
"""What the CLI's host commands take from the GObject API, equal to what the CLI prints.

`virtflow host`, `gpu list|bind|restore` and `recover` run through VirtFlow-1.0
(docs/DESIGN.md, "The GObject API"): VirtFlowHostReport (IOMMU, vfio, GPUs, every PCI
device), the input devices' details, VirtFlowTransition (bind, restore, recover: planned,
applied, refused on a read-only root) and the tune journals recover gives back. Each is
checked against the CLI's --json on the same tree, the way test_cli_api.py does.
"""
import json
import os
import subprocess

import gi
import pytest

gi.require_version("VirtFlow", "1.0")
from gi.repository import Gio, GLib, VirtFlow  # noqa: E402

DGPU = "0000:01:00.0"
JOURNAL = """[transition]
kind=bind
gpu=0000:01:00.0
started=2024-11-25T12:00:00.000000Z
pid=999999

[device 0000:01:00.0]
address=0000:01:00.0
iommu_group=12
host_driver=nvidia
host_module=nvidia
host_override=
host_driver_known=true

[device 0000:01:00.1]
address=0000:01:00.1
iommu_group=12
host_driver=snd_hda_intel
host_module=snd_hda_intel
host_override=
host_driver_known=true
"""


def run_json(cli, *args):
    out = subprocess.run([cli, *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


from vftest import assert_freed, read_all_properties  # noqa: E402


# ---- the CLI's JSON, rebuilt from the API (the shapes of src/cli/vf-cli-json.c) ----


def hexs(value, width):
    return f"{value:0{width}x}"


def device_as_cli(d):
    return {
        "address": d.address,
        "vendor_id": hexs(d.vendor_id, 4),
        "device_id": hexs(d.device_id, 4),
        "subsystem_vendor_id": hexs(d.subsystem_vendor_id, 4),
        "subsystem_device_id": hexs(d.subsystem_device_id, 4),
        "class": hexs(d.class_code, 6),
        "revision": hexs(d.revision, 2),
        "vendor": d.vendor,
        "name": d.name,
        "class_name": d.class_name,
        "driver": d.driver,
        "driver_module": d.driver_module,
        "driver_override": d.driver_override,
        "iommu_group": d.iommu_group if d.iommu_group >= 0 else None,
        "parent": d.parent,
        "reset_method": d.reset_method,
        "power_state": d.power_state,
    }


def gpu_as_cli(gpu):
    out = device_as_cli(gpu.get_device())
    out.update({
        "boot_vga": gpu.props.boot_vga,
        "functions": list(gpu.get_functions()),
        "passthrough_devices": list(gpu.get_passthrough_addresses()),
        "passthrough": [device_as_cli(d) for d in gpu.get_passthrough_devices()],
        "staying": [device_as_cli(d) for d in gpu.get_staying_devices()],
        "on_vfio": gpu.props.on_vfio,
        "eligible": gpu.props.eligible,
        "blockers": [{"code": b.code, "message": b.message, "fix": b.fix}
                     for b in gpu.get_blockers()],
        "warnings": [{"code": w.code, "message": w.message, "fix": w.fix}
                     for w in gpu.get_warnings()],
        "holders": [{"pid": h.pid, "comm": h.comm, "node": h.node, "device": h.device,
                     "mapped": h.mapped} for h in gpu.get_holders()],
    })
    return out


def report_as_cli(report, devices):
    p = report.props
    out = {
        "iommu": {
            "enabled": p.iommu_enabled, "groups": p.iommu_groups,
            "hardware": p.iommu_hardware, "cmdline_on": p.iommu_cmdline_on,
            "cmdline_off": p.iommu_cmdline_off, "passthrough_mode": p.iommu_passthrough,
            "verdict": p.iommu_verdict, "fix": p.iommu_fix,
        },
        "vfio": {
            "available": p.vfio_available, "driver_registered": p.vfio_registered,
            "kernel": p.kernel_release,
            "modules": {m.name: m.state_name for m in report.get_vfio_modules()},
        },
        "holders_complete": p.holders_complete,
        "gpus": [gpu_as_cli(g) for g in report.get_gpus()],
    }
    if devices:
        out["devices"] = [device_as_cli(d) for d in report.get_devices()]
    return out


def transition_as_cli(t, dry_run):
    out = {
        "operation": t.props.operation,
        "gpu": t.props.gpu,
        "dry_run": dry_run,
        "devices": [{"address": o.address, "host_driver": o.host_driver,
                     "host_override": o.host_override} for o in t.dup_devices()],
        "left": list(t.dup_left()),
    }
    if dry_run:
        out["modules"] = list(t.dup_modules())
        out["sysfs_writes"] = [{"device": w.device, "path": w.path, "value": w.value}
                               for w in t.dup_writes()]
    return out


def driver_of(root, address):
    return os.path.basename(os.readlink(os.path.join(root, "sys/bus/pci/devices", address,
                                                     "driver")))


# ---- every new type made, read and freed ----


def test_host_types_created_read_and_freed(demo, demo_root):
    host, conn = demo
    assert_freed(lambda: host.get_report())
    assert_freed(lambda: host.plan_bind(DGPU))

    report = host.get_report()
    props = read_all_properties(report)
    assert props["iommu-enabled"] and props["iommu-groups"] > 0
    assert props["iommu-verdict"] and props["vfio-available"]
    assert [m.name for m in report.get_vfio_modules()] == ["vfio", "vfio_iommu_type1",
                                                            "vfio_pci"]
    for m in report.get_vfio_modules():
        assert m.state_name == m.state.value_nick
    assert [g.props.address for g in report.get_gpus()] == [DGPU, "0000:0e:00.0"]
    devices = report.get_devices()
    assert DGPU in [d.address for d in devices] and len(devices) > len(report.get_gpus())
    dgpu = report.get_gpus()[0].get_device()
    assert (dgpu.address, dgpu.vendor_id, dgpu.class_code, dgpu.driver) == (
        DGPU, 0x10DE, 0x030000, "nvidia")
    assert dgpu.subsystem_vendor_id and dgpu.power_state

    bind = host.plan_bind("01:00.0")
    props = read_all_properties(bind)
    assert props == {"kind": VirtFlow.TransitionKind.BIND, "operation": "bind", "gpu": DGPU}
    origins = bind.dup_devices()
    assert [(o.address, o.host_driver, o.host_driver_known, o.iommu_group) for o in origins] \
        == [(DGPU, "nvidia", True, 12), ("0000:01:00.1", "snd_hda_intel", True, 12)]
    assert any(w.path.endswith("/driver_override") and w.value == "vfio-pci"
               for w in bind.dup_writes())
    assert list(bind.dup_left()) == []

    inputs = host.list_inputs()
    assert inputs and all(i.event.startswith("/dev/input/event") for i in inputs)
    behind = [i for i in inputs if i.pci_address]
    assert behind and all(i.pci_class_name for i in behind)


# ---- the same as the CLI's --json on the same tree ----


@pytest.mark.parametrize("where", ["demo", "fake"])
def test_report_equals_host_json(cli, demo_root, fake_root, where):
    if where == "demo":
        host = VirtFlow.Host.new_demo(demo_root)
        args = ["--demo"]
    else:
        host = VirtFlow.Host.new(fake_root)
        args = ["--host-root", fake_root]
    assert report_as_cli(host.get_report(), True) == run_json(cli, *args, "host", "--groups",
                                                              "--json")
    assert report_as_cli(host.get_report(), False) == run_json(cli, *args, "gpu", "list",
                                                               "--json")


def read_attr(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def test_devices_as_the_tree_says(fake_root):
    """Not only equal to the CLI (which reads them through this API too): equal to sysfs."""
    devices = VirtFlow.Host.new(fake_root).get_report().get_devices()
    base = os.path.join(fake_root, "sys/bus/pci/devices")
    assert sorted(d.address for d in devices) == sorted(os.listdir(base))
    for d in devices:
        sysdir = os.path.join(base, d.address)
        driver = os.path.join(sysdir, "driver")
        group = os.path.join(sysdir, "iommu_group")
        assert d.class_code == int(read_attr(os.path.join(sysdir, "class")), 16)
        assert d.vendor_id == int(read_attr(os.path.join(sysdir, "vendor")), 16)
        assert d.device_id == int(read_attr(os.path.join(sysdir, "device")), 16)
        assert d.driver == (os.path.basename(os.readlink(driver))
                            if os.path.islink(driver) else None)
        assert d.iommu_group == (int(os.path.basename(os.readlink(group)))
                                 if os.path.islink(group) else -1)
        assert d.power_state == read_attr(os.path.join(sysdir, "power_state"))
        assert d.reset_method == read_attr(os.path.join(sysdir, "reset_method"))
        sub = read_attr(os.path.join(sysdir, "subsystem_vendor"))
        assert d.subsystem_vendor_id == (int(sub, 16) if sub else 0)


def test_inputs_equal_host_input_json(cli, demo, demo_root):
    host, conn = demo
    expected = run_json(cli, "--demo", "host", "--input", "--json")
    got = [{"by_id": i.path, "event": i.event, "name": i.name, "kind": i.kind.value_nick,
            "pci_address": i.pci_address,
            "last_input_us": i.last_input_us if i.last_input_us > 0 else None,
            "auto": i.picked} for i in host.list_inputs()]
    assert got == expected["input"]
    assert host.dup_input_note() == expected["auto_note"]


def test_plans_equal_cli_dry_run_json(cli, demo, demo_root):
    host, conn = demo
    assert transition_as_cli(host.plan_bind(DGPU), True) == run_json(
        cli, "--demo", "gpu", "bind", DGPU, "--dry-run", "--json")
    assert transition_as_cli(host.plan_restore(None), True) == run_json(
        cli, "--demo", "gpu", "restore", "--all", "--dry-run", "--json")
    assert host.plan_recover() is None, "no journal: nothing to recover, no error"

    # the boot display: refused with its own code
    with pytest.raises(GLib.Error) as boot:
        host.plan_bind("0000:0e:00.0")
    assert boot.value.matches(VirtFlow.error_quark(), VirtFlow.Error.BOOT_VGA)
    with pytest.raises(GLib.Error) as missing:
        host.plan_bind("0000:09:00.0")
    assert missing.value.code == VirtFlow.Error.NOT_FOUND


# ---- applied on a writable root, refused on a read-only one ----


def test_bind_and_restore_applied(cli, demo, demo_root):
    host, conn = demo
    assert host.check_writable()
    bind = host.plan_bind(DGPU)
    assert bind.apply(None)
    assert driver_of(demo_root, DGPU) == "vfio-pci"
    assert driver_of(demo_root, "0000:01:00.1") == "vfio-pci"
    gpu = host.find_gpu(DGPU)
    assert gpu.props.on_vfio and gpu.props.verdict == "on vfio-pci"
    assert run_json(cli, "--demo", "gpu", "list", "--json")["gpus"][0]["driver"] == "vfio-pci"
    # the CLI sees what the API did: a second bind has nothing to write
    assert host.plan_bind(DGPU).dup_writes() == []

    # restore on a worker thread, the main loop running
    restore = host.plan_restore(DGPU)
    assert [(o.address, o.host_driver) for o in restore.dup_devices()] == [
        (DGPU, "nvidia"), ("0000:01:00.1", "snd_hda_intel")]
    loop = GLib.MainLoop()
    ticks = []
    GLib.timeout_add(1, lambda: ticks.append(1) or True)
    result = []

    def done(t, res):
        result.append(t.apply_finish(res))
        loop.quit()

    restore.apply_async(None, done)
    loop.run()
    assert result == [True]
    assert driver_of(demo_root, DGPU) == "nvidia"
    assert driver_of(demo_root, "0000:01:00.1") == "snd_hda_intel"
    assert host.find_gpu(DGPU).props.verdict == "ready"


def test_apply_on_read_only_root_refused(demo, demo_root):
    host, conn = demo
    ro = VirtFlow.Host.new(demo_root)  # the demo's tree as a captured one: read-only
    assert not ro.props.writable and ro.get_helper() is None
    with pytest.raises(GLib.Error) as check:
        ro.check_writable()
    assert check.value.matches(VirtFlow.error_quark(), VirtFlow.Error.READ_ONLY)
    assert check.value.message == (f"--host-root '{ro.props.root}' is for reading and "
                                   "--dry-run: VirtFlow changes devices only on the live machine")
    bind = ro.plan_bind(DGPU)  # planning (a dry run) is allowed
    assert bind.dup_writes()
    with pytest.raises(GLib.Error) as refused:
        bind.apply(None)
    assert refused.value.matches(VirtFlow.error_quark(), VirtFlow.Error.READ_ONLY)
    assert VirtFlow.error_get_exit_status(refused.value) == 5
    assert driver_of(demo_root, DGPU) == "nvidia"


def test_recover_and_tunes_equal_cli(cli, demo, demo_root):
    state = os.path.join(demo_root, "var/lib/virtflow")
    # a bind killed after its first write (the journal of vf-transition.c) ...
    os.makedirs(os.path.join(state, "journal"), exist_ok=True)
    with open(os.path.join(state, "journal", "1732536000000000-999999-bind.journal"),
              "w") as f:
        f.write(JOURNAL)
    dev = os.path.realpath(os.path.join(demo_root, "sys/bus/pci/devices", DGPU))
    with open(os.path.join(dev, "driver_override"), "w") as f:
        f.write("vfio-pci\n")
    # ... and a tuned VM's huge pages left raised by a crash (tune/vf-tune-run.c's journal;
    # the demo's kernel model has 2 MiB pages)
    pages = os.path.join(demo_root, "sys/kernel/mm/hugepages/hugepages-2048kB")
    os.makedirs(os.path.join(state, "tune"))
    for name in ("nr_hugepages", "free_hugepages"):
        with open(os.path.join(pages, name), "w") as f:
            f.write("512\n")
    with open(os.path.join(state, "tune", "0123456789abcdef.conf"), "w") as f:
        f.write("[tune]\nvm=win11\n\n[hugepages]\nsize-kib=2048\nbase=0\nadded=512\n")

    # the host as `virtflow recover` opens it, after the crash (a host opened before the
    # demo's connection added its huge pages would not know them)
    host = VirtFlow.Host.new_demo(demo_root)
    expected = run_json(cli, "--demo", "recover", "--dry-run", "--json")
    recover = host.plan_recover()
    assert recover.props.kind == VirtFlow.TransitionKind.RECOVER
    assert recover.props.gpu is None
    got = transition_as_cli(recover, True)
    got["tune"] = {"vms": list(host.dup_pending_tunes()), "summary": None}
    assert got == expected
    assert list(host.dup_pending_tunes()) == ["win11"]

    ok, summary = host.recover_tunes()
    assert ok and "win11: 512 huge pages of 2048 KiB given back" in summary
    assert list(host.dup_pending_tunes()) == []
    assert recover.apply(None)
    assert host.plan_recover() is None
    assert os.listdir(os.path.join(state, "journal")) == []
    with open(os.path.join(dev, "driver_override")) as f:
        assert f.read().strip() in ("", "(null)")
    with open(os.path.join(pages, "nr_hugepages")) as f:
        assert f.read().strip() == "0"


def test_report_async_and_a_cancelled_apply(demo, demo_root):
    host, conn = demo
    loop = GLib.MainLoop()
    got = []

    def done(h, res):
        got.append(h.get_report_finish(res))
        loop.quit()

    host.get_report_async(None, done)
    loop.run()
    assert [g.props.address for g in got[0].get_gpus()] == [DGPU, "0000:0e:00.0"]

    # cancelled before the first write: nothing moves
    cancellable = Gio.Cancellable()
    cancellable.cancel()
    with pytest.raises(GLib.Error) as cancelled:
        host.plan_bind(DGPU).apply(cancellable)
    assert cancelled.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert driver_of(demo_root, DGPU) == "nvidia"
