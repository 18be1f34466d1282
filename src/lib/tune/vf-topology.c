/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-topology.c: the host's CPU topology and huge pages (see vf-topology.h) */
#include "tune/vf-topology.h"

#include "core/vf-error.h"

#include <stdlib.h>
#include <string.h>

/* Longest cpu list text we read: 8192 CPUs written one by one ("0,2,4,…") fit. */
#define VF_CPU_LIST_MAX_BYTES 65536

static int
vf_compare_uint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;

    return x < y ? -1 : x > y;
}

static gboolean
vf_cpu_list_number(const char **p, guint *out)
{
    guint64 value = 0;
    const char *s = *p;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    for (; g_ascii_isdigit(*s); s++) {
        value = value * 10 + (guint64)(*s - '0');
        if (value >= VF_CPU_MAX)
            return FALSE;
    }
    *p = s;
    *out = (guint)value;
    return TRUE;
}

GArray *
vf_cpu_list_parse(const char *text, GError **error)
{
    g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autofree guint8 *seen = g_malloc0(VF_CPU_MAX);
    const char *p = text;
    size_t len;

    if (text == NULL || (len = strlen(text)) > VF_CPU_LIST_MAX_BYTES) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "'%.40s…' is not a CPU list: longer than %d bytes", text ? text : "",
                    VF_CPU_LIST_MAX_BYTES);
        return NULL;
    }
    /* the kernel ends its files with a newline; an empty list is "" (or "\n") */
    while (*p != '\0' && !(p[0] == '\n' && p[1] == '\0')) {
        guint first, last, step = 1;

        if (!vf_cpu_list_number(&p, &first))
            goto bad;
        last = first;
        if (*p == '-') {
            p++;
            if (!vf_cpu_list_number(&p, &last) || last < first)
                goto bad;
            /* "0-15:2" (a stride) is accepted by the kernel's bitmap_parselist() */
            if (*p == ':') {
                p++;
                if (!vf_cpu_list_number(&p, &step) || step == 0)
                    goto bad;
            }
        }
        for (guint64 c = first; c <= last; c += step) {
            guint cpu = (guint)c;

            if (!seen[cpu]) {
                seen[cpu] = 1;
                g_array_append_val(cpus, cpu);
            }
        }
        if (*p == ',') {
            p++;
            if (*p == '\0' || *p == '\n')
                goto bad;
        } else if (*p != '\0' && !(p[0] == '\n' && p[1] == '\0')) {
            goto bad;
        }
    }
    g_array_sort(cpus, vf_compare_uint);
    return g_steal_pointer(&cpus);

bad:
    g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                "'%.*s' is not a CPU list like \"0-3,8-11\" (CPU numbers below %d): at byte %d",
                (int)MIN(len, 64), text, VF_CPU_MAX, (int)(p - text));
    return NULL;
}

char *
vf_cpu_list_format(const guint *cpus, guint n_cpus)
{
    GString *out = g_string_new(NULL);
    guint i = 0;

    while (i < n_cpus) {
        guint j = i;

        while (j + 1 < n_cpus && cpus[j + 1] == cpus[j] + 1)
            j++;
        if (out->len > 0)
            g_string_append_c(out, ',');
        if (j == i)
            g_string_append_printf(out, "%u", cpus[i]);
        else
            g_string_append_printf(out, "%u-%u", cpus[i], cpus[j]);
        i = j + 1;
    }
    return g_string_free(out, FALSE);
}

char *
vf_cpu_list_format_array(GArray *cpus)
{
    g_autoptr(GArray) copy = g_array_sized_new(FALSE, FALSE, sizeof(guint), cpus->len);
    guint n = 0;

    g_array_append_vals(copy, cpus->data, cpus->len);
    g_array_sort(copy, vf_compare_uint);
    for (guint i = 0; i < copy->len; i++)
        if (n == 0 || g_array_index(copy, guint, i) != g_array_index(copy, guint, n - 1))
            g_array_index(copy, guint, n++) = g_array_index(copy, guint, i);
    return vf_cpu_list_format((const guint *)copy->data, n);
}

static void
vf_cpu_core_free(gpointer data)
{
    VfCpuCore *core = data;

    g_array_unref(core->cpus);
    g_free(core);
}

void
vf_topology_free(VfTopology *topo)
{
    if (topo == NULL)
        return;
    g_clear_pointer(&topo->cores, g_ptr_array_unref);
    g_clear_pointer(&topo->online, g_array_unref);
    g_clear_pointer(&topo->hugepages, g_array_unref);
    g_free(topo->vendor);
    g_free(topo->model_name);
    g_free(topo);
}

/* A cpu list file of the host; NULL (no error) when absent, unless @required. */
static GArray *
vf_read_cpu_list(VfHost *host, const char *path, gboolean required, GError **error)
{
    g_autofree char *text = vf_host_read_opt(host, path);
    GArray *cpus;

    if (text == NULL) {
        if (required)
            g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                        "Cannot read '%s': the host shows no CPU topology", path);
        return NULL;
    }
    cpus = vf_cpu_list_parse(text, error);
    if (cpus == NULL)
        g_prefix_error(error, "'%s': ", path);
    return cpus;
}

