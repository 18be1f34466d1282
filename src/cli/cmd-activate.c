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

/* "keyboard /dev/input/by-id/…, mouse /dev/input/by-id/…", or "none" */
static char *
vf_cli_profile_input(const VfProfile *profile)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (guint i = 0; profile->evdev && i < profile->evdev->len; i++) {
        const VfEvdevInput *in = profile->evdev->pdata[i];

        g_string_append_printf(out, "%s%s %s", i ? ", " : "", vf_input_kind_to_string(in->kind),
                               in->path);
    }
    if (out->len == 0)
        g_string_append(out, "none");
    else
        g_string_append_printf(out, " (switch: %s)",
                               vf_grab_toggle_to_string(profile->grab_toggle));
    return g_string_free(g_steal_pointer(&out), FALSE);
}

void
vf_cli_print_notes(VfFlow *flow)
{
    if (flow->notes == NULL || flow->notes->len == 0)
        return;
    printf("\nUsing the VM:\n");
    for (guint i = 0; i < flow->notes->len; i++)
        printf("  %s\n", (char *)flow->notes->pdata[i]);
}

int
vf_cli_print_plan(VfCli *cli, VfFlow *flow)
{
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_cli_json_plan(json, flow);
        vf_cli_print_json(json);
        return VF_EXIT_OK;
    }
    printf("Dry run for VM '%s', GPU %s. Nothing is changed.\n\nSteps:\n", flow->vm,
           flow->gpu ? flow->gpu : "-");
    for (guint i = 0; i < flow->steps->len; i++)
        printf("  %u. %s\n", i + 1, ((VfStep *)flow->steps->pdata[i])->title);
    printf("\nDevices: ");
    for (guint i = 0; i < flow->devices->len; i++)
        printf("%s%s", i ? ", " : "", (char *)flow->devices->pdata[i]);
    printf("\n");
    if (flow->profile) {
        g_autofree char *input = vf_cli_profile_input(flow->profile);

        printf("View: %s", vf_view_to_string(flow->profile->view));
        if (flow->profile->view == VF_VIEW_LOOKING_GLASS)
            printf(" (%ux%u, %u MiB of shared memory)", flow->profile->lg_width,
                   flow->profile->lg_height,
                   vf_profile_lg_size_mib(flow->profile->lg_width, flow->profile->lg_height));
        printf("\nInput: %s\n", input);
    }
    vf_cli_print_notes(flow);
    printf("\nSysfs writes, in order:\n");
    vf_cli_print_writes(flow->writes, NULL);
    if (flow->writes->len == 0)
        printf("  (none)\n");
    printf("\nThe new definition of '%s':\n%s\n", flow->vm, flow->domain_xml);
    return VF_EXIT_OK;
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

/* `--input auto`: the keyboard and mouse in use (why none, in @ret_note); each device
 * named: its kind (keyboard or mouse) from the device. */
static void
vf_cli_profile_resolve(VfHost *host, VfProfile *profile, gboolean auto_input, char **ret_note)
{
    for (guint i = 0; i < profile->evdev->len; i++) {
        VfEvdevInput *in = profile->evdev->pdata[i];
        g_autoptr(VfInputDevice) dev = NULL;

        /* one that is not there is refused by the library's check, with its reason */
        if (vf_input_check_evdev(host, in->path, &dev, NULL) && dev)
            in->kind = dev->kind;
    }
    if (auto_input) {
        g_autoptr(GError) local = NULL;
        g_autoptr(GPtrArray) picked = vf_input_pick_auto(host, ret_note, &local);

        /* no input to read is no reason to refuse the GPU: the notes say so */
        if (picked == NULL) {
            g_free(*ret_note);
            *ret_note = g_strdup_printf("The host's keyboard and mouse could not be read (%s): "
                                        "none is handed over.",
                                        local->message);
        }
        for (guint i = 0; picked && i < picked->len; i++)
            g_ptr_array_add(profile->evdev, g_steal_pointer(&picked->pdata[i]));
    }
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
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfConnection) conn = NULL;
    g_autoptr(VfFlow) flow = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autofree char *gpu_owned = NULL;
    g_autofree char *input_note = NULL;
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
    vf_cli_profile_args_clear(&pargs);
    if (profile == NULL)
        return vf_cli_fail(cli, error);
    if (gpu) {
        g_autofree char *canon = vf_pci_address_normalize(gpu, &error);

        if (canon == NULL)
            return vf_cli_fail(cli, error);
    }
    if (!vf_cli_open(cli, &host, &conn, &error))
        return vf_cli_fail(cli, error);
    vf_cli_profile_resolve(host, profile, auto_input, &input_note);

    flow = vf_flow_plan_activate_profile(host, conn, argv[1], gpu, profile, &error);
    if (flow == NULL)
        return vf_cli_fail(cli, error);
    if (input_note)
        g_ptr_array_insert(flow->notes, 0, g_strdup(input_note));
    if (dry_run)
        return vf_cli_print_plan(cli, flow);
    if (!yes && !cli->json && isatty(STDIN_FILENO)) {
        gboolean input = flow->profile && flow->profile->evdev && flow->profile->evdev->len > 0;
        g_autofree char *q = g_strdup_printf(
            "Give GPU %s (%u devices)%s to VM '%s'? A running VM is shut down first.", flow->gpu,
            flow->devices->len, input ? " and the keyboard and mouse" : "", flow->vm);

        if (!vf_confirm(q)) {
            printf("Nothing was changed.\n");
            return VF_EXIT_FAILED;
        }
    }
    cli->profile = profile;
    cli->input_note = input_note;
    return vf_cli_run_flow(cli, host, conn, VF_FLOW_ACTIVATE, argv[1], gpu, force, timeout);
}
