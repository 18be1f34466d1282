/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfg-backend.h: the desktop app's model — the library's host and connection, run off the
 * main thread
 *
 * Every call that reaches libvirt or the host runs in a GTask thread; results and progress
 * come back on the main context the backend was created on. No widget code here.
 */
#pragma once

#include <gio/gio.h>
#include <virtflow-gobject.h>
#include <virtflow.h>

#include "host/vf-input.h"

G_BEGIN_DECLS

#define VFG_TYPE_BACKEND (vfg_backend_get_type())
G_DECLARE_FINAL_TYPE(VfgBackend, vfg_backend, VFG, BACKEND, GObject)

typedef enum {
    VFG_FINDING_OK,
    VFG_FINDING_WARN,
    VFG_FINDING_FAIL,
} VfgFindingLevel;

typedef struct {
    VfgFindingLevel level;
    char *title;
    char *detail;
    char *fix; /* NULL when nothing to do */
} VfgFinding;

void vfg_finding_free(VfgFinding *finding);

/* One look at the machine: the VMs and the host. */
typedef struct {
    GPtrArray *domains;         /* of VfDomainInfo* */
    VirtFlowHostReport *report; /* IOMMU, vfio modules, GPUs; NULL when the host could not
                                 * be read (see @report_error) */
    char *report_error;
    gboolean hook_installed; /* ROOT/etc/libvirt/hooks/qemu.d/virtflow */
    char *hook_text;         /* "installed → TARGET", "not installed", ... */
    GPtrArray *findings;     /* of VfgFinding* */
    GPtrArray *gpus;         /* of VirtFlowGpu* (the report's); NULL: see @report_error */
    GPtrArray *inputs;       /* of VirtFlowInputDevice*: the host's keyboards and mice (by-id), the
                              * ones `--input auto` picks marked (virtflow_host_list_inputs) */
    GHashTable *profiles;    /* VM name → VfProfile*: how each activated VM is used */
} VfgSnapshot;

void vfg_snapshot_free(VfgSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfgSnapshot, vfg_snapshot_free)

/* The host's troubleshooting findings: the library's doctor (VirtFlowDoctor) on the host and
 * the connection, what `virtflow doctor` shows. Blocking: call it from a thread. */
GPtrArray *vfg_host_findings(VirtFlowHost *host, VirtFlowConnection *conn);

