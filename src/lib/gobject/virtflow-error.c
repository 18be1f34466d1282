/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The error domain: the C library's own quark, its codes under GObject names.
 */
#include "virtflow-private.h"

/* The public enum is the internal one, value for value: errors cross unchanged. */
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_FAILED == (int)VF_ERROR_FAILED);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_INVALID_ARGUMENT == (int)VF_ERROR_INVALID_ARGUMENT);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_NOT_FOUND == (int)VF_ERROR_NOT_FOUND);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_NO_IOMMU == (int)VF_ERROR_NO_IOMMU);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_VFIO_UNAVAILABLE == (int)VF_ERROR_VFIO_UNAVAILABLE);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_GROUP_NOT_VIABLE == (int)VF_ERROR_GROUP_NOT_VIABLE);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_DEVICE_IN_USE == (int)VF_ERROR_DEVICE_IN_USE);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_BOOT_VGA == (int)VF_ERROR_BOOT_VGA);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_PERMISSION == (int)VF_ERROR_PERMISSION);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_TIMEOUT == (int)VF_ERROR_TIMEOUT);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_IO == (int)VF_ERROR_IO);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_READ_ONLY == (int)VF_ERROR_READ_ONLY);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_VERIFY == (int)VF_ERROR_VERIFY);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_BUSY == (int)VF_ERROR_BUSY);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_LIBVIRT == (int)VF_ERROR_LIBVIRT);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_XML == (int)VF_ERROR_XML);
G_STATIC_ASSERT((int)VIRTFLOW_ERROR_XML + 1 == (int)VF_ERROR_LAST);

/**
 * virtflow_error_quark:
 *
 * The quark of #VIRTFLOW_ERROR.
 *
 * Returns: the quark "virtflow-error-quark", shared with the C library
 */
GQuark
virtflow_error_quark(void)
{
    return vf_error_quark();
}

/**
 * virtflow_error_to_nick:
 * @code: a #VirtFlowError
 *
 * The short stable name of @code, as `virtflow … --json` prints it in "error.code":
 * "no-iommu", "in-use", "read-only", …
 *
 * Returns: (transfer none): a static string
 */
const char *
virtflow_error_to_nick(VirtFlowError code)
{
    return vf_error_code_to_string((VfErrorCode)code);
}

/**
 * virtflow_error_get_exit_status:
 * @error: a #GError
 *
 * The exit status a VirtFlow program gives for @error: 1 failed (the host was put back),
 * 2 usage or malformed input, 3 not found, 4 refused by a safety check, 5 permission or
 * read-only, 6 timeout, 7 busy.
 *
 * Returns: the exit status
 */
int
virtflow_error_get_exit_status(const GError *error)
{
    g_return_val_if_fail(error != NULL, 1);
    return vf_error_exit_status(error);
}

/**
 * virtflow_error_get_fix:
 * @error: a #GError
 *
 * What the person should do about @error, said where the failure happened: the guest
 * agent to install, the firmware setting to turn on, the program holding the GPU to
 * close. The code alone cannot say it (a VM that is gone and a guest agent that does not
 * answer are both %VIRTFLOW_ERROR_NOT_FOUND).
 *
 * Returns: (transfer none) (nullable): the fix, or %NULL when @error carries none (or is
 *   not in #VIRTFLOW_ERROR)
 */
const char *
virtflow_error_get_fix(const GError *error)
{
    return vf_error_get_fix(error);
}
