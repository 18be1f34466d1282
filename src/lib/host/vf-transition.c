/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-transition.h"

#include "host/vf-drivers.h"
#include "host/vf-input.h"
#include "host/vf-privileged.h"

#include "core/vf-error.h"
#include "core/vf-util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define VF_VFIO_DRIVER    "vfio-pci"
#define VF_VFIO_MODULE    "vfio_pci"
#define VF_VERIFY_POLL_MS 10
#define VF_VERIFY_WAIT_MS 3000
#define VF_LOCK_WAIT_MS   5000

static const char *const vf_transition_kind_names[] = {
    [VF_TRANSITION_BIND] = "bind",
    [VF_TRANSITION_RESTORE] = "restore",
    [VF_TRANSITION_RECOVER] = "recover",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_transition_kind_names) == VF_TRANSITION_LAST);

struct _VfTransition {
    VfHost *host;
    VfTransitionKind kind;
    char *gpu;
    char *usb;           /* a USB controller's set instead of a GPU's */
    GPtrArray *devices;  /* of VfDeviceOrigin* */
    GPtrArray *journals; /* recover: the journal files it finishes */
    GPtrArray *left;     /* restore: char*, devices of the set it leaves, and why */
    VfTransitionProgressFunc progress;
    gpointer progress_data;
};

/* Where one device must go. */
typedef struct {
    const char *driver; /* NULL: no driver, or (!known) the kernel's choice */
    gboolean known;
    const char *module;
    const char *override; /* NULL: cleared */
} VfTarget;

static const char *const vf_write_state_names[] = {
    [VF_WRITE_RUNNING] = "running",
    [VF_WRITE_DONE] = "done",
    [VF_WRITE_FAILED] = "failed",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_write_state_names) == VF_WRITE_LAST);

const char *
vf_write_state_to_string(VfWriteState state)
{
    return state < VF_WRITE_LAST ? vf_write_state_names[state] : "failed";
}

VfWriteState
vf_write_state_from_string(const char *name)
{
    int i = vf_name_index(vf_write_state_names, VF_WRITE_LAST, name);

    return i < 0 ? VF_WRITE_FAILED : (VfWriteState)i;
}

void
vf_transition_set_progress(VfTransition *t, VfTransitionProgressFunc func, gpointer user_data)
{
    t->progress = func;
    t->progress_data = user_data;
}

const char *
vf_transition_kind_to_string(VfTransitionKind kind)
{
    return kind < VF_TRANSITION_LAST ? vf_transition_kind_names[kind] : "unknown";
}

void
vf_sysfs_write_free(VfSysfsWrite *write)
{
    if (write == NULL)
        return;
    g_free(write->device);
    g_free(write->path);
    g_free(write->value);
    g_free(write);
}

void
vf_device_origin_free(VfDeviceOrigin *origin)
{
    if (origin == NULL)
        return;
    g_free(origin->address);
    g_free(origin->host_driver);
    g_free(origin->host_module);
    g_free(origin->host_override);
    g_free(origin);
}

static VfDeviceOrigin *
vf_device_origin_from_device(const VfPciDevice *dev)
{
    VfDeviceOrigin *o = g_new0(VfDeviceOrigin, 1);

    o->address = g_strdup(dev->address);
    o->iommu_group = dev->iommu_group;
    o->host_driver = g_strdup(dev->driver);
    o->host_module = g_strdup(dev->driver_module);
    o->host_override = g_strdup(dev->driver_override);
    o->host_driver_known = TRUE;
    return o;
}

static char *
vf_keyfile_get_opt(GKeyFile *kf, const char *group, const char *key)
{
    char *value = g_key_file_get_string(kf, group, key, NULL);

    if (value && *value == '\0')
        g_clear_pointer(&value, g_free);
    return value;
}

/* A device's origin from a record or a journal (@path, for messages). The names in it
 * become sysfs paths (/sys/bus/pci/drivers/NAME/bind) and module loads: each must be a
 * kernel name (vf_kernel_name_is_valid()), or the file is refused as damaged. */
static VfDeviceOrigin *
vf_device_origin_from_keyfile(GKeyFile *kf, const char *group, const char *address,
                              const char *path, GError **error)
{
    g_autoptr(VfDeviceOrigin) o = g_new0(VfDeviceOrigin, 1);
    const struct {
        const char *key;
        char **slot;
    } names[] = {
        {"host_driver", &o->host_driver},
        {"host_module", &o->host_module},
        {"host_override", &o->host_override},
    };

    o->address = g_strdup(address);
    o->iommu_group = g_key_file_get_integer(kf, group, "iommu_group", NULL);
    if (!g_key_file_has_key(kf, group, "iommu_group", NULL))
        o->iommu_group = -1;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        *names[i].slot = vf_keyfile_get_opt(kf, group, names[i].key);
        if (*names[i].slot && !vf_kernel_name_is_valid(*names[i].slot)) {
            g_autofree char *shown = g_strescape(*names[i].slot, NULL);

            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "VirtFlow's file '%s' is damaged: %s '%s' of device %s is not a kernel "
                        "driver or module name; move the file away and restore the device by "
                        "hand",
                        path, names[i].key, shown, address);
            return NULL;
        }
    }
    o->host_driver_known = g_key_file_get_boolean(kf, group, "host_driver_known", NULL);
    return g_steal_pointer(&o);
}

