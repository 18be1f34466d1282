/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowConnection: a VfConnection (virt/vf-virt.h) as a GObject, its lifecycle events
 * as a signal in the caller's main context.
 */
#include "virtflow-private.h"

/**
 * VirtFlowConnection:
 *
 * A connection to a libvirt URI ("qemu:///system" by default): its VMs, and their
 * lifecycle as the #VirtFlowConnection::vm-changed signal.
 *
 * The demo's connection (virtflow_connection_new_demo()) is libvirt's test driver with a
 * "Windows 11" VM, kept under the demo host's root: the flows save its VMs there after
 * each run, so the next program sees what this one did.
 */

/* Shared by the connection and libvirt's event-loop thread: the thread never holds a
 * reference to the connection, so that the last unref (and the unwatch) is never its. */
typedef struct {
    gatomicrefcount ref;
    GMutex lock;
    VirtFlowConnection *conn; /* NULL once the connection is disposed */
    VirtFlowMailbox *mailbox; /* to the thread that made the connection */
} VirtFlowWatch;

struct _VirtFlowConnection {
    GObject parent_instance;
    char *uri;
    char *demo_root;
    VfConnection *conn;
    VirtFlowWatch *watch;
    guint watch_id;
};

enum { PROP_0, PROP_URI, PROP_DEMO, N_PROPS };

static GParamSpec *properties[N_PROPS];

enum { SIGNAL_VM_CHANGED, N_SIGNALS };

static guint signals[N_SIGNALS];

