/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-host: writes a synthetic host with 2048 PCI functions for the `gpu list` benchmark
 *
 *   gen-host DIR [N]     (DIR must not exist or be empty; N defaults to 2048)
 *
 * The tree is built by the library's kernel model (vf_kmodel_build), so VirtFlow reads
 * exactly what it reads in the tests, and then completed with the attributes that
 * lspci's linux-sysfs back end reads and the model does not write (config, modalias, and
 * for -v irq, resource, numa_node): both tools read one tree.
 *
 * The machine is a large server-class host:
 *  - root bus 0000:00: host bridge, chipset (LPC, SMBus, SPI, MEI, SATA, xHCI, HDA), an
 *    Intel iGPU (boot VGA), and 64 PCIe root ports, each leading to a GPU slot: GPU +
 *    HDMI/DP audio (+ USB-C xHCI and UCSI on every 4th card). NVIDIA, AMD and Intel cards;
 *    some bound to vfio-pci, some without a driver, one driving a display, two sharing an
 *    IOMMU group (root ports without ACS);
 *  - root bus 0000:50: 8 PCIe switches (upstream port + 16 downstream ports), an NVMe
 *    drive behind each downstream port;
 *  - root bus 0000:f0: 8 dual-port NICs (mlx5 and ice) whose SR-IOV virtual functions
 *    (ARI numbering) make up the rest of the 2048 functions.
 * Every function has its own IOMMU group (ACS), except the chipset's multi-function
 * slots 00:14 and 00:1f, the functions of each GPU slot, which share one, and the last
 * two GPU slots, which share one between them. A few processes hold GPU nodes.
 */
#include "demo/vf-kmodel.h"

#include <errno.h>
#include <stdarg.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEN_DEFAULT_N 2048

typedef struct {
    guint domain, bus, slot, fn;
    guint secondary;   /* bridges: the bus behind it */
    guint subordinate; /* bridges: the highest bus behind it */
    gint parent;       /* index of the upstream bridge, -1 on a root bus */
} GenExtra;

typedef struct {
    GArray *devs;  /* of VfKmodelDevice; strings live in @chunk */
    GArray *extra; /* of GenExtra, parallel to @devs */
    GStringChunk *chunk;
    gint next_group;
    guint n_gpus; /* DRM card numbers */
} Gen;

