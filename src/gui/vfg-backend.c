/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfg-backend.h"

#include <glib/gi18n.h>

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "flows/vf-passthrough-private.h"

#define VFG_HOOK_LOG_PATH VF_DOCTOR_HOOK_LOG_PATH
#define VFG_HELPER_LOG    "/var/log/virtflow/helper.log"
#define VFG_MAX_LOG_LINES 500

struct _VfgBackend {
    GObject parent_instance;
    gboolean demo;
    char *demo_root;
    char *uri;
    VfHost *host;
    VfConnection *conn;
    GMainContext *context; /* where events and progress are delivered */
    guint watch;
    GMutex log_lock;
};

G_DEFINE_FINAL_TYPE(VfgBackend, vfg_backend, G_TYPE_OBJECT)

enum { SIGNAL_VM_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vfg_backend_dispose(GObject *object)
{
    VfgBackend *self = VFG_BACKEND(object);

    if (self->watch) {
        vf_connection_unwatch_lifecycle(self->conn, self->watch);
        self->watch = 0;
    }
    G_OBJECT_CLASS(vfg_backend_parent_class)->dispose(object);
}

static void
vfg_backend_finalize(GObject *object)
{
    VfgBackend *self = VFG_BACKEND(object);

    g_clear_pointer(&self->conn, vf_connection_unref);
    g_clear_pointer(&self->host, vf_host_unref);
    g_clear_pointer(&self->context, g_main_context_unref);
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

/* ---- lifecycle events: libvirt's event thread → the main context ---- */

typedef struct {
    VfgBackend *self; /* a reference */
    char *name;
    VfLifecycleEvent event;
} VfgEvent;

static gboolean
vfg_event_dispatch(gpointer data)
{
    VfgEvent *ev = data;

    g_signal_emit(ev->self, signals[SIGNAL_VM_EVENT], 0, ev->name, (int)ev->event);
    return G_SOURCE_REMOVE;
}

static void
vfg_event_free(gpointer data)
{
    VfgEvent *ev = data;

    g_object_unref(ev->self);
    g_free(ev->name);
    g_free(ev);
}

/* On libvirt's event-loop thread: only hands the event over. */
static void
vfg_backend_lifecycle_cb(VfConnection *conn, const char *name, VfLifecycleEvent event,
                         gpointer user_data)
{
    GWeakRef *weak = user_data;
    VfgBackend *self = g_weak_ref_get(weak);
    VfgEvent *ev;

    if (self == NULL)
        return;
    ev = g_new0(VfgEvent, 1);
    ev->self = self;
    ev->name = g_strdup(name);
    ev->event = event;
    g_main_context_invoke_full(self->context, G_PRIORITY_DEFAULT, vfg_event_dispatch, ev,
                               vfg_event_free);
}

static void
vfg_weak_ref_free(gpointer data)
{
    g_weak_ref_clear(data);
    g_free(data);
}

/* ---- open ---- */

typedef struct {
    gboolean demo;
    char *demo_root;
    char *uri;
} VfgOpenArgs;

static void
vfg_open_args_free(VfgOpenArgs *args)
{
    g_free(args->demo_root);
    g_free(args->uri);
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
        const char *fail = g_getenv("VIRTFLOW_DEMO_FAIL_STEP");

        self->demo_root = args->demo_root ? g_strdup(args->demo_root) : vf_demo_dup_default_root();
        if (!vf_demo_open(self->demo_root, &self->host, &self->conn, &error)) {
            g_task_return_error(task, g_steal_pointer(&error));
            return;
        }
        /* test-only: every flow fails at that step (docs/DESIGN.md, "Desktop app") */
        if (fail && *fail)
            vf_flow_inject_failure(fail);
    } else {
        self->host = vf_host_new("/", &error);
        if (self->host == NULL || (self->conn = vf_connection_open(args->uri, &error)) == NULL) {
            g_task_return_error(task, g_steal_pointer(&error));
            return;
        }
    }
    self->uri = g_strdup(vf_connection_get_uri(self->conn));
    g_task_return_pointer(task, g_steal_pointer(&self), g_object_unref);
}

void
vfg_backend_new_async(gboolean demo, const char *demo_root, const char *uri,
                      GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    VfgOpenArgs *args = g_new0(VfgOpenArgs, 1);

    args->demo = demo;
    args->demo_root = g_strdup(demo_root);
    args->uri = g_strdup(uri);
    g_task_set_task_data(task, args, (GDestroyNotify)vfg_open_args_free);
    g_task_run_in_thread(task, vfg_backend_open_thread);
}

VfgBackend *
vfg_backend_new_finish(GAsyncResult *result, GError **error)
{
    VfgBackend *self = g_task_propagate_pointer(G_TASK(result), error);
    g_autoptr(GError) local = NULL;
    GWeakRef *weak;

    if (self == NULL)
        return NULL;
    /* events come to the context of whoever finished the open: the GUI's */
    self->context = g_main_context_ref_thread_default();
    weak = g_new0(GWeakRef, 1);
    g_weak_ref_init(weak, self);
    self->watch = vf_connection_watch_lifecycle(self->conn, vfg_backend_lifecycle_cb, weak,
                                                vfg_weak_ref_free, &local);
    if (self->watch == 0)
        g_warning("No live VM updates: %s", local->message);
    return self;
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
vfg_host_findings(VfHost *host, VfConnection *conn)
{
    static const VfgFindingLevel levels[] = {
        [VF_CHECK_PASS] = VFG_FINDING_OK,
        [VF_CHECK_WARN] = VFG_FINDING_WARN,
        [VF_CHECK_FAIL] = VFG_FINDING_FAIL,
        [VF_CHECK_SKIP] = VFG_FINDING_OK,
    };
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vfg_finding_free);
    g_autoptr(VfDoctor) doctor = vf_doctor_new();

    /* the library's doctor: the same checks as `virtflow doctor`, skipped ones left out */
    vf_doctor_check_host(doctor, host);
    vf_doctor_check_libvirt(doctor, conn, NULL, NULL);
    for (guint i = 0; i < doctor->checks->len; i++) {
        const VfCheck *check = doctor->checks->pdata[i];

        if (check->status == VF_CHECK_SKIP || check->status >= VF_CHECK_LAST)
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
    g_clear_pointer(&snap->report, vf_host_report_free);
    g_clear_pointer(&snap->findings, g_ptr_array_unref);
    g_clear_pointer(&snap->gpu_names, g_hash_table_unref);
    g_clear_pointer(&snap->inputs, g_ptr_array_unref);
    g_clear_pointer(&snap->auto_inputs, g_ptr_array_unref);
    g_clear_pointer(&snap->profiles, g_hash_table_unref);
    g_free(snap->report_error);
    g_free(snap->hook_text);
    g_free(snap);
}

static void
vfg_backend_refresh_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(VfgSnapshot) snap = g_new0(VfgSnapshot, 1);
    g_autoptr(GError) error = NULL;

    snap->domains = vf_connection_list_domains_with_sizes(self->conn, &error);
    if (snap->domains == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    snap->report = vf_host_report_new(self->host, &error);
    if (snap->report == NULL)
        snap->report_error = g_strdup(error->message);
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
    snap->findings = vfg_host_findings(self->host, self->conn);
    snap->gpu_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; snap->report && i < snap->report->gpus->len; i++) {
        const VfGpu *gpu = snap->report->gpus->pdata[i];
        g_autofree char *vendor = vf_pci_device_dup_vendor_name(gpu->device);
        g_autofree char *device = vf_pci_device_dup_device_name(gpu->device);

        g_hash_table_insert(snap->gpu_names, g_strdup(gpu->device->address),
                            g_strdup_printf("%s %s", vendor, device));
    }
    /* what the Activate dialog offers: the keyboards and mice, and the auto pick */
    snap->inputs = vf_input_list(self->host, NULL);
    if (snap->inputs == NULL)
        snap->inputs = g_ptr_array_new_with_free_func((GDestroyNotify)vf_input_device_free);
    snap->auto_inputs = vf_input_pick_auto(self->host, NULL, NULL);
    if (snap->auto_inputs == NULL)
        snap->auto_inputs = g_ptr_array_new_with_free_func((GDestroyNotify)vf_evdev_input_free);
    snap->profiles =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)vf_profile_free);
    for (guint i = 0; i < snap->domains->len; i++) {
        const VfDomainInfo *info = snap->domains->pdata[i];
        g_autoptr(VfDomain) dom = NULL;
        g_autofree char *xml = NULL;
        VfProfile *profile = NULL;

        if (!info->passthrough)
            continue;
        dom = vf_connection_lookup_domain(self->conn, info->name, NULL);
        xml = dom ? vf_domain_dup_xml(dom, FALSE, NULL) : NULL;
        if (xml && vf_domain_xml_get_profile(xml, &profile, NULL))
            g_hash_table_insert(snap->profiles, g_strdup(info->name), profile);
    }
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

