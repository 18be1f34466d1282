/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How the VM flows look on a terminal: a step list with a live state per step, a bar while
 * the guest shuts down; plain lines when stdout is not a terminal; JSON with --json.
 *
 * The flows run through the GObject API (VirtFlowFlow: plan(), run(), the step-changed and
 * wait-tick signals), as any other front end's; this file only presents them.
 */
#include "vf-cli.h"

#include <stdio.h>
#include <unistd.h>

static const char *
vf_step_mark(VirtFlowStepState state, gboolean tty)
{
    switch (state) {
    case VIRTFLOW_STEP_RUNNING:
        return tty ? "…" : "running";
    case VIRTFLOW_STEP_DONE:
        return tty ? "✓" : "done";
    case VIRTFLOW_STEP_FAILED:
        return tty ? "✗" : "failed";
    case VIRTFLOW_STEP_SKIPPED:
        return tty ? "–" : "skipped";
    default:
        return tty ? " " : "waiting";
    }
}

/* VirtFlowFlow::step-changed: one line per ended step */
static void
vf_cli_flow_step_changed(VirtFlowFlow *flow, VirtFlowStep *step, double fraction,
                         gpointer user_data)
{
    VfCli *cli = user_data;
    gboolean tty = isatty(STDOUT_FILENO);

    if (cli->json)
        return;
    if (tty) {
        /* a running step is shown on its line until it ends, then rewritten in place */
        printf("\r\033[K  %s %s", vf_step_mark(step->state, TRUE), step->title);
        if (step->state != VIRTFLOW_STEP_RUNNING)
            printf("%s%s  [%3.0f%%]\n", step->detail ? ": " : "", step->detail ? step->detail : "",
                   fraction * 100);
    } else if (step->state != VIRTFLOW_STEP_RUNNING) {
        printf("%s: %s%s%s\n", vf_step_mark(step->state, FALSE), step->title,
               step->detail ? ": " : "", step->detail ? step->detail : "");
    }
    fflush(stdout);
}

/* VirtFlowFlow::wait-tick: the bar while the guest shuts down (terminals only) */
static void
vf_cli_flow_wait_tick(VirtFlowFlow *flow, guint elapsed_ms, guint total_ms, gpointer user_data)
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
vf_cli_json_strv(VfJson *json, const char *key, char **strv)
{
    vf_json_key(json, key);
    vf_json_begin_array(json);
    for (guint i = 0; strv && strv[i]; i++)
        vf_json_string(json, strv[i]);
    vf_json_end_array(json);
}

static void
vf_cli_json_devices(VfJson *json, VirtFlowFlow *flow)
{
    g_auto(GStrv) devices = virtflow_flow_dup_devices(flow);

    vf_json_member_string(json, "vm", virtflow_flow_get_vm(flow));
    vf_json_member_string(json, "gpu", virtflow_flow_get_gpu(flow));
    vf_cli_json_strv(json, "devices", devices);
}

static void
vf_cli_json_warnings(VfJson *json, VirtFlowFlow *flow)
{
    g_auto(GStrv) warnings = virtflow_flow_dup_warnings(flow);

    vf_cli_json_strv(json, "warnings", warnings);
}

/* "profile": {view, lg_width, ...} (null when the flow has none) and "notes": [...] */
static void
vf_cli_json_profile(VfJson *json, VirtFlowFlow *flow)
{
    g_autoptr(VirtFlowProfile) p = virtflow_flow_dup_profile(flow);
    g_auto(GStrv) notes = virtflow_flow_dup_notes(flow);

    vf_json_key(json, "profile");
    if (p == NULL) {
        vf_json_null(json);
    } else {
        gboolean lg = p->view == VIRTFLOW_VIEW_LOOKING_GLASS;

        vf_json_begin_object(json);
        vf_json_member_string(json, "view", vf_view_to_string((VfView)p->view));
        vf_json_key(json, "lg_width");
        lg ? vf_json_int(json, p->lg_width) : vf_json_null(json);
        vf_json_key(json, "lg_height");
        lg ? vf_json_int(json, p->lg_height) : vf_json_null(json);
        vf_json_key(json, "lg_size_mib");
        lg ? vf_json_int(json, p->lg_size_mib) : vf_json_null(json);
        vf_json_key(json, "input");
        vf_json_begin_array(json);
        for (guint i = 0; p->inputs[i]; i++) {
            vf_json_begin_object(json);
            vf_json_member_string(json, "kind", p->input_kinds[i]);
            vf_json_member_string(json, "path", p->inputs[i]);
            vf_json_end_object(json);
        }
        vf_json_end_array(json);
        vf_json_member_string(json, "grab_toggle", p->grab_toggle);
        vf_json_member_bool(json, "virtio_input", p->virtio_input);
        vf_json_member_string(json, "usb_controller", p->usb_controller);
        vf_json_end_object(json);
    }
    vf_cli_json_strv(json, "notes", notes);
}