static void
vf_device_origin_to_keyfile(const VfDeviceOrigin *o, GKeyFile *kf, const char *group)
{
    g_key_file_set_string(kf, group, "address", o->address);
    g_key_file_set_integer(kf, group, "iommu_group", o->iommu_group);
    g_key_file_set_string(kf, group, "host_driver", o->host_driver ? o->host_driver : "");
    g_key_file_set_string(kf, group, "host_module", o->host_module ? o->host_module : "");
    g_key_file_set_string(kf, group, "host_override", o->host_override ? o->host_override : "");
    g_key_file_set_boolean(kf, group, "host_driver_known", o->host_driver_known);
}

static char *
vf_record_path(VfHost *host, const char *address)
{
    g_autofree char *name = g_strconcat("devices/", address, ".conf", NULL);

    return vf_host_dup_state_path(host, name);
}

/* VirtFlow's record of @address: TRUE with *@ret NULL when there is none, FALSE when it
 * is damaged. */
static gboolean
vf_device_origin_load_checked(VfHost *host, const char *address, VfDeviceOrigin **ret,
                              GError **error)
{
    g_autofree char *path = vf_record_path(host, address);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    VfDeviceOrigin *o;

    *ret = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        return TRUE;
    o = vf_device_origin_from_keyfile(kf, "device", address, path, error);
    *ret = o;
    return o != NULL;
}

VfDeviceOrigin *
vf_device_origin_load(VfHost *host, const char *address)
{
    VfDeviceOrigin *o = NULL;

    vf_device_origin_load_checked(host, address, &o, NULL);
    return o;
}

static VfTransition *
vf_transition_new(VfHost *host, VfTransitionKind kind, const char *gpu)
{
    VfTransition *t = g_new0(VfTransition, 1);

    t->host = vf_host_ref(host);
    t->kind = kind;
    t->gpu = g_strdup(gpu);
    t->devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_device_origin_free);
    t->journals = g_ptr_array_new_with_free_func(g_free);
    t->left = g_ptr_array_new_with_free_func(g_free);
    return t;
}

void
vf_transition_free(VfTransition *t)
{
    if (t == NULL)
        return;
    vf_host_unref(t->host);
    g_free(t->gpu);
    g_free(t->usb);
    g_ptr_array_unref(t->devices);
    g_ptr_array_unref(t->journals);
    g_ptr_array_unref(t->left);
    g_free(t);
}

VfTransitionKind
vf_transition_get_kind(VfTransition *t)
{
    return t->kind;
}

const char *
vf_transition_get_gpu(VfTransition *t)
{
    return t->gpu;
}

const char *
vf_transition_get_usb(VfTransition *t)
{
    return t->usb;
}

GPtrArray *
vf_transition_get_devices(VfTransition *t)
{
    return t->devices;
}

GPtrArray *
vf_transition_get_left(VfTransition *t)
{
    return t->left;
}

VfTransition *
vf_transition_new_bind(VfHost *host, VfHostReport *report, const char *address, GError **error)
{
    g_autoptr(VfTransition) t = NULL;
    VfGpu *gpu = vf_host_report_find_gpu(report, address, error);

    if (gpu == NULL)
        return NULL;
    if (!vf_gpu_check_eligible(gpu, error))
        return NULL;

    t = vf_transition_new(host, VF_TRANSITION_BIND, gpu->device->address);
    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *dev = gpu->passthrough->pdata[i];
        VfDeviceOrigin *record = NULL;

        /* already on vfio-pci: a bind of VirtFlow's before, whose record knows where it came
         * from; without a record someone else put it there, and vfio-pci is its origin:
         * the bind leaves it, an undo leaves it, and no record says VirtFlow moved it */
        if (g_strcmp0(dev->driver, VF_VFIO_DRIVER) == 0 &&
            !vf_device_origin_load_checked(host, dev->address, &record, error))
            return NULL;
        if (record && !record->host_driver_known)
            /* written by an older VirtFlow for a device it found on vfio-pci */
            g_clear_pointer(&record, vf_device_origin_free);
        g_ptr_array_add(t->devices, record ? record : vf_device_origin_from_device(dev));
    }
    return g_steal_pointer(&t);
}

static gboolean
vf_origins_have(GPtrArray *origins, const char *address)
{
    for (guint i = 0; i < origins->len; i++)
        if (g_str_equal(((VfDeviceOrigin *)origins->pdata[i])->address, address))
            return TRUE;
    return FALSE;
}

static gboolean
vf_device_on_vfio(const VfPciDevice *dev)
{
    return g_strcmp0(dev->driver, VF_VFIO_DRIVER) == 0 ||
           g_strcmp0(dev->driver_override, VF_VFIO_DRIVER) == 0;
}

