/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plain records of the API (boxed types) and their making from the internals' structs.
 * Generated once by hand from a table; each copy is deep.
 */
#include "virtflow-private.h"

/**
 * virtflow_blocker_copy:
 * @blocker: a #VirtFlowBlocker
 *
 * A deep copy of @blocker.
 *
 * Returns: (transfer full): the copy, to free with virtflow_blocker_free()
 */
VirtFlowBlocker *
virtflow_blocker_copy(const VirtFlowBlocker *blocker)
{
    VirtFlowBlocker *copy;

    g_return_val_if_fail(blocker != NULL, NULL);
    copy = g_new0(VirtFlowBlocker, 1);
    copy->kind = blocker->kind;
    copy->code = g_strdup(blocker->code);
    copy->message = g_strdup(blocker->message);
    copy->fix = g_strdup(blocker->fix);
    return copy;
}

/**
 * virtflow_blocker_free:
 * @blocker: (nullable): a #VirtFlowBlocker
 *
 * Frees @blocker and its strings.
 */
void
virtflow_blocker_free(VirtFlowBlocker *blocker)
{
    if (blocker == NULL)
        return;
    g_free(blocker->code);
    g_free(blocker->message);
    g_free(blocker->fix);
    g_free(blocker);
}

G_DEFINE_BOXED_TYPE(VirtFlowBlocker, virtflow_blocker, virtflow_blocker_copy, virtflow_blocker_free)

/**
 * virtflow_gpu_warning_copy:
 * @warning: a #VirtFlowGpuWarning
 *
 * A deep copy of @warning.
 *
 * Returns: (transfer full): the copy, to free with virtflow_gpu_warning_free()
 */
VirtFlowGpuWarning *
virtflow_gpu_warning_copy(const VirtFlowGpuWarning *warning)
{
    VirtFlowGpuWarning *copy;

    g_return_val_if_fail(warning != NULL, NULL);
    copy = g_new0(VirtFlowGpuWarning, 1);
    copy->code = g_strdup(warning->code);
    copy->message = g_strdup(warning->message);
    copy->fix = g_strdup(warning->fix);
    return copy;
}

/**
 * virtflow_gpu_warning_free:
 * @warning: (nullable): a #VirtFlowGpuWarning
 *
 * Frees @warning and its strings.
 */
void
virtflow_gpu_warning_free(VirtFlowGpuWarning *warning)
{
    if (warning == NULL)
        return;
    g_free(warning->code);
    g_free(warning->message);
    g_free(warning->fix);
    g_free(warning);
}

G_DEFINE_BOXED_TYPE(VirtFlowGpuWarning, virtflow_gpu_warning, virtflow_gpu_warning_copy,
                    virtflow_gpu_warning_free)

/**
 * virtflow_holder_copy:
 * @holder: a #VirtFlowHolder
 *
 * A deep copy of @holder.
 *
 * Returns: (transfer full): the copy, to free with virtflow_holder_free()
 */
VirtFlowHolder *
virtflow_holder_copy(const VirtFlowHolder *holder)
{
    VirtFlowHolder *copy;

    g_return_val_if_fail(holder != NULL, NULL);
    copy = g_new0(VirtFlowHolder, 1);
    copy->pid = holder->pid;
    copy->mapped = holder->mapped;
    copy->comm = g_strdup(holder->comm);
    copy->node = g_strdup(holder->node);
    copy->device = g_strdup(holder->device);
    return copy;
}

/**
 * virtflow_holder_free:
 * @holder: (nullable): a #VirtFlowHolder
 *
 * Frees @holder and its strings.
 */
void
virtflow_holder_free(VirtFlowHolder *holder)
{
    if (holder == NULL)
        return;
    g_free(holder->comm);
    g_free(holder->node);
    g_free(holder->device);
    g_free(holder);
}

G_DEFINE_BOXED_TYPE(VirtFlowHolder, virtflow_holder, virtflow_holder_copy, virtflow_holder_free)

