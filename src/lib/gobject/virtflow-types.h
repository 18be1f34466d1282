/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-types.h: the enums and the plain records of the VirtFlow GObject API
 */
#pragma once

#if !defined(VIRTFLOW_INSIDE) && !defined(VIRTFLOW_COMPILATION)
#error "Only <virtflow-gobject.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * VirtFlowBlockerKind:
 * @VIRTFLOW_BLOCKER_NO_IOMMU: the IOMMU is off or absent
 * @VIRTFLOW_BLOCKER_VFIO_UNAVAILABLE: vfio-pci cannot be loaded
 * @VIRTFLOW_BLOCKER_BOOT_VGA: the GPU is the firmware's boot display
 * @VIRTFLOW_BLOCKER_DISPLAY_ACTIVE: a connected display is driven by the GPU
 * @VIRTFLOW_BLOCKER_GROUP_NOT_VIABLE: its IOMMU group holds a device that must not move
 * @VIRTFLOW_BLOCKER_IN_USE: processes hold the GPU or a companion open
 * @VIRTFLOW_BLOCKER_NVIDIA_HOLDER: the nvidia driver is held where no process shows it
 * @VIRTFLOW_BLOCKER_FRAMEBUFFER: nvidia_drm's framebuffer console runs on the GPU
 * @VIRTFLOW_BLOCKER_BOOT_FRAMEBUFFER: the firmware's framebuffer lies in one of its BARs
 *
 * What forbids handing a GPU to a VM.
 */
typedef enum /*< underscore_name=virtflow_blocker_kind >*/ {
    VIRTFLOW_BLOCKER_NO_IOMMU,
    VIRTFLOW_BLOCKER_VFIO_UNAVAILABLE,
    VIRTFLOW_BLOCKER_BOOT_VGA,
    VIRTFLOW_BLOCKER_DISPLAY_ACTIVE,
    VIRTFLOW_BLOCKER_GROUP_NOT_VIABLE,
    VIRTFLOW_BLOCKER_IN_USE,
    VIRTFLOW_BLOCKER_NVIDIA_HOLDER,
    VIRTFLOW_BLOCKER_FRAMEBUFFER,
    VIRTFLOW_BLOCKER_BOOT_FRAMEBUFFER,
} VirtFlowBlockerKind;

/**
 * VirtFlowVmState:
 * @VIRTFLOW_VM_STATE_NOSTATE: no state
 * @VIRTFLOW_VM_STATE_RUNNING: running
 * @VIRTFLOW_VM_STATE_BLOCKED: blocked on a resource
 * @VIRTFLOW_VM_STATE_PAUSED: paused
 * @VIRTFLOW_VM_STATE_SHUTDOWN: shutting down
 * @VIRTFLOW_VM_STATE_SHUTOFF: shut off
 * @VIRTFLOW_VM_STATE_CRASHED: crashed
 * @VIRTFLOW_VM_STATE_PMSUSPENDED: suspended by guest power management
 *
 * The state of a VM, as libvirt says it.
 */
typedef enum /*< underscore_name=virtflow_vm_state >*/ {
    VIRTFLOW_VM_STATE_NOSTATE,
    VIRTFLOW_VM_STATE_RUNNING,
    VIRTFLOW_VM_STATE_BLOCKED,
    VIRTFLOW_VM_STATE_PAUSED,
    VIRTFLOW_VM_STATE_SHUTDOWN,
    VIRTFLOW_VM_STATE_SHUTOFF,
    VIRTFLOW_VM_STATE_CRASHED,
    VIRTFLOW_VM_STATE_PMSUSPENDED,
} VirtFlowVmState;

/**
 * VirtFlowLifecycleEvent:
 * @VIRTFLOW_LIFECYCLE_DEFINED: the VM was defined or its definition changed
 * @VIRTFLOW_LIFECYCLE_UNDEFINED: the VM's definition was removed
 * @VIRTFLOW_LIFECYCLE_STARTED: the VM started
 * @VIRTFLOW_LIFECYCLE_SUSPENDED: the VM was paused
 * @VIRTFLOW_LIFECYCLE_RESUMED: the VM was resumed
 * @VIRTFLOW_LIFECYCLE_STOPPED: the VM stopped
 * @VIRTFLOW_LIFECYCLE_SHUTDOWN: the guest is shutting down (%VIRTFLOW_LIFECYCLE_STOPPED follows)
 * @VIRTFLOW_LIFECYCLE_PMSUSPENDED: the guest suspended itself
 * @VIRTFLOW_LIFECYCLE_CRASHED: the VM crashed
 *
 * What happened to a VM, as libvirt's lifecycle events say.
 */
