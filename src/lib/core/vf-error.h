/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-error.h: the one error domain of libvirtflow
 *
 * Every public function that can fail takes a GError ** and sets it exactly when it
 * fails, in this domain, with a message that names the device, the path and the fix.
 * Front ends map the codes: the CLI to exit statuses, the GUI to messages.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VF_ERROR (vf_error_quark())

typedef enum {
    VF_ERROR_FAILED,           /* anything without a better code */
    VF_ERROR_INVALID_ARGUMENT, /* malformed input: address, name, XML from the user */
    VF_ERROR_NOT_FOUND,        /* a device, group or VM that does not exist */
    VF_ERROR_NO_IOMMU,         /* the IOMMU is off or absent */
    VF_ERROR_VFIO_UNAVAILABLE, /* vfio-pci neither loaded, built in nor loadable */
    VF_ERROR_GROUP_NOT_VIABLE, /* the IOMMU group holds something we must not take */
    VF_ERROR_DEVICE_IN_USE,    /* processes hold the device, or a display is on it */
    VF_ERROR_BOOT_VGA,         /* the firmware's boot display */
    VF_ERROR_PERMISSION,       /* EACCES/EPERM on a write */
    VF_ERROR_TIMEOUT,          /* a write or a wait missed its deadline */
    VF_ERROR_IO,               /* a read or write failed for another reason */
    VF_ERROR_READ_ONLY,        /* a write was asked of a host opened read-only */
    VF_ERROR_VERIFY,           /* the operation ran but the result is not what it must be */
    VF_ERROR_BUSY,             /* another VirtFlow operation holds the lock */
    VF_ERROR_LIBVIRT,          /* libvirt said no; its message is kept */
    VF_ERROR_XML,              /* malformed or unexpected domain XML */
    VF_ERROR_LAST
} VfErrorCode;

GQuark vf_error_quark(void);

/*
 * The fix a person should try, attached to a VF_ERROR error where the failure happened
 * (the code alone cannot say it: a VM that is gone and a guest agent that does not answer
 * are both NOT_FOUND). Front ends show it beside the message; it is worded for any of
 * them ("force it off", not "--force"). It survives g_prefix_error() and g_error_copy().
 * vf_error_get_fix(): NULL when none was attached or @error is not in VF_ERROR.
 * vf_error_set_fix(): replaces any earlier fix; a no-op on NULL or another domain.
 */
const char *vf_error_get_fix(const GError *error);
void vf_error_set_fix(GError *error, const char *format, ...) G_GNUC_PRINTF(2, 3);
/* The fix of a guest agent that does not answer, wherever that is found. */
#define VF_FIX_GUEST_AGENT                                                                         \
    "Install the QEMU guest agent in the guest (Windows: the virtio-win guest tools) and give "    \
    "the VM its channel (virt-manager: Add Hardware, Channel, org.qemu.guest_agent.0); or "        \
    "activate anyway if the guest already has its VirtIO drivers"

/* vf_error_set_fix() on *@error when @error and *@error are set (for GError ** callers). */
void vf_error_add_fix(GError **error, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* The short stable name of a code ("no-iommu", "in-use", ...), for JSON and logs. */
const char *vf_error_code_to_string(VfErrorCode code);
/* The code of a name vf_error_code_to_string() gave; VF_ERROR_FAILED for any other. */
VfErrorCode vf_error_code_from_string(const char *name);

/*
 * The exit status of a VirtFlow program (virtflow, virtflow-helper) that failed with
 * @error: 1 failed (the host was put back), 2 usage or malformed input, 3 not found,
 * 4 refused by a safety check, 5 permission or read-only, 6 timeout, 7 busy.
 */
int vf_error_exit_status(const GError *error);

/* Set @error from errno @errsv: EACCES/EPERM → PERMISSION, ENOENT/ENODEV → NOT_FOUND,
 * ETIMEDOUT → TIMEOUT, EROFS → READ_ONLY, everything else → IO. */
void vf_error_set_errno(GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS
