/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-domain-pci-address.h: PCI addresses as domain XML spells them (domain/ internal)
 *
 * The host side names a function "0000:01:00.0" (sysfs); the domain XML spells the same
 * address as attributes, domain='0x0000' bus='0x01' slot='0x00' function='0x0', both
 * for a host device's <source> and for the guest <address type='pci'>.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

typedef struct {
    guint domain;
    guint bus;
    guint slot;
    guint function;
} VfDomainPciAddress;

/* Parse "DDDD:BB:SS.F" (hex, either case; the PCI domain may have up to 8 digits as on
 * hosts with Intel VMD). FALSE if @str is anything else. */
gboolean vf_domain_pci_address_parse(const char *str, VfDomainPciAddress *out_address);

/* The canonical sysfs spelling, lower case: "0000:01:00.0". */
char *vf_domain_pci_address_to_string(const VfDomainPciAddress *address);

/* Read the domain/bus/slot/function attributes of an <address> element the way libvirt
 * does: absent means 0, numbers in C notation (0x.. hex). FALSE if one is not a number
 * or out of range. */
gboolean vf_domain_pci_address_from_xml(const xmlNode *element, VfDomainPciAddress *out_address);

/* Set the domain/bus/slot/function attributes as libvirt prints them. */
void vf_domain_pci_address_to_xml(const VfDomainPciAddress *address, xmlNode *element);

gboolean vf_domain_pci_address_equal(const VfDomainPciAddress *a, const VfDomainPciAddress *b);

/* Same domain, bus and slot: functions of one device. */
gboolean vf_domain_pci_address_same_slot(const VfDomainPciAddress *a, const VfDomainPciAddress *b);

G_END_DECLS
