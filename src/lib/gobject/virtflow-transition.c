/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowTransition: a VfTransition (host/vf-transition.h) as a GObject.
 */
#include "virtflow-private.h"

/**
 * VirtFlowTransition:
 *
 * A planned move of a GPU's passthrough set between its host drivers and vfio-pci: bind
 * (virtflow_host_plan_bind()), restore (virtflow_host_plan_restore()) or the recovery of
 * an interrupted one (virtflow_host_plan_recover()), what `virtflow gpu bind`, `gpu
 * restore` and `recover` run.
 *
 * The plan is read from the host when the transition is made: the devices it moves and
 * where each came from, the sysfs writes and the modules it would load (what `--dry-run`
 * prints), and the devices a restore leaves where they are. virtflow_transition_apply()
 * then locks, journals, writes, verifies, and on any failure puts the devices back.
 *
 * On a host that is not writable apply fails with %VIRTFLOW_ERROR_READ_ONLY: a captured
 * tree is for reading and dry runs. On a host opened with the privileged helper
 * (virtflow_host_get_helper()), apply goes through the helper, which makes the same move from its
 * own reading of the host (nothing this process planned is trusted): the helper's client
 * side is reached through this call.
 */
struct _VirtFlowTransition {
    GObject parent_instance;
    VirtFlowHost *host;
    VfTransition *transition;
    gint running; /* atomic: apply runs */
};

enum { PROP_0, PROP_KIND, PROP_OPERATION, PROP_GPU, N_PROPS };

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowTransition, virtflow_transition, G_TYPE_OBJECT)

static void
virtflow_transition_finalize(GObject *object)
{
    VirtFlowTransition *self = VIRTFLOW_TRANSITION(object);

    g_clear_pointer(&self->transition, vf_transition_free);
    g_clear_object(&self->host);
    G_OBJECT_CLASS(virtflow_transition_parent_class)->finalize(object);
}

static void
virtflow_transition_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowTransition *self = VIRTFLOW_TRANSITION(object);

    switch (prop_id) {
    case PROP_KIND:
        g_value_set_enum(value, virtflow_transition_get_kind(self));
        break;
    case PROP_OPERATION:
        g_value_set_string(value, virtflow_transition_get_operation(self));
        break;
    case PROP_GPU:
        g_value_set_string(value, virtflow_transition_get_gpu(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_transition_class_init(VirtFlowTransitionClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = virtflow_transition_finalize;
    object_class->get_property = virtflow_transition_get_property;

    /**
     * VirtFlowTransition:kind: (getter get_kind)
     *
     * Bind, restore or recover.
     */
    properties[PROP_KIND] =
        g_param_spec_enum("kind", NULL, NULL, VIRTFLOW_TYPE_TRANSITION_KIND,
                          VIRTFLOW_TRANSITION_BIND, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowTransition:operation: (getter get_operation)
     *
     * #VirtFlowTransition:kind's stable name, as `--json` prints it under "operation":
     * "bind", "restore" or "recover".
     */
    properties[PROP_OPERATION] = g_param_spec_string("operation", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowTransition:gpu: (getter get_gpu)
     *
     * The GPU's address, %NULL for a restore of every GPU and for a recovery.
     */
    properties[PROP_GPU] =
        g_param_spec_string("gpu", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_transition_init(VirtFlowTransition *self)
{
}

VirtFlowTransition *
_virtflow_transition_new(VirtFlowHost *host, VfTransition *t)
{
    VirtFlowTransition *self = g_object_new(VIRTFLOW_TYPE_TRANSITION, NULL);

    self->host = g_object_ref(host);
    self->transition = t;
    return self;
}

/**
 * virtflow_transition_get_kind:
 * @transition: a #VirtFlowTransition
 *
 * What @transition does.
 *
 * Returns: bind, restore or recover
 */
VirtFlowTransitionKind
virtflow_transition_get_kind(VirtFlowTransition *transition)
{
    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), VIRTFLOW_TRANSITION_BIND);
    return (VirtFlowTransitionKind)vf_transition_get_kind(transition->transition);
}

/**
 * virtflow_transition_get_operation:
 * @transition: a #VirtFlowTransition
 *
 * The stable name of what @transition does, as `--json` prints it.
 *
 * Returns: (transfer none): "bind", "restore" or "recover"
 */
const char *
virtflow_transition_get_operation(VirtFlowTransition *transition)
{
    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    return vf_transition_kind_to_string(vf_transition_get_kind(transition->transition));
}

/**
 * virtflow_transition_get_gpu:
 * @transition: a #VirtFlowTransition
 *
 * The GPU whose passthrough set moves.
 *
 * Returns: (transfer none) (nullable): its address, or %NULL for a restore of every GPU
 *   and for a recovery
 */
const char *
virtflow_transition_get_gpu(VirtFlowTransition *transition)
{
    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    return vf_transition_get_gpu(transition->transition);
}

/**
 * virtflow_transition_dup_devices:
 * @transition: a #VirtFlowTransition
 *
 * The devices @transition moves and where each came from on the host: the driver a bind
 * takes it from, or a restore or recovery returns it to.
 *
 * Returns: (transfer container) (element-type VirtFlowDeviceOrigin): the devices, maybe
 *   none
 */
GPtrArray *
virtflow_transition_dup_devices(VirtFlowTransition *transition)
{
    GPtrArray *devices;
    GPtrArray *out;

    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    devices = vf_transition_get_devices(transition->transition);
    out = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_device_origin_free);
    for (guint i = 0; i < devices->len; i++)
        g_ptr_array_add(out, _virtflow_device_origin_new_from_vf(devices->pdata[i]));
    return out;
}

/**
 * virtflow_transition_dup_writes:
 * @transition: a #VirtFlowTransition
 *
 * The sysfs writes virtflow_transition_apply() would make now, in the order it makes
 * them: what `--dry-run` prints. Empty when the devices are already where they should be.
 *
 * Returns: (transfer container) (element-type VirtFlowWrite): the writes
 */
GPtrArray *
virtflow_transition_dup_writes(VirtFlowTransition *transition)
{
    g_autoptr(GPtrArray) writes = NULL;
    GPtrArray *out;

    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    writes = vf_transition_dup_writes(transition->transition);
    out = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_write_free);
    for (guint i = 0; i < writes->len; i++)
        g_ptr_array_add(out, _virtflow_write_new_from_vf(writes->pdata[i]));
    return out;
}

static char **
virtflow_transition_strv(GPtrArray *strings)
{
    char **out = g_new0(char *, strings->len + 1);

    for (guint i = 0; i < strings->len; i++)
        out[i] = g_strdup(strings->pdata[i]);
    return out;
}

/**
 * virtflow_transition_dup_modules:
 * @transition: a #VirtFlowTransition
 *
 * The kernel modules virtflow_transition_apply() would load before its writes
 * ("vfio_pci", a host driver's module that is gone), as `--dry-run` prints them.
 *
 * Returns: (transfer full) (array zero-terminated=1): the modules, maybe none
 */
char **
virtflow_transition_dup_modules(VirtFlowTransition *transition)
{
    g_autoptr(GPtrArray) modules = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    modules = vf_transition_dup_modules(transition->transition);
    return virtflow_transition_strv(modules);
}

/**
 * virtflow_transition_dup_left:
 * @transition: a #VirtFlowTransition
 *
 * What a restore leaves where it is: each member of the passthrough set on vfio-pci that
 * VirtFlow did not move (bound by hand or by another tool), one sentence naming it ("left
 * 0000:01:00.2 on vfio-pci: VirtFlow did not move it"). Empty for a bind and a recovery.
 *
 * Returns: (transfer full) (array zero-terminated=1): the sentences, maybe none
 */
char **
virtflow_transition_dup_left(VirtFlowTransition *transition)
{
    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), NULL);
    return virtflow_transition_strv(vf_transition_get_left(transition->transition));
}

static gboolean
virtflow_transition_run(VirtFlowTransition *self, GCancellable *cancellable, GError **error)
{
    gboolean ok;

    if (!g_atomic_int_compare_and_exchange(&self->running, FALSE, TRUE)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_PENDING, "The %s of %s is already being applied",
                    virtflow_transition_get_operation(self),
                    vf_transition_get_gpu(self->transition)
                        ? vf_transition_get_gpu(self->transition)
                        : "the devices");
        return FALSE;
    }
    /* cancellable until the first write: a move stopped half-way splits an IOMMU group */
    ok = !g_cancellable_set_error_if_cancelled(cancellable, error) &&
         vf_transition_apply(self->transition, error);
    g_atomic_int_set(&self->running, FALSE);
    return ok;
}

