/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "demo/vf-demo.h"

#include "demo/vf-kmodel.h"
#include "core/vf-error.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define VF_TEST_NS "http://libvirt.org/schemas/domain/test/1.0"

/* A Windows 11 VM as virt-manager makes it, for the test driver (type='test'). */
static const char vf_demo_windows_xml[] =
    "<domain type='test'>\n"
    "  <name>Windows 11</name>\n"
    "  <uuid>6a1f6a4e-1b2c-4d5e-8f90-0a1b2c3d4e5f</uuid>\n"
    "  <metadata>\n"
    "    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n"
    "      <libosinfo:os id='http://microsoft.com/win/11'/>\n"
    "    </libosinfo:libosinfo>\n"
    "  </metadata>\n"
    "  <memory unit='KiB'>16777216</memory>\n"
    "  <currentMemory unit='KiB'>16777216</currentMemory>\n"
    "  <vcpu placement='static'>8</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='q35'>hvm</type>\n"
    "    <boot dev='hd'/>\n"
    "  </os>\n"
    "  <features>\n"
    "    <acpi/>\n"
    "    <apic/>\n"
    "    <hyperv mode='custom'>\n"
    "      <relaxed state='on'/>\n"
    "      <vapic state='on'/>\n"
    "      <spinlocks state='on' retries='8191'/>\n"
    "    </hyperv>\n"
    "  </features>\n"
    "  <clock offset='localtime'/>\n"
    "  <on_poweroff>destroy</on_poweroff>\n"
    "  <on_reboot>restart</on_reboot>\n"
    "  <on_crash>destroy</on_crash>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/var/lib/libvirt/images/win11.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <controller type='usb' index='0' model='qemu-xhci'/>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:6a:1f:6a'/>\n"
    "      <source network='default'/>\n"
    "      <model type='virtio'/>\n"
    "    </interface>\n"
    "    <channel type='spicevmc'>\n"
    "      <target type='virtio' name='com.redhat.spice.0'/>\n"
    "    </channel>\n"
    "    <channel type='unix'>\n"
    "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
    "    </channel>\n"
    "    <graphics type='spice' autoport='yes'>\n"
    "      <listen type='address'/>\n"
    "    </graphics>\n"
    "    <sound model='ich9'/>\n"
    "    <audio id='1' type='spice'/>\n"
    "    <video>\n"
    "      <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'/>\n"
    "    </video>\n"
    "    <redirdev bus='usb' type='spicevmc'/>\n"
    "    <redirdev bus='usb' type='spicevmc'/>\n"
    "  </devices>\n"
    "</domain>\n";

static char *
vf_demo_dir(const char *root)
{
    return g_build_filename(root, "libvirt", NULL);
}