static void virtflow_connection_initable_iface_init(GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(VirtFlowConnection, virtflow_connection, G_TYPE_OBJECT,
                              G_IMPLEMENT_INTERFACE(G_TYPE_INITABLE,
                                                    virtflow_connection_initable_iface_init))

static VirtFlowWatch *
virtflow_watch_ref(VirtFlowWatch *watch)
{
    g_atomic_ref_count_inc(&watch->ref);
    return watch;
}

static void
virtflow_watch_unref(VirtFlowWatch *watch)
{
    if (!g_atomic_ref_count_dec(&watch->ref))
        return;
    g_mutex_clear(&watch->lock);
    _virtflow_mailbox_unref(watch->mailbox);
    g_free(watch);
}

typedef struct {
    VirtFlowWatch *watch;
    char *name;
    VfLifecycleEvent event;
} VirtFlowLifecycle;

static void
virtflow_lifecycle_free(gpointer data)
{
    VirtFlowLifecycle *ev = data;

    virtflow_watch_unref(ev->watch);
    g_free(ev->name);
    g_free(ev);
}

static gboolean
virtflow_lifecycle_emit(gpointer data)
{
    VirtFlowLifecycle *ev = data;
    g_autoptr(VirtFlowConnection) conn = NULL;

    g_mutex_lock(&ev->watch->lock);
    if (ev->watch->conn)
        conn = g_object_ref(ev->watch->conn);
    g_mutex_unlock(&ev->watch->lock);
    if (conn)
        g_signal_emit(conn, signals[SIGNAL_VM_CHANGED], 0, ev->name,
                      (VirtFlowLifecycleEvent)ev->event);
    return G_SOURCE_REMOVE;
}

/* libvirt's event-loop thread: hand the event to the connection's main context */
static void
virtflow_connection_on_lifecycle(VfConnection *vconn, const char *name, VfLifecycleEvent event,
                                 gpointer user_data)
{
    VirtFlowWatch *watch = user_data;
    VirtFlowLifecycle *ev = g_new0(VirtFlowLifecycle, 1);

    ev->watch = virtflow_watch_ref(watch);
    ev->name = g_strdup(name);
    ev->event = event;
    _virtflow_mailbox_post(watch->mailbox, virtflow_lifecycle_emit, ev, virtflow_lifecycle_free);
}

/* Opens the internals' connection: any thread. */
static VfConnection *
virtflow_connection_open_vf(const char *uri, const char *demo_root, GError **error)
{
    VfConnection *conn = NULL;

    if (!vf_virt_init_without_thread(error))
        return NULL;
    if (demo_root) {
        if (!vf_demo_open(demo_root, NULL, &conn, error))
            return NULL;
        return conn;
    }
    return vf_connection_open(uri, error);
}

/* Takes @conn and watches its events for the calling thread (the mailbox's owner). */
static void
virtflow_connection_attach(VirtFlowConnection *self, VfConnection *conn)
{
    self->conn = conn;
    g_free(self->uri);
    self->uri = g_strdup(vf_connection_get_uri(self->conn));

    self->watch = g_new0(VirtFlowWatch, 1);
    g_atomic_ref_count_init(&self->watch->ref);
    g_mutex_init(&self->watch->lock);
    self->watch->conn = self;
    self->watch->mailbox = _virtflow_mailbox_new();
    /* a driver without events (0 and an error) only loses the signal */
    self->watch_id = vf_connection_watch_lifecycle(self->conn, virtflow_connection_on_lifecycle,
                                                   virtflow_watch_ref(self->watch),
                                                   (GDestroyNotify)virtflow_watch_unref, NULL);
    if (self->watch_id == 0)
        virtflow_watch_unref(self->watch);
}

static gboolean
virtflow_connection_initable_init(GInitable *initable, GCancellable *cancellable, GError **error)
{
    VirtFlowConnection *self = VIRTFLOW_CONNECTION(initable);
    VfConnection *conn;

    if (self->conn != NULL)
        return TRUE;
    if ((conn = virtflow_connection_open_vf(self->uri, self->demo_root, error)) == NULL)
        return FALSE;
    virtflow_connection_attach(self, conn);
    return TRUE;
}

static void
virtflow_connection_initable_iface_init(GInitableIface *iface)
{
    iface->init = virtflow_connection_initable_init;
}

static void
virtflow_connection_dispose(GObject *object)
{
    VirtFlowConnection *self = VIRTFLOW_CONNECTION(object);

    if (self->watch) {
        g_mutex_lock(&self->watch->lock);
        self->watch->conn = NULL;
        g_mutex_unlock(&self->watch->lock);
        if (self->watch_id)
            vf_connection_unwatch_lifecycle(self->conn, self->watch_id);
        self->watch_id = 0;
        g_clear_pointer(&self->watch, virtflow_watch_unref);
    }
    G_OBJECT_CLASS(virtflow_connection_parent_class)->dispose(object);
}

static void
virtflow_connection_finalize(GObject *object)
{
    VirtFlowConnection *self = VIRTFLOW_CONNECTION(object);

    g_clear_pointer(&self->conn, vf_connection_unref);
    g_free(self->uri);
    g_free(self->demo_root);
    G_OBJECT_CLASS(virtflow_connection_parent_class)->finalize(object);
}

static void
virtflow_connection_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowConnection *self = VIRTFLOW_CONNECTION(object);

    switch (prop_id) {
    case PROP_URI:
        g_value_set_string(value, self->uri);
        break;
    case PROP_DEMO:
        g_value_set_boolean(value, self->demo_root != NULL);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_connection_set_property(GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
    VirtFlowConnection *self = VIRTFLOW_CONNECTION(object);

    switch (prop_id) {
    case PROP_URI:
        g_free(self->uri);
        self->uri = g_value_dup_string(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_connection_class_init(VirtFlowConnectionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->dispose = virtflow_connection_dispose;
    object_class->finalize = virtflow_connection_finalize;
    object_class->get_property = virtflow_connection_get_property;
    object_class->set_property = virtflow_connection_set_property;

    /**
     * VirtFlowConnection:uri: (getter get_uri)
     *
     * The libvirt URI; %NULL at construction means "qemu:///system".
     */
    properties[PROP_URI] =
        g_param_spec_string("uri", NULL, NULL, NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowConnection:demo: (getter get_demo)
     *
     * Whether this is the demo's test driver.
     */
    properties[PROP_DEMO] =
        g_param_spec_boolean("demo", NULL, NULL, FALSE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    /**
     * VirtFlowConnection::vm-changed:
     * @conn: the connection
     * @name: the VM's name
     * @event: what happened to it
     *
     * Emitted for every lifecycle event of every VM of @conn (libvirt's lifecycle events),
     * in the thread-default main context of the thread that made @conn.
     */
    signals[SIGNAL_VM_CHANGED] =
        g_signal_new("vm-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_STRING, VIRTFLOW_TYPE_LIFECYCLE_EVENT);
}

static void
virtflow_connection_init(VirtFlowConnection *self)
{
}

/**
 * virtflow_connection_new:
 * @uri: (nullable): a libvirt URI; %NULL for "qemu:///system"
 * @error: return location for a #GError
 *
 * Opens a connection to libvirt. #VirtFlowConnection::vm-changed is emitted in the
 * thread-default main context of the calling thread.
 *
 * Returns: (transfer full): the connection, or %NULL with %VIRTFLOW_ERROR_LIBVIRT
 */
VirtFlowConnection *
virtflow_connection_new(const char *uri, GError **error)
{
    return g_initable_new(VIRTFLOW_TYPE_CONNECTION, NULL, error, "uri", uri, NULL);
}

/**
 * virtflow_connection_new_demo:
 * @host: the demo host (virtflow_host_new_demo())
 * @error: return location for a #GError
 *
 * Opens the demo's libvirt: the test driver with the VMs kept under @host's root (a
 * "Windows 11" VM the first time): what `virtflow --demo` uses.
 *
 * Returns: (transfer full): the connection, or %NULL with an error
 */
VirtFlowConnection *
virtflow_connection_new_demo(VirtFlowHost *host, GError **error)
{
    VirtFlowConnection *self;

    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    if (!virtflow_host_get_demo(host)) {
        g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_INVALID_ARGUMENT,
                    "the host rooted at '%s' is not the demo's: open it with "
                    "virtflow_host_new_demo() (VirtFlow.Host.new_demo)",
                    virtflow_host_get_root(host));
        return NULL;
    }
    self = g_object_new(VIRTFLOW_TYPE_CONNECTION, NULL);
    self->demo_root = g_strdup(virtflow_host_get_root(host));
    if (!g_initable_init(G_INITABLE(self), NULL, error)) {
        g_object_unref(self);
        return NULL;
    }
    return self;
}

typedef struct {
    char *uri;
    char *demo_root;
} VirtFlowOpenArgs;

static void
virtflow_open_args_free(VirtFlowOpenArgs *args)
{
    g_free(args->uri);
    g_free(args->demo_root);
    g_free(args);
}

static void
virtflow_connection_open_thread(GTask *task, gpointer source, gpointer data,
                                GCancellable *cancellable)
{
    VirtFlowOpenArgs *args = data;
    GError *error = NULL;
    VfConnection *conn = virtflow_connection_open_vf(args->uri, args->demo_root, &error);

    if (conn == NULL)
        g_task_return_error(task, error);
    else
        g_task_return_pointer(task, conn, (GDestroyNotify)vf_connection_unref);
}

static void
virtflow_connection_open_async(const char *uri, const char *demo_root, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
    VirtFlowOpenArgs *args = g_new0(VirtFlowOpenArgs, 1);

    g_task_set_source_tag(task, virtflow_connection_open_async);
    args->uri = g_strdup(uri);
    args->demo_root = g_strdup(demo_root);
    g_task_set_task_data(task, args, (GDestroyNotify)virtflow_open_args_free);
    g_task_run_in_thread(task, virtflow_connection_open_thread);
}

/**
 * virtflow_connection_new_async:
 * @uri: (nullable): a libvirt URI; %NULL for "qemu:///system"
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is open (or failed)
 * @user_data: (closure): data for @callback
 *
 * Opens a connection to libvirt on a worker thread, as virtflow_connection_new() does
 * (libvirt may take seconds to answer, a GUI must not wait for it). Finish with
 * virtflow_connection_new_finish() in the thread whose thread-default main context gets
 * #VirtFlowConnection::vm-changed.
 */
void
virtflow_connection_new_async(const char *uri, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
    virtflow_connection_open_async(uri, NULL, cancellable, callback, user_data);
}

/**
 * virtflow_connection_new_demo_async:
 * @host: the demo host (virtflow_host_new_demo())
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is open (or failed)
 * @user_data: (closure): data for @callback
 *
 * Opens the demo's libvirt on a worker thread, as virtflow_connection_new_demo() does
 * (with many VMs, loading them takes a while). Finish with virtflow_connection_new_finish().
 */
void
virtflow_connection_new_demo_async(VirtFlowHost *host, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    if (!virtflow_host_get_demo(host)) {
        g_task_report_new_error(NULL, callback, user_data, virtflow_connection_open_async,
                                VIRTFLOW_ERROR, VIRTFLOW_ERROR_INVALID_ARGUMENT,
                                "the host rooted at '%s' is not the demo's: open it with "
                                "virtflow_host_new_demo() (VirtFlow.Host.new_demo)",
                                virtflow_host_get_root(host));
        return;
    }
    virtflow_connection_open_async(NULL, virtflow_host_get_root(host), cancellable, callback,
                                   user_data);
}

/**
 * virtflow_connection_new_finish:
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virtflow_connection_new_async() or virtflow_connection_new_demo_async().
 * #VirtFlowConnection::vm-changed is emitted in the thread-default main context of the
 * thread that calls this.
 *
 * Returns: (transfer full): the connection, or %NULL with an error
 */
VirtFlowConnection *
virtflow_connection_new_finish(GAsyncResult *result, GError **error)
{
    VirtFlowConnection *self;
    VirtFlowOpenArgs *args;
    VfConnection *conn;

    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    g_return_val_if_fail(g_task_get_source_tag(G_TASK(result)) == virtflow_connection_open_async,
                         NULL);
    if ((conn = g_task_propagate_pointer(G_TASK(result), error)) == NULL)
        return NULL;
    args = g_task_get_task_data(G_TASK(result));
    self = g_object_new(VIRTFLOW_TYPE_CONNECTION, "uri", args->uri, NULL);
    self->demo_root = g_strdup(args->demo_root);
    virtflow_connection_attach(self, conn);
    return self;
}

VfConnection *
_virtflow_connection_get_vf(VirtFlowConnection *conn)
{
    return conn->conn;
}

const char *
_virtflow_connection_get_demo_root(VirtFlowConnection *conn)
{
    return conn->demo_root;
}

/**
 * virtflow_connection_get_uri:
 * @conn: a #VirtFlowConnection
 *
 * The libvirt URI @conn is connected to.
 *
 * Returns: (transfer none): the URI
 */
const char *
virtflow_connection_get_uri(VirtFlowConnection *conn)
{
    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), NULL);
    return conn->uri;
}

/**
 * virtflow_connection_get_demo:
 * @conn: a #VirtFlowConnection
 *
 * Whether @conn is the demo's test driver.
 *
 * Returns: %TRUE for the demo
 */
gboolean
virtflow_connection_get_demo(VirtFlowConnection *conn)
{
    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), FALSE);
    return conn->demo_root != NULL;
}

static GPtrArray *
virtflow_vms_from_infos(GPtrArray *infos)
{
    GPtrArray *vms = g_ptr_array_new_with_free_func(g_object_unref);

    for (guint i = 0; i < infos->len; i++)
        g_ptr_array_add(vms, _virtflow_vm_new_from_vf(infos->pdata[i]));
    return vms;
}

/**
 * virtflow_connection_list_vms:
 * @conn: a #VirtFlowConnection
 * @error: return location for a #GError
 *
 * Every VM of @conn, running or not, sorted by name.
 *
 * Returns: (transfer container) (element-type VirtFlowVm): the VMs, or %NULL with
 *   %VIRTFLOW_ERROR_LIBVIRT
 */
GPtrArray *
virtflow_connection_list_vms(VirtFlowConnection *conn, GError **error)
{
    g_autoptr(GPtrArray) infos = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), NULL);
    if ((infos = vf_connection_list_domains(conn->conn, error)) == NULL)
        return NULL;
    return virtflow_vms_from_infos(infos);
}

/**
 * virtflow_connection_list_vms_full:
 * @conn: a #VirtFlowConnection
 * @error: return location for a #GError
 *
 * As virtflow_connection_list_vms(), with #VirtFlowVm:vcpus and #VirtFlowVm:memory read:
 * one more libvirt round trip (call it from a thread where there are hundreds of VMs). How
 * an activated VM is used is virtflow_connection_dup_vm_profile()'s.
 *
 * Returns: (transfer container) (element-type VirtFlowVm): the VMs, or %NULL with
 *   %VIRTFLOW_ERROR_LIBVIRT
 */
GPtrArray *
virtflow_connection_list_vms_full(VirtFlowConnection *conn, GError **error)
{
    g_autoptr(GPtrArray) infos = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), NULL);
    if ((infos = vf_connection_list_domains_with_sizes(conn->conn, error)) == NULL)
        return NULL;
    return virtflow_vms_from_infos(infos);
}

