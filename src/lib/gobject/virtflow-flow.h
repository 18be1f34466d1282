/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-flow.h: Activate, Deactivate, Start, Stop — planned, run, reported step by step
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtflow-connection.h"
#include "virtflow-host.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_FLOW (virtflow_flow_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowFlow, virtflow_flow, VIRTFLOW, FLOW, GObject)

VirtFlowFlow *virtflow_flow_new(VirtFlowFlowKind kind, VirtFlowHost *host,
                                VirtFlowConnection *connection, const char *vm, const char *gpu);

VirtFlowFlowKind virtflow_flow_get_kind(VirtFlowFlow *flow);
VirtFlowHost *virtflow_flow_get_host(VirtFlowFlow *flow);
VirtFlowConnection *virtflow_flow_get_connection(VirtFlowFlow *flow);
const char *virtflow_flow_get_vm(VirtFlowFlow *flow);
const char *virtflow_flow_get_gpu(VirtFlowFlow *flow);
gboolean virtflow_flow_get_force(VirtFlowFlow *flow);
void virtflow_flow_set_force(VirtFlowFlow *flow, gboolean force);
guint virtflow_flow_get_stop_timeout(VirtFlowFlow *flow);
void virtflow_flow_set_stop_timeout(VirtFlowFlow *flow, guint seconds);
gboolean virtflow_flow_get_running(VirtFlowFlow *flow);
const char *virtflow_flow_get_fix(VirtFlowFlow *flow);
VirtFlowView virtflow_flow_get_view(VirtFlowFlow *flow);
void virtflow_flow_set_view(VirtFlowFlow *flow, VirtFlowView view);
gboolean virtflow_flow_get_input_auto(VirtFlowFlow *flow);
void virtflow_flow_set_input_auto(VirtFlowFlow *flow, gboolean input_auto);
const char *const *virtflow_flow_get_input_devices(VirtFlowFlow *flow);
void virtflow_flow_set_input_devices(VirtFlowFlow *flow, const char *const *devices);
const char *virtflow_flow_get_grab_toggle(VirtFlowFlow *flow);
void virtflow_flow_set_grab_toggle(VirtFlowFlow *flow, const char *keys);
gboolean virtflow_flow_get_replace_profile(VirtFlowFlow *flow);
void virtflow_flow_set_replace_profile(VirtFlowFlow *flow, gboolean replace);

gboolean virtflow_flow_plan(VirtFlowFlow *flow, GError **error);
GPtrArray *virtflow_flow_dup_steps(VirtFlowFlow *flow);
GStrv virtflow_flow_dup_devices(VirtFlowFlow *flow);
GPtrArray *virtflow_flow_dup_writes(VirtFlowFlow *flow);
const char *virtflow_flow_get_domain_xml(VirtFlowFlow *flow);
GStrv virtflow_flow_dup_warnings(VirtFlowFlow *flow);
GStrv virtflow_flow_dup_notes(VirtFlowFlow *flow);

gboolean virtflow_flow_run(VirtFlowFlow *flow, GCancellable *cancellable, GError **error);
void virtflow_flow_run_async(VirtFlowFlow *flow, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
gboolean virtflow_flow_run_finish(VirtFlowFlow *flow, GAsyncResult *result, GError **error);

G_END_DECLS
