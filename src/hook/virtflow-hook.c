/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-hook-worker: VirtFlow's libvirt qemu hook, for the domains VirtFlow activated
 *
 * The gate (vf-hook-gate.c, installed as /usr/libexec/virtflow/virtflow-hook and linked as
 * /etc/libvirt/hooks/qemu.d/virtflow by `virtflow setup`) execs this
 * program only for "prepare begin" and "release end" of a domain whose XML mentions
 * VirtFlow's namespaces (or, at release, when a tune journal is left); the XML is on
 * stdin. Then:
 *
 *   prepare begin   the GPU's passthrough set onto vfio-pci, then the recorded USB
 *                   controller's (--input usb-controller:BDF; nothing to do when they are
 *                   there already), or refuse the start: exit 1 with the reason and the
 *                   fix on stderr, which libvirt puts into the error the user sees;
 *   release end     every device of the sets (the USB controller's first) back to its
 *                   host driver, verified. libvirt
 *                   also calls it after a failed start, and may call it twice: a set
 *                   that is home already, or a GPU this host does not have, is success.
 *
 * A domain tuned (`virtflow tune`, <vftune:tune>) but not activated gets only tune's part:
 * its huge pages and isolation at prepare (or the refusal with the numbers), given back
 * from the journal at release; no host report, no GPU (issue 14).
 *
 * One line per call goes to /var/log/libvirt/qemu-hook.log. The hook never calls
 * libvirt (libvirtd waits for it: a call back would deadlock) and links only the host
 * and domain layers of libvirtflow.
 *
 * Decision 9 (every sysfs write has a deadline): the library abandons a write that hangs
 * in the kernel, but a thread stuck in an unbind also holds up its process's exit, and
 * libvirtd waits for that exit (and for EOF on our stdout/stderr) with the domain locked.
 * So the host is changed by a child process with its own stdio on /dev/null; this
 * process waits for the child's answer on a pipe, not for its exit, and leaves it
 * behind when the kernel keeps it.
 *
 * The child parses the domain XML too, so that the whole hook is under its deadline: a
 * domain XML over VF_HOOK_MAX_XML is refused before anything parses it (vf-hook-stdin.h),
 * one that does not parse within VF_HOOK_PARSE_DEADLINE_MS (libxml2's attribute checks are
 * quadratic) is refused then, and nothing on the host has changed in either case.
 */
#include "vf-hook-args.h"
#include "vf-hook-stdin.h"

#include "core/vf-error.h"
#include "domain/vf-domain-record.h"
#include "domain/vf-domain-xml.h"
#include "host/vf-gpu.h"
#include "host/vf-input.h"
#include "host/vf-lg-shm.h"
#include "demo/vf-kmodel.h"
#include "host/vf-transition.h"
#include "tune/vf-tune-run.h"
#include "tune/vf-tune-runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* The whole hook, from its start, reading and parsing the XML included, answers within
 * this, whatever the kernel does. The library's own deadlines (10 s per write, 3 s to
 * verify, 5 s for the lock; 20 s each to compact memory and to grow a tuned VM's huge page
 * pool) end sooner, even with an undo after a hung write; this only bounds what they do
 * not cover. */
#define VF_HOOK_DEADLINE_MS 60000
/* The domain XML is parsed within this from the hook's start, or refused: VirtFlow's own
 * records parse in milliseconds (under the kernel rig's emulation too). libxml2's checks
 * of an element's attributes are quadratic: 40,000 attributes on one element take tens of
 * seconds, while libvirtd waits with the domain locked. */
#define VF_HOOK_PARSE_DEADLINE_MS 3000
/* After its answer, how long the child may take to be gone before we leave it behind. */
#define VF_HOOK_EXIT_WAIT_MS 2000

static const char *vf_prog = "virtflow-hook";

typedef enum {
    VF_HOOK_OK,
    VF_HOOK_REFUSED, /* a safety check or the host said no: nothing was changed */
    VF_HOOK_FAILED,  /* it went wrong on the way */
    VF_HOOK_LAST
} VfHookVerdict;

static const char *const vf_hook_verdict_names[] = {
    [VF_HOOK_OK] = "ok",
    [VF_HOOK_REFUSED] = "refused",
    [VF_HOOK_FAILED] = "failed",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_hook_verdict_names) == VF_HOOK_LAST);

typedef struct {
    VfHookVerdict verdict;
    char *detail;  /* one line for the log: what was done (ok), or why not */
    char *message; /* for stderr, which libvirt shows; NULL: nothing to say */
    char *devices; /* "0000:01:00.0,0000:01:00.1": the devices acted on */
} VfHookResult;

static void
vf_hook_result_clear(VfHookResult *res)
{
    g_clear_pointer(&res->detail, g_free);
    g_clear_pointer(&res->message, g_free);
    g_clear_pointer(&res->devices, g_free);
}

static void
vf_hook_result_set(VfHookResult *res, VfHookVerdict verdict, const char *detail, char *message)
{
    res->verdict = verdict;
    g_free(res->detail);
    res->detail = g_strdup(detail);
    g_free(res->message);
    res->message = message;
}

static gboolean
vf_hook_is_blocker_code(const GError *error)
{
    if (error->domain != VF_ERROR)
        return FALSE;
    switch ((VfErrorCode)error->code) {
    case VF_ERROR_NO_IOMMU:
    case VF_ERROR_VFIO_UNAVAILABLE:
    case VF_ERROR_GROUP_NOT_VIABLE:
    case VF_ERROR_DEVICE_IN_USE:
    case VF_ERROR_BOOT_VGA:
        return TRUE;
    default:
        return FALSE;
    }
}

/* "[in-use] GPU 0000:01:00.0 cannot ...": the error's code and its text on one line (the
 * blockers' lines and their indentation become single spaces). */
