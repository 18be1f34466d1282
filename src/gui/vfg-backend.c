/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfg-backend.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "flows/vf-passthrough-private.h"
#include "virtflow-internal.h"

#define VFG_HOOK_LOG_PATH VF_DOCTOR_HOOK_LOG_PATH
#define VFG_HELPER_LOG    "/var/log/virtflow/helper.log"
#define VFG_MAX_LOG_LINES 500

/* The GObject API's host and connection (docs/DESIGN.md, "The GObject API"); the parts of
 * the app still on the C API use the VfHost and VfConnection they wrap. */
struct _VfgBackend {
    GObject parent_instance;
    gboolean demo;
    char *demo_root;
    char *uri;
    VirtFlowHost *vhost;
    VirtFlowConnection *vconn;
    VfHost *host;       /* vhost's */
    VfConnection *conn; /* vconn's */
    GMutex log_lock;
};

G_DEFINE_FINAL_TYPE(VfgBackend, vfg_backend, G_TYPE_OBJECT)

enum { SIGNAL_VM_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vfg_backend_dispose(GObject *object)
{
    VfgBackend *self = VFG_BACKEND(object);

    if (self->vconn)
        g_signal_handlers_disconnect_by_data(self->vconn, self);
    G_OBJECT_CLASS(vfg_backend_parent_class)->dispose(object);
}

static void
vfg_backend_finalize(GObject *object)
{
    VfgBackend *self = VFG_BACKEND(object);

    self->conn = NULL;
    self->host = NULL;
    g_clear_object(&self->vconn);
    g_clear_object(&self->vhost);
    g_free(self->demo_root);
    g_free(self->uri);
    g_mutex_clear(&self->log_lock);
    G_OBJECT_CLASS(vfg_backend_parent_class)->finalize(object);
}

static void
vfg_backend_class_init(VfgBackendClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = vfg_backend_dispose;
    object_class->finalize = vfg_backend_finalize;
    /* a VM's lifecycle changed (libvirt event), on the backend's main context */
    signals[SIGNAL_VM_EVENT] =
        g_signal_new("vm-event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
}

static void
vfg_backend_init(VfgBackend *self)
{
    g_mutex_init(&self->log_lock);
}

gboolean
vfg_backend_is_demo(VfgBackend *self)
{
    return self->demo;
}

const char *
vfg_backend_get_uri(VfgBackend *self)
{
    return self->uri;
}

VfHost *
vfg_backend_get_host(VfgBackend *self)
{
    return self->host;
}

VirtFlowHost *
vfg_backend_get_vhost(VfgBackend *self)
{
    return self->vhost;
}

VirtFlowConnection *
vfg_backend_get_connection(VfgBackend *self)
{
    return self->vconn;
}

/* ---- the log VirtFlow's app writes: one line per step and per flow ---- */

char *
vfg_backend_dup_log_path(VfgBackend *self)
{
    if (self->demo)
        return vf_host_dup_real_path(self->host, "/var/log/virtflow/virtflow.log");
    return g_build_filename(g_get_user_state_dir(), "virtflow", "virtflow.log", NULL);
}

char *
vfg_backend_dup_hook_log_path(VfgBackend *self)
{
    return vf_host_dup_real_path(self->host, VFG_HOOK_LOG_PATH);
}

/* Any thread. Logging must never break a flow: errors are ignored. */
static void vfg_backend_log(VfgBackend *self, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
vfg_backend_log(VfgBackend *self, const char *format, ...)
{
    g_autofree char *path = vfg_backend_dup_log_path(self);
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
    g_autofree char *text = NULL;
    va_list ap;
    FILE *f;

    va_start(ap, format);
    text = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_mutex_lock(&self->log_lock);
    g_mkdir_with_parents(dir, 0755);
    f = g_fopen(path, "a");
    if (f) {
        fprintf(f, "%s %s\n", stamp, text);
        fclose(f);
    }
    g_mutex_unlock(&self->log_lock);
}

/* ---- lifecycle events: VirtFlowConnection::vm-changed, already on the main context ---- */

static void
vfg_backend_on_vm_changed(VirtFlowConnection *conn, const char *name, VirtFlowLifecycleEvent event,
                          gpointer data)
{
    /* VirtFlowLifecycleEvent mirrors VfLifecycleEvent, value for value */
    g_signal_emit(VFG_BACKEND(data), signals[SIGNAL_VM_EVENT], 0, name, (int)event);
}

/* ---- open: the host in a thread, then the connection (its events for this thread) ---- */

typedef struct {
    gboolean demo;
    char *demo_root;
    char *uri;
    VfgBackend *self; /* once the host is open */
} VfgOpenArgs;

static void
vfg_open_args_free(VfgOpenArgs *args)
{
    g_free(args->demo_root);
    g_free(args->uri);
    g_clear_object(&args->self);
    g_free(args);
}

static void
vfg_backend_open_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgOpenArgs *args = data;
    g_autoptr(VfgBackend) self = g_object_new(VFG_TYPE_BACKEND, NULL);
    g_autoptr(GError) error = NULL;

    self->demo = args->demo;
    if (args->demo) {
        self->demo_root = args->demo_root ? g_strdup(args->demo_root) : vf_demo_dup_default_root();
        self->vhost = virtflow_host_new_demo(self->demo_root, &error);
    } else {
        self->vhost = virtflow_host_new("/", &error);
    }
    if (self->vhost == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    self->host = _virtflow_host_get_vf(self->vhost);
    g_task_return_pointer(task, g_steal_pointer(&self), g_object_unref);
}

static void
vfg_backend_connection_opened(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    VfgOpenArgs *args = g_task_get_task_data(task);
    VfgBackend *self = args->self;
    GError *error = NULL;

    self->vconn = virtflow_connection_new_finish(result, &error);
    if (self->vconn == NULL) {
        g_task_return_error(task, error);
        return;
    }
    self->conn = _virtflow_connection_get_vf(self->vconn);
    self->uri = g_strdup(virtflow_connection_get_uri(self->vconn));
    if (self->demo) {
        const char *fail = g_getenv("VIRTFLOW_DEMO_FAIL_STEP");

        /* test-only: every flow fails at that step (docs/DESIGN.md, "Desktop app") */
        if (fail && *fail)
            vf_flow_inject_failure(fail);
    }
#ifdef VFG_TEST_HOOKS
    /* test builds: $VIRTFLOW_GTK_TEST_STEP_MS slows each step down, so that the tests can act
     * while a flow runs (a refresh, the progress read by a screen reader) */
    if (g_getenv("VIRTFLOW_GTK_TEST_STEP_MS"))
        vf_flow_inject_step_delay(
            (guint)g_ascii_strtoull(g_getenv("VIRTFLOW_GTK_TEST_STEP_MS"), NULL, 10));
#endif
    /* events come to this thread's context (the GUI's): the connection was finished here */
    g_signal_connect(self->vconn, "vm-changed", G_CALLBACK(vfg_backend_on_vm_changed), self);
    g_task_return_pointer(task, g_steal_pointer(&args->self), g_object_unref);
}

static void
vfg_backend_host_opened(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    VfgOpenArgs *args = g_task_get_task_data(task);
    GError *error = NULL;
    GTask *inner = G_TASK(result);

    args->self = g_task_propagate_pointer(inner, &error);
    if (args->self == NULL) {
        g_task_return_error(task, error);
        return;
    }
    if (args->demo)
        virtflow_connection_new_demo_async(args->self->vhost, NULL, vfg_backend_connection_opened,
                                           g_steal_pointer(&task));
    else
        virtflow_connection_new_async(args->uri, NULL, vfg_backend_connection_opened,
                                      g_steal_pointer(&task));
}

void
vfg_backend_new_async(gboolean demo, const char *demo_root, const char *uri,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GTask) inner = g_task_new(NULL, cancellable, vfg_backend_host_opened, task);
    VfgOpenArgs *args = g_new0(VfgOpenArgs, 1);

    args->demo = demo;
    args->demo_root = g_strdup(demo_root);
    args->uri = g_strdup(uri);
    g_task_set_task_data(task, args, (GDestroyNotify)vfg_open_args_free);
    g_task_set_task_data(inner, args, NULL);
    g_task_run_in_thread(inner, vfg_backend_open_thread);
}

VfgBackend *
vfg_backend_new_finish(GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- findings ---- */

void
vfg_finding_free(VfgFinding *finding)
{
    if (finding == NULL)
        return;
    g_free(finding->title);
    g_free(finding->detail);
    g_free(finding->fix);
    g_free(finding);
}

static void
vfg_finding_add(GPtrArray *out, VfgFindingLevel level, const char *title, const char *detail,
                const char *fix)
{
    VfgFinding *f = g_new0(VfgFinding, 1);

    f->level = level;
    f->title = g_strdup(title);
    f->detail = g_strdup(detail);
    f->fix = g_strdup(fix);
    g_ptr_array_add(out, f);
}

GPtrArray *
vfg_host_findings(VirtFlowHost *host, VirtFlowConnection *conn)
{
    static const VfgFindingLevel levels[] = {
        [VIRTFLOW_CHECK_PASS] = VFG_FINDING_OK,
        [VIRTFLOW_CHECK_WARN] = VFG_FINDING_WARN,
        [VIRTFLOW_CHECK_FAIL] = VFG_FINDING_FAIL,
        [VIRTFLOW_CHECK_SKIP] = VFG_FINDING_OK,
    };
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vfg_finding_free);
    g_autoptr(VirtFlowDoctor) doctor = virtflow_doctor_new();
    g_autoptr(GPtrArray) checks = NULL;

    /* the library's doctor: the same checks as `virtflow doctor`, skipped ones left out */
    virtflow_doctor_check_host(doctor, host);
    virtflow_doctor_check_libvirt(doctor, conn);
    checks = virtflow_doctor_dup_checks(doctor);
    for (guint i = 0; i < checks->len; i++) {
        const VirtFlowCheck *check = checks->pdata[i];

        if (check->status == VIRTFLOW_CHECK_SKIP || check->status > VIRTFLOW_CHECK_SKIP)
            continue;
        vfg_finding_add(out, levels[check->status], check->title, check->detail, check->fix);
    }
    return out;
}

/* ---- refresh ---- */

void
vfg_snapshot_free(VfgSnapshot *snap)
{
    if (snap == NULL)
        return;
    g_clear_pointer(&snap->domains, g_ptr_array_unref);
    g_clear_object(&snap->report);
    g_clear_pointer(&snap->findings, g_ptr_array_unref);
    g_clear_pointer(&snap->gpus, g_ptr_array_unref);
    g_clear_pointer(&snap->inputs, g_ptr_array_unref);
    g_clear_pointer(&snap->profiles, g_hash_table_unref);
    g_free(snap->report_error);
    g_free(snap->hook_text);
    g_free(snap);
}

/* The VM list through VirtFlowConnection, as the window's model: the app's own records,
 * which it edits after a flow until the next refresh confirms (VirtFlowVm is a snapshot),
 * and into @profiles how each activated VM is used. */
static GPtrArray *
vfg_domains_from_vms(VirtFlowConnection *conn, GHashTable *profiles, GError **error)
{
    g_autoptr(GPtrArray) vms = virtflow_connection_list_vms_full(conn, error);
    GPtrArray *domains;

    if (vms == NULL)
        return NULL;
    domains = g_ptr_array_new_full(vms->len, (GDestroyNotify)vf_domain_info_free);
    for (guint i = 0; i < vms->len; i++) {
        VirtFlowVm *vm = vms->pdata[i];
        VfDomainInfo *info = g_new0(VfDomainInfo, 1);
        g_autoptr(VirtFlowProfile) vprofile = NULL;

        info->name = g_strdup(virtflow_vm_get_name(vm));
        info->uuid = g_strdup(virtflow_vm_get_uuid(vm));
        /* VirtFlowVmState mirrors VfDomainState, value for value */
        info->state = (VfDomainState)virtflow_vm_get_state(vm);
        info->persistent = virtflow_vm_get_persistent(vm);
        info->passthrough = virtflow_vm_get_passthrough(vm);
        info->gpu = g_strdup(virtflow_vm_get_gpu(vm));
        info->vcpus = virtflow_vm_get_vcpus(vm);
        info->memory_kib = virtflow_vm_get_memory(vm);
        g_ptr_array_add(domains, info);
        /* how an activated VM is used, from its record ("How it is used", Looking Glass);
         * one that cannot be read now (removed meanwhile) has none */
        if (info->passthrough &&
            (vprofile = virtflow_connection_dup_vm_profile(conn, info->uuid, NULL)) != NULL) {
            VfProfile *profile = vf_profile_new();

            profile->view = (VfView)vprofile->view;
            if (vprofile->grab_toggle)
                vf_grab_toggle_from_string(vprofile->grab_toggle, &profile->grab_toggle, NULL);
            profile->usb_controller = g_strdup(vprofile->usb_controller);
            for (guint p = 0; vprofile->inputs && vprofile->inputs[p]; p++)
                g_ptr_array_add(
                    profile->evdev,
                    vf_evdev_input_new(vprofile->input_kinds &&
                                               g_strcmp0(vprofile->input_kinds[p], "keyboard") == 0
                                           ? VF_INPUT_KIND_KEYBOARD
                                           : VF_INPUT_KIND_MOUSE,
                                       vprofile->inputs[p]));
            g_hash_table_insert(profiles, g_strdup(info->name), profile);
        }
    }
    return domains;
}

static void
vfg_backend_refresh_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(VfgSnapshot) snap = g_new0(VfgSnapshot, 1);
    g_autoptr(GError) error = NULL;

    snap->profiles =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vf_profile_free);
    snap->domains = vfg_domains_from_vms(self->vconn, snap->profiles, &error);
    if (snap->domains == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    /* one scan: the IOMMU, the vfio modules and the GPUs (verdicts, blockers, the devices
     * that move, pci.ids names) */
    snap->report = virtflow_host_get_report(self->vhost, &error);
    if (snap->report == NULL)
        snap->report_error = g_strdup(error->message);
    else
        snap->gpus = g_ptr_array_ref(virtflow_host_report_get_gpus(snap->report));
    /* setup links it to the installed hook; a copy or a script there counts too */
    if (vf_host_readlink_errno(self->host, VF_SETUP_HOOK_LINK) == 0) {
        g_autofree char *target = vf_host_readlink(self->host, VF_SETUP_HOOK_LINK);

        snap->hook_installed = TRUE;
        snap->hook_text =
            vf_host_is_live(self->host) && !g_file_test(target, G_FILE_TEST_EXISTS)
                ? g_strdup_printf(_("installed, but its target %s is missing: run setup again"),
                                  target)
                : g_strdup_printf(_("installed (%s → %s)"), VF_SETUP_HOOK_LINK, target);
    } else if (vf_host_exists(self->host, VF_SETUP_HOOK_LINK)) {
        snap->hook_installed = TRUE;
        snap->hook_text = g_strdup_printf(_("installed (%s)"), VF_SETUP_HOOK_LINK);
    } else {
        snap->hook_text = g_strdup(_("not installed"));
    }
    snap->findings = vfg_host_findings(self->vhost, self->vconn);
    /* what the Activate dialog offers: the keyboards and mice, and the auto pick */
    snap->inputs = virtflow_host_list_inputs(self->vhost, NULL);
    if (snap->inputs == NULL)
        snap->inputs = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_input_device_free);
    g_task_return_pointer(task, g_steal_pointer(&snap), (GDestroyNotify)vfg_snapshot_free);
}

