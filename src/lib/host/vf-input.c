/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's keyboards and mice (see vf-input.h and docs/DESIGN.md, "Host input devices").
 *
 * Which one had input most recently is not something Linux records: evdev hands each event
 * with its timestamp to the clients that have the node open (drivers/input/evdev.c,
 * evdev_events()) and keeps nothing afterwards; it updates no inode time of the node, and no
 * sysfs attribute, /proc file or EVIOCG* ioctl tells when a device last produced an event
 * (EVIOCGKEY and friends give the current state, not its age). The only way to know is to
 * read the devices while the user types, which takes root (or the input group) and a
 * wait: not something a listing does. So last_input_us stays 0 (unknown) here, and the
 * candidates are ranked by what sysfs does say: a real keyboard has the letter keys, a
 * real mouse moves on X and Y and has a left button, and the device's main function is its
 * first USB interface (a gaming mouse's macro keys are a keyboard on interface 1).
 */
#include "host/vf-input.h"

#include "host/vf-input-private.h"
#include "host/vf-pci.h"
#include "core/vf-error.h"
#include "core/vf-util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define VF_INPUT_DIR       "/dev/input/"
#define VF_INPUT_BY_ID     "/dev/input/by-id/"
#define VF_INPUT_SUFFIX_KB "-event-kbd"
#define VF_INPUT_SUFFIX_MS "-event-mouse"
#define VF_INPUT_MAJOR     13 /* include/uapi/linux/major.h INPUT_MAJOR */
#define VF_EVDEV_MINOR     64 /* drivers/input/evdev.c EVDEV_MINOR_BASE */
#define VF_EVDEV_MINORS    32
#define VF_INPUT_DYNAMIC   256 /* drivers/input/input.c INPUT_FIRST_DYNAMIC_DEV */
#define VF_INPUT_MAX_LINKS 8

#define VF_INPUT_REPLUG_FIX                                                                        \
    "Plug it in, or run 'virtflow activate VM --input …' again (see 'virtflow host --input')."

/* include/uapi/linux/input-event-codes.h */
enum {
    VF_KEY_Q = 16,
    VF_KEY_P = 25,
    VF_KEY_A = 30,
    VF_KEY_L = 38,
    VF_KEY_Z = 44,
    VF_KEY_M = 50,
    VF_BTN_LEFT = 0x110,
    VF_REL_X = 0,
    VF_REL_Y = 1,
    VF_EV_LED = 0x11,
};

void
vf_input_device_free(VfInputDevice *device)
{
    if (device == NULL)
        return;
    g_free(device->by_id);
    g_free(device->event);
    g_free(device->name);
    g_free(device->pci_address);
    g_free(device);
}

/* ---- bitmaps and device numbers ---- */

gboolean
vf_input_bitmap_test(const char *bitmap, guint bit)
{
    g_auto(GStrv) words = NULL;
    guint n, index;
    guint64 word;

    if (bitmap == NULL)
        return FALSE;
    words = g_strsplit_set(bitmap, " \n", -1);
    /* drop empty pieces (a trailing newline, double spaces) */
    n = 0;
    for (guint i = 0; words[i]; i++)
        if (*words[i])
            words[n++] = words[i];
        else
            g_free(words[i]);
    words[n] = NULL;
    index = bit / 64;
    if (index >= n)
        return FALSE;
    if (!vf_host_parse_uint(words[n - 1 - index], 16, &word))
        return FALSE;
    return (word >> (bit % 64)) & 1;
}

gboolean
vf_input_devnum_is_evdev(guint major, guint minor, const char *sys_name)
{
    if (major != VF_INPUT_MAJOR)
        return FALSE;
    if (sys_name)
        return g_str_has_prefix(sys_name, "event");
    return (minor >= VF_EVDEV_MINOR && minor < VF_EVDEV_MINOR + VF_EVDEV_MINORS) ||
           minor >= VF_INPUT_DYNAMIC;
}

/* ---- paths under the host root ---- */

/* An absolute path without ".", ".." or empty components. */
static gboolean
vf_input_path_is_clean(const char *path)
{
    g_auto(GStrv) parts = NULL;

    if (path == NULL || path[0] != '/' || g_str_has_suffix(path, "/"))
        return FALSE;
    parts = g_strsplit(path + 1, "/", -1);
    for (guint i = 0; parts[i]; i++)
        if (*parts[i] == '\0' || g_str_equal(parts[i], ".") || g_str_equal(parts[i], ".."))
            return FALSE;
    return TRUE;
}

/* Where a symlink in @dir with @target points, as the kernel would resolve it (the last
 * component not followed): "/dev/input/by-id" + "../event3" → "/dev/input/event3". */
static char *
vf_input_resolve(const char *dir, const char *target)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *joined =
        target[0] == '/' ? g_strdup(target) : g_strconcat(dir, "/", target, NULL);
    g_auto(GStrv) parts = g_strsplit(joined, "/", -1);
    GString *path = g_string_new(NULL);

    for (guint i = 0; parts[i]; i++) {
        if (*parts[i] == '\0' || g_str_equal(parts[i], "."))
            continue;
        if (g_str_equal(parts[i], "..")) {
            if (out->len > 0)
                g_ptr_array_remove_index(out, out->len - 1);
            continue;
        }
        g_ptr_array_add(out, g_strdup(parts[i]));
    }
    for (guint i = 0; i < out->len; i++)
        g_string_append_printf(path, "/%s", (const char *)out->pdata[i]);
    if (path->len == 0)
        g_string_append_c(path, '/');
    return g_string_free(path, FALSE);
}

