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
#include "vf-error.h"
#include "domain/vf-domain-xml.h"

#include <glib/gstdio.h>
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
    {"win11", 2, FALSE},        /* virt-manager Windows 11: q35, OVMF, TPM, SPICE + QXL */
    {"vnc-i440fx", 2, TRUE},    /* old i440fx: VNC, cirrus, ac97 */
    {"linux-virgl", 2, TRUE},   /* virtio-gpu 3D, SPICE GL, smartcard, webdav */
    {"looking-glass", 2, TRUE}, /* qemu:commandline, shmem, USB + PCI hostdevs */
    {"win11-rtx", 4, FALSE},    /* 4 GPU functions, no free root port, no <metadata> */
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

    return g_test_run();
}
