/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-tune-run.c: huge pages and isolation while a tuned VM runs (see vf-tune-run.h) */
#include "tune/vf-tune-run.h"

#include "core/vf-error.h"
#include "host/vf-systemd.h"
#include "tune/vf-cpulist.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* the units `systemctl set-property --runtime … AllowedCPUs=` confines in every CPU
 * isolation guide: everything systemd starts, the users' sessions, and PID 1 itself */
static const char *const vf_tune_units[] = {"user.slice", "system.slice", "init.scope"};

#define VF_TUNE_LOCK        "tune.lock"
#define VF_TUNE_COMPACT     "/proc/sys/vm/compact_memory"
#define VF_TUNE_MAX_PAGES   G_MAXUINT32
#define VF_TUNE_JOURNAL_MAX (64 * 1024)
/* growing a huge page pool or compacting memory: the kernel works page by page */
#define VF_TUNE_POOL_WRITE_TIMEOUT_MS 20000

/* ---- paths and numbers ---- */

static char *
vf_tune_journal_dir(VfHost *host)
{
    return vf_host_dup_state_path(host, "tune");
}

/* One file per VM: the name's hash (a domain name may hold any character but '/'); the
 * name itself is inside. */
static char *
vf_tune_journal_path(VfHost *host, const char *vm)
{
    g_autofree char *dir = vf_tune_journal_dir(host);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, vm, -1);
    g_autofree char *name = g_strdup_printf("%.16s.conf", sum);

    return g_build_filename(dir, name, NULL);
}

static char *
vf_tune_pages_dir(guint64 size_kib)
{
    return g_strdup_printf("/sys/kernel/mm/hugepages/hugepages-%" G_GUINT64_FORMAT "kB", size_kib);
}

/* "2M", "1G": the form hugepagesz= takes */
static char *
vf_tune_size_text(guint64 size_kib)
{
    if (size_kib % (1024 * 1024) == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "G", size_kib / (1024 * 1024));
    if (size_kib % 1024 == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "M", size_kib / 1024);
    return g_strdup_printf("%" G_GUINT64_FORMAT "K", size_kib);
}

/* "8 GiB", "1536 MiB": the VM's memory in the units its XML shows (plain spaces: the text
 * goes into libvirt's error message) */
static char *
vf_tune_memory_text(guint64 kib)
{
    if (kib % (1024 * 1024) == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT " GiB", kib / (1024 * 1024));
    return g_strdup_printf("%" G_GUINT64_FORMAT " MiB", kib / 1024);
}

/* TRUE when @size_kib is the kernel's default huge page size ("Hugepagesize:" in
 * /proc/meminfo), the only one vm.nr_hugepages sets */
static gboolean
vf_tune_is_default_size(VfHost *host, guint64 size_kib)
{
    g_autofree char *meminfo = vf_host_read_opt(host, "/proc/meminfo");
    const char *line = meminfo ? strstr(meminfo, "\nHugepagesize:") : NULL;
    g_autofree char *number = NULL;
    guint64 value = 0;

    if (line == NULL)
        return FALSE;
    line += strlen("\nHugepagesize:");
    while (*line == ' ')
        line++;
    number = g_strndup(line, strcspn(line, " \n"));
    return g_ascii_string_to_unsigned(number, 10, 0, G_MAXUINT64, &value, NULL) &&
           value == size_kib;
}

static gboolean
vf_tune_read_pages(VfHost *host, guint64 size_kib, const char *attr, guint64 *ret_value,
                   GError **error)
{
    g_autofree char *dir = vf_tune_pages_dir(size_kib);
    g_autofree char *path = g_strconcat(dir, "/", attr, NULL);
    g_autofree char *text = vf_host_read(host, path, error);

    if (text == NULL)
        return FALSE;
    if (!vf_host_parse_uint(text, 10, ret_value) || *ret_value > VF_TUNE_MAX_PAGES) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "'%s' holds '%.32s', not a number of pages", path,
                    text);
        return FALSE;
    }
    return TRUE;
}

