/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vf-test-util.h"

#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

VfTestHost *
vf_test_host_new(const VfKmodelHost *spec, gboolean attach)
{
    g_autoptr(GError) error = NULL;
    VfTestHost *th = g_new0(VfTestHost, 1);

    th->root = g_dir_make_tmp("virtflow-test-XXXXXX", &error);
    g_assert_no_error(error);
    vf_kmodel_build(th->root, spec, &error);
    g_assert_no_error(error);
    th->host = vf_host_new(th->root, &error);
    g_assert_no_error(error);
    if (attach) {
        vf_kmodel_attach(th->host, &error);
        g_assert_no_error(error);
    }
    return th;
}

static int
vf_test_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) < 0)
        g_printerr("# cannot remove %s: %s\n", path, g_strerror(errno));
    return 0;
}

void
vf_test_rm_rf(const char *path)
{
    /* FTW_PHYS: never follow the tree's symlinks out of it */
    nftw(path, vf_test_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void
vf_test_host_free(VfTestHost *th)
{
    if (th == NULL)
        return;
    g_clear_pointer(&th->host, vf_host_unref);
    /* a safety net: only ever remove what g_dir_make_tmp made */
    if (th->root && g_str_has_prefix(th->root, g_get_tmp_dir()) &&
        strstr(th->root, "virtflow-test-"))
        vf_test_rm_rf(th->root);
    g_free(th->root);
    g_free(th);
}

VfKmodel *
vf_test_host_model(VfTestHost *th)
{
    VfKmodel *model = vf_kmodel_get(th->host);

    g_assert_nonnull(model);
    return model;
}

char *
vf_test_host_snapshot(VfTestHost *th)
{
    return vf_kmodel_snapshot(th->root);
}

char *
vf_test_host_path(VfTestHost *th, const char *rel)
{
    return g_build_filename(th->root, rel, NULL);
}

void
vf_test_host_write(VfTestHost *th, const char *rel, const char *contents)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = vf_test_host_path(th, rel);
    g_autofree char *dir = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_file_set_contents(path, contents, -1, &error);
    g_assert_no_error(error);
}

guint
vf_test_count_entries(const char *dir_path)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    guint n = 0;

    while (dir && g_dir_read_name(dir))
        n++;
    return n;
}

VfHostReport *
vf_test_report(VfTestHost *th)
{
    g_autoptr(GError) error = NULL;
    VfHostReport *report = vf_host_report_new(th->host, &error);

    g_assert_no_error(error);
    g_assert_nonnull(report);
    return report;
}

VfGpu *
vf_test_gpu(VfHostReport *report, const char *address)
{
    for (guint i = 0; i < report->gpus->len; i++) {
        VfGpu *gpu = report->gpus->pdata[i];

        if (g_str_equal(gpu->device->address, address))
            return gpu;
    }
    g_test_fail_printf("%s is not listed as a GPU", address);
    g_assert_not_reached();
    return NULL;
}

char *
vf_test_gpu_blockers(const VfGpu *gpu)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        g_string_append_printf(out, "%s%s", i ? " " : "", vf_blocker_kind_to_string(b->kind));
    }
    return g_string_free(out, FALSE);
}

const VfBlocker *
vf_test_gpu_blocker(const VfGpu *gpu, VfBlockerKind kind)
{
    for (guint i = 0; i < gpu->blockers->len; i++) {
        const VfBlocker *b = gpu->blockers->pdata[i];

        if (b->kind == kind)
            return b;
    }
    return NULL;
}

char *
vf_test_gpu_set(const VfGpu *gpu)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < gpu->passthrough->len; i++) {
        const VfPciDevice *dev = gpu->passthrough->pdata[i];

        g_string_append_printf(out, "%s%s", i ? " " : "", dev->address);
    }
    return g_string_free(out, FALSE);
}

