/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowFlow: the flows of flows/vf-passthrough.h as an object with signals, run in the
 * caller's thread or on a worker thread (GTask).
 */
#include "virtflow-private.h"

/**
 * VirtFlowFlow:
 *
 * One VM flow — Activate GPU, Deactivate, Start or Stop — on a #VirtFlowHost and a
 * #VirtFlowConnection, as `virtflow activate|deactivate|start|stop VM` runs it.
 *
 * A flow is a list of steps. virtflow_flow_plan() reads the host and the VM and fills in
 * what the flow would do, changing nothing: the steps, the devices that move, the sysfs
 * writes in order and the VM's new definition (Activate and Deactivate; Start and Stop
 * have no dry run, their plan is the list of steps). virtflow_flow_run() (or
 * virtflow_flow_run_async() on a worker thread) runs it, emitting
 * #VirtFlowFlow::step-changed as each step starts and ends, in the order the CLI prints
 * its step lines. A step that fails undoes the ones before it, in reverse: the host and
 * the VM are then as they were.
 *
 * A flow runs once at a time; after a run, virtflow_flow_dup_steps() gives every step's
 * final state.
 */
struct _VirtFlowFlow {
    GObject parent_instance;
    VirtFlowFlowKind kind;
    VirtFlowHost *host;
    VirtFlowConnection *connection;
    char *vm;
    char *gpu;
    gboolean force;
    guint stop_timeout;
    gboolean running;
    VirtFlowView view;
    gboolean input_auto;
    GStrv input_devices; /* activate: explicit evdev paths, NULL for none */
    char *grab_toggle;   /* activate: libvirt's name of the keys, NULL for the default */
    gboolean replace_profile;
    VfFlow *flow; /* the plan, or the last run's steps; NULL before either */
    char *fix;    /* the last failed run's fix (vf_error_get_fix()) */
};

enum {
    PROP_0,
    PROP_KIND,
    PROP_HOST,
    PROP_CONNECTION,
    PROP_VM,
    PROP_GPU,
    PROP_FORCE,
    PROP_STOP_TIMEOUT,
    PROP_RUNNING,
    PROP_VIEW,
    PROP_INPUT_AUTO,
    PROP_FIX,
    PROP_INPUT_DEVICES,
    PROP_GRAB_TOGGLE,
    PROP_REPLACE_PROFILE,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum { SIGNAL_STEP_CHANGED, SIGNAL_WAIT_TICK, N_SIGNALS };

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE(VirtFlowFlow, virtflow_flow, G_TYPE_OBJECT)

static void
virtflow_flow_finalize(GObject *object)
{
    VirtFlowFlow *self = VIRTFLOW_FLOW(object);

    g_clear_object(&self->host);
    g_clear_object(&self->connection);
    g_free(self->vm);
    g_free(self->gpu);
    g_free(self->fix);
    g_strfreev(self->input_devices);
    g_free(self->grab_toggle);
    g_clear_pointer(&self->flow, vf_flow_free);
    G_OBJECT_CLASS(virtflow_flow_parent_class)->finalize(object);
}

static void
virtflow_flow_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowFlow *self = VIRTFLOW_FLOW(object);

