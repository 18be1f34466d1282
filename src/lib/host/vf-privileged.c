/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/vf-privileged.h"

#include "core/vf-error.h"
#include "core/vf-json.h"

#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

/* pkexec's own exit statuses: the user dismissed the dialog, or polkit said no. */
#define VF_PKEXEC_DISMISSED      126
#define VF_PKEXEC_NOT_AUTHORIZED 127

static GPtrArray *
vf_privileged_argv(VfHost *host, const char *helper, const char *const *verb_argv, GError **error)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    if (geteuid() != 0) {
        g_autofree char *pkexec = g_find_program_in_path("pkexec");

        if (pkexec == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION,
                        "Changing devices needs root: run as root, or install polkit's "
                        "pkexec (Debian: apt install pkexec) so that VirtFlow can ask for it");
            vf_error_add_fix(error, "Install pkexec (Debian: apt install pkexec), or run as root");
            return NULL;
        }
        g_ptr_array_add(argv, g_steal_pointer(&pkexec));
    }
    g_ptr_array_add(argv, g_strdup(helper));
    if (!vf_host_is_live(host)) {
        g_ptr_array_add(argv, g_strdup("--host-root"));
        g_ptr_array_add(argv, g_strdup(vf_host_get_root(host)));
    }
    g_ptr_array_add(argv, g_strdup("--state-dir"));
    g_ptr_array_add(argv, vf_host_dup_state_path(host, NULL));
    for (guint i = 0; verb_argv[i]; i++)
        g_ptr_array_add(argv, g_strdup(verb_argv[i]));
    g_ptr_array_add(argv, NULL);
    return g_steal_pointer(&argv);
}

/* The helper could not be started (@reason: why, from access(2) or the spawn). */
static void
vf_privileged_set_not_runnable(GError **error, const char *helper, const char *reason)
{
    g_set_error(error, VF_ERROR, VF_ERROR_NOT_FOUND,
                "Cannot run VirtFlow's privileged helper '%s': %s (is VirtFlow installed? "
                "'meson install' puts it in LIBEXECDIR/virtflow)",
                helper, reason);
    vf_error_add_fix(error, "Install VirtFlow (meson install), which puts the helper where the "
                            "app looks for it");
}

/* The "end" event's verdict: TRUE, or FALSE with the helper's error. */
static gboolean
vf_privileged_end(GVariant *event, GError **error)
{
    gboolean ok = FALSE;
    g_autoptr(GVariant) err = NULL;
    const char *code = NULL;
    const char *message = NULL;
    const char *fix = NULL;

    if (g_variant_lookup(event, "ok", "b", &ok) && ok)
        return TRUE;
    err = g_variant_lookup_value(event, "error", G_VARIANT_TYPE_VARDICT);
    if (err) {
        g_variant_lookup(err, "code", "&s", &code);
        g_variant_lookup(err, "message", "&s", &message);
        g_variant_lookup(err, "fix", "&s", &fix);
    }
    g_set_error_literal(error, VF_ERROR, vf_error_code_from_string(code),
                        message ? message : "virtflow-helper failed without saying why");
    if (fix)
        vf_error_add_fix(error, "%s", fix);
    return FALSE;
}

gboolean
vf_privileged_run(VfHost *host, const char *const *verb_argv, VfPrivilegedEventFunc func,
                  gpointer user_data, GError **error)
{
    const char *helper = vf_host_get_helper(host);
    g_autoptr(GPtrArray) argv = NULL;
    g_autoptr(GError) spawn_error = NULL;
    g_autoptr(GError) protocol_error = NULL;
    g_autoptr(GError) result = NULL;
    g_autofree char *line = NULL;
    gboolean ended = FALSE;
    size_t size = 0;
    GPid pid;
    int out_fd = -1;
    int status = 0;
    FILE *out;

    g_return_val_if_fail(helper != NULL, FALSE);
    /* Said here, before pkexec: pkexec ends with the same status 127 for a program it
     * cannot find as for a refusal, which would read as "not authorized". */
    if (access(helper, X_OK) < 0) {
        vf_privileged_set_not_runnable(error, helper, g_strerror(errno));
        return FALSE;
    }
    if ((argv = vf_privileged_argv(host, helper, verb_argv, error)) == NULL)
        return FALSE;
    if (!g_spawn_async_with_pipes(NULL, (char **)argv->pdata, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES, NULL, NULL,
                                  &pid, NULL, &out_fd, NULL, &spawn_error)) {
        vf_privileged_set_not_runnable(error, helper, spawn_error->message);
        return FALSE;
    }
    out = fdopen(out_fd, "r");
    if (out == NULL) {
        close(out_fd);
        g_set_error(&protocol_error, VF_ERROR, VF_ERROR_IO, "Cannot read the helper's output");
    }
    while (out && getline(&line, &size, out) >= 0) {
        g_autoptr(GError) parse_error = NULL;
        g_autoptr(GVariant) event = NULL;
        const char *name = NULL;

        g_strchomp(line);
        if (*line == '\0')
            continue;
        event = vf_json_parse(line, -1, &parse_error);
        if (event == NULL || !g_variant_is_of_type(event, G_VARIANT_TYPE_VARDICT) ||
            !g_variant_lookup(event, "event", "&s", &name)) {
            if (protocol_error == NULL)
                g_set_error(&protocol_error, VF_ERROR, VF_ERROR_FAILED,
                            "virtflow-helper answered something that is not a progress "
                            "line: '%s'",
                            line);
            continue;
        }
        if (func)
            func(event, user_data);
        if (g_str_equal(name, "end") && !ended) {
            ended = TRUE;
            vf_privileged_end(event, &result);
        }
    }
    if (out)
        fclose(out);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    g_spawn_close_pid(pid);

    if (protocol_error) {
        g_propagate_error(error, g_steal_pointer(&protocol_error));
        return FALSE;
    }
    if (ended) {
        if (result) {
            g_propagate_error(error, g_steal_pointer(&result));
            return FALSE;
        }
        return TRUE;
    }
    /* the helper finished and said so by its status, but its "end" line was lost (this
     * process stopped reading for longer than the helper waits for it): its audit line
     * has the details */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TRUE;
    if (WIFEXITED(status) && geteuid() != 0 &&
        (WEXITSTATUS(status) == VF_PKEXEC_DISMISSED ||
         WEXITSTATUS(status) == VF_PKEXEC_NOT_AUTHORIZED)) {
        g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION,
                    "Not authorized to change devices: polkit refused action "
                    "org.virtflow.helper (pkexec exit status %d); authenticate as an "
                    "administrator, or run as root",
                    WEXITSTATUS(status));
        vf_error_add_fix(error, "Authenticate as an administrator when asked, then try again");
    } else if (WIFSIGNALED(status)) {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "virtflow-helper was killed by signal %d before it finished; run "
                    "'virtflow recover' to finish or undo what it started",
                    WTERMSIG(status));
    } else {
        g_set_error(error, VF_ERROR, VF_ERROR_FAILED,
                    "virtflow-helper ended (exit status %d) without an answer; its line in "
                    "/var/log/virtflow/helper.log says what it did; run 'virtflow recover' "
                    "if a device was left half-moved",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return FALSE;
}
