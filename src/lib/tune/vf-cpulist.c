/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-cpulist.c: the kernel's CPU list format (see vf-cpulist.h) */
#include "tune/vf-cpulist.h"

#include "core/vf-error.h"
#include "tune/vf-topology.h"

#include <string.h>

gboolean
vf_cpulist_parse(const char *text, const char *what, GByteArray **ret_mask, guint *ret_count,
                 GError **error)
{
    g_autoptr(GByteArray) mask = g_byte_array_new();
    g_autoptr(GArray) cpus = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *copy = NULL;

    if (text == NULL || strlen(text) > VF_CPULIST_MAX_LEN) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is %s: a CPU list is like '0-3,8-11' and at most %d characters", what,
                    text ? "too long" : "missing", VF_CPULIST_MAX_LEN);
        return FALSE;
    }
    /* one reader of the format (vf_cpu_list_parse()); a record's list must name a CPU */
    copy = g_strstrip(g_strdup(text));
    if (*copy == '\0') {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is empty: it must name at least one CPU, like '0-3,8-11'", what);
        return FALSE;
    }
    cpus = vf_cpu_list_parse(copy, &local);
    if (cpus == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s '%s' is not a CPU list: expected CPU numbers below %d and ranges, like "
                    "'0-3,8-11'",
                    what, copy, VF_CPULIST_MAX_CPUS);
        return FALSE;
    }
    /* sorted: the last CPU sizes the mask */
    g_byte_array_set_size(mask, g_array_index(cpus, guint, cpus->len - 1) / 8 + 1);
    memset(mask->data, 0, mask->len);
    for (guint i = 0; i < cpus->len; i++) {
        guint cpu = g_array_index(cpus, guint, i);

        mask->data[cpu / 8] |= (guint8)(1u << (cpu % 8));
    }
    *ret_mask = g_steal_pointer(&mask);
    if (ret_count)
        *ret_count = cpus->len;
    return TRUE;
}

gboolean
vf_cpulist_intersects(const GByteArray *a, const GByteArray *b)
{
    for (guint i = 0; i < MIN(a->len, b->len); i++)
        if (a->data[i] & b->data[i])
            return TRUE;
    return FALSE;
}