void
vfg_backend_refresh_async(VfgBackend *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                          gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, cancellable, callback, user_data);

    g_task_run_in_thread(task, vfg_backend_refresh_thread);
}

VfgSnapshot *
vfg_backend_refresh_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- flows: VirtFlowFlow ---- */

typedef struct {
    VfgBackend *self; /* borrowed: the task holds a reference */
    VirtFlowFlow *flow;
    VfgProgressFunc plan_func;
    VfgProgressFunc progress;
    VfgWaitFunc wait_tick;
    gpointer progress_data;
} VfgFlowJob;

static void
vfg_flow_job_free(VfgFlowJob *job)
{
    if (job->flow)
        g_signal_handlers_disconnect_by_data(job->flow, job);
    g_clear_object(&job->flow);
    g_free(job);
}

static const char *const vfg_flow_names[] = {
    [VIRTFLOW_FLOW_ACTIVATE] = "activate",
    [VIRTFLOW_FLOW_DEACTIVATE] = "deactivate",
    [VIRTFLOW_FLOW_START] = "start",
    [VIRTFLOW_FLOW_STOP] = "stop",
};

/* VirtFlowFlow::step-changed, on the main context: the app's log, then the window. */
static void
vfg_flow_on_step(VirtFlowFlow *flow, VirtFlowStep *step, double fraction, gpointer data)
{
    VfgFlowJob *job = data;

    if (step->state != VIRTFLOW_STEP_RUNNING && step->state != VIRTFLOW_STEP_WAITING)
        vfg_backend_log(job->self, "%s: %s %s%s%s", virtflow_flow_get_vm(flow), step->id,
                        vf_step_state_to_string((VfStepState)step->state), step->detail ? ": " : "",
                        step->detail ? step->detail : "");
    if (job->progress)
        job->progress(step, fraction, job->progress_data);
}

