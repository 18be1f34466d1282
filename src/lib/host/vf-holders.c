/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who holds a GPU: processes with one of its device nodes open, or mapped.
 *
 * A compositor can map /dev/nvidia1 without keeping an fd that lsof would show, so
 * /proc/PID/maps is read as well as /proc/PID/fd.
 */
#include "host/vf-gpu.h"

#include <errno.h>
#include <string.h>

void
vf_holder_free(VfHolder *holder)
{
    if (holder == NULL)
        return;
    g_free(holder->comm);
    g_free(holder->node);
    g_free(holder->device);
    g_free(holder);
}

void
vf_node_rule_free(VfNodeRule *rule)
{
    if (rule == NULL)
        return;
    g_free(rule->pattern);
    g_free(rule->device);
    g_free(rule);
}

static void
vf_nodes_add(GPtrArray *rules, char *pattern, const char *address)
{
    VfNodeRule *rule = g_new0(VfNodeRule, 1);

    rule->pattern = pattern;
    rule->device = g_strdup(address);
    g_ptr_array_add(rules, rule);
}

void
vf_pci_device_collect_nodes(VfHost *host, const VfPciDevice *dev, GPtrArray *node_devices)
{
    g_autofree char *drm_dir = vf_pci_device_path(dev->address, "drm");
    g_autofree char *sound_dir = vf_pci_device_path(dev->address, "sound");
    g_autoptr(GPtrArray) drm = vf_host_list_dir(host, drm_dir);
    g_autoptr(GPtrArray) sound = vf_host_list_dir(host, sound_dir);

    /* DRM: card0, renderD128 → /dev/dri/NAME (controlD* is gone since Linux 6.8) */
    for (guint i = 0; drm && i < drm->len; i++) {
        const char *name = drm->pdata[i];

        if (g_str_has_prefix(name, "card") || g_str_has_prefix(name, "render"))
            vf_nodes_add(node_devices, g_strconcat("/dev/dri/", name, NULL), dev->address);
    }

    /* ALSA: the HDMI codec's cardN → controlCN, pcmCND*, hwCND* */
    for (guint i = 0; sound && i < sound->len; i++) {
        const char *name = sound->pdata[i];
        const char *n;

        if (!g_str_has_prefix(name, "card"))
            continue;
        n = name + 4;
        vf_nodes_add(node_devices, g_strconcat("/dev/snd/controlC", n, NULL), dev->address);
        vf_nodes_add(node_devices, g_strconcat("/dev/snd/pcmC", n, "D*", NULL), dev->address);
        vf_nodes_add(node_devices, g_strconcat("/dev/snd/hwC", n, "D*", NULL), dev->address);
    }

    /* NVIDIA's driver has its own nodes; the minor is in its procfs */
    if (g_strcmp0(dev->driver, "nvidia") == 0) {
        g_autofree char *info_path =
            g_strconcat("/proc/driver/nvidia/gpus/", dev->address, "/information", NULL);
        g_autofree char *info = vf_host_read_opt(host, info_path);
        const char *minor = info ? strstr(info, "Device Minor:") : NULL;

        if (minor) {
            guint64 n = g_ascii_strtoull(minor + strlen("Device Minor:"), NULL, 10);

            vf_nodes_add(node_devices, g_strdup_printf("/dev/nvidia%" G_GUINT64_FORMAT, n),
                         dev->address);
        } else {
            vf_nodes_add(node_devices, g_strdup("/dev/nvidia[0-9]*"), dev->address);
        }
    }

    /* on vfio-pci, the group node is what QEMU holds */
    if (g_strcmp0(dev->driver, "vfio-pci") == 0 && dev->iommu_group >= 0)
        vf_nodes_add(node_devices, g_strdup_printf("/dev/vfio/%d", dev->iommu_group), dev->address);
}

static gboolean
vf_node_matches(const char *pattern, const char *path)
{
    const char *digits = strstr(pattern, "[0-9]*");
    const char *star = strchr(pattern, '*');

    if (digits) {
        gsize plen = digits - pattern;
        const char *p = path + plen;

        if (strncmp(path, pattern, plen) != 0 || !g_ascii_isdigit(*p))
            return FALSE;
        while (g_ascii_isdigit(*p))
            p++;
        return *p == '\0';
    }
    if (star)
        return strncmp(path, pattern, star - pattern) == 0;
    return g_str_equal(path, pattern);
}

