/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-pci: PCI addresses as users type them, and devices as /sys/bus/pci shows them
 */
#include "vf-test-util.h"

#include "host/vf-pci.h"

/* ---- addresses ---- */

static const struct {
    const char *in;
    const char *out;
} vf_valid_addresses[] = {
    {"0000:01:00.0", "0000:01:00.0"}, {"01:00.0", "0000:01:00.0"}, /* no domain: domain 0 */
    {"0000:0A:1F.7", "0000:0a:1f.7"}, /* upper case, highest slot and function */
    {"ABCD:EF:1e.3", "abcd:ef:1e.3"}, {"ffff:ff:1f.7", "ffff:ff:1f.7"},
    {"0001:00:00.0", "0001:00:00.0"}, {"c1:00.1", "0000:c1:00.1"},
};

static void
test_address_valid(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_valid_addresses); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *canon = vf_pci_address_normalize(vf_valid_addresses[i].in, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(canon, ==, vf_valid_addresses[i].out);
    }
}

static const char *const vf_bad_addresses[] = {
    "../../etc",
    "0000:01:00.0/../..",
    "../0000:01:00.0",
    "0000:01:00.0/",
    "/sys/bus/pci/devices/0000:01:00.0",
    "1:2:3",
    "1:2.3",
    "0:01:00.0",
    "00000:01:00.0",
    "0000:001:00.0",
    "0000:01:000.0",
    "0000:01:00.00",
    "000g:01:00.0",
    "0000:0x:00.0",
    "0x:00.0",
    "zz:00.0",
    "0000:01:20.0", /* slot 0x20 > 0x1f */
    "0000:01:ff.0",
    "01:1g.0",
    "0000:01:00.8", /* function > 7 */
    "0000:01:00.f",
    "0000-01:00.0",
    "0000:01-00.0",
    "0000:01:00:0",
    "0000.01.00.0",
    " 0000:01:00.0",
    "0000:01:00.0 ",
    "0000:01:00.0\n",
    "+000:01:00.0",
    "-1:00.0",
    "0000:01:00.",
    ":01:00.0",
    "01:00",
    "",
    "gpu0",
    "0000:01:00.0;rm -rf /",
    "0000:01:00.0\xff",
    "\xe2\x82\xac\xe2\x82\xac:00.0",
};

static void
test_address_invalid(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_bad_addresses); i++) {
        const char *in = vf_bad_addresses[i];
        g_autoptr(GError) error = NULL;
        g_autofree char *canon = vf_pci_address_normalize(in, &error);
        g_autofree char *shown = g_utf8_make_valid(in, -1);

        {
            g_autofree char *escaped = g_strescape(shown, NULL);

            g_test_message("address '%s'", escaped);
        }
        g_assert_null(canon);
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        /* the message quotes what the user typed, so they can see what is wrong with it */
        if (g_utf8_validate(in, -1, NULL) && strlen(in) <= 32) {
            g_autofree char *quoted = g_strconcat("'", in, "'", NULL);

            vf_assert_contains(VF_MSG(error), quoted);
        } else if (g_utf8_validate(in, -1, NULL)) {
            /* long input is named by its start */
            g_autofree char *quoted = g_strndup(in, 32);

            vf_assert_contains(VF_MSG(error), quoted);
        } else {
            vf_assert_contains(VF_MSG(error), "0000:01:00.0"); /* the example */
        }
        g_assert_true(error && g_utf8_validate(error->message, -1, NULL));
    }
}

static void
test_address_null(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *canon = vf_pci_address_normalize(NULL, &error);

    g_assert_null(canon);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "''");

    /* a caller that does not want the error must not crash either */
    g_assert_null(vf_pci_address_normalize(NULL, NULL));
    g_assert_null(vf_pci_address_normalize("../../etc", NULL));
}

static void
test_address_overlong(void)
{
    g_autoptr(GString) in = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *canon = NULL;

    for (guint i = 0; i < 1000; i++)
        g_string_append(in, "0000:01:00.0");
    canon = vf_pci_address_normalize(in->str, &error);
    g_assert_null(canon);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    /* named, but cut: a 12000-character message helps nobody */
    vf_assert_contains(VF_MSG(error), "'0000:01:00.00000:01:00.0");
    vf_assert_contains(VF_MSG(error), "…");
    g_assert_cmpuint(error ? strlen(error->message) : 0, <, 300);
}

