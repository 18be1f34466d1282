/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-tune-xml.c: the tune rewrite of a domain XML and its undo (see vf-tune-xml.h) */
#include "tune/vf-tune-xml.h"

#include "core/vf-error.h"
#include "domain/vf-domain-record.h"
#include "domain/vf-xml-layout.h"
#include "tune/vf-tune-runtime.h"

#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>

/* The top-level elements tune replaces, in the order libvirt prints a domain's children
 * (checked against libvirt 9.0's virDomainDefFormatInternal). */
static const char *const vf_tune_kinds[] = {"memoryBacking", "vcpu",     "iothreads", "iothreadids",
                                            "cputune",       "numatune", "cpu"};
static const char *const vf_domain_order[] = {
    "name",
    "uuid",
    "genid",
    "title",
    "description",
    "metadata",
    "maxMemory",
    "memory",
    "currentMemory",
    "blkiotune",
    "memtune",
    "memoryBacking",
    "vcpu",
    "vcpus",
    "iothreads",
    "iothreadids",
    "defaultiothread",
    "cputune",
    "numatune",
    "resource",
    "sysinfo",
    "bootloader",
    "bootloader_args",
    "os",
    "idmap",
    "features",
    "cpu",
    "clock",
    "on_poweroff",
    "on_reboot",
    "on_crash",
    "on_lockfailure",
    "pm",
    "perf",
    "devices",
    "seclabel",
};

#define VF_TUNE_RECORD_MAX_CHILDREN 1024

void
vf_tune_domain_free(VfTuneDomain *dom)
{
    if (dom == NULL)
        return;
    g_free(dom->name);
    g_free(dom->gpu);
    g_free(dom);
}

void
vf_tune_record_free(VfTuneRecord *record)
{
    if (record == NULL)
        return;
    if (record->host_cpus)
        g_array_unref(record->host_cpus);
    if (record->vm_cpus)
        g_array_unref(record->vm_cpus);
    if (record->vcpupin)
        g_array_unref(record->vcpupin);
    g_free(record->host_cpus_text);
    g_free(record->vm_cpus_text);
    g_free(record);
}

static gboolean
vf_is_tune(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns != NULL &&
           node->ns->href != NULL &&
           g_str_equal((const char *)node->ns->href, VF_TUNE_XML_NAMESPACE) &&
           g_str_equal((const char *)node->name, name);
}

static int
vf_order_of(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(vf_domain_order); i++)
        if (g_str_equal(name, vf_domain_order[i]))
            return (int)i;
    return -1;
}

static void
vf_remove_node(xmlNode *node)
{
    vf_xml_unlink(node);
    xmlFreeNode(node);
}

/* Put @node among the children of @root where libvirt prints an element of its name. */
static void
vf_insert_in_order(xmlNode *root, xmlNode *node)
{
    int rank = vf_order_of((const char *)node->name);
    xmlNode *after = NULL;

    for (xmlNode *c = vf_xml_first_element(root); c != NULL; c = vf_xml_next_element(c)) {
        int r = c->ns == NULL ? vf_order_of((const char *)c->name) : -1;

        if (r >= 0 && r <= rank)
            after = c;
    }
    if (after != NULL)
        vf_xml_insert_after(after, node);
    else if (vf_xml_first_element(root) != NULL)
        vf_xml_insert_before(vf_xml_first_element(root), node);
    else
        vf_xml_append(root, node);
}

static xmlNode *
vf_new(xmlDoc *doc, xmlNode *parent, const char *name)
{
    xmlNode *node = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);

    if (parent != NULL)
        xmlAddChild(parent, node);
    return node;
}

static void
vf_set(xmlNode *node, const char *name, const char *value)
{
    xmlSetProp(node, (const xmlChar *)name, (const xmlChar *)value);
}

static void
vf_set_uint(xmlNode *node, const char *name, guint64 value)
{
    char buf[32];

    g_snprintf(buf, sizeof(buf), "%" G_GUINT64_FORMAT, value);
    vf_set(node, name, buf);
}

/* ---- the record ------------------------------------------------------------------ */

typedef struct {
    xmlNode *node;                                   /* <vftune:tune> */
    xmlNode *originals[G_N_ELEMENTS(vf_tune_kinds)]; /* the <vftune:original> wrappers */
    GPtrArray *disks;                                /* xmlNode *: <vftune:disk> */
    gboolean added_metadata;
    VfTuneRecord *info;
} VfLoaded;

