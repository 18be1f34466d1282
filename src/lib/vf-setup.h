/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-setup.h: make a host ready for passthrough, and take it back
 *
 * What `virtflow setup` does, once, as root (the seed's setup script, as a tool):
 *
 *   iommu      the IOMMU is on (groups present); when not, the exact kernel command line
 *              change, applied to /etc/default/grub only when asked (VF_SETUP_GRUB)
 *   modules    vfio, vfio_iommu_type1, vfio_pci loaded now (libkmod) unless built in
 *   modules-load  /etc/modules-load.d/vfio.conf, so they load at every boot
 *   hook       /etc/libvirt/hooks/qemu.d/virtflow → the installed virtflow-hook
 *   daemon     libvirtd (or virtqemud) restarted so it reads the hook: through systemd's
 *              D-Bus API where systemd runs, else the command to run is given
 *
 * Each change is planned from the host as it is: what is already so is skipped, so a
 * second run changes nothing. Every file changed is first backed up under
 * STATE/setup/ with a manifest; the undo plan reads the manifest and puts each file back
 * exactly (a file setup created is removed, one it replaced comes back byte for byte,
 * directories it made are removed when empty). Modules stay loaded: unloading vfio-pci
 * under a running VM would take its GPU away; they are gone at the next boot.
 */
#pragma once

#include "host/vf-host.h"

#include <glib/gstdio.h>

G_BEGIN_DECLS

typedef enum {
    VF_SETUP_PENDING, /* planned, not done yet */
    VF_SETUP_DONE,
    VF_SETUP_SKIPPED, /* already so: nothing to change */
    VF_SETUP_MANUAL,  /* the user must do it (detail says what); not an error */
    VF_SETUP_FAILED,
    VF_SETUP_LAST
} VfSetupState;

const char *vf_setup_state_to_string(VfSetupState state);
/* The state vf_setup_state_to_string() named (e.g. in virtflow-helper's "change" lines);
 * VF_SETUP_FAILED for anything else. */
VfSetupState vf_setup_state_from_string(const char *name);

typedef struct {
    const char *id; /* "iommu", "modules", "modules-load", "hook", "daemon" */
    char *title;    /* "Install the libvirt hook" */
    char *path;     /* the file it changes (as on the host), or NULL */
    char *detail;   /* what it does / did, or why not, or what the user must run */
    VfSetupState state;
} VfSetupChange;

typedef enum {
    VF_SETUP_FLAGS_NONE = 0,
    VF_SETUP_GRUB = 1 << 0, /* also add the IOMMU options to /etc/default/grub */
} VfSetupFlags;

typedef struct _VfSetup VfSetup;

/* The setup plan for @host (the live machine, or a model tree: files under its root). */
VfSetup *vf_setup_new(VfHost *host, VfSetupFlags flags, GError **error);
/* The undo plan: from the manifest of earlier setups; no manifest is an empty plan. */
VfSetup *vf_setup_new_undo(VfHost *host, GError **error);
void vf_setup_free(VfSetup *setup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfSetup, vf_setup_free)

gboolean vf_setup_is_undo(VfSetup *setup);
/* Of VfSetupChange*, in the order they run. */
GPtrArray *vf_setup_get_changes(VfSetup *setup);

typedef void (*VfSetupChangeFunc)(const VfSetupChange *change, gpointer user_data);

/*
 * Makes the pending changes in order, calling @func after each (and for those skipped).
 * Stops at the first failure, which it reports; the changes made before it stay (and are
 * in the manifest, so that undo takes them back). When vf_host_get_helper() names a
 * helper (not root on the live machine), virtflow-helper makes them, from its own plan,
 * and its steps reach @func the same way. Else the host must be writable: root on the live
 * machine, or a model tree.
 */
gboolean vf_setup_apply(VfSetup *setup, VfSetupChangeFunc func, gpointer user_data, GError **error);

/* The libvirt daemon running on @host: its pid and name ("libvirtd", "virtqemud") and
 * when it started (Unix time), or FALSE when none runs. */
gboolean vf_host_find_libvirt_daemon(VfHost *host, gint *ret_pid, char **ret_name,
                                     gint64 *ret_started);

/* When a hook entry appeared, from its lstat(): its ctime, which a copy that keeps the
 * file's times (dpkg, cp -p, meson install) cannot set back as it does its mtime (the
 * later of the two). Compared with a daemon's start to tell whether it reads the hook. */
gint64 vf_setup_hook_installed_time(const GStatBuf *st);

/* The installed hook program the hook link points to (LIBEXECDIR/virtflow/virtflow-hook). */
const char *vf_setup_get_hook_program(void);

/* Where setup puts things, as paths on the host. */
#define VF_SETUP_HOOK_LINK    "/etc/libvirt/hooks/qemu.d/virtflow"
#define VF_SETUP_MODULES_CONF "/etc/modules-load.d/vfio.conf"
#define VF_SETUP_GRUB_DEFAULT "/etc/default/grub"

G_END_DECLS
