/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-libvirt-dl.h: libvirt, opened with dlopen() when first needed
 *
 * libvirtflow has no DT_NEEDED on libvirt: a process that only uses the host side (the
 * GObject API's VirtFlowHost, `virtflow gpu bind`) never maps libvirt and the ~50 shared
 * objects it pulls in. The first connection (vf_virt_init()) opens libvirt.so.0 and
 * libvirt-qemu.so.0 and resolves every function virt/ calls (vf-virt-private.h declares
 * them as sym_virFoo pointers). No libvirt header here: tests include it without them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VF_LIBVIRT_SONAME      "libvirt.so.0"
#define VF_LIBVIRT_QEMU_SONAME "libvirt-qemu.so.0"

/* Opens libvirt once per process (thread-safe) and resolves its functions. TRUE when they
 * are usable; else FALSE and VF_ERROR_LIBVIRT naming the library, dlerror()'s reason and
 * the Debian package to install (the same error on every later call). */
gboolean vf_libvirt_load(GError **error);

/* For tests: as vf_libvirt_load() with other library names, not cached. On failure nothing
 * changes (the pointers of an earlier successful load stay). */
gboolean vf_libvirt_load_sonames(const char *soname, const char *qemu_soname, GError **error);

/* TRUE once a load succeeded in this process. */
gboolean vf_libvirt_is_loaded(void);

G_END_DECLS
