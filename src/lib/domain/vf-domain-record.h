/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-record.h: what an activation changed, kept in the domain's <metadata>
 * (domain/ internal)
 *
 *   <metadata>
 *     <virtflow:passthrough xmlns:virtflow="https://virtflow.org/xmlns/passthrough/1.0"
 *                           gpu="0000:01:00.0">
 *       <virtflow:device address="0000:01:00.0" driver="nvidia"/>
 *       <virtflow:device address="0000:01:00.1" driver="snd_hda_intel"/>
 *       <virtflow:added element="controller" index="15"/>
 *       <virtflow:added element="video"/>
 *       <virtflow:added element="metadata"/>
 *       <virtflow:removed position="27">
 *         <graphics type="spice" autoport="yes">…</graphics>
 *       </virtflow:removed>
 *     </virtflow:passthrough>
 *   </metadata>
 *
 * device: one <hostdev> we added, by host address, with the host driver to give the
 * function back to. added: what else we added: a pcie-root-port controller (by index),
 * the <video><model type='none'/></video>, the <audio type='none'/>, the <metadata>
 * element itself. removed: an
 * element taken out of <devices>, verbatim, with its index among the element children of
 * <devices> before the activation.
 *
 * The record travels with the domain: libvirt keeps <metadata> children that have a
 * namespace as they are (it only re-indents them), and the hook reads it from the XML
 * libvirt gives it on stdin.
 */
#pragma once

#include "domain/vf-domain-xml.h"
#include "domain/vf-passthrough-device.h"

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#define VF_DOMAIN_RECORD_NAMESPACE VF_DOMAIN_XML_NAMESPACE
#define VF_DOMAIN_RECORD_PREFIX    "virtflow"

typedef struct {
    guint position;   /* index among the element children of <devices> before activation */
    xmlNode *element; /* the removed element, still inside the record */
} VfDomainRemoved;

typedef struct {
    xmlNode *node;           /* <virtflow:passthrough>, owned by its document */
    char *gpu;               /* canonical host address of the GPU's function 0 */
    GPtrArray *devices;      /* VfPassthroughDevice *, canonical addresses, record order */
    GArray *controllers;     /* guint: indexes of the PCI controllers we added */
    gboolean added_video;    /* we added <video><model type='none'/></video> */
    gboolean added_audio;    /* we added <audio id='1' type='none'/> */
    gboolean added_metadata; /* we added <metadata> */
    GArray *removed;         /* VfDomainRemoved, by increasing position */
} VfDomainRecord;

/* Find and check the record of the domain whose root element is @root; @name is the
 * domain's name, for messages. TRUE and *@out_record = NULL when there is none; FALSE
 * with VF_ERROR_XML when it is malformed. */
gboolean vf_domain_record_load(xmlNode *root, const char *name, VfDomainRecord **out_record,
                               GError **error);
void vf_domain_record_free(VfDomainRecord *record);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDomainRecord, vf_domain_record_free)

/* A driver name we accept to store and to hand to the host side: what the kernel uses
 * for driver names ([A-Za-z0-9_.-], not starting with a dot), nothing that could walk a
 * path. */
gboolean vf_domain_record_is_valid_driver(const char *driver);

/* Writing, during an activation. The record is built inside the document so that each
 * part is indented where it lands. */

/* Create an empty record for @gpu as the last child of @metadata. */
xmlNode *vf_domain_record_create(xmlNode *metadata, const char *gpu);
void vf_domain_record_add_device(xmlNode *record, const VfPassthroughDevice *device);
/* @index: the controller index, or -1 when @element is not a controller. */
void vf_domain_record_add_added(xmlNode *record, const char *element, int index);
/* Move @element (already unlinked, formerly at column @indent) into the record. */
void vf_domain_record_add_removed(xmlNode *record, guint position, xmlNode *element, guint indent);

G_END_DECLS
