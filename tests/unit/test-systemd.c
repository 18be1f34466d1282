/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf_systemd_try_restart_unit() against a stand-in for systemd's manager on a private
 * D-Bus (GTestDBus runs a dbus-daemon of its own). systemd cannot run here (it is not
 * PID 1), so the stand-in models what the org.freedesktop.systemd1(5) API does:
 * TryRestartUnit() answers with a job's object path at once, and the job's end comes
 * later as JobRemoved(id, job, unit, result), sent only to clients that called
 * Subscribe(); NoSuchUnit for a unit it does not know. Each test sets how the job ends.
 */
#include "core/vf-error.h"
#include "host/vf-systemd.h"

#include <gio/gio.h>
#include <string.h>

typedef enum {
    FAKE_DONE,        /* JobRemoved "done" after the reply */
    FAKE_FAILED,      /* JobRemoved "failed" */
    FAKE_SILENT,      /* never a JobRemoved */
    FAKE_EARLY,       /* JobRemoved "done" sent before the method reply */
    FAKE_OTHER_FIRST, /* another job's JobRemoved ("failed") first, then ours "done" */
} FakeMode;

typedef struct {
    FakeMode mode;
    GDBusConnection *conn;
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean ready;
    guint next_job;
    gboolean subscribed;
    char *restarted; /* the unit asked for */
} FakeManager;

static const char fake_xml[] =
    "<node><interface name='org.freedesktop.systemd1.Manager'>"
    "<method name='Subscribe'/>"
    "<method name='TryRestartUnit'><arg type='s' direction='in'/><arg type='s' "
    "direction='in'/><arg type='o' direction='out'/></method>"
    "<signal name='JobRemoved'><arg type='u'/><arg type='o'/><arg type='s'/><arg "
    "type='s'/></signal>"
    "</interface></node>";

static void
fake_job_removed(FakeManager *fake, guint id, const char *unit, const char *result)
{
    g_autofree char *job = g_strdup_printf("/org/freedesktop/systemd1/job/%u", id);

    /* the manager only tells subscribed clients (it broadcasts; the test checks the call) */
    if (!fake->subscribed)
        return;
    g_dbus_connection_emit_signal(fake->conn, NULL, "/org/freedesktop/systemd1",
                                  "org.freedesktop.systemd1.Manager", "JobRemoved",
                                  g_variant_new("(uoss)", id, job, unit, result), NULL);
}

static void
fake_method(GDBusConnection *conn G_GNUC_UNUSED, const char *sender G_GNUC_UNUSED,
            const char *path G_GNUC_UNUSED, const char *iface G_GNUC_UNUSED, const char *method,
            GVariant *params, GDBusMethodInvocation *invocation, gpointer data)
{
    FakeManager *fake = data;
    const char *unit;
    const char *mode;
    guint id;
    g_autofree char *job = NULL;

    if (g_str_equal(method, "Subscribe")) {
        fake->subscribed = TRUE;
        g_dbus_method_invocation_return_value(invocation, NULL);
        return;
    }
    g_variant_get(params, "(&s&s)", &unit, &mode);
    if (!g_str_equal(unit, "libvirtd.service") || !g_str_equal(mode, "replace")) {
        g_dbus_method_invocation_return_dbus_error(
            invocation, "org.freedesktop.systemd1.NoSuchUnit", "Unit nosuch.service not found.");
        return;
    }
    g_free(fake->restarted);
    fake->restarted = g_strdup(unit);
    id = ++fake->next_job;
    job = g_strdup_printf("/org/freedesktop/systemd1/job/%u", id);
    if (fake->mode == FAKE_EARLY)
        fake_job_removed(fake, id, unit, "done");
    if (fake->mode == FAKE_OTHER_FIRST)
        fake_job_removed(fake, id + 100, "other.service", "failed");
    g_dbus_method_invocation_return_value(invocation, g_variant_new("(o)", job));
    if (fake->mode == FAKE_DONE || fake->mode == FAKE_OTHER_FIRST)
        fake_job_removed(fake, id, unit, "done");
    else if (fake->mode == FAKE_FAILED)
        fake_job_removed(fake, id, unit, "failed");
}

static const GDBusInterfaceVTable fake_vtable = {.method_call = fake_method};

