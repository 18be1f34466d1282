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
 *   bind|restore --usb-controller BDF
 *                       a USB controller's set (checked again here: class 0x0c03, its
 *                       group viable on its own, no keyboard or mouse behind it)
 *   recover             finish or undo what an interrupted bind or restore left
 *   setup [--dry-run] [--undo|--grub] [--user NAME]
 *                       vfio modules, modules-load.d, the libvirt hook (vf-setup.h)
 *
 * Nothing from the caller is trusted: the arguments are checked (address syntax, the
 * device exists and is a GPU or one of its passthrough set), the plan is made here from
 * the live host, no path comes from the caller, the environment is replaced, no shell is
 * run. Progress goes to stdout as JSON lines (vf-privileged.h), and never holds up the
 * operation: a caller that stops reading, closes the pipe or presses ^C does not stop it
 * half way. Each request leaves two audit lines in syslog (authpriv) and
 * /var/log/virtflow/helper.log: "begin" before the first change, then the result.
 *
 * A helper killed half-way leaves its journal under /var/lib/virtflow: `virtflow recover`
 * (and virtflow-recover.service at boot) finishes or undoes it.
 *
 * Tests run it as root without pkexec, with --host-root (a kernel-model tree),
 * --state-dir and --log in front of the verb; those options are refused unless the real
 * uid is 0 and the caller came through neither pkexec nor sudo.
 */
#include "core/vf-error.h"
#include "core/vf-json.h"
#include "setup/vf-setup.h"
#include "core/vf-util.h"
#include "host/vf-gpu.h"
#include "demo/vf-kmodel.h"
#include "host/vf-transition.h"

#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define VF_HELPER_LOG "/var/log/virtflow/helper.log"
/* After the operation is finished and audited, how long the "end" line waits for a caller
 * that stopped reading. */
#define VF_HELPER_END_WAIT_MS 5000

typedef struct {
    const char *host_root; /* tests only */
    const char *state_dir; /* tests only (the CLI passes the default too) */
    const char *log_path;  /* tests only */
    int log_fd;            /* the audit file, opened and checked once; -1: syslog only */
    gboolean log_opened;
    const char *verb;
    char **args; /* after the verb */
    int n_args;
    guint caller_uid;
    const char *via;  /* "pkexec", "sudo" or NULL */
    gboolean begun;   /* the "begin" audit line is written */
    GString *devices; /* for the audit line */
    const char *gpu;
} VfHelper;

/*
 * The progress channel. A caller must never hold up the operation: stdout is non-blocking
 * (when it is a pipe or a socket) and the lines the pipe cannot take now wait in memory
 * for the next chance (an operation writes a few dozen lines: a few KiB at most). A
 * caller that closed its end (EPIPE; SIGPIPE is ignored) is gone: nothing more is
 * written, the operation goes on.
 */
typedef struct {
    GString *pending; /* bytes the pipe has not taken yet */
    gboolean gone;    /* the caller closed its end */
} VfHelperOut;

static VfHelperOut vf_out;

