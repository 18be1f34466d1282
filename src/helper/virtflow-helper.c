/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-helper: the one privileged path (decision 10)
 *
 * The CLI and the desktop app, when they are not root, run this program through pkexec
 * (polkit action org.virtflow.helper, data/org.virtflow.helper.policy); as root they make
 * the same library calls themselves. It does one narrow thing per run:
 *
 *   bind GPU            GPU's passthrough set → vfio-pci (after every safety check)
 *   restore GPU|--all   back to the host drivers VirtFlow recorded
 *   recover             finish or undo what an interrupted bind or restore left
 *   setup [--dry-run] [--undo|--grub] [--user NAME]
 *                       vfio modules, modules-load.d, the libvirt hook (vf-setup.h)
 *
 * Nothing from the caller is trusted: the arguments are checked (address syntax, the
 * device exists and is a GPU or one of its passthrough set), the plan is made here from
 * the live host, no path comes from the caller, the environment is replaced, no shell is
 * run. Progress goes to stdout as JSON lines (vf-privileged.h); each request leaves one
 * audit line in syslog (authpriv) and /var/log/virtflow/helper.log.
 *
 * A helper killed half-way leaves its journal under /var/lib/virtflow: `virtflow recover`
 * (and virtflow-recover.service at boot) finishes or undoes it.
 *
 * Tests run it as root without pkexec, with --host-root (a kernel-model tree),
 * --state-dir and --log in front of the verb; those options are refused when the real
 * caller is not root or came through pkexec.
 */
#include "vf-error.h"
#include "vf-json.h"
#include "vf-setup.h"
#include "host/vf-gpu.h"
#include "host/vf-kmodel.h"
#include "host/vf-transition.h"

#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define VF_HELPER_LOG "/var/log/virtflow/helper.log"

typedef struct {
    const char *host_root; /* tests only */
    const char *state_dir; /* tests only (the CLI passes the default too) */
    const char *log_path;  /* tests only */
    const char *verb;
    char **args; /* after the verb */
    int n_args;
    guint caller_uid;
    gboolean via_pkexec;
    GString *devices; /* for the audit line */
    const char *gpu;
} VfHelper;

static void
vf_helper_emit(VfJson *json)
{
    /* one write per line, flushed: the caller shows each step as it happens, and a kill
     * between two lines never leaves half a line */
    g_autofree char *text = g_strconcat(vf_json_get_text(json), "\n", NULL);
    size_t len = strlen(text);
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, text + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the caller went away: go on, the audit log still gets the result */
        done += (size_t)n;
    }
}

static void
vf_helper_emit_end(const GError *error)
{
    g_autoptr(VfJson) json = vf_json_new(FALSE);

    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "end");
    vf_json_member_bool(json, "ok", error == NULL);
    if (error) {
        vf_json_key(json, "error");
        vf_json_begin_object(json);
        vf_json_member_string(json, "code",
                              error->domain == VF_ERROR ? vf_error_code_to_string(error->code)
                                                        : "invalid-argument");
        vf_json_member_string(json, "message", error->message);
        vf_json_end_object(json);
    }
    vf_json_end_object(json);
    vf_helper_emit(json);
}

static void
vf_helper_on_write(const VfSysfsWrite *w, guint index, guint total, VfWriteState state,
                   gboolean undo, gpointer user_data)
{
    g_autoptr(VfJson) json = vf_json_new(FALSE);

    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "write");
    vf_json_member_int(json, "index", index);
    vf_json_member_int(json, "total", total);
    vf_json_member_string(json, "device", w->device);
    vf_json_member_string(json, "path", w->path);
    vf_json_member_string(json, "value", w->value);
    vf_json_member_string(json, "state", vf_write_state_to_string(state));
    vf_json_member_bool(json, "undo", undo);
    vf_json_end_object(json);
    vf_helper_emit(json);
}

