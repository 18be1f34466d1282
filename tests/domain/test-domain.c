/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-domain: the domain XML rewrite (src/lib/domain/)
 *
 * data/<case>.in.xml are domains as libvirt 9.0 prints them (virsh dumpxml);
 * data/<case>.out.xml are their activations, compared byte for byte and regenerated only
 * with VIRTFLOW_TEST_REGENERATE_OUTPUT=1. data/<case>.libvirt.xml are what libvirt 9.0
 * printed after defining an activation (its own quoting, and <metadata> re-indented by
 * libxml2): deactivating them must give back the original as well.
 *
 * Round trips compare against the input put through the same parser and serializer as
 * the library (libxml2, blanks kept, no declaration): for XML in libvirt's format that
 * only turns its single-quoted attributes into double-quoted ones.
 */
#include "core/vf-error.h"
#include "domain/vf-domain-xml.h"

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <string.h>
#include <unistd.h>

#define REGENERATE_ENV "VIRTFLOW_TEST_REGENERATE_OUTPUT"

static const VfPassthroughDevice gpu_functions[] = {
    {"0000:01:00.0", "nvidia"},        /* VGA */
    {"0000:01:00.1", "snd_hda_intel"}, /* HDMI audio */
    {"0000:01:00.2", "xhci_hcd"},      /* USB-C controller */
    {"0000:01:00.3", "nvidia-gpu"},    /* UCSI */
};

typedef struct {
    const char *name;
    guint n_devices;
    gboolean has_libvirt_capture;
} TestCase;

static const TestCase test_cases[] = {
    {"win11", 2, FALSE},         /* virt-manager Windows 11: q35, OVMF, TPM, SPICE + QXL */
    {"vnc-i440fx", 2, TRUE},     /* old i440fx: VNC, cirrus, ac97 */
    {"linux-virgl", 2, TRUE},    /* virtio-gpu 3D, SPICE GL, smartcard, webdav */
    {"looking-glass", 2, TRUE},  /* qemu:commandline, shmem, USB + PCI hostdevs */
    {"win11-rtx", 4, FALSE},     /* 4 GPU functions, no free root port, no <metadata> */
    {"win10-bios", 2, FALSE},    /* i440fx, SeaBIOS, USB tablet, SPICE USB redirection */
    {"q35-own-input", 2, FALSE}, /* its own evdev keyboard, virtio mouse and LG shmem */
};

/* ---- helpers ----------------------------------------------------------------------- */

static char *
read_data(const char *filename)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", filename, NULL);
    g_autoptr(GError) error = NULL;
    char *contents = NULL;

    if (!g_file_get_contents(path, &contents, NULL, &error))
        g_error("Failed to read test data: %s", error->message);
    return contents;
}

/* What the library's parser and serializer make of @xml when nothing is changed. */
static char *
normalize(const char *xml)
{
    xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET);
    xmlBuffer *buf = xmlBufferCreate();
    xmlSaveCtxt *save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
    char *ret;

    g_assert_nonnull(doc);
    xmlSaveDoc(save, doc);
    xmlSaveClose(save);
    ret = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return ret;
}

static guint
count(const char *haystack, const char *needle)
{
    guint n = 0;
    const char *p;

    for (p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Fail with the first differing lines, diff style. */
static void
assert_same_text(const char *what, const char *expected, const char *actual)
{
    g_auto(GStrv) exp_lines = NULL;
    g_auto(GStrv) act_lines = NULL;
    g_autoptr(GString) msg = NULL;
    guint i;
    guint j;

    if (g_str_equal(expected, actual))
        return;

    exp_lines = g_strsplit(expected, "\n", -1);
    act_lines = g_strsplit(actual, "\n", -1);
    for (i = 0; exp_lines[i] && act_lines[i] && g_str_equal(exp_lines[i], act_lines[i]); i++)
        ;
    msg = g_string_new(NULL);
    g_string_append_printf(msg, "%s differs\n--- expected\n+++ actual\n@@ line %u @@\n", what,
                           i + 1);
    for (j = i > 2 ? i - 2 : 0; j < i; j++)
        g_string_append_printf(msg, " %s\n", exp_lines[j]);
    for (j = i; j < i + 6 && exp_lines[j]; j++)
        g_string_append_printf(msg, "-%s\n", exp_lines[j]);
    for (j = i; j < i + 6 && act_lines[j]; j++)
        g_string_append_printf(msg, "+%s\n", act_lines[j]);
    g_test_fail_printf("%s", msg->str);
}

/* Compare @actual with data/@filename, or rewrite the file when asked to. */
static void
assert_golden(const char *filename, const char *actual)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", filename, NULL);
    g_autofree char *expected = NULL;
    g_autoptr(GError) error = NULL;

    if (g_strcmp0(g_getenv(REGENERATE_ENV), "1") == 0) {
        if (!g_file_set_contents(path, actual, -1, &error))
            g_error("Failed to write %s: %s", path, error->message);
        g_test_message("regenerated %s", path);
        return;
    }
    if (!g_file_get_contents(path, &expected, NULL, &error)) {
        g_test_fail_printf("%s (set %s=1 to create it)", error->message, REGENERATE_ENV);
        return;
    }
    assert_same_text(filename, expected, actual);
}

/* libvirt's own schema check: the binary ships with libvirt-clients. */
static void
assert_valid_domain(const char *what, const char *xml)
{
    g_autofree char *validator = g_find_program_in_path("virt-xml-validate");
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status = 0;
    int fd;

    if (validator == NULL) {
        g_test_fail_printf("virt-xml-validate is missing (install libvirt-clients): cannot "
                           "validate %s",
                           what);
        return;
    }

    fd = g_file_open_tmp("vf-domain-XXXXXX.xml", &path, &error);
    g_assert_no_error(error);
    close(fd);
    g_assert_true(g_file_set_contents(path, xml, -1, &error));
    {
        const char *argv[] = {validator, path, "domain", NULL};

        g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status,
                     &error);
    }
    g_assert_no_error(error);
    g_unlink(path);
    if (!g_spawn_check_wait_status(status, NULL))
        g_test_fail_printf("virt-xml-validate rejects %s:\n%s%s", what, out, err);
}