G_STATIC_ASSERT((int)VIRTFLOW_INPUT_KEYBOARD == (int)VF_INPUT_KIND_KEYBOARD);
G_STATIC_ASSERT((int)VIRTFLOW_INPUT_MOUSE == (int)VF_INPUT_KIND_MOUSE);

/**
 * virtflow_input_device_copy:
 * @device: a #VirtFlowInputDevice
 *
 * A deep copy of @device.
 *
 * Returns: (transfer full): the copy, to free with virtflow_input_device_free()
 */
VirtFlowInputDevice *
virtflow_input_device_copy(const VirtFlowInputDevice *device)
{
    VirtFlowInputDevice *copy;

    g_return_val_if_fail(device != NULL, NULL);
    copy = g_new0(VirtFlowInputDevice, 1);
    copy->path = g_strdup(device->path);
    copy->name = g_strdup(device->name);
    copy->kind = device->kind;
    copy->picked = device->picked;
    copy->event = g_strdup(device->event);
    copy->pci_address = g_strdup(device->pci_address);
    copy->pci_class_name = g_strdup(device->pci_class_name);
    copy->last_input_us = device->last_input_us;
    return copy;
}

/**
 * virtflow_input_device_free:
 * @device: (nullable): a #VirtFlowInputDevice
 *
 * Frees @device and its strings.
 */
void
virtflow_input_device_free(VirtFlowInputDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->path);
    g_free(device->name);
    g_free(device->event);
    g_free(device->pci_address);
    g_free(device->pci_class_name);
    g_free(device);
}

G_DEFINE_BOXED_TYPE(VirtFlowInputDevice, virtflow_input_device, virtflow_input_device_copy,
                    virtflow_input_device_free)

/**
 * virtflow_device_copy:
 * @device: a #VirtFlowDevice
 *
 * A deep copy of @device.
 *
 * Returns: (transfer full): the copy, to free with virtflow_device_free()
 */
VirtFlowDevice *
virtflow_device_copy(const VirtFlowDevice *device)
{
    VirtFlowDevice *copy;

    g_return_val_if_fail(device != NULL, NULL);
    copy = g_new0(VirtFlowDevice, 1);
    copy->vendor_id = device->vendor_id;
    copy->device_id = device->device_id;
    copy->class_code = device->class_code;
    copy->iommu_group = device->iommu_group;
    copy->address = g_strdup(device->address);
    copy->vendor = g_strdup(device->vendor);
    copy->name = g_strdup(device->name);
    copy->class_name = g_strdup(device->class_name);
    copy->driver = g_strdup(device->driver);
    copy->reset_method = g_strdup(device->reset_method);
    copy->subsystem_vendor_id = device->subsystem_vendor_id;
    copy->subsystem_device_id = device->subsystem_device_id;
    copy->revision = device->revision;
    copy->driver_module = g_strdup(device->driver_module);
    copy->driver_override = g_strdup(device->driver_override);
    copy->parent = g_strdup(device->parent);
    copy->power_state = g_strdup(device->power_state);
    return copy;
}

/**
 * virtflow_device_free:
 * @device: (nullable): a #VirtFlowDevice
 *
 * Frees @device and its strings.
 */
void
virtflow_device_free(VirtFlowDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->address);
    g_free(device->vendor);
    g_free(device->name);
    g_free(device->class_name);
    g_free(device->driver);
    g_free(device->reset_method);
    g_free(device->driver_module);
    g_free(device->driver_override);
    g_free(device->parent);
    g_free(device->power_state);
    g_free(device);
}

G_DEFINE_BOXED_TYPE(VirtFlowDevice, virtflow_device, virtflow_device_copy, virtflow_device_free)

/**
 * virtflow_kernel_module_copy:
 * @module: a #VirtFlowKernelModule
 *
 * A deep copy of @module.
 *
 * Returns: (transfer full): the copy, to free with virtflow_kernel_module_free()
 */
