/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-domain-record.h"

#include "core/vf-error.h"
#include "core/vf-util.h"
#include "domain/vf-domain-pci-address.h"
#include "domain/vf-xml-layout.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

/* A PCI bus number is 8 bits; index 0 is the root bus. */
#define VF_CONTROLLER_INDEX_MAX 255
/* Far more devices than any domain has; only bounds what a hand-edited record claims. */
#define VF_POSITION_MAX 100000

/* ---- what activation removes, per view --------------------------------------------- */

static gboolean
vf_is_spice_channel(const xmlNode *node)
{
    xmlNode *target;

    if (!vf_xml_prop_equals(node, "type", "spicevmc") &&
        !vf_xml_prop_equals(node, "type", "spiceport"))
        return FALSE;
    /* VirtFlow talks to Windows through the agent: never take that one. */
    target = vf_xml_find_child(node, "target");
    return target == NULL || !vf_xml_prop_equals(target, "name", VF_GUEST_AGENT_CHANNEL);
}

static gboolean
vf_is_tablet(const xmlNode *node)
{
    return vf_xml_prop_equals(node, "type", "tablet");
}

static gboolean
vf_is_lg_shmem(const xmlNode *node)
{
    return vf_xml_prop_equals(node, "name", VF_LG_SHMEM_NAME);
}

/* The one table of what an activation takes out of <devices>: what a domain needs only
 * for a virtual display, or which hands host resources to one (SPICE USB redirection,
 * smartcard); for the looking-glass view, what Looking Glass's libvirt documentation
 * (gnif/LookingGlass doc/install_libvirt.rst) says to change. Everything else stays,
 * and a record that claims to have removed anything else is damaged. */
static const struct {
    const char *element;
    gboolean (*match)(const xmlNode *node); /* NULL: every element of that name */
    VfDomainRemovalPolicy policy[VF_VIEW_LAST];
} vf_removals[] = {
    {"graphics", NULL, {VF_DOMAIN_REMOVAL_REMOVE, VF_DOMAIN_REMOVAL_REPLACE}},
    {"video", NULL, {VF_DOMAIN_REMOVAL_REPLACE, VF_DOMAIN_REMOVAL_REPLACE}},
    {"audio", NULL, {VF_DOMAIN_REMOVAL_REPLACE, VF_DOMAIN_REMOVAL_REPLACE}},
    {"sound", NULL, {VF_DOMAIN_REMOVAL_REMOVE, VF_DOMAIN_REMOVAL_KEEP}},
    {"redirdev", NULL, {VF_DOMAIN_REMOVAL_REMOVE, VF_DOMAIN_REMOVAL_REMOVE}},
    {"smartcard", NULL, {VF_DOMAIN_REMOVAL_REMOVE, VF_DOMAIN_REMOVAL_REMOVE}},
    {"channel", vf_is_spice_channel, {VF_DOMAIN_REMOVAL_REMOVE, VF_DOMAIN_REMOVAL_KEEP}},
    {"input", vf_is_tablet, {VF_DOMAIN_REMOVAL_KEEP, VF_DOMAIN_REMOVAL_REMOVE}},
    {"memballoon", NULL, {VF_DOMAIN_REMOVAL_KEEP, VF_DOMAIN_REMOVAL_REPLACE}},
    {"shmem", vf_is_lg_shmem, {VF_DOMAIN_REMOVAL_KEEP, VF_DOMAIN_REMOVAL_REPLACE}},
};

VfDomainRemovalPolicy
vf_domain_record_removal_policy(const xmlNode *node, VfView view)
{
    guint i;

    g_return_val_if_fail(view < VF_VIEW_LAST, VF_DOMAIN_REMOVAL_KEEP);
    for (i = 0; i < G_N_ELEMENTS(vf_removals); i++) {
        if (vf_xml_is_element(node, vf_removals[i].element) &&
            (vf_removals[i].match == NULL || vf_removals[i].match(node)))
            return vf_removals[i].policy[view];
    }
    return VF_DOMAIN_REMOVAL_KEEP;
}