static gboolean
vf_array_contains(GArray *cpus, guint cpu)
{
    for (guint i = 0; cpus && i < cpus->len; i++)
        if (g_array_index(cpus, guint, i) == cpu)
            return TRUE;
    return FALSE;
}

/* The first CPU of a cpu list file under cpuN, -1 when absent or unreadable. */
static gint
vf_first_of(VfHost *host, const char *path)
{
    g_autoptr(GArray) cpus = vf_read_cpu_list(host, path, FALSE, NULL);

    return cpus && cpus->len > 0 ? (gint)g_array_index(cpus, guint, 0) : -1;
}

static void
vf_read_cpuinfo(VfHost *host, VfTopology *topo)
{
    g_autofree char *text = vf_host_read_opt(host, "/proc/cpuinfo");
    g_auto(GStrv) lines = NULL;
    gboolean have_flags = FALSE;

    if (text == NULL)
        return;
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *colon = strchr(lines[i], ':');
        g_autofree char *key = NULL;
        const char *value;

        if (colon == NULL)
            continue;
        key = g_strstrip(g_strndup(lines[i], (gsize)(colon - lines[i])));
        value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        if (topo->vendor == NULL && g_str_equal(key, "vendor_id")) {
            topo->vendor = g_strdup(value);
        } else if (topo->model_name == NULL && g_str_equal(key, "model name")) {
            topo->model_name = g_strdup(value);
        } else if (!have_flags && g_str_equal(key, "flags")) {
            g_auto(GStrv) flags = g_strsplit(value, " ", -1);

            have_flags = TRUE;
            topo->topoext = g_strv_contains((const char *const *)flags, "topoext");
            topo->pdpe1gb = g_strv_contains((const char *const *)flags, "pdpe1gb");
        }
    }
    topo->amd = g_strcmp0(topo->vendor, "AuthenticAMD") == 0;
}

static void
vf_read_meminfo(VfHost *host, VfTopology *topo)
{
    g_autofree char *text = vf_host_read_opt(host, "/proc/meminfo");
    const char *p;

    if (text == NULL)
        return;
    p = strstr(text, "MemTotal:");
    if (p == NULL || (p != text && p[-1] != '\n'))
        return;
    topo->mem_total_kib = g_ascii_strtoull(p + strlen("MemTotal:"), NULL, 10);
}

static int
vf_compare_pool(gconstpointer a, gconstpointer b)
{
    guint64 x = ((const VfHugepagePool *)a)->size_kib, y = ((const VfHugepagePool *)b)->size_kib;

    return x < y ? -1 : x > y;
}

static void
vf_read_hugepages(VfHost *host, VfTopology *topo)
{
    g_autoptr(GPtrArray) dirs = vf_host_list_dir(host, "/sys/kernel/mm/hugepages");

    for (guint i = 0; dirs && i < dirs->len; i++) {
        const char *name = g_ptr_array_index(dirs, i);
        VfHugepagePool pool = {0};
        g_autofree char *nr = NULL;
        g_autofree char *free_path = NULL;
        char *end = NULL;

        if (!g_str_has_prefix(name, "hugepages-") || !g_str_has_suffix(name, "kB"))
            continue;
        pool.size_kib = g_ascii_strtoull(name + strlen("hugepages-"), &end, 10);
        if (pool.size_kib == 0 || end == NULL || !g_str_equal(end, "kB"))
            continue;
        nr = g_strdup_printf("/sys/kernel/mm/hugepages/%s/nr_hugepages", name);
        free_path = g_strdup_printf("/sys/kernel/mm/hugepages/%s/free_hugepages", name);
        vf_host_read_uint(host, nr, 10, &pool.nr);
        vf_host_read_uint(host, free_path, 10, &pool.free);
        g_array_append_val(topo->hugepages, pool);
    }
    g_array_sort(topo->hugepages, vf_compare_pool);
}