char *
vf_test_drivers(VfTestHost *th, const char *const *addresses)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; addresses[i]; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfPciDevice) dev = vf_pci_device_new(th->host, addresses[i], &error);

        g_assert_no_error(error);
        g_string_append_printf(out, "%s%s=%s", i ? " " : "", dev->address,
                               dev->driver ? dev->driver : "-");
    }
    return g_string_free(out, FALSE);
}

void
vf_test_assert_contains_impl(const char *file, int line, const char *func, const char *expr,
                             const char *haystack, const char *needle)
{
    g_autofree char *msg = NULL;

    if (haystack && strstr(haystack, needle))
        return;
    msg = g_strdup_printf("%s does not contain \"%s\": \"%s\"", expr, needle,
                          haystack ? haystack : "(NULL)");
    g_assertion_message(G_LOG_DOMAIN, file, line, func, msg);
}

void
vf_test_assert_not_contains_impl(const char *file, int line, const char *func, const char *expr,
                                 const char *haystack, const char *needle)
{
    g_autofree char *msg = NULL;

    if (haystack == NULL || strstr(haystack, needle) == NULL)
        return;
    msg = g_strdup_printf("%s contains \"%s\": \"%s\"", expr, needle, haystack);
    g_assertion_message(G_LOG_DOMAIN, file, line, func, msg);
}

static char *
vf_test_excerpt(const char *text, gsize from)
{
    const char *end = text + from;
    g_autofree char *raw = NULL;

    /* three lines from @from, escaped so that a missing "\n" shows */
    for (guint n = 0; *end && n < 3; end++)
        if (*end == '\n')
            n++;
    raw = g_strndup(text + from, end - (text + from));
    return g_strescape(raw, NULL);
}

void
vf_test_assert_snapshot_impl(const char *file, int line, const char *func, const char *before,
                             const char *after)
{
    g_autofree char *was = NULL;
    g_autofree char *now = NULL;
    g_autofree char *msg = NULL;
    gsize i = 0, line_start = 0;

    if (g_str_equal(before, after))
        return;
    /* the snapshot is sorted by path: the first difference says what changed */
    while (before[i] && before[i] == after[i]) {
        if (before[i] == '\n')
            line_start = i + 1;
        i++;
    }
    was = vf_test_excerpt(before, line_start);
    now = vf_test_excerpt(after, line_start);
    msg = g_strdup_printf("the host tree changed at:\n  before: %s\n  after:  %s", was, now);
    g_assertion_message(G_LOG_DOMAIN, file, line, func, msg);
}

void
vf_test_host_add_process(VfTestHost *th, gint pid, const char *comm, gint64 started)
{
    long hz = sysconf(_SC_CLK_TCK);
    gint64 boot = started - 1000;
    g_autofree char *comm_rel = g_strdup_printf("proc/%d/comm", pid);
    g_autofree char *comm_text = g_strconcat(comm, "\n", NULL);
    g_autofree char *stat_rel = g_strdup_printf("proc/%d/stat", pid);
    g_autofree char *stat = g_strdup_printf(
        "%d (%s) S 1 %d %d 0 -1 4194560 4331 0 4 0 12 9 0 0 20 0 18 0 %lld 1562193920 7003 "
        "18446744073709551615 1 1 0 0 0 0 0 4096 16387 0 0 0 17 1 0 0 0 0 0\n",
        pid, comm, pid, pid, (long long)1000 * hz);
    g_autofree char *proc_stat = g_strdup_printf(
        "cpu  1 2 3 4 5 6 7 0 0 0\nintr 0\nctxt 1\nbtime %lld\nprocesses 9\n", (long long)boot);
    g_autofree char *exe_rel = g_strdup_printf("proc/%d/exe", pid);
    g_autofree char *exe = vf_test_host_path(th, exe_rel);
    g_autofree char *target = g_strconcat("/usr/sbin/", comm, NULL);

    vf_test_host_write(th, comm_rel, comm_text);
    vf_test_host_write(th, stat_rel, stat);
    vf_test_host_write(th, "proc/stat", proc_stat);
    g_assert_cmpint(symlink(target, exe), ==, 0);
}
