/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowHost: a VfHost (host/vf-host.h) as a GObject.
 */
#include "virtflow-private.h"

/**
 * VirtFlowHost:
 *
 * The machine whose GPUs VirtFlow hands to VMs, read under a root directory.
 *
 * The root is "/" for the machine VirtFlow runs on. Any other directory holds a tree that
 * looks like the kernel's (a captured /sys and /proc, or a test's fake host): such a host
 * is read-only, and flows and transitions (virtflow_host_plan_bind()) on it fail with
 * %VIRTFLOW_ERROR_READ_ONLY, unless a privileged helper makes the changes
 * (virtflow_host_get_helper()). The demo host
 * (virtflow_host_new_demo(), what `virtflow --demo` uses) is a simulated desktop whose
 * kernel model reacts to writes, so every flow runs on it and nothing real is touched.
 *
 * Each call that lists GPUs reads the host again: the #VirtFlowGpu objects are snapshots.
 */
struct _VirtFlowHost {
    GObject parent_instance;
    char *root;
    gboolean demo;
    VfHost *host;
};

enum { PROP_0, PROP_ROOT, PROP_DEMO, PROP_LIVE, PROP_WRITABLE, N_PROPS };

static GParamSpec *properties[N_PROPS];

static void virtflow_host_initable_iface_init(GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(VirtFlowHost, virtflow_host, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_INITABLE,
                                                    virtflow_host_initable_iface_init))

static gboolean
virtflow_host_initable_init(GInitable *initable, GCancellable *cancellable, GError **error)
{
    VirtFlowHost *self = VIRTFLOW_HOST(initable);

    if (self->host != NULL)
        return TRUE;
    if (self->demo) {
        if (self->root == NULL)
            self->root = vf_demo_dup_default_root();
        self->host = vf_demo_open_host(self->root, error);
    } else {
        self->host = vf_host_new(self->root ? self->root : "/", error);
    }
    if (self->host == NULL)
        return FALSE;
    g_free(self->root);
    self->root = g_strdup(vf_host_get_root(self->host));
    return TRUE;
}

static void
virtflow_host_initable_iface_init(GInitableIface *iface)
{
    iface->init = virtflow_host_initable_init;
}

static void
virtflow_host_finalize(GObject *object)
{
    VirtFlowHost *self = VIRTFLOW_HOST(object);

    g_clear_pointer(&self->host, vf_host_unref);
    g_free(self->root);
    G_OBJECT_CLASS(virtflow_host_parent_class)->finalize(object);
}