static void
vfg_flow_on_wait_tick(VirtFlowFlow *flow, guint elapsed_ms, guint total_ms, gpointer data)
{
    VfgFlowJob *job = data;

    if (job->wait_tick)
        job->wait_tick(elapsed_ms, total_ms, job->progress_data);
}

static void
vfg_flow_run_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(GTask) task = data;
    VfgFlowJob *job = g_task_get_task_data(task);
    VirtFlowFlow *flow = VIRTFLOW_FLOW(source);
    const char *vm = virtflow_flow_get_vm(flow);
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) warnings = NULL;
    gboolean ok = virtflow_flow_run_finish(flow, result, &error);

    g_signal_handlers_disconnect_by_data(flow, job);
    vfg_backend_log(job->self, "%s: %s %s%s%s", vm, vfg_flow_names[virtflow_flow_get_kind(flow)],
                    ok ? "succeeded" : "failed", ok ? "" : ": ", ok ? "" : error->message);
    warnings = virtflow_flow_dup_warnings(flow);
    for (guint i = 0; warnings[i]; i++)
        vfg_backend_log(job->self, "%s: warning: %s", vm, warnings[i]);
    /* the flow saved the demo's VMs itself (the test driver forgets them on close) */
    if (!ok)
        g_task_return_error(task, g_steal_pointer(&error));
    else
        g_task_return_boolean(task, TRUE);
}

