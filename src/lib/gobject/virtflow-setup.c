/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowSetup: setup/vf-setup.h as a GObject, its changes as boxed records.
 */
#include "virtflow-private.h"

/**
 * VirtFlowSetup:
 *
 * What `virtflow setup` (or `virtflow setup --undo`) does, once, as root: the IOMMU, the
 * vfio modules now and at boot, the libvirt hook, the daemon told to read it, Looking
 * Glass's shared memory. Each change is planned from the host as it is (what is already
 * so is skipped, so a second run changes nothing) and every file changed is backed up,
 * so that the undo plan puts each back exactly.
 *
 * Read the plan with virtflow_setup_dup_changes(), make it with virtflow_setup_apply(),
 * which emits #VirtFlowSetup::change-done after each change.
 */
struct _VirtFlowSetup {
    GObject parent_instance;
    VirtFlowHost *host;
    VfSetup *setup;
};

enum { PROP_0, PROP_HOST, PROP_UNDO, PROP_USER, N_PROPS };

static GParamSpec *properties[N_PROPS];

enum { SIGNAL_CHANGE_DONE, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(VirtFlowSetup, virtflow_setup, G_TYPE_OBJECT)

static void
virtflow_setup_finalize(GObject *object)
{
    VirtFlowSetup *self = VIRTFLOW_SETUP(object);

    g_clear_pointer(&self->setup, vf_setup_free);
    g_clear_object(&self->host);
    G_OBJECT_CLASS(virtflow_setup_parent_class)->finalize(object);
}

static void
virtflow_setup_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowSetup *self = VIRTFLOW_SETUP(object);

