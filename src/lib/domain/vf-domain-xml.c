/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-xml.c: the activation rewrite of a domain XML, and its undo
 *
 * Guest PCI addresses of the added <hostdev>s
 *
 * Every <hostdev> we add gets an explicit guest address. The GPU's functions must share
 * one guest slot (function numbers as on the host, multifunction='on' on function 0),
 * which libvirt's automatic placement never does; and a device left without an address
 * on q35 makes libvirt add a pcie-root-port of its own at define time, which Deactivate
 * could not tell from the user's and would leave behind.
 *
 *  - q35 (a pcie-root): slot 0 of a pcie-root-port whose bus nothing uses. virt-manager
 *    creates spare root ports, so usually one is free; otherwise we add
 *    <controller type='pci' model='pcie-root-port' index='N'/> with N one above the
 *    highest PCI controller index, record it, and let libvirt fill in its chassis, port
 *    and address. libvirt accepts functions 0-7 of slot 0 on a root port, and a
 *    multifunction device cannot go on pcie-root itself (slots there are integrated
 *    endpoints, without hotplug, and libvirt reserves 00:01.0 for the primary video).
 *  - i440fx (a pci-root): a free slot of bus 0, from 0x03: libvirt keeps 00:01 for the
 *    PIIX3 functions and 00:02 for the primary video.
 *
 * One guest slot for the GPU functions, one for each other device.
 */
#include "domain/vf-domain-xml.h"

#include "core/vf-error.h"
#include "domain/vf-domain-pci-address.h"
#include "domain/vf-domain-record.h"
#include "domain/vf-xml-layout.h"
#include "tune/vf-tune-runtime.h" /* VF_TUNE_XML_NAMESPACE: tune's record shares <metadata> */

#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#define VF_PCI_BUS_MAX       255
#define VF_I440FX_FIRST_SLOT 0x03
#define VF_PCI_SLOT_MAX      0x1f

/* The order in which libvirt prints the children of <devices> (checked against libvirt
 * 9.0). Elements we add go where libvirt would print them, so that what we write is
 * already what libvirt gives back after a define. */
static const char *const vf_device_order[] = {
    "emulator", "disk",       "controller", "lease",   "filesystem", "interface",   "smartcard",
    "serial",   "parallel",   "console",    "channel", "input",      "tpm",         "graphics",
    "sound",    "audio",      "video",      "hostdev", "redirdev",   "redirfilter", "hub",
    "watchdog", "memballoon", "rng",        "panic",   "shmem",      "memory",      "iommu",
    "vsock",    "crypto",     "pstore",
};

/* The passthrough request, checked and in canonical form. */
typedef struct {
    char *gpu;
    GPtrArray *devices; /* VfPassthroughDevice *: the GPU's functions by function number,
                         * then the other devices in the order given */
    GArray *addresses;  /* VfDomainPciAddress, parallel to devices */
    guint n_gpu_functions;
} VfPlan;

/* An element activation takes out of <devices>. */
typedef struct {
    guint position; /* index among the element children of <devices> */
    guint indent;   /* column it started at */
    xmlNode *node;
    gboolean unlinked;
} VfRemoval;

static void
vf_plan_free(VfPlan *plan)
{
    if (plan == NULL)
        return;
    g_free(plan->gpu);
    g_ptr_array_unref(plan->devices);
    g_array_unref(plan->addresses);
    g_free(plan);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfPlan, vf_plan_free)

static void
vf_removal_clear(gpointer data)
{
    VfRemoval *removal = data;

    /* Only on a failed activation: a removed element that reached the record belongs to
     * the document again. */
    if (removal->unlinked && removal->node != NULL)
        xmlFreeNode(removal->node);
}

/* ---- parsing and printing ---------------------------------------------------------- */

typedef struct {
    char *message;
    int line;
} VfParseError;

/* libxml2 keeps only the last error of a parse ("Premature end of data"), while the
 * first one says what is wrong ("Opening and ending tag mismatch"). The parser context
 * is the user data of its own callbacks, so ours rides in ctxt->_private. */
static void
#if LIBXML_VERSION >= 21200
vf_on_parse_error(void *user_data, const xmlError *error)
#else
vf_on_parse_error(void *user_data, xmlError *error)
#endif
{
    xmlParserCtxt *ctxt = user_data;
    VfParseError *first = ctxt->_private;

    if (first->message != NULL || error->level < XML_ERR_ERROR || error->message == NULL)
        return;
    first->message = g_strchomp(g_strdup(error->message));
    first->line = error->line;
}

static void
vf_xml_init(void)
{
    static gsize initialized = 0;

    /* libxml2 wants its globals set up once before threads use it. */
    if (g_once_init_enter(&initialized)) {
        xmlInitParser();
        g_once_init_leave(&initialized, 1);
    }
}

/* Bound what libxml2 will be asked to do, in one linear pass over the text: it checks an
 * element's attributes for duplicates in quadratic time (libxml2 2.9: 40000 attributes on
 * one element take 20 s), while the hook parses with libvirtd waiting on it. Markup is
 * found the way XML defines it: a '<' outside comments, CDATA sections and processing
 * instructions starts a tag, and an '=' outside quotes inside a tag is one attribute. */
static gboolean
vf_domain_xml_prescan(const char *xml, size_t len, GError **error)
{
    static const struct {
        const char *open;
        const char *close;
    } skipped[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    const char *end = xml + len;
    const char *p = xml;

    if (len > VF_DOMAIN_XML_MAX_BYTES) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Domain XML is too large (%zu bytes, at most %d)", len,
                    VF_DOMAIN_XML_MAX_BYTES);
        return FALSE;
    }
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        gboolean markup = FALSE;
        guint n_attributes = 0;
        char quote = 0;
        guint i;

        for (i = 0; i < G_N_ELEMENTS(skipped); i++) {
            size_t n = strlen(skipped[i].open);

            if ((size_t)(end - p) >= n && memcmp(p, skipped[i].open, n) == 0) {
                const char *close = memmem(p + n, (size_t)(end - p - n), skipped[i].close,
                                           strlen(skipped[i].close));

                /* Unterminated: libxml2 says so. */
                if (close == NULL)
                    return TRUE;
                p = close + strlen(skipped[i].close);
                markup = TRUE;
                break;
            }
        }
        if (markup)
            continue;
        for (p++; p < end && (quote != 0 || *p != '>'); p++) {
            if (quote != 0) {
                if (*p == quote)
                    quote = 0;
            } else if (*p == '"' || *p == '\'') {
                quote = *p;
            } else if (*p == '=' && ++n_attributes > VF_DOMAIN_XML_MAX_ATTRIBUTES) {
                g_set_error(error, VF_ERROR, VF_ERROR_XML,
                            "Domain XML has an element with more than %d attributes (at byte "
                            "%zu): not a domain libvirt wrote",
                            VF_DOMAIN_XML_MAX_ATTRIBUTES, (size_t)(p - xml));
                return FALSE;
            }
        }
    }
    return TRUE;
}

static xmlDoc *
vf_domain_xml_parse(const char *xml, char **out_name, GError **error)
{
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    VfParseError first = {NULL, 0};
    size_t len = strlen(xml);
    xmlNode *root;
    char *name;

    vf_xml_init();
    if (!vf_domain_xml_prescan(xml, len, error))
        return NULL;

    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_FAILED,
                            "Failed to create an XML parser context");
        return NULL;
    }
    ctxt->_private = &first;
    ctxt->sax->serror = vf_on_parse_error;

    /* Blank text is kept (no XML_PARSE_NOBLANKS): it is the layout we give back. No
     * network, no DTD loading, no entity expansion: a domain XML needs none of them, and
     * the document must stay as it was written. */
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL || first.message != NULL) {
        const xmlError *last = xmlCtxtGetLastError(ctxt);

        if (first.message == NULL && last != NULL && last->message != NULL) {
            first.message = g_strchomp(g_strdup(last->message));
            first.line = last->line;
        }
        g_set_error(error, VF_ERROR, VF_ERROR_XML, "Malformed domain XML: line %d: %s", first.line,
                    first.message ? first.message : "unknown error");
        g_free(first.message);
        return NULL;
    }

    /* libvirt never writes one; with it come entities, which we would neither expand nor
     * want to carry into a domain definition. */
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_XML,
                            "Domain XML must not have a <!DOCTYPE> declaration");
        return NULL;
    }

    root = xmlDocGetRootElement(doc);
    if (!vf_xml_is_element(root, "domain")) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    "Expected a libvirt domain XML, but the root element is <%s>",
                    root ? (const char *)root->name : "");
        return NULL;
    }

    name = vf_xml_dup_content(vf_xml_find_child(root, "name"));
    *out_name = name ? name : g_strdup("(unnamed)");
    return g_steal_pointer(&doc);
}