VfDomainRemovalPolicy
vf_domain_record_removal_policy_of(const char *element, VfView view)
{
    guint i;

    g_return_val_if_fail(view < VF_VIEW_LAST, VF_DOMAIN_REMOVAL_KEEP);
    for (i = 0; i < G_N_ELEMENTS(vf_removals); i++) {
        if (g_str_equal(vf_removals[i].element, element))
            return vf_removals[i].policy[view];
    }
    return VF_DOMAIN_REMOVAL_KEEP;
}

static gboolean
vf_is_record_element(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           xmlStrEqual(node->ns->href, (const xmlChar *)VF_DOMAIN_RECORD_NAMESPACE) &&
           xmlStrEqual(node->name, (const xmlChar *)name);
}

static gboolean
vf_parse_uint_prop(const xmlNode *node, const char *name, guint max, guint *out_value)
{
    g_autofree char *str = vf_xml_dup_prop(node, name);
    guint64 value;

    if (str == NULL || !g_ascii_string_to_unsigned(str, 10, 0, max, &value, NULL))
        return FALSE;
    *out_value = (guint)value;
    return TRUE;
}

static int
vf_removed_compare(gconstpointer a, gconstpointer b)
{
    const VfDomainRemoved *ra = a;
    const VfDomainRemoved *rb = b;

    return (ra->position > rb->position) - (ra->position < rb->position);
}

gboolean
vf_domain_record_is_valid_driver(const char *driver)
{
    return vf_kernel_name_is_valid(driver);
}

gboolean
vf_domain_record_is_valid_evdev_path(const char *path)
{
    g_autofree char *canonical = NULL;

    if (path == NULL || strlen(path) >= PATH_MAX || !g_str_has_prefix(path, "/dev/input/") ||
        path[strlen("/dev/input/")] == '\0' || !g_utf8_validate(path, -1, NULL))
        return FALSE;
    for (const char *p = path; *p; p++) {
        if (g_ascii_iscntrl(*p))
            return FALSE;
    }
    canonical = g_canonicalize_filename(path, "/");
    return g_str_equal(canonical, path);
}

void
vf_domain_record_free(VfDomainRecord *record)
{
    if (record == NULL)
        return;
    g_free(record->gpu);
    vf_profile_free(record->profile);
    g_ptr_array_unref(record->devices);
    g_array_unref(record->controllers);
    g_free(record->video_model);
    g_free(record->audio_type);
    g_ptr_array_unref(record->added_evdev);
    g_ptr_array_unref(record->added_virtio);
    g_array_unref(record->removed);
    g_free(record);
}

static VfDomainRecord *
vf_domain_record_new(xmlNode *node)
{
    VfDomainRecord *record = g_new0(VfDomainRecord, 1);

    record->node = node;
    record->profile = vf_profile_new();
    record->devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    record->controllers = g_array_new(FALSE, FALSE, sizeof(guint));
    record->video_model = g_strdup("none");
    record->audio_type = g_strdup("none");
    record->added_evdev = g_ptr_array_new_with_free_func(g_free);
    record->added_virtio = g_ptr_array_new_with_free_func(g_free);
    record->removed = g_array_new(FALSE, FALSE, sizeof(VfDomainRemoved));
    return record;
}

static gboolean
vf_domain_record_load_device(VfDomainRecord *record, GHashTable *seen, xmlNode *node,
                             const char *name, GError **error)
{
    g_autofree char *address_str = vf_xml_dup_prop(node, "address");
    g_autofree char *driver = vf_xml_dup_prop(node, "driver");
    g_autofree char *canonical = NULL;
    VfDomainPciAddress address;

    if (!vf_domain_pci_address_parse(address_str, &address)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: device address '%s' is not "
                    "a PCI address (DDDD:BB:SS.F)",
                    name, address_str ? address_str : "");
        return FALSE;
    }
    if (driver != NULL && !vf_domain_record_is_valid_driver(driver)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: device %s has an invalid "
                    "driver name '%s'",
                    name, address_str, driver);
        return FALSE;
    }

    canonical = vf_domain_pci_address_to_string(&address);
    if (!g_hash_table_add(seen, g_strdup(canonical))) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: device %s is listed "
                    "twice",
                    name, canonical);
        return FALSE;
    }
    g_ptr_array_add(record->devices, vf_passthrough_device_new(canonical, driver));
    return TRUE;
}

