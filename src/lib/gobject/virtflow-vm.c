/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowVm: a snapshot of one VfDomainInfo (virt/vf-virt.h).
 */
#include "virtflow-private.h"

/**
 * VirtFlowVm:
 *
 * A libvirt domain as VirtFlow sees it when the #VirtFlowConnection listed it: its name,
 * state and the GPU VirtFlow's passthrough record gives it. A snapshot: list the VMs
 * again, or watch #VirtFlowConnection::vm-changed, for the present state.
 */
struct _VirtFlowVm {
    GObject parent_instance;
    char *name;
    char *uuid;
    VirtFlowVmState state;
    gboolean persistent;
    gboolean passthrough;
    char *gpu;
    guint vcpus;
    guint64 memory_kib;
    /* how an activated VM is used (its record), when listed full */
};

enum {
    PROP_0,
    PROP_NAME,
    PROP_UUID,
    PROP_STATE,
    PROP_STATE_NAME,
    PROP_ACTIVE,
    PROP_PERSISTENT,
    PROP_PASSTHROUGH,
    PROP_GPU,
    PROP_VCPUS,
    PROP_MEMORY,
    N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowVm, virtflow_vm, G_TYPE_OBJECT)

static void
virtflow_vm_finalize(GObject *object)
{
    VirtFlowVm *self = VIRTFLOW_VM(object);

    g_free(self->name);
    g_free(self->uuid);
    g_free(self->gpu);
    G_OBJECT_CLASS(virtflow_vm_parent_class)->finalize(object);
}

static void
virtflow_vm_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    VirtFlowVm *self = VIRTFLOW_VM(object);

    switch (prop_id) {
    case PROP_NAME:
        g_value_set_string(value, self->name);
        break;
    case PROP_UUID:
        g_value_set_string(value, self->uuid);
        break;
    case PROP_STATE:
        g_value_set_enum(value, self->state);
        break;
    case PROP_STATE_NAME:
        g_value_set_string(value, virtflow_vm_get_state_name(self));
        break;
    case PROP_ACTIVE:
        g_value_set_boolean(value, virtflow_vm_get_active(self));
        break;
    case PROP_PERSISTENT:
        g_value_set_boolean(value, self->persistent);
        break;
    case PROP_PASSTHROUGH:
        g_value_set_boolean(value, self->passthrough);
        break;
    case PROP_GPU:
        g_value_set_string(value, self->gpu);
        break;
    case PROP_VCPUS:
        g_value_set_uint(value, self->vcpus);
        break;
    case PROP_MEMORY:
        g_value_set_uint64(value, self->memory_kib);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_vm_class_init(VirtFlowVmClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

    object_class->finalize = virtflow_vm_finalize;
    object_class->get_property = virtflow_vm_get_property;

    /**
     * VirtFlowVm:name: (getter get_name)
     *
     * The domain's name.
     */
    properties[PROP_NAME] = g_param_spec_string("name", NULL, NULL, NULL, flags);
    /**
     * VirtFlowVm:uuid: (getter get_uuid)
     *
     * The domain's UUID.
     */
    properties[PROP_UUID] = g_param_spec_string("uuid", NULL, NULL, NULL, flags);
    /**
     * VirtFlowVm:state: (getter get_state)
     *
     * The domain's state when it was listed.
     */
    properties[PROP_STATE] = g_param_spec_enum("state", NULL, NULL, VIRTFLOW_TYPE_VM_STATE,
                                               VIRTFLOW_VM_STATE_NOSTATE, flags);
    /**
     * VirtFlowVm:state-name: (getter get_state_name)
     *
     * #VirtFlowVm:state as virsh prints it: "running", "shut off", …
     */
    properties[PROP_STATE_NAME] = g_param_spec_string("state-name", NULL, NULL, NULL, flags);
    /**
     * VirtFlowVm:active: (getter get_active)
     *
     * Whether QEMU runs (and holds the devices) in #VirtFlowVm:state.
     */
    properties[PROP_ACTIVE] = g_param_spec_boolean("active", NULL, NULL, FALSE, flags);
    /**
     * VirtFlowVm:persistent: (getter get_persistent)
     *
     * Whether the domain has a persistent definition.
     */
    properties[PROP_PERSISTENT] = g_param_spec_boolean("persistent", NULL, NULL, FALSE, flags);
    /**
     * VirtFlowVm:passthrough: (getter get_passthrough)
     *
     * Whether the domain carries VirtFlow's passthrough record: it was activated.
     */
    properties[PROP_PASSTHROUGH] = g_param_spec_boolean("passthrough", NULL, NULL, FALSE, flags);
    /**
     * VirtFlowVm:gpu: (getter get_gpu)
     *
     * The PCI address of the GPU the passthrough record gives the VM, or %NULL.
     */
    properties[PROP_GPU] = g_param_spec_string("gpu", NULL, NULL, NULL, flags);
    /**
     * VirtFlowVm:vcpus: (getter get_vcpus)
     *
     * The domain's virtual CPUs; 0 unless listed with
     * virtflow_connection_list_vms_full().
     */
    properties[PROP_VCPUS] = g_param_spec_uint("vcpus", NULL, NULL, 0, G_MAXUINT, 0, flags);
    /**
     * VirtFlowVm:memory: (getter get_memory)
     *
     * The domain's maximum memory in KiB; 0 unless listed with
     * virtflow_connection_list_vms_full().
     */
    properties[PROP_MEMORY] = g_param_spec_uint64("memory", NULL, NULL, 0, G_MAXUINT64, 0, flags);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_vm_init(VirtFlowVm *self)
{
}

VirtFlowVm *
_virtflow_vm_new_from_vf(const VfDomainInfo *info)
{
    VirtFlowVm *self = g_object_new(VIRTFLOW_TYPE_VM, NULL);

    self->name = g_strdup(info->name);
    self->uuid = g_strdup(info->uuid);
    self->state = (VirtFlowVmState)info->state;
    self->persistent = info->persistent;
    self->passthrough = info->passthrough;
    self->gpu = g_strdup(info->gpu);
    self->vcpus = info->vcpus;
    self->memory_kib = info->memory_kib;
    return self;
}

/**
 * virtflow_vm_get_name:
 * @vm: a #VirtFlowVm
 *
 * The domain's name.
 *
 * Returns: (transfer none): the name
 */
const char *
virtflow_vm_get_name(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), NULL);
    return vm->name;
}