    switch (prop_id) {
    case PROP_KIND:
        g_value_set_enum(value, self->kind);
        break;
    case PROP_HOST:
        g_value_set_object(value, self->host);
        break;
    case PROP_CONNECTION:
        g_value_set_object(value, self->connection);
        break;
    case PROP_VM:
        g_value_set_string(value, self->vm);
        break;
    case PROP_GPU:
        g_value_set_string(value, self->gpu);
        break;
    case PROP_FORCE:
        g_value_set_boolean(value, self->force);
        break;
    case PROP_STOP_TIMEOUT:
        g_value_set_uint(value, self->stop_timeout);
        break;
    case PROP_RUNNING:
        g_value_set_boolean(value, self->running);
        break;
    case PROP_FIX:
        g_value_set_string(value, self->fix);
        break;
    case PROP_VIEW:
        g_value_set_enum(value, self->view);
        break;
    case PROP_INPUT_AUTO:
        g_value_set_boolean(value, self->input_auto);
        break;
    case PROP_INPUT_DEVICES:
        g_value_set_boxed(value, self->input_devices);
        break;
    case PROP_GRAB_TOGGLE:
        g_value_set_string(value, self->grab_toggle);
        break;
    case PROP_REPLACE_PROFILE:
        g_value_set_boolean(value, self->replace_profile);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_flow_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
    VirtFlowFlow *self = VIRTFLOW_FLOW(object);

    switch (prop_id) {
    case PROP_KIND:
        self->kind = g_value_get_enum(value);
        break;
    case PROP_HOST:
        self->host = g_value_dup_object(value);
        break;
    case PROP_CONNECTION:
        self->connection = g_value_dup_object(value);
        break;
    case PROP_VM:
        g_free(self->vm);
        self->vm = g_value_dup_string(value);
        break;
    case PROP_GPU:
        g_free(self->gpu);
        self->gpu = g_value_dup_string(value);
        break;
    case PROP_FORCE:
        virtflow_flow_set_force(self, g_value_get_boolean(value));
        break;
    case PROP_STOP_TIMEOUT:
        virtflow_flow_set_stop_timeout(self, g_value_get_uint(value));
        break;
    case PROP_VIEW:
        virtflow_flow_set_view(self, g_value_get_enum(value));
        break;
    case PROP_INPUT_AUTO:
        virtflow_flow_set_input_auto(self, g_value_get_boolean(value));
        break;
    case PROP_INPUT_DEVICES:
        virtflow_flow_set_input_devices(self, g_value_get_boxed(value));
        break;
    case PROP_GRAB_TOGGLE:
        virtflow_flow_set_grab_toggle(self, g_value_get_string(value));
        break;
    case PROP_REPLACE_PROFILE:
        virtflow_flow_set_replace_profile(self, g_value_get_boolean(value));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_flow_class_init(VirtFlowFlowClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
    GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

    object_class->finalize = virtflow_flow_finalize;
    object_class->get_property = virtflow_flow_get_property;
    object_class->set_property = virtflow_flow_set_property;

    /**
     * VirtFlowFlow:kind: (getter get_kind)
     *
     * Which flow it is.
     */
    properties[PROP_KIND] = g_param_spec_enum("kind", NULL, NULL, VIRTFLOW_TYPE_FLOW_KIND,
                                              VIRTFLOW_FLOW_ACTIVATE, construct);
    /**
     * VirtFlowFlow:host: (getter get_host)
     *
     * The host whose devices move.
     */
    properties[PROP_HOST] = g_param_spec_object("host", NULL, NULL, VIRTFLOW_TYPE_HOST, construct);
    /**
     * VirtFlowFlow:connection: (getter get_connection)
     *
     * The libvirt connection of the VM.
     */
    properties[PROP_CONNECTION] =
        g_param_spec_object("connection", NULL, NULL, VIRTFLOW_TYPE_CONNECTION, construct);
    /**
     * VirtFlowFlow:vm: (getter get_vm)
     *
     * The VM's name.
     */
    properties[PROP_VM] = g_param_spec_string("vm", NULL, NULL, NULL, construct);
    /**
     * VirtFlowFlow:gpu: (getter get_gpu)
     *
     * Activate: the PCI address of the GPU to give the VM, %NULL for the host's one
     * eligible GPU. Once planned or run, the GPU the flow moves (notified).
     */
    properties[PROP_GPU] =
        g_param_spec_string("gpu", NULL, NULL, NULL,
                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                                G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowFlow:force: (getter get_force) (setter set_force)
     *
     * Activate: skip the guest checks; Stop: switch the VM off at once.
     */
    properties[PROP_FORCE] = g_param_spec_boolean("force", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowFlow:stop-timeout: (getter get_stop_timeout) (setter set_stop_timeout)
     *
     * How long a graceful shutdown of the guest may take, in seconds.
     */
    properties[PROP_STOP_TIMEOUT] = g_param_spec_uint("stop-timeout", NULL, NULL, 1, 3600, 120, rw);
    /**
     * VirtFlowFlow:running: (getter get_running)
     *
     * Whether the flow is running now (notified when it starts and ends).
     */
    properties[PROP_RUNNING] = g_param_spec_boolean("running", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowFlow:fix: (getter get_fix)
     *
     * What to do about the last run's failure, said where it happened (the guest agent to
     * install, the firmware setting, the program holding the GPU); %NULL after a run that
     * succeeded. The same text as virtflow_error_get_fix() on the run's error, for
     * languages whose exceptions keep only a #GError's domain, code and message.
     */
    properties[PROP_FIX] =
        g_param_spec_string("fix", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    /**
     * VirtFlowFlow:view: (getter get_view) (setter set_view)
     *
     * Activate: where the VM's picture goes. With the default (the monitor) and no
     * #VirtFlowFlow:input-auto, an activated VM keeps the profile it has.
     */
    properties[PROP_VIEW] =
        g_param_spec_enum("view", NULL, NULL, VIRTFLOW_TYPE_VIEW, VIRTFLOW_VIEW_MONITOR, rw);
    /**
     * VirtFlowFlow:input-auto: (getter get_input_auto) (setter set_input_auto)
     *
     * Activate: hand the host's keyboard and mouse in use to the VM (evdev, with a grab
     * toggle), as `virtflow activate --input auto` (the CLI's default) does. %FALSE hands
     * none over (`--input none`).
     */
    properties[PROP_INPUT_AUTO] = g_param_spec_boolean("input-auto", NULL, NULL, FALSE, rw);
    /**
     * VirtFlowFlow:input-devices: (getter get_input_devices) (setter set_input_devices)
     *
     * Activate: keyboards and mice to hand to the VM, as `/dev/input/by-id` paths (the CLI's
     * `--input DEVICE`), besides those of #VirtFlowFlow:input-auto. %NULL or empty: none.
     */
    properties[PROP_INPUT_DEVICES] =
        g_param_spec_boxed("input-devices", NULL, NULL, G_TYPE_STRV, rw);
    /**
     * VirtFlowFlow:grab-toggle: (getter get_grab_toggle) (setter set_grab_toggle)
     *
     * Activate: the keys that switch a handed-over keyboard and mouse between the host and
     * the VM, as libvirt names them ("ctrl-ctrl", "alt-alt", "shift-shift", "meta-meta",
     * "scrolllock", "ctrl-scrolllock"; the CLI's `--grab-toggle`); %NULL for the default,
     * ctrl-ctrl.
     */
    properties[PROP_GRAB_TOGGLE] = g_param_spec_string("grab-toggle", NULL, NULL, NULL, rw);
    /**
     * VirtFlowFlow:replace-profile: (getter get_replace_profile) (setter set_replace_profile)
     *
     * Activate: apply the profile the properties make even when every one is at its default
     * (the monitor, no input): a front end that asked how the VM is used passes its answer,
     * and an activated VM's own profile is then replaced.
     */
    properties[PROP_REPLACE_PROFILE] =
        g_param_spec_boolean("replace-profile", NULL, NULL, FALSE, rw);
    g_object_class_install_properties(object_class, N_PROPS, properties);

    /**
     * VirtFlowFlow::step-changed:
     * @flow: the flow
     * @step: the step, in its new state
     * @fraction: the share of the flow done, 0 to 1
     *
     * Emitted when a step starts (%VIRTFLOW_STEP_RUNNING) and when it ends (done, failed
     * or skipped), in order: the CLI prints one line per ended step. A flow run with
     * virtflow_flow_run_async() emits it in the thread-default main context of the caller,
     * before the callback.
     */
    signals[SIGNAL_STEP_CHANGED] =
        g_signal_new("step-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                     NULL, G_TYPE_NONE, 2, VIRTFLOW_TYPE_STEP, G_TYPE_DOUBLE);
    /**
     * VirtFlowFlow::wait-tick:
     * @flow: the flow
     * @elapsed_ms: how long the guest has been shutting down
     * @total_ms: how long it may take
     *
     * Emitted about every 100 ms while the flow waits for the guest to shut down.
     */
    signals[SIGNAL_WAIT_TICK] =
        g_signal_new("wait-tick", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                     G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
virtflow_flow_init(VirtFlowFlow *self)
{
    self->stop_timeout = 120;
}

/**
 * virtflow_flow_new:
 * @kind: which flow
 * @host: the host whose devices move
 * @connection: the libvirt connection of @vm
 * @vm: the VM's name
 * @gpu: (nullable): Activate: the PCI address of the GPU to give @vm; %NULL for the one
 *   eligible GPU of @host. Ignored by the other flows (the VM's record names its GPU).
 *
 * A flow, neither planned nor run.
 *
 * Returns: (transfer full): the flow
 */
VirtFlowFlow *
virtflow_flow_new(VirtFlowFlowKind kind, VirtFlowHost *host, VirtFlowConnection *connection,
                  const char *vm, const char *gpu)
{
    g_return_val_if_fail(VIRTFLOW_IS_HOST(host), NULL);
    g_return_val_if_fail(VIRTFLOW_IS_CONNECTION(connection), NULL);
    g_return_val_if_fail(vm != NULL, NULL);
    return g_object_new(VIRTFLOW_TYPE_FLOW, "kind", kind, "host", host, "connection", connection,
                        "vm", vm, "gpu", gpu, NULL);
}

/**
 * virtflow_flow_get_kind:
 * @flow: a #VirtFlowFlow
 *
 * Which flow @flow is.
 *
 * Returns: the kind
 */
VirtFlowFlowKind
virtflow_flow_get_kind(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), VIRTFLOW_FLOW_ACTIVATE);
    return flow->kind;
}

/**
 * virtflow_flow_get_host:
 * @flow: a #VirtFlowFlow
 *
 * The host whose devices move.
 *
 * Returns: (transfer none): the host
 */
VirtFlowHost *
virtflow_flow_get_host(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->host;
}

/**
 * virtflow_flow_get_connection:
 * @flow: a #VirtFlowFlow
 *
 * The libvirt connection of the VM.
 *
 * Returns: (transfer none): the connection
 */
VirtFlowConnection *
virtflow_flow_get_connection(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->connection;
}

/**
 * virtflow_flow_get_vm:
 * @flow: a #VirtFlowFlow
 *
 * The VM's name.
 *
 * Returns: (transfer none): the name
 */
const char *
virtflow_flow_get_vm(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->vm;
}

/**
 * virtflow_flow_get_gpu:
 * @flow: a #VirtFlowFlow
 *
 * The GPU the flow moves: the one given, or once planned or run, the one chosen.
 *
 * Returns: (transfer none) (nullable): its PCI address, or %NULL when not known yet
 */
const char *
virtflow_flow_get_gpu(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->gpu;
}

/**
 * virtflow_flow_get_force:
 * @flow: a #VirtFlowFlow
 *
 * Whether the flow skips the guest checks (Activate) or switches the VM off at once (Stop).
 *
 * Returns: the value of #VirtFlowFlow:force
 */
gboolean
virtflow_flow_get_force(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    return flow->force;
}

/**
 * virtflow_flow_set_force:
 * @flow: a #VirtFlowFlow
 * @force: %TRUE to skip the guest checks (Activate) or switch the VM off at once (Stop)
 *
 * Sets #VirtFlowFlow:force, for the next run.
 */
void
virtflow_flow_set_force(VirtFlowFlow *flow, gboolean force)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    force = !!force;
    if (flow->force == force)
        return;
    flow->force = force;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_FORCE]);
}

/**
 * virtflow_flow_get_stop_timeout:
 * @flow: a #VirtFlowFlow
 *
 * How long a graceful shutdown of the guest may take.
 *
 * Returns: the time in seconds
 */
guint
virtflow_flow_get_stop_timeout(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), 0);
    return flow->stop_timeout;
}

/**
 * virtflow_flow_set_stop_timeout:
 * @flow: a #VirtFlowFlow
 * @seconds: how long a graceful shutdown of the guest may take (1 to 3600)
 *
 * Sets #VirtFlowFlow:stop-timeout, for the next run.
 */
void
virtflow_flow_set_stop_timeout(VirtFlowFlow *flow, guint seconds)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    g_return_if_fail(seconds >= 1 && seconds <= 3600);
    if (flow->stop_timeout == seconds)
        return;
    flow->stop_timeout = seconds;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_STOP_TIMEOUT]);
}