typedef enum /*< underscore_name=virtflow_lifecycle_event >*/ {
    VIRTFLOW_LIFECYCLE_DEFINED,
    VIRTFLOW_LIFECYCLE_UNDEFINED,
    VIRTFLOW_LIFECYCLE_STARTED,
    VIRTFLOW_LIFECYCLE_SUSPENDED,
    VIRTFLOW_LIFECYCLE_RESUMED,
    VIRTFLOW_LIFECYCLE_STOPPED,
    VIRTFLOW_LIFECYCLE_SHUTDOWN,
    VIRTFLOW_LIFECYCLE_PMSUSPENDED,
    VIRTFLOW_LIFECYCLE_CRASHED,
} VirtFlowLifecycleEvent;

/**
 * VirtFlowFlowKind:
 * @VIRTFLOW_FLOW_ACTIVATE: give the VM a GPU: bind its group to vfio-pci, rewrite the VM
 * @VIRTFLOW_FLOW_DEACTIVATE: take the GPU back: restore the VM's definition and the devices
 * @VIRTFLOW_FLOW_START: start an activated VM (its GPU bound first)
 * @VIRTFLOW_FLOW_STOP: shut the VM down and return its GPU to the host
 *
 * The VM flows of VirtFlow.
 */
typedef enum /*< underscore_name=virtflow_flow_kind >*/ {
    VIRTFLOW_FLOW_ACTIVATE,
    VIRTFLOW_FLOW_DEACTIVATE,
    VIRTFLOW_FLOW_START,
    VIRTFLOW_FLOW_STOP,
} VirtFlowFlowKind;

/**
 * VirtFlowView:
 * @VIRTFLOW_VIEW_MONITOR: the picture goes to the monitor on the GPU's outputs
 * @VIRTFLOW_VIEW_LOOKING_GLASS: the picture is shown in a window on the host (Looking
 *   Glass: an ivshmem frame buffer; SPICE kept for input, clipboard and sound)
 *
 * Where an activated VM's picture goes.
 */
typedef enum /*< underscore_name=virtflow_view >*/ {
    VIRTFLOW_VIEW_MONITOR,
    VIRTFLOW_VIEW_LOOKING_GLASS,
} VirtFlowView;

/**
 * VirtFlowInputKind:
 * @VIRTFLOW_INPUT_KEYBOARD: a keyboard (its by-id link ends in `-event-kbd`)
 * @VIRTFLOW_INPUT_MOUSE: a mouse (`-event-mouse`)
 *
 * What a host input device is.
 */
typedef enum /*< underscore_name=virtflow_input_kind >*/ {
    VIRTFLOW_INPUT_KEYBOARD,
    VIRTFLOW_INPUT_MOUSE,
} VirtFlowInputKind;

/**
 * VirtFlowStepState:
 * @VIRTFLOW_STEP_WAITING: not started yet
 * @VIRTFLOW_STEP_RUNNING: running now
 * @VIRTFLOW_STEP_DONE: done
 * @VIRTFLOW_STEP_FAILED: failed (the steps before it are undone)
 * @VIRTFLOW_STEP_SKIPPED: nothing to do, or not done after a failure
 *
 * The state of one step of a flow.
 */
typedef enum /*< underscore_name=virtflow_step_state >*/ {
    VIRTFLOW_STEP_WAITING,
    VIRTFLOW_STEP_RUNNING,
    VIRTFLOW_STEP_DONE,
    VIRTFLOW_STEP_FAILED,
    VIRTFLOW_STEP_SKIPPED,
} VirtFlowStepState;

/**
 * VirtFlowCheckStatus:
 * @VIRTFLOW_CHECK_PASS: as it should be
 * @VIRTFLOW_CHECK_WARN: works, but something may hurt later
 * @VIRTFLOW_CHECK_FAIL: broken: the fix says what to do
 * @VIRTFLOW_CHECK_SKIP: does not apply here
 *
 * The outcome of one doctor check.
 */
