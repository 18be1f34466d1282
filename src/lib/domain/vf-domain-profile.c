/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-domain-profile.h"

#include "core/vf-error.h"
#include "core/vf-util.h"

#include <string.h>

static const char *const vf_view_names[] = {
    [VF_VIEW_MONITOR] = "monitor",
    [VF_VIEW_LOOKING_GLASS] = "looking-glass",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_view_names) == VF_VIEW_LAST);

static const char *const vf_input_kind_names[] = {
    [VF_INPUT_KIND_KEYBOARD] = "keyboard",
    [VF_INPUT_KIND_MOUSE] = "mouse",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_input_kind_names) == VF_INPUT_KIND_LAST);

/* As libvirt spells them (domaincommon.rng, <input type='evdev'> grabToggle). */
static const char *const vf_grab_toggle_names[] = {
    [VF_GRAB_TOGGLE_CTRL_CTRL] = "ctrl-ctrl",
    [VF_GRAB_TOGGLE_ALT_ALT] = "alt-alt",
    [VF_GRAB_TOGGLE_SHIFT_SHIFT] = "shift-shift",
    [VF_GRAB_TOGGLE_META_META] = "meta-meta",
    [VF_GRAB_TOGGLE_SCROLLLOCK] = "scrolllock",
    [VF_GRAB_TOGGLE_CTRL_SCROLLLOCK] = "ctrl-scrolllock",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_grab_toggle_names) == VF_GRAB_TOGGLE_LAST);

static const char *const vf_grab_toggle_phrases[] = {
    [VF_GRAB_TOGGLE_CTRL_CTRL] = "press both Ctrl keys",
    [VF_GRAB_TOGGLE_ALT_ALT] = "press both Alt keys",
    [VF_GRAB_TOGGLE_SHIFT_SHIFT] = "press both Shift keys",
    [VF_GRAB_TOGGLE_META_META] = "press both Super (Windows) keys",
    [VF_GRAB_TOGGLE_SCROLLLOCK] = "press Scroll Lock",
    [VF_GRAB_TOGGLE_CTRL_SCROLLLOCK] = "press Ctrl and Scroll Lock",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_grab_toggle_phrases) == VF_GRAB_TOGGLE_LAST);

static char *
vf_join_names(const char *const *names, guint n)
{
    g_autoptr(GString) str = g_string_new(NULL);
    guint i;

    for (i = 0; i < n; i++) {
        if (i > 0)
            g_string_append(str, i + 1 == n ? " or " : ", ");
        g_string_append(str, names[i]);
    }
    return g_string_free(g_steal_pointer(&str), FALSE);
}

/* The index of @text in @names, or -1 with VF_ERROR_INVALID_ARGUMENT naming it, @what it is
 * meant to be, and the accepted names. */
static int
vf_profile_name_index(const char *const *names, guint n, const char *what, const char *text,
                      GError **error)
{
    int i = vf_name_index(names, n, text);

    if (i < 0) {
        g_autofree char *accepted = vf_join_names(names, n);

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "Unknown %s '%s': use %s", what,
                    text ? text : "", accepted);
    }
    return i;
}

const char *
vf_view_to_string(VfView view)
{
    g_return_val_if_fail(view < VF_VIEW_LAST, NULL);
    return vf_view_names[view];
}

gboolean
vf_view_from_string(const char *text, VfView *ret_view, GError **error)
{
    int i = vf_profile_name_index(vf_view_names, VF_VIEW_LAST, "view", text, error);

    if (i < 0)
        return FALSE;
    *ret_view = (VfView)i;
    return TRUE;
}

const char *
vf_input_kind_to_string(VfInputKind kind)
{
    g_return_val_if_fail(kind < VF_INPUT_KIND_LAST, NULL);
    return vf_input_kind_names[kind];
}

const char *
vf_grab_toggle_to_string(VfGrabToggle toggle)
{
    g_return_val_if_fail(toggle < VF_GRAB_TOGGLE_LAST, NULL);
    return vf_grab_toggle_names[toggle];
}

