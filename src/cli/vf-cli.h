/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-cli.h: what every `virtflow` command shares
 */
#pragma once

#include "host/vf-gpu.h"
#include "host/vf-transition.h"
#include "vf-error.h"
#include "vf-json.h"

G_BEGIN_DECLS

/* Exit statuses (documented in virtflow(1) and the README). */
typedef enum {
    VF_EXIT_OK = 0,
    VF_EXIT_FAILED = 1,     /* the operation failed (the host was put back) */
    VF_EXIT_USAGE = 2,      /* bad arguments or malformed input */
    VF_EXIT_NOT_FOUND = 3,  /* no such device or VM */
    VF_EXIT_BLOCKED = 4,    /* a safety check refused (blockers) */
    VF_EXIT_PERMISSION = 5, /* not allowed: not root, or a read-only --host-root */
    VF_EXIT_TIMEOUT = 6,    /* the kernel did not answer in time */
    VF_EXIT_BUSY = 7,       /* another VirtFlow operation is running */
} VfExit;

typedef struct {
    const char *host_root; /* --host-root, NULL for the live machine */
    const char *state_dir; /* --state-dir */
    gboolean json;
    gboolean demo;
    gboolean verbose;
    const char *prog;
} VfCli;

typedef struct {
    const char *name;
    int (*run)(VfCli *cli, int argc, char **argv);
    const char *summary;
} VfCliCommand;

/* Opens the host the global options name (live, --host-root or --demo). */
VfHost *vf_cli_open_host(VfCli *cli, GError **error);
/* Prints @error for a user (and as JSON with --json) and returns the exit status. */
int vf_cli_fail(VfCli *cli, const GError *error);
int vf_cli_usage(VfCli *cli, GOptionContext *ctx, const char *message);
/* Parses a command's options; returns -1 to go on, or an exit status. */
int vf_cli_parse(VfCli *cli, GOptionContext *ctx, int *argc, char ***argv);
/* Prints what @json holds to stdout. */
void vf_cli_print_json(VfJson *json);

/* Prints the plan (--dry-run) or applies @t and reports the outcome. */
int vf_cli_run_transition(VfCli *cli, VfTransition *t, gboolean dry_run);

/* @all_devices: add "devices", every PCI function of the host */
void vf_cli_json_report(VfJson *json, VfHostReport *report, gboolean all_devices);
void vf_cli_json_pci_device(VfJson *json, const VfPciDevice *dev);
void vf_cli_json_transition(VfJson *json, VfTransition *t, gboolean dry_run);

int vf_cmd_host(VfCli *cli, int argc, char **argv);
int vf_cmd_gpu(VfCli *cli, int argc, char **argv);
int vf_cmd_recover(VfCli *cli, int argc, char **argv);

G_END_DECLS