/* A VM (QEMU) holding the group: unbinding would block in the kernel until it lets go. */
static gboolean
vf_gpu_check_not_in_vm(const VfGpu *gpu, GError **error)
{
    for (guint i = 0; i < gpu->holders->len; i++) {
        const VfHolder *h = gpu->holders->pdata[i];

        if (g_str_has_prefix(h->node, "/dev/vfio/")) {
            g_set_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE,
                        "GPU %s is in use by a VM: pid %d (%s) holds %s; stop the VM first "
                        "('virtflow stop VM')",
                        gpu->device->address, h->pid, h->comm, h->node);
            return FALSE;
        }
    }
    return TRUE;
}

/* Where restore leaves a device of the set that VirtFlow has no record of moving, said so. */
static void
vf_transition_leave(VfTransition *t, const VfPciDevice *dev)
{
    gboolean override_only = g_strcmp0(dev->driver, VF_VFIO_DRIVER) != 0;

    if (!vf_device_on_vfio(dev))
        return; /* on a host driver, or none: home, nothing to say */
    g_ptr_array_add(t->left, g_strdup_printf("left %s on %s%s: VirtFlow did not move it",
                                             dev->address, dev->driver ? dev->driver : "no driver",
                                             override_only ? " (driver_override vfio-pci)" : ""));
}

/*
 * Adds the devices of @gpu's set that VirtFlow moved: those with a device record
 * (devices/BDF.conf, written by the bind that moved them), else those in @recorded (the
 * caller's own record: a domain's <metadata>, with the drivers it names). Every other
 * member on vfio-pci was put there by someone else and stays, named in t->left.
 */
static gboolean
vf_transition_add_restore_devices(VfTransition *t, VfGpu *gpu, GPtrArray *set, GPtrArray *recorded,
                                  GError **error)
{
    gboolean checked = FALSE;

    for (guint i = 0; i < set->len; i++) {
        const VfPciDevice *dev = set->pdata[i];
        VfDeviceOrigin *o = NULL;

        if (vf_origins_have(t->devices, dev->address))
            continue;
        if (!vf_device_origin_load_checked(t->host, dev->address, &o, error))
            return FALSE;
        if (o && !o->host_driver_known)
            /* an older VirtFlow's record of a device it found on vfio-pci: not moved */
            g_clear_pointer(&o, vf_device_origin_free);
        for (guint r = 0; o == NULL && recorded && r < recorded->len; r++) {
            const VfDeviceOrigin *rec = recorded->pdata[r];

            if (!g_str_equal(rec->address, dev->address))
                continue;
            o = vf_device_origin_from_device(dev);
            g_free(o->host_driver);
            o->host_driver = g_strdup(rec->host_driver);
            g_free(o->host_module);
            o->host_module = g_strdup(rec->host_module);
            g_free(o->host_override);
            o->host_override = g_strdup(rec->host_override);
        }
        if (o == NULL) {
            vf_transition_leave(t, dev);
            continue;
        }
        if (dev->driver && !vf_device_on_vfio(dev) && g_strcmp0(dev->driver, o->host_driver) != 0) {
            /* on a host driver other than the recorded one (chosen since, or after a reboot):
             * it is home, whatever the record says */
            vf_device_origin_free(o);
            continue;
        }
        if (!checked && gpu && !vf_gpu_check_not_in_vm(gpu, error)) {
            vf_device_origin_free(o);
            return FALSE;
        }
        checked = TRUE;
        g_ptr_array_add(t->devices, o);
    }
    return TRUE;
}

static gboolean
vf_transition_add_restore_set(VfTransition *t, VfGpu *gpu, GPtrArray *recorded, GError **error)
{
    return vf_transition_add_restore_devices(t, gpu, gpu->passthrough, recorded, error);
}

/* The USB controller @address's set on @bus: it and the other endpoints of its IOMMU group
 * (bridges stay with the host). NULL when @address is not a USB controller of @bus. */
static GPtrArray *
vf_usb_dup_set(VfPciBus *bus, const char *address, GError **error)
{
    VfPciDevice *ctrl = vf_pci_bus_lookup(bus, address);
    g_autoptr(GPtrArray) members = NULL;
    GPtrArray *set = g_ptr_array_new();

    if (ctrl == NULL || (ctrl->class_code >> 8) != VF_PCI_SUBCLASS_USB || ctrl->iommu_group < 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "%s is not a USB controller with an IOMMU group on this host; see "
                    "'virtflow host --groups'",
                    address);
        g_ptr_array_unref(set);
        return NULL;
    }
    members = vf_pci_bus_dup_group_members(bus, ctrl->iommu_group);
    for (guint i = 0; i < members->len; i++)
        if (!vf_pci_device_is_bridge(members->pdata[i]))
            g_ptr_array_add(set, members->pdata[i]);
    return set;
}