static void
vf_loaded_free(VfLoaded *loaded)
{
    if (loaded == NULL)
        return;
    g_ptr_array_unref(loaded->disks);
    vf_tune_record_free(loaded->info);
    g_free(loaded);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfLoaded, vf_loaded_free)

static gboolean vf_damaged(GError **error, const char *name, const char *format, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean
vf_damaged(GError **error, const char *name, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, format);
    what = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, VF_ERROR, VF_ERROR_XML,
                "Domain '%s' has a damaged tune record: %s; remove <vftune:tune> from its "
                "<metadata> ('virsh edit %s') and tune it again",
                name, what, name);
    return FALSE;
}

static gboolean
vf_parse_u64(const char *text, guint64 max, guint64 *out)
{
    guint64 value = 0;

    if (text == NULL || *text == '\0' || strlen(text) > 20)
        return FALSE;
    for (const char *p = text; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        value = value * 10 + (guint64)(*p - '0');
        if (value > max)
            return FALSE;
    }
    *out = value;
    return TRUE;
}

static gboolean
vf_is_valid_target(const char *dev)
{
    size_t len = dev ? strlen(dev) : 0;

    if (len == 0 || len > 32)
        return FALSE;
    for (const char *p = dev; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
            return FALSE;
    return TRUE;
}

static GArray *
vf_record_cpus(xmlNode *node, const char *attr, const char *name, char **out_text, GError **error)
{
    g_autofree char *text = vf_xml_dup_prop(node, attr);
    g_autoptr(GError) local = NULL;
    GArray *cpus;

    if (text == NULL) {
        vf_damaged(error, name, "it has no %s", attr);
        return NULL;
    }
    cpus = vf_cpu_list_parse(text, &local);
    if (cpus == NULL) {
        vf_damaged(error, name, "%s: %s", attr, local->message);
        return NULL;
    }
    *out_text = g_steal_pointer(&text);
    return cpus;
}

/* Find and check the tune record of the domain @root. */
static gboolean
vf_record_load(xmlNode *root, const char *name, VfLoaded **out_loaded, GError **error)
{
    xmlNode *metadata = vf_xml_find_child(root, "metadata");
    g_autoptr(VfLoaded) loaded = NULL;
    xmlNode *found = NULL;
    g_autofree char *isolate = NULL;
    guint n_children = 0;
    VfTuneRecord *info;

    *out_loaded = NULL;
    for (xmlNode *c = metadata ? vf_xml_first_element(metadata) : NULL; c != NULL;
         c = vf_xml_next_element(c)) {
        if (!vf_is_tune(c, "tune"))
            continue;
        if (found != NULL)
            return vf_damaged(error, name, "<metadata> holds two of them");
        found = c;
    }
    if (found == NULL)
        return TRUE;

    loaded = g_new0(VfLoaded, 1);
    loaded->node = found;
    loaded->disks = g_ptr_array_new();
    loaded->info = info = g_new0(VfTuneRecord, 1);
    info->vcpupin = g_array_new(FALSE, FALSE, sizeof(guint));
    if ((info->host_cpus =
             vf_record_cpus(found, "host-cpus", name, &info->host_cpus_text, error)) == NULL ||
        (info->vm_cpus = vf_record_cpus(found, "vm-cpus", name, &info->vm_cpus_text, error)) ==
            NULL)
        return FALSE;
    isolate = vf_xml_dup_prop(found, "isolate");
    if (isolate != NULL && !g_str_equal(isolate, "yes") && !g_str_equal(isolate, "no"))
        return vf_damaged(error, name, "isolate is '%.32s', not yes or no", isolate);
    info->isolate = g_strcmp0(isolate, "yes") == 0;
    for (guint i = 0; i < 2; i++) {
        const char *attr = i == 0 ? "cores" : "threads";
        g_autofree char *text = vf_xml_dup_prop(found, attr);
        guint64 value = 0;

        if (text != NULL && !vf_parse_u64(text, VF_CPU_MAX, &value))
            return vf_damaged(error, name, "%s is '%.32s', not a number of CPUs", attr, text);
        if (i == 0)
            info->cores = (guint)value;
        else
            info->threads = (guint)value;
    }

    for (xmlNode *c = found->children; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (++n_children > VF_TUNE_RECORD_MAX_CHILDREN)
            return vf_damaged(error, name, "it has more than %d entries",
                              VF_TUNE_RECORD_MAX_CHILDREN);
        if (vf_is_tune(c, "hugepages")) {
            g_autofree char *size = vf_xml_dup_prop(c, "size-kib");
            g_autofree char *count = vf_xml_dup_prop(c, "count");

            if (info->hugepage_size_kib != 0)
                return vf_damaged(error, name, "it has two <vftune:hugepages>");
            if (!vf_parse_u64(size, G_GUINT64_CONSTANT(1) << 30, &info->hugepage_size_kib) ||
                info->hugepage_size_kib < 4 ||
                (info->hugepage_size_kib & (info->hugepage_size_kib - 1)) != 0)
                return vf_damaged(error, name,
                                  "huge page size-kib '%.32s' is not a power of two of KiB",
                                  size ? size : "");
            if (!vf_parse_u64(count, G_GUINT64_CONSTANT(1) << 40, &info->hugepage_count) ||
                info->hugepage_count == 0)
                return vf_damaged(error, name, "huge page count '%.32s' is not a number",
                                  count ? count : "");
        } else if (vf_is_tune(c, "original")) {
            g_autofree char *element = vf_xml_dup_prop(c, "element");
            xmlNode *inner = vf_xml_first_element(c);
            guint k;

            for (k = 0; k < G_N_ELEMENTS(vf_tune_kinds); k++)
                if (g_strcmp0(element, vf_tune_kinds[k]) == 0)
                    break;
            if (k == G_N_ELEMENTS(vf_tune_kinds))
                return vf_damaged(error, name,
                                  "it would put back <%.32s>, which tune never "
                                  "changes",
                                  element ? element : "");
            if (loaded->originals[k] != NULL)
                return vf_damaged(error, name, "it has two originals of <%s>", element);
            if (inner != NULL &&
                (!vf_xml_is_element(inner, element) || vf_xml_next_element(inner) != NULL))
                return vf_damaged(error, name, "the original <%s> holds <%.32s>", element,
                                  (const char *)inner->name);
            loaded->originals[k] = c;
        } else if (vf_is_tune(c, "disk")) {
            g_autofree char *target = vf_xml_dup_prop(c, "target");
            g_autofree char *iothread = vf_xml_dup_prop(c, "iothread");
            g_autofree char *driver = vf_xml_dup_prop(c, "driver");
            guint64 value;

            if (!vf_is_valid_target(target))
                return vf_damaged(error, name, "a disk target '%.32s' is not a device name",
                                  target ? target : "");
            if (iothread != NULL && !vf_parse_u64(iothread, G_MAXUINT32, &value))
                return vf_damaged(error, name, "disk '%s' had iothread '%.32s'", target, iothread);
            if (driver != NULL && !g_str_equal(driver, "added"))
                return vf_damaged(error, name, "disk '%s' driver is '%.32s'", target, driver);
            if (loaded->disks->len >= VF_TUNE_RECORD_MAX_DISKS)
                return vf_damaged(error, name, "it has more than %d disks",
                                  VF_TUNE_RECORD_MAX_DISKS);
            g_ptr_array_add(loaded->disks, c);
        } else if (vf_is_tune(c, "added")) {
            if (!vf_xml_prop_equals(c, "element", "metadata") || loaded->added_metadata)
                return vf_damaged(error, name, "it says it added something tune never adds");
            loaded->added_metadata = TRUE;
        } else {
            return vf_damaged(error, name, "it holds <%.32s>", (const char *)c->name);
        }
    }

    /* the domain's pins, for doctor */
    {
        xmlNode *cputune = vf_xml_find_child(root, "cputune");

        for (xmlNode *c = cputune ? vf_xml_first_element(cputune) : NULL; c != NULL;
             c = vf_xml_next_element(c)) {
            g_autofree char *cpuset = NULL;
            guint64 cpu;
            guint value;

            if (!vf_xml_is_element(c, "vcpupin"))
                continue;
            cpuset = vf_xml_dup_prop(c, "cpuset");
            value = vf_parse_u64(cpuset, VF_CPU_MAX - 1, &cpu) ? (guint)cpu : G_MAXUINT;
            g_array_append_val(info->vcpupin, value);
        }
    }
    *out_loaded = g_steal_pointer(&loaded);
    return TRUE;
}

/* ---- undo ------------------------------------------------------------------------ */

static xmlNode *
vf_find_disk(xmlNode *devices, const char *target)
{
    for (xmlNode *c = devices ? vf_xml_first_element(devices) : NULL; c != NULL;
         c = vf_xml_next_element(c)) {
        xmlNode *t;

        if (!vf_xml_is_element(c, "disk"))
            continue;
        t = vf_xml_find_child(c, "target");
        if (t != NULL && vf_xml_prop_equals(t, "dev", target))
            return c;
    }
    return NULL;
}

/* Hands "added metadata" to the other VirtFlow record in @metadata (Activate's). */
static void
vf_hand_over_metadata(xmlNode *metadata)
{
    for (xmlNode *c = vf_xml_first_element(metadata); c != NULL; c = vf_xml_next_element(c)) {
        if (c->ns != NULL && c->ns->href != NULL &&
            g_str_equal((const char *)c->ns->href, VF_DOMAIN_RECORD_NAMESPACE) &&
            g_str_equal((const char *)c->name, "passthrough")) {
            xmlNode *added = xmlNewDocNode(c->doc, c->ns, (const xmlChar *)"added", NULL);

            vf_set(added, "element", "metadata");
            vf_xml_append(c, added);
            return;
        }
    }
}

static void
vf_undo_doc(xmlNode *root, VfLoaded *loaded)
{
    xmlNode *devices = vf_xml_find_child(root, "devices");
    xmlNode *metadata = loaded->node->parent;

    for (guint i = 0; i < loaded->disks->len; i++) {
        xmlNode *entry = g_ptr_array_index(loaded->disks, i);
        g_autofree char *target = vf_xml_dup_prop(entry, "target");
        g_autofree char *iothread = vf_xml_dup_prop(entry, "iothread");
        xmlNode *disk = vf_find_disk(devices, target);
        xmlNode *driver = disk ? vf_xml_find_child(disk, "driver") : NULL;

        if (driver == NULL)
            continue;
        if (vf_xml_prop_equals(entry, "driver", "added"))
            vf_remove_node(driver);
        else if (iothread != NULL)
            vf_set(driver, "iothread", iothread);
        else
            xmlUnsetProp(driver, (const xmlChar *)"iothread");
    }

    for (guint k = 0; k < G_N_ELEMENTS(vf_tune_kinds); k++) {
        xmlNode *wrapper = loaded->originals[k];
        xmlNode *current = vf_xml_find_child(root, vf_tune_kinds[k]);
        xmlNode *original;

        if (wrapper == NULL)
            continue;
        original = vf_xml_first_element(wrapper);
        if (original != NULL) {
            guint from = vf_xml_get_indent(original);
            guint to;

            xmlUnlinkNode(original);
            if (current != NULL)
                vf_xml_insert_before(current, original);
            else
                vf_insert_in_order(root, original);
            xmlDOMWrapReconcileNamespaces(NULL, original, 0);
            to = vf_xml_get_indent(original);
            vf_xml_shift(original, (int)to - (int)from);
        }
        if (current != NULL)
            vf_remove_node(current);
    }

    vf_remove_node(loaded->node);
    loaded->node = NULL;
    if (loaded->added_metadata) {
        if (vf_xml_first_element(metadata) == NULL)
            vf_remove_node(metadata);
        else
            vf_hand_over_metadata(metadata);
    }
}

/* ---- apply ----------------------------------------------------------------------- */

static xmlNode *
vf_record_child(xmlNode *record, const char *name)
{
    xmlNode *child = xmlNewDocNode(record->doc, record->ns, (const xmlChar *)name, NULL);

    vf_xml_append(record, child);
    return child;
}

/* A virtio disk tune can find again at undo: by its target dev. */
static gboolean
vf_is_virtio_disk(const xmlNode *node)
{
    xmlNode *target;
    g_autofree char *dev = NULL;

    if (!vf_xml_is_element(node, "disk"))
        return FALSE;
    target = vf_xml_find_child(node, "target");
    if (target == NULL || !vf_xml_prop_equals(target, "bus", "virtio"))
        return FALSE;
    dev = vf_xml_dup_prop(target, "dev");
    return vf_is_valid_target(dev);
}

/* What the domain has of its own that tune would replace: NULL when nothing. */
static const char *
vf_foreign(xmlNode *root, const VfTunePlan *plan)
{
    xmlNode *node;

    if ((node = vf_xml_find_child(root, "cputune")) != NULL && vf_xml_first_element(node))
        return "a <cputune> of its own (CPU pins or scheduler settings)";
    if (plan->n_nodes > 1 && vf_xml_find_child(root, "numatune") != NULL)
        return "a NUMA memory policy of its own (<numatune>)";
    if (vf_xml_find_child(root, "iothreads") != NULL ||
        vf_xml_find_child(root, "iothreadids") != NULL)
        return "I/O threads of its own (<iothreads>)";
    if (plan->hugepage_size_kib != 0 && (node = vf_xml_find_child(root, "memoryBacking")) &&
        vf_xml_find_child(node, "hugepages") != NULL)
        return "huge pages of its own (<memoryBacking><hugepages>)";
    if ((node = vf_xml_find_child(root, "cpu")) != NULL) {
        xmlNode *topology = vf_xml_find_child(node, "topology");

        if (vf_xml_find_child(node, "numa") != NULL)
            return "a guest NUMA layout of its own (<cpu><numa>)";
        /* one socket (or one per vCPU) of single-thread cores is what virt-manager
         * writes; anything else someone chose */
        if (topology != NULL) {
            g_autofree char *threads = vf_xml_dup_prop(topology, "threads");
            g_autofree char *dies = vf_xml_dup_prop(topology, "dies");

            if ((threads != NULL && !g_str_equal(threads, "1")) ||
                (dies != NULL && !g_str_equal(dies, "1")) ||
                xmlHasProp(topology, (const xmlChar *)"clusters") != NULL)
                return "a CPU topology of its own (<cpu><topology>)";
        }
    }
    return NULL;
}

static xmlNode *
vf_build_cputune(xmlDoc *doc, const VfTunePlan *plan, guint n_iothreads)
{
    xmlNode *cputune = vf_new(doc, NULL, "cputune");

    for (guint i = 0; i < plan->vcpu_cpus->len; i++) {
        xmlNode *pin = vf_new(doc, cputune, "vcpupin");

        vf_set_uint(pin, "vcpu", i);
        vf_set_uint(pin, "cpuset", g_array_index(plan->vcpu_cpus, guint, i));
    }
    vf_set(vf_new(doc, cputune, "emulatorpin"), "cpuset", plan->host_cpus);
    for (guint i = 1; i <= n_iothreads; i++) {
        xmlNode *pin = vf_new(doc, cputune, "iothreadpin");

        vf_set_uint(pin, "iothread", i);
        vf_set(pin, "cpuset", plan->host_cpus);
    }
    return cputune;
}

static xmlNode *
vf_build_cpu(xmlDoc *doc, const VfTunePlan *plan, xmlNode *current)
{
    xmlNode *cpu = vf_new(doc, NULL, "cpu");
    xmlNode *node;

    vf_set(cpu, "mode", "host-passthrough");
    vf_set(cpu, "check", "none");
    vf_set(cpu, "migratable", "off");
    node = vf_new(doc, cpu, "topology");
    vf_set(node, "sockets", "1");
    vf_set(node, "dies", "1");
    vf_set_uint(node, "cores", plan->cores);
    vf_set_uint(node, "threads", plan->threads);
    vf_set(vf_new(doc, cpu, "cache"), "mode", "passthrough");
    /* the VM's own feature choices stay (hiding the hypervisor from a driver, say) */
    for (xmlNode *c = current ? vf_xml_first_element(current) : NULL; c != NULL;
         c = vf_xml_next_element(c)) {
        if ((vf_xml_is_element(c, "feature") && !vf_xml_prop_equals(c, "name", "topoext")) ||
            vf_xml_is_element(c, "maxphysaddr")) {
            xmlNode *copy = xmlDocCopyNode(c, doc, 2); /* attributes, no layout text */

            for (xmlNode *k = c->children; k != NULL; k = k->next)
                if (k->type == XML_ELEMENT_NODE)
                    xmlAddChild(copy, xmlDocCopyNode(k, doc, 1));
            xmlAddChild(cpu, copy);
        }
    }
    if (plan->amd) {
        node = vf_new(doc, cpu, "feature");
        vf_set(node, "policy", "require");
        vf_set(node, "name", "topoext");
    }
    return cpu;
}

static xmlNode *
vf_build_hugepages(xmlDoc *doc, const VfTunePlan *plan)
{
    xmlNode *hugepages = vf_new(doc, NULL, "hugepages");
    xmlNode *page = vf_new(doc, hugepages, "page");

    vf_set_uint(page, "size", plan->hugepage_size_kib);
    vf_set(page, "unit", "KiB");
    return hugepages;
}

/* Records @current (NULL: there was none) for undo. */
static void
vf_record_original(xmlNode *record, const char *kind, xmlNode *current)
{
    xmlNode *wrapper = vf_record_child(record, "original");

    vf_set(wrapper, "element", kind);
    if (current != NULL) {
        guint indent = vf_xml_get_indent(current);
        xmlNode *copy = xmlDocCopyNode(current, current->doc, 1);

        vf_xml_append(wrapper, copy);
        xmlDOMWrapReconcileNamespaces(NULL, copy, 0);
        vf_xml_shift(copy, (int)vf_xml_get_indent(copy) - (int)indent);
    }
}

/* Puts @fresh where @current is (or where libvirt prints it), laid out like its
 * neighbours; @current goes. */
static void
vf_put(xmlNode *root, xmlNode *current, xmlNode *fresh)
{
    guint step = vf_xml_get_step(vf_xml_first_element(root) ? vf_xml_first_element(root) : root);

    if (fresh != NULL) {
        guint indent = current ? vf_xml_get_indent(current) : vf_xml_get_child_indent(root);

        vf_xml_format(fresh, indent, step ? step : VF_XML_INDENT_STEP);
        if (current != NULL)
            vf_xml_insert_before(current, fresh);
        else
            vf_insert_in_order(root, fresh);
    }
    if (current != NULL)
        vf_remove_node(current);
}

static void
vf_apply_memory_backing(xmlNode *root, xmlNode *record, const VfTunePlan *plan)
{
    xmlNode *current = vf_xml_find_child(root, "memoryBacking");
    xmlNode *hugepages = vf_build_hugepages(root->doc, plan);
    xmlNode *old;
    xmlNode *first;
    guint step;

    vf_record_original(record, "memoryBacking", current);
    if (current == NULL) {
        xmlNode *fresh = vf_new(root->doc, NULL, "memoryBacking");

        xmlAddChild(fresh, hugepages);
        vf_put(root, NULL, fresh);
        return;
    }
    /* what else it holds (a memfd source for virtiofs, say) stays */
    if ((old = vf_xml_find_child(current, "hugepages")) != NULL)
        vf_remove_node(old);
    step = vf_xml_get_step(current);
    first = vf_xml_first_element(current);
    vf_xml_format(hugepages, vf_xml_get_child_indent(current), step ? step : VF_XML_INDENT_STEP);
    if (first != NULL)
        vf_xml_insert_before(first, hugepages);
    else
        vf_xml_append(current, hugepages);
}

static gboolean
vf_apply_doc(xmlDoc *doc, const char *name, const VfTunePlan *plan, gboolean replace,
             GError **error)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlNode *devices = vf_xml_find_child(root, "devices");
    g_autoptr(VfLoaded) loaded = NULL;
    xmlNode *metadata;
    xmlNode *record;
    xmlNode *fresh;
    xmlNode *current;
    gboolean created = FALSE;
    guint n_io = 0;
    const char *why;

    if (plan->vcpu_cpus == NULL || plan->vcpu_cpus->len == 0 || plan->host_cpus == NULL ||
        plan->vm_cpus == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "An empty tune plan");
        return FALSE;
    }
    if (!vf_record_load(root, name, &loaded, error))
        return FALSE;
    if (loaded != NULL)
        vf_undo_doc(root, loaded);
    if (!replace && (why = vf_foreign(root, plan)) != NULL) {
        g_autofree char *quoted = g_shell_quote(name);

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VM '%s' has %s that tune did not write; nothing was changed. To replace "
                    "it: virtflow tune %s --replace (the original is recorded, and "
                    "virtflow tune %s --undo puts it back)",
                    name, why, quoted, quoted);
        return FALSE;
    }

    metadata = vf_xml_find_child(root, "metadata");
    if (metadata == NULL) {
        metadata = vf_new(doc, NULL, "metadata");
        vf_insert_in_order(root, metadata);
        created = TRUE;
    }
    record = xmlNewDocNode(doc, NULL, (const xmlChar *)"tune", NULL);
    xmlSetNs(record, xmlNewNs(record, (const xmlChar *)VF_TUNE_XML_NAMESPACE,
                              (const xmlChar *)VF_TUNE_XML_PREFIX));
    vf_set(record, "host-cpus", plan->host_cpus);
    vf_set(record, "vm-cpus", plan->vm_cpus);
    vf_set(record, "isolate", plan->isolate ? "yes" : "no");
    vf_set_uint(record, "cores", plan->cores);
    vf_set_uint(record, "threads", plan->threads);
    vf_xml_append(metadata, record);
    if (plan->hugepage_size_kib != 0) {
        xmlNode *hp = vf_record_child(record, "hugepages");

        vf_set_uint(hp, "size-kib", plan->hugepage_size_kib);
        vf_set_uint(hp, "count", plan->hugepage_count);
    }

    /* each virtio disk on an I/O thread of its own */
    for (xmlNode *disk = devices ? vf_xml_first_element(devices) : NULL; disk != NULL;
         disk = vf_xml_next_element(disk)) {
        g_autofree char *dev = NULL;
        xmlNode *entry;
        xmlNode *driver;

        if (!vf_is_virtio_disk(disk) || n_io >= VF_TUNE_RECORD_MAX_DISKS)
            continue;
        n_io++;
        dev = vf_xml_dup_prop(vf_xml_find_child(disk, "target"), "dev");
        entry = vf_record_child(record, "disk");
        vf_set(entry, "target", dev);
        driver = vf_xml_find_child(disk, "driver");
        if (driver == NULL) {
            xmlNode *first = vf_xml_first_element(disk);

            driver = vf_new(doc, NULL, "driver");
            if (first != NULL)
                vf_xml_insert_before(first, driver);
            else
                vf_xml_append(disk, driver);
            vf_set(entry, "driver", "added");
        } else {
            g_autofree char *old = vf_xml_dup_prop(driver, "iothread");

            if (old != NULL)
                vf_set(entry, "iothread", old);
        }
        vf_set_uint(driver, "iothread", n_io);
    }

    if (plan->hugepage_size_kib != 0)
        vf_apply_memory_backing(root, record, plan);

    current = vf_xml_find_child(root, "vcpu");
    vf_record_original(record, "vcpu", current);
    fresh = vf_new(doc, NULL, "vcpu");
    vf_set(fresh, "placement", "static");
    {
        char buf[16];

        g_snprintf(buf, sizeof(buf), "%u", plan->vcpu_cpus->len);
        xmlNodeSetContent(fresh, (const xmlChar *)buf);
    }
    vf_put(root, current, fresh);

    if (n_io > 0) {
        char buf[16];

        current = vf_xml_find_child(root, "iothreads");
        vf_record_original(record, "iothreads", current);
        fresh = vf_new(doc, NULL, "iothreads");
        g_snprintf(buf, sizeof(buf), "%u", n_io);
        xmlNodeSetContent(fresh, (const xmlChar *)buf);
        vf_put(root, current, fresh);
        if ((current = vf_xml_find_child(root, "iothreadids")) != NULL) {
            vf_record_original(record, "iothreadids", current);
            vf_put(root, current, NULL);
        }
    }

    current = vf_xml_find_child(root, "cputune");
    vf_record_original(record, "cputune", current);
    vf_put(root, current, vf_build_cputune(doc, plan, n_io));

    /* several nodes: the memory from the GPU's and the vCPUs' node when it has room there
     * ('preferred', not 'strict': the huge pages the hook reserves may sit on any node) */
    if (plan->n_nodes > 1 && plan->node >= 0) {
        xmlNode *memory;

        current = vf_xml_find_child(root, "numatune");
        vf_record_original(record, "numatune", current);
        fresh = vf_new(doc, NULL, "numatune");
        memory = vf_new(doc, fresh, "memory");
        vf_set(memory, "mode", "preferred");
        vf_set_uint(memory, "nodeset", (guint64)plan->node);
        vf_put(root, current, fresh);
    }

    current = vf_xml_find_child(root, "cpu");
    vf_record_original(record, "cpu", current);
    vf_put(root, current, vf_build_cpu(doc, plan, current));

    if (created)
        vf_record_child(record, "added");
    if (created)
        vf_set(vf_xml_last_element(record), "element", "metadata");
    return TRUE;
}

