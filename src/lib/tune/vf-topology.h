/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-topology.h: the host's CPUs, caches, NUMA nodes and huge pages, as sysfs shows them
 *
 * Read under a VfHost root (tests and the demo use a model tree):
 *  - /sys/devices/system/cpu/online, cpuN/topology/{core_cpus_list (or
 *    thread_siblings_list), physical_package_id, core_id}, cpuN/cache/index3/shared_cpu_list
 *    (one L3 domain: a CCD on AMD);
 *  - /sys/devices/cpu_core/cpus and /sys/devices/cpu_atom/cpus (Intel hybrid: P and E);
 *  - /sys/devices/system/node/nodeN/cpulist;
 *  - /sys/kernel/mm/hugepages/hugepages-SIZEkB/{nr_hugepages,free_hugepages};
 *  - /proc/meminfo (MemTotal), /proc/cpuinfo (vendor_id and the first flags line).
 *
 * Also the kernel's cpu list format ("0-3,8-11"), read from files and records that may be
 * damaged: the parser bounds everything (VF_CPU_MAX).
 */
#pragma once

#include "host/vf-host.h"

#include <glib.h>

G_BEGIN_DECLS

/* CPU numbers are below this (the kernel's NR_CPUS is at most 8192). */
#define VF_CPU_MAX 8192

/*
 * Parses a kernel cpu list ("0-3,8-11", "", "5", a trailing newline allowed).
 * Returns: (transfer full): a sorted GArray of unique guint CPU numbers, or NULL with
 * VF_ERROR_INVALID_ARGUMENT naming the text and what is wrong.
 */
GArray *vf_cpu_list_parse(const char *text, GError **error);
/* Formats sorted unique CPU numbers as the kernel does ("0-3,8-11"; "" for none). */
char *vf_cpu_list_format(const guint *cpus, guint n_cpus);
/* As vf_cpu_list_format() for a GArray of guint (sorted and de-duplicated first). */
char *vf_cpu_list_format_array(GArray *cpus);

typedef struct {
    guint index;    /* in VfTopology.cores */
    guint package;  /* physical_package_id */
    guint core_id;  /* core_id */
    gint node;      /* NUMA node, -1 when the host shows none */
    gint l3;        /* the first CPU of its L3 domain, -1 when unknown */
    gboolean ecore; /* an efficiency core of an Intel hybrid CPU */
    GArray *cpus;   /* guint: its online threads, ascending */
} VfCpuCore;

typedef struct {
    guint64 size_kib;
    guint64 nr;   /* nr_hugepages */
    guint64 free; /* free_hugepages */
} VfHugepagePool;

typedef struct {
    GPtrArray *cores; /* VfCpuCore *, by their first CPU */
    GArray *online;   /* guint: online CPUs */
    gboolean hybrid;  /* cpu_atom/cpus lists some CPUs */
    guint n_nodes;    /* NUMA nodes with CPUs (0: no node directory) */
    char *vendor;     /* "AuthenticAMD", "GenuineIntel", NULL when unknown */
    char *model_name; /* /proc/cpuinfo "model name", or NULL */
    gboolean amd;
    gboolean topoext; /* the flag in /proc/cpuinfo */
    gboolean pdpe1gb; /* the CPU has 1 GiB pages */
    guint64 mem_total_kib;
    GArray *hugepages; /* VfHugepagePool, by size */
} VfTopology;

/*
 * Reads the topology of @host. Returns: (transfer full): the topology, or NULL with
 * VF_ERROR_NOT_FOUND / VF_ERROR_IO naming the file that is missing or not what the kernel
 * writes (no online CPUs, a cpu list that is not one).
 */
VfTopology *vf_topology_read(VfHost *host, GError **error);
void vf_topology_free(VfTopology *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTopology, vf_topology_free)

/* The core holding @cpu, or NULL when @cpu is not online. */
const VfCpuCore *vf_topology_core_of(const VfTopology *topo, guint cpu);
/* The huge page pool of @size_kib, or NULL when the host has no such size. */
const VfHugepagePool *vf_topology_hugepages(const VfTopology *topo, guint64 size_kib);

/* The NUMA node of PCI device @address (/sys/bus/pci/devices/ADDR/numa_node): -1 when
 * unknown (no such file, or the kernel's -1 on a one-node host). */
gint vf_topology_pci_numa_node(VfHost *host, const char *address);

G_END_DECLS