static gboolean
vf_tune_write_pages(VfHost *host, guint64 size_kib, guint64 nr, GError **error)
{
    g_autofree char *dir = vf_tune_pages_dir(size_kib);
    g_autofree char *path = g_strconcat(dir, "/nr_hugepages", NULL);
    g_autofree char *value = g_strdup_printf("%" G_GUINT64_FORMAT, nr);

    /* echo N > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages: the kernel grows
     * the pool by what it can allocate now (possibly fewer, without an error) and shrinks
     * it only by free pages (mm/hugetlb.c set_max_huge_pages()); read it back. Growing it
     * compacts and migrates memory page by page: seconds per GiB on a busy host (and over 10 s
     * for 64 MiB in the kernel rig under load), so not the 10 s meant for drivers; two such
     * 20 s waits stay inside the hook's 60 s (src/hook/virtflow-hook.c). */
    return vf_host_write_slow(host, path, value, VF_TUNE_POOL_WRITE_TIMEOUT_MS,
                              "compacting memory for the huge pages took that long; free "
                              "memory, or reserve the pages at boot",
                              error);
}

/* ---- the journal ---- */

static gboolean
vf_tune_journal_save(GKeyFile *kf, const char *path, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *data = NULL;
    gsize len = 0;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        vf_error_set_errno(error, errno, "Cannot create the tune journal directory '%s'", dir);
        return FALSE;
    }
    data = g_key_file_to_data(kf, &len, NULL);
    /* synced before the host is changed: it must outlive a crash */
    if (!g_file_set_contents_full(path, data, (gssize)len,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0644, error)) {
        g_prefix_error(error, "Cannot write the tune journal: ");
        return FALSE;
    }
    return TRUE;
}

/* A journal read back: checked like any file that becomes sysfs writes. */
typedef struct {
    char *vm;
    guint64 size_kib; /* 0: no huge pages were added */
    guint64 base;     /* nr_hugepages without any tuned VM's pages */
    guint64 added;
    char *host_cpus;  /* NULL: not isolated */
    GByteArray *mask; /* host_cpus as systemd takes it */
} VfTuneJournal;

static void
vf_tune_journal_free(VfTuneJournal *j)
{
    if (j == NULL)
        return;
    g_free(j->vm);
    g_free(j->host_cpus);
    if (j->mask)
        g_byte_array_unref(j->mask);
    g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfTuneJournal, vf_tune_journal_free)

static VfTuneJournal *
vf_tune_journal_load(const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(VfTuneJournal) j = g_new0(VfTuneJournal, 1);
    g_autoptr(GError) local = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, error))
        return NULL;
    if (len > VF_TUNE_JOURNAL_MAX || !g_key_file_load_from_data(kf, data, len, 0, &local) ||
        (j->vm = g_key_file_get_string(kf, "tune", "vm", NULL)) == NULL)
        goto damaged;
    if (g_key_file_has_group(kf, "hugepages")) {
        j->size_kib = g_key_file_get_uint64(kf, "hugepages", "size-kib", NULL);
        j->base = g_key_file_get_uint64(kf, "hugepages", "base", NULL);
        j->added = g_key_file_get_uint64(kf, "hugepages", "added", NULL);
        if (j->size_kib < 64 || (j->size_kib & (j->size_kib - 1)) != 0 ||
            j->size_kib > 16 * 1024 * 1024 || j->base > VF_TUNE_MAX_PAGES ||
            j->added > VF_TUNE_MAX_PAGES)
            goto damaged;
    }
    if ((j->host_cpus = g_key_file_get_string(kf, "isolate", "host-cpus", NULL)) != NULL &&
        !vf_cpulist_parse(j->host_cpus, "host-cpus", &j->mask, NULL, NULL))
        goto damaged;
    return g_steal_pointer(&j);
damaged:
    g_set_error(error, VF_ERROR, VF_ERROR_IO,
                "The tune journal '%s' is damaged; undo by hand ('systemctl set-property "
                "--runtime user.slice system.slice init.scope AllowedCPUs=', nr_hugepages "
                "under /sys/kernel/mm/hugepages/) and move it away",
                path);
    return NULL;
}

/* Every journal but @except (a path, or NULL), oldest first (by name is enough: few). */
static GPtrArray *
vf_tune_journal_list(VfHost *host, const char *except)
{
    g_autofree char *dir_path = vf_tune_journal_dir(host);
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = NULL;

        if (!g_str_has_suffix(name, ".conf") || name[0] == '.')
            continue;
        path = g_build_filename(dir_path, name, NULL);
        if (except && g_str_equal(path, except))
            continue;
        g_ptr_array_add(paths, g_steal_pointer(&path));
    }
    return paths;
}

