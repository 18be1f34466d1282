/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virt/vf-virt-private.h"

#include "domain/vf-domain-xml.h"
#include "core/vf-error.h"
#include "core/vf-util.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

static const char *const vf_domain_state_names[] = {
    [VF_DOMAIN_STATE_NOSTATE] = "no state",     [VF_DOMAIN_STATE_RUNNING] = "running",
    [VF_DOMAIN_STATE_BLOCKED] = "idle",         [VF_DOMAIN_STATE_PAUSED] = "paused",
    [VF_DOMAIN_STATE_SHUTDOWN] = "in shutdown", [VF_DOMAIN_STATE_SHUTOFF] = "shut off",
    [VF_DOMAIN_STATE_CRASHED] = "crashed",      [VF_DOMAIN_STATE_PMSUSPENDED] = "pmsuspended",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_domain_state_names) == VF_DOMAIN_STATE_LAST);
/* our enum mirrors virDomainState value for value */
G_STATIC_ASSERT(VF_DOMAIN_STATE_SHUTOFF == (int)VIR_DOMAIN_SHUTOFF);
G_STATIC_ASSERT(VF_DOMAIN_STATE_PMSUSPENDED == (int)VIR_DOMAIN_PMSUSPENDED);

const char *
vf_domain_state_to_string(VfDomainState state)
{
    return state < VF_DOMAIN_STATE_LAST ? vf_domain_state_names[state] : "unknown";
}

gboolean
vf_domain_state_is_active(VfDomainState state)
{
    return state != VF_DOMAIN_STATE_SHUTOFF && state != VF_DOMAIN_STATE_NOSTATE &&
           state != VF_DOMAIN_STATE_CRASHED;
}

void
vf_virt_set_error(GError **error, const char *format, ...)
{
    virErrorPtr err = sym_virGetLastError();
    g_autofree char *what = NULL;
    VfErrorCode code = VF_ERROR_LIBVIRT;
    va_list ap;

    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (err) {
        switch (err->code) {
        case VIR_ERR_NO_DOMAIN:
            code = VF_ERROR_NOT_FOUND;
            break;
        case VIR_ERR_AUTH_FAILED:
        case VIR_ERR_ACCESS_DENIED:
        case VIR_ERR_AUTH_UNAVAILABLE:
            code = VF_ERROR_PERMISSION;
            break;
        case VIR_ERR_OPERATION_TIMEOUT:
        case VIR_ERR_AGENT_UNRESPONSIVE:
            code = VF_ERROR_TIMEOUT;
            break;
        case VIR_ERR_XML_ERROR:
        case VIR_ERR_XML_DETAIL:
            code = VF_ERROR_XML;
            break;
        default:
            break;
        }
    }
    g_set_error(error, VF_ERROR, code, "%s: %s", what,
                err && err->message ? err->message : "unknown libvirt error");
    sym_virResetLastError();
}

static gpointer
vf_virt_event_thread(gpointer data)
{
    for (;;)
        if (sym_virEventRunDefaultImpl() < 0)
            g_usleep(10 * 1000);
    return NULL;
}

/* libvirt prints every error to stderr by default; we report them ourselves */
static void
vf_virt_quiet(void *data, virErrorPtr err)
{
}

