/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-iommu.h"

#include <string.h>

const char *const vf_vfio_modules[VF_VFIO_N_MODULES] = {"vfio", "vfio_iommu_type1", "vfio_pci"};

static const char *const vf_module_state_names[] = {
    [VF_MODULE_MISSING] = "missing",
    [VF_MODULE_LOADABLE] = "loadable",
    [VF_MODULE_LOADED] = "loaded",
    [VF_MODULE_BUILTIN] = "builtin",
};
G_STATIC_ASSERT(G_N_ELEMENTS(vf_module_state_names) == VF_MODULE_LAST);

const char *
vf_module_state_to_string(VfModuleState state)
{
    return state < VF_MODULE_LAST ? vf_module_state_names[state] : "missing";
}

const char *
vf_iommu_kernel_options(VfHost *host)
{
    g_autofree char *cpuinfo = vf_host_read_opt(host, "/proc/cpuinfo");

    /* vendor_id: Hygon's Dhyana has AMD's IOMMU */
    if (cpuinfo && (strstr(cpuinfo, "AuthenticAMD") || strstr(cpuinfo, "HygonGenuine")))
        return "amd_iommu=on iommu=pt";
    if (cpuinfo && strstr(cpuinfo, "GenuineIntel"))
        return "intel_iommu=on iommu=pt";
    return NULL;
}

static gboolean
vf_cmdline_has(char **args, const char *arg)
{
    return args && g_strv_contains((const char *const *)args, arg);
}

VfIommuStatus *
vf_iommu_status_new(VfHost *host)
{
    VfIommuStatus *st = g_new0(VfIommuStatus, 1);
    g_autoptr(GPtrArray) groups = vf_host_list_dir(host, "/sys/kernel/iommu_groups");
    g_autoptr(GPtrArray) units = vf_host_list_dir(host, "/sys/class/iommu");
    g_auto(GStrv) args = NULL;

    st->n_groups = groups ? groups->len : 0;
    st->enabled = st->n_groups > 0;
    st->hardware = units && units->len > 0;
    st->cmdline = vf_host_read_opt(host, "/proc/cmdline");
    if (st->cmdline)
        args = g_strsplit_set(st->cmdline, " \t", -1);
    st->cmdline_on = vf_cmdline_has(args, "intel_iommu=on") || vf_cmdline_has(args, "amd_iommu=on");
    st->cmdline_off = vf_cmdline_has(args, "intel_iommu=off") ||
                      vf_cmdline_has(args, "amd_iommu=off") || vf_cmdline_has(args, "iommu=off");
    st->cmdline_pt = vf_cmdline_has(args, "iommu=pt");

    if (st->enabled) {
        st->verdict =
            g_strdup_printf("The IOMMU is on: the kernel made %u IOMMU groups.", st->n_groups);
    } else if (st->cmdline_off) {
        st->verdict = g_strdup("The IOMMU is switched off on the kernel command line.");
        st->fix = g_strdup("Remove intel_iommu=off / amd_iommu=off / iommu=off from the kernel "
                           "command line (GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub), run "
                           "update-grub and reboot.");
    } else {
        /* the options and the firmware's name for this CPU; both when it is not known */
        const char *options = vf_iommu_kernel_options(host);
        gboolean amd = options && g_str_has_prefix(options, "amd_");
        const char *add = options ? options
                                  : "intel_iommu=on iommu=pt (Intel) or amd_iommu=on iommu=pt "
                                    "(AMD)";

        if (st->hardware) {
            st->verdict = g_strdup("An IOMMU was found but the kernel made no IOMMU groups.");
            st->fix = g_strdup_printf("Add %s to the kernel command line ('sudo virtflow setup "
                                      "--grub' does it), run update-grub and reboot.",
                                      add);
        } else {
            st->verdict =
                g_strdup("No IOMMU is active: GPU passthrough is impossible until it is.");
            st->fix = g_strdup_printf(
                "Enable %s in the firmware setup, then add %s to the kernel command line "
                "('sudo virtflow setup --grub' does it), run update-grub and reboot.",
                !options ? "VT-d (Intel) or AMD-Vi/IOMMU (AMD)"
                : amd    ? "the IOMMU (AMD-Vi; often called IOMMU or AMD CBS > NBIO > IOMMU)"
                         : "VT-d (Intel Virtualization Technology for Directed I/O)",
                add);
        }
    }
    return st;
}

