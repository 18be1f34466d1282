/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-input: the host's keyboards and mice as `--input` sees them (host/vf-input.h), on
 * model trees with /dev/input/by-id links, eventN nodes and the input core's sysfs
 */
#include "vf-test-util.h"

#include "host/vf-input-private.h"
#include "host/vf-input.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define BY_ID "/dev/input/by-id/"

#define KBD       "usb-Logitech_USB_Keyboard-event-kbd"
#define MOUSE     "usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-event-mouse"
#define MACRO_KBD "usb-Logitech_G502_HERO_Gaming_Mouse_0E6D395D3333-if01-event-kbd"

/* the chipset's xHCI with a keyboard; an add-in USB card behind a root port with a mouse */
static const VfKmodelDevice vf_two_controllers_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128"},
    {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 3, -1},
    {"0000:00:1c.0", 0x060400, 0x8086, 0x7ab8, "pcieport", NULL, 7, -1},
    {"0000:05:00.0", 0x0c0330, 0x1912, 0x0015, "xhci_hcd", "xhci_pci", 8, -1, "0000:00:1c.0"},
    {"0000:06:00.0", 0x010802, 0x144d, 0xa80a, "nvme", NULL, 9, -1},
    {NULL},
};

static const VfKmodelInput vf_two_controllers_inputs[] = {
    {4, VF_KMODEL_INPUT_KEYBOARD, "Logitech USB Keyboard", KBD, "0000:00:14.0", 2, 0},
    {5, VF_KMODEL_INPUT_MOUSE, "Logitech G502 HERO Gaming Mouse", MOUSE, "0000:05:00.0", 1, 0},
    {0},
};

static const VfKmodelHost vf_two_controllers_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 xhci_pci nvme",
    .devices = vf_two_controllers_devices,
    .inputs = vf_two_controllers_inputs,
};

static VfTestHost *
vf_input_host(const VfKmodelInput *inputs)
{
    VfKmodelHost spec = vf_two_controllers_host;

    spec.inputs = inputs;
    return vf_test_host_new(&spec, FALSE);
}

/* "KIND:PATH KIND:PATH", the by-id directory left out */
static char *
vf_picked(GPtrArray *picked)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; picked && i < picked->len; i++) {
        const VfEvdevInput *in = picked->pdata[i];
        const char *path = in->path;

        if (g_str_has_prefix(path, BY_ID))
            path += strlen(BY_ID);
        g_string_append_printf(out, "%s%s:%s", i ? " " : "",
                               in->kind == VF_INPUT_KIND_KEYBOARD ? "keyboard" : "mouse", path);
    }
    return g_string_free(out, FALSE);
}

static char *
vf_listed(GPtrArray *devices)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; devices && i < devices->len; i++) {
        const VfInputDevice *dev = devices->pdata[i];

        g_string_append_printf(out, "%s%s", i ? " " : "", dev->by_id + strlen(BY_ID));
    }
    return g_string_free(out, FALSE);
}

/* ---- the kernel's numbers and bitmaps ---- */

static void
test_devnum(void)
{
    /* /dev/null, /dev/input/js0, mouse0, mice: not evdev */
    g_assert_false(vf_input_devnum_is_evdev(1, 3, NULL));
    g_assert_false(vf_input_devnum_is_evdev(1, 70, NULL));
    g_assert_false(vf_input_devnum_is_evdev(13, 0, NULL));
    g_assert_false(vf_input_devnum_is_evdev(13, 32, NULL));
    g_assert_false(vf_input_devnum_is_evdev(13, 63, NULL));
    /* event0, event31, the dynamic minors past 32 event devices */
    g_assert_true(vf_input_devnum_is_evdev(13, 64, NULL));
    g_assert_true(vf_input_devnum_is_evdev(13, 95, NULL));
    g_assert_true(vf_input_devnum_is_evdev(13, 300, NULL));
    /* sysfs's name decides where it says: a dynamic minor can be a joystick */
    g_assert_false(vf_input_devnum_is_evdev(13, 300, "js40"));
    g_assert_true(vf_input_devnum_is_evdev(13, 300, "event40"));
    g_assert_false(vf_input_devnum_is_evdev(1, 3, "null"));
}

