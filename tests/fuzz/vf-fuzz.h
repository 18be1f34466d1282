/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-fuzz.h: what every libFuzzer target of tests/fuzz shares
 *
 * Each target feeds one parser of input VirtFlow does not control (a domain XML, the
 * hook's command line and stdin, a PCI address, a state file, the helper's output) with
 * the bytes libFuzzer makes, under ASan + UBSan. A crash, a sanitizer report, a GLib
 * critical or warning (a g_return_if_fail() reached from input), or a broken invariant
 * (vf_fuzz_check) is a finding.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A criticial or a warning from GLib aborts: libFuzzer then keeps the input. */
static inline void
vf_fuzz_init_glib(void)
{
    g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* An invariant of the code under test: when it does not hold, say which and abort. */
#define vf_fuzz_check(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The first line of *@data (a copy, without its '\n'); *@data and *@size move past it.
 * NULL when there is no '\n' (nothing is consumed). */
static inline char *
vf_fuzz_take_line(const uint8_t **data, size_t *size)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    char *line;

    if (nl == NULL)
        return NULL;
    line = g_strndup((const char *)*data, (gsize)(nl - *data));
    *size -= (size_t)(nl - *data) + 1;
    *data = nl + 1;
    return line;
}
