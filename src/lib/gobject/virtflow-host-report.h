/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-host-report.h: what the host is, in one read: IOMMU, vfio, GPUs, PCI devices
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-gpu.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_HOST_REPORT (virtflow_host_report_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowHostReport, virtflow_host_report, VIRTFLOW, HOST_REPORT, GObject)

gboolean virtflow_host_report_get_iommu_enabled(VirtFlowHostReport *report);
guint virtflow_host_report_get_iommu_groups(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_iommu_hardware(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_iommu_cmdline_on(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_iommu_cmdline_off(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_iommu_passthrough(VirtFlowHostReport *report);
const char *virtflow_host_report_get_iommu_verdict(VirtFlowHostReport *report);
const char *virtflow_host_report_get_iommu_fix(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_vfio_available(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_vfio_registered(VirtFlowHostReport *report);
const char *virtflow_host_report_get_kernel_release(VirtFlowHostReport *report);
gboolean virtflow_host_report_get_holders_complete(VirtFlowHostReport *report);
GPtrArray *virtflow_host_report_get_vfio_modules(VirtFlowHostReport *report);
GPtrArray *virtflow_host_report_get_gpus(VirtFlowHostReport *report);
GPtrArray *virtflow_host_report_get_devices(VirtFlowHostReport *report);

G_END_DECLS
