/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-json.h: a small streaming JSON writer, and a reader for one JSON value
 *
 * VirtFlow writes JSON (CLI output, the helper's progress lines) and reads back only its
 * own helper's progress lines; a writer and reader this size keep json-glib and GIO out
 * of every process, which matters for the libvirt hook and the helper, both started once
 * per VM start or stop.
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

/*
 * Parses one JSON value (RFC 8259; at most 64 levels deep) into a GVariant: object →
 * a{sv}, array → av, string → s, integer → x, other number → d, true/false → b, null →
 * mv (nothing). Returns a new floating-free reference, or NULL with @error
 * (VF_ERROR_INVALID_ARGUMENT, naming the offset) for anything else, trailing text too.
 */
GVariant *vf_json_parse(const char *text, gssize length, GError **error);

G_END_DECLS