static char *
vf_domain_xml_format(xmlDoc *doc, GError **error)
{
    g_autoptr(xmlBuffer) buf = xmlBufferCreate();
    xmlSaveCtxt *save;

    /* No XML declaration (libvirt prints none), no re-indentation (XML_SAVE_FORMAT off:
     * the blank text is already there), UTF-8 written as is rather than as &#x...;. */
    save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL);
    if (save == NULL) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_FAILED, "Failed to write the domain XML");
        return NULL;
    }
    xmlSaveDoc(save, doc);
    if (xmlSaveClose(save) < 0 || xmlBufferContent(buf) == NULL) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_FAILED, "Failed to write the domain XML");
        return NULL;
    }
    return g_strndup((const char *)xmlBufferContent(buf), xmlBufferLength(buf));
}

xmlDoc *
vf_domain_doc_parse(const char *xml, char **out_name, GError **error)
{
    return vf_domain_xml_parse(xml, out_name, error);
}

char *
vf_domain_doc_format(xmlDoc *doc, GError **error)
{
    return vf_domain_xml_format(doc, error);
}

/* ---- the request ------------------------------------------------------------------- */

static VfPlan *
vf_plan_new(const char *gpu, const VfPassthroughDevice *devices, guint n_devices, GError **error)
{
    g_autoptr(VfPlan) plan = g_new0(VfPlan, 1);
    g_autoptr(GPtrArray) given =
        g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    g_autoptr(GArray) given_addresses = g_array_new(FALSE, FALSE, sizeof(VfDomainPciAddress));
    VfDomainPciAddress gpu_address;
    gboolean gpu_given = FALSE;
    guint function;
    guint i;
    guint j;

    plan->devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    plan->addresses = g_array_new(FALSE, FALSE, sizeof(VfDomainPciAddress));

    if (!vf_domain_pci_address_parse(gpu, &gpu_address)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "GPU address '%s' is not a PCI address (DDDD:BB:SS.F)", gpu);
        return NULL;
    }
    plan->gpu = vf_domain_pci_address_to_string(&gpu_address);
    if (gpu_address.function != 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "GPU address %s is not function 0 of its slot", plan->gpu);
        return NULL;
    }
    if (n_devices == 0) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "No device to pass through");
        return NULL;
    }

    for (i = 0; i < n_devices; i++) {
        VfDomainPciAddress address;
        const char *driver = devices[i].driver;
        g_autofree char *canonical = NULL;

        if (!vf_domain_pci_address_parse(devices[i].address, &address)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Device address '%s' is not a PCI address (DDDD:BB:SS.F)",
                        devices[i].address ? devices[i].address : "");
            return NULL;
        }
        canonical = vf_domain_pci_address_to_string(&address);
        if (driver != NULL && driver[0] == '\0')
            driver = NULL;
        if (driver != NULL && !vf_domain_record_is_valid_driver(driver)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Device %s has an invalid driver name '%s'", canonical, driver);
            return NULL;
        }
        for (j = 0; j < given_addresses->len; j++) {
            if (vf_domain_pci_address_equal(
                    &address, &g_array_index(given_addresses, VfDomainPciAddress, j))) {
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "Device %s is listed twice",
                            canonical);
                return NULL;
            }
        }
        if (vf_domain_pci_address_equal(&address, &gpu_address))
            gpu_given = TRUE;
        g_ptr_array_add(given, vf_passthrough_device_new(canonical, driver));
        g_array_append_val(given_addresses, address);
    }
    if (!gpu_given) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "GPU %s is not among the devices to pass through", plan->gpu);
        return NULL;
    }

    /* The GPU's functions first, by function number (so function 0, the GPU itself, leads):
     * that is the order they take on their guest slot. Then the others as given. */
    for (function = 0; function <= 7; function++) {
        for (i = 0; i < given->len; i++) {
            VfDomainPciAddress *address = &g_array_index(given_addresses, VfDomainPciAddress, i);

            if (vf_domain_pci_address_same_slot(address, &gpu_address) &&
                address->function == function) {
                g_ptr_array_add(plan->devices, g_steal_pointer(&given->pdata[i]));
                g_array_append_val(plan->addresses, *address);
                plan->n_gpu_functions++;
            }
        }
    }
    for (i = 0; i < given->len; i++) {
        if (given->pdata[i] != NULL) {
            g_ptr_array_add(plan->devices, g_steal_pointer(&given->pdata[i]));
            g_array_append_val(plan->addresses,
                               g_array_index(given_addresses, VfDomainPciAddress, i));
        }
    }
    return g_steal_pointer(&plan);
}

static const VfPassthroughDevice *
vf_find_device(GPtrArray *devices, const char *address)
{
    guint i;

    for (i = 0; i < devices->len; i++) {
        const VfPassthroughDevice *device = g_ptr_array_index(devices, i);

        if (g_str_equal(device->address, address))
            return device;
    }
    return NULL;
}

static gboolean
vf_same_devices(GPtrArray *a, GPtrArray *b)
{
    guint i;

    if (a->len != b->len)
        return FALSE;
    for (i = 0; i < a->len; i++) {
        const VfPassthroughDevice *device = g_ptr_array_index(a, i);

        if (vf_find_device(b, device->address) == NULL)
            return FALSE;
    }
    return TRUE;
}

/* ---- reading the domain ------------------------------------------------------------ */

static int
vf_device_rank(const xmlNode *node)
{
    guint i;

    for (i = 0; i < G_N_ELEMENTS(vf_device_order); i++) {
        if (vf_xml_is_element(node, vf_device_order[i]))
            return (int)i;
    }
    return -1;
}

/* <video><model type='none'/></video> or <audio type='none'/>. */
static gboolean
vf_is_none(const xmlNode *node)
{
    if (vf_xml_is_element(node, "video")) {
        xmlNode *model = vf_xml_find_child(node, "model");

        return model != NULL && vf_xml_prop_equals(model, "type", "none");
    }
    return vf_xml_is_element(node, "audio") && vf_xml_prop_equals(node, "type", "none");
}

/* What the monitor view takes out because only a virtual display needs it. */
static gboolean
vf_is_display_device(const xmlNode *node)
{
    return vf_domain_record_removal_policy(node, VF_VIEW_MONITOR) == VF_DOMAIN_REMOVAL_REMOVE;
}

/* The host address of a PCI <hostdev>, or FALSE if @node is not one. */
static gboolean
vf_hostdev_source(const xmlNode *node, VfDomainPciAddress *out_address)
{
    xmlNode *source;
    xmlNode *address;

    if (!vf_xml_is_element(node, "hostdev") || !vf_xml_prop_equals(node, "mode", "subsystem") ||
        !vf_xml_prop_equals(node, "type", "pci"))
        return FALSE;
    source = vf_xml_find_child(node, "source");
    address = source ? vf_xml_find_child(source, "address") : NULL;
    return address != NULL && vf_domain_pci_address_from_xml(address, out_address);
}

static gboolean
vf_removal_contains(GArray *removals, const xmlNode *node)
{
    guint i;

    for (i = 0; i < removals->len; i++) {
        if (g_array_index(removals, VfRemoval, i).node == node)
            return TRUE;
    }
    return FALSE;
}

/* The guest PCI addresses the devices use, except those of the elements in @removals
 * (may be NULL). A device's guest address is its own <address type='pci'> child; a
 * PCI address deeper down is a host address (<source> of an interface type='hostdev'). */