char *
vf_tune_xml_apply(const char *xml, const VfTunePlan *plan, gboolean replace, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *name = NULL;

    doc = vf_domain_doc_parse(xml, &name, error);
    if (doc == NULL || !vf_apply_doc(doc, name, plan, replace, error))
        return NULL;
    return vf_domain_doc_format(doc, error);
}

char *
vf_tune_xml_undo(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfLoaded) loaded = NULL;
    g_autofree char *name = NULL;

    doc = vf_domain_doc_parse(xml, &name, error);
    if (doc == NULL || !vf_record_load(xmlDocGetRootElement(doc), name, &loaded, error))
        return NULL;
    if (loaded == NULL)
        return g_strdup(xml);
    vf_undo_doc(xmlDocGetRootElement(doc), loaded);
    return vf_domain_doc_format(doc, error);
}

gboolean
vf_tune_xml_read_record(const char *xml, VfTuneRecord **out_record, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfLoaded) loaded = NULL;
    g_autofree char *name = NULL;

    doc = vf_domain_doc_parse(xml, &name, error);
    if (doc == NULL || !vf_record_load(xmlDocGetRootElement(doc), name, &loaded, error))
        return FALSE;
    *out_record = loaded ? g_steal_pointer(&loaded->info) : NULL;
    return TRUE;
}