/**
 * virtflow_flow_get_running:
 * @flow: a #VirtFlowFlow
 *
 * Whether the flow is running now.
 *
 * Returns: %TRUE while it runs
 */
gboolean
virtflow_flow_get_running(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    return flow->running;
}

/**
 * virtflow_flow_get_view:
 * @flow: a #VirtFlowFlow
 *
 * Where the VM's picture goes once activated.
 *
 * Returns: the value of #VirtFlowFlow:view
 */
VirtFlowView
virtflow_flow_get_view(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), VIRTFLOW_VIEW_MONITOR);
    return flow->view;
}

/**
 * virtflow_flow_set_view:
 * @flow: a #VirtFlowFlow
 * @view: where the VM's picture goes
 *
 * Sets #VirtFlowFlow:view, for the next plan or run of Activate.
 */
void
virtflow_flow_set_view(VirtFlowFlow *flow, VirtFlowView view)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    g_return_if_fail(view <= VIRTFLOW_VIEW_LOOKING_GLASS);
    if (flow->view == view)
        return;
    flow->view = view;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_VIEW]);
}

/**
 * virtflow_flow_get_input_auto:
 * @flow: a #VirtFlowFlow
 *
 * Whether Activate hands the host's keyboard and mouse in use to the VM.
 *
 * Returns: the value of #VirtFlowFlow:input-auto
 */