static GArray *
vf_collect_used_addresses(const xmlNode *devices, GArray *removals)
{
    GArray *used = g_array_new(FALSE, FALSE, sizeof(VfDomainPciAddress));
    xmlNode *device;
    xmlNode *child;

    for (device = vf_xml_first_element(devices); device != NULL;
         device = vf_xml_next_element(device)) {
        if (removals != NULL && vf_removal_contains(removals, device))
            continue;
        for (child = vf_xml_first_element(device); child != NULL;
             child = vf_xml_next_element(child)) {
            VfDomainPciAddress address;

            if (vf_xml_is_element(child, "address") && vf_xml_prop_equals(child, "type", "pci") &&
                vf_domain_pci_address_from_xml(child, &address))
                g_array_append_val(used, address);
        }
    }
    return used;
}

static gboolean
vf_bus_used(GArray *used, guint bus)
{
    guint i;

    for (i = 0; i < used->len; i++) {
        const VfDomainPciAddress *address = &g_array_index(used, VfDomainPciAddress, i);

        if (address->domain == 0 && address->bus == bus)
            return TRUE;
    }
    return FALSE;
}

static gboolean
vf_slot_used(GArray *used, guint bus, guint slot)
{
    guint i;

    for (i = 0; i < used->len; i++) {
        const VfDomainPciAddress *address = &g_array_index(used, VfDomainPciAddress, i);

        if (address->domain == 0 && address->bus == bus && address->slot == slot)
            return TRUE;
    }
    return FALSE;
}

static gboolean
vf_controller_index(const xmlNode *controller, guint *out_index)
{
    g_autofree char *str = vf_xml_dup_prop(controller, "index");
    guint64 value;

    if (str == NULL || !g_ascii_string_to_unsigned(str, 10, 0, VF_PCI_BUS_MAX, &value, NULL))
        return FALSE;
    *out_index = (guint)value;
    return TRUE;
}

static gboolean
vf_is_pci_controller(const xmlNode *node)
{
    return vf_xml_is_element(node, "controller") && vf_xml_prop_equals(node, "type", "pci");
}

/* q35 and other PCI Express machines have a pcie-root; i440fx a pci-root. libvirt always
 * prints the root controller, the machine type is the fallback for a hand-written XML. */
static gboolean
vf_domain_is_pcie(const xmlNode *root, const xmlNode *devices)
{
    xmlNode *node;
    g_autofree char *machine = NULL;

    for (node = vf_xml_first_element(devices); node != NULL; node = vf_xml_next_element(node)) {
        if (!vf_is_pci_controller(node))
            continue;
        if (vf_xml_prop_equals(node, "model", "pcie-root"))
            return TRUE;
        if (vf_xml_prop_equals(node, "model", "pci-root"))
            return FALSE;
    }
    node = vf_xml_find_child(root, "os");
    node = node ? vf_xml_find_child(node, "type") : NULL;
    machine = node ? vf_xml_dup_prop(node, "machine") : NULL;
    return machine != NULL && strstr(machine, "q35") != NULL;
}

/* ---- choosing guest addresses ------------------------------------------------------ */

static int
vf_compare_uint(gconstpointer a, gconstpointer b)
{
    guint ua = *(const guint *)a;
    guint ub = *(const guint *)b;

    return (ua > ub) - (ua < ub);
}

/* @n_slots guest slots, each as (bus, slot); @out_controllers gets the indexes of the
 * pcie-root-ports to add. */
static gboolean
vf_allocate_pcie(const xmlNode *devices, const char *name, GArray *used, guint n_slots,
                 GArray *out_slots, GArray *out_controllers, GError **error)
{
    g_autoptr(GArray) free_ports = g_array_new(FALSE, FALSE, sizeof(guint));
    guint max_index = 0;
    xmlNode *node;
    guint i;

    for (node = vf_xml_first_element(devices); node != NULL; node = vf_xml_next_element(node)) {
        guint index;

        if (!vf_is_pci_controller(node) || !vf_controller_index(node, &index))
            continue;
        max_index = MAX(max_index, index);
        if (vf_xml_prop_equals(node, "model", "pcie-root-port") && index > 0 &&
            !vf_bus_used(used, index))
            g_array_append_val(free_ports, index);
    }
    g_array_sort(free_ports, vf_compare_uint);

    for (i = 0; i < n_slots; i++) {
        VfDomainPciAddress slot = {0, 0, 0, 0};

        if (i < free_ports->len) {
            slot.bus = g_array_index(free_ports, guint, i);
        } else {
            if (max_index >= VF_PCI_BUS_MAX) {
                g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                            "Domain '%s' has no PCI bus number left for another "
                            "pcie-root-port",
                            name);
                return FALSE;
            }
            slot.bus = ++max_index;
            g_array_append_val(out_controllers, slot.bus);
        }
        g_array_append_val(out_slots, slot);
    }
    return TRUE;
}

static gboolean
vf_allocate_pci(const char *name, GArray *used, guint n_slots, GArray *out_slots, GError **error)
{
    guint slot;

    for (slot = VF_I440FX_FIRST_SLOT; slot <= VF_PCI_SLOT_MAX && out_slots->len < n_slots; slot++) {
        VfDomainPciAddress address = {0, 0, slot, 0};

        if (!vf_slot_used(used, 0, slot))
            g_array_append_val(out_slots, address);
    }
    if (out_slots->len < n_slots) {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "Domain '%s' has no free slot on PCI bus 0 for %u more device(s)", name,
                    n_slots);
        return FALSE;
    }
    return TRUE;
}

/* ---- building elements ------------------------------------------------------------- */

static xmlNode *
vf_new_element(xmlDoc *doc, xmlNode *parent, const char *name)
{
    xmlNode *node = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);

    if (parent != NULL)
        xmlAddChild(parent, node);
    return node;
}

