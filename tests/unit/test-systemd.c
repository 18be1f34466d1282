/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf_systemd_try_restart_unit() against a stand-in for systemd's manager on a private
 * D-Bus (vf-test-systemd.h): TryRestartUnit() answers with a job's object path at once,
 * and the job's end comes later as JobRemoved(id, job, unit, result), sent only to
 * clients that called Subscribe(); NoSuchUnit for a unit it does not know. Each test sets
 * how the job ends.
 */
#include "vf-test-systemd.h"

#include "core/vf-error.h"
#include "host/vf-systemd.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
    GDBusConnection *client;
    VfTestSystemd *fake;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer jobs)
{
    f->client = vf_test_systemd_connect();
    f->fake = vf_test_systemd_new(GPOINTER_TO_INT(jobs));
}

static void
fixture_tear_down(Fixture *f, gconstpointer jobs G_GNUC_UNUSED)
{
    g_clear_pointer(&f->fake, vf_test_systemd_free);
    g_dbus_connection_close_sync(f->client, NULL, NULL);
    g_object_unref(f->client);
}

static void
test_done(Fixture *f, gconstpointer mode G_GNUC_UNUSED)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(vf_systemd_try_restart_unit(f->client, "libvirtd.service", 5000, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(f->fake->restarted, ==, "libvirtd.service");
    g_assert_true(f->fake->subscribed);
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
    g_assert_null(f->fake->restarted);
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
    ADD("/systemd/try-restart/done", VF_TEST_SYSTEMD_JOB_DONE, test_done);
    ADD("/systemd/try-restart/failed", VF_TEST_SYSTEMD_JOB_FAILED, test_failed);
    ADD("/systemd/try-restart/no-such-unit", VF_TEST_SYSTEMD_JOB_DONE, test_no_such_unit);
    ADD("/systemd/try-restart/no-answer", VF_TEST_SYSTEMD_JOB_SILENT, test_silent);
    ADD("/systemd/try-restart/job-removed-before-reply", VF_TEST_SYSTEMD_JOB_EARLY,
        test_early_or_other);
    ADD("/systemd/try-restart/another-job-first", VF_TEST_SYSTEMD_JOB_OTHER_FIRST,
        test_early_or_other);
#undef ADD
    vf_test_systemd_bus_up();
    rc = g_test_run();
    vf_test_systemd_bus_down();
    return rc;
}
