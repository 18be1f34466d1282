/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "flows/vf-passthrough.h"
#include "flows/vf-passthrough-private.h"

#include "domain/vf-domain-xml.h"
#include "host/vf-drivers.h"
#include "host/vf-drm.h"
#include "host/vf-input.h"
#include "core/vf-error.h"
#include "setup/vf-setup.h"
#include "tune/vf-tune-run.h"
#include "tune/vf-tune-runtime.h"

#include <string.h>
#include <unistd.h>

#define VF_DEFAULT_STOP_TIMEOUT_S 120
#define VF_SHUTDOWN_REPEAT_MS     10000 /* a shutdown request is repeated this often */
#define VF_HOOK_WAIT_MS           5000

static const char *const vf_step_state_names[] = {
    [VF_STEP_WAITING] = "waiting", [VF_STEP_RUNNING] = "running", [VF_STEP_DONE] = "done",
    [VF_STEP_FAILED] = "failed",   [VF_STEP_SKIPPED] = "skipped",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_step_state_names) == VF_STEP_LAST);

const char *
vf_step_state_to_string(VfStepState state)
{
    return state < VF_STEP_LAST ? vf_step_state_names[state] : "unknown";
}

static void
vf_step_free(VfStep *step)
{
    if (step == NULL)
        return;
    g_free(step->detail);
    g_free(step);
}

void
vf_flow_free(VfFlow *flow)
{
    if (flow == NULL)
        return;
    g_free(flow->vm);
    g_free(flow->gpu);
    g_ptr_array_unref(flow->devices);
    g_ptr_array_unref(flow->steps);
    g_ptr_array_unref(flow->writes);
    g_ptr_array_unref(flow->warnings);
    g_free(flow->domain_xml);
    vf_profile_free(flow->profile);
    g_ptr_array_unref(flow->notes);
    g_free(flow);
}

typedef struct {
    const char *id;
    const char *title;
} VfStepDef;

static const VfStepDef vf_activate_steps[] = {
    {"check-host", "Check the host and the GPU"},
    {"check-guest", "Check the guest agent and VirtIO drivers"},
    {"stop-vm", "Stop the VM"},
    {"bind-gpu", "Bind the GPU to vfio-pci"},
    {"rewrite-vm", "Rewrite the VM for the GPU"},
    {"define-vm", "Save the VM definition"},
};

static const VfStepDef vf_deactivate_steps[] = {
    {"stop-vm", "Stop the VM"},
    {"rewrite-vm", "Put back the virtual display"},
    {"define-vm", "Save the VM definition"},
    {"restore-gpu", "Return the GPU to the host"},
};

static const VfStepDef vf_start_steps[] = {
    {"check-host", "Check the host and the GPU"},
    {"bind-gpu", "Bind the GPU to vfio-pci"},
    {"start-vm", "Start the VM"},
};

static const VfStepDef vf_stop_steps[] = {
    {"stop-vm", "Shut the VM down"},
    {"return-gpu", "Return the GPU to the host"},
};

static VfFlow *
vf_flow_new(VfFlowKind kind, const char *vm, const VfStepDef *defs, guint n)
{
    VfFlow *flow = g_new0(VfFlow, 1);

    flow->kind = kind;
    flow->vm = g_strdup(vm);
    flow->devices = g_ptr_array_new_with_free_func(g_free);
    flow->steps = g_ptr_array_new_with_free_func((GDestroyNotify)vf_step_free);
    flow->writes = g_ptr_array_new_with_free_func((GDestroyNotify)vf_sysfs_write_free);
    flow->warnings = g_ptr_array_new_with_free_func(g_free);
    flow->notes = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++) {
        VfStep *step = g_new0(VfStep, 1);

        step->id = defs[i].id;
        step->title = defs[i].title;
        g_ptr_array_add(flow->steps, step);
    }
    return flow;
}

VfFlow *
vf_flow_new_outline(VfFlowKind kind, const char *vm)
{
    switch (kind) {
    case VF_FLOW_ACTIVATE:
        return vf_flow_new(kind, vm, vf_activate_steps, G_N_ELEMENTS(vf_activate_steps));
    case VF_FLOW_DEACTIVATE:
        return vf_flow_new(kind, vm, vf_deactivate_steps, G_N_ELEMENTS(vf_deactivate_steps));
    case VF_FLOW_START:
        return vf_flow_new(kind, vm, vf_start_steps, G_N_ELEMENTS(vf_start_steps));
    default:
        return vf_flow_new(VF_FLOW_STOP, vm, vf_stop_steps, G_N_ELEMENTS(vf_stop_steps));
    }
}

/* ---- running steps ---- */

typedef struct {
    VfFlow *flow;
    const VfFlowOptions *options;
} VfRun;

static VfStep *
vf_run_step(VfRun *run, const char *id)
{
    for (guint i = 0; i < run->flow->steps->len; i++) {
        VfStep *step = run->flow->steps->pdata[i];

        if (g_str_equal(step->id, id))
            return step;
    }
    g_assert_not_reached();
}

/* Test hook (vf-passthrough-private.h): how long each step that ended done waits. */
static guint vf_flow_step_delay_ms;

static void
vf_run_emit(VfRun *run, const VfStep *step)
{
    guint finished = 0;

    if (run->options == NULL || run->options->progress == NULL)
        return;
    for (guint i = 0; i < run->flow->steps->len; i++) {
        VfStepState s = ((VfStep *)run->flow->steps->pdata[i])->state;

        if (s == VF_STEP_DONE || s == VF_STEP_SKIPPED || s == VF_STEP_FAILED)
            finished++;
    }
    run->options->progress(step, (double)finished / run->flow->steps->len, run->options->user_data);
    if (step->state == VF_STEP_DONE && g_atomic_int_get(&vf_flow_step_delay_ms))
        g_usleep(1000 * (gulong)g_atomic_int_get(&vf_flow_step_delay_ms));
}

static void vf_run_set(VfRun *run, const char *id, VfStepState state, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

static void
vf_run_set(VfRun *run, const char *id, VfStepState state, const char *format, ...)
{
    VfStep *step = vf_run_step(run, id);
    va_list ap;

    step->state = state;
    if (format) {
        g_free(step->detail);
        va_start(ap, format);
        step->detail = g_strdup_vprintf(format, ap);
        va_end(ap);
    }
    vf_run_emit(run, step);
}

/* Every step still waiting is skipped (a flow that found nothing to do). */
static void
vf_run_skip_rest(VfRun *run, const char *why)
{
    for (guint i = 0; i < run->flow->steps->len; i++) {
        VfStep *step = run->flow->steps->pdata[i];

        if (step->state == VF_STEP_WAITING)
            vf_run_set(run, step->id, VF_STEP_SKIPPED, "%s", why);
    }
}

static void vf_run_warn(VfRun *run, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
vf_run_warn(VfRun *run, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    g_ptr_array_add(run->flow->warnings, g_strdup_vprintf(format, ap));
    va_end(ap);
}

/* A GPU that did not come back to the host after its last VM (host/vf-drivers.h). */
static void
vf_run_warn_not_back(VfRun *run, VfHost *host, const char *gpu)
{
    g_autofree char *warning = vf_host_dup_return_warning(host, gpu);

    if (warning)
        vf_run_warn(run, "%s", warning);
}

static guint
vf_options_stop_timeout_ms(const VfFlowOptions *options)
{
    guint s =
        options && options->stop_timeout_s ? options->stop_timeout_s : VF_DEFAULT_STOP_TIMEOUT_S;

    return s * 1000;
}

/* ---- pieces ---- */

/* The fix of the first GPU that is not the host's own display (else of the first GPU). */
static const char *
vf_first_blocker_fix(VfHostReport *report)
{
    const char *fix = "See what blocks each GPU on the Host page or with 'virtflow doctor'";
    gboolean boot = TRUE;

    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *g = report->gpus->pdata[i];
        const VfBlocker *b = g->blockers->len ? g->blockers->pdata[0] : NULL;

        if (b && b->fix && (boot || b->kind != VF_BLOCKER_BOOT_VGA)) {
            fix = b->fix;
            boot = b->kind == VF_BLOCKER_BOOT_VGA;
        }
    }
    return fix;
}

static VfGpu *
vf_pick_gpu(VfHostReport *report, const char *gpu, GError **error)
{
    g_autoptr(GPtrArray) candidates = g_ptr_array_new();
    g_autoptr(GString) why = g_string_new(NULL);

    if (gpu)
        return vf_host_report_find_gpu(report, gpu, error);
    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *g = report->gpus->pdata[i];

        if (vf_gpu_is_eligible(g) || g->on_vfio)
            g_ptr_array_add(candidates, g);
        else
            g_string_append_printf(
                why, "\n  %s: [%s] %s", g->device->address,
                vf_blocker_kind_to_string(((VfBlocker *)g->blockers->pdata[0])->kind),
                ((VfBlocker *)g->blockers->pdata[0])->message);
    }
    if (candidates->len == 1)
        return candidates->pdata[0];
    if (candidates->len > 1) {
        g_autoptr(GString) list = g_string_new(NULL);

        for (guint i = 0; i < candidates->len; i++)
            g_string_append_printf(list, "%s%s", i ? ", " : "",
                                   ((VfGpu *)candidates->pdata[i])->device->address);
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Several GPUs can be passed through (%s): choose one with --gpu", list->str);
        return NULL;
    }
    if (report->gpus->len == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "No GPU (PCI display controller) on this host: %s", report->iommu->verdict);
        vf_error_add_fix(error, "A second GPU is needed: the host keeps one for its own "
                                "display");
        return NULL;
    }
    g_set_error(error, VF_ERROR,
                report->iommu->enabled ? VF_ERROR_DEVICE_IN_USE : VF_ERROR_NO_IOMMU,
                "No GPU of this host can be passed through:%s", why->str);
    if (!report->iommu->enabled && report->iommu->fix)
        vf_error_add_fix(error, "%s", report->iommu->fix);
    else
        vf_error_add_fix(error, "%s", vf_first_blocker_fix(report));
    return NULL;
}

