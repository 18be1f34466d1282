/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-pci.h"

#include "core/vf-error.h"
#include "core/vf-util.h"

#include <dlfcn.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <string.h>

#define VF_PCI_ADDRESS_MAX 32

static gboolean
vf_pci_parse_hex(const char *s, gsize len, guint max, guint *ret)
{
    guint value = 0;

    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
        value = value * 16 + g_ascii_xdigit_value(s[i]);
    }
    if (value > max)
        return FALSE;
    *ret = value;
    return TRUE;
}

char *
vf_pci_address_normalize(const char *text, GError **error)
{
    guint domain = 0, bus, slot, function;
    const char *p = text;
    gsize len;
    g_autofree char *shown = NULL;

    if (text == NULL)
        text = p = "";
    len = strlen(text);
    shown = g_utf8_make_valid(text, MIN(len, VF_PCI_ADDRESS_MAX));

    /* DDDD:BB:SS.F is 12 characters, BB:SS.F 7: anything else is not an address */
    if (len == 12) {
        if (p[4] != ':' || !vf_pci_parse_hex(p, 4, 0xffff, &domain))
            goto invalid;
        p += 5;
    } else if (len != 7) {
        goto invalid;
    }
    if (p[2] != ':' || p[5] != '.' || !vf_pci_parse_hex(p, 2, 0xff, &bus) ||
        !vf_pci_parse_hex(p + 3, 2, 0x1f, &slot) || !vf_pci_parse_hex(p + 6, 1, 7, &function))
        goto invalid;

    return g_strdup_printf("%04x:%02x:%02x.%x", domain, bus, slot, function);

invalid:
    g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                "'%s%s' is not a PCI address: expected DOMAIN:BUS:SLOT.FUNCTION in hex, "
                "e.g. 0000:01:00.0 (see 'virtflow gpu list')",
                shown, len > VF_PCI_ADDRESS_MAX ? "…" : "");
    vf_error_add_fix(error, "Give the address as the GPU list shows it, e.g. 0000:01:00.0");
    return NULL;
}

gboolean
vf_pci_address_same_slot(const char *a, const char *b)
{
    /* canonical addresses: "DDDD:BB:SS" is the first 10 characters */
    return strncmp(a, b, 10) == 0;
}

guint
vf_pci_address_get_function(const char *address)
{
    return g_ascii_xdigit_value(address[11]);
}

char *
vf_pci_device_path(const char *address, const char *attribute)
{
    if (attribute == NULL)
        return g_strconcat("/sys/bus/pci/devices/", address, NULL);
    return g_strconcat("/sys/bus/pci/devices/", address, "/", attribute, NULL);
}

void
vf_pci_device_free(VfPciDevice *dev)
{
    if (dev == NULL)
        return;
    g_free(dev->address);
    g_free(dev->driver);
    g_free(dev->driver_module);
    g_free(dev->driver_override);
    g_free(dev->parent);
    g_free(dev->reset_method);
    g_free(dev->power_state);
    g_free(dev);
}

static guint64
vf_pci_read_hex_at(int dir_fd, const char *attribute)
{
    g_autofree char *text = vf_host_read_at(dir_fd, attribute);
    guint64 value = 0;

    vf_host_parse_uint(text, 16, &value);
    return value;
}

/* The module providing @driver (drivers/D/module), asked once per driver and scan. */
static char *
vf_pci_driver_module(VfHost *host, const char *driver, GHashTable *cache)
{
    g_autofree char *module_path = NULL;
    char *module;

    if (cache && g_hash_table_lookup_extended(cache, driver, NULL, (gpointer *)&module))
        return g_strdup(module);
    module_path = g_strconcat("/sys/bus/pci/drivers/", driver, "/module", NULL);
    module = vf_host_readlink_name(host, module_path);
    if (cache)
        g_hash_table_insert(cache, g_strdup(driver), g_strdup(module));
    return module;
}

