/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-input-private.h: internals of vf-input.c that the unit tests check directly
 */
#pragma once

#include "host/vf-input.h"

G_BEGIN_DECLS

/* Is character device @major:@minor an evdev node? Input devices are major 13 (INPUT_MAJOR);
 * evdev has minors 64..95 and, past 32 devices, the dynamic ones from 256 (joydev 0..31,
 * mousedev 32..63: /dev/input/js0, mouse0, mice). @sys_name: the name sysfs gives the
 * device ("event3", "mice"; NULL when sysfs does not say): it must be "eventN" then. */
gboolean vf_input_devnum_is_evdev(guint major, guint minor, const char *sys_name);

/* Does a capabilities bitmap as sysfs shows it ("120013", "ff0000 0 0 0 0": 64-bit words,
 * most significant first) have @bit set? */
gboolean vf_input_bitmap_test(const char *bitmap, guint bit);

G_END_DECLS
