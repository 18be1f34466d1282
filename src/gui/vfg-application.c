/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfg-application.c: virtflow-gtk's AdwApplication (see vfg-application.h and main.c for the
 * actions a script can drive over D-Bus)
 *
 * The state lives in the instance: the backend (libvirt or the demo host, opened off the main
 * thread in activate) and the one window. The actions are installed in startup, the window is
 * made in activate.
 */
#include "vfg-application.h"

#include "vfg-backend.h"
#include "vfg-window.h"

#include <glib/gi18n.h>
#include <stdio.h>

struct _VfgApplication {
    AdwApplication parent_instance;

    gboolean demo; /* --demo, as parsed */
    char *uri;     /* --connect */
    VfgBackend *backend;
    VfgWindow *window;
    gboolean opening;
};

G_DEFINE_FINAL_TYPE(VfgApplication, vfg_application, ADW_TYPE_APPLICATION)

static VfgWindow *
vfg_app_window(GApplication *app)
{
    if (VFG_APPLICATION(app)->window == NULL)
        g_warning("The window is not open yet");
    return VFG_APPLICATION(app)->window;
}

static const char *
vfg_param_vm(GVariant *param)
{
    const char *vm = param ? g_variant_get_string(param, NULL) : NULL;

    return vm && *vm ? vm : NULL;
}

static void
vfg_action_flow(GSimpleAction *action, GVariant *param, gpointer app)
{
    const char *name = g_action_get_name(G_ACTION(action));
    VfgWindow *win = vfg_app_window(app);
    VfFlowKind kind;

    if (win == NULL)
        return;
    if (g_str_equal(name, "start-vm"))
        kind = VF_FLOW_START;
    else if (g_str_equal(name, "stop-vm"))
        kind = VF_FLOW_STOP;
    else if (g_str_equal(name, "activate-gpu"))
        kind = VF_FLOW_ACTIVATE;
    else
        kind = VF_FLOW_DEACTIVATE;
    vfg_window_run_flow(win, kind, vfg_param_vm(param), FALSE);
}

static void
vfg_action_force_off(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win)
        vfg_window_force_off(win, vfg_param_vm(param));
}

static void
vfg_action_select_vm(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win && !vfg_window_select_vm(win, vfg_param_vm(param))) {
        g_autofree char *text =
            g_strdup_printf(_("No VM named '%s'"), g_variant_get_string(param, NULL));

        vfg_window_toast(win, text);
    }
}

static void
vfg_action_show_page(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win)
        vfg_window_show_page(win, g_variant_get_string(param, NULL));
}

#ifdef VFG_TEST_HOOKS
/* Test builds only (-Dtest_hooks=true): a PNG of the window (or the dialog over it) at a path
 * the caller names. */
static void
vfg_action_screenshot(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);
    g_autoptr(GError) error = NULL;

    if (win && !vfg_window_save_png(win, g_variant_get_string(param, NULL), &error))
        g_warning("Screenshot: %s", error->message);
}

/* Test builds only: the window's size "WIDTHxHEIGHT", as a user's resize leaves it. */
static void
vfg_action_test_resize(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);
    int width = 0, height = 0;

    if (win && sscanf(g_variant_get_string(param, NULL), "%dx%d", &width, &height) == 2 &&
        width > 0 && height > 0) {
        gtk_window_unmaximize(GTK_WINDOW(win));
        gtk_window_set_default_size(GTK_WINDOW(win), width, height);
    }
}

static const GActionEntry vfg_test_actions[] = {
    {"screenshot", vfg_action_screenshot, "s"},
    {"test-resize", vfg_action_test_resize, "s"},
};
#endif

static void
vfg_action_search_vms(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win)
        vfg_window_search_vms(win, g_variant_get_string(param, NULL));
}

static void
vfg_action_refresh(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win)
        vfg_window_refresh(win);
}

static void
vfg_setup_done(GObject *source, GAsyncResult *result, gpointer app)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *summary = vfg_backend_run_setup_finish(VFG_BACKEND(source), result, &error);
    VfgWindow *win = VFG_APPLICATION(app)->window;

    if (win == NULL)
        return;
    vfg_window_set_setup_running(win, FALSE);
    if (summary == NULL) {
        g_autofree char *text = g_strdup_printf(_("Setup failed: %s"), error->message);

        vfg_window_toast(win, text);
    } else {
        vfg_window_toast(win, summary);
    }
    vfg_window_refresh(win);
}