static char *
activate(const char *xml, guint n_devices)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_domain_xml_activate(xml, "0000:01:00.0", gpu_functions, n_devices, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static char *
deactivate(const char *xml)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_domain_xml_deactivate(xml, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static void
assert_round_trip(const char *what, const char *in, guint n_devices)
{
    g_autofree char *activated = activate(in, n_devices);
    g_autofree char *back = deactivate(activated);
    g_autofree char *expected = normalize(in);

    assert_same_text(what, expected, back);
}

/* ---- per case ---------------------------------------------------------------------- */

static void
test_activate_golden(gconstpointer data)
{
    const TestCase *tc = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *out_name = g_strdup_printf("%s.out.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autofree char *out = activate(in, tc->n_devices);

    assert_golden(out_name, out);
    assert_valid_domain(out_name, out);

    /* Whatever the case, the display is gone and the devices are in. */
    g_assert_cmpuint(count(out, "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">"), ==,
                     tc->n_devices);
    g_assert_cmpuint(count(out, "multifunction=\"on\"/>\n    </hostdev>"), ==, 1);
    g_assert_null(strstr(out, "\n    <graphics"));
    g_assert_null(strstr(out, "\n    <sound"));
    g_assert_null(strstr(out, "\n    <redirdev"));
    g_assert_null(strstr(out, "\n    <channel type=\"spicevmc\""));
    g_assert_cmpuint(count(out, "\n    <video>"), ==, 1);
    g_assert_nonnull(strstr(out, "<model type=\"none\"/>"));
    g_assert_nonnull(strstr(out, "name=\"org.qemu.guest_agent.0\""));
}

static void
test_round_trip(gconstpointer data)
{
    const TestCase *tc = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autofree char *activated = activate(in, tc->n_devices);
    g_autofree char *back = deactivate(activated);
    g_autofree char *expected = normalize(in);

    assert_same_text("deactivate(activate(in))", expected, back);
    assert_valid_domain("the deactivated domain", back);

    /* Either passthrough set gives the original back. */
    assert_round_trip("deactivate(activate(in, 4 functions))", in, 4);
}

static void
test_deactivate_libvirt_output(gconstpointer data)
{
    const TestCase *tc = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *lv_name = g_strdup_printf("%s.libvirt.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autofree char *from_libvirt = read_data(lv_name);
    g_autofree char *back = deactivate(from_libvirt);
    g_autofree char *expected = normalize(in);

    assert_same_text("deactivate(libvirt's dumpxml of activate(in))", expected, back);
}

static void
test_get_passthrough(gconstpointer data)
{
    const TestCase *tc = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autofree char *out = activate(in, tc->n_devices);
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *gpu = NULL;
    guint i;

    g_assert_false(vf_domain_xml_get_passthrough(in, &gpu, &devices, &error));
    g_assert_no_error(error);
    g_assert_null(gpu);
    g_assert_null(devices);

    g_assert_true(vf_domain_xml_get_passthrough(out, &gpu, &devices, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(gpu, ==, "0000:01:00.0");
    g_assert_cmpuint(devices->len, ==, tc->n_devices);
    for (i = 0; i < devices->len; i++) {
        VfPassthroughDevice *device = g_ptr_array_index(devices, i);

        g_assert_cmpstr(device->address, ==, gpu_functions[i].address);
        g_assert_cmpstr(device->driver, ==, gpu_functions[i].driver);
    }
}

/* ---- behaviour --------------------------------------------------------------------- */

static void
test_activate_twice_same_gpu(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *once = activate(in, 2);
    g_autofree char *twice = NULL;
    g_autofree char *four = NULL;
    g_autofree char *direct_four = activate(in, 4);
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(GError) error = NULL;
    VfPassthroughDevice on_vfio[2] = {{"0000:01:00.0", "vfio-pci"}, {"0000:01:00.1", "vfio-pci"}};

    /* By the second time the functions are on vfio-pci: the first drivers must stay. */
    twice = vf_domain_xml_activate(once, "0000:01:00.0", on_vfio, 2, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(twice, ==, once);
    g_assert_cmpuint(count(twice, "<hostdev "), ==, 2);
    g_assert_cmpuint(count(twice, "<virtflow:passthrough "), ==, 1);
    g_assert_true(vf_domain_xml_get_passthrough(twice, NULL, &devices, &error));
    g_assert_cmpstr(((VfPassthroughDevice *)devices->pdata[0])->driver, ==, "nvidia");

    /* The same GPU with more functions redoes the activation, as if done at once. */
    four = vf_domain_xml_activate(once, "0000:01:00.0", gpu_functions, 4, &error);
    g_assert_no_error(error);
    assert_same_text("activate(activate(in, 2), 4)", direct_four, four);
}

static void
test_second_gpu(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *once = activate(in, 2);
    g_autoptr(GError) error = NULL;
    VfPassthroughDevice other[] = {{"0000:02:00.0", "amdgpu"}};
    char *out = vf_domain_xml_activate(once, "0000:02:00.0", other, 1, &error);

    g_assert_null(out);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==,
                    "Domain 'win11' already has GPU 0000:01:00.0: deactivate it first");
}

static void
test_deactivate_not_activated(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = deactivate(in);

    g_assert_cmpstr(out, ==, in);
}

static void
test_device_off_the_gpu_slot(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    VfPassthroughDevice devices[] = {{"0000:01:00.1", "snd_hda_intel"},
                                     {"0000:05:00.0", "xhci_hcd"},
                                     {"0000:01:00.0", "nvidia"}};
    g_autoptr(GError) error = NULL;
    g_autofree char *out = vf_domain_xml_activate(in, "0000:01:00.0", devices, 3, &error);
    g_autofree char *back = NULL;
    g_autofree char *expected = normalize(in);

    g_assert_no_error(error);
    /* GPU functions share the first free root port (bus 6), function 0 first; the other
     * device has the next one to itself. */
    g_assert_nonnull(strstr(out, "<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" "
                                 "function=\"0x0\"/>\n      </source>\n      <address "
                                 "type=\"pci\" domain=\"0x0000\" bus=\"0x06\" slot=\"0x00\" "
                                 "function=\"0x0\" multifunction=\"on\"/>"));
    g_assert_nonnull(strstr(out, "<address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" "
                                 "function=\"0x1\"/>\n      </source>\n      <address "
                                 "type=\"pci\" domain=\"0x0000\" bus=\"0x06\" slot=\"0x00\" "
                                 "function=\"0x1\"/>"));
    g_assert_nonnull(strstr(out, "<address domain=\"0x0000\" bus=\"0x05\" slot=\"0x00\" "
                                 "function=\"0x0\"/>\n      </source>\n      <address "
                                 "type=\"pci\" domain=\"0x0000\" bus=\"0x07\" slot=\"0x00\" "
                                 "function=\"0x0\"/>"));
    g_assert_true(strstr(out, "function=\"0x0\" multifunction") < strstr(out, "bus=\"0x05\""));
    assert_valid_domain("the activation with an extra device", out);

    back = deactivate(out);
    assert_same_text("round trip with an extra device", expected, back);
}

static void
test_video_already_none(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *qxl =
        g_strdup("      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' "
                 "primary='yes'/>\n      <address type='pci' domain='0x0000' bus='0x00' "
                 "slot='0x01' function='0x0'/>\n");
    g_autofree char *none = NULL;
    g_autofree char *two = NULL;
    g_autofree char *out = NULL;
    g_autofree char *back = NULL;
    g_autofree char *expected = NULL;
    g_autoptr(GString) str = g_string_new(in);

    g_assert_nonnull(strstr(in, qxl));
    g_string_replace(str, qxl, "      <model type='none'/>\n", 1);
    none = g_strdup(str->str);

    /* Kept as it is: nothing recorded for the video. */
    out = activate(none, 2);
    g_assert_null(strstr(out, "element=\"video\""));
    g_assert_null(strstr(out, "<video>\n          <model type=\"none\"/>"));
    g_assert_cmpuint(count(out, "\n    <video>"), ==, 1);
    back = deactivate(out);
    expected = normalize(none);
    assert_same_text("round trip with video none", expected, back);

    /* A second head goes too, and comes back after the first. */
    g_string_replace(str, "    </video>\n",
                     "    </video>\n    <video>\n      <model type='virtio' heads='1' "
                     "primary='no'/>\n      <address type='pci' domain='0x0000' bus='0x00' "
                     "slot='0x04' function='0x0'/>\n    </video>\n",
                     1);
    two = g_strdup(str->str);
    assert_valid_domain("the input with two videos", two);
    g_clear_pointer(&out, g_free);
    out = activate(two, 2);
    g_assert_cmpuint(count(out, "\n    <video>"), ==, 1);
    g_assert_nonnull(strstr(out, "<virtflow:removed position=\"34\">\n        <video>"));
    assert_round_trip("round trip with two videos", two, 2);
}

/* Layouts libvirt does not write: everything on one line, and 4-space indentation. The
 * round trip keeps them as they are. */
static void
test_other_layouts(void)
{
    static const char *const compact =
        "<domain type='kvm'><name>tiny</name><memory>1048576</memory>"
        "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
        "<graphics type='vnc'/><video><model type='vga'/></video>"
        "<memballoon model='none'/></devices></domain>\n";
    static const char *const wide = "<domain type='kvm'>\n"
                                    "    <name>wide</name>\n"
                                    "    <memory>1048576</memory>\n"
                                    "    <os>\n"
                                    "        <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
                                    "    </os>\n"
                                    "    <devices>\n"
                                    "        <graphics type='spice' autoport='yes'>\n"
                                    "            <listen type='address'/>\n"
                                    "        </graphics>\n"
                                    "        <video>\n"
                                    "            <model type='qxl'/>\n"
                                    "        </video>\n"
                                    "    </devices>\n"
                                    "</domain>\n";
    g_autofree char *out = activate(wide, 2);

    assert_round_trip("compact layout", compact, 2);
    assert_round_trip("4-space layout", wide, 2);
    /* New elements follow the document's own indentation for their first line. */
    g_assert_nonnull(strstr(out, "\n        <hostdev mode="));
    g_assert_nonnull(strstr(out, "\n    <metadata>\n"));
    /* No root port to use: one is added with the next index. */
    g_assert_nonnull(
        strstr(out, "<controller type=\"pci\" index=\"1\" model=\"pcie-root-port\"/>"));
    g_assert_nonnull(strstr(out, "<virtflow:added element=\"controller\" index=\"1\"/>"));
}

static void
test_keeps_everything_else(void)
{
    g_autofree char *in = read_data("looking-glass.in.xml");
    g_autofree char *norm = normalize(in);
    g_autofree char *out = activate(in, 2);
    static const char *const kept[] = {
        "<qemu:commandline>",
        "<qemu:arg value=\"opt/ovmf/X-PciMmio64Mb,string=65536\"/>",
        "<shmem name=\"looking-glass\">",
        "<hostdev mode=\"subsystem\" type=\"usb\" managed=\"yes\">",
        "<address domain=\"0x0000\" bus=\"0x0b\" slot=\"0x00\" function=\"0x3\"/>",
        "<libosinfo:os id=\"http://microsoft.com/win/10\"/>",
        "<vendor_id state=\"on\" value=\"0123456789ab\"/>",
        "<input type=\"keyboard\" bus=\"virtio\">",
        "<memballoon model=\"none\"/>",
        "<channel type=\"unix\">",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(kept); i++) {
        g_assert_nonnull(strstr(norm, kept[i]));
        g_assert_cmpuint(count(out, kept[i]), ==, count(norm, kept[i]));
    }
    /* The existing PCI hostdev sits on bus 5: ours must not. */
    g_assert_null(strstr(out, "bus=\"0x05\" slot=\"0x00\" function=\"0x0\" multifunction"));
}

/* ---- profiles ---------------------------------------------------------------------- */

#define KBD   "/dev/input/by-id/usb-Logitech_K120-event-kbd"
#define MOUSE "/dev/input/by-id/usb-Logitech_G203-event-mouse"

typedef enum { INPUT_NONE, INPUT_EVDEV, INPUT_VIRTIO } InputChoice;

typedef struct {
    const char *suffix;
    VfView view;
    InputChoice input;
} Variant;

/* monitor with no input is vf_domain_xml_activate() itself: checked against the plain
 * golden file instead of a file of its own. */
static const Variant variants[] = {
    {"monitor", VF_VIEW_MONITOR, INPUT_NONE},
    {"monitor-evdev", VF_VIEW_MONITOR, INPUT_EVDEV},
    {"monitor-virtio", VF_VIEW_MONITOR, INPUT_VIRTIO},
    {"lg", VF_VIEW_LOOKING_GLASS, INPUT_NONE},
    {"lg-evdev", VF_VIEW_LOOKING_GLASS, INPUT_EVDEV},
    {"lg-virtio", VF_VIEW_LOOKING_GLASS, INPUT_VIRTIO},
};

typedef struct {
    const TestCase *tc;
    const Variant *variant;
} ProfileCase;

static VfProfile *
make_profile(VfView view, InputChoice input)
{
    VfProfile *profile = vf_profile_new();

    profile->view = view;
    if (view == VF_VIEW_LOOKING_GLASS) {
        profile->lg_width = 1920;
        profile->lg_height = 1080;
    }
    if (input == INPUT_EVDEV) {
        g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, KBD));
        g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_MOUSE, MOUSE));
    }
    profile->virtio_input = input == INPUT_VIRTIO;
    return profile;
}

static char *
activate_profile(const char *xml, guint n_devices, const VfProfile *profile)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_domain_xml_activate_profile(xml, "0000:01:00.0", gpu_functions, n_devices,
                                               profile, &error);

    g_assert_no_error(error);
    g_assert_nonnull(out);
    return out;
}

static void
assert_same_profile(const VfProfile *expected, const VfProfile *actual)
{
    guint i;

    g_assert_cmpint(actual->view, ==, expected->view);
    g_assert_cmpint(actual->grab_toggle, ==, expected->grab_toggle);
    g_assert_cmpint(actual->virtio_input, ==, expected->virtio_input);
    g_assert_cmpstr(actual->usb_controller, ==, expected->usb_controller);
    if (expected->view == VF_VIEW_LOOKING_GLASS) {
        g_assert_cmpuint(actual->lg_width, ==, expected->lg_width);
        g_assert_cmpuint(actual->lg_height, ==, expected->lg_height);
    }
    g_assert_cmpuint(actual->evdev->len, ==, expected->evdev->len);
    for (i = 0; i < expected->evdev->len; i++) {
        const VfEvdevInput *e = g_ptr_array_index(expected->evdev, i);
        const VfEvdevInput *a = g_ptr_array_index(actual->evdev, i);

        g_assert_cmpint(a->kind, ==, e->kind);
        g_assert_cmpstr(a->path, ==, e->path);
    }
}

static void
test_profile_golden(gconstpointer data)
{
    const ProfileCase *pc = data;
    const TestCase *tc = pc->tc;
    const Variant *v = pc->variant;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autoptr(VfProfile) profile = make_profile(v->view, v->input);
    g_autofree char *out = activate_profile(in, tc->n_devices, profile);
    g_autofree char *back = deactivate(out);
    g_autofree char *expected = normalize(in);
    g_autofree char *what = g_strdup_printf("%s with the %s profile", tc->name, v->suffix);
    g_autoptr(VfProfile) read = NULL;
    g_autoptr(GError) error = NULL;

    if (v->view == VF_VIEW_MONITOR && v->input == INPUT_NONE) {
        g_autofree char *plain = activate(in, tc->n_devices);

        /* The default profile is today's rewrite, byte for byte: no profile recorded. */
        assert_same_text(what, plain, out);
        g_assert_null(strstr(out, "<virtflow:profile"));
    } else {
        g_autofree char *out_name = g_strdup_printf("%s.%s.out.xml", tc->name, v->suffix);

        assert_golden(out_name, out);
        assert_valid_domain(out_name, out);
    }
    g_assert_null(strstr(out, "<driver name=\"vfio\"/>"));
    assert_same_text(what, expected, back);

    g_assert_true(vf_domain_xml_get_profile(out, &read, &error));
    g_assert_no_error(error);
    assert_same_profile(profile, read);

    /* What each view promises, whatever the domain. */
    if (v->view == VF_VIEW_LOOKING_GLASS) {
        g_assert_cmpuint(count(out, "\n    <shmem name=\"looking-glass\">\n      <model "
                                    "type=\"ivshmem-plain\"/>\n      <size unit=\"M\">32</size>"),
                         ==, 1);
        g_assert_cmpuint(count(out, "\n    <graphics "), ==, 1);
        g_assert_nonnull(strstr(out, "\n    <graphics type=\"spice\" autoport=\"yes\">\n      "
                                     "<listen type=\"address\" address=\"127.0.0.1\"/>"));
        g_assert_cmpuint(count(out, "\n    <audio id=\"1\" type=\"spice\"/>"), ==, 1);
        g_assert_cmpuint(count(out, "\n    <video>\n      <model type=\"vga\""), ==, 1);
        g_assert_cmpuint(count(out, "\n    <memballoon model=\"none\""), ==, 1);
        g_assert_null(strstr(out, "\n    <input type=\"tablet\""));
        g_assert_cmpuint(count(out, "\n    <input type=\"keyboard\" bus=\"virtio\""), ==, 1);
        g_assert_cmpuint(count(out, "\n    <input type=\"mouse\" bus=\"virtio\""), ==, 1);
    } else {
        g_assert_null(strstr(out, "\n    <graphics"));
        g_assert_cmpuint(count(out, "\n    <input type=\"tablet\""), ==,
                         count(expected, "\n    <input type=\"tablet\""));
    }
    if (v->input == INPUT_EVDEV) {
        g_assert_cmpuint(count(out, "<source dev=\"" KBD "\""), ==, 1);
        g_assert_cmpuint(count(out, "\n      <source dev=\"" MOUSE "\"/>"), ==, 1);
    }
    if (v->input == INPUT_VIRTIO) {
        g_assert_cmpuint(count(out, "\n    <input type=\"keyboard\" bus=\"virtio\""), ==, 1);
        g_assert_cmpuint(count(out, "\n    <input type=\"mouse\" bus=\"virtio\""), ==, 1);
    }
}

/* The same through libvirt's own parser and formatter (its test driver, in process):
 * libvirt's dump of the activation deactivates to libvirt's dump of the original. */
static void
test_profile_libvirt(gconstpointer data)
{
    const ProfileCase *pc = data;
    const TestCase *tc = pc->tc;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", tc->name);
    g_autofree char *in = read_data(in_name);
    g_autoptr(VfProfile) profile = make_profile(pc->variant->view, pc->variant->input);
    g_autoptr(VfProfile) read = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *what = g_strdup_printf("libvirt round trip of %s with the %s profile",
                                            tc->name, pc->variant->suffix);
    virConnectPtr conn = virConnectOpen("test:///default");
    virDomainPtr dom;
    char *original;
    char *defined;
    g_autofree char *out = NULL;
    g_autofree char *back = NULL;
    g_autofree char *expected = NULL;

    g_assert_nonnull(conn);
    dom = virDomainDefineXML(conn, in);
    g_assert_nonnull(dom);
    original = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE);
    virDomainFree(dom);

    out = activate_profile(original, tc->n_devices, profile);
    dom = virDomainDefineXML(conn, out);
    if (dom == NULL)
        g_error("libvirt refuses the activation of %s: %s", tc->name, virGetLastErrorMessage());
    defined = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE);

    g_assert_true(vf_domain_xml_get_profile(defined, &read, &error));
    g_assert_no_error(error);
    assert_same_profile(profile, read);
    back = deactivate(defined);
    expected = normalize(original);
    assert_same_text(what, expected, back);

    g_assert_cmpint(virDomainUndefine(dom), ==, 0);
    virDomainFree(dom);
    free(original);
    free(defined);
    virConnectClose(conn);
}

