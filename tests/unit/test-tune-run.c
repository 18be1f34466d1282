/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-tune-run: a tuned VM's run time (issue 14) on kernel-model hosts and against a
 * stand-in for systemd's manager on a private bus
 *
 *  - the tune record as the hook reads it: what it holds, and damaged ones refused with
 *    what is wrong;
 *  - huge pages: enough free already (nothing changed), raised by what is missing (memory
 *    compacted first), too few from the kernel (refused with the numbers, nr_hugepages
 *    back where it was), given back at release, after a crash by recover;
 *  - isolation: user.slice, system.slice and init.scope on the host's CPUs at prepare,
 *    back on every CPU at release and, after a crash, at recover.
 */
#include "vf-test-systemd.h"
#include "vf-test-util.h"

#include "tune/vf-tune-run.h"
#include "tune/vf-tune-runtime.h"

#include <gio/gio.h>

#define VF_PAGES "/sys/kernel/mm/hugepages/hugepages-2048kB/"

/* ---- the record ---- */

#define VF_DOMAIN_HEAD "<domain type='kvm'><name>win11</name><metadata>"
#define VF_DOMAIN_TAIL "</metadata><memory unit='KiB'>8388608</memory></domain>"
#define VF_TUNE_OPEN   "<vftune:tune xmlns:vftune='https://virtflow.org/xmlns/tune/1.0' "

static VfTuneRuntime *
vf_read(const char *metadata, GError **error)
{
    g_autofree char *xml = g_strconcat(VF_DOMAIN_HEAD, metadata, VF_DOMAIN_TAIL, NULL);
    VfTuneRuntime *rt = NULL;

    if (!vf_tune_runtime_from_domain_xml(xml, &rt, error))
        g_assert_null(rt);
    return rt;
}

static void
test_record_read(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfTuneRuntime) rt = NULL;
    g_autoptr(VfTuneRuntime) none = NULL;
    g_autoptr(VfTuneRuntime) plain = NULL;

    rt = vf_read(VF_TUNE_OPEN "host-cpus='0-1,8-9' vm-cpus='2-7,10-15' isolate='yes'>"
                              "<vftune:hugepages size-kib='2048' count='4096'/>"
                              "<vftune:vcpupin-before/></vftune:tune>",
                 &error);
    g_assert_no_error(error);
    g_assert_nonnull(rt);
    g_assert_cmpstr(rt ? rt->host_cpus : NULL, ==, "0-1,8-9");
    g_assert_cmpstr(rt ? rt->vm_cpus : NULL, ==, "2-7,10-15");
    g_assert_true(rt && rt->isolate);
    g_assert_cmpuint(rt ? rt->hugepage_size_kib : 0, ==, 2048);
    g_assert_cmpuint(rt ? rt->hugepage_count : 0, ==, 4096);

    /* no record (another namespace's metadata is not ours) */
    g_assert_true(vf_tune_runtime_from_domain_xml(
        VF_DOMAIN_HEAD "<app:x xmlns:app='https://example.org/app'/>" VF_DOMAIN_TAIL, &none,
        &error));
    g_assert_no_error(error);
    g_assert_null(none);

    plain = vf_read(VF_TUNE_OPEN "host-cpus='0' vm-cpus='1-3'/>", &error);
    g_assert_no_error(error);
    g_assert_false(plain && plain->isolate);
    g_assert_cmpuint(plain ? plain->hugepage_size_kib : 1, ==, 0);
}

static void
test_record_damaged(void)
{
    static const struct {
        const char *metadata;
        const char *says;
    } cases[] = {
        {VF_TUNE_OPEN "host-cpus='0-1' vm-cpus='2-x'/>", "vm-cpus '2-x' is not a CPU list"},
        {VF_TUNE_OPEN "host-cpus='3-1' vm-cpus='4'/>", "host-cpus '3-1' is not a CPU list"},
        {VF_TUNE_OPEN "vm-cpus='4'/>", "host-cpus is missing"},
        {VF_TUNE_OPEN "host-cpus='' vm-cpus='4'/>", "host-cpus is empty"},
        {VF_TUNE_OPEN "host-cpus='99999' vm-cpus='4'/>", "below 8192"},
        {VF_TUNE_OPEN "host-cpus='0-3' vm-cpus='2-5'/>", "share CPUs"},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1' isolate='maybe'/>", "isolate=\"maybe\""},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'><vftune:hugepages size-kib='3000' "
                      "count='2'/></vftune:tune>",
         "3000 KiB is not a power of two"},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'><vftune:hugepages size-kib='2048' "
                      "count='0'/></vftune:tune>",
         "count=\"0\""},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'><vftune:hugepages size-kib='2048' "
                      "count='-5'/></vftune:tune>",
         "count=\"-5\""},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'><vftune:hugepages size-kib='2048' "
                      "count='99999999999999'/></vftune:tune>",
         "expected a number from 1 to"},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'><vftune:hugepages size-kib='2048' count='1'/>"
                      "<vftune:hugepages size-kib='2048' count='1'/></vftune:tune>",
         "two <vftune:hugepages>"},
        {VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'/>" VF_TUNE_OPEN "host-cpus='0' vm-cpus='1'/>",
         "holds two of them"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(VfTuneRuntime) rt = vf_read(cases[i].metadata, &error);

        g_test_message("case %u: %s", i, cases[i].metadata);
        g_assert_null(rt);
        g_assert_error(error, VF_ERROR, VF_ERROR_XML);
        vf_assert_contains(VF_MSG(error), cases[i].says);
    }
}

