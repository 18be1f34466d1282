/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-json.h: a small streaming JSON writer
 *
 * VirtFlow only ever writes JSON (CLI output, the helper's progress lines); a writer this
 * size keeps json-glib and GIO out of every process, which matters for the libvirt hook
 * and the helper, both started once per VM start or stop.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VfJson VfJson;

/* @pretty: two-space indentation and newlines; else one line (JSON lines). */
VfJson *vf_json_new(gboolean pretty);
void vf_json_free(VfJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfJson, vf_json_free)

void vf_json_begin_object(VfJson *json);
void vf_json_end_object(VfJson *json);
void vf_json_begin_array(VfJson *json);
void vf_json_end_array(VfJson *json);
/* The member name of the next value (inside an object). */
void vf_json_key(VfJson *json, const char *key);

void vf_json_string(VfJson *json, const char *value); /* NULL writes null */
void vf_json_int(VfJson *json, gint64 value);
void vf_json_double(VfJson *json, double value);
void vf_json_bool(VfJson *json, gboolean value);
void vf_json_null(VfJson *json);

/* key + value shorthands */
void vf_json_member_string(VfJson *json, const char *key, const char *value);
void vf_json_member_int(VfJson *json, const char *key, gint64 value);
void vf_json_member_bool(VfJson *json, const char *key, gboolean value);

/* The text written so far. */
const char *vf_json_get_text(VfJson *json);
char *vf_json_steal_text(VfJson *json);

G_END_DECLS