typedef enum /*< underscore_name=virtflow_check_status >*/ {
    VIRTFLOW_CHECK_PASS,
    VIRTFLOW_CHECK_WARN,
    VIRTFLOW_CHECK_FAIL,
    VIRTFLOW_CHECK_SKIP,
} VirtFlowCheckStatus;

/**
 * VirtFlowSetupState:
 * @VIRTFLOW_SETUP_PENDING: planned, not done yet
 * @VIRTFLOW_SETUP_DONE: done
 * @VIRTFLOW_SETUP_SKIPPED: already so: nothing to change
 * @VIRTFLOW_SETUP_MANUAL: the user must do it (the detail says what); not an error
 * @VIRTFLOW_SETUP_FAILED: failed
 *
 * The state of one change of a setup plan.
 */
typedef enum /*< underscore_name=virtflow_setup_state >*/ {
    VIRTFLOW_SETUP_PENDING,
    VIRTFLOW_SETUP_DONE,
    VIRTFLOW_SETUP_SKIPPED,
    VIRTFLOW_SETUP_MANUAL,
    VIRTFLOW_SETUP_FAILED,
} VirtFlowSetupState;

/**
 * VirtFlowSetupFlags:
 * @VIRTFLOW_SETUP_FLAGS_NONE: the default plan
 * @VIRTFLOW_SETUP_FLAGS_GRUB: also add the IOMMU options to the boot loader's command line
 *
 * What a setup plan may change beyond the default.
 */
typedef enum /*< flags,underscore_name=virtflow_setup_flags >*/ {
    VIRTFLOW_SETUP_FLAGS_NONE = 0,
    VIRTFLOW_SETUP_FLAGS_GRUB = 1 << 0,
} VirtFlowSetupFlags;

/**
 * VirtFlowModuleState:
 * @VIRTFLOW_MODULE_MISSING: not in this kernel's module index
 * @VIRTFLOW_MODULE_LOADABLE: a module for this kernel, not loaded
 * @VIRTFLOW_MODULE_LOADED: loaded
 * @VIRTFLOW_MODULE_BUILTIN: built into the kernel
 *
 * The state of a kernel module of the host.
 */
typedef enum /*< underscore_name=virtflow_module_state >*/ {
    VIRTFLOW_MODULE_MISSING,
    VIRTFLOW_MODULE_LOADABLE,
    VIRTFLOW_MODULE_LOADED,
    VIRTFLOW_MODULE_BUILTIN,
} VirtFlowModuleState;

/**
 * VirtFlowTransitionKind:
 * @VIRTFLOW_TRANSITION_BIND: a GPU's passthrough set from its host drivers to vfio-pci
 *   (`virtflow gpu bind`)
 * @VIRTFLOW_TRANSITION_RESTORE: what VirtFlow moved back to the host drivers
 *   (`virtflow gpu restore`)
 * @VIRTFLOW_TRANSITION_RECOVER: every device of an interrupted bind or restore back to its
 *   host driver, from the journal (`virtflow recover`)
 *
 * What a #VirtFlowTransition does.
 */
typedef enum /*< underscore_name=virtflow_transition_kind >*/ {
    VIRTFLOW_TRANSITION_BIND,
    VIRTFLOW_TRANSITION_RESTORE,
    VIRTFLOW_TRANSITION_RECOVER,
} VirtFlowTransitionKind;

/**
 * VirtFlowBlocker:
 * @kind: what forbids it
 * @code: @kind's stable name, as `virtflow gpu list --json` prints it ("in-use", …)
 * @message: what is wrong, naming the device
 * @fix: what the user can do
 *
 * A reason a GPU cannot be handed to a VM.
 */
typedef struct {
    VirtFlowBlockerKind kind;
    char *code;
    char *message;
    char *fix;
} VirtFlowBlocker;

/**
 * VirtFlowGpuWarning:
 * @code: "reset-bus-only", "reset-bug", "no-reset", "did-not-come-back"
 * @message: what may hurt after the passthrough
 * @fix: what the user can do
 *
 * Something that does not forbid a passthrough but may hurt after it.
 */