/* The passthrough set with each device's host driver (from VirtFlow's record when the
 * device already sits on vfio-pci). */
static GPtrArray *
vf_gpu_dup_devices(VfHost *host, const VfGpu *gpu)
{
    GPtrArray *devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);

    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *dev = gpu->passthrough->pdata[i];
        g_autoptr(VfDeviceOrigin) record = NULL;
        const char *driver = dev->driver;

        if (g_strcmp0(driver, "vfio-pci") == 0) {
            record = vf_device_origin_load(host, dev->address);
            driver = record ? record->host_driver : NULL;
        }
        g_ptr_array_add(devices, vf_passthrough_device_new(dev->address, driver));
    }
    return devices;
}

static void
vf_flow_set_devices(VfFlow *flow, const char *gpu, GPtrArray *devices)
{
    g_free(flow->gpu);
    flow->gpu = g_strdup(gpu);
    g_ptr_array_set_size(flow->devices, 0);
    for (guint i = 0; i < devices->len; i++)
        g_ptr_array_add(flow->devices,
                        g_strdup(((VfPassthroughDevice *)devices->pdata[i])->address));
}

static void
vf_flow_take_writes(VfFlow *flow, VfTransition *t)
{
    g_autoptr(GPtrArray) writes = vf_transition_dup_writes(t);

    for (guint i = 0; i < writes->len; i++)
        g_ptr_array_add(flow->writes, g_steal_pointer(&writes->pdata[i]));
}

static const char *const vf_virtio_ids[] = {
    /* VirtIO storage (blk, scsi) and network, legacy and modern PCI device ids */
    "1001", "1042", "1004", "1048", "1000", "1041",
};

gboolean
vf_guest_devices_have_virtio_input(const char *devices)
{
    /* the driver of virtio-win's input device: its service name or its description, as
     * guest-get-devices reports them ("driver-name") */
    static const char *const names[] = {"vioinput", "VirtIO Input Driver"};
    g_autofree char *folded = devices ? g_utf8_casefold(devices, -1) : NULL;

    for (guint i = 0; folded && i < G_N_ELEMENTS(names); i++) {
        g_autofree char *name = g_utf8_casefold(names[i], -1);

        if (strstr(folded, name))
            return TRUE;
    }
    return FALSE;
}

/* The guest must stay reachable once its virtual display is gone: the agent answers and,
 * for Windows, the VirtIO storage and network drivers are installed. @ret_virtio_input
 * tells whether it has VirtIO input drivers (a Linux guest has them in its kernel). */
static gboolean
vf_check_guest(VfDomain *dom, char **ret_detail, gboolean *ret_virtio_input, GError **error)
{
    g_autofree char *ping = vf_domain_agent_command(dom, "{\"execute\":\"guest-ping\"}", 10, error);
    g_autofree char *osinfo = NULL;
    g_autofree char *devices = NULL;
    gboolean storage = FALSE, network = FALSE;

    if (ping == NULL) {
        g_prefix_error(error, "The guest cannot be checked: ");
        if (error && *error && vf_error_get_fix(*error) == NULL)
            vf_error_add_fix(error, "%s", VF_FIX_GUEST_AGENT);
        return FALSE;
    }
    osinfo = vf_domain_agent_command(dom, "{\"execute\":\"guest-get-osinfo\"}", 10, NULL);
    if (osinfo == NULL || strstr(osinfo, "\"mswindows\"") == NULL) {
        *ret_detail = g_strdup("the guest agent answers (not a Windows guest: VirtIO drivers "
                               "are part of its kernel)");
        *ret_virtio_input = TRUE;
        return TRUE;
    }
    devices = vf_domain_agent_command(dom, "{\"execute\":\"guest-get-devices\"}", 10, error);
    if (devices == NULL) {
        g_prefix_error(error, "Cannot list the guest's drivers: ");
        return FALSE;
    }
    /* guest-get-devices lists each PCI device with the driver Windows bound to it */
    for (guint i = 0; i < G_N_ELEMENTS(vf_virtio_ids); i++) {
        g_autofree char *needle =
            g_strdup_printf("\"device-id\": %d", (int)g_ascii_strtoll(vf_virtio_ids[i], NULL, 16));
        g_autofree char *needle2 =
            g_strdup_printf("\"device-id\":%d", (int)g_ascii_strtoll(vf_virtio_ids[i], NULL, 16));

        if (strstr(devices, needle) || strstr(devices, needle2)) {
            if (i < 4)
                storage = TRUE;
            else
                network = TRUE;
        }
    }
    if (!storage || !network) {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "Windows has no VirtIO %s driver: without the virtual display the VM "
                    "could become unreachable; install the virtio-win guest tools first (or "
                    "use --force)",
                    !storage ? "storage" : "network");
        vf_error_add_fix(
            error, "Install the virtio-win guest tools in Windows (virtio-win-guest-tools.exe "
                   "on the virtio-win ISO), then try again; or activate anyway if you can "
                   "reach the guest another way");
        return FALSE;
    }
    *ret_virtio_input = vf_guest_devices_have_virtio_input(devices);
    *ret_detail =
        g_strdup(*ret_virtio_input ? "the guest agent answers; VirtIO storage, network and input "
                                     "drivers are in"
                                   : "the guest agent answers; VirtIO storage and network drivers "
                                     "are in");
    return TRUE;
}

typedef struct {
    VfWaitFunc tick;
    gpointer user_data;
    guint waited_ms; /* before this slice */
    guint total_ms;
} VfStopTick;

static void
vf_stop_tick(guint elapsed_ms, guint total_ms, gpointer user_data)
{
    VfStopTick *t = user_data;

    if (t->tick)
        t->tick(t->waited_ms + elapsed_ms, t->total_ms, t->user_data);
}

/*
 * Asks the guest to shut down and waits for libvirt's STOPPED event. The request is
 * repeated every VF_SHUTDOWN_REPEAT_MS: a press of the power button while the guest is
 * still booting (or Windows sits at a screen that drops it) is lost, and one lost press
 * must not mean a VM that keeps its GPU until the timeout.
 */
