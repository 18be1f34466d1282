/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-xml-layout.h: tree edits that keep a document's indentation (domain/ internal)
 *
 * libvirt prints domain XML indented by 2 spaces per level and we parse it keeping the
 * blank text nodes, so that the XML we hand back differs from the input only where we
 * changed it. These helpers move elements together with the blank text that indents
 * them, so that removing, inserting or moving an element leaves the layout as libvirt
 * would have printed it.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* libvirt's indentation step, for documents that show none of their own. */
#define VF_XML_INDENT_STEP 2

/* libxml2 types have no GLib cleanups of their own. Only domain/ includes this header;
 * if a library-wide header starts defining these, drop them here. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlNode, xmlFreeNode)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlBuffer, xmlBufferFree)

/* TRUE if @node is an element called @name in no namespace. */
gboolean vf_xml_is_element(const xmlNode *node, const char *name);

/* The first / next element child, skipping text and comments; NULL when there is none. */
xmlNode *vf_xml_first_element(const xmlNode *parent);
xmlNode *vf_xml_next_element(const xmlNode *node);
xmlNode *vf_xml_last_element(const xmlNode *parent);

/* The first child element called @name in no namespace, or NULL. */
xmlNode *vf_xml_find_child(const xmlNode *parent, const char *name);

/* The value of attribute @name (owned), or NULL when it is absent. */
char *vf_xml_dup_prop(const xmlNode *node, const char *name);

/* TRUE if attribute @name exists and equals @value. */
gboolean vf_xml_prop_equals(const xmlNode *node, const char *name, const char *value);

/* The text content of @node (owned), or NULL when @node is NULL. */
char *vf_xml_dup_content(const xmlNode *node);

/* The column at which @node starts: read from the blank text before it, or derived from
 * its parent's when there is none. */
guint vf_xml_get_indent(const xmlNode *node);

/* How much deeper than its parent @node is indented: the document's indentation step. */
guint vf_xml_get_step(const xmlNode *node);

/* The column at which the children of @parent start (or would start). */
guint vf_xml_get_child_indent(const xmlNode *parent);

/* Unlink @node from its parent together with the blank text that indents it. The
 * caller owns @node afterwards. */
void vf_xml_unlink(xmlNode *node);

/* Insert @node before / after the element @ref, indented like @ref. */
void vf_xml_insert_before(xmlNode *ref, xmlNode *node);
void vf_xml_insert_after(xmlNode *ref, xmlNode *node);

/* Append @node as the last child of @parent, one level deeper than @parent. */
void vf_xml_append(xmlNode *parent, xmlNode *node);

/* Move the whole content of @node left or right by @delta columns: every blank text
 * node inside it that holds a line break has the indentation after each break changed
 * by @delta (never below 0). The blank text before @node itself is not touched. */
void vf_xml_shift(xmlNode *node, int delta);

/* Lay out a freshly built subtree (no text children yet) as libvirt prints it, for
 * @node starting at column @indent, @step columns per level. Elements with text content
 * are left alone. */
void vf_xml_format(xmlNode *node, guint indent, guint step);

G_END_DECLS