/* ---- flows ---- */

typedef struct {
    VfgBackend *self; /* borrowed: the task holds a reference */
    VfFlowKind kind;
    char *vm;
    gboolean force;
    VfProfile *profile; /* activate: how the VM is used, or NULL */
    VfgProgressFunc plan_func;
    VfgProgressFunc progress;
    VfgWaitFunc wait_tick;
    gpointer progress_data;
    VfFlow *flow; /* the result */
} VfgFlowJob;

static void
vfg_flow_job_free(VfgFlowJob *job)
{
    g_free(job->vm);
    g_clear_pointer(&job->profile, vf_profile_free);
    g_clear_pointer(&job->flow, vf_flow_free);
    g_free(job);
}

/* One progress report, copied for the main context. */
typedef struct {
    VfgProgressFunc func;
    gpointer data;
    VfStep step;
    double fraction;
    /* for wait ticks */
    VfgWaitFunc wait;
    guint elapsed, total;
} VfgProgress;

static gboolean
vfg_progress_dispatch(gpointer data)
{
    VfgProgress *p = data;

    if (p->wait)
        p->wait(p->elapsed, p->total, p->data);
    else
        p->func(&p->step, p->fraction, p->data);
    return G_SOURCE_REMOVE;
}

static void
vfg_progress_free(gpointer data)
{
    VfgProgress *p = data;

    g_free((char *)p->step.id);
    g_free((char *)p->step.title);
    g_free(p->step.detail);
    g_free(p);
}