static void
test_address_helpers(void)
{
    g_assert_true(vf_pci_address_same_slot("0000:01:00.0", "0000:01:00.1"));
    g_assert_true(vf_pci_address_same_slot("0000:01:00.0", "0000:01:00.7"));
    g_assert_false(vf_pci_address_same_slot("0000:01:00.0", "0000:01:01.0"));
    g_assert_false(vf_pci_address_same_slot("0000:01:00.0", "0000:02:00.0"));
    g_assert_false(vf_pci_address_same_slot("0000:01:00.0", "0001:01:00.0"));
    g_assert_cmpuint(vf_pci_address_get_function("0000:01:00.0"), ==, 0);
    g_assert_cmpuint(vf_pci_address_get_function("0000:01:00.3"), ==, 3);
    g_assert_cmpuint(vf_pci_address_get_function("0000:0a:1f.7"), ==, 7);

    {
        g_autofree char *dir = vf_pci_device_path("0000:01:00.0", NULL);
        g_autofree char *attr = vf_pci_device_path("0000:01:00.0", "driver_override");

        g_assert_cmpstr(dir, ==, "/sys/bus/pci/devices/0000:01:00.0");
        g_assert_cmpstr(attr, ==, "/sys/bus/pci/devices/0000:01:00.0/driver_override");
    }
}

/* ---- devices ---- */

/* A desktop: chipset devices, Intel iGPU (boot display), NVIDIA dGPU + HDMI audio behind a
 * root port, an AMD card behind its own PCIe switch, a USB controller left without driver. */
static const VfKmodelDevice vf_pci_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:01.1", 0x060400, 0x8086, 0x460e, "pcieport", NULL, 2, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 3, 1, NULL, "card0 renderD128"},
    {"0000:00:14.0", 0x0c0330, 0x8086, 0x7ae0, "xhci_hcd", "xhci_pci", 4, -1},
    {"0000:00:14.3", 0x0c0330, 0x8086, 0x7ae1, "xhci_hcd", "xhci_pci", 4, -1, NULL, NULL, NULL,
     NULL, TRUE},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {"0000:02:00.0", 0x060400, 0x1002, 0x1478, "pcieport", NULL, 13, -1, "0000:00:01.1"},
    {"0000:03:00.0", 0x060400, 0x1002, 0x1479, "pcieport", NULL, 14, -1, "0000:02:00.0"},
    {"0000:04:00.0", 0x030000, 0x1002, 0x744c, "amdgpu", NULL, 15, 0, "0000:03:00.0",
     "card2 renderD130"},
    {"0000:04:00.1", 0x040300, 0x1002, 0xab30, "snd_hda_intel", NULL, 16, -1, "0000:03:00.0", NULL,
     NULL, "card2"},
    {NULL},
};

static const VfKmodelHost vf_pci_host = {
    .loaded = "vfio vfio_iommu_type1 vfio_pci pcieport i915 xhci_pci nvidia snd_hda_intel amdgpu",
    .devices = vf_pci_devices,
};

static void
test_device_read(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciDevice) dgpu = vf_pci_device_new(th->host, "0000:01:00.0", &error);
    g_autoptr(VfPciDevice) igpu = NULL;
    g_autoptr(VfPciDevice) audio = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(dgpu->address, ==, "0000:01:00.0");
    g_assert_cmphex(dgpu->vendor_id, ==, 0x10de);
    g_assert_cmphex(dgpu->device_id, ==, 0x2684);
    g_assert_cmphex(dgpu->subsystem_vendor_id, ==, 0x10de);
    g_assert_cmphex(dgpu->subsystem_device_id, ==, 0x1234);
    g_assert_cmphex(dgpu->class_code, ==, 0x030000);
    g_assert_cmphex(dgpu->revision, ==, 0xa1);
    g_assert_cmpstr(dgpu->driver, ==, "nvidia");
    g_assert_cmpstr(dgpu->driver_module, ==, "nvidia");
    g_assert_null(dgpu->driver_override); /* the kernel shows "(null)" */
    g_assert_cmpint(dgpu->iommu_group, ==, 12);
    g_assert_cmpint(dgpu->boot_vga, ==, 0);
    g_assert_cmpstr(dgpu->parent, ==, "0000:00:01.0");
    g_assert_cmpstr(dgpu->reset_method, ==, "flr bus");
    g_assert_cmpstr(dgpu->power_state, ==, "D0");
    g_assert_true(vf_pci_device_is_display(dgpu));
    g_assert_false(vf_pci_device_is_bridge(dgpu));
    g_assert_false(vf_pci_device_is_gpu_companion(dgpu));

    igpu = vf_pci_device_new(th->host, "00:02.0", &error); /* short form works too */
    g_assert_no_error(error);
    g_assert_cmpstr(igpu->address, ==, "0000:00:02.0");
    g_assert_cmpint(igpu->boot_vga, ==, 1);
    g_assert_null(igpu->parent); /* on the root bus */
    g_assert_cmpstr(igpu->driver, ==, "i915");

    audio = vf_pci_device_new(th->host, "0000:01:00.1", &error);
    g_assert_no_error(error);
    g_assert_cmpint(audio->boot_vga, ==, -1); /* no boot_vga attribute */
    g_assert_cmpstr(audio->driver, ==, "snd_hda_intel");
    g_assert_true(vf_pci_device_is_gpu_companion(audio));
    g_assert_false(vf_pci_device_is_display(audio));
}