static void
vf_set_prop(xmlNode *node, const char *name, const char *value)
{
    xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

/* <hostdev mode='subsystem' type='pci' managed='no'>: managed='no' because VirtFlow binds
 * the functions to vfio-pci itself, after its safety checks, and the hook gives them back
 * to their drivers; libvirt must not do either behind our back. */
static xmlNode *
vf_new_hostdev(xmlDoc *doc, const VfDomainPciAddress *source, const VfDomainPciAddress *guest,
               gboolean multifunction, guint indent, guint step)
{
    xmlNode *hostdev = vf_new_element(doc, NULL, "hostdev");
    xmlNode *node;

    vf_set_prop(hostdev, "mode", "subsystem");
    vf_set_prop(hostdev, "type", "pci");
    vf_set_prop(hostdev, "managed", "no");
    node = vf_new_element(doc, hostdev, "source");
    node = vf_new_element(doc, node, "address");
    vf_domain_pci_address_to_xml(source, node);
    node = vf_new_element(doc, hostdev, "address");
    vf_set_prop(node, "type", "pci");
    vf_domain_pci_address_to_xml(guest, node);
    if (multifunction)
        vf_set_prop(node, "multifunction", "on");
    vf_xml_format(hostdev, indent, step);
    return hostdev;
}

static xmlNode *
vf_new_root_port(xmlDoc *doc, guint index)
{
    xmlNode *controller = vf_new_element(doc, NULL, "controller");
    char buf[16];

    g_snprintf(buf, sizeof(buf), "%u", index);
    vf_set_prop(controller, "type", "pci");
    vf_set_prop(controller, "index", buf);
    vf_set_prop(controller, "model", "pcie-root-port");
    return controller;
}

static xmlNode *
vf_last_child(const xmlNode *parent, const char *name, const char *type)
{
    xmlNode *node;

    for (node = vf_xml_last_element(parent); node != NULL; node = node->prev) {
        if (vf_xml_is_element(node, name) &&
            (type == NULL || vf_xml_prop_equals(node, "type", type)))
            return node;
    }
    return NULL;
}

/* Insert @node into @devices where libvirt prints its kind: after @after when given,
 * else before the first element libvirt prints after it, else last. */
static void
vf_insert_device(xmlNode *devices, xmlNode *node, xmlNode *after)
{
    int rank = vf_device_rank(node);
    xmlNode *child;

    if (after != NULL) {
        vf_xml_insert_after(after, node);
        return;
    }
    for (child = vf_xml_first_element(devices); child != NULL; child = vf_xml_next_element(child)) {
        if (vf_device_rank(child) > rank) {
            vf_xml_insert_before(child, node);
            return;
        }
    }
    vf_xml_append(devices, node);
}

/* <metadata>, created where libvirt prints it (after name, uuid, genid, title and
 * description) when the domain has none. */
static xmlNode *
vf_ensure_metadata(xmlNode *root, gboolean *out_created)
{
    static const char *const before[] = {"name", "uuid", "genid", "title", "description"};
    xmlNode *metadata = vf_xml_find_child(root, "metadata");
    xmlNode *after = NULL;
    xmlNode *node;
    guint i;

    *out_created = metadata == NULL;
    if (metadata != NULL)
        return metadata;

    metadata = vf_new_element(root->doc, NULL, "metadata");
    for (node = vf_xml_first_element(root); node != NULL; node = vf_xml_next_element(node)) {
        for (i = 0; i < G_N_ELEMENTS(before); i++) {
            if (vf_xml_is_element(node, before[i]))
                after = node;
        }
    }
    if (after != NULL)
        vf_xml_insert_after(after, metadata);
    else if (vf_xml_first_element(root) != NULL)
        vf_xml_insert_before(vf_xml_first_element(root), metadata);
    else
        vf_xml_append(root, metadata);
    return metadata;
}

/* ---- the profile's elements -------------------------------------------------------- */

/* What the looking-glass view wants, after gnif/LookingGlass doc/install_libvirt.rst
 * ("Keyboard/mouse/display/audio", "Memballoon") and doc/ivshmem_shm.rst:
 *  - <graphics type='spice'>, for the client's keyboard, mouse and clipboard. It listens on
 *    127.0.0.1 only, where looking-glass-client looks for it (spice:host, spice:port
 *    5900): not listen type='none', which would leave the client no way in;
 *  - <video><model type='vga'/></video>, the display fallback the doc asks for;
 *  - <audio type='spice'>, so that the guest's sound device plays through the client;
 *  - <memballoon model='none'/> ("causes major performance issues with VFIO");
 *  - <shmem name='looking-glass'><model type='ivshmem-plain'/><size unit='M'>N</size>
 *    </shmem>, N from vf_profile_lg_size_mib();
 *  - the tablet out (vf_domain_record_removal_policy()) and VirtIO keyboard and mouse in.
 * The monitor view's replacements are <video><model type='none'/></video> and
 * <audio id='1' type='none'/>, the audio backend libvirt (since 7.2) adds itself to a
 * domain that has none. */
static xmlNode *
vf_new_replacement(xmlDoc *doc, const char *element, VfView view, guint shmem_mib,
                   const VfDomainPciAddress *guest, guint indent, guint step)
{
    xmlNode *node = vf_new_element(doc, NULL, element);
    xmlNode *child;

    if (g_str_equal(element, "video")) {
        child = vf_new_element(doc, node, "model");
        vf_set_prop(child, "type", view == VF_VIEW_LOOKING_GLASS ? "vga" : "none");
    } else if (g_str_equal(element, "audio")) {
        vf_set_prop(node, "id", "1");
        vf_set_prop(node, "type", view == VF_VIEW_LOOKING_GLASS ? "spice" : "none");
    } else if (g_str_equal(element, "graphics")) {
        vf_set_prop(node, "type", "spice");
        vf_set_prop(node, "autoport", "yes");
        child = vf_new_element(doc, node, "listen");
        vf_set_prop(child, "type", "address");
        vf_set_prop(child, "address", "127.0.0.1");
    } else if (g_str_equal(element, "memballoon")) {
        vf_set_prop(node, "model", "none");
    } else {
        char size[16];

        g_assert(g_str_equal(element, "shmem"));
        vf_set_prop(node, "name", VF_LG_SHMEM_NAME);
        child = vf_new_element(doc, node, "model");
        vf_set_prop(child, "type", "ivshmem-plain");
        g_snprintf(size, sizeof(size), "%u", shmem_mib);
        child = xmlNewTextChild(node, NULL, (const xmlChar *)"size", (const xmlChar *)size);
        vf_set_prop(child, "unit", "M");
        child = vf_new_element(doc, node, "address");
        vf_set_prop(child, "type", "pci");
        vf_domain_pci_address_to_xml(guest, child);
    }
    vf_xml_format(node, indent, step);
    return node;
}

static gboolean
vf_model_type_equals(const xmlNode *node, const char *type)
{
    xmlNode *model = vf_xml_find_child(node, "model");

    return model != NULL && vf_xml_prop_equals(model, "type", type);
}

/* The first element of a REPLACE kind already is what the view wants: it stays. */
static gboolean
vf_is_wanted(const xmlNode *node, VfView view, guint shmem_mib)
{
    gboolean lg = view == VF_VIEW_LOOKING_GLASS;

    if (vf_xml_is_element(node, "video"))
        return vf_model_type_equals(node, lg ? "vga" : "none");
    if (vf_xml_is_element(node, "audio"))
        return vf_xml_prop_equals(node, "type", lg ? "spice" : "none");
    if (vf_xml_is_element(node, "memballoon"))
        return vf_xml_prop_equals(node, "model", "none");
    if (vf_xml_is_element(node, "shmem")) {
        xmlNode *size = vf_xml_find_child(node, "size");
        g_autofree char *text = vf_xml_dup_content(size);
        char wanted[16];

        g_snprintf(wanted, sizeof(wanted), "%u", shmem_mib);
        return vf_model_type_equals(node, "ivshmem-plain") && size != NULL &&
               vf_xml_prop_equals(size, "unit", "M") && g_strcmp0(text, wanted) == 0;
    }
    /* graphics: always ours, listening where we say */
    return FALSE;
}

/* <input type='evdev'>: the keyboard grabs every input device with the toggle, the mouse
 * only names its device (libvirt formatdomain, "Input devices": grab, grabToggle and
 * repeat are for the keyboard). */
static xmlNode *
vf_new_evdev(xmlDoc *doc, const VfEvdevInput *input, VfGrabToggle toggle, guint indent, guint step)
{
    xmlNode *node = vf_new_element(doc, NULL, "input");
    xmlNode *source;

    vf_set_prop(node, "type", "evdev");
    source = vf_new_element(doc, node, "source");
    vf_set_prop(source, "dev", input->path);
    if (input->kind == VF_INPUT_KIND_KEYBOARD) {
        vf_set_prop(source, "grab", "all");
        vf_set_prop(source, "grabToggle", vf_grab_toggle_to_string(toggle));
        vf_set_prop(source, "repeat", "on");
    }
    vf_xml_format(node, indent, step);
    return node;
}

static xmlNode *
vf_new_virtio_input(xmlDoc *doc, const char *type, const VfDomainPciAddress *guest, guint indent,
                    guint step)
{
    xmlNode *node = vf_new_element(doc, NULL, "input");
    xmlNode *address;

    vf_set_prop(node, "type", type);
    vf_set_prop(node, "bus", "virtio");
    address = vf_new_element(doc, node, "address");
    vf_set_prop(address, "type", "pci");
    vf_domain_pci_address_to_xml(guest, address);
    vf_xml_format(node, indent, step);
    return node;
}

static const char *
vf_evdev_dev(const xmlNode *node)
{
    xmlNode *source;

    if (!vf_xml_is_element(node, "input") || !vf_xml_prop_equals(node, "type", "evdev"))
        return NULL;
    source = vf_xml_find_child(node, "source");
    if (source == NULL)
        return NULL;
    for (xmlAttr *attr = source->properties; attr != NULL; attr = attr->next) {
        if (attr->ns == NULL && xmlStrEqual(attr->name, (const xmlChar *)"dev") &&
            attr->children != NULL)
            return (const char *)attr->children->content;
    }
    return NULL;
}

static xmlNode *
vf_find_evdev(const xmlNode *devices, const char *dev)
{
    for (xmlNode *node = vf_xml_first_element(devices); node != NULL;
         node = vf_xml_next_element(node)) {
        if (g_strcmp0(vf_evdev_dev(node), dev) == 0)
            return node;
    }
    return NULL;
}

static xmlNode *
vf_find_virtio_input(const xmlNode *devices, const char *type, gboolean last)
{
    xmlNode *found = NULL;

    for (xmlNode *node = vf_xml_first_element(devices); node != NULL;
         node = vf_xml_next_element(node)) {
        if (vf_xml_is_element(node, "input") && vf_xml_prop_equals(node, "type", type) &&
            vf_xml_prop_equals(node, "bus", "virtio")) {
            found = node;
            if (!last)
                break;
        }
    }
    return found;
}

/* The profile, checked: FALSE with VF_ERROR_INVALID_ARGUMENT naming what is wrong. */
static gboolean
vf_profile_check(const VfProfile *profile, const VfPlan *plan, GError **error)
{
    g_autoptr(GHashTable) paths = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    if (profile == NULL)
        return TRUE;
    if (profile->view >= VF_VIEW_LAST || profile->grab_toggle >= VF_GRAB_TOGGLE_LAST) {
        g_set_error_literal(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "The profile has an unknown view or grab toggle");
        return FALSE;
    }
    if (profile->view == VF_VIEW_LOOKING_GLASS &&
        vf_profile_lg_size_mib(profile->lg_width, profile->lg_height) == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Looking Glass resolution %ux%u is out of range: each side must be between "
                    "1 and %u",
                    profile->lg_width, profile->lg_height, VF_LG_MAX_DIMENSION);
        return FALSE;
    }
    for (i = 0; profile->evdev != NULL && i < profile->evdev->len; i++) {
        const VfEvdevInput *input = g_ptr_array_index(profile->evdev, i);

        if (input->kind >= VF_INPUT_KIND_LAST ||
            !vf_domain_record_is_valid_evdev_path(input->path)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Input device '%s' is not an evdev device path under /dev/input/ "
                        "(use /dev/input/by-id/…-event-kbd or …-event-mouse)",
                        input->path ? input->path : "");
            return FALSE;
        }
        if (!g_hash_table_add(paths, input->path)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Input device '%s' is given twice", input->path);
            return FALSE;
        }
        if (i >= VF_DOMAIN_RECORD_MAX_EVDEV) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "More than %d input devices to hand over", VF_DOMAIN_RECORD_MAX_EVDEV);
            return FALSE;
        }
    }
    if (profile->usb_controller != NULL) {
        VfDomainPciAddress address;
        g_autofree char *canonical = NULL;

        if (!vf_domain_pci_address_parse(profile->usb_controller, &address)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "USB controller address '%s' is not a PCI address (DDDD:BB:SS.F)",
                        profile->usb_controller);
            return FALSE;
        }
        canonical = vf_domain_pci_address_to_string(&address);
        if (vf_find_device(plan->devices, canonical) == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "USB controller %s is not among the devices to pass through", canonical);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- activation -------------------------------------------------------------------- */

