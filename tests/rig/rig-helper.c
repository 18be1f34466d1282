/* rig-helper: small static tool for the kernel rig's guest.
 *
 * Busybox covers almost everything the guest scripts need; this covers the rest:
 *
 *   rig-helper now
 *       CLOCK_MONOTONIC in nanoseconds. Busybox `date` reads the wall clock and
 *       /proc/uptime has only 10 ms resolution, too coarse for the benchmark.
 *
 *   rig-helper deadline SECONDS COMMAND [ARG...]
 *       Runs COMMAND in this process with an alarm set: SIGALRM ends it after SECONDS
 *       (exit status 142 as the shell reports it). The benchmark's timeout: busybox
 *       `timeout` leaves a watchdog process behind that polls once a second, so each
 *       timed command left one alive for up to a second, and VirtFlow's holder scan
 *       read the files of 10-20 of them on every run while the scripts read none. An
 *       alarm survives execve(2) and leaves no process behind.
 *
 *   rig-helper vfio-viable GROUP
 *       Asks VFIO itself whether the IOMMU group is usable: a driver link that reads
 *       "vfio-pci" does not prove that QEMU could open the group. Opens
 *       /dev/vfio/GROUP, checks VFIO_GROUP_FLAGS_VIABLE, attaches it to a container
 *       and sets the type1 IOMMU, which is what a VM start does first.
 *       Exit 0 when viable, 1 when not, 2 on usage error.
 *
 * Built with `gcc -static` by tests/rig/run.sh so the guest needs no libc for it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static int
cmd_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0) {
        perror("clock_gettime");
        return 1;
    }
    printf("%" PRIu64 "\n", (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
    return 0;
}

static int
cmd_vfio_viable(const char *group)
{
    struct vfio_group_status status = {.argsz = sizeof(status)};
    char path[64];
    int container, fd;

    container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (container < 0) {
        fprintf(stderr, "open /dev/vfio/vfio: %s\n", strerror(errno));
        return 1;
    }
    if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
        fprintf(stderr, "unexpected VFIO API version\n");
        return 1;
    }

    snprintf(path, sizeof(path), "/dev/vfio/%s", group);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) < 0) {
        fprintf(stderr, "VFIO_GROUP_GET_STATUS: %s\n", strerror(errno));
        return 1;
    }
    if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
        fprintf(stderr, "group %s is not viable\n", group);
        return 1;
    }
    if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
        fprintf(stderr, "VFIO_GROUP_SET_CONTAINER: %s\n", strerror(errno));
        return 1;
    }
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) {
        fprintf(stderr, "VFIO_SET_IOMMU(TYPE1): %s\n", strerror(errno));
        return 1;
    }
    /* Closing both fds detaches the group again; nothing stays claimed. */
    close(fd);
    close(container);
    return 0;
}

static int
cmd_deadline(const char *seconds, char **argv)
{
    char *end;
    unsigned long s = strtoul(seconds, &end, 10);

    if (*seconds == '\0' || *end != '\0' || s == 0 || s > 86400) {
        fprintf(stderr, "rig-helper deadline: '%s' is not a number of seconds\n", seconds);
        return 2;
    }
    alarm((unsigned int)s);
    execvp(argv[0], argv);
    fprintf(stderr, "rig-helper deadline: %s: %s\n", argv[0], strerror(errno));
    return 127;
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "now") == 0)
        return cmd_now();
    if (argc >= 4 && strcmp(argv[1], "deadline") == 0)
        return cmd_deadline(argv[2], argv + 3);
    if (argc == 3 && strcmp(argv[1], "vfio-viable") == 0)
        return cmd_vfio_viable(argv[2]);

    fprintf(stderr,
            "usage: rig-helper now | deadline SECONDS COMMAND [ARG...] | vfio-viable GROUP\n");
    return 2;
}
