/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow tune VM [--cores N] [--hugepages auto|2M|1G|off] [--isolate|--no-isolate]
 *                  [--replace] [--dry-run] [--json]
 * virtflow tune VM --undo [--dry-run] [--json]
 *
 * CPU pinning on whole cores, the guest topology, I/O threads and huge pages from the
 * host's topology (tune/vf-tune.h), recorded in the domain and undone exactly; planned and
 * applied through the GObject API (VirtFlowTune).
 */
#include "vf-cli.h"

#include <stdio.h>

static void
vf_cli_json_tune(VfJson *json, VirtFlowTune *tune, gboolean dry_run)
{
    g_auto(GStrv) changes = virtflow_tune_dup_changes(tune);

    vf_json_begin_object(json);
    vf_json_member_string(json, "vm", virtflow_tune_get_vm(tune));
    vf_json_member_bool(json, "undo", virtflow_tune_get_undo(tune));
    if (!virtflow_tune_get_undo(tune)) {
        guint n_pins = 0;
        g_autofree guint *pins = virtflow_tune_dup_vcpu_pins(tune, &n_pins);

        vf_json_member_string(json, "summary", virtflow_tune_get_summary(tune));
        vf_json_member_string(json, "host_cpus", virtflow_tune_get_host_cpus(tune));
        vf_json_member_string(json, "vm_cpus", virtflow_tune_get_vm_cpus(tune));
        vf_json_member_int(json, "cores", virtflow_tune_get_plan_cores(tune));
        vf_json_member_int(json, "threads", virtflow_tune_get_plan_threads(tune));
        vf_json_key(json, "vcpupin");
        vf_json_begin_array(json);
        for (guint i = 0; i < n_pins; i++) {
            g_autofree char *cpuset = g_strdup_printf("%u", pins[i]);

            vf_json_begin_object(json);
            vf_json_member_int(json, "vcpu", i);
            vf_json_member_string(json, "cpuset", cpuset);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_member_string(json, "emulatorpin", virtflow_tune_get_host_cpus(tune));
        /* always an object: size_kib 0 (and count 0) when the VM gets no huge pages */
        vf_json_key(json, "hugepages");
        vf_json_begin_object(json);
        vf_json_member_int(json, "size_kib", (gint64)virtflow_tune_get_hugepage_size(tune));
        vf_json_member_int(json, "count", (gint64)virtflow_tune_get_hugepage_count(tune));
        vf_json_end_object(json);
        vf_json_member_bool(json, "isolate", virtflow_tune_get_plan_isolate(tune));
    }
    vf_json_key(json, "changes");
    vf_json_begin_array(json);
    for (guint i = 0; changes[i]; i++)
        vf_json_string(json, changes[i]);
    vf_json_end_array(json);
    vf_json_member_bool(json, "changed", virtflow_tune_get_changed(tune));
    vf_json_member_bool(json, "running", virtflow_tune_get_vm_running(tune));
    vf_json_member_bool(json, "dry_run", dry_run);
    vf_json_member_string(json, "domain_xml", virtflow_tune_get_domain_xml(tune));
    vf_json_end_object(json);
}

static void
vf_cli_print_tune(VirtFlowTune *tune, gboolean dry_run)
{
    const char *vm = virtflow_tune_get_vm(tune);
    gboolean undo = virtflow_tune_get_undo(tune);
    g_autofree char *quoted = g_shell_quote(vm);
    g_auto(GStrv) changes = virtflow_tune_dup_changes(tune);

    if (!undo)
        printf("%s\n", virtflow_tune_get_summary(tune));
    if (!virtflow_tune_get_changed(tune)) {
        printf(undo ? "VM '%s' is not tuned: nothing to undo.\n"
                    : "VM '%s' is already tuned this way: nothing changes.\n",
               vm);
        return;
    }
    printf("%s:\n", dry_run ? "Would change" : "Changed");
    for (guint i = 0; changes[i]; i++)
        printf("  %s\n", changes[i]);
    if (dry_run)
        printf("Dry run: VM '%s' was not changed (run without --dry-run to apply).\n", vm);
    else if (undo)
        printf("VM '%s' is as it was before tune.\n", vm);
    else
        printf("VM '%s' is tuned (virtflow tune %s --undo puts it back).\n", vm, quoted);
    if (virtflow_tune_get_vm_running(tune))
        printf("VM '%s' is running: the new definition applies at its next start.\n", vm);
}

int
vf_cmd_tune(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE, undo = FALSE, isolate = FALSE, no_isolate = FALSE;
    gboolean replace = FALSE;
    int cores = -1;
    g_autofree char *hugepages = NULL;
    GOptionEntry entries[] = {
        {"cores", 0, 0, G_OPTION_ARG_INT, &cores,
         "Physical cores for the VM (default: its vCPUs in whole cores)", "N"},
        {"hugepages", 0, 0, G_OPTION_ARG_STRING, &hugepages,
         "Back the memory with huge pages: auto (2M when the host has them), 2M, 1G, off", "SIZE"},
        {"isolate", 0, 0, G_OPTION_ARG_NONE, &isolate,
         "While the VM runs, keep the host's own work off the VM's CPUs", NULL},
        {"no-isolate", 0, 0, G_OPTION_ARG_NONE, &no_isolate, "Do not isolate (the default)", NULL},
        {"replace", 0, 0, G_OPTION_ARG_NONE, &replace,
         "Replace CPU pins, topology, I/O threads or huge pages the VM has of its own (recorded "
         "for --undo)",
         NULL},
        {"undo", 'u', 0, G_OPTION_ARG_NONE, &undo, "Put the VM back as it was before tune", NULL},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan, change nothing", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("VM - pin a VM's vCPUs to whole cores, huge pages, I/O threads");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(VirtFlowTune) tune = NULL;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if ((rc = vf_cli_parse(cli, ctx, &argc, &argv)) >= 0)
        return rc;
    if (argc != 2)
        return vf_cli_usage(cli, ctx, "expected the name (or UUID) of one VM");
    if (isolate && no_isolate)
        return vf_cli_usage(cli, ctx, "--isolate and --no-isolate contradict each other");
    if (undo && (cores >= 0 || hugepages || isolate || no_isolate || replace))
        return vf_cli_usage(cli, ctx, "--undo takes no other tune option");
    if (cores == 0 || cores < -1) {
        g_set_error(&error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "--cores %d: a VM needs at least one core; nothing was changed", cores);
        return vf_cli_fail(cli, error);
    }
    /* checked here, before anything is read, with the option's name in the message */
    if (hugepages && vf_tune_hugepages_from_string(hugepages) == VF_TUNE_HUGEPAGES_LAST) {
        g_set_error(&error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "--hugepages '%s': use auto, 2M, 1G or off; nothing was changed", hugepages);
        return vf_cli_fail(cli, error);
    }
    if (!vf_cli_open_objects(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);

    tune = virtflow_tune_new(host, conn, argv[1]);
    virtflow_tune_set_undo(tune, undo);
    if (!undo) {
        virtflow_tune_set_cores(tune, cores > 0 ? (guint)cores : 0);
        virtflow_tune_set_isolate(tune, isolate);
        virtflow_tune_set_keep_isolate(tune, !isolate && !no_isolate);
        virtflow_tune_set_replace(tune, replace);
        virtflow_tune_set_hugepages(tune, hugepages ? hugepages : "auto");
    }
    if (!virtflow_tune_plan(tune, &error))
        return vf_cli_fail(cli, error);
    if (!dry_run && !virtflow_tune_apply(tune, &error))
        return vf_cli_fail(cli, error);
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_tune(json, tune, dry_run);
        vf_cli_print_json(json);
    } else {
        vf_cli_print_tune(tune, dry_run);
    }
    return VF_EXIT_OK;
}