static gboolean
vf_stop_domain(VfRun *run, VfDomain *dom, gboolean force, GError **error)
{
    guint total_ms = vf_options_stop_timeout_ms(run->options);
    VfStopTick tick = {
        .tick = run->options ? run->options->wait_tick : NULL,
        .user_data = run->options ? run->options->user_data : NULL,
        .total_ms = total_ms,
    };

    if (force)
        return vf_domain_destroy(dom, error);
    if (!vf_domain_shutdown(dom, error))
        return FALSE;
    for (;;) {
        g_autoptr(GError) local = NULL;
        guint slice = MIN(VF_SHUTDOWN_REPEAT_MS, total_ms - tick.waited_ms);

        if (vf_domain_wait_stopped(dom, slice, vf_stop_tick, &tick, &local))
            return TRUE;
        if (!g_error_matches(local, VF_ERROR, VF_ERROR_TIMEOUT)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        tick.waited_ms += slice;
        if (tick.waited_ms >= total_ms)
            break;
        g_debug("stop: VM '%s' still running after %u ms: asking again", vf_domain_get_name(dom),
                tick.waited_ms);
        /* it may have stopped just now: the next wait sees that */
        vf_domain_shutdown(dom, NULL);
    }
    g_set_error(error, VF_ERROR, VF_ERROR_TIMEOUT,
                "VM '%s' did not shut down within %u s although asked %u times (use --force "
                "to switch it off)",
                vf_domain_get_name(dom), total_ms / 1000,
                1 + (total_ms - 1) / VF_SHUTDOWN_REPEAT_MS);
    vf_error_add_fix(error, "Shut the guest down from inside, or force it off (unsaved work in "
                            "the guest is lost)");
    return FALSE;
}

/* The GPU's set back to the host, and first (in reverse of the bind) the USB controller's
 * set of `--input usb-controller:BDF` when @usb is not NULL. Both are tried; the first error
 * is returned. */
/* The GPU's set back to its host drivers, and first the USB controller's (@usb, may be
 * NULL). What the restore leaves where it is (a function VirtFlow did not move) becomes a
 * warning of @run when given, so the user learns it from the flow, not from doctor. */
static gboolean
vf_restore_gpu(VfHost *host, const char *gpu, const char *usb, VfRun *run, GError **error)
{
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GError) usb_error = NULL;

    if (usb) {
        g_autoptr(VfTransition) tu = vf_transition_new_restore_usb(host, usb, NULL, &usb_error);

        if (tu && !vf_transition_apply(tu, &usb_error))
            g_prefix_error(&usb_error, "USB controller %s: ", usb);
    }
    report = vf_host_report_new(host, error);
    if (report == NULL)
        return FALSE;
    t = vf_transition_new_restore(host, report, gpu, error);
    if (t == NULL || !vf_transition_apply(t, error))
        return FALSE;
    for (guint i = 0; run && i < vf_transition_get_left(t)->len; i++)
        vf_run_warn(run, "GPU %s: %s", gpu, (const char *)vf_transition_get_left(t)->pdata[i]);
    if (usb_error) {
        g_propagate_error(error, g_steal_pointer(&usb_error));
        return FALSE;
    }
    return TRUE;
}

/* The GPU's set to vfio-pci, then the USB controller's (@usb, may be NULL); a USB
 * controller that fails puts the GPU back when this bind moved it. */
static gboolean
vf_bind_gpu(VfHost *host, const char *gpu, const char *usb, gboolean *ret_changed, GError **error)
{
    g_autoptr(VfHostReport) report = vf_host_report_new(host, error);
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(VfTransition) tu = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GPtrArray) usb_writes = NULL;

    if (report == NULL)
        return FALSE;
    t = vf_transition_new_bind(host, report, gpu, error);
    if (t == NULL)
        return FALSE;
    writes = vf_transition_dup_writes(t);
    /* a failed transition has undone itself: only a successful one is ours to undo */
    if (!vf_transition_apply(t, error))
        return FALSE;
    if (usb) {
        if ((tu = vf_transition_new_bind_usb(host, usb, error)) != NULL)
            usb_writes = vf_transition_dup_writes(tu);
        if (tu == NULL || !vf_transition_apply(tu, error)) {
            g_prefix_error(error, "USB controller %s: ", usb);
            if (writes->len > 0)
                vf_restore_gpu(host, gpu, NULL, NULL, NULL);
            return FALSE;
        }
    }
    *ret_changed = writes->len > 0 || (usb_writes && usb_writes->len > 0);
    return TRUE;
}

/* The USB controller of @profile (NULL: none, or no profile). */
static const char *
vf_profile_usb(const VfProfile *profile)
{
    return profile ? profile->usb_controller : NULL;
}

/* The USB controller recorded in @dom's profile (--input usb-controller:BDF), or NULL. */
static char *
vf_domain_dup_usb(VfDomain *dom)
{
    g_autofree char *xml = vf_domain_dup_xml(dom, TRUE, NULL);
    g_autoptr(VfProfile) profile = NULL;

    if (xml == NULL || !vf_domain_xml_get_profile(xml, &profile, NULL))
        return NULL;
    return g_strdup(profile->usb_controller);
}

/* The name of another running VM that has @gpu (owned), or NULL. Two VMs may be activated
 * for one GPU; only one can run with it, and the other's stop must not take it away. */
static char *
vf_gpu_dup_running_user(VfConnection *conn, const char *gpu, const char *self)
{
    g_autoptr(GPtrArray) domains = vf_connection_list_domains(conn, NULL);

    for (guint i = 0; domains && i < domains->len; i++) {
        const VfDomainInfo *d = domains->pdata[i];

        if (d->passthrough && g_strcmp0(d->gpu, gpu) == 0 && g_strcmp0(d->name, self) != 0 &&
            vf_domain_state_is_active(d->state))
            return g_strdup(d->name);
    }
    return NULL;
}

/* ---- the profile: how the VM is used, and what the user must know ---- */

static void vf_flow_note(VfFlow *flow, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
vf_flow_note(VfFlow *flow, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    g_ptr_array_add(flow->notes, g_strdup_vprintf(format, ap));
    va_end(ap);
}

static gboolean
vf_profile_has_evdev(const VfProfile *profile)
{
    return profile && profile->evdev && profile->evdev->len > 0;
}

/* Whether the guest's VirtIO input drivers decide something: evdev devices handed over to
 * a monitor-view VM get a VirtIO keyboard and mouse only where the guest has the drivers
 * (Looking Glass adds them in any case, for SPICE, beside the PS/2 ones). */
static gboolean
vf_profile_has_input(const VfProfile *profile)
{
    return vf_profile_has_evdev(profile) && profile->view == VF_VIEW_MONITOR;
}

/* "Press both Ctrl keys to switch the keyboard and mouse between host and VM." */
static void
vf_flow_note_toggle(VfFlow *flow, VfGrabToggle toggle)
{
    g_autofree char *phrase = g_strdup(vf_grab_toggle_describe(toggle));

    if (phrase[0])
        phrase[0] = g_ascii_toupper(phrase[0]);
    vf_flow_note(flow, "%s to switch the keyboard and mouse between host and VM.", phrase);
}

/* Each evdev device of @profile is there and is an evdev device, and none is named twice
 * (by one path twice or by two links to one node: QEMU would grab it twice and fail). */
static gboolean
vf_profile_check_evdev(VfHost *host, const VfProfile *profile, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (guint i = 0; vf_profile_has_evdev(profile) && i < profile->evdev->len; i++) {
        const VfEvdevInput *in = profile->evdev->pdata[i];
        g_autoptr(VfInputDevice) dev = NULL;
        const char *node, *other;

        if (!vf_input_check_evdev(host, in->path, &dev, error))
            return FALSE;
        node = dev && dev->event ? dev->event : in->path;
        if ((other = g_hash_table_lookup(seen, node)) != NULL) {
            if (g_str_equal(other, in->path))
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "Input device '%s' is named twice: name each keyboard and mouse once",
                            in->path);
            else
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "'%s' and '%s' are the same input device (%s): name each keyboard "
                            "and mouse once",
                            other, in->path, node);
            return FALSE;
        }
        g_hash_table_insert(seen, g_strdup(node), g_strdup(in->path));
    }
    return TRUE;
}

/* The profile Activate applies: @requested checked against the host, the Looking Glass
 * resolution chosen when not given. Nothing is changed. */
static VfProfile *
vf_profile_resolve(VfHost *host, VfFlow *flow, const VfProfile *requested, const VfGpu *gpu,
                   GError **error)
{
    g_autoptr(VfProfile) profile = requested ? vf_profile_copy(requested) : vf_profile_new();
    g_autoptr(GError) local = NULL;

    if (!vf_profile_check_evdev(host, profile, &local)) {
        /* named at Activate: a device that is not there is a bad argument (exit 2) */
        g_set_error_literal(error, VF_ERROR,
                            local->domain == VF_ERROR && local->code == VF_ERROR_NOT_FOUND
                                ? VF_ERROR_INVALID_ARGUMENT
                                : local->code,
                            local->message);
        return NULL;
    }
    if (profile->usb_controller) {
        g_autofree char *canon = vf_pci_address_normalize(profile->usb_controller, NULL);

        /* a second IOMMU group beside the GPU's: checked against every keyboard and mouse
         * with a by-id link (which one the user is on is not known) */
        if (!vf_input_check_usb_controller(host, profile->usb_controller, NULL, error))
            return NULL;
        g_free(profile->usb_controller);
        profile->usb_controller = g_steal_pointer(&canon);
    }
    if (profile->view == VF_VIEW_LOOKING_GLASS) {
        if (profile->lg_width == 0 && profile->lg_height == 0 &&
            !vf_drm_get_largest_mode(host, gpu->device->address, &profile->lg_width,
                                     &profile->lg_height)) {
            profile->lg_width = 1920;
            profile->lg_height = 1080;
            vf_flow_note(flow, "No screen of the host tells its modes: Looking Glass is sized for "
                               "1920x1080 (--lg-resolution WxH chooses another).");
        }
        if (vf_profile_lg_size_mib(profile->lg_width, profile->lg_height) == 0) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The Looking Glass resolution %ux%u is out of range: each side must be "
                        "1 to %d pixels",
                        profile->lg_width, profile->lg_height, VF_LG_MAX_DIMENSION);
            return NULL;
        }
    }
    return g_steal_pointer(&profile);
}

