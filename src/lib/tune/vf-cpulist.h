/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-cpulist.h: the kernel's CPU list format ("0-3,8-11"), tune/ internal
 *
 * What /sys/devices/system/cpu/online, cpuset.cpus, Cpus_allowed_list and the tune record
 * use (lib/bitmap.c bitmap_parselist()): comma-separated CPU numbers and inclusive ranges,
 * ascending or not. Read back into a bitmask in systemd's D-Bus layout for AllowedCPUs
 * (an `ay`: bit N%8 of byte N/8 is CPU N), the form `systemctl set-property` sends. The
 * format itself is read by vf_cpu_list_parse() (vf-topology.h), the one reader.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The kernel's CONFIG_NR_CPUS maximum: a CPU number at or above it is no CPU. */
#define VF_CPULIST_MAX_CPUS 8192 /* = VF_CPU_MAX of vf-topology.h, whose reader this uses */
/* A list longer than this is not one the kernel or `virtflow tune` writes. */
#define VF_CPULIST_MAX_LEN 4096

/*
 * Parses @text, a non-empty kernel CPU list (surrounding whitespace allowed): TRUE with
 * *@ret_mask (owned; systemd's byte layout, as long as the highest CPU needs, never empty)
 * and *@ret_count, the number of CPUs in it; FALSE with VF_ERROR_INVALID_ARGUMENT naming
 * what is wrong (@what, "host-cpus", names the list in the message).
 */
gboolean vf_cpulist_parse(const char *text, const char *what, GByteArray **ret_mask,
                          guint *ret_count, GError **error);

/* TRUE when the two masks share a CPU. */
gboolean vf_cpulist_intersects(const GByteArray *a, const GByteArray *b);

G_END_DECLS