static void
test_bitmap(void)
{
    /* a keyboard's ev: SYN KEY MSC LED REP */
    g_assert_true(vf_input_bitmap_test("120013\n", 0x14));
    g_assert_true(vf_input_bitmap_test("120013", 0x11));
    g_assert_false(vf_input_bitmap_test("120013", 2));
    /* a mouse's key: BTN_LEFT..BTN_TASK in the fifth 64-bit word */
    g_assert_true(vf_input_bitmap_test("ff0000 0 0 0 0\n", 0x110));
    g_assert_true(vf_input_bitmap_test("ff0000 0 0 0 0", 0x117));
    g_assert_false(vf_input_bitmap_test("ff0000 0 0 0 0", 0x118));
    g_assert_false(vf_input_bitmap_test("ff0000 0 0 0 0", 0x10));
    g_assert_false(vf_input_bitmap_test("ff0000 0 0 0 0", 0x500));
    g_assert_false(vf_input_bitmap_test(NULL, 0));
    g_assert_false(vf_input_bitmap_test("zz", 0));
}

/* ---- listing and --input auto ---- */

/* The demo machine: a USB keyboard, a gaming mouse whose macro keys are a second keyboard
 * (its by-id link sorts first), a power button without a by-id link. */
static void
test_demo_auto(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = vf_input_list(th->host, &error);
    g_autoptr(GPtrArray) picked = NULL;
    g_autofree char *note = NULL;
    g_autofree char *listed = NULL;
    g_autofree char *pick = NULL;
    const VfInputDevice *kbd;

    g_assert_no_error(error);
    listed = vf_listed(list);
    g_assert_cmpstr(listed, ==, KBD " " MOUSE " " MACRO_KBD);
    kbd = list->pdata[0];
    g_assert_cmpstr(kbd->event, ==, "/dev/input/event4");
    g_assert_cmpstr(kbd->name, ==, "Logitech USB Keyboard");
    g_assert_cmpint(kbd->kind, ==, VF_INPUT_KIND_KEYBOARD);
    g_assert_cmpstr(kbd->pci_address, ==, "0000:0b:00.0");
    g_assert_cmpint(kbd->last_input_us, ==, 0);
    g_assert_cmpint(((VfInputDevice *)list->pdata[1])->kind, ==, VF_INPUT_KIND_MOUSE);

    picked = vf_input_pick_auto(th->host, &note, &error);
    g_assert_no_error(error);
    pick = vf_picked(picked);
    g_assert_cmpstr(pick, ==, "keyboard:" KBD " mouse:" MOUSE);
    vf_assert_contains(note, "2 keyboards: picked " BY_ID KBD " (Logitech USB Keyboard)");
    vf_assert_contains(note, "not picked: " BY_ID MACRO_KBD);
    vf_assert_contains(note, "Choose with --input DEVICE");
    vf_assert_not_contains(note, "mice");
}

static void
test_one_of_each(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_two_controllers_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *note = NULL;
    g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, &error);
    g_autoptr(GPtrArray) list = vf_input_list(th->host, &error);
    g_autofree char *pick = vf_picked(picked);

    g_assert_no_error(error);
    g_assert_cmpstr(pick, ==, "keyboard:" KBD " mouse:" MOUSE);
    g_assert_null(note); /* no choice was made: nothing to say */
    /* the mouse is on the add-in card, behind a root port: the card is its PCI device */
    g_assert_cmpuint(list->len, ==, 2);
    g_assert_cmpstr(((VfInputDevice *)list->pdata[1])->pci_address, ==, "0000:05:00.0");
}

/* Several keyboards: the one that looks most like the keyboard the user types on wins,
 * whatever the order of the links; each case turns on one rule. */
