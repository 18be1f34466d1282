/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow: the command-line front end
 *
 * Global options come before the command (like git and virsh), then one command from the
 * table with its own options. All decisions are made by libvirtflow; this file parses,
 * dispatches and maps errors to exit statuses.
 */
#include "vf-cli.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static const VfCliCommand vf_commands[] = {
    {"host", vf_cmd_host,
     "IOMMU, vfio and GPUs of this machine (--groups: every IOMMU group; --input: keyboards and "
     "mice)"},
    {"gpu", vf_cmd_gpu, "list GPUs; bind a GPU to vfio-pci; restore it to its host driver"},
    {"recover", vf_cmd_recover, "finish or undo a bind/restore that was interrupted"},
    {"setup", vf_cmd_setup,
     "once, as root: vfio modules, modules-load.d, the libvirt hook (--undo: take it back)"},
    {"list", vf_cmd_list, "the VMs, their state and their GPU"},
    {"activate", vf_cmd_activate, "give a VM the GPU: checks, stop, bind, rewrite, define"},
    {"deactivate", vf_cmd_deactivate, "put the VM back as it was; the GPU back to the host"},
    {"start", vf_cmd_start, "start a VM (its GPU bound first)"},
    {"stop", vf_cmd_stop, "shut a VM down and make sure its GPU is back on the host"},
    {"doctor", vf_cmd_doctor,
     "every troubleshooting check (host, hook, libvirt, a VM) with its fix"},
    {"tune", vf_cmd_tune,
     "pin a VM to whole cores of the GPU's node, huge pages, I/O threads (--undo: put it back)"},
};

static void
vf_cli_print_help(FILE *out, const char *prog)
{
    fprintf(out,
            "Usage: %s [GLOBAL OPTIONS] COMMAND [OPTIONS]\n"
            "\n"
            "Hand a GPU to a libvirt VM through vfio-pci, safely, and get it back.\n"
            "\n"
            "Global options:\n"
            "  --host-root DIR   read the machine from DIR (a captured or test tree; read-only)\n"
            "  --state-dir DIR   journal and records (default /var/lib/virtflow)\n"
            "  -c, --connect URI libvirt connection (default qemu:///system)\n"
            "  --demo            a simulated machine (iGPU + NVIDIA dGPU) and a Windows VM on\n"
            "                    libvirt's test driver: nothing real is touched\n"
            "  --json            machine-readable output\n"
            "  -v, --verbose     say more\n"
            "  -h, --help        this help;  --version\n"
            "\n"
            "Commands:\n",
            prog);
    for (guint i = 0; i < G_N_ELEMENTS(vf_commands); i++)
        fprintf(out, "  %-10s %s\n", vf_commands[i].name, vf_commands[i].summary);
    fprintf(out,
            "\nExit status: 0 ok, 1 failed (host put back), 2 usage, 3 not found, "
            "4 refused by a safety check,\n5 permission, 6 timeout, 7 busy.\n"
            "'%s COMMAND --help' tells more.\n",
            prog);
}

VirtFlowHost *
vf_cli_open_host(VfCli *cli, GError **error)
{
    VirtFlowHost *host =
        cli->demo ? virtflow_host_new_demo(NULL, error) : virtflow_host_new(cli->host_root, error);

    if (host && cli->state_dir)
        virtflow_host_set_state_dir(host, cli->state_dir);
    return host;
}

const char *
vf_cli_error_code_name(const GError *error)
{
    return error->domain == VF_ERROR ? vf_error_code_to_string(error->code) : "usage";
}

int
vf_cli_exit_for(const GError *error)
{
    return vf_error_exit_status(error);
}

void
vf_cli_json_error(VfJson *json, const GError *error)
{
    vf_json_key(json, "error");
    vf_json_begin_object(json);
    vf_json_member_string(json, "code", vf_cli_error_code_name(error));
    vf_json_member_string(json, "message", error->message);
    if (vf_error_get_fix(error))
        vf_json_member_string(json, "fix", vf_error_get_fix(error));
    vf_json_end_object(json);
}