/* lstat(2) of @path under the host root: 0 or an errno. */
static int
vf_input_lstat(VfHost *host, const char *path, struct stat *st)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    vf_autofd int fd = vf_host_open_dir(host, dir);

    if (fd < 0)
        return errno;
    if (fstatat(fd, base, st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno;
    return 0;
}

/* What a node is, for messages. */
static char *
vf_input_describe_node(const struct stat *st)
{
    if (S_ISCHR(st->st_mode))
        return g_strdup_printf("character device %u:%u", major(st->st_rdev), minor(st->st_rdev));
    if (S_ISBLK(st->st_mode))
        return g_strdup_printf("block device %u:%u", major(st->st_rdev), minor(st->st_rdev));
    if (S_ISDIR(st->st_mode))
        return g_strdup("a directory");
    if (S_ISFIFO(st->st_mode))
        return g_strdup("a FIFO");
    if (S_ISSOCK(st->st_mode))
        return g_strdup("a socket");
    return g_strdup("a regular file");
}

/*
 * The sysfs name ("event3") of the evdev device behind @node, or NULL with @ret_what saying
 * what the node is instead. A character device is what its st_rdev says, looked up in
 * /sys/dev/char/MAJ:MIN (what libudev does). A model tree cannot hold character devices
 * (only root may mknod), so there a regular file stands for the node and sysfs's
 * /sys/class/input/NAME/dev ("13:67") says what it is; on the live host a regular file is
 * never a device.
 */
static char *
vf_input_node_evdev(VfHost *host, const char *node, const struct stat *st, char **ret_what)
{
    g_autofree char *base = g_path_get_basename(node);
    g_autofree char *sys_name = NULL;
    guint maj, min;

    if (S_ISCHR(st->st_mode)) {
        g_autofree char *link =
            g_strdup_printf("/sys/dev/char/%u:%u", major(st->st_rdev), minor(st->st_rdev));

        maj = major(st->st_rdev);
        min = minor(st->st_rdev);
        sys_name = vf_host_readlink_name(host, link);
    } else if (S_ISREG(st->st_mode) && !vf_host_is_live(host)) {
        g_autofree char *dev_path = g_strconcat("/sys/class/input/", base, "/dev", NULL);
        g_autofree char *dev = vf_host_read_opt(host, dev_path);

        if (dev == NULL || sscanf(dev, "%u:%u", &maj, &min) != 2) {
            *ret_what = g_strdup("a regular file, not a device");
            return NULL;
        }
        sys_name = g_strdup(base);
    } else {
        *ret_what = vf_input_describe_node(st);
        return NULL;
    }
    if (!vf_input_devnum_is_evdev(maj, min, sys_name)) {
        *ret_what = maj == VF_INPUT_MAJOR
                        ? g_strdup_printf("input device %u:%u (%s), not an event device", maj, min,
                                          sys_name ? sys_name : "unknown")
                        : g_strdup_printf("character device %u:%u, not an input device", maj, min);
        return NULL;
    }
    return g_steal_pointer(&sys_name);
}

/* "0000:00:14.0" exactly (the form sysfs writes in device paths). */
static gboolean
vf_input_is_pci_address(const char *component)
{
    g_autofree char *canon = vf_pci_address_normalize(component, NULL);

    return canon && g_str_equal(canon, component);
}

/* A USB interface's sysfs name, "1-2:1.0" or "3-1.4:1.2" (BUS-PORT[.PORT]:CONFIG.IFACE):
 * its interface number, or -1. */
static gint
vf_input_usb_interface(const char *component)
{
    const char *colon = strchr(component, ':');
    const char *dot;
    guint64 iface;

    if (colon == NULL || strchr(colon + 1, ':') || strchr(component, '-') == NULL ||
        strchr(component, '-') > colon)
        return -1;
    for (const char *p = component; p < colon; p++)
        if (!g_ascii_isdigit(*p) && *p != '-' && *p != '.')
            return -1;
    dot = strchr(colon + 1, '.');
    if (dot == NULL || dot == colon + 1)
        return -1;
    for (const char *p = colon + 1; p < dot; p++)
        if (!g_ascii_isdigit(*p))
            return -1;
    if (!g_ascii_string_to_unsigned(dot + 1, 10, 0, 255, &iface, NULL))
        return -1;
    return (gint)iface;
}

/* ---- one device ---- */

typedef struct {
    VfInputDevice *device;
    gboolean real;  /* letter keys (a keyboard), or X/Y motion and a left button (a mouse) */
    gboolean leds;  /* a keyboard with lock LEDs */
    gint usb_iface; /* its USB interface number, -1 when not on USB */
    guint score;    /* the ranking when recency is unknown (see the file's comment) */
} VfInputCandidate;

static void
vf_input_candidate_free(VfInputCandidate *c)
{
    if (c == NULL)
        return;
    vf_input_device_free(c->device);
    g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfInputCandidate, vf_input_candidate_free)

static gboolean
vf_input_caps_real(const char *key, const char *rel, VfInputKind kind)
{
    static const guint letters[][2] = {
        {VF_KEY_Q, VF_KEY_P}, {VF_KEY_A, VF_KEY_L}, {VF_KEY_Z, VF_KEY_M}};

    if (kind == VF_INPUT_KIND_MOUSE)
        return vf_input_bitmap_test(rel, VF_REL_X) && vf_input_bitmap_test(rel, VF_REL_Y) &&
               vf_input_bitmap_test(key, VF_BTN_LEFT);
    for (guint r = 0; r < G_N_ELEMENTS(letters); r++)
        for (guint k = letters[r][0]; k <= letters[r][1]; k++)
            if (!vf_input_bitmap_test(key, k))
                return FALSE;
    return TRUE;
}

/* What sysfs says of evdev device @sys_name, reached through @by_id. */
static VfInputCandidate *
vf_input_candidate_new(VfHost *host, const char *by_id, const char *node, const char *sys_name,
                       VfInputKind kind)
{
    g_autoptr(VfInputCandidate) c = g_new0(VfInputCandidate, 1);
    g_autofree char *class_link = g_strconcat("/sys/class/input/", sys_name, NULL);
    g_autofree char *target = vf_host_readlink(host, class_link);
    g_autofree char *caps = g_strconcat(class_link, "/device/capabilities/", NULL);
    g_autofree char *name_path = g_strconcat(class_link, "/device/name", NULL);
    g_autofree char *key_path = g_strconcat(caps, "key", NULL);
    g_autofree char *rel_path = g_strconcat(caps, "rel", NULL);
    g_autofree char *ev_path = g_strconcat(caps, "ev", NULL);
    g_autofree char *key = vf_host_read_opt(host, key_path);
    g_autofree char *rel = vf_host_read_opt(host, rel_path);
    g_autofree char *ev = vf_host_read_opt(host, ev_path);
    g_auto(GStrv) parts = target ? g_strsplit(target, "/", -1) : NULL;
    guint n = parts ? g_strv_length(parts) : 0;

    c->device = g_new0(VfInputDevice, 1);
    c->device->by_id = g_strdup(by_id);
    c->device->event = g_strdup(node);
    c->device->kind = kind;
    c->device->name = vf_host_read_opt(host, name_path);
    if (c->device->name == NULL)
        c->device->name = g_strdup(sys_name);
    c->usb_iface = -1;
    /* ../../devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/0003:046D:C52B.0003/input/
     * input5/event5: the nearest PCI function up the path is the USB controller (or
     * whatever else the device hangs off); the nearest USB interface its interface */
    for (guint i = n; i-- > 0;) {
        if (c->usb_iface < 0 && c->device->pci_address == NULL)
            c->usb_iface = vf_input_usb_interface(parts[i]);
        if (vf_input_is_pci_address(parts[i])) {
            c->device->pci_address = g_strdup(parts[i]);
            break;
        }
    }
    c->real = vf_input_caps_real(key, rel, kind);
    c->leds = kind == VF_INPUT_KIND_KEYBOARD && vf_input_bitmap_test(ev, VF_EV_LED);
    /* the letter keys (or motion) first, then the USB device's first interface (its main
     * function; a virtual device counts as one), then lock LEDs */
    c->score = (c->real ? 4 : 0) + (c->usb_iface <= 0 ? 2 : 0) + (c->leds ? 1 : 0);
    return g_steal_pointer(&c);
}

/* Follows @path (a link, or links, under /dev/input) to its node. Returns the node's path
 * and its stat, or NULL with VF_ERROR_NOT_FOUND (a link to nothing) or INVALID_ARGUMENT (a
 * link out of /dev/input). */
static char *
vf_input_follow(VfHost *host, const char *path, struct stat *ret_st, GError **error)
{
    g_autofree char *cur = g_strdup(path);
    struct stat st;
    int errsv;

    if ((errsv = vf_input_lstat(host, cur, &st)) != 0) {
        if (errsv == ENOENT || errsv == ENOTDIR)
            g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                        "Input device '%s' does not exist: it is unplugged, or its name changed. "
                        "%s",
                        path, VF_INPUT_REPLUG_FIX);
        else
            vf_error_set_errno(error, errsv, "Cannot look at input device '%s'", path);
        return NULL;
    }
    for (guint hops = 0; S_ISLNK(st.st_mode); hops++) {
        g_autofree char *dir = g_path_get_dirname(cur);
        g_autofree char *target = vf_host_readlink(host, cur);
        g_autofree char *next = NULL;

        if (target == NULL || hops >= VF_INPUT_MAX_LINKS) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is not an evdev device: its links cannot be followed", path);
            return NULL;
        }
        next = vf_input_resolve(dir, target);
        if (!g_str_has_prefix(next, VF_INPUT_DIR)) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is not an evdev device: it points to %s, outside /dev/input. Use a "
                        "keyboard or mouse from 'virtflow host --input'.",
                        path, next);
            return NULL;
        }
        if ((errsv = vf_input_lstat(host, next, &st)) != 0) {
            if (errsv == ENOENT || errsv == ENOTDIR)
                g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                            "Input device '%s' points to %s, which does not exist: the device is "
                            "unplugged. %s",
                            path, next, VF_INPUT_REPLUG_FIX);
            else
                vf_error_set_errno(error, errsv, "Cannot look at input device '%s' (%s)", path,
                                   next);
            return NULL;
        }
        g_free(cur);
        cur = g_steal_pointer(&next);
    }
    *ret_st = st;
    return g_steal_pointer(&cur);
}