/* What the user must know after Activate: where the picture and the sound go, how the
 * keyboard and mouse come back. The connectors are read before the GPU moves (on
 * vfio-pci it has none to show). */
static void
vf_flow_note_profile(VfFlow *flow, VfHost *host, const VfGpu *gpu)
{
    const VfProfile *p = flow->profile;
    gboolean audio = FALSE;

    for (guint i = 0; i < gpu->passthrough->len; i++)
        if ((((const VfPciDevice *)gpu->passthrough->pdata[i])->class_code >> 8) == 0x0403)
            audio = TRUE;
    if (p->view == VF_VIEW_MONITOR) {
        g_autoptr(GPtrArray) connectors = vf_drm_list_connectors(host, gpu->device->address);

        if (connectors->len > 0) {
            g_autofree char *list = NULL;

            g_ptr_array_add(connectors, NULL);
            list = g_strjoinv(", ", (char **)connectors->pdata);
            vf_flow_note(flow, "The VM's screen is the monitor on the GPU's outputs (%s).", list);
        } else {
            vf_flow_note(flow, "The VM's screen is the monitor plugged into the GPU's outputs.");
        }
        if (audio)
            vf_flow_note(flow, "Sound comes out of that monitor (the GPU's HDMI/DP audio moves "
                               "with it).");
    } else {
        vf_flow_note(flow,
                     "The VM's screen is a window on the host: open it with looking-glass-client "
                     "on the host once the VM runs (%ux%u, %u MiB of shared memory).",
                     p->lg_width, p->lg_height, vf_profile_lg_size_mib(p->lg_width, p->lg_height));
        vf_flow_note(flow, "Sound plays on the host, through SPICE.");
        /* the client needs the shared memory file to be its user's (setup's tmpfiles rule) */
        {
            g_autofree char *user = vf_setup_dup_looking_glass_user(host);

            if (user == NULL)
                vf_flow_note(flow, "The shared memory " VF_SETUP_LG_SHM " is not set up for the "
                                   "desktop user yet: run 'sudo virtflow setup' once ('virtflow "
                                   "doctor' checks it).");
        }
    }
    if (vf_profile_has_evdev(p)) {
        g_autoptr(GString) list = g_string_new(NULL);

        for (guint i = 0; i < p->evdev->len; i++) {
            const VfEvdevInput *in = p->evdev->pdata[i];

            g_string_append_printf(list, "%s%s %s", i ? ", " : "",
                                   vf_input_kind_to_string(in->kind), in->path);
        }
        vf_flow_note(flow, "The host's keyboard and mouse go to the VM while it runs (%s).",
                     list->str);
        vf_flow_note_toggle(flow, p->grab_toggle);
    } else if (p->usb_controller) {
        vf_flow_note(flow,
                     "USB controller %s is the VM's while it runs: plug the VM's keyboard and "
                     "mouse into its ports, and keep the host's on another controller.",
                     p->usb_controller);
    } else if (p->view == VF_VIEW_MONITOR) {
        vf_flow_note(flow,
                     "No keyboard or mouse of the host is handed over: without a display the VM "
                     "has no input (run 'virtflow activate \"%s\" --input auto', or pass a USB "
                     "device through).",
                     flow->vm);
    }
}

/* After the guest check: VirtIO keyboard and mouse, or PS/2 and why. @unchecked: why the
 * guest could not be asked ("VM 'X' is off"), NULL when it answered. */
static void
vf_flow_note_virtio_input(VfFlow *flow, const char *unchecked)
{
    if (!vf_profile_has_input(flow->profile))
        return;
    if (flow->profile->virtio_input)
        vf_flow_note(flow,
                     "The VM gets a VirtIO keyboard and mouse (the guest has their drivers).");
    else if (unchecked == NULL)
        vf_flow_note(flow, "The guest has no VirtIO input drivers: it keeps its PS/2 keyboard and "
                           "mouse (the virtio-win guest tools add them).");
    else
        vf_flow_note(flow,
                     "%s: whether it has VirtIO input drivers could not be checked, so it "
                     "keeps its PS/2 keyboard and mouse.",
                     unchecked);
}

/* The same profile, apart from VirtIO input when @a does not ask for it (the guest check
 * decides that): activating again with it changes nothing. */
static gboolean
vf_profile_same(const VfProfile *a, const VfProfile *b)
{
    guint na = vf_profile_has_evdev(a) ? a->evdev->len : 0;
    guint nb = vf_profile_has_evdev(b) ? b->evdev->len : 0;

    if (a->view != b->view || a->grab_toggle != b->grab_toggle || na != nb ||
        g_strcmp0(a->usb_controller, b->usb_controller) != 0 ||
        (a->virtio_input && !b->virtio_input))
        return FALSE;
    if (a->view == VF_VIEW_LOOKING_GLASS &&
        (a->lg_width != b->lg_width || a->lg_height != b->lg_height))
        return FALSE;
    for (guint i = 0; i < na; i++) {
        const VfEvdevInput *x = a->evdev->pdata[i], *y = b->evdev->pdata[i];

        if (x->kind != y->kind || g_strcmp0(x->path, y->path) != 0)
            return FALSE;
    }
    return TRUE;
}

/* The domain XML for the flow's profile (again after the guest check changed it). */
static char *
vf_flow_rewrite_xml(VfFlow *flow, const char *xml, GPtrArray *devices, GError **error)
{
    g_autofree VfPassthroughDevice *flat = g_new0(VfPassthroughDevice, devices->len);

    for (guint i = 0; i < devices->len; i++)
        flat[i] = *(VfPassthroughDevice *)devices->pdata[i];
    return vf_domain_xml_activate_profile(xml, flow->gpu, flat, devices->len, flow->profile, error);
}

/* ---- plans ---- */

static gboolean
vf_flow_fill_activate(VfFlow *flow, VfHost *host, VfConnection *conn, VfDomain *dom,
                      const char *gpu_arg, const VfProfile *profile, GPtrArray **ret_devices,
                      GError **error)
{
    g_autofree char *xml = vf_domain_dup_xml(dom, TRUE, error);
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autofree char *current = NULL;
    g_autoptr(GError) meta_error = NULL;
    VfGpu *gpu;

    if (xml == NULL)
        return FALSE;
    if ((report = vf_host_report_new(host, error)) == NULL)
        return FALSE;
    if ((gpu = vf_pick_gpu(report, gpu_arg, error)) == NULL)
        return FALSE;
    if (vf_domain_xml_get_passthrough(xml, &current, NULL, &meta_error)) {
        if (!g_str_equal(current, gpu->device->address)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "VM '%s' already has GPU %s: deactivate it first", flow->vm, current);
            return FALSE;
        }
    } else if (meta_error) {
        g_propagate_error(error, g_steal_pointer(&meta_error));
        return FALSE;
    }
    if (!gpu->on_vfio && !vf_gpu_check_eligible(gpu, error))
        return FALSE;

    devices = vf_gpu_dup_devices(host, gpu);
    vf_flow_set_devices(flow, gpu->device->address, devices);
    vf_profile_free(flow->profile);
    g_ptr_array_set_size(flow->notes, 0);
    if ((flow->profile = vf_profile_resolve(host, flow, profile, gpu, error)) == NULL)
        return FALSE;
    t = vf_transition_new_bind(host, report, gpu->device->address, error);
    if (t == NULL)
        return FALSE;
    vf_flow_take_writes(flow, t);
    if (flow->profile->usb_controller) {
        /* its set passes through too, each device in its own guest slot */
        g_autoptr(VfTransition) tu =
            vf_transition_new_bind_usb(host, flow->profile->usb_controller, error);
        GPtrArray *origins;

        if (tu == NULL)
            return FALSE;
        origins = vf_transition_get_devices(tu);
        for (guint i = 0; i < origins->len; i++) {
            const VfDeviceOrigin *o = origins->pdata[i];

            g_ptr_array_add(devices, vf_passthrough_device_new(
                                         o->address, g_strcmp0(o->host_driver, "vfio-pci") == 0
                                                         ? NULL
                                                         : o->host_driver));
        }
        vf_flow_set_devices(flow, gpu->device->address, devices);
        vf_flow_take_writes(flow, tu);
    }
    flow->domain_xml = vf_flow_rewrite_xml(flow, xml, devices, error);
    if (flow->domain_xml == NULL)
        return FALSE;
    vf_flow_note_profile(flow, host, gpu);
    if (ret_devices)
        *ret_devices = g_steal_pointer(&devices);
    return TRUE;
}