static void
vfg_action_run_setup(GSimpleAction *action, GVariant *param, gpointer app)
{
    VfgWindow *win = vfg_app_window(app);

    if (win == NULL)
        return;
    vfg_window_toast(win, vfg_backend_is_demo(VFG_APPLICATION(app)->backend)
                              ? _("Running setup on the demo host")
                              : _("Running setup (virtflow-helper; you may be asked for your "
                                  "password)"));
    vfg_window_set_setup_running(win, TRUE);
    vfg_backend_run_setup_async(VFG_APPLICATION(app)->backend, vfg_setup_done, app);
}

static void
vfg_guest_shutdown_done(GObject *source, GAsyncResult *result, gpointer app)
{
    g_autoptr(GError) error = NULL;

    /* no refresh here: libvirt's lifecycle event updates the window */
    if (!vfg_backend_guest_shutdown_finish(VFG_BACKEND(source), result, &error) &&
        VFG_APPLICATION(app)->window)
        vfg_window_toast(VFG_APPLICATION(app)->window, error->message);
}

/* Demo only: what a shutdown inside Windows looks like to VirtFlow. */
static void
vfg_action_guest_shutdown(GSimpleAction *action, GVariant *param, gpointer app)
{
    const char *vm = vfg_param_vm(param);

    if (VFG_APPLICATION(app)->backend == NULL ||
        !vfg_backend_is_demo(VFG_APPLICATION(app)->backend) || vm == NULL)
        return;
    vfg_backend_guest_shutdown_async(VFG_APPLICATION(app)->backend, vm, vfg_guest_shutdown_done,
                                     app);
}

static void
vfg_action_quit(GSimpleAction *action, GVariant *param, gpointer app)
{
    if (VFG_APPLICATION(app)->window) {
        vfg_window_save_size(VFG_APPLICATION(app)->window);
        gtk_window_destroy(GTK_WINDOW(VFG_APPLICATION(app)->window));
    }
    g_application_quit(app);
}

static void
vfg_action_about(GSimpleAction *action, GVariant *param, gpointer app)
{
    GtkWidget *about = adw_about_window_new();

    adw_about_window_set_application_name(ADW_ABOUT_WINDOW(about), _("VirtFlow"));
    adw_about_window_set_application_icon(ADW_ABOUT_WINDOW(about), "org.virtflow.VirtFlow");
    adw_about_window_set_version(ADW_ABOUT_WINDOW(about), VFG_VERSION);
    adw_about_window_set_comments(ADW_ABOUT_WINDOW(about),
                                  _("Hand the dedicated GPU to a VM while the host keeps the "
                                    "integrated one, and get it back when the VM stops."));
    adw_about_window_set_license_type(ADW_ABOUT_WINDOW(about), GTK_LICENSE_GPL_2_0);
    adw_about_window_set_developer_name(ADW_ABOUT_WINDOW(about), _("The VirtFlow developers"));
    if (VFG_APPLICATION(app)->window)
        gtk_window_set_transient_for(GTK_WINDOW(about), GTK_WINDOW(VFG_APPLICATION(app)->window));
    gtk_window_present(GTK_WINDOW(about));
}

static void
vfg_action_shortcuts(GSimpleAction *action, GVariant *param, gpointer app)
{
    g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource("/org/virtflow/VirtFlow/vfg-shortcuts.ui");
    GtkWindow *window = GTK_WINDOW(gtk_builder_get_object(builder, "shortcuts"));

    if (VFG_APPLICATION(app)->window)
        gtk_window_set_transient_for(window, GTK_WINDOW(VFG_APPLICATION(app)->window));
    gtk_window_present(window);
}

