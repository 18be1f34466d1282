/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-test-systemd.c: a stand-in for systemd's manager on a private D-Bus (see
 * vf-test-systemd.h)
 */
#include "vf-test-systemd.h"

#include <string.h>

static const char vf_fake_xml[] =
    "<node><interface name='org.freedesktop.systemd1.Manager'>"
    "<method name='Subscribe'/>"
    "<method name='TryRestartUnit'><arg type='s' direction='in'/><arg type='s' "
    "direction='in'/><arg type='o' direction='out'/></method>"
    "<method name='SetUnitProperties'><arg type='s' direction='in'/><arg type='b' "
    "direction='in'/><arg type='a(sv)' direction='in'/></method>"
    "<signal name='JobRemoved'><arg type='u'/><arg type='o'/><arg type='s'/><arg "
    "type='s'/></signal>"
    "</interface></node>";

/* one private bus for the whole run, started before any thread (it sets the environment) */
static GTestDBus *vf_test_bus;

void
vf_test_systemd_bus_up(void)
{
    g_assert_null(vf_test_bus);
    vf_test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
    g_test_dbus_up(vf_test_bus);
}

void
vf_test_systemd_bus_down(void)
{
    g_test_dbus_down(vf_test_bus);
    g_clear_object(&vf_test_bus);
}

GDBusConnection *
vf_test_systemd_connect(void)
{
    GDBusConnection *conn =
        g_dbus_connection_new_for_address_sync(g_test_dbus_get_bus_address(vf_test_bus),
                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                               NULL, NULL, NULL);

    g_assert_nonnull(conn);
    return conn;
}

static void
vf_fake_job_removed(VfTestSystemd *fake, guint id, const char *unit, const char *result)
{
    g_autofree char *job = g_strdup_printf("/org/freedesktop/systemd1/job/%u", id);

    /* the manager only tells subscribed clients (it broadcasts; the tests check the call) */
    if (!fake->subscribed)
        return;
    g_dbus_connection_emit_signal(fake->conn, NULL, "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "JobRemoved",
                                  g_variant_new("(uoss)", id, job, unit, result), NULL);
}

static void
vf_fake_try_restart(VfTestSystemd *fake, GVariant *params, GDBusMethodInvocation *invocation)
{
    const char *unit;
    const char *mode;
    guint id;
    g_autofree char *job = NULL;
    g_autofree char *message = NULL;

    g_variant_get(params, "(&s&s)", &unit, &mode);
    if (!g_str_equal(unit, "libvirtd.service") || !g_str_equal(mode, "replace")) {
        message = g_strdup_printf("Unit %s not found.", unit);
        g_dbus_method_invocation_return_dbus_error(invocation,
                                                   "org.freedesktop.systemd1.NoSuchUnit", message);
        return;
    }
    g_free(fake->restarted);
    fake->restarted = g_strdup(unit);
    id = ++fake->next_job;
    job = g_strdup_printf("/org/freedesktop/systemd1/job/%u", id);
    if (fake->jobs == VF_TEST_SYSTEMD_JOB_EARLY)
        vf_fake_job_removed(fake, id, unit, "done");
    if (fake->jobs == VF_TEST_SYSTEMD_JOB_OTHER_FIRST)
        vf_fake_job_removed(fake, id + 100, "other.service", "failed");
    g_dbus_method_invocation_return_value(invocation, g_variant_new("(o)", job));
    if (fake->jobs == VF_TEST_SYSTEMD_JOB_DONE || fake->jobs == VF_TEST_SYSTEMD_JOB_OTHER_FIRST)
        vf_fake_job_removed(fake, id, unit, "done");
    else if (fake->jobs == VF_TEST_SYSTEMD_JOB_FAILED)
        vf_fake_job_removed(fake, id, unit, "failed");
}

/* The mask as systemd prints a cpu set ("0-1,4"). */
static char *
vf_fake_mask_text(GVariant *bytes)
{
    gsize n = 0;
    const guint8 *data = g_variant_get_fixed_array(bytes, &n, 1);
    GString *out = g_string_new(NULL);

    for (guint cpu = 0; cpu < n * 8; cpu++) {
        guint last = cpu;

        if (!(data[cpu / 8] & (1u << (cpu % 8))))
            continue;
        while (last + 1 < n * 8 && (data[(last + 1) / 8] & (1u << ((last + 1) % 8))))
            last++;
        g_string_append_printf(out, "%s%u", out->len ? "," : "", cpu);
        if (last > cpu)
            g_string_append_printf(out, "-%u", last);
        cpu = last;
    }
    return g_string_free(out, FALSE);
}

