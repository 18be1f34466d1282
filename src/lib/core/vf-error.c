/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/vf-error.h"
#include "core/vf-util.h"

#include <errno.h>
#include <string.h>

/* An extended error domain (GLib 2.68): every VF_ERROR error may carry its fix. Written
 * out rather than with G_DEFINE_EXTENDED_ERROR() so that the quark keeps the name earlier
 * releases registered, "virtflow-error-quark". The private part sits just before the
 * GError, aligned as GLib lays it out. */
typedef struct {
    char *fix;
} VfErrorPrivate;

static VfErrorPrivate *
vf_error_private(const GError *error)
{
    const gsize align = 2 * sizeof(gsize);
    const gsize size = (sizeof(VfErrorPrivate) + (align - 1)) & -align;

    return (VfErrorPrivate *)(((guint8 *)error) - size);
}

static void
vf_error_private_init(GError *error)
{
    vf_error_private(error)->fix = NULL;
}

static void
vf_error_private_copy(const GError *src, GError *dest)
{
    vf_error_private(dest)->fix = g_strdup(vf_error_private(src)->fix);
}

static void
vf_error_private_clear(GError *error)
{
    g_clear_pointer(&vf_error_private(error)->fix, g_free);
}

GQuark
vf_error_quark(void)
{
    static GQuark quark;
    static gsize once;

    if (g_once_init_enter(&once)) {
        quark = g_error_domain_register_static("virtflow-error-quark", sizeof(VfErrorPrivate),
                                               vf_error_private_init, vf_error_private_copy,
                                               vf_error_private_clear);
        g_once_init_leave(&once, 1);
    }
    return quark;
}

static VfErrorPrivate *
vf_error_get_private(const GError *error)
{
    if (error == NULL || error->domain != VF_ERROR)
        return NULL;
    return vf_error_private(error);
}

const char *
vf_error_get_fix(const GError *error)
{
    VfErrorPrivate *priv = vf_error_get_private(error);

    return priv ? priv->fix : NULL;
}

static void
vf_error_set_fix_va(GError *error, const char *format, va_list ap)
{
    VfErrorPrivate *priv = vf_error_get_private(error);

    if (priv == NULL)
        return;
    g_free(priv->fix);
    priv->fix = g_strdup_vprintf(format, ap);
}

void
vf_error_set_fix(GError *error, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vf_error_set_fix_va(error, format, ap);
    va_end(ap);
}

void
vf_error_add_fix(GError **error, const char *format, ...)
{
    va_list ap;

    if (error == NULL)
        return;
    va_start(ap, format);
    vf_error_set_fix_va(*error, format, ap);
    va_end(ap);
}

static const char *const vf_error_code_names[] = {
    [VF_ERROR_FAILED] = "failed",
    [VF_ERROR_INVALID_ARGUMENT] = "invalid-argument",
    [VF_ERROR_NOT_FOUND] = "not-found",
    [VF_ERROR_NO_IOMMU] = "no-iommu",
    [VF_ERROR_VFIO_UNAVAILABLE] = "vfio-unavailable",
    [VF_ERROR_GROUP_NOT_VIABLE] = "group-not-viable",
    [VF_ERROR_DEVICE_IN_USE] = "in-use",
    [VF_ERROR_BOOT_VGA] = "boot-vga",
    [VF_ERROR_PERMISSION] = "permission",
    [VF_ERROR_TIMEOUT] = "timeout",
    [VF_ERROR_IO] = "io",
    [VF_ERROR_READ_ONLY] = "read-only",
    [VF_ERROR_VERIFY] = "verify",
    [VF_ERROR_BUSY] = "busy",
    [VF_ERROR_LIBVIRT] = "libvirt",
    [VF_ERROR_XML] = "xml",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_error_code_names) == VF_ERROR_LAST);

VfErrorCode
vf_error_code_from_string(const char *name)
{
    int i = vf_name_index(vf_error_code_names, VF_ERROR_LAST, name);

    return i < 0 ? VF_ERROR_FAILED : (VfErrorCode)i;
}

const char *
vf_error_code_to_string(VfErrorCode code)
{
    if ((unsigned)code >= VF_ERROR_LAST)
        return "failed";
    return vf_error_code_names[code];
}

void
vf_error_set_errno(GError **error, int errsv, const char *format, ...)
{
    VfErrorCode code;
    g_autofree char *msg = NULL;
    va_list ap;

    if (error == NULL)
        return; /* the *_opt readers: nobody reads the message, do not format it */
    switch (errsv) {
    case EACCES:
    case EPERM:
        code = VF_ERROR_PERMISSION;
        break;
    case ENOENT:
    case ENODEV:
        code = VF_ERROR_NOT_FOUND;
        break;
    case ETIMEDOUT:
        code = VF_ERROR_TIMEOUT;
        break;
    case EROFS:
        code = VF_ERROR_READ_ONLY;
        break;
    case EBUSY:
        code = VF_ERROR_DEVICE_IN_USE;
        break;
    default:
        code = VF_ERROR_IO;
        break;
    }

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, VF_ERROR, code, "%s: %s", msg, g_strerror(errsv));
    if (code == VF_ERROR_PERMISSION)
        vf_error_add_fix(error, "Allow VirtFlow's helper when asked (polkit), or run as an "
                                "administrator");
}

int
vf_error_exit_status(const GError *error)
{
    if (error->domain == G_OPTION_ERROR)
        return 2;
    if (error->domain != VF_ERROR)
        return 1;
    switch ((VfErrorCode)error->code) {
    case VF_ERROR_INVALID_ARGUMENT:
    case VF_ERROR_XML:
        return 2;
    case VF_ERROR_NOT_FOUND:
        return 3;
    case VF_ERROR_NO_IOMMU:
    case VF_ERROR_VFIO_UNAVAILABLE:
    case VF_ERROR_GROUP_NOT_VIABLE:
    case VF_ERROR_DEVICE_IN_USE:
    case VF_ERROR_BOOT_VGA:
        return 4;
    case VF_ERROR_PERMISSION:
    case VF_ERROR_READ_ONLY:
        return 5;
    case VF_ERROR_TIMEOUT:
        return 6;
    case VF_ERROR_BUSY:
        return 7;
    default:
        return 1;
    }
}