/* What libvirt 9.0's QEMU driver printed after defining a looking-glass activation
 * (data/<case>.<variant>.libvirt.xml, the domain type set back to kvm): its SPICE listen
 * attribute, its video defaults and addresses, and its order of the inputs. */
static const char *const profile_captures[][2] = {
    {"win10-bios", "lg-virtio"},
    {"q35-own-input", "lg-evdev"},
};

static void
test_profile_libvirt_capture(gconstpointer data)
{
    const char *const *capture = data;
    g_autofree char *in_name = g_strdup_printf("%s.in.xml", capture[0]);
    g_autofree char *lv_name = g_strdup_printf("%s.%s.libvirt.xml", capture[0], capture[1]);
    g_autofree char *in = read_data(in_name);
    g_autofree char *from_libvirt = read_data(lv_name);
    g_autofree char *back = deactivate(from_libvirt);
    g_autofree char *expected = normalize(in);

    assert_same_text("deactivate(libvirt's dumpxml of activate(in, looking-glass))", expected,
                     back);
}

static void
test_profile_strings(void)
{
    g_autoptr(GError) error = NULL;
    VfView view = VF_VIEW_LAST;
    VfGrabToggle toggle = VF_GRAB_TOGGLE_LAST;
    guint w = 0;
    guint h = 0;
    static const char *const bad_resolutions[] = {
        "0x0", "99999x99999", "1920",    "x",          "1920x",  "x1080",     "-1x5",
        "",    "1920x1080x3", "16385x1", "1920 x1080", "0x1080", "1920X1080", "+5x5",
    };
    guint i;

    g_assert_true(vf_view_from_string("looking-glass", &view, &error));
    g_assert_cmpint(view, ==, VF_VIEW_LOOKING_GLASS);
    g_assert_cmpstr(vf_view_to_string(VF_VIEW_MONITOR), ==, "monitor");
    g_assert_false(vf_view_from_string("vnc", &view, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==, "Unknown view 'vnc': use monitor or looking-glass");
    g_clear_error(&error);

    for (i = 0; i < VF_GRAB_TOGGLE_LAST; i++) {
        g_assert_true(vf_grab_toggle_from_string(vf_grab_toggle_to_string(i), &toggle, &error));
        g_assert_cmpint(toggle, ==, i);
        g_assert_nonnull(vf_grab_toggle_describe(i));
    }
    g_assert_cmpstr(vf_grab_toggle_describe(VF_GRAB_TOGGLE_CTRL_CTRL), ==, "press both Ctrl keys");
    g_assert_false(vf_grab_toggle_from_string("ctrl", &toggle, &error));
    g_assert_cmpstr(error->message, ==,
                    "Unknown grab toggle 'ctrl': use ctrl-ctrl, alt-alt, shift-shift, "
                    "meta-meta, scrolllock or ctrl-scrolllock");
    g_clear_error(&error);
    g_assert_cmpstr(vf_input_kind_to_string(VF_INPUT_KIND_MOUSE), ==, "mouse");

    g_assert_cmpuint(vf_profile_lg_size_mib(1920, 1080), ==, 32);
    g_assert_cmpuint(vf_profile_lg_size_mib(1920, 1200), ==, 32);
    g_assert_cmpuint(vf_profile_lg_size_mib(2560, 1440), ==, 64);
    g_assert_cmpuint(vf_profile_lg_size_mib(3840, 2160), ==, 128);
    g_assert_cmpuint(vf_profile_lg_size_mib(1, 1), ==, 16);
    g_assert_cmpuint(vf_profile_lg_size_mib(16384, 16384), ==, 4096);
    g_assert_cmpuint(vf_profile_lg_size_mib(0, 0), ==, 0);
    g_assert_cmpuint(vf_profile_lg_size_mib(99999, 99999), ==, 0);

    g_assert_true(vf_profile_parse_resolution("2560x1440", &w, &h, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(w, ==, 2560);
    g_assert_cmpuint(h, ==, 1440);
    for (i = 0; i < G_N_ELEMENTS(bad_resolutions); i++) {
        g_autofree char *expected = g_strdup_printf(
            "Resolution '%s' is not WIDTHxHEIGHT with each between 1 and 16384 (for example "
            "1920x1080)",
            bad_resolutions[i]);

        w = h = 7;
        g_assert_false(vf_profile_parse_resolution(bad_resolutions[i], &w, &h, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        g_assert_cmpstr(error->message, ==, expected);
        g_assert_cmpuint(w, ==, 7);
        g_clear_error(&error);
    }
}

static void
assert_profile_fails(const char *xml, const VfProfile *profile, const char *message)
{
    g_autoptr(GError) error = NULL;
    char *out =
        vf_domain_xml_activate_profile(xml, "0000:01:00.0", gpu_functions, 2, profile, &error);

    g_assert_null(out);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==, message);
}

static void
test_profile_bad_input(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    static const char *const bad_paths[] = {
        "/dev/sda",         "/dev/input/",        "/dev/input/../sda",  "/dev/input/./event3",
        "dev/input/event3", "/dev/input//event3", "/dev/input/event3/", "",
        "/dev/input/a\nb",
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad_paths); i++) {
        g_autoptr(VfProfile) profile = make_profile(VF_VIEW_MONITOR, INPUT_NONE);
        g_autofree char *message =
            g_strdup_printf("Input device '%s' is not an evdev device path under /dev/input/ (use "
                            "/dev/input/by-id/…-event-kbd or …-event-mouse)",
                            bad_paths[i]);

        g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, bad_paths[i]));
        assert_profile_fails(in, profile, message);
    }
    {
        g_autoptr(VfProfile) profile = make_profile(VF_VIEW_LOOKING_GLASS, INPUT_EVDEV);

        g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_MOUSE, KBD));
        assert_profile_fails(in, profile, "Input device '" KBD "' is given twice");
    }
    {
        g_autoptr(VfProfile) profile = make_profile(VF_VIEW_LOOKING_GLASS, INPUT_NONE);

        profile->lg_width = profile->lg_height = 0;
        assert_profile_fails(in, profile,
                             "Looking Glass resolution 0x0 is out of range: each side must be "
                             "between 1 and 16384");
        profile->lg_width = profile->lg_height = 99999;
        assert_profile_fails(in, profile,
                             "Looking Glass resolution 99999x99999 is out of range: each side "
                             "must be between 1 and 16384");
    }
    {
        g_autoptr(VfProfile) profile = make_profile(VF_VIEW_MONITOR, INPUT_NONE);

        profile->usb_controller = g_strdup("0000:05:00.0");
        assert_profile_fails(in, profile,
                             "USB controller 0000:05:00.0 is not among the devices to pass "
                             "through");
    }
}

