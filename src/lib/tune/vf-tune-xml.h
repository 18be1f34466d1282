/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-tune-xml.h: a tune plan written into a domain XML, and its exact undo
 *
 * The rewrite (libxml2, keeping the document's layout as domain/ does):
 *  - <vcpu placement='static'>N</vcpu>, N = cores × threads;
 *  - <iothreads>D</iothreads> and <driver iothread='k'> on each of the D virtio disks;
 *  - <cputune>: one <vcpupin> per vCPU, <emulatorpin> and one <iothreadpin> per I/O
 *    thread on the host's CPUs;
 *  - <cpu mode='host-passthrough' check='none' migratable='off'> with
 *    <topology sockets='1' dies='1' cores='C' threads='T'/>, <cache mode='passthrough'/>,
 *    <feature policy='require' name='topoext'/> on AMD (the <feature>s the VM had stay);
 *  - <memoryBacking><hugepages><page size='S' unit='KiB'/></hugepages> (what else the VM's
 *    <memoryBacking> held stays) when the plan uses huge pages;
 *  - <numatune><memory mode='preferred' nodeset='N'/></numatune> on a host with several
 *    NUMA nodes (N: the plan's node).
 *
 * The record (namespace VF_TUNE_XML_NAMESPACE, see vf-tune-runtime.h), beside the
 * attributes the run time reads:
 *
 *   <vftune:tune host-cpus="0,16" vm-cpus="8-15,24-31" isolate="no" cores="8" threads="2">
 *     <vftune:hugepages size-kib="2048" count="8192"/>
 *     <vftune:original element="vcpu"><vcpu placement="static">8</vcpu></vftune:original>
 *     <vftune:original element="cputune"/>              (none before: tune's goes at undo)
 *     <vftune:disk target="vda" driver="added"/>         (<driver> added by tune)
 *     <vftune:disk target="vdb" iothread="2"/>           (the iothread it had)
 *     <vftune:added element="metadata"/>                 (tune created <metadata>)
 *   </vftune:tune>
 *
 * Undo puts every original element back where tune's is (verbatim), removes what tune
 * added, and gives the disks their driver attributes back. Activate's record and tune's
 * share <metadata>: whichever record goes last takes <metadata> with it when one of them
 * created it (the one that goes first hands "added metadata" over to the other).
 *
 * Pure functions of strings: no libvirt, no I/O.
 */
#pragma once

#include "tune/vf-tune.h"

#include <glib.h>

G_BEGIN_DECLS

/* Virtio disks a record may list. */
#define VF_TUNE_RECORD_MAX_DISKS 256

/*
 * Writes @plan into the domain @xml. A domain tuned before is first put back, so that the
 * recorded originals stay the ones from before the first tune. Without @replace, a
 * <cputune>, <iothreads>/<iothreadids>, huge pages in <memoryBacking>, a <numatune> (on a
 * multi-node host) or a <cpu> with a
 * <numa> or a topology other than one socket of single-thread cores that tune did not
 * write is refused (VF_ERROR_INVALID_ARGUMENT naming it and --replace).
 *
 * Returns: (transfer full): the new XML, or NULL with @error set (also VF_ERROR_XML for
 * XML that is not a domain or a damaged tune record).
 */
char *vf_tune_xml_apply(const char *xml, const VfTunePlan *plan, gboolean replace, GError **error);

/*
 * Undo vf_tune_xml_apply(). Returns: (transfer full): the domain as before the tune (@xml
 * unchanged when it has no tune record), or NULL with VF_ERROR_XML (damaged record).
 */
char *vf_tune_xml_undo(const char *xml, GError **error);

/* TRUE when @a and @b are the same domain: equal canonical XML (C14N) once the layout's
 * blank text is dropped, so that libvirt's quotes, attribute order and indentation do not
 * count. FALSE when they differ or either is not well-formed XML. */
gboolean vf_tune_xml_equal(const char *a, const char *b);

/* What planning needs from a domain. */
typedef struct {
    char *name;
    guint vcpus;        /* current vCPUs (<vcpu current=…> or its count) */
    guint64 memory_kib; /* <memory> */
    char *gpu;          /* the GPU of Activate's record, else the first PCI <hostdev>, or NULL */
    gboolean tuned;     /* carries a tune record */
    guint n_virtio_disks;
} VfTuneDomain;

void vf_tune_domain_free(VfTuneDomain *dom);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTuneDomain, vf_tune_domain_free)

/* Returns: (transfer full): what @xml says, or NULL with VF_ERROR_XML. */
VfTuneDomain *vf_tune_xml_inspect(const char *xml, GError **error);

/* The tune record, checked as undo checks it. */
typedef struct {
    GArray *host_cpus; /* guint */
    GArray *vm_cpus;   /* guint */
    char *host_cpus_text;
    char *vm_cpus_text;
    gboolean isolate;
    guint cores, threads; /* 0 when not recorded */
    guint64 hugepage_size_kib;
    guint64 hugepage_count;
    GArray *vcpupin; /* guint: the host CPU of each <vcpupin> of the domain (G_MAXUINT: a set) */
} VfTuneRecord;

void vf_tune_record_free(VfTuneRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTuneRecord, vf_tune_record_free)

/*
 * Reads the tune record of @xml: TRUE and *@out_record NULL when there is none; FALSE
 * with VF_ERROR_XML ("Domain 'w' has a damaged tune record: …") when it is damaged.
 */
gboolean vf_tune_xml_read_record(const char *xml, VfTuneRecord **out_record, GError **error);

G_END_DECLS