/* The pages other running tuned VMs added, of this size. */
static guint64
vf_tune_others_added(VfHost *host, const char *except, guint64 size_kib)
{
    g_autoptr(GPtrArray) paths = vf_tune_journal_list(host, except);
    guint64 sum = 0;

    for (guint i = 0; i < paths->len; i++) {
        g_autoptr(VfTuneJournal) j = vf_tune_journal_load(paths->pdata[i], NULL);

        if (j && j->size_kib == size_kib)
            sum += j->added;
    }
    return sum;
}

/* Another isolated VM still running: the units stay on its host CPUs. */
static VfTuneJournal *
vf_tune_other_isolated(VfHost *host, const char *except)
{
    g_autoptr(GPtrArray) paths = vf_tune_journal_list(host, except);

    for (guint i = 0; i < paths->len; i++) {
        VfTuneJournal *j = vf_tune_journal_load(paths->pdata[i], NULL);

        if (j && j->mask)
            return j;
        vf_tune_journal_free(j);
    }
    return NULL;
}

/* ---- isolation ---- */

static gboolean
vf_tune_bus(GDBusConnection *bus, GDBusConnection **own, GDBusConnection **ret, GError **error)
{
    if (bus != NULL) {
        *ret = bus;
        return TRUE;
    }
    if (*own == NULL && (*own = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error)) == NULL) {
        g_prefix_error(error, "Cannot reach systemd on the system bus: ");
        return FALSE;
    }
    *ret = *own;
    return TRUE;
}

/* Each unit on @mask (NULL: every CPU). */
static gboolean
vf_tune_set_units(GDBusConnection *bus, GByteArray *mask, guint n_units, GError **error)
{
    for (guint i = 0; i < n_units; i++)
        if (!vf_systemd_set_allowed_cpus(bus, vf_tune_units[i], mask, VF_TUNE_SYSTEMD_TIMEOUT_MS,
                                         error))
            return FALSE;
    return TRUE;
}

/* The units back where they belong once @except's VM is gone. */
static gboolean
vf_tune_unisolate(VfHost *host, GDBusConnection *bus, const char *except, guint n_units,
                  GError **error)
{
    g_autoptr(VfTuneJournal) other = vf_tune_other_isolated(host, except);

    return vf_tune_set_units(bus, other ? other->mask : NULL, n_units, error);
}

/* ---- release ---- */

