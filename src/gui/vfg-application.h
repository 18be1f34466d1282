/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfg-application.h: virtflow-gtk's application — its options (--demo, --connect), its
 * actions (exported on the session bus: what a script drives), and the one main window
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VFG_APP_ID      "org.virtflow.VirtFlow"
#define VFG_DEMO_APP_ID "org.virtflow.VirtFlow.Demo"

#define VFG_TYPE_APPLICATION (vfg_application_get_type())
G_DECLARE_FINAL_TYPE(VfgApplication, vfg_application, VFG, APPLICATION, AdwApplication)

/* A new application (the caller owns it; run it with g_application_run()). @demo: `--demo`
 * is on the command line; it is chosen before registration because the demo is another
 * application (org.virtflow.VirtFlow.Demo, with the demo-only actions), so a second `--demo`
 * never presents the real host's window, nor the other way round. */
VfgApplication *vfg_application_new(gboolean demo);

G_END_DECLS
