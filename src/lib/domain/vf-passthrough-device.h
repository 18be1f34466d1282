/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-passthrough-device.h: one host PCI function handed to a domain
 *
 * The address names the function on the host; the driver is the host driver it had
 * before VirtFlow bound it to vfio-pci, so that it can be given back.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    char *address; /* host PCI address, "0000:01:00.0" */
    char *driver;  /* original host driver ("nvidia", "snd_hda_intel"), or NULL if none */
} VfPassthroughDevice;

/* @driver may be NULL. */
VfPassthroughDevice *vf_passthrough_device_new(const char *address, const char *driver);
VfPassthroughDevice *vf_passthrough_device_copy(const VfPassthroughDevice *device);
void vf_passthrough_device_free(VfPassthroughDevice *device);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfPassthroughDevice, vf_passthrough_device_free)

G_END_DECLS
