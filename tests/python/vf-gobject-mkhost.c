/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-gobject-mkhost ROOT: builds a kernel-model tree for the GObject API's tests
 * (test_gobject.py) in the empty directory ROOT: the demo's desktop with a NIC on the
 * bridge of the dGPU sharing its IOMMU group (a board quirk: group-not-viable) and processes that
 * hold the dGPU by an open file and by a mapping (in-use): a GPU with blockers and
 * holders, read by `virtflow --host-root ROOT gpu list --json` and VirtFlow.Host alike.
 */
#include "demo/vf-kmodel.h"

#include <stdio.h>

static const VfKmodelDevice vf_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:02:00.0", 0x020000, 0x8086, 0x15f3, "igc", NULL, 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelProcess vf_processes[] = {
    {4242, "Xorg", "/dev/dri/card1 /dev/null", NULL},
    {4343, "steam", NULL, "/dev/dri/renderD129"},
    {0},
};

static const VfKmodelHost vf_host_spec = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia igc",
    .devices = vf_devices,
    .processes = vf_processes,
};

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;

    if (argc != 2) {
        fprintf(stderr, "usage: %s ROOT\n", argv[0]);
        return 2;
    }
    if (!vf_kmodel_build(argv[1], &vf_host_spec, &error)) {
        fprintf(stderr, "%s: %s\n", argv[0], error->message);
        return 1;
    }
    return 0;
}