VirtFlowKernelModule *
virtflow_kernel_module_copy(const VirtFlowKernelModule *module)
{
    VirtFlowKernelModule *copy;

    g_return_val_if_fail(module != NULL, NULL);
    copy = g_new0(VirtFlowKernelModule, 1);
    copy->name = g_strdup(module->name);
    copy->state = module->state;
    copy->state_name = g_strdup(module->state_name);
    return copy;
}

/**
 * virtflow_kernel_module_free:
 * @module: (nullable): a #VirtFlowKernelModule
 *
 * Frees @module and its strings.
 */
void
virtflow_kernel_module_free(VirtFlowKernelModule *module)
{
    if (module == NULL)
        return;
    g_free(module->name);
    g_free(module->state_name);
    g_free(module);
}

G_DEFINE_BOXED_TYPE(VirtFlowKernelModule, virtflow_kernel_module, virtflow_kernel_module_copy,
                    virtflow_kernel_module_free)

/**
 * virtflow_device_origin_copy:
 * @origin: a #VirtFlowDeviceOrigin
 *
 * A deep copy of @origin.
 *
 * Returns: (transfer full): the copy, to free with virtflow_device_origin_free()
 */
VirtFlowDeviceOrigin *
virtflow_device_origin_copy(const VirtFlowDeviceOrigin *origin)
{
    VirtFlowDeviceOrigin *copy;

    g_return_val_if_fail(origin != NULL, NULL);
    copy = g_new0(VirtFlowDeviceOrigin, 1);
    copy->address = g_strdup(origin->address);
    copy->iommu_group = origin->iommu_group;
    copy->host_driver = g_strdup(origin->host_driver);
    copy->host_driver_known = origin->host_driver_known;
    copy->host_module = g_strdup(origin->host_module);
    copy->host_override = g_strdup(origin->host_override);
    return copy;
}

/**
 * virtflow_device_origin_free:
 * @origin: (nullable): a #VirtFlowDeviceOrigin
 *
 * Frees @origin and its strings.
 */
void
virtflow_device_origin_free(VirtFlowDeviceOrigin *origin)
{
    if (origin == NULL)
        return;
    g_free(origin->address);
    g_free(origin->host_driver);
    g_free(origin->host_module);
    g_free(origin->host_override);
    g_free(origin);
}

G_DEFINE_BOXED_TYPE(VirtFlowDeviceOrigin, virtflow_device_origin, virtflow_device_origin_copy,
                    virtflow_device_origin_free)

/**
 * virtflow_step_copy:
 * @step: a #VirtFlowStep
 *
 * A deep copy of @step.
 *
 * Returns: (transfer full): the copy, to free with virtflow_step_free()
 */
VirtFlowStep *
virtflow_step_copy(const VirtFlowStep *step)
{
    VirtFlowStep *copy;

    g_return_val_if_fail(step != NULL, NULL);
    copy = g_new0(VirtFlowStep, 1);
    copy->state = step->state;
    copy->id = g_strdup(step->id);
    copy->title = g_strdup(step->title);
    copy->detail = g_strdup(step->detail);
    return copy;
}

/**
 * virtflow_step_free:
 * @step: (nullable): a #VirtFlowStep
 *
 * Frees @step and its strings.
 */
void
virtflow_step_free(VirtFlowStep *step)
{
    if (step == NULL)
        return;
    g_free(step->id);
    g_free(step->title);
    g_free(step->detail);
    g_free(step);
}

G_DEFINE_BOXED_TYPE(VirtFlowStep, virtflow_step, virtflow_step_copy, virtflow_step_free)

/**
 * virtflow_write_copy:
 * @write: a #VirtFlowWrite
 *
 * A deep copy of @write.
 *
 * Returns: (transfer full): the copy, to free with virtflow_write_free()
 */