gboolean
vf_grab_toggle_from_string(const char *text, VfGrabToggle *ret_toggle, GError **error)
{
    int i = vf_profile_name_index(vf_grab_toggle_names, VF_GRAB_TOGGLE_LAST, "grab toggle", text,
                                  error);

    if (i < 0)
        return FALSE;
    *ret_toggle = (VfGrabToggle)i;
    return TRUE;
}

const char *
vf_grab_toggle_describe(VfGrabToggle toggle)
{
    g_return_val_if_fail(toggle < VF_GRAB_TOGGLE_LAST, NULL);
    return vf_grab_toggle_phrases[toggle];
}

VfEvdevInput *
vf_evdev_input_new(VfInputKind kind, const char *path)
{
    VfEvdevInput *input = g_new0(VfEvdevInput, 1);

    input->kind = kind;
    input->path = g_strdup(path);
    return input;
}

void
vf_evdev_input_free(VfEvdevInput *input)
{
    if (input == NULL)
        return;
    g_free(input->path);
    g_free(input);
}

VfProfile *
vf_profile_new(void)
{
    VfProfile *profile = g_new0(VfProfile, 1);

    profile->view = VF_VIEW_MONITOR;
    profile->grab_toggle = VF_GRAB_TOGGLE_CTRL_CTRL;
    profile->evdev = g_ptr_array_new_with_free_func((GDestroyNotify)vf_evdev_input_free);
    return profile;
}

VfProfile *
vf_profile_copy(const VfProfile *profile)
{
    VfProfile *copy;
    guint i;

    if (profile == NULL)
        return NULL;
    copy = vf_profile_new();
    copy->view = profile->view;
    copy->lg_width = profile->lg_width;
    copy->lg_height = profile->lg_height;
    copy->grab_toggle = profile->grab_toggle;
    copy->virtio_input = profile->virtio_input;
    copy->usb_controller = g_strdup(profile->usb_controller);
    for (i = 0; profile->evdev != NULL && i < profile->evdev->len; i++) {
        const VfEvdevInput *input = g_ptr_array_index(profile->evdev, i);

        g_ptr_array_add(copy->evdev, vf_evdev_input_new(input->kind, input->path));
    }
    return copy;
}

void
vf_profile_free(VfProfile *profile)
{
    if (profile == NULL)
        return;
    g_clear_pointer(&profile->evdev, g_ptr_array_unref);
    g_free(profile->usb_controller);
    g_free(profile);
}

guint
vf_profile_lg_size_mib(guint width, guint height)
{
    guint64 bytes;
    guint64 mib;
    guint size = 1;

    if (width == 0 || height == 0 || width > VF_LG_MAX_DIMENSION || height > VF_LG_MAX_DIMENSION)
        return 0;
    /* Two frames of 32-bit pixels, plus 10 MiB for Looking Glass's own structures, rounded
     * up to whole MiB and then to a power of two (install_libvirt.rst, "Determining
     * memory"). 16384 x 16384 x 8 is 2 GiB: no overflow in 64 bits. */
    bytes = (guint64)width * height * 4 * 2;
    mib = (bytes + (1024 * 1024 - 1)) / (1024 * 1024) + 10;
    while (size < mib)
        size <<= 1;
    return size;
}

static gboolean
vf_parse_dimension(const char *start, const char *end, guint *out)
{
    guint64 value = 0;
    const char *p;

    if (start == end || end - start > 5)
        return FALSE;
    for (p = start; p < end; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        value = value * 10 + (guint64)(*p - '0');
    }
    *out = (guint)value;
    return TRUE;
}

gboolean
vf_profile_parse_resolution(const char *text, guint *ret_width, guint *ret_height, GError **error)
{
    const char *x = text ? strchr(text, 'x') : NULL;
    guint width = 0;
    guint height = 0;

    if (x == NULL || !vf_parse_dimension(text, x, &width) ||
        !vf_parse_dimension(x + 1, x + strlen(x), &height) || width == 0 || height == 0 ||
        width > VF_LG_MAX_DIMENSION || height > VF_LG_MAX_DIMENSION) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Resolution '%s' is not WIDTHxHEIGHT with each between 1 and %u (for "
                    "example 1920x1080)",
                    text ? text : "", VF_LG_MAX_DIMENSION);
        return FALSE;
    }
    *ret_width = width;
    *ret_height = height;
    return TRUE;
}
