/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-tune-runtime.c: the run-time part of a tune record (see vf-tune-runtime.h) */
#include "tune/vf-tune-runtime.h"

void
vf_tune_runtime_free(VfTuneRuntime *rt)
{
    if (rt == NULL)
        return;
    g_free(rt->host_cpus);
    g_free(rt->vm_cpus);
    g_free(rt);
}

gboolean
vf_tune_runtime_from_domain_xml(const char *xml, VfTuneRuntime **out_runtime, GError **error)
{
    (void)xml;
    (void)error;
    /* placeholder until the reader lands: no record */
    *out_runtime = NULL;
    return TRUE;
}
