/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vfg-step-row.h: one step of a flow (a VirtFlowStep) — waiting, a spinner, done, failed or
 * skipped */
#pragma once

#include <adwaita.h>
#include <virtflow-gobject.h>
#include <virtflow.h>

G_BEGIN_DECLS

#define VFG_TYPE_STEP_ROW (vfg_step_row_get_type())
G_DECLARE_FINAL_TYPE(VfgStepRow, vfg_step_row, VFG, STEP_ROW, AdwActionRow)

GtkWidget *vfg_step_row_new(const VirtFlowStep *step);
void vfg_step_row_update(VfgStepRow *self, const VirtFlowStep *step);
const char *vfg_step_row_get_id(VfgStepRow *self);

G_END_DECLS
