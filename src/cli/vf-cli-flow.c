/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the VM flows look on a terminal: a step list with a live state per step, a bar while
 * the guest shuts down; plain lines when stdout is not a terminal; JSON with --json.
 */
#include "vf-cli.h"

#include <stdio.h>
#include <unistd.h>

static const char *
vf_step_mark(VfStepState state, gboolean tty)
{
    switch (state) {
    case VF_STEP_RUNNING:
        return tty ? "…" : "running";
    case VF_STEP_DONE:
        return tty ? "✓" : "done";
    case VF_STEP_FAILED:
        return tty ? "✗" : "failed";
    case VF_STEP_SKIPPED:
        return tty ? "–" : "skipped";
    default:
        return tty ? " " : "waiting";
    }
}

void
vf_cli_flow_progress(const VfStep *step, double fraction, gpointer user_data)
{
    VfCli *cli = user_data;
    gboolean tty = isatty(STDOUT_FILENO);

    if (cli->json)
        return;
    if (tty) {
        /* a running step is shown on its line until it ends, then rewritten in place */
        printf("\r\033[K  %s %s", vf_step_mark(step->state, TRUE), step->title);
        if (step->state != VF_STEP_RUNNING)
            printf("%s%s  [%3.0f%%]\n", step->detail ? ": " : "", step->detail ? step->detail : "",
                   fraction * 100);
    } else if (step->state != VF_STEP_RUNNING) {
        printf("%s: %s%s%s\n", vf_step_mark(step->state, FALSE), step->title,
               step->detail ? ": " : "", step->detail ? step->detail : "");
    }
    fflush(stdout);
}

void
vf_cli_flow_wait_tick(guint elapsed_ms, guint total_ms, gpointer user_data)
{
    VfCli *cli = user_data;
    const guint width = 30;
    guint filled = total_ms ? MIN(width, (guint64)elapsed_ms * width / total_ms) : 0;
    char bar[64];

    if (cli->json || !isatty(STDOUT_FILENO))
        return;
    for (guint i = 0; i < width; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    printf("\r\033[K  … waiting for the guest to shut down [%s] %u/%u s", bar, elapsed_ms / 1000,
           total_ms / 1000);
    fflush(stdout);
}

static void
vf_cli_json_devices(VfJson *json, VfFlow *flow)
{
    vf_json_member_string(json, "vm", flow->vm);
    vf_json_member_string(json, "gpu", flow->gpu);
    vf_json_key(json, "devices");
    vf_json_begin_array(json);
    for (guint i = 0; i < flow->devices->len; i++)
        vf_json_string(json, flow->devices->pdata[i]);
    vf_json_end_array(json);
}

static void
vf_cli_json_warnings(VfJson *json, VfFlow *flow)
{
    vf_json_key(json, "warnings");
    vf_json_begin_array(json);
    for (guint i = 0; i < flow->warnings->len; i++)
        vf_json_string(json, flow->warnings->pdata[i]);
    vf_json_end_array(json);
}

void
vf_cli_json_profile(VfJson *json, VfFlow *flow)
{
    const VfProfile *p = flow->profile;

    vf_json_key(json, "profile");
    if (p == NULL) {
        vf_json_null(json);
    } else {
        gboolean lg = p->view == VF_VIEW_LOOKING_GLASS;

        vf_json_begin_object(json);
        vf_json_member_string(json, "view", vf_view_to_string(p->view));
        vf_json_key(json, "lg_width");
        lg ? vf_json_int(json, p->lg_width) : vf_json_null(json);
        vf_json_key(json, "lg_height");
        lg ? vf_json_int(json, p->lg_height) : vf_json_null(json);
        vf_json_key(json, "lg_size_mib");
        lg ? vf_json_int(json, vf_profile_lg_size_mib(p->lg_width, p->lg_height))
           : vf_json_null(json);
        vf_json_key(json, "input");
        vf_json_begin_array(json);
        for (guint i = 0; p->evdev && i < p->evdev->len; i++) {
            const VfEvdevInput *in = p->evdev->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "kind", vf_input_kind_to_string(in->kind));
            vf_json_member_string(json, "path", in->path);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_member_string(json, "grab_toggle", vf_grab_toggle_to_string(p->grab_toggle));
        vf_json_member_bool(json, "virtio_input", p->virtio_input);
        vf_json_member_string(json, "usb_controller", p->usb_controller);
        vf_json_end_object(json);
    }
    vf_json_key(json, "notes");
    vf_json_begin_array(json);
    for (guint i = 0; flow->notes && i < flow->notes->len; i++)
        vf_json_string(json, flow->notes->pdata[i]);
    vf_json_end_array(json);
}

void
vf_cli_json_plan(VfJson *json, VfFlow *flow)
{
    vf_json_begin_object(json);
    vf_cli_json_devices(json, flow);
    vf_json_key(json, "steps");
    vf_json_begin_array(json);
    for (guint i = 0; i < flow->steps->len; i++) {
        const VfStep *step = flow->steps->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "id", step->id);
        vf_json_member_string(json, "title", step->title);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
    vf_cli_json_writes(json, flow->writes);
    vf_json_member_string(json, "domain_xml", flow->domain_xml);
    vf_cli_json_warnings(json, flow);
    vf_cli_json_profile(json, flow);
    vf_json_end_object(json);
}

int
vf_cli_flow_report(VfCli *cli, VfFlow *flow, const GError *error)
{
    gboolean ok = error == NULL;

    if (flow == NULL)
        return error ? vf_cli_fail(cli, error) : VF_EXIT_OK;
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_cli_json_devices(json, flow);
        vf_json_member_bool(json, "ok", ok);
        vf_json_key(json, "steps");
        vf_json_begin_array(json);
        for (guint i = 0; i < flow->steps->len; i++) {
            const VfStep *step = flow->steps->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "id", step->id);
            vf_json_member_string(json, "title", step->title);
            vf_json_member_string(json, "state", vf_step_state_to_string(step->state));
            vf_json_member_string(json, "detail", step->detail);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_cli_json_warnings(json, flow);
        vf_cli_json_profile(json, flow);
        if (error)
            vf_cli_json_error(json, error);
        vf_json_end_object(json);
        vf_cli_print_json(json);
    } else {
        for (guint i = 0; i < flow->warnings->len; i++)
            fprintf(stderr, "%s: warning: %s\n", cli->prog, (char *)flow->warnings->pdata[i]);
        /* how the VM is used now: after the steps, only when they worked */
        if (ok)
            vf_cli_print_notes(flow);
    }
    if (error == NULL)
        return VF_EXIT_OK;
    fprintf(stderr, "%s: error: %s\n", cli->prog, error->message);
    return vf_cli_exit_for(error);
}

