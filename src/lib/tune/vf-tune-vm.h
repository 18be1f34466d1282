/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune-vm.h: tune (and its undo) for a VM of a libvirt connection
 *
 * The entry the CLI, the app and the GObject API call: plan (reads the host's topology
 * and the VM's inactive definition, computes the new one; changes nothing), then apply
 * (defines it). A running VM keeps running as it is: the new definition applies at its
 * next start. The run-time parts (huge pages, isolation) are the hook's (vf-tune-runtime.h).
 */
#pragma once

#include "host/vf-host.h"
#include "tune/vf-tune.h"
#include "virt/vf-virt.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *vm;         /* the VM's name */
    VfTunePlan *plan; /* NULL for an undo */
    gboolean undo;
    char *old_xml;      /* the inactive definition now */
    char *new_xml;      /* what apply defines */
    gboolean running;   /* the VM runs: the change applies at its next start */
    gboolean changed;   /* new_xml differs from old_xml */
    GPtrArray *changes; /* char *: what changes, one line each ("<cputune>: 8 vCPUs pinned …") */
} VfTuneChange;

void vf_tune_change_free(VfTuneChange *change);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTuneChange, vf_tune_change_free)

/*
 * Plans tuning @vm on @host as @request asks. The GPU's NUMA node comes from the VM's
 * passthrough record (or its first PCI host device).
 *
 * Returns: (transfer full): the change, or NULL with @error set: VF_ERROR_NOT_FOUND (no
 * such VM), VF_ERROR_INVALID_ARGUMENT (a request the host cannot meet, a configuration of
 * the VM's own without @request->replace), VF_ERROR_XML (a damaged record), or what
 * reading the topology or libvirt said.
 */
VfTuneChange *vf_tune_vm_plan(VfHost *host, VfConnection *conn, const char *vm,
                              const VfTuneRequest *request, GError **error);

/* Plans the undo of @vm's tune: the change (changed FALSE when it has no tune record), or
 * NULL with @error set. */
VfTuneChange *vf_tune_vm_plan_undo(VfConnection *conn, const char *vm, GError **error);

/* Defines @change->new_xml (nothing when it changes nothing). FALSE with VF_ERROR_LIBVIRT
 * when libvirt refuses it; the VM's definition is then unchanged. */
gboolean vf_tune_vm_apply(VfConnection *conn, const VfTuneChange *change, GError **error);

G_END_DECLS
