/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-host.h: the machine as the kernel shows it, rooted at a directory
 *
 * Every sysfs, procfs and devfs access of libvirtflow goes through a VfHost. The root is
 * "/" in production; tests, the demo and offline analysis (--host-root) use a directory
 * holding a tree that looks like the kernel's. Paths given to VfHost functions are the
 * paths the kernel would show ("/sys/bus/pci/devices/0000:01:00.0/driver"); they are
 * opened relative to the root with the *at() calls, never by pasting strings in front.
 *
 * Writes are special: each one runs in a worker thread with a deadline, because a driver
 * unbind can block in the kernel for ever, and a frozen CLI, GUI or libvirt hook is the
 * worst possible outcome. A host rooted anywhere but "/" is read-only unless a kernel
 * model (VfHostBackend) is attached to it, as the tests and the demo do.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VfHost VfHost;

/* What reacts to writes and module loads instead of the real kernel. */
typedef struct {
    /* Called from a worker thread: must be thread-safe. Returns 0 or an errno. */
    int (*write)(gpointer data, const char *path, const char *value);
    /* Returns 0 or an errno (ENOENT: no such module). */
    int (*load_module)(gpointer data, const char *name);
    void (*free)(gpointer data);
} VfHostBackend;

#define VF_HOST_DEFAULT_WRITE_TIMEOUT_MS 10000

VfHost *vf_host_new(const char *root, GError **error);
VfHost *vf_host_ref(VfHost *host);
void vf_host_unref(VfHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VfHost, vf_host_unref)

const char *vf_host_get_root(VfHost *host);
/* TRUE when rooted at "/": the machine VirtFlow runs on. */
gboolean vf_host_is_live(VfHost *host);
/* TRUE when writes reach a kernel (the live one, or an attached model). */
gboolean vf_host_is_writable(VfHost *host);

/* Takes ownership of @data; @backend must outlive the host (a static table). */
void vf_host_set_backend(VfHost *host, const VfHostBackend *backend, gpointer data);
gpointer vf_host_get_backend_data(VfHost *host);
void vf_host_set_write_timeout(VfHost *host, guint timeout_ms);
guint vf_host_get_write_timeout(VfHost *host);

/* Where VirtFlow keeps its journal and records: "/var/lib/virtflow" under the root by
 * default; @dir is a real path on this machine, used as is. */
void vf_host_set_state_dir(VfHost *host, const char *dir);
/*
 * The privileged helper that makes this host's changes (decision 10), or NULL when this
 * process makes them itself. The live machine opened by a process that is not root gets
 * the installed virtflow-helper (run through pkexec); root, and model trees, get NULL.
 * $VIRTFLOW_HELPER names a helper for any host (tests: the build tree's helper, run
 * directly when root). vf_host_set_helper() overrides both; NULL turns delegation off.
 */
const char *vf_host_get_helper(VfHost *host);
void vf_host_set_helper(VfHost *host, const char *path);
/* The state directory as a real path on this machine (root prefix applied). */
char *vf_host_dup_state_path(VfHost *host, const char *relative);

/* Takes the exclusive lock STATE/@name (flock), waiting up to 5 s: the fd to close to
 * release it, or -1 with VF_ERROR_BUSY (another VirtFlow holds it) or PERMISSION. */
int vf_host_lock(VfHost *host, const char *name, GError **error);

/* Reads: @path is the kernel's path ("/sys/..."). */
gboolean vf_host_exists(VfHost *host, const char *path);
gboolean vf_host_is_dir(VfHost *host, const char *path);
/* The file's contents with trailing whitespace removed. */
char *vf_host_read(VfHost *host, const char *path, GError **error);
/* As vf_host_read, NULL (no error) when the file does not exist or cannot be read. */
char *vf_host_read_opt(VfHost *host, const char *path);
gboolean vf_host_read_uint(VfHost *host, const char *path, guint base, guint64 *ret_value);
/* Parses what vf_host_read_uint() reads ("0x10de" in base 16). */
gboolean vf_host_parse_uint(const char *text, guint base, guint64 *ret_value);
/* Many attributes of one directory (a sysfs device): open it once (an O_PATH fd, -1 when
 * absent; the caller closes it), then read each attribute relative to it, as
 * vf_host_read_opt() and vf_host_readlink_name() do. */
int vf_host_open_dir(VfHost *host, const char *path);
char *vf_host_read_at(int dir_fd, const char *name);
char *vf_host_readlink_name_at(int dir_fd, const char *name);
/* The symlink's target, as the kernel wrote it. */
char *vf_host_readlink(VfHost *host, const char *path);
/* 0 when @path is a readable symlink, else the errno of readlink(2). */
int vf_host_readlink_errno(VfHost *host, const char *path);
/* The last component of the symlink's target ("nvidia" for .../driver), or NULL. */
char *vf_host_readlink_name(VfHost *host, const char *path);
/* The sorted entry names of a directory, without "." and ".."; NULL when absent. */
GPtrArray *vf_host_list_dir(VfHost *host, const char *path);
/* A real path on this machine for @path (root prefix applied): for messages that must
 * name a file, and for the few callers that need a plain path. */
char *vf_host_dup_real_path(VfHost *host, const char *path);

/* Writes @value to @path with the host's deadline. On timeout the write is abandoned in
 * its thread (it may still complete) and VF_ERROR_TIMEOUT is returned. */
gboolean vf_host_write(VfHost *host, const char *path, const char *value, GError **error);
/* vf_host_write() for a write the kernel may take long to finish by design (growing the
 * huge page pool compacts memory): its own deadline, and @why_slow (what to suspect) in the
 * timeout's message. */
gboolean vf_host_write_slow(VfHost *host, const char *path, const char *value, guint timeout_ms,
                            const char *why_slow, GError **error);
/* Loads a kernel module (libkmod on the live host). TRUE when it is loaded after. */
gboolean vf_host_load_module(VfHost *host, const char *name, GError **error);

G_END_DECLS
