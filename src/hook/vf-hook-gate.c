/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-hook: the program libvirtd runs, installed as LIBEXECDIR/virtflow/virtflow-hook
 * and linked as /etc/libvirt/hooks/qemu.d/virtflow by `virtflow setup`
 *
 * libvirtd runs its hooks for every domain and every step of its life (prepare, start,
 * started, stopped, release, reconnect, migrate, ...) and waits for each. Nearly all of
 * those calls are none of VirtFlow's business, so this gate decides with libc alone, in
 * about the time of `#!/bin/sh exit 0`:
 *
 *   - any operation but "prepare begin" and "release end": exit 0, stdin unread;
 *   - those two, for a domain whose XML mentions none of VirtFlow's namespaces (Activate's
 *     passthrough record, tune's record: their common prefix, VF_HOOK_XML_NAMESPACE_PREFIX)
 *     and, for "release end", with no tune journal left (vf_gate_tune_journals): exit 0;
 *   - else: exec virtflow-hook-worker (GLib, libxml2, the host layer) with the same
 *     arguments and the XML it has read on its stdin.
 *
 * Two programs, because the worker's libraries load at exec whether it needs them or not:
 * libxml2 brings libicu and libstdc++ along, which alone cost about a millisecond, as much
 * as the whole gate (bench/RESULTS-hook.md).
 */
#include "vf-hook-args.h"
#include "vf-hook-stdin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef VF_HOOK_WORKER
#error "VF_HOOK_WORKER (the worker's absolute path) must be defined"
#endif

static const char *vf_prog = "virtflow-hook";

static int
vf_gate_fail(const char *what, int errsv)
{
    fprintf(stderr, "%s: %s: %s\n", vf_prog, what, strerror(errsv));
    return 1;
}

/* The XML we consumed becomes the worker's stdin again: an anonymous file, rewound. */
static int
vf_gate_refill_stdin(const char *buf, size_t len)
{
    int fd = memfd_create("virtflow-hook-domain-xml", MFD_CLOEXEC);
    size_t done = 0;

    if (fd < 0)
        fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    while (done < len) {
        ssize_t n = write(fd, buf + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int errsv = errno;

            close(fd);
            return errsv;
        }
        done += (size_t)n;
    }
    /* dup2() leaves the new fd 0 without FD_CLOEXEC: it survives the exec */
    if (lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, STDIN_FILENO) < 0) {
        int errsv = errno;

        close(fd);
        return errsv;
    }
    close(fd);
    return 0;
}

/*
 * "release end" of a domain whose XML no longer mentions VirtFlow (a tune record removed
 * from the running domain's live XML): the tune journals (STATE/tune/NAME-HASH.conf,
 * tune/vf-tune-run.c) say whether anything is still to give back. Only reached for
 * release of domains that are none of ours: one opendir(), no read of any file. TRUE when
 * there is a journal (of any VM: the worker looks for this one's).
 */
static bool
vf_gate_tune_journals(const VfHookArgs *args)
{
    char dir[4096];
    DIR *d;
    struct dirent *e;
    bool found = false;
    int n;

    if (args->state_dir)
        n = snprintf(dir, sizeof(dir), "%s/tune", args->state_dir);
    else
        n = snprintf(dir, sizeof(dir), "%s/var/lib/virtflow/tune",
                     args->host_root ? args->host_root : "");
    if (n < 0 || (size_t)n >= sizeof(dir) || (d = opendir(dir)) == NULL)
        return false;
    while (!found && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);

        found = e->d_name[0] != '.' && len > 5 && strcmp(e->d_name + len - 5, ".conf") == 0;
    }
    closedir(d);
    return found;
}

int
main(int argc, char **argv)
{
    VfHookArgs args;
    const char *message, *arg;
    char *xml = NULL;
    size_t len = 0;
    bool too_large = false, ours = false;
    int errsv;

    if (argc > 0 && argv[0] && *argv[0])
        vf_prog = argv[0];
    if (!vf_hook_args_parse(argc, argv, &args, &message, &arg)) {
        fprintf(stderr, "%s: %s%s%s\n" VF_HOOK_USAGE, vf_prog, message, arg ? ": " : "",
                arg ? arg : "", vf_prog);
        return 2;
    }
    if (vf_hook_args_get_action(&args) == VF_HOOK_ACTION_NONE)
        return 0;

    if ((errsv = vf_hook_read_xml(STDIN_FILENO, VF_HOOK_XML_NAMESPACE_PREFIX, &xml, &len,
                                  &too_large, &ours)) != 0)
        return vf_gate_fail("cannot read the domain XML on stdin", errsv);
    /* a domain VirtFlow never activated nor tuned: not ours, whatever else it holds; at
     * release, unless a tune journal may still be this domain's */
    if (!ours && !(vf_hook_args_get_action(&args) == VF_HOOK_ACTION_RELEASE && !too_large &&
                   vf_gate_tune_journals(&args))) {
        free(xml);
        return 0;
    }
    /* too large: the worker gets the first VF_HOOK_MAX_XML + 1 bytes, sees that, and
     * refuses it (and logs it) without parsing */
    errsv = vf_gate_refill_stdin(xml, len);
    free(xml);
    if (errsv != 0)
        return vf_gate_fail("cannot hand the domain XML on", errsv);

    argv[0] = (char *)VF_HOOK_WORKER;
    execv(VF_HOOK_WORKER, argv);
    errsv = errno;
    fprintf(stderr,
            "%s: cannot run " VF_HOOK_WORKER " for domain '%s' (%s %s): %s; is VirtFlow "
            "installed completely?\n",
            vf_prog, args.name, args.operation, args.sub_operation, strerror(errsv));
    return 1;
}
