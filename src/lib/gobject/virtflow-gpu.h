/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-gpu.h: one GPU of a host, its verdict and what moves with it
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-types.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_GPU (virtflow_gpu_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowGpu, virtflow_gpu, VIRTFLOW, GPU, GObject)

const char *virtflow_gpu_get_address(VirtFlowGpu *gpu);
VirtFlowDevice *virtflow_gpu_get_device(VirtFlowGpu *gpu);
guint virtflow_gpu_get_vendor_id(VirtFlowGpu *gpu);
guint virtflow_gpu_get_device_id(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_vendor(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_name(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_class_name(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_driver(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_driver_module(VirtFlowGpu *gpu);
gint virtflow_gpu_get_iommu_group(VirtFlowGpu *gpu);
gboolean virtflow_gpu_get_boot_vga(VirtFlowGpu *gpu);
gboolean virtflow_gpu_get_eligible(VirtFlowGpu *gpu);
gboolean virtflow_gpu_get_on_vfio(VirtFlowGpu *gpu);
const char *virtflow_gpu_get_verdict(VirtFlowGpu *gpu);
const char *const *virtflow_gpu_get_functions(VirtFlowGpu *gpu);
const char *const *virtflow_gpu_get_passthrough_addresses(VirtFlowGpu *gpu);
GPtrArray *virtflow_gpu_get_passthrough_devices(VirtFlowGpu *gpu);
GPtrArray *virtflow_gpu_get_staying_devices(VirtFlowGpu *gpu);
GPtrArray *virtflow_gpu_get_blockers(VirtFlowGpu *gpu);
GPtrArray *virtflow_gpu_get_holders(VirtFlowGpu *gpu);
GPtrArray *virtflow_gpu_get_warnings(VirtFlowGpu *gpu);

G_END_DECLS