#define VF_RECORD_DAMAGED "Domain '%s' has a damaged VirtFlow record: "

static gboolean
vf_added_fail(const char *name, const char *what, GError **error)
{
    g_set_error(error, VF_ERROR, VF_ERROR_XML,
                "Domain '%s' has VirtFlow metadata this version does not understand: "
                "added element %s",
                name, what);
    return FALSE;
}

static gboolean
vf_domain_record_load_added(VfDomainRecord *record, GHashTable *seen, xmlNode *node,
                            const char *name, GError **error)
{
    g_autofree char *element = vf_xml_dup_prop(node, "element");
    g_autofree char *type = vf_xml_dup_prop(node, "type");
    g_autofree char *quoted = g_strdup_printf("'%s'", element ? element : "");
    guint index;

    if (g_strcmp0(element, "controller") == 0) {
        if (!vf_parse_uint_prop(node, "index", VF_CONTROLLER_INDEX_MAX, &index) || index == 0) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: an added controller "
                        "has no valid index",
                        name);
            return FALSE;
        }
        g_array_append_val(record->controllers, index);
    } else if (g_strcmp0(element, "video") == 0) {
        g_autofree char *model = vf_xml_dup_prop(node, "model");

        if (model != NULL && !g_str_equal(model, "none") && !g_str_equal(model, "vga"))
            return vf_added_fail(name, "'video' of an unknown model", error);
        record->added_video = TRUE;
        if (model != NULL) {
            g_free(record->video_model);
            record->video_model = g_steal_pointer(&model);
        }
    } else if (g_strcmp0(element, "audio") == 0) {
        if (type != NULL && !g_str_equal(type, "none") && !g_str_equal(type, "spice"))
            return vf_added_fail(name, "'audio' of an unknown type", error);
        record->added_audio = TRUE;
        if (type != NULL) {
            g_free(record->audio_type);
            record->audio_type = g_steal_pointer(&type);
        }
    } else if (g_strcmp0(element, "metadata") == 0) {
        record->added_metadata = TRUE;
    } else if (g_strcmp0(element, "graphics") == 0 && g_strcmp0(type, "spice") == 0) {
        record->added_graphics = TRUE;
    } else if (g_strcmp0(element, "memballoon") == 0 && vf_xml_prop_equals(node, "model", "none")) {
        record->added_memballoon = TRUE;
    } else if (g_strcmp0(element, "shmem") == 0 &&
               vf_xml_prop_equals(node, "name", VF_LG_SHMEM_NAME)) {
        record->added_shmem = TRUE;
    } else if (g_strcmp0(element, "input") == 0 && g_strcmp0(type, "evdev") == 0) {
        g_autofree char *dev = vf_xml_dup_prop(node, "dev");

        if (!vf_domain_record_is_valid_evdev_path(dev)) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "an added evdev input names '%s', which is not a "
                                          "device under /dev/input/",
                        name, dev ? dev : "");
            return FALSE;
        }
        if (!g_hash_table_add(seen, g_strdup(dev))) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "evdev input '%s' is added twice", name, dev);
            return FALSE;
        }
        g_ptr_array_add(record->added_evdev, g_steal_pointer(&dev));
    } else if (g_strcmp0(element, "input") == 0 &&
               (g_strcmp0(type, "keyboard") == 0 || g_strcmp0(type, "mouse") == 0) &&
               vf_xml_prop_equals(node, "bus", "virtio")) {
        g_ptr_array_add(record->added_virtio, g_steal_pointer(&type));
    } else {
        /* Something a newer VirtFlow added: we would not know how to take it out. */
        return vf_added_fail(name, quoted, error);
    }
    return TRUE;
}

