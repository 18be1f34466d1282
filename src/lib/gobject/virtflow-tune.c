/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowTune: tune/vf-tune-vm.h as a GObject.
 */
#include "virtflow-private.h"

#include "tune/vf-tune-vm.h"

/**
 * VirtFlowTune:
 *
 * What `virtflow tune VM` does: the VM gets whole physical cores of the GPU's NUMA node,
 * inside one L3 cache when it fits (P-cores only on a hybrid Intel CPU), a guest topology
 * that matches, I/O threads, and huge pages when the host has them; the host keeps at
 * least one core. Set the request (#VirtFlowTune:cores, #VirtFlowTune:hugepages,
 * #VirtFlowTune:isolate, #VirtFlowTune:replace, or #VirtFlowTune:undo), call
 * virtflow_tune_plan() to read what would change, then virtflow_tune_apply(). A running
 * VM keeps running: the new definition applies at its next start.
 */
struct _VirtFlowTune {
    GObject parent_instance;
    VirtFlowHost *host;
    VirtFlowConnection *connection;
    char *vm;
    guint cores;
    char *hugepages;
    gboolean isolate;
    gboolean replace;
    gboolean keep_isolate;
    gboolean undo;
    VfTuneChange *change;
};

enum {
    PROP_0,
    PROP_HOST,
    PROP_CONNECTION,
    PROP_VM,
    PROP_CORES,
    PROP_HUGEPAGES,
    PROP_ISOLATE,
    PROP_REPLACE,
    PROP_KEEP_ISOLATE,
    PROP_UNDO,
    PROP_SUMMARY,
    PROP_CHANGED,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowTune, virtflow_tune, G_TYPE_OBJECT)

static void
virtflow_tune_finalize(GObject *object)
{
    VirtFlowTune *self = VIRTFLOW_TUNE(object);

    g_clear_object(&self->host);
    g_clear_object(&self->connection);
    g_free(self->vm);
    g_free(self->hugepages);
    g_clear_pointer(&self->change, vf_tune_change_free);
    G_OBJECT_CLASS(virtflow_tune_parent_class)->finalize(object);
}