static void
virtflow_host_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowHost *self = VIRTFLOW_HOST(object);

    switch (prop_id) {
    case PROP_ROOT:
        g_value_set_string(value, self->root);
        break;
    case PROP_DEMO:
        g_value_set_boolean(value, self->demo);
        break;
    case PROP_LIVE:
        g_value_set_boolean(value, virtflow_host_get_live(self));
        break;
    case PROP_WRITABLE:
        g_value_set_boolean(value, virtflow_host_get_writable(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_host_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    VirtFlowHost *self = VIRTFLOW_HOST(object);

    switch (prop_id) {
    case PROP_ROOT:
        g_free(self->root);
        self->root = g_value_dup_string(value);
        break;
    case PROP_DEMO:
        self->demo = g_value_get_boolean(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_host_class_init(VirtFlowHostClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = virtflow_host_finalize;
    object_class->get_property = virtflow_host_get_property;
    object_class->set_property = virtflow_host_set_property;

    /**
     * VirtFlowHost:root: (getter get_root)
     *
     * The directory the kernel's files are read under: "/" for this machine. %NULL at
     * construction means "/" (or, for the demo, its default root).
     */
    properties[PROP_ROOT] =
        g_param_spec_string("root", NULL, NULL, NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHost:demo: (getter get_demo)
     *
     * Whether this is the demo's simulated host (built under the root when missing).
     */
    properties[PROP_DEMO] =
        g_param_spec_boolean("demo", NULL, NULL, FALSE,
                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHost:live: (getter get_live)
     *
     * Whether the root is "/": the machine VirtFlow runs on.
     */
    properties[PROP_LIVE] =
        g_param_spec_boolean("live", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowHost:writable: (getter get_writable)
     *
     * Whether writes reach a kernel: the live machine, or the demo's kernel model. A
     * captured tree is read-only.
     */
    properties[PROP_WRITABLE] = g_param_spec_boolean("writable", NULL, NULL, FALSE,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_host_init(VirtFlowHost *self)
{
}

/**
 * virtflow_host_new:
 * @root: (nullable): the directory to read the kernel's files under; %NULL or "/" for
 *   this machine
 * @error: return location for a #GError
 *
 * Opens the host rooted at @root. Nothing is read yet but the root itself.
 *
 * Returns: (transfer full): the host, or %NULL with %VIRTFLOW_ERROR_NOT_FOUND when @root
 *   does not exist
 */
VirtFlowHost *
virtflow_host_new(const char *root, GError **error)
{
    return g_initable_new(VIRTFLOW_TYPE_HOST, NULL, error, "root", root, NULL);
}

/**
 * virtflow_host_new_demo:
 * @root: (nullable): where the demo lives; %NULL for the default
 *   ($VIRTFLOW_DEMO_ROOT, else $XDG_STATE_HOME/virtflow/demo-host)
 * @error: return location for a #GError
 *
 * Opens the demo's simulated machine (an AM5 desktop whose Raphael iGPU is the boot
 * display, and an NVIDIA RTX 4090 with HDMI audio), building it under @root when it is
 * missing: the host of `virtflow --demo`. Pair it with virtflow_connection_new_demo().
 *
 * Returns: (transfer full): the host, or %NULL with an error
 */
VirtFlowHost *
virtflow_host_new_demo(const char *root, GError **error)
{
    return g_initable_new(VIRTFLOW_TYPE_HOST, NULL, error, "root", root, "demo", TRUE, NULL);
}

VfHost *
_virtflow_host_get_vf(VirtFlowHost *host)
{
    return host->host;
}

/**
 * virtflow_host_get_root:
 * @host: a #VirtFlowHost
 *
 * The directory the kernel's files are read under.
 *
 * Returns: (transfer none): the root, "/" for this machine
 */
const char *
virtflow_host_get_root(VirtFlowHost *host)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return host->root;
}

/**
 * virtflow_host_get_demo:
 * @host: a #VirtFlowHost
 *
 * Whether @host is the demo's simulated desktop.
 *
 * Returns: %TRUE for the demo
 */
gboolean
virtflow_host_get_demo(VirtFlowHost *host)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), FALSE);
    return host->demo;
}

/**
 * virtflow_host_get_live:
 * @host: a #VirtFlowHost
 *
 * Whether @host is the machine VirtFlow runs on (rooted at "/").
 *
 * Returns: %TRUE for the live machine
 */
gboolean
virtflow_host_get_live(VirtFlowHost *host)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), FALSE);
    return host->host && vf_host_is_live(host->host);
}

/**
 * virtflow_host_get_writable:
 * @host: a #VirtFlowHost
 *
 * Whether writes reach a kernel (the live one, or the demo's model).
 *
 * Returns: %TRUE when flows can change @host
 */
gboolean
virtflow_host_get_writable(VirtFlowHost *host)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), FALSE);
    return host->host && vf_host_is_writable(host->host);
}

/**
 * virtflow_host_get_helper:
 * @host: a #VirtFlowHost
 *
 * The privileged helper that makes @host's changes for a user who is not root (the
 * installed virtflow-helper, run through pkexec, or $VIRTFLOW_HELPER), or %NULL when this
 * process makes them itself (root, the demo) or none can (a captured tree). A flow runs on
 * a host that is writable or has a helper.
 *
 * Returns: (transfer none) (nullable): the helper's path, or %NULL
 */
