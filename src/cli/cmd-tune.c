/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow tune VM [--cores N] [--hugepages auto|2M|1G|off] [--isolate|--no-isolate]
 *                  [--replace] [--dry-run] [--json]
 * virtflow tune VM --undo [--dry-run] [--json]
 *
 * CPU pinning on whole cores, the guest topology, I/O threads and huge pages from the
 * host's topology (tune/vf-tune.h), recorded in the domain and undone exactly.
 */
#include "vf-cli.h"

#include <stdio.h>

static void
vf_cli_json_tune(VfJson *json, const VfTuneChange *change, gboolean dry_run)
{
    const VfTunePlan *plan = change->plan;

    vf_json_begin_object(json);
    vf_json_member_string(json, "vm", change->vm);
    vf_json_member_bool(json, "undo", change->undo);
    if (plan != NULL) {
        vf_json_member_string(json, "summary", plan->summary);
        vf_json_member_string(json, "host_cpus", plan->host_cpus);
        vf_json_member_string(json, "vm_cpus", plan->vm_cpus);
        vf_json_member_int(json, "cores", plan->cores);
        vf_json_member_int(json, "threads", plan->threads);
        vf_json_key(json, "vcpupin");
        vf_json_begin_array(json);
        for (guint i = 0; i < plan->vcpu_cpus->len; i++) {
            g_autofree char *cpuset =
                g_strdup_printf("%u", g_array_index(plan->vcpu_cpus, guint, i));

            vf_json_begin_object(json);
            vf_json_member_int(json, "vcpu", i);
            vf_json_member_string(json, "cpuset", cpuset);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_member_string(json, "emulatorpin", plan->host_cpus);
        /* always an object: size_kib 0 (and count 0) when the VM gets no huge pages */
        vf_json_key(json, "hugepages");
        vf_json_begin_object(json);
        vf_json_member_int(json, "size_kib", (gint64)plan->hugepage_size_kib);
        vf_json_member_int(json, "count", (gint64)plan->hugepage_count);
        vf_json_end_object(json);
        vf_json_member_bool(json, "isolate", plan->isolate);
    }
    vf_json_key(json, "changes");
    vf_json_begin_array(json);
    for (guint i = 0; i < change->changes->len; i++)
        vf_json_string(json, g_ptr_array_index(change->changes, i));
    vf_json_end_array(json);
    vf_json_member_bool(json, "changed", change->changed);
    vf_json_member_bool(json, "running", change->running);
    vf_json_member_bool(json, "dry_run", dry_run);
    vf_json_member_string(json, "domain_xml", change->new_xml);
    vf_json_end_object(json);
}

static void
vf_cli_print_tune(const VfTuneChange *change, gboolean dry_run)
{
    g_autofree char *quoted = g_shell_quote(change->vm);

    if (change->plan != NULL)
        printf("%s\n", change->plan->summary);
    if (!change->changed) {
        printf(change->undo ? "VM '%s' is not tuned: nothing to undo.\n"
                            : "VM '%s' is already tuned this way: nothing changes.\n",
               change->vm);
        return;
    }
    printf("%s:\n", dry_run ? "Would change" : "Changed");
    for (guint i = 0; i < change->changes->len; i++)
        printf("  %s\n", (const char *)g_ptr_array_index(change->changes, i));
    if (dry_run)
        printf("Dry run: VM '%s' was not changed (run without --dry-run to apply).\n", change->vm);
    else if (change->undo)
        printf("VM '%s' is as it was before tune.\n", change->vm);
    else
        printf("VM '%s' is tuned (virtflow tune %s --undo puts it back).\n", change->vm, quoted);
    if (change->running)
        printf("VM '%s' is running: the new definition applies at its next start.\n", change->vm);
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
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(VfTuneChange) change = NULL;
    VfTuneRequest request = {0};
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
    request.cores = cores > 0 ? (guint)cores : 0;
    request.isolate = isolate;
    request.keep_isolate = !isolate && !no_isolate;
    request.replace = replace;
    request.hugepages =
        hugepages ? vf_tune_hugepages_from_string(hugepages) : VF_TUNE_HUGEPAGES_AUTO;
    if (request.hugepages == VF_TUNE_HUGEPAGES_LAST) {
        g_set_error(&error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "--hugepages '%s': use auto, 2M, 1G or off; nothing was changed", hugepages);
        return vf_cli_fail(cli, error);
    }
    if (!vf_cli_open(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);

    change = undo ? vf_tune_vm_plan_undo(conn, argv[1], &error)
                  : vf_tune_vm_plan(host, conn, argv[1], &request, &error);
    if (change == NULL)
        return vf_cli_fail(cli, error);
    if (!dry_run) {
        if (!vf_tune_vm_apply(conn, change, &error))
            return vf_cli_fail(cli, error);
        vf_cli_close(cli, conn);
    }
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_tune(json, change, dry_run);
        vf_cli_print_json(json);
    } else {
        vf_cli_print_tune(change, dry_run);
    }
    return VF_EXIT_OK;
}
