/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-setup.h: make a host ready for passthrough, and take it back
 *
 * What `virtflow setup` does, once, as root (the seed's setup script, as a tool):
 *
 *   iommu      the IOMMU is on (groups present); when not, the exact kernel command line
 *              change, made only when asked (VF_SETUP_GRUB): a GRUB drop-in
 *              (/etc/default/grub.d/virtflow-iommu.cfg, /etc/default/grub itself is never
 *              edited) or systemd-boot/kernel-install's /etc/kernel/cmdline (vf_boot_config_new)
 *   modules    vfio, vfio_iommu_type1, vfio_pci loaded now (libkmod) unless built in
 *   modules-load  /etc/modules-load.d/vfio.conf, so they load at every boot
 *   hook       /etc/libvirt/hooks/qemu.d/virtflow → the installed virtflow-hook
 *   daemon     libvirtd (or virtqemud) restarted so it reads the hook: through systemd's
 *              D-Bus API where systemd runs, else the command to run is given
 *   looking-glass  /etc/tmpfiles.d/virtflow-looking-glass.conf: /dev/shm/looking-glass
 *              owned by the desktop user, group kvm, 0660 (a user is known: see
 *              vf_setup_find_desktop_user(); never root)
 *   looking-glass-apparmor  where AppArmor confines QEMU, "/dev/shm/looking-glass rw," (and
 *              "/dev/kvmfr0 rw," when kvmfr is loaded) in its local abstraction
 *   kvmfr      reported only: qemu.conf's cgroup_device_acl is the user's to edit
 *
 * Each change is planned from the host as it is: what is already so is skipped, so a
 * second run changes nothing. Every file changed is first backed up under
 * STATE/setup/ with a manifest; the undo plan reads the manifest and puts each file back
 * exactly (a file setup created is removed, one it replaced comes back byte for byte,
 * directories it made are removed when empty). The manifest is checked before anything is
 * undone (vf-setup-private.h): only the files above, backups from STATE/setup/backup/ only,
 * modes of plain permission bits; anything else refuses the whole undo, naming it.
 * Modules stay loaded: unloading vfio-pci
 * under a running VM would take its GPU away; they are gone at the next boot.
 */
#pragma once

#include "host/vf-host.h"
#include "host/vf-lg-shm.h"

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
    const char *id; /* "iommu", "modules", "modules-load", "hook", "daemon", "looking-glass",
                       "looking-glass-apparmor", "kvmfr" */
    char *title;    /* "Install the libvirt hook" */
    char *path;     /* the file it changes (as on the host), or NULL */
    char *detail;   /* what it does / did, or why not, or what the user must run */
    VfSetupState state;
} VfSetupChange;

typedef enum {
    VF_SETUP_FLAGS_NONE = 0,
    VF_SETUP_GRUB = 1 << 0, /* also add the IOMMU options to the boot loader's command line */
} VfSetupFlags;

typedef struct _VfSetup VfSetup;

/* The setup plan for @host (the live machine, or a model tree: files under its root), for
 * the desktop user vf_setup_find_desktop_user() finds. */
VfSetup *vf_setup_new(VfHost *host, VfSetupFlags flags, GError **error);
/* The same for @user (--user NAME), or as vf_setup_new() when NULL. A @user that is not a
 * user name, does not exist on @host, or is root is VF_ERROR_INVALID_ARGUMENT. */
VfSetup *vf_setup_new_for_user(VfHost *host, VfSetupFlags flags, const char *user, GError **error);
/* The desktop user whose Looking Glass client opens the shared memory: the user who ran
 * sudo ($SUDO_USER) or pkexec ($PKEXEC_UID), else the caller when not root; NULL when none
 * is known (root itself is never guessed). Looked up on @host (its /etc/passwd for a model
 * tree). */
char *vf_setup_find_desktop_user(VfHost *host);
/* The user setup plans for, or NULL. */
const char *vf_setup_get_user(VfSetup *setup);
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
#define VF_SETUP_HOOK_LINK      "/etc/libvirt/hooks/qemu.d/virtflow"
#define VF_SETUP_MODULES_CONF   "/etc/modules-load.d/vfio.conf"
#define VF_SETUP_GRUB_DEFAULT   "/etc/default/grub" /* read, never written (older setups did) */
#define VF_SETUP_GRUB_DROPIN    "/etc/default/grub.d/virtflow-iommu.cfg"
#define VF_SETUP_KERNEL_CMDLINE "/etc/kernel/cmdline"
#define VF_SETUP_LG_TMPFILES    VF_LG_TMPFILES
#define VF_SETUP_LG_APPARMOR    "/etc/apparmor.d/local/abstractions/libvirt-qemu"
/* AppArmor confines QEMU where libvirt's abstraction for it is installed */
#define VF_SETUP_APPARMOR_QEMU "/etc/apparmor.d/abstractions/libvirt-qemu"
#define VF_SETUP_LG_SHM        VF_LG_SHM
#define VF_SETUP_QEMU_CONF     "/etc/libvirt/qemu.conf"

/* ---- the boot loader that takes the kernel command line ---- */

typedef enum {
    VF_BOOT_LOADER_UNKNOWN,
    VF_BOOT_LOADER_GRUB,           /* update-grub reads /etc/default/grub.d/ (Debian, Ubuntu) */
    VF_BOOT_LOADER_GRUB_NO_DROPIN, /* a grub-mkconfig that reads /etc/default/grub only */
    VF_BOOT_LOADER_KERNEL_INSTALL, /* systemd-boot / kernel-install: /etc/kernel/cmdline */
    VF_BOOT_LOADER_LAST
} VfBootLoader;

/* "unknown", "grub", "grub-no-dropin", "kernel-install" */
const char *vf_boot_loader_to_string(VfBootLoader loader);

typedef struct {
    VfBootLoader loader;
    char *evidence;            /* what told which one: "/boot/efi/EFI/systemd exists" */
    char *config;              /* the file(s) holding the command line, as shown to the user */
    gboolean iommu_configured; /* intel_iommu=on or amd_iommu=on is in that configuration */
} VfBootConfig;

/*
 * Which boot loader @host uses, in this order: systemd-boot when its loader is installed in
 * an ESP (/efi, /boot/efi, /boot: EFI/systemd/ or loader/loader.conf, what bootctl install
 * makes); kernel-install when /etc/kernel/cmdline exists and there is no /etc/default/grub;
 * GRUB when /etc/default/grub exists (with drop-ins when /etc/default/grub.d/ exists or
 * grub-mkconfig names it); else unknown.
 */
VfBootConfig *vf_boot_config_new(VfHost *host);
void vf_boot_config_free(VfBootConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfBootConfig, vf_boot_config_free)

/* ---- Looking Glass, as doctor reads it ---- */

/* The user of setup's tmpfiles rule (VF_SETUP_LG_TMPFILES), or NULL when there is none. */
char *vf_setup_dup_looking_glass_user(VfHost *host);
/* Does AppArmor confine QEMU (VF_SETUP_APPARMOR_QEMU exists)? */
gboolean vf_setup_apparmor_confines_qemu(VfHost *host);
/* Does the local abstraction hold the line @rule ("/dev/shm/looking-glass rw,")? */
gboolean vf_setup_apparmor_has_rule(VfHost *host, const char *rule);
/* Is the kvmfr module loaded (/sys/module/kvmfr)? */
gboolean vf_setup_kvmfr_loaded(VfHost *host);
/* Does qemu.conf's (uncommented) cgroup_device_acl list /dev/kvmfr0? */
gboolean vf_setup_qemu_conf_allows_kvmfr(VfHost *host);

G_END_DECLS
