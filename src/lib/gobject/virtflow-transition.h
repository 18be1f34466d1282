/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-transition.h: a planned move of devices between their host drivers and vfio-pci
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtflow-types.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_TRANSITION (virtflow_transition_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowTransition, virtflow_transition, VIRTFLOW, TRANSITION, GObject)

VirtFlowTransitionKind virtflow_transition_get_kind(VirtFlowTransition *transition);
const char *virtflow_transition_get_operation(VirtFlowTransition *transition);
const char *virtflow_transition_get_gpu(VirtFlowTransition *transition);
GPtrArray *virtflow_transition_dup_devices(VirtFlowTransition *transition);
GPtrArray *virtflow_transition_dup_writes(VirtFlowTransition *transition);
char **virtflow_transition_dup_modules(VirtFlowTransition *transition);
char **virtflow_transition_dup_left(VirtFlowTransition *transition);
gboolean virtflow_transition_apply(VirtFlowTransition *transition, GCancellable *cancellable,
                                   GError **error);
void virtflow_transition_apply_async(VirtFlowTransition *transition, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean virtflow_transition_apply_finish(VirtFlowTransition *transition, GAsyncResult *result,
                                          GError **error);

G_END_DECLS
