/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A unit restarted through systemd's D-Bus API (org.freedesktop.systemd1(5)).
 *
 * TryRestartUnit() only queues a job and returns its object path; the restart is done
 * when the manager's JobRemoved(id, job, unit, result) names that job. The manager sends
 * job signals only to clients that called Subscribe(), and a job that finishes at once
 * may be announced before its method reply is read, so the signals are collected from
 * before the call on.
 */
#include "host/vf-systemd.h"

#include "core/vf-error.h"

#define VF_SYSTEMD_NAME    "org.freedesktop.systemd1"
#define VF_SYSTEMD_PATH    "/org/freedesktop/systemd1"
#define VF_SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

typedef struct {
    GHashTable *results; /* job path → result, every JobRemoved seen */
    gboolean timed_out;
} VfJobWait;

static void
vf_systemd_on_job_removed(GDBusConnection *bus G_GNUC_UNUSED, const char *sender G_GNUC_UNUSED,
                          const char *path G_GNUC_UNUSED, const char *iface G_GNUC_UNUSED,
                          const char *signal G_GNUC_UNUSED, GVariant *params, gpointer data)
{
    VfJobWait *wait = data;
    guint32 id;
    const char *job;
    const char *unit;
    const char *result;

    if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uoss)")))
        return;
    g_variant_get(params, "(u&o&s&s)", &id, &job, &unit, &result);
    g_hash_table_insert(wait->results, g_strdup(job), g_strdup(result));
}

static gboolean
vf_systemd_on_timeout(gpointer data)
{
    VfJobWait *wait = data;

    wait->timed_out = TRUE;
    return G_SOURCE_REMOVE;
}

gboolean
vf_systemd_try_restart_unit(GDBusConnection *bus, const char *unit, guint timeout_ms,
                            GError **error)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GHashTable) results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    VfJobWait wait = {.results = results};
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GVariant) subscribed = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GSource) timeout = NULL;
    const char *job = NULL;
    const char *result = NULL;
    gboolean ok = FALSE;
    guint subscription;

    /* the signal is delivered in this context, iterated below and nowhere else */
    g_main_context_push_thread_default(context);
    subscription = g_dbus_connection_signal_subscribe(
        bus, VF_SYSTEMD_NAME, VF_SYSTEMD_MANAGER, "JobRemoved", VF_SYSTEMD_PATH, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, vf_systemd_on_job_removed, &wait, NULL);
    /* without it the manager keeps its job signals to itself */
    subscribed = g_dbus_connection_call_sync(bus, VF_SYSTEMD_NAME, VF_SYSTEMD_PATH,
                                             VF_SYSTEMD_MANAGER, "Subscribe", NULL, NULL,
                                             G_DBUS_CALL_FLAGS_NONE, (gint)timeout_ms, NULL, NULL);
    reply = g_dbus_connection_call_sync(bus, VF_SYSTEMD_NAME, VF_SYSTEMD_PATH, VF_SYSTEMD_MANAGER,
                                        "TryRestartUnit", g_variant_new("(ss)", unit, "replace"),
                                        G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE,
                                        (gint)timeout_ms, NULL, &local);
    if (reply == NULL) {
        g_dbus_error_strip_remote_error(local);
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED, "systemd did not restart %s: %s", unit,
                    local->message);
        goto out;
    }
    g_variant_get(reply, "(&o)", &job);

    timeout = g_timeout_source_new(timeout_ms);
    g_source_set_callback(timeout, vf_systemd_on_timeout, &wait, NULL);
    g_source_attach(timeout, context);
    while ((result = g_hash_table_lookup(results, job)) == NULL && !wait.timed_out)
        g_main_context_iteration(context, TRUE);
    g_source_destroy(timeout);

    if (result == NULL)
        g_set_error(error, VF_ERROR, VF_ERROR_TIMEOUT,
                    "systemd did not finish restarting %s within %u s (job %s); see "
                    "'systemctl status %s'",
                    unit, timeout_ms / 1000, job, unit);
    else if (!g_str_equal(result, "done"))
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "systemd could not restart %s: its job ended '%s'; see 'systemctl status "
                    "%s' and 'journalctl -u %s'",
                    unit, result, unit, unit);
    else
        ok = TRUE;
out:
    g_dbus_connection_signal_unsubscribe(bus, subscription);
    /* what the subscription still had queued in this context goes with it */
    while (g_main_context_iteration(context, FALSE))
        ;
    g_main_context_pop_thread_default(context);
    return ok;
}

gboolean
vf_systemd_set_allowed_cpus(GDBusConnection *bus, const char *unit, GByteArray *mask,
                            guint timeout_ms, GError **error)
{
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GError) local = NULL;
    GVariantBuilder props;
    GVariant *bytes;

    /* systemctl's cpu_set_to_dbus(): the mask as bytes, CPU 0 in bit 0 of the first; an
     * empty array resets the property ("AllowedCPUs=") */
    bytes = g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, mask ? mask->data : NULL,
                                      mask ? mask->len : 0, 1);
    g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
    g_variant_builder_add(&props, "(sv)", "AllowedCPUs", bytes);
    reply = g_dbus_connection_call_sync(bus, VF_SYSTEMD_NAME, VF_SYSTEMD_PATH, VF_SYSTEMD_MANAGER,
                                        "SetUnitProperties",
                                        g_variant_new("(sba(sv))", unit, TRUE, &props), NULL,
                                        G_DBUS_CALL_FLAGS_NONE, (gint)timeout_ms, NULL, &local);
    if (reply == NULL) {
        g_dbus_error_strip_remote_error(local);
        g_set_error(error, VF_ERROR,
                    g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ? VF_ERROR_TIMEOUT
                                                                             : VF_ERROR_FAILED,
                    "systemd did not set AllowedCPUs of %s: %s; see 'systemctl show -p "
                    "AllowedCPUs %s'",
                    unit, local->message, unit);
        return FALSE;
    }
    return TRUE;
}
