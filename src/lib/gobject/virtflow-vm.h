/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-vm.h: one libvirt domain, as VirtFlow sees it
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-types.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_VM (virtflow_vm_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowVm, virtflow_vm, VIRTFLOW, VM, GObject)

const char *virtflow_vm_get_name(VirtFlowVm *vm);
const char *virtflow_vm_get_uuid(VirtFlowVm *vm);
VirtFlowVmState virtflow_vm_get_state(VirtFlowVm *vm);
const char *virtflow_vm_get_state_name(VirtFlowVm *vm);
gboolean virtflow_vm_get_active(VirtFlowVm *vm);
gboolean virtflow_vm_get_persistent(VirtFlowVm *vm);
gboolean virtflow_vm_get_passthrough(VirtFlowVm *vm);
const char *virtflow_vm_get_gpu(VirtFlowVm *vm);
guint virtflow_vm_get_vcpus(VirtFlowVm *vm);
guint64 virtflow_vm_get_memory(VirtFlowVm *vm);

G_END_DECLS
