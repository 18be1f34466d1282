/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Restarts @unit if it runs (systemd's TryRestartUnit, what `systemctl try-restart` does)
 * and waits until systemd says how its job ended, as systemctl does: TRUE when the job
 * ended "done"; FALSE with an error naming the unit and systemd's answer otherwise (no
 * such unit, a job "failed", "canceled", ..., or no answer within @timeout_ms).
 */
gboolean vf_systemd_try_restart_unit(GDBusConnection *bus, const char *unit, guint timeout_ms,
                                     GError **error);

G_END_DECLS