static void
vf_pci_device_load_details_at(VfHost *host, VfPciDevice *dev, int dfd, GHashTable *module_cache)
{
    g_autofree char *dir = vf_pci_device_path(dev->address, NULL);
    vf_autofd int own = -1;

    if (dev->details)
        return;
    dev->details = TRUE;
    if (dfd < 0)
        dfd = own = vf_host_open_dir(host, dir);
    dev->vendor_id = vf_pci_read_hex_at(dfd, "vendor");
    dev->device_id = vf_pci_read_hex_at(dfd, "device");
    dev->subsystem_vendor_id = vf_pci_read_hex_at(dfd, "subsystem_vendor");
    dev->subsystem_device_id = vf_pci_read_hex_at(dfd, "subsystem_device");
    dev->revision = vf_pci_read_hex_at(dfd, "revision");
    if (dev->driver)
        dev->driver_module = vf_pci_driver_module(host, dev->driver, module_cache);
    dev->driver_override = vf_host_read_at(dfd, "driver_override");
    if (dev->driver_override &&
        (g_str_equal(dev->driver_override, "(null)") || *dev->driver_override == '\0'))
        g_clear_pointer(&dev->driver_override, g_free);

    /* only VGA-class devices have boot_vga: do not look for it on the others */
    dev->boot_vga = -1;
    if ((dev->class_code >> 16) == VF_PCI_CLASS_DISPLAY) {
        g_autofree char *boot_vga = vf_host_read_at(dfd, "boot_vga");

        dev->boot_vga = boot_vga ? g_str_equal(boot_vga, "1") : -1;
    }

    /* the device's own directory sits inside its upstream bridge's directory */
    {
        g_autofree char *target = vf_host_readlink(host, dir);

        if (target) {
            g_autofree char *up = g_path_get_dirname(target);
            g_autofree char *name = g_path_get_basename(up);
            g_autofree char *parent = vf_pci_address_normalize(name, NULL);

            if (parent && strlen(name) == 12)
                dev->parent = g_steal_pointer(&parent);
        }
    }
    dev->reset_method = vf_host_read_at(dfd, "reset_method");
    dev->power_state = vf_host_read_at(dfd, "power_state");
}

void
vf_pci_device_load_details(VfHost *host, VfPciDevice *dev)
{
    vf_pci_device_load_details_at(host, dev, -1, NULL);
}

static VfPciDevice *
vf_pci_device_new_cached(VfHost *host, const char *address, GHashTable *module_cache,
                         gboolean details, GError **error)
{
    g_autoptr(VfPciDevice) dev = NULL;
    g_autofree char *canon = vf_pci_address_normalize(address, error);
    g_autofree char *dir = NULL;
    g_autofree char *class_text = NULL;
    g_autofree char *group = NULL;
    vf_autofd int dfd = -1;
    guint64 class_code;

    if (canon == NULL)
        return NULL;

    /* one lookup of the device's directory; its attributes are read relative to it */
    dir = vf_pci_device_path(canon, NULL);
    dfd = vf_host_open_dir(host, dir);
    /* "class" exists for every PCI function: its absence means no such device */
    class_text = dfd >= 0 ? vf_host_read_at(dfd, "class") : NULL;
    if (!vf_host_parse_uint(class_text, 16, &class_code)) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "PCI device %s does not exist on this host (no '%s/class'); see 'virtflow "
                    "gpu list' or 'virtflow host --groups'",
                    canon, dir);
        return NULL;
    }

    dev = g_new0(VfPciDevice, 1);
    dev->address = g_steal_pointer(&canon);
    dev->class_code = class_code & 0xffffff;
    dev->boot_vga = -1;
    dev->driver = vf_host_readlink_name_at(dfd, "driver");
    group = vf_host_readlink_name_at(dfd, "iommu_group");
    dev->iommu_group = -1;
    if (group) {
        guint64 n;

        if (g_ascii_string_to_unsigned(group, 10, 0, G_MAXINT, &n, NULL))
            dev->iommu_group = n;
    }
    if (details)
        vf_pci_device_load_details_at(host, dev, dfd, module_cache);
    return g_steal_pointer(&dev);
}