VirtFlowWrite *
virtflow_write_copy(const VirtFlowWrite *write)
{
    VirtFlowWrite *copy;

    g_return_val_if_fail(write != NULL, NULL);
    copy = g_new0(VirtFlowWrite, 1);
    copy->device = g_strdup(write->device);
    copy->path = g_strdup(write->path);
    copy->value = g_strdup(write->value);
    return copy;
}

/**
 * virtflow_write_free:
 * @write: (nullable): a #VirtFlowWrite
 *
 * Frees @write and its strings.
 */
void
virtflow_write_free(VirtFlowWrite *write)
{
    if (write == NULL)
        return;
    g_free(write->device);
    g_free(write->path);
    g_free(write->value);
    g_free(write);
}

G_DEFINE_BOXED_TYPE(VirtFlowWrite, virtflow_write, virtflow_write_copy, virtflow_write_free)

/**
 * virtflow_profile_copy:
 * @profile: a #VirtFlowProfile
 *
 * A deep copy of @profile.
 *
 * Returns: (transfer full): the copy, to free with virtflow_profile_free()
 */
VirtFlowProfile *
virtflow_profile_copy(const VirtFlowProfile *profile)
{
    VirtFlowProfile *copy;

    g_return_val_if_fail(profile != NULL, NULL);
    copy = g_new0(VirtFlowProfile, 1);
    *copy = *profile;
    copy->inputs = g_strdupv(profile->inputs);
    copy->input_kinds = g_strdupv(profile->input_kinds);
    copy->grab_toggle = g_strdup(profile->grab_toggle);
    copy->usb_controller = g_strdup(profile->usb_controller);
    return copy;
}

/**
 * virtflow_profile_free:
 * @profile: (nullable): a #VirtFlowProfile
 *
 * Frees @profile and its strings.
 */
void
virtflow_profile_free(VirtFlowProfile *profile)
{
    if (profile == NULL)
        return;
    g_strfreev(profile->inputs);
    g_strfreev(profile->input_kinds);
    g_free(profile->grab_toggle);
    g_free(profile->usb_controller);
    g_free(profile);
}

G_DEFINE_BOXED_TYPE(VirtFlowProfile, virtflow_profile, virtflow_profile_copy, virtflow_profile_free)

/**
 * virtflow_check_copy:
 * @check: a #VirtFlowCheck
 *
 * A deep copy of @check.
 *
 * Returns: (transfer full): the copy, to free with virtflow_check_free()
 */
VirtFlowCheck *
virtflow_check_copy(const VirtFlowCheck *check)
{
    VirtFlowCheck *copy;

    g_return_val_if_fail(check != NULL, NULL);
    copy = g_new0(VirtFlowCheck, 1);
    copy->status = check->status;
    copy->id = g_strdup(check->id);
    copy->title = g_strdup(check->title);
    copy->detail = g_strdup(check->detail);
    copy->fix = g_strdup(check->fix);
    return copy;
}

/**
 * virtflow_check_free:
 * @check: (nullable): a #VirtFlowCheck
 *
 * Frees @check and its strings.
 */
void
virtflow_check_free(VirtFlowCheck *check)
{
    if (check == NULL)
        return;
    g_free(check->id);
    g_free(check->title);
    g_free(check->detail);
    g_free(check->fix);
    g_free(check);
}

G_DEFINE_BOXED_TYPE(VirtFlowCheck, virtflow_check, virtflow_check_copy, virtflow_check_free)

/**
 * virtflow_setup_change_copy:
 * @change: a #VirtFlowSetupChange
 *
 * A deep copy of @change.
 *
 * Returns: (transfer full): the copy, to free with virtflow_setup_change_free()
 */
VirtFlowSetupChange *
virtflow_setup_change_copy(const VirtFlowSetupChange *change)
{
    VirtFlowSetupChange *copy;

    g_return_val_if_fail(change != NULL, NULL);
    copy = g_new0(VirtFlowSetupChange, 1);
    copy->state = change->state;
    copy->id = g_strdup(change->id);
    copy->title = g_strdup(change->title);
    copy->path = g_strdup(change->path);
    copy->detail = g_strdup(change->detail);
    return copy;
}

