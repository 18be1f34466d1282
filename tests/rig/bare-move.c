/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bare-move: the floor of the kernel rig's benchmark (tests/rig/guest/bench.sh).
 *
 * Does what the benchmark's shell scripts do, in C: the sysfs writes of a bind or a
 * restore, then the same read-back (drivers, /dev/vfio/GROUP) polled every 10 ms. Nothing
 * else: no holder scan, no group check, no lock, no journal, no undo. It is linked like
 * virtflow (GLib, dynamically, PIE), so its start-up under emulation costs what
 * virtflow's does; the gap between this row and the scripts is what any program linked
 * like VirtFlow pays before doing a single check of its own.
 *
 *   bare-move bind GROUP BDF...
 *   bare-move restore GROUP BDF=DRIVER...
 *
 * Exit 0 when the devices reached their drivers, 1 when not (10 s), 2 on usage error.
 */
#include <glib.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define PCI "/sys/bus/pci/devices/"

/* `echo VALUE > PATH`: a failed write is reported, as the shell does, and not fatal; the
 * read-back decides. */
static void
put(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);

    if (fd < 0 || write(fd, value, strlen(value)) < 0)
        g_printerr("bare-move: %s: %s\n", path, g_strerror(errno));
    if (fd >= 0)
        close(fd);
}

static gboolean
on_driver(const char *bdf, const char *driver)
{
    g_autofree char *path = g_strconcat(PCI, bdf, "/driver", NULL);
    g_autofree char *target = g_file_read_link(path, NULL);
    g_autofree char *name = target ? g_path_get_basename(target) : NULL;

    return g_strcmp0(name, driver) == 0;
}

int
main(int argc, char **argv)
{
    gboolean bind = argc > 3 && g_str_equal(argv[1], "bind");
    g_autofree char *node = NULL;
    g_auto(GStrv) bdf = NULL;
    g_auto(GStrv) drv = NULL;
    int n = argc - 3;

    if (!bind && !(argc > 3 && g_str_equal(argv[1], "restore"))) {
        g_printerr("usage: bare-move bind GROUP BDF... | restore GROUP BDF=DRIVER...\n");
        return 2;
    }
    node = g_strconcat("/dev/vfio/", argv[2], NULL);
    bdf = g_new0(char *, n + 1);
    drv = g_new0(char *, n + 1);
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(argv[i + 3], '=');

        bdf[i] = eq ? g_strndup(argv[i + 3], eq - argv[i + 3]) : g_strdup(argv[i + 3]);
        drv[i] = g_strdup(bind ? "vfio-pci" : eq ? eq + 1 : "");
    }

    if (bind)
        for (int i = 0; i < n; i++) {
            g_autofree char *p = g_strconcat(PCI, bdf[i], "/driver_override", NULL);

            put(p, "vfio-pci");
        }
    for (int i = 0; i < n; i++) {
        g_autofree char *p = g_strconcat(PCI, bdf[i], "/driver/unbind", NULL);

        put(p, bdf[i]);
    }
    if (!bind)
        for (int i = 0; i < n; i++) {
            g_autofree char *p = g_strconcat(PCI, bdf[i], "/driver_override", NULL);

            put(p, "\n");
        }
    for (int i = 0; i < n; i++)
        put("/sys/bus/pci/drivers_probe", bdf[i]);

    for (int tries = 0; tries < 1000; tries++) {
        gboolean ok = (access(node, F_OK) == 0) == bind;

        for (int i = 0; ok && i < n; i++)
            ok = on_driver(bdf[i], drv[i]);
        if (ok)
            return 0;
        g_usleep(10000);
    }
    return 1;
}