const char *
virtflow_host_get_helper(VirtFlowHost *host)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return host->host ? vf_host_get_helper(host->host) : NULL;
}

/**
 * virtflow_host_set_state_dir:
 * @host: a #VirtFlowHost
 * @dir: the directory of VirtFlow's journal and records
 *
 * Keeps the journal and the records of @host's moved devices under @dir instead of
 * /var/lib/virtflow (the demo's: under its root), as `virtflow --state-dir DIR` does. Set
 * it before the first flow runs.
 */
void
virtflow_host_set_state_dir(VirtFlowHost *host, const char *dir)
{
    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    g_return_if_fail(dir != NULL);
    vf_host_set_state_dir(host->host, dir);
}

/**
 * virtflow_host_dup_iommu_verdict:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * What VirtFlow says of the IOMMU, one plain sentence, as `virtflow gpu list` prints it
 * on its first line.
 *
 * Returns: (transfer full): the verdict, or %NULL with an error
 */
char *
virtflow_host_dup_iommu_verdict(VirtFlowHost *host, GError **error)
{
    g_autoptr(VfHostReport) report = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    if ((report = vf_host_report_new(host->host, error)) == NULL)
        return NULL;
    return g_strdup(report->iommu->verdict);
}

static GPtrArray *
virtflow_host_read_gpus(VfHost *host, gboolean eligible_only, GError **error)
{
    g_autoptr(VfHostReport) report = vf_host_report_new(host, error);
    GPtrArray *gpus;

    if (report == NULL)
        return NULL;
    gpus = g_ptr_array_new_with_free_func(g_object_unref);
    for (guint i = 0; i < report->gpus->len; i++) {
        const VfGpu *gpu = report->gpus->pdata[i];

        if (!eligible_only || vf_gpu_is_eligible(gpu))
            g_ptr_array_add(gpus, _virtflow_gpu_new_from_vf(gpu));
    }
    return gpus;
}

/**
 * virtflow_host_list_gpus:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * Reads every GPU (PCI display function) of @host with its verdict: what `virtflow gpu
 * list` shows. This reads sysfs and every process's open files: from a GUI, call
 * virtflow_host_list_gpus_async().
 *
 * Returns: (transfer container) (element-type VirtFlowGpu): the GPUs, sorted by address, or
 *   %NULL with an error
 */
GPtrArray *
virtflow_host_list_gpus(VirtFlowHost *host, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return virtflow_host_read_gpus(host->host, FALSE, error);
}

static void
virtflow_host_list_gpus_thread(GTask *task, gpointer source, gpointer data,
                               GCancellable *cancellable)
{
    GError *error = NULL;
    GPtrArray *gpus = virtflow_host_read_gpus(data, FALSE, &error);

    if (gpus == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, gpus, (GDestroyNotify)g_ptr_array_unref);
}

/**
 * virtflow_host_list_gpus_async:
 * @host: a #VirtFlowHost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default main context of the caller when
 *   the GPUs are read
 * @user_data: (closure): data for @callback
 *
 * Reads the GPUs as virtflow_host_list_gpus() does, in a worker thread.
 */
void
virtflow_host_list_gpus_async(VirtFlowHost *host, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = NULL;

    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    task = g_task_new(host, cancellable, callback, user_data);
    g_task_set_source_tag(task, virtflow_host_list_gpus_async);
    g_task_set_return_on_cancel(task, TRUE);
    g_task_set_task_data(task, vf_host_ref(host->host), (GDestroyNotify)vf_host_unref);
    g_task_run_in_thread(task, virtflow_host_list_gpus_thread);
}

/**
 * virtflow_host_list_gpus_finish:
 * @host: a #VirtFlowHost
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virtflow_host_list_gpus_async().
 *
 * Returns: (transfer container) (element-type VirtFlowGpu): the GPUs, or %NULL with an error
 */
GPtrArray *
virtflow_host_list_gpus_finish(VirtFlowHost *host, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, host), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