static gboolean
vf_domain_record_load_removed(VfDomainRecord *record, xmlNode *node, const char *name,
                              GError **error)
{
    VfDomainRemoved removed = {0};
    xmlNode *child;

    if (!vf_parse_uint_prop(node, "position", VF_POSITION_MAX, &removed.position)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: a removed element has no "
                    "valid position",
                    name);
        return FALSE;
    }
    for (child = vf_xml_first_element(node); child != NULL; child = vf_xml_next_element(child)) {
        if (removed.element != NULL) {
            removed.element = NULL;
            break;
        }
        removed.element = child;
    }
    if (removed.element == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: removed element at "
                    "position %u must hold exactly one element",
                    name, removed.position);
        return FALSE;
    }
    g_array_append_val(record->removed, removed);
    return TRUE;
}

/* What Deactivate would put back must be what an activation for the record's view takes
 * out: anything else (a <disk> of the host's drive, a <filesystem> sharing /, a <hostdev>
 * of the SATA controller) would be handed to the VM by whoever edited the record. */
static gboolean
vf_domain_record_check_removed(VfDomainRecord *record, const char *name, GError **error)
{
    guint i;

    for (i = 0; i < record->removed->len; i++) {
        const VfDomainRemoved *removed = &g_array_index(record->removed, VfDomainRemoved, i);
        const xmlNode *element = removed->element;

        if (i > 0 &&
            g_array_index(record->removed, VfDomainRemoved, i - 1).position == removed->position) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: two removed elements "
                        "at position %u",
                        name, removed->position);
            return FALSE;
        }
        if (vf_domain_record_removal_policy(element, record->profile->view) ==
            VF_DOMAIN_REMOVAL_KEEP) {
            g_autofree char *type = vf_xml_dup_prop(element, "type");
            g_autofree char *type_attr = type ? g_strdup_printf(" type='%s'", type) : g_strdup("");
            gboolean prefixed = element->ns != NULL && element->ns->prefix != NULL;

            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "it would put back <%s%s%s%s> (position %u), which an "
                                          "activation for the %s view never removes; take the "
                                          "record out of <metadata> ('virsh edit') and check "
                                          "the VM's devices",
                        name, prefixed ? (const char *)element->ns->prefix : "",
                        prefixed ? ":" : "", (const char *)element->name, type_attr,
                        removed->position, vf_view_to_string(record->profile->view));
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
vf_domain_record_load_profile(VfDomainRecord *record, xmlNode *node, const char *name,
                              GError **error)
{
    VfProfile *profile = record->profile;
    g_autofree char *view = vf_xml_dup_prop(node, "view");
    g_autofree char *toggle = vf_xml_dup_prop(node, "grab-toggle");
    g_autofree char *resolution = vf_xml_dup_prop(node, "lg-resolution");
    g_autofree char *virtio = vf_xml_dup_prop(node, "virtio-input");
    g_autofree char *usb = vf_xml_dup_prop(node, "usb-controller");
    g_autoptr(GHashTable) paths = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GError) local = NULL;
    xmlNode *child;

    if (record->has_profile) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: two profiles", name);
        return FALSE;
    }
    record->has_profile = TRUE;
    if ((view != NULL && !vf_view_from_string(view, &profile->view, &local)) ||
        (toggle != NULL && !vf_grab_toggle_from_string(toggle, &profile->grab_toggle, &local)) ||
        (resolution != NULL && !vf_profile_parse_resolution(resolution, &profile->lg_width,
                                                            &profile->lg_height, &local))) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: profile: %s", name,
                    local->message);
        return FALSE;
    }
    if (profile->view == VF_VIEW_LOOKING_GLASS && resolution == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: a looking-glass profile "
                    "without lg-resolution",
                    name);
        return FALSE;
    }
    profile->virtio_input = g_strcmp0(virtio, "yes") == 0;
    if (usb != NULL) {
        VfDomainPciAddress address;

        if (!vf_domain_pci_address_parse(usb, &address)) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: usb-controller '%s' is "
                        "not a PCI address (DDDD:BB:SS.F)",
                        name, usb);
            return FALSE;
        }
        profile->usb_controller = vf_domain_pci_address_to_string(&address);
    }

    for (child = vf_xml_first_element(node); child != NULL; child = vf_xml_next_element(child)) {
        g_autofree char *kind = vf_xml_dup_prop(child, "kind");
        g_autofree char *path = vf_xml_dup_prop(child, "path");
        VfInputKind input_kind;

        if (!vf_is_record_element(child, "evdev")) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has VirtFlow metadata this version does not understand: "
                        "profile element <%s>",
                        name, (const char *)child->name);
            return FALSE;
        }
        if (g_strcmp0(kind, "keyboard") == 0) {
            input_kind = VF_INPUT_KIND_KEYBOARD;
        } else if (g_strcmp0(kind, "mouse") == 0) {
            input_kind = VF_INPUT_KIND_MOUSE;
        } else {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: evdev kind '%s' is not "
                        "keyboard or mouse",
                        name, kind ? kind : "");
            return FALSE;
        }
        if (!vf_domain_record_is_valid_evdev_path(path) ||
            !g_hash_table_add(paths, g_strdup(path))) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "evdev path '%s' is not a device under /dev/input/ "
                                          "or is listed twice",
                        name, path ? path : "");
            return FALSE;
        }
        if (profile->evdev->len >= VF_DOMAIN_RECORD_MAX_EVDEV) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "more than %d evdev devices", name,
                        VF_DOMAIN_RECORD_MAX_EVDEV);
            return FALSE;
        }
        g_ptr_array_add(profile->evdev, vf_evdev_input_new(input_kind, path));
    }
    return TRUE;
}

