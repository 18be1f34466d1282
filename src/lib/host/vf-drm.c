/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-drm.h"

#include "host/vf-pci.h"

#include <stdio.h>
#include <string.h>

/* The connector directories of the card at @card_dir (a kernel path): "cardN-NAME". */
static GPtrArray *
vf_drm_card_connectors(VfHost *host, const char *card_dir, const char *card)
{
    g_autoptr(GPtrArray) entries = vf_host_list_dir(host, card_dir);
    g_autofree char *prefix = g_strconcat(card, "-", NULL);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; entries && i < entries->len; i++)
        if (g_str_has_prefix(entries->pdata[i], prefix))
            g_ptr_array_add(out, g_strdup(entries->pdata[i]));
    return out;
}

static gboolean
vf_drm_is_connected(VfHost *host, const char *card_dir, const char *connector)
{
    g_autofree char *path = g_strconcat(card_dir, "/", connector, "/status", NULL);
    g_autofree char *status = vf_host_read_opt(host, path);

    return g_strcmp0(status, "connected") == 0;
}

GPtrArray *
vf_drm_list_connectors(VfHost *host, const char *address)
{
    g_autofree char *drm_dir = vf_pci_device_path(address, "drm");
    g_autoptr(GPtrArray) cards = vf_host_list_dir(host, drm_dir);
    g_autoptr(GPtrArray) connected = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; cards && i < cards->len; i++) {
        const char *card = cards->pdata[i];
        g_autofree char *card_dir = NULL;
        g_autoptr(GPtrArray) connectors = NULL;

        /* "card1", not "renderD129" nor a connector */
        if (!g_str_has_prefix(card, "card") || strchr(card, '-'))
            continue;
        card_dir = g_strconcat(drm_dir, "/", card, NULL);
        connectors = vf_drm_card_connectors(host, card_dir, card);
        for (guint j = 0; j < connectors->len; j++) {
            const char *name = (const char *)connectors->pdata[j] + strlen(card) + 1;

            g_ptr_array_add(vf_drm_is_connected(host, card_dir, connectors->pdata[j]) ? connected
                                                                                      : out,
                            g_strdup(name));
        }
    }
    /* connected first */
    for (guint i = connected->len; i > 0; i--)
        g_ptr_array_insert(out, 0, g_steal_pointer(&connected->pdata[i - 1]));
    return out;
}

/* The PCI address in a /sys/class/drm/cardN link's target
 * ("../../devices/pci0000:00/0000:00:02.0/drm/card0"), or NULL. */
static char *
vf_drm_card_address(VfHost *host, const char *card)
{
    g_autofree char *link = g_strconcat("/sys/class/drm/", card, NULL);
    g_autofree char *target = vf_host_readlink(host, link);
    g_auto(GStrv) parts = target ? g_strsplit(target, "/", -1) : NULL;
    guint n = parts ? g_strv_length(parts) : 0;

    for (guint i = n; i >= 2; i--)
        if (g_str_equal(parts[i - 1], "drm") && i >= 2)
            return g_strdup(parts[i - 2]);
    return NULL;
}

gboolean
vf_drm_get_largest_mode(VfHost *host, const char *exclude_address, guint *ret_width,
                        guint *ret_height)
{
    g_autoptr(GPtrArray) cards = vf_host_list_dir(host, "/sys/class/drm");
    guint best_w = 0, best_h = 0;

    for (guint i = 0; cards && i < cards->len; i++) {
        const char *card = cards->pdata[i];
        g_autofree char *card_dir = NULL;
        g_autofree char *address = NULL;
        g_autoptr(GPtrArray) connectors = NULL;

        if (!g_str_has_prefix(card, "card") || strchr(card, '-'))
            continue;
        address = vf_drm_card_address(host, card);
        if (exclude_address && address && vf_pci_address_same_slot(address, exclude_address))
            continue;
        card_dir = g_strconcat("/sys/class/drm/", card, NULL);
        connectors = vf_drm_card_connectors(host, card_dir, card);
        for (guint j = 0; j < connectors->len; j++) {
            g_autofree char *path = NULL;
            g_autofree char *modes = NULL;
            g_auto(GStrv) lines = NULL;

            if (!vf_drm_is_connected(host, card_dir, connectors->pdata[j]))
                continue;
            path = g_strconcat(card_dir, "/", connectors->pdata[j], "/modes", NULL);
            modes = vf_host_read_opt(host, path);
            lines = modes ? g_strsplit(modes, "\n", -1) : NULL;
            for (guint k = 0; lines && lines[k]; k++) {
                guint w = 0, h = 0;

                /* "1920x1080", "1920x1080i" */
                if (sscanf(lines[k], "%ux%u", &w, &h) != 2 || w == 0 || h == 0)
                    continue;
                if ((guint64)w * h > (guint64)best_w * best_h) {
                    best_w = w;
                    best_h = h;
                }
            }
        }
    }
    if (best_w == 0)
        return FALSE;
    *ret_width = best_w;
    *ret_height = best_h;
    return TRUE;
}
