/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-test-systemd.h: a stand-in for systemd's manager on a private D-Bus, for the unit
 * tests of code that talks to systemd (test-systemd, test-tune-run)
 *
 * systemd cannot run here (it is not PID 1), so the stand-in models what the
 * org.freedesktop.systemd1(5) API does, on a dbus-daemon of the test's own (GTestDBus):
 *  - Subscribe();
 *  - TryRestartUnit(unit, mode) answers with a job's object path at once; the job's end
 *    comes later as JobRemoved(id, job, unit, result), sent only to clients that called
 *    Subscribe(), as VfTestSystemdJobs says; NoSuchUnit for a unit other than
 *    libvirtd.service (or a mode other than "replace");
 *  - SetUnitProperties(unit, runtime, properties) records AllowedCPUs per unit (as
 *    `systemctl show` prints a cpu set); a persistent change (runtime false) is refused,
 *    and so is any change of the unit named in fail_unit (AccessDenied).
 *
 * The manager owns org.freedesktop.systemd1 on its own connection, dispatched in a thread
 * of its own, so that the code under test may block on its calls.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* How a TryRestartUnit() job ends. */
typedef enum {
    VF_TEST_SYSTEMD_JOB_DONE,        /* JobRemoved "done" after the reply */
    VF_TEST_SYSTEMD_JOB_FAILED,      /* JobRemoved "failed" */
    VF_TEST_SYSTEMD_JOB_SILENT,      /* never a JobRemoved */
    VF_TEST_SYSTEMD_JOB_EARLY,       /* JobRemoved "done" sent before the method reply */
    VF_TEST_SYSTEMD_JOB_OTHER_FIRST, /* another job's JobRemoved ("failed") first, then ours */
} VfTestSystemdJobs;

typedef struct {
    /* set by the test before it calls the manager */
    VfTestSystemdJobs jobs;
    const char *fail_unit; /* SetUnitProperties() of this unit answers AccessDenied */

    /* what the manager was asked (read them once the calls returned) */
    gboolean subscribed; /* Subscribe() was called */
    char *restarted;     /* the unit TryRestartUnit() restarted, NULL before */

    /* private */
    GHashTable *allowed; /* unit → "0-1,8-9", "" for every CPU */
    guint calls;         /* methods called, all of them */
    guint next_job;
    GDBusConnection *conn;
    GMainContext *context;
    GMainLoop *loop;
    GThread *thread;
    GMutex lock;
    GCond cond;
    gboolean ready;
} VfTestSystemd;

/* Starts the private bus (it sets DBUS_SESSION_BUS_ADDRESS): in main(), before any thread
 * and g_test_run(); vf_test_systemd_bus_down() after it. */
void vf_test_systemd_bus_up(void);
void vf_test_systemd_bus_down(void);

/* A new client connection to the private bus (transfer full); asserts on failure. */
GDBusConnection *vf_test_systemd_connect(void);

/* Starts a manager whose jobs end as @jobs, once it owns org.freedesktop.systemd1 (the
 * previous test's manager may still hold the name for a moment). Asserts on failure. */
VfTestSystemd *vf_test_systemd_new(VfTestSystemdJobs jobs);
/* Stops the manager, gives up its name and frees what it recorded. NULL is fine. */
void vf_test_systemd_free(VfTestSystemd *fake);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTestSystemd, vf_test_systemd_free)

/* AllowedCPUs of @unit as last set (transfer full): "" for every CPU, NULL when never set. */
char *vf_test_systemd_dup_allowed(VfTestSystemd *fake, const char *unit);
/* How many method calls the manager has answered. */
guint vf_test_systemd_count_calls(VfTestSystemd *fake);

G_END_DECLS