gboolean
virtflow_flow_get_input_auto(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    return flow->input_auto;
}

/**
 * virtflow_flow_set_input_auto:
 * @flow: a #VirtFlowFlow
 * @input_auto: %TRUE to hand the keyboard and mouse in use to the VM
 *
 * Sets #VirtFlowFlow:input-auto, for the next plan or run of Activate.
 */
void
virtflow_flow_set_input_auto(VirtFlowFlow *flow, gboolean input_auto)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    input_auto = !!input_auto;
    if (flow->input_auto == input_auto)
        return;
    flow->input_auto = input_auto;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_INPUT_AUTO]);
}

/**
 * virtflow_flow_get_input_devices:
 * @flow: a #VirtFlowFlow
 *
 * The keyboards and mice Activate hands to the VM besides #VirtFlowFlow:input-auto's.
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the by-id paths, or %NULL
 */
const char *const *
virtflow_flow_get_input_devices(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return (const char *const *)flow->input_devices;
}

/**
 * virtflow_flow_set_input_devices:
 * @flow: a #VirtFlowFlow
 * @devices: (nullable) (array zero-terminated=1): `/dev/input/by-id` paths of keyboards and
 *   mice (a link ending in `-event-kbd` is a keyboard, any other a mouse)
 *
 * Sets #VirtFlowFlow:input-devices, for the next plan or run of Activate.
 */
void
virtflow_flow_set_input_devices(VirtFlowFlow *flow, const char *const *devices)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    if (flow->input_devices == NULL && (devices == NULL || devices[0] == NULL))
        return;
    if (flow->input_devices && devices &&
        g_strv_equal((const char *const *)flow->input_devices, devices))
        return;
    g_strfreev(flow->input_devices);
    flow->input_devices = devices && devices[0] ? g_strdupv((char **)devices) : NULL;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_INPUT_DEVICES]);
}

/**
 * virtflow_flow_get_grab_toggle:
 * @flow: a #VirtFlowFlow
 *
 * The keys that switch a handed-over keyboard and mouse between the host and the VM.
 *
 * Returns: (transfer none) (nullable): libvirt's name of the keys, %NULL for the default
 */
const char *
virtflow_flow_get_grab_toggle(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->grab_toggle;
}

/**
 * virtflow_flow_set_grab_toggle:
 * @flow: a #VirtFlowFlow
 * @keys: (nullable): libvirt's name of the keys ("ctrl-ctrl", "scrolllock", …), %NULL for
 *   the default
 *
 * Sets #VirtFlowFlow:grab-toggle, for the next plan or run of Activate (which refuses a
 * name libvirt does not know, with %VIRTFLOW_ERROR_INVALID_ARGUMENT).
 */
