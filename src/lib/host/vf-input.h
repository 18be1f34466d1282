/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-input.h: the host's keyboards and mice, for handing them over to a VM
 *
 * Reads /dev/input/by-id (the links udev makes: "*-event-kbd", "*-event-mouse") and
 * /sys/class/input under the VfHost root. Only devices with a by-id link are ever offered:
 * the eventN numbers change from boot to boot, a by-id path does not, and it is what the
 * domain XML records. No libvirt.
 */
#pragma once

#include "domain/vf-domain-profile.h"
#include "host/vf-host.h"

G_BEGIN_DECLS

typedef struct {
    char *by_id;          /* "/dev/input/by-id/usb-Logitech_USB_Keyboard-event-kbd" */
    char *event;          /* "/dev/input/event3": the node the link points to */
    char *name;           /* "Logitech USB Keyboard" (/sys/class/input/event3/device/name) */
    VfInputKind kind;     /* from the link's suffix */
    char *pci_address;    /* the PCI function it sits behind ("0000:00:14.0", its USB
                           * controller), found by walking /sys/class/input/eventN/device up;
                           * NULL when there is none (a virtual or platform device) */
    gint64 last_input_us; /* when it last had input, CLOCK_REALTIME µs; 0 when unknown */
} VfInputDevice;

void vf_input_device_free(VfInputDevice *device);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfInputDevice, vf_input_device_free)

/*
 * Every keyboard and mouse with a by-id link, the ones with the most recent input first.
 *
 * Returns: (transfer full) (element-type VfInputDevice): possibly empty; NULL with @error
 * only when /dev/input cannot be read at all.
 */
GPtrArray *vf_input_list(VfHost *host, GError **error);

/*
 * `--input auto`: the keyboard and the mouse the user is using (the most recent input of
 * each kind, see vf_input_list()).
 *
 * Returns: (transfer full) (element-type VfEvdevInput): one keyboard and/or one mouse
 * (empty when the host has none, with a reason in @ret_note when not NULL); NULL with
 * @error when the input devices cannot be read.
 */
GPtrArray *vf_input_pick_auto(VfHost *host, char **ret_note, GError **error);

/*
 * A `--input DEVICE` argument, or a recorded evdev path at Start and in the hook's
 * prepare: @path must be under /dev/input/, exist, and be (or link to) an evdev character
 * device (major 13, minor >= 64).
 *
 * Returns: TRUE and sets @ret_device; FALSE with @error naming the path and the fix:
 * VF_ERROR_NOT_FOUND for a missing device or a by-id link to nothing ("plug it in, or
 * run 'virtflow activate VM --input …' again"), VF_ERROR_INVALID_ARGUMENT for a path
 * that is not an evdev device.
 */
gboolean vf_input_check_evdev(VfHost *host, const char *path, VfInputDevice **ret_device,
                              GError **error);

/*
 * `--input usb-controller:BDF`: @address must be a USB controller (class 0x0c03), its
 * IOMMU group viable on its own (every other endpoint of the group is on the controller's
 * slot), and none of @in_use (VfInputDevice *: the keyboard and mouse VirtFlow is being
 * run from; NULL: every keyboard and mouse that had input) may sit behind it.
 *
 * Returns: TRUE, or FALSE with VF_ERROR_INVALID_ARGUMENT (not a USB controller),
 * VF_ERROR_GROUP_NOT_VIABLE (the group's other devices named) or VF_ERROR_DEVICE_IN_USE (the
 * keyboard or mouse named, with the fix).
 */
gboolean vf_input_check_usb_controller(VfHost *host, const char *address, GPtrArray *in_use,
                                       GError **error);

G_END_DECLS
