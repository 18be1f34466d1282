/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * VirtFlowDoctor: doctor/vf-doctor.h as a GObject, its checks as boxed records.
 */
#include "virtflow-private.h"

/**
 * VirtFlowDoctor:
 *
 * What `virtflow doctor [VM]` runs: is the IOMMU on, are the groups sane, is vfio there,
 * which driver holds each GPU and what blocks it, is the libvirt hook installed and known
 * to the daemon, did an operation stop half-way, and for one VM: is its definition
 * consistent with VirtFlow's record, what did the hook log. Each check ends pass, warn,
 * fail or skip, with a detail and the fix.
 *
 * Add checks with virtflow_doctor_check_host(), virtflow_doctor_check_libvirt() and
 * virtflow_doctor_check_vm(); read them with virtflow_doctor_dup_checks().
 */
struct _VirtFlowDoctor {
    GObject parent_instance;
    VfDoctor *doctor;
};

enum { PROP_0, PROP_N_CHECKS, N_PROPS };

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE(VirtFlowDoctor, virtflow_doctor, G_TYPE_OBJECT)

static void
virtflow_doctor_finalize(GObject *object)
{
    VirtFlowDoctor *self = VIRTFLOW_DOCTOR(object);

    g_clear_pointer(&self->doctor, vf_doctor_free);
    G_OBJECT_CLASS(virtflow_doctor_parent_class)->finalize(object);
}

static void
virtflow_doctor_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
    switch (prop_id) {
    case PROP_N_CHECKS:
        g_value_set_uint(value, virtflow_doctor_get_n_checks(VIRTFLOW_DOCTOR(object)));
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    }
}

static void
virtflow_doctor_class_init(VirtFlowDoctorClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);

    object_class->finalize = virtflow_doctor_finalize;
    object_class->get_property = virtflow_doctor_get_property;

    /**
     * VirtFlowDoctor:n-checks: (getter get_n_checks)
     *
     * How many checks have run (notified as they are added).
     */
    properties[PROP_N_CHECKS] = g_param_spec_uint("n-checks", NULL, NULL, 0, G_MAXUINT, 0,
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
    g_object_class_install_properties(object_class, N_PROPS, properties);
}

static void
virtflow_doctor_init(VirtFlowDoctor *self)
{
    self->doctor = vf_doctor_new();
}

/**
 * virtflow_doctor_new:
 *
 * A doctor with no checks yet.
 *
 * Returns: (transfer full): the doctor
 */
VirtFlowDoctor *
virtflow_doctor_new(void)
{
    return g_object_new(VIRTFLOW_TYPE_DOCTOR, NULL);
}

static void
virtflow_doctor_changed(VirtFlowDoctor *doctor, guint before)
{
    if (doctor->doctor->checks->len != before)
        g_object_notify_by_pspec(G_OBJECT(doctor), properties[PROP_N_CHECKS]);
}

/**
 * virtflow_doctor_check_host:
 * @doctor: a #VirtFlowDoctor
 * @host: the host to check
 *
 * Runs the host's checks: IOMMU, groups, vfio modules, GPUs (driver, group, blockers,
 * stuck on vfio-pci), interrupted operations, the hook and the daemon, modules-load.d.
 * They read @host only.
 */
void
virtflow_doctor_check_host(VirtFlowDoctor *doctor, VirtFlowHost *host)
{
    guint before;

    g_return_if_fail(VIRTFLOW_IS_DOCTOR(doctor));
    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    before = doctor->doctor->checks->len;
    vf_doctor_check_host(doctor->doctor, _virtflow_host_get_vf(host));
    virtflow_doctor_changed(doctor, before);
}

/**
 * virtflow_doctor_check_libvirt:
 * @doctor: a #VirtFlowDoctor
 * @connection: (nullable): the open connection, or %NULL when it could not be opened
 *
 * Adds the check that libvirt is reachable: passed with @connection, skipped without.
 */
void
virtflow_doctor_check_libvirt(VirtFlowDoctor *doctor, VirtFlowConnection *connection)
{
    guint before;

    g_return_if_fail(VIRTFLOW_IS_DOCTOR(doctor));
    before = doctor->doctor->checks->len;
    vf_doctor_check_libvirt(doctor->doctor,
                            connection ? _virtflow_connection_get_vf(connection) : NULL, NULL,
                            "no connection was given");
    virtflow_doctor_changed(doctor, before);
}

/**
 * virtflow_doctor_check_libvirt_failed:
 * @doctor: a #VirtFlowDoctor
 * @error: why the connection could not be opened (the error of virtflow_connection_new())
 *
 * Adds the check that libvirt is reachable, failed with @error's message and fix, as
 * `virtflow doctor` reports a connection it could not open.
 */
