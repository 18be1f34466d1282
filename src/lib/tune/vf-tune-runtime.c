/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune-runtime.c: the run-time part of a tune record (see vf-tune-runtime.h)
 *
 * The record is untrusted input (anyone who may define domains can write it, and the hook
 * reads it as root under a deadline): the text is pre-scanned for elements with too many
 * attributes before libxml2 sees it, the record's size is bounded before it is read, and
 * every value is checked against what `virtflow tune` writes. Children of the record this
 * reader does not know (tune's undo information) are left to vf-tune.c.
 */
#include "tune/vf-tune-runtime.h"

#include "core/vf-error.h"
#include "domain/vf-domain-record.h"
#include "tune/vf-cpulist.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

/* The largest huge page any architecture has (16 GiB on POWER) and the smallest above the
 * base page (64 KiB on arm64), in KiB. */
#define VF_TUNE_HUGEPAGE_MIN_KIB 64
#define VF_TUNE_HUGEPAGE_MAX_KIB (16 * 1024 * 1024)
/* A VM's memory in huge pages: at most 64 TiB. */
#define VF_TUNE_MEMORY_MAX_KIB (G_GUINT64_CONSTANT(64) * 1024 * 1024 * 1024)
/* What `virtflow tune` writes is a few hundred bytes. */
#define VF_TUNE_RECORD_MAX_BYTES (64 * 1024)

#define VF_TUNE_DAMAGED "the domain's tune record (<vftune:tune>) is damaged: "

void
vf_tune_runtime_free(VfTuneRuntime *rt)
{
    if (rt == NULL)
        return;
    g_free(rt->host_cpus);
    g_free(rt->vm_cpus);
    g_free(rt);
}

static gboolean
vf_tune_is_ours(const xmlNode *node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL && node->ns->href != NULL &&
           g_str_equal((const char *)node->ns->href, VF_TUNE_XML_NAMESPACE) &&
           g_str_equal((const char *)node->name, name);
}

static char *
vf_tune_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *copy = value ? g_strdup((const char *)value) : NULL;

    xmlFree(value);
    return copy;
}