int
vf_cli_fail(VfCli *cli, const GError *error)
{
    if (cli->json) {
        g_autoptr(VfJson) json = vf_json_new(TRUE);

        vf_json_begin_object(json);
        vf_cli_json_error(json, error);
        vf_json_end_object(json);
        vf_cli_print_json(json);
    }
    fprintf(stderr, "%s: error: %s\n", cli->prog, error->message);
    /* the fix from where it failed, unless the message already ends with it */
    if (vf_error_get_fix(error) && strstr(error->message, vf_error_get_fix(error)) == NULL)
        fprintf(stderr, "%s: fix: %s\n", cli->prog, vf_error_get_fix(error));
    return vf_cli_exit_for(error);
}

int
vf_cli_usage(VfCli *cli, GOptionContext *ctx, const char *message)
{
    g_autofree char *help = ctx ? g_option_context_get_help(ctx, TRUE, NULL) : NULL;

    if (message)
        fprintf(stderr, "%s: %s\n", cli->prog, message);
    if (help)
        fputs(help, stderr);
    return VF_EXIT_USAGE;
}

int
vf_cli_parse(VfCli *cli, GOptionContext *ctx, int *argc, char ***argv)
{
    g_autoptr(GError) error = NULL;

    if (!g_option_context_parse(ctx, argc, argv, &error))
        return vf_cli_usage(cli, NULL, error->message);
    return -1;
}

void
vf_cli_print_json(VfJson *json)
{
    fputs(vf_json_get_text(json), stdout);
}

int
main(int argc, char **argv)
{
    VfCli cli = {.prog = "virtflow"};
    int i;

    setlocale(LC_ALL, "");
    g_set_prgname(cli.prog); /* else GOption names us after the subcommand */
    /* debug lines (G_MESSAGES_DEBUG=virtflow) must never mix into stdout's JSON */
    g_log_writer_default_set_use_stderr(TRUE);

    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (g_str_equal(arg, "--json")) {
            cli.json = TRUE;
        } else if (g_str_equal(arg, "--demo")) {
            cli.demo = TRUE;
        } else if (g_str_equal(arg, "-v") || g_str_equal(arg, "--verbose")) {
            cli.verbose = TRUE;
        } else if (g_str_equal(arg, "-h") || g_str_equal(arg, "--help")) {
            vf_cli_print_help(stdout, cli.prog);
            return VF_EXIT_OK;
        } else if (g_str_equal(arg, "--version")) {
            printf("virtflow %s\n", VF_VERSION);
            return VF_EXIT_OK;
        } else if (g_str_equal(arg, "--host-root") || g_str_equal(arg, "--state-dir") ||
                   g_str_equal(arg, "--connect") || g_str_equal(arg, "-c")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "%s: %s needs a value\n", cli.prog, arg);
                return VF_EXIT_USAGE;
            }
            if (g_str_equal(arg, "--host-root"))
                cli.host_root = argv[++i];
            else if (g_str_equal(arg, "--state-dir"))
                cli.state_dir = argv[++i];
            else
                cli.connect = argv[++i];
        } else if (g_str_has_prefix(arg, "--connect=")) {
            cli.connect = arg + strlen("--connect=");
        } else if (g_str_has_prefix(arg, "--host-root=")) {
            cli.host_root = arg + strlen("--host-root=");
        } else if (g_str_has_prefix(arg, "--state-dir=")) {
            cli.state_dir = arg + strlen("--state-dir=");
        } else if (arg[0] == '-') {
            fprintf(stderr, "%s: unknown global option '%s' (see '%s --help')\n", cli.prog, arg,
                    cli.prog);
            return VF_EXIT_USAGE;
        } else {
            break;
        }
    }
    if (cli.demo && (cli.host_root || cli.connect)) {
        fprintf(stderr, "%s: --demo excludes --host-root and --connect\n", cli.prog);
        return VF_EXIT_USAGE;
    }
    if (i >= argc) {
        vf_cli_print_help(stderr, cli.prog);
        return VF_EXIT_USAGE;
    }
    for (guint c = 0; c < G_N_ELEMENTS(vf_commands); c++)
        if (g_str_equal(argv[i], vf_commands[c].name))
            return vf_commands[c].run(&cli, argc - i, argv + i);

    fprintf(stderr, "%s: unknown command '%s' (see '%s --help')\n", cli.prog, argv[i], cli.prog);
    return VF_EXIT_USAGE;
}
