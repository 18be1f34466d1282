/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-util.h: small helpers GLib 2.74 (Debian 12) does not have yet
 */
#pragma once

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <unistd.h>

static inline void
vf_close_fdp(int *fd)
{
    if (*fd >= 0) {
        int errsv = errno;

        close(*fd);
        errno = errsv;
    }
}

/* g_autofd arrived in GLib 2.76: an int fd closed at scope exit, errno preserved */
#define vf_autofd __attribute__((cleanup(vf_close_fdp)))

/* A comparator for g_ptr_array_sort() of strings: it hands over pointers to the elements */
static inline int
vf_strcmp_ptrs(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/* The index of @name in a table of @n names (a *_to_string() table), or -1. */
static inline int
vf_name_index(const char *const *names, guint n, const char *name)
{
    for (guint i = 0; name && i < n; i++)
        if (names[i] && g_str_equal(name, names[i]))
            return (int)i;
    return -1;
}

/* A kernel driver or module name as VirtFlow accepts it from a file it reads back (a
 * device record, a journal, a domain's record): [A-Za-z0-9_.-], 1 to 255 characters, not
 * starting with a dot: nothing that could walk a path ("/", ".."). The same rule as the
 * domain record's drivers (vf_domain_record_is_valid_driver); one rule for every place
 * such a name goes into a sysfs path or a module load. */
static inline gboolean
vf_kernel_name_is_valid(const char *name)
{
    gsize len = name ? strlen(name) : 0;

    if (len == 0 || len > 255 || name[0] == '.')
        return FALSE;
    for (const char *p = name; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-' && *p != '.')
            return FALSE;
    return TRUE;
}
