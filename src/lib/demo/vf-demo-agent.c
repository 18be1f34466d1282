/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-demo-agent.c: the demo guests' QEMU guest agents
 *
 * libvirt's test driver has no guest agent (virDomainQemuAgentCommand: "not supported by
 * the connection driver"), so the demo's running VMs would fail every check a real guest
 * passes. This answers the commands VirtFlow sends as qemu-guest-agent does, from what the
 * domain's live XML says the guest is: no org.qemu.guest_agent.0 channel → libvirt's
 * "QEMU guest agent is not configured"; a libosinfo Windows id → a Windows guest with the
 * virtio-win guest tools, whose guest-get-devices lists a driver for each VirtIO disk,
 * network card and input device in the XML; anything else → a Linux guest (which, like a
 * real one, does not implement guest-get-devices).
 */
#include "demo/vf-demo.h"

#include "core/vf-error.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>

#define VF_LIBOSINFO_NS  "http://libosinfo.org/xmlns/libvirt/domain/1.0"
#define VF_VIRTIO_VENDOR 6900 /* 0x1af4 */

/* The number of nodes @expr selects in @doc. */
static int
vf_xpath_count(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr obj;
    int n = 0;

    xmlXPathRegisterNs(ctx, (const xmlChar *)"os", (const xmlChar *)VF_LIBOSINFO_NS);
    obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    if (obj && obj->nodesetval)
        n = obj->nodesetval->nodeNr;
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    return n;
}

/* The "execute" of a command VirtFlow built ({"execute":"guest-ping"}). */
static char *
vf_agent_execute(const char *command)
{
    const char *p = strstr(command, "\"execute\"");
    const char *end;

    if (p == NULL || (p = strchr(p + 9, '"')) == NULL || (end = strchr(p + 1, '"')) == NULL)
        return NULL;
    return g_strndup(p + 1, end - p - 1);
}

/* A guest-get-devices entry of a Windows driver for a VirtIO PCI device. */
static void
vf_agent_device(GString *out, const char *driver, int device_id, int subsystem_id)
{
    g_string_append_printf(out,
                           "%s{\"driver-date\": 1690156800000000000, \"driver-name\": \"%s\", "
                           "\"driver-version\": \"100.94.104.24000\", \"id\": {\"type\": \"pci\", "
                           "\"vendor-id\": %d, \"device-id\": %d, \"subsystem-vendor-id\": %d, "
                           "\"subsystem-id\": %d}}",
                           out->len > 12 ? ", " : "", driver, VF_VIRTIO_VENDOR, device_id,
                           VF_VIRTIO_VENDOR, subsystem_id);
}

static char *
vf_agent_windows_devices(xmlDocPtr doc)
{
    GString *out = g_string_new("{\"return\": [");
    int n;

    /* modern (virtio 1.0) PCI ids: blk 0x1042, net 0x1041, input 0x1052 */
    n = vf_xpath_count(doc, "/domain/devices/disk[target/@bus='virtio']");
    for (int i = 0; i < n; i++)
        vf_agent_device(out, "Red Hat VirtIO SCSI controller", 4162, 2);
    n = vf_xpath_count(doc, "/domain/devices/interface[model/@type='virtio']");
    for (int i = 0; i < n; i++)
        vf_agent_device(out, "Red Hat VirtIO Ethernet Adapter", 4161, 1);
    n = vf_xpath_count(doc, "/domain/devices/input[@bus='virtio']");
    for (int i = 0; i < n; i++)
        vf_agent_device(out, "VirtIO Input Driver", 4178, 1100);
    g_string_append(out, "]}");
    return g_string_free(out, FALSE);
}

char *
vf_demo_agent_answer(const char *domain_xml, const char *command, GError **error)
{
    g_autofree char *execute = vf_agent_execute(command);
    xmlDocPtr doc = xmlReadMemory(domain_xml, strlen(domain_xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    gboolean windows;
    char *reply = NULL;

    if (doc == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML, "the domain's XML cannot be read");
        return NULL;
    }
    if (vf_xpath_count(doc, "/domain/devices/channel/target[@name='org.qemu.guest_agent.0']") ==
        0) {
        /* what libvirt's QEMU driver says (VIR_ERR_ARGUMENT_UNSUPPORTED) */
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "argument unsupported: QEMU guest agent is not configured");
        vf_error_add_fix(error, "%s", VF_FIX_GUEST_AGENT);
        xmlFreeDoc(doc);
        return NULL;
    }
    windows = vf_xpath_count(doc, "/domain/metadata/os:libosinfo/os:os[starts-with(@id, "
                                  "'http://microsoft.com/win/')]") > 0;
    if (g_strcmp0(execute, "guest-ping") == 0) {
        reply = g_strdup("{\"return\": {}}");
    } else if (g_strcmp0(execute, "guest-get-osinfo") == 0) {
        reply = g_strdup(
            windows ? "{\"return\": {\"name\": \"Microsoft Windows\", \"kernel-release\": "
                      "\"22631\", \"version\": \"Microsoft Windows 11\", \"variant\": \"client\", "
                      "\"pretty-name\": \"Windows 11 Pro\", \"version-id\": \"11\", "
                      "\"variant-id\": \"client\", \"kernel-version\": \"10.0\", \"machine\": "
                      "\"x86_64\", \"id\": \"mswindows\"}}"
                    : "{\"return\": {\"name\": \"Debian GNU/Linux\", \"kernel-release\": "
                      "\"6.1.0-28-amd64\", \"version\": \"12 (bookworm)\", \"pretty-name\": "
                      "\"Debian GNU/Linux 12 (bookworm)\", \"version-id\": \"12\", "
                      "\"kernel-version\": \"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1\", "
                      "\"machine\": \"x86_64\", \"id\": \"debian\"}}");
    } else if (g_strcmp0(execute, "guest-get-devices") == 0 && windows) {
        reply = vf_agent_windows_devices(doc);
    } else {
        /* qemu-guest-agent's CommandNotFound, as libvirt reports it */
        g_set_error(error, VF_ERROR, VF_ERROR_LIBVIRT,
                    "internal error: unable to execute QEMU agent command '%s': The command %s "
                    "has not been found",
                    execute ? execute : "", execute ? execute : "");
    }
    xmlFreeDoc(doc);
    return reply;
}