/* Before reading anything: bound what the record costs to read. One pass over the
 * subtree, without recursion (a record nested deep would otherwise cost stack). */
static gboolean
vf_domain_record_check_size(xmlNode *record, const char *name, GError **error)
{
    gsize bytes = 0;
    xmlNode *node = record;

    while (node != NULL) {
        if (node->type == XML_ELEMENT_NODE) {
            guint n_attributes = 0;

            bytes += xmlStrlen(node->name);
            for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next) {
                bytes += xmlStrlen(attr->name);
                if (attr->children != NULL)
                    bytes += xmlStrlen(attr->children->content);
                n_attributes++;
            }
            if (n_attributes > VF_DOMAIN_XML_MAX_ATTRIBUTES) {
                g_set_error(error, VF_ERROR, VF_ERROR_XML,
                            VF_RECORD_DAMAGED "element <%s> has more than %d attributes", name,
                            (const char *)node->name, VF_DOMAIN_XML_MAX_ATTRIBUTES);
                return FALSE;
            }
        } else if (node->content != NULL) {
            bytes += xmlStrlen(node->content);
        }
        if (bytes > VF_DOMAIN_RECORD_MAX_BYTES) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_RECORD_DAMAGED "it is larger than any VirtFlow writes (more than "
                                          "%d bytes)",
                        name, VF_DOMAIN_RECORD_MAX_BYTES);
            return FALSE;
        }

        if (node->type == XML_ELEMENT_NODE && node->children != NULL) {
            node = node->children;
            continue;
        }
        while (node != record && node->next == NULL)
            node = node->parent;
        node = node == record ? NULL : node->next;
    }
    return TRUE;
}

static gboolean
vf_domain_record_count(guint *counter, guint max, const char *what, const char *name,
                       GError **error)
{
    if (++*counter > max) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    VF_RECORD_DAMAGED "more than %u %s, more than VirtFlow ever writes", name, max,
                    what);
        return FALSE;
    }
    return TRUE;
}

