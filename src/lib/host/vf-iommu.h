/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-iommu.h: is the IOMMU on, and can vfio-pci take a device?
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

typedef struct {
    gboolean enabled; /* the kernel made IOMMU groups */
    guint n_groups;
    gboolean hardware;    /* the kernel registered an IOMMU unit (/sys/class/iommu) */
    char *cmdline;        /* /proc/cmdline */
    gboolean cmdline_on;  /* intel_iommu=on or amd_iommu=on */
    gboolean cmdline_off; /* intel_iommu=off, amd_iommu=off or iommu=off */
    gboolean cmdline_pt;  /* iommu=pt */
    char *verdict;        /* one plain sentence */
    char *fix;            /* what to do, NULL when nothing */
} VfIommuStatus;

VfIommuStatus *vf_iommu_status_new(VfHost *host);
/* The kernel options that turn the IOMMU on for the host's CPU (/proc/cpuinfo's vendor):
 * "amd_iommu=on iommu=pt" or "intel_iommu=on iommu=pt"; NULL when the vendor is neither or
 * unknown (a captured tree without /proc/cpuinfo). */
const char *vf_iommu_kernel_options(VfHost *host);
void vf_iommu_status_free(VfIommuStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfIommuStatus, vf_iommu_status_free)

typedef enum {
    VF_MODULE_MISSING,  /* not in this kernel's module index */
    VF_MODULE_LOADABLE, /* a .ko for this kernel, not loaded */
    VF_MODULE_LOADED,
    VF_MODULE_BUILTIN,
    VF_MODULE_LAST
} VfModuleState;

const char *vf_module_state_to_string(VfModuleState state);

#define VF_VFIO_N_MODULES 3
extern const char *const vf_vfio_modules[VF_VFIO_N_MODULES]; /* vfio, vfio_iommu_type1, vfio_pci */

typedef struct {
    char *kernel_release;
    VfModuleState modules[VF_VFIO_N_MODULES];
    gboolean driver_registered; /* /sys/bus/pci/drivers/vfio-pci exists */
    gboolean available;         /* registered, or every module loaded/built in/loadable */
} VfVfioStatus;

VfVfioStatus *vf_vfio_status_new(VfHost *host);
void vf_vfio_status_free(VfVfioStatus *status);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfVfioStatus, vf_vfio_status_free)

/* State of any module of the host's running kernel ("snd_hda_intel"; '-' and '_' alike). */
VfModuleState vf_host_get_module_state(VfHost *host, const char *name);

G_END_DECLS