VfTransition *
vf_transition_new_bind_usb(VfHost *host, const char *address, GError **error)
{
    g_autofree char *canon = vf_pci_address_normalize(address, error);
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(VfPciBus) bus = NULL;
    g_autoptr(GPtrArray) set = NULL;

    if (canon == NULL)
        return NULL;
    /* after a bind of its own the controller sits on vfio-pci with nothing behind it, and
     * passes again */
    if (!vf_input_check_usb_controller(host, canon, NULL, error))
        return NULL;
    if ((bus = vf_pci_bus_scan(host, error)) == NULL ||
        (set = vf_usb_dup_set(bus, canon, error)) == NULL)
        return NULL;
    t = vf_transition_new(host, VF_TRANSITION_BIND, NULL);
    t->usb = g_steal_pointer(&canon);
    for (guint i = 0; i < set->len; i++) {
        const VfPciDevice *dev = set->pdata[i];
        VfDeviceOrigin *record = NULL;

        /* as for a GPU's set: on vfio-pci without VirtFlow's record, it stays there */
        if (g_strcmp0(dev->driver, VF_VFIO_DRIVER) == 0 &&
            !vf_device_origin_load_checked(host, dev->address, &record, error))
            return NULL;
        if (record && !record->host_driver_known)
            g_clear_pointer(&record, vf_device_origin_free);
        g_ptr_array_add(t->devices, record ? record : vf_device_origin_from_device(dev));
    }
    return g_steal_pointer(&t);
}

VfTransition *
vf_transition_new_restore_usb(VfHost *host, const char *address, GPtrArray *recorded,
                              GError **error)
{
    g_autofree char *canon = vf_pci_address_normalize(address, error);
    g_autoptr(VfTransition) t = NULL;
    g_autoptr(VfPciBus) bus = NULL;
    g_autoptr(GPtrArray) set = NULL;

    if (canon == NULL)
        return NULL;
    if ((bus = vf_pci_bus_scan(host, error)) == NULL ||
        (set = vf_usb_dup_set(bus, canon, error)) == NULL)
        return NULL;
    t = vf_transition_new(host, VF_TRANSITION_RESTORE, NULL);
    t->usb = g_steal_pointer(&canon);
    if (!vf_transition_add_restore_devices(t, NULL, set, recorded, error))
        return NULL;
    return g_steal_pointer(&t);
}

VfTransition *
vf_transition_new_restore(VfHost *host, VfHostReport *report, const char *address, GError **error)
{
    return vf_transition_new_restore_recorded(host, report, address, NULL, error);
}

VfTransition *
vf_transition_new_restore_recorded(VfHost *host, VfHostReport *report, const char *address,
                                   GPtrArray *recorded, GError **error)
{
    g_autoptr(VfTransition) t = NULL;

    for (guint i = 0; recorded && i < recorded->len; i++) {
        const VfDeviceOrigin *rec = recorded->pdata[i];

        if ((rec->host_driver && !vf_kernel_name_is_valid(rec->host_driver)) ||
            (rec->host_module && !vf_kernel_name_is_valid(rec->host_module)) ||
            (rec->host_override && !vf_kernel_name_is_valid(rec->host_override))) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "The record of device %s names a driver that is not a kernel driver "
                        "name",
                        rec->address);
            return NULL;
        }
    }
    if (address) {
        VfGpu *gpu = vf_host_report_find_gpu(report, address, error);

        if (gpu == NULL)
            return NULL;
        t = vf_transition_new(host, VF_TRANSITION_RESTORE, gpu->device->address);
        if (!vf_transition_add_restore_set(t, gpu, recorded, error))
            return NULL;
        return g_steal_pointer(&t);
    }

    t = vf_transition_new(host, VF_TRANSITION_RESTORE, NULL);
    for (guint i = 0; i < report->gpus->len; i++)
        if (!vf_transition_add_restore_set(t, report->gpus->pdata[i], recorded, error))
            return NULL;
    return g_steal_pointer(&t);
}

static char *
vf_journal_dir(VfHost *host)
{
    return vf_host_dup_state_path(host, "journal");
}

VfTransition *
vf_transition_new_recover(VfHost *host, GError **error)
{
    g_autoptr(VfTransition) t = vf_transition_new(host, VF_TRANSITION_RECOVER, NULL);
    g_autofree char *dir_path = vf_journal_dir(host);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (dir == NULL)
        return NULL;
    while ((name = g_dir_read_name(dir)) != NULL)
        if (g_str_has_suffix(name, ".journal"))
            g_ptr_array_add(names, g_strdup(name));
    g_ptr_array_sort(names, vf_strcmp_ptrs);

    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(dir_path, names->pdata[i], NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) local = NULL;
        g_auto(GStrv) groups = NULL;

        if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
            g_set_error(error, VF_ERROR, VF_ERROR_IO,
                        "Cannot read the journal '%s': %s; move it away to continue", path,
                        local->message);
            return NULL;
        }
        groups = g_key_file_get_groups(kf, NULL);
        for (guint g = 0; groups[g]; g++) {
            g_autofree char *addr = NULL;

            if (!g_str_has_prefix(groups[g], "device "))
                continue;
            addr = vf_pci_address_normalize(groups[g] + strlen("device "), NULL);
            if (addr && !vf_origins_have(t->devices, addr)) {
                VfDeviceOrigin *o = vf_device_origin_from_keyfile(kf, groups[g], addr, path, error);

                if (o == NULL)
                    return NULL;
                g_ptr_array_add(t->devices, o);
            }
        }
        g_ptr_array_add(t->journals, g_steal_pointer(&path));
    }
    if (t->journals->len == 0)
        return NULL;
    return g_steal_pointer(&t);
}

