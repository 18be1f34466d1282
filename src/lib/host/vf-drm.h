/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-drm.h: the host's displays as the kernel's DRM shows them
 *
 * Where a VM's picture goes after Activate (the GPU's own connectors, named as the
 * kernel names them: "HDMI-A-1", "DP-1") and how large the host's screens are (the guest
 * resolution Looking Glass is sized for). Read from /sys/class/drm under the VfHost root;
 * only while a DRM driver is bound: a GPU on vfio-pci shows no connectors. No libvirt.
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

/*
 * The connectors of the DRM cards of the PCI function @address
 * (/sys/bus/pci/devices/ADDRESS/drm/cardN/cardN-NAME): "HDMI-A-1", "DP-1", the connected
 * ones first, each part in name order.
 *
 * Returns: (transfer full) (element-type utf8): possibly empty (no DRM driver bound).
 */
GPtrArray *vf_drm_list_connectors(VfHost *host, const char *address);

/*
 * The largest mode (by area) of any connected connector of the host's DRM cards
 * (/sys/class/drm/cardN/cardN-NAME/modes), leaving out the cards of the PCI slot of
 * @exclude_address (the GPU that moves to a VM; NULL: none).
 *
 * Returns: TRUE and sets @ret_width and @ret_height; FALSE when no connected connector
 * lists a mode.
 */
gboolean vf_drm_get_largest_mode(VfHost *host, const char *exclude_address, guint *ret_width,
                                 guint *ret_height);

G_END_DECLS