static char *
vf_hook_error_detail(const GError *error)
{
    const char *code = error->domain == VF_ERROR ? vf_error_code_to_string(error->code) : "failed";
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "[%s] ", code);
    for (const char *p = error->message; *p; p++) {
        if (*p == '\n') {
            while (out->len > 0 && out->str[out->len - 1] == ' ')
                g_string_truncate(out, out->len - 1);
            g_string_append_c(out, ' ');
            while (p[1] == ' ')
                p++;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

/* The addresses of the three kinds of device list, for messages and the log. */
static const char *
vf_hook_origin_address(gconstpointer item)
{
    return ((const VfDeviceOrigin *)item)->address;
}

static const char *
vf_hook_pci_address(gconstpointer item)
{
    return ((const VfPciDevice *)item)->address;
}

static const char *
vf_hook_passthrough_address(gconstpointer item)
{
    return ((const VfPassthroughDevice *)item)->address;
}

/* "0000:01:00.0,0000:01:00.1" */
static char *
vf_hook_join_devices(GPtrArray *devices, const char *(*address_of)(gconstpointer))
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; devices && i < devices->len; i++)
        g_string_append_printf(out, "%s%s", i ? "," : "", address_of(devices->pdata[i]));
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static VfHost *
vf_hook_open_host(const VfHookArgs *args, GError **error)
{
    g_autoptr(VfHost) host = vf_host_new(args->host_root ? args->host_root : "/", error);

    if (host == NULL)
        return NULL;
    /* a test's kernel-model tree: the model receives the writes */
    if (args->host_root && !vf_kmodel_attach(host, error)) {
        g_prefix_error(error, "--host-root '%s' is not a kernel-model tree: ", args->host_root);
        return NULL;
    }
    if (args->state_dir)
        vf_host_set_state_dir(host, args->state_dir);
    return g_steal_pointer(&host);
}

static gboolean
vf_hook_origins_have(GPtrArray *origins, const char *address)
{
    for (guint i = 0; i < origins->len; i++)
        if (g_str_equal(((VfDeviceOrigin *)origins->pdata[i])->address, address))
            return TRUE;
    return FALSE;
}

static gboolean
vf_hook_set_has(GPtrArray *set, const char *address)
{
    for (guint i = 0; i < set->len; i++)
        if (g_str_equal(((VfPciDevice *)set->pdata[i])->address, address))
            return TRUE;
    return FALSE;
}

/* prepare begin: the passthrough set onto vfio-pci, or a refusal that says why. */
static void
vf_hook_prepare(const VfHookArgs *args, VfHost *host, VfHostReport *report, const char *gpu_address,
                GPtrArray *devices, const char *usb, VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(VfTransition) tu = NULL;
    g_autoptr(GPtrArray) usb_writes = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GPtrArray) modules = NULL;
    VfGpu *gpu = vf_host_report_find_gpu(report, gpu_address, &error);

    if (gpu == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);
        g_autofree char *iommu = report->iommu->enabled
                                     ? NULL
                                     : g_strdup_printf("\n  IOMMU: %s", report->iommu->verdict);

        vf_hook_result_set(
            res, VF_HOOK_REFUSED, detail,
            g_strdup_printf("refusing to start domain '%s': its GPU %s cannot be passed "
                            "through on this host: %s%s\n"
                            "  fix: 'virtflow gpu list' shows this host's GPUs; 'virtflow "
                            "deactivate' gives the domain its virtual display back",
                            args->name, gpu_address, error->message, iommu ? iommu : ""));
        return;
    }
    /* --input usb-controller:BDF: its set, checked again against this host (class,
     * group, no keyboard or mouse behind it) */
    if (usb && (tu = vf_transition_new_bind_usb(host, usb, &error)) == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res, vf_hook_is_blocker_code(error) ? VF_HOOK_REFUSED : VF_HOOK_FAILED,
                           detail,
                           g_strdup_printf("refusing to start domain '%s': its USB controller "
                                           "%s: %s",
                                           args->name, usb, error->message));
        return;
    }
    /* the domain's <hostdev>s are exactly its recorded devices: each must be in the set
     * we bind, or QEMU would be handed a device still on its host driver */
    for (guint i = 0; i < devices->len; i++) {
        const VfPassthroughDevice *d = devices->pdata[i];
        g_autofree char *set = NULL;
        g_autofree char *detail = NULL;

        if (vf_hook_set_has(gpu->passthrough, d->address))
            continue;
        if (tu && vf_hook_origins_have(vf_transition_get_devices(tu), d->address))
            continue;
        set = vf_hook_join_devices(gpu->passthrough, vf_hook_pci_address);
        detail = g_strdup_printf("[invalid-argument] device %s is not in GPU %s's "
                                 "passthrough set (%s)",
                                 d->address, gpu->device->address, set);
        vf_hook_result_set(res, VF_HOOK_REFUSED, detail,
                           g_strdup_printf("refusing to start domain '%s': it passes "
                                           "through %s, which is not part of GPU %s's "
                                           "passthrough set on this host (%s)\n"
                                           "  fix: run 'virtflow activate' for the domain "
                                           "again, to match this host",
                                           args->name, d->address, gpu->device->address, set));
        return;
    }

    t = vf_transition_new_bind(host, report, gpu->device->address, &error);
    if (t == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(
            res, vf_hook_is_blocker_code(error) ? VF_HOOK_REFUSED : VF_HOOK_FAILED, detail,
            g_strdup_printf("refusing to start domain '%s': %s", args->name, error->message));
        return;
    }
    g_free(res->devices);
    res->devices = vf_hook_join_devices(vf_transition_get_devices(t), vf_hook_origin_address);
    if (tu) {
        g_autofree char *more =
            vf_hook_join_devices(vf_transition_get_devices(tu), vf_hook_origin_address);
        char *both = g_strconcat(res->devices, ",", more, NULL);

        g_free(res->devices);
        res->devices = both;
        usb_writes = vf_transition_dup_writes(tu);
    }
    writes = vf_transition_dup_writes(t);
    modules = vf_transition_dup_modules(t);
    /* applied even when nothing is to be written: it verifies /dev/vfio/GROUP too, and
     * refuses while an interrupted operation's journal is pending */
    if (!vf_transition_apply(t, &error)) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res,
                           vf_hook_is_blocker_code(error) ||
                                   g_error_matches(error, VF_ERROR, VF_ERROR_BUSY)
                               ? VF_HOOK_REFUSED
                               : VF_HOOK_FAILED,
                           detail,
                           g_strdup_printf("cannot start domain '%s': moving GPU %s to "
                                           "vfio-pci failed: %s",
                                           args->name, gpu->device->address, error->message));
        return;
    }
    if (tu && !vf_transition_apply(tu, &error)) {
        g_autofree char *detail = vf_hook_error_detail(error);

        /* the GPU this prepare moved goes back: the domain does not start */
        if (writes->len > 0) {
            g_autoptr(VfTransition) back =
                vf_transition_new_restore(host, report, gpu->device->address, NULL);

            if (back)
                vf_transition_apply(back, NULL);
        }
        vf_hook_result_set(res,
                           vf_hook_is_blocker_code(error) ||
                                   g_error_matches(error, VF_ERROR, VF_ERROR_BUSY)
                               ? VF_HOOK_REFUSED
                               : VF_HOOK_FAILED,
                           detail,
                           g_strdup_printf("cannot start domain '%s': moving USB controller %s "
                                           "to vfio-pci failed: %s",
                                           args->name, usb, error->message));
        return;
    }
    if (writes->len == 0 && modules->len == 0 && (usb_writes == NULL || usb_writes->len == 0))
        vf_hook_result_set(res, VF_HOOK_OK, "already on vfio-pci", NULL);
    else {
        g_autofree char *detail = g_strdup_printf("bound to vfio-pci (%u sysfs writes)",
                                                  writes->len + (usb_writes ? usb_writes->len : 0));

        vf_hook_result_set(res, VF_HOOK_OK, detail, NULL);
    }
}

