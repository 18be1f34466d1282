/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-hook-args.h: the command line of the libvirt hook, shared by its two programs
 *
 * libvirtd runs every executable of /etc/libvirt/hooks/qemu.d/ as
 *
 *   HOOK NAME OPERATION SUB-OPERATION EXTRA      (the domain XML on stdin)
 *
 * always with exactly four arguments. The tests put options in front of them
 * (--host-root DIR, --log FILE, --state-dir DIR, --parse-deadline-ms MS, which can only
 * shorten the 3 s the XML has to parse); options are recognised only while more
 * than four arguments remain, so that a domain named "--log" is a name, never an option.
 * Plain C and libc only: the gate (vf-hook-gate.c) must start without GLib.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    const char *host_root;         /* --host-root: a kernel-model tree (tests); NULL: "/" */
    const char *log_path;          /* --log: NULL for the production log */
    const char *state_dir;         /* --state-dir: NULL for the host's default */
    const char *parse_deadline_ms; /* --parse-deadline-ms: tests of the deadline; NULL: 3 s */
    const char *name;              /* the domain's name: printed only, never interpreted */
    const char *operation;
    const char *sub_operation;
    const char *extra;
} VfHookArgs;

#define VF_HOOK_LOG_PATH "/var/log/libvirt/qemu-hook.log"

#define VF_HOOK_USAGE                                                                              \
    "Usage: %s [--host-root DIR] [--log FILE] [--state-dir DIR] [--parse-deadline-ms MS] NAME "    \
    "OPERATION SUB-OPERATION EXTRA < DOMAIN-XML\n"                                                 \
    "VirtFlow's libvirt qemu hook: on 'prepare begin' it makes sure the domain's GPU is on\n"      \
    "vfio-pci (or refuses the start, saying why); on 'release end' it gives the GPU back to\n"     \
    "its host drivers. libvirtd runs it; the options are for tests.\n"

/* Fills @args from argv. Returns true, or false with @ret_message pointing to what is wrong
 * (a static string; the offending argument in @ret_arg, may be NULL). */
static inline bool
vf_hook_args_parse(int argc, char **argv, VfHookArgs *args, const char **ret_message,
                   const char **ret_arg)
{
    static const struct {
        const char *name;
        size_t offset;
    } options[] = {
        {"--host-root", offsetof(VfHookArgs, host_root)},
        {"--log", offsetof(VfHookArgs, log_path)},
        {"--state-dir", offsetof(VfHookArgs, state_dir)},
        {"--parse-deadline-ms", offsetof(VfHookArgs, parse_deadline_ms)},
    };
    int i = 1;

    memset(args, 0, sizeof(*args));
    *ret_arg = NULL;
    while (argc - i > 4) {
        const char *arg = argv[i];
        bool known = false;

        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        for (size_t o = 0; o < sizeof(options) / sizeof(options[0]); o++) {
            size_t len = strlen(options[o].name);
            const char **slot = (const char **)((char *)args + options[o].offset);

            if (strncmp(arg, options[o].name, len) != 0)
                continue;
            if (arg[len] == '=') {
                *slot = arg + len + 1;
                i++;
                known = true;
            } else if (arg[len] == '\0') {
                *slot = argv[i + 1];
                i += 2;
                known = true;
            }
            if (known)
                break;
        }
        if (!known) {
            *ret_message = "unknown option or too many arguments";
            *ret_arg = arg;
            return false;
        }
    }
    if (argc - i != 4) {
        *ret_message = argc - i < 4 ? "missing arguments" : "too many arguments";
        return false;
    }
    args->name = argv[i];
    args->operation = argv[i + 1];
    args->sub_operation = argv[i + 2];
    args->extra = argv[i + 3];
    return true;
}

typedef enum {
    VF_HOOK_ACTION_NONE,    /* every other call: nothing to do */
    VF_HOOK_ACTION_PREPARE, /* "prepare begin": the GPU onto vfio-pci, or refuse */
    VF_HOOK_ACTION_RELEASE, /* "release end": the GPU back to its host drivers */
} VfHookAction;

static inline VfHookAction
vf_hook_args_get_action(const VfHookArgs *args)
{
    if (strcmp(args->operation, "prepare") == 0 && strcmp(args->sub_operation, "begin") == 0)
        return VF_HOOK_ACTION_PREPARE;
    if (strcmp(args->operation, "release") == 0 && strcmp(args->sub_operation, "end") == 0)
        return VF_HOOK_ACTION_RELEASE;
    return VF_HOOK_ACTION_NONE;
}
