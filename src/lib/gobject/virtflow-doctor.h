/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-doctor.h: every troubleshooting step of GPU passthrough, run and explained
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-connection.h"
#include "virtflow-host.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_DOCTOR (virtflow_doctor_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowDoctor, virtflow_doctor, VIRTFLOW, DOCTOR, GObject)

VirtFlowDoctor *virtflow_doctor_new(void);
void virtflow_doctor_check_host(VirtFlowDoctor *doctor, VirtFlowHost *host);
void virtflow_doctor_check_libvirt(VirtFlowDoctor *doctor, VirtFlowConnection *connection);
void virtflow_doctor_check_libvirt_failed(VirtFlowDoctor *doctor, const GError *error);
void virtflow_doctor_check_libvirt_skipped(VirtFlowDoctor *doctor, const char *reason);
void virtflow_doctor_check_vm(VirtFlowDoctor *doctor, VirtFlowHost *host,
                              VirtFlowConnection *connection, const char *name);
GPtrArray *virtflow_doctor_dup_checks(VirtFlowDoctor *doctor);
VirtFlowCheck *virtflow_doctor_dup_check(VirtFlowDoctor *doctor, const char *id);
guint virtflow_doctor_count(VirtFlowDoctor *doctor, VirtFlowCheckStatus status);
guint virtflow_doctor_get_n_checks(VirtFlowDoctor *doctor);

G_END_DECLS
