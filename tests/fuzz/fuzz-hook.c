/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-hook: what the libvirt hook reads before it touches the host: its command line
 * (vf_hook_args_parse(), both programs), the gate's scan of stdin (vf-hook-gate.c) and
 * the worker's read of the domain XML (virtflow-hook.c: NUL check, then the records, all
 * from one parse: checked to answer as the string readers, each of which parses alone)
 *
 * Input: the arguments one a line (argv[0] first) up to an empty line, then the domain
 * XML libvirtd would write on stdin. Whoever can define a domain chooses its name (an
 * argument) and its XML.
 *
 * Where the tree has the hook's bounded stdin reader (vf-hook-stdin.h), it reads the XML
 * from a pipe-like file too, and its streaming search for VirtFlow's namespace (used past
 * the size limit) is checked against a plain search of the same bytes, fed in chunks
 * whose sizes come from the input.
 */
#include "vf-fuzz.h"

#include "domain/vf-domain-xml.h"
#include "vf-hook-args.h"

#if __has_include("vf-hook-stdin.h")
#include "vf-hook-stdin.h"
#include <sys/mman.h>
#include <unistd.h>
#define VF_FUZZ_HAVE_HOOK_STDIN 1
#endif
#if __has_include("tune/vf-tune-runtime.h")
#include "tune/vf-tune-runtime.h"
#define VF_FUZZ_HAVE_TUNE 1
#endif
/* the worker's one parse for every record (a tree before it parsed once per record) */
#if defined(VF_FUZZ_HAVE_TUNE) && defined(VF_TUNE_RUNTIME_FROM_DOC)
#include "domain/vf-domain-record.h"
#define VF_FUZZ_HAVE_DOC_READERS 1
#endif
/* what the hook searches for: both records' namespaces (a tree before issue 14's tune-only
 * hook searched for the passthrough namespace) */
#ifndef VF_HOOK_XML_NAMESPACE_PREFIX
#define VF_HOOK_XML_NAMESPACE_PREFIX VF_DOMAIN_XML_NAMESPACE
#endif

#define VF_FUZZ_MAX_ARGS 16

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    vf_fuzz_init_glib();
    return 0;
}

#ifdef VF_FUZZ_HAVE_DOC_READERS
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/* The worker parses once and reads each record from that document: the same answers as
 * the string readers, each of which parses on its own. */
static void
vf_fuzz_worker_doc(const char *xml, gboolean ours, const char *gpu, guint n_devices,
                   const GError *error)
{
    g_autoptr(GError) doc_error = NULL;
    g_autofree char *name = NULL;
    g_autofree char *doc_gpu = NULL;
    g_autoptr(GPtrArray) doc_devices = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autoptr(xmlDoc) doc = vf_domain_doc_parse(xml, &name, &doc_error);
    gboolean doc_ours = doc != NULL && vf_domain_doc_get_passthrough(
                                           doc, name, &doc_gpu, &doc_devices, &profile, &doc_error);

    vf_fuzz_check(doc_ours == ours);
    vf_fuzz_check((doc_error == NULL) == (error == NULL));
    vf_fuzz_check(error == NULL || g_str_equal(doc_error->message, error->message));
    if (doc_ours) {
        vf_fuzz_check(g_strcmp0(doc_gpu, gpu) == 0 && doc_devices->len == n_devices);
        vf_fuzz_check(profile != NULL);
    }
    if (doc != NULL && !doc_ours && doc_error == NULL &&
        strstr(xml, VF_TUNE_XML_NAMESPACE) != NULL) {
        g_autoptr(VfTuneRuntime) rt = NULL;
        g_autoptr(VfTuneRuntime) doc_rt = NULL;
        g_autoptr(GError) tune_error = NULL;
        g_autoptr(GError) doc_tune_error = NULL;
        gboolean read = vf_tune_runtime_from_domain_xml(xml, &rt, &tune_error);

        vf_fuzz_check(vf_tune_runtime_from_domain_doc(doc, &doc_rt, &doc_tune_error) == read);
        vf_fuzz_check((rt == NULL) == (doc_rt == NULL));
        vf_fuzz_check(read || g_str_equal(doc_tune_error->message, tune_error->message));
        vf_fuzz_check(rt == NULL || (g_strcmp0(rt->host_cpus, doc_rt->host_cpus) == 0 &&
                                     rt->hugepage_count == doc_rt->hugepage_count));
    }
}
#endif

