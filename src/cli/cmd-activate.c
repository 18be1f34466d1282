/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow activate VM [--gpu BDF] [--view monitor|looking-glass] [--input auto|none|DEVICE]...
 *                      [--grab-toggle KEYS] [--lg-resolution WxH] [--dry-run] [--yes] [--force]:
 * give a VM the GPU, and say how it is used then
 */
#include "vf-cli.h"

#include "host/vf-input.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static gboolean
vf_confirm(const char *question)
{
    char answer[16] = "";

    printf("%s [y/N] ", question);
    fflush(stdout);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return FALSE;
    return answer[0] == 'y' || answer[0] == 'Y';
}

/* The options of the profile, checked before anything is read (all usage errors). */
typedef struct {
    char *view;
    char **inputs;
    char *grab_toggle;
    char *lg_resolution;
} VfCliProfileArgs;

static void
vf_cli_profile_args_clear(VfCliProfileArgs *args)
{
    g_free(args->view);
    g_strfreev(args->inputs);
    g_free(args->grab_toggle);
    g_free(args->lg_resolution);
}

/*
 * The profile the options ask for, read before anything of the host is: a malformed
 * option is a usage error that changes and reads nothing. @ret_auto: `--input auto` (the
 * default), resolved by vf_cli_profile_resolve() once the host is open. Whether each
 * device is there and an evdev device is the library's check.
 */
static VfProfile *
vf_cli_profile_new(const VfCliProfileArgs *args, gboolean *ret_auto, GError **error)
{
    g_autoptr(VfProfile) profile = vf_profile_new();
    gboolean auto_input = TRUE, none = FALSE;
    guint n_inputs = args->inputs ? g_strv_length(args->inputs) : 0;

    if (args->view && !vf_view_from_string(args->view, &profile->view, error))
        return NULL;
    if (args->grab_toggle &&
        !vf_grab_toggle_from_string(args->grab_toggle, &profile->grab_toggle, error))
        return NULL;
    if (args->lg_resolution) {
        if (profile->view != VF_VIEW_LOOKING_GLASS) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "--lg-resolution '%s' is for --view looking-glass", args->lg_resolution);
            return NULL;
        }
        if (!vf_profile_parse_resolution(args->lg_resolution, &profile->lg_width,
                                         &profile->lg_height, error))
            return NULL;
    }
    for (guint i = 0; i < n_inputs; i++) {
        const char *arg = args->inputs[i];

        if (g_str_equal(arg, "auto") || g_str_equal(arg, "none")) {
            if (n_inputs > 1) {
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "--input %s goes alone, not with other --input values", arg);
                return NULL;
            }
            none = g_str_equal(arg, "none");
            continue;
        }
        auto_input = FALSE;
        if (g_str_has_prefix(arg, "usb-controller:")) {
            g_autofree char *address =
                vf_pci_address_normalize(arg + strlen("usb-controller:"), error);

            if (address == NULL) {
                g_prefix_error(error, "--input %s: ", arg);
                return NULL;
            }
            if (profile->usb_controller) {
                g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                            "--input usb-controller: is given twice (%s, %s): one USB "
                            "controller at most",
                            profile->usb_controller, address);
                return NULL;
            }
            profile->usb_controller = g_steal_pointer(&address);
        } else if (g_str_has_prefix(arg, "/dev/input/")) {
            /* the kind comes from the device, in vf_cli_profile_resolve() */
            g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, arg));
        } else {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "--input '%s' is not an input device: give auto, none, a "
                        "/dev/input/by-id/... path or usb-controller:BDF",
                        arg);
            return NULL;
        }
    }
    *ret_auto = auto_input && !none;
    return g_steal_pointer(&profile);
}

/* The profile as the flow's properties; the devices' kinds and `--input auto`'s pick are the
 * flow's (VirtFlowFlow reads them from the host when it plans and runs). */
static void
vf_cli_profile_apply(VirtFlowFlow *flow, const VfProfile *profile, const VfCliProfileArgs *args,
                     gboolean auto_input)
{
    g_autoptr(GPtrArray) paths = g_ptr_array_new();

    /* the CLI always says how the VM is used: its options, or their defaults */
    virtflow_flow_set_replace_profile(flow, TRUE);
    virtflow_flow_set_view(flow, (VirtFlowView)profile->view);
    if (args->grab_toggle)
        virtflow_flow_set_grab_toggle(flow, vf_grab_toggle_to_string(profile->grab_toggle));
    if (args->lg_resolution)
        virtflow_flow_set_lg_resolution(flow, profile->lg_width, profile->lg_height);
    virtflow_flow_set_usb_controller(flow, profile->usb_controller);
    for (guint i = 0; i < profile->evdev->len; i++)
        g_ptr_array_add(paths, ((VfEvdevInput *)profile->evdev->pdata[i])->path);
    g_ptr_array_add(paths, NULL);
    virtflow_flow_set_input_devices(flow, (const char *const *)paths->pdata);
    virtflow_flow_set_input_auto(flow, auto_input);
}