VfFlow *
vf_flow_plan_activate_profile(VfHost *host, VfConnection *conn, const char *vm, const char *gpu,
                              const VfProfile *profile, GError **error)
{
    g_autoptr(VfFlow) flow =
        vf_flow_new(VF_FLOW_ACTIVATE, vm, vf_activate_steps, G_N_ELEMENTS(vf_activate_steps));
    g_autoptr(VfDomain) dom = vf_connection_lookup_domain(conn, vm, error);
    VfDomainState state;

    if (dom == NULL || !vf_domain_get_state(dom, &state, error) ||
        !vf_flow_fill_activate(flow, host, conn, dom, gpu, profile, NULL, error))
        return NULL;
    /* a plan does not ask the guest agent: a running guest is asked when it is applied */
    if (!vf_domain_state_is_active(state)) {
        g_autofree char *why = g_strdup_printf("VM '%s' is off", vm);

        vf_flow_note_virtio_input(flow, why);
    } else if (vf_profile_has_input(flow->profile) && !flow->profile->virtio_input)
        vf_flow_note(flow, "VirtIO keyboard and mouse are added if the guest agent reports "
                           "VirtIO input drivers when the VM is activated.");
    return g_steal_pointer(&flow);
}

VfFlow *
vf_flow_plan_activate(VfHost *host, VfConnection *conn, const char *vm, const char *gpu,
                      GError **error)
{
    return vf_flow_plan_activate_profile(host, conn, vm, gpu, NULL, error);
}

static gboolean
vf_flow_fill_deactivate(VfFlow *flow, VfHost *host, VfDomain *dom, GError **error)
{
    g_autofree char *usb = vf_domain_dup_usb(dom);
    g_autofree char *xml = vf_domain_dup_xml(dom, TRUE, error);
    g_autoptr(GPtrArray) devices = NULL;
    g_autofree char *gpu = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;

    if (xml == NULL)
        return FALSE;
    if (!vf_domain_xml_get_passthrough(xml, &gpu, &devices, error)) {
        if (error && *error)
            return FALSE;
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' has no GPU passthrough from VirtFlow: nothing to deactivate",
                    flow->vm);
        return FALSE;
    }
    vf_flow_set_devices(flow, gpu, devices);
    flow->domain_xml = vf_domain_xml_deactivate(xml, error);
    if (flow->domain_xml == NULL)
        return FALSE;
    if (usb) {
        g_autoptr(VfTransition) tu = vf_transition_new_restore_usb(host, usb, NULL, NULL);

        if (tu)
            vf_flow_take_writes(flow, tu);
    }
    report = vf_host_report_new(host, NULL);
    if (report)
        t = vf_transition_new_restore(host, report, gpu, NULL);
    if (t)
        vf_flow_take_writes(flow, t);
    return TRUE;
}

VfFlow *
vf_flow_plan_deactivate(VfHost *host, VfConnection *conn, const char *vm, GError **error)
{
    g_autoptr(VfFlow) flow =
        vf_flow_new(VF_FLOW_DEACTIVATE, vm, vf_deactivate_steps, G_N_ELEMENTS(vf_deactivate_steps));
    g_autoptr(VfDomain) dom = vf_connection_lookup_domain(conn, vm, error);

    if (dom == NULL || !vf_flow_fill_deactivate(flow, host, dom, error))
        return NULL;
    return g_steal_pointer(&flow);
}

/* ---- flows ---- */

static gboolean
vf_flow_finish(VfFlow *flow, VfFlow **ret_flow, gboolean ok)
{
    if (ret_flow)
        *ret_flow = flow;
    else
        vf_flow_free(flow);
    return ok;
}

/* Test hook (vf-passthrough-private.h): the step that fails on purpose. */
static char *vf_flow_fault_step;

void
vf_flow_inject_failure(const char *step_id)
{
    g_free(vf_flow_fault_step);
    vf_flow_fault_step = g_strdup(step_id);
}

void
vf_flow_inject_step_delay(guint ms)
{
    g_atomic_int_set(&vf_flow_step_delay_ms, ms);
}

/* Marks @id running; FALSE with an error when a test asked this step to fail. */
static gboolean
vf_run_begin(VfRun *run, const char *id, GError **error)
{
    vf_run_set(run, id, VF_STEP_RUNNING, NULL);
    if (g_strcmp0(vf_flow_fault_step, id) == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED, "Injected failure at step '%s'", id);
        return FALSE;
    }
    return TRUE;
}

/* The start of every flow: one flow at a time on this host (STATE/operation.lock), and the
 * VM. A name that matches no VM is an error of its own, before any step. */
static gboolean
vf_flow_enter(VfHost *host, VfConnection *conn, const char *vm, int *ret_lock, VfDomain **ret_dom,
              GError **error)
{
    int lock = vf_host_lock(host, "operation.lock", error);

    if (lock < 0)
        return FALSE;
    if ((*ret_dom = vf_connection_lookup_domain(conn, vm, error)) == NULL) {
        close(lock);
        return FALSE;
    }
    *ret_lock = lock;
    return TRUE;
}

