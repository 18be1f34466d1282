/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-lg-shm.h"

#include "core/vf-error.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

char *
vf_lg_shm_dup_user(VfHost *host)
{
    g_autofree char *text = vf_host_read_opt(host, VF_LG_TMPFILES);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit_set(g_strstrip(lines[i]), " \t", -1);
        g_autoptr(GPtrArray) words = g_ptr_array_new();

        for (guint w = 0; f[w]; w++)
            if (*f[w])
                g_ptr_array_add(words, f[w]);
        if (words->len >= 5 && g_str_equal(words->pdata[0], "f") &&
            g_str_equal(words->pdata[1], VF_LG_SHM))
            return g_strdup(words->pdata[3]);
    }
    return NULL;
}

gboolean
vf_lg_shm_prepare(VfHost *host, GError **error)
{
    g_autofree char *user = vf_lg_shm_dup_user(host);
    g_autofree char *path = NULL;
    struct passwd *pw;
    struct group *gr;
    int fd;

    if (user == NULL)
        return TRUE;
    path = vf_host_dup_real_path(host, VF_LG_SHM);
    /* the shell: install -m 0660 -o USER -g kvm /dev/null /dev/shm/looking-glass, without
     * following a link someone planted in the world-writable /dev/shm */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return TRUE;
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot create '%s' for %s: %s", VF_LG_SHM, user,
                    g_strerror(errno));
        return FALSE;
    }
    pw = getpwnam(user);
    gr = getgrnam("kvm");
    if (pw == NULL || fchown(fd, pw->pw_uid, gr ? gr->gr_gid : (gid_t)-1) < 0 ||
        fchmod(fd, 0660) < 0) {
        int errsv = pw ? errno : ENOENT;

        close(fd);
        unlink(path);
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot give '%s' to %s (the user of %s): %s",
                    VF_LG_SHM, user, VF_LG_TMPFILES, pw ? g_strerror(errsv) : "no such user");
        return FALSE;
    }
    close(fd);
    return TRUE;
}

gboolean
vf_lg_shm_release(VfHost *host, GError **error)
{
    g_autofree char *path = vf_host_dup_real_path(host, VF_LG_SHM);

    if (unlink(path) < 0 && errno != ENOENT) {
        g_set_error(error, VF_ERROR, VF_ERROR_IO, "Cannot remove '%s': %s", VF_LG_SHM,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}