static gboolean
vf_virt_init_once(gboolean with_thread, GError **error)
{
    static gsize done;
    static gboolean ok;

    /* the first thing that needs libvirt: open it (vf-libvirt-dl.c) */
    if (!vf_libvirt_load(error))
        return FALSE;
    if (g_once_init_enter(&done)) {
        sym_virSetErrorFunc(NULL, vf_virt_quiet);
        ok = sym_virInitialize() == 0 && sym_virEventRegisterDefaultImpl() == 0;
        if (ok && with_thread) {
            GThread *thread = g_thread_new("vf-libvirt-events", vf_virt_event_thread, NULL);

            g_thread_unref(thread);
        }
        g_once_init_leave(&done, 1);
    }
    if (!ok) {
        vf_virt_set_error(error, "Cannot initialise libvirt");
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_virt_init(GError **error)
{
    return vf_virt_init_once(TRUE, error);
}

gboolean
vf_virt_init_without_thread(GError **error)
{
    return vf_virt_init_once(FALSE, error);
}

VfConnection *
vf_connection_open(const char *uri, GError **error)
{
    VfConnection *conn;
    virConnectPtr c;

    if (uri == NULL || *uri == '\0')
        uri = "qemu:///system";
    if (!vf_virt_init(error))
        return NULL;
    c = sym_virConnectOpen(uri);
    if (c == NULL) {
        vf_virt_set_error(error,
                          "Cannot connect to libvirt at '%s' (is libvirtd running? "
                          "try --connect URI)",
                          uri);
        return NULL;
    }
    conn = g_new0(VfConnection, 1);
    conn->ref_count = 1;
    conn->conn = c;
    conn->uri = g_strdup(uri);
    return conn;
}

VfConnection *
vf_connection_ref(VfConnection *conn)
{
    g_atomic_int_inc(&conn->ref_count);
    return conn;
}

void
vf_connection_unref(VfConnection *conn)
{
    if (conn == NULL || !g_atomic_int_dec_and_test(&conn->ref_count))
        return;
    sym_virConnectClose(conn->conn);
    g_free(conn->uri);
    g_free(conn);
}

void
vf_connection_set_agent_model(VfConnection *conn, VfAgentModelFunc model)
{
    conn->agent_model = model;
}

const char *
vf_connection_get_uri(VfConnection *conn)
{
    return conn->uri;
}

void
vf_domain_info_free(VfDomainInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->name);
    g_free(info->uuid);
    g_free(info->gpu);
    g_free(info);
}

/* The GPU named by VirtFlow's metadata element ("<passthrough gpu='…'>"), or NULL. */
static char *
vf_metadata_dup_gpu(const char *element)
{
    xmlDocPtr doc = xmlReadMemory(element, strlen(element), "metadata.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root;
    xmlChar *gpu;
    char *out = NULL;

    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    gpu = root ? xmlGetProp(root, (const xmlChar *)"gpu") : NULL;
    if (gpu)
        out = g_strdup((const char *)gpu);
    xmlFree(gpu);
    xmlFreeDoc(doc);
    return out;
}

static int
vf_domain_info_cmp(gconstpointer a, gconstpointer b)
{
    const VfDomainInfo *ia = *(VfDomainInfo *const *)a;
    const VfDomainInfo *ib = *(VfDomainInfo *const *)b;

    return g_utf8_collate(ia->name, ib->name);
}

/* VirtFlow's metadata, vCPUs and memory of each domain, read by a few threads at once: each is one
 * round trip to the daemon, and the connection serves them concurrently. */
typedef struct {
    GPtrArray *infos;      /* of VfDomainInfo* */
    virDomainPtr *domains; /* parallel to @infos */
    gint next;             /* the next index to read, shared */
    gboolean sizes;        /* also vCPUs and memory */
} VfMetadataJob;

static gpointer
vf_metadata_worker(gpointer data)
{
    VfMetadataJob *job = data;
    gint i;

    while ((i = g_atomic_int_add(&job->next, 1)) < (gint)job->infos->len) {
        VfDomainInfo *info = job->infos->pdata[i];
        virDomainInfo dinfo;
        char *meta;

        /* vCPUs and memory: the stats API has them for running domains only */
        if (job->sizes && sym_virDomainGetInfo(job->domains[i], &dinfo) == 0) {
            info->vcpus = dinfo.nrVirtCpu;
            info->memory_kib = dinfo.maxMem;
        }
        meta = sym_virDomainGetMetadata(job->domains[i], VIR_DOMAIN_METADATA_ELEMENT,
                                        VF_DOMAIN_XML_NAMESPACE, VIR_DOMAIN_AFFECT_CONFIG);

        if (meta) {
            info->passthrough = TRUE;
            info->gpu = vf_metadata_dup_gpu(meta);
            free(meta);
        }
        /* no metadata is an error for libvirt, the normal case for us */
        sym_virResetLastError();
    }
    return NULL;
}

#define VF_METADATA_THREADS 4

static GPtrArray *vf_connection_list_domains_full(VfConnection *conn, gboolean sizes,
                                                  GError **error);

GPtrArray *
vf_connection_list_domains(VfConnection *conn, GError **error)
{
    return vf_connection_list_domains_full(conn, FALSE, error);
}

GPtrArray *
vf_connection_list_domains_with_sizes(VfConnection *conn, GError **error)
{
    return vf_connection_list_domains_full(conn, TRUE, error);
}

static GPtrArray *
vf_connection_list_domains_full(VfConnection *conn, gboolean sizes, GError **error)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vf_domain_info_free);
    g_autoptr(GHashTable) transient = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    virDomainStatsRecordPtr *records = NULL;
    virDomainPtr *transients = NULL;
    g_autofree virDomainPtr *domains = NULL;
    VfMetadataJob job = {0};
    GThread *threads[VF_METADATA_THREADS] = {NULL};
    int n, n_transient;

    /* One call for every domain's state (virsh list asks per domain) ... */
    n = sym_virConnectGetAllDomainStats(conn->conn, VIR_DOMAIN_STATS_STATE, &records, 0);
    if (n < 0) {
        vf_virt_set_error(error, "Cannot list the domains of '%s'", conn->uri);
        return NULL;
    }
    /* ... and one for persistence: a domain is persistent unless it is listed here */
    n_transient =
        sym_virConnectListAllDomains(conn->conn, &transients, VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
    for (int i = 0; i < n_transient; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];

        if (sym_virDomainGetUUIDString(transients[i], uuid) == 0)
            g_hash_table_add(transient, g_strdup(uuid));
        sym_virDomainFree(transients[i]);
    }
    free(transients);
    sym_virResetLastError();

    domains = g_new0(virDomainPtr, MAX(n, 1));
    for (int i = 0; i < n; i++) {
        virDomainPtr dom = records[i]->dom;
        VfDomainInfo *info = g_new0(VfDomainInfo, 1);
        char uuid[VIR_UUID_STRING_BUFLEN];

        info->name = g_strdup(sym_virDomainGetName(dom));
        if (sym_virDomainGetUUIDString(dom, uuid) == 0)
            info->uuid = g_strdup(uuid);
        info->state = VF_DOMAIN_STATE_NOSTATE;
        for (int p = 0; p < records[i]->nparams; p++) {
            virTypedParameterPtr param = &records[i]->params[p];

            if (g_str_equal(param->field, "state.state") && param->value.i >= 0 &&
                param->value.i < VF_DOMAIN_STATE_LAST)
                info->state = param->value.i;
        }
        info->persistent = n_transient < 0
                               ? sym_virDomainIsPersistent(dom) == 1
                               : !(info->uuid && g_hash_table_contains(transient, info->uuid));
        domains[i] = dom;
        g_ptr_array_add(out, info);
    }

    job.infos = out;
    job.domains = domains;
    job.sizes = sizes;
    for (guint t = 0; t < VF_METADATA_THREADS && t < out->len; t++)
        threads[t] = g_thread_new("vf-metadata", vf_metadata_worker, &job);
    for (guint t = 0; t < VF_METADATA_THREADS; t++)
        if (threads[t])
            g_thread_join(threads[t]);

    sym_virDomainStatsRecordListFree(records);
    g_ptr_array_sort(out, vf_domain_info_cmp);
    return g_steal_pointer(&out);
}

