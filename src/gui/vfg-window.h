/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfg-window.h: the main window — the VMs and their details, the host, the logs
 *
 * The window shows what the backend reports and starts what the user asks for; the work
 * itself is the library's, run by the backend off the main thread.
 */
#pragma once

#include <adwaita.h>

#include "vfg-backend.h"

G_BEGIN_DECLS

#define VFG_TYPE_WINDOW (vfg_window_get_type())
G_DECLARE_FINAL_TYPE(VfgWindow, vfg_window, VFG, WINDOW, AdwApplicationWindow)

VfgWindow *vfg_window_new(GtkApplication *app, VfgBackend *backend);

/* What the app's actions (and so D-Bus) reach. @vm NULL: the selected VM. */
gboolean vfg_window_select_vm(VfgWindow *self, const char *vm);
void vfg_window_run_flow(VfgWindow *self, VfFlowKind kind, const char *vm, gboolean force);
void vfg_window_force_off(VfgWindow *self, const char *vm);
void vfg_window_show_page(VfgWindow *self, const char *page);
void vfg_window_toast(VfgWindow *self, const char *text);
void vfg_window_refresh(VfgWindow *self);
/* Writes the window's size to GSettings now (it is also written as it changes). */
void vfg_window_save_size(VfgWindow *self);
/* Setup runs (a spinner, Run setup off) or has ended. */
void vfg_window_set_setup_running(VfgWindow *self, gboolean running);
/* Shows the VM list's search with @text (NULL: as it is) in it: the list shows only the VMs
 * whose name contains it. */
void vfg_window_search_vms(VfgWindow *self, const char *text);
#ifdef VFG_TEST_HOOKS
/* Test builds only: renders the window as it is drawn now into a PNG file. */
gboolean vfg_window_save_png(VfgWindow *self, const char *path, GError **error);
#endif

G_END_DECLS
