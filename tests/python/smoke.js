// SPDX-License-Identifier: GPL-2.0-or-later
// The GJS smoke test of the GObject API on the demo ($VIRTFLOW_DEMO_ROOT): GPUs and
// verdicts, a plan, Activate on a worker thread with its signals in this thread's main
// loop while a timeout ticks, Deactivate, an error's domain and code. TAP output.
imports.gi.versions.VirtFlow = '1.0';
const {GLib, VirtFlow} = imports.gi;

let n = 0;
let failed = 0;
function ok(cond, what) {
    n++;
    if (!cond)
        failed++;
    print(`${cond ? "ok" : "not ok"} ${n} - ${what.replace(/\n/g, " ")}`);
}

const VM = 'Windows 11';
const host = VirtFlow.Host.new_demo(null);
const conn = VirtFlow.Connection.new_demo(host);

const gpus = host.list_gpus();
ok(gpus.map(g => g.address).join(' ') === '0000:01:00.0 0000:0e:00.0', 'two GPUs');
ok(gpus[1].verdict === 'blocked: boot-vga display-active', `iGPU verdict: ${gpus[1].verdict}`);
ok(gpus[1].get_blockers()[0].code === 'boot-vga', 'iGPU blocker is boot-vga');
ok(gpus[0].eligible && gpus[0].verdict === 'ready', 'dGPU is ready');
const gpu = host.get_passthrough_gpus()[0];
ok(gpu.address === '0000:01:00.0', 'the passthrough GPU is the dGPU');

// the host commands' side: the report, a planned bind, nothing to recover
const report = host.get_report();
ok(report.iommu_enabled && report.get_gpus().length === 2 &&
    report.get_vfio_modules().map(m => m.name).join(' ') === 'vfio vfio_iommu_type1 vfio_pci',
`the host report: IOMMU ${report.iommu_verdict}`);
const bind = host.plan_bind('0000:01:00.0');
ok(bind.kind === VirtFlow.TransitionKind.BIND && bind.dup_writes().length > 0 &&
    bind.dup_devices()[0].host_driver === 'nvidia', 'a planned bind: its devices and writes');
ok(host.plan_recover() === null, 'nothing to recover');

const activate = VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, gpu.address);
activate.plan();
const planned = activate.dup_steps().map(s => s.id);
ok(planned.length === 6 && planned[3] === 'bind-gpu', `plan: ${planned.join(' ')}`);

const ended = [];
activate.connect('step-changed', (flow, step) => {
    if (step.state !== VirtFlow.StepState.RUNNING)
        ended.push(step.id);
});
const loop = new GLib.MainLoop(null, false);
let ticks = 0;
let ticksAtEnd = -1;
const tick = GLib.timeout_add(GLib.PRIORITY_DEFAULT, 1, () => {
    ticks++;
    return GLib.SOURCE_CONTINUE;
});
let error = null;
activate.run_async(null, (flow, result) => {
    try {
        flow.run_finish(result);
    } catch (e) {
        error = e;
    }
    ticksAtEnd = ticks;
    loop.quit();
});
loop.run();
GLib.source_remove(tick);
ok(error === null, `activate succeeded${error ? `: ${error}` : ''}`);
ok(ended.join(' ') === planned.join(' '), 'a step-changed per step, in order');
ok(ticksAtEnd > 0, `the main loop ran during the flow (${ticksAtEnd} ticks)`);
ok(conn.lookup_vm(VM).gpu === gpu.address, 'the VM has the GPU');

const deactivate = VirtFlow.Flow.new(VirtFlow.FlowKind.DEACTIVATE, host, conn, VM, null);
ok(deactivate.run(null), 'deactivate succeeded');
ok(host.find_gpu(gpu.address).driver === 'nvidia', 'the GPU is back on nvidia');

try {
    VirtFlow.Flow.new(VirtFlow.FlowKind.ACTIVATE, host, conn, VM, '0000:0e:00.0').run(null);
    ok(false, 'the boot display is refused');
} catch (e) {
    ok(e.matches(VirtFlow.error_quark(), VirtFlow.Error.BOOT_VGA),
        `the boot display is refused with VIRTFLOW_ERROR_BOOT_VGA (${e.message})`);
}

print(`1..${n}`);
if (failed)
    imports.system.exit(1);