VfDomain *
vf_connection_lookup_domain(VfConnection *conn, const char *name, GError **error)
{
    virDomainPtr dom;

    if (name == NULL || *name == '\0' || !g_utf8_validate(name, -1, NULL)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "A VM name must be non-empty UTF-8 text");
        return NULL;
    }
    dom = sym_virDomainLookupByName(conn->conn, name);
    if (dom == NULL)
        dom = sym_virDomainLookupByUUIDString(conn->conn, name);
    if (dom == NULL) {
        sym_virResetLastError();
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "No VM named '%s' on %s (see 'virtflow list')", name, conn->uri);
        vf_error_add_fix(error, "Refresh the list: the VM may have been removed or renamed");
        return NULL;
    }
    return vf_domain_new(conn, dom);
}

VfDomain *
vf_connection_define_xml(VfConnection *conn, const char *xml, GError **error)
{
    virDomainPtr dom = sym_virDomainDefineXML(conn->conn, xml);

    if (dom == NULL) {
        vf_virt_set_error(error, "libvirt refused the domain definition");
        return NULL;
    }
    return vf_domain_new(conn, dom);
}

static const char *const vf_lifecycle_event_names[] = {
    [VF_LIFECYCLE_DEFINED] = "defined",   [VF_LIFECYCLE_UNDEFINED] = "undefined",
    [VF_LIFECYCLE_STARTED] = "started",   [VF_LIFECYCLE_SUSPENDED] = "suspended",
    [VF_LIFECYCLE_RESUMED] = "resumed",   [VF_LIFECYCLE_STOPPED] = "stopped",
    [VF_LIFECYCLE_SHUTDOWN] = "shutdown", [VF_LIFECYCLE_PMSUSPENDED] = "pmsuspended",
    [VF_LIFECYCLE_CRASHED] = "crashed",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_lifecycle_event_names) == VF_LIFECYCLE_LAST);
