/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-connection.h: a libvirt connection, its VMs and their lifecycle
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtflow-host.h"
#include "virtflow-vm.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_CONNECTION (virtflow_connection_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowConnection, virtflow_connection, VIRTFLOW, CONNECTION, GObject)

VirtFlowConnection *virtflow_connection_new(const char *uri, GError **error);
VirtFlowConnection *virtflow_connection_new_demo(VirtFlowHost *host, GError **error);
void virtflow_connection_new_async(const char *uri, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
void virtflow_connection_new_demo_async(VirtFlowHost *host, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
VirtFlowConnection *virtflow_connection_new_finish(GAsyncResult *result, GError **error);

const char *virtflow_connection_get_uri(VirtFlowConnection *conn);
gboolean virtflow_connection_get_demo(VirtFlowConnection *conn);
GPtrArray *virtflow_connection_list_vms(VirtFlowConnection *conn, GError **error);
GPtrArray *virtflow_connection_list_vms_full(VirtFlowConnection *conn, GError **error);
VirtFlowVm *virtflow_connection_lookup_vm(VirtFlowConnection *conn, const char *name,
                                          GError **error);
gboolean virtflow_connection_force_off_vm(VirtFlowConnection *conn, const char *name,
                                          GError **error);
gboolean virtflow_connection_shutdown_vm(VirtFlowConnection *conn, const char *name,
                                         GError **error);

VirtFlowProfile *virtflow_connection_dup_vm_profile(VirtFlowConnection *conn, const char *vm,
                                                    GError **error);

G_END_DECLS
