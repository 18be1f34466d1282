/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/vf-json.h"

#include "core/vf-error.h"

#include <errno.h>
#include <string.h>
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

/* ---- reader ---- */

#define VF_JSON_MAX_DEPTH 64

typedef struct {
    const char *p;
    const char *start;
    const char *end;
    GError **error;
} VfJsonReader;

static gboolean
vf_json_fail(VfJsonReader *r, const char *what)
{
    g_set_error(r->error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "Malformed JSON at offset %td: %s",
                r->p - r->start, what);
    return FALSE;
}

static void
vf_json_skip_space(VfJsonReader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static gboolean
vf_json_literal(VfJsonReader *r, const char *word)
{
    size_t len = strlen(word);

    if ((size_t)(r->end - r->p) < len || memcmp(r->p, word, len) != 0)
        return vf_json_fail(r, "unexpected character");
    r->p += len;
    return TRUE;
}

static int
vf_json_hex4(const char *p)
{
    int value = 0;

    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);

        if (d < 0)
            return -1;
        value = value * 16 + d;
    }
    return value;
}

static char *
vf_json_read_string(VfJsonReader *r)
{
    g_autoptr(GString) out = g_string_new(NULL);

    r->p++; /* the opening quote */
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;

        if (c < 0x20) {
            vf_json_fail(r, "control character in a string");
            return NULL;
        }
        if (c != '\\') {
            g_string_append_c(out, (char)c);
            r->p++;
            continue;
        }
        if (r->end - r->p < 2) {
            vf_json_fail(r, "unterminated escape");
            return NULL;
        }
        switch (r->p[1]) {
        case '"':
        case '\\':
        case '/':
            g_string_append_c(out, r->p[1]);
            break;
        case 'b':
            g_string_append_c(out, '\b');
            break;
        case 'f':
            g_string_append_c(out, '\f');
            break;
        case 'n':
            g_string_append_c(out, '\n');
            break;
        case 'r':
            g_string_append_c(out, '\r');
            break;
        case 't':
            g_string_append_c(out, '\t');
            break;
        case 'u': {
            int unit = r->end - r->p >= 6 ? vf_json_hex4(r->p + 2) : -1;
            gunichar ch = (gunichar)unit;

            if (unit < 0) {
                vf_json_fail(r, "bad \\u escape");
                return NULL;
            }
            if (unit >= 0xd800 && unit < 0xdc00) {
                int low = r->end - r->p >= 12 && r->p[6] == '\\' && r->p[7] == 'u'
                              ? vf_json_hex4(r->p + 8)
                              : -1;

                if (low < 0xdc00 || low > 0xdfff) {
                    vf_json_fail(r, "unpaired surrogate");
                    return NULL;
                }
                ch = 0x10000 + (((gunichar)unit - 0xd800) << 10) + ((gunichar)low - 0xdc00);
                r->p += 6;
            } else if (unit >= 0xdc00 && unit <= 0xdfff) {
                vf_json_fail(r, "unpaired surrogate");
                return NULL;
            }
            if (ch == 0) {
                vf_json_fail(r, "NUL in a string");
                return NULL;
            }
            g_string_append_unichar(out, ch);
            r->p += 4;
            break;
        }
        default:
            vf_json_fail(r, "unknown escape");
            return NULL;
        }
        r->p += 2;
    }
    if (r->p >= r->end) {
        vf_json_fail(r, "unterminated string");
        return NULL;
    }
    r->p++;
    if (!g_utf8_validate_len(out->str, out->len, NULL)) {
        vf_json_fail(r, "a string is not UTF-8");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static GVariant *
vf_json_read_number(VfJsonReader *r)
{
    const char *s = r->p;
    gboolean integer = TRUE;
    g_autofree char *text = NULL;
    char *tail = NULL;

    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
        vf_json_fail(r, "bad number");
        return NULL;
    }
    if (*r->p == '0')
        r->p++;
    else
        while (r->p < r->end && g_ascii_isdigit(*r->p))
            r->p++;
    if (r->p < r->end && *r->p == '.') {
        integer = FALSE;
        r->p++;
        if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
            vf_json_fail(r, "bad number");
            return NULL;
        }
        while (r->p < r->end && g_ascii_isdigit(*r->p))
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        integer = FALSE;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
            vf_json_fail(r, "bad number");
            return NULL;
        }
        while (r->p < r->end && g_ascii_isdigit(*r->p))
            r->p++;
    }
    text = g_strndup(s, r->p - s);
    if (integer) {
        gint64 value;

        errno = 0;
        value = g_ascii_strtoll(text, &tail, 10);
        if (errno == 0 && *tail == '\0')
            return g_variant_new_int64(value);
    }
    return g_variant_new_double(g_ascii_strtod(text, NULL));
}

