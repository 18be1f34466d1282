/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-drivers.h: what real GPU drivers and firmware do that the PCI driver core does not say
 *
 * The field's reports, turned into checks made before the first sysfs write:
 *
 *  - NVIDIA: an unbind blocks in the kernel for ever ("NVRM: Attempting to remove device
 *    ... with non-zero usage count!") while something uses the GPU, even when no process
 *    shows it open; once started, releasing the user does not let it finish
 *    (NVIDIA/open-gpu-kernel-modules issues 1119 and 1374). The usual users are
 *    nvidia-persistenced, nvidia-powerd and nvidia_drm's framebuffer console. A GPU on the
 *    nvidia driver with one of them gets the blocker "nvidia-holder" or "framebuffer".
 *  - A firmware framebuffer (BOOTFB, efifb, simplefb, simpledrm, vesafb in /proc/iomem)
 *    inside one of the GPU's BARs: vfio-pci cannot reserve the BAR ("BAR 1: can't reserve
 *    [mem ...]", qemu-devel, 2016-07) and QEMU fails when it maps it: "boot-framebuffer".
 *  - Resets (warnings): AMD Polaris, Vega 10/20 and Navi 10/12/14 do not come back from a
 *    VM without vendor-reset and reset_method=device_specific (gnif/vendor-reset); a GPU
 *    whose only reset is the bus's while other devices sit behind the same bridge is not
 *    reset between VMs at all; an empty reset_method means no reset.
 *  - After every restore: did the GPU really come back (driver bound, its DRM device or
 *    NVIDIA's procfs entry there)? If not, STATE/not-back/BDF remembers it, and the GPU's
 *    report, Activate and Start warn with what to do, until a restore finds it back (or the
 *    host reboots: the record names its boot).
 */
#pragma once

#include "host/vf-gpu.h"
#include "host/vf-transition.h"

G_BEGIN_DECLS

/* What to do about a firmware framebuffer in the GPU's memory. */
#define VF_BOOT_FRAMEBUFFER_FIX                                                                    \
    "Make the integrated GPU the boot display in the firmware setup, or add "                      \
    "initcall_blacklist=sysfb_init (older kernels: video=efifb:off) to the kernel command line, "  \
    "run update-grub and reboot."

void vf_gpu_warning_free(VfGpuWarning *warning);
/* Appends a blocker to @gpu (vf-gpu.c); takes @message. */
void vf_gpu_add_blocker(VfGpu *gpu, VfBlockerKind kind, char *message, const char *fix);

/* Adds the blockers and warnings above to every GPU of @report (vf_host_report_new()
 * calls it after the holders are known). */
void vf_host_report_check_drivers(VfHost *host, VfHostReport *report);

/* The AMD family with the reset bug that vendor-reset handles ("Polaris 10", "Navi 14"),
 * or NULL. */
const char *vf_pci_device_get_reset_bug_family(const VfPciDevice *dev);

typedef enum {
    VF_BOOT_FB_NONE,         /* none, or outside the GPU's memory */
    VF_BOOT_FB_INSIDE,       /* inside one of its BARs */
    VF_BOOT_FB_NO_IOMEM,     /* no /proc/iomem to read */
    VF_BOOT_FB_NO_ADDRESSES, /* /proc/iomem without addresses (not root: all zeros) */
    VF_BOOT_FB_NO_RESOURCE,  /* the kernel does not show the GPU's BARs */
    VF_BOOT_FB_LAST
} VfBootFbState;

/* Is a firmware framebuffer in one of @address's BARs? @ret_detail (may be NULL): for
 * INSIDE, the ranges and the BAR; @ret_any (may be NULL): some firmware framebuffer is
 * in /proc/iomem at all. */
VfBootFbState vf_pci_device_find_boot_framebuffer(VfHost *host, const char *address,
                                                  char **ret_detail, gboolean *ret_any);

/* After a restore (or recover) of @devices (of VfDeviceOrigin*), @failure its error or
 * NULL: records each device that did not come back in STATE/not-back/BDF, and forgets
 * those that did. Returns how many did not. */
guint vf_host_check_returned(VfHost *host, GPtrArray *devices, const GError *failure);
/* "GPU 0000:03:00.0 did not come back to the host after its last VM (...): fix", for the
 * functions of @gpu's slot recorded as not back in this boot; NULL when none. */
char *vf_host_dup_return_warning(VfHost *host, const char *gpu);

G_END_DECLS