/* The kind a by-id link's name gives, or FALSE. */
static gboolean
vf_input_kind_from_link(const char *link, VfInputKind *ret_kind)
{
    if (g_str_has_suffix(link, VF_INPUT_SUFFIX_KB)) {
        *ret_kind = VF_INPUT_KIND_KEYBOARD;
        return TRUE;
    }
    if (g_str_has_suffix(link, VF_INPUT_SUFFIX_MS)) {
        *ret_kind = VF_INPUT_KIND_MOUSE;
        return TRUE;
    }
    return FALSE;
}

/* most recent input first; then the score; then the link's name, for a stable order */
static int
vf_input_candidate_cmp(gconstpointer a, gconstpointer b)
{
    const VfInputCandidate *ca = *(VfInputCandidate *const *)a;
    const VfInputCandidate *cb = *(VfInputCandidate *const *)b;

    if (ca->device->last_input_us != cb->device->last_input_us)
        return ca->device->last_input_us > cb->device->last_input_us ? -1 : 1;
    if (ca->score != cb->score)
        return ca->score > cb->score ? -1 : 1;
    return strcmp(ca->device->by_id, cb->device->by_id);
}

/* Every keyboard and mouse with a by-id link, as candidates, best first. */
static GPtrArray *
vf_input_scan(VfHost *host, GError **error)
{
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)vf_input_candidate_free);
    g_autoptr(GPtrArray) links = NULL;
    vf_autofd int fd = vf_host_open_dir(host, VF_INPUT_DIR);

    if (fd < 0) {
        /* no /dev/input at all (a machine without input devices, a model tree without
         * them): nothing to offer; anything else is an error */
        if (errno == ENOENT)
            return g_steal_pointer(&out);
        vf_error_set_errno(error, errno, "Cannot read the input devices in '%s'", VF_INPUT_DIR);
        return NULL;
    }
    links = vf_host_list_dir(host, VF_INPUT_BY_ID);
    for (guint i = 0; links && i < links->len; i++) {
        const char *name = links->pdata[i];
        g_autofree char *by_id = g_strconcat(VF_INPUT_BY_ID, name, NULL);
        g_autofree char *node = NULL;
        g_autofree char *sys_name = NULL;
        g_autofree char *what = NULL;
        struct stat st;
        VfInputKind kind;

        if (!vf_input_kind_from_link(name, &kind))
            continue;
        /* a link to nothing (unplugged) or to something that is not evdev: not offered */
        node = vf_input_follow(host, by_id, &st, NULL);
        if (node == NULL || (sys_name = vf_input_node_evdev(host, node, &st, &what)) == NULL)
            continue;
        g_ptr_array_add(out, vf_input_candidate_new(host, by_id, node, sys_name, kind));
    }
    g_ptr_array_sort(out, vf_input_candidate_cmp);
    return g_steal_pointer(&out);
}

