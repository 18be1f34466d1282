/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-record.h: what an activation changed, kept in the domain's <metadata>
 * (domain/ internal)
 *
 *   <metadata>
 *     <virtflow:passthrough xmlns:virtflow="https://virtflow.org/xmlns/passthrough/1.0"
 *                           gpu="0000:01:00.0">
 *       <virtflow:profile view="looking-glass" lg-resolution="1920x1080"
 *                         grab-toggle="ctrl-ctrl" virtio-input="yes">
 *         <virtflow:evdev kind="keyboard" path="/dev/input/by-id/usb-K120-event-kbd"/>
 *       </virtflow:profile>
 *       <virtflow:device address="0000:01:00.0" driver="nvidia"/>
 *       <virtflow:device address="0000:01:00.1" driver="snd_hda_intel"/>
 *       <virtflow:added element="controller" index="15"/>
 *       <virtflow:added element="video"/>
 *       <virtflow:added element="metadata"/>
 *       <virtflow:added element="input" type="evdev" dev="/dev/input/by-id/…-event-kbd"/>
 *       <virtflow:added element="input" type="keyboard" bus="virtio"/>
 *       <virtflow:removed position="27">
 *         <graphics type="spice" autoport="yes">…</graphics>
 *       </virtflow:removed>
 *     </virtflow:passthrough>
 *   </metadata>
 *
 * profile: how the VM is used (vf-domain-profile.h), only when it is not the default
 * (monitor view, no input handed over): a record without one, as every record written
 * before profiles existed, reads as the default profile. Attributes: view, lg-resolution
 * (looking-glass only), grab-toggle, virtio-input="yes", usb-controller (a host address
 * that is also one of the devices); one <virtflow:evdev kind="keyboard|mouse" path=…> per
 * evdev device handed over.
 *
 * device: one <hostdev> we added, by host address, with the host driver to give the
 * function back to. added: what else we added, each found again by what it says:
 *  - element="controller" index=N: a pcie-root-port;
 *  - element="video" [model="vga"]: the first <video> of that model ("none" when absent);
 *  - element="audio" [type="spice"]: the first <audio> of that type ("none" when absent);
 *  - element="metadata": the <metadata> element itself;
 *  - element="input" type="evdev" dev=PATH: the <input type='evdev'> of that device;
 *  - element="input" type="keyboard|mouse" bus="virtio": the last such <input>;
 *  - element="graphics" type="spice", element="memballoon" model="none",
 *    element="shmem" name="looking-glass": the first of those (the originals are still in
 *    the record when they are taken out).
 * removed: an element taken out of <devices>, verbatim, with its index among the element
 * children of <devices> before the activation. Only the kinds an activation removes are
 * accepted back (vf_domain_record_removal_policy()): a record holding a <disk>, a
 * <filesystem> or a <hostdev> is damaged, and Deactivate refuses it.
 *
 * Limits: a record is refused at once, before anything else is read from it, when it holds
 * more than VF_DOMAIN_RECORD_MAX_DEVICES devices, VF_DOMAIN_RECORD_MAX_REMOVED removed or
 * VF_DOMAIN_RECORD_MAX_ADDED added elements, VF_DOMAIN_RECORD_MAX_EVDEV evdev devices, or
 * more than VF_DOMAIN_RECORD_MAX_BYTES of names, attribute values and text: far above what
 * VirtFlow writes (a GPU has at most 8 functions; a domain rarely has 50 devices), so that
 * a broken or hostile record costs the hook microseconds, not its deadline.
 *
 * The record travels with the domain: libvirt keeps <metadata> children that have a
 * namespace as they are (it only re-indents them), and the hook reads it from the XML
 * libvirt gives it on stdin.
 */
#pragma once

#include "domain/vf-domain-profile.h"
#include "domain/vf-domain-xml.h"
#include "domain/vf-passthrough-device.h"

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#define VF_DOMAIN_RECORD_NAMESPACE VF_DOMAIN_XML_NAMESPACE
#define VF_DOMAIN_RECORD_PREFIX    "virtflow"
#define VF_GUEST_AGENT_CHANNEL     "org.qemu.guest_agent.0"
#define VF_LG_SHMEM_NAME           "looking-glass"

/* Checked on the text before libxml2 parses it (vf-domain-xml.c): libxml2 2.9 checks an
 * element's attributes for duplicates in quadratic time (40000 attributes: 20 s), and the
 * hook has a deadline. libvirt's own elements have fewer than 20. */
#define VF_DOMAIN_XML_MAX_ATTRIBUTES 256
/* Far above any domain definition libvirt prints. */
#define VF_DOMAIN_XML_MAX_BYTES (16 * 1024 * 1024)
/* Children of <devices> an activation works on (the address allocation compares each
 * device with the others): a virt-manager domain has about 40. */
#define VF_DOMAIN_XML_MAX_DEVICES 4096

#define VF_DOMAIN_RECORD_MAX_DEVICES 64
#define VF_DOMAIN_RECORD_MAX_REMOVED 256
#define VF_DOMAIN_RECORD_MAX_ADDED   256
#define VF_DOMAIN_RECORD_MAX_EVDEV   32
#define VF_DOMAIN_RECORD_MAX_BYTES   (1024 * 1024)