static xmlNode *
vf_find_devices(xmlNode *root, const char *name, GError **error)
{
    xmlNode *devices = vf_xml_find_child(root, "devices");

    if (devices == NULL)
        g_set_error(error, VF_ERROR, VF_ERROR_XML, "Domain '%s' has no <devices> element", name);
    return devices;
}

/* A <hostdev> for one of our devices that we did not add (the user's own, or one from
 * another tool): adding ours as well would make libvirt refuse the domain, and taking
 * it over would make Deactivate remove something that was not ours. */
static gboolean
vf_check_foreign_hostdevs(const xmlNode *devices, const char *name, const VfPlan *plan,
                          GError **error)
{
    xmlNode *node;
    guint i;

    for (node = vf_xml_first_element(devices); node != NULL; node = vf_xml_next_element(node)) {
        VfDomainPciAddress source;

        if (!vf_hostdev_source(node, &source))
            continue;
        for (i = 0; i < plan->addresses->len; i++) {
            if (vf_domain_pci_address_equal(
                    &source, &g_array_index(plan->addresses, VfDomainPciAddress, i))) {
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "Domain '%s' already has a <hostdev> for %s that VirtFlow did "
                            "not add: remove it first",
                            name, ((VfPassthroughDevice *)plan->devices->pdata[i])->address);
                return FALSE;
            }
        }
    }
    return TRUE;
}

/* The kinds a view may replace, in the order their <added> entries are written. */
static const char *const vf_replaced_kinds[] = {"video", "audio", "graphics", "memballoon",
                                                "shmem"};

typedef struct {
    xmlNode *first; /* the first element of the kind in <devices> */
    gboolean keep;  /* ... already is what the view wants */
    gboolean added; /* we add ours */
} VfReplaced;

