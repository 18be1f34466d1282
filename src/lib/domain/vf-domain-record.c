/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-domain-record.h"

#include "vf-error.h"
#include "domain/vf-domain-pci-address.h"
#include "domain/vf-xml-layout.h"

#include <errno.h>
#include <string.h>

/* A PCI bus number is 8 bits; index 0 is the root bus. */
#define VF_CONTROLLER_INDEX_MAX 255
/* Far more devices than any domain has; only bounds what a hand-edited record claims. */
#define VF_POSITION_MAX 100000

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
    const char *p;

    if (driver == NULL || driver[0] == '\0' || driver[0] == '.' || strlen(driver) > 255)
        return FALSE;
    for (p = driver; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return FALSE;
    }
    return TRUE;
}

void
vf_domain_record_free(VfDomainRecord *record)
{
    if (record == NULL)
        return;
    g_free(record->gpu);
    g_ptr_array_unref(record->devices);
    g_array_unref(record->controllers);
    g_array_unref(record->removed);
    g_free(record);
}

static VfDomainRecord *
vf_domain_record_new(xmlNode *node)
{
    VfDomainRecord *record = g_new0(VfDomainRecord, 1);

    record->node = node;
    record->devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    record->controllers = g_array_new(FALSE, FALSE, sizeof(guint));
    record->removed = g_array_new(FALSE, FALSE, sizeof(VfDomainRemoved));
    return record;
}

static gboolean
vf_domain_record_load_device(VfDomainRecord *record, xmlNode *node, const char *name,
                             GError **error)
{
    g_autofree char *address_str = vf_xml_dup_prop(node, "address");
    g_autofree char *driver = vf_xml_dup_prop(node, "driver");
    g_autofree char *canonical = NULL;
    VfDomainPciAddress address;
    guint i;

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
    for (i = 0; i < record->devices->len; i++) {
        VfPassthroughDevice *other = g_ptr_array_index(record->devices, i);

        if (g_str_equal(other->address, canonical)) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: device %s is listed "
                        "twice",
                        name, canonical);
            return FALSE;
        }
    }
    g_ptr_array_add(record->devices, vf_passthrough_device_new(canonical, driver));
    return TRUE;
}

static gboolean
vf_domain_record_load_added(VfDomainRecord *record, xmlNode *node, const char *name, GError **error)
{
    g_autofree char *element = vf_xml_dup_prop(node, "element");
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
        record->added_video = TRUE;
    } else if (g_strcmp0(element, "audio") == 0) {
        record->added_audio = TRUE;
    } else if (g_strcmp0(element, "metadata") == 0) {
        record->added_metadata = TRUE;
    } else {
        /* Something a newer VirtFlow added: we would not know how to take it out. */
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has VirtFlow metadata this version does not understand: "
                    "added element '%s'",
                    name, element ? element : "");
        return FALSE;
    }
    return TRUE;
}

static gboolean
vf_domain_record_load_removed(VfDomainRecord *record, xmlNode *node, const char *name,
                              GError **error)
{
    VfDomainRemoved removed = {0};
    xmlNode *child;
    guint i;

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
    for (i = 0; i < record->removed->len; i++) {
        if (g_array_index(record->removed, VfDomainRemoved, i).position == removed.position) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has malformed VirtFlow metadata: two removed elements "
                        "at position %u",
                        name, removed.position);
            return FALSE;
        }
    }
    g_array_append_val(record->removed, removed);
    return TRUE;
}

static VfDomainRecord *
vf_domain_record_parse(xmlNode *node, const char *name, GError **error)
{
    g_autoptr(VfDomainRecord) record = vf_domain_record_new(node);
    g_autofree char *gpu_str = vf_xml_dup_prop(node, "gpu");
    VfDomainPciAddress gpu;
    gboolean gpu_listed = FALSE;
    xmlNode *child;
    guint i;

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
            ok = vf_domain_record_load_device(record, child, name, error);
        } else if (vf_is_record_element(child, "added")) {
            ok = vf_domain_record_load_added(record, child, name, error);
        } else if (vf_is_record_element(child, "removed")) {
            ok = vf_domain_record_load_removed(record, child, name, error);
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

    for (i = 0; i < record->devices->len; i++) {
        VfPassthroughDevice *device = g_ptr_array_index(record->devices, i);

        if (g_str_equal(device->address, record->gpu))
            gpu_listed = TRUE;
    }
    if (!gpu_listed) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain '%s' has malformed VirtFlow metadata: GPU %s is not among its "
                    "devices",
                    name, record->gpu);
        return NULL;
    }

    g_array_sort(record->removed, vf_removed_compare);
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
    /* Keep the element's own layout, moved to where it now sits. */
    vf_xml_shift(element, (int)vf_xml_get_indent(element) - (int)indent);
}