static GVariant *vf_json_read_value(VfJsonReader *r, int depth);

static GVariant *
vf_json_read_container(VfJsonReader *r, int depth)
{
    gboolean object = *r->p == '{';
    char close = object ? '}' : ']';
    g_auto(GVariantBuilder) builder =
        G_VARIANT_BUILDER_INIT(object ? G_VARIANT_TYPE_VARDICT : G_VARIANT_TYPE("av"));

    if (depth >= VF_JSON_MAX_DEPTH) {
        vf_json_fail(r, "nested too deeply");
        return NULL;
    }
    r->p++;
    vf_json_skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return g_variant_builder_end(&builder);
    }
    for (;;) {
        g_autofree char *key = NULL;
        GVariant *value;

        vf_json_skip_space(r);
        if (object) {
            if (r->p >= r->end || *r->p != '"') {
                vf_json_fail(r, "expected a member name");
                return NULL;
            }
            if ((key = vf_json_read_string(r)) == NULL)
                return NULL;
            vf_json_skip_space(r);
            if (r->p >= r->end || *r->p != ':') {
                vf_json_fail(r, "expected ':'");
                return NULL;
            }
            r->p++;
        }
        if ((value = vf_json_read_value(r, depth + 1)) == NULL)
            return NULL;
        if (object)
            g_variant_builder_add(&builder, "{sv}", key, value);
        else
            g_variant_builder_add(&builder, "v", value);
        vf_json_skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            return g_variant_builder_end(&builder);
        }
        vf_json_fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return NULL;
    }
}

static GVariant *
vf_json_read_value(VfJsonReader *r, int depth)
{
    vf_json_skip_space(r);
    if (r->p >= r->end) {
        vf_json_fail(r, "unexpected end");
        return NULL;
    }
    switch (*r->p) {
    case '{':
    case '[':
        return vf_json_read_container(r, depth);
    case '"': {
        char *s = vf_json_read_string(r);

        return s ? g_variant_new_take_string(s) : NULL;
    }
    case 't':
        return vf_json_literal(r, "true") ? g_variant_new_boolean(TRUE) : NULL;
    case 'f':
        return vf_json_literal(r, "false") ? g_variant_new_boolean(FALSE) : NULL;
    case 'n':
        return vf_json_literal(r, "null") ? g_variant_new_maybe(G_VARIANT_TYPE_VARIANT, NULL)
                                          : NULL;
    default:
        return vf_json_read_number(r);
    }
}

GVariant *
vf_json_parse(const char *text, gssize length, GError **error)
{
    VfJsonReader r = {.p = text, .start = text, .error = error};
    g_autoptr(GVariant) value = NULL;

    r.end = text + (length < 0 ? (gssize)strlen(text) : length);
    if ((value = vf_json_read_value(&r, 0)) == NULL)
        return NULL;
    g_variant_ref_sink(value);
    vf_json_skip_space(&r);
    if (r.p != r.end) {
        vf_json_fail(&r, "text after the value");
        return NULL;
    }
    return g_steal_pointer(&value);
}