static void
virtflow_tune_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowTune *self = VIRTFLOW_TUNE(object);

    switch (prop_id) {
    case PROP_HOST:
        g_value_set_object(value, self->host);
        break;
    case PROP_CONNECTION:
        g_value_set_object(value, self->connection);
        break;
    case PROP_VM:
        g_value_set_string(value, self->vm);
        break;
    case PROP_CORES:
        g_value_set_uint(value, self->cores);
        break;
    case PROP_HUGEPAGES:
        g_value_set_string(value, self->hugepages);
        break;
    case PROP_ISOLATE:
        g_value_set_boolean(value, self->isolate);
        break;
    case PROP_REPLACE:
        g_value_set_boolean(value, self->replace);
        break;
    case PROP_KEEP_ISOLATE:
        g_value_set_boolean(value, self->keep_isolate);
        break;
    case PROP_UNDO:
        g_value_set_boolean(value, self->undo);
        break;
    case PROP_SUMMARY:
        g_value_set_string(value, virtflow_tune_get_summary(self));
        break;
    case PROP_CHANGED:
        g_value_set_boolean(value, virtflow_tune_get_changed(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_tune_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    VirtFlowTune *self = VIRTFLOW_TUNE(object);

    switch (prop_id) {
    case PROP_HOST:
        self->host = g_value_dup_object(value);
        break;
    case PROP_CONNECTION:
        self->connection = g_value_dup_object(value);
        break;
    case PROP_VM:
        self->vm = g_value_dup_string(value);
        break;
    case PROP_CORES:
        virtflow_tune_set_cores(self, g_value_get_uint(value));
        break;
    case PROP_HUGEPAGES:
        virtflow_tune_set_hugepages(self, g_value_get_string(value));
        break;
    case PROP_ISOLATE:
        virtflow_tune_set_isolate(self, g_value_get_boolean(value));
        break;
    case PROP_REPLACE:
        virtflow_tune_set_replace(self, g_value_get_boolean(value));
        break;
    case PROP_KEEP_ISOLATE:
        virtflow_tune_set_keep_isolate(self, g_value_get_boolean(value));
        break;
    case PROP_UNDO:
        virtflow_tune_set_undo(self, g_value_get_boolean(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_tune_class_init(VirtFlowTuneClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
    const GParamFlags once = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
    const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

    object_class->finalize = virtflow_tune_finalize;
    object_class->get_property = virtflow_tune_get_property;
    object_class->set_property = virtflow_tune_set_property;

    /**
     * VirtFlowTune:host:
     *
     * The host whose CPU topology and huge pages the plan reads.
     */
    properties[PROP_HOST] = g_param_spec_object("host", NULL, NULL, VIRTFLOW_TYPE_HOST, once);
    /**
     * VirtFlowTune:connection:
     *
     * The libvirt connection of the VM.
     */
    properties[PROP_CONNECTION] =
        g_param_spec_object("connection", NULL, NULL, VIRTFLOW_TYPE_CONNECTION, once);
    /**
     * VirtFlowTune:vm: (getter get_vm)
     *
     * The VM's name.
     */
    properties[PROP_VM] = g_param_spec_string("vm", NULL, NULL, NULL, once);
    /**
     * VirtFlowTune:cores: (getter get_cores) (setter set_cores)
     *
     * The physical cores to give the VM; 0 (the default): its vCPU count in whole cores.
     */
    properties[PROP_CORES] = g_param_spec_uint("cores", NULL, NULL, 0, 8192, 0, rw);
    /**
     * VirtFlowTune:hugepages: (getter get_hugepages) (setter set_hugepages)
     *
     * "auto" (the default: 2 MiB pages when the host has them), "2M", "1G" or "off".
     */
    properties[PROP_HUGEPAGES] = g_param_spec_string("hugepages", NULL, NULL, "auto", rw);
    /**
     * VirtFlowTune:isolate: (getter get_isolate) (setter set_isolate)
     *
     * Confine the host's own processes to its cores while the VM runs.
     */
    properties[PROP_ISOLATE] = g_param_spec_boolean("isolate", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowTune:replace: (getter get_replace) (setter set_replace)
     *
     * Take over CPU pins, a guest topology or huge pages the VM has of its own (they are
     * recorded, and an undo puts them back); without it such a VM is refused.
     */
    properties[PROP_REPLACE] = g_param_spec_boolean("replace", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowTune:keep-isolate: (getter get_keep_isolate) (setter set_keep_isolate)
     *
     * Isolate as the VM's tune record says (retuning a tuned VM), ignoring
     * #VirtFlowTune:isolate: what `virtflow tune` does when given neither `--isolate` nor
     * `--no-isolate`.
     */
    properties[PROP_KEEP_ISOLATE] = g_param_spec_boolean("keep-isolate", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowTune:undo: (getter get_undo) (setter set_undo)
     *
     * Plan the undo of the VM's tune instead: its definition as it was before.
     */
    properties[PROP_UNDO] = g_param_spec_boolean("undo", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowTune:summary: (getter get_summary)
     *
     * The plan in one sentence, once virtflow_tune_plan() succeeded.
     */
    properties[PROP_SUMMARY] = g_param_spec_string("summary", NULL, NULL, NULL, ro);
    /**
     * VirtFlowTune:changed: (getter get_changed)
     *
     * The plan changes the VM's definition (FALSE: it is tuned so already).
     */
    properties[PROP_CHANGED] = g_param_spec_boolean("changed", NULL, NULL, FALSE, ro);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_tune_init(VirtFlowTune *self)
{
    self->hugepages = g_strdup("auto");
}

/**
 * virtflow_tune_new:
 * @host: the host
 * @connection: the VM's libvirt connection
 * @vm: the VM's name
 *
 * A tune request for @vm with the defaults: its vCPUs in whole cores, huge pages when the
 * host has them, no isolation.
 *
 * Returns: (transfer full): the request
 */
VirtFlowTune *
virtflow_tune_new(VirtFlowHost *host, VirtFlowConnection *connection, const char *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(vm != NULL, NULL);
    return g_object_new(VIRTFLOW_TYPE_TUNE, "host", host, "connection", connection, "vm", vm, NULL);
}

/**
 * virtflow_tune_get_vm:
 * @tune: a #VirtFlowTune
 *
 * The VM this request tunes.
 *
 * Returns: (transfer none): the VM's name
 */
const char *
virtflow_tune_get_vm(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    return tune->vm;
}

/* A request changed: the plan made for the old one is gone. */
static void
virtflow_tune_request_changed(VirtFlowTune *self, GParamSpec *pspec)
{
    g_clear_pointer(&self->change, vf_tune_change_free);
    g_object_notify_by_pspec(G_OBJECT(self), pspec);
}

/**
 * virtflow_tune_get_cores:
 * @tune: a #VirtFlowTune
 *
 * The physical cores asked for.
 *
 * Returns: the cores asked for; 0: the VM's vCPUs in whole cores
 */
guint
virtflow_tune_get_cores(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), 0);
    return tune->cores;
}

/**
 * virtflow_tune_set_cores:
 * @tune: a #VirtFlowTune
 * @cores: physical cores to give; 0: the VM's vCPUs in whole cores
 *
 * Asks for @cores cores (`--cores`).
 */
void
virtflow_tune_set_cores(VirtFlowTune *tune, guint cores)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    if (tune->cores == cores)
        return;
    tune->cores = cores;
    virtflow_tune_request_changed(tune, properties[PROP_CORES]);
}

/**
 * virtflow_tune_get_hugepages:
 * @tune: a #VirtFlowTune
 *
 * The huge pages asked for.
 *
 * Returns: (transfer none): "auto", "2M", "1G" or "off"
 */
const char *
virtflow_tune_get_hugepages(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    return tune->hugepages;
}

/**
 * virtflow_tune_set_hugepages:
 * @tune: a #VirtFlowTune
 * @hugepages: (nullable): "auto", "2M", "1G" or "off"; %NULL: "auto"
 *
 * The huge pages asked for (`--hugepages`); another word is refused by virtflow_tune_plan().
 */
void
virtflow_tune_set_hugepages(VirtFlowTune *tune, const char *hugepages)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    if (hugepages == NULL)
        hugepages = "auto";
    if (g_strcmp0(tune->hugepages, hugepages) == 0)
        return;
    g_free(tune->hugepages);
    tune->hugepages = g_strdup(hugepages);
    virtflow_tune_request_changed(tune, properties[PROP_HUGEPAGES]);
}

/* The three switches of a request, one setter. */
static void
virtflow_tune_set_flag(VirtFlowTune *tune, gboolean *flag, gboolean value, guint prop)
{
    if (*flag == !!value)
        return;
    *flag = !!value;
    virtflow_tune_request_changed(tune, properties[prop]);
}

/**
 * virtflow_tune_get_isolate:
 * @tune: a #VirtFlowTune
 *
 * Whether isolation is asked for.
 *
 * Returns: whether the host is confined to its cores while the VM runs
 */
gboolean
virtflow_tune_get_isolate(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->isolate;
}

/**
 * virtflow_tune_set_isolate:
 * @tune: a #VirtFlowTune
 * @isolate: confine the host to its cores while the VM runs (`--isolate`)
 *
 * Sets #VirtFlowTune:isolate.
 */
void
virtflow_tune_set_isolate(VirtFlowTune *tune, gboolean isolate)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    virtflow_tune_set_flag(tune, &tune->isolate, isolate, PROP_ISOLATE);
}

/**
 * virtflow_tune_get_replace:
 * @tune: a #VirtFlowTune
 *
 * Whether the VM's own CPU configuration may be taken over.
 *
 * Returns: whether the VM's own CPU configuration may be taken over
 */
gboolean
virtflow_tune_get_replace(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->replace;
}

/**
 * virtflow_tune_set_replace:
 * @tune: a #VirtFlowTune
 * @replace: take over the VM's own pins, topology or huge pages (`--replace`)
 *
 * Sets #VirtFlowTune:replace.
 */
void
virtflow_tune_set_replace(VirtFlowTune *tune, gboolean replace)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    virtflow_tune_set_flag(tune, &tune->replace, replace, PROP_REPLACE);
}

/**
 * virtflow_tune_get_undo:
 * @tune: a #VirtFlowTune
 *
 * Whether this is an undo.
 *
 * Returns: whether this plans the undo of the VM's tune
 */
gboolean
virtflow_tune_get_undo(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->undo;
}

/**
 * virtflow_tune_set_undo:
 * @tune: a #VirtFlowTune
 * @undo: plan the undo of the VM's tune (`--undo`)
 *
 * Sets #VirtFlowTune:undo.
 */
void
virtflow_tune_set_undo(VirtFlowTune *tune, gboolean undo)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    virtflow_tune_set_flag(tune, &tune->undo, undo, PROP_UNDO);
}

/**
 * virtflow_tune_plan:
 * @tune: a #VirtFlowTune
 * @error: return location for a #GError
 *
 * Reads the host's topology and the VM's definition and computes the new definition;
 * changes nothing. A request the host cannot meet (more cores than it can give, a page
 * size it lacks, a configuration of the VM's own without #VirtFlowTune:replace) fails with
 * %VIRTFLOW_ERROR_INVALID_ARGUMENT and the numbers.
 *
 * Returns: %TRUE when planned
 */
gboolean
virtflow_tune_plan(VirtFlowTune *tune, GError **error)
{
    VfTuneRequest request = {.cores = tune->cores, .keep_isolate = FALSE};
    VfTuneChange *change;

    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    g_clear_pointer(&tune->change, vf_tune_change_free);
    if (tune->undo) {
        change =
            vf_tune_vm_plan_undo(_virtflow_connection_get_vf(tune->connection), tune->vm, error);
    } else {
        request.hugepages = vf_tune_hugepages_from_string(tune->hugepages);
        if (request.hugepages == VF_TUNE_HUGEPAGES_LAST) {
            g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_INVALID_ARGUMENT,
                        "'%s' is not a huge page choice: use auto, 2M, 1G or off", tune->hugepages);
            return FALSE;
        }
        request.isolate = tune->isolate;
        request.replace = tune->replace;
        request.keep_isolate = tune->keep_isolate;
        change = vf_tune_vm_plan(_virtflow_host_get_vf(tune->host),
                                 _virtflow_connection_get_vf(tune->connection), tune->vm, &request,
                                 error);
    }
    if (change == NULL)
        return FALSE;
    tune->change = change;
    g_object_notify_by_pspec(G_OBJECT(tune), properties[PROP_SUMMARY]);
    g_object_notify_by_pspec(G_OBJECT(tune), properties[PROP_CHANGED]);
    return TRUE;
}

/**
 * virtflow_tune_get_keep_isolate:
 * @tune: a #VirtFlowTune
 *
 * Whether the plan isolates as the VM's tune record says.
 *
 * Returns: the value of #VirtFlowTune:keep-isolate
 */
gboolean
virtflow_tune_get_keep_isolate(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->keep_isolate;
}

/**
 * virtflow_tune_set_keep_isolate:
 * @tune: a #VirtFlowTune
 * @keep: %TRUE to isolate as the VM's tune record says, whatever #VirtFlowTune:isolate is
 *
 * Sets #VirtFlowTune:keep-isolate.
 */
void
virtflow_tune_set_keep_isolate(VirtFlowTune *tune, gboolean keep)
{
    g_return_if_fail(VIRTFLOW_IS_TUNE(tune));
    virtflow_tune_set_flag(tune, &tune->keep_isolate, keep, PROP_KEEP_ISOLATE);
}

/* The planned tune, NULL before virtflow_tune_plan() or for an undo. */
static const VfTunePlan *
virtflow_tune_plan_of(VirtFlowTune *tune)
{
    return tune->change ? tune->change->plan : NULL;
}

/**
 * virtflow_tune_get_plan_cores:
 * @tune: a #VirtFlowTune
 *
 * The physical cores the plan gives the VM: the guest topology is this many cores of
 * virtflow_tune_get_plan_threads() threads.
 *
 * Returns: the cores, 0 before a plan or for an undo
 */
guint
virtflow_tune_get_plan_cores(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), 0);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->cores : 0;
}

/**
 * virtflow_tune_get_plan_threads:
 * @tune: a #VirtFlowTune
 *
 * The threads per core of the plan's guest topology (the host cores' own).
 *
 * Returns: the threads per core, 0 before a plan or for an undo
 */
guint
virtflow_tune_get_plan_threads(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), 0);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->threads : 0;
}