static gboolean
vf_tune_release_journal(VfHost *host, GDBusConnection *bus, const char *path, GString *summary,
                        GError **error)
{
    g_autoptr(VfTuneJournal) j = vf_tune_journal_load(path, error);
    g_autoptr(GDBusConnection) own = NULL;
    GDBusConnection *b = NULL;

    if (j == NULL)
        return FALSE;
    if (j->mask) {
        if (!vf_tune_bus(bus, &own, &b, error) ||
            !vf_tune_unisolate(host, b, path, G_N_ELEMENTS(vf_tune_units), error)) {
            g_prefix_error(error, "Cannot give VM '%s''s CPUs back to the host: ", j->vm);
            return FALSE;
        }
        g_string_append_printf(summary, "%s%s: systemd's slices back on every CPU",
                               summary->len ? "; " : "", j->vm);
    }
    if (j->size_kib && j->added) {
        g_autofree char *dir = vf_tune_pages_dir(j->size_kib);
        guint64 nr = 0, target;

        if (vf_host_is_dir(host, dir)) {
            if (!vf_tune_read_pages(host, j->size_kib, "nr_hugepages", &nr, error))
                return FALSE;
            target = MAX(nr > j->added ? nr - j->added : 0, j->base);
            if (target < nr && !vf_tune_write_pages(host, j->size_kib, target, error)) {
                g_prefix_error(error, "Cannot give VM '%s''s huge pages back: ", j->vm);
                return FALSE;
            }
            g_string_append_printf(summary,
                                   "%s%s: %" G_GUINT64_FORMAT " huge pages of %" G_GUINT64_FORMAT
                                   " KiB given back (nr_hugepages %" G_GUINT64_FORMAT
                                   " → %" G_GUINT64_FORMAT ")",
                                   summary->len ? "; " : "", j->vm, nr - MIN(target, nr),
                                   j->size_kib, nr, MIN(target, nr));
        }
    }
    if (g_unlink(path) < 0 && errno != ENOENT) {
        vf_error_set_errno(error, errno, "Cannot remove the tune journal '%s'", path);
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_tune_run_release(VfHost *host, GDBusConnection *bus, const char *vm, char **ret_summary,
                    GError **error)
{
    g_autofree char *path = vf_tune_journal_path(host, vm);
    g_autoptr(GString) summary = g_string_new(NULL);
    int lock;
    gboolean ok;

    /* no lock, no write when there is nothing to give back: a release after a start the
     * hook refused, or a second release */
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        *ret_summary = g_strdup("");
        return TRUE;
    }
    if ((lock = vf_host_lock(host, VF_TUNE_LOCK, error)) < 0)
        return FALSE;
    ok = !g_file_test(path, G_FILE_TEST_EXISTS) ||
         vf_tune_release_journal(host, bus, path, summary, error);
    close(lock);
    if (ok)
        *ret_summary = g_string_free(g_steal_pointer(&summary), FALSE);
    return ok;
}

gboolean
vf_tune_run_is_journaled(VfHost *host, const char *vm)
{
    g_autofree char *path = vf_tune_journal_path(host, vm);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

GPtrArray *
vf_tune_run_dup_pending(VfHost *host)
{
    g_autoptr(GPtrArray) paths = vf_tune_journal_list(host, NULL);
    GPtrArray *vms = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < paths->len; i++) {
        g_autoptr(VfTuneJournal) j = vf_tune_journal_load(paths->pdata[i], NULL);

        g_ptr_array_add(vms, g_strdup(j ? j->vm : (char *)paths->pdata[i]));
    }
    return vms;
}

/* The VM still runs: libvirt's pid file for it (/run/libvirt/qemu/NAME.pid) names a live
 * QEMU. recover is for what a crash left; a running VM keeps its pages and isolation. */
static gboolean
vf_tune_vm_running(VfHost *host, const char *vm)
{
    g_autofree char *pid_path = NULL;
    g_autofree char *pid = NULL;
    g_autofree char *comm_path = NULL;
    g_autofree char *comm = NULL;
    guint64 value = 0;

    if (strchr(vm, '/') || g_str_equal(vm, ".") || g_str_equal(vm, ".."))
        return FALSE;
    pid_path = g_strdup_printf("/run/libvirt/qemu/%s.pid", vm);
    if ((pid = vf_host_read_opt(host, pid_path)) == NULL || !vf_host_parse_uint(pid, 10, &value) ||
        value == 0 || value > G_MAXINT32)
        return FALSE;
    comm_path = g_strdup_printf("/proc/%" G_GUINT64_FORMAT "/comm", value);
    comm = vf_host_read_opt(host, comm_path);
    return comm != NULL && g_str_has_prefix(comm, "qemu");
}

gboolean
vf_tune_run_recover(VfHost *host, GDBusConnection *bus, char **ret_summary, GError **error)
{
    g_autoptr(GPtrArray) paths = vf_tune_journal_list(host, NULL);
    g_autoptr(GString) summary = g_string_new(NULL);
    g_autoptr(GError) first = NULL;
    int lock;

    if (paths->len == 0) {
        *ret_summary = g_strdup("");
        return TRUE;
    }
    if ((lock = vf_host_lock(host, VF_TUNE_LOCK, error)) < 0)
        return FALSE;
    /* each on its own: one that fails keeps its journal, the others are still undone */
    for (guint i = 0; i < paths->len; i++) {
        g_autoptr(GError) local = NULL;
        g_autoptr(VfTuneJournal) j = vf_tune_journal_load(paths->pdata[i], NULL);

        if (j && vf_tune_vm_running(host, j->vm)) {
            g_string_append_printf(summary, "%s%s still runs: left as it is",
                                   summary->len ? "; " : "", j->vm);
            continue;
        }
        if (!vf_tune_release_journal(host, bus, paths->pdata[i], summary, &local) && first == NULL)
            first = g_steal_pointer(&local);
    }
    close(lock);
    if (first) {
        g_propagate_error(error, g_steal_pointer(&first));
        return FALSE;
    }
    *ret_summary = g_string_free(g_steal_pointer(&summary), FALSE);
    return TRUE;
}

/* ---- prepare ---- */

static gboolean
vf_tune_take_pages(VfHost *host, const char *vm, const VfTuneRuntime *rt, GKeyFile *kf,
                   const char *path, GString *summary, GError **error)
{
    guint64 size = rt->hugepage_size_kib;
    guint64 count = rt->hugepage_count;
    g_autofree char *dir = vf_tune_pages_dir(size);
    g_autofree char *size_text = vf_tune_size_text(size);
    g_autofree char *memory = vf_tune_memory_text(size * count);
    g_autoptr(GError) local = NULL;
    guint64 nr = 0, free = 0, need, others, got_nr = 0, got;

    if (!vf_host_is_dir(host, dir)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "refusing to start VM '%s': it is backed by huge pages of %" G_GUINT64_FORMAT
                    " KiB, and this host's kernel has none of that size (no %s)\n"
                    "  fix: 'virtflow tune %s --hugepages auto' picks a size this host has, "
                    "'--hugepages off' goes without",
                    vm, size, dir, vm);
        return FALSE;
    }
    if (!vf_tune_read_pages(host, size, "nr_hugepages", &nr, error) ||
        !vf_tune_read_pages(host, size, "free_hugepages", &free, error))
        return FALSE;
    if (free >= count) {
        g_string_append_printf(summary, "%s%" G_GUINT64_FORMAT " huge pages of %s free already",
                               summary->len ? "; " : "", count, size_text);
        return TRUE;
    }
    need = count - free;
    others = vf_tune_others_added(host, path, size);
    g_key_file_set_uint64(kf, "hugepages", "size-kib", size);
    g_key_file_set_uint64(kf, "hugepages", "base", nr > others ? nr - others : 0);
    g_key_file_set_uint64(kf, "hugepages", "added", need);
    if (!vf_tune_journal_save(kf, path, error))
        return FALSE;

    /* echo 1 > /proc/sys/vm/compact_memory: the kernel moves movable pages together so
     * that free memory comes in runs a huge page needs (mm/compaction.c); without
     * CONFIG_COMPACTION the file is absent and the allocation does what it can */
    if (vf_host_exists(host, VF_TUNE_COMPACT) &&
        !vf_host_write_slow(host, VF_TUNE_COMPACT, "1", VF_TUNE_POOL_WRITE_TIMEOUT_MS,
                            "compacting memory", &local))
        g_debug("compacting memory: %s", local->message);
    g_clear_error(&local);

    if (!vf_tune_write_pages(host, size, nr + need, &local) ||
        !vf_tune_read_pages(host, size, "nr_hugepages", &got_nr, &local))
        got_nr = nr; /* what the kernel shows is read back below, after putting it back */
    got = got_nr > nr ? got_nr - nr : 0;
    if (got < need) {
        g_autoptr(GError) back = NULL;
        g_autofree char *total = g_strdup_printf("%" G_GUINT64_FORMAT, nr - free + count);
        /* vm.nr_hugepages only sets the default size's pool */
        g_autofree char *sysctl =
            vf_tune_is_default_size(host, size)
                ? g_strdup_printf(" (or 'vm.nr_hugepages = %s' in /etc/sysctl.d/)", total)
                : g_strdup("");

        /* nothing left allocated: the pool back where it was (else the journal stays, for
         * the release libvirt calls next and for recover) */
        if (!vf_tune_write_pages(host, size, nr, &back))
            g_prefix_error(&back, "putting it back failed, 'virtflow recover' retries: ");
        else if (g_unlink(path) < 0)
            g_debug("removing %s: %s", path, g_strerror(errno));
        g_set_error(error, VF_ERROR, VF_ERROR_VERIFY,
                    "refusing to start VM '%s': it needs %" G_GUINT64_FORMAT
                    " huge pages of %s (%s); %" G_GUINT64_FORMAT " were free, and after "
                    "compacting memory the kernel found only %" G_GUINT64_FORMAT
                    " of the %" G_GUINT64_FORMAT " more it was asked for (wanted %" G_GUINT64_FORMAT
                    ", got %" G_GUINT64_FORMAT "); nr_hugepages goes back to %" G_GUINT64_FORMAT
                    "%s%s%s%s%s\n"
                    "  fix: reserve them at boot, before memory fragments: add 'hugepagesz=%s "
                    "hugepages=%s' to the kernel command line%s, free memory and start "
                    "again, or 'virtflow tune %s --hugepages off'",
                    vm, count, size_text, memory, free, got, need, count, free + got, nr,
                    local ? " (raising it: " : "", local ? local->message : "", local ? ")" : "",
                    back ? "; " : "", back ? back->message : "", size_text, total, sysctl, vm);
        return FALSE;
    }
    g_key_file_set_uint64(kf, "hugepages", "added", got);
    if (!vf_tune_journal_save(kf, path, error))
        return FALSE;
    g_string_append_printf(summary,
                           "%s%" G_GUINT64_FORMAT " huge pages of %s (%s): %" G_GUINT64_FORMAT
                           " reserved, nr_hugepages %" G_GUINT64_FORMAT " → %" G_GUINT64_FORMAT,
                           summary->len ? "; " : "", count, size_text, memory, got, nr, got_nr);
    return TRUE;
}