static gboolean
vf_domain_activate_doc(xmlDoc *doc, const char *name, const VfPlan *plan, const VfProfile *profile,
                       GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices = vf_find_devices(root, name, error);
    g_autoptr(GArray) removals = g_array_new(FALSE, FALSE, sizeof(VfRemoval));
    g_autoptr(GArray) used = NULL;
    g_autoptr(GArray) slots = g_array_new(FALSE, FALSE, sizeof(VfDomainPciAddress));
    g_autoptr(GArray) shmem_slots = g_array_new(FALSE, FALSE, sizeof(VfDomainPciAddress));
    g_autoptr(GArray) controllers = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GPtrArray) evdev_added = g_ptr_array_new();
    g_autoptr(GPtrArray) virtio_added = g_ptr_array_new();
    VfReplaced replaced[G_N_ELEMENTS(vf_replaced_kinds)] = {{0}};
    VfView view = profile ? profile->view : VF_VIEW_MONITOR;
    gboolean lg = view == VF_VIEW_LOOKING_GLASS;
    guint shmem_mib = lg ? vf_profile_lg_size_mib(profile->lg_width, profile->lg_height) : 0;
    xmlNode *after;
    xmlNode *metadata;
    xmlNode *record;
    gboolean added_metadata;
    guint indent;
    guint step;
    guint position;
    guint n_slots;
    guint n_other;
    guint i;
    guint k;

    g_array_set_clear_func(removals, vf_removal_clear);
    if (devices == NULL)
        return FALSE;
    position = 0;
    for (xmlNode *node = vf_xml_first_element(devices); node != NULL;
         node = vf_xml_next_element(node)) {
        if (++position > VF_DOMAIN_XML_MAX_DEVICES) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has more than %d devices: not a domain VirtFlow can "
                        "rewrite",
                        name, VF_DOMAIN_XML_MAX_DEVICES);
            return FALSE;
        }
    }
    if (!vf_check_foreign_hostdevs(devices, name, plan, error))
        return FALSE;

    /* What goes (vf_domain_record_removal_policy()): what the view removes, and of each kind
     * it replaces every element but a first one that already is what it wants. A domain
     * keeps one video of model 'none' (libvirt and QEMU then add no emulated display) and
     * one audio backend of type 'none': libvirt adds that one at define time to a domain
     * without any, and the round trip through libvirt would otherwise leave it next to the
     * restored one. */
    position = 0;
    for (xmlNode *node = vf_xml_first_element(devices); node != NULL;
         node = vf_xml_next_element(node), position++) {
        VfDomainRemovalPolicy policy = vf_domain_record_removal_policy(node, view);
        gboolean remove = policy == VF_DOMAIN_REMOVAL_REMOVE;

        if (policy == VF_DOMAIN_REMOVAL_REPLACE) {
            for (k = 0; k < G_N_ELEMENTS(vf_replaced_kinds); k++) {
                if (!g_str_equal((const char *)node->name, vf_replaced_kinds[k]))
                    continue;
                remove = replaced[k].first != NULL || !vf_is_wanted(node, view, shmem_mib);
                if (replaced[k].first == NULL) {
                    replaced[k].first = node;
                    replaced[k].keep = !remove;
                }
            }
        }
        if (remove) {
            VfRemoval removal = {position, vf_xml_get_indent(node), node, FALSE};

            g_array_append_val(removals, removal);
        }
    }

    /* The inputs the profile hands over: not those the domain already has. */
    for (i = 0; profile != NULL && profile->evdev != NULL && i < profile->evdev->len; i++) {
        VfEvdevInput *input = g_ptr_array_index(profile->evdev, i);

        if (vf_find_evdev(devices, input->path) == NULL)
            g_ptr_array_add(evdev_added, input);
    }
    if (profile != NULL && (lg || profile->virtio_input)) {
        static const char *const types[] = {"keyboard", "mouse"};

        for (i = 0; i < G_N_ELEMENTS(types); i++) {
            if (vf_find_virtio_input(devices, types[i], FALSE) == NULL)
                g_ptr_array_add(virtio_added, (gpointer)types[i]);
        }
    }

    /* Choose the guest addresses before changing anything, so that a domain without room
     * fails untouched. The addresses of what goes are free to take. Each VirtIO input
     * needs a slot of its own like a passed-through device; the ivshmem device is a
     * conventional PCI device: on bus 0 (libvirt takes it there, as an integrated device of
     * a pcie-root, when the address is given; left to itself it would add a
     * pcie-to-pci-bridge that Deactivate could not tell from the user's). */
    used = vf_collect_used_addresses(devices, removals);
    n_other = plan->devices->len - plan->n_gpu_functions;
    n_slots = 1 + n_other + virtio_added->len;
    if (vf_domain_is_pcie(root, devices)) {
        if (!vf_allocate_pcie(devices, name, used, n_slots, slots, controllers, error))
            return FALSE;
    } else {
        if (!vf_allocate_pci(name, used, n_slots, slots, error))
            return FALSE;
    }
    for (k = 0; k < G_N_ELEMENTS(vf_replaced_kinds); k++) {
        replaced[k].added = !replaced[k].keep &&
                            vf_domain_record_removal_policy_of(vf_replaced_kinds[k], view) ==
                                VF_DOMAIN_REMOVAL_REPLACE &&
                            (replaced[k].first != NULL || lg);
        if (replaced[k].added && g_str_equal(vf_replaced_kinds[k], "shmem")) {
            g_array_append_vals(used, slots->data, slots->len);
            if (!vf_allocate_pci(name, used, 1, shmem_slots, error))
                return FALSE;
        }
    }

    indent = vf_xml_get_child_indent(devices);
    step = vf_xml_get_step(devices);
    for (k = 0; k < G_N_ELEMENTS(vf_replaced_kinds); k++) {
        xmlNode *node;

        if (!replaced[k].added)
            continue;
        node = vf_new_replacement(
            doc, vf_replaced_kinds[k], view, shmem_mib,
            shmem_slots->len > 0 ? &g_array_index(shmem_slots, VfDomainPciAddress, 0) : NULL,
            indent, step);
        if (replaced[k].first != NULL)
            vf_xml_insert_before(replaced[k].first, node);
        else
            vf_insert_device(devices, node, NULL);
    }
    for (i = 0; i < removals->len; i++) {
        VfRemoval *removal = &g_array_index(removals, VfRemoval, i);

        vf_xml_unlink(removal->node);
        removal->unlinked = TRUE;
    }

    after = vf_last_child(devices, "input", NULL);
    for (i = 0; i < evdev_added->len; i++) {
        xmlNode *node = vf_new_evdev(doc, g_ptr_array_index(evdev_added, i), profile->grab_toggle,
                                     indent, step);

        vf_insert_device(devices, node, after);
        after = node;
    }
    for (i = 0; i < virtio_added->len; i++) {
        const VfDomainPciAddress *guest =
            &g_array_index(slots, VfDomainPciAddress, 1 + n_other + i);
        xmlNode *node =
            vf_new_virtio_input(doc, g_ptr_array_index(virtio_added, i), guest, indent, step);

        vf_insert_device(devices, node, after);
        after = node;
    }

    after = vf_last_child(devices, "controller", "pci");
    if (after == NULL)
        after = vf_last_child(devices, "controller", NULL);
    for (i = 0; i < controllers->len; i++) {
        xmlNode *controller = vf_new_root_port(doc, g_array_index(controllers, guint, i));

        vf_insert_device(devices, controller, after);
        after = controller;
    }

    after = vf_last_child(devices, "hostdev", NULL);
    for (i = 0; i < plan->devices->len; i++) {
        const VfDomainPciAddress *source = &g_array_index(plan->addresses, VfDomainPciAddress, i);
        VfDomainPciAddress guest;
        xmlNode *hostdev;

        if (i < plan->n_gpu_functions) {
            guest = g_array_index(slots, VfDomainPciAddress, 0);
            guest.function = source->function;
        } else {
            guest = g_array_index(slots, VfDomainPciAddress, 1 + i - plan->n_gpu_functions);
        }
        hostdev =
            vf_new_hostdev(doc, source, &guest, i == 0 && plan->n_gpu_functions > 1, indent, step);
        vf_insert_device(devices, hostdev, after);
        after = hostdev;
    }

    metadata = vf_ensure_metadata(root, &added_metadata);
    record = vf_domain_record_create(metadata, plan->gpu);
    vf_domain_record_add_profile(record, profile);
    for (i = 0; i < plan->devices->len; i++)
        vf_domain_record_add_device(record, g_ptr_array_index(plan->devices, i));
    for (i = 0; i < controllers->len; i++)
        vf_domain_record_add_added(record, "controller", (int)g_array_index(controllers, guint, i));
    for (k = 0; k < G_N_ELEMENTS(vf_replaced_kinds); k++) {
        const char *kind = vf_replaced_kinds[k];

        if (!replaced[k].added)
            continue;
        if (g_str_equal(kind, "video"))
            vf_domain_record_add_added_full(record, kind, "model", lg ? "vga" : NULL, NULL);
        else if (g_str_equal(kind, "audio"))
            vf_domain_record_add_added_full(record, kind, "type", lg ? "spice" : NULL, NULL);
        else if (g_str_equal(kind, "graphics"))
            vf_domain_record_add_added_full(record, kind, "type", "spice", NULL);
        else if (g_str_equal(kind, "memballoon"))
            vf_domain_record_add_added_full(record, kind, "model", "none", NULL);
        else
            vf_domain_record_add_added_full(record, kind, "name", VF_LG_SHMEM_NAME, NULL);
    }
    for (i = 0; i < evdev_added->len; i++) {
        const VfEvdevInput *input = g_ptr_array_index(evdev_added, i);

        vf_domain_record_add_added_full(record, "input", "type", "evdev", "dev", input->path, NULL);
    }
    for (i = 0; i < virtio_added->len; i++)
        vf_domain_record_add_added_full(record, "input", "type",
                                        (const char *)g_ptr_array_index(virtio_added, i), "bus",
                                        "virtio", NULL);
    if (added_metadata)
        vf_domain_record_add_added(record, "metadata", -1);
    for (i = 0; i < removals->len; i++) {
        VfRemoval *removal = &g_array_index(removals, VfRemoval, i);

        vf_domain_record_add_removed(record, removal->position, g_steal_pointer(&removal->node),
                                     removal->indent);
    }
    return TRUE;
}

/* ---- deactivation ------------------------------------------------------------------ */

static void
vf_remove_node(xmlNode *node)
{
    vf_xml_unlink(node);
    xmlFreeNode(node);
}

static xmlNode *
vf_nth_element(const xmlNode *parent, guint n)
{
    xmlNode *node;

    for (node = vf_xml_first_element(parent); node != NULL && n > 0;
         node = vf_xml_next_element(node))
        n--;
    return node;
}

/* The originals are still in the record at this point, so the first one that is what the
 * activation adds is the one it added. */
static void
vf_remove_first(xmlNode *devices, const char *element, const char *attr, const char *value)
{
    xmlNode *node;

    for (node = vf_xml_first_element(devices); node != NULL; node = vf_xml_next_element(node)) {
        if (!vf_xml_is_element(node, element))
            continue;
        if (g_str_equal(element, "video") ? vf_model_type_equals(node, value)
                                          : vf_xml_prop_equals(node, attr, value)) {
            vf_remove_node(node);
            return;
        }
    }
}

/* The record against the domain it came with: a device it lists whose <hostdev> is not
 * one VirtFlow writes (managed='no') is the user's own, and Deactivate would delete it. */
