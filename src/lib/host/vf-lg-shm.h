/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vf-lg-shm.h: Looking Glass's shared memory file, which lives only while its VM runs
 *
 * libvirt turns <shmem name='looking-glass'> (ivshmem-plain) into a memory-backend-file at
 * /dev/shm/looking-glass; QEMU creates it (root's, 0644) when it is missing and nobody
 * removes it. The looking-glass-client of the desktop user must open it read-write, which
 * is what setup's tmpfiles rule (f /dev/shm/looking-glass 0660 USER kvm -) arranges — at
 * boot only. So the libvirt hook makes the file as that rule says at `prepare` of a
 * Looking Glass VM, and removes it at `release`: a frame buffer holds nothing to keep, and
 * a VM that was stopped and deactivated leaves nothing behind in /dev/shm.
 */
#pragma once

#include "host/vf-host.h"

G_BEGIN_DECLS

#define VF_LG_SHM      "/dev/shm/looking-glass"
#define VF_LG_TMPFILES "/etc/tmpfiles.d/virtflow-looking-glass.conf"

/* The user of setup's tmpfiles rule (VF_LG_TMPFILES) for VF_LG_SHM, or NULL when there is
 * none. */
char *vf_lg_shm_dup_user(VfHost *host);

/*
 * prepare: makes VF_LG_SHM as setup's tmpfiles rule says (owner its user, group kvm, 0660)
 * when it is missing and the rule exists. A file already there is left as it is; without
 * a rule nothing is done (QEMU makes the file itself). Never follows a link.
 *
 * Returns: TRUE, or FALSE with @error (the file could not be made: the VM can still start,
 * but the client of that user may not open it).
 */
gboolean vf_lg_shm_prepare(VfHost *host, GError **error);

/* release: removes VF_LG_SHM (a link there is removed, never followed). TRUE when it is gone
 * (or was never there). */
gboolean vf_lg_shm_release(VfHost *host, GError **error);

G_END_DECLS