static gboolean
vf_tune_isolate(VfHost *host, GDBusConnection *bus, const char *vm, const VfTuneRuntime *rt,
                GKeyFile *kf, const char *path, GString *summary, GError **error)
{
    g_autoptr(GByteArray) mask = NULL;
    g_autoptr(GDBusConnection) own = NULL;
    GDBusConnection *b = NULL;

    if (!vf_cpulist_parse(rt->host_cpus, "host-cpus", &mask, NULL, error) ||
        !vf_tune_bus(bus, &own, &b, error))
        return FALSE;
    g_key_file_set_string(kf, "isolate", "host-cpus", rt->host_cpus);
    if (!vf_tune_journal_save(kf, path, error))
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(vf_tune_units); i++) {
        if (!vf_systemd_set_allowed_cpus(b, vf_tune_units[i], mask, VF_TUNE_SYSTEMD_TIMEOUT_MS,
                                         error)) {
            /* the ones already set go back; the caller removes the journal */
            vf_tune_unisolate(host, b, path, i, NULL);
            g_prefix_error(error,
                           "refusing to start VM '%s': cannot confine the host to CPUs %s: ", vm,
                           rt->host_cpus);
            return FALSE;
        }
    }
    g_string_append_printf(summary, "%suser.slice, system.slice and init.scope on CPUs %s",
                           summary->len ? "; " : "", rt->host_cpus);
    return TRUE;
}