static void
vf_cli_json_plan(VfJson *json, VirtFlowFlow *flow)
{
    g_autoptr(GPtrArray) steps = virtflow_flow_dup_steps(flow);
    g_autoptr(GPtrArray) writes = virtflow_flow_dup_writes(flow);

    vf_json_begin_object(json);
    vf_cli_json_devices(json, flow);
    vf_json_key(json, "steps");
    vf_json_begin_array(json);
    for (guint i = 0; i < steps->len; i++) {
        const VirtFlowStep *step = steps->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "id", step->id);
        vf_json_member_string(json, "title", step->title);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
    vf_json_key(json, "sysfs_writes");
    vf_json_begin_array(json);
    for (guint i = 0; i < writes->len; i++) {
        const VirtFlowWrite *w = writes->pdata[i];

        vf_json_begin_object(json);
        vf_json_member_string(json, "device", w->device);
        vf_json_member_string(json, "path", w->path);
        vf_json_member_string(json, "value", w->value);
        vf_json_end_object(json);
    }
    vf_json_end_array(json);
    vf_json_member_string(json, "domain_xml", virtflow_flow_get_domain_xml(flow));
    vf_cli_json_warnings(json, flow);
    vf_cli_json_profile(json, flow);
    vf_json_end_object(json);
}

void
vf_cli_print_notes(VirtFlowFlow *flow)
{
    g_auto(GStrv) notes = virtflow_flow_dup_notes(flow);

    if (notes[0] == NULL)
        return;
    printf("\nUsing the VM:\n");
    for (guint i = 0; notes[i]; i++)
        printf("  %s\n", notes[i]);
}

/* "keyboard /dev/input/by-id/…, mouse /dev/input/by-id/…", or "none" */
static char *
vf_cli_profile_input(const VirtFlowProfile *profile)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; profile->inputs[i]; i++)
        g_string_append_printf(out, "%s%s %s", i ? ", " : "", profile->input_kinds[i],
                               profile->inputs[i]);
    if (out->len == 0)
        g_string_append(out, "none");
    else
        g_string_append_printf(out, " (switch: %s)", profile->grab_toggle);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

int
vf_cli_print_plan(VfCli *cli, VirtFlowFlow *flow)
{
    g_autoptr(GPtrArray) steps = NULL;
    g_autoptr(GPtrArray) writes = NULL;
    g_autoptr(VirtFlowProfile) profile = NULL;
    g_auto(GStrv) devices = NULL;
    const char *gpu = virtflow_flow_get_gpu(flow);

    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_plan(json, flow);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    steps = virtflow_flow_dup_steps(flow);
    writes = virtflow_flow_dup_writes(flow);
    profile = virtflow_flow_dup_profile(flow);
    devices = virtflow_flow_dup_devices(flow);
    printf("Dry run for VM '%s', GPU %s. Nothing is changed.\n\nSteps:\n",
           virtflow_flow_get_vm(flow), gpu ? gpu : "-");
    for (guint i = 0; i < steps->len; i++)
        printf("  %u. %s\n", i + 1, ((VirtFlowStep *)steps->pdata[i])->title);
    printf("\nDevices: ");
    for (guint i = 0; devices[i]; i++)
        printf("%s%s", i ? ", " : "", devices[i]);
    printf("\n");
    if (profile) {
        g_autofree char *input = vf_cli_profile_input(profile);

        printf("View: %s", vf_view_to_string((VfView)profile->view));
        if (profile->view == VIRTFLOW_VIEW_LOOKING_GLASS)
            printf(" (%ux%u, %u MiB of shared memory)", profile->lg_width, profile->lg_height,
                   profile->lg_size_mib);
        printf("\nInput: %s\n", input);
    }
    vf_cli_print_notes(flow);
    printf("\nSysfs writes, in order:\n");
    for (guint i = 0; i < writes->len; i++) {
        const VirtFlowWrite *w = writes->pdata[i];

        if (g_str_equal(w->value, "\n"))
            printf("  echo > %s\n", w->path);
        else
            printf("  echo %s > %s\n", w->value, w->path);
    }
    if (writes->len == 0)
        printf("  (none)\n");
    printf("\nThe new definition of '%s':\n%s\n", virtflow_flow_get_vm(flow),
           virtflow_flow_get_domain_xml(flow));
    return VF_EXIT_OK;
}

