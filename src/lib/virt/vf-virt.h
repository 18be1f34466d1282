/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-virt.h: the only code of VirtFlow that calls libvirt
 *
 * A connection to any libvirt URI, its domains, their lifecycle and the guest agent.
 * libvirt errors become GErrors (VF_ERROR_LIBVIRT, libvirt's own message kept) in one
 * place, vf-connection.c. Waiting for a domain to stop listens to libvirt's lifecycle
 * events rather than polling, so "off" means libvirt said STOPPED.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VF_DOMAIN_STATE_NOSTATE,
    VF_DOMAIN_STATE_RUNNING,
    VF_DOMAIN_STATE_BLOCKED,
    VF_DOMAIN_STATE_PAUSED,
    VF_DOMAIN_STATE_SHUTDOWN, /* shutting down */
    VF_DOMAIN_STATE_SHUTOFF,
    VF_DOMAIN_STATE_CRASHED,
    VF_DOMAIN_STATE_PMSUSPENDED,
    VF_DOMAIN_STATE_LAST
} VfDomainState;

/* "running", "shut off", ... as virsh prints them */
const char *vf_domain_state_to_string(VfDomainState state);
/* TRUE for the states in which QEMU still holds the devices */
gboolean vf_domain_state_is_active(VfDomainState state);

/* Starts libvirt's event loop in a thread of its own, once per process. Call before the
 * first connection is opened. */
gboolean vf_virt_init(GError **error);
/* As vf_virt_init(), without the thread: libvirt's events (whose sources libvirt attaches
 * to GLib's global default main context) are dispatched by the application's main loop, as
 * libvirt-glib does. For the GObject API (Python, GJS): a second thread iterating that
 * context whenever the application's loop does not would run the application's own sources
 * in the wrong thread. Waiting for a domain to stop still works without it (it polls too).
 * Whichever of the two runs first decides for the process. */
gboolean vf_virt_init_without_thread(GError **error);

typedef struct _VfConnection VfConnection;
typedef struct _VfDomain VfDomain;

typedef struct {
    char *name;
    char *uuid;
    VfDomainState state;
    gboolean persistent;
    gboolean passthrough; /* carries VirtFlow's passthrough metadata */
    char *gpu;            /* the GPU in that metadata, or NULL */
    guint vcpus;          /* 0 unless listed with vf_connection_list_domains_with_sizes() */
    guint64 memory_kib;   /* the maximum; 0 unless listed with sizes */
} VfDomainInfo;

void vf_domain_info_free(VfDomainInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDomainInfo, vf_domain_info_free)

/* @uri NULL: qemu:///system */
VfConnection *vf_connection_open(const char *uri, GError **error);
VfConnection *vf_connection_ref(VfConnection *conn);
void vf_connection_unref(VfConnection *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfConnection, vf_connection_unref)

const char *vf_connection_get_uri(VfConnection *conn);

/*
 * A stand-in for the guest agents of a connection whose driver has none (libvirt's test
 * driver, which the demo runs on): given a running domain's live XML and an agent command
 * ("{\"execute\":\"guest-ping\"}"), the reply qemu-guest-agent would give, or NULL and an
 * error as libvirt gives it (no agent channel in the XML: VF_ERROR_NOT_FOUND). Set once,
 * right after vf_connection_open(); vf_domain_agent_command() then asks it instead of
 * libvirt. Real connections never have one.
 */
typedef char *(*VfAgentModelFunc)(const char *domain_xml, const char *command, GError **error);
void vf_connection_set_agent_model(VfConnection *conn, VfAgentModelFunc model);
/* Every domain, active or not, sorted by name. Of VfDomainInfo*. */
GPtrArray *vf_connection_list_domains(VfConnection *conn, GError **error);
/* The same with vcpus and memory_kib filled: one more round trip per domain. */
GPtrArray *vf_connection_list_domains_with_sizes(VfConnection *conn, GError **error);
/* By name, then by UUID; VF_ERROR_NOT_FOUND naming @name when neither matches. */
VfDomain *vf_connection_lookup_domain(VfConnection *conn, const char *name, GError **error);
/* virDomainDefineXML: creates or replaces the persistent definition. */
VfDomain *vf_connection_define_xml(VfConnection *conn, const char *xml, GError **error);

/* What happened to a domain, as libvirt's lifecycle events say (virDomainEventType). */
typedef enum {
    VF_LIFECYCLE_DEFINED,
    VF_LIFECYCLE_UNDEFINED,
    VF_LIFECYCLE_STARTED,
    VF_LIFECYCLE_SUSPENDED,
    VF_LIFECYCLE_RESUMED,
    VF_LIFECYCLE_STOPPED,
    VF_LIFECYCLE_SHUTDOWN, /* the guest is shutting down (STOPPED follows) */
    VF_LIFECYCLE_PMSUSPENDED,
    VF_LIFECYCLE_CRASHED,
    VF_LIFECYCLE_LAST
} VfLifecycleEvent;

/* "defined", "undefined", "started", ... */
const char *vf_lifecycle_event_to_string(VfLifecycleEvent event);

/* @name: the domain's name. Runs on libvirt's event-loop thread (see vf_virt_init), not
 * the caller's: a GUI hands it to its main context (g_main_context_invoke). It must not
 * block; it may call other libvirt functions. */
typedef void (*VfLifecycleFunc)(VfConnection *conn, const char *name, VfLifecycleEvent event,
                                gpointer user_data);
/* Calls @func for every lifecycle event of every domain of @conn until unwatched. Returns
 * a watch id > 0, or 0 with an error (a driver without events). @destroy (may be NULL)
 * frees @user_data when the watch ends, possibly on the event-loop thread. */
guint vf_connection_watch_lifecycle(VfConnection *conn, VfLifecycleFunc func, gpointer user_data,
                                    GDestroyNotify destroy, GError **error);
/* Ends a watch: @func is not called again once this returns... except for a call already
 * running on the event-loop thread, which completes. */
void vf_connection_unwatch_lifecycle(VfConnection *conn, guint id);

VfDomain *vf_domain_ref(VfDomain *dom);
void vf_domain_unref(VfDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDomain, vf_domain_unref)

const char *vf_domain_get_name(VfDomain *dom);
gboolean vf_domain_get_state(VfDomain *dom, VfDomainState *ret_state, GError **error);
/* @inactive: the persistent definition (what VirtFlow rewrites), not the live one. */
char *vf_domain_dup_xml(VfDomain *dom, gboolean inactive, GError **error);
gboolean vf_domain_start(VfDomain *dom, GError **error);
/* Asks the guest to shut down: through the guest agent when it answers, else ACPI. */
gboolean vf_domain_shutdown(VfDomain *dom, GError **error);
gboolean vf_domain_destroy(VfDomain *dom, GError **error);

/* Called about every 100 ms while waiting; @elapsed/@total in ms. */
typedef void (*VfWaitFunc)(guint elapsed_ms, guint total_ms, gpointer user_data);
/* Waits for libvirt's STOPPED event (or a stopped state) until @timeout_ms passes:
 * VF_ERROR_TIMEOUT naming the domain then. */
gboolean vf_domain_wait_stopped(VfDomain *dom, guint timeout_ms, VfWaitFunc tick,
                                gpointer user_data, GError **error);

/* A guest agent command ("{\"execute\":\"guest-ping\"}"): the JSON reply or NULL + error
 * (VF_ERROR_LIBVIRT; the agent not connected or not configured is VF_ERROR_NOT_FOUND). */
char *vf_domain_agent_command(VfDomain *dom, const char *command, int timeout_s, GError **error);

G_END_DECLS