void
virtflow_doctor_check_libvirt_failed(VirtFlowDoctor *doctor, const GError *error)
{
    guint before;

    g_return_if_fail(VIRTFLOW_IS_DOCTOR(doctor));
    g_return_if_fail(error != NULL);
    before = doctor->doctor->checks->len;
    vf_doctor_check_libvirt(doctor->doctor, NULL, error, NULL);
    virtflow_doctor_changed(doctor, before);
}

/**
 * virtflow_doctor_check_libvirt_skipped:
 * @doctor: a #VirtFlowDoctor
 * @reason: why no connection was tried, one sentence
 *
 * Adds the check that libvirt is reachable, skipped for @reason: `virtflow --host-root
 * TREE doctor` says that this machine's libvirt is not the captured tree's.
 */
void
virtflow_doctor_check_libvirt_skipped(VirtFlowDoctor *doctor, const char *reason)
{
    guint before;

    g_return_if_fail(VIRTFLOW_IS_DOCTOR(doctor));
    g_return_if_fail(reason != NULL);
    before = doctor->doctor->checks->len;
    vf_doctor_check_libvirt(doctor->doctor, NULL, NULL, reason);
    virtflow_doctor_changed(doctor, before);
}

/**
 * virtflow_doctor_check_vm:
 * @doctor: a #VirtFlowDoctor
 * @host: the host the VM runs on
 * @connection: (nullable): its libvirt connection; %NULL skips every VM check
 * @name: the VM's name
 *
 * Runs one VM's checks: it exists, its definition matches its passthrough record, its
 * hook log lines, its guest agent channel.
 */
void
virtflow_doctor_check_vm(VirtFlowDoctor *doctor, VirtFlowHost *host, VirtFlowConnection *connection,
                         const char *name)
{
    guint before;

    g_return_if_fail(VIRTFLOW_IS_DOCTOR(doctor));
    g_return_if_fail(VIRTFLOW_IS_HOST(host));
    g_return_if_fail(name != NULL);
    before = doctor->doctor->checks->len;
    vf_doctor_check_vm(doctor->doctor, _virtflow_host_get_vf(host),
                       connection ? _virtflow_connection_get_vf(connection) : NULL, name);
    virtflow_doctor_changed(doctor, before);
}

/**
 * virtflow_doctor_dup_checks:
 * @doctor: a #VirtFlowDoctor
 *
 * The checks, in the order they ran.
 *
 * Returns: (transfer container) (element-type VirtFlowCheck): copies of the checks
 */
GPtrArray *
virtflow_doctor_dup_checks(VirtFlowDoctor *doctor)
{
    GPtrArray *checks;

    g_return_val_if_fail(VIRTFLOW_IS_DOCTOR(doctor), NULL);
    checks = g_ptr_array_new_with_free_func((GDestroyNotify)virtflow_check_free);
    for (guint i = 0; i < doctor->doctor->checks->len; i++)
        g_ptr_array_add(checks, _virtflow_check_new_from_vf(doctor->doctor->checks->pdata[i]));
    return checks;
}

/**
 * virtflow_doctor_dup_check:
 * @doctor: a #VirtFlowDoctor
 * @id: a check's id ("iommu", "vm-xml", …)
 *
 * The check called @id.
 *
 * Returns: (transfer full) (nullable): a copy of the check, or %NULL when none ran
 */
VirtFlowCheck *
virtflow_doctor_dup_check(VirtFlowDoctor *doctor, const char *id)
{
    const VfCheck *check;

    g_return_val_if_fail(VIRTFLOW_IS_DOCTOR(doctor), NULL);
    g_return_val_if_fail(id != NULL, NULL);
    check = vf_doctor_get_check(doctor->doctor, id);
    return check ? _virtflow_check_new_from_vf(check) : NULL;
}

/**
 * virtflow_doctor_count:
 * @doctor: a #VirtFlowDoctor
 * @status: a status
 *
 * How many checks ended with @status.
 *
 * Returns: the count
 */
guint
virtflow_doctor_count(VirtFlowDoctor *doctor, VirtFlowCheckStatus status)
{
    g_return_val_if_fail(VIRTFLOW_IS_DOCTOR(doctor), 0);
    return vf_doctor_count(doctor->doctor, (VfCheckStatus)status);
}

/**
 * virtflow_doctor_get_n_checks:
 * @doctor: a #VirtFlowDoctor
 *
 * How many checks have run.
 *
 * Returns: the count
 */
guint
virtflow_doctor_get_n_checks(VirtFlowDoctor *doctor)
{
    g_return_val_if_fail(VIRTFLOW_IS_DOCTOR(doctor), 0);
    return doctor->doctor->checks->len;
}