/* The domain's record of what VirtFlow moved, as the host layer takes it. */
static GPtrArray *
vf_hook_recorded_origins(GPtrArray *devices)
{
    GPtrArray *origins = g_ptr_array_new_with_free_func((GDestroyNotify)vf_device_origin_free);

    for (guint i = 0; devices && i < devices->len; i++) {
        const VfPassthroughDevice *d = devices->pdata[i];
        VfDeviceOrigin *o = g_new0(VfDeviceOrigin, 1);

        o->address = g_strdup(d->address);
        o->iommu_group = -1;
        o->host_driver = g_strdup(d->driver);
        o->host_driver_known = TRUE;
        g_ptr_array_add(origins, o);
    }
    return origins;
}

/* release end: the devices VirtFlow moved (its device records, else the domain's record)
 * back to their host drivers; idempotent. Anything else on vfio-pci is left and named. */
/* release: the USB controller's set first (in reverse of prepare); "" when there is none,
 * else what happened, for the log's detail. */
static char *
vf_hook_release_usb(VfHost *host, const char *usb, GPtrArray *recorded, GError **error)
{
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;

    if (usb == NULL)
        return g_strdup("");
    if ((t = vf_transition_new_restore_usb(host, usb, recorded, error)) == NULL)
        return NULL;
    writes = vf_transition_dup_writes(t);
    if (writes->len == 0)
        return g_strdup("");
    if (!vf_transition_apply(t, error))
        return NULL;
    return g_strdup_printf("; USB controller %s returned", usb);
}

static void
vf_hook_release(const VfHookArgs *args, VfHost *host, VfHostReport *report, const char *gpu_address,
                GPtrArray *devices, const char *usb, VfHookResult *res)
{
    g_autofree char *usb_done = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(GPtrArray) modules = NULL;
    g_autoptr(GPtrArray) recorded = vf_hook_recorded_origins(devices);
    g_autoptr(GString) where = NULL;
    GPtrArray *origins;
    GPtrArray *left;
    VfGpu *gpu = vf_host_report_find_gpu(report, gpu_address, &error);

    if (gpu == NULL) {
        /* a start this host refused, or a domain moved from another machine */
        g_autofree char *detail = g_strdup_printf(
            "nothing to return: GPU %s is not on this host (%s)", gpu_address, error->message);

        vf_hook_result_set(res, VF_HOOK_OK, detail, NULL);
        return;
    }
    if ((usb_done = vf_hook_release_usb(host, usb, recorded, &error)) == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res, VF_HOOK_FAILED, detail,
                           g_strdup_printf("returning USB controller %s to the host after "
                                           "domain '%s' failed: %s\n"
                                           "  fix: 'virtflow recover' if it says an operation "
                                           "was interrupted",
                                           usb, args->name, error->message));
        return;
    }
    t = vf_transition_new_restore_recorded(host, report, gpu->device->address, recorded, &error);
    if (t == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res, vf_hook_is_blocker_code(error) ? VF_HOOK_REFUSED : VF_HOOK_FAILED,
                           detail,
                           g_strdup_printf("GPU %s stays on vfio-pci after domain '%s' "
                                           "stopped: %s",
                                           gpu->device->address, args->name, error->message));
        return;
    }
    origins = vf_transition_get_devices(t);
    left = vf_transition_get_left(t);
    g_free(res->devices);
    res->devices = vf_hook_join_devices(origins, vf_hook_origin_address);
    writes = vf_transition_dup_writes(t);
    modules = vf_transition_dup_modules(t);
    /* home already (a second release, or a start refused before any bind): no lock, no
     * journal, no write; the plan is computed from what the kernel shows now */
    if (writes->len == 0 && modules->len == 0) {
        g_autoptr(GString) detail = g_string_new("already on the host drivers");

        for (guint i = 0; i < left->len; i++)
            g_string_append_printf(detail, "; %s", (char *)left->pdata[i]);
        g_string_append(detail, usb_done);
        vf_hook_result_set(res, VF_HOOK_OK, detail->str, NULL);
        return;
    }
    if (!vf_transition_apply(t, &error)) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res, VF_HOOK_FAILED, detail,
                           g_strdup_printf("returning GPU %s to the host after domain '%s' "
                                           "failed: %s\n"
                                           "  fix: 'virtflow gpu restore %s', or 'virtflow "
                                           "recover' if it says an operation was interrupted",
                                           gpu->device->address, args->name, error->message,
                                           gpu->device->address));
        return;
    }
    where = g_string_new("returned to");
    for (guint i = 0; i < origins->len; i++) {
        const VfDeviceOrigin *o = origins->pdata[i];

        g_string_append_printf(where, "%s %s=%s", i ? "," : "", o->address,
                               o->host_driver ? o->host_driver : "no driver");
    }
    for (guint i = 0; i < left->len; i++)
        g_string_append_printf(where, "; %s", (char *)left->pdata[i]);
    g_string_append(where, usb_done);
    vf_hook_result_set(res, VF_HOOK_OK, where->str, NULL);
}