VfPciDevice *
vf_pci_device_new(VfHost *host, const char *address, GError **error)
{
    return vf_pci_device_new_cached(host, address, NULL, TRUE, error);
}

gboolean
vf_pci_device_is_display(const VfPciDevice *dev)
{
    return (dev->class_code >> 16) == VF_PCI_CLASS_DISPLAY;
}

gboolean
vf_pci_device_is_bridge(const VfPciDevice *dev)
{
    return (dev->class_code >> 16) == VF_PCI_CLASS_BRIDGE;
}

gboolean
vf_pci_device_is_gpu_companion(const VfPciDevice *dev)
{
    guint sub = dev->class_code >> 8;

    return sub == VF_PCI_SUBCLASS_HDA || sub == VF_PCI_SUBCLASS_USB ||
           sub == VF_PCI_SUBCLASS_SERIAL_BUS;
}

/*
 * libpci's name database, opened on first use with dlopen(): the commands that never show
 * a name (bind, restore, the libvirt hook) then do not load libpci and what it pulls in
 * (libudev, ...), which is most of a process's start-up time under emulation. systemd
 * loads its optional libraries the same way. Without libpci, names fall back to ids.
 */
static GMutex vf_pci_names_lock;
static gboolean vf_pci_names_tried;
static struct pci_access *vf_pci_names;
static char *(*vf_pci_lookup_name)(struct pci_access *, char *, int, int, ...);

static void
vf_pci_names_quiet(char *msg, ...)
{
    /* warnings and debug lines: a missing pci.ids only costs us the names */
    (void)msg;
}

G_GNUC_NORETURN static void
vf_pci_names_fatal(char *msg, ...)
{
    /* libpci calls this only for a misuse of its API, and it must not return */
    g_error("libpci: %s", msg);
}

static gboolean
vf_pci_names_open(void)
{
    struct pci_access *(*alloc)(void);
    void *lib;

    if (vf_pci_names_tried)
        return vf_pci_names != NULL;
    vf_pci_names_tried = TRUE;
    lib = dlopen("libpci.so.3", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL)
        return FALSE;
    alloc = (struct pci_access * (*)(void)) dlsym(lib, "pci_alloc");
    vf_pci_lookup_name =
        (char *(*)(struct pci_access *, char *, int, int, ...))dlsym(lib, "pci_lookup_name");
    if (alloc == NULL || vf_pci_lookup_name == NULL)
        return FALSE;
    /* pci_alloc() leaves the callbacks unset (pci_init() would set them, and scan the
     * bus, which we do not want): every one libpci may call must be ours */
    vf_pci_names = alloc();
    vf_pci_names->error = vf_pci_names_fatal;
    vf_pci_names->warning = vf_pci_names_quiet;
    vf_pci_names->debug = vf_pci_names_quiet;
    /* no ~/.pciids-cache (Debian's default PCI_LOOKUP_CACHE): it only holds names that
     * `lspci -q` found by DNS, and the first unknown id would cost a getpwuid() (NSS) */
    vf_pci_names->id_lookup_mode = 0;
    vf_pci_names->numeric_ids = 0;
    return TRUE;
}

static char *
vf_pci_lookup(int flags, int a, int b)
{
    char buf[256];
    char *name = NULL;

    g_mutex_lock(&vf_pci_names_lock);
    if (vf_pci_names_open())
        name = vf_pci_lookup_name(vf_pci_names, buf, sizeof(buf),
                                  flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB, a, b);
    g_mutex_unlock(&vf_pci_names_lock);
    return name ? g_strdup(name) : NULL;
}

char *
vf_pci_device_dup_vendor_name(const VfPciDevice *dev)
{
    char *name = vf_pci_lookup(PCI_LOOKUP_VENDOR, dev->vendor_id, 0);

    return name ? name : g_strdup_printf("%04x", dev->vendor_id);
}