/**
 * virtflow_host_get_passthrough_gpus:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * The GPUs nothing blocks: those a VM can be given now (the guide's
 * `GPUDetector.get_passthrough_gpus()`).
 *
 * Returns: (transfer container) (element-type VirtFlowGpu): the eligible GPUs, maybe none, or
 *   %NULL with an error
 */
GPtrArray *
virtflow_host_get_passthrough_gpus(VirtFlowHost *host, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return virtflow_host_read_gpus(host->host, TRUE, error);
}

/**
 * virtflow_host_find_gpu:
 * @host: a #VirtFlowHost
 * @address: a PCI address of the GPU or of one of its companions ("01:00.1" is enough)
 * @error: return location for a #GError
 *
 * The GPU that @address is a function of.
 *
 * Returns: (transfer full): the GPU, or %NULL with %VIRTFLOW_ERROR_INVALID_ARGUMENT
 *   (malformed address) or %VIRTFLOW_ERROR_NOT_FOUND
 */
VirtFlowGpu *
virtflow_host_find_gpu(VirtFlowHost *host, const char *address, GError **error)
{
    g_autoptr(VfHostReport) report = NULL;
    VfGpu *gpu;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    g_return_val_if_fail(address != NULL, NULL);
    if ((report = vf_host_report_new_for_gpu(host->host, address, error)) == NULL ||
        (gpu = vf_host_report_find_gpu(report, address, error)) == NULL)
        return NULL;
    return _virtflow_gpu_new_from_vf(gpu);
}

/**
 * virtflow_host_list_inputs:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * The keyboards and mice of @host that can be handed to a VM (those with a
 * `/dev/input/by-id` link), the ones with the most recent input first; each says whether
 * `--input auto` (#VirtFlowFlow:input-auto) picks it. What a front end offers before
 * setting #VirtFlowFlow:input-devices.
 *
 * Returns: (transfer container) (element-type VirtFlowInputDevice): the devices (empty when
 *   the host has none), or %NULL with an error when /dev/input cannot be read
 */
GPtrArray *
virtflow_host_list_inputs(VirtFlowHost *host, GError **error)
{
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(GPtrArray) picked = NULL;
    GPtrArray *out;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    if ((devices = vf_input_list(host->host, error)) == NULL)
        return NULL;
    picked = vf_input_pick_auto(host->host, NULL, NULL);
    out = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_input_device_free);
    for (guint i = 0; i < devices->len; i++) {
        const VfInputDevice *dev = devices->pdata[i];
        VirtFlowInputDevice *copy = g_new0(VirtFlowInputDevice, 1);

        copy->path = g_strdup(dev->by_id);
        copy->name = g_strdup(dev->name);
        copy->kind = (VirtFlowInputKind)dev->kind;
        copy->event = g_strdup(dev->event);
        copy->pci_address = g_strdup(dev->pci_address);
        copy->last_input_us = dev->last_input_us;
        if (dev->pci_address) {
            g_autoptr(VfPciDevice) pci = vf_pci_device_new(host->host, dev->pci_address, NULL);

            if (pci)
                copy->pci_class_name = vf_pci_class_dup_name(pci->class_code);
        }
        for (guint j = 0; picked && j < picked->len; j++)
            copy->picked |=
                g_strcmp0(((const VfEvdevInput *)picked->pdata[j])->path, dev->by_id) == 0;
        g_ptr_array_add(out, copy);
    }
    return out;
}

/**
 * virtflow_host_dup_input_note:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * Why `--input auto` (#VirtFlowFlow:input-auto) picks no keyboard or no mouse on @host, as
 * `virtflow host --input` prints it last; %NULL when it picks both.
 *
 * Returns: (transfer full) (nullable): the note, or %NULL (with an error only when the
 *   input devices cannot be read)
 */
