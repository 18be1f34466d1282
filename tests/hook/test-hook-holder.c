/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test-hook-holder: the libvirt hook refuses what must not be taken from the host
 *
 * The demo host cannot have processes (the kernel model's process table is fixed when
 * the tree is built), so this builds its own machines with vf_kmodel_build(): the demo's
 * desktop with a display server holding the dGPU's render node, with a monitor on the
 * dGPU, without an IOMMU, and with the dGPU already given to another running VM. For each
 * it runs the hook binary ($VF_HOOK, the gate) as libvirtd does: four arguments (after the
 * test's --host-root and --log), the domain XML on stdin, the scrubbed environment. What
 * a user sees is asserted: the exit status, the reason on stderr, the log line, and the
 * host tree unchanged.
 */
#include "vf-test-util.h"
#include "vf-hook-stdin.h"

#include "domain/vf-domain-xml.h"
#include "tune/vf-tune-runtime.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define VF_DOMAIN_XML                                                                              \
    "<domain type='kvm'>\n"                                                                        \
    "  <name>held</name>\n"                                                                        \
    "  <metadata>\n"                                                                               \
    "    <virtflow:passthrough xmlns:virtflow=\"https://virtflow.org/xmlns/passthrough/1.0\" "     \
    "gpu=\"0000:01:00.0\">\n"                                                                      \
    "      <virtflow:device address=\"0000:01:00.0\" driver=\"nvidia\"/>\n"                        \
    "      <virtflow:device address=\"0000:01:00.1\" driver=\"snd_hda_intel\"/>\n"                 \
    "    </virtflow:passthrough>\n"                                                                \
    "  </metadata>\n"                                                                              \
    "  <memory unit='MiB'>512</memory>\n"                                                          \
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"                                    \
    "  <devices/>\n"                                                                               \
    "</domain>\n"

#define VF_LOADED "vfio vfio_iommu_type1 vfio_pci pcieport i915 snd_hda_intel nvidia"

/* The demo's desktop, trimmed: iGPU (boot VGA) and the dGPU with its HDMI audio. */
static const VfKmodelDevice vf_desktop_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128",
     "eDP-1:connected:enabled"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:disconnected:disabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelProcess vf_xorg[] = {
    {1, "systemd", "/dev/null", NULL},
    {4242, "Xorg", "/dev/null /dev/dri/card0 /dev/dri/renderD129", NULL},
    {0},
};

static const VfKmodelHost vf_held_host = {
    .loaded = VF_LOADED,
    .devices = vf_desktop_devices,
    .processes = vf_xorg,
};

static const VfKmodelDevice vf_monitor_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128",
     "eDP-1:connected:enabled"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, 12, 0, "0000:00:01.0",
     "card1 renderD129", "DP-1:connected:enabled"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, 12, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_monitor_host = {
    .loaded = VF_LOADED,
    .devices = vf_monitor_devices,
};

static const VfKmodelDevice vf_no_iommu_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, -1, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, -1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, -1, 1, NULL, "card0 renderD128"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "nvidia", NULL, -1, 0, "0000:00:01.0",
     "card1 renderD129"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "snd_hda_intel", NULL, -1, -1, "0000:00:01.0", NULL,
     NULL, "card1"},
    {NULL},
};

static const VfKmodelHost vf_no_iommu_host = {
    .cmdline = "BOOT_IMAGE=/vmlinuz ro quiet",
    .no_iommu_unit = TRUE,
    .loaded = VF_LOADED,
    .devices = vf_no_iommu_devices,
};

/* Another VM runs with the dGPU: the set sits on vfio-pci and QEMU holds /dev/vfio/12. */
static const VfKmodelDevice vf_in_vm_devices[] = {
    {"0000:00:00.0", 0x060000, 0x8086, 0x4660, NULL, NULL, 0, -1},
    {"0000:00:01.0", 0x060400, 0x8086, 0x460d, "pcieport", NULL, 1, -1},
    {"0000:00:02.0", 0x030000, 0x8086, 0x4680, "i915", NULL, 2, 1, NULL, "card0 renderD128",
     "eDP-1:connected:enabled"},
    {"0000:01:00.0", 0x030000, 0x10de, 0x2684, "vfio-pci", "vfio_pci", 12, 0, "0000:00:01.0"},
    {"0000:01:00.1", 0x040300, 0x10de, 0x22ba, "vfio-pci", "vfio_pci", 12, -1, "0000:00:01.0"},
    {NULL},
};

