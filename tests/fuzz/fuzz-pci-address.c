/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-pci-address: every spelling of a PCI address VirtFlow reads: a command-line or
 * sysfs name (vf_pci_address_normalize()), a record's "0000:01:00.0"
 * (vf_domain_pci_address_parse()) and a domain XML's <address domain= bus= slot=
 * function=> (vf_domain_pci_address_from_xml())
 *
 * Input: a string; for the XML reader, its first four lines are the four attributes.
 * Invariants: a canonical spelling reads back to itself; an address written to XML reads
 * back equal.
 */
#include "vf-fuzz.h"

#include "domain/vf-domain-pci-address.h"
#include "host/vf-pci.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    vf_fuzz_init_glib();
    return 0;
}

static void
vf_fuzz_text(const char *text)
{
    g_autofree char *canon = vf_pci_address_normalize(text, NULL);
    VfDomainPciAddress a, b;

    if (canon) {
        g_autofree char *again = vf_pci_address_normalize(canon, NULL);
        g_autofree char *spelled = NULL;

        vf_fuzz_check(again && g_str_equal(again, canon));
        vf_fuzz_check(vf_domain_pci_address_parse(canon, &a));
        spelled = vf_domain_pci_address_to_string(&a);
        vf_fuzz_check(g_str_equal(spelled, canon));
    }
    if (vf_domain_pci_address_parse(text, &a)) {
        g_autofree char *spelled = vf_domain_pci_address_to_string(&a);

        vf_fuzz_check(vf_domain_pci_address_parse(spelled, &b));
        vf_fuzz_check(vf_domain_pci_address_equal(&a, &b));
    }
}

static void
vf_fuzz_xml(const char *text)
{
    static const char *const names[] = {"domain", "bus", "slot", "function"};
    g_auto(GStrv) lines = g_strsplit(text, "\n", 5);
    xmlNode *element = xmlNewNode(NULL, (const xmlChar *)"address");
    xmlNode *written = xmlNewNode(NULL, (const xmlChar *)"address");
    VfDomainPciAddress a, b;

    for (guint i = 0; i < G_N_ELEMENTS(names) && lines[i]; i++)
        if (g_utf8_validate(lines[i], -1, NULL)) /* libxml2 keeps attributes as UTF-8 */
            xmlSetProp(element, (const xmlChar *)names[i], (const xmlChar *)lines[i]);
    if (vf_domain_pci_address_from_xml(element, &a)) {
        vf_domain_pci_address_to_xml(&a, written);
        vf_fuzz_check(vf_domain_pci_address_from_xml(written, &b));
        vf_fuzz_check(vf_domain_pci_address_equal(&a, &b));
    }
    xmlFreeNode(element);
    xmlFreeNode(written);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);

    vf_fuzz_text(text);
    vf_fuzz_xml(text);
    return 0;
}