static const char *gen_str(Gen *g, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static const char *
gen_str(Gen *g, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *s = NULL;

    va_start(ap, fmt);
    s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_string_chunk_insert_const(g->chunk, s);
}

/* Adds a function; returns its index. @parent: index of the upstream bridge or -1. */
static gint
gen_add(Gen *g, gint parent, guint bus, guint slot, guint fn, guint32 cls, guint16 vendor,
        guint16 device, const char *driver, const char *module, gint group)
{
    VfKmodelDevice d = {0};
    GenExtra x = {0};

    g_assert(slot < 32 && fn < 8 && bus < 256);
    x.domain = 0;
    x.bus = bus;
    x.slot = slot;
    x.fn = fn;
    x.parent = parent;
    d.address = gen_str(g, "%04x:%02x:%02x.%x", x.domain, bus, slot, fn);
    d.class_code = cls;
    d.vendor_id = vendor;
    d.device_id = device;
    d.driver = driver;
    d.module = module;
    d.iommu_group = group;
    d.boot_vga = (cls >> 16) == 0x03 ? 0 : -1;
    d.parent = parent >= 0 ? g_array_index(g->devs, VfKmodelDevice, parent).address : NULL;
    g_array_append_val(g->devs, d);
    g_array_append_val(g->extra, x);
    return (gint)g->devs->len - 1;
}

static VfKmodelDevice *
gen_dev(Gen *g, gint i)
{
    return &g_array_index(g->devs, VfKmodelDevice, i);
}

static gint
gen_bridge(Gen *g, gint parent, guint bus, guint slot, guint fn, guint16 vendor, guint16 device,
           guint secondary, gint group)
{
    gint i = gen_add(g, parent, bus, slot, fn, 0x060400, vendor, device, "pcieport", NULL, group);

    g_array_index(g->extra, GenExtra, i).secondary = secondary;
    return i;
}

typedef struct {
    guint16 vendor, gpu, audio, usb, ucsi;
    const char *driver; /* GPU driver */
    const char *module;
} GenGpuModel;

/* Real ids. The Navi 31 HDMI codec (1002:ab30) and the Alder Lake root ports are not in
 * Debian 12's pci.ids (2023.04.10): both tools then take their "unknown name" paths, as on
 * a host with newer hardware than its pci.ids. */
static const GenGpuModel gen_gpu_models[] = {
    {0x10de, 0x2684, 0x22ba, 0x1ada, 0x1adb, "nvidia", NULL},  /* AD102 RTX 4090 */
    {0x1002, 0x744c, 0xab30, 0, 0, "amdgpu", NULL},            /* Navi 31 */
    {0x10de, 0x2204, 0x1aef, 0x1ad8, 0x1ad9, "nvidia", NULL},  /* GA102 RTX 3090 */
    {0x8086, 0x56a0, 0x4f90, 0, 0, "i915", NULL},              /* Arc A770 */
    {0x10de, 0x1e04, 0x10f7, 0x1ad6, 0x1ad7, "nouveau", NULL}, /* TU102: module not loaded */
    {0x1002, 0x73bf, 0xab28, 0, 0, "amdgpu", NULL},            /* Navi 21 */
};

static void
gen_gpu_slot(Gen *g, guint k, guint bus, gint group, gboolean vfio)
{
    const GenGpuModel *m = &gen_gpu_models[k % G_N_ELEMENTS(gen_gpu_models)];
    gboolean has_usb = m->usb && k % 4 == 0;
    guint card = ++g->n_gpus;
    gint parent = -1;
    gint i;

    /* the root port leading to @bus */
    for (gint j = (gint)g->devs->len - 1; j >= 0; j--) {
        GenExtra *x = &g_array_index(g->extra, GenExtra, j);

        if (gen_dev(g, j)->class_code == 0x060400 && x->secondary == bus) {
            parent = j;
            break;
        }
    }
    g_assert(parent >= 0);

    i = gen_add(g, parent, bus, 0, 0, 0x030000, m->vendor, m->gpu, vfio ? "vfio-pci" : m->driver,
                vfio ? "vfio_pci" : m->module, group);
    if (!vfio) {
        gen_dev(g, i)->drm = gen_str(g, "card%u renderD%u", card, 128 + card);
        gen_dev(g, i)->connectors =
            k == 0
                ? "DP-1:connected:enabled DP-2:disconnected:disabled HDMI-A-1:disconnected:disabled"
                : "DP-1:disconnected:disabled DP-2:disconnected:disabled "
                  "HDMI-A-1:disconnected:disabled";
    }
    i = gen_add(g, parent, bus, 0, 1, 0x040300, m->vendor, m->audio,
                vfio ? "vfio-pci" : "snd_hda_intel", vfio ? "vfio_pci" : NULL, group);
    if (!vfio)
        gen_dev(g, i)->sound = gen_str(g, "card%u", card);
    if (has_usb) {
        gen_add(g, parent, bus, 0, 2, 0x0c0330, m->vendor, m->usb, vfio ? "vfio-pci" : "xhci_hcd",
                vfio ? "vfio_pci" : "xhci_pci", group);
        gen_add(g, parent, bus, 0, 3, 0x0c8000, m->vendor, m->ucsi,
                vfio ? "vfio-pci" : "nvidia-gpu", vfio ? "vfio_pci" : "i2c_nvidia_gpu", group);
    }
}

/* Fills in each bridge's subordinate bus (the highest bus number below it). */
static void
gen_fix_subordinates(Gen *g)
{
    for (guint i = 0; i < g->extra->len; i++) {
        GenExtra *x = &g_array_index(g->extra, GenExtra, i);

        if (x->secondary)
            x->subordinate = MAX(x->subordinate, x->secondary);
        for (gint p = x->parent; p >= 0; p = g_array_index(g->extra, GenExtra, p).parent) {
            GenExtra *up = &g_array_index(g->extra, GenExtra, p);

            up->subordinate = MAX(up->subordinate, MAX(x->bus, x->secondary));
        }
    }
}

static void
gen_build_table(Gen *g, guint n_total)
{
    guint bus;
    gint rp;

    /* ---- root bus 00: chipset, iGPU, 64 GPU root ports ---- */
    gen_add(g, -1, 0x00, 0x00, 0, 0x060000, 0x8086, 0x4660, NULL, NULL, g->next_group++);
    {
        gint i =
            gen_add(g, -1, 0x00, 0x02, 0, 0x030000, 0x8086, 0x4680, "i915", NULL, g->next_group++);

        gen_dev(g, i)->boot_vga = 1;
        gen_dev(g, i)->drm = "card0 renderD128";
        gen_dev(g, i)->connectors = "eDP-1:connected:enabled HDMI-A-1:disconnected:disabled";
    }
    gen_add(g, -1, 0x00, 0x14, 0, 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci",
            g->next_group++);
    gen_add(g, -1, 0x00, 0x14, 2, 0x050000, 0x8086, 0x7aa7, NULL, NULL, g->next_group - 1);
    gen_add(g, -1, 0x00, 0x16, 0, 0x078000, 0x8086, 0x7ae8, "mei_me", NULL, g->next_group++);
    gen_add(g, -1, 0x00, 0x17, 0, 0x010601, 0x8086, 0x7ae2, "ahci", NULL, g->next_group++);
    {
        gint grp = g->next_group++;
        gint i;

        gen_add(g, -1, 0x00, 0x1f, 0, 0x060100, 0x8086, 0x7a86, NULL, NULL, grp);
        i = gen_add(g, -1, 0x00, 0x1f, 3, 0x040380, 0x8086, 0x7ad0, "snd_hda_intel", NULL, grp);
        gen_dev(g, i)->sound = "card0";
        gen_add(g, -1, 0x00, 0x1f, 4, 0x0c0500, 0x8086, 0x7aa3, "i801_smbus", "i2c_i801", grp);
        gen_add(g, -1, 0x00, 0x1f, 5, 0x0c8000, 0x8086, 0x7aa4, "intel-spi", "intel_spi_pci", grp);
    }

    bus = 0x01;
    {
        gint shared = -1;

        for (guint k = 0; k < 64; k++) {
            /* the last two root ports lack ACS: one group for both ports and both cards */
            gboolean no_acs = k >= 62;
            gint rp_group =
                no_acs ? (shared >= 0 ? shared : (shared = g->next_group++)) : g->next_group++;
            gint slot_group = no_acs ? rp_group : g->next_group++;

            gen_bridge(g, -1, 0x00, 0x06 + k / 8, k % 8, 0x8086, 0x7a38 + (k % 8), bus, rp_group);
            gen_gpu_slot(g, k, bus, slot_group, k % 8 == 5);
            bus++;
        }
    }
    g_assert(bus < 0x50);

    /* ---- root bus 50: 8 switches, 16 NVMe drives each ---- */
    bus = 0x51;
    for (guint s = 0; s < 8; s++) {
        guint up_bus = bus++;
        guint internal = bus++;
        gint up;

        rp = gen_bridge(g, -1, 0x50, 0x01 + s, 0, 0x8086, 0x347a, up_bus, g->next_group++);
        up = gen_bridge(g, rp, up_bus, 0x00, 0, 0x1000, 0xc030, internal, g->next_group++);
        for (guint d = 0; d < 16; d++) {
            guint nvme_bus = bus++;
            gint dp = gen_bridge(g, up, internal, d, 0, 0x1000, 0xc030, nvme_bus, g->next_group++);
            static const guint16 ids[][2] = {
                {0x144d, 0xa80a}, {0x8086, 0x0b60}, {0x1e0f, 0x0007}, {0x15b7, 0x5030}};

            gen_add(g, dp, nvme_bus, 0x00, 0, 0x010802, ids[d % 4][0], ids[d % 4][1], "nvme", NULL,
                    g->next_group++);
        }
    }
    g_assert(bus < 0xf0);

    /* ---- root bus f0: 8 dual-port NICs with SR-IOV VFs fill up to n_total ---- */
    {
        guint n_fixed = g->devs->len + 8 /* root ports */ + 16 /* PFs */;
        guint n_vfs = n_total > n_fixed ? n_total - n_fixed : 0;

        g_assert(n_vfs <= 16 * 126); /* ARI: 256 functions per bus, 2 PFs + 2 × 127 VFs */
        bus = 0xf1;
        for (guint c = 0; c < 8; c++) {
            gboolean mlx = c % 2 == 0;
            guint nic_bus = bus++;
            guint fn_index = 2;

            rp = gen_bridge(g, -1, 0xf0, 0x01 + c, 0, 0x8086, 0x347b, nic_bus, g->next_group++);
            for (guint pf = 0; pf < 2; pf++) {
                guint vfs = n_vfs / 16 + ((c * 2 + pf) < n_vfs % 16 ? 1 : 0);

                gen_add(g, rp, nic_bus, 0, pf, 0x020000, mlx ? 0x15b3 : 0x8086,
                        mlx ? 0x1017 : 0x159b, mlx ? "mlx5_core" : "ice", NULL, g->next_group++);
                for (guint v = 0; v < vfs; v++, fn_index++) {
                    /* a quarter of the VFs are handed to guests through vfio-pci */
                    const char *drv = v % 4 == 3 ? "vfio-pci" : mlx ? "mlx5_core" : "iavf";
                    const char *mod = v % 4 == 3 ? "vfio_pci" : NULL;

                    gen_add(g, rp, nic_bus, fn_index / 8, fn_index % 8, 0x020000,
                            mlx ? 0x15b3 : 0x8086, mlx ? 0x1018 : 0x1889, drv, mod,
                            g->next_group++);
                }
            }
        }
    }
    gen_fix_subordinates(g);
}

/* ---- what lspci reads beyond the model ---- */

static gboolean
gen_write(const char *dir, const char *name, const void *data, gsize len, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    return g_file_set_contents(path, data, len, error);
}

static gboolean
gen_write_str(const char *dir, const char *name, const char *text, GError **error)
{
    return gen_write(dir, name, text, strlen(text), error);
}

static void
gen_put16(guint8 *c, guint off, guint16 v)
{
    c[off] = v & 0xff;
    c[off + 1] = v >> 8;
}

/* The files of libpci's linux-sysfs back end (pciutils 3.9 lib/sysfs.c) that the model
 * does not write. `lspci -nnk` reads, per device: config (a 64-byte pread of the header),
 * vendor, device, class, revision, subsystem_vendor, subsystem_device, label (optional),
 * the driver link (readlink, then realpath), and modalias when libkmod finds a module index
 * for the running kernel. Without config, pciutils 3.9 emulates the header from the other
 * files but warns "pcilib: Cannot open .../config" once per device. `lspci -v` also reads
 * irq, resource, numa_node, the iommu_group link and 256 bytes of config (capabilities):
 * written too, so the tree also serves -v. */
static gboolean
gen_complete_for_lspci(const char *root, Gen *g, GError **error)
{
    /* functions per slot, for the header's multi-function bit */
    g_autoptr(GHashTable) slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < g->extra->len; i++) {
        GenExtra *x = &g_array_index(g->extra, GenExtra, i);
        char *key = g_strdup_printf("%04x:%02x:%02x", x->domain, x->bus, x->slot);

        g_hash_table_insert(
            slots, key, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(slots, key)) + 1));
    }

    /* @extra has no entry for the table's terminator */
    for (guint i = 0; i < g->extra->len; i++) {
        const VfKmodelDevice *d = &g_array_index(g->devs, VfKmodelDevice, i);
        GenExtra *x = &g_array_index(g->extra, GenExtra, i);
        g_autofree char *link = g_build_filename(root, "sys/bus/pci/devices", d->address, NULL);
        g_autofree char *dir = realpath(link, NULL);
        g_autofree char *slot_key = g_strdup_printf("%04x:%02x:%02x", x->domain, x->bus, x->slot);
        gboolean multi = GPOINTER_TO_UINT(g_hash_table_lookup(slots, slot_key)) > 1;
        gboolean bridge = (d->class_code >> 8) == 0x0604;
        guint8 config[256] = {0};
        guint irq = 16 + i % 200;
        g_autofree char *text = NULL;
        g_autoptr(GString) res = g_string_new(NULL);

        if (dir == NULL) {
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", link,
                        g_strerror(errno));
            return FALSE;
        }
        gen_put16(config, 0x00, d->vendor_id);
        gen_put16(config, 0x02, d->device_id);
        gen_put16(config, 0x04, 0x0406);             /* memory space, bus master, no INTx */
        gen_put16(config, 0x06, 0x0010);             /* capabilities list */
        config[0x08] = 0xa1;                         /* revision, as the model's file */
        config[0x09] = d->class_code & 0xff;         /* prog-if */
        config[0x0a] = (d->class_code >> 8) & 0xff;  /* sub-class */
        config[0x0b] = (d->class_code >> 16) & 0xff; /* base class */
        config[0x0e] = (bridge ? 0x01 : 0x00) | (multi ? 0x80 : 0x00);
        if (bridge) {
            config[0x18] = x->bus;
            config[0x19] = x->secondary;
            config[0x1a] = x->subordinate;
        } else {
            gen_put16(config, 0x2c, d->vendor_id); /* as the model's subsystem_* files */
            gen_put16(config, 0x2e, 0x1234);
            gen_put16(config, 0x10, 0x000c); /* BAR0: 64-bit prefetchable memory */
        }
        config[0x34] = 0x40; /* capability: PCI Express at 0x40 */
        config[0x3c] = irq & 0xff;
        config[0x3d] = (d->class_code >> 16) == 0x06 ? 0 : 1;
        config[0x40] = 0x10; /* PCIe capability, end of list */
        config[0x41] = 0x00;
        gen_put16(config, 0x42, bridge ? 0x0042 : 0x0002);
        if (!gen_write(dir, "config", config, sizeof(config), error))
            return FALSE;

        text = g_strdup_printf("%u\n", irq);
        if (!gen_write_str(dir, "irq", text, error))
            return FALSE;
        g_clear_pointer(&text, g_free);

        /* 6 BARs + ROM + (bridges) windows: "start end flags" per line, as the kernel */
        for (guint r = 0; r < 13; r++) {
            if (r == 0 && !bridge) {
                guint64 start = 0x6000000000ULL + (guint64)i * 0x1000000ULL;

                g_string_append_printf(
                    res, "0x%016" G_GINT64_MODIFIER "x 0x%016" G_GINT64_MODIFIER "x 0x%016x\n",
                    start, start + 0xffffff, 0x0014220c);
            } else {
                g_string_append_printf(res, "0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
            }
        }
        if (!gen_write_str(dir, "resource", res->str, error))
            return FALSE;

        text = g_strdup_printf("pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X\n", d->vendor_id,
                               d->device_id, d->vendor_id, 0x1234u, (d->class_code >> 16) & 0xff,
                               (d->class_code >> 8) & 0xff, d->class_code & 0xff);
        if (!gen_write_str(dir, "modalias", text, error))
            return FALSE;
        g_clear_pointer(&text, g_free);

        if (!gen_write_str(dir, "numa_node", x->bus < 0x80 ? "0\n" : "1\n", error))
            return FALSE;
    }
    return TRUE;
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    Gen g = {0};
    VfKmodelDevice end = {0};
    guint n_total = GEN_DEFAULT_N;
    VfKmodelHost spec = {0};
    g_autofree VfKmodelProcess *procs = NULL;
    gint vfio_group = -1;
    guint n_gpus = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "Usage: %s DIR [N_DEVICES]\n", argv[0]);
        return 2;
    }
    if (argc == 3)
        n_total = (guint)strtoul(argv[2], NULL, 10);

    g.devs = g_array_new(FALSE, TRUE, sizeof(VfKmodelDevice));
    g.extra = g_array_new(FALSE, TRUE, sizeof(GenExtra));
    g.chunk = g_string_chunk_new(4096);
    g.next_group = 0;
    gen_build_table(&g, n_total);
    if (g.devs->len != n_total) {
        fprintf(stderr, "gen-host: the layout needs at least %u functions (asked for %u)\n",
                g.devs->len, n_total);
        return 2;
    }
    for (guint i = 0; i < g.devs->len; i++) {
        const VfKmodelDevice *d = &g_array_index(g.devs, VfKmodelDevice, i);

        if ((d->class_code >> 16) == 0x03) {
            n_gpus++;
            if (vfio_group < 0 && g_strcmp0(d->driver, "vfio-pci") == 0)
                vfio_group = d->iommu_group;
        }
    }
    g_array_append_val(g.devs, end);

    /* a display server on card0/card1, PipeWire on the HDMI codecs, QEMU on a vfio group */
    procs = g_new0(VfKmodelProcess, 4);
    procs[0] = (VfKmodelProcess){1201, "Xorg", "/dev/dri/card0 /dev/dri/card1 /dev/null",
                                 "/dev/dri/renderD128"};
    procs[1] = (VfKmodelProcess){1377, "pipewire", "/dev/snd/controlC0 /dev/snd/controlC1", NULL};
    procs[2] = (VfKmodelProcess){
        4242, "qemu-system-x86",
        vfio_group >= 0 ? gen_str(&g, "/dev/vfio/%d", vfio_group) : "/dev/null", NULL};

    spec.kernel_release = "6.1.0-virtflow-bench";
    spec.builtin = "pcieport";
    spec.loaded = "vfio vfio_iommu_type1 vfio_pci i915 xhci_pci mei_me ahci snd_hda_intel "
                  "i2c_i801 intel_spi_pci nvidia amdgpu i2c_nvidia_gpu nvme mlx5_core ice iavf";
    spec.loadable = "nouveau";
    spec.devices = (const VfKmodelDevice *)g.devs->data;
    spec.processes = procs;

    if (g_mkdir_with_parents(argv[1], 0755) < 0) {
        fprintf(stderr, "gen-host: cannot create %s: %s\n", argv[1], g_strerror(errno));
        return 1;
    }
    if (!vf_kmodel_build(argv[1], &spec, &error) || !gen_complete_for_lspci(argv[1], &g, &error)) {
        fprintf(stderr, "gen-host: %s\n", error->message);
        return 1;
    }
    printf("gen-host: %u PCI functions (%u GPUs, %d IOMMU groups) under %s\n", n_total, n_gpus,
           g.next_group, argv[1]);
    g_array_unref(g.extra);
    g_array_unref(g.devs);
    g_string_chunk_free(g.chunk);
    return 0;
}