static void
vfg_post_step(VfgFlowJob *job, VfgProgressFunc func, const VfStep *step, double fraction)
{
    VfgProgress *p = g_new0(VfgProgress, 1);

    p->func = func;
    p->data = job->progress_data;
    p->step.id = g_strdup(step->id);
    p->step.title = g_strdup(step->title);
    p->step.state = step->state;
    p->step.detail = g_strdup(step->detail);
    p->fraction = fraction;
    g_main_context_invoke_full(job->self->context, G_PRIORITY_DEFAULT, vfg_progress_dispatch, p,
                               vfg_progress_free);
}

/* On the flow's thread. */
static void
vfg_flow_progress(const VfStep *step, double fraction, gpointer user_data)
{
    VfgFlowJob *job = user_data;

    if (step->state != VF_STEP_RUNNING && step->state != VF_STEP_WAITING)
        vfg_backend_log(job->self, "%s: %s %s%s%s", job->vm, step->id,
                        vf_step_state_to_string(step->state), step->detail ? ": " : "",
                        step->detail ? step->detail : "");
    if (job->progress)
        vfg_post_step(job, job->progress, step, fraction);
#ifdef VFG_TEST_HOOKS
    /* test builds: $VIRTFLOW_GTK_TEST_STEP_MS slows each step down, so that the tests can act
     * while a flow runs (a refresh, the progress read by a screen reader) */
    if (step->state == VF_STEP_DONE && g_getenv("VIRTFLOW_GTK_TEST_STEP_MS"))
        g_usleep(1000 * (gulong)g_ascii_strtoull(g_getenv("VIRTFLOW_GTK_TEST_STEP_MS"), NULL, 10));
#endif
}

static void
vfg_flow_wait_tick(guint elapsed_ms, guint total_ms, gpointer user_data)
{
    VfgFlowJob *job = user_data;
    VfgProgress *p;

    if (job->wait_tick == NULL)
        return;
    p = g_new0(VfgProgress, 1);
    p->wait = job->wait_tick;
    p->data = job->progress_data;
    p->elapsed = elapsed_ms;
    p->total = total_ms;
    g_main_context_invoke_full(job->self->context, G_PRIORITY_DEFAULT, vfg_progress_dispatch, p,
                               vfg_progress_free);
}