/**
 * virtflow_tune_dup_vcpu_pins:
 * @tune: a #VirtFlowTune
 * @n_pins: (out): the number of vCPUs
 *
 * Where the plan pins each vCPU: vCPU i runs on host CPU number i of the array (vCPU 2k
 * and 2k+1 on the two threads of one core), the `<vcpupin>`s of the new definition.
 *
 * Returns: (transfer full) (array length=n_pins) (nullable): the host CPU of each vCPU;
 *   %NULL (and 0) before a plan or for an undo
 */
guint *
virtflow_tune_dup_vcpu_pins(VirtFlowTune *tune, guint *n_pins)
{
    GArray *cpus;

    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    g_return_val_if_fail(n_pins != NULL, NULL);
    *n_pins = 0;
    if (virtflow_tune_plan_of(tune) == NULL || virtflow_tune_plan_of(tune)->vcpu_cpus->len == 0)
        return NULL;
    cpus = virtflow_tune_plan_of(tune)->vcpu_cpus;
    *n_pins = cpus->len;
    return g_memdup2(cpus->data, sizeof(guint) * cpus->len);
}

/**
 * virtflow_tune_get_plan_isolate:
 * @tune: a #VirtFlowTune
 *
 * Whether the plan confines the host to its own cores while the VM runs (the request's
 * #VirtFlowTune:isolate, or with #VirtFlowTune:keep-isolate the VM's record's).
 *
 * Returns: whether the plan isolates; %FALSE before a plan or for an undo
 */
