/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "domain/vf-domain-pci-address.h"

#include "domain/vf-xml-layout.h"

#include <errno.h>

#define VF_PCI_SLOT_MAX     0x1f
#define VF_PCI_FUNCTION_MAX 0x7

/* Read exactly @n_digits hex digits (or 4 to 8 when @n_digits is 0) at *@p. */
static gboolean
vf_parse_hex(const char **p, guint n_digits, guint *out_value)
{
    guint min = n_digits ? n_digits : 4;
    guint max = n_digits ? n_digits : 8;
    guint value = 0;
    guint n = 0;

    while (n < max && g_ascii_isxdigit((*p)[n])) {
        value = value * 16 + g_ascii_xdigit_value((*p)[n]);
        n++;
    }
    if (n < min)
        return FALSE;
    *p += n;
    *out_value = value;
    return TRUE;
}

gboolean
vf_domain_pci_address_parse(const char *str, VfDomainPciAddress *out_address)
{
    VfDomainPciAddress address;
    const char *p = str;

    if (str == NULL)
        return FALSE;
    if (!vf_parse_hex(&p, 0, &address.domain) || *p++ != ':')
        return FALSE;
    if (!vf_parse_hex(&p, 2, &address.bus) || *p++ != ':')
        return FALSE;
    if (!vf_parse_hex(&p, 2, &address.slot) || *p++ != '.')
        return FALSE;
    if (!vf_parse_hex(&p, 1, &address.function) || *p != '\0')
        return FALSE;
    if (address.slot > VF_PCI_SLOT_MAX || address.function > VF_PCI_FUNCTION_MAX)
        return FALSE;

    *out_address = address;
    return TRUE;
}

char *
vf_domain_pci_address_to_string(const VfDomainPciAddress *address)
{
    return g_strdup_printf("%04x:%02x:%02x.%x", address->domain, address->bus, address->slot,
                           address->function);
}

static gboolean
vf_parse_attr(const xmlNode *element, const char *name, guint max, guint *out_value)
{
    g_autofree char *str = vf_xml_dup_prop(element, name);
    guint64 value;
    char *end = NULL;

    if (str == NULL) {
        *out_value = 0;
        return TRUE;
    }
    /* Base 0 like libvirt's virStrToLong_uip(): 0x.. is hex, a leading 0 is octal. */
    errno = 0;
    value = g_ascii_strtoull(str, &end, 0);
    if (errno != 0 || end == str || *end != '\0' || value > max || str[0] == '-')
        return FALSE;
    *out_value = (guint)value;
    return TRUE;
}

gboolean
vf_domain_pci_address_from_xml(const xmlNode *element, VfDomainPciAddress *out_address)
{
    VfDomainPciAddress address;

    if (!vf_parse_attr(element, "domain", G_MAXUINT32, &address.domain) ||
        !vf_parse_attr(element, "bus", 0xff, &address.bus) ||
        !vf_parse_attr(element, "slot", VF_PCI_SLOT_MAX, &address.slot) ||
        !vf_parse_attr(element, "function", VF_PCI_FUNCTION_MAX, &address.function))
        return FALSE;
    *out_address = address;
    return TRUE;
}

void
vf_domain_pci_address_to_xml(const VfDomainPciAddress *address, xmlNode *element)
{
    char buf[16];

    g_snprintf(buf, sizeof(buf), "0x%04x", address->domain);
    xmlSetProp(element, (const xmlChar *)"domain", (const xmlChar *)buf);
    g_snprintf(buf, sizeof(buf), "0x%02x", address->bus);
    xmlSetProp(element, (const xmlChar *)"bus", (const xmlChar *)buf);
    g_snprintf(buf, sizeof(buf), "0x%02x", address->slot);
    xmlSetProp(element, (const xmlChar *)"slot", (const xmlChar *)buf);
    g_snprintf(buf, sizeof(buf), "0x%x", address->function);
    xmlSetProp(element, (const xmlChar *)"function", (const xmlChar *)buf);
}

gboolean
vf_domain_pci_address_equal(const VfDomainPciAddress *a, const VfDomainPciAddress *b)
{
    return vf_domain_pci_address_same_slot(a, b) && a->function == b->function;
}

gboolean
vf_domain_pci_address_same_slot(const VfDomainPciAddress *a, const VfDomainPciAddress *b)
{
    return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot;
}