static VfDomainRecord *
vf_domain_record_parse(xmlNode *node, const char *name, GError **error)
{
    g_autoptr(VfDomainRecord) record = vf_domain_record_new(node);
    g_autofree char *gpu_str = vf_xml_dup_prop(node, "gpu");
    g_autoptr(GHashTable) devices_seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) evdev_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    VfDomainPciAddress gpu;
    guint n_devices = 0;
    guint n_added = 0;
    guint n_removed = 0;
    xmlNode *child;

    if (!vf_domain_record_check_size(node, name, error))
        return NULL;
    if (!vf_domain_pci_address_parse(gpu_str, &gpu)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: gpu '%s' is not a PCI "
                    "address (DDDD:BB:SS.F)",
                    name, gpu_str ? gpu_str : "");
        return NULL;
    }
    record->gpu = vf_domain_pci_address_to_string(&gpu);

    for (child = vf_xml_first_element(node); child != NULL; child = vf_xml_next_element(child)) {
        gboolean ok;

        if (vf_is_record_element(child, "device")) {
            ok = vf_domain_record_count(&n_devices, VF_DOMAIN_RECORD_MAX_DEVICES, "devices", name,
                                        error) &&
                 vf_domain_record_load_device(record, devices_seen, child, name, error);
        } else if (vf_is_record_element(child, "added")) {
            ok = vf_domain_record_count(&n_added, VF_DOMAIN_RECORD_MAX_ADDED, "added elements",
                                        name, error) &&
                 vf_domain_record_load_added(record, evdev_seen, child, name, error);
        } else if (vf_is_record_element(child, "removed")) {
            ok = vf_domain_record_count(&n_removed, VF_DOMAIN_RECORD_MAX_REMOVED,
                                        "removed elements", name, error) &&
                 vf_domain_record_load_removed(record, child, name, error);
        } else if (vf_is_record_element(child, "profile")) {
            ok = vf_domain_record_load_profile(record, child, name, error);
        } else {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has VirtFlow metadata this version does not understand: "
                        "element <%s>",
                        name, (const char *)child->name);
            ok = FALSE;
        }
        if (!ok)
            return NULL;
    }

    if (!g_hash_table_contains(devices_seen, record->gpu)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: GPU %s is not among its "
                    "devices",
                    name, record->gpu);
        return NULL;
    }
    if (record->profile->usb_controller != NULL &&
        !g_hash_table_contains(devices_seen, record->profile->usb_controller)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: USB controller %s is not "
                    "among its devices",
                    name, record->profile->usb_controller);
        return NULL;
    }

    g_array_sort(record->removed, vf_removed_compare);
    if (!vf_domain_record_check_removed(record, name, error))
        return NULL;
    return g_steal_pointer(&record);
}

gboolean
vf_domain_record_load(xmlNode *root, const char *name, VfDomainRecord **out_record, GError **error)
{
    xmlNode *metadata = vf_xml_find_child(root, "metadata");
    xmlNode *found = NULL;
    xmlNode *child;
    VfDomainRecord *record;

    if (metadata != NULL) {
        for (child = vf_xml_first_element(metadata); child != NULL;
             child = vf_xml_next_element(child)) {
            if (!vf_is_record_element(child, "passthrough"))
                continue;
            /* libvirt would silently keep only the first: better to stop than to act on
             * half of what was done. */
            if (found != NULL) {
                g_set_error(error, VF_ERROR, VF_ERROR_XML,
                            "Domain '%s' has two VirtFlow passthrough records in <metadata>", name);
                return FALSE;
            }
            found = child;
        }
    }

    if (found == NULL) {
        *out_record = NULL;
        return TRUE;
    }
    record = vf_domain_record_parse(found, name, error);
    if (record == NULL)
        return FALSE;
    *out_record = record;
    return TRUE;
}

static xmlNode *
vf_domain_record_new_child(xmlNode *record, const char *name)
{
    xmlNode *child = xmlNewDocNode(record->doc, record->ns, (const xmlChar *)name, NULL);

    vf_xml_append(record, child);
    return child;
}

xmlNode *
vf_domain_record_create(xmlNode *metadata, const char *gpu)
{
    xmlNode *record = xmlNewDocNode(metadata->doc, NULL, (const xmlChar *)"passthrough", NULL);
    xmlNs *ns = xmlNewNs(record, (const xmlChar *)VF_DOMAIN_RECORD_NAMESPACE,
                         (const xmlChar *)VF_DOMAIN_RECORD_PREFIX);

    xmlSetNs(record, ns);
    xmlSetProp(record, (const xmlChar *)"gpu", (const xmlChar *)gpu);
    vf_xml_append(metadata, record);
    return record;
}

