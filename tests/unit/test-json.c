/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON writer and reader: what one writes the other reads back, and the reader
 * refuses what is not JSON (it reads the privileged helper's progress lines).
 */
#include "core/vf-error.h"
#include "core/vf-json.h"

static void
test_json_round_trip(void)
{
    g_autoptr(VfJson) json = vf_json_new(FALSE);
    g_autoptr(GVariant) v = NULL;
    g_autoptr(GVariant) devices = NULL;
    g_autoptr(GVariant) error = NULL;
    g_autoptr(GVariant) gpu = NULL;
    g_autoptr(GError) local = NULL;
    const char *s = NULL;
    gint64 n = 0;
    gboolean ok = TRUE;
    double d = 0;

    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "write");
    vf_json_member_string(json, "value", "tab\there \"quoted\" \\ é ☃ \x01");
    vf_json_member_int(json, "index", -42);
    vf_json_key(json, "fraction");
    vf_json_double(json, 0.25);
    vf_json_member_bool(json, "ok", FALSE);
    vf_json_key(json, "devices");
    vf_json_begin_array(json);
    vf_json_string(json, "0000:01:00.0");
    vf_json_string(json, "0000:01:00.1");
    vf_json_end_array(json);
    vf_json_key(json, "error");
    vf_json_begin_object(json);
    vf_json_member_string(json, "code", "in-use");
    vf_json_end_object(json);
    vf_json_key(json, "gpu");
    vf_json_null(json);
    vf_json_end_object(json);

    v = vf_json_parse(vf_json_get_text(json), -1, &local);
    g_assert_no_error(local);
    g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT));
    g_assert_true(g_variant_lookup(v, "event", "&s", &s));
    g_assert_cmpstr(s, ==, "write");
    g_assert_true(g_variant_lookup(v, "value", "&s", &s));
    g_assert_cmpstr(s, ==, "tab\there \"quoted\" \\ é ☃ \x01");
    g_assert_true(g_variant_lookup(v, "index", "x", &n));
    g_assert_cmpint(n, ==, -42);
    g_assert_true(g_variant_lookup(v, "fraction", "d", &d));
    g_assert_cmpfloat(d, ==, 0.25);
    g_assert_true(g_variant_lookup(v, "ok", "b", &ok));
    g_assert_false(ok);
    devices = g_variant_lookup_value(v, "devices", G_VARIANT_TYPE("av"));
    g_assert_nonnull(devices);
    g_assert_cmpuint(g_variant_n_children(devices), ==, 2);
    error = g_variant_lookup_value(v, "error", G_VARIANT_TYPE_VARDICT);
    g_assert_true(g_variant_lookup(error, "code", "&s", &s));
    g_assert_cmpstr(s, ==, "in-use");
    gpu = g_variant_lookup_value(v, "gpu", G_VARIANT_TYPE("mv"));
    g_assert_nonnull(gpu);
    g_assert_null(g_variant_get_maybe(gpu));
}

static void
test_json_escapes(void)
{
    g_autoptr(GVariant) v =
        vf_json_parse(" [\"\\u00e9\\ud83d\\ude00\\/\", 1e3, -0, 12345678901234] ", -1, NULL);
    g_autoptr(GVariant) first = NULL;
    g_autoptr(GVariant) second = NULL;
    g_autoptr(GVariant) fourth = NULL;

    g_assert_nonnull(v);
    g_variant_get_child(v, 0, "v", &first);
    g_assert_cmpstr(g_variant_get_string(first, NULL), ==, "é😀/");
    g_variant_get_child(v, 1, "v", &second);
    g_assert_cmpfloat(g_variant_get_double(second), ==, 1000.0);
    g_variant_get_child(v, 3, "v", &fourth);
    g_assert_cmpint(g_variant_get_int64(fourth), ==, G_GINT64_CONSTANT(12345678901234));
}

static void
test_json_refuses(void)
{
    static const char *const bad[] = {
        "",    "{",     "{\"a\"}",    "{\"a\":1,}",  "[1,]",     "[1 2]", "tru",
        "nul", "\"abc", "\"a\\x\"",   "\"\\ud800\"", "\"\x01\"", "01",    "1.",
        "-",   "{} {}", "{\"a\":1}x", "\"\\u0000\"", "\"\xff\"", "{1:2}",
    };
    g_autoptr(GString) deep = g_string_new(NULL);

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GVariant) v = vf_json_parse(bad[i], -1, &error);

        if (v != NULL)
            g_error("accepted %s", bad[i]);
        g_assert_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT);
        g_assert_nonnull(strstr(error->message, "Malformed JSON at offset"));
    }
    for (int i = 0; i < 100; i++)
        g_string_append_c(deep, '[');
    for (int i = 0; i < 100; i++)
        g_string_append_c(deep, ']');
    g_assert_null(vf_json_parse(deep->str, -1, NULL));
    /* a length that stops short of the text */
    g_assert_null(vf_json_parse("[1, 2]", 4, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/round-trip", test_json_round_trip);
    g_test_add_func("/json/escapes", test_json_escapes);
    g_test_add_func("/json/refuses", test_json_refuses);
    return g_test_run();
}