char *
vf_pci_device_dup_device_name(const VfPciDevice *dev)
{
    char *name = vf_pci_lookup(PCI_LOOKUP_DEVICE, dev->vendor_id, dev->device_id);

    return name ? name : g_strdup_printf("%04x:%04x", dev->vendor_id, dev->device_id);
}

char *
vf_pci_class_dup_name(guint32 class_code)
{
    char *name = vf_pci_lookup(PCI_LOOKUP_CLASS, class_code >> 8, 0);

    return name ? name : g_strdup_printf("class %06x", class_code);
}

static int
vf_pci_device_cmp(gconstpointer a, gconstpointer b)
{
    const VfPciDevice *da = *(VfPciDevice *const *)a;
    const VfPciDevice *db = *(VfPciDevice *const *)b;

    return strcmp(da->address, db->address);
}

static VfPciBus *
vf_pci_bus_scan_internal(VfHost *host, gboolean details, GError **error)
{
    g_autoptr(VfPciBus) bus = g_new0(VfPciBus, 1);
    g_autoptr(GPtrArray) names = vf_host_list_dir(host, "/sys/bus/pci/devices");
    g_autoptr(GHashTable) module_cache = NULL;

    bus->devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_pci_device_free);
    bus->by_address = g_hash_table_new(g_str_hash, g_str_equal);
    if (names == NULL) {
        /* no PCI at all (a container, a wrong --host-root): an empty bus, said by callers */
        return g_steal_pointer(&bus);
    }
    module_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < names->len; i++) {
        g_autoptr(GError) local = NULL;
        VfPciDevice *dev =
            vf_pci_device_new_cached(host, names->pdata[i], module_cache, details, &local);

        /* a device may vanish while we look (hot unplug): skip it, but not bad names */
        if (dev == NULL)
            continue;
        g_ptr_array_add(bus->devices, dev);
    }
    g_ptr_array_sort(bus->devices, vf_pci_device_cmp);
    for (guint i = 0; i < bus->devices->len; i++) {
        VfPciDevice *dev = bus->devices->pdata[i];

        g_hash_table_insert(bus->by_address, dev->address, dev);
    }
    (void)error;
    return g_steal_pointer(&bus);
}

VfPciBus *
vf_pci_bus_scan(VfHost *host, GError **error)
{
    return vf_pci_bus_scan_internal(host, TRUE, error);
}

VfPciBus *
vf_pci_bus_scan_light(VfHost *host, GError **error)
{
    return vf_pci_bus_scan_internal(host, FALSE, error);
}

void
vf_pci_bus_load_details(VfHost *host, VfPciBus *bus)
{
    for (guint i = 0; i < bus->devices->len; i++)
        vf_pci_device_load_details(host, bus->devices->pdata[i]);
}

void
vf_pci_bus_free(VfPciBus *bus)
{
    if (bus == NULL)
        return;
    if (bus->by_address)
        g_hash_table_unref(bus->by_address);
    if (bus->devices)
        g_ptr_array_unref(bus->devices);
    g_free(bus);
}

VfPciDevice *
vf_pci_bus_lookup(VfPciBus *bus, const char *address)
{
    return g_hash_table_lookup(bus->by_address, address);
}

GPtrArray *
vf_pci_bus_dup_slot_functions(VfPciBus *bus, const VfPciDevice *dev)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; i < bus->devices->len; i++) {
        VfPciDevice *other = bus->devices->pdata[i];

        if (vf_pci_address_same_slot(other->address, dev->address))
            g_ptr_array_add(out, other);
    }
    return out;
}

GPtrArray *
vf_pci_bus_dup_group_members(VfPciBus *bus, gint group)
{
    GPtrArray *out = g_ptr_array_new();

    if (group < 0)
        return out;
    for (guint i = 0; i < bus->devices->len; i++) {
        VfPciDevice *other = bus->devices->pdata[i];

        if (other->iommu_group == group)
            g_ptr_array_add(out, other);
    }
    return out;
}
