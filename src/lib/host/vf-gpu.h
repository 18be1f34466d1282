/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-gpu.h: the GPUs of a host, what would move with each, and what forbids it
 *
 * A GPU is any display-class function (class 0x03xxxx): the vendor does not matter. Its
 * passthrough set is the functions of its slot that are in its IOMMU group or have its
 * vendor id (the card's HDMI audio, USB-C, UCSI), plus every endpoint of their IOMMU
 * groups, bridges excluded: VFIO hands a group to a guest whole or not at all. The other
 * functions of the slot (an APU's PSP, USB and audio, each in a group of its own) stay
 * with the host.
 */
#pragma once

#include "host/vf-iommu.h"
#include "host/vf-pci.h"

G_BEGIN_DECLS

typedef enum {
    VF_BLOCKER_NO_IOMMU,
    VF_BLOCKER_VFIO_UNAVAILABLE,
    VF_BLOCKER_BOOT_VGA,
    VF_BLOCKER_DISPLAY_ACTIVE,
    VF_BLOCKER_GROUP_NOT_VIABLE,
    VF_BLOCKER_IN_USE,
    VF_BLOCKER_NVIDIA_HOLDER,    /* the nvidia driver is held where no process shows it */
    VF_BLOCKER_FRAMEBUFFER,      /* nvidia_drm's framebuffer console runs on the GPU */
    VF_BLOCKER_BOOT_FRAMEBUFFER, /* the firmware's framebuffer lies in one of its BARs */
    VF_BLOCKER_LAST
} VfBlockerKind;

/* "no-iommu", "vfio-unavailable", "boot-vga", "display-active", "group-not-viable", "in-use",
 * "nvidia-holder", "framebuffer", "boot-framebuffer" */
const char *vf_blocker_kind_to_string(VfBlockerKind kind);

typedef struct {
    VfBlockerKind kind;
    char *message; /* names the device and what is wrong */
    char *fix;     /* what the user can do */
} VfBlocker;

/* Something that does not forbid the passthrough but may hurt after it (host/vf-drivers.h):
 * codes "reset-bus-only", "reset-bug", "no-reset", "did-not-come-back". */
typedef struct {
    char *code;
    char *message;
    char *fix;
} VfGpuWarning;

typedef struct {
    gint pid;
    char *comm;
    char *node;      /* "/dev/dri/renderD129" */
    char *device;    /* the passthrough-set member the node belongs to */
    gboolean mapped; /* found in /proc/PID/maps rather than as an open fd */
} VfHolder;

typedef struct {
    VfPciDevice *device;    /* the display function (borrowed from the report's bus) */
    GPtrArray *functions;   /* its slot's functions (borrowed) */
    GPtrArray *passthrough; /* the passthrough set, sorted (borrowed) */
    GPtrArray *staying;     /* its slot's functions that stay with the host, sorted (borrowed) */
    GPtrArray *blockers;    /* of VfBlocker* */
    GPtrArray *holders;     /* of VfHolder* */
    GPtrArray *warnings;    /* of VfGpuWarning* */
    gboolean on_vfio;       /* every member of the set is on vfio-pci */
} VfGpu;

gboolean vf_gpu_is_eligible(const VfGpu *gpu);
gboolean vf_gpu_has_blocker(const VfGpu *gpu, VfBlockerKind kind);
/* The blockers as one GError (the first blocker's code), or TRUE when there are none. */
gboolean vf_gpu_check_eligible(const VfGpu *gpu, GError **error);

typedef struct {
    VfPciBus *bus;
    VfIommuStatus *iommu;
    VfVfioStatus *vfio;
    GPtrArray *gpus;           /* of VfGpu*, sorted by address */
    gboolean holders_complete; /* FALSE when some processes could not be inspected */
} VfHostReport;

VfHostReport *vf_host_report_new(VfHost *host, GError **error);
/* The same, with only the GPU whose slot holds @address (its functions, group, blockers
 * and holders): what a bind or restore of that GPU needs, without reading the others. */
VfHostReport *vf_host_report_new_for_gpu(VfHost *host, const char *address, GError **error);
void vf_host_report_free(VfHostReport *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfHostReport, vf_host_report_free)

/* The GPU that @address is a function of (its display function or a companion), or NULL
 * with VF_ERROR_INVALID_ARGUMENT / VF_ERROR_NOT_FOUND naming @address. */
VfGpu *vf_host_report_find_gpu(VfHostReport *report, const char *address, GError **error);

/* A device node pattern and the device it belongs to: "/dev/dri/card1", or a prefix ending
 * in '*' ("/dev/snd/pcmC1D*"), or "PREFIX[0-9]*" (a number follows, nothing else). One
 * pattern may belong to several devices (two nvidia cards without /proc/driver/nvidia). */
typedef struct {
    char *pattern;
    char *device;
} VfNodeRule;

void vf_node_rule_free(VfNodeRule *rule);

/* Appends to @rules (of VfNodeRule*) the device nodes through which processes use @dev: DRM
 * nodes, the sound card of an HDMI codec, /dev/nvidiaN, /dev/vfio/GROUP. */
void vf_pci_device_collect_nodes(VfHost *host, const VfPciDevice *dev, GPtrArray *rules);
/* Processes that hold a node matching @rules, by fd or by mapping: one VfHolder per
 * process, node and device. */
GPtrArray *vf_host_find_holders(VfHost *host, GPtrArray *rules, gboolean *ret_complete);
void vf_holder_free(VfHolder *holder);

G_END_DECLS