/* <memory unit=…> in KiB, as libvirt reads the unit (virScaleInteger) */
static guint64
vf_memory_kib(xmlNode *memory)
{
    static const struct {
        const char *unit;
        guint64 bytes;
    } units[] = {
        {"b", 1},
        {"bytes", 1},
        {"KB", 1000},
        {"k", 1024},
        {"KiB", 1024},
        {"MB", 1000000},
        {"M", 1048576},
        {"MiB", 1048576},
        {"GB", 1000000000},
        {"G", 1073741824},
        {"GiB", 1073741824},
        {"TB", G_GUINT64_CONSTANT(1000000000000)},
        {"T", G_GUINT64_CONSTANT(1099511627776)},
        {"TiB", G_GUINT64_CONSTANT(1099511627776)},
    };
    g_autofree char *unit = vf_xml_dup_prop(memory, "unit");
    g_autofree char *text = vf_xml_dup_content(memory);
    guint64 value = 0;
    guint64 bytes = 1024;

    if (text == NULL || !vf_parse_u64(g_strstrip(text), G_GUINT64_CONSTANT(1) << 50, &value))
        return 0;
    for (guint i = 0; unit != NULL && i < G_N_ELEMENTS(units); i++)
        if (g_str_equal(unit, units[i].unit))
            bytes = units[i].bytes;
    if (value > G_MAXUINT64 / bytes)
        return 0;
    return value * bytes / 1024;
}