/**
 * virtflow_setup_change_free:
 * @change: (nullable): a #VirtFlowSetupChange
 *
 * Frees @change and its strings.
 */
void
virtflow_setup_change_free(VirtFlowSetupChange *change)
{
    if (change == NULL)
        return;
    g_free(change->id);
    g_free(change->title);
    g_free(change->path);
    g_free(change->detail);
    g_free(change);
}

G_DEFINE_BOXED_TYPE(VirtFlowSetupChange, virtflow_setup_change, virtflow_setup_change_copy,
                    virtflow_setup_change_free)

/* ---- from the internals ---- */

VirtFlowBlocker *
_virtflow_blocker_new_from_vf(const VfBlocker *b)
{
    VirtFlowBlocker *blocker = g_new0(VirtFlowBlocker, 1);

    blocker->kind = (VirtFlowBlockerKind)b->kind;
    blocker->code = g_strdup(vf_blocker_kind_to_string(b->kind));
    blocker->message = g_strdup(b->message);
    blocker->fix = g_strdup(b->fix);
    return blocker;
}

VirtFlowGpuWarning *
_virtflow_gpu_warning_new_from_vf(const VfGpuWarning *w)
{
    VirtFlowGpuWarning *warning = g_new0(VirtFlowGpuWarning, 1);

    warning->code = g_strdup(w->code);
    warning->message = g_strdup(w->message);
    warning->fix = g_strdup(w->fix);
    return warning;
}

VirtFlowHolder *
_virtflow_holder_new_from_vf(const VfHolder *h)
{
    VirtFlowHolder *holder = g_new0(VirtFlowHolder, 1);

    holder->pid = h->pid;
    holder->comm = g_strdup(h->comm);
    holder->node = g_strdup(h->node);
    holder->device = g_strdup(h->device);
    holder->mapped = h->mapped;
    return holder;
}

VirtFlowDevice *
_virtflow_device_new_from_vf(const VfPciDevice *dev)
{
    VirtFlowDevice *device = g_new0(VirtFlowDevice, 1);

    device->address = g_strdup(dev->address);
    device->vendor_id = dev->vendor_id;
    device->device_id = dev->device_id;
    device->class_code = dev->class_code;
    device->vendor = vf_pci_device_dup_vendor_name(dev);
    device->name = vf_pci_device_dup_device_name(dev);
    device->class_name = vf_pci_class_dup_name(dev->class_code);
    device->driver = g_strdup(dev->driver);
    device->iommu_group = dev->iommu_group;
    device->reset_method = g_strdup(dev->reset_method);
    device->subsystem_vendor_id = dev->subsystem_vendor_id;
    device->subsystem_device_id = dev->subsystem_device_id;
    device->revision = dev->revision;
    device->driver_module = g_strdup(dev->driver_module);
    device->driver_override = g_strdup(dev->driver_override);
    device->parent = g_strdup(dev->parent);
    device->power_state = g_strdup(dev->power_state);
    return device;
}

VirtFlowDeviceOrigin *
_virtflow_device_origin_new_from_vf(const VfDeviceOrigin *o)
{
    VirtFlowDeviceOrigin *origin = g_new0(VirtFlowDeviceOrigin, 1);

    origin->address = g_strdup(o->address);
    origin->iommu_group = o->iommu_group;
    origin->host_driver = g_strdup(o->host_driver);
    origin->host_driver_known = o->host_driver_known;
    origin->host_module = g_strdup(o->host_module);
    origin->host_override = g_strdup(o->host_override);
    return origin;
}

VirtFlowStep *
_virtflow_step_new_from_vf(const VfStep *s)
{
    VirtFlowStep *step = g_new0(VirtFlowStep, 1);

    step->id = g_strdup(s->id);
    step->title = g_strdup(s->title);
    step->state = (VirtFlowStepState)s->state;
    step->detail = g_strdup(s->detail);
    return step;
}