void
virtflow_flow_set_grab_toggle(VirtFlowFlow *flow, const char *keys)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    if (g_strcmp0(flow->grab_toggle, keys) == 0)
        return;
    g_free(flow->grab_toggle);
    flow->grab_toggle = g_strdup(keys);
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_GRAB_TOGGLE]);
}

/**
 * virtflow_flow_get_replace_profile:
 * @flow: a #VirtFlowFlow
 *
 * Whether Activate applies the properties' profile even when all are at their defaults.
 *
 * Returns: the value of #VirtFlowFlow:replace-profile
 */
gboolean
virtflow_flow_get_replace_profile(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    return flow->replace_profile;
}

/**
 * virtflow_flow_set_replace_profile:
 * @flow: a #VirtFlowFlow
 * @replace: %TRUE to apply the profile even when every property is at its default
 *
 * Sets #VirtFlowFlow:replace-profile, for the next plan or run of Activate.
 */
void
virtflow_flow_set_replace_profile(VirtFlowFlow *flow, gboolean replace)
{
    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    replace = !!replace;
    if (flow->replace_profile == replace)
        return;
    flow->replace_profile = replace;
    g_object_notify_by_pspec(G_OBJECT(flow), properties[PROP_REPLACE_PROFILE]);
}

/* Activate's profile from the properties: NULL for the default (the flow keeps an activated
 * VM's own) unless replace-profile, else the view, the grab toggle, the input-devices and,
 * with input-auto, the keyboard and mouse in use as the CLI's `--input auto` picks them
 * (none when they cannot be read: no reason to refuse the GPU). FALSE for an unknown grab
 * toggle. */
static gboolean
virtflow_flow_dup_profile(VirtFlowFlow *self, VfProfile **ret_profile, GError **error)
{
    g_autoptr(VfProfile) profile = NULL;

    *ret_profile = NULL;
    if (self->kind != VIRTFLOW_FLOW_ACTIVATE ||
        (!self->replace_profile && self->view == VIRTFLOW_VIEW_MONITOR && !self->input_auto &&
         self->input_devices == NULL && self->grab_toggle == NULL))
        return TRUE;
    profile = vf_profile_new();
    profile->view = (VfView)self->view;
    if (self->grab_toggle &&
        !vf_grab_toggle_from_string(self->grab_toggle, &profile->grab_toggle, error))
        return FALSE;
    for (guint i = 0; self->input_devices && self->input_devices[i]; i++) {
        const char *path = self->input_devices[i];

        g_ptr_array_add(profile->evdev, vf_evdev_input_new(g_str_has_suffix(path, "-event-kbd")
                                                               ? VF_INPUT_KIND_KEYBOARD
                                                               : VF_INPUT_KIND_MOUSE,
                                                           path));
    }
    if (self->input_auto) {
        g_autofree char *note = NULL;
        g_autoptr(GPtrArray) picked =
            vf_input_pick_auto(_virtflow_host_get_vf(self->host), &note, NULL);

        for (guint i = 0; picked && i < picked->len; i++)
            g_ptr_array_add(profile->evdev, g_steal_pointer(&picked->pdata[i]));
    }
    *ret_profile = g_steal_pointer(&profile);
    return TRUE;
}

/* A new plan or run's result: keep it, and the GPU it chose. */
static void
virtflow_flow_take(VirtFlowFlow *self, VfFlow *flow)
{
    if (flow == NULL)
        return;
    g_clear_pointer(&self->flow, vf_flow_free);
    self->flow = flow;
    if (flow->gpu && g_strcmp0(flow->gpu, self->gpu) != 0) {
        g_free(self->gpu);
        self->gpu = g_strdup(flow->gpu);
        g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_GPU]);
    }
}

static void
virtflow_flow_set_running(VirtFlowFlow *self, gboolean running)
{
    self->running = running;
    g_object_notify_by_pspec(G_OBJECT(self), properties[PROP_RUNNING]);
}

/**
 * virtflow_flow_plan:
 * @flow: a #VirtFlowFlow
 * @error: return location for a #GError
 *
 * Reads the host and the VM and fills in what the flow would do, changing nothing (a dry
 * run): virtflow_flow_dup_steps(), virtflow_flow_dup_devices(), virtflow_flow_dup_writes(),
 * virtflow_flow_get_domain_xml(). Activate's plan fails as its run would (a blocked GPU,
 * an unknown VM). Start and Stop have no dry run: their plan is their list of steps.
 *
 * Returns: %TRUE when planned, %FALSE with an error
 */
gboolean
virtflow_flow_plan(VirtFlowFlow *flow, GError **error)
{
    VfHost *host;
    VfConnection *conn;
    VfFlow *plan;
    g_autoptr(VfProfile) profile = NULL;

    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    if (flow->running) {
        g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_BUSY,
                    "the flow for VM '%s' is running: plan it again once it ends", flow->vm);
        return FALSE;
    }
    host = _virtflow_host_get_vf(flow->host);
    conn = _virtflow_connection_get_vf(flow->connection);
    switch (flow->kind) {
    case VIRTFLOW_FLOW_ACTIVATE:
        if (!virtflow_flow_dup_profile(flow, &profile, error))
            return FALSE;
        plan = vf_flow_plan_activate_profile(host, conn, flow->vm, flow->gpu, profile, error);
        break;
    case VIRTFLOW_FLOW_DEACTIVATE:
        plan = vf_flow_plan_deactivate(host, conn, flow->vm, error);
        break;
    default:
        plan = vf_flow_new_outline((VfFlowKind)flow->kind, flow->vm);
        break;
    }
    if (plan == NULL)
        return FALSE;
    virtflow_flow_take(flow, plan);
    return TRUE;
}