static const GActionEntry vfg_app_actions[] = {
    {"select-vm", vfg_action_select_vm, "s"},
    {"start-vm", vfg_action_flow, "s"},
    {"stop-vm", vfg_action_flow, "s"},
    {"activate-gpu", vfg_action_flow, "s"},
    {"deactivate-gpu", vfg_action_flow, "s"},
    {"force-off", vfg_action_force_off, "s"},
    {"show-page", vfg_action_show_page, "s"},
    {"search-vms", vfg_action_search_vms, "s"},
    {"run-setup", vfg_action_run_setup},
    {"refresh", vfg_action_refresh},
    {"quit", vfg_action_quit},
    {"about", vfg_action_about},
    {"shortcuts", vfg_action_shortcuts},
};

/* --demo only */
static const GActionEntry vfg_demo_actions[] = {
    {"demo-guest-shutdown", vfg_action_guest_shutdown, "s"},
};

static void
vfg_window_destroyed(GtkWidget *widget, gpointer app)
{
    VFG_APPLICATION(app)->window = NULL;
}

static void
vfg_unreachable_retry(GtkButton *button, gpointer app)
{
    gtk_window_destroy(GTK_WINDOW(gtk_widget_get_root(GTK_WIDGET(button))));
    g_application_activate(G_APPLICATION(app));
}

/* "Try the Demo": the demo is an application of its own, so it opens beside this one. */
static void
vfg_unreachable_demo(GtkButton *button, gpointer app)
{
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    const char *argv[] = {self ? self : "virtflow-gtk", "--demo", NULL};
    g_autoptr(GError) error = NULL;

    if (!g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &error))
        g_printerr("virtflow-gtk: cannot start the demo: %s\n", error->message);
}

static GtkWidget *
vfg_pill_button(const char *label, GCallback callback, gpointer app, gboolean suggested)
{
    GtkWidget *button = gtk_button_new_with_label(label);

    gtk_widget_add_css_class(button, "pill");
    if (suggested)
        gtk_widget_add_css_class(button, "suggested-action");
    g_signal_connect(button, "clicked", callback, app);
    return button;
}

/* libvirt cannot be reached: say so in the window, with the way to start it, Retry and the
 * demo (instead of a dialog with no window behind it). */
static void
vfg_show_unreachable(GtkApplication *app, const GError *error)
{
    GtkWidget *window = adw_application_window_new(app);
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
    GtkWidget *status = adw_status_page_new();
    GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    /* the message is libvirt's: escaped, our own markup kept */
    g_autofree char *escaped = g_markup_escape_text(error->message, -1);
    g_autofree char *description = g_strdup_printf(
        "%s\n\nStart the libvirt daemon (<tt>sudo systemctl start libvirtd</tt>, or "
        "<tt>virtqemud.socket</tt> where libvirt runs as modular daemons), then Retry. "
        "The demo shows VirtFlow on a simulated host.",
        escaped);
    gtk_window_set_title(GTK_WINDOW(window), _("VirtFlow"));
    gtk_window_set_default_size(GTK_WINDOW(window), 720, 560);
    gtk_box_append(GTK_BOX(box), adw_header_bar_new());
    adw_status_page_set_icon_name(ADW_STATUS_PAGE(status), "network-offline-symbolic");
    adw_status_page_set_title(ADW_STATUS_PAGE(status), _("VirtFlow cannot reach libvirt"));
    adw_status_page_set_description(ADW_STATUS_PAGE(status), description);
    gtk_widget_set_vexpand(status, TRUE);
    gtk_widget_set_halign(buttons, GTK_ALIGN_CENTER);
    gtk_box_append(GTK_BOX(buttons),
                   vfg_pill_button(_("Retry"), G_CALLBACK(vfg_unreachable_retry), app, TRUE));
    gtk_box_append(GTK_BOX(buttons), vfg_pill_button(_("Try the Demo"),
                                                     G_CALLBACK(vfg_unreachable_demo), app, FALSE));
    adw_status_page_set_child(ADW_STATUS_PAGE(status), buttons);
    gtk_box_append(GTK_BOX(box), status);
    adw_application_window_set_content(ADW_APPLICATION_WINDOW(window), box);
    gtk_window_present(GTK_WINDOW(window));
}