static const struct {
    const char *name;
    VfKmodelInput inputs[3];
    const char *picked;
} vf_keyboard_cases[] = {
    {"letter keys: a power button's keys are not a keyboard",
     {{3, VF_KMODEL_INPUT_POWER_BUTTON, "Power Keys", "usb-A_Power-event-kbd", "0000:00:14.0", 1},
      {4, VF_KMODEL_INPUT_MACRO_KEYS, "Typing Keyboard", "usb-B_Keyboard-if01-event-kbd",
       "0000:00:14.0", 2, 1}},
     "keyboard:usb-B_Keyboard-if01-event-kbd"},
    {"the first USB interface: a mouse's macro keys are on another one",
     {{3, VF_KMODEL_INPUT_KEYBOARD, "Mouse Keyboard", "usb-A_Mouse-if01-event-kbd", "0000:00:14.0",
       1, 1},
      {4, VF_KMODEL_INPUT_KEYBOARD, "Typing Keyboard", "usb-B_Keyboard-event-kbd", "0000:00:14.0",
       2, 0}},
     "keyboard:usb-B_Keyboard-event-kbd"},
    {"lock LEDs",
     {{3, VF_KMODEL_INPUT_MACRO_KEYS, "Macro Pad", "usb-A_Pad-event-kbd", "0000:00:14.0", 1, 0},
      {4, VF_KMODEL_INPUT_KEYBOARD, "Typing Keyboard", "usb-B_Keyboard-event-kbd", "0000:00:14.0",
       2, 0}},
     "keyboard:usb-B_Keyboard-event-kbd"},
};

static void
test_several_keyboards(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_keyboard_cases); i++) {
        g_autoptr(VfTestHost) th = vf_input_host(vf_keyboard_cases[i].inputs);
        g_autoptr(GError) error = NULL;
        g_autofree char *note = NULL;
        g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, &error);
        g_autofree char *pick = vf_picked(picked);
        const char *loser = vf_keyboard_cases[i].inputs[0].by_id;

        g_test_message("case: %s", vf_keyboard_cases[i].name);
        g_assert_no_error(error);
        g_assert_cmpstr(pick, ==, vf_keyboard_cases[i].picked);
        vf_assert_contains(note, "2 keyboards: picked");
        vf_assert_contains(note, loser);
        /* the host has no mouse: said too */
        vf_assert_contains(note, "No mouse has a /dev/input/by-id link");
    }
}

/* A keyboard-like device without letter keys is listed but never handed over by auto. */
static void
test_no_real_keyboard(void)
{
    static const VfKmodelInput inputs[] = {
        {3, VF_KMODEL_INPUT_POWER_BUTTON, "Power Keys", "usb-A_Power-event-kbd", "0000:00:14.0", 1},
        {0},
    };
    g_autoptr(VfTestHost) th = vf_input_host(inputs);
    g_autoptr(GError) error = NULL;
    g_autofree char *note = NULL;
    g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(picked->len, ==, 0);
    vf_assert_contains(note, "None of the keyboards with a /dev/input/by-id link has letter keys");
    vf_assert_contains(note, BY_ID "usb-A_Power-event-kbd (Power Keys)");
}

/* A device without a by-id link is never offered, even when it is the only keyboard. */
static void
test_no_by_id(void)
{
    static const VfKmodelInput inputs[] = {
        {2, VF_KMODEL_INPUT_KEYBOARD, "AT Translated Set 2 keyboard", NULL, NULL},
        {3, VF_KMODEL_INPUT_MOUSE, "Logitech G502 HERO Gaming Mouse", MOUSE, "0000:00:14.0", 1},
        {0},
    };
    g_autoptr(VfTestHost) th = vf_input_host(inputs);
    g_autoptr(GError) error = NULL;
    g_autofree char *note = NULL;
    g_autoptr(GPtrArray) list = vf_input_list(th->host, &error);
    g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, &error);
    g_autofree char *listed = vf_listed(list);
    g_autofree char *pick = vf_picked(picked);
    g_autofree char *node = vf_test_host_path(th, "dev/input/event2");

    g_assert_no_error(error);
    g_assert_true(g_file_test(node, G_FILE_TEST_EXISTS)); /* the keyboard is there */
    g_assert_cmpstr(listed, ==, MOUSE);
    g_assert_cmpstr(pick, ==, "mouse:" MOUSE);
    vf_assert_contains(note, "No keyboard has a /dev/input/by-id link");
}

