/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-xml-layout.h"

#include <string.h>

/* A text node made of blanks only: the indentation libxml2 keeps between elements. */
static gboolean
vf_xml_is_blank(const xmlNode *node)
{
    const xmlChar *p;

    if (node == NULL || node->type != XML_TEXT_NODE || node->content == NULL)
        return FALSE;
    for (p = node->content; *p; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return FALSE;
    }
    return TRUE;
}

static xmlNode *
vf_xml_new_blank(xmlDoc *doc, guint indent)
{
    char buf[1 + 256];
    guint n = MIN(indent, sizeof(buf) - 2);

    buf[0] = '\n';
    memset(buf + 1, ' ', n);
    buf[1 + n] = '\0';
    return xmlNewDocText(doc, (const xmlChar *)buf);
}

gboolean
vf_xml_is_element(const xmlNode *node, const char *name)
{
    return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, (const xmlChar *)name);
}

xmlNode *
vf_xml_first_element(const xmlNode *parent)
{
    xmlNode *child;

    for (child = parent->children; child != NULL; child = child->next) {
        if (child->type == XML_ELEMENT_NODE)
            return child;
    }
    return NULL;
}

xmlNode *
vf_xml_next_element(const xmlNode *node)
{
    xmlNode *next;

    for (next = node->next; next != NULL; next = next->next) {
        if (next->type == XML_ELEMENT_NODE)
            return next;
    }
    return NULL;
}

xmlNode *
vf_xml_last_element(const xmlNode *parent)
{
    xmlNode *child;

    for (child = parent->last; child != NULL; child = child->prev) {
        if (child->type == XML_ELEMENT_NODE)
            return child;
    }
    return NULL;
}

xmlNode *
vf_xml_find_child(const xmlNode *parent, const char *name)
{
    xmlNode *child;

    for (child = vf_xml_first_element(parent); child != NULL; child = vf_xml_next_element(child)) {
        if (vf_xml_is_element(child, name))
            return child;
    }
    return NULL;
}

char *
vf_xml_dup_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *ret;

    if (value == NULL)
        return NULL;
    ret = g_strdup((const char *)value);
    xmlFree(value);
    return ret;
}

gboolean
vf_xml_prop_equals(const xmlNode *node, const char *name, const char *value)
{
    xmlChar *actual = xmlGetNoNsProp(node, (const xmlChar *)name);
    gboolean ret = actual != NULL && xmlStrEqual(actual, (const xmlChar *)value);

    xmlFree(actual);
    return ret;
}

char *
vf_xml_dup_content(const xmlNode *node)
{
    xmlChar *content;
    char *ret;

    if (node == NULL)
        return NULL;
    content = xmlNodeGetContent(node);
    ret = g_strdup((const char *)content);
    xmlFree(content);
    return ret;
}

guint
vf_xml_get_indent(const xmlNode *node)
{
    if (vf_xml_is_blank(node->prev)) {
        const char *newline = strrchr((const char *)node->prev->content, '\n');

        if (newline != NULL)
            return strlen(newline + 1);
    }
    if (node->parent != NULL && node->parent->type == XML_ELEMENT_NODE)
        return vf_xml_get_indent(node->parent) + VF_XML_INDENT_STEP;
    return 0;
}

guint
vf_xml_get_step(const xmlNode *node)
{
    guint indent = vf_xml_get_indent(node);
    guint parent_indent;

    if (node->parent == NULL || node->parent->type != XML_ELEMENT_NODE)
        return VF_XML_INDENT_STEP;
    parent_indent = vf_xml_get_indent(node->parent);
    return indent > parent_indent ? indent - parent_indent : VF_XML_INDENT_STEP;
}

guint
vf_xml_get_child_indent(const xmlNode *parent)
{
    xmlNode *first = vf_xml_first_element(parent);

    if (first != NULL)
        return vf_xml_get_indent(first);
    return vf_xml_get_indent(parent) + vf_xml_get_step(parent);
}

void
vf_xml_unlink(xmlNode *node)
{
    xmlNode *prev = node->prev;

    /* The blank before an element is its indentation; the one after it belongs to the
     * next sibling (or to the parent's closing tag), so that one stays. */
    if (vf_xml_is_blank(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
}

/* Adding a text node next to another one makes libxml2 merge (and free) it, so blank
 * nodes are only ever added between two elements. */
void
vf_xml_insert_before(xmlNode *ref, xmlNode *node)
{
    xmlNode *prev = ref->prev;

    xmlAddPrevSibling(ref, node);
    if (vf_xml_is_blank(prev))
        xmlAddPrevSibling(ref, xmlNewDocText(ref->doc, prev->content));
}

void
vf_xml_insert_after(xmlNode *ref, xmlNode *node)
{
    xmlNode *prev = ref->prev;

    xmlAddNextSibling(ref, node);
    if (vf_xml_is_blank(prev))
        xmlAddNextSibling(ref, xmlNewDocText(ref->doc, prev->content));
}

void
vf_xml_append(xmlNode *parent, xmlNode *node)
{
    xmlNode *last = vf_xml_last_element(parent);
    xmlNode *child;
    xmlNode *next;
    guint indent;

    if (last != NULL) {
        vf_xml_insert_after(last, node);
        return;
    }

    /* No element yet: whatever blank text is there only indents the closing tag. */
    for (child = parent->children; child != NULL; child = next) {
        next = child->next;
        if (vf_xml_is_blank(child)) {
            xmlUnlinkNode(child);
            xmlFreeNode(child);
        }
    }
    if (parent->children != NULL) {
        /* Mixed content: there is no layout to follow. */
        xmlAddChild(parent, node);
        return;
    }

    indent = vf_xml_get_indent(parent);
    xmlAddChild(parent, vf_xml_new_blank(parent->doc, indent + vf_xml_get_step(parent)));
    xmlAddChild(parent, node);
    xmlAddChild(parent, vf_xml_new_blank(parent->doc, indent));
}

static void
vf_xml_shift_text(xmlNode *text, int delta)
{
    g_autoptr(GString) shifted = g_string_new(NULL);
    const char *p = (const char *)text->content;

    if (strchr(p, '\n') == NULL)
        return;

    while (*p) {
        if (*p == '\n') {
            int spaces = 0;

            g_string_append_c(shifted, '\n');
            for (p++; *p == ' '; p++)
                spaces++;
            spaces = MAX(spaces + delta, 0);
            for (; spaces > 0; spaces--)
                g_string_append_c(shifted, ' ');
        } else {
            g_string_append_c(shifted, *p);
            p++;
        }
    }
    xmlNodeSetContent(text, (const xmlChar *)shifted->str);
}

void
vf_xml_shift(xmlNode *node, int delta)
{
    xmlNode *child;

    if (delta == 0)
        return;
    for (child = node->children; child != NULL; child = child->next) {
        if (vf_xml_is_blank(child))
            vf_xml_shift_text(child, delta);
        else if (child->type == XML_ELEMENT_NODE)
            vf_xml_shift(child, delta);
    }
}

void
vf_xml_format(xmlNode *node, guint indent, guint step)
{
    xmlNode *child;

    if (node->children == NULL)
        return;
    for (child = node->children; child != NULL; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            return;
    }

    for (child = node->children; child != NULL; child = child->next) {
        xmlAddPrevSibling(child, vf_xml_new_blank(node->doc, indent + step));
        vf_xml_format(child, indent + step, step);
    }
    xmlAddChild(node, vf_xml_new_blank(node->doc, indent));
}