VfTuneDomain *
vf_tune_xml_inspect(const char *xml, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(VfLoaded) loaded = NULL;
    g_autoptr(VfTuneDomain) dom = g_new0(VfTuneDomain, 1);
    g_autoptr(VfDomainXmlSummary) summary = NULL;
    xmlNode *root;
    xmlNode *node;
    xmlNode *devices;

    doc = vf_domain_doc_parse(xml, &dom->name, error);
    if (doc == NULL)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if (!vf_record_load(root, dom->name, &loaded, error))
        return NULL;
    dom->tuned = loaded != NULL;
    if ((node = vf_xml_find_child(root, "vcpu")) != NULL) {
        g_autofree char *current = vf_xml_dup_prop(node, "current");
        g_autofree char *text = vf_xml_dup_content(node);
        guint64 value = 0;

        if ((current && vf_parse_u64(current, VF_CPU_MAX, &value)) ||
            (text && vf_parse_u64(g_strstrip(text), VF_CPU_MAX, &value)))
            dom->vcpus = (guint)value;
    }
    if ((node = vf_xml_find_child(root, "memory")) != NULL)
        dom->memory_kib = vf_memory_kib(node);
    devices = vf_xml_find_child(root, "devices");
    for (node = devices ? vf_xml_first_element(devices) : NULL; node != NULL;
         node = vf_xml_next_element(node))
        if (vf_is_virtio_disk(node))
            dom->n_virtio_disks++;

    /* the GPU: Activate's record, else the first PCI host device */
    summary = vf_domain_xml_inspect(xml, NULL);
    if (summary != NULL) {
        if (summary->gpu != NULL)
            dom->gpu = g_strdup(summary->gpu);
        else if (summary->hostdevs->len > 0)
            dom->gpu = g_strdup(g_ptr_array_index(summary->hostdevs, 0));
    }
    return g_steal_pointer(&dom);
}

static char *
vf_canonical(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlChar *c14n = NULL;
    char *out;

    if (xml == NULL)
        return NULL;
    doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                        XML_PARSE_NOBLANKS | XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (doc == NULL || xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &c14n) < 0)
        return NULL;
    out = g_strdup((const char *)c14n);
    xmlFree(c14n);
    return out;
}

gboolean
vf_tune_xml_equal(const char *a, const char *b)
{
    g_autofree char *ca = vf_canonical(a);
    g_autofree char *cb = vf_canonical(b);

    return ca != NULL && cb != NULL && g_str_equal(ca, cb);
}