/**
 * virtflow_flow_dup_steps:
 * @flow: a #VirtFlowFlow
 *
 * The steps of the plan, or after a run their final states; empty before either.
 *
 * Returns: (transfer container) (element-type VirtFlowStep): copies of the steps
 */
GPtrArray *
virtflow_flow_dup_steps(VirtFlowFlow *flow)
{
    GPtrArray *steps;

    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    steps = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_step_free);
    for (guint i = 0; flow->flow && i < flow->flow->steps->len; i++)
        g_ptr_array_add(steps, _virtflow_step_new_from_vf(flow->flow->steps->pdata[i]));
    return steps;
}

static GStrv
virtflow_strv_from_array(GPtrArray *array)
{
    GStrv strv = g_new0(char *, (array ? array->len : 0) + 1);

    for (guint i = 0; array && i < array->len; i++)
        strv[i] = g_strdup(array->pdata[i]);
    return strv;
}

/**
 * virtflow_flow_dup_devices:
 * @flow: a #VirtFlowFlow
 *
 * The PCI addresses of the devices the flow moves (planned or moved).
 *
 * Returns: (transfer full) (array zero-terminated=1): the addresses; empty before a plan
 */
GStrv
virtflow_flow_dup_devices(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return virtflow_strv_from_array(flow->flow ? flow->flow->devices : NULL);
}

/**
 * virtflow_flow_dup_writes:
 * @flow: a #VirtFlowFlow
 *
 * The sysfs writes of the plan, in the order they run.
 *
 * Returns: (transfer container) (element-type VirtFlowWrite): the writes; empty before a plan
 */
GPtrArray *
virtflow_flow_dup_writes(VirtFlowFlow *flow)
{
    GPtrArray *writes;

    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    writes = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_write_free);
    for (guint i = 0; flow->flow && i < flow->flow->writes->len; i++)
        g_ptr_array_add(writes, _virtflow_write_new_from_vf(flow->flow->writes->pdata[i]));
    return writes;
}

/**
 * virtflow_flow_get_domain_xml:
 * @flow: a #VirtFlowFlow
 *
 * The VM's new definition in a plan of Activate or Deactivate. Valid until the next plan
 * or run.
 *
 * Returns: (transfer none) (nullable): the domain XML, or %NULL
 */
const char *
virtflow_flow_get_domain_xml(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->flow ? flow->flow->domain_xml : NULL;
}

/**
 * virtflow_flow_dup_warnings:
 * @flow: a #VirtFlowFlow
 *
 * What the plan or run warns about (the run went on).
 *
 * Returns: (transfer full) (array zero-terminated=1): the warnings, in sentences
 */
GStrv
virtflow_flow_dup_warnings(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return virtflow_strv_from_array(flow->flow ? flow->flow->warnings : NULL);
}

/**
 * virtflow_flow_dup_notes:
 * @flow: a #VirtFlowFlow
 *
 * What the user must know now, after Activate: where the picture and the sound go, the
 * grab toggle key, …
 *
 * Returns: (transfer full) (array zero-terminated=1): the notes, in sentences
 */
GStrv
virtflow_flow_dup_notes(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return virtflow_strv_from_array(flow->flow ? flow->flow->notes : NULL);
}

/* ---- running ---- */

/* What one run needs, read in the caller's thread; the worker touches nothing else. */
typedef struct {
    VirtFlowFlow *self; /* a reference */
    VfHost *host;
    VfConnection *conn;
    VfFlowKind kind;
    char *vm;
    char *gpu;
    char *demo_root;
    gboolean force;
    guint stop_timeout;
    VfProfile *profile;       /* activate: NULL for the default */
    VirtFlowMailbox *mailbox; /* NULL: emit in the running thread (virtflow_flow_run) */
    GTask *task;              /* async runs */
    VfFlow *result;
    GError *error;
    gboolean ok;
} VirtFlowRun;

static void
virtflow_run_free(VirtFlowRun *run)
{
    g_object_unref(run->self);
    vf_host_unref(run->host);
    vf_connection_unref(run->conn);
    g_free(run->vm);
    g_free(run->gpu);
    g_free(run->demo_root);
    if (run->profile)
        vf_profile_free(run->profile);
    if (run->mailbox)
        _virtflow_mailbox_unref(run->mailbox);
    g_clear_pointer(&run->result, vf_flow_free);
    g_clear_error(&run->error);
    g_free(run);
}

typedef struct {
    VirtFlowFlow *self;
    VirtFlowStep *step;
    double fraction;
    guint elapsed_ms;
    guint total_ms;
} VirtFlowEmit;