/* What to do when step @id failed and the failure did not say (vf_run_fail()). */
static const char *
vf_step_fix(const char *id)
{
    static const struct {
        const char *id, *fix;
    } fixes[] = {
        {"check-host", "See what blocks the GPU on the Host page or with 'virtflow doctor'"},
        {"check-guest", VF_FIX_GUEST_AGENT},
        {"stop-vm", "Shut the guest down from inside, or force it off"},
        {"start-vm", "Read the VM's log (/var/log/libvirt/qemu/VM.log) for why QEMU stopped; "
                     "'virtflow doctor VM' checks the usual causes"},
        {"bind-gpu", "Nothing was left half done; 'virtflow doctor' shows what holds the GPU"},
        {"rewrite-vm", "The VM's definition is unchanged; 'virtflow doctor VM' checks its XML"},
        {"define-vm", "The VM's definition is unchanged; 'virtflow doctor VM' checks its XML"},
        {"restore-gpu", "Return the GPU with Restore on the Host page or 'virtflow gpu restore'"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(fixes); i++)
        if (g_str_equal(fixes[i].id, id))
            return fixes[i].fix;
    return "Fix the reason above, then try again";
}

/* Fails @id with @error's message, and gives @error the step's fix when the place that
 * failed did not attach one; returns FALSE for the caller's convenience. */
static gboolean
vf_run_fail(VfRun *run, const char *id, GError *error)
{
    if (error && vf_error_get_fix(error) == NULL)
        vf_error_set_fix(error, "%s", vf_step_fix(id));
    vf_run_set(run, id, VF_STEP_FAILED, "%s", error ? error->message : "failed");
    return FALSE;
}

gboolean
vf_flow_activate(VfHost *host, VfConnection *conn, const char *vm, const char *gpu,
                 const VfFlowOptions *options, VfFlow **ret_flow, GError **error)
{
    VfFlow *flow =
        vf_flow_new(VF_FLOW_ACTIVATE, vm, vf_activate_steps, G_N_ELEMENTS(vf_activate_steps));
    VfRun run = {flow, options};
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *detail = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *current = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(VfProfile) recorded = NULL;
    const VfProfile *requested = options ? options->profile : NULL;
    VfDomainState state;
    gboolean stopped = FALSE, bound = FALSE, guest_virtio = FALSE;
    int lock;

    if (!vf_flow_enter(host, conn, vm, &lock, &dom, error))
        return vf_flow_finish(flow, ret_flow, FALSE);

    if (!vf_run_begin(&run, "check-host", &local))
        goto fail_check;
    if (!vf_domain_get_state(dom, &state, &local) ||
        (xml = vf_domain_dup_xml(dom, TRUE, &local)) == NULL)
        goto fail_check;
    if (vf_domain_xml_get_passthrough(xml, &current, NULL, NULL) &&
        !vf_domain_xml_get_profile(xml, &recorded, &local) && local)
        goto fail_check;
    if (current && gpu == NULL && requested == NULL) {
        /* already active: nothing to do, and say so */
        vf_run_set(&run, "check-host", VF_STEP_DONE, "VM '%s' already has GPU %s", vm, current);
        flow->gpu = g_strdup(current);
        flow->profile = g_steal_pointer(&recorded);
        vf_run_skip_rest(&run, "already active");
        close(lock);
        return vf_flow_finish(flow, ret_flow, TRUE);
    }
    /* active with another profile: the rewrite is redone from the original domain */
    if (!vf_flow_fill_activate(flow, host, conn, dom, gpu ? gpu : current, requested, &devices,
                               &local))
        goto fail_check;
    if (current && g_str_equal(current, flow->gpu) &&
        (requested == NULL || (recorded && vf_profile_same(flow->profile, recorded)))) {
        vf_run_set(&run, "check-host", VF_STEP_DONE, "VM '%s' already has GPU %s", vm, current);
        /* nothing changes: the profile is the recorded one, and there is nothing new to say */
        if (recorded) {
            vf_profile_free(flow->profile);
            flow->profile = g_steal_pointer(&recorded);
        }
        g_ptr_array_set_size(flow->notes, 0);
        vf_run_skip_rest(&run, "already active");
        close(lock);
        return vf_flow_finish(flow, ret_flow, TRUE);
    }
    vf_run_set(&run, "check-host", VF_STEP_DONE, "GPU %s: %u device%s move to vfio-pci", flow->gpu,
               flow->devices->len, flow->devices->len == 1 ? "" : "s");
    vf_run_warn_not_back(&run, host, flow->gpu);

    if (!vf_run_begin(&run, "check-guest", &local)) {
        vf_run_fail(&run, "check-guest", local);
        goto fail;
    }
    if (!vf_domain_state_is_active(state)) {
        g_autofree char *why = g_strdup_printf("VM '%s' is off", vm);

        vf_run_warn(&run,
                    "VM '%s' is off: its guest agent and VirtIO drivers could not be "
                    "checked; without the virtual display, make sure it has both",
                    vm);
        vf_run_set(&run, "check-guest", VF_STEP_SKIPPED, "the VM is off: nothing to ask");
        vf_flow_note_virtio_input(flow, why);
    } else if (!vf_check_guest(dom, &detail, &guest_virtio, &local)) {
        if (!(options && options->force)) {
            vf_run_fail(&run, "check-guest", local);
            goto fail;
        }
        vf_run_warn(&run, "%s (ignored: --force)", local->message);
        vf_run_set(&run, "check-guest", VF_STEP_SKIPPED, "%s (ignored: --force)", local->message);
        g_clear_error(&local);
        vf_flow_note_virtio_input(flow, "The guest did not answer the check");
    } else {
        vf_run_set(&run, "check-guest", VF_STEP_DONE, "%s", detail);
        /* a VirtIO keyboard and mouse only where the guest has their drivers */
        if (guest_virtio && vf_profile_has_input(flow->profile))
            flow->profile->virtio_input = TRUE;
        vf_flow_note_virtio_input(flow, NULL);
    }

    if (!vf_run_begin(&run, "stop-vm", &local)) {
        vf_run_fail(&run, "stop-vm", local);
        goto fail;
    }
    if (vf_domain_state_is_active(state)) {
        if (!vf_stop_domain(&run, dom, FALSE, &local)) {
            vf_run_fail(&run, "stop-vm", local);
            goto fail;
        }
        stopped = TRUE;
        vf_run_set(&run, "stop-vm", VF_STEP_DONE, "VM '%s' is off", vm);
    } else {
        vf_run_set(&run, "stop-vm", VF_STEP_SKIPPED, "already off");
    }

    if (!vf_run_begin(&run, "bind-gpu", &local)) {
        vf_run_fail(&run, "bind-gpu", local);
        goto undo;
    }
    if (!vf_bind_gpu(host, flow->gpu, vf_profile_usb(flow->profile), &bound, &local)) {
        vf_run_fail(&run, "bind-gpu", local);
        goto undo;
    }
    vf_run_set(&run, "bind-gpu", VF_STEP_DONE, "%u device%s on vfio-pci", flow->devices->len,
               flow->devices->len == 1 ? "" : "s");

    /* computed by the check already; again for what the guest check found */
    if (!vf_run_begin(&run, "rewrite-vm", &local)) {
        vf_run_fail(&run, "rewrite-vm", local);
        goto undo;
    }
    g_free(flow->domain_xml);
    if ((flow->domain_xml = vf_flow_rewrite_xml(flow, xml, devices, &local)) == NULL) {
        vf_run_fail(&run, "rewrite-vm", local);
        goto undo;
    }
    {
        guint n_evdev = vf_profile_has_evdev(flow->profile) ? flow->profile->evdev->len : 0;
        g_autofree char *input =
            n_evdev ? g_strdup_printf("; %u evdev input%s", n_evdev, n_evdev == 1 ? "" : "s")
                    : g_strdup("");

        vf_run_set(&run, "rewrite-vm", VF_STEP_DONE, "%s; %u hostdev%s in%s%s",
                   flow->profile->view == VF_VIEW_LOOKING_GLASS
                       ? "SPICE kept without a network address, Looking Glass shared memory in"
                       : "virtual display, audio and SPICE out",
                   flow->devices->len, flow->devices->len == 1 ? "" : "s", input,
                   flow->profile->virtio_input ? "; VirtIO keyboard and mouse" : "");
    }

    if (!vf_run_begin(&run, "define-vm", &local)) {
        vf_run_fail(&run, "define-vm", local);
        goto undo;
    }
    {
        g_autoptr(VfDomain) defined = vf_connection_define_xml(conn, flow->domain_xml, &local);

        if (defined == NULL) {
            vf_run_fail(&run, "define-vm", local);
            goto undo;
        }
    }
    vf_run_set(&run, "define-vm", VF_STEP_DONE, "VM '%s' now has GPU %s", vm, flow->gpu);
    /* activated again without the USB controller it had: that one goes back to the host */
    if (recorded && recorded->usb_controller &&
        g_strcmp0(recorded->usb_controller, flow->profile->usb_controller) != 0) {
        g_autoptr(GError) usb_error = NULL;
        g_autoptr(VfTransition) tu =
            vf_transition_new_restore_usb(host, recorded->usb_controller, NULL, &usb_error);

        if (tu == NULL || !vf_transition_apply(tu, &usb_error))
            vf_run_warn(&run,
                        "USB controller %s, which the VM no longer has, could not be returned "
                        "to the host: %s; run 'virtflow recover' if it says an operation was "
                        "interrupted",
                        recorded->usb_controller, usb_error->message);
    }
    close(lock);
    return vf_flow_finish(flow, ret_flow, TRUE);

undo:
    /* in reverse: the devices back to the host, then the VM back on */
    if (bound) {
        g_autoptr(GError) undo_error = NULL;

        if (!vf_restore_gpu(host, flow->gpu, vf_profile_usb(flow->profile), NULL, &undo_error))
            vf_run_warn(&run,
                        "Undo: the GPU could not be returned to the host: %s; run "
                        "'virtflow gpu restore %s'",
                        undo_error->message, flow->gpu);
        else
            vf_run_warn(&run, "Undo: the GPU%s back on its host drivers",
                        vf_profile_usb(flow->profile) ? " and the USB controller are" : " is");
    }
    if (stopped) {
        g_autoptr(GError) undo_error = NULL;

        if (!vf_domain_start(dom, &undo_error))
            vf_run_warn(&run, "Undo: VM '%s' could not be started again: %s", vm,
                        undo_error->message);
        else
            vf_run_warn(&run, "Undo: VM '%s' was started again", vm);
    }
    goto fail;
fail_check:
    vf_run_fail(&run, "check-host", local);
fail:
    vf_run_skip_rest(&run, "not run: an earlier step failed");
    g_propagate_error(error, g_steal_pointer(&local));
    close(lock);
    return vf_flow_finish(flow, ret_flow, FALSE);
}

gboolean
vf_flow_deactivate(VfHost *host, VfConnection *conn, const char *vm, const VfFlowOptions *options,
                   VfFlow **ret_flow, GError **error)
{
    VfFlow *flow =
        vf_flow_new(VF_FLOW_DEACTIVATE, vm, vf_deactivate_steps, G_N_ELEMENTS(vf_deactivate_steps));
    VfRun run = {flow, options};
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(GError) local = NULL;
    VfDomainState state;
    gboolean stopped = FALSE;
    g_autofree char *user = NULL;
    g_autofree char *usb = NULL;
    int lock;

    if (!vf_flow_enter(host, conn, vm, &lock, &dom, error))
        return vf_flow_finish(flow, ret_flow, FALSE);

    if (!vf_run_begin(&run, "stop-vm", &local)) {
        vf_run_fail(&run, "stop-vm", local);
        goto fail;
    }
    usb = vf_domain_dup_usb(dom);
    if (!vf_domain_get_state(dom, &state, &local) ||
        !vf_flow_fill_deactivate(flow, host, dom, &local)) {
        vf_run_fail(&run, "stop-vm", local);
        goto fail;
    }
    if (vf_domain_state_is_active(state)) {
        if (!vf_stop_domain(&run, dom, options && options->force, &local)) {
            vf_run_fail(&run, "stop-vm", local);
            goto fail;
        }
        stopped = TRUE;
        vf_run_set(&run, "stop-vm", VF_STEP_DONE, "VM '%s' is off", vm);
    } else {
        vf_run_set(&run, "stop-vm", VF_STEP_SKIPPED, "already off");
    }

    if (!vf_run_begin(&run, "rewrite-vm", &local)) {
        vf_run_fail(&run, "rewrite-vm", local);
        goto restart;
    }
    vf_run_set(&run, "rewrite-vm", VF_STEP_DONE, "the removed devices are back; hostdevs out");

    if (!vf_run_begin(&run, "define-vm", &local)) {
        vf_run_fail(&run, "define-vm", local);
        goto restart;
    }
    {
        g_autoptr(VfDomain) defined = vf_connection_define_xml(conn, flow->domain_xml, &local);

        if (defined == NULL) {
            vf_run_fail(&run, "define-vm", local);
            goto restart;
        }
    }
    vf_run_set(&run, "define-vm", VF_STEP_DONE, "VM '%s' is as it was before activation", vm);

    if (vf_run_begin(&run, "restore-gpu", &local) &&
        (user = vf_gpu_dup_running_user(conn, flow->gpu, vm)) != NULL) {
        vf_run_set(&run, "restore-gpu", VF_STEP_SKIPPED,
                   "GPU %s stays on vfio-pci: VM '%s' runs with it", flow->gpu, user);
        close(lock);
        return vf_flow_finish(flow, ret_flow, TRUE);
    }
    if (local || !vf_restore_gpu(host, flow->gpu, usb, &run, &local)) {
        /* the VM is deactivated either way; the devices are the user's to recover */
        g_prefix_error(&local,
                       "VM '%s' is deactivated, but its GPU is not back on the host "
                       "(run 'virtflow gpu restore %s'): ",
                       vm, flow->gpu);
        vf_run_fail(&run, "restore-gpu", local);
        goto fail;
    }
    vf_run_set(&run, "restore-gpu", VF_STEP_DONE, "GPU %s is on its host drivers", flow->gpu);
    close(lock);
    return vf_flow_finish(flow, ret_flow, TRUE);

restart:
    /* the definition is unchanged: a VM we stopped runs again, as before */
    if (stopped && !vf_domain_start(dom, NULL))
        vf_run_warn(&run, "Undo: VM '%s' could not be started again", vm);
    else if (stopped)
        vf_run_warn(&run, "Undo: VM '%s' was started again", vm);
fail:
    vf_run_skip_rest(&run, "not run: an earlier step failed");
    g_propagate_error(error, g_steal_pointer(&local));
    close(lock);
    return vf_flow_finish(flow, ret_flow, FALSE);
}

/* The GPU of a domain's passthrough metadata, NULL (no error) when it has none. */
static gboolean
vf_domain_get_gpu(VfDomain *dom, char **ret_gpu, GPtrArray **ret_devices, GError **error)
{
    g_autofree char *xml = vf_domain_dup_xml(dom, TRUE, error);
    g_autoptr(GError) local = NULL;

    *ret_gpu = NULL;
    if (xml == NULL)
        return FALSE;
    if (!vf_domain_xml_get_passthrough(xml, ret_gpu, ret_devices, &local) && local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    return TRUE;
}

/* Start: the recorded profile, its evdev devices still there, and what to tell the user at
 * every start (the grab toggle, the Looking Glass window). */
static gboolean
vf_start_check_profile(VfDomain *dom, VfHost *host, VfFlow *flow, GError **error)
{
    g_autofree char *xml = vf_domain_dup_xml(dom, TRUE, error);
    g_autoptr(VfProfile) profile = NULL;

    if (xml == NULL)
        return FALSE;
    if (!vf_domain_xml_get_profile(xml, &profile, error)) {
        if (error && *error)
            return FALSE;
        return TRUE;
    }
    if (!vf_profile_check_evdev(host, profile, error)) {
        g_prefix_error(error, "VM '%s' cannot start: ", flow->vm);
        return FALSE;
    }
    flow->profile = g_steal_pointer(&profile);
    if (flow->profile->view == VF_VIEW_LOOKING_GLASS)
        vf_flow_note(flow, "The VM's screen is a window on the host: open it with "
                           "looking-glass-client.");
    else
        vf_flow_note(flow, "The VM's screen is the monitor plugged into the GPU's outputs.");
    if (vf_profile_has_evdev(flow->profile))
        vf_flow_note_toggle(flow, flow->profile->grab_toggle);
    return TRUE;
}

/*
 * Start of a tuned VM without the libvirt hook (issue 14): the huge pages and the isolation
 * its tune record asks for are taken here, before anything else moves, as the hook's
 * prepare would (same call, same journal, same refusal with the numbers). Not root (the
 * host has a helper): refused before anything changed, with `virtflow setup` (which
 * installs the hook) as the fix. *@ret_tuned: something was taken (Start's failure
 * paths give it back).
 */
static gboolean
vf_start_tune(VfRun *run, VfHost *host, VfDomain *dom, gboolean *ret_tuned, GError **error)
{
    const char *vm = run->flow->vm;
    g_autofree char *xml = NULL;
    g_autofree char *summary = NULL;
    g_autoptr(VfTuneRuntime) rt = NULL;

    *ret_tuned = FALSE;
    if (vf_host_exists(host, VF_SETUP_HOOK_LINK))
        return TRUE; /* the hook's prepare does it */
    if ((xml = vf_domain_dup_xml(dom, TRUE, error)) == NULL)
        return FALSE;
    if (!vf_tune_runtime_from_domain_xml(xml, &rt, error)) {
        g_prefix_error(error, "VM '%s' cannot start: ", vm);
        return FALSE;
    }
    if (rt == NULL || (rt->hugepage_size_kib == 0 && !rt->isolate))
        return TRUE;
    if (vf_host_get_helper(host) != NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION,
                    "VM '%s' is tuned (%s): they must be taken from the host before it starts, "
                    "which VirtFlow's libvirt hook does, and it is not installed; nothing was "
                    "changed",
                    vm,
                    rt->hugepage_size_kib && rt->isolate ? "huge pages and CPU isolation"
                    : rt->isolate                        ? "CPU isolation"
                                                         : "huge pages");
        vf_error_add_fix(error,
                         "Run 'virtflow setup' (it installs the libvirt hook), then start the VM "
                         "again; or 'virtflow tune %s --undo'",
                         vm);
        return FALSE;
    }
    if (!vf_tune_run_prepare(host, NULL, vm, rt, &summary, error))
        return FALSE;
    *ret_tuned = TRUE;
    if (summary && *summary)
        vf_flow_note(run->flow, "Tune (no libvirt hook, so VirtFlow did it): %s", summary);
    return TRUE;
}

/* Stop's part of the above: what Start took for the VM's tune, given back once it is off.
 * With the hook, its release did that. A failure is a warning: the VM is off. */
static void
vf_stop_tune(VfRun *run, VfHost *host)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *summary = NULL;

    if (vf_host_exists(host, VF_SETUP_HOOK_LINK) || !vf_tune_run_is_journaled(host, run->flow->vm))
        return;
    if (!vf_tune_run_release(host, NULL, run->flow->vm, &summary, &local))
        vf_run_warn(run,
                    "What VM '%s' was tuned with was not given back: %s; run 'virtflow "
                    "recover'",
                    run->flow->vm, local->message);
    else if (*summary)
        vf_flow_note(run->flow, "Tune: %s", summary);
}