/**
 * virtflow_vm_get_uuid:
 * @vm: a #VirtFlowVm
 *
 * The domain's UUID.
 *
 * Returns: (transfer none): the UUID
 */
const char *
virtflow_vm_get_uuid(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), NULL);
    return vm->uuid;
}

/**
 * virtflow_vm_get_state:
 * @vm: a #VirtFlowVm
 *
 * The domain's state when it was listed.
 *
 * Returns: the state
 */
VirtFlowVmState
virtflow_vm_get_state(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), VIRTFLOW_VM_STATE_NOSTATE);
    return vm->state;
}

/**
 * virtflow_vm_get_state_name:
 * @vm: a #VirtFlowVm
 *
 * The state as virsh prints it: "running", "shut off", …
 *
 * Returns: (transfer none): a static string
 */
const char *
virtflow_vm_get_state_name(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), NULL);
    return vf_domain_state_to_string((VfDomainState)vm->state);
}

/**
 * virtflow_vm_get_active:
 * @vm: a #VirtFlowVm
 *
 * Whether QEMU runs (and holds the devices) in the listed state.
 *
 * Returns: %TRUE when active
 */
gboolean
virtflow_vm_get_active(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), FALSE);
    return vf_domain_state_is_active((VfDomainState)vm->state);
}

/**
 * virtflow_vm_get_persistent:
 * @vm: a #VirtFlowVm
 *
 * Whether the domain has a persistent definition.
 *
 * Returns: %TRUE when persistent
 */
gboolean
virtflow_vm_get_persistent(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), FALSE);
    return vm->persistent;
}

/**
 * virtflow_vm_get_passthrough:
 * @vm: a #VirtFlowVm
 *
 * Whether the domain carries VirtFlow's passthrough record.
 *
 * Returns: %TRUE when activated
 */
gboolean
virtflow_vm_get_passthrough(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), FALSE);
    return vm->passthrough;
}

/**
 * virtflow_vm_get_gpu:
 * @vm: a #VirtFlowVm
 *
 * The PCI address of the GPU the passthrough record gives the VM.
 *
 * Returns: (transfer none) (nullable): the address, or %NULL when not activated
 */
const char *
virtflow_vm_get_gpu(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), NULL);
    return vm->gpu;
}

/**
 * virtflow_vm_get_vcpus:
 * @vm: a #VirtFlowVm
 *
 * The domain's virtual CPUs, when listed with virtflow_connection_list_vms_full().
 *
 * Returns: the vCPU count, or 0 when not read
 */
guint
virtflow_vm_get_vcpus(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), 0);
    return vm->vcpus;
}

/**
 * virtflow_vm_get_memory:
 * @vm: a #VirtFlowVm
 *
 * The domain's maximum memory, when listed with virtflow_connection_list_vms_full().
 *
 * Returns: the memory in KiB, or 0 when not read
 */
guint64
virtflow_vm_get_memory(VirtFlowVm *vm)
{
    g_return_val_if_fail(VIRTFLOW_IS_VM(vm), 0);
    return vm->memory_kib;
}
