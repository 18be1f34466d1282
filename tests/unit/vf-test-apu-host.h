/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-test-apu-host.h: a Ryzen 7000 (Raphael) desktop whose iGPU is not the boot display,
 * for test-hosts.c and vf-test-mkhost --apu. The boot display is an NVIDIA card with four
 * functions (VGA, HDMI audio, USB-C, UCSI) in four IOMMU groups (ACS on its root port):
 * all of them move with it. The iGPU's slot 0e:00 holds, as on the real part, the iGPU
 * (1002:164e) and its HDMI audio (1002:1640), then the platform's own functions, each in
 * a group of its own: the PSP (1022:1649, ccp), two USB controllers of the CPU
 * (1022:15b6, the keyboard may be behind them), the audio coprocessor (1022:15e2) and the
 * board's HD audio (1022:15e3). Only .0 and .1 move with the iGPU.
 */
#pragma once

#include "demo/vf-kmodel.h"

static const VfKmodelDevice vf_test_apu_devices[] = {
    {"0000:00:00.0", 0x060000, 0x1022, 0x14d8, NULL, NULL, -1, -1},
    {"0000:00:01.1", 0x060400, 0x1022, 0x14db, "pcieport", NULL, 1, -1},
    {"0000:00:08.1", 0x060400, 0x1022, 0x14dd, "pcieport", NULL, 9, -1},
    {"0000:01:00.0", 0x030000, 0x10de, 0x1e87, "nvidia", NULL, 12, 1, "0000:00:01.1",
     "card1 renderD129", "DP-1:connected:enabled:2560x1440"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x10f8, "snd_hda_intel", NULL, 13, -1, "0000:00:01.1", NULL,
     NULL, "card1"},
    {"0000:01:00.2", 0x0c0330, 0x10de, 0x1ad8, "xhci_hcd", "xhci_pci", 14, -1, "0000:00:01.1"},
    {"0000:01:00.3", 0x0c8000, 0x10de, 0x1ad9, "nvidia-gpu", NULL, 15, -1, "0000:00:01.1"},
    {"0000:0e:00.0", 0x030000, 0x1002, 0x164e, "amdgpu", NULL, 21, 0, "0000:00:08.1",
     "card0 renderD128", "HDMI-A-1:disconnected:disabled"},
    {"0000:0e:00.1", 0x040300, 0x1002, 0x1640, "snd_hda_intel", NULL, 22, -1, "0000:00:08.1", NULL,
     NULL, "card0"},
    {"0000:0e:00.2", 0x108000, 0x1022, 0x1649, "ccp", NULL, 23, -1, "0000:00:08.1"},
    {"0000:0e:00.3", 0x0c0330, 0x1022, 0x15b6, "xhci_hcd", "xhci_pci", 24, -1, "0000:00:08.1"},
    {"0000:0e:00.4", 0x0c0330, 0x1022, 0x15b6, "xhci_hcd", "xhci_pci", 25, -1, "0000:00:08.1"},
    {"0000:0e:00.5", 0x048000, 0x1022, 0x15e2, NULL, NULL, 26, -1, "0000:00:08.1"},
    {"0000:0e:00.6", 0x040300, 0x1022, 0x15e3, "snd_hda_intel", NULL, 27, -1, "0000:00:08.1", NULL,
     NULL, "card2"},
    {NULL},
};

static const VfKmodelHost vf_test_apu_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet amd_iommu=on iommu=pt",
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport amdgpu xhci_pci snd_hda_intel nvidia "
              "nvidia_gpu ccp",
    .devices = vf_test_apu_devices,
};
