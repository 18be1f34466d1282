/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-cpulist.c: the kernel's CPU list format (see vf-cpulist.h) */
#include "tune/vf-cpulist.h"

#include "core/vf-error.h"

#include <string.h>

/* A CPU number: decimal digits only, below VF_CPULIST_MAX_CPUS; *@p moves past it. */
static gboolean
vf_cpulist_number(const char **p, guint *ret_cpu)
{
    guint value = 0;
    const char *s = *p;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    for (; g_ascii_isdigit(*s); s++) {
        value = value * 10 + (guint)(*s - '0');
        if (value >= VF_CPULIST_MAX_CPUS)
            return FALSE;
    }
    *p = s;
    *ret_cpu = value;
    return TRUE;
}

gboolean
vf_cpulist_parse(const char *text, const char *what, GByteArray **ret_mask, guint *ret_count,
                 GError **error)
{
    g_autoptr(GByteArray) mask = g_byte_array_new();
    g_autofree char *copy = NULL;
    const char *p;
    guint count = 0;

    if (text == NULL || strlen(text) > VF_CPULIST_MAX_LEN) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is %s: a CPU list is like '0-3,8-11' and at most %d characters", what,
                    text ? "too long" : "missing", VF_CPULIST_MAX_LEN);
        return FALSE;
    }
    copy = g_strstrip(g_strdup(text));
    p = copy;
    if (*p == '\0') {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is empty: it must name at least one CPU, like '0-3,8-11'", what);
        return FALSE;
    }
    for (;;) {
        guint first, last;

        if (!vf_cpulist_number(&p, &first))
            goto bad;
        last = first;
        if (*p == '-') {
            p++;
            if (!vf_cpulist_number(&p, &last) || last < first)
                goto bad;
        }
        if (mask->len < last / 8 + 1) {
            guint old = mask->len;

            g_byte_array_set_size(mask, last / 8 + 1);
            memset(mask->data + old, 0, mask->len - old);
        }
        for (guint cpu = first; cpu <= last; cpu++) {
            if (!(mask->data[cpu / 8] & (1u << (cpu % 8))))
                count++;
            mask->data[cpu / 8] |= (guint8)(1u << (cpu % 8));
        }
        if (*p == '\0')
            break;
        if (*p != ',')
            goto bad;
        p++;
    }
    *ret_mask = g_steal_pointer(&mask);
    if (ret_count)
        *ret_count = count;
    return TRUE;
bad:
    g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                "%s '%s' is not a CPU list: expected CPU numbers below %d and ranges, like "
                "'0-3,8-11' (at character %d)",
                what, copy, VF_CPULIST_MAX_CPUS, (int)(p - copy) + 1);
    return FALSE;
}

gboolean
vf_cpulist_intersects(const GByteArray *a, const GByteArray *b)
{
    for (guint i = 0; i < MIN(a->len, b->len); i++)
        if (a->data[i] & b->data[i])
            return TRUE;
    return FALSE;
}