/* "; tune: …" after the log's detail */
static void
vf_hook_add_detail(VfHookResult *res, const char *what, const char *text)
{
    g_autofree char *detail = NULL;

    if (text == NULL || *text == '\0')
        return;
    detail = g_strdup_printf("%s; %s: %s", res->detail ? res->detail : "", what, text);
    g_free(res->detail);
    res->detail = g_steal_pointer(&detail);
}

/* prepare, before the GPU moves (tune/vf-tune-run.h): the huge pages and the isolation the
 * tune record asks for. A start that cannot have them is refused here, with the host's
 * display still where it was. FALSE with @res set to the refusal; nothing is left taken. */
static gboolean
vf_hook_tune_prepare(const VfHookArgs *args, VfHost *host, const VfTuneRuntime *tune,
                     char **ret_summary, VfHookResult *res)
{
    g_autoptr(GError) error = NULL;

    if (vf_tune_run_prepare(host, NULL, args->name, tune, ret_summary, &error))
        return TRUE;
    {
        g_autofree char *detail = vf_hook_error_detail(error);
        gboolean refused = g_error_matches(error, VF_ERROR, VF_ERROR_VERIFY) ||
                           g_error_matches(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT) ||
                           g_error_matches(error, VF_ERROR, VF_ERROR_BUSY);

        vf_hook_result_set(
            res, refused ? VF_HOOK_REFUSED : VF_HOOK_FAILED, detail,
            g_str_has_prefix(error->message, "refusing")
                ? g_strdup(error->message)
                : g_strdup_printf("refusing to start domain '%s': %s", args->name, error->message));
    }
    return FALSE;
}

/* release, after the GPU is back (and after a start refused or failed at prepare): what
 * prepare took for tune, from its journal; nothing when there is none. */
static void
vf_hook_tune_release(const VfHookArgs *args, VfHost *host, VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;

    if (vf_tune_run_release(host, NULL, args->name, &summary, &error)) {
        vf_hook_add_detail(res, "tune", summary);
        return;
    }
    vf_hook_add_detail(res, "tune", error->message);
    if (res->verdict == VF_HOOK_OK) {
        res->verdict = VF_HOOK_FAILED;
        g_free(res->message);
        res->message = g_strdup_printf("giving back what domain '%s' was tuned with failed: %s\n"
                                       "  fix: 'virtflow recover'",
                                       args->name, error->message);
    }
}

/* What the child does: look at the host and act. */
static void
vf_hook_act(const VfHookArgs *args, VfHookAction action, const char *gpu_address,
            GPtrArray *devices, const char *usb, const VfTuneRuntime *tune, VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = vf_hook_open_host(args, &error);
    g_autoptr(VfHostReport) report = NULL;
    g_autofree char *tuned = NULL;

    /* tuned, not activated: tune's part only, the GPU and the host's PCI devices untouched */
    if (host && gpu_address == NULL) {
        if (action == VF_HOOK_ACTION_PREPARE) {
            if (!vf_hook_tune_prepare(args, host, tune, &tuned, res))
                return;
            vf_hook_result_set(res, VF_HOOK_OK, "tuned, no GPU passthrough", NULL);
            vf_hook_add_detail(res, "tune", tuned);
        } else {
            vf_hook_result_set(res, VF_HOOK_OK, "tuned, no GPU passthrough", NULL);
            vf_hook_tune_release(args, host, res);
        }
        return;
    }
    if (host == NULL || (report = vf_host_report_new(host, &error)) == NULL) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(res, VF_HOOK_FAILED, detail,
                           g_strdup_printf("cannot look at this host's PCI devices for domain "
                                           "'%s': %s",
                                           args->name, error->message));
        if (host && action == VF_HOOK_ACTION_RELEASE)
            vf_hook_tune_release(args, host, res);
        return;
    }
    if (action == VF_HOOK_ACTION_PREPARE) {
        if (!vf_hook_tune_prepare(args, host, tune, &tuned, res))
            return;
        vf_hook_prepare(args, host, report, gpu_address, devices, usb, res);
        if (res->verdict != VF_HOOK_OK)
            vf_hook_tune_release(args, host, res); /* the domain does not start */
        else
            vf_hook_add_detail(res, "tune", tuned);
    } else {
        vf_hook_release(args, host, report, gpu_address, devices, usb, res);
        vf_hook_tune_release(args, host, res);
    }
}

/* prepare: each evdev device the domain's profile hands over must still be there (a
 * keyboard unplugged since Activate), or QEMU fails with a message that names no fix.
 * Only reads /dev/input (in the child, before it acts): nothing changed. FALSE with @res
 * set to the refusal. */
static gboolean
vf_hook_check_input(const VfHookArgs *args, const VfProfile *profile, VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;

    if (profile == NULL || profile->evdev == NULL || profile->evdev->len == 0)
        return TRUE;
    /* a host that cannot be opened is the child's to report, as for any domain */
    if ((host = vf_hook_open_host(args, NULL)) == NULL)
        return TRUE;
    for (guint i = 0; i < profile->evdev->len; i++) {
        g_autoptr(VfInputDevice) dev = NULL;

        if (!vf_input_check_evdev(host, ((const VfEvdevInput *)profile->evdev->pdata[i])->path,
                                  &dev, &error))
            break;
    }
    if (error) {
        g_autofree char *detail = vf_hook_error_detail(error);

        vf_hook_result_set(
            res, VF_HOOK_REFUSED, detail,
            g_strdup_printf("refusing to start domain '%s': %s", args->name, error->message));
        return FALSE;
    }
    return TRUE;
}