/* One <domain> of the node file: the saved XML plus the test driver's run state. */
static gboolean
vf_demo_append_domain(GString *node, const char *xml, int state, GError **error)
{
    xmlDocPtr doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root;
    xmlNsPtr ns;
    xmlBufferPtr buf;

    if (doc == NULL || (root = xmlDocGetRootElement(doc)) == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_XML, "A saved demo domain is not valid XML");
        xmlFreeDoc(doc);
        return FALSE;
    }
    ns = xmlNewNs(root, (const xmlChar *)VF_TEST_NS, (const xmlChar *)"test");
    {
        g_autofree char *text = g_strdup_printf("%d", state);

        xmlNewTextChild(root, ns, (const xmlChar *)"runstate", (const xmlChar *)text);
    }
    buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, root, 1, 0);
    g_string_append_printf(node, "  %s\n", (const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return TRUE;
}

/* $VIRTFLOW_DEMO_VMS=N: N more ordinary VMs ("demo-vm-01"...), shut off, for benchmarks
 * and for trying a long list. Their UUIDs are fixed, so that once saved (as UUID.xml)
 * they are not added twice; a lower N later does not remove saved ones. */
#define VF_DEMO_MAX_EXTRA 1000

static gboolean
vf_demo_append_extra(GString *node, const char *domains_dir, GError **error)
{
    const char *env = g_getenv("VIRTFLOW_DEMO_VMS");
    guint64 n = 0;

    if (env == NULL || *env == '\0')
        return TRUE;
    if (!g_ascii_string_to_unsigned(env, 10, 0, VF_DEMO_MAX_EXTRA, &n, NULL)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "VIRTFLOW_DEMO_VMS='%s' is not a number of VMs from 0 to %d", env,
                    VF_DEMO_MAX_EXTRA);
        return FALSE;
    }
    for (guint i = 1; i <= n; i++) {
        g_autofree char *uuid = g_strdup_printf("00000000-0000-4000-8000-%012u", i);
        g_autofree char *file = g_strconcat(uuid, ".xml", NULL);
        g_autofree char *path = g_build_filename(domains_dir, file, NULL);
        g_autofree char *xml = NULL;

        if (g_file_test(path, G_FILE_TEST_EXISTS))
            continue;
        xml = g_strdup_printf("<domain type='test'>\n"
                              "  <name>demo-vm-%02u</name>\n"
                              "  <uuid>%s</uuid>\n"
                              "  <memory unit='KiB'>2097152</memory>\n"
                              "  <vcpu>2</vcpu>\n"
                              "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
                              "  <devices/>\n"
                              "</domain>\n",
                              i, uuid);
        if (!vf_demo_append_domain(node, xml, VF_DOMAIN_STATE_SHUTOFF, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
vf_demo_write_node(const char *root, gboolean *ret_seeded, GError **error)
{
    g_autofree char *dir = vf_demo_dir(root);
    g_autofree char *domains_dir = g_build_filename(dir, "domains", NULL);
    g_autofree char *state_path = g_build_filename(dir, "state.ini", NULL);
    g_autofree char *node_path = g_build_filename(dir, "node.xml", NULL);
    g_autoptr(GKeyFile) states = g_key_file_new();
    g_autoptr(GString) node = g_string_new("<node>\n");
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (!g_file_test(domains_dir, G_FILE_TEST_IS_DIR)) {
        g_autofree char *seed = g_build_filename(domains_dir, "windows-11.xml", NULL);

        if (g_mkdir_with_parents(domains_dir, 0755) < 0) {
            vf_error_set_errno(error, errno, "Cannot create '%s'", domains_dir);
            return FALSE;
        }
        if (!g_file_set_contents(seed, vf_demo_windows_xml, -1, error))
            return FALSE;
        *ret_seeded = TRUE;
    }
    g_key_file_load_from_file(states, state_path, G_KEY_FILE_NONE, NULL);
    d = g_dir_open(domains_dir, 0, error);
    if (d == NULL)
        return FALSE;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(domains_dir, name, NULL);
        g_autofree char *xml = NULL;
        int state;

        if (!g_str_has_suffix(name, ".xml"))
            continue;
        if (!g_file_get_contents(path, &xml, NULL, error))
            return FALSE;
        state = g_key_file_get_integer(states, "states", name, NULL);
        if (!vf_demo_append_domain(node, xml, state > 0 ? state : VF_DOMAIN_STATE_SHUTOFF, error))
            return FALSE;
    }
    if (!vf_demo_append_extra(node, domains_dir, error))
        return FALSE;
    g_string_append(node, "</node>\n");
    return g_file_set_contents(node_path, node->str, node->len, error);
}

gboolean
vf_demo_open(const char *root, VfHost **ret_host, VfConnection **ret_conn, GError **error)
{
    g_autoptr(VfHost) host = vf_demo_open_host(root, error);
    g_autoptr(VfConnection) conn = NULL;
    g_autofree char *online = g_build_filename(root, "sys/devices/system/cpu/online", NULL);

    if (host == NULL)
        return FALSE;
    /* The demo's CPU (for tune) is written here, once, not by vf_demo_open_host(): its 32
     * threads are half of the tree's files, which the tests that build a demo host for
     * every case do not need. A tree from before the demo had a CPU gets one too. */
    if (!g_file_test(online, G_FILE_TEST_EXISTS)) {
        /* its huge page pools can grow into the free half of its memory, as a host's do at
         * run time (issue 14: a tuned VM's start reserves them), none reserved yet */
        guint64 free_kib = vf_kmodel_demo_cpu.mem_total_kib / 2;

        vf_kmodel_build_cpu(root, &vf_kmodel_demo_cpu);
        if (!vf_kmodel_add_hugepages(root, 2048, 0, 0, free_kib / 2048, error) ||
            !vf_kmodel_add_hugepages(root, 1048576, 0, 0, free_kib / 1048576, error))
            return FALSE;
        /* the model reads its pools when the host is opened */
        g_clear_pointer(&host, vf_host_unref);
        if ((host = vf_demo_open_host(root, error)) == NULL)
            return FALSE;
    }
    if (ret_conn) {
        g_autofree char *dir = vf_demo_dir(root);
        g_autofree char *abs = g_canonicalize_filename(dir, NULL);
        g_autofree char *uri = g_strconcat("test://", abs, "/node.xml", NULL);

        gboolean seeded = FALSE;

        if (!vf_demo_write_node(root, &seeded, error))
            return FALSE;
        conn = vf_connection_open(uri, error);
        if (conn == NULL)
            return FALSE;
        vf_connection_set_agent_model(conn, vf_demo_agent_answer);
        /* keep the seed as libvirt prints it, so later saves only show real changes */
        if (seeded && !vf_demo_save(root, conn, error))
            return FALSE;
        *ret_conn = g_steal_pointer(&conn);
    }
    if (ret_host)
        *ret_host = g_steal_pointer(&host);
    return TRUE;
}

gboolean
vf_demo_save(const char *root, VfConnection *conn, GError **error)
{
    g_autofree char *dir = vf_demo_dir(root);
    g_autofree char *domains_dir = g_build_filename(dir, "domains", NULL);
    g_autofree char *state_path = g_build_filename(dir, "state.ini", NULL);
    g_autoptr(GKeyFile) states = g_key_file_new();
    g_autoptr(GPtrArray) domains = vf_connection_list_domains(conn, error);
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (domains == NULL)
        return FALSE;
    /* start from nothing: a domain undefined in the demo must not come back */
    d = g_dir_open(domains_dir, 0, NULL);
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(domains_dir, name, NULL);

        g_unlink(path);
    }
    g_mkdir_with_parents(domains_dir, 0755);
    for (guint i = 0; i < domains->len; i++) {
        VfDomainInfo *info = domains->pdata[i];
        g_autoptr(VfDomain) dom = vf_connection_lookup_domain(conn, info->uuid, error);
        g_autofree char *xml = NULL;
        g_autofree char *file = g_strconcat(info->uuid, ".xml", NULL);
        g_autofree char *path = g_build_filename(domains_dir, file, NULL);

        if (dom == NULL || (xml = vf_domain_dup_xml(dom, TRUE, error)) == NULL)
            return FALSE;
        if (!g_file_set_contents(path, xml, -1, error))
            return FALSE;
        g_key_file_set_integer(states, "states", file, info->state);
    }
    return g_key_file_save_to_file(states, state_path, error);
}