static void
vf_fake_set_unit_properties(VfTestSystemd *fake, GVariant *params,
                            GDBusMethodInvocation *invocation)
{
    const char *unit;
    gboolean runtime;
    g_autoptr(GVariantIter) props = NULL;
    const char *name;
    GVariant *value;

    g_variant_get(params, "(&sba(sv))", &unit, &runtime, &props);
    if (fake->fail_unit != NULL && g_str_equal(unit, fake->fail_unit)) {
        g_dbus_method_invocation_return_dbus_error(
            invocation, "org.freedesktop.DBus.Error.AccessDenied", "Access denied");
        return;
    }
    /* VirtFlow's changes are runtime ones only: a persistent one would outlive a crash */
    if (!runtime) {
        g_dbus_method_invocation_return_dbus_error(
            invocation, "org.freedesktop.DBus.Error.InvalidArgs", "not runtime");
        return;
    }
    while (g_variant_iter_next(props, "(&sv)", &name, &value)) {
        if (g_str_equal(name, "AllowedCPUs") && g_variant_is_of_type(value, G_VARIANT_TYPE("ay"))) {
            g_mutex_lock(&fake->lock);
            g_hash_table_insert(fake->allowed, g_strdup(unit), vf_fake_mask_text(value));
            g_mutex_unlock(&fake->lock);
        }
        g_variant_unref(value);
    }
    g_dbus_method_invocation_return_value(invocation, NULL);
}

static void
vf_fake_method(GDBusConnection *conn G_GNUC_UNUSED, const char *sender G_GNUC_UNUSED,
               const char *path G_GNUC_UNUSED, const char *iface G_GNUC_UNUSED, const char *method,
               GVariant *params, GDBusMethodInvocation *invocation, gpointer data)
{
    VfTestSystemd *fake = data;

    g_mutex_lock(&fake->lock);
    fake->calls++;
    g_mutex_unlock(&fake->lock);
    if (g_str_equal(method, "Subscribe")) {
        fake->subscribed = TRUE;
        g_dbus_method_invocation_return_value(invocation, NULL);
    } else if (g_str_equal(method, "TryRestartUnit")) {
        vf_fake_try_restart(fake, params, invocation);
    } else {
        vf_fake_set_unit_properties(fake, params, invocation);
    }
}

static const GDBusInterfaceVTable vf_fake_vtable = {.method_call = vf_fake_method};

static gpointer
vf_fake_thread(gpointer data)
{
    VfTestSystemd *fake = data;
    g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(vf_fake_xml, NULL);
    guint reg;

    g_main_context_push_thread_default(fake->context);
    reg = g_dbus_connection_register_object(fake->conn, "/org/freedesktop/systemd1",
                                            info->interfaces[0], &vf_fake_vtable, fake, NULL, NULL);
    /* the previous test's manager may not be gone from the bus yet: wait for the name */
    for (guint tries = 0;; tries++) {
        g_autoptr(GVariant) owned = NULL;
        guint32 reply = 0;

        owned = g_dbus_connection_call_sync(
            fake->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", g_variant_new("(su)", "org.freedesktop.systemd1", 4),
            G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        g_assert_nonnull(owned);
        g_variant_get(owned, "(u)", &reply);
        if (reply == 1) /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */
            break;
        g_assert_cmpuint(tries, <, 500);
        g_usleep(10000);
    }
    g_mutex_lock(&fake->lock);
    fake->ready = TRUE;
    g_cond_signal(&fake->cond);
    g_mutex_unlock(&fake->lock);
    g_main_loop_run(fake->loop);
    g_dbus_connection_unregister_object(fake->conn, reg);
    g_main_context_pop_thread_default(fake->context);
    return NULL;
}

VfTestSystemd *
vf_test_systemd_new(VfTestSystemdJobs jobs)
{
    VfTestSystemd *fake = g_new0(VfTestSystemd, 1);

    fake->jobs = jobs;
    fake->allowed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    fake->context = g_main_context_new();
    fake->loop = g_main_loop_new(fake->context, FALSE);
    g_mutex_init(&fake->lock);
    g_cond_init(&fake->cond);
    /* its own connection, dispatched in its own thread: the client's calls block */
    g_main_context_push_thread_default(fake->context);
    fake->conn = vf_test_systemd_connect();
    g_main_context_pop_thread_default(fake->context);
    fake->thread = g_thread_new("fake-systemd", vf_fake_thread, fake);
    g_mutex_lock(&fake->lock);
    while (!fake->ready)
        g_cond_wait(&fake->cond, &fake->lock);
    g_mutex_unlock(&fake->lock);
    return fake;
}

void
vf_test_systemd_free(VfTestSystemd *fake)
{
    if (fake == NULL)
        return;
    g_main_loop_quit(fake->loop);
    g_thread_join(fake->thread);
    g_dbus_connection_close_sync(fake->conn, NULL, NULL);
    g_object_unref(fake->conn);
    g_main_loop_unref(fake->loop);
    g_main_context_unref(fake->context);
    g_mutex_clear(&fake->lock);
    g_cond_clear(&fake->cond);
    g_hash_table_unref(fake->allowed);
    g_free(fake->restarted);
    g_free(fake);
}

char *
vf_test_systemd_dup_allowed(VfTestSystemd *fake, const char *unit)
{
    char *value;

    g_mutex_lock(&fake->lock);
    value = g_strdup(g_hash_table_lookup(fake->allowed, unit));
    g_mutex_unlock(&fake->lock);
    return value;
}

guint
vf_test_systemd_count_calls(VfTestSystemd *fake)
{
    guint calls;

    g_mutex_lock(&fake->lock);
    calls = fake->calls;
    g_mutex_unlock(&fake->lock);
    return calls;
}