/* ---- huge pages ---- */

static const VfKmodelDevice vf_small_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {NULL},
};
static const VfKmodelHost vf_small_host = {.devices = vf_small_devices};

/* A host with @nr pages of 2 MiB, @free of them free; the kernel finds at most @max. */
static VfTestHost *
vf_pages_host(guint64 nr, guint64 free, guint64 max)
{
    VfTestHost *th = vf_test_host_new(&vf_small_host, FALSE);
    g_autoptr(GError) error = NULL;

    /* before the model is attached: it reads its state then */
    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, nr, free, max, &error));
    g_assert_no_error(error);
    vf_test_host_write(th, "proc/meminfo",
                       "MemTotal:       32768000 kB\nHugePages_Total:       0\n"
                       "Hugepagesize:       2048 kB\nHugetlb:               0 kB\n");
    g_assert_true(vf_kmodel_attach(th->host, &error));
    g_assert_no_error(error);
    return th;
}

static guint64
vf_pages(VfTestHost *th, const char *attr)
{
    g_autofree char *path = g_strconcat(VF_PAGES, attr, NULL);
    g_autofree char *text = vf_host_read(th->host, path, NULL);
    guint64 value = G_MAXUINT64;

    g_assert_true(text && vf_host_parse_uint(text, 10, &value));
    return value;
}

/* free_hugepages as QEMU leaves it: it takes the VM's pages while it runs, and they are
 * free again once it is gone */
static void
vf_set_free(VfTestHost *th, guint64 free)
{
    g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT "\n", free);

    vf_test_host_write(th, "sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", text);
}

static VfTuneRuntime *
vf_pages_runtime(guint64 count)
{
    VfTuneRuntime *rt = g_new0(VfTuneRuntime, 1);

    rt->hugepage_size_kib = 2048;
    rt->hugepage_count = count;
    rt->host_cpus = g_strdup("0-1");
    rt->vm_cpus = g_strdup("2-7");
    return rt;
}

static guint
vf_journals(VfTestHost *th)
{
    g_autofree char *dir = vf_test_host_path(th, "var/lib/virtflow/tune");

    return vf_test_count_entries(dir);
}

static void
test_pages_free_already(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(1024, 1024, 4096);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(512);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *released = NULL;
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;

    g_assert_true(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_no_error(error);
    vf_assert_contains(summary, "512 huge pages of 2M free already");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_journals(th), ==, 0);
    g_assert_cmpuint(vf_kmodel_count_compactions(th->root), ==, 0);
    g_assert_true(vf_tune_run_release(th->host, NULL, "win11", &released, &error));
    g_assert_cmpstr(released, ==, "");
}

