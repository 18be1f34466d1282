/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-pci.h: PCI addresses and devices as /sys/bus/pci shows them
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

/* Parses "DDDD:BB:SS.F" (or "BB:SS.F", domain 0) strictly: hex digits only, slot ≤ 0x1f,
 * function ≤ 7, nothing before or after. Returns the canonical lower-case form. */
char *vf_pci_address_normalize(const char *text, GError **error);
/* TRUE when @a and @b are functions of one slot (same domain, bus and slot). */
gboolean vf_pci_address_same_slot(const char *a, const char *b);
/* The function number of a canonical address. */
guint vf_pci_address_get_function(const char *address);

/* PCI base classes and the sub-classes VirtFlow cares about (class >> 8). */
#define VF_PCI_CLASS_DISPLAY       0x03   /* base class: every GPU */
#define VF_PCI_CLASS_BRIDGE        0x06   /* base class: host, ISA, PCI bridges */
#define VF_PCI_SUBCLASS_HDA        0x0403 /* HDMI/DP audio */
#define VF_PCI_SUBCLASS_USB        0x0c03 /* USB-C controller on a GPU */
#define VF_PCI_SUBCLASS_SERIAL_BUS 0x0c80 /* UCSI controller on a GPU */

typedef struct {
    char *address; /* canonical "0000:01:00.0" */
    guint16 vendor_id;
    guint16 device_id;
    guint16 subsystem_vendor_id;
    guint16 subsystem_device_id;
    guint32 class_code; /* 24 bits: 0x030000 */
    guint8 revision;
    char *driver;          /* bound driver, NULL when none */
    char *driver_module;   /* the module providing @driver, NULL when built in or unknown */
    char *driver_override; /* NULL when the kernel shows "(null)" */
    gint iommu_group;      /* -1 without an IOMMU */
    gint boot_vga;         /* -1 when the attribute does not exist */
    char *parent;          /* the upstream bridge's address, NULL on a root bus */
    char *reset_method;    /* NULL when the kernel does not say */
    char *power_state;     /* "D0", "D3hot", ..., NULL when the kernel does not say */
    gboolean details;      /* the fields from vendor_id on are read (see vf_pci_bus_scan) */
} VfPciDevice;

void vf_pci_device_free(VfPciDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfPciDevice, vf_pci_device_free)

/* Reads one device; VF_ERROR_NOT_FOUND naming it when the kernel does not have it. */
VfPciDevice *vf_pci_device_new(VfHost *host, const char *address, GError **error);

gboolean vf_pci_device_is_display(const VfPciDevice *dev);
/* Bridges of every kind (host, ISA, PCI-to-PCI, PCIe ports): never part of a passthrough. */
gboolean vf_pci_device_is_bridge(const VfPciDevice *dev);
/* A function that a GPU card carries besides its display function. */
gboolean vf_pci_device_is_gpu_companion(const VfPciDevice *dev);

/* Human names from the pci.ids database; the hex ids when the database does not know. */
char *vf_pci_device_dup_vendor_name(const VfPciDevice *dev);
char *vf_pci_device_dup_device_name(const VfPciDevice *dev);
char *vf_pci_class_dup_name(guint32 class_code);

/* The path of an attribute of a device: "/sys/bus/pci/devices/ADDR/ATTR". */
char *vf_pci_device_path(const char *address, const char *attribute);

/* Every PCI device of a host, read once. */
typedef struct {
    GPtrArray *devices;     /* of VfPciDevice*, sorted by address */
    GHashTable *by_address; /* address → VfPciDevice* (borrowed) */
} VfPciBus;

VfPciBus *vf_pci_bus_scan(VfHost *host, GError **error);
/* Reads only address, class, driver and IOMMU group of each device (3 files, not 13):
 * call vf_pci_device_load_details() on the devices whose other fields are used. */
VfPciBus *vf_pci_bus_scan_light(VfHost *host, GError **error);
void vf_pci_device_load_details(VfHost *host, VfPciDevice *dev);
void vf_pci_bus_load_details(VfHost *host, VfPciBus *bus);
void vf_pci_bus_free(VfPciBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfPciBus, vf_pci_bus_free)

VfPciDevice *vf_pci_bus_lookup(VfPciBus *bus, const char *address);
/* The functions of @dev's slot, @dev included, sorted. Borrowed pointers. */
GPtrArray *vf_pci_bus_dup_slot_functions(VfPciBus *bus, const VfPciDevice *dev);
/* The members of IOMMU group @group, sorted. Borrowed pointers. */
GPtrArray *vf_pci_bus_dup_group_members(VfPciBus *bus, gint group);

G_END_DECLS
