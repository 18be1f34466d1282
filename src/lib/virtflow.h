/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow.h: the public interface of libvirtflow
 *
 * Script GPU passthrough from code: find the GPUs a host can pass through and why the
 * others cannot, move a GPU's IOMMU group to vfio-pci and back, and give a libvirt VM the
 * GPU (or take it back) with a progress callback per step. The CLI and the desktop app
 * use nothing else.
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(VfHost) host = vf_host_new("/", &error);               // or a test root
 *   g_autoptr(VfHostReport) report = vf_host_report_new(host, &error);
 *   for (guint i = 0; i < report->gpus->len; i++) {
 *       VfGpu *gpu = report->gpus->pdata[i];                          // eligible? blockers?
 *   }
 *   g_autoptr(VfConnection) conn = vf_connection_open("qemu:///system", &error);
 *   g_autoptr(VfFlow) plan = vf_flow_plan_activate(host, conn, "win11", NULL, &error);
 *   // plan->steps, plan->writes (the sysfs writes, in order), plan->domain_xml
 *   VfFlowOptions options = {.progress = on_step, .user_data = ui};
 *   vf_flow_activate(host, conn, "win11", NULL, &options, NULL, &error);
 *
 * Conventions: functions that can fail take a GError ** (domain VF_ERROR, see
 * vf-error.h) and set it exactly when they fail; `_get_` returns borrowed values,
 * `_dup_`/`_new` owned ones; every type has a g_autoptr cleanup. Writes to the host need
 * root (or go through virtflow-helper); a host rooted elsewhere than "/" is read-only.
 * See examples/virtflow-example.c.
 */
#pragma once

#include "core/vf-error.h"
#include "core/vf-json.h"

#include "host/vf-host.h"
#include "host/vf-pci.h"
#include "host/vf-iommu.h"
#include "host/vf-gpu.h"
#include "host/vf-input.h"
#include "host/vf-transition.h"

#include "domain/vf-domain-xml.h"

#include "virt/vf-virt.h"

#include "demo/vf-demo.h"
#include "doctor/vf-doctor.h"
#include "flows/vf-passthrough.h"
#include "setup/vf-setup.h"
#include "host/vf-privileged.h"
#include "tune/vf-tune-vm.h"
#include "tune/vf-tune-xml.h"

#define VIRTFLOW_VERSION_MAJOR 0
#define VIRTFLOW_VERSION_MINOR 1