static gboolean
vf_domain_record_check_hostdevs(const VfDomainRecord *record, const xmlNode *devices,
                                const char *name, GError **error)
{
    for (xmlNode *node = vf_xml_first_element(devices); node != NULL;
         node = vf_xml_next_element(node)) {
        VfDomainPciAddress source;
        g_autofree char *address = NULL;

        if (!vf_hostdev_source(node, &source) || vf_xml_prop_equals(node, "managed", "no"))
            continue;
        address = vf_domain_pci_address_to_string(&source);
        if (vf_find_device(record->devices, address) != NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        "Domain '%s' has a damaged VirtFlow record: it lists %s, whose "
                        "<hostdev> VirtFlow did not add (VirtFlow writes managed='no'); take "
                        "the record out of <metadata> ('virsh edit') and check the VM's devices",
                        name, address);
            return FALSE;
        }
    }
    return TRUE;
}

/* <metadata> is Activate's but still holds tune's record (tune/vf-tune-xml.h): tune's undo
 * takes it away when it goes last, as Activate would have. */
static void
vf_hand_over_metadata(xmlNode *metadata)
{
    xmlNode *node;

    for (node = vf_xml_first_element(metadata); node != NULL; node = vf_xml_next_element(node)) {
        if (node->ns != NULL && node->ns->href != NULL &&
            g_str_equal((const char *)node->ns->href, VF_TUNE_XML_NAMESPACE) &&
            g_str_equal((const char *)node->name, "tune")) {
            xmlNode *added = xmlNewDocNode(node->doc, node->ns, (const xmlChar *)"added", NULL);

            xmlSetProp(added, (const xmlChar *)"element", (const xmlChar *)"metadata");
            vf_xml_append(node, added);
            return;
        }
    }
}

static gboolean
vf_domain_deactivate_doc(xmlDoc *doc, const char *name, VfDomainRecord *record, GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices = vf_find_devices(root, name, error);
    xmlNode *metadata = record->node->parent;
    xmlNode *node;
    xmlNode *next;
    guint i;

    if (devices == NULL)
        return FALSE;

    /* What the profile added. */
    for (i = 0; i < record->added_evdev->len; i++) {
        node = vf_find_evdev(devices, g_ptr_array_index(record->added_evdev, i));
        if (node != NULL)
            vf_remove_node(node);
    }
    for (i = 0; i < record->added_virtio->len; i++) {
        node = vf_find_virtio_input(devices, g_ptr_array_index(record->added_virtio, i), TRUE);
        if (node != NULL)
            vf_remove_node(node);
    }
    if (record->added_graphics)
        vf_remove_first(devices, "graphics", "type", "spice");
    if (record->added_memballoon)
        vf_remove_first(devices, "memballoon", "model", "none");
    if (record->added_shmem)
        vf_remove_first(devices, "shmem", "name", VF_LG_SHMEM_NAME);

    /* Only the hostdevs activation adds: managed='no' PCI ones for a recorded device. */
    for (node = vf_xml_first_element(devices); node != NULL; node = next) {
        VfDomainPciAddress source;
        g_autofree char *address = NULL;

        next = vf_xml_next_element(node);
        if (!vf_hostdev_source(node, &source) || !vf_xml_prop_equals(node, "managed", "no"))
            continue;
        address = vf_domain_pci_address_to_string(&source);
        if (vf_find_device(record->devices, address) != NULL)
            vf_remove_node(node);
    }

    /* A root port we added goes unless something else has since been plugged into it. */
    for (i = 0; i < record->controllers->len; i++) {
        guint wanted = g_array_index(record->controllers, guint, i);
        g_autoptr(GArray) used = vf_collect_used_addresses(devices, NULL);

        for (node = vf_xml_first_element(devices); node != NULL; node = vf_xml_next_element(node)) {
            guint index;

            if (vf_is_pci_controller(node) && vf_xml_prop_equals(node, "model", "pcie-root-port") &&
                vf_controller_index(node, &index) && index == wanted) {
                if (!vf_bus_used(used, wanted))
                    vf_remove_node(node);
                break;
            }
        }
    }

    if (record->added_video)
        vf_remove_first(devices, "video", NULL, record->video_model);
    if (record->added_audio)
        vf_remove_first(devices, "audio", "type", record->audio_type);

    /* Back where they were: with what activation added gone, the elements that stayed are
     * the original ones in their order (libvirt sorts devices by kind and keeps the order
     * within a kind), so putting each back at its old index, lowest first, rebuilds the
     * original order. */
    for (i = 0; i < record->removed->len; i++) {
        VfDomainRemoved *removed = &g_array_index(record->removed, VfDomainRemoved, i);
        xmlNode *element = removed->element;
        guint from = vf_xml_get_indent(element);
        xmlNode *ref;
        guint to;

        ref = vf_nth_element(devices, removed->position);
        to = ref ? vf_xml_get_indent(ref) : vf_xml_get_child_indent(devices);
        /* The element may use namespaces declared on the record or its <removed> wrapper,
         * which are freed with the record below: once it is out of their scope, and while
         * they still exist, declare them again on the element itself, or the XML written
         * would point into freed memory (issue 12). */
        xmlUnlinkNode(element);
        if (ref != NULL)
            vf_xml_insert_before(ref, element);
        else
            vf_xml_append(devices, element);
        xmlDOMWrapReconcileNamespaces(NULL, element, 0);
        vf_xml_shift(element, (int)to - (int)from);
    }

    vf_remove_node(record->node);
    record->node = NULL;
    if (record->added_metadata) {
        if (vf_xml_first_element(metadata) == NULL)
            vf_remove_node(metadata);
        else
            vf_hand_over_metadata(metadata);
    }
    return TRUE;
}

/* The record of @doc, checked on its own and against the domain's <hostdev>s, so that
 * every reader (Activate, Deactivate, the hook, doctor) sees the same verdict. */
static gboolean
vf_domain_xml_load_record(xmlDoc *doc, const char *name, VfDomainRecord **out_record,
                          GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices = vf_xml_find_child(root, "devices");
    g_autoptr(VfDomainRecord) record = NULL;

    if (!vf_domain_record_load(root, name, &record, error))
        return FALSE;
    if (record != NULL && devices != NULL &&
        !vf_domain_record_check_hostdevs(record, devices, name, error))
        return FALSE;
    *out_record = g_steal_pointer(&record);
    return TRUE;
}

/* Parses @xml and loads its record: what every public reader but inspect starts with.
 * TRUE with the document, the domain's name and the record (NULL when there is none). */
static gboolean
vf_domain_xml_read(const char *xml, xmlDoc **ret_doc, char **ret_name, VfDomainRecord **ret_record,
                   GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfDomainRecord) record = NULL;
    g_autofree char *name = NULL;

    doc = vf_domain_xml_parse(xml, &name, error);
    if (doc == NULL || !vf_domain_xml_load_record(doc, name, &record, error))
        return FALSE;
    /* the record points into the document: the caller frees the record first */
    *ret_record = g_steal_pointer(&record);
    *ret_name = g_steal_pointer(&name);
    *ret_doc = g_steal_pointer(&doc);
    return TRUE;
}

/* ---- public API -------------------------------------------------------------------- */

static gboolean
vf_profile_equal(const VfProfile *a, const VfProfile *b)
{
    guint i;

    if (a->view != b->view || a->grab_toggle != b->grab_toggle ||
        a->virtio_input != b->virtio_input ||
        g_strcmp0(a->usb_controller, b->usb_controller) != 0 || a->evdev->len != b->evdev->len)
        return FALSE;
    if (a->view == VF_VIEW_LOOKING_GLASS &&
        (a->lg_width != b->lg_width || a->lg_height != b->lg_height))
        return FALSE;
    for (i = 0; i < a->evdev->len; i++) {
        const VfEvdevInput *ia = g_ptr_array_index(a->evdev, i);
        const VfEvdevInput *ib = g_ptr_array_index(b->evdev, i);

        if (ia->kind != ib->kind || g_strcmp0(ia->path, ib->path) != 0)
            return FALSE;
    }
    return TRUE;
}

