/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-setup-private.h: setup's manifest parser, for tests and the fuzz target
 *
 * The manifest (STATE/setup/manifest) says what `setup --undo` puts back. It is read as
 * untrusted input: a tampered one must not make undo write outside the files setup
 * manages, read a backup from elsewhere, set a setuid bit or remove a directory setup did
 * not make.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The largest manifest read (it holds the text setup wrote to each file). */
#define VF_SETUP_MANIFEST_MAX (1024 * 1024)

/*
 * Parses and checks the manifest @text (@len bytes, need not end with a NUL); touches
 * nothing on any host. Every group must be a file setup manages (vf-setup.h) or
 * "directories"; each key one setup writes, of its type; "backup" exactly the name setup
 * gives that file's backup under STATE/setup/backup/; "mode" plain permission bits (no
 * setuid, setgid or sticky); "created" directories only parents of the managed files
 * below /etc. The first violation is VF_ERROR_INVALID_ARGUMENT naming the group, key and
 * value; NULL then.
 */
GKeyFile *vf_setup_manifest_parse(const char *text, gsize len, GError **error);

/* The name of @path's backup, relative to the state directory: "setup/backup/etc_…". */
char *vf_setup_backup_name(const char *path);

G_END_DECLS