static void
virtflow_emit_free(gpointer data)
{
    VirtFlowEmit *emit = data;

    g_object_unref(emit->self);
    g_clear_pointer(&emit->step, virtflow_step_free);
    g_free(emit);
}

static gboolean
virtflow_emit_dispatch(gpointer data)
{
    VirtFlowEmit *emit = data;

    if (emit->step)
        g_signal_emit(emit->self, signals[SIGNAL_STEP_CHANGED], 0, emit->step, emit->fraction);
    else
        g_signal_emit(emit->self, signals[SIGNAL_WAIT_TICK], 0, emit->elapsed_ms, emit->total_ms);
    return G_SOURCE_REMOVE;
}

/* Emitted where the caller is: directly for a run in its thread, else through the run's
 * mailbox, in order, by the caller's thread (virtflow-private.h says why not an idle). */
static void
virtflow_run_emit(VirtFlowRun *run, VirtFlowEmit *emit)
{
    emit->self = g_object_ref(run->self);
    if (run->mailbox == NULL) {
        virtflow_emit_dispatch(emit);
        virtflow_emit_free(emit);
        return;
    }
    _virtflow_mailbox_post(run->mailbox, virtflow_emit_dispatch, emit, virtflow_emit_free);
}

static void
virtflow_run_progress(const VfStep *step, double fraction, gpointer user_data)
{
    VirtFlowEmit *emit = g_new0(VirtFlowEmit, 1);

    emit->step = _virtflow_step_new_from_vf(step);
    emit->fraction = fraction;
    virtflow_run_emit(user_data, emit);
}

static void
virtflow_run_wait_tick(guint elapsed_ms, guint total_ms, gpointer user_data)
{
    VirtFlowEmit *emit = g_new0(VirtFlowEmit, 1);

    emit->elapsed_ms = elapsed_ms;
    emit->total_ms = total_ms;
    virtflow_run_emit(user_data, emit);
}

static VirtFlowRun *
virtflow_run_new(VirtFlowFlow *self, GCancellable *cancellable, GError **error)
{
    VirtFlowRun *run;
    VfHost *host = _virtflow_host_get_vf(self->host);
    VfProfile *profile = NULL;

    if (g_cancellable_set_error_if_cancelled(cancellable, error))
        return NULL;
    if (self->running) {
        g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_BUSY,
                    "the flow for VM '%s' is running already: wait for it to end", self->vm);
        return NULL;
    }
    /* as the CLI: a captured tree is for reading and planning */
    if (!vf_host_is_writable(host) && vf_host_get_helper(host) == NULL) {
        g_set_error(error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_READ_ONLY,
                    "the host rooted at '%s' is for reading and planning: VirtFlow changes "
                    "devices only on the live machine (root \"/\") or the demo",
                    vf_host_get_root(host));
        return NULL;
    }
    if (!virtflow_flow_dup_profile(self, &profile, error))
        return NULL;
    run = g_new0(VirtFlowRun, 1);
    run->self = g_object_ref(self);
    run->host = vf_host_ref(host);
    run->conn = vf_connection_ref(_virtflow_connection_get_vf(self->connection));
    run->kind = (VfFlowKind)self->kind;
    run->vm = g_strdup(self->vm);
    run->gpu = g_strdup(self->gpu);
    run->demo_root = g_strdup(_virtflow_connection_get_demo_root(self->connection));
    run->force = self->force;
    run->stop_timeout = self->stop_timeout;
    run->profile = g_steal_pointer(&profile);
    return run;
}

/* The flow itself: in the caller's thread or a worker's. */
static void
virtflow_run_execute(VirtFlowRun *run, GCancellable *cancellable)
{
    VfFlowOptions options = {
        .stop_timeout_s = run->stop_timeout,
        .force = run->force,
        .profile = run->profile,
        .progress = virtflow_run_progress,
        .wait_tick = virtflow_run_wait_tick,
        .user_data = run,
    };

    /* the last moment a cancel is honoured: once a step runs, the flow ends (or undoes
     * itself on a failure), because a half-moved IOMMU group is worse than a late cancel */
    if (g_cancellable_set_error_if_cancelled(cancellable, &run->error))
        return;
    switch (run->kind) {
    case VF_FLOW_ACTIVATE:
        run->ok = vf_flow_activate(run->host, run->conn, run->vm, run->gpu, &options, &run->result,
                                   &run->error);
        break;
    case VF_FLOW_DEACTIVATE:
        run->ok =
            vf_flow_deactivate(run->host, run->conn, run->vm, &options, &run->result, &run->error);
        break;
    case VF_FLOW_START:
        run->ok = vf_flow_start(run->host, run->conn, run->vm, &options, &run->result, &run->error);
        break;
    default:
        run->ok = vf_flow_stop(run->host, run->conn, run->vm, &options, &run->result, &run->error);
        break;
    }
    /* the demo's test driver forgets its VMs when the connection closes: keep them */
    if (run->demo_root) {
        g_autoptr(GError) local = NULL;

        if (!vf_demo_save(run->demo_root, run->conn, &local))
            g_warning("the demo's VMs could not be saved under '%s': %s", run->demo_root,
                      local->message);
    }
}