static void
vfg_flow_run(GTask *task)
{
    VfgFlowJob *job = g_task_get_task_data(task);

    vfg_backend_log(job->self, "%s: %s%s", virtflow_flow_get_vm(job->flow),
                    vfg_flow_names[virtflow_flow_get_kind(job->flow)],
                    virtflow_flow_get_force(job->flow) ? " (forced)" : "");
    g_signal_connect(job->flow, "step-changed", G_CALLBACK(vfg_flow_on_step), job);
    g_signal_connect(job->flow, "wait-tick", G_CALLBACK(vfg_flow_on_wait_tick), job);
    virtflow_flow_run_async(job->flow, NULL, vfg_flow_run_done, task);
}

/* The plan reads the host and the VM: in a thread. Nothing else touches the flow meanwhile. */
static void
vfg_flow_plan_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    /* a plan that fails is not shown: the run fails the same way, at its step */
    g_task_return_boolean(task, virtflow_flow_plan(VIRTFLOW_FLOW(data), NULL));
}

static void
vfg_flow_planned(GObject *source, GAsyncResult *result, gpointer data)
{
    GTask *task = data; /* the flow's task, handed on to the run */
    VfgFlowJob *job = g_task_get_task_data(task);

    if (g_task_propagate_boolean(G_TASK(result), NULL)) {
        g_autoptr(GPtrArray) steps = virtflow_flow_dup_steps(job->flow);

        for (guint i = 0; i < steps->len; i++)
            job->plan_func(steps->pdata[i], 0, job->progress_data);
    }
    vfg_flow_run(task);
}