/* The audit line: who asked for what, and what came of it. */
static void
vf_helper_audit(VfHelper *h, const GError *error, gint64 started)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    g_autofree char *args = h->args && h->n_args ? g_strjoinv(" ", h->args) : g_strdup("");
    g_autoptr(GString) line = g_string_new(NULL);
    g_autofree char *log_path = NULL;
    int fd;

    g_string_printf(
        line, "uid=%u%s verb=%s args=\"%s\" devices=%s result=%s duration=%" G_GINT64_FORMAT "ms",
        h->caller_uid, h->via_pkexec ? " via=pkexec" : "", h->verb ? h->verb : "-", args,
        h->devices->len ? h->devices->str : "-",
        error == NULL               ? "ok"
        : error->domain == VF_ERROR ? vf_error_code_to_string(error->code)
                                    : "usage",
        (g_get_monotonic_time() - started) / 1000);
    if (error) {
        g_autofree char *message = g_strescape(error->message, NULL);

        g_string_append_printf(line, " error=\"%s\"", message);
    }
    syslog(error ? LOG_WARNING : LOG_NOTICE, "%s", line->str);

    /* a test's model tree keeps its log inside the tree */
    log_path = g_strdup(h->log_path ? h->log_path : h->host_root ? NULL : VF_HELPER_LOG);
    if (log_path == NULL)
        log_path = g_build_filename(h->host_root, VF_HELPER_LOG, NULL);
    if (h->log_path == NULL) {
        g_autofree char *dir = g_path_get_dirname(log_path);

        (void)g_mkdir_with_parents(dir, 0750);
    }
    fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd >= 0) {
        g_autofree char *text = g_strdup_printf("%s %s\n", stamp, line->str);

        /* O_APPEND and one write(): concurrent helpers never interleave a line */
        if (write(fd, text, strlen(text)) < 0)
            syslog(LOG_WARNING, "cannot write %s: %s", log_path, g_strerror(errno));
        close(fd);
    }
}

static VfHost *
vf_helper_open_host(VfHelper *h, GError **error)
{
    g_autoptr(VfHost) host = vf_host_new(h->host_root ? h->host_root : "/", error);

    if (host == NULL)
        return NULL;
    if (h->host_root && !vf_kmodel_attach(host, error)) {
        g_prefix_error(error, "--host-root '%s' is not a kernel-model tree: ", h->host_root);
        return NULL;
    }
    if (h->state_dir)
        vf_host_set_state_dir(host, h->state_dir);
    /* this process is the helper: it never hands the work on */
    vf_host_set_helper(host, NULL);
    return g_steal_pointer(&host);
}

/* @t NULL: nothing to do (recover without a journal) */
static void
vf_helper_emit_begin(VfHelper *h, VfTransition *t)
{
    g_autoptr(VfJson) json = vf_json_new(FALSE);
    g_autoptr(GPtrArray) writes = t ? vf_transition_dup_writes(t) : NULL;
    GPtrArray *devices = t ? vf_transition_get_devices(t) : NULL;

    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "begin");
    vf_json_member_string(json, "verb", h->verb);
    vf_json_key(json, "gpu");
    vf_json_string(json, t ? vf_transition_get_gpu(t) : NULL);
    vf_json_key(json, "devices");
    vf_json_begin_array(json);
    for (guint i = 0; devices && i < devices->len; i++) {
        const VfDeviceOrigin *o = devices->pdata[i];

        vf_json_string(json, o->address);
        g_string_append_printf(h->devices, "%s%s", h->devices->len ? "," : "", o->address);
    }
    vf_json_end_array(json);
    vf_json_member_int(json, "total", writes ? writes->len : 0);
    vf_json_end_object(json);
    vf_helper_emit(json);
}

/* bind GPU | restore GPU|--all | recover */
static gboolean
vf_helper_transition(VfHelper *h, GError **error)
{
    gboolean recover = g_str_equal(h->verb, "recover");
    gboolean bind = g_str_equal(h->verb, "bind");
    g_autofree char *address = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;

    if (recover ? h->n_args != 0 : h->n_args != 1) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    recover ? "'recover' takes no arguments"
                    : bind  ? "'bind' takes one GPU address, e.g. 0000:01:00.0"
                            : "'restore' takes one GPU address, e.g. 0000:01:00.0, or --all");
        return FALSE;
    }
    if (!recover && !(!bind && g_str_equal(h->args[0], "--all"))) {
        /* the syntax first: nothing is read for a malformed address */
        address = vf_pci_address_normalize(h->args[0], error);
        if (address == NULL)
            return FALSE;
        h->gpu = address;
    }
    if ((host = vf_helper_open_host(h, error)) == NULL)
        return FALSE;
    if (recover) {
        t = vf_transition_new_recover(host, error);
        if (t == NULL) {
            if (error && *error)
                return FALSE;
            /* nothing interrupted: an empty success */
            vf_helper_emit_begin(h, NULL);
            return TRUE;
        }
    } else {
        report = address ? vf_host_report_new_for_gpu(host, address, error)
                         : vf_host_report_new(host, error);
        if (report == NULL)
            return FALSE;
        /* the address must be a GPU of this host or one of its passthrough set */
        if (address && vf_host_report_find_gpu(report, address, error) == NULL)
            return FALSE;
        t = bind ? vf_transition_new_bind(host, report, address, error)
                 : vf_transition_new_restore(host, report, address, error);
        if (t == NULL)
            return FALSE;
    }
    vf_helper_emit_begin(h, t);
    vf_transition_set_progress(t, vf_helper_on_write, h);
    return vf_transition_apply(t, error);
}

