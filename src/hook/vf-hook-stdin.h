/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-hook-stdin.h: the domain XML on the hook's stdin, read by both of its programs
 *
 * libvirtd writes the domain's XML to every hook's stdin. A domain VirtFlow activated is a
 * few kilobytes, its record a few hundred bytes; VF_HOOK_MAX_XML is far above any of them.
 * Whatever is larger is refused at once, before anything parses it: only its first
 * VF_HOOK_MAX_XML + 1 bytes are kept (the worker sees that it is too large), the rest is
 * read and dropped, searched only for VirtFlow's namespace (a domain that is not
 * VirtFlow's stays none of its business, however large). Plain C and libc only: the gate
 * (vf-hook-gate.c) must start without GLib.
 */
#pragma once

#include "vf-hook-args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VF_HOOK_MAX_XML (1024 * 1024)

/* What the hook looks for in the XML: the part VirtFlow's namespaces share, Activate's
 * (VF_DOMAIN_XML_NAMESPACE, ".../passthrough/1.0") and tune's (VF_TUNE_XML_NAMESPACE,
 * ".../tune/1.0", issue 14). One search for both: a domain that is neither's costs what it
 * did with one namespace. The worker decides which record, if any, the domain holds. */
#define VF_HOOK_XML_NAMESPACE_PREFIX "https://virtflow.org/xmlns/"

/* The namespace, found in a stream read in chunks: the tail of the last chunk is kept so
 * that a match across two chunks is found too. */
static inline bool
vf_hook_stream_has(const char *needle, char *tail, size_t *tail_len, const char *chunk, size_t n)
{
    size_t nlen = strlen(needle);
    char window[2 * 256];
    size_t w = 0, keep;

    /* the tail and the start of the chunk */
    memcpy(window, tail, *tail_len);
    w = *tail_len;
    memcpy(window + w, chunk, n < nlen ? n : nlen);
    w += n < nlen ? n : nlen;
    if (memmem(window, w, needle, nlen) || memmem(chunk, n, needle, nlen))
        return true;
    /* keep the last nlen - 1 bytes seen */
    keep = nlen - 1;
    if (n >= keep) {
        memcpy(tail, chunk + n - keep, keep);
        *tail_len = keep;
    } else {
        size_t old = *tail_len + n > keep ? *tail_len + n - keep : 0;

        memmove(tail, tail + old, *tail_len - old);
        memcpy(tail + *tail_len - old, chunk, n);
        *tail_len = *tail_len - old + n;
    }
    return false;
}

/*
 * Reads all of @fd. Returns 0 with *@ret_buf (malloc'd, NUL-terminated: at most
 * VF_HOOK_MAX_XML + 1 bytes kept, *@ret_len of them), *@ret_too_large (there was more
 * than VF_HOOK_MAX_XML) and *@ret_ours (VirtFlow's namespace occurs in the whole input);
 * or an errno.
 */
static inline int
vf_hook_read_xml(int fd, const char *ns, char **ret_buf, size_t *ret_len, bool *ret_too_large,
                 bool *ret_ours)
{
    size_t len = 0, size = 64 * 1024;
    char *buf = malloc(size + 1);
    char tail[256];
    size_t tail_len;
    bool ours;

    if (buf == NULL || strlen(ns) >= sizeof(tail)) {
        free(buf);
        return ENOMEM;
    }
    for (;;) {
        ssize_t n;

        if (len == size) {
            char *bigger;

            if (size == VF_HOOK_MAX_XML + 1)
                break; /* VF_HOOK_MAX_XML + 1 kept: too large */
            size = size * 2 > VF_HOOK_MAX_XML + 1 ? VF_HOOK_MAX_XML + 1 : size * 2;
            if ((bigger = realloc(buf, size + 1)) == NULL) {
                free(buf);
                return ENOMEM;
            }
            buf = bigger;
        }
        n = read(fd, buf + len, size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int errsv = errno;

            free(buf);
            return errsv;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    ours = memmem(buf, len, ns, strlen(ns)) != NULL;
    *ret_too_large = len > VF_HOOK_MAX_XML;
    if (*ret_too_large) {
        char chunk[64 * 1024];

        /* the rest: dropped, searched for the namespace only */
        tail_len = strlen(ns) - 1;
        memcpy(tail, buf + len - tail_len, tail_len);
        for (;;) {
            ssize_t n = read(fd, chunk, sizeof(chunk));

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            if (!ours)
                ours = vf_hook_stream_has(ns, tail, &tail_len, chunk, (size_t)n);
        }
    }
    *ret_buf = buf;
    *ret_len = len;
    *ret_ours = ours;
    return 0;
}