/* Activate's profile as the flow's properties: the view, the keyboards and mice chosen (an
 * empty choice hands none over), the switch keys. */
static void
vfg_flow_set_profile(VirtFlowFlow *flow, const VfProfile *profile)
{
    g_autoptr(GStrvBuilder) devices = g_strv_builder_new();
    g_auto(GStrv) paths = NULL;

    /* the answer is passed as it is, defaults included (an activated VM's is replaced) */
    virtflow_flow_set_replace_profile(flow, TRUE);
    virtflow_flow_set_view(flow, (VirtFlowView)profile->view);
    virtflow_flow_set_grab_toggle(flow, vf_grab_toggle_to_string(profile->grab_toggle));
    for (guint i = 0; i < profile->evdev->len; i++)
        g_strv_builder_add(devices, ((const VfEvdevInput *)profile->evdev->pdata[i])->path);
    paths = g_strv_builder_end(devices);
    virtflow_flow_set_input_devices(flow, (const char *const *)paths);
}

void
vfg_backend_run_flow_async(VfgBackend *self, VirtFlowFlowKind kind, const char *vm, gboolean force,
                           const VfProfile *profile, VfgProgressFunc plan_func,
                           VfgProgressFunc progress, VfgWaitFunc wait_tick, gpointer progress_data,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *task = g_task_new(self, NULL, callback, user_data);
    VfgFlowJob *job = g_new0(VfgFlowJob, 1);

    g_return_if_fail(kind <= VIRTFLOW_FLOW_STOP);
    job->self = self;
    job->flow = virtflow_flow_new(kind, self->vhost, self->vconn, vm, NULL);
    virtflow_flow_set_force(job->flow, force);
    if (kind == VIRTFLOW_FLOW_ACTIVATE && profile)
        vfg_flow_set_profile(job->flow, profile);
    job->plan_func = plan_func;
    job->progress = progress;
    job->wait_tick = wait_tick;
    job->progress_data = progress_data;
    g_task_set_task_data(task, job, (GDestroyNotify)vfg_flow_job_free);
    if (plan_func) {
        g_autoptr(GTask) plan = g_task_new(self, NULL, vfg_flow_planned, task);

        g_task_set_task_data(plan, g_object_ref(job->flow), g_object_unref);
        g_task_run_in_thread(plan, vfg_flow_plan_thread);
    } else {
        vfg_flow_run(task);
    }
}