gboolean
virtflow_tune_get_plan_isolate(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return virtflow_tune_plan_of(tune) && virtflow_tune_plan_of(tune)->isolate;
}

/**
 * virtflow_tune_get_vm_running:
 * @tune: a #VirtFlowTune
 *
 * Whether the VM was running when planned: the new definition applies at its next start.
 *
 * Returns: %TRUE when the VM was running; %FALSE before a plan
 */
gboolean
virtflow_tune_get_vm_running(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->change && tune->change->running;
}

/**
 * virtflow_tune_get_summary:
 * @tune: a #VirtFlowTune
 *
 * The plan in one sentence.
 *
 * Returns: (transfer none) (nullable): the plan in one sentence, %NULL before a plan
 */
const char *
virtflow_tune_get_summary(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    if (tune->change == NULL)
        return NULL;
    if (tune->change->plan)
        return tune->change->plan->summary;
    return tune->change->changed ? "Undo the VM's tune: its definition as before"
                                 : "The VM is not tuned: nothing to undo";
}

/**
 * virtflow_tune_get_vm_cpus:
 * @tune: a #VirtFlowTune
 *
 * The host CPUs the plan pins the vCPUs to.
 *
 * Returns: (transfer none) (nullable): the host CPUs the vCPUs are pinned to ("8-11,24-27"),
 *   %NULL before a plan or for an undo
 */