void
vf_iommu_status_free(VfIommuStatus *status)
{
    if (status == NULL)
        return;
    g_free(status->cmdline);
    g_free(status->verdict);
    g_free(status->fix);
    g_free(status);
}

static char *
vf_module_canon(const char *name)
{
    return g_strdelimit(g_strdup(name), "-", '_');
}

/* Does a modules.builtin / modules.dep line name module @canon ("path/name.ko...")? */
static gboolean
vf_modules_file_has(const char *contents, const char *canon)
{
    const char *line = contents;

    while (line && *line) {
        const char *end = strchr(line, '\n');
        const char *colon;
        gsize len = end ? (gsize)(end - line) : strlen(line);
        g_autofree char *entry = g_strndup(line, len);
        g_autofree char *base = NULL;
        char *dot;

        colon = strchr(entry, ':');
        if (colon)
            entry[colon - entry] = '\0';
        base = g_path_get_basename(entry);
        dot = strstr(base, ".ko");
        if (dot) {
            *dot = '\0';
            g_strdelimit(base, "-", '_');
            if (g_str_equal(base, canon))
                return TRUE;
        }
        line = end ? end + 1 : NULL;
    }
    return FALSE;
}

/* @release: the running kernel's, read once by the caller (NULL: unknown). */
static VfModuleState
vf_module_state(VfHost *host, const char *name, const char *release)
{
    g_autofree char *canon = vf_module_canon(name);
    g_autofree char *initstate = g_strconcat("/sys/module/", canon, "/initstate", NULL);
    g_autofree char *builtin_path = NULL;
    g_autofree char *dep_path = NULL;
    g_autofree char *builtin = NULL;
    g_autofree char *dep = NULL;

    /* only loadable modules have initstate; built-in ones may still have /sys/module/X */
    if (vf_host_exists(host, initstate))
        return VF_MODULE_LOADED;
    if (release == NULL)
        return VF_MODULE_MISSING;
    builtin_path = g_strconcat("/lib/modules/", release, "/modules.builtin", NULL);
    builtin = vf_host_read_opt(host, builtin_path);
    if (builtin && vf_modules_file_has(builtin, canon))
        return VF_MODULE_BUILTIN;
    dep_path = g_strconcat("/lib/modules/", release, "/modules.dep", NULL);
    dep = vf_host_read_opt(host, dep_path);
    if (dep && vf_modules_file_has(dep, canon))
        return VF_MODULE_LOADABLE;
    return VF_MODULE_MISSING;
}

VfModuleState
vf_host_get_module_state(VfHost *host, const char *name)
{
    g_autofree char *release = vf_host_read_opt(host, "/proc/sys/kernel/osrelease");

    return vf_module_state(host, name, release);
}

VfVfioStatus *
vf_vfio_status_new(VfHost *host)
{
    VfVfioStatus *st = g_new0(VfVfioStatus, 1);

    st->kernel_release = vf_host_read_opt(host, "/proc/sys/kernel/osrelease");
    st->available = TRUE;
    for (guint i = 0; i < VF_VFIO_N_MODULES; i++) {
        st->modules[i] = vf_module_state(host, vf_vfio_modules[i], st->kernel_release);
        if (st->modules[i] == VF_MODULE_MISSING)
            st->available = FALSE;
    }
    st->driver_registered = vf_host_is_dir(host, "/sys/bus/pci/drivers/vfio-pci");
    if (st->driver_registered)
        st->available = TRUE;
    return st;
}

void
vf_vfio_status_free(VfVfioStatus *status)
{
    if (status == NULL)
        return;
    g_free(status->kernel_release);
    g_free(status);
}