VirtFlowWrite *
_virtflow_write_new_from_vf(const VfSysfsWrite *w)
{
    VirtFlowWrite *write = g_new0(VirtFlowWrite, 1);

    write->device = g_strdup(w->device);
    write->path = g_strdup(w->path);
    write->value = g_strdup(w->value);
    return write;
}

VirtFlowProfile *
_virtflow_profile_new_from_vf(const VfProfile *p)
{
    VirtFlowProfile *profile = g_new0(VirtFlowProfile, 1);
    guint n = p->evdev ? p->evdev->len : 0;
    gboolean lg = p->view == VF_VIEW_LOOKING_GLASS;

    profile->view = (VirtFlowView)p->view;
    profile->lg_width = lg ? p->lg_width : 0;
    profile->lg_height = lg ? p->lg_height : 0;
    profile->lg_size_mib = lg ? vf_profile_lg_size_mib(p->lg_width, p->lg_height) : 0;
    profile->inputs = g_new0(char *, n + 1);
    profile->input_kinds = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        const VfEvdevInput *in = p->evdev->pdata[i];

        profile->inputs[i] = g_strdup(in->path);
        profile->input_kinds[i] = g_strdup(vf_input_kind_to_string(in->kind));
    }
    profile->grab_toggle = g_strdup(vf_grab_toggle_to_string(p->grab_toggle));
    profile->virtio_input = p->virtio_input;
    profile->usb_controller = g_strdup(p->usb_controller);
    return profile;
}

VirtFlowCheck *
_virtflow_check_new_from_vf(const VfCheck *c)
{
    VirtFlowCheck *check = g_new0(VirtFlowCheck, 1);

    check->id = g_strdup(c->id);
    check->title = g_strdup(c->title);
    check->status = (VirtFlowCheckStatus)c->status;
    check->detail = g_strdup(c->detail);
    check->fix = g_strdup(c->fix);
    return check;
}

VirtFlowSetupChange *
_virtflow_setup_change_new_from_vf(const VfSetupChange *c)
{
    VirtFlowSetupChange *change = g_new0(VirtFlowSetupChange, 1);

    change->id = g_strdup(c->id);
    change->title = g_strdup(c->title);
    change->path = g_strdup(c->path);
    change->detail = g_strdup(c->detail);
    change->state = (VirtFlowSetupState)c->state;
    return change;
}

/* The public enums are the internal ones, value for value. */
G_STATIC_ASSERT((int)VIRTFLOW_BLOCKER_BOOT_FRAMEBUFFER + 1 == (int)VF_BLOCKER_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_BLOCKER_IN_USE == (int)VF_BLOCKER_IN_USE);
G_STATIC_ASSERT((int)VIRTFLOW_VM_STATE_PMSUSPENDED + 1 == (int)VF_DOMAIN_STATE_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_VM_STATE_SHUTOFF == (int)VF_DOMAIN_STATE_SHUTOFF);
G_STATIC_ASSERT((int)VIRTFLOW_LIFECYCLE_CRASHED + 1 == (int)VF_LIFECYCLE_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_LIFECYCLE_STOPPED == (int)VF_LIFECYCLE_STOPPED);
G_STATIC_ASSERT((int)VIRTFLOW_FLOW_STOP + 1 == (int)VF_FLOW_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_STEP_SKIPPED + 1 == (int)VF_STEP_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_STEP_DONE == (int)VF_STEP_DONE);
G_STATIC_ASSERT((int)VIRTFLOW_CHECK_SKIP + 1 == (int)VF_CHECK_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_SETUP_FAILED + 1 == (int)VF_SETUP_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_SETUP_FLAGS_GRUB == (int)VF_SETUP_GRUB);
G_STATIC_ASSERT((int)VIRTFLOW_VIEW_LOOKING_GLASS + 1 == (int)VF_VIEW_LAST);