typedef struct {
    char *code;
    char *message;
    char *fix;
} VirtFlowGpuWarning;

/**
 * VirtFlowHolder:
 * @pid: the process
 * @comm: its name
 * @node: the device node it holds ("/dev/dri/renderD129")
 * @device: the PCI address of the device the node belongs to
 * @mapped: %TRUE when found in the process's mappings rather than as an open file
 *
 * A process that holds a device of a GPU's passthrough set.
 */
typedef struct {
    gint pid;
    char *comm;
    char *node;
    char *device;
    gboolean mapped;
} VirtFlowHolder;

/**
 * VirtFlowInputDevice:
 * @path: its `/dev/input/by-id` link, what #VirtFlowFlow:input-devices takes
 * @name: (nullable): the name the kernel gives it ("Logitech USB Keyboard")
 * @kind: keyboard or mouse
 * @picked: whether `virtflow activate --input auto` (#VirtFlowFlow:input-auto) picks it:
 *   the keyboard and the mouse in use
 * @event: the event node @path links to ("/dev/input/event3"); it changes from boot to boot
 * @pci_address: (nullable): the PCI function it sits behind (its USB controller,
 *   "0000:00:14.0"), %NULL for a virtual or platform device
 * @pci_class_name: (nullable): the PCI class's name of @pci_address ("USB controller"),
 *   %NULL when there is none or it cannot be read
 * @last_input_us: when it last had input, in microseconds of the real-time clock; 0 when
 *   unknown
 *
 * A keyboard or mouse of the host that can be handed to a VM, as `virtflow host --input`
 * shows it.
 */
typedef struct {
    char *path;
    char *name;
    VirtFlowInputKind kind;
    gboolean picked;
    char *event;
    char *pci_address;
    char *pci_class_name;
    gint64 last_input_us;
} VirtFlowInputDevice;

/**
 * VirtFlowDevice:
 * @address: the PCI address, "0000:01:00.0"
 * @vendor_id: the PCI vendor id
 * @device_id: the PCI device id
 * @class_code: the 24-bit PCI class (0x030000 for a VGA controller)
 * @vendor: the vendor's name
 * @name: the device's name
 * @class_name: the class's name
 * @driver: (nullable): the bound driver, %NULL when none
 * @iommu_group: the IOMMU group, -1 without an IOMMU
 * @reset_method: (nullable): how the kernel resets it ("flr bus", "" for none), %NULL
 *   when the kernel does not say
 * @subsystem_vendor_id: the PCI subsystem vendor id (the card's maker)
 * @subsystem_device_id: the PCI subsystem device id
 * @revision: the PCI revision
 * @driver_module: (nullable): the module that provides @driver, %NULL when built in,
 *   unknown or no driver
 * @driver_override: (nullable): the driver the kernel is told to bind
 *   (`driver_override`), %NULL when none
 * @parent: (nullable): the upstream bridge's address, %NULL on a root bus
 * @power_state: (nullable): "D0", "D3hot", …, %NULL when the kernel does not say
 *
 * One PCI function, as VirtFlow read it: the members of a device object of
 * `virtflow host --groups --json`.
 */
typedef struct {
    char *address;
    guint vendor_id;
    guint device_id;
    guint class_code;
    char *vendor;
    char *name;
    char *class_name;
    char *driver;
    gint iommu_group;
    char *reset_method;
    guint subsystem_vendor_id;
    guint subsystem_device_id;
    guint revision;
    char *driver_module;
    char *driver_override;
    char *parent;
    char *power_state;
} VirtFlowDevice;

/**
 * VirtFlowStep:
 * @id: stable: "check-host", "check-guest", "stop-vm", "bind-gpu", "rewrite-vm", …
 * @title: what it does, one line ("Bind the GPU to vfio-pci")
 * @state: where it is
 * @detail: (nullable): what happened, the reason of a failure or skip
 *
 * One step of a #VirtFlowFlow.
 */
typedef struct {
    char *id;
    char *title;
    VirtFlowStepState state;
    char *detail;
} VirtFlowStep;