/* Back in the caller's thread: keep the result, end the run. */
static gboolean
virtflow_run_end(VirtFlowRun *run, GError **error)
{
    virtflow_flow_take(run->self, g_steal_pointer(&run->result));
    g_free(run->self->fix);
    run->self->fix = run->ok ? NULL : g_strdup(vf_error_get_fix(run->error));
    g_object_notify_by_pspec(G_OBJECT(run->self), properties[PROP_FIX]);
    virtflow_flow_set_running(run->self, FALSE);
    if (!run->ok) {
        g_propagate_error(error, g_steal_pointer(&run->error));
        return FALSE;
    }
    return TRUE;
}

/**
 * virtflow_flow_run:
 * @flow: a #VirtFlowFlow
 * @cancellable: (nullable): a #GCancellable: honoured until the first step starts
 * @error: return location for a #GError
 *
 * Runs the flow in the calling thread, emitting #VirtFlowFlow::step-changed from it. It
 * can take minutes (a guest shutting down): a GUI calls virtflow_flow_run_async().
 *
 * Once a step runs the flow is not interrupted: it ends, or a failed step undoes the
 * ones before it, because a half-moved IOMMU group is worse than a late cancel.
 *
 * Returns: %TRUE when the flow succeeded; %FALSE with the failed step's error (the
 *   host and the VM are then as they were), %VIRTFLOW_ERROR_READ_ONLY for a host that is
 *   neither live nor the demo, %VIRTFLOW_ERROR_BUSY while it runs, or
 *   %G_IO_ERROR_CANCELLED
 */
gboolean
virtflow_flow_run(VirtFlowFlow *flow, GCancellable *cancellable, GError **error)
{
    VirtFlowRun *run;
    gboolean ok;

    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), FALSE);
    if ((run = virtflow_run_new(flow, cancellable, error)) == NULL)
        return FALSE;
    virtflow_flow_set_running(flow, TRUE);
    virtflow_run_execute(run, cancellable);
    ok = virtflow_run_end(run, error);
    virtflow_run_free(run);
    return ok;
}

static gboolean
virtflow_run_return(gpointer data)
{
    VirtFlowRun *run = data;
    GError *error = NULL;
    GTask *task = run->task;

    run->task = NULL;
    if (virtflow_run_end(run, &error))
        g_task_return_boolean(task, TRUE);
    else
        g_task_return_error(task, error);
    g_object_unref(task);
    return G_SOURCE_REMOVE;
}

static void
virtflow_run_thread(GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
    VirtFlowRun *run = data;

    virtflow_run_execute(run, cancellable);
    /* returned from the caller's context, after the step signals queued there */
    run->task = g_object_ref(task);
    _virtflow_mailbox_post(run->mailbox, virtflow_run_return, run, NULL);
}

/**
 * virtflow_flow_run_async:
 * @flow: a #VirtFlowFlow
 * @cancellable: (nullable): a #GCancellable: honoured until the first step starts
 * @callback: (scope async): called when the flow ended
 * @user_data: (closure): data for @callback
 *
 * Runs the flow on a worker thread. #VirtFlowFlow::step-changed is emitted in the
 * thread-default main context of the caller, in order, and all of them before @callback;
 * the main loop keeps running meanwhile. Finish with virtflow_flow_run_finish().
 */
void
virtflow_flow_run_async(VirtFlowFlow *flow, GCancellable *cancellable, GAsyncReadyCallback callback,
                        gpointer user_data)
{
    g_autoptr(GTask) task = NULL;
    GError *error = NULL;
    VirtFlowRun *run;

    g_return_if_fail(VIRTFLOW_IS_FLOW(flow));
    task = g_task_new(flow, cancellable, callback, user_data);
    g_task_set_source_tag(task, virtflow_flow_run_async);
    if ((run = virtflow_run_new(flow, cancellable, &error)) == NULL) {
        g_task_return_error(task, error);
        return;
    }
    run->mailbox = _virtflow_mailbox_new();
    g_task_set_task_data(task, run, (GDestroyNotify)virtflow_run_free);
    virtflow_flow_set_running(flow, TRUE);
    g_task_run_in_thread(task, virtflow_run_thread);
}

/**
 * virtflow_flow_run_finish:
 * @flow: a #VirtFlowFlow
 * @result: the #GAsyncResult given to the callback
 * @error: return location for a #GError
 *
 * Finishes virtflow_flow_run_async().
 *
 * Returns: %TRUE when the flow succeeded; %FALSE with an error, as virtflow_flow_run()
 */
gboolean
virtflow_flow_run_finish(VirtFlowFlow *flow, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, flow), FALSE);
    return g_task_propagate_boolean(G_TASK(result), error);
}

/**
 * virtflow_flow_get_fix:
 * @flow: a #VirtFlowFlow
 *
 * What to do about the last run's failure.
 *
 * Returns: (transfer none) (nullable): what to do about the last run's failure, %NULL
 *   when it succeeded or has not run
 */
const char *
virtflow_flow_get_fix(VirtFlowFlow *flow)
{
    g_return_val_if_fail(VIRTFLOW_IS_FLOW(flow), NULL);
    return flow->fix;
}