/**
 * virtflow_connection_lookup_vm:
 * @conn: a #VirtFlowConnection
 * @name: a VM's name or UUID
 * @error: return location for a #GError
 *
 * The VM called @name, as it is now.
 *
 * Returns: (transfer full): the VM, or %NULL with %VIRTFLOW_ERROR_NOT_FOUND
 */
VirtFlowVm *
virtflow_connection_lookup_vm(VirtFlowConnection *conn, const char *name, GError **error)
{
    g_autoptr(GPtrArray) infos = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), NULL);
    g_return_val_if_fail(name != NULL, NULL);
    if ((infos = vf_connection_list_domains(conn->conn, error)) == NULL)
        return NULL;
    for (guint i = 0; i < infos->len; i++) {
        const VfDomainInfo *info = infos->pdata[i];

        if (g_str_equal(info->name, name) || g_strcmp0(info->uuid, name) == 0)
            return _virtflow_vm_new_from_vf(info);
    }
    g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_NOT_FOUND,
                "no VM '%s' on %s: list the VMs with 'virtflow list' (or "
                "virtflow_connection_list_vms())",
                name, conn->uri);
    return NULL;
}

/**
 * virtflow_connection_dup_vm_profile:
 * @conn: a #VirtFlowConnection
 * @vm: an activated VM's name or UUID
 * @error: return location for a #GError
 *
 * How an activated VM is used, from the profile Activate recorded in its definition: the
 * view and the input handed over, as `virtflow list --json` shows them.
 *
 * Returns: (transfer full) (nullable): the profile; %NULL without an error when @vm has
 *   none (never activated, or activated without one); %NULL with an error when @vm cannot
 *   be read
 */
