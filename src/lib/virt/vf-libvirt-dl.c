/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libvirt, opened with dlopen() on first use (vf-libvirt-dl.h), as systemd opens its optional
 * libraries and as vf-pci.c and vf-host.c open libpci and libkmod: a process that never
 * connects to libvirt does not map it nor the shared objects it needs.
 */
#include "virt/vf-virt-private.h"

#include "core/vf-error.h"

#include <dlfcn.h>
#include <string.h>

#define VF_LIBVIRT_DEFINE_SYM(name) __typeof__(name) *sym_##name;
VF_LIBVIRT_SYMBOLS(VF_LIBVIRT_DEFINE_SYM)
VF_LIBVIRT_QEMU_SYMBOLS(VF_LIBVIRT_DEFINE_SYM)
#undef VF_LIBVIRT_DEFINE_SYM

typedef struct {
    const char *name;
    void **ptr;
} VfLibvirtSym;

#define VF_LIBVIRT_SYM_ENTRY(name) {#name, (void **)&sym_##name},
static const VfLibvirtSym vf_libvirt_syms[] = {VF_LIBVIRT_SYMBOLS(VF_LIBVIRT_SYM_ENTRY)};
static const VfLibvirtSym vf_libvirt_qemu_syms[] = {VF_LIBVIRT_QEMU_SYMBOLS(VF_LIBVIRT_SYM_ENTRY)};
#undef VF_LIBVIRT_SYM_ENTRY

static GMutex vf_libvirt_lock;
static gint vf_libvirt_loaded;

#define VF_LIBVIRT_FIX                                                                             \
    "Install libvirt: apt install libvirt0 (and libvirt-daemon-system to run VMs on this "         \
    "machine)"

/* dlerror()'s text without the library name (or path) it starts with, which our message
 * already has: "libvirt.so.0: cannot open shared object file: ..." */
static const char *
vf_libvirt_dlerror(const char *soname)
{
    const char *why = dlerror();
    const char *colon;

    if (why == NULL)
        return "unknown error";
    colon = strstr(why, ": ");
    if (colon != NULL && colon - why >= (ptrdiff_t)strlen(soname) &&
        strncmp(colon - strlen(soname), soname, strlen(soname)) == 0)
        why = colon + 2;
    return why;
}

/* Opens @soname and resolves @syms into @ret_ptrs (parallel to @syms): the handle, or NULL
 * and an error naming the library and the fix. */
static void *
vf_libvirt_open(const char *soname, const VfLibvirtSym *syms, gsize n_syms, void **ret_ptrs,
                GError **error)
{
    void *lib;

    (void)dlerror();
    lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_LIBVIRT,
                    "Cannot load libvirt's library %s, which the VM commands need: %s", soname,
                    vf_libvirt_dlerror(soname));
        vf_error_add_fix(error, VF_LIBVIRT_FIX);
        return NULL;
    }
    for (gsize i = 0; i < n_syms; i++) {
        (void)dlerror();
        ret_ptrs[i] = dlsym(lib, syms[i].name);
        if (ret_ptrs[i] == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_LIBVIRT,
                        "libvirt's library %s has no %s (%s): VirtFlow needs libvirt 9.0 or later",
                        soname, syms[i].name, vf_libvirt_dlerror(soname));
            vf_error_add_fix(error, "Upgrade libvirt: apt install libvirt0");
            dlclose(lib);
            return NULL;
        }
    }
    return lib;
}

gboolean
vf_libvirt_load_sonames(const char *soname, const char *qemu_soname, GError **error)
{
    void *ptrs[G_N_ELEMENTS(vf_libvirt_syms)];
    void *qemu_ptrs[G_N_ELEMENTS(vf_libvirt_qemu_syms)];
    void *lib, *qemu_lib;

    g_return_val_if_fail(soname != NULL && qemu_soname != NULL, FALSE);

    /* dlerror() is per thread, but one load at a time keeps the pointers consistent */
    g_mutex_lock(&vf_libvirt_lock);
    lib = vf_libvirt_open(soname, vf_libvirt_syms, G_N_ELEMENTS(vf_libvirt_syms), ptrs, error);
    qemu_lib = lib ? vf_libvirt_open(qemu_soname, vf_libvirt_qemu_syms,
                                     G_N_ELEMENTS(vf_libvirt_qemu_syms), qemu_ptrs, error)
                   : NULL;
    if (qemu_lib == NULL) {
        if (lib)
            dlclose(lib);
        g_mutex_unlock(&vf_libvirt_lock);
        return FALSE;
    }
    /* never closed: libvirt's event thread and its connections live as long as the process */
    for (gsize i = 0; i < G_N_ELEMENTS(vf_libvirt_syms); i++)
        *vf_libvirt_syms[i].ptr = ptrs[i];
    for (gsize i = 0; i < G_N_ELEMENTS(vf_libvirt_qemu_syms); i++)
        *vf_libvirt_qemu_syms[i].ptr = qemu_ptrs[i];
    g_atomic_int_set(&vf_libvirt_loaded, TRUE);
    g_mutex_unlock(&vf_libvirt_lock);
    return TRUE;
}

gboolean
vf_libvirt_load(GError **error)
{
    static gsize done;
    static GError *failure; /* kept: every later call fails the same way */

    if (g_once_init_enter(&done)) {
        vf_libvirt_load_sonames(VF_LIBVIRT_SONAME, VF_LIBVIRT_QEMU_SONAME, &failure);
        g_once_init_leave(&done, 1);
    }
    if (failure) {
        g_propagate_error(error, g_error_copy(failure));
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_libvirt_is_loaded(void)
{
    return g_atomic_int_get(&vf_libvirt_loaded);
}