const char *
virtflow_tune_get_vm_cpus(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->vm_cpus : NULL;
}

/**
 * virtflow_tune_get_host_cpus:
 * @tune: a #VirtFlowTune
 *
 * The CPUs the host keeps in the plan.
 *
 * Returns: (transfer none) (nullable): the CPUs the host keeps, %NULL before a plan or for an
 *   undo
 */
const char *
virtflow_tune_get_host_cpus(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->host_cpus : NULL;
}

/**
 * virtflow_tune_get_hugepage_size:
 * @tune: a #VirtFlowTune
 *
 * The size of the huge pages the plan backs the VM with.
 *
 * Returns: the huge page size in KiB the plan backs the VM with; 0: none
 */
guint64
virtflow_tune_get_hugepage_size(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), 0);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->hugepage_size_kib : 0;
}

/**
 * virtflow_tune_get_hugepage_count:
 * @tune: a #VirtFlowTune
 *
 * How many huge pages the plan needs.
 *
 * Returns: how many huge pages the VM needs; 0: none
 */
guint64
virtflow_tune_get_hugepage_count(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), 0);
    return virtflow_tune_plan_of(tune) ? virtflow_tune_plan_of(tune)->hugepage_count : 0;
}

/**
 * virtflow_tune_dup_changes:
 * @tune: a #VirtFlowTune
 *
 * What the plan changes in the VM's definition, one line each.
 *
 * Returns: (transfer full) (array zero-terminated=1): the lines (empty before a plan)
 */
