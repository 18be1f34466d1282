/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-host.h: the machine whose GPUs VirtFlow hands to VMs
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtflow-gpu.h"
#include "virtflow-host-report.h"
#include "virtflow-transition.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_HOST (virtflow_host_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowHost, virtflow_host, VIRTFLOW, HOST, GObject)

VirtFlowHost *virtflow_host_new(const char *root, GError **error);
VirtFlowHost *virtflow_host_new_demo(const char *root, GError **error);

const char *virtflow_host_get_root(VirtFlowHost *host);
gboolean virtflow_host_get_demo(VirtFlowHost *host);
gboolean virtflow_host_get_live(VirtFlowHost *host);
gboolean virtflow_host_get_writable(VirtFlowHost *host);
const char *virtflow_host_get_helper(VirtFlowHost *host);
void virtflow_host_set_state_dir(VirtFlowHost *host, const char *dir);
char *virtflow_host_dup_iommu_verdict(VirtFlowHost *host, GError **error);

GPtrArray *virtflow_host_list_gpus(VirtFlowHost *host, GError **error);
void virtflow_host_list_gpus_async(VirtFlowHost *host, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *virtflow_host_list_gpus_finish(VirtFlowHost *host, GAsyncResult *result, GError **error);
GPtrArray *virtflow_host_get_passthrough_gpus(VirtFlowHost *host, GError **error);
VirtFlowGpu *virtflow_host_find_gpu(VirtFlowHost *host, const char *address, GError **error);
GPtrArray *virtflow_host_list_inputs(VirtFlowHost *host, GError **error);
char *virtflow_host_dup_input_note(VirtFlowHost *host, GError **error);

VirtFlowHostReport *virtflow_host_get_report(VirtFlowHost *host, GError **error);
void virtflow_host_get_report_async(VirtFlowHost *host, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
VirtFlowHostReport *virtflow_host_get_report_finish(VirtFlowHost *host, GAsyncResult *result,
                                                    GError **error);
gboolean virtflow_host_check_writable(VirtFlowHost *host, GError **error);
VirtFlowTransition *virtflow_host_plan_bind(VirtFlowHost *host, const char *address,
                                            GError **error);
VirtFlowTransition *virtflow_host_plan_restore(VirtFlowHost *host, const char *address,
                                               GError **error);
VirtFlowTransition *virtflow_host_plan_recover(VirtFlowHost *host, GError **error);
char **virtflow_host_dup_pending_tunes(VirtFlowHost *host);
gboolean virtflow_host_recover_tunes(VirtFlowHost *host, char **summary, GError **error);

G_END_DECLS
