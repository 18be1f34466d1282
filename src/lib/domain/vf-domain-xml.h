/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-xml.h: the domain XML rewrite of a GPU activation, and its undo
 *
 * Activate takes the virtual display out of a libvirt domain (graphics, video, audio,
 * sound, SPICE channels, USB redirection, smartcard; the guest agent channel stays) and
 * puts the host's GPU functions in as <hostdev managed='no'>. Everything it removes or
 * adds is recorded in the domain's <metadata> (namespace VF_DOMAIN_XML_NAMESPACE), so
 * that Deactivate gives back the domain exactly as it was, and so that the libvirt hook
 * can read which devices belong to the domain and which host driver each had.
 *
 * Pure functions of strings: no libvirt, no I/O, safe to call from any thread.
 * The output keeps the input's layout; only attribute quotes change (libxml2 writes
 * double quotes where libvirt writes single ones, which libvirt reads the same).
 */
#pragma once

#include "domain/vf-domain-profile.h"
#include "domain/vf-passthrough-device.h"

#include <glib.h>

G_BEGIN_DECLS

#define VF_DOMAIN_XML_NAMESPACE "https://virtflow.org/xmlns/passthrough/1.0"

/*
 * Rewrite the domain @xml to pass @devices through. @gpu is the host address of the
 * GPU's function 0 ("0000:01:00.0") and must be one of @devices; the functions on its
 * slot share one guest slot, each other device gets a slot of its own.
 *
 * Activating a domain again for the same GPU and the same devices returns @xml unchanged
 * (the drivers recorded the first time are kept: by then the devices may be on
 * vfio-pci); for the same GPU with other devices, the record is redone, keeping the
 * drivers it knew. A domain activated for another GPU is refused.
 *
 * Returns: (transfer full): the new domain XML, or NULL with @error set
 * (VF_ERROR_INVALID_ARGUMENT for a bad address or device list, another GPU or a
 * <hostdev> VirtFlow did not add for one of @devices; VF_ERROR_XML for XML that is not a
 * well-formed <domain>, or malformed VirtFlow metadata; VF_ERROR_FAILED when the domain
 * has no free guest PCI address).
 */
char *vf_domain_xml_activate(const char *xml, const char *gpu, const VfPassthroughDevice *devices,
                             guint n_devices, GError **error);

/*
 * As vf_domain_xml_activate(), for a VM used as @profile says (NULL: the default profile,
 * monitor view and no input hand-over, which is what vf_domain_xml_activate() does):
 *  - monitor: the virtual display out as above; evdev inputs and VirtIO input added;
 *  - looking-glass: SPICE kept without a network address (or added: listen type='none'),
 *    <audio type='spice'>, the virtual tablet out, virtio keyboard and mouse, a
 *    <shmem name='looking-glass'> of vf_profile_lg_size_mib() MiB, the video model and
 *    memballoon as Looking Glass's libvirt documentation says.
 * Every element added or removed for the profile is recorded, and the profile itself, so
 * that vf_domain_xml_deactivate() gives back the domain exactly and
 * vf_domain_xml_get_profile() can read it back. Activating again with another profile
 * redoes the profile part from the original domain.
 *
 * Returns: (transfer full): the new domain XML, or NULL with @error set (as
 * vf_domain_xml_activate(); VF_ERROR_INVALID_ARGUMENT, before the XML is read, for a
 * profile that names an evdev path twice or a path that is not under /dev/input/, a
 * Looking Glass resolution of 0 or above VF_LG_MAX_DIMENSION, or a USB controller that is
 * not one of @devices).
 */
char *vf_domain_xml_activate_profile(const char *xml, const char *gpu,
                                     const VfPassthroughDevice *devices, guint n_devices,
                                     const VfProfile *profile, GError **error);

/*
 * Read the profile recorded by vf_domain_xml_activate_profile() in @xml.
 *
 * Returns: TRUE and sets @out_profile when the domain carries VirtFlow's record (a record
 * written before profiles existed reads as the default profile); FALSE without error
 * when it does not; FALSE with VF_ERROR_XML when the record is malformed.
 */
gboolean vf_domain_xml_get_profile(const char *xml, VfProfile **out_profile, GError **error);

/*
 * Undo vf_domain_xml_activate(): put back the removed elements where they were, remove
 * the <hostdev>s, controller, video and metadata that activation added. A domain without
 * VirtFlow metadata is returned unchanged.
 *
 * The record is checked first: it may put back only the kinds of element an activation
 * removes (graphics, video, audio, sound, SPICE channels, redirdev, smartcard, and for
 * the looking-glass view the tablet, memballoon and shmem), and it may list only devices
 * whose <hostdev> is managed='no' as VirtFlow writes it; a record that holds a <disk>,
 * a <filesystem>, a <hostdev> or more than VirtFlow ever writes is damaged, and refused.
 *
 * Returns: (transfer full): the domain XML as it was before activation, or NULL with
 * @error set (VF_ERROR_XML, saying what is damaged).
 */
char *vf_domain_xml_deactivate(const char *xml, GError **error);

/*
 * Read the VirtFlow metadata of the domain @xml.
 *
 * Returns: TRUE and sets @out_gpu (the GPU's function-0 address) and @out_devices (a
 * GPtrArray of VfPassthroughDevice *, which frees its elements) when the domain carries
 * the metadata; FALSE without error when it does not; FALSE with @error set (VF_ERROR_XML)
 * when the XML or the metadata is malformed, or the record damaged as
 * vf_domain_xml_deactivate() says. Either out parameter may be NULL.
 */
gboolean vf_domain_xml_get_passthrough(const char *xml, char **out_gpu, GPtrArray **out_devices,
                                       GError **error);

/* What `virtflow doctor VM` reads in a domain XML. */
typedef struct {
    char *name;
    char *gpu;              /* the GPU of VirtFlow's metadata, NULL when not activated */
    GPtrArray *devices;     /* VfPassthroughDevice * of the metadata (empty when not activated) */
    GPtrArray *hostdevs;    /* char *: host addresses of the PCI <hostdev>s */
    GPtrArray *display;     /* char *: virtual display and sound devices present, as
                             * "graphics type='spice'", "video model 'qxl'", "sound model
                             * 'ich9'", "audio type='pulseaudio'", "channel type='spicevmc'";
                             * <video model='none'/> and <audio type='none'/> are not listed */
    gboolean agent_channel; /* <channel> with target name org.qemu.guest_agent.0 */
    VfProfile *profile;     /* the recorded profile (the default one for a record without
                             * one), NULL when not activated or the record is damaged */
    char *record_error;     /* why VirtFlow's record cannot be used ("Domain 'w' has a
                             * damaged VirtFlow record: it would put back <disk
                             * type='block'> …"), NULL when it is sound or absent; gpu is
                             * then NULL and devices empty */
} VfDomainXmlSummary;

/*
 * Read @xml for a consistency check: its passthrough record, its PCI host devices, what
 * remains of a virtual display, and the guest agent channel. A record that Deactivate
 * would refuse (malformed, too large, or tampered with: see vf_domain_xml_deactivate())
 * does not fail the call: its reason is in record_error.
 *
 * Returns: (transfer full): the summary, or NULL with @error set (VF_ERROR_XML) when @xml
 * is not a well-formed domain.
 */
VfDomainXmlSummary *vf_domain_xml_inspect(const char *xml, GError **error);
void vf_domain_xml_summary_free(VfDomainXmlSummary *summary);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfDomainXmlSummary, vf_domain_xml_summary_free)

G_END_DECLS