/* A Looking Glass VM's shared memory lives while the VM runs (host/vf-lg-shm.h): made
 * for setup's desktop user once prepare moved the devices, removed at release. A failure
 * here never refuses the start: it is added to the detail the log keeps. */
static void
vf_hook_looking_glass(const VfHookArgs *args, VfHookAction action, const VfProfile *profile,
                      VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    gboolean ok;

    if (profile == NULL || profile->view != VF_VIEW_LOOKING_GLASS || res->verdict != VF_HOOK_OK)
        return;
    if ((host = vf_hook_open_host(args, NULL)) == NULL)
        return;
    ok = action == VF_HOOK_ACTION_PREPARE ? vf_lg_shm_prepare(host, &error)
                                          : vf_lg_shm_release(host, &error);
    if (!ok) {
        g_autofree char *detail = g_strdup_printf("%s; looking-glass: %s",
                                                  res->detail ? res->detail : "", error->message);

        g_free(res->detail);
        res->detail = g_steal_pointer(&detail);
    }
}

/* ---- the child and its answer ---- */

static gboolean
vf_hook_write_all(int fd, const char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* A message: a 4-byte length, then four strings, each ending in NUL. The child sends what
 * it parsed ("parsed", GPU, devices, "") or that the domain is not VirtFlow's ("none"),
 * then its answer (verdict, detail, message, devices). */
static void
vf_hook_send_fields(int fd, const char *const fields[4])
{
    g_autoptr(GByteArray) msg = g_byte_array_new();
    guint32 len;

    g_byte_array_set_size(msg, sizeof(len));
    for (guint i = 0; i < 4; i++)
        g_byte_array_append(msg, (const guint8 *)(fields[i] ? fields[i] : ""),
                            (guint)strlen(fields[i] ? fields[i] : "") + 1);
    len = msg->len - (guint32)sizeof(len);
    memcpy(msg->data, &len, sizeof(len));
    vf_hook_write_all(fd, (const char *)msg->data, msg->len);
}

static void
vf_hook_send(int fd, const VfHookResult *res)
{
    const char *fields[] = {vf_hook_verdict_names[res->verdict], res->detail,
                            res->message ? res->message : "", res->devices ? res->devices : ""};

    vf_hook_send_fields(fd, fields);
}

/* Reads exactly @len bytes before @deadline (monotonic µs): 0, ETIMEDOUT, or EPIPE at EOF. */
static int
vf_hook_read_exact(int fd, guint8 *buf, gsize len, gint64 deadline)
{
    while (len > 0) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        ssize_t n;
        int r;

        if (left <= 0)
            return ETIMEDOUT;
        r = poll(&pfd, 1, (int)MIN(left, G_MAXINT));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            return ETIMEDOUT;
        n = read(fd, buf, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return errno;
        if (n == 0)
            return EPIPE;
        buf += n;
        len -= (gsize)n;
    }
    return 0;
}

/* One message of the child: four strings (see vf_hook_send_fields), in @ret_fields
 * (owned by *@ret_buf). */
static gboolean
vf_hook_receive_fields(int fd, gint64 deadline, const char *ret_fields[4], guint8 **ret_buf,
                       int *ret_errno)
{
    guint32 len;
    g_autofree guint8 *buf = NULL;
    const char *fields[4];
    gsize at = 0;

    if ((*ret_errno = vf_hook_read_exact(fd, (guint8 *)&len, sizeof(len), deadline)) != 0)
        return FALSE;
    if (len == 0 || len > 1024 * 1024) {
        *ret_errno = EPROTO;
        return FALSE;
    }
    buf = g_malloc(len);
    if ((*ret_errno = vf_hook_read_exact(fd, buf, len, deadline)) != 0)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(fields); i++) {
        const guint8 *end = at < len ? memchr(buf + at, '\0', len - at) : NULL;

        if (end == NULL) {
            *ret_errno = EPROTO;
            return FALSE;
        }
        fields[i] = (const char *)buf + at;
        at = (gsize)(end - buf) + 1;
    }
    memcpy(ret_fields, fields, sizeof(fields));
    *ret_buf = g_steal_pointer(&buf);
    return TRUE;
}

static void
vf_hook_result_from_fields(VfHookResult *res, const char *const fields[4])
{
    vf_hook_result_clear(res);
    res->verdict = VF_HOOK_FAILED;
    for (guint v = 0; v < VF_HOOK_LAST; v++)
        if (g_str_equal(fields[0], vf_hook_verdict_names[v]))
            res->verdict = (VfHookVerdict)v;
    res->detail = g_strdup(fields[1]);
    res->message = *fields[2] ? g_strdup(fields[2]) : NULL;
    res->devices = g_strdup(fields[3]);
}

/* Waits up to @ms for EOF on @fd (the child's exit closes it), then reaps the child. */
static void
vf_hook_reap(pid_t pid, int fd, int ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
    char sink[256];

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int r;

        if (left <= 0)
            break;
        r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || read(fd, sink, sizeof(sink)) <= 0)
            break;
    }
    /* stuck in the kernel: init reaps it when the kernel lets it go */
    while (waitpid(pid, NULL, WNOHANG) < 0 && errno == EINTR)
        ;
}

static void
vf_hook_child_stdio(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    /* libvirtd reads our stdout/stderr until EOF: a child held in the kernel must not
     * keep them open */
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        close(null);
    }
}