static void
vf_helper_on_setup_change(const VfSetupChange *change, gpointer user_data)
{
    g_autoptr(VfJson) json = vf_json_new(FALSE);

    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "change");
    vf_json_member_string(json, "id", change->id);
    vf_json_member_string(json, "title", change->title);
    vf_json_key(json, "path");
    vf_json_string(json, change->path);
    vf_json_member_string(json, "state", vf_setup_state_to_string(change->state));
    vf_json_key(json, "detail");
    vf_json_string(json, change->detail);
    vf_json_end_object(json);
    vf_helper_emit(json);
}

/* setup [--dry-run | --undo] */
static gboolean
vf_helper_setup(VfHelper *h, GError **error)
{
    gboolean dry_run = FALSE;
    gboolean undo = FALSE;
    gboolean grub = FALSE;
    const char *user = NULL;
    g_autofree char *caller = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfSetup) setup = NULL;
    g_autoptr(VfJson) json = vf_json_new(FALSE);

    for (int i = 0; i < h->n_args; i++) {
        if (g_str_equal(h->args[i], "--dry-run"))
            dry_run = TRUE;
        else if (g_str_equal(h->args[i], "--undo"))
            undo = TRUE;
        else if (g_str_equal(h->args[i], "--grub"))
            grub = TRUE;
        else if (g_str_equal(h->args[i], "--user") && i + 1 < h->n_args && user == NULL)
            user = h->args[++i]; /* checked by vf_setup_new_for_user(): a user of this host */
        else {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "'setup' takes --dry-run, --undo, --grub or --user NAME, not '%s'",
                        h->args[i]);
            return FALSE;
        }
    }
    if ((host = vf_helper_open_host(h, error)) == NULL)
        return FALSE;
    /* the environment is gone (vf_helper_clean_environment): without --user, the desktop
     * user is the one pkexec ran us for */
    if (user == NULL && h->via_pkexec && h->caller_uid != 0) {
        struct passwd *pw = getpwuid(h->caller_uid);

        if (pw)
            user = caller = g_strdup(pw->pw_name);
    }
    setup = undo ? vf_setup_new_undo(host, error)
                 : vf_setup_new_for_user(host, grub ? VF_SETUP_GRUB : 0, user, error);
    if (setup == NULL)
        return FALSE;
    vf_json_begin_object(json);
    vf_json_member_string(json, "event", "begin");
    vf_json_member_string(json, "verb", undo ? "setup-undo" : "setup");
    vf_json_member_bool(json, "dry_run", dry_run);
    vf_json_member_int(json, "total", vf_setup_get_changes(setup)->len);
    vf_json_end_object(json);
    vf_helper_emit(json);
    g_string_append(h->devices, "-");
    if (dry_run) {
        GPtrArray *changes = vf_setup_get_changes(setup);

        for (guint i = 0; i < changes->len; i++)
            vf_helper_on_setup_change(changes->pdata[i], h);
        return TRUE;
    }
    return vf_setup_apply(setup, vf_helper_on_setup_change, h, error);
}