gboolean
vfg_backend_run_flow_finish(VfgBackend *self, GAsyncResult *result, VirtFlowFlow **ret_flow,
                            GError **error)
{
    VfgFlowJob *job = g_task_get_task_data(G_TASK(result));

    if (ret_flow)
        *ret_flow = g_object_ref(job->flow);
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- force off ---- */

static void
vfg_backend_force_off_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(GError) error = NULL;

    if (!virtflow_connection_force_off_vm(self->vconn, data, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    vfg_backend_log(self, "%s: forced off", (const char *)data);
    g_task_return_boolean(task, TRUE);
}

void
vfg_backend_force_off_async(VfgBackend *self, const char *vm, GAsyncReadyCallback callback,
                            gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_set_task_data(task, g_strdup(vm), g_free);
    g_task_run_in_thread(task, vfg_backend_force_off_thread);
}

gboolean
vfg_backend_force_off_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- a shutdown from inside the guest (demo) ---- */

static void
vfg_backend_guest_shutdown_thread(GTask *task, gpointer source, gpointer data,
                                  GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(GError) error = NULL;

    /* the demo's VMs are saved by the connection */
    if (!virtflow_connection_shutdown_vm(self->vconn, data, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    vfg_backend_log(self, "%s: shut down from inside the guest", (const char *)data);
    g_task_return_boolean(task, TRUE);
}

void
vfg_backend_guest_shutdown_async(VfgBackend *self, const char *vm, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_set_task_data(task, g_strdup(vm), g_free);
    g_task_run_in_thread(task, vfg_backend_guest_shutdown_thread);
}

gboolean
vfg_backend_guest_shutdown_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- setup: VirtFlowSetup ---- */

typedef struct {
    VfgBackend *self;
    guint done, manual, failed;
} VfgSetupRun;

/* VirtFlowSetup::change-done, in the setup's thread (virtflow_setup_apply runs there). */
static void
vfg_setup_on_change(VirtFlowSetup *setup, VirtFlowSetupChange *change, gpointer data)
{
    VfgSetupRun *run = data;

    vfg_backend_log(run->self, "setup: %s: %s%s%s", change->title,
                    vf_setup_state_to_string((VfSetupState)change->state),
                    change->detail ? ": " : "", change->detail ? change->detail : "");
    run->done += change->state == VIRTFLOW_SETUP_DONE;
    run->manual += change->state == VIRTFLOW_SETUP_MANUAL;
    run->failed += change->state == VIRTFLOW_SETUP_FAILED;
}

static void
vfg_backend_setup_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    VfgSetupRun run = {self, 0, 0, 0};
    g_autoptr(GError) error = NULL;
    gboolean ok;

    g_autoptr(VirtFlowSetup) setup =
        virtflow_setup_new(self->vhost, VIRTFLOW_SETUP_FLAGS_NONE, NULL, &error);

    /* through virtflow-helper where this process may not change the host */
    if (setup)
        g_signal_connect(setup, "change-done", G_CALLBACK(vfg_setup_on_change), &run);
    ok = setup && virtflow_setup_apply(setup, &error);
    if (!ok) {
        vfg_backend_log(self, "setup failed: %s", error->message);
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    g_task_return_pointer(
        task,
        g_strdup_printf(
            ngettext("Setup done: %u change made%s", "Setup done: %u changes made%s", run.done),
            run.done, run.manual ? _("; some need you (see the log page)") : ""),
        g_free);
}

void
vfg_backend_run_setup_async(VfgBackend *self, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_run_in_thread(task, vfg_backend_setup_thread);
}

char *
vfg_backend_run_setup_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
vfg_backend_plan_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowSetup) setup =
        virtflow_setup_new(self->vhost, VIRTFLOW_SETUP_FLAGS_NONE, NULL, &error);
    g_autoptr(GStrvBuilder) lines = g_strv_builder_new();
    g_autoptr(GPtrArray) changes = NULL;

    if (setup == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    changes = virtflow_setup_dup_changes(setup);
    for (guint i = 0; i < changes->len; i++) {
        const VirtFlowSetupChange *c = changes->pdata[i];
        g_autofree char *line = NULL;

        if (c->state != VIRTFLOW_SETUP_PENDING)
            continue;
        line =
            g_strdup_printf("%s%s%s", c->title, c->detail ? ": " : "", c->detail ? c->detail : "");
        g_strv_builder_add(lines, line);
    }
    g_task_return_pointer(task, g_strv_builder_end(lines), (GDestroyNotify)g_strfreev);
}

void
vfg_backend_plan_setup_async(VfgBackend *self, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_run_in_thread(task, vfg_backend_plan_thread);
}

GStrv
vfg_backend_plan_setup_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- logs ---- */

/* The last lines of @path, newest first, each prefixed with @prefix. */
static void
vfg_read_lines_reversed(GPtrArray *out, const char *path, const char *prefix)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint n;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    lines = g_strsplit(text, "\n", -1);
    n = g_strv_length(lines);
    for (guint i = n; i > 0 && out->len < VFG_MAX_LOG_LINES; i--) {
        const char *line = lines[i - 1];

        if (*line)
            g_ptr_array_add(out, g_strconcat(prefix, line, NULL));
    }
}

static void
vfg_backend_logs_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autofree char *app = vfg_backend_dup_log_path(self);
    g_autofree char *helper = vf_host_dup_real_path(self->host, VFG_HELPER_LOG);
    g_autofree char *hook = vfg_backend_dup_hook_log_path(self);
    g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) hooks = g_ptr_array_new_with_free_func(g_free);
    GStrv *logs = g_new0(GStrv, 3);

    vfg_read_lines_reversed(mine, app, "");
    vfg_read_lines_reversed(mine, helper, "helper: ");
    vfg_read_lines_reversed(hooks, hook, "");
    g_ptr_array_add(mine, NULL);
    g_ptr_array_add(hooks, NULL);
    logs[0] = (GStrv)g_ptr_array_free(g_steal_pointer(&mine), FALSE);
    logs[1] = (GStrv)g_ptr_array_free(g_steal_pointer(&hooks), FALSE);
    g_task_return_pointer(task, logs, NULL);
}

