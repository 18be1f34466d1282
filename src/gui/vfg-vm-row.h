/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfg-vm-row.h: one VM in the list — name, state, the passthrough badge */
#pragma once

#include <adwaita.h>
#include <virtflow.h>

G_BEGIN_DECLS

#define VFG_TYPE_VM_ROW (vfg_vm_row_get_type())
G_DECLARE_FINAL_TYPE(VfgVmRow, vfg_vm_row, VFG, VM_ROW, AdwActionRow)

/* A row for @info, or an empty one (NULL) that vfg_vm_row_update() fills. */
GtkWidget *vfg_vm_row_new(const VfDomainInfo *info);
void vfg_vm_row_update(VfgVmRow *self, const VfDomainInfo *info);
const char *vfg_vm_row_get_name(VfgVmRow *self);

G_END_DECLS