static void
vf_holders_add(GPtrArray *holders, gint pid, const char *comm, const char *node, const char *device,
               gboolean mapped)
{
    VfHolder *h;

    for (guint i = 0; i < holders->len; i++) {
        h = holders->pdata[i];
        if (h->pid == pid && g_str_equal(h->node, node) && g_str_equal(h->device, device))
            return;
    }
    h = g_new0(VfHolder, 1);
    h->pid = pid;
    h->comm = g_strdup(comm ? comm : "?");
    h->node = g_strdup(node);
    h->device = g_strdup(device);
    h->mapped = mapped;
    g_ptr_array_add(holders, h);
}

/* Every rule @node matches becomes a holder; the process's comm is read once, on demand. */
static void
vf_holders_match(VfHost *host, GPtrArray *holders, GPtrArray *rules, gint pid,
                 const char *comm_path, char **comm, const char *node, gboolean mapped)
{
    for (guint r = 0; r < rules->len; r++) {
        const VfNodeRule *rule = rules->pdata[r];

        if (!vf_node_matches(rule->pattern, node))
            continue;
        if (*comm == NULL)
            *comm = vf_host_read_opt(host, comm_path);
        vf_holders_add(holders, pid, *comm, node, rule->device, mapped);
    }
}

GPtrArray *
vf_host_find_holders(VfHost *host, GPtrArray *rules, gboolean *ret_complete)
{
    GPtrArray *holders = g_ptr_array_new_with_free_func((GDestroyNotify)vf_holder_free);
    g_autoptr(GPtrArray) pids = NULL;
    gboolean complete = TRUE;

    if (rules->len == 0)
        goto out;
    pids = vf_host_list_dir(host, "/proc");
    for (guint i = 0; pids && i < pids->len; i++) {
        const char *pid_name = pids->pdata[i];
        g_autofree char *fd_dir = NULL;
        g_autofree char *maps_path = NULL;
        g_autofree char *maps = NULL;
        g_autofree char *comm = NULL;
        g_autofree char *comm_path = NULL;
        g_autofree char *exe_path = NULL;
        g_autoptr(GPtrArray) fds = NULL;
        guint64 pid;

        if (!g_ascii_string_to_unsigned(pid_name, 10, 1, G_MAXINT, &pid, NULL))
            continue;
        /* A kernel thread or a zombie has no executable and holds no file: one readlink
         * spares the fd and maps reads of most PIDs (each costly under emulation). */
        exe_path = g_strconcat("/proc/", pid_name, "/exe", NULL);
        if (vf_host_readlink_errno(host, exe_path) == ENOENT)
            continue;
        comm_path = g_strconcat("/proc/", pid_name, "/comm", NULL);
        fd_dir = g_strconcat("/proc/", pid_name, "/fd", NULL);
        fds = vf_host_list_dir(host, fd_dir);
        if (fds == NULL) {
            /* another user's process (we are not root), or it just exited */
            if (vf_host_exists(host, comm_path))
                complete = FALSE;
            continue;
        }
        for (guint j = 0; j < fds->len; j++) {
            g_autofree char *link_path = g_strconcat(fd_dir, "/", fds->pdata[j], NULL);
            g_autofree char *target = vf_host_readlink(host, link_path);

            if (target && g_str_has_prefix(target, "/dev/"))
                vf_holders_match(host, holders, rules, pid, comm_path, &comm, target, FALSE);
        }

        maps_path = g_strconcat("/proc/", pid_name, "/maps", NULL);
        maps = vf_host_read_opt(host, maps_path);
        if (maps && strstr(maps, " /dev/")) {
            g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);

            for (guint j = 0; lines[j]; j++) {
                const char *path = strstr(lines[j], " /dev/");

                if (path)
                    vf_holders_match(host, holders, rules, pid, comm_path, &comm, path + 1, TRUE);
            }
        }
    }
out:
    if (ret_complete)
        *ret_complete = complete;
    return holders;
}