/**
 * VirtFlowWrite:
 * @device: the device it is for
 * @path: the sysfs file, as the kernel shows it
 * @value: what is written
 *
 * One sysfs write of a plan, in the order it runs: `echo VALUE > PATH`.
 */
typedef struct {
    char *device;
    char *path;
    char *value;
} VirtFlowWrite;

/**
 * VirtFlowProfile:
 * @view: where the picture goes
 * @lg_width: Looking Glass: the guest width its shared memory is sized for (0 otherwise)
 * @lg_height: Looking Glass: the guest height (0 otherwise)
 * @lg_size_mib: Looking Glass: the shared memory's size in MiB (0 otherwise)
 * @inputs: (array zero-terminated=1): the host's evdev devices handed to the VM, as
 *   /dev/input/by-id paths
 * @input_kinds: (array zero-terminated=1): "keyboard" or "mouse", one per @inputs
 * @grab_toggle: the keys that switch keyboard and mouse between host and VM ("ctrl-ctrl", …)
 * @virtio_input: whether the VM gets virtio keyboard and mouse
 * @usb_controller: (nullable): the PCI address of a USB controller passed through as the
 *   input, or %NULL
 *
 * How an activated VM is used: the profile of an Activate plan or run, as
 * `virtflow activate --json` shows it under "profile".
 */
typedef struct {
    VirtFlowView view;
    guint lg_width;
    guint lg_height;
    guint lg_size_mib;
    char **inputs;
    char **input_kinds;
    char *grab_toggle;
    gboolean virtio_input;
    char *usb_controller;
} VirtFlowProfile;

/**
 * VirtFlowCheck:
 * @id: stable, for scripts: "iommu", "gpu-group:0000:01:00.0", "vm-xml"
 * @title: what is checked, one line
 * @status: the outcome
 * @detail: (nullable): what was found
 * @fix: (nullable): what to do, %NULL when nothing
 *
 * One check of a #VirtFlowDoctor.
 */
typedef struct {
    char *id;
    char *title;
    VirtFlowCheckStatus status;
    char *detail;
    char *fix;
} VirtFlowCheck;

/**
 * VirtFlowSetupChange:
 * @id: "iommu", "modules", "modules-load", "hook", "daemon", "looking-glass", …
 * @title: what it does, one line
 * @path: (nullable): the file it changes, as on the host
 * @detail: (nullable): what it does or did, or why not, or what the user must run
 * @state: where it is
 *
 * One change of a #VirtFlowSetup plan.
 */
typedef struct {
    char *id;
    char *title;
    char *path;
    char *detail;
    VirtFlowSetupState state;
} VirtFlowSetupChange;

/**
 * VirtFlowKernelModule:
 * @name: the module ("vfio_pci")
 * @state: whether it is loaded, loadable, built in or missing
 * @state_name: @state's stable name, as `virtflow host --json` prints it ("loaded",
 *   "loadable", "builtin", "missing")
 *
 * A kernel module VirtFlow needs, and its state on the host.
 */
typedef struct {
    char *name;
    VirtFlowModuleState state;
    char *state_name;
} VirtFlowKernelModule;

/**
 * VirtFlowDeviceOrigin:
 * @address: the PCI address of a device a #VirtFlowTransition moves
 * @iommu_group: its IOMMU group, -1 without an IOMMU
 * @host_driver: (nullable): the host driver it returns to (or came from), %NULL for none
 *   or unknown (see @host_driver_known)
 * @host_driver_known: %FALSE when VirtFlow has no record of its host driver: the kernel
 *   then chooses one
 * @host_module: (nullable): the module providing @host_driver, loaded when it is gone
 * @host_override: (nullable): its `driver_override` before VirtFlow, %NULL when none
 *
 * One device of a #VirtFlowTransition and where it came from on the host.
 */
typedef struct {
    char *address;
    gint iommu_group;
    char *host_driver;
    gboolean host_driver_known;
    char *host_module;
    char *host_override;
} VirtFlowDeviceOrigin;

#define VIRTFLOW_TYPE_BLOCKER (virtflow_blocker_get_type())
GType virtflow_blocker_get_type(void) G_GNUC_CONST;
VirtFlowBlocker *virtflow_blocker_copy(const VirtFlowBlocker *blocker);
void virtflow_blocker_free(VirtFlowBlocker *blocker);