static void
vfg_backend_ready(GObject *source, GAsyncResult *result, gpointer data)
{
    GApplication *app = data;
    g_autoptr(GError) error = NULL;

    VFG_APPLICATION(app)->opening = FALSE;
    VFG_APPLICATION(app)->backend = vfg_backend_new_finish(result, &error);
    if (VFG_APPLICATION(app)->backend == NULL) {
        g_printerr("virtflow-gtk: %s\n", error->message);
        vfg_show_unreachable(GTK_APPLICATION(app), error);
        g_application_release(app);
        return;
    }
    VFG_APPLICATION(app)->window =
        vfg_window_new(GTK_APPLICATION(app), VFG_APPLICATION(app)->backend);
    g_signal_connect(VFG_APPLICATION(app)->window, "destroy", G_CALLBACK(vfg_window_destroyed),
                     app);
    gtk_window_present(GTK_WINDOW(VFG_APPLICATION(app)->window));
    g_application_release(app);
}

static void
vfg_application_activate(GApplication *app)
{
    VfgApplication *self = VFG_APPLICATION(app);

    if (self->window) {
        gtk_window_present(GTK_WINDOW(self->window));
        return;
    }
    if (self->opening)
        return;
    self->opening = TRUE;
    /* opening libvirt may take a moment: off the main thread, the app held meanwhile */
    g_application_hold(app);
    vfg_backend_new_async(self->demo, NULL, self->uri, NULL, vfg_backend_ready, app);
}

static void
vfg_application_startup(GApplication *app)
{
    static const char *const quit[] = {"<Control>q", NULL};
    static const char *const shortcuts[] = {"<Control>question", NULL};
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new();

    G_APPLICATION_CLASS(vfg_application_parent_class)->startup(app);
    g_action_map_add_action_entries(G_ACTION_MAP(app), vfg_app_actions,
                                    G_N_ELEMENTS(vfg_app_actions), app);
#ifdef VFG_TEST_HOOKS
    g_action_map_add_action_entries(G_ACTION_MAP(app), vfg_test_actions,
                                    G_N_ELEMENTS(vfg_test_actions), app);
#endif
    if (g_strcmp0(g_application_get_application_id(app), VFG_DEMO_APP_ID) == 0)
        g_action_map_add_action_entries(G_ACTION_MAP(app), vfg_demo_actions,
                                        G_N_ELEMENTS(vfg_demo_actions), app);
    gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit", quit);
    gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.shortcuts", shortcuts);

    gtk_css_provider_load_from_resource(css, "/org/virtflow/VirtFlow/style.css");
    gtk_style_context_add_provider_for_display(gdk_display_get_default(), GTK_STYLE_PROVIDER(css),
                                               GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    gtk_window_set_default_icon_name("org.virtflow.VirtFlow");
}

static void
vfg_application_dispose(GObject *object)
{
    VfgApplication *self = VFG_APPLICATION(object);

    g_clear_object(&self->backend);
    G_OBJECT_CLASS(vfg_application_parent_class)->dispose(object);
}

static void
vfg_application_finalize(GObject *object)
{
    VfgApplication *self = VFG_APPLICATION(object);

    g_free(self->uri);
    G_OBJECT_CLASS(vfg_application_parent_class)->finalize(object);
}

static void
vfg_application_class_init(VfgApplicationClass *klass)
{
    GObjectClass *object_class = G_OBJECT_CLASS(klass);
    GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

    object_class->dispose = vfg_application_dispose;
    object_class->finalize = vfg_application_finalize;
    app_class->startup = vfg_application_startup;
    app_class->activate = vfg_application_activate;
}

static void
vfg_application_init(VfgApplication *self)
{
    const GOptionEntry options[] = {
        {"demo", 0, 0, G_OPTION_ARG_NONE, &self->demo,
         _("Run on the demo host (simulated; nothing real is touched)"), NULL},
        {"connect", 'c', 0, G_OPTION_ARG_STRING, &self->uri,
         _("libvirt URI (default qemu:///system)"), "URI"},
        {NULL},
    };

    g_application_add_main_option_entries(G_APPLICATION(self), options);
}

VfgApplication *
vfg_application_new(gboolean demo)
{
    return g_object_new(VFG_TYPE_APPLICATION, "application-id", demo ? VFG_DEMO_APP_ID : VFG_APP_ID,
                        "flags", G_APPLICATION_DEFAULT_FLAGS, "resource-base-path",
                        "/org/virtflow/VirtFlow", NULL);
}