/* ---- the mailbox (virtflow-private.h) ---- */

struct _VirtFlowMailbox {
    gatomicrefcount ref;
    GMutex lock;
    GQueue calls; /* of VirtFlowCall* */
    GMainContext *context;
    GThread *owner; /* compared only */
};

typedef struct {
    GSourceFunc func;
    gpointer data;
    GDestroyNotify destroy;
} VirtFlowCall;

static void
virtflow_call_free(VirtFlowCall *call)
{
    if (call->destroy)
        call->destroy(call->data);
    g_free(call);
}

VirtFlowMailbox *
_virtflow_mailbox_new(void)
{
    VirtFlowMailbox *mailbox = g_new0(VirtFlowMailbox, 1);

    g_atomic_ref_count_init(&mailbox->ref);
    g_mutex_init(&mailbox->lock);
    g_queue_init(&mailbox->calls);
    mailbox->context = g_main_context_ref_thread_default();
    mailbox->owner = g_thread_self();
    return mailbox;
}

VirtFlowMailbox *
_virtflow_mailbox_ref(VirtFlowMailbox *mailbox)
{
    g_atomic_ref_count_inc(&mailbox->ref);
    return mailbox;
}

void
_virtflow_mailbox_unref(VirtFlowMailbox *mailbox)
{
    if (!g_atomic_ref_count_dec(&mailbox->ref))
        return;
    g_queue_clear_full(&mailbox->calls, (GDestroyNotify)virtflow_call_free);
    g_mutex_clear(&mailbox->lock);
    g_main_context_unref(mailbox->context);
    g_free(mailbox);
}

static void virtflow_mailbox_schedule(VirtFlowMailbox *mailbox, guint delay_ms);

static gboolean
virtflow_mailbox_drain(gpointer data)
{
    VirtFlowMailbox *mailbox = data;
    VirtFlowCall *call;

    if (g_thread_self() != mailbox->owner) {
        virtflow_mailbox_schedule(mailbox, 10);
        return G_SOURCE_REMOVE;
    }
    for (;;) {
        g_mutex_lock(&mailbox->lock);
        call = g_queue_pop_head(&mailbox->calls);
        g_mutex_unlock(&mailbox->lock);
        if (call == NULL)
            break;
        call->func(call->data);
        virtflow_call_free(call);
    }
    return G_SOURCE_REMOVE;
}

static void
virtflow_mailbox_schedule(VirtFlowMailbox *mailbox, guint delay_ms)
{
    GSource *source = delay_ms ? g_timeout_source_new(delay_ms) : g_idle_source_new();

    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, virtflow_mailbox_drain, _virtflow_mailbox_ref(mailbox),
                          (GDestroyNotify)_virtflow_mailbox_unref);
    g_source_set_static_name(source, "[virtflow] mailbox");
    g_source_attach(source, mailbox->context);
    g_source_unref(source);
}

void
_virtflow_mailbox_post(VirtFlowMailbox *mailbox, GSourceFunc func, gpointer data,
                       GDestroyNotify destroy)
{
    VirtFlowCall *call = g_new0(VirtFlowCall, 1);

    call->func = func;
    call->data = data;
    call->destroy = destroy;
    g_mutex_lock(&mailbox->lock);
    g_queue_push_tail(&mailbox->calls, call);
    g_mutex_unlock(&mailbox->lock);
    virtflow_mailbox_schedule(mailbox, 0);
}
G_STATIC_ASSERT((int)VIRTFLOW_MODULE_BUILTIN + 1 == (int)VF_MODULE_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_MODULE_LOADED == (int)VF_MODULE_LOADED);
G_STATIC_ASSERT((int)VIRTFLOW_TRANSITION_RECOVER + 1 == (int)VF_TRANSITION_LAST);
G_STATIC_ASSERT((int)VIRTFLOW_TRANSITION_RESTORE == (int)VF_TRANSITION_RESTORE);
