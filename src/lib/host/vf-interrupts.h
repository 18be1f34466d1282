/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-interrupts.h: the interrupts vfio-pci requested for passed-through devices, from
 * /proc/interrupts
 *
 * While a VM runs, vfio-pci requests one host interrupt per vector the guest's driver
 * enabled, named after the kind and the device (drivers/vfio/pci/vfio_pci_intrs.c):
 *
 *    24:   0   1520  PCI-MSI 1048576-edge      vfio-msi[0](0000:01:00.0)
 *    25:  88      0  PCI-MSIX-0000:01:00.0 0-edge  vfio-msix[0](0000:01:00.0)
 *    16: 9301   112  IO-APIC  16-fasteoi   vfio-intx(0000:01:00.0)
 *
 * A GPU on legacy INTx shares a line, goes through vfio's masking on every interrupt and
 * stutters; Windows guests use it for GPUs until MSI is enabled in the registry.
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

#define VF_INTERRUPTS_PATH "/proc/interrupts"
/* /proc/interrupts of a large machine is a few hundred KiB; more is not the kernel's */
#define VF_INTERRUPTS_MAX_BYTES (16 * 1024 * 1024)

typedef enum { VF_IRQ_INTX, VF_IRQ_MSI, VF_IRQ_MSIX, VF_IRQ_LAST } VfIrqKind;

/* "INTx", "MSI", "MSI-X" */
const char *vf_irq_kind_to_string(VfIrqKind kind);

typedef struct {
    VfIrqKind kind;
    char address[13]; /* canonical "0000:01:00.0" */
    guint vector;     /* N of vfio-msi[N] / vfio-msix[N]; 0 for INTx */
    guint64 count;    /* interrupts so far, on all CPUs */
} VfVfioIrq;

/* Every vfio line of @text (the content of /proc/interrupts), in order; lines that are not
 * vfio's, or are malformed, are skipped. Never NULL. */
GArray *vf_interrupts_parse_vfio(const char *text);

/* The same from @host's /proc/interrupts; NULL with an error when it cannot be read. */
GArray *vf_interrupts_read_vfio(VfHost *host, GError **error);

G_END_DECLS