static const VfKmodelProcess vf_qemu[] = {
    {777, "qemu-system-x86", "/dev/null /dev/vfio/vfio /dev/vfio/12", NULL},
    {0},
};

static const VfKmodelHost vf_in_vm_host = {
    .loaded = VF_LOADED,
    .devices = vf_in_vm_devices,
    .processes = vf_qemu,
};

typedef struct {
    int status; /* exit status, or -1 when it did not exit normally */
    char *err;
    char *out;
    char *log; /* the whole hook log */
} VfHookRun;

static void
vf_hook_run_clear(VfHookRun *run)
{
    g_free(run->err);
    g_free(run->out);
    g_free(run->log);
}

static int
vf_open_tmp(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    return fd;
}

static char *
vf_read_fd(int fd)
{
    g_autoptr(GString) s = g_string_new(NULL);
    char buf[4096];
    ssize_t n;

    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        g_string_append_len(s, buf, n);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Runs the hook on @th as libvirtd would: `HOOK held OP SUBOP -` with @xml on stdin. */
static void
vf_hook_call(VfTestHost *th, const char *op, const char *subop, const char *xml, VfHookRun *run)
{
    const char *hook = g_getenv("VF_HOOK");
    g_autofree char *dir = vf_test_host_path(th, "var/lib/virtflow");
    g_autofree char *log = g_build_filename(dir, "hook.log", NULL);
    g_autofree char *xml_path = g_build_filename(dir, "domain.xml", NULL);
    /* what libvirtd leaves of the environment */
    const char *envp[] = {"LC_ALL=C", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                          "HOME=/root", NULL};
    const char *argv[] = {hook, "--host-root", th->root, "--log", log, "held",
                          op,   subop,         "-",      NULL};
    g_autoptr(GError) error = NULL;
    int in_fd, out_fd, err_fd, wstatus = 0;
    GPid pid = 0;

    g_assert_nonnull(hook);
    g_mkdir_with_parents(dir, 0755);
    g_file_set_contents(xml_path, xml, -1, &error);
    g_assert_no_error(error);
    in_fd = open(xml_path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(in_fd, >=, 0);
    out_fd = vf_open_tmp(dir, "hook.out");
    err_fd = vf_open_tmp(dir, "hook.err");

    g_spawn_async_with_pipes_and_fds(NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, in_fd,
                                     out_fd, err_fd, NULL, NULL, 0, &pid, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(pid);
    run->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    run->out = vf_read_fd(out_fd);
    run->err = vf_read_fd(err_fd);
    if (!g_file_get_contents(log, &run->log, NULL, NULL))
        run->log = g_strdup("");
    close(in_fd);
    close(out_fd);
    close(err_fd);
}

/* The last line of @text (without its newline). */
static char *
vf_last_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);

    while (n > 0 && *lines[n - 1] == '\0')
        n--;
    return g_strdup(n > 0 ? lines[n - 1] : "");
}

/* prepare must refuse: exit 1, stderr says @code and @needle, the log says refused, and
 * nothing on the host moved. Then release: exit 0, nothing moved. */
static void
vf_check_prepare_refused(const VfKmodelHost *spec, const char *code, const char *needle)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(spec, FALSE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    g_autofree char *blocker = g_strdup_printf("[%s]", code);
    VfHookRun run = {0};

    vf_hook_call(th, "prepare", "begin", VF_DOMAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err, code);
    vf_assert_contains(run.err, needle);
    vf_assert_contains(run.err, "'held'");
    vf_assert_contains(run.err, "fix:");
    g_assert_cmpstr(run.out, ==, "");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "domain=\"held\" operation=prepare gpu=0000:01:00.0 "
                             "devices=0000:01:00.0,0000:01:00.1 ");
    vf_assert_contains(line, "result=refused reason=\"[");
    vf_assert_contains(line, blocker);
    vf_assert_contains(line, " duration_ms=");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);

    /* libvirt calls release after the failed start: nothing to give back */
    vf_hook_call(th, "release", "end", VF_DOMAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    g_clear_pointer(&line, g_free);
    line = vf_last_line(run.log);
    vf_assert_contains(line, "operation=release");
    vf_assert_contains(line, "result=ok detail=\"already on the host drivers\"");
    g_clear_pointer(&after, g_free);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

static void
test_display_server_holds_the_render_node(void)
{
    /* the pid and the program, so the user knows what to close */
    vf_check_prepare_refused(&vf_held_host, "in-use", "pid 4242 (Xorg) holds /dev/dri/renderD129");
}

static void
test_monitor_on_the_dgpu(void)
{
    vf_check_prepare_refused(&vf_monitor_host, "display-active", "DP-1");
}

static void
test_no_iommu(void)
{
    vf_check_prepare_refused(&vf_no_iommu_host, "no-iommu", "0000:01:00.0 has no IOMMU group");
}

/* A second VM activated for the same GPU: its start is refused naming the VM's QEMU, and
 * its release (libvirt calls it after the failed start) leaves the running VM's GPU alone. */
static void
test_gpu_in_another_vm(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_in_vm_host, FALSE);
    g_autofree char *before = vf_test_host_snapshot(th);
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    VfHookRun run = {0};

    g_autofree char *drivers = NULL;
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", NULL};

    drivers = vf_test_drivers(th, set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
    vf_assert_contains(before, "F dev/vfio/12 =");

    vf_hook_call(th, "prepare", "begin", VF_DOMAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err, "in-use");
    vf_assert_contains(run.err, "pid 777 (qemu-system-x86) holds /dev/vfio/12");
    vf_hook_run_clear(&run);

    vf_hook_call(th, "release", "end", VF_DOMAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err, "stays on vfio-pci");
    vf_assert_contains(run.err, "pid 777");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "operation=release");
    vf_assert_contains(line, "result=refused reason=\"[in-use]");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* ---- issue 14: the tune record's huge pages at prepare and release ---- */

#define VF_TUNED_XML                                                                               \
    "<domain type='kvm'>\n"                                                                        \
    "  <name>held</name>\n"                                                                        \
    "  <metadata>\n"                                                                               \
    "    <virtflow:passthrough xmlns:virtflow=\"https://virtflow.org/xmlns/passthrough/1.0\" "     \
    "gpu=\"0000:01:00.0\">\n"                                                                      \
    "      <virtflow:device address=\"0000:01:00.0\" driver=\"nvidia\"/>\n"                        \
    "      <virtflow:device address=\"0000:01:00.1\" driver=\"snd_hda_intel\"/>\n"                 \
    "    </virtflow:passthrough>\n"                                                                \
    "    <vftune:tune xmlns:vftune=\"https://virtflow.org/xmlns/tune/1.0\" host-cpus=\"0-1\" "     \
    "vm-cpus=\"2-3\">\n"                                                                           \
    "      <vftune:hugepages size-kib=\"2048\" count=\"512\"/>\n"                                  \
    "    </vftune:tune>\n"                                                                         \
    "  </metadata>\n"                                                                              \
    "  <memory unit='MiB'>1024</memory>\n"                                                         \
    "  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>\n"     \
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"                                    \
    "  <devices/>\n"                                                                               \
    "</domain>\n"

static const VfKmodelHost vf_free_host = {
    .loaded = VF_LOADED,
    .devices = vf_desktop_devices,
};

static char *
vf_nr_hugepages(VfTestHost *th)
{
    g_autofree char *path =
        vf_test_host_path(th, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return g_strchomp(text);
}

/* The kernel finds only 100 pages: the start is refused before the GPU moves, with the
 * numbers and how to reserve them at boot, and nothing is left allocated. */
static void
test_tune_too_few_pages(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNED_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err,
                       "refusing to start VM 'held': it needs 512 huge pages of 2M (1 GiB)");
    vf_assert_contains(run.err, "wanted 512, got 100");
    vf_assert_contains(run.err, "'hugepagesz=2M hugepages=512'");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "result=refused reason=\"[verify] refusing to start VM 'held'");
    g_assert_cmpuint(vf_kmodel_count_compactions(th->root), ==, 1);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);

    vf_hook_call(th, "release", "end", VF_TUNED_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_clear_pointer(&after, g_free);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* Enough: the pages are there while the VM runs, and gone with it at release. */
static void
test_tune_pages_round_trip(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    g_autofree char *nr = NULL;
    g_autofree char *drivers = NULL;
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", NULL};
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100000, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNED_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    nr = vf_nr_hugepages(th);
    g_assert_cmpstr(nr, ==, "512");
    drivers = vf_test_drivers(th, set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "result=ok detail=\"bound to vfio-pci");
    vf_assert_contains(line, "; tune: 512 huge pages of 2M (1 GiB): 512 reserved");
    vf_hook_run_clear(&run);

    vf_hook_call(th, "release", "end", VF_TUNED_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_clear_pointer(&line, g_free);
    line = vf_last_line(run.log);
    vf_assert_contains(line, "tune: held: 512 huge pages of 2048 KiB given back");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* The GPU is refused after the pages were taken: they go back, the start is refused. */
static void
test_tune_gpu_refused(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_held_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100000, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNED_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err, "pid 4242 (Xorg)");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* A damaged tune record: prepare refuses before anything moves; release still brings the
 * GPU home (it works from the journal, not the record). */
static void
test_tune_damaged_record(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autofree char *damaged = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *drivers = NULL;
    GString *xml = g_string_new(VF_TUNED_XML);
    static const char *const set[] = {"0000:01:00.0", "0000:01:00.1", NULL};
    VfHookRun run = {0};

    g_string_replace(xml, "count=\"512\"", "count=\"-1\"", 1);
    damaged = g_string_free(xml, FALSE);
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", damaged, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err, "the domain's tune record (<vftune:tune>) is damaged");
    vf_assert_contains(run.err, "count=\"-1\"");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);

    /* the GPU on vfio-pci (a start through the undamaged record earlier): release returns it */
    vf_hook_call(th, "prepare", "begin", VF_DOMAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    vf_hook_run_clear(&run);
    vf_hook_call(th, "release", "end", damaged, &run);
    g_assert_cmpint(run.status, ==, 0);
    drivers = vf_test_drivers(th, set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");
    vf_hook_run_clear(&run);
}

/* ---- issue 14: a VM tuned but not activated (no passthrough record) ---- */

#define VF_TUNE_ONLY_XML                                                                           \
    "<domain type='kvm'>\n"                                                                        \
    "  <name>held</name>\n"                                                                        \
    "  <metadata>\n"                                                                               \
    "    <vftune:tune xmlns:vftune=\"https://virtflow.org/xmlns/tune/1.0\" host-cpus=\"0-1\" "     \
    "vm-cpus=\"2-3\">\n"                                                                           \
    "      <vftune:hugepages size-kib=\"2048\" count=\"512\"/>\n"                                  \
    "    </vftune:tune>\n"                                                                         \
    "  </metadata>\n"                                                                              \
    "  <memory unit='MiB'>1024</memory>\n"                                                         \
    "  <memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>\n"     \
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"                                    \
    "  <devices/>\n"                                                                               \
    "</domain>\n"

/* the same domain without any record of VirtFlow's */
#define VF_PLAIN_XML                                                                               \
    "<domain type='kvm'>\n"                                                                        \
    "  <name>held</name>\n"                                                                        \
    "  <memory unit='MiB'>1024</memory>\n"                                                         \
    "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"                                    \
    "  <devices/>\n"                                                                               \
    "</domain>\n"

static const char *const vf_dgpu_set[] = {"0000:01:00.0", "0000:01:00.1", NULL};

/* The gate searches for one prefix: both records' namespaces must start with it. */
static void
test_gate_prefix(void)
{
    g_assert_true(g_str_has_prefix(VF_DOMAIN_XML_NAMESPACE, VF_HOOK_XML_NAMESPACE_PREFIX));
    g_assert_true(g_str_has_prefix(VF_TUNE_XML_NAMESPACE, VF_HOOK_XML_NAMESPACE_PREFIX));
}

/* The gate passes tune's namespace: prepare reserves the pages, the GPU stays on its host
 * drivers; release gives them back. */
static void
test_tune_only_round_trip(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    g_autofree char *nr = NULL;
    g_autofree char *drivers = NULL;
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100000, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNE_ONLY_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    nr = vf_nr_hugepages(th);
    g_assert_cmpstr(nr, ==, "512");
    drivers = vf_test_drivers(th, vf_dgpu_set);
    g_assert_cmpstr(drivers, ==, "0000:01:00.0=nvidia 0000:01:00.1=snd_hda_intel");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "domain=\"held\" operation=prepare gpu=- devices=- result=ok");
    vf_assert_contains(line, "tuned, no GPU passthrough; tune: 512 huge pages of 2M (1 GiB): "
                             "512 reserved");
    vf_hook_run_clear(&run);

    vf_hook_call(th, "release", "end", VF_TUNE_ONLY_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    g_clear_pointer(&line, g_free);
    line = vf_last_line(run.log);
    vf_assert_contains(line, "operation=release gpu=- devices=- result=ok");
    vf_assert_contains(line, "tune: held: 512 huge pages of 2048 KiB given back");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* Too few pages: refused with the numbers, nothing left allocated, the GPU untouched. */
static void
test_tune_only_too_few_pages(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNE_ONLY_XML, &run);
    g_assert_cmpint(run.status, ==, 1);
    vf_assert_contains(run.err,
                       "refusing to start VM 'held': it needs 512 huge pages of 2M (1 GiB)");
    vf_assert_contains(run.err, "wanted 512, got 100");
    vf_assert_contains(run.err, "'hugepagesz=2M hugepages=512'");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "operation=prepare gpu=- devices=- result=refused reason=\"[verify]");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);

    /* libvirt's release after the refused start: nothing to give back */
    vf_hook_call(th, "release", "end", VF_TUNE_ONLY_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    g_clear_pointer(&after, g_free);
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* The record is gone from the XML release sees (removed from the live domain meanwhile):
 * release still gives back what the journal says. */
static void
test_tune_only_record_removed(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *line = NULL;
    g_autofree char *nr = NULL;
    VfHookRun run = {0};

    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100000, &error));
    before = vf_test_host_snapshot(th);
    vf_hook_call(th, "prepare", "begin", VF_TUNE_ONLY_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    nr = vf_nr_hugepages(th);
    g_assert_cmpstr(nr, ==, "512");
    vf_hook_run_clear(&run);

    vf_hook_call(th, "release", "end", VF_PLAIN_XML, &run);
    g_assert_cmpint(run.status, ==, 0);
    g_assert_cmpstr(run.err, ==, "");
    line = vf_last_line(run.log);
    vf_assert_contains(line, "operation=release gpu=- devices=- result=ok");
    vf_assert_contains(line, "tune: held: 512 huge pages of 2048 KiB given back");
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
    vf_hook_run_clear(&run);
}

/* Neither record: none of VirtFlow's business, as before (nothing done, nothing logged). */
static void
test_tune_only_neither(void)
{
    g_autoptr(VfTestHost) th = vf_test_host_new(&vf_free_host, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *mention = NULL;
    GString *xml = g_string_new(VF_PLAIN_XML);
    VfHookRun run = {0};

    /* tune's namespace in a description only: the gate hands it on, the worker finds no
     * record */
    g_string_replace(xml, "<devices/>",
                     "<description>https://virtflow.org/xmlns/tune/1.0</description><devices/>", 1);
    mention = g_string_free(xml, FALSE);
    g_assert_true(vf_kmodel_add_hugepages(th->root, 2048, 0, 0, 100000, &error));
    before = vf_test_host_snapshot(th);
    for (guint i = 0; i < 2; i++) {
        const char *dom = i == 0 ? VF_PLAIN_XML : mention;

        vf_hook_call(th, "prepare", "begin", dom, &run);
        g_assert_cmpint(run.status, ==, 0);
        g_assert_cmpstr(run.err, ==, "");
        g_assert_cmpstr(run.log, ==, "");
        vf_hook_run_clear(&run);
        vf_hook_call(th, "release", "end", dom, &run);
        g_assert_cmpint(run.status, ==, 0);
        g_assert_cmpstr(run.err, ==, "");
        g_assert_cmpstr(run.log, ==, "");
        vf_hook_run_clear(&run);
    }
    after = vf_test_host_snapshot(th);
    vf_assert_snapshot_equal(before, after);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    if (g_getenv("VF_HOOK") == NULL ||
        !g_file_test(g_getenv("VF_HOOK"), G_FILE_TEST_IS_EXECUTABLE)) {
        g_printerr("VF_HOOK must name the hook binary (build/src/hook/virtflow-hook)\n");
        return 1;
    }
    g_test_add_func("/hook/refuse/in-use", test_display_server_holds_the_render_node);
    g_test_add_func("/hook/refuse/display-active", test_monitor_on_the_dgpu);
    g_test_add_func("/hook/refuse/no-iommu", test_no_iommu);
    g_test_add_func("/hook/refuse/another-vm", test_gpu_in_another_vm);
    g_test_add_func("/hook/tune/too-few-pages", test_tune_too_few_pages);
    g_test_add_func("/hook/tune/pages-round-trip", test_tune_pages_round_trip);
    g_test_add_func("/hook/tune/gpu-refused", test_tune_gpu_refused);
    g_test_add_func("/hook/tune/damaged-record", test_tune_damaged_record);
    g_test_add_func("/hook/tune-only/gate-prefix", test_gate_prefix);
    g_test_add_func("/hook/tune-only/round-trip", test_tune_only_round_trip);
    g_test_add_func("/hook/tune-only/too-few-pages", test_tune_only_too_few_pages);
    g_test_add_func("/hook/tune-only/record-removed", test_tune_only_record_removed);
    g_test_add_func("/hook/tune-only/neither", test_tune_only_neither);
    return g_test_run();
}