static void
test_device_module_and_unbound(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciDevice) usb = vf_pci_device_new(th->host, "0000:00:14.0", &error);
    g_autoptr(VfPciDevice) idle = NULL;
    g_autoptr(VfPciDevice) host_bridge = NULL;

    g_assert_no_error(error);
    /* the driver's name and its module's differ: xhci_hcd is provided by xhci_pci */
    g_assert_cmpstr(usb->driver, ==, "xhci_hcd");
    g_assert_cmpstr(usb->driver_module, ==, "xhci_pci");
    g_assert_true(vf_pci_device_is_gpu_companion(usb)); /* class 0x0c03: USB-C of a GPU */

    idle = vf_pci_device_new(th->host, "0000:00:14.3", &error);
    g_assert_no_error(error);
    g_assert_null(idle->driver);
    g_assert_null(idle->driver_module);

    host_bridge = vf_pci_device_new(th->host, "0000:00:00.0", &error);
    g_assert_no_error(error);
    g_assert_true(vf_pci_device_is_bridge(host_bridge));
    g_assert_null(host_bridge->driver);
    g_assert_cmpstr(host_bridge->reset_method, ==, "bus");
}

static void
test_device_parents(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    static const struct {
        const char *address, *parent;
    } chain[] = {
        {"0000:04:00.0", "0000:03:00.0"}, /* GPU → switch downstream port */
        {"0000:04:00.1", "0000:03:00.0"},
        {"0000:03:00.0", "0000:02:00.0"}, /* downstream → upstream port */
        {"0000:02:00.0", "0000:00:01.1"}, /* upstream port → root port */
        {"0000:00:01.1", NULL},
    };

    for (guint i = 0; i < G_N_ELEMENTS(chain); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfPciDevice) dev = vf_pci_device_new(th->host, chain[i].address, &error);

        g_assert_no_error(error);
        g_assert_cmpstr(dev->parent, ==, chain[i].parent);
    }
}

static void
test_device_override(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciDevice) before = NULL;
    g_autoptr(VfPciDevice) set = NULL;
    g_autoptr(VfPciDevice) cleared = NULL;
    g_autofree char *raw = NULL;

    before = vf_pci_device_new(th->host, "0000:01:00.1", &error);
    g_assert_no_error(error);
    g_assert_null(before->driver_override);

    vf_host_write(th->host, "/sys/bus/pci/devices/0000:01:00.1/driver_override", "vfio-pci",
                  &error);
    g_assert_no_error(error);
    set = vf_pci_device_new(th->host, "0000:01:00.1", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(set->driver_override, ==, "vfio-pci");
    g_assert_cmpstr(set->driver, ==, "snd_hda_intel"); /* an override alone moves nothing */

    vf_host_write(th->host, "/sys/bus/pci/devices/0000:01:00.1/driver_override", "\n", &error);
    g_assert_no_error(error);
    cleared = vf_pci_device_new(th->host, "0000:01:00.1", &error);
    g_assert_no_error(error);
    g_assert_null(cleared->driver_override);
    raw = vf_host_read(th->host, "/sys/bus/pci/devices/0000:01:00.1/driver_override", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(raw, ==, "(null)");
}

static void
test_device_not_found(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciDevice) dev = vf_pci_device_new(th->host, "0000:09:00.0", &error);

    g_assert_null(dev);
    g_assert_error(error, VF_ERROR, VF_ERROR_NOT_FOUND);
    vf_assert_contains(VF_MSG(error), "0000:09:00.0");
    g_clear_error(&error);

    /* a malformed address never reaches the file system */
    dev = vf_pci_device_new(th->host, "../../../etc/passwd", &error);
    g_assert_null(dev);
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "../../../etc/passwd");
}

static const VfKmodelDevice vf_pci_no_iommu_devices[] = {
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, -1, 1},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, -1, 0},
    {NULL},
};

static const VfKmodelHost vf_pci_no_iommu_host = {
    .loaded = "i915 nvidia",
    .devices = vf_pci_no_iommu_devices,
};

static void
test_device_no_group(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_no_iommu_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciDevice) dev = vf_pci_device_new(th->host, "0000:01:00.0", &error);

    g_assert_no_error(error);
    g_assert_cmpint(dev->iommu_group, ==, -1);
}