void
vfg_backend_read_logs_async(VfgBackend *self, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_run_in_thread(task, vfg_backend_logs_thread);
}

GStrv *
vfg_backend_read_logs_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* ---- tune (issue 14): VirtFlowTune ---- */

void
vfg_tune_status_free(VfgTuneStatus *status)
{
    if (status == NULL)
        return;
    g_clear_object(&status->plan);
    g_clear_object(&status->undo);
    g_free(status->plan_error);
    g_free(status);
}

static void
vfg_backend_tune_status_thread(GTask *task, gpointer source, gpointer data,
                               GCancellable *cancellable)
{
    VfgBackend *self = source;
    const char *vm = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfgTuneStatus) status = g_new0(VfgTuneStatus, 1);

    /* both plans, as `virtflow tune VM` and `virtflow tune --undo VM` make them */
    status->undo = virtflow_tune_new(self->vhost, self->vconn, vm);
    virtflow_tune_set_undo(status->undo, TRUE);
    if (!virtflow_tune_plan(status->undo, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    status->tuned = virtflow_tune_get_changed(status->undo);
    if (!status->tuned)
        g_clear_object(&status->undo);
    status->plan = virtflow_tune_new(self->vhost, self->vconn, vm);
    /* as `virtflow tune VM` without options: a tuned VM keeps its isolation choice */
    virtflow_tune_set_keep_isolate(status->plan, TRUE);
    if (!virtflow_tune_plan(status->plan, &error)) {
        status->plan_error = g_strdup(error->message);
        g_clear_object(&status->plan);
    }
    g_task_return_pointer(task, g_steal_pointer(&status), (GDestroyNotify)vfg_tune_status_free);
}

void
vfg_backend_tune_status_async(VfgBackend *self, const char *vm, GAsyncReadyCallback callback,
                              gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_set_task_data(task, g_strdup(vm), g_free);
    g_task_run_in_thread(task, vfg_backend_tune_status_thread);
}

VfgTuneStatus *
vfg_backend_tune_status_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
vfg_backend_tune_apply_thread(GTask *task, gpointer source, gpointer data,
                              GCancellable *cancellable)
{
    VfgBackend *self = source;
    VirtFlowTune *tune = data;
    g_autoptr(GError) error = NULL;

    /* defines the planned change; the demo's VMs are saved by the tune itself */
    if (!virtflow_tune_apply(tune, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    vfg_backend_log(self, "%s: %s", virtflow_tune_get_vm(tune),
                    virtflow_tune_get_undo(tune) ? "tune undone" : virtflow_tune_get_summary(tune));
    g_task_return_boolean(task, TRUE);
}

void
vfg_backend_tune_apply_async(VfgBackend *self, VirtFlowTune *tune, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_set_task_data(task, tune, g_object_unref);
    g_task_run_in_thread(task, vfg_backend_tune_apply_thread);
}

gboolean
vfg_backend_tune_apply_finish(VfgBackend *self, GAsyncResult *result, gboolean *ret_undo,
                              GError **error)
{
    *ret_undo = virtflow_tune_get_undo(g_task_get_task_data(G_TASK(result)));
    return g_task_propagate_boolean(G_TASK(result), error);
}
