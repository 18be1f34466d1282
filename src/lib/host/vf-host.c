/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-host.h"

#include "core/vf-error.h"
#include "core/vf-util.h"

#include <dirent.h>
#include <glib/gstdio.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define VF_LOCK_WAIT_MS 5000

struct _VfHost {
    gint ref_count;
    char *root;  /* canonical, "/" for the live machine */
    int root_fd; /* O_PATH directory fd of @root */
    char *state_dir;
    char *helper; /* see vf_host_get_helper() */
    guint write_timeout_ms;
    const VfHostBackend *backend;
    gpointer backend_data;
};

/* One write handed to a worker thread. Shared by the caller and the worker, freed by the
 * last of the two: on timeout the caller walks away and the worker cleans up whenever the
 * kernel lets it return. */
typedef struct {
    gint ref_count;
    GMutex lock;
    GCond cond;
    gboolean done;
    int errsv;
    int root_fd; /* a dup, so the host may go away before the worker */
    char *path;  /* a write of @value to @path, */
    char *value;
    char *module; /* or a module load */
    const VfHostBackend *backend;
    gpointer backend_data;
    VfHost *host_ref; /* keeps the backend data alive while a model write runs */
} VfWriteJob;

static const char *
vf_host_rel(const char *path)
{
    while (*path == '/')
        path++;
    return *path ? path : ".";
}

VfHost *
vf_host_new(const char *root, GError **error)
{
    g_autoptr(VfHost) host = NULL;
    g_autofree char *canon = NULL;

    if (root == NULL || *root == '\0')
        root = "/";

    canon = realpath(root, NULL);
    if (canon == NULL) {
        vf_error_set_errno(error, errno, "Cannot open host root '%s'", root);
        return NULL;
    }

    host = g_new0(VfHost, 1);
    host->ref_count = 1;
    host->root = g_steal_pointer(&canon);
    host->write_timeout_ms = VF_HOST_DEFAULT_WRITE_TIMEOUT_MS;
    host->state_dir = vf_host_dup_real_path(host, "/var/lib/virtflow");
    host->helper = g_strdup(g_getenv("VIRTFLOW_HELPER"));
    if (host->helper && *host->helper == '\0')
        g_clear_pointer(&host->helper, g_free);
    if (host->helper == NULL && vf_host_is_live(host) && geteuid() != 0)
        host->helper = g_strdup(VF_HELPER_PATH);
    host->root_fd = open(host->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (host->root_fd < 0) {
        vf_error_set_errno(error, errno, "Cannot open host root '%s'", host->root);
        return NULL;
    }
    return g_steal_pointer(&host);
}

VfHost *
vf_host_ref(VfHost *host)
{
    g_atomic_int_inc(&host->ref_count);
    return host;
}

void
vf_host_unref(VfHost *host)
{
    if (host == NULL || !g_atomic_int_dec_and_test(&host->ref_count))
        return;
    if (host->backend && host->backend->free)
        host->backend->free(host->backend_data);
    if (host->root_fd >= 0)
        close(host->root_fd);
    g_free(host->root);
    g_free(host->state_dir);
    g_free(host->helper);
    g_free(host);
}

const char *
vf_host_get_root(VfHost *host)
{
    return host->root;
}

gboolean
vf_host_is_live(VfHost *host)
{
    return g_str_equal(host->root, "/");
}

gboolean
vf_host_is_writable(VfHost *host)
{
    return host->backend != NULL || vf_host_is_live(host);
}

void
vf_host_set_backend(VfHost *host, const VfHostBackend *backend, gpointer data)
{
    if (host->backend && host->backend->free)
        host->backend->free(host->backend_data);
    host->backend = backend;
    host->backend_data = data;
}

gpointer
vf_host_get_backend_data(VfHost *host)
{
    return host->backend_data;
}

void
vf_host_set_write_timeout(VfHost *host, guint timeout_ms)
{
    host->write_timeout_ms = timeout_ms;
}

guint
vf_host_get_write_timeout(VfHost *host)
{
    return host->write_timeout_ms;
}

void
vf_host_set_state_dir(VfHost *host, const char *dir)
{
    g_free(host->state_dir);
    host->state_dir = g_strdup(dir);
}

char *
vf_host_dup_real_path(VfHost *host, const char *path)
{
    if (vf_host_is_live(host))
        return g_strdup(path);
    return g_build_filename(host->root, vf_host_rel(path), NULL);
}

const char *
vf_host_get_helper(VfHost *host)
{
    return host->helper;
}

void
vf_host_set_helper(VfHost *host, const char *path)
{
    g_free(host->helper);
    host->helper = g_strdup(path);
}

char *
vf_host_dup_state_path(VfHost *host, const char *relative)
{
    return relative ? g_build_filename(host->state_dir, relative, NULL) : g_strdup(host->state_dir);
}

gboolean
vf_host_exists(VfHost *host, const char *path)
{
    return faccessat(host->root_fd, vf_host_rel(path), F_OK, 0) == 0;
}

gboolean
vf_host_is_dir(VfHost *host, const char *path)
{
    struct stat st;

    return fstatat(host->root_fd, vf_host_rel(path), &st, 0) == 0 && S_ISDIR(st.st_mode);
}

static char *
vf_host_read_fd(int fd, GString *start, int *ret_errno)
{
    g_autoptr(GString) buf = start ? start : g_string_sized_new(64);
    char chunk[4096];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0) {
            if (errno == EINTR)
                continue;
            *ret_errno = errno;
            return NULL;
        }
        if (n == 0)
            break;
        g_string_append_len(buf, chunk, n);
    }
    while (buf->len > 0 && g_ascii_isspace(buf->str[buf->len - 1]))
        g_string_truncate(buf, buf->len - 1);
    return g_string_free(g_steal_pointer(&buf), FALSE);
}

