/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-evdev: the end-to-end test's keyboard and mouse (issue 11), built static by
 * tests/e2e/run.sh for L1 and for L2.
 *
 *   vf-evdev keyboard NAME LINK   a uinput keyboard called NAME; LINK -> ../eventN is made
 *   vf-evdev mouse NAME LINK      (udev makes such a link; L1 has no udevd). Prints
 *                                 "event=/dev/input/eventN" when ready, then waits:
 *                                 SIGUSR1 types KEY_A (press, release; a click and a move
 *                                 for a mouse), SIGTERM/SIGINT unplugs the device (LINK is
 *                                 left dangling, as after a real unplug before udev runs).
 *   vf-evdev grab DEV             EVIOCGRAB on DEV: exit 0 when it could be grabbed (and is
 *                                 released again), 1 when someone else holds the grab
 *                                 (EBUSY), 2 on any other error.
 *   vf-evdev read SECONDS         (L2) prints "L2-PCI BDF id=VENDOR:DEVICE" for each PCI
 *                                 device (one process: each fork costs in TCG-in-TCG),
 *                                 opens every /dev/input/event*, prints
 *                                 "L2-INPUT eventN name='...'" for each and "L2-READY", then
 *                                 "L2-KEY eventN name='...' code=C value=V" for each key
 *                                 event until KEY_A is released or SECONDS pass. Exit 0
 *                                 when a KEY_A press was read, 1 when not.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int
emit(int fd, int type, int code, int value)
{
    struct input_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.type = (unsigned short)type;
    ev.code = (unsigned short)code;
    ev.value = value;
    return write(fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev) ? 0 : -1;
}

/* the eventN node of the uinput device FD: /sys/devices/virtual/input/inputM/eventN */
static int
event_node(int fd, char *out, size_t size)
{
    char sysname[64], dir[128];
    DIR *d;
    struct dirent *e;
    int found = -1;

    if (ioctl(fd, UI_GET_SYSNAME(sizeof(sysname)), sysname) < 0) {
        perror("vf-evdev: UI_GET_SYSNAME");
        return -1;
    }
    snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sysname);
    /* evdev connects when the device registers; allow a moment for the node */
    for (int tries = 0; tries < 50 && found < 0; tries++) {
        d = opendir(dir);
        if (d == NULL) {
            perror(dir);
            return -1;
        }
        while ((e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "event", 5) == 0) {
                snprintf(out, size, "/dev/input/%.20s", e->d_name);
                found = 0;
                break;
            }
        }
        closedir(d);
        if (found == 0 && access(out, F_OK) != 0)
            found = -1;
        if (found < 0)
            usleep(100000);
    }
    if (found < 0)
        fprintf(stderr, "vf-evdev: %s has no event node (is evdev loaded?)\n", dir);
    return found;
}

static int
make_device(int mouse, const char *name, const char *link)
{
    struct uinput_setup setup;
    char node[64], target[80], dir[256];
    sigset_t set;
    int fd, sig;

    fd = open("/dev/uinput", O_WRONLY | O_NONBLOCK);
    if (fd < 0) {
        perror("vf-evdev: /dev/uinput (is uinput loaded?)");
        return 2;
    }
    if (ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0)
        goto fail;
    if (mouse) {
        if (ioctl(fd, UI_SET_EVBIT, EV_REL) < 0 || ioctl(fd, UI_SET_RELBIT, REL_X) < 0 ||
            ioctl(fd, UI_SET_RELBIT, REL_Y) < 0 || ioctl(fd, UI_SET_RELBIT, REL_WHEEL) < 0 ||
            ioctl(fd, UI_SET_KEYBIT, BTN_LEFT) < 0 || ioctl(fd, UI_SET_KEYBIT, BTN_RIGHT) < 0 ||
            ioctl(fd, UI_SET_KEYBIT, BTN_MIDDLE) < 0)
            goto fail;
    } else {
        /* the main block of a PC keyboard, as udev's input_id wants to call it one */
        for (int k = KEY_ESC; k <= KEY_KPDOT; k++)
            if (ioctl(fd, UI_SET_KEYBIT, k) < 0)
                goto fail;
    }
    memset(&setup, 0, sizeof(setup));
    setup.id.bustype = BUS_USB;
    setup.id.vendor = 0x1d6b;
    setup.id.product = mouse ? 0x0102 : 0x0101;
    snprintf(setup.name, sizeof(setup.name), "%s", name);
    if (ioctl(fd, UI_DEV_SETUP, &setup) < 0 || ioctl(fd, UI_DEV_CREATE) < 0)
        goto fail;
    if (event_node(fd, node, sizeof(node)) < 0) {
        close(fd);
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s", link);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        mkdir(dir, 0755);
    }
    snprintf(target, sizeof(target), "..%s", node + strlen("/dev/input"));
    unlink(link);
    if (symlink(target, link) < 0) {
        perror(link);
        close(fd);
        return 2;
    }

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    printf("event=%s\n", node);
    fflush(stdout);
    for (;;) {
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig != SIGUSR1)
            break;
        int r;
        if (mouse) {
            r = emit(fd, EV_REL, REL_X, 5) | emit(fd, EV_REL, REL_Y, 5) |
                emit(fd, EV_SYN, SYN_REPORT, 0) | emit(fd, EV_KEY, BTN_LEFT, 1) |
                emit(fd, EV_SYN, SYN_REPORT, 0) | emit(fd, EV_KEY, BTN_LEFT, 0) |
                emit(fd, EV_SYN, SYN_REPORT, 0);
        } else {
            r = emit(fd, EV_KEY, KEY_A, 1) | emit(fd, EV_SYN, SYN_REPORT, 0);
            usleep(50000);
            r |= emit(fd, EV_KEY, KEY_A, 0) | emit(fd, EV_SYN, SYN_REPORT, 0);
        }
        printf(r == 0 ? "injected\n" : "inject failed\n");
        fflush(stdout);
    }
    ioctl(fd, UI_DEV_DESTROY);
    close(fd);
    printf("unplugged\n");
    fflush(stdout);
    return 0;