/* A host without /dev/input at all (the model trees of the other tests): nothing, no error. */
static void
test_no_input_dir(void)
{
    static const VfKmodelDevice devices[] = {
        {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
        {NULL},
    };
    static const VfKmodelHost spec = {.devices = devices};
    g_autoptr(VfTestHost) th = vf_test_host_new(&spec, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *note = NULL;
    g_autoptr(GPtrArray) list = vf_input_list(th->host, &error);
    g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, &error);

    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 0);
    g_assert_cmpuint(picked->len, ==, 0);
    vf_assert_contains(note, "No keyboard has a /dev/input/by-id link");
}

/* ---- --input DEVICE ---- */

static void
test_check_ok(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfInputDevice) dev = NULL;

    g_assert_true(vf_input_check_evdev(th->host, BY_ID MACRO_KBD, &dev, &error));
    g_assert_no_error(error);
    g_assert_nonnull(dev);
    if (dev == NULL)
        return;
    g_assert_cmpstr(dev->by_id, ==, BY_ID MACRO_KBD);
    g_assert_cmpstr(dev->event, ==, "/dev/input/event6");
    g_assert_cmpstr(dev->name, ==, "Logitech G502 HERO Gaming Mouse Keyboard");
    g_assert_cmpint(dev->kind, ==, VF_INPUT_KIND_KEYBOARD);
    g_assert_cmpstr(dev->pci_address, ==, "0000:0b:00.0");
}

/* An unplugged keyboard: its by-id link points to nothing. */
static void
test_check_unplugged(void)
{
    static const VfKmodelInput inputs[] = {
        {9, VF_KMODEL_INPUT_KEYBOARD, "Logitech USB Keyboard", KBD, "0000:00:14.0", 2, 0, TRUE},
        {0},
    };
    g_autoptr(VfTestHost) th = vf_input_host(inputs);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfInputDevice) dev = NULL;
    g_autoptr(GPtrArray) list = NULL;

    g_assert_false(vf_input_check_evdev(th->host, BY_ID KBD, &dev, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), BY_ID KBD);
    vf_assert_contains(VF_MSG(error), "/dev/input/event9, which does not exist");
    vf_assert_contains(VF_MSG(error), "Plug it in, or run 'virtflow activate VM --input");
    g_assert_null(dev);
    g_clear_error(&error);

    /* a path that does not exist at all */
    g_assert_false(vf_input_check_evdev(th->host, BY_ID "usb-Gone-event-kbd", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), BY_ID "usb-Gone-event-kbd");
    vf_assert_contains(VF_MSG(error), "Plug it in");
    g_clear_error(&error);

    /* never offered either */
    list = vf_input_list(th->host, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 0);
}