    switch (prop_id) {
    case PROP_HOST:
        g_value_set_object(value, self->host);
        break;
    case PROP_UNDO:
        g_value_set_boolean(value, virtflow_setup_get_undo(self));
        break;
    case PROP_USER:
        g_value_set_string(value, virtflow_setup_get_user(self));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_setup_class_init(VirtFlowSetupClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

    object_class->finalize = virtflow_setup_finalize;
    object_class->get_property = virtflow_setup_get_property;

    /**
     * VirtFlowSetup:host: (getter get_host)
     *
     * The host the plan is for.
     */
    properties[PROP_HOST] = g_param_spec_object("host", NULL, NULL, VIRTFLOW_TYPE_HOST, flags);
    /**
     * VirtFlowSetup:undo: (getter get_undo)
     *
     * Whether this is the undo plan.
     */
    properties[PROP_UNDO] = g_param_spec_boolean("undo", NULL, NULL, FALSE, flags);
    /**
     * VirtFlowSetup:user: (getter get_user)
     *
     * The desktop user whose Looking Glass client opens the shared memory, or %NULL.
     */
    properties[PROP_USER] = g_param_spec_string("user", NULL, NULL, NULL, flags);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    /**
     * VirtFlowSetup::change-done:
     * @setup: the setup
     * @change: the change, in its new state
     *
     * Emitted by virtflow_setup_apply() after each change (also those skipped), in order.
     */
    signals[SIGNAL_CHANGE_DONE] =
        g_signal_new("change-done", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 1, VIRTFLOW_TYPE_SETUP_CHANGE);
}

static void
virtflow_setup_init(VirtFlowSetup *self)
{
}

static VirtFlowSetup *
virtflow_setup_wrap(VirtFlowHost *host, VfSetup *setup)
{
    VirtFlowSetup *self;

    if (setup == NULL)
        return NULL;
    self = g_object_new(VIRTFLOW_TYPE_SETUP, NULL);
    self->host = g_object_ref(host);
    self->setup = setup;
    return self;
}

/**
 * virtflow_setup_new:
 * @host: the host to make ready (the live machine, or a model tree: files under its root)
 * @flags: what may change beyond the default
 * @user: (nullable): the desktop user for Looking Glass; %NULL to find them (the user
 *   who ran sudo or pkexec, else the caller when not root)
 * @error: return location for a #GError
 *
 * The setup plan for @host, read from the host as it is. Nothing changes yet.
 *
 * Returns: (transfer full): the plan, or %NULL with an error
 *   (%VIRTFLOW_ERROR_INVALID_ARGUMENT for a @user that does not exist or is root)
 */
VirtFlowSetup *
virtflow_setup_new(VirtFlowHost *host, VirtFlowSetupFlags flags, const char *user, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return virtflow_setup_wrap(
        host, vf_setup_new_for_user(_virtflow_host_get_vf(host), (VfSetupFlags)flags, user, error));
}

/**
 * virtflow_setup_new_undo:
 * @host: the host to take back
 * @error: return location for a #GError
 *
 * The undo plan, from the manifest of earlier setups; without one, an empty plan.
 *
 * Returns: (transfer full): the plan, or %NULL with an error (a manifest that was
 *   tampered with refuses the whole undo, naming what)
 */
VirtFlowSetup *
virtflow_setup_new_undo(VirtFlowHost *host, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    return virtflow_setup_wrap(host, vf_setup_new_undo(_virtflow_host_get_vf(host), error));
}

/**
 * virtflow_setup_get_host:
 * @setup: a #VirtFlowSetup
 *
 * The host the plan is for.
 *
 * Returns: (transfer none): the host
 */
VirtFlowHost *
virtflow_setup_get_host(VirtFlowSetup *setup)
{
    g_return_val_if_fail(VIRTFLOW_IS_SETUP(setup), NULL);
    return setup->host;
}

/**
 * virtflow_setup_get_undo:
 * @setup: a #VirtFlowSetup
 *
 * Whether @setup is the undo plan.
 *
 * Returns: %TRUE for the undo plan
 */
gboolean
virtflow_setup_get_undo(VirtFlowSetup *setup)
{
    g_return_val_if_fail(VIRTFLOW_IS_SETUP(setup), FALSE);
    return setup->setup && vf_setup_is_undo(setup->setup);
}

/**
 * virtflow_setup_get_user:
 * @setup: a #VirtFlowSetup
 *
 * The desktop user the plan is for.
 *
 * Returns: (transfer none) (nullable): the user name, or %NULL when none is known
 */
const char *
virtflow_setup_get_user(VirtFlowSetup *setup)
{
    g_return_val_if_fail(VIRTFLOW_IS_SETUP(setup), NULL);
    return setup->setup ? vf_setup_get_user(setup->setup) : NULL;
}

/**
 * virtflow_setup_dup_changes:
 * @setup: a #VirtFlowSetup
 *
 * The changes of the plan, in the order they run, in their present states.
 *
 * Returns: (transfer container) (element-type VirtFlowSetupChange): copies of the changes
 */
GPtrArray *
virtflow_setup_dup_changes(VirtFlowSetup *setup)
{
    GPtrArray *changes;
    GPtrArray *own;

    g_return_val_if_fail(VIRTFLOW_IS_SETUP(setup), NULL);
    changes = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_setup_change_free);
    own = setup->setup ? vf_setup_get_changes(setup->setup) : NULL;
    for (guint i = 0; own && i < own->len; i++)
        g_ptr_array_add(changes, _virtflow_setup_change_new_from_vf(own->pdata[i]));
    return changes;
}

static void
virtflow_setup_on_change(const VfSetupChange *change, gpointer user_data)
{
    g_autoptr(VirtFlowSetupChange) copy = _virtflow_setup_change_new_from_vf(change);

    g_signal_emit(user_data, signals[SIGNAL_CHANGE_DONE], 0, copy);
}

/**
 * virtflow_setup_apply:
 * @setup: a #VirtFlowSetup
 * @error: return location for a #GError
 *
 * Makes the pending changes in order, emitting #VirtFlowSetup::change-done after each.
 * Stops at the first failure; the changes made before it stay, and the undo plan takes
 * them back. On the live machine as a user that is not root, virtflow-helper makes them
 * (through pkexec).
 *
 * Returns: %TRUE when every change is made, %FALSE with the failure
 */
gboolean
virtflow_setup_apply(VirtFlowSetup *setup, GError **error)
{
    g_return_val_if_fail(VIRTFLOW_IS_SETUP(setup), FALSE);
    return vf_setup_apply(setup->setup, virtflow_setup_on_change, setup, error);
}