char *
vf_domain_xml_activate_profile(const char *xml, const char *gpu, const VfPassthroughDevice *devices,
                               guint n_devices, const VfProfile *profile, GError **error)
{
    g_autoptr(VfPlan) plan = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfDomainRecord) record = NULL;
    g_autoptr(VfProfile) wanted = NULL;
    g_autofree char *name = NULL;
    guint i;

    g_return_val_if_fail(xml != NULL, NULL);
    g_return_val_if_fail(gpu != NULL, NULL);
    g_return_val_if_fail(devices != NULL || n_devices == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    plan = vf_plan_new(gpu, devices, n_devices, error);
    if (plan == NULL || !vf_profile_check(profile, plan, error))
        return NULL;
    /* From here on the profile is in canonical form (the USB controller as sysfs spells
     * it), NULL when it asks for nothing beyond the monitor view. */
    if (!vf_domain_record_profile_is_default(profile)) {
        wanted = vf_profile_copy(profile);
        if (wanted->usb_controller != NULL) {
            VfDomainPciAddress address;

            vf_domain_pci_address_parse(profile->usb_controller, &address);
            g_free(wanted->usb_controller);
            wanted->usb_controller = vf_domain_pci_address_to_string(&address);
        }
    }
    if (!vf_domain_xml_read(xml, &doc, &name, &record, error))
        return NULL;

    if (record != NULL) {
        g_autoptr(VfProfile) none = vf_profile_new();

        if (!g_str_equal(record->gpu, plan->gpu)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Domain '%s' already has GPU %s: deactivate it first", name, record->gpu);
            return NULL;
        }
        if (vf_same_devices(record->devices, plan->devices) &&
            vf_profile_equal(record->profile, wanted ? wanted : none))
            return g_strdup(xml);

        /* Same GPU, other functions or another profile: redo it from the original. The
         * drivers recorded the first time are the real host drivers; by now the devices
         * may well be on vfio-pci. */
        for (i = 0; i < plan->devices->len; i++) {
            VfPassthroughDevice *device = g_ptr_array_index(plan->devices, i);
            const VfPassthroughDevice *known = vf_find_device(record->devices, device->address);

            if (known != NULL) {
                g_free(device->driver);
                device->driver = g_strdup(known->driver);
            }
        }
        if (!vf_domain_deactivate_doc(doc, name, record, error))
            return NULL;
    }

    if (!vf_domain_activate_doc(doc, name, plan, wanted, error))
        return NULL;
    return vf_domain_xml_format(doc, error);
}

char *
vf_domain_xml_activate(const char *xml, const char *gpu, const VfPassthroughDevice *devices,
                       guint n_devices, GError **error)
{
    return vf_domain_xml_activate_profile(xml, gpu, devices, n_devices, NULL, error);
}

gboolean
vf_domain_xml_get_profile(const char *xml, VfProfile **out_profile, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *name = NULL;

    g_return_val_if_fail(xml != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    doc = vf_domain_xml_parse(xml, &name, error);
    return doc != NULL && vf_domain_doc_get_passthrough(doc, name, NULL, NULL, out_profile, error);
}

char *
vf_domain_xml_deactivate(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfDomainRecord) record = NULL;
    g_autofree char *name = NULL;

    g_return_val_if_fail(xml != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!vf_domain_xml_read(xml, &doc, &name, &record, error))
        return NULL;
    if (record == NULL)
        return g_strdup(xml);
    if (!vf_domain_deactivate_doc(doc, name, record, error))
        return NULL;
    return vf_domain_xml_format(doc, error);
}

gboolean
vf_domain_doc_get_passthrough(xmlDoc *doc, const char *name, char **out_gpu,
                              GPtrArray **out_devices, VfProfile **out_profile, GError **error)
{
    g_autoptr(VfDomainRecord) record = NULL;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(name != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    /* the record points into @doc, which the caller keeps: it is freed here, first */
    if (!vf_domain_xml_load_record(doc, name, &record, error) || record == NULL)
        return FALSE;
    if (out_gpu != NULL)
        *out_gpu = g_steal_pointer(&record->gpu);
    if (out_devices != NULL)
        *out_devices = g_ptr_array_ref(record->devices);
    if (out_profile != NULL)
        *out_profile = g_steal_pointer(&record->profile);
    return TRUE;
}

gboolean
vf_domain_xml_get_passthrough(const char *xml, char **out_gpu, GPtrArray **out_devices,
                              GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *name = NULL;

    g_return_val_if_fail(xml != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    doc = vf_domain_xml_parse(xml, &name, error);
    return doc != NULL &&
           vf_domain_doc_get_passthrough(doc, name, out_gpu, out_devices, NULL, error);
}

/* ---- inspection (doctor) ----------------------------------------------------------- */

void
vf_domain_xml_summary_free(VfDomainXmlSummary *summary)
{
    if (summary == NULL)
        return;
    g_free(summary->name);
    g_free(summary->gpu);
    g_clear_pointer(&summary->devices, g_ptr_array_unref);
    g_clear_pointer(&summary->hostdevs, g_ptr_array_unref);
    g_clear_pointer(&summary->display, g_ptr_array_unref);
    vf_profile_free(summary->profile);
    g_free(summary->record_error);
    g_free(summary);
}

/* "graphics type='spice'", "video model 'qxl'": the element as a user would look for it */
static char *
vf_describe_display_device(const xmlNode *node)
{
    g_autofree char *type = vf_xml_dup_prop(node, "type");
    g_autofree char *model = NULL;

    if (vf_xml_is_element(node, "video")) {
        xmlNode *m = vf_xml_find_child(node, "model");

        model = m ? vf_xml_dup_prop(m, "type") : NULL;
    } else if (vf_xml_is_element(node, "sound")) {
        model = vf_xml_dup_prop(node, "model");
    }
    if (model)
        return g_strdup_printf("%s model '%s'", (const char *)node->name, model);
    if (type)
        return g_strdup_printf("%s type='%s'", (const char *)node->name, type);
    return g_strdup((const char *)node->name);
}

VfDomainXmlSummary *
vf_domain_xml_inspect(const char *xml, GError **error)
{
    g_autoptr(VfDomainXmlSummary) summary = g_new0(VfDomainXmlSummary, 1);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfDomainRecord) record = NULL;
    g_autoptr(GError) local = NULL;
    xmlNode *devices;
    xmlNode *node;

    g_return_val_if_fail(xml != NULL, NULL);

    doc = vf_domain_xml_parse(xml, &summary->name, error);
    if (doc == NULL)
        return NULL;
    devices = vf_xml_find_child(xmlDocGetRootElement(doc), "devices");
    /* A damaged record is a finding, not a reason to stop reading the domain. */
    if (!vf_domain_xml_load_record(doc, summary->name, &record, &local)) {
        summary->record_error = g_strdup(local->message);
        g_clear_pointer(&record, vf_domain_record_free);
    }
    summary->hostdevs = g_ptr_array_new_with_free_func(g_free);
    summary->display = g_ptr_array_new_with_free_func(g_free);
    if (record) {
        summary->gpu = g_steal_pointer(&record->gpu);
        summary->devices = g_ptr_array_ref(record->devices);
        summary->profile = g_steal_pointer(&record->profile);
    } else {
        summary->devices =
            g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    }

    for (node = devices ? vf_xml_first_element(devices) : NULL; node != NULL;
         node = vf_xml_next_element(node)) {
        VfDomainPciAddress address;

        if (vf_hostdev_source(node, &address)) {
            g_ptr_array_add(summary->hostdevs, vf_domain_pci_address_to_string(&address));
        } else if (vf_is_display_device(node) ||
                   ((vf_xml_is_element(node, "video") || vf_xml_is_element(node, "audio")) &&
                    !vf_is_none(node))) {
            g_ptr_array_add(summary->display, vf_describe_display_device(node));
        } else if (vf_xml_is_element(node, "channel")) {
            xmlNode *target = vf_xml_find_child(node, "target");

            if (target && vf_xml_prop_equals(target, "name", VF_GUEST_AGENT_CHANNEL))
                summary->agent_channel = TRUE;
        }
    }
    return g_steal_pointer(&summary);
}