/* ---- the state of one device as the kernel shows it now ---- */

typedef struct {
    char *driver;
    char *override;
} VfLiveState;

static void
vf_live_state_read(VfHost *host, const char *address, VfLiveState *st)
{
    g_autofree char *drv_path = vf_pci_device_path(address, "driver");
    g_autofree char *ovr_path = vf_pci_device_path(address, "driver_override");

    st->driver = vf_host_readlink_name(host, drv_path);
    st->override = vf_host_read_opt(host, ovr_path);
    if (st->override && (g_str_equal(st->override, "(null)") || *st->override == '\0'))
        g_clear_pointer(&st->override, g_free);
}

static void
vf_live_state_clear(VfLiveState *st)
{
    g_clear_pointer(&st->driver, g_free);
    g_clear_pointer(&st->override, g_free);
}

static void
vf_target_for(VfTransitionKind kind, const VfDeviceOrigin *o, gboolean undo, VfTarget *target)
{
    gboolean to_vfio = (kind == VF_TRANSITION_BIND) != undo;

    if (kind == VF_TRANSITION_RECOVER)
        to_vfio = FALSE;
    if (to_vfio) {
        target->driver = VF_VFIO_DRIVER;
        target->module = VF_VFIO_MODULE;
        target->override = VF_VFIO_DRIVER;
        target->known = TRUE;
    } else {
        target->known = o->host_driver_known;
        target->driver = o->host_driver;
        target->module = o->host_module ? o->host_module : o->host_driver;
        target->override = o->host_override;
    }
}

static void
vf_writes_add(GPtrArray *writes, const char *device, char *path, const char *value)
{
    VfSysfsWrite *w = g_new0(VfSysfsWrite, 1);

    w->device = g_strdup(device);
    w->path = path;
    w->value = g_strdup(value);
    g_ptr_array_add(writes, w);
}

static gboolean
vf_driver_registered(VfHost *host, const char *driver)
{
    g_autofree char *path = g_strconcat("/sys/bus/pci/drivers/", driver, NULL);

    return vf_host_is_dir(host, path);
}

/* The writes taking every device from its live state to its target, in phase order. */
static GPtrArray *
vf_transition_plan(VfTransition *t, gboolean undo, GPtrArray *modules)
{
    GPtrArray *writes = g_ptr_array_new_with_free_func((GDestroyNotify)vf_sysfs_write_free);
    guint n = t->devices->len;
    g_autofree VfLiveState *live = g_new0(VfLiveState, n);
    g_autofree VfTarget *targets = g_new0(VfTarget, n);

    for (guint i = 0; i < n; i++) {
        const VfDeviceOrigin *o = t->devices->pdata[i];

        vf_live_state_read(t->host, o->address, &live[i]);
        vf_target_for(t->kind, o, undo, &targets[i]);
    }

    /* 1. driver_override: decides which driver the probe below may pick */
    for (guint i = 0; i < n; i++) {
        const char *addr = ((VfDeviceOrigin *)t->devices->pdata[i])->address;

        gboolean change = targets[i].known
                              ? g_strcmp0(live[i].override, targets[i].override) != 0
                              /* no record: only undo what a bind does, keep the user's own */
                              : g_strcmp0(live[i].override, VF_VFIO_DRIVER) == 0;

        if (change)
            /* echo vfio-pci > driver_override; "\n" clears it, reading back "(null)" */
            vf_writes_add(writes, addr, vf_pci_device_path(addr, "driver_override"),
                          targets[i].override ? targets[i].override : "\n");
    }
    /* 2. unbind every endpoint before probing any: a VFIO group is only viable when no
     *    member is left on a host driver */
    for (guint i = 0; i < n; i++) {
        const char *addr = ((VfDeviceOrigin *)t->devices->pdata[i])->address;

        gboolean unbind = targets[i].known
                              ? live[i].driver && g_strcmp0(live[i].driver, targets[i].driver) != 0
                              /* no record: a device on a host driver already is home */
                              : g_strcmp0(live[i].driver, VF_VFIO_DRIVER) == 0;

        if (unbind)
            /* echo BDF > /sys/bus/pci/devices/BDF/driver/unbind */
            vf_writes_add(writes, addr, vf_pci_device_path(addr, "driver/unbind"), addr);
    }
    /* 3. probe: the kernel binds the override's driver, or the best match without one */
    for (guint i = 0; i < n; i++) {
        const char *addr = ((VfDeviceOrigin *)t->devices->pdata[i])->address;
        gboolean probe;

        if (targets[i].driver)
            probe = g_strcmp0(live[i].driver, targets[i].driver) != 0;
        else
            /* no recorded host driver: leaving vfio-pci, let the kernel pick one */
            probe = !targets[i].known && g_strcmp0(live[i].driver, VF_VFIO_DRIVER) == 0;
        if (!probe)
            continue;
        if (targets[i].driver && !vf_driver_registered(t->host, targets[i].driver) && modules &&
            !g_ptr_array_find_with_equal_func(modules, targets[i].module, g_str_equal, NULL))
            g_ptr_array_add(modules, g_strdup(targets[i].module));
        /* echo BDF > /sys/bus/pci/drivers_probe */
        vf_writes_add(writes, addr, g_strdup("/sys/bus/pci/drivers_probe"), addr);
    }

    for (guint i = 0; i < n; i++)
        vf_live_state_clear(&live[i]);
    return writes;
}