/* VF_HOOK_PARSE_DEADLINE_MS, or less for a test (--parse-deadline-ms) */
static int
vf_hook_parse_deadline_ms(const VfHookArgs *args)
{
    guint64 ms = VF_HOOK_PARSE_DEADLINE_MS;

    if (args->parse_deadline_ms &&
        !g_ascii_string_to_unsigned(args->parse_deadline_ms, 10, 0, VF_HOOK_PARSE_DEADLINE_MS, &ms,
                                    NULL))
        ms = VF_HOOK_PARSE_DEADLINE_MS;
    return (int)ms;
}

typedef enum {
    VF_HOOK_PARSE_NOT_OURS, /* no VirtFlow record: nothing to do, nothing to log */
    VF_HOOK_PARSE_OK,
    VF_HOOK_PARSE_FAILED, /* *res says why */
} VfHookParse;

/* A tune journal for this domain: release has something to give back, whatever its XML
 * says now (journal-driven). */
static gboolean
vf_hook_tune_journaled(const VfHookArgs *args)
{
    g_autoptr(VfHost) host = vf_hook_open_host(args, NULL);

    return host != NULL && vf_tune_run_is_journaled(host, args->name);
}

/* Tune's record in @doc, read only where the XML text spells out tune's namespace, as
 * vf_tune_runtime_from_domain_xml() reads it (so a record the text does not name is no
 * record, as it always was). */
static gboolean
vf_hook_read_tune(xmlDoc *doc, gboolean spelled, VfTuneRuntime **ret_tune, GError **error)
{
    if (!spelled) {
        *ret_tune = NULL;
        return TRUE;
    }
    return vf_tune_runtime_from_domain_doc(doc, ret_tune, error);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* VirtFlow's records in the domain XML (freed here): the GPU and its devices, and for
 * prepare the profile (its evdev devices are checked before the start). The XML is parsed
 * once; each record is read from that document. */
static VfHookParse
vf_hook_parse(const VfHookArgs *args, VfHookAction action, char *xml, char **ret_gpu,
              GPtrArray **ret_devices, VfProfile **ret_profile, VfTuneRuntime **ret_tune,
              VfHookResult *res)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *name = NULL;
    gboolean tune_spelled = strstr(xml, VF_TUNE_XML_NAMESPACE) != NULL;
    g_autoptr(xmlDoc) doc = vf_domain_doc_parse(xml, &name, &error);
    /* release too: the USB controller of --input usb-controller:BDF goes back (profile) */
    gboolean ours = doc != NULL && vf_domain_doc_get_passthrough(doc, name, ret_gpu, ret_devices,
                                                                 ret_profile, &error);

    g_free(xml);
    /* no passthrough record: tuned only (issue 14)? prepare needs the tune record; release
     * works from the journal, and is ours as long as the record or a journal is there */
    if (!ours && error == NULL) {
        gboolean tuned;

        *ret_devices = g_ptr_array_new();
        if (action == VF_HOOK_ACTION_PREPARE) {
            tuned = !vf_hook_read_tune(doc, tune_spelled, ret_tune, &error) || *ret_tune != NULL;
        } else {
            g_autoptr(VfTuneRuntime) rt = NULL;

            /* a damaged record counts: release works from the journal, never the record */
            tuned = !vf_hook_read_tune(doc, tune_spelled, &rt, NULL) || rt != NULL ||
                    vf_hook_tune_journaled(args);
        }
        if (!tuned)
            return VF_HOOK_PARSE_NOT_OURS;
        ours = TRUE; /* *ret_gpu stays NULL: tune only */
    } else if (ours && action == VF_HOOK_ACTION_PREPARE) {
        /* issue 14: tune's record, for prepare only: release gives back what the journal
         * says, so a damaged record never keeps the GPU from going home */
        vf_hook_read_tune(doc, tune_spelled, ret_tune, &error);
    }
    if (ours && error == NULL)
        return VF_HOOK_PARSE_OK;
    if (error == NULL)
        return VF_HOOK_PARSE_NOT_OURS; /* the namespace is mentioned, but there is no record */
    {
        g_autofree char *detail = vf_hook_error_detail(error);

        /* prepare: a domain that claims to be ours and is unreadable must not start with
         * its GPU in an unknown place */
        vf_hook_result_set(res, VF_HOOK_FAILED, detail,
                           g_strdup_printf("domain '%s' (%s %s): cannot read VirtFlow's "
                                           "metadata in the domain XML on stdin: %s",
                                           args->name, args->operation, args->sub_operation,
                                           error->message));
    }
    return VF_HOOK_PARSE_FAILED;
}

/* What the child does: parse, say what it parsed, act, answer. */
static void
vf_hook_child(const VfHookArgs *args, VfHookAction action, char *xml, int fd, int go_fd)
{
    g_autofree char *gpu = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autoptr(VfTuneRuntime) tune = NULL;
    g_autofree char *joined = NULL;
    VfHookResult res = {0};

    switch (vf_hook_parse(args, action, xml, &gpu, &devices, &profile, &tune, &res)) {
    case VF_HOOK_PARSE_NOT_OURS: {
        const char *none[] = {"none", "", "", ""};

        vf_hook_send_fields(fd, none);
        return;
    }
    case VF_HOOK_PARSE_FAILED:
        vf_hook_send(fd, &res);
        vf_hook_result_clear(&res);
        return;
    case VF_HOOK_PARSE_OK:
        break;
    }
    joined = vf_hook_join_devices(devices, vf_hook_passthrough_address);
    {
        const char *parsed[] = {"parsed", gpu, joined, ""};

        vf_hook_send_fields(fd, parsed);
    }
    /* Act only once the parent has taken the parse in time: a parent whose parse deadline
     * passed kills this process, which must then not be in the middle of a bind. EOF (the
     * parent gone) means no. */
    {
        char go = 0;
        ssize_t n;

        while ((n = read(go_fd, &go, 1)) < 0 && errno == EINTR)
            ;
        if (n != 1)
            return;
    }
    if (vf_hook_check_input(args, profile, &res)) {
        vf_hook_act(args, action, gpu, devices, profile ? profile->usb_controller : NULL, tune,
                    &res);
        vf_hook_looking_glass(args, action, profile, &res);
    }
    vf_hook_send(fd, &res);
    vf_hook_result_clear(&res);
}