/**
 * virtflow_transition_apply:
 * @transition: a #VirtFlowTransition
 * @cancellable: (nullable): a #GCancellable, honoured before the first write only
 * @error: return location for a #GError
 *
 * Makes the move: takes VirtFlow's lock, journals, loads the modules, writes sysfs,
 * verifies by reading back, and on any failure moves the devices back where they were. A
 * bind records each device's host driver, which a later restore returns it to. On a host
 * with a privileged helper (virtflow_host_get_helper()) the helper does all of it. Blocks for as
 * long as the kernel takes (seconds for a GPU): from a GUI, call
 * virtflow_transition_apply_async().
 *
 * Returns: %TRUE when the devices are where they should be; %FALSE with
 *   %VIRTFLOW_ERROR_READ_ONLY on a host that is neither writable nor has a helper,
 *   %VIRTFLOW_ERROR_BUSY while another operation runs or an interrupted one waits for
 *   virtflow_host_plan_recover(), %G_IO_ERROR_CANCELLED, or the failure of a write (the
 *   host then as it was)
 */
gboolean
virtflow_transition_apply(VirtFlowTransition *transition, GCancellable *cancellable, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_TRANSITION(transition), FALSE);
    return virtflow_transition_run(transition, cancellable, error);
}

static void
virtflow_transition_apply_thread(GTask *task, gpointer source, gpointer data,
                                 GCancellable *cancellable)
{
    GError *error = NULL;

    if (virtflow_transition_run(source, cancellable, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
}

/**
 * virtflow_transition_apply_async:
 * @transition: a #VirtFlowTransition
 * @cancellable: (nullable): a #GCancellable, honoured before the first write only
 * @callback: (scope async): called in the thread-default main context of the caller when
 *   the move is done or failed
 * @user_data: (closure): data for @callback
 *
 * Makes the move as virtflow_transition_apply() does, in a worker thread.
 */
void
virtflow_transition_apply_async(VirtFlowTransition *transition, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
    g_autoptr(GTask) task = NULL;

    g_return_if_fail(VIRTFLOW_IS_TRANSITION(transition));
    task = g_task_new(transition, cancellable, callback, user_data);
    g_task_set_source_tag(task, virtflow_transition_apply_async);
    g_task_run_in_thread(task, virtflow_transition_apply_thread);
}

/**
 * virtflow_transition_apply_finish:
 * @transition: a #VirtFlowTransition
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virtflow_transition_apply_async().
 *
 * Returns: %TRUE when the devices are where they should be, else %FALSE with an error as
 *   virtflow_transition_apply() sets it
 */
gboolean
virtflow_transition_apply_finish(VirtFlowTransition *transition, GAsyncResult *result,
                                 GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, transition), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}
