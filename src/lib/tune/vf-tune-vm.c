/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vf-tune-vm.c: tune for a VM of a libvirt connection (see vf-tune-vm.h) */
#include "tune/vf-tune-vm.h"

#include "core/vf-error.h"
#include "tune/vf-tune-xml.h"

void
vf_tune_change_free(VfTuneChange *change)
{
    if (change == NULL)
        return;
    g_free(change->vm);
    vf_tune_plan_free(change->plan);
    g_free(change->old_xml);
    g_free(change->new_xml);
    if (change->changes)
        g_ptr_array_unref(change->changes);
    g_free(change);
}

static VfTuneChange *
vf_change_new(VfConnection *conn, const char *vm, GError **error)
{
    g_autoptr(VfTuneChange) change = g_new0(VfTuneChange, 1);
    g_autoptr(VfDomain) dom = NULL;
    VfDomainState state = VF_DOMAIN_STATE_SHUTOFF;

    change->changes = g_ptr_array_new_with_free_func(g_free);
    for (const char *p = vm; p && *p; p++) {
        if ((guchar)*p < 0x20 || *p == 0x7f) {
            g_autofree char *shown = g_strescape(vm, NULL);

            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is not a VM name: it holds control characters (see 'virtflow "
                        "list' for the names)",
                        shown);
            return NULL;
        }
    }
    dom = vf_connection_lookup_domain(conn, vm, error);
    if (dom == NULL)
        return NULL;
    change->vm = g_strdup(vf_domain_get_name(dom));
    if (!vf_domain_get_state(dom, &state, error))
        return NULL;
    change->running = vf_domain_state_is_active(state);
    change->old_xml = vf_domain_dup_xml(dom, TRUE, error);
    if (change->old_xml == NULL)
        return NULL;
    return g_steal_pointer(&change);
}

static void
vf_describe_plan(VfTuneChange *change, guint n_disks)
{
    const VfTunePlan *plan = change->plan;

    g_ptr_array_add(change->changes,
                    g_strdup_printf("<vcpu>: %u vCPUs, each pinned (<cputune>: vCPU 2k and 2k+1 on "
                                    "the two threads of one core) to CPUs %s",
                                    plan->vcpu_cpus->len, plan->vm_cpus));
    g_ptr_array_add(change->changes,
                    g_strdup_printf("<emulatorpin>%s: CPUs %s", n_disks ? " and <iothreadpin>" : "",
                                    plan->host_cpus));
    g_ptr_array_add(change->changes,
                    g_strdup_printf("<cpu mode='host-passthrough'>: topology 1 socket × %u cores × "
                                    "%u threads, cache passthrough%s",
                                    plan->cores, plan->threads,
                                    plan->amd ? ", topoext required" : ""));
    if (plan->n_nodes > 1 && plan->node >= 0)
        g_ptr_array_add(
            change->changes,
            g_strdup_printf("<numatune>: memory preferably from NUMA node %d", plan->node));
    if (n_disks > 0)
        g_ptr_array_add(change->changes,
                        g_strdup_printf("<iothreads>: %u, one per virtio disk", n_disks));
    if (plan->hugepage_size_kib != 0)
        g_ptr_array_add(change->changes,
                        g_strdup_printf("<memoryBacking>: %" G_GUINT64_FORMAT
                                        " huge pages of %" G_GUINT64_FORMAT
                                        " KiB, reserved when the VM starts and freed when it stops",
                                        plan->hugepage_count, plan->hugepage_size_kib));
    if (plan->isolate)
        g_ptr_array_add(change->changes,
                        g_strdup_printf("isolation: while the VM runs, the host's own work is kept "
                                        "on CPUs %s",
                                        plan->host_cpus));
}

VfTuneChange *
vf_tune_vm_plan(VfHost *host, VfConnection *conn, const char *vm, const VfTuneRequest *request,
                GError **error)
{
    g_autoptr(VfTuneChange) change = vf_change_new(conn, vm, error);
    g_autoptr(VfTopology) topo = NULL;
    g_autoptr(VfTuneDomain) dom = NULL;
    g_autofree char *base = NULL;
    gint node = -1;
    VfTuneRequest copy;

    if (change == NULL)
        return NULL;
    /* the VM as it was before any tune: its vCPU count is the one to keep */
    base = vf_tune_xml_undo(change->old_xml, error);
    if (base == NULL || (dom = vf_tune_xml_inspect(base, error)) == NULL)
        return NULL;
    topo = vf_topology_read(host, error);
    if (topo == NULL)
        return NULL;
    if (request->keep_isolate) {
        g_autoptr(VfTuneRecord) record = NULL;

        if (!vf_tune_xml_read_record(change->old_xml, &record, error))
            return NULL;
        copy = *request;
        copy.isolate = record != NULL && record->isolate;
        request = &copy;
    }
    if (dom->gpu != NULL)
        node = vf_topology_pci_numa_node(host, dom->gpu);
    change->plan =
        vf_tune_plan_new(topo, node, change->vm, dom->vcpus, dom->memory_kib, request, error);
    if (change->plan == NULL)
        return NULL;
    change->new_xml = vf_tune_xml_apply(change->old_xml, change->plan, request->replace, error);
    if (change->new_xml == NULL)
        return NULL;
    change->changed = !vf_tune_xml_equal(change->new_xml, change->old_xml);
    vf_describe_plan(change, dom->n_virtio_disks);
    return g_steal_pointer(&change);
}

VfTuneChange *
vf_tune_vm_plan_undo(VfConnection *conn, const char *vm, GError **error)
{
    g_autoptr(VfTuneChange) change = vf_change_new(conn, vm, error);

    if (change == NULL)
        return NULL;
    change->undo = TRUE;
    change->new_xml = vf_tune_xml_undo(change->old_xml, error);
    if (change->new_xml == NULL)
        return NULL;
    change->changed = !vf_tune_xml_equal(change->new_xml, change->old_xml);
    if (change->changed)
        g_ptr_array_add(change->changes,
                        g_strdup("<vcpu>, <cputune>, <cpu>, <iothreads>, <memoryBacking> and the "
                                 "disks' I/O threads: back as they were before tune"));
    return g_steal_pointer(&change);
}

gboolean
vf_tune_vm_apply(VfConnection *conn, const VfTuneChange *change, GError **error)
{
    g_autoptr(VfDomain) dom = NULL;

    if (!change->changed)
        return TRUE;
    dom = vf_connection_define_xml(conn, change->new_xml, error);
    if (dom == NULL) {
        g_prefix_error(error, "VM '%s' was left as it was: ", change->vm);
        return FALSE;
    }
    return TRUE;
}