/* No containment to be had (no pipe, no fork): parse and act here. */
static gboolean
vf_hook_run_here(const VfHookArgs *args, VfHookAction action, char *xml, char **ret_gpu,
                 VfHookResult *res)
{
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autoptr(VfTuneRuntime) tune = NULL;

    switch (vf_hook_parse(args, action, xml, ret_gpu, &devices, &profile, &tune, res)) {
    case VF_HOOK_PARSE_NOT_OURS:
        return FALSE;
    case VF_HOOK_PARSE_FAILED:
        return TRUE;
    case VF_HOOK_PARSE_OK:
        break;
    }
    if (vf_hook_check_input(args, profile, res)) {
        vf_hook_act(args, action, *ret_gpu, devices, profile ? profile->usb_controller : NULL, tune,
                    res);
        vf_hook_looking_glass(args, action, profile, res);
    }
    if (res->devices == NULL || *res->devices == '\0') {
        g_free(res->devices);
        res->devices = vf_hook_join_devices(devices, vf_hook_passthrough_address);
    }
    return TRUE;
}

/*
 * Parses @xml (freed here) and acts, in a child process, under the hook's deadlines from
 * @started: the parse within VF_HOOK_PARSE_DEADLINE_MS, the whole within
 * VF_HOOK_DEADLINE_MS. Returns FALSE when the domain is not VirtFlow's (nothing to log);
 * else TRUE with *@ret_gpu (NULL when the record was not read) and *@res.
 */
static gboolean
vf_hook_run(const VfHookArgs *args, VfHookAction action, char *xml, gint64 started, char **ret_gpu,
            VfHookResult *res)
{
    const char *fields[4];
    g_autofree guint8 *buf = NULL;
    g_autofree guint8 *buf2 = NULL;
    const char *gpu_address;
    int fds[2];
    int go[2];
    pid_t pid;
    int errsv = 0;
    int status = 0;

    *ret_gpu = NULL;
    fflush(stdout);
    fflush(stderr);
    if (pipe2(fds, O_CLOEXEC) < 0)
        return vf_hook_run_here(args, action, xml, ret_gpu, res);
    if (pipe2(go, O_CLOEXEC) < 0) {
        close(fds[0]);
        close(fds[1]);
        return vf_hook_run_here(args, action, xml, ret_gpu, res);
    }
    if ((pid = fork()) < 0) {
        close(fds[0]);
        close(fds[1]);
        close(go[0]);
        close(go[1]);
        return vf_hook_run_here(args, action, xml, ret_gpu, res);
    }
    if (pid == 0) {
        close(fds[0]);
        close(go[1]);
        vf_hook_child_stdio();
        vf_hook_child(args, action, xml, fds[1], go[0]);
        _exit(0);
    }
    /* the child has its copy; this process must not hold a big buffer while it waits */
    g_free(xml);
    close(fds[1]);
    close(go[0]);

    /* 1. what the child parsed, within the parse deadline */
    if (!vf_hook_receive_fields(fds[0], started + vf_hook_parse_deadline_ms(args) * 1000, fields,
                                &buf, &errsv)) {
        /* the child waits for the go below before it changes anything: killed now, it has
         * changed nothing */
        close(go[1]);
        kill(pid, SIGKILL);
        vf_hook_reap(pid, fds[0], 100);
        close(fds[0]);
        if (errsv == ETIMEDOUT) {
            g_autofree char *detail =
                g_strdup_printf("[xml] the domain XML on stdin was not read within %d ms",
                                vf_hook_parse_deadline_ms(args));

            vf_hook_result_set(
                res, VF_HOOK_REFUSED, detail,
                g_strdup_printf("domain '%s' (%s %s): the domain XML on stdin could not be "
                                "read within %d ms; nothing was changed. A domain VirtFlow "
                                "activated reads in milliseconds: check the domain's "
                                "<metadata> ('virsh dumpxml'), and 'virtflow deactivate' it",
                                args->name, args->operation, args->sub_operation,
                                vf_hook_parse_deadline_ms(args)));
        } else {
            g_autofree char *detail = g_strdup_printf(
                "[failed] the worker process gave no answer (%s)", g_strerror(errsv));

            vf_hook_result_set(res, VF_HOOK_FAILED, detail,
                               g_strdup_printf("domain '%s': %s", args->name, detail));
        }
        return TRUE;
    }
    if (g_str_equal(fields[0], "none")) {
        close(go[1]);
        vf_hook_reap(pid, fds[0], VF_HOOK_EXIT_WAIT_MS);
        close(fds[0]);
        return FALSE;
    }
    if (!g_str_equal(fields[0], "parsed")) {
        /* the record was unreadable: that is the answer */
        close(go[1]);
        vf_hook_result_from_fields(res, fields);
        vf_hook_reap(pid, fds[0], VF_HOOK_EXIT_WAIT_MS);
        close(fds[0]);
        return TRUE;
    }
    /* the parse was in time: the child may act (the only write to @go; the child waits
     * for it only after "parsed", so it is there to read it) */
    {
        const char yes = 1;

        if (write(go[1], &yes, 1) != 1) {
            /* the child is gone: its answer (or its absence) below says so */
        }
        close(go[1]);
    }
    /* "": a domain tuned only, no GPU (the log says gpu=-) */
    *ret_gpu = *fields[1] ? g_strdup(fields[1]) : NULL;
    gpu_address = *ret_gpu ? *ret_gpu : "(none: tune only)";
    g_free(res->devices);
    res->devices = g_strdup(fields[2]);

    /* 2. the answer, within the hook's deadline */
    if (vf_hook_receive_fields(fds[0], started + VF_HOOK_DEADLINE_MS * 1000, fields, &buf2,
                               &errsv)) {
        g_autofree char *recorded = g_strdup(res->devices);

        vf_hook_result_from_fields(res, fields);
        if (*res->devices == '\0') {
            g_free(res->devices);
            res->devices = g_steal_pointer(&recorded);
        }
        vf_hook_reap(pid, fds[0], VF_HOOK_EXIT_WAIT_MS);
        close(fds[0]);
        return TRUE;
    }
    if (errsv == ETIMEDOUT) {
        kill(pid, SIGKILL);
        vf_hook_reap(pid, fds[0], 100);
        vf_hook_result_set(
            res, VF_HOOK_FAILED, "[timeout] the kernel did not answer",
            g_strdup_printf("the kernel did not finish moving GPU %s for domain '%s' within %d "
                            "s; the operation is left in VirtFlow's journal\n"
                            "  fix: 'virtflow recover' once the device answers again (a "
                            "reboot if it never does)",
                            gpu_address, args->name, VF_HOOK_DEADLINE_MS / 1000));
    } else {
        g_autofree char *detail = NULL;

        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        detail =
            WIFSIGNALED(status)
                ? g_strdup_printf("[failed] the worker process died of signal %d", WTERMSIG(status))
                : g_strdup_printf("[failed] the worker process gave no answer (%s)",
                                  g_strerror(errsv));
        vf_hook_result_set(
            res, VF_HOOK_FAILED, detail,
            g_strdup_printf("GPU %s, domain '%s': %s", gpu_address, args->name, detail));
    }
    close(fds[0]);
    return TRUE;
}