/* The keyboard is unplugged after Activate: udev removes its node and its by-id link. */
static void
test_check_unplugged_later(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GPtrArray) picked = NULL;
    g_autofree char *listed = NULL;
    g_autofree char *pick = NULL;
    g_autofree char *note = NULL;

    g_assert_true(vf_input_check_evdev(th->host, BY_ID KBD, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(vf_kmodel_unplug_input(th->root, 4));
    g_assert_false(vf_kmodel_unplug_input(th->root, 4));

    g_assert_false(vf_input_check_evdev(th->host, BY_ID KBD, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), "'" BY_ID KBD "' does not exist: it is unplugged");
    vf_assert_contains(VF_MSG(error), "Plug it in, or run 'virtflow activate VM --input");
    g_clear_error(&error);

    /* what is left: the mouse, and the mouse's macro keys as the only keyboard */
    list = vf_input_list(th->host, &error);
    g_assert_no_error(error);
    listed = vf_listed(list);
    g_assert_cmpstr(listed, ==, MOUSE " " MACRO_KBD);
    picked = vf_input_pick_auto(th->host, &note, &error);
    pick = vf_picked(picked);
    g_assert_cmpstr(pick, ==, "keyboard:" MACRO_KBD " mouse:" MOUSE);
}

static void
test_check_not_evdev(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autofree char *plain = vf_test_host_path(th, "dev/input/by-id/usb-Plain-event-kbd");
    g_autofree char *fifo = vf_test_host_path(th, "dev/input/by-id/usb-Fifo-event-kbd");
    g_autofree char *null_link = vf_test_host_path(th, "dev/input/by-id/usb-Null-event-kbd");
    g_autofree char *mice_link = vf_test_host_path(th, "dev/input/by-id/usb-Mice-event-mouse");
    static const struct {
        const char *path;
        const char *says;
    } cases[] = {
        {"/dev/input/mice", "input device 13:63 (mice), not an event device"},
        {BY_ID "usb-Mice-event-mouse", "/dev/input/mice is input device 13:63"},
        {BY_ID "usb-Null-event-kbd", "it points to /dev/null, outside /dev/input"},
        {BY_ID "usb-Plain-event-kbd", "a regular file, not a device"},
        {BY_ID "usb-Fifo-event-kbd", "a FIFO"},
        {"/dev/input/by-id", "a directory"},
    };

    vf_test_host_write(th, "dev/input/by-id/usb-Plain-event-kbd", "");
    vf_test_host_write(th, "dev/null", "");
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    g_assert_cmpint(symlink("/dev/null", null_link), ==, 0);
    g_assert_cmpint(symlink("../mice", mice_link), ==, 0);
    (void)plain;

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfInputDevice) dev = NULL;

        g_test_message("%s", cases[i].path);
        g_assert_false(vf_input_check_evdev(th->host, cases[i].path, &dev, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        vf_assert_contains(VF_MSG(error), cases[i].path);
        vf_assert_contains(VF_MSG(error), cases[i].says);
        g_assert_null(dev);
    }
}

/* The live host's nodes are character devices: what st_rdev says decides, looked up in
 * /sys/dev/char. Only root may mknod, so this case needs it. */
static void
test_check_char_devices(void)
{
    g_autoptr(VfTestHost) th = NULL;
    g_autofree char *node = NULL;
    static const struct {
        guint major, minor;
        const char *says; /* NULL: accepted */
    } cases[] = {
        {13, 68, NULL}, /* event4, as /sys/dev/char/13:68 says */
        {1, 3, "character device 1:3, not an input device"},
        {13, 63, "input device 13:63 (mice), not an event device"},
    };

    if (geteuid() != 0) {
        g_test_skip("mknod(2) of a character device needs root: run the unit tests as root to "
                    "check real device numbers");
        return;
    }
    th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    node = vf_test_host_path(th, "dev/input/event4");
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfInputDevice) dev = NULL;

        g_test_message("%u:%u", cases[i].major, cases[i].minor);
        g_assert_cmpint(unlink(node), ==, 0);
        g_assert_cmpint(mknod(node, S_IFCHR | 0600, makedev(cases[i].major, cases[i].minor)), ==,
                        0);
        if (cases[i].says == NULL) {
            g_assert_true(vf_input_check_evdev(th->host, BY_ID KBD, &dev, &error));
            g_assert_no_error(error);
            g_assert_cmpstr(dev ? dev->name : NULL, ==, "Logitech USB Keyboard");
            continue;
        }
        g_assert_false(vf_input_check_evdev(th->host, BY_ID KBD, &dev, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        vf_assert_contains(VF_MSG(error), BY_ID KBD);
        vf_assert_contains(VF_MSG(error), cases[i].says);
    }
}

static void
test_check_outside(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    static const char *const paths[] = {
        "/etc/passwd",
        "/dev/null",
        "/dev/input/../../etc/passwd",
        "/dev/input/by-id/../event4",
        "/dev/input//event4",
        "/dev/inputs/event4",
        "dev/input/by-id/" KBD,
        "/dev/input/",
        "",
    };

    vf_test_host_write(th, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
    for (guint i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_autoptr(GError) error = NULL;

        g_test_message("%s", paths[i]);
        g_assert_false(vf_input_check_evdev(th->host, paths[i], NULL, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        vf_assert_contains(VF_MSG(error), paths[i]);
        vf_assert_contains(VF_MSG(error), "is not a path under /dev/input/");
    }
}

/* The eventN node itself is refused: its number may be another device after a reboot. */
static void
test_check_event_node(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autoptr(GError) error = NULL;

    g_assert_false(vf_input_check_evdev(th->host, "/dev/input/event4", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "'/dev/input/event4' is numbered at boot");
    vf_assert_contains(VF_MSG(error), "use its stable name " BY_ID KBD);
    g_clear_error(&error);

    /* the power button (event0) has no by-id link */
    g_assert_false(vf_input_check_evdev(th->host, "/dev/input/event0", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "'/dev/input/event0' has no /dev/input/by-id link");
}

/* A by-id link that is neither -event-kbd nor -event-mouse (a joystick). */
static void
test_check_other_kind(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autofree char *link = vf_test_host_path(th, "dev/input/by-id/usb-Pad-event-joystick");
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(symlink("../event5", link), ==, 0);
    g_assert_false(vf_input_check_evdev(th->host, BY_ID "usb-Pad-event-joystick", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "neither a keyboard");
}

/* ---- --input usb-controller:BDF ---- */

static void
test_usb_controller_in_use(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_two_controllers_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = vf_input_list(th->host, &error);
    g_autoptr(GPtrArray) keyboard_only = g_ptr_array_new();

    g_assert_no_error(error);
    /* the chipset's controller has the keyboard */
    g_assert_false(vf_input_check_usb_controller(th->host, "0000:00:14.0", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
    vf_assert_contains(VF_MSG(error), "0000:00:14.0");
    vf_assert_contains(VF_MSG(error), "the keyboard 'Logitech USB Keyboard' (" BY_ID KBD ")");
    vf_assert_contains(VF_MSG(error), "Plug them into a port of another USB controller");
    vf_assert_not_contains(VF_MSG(error), "G502");
    g_clear_error(&error);

    /* the add-in card has the mouse (behind its root port): refused when the mouse is in
     * use (every keyboard and mouse is, when the caller does not say) ... */
    g_assert_false(vf_input_check_usb_controller(th->host, "05:00.0", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE);
    vf_assert_contains(VF_MSG(error), "the mouse 'Logitech G502 HERO Gaming Mouse'");
    g_clear_error(&error);

    /* ... and allowed when the user runs VirtFlow from the keyboard alone */
    for (guint i = 0; i < list->len; i++)
        if (((VfInputDevice *)list->pdata[i])->kind == VF_INPUT_KIND_KEYBOARD)
            g_ptr_array_add(keyboard_only, list->pdata[i]);
    g_assert_true(vf_input_check_usb_controller(th->host, "0000:05:00.0", keyboard_only, &error));
    g_assert_no_error(error);
}

static void
test_usb_controller_group(void)
{
    /* the add-in card shares its group with a NIC on another slot; the chipset's xHCI with
     * the Wi-Fi of its own slot (a network card is never taken, slot or not) */
    static const VfKmodelDevice devices[] = {
        {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
        {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 3, -1},
        {"0000:00:14.2", 0x050000, 0x8086, 0x7aa7, NULL, NULL, 3, -1},
        {"0000:00:14.3", 0x028000, 0x8086, 0x7af0, "iwlwifi", NULL, 3, -1},
        {"0000:00:1c.0", 0x060400, 0x8086, 0x7ab8, "pcieport", NULL, 8, -1},
        {"0000:05:00.0", 0x0c0330, 0x1912, 0x0015, "xhci_hcd", "xhci_pci", 8, -1, "0000:00:1c.0"},
        {"0000:06:00.0", 0x020000, 0x8086, 0x125c, "igc", NULL, 8, -1, "0000:00:1c.0"},
        {"0000:07:00.0", 0x0c0330, 0x1912, 0x0015, "xhci_hcd", "xhci_pci", 9, -1},
        {"0000:07:00.1", 0x0c0330, 0x1912, 0x0015, "xhci_hcd", "xhci_pci", 9, -1},
        {NULL},
    };
    static const VfKmodelHost spec = {
        .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport xhci_pci igc iwlwifi",
        .devices = devices,
    };
    g_autoptr(VfTestHost) th = vf_test_host_new(&spec, FALSE);
    g_autoptr(GError) error = NULL;

    g_assert_false(vf_input_check_usb_controller(th->host, "0000:05:00.0", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_GROUP_NOT_VIABLE);
    vf_assert_contains(VF_MSG(error), "IOMMU group 8 of USB controller 0000:05:00.0 also holds "
                                      "0000:06:00.0");
    vf_assert_contains(VF_MSG(error), "driver igc");
    vf_assert_not_contains(VF_MSG(error), "0000:00:1c.0"); /* its bridge goes nowhere */
    g_clear_error(&error);

    g_assert_false(vf_input_check_usb_controller(th->host, "0000:00:14.0", NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_GROUP_NOT_VIABLE);
    vf_assert_contains(VF_MSG(error), "also holds 0000:00:14.3");
    g_clear_error(&error);

    /* two functions of one card share a group: viable (both go) */
    g_assert_true(vf_input_check_usb_controller(th->host, "0000:07:00.0", NULL, &error));
    g_assert_no_error(error);
}

static void
test_usb_controller_not_usb(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_two_controllers_host, FALSE);
    static const struct {
        const char *address;
        gint code;
        const char *says;
    } cases[] = {
        {"0000:06:00.0", VF_ERROR_INVALID_ARGUMENT, "not a USB controller (class 0x0c03)"},
        {"0000:00:02.0", VF_ERROR_INVALID_ARGUMENT, "not a USB controller"},
        {"0000:00:1c.0", VF_ERROR_INVALID_ARGUMENT, "driver pcieport"},
        {"0000:09:00.0", VF_ERROR_NOT_FOUND, "does not exist"},
        {"usb1", VF_ERROR_INVALID_ARGUMENT, "usb1"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;

        g_test_message("%s", cases[i].address);
        g_assert_false(vf_input_check_usb_controller(th->host, cases[i].address, NULL, &error));
        g_assert_error(error, VF_ERROR, cases[i].code);
        vf_assert_contains(VF_MSG(error), cases[i].address);
        vf_assert_contains(VF_MSG(error), cases[i].says);
    }
}

/* Nothing here writes to the host. */
static void
test_read_only(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_kmodel_demo_host, FALSE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *note = NULL;
    g_autoptr(GPtrArray) picked = vf_input_pick_auto(th->host, &note, NULL);

    vf_input_check_usb_controller(th->host, "0000:0b:00.0", NULL, NULL);
    vf_input_check_evdev(th->host, BY_ID KBD, NULL, NULL);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/input/devnum", test_devnum);
    g_test_add_func("/input/bitmap", test_bitmap);
    g_test_add_func("/input/auto/demo", test_demo_auto);
    g_test_add_func("/input/auto/one-of-each", test_one_of_each);
    g_test_add_func("/input/auto/several-keyboards", test_several_keyboards);
    g_test_add_func("/input/auto/no-real-keyboard", test_no_real_keyboard);
    g_test_add_func("/input/auto/no-by-id", test_no_by_id);
    g_test_add_func("/input/auto/no-input-dir", test_no_input_dir);
    g_test_add_func("/input/check/ok", test_check_ok);
    g_test_add_func("/input/check/unplugged", test_check_unplugged);
    g_test_add_func("/input/check/unplugged-later", test_check_unplugged_later);
    g_test_add_func("/input/check/not-evdev", test_check_not_evdev);
    g_test_add_func("/input/check/char-devices", test_check_char_devices);
    g_test_add_func("/input/check/outside", test_check_outside);
    g_test_add_func("/input/check/event-node", test_check_event_node);
    g_test_add_func("/input/check/other-kind", test_check_other_kind);
    g_test_add_func("/input/usb-controller/in-use", test_usb_controller_in_use);
    g_test_add_func("/input/usb-controller/group", test_usb_controller_group);
    g_test_add_func("/input/usb-controller/not-usb", test_usb_controller_not_usb);
    g_test_add_func("/input/read-only", test_read_only);
    return g_test_run();
}
