/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "virt/vf-virt-private.h"

#include "core/vf-error.h"

VfDomain *
vf_domain_new(VfConnection *conn, virDomainPtr dom)
{
    VfDomain *d = g_new0(VfDomain, 1);

    d->ref_count = 1;
    d->conn = vf_connection_ref(conn);
    d->dom = dom;
    d->name = g_strdup(sym_virDomainGetName(dom));
    return d;
}

VfDomain *
vf_domain_ref(VfDomain *dom)
{
    g_atomic_int_inc(&dom->ref_count);
    return dom;
}

void
vf_domain_unref(VfDomain *dom)
{
    if (dom == NULL || !g_atomic_int_dec_and_test(&dom->ref_count))
        return;
    sym_virDomainFree(dom->dom);
    vf_connection_unref(dom->conn);
    g_free(dom->name);
    g_free(dom);
}

const char *
vf_domain_get_name(VfDomain *dom)
{
    return dom->name;
}

gboolean
vf_domain_get_state(VfDomain *dom, VfDomainState *ret_state, GError **error)
{
    int state, reason;

    if (sym_virDomainGetState(dom->dom, &state, &reason, 0) < 0) {
        vf_virt_set_error(error, "Cannot read the state of VM '%s'", dom->name);
        return FALSE;
    }
    *ret_state = state >= 0 && state < VF_DOMAIN_STATE_LAST ? state : VF_DOMAIN_STATE_NOSTATE;
    return TRUE;
}

/* The persistent definition is read with SECURE: activation moves <graphics> (and its
 * passwd) into <metadata> to put it back later, and a definition read without secrets
 * would lose the password on deactivation. */
char *
vf_domain_dup_xml(VfDomain *dom, gboolean inactive, GError **error)
{
    char *xml = sym_virDomainGetXMLDesc(
        dom->dom, inactive ? VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE : 0);
    char *out;

    if (xml == NULL) {
        vf_virt_set_error(error, "Cannot read the definition of VM '%s'", dom->name);
        return NULL;
    }
    out = g_strdup(xml);
    free(xml);
    return out;
}

