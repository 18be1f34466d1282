# SPDX-License-Identifier: GPL-2.0-or-later
"""What the CLI's VM commands take from the GObject API, equal to what the CLI prints.

`virtflow` runs activate, deactivate, start, stop, list and tune through VirtFlow-1.0
(docs/DESIGN.md, "The GObject API"): Activate's whole profile (the devices named, a USB
controller, the grab toggle, the Looking Glass size, replacing a VM's own profile), a VM's
recorded profile, the tune plan's topology and pins, the host's helper and state directory.
Each is checked here against the CLI's --json output on a demo of the same state.
"""
import json
import subprocess

import gi
import pytest

gi.require_version("VirtFlow", "1.0")
from gi.repository import GLib, VirtFlow  # noqa: E402

VM = "Windows 11"
KEYBOARD = "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd"
MOUSE = "/dev/input/by-id/usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-event-mouse"


def cli_json(cli, *args):
    out = subprocess.run([cli, "--demo", *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def profile_as_cli(profile):
    """A VirtFlowProfile as `virtflow activate --json` writes its "profile"."""
    lg = profile.view == VirtFlow.View.LOOKING_GLASS
    return {
        "view": profile.view.value_nick,
        "lg_width": profile.lg_width if lg else None,
        "lg_height": profile.lg_height if lg else None,
        "lg_size_mib": profile.lg_size_mib if lg else None,
        "input": [{"kind": k, "path": p}
                  for k, p in zip(profile.input_kinds, profile.inputs)],
        "grab_toggle": profile.grab_toggle,
        "virtio_input": profile.virtio_input,
        "usb_controller": profile.usb_controller,
    }


def test_activate_profile_equals_cli_dry_run(demo, cli):
    host, conn = demo
    expected = cli_json(cli, "activate", VM, "--dry-run", "--json", "--view", "looking-glass",
                        "--lg-resolution", "1920x1080", "--grab-toggle", "alt-alt",
                        "--input", KEYBOARD, "--input", MOUSE)

    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    assert flow.dup_profile() is None, "no profile before a plan"
    flow.props.view = VirtFlow.View.LOOKING_GLASS
    flow.set_lg_resolution(1920, 1080)
    flow.props.grab_toggle = "alt-alt"
    flow.props.input_devices = [KEYBOARD, MOUSE]
    assert (flow.props.lg_width, flow.props.lg_height) == (1920, 1080)
    assert list(flow.get_input_devices()) == [KEYBOARD, MOUSE]
    assert flow.plan()
    profile = flow.dup_profile()
    assert profile_as_cli(profile) == expected["profile"]
    # the kind of each device named comes from the device
    assert list(profile.input_kinds) == ["keyboard", "mouse"]
    assert flow.get_domain_xml() == expected["domain_xml"]
    assert list(flow.dup_notes()) == expected["notes"]
    assert list(flow.dup_warnings()) == expected["warnings"]


def reopen(demo_root):
    """The demo as the CLI left it (the test driver reads its VMs when it connects)."""
    host = VirtFlow.Host.new_demo(demo_root)
    return host, VirtFlow.Connection.new_demo(host)


def test_replace_profile_and_input_none_equal_cli(demo_root, cli):
    # activated with the keyboard and mouse (the CLI's default, --input auto)
    subprocess.run([cli, "--demo", "activate", VM, "--yes"], check=True, capture_output=True)
    host, conn = reopen(demo_root)
    expected = cli_json(cli, "activate", VM, "--dry-run", "--json", "--input", "none")
    assert expected["profile"]["input"] == []

    replace = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    replace.props.replace_profile = True
    replace.plan()
    assert profile_as_cli(replace.dup_profile()) == expected["profile"]
    assert replace.get_domain_xml() == expected["domain_xml"]

    # activated again with the defaults: the VM keeps the keyboard and mouse it has...
    keep = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    assert keep.run(None)
    assert list(keep.dup_profile().inputs) == [KEYBOARD, MOUSE]
    assert list(conn.dup_vm_profile(VM).inputs) == [KEYBOARD, MOUSE]
    # ...unless the flow replaces its profile, as `virtflow activate --input none` does
    assert replace.run(None)
    assert list(replace.dup_profile().inputs) == []
    assert list(conn.dup_vm_profile(VM).inputs) == []


def test_bad_profile_values_are_refused_by_plan(demo):
    host, conn = demo
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    flow.props.grab_toggle = "caps-caps"
    with pytest.raises(GLib.Error) as toggle:
        flow.plan()
    assert toggle.value.code == VirtFlow.Error.INVALID_ARGUMENT
    assert "caps-caps" in toggle.value.message

    flow.props.grab_toggle = None
    flow.set_lg_resolution(1920, 1080)  # the view is the monitor
    with pytest.raises(GLib.Error) as lg:
        flow.plan()
    assert lg.value.code == VirtFlow.Error.INVALID_ARGUMENT


def test_vm_profile_equals_cli_list(demo, demo_root, cli):
    host, conn = demo
    assert conn.dup_vm_profile(VM) is None, "a VM never activated has no profile"
    subprocess.run([cli, "--demo", "activate", VM, "--yes"], check=True, capture_output=True)
    host, conn = reopen(demo_root)
    listed = cli_json(cli, "list", "--json")["domains"]
    row = [d for d in listed if d["name"] == VM][0]
    assert row["input"] == [KEYBOARD, MOUSE]

    profile = conn.dup_vm_profile(VM)
    assert profile.view.value_nick == row["view"]
    assert list(profile.inputs) == row["input"]
    vms = conn.list_vms()
    assert [(v.props.name, v.props.state_name, v.props.gpu) for v in vms] == \
        [(d["name"], d["state"], d["gpu"]) for d in listed]


def test_tune_plan_topology_equals_cli(demo, cli):
    host, conn = demo
    expected = cli_json(cli, "tune", VM, "--dry-run", "--json", "--isolate")
    tune = VirtFlow.Tune.new(host, conn, VM)
    assert tune.dup_vcpu_pins() == [], "no pins before a plan"
    tune.props.isolate = True
    assert tune.plan()
    assert tune.get_plan_cores() == expected["cores"]
    assert tune.get_plan_threads() == expected["threads"]
    assert tune.get_plan_isolate() == expected["isolate"] is True
    assert tune.get_vm_running() == expected["running"]
    pins = tune.dup_vcpu_pins()
    assert [{"vcpu": i, "cpuset": str(c)} for i, c in enumerate(pins)] == expected["vcpupin"]
    assert len(pins) == expected["cores"] * expected["threads"]
    assert tune.apply()

    # retuned without --isolate/--no-isolate: the record's isolation is kept
    kept = cli_json(cli, "tune", VM, "--dry-run", "--json")
    assert kept["isolate"] is True
    again = VirtFlow.Tune.new(host, conn, VM)
    again.props.keep_isolate = True
    assert again.plan() and again.get_plan_isolate()
    off = VirtFlow.Tune.new(host, conn, VM)
    assert off.plan() and not off.get_plan_isolate(), "isolate FALSE without keep-isolate"


def test_host_helper_and_state_dir(demo, tmp_path):
    host, conn = demo
    assert host.get_helper() is None, "the demo makes its own changes"
    state = tmp_path / "state"
    host.set_state_dir(str(state))
    flow = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, None)
    assert flow.run(None)
    assert (state / "devices" / "0000:01:00.0.conf").exists()


def test_doctor_libvirt_check_failed_or_skipped_as_cli(demo, cli, tmp_path):
    host, conn = demo
    doctor = VirtFlow.Doctor.new()
    doctor.check_libvirt(conn)
    assert doctor.dup_check("libvirt").status == VirtFlow.CheckStatus.PASS

    # a captured tree without --connect: skipped, with the CLI's reason
    out = subprocess.run([cli, "--host-root", host.props.root, "doctor", "--json"],
                         capture_output=True, text=True)
    cli_check = [c for c in json.loads(out.stdout)["checks"] if c["id"] == "libvirt"][0]
    skipped = VirtFlow.Doctor.new()
    skipped.check_libvirt_skipped(cli_check["detail"])
    check = skipped.dup_check("libvirt")
    assert (check.status.value_nick, check.detail) == (cli_check["status"], cli_check["detail"])

    # a connection that failed: the check fails with its message
    with pytest.raises(GLib.Error) as failed:
        VirtFlow.Connection.new("test:///" + str(tmp_path / "nothing.xml"))
    broken = VirtFlow.Doctor.new()
    broken.check_libvirt_failed(failed.value)
    check = broken.dup_check("libvirt")
    assert check.status == VirtFlow.CheckStatus.FAIL
    assert failed.value.message in check.detail