VfTopology *
vf_topology_read(VfHost *host, GError **error)
{
    g_autoptr(VfTopology) topo = g_new0(VfTopology, 1);
    g_autoptr(GArray) atom = NULL;
    g_autoptr(GPtrArray) node_dirs = NULL;
    g_autoptr(GHashTable) node_of = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) core_of = g_hash_table_new(NULL, NULL); /* first sibling → core */

    topo->cores = g_ptr_array_new_with_free_func(vf_cpu_core_free);
    topo->hugepages = g_array_new(FALSE, FALSE, sizeof(VfHugepagePool));
    topo->online = vf_read_cpu_list(host, "/sys/devices/system/cpu/online", TRUE, error);
    if (topo->online == NULL)
        return NULL;
    if (topo->online->len == 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO,
                    "'/sys/devices/system/cpu/online' lists no CPU: not what a kernel writes");
        return NULL;
    }

    /* Intel hybrid: the E-cores are the CPUs of the cpu_atom PMU */
    atom = vf_read_cpu_list(host, "/sys/devices/cpu_atom/cpus", FALSE, NULL);
    topo->hybrid = atom != NULL && atom->len > 0;

    node_dirs = vf_host_list_dir(host, "/sys/devices/system/node");
    for (guint i = 0; node_dirs && i < node_dirs->len; i++) {
        const char *name = g_ptr_array_index(node_dirs, i);
        g_autofree char *path = NULL;
        g_autoptr(GArray) cpus = NULL;
        guint64 node;

        if (!g_str_has_prefix(name, "node") || !vf_host_parse_uint(name + 4, 10, &node) ||
            node >= VF_CPU_MAX)
            continue;
        path = g_strdup_printf("/sys/devices/system/node/%s/cpulist", name);
        cpus = vf_read_cpu_list(host, path, FALSE, NULL);
        if (cpus == NULL || cpus->len == 0)
            continue;
        topo->n_nodes++;
        for (guint j = 0; j < cpus->len; j++)
            g_hash_table_insert(node_of, GUINT_TO_POINTER(g_array_index(cpus, guint, j) + 1),
                                GUINT_TO_POINTER((guint)node + 1));
    }

    for (guint i = 0; i < topo->online->len; i++) {
        guint cpu = g_array_index(topo->online, guint, i);
        g_autofree char *dir = g_strdup_printf("/sys/devices/system/cpu/cpu%u", cpu);
        g_autofree char *siblings_path = g_strconcat(dir, "/topology/core_cpus_list", NULL);
        g_autofree char *l3_path = g_strconcat(dir, "/cache/index3/shared_cpu_list", NULL);
        g_autofree char *pkg_path = g_strconcat(dir, "/topology/physical_package_id", NULL);
        g_autofree char *core_path = g_strconcat(dir, "/topology/core_id", NULL);
        g_autoptr(GArray) siblings = NULL;
        guint first = cpu;
        VfCpuCore *core;
        gpointer node;

        if (!vf_host_exists(host, siblings_path)) {
            g_free(siblings_path);
            siblings_path = g_strconcat(dir, "/topology/thread_siblings_list", NULL);
        }
        siblings = vf_read_cpu_list(host, siblings_path, TRUE, error);
        if (siblings == NULL)
            return NULL;
        /* the core's key: its first online thread */
        for (guint j = 0; j < siblings->len; j++) {
            guint s = g_array_index(siblings, guint, j);

            if (vf_array_contains(topo->online, s)) {
                first = MIN(first, s);
                break;
            }
        }
        core = g_hash_table_lookup(core_of, GUINT_TO_POINTER(first + 1));
        if (core == NULL) {
            guint64 value = 0;

            core = g_new0(VfCpuCore, 1);
            core->cpus = g_array_new(FALSE, FALSE, sizeof(guint));
            core->index = topo->cores->len;
            if (vf_host_read_uint(host, pkg_path, 10, &value))
                core->package = (guint)MIN(value, G_MAXUINT);
            if (vf_host_read_uint(host, core_path, 10, &value))
                core->core_id = (guint)MIN(value, G_MAXUINT);
            node = g_hash_table_lookup(node_of, GUINT_TO_POINTER(cpu + 1));
            core->node = node ? (gint)GPOINTER_TO_UINT(node) - 1 : -1;
            core->l3 = vf_first_of(host, l3_path);
            core->ecore = vf_array_contains(atom, cpu);
            g_ptr_array_add(topo->cores, core);
            g_hash_table_insert(core_of, GUINT_TO_POINTER(first + 1), core);
        }
        g_array_append_val(core->cpus, cpu);
    }

    vf_read_cpuinfo(host, topo);
    vf_read_meminfo(host, topo);
    vf_read_hugepages(host, topo);
    return g_steal_pointer(&topo);
}

const VfCpuCore *
vf_topology_core_of(const VfTopology *topo, guint cpu)
{
    for (guint i = 0; i < topo->cores->len; i++) {
        const VfCpuCore *core = g_ptr_array_index(topo->cores, i);

        if (vf_array_contains(core->cpus, cpu))
            return core;
    }
    return NULL;
}

const VfHugepagePool *
vf_topology_hugepages(const VfTopology *topo, guint64 size_kib)
{
    for (guint i = 0; i < topo->hugepages->len; i++) {
        const VfHugepagePool *pool = &g_array_index(topo->hugepages, VfHugepagePool, i);

        if (pool->size_kib == size_kib)
            return pool;
    }
    return NULL;
}

gint
vf_topology_pci_numa_node(VfHost *host, const char *address)
{
    g_autofree char *path = g_strdup_printf("/sys/bus/pci/devices/%s/numa_node", address);
    g_autofree char *text = vf_host_read_opt(host, path);
    guint64 node;

    if (text == NULL || strchr(address, '/') != NULL || !vf_host_parse_uint(text, 10, &node) ||
        node >= VF_CPU_MAX)
        return -1;
    return (gint)node;
}