gboolean
vf_domain_start(VfDomain *dom, GError **error)
{
    if (sym_virDomainCreate(dom->dom) < 0) {
        vf_virt_set_error(error, "Cannot start VM '%s'", dom->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_domain_shutdown(VfDomain *dom, GError **error)
{
    /* The agent asks the guest OS itself, which works when ACPI is ignored (a Windows
     * screen lock, a guest without acpid); ACPI is the fallback without an agent. */
    if (sym_virDomainShutdownFlags(dom->dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT) == 0)
        return TRUE;
    sym_virResetLastError();
    if (sym_virDomainShutdownFlags(dom->dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0)
        return TRUE;
    sym_virResetLastError();
    if (sym_virDomainShutdown(dom->dom) == 0)
        return TRUE;
    vf_virt_set_error(error, "Cannot ask VM '%s' to shut down", dom->name);
    return FALSE;
}

gboolean
vf_domain_destroy(VfDomain *dom, GError **error)
{
    if (sym_virDomainDestroy(dom->dom) < 0) {
        vf_virt_set_error(error, "Cannot force VM '%s' off", dom->name);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    GMutex lock;
    GCond cond;
    gboolean stopped;
} VfStopWait;

static int
vf_domain_lifecycle_cb(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *data)
{
    VfStopWait *wait = data;

    if (event == VIR_DOMAIN_EVENT_STOPPED) {
        g_mutex_lock(&wait->lock);
        wait->stopped = TRUE;
        g_cond_broadcast(&wait->cond);
        g_mutex_unlock(&wait->lock);
    }
    return 0;
}

gboolean
vf_domain_wait_stopped(VfDomain *dom, guint timeout_ms, VfWaitFunc tick, gpointer user_data,
                       GError **error)
{
    VfStopWait wait = {0};
    gint64 start = g_get_monotonic_time();
    gint64 deadline = start + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
    VfDomainState state;
    gboolean stopped;
    int id;

    g_mutex_init(&wait.lock);
    g_cond_init(&wait.cond);
    /* register first, then look: a stop between the two is seen either way */
    id = sym_virConnectDomainEventRegisterAny(
        dom->conn->conn, dom->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(vf_domain_lifecycle_cb), &wait, NULL);
    if (id < 0)
        sym_virResetLastError(); /* a driver without events: the state poll below still works */

    g_mutex_lock(&wait.lock);
    for (;;) {
        gint64 now = g_get_monotonic_time();
        gint64 next = MIN(deadline, now + 100 * G_TIME_SPAN_MILLISECOND);

        if (wait.stopped || now >= deadline)
            break;
        g_mutex_unlock(&wait.lock);
        if (vf_domain_get_state(dom, &state, NULL) && !vf_domain_state_is_active(state)) {
            g_mutex_lock(&wait.lock);
            wait.stopped = TRUE;
            break;
        }
        if (tick)
            tick((now - start) / G_TIME_SPAN_MILLISECOND, timeout_ms, user_data);
        g_mutex_lock(&wait.lock);
        if (!wait.stopped)
            g_cond_wait_until(&wait.cond, &wait.lock, next);
    }
    stopped = wait.stopped;
    g_mutex_unlock(&wait.lock);

    if (id >= 0)
        sym_virConnectDomainEventDeregisterAny(dom->conn->conn, id);
    g_mutex_clear(&wait.lock);
    g_cond_clear(&wait.cond);

    if (!stopped) {
        g_set_error(error, VF_ERROR, VF_ERROR_TIMEOUT,
                    "VM '%s' did not shut down within %u s (use --force to switch it off)",
                    dom->name, timeout_ms / 1000);
        return FALSE;
    }
    return TRUE;
}

/* The connection's agent model answers for a running domain (see vf-virt.h). */
static char *
vf_domain_agent_model_command(VfDomain *dom, const char *command, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *xml = NULL;
    VfDomainState state;
    char *reply;

    if (!vf_domain_get_state(dom, &state, error))
        return NULL;
    if (state != VF_DOMAIN_STATE_RUNNING) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "The guest agent of VM '%s' does not answer: the VM is not running", dom->name);
        vf_error_add_fix(error, "Start the VM and wait until its system has booted");
        return NULL;
    }
    xml = vf_domain_dup_xml(dom, FALSE, error);
    if (xml == NULL)
        return NULL;
    reply = dom->conn->agent_model(xml, command, &local);
    if (reply == NULL) {
        g_prefix_error(&local, "The guest agent of VM '%s' does not answer: ", dom->name);
        g_propagate_error(error, g_steal_pointer(&local));
    }
    return reply;
}

char *
vf_domain_agent_command(VfDomain *dom, const char *command, int timeout_s, GError **error)
{
    char *reply;
    char *out;

    if (dom->conn->agent_model)
        return vf_domain_agent_model_command(dom, command, error);
    reply = sym_virDomainQemuAgentCommand(dom->dom, command, timeout_s, 0);
    if (reply == NULL) {
        virErrorPtr err = sym_virGetLastError();

        if (err && (err->code == VIR_ERR_AGENT_UNRESPONSIVE ||
                    err->code == VIR_ERR_ARGUMENT_UNSUPPORTED || err->code == VIR_ERR_NO_SUPPORT)) {
            g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                        "The guest agent of VM '%s' does not answer: %s", dom->name,
                        err->message ? err->message : "no agent");
            vf_error_add_fix(error, "%s", VF_FIX_GUEST_AGENT);
            sym_virResetLastError();
            return NULL;
        }
        vf_virt_set_error(error, "Guest agent command failed on VM '%s'", dom->name);
        return NULL;
    }
    out = g_strdup(reply);
    free(reply);
    return out;
}
