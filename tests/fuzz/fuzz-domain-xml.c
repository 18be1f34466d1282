/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz-domain-xml: the domain XML rewrite (Activate, Deactivate, the record reader and
 * doctor's inspection) on any domain XML, with and without VirtFlow's record
 *
 * Input: a domain XML; optionally preceded by one line "#GPU[=DRIVER] [ADDRESS[=DRIVER]]..."
 * naming the devices to pass through (the first is the GPU), otherwise the GPU
 * 0000:01:00.0 (nvidia) with its audio 0000:01:00.1 (snd_hda_intel); and optionally by a
 * line "!WORD..." giving the profile of vf_domain_xml_activate_profile(): "lg" (Looking
 * Glass) or "monitor", "res=WxH", "toggle=NAME", "virtio", "kbd=PATH", "mouse=PATH",
 * "usb=ADDRESS"; without it the input's length picks none (vf_domain_xml_activate()),
 * monitor with evdev and virtio input, or Looking Glass at 1920x1080.
 *
 * Invariants: a domain Activate wrote is one VirtFlow reads back (its record, its
 * profile, doctor's summary), Deactivates, and Activates again for the same devices and
 * profile unchanged.
 */
#include "vf-fuzz.h"

#include "domain/vf-domain-xml.h"

#define VF_FUZZ_MAX_DEVICES 64

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    vf_fuzz_init_glib();
    return 0;
}

/* The devices of the "#..." line: the GPU first. */
static GPtrArray *
vf_fuzz_devices(const char *line)
{
    GPtrArray *devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
    g_auto(GStrv) words = g_strsplit(line, " ", VF_FUZZ_MAX_DEVICES);

    for (guint i = 0; words[i]; i++) {
        char *eq = strchr(words[i], '=');

        if (eq)
            *eq = '\0';
        g_ptr_array_add(devices, vf_passthrough_device_new(words[i], eq && eq[1] ? eq + 1 : NULL));
    }
    return devices;
}

/* The profile of a "!..." line; its words parsed the way the CLI parses them. */
static VfProfile *
vf_fuzz_profile(const char *line)
{
    g_autoptr(VfProfile) profile = vf_profile_new();
    g_auto(GStrv) words = g_strsplit(line, " ", 16);

    for (guint i = 0; words[i]; i++) {
        const char *w = words[i];

        if (g_str_equal(w, "lg"))
            profile->view = VF_VIEW_LOOKING_GLASS;
        else if (g_str_equal(w, "virtio"))
            profile->virtio_input = TRUE;
        else if (g_str_has_prefix(w, "view="))
            vf_view_from_string(w + 5, &profile->view, NULL);
        else if (g_str_has_prefix(w, "res="))
            vf_profile_parse_resolution(w + 4, &profile->lg_width, &profile->lg_height, NULL);
        else if (g_str_has_prefix(w, "toggle="))
            vf_grab_toggle_from_string(w + 7, &profile->grab_toggle, NULL);
        else if (g_str_has_prefix(w, "kbd="))
            g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_KEYBOARD, w + 4));
        else if (g_str_has_prefix(w, "mouse="))
            g_ptr_array_add(profile->evdev, vf_evdev_input_new(VF_INPUT_KIND_MOUSE, w + 6));
        else if (g_str_has_prefix(w, "usb=")) {
            g_free(profile->usb_controller);
            profile->usb_controller = g_strdup(w + 4);
        }
    }
    return g_steal_pointer(&profile);
}