static const char *const vfg_flow_names[] = {
    [VF_FLOW_ACTIVATE] = "activate",
    [VF_FLOW_DEACTIVATE] = "deactivate",
    [VF_FLOW_START] = "start",
    [VF_FLOW_STOP] = "stop",
};

static void
vfg_backend_flow_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    VfgFlowJob *job = data;
    VfFlowOptions options = {
        .force = job->force,
        .profile = job->profile,
        .progress = vfg_flow_progress,
        .wait_tick = vfg_flow_wait_tick,
        .user_data = job,
    };
    g_autoptr(GError) error = NULL;
    gboolean ok = FALSE;

    if (job->plan_func) {
        g_autoptr(VfFlow) plan = NULL;

        if (job->kind == VF_FLOW_ACTIVATE)
            plan = vf_flow_plan_activate_profile(self->host, self->conn, job->vm, NULL,
                                                 job->profile, NULL);
        else if (job->kind == VF_FLOW_DEACTIVATE)
            plan = vf_flow_plan_deactivate(self->host, self->conn, job->vm, NULL);
        for (guint i = 0; plan && i < plan->steps->len; i++)
            vfg_post_step(job, job->plan_func, plan->steps->pdata[i], 0);
    }
    vfg_backend_log(self, "%s: %s%s", job->vm, vfg_flow_names[job->kind],
                    job->force ? " (forced)" : "");
    switch (job->kind) {
    case VF_FLOW_ACTIVATE:
        ok = vf_flow_activate(self->host, self->conn, job->vm, NULL, &options, &job->flow, &error);
        break;
    case VF_FLOW_DEACTIVATE:
        ok = vf_flow_deactivate(self->host, self->conn, job->vm, &options, &job->flow, &error);
        break;
    case VF_FLOW_START:
        ok = vf_flow_start(self->host, self->conn, job->vm, &options, &job->flow, &error);
        break;
    case VF_FLOW_STOP:
        ok = vf_flow_stop(self->host, self->conn, job->vm, &options, &job->flow, &error);
        break;
    default:
        g_assert_not_reached();
    }
    vfg_backend_log(self, "%s: %s %s%s%s", job->vm, vfg_flow_names[job->kind],
                    ok ? "succeeded" : "failed", ok ? "" : ": ", ok ? "" : error->message);
    for (guint i = 0; job->flow && i < job->flow->warnings->len; i++)
        vfg_backend_log(self, "%s: warning: %s", job->vm,
                        (const char *)job->flow->warnings->pdata[i]);
    /* the demo's test driver forgets everything on close: keep the VMs for next time */
    if (self->demo) {
        g_autoptr(GError) save_error = NULL;

        if (!vf_demo_save(self->demo_root, self->conn, &save_error))
            g_warning("Cannot save the demo: %s", save_error->message);
    }
    if (!ok)
        g_task_return_error(task, g_steal_pointer(&error));
    else
        g_task_return_boolean(task, TRUE);
}

void
vfg_backend_run_flow_async(VfgBackend *self, VfFlowKind kind, const char *vm, gboolean force,
                           const VfProfile *profile, VfgProgressFunc plan_func,
                           VfgProgressFunc progress, VfgWaitFunc wait_tick, gpointer progress_data,
                           GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);
    VfgFlowJob *job = g_new0(VfgFlowJob, 1);

    g_return_if_fail(kind < VF_FLOW_LAST);
    job->self = self;
    job->kind = kind;
    job->vm = g_strdup(vm);
    job->force = force;
    job->profile = profile ? vf_profile_copy(profile) : NULL;
    job->plan_func = plan_func;
    job->progress = progress;
    job->wait_tick = wait_tick;
    job->progress_data = progress_data;
    g_task_set_task_data(task, job, (GDestroyNotify)vfg_flow_job_free);
    g_task_run_in_thread(task, vfg_backend_flow_thread);
}

gboolean
vfg_backend_run_flow_finish(VfgBackend *self, GAsyncResult *result, VfFlow **ret_flow,
                            GError **error)
{
    VfgFlowJob *job = g_task_get_task_data(G_TASK(result));

    if (ret_flow)
        *ret_flow = g_steal_pointer(&job->flow);
    return g_task_propagate_boolean(G_TASK(result), error);
}

/* ---- force off ---- */