GPtrArray *
vf_transition_dup_writes(VfTransition *t)
{
    return vf_transition_plan(t, FALSE, NULL);
}

GPtrArray *
vf_transition_dup_modules(VfTransition *t)
{
    GPtrArray *modules = g_ptr_array_new_with_free_func(g_free);

    /* the plan lists the modules as it goes; its writes are not needed here */
    g_ptr_array_unref(vf_transition_plan(t, FALSE, modules));
    return modules;
}

/* ---- lock and journal ---- */

static char *
vf_transition_journal_write(VfTransition *t, GError **error)
{
    g_autofree char *dir = vf_journal_dir(t->host);
    g_autofree char *name = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *now = NULL;
    g_autoptr(GDateTime) dt = g_date_time_new_now_utc();

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        vf_error_set_errno(error, errno, "Cannot create the journal directory '%s'", dir);
        return NULL;
    }
    name = g_strdup_printf("%" G_GINT64_FORMAT "-%d-%s.journal", g_get_real_time(), getpid(),
                           vf_transition_kind_to_string(t->kind));
    path = g_build_filename(dir, name, NULL);
    now = g_date_time_format_iso8601(dt);
    g_key_file_set_string(kf, "transition", "kind", vf_transition_kind_to_string(t->kind));
    g_key_file_set_string(kf, "transition", "gpu", t->gpu ? t->gpu : "");
    if (t->usb)
        g_key_file_set_string(kf, "transition", "usb_controller", t->usb);
    g_key_file_set_string(kf, "transition", "started", now);
    g_key_file_set_integer(kf, "transition", "pid", getpid());
    for (guint i = 0; i < t->devices->len; i++) {
        const VfDeviceOrigin *o = t->devices->pdata[i];
        g_autofree char *group = g_strconcat("device ", o->address, NULL);

        vf_device_origin_to_keyfile(o, kf, group);
    }
    /* written and synced before the first sysfs write: the journal must outlive a crash */
    if (!g_key_file_save_to_file(kf, path, error)) {
        g_prefix_error(error, "Cannot write the journal: ");
        return NULL;
    }
    return g_steal_pointer(&path);
}

static void
vf_transition_update_records(VfTransition *t)
{
    g_autofree char *dir = vf_host_dup_state_path(t->host, "devices");

    g_mkdir_with_parents(dir, 0755);
    for (guint i = 0; i < t->devices->len; i++) {
        const VfDeviceOrigin *o = t->devices->pdata[i];
        g_autofree char *path = vf_record_path(t->host, o->address);

        if (t->kind == VF_TRANSITION_BIND) {
            g_autoptr(GKeyFile) kf = g_key_file_new();

            /* found on vfio-pci, put there by someone else: no record, so no restore moves
             * it (a record of VirtFlow's own bind before is kept as it is) */
            if (g_strcmp0(o->host_driver, VF_VFIO_DRIVER) == 0)
                continue;

            vf_device_origin_to_keyfile(o, kf, "device");
            if (t->gpu)
                g_key_file_set_string(kf, "device", "gpu", t->gpu);
            g_key_file_save_to_file(kf, path, NULL);
        } else {
            g_unlink(path);
        }
    }
}

/* ---- apply ---- */

/* After a restore or recover: did every device really come back (host driver bound, its DRM
 * device there)? What did not is remembered for the next Activate/Start (vf-drivers.h). */
static void
vf_transition_check_returned(VfTransition *t, const GError *failure)
{
    if (t->kind != VF_TRANSITION_BIND)
        vf_host_check_returned(t->host, t->devices, failure);
}

static gboolean
vf_transition_run_writes(VfTransition *t, gboolean undo, GError **error)
{
    g_autoptr(GPtrArray) modules = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) writes = vf_transition_plan(t, undo, modules);
    GError *first = NULL;

    for (guint i = 0; i < modules->len; i++) {
        g_autoptr(GError) local = NULL;

        if (!vf_host_load_module(t->host, modules->pdata[i], &local) && first == NULL) {
            first = g_steal_pointer(&local);
            if (!undo)
                break;
        }
    }
    for (guint i = 0; first == NULL || undo; i++) {
        VfSysfsWrite *w;
        g_autoptr(GError) local = NULL;

        if (i >= writes->len)
            break;
        w = writes->pdata[i];
        if (t->progress)
            t->progress(w, i, writes->len, VF_WRITE_RUNNING, undo, t->progress_data);
        if (!vf_host_write(t->host, w->path, w->value, &local)) {
            if (t->progress)
                t->progress(w, i, writes->len, VF_WRITE_FAILED, undo, t->progress_data);
            g_prefix_error(&local, "%s: ", w->device);
            if (first == NULL)
                first = g_steal_pointer(&local);
            if (!undo)
                break;
        } else if (t->progress) {
            t->progress(w, i, writes->len, VF_WRITE_DONE, undo, t->progress_data);
        }
    }
    if (first) {
        g_propagate_error(error, first);
        return FALSE;
    }
    return TRUE;
}

