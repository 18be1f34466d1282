/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-example: libvirtflow from a program of your own
 *
 *   virtflow-example [--demo] [VM]
 *
 * Lists the host's GPUs with their verdicts and, given a VM, prints the plan that would
 * give it the GPU (steps, sysfs writes, the new definition's size) without changing
 * anything. --demo runs on VirtFlow's simulated host and test-driver VM ("Windows 11").
 * Build against an installed VirtFlow:
 *   cc virtflow-example.c $(pkg-config --cflags --libs virtflow) -o virtflow-example
 */
#include <virtflow.h>

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(VfHostReport) report = NULL;
    gboolean demo = argc > 1 && strcmp(argv[1], "--demo") == 0;
    const char *vm = argc > (demo ? 2 : 1) ? argv[demo ? 2 : 1] : NULL;

    if (demo) {
        g_autofree char *root = vf_demo_dup_default_root();

        if (!vf_demo_open(root, &host, vm ? &conn : NULL, &error))
            goto fail;
    } else if ((host = vf_host_new("/", &error)) == NULL ||
               (vm && (conn = vf_connection_open(NULL, &error)) == NULL)) {
        goto fail;
    }

    if ((report = vf_host_report_new(host, &error)) == NULL)
        goto fail;
    printf("IOMMU: %s\n", report->iommu->verdict);
    for (guint i = 0; i < report->gpus->len; i++) {
        const VfGpu *gpu = report->gpus->pdata[i];

        printf("GPU %s: %s, %u device(s) move together\n", gpu->device->address,
               vf_gpu_is_eligible(gpu) ? "can be passed through" : "blocked",
               gpu->passthrough->len);
        for (guint b = 0; b < gpu->blockers->len; b++) {
            const VfBlocker *blocker = gpu->blockers->pdata[b];

            printf("  %s: %s\n", vf_blocker_kind_to_string(blocker->kind), blocker->message);
        }
    }

    if (vm) {
        g_autoptr(VfFlow) plan = vf_flow_plan_activate(host, conn, vm, NULL, &error);

        if (plan == NULL)
            goto fail;
        printf("\nActivating GPU %s for '%s' would run %u steps and %u sysfs writes:\n", plan->gpu,
               plan->vm, plan->steps->len, plan->writes->len);
        for (guint i = 0; i < plan->writes->len; i++) {
            const VfSysfsWrite *w = plan->writes->pdata[i];

            printf("  %s <- %s\n", w->path, g_str_equal(w->value, "\n") ? "(clear)" : w->value);
        }
        printf("and define a %zu-byte domain XML.\n", strlen(plan->domain_xml));
    }
    return 0;

fail:
    fprintf(stderr, "virtflow-example: %s\n", error->message);
    return 1;
}
