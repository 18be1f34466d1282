/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-tune-record: tune's record in a domain's <metadata> and the kernel cpu lists in it,
 * as `tune --undo`, a second tune, doctor and the planner read them
 *
 * Input: a first line, read as a kernel cpu list (a sysfs file or a record attribute),
 * then the content of <metadata> (a <vftune:tune> record, or anything), put into a fixed
 * tuned domain (VF_FUZZ_DOMAIN_HEAD + input + VF_FUZZ_DOMAIN_TAIL). A record is data a
 * user (or anyone who can define domains) can edit: it must never make VirtFlow crash, and
 * an undo that succeeds leaves no record behind.
 */
#include "vf-fuzz.h"

#include "tune/vf-topology.h"
#include "tune/vf-tune-xml.h"

#define VF_FUZZ_DOMAIN_HEAD                                                                        \
    "<domain type=\"kvm\">\n"                                                                      \
    "  <name>fuzz</name>\n"                                                                        \
    "  <metadata>"
#define VF_FUZZ_DOMAIN_TAIL                                                                        \
    "</metadata>\n"                                                                                \
    "  <memory unit=\"KiB\">4194304</memory>\n"                                                    \
    "  <memoryBacking>\n"                                                                          \
    "    <hugepages>\n"                                                                            \
    "      <page size=\"2048\" unit=\"KiB\"/>\n"                                                   \
    "    </hugepages>\n"                                                                           \
    "  </memoryBacking>\n"                                                                         \
    "  <vcpu placement=\"static\">2</vcpu>\n"                                                      \
    "  <iothreads>1</iothreads>\n"                                                                 \
    "  <cputune>\n"                                                                                \
    "    <vcpupin vcpu=\"0\" cpuset=\"2\"/>\n"                                                     \
    "    <vcpupin vcpu=\"1\" cpuset=\"3\"/>\n"                                                     \
    "    <emulatorpin cpuset=\"0-1\"/>\n"                                                          \
    "    <iothreadpin iothread=\"1\" cpuset=\"0-1\"/>\n"                                           \
    "  </cputune>\n"                                                                               \
    "  <os>\n"                                                                                     \
    "    <type arch=\"x86_64\" machine=\"pc-q35-7.2\">hvm</type>\n"                                \
    "  </os>\n"                                                                                    \
    "  <cpu mode=\"host-passthrough\" check=\"none\" migratable=\"off\">\n"                        \
    "    <topology sockets=\"1\" dies=\"1\" cores=\"1\" threads=\"2\"/>\n"                         \
    "    <cache mode=\"passthrough\"/>\n"                                                          \
    "  </cpu>\n"                                                                                   \
    "  <devices>\n"                                                                                \
    "    <disk type=\"file\" device=\"disk\">\n"                                                   \
    "      <driver name=\"qemu\" type=\"qcow2\" iothread=\"1\"/>\n"                                \
    "      <source file=\"/var/lib/libvirt/images/fuzz.qcow2\"/>\n"                                \
    "      <target dev=\"vda\" bus=\"virtio\"/>\n"                                                 \
    "    </disk>\n"                                                                                \
    "  </devices>\n"                                                                               \
    "</domain>\n"

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
    g_autoptr(VfTuneRecord) record = NULL;
    g_autoptr(VfTuneRecord) after = NULL;
    g_autoptr(VfTuneDomain) dom = NULL;
    g_autoptr(GArray) cpus = NULL;
    g_autoptr(GArray) vcpu_cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree char *line = NULL;
    g_autofree char *undone = NULL;
    g_autofree char *tuned = NULL;
    static const guint vm[] = {2, 3};
    VfTunePlan plan = {
        .vm = (char *)"fuzz",
        .cores = 1,
        .threads = 2,
        .amd = TRUE,
        .vm_cpus = (char *)"2-3",
        .host_cpus = (char *)"0-1",
        .hugepage_size_kib = 2048,
        .hugepage_count = 2048,
    };
    gboolean ok;

    if (memchr(data, '\0', size))
        return 0; /* every reader takes a C string */
    line = vf_fuzz_take_line(&data, &size);
    if (line != NULL) {
        cpus = vf_cpu_list_parse(line, &error);
        vf_fuzz_check((cpus != NULL) == (error == NULL));
        if (cpus != NULL) {
            /* what the formatter writes reads back the same */
            g_autofree char *text = vf_cpu_list_format_array(cpus);
            g_autoptr(GArray) back = vf_cpu_list_parse(text, NULL);

            vf_fuzz_check(back != NULL && back->len == cpus->len);
            vf_fuzz_check(cpus->len == 0 ||
                          memcmp(back->data, cpus->data, cpus->len * sizeof(guint)) == 0);
        }
        g_clear_error(&error);
    }
    g_string_append_len(xml, (const char *)data, (gssize)size);
    g_string_append(xml, VF_FUZZ_DOMAIN_TAIL);

    /* doctor's and the planner's reader */
    ok = vf_tune_xml_read_record(xml->str, &record, &error);
    vf_fuzz_check(ok == (error == NULL));
    g_clear_error(&error);
    dom = vf_tune_xml_inspect(xml->str, &error);
    vf_fuzz_check((dom != NULL) == (error == NULL));
    g_clear_error(&error);

    /* undo: what the record says goes back; nothing of it is left */
    undone = vf_tune_xml_undo(xml->str, &error);
    vf_fuzz_check((undone != NULL) == (error == NULL));
    g_clear_error(&error);
    if (undone != NULL) {
        vf_fuzz_check(vf_tune_xml_read_record(undone, &after, &error));
        vf_fuzz_check(after == NULL);
    }

    /* a second tune undoes the record first, then writes its own */
    g_array_append_vals(vcpu_cpus, vm, G_N_ELEMENTS(vm));
    plan.vcpu_cpus = vcpu_cpus;
    tuned = vf_tune_xml_apply(xml->str, &plan, TRUE, &error);
    vf_fuzz_check((tuned != NULL) == (error == NULL));
    return 0;
}
