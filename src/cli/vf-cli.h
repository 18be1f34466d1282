/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-cli.h: what every `virtflow` command shares
 */
#pragma once

#include "virtflow.h"

/* The commands run through the GObject API, like any front end's (docs/DESIGN.md, "The
 * GObject API"); the internals are reached for presentation only (vf-json, the fix an error
 * carries, the enums' names). */
#include <virtflow-gobject.h>

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
    const char *connect;   /* --connect URI */
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

/* Opens the host the global options name (live, --host-root or --demo; --state-dir applied). */
VirtFlowHost *vf_cli_open_host(VfCli *cli, GError **error);
int vf_cli_exit_for(const GError *error);
/* "error": {"code", "message"} as a member of the object being written */
void vf_cli_json_error(VfJson *json, const GError *error);
const char *vf_cli_error_code_name(const GError *error);

/* Prints @error for a user (and as JSON with --json) and returns the exit status. */
int vf_cli_fail(VfCli *cli, const GError *error);
int vf_cli_usage(VfCli *cli, GOptionContext *ctx, const char *message);
/* Parses a command's options; returns -1 to go on, or an exit status. */
int vf_cli_parse(VfCli *cli, GOptionContext *ctx, int *argc, char ***argv);
/* Prints what @json holds to stdout. */
void vf_cli_print_json(VfJson *json);

/* Prints the plan (--dry-run) or applies @t and reports the outcome. */
int vf_cli_run_transition(VfCli *cli, VirtFlowTransition *t, gboolean dry_run);

/* @all_devices: add "devices", every PCI function of the host */
void vf_cli_json_report(VfJson *json, VirtFlowHostReport *report, gboolean all_devices);
void vf_cli_json_pci_device(VfJson *json, const VirtFlowDevice *dev);
/* "sysfs_writes": [{device, path, value}] (VirtFlowWrite*) in the order they run; and the
 * same as the shell lines a user would type (modprobe first) */
void vf_cli_json_writes(VfJson *json, GPtrArray *writes);
void vf_cli_print_writes(GPtrArray *writes, char **modules);
void vf_cli_json_transition(VfJson *json, VirtFlowTransition *t, gboolean dry_run);
/* The same object's members, without its braces (recover adds its "tune" member). */
void vf_cli_json_transition_members(VfJson *json, VirtFlowTransition *t, gboolean dry_run);

/* --timeout's largest value: VirtFlowFlow:stop-timeout's */
#define VF_CLI_MAX_TIMEOUT_S 3600

/* The host and the libvirt connection the global options name, as GObjects (--demo: the
 * demo's host and test driver; --connect: the URI; --state-dir applied). */
gboolean vf_cli_open_objects(VfCli *cli, VirtFlowHost **ret_host, VirtFlowConnection **ret_conn,
                             GError **error);
/* Runs @flow with live progress (step-changed, wait-tick) and reports it: the exit status. */
int vf_cli_run_flow(VfCli *cli, VirtFlowFlow *flow);
/* --dry-run of activate/deactivate: the steps, the writes and the new XML (or JSON) */
int vf_cli_print_plan(VfCli *cli, VirtFlowFlow *flow);
/* A flow's notes ("Using the VM:" and one sentence a line), nothing when it has none. */
void vf_cli_print_notes(VirtFlowFlow *flow);

int vf_cmd_host(VfCli *cli, int argc, char **argv);
int vf_cmd_gpu(VfCli *cli, int argc, char **argv);
int vf_cmd_recover(VfCli *cli, int argc, char **argv);
int vf_cmd_list(VfCli *cli, int argc, char **argv);
int vf_cmd_activate(VfCli *cli, int argc, char **argv);
int vf_cmd_deactivate(VfCli *cli, int argc, char **argv);
int vf_cmd_start(VfCli *cli, int argc, char **argv);
int vf_cmd_stop(VfCli *cli, int argc, char **argv);
int vf_cmd_doctor(VfCli *cli, int argc, char **argv);
int vf_cmd_setup(VfCli *cli, int argc, char **argv);
int vf_cmd_tune(VfCli *cli, int argc, char **argv);

G_END_DECLS
