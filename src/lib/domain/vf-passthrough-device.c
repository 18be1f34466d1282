/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-passthrough-device.h"

VfPassthroughDevice *
vf_passthrough_device_new(const char *address, const char *driver)
{
    VfPassthroughDevice *device;

    g_return_val_if_fail(address != NULL, NULL);

    device = g_new0(VfPassthroughDevice, 1);
    device->address = g_strdup(address);
    device->driver = g_strdup(driver);
    return device;
}

VfPassthroughDevice *
vf_passthrough_device_copy(const VfPassthroughDevice *device)
{
    g_return_val_if_fail(device != NULL, NULL);

    return vf_passthrough_device_new(device->address, device->driver);
}

void
vf_passthrough_device_free(VfPassthroughDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->address);
    g_free(device->driver);
    g_free(device);
}
