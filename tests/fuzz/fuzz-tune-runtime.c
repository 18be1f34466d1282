/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-tune-runtime: the run-time part of the tune record (<vftune:tune>), as the hook
 * reads it at prepare as root, and the kernel CPU lists in it
 *
 * Input: the content of <metadata>, put into a fixed domain, so that every mutation lands
 * in the record. Also the raw input as a CPU list ("0-3,8-11"), the reader the record's
 * lists go through. A record is data anyone who may define domains can edit: it must
 * never crash VirtFlow, and what is read back must be what the record's rules allow.
 */
#include "vf-fuzz.h"

#include "tune/vf-cpulist.h"
#include "tune/vf-tune-runtime.h"

#define VF_FUZZ_HEAD                                                                               \
    "<domain type=\"kvm\">\n"                                                                      \
    "  <name>fuzz</name>\n"                                                                        \
    "  <metadata>"
#define VF_FUZZ_TAIL                                                                               \
    "</metadata>\n"                                                                                \
    "  <memory unit=\"KiB\">8388608</memory>\n"                                                    \
    "  <vcpu placement=\"static\">8</vcpu>\n"                                                      \
    "</domain>\n"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vf_fuzz_init_glib();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GString) xml = g_string_new(VF_FUZZ_HEAD);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTuneRuntime) rt = NULL;
    g_autoptr(GByteArray) mask = NULL;
    g_autofree char *text = NULL;
    guint count = 0;
    gboolean ok;

    if (memchr(data, '\0', size))
        return 0; /* the XML is a C string for every reader */
    g_string_append_len(xml, (const char *)data, (gssize)size);
    g_string_append(xml, VF_FUZZ_TAIL);

    ok = vf_tune_runtime_from_domain_xml(xml->str, &rt, &error);
    vf_fuzz_check(ok == (error == NULL));
    vf_fuzz_check(ok || rt == NULL);
    if (rt) {
        vf_fuzz_check(rt->host_cpus != NULL && rt->vm_cpus != NULL);
        vf_fuzz_check(rt->hugepage_size_kib == 0 ||
                      (rt->hugepage_size_kib & (rt->hugepage_size_kib - 1)) == 0);
        vf_fuzz_check((rt->hugepage_size_kib == 0) == (rt->hugepage_count == 0));
    }
    g_clear_error(&error);

    text = g_strndup((const char *)data, size);
    ok = vf_cpulist_parse(text, "fuzz", &mask, &count, &error);
    vf_fuzz_check(ok == (error == NULL));
    if (ok) {
        vf_fuzz_check(mask->len > 0 && mask->len <= VF_CPULIST_MAX_CPUS / 8);
        vf_fuzz_check(count > 0 && count <= VF_CPULIST_MAX_CPUS);
    }
    return 0;
}