static char *
vf_addresses(GPtrArray *devices)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < devices->len; i++)
        g_string_append_printf(out, "%s%s", i ? " " : "",
                               ((VfPciDevice *)devices->pdata[i])->address);
    return g_string_free(out, FALSE);
}

static void
test_bus_scan(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciBus) bus = vf_pci_bus_scan(th->host, &error);
    g_autoptr(GPtrArray) slot = NULL;
    g_autoptr(GPtrArray) group = NULL;
    g_autoptr(GPtrArray) none = NULL;
    g_autofree char *all = NULL;
    g_autofree char *slot_s = NULL;
    g_autofree char *group_s = NULL;
    VfPciDevice *dgpu;

    g_assert_no_error(error);
    all = vf_addresses(bus->devices);
    g_assert_cmpstr(all, ==,
                    "0000:00:00.0 0000:00:01.0 0000:00:01.1 0000:00:02.0 0000:00:14.0 "
                    "0000:00:14.3 0000:01:00.0 0000:01:00.1 0000:02:00.0 0000:03:00.0 "
                    "0000:04:00.0 0000:04:00.1");
    dgpu = vf_pci_bus_lookup(bus, "0000:01:00.0");
    g_assert_nonnull(dgpu);
    g_assert_null(vf_pci_bus_lookup(bus, "0000:09:00.0"));

    slot = vf_pci_bus_dup_slot_functions(bus, dgpu);
    slot_s = vf_addresses(slot);
    g_assert_cmpstr(slot_s, ==, "0000:01:00.0 0000:01:00.1");

    group = vf_pci_bus_dup_group_members(bus, 4);
    group_s = vf_addresses(group);
    g_assert_cmpstr(group_s, ==, "0000:00:14.0 0000:00:14.3");

    none = vf_pci_bus_dup_group_members(bus, -1);
    g_assert_cmpuint(none->len, ==, 0);
}

static void
test_bus_scan_odd_entries(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_pci_host, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfPciBus) bus = NULL;
    g_autofree char *junk = vf_test_host_path(th, "sys/bus/pci/devices/not-a-device");
    g_autofree char *empty = NULL;

    /* a stray entry (or a device that vanished while we looked) is skipped */
    g_assert_cmpint(g_mkdir_with_parents(junk, 0755), ==, 0);
    bus = vf_pci_bus_scan(th->host, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(bus->devices->len, ==, 12);
    g_clear_pointer(&bus, vf_pci_bus_free);

    /* no /sys/bus/pci at all: an empty bus, not a crash */
    empty = g_dir_make_tmp("virtflow-test-XXXXXX", &error);
    g_assert_no_error(error);
    {
        g_autoptr(VfHost) host = vf_host_new(empty, &error);

        g_assert_no_error(error);
        bus = vf_pci_bus_scan(host, &error);
        g_assert_no_error(error);
        g_assert_cmpuint(bus->devices->len, ==, 0);
    }
    vf_test_rm_rf(empty);
}

static void
test_names_fallback(void)
{
    /* ids pci.ids does not know come back as hex, never as NULL (0002 is no vendor) */
    VfPciDevice dev = {.vendor_id = 0x0002, .device_id = 0xabcd, .class_code = 0xfe0000};
    g_autofree char *vendor = vf_pci_device_dup_vendor_name(&dev);
    g_autofree char *name = vf_pci_device_dup_device_name(&dev);
    g_autofree char *cls = vf_pci_class_dup_name(0xfe0000);

    g_assert_cmpstr(vendor, ==, "0002");
    g_assert_cmpstr(name, ==, "0002:abcd");
    g_assert_cmpstr(cls, ==, "class fe0000");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/pci/address/valid", test_address_valid);
    g_test_add_func("/pci/address/invalid", test_address_invalid);
    g_test_add_func("/pci/address/null", test_address_null);
    g_test_add_func("/pci/address/overlong", test_address_overlong);
    g_test_add_func("/pci/address/helpers", test_address_helpers);
    g_test_add_func("/pci/device/read", test_device_read);
    g_test_add_func("/pci/device/module-and-unbound", test_device_module_and_unbound);
    g_test_add_func("/pci/device/parents", test_device_parents);
    g_test_add_func("/pci/device/override", test_device_override);
    g_test_add_func("/pci/device/not-found", test_device_not_found);
    g_test_add_func("/pci/device/no-group", test_device_no_group);
    g_test_add_func("/pci/bus/scan", test_bus_scan);
    g_test_add_func("/pci/bus/odd-entries", test_bus_scan_odd_entries);
    g_test_add_func("/pci/names/fallback", test_names_fallback);

    return g_test_run();
}