/* the worker's main(), from stdin to the record: FALSE where it would exit 0 */
static void
vf_fuzz_worker(const char *xml, size_t len)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *gpu = NULL;
    g_autoptr(GPtrArray) devices = NULL;
    gboolean ours;

    if (memmem(xml, len, VF_HOOK_XML_NAMESPACE_PREFIX, strlen(VF_HOOK_XML_NAMESPACE_PREFIX)) ==
        NULL)
        return;
    if (strlen(xml) != len)
        return; /* "contains a NUL byte": refused */
    ours = vf_domain_xml_get_passthrough(xml, &gpu, &devices, &error);
#ifdef VF_FUZZ_HAVE_DOC_READERS
    vf_fuzz_worker_doc(xml, ours, gpu, devices ? devices->len : 0, error);
#endif
    if (ours) {
        vf_fuzz_check(gpu != NULL && devices != NULL);
        for (guint i = 0; i < devices->len; i++) {
            const VfPassthroughDevice *d = devices->pdata[i];

            vf_fuzz_check(d->address != NULL);
        }
    }
#ifdef VF_FUZZ_HAVE_TUNE
    else if (error == NULL) {
        /* no passthrough record: a domain tuned only (issue 14), its tune record read */
        g_autoptr(VfTuneRuntime) rt = NULL;
        g_autoptr(GError) tune_error = NULL;

        if (vf_tune_runtime_from_domain_xml(xml, &rt, &tune_error))
            vf_fuzz_check(rt == NULL || rt->host_cpus != NULL);
        else
            vf_fuzz_check(tune_error != NULL);
    }
#endif
}

#ifdef VF_FUZZ_HAVE_HOOK_STDIN
/* The streaming search, chunk by chunk, against memmem() of the whole */
static void
vf_fuzz_stream(const char *xml, size_t len)
{
    const char *ns = VF_HOOK_XML_NAMESPACE_PREFIX;
    char tail[256];
    size_t tail_len = 0, done = 0;
    bool found = false;
    guint step = 0;

    while (done < len && !found) {
        /* chunk sizes 1..64 from the data itself: matches across many chunks too */
        size_t want = (size_t)((guint8)xml[step++ % len] % 64) + 1;
        size_t n = MIN(len - done, want);

        found = vf_hook_stream_has(ns, tail, &tail_len, xml + done, n);
        vf_fuzz_check(tail_len < sizeof(tail));
        done += n;
    }
    vf_fuzz_check(found == (memmem(xml, len, ns, strlen(ns)) != NULL));
}

/* The reader both programs use, on a file holding the XML */
static void
vf_fuzz_read_xml(const char *xml, size_t len)
{
    int fd = memfd_create("fuzz-hook-stdin", MFD_CLOEXEC);
    char *buf = NULL;
    size_t got = 0;
    bool too_large = true, ours = false;

    vf_fuzz_check(fd >= 0);
    vf_fuzz_check(write(fd, xml, len) == (ssize_t)len && lseek(fd, 0, SEEK_SET) == 0);
    vf_fuzz_check(
        vf_hook_read_xml(fd, VF_HOOK_XML_NAMESPACE_PREFIX, &buf, &got, &too_large, &ours) == 0);
    vf_fuzz_check(got == len && memcmp(buf, xml, len) == 0 && buf[len] == '\0');
    vf_fuzz_check(!too_large);
    vf_fuzz_check(ours == (memmem(xml, len, VF_HOOK_XML_NAMESPACE_PREFIX,
                                  strlen(VF_HOOK_XML_NAMESPACE_PREFIX)) != NULL));
    free(buf);
    close(fd);
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *xml = NULL;
    const char *message = NULL, *arg = NULL;
    VfHookArgs parsed;
    char *line;

    while (args->len < VF_FUZZ_MAX_ARGS && (line = vf_fuzz_take_line(&data, &size)) != NULL) {
        if (*line == '\0') {
            g_free(line);
            break;
        }
        g_ptr_array_add(args, line);
    }
    g_ptr_array_add(args, NULL);
    xml = g_malloc(size + 1);
    memcpy(xml, data, size);
    xml[size] = '\0';

    if (!vf_hook_args_parse((int)args->len - 1, (char **)args->pdata, &parsed, &message, &arg)) {
        vf_fuzz_check(message != NULL);
        return 0;
    }
    vf_fuzz_check(parsed.name && parsed.operation && parsed.sub_operation && parsed.extra);
#ifdef VF_FUZZ_HAVE_HOOK_STDIN
    if (size > 0)
        vf_fuzz_stream(xml, size);
    vf_fuzz_read_xml(xml, size);
#endif
    if (vf_hook_args_get_action(&parsed) == VF_HOOK_ACTION_NONE)
        return 0;
    vf_fuzz_worker(xml, size);
    return 0;
}
