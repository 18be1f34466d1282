/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vf-json.h"

#include <math.h>

struct _VfJson {
    GString *out;
    gboolean pretty;
    guint depth;
    gboolean need_comma; /* a value was written at this depth */
    gboolean after_key;  /* the next value follows "key": on the same line */
};

VfJson *
vf_json_new(gboolean pretty)
{
    VfJson *json = g_new0(VfJson, 1);

    json->out = g_string_sized_new(1024);
    json->pretty = pretty;
    return json;
}

void
vf_json_free(VfJson *json)
{
    if (json == NULL)
        return;
    if (json->out)
        g_string_free(json->out, TRUE);
    g_free(json);
}

static void
vf_json_newline(VfJson *json)
{
    if (!json->pretty)
        return;
    g_string_append_c(json->out, '\n');
    for (guint i = 0; i < json->depth; i++)
        g_string_append(json->out, "  ");
}

/* Separator and indentation before a value or a key. */
static void
vf_json_before(VfJson *json)
{
    if (json->after_key) {
        json->after_key = FALSE;
        return;
    }
    if (json->need_comma)
        g_string_append_c(json->out, ',');
    if (json->depth > 0)
        vf_json_newline(json);
}

static void
vf_json_escape(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const guchar *p = (const guchar *)s; *p; p++) {
        switch (*p) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, *p);
        }
    }
    g_string_append_c(out, '"');
}

static void
vf_json_begin(VfJson *json, char open)
{
    vf_json_before(json);
    g_string_append_c(json->out, open);
    json->depth++;
    json->need_comma = FALSE;
}

static void
vf_json_end(VfJson *json, char close)
{
    gboolean empty = !json->need_comma;

    json->depth--;
    if (!empty)
        vf_json_newline(json);
    g_string_append_c(json->out, close);
    json->need_comma = TRUE;
    if (json->depth == 0 && json->pretty)
        g_string_append_c(json->out, '\n');
}

void
vf_json_begin_object(VfJson *json)
{
    vf_json_begin(json, '{');
}

void
vf_json_end_object(VfJson *json)
{
    vf_json_end(json, '}');
}

void
vf_json_begin_array(VfJson *json)
{
    vf_json_begin(json, '[');
}

void
vf_json_end_array(VfJson *json)
{
    vf_json_end(json, ']');
}

void
vf_json_key(VfJson *json, const char *key)
{
    vf_json_before(json);
    vf_json_escape(json->out, key);
    g_string_append(json->out, json->pretty ? ": " : ":");
    json->after_key = TRUE;
}

static void
vf_json_scalar_done(VfJson *json)
{
    json->need_comma = TRUE;
}

void
vf_json_string(VfJson *json, const char *value)
{
    if (value == NULL) {
        vf_json_null(json);
        return;
    }
    vf_json_before(json);
    /* JSON text is UTF-8: a name from sysfs or libvirt that is not is repaired, not passed */
    if (g_utf8_validate(value, -1, NULL)) {
        vf_json_escape(json->out, value);
    } else {
        g_autofree char *valid = g_utf8_make_valid(value, -1);

        vf_json_escape(json->out, valid);
    }
    vf_json_scalar_done(json);
}

void
vf_json_int(VfJson *json, gint64 value)
{
    vf_json_before(json);
    g_string_append_printf(json->out, "%" G_GINT64_FORMAT, value);
    vf_json_scalar_done(json);
}

void
vf_json_double(VfJson *json, double value)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    vf_json_before(json);
    if (isfinite(value))
        g_string_append(json->out, g_ascii_dtostr(buf, sizeof(buf), value));
    else
        g_string_append(json->out, "null");
    vf_json_scalar_done(json);
}

void
vf_json_bool(VfJson *json, gboolean value)
{
    vf_json_before(json);
    g_string_append(json->out, value ? "true" : "false");
    vf_json_scalar_done(json);
}

void
vf_json_null(VfJson *json)
{
    vf_json_before(json);
    g_string_append(json->out, "null");
    vf_json_scalar_done(json);
}

void
vf_json_member_string(VfJson *json, const char *key, const char *value)
{
    vf_json_key(json, key);
    vf_json_string(json, value);
}

void
vf_json_member_int(VfJson *json, const char *key, gint64 value)
{
    vf_json_key(json, key);
    vf_json_int(json, value);
}

void
vf_json_member_bool(VfJson *json, const char *key, gboolean value)
{
    vf_json_key(json, key);
    vf_json_bool(json, value);
}

const char *
vf_json_get_text(VfJson *json)
{
    return json->out->str;
}

char *
vf_json_steal_text(VfJson *json)
{
    char *text = g_string_free(json->out, FALSE);

    json->out = g_string_new(NULL);
    json->need_comma = FALSE; /* the next document starts afresh (JSON lines) */
    return text;
}