static const char vf_helper_usage[] =
    "Usage: virtflow-helper VERB [ARGUMENTS]\n"
    "VirtFlow's privileged worker; virtflow and virtflow-gtk run it through pkexec.\n"
    "  bind GPU                 move the GPU's passthrough set to vfio-pci\n"
    "  restore GPU|--all        give the devices back to their host drivers\n"
    "  recover                  finish or undo an interrupted bind or restore\n"
    "  setup [--dry-run] [--undo|--grub] [--user NAME]\n"
    "                           vfio modules, modules-load.d, the libvirt hook, Looking Glass\n"
    "Progress is printed as JSON lines. Test options (root only, not through pkexec):\n"
    "  --host-root DIR --state-dir DIR --log FILE\n";

/* Options before the verb. Returns FALSE with @error for a bad one. */
static gboolean
vf_helper_parse(VfHelper *h, int argc, char **argv, GError **error)
{
    gboolean tests_allowed = !h->via_pkexec && getuid() == 0;
    int i = 1;

    while (i < argc && g_str_has_prefix(argv[i], "--")) {
        const char **slot = g_str_equal(argv[i], "--host-root")   ? &h->host_root
                            : g_str_equal(argv[i], "--state-dir") ? &h->state_dir
                            : g_str_equal(argv[i], "--log")       ? &h->log_path
                                                                  : NULL;

        if (slot == NULL) {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT, "Unknown option '%s'", argv[i]);
            return FALSE;
        }
        if (i + 1 >= argc || argv[i + 1][0] != '/') {
            g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Option '%s' needs an absolute path", argv[i]);
            return FALSE;
        }
        /* a caller through pkexec never chooses where root writes; --state-dir naming the
         * default (the library always passes it) is no choice */
        if (!tests_allowed &&
            !(slot == &h->state_dir && g_str_equal(argv[i + 1], "/var/lib/virtflow"))) {
            g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION,
                        "Option '%s' is for tests run by root, not for callers through pkexec",
                        argv[i]);
            return FALSE;
        }
        *slot = argv[i + 1];
        i += 2;
    }
    if (i >= argc) {
        g_set_error(error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                    "No verb given (bind, restore, recover, setup)");
        return FALSE;
    }
    h->verb = argv[i];
    h->args = argv + i + 1;
    h->n_args = argc - i - 1;
    return TRUE;
}

/* A clean, known environment: nothing the caller set reaches libkmod, GLib or the kernel
 * module loader. */
static void
vf_helper_clean_environment(void)
{
    clearenv();
    setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
    setenv("LC_ALL", "C.UTF-8", 1);
}

int
main(int argc, char **argv)
{
    VfHelper h = {0};
    g_autoptr(GError) error = NULL;
    const char *pkexec_uid = getenv("PKEXEC_UID");
    gint64 started = g_get_monotonic_time();
    gboolean ok = FALSE;

    h.via_pkexec = pkexec_uid != NULL;
    h.caller_uid = pkexec_uid ? (guint)strtoul(pkexec_uid, NULL, 10) : (guint)getuid();
    h.devices = g_string_new(NULL);
    vf_helper_clean_environment();
    umask(022);
    openlog("virtflow-helper", LOG_PID, LOG_AUTHPRIV);

    if (argc == 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
        fputs(vf_helper_usage, stdout);
        g_string_free(h.devices, TRUE);
        return 0;
    }
    if (geteuid() != 0)
        g_set_error(&error, VF_ERROR, VF_ERROR_PERMISSION,
                    "virtflow-helper must run as root: virtflow runs it through pkexec");
    else if (vf_helper_parse(&h, argc, argv, &error)) {
        if (g_str_equal(h.verb, "bind") || g_str_equal(h.verb, "restore") ||
            g_str_equal(h.verb, "recover"))
            ok = vf_helper_transition(&h, &error);
        else if (g_str_equal(h.verb, "setup"))
            ok = vf_helper_setup(&h, &error);
        else
            g_set_error(&error, VF_ERROR, VF_ERROR_INVALID_ARGUMENT,
                        "Unknown verb '%s' (bind, restore, recover, setup)", h.verb);
    }
    if (!ok && error == NULL)
        g_set_error_literal(&error, VF_ERROR, VF_ERROR_FAILED, "failed");
    vf_helper_emit_end(ok ? NULL : error);
    if (!ok)
        fprintf(stderr, "virtflow-helper: %s\n", error->message);
    vf_helper_audit(&h, ok ? NULL : error, started);
    g_string_free(h.devices, TRUE);
    closelog();
    return ok ? 0 : vf_error_exit_status(error);
}