/* ---- the log ---- */

/* @text as a double-quoted value on one line: \" \\ and control characters escaped. */
static void
vf_hook_append_quoted(GString *out, const char *text)
{
    g_string_append_c(out, '"');
    for (const char *p = text ? text : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c == '\n')
            g_string_append(out, "\\n");
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

/* One line per action; never makes the hook fail. */
static void
vf_hook_log(const VfHookArgs *args, const char *gpu, const char *devices, const VfHookResult *res,
            gint64 started)
{
    const char *path = args->log_path ? args->log_path : VF_HOOK_LOG_PATH;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *date = now ? g_date_time_format(now, "%Y-%m-%dT%H:%M:%S") : NULL;
    g_autofree char *zone = now ? g_date_time_format(now, "%:z") : NULL;
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GString) line = g_string_new(NULL);
    int fd;

    g_string_append_printf(line, "%s.%03d%s domain=", date ? date : "?",
                           now ? g_date_time_get_microsecond(now) / 1000 : 0, zone ? zone : "");
    vf_hook_append_quoted(line, args->name);
    g_string_append_printf(line, " operation=%s gpu=%s devices=%s result=%s ", args->operation,
                           gpu ? gpu : "-", devices && *devices ? devices : "-",
                           vf_hook_verdict_names[res->verdict]);
    g_string_append(line, res->verdict == VF_HOOK_OK ? "detail=" : "reason=");
    vf_hook_append_quoted(line, res->detail);
    g_string_append_printf(line, " duration_ms=%" G_GINT64_FORMAT "\n",
                           (g_get_monotonic_time() - started + 500) / 1000);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR))
        g_mkdir_with_parents(dir, 0700);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    /* one write(): concurrent hooks (two domains starting) never interleave a line */
    vf_hook_write_all(fd, line->str, line->len);
    close(fd);
}

/* ---- main ---- */

int
main(int argc, char **argv)
{
    VfHookArgs args;
    VfHookAction action;
    const char *message, *arg;
    gint64 started = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    char *xml = NULL;
    g_autofree char *gpu = NULL;
    VfHookResult res = {0};
    size_t len = 0;
    bool too_large = false, ours = false;
    int errsv;
    int status;

    if (!vf_hook_args_parse(argc, argv, &args, &message, &arg)) {
        fprintf(stderr, "%s: %s%s%s\n" VF_HOOK_USAGE, vf_prog, message, arg ? ": " : "",
                arg ? arg : "", vf_prog);
        return 2;
    }
    action = vf_hook_args_get_action(&args);
    if (action == VF_HOOK_ACTION_NONE)
        return 0;

    errsv =
        vf_hook_read_xml(STDIN_FILENO, VF_HOOK_XML_NAMESPACE_PREFIX, &xml, &len, &too_large, &ours);
    /* not VirtFlow's domain; a too large one the gate handed on mentions VirtFlow's
     * namespace past what it kept */
    if (errsv == 0 && !ours && !too_large &&
        !(action == VF_HOOK_ACTION_RELEASE && vf_hook_tune_journaled(&args))) {
        free(xml);
        return 0;
    }
    if (errsv != 0) {
        vf_error_set_errno(&error, errsv, "Cannot read the domain XML on stdin");
    } else if (too_large) {
        /* refused at once: nothing parses it */
        g_set_error(&error, VF_ERROR, VF_ERROR_XML,
                    "The domain XML on stdin is larger than %d KiB, more than any domain "
                    "VirtFlow activates",
                    VF_HOOK_MAX_XML / 1024);
    } else if (strlen(xml) != len) {
        g_set_error_literal(&error, VF_ERROR, VF_ERROR_XML,
                            "The domain XML on stdin contains a NUL byte");
    }
    if (error) {
        g_autofree char *detail = vf_hook_error_detail(error);

        free(xml);
        vf_hook_result_set(&res, VF_HOOK_REFUSED, detail,
                           g_strdup_printf("domain '%s' (%s %s): refusing the domain XML on "
                                           "stdin: %s; nothing was changed",
                                           args.name, args.operation, args.sub_operation,
                                           error->message));
    } else {
        /* GLib's allocator from here: the buffer is handed on and freed with g_free() */
        char *copy = g_memdup2(xml, len + 1);

        free(xml);
        if (!vf_hook_run(&args, action, copy, started, &gpu, &res))
            return 0; /* the namespace is mentioned, but there is no record: not ours */
    }

    vf_hook_log(&args, gpu, res.devices, &res, started);
    if (res.message)
        fprintf(stderr, "virtflow: %s\n", res.message);
    status = res.verdict == VF_HOOK_OK ? 0 : 1;
    vf_hook_result_clear(&res);
    return status;
}