/* A USB controller handed over is recorded with the profile; a record from before
 * profiles reads as the default one; another profile redoes the activation. */
static void
test_profile_reactivate(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *plain = activate(in, 2);
    g_autoptr(VfProfile) lg = make_profile(VF_VIEW_LOOKING_GLASS, INPUT_EVDEV);
    g_autoptr(VfProfile) read = NULL;
    g_autoptr(VfProfile) none = vf_profile_new();
    g_autoptr(GError) error = NULL;
    g_autofree char *as_lg = NULL;
    g_autofree char *lg_direct = NULL;
    g_autofree char *lg_again = NULL;
    g_autofree char *back_to_plain = NULL;
    g_autofree char *with_usb = NULL;
    VfPassthroughDevice usb[] = {{"0000:01:00.0", "nvidia"},
                                 {"0000:01:00.1", "snd_hda_intel"},
                                 {"0000:05:00.0", "xhci_hcd"}};

    g_assert_true(vf_domain_xml_get_profile(plain, &read, &error));
    assert_same_profile(none, read);
    g_clear_pointer(&read, vf_profile_free);
    g_assert_false(vf_domain_xml_get_profile(in, &read, &error));
    g_assert_no_error(error);
    g_assert_null(read);

    as_lg = activate_profile(plain, 2, lg);
    lg_direct = activate_profile(in, 2, lg);
    assert_same_text("activate(activate(in), lg)", lg_direct, as_lg);
    lg_again = activate_profile(as_lg, 2, lg);
    g_assert_cmpstr(lg_again, ==, as_lg);
    back_to_plain = activate(as_lg, 2);
    assert_same_text("activate(activate(in, lg))", plain, back_to_plain);

    lg->grab_toggle = VF_GRAB_TOGGLE_SCROLLLOCK;
    lg->usb_controller = g_strdup("0000:05:00.0");
    with_usb = vf_domain_xml_activate_profile(in, "0000:01:00.0", usb, 3, lg, &error);
    g_assert_no_error(error);
    g_assert_nonnull(
        strstr(with_usb, "grab-toggle=\"scrolllock\" usb-controller=\"0000:05:00.0\""));
    g_assert_nonnull(strstr(with_usb, "grabToggle=\"scrolllock\""));
    g_assert_true(vf_domain_xml_get_profile(with_usb, &read, &error));
    assert_same_profile(lg, read);
    assert_valid_domain("activation with a USB controller", with_usb);
}