static gpointer
fake_thread(gpointer data)
{
    FakeManager *fake = data;
    g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml(fake_xml, NULL);
    g_autoptr(GVariant) owned = NULL;
    guint reg;

    g_main_context_push_thread_default(fake->context);
    reg = g_dbus_connection_register_object(fake->conn, "/org/freedesktop/systemd1",
                                            info->interfaces[0], &fake_vtable, fake, NULL, NULL);
    /* the previous test's manager may not be gone from the bus yet: wait for the name */
    for (guint tries = 0;; tries++) {
        guint32 reply = 0;

        owned = g_dbus_connection_call_sync(
            fake->conn, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "RequestName", g_variant_new("(su)", "org.freedesktop.systemd1", 4),
            G_VARIANT_TYPE("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
        g_assert_nonnull(owned);
        g_variant_get(owned, "(u)", &reply);
        g_clear_pointer(&owned, g_variant_unref);
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

/* one private bus for the whole run, started before any thread (it sets the environment) */
static GTestDBus *test_bus;

typedef struct {
    GDBusConnection *client;
    FakeManager fake;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer mode)
{
    const char *address;

    address = g_test_dbus_get_bus_address(test_bus);
    f->client =
        g_dbus_connection_new_for_address_sync(address,
                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                               NULL, NULL, NULL);
    g_assert_nonnull(f->client);

    f->fake.mode = GPOINTER_TO_INT(mode);
    f->fake.context = g_main_context_new();
    f->fake.loop = g_main_loop_new(f->fake.context, FALSE);
    g_mutex_init(&f->fake.lock);
    g_cond_init(&f->fake.cond);
    /* its own connection, dispatched in its own thread: the client's calls block */
    g_main_context_push_thread_default(f->fake.context);
    f->fake.conn =
        g_dbus_connection_new_for_address_sync(address,
                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                               NULL, NULL, NULL);
    g_main_context_pop_thread_default(f->fake.context);
    g_assert_nonnull(f->fake.conn);
    f->fake.thread = g_thread_new("fake-systemd", fake_thread, &f->fake);
    g_mutex_lock(&f->fake.lock);
    while (!f->fake.ready)
        g_cond_wait(&f->fake.cond, &f->fake.lock);
    g_mutex_unlock(&f->fake.lock);
}

static void
fixture_tear_down(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_main_loop_quit(f->fake.loop);
    g_thread_join(f->fake.thread);
    g_dbus_connection_close_sync(f->fake.conn, NULL, NULL);
    g_object_unref(f->fake.conn);
    g_main_loop_unref(f->fake.loop);
    g_main_context_unref(f->fake.context);
    g_mutex_clear(&f->fake.lock);
    g_cond_clear(&f->fake.cond);
    g_free(f->fake.restarted);
    g_dbus_connection_close_sync(f->client, NULL, NULL);
    g_object_unref(f->client);
}

static void
test_done(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_systemd_try_restart_unit(f->client, "libvirtd.service", 5000, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(f->fake.restarted, ==, "libvirtd.service");
    g_assert_true(f->fake.subscribed);
}

static void
test_failed(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(vf_systemd_try_restart_unit(f->client, "libvirtd.service", 5000, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "could not restart libvirtd.service"));
    g_assert_nonnull(strstr(error->message, "'failed'"));
    g_assert_nonnull(strstr(error->message, "systemctl status libvirtd.service"));
}

static void
test_no_such_unit(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(vf_systemd_try_restart_unit(f->client, "nosuch.service", 5000, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "did not restart nosuch.service"));
    g_assert_nonnull(strstr(error->message, "Unit nosuch.service not found."));
    g_assert_null(f->fake.restarted);
}

static void
test_silent(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();

    g_assert_false(vf_systemd_try_restart_unit(f->client, "libvirtd.service", 300, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_TIMEOUT);
    g_assert_nonnull(strstr(error->message, "did not finish restarting libvirtd.service"));
    /* it waited for the job, and not much longer than asked */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 300 * G_TIME_SPAN_MILLISECOND);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_TIME_SPAN_SECOND);
}

/* both only pass if the signals are collected from before the call, and matched by job */
static void
test_early_or_other(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_systemd_try_restart_unit(f->client, "libvirtd.service", 2000, &error));
    g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
#define ADD(path, mode, fn)                                                                        \
    g_test_add(path, Fixture, GINT_TO_POINTER(mode), fixture_set_up, fn, fixture_tear_down)
    ADD("/systemd/try-restart/done", FAKE_DONE, test_done);
    ADD("/systemd/try-restart/failed", FAKE_FAILED, test_failed);
    ADD("/systemd/try-restart/no-such-unit", FAKE_DONE, test_no_such_unit);
    ADD("/systemd/try-restart/no-answer", FAKE_SILENT, test_silent);
    ADD("/systemd/try-restart/job-removed-before-reply", FAKE_EARLY, test_early_or_other);
    ADD("/systemd/try-restart/another-job-first", FAKE_OTHER_FIRST, test_early_or_other);
#undef ADD
    test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
    g_test_dbus_up(test_bus);
    rc = g_test_run();
    g_test_dbus_down(test_bus);
    g_object_unref(test_bus);
    return rc;
}