GPtrArray *
vf_input_list(VfHost *host, GError **error)
{
    g_autoptr(GPtrArray) candidates = vf_input_scan(host, error);
    GPtrArray *out;

    if (candidates == NULL)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vf_input_device_free);
    for (guint i = 0; i < candidates->len; i++) {
        VfInputCandidate *c = candidates->pdata[i];

        g_ptr_array_add(out, g_steal_pointer(&c->device));
    }
    return out;
}

/* "/dev/input/by-id/X (Name)" */
static void
vf_input_append_device(GString *out, const VfInputDevice *dev)
{
    g_string_append_printf(out, "%s (%s)", dev->by_id, dev->name);
}

/* Picks the best candidate of @kind (the first real one: they are sorted) and says why
 * when there was a choice, or why there is none. */
static void
vf_input_pick_kind(GPtrArray *candidates, VfInputKind kind, GPtrArray *picked, GString *note)
{
    const char *what = vf_input_kind_to_string(kind);
    const char *plural = kind == VF_INPUT_KIND_KEYBOARD ? "keyboards" : "mice";
    g_autoptr(GPtrArray) others = g_ptr_array_new();
    VfInputCandidate *best = NULL;

    for (guint i = 0; i < candidates->len; i++) {
        VfInputCandidate *c = candidates->pdata[i];

        if (c->device->kind != kind)
            continue;
        if (best == NULL && c->real)
            best = c;
        else
            g_ptr_array_add(others, c);
    }
    if (best && others->len == 0) {
        g_ptr_array_add(picked, vf_evdev_input_new(kind, best->device->by_id));
        return;
    }
    if (note->len)
        g_string_append_c(note, '\n');
    if (best == NULL && others->len == 0) {
        g_string_append_printf(note,
                               "No %s has a /dev/input/by-id link: the VM gets no %s from the "
                               "host.",
                               what, what);
        return;
    }
    if (best == NULL) {
        g_string_append_printf(note,
                               "None of the %s with a /dev/input/by-id link %s: the VM "
                               "gets no %s from the host",
                               plural,
                               kind == VF_INPUT_KIND_KEYBOARD ? "has letter keys"
                                                              : "moves a pointer with a button",
                               what);
    } else {
        g_ptr_array_add(picked, vf_evdev_input_new(kind, best->device->by_id));
        g_string_append_printf(note, "%u %s: picked ", others->len + 1, plural);
        vf_input_append_device(note, best->device);
        if (best->device->last_input_us > 0)
            g_string_append(note, ", the one with the most recent input");
        else
            g_string_append_printf(
                note,
                ", the one most like a %s (%s%s; Linux does not record which one was used last)",
                what,
                kind == VF_INPUT_KIND_KEYBOARD ? "letter keys" : "X/Y motion and a left button",
                best->usb_iface <= 0 ? ", the first interface of its USB device" : "");
    }
    for (guint i = 0; i < others->len; i++) {
        g_string_append(note, i ? ", " : "; not picked: ");
        vf_input_append_device(note, ((VfInputCandidate *)others->pdata[i])->device);
    }
    g_string_append(note, ". Choose with --input DEVICE.");
}

