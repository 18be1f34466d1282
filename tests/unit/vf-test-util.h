/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-test-util.h: fake hosts for the unit tests
 *
 * Each test builds the machine it needs from a VfKmodelDevice table in a fresh directory
 * under $TMPDIR and removes it afterwards; nothing outside that directory is read or
 * written (the host root is passed explicitly, never "/").
 */
#pragma once

#include "host/vf-gpu.h"
#include "demo/vf-kmodel.h"
#include "host/vf-transition.h"
#include "core/vf-error.h"

#include <string.h>

G_BEGIN_DECLS

typedef struct {
    char *root;   /* the temporary directory holding the tree */
    VfHost *host; /* rooted there; the kernel model attached unless asked otherwise */
} VfTestHost;

/* Builds @spec in a new temporary directory; asserts on failure. */
VfTestHost *vf_test_host_new(const VfKmodelHost *spec, gboolean attach);
/* Frees the host and removes the tree. */
void vf_test_host_free(VfTestHost *th);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTestHost, vf_test_host_free)

VfKmodel *vf_test_host_model(VfTestHost *th);
char *vf_test_host_snapshot(VfTestHost *th);
/* A real path inside the tree for a root-relative path ("var/lib/virtflow/journal"). */
char *vf_test_host_path(VfTestHost *th, const char *rel);
/* Writes @contents to a root-relative file, creating directories. */
void vf_test_host_write(VfTestHost *th, const char *rel, const char *contents);
/* A running process @comm as pid @pid that started at @started (seconds since the epoch):
 * /proc/PID/comm, exe (→ /usr/sbin/COMM) and stat with its start in clock ticks after a
 * boot time written to /proc/stat (btime), as the kernel shows them (a libvirtd, say). */
void vf_test_host_add_process(VfTestHost *th, gint pid, const char *comm, gint64 started);
/* The number of entries of a real directory (0 when it does not exist). */
guint vf_test_count_entries(const char *dir);

/* vf_host_report_new() that must succeed. */
VfHostReport *vf_test_report(VfTestHost *th);
/* The GPU whose display function is @address, asserting it is in the report. */
VfGpu *vf_test_gpu(VfHostReport *report, const char *address);
/* "boot-vga display-active", "" when eligible: the codes a user sees, in order. */
char *vf_test_gpu_blockers(const VfGpu *gpu);
/* The first blocker of @kind, or NULL. */
const VfBlocker *vf_test_gpu_blocker(const VfGpu *gpu, VfBlockerKind kind);
/* "0000:01:00.0 0000:01:00.1": the passthrough set. */
char *vf_test_gpu_set(const VfGpu *gpu);
/* "0000:01:00.0=vfio-pci 0000:01:00.1=snd_hda_intel", "-" for no driver, from a fresh scan. */
char *vf_test_drivers(VfTestHost *th, const char *const *addresses);

void vf_test_rm_rf(const char *path);

/* The tests run with non-fatal assertions (one failure does not hide the others): these
 * read a message without crashing when the assertion before them has already failed. */
#define VF_MSG(error)    ((error) ? (error)->message : NULL)
#define VF_BMSG(blocker) ((blocker) ? (blocker)->message : NULL)
#define VF_BFIX(blocker) ((blocker) ? (blocker)->fix : NULL)

void vf_test_assert_contains_impl(const char *file, int line, const char *func, const char *expr,
                                  const char *haystack, const char *needle);
#define vf_assert_contains(haystack, needle)                                                       \
    vf_test_assert_contains_impl(__FILE__, __LINE__, G_STRFUNC, #haystack, (haystack), (needle))

void vf_test_assert_not_contains_impl(const char *file, int line, const char *func,
                                      const char *expr, const char *haystack, const char *needle);
#define vf_assert_not_contains(haystack, needle)                                                   \
    vf_test_assert_not_contains_impl(__FILE__, __LINE__, G_STRFUNC, #haystack, (haystack), (needle))

/* Two snapshots of a tree must be equal; on failure, prints the first differing line. */
void vf_test_assert_snapshot_impl(const char *file, int line, const char *func, const char *before,
                                  const char *after);
#define vf_assert_snapshot_equal(before, after)                                                    \
    vf_test_assert_snapshot_impl(__FILE__, __LINE__, G_STRFUNC, (before), (after))

G_END_DECLS