GStrv
virtflow_tune_dup_changes(VirtFlowTune *tune)
{
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    for (guint i = 0; tune->change && i < tune->change->changes->len; i++)
        g_strv_builder_add(builder, tune->change->changes->pdata[i]);
    return g_strv_builder_end(builder);
}

/**
 * virtflow_tune_get_domain_xml:
 * @tune: a #VirtFlowTune
 *
 * The definition the plan would define.
 *
 * Returns: (transfer none) (nullable): the definition virtflow_tune_apply() would define,
 *   %NULL before a plan
 */
const char *
virtflow_tune_get_domain_xml(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), NULL);
    return tune->change ? tune->change->new_xml : NULL;
}

/**
 * virtflow_tune_get_changed:
 * @tune: a #VirtFlowTune
 *
 * Whether the plan changes anything.
 *
 * Returns: whether the plan changes the VM's definition
 */
gboolean
virtflow_tune_get_changed(VirtFlowTune *tune)
{
    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    return tune->change && tune->change->changed;
}

/**
 * virtflow_tune_apply:
 * @tune: a #VirtFlowTune
 * @error: return location for a #GError
 *
 * Defines the planned definition (planning first when virtflow_tune_plan() was not
 * called). A running VM gets it at its next start.
 *
 * Returns: %TRUE when the VM's definition is the plan's
 */
gboolean
virtflow_tune_apply(VirtFlowTune *tune, GError **error)
{
    const char *demo_root;

    g_return_val_if_fail(VIRTFLOW_IS_TUNE(tune), FALSE);
    if (tune->change == NULL && !virtflow_tune_plan(tune, error))
        return FALSE;
    if (!vf_tune_vm_apply(_virtflow_connection_get_vf(tune->connection), tune->change, error))
        return FALSE;
    demo_root = _virtflow_connection_get_demo_root(tune->connection);
    if (demo_root && !vf_demo_save(demo_root, _virtflow_connection_get_vf(tune->connection), error))
        return FALSE;
    return TRUE;
}
