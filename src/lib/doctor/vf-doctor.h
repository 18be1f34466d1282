/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-doctor.h: every troubleshooting step of GPU passthrough, run and explained
 *
 * `virtflow doctor [VM]` is what a user would otherwise type by hand: is the IOMMU on,
 * are the groups sane, is vfio there, which driver holds each GPU and what blocks it,
 * is the libvirt hook installed, executable and known to the running daemon, did an
 * operation stop half-way, is a GPU stuck on vfio-pci with no VM, and for one VM: is its
 * definition consistent with VirtFlow's passthrough record, what did the hook log, is the
 * guest agent channel there. Each check ends pass, warn, fail or skip, with a detail and
 * the fix.
 *
 * The host checks read the machine through a VfHost only (so they run on fake roots and
 * captured trees); the VM checks go through virt/.
 */
#pragma once

#include "host/vf-host.h"
#include "virt/vf-virt.h"

G_BEGIN_DECLS

/* The hook's log (one line per action, src/hook/virtflow-hook.c), under the host's root.
 * The hook and modules-load.d paths are setup's (vf-setup.h). */
#define VF_DOCTOR_HOOK_LOG_PATH "/var/log/libvirt/qemu-hook.log"

typedef enum {
    VF_CHECK_PASS,
    VF_CHECK_WARN,
    VF_CHECK_FAIL,
    VF_CHECK_SKIP, /* does not apply here (no IOMMU for a group check, no hook to date) */
    VF_CHECK_LAST
} VfCheckStatus;

/* "pass", "warn", "fail", "skip" */
const char *vf_check_status_to_string(VfCheckStatus status);

typedef struct {
    char *id;    /* stable, for scripts: "iommu", "gpu-group:0000:01:00.0", "vm-xml" */
    char *title; /* what is checked, one line */
    VfCheckStatus status;
    char *detail; /* what was found; may have several lines */
    char *fix;    /* what to do; NULL when nothing */
} VfCheck;

typedef struct {
    GPtrArray *checks; /* of VfCheck*, in the order they ran */
} VfDoctor;

VfDoctor *vf_doctor_new(void);
void vf_doctor_free(VfDoctor *doctor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDoctor, vf_doctor_free)

/* Appends a check; @fix may be NULL. */
void vf_doctor_add(VfDoctor *doctor, const char *id, const char *title, VfCheckStatus status,
                   const char *detail, const char *fix);
/* The check called @id, or NULL. */
const VfCheck *vf_doctor_get_check(VfDoctor *doctor, const char *id);
guint vf_doctor_count(VfDoctor *doctor, VfCheckStatus status);

/* The host: IOMMU, groups, vfio modules, GPUs (driver, group, blockers, stuck on
 * vfio-pci), interrupted operations, the hook and the daemon, modules-load.d. */
void vf_doctor_check_host(VfDoctor *doctor, VfHost *host);

/* libvirt reachable: @conn when the connection opened, else the @error it failed with
 * (@uri names what was tried). @conn and @error NULL: skipped, @reason says why. */
void vf_doctor_check_libvirt(VfDoctor *doctor, VfConnection *conn, const GError *error,
                             const char *reason);

/* One VM: it exists, its definition matches its passthrough record, its hook log lines,
 * its guest agent channel. @conn NULL: every VM check is skipped (libvirt unreachable). */
void vf_doctor_check_vm(VfDoctor *doctor, VfHost *host, VfConnection *conn, const char *name);

/*
 * A running VM's passed-through devices (@addresses: canonical PCI addresses, the GPU's
 * first) in the host's /proc/interrupts (check "vm-msi", issue 14): vfio's MSI or MSI-X
 * vectors pass; legacy INTx warns with the fix for the guest (MSISupported=1 in the Windows
 * registry); no vfio line yet is a skip (the guest's driver has not enabled the device).
 */
void vf_doctor_check_vm_interrupts(VfDoctor *doctor, VfHost *host, const char *vm,
                                   const char *const *addresses);

G_END_DECLS
