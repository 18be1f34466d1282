/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * LD_PRELOAD for test-libvirt-not-needed.sh: a machine without libvirt's libraries, for the
 * dlopen() of src/lib/virt/vf-libvirt-dl.c. Asked for libvirt.so.0 or libvirt-qemu.so.0,
 * dlopen() opens a name that does not exist instead, so that dlerror() says what it says on
 * such a machine. Everything else goes to the real dlopen().
 */
#include <dlfcn.h>
#include <string.h>

void *dlopen(const char *file, int flags);

void *
dlopen(const char *file, int flags)
{
    static void *(*real_dlopen)(const char *, int);

    if (real_dlopen == NULL)
        real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
    if (file != NULL && strncmp(file, "libvirt", strlen("libvirt")) == 0)
        file = strcmp(file, "libvirt.so.0") == 0 ? "vf-test-missing/libvirt.so.0"
                                                 : "vf-test-missing/libvirt-qemu.so.0";
    return real_dlopen(file, flags);
}