static void
test_pages_raised_and_given_back(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(100, 40, 100000);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(4096);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *released = NULL;
    g_autofree char *again = NULL;

    g_assert_true(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_no_error(error);
    /* 40 were free: 4056 more */
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 4156);
    g_assert_cmpuint(vf_pages(th, "free_hugepages"), ==, 4096);
    g_assert_cmpuint(vf_kmodel_count_compactions(th->root), ==, 1);
    vf_assert_contains(summary, "4056 reserved, nr_hugepages 100 → 4156");
    g_assert_cmpuint(vf_journals(th), ==, 1);

    vf_set_free(th, 0);    /* QEMU runs */
    vf_set_free(th, 4096); /* QEMU is gone: its pages are free again */
    g_assert_true(vf_tune_run_release(th->host, NULL, "win11", &released, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 100);
    g_assert_cmpuint(vf_pages(th, "free_hugepages"), ==, 40);
    vf_assert_contains(released, "4056 huge pages of 2048 KiB given back");
    g_assert_cmpuint(vf_journals(th), ==, 0);

    /* libvirt may call release twice */
    g_assert_true(vf_tune_run_release(th->host, NULL, "win11", &again, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(again, ==, "");
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 100);
}

/* Growing the pool compacts memory first: on a busy host (or in the kernel rig) that takes
 * longer than the deadline meant for a driver's sysfs write, and the VM must still start. */
static void
test_pages_slow_to_grow(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(0, 0, 100000);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(32);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *released = NULL;

    vf_host_set_write_timeout(th->host, 50);
    vf_kmodel_set_hugepages_grow_ms(vf_kmodel_get(th->host), 300);
    g_assert_true(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 32);
    vf_assert_contains(summary, "32 reserved, nr_hugepages 0 → 32");
    /* giving them back shrinks the pool: no wait */
    g_assert_true(vf_tune_run_release(th->host, NULL, "win11", &released, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 0);
}

static void
test_pages_too_few(void)
{
    /* the kernel finds 1500 pages in all: 1400 more than the 100 there are */
    g_autoptr(VfTestHost) th = vf_pages_host(100, 100, 1500);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(4096);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;

    g_assert_false(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_VERIFY);
    vf_assert_contains(VF_MSG(error), "refusing to start VM 'win11'");
    vf_assert_contains(VF_MSG(error), "needs 4096 huge pages of 2M (8 GiB)");
    vf_assert_contains(VF_MSG(error), "100 were free");
    vf_assert_contains(VF_MSG(error), "found only 1400 of the 3996 more");
    vf_assert_contains(VF_MSG(error), "wanted 4096, got 1500");
    vf_assert_contains(VF_MSG(error), "'hugepagesz=2M hugepages=4096'");
    vf_assert_contains(VF_MSG(error), "(or 'vm.nr_hugepages = 4096' in /etc/sysctl.d/)");
    /* it tried (memory compacted, the pool raised), and nothing is left allocated */
    g_assert_cmpuint(vf_kmodel_count_compactions(th->root), ==, 1);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 100);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    g_assert_cmpuint(vf_journals(th), ==, 0);
}

static void
test_pages_no_such_size(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(0, 0, 100);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(4);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;

    rt->hugepage_size_kib = 1048576;
    g_assert_false(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
    vf_assert_contains(VF_MSG(error), "huge pages of 1048576 KiB");
    vf_assert_contains(VF_MSG(error), "--hugepages auto");
}

/* 1 GiB pages are not the default size: vm.nr_hugepages would not reserve them */
static void
test_pages_too_few_other_size(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(0, 0, 100);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(8);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;

    g_assert_true(vf_kmodel_add_hugepages(th->root, 1048576, 0, 0, 1, &error));
    g_clear_pointer(&th->host, vf_host_unref);
    th->host = vf_host_new(th->root, &error);
    g_assert_true(vf_kmodel_attach(th->host, &error));
    rt->hugepage_size_kib = 1048576;
    g_assert_false(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_error(error, VF_ERROR, VF_ERROR_VERIFY);
    vf_assert_contains(VF_MSG(error), "needs 8 huge pages of 1G (8 GiB)");
    vf_assert_contains(VF_MSG(error), "wanted 8, got 1");
    vf_assert_contains(VF_MSG(error), "'hugepagesz=1G hugepages=8' to the kernel command line,");
    vf_assert_not_contains(VF_MSG(error), "vm.nr_hugepages");
}

/* Two tuned VMs: each gives back its own, whatever the order. */
static void
test_pages_two_vms(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(10, 10, 100000);
    g_autoptr(VfTuneRuntime) a = vf_pages_runtime(110);
    g_autoptr(VfTuneRuntime) b = vf_pages_runtime(200);
    g_autoptr(GError) error = NULL;
    g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;

    g_assert_true(vf_tune_run_prepare(th->host, NULL, "a", a, &s1, &error));
    vf_set_free(th, 0); /* a runs */
    g_assert_true(vf_tune_run_prepare(th->host, NULL, "b", b, &s2, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 310);
    /* a stops first: its 110 pages are free again */
    vf_set_free(th, 110); /* b runs, a stopped */
    g_assert_true(vf_tune_run_release(th->host, NULL, "a", &s3, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 210);
    vf_set_free(th, 200); /* b stopped */
    g_assert_true(vf_tune_run_release(th->host, NULL, "b", &s4, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 10);
}

/* A crash after prepare (the host, libvirtd or the hook killed): recover gives them back. */
static void
test_pages_recover(void)
{
    g_autoptr(VfTestHost) th = vf_pages_host(0, 0, 100000);
    g_autoptr(VfTuneRuntime) rt = vf_pages_runtime(512);
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *recovered = NULL;
    g_autofree char *nothing = NULL;
    g_autoptr(GPtrArray) pending = NULL;

    g_assert_true(vf_tune_run_prepare(th->host, NULL, "win11", rt, &summary, &error));
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 512);
    pending = vf_tune_run_dup_pending(th->host);
    g_assert_cmpuint(pending->len, ==, 1);
    g_assert_cmpstr(pending->len ? pending->pdata[0] : NULL, ==, "win11");
    /* a new process, as `virtflow recover` is */
    g_clear_pointer(&th->host, vf_host_unref);
    th->host = vf_host_new(th->root, &error);
    g_assert_true(vf_kmodel_attach(th->host, &error));
    /* only libvirtd crashed: the VM's QEMU still runs, and keeps its pages */
    vf_test_host_write(th, "run/libvirt/qemu/win11.pid", "4242");
    vf_test_host_add_process(th, 4242, "qemu-system-x86", g_get_real_time() / G_USEC_PER_SEC);
    g_assert_true(vf_tune_run_recover(th->host, NULL, &recovered, &error));
    g_assert_no_error(error);
    vf_assert_contains(recovered, "win11 still runs: left as it is");
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 512);
    g_clear_pointer(&recovered, g_free);
    /* it is gone (its pid file stays after a crash, naming no QEMU) */
    vf_test_host_write(th, "proc/4242/comm", "bash\n");
    g_assert_true(vf_tune_run_recover(th->host, NULL, &recovered, &error));
    g_assert_no_error(error);
    vf_assert_contains(recovered, "win11: 512 huge pages");
    g_assert_cmpuint(vf_pages(th, "nr_hugepages"), ==, 0);
    g_assert_cmpuint(vf_journals(th), ==, 0);
    g_assert_true(vf_tune_run_recover(th->host, NULL, &nothing, &error));
    g_assert_cmpstr(nothing, ==, "");
}

/* ---- isolation, against a stand-in systemd ---- */

typedef struct {
    GDBusConnection *client;
    VfTestSystemd *fake;
    VfTestHost *th;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    f->client = vf_test_systemd_connect();
    f->fake = vf_test_systemd_new(VF_TEST_SYSTEMD_JOB_DONE);
    f->th = vf_pages_host(0, 0, 100000);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_clear_pointer(&f->fake, vf_test_systemd_free);
    g_dbus_connection_close_sync(f->client, NULL, NULL);
    g_object_unref(f->client);
    vf_test_host_free(f->th);
}

/* "user.slice=0-1 system.slice=0-1 init.scope=0-1", "-" for a unit never set */
static char *
fake_units(Fixture *f)
{
    static const char *const units[] = {"user.slice", "system.slice", "init.scope"};
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < G_N_ELEMENTS(units); i++) {
        g_autofree char *v = vf_test_systemd_dup_allowed(f->fake, units[i]);

        g_string_append_printf(out, "%s%s=%s", i ? " " : "", units[i], v ? v : "-");
    }
    return g_string_free(out, FALSE);
}

static VfTuneRuntime *
vf_isolate_runtime(void)
{
    VfTuneRuntime *rt = g_new0(VfTuneRuntime, 1);

    rt->isolate = TRUE;
    rt->host_cpus = g_strdup("0-1,8-9");
    rt->vm_cpus = g_strdup("2-7,10-15");
    return rt;
}

static void
test_isolate_prepare_release(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VfTuneRuntime) rt = vf_isolate_runtime();
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *released = NULL;
    g_autofree char *during = NULL;
    g_autofree char *after = NULL;

    g_assert_true(vf_tune_run_prepare(f->th->host, f->client, "win11", rt, &summary, &error));
    g_assert_no_error(error);
    during = fake_units(f);
    g_assert_cmpstr(during, ==, "user.slice=0-1,8-9 system.slice=0-1,8-9 init.scope=0-1,8-9");
    vf_assert_contains(summary, "user.slice, system.slice and init.scope on CPUs 0-1,8-9");
    g_assert_cmpuint(vf_journals(f->th), ==, 1);

    g_assert_true(vf_tune_run_release(f->th->host, f->client, "win11", &released, &error));
    g_assert_no_error(error);
    after = fake_units(f);
    g_assert_cmpstr(after, ==, "user.slice= system.slice= init.scope=");
    vf_assert_contains(released, "win11: systemd's slices back on every CPU");
    g_assert_cmpuint(vf_journals(f->th), ==, 0);
}

/* systemd says no for one unit: the start is refused, the others are back on all CPUs. */
static void
test_isolate_refused(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VfTuneRuntime) rt = vf_isolate_runtime();
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *after = NULL;

    f->fake->fail_unit = "system.slice";
    rt->hugepage_size_kib = 2048;
    rt->hugepage_count = 64;
    g_assert_false(vf_tune_run_prepare(f->th->host, f->client, "win11", rt, &summary, &error));
    g_assert_nonnull(error);
    vf_assert_contains(VF_MSG(error), "cannot confine the host to CPUs 0-1,8-9");
    vf_assert_contains(VF_MSG(error), "system.slice");
    vf_assert_contains(VF_MSG(error), "Access denied");
    after = fake_units(f);
    g_assert_cmpstr(after, ==, "user.slice= system.slice=- init.scope=-");
    /* the pages it had taken are given back */
    g_assert_cmpuint(vf_pages(f->th, "nr_hugepages"), ==, 0);
    g_assert_cmpuint(vf_journals(f->th), ==, 0);
}

/* A crash while the VM ran: recover puts the slices back on every CPU. */
static void
test_isolate_recover(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VfTuneRuntime) rt = vf_isolate_runtime();
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *recovered = NULL;
    g_autofree char *after = NULL;
    guint calls;

    g_assert_true(vf_tune_run_prepare(f->th->host, f->client, "win11", rt, &summary, &error));
    g_assert_no_error(error);
    /* the hook that would have released is gone; `virtflow recover` runs later */
    g_assert_true(vf_tune_run_recover(f->th->host, f->client, &recovered, &error));
    g_assert_no_error(error);
    after = fake_units(f);
    g_assert_cmpstr(after, ==, "user.slice= system.slice= init.scope=");
    vf_assert_contains(recovered, "win11: systemd's slices back on every CPU");
    g_assert_cmpuint(vf_journals(f->th), ==, 0);
    /* nothing left: release afterwards asks systemd nothing */
    calls = vf_test_systemd_count_calls(f->fake);
    g_clear_pointer(&recovered, g_free);
    g_assert_true(vf_tune_run_release(f->th->host, f->client, "win11", &recovered, &error));
    g_assert_cmpuint(vf_test_systemd_count_calls(f->fake), ==, calls);
}

/* Two isolated VMs: the first to stop leaves the slices on the other's host CPUs. */
static void
test_isolate_two_vms(Fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    g_autoptr(VfTuneRuntime) a = vf_isolate_runtime();
    g_autoptr(VfTuneRuntime) b = vf_isolate_runtime();
    g_autoptr(GError) error = NULL;
    g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
    g_autofree char *mid = NULL;
    g_autofree char *after = NULL;

    g_free(b->host_cpus);
    b->host_cpus = g_strdup("0-1");
    g_assert_true(vf_tune_run_prepare(f->th->host, f->client, "a", a, &s1, &error));
    g_assert_true(vf_tune_run_prepare(f->th->host, f->client, "b", b, &s2, &error));
    g_assert_true(vf_tune_run_release(f->th->host, f->client, "a", &s3, &error));
    g_assert_no_error(error);
    mid = fake_units(f);
    g_assert_cmpstr(mid, ==, "user.slice=0-1 system.slice=0-1 init.scope=0-1");
    g_assert_true(vf_tune_run_release(f->th->host, f->client, "b", &s4, &error));
    after = fake_units(f);
    g_assert_cmpstr(after, ==, "user.slice= system.slice= init.scope=");
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tune/record/read", test_record_read);
    g_test_add_func("/tune/record/damaged", test_record_damaged);
    g_test_add_func("/tune/hugepages/free-already", test_pages_free_already);
    g_test_add_func("/tune/hugepages/raised-and-given-back", test_pages_raised_and_given_back);
    g_test_add_func("/tune/hugepages/too-few", test_pages_too_few);
    g_test_add_func("/tune/hugepages/slow-to-grow", test_pages_slow_to_grow);
    g_test_add_func("/tune/hugepages/no-such-size", test_pages_no_such_size);
    g_test_add_func("/tune/hugepages/too-few-other-size", test_pages_too_few_other_size);
    g_test_add_func("/tune/hugepages/two-vms", test_pages_two_vms);
    g_test_add_func("/tune/hugepages/recover", test_pages_recover);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/tune/isolate/prepare-release", test_isolate_prepare_release);
    ADD("/tune/isolate/refused", test_isolate_refused);
    ADD("/tune/isolate/recover", test_isolate_recover);
    ADD("/tune/isolate/two-vms", test_isolate_two_vms);
#undef ADD
    vf_test_systemd_bus_up();
    rc = g_test_run();
    vf_test_systemd_bus_down();
    return rc;
}
