#!/usr/bin/env gjs
// SPDX-License-Identifier: GPL-2.0-or-later
// VirtFlow from GJS: list the GPUs with their verdicts, activate the first eligible one for
// a VM (on a worker thread, a line per step), deactivate. Against the demo:
//   GI_TYPELIB_PATH=BUILD/src/lib/gobject LD_LIBRARY_PATH=BUILD/src/lib/gobject:BUILD/src/lib \
//       gjs examples/virtflow-example.js ["Windows 11"]
imports.gi.versions.VirtFlow = '1.0';
const {GLib, VirtFlow} = imports.gi;

const vm = ARGV[0] || 'Windows 11';
const host = VirtFlow.Host.new_demo(null);
const conn = VirtFlow.Connection.new_demo(host);

for (const gpu of host.list_gpus())
    print(`${gpu.address}  ${gpu.name}  ${gpu.verdict}`);

const gpu = host.get_passthrough_gpus()[0];
const onStep = (flow, step, fraction) => {
    if (step.state !== VirtFlow.StepState.RUNNING)
        print(`  [${Math.round(fraction * 100)}%] ${step.title}${step.detail ? `: ${step.detail}` : ''}`);
};

const activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, vm, gpu.address);
activate.plan();
print(`Plan: ${activate.dup_steps().map(s => s.title).join(', ')}`);
activate.connect('step-changed', onStep);

const loop = new GLib.MainLoop(null, false);
let failure = null;
activate.run_async(null, (flow, result) => {
    try {
        flow.run_finish(result);
    } catch (e) {
        failure = e;
    }
    loop.quit();
});
loop.run();
if (failure)
    throw failure;

const deactivate = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, vm, null);
deactivate.connect('step-changed', onStep);
deactivate.run(null);
print(`GPU ${gpu.address} is back on ${host.find_gpu(gpu.address).driver}`);