/* A domain's own evdev input for the device the profile names is left alone, and so is
 * its own VirtIO mouse and Looking Glass shmem of the right size. */
static void
test_profile_keeps_own_inputs(void)
{
    g_autofree char *in = read_data("q35-own-input.in.xml");
    g_autoptr(VfProfile) profile = make_profile(VF_VIEW_LOOKING_GLASS, INPUT_EVDEV);
    g_autofree char *out = activate_profile(in, 2, profile);

    g_assert_cmpuint(count(out, "<source dev=\"" KBD "\""), ==, 1);
    g_assert_nonnull(strstr(out, "grabToggle=\"scrolllock\""));
    g_assert_null(strstr(out, "dev=\"" KBD "\"/>"));
    g_assert_cmpuint(count(out, "<input type=\"mouse\" bus=\"virtio\">"), ==, 1);
    g_assert_null(strstr(out, "<virtflow:added element=\"input\" type=\"mouse\""));
    g_assert_nonnull(strstr(out, "<virtflow:added element=\"input\" type=\"keyboard\" "
                                 "bus=\"virtio\"/>"));
    g_assert_null(strstr(out, "<virtflow:added element=\"shmem\""));
    g_assert_nonnull(
        strstr(out, "<virtflow:added element=\"input\" type=\"evdev\" dev=\"" MOUSE "\"/>"));
}

/* ---- issue 12: the record is input like any other ---------------------------------- */

/* A removed element that uses a namespace declared on the record: moving it back and
 * freeing the record left it pointing at freed memory (ASan: heap-use-after-free in
 * xmlSaveDoc). */
static void
test_record_namespaces(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = activate(in, 2);
    g_autoptr(GString) tampered = g_string_new(out);
    g_autoptr(GString) wrapped = g_string_new(out);
    g_autofree char *back = NULL;
    g_autofree char *back2 = NULL;
    g_autofree char *again = NULL;
    static const char *const note =
        "<graphics type=\"spice\" autoport=\"yes\" virtflow:note=\"x\">";

    g_assert_cmpuint(
        g_string_replace(tampered, "<graphics type=\"spice\" autoport=\"yes\">", note, 1), ==, 1);
    back = deactivate(tampered->str);
    g_assert_nonnull(strstr(back, "\n    <graphics xmlns:virtflow=\"" VF_DOMAIN_XML_NAMESPACE
                                  "\" type=\"spice\" autoport=\"yes\" virtflow:note=\"x\">\n"));
    /* well-formed, namespaces and all (libvirt's schema has no room for the attribute) */
    g_free(normalize(back));

    /* The same from a declaration on the <removed> wrapper, and through activating again. */
    g_assert_cmpuint(g_string_replace(wrapped, "<virtflow:removed position=\"30\">",
                                      "<virtflow:removed xmlns:n=\"urn:n\" position=\"30\">", 1),
                     ==, 1);
    g_assert_cmpuint(g_string_replace(wrapped, "<graphics type=\"spice\" autoport=\"yes\">",
                                      "<graphics type=\"spice\" autoport=\"yes\" n:a=\"1\">", 1),
                     ==, 1);
    back2 = deactivate(wrapped->str);
    g_assert_nonnull(strstr(back2, "\n    <graphics xmlns:n=\"urn:n\" type=\"spice\" "
                                   "autoport=\"yes\" n:a=\"1\">\n"));
    again = vf_domain_xml_activate(wrapped->str, "0000:01:00.0", gpu_functions, 4, NULL);
    g_assert_nonnull(again);
    g_assert_nonnull(strstr(again, "n:a=\"1\""));
    g_assert_nonnull(strstr(again, "xmlns:n=\"urn:n\""));
}