#define VIRTFLOW_TYPE_GPU_WARNING (virtflow_gpu_warning_get_type())
GType virtflow_gpu_warning_get_type(void) G_GNUC_CONST;
VirtFlowGpuWarning *virtflow_gpu_warning_copy(const VirtFlowGpuWarning *warning);
void virtflow_gpu_warning_free(VirtFlowGpuWarning *warning);

#define VIRTFLOW_TYPE_HOLDER (virtflow_holder_get_type())
GType virtflow_holder_get_type(void) G_GNUC_CONST;
VirtFlowHolder *virtflow_holder_copy(const VirtFlowHolder *holder);
void virtflow_holder_free(VirtFlowHolder *holder);

#define VIRTFLOW_TYPE_DEVICE (virtflow_device_get_type())
GType virtflow_device_get_type(void) G_GNUC_CONST;
VirtFlowDevice *virtflow_device_copy(const VirtFlowDevice *device);
void virtflow_device_free(VirtFlowDevice *device);

#define VIRTFLOW_TYPE_INPUT_DEVICE (virtflow_input_device_get_type())
GType virtflow_input_device_get_type(void) G_GNUC_CONST;
VirtFlowInputDevice *virtflow_input_device_copy(const VirtFlowInputDevice *device);
void virtflow_input_device_free(VirtFlowInputDevice *device);

#define VIRTFLOW_TYPE_STEP (virtflow_step_get_type())
GType virtflow_step_get_type(void) G_GNUC_CONST;
VirtFlowStep *virtflow_step_copy(const VirtFlowStep *step);
void virtflow_step_free(VirtFlowStep *step);

#define VIRTFLOW_TYPE_WRITE (virtflow_write_get_type())
GType virtflow_write_get_type(void) G_GNUC_CONST;
VirtFlowWrite *virtflow_write_copy(const VirtFlowWrite *write);
void virtflow_write_free(VirtFlowWrite *write);

#define VIRTFLOW_TYPE_PROFILE (virtflow_profile_get_type())
GType virtflow_profile_get_type(void) G_GNUC_CONST;
VirtFlowProfile *virtflow_profile_copy(const VirtFlowProfile *profile);
void virtflow_profile_free(VirtFlowProfile *profile);

#define VIRTFLOW_TYPE_CHECK (virtflow_check_get_type())
GType virtflow_check_get_type(void) G_GNUC_CONST;
VirtFlowCheck *virtflow_check_copy(const VirtFlowCheck *check);
void virtflow_check_free(VirtFlowCheck *check);

#define VIRTFLOW_TYPE_SETUP_CHANGE (virtflow_setup_change_get_type())
GType virtflow_setup_change_get_type(void) G_GNUC_CONST;
VirtFlowSetupChange *virtflow_setup_change_copy(const VirtFlowSetupChange *change);
void virtflow_setup_change_free(VirtFlowSetupChange *change);

#define VIRTFLOW_TYPE_KERNEL_MODULE (virtflow_kernel_module_get_type())
GType virtflow_kernel_module_get_type(void) G_GNUC_CONST;
VirtFlowKernelModule *virtflow_kernel_module_copy(const VirtFlowKernelModule *module);
void virtflow_kernel_module_free(VirtFlowKernelModule *module);

#define VIRTFLOW_TYPE_DEVICE_ORIGIN (virtflow_device_origin_get_type())
GType virtflow_device_origin_get_type(void) G_GNUC_CONST;
VirtFlowDeviceOrigin *virtflow_device_origin_copy(const VirtFlowDeviceOrigin *origin);
void virtflow_device_origin_free(VirtFlowDeviceOrigin *origin);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowBlocker, virtflow_blocker_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowKernelModule, virtflow_kernel_module_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowDeviceOrigin, virtflow_device_origin_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowGpuWarning, virtflow_gpu_warning_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowHolder, virtflow_holder_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowDevice, virtflow_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowStep, virtflow_step_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowInputDevice, virtflow_input_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowWrite, virtflow_write_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowProfile, virtflow_profile_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowCheck, virtflow_check_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VirtFlowSetupChange, virtflow_setup_change_free)

G_END_DECLS
