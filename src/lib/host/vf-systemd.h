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

/*
 * Sets @unit's AllowedCPUs as a runtime property (SetUnitProperties(name, runtime=TRUE,
 * [("AllowedCPUs", ay)]), what `systemctl set-property --runtime UNIT AllowedCPUs=…`
 * sends): @mask in systemd's layout (bit N%8 of byte N/8 is CPU N); NULL or empty puts
 * the unit back on every CPU. Lost at reboot, as runtime properties are. FALSE with an
 * error naming the unit and systemd's answer (no reply within @timeout_ms included).
 */
gboolean vf_systemd_set_allowed_cpus(GDBusConnection *bus, const char *unit, GByteArray *mask,
                                     guint timeout_ms, GError **error);

G_END_DECLS
