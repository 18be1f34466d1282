#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Give a VM the GPU and take it back, from Python, through VirtFlow's GObject API.

The guide's snippet, with VirtFlow:

    manager = LibvirtManager()                  ->  VirtFlow.Connection
    configurator = VMGPUConfigurator(manager)   ->  VirtFlow.Flow (activate, deactivate)
    detector = GPUDetector()                    ->  VirtFlow.Host
    gpu = detector.get_passthrough_gpus()[0]
    configurator.disable_gpu_passthrough("YourVMName", gpu)

It runs against the demo out of the box (a simulated desktop and libvirt's test driver
with a "Windows 11" VM: nothing real is touched). --live uses this machine and
qemu:///system instead (as root, or through virtflow-helper).

    virtflow-example.py [--live] [VM]

From a build tree:
    GI_TYPELIB_PATH=BUILD/src/lib/gobject LD_LIBRARY_PATH=BUILD/src/lib/gobject:BUILD/src/lib \
        python3 examples/virtflow-example.py
"""
import sys

import gi

gi.require_version("VirtFlow", "1.0")
from gi.repository import GLib, VirtFlow  # noqa: E402


def print_step(flow, step, fraction):
    """A progress line per step, when it ends (as `virtflow activate` prints them)."""
    if step.state == VirtFlow.StepState.RUNNING:
        return
    detail = f": {step.detail}" if step.detail else ""
    print(f"  [{fraction * 100:3.0f}%] {step.state.value_nick}: {step.title}{detail}")


def run_async(flow):
    """Runs @flow on a worker thread while this thread's main loop goes on."""
    loop = GLib.MainLoop()
    outcome = {}

    def done(flow, result):
        try:
            outcome["ok"] = flow.run_finish(result)
        except GLib.Error as error:
            outcome["error"] = error
        loop.quit()

    flow.run_async(None, done)
    loop.run()
    if "error" in outcome:
        raise outcome["error"]


def main(argv):
    live = "--live" in argv
    args = [a for a in argv[1:] if a != "--live"]
    vm = args[0] if args else "Windows 11"

    # detector = GPUDetector(); manager = LibvirtManager()
    if live:
        detector = VirtFlow.Host.new("/")
        manager = VirtFlow.Connection.new(None)
    else:
        detector = VirtFlow.Host.new_demo(None)
        manager = VirtFlow.Connection.new_demo(detector)
        print(f"DEMO: a simulated machine under {detector.props.root}; nothing real is touched.")

    print("GPUs:")
    for gpu in detector.list_gpus():
        print(f"  {gpu.props.address}  {gpu.props.vendor} {gpu.props.name}  "
              f"driver={gpu.props.driver or 'none'}  group={gpu.props.iommu_group}  "
              f"{gpu.props.verdict}")
        for blocker in gpu.get_blockers():
            print(f"      [{blocker.code}] {blocker.message}")

    passthrough = detector.get_passthrough_gpus()
    if not passthrough:
        print("No GPU can be handed to a VM now (see the blockers above).", file=sys.stderr)
        return 4
    gpu = passthrough[0]

    # configurator.enable_gpu_passthrough(vm, gpu): planned first, nothing changes
    configurator = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, detector, manager, vm,
                                     gpu.props.address)
    configurator.plan()
    print(f"\nPlan: activate GPU {configurator.props.gpu} for VM '{vm}', moving "
          f"{', '.join(configurator.dup_devices())}:")
    for i, step in enumerate(configurator.dup_steps(), 1):
        print(f"  {i}. {step.title}")
    for write in configurator.dup_writes():
        print(f"     echo {write.value.strip() or ''} > {write.path}")

    print(f"\nActivating GPU passthrough for VM '{vm}':")
    configurator.connect("step-changed", print_step)
    run_async(configurator)
    for note in configurator.dup_notes():
        print(f"  note: {note}")
    for v in manager.list_vms():
        print(f"  VM '{v.props.name}': {v.props.state_name}, GPU {v.props.gpu or 'none'}")

    # configurator.disable_gpu_passthrough(vm, gpu)
    print(f"\nDeactivating GPU passthrough for VM '{vm}':")
    deactivate = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, detector, manager, vm, None)
    deactivate.connect("step-changed", print_step)
    deactivate.run(None)
    gpu = detector.find_gpu(gpu.props.address)
    print(f"  GPU {gpu.props.address} is back on {gpu.props.driver}: {gpu.props.verdict}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except GLib.Error as error:
        print(f"virtflow-example: error: {error.message}", file=sys.stderr)
        sys.exit(1)
