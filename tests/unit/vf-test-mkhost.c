/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-test-mkhost ROOT: builds a kernel-model tree for the helper's attack test
 * (test-helper-attacks.py) in the empty directory ROOT: the demo's desktop, with a NIC on
 * the dGPU's slot sharing its IOMMU group (a board quirk), which an administrator has
 * bound to vfio-pci by hand (driver_override, unbind, drivers_probe through the model), as
 * for a VM of their own.
 *
 * vf-test-mkhost --apu ROOT: builds the AMD APU desktop of vf-test-apu-host.h (an NVIDIA
 * boot display, a Raphael iGPU whose slot also holds the PSP and the CPU's USB), nothing
 * written after the boot, for test-apu-cli.sh.
 */
#include "vf-test-apu-host.h"

#include <stdio.h>

static const VfKmodelDevice vf_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x020000, 0x8086, 0x15f3, "igc", NULL, 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelHost vf_host_spec = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia igc",
    .devices = vf_devices,
};

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    const char *nic = "0000:01:00.2";

    if (argc == 3 && g_str_equal(argv[1], "--apu")) {
        if (!vf_kmodel_build(argv[2], &vf_test_apu_host, &error)) {
            fprintf(stderr, "%s: %s\n", argv[0], error->message);
            return 1;
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s [--apu] ROOT\n", argv[0]);
        return 2;
    }
    if (!vf_kmodel_build(argv[1], &vf_host_spec, &error) ||
        (host = vf_host_new(argv[1], &error)) == NULL || !vf_kmodel_attach(host, &error) ||
        !vf_host_write(host, "/sys/bus/pci/devices/0000:01:00.2/driver_override", "vfio-pci",
                       &error) ||
        !vf_host_write(host, "/sys/bus/pci/devices/0000:01:00.2/driver/unbind", nic, &error) ||
        !vf_host_write(host, "/sys/bus/pci/drivers_probe", nic, &error)) {
        fprintf(stderr, "%s: %s\n", argv[0], error->message);
        return 1;
    }
    return 0;
}
