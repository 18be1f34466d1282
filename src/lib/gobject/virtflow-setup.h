/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-setup.h: make a host ready for passthrough, and take it back
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-host.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_SETUP (virtflow_setup_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowSetup, virtflow_setup, VIRTFLOW, SETUP, GObject)

VirtFlowSetup *virtflow_setup_new(VirtFlowHost *host, VirtFlowSetupFlags flags, const char *user,
                                  GError **error);
VirtFlowSetup *virtflow_setup_new_undo(VirtFlowHost *host, GError **error);

VirtFlowHost *virtflow_setup_get_host(VirtFlowSetup *setup);
gboolean virtflow_setup_get_undo(VirtFlowSetup *setup);
const char *virtflow_setup_get_user(VirtFlowSetup *setup);
GPtrArray *virtflow_setup_dup_changes(VirtFlowSetup *setup);
gboolean virtflow_setup_apply(VirtFlowSetup *setup, GError **error);

G_END_DECLS