/* The profile the input's length picks when it has no "!" line (NULL: none). */
static VfProfile *
vf_fuzz_profile_by_size(size_t size)
{
    switch (size % 3) {
    case 1:
        return vf_fuzz_profile("monitor virtio toggle=alt-alt "
                               "kbd=/dev/input/by-id/usb-Logitech_K120-event-kbd "
                               "mouse=/dev/input/by-id/usb-Logitech_G203-event-mouse");
    case 2:
        return vf_fuzz_profile("lg res=1920x1080 virtio");
    default:
        return NULL;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) devices = NULL;
    g_autoptr(VfProfile) profile = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *activated = NULL;
    g_autoptr(GError) error = NULL;
    VfPassthroughDevice **devs;
    const char *gpu;

    if (size > 0 && data[0] == '#') {
        g_autofree char *line = vf_fuzz_take_line(&data, &size);

        if (line == NULL)
            return 0;
        devices = vf_fuzz_devices(line + 1);
    } else {
        devices = g_ptr_array_new_with_free_func((GDestroyNotify)vf_passthrough_device_free);
        g_ptr_array_add(devices, vf_passthrough_device_new("0000:01:00.0", "nvidia"));
        g_ptr_array_add(devices, vf_passthrough_device_new("0000:01:00.1", "snd_hda_intel"));
    }
    if (size > 0 && data[0] == '!') {
        g_autofree char *line = vf_fuzz_take_line(&data, &size);

        if (line == NULL)
            return 0;
        profile = vf_fuzz_profile(line + 1);
    } else {
        profile = vf_fuzz_profile_by_size(size);
    }
    xml = g_strndup((const char *)data, size);

    /* the API takes an array of structs */
    g_autofree VfPassthroughDevice *array = g_new0(VfPassthroughDevice, MAX(devices->len, 1));
    devs = (VfPassthroughDevice **)devices->pdata;
    for (guint i = 0; i < devices->len; i++)
        array[i] = *devs[i];
    gpu = devices->len ? array[0].address : "";

    activated = vf_domain_xml_activate_profile(xml, gpu, array, devices->len, profile, &error);
    vf_fuzz_check((activated != NULL) == (error == NULL));
    if (activated) {
        g_autofree char *record_gpu = NULL;
        g_autoptr(GPtrArray) record_devices = NULL;
        g_autoptr(GError) local = NULL;
        g_autofree char *back = NULL;
        g_autofree char *again = NULL;
        g_autoptr(VfDomainXmlSummary) summary = NULL;
        g_autoptr(VfProfile) recorded = NULL;

        vf_fuzz_check(vf_domain_xml_get_profile(activated, &recorded, &local));
        vf_fuzz_check(recorded->view == (profile ? profile->view : VF_VIEW_MONITOR));
        vf_fuzz_check(
            vf_domain_xml_get_passthrough(activated, &record_gpu, &record_devices, &local));
        vf_fuzz_check(record_gpu != NULL && record_devices->len == devices->len);
        back = vf_domain_xml_deactivate(activated, &local);
        if (back == NULL)
            fprintf(stderr, "deactivate of activated XML: %s\n", local->message);
        vf_fuzz_check(back != NULL);
        again =
            vf_domain_xml_activate_profile(activated, gpu, array, devices->len, profile, &local);
        if (again == NULL)
            fprintf(stderr, "activate of activated XML: %s\n", local->message);
        vf_fuzz_check(again != NULL);
        vf_fuzz_check(g_str_equal(again, activated));
        summary = vf_domain_xml_inspect(activated, &local);
        vf_fuzz_check(summary != NULL && summary->gpu != NULL);
    }

    /* the input's own record, if any: what Deactivate, the hook and doctor read */
    {
        g_autoptr(GError) local = NULL;
        g_autofree char *back = vf_domain_xml_deactivate(xml, &local);
        g_autofree char *record_gpu = NULL;
        g_autoptr(GPtrArray) record_devices = NULL;
        g_autoptr(VfDomainXmlSummary) summary = NULL;
        gboolean has;

        g_autoptr(VfProfile) recorded = NULL;

        vf_fuzz_check((back != NULL) == (local == NULL));
        g_clear_error(&local);
        has = vf_domain_xml_get_profile(xml, &recorded, &local);
        vf_fuzz_check(!has || recorded != NULL);
        g_clear_error(&local);
        has = vf_domain_xml_get_passthrough(xml, &record_gpu, &record_devices, &local);
        vf_fuzz_check(!has || (record_gpu != NULL && record_devices != NULL));
        vf_fuzz_check(has || (record_gpu == NULL && record_devices == NULL));
        g_clear_error(&local);
        summary = vf_domain_xml_inspect(xml, &local);
        vf_fuzz_check((summary != NULL) == (local == NULL));
    }
    return 0;
}