char *
virtflow_host_dup_input_note(VirtFlowHost *host, GError **error)
{
    g_autoptr(GPtrArray) picked = NULL;
    char *note = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    picked = vf_input_pick_auto(host->host, &note, error);
    if (picked == NULL)
        g_clear_pointer(&note, g_free);
    return note;
}

/**
 * virtflow_host_get_report:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * Reads @host at once: the IOMMU, vfio, every GPU with its verdict (what `virtflow host`
 * and `virtflow gpu list` show) and the PCI devices (`virtflow host --groups`). This reads
 * sysfs and every process's open files: from a GUI, call virtflow_host_get_report_async().
 *
 * Returns: (transfer full): the report, or %NULL with an error
 */
VirtFlowHostReport *
virtflow_host_get_report(VirtFlowHost *host, GError **error)
{
    VfHostReport *report;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    if ((report = vf_host_report_new(host->host, error)) == NULL)
        return NULL;
    return _virtflow_host_report_new_from_vf(host->host, report);
}

static void
virtflow_host_get_report_thread(GTask *task, gpointer source, gpointer data,
                                GCancellable *cancellable)
{
    GError *error = NULL;
    VirtFlowHostReport *report = virtflow_host_get_report(source, &error);

    if (report == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, report, g_object_unref);
}

/**
 * virtflow_host_get_report_async:
 * @host: a #VirtFlowHost
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called in the thread-default main context of the caller when
 *   the host is read
 * @user_data: (closure): data for @callback
 *
 * Reads the host as virtflow_host_get_report() does, in a worker thread.
 */
void
virtflow_host_get_report_async(VirtFlowHost *host, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = NULL;

    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    task = g_task_new(host, cancellable, callback, user_data);
    g_task_set_source_tag(task, virtflow_host_get_report_async);
    g_task_set_return_on_cancel(task, TRUE);
    g_task_run_in_thread(task, virtflow_host_get_report_thread);
}

/**
 * virtflow_host_get_report_finish:
 * @host: a #VirtFlowHost
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virtflow_host_get_report_async().
 *
 * Returns: (transfer full): the report, or %NULL with an error
 */
VirtFlowHostReport *
virtflow_host_get_report_finish(VirtFlowHost *host, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, host), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

/**
 * virtflow_host_check_writable:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * Whether devices of @host can be moved: it is writable (#VirtFlowHost:writable) or has a
 * privileged helper (virtflow_host_get_helper()). A captured tree is for reading and dry runs:
 * virtflow_transition_apply() refuses on it. A front end calls this before it plans a
 * change it means to make, as `virtflow gpu bind` does without `--dry-run`.
 *
 * Returns: %TRUE, or %FALSE with %VIRTFLOW_ERROR_READ_ONLY naming the root
 */
gboolean
virtflow_host_check_writable(VirtFlowHost *host, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), FALSE);
    if (vf_host_is_writable(host->host) || vf_host_get_helper(host->host) != NULL)
        return TRUE;
    g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_READ_ONLY,
                "--host-root '%s' is for reading and --dry-run: VirtFlow changes devices only "
                "on the live machine",
                vf_host_get_root(host->host));
    return FALSE;
}

/**
 * virtflow_host_plan_bind:
 * @host: a #VirtFlowHost
 * @address: a PCI address of the GPU or of one of its companions ("01:00.0" is enough)
 * @error: return location for a #GError
 *
 * Plans `virtflow gpu bind`: the GPU's passthrough set from its host drivers to vfio-pci.
 * Only that GPU is read.
 *
 * Returns: (transfer full): the transition, or %NULL with %VIRTFLOW_ERROR_INVALID_ARGUMENT
 *   (malformed address, not a GPU), %VIRTFLOW_ERROR_NOT_FOUND, or the error of the GPU's
 *   first blocker (%VIRTFLOW_ERROR_BOOT_VGA, …) with all of them in its message
 */