/* Begins @step by reading the VM's state and its GPU; marks @step failed on error. */
static gboolean
vf_run_open_domain(VfRun *run, VfDomain *dom, const char *step, VfDomainState *ret_state,
                   char **ret_gpu, GPtrArray **ret_devices, GError **error)
{
    if (!vf_run_begin(run, step, error) || !vf_domain_get_state(dom, ret_state, error) ||
        !vf_domain_get_gpu(dom, ret_gpu, ret_devices, error)) {
        vf_run_fail(run, step, *error);
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_flow_start(VfHost *host, VfConnection *conn, const char *vm, const VfFlowOptions *options,
              VfFlow **ret_flow, GError **error)
{
    VfFlow *flow = vf_flow_new(VF_FLOW_START, vm, vf_start_steps, G_N_ELEMENTS(vf_start_steps));
    VfRun run = {flow, options};
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autofree char *gpu = NULL;
    VfDomainState state;
    gboolean bound = FALSE;
    gboolean tuned = FALSE;
    g_autofree char *user = NULL;
    int lock;

    if (!vf_flow_enter(host, conn, vm, &lock, &dom, error))
        return vf_flow_finish(flow, ret_flow, FALSE);

    if (!vf_run_open_domain(&run, dom, "check-host", &state, &gpu, &devices, &local))
        goto fail;
    if (vf_domain_state_is_active(state)) {
        vf_run_set(&run, "check-host", VF_STEP_DONE, "VM '%s' is already %s", vm,
                   vf_domain_state_to_string(state));
        vf_run_skip_rest(&run, "already running");
        close(lock);
        return vf_flow_finish(flow, ret_flow, TRUE);
    }
    /* tune first, as the hook's prepare: huge pages are the likely refusal */
    if (!vf_start_tune(&run, host, dom, &tuned, &local)) {
        vf_run_fail(&run, "check-host", local);
        goto fail;
    }
    if (gpu == NULL) {
        vf_run_set(&run, "check-host", VF_STEP_SKIPPED, "no GPU passthrough on this VM");
        vf_run_set(&run, "bind-gpu", VF_STEP_SKIPPED, "no GPU passthrough on this VM");
    } else {
        vf_flow_set_devices(flow, gpu, devices);
        /* QEMU fails on an evdev device that is gone (a keyboard unplugged since
         * Activate): say which and how to fix it before anything moves */
        if (!vf_start_check_profile(dom, host, flow, &local)) {
            vf_run_fail(&run, "check-host", local);
            goto fail;
        }
        if ((user = vf_gpu_dup_running_user(conn, gpu, vm)) != NULL) {
            g_set_error(&local, VF_ERROR, VF_ERROR_DEVICE_IN_USE,
                        "GPU %s is in use by the running VM '%s': stop it first", gpu, user);
            vf_run_fail(&run, "check-host", local);
            goto fail;
        }
        vf_run_set(&run, "check-host", VF_STEP_DONE, "GPU %s", gpu);
        vf_run_warn_not_back(&run, host, gpu);
        /* VirtFlow binds before libvirt starts QEMU, so its safety checks run first (the
         * hook's prepare does the same for starts that do not come through VirtFlow) */
        if (!vf_run_begin(&run, "bind-gpu", &local)) {
            vf_run_fail(&run, "bind-gpu", local);
            goto fail;
        }
        if (!vf_bind_gpu(host, gpu, vf_profile_usb(flow->profile), &bound, &local)) {
            vf_run_fail(&run, "bind-gpu", local);
            goto fail;
        }
        vf_run_set(&run, "bind-gpu", VF_STEP_DONE,
                   bound ? "the GPU moved to vfio-pci" : "the GPU was already on vfio-pci");
    }

    if (!vf_run_begin(&run, "start-vm", &local)) {
        vf_run_fail(&run, "start-vm", local);
        goto unbind;
    }
    if (!vf_domain_start(dom, &local)) {
        vf_run_fail(&run, "start-vm", local);
        goto unbind;
    }
    vf_run_set(&run, "start-vm", VF_STEP_DONE, "VM '%s' is running%s", vm,
               gpu ? " with the GPU" : "");
    close(lock);
    return vf_flow_finish(flow, ret_flow, TRUE);

unbind:
    /* only what this start bound goes back; a GPU bound before stays as it was */
    if (bound && !vf_restore_gpu(host, gpu, vf_profile_usb(flow->profile), NULL, NULL))
        vf_run_warn(&run,
                    "Undo: the GPU could not be returned to the host; run 'virtflow gpu "
                    "restore %s'",
                    gpu);
    else if (bound)
        vf_run_warn(&run, "Undo: the GPU is back on its host drivers");
fail:
    /* what vf_start_tune() took goes back: the VM does not run */
    if (tuned) {
        g_autofree char *summary = NULL;

        if (!vf_tune_run_release(host, NULL, vm, &summary, NULL))
            vf_run_warn(&run,
                        "Undo: what VM '%s' was tuned with was not given back; run "
                        "'virtflow recover'",
                        vm);
    }
    vf_run_skip_rest(&run, "not run: an earlier step failed");
    g_propagate_error(error, g_steal_pointer(&local));
    close(lock);
    return vf_flow_finish(flow, ret_flow, FALSE);
}

/* Any device of @gpu's recorded set still on vfio-pci? */
static gboolean
vf_devices_on_vfio(VfHost *host, GPtrArray *addresses)
{
    for (guint i = 0; i < addresses->len; i++) {
        g_autofree char *path = vf_pci_device_path(addresses->pdata[i], "driver");
        g_autofree char *driver = vf_host_readlink_name(host, path);

        if (g_strcmp0(driver, "vfio-pci") == 0)
            return TRUE;
    }
    return FALSE;
}

gboolean
vf_flow_stop(VfHost *host, VfConnection *conn, const char *vm, const VfFlowOptions *options,
             VfFlow **ret_flow, GError **error)
{
    VfFlow *flow = vf_flow_new(VF_FLOW_STOP, vm, vf_stop_steps, G_N_ELEMENTS(vf_stop_steps));
    VfRun run = {flow, options};
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autofree char *gpu = NULL;
    g_autofree char *usb = NULL;
    VfDomainState state;
    g_autofree char *user = NULL;
    int lock;

    if (!vf_flow_enter(host, conn, vm, &lock, &dom, error))
        return vf_flow_finish(flow, ret_flow, FALSE);

    if (!vf_run_open_domain(&run, dom, "stop-vm", &state, &gpu, &devices, &local))
        goto fail;
    if (gpu) {
        vf_flow_set_devices(flow, gpu, devices);
        /* the USB controller of --input usb-controller:BDF goes back with the GPU */
        usb = vf_domain_dup_usb(dom);
    }
    if (!vf_domain_state_is_active(state)) {
        vf_run_set(&run, "stop-vm", VF_STEP_SKIPPED, "already off");
    } else if (!vf_stop_domain(&run, dom, options && options->force, &local)) {
        vf_run_fail(&run, "stop-vm", local);
        goto fail;
    } else {
        vf_run_set(&run, "stop-vm", VF_STEP_DONE, "VM '%s' is off%s", vm,
                   options && options->force ? " (forced)" : "");
    }
    /* the VM is off: without the hook, what Start took for its tune goes back */
    vf_stop_tune(&run, host);

    if (!vf_run_begin(&run, "return-gpu", &local)) {
        vf_run_fail(&run, "return-gpu", local);
        goto fail;
    }
    if (gpu == NULL) {
        vf_run_set(&run, "return-gpu", VF_STEP_SKIPPED, "no GPU passthrough on this VM");
    } else if ((user = vf_gpu_dup_running_user(conn, gpu, vm)) != NULL) {
        vf_run_set(&run, "return-gpu", VF_STEP_SKIPPED,
                   "GPU %s stays on vfio-pci: VM '%s' runs with it", gpu, user);
    } else {
        /* The hook's release runs right after libvirt's STOPPED: give it its moment. */
        gint64 deadline = g_get_monotonic_time() + VF_HOOK_WAIT_MS * G_TIME_SPAN_MILLISECOND;
        gboolean hook = vf_host_exists(host, VF_SETUP_HOOK_LINK);

        while (hook && vf_devices_on_vfio(host, flow->devices) && g_get_monotonic_time() < deadline)
            g_usleep(50 * 1000);
        if (!vf_devices_on_vfio(host, flow->devices)) {
            vf_run_set(&run, "return-gpu", VF_STEP_DONE, "GPU %s is back on the host%s", gpu,
                       hook ? " (the libvirt hook returned it)" : "");
        } else {
            if (!vf_restore_gpu(host, gpu, usb, &run, &local)) {
                vf_run_fail(&run, "return-gpu", local);
                goto fail;
            }
            if (hook)
                vf_run_warn(&run,
                            "The libvirt hook did not return GPU %s; VirtFlow did (see "
                            "'virtflow doctor')",
                            gpu);
            vf_run_set(&run, "return-gpu", VF_STEP_DONE, "GPU %s is back on the host%s", gpu,
                       hook ? " (returned by VirtFlow: the hook did not)"
                            : " (returned by VirtFlow: no libvirt hook is installed)");
        }
    }
    close(lock);
    return vf_flow_finish(flow, ret_flow, TRUE);

fail:
    vf_run_skip_rest(&run, "not run: an earlier step failed");
    g_propagate_error(error, g_steal_pointer(&local));
    close(lock);
    return vf_flow_finish(flow, ret_flow, FALSE);
}