VirtFlowProfile *
virtflow_connection_dup_vm_profile(VirtFlowConnection *conn, const char *vm, GError **error)
{
    g_autoptr(VfDomain) dom = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autofree char *xml = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), NULL);
    g_return_val_if_fail(vm != NULL, NULL);
    if ((dom = vf_connection_lookup_domain(conn->conn, vm, error)) == NULL ||
        (xml = vf_domain_dup_xml(dom, TRUE, error)) == NULL ||
        !vf_domain_xml_get_profile(xml, &profile, error))
        return NULL;
    return profile ? _virtflow_profile_new_from_vf(profile) : NULL;
}

/* The demo's test driver forgets its VMs when the connection closes: kept after a change. */
static gboolean
virtflow_connection_save_demo(VirtFlowConnection *conn, GError **error)
{
    return conn->demo_root == NULL || vf_demo_save(conn->demo_root, conn->conn, error);
}

/**
 * virtflow_connection_force_off_vm:
 * @conn: a #VirtFlowConnection
 * @name: the VM's name or UUID
 * @error: return location for a #GError
 *
 * Switches the VM off at once, as pulling its plug (libvirt's destroy). Blocking: call it
 * from a thread. What a front end's "Force off" does while a Stop #VirtFlowFlow waits for
 * the guest to shut down: that flow then sees the VM stopped and returns the GPU as usual.
 * Without a Stop running, run a Stop flow with #VirtFlowFlow:force instead, which returns
 * the GPU too.
 *
 * Returns: %TRUE when the VM is off, %FALSE with %VIRTFLOW_ERROR_NOT_FOUND or
 *   %VIRTFLOW_ERROR_LIBVIRT (a VM that is not running, say)
 */
