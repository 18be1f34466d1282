/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-domain-record: VirtFlow's record in a domain's <metadata>, as the hook, Deactivate,
 * a second Activate and doctor read it
 *
 * Input: the content of <metadata> (a <virtflow:passthrough> record, or anything), put
 * into a fixed activated domain (VF_FUZZ_DOMAIN_HEAD + input + VF_FUZZ_DOMAIN_TAIL), so
 * that every mutation lands in the record. A record is data a user (or anyone who can
 * define domains) can edit: it must never make VirtFlow crash.
 */
#include "vf-fuzz.h"

#include "domain/vf-domain-xml.h"

/* A domain VirtFlow activated for 0000:01:00.0 + 0000:01:00.1: what is left around the
 * record (tests/fuzz/corpus/domain-record/ holds records Activate wrote for it). */
#define VF_FUZZ_DOMAIN_HEAD                                                                        \
    "<domain type=\"kvm\">\n"                                                                      \
    "  <name>fuzz</name>\n"                                                                        \
    "  <uuid>7d3c1a5e-0b9f-4e2a-9c41-5f6a8b2d3e10</uuid>\n"                                        \
    "  <metadata>"
#define VF_FUZZ_DOMAIN_TAIL                                                                        \
    "</metadata>\n"                                                                                \
    "  <memory unit=\"KiB\">4194304</memory>\n"                                                    \
    "  <vcpu placement=\"static\">4</vcpu>\n"                                                      \
    "  <os>\n"                                                                                     \
    "    <type arch=\"x86_64\" machine=\"pc-q35-7.2\">hvm</type>\n"                                \
    "  </os>\n"                                                                                    \
    "  <devices>\n"                                                                                \
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"                                       \
    "    <disk type=\"file\" device=\"disk\">\n"                                                   \
    "      <source file=\"/var/lib/libvirt/images/fuzz.qcow2\"/>\n"                                \
    "      <target dev=\"vda\" bus=\"virtio\"/>\n"                                                 \
    "      <address type=\"pci\" domain=\"0x0000\" bus=\"0x04\" slot=\"0x00\" "                    \
    "function=\"0x0\"/>\n"                                                                         \
    "    </disk>\n"                                                                                \
    "    <controller type=\"pci\" index=\"0\" model=\"pcie-root\"/>\n"                             \
    "    <controller type=\"pci\" index=\"1\" model=\"pcie-root-port\">\n"                         \
    "      <address type=\"pci\" domain=\"0x0000\" bus=\"0x00\" slot=\"0x02\" "                    \
    "function=\"0x0\"/>\n"                                                                         \
    "    </controller>\n"                                                                          \
    "    <channel type=\"unix\">\n"                                                                \
    "      <target type=\"virtio\" name=\"org.qemu.guest_agent.0\"/>\n"                            \
    "    </channel>\n"                                                                             \
    "    <audio id=\"1\" type=\"none\"/>\n"                                                        \
    "    <video>\n"                                                                                \
    "      <model type=\"none\"/>\n"                                                               \
    "    </video>\n"                                                                               \
    "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">\n"                               \
    "      <driver name=\"vfio\"/>\n"                                                              \
    "      <source>\n"                                                                             \
    "        <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\"/>\n"           \
    "      </source>\n"                                                                            \
    "      <address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x0\" "   \
    "multifunction=\"on\"/>\n"                                                                     \
    "    </hostdev>\n"                                                                             \
    "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"no\">\n"                               \
    "      <driver name=\"vfio\"/>\n"                                                              \
    "      <source>\n"                                                                             \
    "        <address domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" function=\"0x1\"/>\n"           \
    "      </source>\n"                                                                            \
    "      <address type=\"pci\" domain=\"0x0000\" bus=\"0x01\" slot=\"0x00\" "                    \
    "function=\"0x1\"/>\n"                                                                         \
    "    </hostdev>\n"                                                                             \
    "  </devices>\n"                                                                               \
    "</domain>\n"

static const VfPassthroughDevice vf_fuzz_devices[] = {
    {(char *)"0000:01:00.0", (char *)"nvidia"},
    {(char *)"0000:01:00.1", (char *)"snd_hda_intel"},
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    vf_fuzz_init_glib();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GString) xml = g_string_new(VF_FUZZ_DOMAIN_HEAD);
    g_autoptr(GError) error = NULL;
    g_autofree char *gpu = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    g_autofree char *back = NULL;
    g_autofree char *again = NULL;
    g_autoptr(VfDomainXmlSummary) summary = NULL;
    gboolean has;

    if (memchr(data, '\0', size))
        return 0; /* the XML is a C string for every reader */
    g_string_append_len(xml, (const char *)data, (gssize)size);
    g_string_append(xml, VF_FUZZ_DOMAIN_TAIL);

    /* the hook's and `restore`'s reader */
    has = vf_domain_xml_get_passthrough(xml->str, &gpu, &devices, &error);
    vf_fuzz_check(!has || (gpu != NULL && devices != NULL && error == NULL));
    g_clear_error(&error);

    /* Deactivate puts back what the record says was removed */
    back = vf_domain_xml_deactivate(xml->str, &error);
    vf_fuzz_check((back != NULL) == (error == NULL));
    g_clear_error(&error);

    /* Activate again over the record (the same path as Deactivate's, then a new record) */
    again = vf_domain_xml_activate(xml->str, vf_fuzz_devices[0].address, vf_fuzz_devices,
                                   G_N_ELEMENTS(vf_fuzz_devices), &error);
    vf_fuzz_check((again != NULL) == (error == NULL));
    g_clear_error(&error);

    summary = vf_domain_xml_inspect(xml->str, &error);
    vf_fuzz_check((summary != NULL) == (error == NULL));
    return 0;
}