/* our enum mirrors virDomainEventType value for value */
G_STATIC_ASSERT(VF_LIFECYCLE_STOPPED == (int)VIR_DOMAIN_EVENT_STOPPED);
G_STATIC_ASSERT(VF_LIFECYCLE_CRASHED == (int)VIR_DOMAIN_EVENT_CRASHED);

const char *
vf_lifecycle_event_to_string(VfLifecycleEvent event)
{
    return event < VF_LIFECYCLE_LAST ? vf_lifecycle_event_names[event] : "unknown";
}

typedef struct {
    VfConnection *conn; /* not a reference: the watch ends before the connection */
    VfLifecycleFunc func;
    gpointer user_data;
    GDestroyNotify destroy;
} VfLifecycleWatch;

static int
vf_lifecycle_cb(virConnectPtr c, virDomainPtr dom, int event, int detail, void *data)
{
    VfLifecycleWatch *watch = data;

    if (event >= 0 && event < VF_LIFECYCLE_LAST)
        watch->func(watch->conn, sym_virDomainGetName(dom), event, watch->user_data);
    return 0;
}

static void
vf_lifecycle_watch_free(void *data)
{
    VfLifecycleWatch *watch = data;

    if (watch->destroy)
        watch->destroy(watch->user_data);
    g_free(watch);
}

guint
vf_connection_watch_lifecycle(VfConnection *conn, VfLifecycleFunc func, gpointer user_data,
                              GDestroyNotify destroy, GError **error)
{
    VfLifecycleWatch *watch = g_new0(VfLifecycleWatch, 1);
    int id;

    watch->conn = conn;
    watch->func = func;
    watch->user_data = user_data;
    watch->destroy = destroy;
    id = sym_virConnectDomainEventRegisterAny(conn->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                              VIR_DOMAIN_EVENT_CALLBACK(vf_lifecycle_cb), watch,
                                              vf_lifecycle_watch_free);
    if (id < 0) {
        g_free(watch); /* libvirt does not call the free callback when it refuses */
        vf_virt_set_error(error, "Cannot watch the VMs of '%s'", conn->uri);
        return 0;
    }
    /* libvirt's ids start at 0; ours at 1 so that 0 can mean "none" */
    return (guint)id + 1;
}

void
vf_connection_unwatch_lifecycle(VfConnection *conn, guint id)
{
    g_return_if_fail(id > 0);
    if (sym_virConnectDomainEventDeregisterAny(conn->conn, (int)id - 1) < 0)
        sym_virResetLastError();
}