fail:
    perror("vf-evdev: uinput");
    close(fd);
    return 2;
}

static int
grab(const char *dev)
{
    int fd = open(dev, O_RDONLY | O_NONBLOCK);

    if (fd < 0) {
        fprintf(stderr, "vf-evdev: %s: %s\n", dev, strerror(errno));
        return 2;
    }
    if (ioctl(fd, EVIOCGRAB, 1) < 0) {
        int e = errno;
        fprintf(stderr, "vf-evdev: EVIOCGRAB %s: %s\n", dev, strerror(e));
        close(fd);
        return e == EBUSY ? 1 : 2;
    }
    ioctl(fd, EVIOCGRAB, 0);
    close(fd);
    return 0;
}

/* the first line of a sysfs file, without its newline */
static void
read_line(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");

    snprintf(out, size, "?");
    if (f == NULL)
        return;
    if (fgets(out, (int)size, f) != NULL)
        out[strcspn(out, "\n")] = '\0';
    fclose(f);
}

static void
list_pci(void)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;

    if (d == NULL) {
        perror("/sys/bus/pci/devices");
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char path[300], vendor[16], device[16];

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.64s/vendor", e->d_name);
        read_line(path, vendor, sizeof(vendor));
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.64s/device", e->d_name);
        read_line(path, device, sizeof(device));
        printf("L2-PCI %s id=%s:%s\n", e->d_name, vendor, device);
    }
    closedir(d);
}

#define MAX_DEVS 32

static int
read_keys(int seconds)
{
    struct pollfd fds[MAX_DEVS];
    char names[MAX_DEVS][80], nodes[MAX_DEVS][16];
    struct timespec start, now;
    DIR *d = opendir("/dev/input");
    struct dirent *e;
    int n = 0, pressed = 0;

    list_pci();
    if (d == NULL) {
        perror("/dev/input");
        return 2;
    }
    while ((e = readdir(d)) != NULL && n < MAX_DEVS) {
        char path[300];
        if (strncmp(e->d_name, "event", 5) != 0)
            continue;
        snprintf(path, sizeof(path), "/dev/input/%s", e->d_name);
        fds[n].fd = open(path, O_RDONLY | O_NONBLOCK);
        if (fds[n].fd < 0)
            continue;
        fds[n].events = POLLIN;
        snprintf(nodes[n], sizeof(nodes[n]), "%.15s", e->d_name);
        if (ioctl(fds[n].fd, EVIOCGNAME(sizeof(names[n])), names[n]) < 0)
            snprintf(names[n], sizeof(names[n]), "?");
        printf("L2-INPUT %s name='%s'\n", nodes[n], names[n]);
        n++;
    }
    closedir(d);
    printf("L2-READY %d input device(s)\n", n);
    fflush(stdout);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = seconds * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
                                       (now.tv_nsec - start.tv_nsec) / 1000000L);
        if (left <= 0)
            break;
        if (poll(fds, (nfds_t)n, (int)left) <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            struct input_event ev;
            if (!(fds[i].revents & POLLIN))
                continue;
            while (read(fds[i].fd, &ev, sizeof(ev)) == (ssize_t)sizeof(ev)) {
                if (ev.type != EV_KEY)
                    continue;
                printf("L2-KEY %s name='%s' code=%d value=%d\n", nodes[i], names[i], ev.code,
                       ev.value);
                fflush(stdout);
                if (ev.code == KEY_A && ev.value == 1)
                    pressed = 1;
                if (ev.code == KEY_A && ev.value == 0 && pressed)
                    return 0;
            }
        }
    }
    printf("L2-KEY none: no KEY_A within %d s\n", seconds);
    return pressed ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "keyboard") == 0)
        return make_device(0, argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "mouse") == 0)
        return make_device(1, argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "grab") == 0)
        return grab(argv[2]);
    if (argc == 3 && strcmp(argv[1], "read") == 0)
        return read_keys(atoi(argv[2]));
    fprintf(stderr, "usage: vf-evdev keyboard|mouse NAME LINK | grab DEV | read SECONDS\n");
    return 2;
}