GPtrArray *
vf_input_pick_auto(VfHost *host, char **ret_note, GError **error)
{
    g_autoptr(GPtrArray) candidates = vf_input_scan(host, error);
    g_autoptr(GPtrArray) picked = NULL;
    g_autoptr(GString) note = NULL;

    if (candidates == NULL)
        return NULL;
    picked = g_ptr_array_new_with_free_func((GDestroyNotify)vf_evdev_input_free);
    note = g_string_new(NULL);
    vf_input_pick_kind(candidates, VF_INPUT_KIND_KEYBOARD, picked, note);
    vf_input_pick_kind(candidates, VF_INPUT_KIND_MOUSE, picked, note);
    if (ret_note)
        *ret_note = note->len ? g_strdup(note->str) : NULL;
    return g_steal_pointer(&picked);
}

gboolean
vf_input_check_evdev(VfHost *host, const char *path, VfInputDevice **ret_device, GError **error)
{
    g_autofree char *node = NULL;
    g_autofree char *sys_name = NULL;
    g_autofree char *what = NULL;
    g_autofree char *base = NULL;
    struct stat st;
    VfInputKind kind;
    VfInputCandidate *c;

    if (path == NULL || !g_str_has_prefix(path, VF_INPUT_DIR) || !vf_input_path_is_clean(path)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "'%s' is not a path under /dev/input/: keyboards and mice are handed over by "
                    "their /dev/input/by-id/ path; see 'virtflow host --input'",
                    path ? path : "(null)");
        return FALSE;
    }
    node = vf_input_follow(host, path, &st, error);
    if (node == NULL)
        return FALSE;
    sys_name = vf_input_node_evdev(host, node, &st, &what);
    if (sys_name == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "'%s' is not an evdev device (%s%s%s): keyboards and mice are handed over "
                    "by their /dev/input/by-id/ path; see 'virtflow host --input'",
                    path, g_str_equal(node, path) ? "" : node,
                    g_str_equal(node, path) ? "" : " is ", what);
        return FALSE;
    }
    if (!g_str_has_prefix(path, VF_INPUT_BY_ID) || g_str_equal(path, node)) {
        /* an eventN number is given at boot in probe order: next time it may be another
         * device. The VM records a by-id path; name the one that leads here. */
        g_autoptr(GPtrArray) links = vf_host_list_dir(host, VF_INPUT_BY_ID);
        g_autofree char *same = NULL;

        for (guint i = 0; links && i < links->len && same == NULL; i++) {
            g_autofree char *link = g_strconcat(VF_INPUT_BY_ID, links->pdata[i], NULL);
            g_autofree char *to = NULL;
            struct stat lst;

            to = vf_input_follow(host, link, &lst, NULL);
            if (to && g_str_equal(to, node))
                same = g_steal_pointer(&link);
        }
        if (same)
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' is numbered at boot and may be another device next time: use its "
                        "stable name %s",
                        path, same);
        else
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'%s' has no /dev/input/by-id link: VirtFlow hands over only devices "
                        "with a stable name; see 'virtflow host --input'",
                        path);
        return FALSE;
    }
    base = g_path_get_basename(path);
    if (!vf_input_kind_from_link(base, &kind)) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "'%s' is neither a keyboard (…%s) nor a mouse (…%s); see 'virtflow host "
                    "--input'",
                    path, VF_INPUT_SUFFIX_KB, VF_INPUT_SUFFIX_MS);
        return FALSE;
    }
    c = vf_input_candidate_new(host, path, node, sys_name, kind);
    if (ret_device)
        *ret_device = g_steal_pointer(&c->device);
    vf_input_candidate_free(c);
    return TRUE;
}