gboolean
virtflow_connection_force_off_vm(VirtFlowConnection *conn, const char *name, GError **error)
{
    g_autoptr(VfDomain) dom = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), FALSE);
    g_return_val_if_fail(name != NULL, FALSE);
    dom = vf_connection_lookup_domain(conn->conn, name, error);
    return dom && vf_domain_destroy(dom, error) && virtflow_connection_save_demo(conn, error);
}

/**
 * virtflow_connection_shutdown_vm:
 * @conn: a #VirtFlowConnection
 * @name: the VM's name or UUID
 * @error: return location for a #GError
 *
 * Asks the guest to shut down (ACPI, or the guest agent), as if the user did it inside the
 * guest, and returns without waiting: no flow, no GPU handling (the libvirt hook returns
 * an activated VM's GPU when it stops). #VirtFlowConnection::vm-changed says when it
 * stopped. Blocking for the request only: call it from a thread in a GUI.
 *
 * Returns: %TRUE when the guest was asked, %FALSE with %VIRTFLOW_ERROR_NOT_FOUND or
 *   %VIRTFLOW_ERROR_LIBVIRT
 */
gboolean
virtflow_connection_shutdown_vm(VirtFlowConnection *conn, const char *name, GError **error)
{
    g_autoptr(VfDomain) dom = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(conn), FALSE);
    g_return_val_if_fail(name != NULL, FALSE);
    dom = vf_connection_lookup_domain(conn->conn, name, error);
    return dom && vf_domain_shutdown(dom, error) && virtflow_connection_save_demo(conn, error);
}