/* Opens the demo host (@demo_root NULL: the default) or the live host + libvirt @uri. */
void vfg_backend_new_async(gboolean demo, const char *demo_root, const char *uri,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
VfgBackend *vfg_backend_new_finish(GAsyncResult *result, GError **error);

gboolean vfg_backend_is_demo(VfgBackend *self);
const char *vfg_backend_get_uri(VfgBackend *self);
/* The VfHost the GObject host wraps: for the parts still on the C API (docs/DESIGN.md). */
VfHost *vfg_backend_get_host(VfgBackend *self);
/* The GObject API's host and connection (transfer none). */
VirtFlowHost *vfg_backend_get_vhost(VfgBackend *self);
VirtFlowConnection *vfg_backend_get_connection(VfgBackend *self);

void vfg_backend_refresh_async(VfgBackend *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
VfgSnapshot *vfg_backend_refresh_finish(VfgBackend *self, GAsyncResult *result, GError **error);

/* Progress of a running flow, on the main context (VirtFlowFlow::step-changed). */
typedef void (*VfgProgressFunc)(const VirtFlowStep *step, double fraction, gpointer user_data);
/* A graceful stop has been waiting for @elapsed_ms (VirtFlowFlow::wait-tick). */
typedef void (*VfgWaitFunc)(guint elapsed_ms, guint total_ms, gpointer user_data);

/* Runs a VirtFlowFlow (virtflow_flow_run_async). @plan_func (may be NULL) first receives
 * every step of the flow's plan (virtflow_flow_plan in a thread: activate/deactivate, every
 * step waiting) when the plan succeeds. @profile (activate only, may be NULL: the flow's
 * defaults) becomes the flow's view, grab-toggle and input-devices. */
void vfg_backend_run_flow_async(VfgBackend *self, VirtFlowFlowKind kind, const char *vm,
                                gboolean force, const VfProfile *profile, VfgProgressFunc plan_func,
                                VfgProgressFunc progress, VfgWaitFunc wait_tick,
                                gpointer progress_data, GAsyncReadyCallback callback,
                                gpointer user_data);
/* TRUE when the flow succeeded; @ret_flow (may be NULL) gets a reference to the flow in both
 * cases: its steps' final states, warnings, notes and fix. */
gboolean vfg_backend_run_flow_finish(VfgBackend *self, GAsyncResult *result,
                                     VirtFlowFlow **ret_flow, GError **error);

/* Switches a VM off at once (libvirt destroy): what "Force off" does while a stop waits. */
void vfg_backend_force_off_async(VfgBackend *self, const char *vm, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean vfg_backend_force_off_finish(VfgBackend *self, GAsyncResult *result, GError **error);

/* Asks the guest to shut down (ACPI / agent), as if the user did it inside the guest: no
 * flow, no GPU handling; the window learns of it through libvirt's events only. */
void vfg_backend_guest_shutdown_async(VfgBackend *self, const char *vm,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean vfg_backend_guest_shutdown_finish(VfgBackend *self, GAsyncResult *result, GError **error);

/* `virtflow setup` (vf-setup.h): vfio at boot, the libvirt hook, the daemon told. On the
 * live machine through virtflow-helper (pkexec) unless root; the demo host is set up in
 * its own tree. The result is a one-line summary. */
void vfg_backend_run_setup_async(VfgBackend *self, GAsyncReadyCallback callback,
                                 gpointer user_data);
char *vfg_backend_run_setup_finish(VfgBackend *self, GAsyncResult *result, GError **error);
/* What setup would change now, without changing it: its pending changes, one line each
 * ("Install the libvirt hook: DETAIL"); an empty list when the host is set up. */
void vfg_backend_plan_setup_async(VfgBackend *self, GAsyncReadyCallback callback,
                                  gpointer user_data);
GStrv vfg_backend_plan_setup_finish(VfgBackend *self, GAsyncResult *result, GError **error);

/* The logs, newest line first: [0] VirtFlow's own, [1] the libvirt hook's. */
void vfg_backend_read_logs_async(VfgBackend *self, GAsyncReadyCallback callback,
                                 gpointer user_data);
GStrv *vfg_backend_read_logs_finish(VfgBackend *self, GAsyncResult *result, GError **error);
/* The files the log page reads (for its subtitles). */
char *vfg_backend_dup_log_path(VfgBackend *self);
char *vfg_backend_dup_hook_log_path(VfgBackend *self);

/* ---- tune (issue 14): VirtFlowTune, the Performance group of a VM's page ---- */

typedef struct {
    gboolean tuned;     /* the VM has a tune record */
    VirtFlowTune *plan; /* tuning it as VirtFlow would now, planned (NULL + plan_error) */
    char *plan_error;   /* why it cannot be tuned (the numbers, the fix) */
    VirtFlowTune *undo; /* giving its definition back, planned (NULL when not tuned) */
} VfgTuneStatus;

void vfg_tune_status_free(VfgTuneStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfgTuneStatus, vfg_tune_status_free)

/* Plans @vm's tune in a thread: both plans, nothing changed. */
void vfg_backend_tune_status_async(VfgBackend *self, const char *vm, GAsyncReadyCallback callback,
                                   gpointer user_data);
VfgTuneStatus *vfg_backend_tune_status_finish(VfgBackend *self, GAsyncResult *result,
                                              GError **error);
/* Applies the planned @tune (taken) in a thread. */
void vfg_backend_tune_apply_async(VfgBackend *self, VirtFlowTune *tune,
                                  GAsyncReadyCallback callback, gpointer user_data);
/* *@ret_undo: the change applied was an undo. */
gboolean vfg_backend_tune_apply_finish(VfgBackend *self, GAsyncResult *result, gboolean *ret_undo,
                                       GError **error);

G_END_DECLS