/* The PCI classes that are never taken from the host with a USB controller's group,
 * even on its slot (ARCHITECTURE.md decision 8): storage, network, wireless. */
static gboolean
vf_input_class_never_taken(guint32 class_code)
{
    guint base = class_code >> 16;

    return base == 0x01 || base == 0x02 || base == 0x0d;
}

gboolean
vf_input_check_usb_controller(VfHost *host, const char *address, GPtrArray *in_use, GError **error)
{
    g_autofree char *canon = vf_pci_address_normalize(address, error);
    g_autoptr(VfPciBus) bus = NULL;
    g_autoptr(GPtrArray) members = NULL;
    g_autoptr(GPtrArray) listed = NULL;
    g_autoptr(GString) behind = NULL;
    VfPciDevice *ctrl;

    if (canon == NULL) {
        g_prefix_error(error, "--input usb-controller: ");
        return FALSE;
    }
    bus = vf_pci_bus_scan_light(host, error);
    if (bus == NULL)
        return FALSE;
    ctrl = vf_pci_bus_lookup(bus, canon);
    if (ctrl == NULL) {
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "PCI device %s does not exist on this host; see 'virtflow host --groups'",
                    canon);
        return FALSE;
    }
    if ((ctrl->class_code >> 8) != VF_PCI_SUBCLASS_USB) {
        g_autofree char *cls = vf_pci_class_dup_name(ctrl->class_code);

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "%s is a %s (class 0x%06x, driver %s), not a USB controller (class 0x0c03); "
                    "see 'virtflow host --groups'",
                    canon, cls, ctrl->class_code, ctrl->driver ? ctrl->driver : "none");
        return FALSE;
    }
    if (ctrl->iommu_group < 0) {
        g_set_error(error, VF_ERROR, VF_ERROR_NO_IOMMU,
                    "USB controller %s has no IOMMU group: the IOMMU is off; see 'virtflow "
                    "host'",
                    canon);
        return FALSE;
    }

    /* viable on its own: the rest of the group is bridges, or functions of its own slot
     * that go with it (never a disk or a network card) */
    members = vf_pci_bus_dup_group_members(bus, ctrl->iommu_group);
    for (guint i = 0; i < members->len; i++) {
        VfPciDevice *m = members->pdata[i];
        g_autofree char *cls = NULL;
        g_autofree char *name = NULL;

        if (m == ctrl || vf_pci_device_is_bridge(m) ||
            (vf_pci_address_same_slot(m->address, canon) &&
             !vf_input_class_never_taken(m->class_code)))
            continue;
        vf_pci_device_load_details(host, m);
        cls = vf_pci_class_dup_name(m->class_code);
        name = vf_pci_device_dup_device_name(m);
        g_set_error(error, VF_ERROR, VF_ERROR_GROUP_NOT_VIABLE,
                    "IOMMU group %d of USB controller %s also holds %s (%s: %s, driver %s), "
                    "which VirtFlow never takes from the host. Choose a USB controller with its "
                    "own IOMMU group (an add-in card in a slot wired to the CPU), or hand the "
                    "keyboard and mouse over with --input DEVICE.",
                    ctrl->iommu_group, canon, m->address, cls, name,
                    m->driver ? m->driver : "none");
        return FALSE;
    }

    /* the keyboard and mouse the user has: not behind the controller the VM takes */
    if (in_use == NULL) {
        listed = vf_input_list(host, error);
        if (listed == NULL)
            return FALSE;
        in_use = listed;
    }
    behind = g_string_new(NULL);
    for (guint i = 0; i < in_use->len; i++) {
        const VfInputDevice *dev = in_use->pdata[i];

        if (dev->pci_address == NULL || !vf_pci_address_same_slot(dev->pci_address, canon))
            continue;
        g_string_append_printf(behind, "%sthe %s '%s' (%s)", behind->len ? ", " : "",
                               vf_input_kind_to_string(dev->kind), dev->name, dev->by_id);
    }
    if (behind->len) {
        g_set_error(error, VF_ERROR, VF_ERROR_DEVICE_IN_USE,
                    "USB controller %s has %s plugged into it: the VM would take them from "
                    "the host. Plug them into a port of another USB controller, choose another "
                    "controller, or hand them over with --input DEVICE (see 'virtflow host "
                    "--input').",
                    canon, behind->str);
        return FALSE;
    }
    return TRUE;
}