typedef struct {
    guint position;   /* index among the element children of <devices> before activation */
    xmlNode *element; /* the removed element, still inside the record */
} VfDomainRemoved;

typedef struct {
    xmlNode *node;             /* <virtflow:passthrough>, owned by its document */
    char *gpu;                 /* canonical host address of the GPU's function 0 */
    VfProfile *profile;        /* never NULL: the default profile when none is recorded */
    gboolean has_profile;      /* a <virtflow:profile> is there */
    GPtrArray *devices;        /* VfPassthroughDevice *, canonical addresses, record order */
    GArray *controllers;       /* guint: indexes of the PCI controllers we added */
    gboolean added_video;      /* we added <video><model type=video_model/></video> */
    char *video_model;         /* "none" or "vga" */
    gboolean added_audio;      /* we added <audio id='1' type=audio_type/> */
    char *audio_type;          /* "none" or "spice" */
    gboolean added_metadata;   /* we added <metadata> */
    gboolean added_graphics;   /* we added <graphics type='spice'> */
    gboolean added_memballoon; /* we added <memballoon model='none'/> */
    gboolean added_shmem;      /* we added <shmem name='looking-glass'> */
    GPtrArray *added_evdev;    /* char *: the dev of each <input type='evdev'> we added */
    GPtrArray *added_virtio;   /* char *: "keyboard", "mouse": the virtio inputs we added */
    GArray *removed;           /* VfDomainRemoved, by increasing position */
} VfDomainRecord;

/* What an activation does with a device of <devices> for a view. */
typedef enum {
    VF_DOMAIN_REMOVAL_KEEP,    /* left as it is */
    VF_DOMAIN_REMOVAL_REMOVE,  /* taken out (and recorded) */
    VF_DOMAIN_REMOVAL_REPLACE, /* the first one stays if it already is what the view wants,
                                * otherwise all go and VirtFlow adds its own */
} VfDomainRemovalPolicy;

/* The one table of what activation takes out of <devices>, per view; Deactivate accepts
 * back only elements whose policy is not KEEP for the record's view. */
VfDomainRemovalPolicy vf_domain_record_removal_policy(const xmlNode *node, VfView view);
/* The policy of the table's entry for elements called @element. */
VfDomainRemovalPolicy vf_domain_record_removal_policy_of(const char *element, VfView view);

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

/* An evdev device path we accept to hand to libvirt: absolute, canonical (no "..", ".",
 * "//"), under /dev/input/, at most PATH_MAX bytes. */
gboolean vf_domain_record_is_valid_evdev_path(const char *path);

/* Writing, during an activation. The record is built inside the document so that each
 * part is indented where it lands. */

/* Create an empty record for @gpu as the last child of @metadata. */
xmlNode *vf_domain_record_create(xmlNode *metadata, const char *gpu);
void vf_domain_record_add_device(xmlNode *record, const VfPassthroughDevice *device);
/* @index: the controller index, or -1 when @element is not a controller. */
void vf_domain_record_add_added(xmlNode *record, const char *element, int index);
/* <virtflow:added element=@element> with the attributes given as NULL-terminated name,
 * value pairs (a NULL value leaves its attribute out). */
void vf_domain_record_add_added_full(xmlNode *record, const char *element,
                                     ...) G_GNUC_NULL_TERMINATED;
/* <virtflow:profile> for @profile, unless it is the default one. */
void vf_domain_record_add_profile(xmlNode *record, const VfProfile *profile);
/* TRUE when @profile is NULL or asks for nothing beyond the monitor view. */
gboolean vf_domain_record_profile_is_default(const VfProfile *profile);
/* Move @element (already unlinked, formerly at column @indent) into the record. */
void vf_domain_record_add_removed(xmlNode *record, guint position, xmlNode *element, guint indent);

/* The parser and writer of every domain rewrite (vf-domain-xml.c), shared with tune/ and
 * the libvirt hook (which reads every record from one parse):
 * the same limits, no DTD, no entities, the layout kept. The document (transfer full) and
 * *@out_name (the domain's name, "(unnamed)" without one), or NULL with VF_ERROR_XML. */
xmlDoc *vf_domain_doc_parse(const char *xml, char **out_name, GError **error);
/* The document as libvirt prints it (no XML declaration); NULL with VF_ERROR_FAILED. */
char *vf_domain_doc_format(xmlDoc *doc, GError **error);
/* vf_domain_xml_get_passthrough() and vf_domain_xml_get_profile() in one, on a document
 * from vf_domain_doc_parse() (@name: the name it gave), so that a reader of several
 * records parses once (the libvirt hook). TRUE with *@out_gpu, *@out_devices (a new
 * reference) and *@out_profile (never NULL: the default profile when none is recorded),
 * each optional, when the domain carries VirtFlow's record; FALSE without error when it
 * does not; FALSE with VF_ERROR_XML when the record is damaged. @doc is not changed. */
gboolean vf_domain_doc_get_passthrough(xmlDoc *doc, const char *name, char **out_gpu,
                                       GPtrArray **out_devices, VfProfile **out_profile,
                                       GError **error);

G_END_DECLS