/* Hands the pipe what it takes now, without waiting. */
static void
vf_helper_flush(void)
{
    while (!vf_out.gone && vf_out.pending->len > 0) {
        ssize_t n = write(STDOUT_FILENO, vf_out.pending->str, vf_out.pending->len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return; /* full: the caller reads later, or never */
        if (n <= 0) {
            /* EPIPE and the like: the caller went away; the operation goes on and the audit
             * log gets its result */
            vf_out.gone = TRUE;
            g_string_truncate(vf_out.pending, 0);
            return;
        }
        g_string_erase(vf_out.pending, 0, n);
    }
}

/* At the end: waits up to @ms for a caller that stopped reading to take the rest. */
static void
vf_helper_flush_wait(int ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;

    for (vf_helper_flush(); !vf_out.gone && vf_out.pending->len > 0; vf_helper_flush()) {
        struct pollfd pfd = {.fd = STDOUT_FILENO, .events = POLLOUT};
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;

        if (left <= 0 || (poll(&pfd, 1, (int)left) < 0 && errno != EINTR))
            return;
    }
}

static void
vf_helper_emit(VfJson *json)
{
    if (vf_out.gone)
        return;
    /* a line the pipe takes in part is finished by a later flush */
    g_string_append(vf_out.pending, vf_json_get_text(json));
    g_string_append_c(vf_out.pending, '\n');
    vf_helper_flush();
}

/* Non-blocking for a pipe or a socket: a caller that stops reading gets its lines
 * queued, not the helper stopped. (A terminal or a file never holds a write for long.)
 * Returns the flags to put back at exit (the open file description may be shared with
 * the caller, e.g. a stderr inherited from it), or -1. */
static int
vf_helper_set_nonblocking(int fd)
{
    struct stat st;
    int flags;

    if (fstat(fd, &st) < 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return -1;
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_NONBLOCK) || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -1;
    return flags;
}

/* Signals a caller can send without being root: a terminal's ^C, ^\, ^Z, its hangup,
 * and SIGPIPE when the caller closes the pipe. None of them may stop an operation half
 * way (SIGKILL and SIGSTOP need root, the helper's own uid). */
static void
vf_helper_ignore_signals(void)
{
    static const int signals[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP};

    for (guint i = 0; i < G_N_ELEMENTS(signals); i++)
        signal(signals[i], SIG_IGN);
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
        if (vf_error_get_fix(error))
            vf_json_member_string(json, "fix", vf_error_get_fix(error));
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

/* ---- the audit log ---- */

/*
 * Appends @text so that nothing in it can end the line or pass for another field: \" \\
 * \n \t as such; other control characters, C1 controls, the Unicode line and paragraph
 * separators and every byte that is not valid UTF-8 as \xNN (bytes) or \uNNNN; with
 * @space, a space too (\x20: the separator of the args field).
 */
static void
vf_helper_audit_escape(GString *out, const char *text, gboolean space)
{
    const char *p = text ? text : "";

    while (*p) {
        guchar c = (guchar)*p;
        gunichar u;
        const char *next;

        if (c < 0x80) {
            if (c == '"' || c == '\\')
                g_string_append_printf(out, "\\%c", c);
            else if (c == '\n')
                g_string_append(out, "\\n");
            else if (c == '\t')
                g_string_append(out, "\\t");
            else if (c < 0x20 || c == 0x7f || (space && c == ' '))
                g_string_append_printf(out, "\\x%02x", c);
            else
                g_string_append_c(out, (char)c);
            p++;
            continue;
        }
        u = g_utf8_get_char_validated(p, -1);
        if (u == (gunichar)-1 || u == (gunichar)-2) {
            g_string_append_printf(out, "\\x%02x", c);
            p++;
            continue;
        }
        next = g_utf8_next_char(p);
        if ((u >= 0x80 && u < 0xa0) || u == 0x2028 || u == 0x2029)
            g_string_append_printf(out, "\\u%04x", u);
        else
            g_string_append_len(out, p, next - p);
        p = next;
    }
}

/* A field the caller chose, as key="escaped value". */
static void
vf_helper_audit_quoted(GString *line, const char *key, const char *value)
{
    g_string_append_printf(line, " %s=\"", key);
    vf_helper_audit_escape(line, value, FALSE);
    g_string_append_c(line, '"');
}

static gboolean
vf_helper_is_verb(const char *verb)
{
    static const char *const verbs[] = {"bind", "restore", "recover", "setup"};

    return vf_name_index(verbs, G_N_ELEMENTS(verbs), verb) >= 0;
}

/*
 * Whether @fd (just opened with O_NOFOLLOW) may receive VirtFlow's audit lines: a regular
 * file owned by root, one link, writable by root alone, and empty or beginning with a line
 * of VirtFlow's own format ("2026-12-06T03:51:05.123Z uid="). Anything else (a symlink, a
 * hard link to /etc/shadow, a device, a FIFO, someone's file) is never appended to.
 */
static gboolean
vf_helper_log_is_ours(int fd, const char *path, GError **error)
{
    struct stat st;
    char head[64] = {0};
    ssize_t n;
    const char *why = NULL;

    if (fstat(fd, &st) < 0)
        why = g_strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "it is not a regular file";
    else if (st.st_uid != 0)
        why = "it is not owned by root";
    else if (st.st_nlink != 1)
        why = "it has more than one name (a hard link)";
    else if (st.st_mode & 022)
        why = "others may write to it";
    else if (st.st_size > 0) {
        n = pread(fd, head, sizeof(head) - 1, 0);
        if (n < 0)
            why = g_strerror(errno);
        else if (!g_regex_match_simple("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z uid=[0-9]+ ", head, 0,
                                       0))
            why = "it does not begin with a line of VirtFlow's audit log";
    }
    if (why) {
        g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION,
                    "'%s' is not VirtFlow's audit log (%s): the helper never appends to it", path,
                    why);
        return FALSE;
    }
    return TRUE;
}

/* Opens the audit file and checks it is VirtFlow's: the fd, or -1 with @error. */
static int
vf_helper_log_open(const char *path, gboolean make_dir, GError **error)
{
    int fd;

    if (make_dir) {
        g_autofree char *dir = g_path_get_dirname(path);

        (void)g_mkdir_with_parents(dir, 0750);
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a reader (it is refused below); O_RDWR
     * to read its first line */
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK,
              0640);
    if (fd < 0) {
        int errsv = errno;

        g_set_error(error, VF_ERROR, VF_ERROR_PERMISSION, "Cannot open the audit log '%s': %s%s",
                    path, g_strerror(errsv),
                    errsv == ELOOP ? " (a symbolic link: the helper never follows one)" : "");
        return -1;
    }
    if (!vf_helper_log_is_ours(fd, path, error)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The audit file of this request: --log (checked when the option was read), else the
 * host's /var/log/virtflow/helper.log. -1: syslog only. */
static int
vf_helper_log_fd(VfHelper *h)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = NULL;

    if (h->log_opened)
        return h->log_fd;
    h->log_opened = TRUE;
    /* a test's model tree keeps its log inside the tree */
    path = h->host_root ? g_build_filename(h->host_root, VF_HELPER_LOG, NULL)
                        : g_strdup(VF_HELPER_LOG);
    h->log_fd = vf_helper_log_open(path, TRUE, &error);
    if (h->log_fd < 0)
        syslog(LOG_WARNING, "%s", error->message);
    return h->log_fd;
}

/*
 * One audit line, to syslog (authpriv; the journal takes syslog's lines where systemd
 * runs) and the audit file: "begin" before the first change, then the result. Who asked
 * (the caller's uid and how it came), the verb and arguments as given (escaped: a caller
 * cannot write a line of its choosing), the devices, and the helper's pid, which pairs the
 * two lines of one request.
 */
static void
vf_helper_audit(VfHelper *h, gboolean begin, const GError *error, gint64 started)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format_iso8601(now);
    g_autoptr(GString) line = g_string_new(NULL);
    g_autoptr(GString) args = g_string_new(NULL);
    int fd;

    g_string_printf(line, "uid=%u%s%s verb=", h->caller_uid, h->via ? " via=" : "",
                    h->via ? h->via : "");
    if (h->verb == NULL)
        g_string_append_c(line, '-');
    else if (vf_helper_is_verb(h->verb))
        g_string_append(line, h->verb);
    else {
        g_string_append_c(line, '"');
        vf_helper_audit_escape(line, h->verb, FALSE);
        g_string_append_c(line, '"');
    }
    for (int i = 0; h->args && i < h->n_args; i++) {
        if (i > 0)
            g_string_append_c(args, ' ');
        vf_helper_audit_escape(args, h->args[i], TRUE);
    }
    g_string_append_printf(line, " args=\"%s\" devices=%s", args->str,
                           h->devices->len ? h->devices->str : "-");
    if (begin) {
        g_string_append_printf(line, " phase=begin pid=%d", (int)getpid());
    } else {
        g_string_append_printf(line, " result=%s duration=%" G_GINT64_FORMAT "ms pid=%d",
                               error == NULL               ? "ok"
                               : error->domain == VF_ERROR ? vf_error_code_to_string(error->code)
                                                           : "usage",
                               (g_get_monotonic_time() - started) / 1000, (int)getpid());
        if (error)
            vf_helper_audit_quoted(line, "error", error->message);
    }
    syslog(error ? LOG_WARNING : LOG_NOTICE, "%s", line->str);

    fd = vf_helper_log_fd(h);
    if (fd >= 0) {
        g_autofree char *text = g_strdup_printf("%s %s\n", stamp, line->str);

        /* O_APPEND and one write(): concurrent helpers never interleave a line */
        if (write(fd, text, strlen(text)) < 0)
            syslog(LOG_WARNING, "cannot write the audit log: %s", g_strerror(errno));
    }
}

/* The "begin" line, once, before the first change (or, for a request refused before it
 * got that far, just before its result). */
static void
vf_helper_audit_begin(VfHelper *h)
{
    if (h->begun)
        return;
    h->begun = TRUE;
    vf_helper_audit(h, TRUE, NULL, 0);
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
    /* restore: the members of the set on vfio-pci that VirtFlow did not move */
    vf_json_key(json, "left");
    vf_json_begin_array(json);
    for (guint i = 0; t && i < vf_transition_get_left(t)->len; i++)
        vf_json_string(json, vf_transition_get_left(t)->pdata[i]);
    vf_json_end_array(json);
    vf_json_member_int(json, "total", writes ? writes->len : 0);
    vf_json_end_object(json);
    vf_helper_emit(json);
}

/* bind GPU | restore GPU|--all | bind|restore --usb-controller BDF | recover */
static gboolean
vf_helper_transition(VfHelper *h, GError **error)
{
    gboolean recover = g_str_equal(h->verb, "recover");
    gboolean bind = g_str_equal(h->verb, "bind");
    g_autofree char *address = NULL;
    g_autoptr(VfHost) host = NULL;
    g_autoptr(VfHostReport) report = NULL;
    g_autoptr(VfTransition) t = NULL;

    if (!recover && h->n_args == 2 && g_str_equal(h->args[0], "--usb-controller")) {
        /* a USB controller's set (--input usb-controller:BDF): checked again here, from
         * this process's own reading of the host (class 0x0c03, its IOMMU group viable on
         * its own, no keyboard or mouse with a by-id link behind it: the helper cannot know
         * which one its caller uses, so none may be) */
        address = vf_pci_address_normalize(h->args[1], error);
        if (address == NULL)
            return FALSE;
        h->gpu = address;
        if ((host = vf_helper_open_host(h, error)) == NULL)
            return FALSE;
        t = bind ? vf_transition_new_bind_usb(host, address, error)
                 : vf_transition_new_restore_usb(host, address, NULL, error);
        if (t == NULL)
            return FALSE;
        goto apply;
    }
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
apply:
    vf_helper_emit_begin(h, t);
    /* audited before the first change: a helper that never ends still left its line */
    vf_helper_audit_begin(h);
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
     * user is the one pkexec (or sudo) ran us for */
    if (user == NULL && h->via != NULL && h->caller_uid != 0) {
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
    vf_helper_audit_begin(h);
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
    "  bind|restore --usb-controller BDF\n"
    "                           the same for a USB controller's IOMMU group\n"
    "  recover                  finish or undo an interrupted bind or restore\n"
    "  setup [--dry-run] [--undo|--grub] [--user NAME]\n"
    "                           vfio modules, modules-load.d, the libvirt hook, Looking Glass\n"
    "Progress is printed as JSON lines. Test options (root only, not through pkexec or sudo):\n"
    "  --host-root DIR --state-dir DIR --log FILE\n";

/* Options before the verb. Returns FALSE with @error for a bad one. The test options
 * choose where root writes: only root itself may give them, not a caller who came through
 * pkexec or sudo (a sudo rule for the helper must not become a way to write any file). */
static gboolean
vf_helper_parse(VfHelper *h, int argc, char **argv, GError **error)
{
    gboolean tests_allowed = h->via == NULL && getuid() == 0;
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
                        "Option '%s' is for tests run by root, not for callers through pkexec "
                        "or sudo",
                        argv[i]);
            return FALSE;
        }
        if (slot == &h->log_path) {
            int fd = vf_helper_log_open(argv[i + 1], FALSE, error);

            if (fd < 0) {
                g_prefix_error(error, "Option '--log': ");
                return FALSE;
            }
            if (h->log_fd >= 0)
                close(h->log_fd);
            h->log_fd = fd;
            h->log_opened = TRUE;
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
    VfHelper h = {.log_fd = -1};
    g_autoptr(GError) error = NULL;
    const char *pkexec_uid = getenv("PKEXEC_UID");
    const char *sudo_uid = getenv("SUDO_UID");
    gint64 started = g_get_monotonic_time();
    gboolean ok = FALSE;
    int stdout_flags, stderr_flags;

    vf_helper_ignore_signals();
    h.via = pkexec_uid ? "pkexec" : sudo_uid ? "sudo" : NULL;
    h.caller_uid = pkexec_uid ? (guint)strtoul(pkexec_uid, NULL, 10)
                   : sudo_uid ? (guint)strtoul(sudo_uid, NULL, 10)
                              : (guint)getuid();
    h.devices = g_string_new(NULL);
    vf_helper_clean_environment();
    umask(022);
    openlog("virtflow-helper", LOG_PID, LOG_AUTHPRIV);

    if (argc == 2 && (g_str_equal(argv[1], "--help") || g_str_equal(argv[1], "-h"))) {
        fputs(vf_helper_usage, stdout);
        g_string_free(h.devices, TRUE);
        return 0;
    }
    vf_out.pending = g_string_new(NULL);
    stdout_flags = vf_helper_set_nonblocking(STDOUT_FILENO);
    stderr_flags = vf_helper_set_nonblocking(STDERR_FILENO);
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
    /* the result is audited first: whatever the caller does with its pipes, the line is
     * written */
    vf_helper_audit_begin(&h);
    vf_helper_audit(&h, FALSE, ok ? NULL : error, started);
    vf_helper_emit_end(ok ? NULL : error);
    if (!ok) {
        g_autofree char *text = g_strdup_printf("virtflow-helper: %s\n", error->message);
        /* one try: a stderr nobody reads (non-blocking, full) loses the line; the "end"
         * event and the audit log still have it */
        ssize_t n = write(STDERR_FILENO, text, strlen(text));

        (void)n;
    }
    vf_helper_flush_wait(VF_HELPER_END_WAIT_MS);
    if (stdout_flags >= 0)
        (void)fcntl(STDOUT_FILENO, F_SETFL, stdout_flags);
    if (stderr_flags >= 0)
        (void)fcntl(STDERR_FILENO, F_SETFL, stderr_flags);
    if (h.log_fd >= 0)
        close(h.log_fd);
    g_string_free(h.devices, TRUE);
    g_string_free(vf_out.pending, TRUE);
    closelog();
    return ok ? 0 : vf_error_exit_status(error);
}
