/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-interrupts.c: vfio's interrupts in /proc/interrupts (see vf-interrupts.h) */
#include "host/vf-interrupts.h"

#include "core/vf-error.h"
#include "host/vf-pci.h"

#include <string.h>

static const char *const vf_irq_kind_names[] = {
    [VF_IRQ_INTX] = "INTx",
    [VF_IRQ_MSI] = "MSI",
    [VF_IRQ_MSIX] = "MSI-X",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_irq_kind_names) == VF_IRQ_LAST);

const char *
vf_irq_kind_to_string(VfIrqKind kind)
{
    return kind < VF_IRQ_LAST ? vf_irq_kind_names[kind] : "unknown";
}

/* "vfio-msix[3](0000:01:00.0)": the kind, vector and address, or FALSE. */
static gboolean
vf_interrupts_parse_name(const char *token, VfVfioIrq *irq)
{
    const char *p;
    const char *close;
    g_autofree char *address = NULL;
    g_autofree char *canon = NULL;
    guint64 vector = 0;

    if (g_str_has_prefix(token, "vfio-intx(")) {
        irq->kind = VF_IRQ_INTX;
        p = token + strlen("vfio-intx");
    } else {
        if (g_str_has_prefix(token, "vfio-msix["))
            irq->kind = VF_IRQ_MSIX, p = token + strlen("vfio-msix[");
        else if (g_str_has_prefix(token, "vfio-msi["))
            irq->kind = VF_IRQ_MSI, p = token + strlen("vfio-msi[");
        else
            return FALSE;
        close = strchr(p, ']');
        if (close == NULL || close == p || close - p > 5 ||
            strspn(p, "0123456789") != (size_t)(close - p))
            return FALSE;
        {
            g_autofree char *digits = g_strndup(p, (gsize)(close - p));

            if (!g_ascii_string_to_unsigned(digits, 10, 0, 65535, &vector, NULL))
                return FALSE;
        }
        p = close + 1;
    }
    if (*p != '(' || (close = strchr(p, ')')) == NULL || close[1] != '\0' || close - p - 1 > 12)
        return FALSE;
    address = g_strndup(p + 1, (gsize)(close - p - 1));
    if ((canon = vf_pci_address_normalize(address, NULL)) == NULL || strlen(canon) != 12)
        return FALSE;
    memcpy(irq->address, canon, 13);
    irq->vector = (guint)vector;
    return TRUE;
}

GArray *
vf_interrupts_parse_vfio(const char *text)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(VfVfioIrq));
    const char *line = text;

    while (line && *line) {
        const char *end = strchr(line, '\n');
        g_autofree char *copy = end ? g_strndup(line, (gsize)(end - line)) : g_strdup(line);
        g_auto(GStrv) tokens = NULL;
        VfVfioIrq irq = {0};
        guint n_counts = 0;
        guint n;
        guint i;

        line = end ? end + 1 : NULL;
        /* only lines that can be vfio's are split */
        if (strstr(copy, "vfio-") == NULL)
            continue;
        tokens = g_strsplit_set(copy, " \t", -1);
        n = g_strv_length(tokens);
        /* "IRQ:" first, then one count per CPU, then the chip and the names */
        for (i = 0; i < n && *tokens[i] == '\0'; i++)
            ;
        if (i >= n || !g_str_has_suffix(tokens[i], ":"))
            continue;
        for (i++; i < n; i++) {
            guint64 c = 0;

            if (*tokens[i] == '\0')
                continue;
            if (strspn(tokens[i], "0123456789") != strlen(tokens[i]) ||
                !g_ascii_string_to_unsigned(tokens[i], 10, 0, G_MAXUINT32, &c, NULL))
                break;
            irq.count += c;
            n_counts++;
        }
        /* a device's line has a count per CPU: at least one */
        if (n_counts == 0)
            continue;
        /* then the chip, the hwirq and the names: a shared line's names are joined with
         * ", " (kernel/irq/proc.c show_interrupts()), so every token may be one */
        for (; i < n; i++) {
            gsize len = strlen(tokens[i]);

            if (len > 0 && tokens[i][len - 1] == ',')
                tokens[i][len - 1] = '\0';
            if (vf_interrupts_parse_name(tokens[i], &irq))
                g_array_append_val(out, irq);
        }
    }
    return out;
}

GArray *
vf_interrupts_read_vfio(VfHost *host, GError **error)
{
    g_autofree char *text = vf_host_read(host, VF_INTERRUPTS_PATH, error);

    if (text == NULL)
        return NULL;
    if (strlen(text) > VF_INTERRUPTS_MAX_BYTES) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "%s is larger than %d bytes", VF_INTERRUPTS_PATH,
                    VF_INTERRUPTS_MAX_BYTES);
        return NULL;
    }
    return vf_interrupts_parse_vfio(text);
}