char *
vf_host_read(VfHost *host, const char *path, GError **error)
{
    vf_autofd int fd = openat(host->root_fd, vf_host_rel(path), O_RDONLY | O_CLOEXEC);
    char *contents;
    int errsv = 0;

    if (fd < 0) {
        vf_error_set_errno(error, errno, "Failed to open '%s'", path);
        return NULL;
    }
    contents = vf_host_read_fd(fd, NULL, &errsv);
    if (contents == NULL)
        vf_error_set_errno(error, errsv, "Failed to read '%s'", path);
    return contents;
}

char *
vf_host_read_opt(VfHost *host, const char *path)
{
    return vf_host_read(host, path, NULL);
}

gboolean
vf_host_parse_uint(const char *text, guint base, guint64 *ret_value)
{
    guint64 value;

    if (text == NULL)
        return FALSE;
    /* sysfs prints hex ids as "0x10de"; g_ascii_string_to_unsigned wants bare digits. Strip
     * the prefix first: a failed g_ascii_string_to_unsigned() formats a translated message
     * (gettext) even without a GError, 2 µs a call. */
    if (base == 16 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') && text[2])
        text += 2;
    if (!g_ascii_string_to_unsigned(text, base, 0, G_MAXUINT64, &value, NULL))
        return FALSE;
    *ret_value = value;
    return TRUE;
}

gboolean
vf_host_read_uint(VfHost *host, const char *path, guint base, guint64 *ret_value)
{
    g_autofree char *text = vf_host_read_opt(host, path);

    return vf_host_parse_uint(text, base, ret_value);
}

int
vf_host_open_dir(VfHost *host, const char *path)
{
    return openat(host->root_fd, vf_host_rel(path), O_PATH | O_DIRECTORY | O_CLOEXEC);
}

char *
vf_host_read_at(int dir_fd, const char *name)
{
    vf_autofd int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
    char buf[4096];
    ssize_t n;
    int errsv = 0;

    if (fd < 0)
        return NULL;
    do {
        n = read(fd, buf, sizeof(buf));
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return NULL;
    if ((size_t)n == sizeof(buf)) {
        /* not a sysfs attribute (those are shown in one read of at most a page) */
        GString *start = g_string_new_len(buf, n);

        return vf_host_read_fd(fd, start, &errsv);
    }
    while (n > 0 && g_ascii_isspace(buf[n - 1]))
        n--;
    return g_strndup(buf, n);
}

char *
vf_host_readlink_name_at(int dir_fd, const char *name)
{
    char buf[PATH_MAX];
    ssize_t n = readlinkat(dir_fd, name, buf, sizeof(buf) - 1);
    const char *slash;

    if (n < 0)
        return NULL;
    buf[n] = '\0';
    slash = strrchr(buf, '/');
    return g_strdup(slash ? slash + 1 : buf);
}

char *
vf_host_readlink(VfHost *host, const char *path)
{
    char buf[PATH_MAX];
    ssize_t n = readlinkat(host->root_fd, vf_host_rel(path), buf, sizeof(buf) - 1);

    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return g_strdup(buf);
}

int
vf_host_readlink_errno(VfHost *host, const char *path)
{
    char buf[8];

    return readlinkat(host->root_fd, vf_host_rel(path), buf, sizeof(buf)) < 0 ? errno : 0;
}

char *
vf_host_readlink_name(VfHost *host, const char *path)
{
    g_autofree char *target = vf_host_readlink(host, path);

    return target ? g_path_get_basename(target) : NULL;
}

/* getdents64(2) straight into a buffer: fdopendir() adds an fstat and two fcntls per
 * directory, and a bind lists a dozen (more under /proc), each syscall costly when
 * the kernel runs emulated. */
GPtrArray *
vf_host_list_dir(VfHost *host, const char *path)
{
    g_autoptr(GPtrArray) names = NULL;
    vf_autofd int fd = openat(host->root_fd, vf_host_rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    union {
        struct dirent64 align;
        char bytes[16384];
    } buf;
    ssize_t n;

    if (fd < 0)
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    while ((n = getdents64(fd, buf.bytes, sizeof(buf.bytes))) > 0) {
        for (ssize_t off = 0; off < n;) {
            const struct dirent64 *ent = (const struct dirent64 *)(buf.bytes + off);

            off += ent->d_reclen;
            if (g_str_equal(ent->d_name, ".") || g_str_equal(ent->d_name, ".."))
                continue;
            g_ptr_array_add(names, g_strdup(ent->d_name));
        }
    }
    g_ptr_array_sort(names, vf_strcmp_ptrs);
    return g_steal_pointer(&names);
}

static void
vf_write_job_unref(VfWriteJob *job)
{
    if (!g_atomic_int_dec_and_test(&job->ref_count))
        return;
    if (job->root_fd >= 0)
        close(job->root_fd);
    g_mutex_clear(&job->lock);
    g_cond_clear(&job->cond);
    g_free(job->path);
    g_free(job->value);
    g_free(job->module);
    if (job->host_ref)
        vf_host_unref(job->host_ref);
    g_free(job);
}

static int
vf_write_job_run_live(VfWriteJob *job)
{
    size_t len = strlen(job->value);
    vf_autofd int fd = openat(job->root_fd, vf_host_rel(job->path), O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return errno;
    /* sysfs takes one write(2) per attribute store: never split it */
    do {
        n = write(fd, job->value, len);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno;
    if ((size_t)n != len)
        return EIO;
    return 0;
}

/* libkmod, opened with dlopen() on the first module load: only setup and a bind whose
 * vfio-pci is not loaded yet need it, and it pulls libcrypto into every process that
 * links it (see vf-pci.c for the same reasoning). */
typedef struct {
    struct kmod_ctx *(*ctx_new)(const char *, const char *const *);
    struct kmod_ctx *(*ctx_unref)(struct kmod_ctx *);
    int (*new_from_lookup)(struct kmod_ctx *, const char *, struct kmod_list **);
    struct kmod_module *(*get_module)(const struct kmod_list *);
    struct kmod_list *(*list_next)(const struct kmod_list *, const struct kmod_list *);
    int (*probe_insert)(struct kmod_module *, unsigned int, const char *,
                        int (*)(struct kmod_module *, const char *, void *), const void *,
                        void (*)(struct kmod_module *, bool, void *));
    struct kmod_module *(*module_unref)(struct kmod_module *);
    int (*unref_list)(struct kmod_list *);
} VfKmodApi;

static const VfKmodApi *
vf_kmod_api(void)
{
    static GMutex lock;
    static VfKmodApi api;
    static gboolean loaded;
    void *lib;

    g_mutex_lock(&lock);
    if (!loaded && (lib = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL)) != NULL) {
        api.ctx_new = dlsym(lib, "kmod_new");
        api.ctx_unref = dlsym(lib, "kmod_unref");
        api.new_from_lookup = dlsym(lib, "kmod_module_new_from_lookup");
        api.get_module = dlsym(lib, "kmod_module_get_module");
        api.list_next = dlsym(lib, "kmod_list_next");
        api.probe_insert = dlsym(lib, "kmod_module_probe_insert_module");
        api.module_unref = dlsym(lib, "kmod_module_unref");
        api.unref_list = dlsym(lib, "kmod_module_unref_list");
        loaded = api.ctx_new && api.ctx_unref && api.new_from_lookup && api.get_module &&
                 api.list_next && api.probe_insert && api.module_unref && api.unref_list;
    }
    g_mutex_unlock(&lock);
    return loaded ? &api : NULL;
}

/* modprobe NAME, dependencies and softdeps included (vfio-pci needs vfio_iommu_type1):
 * 0 or an errno, ENOENT when this kernel has no such module, ENOSYS without libkmod. */
static int
vf_kmod_load(const char *name)
{
    const VfKmodApi *kmod = vf_kmod_api();
    struct kmod_ctx *ctx;
    struct kmod_list *list = NULL, *it;
    int rc = 0;

    if (kmod == NULL)
        return ENOSYS;
    ctx = kmod->ctx_new(NULL, NULL);
    if (ctx == NULL)
        return ENOENT;
    if (kmod->new_from_lookup(ctx, name, &list) < 0 || list == NULL) {
        kmod->ctx_unref(ctx);
        return ENOENT;
    }
    for (it = list; it != NULL && rc >= 0; it = kmod->list_next(list, it)) {
        struct kmod_module *mod = kmod->get_module(it);

        rc = kmod->probe_insert(mod, KMOD_PROBE_APPLY_BLACKLIST_ALIAS_ONLY, NULL, NULL, NULL, NULL);
        kmod->module_unref(mod);
    }
    kmod->unref_list(list);
    kmod->ctx_unref(ctx);
    return rc < 0 ? -rc : 0;
}

static gpointer
vf_write_job_thread(gpointer data)
{
    VfWriteJob *job = data;
    int errsv;

    if (job->module)
        errsv = job->backend ? job->backend->load_module(job->backend_data, job->module)
                             : vf_kmod_load(job->module);
    else if (job->backend)
        errsv = job->backend->write(job->backend_data, job->path, job->value);
    else
        errsv = vf_write_job_run_live(job);

    g_mutex_lock(&job->lock);
    job->errsv = errsv;
    job->done = TRUE;
    g_cond_signal(&job->cond);
    g_mutex_unlock(&job->lock);
    vf_write_job_unref(job);
    return NULL;
}

static char *
vf_host_escape_value(const char *value)
{
    return g_strescape(value, NULL);
}

/* Runs a write or a module load in a worker thread and waits for it for @timeout_ms: 0 or
 * an errno, ETIMEDOUT when the deadline passed. */
static int
vf_host_run_job(VfHost *host, const char *path, const char *value, const char *module,
                guint timeout_ms, GError **error)
{
    VfWriteJob *job;
    g_autoptr(GThread) thread = NULL;
    gint64 deadline;
    gboolean done;
    int errsv;

    job = g_new0(VfWriteJob, 1);
    job->ref_count = 2; /* caller + worker */
    g_mutex_init(&job->lock);
    g_cond_init(&job->cond);
    job->root_fd = fcntl(host->root_fd, F_DUPFD_CLOEXEC, 3);
    job->path = g_strdup(path);
    job->value = g_strdup(value);
    job->module = g_strdup(module);
    job->backend = host->backend;
    job->backend_data = host->backend_data;
    if (host->backend)
        job->host_ref = vf_host_ref(host);

    thread = g_thread_try_new("vf-write", vf_write_job_thread, job, error);
    if (thread == NULL) {
        job->ref_count = 1;
        vf_write_job_unref(job);
        return -1;
    }

    deadline = g_get_monotonic_time() + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
    g_mutex_lock(&job->lock);
    while (!job->done)
        if (!g_cond_wait_until(&job->cond, &job->lock, deadline))
            break;
    done = job->done;
    errsv = job->errsv;
    g_mutex_unlock(&job->lock);
    vf_write_job_unref(job);
    /* on timeout the thread stays blocked in the kernel; we report instead of joining it */
    return done ? errsv : ETIMEDOUT;
}

gboolean
vf_host_write(VfHost *host, const char *path, const char *value, GError **error)
{
    return vf_host_write_slow(host, path, value, host->write_timeout_ms,
                              "a driver that will not let go of the device?", error);
}

gboolean
vf_host_write_slow(VfHost *host, const char *path, const char *value, guint timeout_ms,
                   const char *why_slow, GError **error)
{
    g_autofree char *shown = vf_host_escape_value(value);
    int errsv;

    if (!vf_host_is_writable(host)) {
        g_set_error(error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "Refusing to write '%s' to '%s': the host root '%s' is not the live "
                    "machine; use --dry-run to see the writes",
                    shown, path, host->root);
        return FALSE;
    }
    errsv = vf_host_run_job(host, path, value, NULL, timeout_ms, error);
    if (errsv < 0)
        return FALSE;
    if (errsv == ETIMEDOUT) {
        g_set_error(error, VF_ERROR, VF_ERROR_TIMEOUT,
                    "Timed out after %u ms writing '%s' to '%s': the kernel did not finish "
                    "the operation (%s)",
                    timeout_ms, shown, path, why_slow);
        return FALSE;
    }
    if (errsv != 0) {
        vf_error_set_errno(error, errsv, "Failed to write '%s' to '%s'", shown, path);
        return FALSE;
    }
    return TRUE;
}

gboolean
vf_host_load_module(VfHost *host, const char *name, GError **error)
{
    int errsv;

    /* the name may come from a file VirtFlow reads back (a record, a journal) */
    if (!vf_kernel_name_is_valid(name)) {
        g_autofree char *shown = g_strescape(name ? name : "", NULL);

        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "Refusing to load kernel module '%s': not a kernel module name", shown);
        return FALSE;
    }
    if (!vf_host_is_writable(host)) {
        g_set_error(error, VF_ERROR, VF_ERROR_READ_ONLY,
                    "Refusing to load kernel module '%s': the host root '%s' is not the live "
                    "machine",
                    name, host->root);
        return FALSE;
    }
    errsv = vf_host_run_job(host, NULL, NULL, name, host->write_timeout_ms, error);
    switch (errsv) {
    case 0:
        return TRUE;
    case -1:
        return FALSE;
    case ETIMEDOUT:
        g_set_error(error, VF_ERROR, VF_ERROR_TIMEOUT,
                    "Timed out after %u ms loading kernel module '%s'", host->write_timeout_ms,
                    name);
        return FALSE;
    case ENOENT:
        g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                    "Failed to load kernel module '%s': the running kernel has no such module "
                    "(see 'virtflow host')",
                    name);
        return FALSE;
    case ENOSYS:
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "Cannot load kernel module '%s': libkmod.so.2 is missing (install libkmod2)",
                    name);
        return FALSE;
    default:
        vf_error_set_errno(error, errsv, "Failed to load kernel module '%s'", name);
        return FALSE;
    }
}

int
vf_host_lock(VfHost *host, const char *name, GError **error)
{
    /* a user whose host changes go through the helper cannot write the state directory:
     * their flows serialise in their runtime directory; the helper takes the host's lock */
    g_autofree char *dir = host->helper && geteuid() != 0
                               ? g_build_filename(g_get_user_runtime_dir(), "virtflow", NULL)
                               : vf_host_dup_state_path(host, NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    gint64 deadline = g_get_monotonic_time() + VF_LOCK_WAIT_MS * G_TIME_SPAN_MILLISECOND;
    int fd;

    if (g_mkdir_with_parents(dir, 0755) < 0) {
        vf_error_set_errno(error, errno,
                           "Cannot create the state directory '%s' (run as root, or through "
                           "virtflow-helper)",
                           dir);
        return -1;
    }
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        vf_error_set_errno(error, errno, "Cannot open the lock file '%s' (run as root)", path);
        return -1;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK || g_get_monotonic_time() > deadline) {
            g_set_error(error, VF_ERROR, VF_ERROR_BUSY,
                        "Another VirtFlow operation is changing devices (lock '%s' is held); "
                        "wait for it to finish and try again",
                        path);
            vf_error_add_fix(error, "Wait for the other VirtFlow operation to finish, then try "
                                    "again");
            close(fd);
            return -1;
        }
        g_usleep(50 * 1000);
    }
    return fd;
}