int
vf_cmd_activate(VfCli *cli, int argc, char **argv)
{
    gboolean dry_run = FALSE, yes = FALSE, force = FALSE;
    char *gpu = NULL;
    int timeout = 0;
    VfCliProfileArgs pargs = {0};
    GOptionEntry entries[] = {
        {"gpu", 'g', 0, G_OPTION_ARG_STRING, &gpu, "The GPU (default: the one eligible)", "BDF"},
        {"view", 0, 0, G_OPTION_ARG_STRING, &pargs.view,
         "Where the picture goes: monitor (the GPU's outputs; default) or looking-glass (a "
         "window on the host)",
         "VIEW"},
        {"input", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &pargs.inputs,
         "Keyboard and mouse handed to the VM: auto (default: the ones in use), none, a "
         "/dev/input/by-id path (repeatable) or usb-controller:BDF",
         "INPUT"},
        {"grab-toggle", 0, 0, G_OPTION_ARG_STRING, &pargs.grab_toggle,
         "Keys that switch keyboard and mouse between host and VM: ctrl-ctrl (default), alt-alt, "
         "shift-shift, meta-meta, scrolllock, ctrl-scrolllock",
         "KEYS"},
        {"lg-resolution", 0, 0, G_OPTION_ARG_STRING, &pargs.lg_resolution,
         "Looking Glass: the guest resolution its shared memory is sized for (default: the "
         "host's largest screen)",
         "WxH"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the plan, change nothing", NULL},
        {"yes", 'y', 0, G_OPTION_ARG_NONE, &yes, "Do not ask", NULL},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
         "Go on when the guest cannot be checked (never skips host safety checks)", NULL},
        {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout, "Shutdown budget in seconds (120)", "S"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Machine-readable output", NULL},
        {NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("VM - give a VM the GPU");
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowHost) host = NULL;
    g_autoptr(VirtFlowConnection) conn = NULL;
    g_autoptr(VirtFlowFlow) flow = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autofree char *gpu_owned = NULL;
    gboolean auto_input = FALSE;
    int rc;

    g_option_context_add_main_entries(ctx, entries, NULL);
    rc = vf_cli_parse(cli, ctx, &argc, &argv);
    gpu_owned = gpu;
    if (rc >= 0) {
        vf_cli_profile_args_clear(&pargs);
        return rc;
    }
    rc = -1;
    if (argc != 2)
        rc = vf_cli_usage(cli, ctx, "expected the name (or UUID) of one VM");
    else if (timeout < 0)
        rc = vf_cli_usage(cli, ctx, "--timeout must be a number of seconds");
    if (rc >= 0) {
        vf_cli_profile_args_clear(&pargs);
        return rc;
    }
    profile = vf_cli_profile_new(&pargs, &auto_input, &error);
    if (profile == NULL) {
        vf_cli_profile_args_clear(&pargs);
        return vf_cli_fail(cli, error);
    }
    if (gpu) {
        g_autofree char *canon = vf_pci_address_normalize(gpu, &error);

        if (canon == NULL) {
            vf_cli_profile_args_clear(&pargs);
            return vf_cli_fail(cli, error);
        }
    }
    if (!vf_cli_open_objects(cli, &host, &conn, &error)) {
        vf_cli_profile_args_clear(&pargs);
        return vf_cli_fail(cli, error);
    }
    flow = virtflow_flow_new(VIRTFLOW_FLOW_ACTIVATE, host, conn, argv[1], gpu);
    vf_cli_profile_apply(flow, profile, &pargs, auto_input);
    vf_cli_profile_args_clear(&pargs);
    virtflow_flow_set_force(flow, force);
    if (timeout > 0)
        virtflow_flow_set_stop_timeout(flow, MIN(timeout, VF_CLI_MAX_TIMEOUT_S));

    if (!virtflow_flow_plan(flow, &error))
        return vf_cli_fail(cli, error);
    if (dry_run)
        return vf_cli_print_plan(cli, flow);
    if (!yes && !cli->json && isatty(STDIN_FILENO)) {
        g_autoptr(VirtFlowProfile) planned = virtflow_flow_dup_profile(flow);
        g_auto(GStrv) devices = virtflow_flow_dup_devices(flow);
        gboolean input = planned && planned->inputs[0] != NULL;
        g_autofree char *q = g_strdup_printf(
            "Give GPU %s (%u devices)%s to VM '%s'? A running VM is shut down first.",
            virtflow_flow_get_gpu(flow), g_strv_length(devices),
            input ? " and the keyboard and mouse" : "", argv[1]);

        if (!vf_confirm(q)) {
            printf("Nothing was changed.\n");
            return VF_EXIT_FAILED;
        }
    }
    return vf_cli_run_flow(cli, flow);
}
