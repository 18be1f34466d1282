/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-tune.h: CPU pinning and huge pages for a VM, planned from the host's topology
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include "virtflow-connection.h"
#include "virtflow-host.h"

G_BEGIN_DECLS

#define VIRTFLOW_TYPE_TUNE (virtflow_tune_get_type())
G_DECLARE_FINAL_TYPE(VirtFlowTune, virtflow_tune, VIRTFLOW, TUNE, GObject)

VirtFlowTune *virtflow_tune_new(VirtFlowHost *host, VirtFlowConnection *connection, const char *vm);
const char *virtflow_tune_get_vm(VirtFlowTune *tune);
guint virtflow_tune_get_cores(VirtFlowTune *tune);
void virtflow_tune_set_cores(VirtFlowTune *tune, guint cores);
const char *virtflow_tune_get_hugepages(VirtFlowTune *tune);
void virtflow_tune_set_hugepages(VirtFlowTune *tune, const char *hugepages);
gboolean virtflow_tune_get_isolate(VirtFlowTune *tune);
void virtflow_tune_set_isolate(VirtFlowTune *tune, gboolean isolate);
gboolean virtflow_tune_get_replace(VirtFlowTune *tune);
void virtflow_tune_set_replace(VirtFlowTune *tune, gboolean replace);
gboolean virtflow_tune_get_undo(VirtFlowTune *tune);
void virtflow_tune_set_undo(VirtFlowTune *tune, gboolean undo);

gboolean virtflow_tune_plan(VirtFlowTune *tune, GError **error);
const char *virtflow_tune_get_summary(VirtFlowTune *tune);
const char *virtflow_tune_get_vm_cpus(VirtFlowTune *tune);
const char *virtflow_tune_get_host_cpus(VirtFlowTune *tune);
guint64 virtflow_tune_get_hugepage_size(VirtFlowTune *tune);
guint64 virtflow_tune_get_hugepage_count(VirtFlowTune *tune);
GStrv virtflow_tune_dup_changes(VirtFlowTune *tune);
const char *virtflow_tune_get_domain_xml(VirtFlowTune *tune);
gboolean virtflow_tune_get_changed(VirtFlowTune *tune);
gboolean virtflow_tune_get_vm_running(VirtFlowTune *tune);
gboolean virtflow_tune_get_keep_isolate(VirtFlowTune *tune);
void virtflow_tune_set_keep_isolate(VirtFlowTune *tune, gboolean keep);
gboolean virtflow_tune_apply(VirtFlowTune *tune, GError **error);

G_END_DECLS