static void
assert_damaged(const char *xml, const char *message_part)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfDomainXmlSummary) summary = NULL;
    char *out = vf_domain_xml_deactivate(xml, &error);

    g_assert_null(out);
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    if (strstr(error->message, message_part) == NULL)
        g_test_fail_printf("error message '%s' does not mention '%s'", error->message,
                           message_part);
    g_clear_error(&error);
    g_assert_null(vf_domain_xml_activate(xml, "0000:01:00.0", gpu_functions, 4, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    g_clear_error(&error);
    /* nor does the hook act on it */
    g_assert_false(vf_domain_xml_get_passthrough(xml, NULL, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    g_clear_error(&error);

    /* doctor reads the domain all the same and says what is wrong with the record */
    summary = vf_domain_xml_inspect(xml, &error);
    g_assert_no_error(error);
    g_assert_nonnull(summary);
    g_assert_nonnull(summary->record_error);
    g_assert_cmpstr(summary->record_error, ==, strstr(summary->record_error, "Domain 'win11'"));
    if (strstr(summary->record_error, message_part) == NULL)
        g_test_fail_printf("record_error '%s' does not mention '%s'", summary->record_error,
                           message_part);
    g_assert_null(summary->gpu);
    g_assert_null(summary->profile);
    g_assert_cmpuint(summary->devices->len, ==, 0);
}

static void
test_record_tampered(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = activate(in, 2);
    static const struct {
        const char *from;
        const char *to;
        const char *message;
    } tampering[] = {
        {"<graphics type=\"spice\" autoport=\"yes\">\n          <listen type=\"address\"/>\n"
         "          <image compression=\"off\"/>\n        </graphics>",
         "<disk type=\"block\" device=\"disk\"><source dev=\"/dev/sda\"/><target dev=\"vdz\" "
         "bus=\"virtio\"/></disk>",
         "damaged VirtFlow record: it would put back <disk type='block'> (position 30), which "
         "an activation for the monitor view never removes"},
        {"<graphics type=\"spice\" autoport=\"yes\">\n          <listen type=\"address\"/>\n"
         "          <image compression=\"off\"/>\n        </graphics>",
         "<filesystem type=\"mount\"><source dir=\"/\"/><target dir=\"host\"/></filesystem>",
         "it would put back <filesystem type='mount'>"},
        {"<graphics type=\"spice\" autoport=\"yes\">\n          <listen type=\"address\"/>\n"
         "          <image compression=\"off\"/>\n        </graphics>",
         "<hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\"><source><address "
         "domain=\"0x0000\" bus=\"0x00\" slot=\"0x17\" function=\"0x0\"/></source></hostdev>",
         "it would put back <hostdev type='pci'>"},
        /* a tablet goes only for Looking Glass */
        {"<graphics type=\"spice\" autoport=\"yes\">\n          <listen type=\"address\"/>\n"
         "          <image compression=\"off\"/>\n        </graphics>",
         "<input type=\"tablet\" bus=\"usb\"/>", "it would put back <input type='tablet'>"},
        /* the agent channel is never taken */
        {"<target type=\"virtio\" name=\"com.redhat.spice.0\"/>",
         "<target type=\"virtio\" name=\"org.qemu.guest_agent.0\"/>",
         "it would put back <channel type='spicevmc'>"},
        /* the record claims the user's own managed hostdev */
        {"<virtflow:device address=\"0000:01:00.1\" driver=\"snd_hda_intel\"/>",
         "<virtflow:device address=\"0000:01:00.1\" driver=\"snd_hda_intel\"/><virtflow:device "
         "address=\"0000:00:17.0\" driver=\"ahci\"/>",
         "it lists 0000:00:17.0, whose <hostdev> VirtFlow did not add"},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(tampering); i++) {
        g_autoptr(GString) broken = g_string_new(out);

        g_assert_cmpuint(g_string_replace(broken, tampering[i].from, tampering[i].to, 1), ==, 1);
        if (i == G_N_ELEMENTS(tampering) - 1)
            g_assert_cmpuint(
                g_string_replace(broken, "    <memballoon",
                                 "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
                                 "      <source>\n        <address domain=\"0x0000\" "
                                 "bus=\"0x00\" slot=\"0x17\" function=\"0x0\"/>\n      "
                                 "</source>\n    </hostdev>\n    <memballoon",
                                 1),
                ==, 1);
        assert_damaged(broken->str, tampering[i].message);
    }
}

static double
seconds_since(gint64 start)
{
    return (double)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

/* What the hook's deadline must survive: refused at once, not after seconds of parsing. */
static void
test_record_limits(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = activate(in, 2);
    g_autoptr(GString) devices = g_string_new(NULL);
    g_autoptr(GString) attrs = g_string_new(NULL);
    g_autoptr(GString) removed = g_string_new(NULL);
    g_autoptr(GString) big = g_string_new(NULL);
    g_autoptr(GString) xml = NULL;
    gint64 start;
    guint i;

    for (i = 0; i < 65536; i++)
        g_string_append_printf(devices, "<virtflow:device address=\"0000:%02x:%02x.%u\"/>",
                               (i >> 8) & 0xff, (i >> 3) & 0x1f, i & 7);
    for (i = 0; i < 40000; i++)
        g_string_append_printf(attrs, " a%u=\"x\"", i);
    for (i = 0; i < 300; i++)
        g_string_append_printf(removed,
                               "<virtflow:removed position=\"%u\"><sound model=\"ich9\"/>"
                               "</virtflow:removed>",
                               100 + i);
    g_string_append(big, "<virtflow:removed position=\"99\"><sound model=\"ich9\">");
    for (i = 0; i < 20000; i++)
        g_string_append(big, "<alias name=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"/>");
    g_string_append(big, "</sound></virtflow:removed>");

    xml = g_string_new(out);
    g_string_replace(xml, "<virtflow:added element=\"video\"/>", devices->str, 1);
    /* 64k entries are over the size limit already */
    assert_damaged(xml->str, "it is larger than any VirtFlow writes");
    g_string_assign(xml, out);
    g_string_truncate(devices, strlen("<virtflow:device address=\"0000:00:00.0\"/>") * 65);
    g_string_replace(xml, "<virtflow:added element=\"video\"/>", devices->str, 1);
    assert_damaged(xml->str, "more than 64 devices, more than VirtFlow ever writes");

    g_string_assign(xml, out);
    g_string_prepend(attrs, "<virtflow:added element=\"video\"");
    g_string_append(attrs, "/>");
    g_string_replace(xml, "<virtflow:added element=\"video\"/>", attrs->str, 1);
    {
        g_autoptr(GError) error = NULL;

        /* Loosely (valgrind included): milliseconds here, 20 s of libxml2 without the
         * check before parsing. */
        start = g_get_monotonic_time();
        g_assert_null(vf_domain_xml_deactivate(xml->str, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        g_assert_true(g_str_has_prefix(error->message, "Domain XML has an element with more "
                                                       "than 256 attributes (at byte "));
        g_clear_error(&error);
        g_assert_false(vf_domain_xml_get_passthrough(xml->str, NULL, NULL, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        g_assert_cmpfloat(seconds_since(start), <, 5.0);
    }

    g_string_assign(xml, out);
    g_string_append(removed, "</virtflow:passthrough>");
    g_string_replace(xml, "</virtflow:passthrough>", removed->str, 1);
    assert_damaged(xml->str, "more than 256 removed elements");

    g_string_assign(xml, out);
    g_string_replace(xml, "<virtflow:added element=\"video\"/>", big->str, 1);
    assert_damaged(xml->str, "larger than any VirtFlow writes (more than 1048576 bytes)");
}

/* ---- errors ------------------------------------------------------------------------ */

static void
assert_activate_fails(const char *xml, const char *gpu, const VfPassthroughDevice *devices, guint n,
                      int code, const char *message_part)
{
    g_autoptr(GError) error = NULL;
    char *out = vf_domain_xml_activate(xml, gpu, devices, n, &error);

    g_assert_null(out);
    g_assert_error(error, VF_ERROR, code);
    if (strstr(error->message, message_part) == NULL)
        g_test_fail_printf("error message '%s' does not mention '%s'", error->message,
                           message_part);
}

static void
test_malformed_xml(void)
{
    static const char *const broken = "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n"
                                      "</domain>\n";
    g_autoptr(GError) error = NULL;
    g_autofree char *gpu = NULL;

    assert_activate_fails(broken, "0000:01:00.0", gpu_functions, 2, VF_ERROR_XML,
                          "Malformed domain XML: line 4: Opening and ending tag mismatch");
    assert_activate_fails("", "0000:01:00.0", gpu_functions, 2, VF_ERROR_XML,
                          "Malformed domain XML");
    assert_activate_fails("<domain><devices/></domain><domain/>", "0000:01:00.0", gpu_functions, 2,
                          VF_ERROR_XML, "Malformed domain XML");
    /* A prefix without its namespace: libvirt would not take it either. */
    assert_activate_fails("<domain><devices/><qemu:commandline/></domain>", "0000:01:00.0",
                          gpu_functions, 2, VF_ERROR_XML, "qemu");
    /* No entity expansion, no network. */
    assert_activate_fails("<!DOCTYPE domain [<!ENTITY x SYSTEM 'http://example.com/x'>]>"
                          "<domain><name>&x;</name><devices/></domain>",
                          "0000:01:00.0", gpu_functions, 2, VF_ERROR_XML, "DOCTYPE");

    g_assert_null(vf_domain_xml_deactivate(broken, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    g_clear_error(&error);
    g_assert_false(vf_domain_xml_get_passthrough(broken, &gpu, NULL, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    g_assert_null(gpu);
}

static void
test_wrong_root(void)
{
    g_autoptr(GError) error = NULL;

    assert_activate_fails("<network><name>default</name></network>", "0000:01:00.0", gpu_functions,
                          2, VF_ERROR_XML,
                          "Expected a libvirt domain XML, but the root element is <network>");
    assert_activate_fails("<d:domain xmlns:d='urn:x'/>", "0000:01:00.0", gpu_functions, 2,
                          VF_ERROR_XML, "root element is <domain>");
    assert_activate_fails("<domain type='kvm'><name>bare</name></domain>", "0000:01:00.0",
                          gpu_functions, 2, VF_ERROR_XML, "Domain 'bare' has no <devices>");
    g_assert_null(vf_domain_xml_deactivate("<network/>", &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_XML);
}

static void
test_bad_addresses(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = NULL;
    static const char *const bad[] = {
        "01:00.0",       "0000:01:00",        "0000:01:00.8", "0000:01:20.0", "0000:1:00.0",
        "0000:01:00.0 ", " 0000:01:00.0",     "0000-01-00.0", "000g:01:00.0", "",
        "0000:01:00.00", "123456789:01:00.0",
    };
    VfPassthroughDevice devices[2] = {{"0000:01:00.0", "nvidia"}, {NULL, "snd_hda_intel"}};
    VfPassthroughDevice upper[] = {{"0000:0A:00.0", NULL}, {"0000:0a:00.1", ""}};
    g_autoptr(GError) error = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *expected =
            g_strdup_printf("GPU address '%s' is not a PCI address", bad[i]);

        assert_activate_fails(in, bad[i], gpu_functions, 2, VF_ERROR_INVALID_ARGUMENT, expected);
    }
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *expected =
            g_strdup_printf("Device address '%s' is not a PCI address", bad[i]);

        devices[1].address = (char *)bad[i];
        assert_activate_fails(in, "0000:01:00.0", devices, 2, VF_ERROR_INVALID_ARGUMENT, expected);
    }
    devices[1].address = NULL;
    assert_activate_fails(in, "0000:01:00.0", devices, 2, VF_ERROR_INVALID_ARGUMENT,
                          "Device address '' is not a PCI address");

    assert_activate_fails(in, "0000:01:00.1", gpu_functions, 2, VF_ERROR_INVALID_ARGUMENT,
                          "GPU address 0000:01:00.1 is not function 0 of its slot");
    assert_activate_fails(in, "0000:02:00.0", gpu_functions, 2, VF_ERROR_INVALID_ARGUMENT,
                          "GPU 0000:02:00.0 is not among the devices to pass through");
    assert_activate_fails(in, "0000:01:00.0", gpu_functions, 0, VF_ERROR_INVALID_ARGUMENT,
                          "No device to pass through");

    devices[1].address = "0000:01:00.0";
    assert_activate_fails(in, "0000:01:00.0", devices, 2, VF_ERROR_INVALID_ARGUMENT,
                          "Device 0000:01:00.0 is listed twice");
    devices[1].address = "0000:01:00.1";
    devices[1].driver = "../../bin/sh";
    assert_activate_fails(in, "0000:01:00.0", devices, 2, VF_ERROR_INVALID_ARGUMENT,
                          "Device 0000:01:00.1 has an invalid driver name '../../bin/sh'");

    /* Upper case is accepted and written the sysfs way; an empty driver means none. */
    out = vf_domain_xml_activate(in, "0000:0A:00.0", upper, 2, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(out, "gpu=\"0000:0a:00.0\""));
    g_assert_nonnull(strstr(out, "<virtflow:device address=\"0000:0a:00.1\"/>"));
}

static void
test_foreign_hostdev(void)
{
    g_autofree char *in = read_data("looking-glass.in.xml");
    VfPassthroughDevice taken[] = {{"0000:0b:00.0", "nvidia"}, {"0000:0b:00.3", "xhci_hcd"}};

    assert_activate_fails(in, "0000:0b:00.0", taken, 2, VF_ERROR_INVALID_ARGUMENT,
                          "Domain 'win10-lg' already has a <hostdev> for 0000:0b:00.3 that "
                          "VirtFlow did not add: remove it first");
}

static void
test_malformed_metadata(void)
{
    g_autofree char *in = read_data("win11.in.xml");
    g_autofree char *out = activate(in, 2);
    static const struct {
        const char *from;
        const char *to;
        const char *message;
    } breakages[] = {
        {"gpu=\"0000:01:00.0\"", "gpu=\"bogus\"", "gpu 'bogus' is not a PCI address"},
        {"address=\"0000:01:00.1\" driver=\"snd_hda_intel\"", "address=\"1\"",
         "device address '1' is not a PCI address"},
        {"driver=\"snd_hda_intel\"", "driver=\"a/b\"", "invalid driver name 'a/b'"},
        {"<virtflow:removed position=\"24\">", "<virtflow:removed position=\"-1\">",
         "no valid position"},
        {"<virtflow:added element=\"video\"/>", "<virtflow:added element=\"teleporter\"/>",
         "does not understand: added element 'teleporter'"},
        {"<virtflow:device address=\"0000:01:00.0\" driver=\"nvidia\"/>", "",
         "GPU 0000:01:00.0 is not among its devices"},
        {"</virtflow:passthrough>",
         "</virtflow:passthrough><virtflow:passthrough xmlns:virtflow=\"" VF_DOMAIN_XML_NAMESPACE
         "\" gpu=\"0000:01:00.0\"/>",
         "two VirtFlow passthrough records"},
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(breakages); i++) {
        g_autoptr(GString) broken = g_string_new(out);
        g_autoptr(GError) error = NULL;
        g_autofree char *gpu = NULL;

        g_assert_cmpuint(g_string_replace(broken, breakages[i].from, breakages[i].to, 1), ==, 1);
        g_assert_false(vf_domain_xml_get_passthrough(broken->str, &gpu, NULL, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        if (strstr(error->message, breakages[i].message) == NULL ||
            strstr(error->message, "Domain 'win11'") == NULL)
            g_test_fail_printf("error message '%s' does not mention '%s'", error->message,
                               breakages[i].message);
        g_assert_null(gpu);
        g_clear_error(&error);
        g_assert_null(vf_domain_xml_deactivate(broken->str, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        g_clear_error(&error);
        g_assert_null(
            vf_domain_xml_activate(broken->str, "0000:01:00.0", gpu_functions, 2, &error));
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
    }
}

static void
test_no_free_slot(void)
{
    g_autoptr(GString) xml = g_string_new("<domain type='kvm'><name>full</name><os><type "
                                          "machine='pc'>hvm</type></os><devices>");
    guint slot;

    for (slot = 3; slot <= 0x1f; slot++)
        g_string_append_printf(xml,
                               "<interface type='network'><source network='default'/><address "
                               "type='pci' domain='0x0000' bus='0x00' slot='0x%02x' "
                               "function='0x0'/></interface>",
                               slot);
    g_string_append(xml, "</devices></domain>");
    assert_activate_fails(xml->str, "0000:01:00.0", gpu_functions, 2, VF_ERROR_FAILED,
                          "Domain 'full' has no free slot on PCI bus 0");
}

/* The address allocation compares devices with each other: a domain no one would write
 * is refused rather than rewritten in minutes. */
static void
test_too_many_devices(void)
{
    g_autoptr(GString) xml = g_string_new("<domain type='kvm'><name>many</name><devices>");
    guint i;

    for (i = 0; i < 100000; i++)
        g_string_append(xml, "<sound model='ich9'/>");
    g_string_append(xml, "</devices></domain>");
    assert_activate_fails(xml->str, "0000:01:00.0", gpu_functions, 2, VF_ERROR_XML,
                          "Domain 'many' has more than 4096 devices: not a domain VirtFlow can "
                          "rewrite");
}

static ProfileCase profile_cases[G_N_ELEMENTS(test_cases) * G_N_ELEMENTS(variants)];

/* Tune's record (tune/vf-tune-xml.h) shares <metadata>: activation created <metadata>, tune
 * added its record since; deactivation keeps tune's record and hands it the "added
 * metadata" mark, so that tune's undo removes <metadata> when it goes last. */
static void
test_tune_record_kept(void)
{
    g_autofree char *in = read_data("win11-rtx.in.xml");
    g_autofree char *activated = activate(in, 2);
    g_autofree char *both = NULL;
    g_autofree char *out = NULL;
    const char *at = strstr(activated, "</virtflow:passthrough>");

    g_assert_nonnull(strstr(activated, "<virtflow:added element=\"metadata\"/>"));
    g_assert_nonnull(at);
    at += strlen("</virtflow:passthrough>");
    both = g_strdup_printf(
        "%.*s\n    <vftune:tune xmlns:vftune=\"https://virtflow.org/xmlns/tune/1.0\" "
        "host-cpus=\"0\" vm-cpus=\"1\"/>%s",
        (int)(at - activated), activated, at);
    out = deactivate(both);
    g_assert_nonnull(strstr(out, "<metadata>"));
    g_assert_nonnull(strstr(out, "<vftune:added element=\"metadata\"/>"));
    g_assert_null(strstr(out, "virtflow:passthrough"));
}

int
main(int argc, char **argv)
{
    guint i;

    g_test_init(&argc, &argv, NULL);

    for (i = 0; i < G_N_ELEMENTS(test_cases); i++) {
        const TestCase *tc = &test_cases[i];
        g_autofree char *golden = g_strdup_printf("/domain/activate/%s", tc->name);
        g_autofree char *round = g_strdup_printf("/domain/round-trip/%s", tc->name);
        g_autofree char *get = g_strdup_printf("/domain/get-passthrough/%s", tc->name);

        g_test_add_data_func(golden, tc, test_activate_golden);
        g_test_add_data_func(round, tc, test_round_trip);
        g_test_add_data_func(get, tc, test_get_passthrough);
        if (tc->has_libvirt_capture) {
            g_autofree char *lv = g_strdup_printf("/domain/deactivate-libvirt-output/%s", tc->name);

            g_test_add_data_func(lv, tc, test_deactivate_libvirt_output);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(test_cases); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(variants); j++) {
            ProfileCase *pc = &profile_cases[i * G_N_ELEMENTS(variants) + j];
            g_autofree char *golden =
                g_strdup_printf("/domain/profile/%s/%s", test_cases[i].name, variants[j].suffix);
            g_autofree char *lv = g_strdup_printf("/domain/profile-libvirt/%s/%s",
                                                  test_cases[i].name, variants[j].suffix);

            pc->tc = &test_cases[i];
            pc->variant = &variants[j];
            g_test_add_data_func(golden, pc, test_profile_golden);
            g_test_add_data_func(lv, pc, test_profile_libvirt);
        }
    }
    for (i = 0; i < G_N_ELEMENTS(profile_captures); i++) {
        g_autofree char *path = g_strdup_printf("/domain/profile-libvirt-output/%s/%s",
                                                profile_captures[i][0], profile_captures[i][1]);

        g_test_add_data_func(path, profile_captures[i], test_profile_libvirt_capture);
    }
    g_test_add_func("/domain/profile/strings", test_profile_strings);
    g_test_add_func("/domain/profile/reactivate", test_profile_reactivate);
    g_test_add_func("/domain/profile/keeps-own-inputs", test_profile_keeps_own_inputs);
    g_test_add_func("/domain/error/profile", test_profile_bad_input);
    g_test_add_func("/domain/record/namespaces", test_record_namespaces);
    g_test_add_func("/domain/record/tampered", test_record_tampered);
    g_test_add_func("/domain/record/limits", test_record_limits);
    g_test_add_func("/domain/activate-twice-same-gpu", test_activate_twice_same_gpu);
    g_test_add_func("/domain/second-gpu", test_second_gpu);
    g_test_add_func("/domain/deactivate-not-activated", test_deactivate_not_activated);
    g_test_add_func("/domain/device-off-the-gpu-slot", test_device_off_the_gpu_slot);
    g_test_add_func("/domain/video-already-none", test_video_already_none);
    g_test_add_func("/domain/other-layouts", test_other_layouts);
    g_test_add_func("/domain/keeps-everything-else", test_keeps_everything_else);
    g_test_add_func("/domain/error/malformed-xml", test_malformed_xml);
    g_test_add_func("/domain/error/wrong-root", test_wrong_root);
    g_test_add_func("/domain/error/bad-addresses", test_bad_addresses);
    g_test_add_func("/domain/error/foreign-hostdev", test_foreign_hostdev);
    g_test_add_func("/domain/error/malformed-metadata", test_malformed_metadata);
    g_test_add_func("/domain/error/no-free-slot", test_no_free_slot);
    g_test_add_func("/domain/error/too-many-devices", test_too_many_devices);
    g_test_add_func("/domain/tune-record-kept", test_tune_record_kept);

    return g_test_run();
}