gboolean
vf_tune_run_prepare(VfHost *host, GDBusConnection *bus, const char *vm, const VfTuneRuntime *rt,
                    char **ret_summary, GError **error)
{
    g_autofree char *path = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    g_autoptr(GString) summary = g_string_new(NULL);
    g_autoptr(GString) ignored = g_string_new(NULL);
    int lock;
    gboolean ok = FALSE;

    if (rt == NULL || (rt->hugepage_size_kib == 0 && !rt->isolate)) {
        *ret_summary = g_strdup("");
        return TRUE;
    }
    path = vf_tune_journal_path(host, vm);
    if ((lock = vf_host_lock(host, VF_TUNE_LOCK, error)) < 0)
        return FALSE;
    /* a prepare whose release never came (libvirtd killed in between): give that back
     * first, so that this one is counted once */
    if (g_file_test(path, G_FILE_TEST_EXISTS) &&
        !vf_tune_release_journal(host, bus, path, ignored, error))
        goto out;
    kf = g_key_file_new();
    g_key_file_set_string(kf, "tune", "vm", vm);
    if (rt->hugepage_size_kib && !vf_tune_take_pages(host, vm, rt, kf, path, summary, error))
        goto out;
    if (rt->isolate && !vf_tune_isolate(host, bus, vm, rt, kf, path, summary, error)) {
        g_autoptr(GString) back = g_string_new(NULL);

        /* the pages this prepare added go back too: the VM does not start. The journal
         * says what to undo; kept when that fails, for recover */
        g_key_file_remove_group(kf, "isolate", NULL);
        if (vf_tune_journal_save(kf, path, NULL))
            vf_tune_release_journal(host, bus, path, back, NULL);
        goto out;
    }
    ok = TRUE;
out:
    close(lock);
    if (ok)
        *ret_summary = g_string_free(g_steal_pointer(&summary), FALSE);
    return ok;
}