/* Bounds what the record costs to read, before anything is read from it (no recursion). */
static gboolean
vf_tune_check_size(xmlNode *record, GError **error)
{
    gsize bytes = 0;
    xmlNode *node = record;

    while (node != NULL) {
        if (node->type == XML_ELEMENT_NODE) {
            bytes += (gsize)xmlStrlen(node->name);
            for (xmlAttr *attr = node->properties; attr != NULL; attr = attr->next) {
                bytes += (gsize)xmlStrlen(attr->name);
                if (attr->children != NULL)
                    bytes += (gsize)xmlStrlen(attr->children->content);
            }
        } else if (node->content != NULL) {
            bytes += (gsize)xmlStrlen(node->content);
        }
        if (bytes > VF_TUNE_RECORD_MAX_BYTES) {
            g_set_error(error, VF_ERROR, VF_ERROR_XML,
                        VF_TUNE_DAMAGED "it is larger than any VirtFlow writes (more than %d "
                                        "bytes); 'virtflow tune VM --undo' or remove it with "
                                        "'virsh edit'",
                        VF_TUNE_RECORD_MAX_BYTES);
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

/* A decimal number in [@min, @max], digits only (no sign, no space, no hex). */
static gboolean
vf_tune_uint(const xmlNode *node, const char *name, guint64 min, guint64 max, guint64 *ret_value,
             GError **error)
{
    g_autofree char *text = vf_tune_prop(node, name);
    guint64 value = 0;

    if (text == NULL || *text == '\0' || strlen(text) > 20 ||
        strspn(text, "0123456789") != strlen(text) ||
        !g_ascii_string_to_unsigned(text, 10, min, max, &value, NULL)) {
        g_autofree char *shown = text ? g_strndup(text, 32) : NULL;

        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    VF_TUNE_DAMAGED
                    "<vftune:%s %s=\"%s\">: expected a number from %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT,
                    (const char *)node->name, name, shown ? shown : "(missing)", min, max);
        return FALSE;
    }
    *ret_value = value;
    return TRUE;
}

static gboolean
vf_tune_load_hugepages(xmlNode *node, VfTuneRuntime *rt, GError **error)
{
    guint64 size, count;

    if (!vf_tune_uint(node, "size-kib", VF_TUNE_HUGEPAGE_MIN_KIB, VF_TUNE_HUGEPAGE_MAX_KIB, &size,
                      error))
        return FALSE;
    if ((size & (size - 1)) != 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    VF_TUNE_DAMAGED "huge page size %" G_GUINT64_FORMAT
                                    " KiB is not a power of two (2048 and 1048576 are the x86 "
                                    "sizes)",
                    size);
        return FALSE;
    }
    if (!vf_tune_uint(node, "count", 1, VF_TUNE_MEMORY_MAX_KIB / size, &count, error))
        return FALSE;
    rt->hugepage_size_kib = size;
    rt->hugepage_count = count;
    return TRUE;
}

static gboolean
vf_tune_load(xmlNode *record, VfTuneRuntime *rt, GError **error)
{
    g_autoptr(GByteArray) host_mask = NULL;
    g_autoptr(GByteArray) vm_mask = NULL;
    g_autofree char *isolate = NULL;
    g_autoptr(GError) local = NULL;
    gboolean have_pages = FALSE;

    if (!vf_tune_check_size(record, error))
        return FALSE;
    rt->host_cpus = vf_tune_prop(record, "host-cpus");
    rt->vm_cpus = vf_tune_prop(record, "vm-cpus");
    if (!vf_cpulist_parse(rt->host_cpus, "host-cpus", &host_mask, NULL, &local) ||
        !vf_cpulist_parse(rt->vm_cpus, "vm-cpus", &vm_mask, NULL, &local)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML, VF_TUNE_DAMAGED "%s", local->message);
        return FALSE;
    }
    if (vf_cpulist_intersects(host_mask, vm_mask)) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    VF_TUNE_DAMAGED "host-cpus '%s' and vm-cpus '%s' share CPUs; run "
                                    "'virtflow tune VM' again",
                    rt->host_cpus, rt->vm_cpus);
        return FALSE;
    }
    isolate = vf_tune_prop(record, "isolate");
    if (isolate == NULL || g_str_equal(isolate, "no")) {
        rt->isolate = FALSE;
    } else if (g_str_equal(isolate, "yes")) {
        rt->isolate = TRUE;
    } else {
        g_autofree char *shown = g_strndup(isolate, 32);

        g_set_error(error, VF_ERROR, VF_ERROR_XML,
                    VF_TUNE_DAMAGED "isolate=\"%s\": expected \"yes\" or \"no\"", shown);
        return FALSE;
    }
    for (xmlNode *child = record->children; child != NULL; child = child->next) {
        if (!vf_tune_is_ours(child, "hugepages"))
            continue;
        if (have_pages) {
            g_set_error_literal(error, VF_ERROR, VF_ERROR_XML,
                                VF_TUNE_DAMAGED "it has two <vftune:hugepages>");
            return FALSE;
        }
        if (!vf_tune_load_hugepages(child, rt, error))
            return FALSE;
        have_pages = TRUE;
    }
    return TRUE;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

gboolean
vf_tune_runtime_from_domain_doc(xmlDoc *doc, VfTuneRuntime **out_runtime, GError **error)
{
    g_autoptr(VfTuneRuntime) rt = NULL;
    xmlNode *root;
    xmlNode *found = NULL;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    root = xmlDocGetRootElement(doc);
    for (xmlNode *child = root ? root->children : NULL; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE || child->ns != NULL ||
            !g_str_equal((const char *)child->name, "metadata"))
            continue;
        for (xmlNode *rec = child->children; rec != NULL; rec = rec->next) {
            if (!vf_tune_is_ours(rec, "tune"))
                continue;
            /* libvirt keeps one element per namespace: two is not a record it stored */
            if (found != NULL) {
                g_set_error_literal(error, VF_ERROR, VF_ERROR_XML,
                                    VF_TUNE_DAMAGED "<metadata> holds two of them");
                return FALSE;
            }
            found = rec;
        }
        break;
    }
    if (found == NULL) {
        *out_runtime = NULL;
        return TRUE;
    }
    rt = g_new0(VfTuneRuntime, 1);
    if (!vf_tune_load(found, rt, error))
        return FALSE;
    *out_runtime = g_steal_pointer(&rt);
    return TRUE;
}

gboolean
vf_tune_runtime_from_domain_xml(const char *xml, VfTuneRuntime **out_runtime, GError **error)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autofree char *name = NULL;

    /* the common case, without a parse: a domain that was never tuned */
    if (strstr(xml, VF_TUNE_XML_NAMESPACE) == NULL) {
        *out_runtime = NULL;
        return TRUE;
    }
    /* the domain rewrite's parser: its size and attribute limits, no DTD, no entities */
    doc = vf_domain_doc_parse(xml, &name, error);
    if (doc == NULL)
        return FALSE;
    return vf_tune_runtime_from_domain_doc(doc, out_runtime, error);
}
