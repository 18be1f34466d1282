/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-transition.h: move a GPU's passthrough set between its host drivers and vfio-pci
 *
 * A transition knows, for each device, where it must end up (the target) and where it
 * came from on the host (the origin: driver, module, driver_override). Applying it writes
 * sysfs in three phases, the order VFIO needs (every endpoint of a group must be off its
 * host driver before any is probed):
 *
 *   1. driver_override   echo vfio-pci > /sys/bus/pci/devices/BDF/driver_override
 *   2. unbind            echo BDF > /sys/bus/pci/devices/BDF/driver/unbind
 *   3. probe             echo BDF > /sys/bus/pci/drivers_probe
 *
 * then verifies the result by reading it back. The plan is computed from the state the
 * kernel shows now, so the same code undoes a half-done transition: on any failure the
 * touched devices are moved back to where they were, and the host is as before. While a
 * transition runs, a journal under the state directory says what it does, so that
 * `virtflow recover` can finish the job after a crash or a kill.
 */
#pragma once

#include "host/vf-gpu.h"

G_BEGIN_DECLS

typedef enum {
    VF_TRANSITION_BIND,    /* host drivers → vfio-pci */
    VF_TRANSITION_RESTORE, /* vfio-pci → host drivers */
    VF_TRANSITION_RECOVER, /* whatever state → host drivers, from a journal */
    VF_TRANSITION_LAST
} VfTransitionKind;

const char *vf_transition_kind_to_string(VfTransitionKind kind);

typedef struct {
    char *address;
    gint iommu_group;
    char *host_driver;          /* the host driver to return to; NULL: none (see below) */
    gboolean host_driver_known; /* FALSE: no record, let the kernel choose a driver */
    char *host_module;          /* the module providing it, to load when it is gone */
    char *host_override;        /* driver_override before VirtFlow; NULL when "(null)" */
} VfDeviceOrigin;

typedef struct {
    char *device;
    char *path;  /* the kernel's path, e.g. /sys/bus/pci/devices/0000:01:00.0/driver_override */
    char *value; /* what is written, "\n" to clear an override */
} VfSysfsWrite;

void vf_sysfs_write_free(VfSysfsWrite *write);

typedef struct _VfTransition VfTransition;

VfTransition *vf_transition_new_bind(VfHost *host, VfHostReport *report, const char *address,
                                     GError **error);
/* A USB controller's set (`--input usb-controller:BDF`, a second IOMMU group beside the
 * GPU's): the controller and the other endpoints of its IOMMU group, which
 * vf_input_check_usb_controller() (run here, against every keyboard and mouse with a by-id
 * link) allows only on its own slot and never storage or network functions. The same
 * journal, device records, verification and undo as a GPU's set. */
VfTransition *vf_transition_new_bind_usb(VfHost *host, const char *address, GError **error);
/* The devices of that set VirtFlow moved (its records, else @recorded as below) back. */
VfTransition *vf_transition_new_restore_usb(VfHost *host, const char *address, GPtrArray *recorded,
                                            GError **error);
/* Restore moves exactly the devices VirtFlow's records say it moved (devices/BDF.conf,
 * written by the bind that moved them), back to the drivers recorded. Any other member of
 * the set on vfio-pci (a NIC an administrator bound by hand, a GPU bound without VirtFlow)
 * stays where it is and is named in vf_transition_get_left(). @address NULL: every GPU's
 * set (restore --all). */
VfTransition *vf_transition_new_restore(VfHost *host, VfHostReport *report, const char *address,
                                        GError **error);
/* The same, with the caller's own record of what VirtFlow moved (VfDeviceOrigin*: address,
 * host driver; a domain's <metadata> in the libvirt hook) for devices that have no device
 * record. */
VfTransition *vf_transition_new_restore_recorded(VfHost *host, VfHostReport *report,
                                                 const char *address, GPtrArray *recorded,
                                                 GError **error);
/* One transition finishing every journal left behind; NULL (no error) when none. */
VfTransition *vf_transition_new_recover(VfHost *host, GError **error);
void vf_transition_free(VfTransition *transition);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTransition, vf_transition_free)

VfTransitionKind vf_transition_get_kind(VfTransition *transition);
/* The GPU's address, NULL for --all, recover and a USB controller's set. */
const char *vf_transition_get_gpu(VfTransition *transition);
/* The USB controller's address of vf_transition_new_bind_usb()/_restore_usb(), else NULL. */
const char *vf_transition_get_usb(VfTransition *transition);
/* Of VfDeviceOrigin*: the devices and where they came from. */
GPtrArray *vf_transition_get_devices(VfTransition *transition);
/* Of char*: the devices of the set a restore leaves where they are, each a sentence
 * naming it ("left 0000:01:00.2 on vfio-pci: VirtFlow did not move it"). */
GPtrArray *vf_transition_get_left(VfTransition *transition);
/* The writes that apply would make now, in order (for --dry-run). */
GPtrArray *vf_transition_dup_writes(VfTransition *transition);
/* Kernel modules apply would load first (e.g. "vfio_pci"), for --dry-run. */
GPtrArray *vf_transition_dup_modules(VfTransition *transition);

typedef enum { VF_WRITE_RUNNING, VF_WRITE_DONE, VF_WRITE_FAILED, VF_WRITE_LAST } VfWriteState;

const char *vf_write_state_to_string(VfWriteState state);
VfWriteState vf_write_state_from_string(const char *name);

/* One write of apply, before it runs (RUNNING) and after (DONE or FAILED); @index counts
 * from 0 of @total in that pass; @undo: a write putting back what a failed pass did. */
typedef void (*VfTransitionProgressFunc)(const VfSysfsWrite *write, guint index, guint total,
                                         VfWriteState state, gboolean undo, gpointer user_data);
void vf_transition_set_progress(VfTransition *transition, VfTransitionProgressFunc func,
                                gpointer user_data);

/*
 * Locks, journals, writes, verifies; undoes on failure. When vf_host_get_helper() names a
 * helper, the helper does all of it from its own reading of the host (nothing this process
 * planned is trusted) and its writes are reported through the progress function.
 */
gboolean vf_transition_apply(VfTransition *transition, GError **error);

/* The record VirtFlow keeps of a device it bound, or NULL. */
VfDeviceOrigin *vf_device_origin_load(VfHost *host, const char *address);
void vf_device_origin_free(VfDeviceOrigin *origin);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDeviceOrigin, vf_device_origin_free)

G_END_DECLS