static void
vfg_backend_force_off_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomain) dom = vf_connection_lookup_domain(self->conn, data, &error);

    if (dom == NULL || !vf_domain_destroy(dom, &error)) {
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
    g_autoptr(VfDomain) dom = vf_connection_lookup_domain(self->conn, data, &error);

    if (dom == NULL || !vf_domain_shutdown(dom, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    vfg_backend_log(self, "%s: shut down from inside the guest", (const char *)data);
    if (self->demo && !vf_demo_save(self->demo_root, self->conn, &error))
        g_warning("Cannot save the demo: %s", error->message);
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

/* ---- setup ---- */

typedef struct {
    VfgBackend *self;
    guint done, manual, failed;
} VfgSetupRun;

static void
vfg_setup_on_change(const VfSetupChange *change, gpointer data)
{
    VfgSetupRun *run = data;

    vfg_backend_log(run->self, "setup: %s: %s%s%s", change->title,
                    vf_setup_state_to_string(change->state), change->detail ? ": " : "",
                    change->detail ? change->detail : "");
    run->done += change->state == VF_SETUP_DONE;
    run->manual += change->state == VF_SETUP_MANUAL;
    run->failed += change->state == VF_SETUP_FAILED;
}

static void
vfg_backend_setup_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VfgBackend *self = source;
    VfgSetupRun run = {self, 0, 0, 0};
    g_autoptr(GError) error = NULL;
    gboolean ok;

    g_autoptr(VfSetup) setup = vf_setup_new(self->host, VF_SETUP_FLAGS_NONE, &error);

    /* through virtflow-helper where this process may not change the host */
    ok = setup && vf_setup_apply(setup, vfg_setup_on_change, &run, &error);
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
    g_autoptr(VfSetup) setup = vf_setup_new(self->host, VF_SETUP_FLAGS_NONE, &error);
    g_autoptr(GStrvBuilder) lines = g_strv_builder_new();
    GPtrArray *changes;

    if (setup == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    changes = vf_setup_get_changes(setup);
    for (guint i = 0; i < changes->len; i++) {
        const VfSetupChange *c = changes->pdata[i];
        g_autofree char *line = NULL;

        if (c->state != VF_SETUP_PENDING)
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

/* ---- tune (issue 14) ---- */

void
vfg_tune_status_free(VfgTuneStatus *status)
{
    if (status == NULL)
        return;
    g_clear_pointer(&status->plan, vf_tune_change_free);
    g_clear_pointer(&status->undo, vf_tune_change_free);
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
    /* as `virtflow tune VM` without options: a tuned VM keeps its isolation choice */
    VfTuneRequest request = {.hugepages = VF_TUNE_HUGEPAGES_AUTO, .keep_isolate = TRUE};

    status->undo = vf_tune_vm_plan_undo(self->conn, vm, &error);
    if (status->undo == NULL) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    status->tuned = status->undo->changed;
    if (!status->tuned)
        g_clear_pointer(&status->undo, vf_tune_change_free);
    status->plan = vf_tune_vm_plan(self->host, self->conn, vm, &request, &error);
    if (status->plan == NULL)
        status->plan_error = g_strdup(error->message);
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
    const VfTuneChange *change = data;
    g_autoptr(GError) error = NULL;

    if (!vf_tune_vm_apply(self->conn, change, &error)) {
        g_task_return_error(task, g_steal_pointer(&error));
        return;
    }
    vfg_backend_log(self, "%s: %s", change->vm,
                    change->undo ? "tune undone" : change->plan->summary);
    if (self->demo && !vf_demo_save(self->demo_root, self->conn, &error))
        g_warning("Cannot save the demo: %s", error->message);
    g_task_return_boolean(task, TRUE);
}

void
vfg_backend_tune_apply_async(VfgBackend *self, VfTuneChange *change, GAsyncReadyCallback callback,
                             gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(self, NULL, callback, user_data);

    g_task_set_task_data(task, change, (GDestroyNotify)vf_tune_change_free);
    g_task_run_in_thread(task, vfg_backend_tune_apply_thread);
}

gboolean
vfg_backend_tune_apply_finish(VfgBackend *self, GAsyncResult *result, GError **error)
{
    return g_task_propagate_boolean(G_TASK(result), error);
}
