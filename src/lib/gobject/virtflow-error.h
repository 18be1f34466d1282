/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-error.h: the error domain of the VirtFlow GObject API
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <glib.h>

G_BEGIN_DECLS

/**
 * VIRTFLOW_ERROR:
 *
 * The error domain of VirtFlow: every #GError a VirtFlow function sets is in this domain,
 * with a #VirtFlowError code, except %G_IO_ERROR_CANCELLED for a cancelled call.
 *
 * It is the very quark of the C library's `VF_ERROR` ("virtflow-error-quark"): an error
 * from the plain C internals reaches a caller of this API unchanged, and its code is the
 * #VirtFlowError of the same name.
 */
#define VIRTFLOW_ERROR (virtflow_error_quark())

/**
 * VirtFlowError:
 * @VIRTFLOW_ERROR_FAILED: anything without a better code
 * @VIRTFLOW_ERROR_INVALID_ARGUMENT: malformed input: an address, a name, XML from the user
 * @VIRTFLOW_ERROR_NOT_FOUND: a device, group or VM that does not exist
 * @VIRTFLOW_ERROR_NO_IOMMU: the IOMMU is off or absent
 * @VIRTFLOW_ERROR_VFIO_UNAVAILABLE: vfio-pci is neither loaded, built in nor loadable
 * @VIRTFLOW_ERROR_GROUP_NOT_VIABLE: the IOMMU group holds something VirtFlow must not take
 * @VIRTFLOW_ERROR_DEVICE_IN_USE: processes hold the device, or a display is on it
 * @VIRTFLOW_ERROR_BOOT_VGA: the device is the firmware's boot display
 * @VIRTFLOW_ERROR_PERMISSION: a write was refused (EACCES, EPERM)
 * @VIRTFLOW_ERROR_TIMEOUT: a write or a wait missed its deadline
 * @VIRTFLOW_ERROR_IO: a read or write failed for another reason
 * @VIRTFLOW_ERROR_READ_ONLY: a change was asked of a host opened read-only
 * @VIRTFLOW_ERROR_VERIFY: the operation ran but the result is not what it must be
 * @VIRTFLOW_ERROR_BUSY: another VirtFlow operation holds the lock, or this object is running
 * @VIRTFLOW_ERROR_LIBVIRT: libvirt said no; its message is kept
 * @VIRTFLOW_ERROR_XML: malformed or unexpected domain XML
 *
 * The codes of #VIRTFLOW_ERROR. They are, value for value, the C library's `VfErrorCode`.
 */
typedef enum /*< underscore_name=virtflow_error >*/ {
    VIRTFLOW_ERROR_FAILED,
    VIRTFLOW_ERROR_INVALID_ARGUMENT,
    VIRTFLOW_ERROR_NOT_FOUND,
    VIRTFLOW_ERROR_NO_IOMMU,
    VIRTFLOW_ERROR_VFIO_UNAVAILABLE,
    VIRTFLOW_ERROR_GROUP_NOT_VIABLE,
    VIRTFLOW_ERROR_DEVICE_IN_USE,
    VIRTFLOW_ERROR_BOOT_VGA,
    VIRTFLOW_ERROR_PERMISSION,
    VIRTFLOW_ERROR_TIMEOUT,
    VIRTFLOW_ERROR_IO,
    VIRTFLOW_ERROR_READ_ONLY,
    VIRTFLOW_ERROR_VERIFY,
    VIRTFLOW_ERROR_BUSY,
    VIRTFLOW_ERROR_LIBVIRT,
    VIRTFLOW_ERROR_XML,
} VirtFlowError;

GQuark virtflow_error_quark(void);

const char *virtflow_error_to_nick(VirtFlowError code);

int virtflow_error_get_exit_status(const GError *error);

const char *virtflow_error_get_fix(const GError *error);

G_END_DECLS
