/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-profile.h: how an activated VM is used — where its picture goes and how the
 * user types into it
 *
 * A passthrough is a profile, not only a GPU. Beside the GPU's functions, Activate takes:
 *  - a view: `monitor` (the picture is on the monitor plugged into the GPU's outputs; no
 *    virtual display at all) or `looking-glass` (an ivshmem frame buffer that the
 *    looking-glass-client shows in a window on the host's iGPU; SPICE is kept, without a
 *    network address, for input, clipboard and audio);
 *  - the input: evdev keyboard/mouse devices of the host handed over to the VM with a
 *    grab toggle (libvirt >= 7.4 `<input type='evdev'>`), and/or VirtIO keyboard and
 *    mouse when the guest has the drivers. (A USB controller handed over as a whole is a
 *    passthrough device like the GPU's functions; the profile only names it.)
 *
 * The profile is recorded in VirtFlow's <metadata> record together with the devices, so
 * that Deactivate removes exactly what Activate added, Start and the hook's prepare can
 * check the evdev devices still exist, and front ends can say how the VM is used.
 *
 * Pure data: no I/O, no libvirt.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    VF_VIEW_MONITOR,       /* "monitor" */
    VF_VIEW_LOOKING_GLASS, /* "looking-glass" */
    VF_VIEW_LAST
} VfView;

const char *vf_view_to_string(VfView view);
/* FALSE with VF_ERROR_INVALID_ARGUMENT naming @text and the accepted values. */
gboolean vf_view_from_string(const char *text, VfView *ret_view, GError **error);

typedef enum {
    VF_INPUT_KIND_KEYBOARD, /* "keyboard": carries grab='all' and the grab toggle */
    VF_INPUT_KIND_MOUSE,    /* "mouse" */
    VF_INPUT_KIND_LAST
} VfInputKind;

const char *vf_input_kind_to_string(VfInputKind kind);

/* libvirt's grabToggle values (libvirt >= 7.4), as libvirt spells them. */
typedef enum {
    VF_GRAB_TOGGLE_CTRL_CTRL,       /* "ctrl-ctrl" (default) */
    VF_GRAB_TOGGLE_ALT_ALT,         /* "alt-alt" */
    VF_GRAB_TOGGLE_SHIFT_SHIFT,     /* "shift-shift" */
    VF_GRAB_TOGGLE_META_META,       /* "meta-meta" */
    VF_GRAB_TOGGLE_SCROLLLOCK,      /* "scrolllock" */
    VF_GRAB_TOGGLE_CTRL_SCROLLLOCK, /* "ctrl-scrolllock" */
    VF_GRAB_TOGGLE_LAST
} VfGrabToggle;

const char *vf_grab_toggle_to_string(VfGrabToggle toggle);
gboolean vf_grab_toggle_from_string(const char *text, VfGrabToggle *ret_toggle, GError **error);
/* What to tell the user at every start: "press both Ctrl keys" for ctrl-ctrl,
 * "press Scroll Lock" for scrolllock, ... (a phrase; the caller finishes the sentence:
 * "… to switch the keyboard and mouse between host and VM"). */
const char *vf_grab_toggle_describe(VfGrabToggle toggle);

typedef struct {
    VfInputKind kind;
    char *path; /* "/dev/input/by-id/usb-Logitech_K120-event-kbd": a by-id path */
} VfEvdevInput;

VfEvdevInput *vf_evdev_input_new(VfInputKind kind, const char *path);
void vf_evdev_input_free(VfEvdevInput *input);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfEvdevInput, vf_evdev_input_free)

/* Looking Glass frame sizes accepted: 1..16384 in each direction. */
#define VF_LG_MAX_DIMENSION 16384

typedef struct {
    VfView view;
    guint lg_width, lg_height; /* looking-glass: the guest resolution the shm is sized for */
    GPtrArray *evdev;          /* VfEvdevInput *: handed over with <input type='evdev'> */
    VfGrabToggle grab_toggle;  /* for the keyboard's grabToggle */
    gboolean virtio_input;     /* add <input type='keyboard|mouse' bus='virtio'/> */
    char *usb_controller;      /* host address of a USB controller passed through as the
                                * input, or NULL (it is also one of the passthrough devices) */
} VfProfile;

/* The default profile: monitor view, no evdev input, ctrl-ctrl, no virtio input. */
VfProfile *vf_profile_new(void);
VfProfile *vf_profile_copy(const VfProfile *profile);
void vf_profile_free(VfProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfProfile, vf_profile_free)

/*
 * The size of the Looking Glass shared memory for a guest of @width x @height, in MiB:
 * width * height * 4 bytes * 2 frames + 10 MiB, rounded up to a power of two
 * (1920x1080 -> 32, 2560x1440 -> 64, 3840x2160 -> 128), as gnif/LookingGlass
 * doc/ivshmem_kvmfr.rst computes it. 0 when a dimension is 0 or above VF_LG_MAX_DIMENSION.
 */
guint vf_profile_lg_size_mib(guint width, guint height);

/* Parses "WxH" ("1920x1080"); FALSE with VF_ERROR_INVALID_ARGUMENT naming @text and the
 * accepted range for 0x0, 99999x99999, "1920", "x", ... */
gboolean vf_profile_parse_resolution(const char *text, guint *ret_width, guint *ret_height,
                                     GError **error);

G_END_DECLS