/* Whether a member of IOMMU group @group is on vfio-pci (one this transition does not move,
 * say: the group's node stays while it is). */
static gboolean
vf_group_has_vfio_member(VfHost *host, gint group)
{
    g_autofree char *dir = g_strdup_printf("/sys/kernel/iommu_groups/%d/devices", group);
    g_autoptr(GPtrArray) members = vf_host_list_dir(host, dir);

    for (guint i = 0; members && i < members->len; i++) {
        g_autofree char *path = g_strdup_printf("%s/%s/driver", dir, (char *)members->pdata[i]);
        g_autofree char *driver = vf_host_readlink_name(host, path);

        if (g_strcmp0(driver, VF_VFIO_DRIVER) == 0)
            return TRUE;
    }
    return FALSE;
}

/* Wait until the kernel shows the targets: drivers bound, /dev/vfio/GROUP there or gone. */
static gboolean
vf_transition_verify(VfTransition *t, gboolean undo, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + VF_VERIFY_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean tried_bind = FALSE;

    for (;;) {
        g_autoptr(GString) wrong = g_string_new(NULL);
        g_autoptr(GPtrArray) missing_binds = g_ptr_array_new();
        gboolean expired = g_get_monotonic_time() > deadline;

        for (guint i = 0; i < t->devices->len; i++) {
            const VfDeviceOrigin *o = t->devices->pdata[i];
            VfTarget target;
            VfLiveState live = {0};

            vf_target_for(t->kind, o, undo, &target);
            vf_live_state_read(t->host, o->address, &live);
            if (target.driver || target.known ? g_strcmp0(live.driver, target.driver) != 0
                                              : g_strcmp0(live.driver, VF_VFIO_DRIVER) == 0) {
                g_string_append_printf(wrong, "%s%s is on %s instead of %s", wrong->len ? "; " : "",
                                       o->address, live.driver ? live.driver : "no driver",
                                       target.driver  ? target.driver
                                       : target.known ? "no driver"
                                                      : "a host driver");
                if (live.driver == NULL && target.driver)
                    g_ptr_array_add(missing_binds, (gpointer)o);
            }
            if (o->iommu_group >= 0 && target.driver &&
                g_str_equal(target.driver, VF_VFIO_DRIVER)) {
                g_autofree char *node = g_strdup_printf("/dev/vfio/%d", o->iommu_group);

                if (!vf_host_exists(t->host, node))
                    g_string_append_printf(wrong, "%s%s does not exist", wrong->len ? "; " : "",
                                           node);
            } else if (o->iommu_group >= 0) {
                /* the group node outlives its devices while a process (QEMU) holds it */
                g_autofree char *node = g_strdup_printf("/dev/vfio/%d", o->iommu_group);

                if (vf_host_exists(t->host, node) && !strstr(wrong->str, node) &&
                    !vf_group_has_vfio_member(t->host, o->iommu_group))
                    g_string_append_printf(wrong, "%s%s still exists", wrong->len ? "; " : "",
                                           node);
            }
            vf_live_state_clear(&live);
        }
        if (wrong->len == 0)
            return TRUE;

        /* drivers_probe found nothing (another driver claims the ids first, or the
         * override was ignored): ask the target driver directly, once.
         * echo BDF > /sys/bus/pci/drivers/DRIVER/bind */
        if (!tried_bind && missing_binds->len > 0) {
            tried_bind = TRUE;
            for (guint i = 0; i < missing_binds->len; i++) {
                const VfDeviceOrigin *o = missing_binds->pdata[i];
                VfTarget target;
                g_autofree char *path = NULL;

                vf_target_for(t->kind, o, undo, &target);
                path = g_strconcat("/sys/bus/pci/drivers/", target.driver, "/bind", NULL);
                vf_host_write(t->host, path, o->address, NULL);
            }
            continue;
        }
        if (expired) {
            g_set_error(error, VF_ERROR, VF_ERROR_VERIFY, "After the %s: %s",
                        vf_transition_kind_to_string(t->kind), wrong->str);
            return FALSE;
        }
        g_usleep(VF_VERIFY_POLL_MS * 1000);
    }
}

/* The first journal left by an interrupted transition, or NULL. */
static char *
vf_journal_dup_pending(VfHost *host)
{
    g_autofree char *dir_path = vf_journal_dir(host);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL)
        if (g_str_has_suffix(name, ".journal"))
            return g_build_filename(dir_path, name, NULL);
    return NULL;
}

