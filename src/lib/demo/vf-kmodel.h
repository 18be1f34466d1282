/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-kmodel.h: a small model of the kernel's PCI driver core, over a fake host root
 *
 * The unit tests and the demo host need a machine with an IOMMU, GPUs and drivers that
 * react to driver_override, unbind, bind and drivers_probe as Linux does. This builds a
 * tree that looks like /sys, /proc and /dev (real symlinks, like libvirt's virpcimock)
 * from a table, one line per device, and attaches itself to a VfHost as the thing that
 * receives writes. Every step can be made to fail (an errno) or to hang.
 *
 * What it models (drivers/base/bus.c, drivers/pci/pci-driver.c, drivers/vfio/):
 *  - driver_override: "\n" clears it (reads back "(null)"); a bind only matches the
 *    override's driver while one is set, else the device's natural driver;
 *  - DEV/driver/unbind, drivers/D/unbind: value must name the bound device (else ENODEV);
 *  - drivers/D/bind: EBUSY when bound, ENODEV when D does not match;
 *  - drivers_probe: binds the matching driver when it is loaded; no match is not an error;
 *  - /dev/vfio/GROUP exists while any member of GROUP is on vfio-pci;
 *  - a driver is registered (/sys/bus/pci/drivers/D) only while its module is loaded;
 *  - DRM and sound children exist only while the natural driver is bound.
 *
 * Input devices (keyboards, mice) are static: /dev/input/eventN (a regular file: only root
 * can make character devices), its /dev/input/by-id link, and the sysfs tree of the input
 * core under the USB controller they are plugged into, as drivers/input/input.c and udev's
 * 60-persistent-input.rules make them.
 *
 * And what real drivers and firmware do (host/vf-drivers.h, issue 12):
 *  - nvidia: an unbind while nvidia-persistenced or nvidia-powerd runs, while nvidia_drm's
 *    framebuffer console is on the GPU, or while the module has users no process shows,
 *    blocks for ever (a hang), and every later write to that device blocks too: releasing
 *    the user after the unbind started does not let it finish;
 *  - /proc/iomem (with .iomem): each device's BARs, the natural driver's claim under them,
 *    and a firmware framebuffer (.boot_fb) in BAR 1 until a DRM driver takes the GPU over;
 *  - the AMD reset bug (.reset_bug): once the device has been on vfio-pci, its natural
 *    driver's probe fails (no driver, no DRM device) until the host "reboots" (a new tree).
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

typedef struct {
    const char *address;
    guint32 class_code;
    guint16 vendor_id;
    guint16 device_id;
    const char *driver;       /* natural driver, bound at "boot" when its module is loaded */
    const char *module;       /* its module; NULL: the driver name with '-' → '_' */
    gint iommu_group;         /* -1: none (IOMMU off) */
    gint boot_vga;            /* -1: no boot_vga attribute */
    const char *parent;       /* upstream bridge, NULL on the root bus */
    const char *drm;          /* "card1 renderD129" */
    const char *connectors;   /* "DP-1:connected:enabled HDMI-A-1:disconnected:disabled" */
    const char *sound;        /* "card1" */
    gboolean unbound;         /* leave it without a driver at boot */
    const char *fb;           /* "fb0": its DRM driver's framebuffer console (/proc/fb) */
    const char *boot_fb;      /* "BOOTFB", "efifb": a firmware framebuffer in its BAR 1 */
    const char *reset_method; /* NULL: "flr bus" ("bus" for bridges); "" for none */
    gboolean reset_bug;       /* its driver cannot bring it up after vfio-pci had it */
    gint numa_node;           /* its numa_node attribute, written when the host has a .cpu */
} VfKmodelDevice;

typedef struct {
    gint pid;
    const char *comm;
    const char *fds;  /* device nodes it has open: "/dev/dri/card1 /dev/null" */
    const char *maps; /* device nodes it maps */
} VfKmodelProcess;

/* What an input device declares in /sys/class/input/inputN/capabilities/{ev,key,rel,led,msc}
 * (drivers/input/input.c input_print_bitmap(): 64-bit words, most significant first). */
typedef enum {
    VF_KMODEL_INPUT_KEYBOARD,     /* ESC..F12 with A..Z, LEDs and autorepeat */
    VF_KMODEL_INPUT_MOUSE,        /* REL_X, REL_Y, wheels, BTN_LEFT..BTN_TASK */
    VF_KMODEL_INPUT_MACRO_KEYS,   /* a gaming mouse's keyboard interface: the whole key bitmap
                                   * (udev calls it a keyboard), no LEDs */
    VF_KMODEL_INPUT_POWER_BUTTON, /* KEY_POWER only */
    VF_KMODEL_INPUT_LAST
} VfKmodelInputCaps;

typedef struct {
    guint event;            /* N: /dev/input/eventN (13:64+N), /sys/class/input/eventN, inputN */
    VfKmodelInputCaps caps; /* its capabilities */
    const char *name;       /* /sys/class/input/eventN/device/name; NULL ends the table */
    const char *by_id;      /* its link in /dev/input/by-id ("usb-Logitech_K120-event-kbd",
                             * target "../eventN"); NULL: no by-id link */
    const char *controller; /* the PCI address (a device of the table) of the USB controller
                             * it is plugged into; NULL: a virtual device (uinput) */
    guint usb_port;         /* its USB device is 1-PORT on that controller's bus 1 */
    guint usb_interface;    /* the USB interface it belongs to (1-PORT:1.IF) */
    gboolean unplugged;     /* only the by-id link is left, pointing to nothing */
} VfKmodelInput;

/*
 * The host's CPU (tune/vf-topology.h reads it): cpuN/topology, the L3 cache's
 * shared_cpu_list, online, NUMA nodes, cpu_core/cpu_atom for a hybrid part, huge page
 * pools, /proc/meminfo and /proc/cpuinfo. Threads are numbered as the kernel does on that
 * vendor's parts: AMD (and Intel without hybrid) gives each core's first thread first
 * (core c: CPUs c and c + cores); an Intel hybrid numbers each P-core's threads together
 * (2c, 2c+1), then its E-cores.
 */
typedef struct {
    const char *vendor; /* "AuthenticAMD", "GenuineIntel" */
    const char *model_name;
    const char *flags;          /* /proc/cpuinfo flags */
    guint cores;                /* (P-)cores */
    guint threads_per_core;     /* 1 or 2 (of the P-cores) */
    gboolean siblings_adjacent; /* threads of core c are 2c, 2c+1 */
    guint e_cores;              /* Intel hybrid: single-thread E-cores after the P-cores */
    guint cores_per_l3;         /* cores sharing one L3 (a CCD, a CCX); 0: all of them */
    guint nodes;                /* NUMA nodes, cores split evenly in order; 0: one */
    const char *offline;        /* CPUs offline, a cpu list; NULL: none */
    guint64 mem_total_kib;
    guint64 hugepages_2m;  /* nr_hugepages of the 2 MiB pool (always present) */
    gboolean hugepages_1g; /* the 1 GiB pool exists */
    guint64 hugepages_1g_nr;
} VfKmodelCpu;

typedef struct {
    const char *kernel_release; /* NULL: "6.1.0-virtflow-model" */
    const char *cmdline;        /* NULL: "BOOT_IMAGE=/vmlinuz ro quiet intel_iommu=on iommu=pt" */
    gboolean no_iommu_unit;     /* no /sys/class/iommu/dmar0 */
    const char *iommu_unit;     /* its name in /sys/class/iommu: NULL: "dmar0" (Intel VT-d);
                                 * "ivhd0" for AMD-Vi */
    const char *loaded;         /* loaded modules: "vfio vfio_iommu_type1 vfio_pci bochs" */
    const char *builtin;        /* built-in modules */
    const char *loadable;       /* further modules in modules.dep */
    const VfKmodelDevice *devices;    /* ends with an entry whose address is NULL */
    const VfKmodelProcess *processes; /* ends with pid 0; may be NULL */
    const VfKmodelInput *inputs;      /* ends with name NULL; may be NULL (no /dev/input) */
    gboolean iomem;                   /* write /proc/iomem and each device's resource */
    gboolean nvidia_drm;    /* nvidia_drm loaded with modeset=Y fbdev=Y; nvidia's refcnt */
    gint nvidia_hidden;     /* users of the nvidia module that no process shows */
    const VfKmodelCpu *cpu; /* NULL: no CPU topology in the tree */
    const char *machine;    /* a name for this table, kept in the model's state: a tree built
                             * from an older table is told apart (the demo's); may be NULL */
} VfKmodelHost;

typedef enum {
    VF_KMODEL_OP_OVERRIDE, /* write to driver_override */
    VF_KMODEL_OP_UNBIND,   /* write to .../unbind */
    VF_KMODEL_OP_BIND,     /* write to drivers/D/bind */
    VF_KMODEL_OP_PROBE,    /* write to drivers_probe */
    VF_KMODEL_OP_LOAD,     /* load a module */
    VF_KMODEL_OP_LAST
} VfKmodelOp;

#define VF_KMODEL_HANG (-1) /* inject: block longer than any deadline, then fail */

typedef struct _VfKmodel VfKmodel;

/* Writes the tree under @root (which must exist and be empty) and the model's state file. */
gboolean vf_kmodel_build(const char *root, const VfKmodelHost *spec, GError **error);
/* Writes @cpu's part of the tree (VfKmodelCpu) under @root: for a tree built before it had
 * one (the demo's, kept between runs). */
void vf_kmodel_build_cpu(const char *root, const VfKmodelCpu *cpu);
/* The machine name (VfKmodelHost.machine) the tree at @root was built from: newly
 * allocated, NULL when it has no model or was built without one. */
char *vf_kmodel_dup_machine(const char *root);
/* Attaches the model of the tree at the host's root to @host; FALSE without a model file. */
gboolean vf_kmodel_attach(VfHost *host, GError **error);
/* The model attached to @host, or NULL. */
VfKmodel *vf_kmodel_get(VfHost *host);

/* The @nth (1-based) next operation @op on @address (NULL: any device; module name for
 * LOAD) fails with @errsv (an errno, or VF_KMODEL_HANG) and changes nothing. */
void vf_kmodel_inject(VfKmodel *model, VfKmodelOp op, const char *address, int errsv, guint nth);
/* How many writes the model has seen. */
guint vf_kmodel_get_n_writes(VfKmodel *model);
/* How long an injected hang blocks (default 400 ms). */
void vf_kmodel_set_hang_ms(VfKmodel *model, guint ms);
/* How long a write that grows a huge page pool takes before it returns (default 0): the
 * kernel compacts and migrates memory page by page first. */
void vf_kmodel_set_hugepages_grow_ms(VfKmodel *model, guint ms);

/* Unplugs input device @event (VfKmodelInput.event) of the tree at @root as the kernel and
 * udev do: /dev/input/eventN, the by-id links to it and its sysfs entries go. FALSE when
 * there is no such device. */
gboolean vf_kmodel_unplug_input(const char *root, guint event);

/* A canonical text of the whole tree under @root (paths, link targets, file contents),
 * without VirtFlow's state directory: equal snapshots mean an unchanged host. */
char *vf_kmodel_snapshot(const char *root);

/*
 * Huge pages (issue 14): /sys/kernel/mm/hugepages/hugepages-@size_kibkB with nr_hugepages
 * @nr, of which @free are free, in the tree at @root. A write to nr_hugepages gets what the
 * kernel can find, at most @max pages in all (never fewer than those in use), as
 * mm/hugetlb.c set_max_huge_pages() does; /proc/sys/vm/compact_memory accepts "1" and
 * counts (vf_kmodel_count_compactions()).
 */
gboolean vf_kmodel_add_hugepages(const char *root, guint64 size_kib, guint64 nr, guint64 free,
                                 guint64 max, GError **error);
/* How many times memory was compacted in the tree at @root. */
guint vf_kmodel_count_compactions(const char *root);

/* The model of a typical desktop, used by the demo: an AM5 board (B650) whose Ryzen 9 7950X's
 * Raphael iGPU (amdgpu, 0000:0e:00.0) is the boot VGA, an NVIDIA RTX 4090 (0000:01:00.0)
 * with HDMI audio in IOMMU group 12, AMD-Vi on; a USB keyboard and a gaming mouse (with its
 * macro keyboard interface) on the chipset's xHCI controller (0000:0b:00.0). */
/* The demo machine's name (VfKmodelHost.machine): change it when the demo's table changes so
 * that a tree built from the old one would contradict it (a device moved or replaced); the
 * demo then builds a new tree and keeps the old one aside (vf_demo_open_host()). */
#define VF_KMODEL_DEMO_MACHINE "am5-ryzen9-7950x-rtx4090"
extern const VfKmodelHost vf_kmodel_demo_host;
/* The demo's CPU: a 16-core two-CCD AMD part with SMT, one node, 2 MiB and 1 GiB huge page
 * pools. vf_demo_open() adds it to the demo's tree (vf_kmodel_build_cpu()). */
extern const VfKmodelCpu vf_kmodel_demo_cpu;

G_END_DECLS
