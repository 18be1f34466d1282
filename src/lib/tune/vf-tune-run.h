/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune-run.h: what a tuned VM takes from the host while it runs, and gives back
 *
 * Before the VM starts (the hook's prepare), vf_tune_run_prepare():
 *  - huge pages: when the record asks for them and fewer are free than the VM needs,
 *    memory is compacted (`echo 1 > /proc/sys/vm/compact_memory`) and nr_hugepages of
 *    that size raised by the difference, then read back. When the kernel found fewer,
 *    nr_hugepages is put back where it was and the start is refused with the numbers
 *    (wanted, got, how to reserve them at boot);
 *  - isolation (isolate="yes"): systemd's user.slice, system.slice and init.scope get
 *    AllowedCPUs = host-cpus as runtime properties.
 * After it stops (release), vf_tune_run_release() undoes exactly that: nr_hugepages lowered
 * by what prepare added (never below what the host had without tuned VMs), the units back
 * on every CPU (or on the host-cpus of another isolated VM still running).
 *
 * Each VM's changes are journaled in STATE/tune/ (one key file per VM) before they are
 * made, so that vf_tune_run_recover() (`virtflow recover`) can undo them after a crash.
 * Tune journals are not transition journals: they exist while the VM runs and never make
 * a bind wait.
 */
#pragma once

#include "host/vf-host.h"
#include "tune/vf-tune-runtime.h"

#include <gio/gio.h>

G_BEGIN_DECLS

/* How long systemd has to answer each property change. */
#define VF_TUNE_SYSTEMD_TIMEOUT_MS 5000

/*
 * Takes what @rt asks for @vm (see above). @bus: systemd's bus, or NULL to connect to the
 * system bus when isolation needs it. TRUE with *@ret_summary (owned; one line: what was
 * done, "" when nothing), or FALSE with nothing left taken and an error: VF_ERROR_VERIFY
 * when the kernel could not provide the huge pages (the numbers and the fix in the
 * message), VF_ERROR_INVALID_ARGUMENT when the host has no pages of that size.
 */
gboolean vf_tune_run_prepare(VfHost *host, GDBusConnection *bus, const char *vm,
                             const VfTuneRuntime *rt, char **ret_summary, GError **error);

/*
 * Gives back what prepare took for @vm, from its journal; idempotent (no journal: nothing
 * to do, *@ret_summary ""). FALSE with the journal kept when a step failed.
 */
gboolean vf_tune_run_release(VfHost *host, GDBusConnection *bus, const char *vm, char **ret_summary,
                             GError **error);

/* Whether @vm has a tune journal: something prepare took is still to be given back. Reads
 * nothing but the journal's name; creates nothing. */
gboolean vf_tune_run_is_journaled(VfHost *host, const char *vm);

/* The VMs with a tune journal (owned names), for `recover --dry-run`. */
GPtrArray *vf_tune_run_dup_pending(VfHost *host);

/*
 * Releases every journaled VM (after a crash) but those still running (libvirt's
 * /run/libvirt/qemu/NAME.pid names a live QEMU), which keep what they have. TRUE with *@ret_summary
 * (owned; one line per VM, "" when there was none); FALSE when one could not be undone (its journal
 * is kept).
 */
gboolean vf_tune_run_recover(VfHost *host, GDBusConnection *bus, char **ret_summary,
                             GError **error);

G_END_DECLS