void
vf_domain_record_add_device(xmlNode *record, const VfPassthroughDevice *device)
{
    xmlNode *child = vf_domain_record_new_child(record, "device");

    xmlSetProp(child, (const xmlChar *)"address", (const xmlChar *)device->address);
    if (device->driver != NULL)
        xmlSetProp(child, (const xmlChar *)"driver", (const xmlChar *)device->driver);
}

void
vf_domain_record_add_added(xmlNode *record, const char *element, int index)
{
    xmlNode *child = vf_domain_record_new_child(record, "added");

    xmlSetProp(child, (const xmlChar *)"element", (const xmlChar *)element);
    if (index >= 0) {
        char buf[16];

        g_snprintf(buf, sizeof(buf), "%d", index);
        xmlSetProp(child, (const xmlChar *)"index", (const xmlChar *)buf);
    }
}

void
vf_domain_record_add_removed(xmlNode *record, guint position, xmlNode *element, guint indent)
{
    xmlNode *child = vf_domain_record_new_child(record, "removed");
    char buf[16];

    g_snprintf(buf, sizeof(buf), "%u", position);
    xmlSetProp(child, (const xmlChar *)"position", (const xmlChar *)buf);
    vf_xml_append(child, element);
    /* Namespaces the element uses may have been declared on an ancestor it left (its
     * <devices>): declare them on the element itself if so. */
    xmlDOMWrapReconcileNamespaces(NULL, element, 0);
    /* Keep the element's own layout, moved to where it now sits. */
    vf_xml_shift(element, (int)vf_xml_get_indent(element) - (int)indent);
}

void
vf_domain_record_add_added_full(xmlNode *record, const char *element, ...)
{
    xmlNode *child = vf_domain_record_new_child(record, "added");
    const char *attr;
    va_list args;

    xmlSetProp(child, (const xmlChar *)"element", (const xmlChar *)element);
    va_start(args, element);
    while ((attr = va_arg(args, const char *)) != NULL) {
        const char *value = va_arg(args, const char *);

        if (value != NULL)
            xmlSetProp(child, (const xmlChar *)attr, (const xmlChar *)value);
    }
    va_end(args);
}

gboolean
vf_domain_record_profile_is_default(const VfProfile *profile)
{
    return profile == NULL ||
           (profile->view == VF_VIEW_MONITOR &&
            (profile->evdev == NULL || profile->evdev->len == 0) && !profile->virtio_input &&
            profile->usb_controller == NULL && profile->grab_toggle == VF_GRAB_TOGGLE_CTRL_CTRL);
}

void
vf_domain_record_add_profile(xmlNode *record, const VfProfile *profile)
{
    xmlNode *node;
    guint i;

    if (vf_domain_record_profile_is_default(profile))
        return;
    node = vf_domain_record_new_child(record, "profile");
    xmlSetProp(node, (const xmlChar *)"view", (const xmlChar *)vf_view_to_string(profile->view));
    if (profile->view == VF_VIEW_LOOKING_GLASS) {
        g_autofree char *resolution =
            g_strdup_printf("%ux%u", profile->lg_width, profile->lg_height);

        xmlSetProp(node, (const xmlChar *)"lg-resolution", (const xmlChar *)resolution);
    }
    xmlSetProp(node, (const xmlChar *)"grab-toggle",
               (const xmlChar *)vf_grab_toggle_to_string(profile->grab_toggle));
    if (profile->virtio_input)
        xmlSetProp(node, (const xmlChar *)"virtio-input", (const xmlChar *)"yes");
    if (profile->usb_controller != NULL)
        xmlSetProp(node, (const xmlChar *)"usb-controller",
                   (const xmlChar *)profile->usb_controller);
    for (i = 0; profile->evdev != NULL && i < profile->evdev->len; i++) {
        const VfEvdevInput *input = g_ptr_array_index(profile->evdev, i);
        xmlNode *evdev = vf_domain_record_new_child(node, "evdev");

        xmlSetProp(evdev, (const xmlChar *)"kind",
                   (const xmlChar *)vf_input_kind_to_string(input->kind));
        xmlSetProp(evdev, (const xmlChar *)"path", (const xmlChar *)input->path);
    }
}
