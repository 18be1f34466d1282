/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-proc-interrupts: /proc/interrupts as `virtflow doctor VM` reads it (issue 14)
 *
 * Input: the whole file. A host root may be a captured tree (--host-root), so the file is
 * input VirtFlow does not control: it must never crash, and every vfio line read back
 * must name a canonical PCI address.
 */
#include "vf-fuzz.h"

#include "host/vf-interrupts.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    vf_fuzz_init_glib();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GArray) irqs = vf_interrupts_parse_vfio(text);

    vf_fuzz_check(irqs != NULL);
    for (guint i = 0; i < irqs->len; i++) {
        const VfVfioIrq *irq = &g_array_index(irqs, VfVfioIrq, i);

        vf_fuzz_check(irq->kind < VF_IRQ_LAST);
        vf_fuzz_check(strlen(irq->address) == 12 && irq->address[4] == ':' &&
                      irq->address[7] == ':' && irq->address[10] == '.');
    }
    return 0;
}