static void
vf_transition_on_helper_event(GVariant *event, gpointer user_data)
{
    VfTransition *t = user_data;
    VfSysfsWrite w = {0};
    const char *name = NULL;
    const char *state = NULL;
    gint64 index = 0;
    gint64 total = 0;
    gboolean undo = FALSE;

    if (t->progress == NULL || !g_variant_lookup(event, "event", "&s", &name) ||
        !g_str_equal(name, "write"))
        return;
    g_variant_lookup(event, "device", "&s", &w.device);
    g_variant_lookup(event, "path", "&s", &w.path);
    g_variant_lookup(event, "value", "&s", &w.value);
    g_variant_lookup(event, "state", "&s", &state);
    g_variant_lookup(event, "index", "x", &index);
    g_variant_lookup(event, "total", "x", &total);
    g_variant_lookup(event, "undo", "b", &undo);
    if (w.device == NULL || w.path == NULL || w.value == NULL || index < 0 || total < 0)
        return;
    t->progress(&w, (guint)index, (guint)total, vf_write_state_from_string(state), undo,
                t->progress_data);
}

/* The same transition, made by virtflow-helper: it reads the host again as root. */
static gboolean
vf_transition_apply_privileged(VfTransition *t, GError **error)
{
    const char *argv[4] = {vf_transition_kind_to_string(t->kind), NULL, NULL, NULL};

    if (t->usb) {
        argv[1] = "--usb-controller";
        argv[2] = t->usb;
    } else if (t->kind != VF_TRANSITION_RECOVER)
        argv[1] = t->gpu ? t->gpu : "--all";
    return vf_privileged_run(t->host, argv, vf_transition_on_helper_event, t, error);
}

gboolean
vf_transition_apply(VfTransition *t, GError **error)
{
    g_autofree char *journal = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GError) undo_error = NULL;
    gint64 t0 = g_get_monotonic_time();
    gboolean undo_ok;
    int lock_fd;

    if (vf_host_get_helper(t->host))
        return vf_transition_apply_privileged(t, error);
    if (!vf_host_is_writable(t->host)) {
        g_set_error(error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "Refusing to change devices under '%s': --host-root is for reading and "
                    "--dry-run only",
                    vf_host_get_root(t->host));
        return FALSE;
    }
    lock_fd = vf_host_lock(t->host, "lock", error);
    if (lock_fd < 0)
        return FALSE;

    if (t->kind != VF_TRANSITION_RECOVER) {
        g_autofree char *pending = vf_journal_dup_pending(t->host);

        /* the devices of an interrupted operation are in an unknown state: finish that
         * first, or a second bind would take vfio-pci for the host driver */
        if (pending) {
            g_set_error(error, VF_ERROR, VF_ERROR_BUSY,
                        "An interrupted VirtFlow operation left '%s': run 'virtflow recover' "
                        "first",
                        pending);
            close(lock_fd);
            return FALSE;
        }
        journal = vf_transition_journal_write(t, error);
        if (journal == NULL) {
            close(lock_fd);
            return FALSE;
        }
    }

    g_debug("%s: locked and journaled at %.1f ms", vf_transition_kind_to_string(t->kind),
            (g_get_monotonic_time() - t0) / 1000.0);
    if (vf_transition_run_writes(t, FALSE, &local) &&
        (g_debug("%s: writes done at %.1f ms", vf_transition_kind_to_string(t->kind),
                 (g_get_monotonic_time() - t0) / 1000.0),
         vf_transition_verify(t, FALSE, &local))) {
        g_debug("%s: verified at %.1f ms", vf_transition_kind_to_string(t->kind),
                (g_get_monotonic_time() - t0) / 1000.0);
        vf_transition_update_records(t);
        vf_transition_check_returned(t, NULL);
        if (journal)
            g_unlink(journal);
        for (guint i = 0; i < t->journals->len; i++)
            g_unlink(t->journals->pdata[i]);
        close(lock_fd);
        return TRUE;
    }

    /* Put back what we changed: the plan from the live state to the origin does exactly
     * the inverse of the steps that ran, and nothing for those that did not. */
    if (t->kind == VF_TRANSITION_RECOVER) {
        undo_ok = FALSE;
        g_set_error_literal(&undo_error, VF_ERROR, VF_ERROR_FAILED, "recover does not undo");
    } else {
        undo_ok = vf_transition_run_writes(t, TRUE, &undo_error) &&
                  vf_transition_verify(t, TRUE, &undo_error);
    }
    vf_transition_check_returned(t, local);
    if (undo_ok) {
        if (journal)
            g_unlink(journal);
        g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                   "The %s failed and was undone; the devices are as before: ",
                                   vf_transition_kind_to_string(t->kind));
    } else if (t->kind == VF_TRANSITION_RECOVER) {
        g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                   "Recovery failed; the journal is kept: ");
    } else {
        g_propagate_prefixed_error(
            error, g_steal_pointer(&local),
            "The %s failed and undoing it failed too (%s); run 'virtflow recover': ",
            vf_transition_kind_to_string(t->kind), undo_error->message);
    }
    close(lock_fd);
    return FALSE;
}
