/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune-runtime.h: what a tuned VM needs from the host while it runs
 *
 * `virtflow tune` (vf-tune.h) writes its own record into the domain's <metadata>, in its
 * own namespace, independent of Activate's <virtflow:passthrough> record:
 *
 *   <metadata>
 *     <vftune:tune xmlns:vftune="https://virtflow.org/xmlns/tune/1.0"
 *                  host-cpus="0-1,8-9" vm-cpus="2-7,10-15" isolate="yes">
 *       <vftune:hugepages size-kib="2048" count="4096"/>
 *       …what tune changed, for its undo (vf-tune.c)…
 *     </vftune:tune>
 *   </metadata>
 *
 * host-cpus: the CPUs the host keeps (emulator and I/O threads run there; with
 * isolate="yes" systemd's slices are confined to them while the VM runs); vm-cpus: the
 * CPUs the vCPUs are pinned to. <vftune:hugepages> only when the VM's memory is backed by
 * huge pages: their size and how many the VM needs.
 *
 * The hook reads this at prepare/release from the XML on its stdin; VirtFlow's own Start
 * and Stop, doctor and recover read it from the domain.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

#define VF_TUNE_XML_NAMESPACE "https://virtflow.org/xmlns/tune/1.0"
#define VF_TUNE_XML_PREFIX    "vftune"

typedef struct {
    guint64 hugepage_size_kib; /* 0: no huge pages */
    guint64 hugepage_count;
    gboolean isolate;
    char *host_cpus; /* a kernel cpu list, "0-1,8-9" */
    char *vm_cpus;
} VfTuneRuntime;

void vf_tune_runtime_free(VfTuneRuntime *rt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTuneRuntime, vf_tune_runtime_free)

/*
 * Reads the tune record of domain @xml: TRUE with *@out_runtime NULL when the domain has
 * none; FALSE + VF_ERROR_XML naming what is wrong when the record is damaged (a cpu list
 * that is not one, a page size that is not a power of two, counts out of range).
 */
gboolean vf_tune_runtime_from_domain_xml(const char *xml, VfTuneRuntime **out_runtime,
                                         GError **error);

/*
 * As vf_tune_runtime_from_domain_xml(), on a document from vf_domain_doc_parse()
 * (domain/vf-domain-record.h) that the caller keeps and other readers may share (the
 * libvirt hook parses its stdin once). It reads the document whatever its text: the
 * string reader's shortcut (no parse when the namespace's URI is not in the text) is the
 * caller's to take. *@out_runtime (transfer full) as there; @doc is not changed.
 */
#define VF_TUNE_RUNTIME_FROM_DOC 1 /* for code built against older trees too (tests/fuzz) */
gboolean vf_tune_runtime_from_domain_doc(xmlDoc *doc, VfTuneRuntime **out_runtime, GError **error);

G_END_DECLS
