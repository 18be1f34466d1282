/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-json: the reader of the helper's progress lines (vf_json_parse(), and what
 * vf_privileged_run() does with a line: the "event" member, an "end" event's verdict)
 *
 * Input: one line as the helper (or anything pkexec ran in its place) writes it.
 */
#include "vf-fuzz.h"

#include "core/vf-error.h"
#include "core/vf-json.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    vf_fuzz_init_glib();
    return 0;
}

static void
vf_fuzz_event(GVariant *event)
{
    g_autoptr(GVariant) err = NULL;
    const char *name = NULL, *code = NULL, *message = NULL;
    gboolean ok = FALSE;

    if (!g_variant_is_of_type(event, G_VARIANT_TYPE_VARDICT) ||
        !g_variant_lookup(event, "event", "&s", &name))
        return;
    if (!g_str_equal(name, "end"))
        return;
    if (g_variant_lookup(event, "ok", "b", &ok) && ok)
        return;
    err = g_variant_lookup_value(event, "error", G_VARIANT_TYPE_VARDICT);
    if (err) {
        g_variant_lookup(err, "code", "&s", &code);
        g_variant_lookup(err, "message", "&s", &message);
    }
    (void)vf_error_code_from_string(code);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GVariant) value = NULL;
    g_autofree char *text = NULL;

    /* with its length: the bytes libFuzzer gives end exactly there (ASan sees past it) */
    value = vf_json_parse((const char *)data, (gssize)size, &error);
    vf_fuzz_check((value != NULL) == (error == NULL));
    if (value) {
        g_autofree char *printed = g_variant_print(value, TRUE);

        vf_fuzz_check(printed != NULL && !g_variant_is_floating(value));
        vf_fuzz_event(value);
    }
    g_clear_error(&error);

    /* as a C string, as vf_privileged_run() passes a line */
    text = g_strndup((const char *)data, size);
    g_clear_pointer(&value, g_variant_unref);
    value = vf_json_parse(text, -1, &error);
    vf_fuzz_check((value != NULL) == (error == NULL));
    if (value)
        vf_fuzz_event(value);
    return 0;
}