int
vf_cli_run_flow(VfCli *cli, VfHost *host, VfConnection *conn, VfFlowKind kind, const char *vm,
                const char *gpu, gboolean force, int timeout_s)
{
    static const char *const headers[] = {
        [VF_FLOW_ACTIVATE] = "Activating GPU passthrough for VM",
        [VF_FLOW_DEACTIVATE] = "Deactivating GPU passthrough for VM",
        [VF_FLOW_START] = "Starting VM",
        [VF_FLOW_STOP] = "Stopping VM",
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(headers) == VF_FLOW_LAST);
    g_autoptr(GError) error = NULL;
    g_autoptr(VfFlow) flow = NULL;
    VfFlowOptions options = {
        .stop_timeout_s = timeout_s,
        .force = force,
        .profile = kind == VF_FLOW_ACTIVATE ? cli->profile : NULL,
        .progress = vf_cli_flow_progress,
        .wait_tick = vf_cli_flow_wait_tick,
        .user_data = cli,
    };
    int rc;

    if (!vf_host_is_writable(host) && vf_host_get_helper(host) == NULL) {
        g_set_error(&error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "--host-root '%s' is for reading and --dry-run: VirtFlow changes devices "
                    "only on the live machine",
                    vf_host_get_root(host));
        return vf_cli_fail(cli, error);
    }
    if (!cli->json)
        printf("%s '%s'%s:\n", headers[kind], vm, cli->demo ? " (demo)" : "");
    switch (kind) {
    case VF_FLOW_ACTIVATE:
        vf_flow_activate(host, conn, vm, gpu, &options, &flow, &error);
        if (flow && cli->input_note && flow->notes->len > 0)
            g_ptr_array_insert(flow->notes, 0, g_strdup(cli->input_note));
        break;
    case VF_FLOW_DEACTIVATE:
        vf_flow_deactivate(host, conn, vm, &options, &flow, &error);
        break;
    case VF_FLOW_START:
        vf_flow_start(host, conn, vm, &options, &flow, &error);
        break;
    default:
        vf_flow_stop(host, conn, vm, &options, &flow, &error);
        break;
    }
    rc = vf_cli_flow_report(cli, flow, error);
    vf_cli_close(cli, conn);
    return rc;
}
