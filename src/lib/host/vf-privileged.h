/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-privileged.h: asking virtflow-helper to change the host (decision 10)
 *
 * A process that is not root never writes sysfs: it runs the helper (through pkexec,
 * which asks polkit, which may ask the user) with one verb, and reads the helper's
 * progress as JSON lines on its stdout:
 *
 *   {"event":"begin","verb":"bind","gpu":"0000:01:00.0","devices":[...],"total":N}
 *   {"event":"write","index":I,"total":N,"device":D,"path":P,"value":V,"state":S,"undo":B}
 *   {"event":"end","ok":true}  or  {"event":"end","ok":false,"error":{"code":C,"message":M}}
 *
 * The helper's stderr is ours (pkexec may prompt there on a terminal).
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

/* One event line, an a{sv} as vf_json_parse() gives it. */
typedef void (*VfPrivilegedEventFunc)(GVariant *event, gpointer user_data);

/*
 * Runs vf_host_get_helper(@host) with @verb_argv (e.g. {"bind", "0000:01:00.0", NULL}),
 * through pkexec unless this process is root, with --host-root and --state-dir for a host
 * that is not the live machine. Calls @func for each event; TRUE when the helper's "end"
 * says ok, else FALSE with the helper's error (its code and message), or why there was no
 * answer (not authorized, no pkexec, killed).
 */
gboolean vf_privileged_run(VfHost *host, const char *const *verb_argv, VfPrivilegedEventFunc func,
                           gpointer user_data, GError **error);

G_END_DECLS