/* After a run: warnings (or the flow as JSON with --json) and the error; the exit status. */
static int
vf_cli_flow_report(VfCli *cli, VirtFlowFlow *flow, const GError *error)
{
    gboolean ok = error == NULL;
    g_autoptr(GPtrArray) steps = virtflow_flow_dup_steps(flow);

    /* refused before any step (a busy or read-only host): the error alone */
    if (steps->len == 0)
        return error ? vf_cli_fail(cli, error) : VF_EXIT_OK;
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_cli_json_devices(json, flow);
        vf_json_member_bool(json, "ok", ok);
        vf_json_key(json, "steps");
        vf_json_begin_array(json);
        for (guint i = 0; i < steps->len; i++) {
            const VirtFlowStep *step = steps->pdata[i];

            vf_json_begin_object(json);
            vf_json_member_string(json, "id", step->id);
            vf_json_member_string(json, "title", step->title);
            vf_json_member_string(json, "state", vf_step_state_to_string((VfStepState)step->state));
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
        g_auto(GStrv) warnings = virtflow_flow_dup_warnings(flow);

        for (guint i = 0; warnings[i]; i++)
            fprintf(stderr, "%s: warning: %s\n", cli->prog, warnings[i]);
        /* how the VM is used now: after the steps, only when they worked */
        if (ok)
            vf_cli_print_notes(flow);
    }
    if (error == NULL)
        return VF_EXIT_OK;
    fprintf(stderr, "%s: error: %s\n", cli->prog, error->message);
    return virtflow_error_get_exit_status(error);
}

int
vf_cli_run_flow(VfCli *cli, VirtFlowFlow *flow)
{
    static const char *const headers[] = {
        [VIRTFLOW_FLOW_ACTIVATE] = "Activating GPU passthrough for VM",
        [VIRTFLOW_FLOW_DEACTIVATE] = "Deactivating GPU passthrough for VM",
        [VIRTFLOW_FLOW_START] = "Starting VM",
        [VIRTFLOW_FLOW_STOP] = "Stopping VM",
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(headers) == VF_FLOW_LAST);
    g_autoptr(GError) error = NULL;
    VirtFlowHost *host = virtflow_flow_get_host(flow);

    if (!virtflow_host_get_writable(host) && virtflow_host_get_helper(host) == NULL) {
        g_set_error(&error, VIRTFLOW_ERROR, VIRTFLOW_ERROR_READ_ONLY,
                    "--host-root '%s' is for reading and --dry-run: VirtFlow changes devices "
                    "only on the live machine",
                    virtflow_host_get_root(host));
        return vf_cli_fail(cli, error);
    }
    if (!cli->json)
        printf("%s '%s'%s:\n", headers[virtflow_flow_get_kind(flow)], virtflow_flow_get_vm(flow),
               cli->demo ? " (demo)" : "");
    g_signal_connect(flow, "step-changed", G_CALLBACK(vf_cli_flow_step_changed), cli);
    g_signal_connect(flow, "wait-tick", G_CALLBACK(vf_cli_flow_wait_tick), cli);
    /* the flow reports its steps whether it worked or not; the demo saves its VMs itself */
    virtflow_flow_run(flow, NULL, &error);
    return vf_cli_flow_report(cli, flow, error);
}