VirtFlowTransition *
virtflow_host_plan_bind(VirtFlowHost *host, const char *address, GError **error)
{
    g_autoptr(VfHostReport) report = NULL;
    VfTransition *t;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    g_return_val_if_fail(address != NULL, NULL);
    if ((report = vf_host_report_new_for_gpu(host->host, address, error)) == NULL ||
        (t = vf_transition_new_bind(host->host, report, address, error)) == NULL)
        return NULL;
    return _virtflow_transition_new(host, t);
}

/**
 * virtflow_host_plan_restore:
 * @host: a #VirtFlowHost
 * @address: (nullable): a PCI address of the GPU or of one of its companions; %NULL for
 *   every GPU (`restore --all`)
 * @error: return location for a #GError
 *
 * Plans `virtflow gpu restore`: the devices VirtFlow's records say it moved to vfio-pci,
 * back to the host drivers recorded. A member of the set on vfio-pci that VirtFlow did not
 * move stays and is named in virtflow_transition_dup_left().
 *
 * Returns: (transfer full): the transition, or %NULL with %VIRTFLOW_ERROR_INVALID_ARGUMENT
 *   or %VIRTFLOW_ERROR_NOT_FOUND
 */
VirtFlowTransition *
virtflow_host_plan_restore(VirtFlowHost *host, const char *address, GError **error)
{
    g_autoptr(VfHostReport) report = NULL;
    VfTransition *t;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    report = address ? vf_host_report_new_for_gpu(host->host, address, error)
                     : vf_host_report_new(host->host, error);
    if (report == NULL ||
        (t = vf_transition_new_restore(host->host, report, address, error)) == NULL)
        return NULL;
    return _virtflow_transition_new(host, t);
}

/**
 * virtflow_host_plan_recover:
 * @host: a #VirtFlowHost
 * @error: return location for a #GError
 *
 * Plans `virtflow recover`: every device named in a journal an interrupted bind or restore
 * left (a crash, a kill) back to its host driver, the journals removed once applied.
 *
 * Returns: (transfer full) (nullable): the transition; %NULL without an error when no
 *   journal waits, %NULL with an error when one cannot be read
 */
VirtFlowTransition *
virtflow_host_plan_recover(VirtFlowHost *host, GError **error)
{
    VfTransition *t;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    if ((t = vf_transition_new_recover(host->host, error)) == NULL)
        return NULL;
    return _virtflow_transition_new(host, t);
}

/**
 * virtflow_host_dup_pending_tunes:
 * @host: a #VirtFlowHost
 *
 * The VMs whose tune journal waits: what a tuned VM took while it ran (huge pages, the
 * host's CPUs for its isolation) and no hook gave back, after a crash. What
 * `virtflow recover --dry-run` names; virtflow_host_recover_tunes() gives it back.
 *
 * Returns: (transfer full) (array zero-terminated=1): the VMs' names, maybe none
 */
char **
virtflow_host_dup_pending_tunes(VirtFlowHost *host)
{
    g_autoptr(GPtrArray) pending = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    pending = vf_tune_run_dup_pending(host->host);
    g_ptr_array_add(pending, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&pending), FALSE);
}

/**
 * virtflow_host_recover_tunes:
 * @host: a #VirtFlowHost
 * @summary: (out) (optional) (transfer full): what was given back, one line per VM, ""
 *   when nothing was left
 * @error: return location for a #GError
 *
 * Gives back what the VMs of virtflow_host_dup_pending_tunes() took (huge pages, the
 * systemd slices confined to the host's CPUs), except for those still running, which
 * keep it; removes their journals. `virtflow recover` does this before it recovers the
 * devices.
 *
 * Returns: %TRUE, or %FALSE with an error when a VM's could not be given back (its journal
 *   is kept)
 */
gboolean
virtflow_host_recover_tunes(VirtFlowHost *host, char **summary, GError **error)
{
    g_autofree char *text = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), FALSE);
    if (!vf_tune_run_recover(host->host, NULL, &text, error))
        return FALSE;
    if (summary)
        *summary = g_steal_pointer(&text);
    return TRUE;
}
