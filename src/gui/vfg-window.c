/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfg-window.h"

#include "vfg-step-row.h"
#include "vfg-vm-row.h"

#include <glib/gi18n.h>

#include <stdio.h>

/* Narrower than this (px), the window stacks the VM's action buttons. */
#define VFG_NARROW_WIDTH 700

/* A graceful stop that waits longer than this offers "Force off". */
#define VFG_FORCE_OFF_AFTER_MS 5000

struct _VfgWindow {
    AdwApplicationWindow parent_instance;

    /* template */
    AdwToastOverlay *toasts;
    AdwViewStack *stack;
    GtkRevealer *demo_banner;
    GtkListView *vm_list;
    GtkStringList *vm_names;       /* the model: every VM's name, in the snapshot's order */
    GtkStringFilter *vm_filter;    /* the search */
    GtkFilterListModel *vm_shown;  /* the names the search lets through */
    GtkSingleSelection *vm_chosen; /* the selected VM */
    GtkSearchBar *vm_search_bar;
    GtkSearchEntry *vm_search, *log_search;
    GtkStack *vm_list_stack;
    GtkStringFilter *log_filter; /* the log search: both logs show only the lines it matches */
    GtkFilterListModel *app_log_shown, *hook_log_shown;
    AdwLeaflet *leaflet;
    GtkWidget *action_box;
    GtkStack *detail_stack;
    AdwPreferencesGroup *vm_group;
    AdwActionRow *state_row, *vcpus_row, *memory_row;
    GtkWidget *force_button;
    GtkListBox *gpu_list;
    AdwActionRow *tune_row, *tune_changes_row;
    GtkSwitch *tune_switch;
    GtkLabel *flow_title;
    GtkProgressBar *flow_progress;
    GtkListBox *step_list;
    GtkWidget *failure_group;
    AdwActionRow *reason_row, *fix_row, *undo_row;
    GtkWidget *result_group;
    GtkListBox *notes_list;
    GtkWidget *next_start_button, *lg_button;
    GtkWidget *start_button, *stop_button, *activate_button;
    GtkWidget *not_ready_box;
    GtkWidget *setup_spinner;
    GtkWidget *anyway_button;
    GtkLabel *not_ready_label;
    AdwActionRow *iommu_row, *vfio_row, *hook_row, *conn_row;
    GtkListBox *host_gpu_list, *findings_list;
    GtkListView *app_log_view, *hook_log_view;
    GtkStringList *app_log, *hook_log;
    AdwPreferencesGroup *app_log_group, *hook_log_group;

    VfgBackend *backend;
    VfgSnapshot *snap;
    char *selected;
    gboolean updating_list; /* rebuilding the list: ignore its selection signals */

    /* the running flow */
    gboolean busy;
    VfFlowKind busy_kind;
    char *busy_vm;
    VfProfile *busy_profile; /* activate: the profile it runs with (Retry uses it again) */
    VfFlowKind last_kind;    /* the last flow that failed, for Retry */
    char *last_vm;
    VfProfile *last_profile;
    gboolean stop_waiting; /* a graceful stop is taking long: Force off is shown */

    /* the Performance group (issue 14): the selected VM's tune, read in a thread */
    VfgTuneStatus *tune; /* for tune_vm; NULL while it is read */
    char *tune_vm;       /* the VM @tune is of */
    guint tune_serial;   /* answers of older requests are dropped */
    gboolean tune_busy;  /* a tune or its undo is being applied */

    GHashTable *vm_warnings; /* VM name → GPtrArray of char*: the last flow's warnings, shown
                              * on the VM's page until its next flow */

    gboolean refreshing, refresh_again;
    gboolean refresh_after_flow; /* a refresh asked for while a flow runs: done when it ends */
    GSettings *settings;         /* the window's size, when the schema is installed */
    gboolean disposed;           /* results that arrive after the window went away are dropped */

    /* VIRTFLOW_GTK_BENCH=1: main-loop stall measurement during flows */
    gboolean bench;
    guint bench_timer;
    gint64 bench_last, bench_max_gap;
    gboolean bench_first_done, bench_vms_done;
    gint64 bench_frame_t0;
};

G_DEFINE_FINAL_TYPE(VfgWindow, vfg_window, ADW_TYPE_APPLICATION_WINDOW)

static const char *const vfg_flow_verbs[] = {
    [VF_FLOW_ACTIVATE] = N_("Activating the GPU for"),
    [VF_FLOW_DEACTIVATE] = N_("Deactivating the GPU of"),
    [VF_FLOW_START] = N_("Starting"),
    [VF_FLOW_STOP] = N_("Stopping"),
};

/* ---- helpers ---- */

static void vfg_labels_break_long_words(GtkWidget *root);

/* VIRTFLOW_GTK_BENCH=1: names the main-thread callbacks that take long */
#define VFG_BENCH_BEGIN gint64 bench_t0 = g_get_monotonic_time()
#define VFG_BENCH_END(self, what)                                                                  \
    do {                                                                                           \
        gint64 bench_dt = g_get_monotonic_time() - bench_t0;                                       \
        if ((self)->bench && bench_dt > 10000)                                                     \
            printf("bench: slow %s %.1f ms\n", what, bench_dt / 1000.0);                           \
    } while (0)

static void
vfg_list_box_clear(GtkListBox *box)
{
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child(GTK_WIDGET(box))) != NULL)
        gtk_list_box_remove(box, child);
}

/* The Copy button of a row whose fix is a command: the command to the clipboard, and a
 * toast that says which. */
static void
vfg_copy_clicked(GtkButton *button, gpointer data)
{
    const char *command = data;
    GtkRoot *root = gtk_widget_get_root(GTK_WIDGET(button));
    g_autofree char *text = g_strdup_printf(_("Copied: %s"), command);

    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(button)), command);
    if (VFG_IS_WINDOW(root))
        vfg_window_toast(VFG_WINDOW(root), text);
}

/* An information row; with @copy (a command the fix asks the user to type), a Copy button
 * at its end. */
static GtkWidget *
vfg_info_row(const char *title, const char *subtitle, const char *icon, const char *copy)
{
    GtkWidget *row = adw_action_row_new();

    /* information, not a control: Tab goes past it to the actions */
    gtk_widget_set_focusable(row, FALSE);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(row), title);
    if (subtitle)
        adw_action_row_set_subtitle(ADW_ACTION_ROW(row), subtitle);
    if (icon) {
        GtkWidget *image = gtk_image_new_from_icon_name(icon);

        gboolean ok = g_str_equal(icon, "emblem-ok-symbolic");
        gboolean warning = g_str_equal(icon, "dialog-warning-symbolic");
        gboolean error = g_str_equal(icon, "dialog-error-symbolic");

        gtk_accessible_update_property(GTK_ACCESSIBLE(image), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       ok        ? _("ok")
                                       : warning ? _("warning")
                                       : error   ? _("problem")
                                                 : _("note"),
                                       -1);
        /* coloured by severity: a problem stands out among the passed checks */
        if (ok || warning || error)
            gtk_widget_add_css_class(image, ok ? "success" : warning ? "warning" : "error");
        adw_action_row_add_prefix(ADW_ACTION_ROW(row), image);
    }
    if (copy) {
        GtkWidget *button = gtk_button_new_from_icon_name("edit-copy-symbolic");
        g_autofree char *tip = g_strdup_printf(_("Copy “%s”"), copy);

        gtk_widget_set_valign(button, GTK_ALIGN_CENTER);
        gtk_widget_add_css_class(button, "flat");
        gtk_widget_set_tooltip_text(button, tip);
        gtk_accessible_update_property(GTK_ACCESSIBLE(button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       _("Copy the command"), -1);
        g_signal_connect_data(button, "clicked", G_CALLBACK(vfg_copy_clicked), g_strdup(copy),
                              (GClosureNotify)(void (*)(void))g_free, 0);
        adw_action_row_add_suffix(ADW_ACTION_ROW(row), button);
    }
    return row;
}

/* One information row of a bound GtkListBox (the VM's GPU, the host's GPUs, the findings,
 * the notes): its title, subtitle, icon name and command to copy, as vfg_info_row() draws
 * them. */
#define VFG_TYPE_INFO_ITEM (vfg_info_item_get_type())
G_DECLARE_FINAL_TYPE(VfgInfoItem, vfg_info_item, VFG, INFO_ITEM, GObject)

struct _VfgInfoItem {
    GObject parent_instance;
    char *title, *subtitle, *icon, *copy;
};

G_DEFINE_FINAL_TYPE(VfgInfoItem, vfg_info_item, G_TYPE_OBJECT)

static void
vfg_info_item_finalize(GObject *object)
{
    VfgInfoItem *self = VFG_INFO_ITEM(object);

    g_free(self->title);
    g_free(self->subtitle);
    g_free(self->icon);
    g_free(self->copy);
    G_OBJECT_CLASS(vfg_info_item_parent_class)->finalize(object);
}

static void
vfg_info_item_class_init(VfgInfoItemClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = vfg_info_item_finalize;
}

static void
vfg_info_item_init(VfgInfoItem *self)
{
}

/* A new item (the caller owns it) with copies of the strings; all but @title may be NULL. */
static VfgInfoItem *
vfg_info_item_new(const char *title, const char *subtitle, const char *icon, const char *copy)
{
    VfgInfoItem *item = g_object_new(VFG_TYPE_INFO_ITEM, NULL);

    item->title = g_strdup(title);
    item->subtitle = g_strdup(subtitle);
    item->icon = g_strdup(icon);
    item->copy = g_strdup(copy);
    return item;
}

static GtkWidget *
vfg_info_row_create(gpointer item, gpointer data)
{
    VfgInfoItem *info = VFG_INFO_ITEM(item);

    return vfg_info_row(info->title, info->subtitle, info->icon, info->copy);
}

/* The GListStore of VfgInfoItem that @box shows (gtk_list_box_bind_model()), made and bound on
 * first use; owned by @box. */
static GListStore *
vfg_list_box_store(GtkListBox *box)
{
    GListStore *store = g_object_get_data(G_OBJECT(box), "vfg-store");

    if (store == NULL) {
        store = g_list_store_new(VFG_TYPE_INFO_ITEM);
        g_object_set_data_full(G_OBJECT(box), "vfg-store", store, g_object_unref);
        gtk_list_box_bind_model(box, G_LIST_MODEL(store), vfg_info_row_create, NULL, NULL);
    }
    return store;
}

/* Rows of (title, subtitle, icon) to show in @box: its store is replaced (one splice) only
 * when they changed, since new rows cost the next frame their style and layout. @rows: of
 * char*, 3 per row. */
static void
vfg_list_box_set_rows(GtkListBox *box, GPtrArray *rows)
{
    g_autoptr(GString) key = g_string_new(NULL);
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_object_unref);
    GListStore *store = vfg_list_box_store(box);

    for (guint i = 0; i < rows->len; i++)
        g_string_append_printf(key, "%s\x1f", rows->pdata[i] ? (char *)rows->pdata[i] : "");
    if (g_strcmp0(g_object_get_data(G_OBJECT(box), "vfg-key"), key->str) == 0)
        return;
    for (guint i = 0; i + 3 < rows->len; i += 4)
        g_ptr_array_add(items, vfg_info_item_new(rows->pdata[i], rows->pdata[i + 1],
                                                 rows->pdata[i + 2], rows->pdata[i + 3]));
    g_list_store_splice(store, 0, g_list_model_get_n_items(G_LIST_MODEL(store)), items->pdata,
                        items->len);
    g_object_set_data_full(G_OBJECT(box), "vfg-key", g_string_free(g_steal_pointer(&key), FALSE),
                           g_free);
}

/* Rows are flat in @rows, four strings each: title, subtitle, icon, command to copy. */
static void
vfg_rows_add_full(GPtrArray *rows, const char *title, const char *subtitle, const char *icon,
                  const char *copy)
{
    g_ptr_array_add(rows, g_strdup(title));
    g_ptr_array_add(rows, g_strdup(subtitle));
    g_ptr_array_add(rows, g_strdup(icon));
    g_ptr_array_add(rows, g_strdup(copy));
}

static void
vfg_rows_add(GPtrArray *rows, const char *title, const char *subtitle, const char *icon)
{
    vfg_rows_add_full(rows, title, subtitle, icon, NULL);
}

/* The command a fix asks the user to type, or NULL (newly allocated): the fix itself when
 * it starts with one, up to its explanation ("sudo virtflow setup (or …)"), else the first
 * '…' span that starts with one (Restart the daemon: 'systemctl restart libvirtd').
 * Fixes in prose, links and edits have no Copy button. */
static char *
vfg_fix_command(const char *fix)
{
    static const char *const commands[] = {"virtflow ",   "sudo ",    "systemctl ", "modprobe ",
                                           "apt ",        "apt-get ", "echo ",      "virsh ",
                                           "update-grub", NULL};
    const char *p = fix;

    for (guint i = 0; commands[i]; i++)
        if (g_str_has_prefix(fix, commands[i])) {
            size_t len = strcspn(fix, "(;\n");

            while (len > 0 && (fix[len - 1] == ' ' || fix[len - 1] == '.'))
                len--;
            return g_strndup(fix, len);
        }
    for (const char *q; (q = strchr(p, '\'')) != NULL; p = q + 1) {
        const char *end = strchr(q + 1, '\'');

        if (end == NULL)
            break;
        for (guint i = 0; commands[i]; i++)
            if (g_str_has_prefix(q + 1, commands[i]))
                return g_strndup(q + 1, end - q - 1);
        q = end;
    }
    return NULL;
}

static const VfDomainInfo *
vfg_window_find_info(VfgWindow *self, const char *vm)
{
    for (guint i = 0; vm && self->snap && i < self->snap->domains->len; i++) {
        const VfDomainInfo *info = self->snap->domains->pdata[i];

        if (g_str_equal(info->name, vm))
            return info;
    }
    return NULL;
}

/* @vm's position in @model (of GtkStringObject), or GTK_INVALID_LIST_POSITION. */
static guint
vfg_model_find(GListModel *model, const char *vm)
{
    guint n = g_list_model_get_n_items(model);

    for (guint i = 0; vm && i < n; i++) {
        g_autoptr(GtkStringObject) item = g_list_model_get_item(model, i);

        if (g_str_equal(gtk_string_object_get_string(item), vm))
            return i;
    }
    return GTK_INVALID_LIST_POSITION;
}

/* Whether @gpu is the firmware's boot display: the host's own, a role rather than a problem. */
static gboolean
vfg_gpu_is_boot_display(VirtFlowGpu *gpu)
{
    GPtrArray *blockers = virtflow_gpu_get_blockers(gpu);

    for (guint i = 0; blockers && i < blockers->len; i++)
        if (((const VirtFlowBlocker *)blockers->pdata[i])->kind == VIRTFLOW_BLOCKER_BOOT_VGA)
            return TRUE;
    return FALSE;
}

/* The GPU a VM has (its metadata) or would get (the host's eligible one). */
static VirtFlowGpu *
vfg_window_gpu_for(VfgWindow *self, const VfDomainInfo *info)
{
    GPtrArray *gpus = self->snap ? self->snap->gpus : NULL;

    if (gpus == NULL)
        return NULL;
    for (guint i = 0; i < gpus->len; i++)
        if (info->gpu && g_str_equal(virtflow_gpu_get_address(gpus->pdata[i]), info->gpu))
            return gpus->pdata[i];
    for (guint i = 0; i < gpus->len; i++)
        if (virtflow_gpu_get_eligible(gpus->pdata[i]))
            return gpus->pdata[i];
    /* none eligible: the first one that is not the boot display, to show why */
    for (guint i = 0; i < gpus->len; i++)
        if (!vfg_gpu_is_boot_display(gpus->pdata[i]))
            return gpus->pdata[i];
    return gpus->len ? gpus->pdata[0] : NULL;
}

static char *
vfg_gpu_driver_text(VirtFlowGpu *gpu)
{
    const char *driver = virtflow_gpu_get_driver(gpu);

    if (virtflow_gpu_get_on_vfio(gpu))
        return g_strdup(_("vfio-pci: held for the VM"));
    return g_strdup_printf(_("%s: on the host driver"), driver ? driver : _("no driver"));
}

static char *
vfg_devices_text(GPtrArray *devices)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (guint i = 0; devices && i < devices->len; i++) {
        const VirtFlowDevice *dev = devices->pdata[i];

        g_string_append_printf(s, "%s%s (%s)", i ? ", " : "", dev->address,
                               dev->driver ? dev->driver : "no driver");
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* What moves with @gpu: "ADDR (driver), ADDR (driver)". */
static char *
vfg_gpu_devices_text(VirtFlowGpu *gpu)
{
    return vfg_devices_text(virtflow_gpu_get_passthrough_devices(gpu));
}

/* "ADDRESS Vendor Device", the names from pci.ids (read in the refresh thread). */
static char *
vfg_gpu_title(VirtFlowGpu *gpu)
{
    return g_strdup_printf("%s %s %s", virtflow_gpu_get_address(gpu),
                           virtflow_gpu_get_vendor(gpu) ? virtflow_gpu_get_vendor(gpu) : "",
                           virtflow_gpu_get_name(gpu) ? virtflow_gpu_get_name(gpu) : "");
}

/* ---- the details pane ---- */

/* Why Activate GPU cannot be offered for @info now (the host is not ready, the GPU is
 * blocked or another VM has it), or NULL when it can. */
static char *
vfg_window_dup_not_ready(VfgWindow *self, const VfDomainInfo *info)
{
    VirtFlowGpu *gpu;
    GPtrArray *blockers;

    if (info->passthrough || self->snap == NULL)
        return NULL;
    if (self->snap->gpus == NULL)
        return g_strdup_printf(_("Activate GPU is not available: the host cannot be read (%s)."),
                               self->snap->report_error ? self->snap->report_error : "unknown");
    gpu = vfg_window_gpu_for(self, info);
    if (gpu == NULL)
        return g_strdup(_("Activate GPU is not available: this host has no GPU to give."));
    for (guint i = 0; i < self->snap->domains->len; i++) {
        const VfDomainInfo *other = self->snap->domains->pdata[i];

        if (other != info && other->passthrough &&
            g_strcmp0(other->gpu, virtflow_gpu_get_address(gpu)) == 0)
            return g_strdup_printf(_("Activate GPU is not available: %s has GPU %s. Deactivate "
                                     "it there first."),
                                   other->name, virtflow_gpu_get_address(gpu));
    }
    blockers = virtflow_gpu_get_blockers(gpu);
    if (!virtflow_gpu_get_eligible(gpu) && !virtflow_gpu_get_on_vfio(gpu)) {
        const VirtFlowBlocker *blocker = blockers && blockers->len ? blockers->pdata[0] : NULL;

        return g_strdup_printf(_("Activate GPU is not available: %s"),
                               blocker ? blocker->message : _("the GPU is not eligible"));
    }
    return NULL;
}

/* Why flow @kind cannot run on @vm now, or NULL when it can: one rule for the buttons and
 * for the application's actions (D-Bus), so that a script cannot do what a disabled button
 * refuses. Force off (@force) needs only a running VM. */
static char *
vfg_window_dup_refusal(VfgWindow *self, VfFlowKind kind, const char *vm, gboolean force)
{
    const VfDomainInfo *info = vfg_window_find_info(self, vm);
    gboolean active = info && vf_domain_state_is_active(info->state);

    if (info == NULL)
        return g_strdup_printf(_("No VM named '%s': refresh the list"), vm ? vm : "");
    if (force)
        return active ? NULL : g_strdup_printf(_("%s is not running"), info->name);
    if (self->busy)
        return g_strdup(_("Wait for the running operation to finish"));
    switch (kind) {
    case VF_FLOW_START:
        return active ? g_strdup_printf(_("%s is already running"), info->name) : NULL;
    case VF_FLOW_STOP:
        return active ? NULL : g_strdup_printf(_("%s is not running"), info->name);
    case VF_FLOW_ACTIVATE:
        if (info->passthrough)
            return g_strdup_printf(_("%s has the GPU already"), info->name);
        return vfg_window_dup_not_ready(self, info);
    case VF_FLOW_DEACTIVATE:
        return info->passthrough ? NULL
                                 : g_strdup_printf(_("%s has no GPU to give back"), info->name);
    case VF_FLOW_LAST:
        break;
    }
    return NULL;
}

static gboolean
vfg_window_can(VfgWindow *self, VfFlowKind kind)
{
    g_autofree char *why = vfg_window_dup_refusal(self, kind, self->selected, FALSE);

    return why == NULL;
}

/* The application's flow actions are off while a flow runs, as the buttons are. */
static void
vfg_window_update_app_actions(VfgWindow *self)
{
    static const char *const names[] = {"start-vm", "stop-vm", "activate-gpu", "deactivate-gpu",
                                        "run-setup"};
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

    for (guint i = 0; app && i < G_N_ELEMENTS(names); i++) {
        GAction *action = g_action_map_lookup_action(G_ACTION_MAP(app), names[i]);

        if (G_IS_SIMPLE_ACTION(action))
            g_simple_action_set_enabled(G_SIMPLE_ACTION(action), !self->busy);
    }
}

static void
vfg_widget_set_class(GtkWidget *widget, const char *css_class, gboolean on)
{
    if (on)
        gtk_widget_add_css_class(widget, css_class);
    else
        gtk_widget_remove_css_class(widget, css_class);
}

static void
vfg_window_update_actions(VfgWindow *self)
{
    const VfDomainInfo *info = vfg_window_find_info(self, self->selected);
    gboolean active = info && vf_domain_state_is_active(info->state);
    g_autofree char *not_ready = info ? vfg_window_dup_not_ready(self, info) : NULL;

    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.start",
                                  vfg_window_can(self, VF_FLOW_START));
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.stop", vfg_window_can(self, VF_FLOW_STOP));
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.force-off", info && active);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.activate",
                                  vfg_window_can(self, VF_FLOW_ACTIVATE));
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.deactivate",
                                  vfg_window_can(self, VF_FLOW_DEACTIVATE));
    vfg_window_update_app_actions(self);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.back", !self->busy);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "vm.open-looking-glass", active);
    /* why Activate GPU is off, and the way to the page that explains it */
    gtk_widget_set_visible(self->not_ready_box, not_ready != NULL);
    if (not_ready)
        gtk_label_set_label(self->not_ready_label, not_ready);
    /* offered when a graceful stop hangs (vfg_window_on_wait) */
    gtk_widget_set_visible(self->force_button, active && self->stop_waiting);
    /* Start and Stop are one place in the header: the one that applies to the VM's state */
    gtk_widget_set_visible(self->start_button, !active);
    gtk_widget_set_visible(self->stop_button, active);
    /* the suggested action is the next step only: Activate GPU for a VM that can have the
     * GPU, Start for one that has it and is off; nothing blue otherwise */
    vfg_widget_set_class(self->activate_button, "suggested-action",
                         info && !info->passthrough && not_ready == NULL);
    vfg_widget_set_class(self->start_button, "suggested-action",
                         info && info->passthrough && !active);
}

/* "Screen: …\nKeyboard and mouse: …": how an activated VM is used (its profile). */
static char *
vfg_profile_text(const VfProfile *profile)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_string_append(s, profile->view == VF_VIEW_LOOKING_GLASS
                           ? _("Screen: a Looking Glass window on this screen (SPICE for "
                               "clipboard and sound)")
                           : _("Screen: the monitor on the GPU's outputs, sound through it"));
    if (profile->evdev->len > 0)
        g_string_append_printf(s, _("\nKeyboard and mouse: %u handed over; %s to switch"),
                               profile->evdev->len, vf_grab_toggle_describe(profile->grab_toggle));
    else if (profile->usb_controller)
        g_string_append_printf(s, _("\nKeyboard and mouse: those on USB controller %s"),
                               profile->usb_controller);
    else
        g_string_append(s, _("\nKeyboard and mouse: none handed over"));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- the Performance group (issue 14) ---- */

static void vfg_window_request_tune(VfgWindow *self, const char *vm);
static gboolean vfg_window_tune_state_set(GtkSwitch *sw, gboolean state, gpointer data);

/* "line\nline": what a change does, one line each */
static char *
vfg_tune_changes_text(VirtFlowTune *tune)
{
    g_auto(GStrv) changes = tune ? virtflow_tune_dup_changes(tune) : NULL;

    return changes ? g_strjoinv("\n", changes) : g_strdup("");
}

/* The group shows self->tune: the switch as the VM is, the plan in one sentence, what
 * switching changes. */
static void
vfg_window_show_tune(VfgWindow *self)
{
    const VfgTuneStatus *t = self->tune;
    VirtFlowTune *next = t ? (t->tuned ? t->undo : t->plan) : NULL;
    g_autofree char *subtitle = NULL;
    g_autofree char *changes = NULL;

    g_signal_handlers_block_by_func(self->tune_switch, vfg_window_tune_state_set, self);
    gtk_switch_set_active(self->tune_switch, t && t->tuned);
    gtk_switch_set_state(self->tune_switch, t && t->tuned);
    g_signal_handlers_unblock_by_func(self->tune_switch, vfg_window_tune_state_set, self);
    gtk_widget_set_sensitive(GTK_WIDGET(self->tune_switch),
                             t && next && !self->busy && !self->tune_busy);
    if (t == NULL)
        subtitle = g_strdup(_("Reading this computer's CPU…"));
    else if (t->tuned)
        subtitle = g_strdup_printf(_("On: %s"), t->plan ? virtflow_tune_get_summary(t->plan)
                                                        : _("tuned by VirtFlow"));
    else if (t->plan)
        subtitle = g_strdup_printf(_("Off. Switched on: %s"), virtflow_tune_get_summary(t->plan));
    else
        subtitle = g_strdup_printf(_("Not available: %s"), t->plan_error);
    adw_action_row_set_subtitle(self->tune_row, subtitle);
    changes = vfg_tune_changes_text(next);
    gtk_widget_set_visible(GTK_WIDGET(self->tune_changes_row), next && *changes);
    adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self->tune_changes_row),
                                  t && t->tuned ? _("Switching Off Puts Back")
                                                : _("Switching On Changes"));
    adw_action_row_set_subtitle(self->tune_changes_row, changes);
}

typedef struct {
    VfgWindow *self;
    guint serial; /* vfg_window_request_tune()'s: an answer for an older request is dropped */
} VfgTuneRequest;

static void
vfg_window_tune_status_done(GObject *source, GAsyncResult *result, gpointer data)
{
    VfgTuneRequest *req = data;
    g_autoptr(VfgWindow) self = req->self;
    guint serial = req->serial;
    g_autoptr(GError) error = NULL;
    g_autoptr(VfgTuneStatus) status =
        vfg_backend_tune_status_finish(VFG_BACKEND(source), result, &error);

    g_free(req);
    if (self->disposed || serial != self->tune_serial)
        return;
    if (status == NULL) {
        status = g_new0(VfgTuneStatus, 1);
        status->plan_error = g_strdup(error->message);
    }
    g_clear_pointer(&self->tune, vfg_tune_status_free);
    self->tune = g_steal_pointer(&status);
    vfg_window_show_tune(self);
}

/* Reads @vm's tune in the backend's thread; the group says so meanwhile. */
static void
vfg_window_request_tune(VfgWindow *self, const char *vm)
{
    VfgTuneRequest *req;

    if (self->backend == NULL || vm == NULL)
        return;
    self->tune_serial++;
    g_clear_pointer(&self->tune, vfg_tune_status_free);
    if (vm != self->tune_vm) {
        g_free(self->tune_vm);
        self->tune_vm = g_strdup(vm);
    }
    vfg_window_show_tune(self);
    req = g_new0(VfgTuneRequest, 1);
    req->self = g_object_ref(self);
    req->serial = self->tune_serial;
    vfg_backend_tune_status_async(self->backend, vm, vfg_window_tune_status_done, req);
}

/* On every refresh of the VM's page: read its tune again when the VM changed, or after a
 * flow (never while one runs: it may be redefining the VM). */
static void
vfg_window_update_tune(VfgWindow *self, const VfDomainInfo *info)
{
    if (self->busy || self->tune_busy) {
        vfg_window_show_tune(self);
        return;
    }
    if (self->tune == NULL || g_strcmp0(self->tune_vm, info->name) != 0)
        vfg_window_request_tune(self, info->name);
    else
        vfg_window_show_tune(self);
}

static void
vfg_window_tune_applied(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    g_autoptr(GError) error = NULL;
    gboolean undo = FALSE;
    g_autofree char *vm = g_strdup(self->tune_vm);

    self->tune_busy = FALSE;
    if (self->disposed)
        return;
    if (!vfg_backend_tune_apply_finish(VFG_BACKEND(source), result, &undo, &error)) {
        g_autofree char *text = g_strdup_printf(_("%s could not be tuned: %s"), vm, error->message);

        adw_toast_overlay_add_toast(self->toasts, adw_toast_new(text));
    } else {
        g_autofree char *text = g_strdup_printf(
            undo ? _("%s: its tune is undone") : _("%s is tuned for performance"), vm);

        adw_toast_overlay_add_toast(self->toasts, adw_toast_new(text));
    }
    vfg_window_request_tune(self, vm);
}

static void
vfg_window_tune_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    VfgWindow *self = data;
    VirtFlowTune *change;

    if (!g_str_equal(response, "go") || self->tune == NULL) {
        vfg_window_show_tune(self);
        return;
    }
    if (self->tune->tuned)
        change = g_steal_pointer(&self->tune->undo);
    else
        change = g_steal_pointer(&self->tune->plan);
    if (change == NULL)
        return;
    self->tune_busy = TRUE;
    vfg_window_show_tune(self);
    vfg_backend_tune_apply_async(self->backend, change, vfg_window_tune_applied,
                                 g_object_ref(self));
}

/* The switch: nothing changes before the person has read what will. */
static gboolean
vfg_window_tune_state_set(GtkSwitch *sw, gboolean state, gpointer data)
{
    VfgWindow *self = data;
    const VfgTuneStatus *t = self->tune;
    VirtFlowTune *next = t ? (t->tuned ? t->undo : t->plan) : NULL;
    g_autofree char *heading = NULL;
    g_autofree char *changes = NULL;
    g_autofree char *body = NULL;
    GtkWidget *dialog;

    if (t == NULL || next == NULL || state == t->tuned)
        return TRUE;
    changes = vfg_tune_changes_text(next);
    if (t->tuned) {
        heading = g_strdup_printf(_("Undo the Tune of %s?"), self->tune_vm);
        body = g_strdup_printf(_("Its definition goes back to what it was before:\n%s%s"), changes,
                               virtflow_tune_get_vm_running(next)
                                   ? _("\n\nThe VM is running: this applies at its "
                                       "next start.")
                                   : "");
    } else {
        heading = g_strdup_printf(_("Tune %s for Performance?"), self->tune_vm);
        body = g_strdup_printf(_("%s\n\n%s%s\n\nSwitching it off later puts everything back."),
                               virtflow_tune_get_summary(next), changes,
                               virtflow_tune_get_vm_running(next)
                                   ? _("\n\nThe VM is running: this applies at its "
                                       "next start.")
                                   : "");
    }
    dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, body);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("Cancel"), "go",
                                     t->tuned ? _("Undo Tune") : _("Tune"), NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "go",
                                               ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect(dialog, "response", G_CALLBACK(vfg_window_tune_response), self);
    gtk_window_present(GTK_WINDOW(dialog));
    (void)sw;
    return TRUE; /* the state follows the VM, once it is tuned */
}

static void
vfg_window_update_details(VfgWindow *self)
{
    const VfDomainInfo *info = vfg_window_find_info(self, self->selected);
    VirtFlowGpu *gpu;
    g_autofree char *vcpus = NULL, *memory = NULL;
    g_autoptr(GPtrArray) rows = NULL;

    vfg_window_update_actions(self);
    if (info == NULL) {
        if (!g_str_equal(gtk_stack_get_visible_child_name(self->detail_stack), "flow"))
            gtk_stack_set_visible_child_name(self->detail_stack, "empty");
        return;
    }
    adw_preferences_group_set_title(self->vm_group, info->name);
    adw_preferences_group_set_description(
        self->vm_group, info->passthrough ? _("GPU passthrough is active for this VM") : NULL);
    adw_action_row_set_subtitle(self->state_row, vf_domain_state_to_string(info->state));
    vcpus = g_strdup_printf("%u", info->vcpus);
    adw_action_row_set_subtitle(self->vcpus_row, vcpus);
    memory = g_format_size_full(info->memory_kib * 1024, G_FORMAT_SIZE_IEC_UNITS);
    adw_action_row_set_subtitle(self->memory_row, memory);

    gpu = vfg_window_gpu_for(self, info);
    rows = g_ptr_array_new_with_free_func(g_free);
    if (gpu == NULL) {
        vfg_rows_add(rows, _("No GPU"),
                     self->snap && self->snap->report_error
                         ? self->snap->report_error
                         : _("this host shows no display device"),
                     "dialog-warning-symbolic");
    } else {
        g_autofree char *title = vfg_gpu_title(gpu);
        g_autofree char *driver = vfg_gpu_driver_text(gpu);
        g_autofree char *devices = vfg_gpu_devices_text(gpu);
        gboolean eligible = virtflow_gpu_get_eligible(gpu);
        gboolean on_vfio = virtflow_gpu_get_on_vfio(gpu);
        GPtrArray *blockers = virtflow_gpu_get_blockers(gpu);

        vfg_rows_add(rows, info->passthrough ? _("Passed through") : "GPU", title, NULL);
        vfg_rows_add(rows, _("Driver"), driver, NULL);
        if (eligible || on_vfio)
            vfg_rows_add(rows, _("Eligible"),
                         info->passthrough ? _("yes: the VM gets it when it starts")
                                           : _("yes: Activate GPU gives it to this VM"),
                         "emblem-ok-symbolic");
        for (guint b = 0; blockers && b < blockers->len; b++) {
            const VirtFlowBlocker *blocker = blockers->pdata[b];
            g_autofree char *text = g_strdup_printf(_("%s\nFix: %s"), blocker->message,
                                                    blocker->fix ? blocker->fix : _("none known"));

            vfg_rows_add(rows, blocker->code, text, "dialog-error-symbolic");
        }
        vfg_rows_add(rows, on_vfio ? _("Moved with it") : _("Moves with it"), devices, NULL);
        /* an APU's slot holds the platform's own functions too (its PSP, USB controllers):
         * they stay, and the user sees that they do */
        if (virtflow_gpu_get_staying_devices(gpu)->len > 0) {
            g_autofree char *staying = vfg_devices_text(virtflow_gpu_get_staying_devices(gpu));

            vfg_rows_add(rows, _("Stays on the host"), staying, NULL);
        }
    }
    {
        GPtrArray *warnings = g_hash_table_lookup(self->vm_warnings, info->name);

        for (guint i = 0; warnings && i < warnings->len; i++)
            vfg_rows_add(rows, _("Warning"), warnings->pdata[i], "dialog-warning-symbolic");
    }
    if (info->passthrough && self->snap && self->snap->profiles) {
        const VfProfile *profile = g_hash_table_lookup(self->snap->profiles, info->name);
        g_autofree char *used = profile ? vfg_profile_text(profile) : NULL;

        if (used)
            vfg_rows_add(rows, _("How it is used"), used, NULL);
    }
    vfg_list_box_set_rows(self->gpu_list, rows);
    vfg_window_update_tune(self, info);
    vfg_labels_break_long_words(GTK_WIDGET(self->detail_stack));
    if (g_str_equal(gtk_stack_get_visible_child_name(self->detail_stack), "empty"))
        gtk_stack_set_visible_child_name(self->detail_stack, "details");
}

/* ---- the host page ---- */

static const char *const vfg_finding_icons[] = {
    [VFG_FINDING_OK] = "emblem-ok-symbolic",
    [VFG_FINDING_WARN] = "dialog-warning-symbolic",
    [VFG_FINDING_FAIL] = "dialog-error-symbolic",
};

static void
vfg_window_update_host(VfgWindow *self)
{
    VirtFlowHostReport *report = self->snap->report;
    g_autoptr(GString) vfio = g_string_new(NULL);
    g_autoptr(GPtrArray) rows = NULL;

    if (report) {
        GPtrArray *modules = virtflow_host_report_get_vfio_modules(report);

        adw_action_row_set_subtitle(self->iommu_row,
                                    virtflow_host_report_get_iommu_verdict(report));
        for (guint i = 0; i < modules->len; i++) {
            const VirtFlowKernelModule *module = modules->pdata[i];

            g_string_append_printf(vfio, "%s%s %s", i ? ", " : "", module->name,
                                   module->state_name);
        }
        adw_action_row_set_subtitle(self->vfio_row, vfio->str);
    } else {
        adw_action_row_set_subtitle(self->iommu_row, self->snap->report_error);
    }
    adw_action_row_set_subtitle(self->hook_row, self->snap->hook_text);
    adw_action_row_set_subtitle(self->conn_row, vfg_backend_get_uri(self->backend));

    rows = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; self->snap->gpus && i < self->snap->gpus->len; i++) {
        VirtFlowGpu *gpu = self->snap->gpus->pdata[i];
        g_autofree char *title = vfg_gpu_title(gpu);
        g_autofree char *driver = vfg_gpu_driver_text(gpu);
        gboolean boot = vfg_gpu_is_boot_display(gpu);
        gboolean eligible = virtflow_gpu_get_eligible(gpu);
        g_autofree char *text =
            g_strdup_printf("%s; %s", driver,
                            eligible ? _("eligible for passthrough")
                            : boot   ? _("stays with the host (drives your desktop)")
                                     : _("cannot be passed through (see the VM's GPU section)"));

        /* the host's own display is a role, not a problem */
        vfg_rows_add(rows, title, text,
                     eligible ? "emblem-ok-symbolic"
                     : boot   ? "video-display-symbolic"
                              : "dialog-warning-symbolic");
    }
    vfg_list_box_set_rows(self->host_gpu_list, rows);
    g_ptr_array_set_size(rows, 0);
    /* problems first, then warnings, then what passed */
    for (int level = VFG_FINDING_FAIL; level >= VFG_FINDING_OK; level--)
        for (guint i = 0; i < self->snap->findings->len; i++) {
            const VfgFinding *f = self->snap->findings->pdata[i];
            g_autofree char *text = NULL;
            g_autofree char *copy = NULL;

            if ((int)f->level != level)
                continue;
            /* what the app does itself is a button here, not a command to type; a command
             * to type has a Copy button */
            if (f->fix && strstr(f->fix, "virtflow setup") && !strstr(f->fix, "--")) {
                text = g_strdup_printf(_("%s\nFix: press Run setup above"), f->detail);
            } else if (f->fix) {
                text = g_strdup_printf(_("%s\nFix: %s"), f->detail, f->fix);
                copy = vfg_fix_command(f->fix);
            } else {
                text = g_strdup(f->detail);
            }
            vfg_rows_add_full(rows, f->title, text, vfg_finding_icons[f->level], copy);
        }
    vfg_list_box_set_rows(self->findings_list, rows);
    vfg_labels_break_long_words(adw_view_stack_get_child_by_name(self->stack, "host"));
}

/* ---- the VM list ---- */

/* The list is a GListModel of names with a recycling GtkListView: only the rows on screen
 * exist, so 500 VMs cost what 20 do. A refresh with the same VMs only rebinds those rows. */
static void
vfg_window_update_list(VfgWindow *self)
{
    GPtrArray *domains = self->snap->domains;
    guint n = g_list_model_get_n_items(G_LIST_MODEL(self->vm_names));
    gboolean same = n == domains->len;
    g_autofree const char **names = g_new0(const char *, domains->len + 1);

    for (guint i = 0; i < domains->len; i++) {
        names[i] = ((VfDomainInfo *)domains->pdata[i])->name;
        if (same && !g_str_equal(names[i], gtk_string_list_get_string(self->vm_names, i)))
            same = FALSE;
    }
    self->updating_list = TRUE;
    if (same)
        /* the same VMs: the rows on screen bind again to the new snapshot */
        g_list_model_items_changed(G_LIST_MODEL(self->vm_names), 0, n, n);
    else
        gtk_string_list_splice(self->vm_names, 0, n, names);
    if (self->selected == NULL && domains->len)
        self->selected = g_strdup(names[0]);
    gtk_single_selection_set_selected(self->vm_chosen,
                                      vfg_model_find(G_LIST_MODEL(self->vm_shown), self->selected));
    self->updating_list = FALSE;
}

/* Tab leaves the VM list for the VM's page: the list is one stop (the arrows move in it),
 * as GtkListBox did; GTK 4.8's GtkListView would stop at every row. */
static gboolean
vfg_window_list_key(GtkEventControllerKey *controller, guint keyval, guint keycode,
                    GdkModifierType state, gpointer data)
{
    VfgWindow *self = data;

    if ((keyval != GDK_KEY_Tab && keyval != GDK_KEY_KP_Tab) ||
        (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK | GDK_ALT_MASK)))
        return FALSE;
    if (adw_leaflet_get_folded(self->leaflet))
        return FALSE;
    return gtk_widget_child_focus(gtk_widget_get_parent(GTK_WIDGET(self->detail_stack)),
                                  GTK_DIR_TAB_FORWARD);
}

/* The factory: a VfgVmRow per row on screen, bound to its VM's info in the snapshot. */
static void
vfg_vm_item_setup(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    GtkWidget *row = vfg_vm_row_new(NULL);

    gtk_widget_set_focusable(row, FALSE); /* the list item has the focus */
    gtk_list_item_set_child(item, row);
}

static void
vfg_vm_item_bind(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    VfgWindow *self = data;
    const char *name = gtk_string_object_get_string(gtk_list_item_get_item(item));
    const VfDomainInfo *info = vfg_window_find_info(self, name);

    if (info)
        vfg_vm_row_update(VFG_VM_ROW(gtk_list_item_get_child(item)), info);
}

/* ---- refresh: one look at the machine, off the main thread ---- */

static void vfg_window_read_logs(VfgWindow *self);

static void
vfg_window_refresh_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    g_autoptr(GError) error = NULL;
    VfgSnapshot *snap = vfg_backend_refresh_finish(VFG_BACKEND(source), result, &error);

    VFG_BENCH_BEGIN;

    self->refreshing = FALSE;
    if (self->busy) {
        /* read while a flow was changing the host and the VM: the flow's end looks again */
        g_clear_pointer(&snap, vfg_snapshot_free);
        self->refresh_after_flow = TRUE;
        self->refresh_again = FALSE;
        return;
    }
    if (snap == NULL) {
        vfg_window_toast(self, error->message);
    } else {
        g_clear_pointer(&self->snap, vfg_snapshot_free);
        self->snap = snap;
        vfg_window_update_list(self);
        vfg_window_update_details(self);
        /* the host page only when shown: new rows cost the next frame style and layout */
        if (g_strcmp0(adw_view_stack_get_visible_child_name(self->stack), "host") == 0)
            vfg_window_update_host(self);
    }
    VFG_BENCH_END(self, "refresh");
    vfg_window_read_logs(self);
    if (self->refresh_again) {
        self->refresh_again = FALSE;
        vfg_window_refresh(self);
    }
}

void
vfg_window_refresh(VfgWindow *self)
{
    if (self->disposed)
        return;
    if (self->busy) {
        /* one owner of the state while a flow runs: the flow; its end refreshes */
        self->refresh_after_flow = TRUE;
        return;
    }
    if (self->refreshing) {
        self->refresh_again = TRUE; /* coalesce bursts of events into one more look */
        return;
    }
    self->refreshing = TRUE;
    vfg_backend_refresh_async(self->backend, NULL, vfg_window_refresh_done, g_object_ref(self));
}

/* ---- logs ---- */

/* A log as a recycling list: only the lines on screen have widgets. */
static void
vfg_log_setup(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    GtkWidget *label = gtk_label_new(NULL);

    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_label_set_selectable(GTK_LABEL(label), TRUE);
    gtk_label_set_wrap(GTK_LABEL(label), TRUE);
    gtk_label_set_wrap_mode(GTK_LABEL(label), PANGO_WRAP_WORD_CHAR);
    gtk_widget_add_css_class(label, "monospace");
    gtk_widget_set_margin_start(label, 12);
    gtk_widget_set_margin_end(label, 12);
    gtk_widget_set_margin_top(label, 4);
    gtk_widget_set_margin_bottom(label, 4);
    gtk_list_item_set_child(item, label);
}

static void
vfg_log_bind(GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
    GtkStringObject *line = gtk_list_item_get_item(item);

    gtk_label_set_label(GTK_LABEL(gtk_list_item_get_child(item)),
                        gtk_string_object_get_string(line));
}

/* @shown: set to the lines @filter lets through (a reference). */
static GtkStringList *
vfg_log_view_init(GtkListView *view, GtkStringFilter *filter, GtkFilterListModel **shown)
{
    GtkStringList *lines = gtk_string_list_new(NULL);
    GtkListItemFactory *factory = gtk_signal_list_item_factory_new();

    *shown = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(lines)),
                                       GTK_FILTER(g_object_ref(filter)));
    g_signal_connect(factory, "setup", G_CALLBACK(vfg_log_setup), NULL);
    g_signal_connect(factory, "bind", G_CALLBACK(vfg_log_bind), NULL);
    gtk_list_view_set_factory(view, factory);
    gtk_list_view_set_model(
        view, GTK_SELECTION_MODEL(gtk_no_selection_new(G_LIST_MODEL(g_object_ref(*shown)))));
    g_object_unref(factory);
    return lines;
}

static void
vfg_window_log_search_changed(GtkSearchEntry *entry, gpointer data)
{
    VfgWindow *self = data;

    gtk_string_filter_set_search(self->log_filter, gtk_editable_get_text(GTK_EDITABLE(entry)));
}

static guint
vfg_log_append(GString *out, GListModel *lines)
{
    guint n = g_list_model_get_n_items(lines);

    for (guint i = 0; i < n; i++) {
        g_autoptr(GtkStringObject) line = g_list_model_get_item(lines, i);

        g_string_append_printf(out, "%s\n", gtk_string_object_get_string(line));
    }
    return n;
}

/* Copy: the lines shown (the search applied) of both logs, as text. */
static void
vfg_window_copy_log(VfgWindow *self)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *toast = NULL;
    guint n;

    g_string_append(text, "# VirtFlow\n");
    n = vfg_log_append(text, G_LIST_MODEL(self->app_log_shown));
    g_string_append(text, _("# libvirt hook\n"));
    n += vfg_log_append(text, G_LIST_MODEL(self->hook_log_shown));
    gdk_clipboard_set_text(gtk_widget_get_clipboard(GTK_WIDGET(self)), text->str);
    toast = g_strdup_printf(_("Copied %u log lines"), n);
    vfg_window_toast(self, toast);
}

/* ---- the VM list's search ---- */

static void
vfg_window_vm_search_changed(GtkSearchEntry *entry, gpointer data)
{
    VfgWindow *self = data;

    gtk_string_filter_set_search(self->vm_filter, gtk_editable_get_text(GTK_EDITABLE(entry)));
    gtk_stack_set_visible_child_name(
        self->vm_list_stack,
        g_list_model_get_n_items(G_LIST_MODEL(self->vm_shown)) ? "list" : "none");
}

void
vfg_window_search_vms(VfgWindow *self, const char *text)
{
    adw_view_stack_set_visible_child_name(self->stack, "vms");
    adw_leaflet_set_visible_child_name(self->leaflet, "list");
    gtk_search_bar_set_search_mode(self->vm_search_bar, TRUE);
    if (text)
        gtk_editable_set_text(GTK_EDITABLE(self->vm_search), text);
    gtk_widget_grab_focus(GTK_WIDGET(self->vm_search));
}

static void
vfg_window_fill_log(GtkStringList *list, GStrv lines, const char *empty)
{
    const char *none[] = {empty, NULL};

    gtk_string_list_splice(list, 0, g_list_model_get_n_items(G_LIST_MODEL(list)),
                           lines && lines[0] ? (const char *const *)lines : none);
}

static void
vfg_window_logs_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    GStrv *logs = vfg_backend_read_logs_finish(VFG_BACKEND(source), result, NULL);

    VFG_BENCH_BEGIN;

    if (logs == NULL)
        return;
    vfg_window_fill_log(self->app_log, logs[0], _("Nothing logged yet"));
    vfg_window_fill_log(self->hook_log, logs[1], _("The hook has logged nothing"));
    VFG_BENCH_END(self, "logs");
    g_strfreev(logs[0]);
    g_strfreev(logs[1]);
    g_free(logs);
}

static void
vfg_window_read_logs(VfgWindow *self)
{
    /* only what is on screen: the log page reads again each time it is shown */
    if (g_strcmp0(adw_view_stack_get_visible_child_name(self->stack), "log") != 0)
        return;
    vfg_backend_read_logs_async(self->backend, vfg_window_logs_done, g_object_ref(self));
}

/* ---- flows ---- */

static VfgStepRow *
vfg_window_find_step(VfgWindow *self, const char *id)
{
    for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(self->step_list)); c;
         c = gtk_widget_get_next_sibling(c))
        if (VFG_IS_STEP_ROW(c) && g_strcmp0(vfg_step_row_get_id(VFG_STEP_ROW(c)), id) == 0)
            return VFG_STEP_ROW(c);
    return NULL;
}

static void
vfg_window_set_step(VfgWindow *self, const VirtFlowStep *step)
{
    VfgStepRow *row = vfg_window_find_step(self, step->id);

    if (row)
        vfg_step_row_update(row, step);
    else
        gtk_list_box_append(self->step_list, vfg_step_row_new(step));
}

/* What a screen reader says of the progress bar: the step, its number and its state
 * (GTK 4.8 has no announcement: the bar's description follows the steps). */
static void
vfg_window_announce_step(VfgWindow *self, const VirtFlowStep *step)
{
    guint n = 0, total = 0;
    g_autofree char *text = NULL;

    for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(self->step_list)); c;
         c = gtk_widget_get_next_sibling(c)) {
        total++;
        if (n == 0 && VFG_IS_STEP_ROW(c) &&
            g_strcmp0(vfg_step_row_get_id(VFG_STEP_ROW(c)), step->id) == 0)
            n = total;
    }
    text = g_strdup_printf(_("Step %u of %u: %s, %s"), n, total, step->title,
                           vf_step_state_to_string((VfStepState)step->state));
    gtk_accessible_update_property(GTK_ACCESSIBLE(self->flow_progress),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
vfg_window_on_plan(const VirtFlowStep *step, double fraction, gpointer data)
{
    if (!VFG_WINDOW(data)->disposed)
        vfg_window_set_step(data, step);
}

static void
vfg_window_on_progress(const VirtFlowStep *step, double fraction, gpointer data)
{
    VfgWindow *self = data;
    g_autofree char *text = g_strdup_printf("%.0f %%", fraction * 100);

    if (self->disposed)
        return;
    vfg_window_set_step(self, step);
    gtk_progress_bar_set_fraction(self->flow_progress, fraction);
    gtk_progress_bar_set_text(self->flow_progress, text);
    vfg_window_announce_step(self, step);
}

static void
vfg_window_on_wait(guint elapsed_ms, guint total_ms, gpointer data)
{
    VfgWindow *self = data;

    if (self->disposed)
        return;
    if (elapsed_ms >= VFG_FORCE_OFF_AFTER_MS && !self->stop_waiting) {
        self->stop_waiting = TRUE;
        vfg_window_update_actions(self);
        vfg_window_toast(self, _("The VM takes long to shut down: Force off switches it off"));
    }
}

static gboolean
vfg_window_bench_tick(gpointer data)
{
    VfgWindow *self = data;
    gint64 now = g_get_monotonic_time();

    self->bench_max_gap = MAX(self->bench_max_gap, now - self->bench_last);
    self->bench_last = now;
    return G_SOURCE_CONTINUE;
}

/* What the user can do about a failed flow. */
static const char *
vfg_error_fix(const char *fix)
{
    /* the fix comes from where the failure happened (the flow's fix): the code alone
     * cannot tell a VM that is gone from a guest agent that does not answer */
    return fix ? fix : _("Fix the reason above, then Retry");
}

/* TRUE when looking-glass-client can be run from this session. */
static gboolean
vfg_looking_glass_installed(void)
{
    g_autofree char *client = g_find_program_in_path("looking-glass-client");

    return client != NULL;
}

/* After a flow that worked: what the user must know now (where the picture goes, the
 * switch key) and the next step it leads to (Start after Activate, Looking Glass after
 * Start). */
static void
vfg_window_show_result(VfgWindow *self, VirtFlowFlow *flow)
{
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
    VirtFlowFlowKind kind = flow ? virtflow_flow_get_kind(flow) : VIRTFLOW_FLOW_STOP;
    gboolean start = flow && kind == VIRTFLOW_FLOW_ACTIVATE;
    /* the VM's recorded profile, as its Start applied it */
    const VfProfile *profile =
        flow && self->snap ? g_hash_table_lookup(self->snap->profiles, virtflow_flow_get_vm(flow))
                           : NULL;
    gboolean lg =
        flow && kind == VIRTFLOW_FLOW_START && profile && profile->view == VF_VIEW_LOOKING_GLASS;
    g_auto(GStrv) notes = flow ? virtflow_flow_dup_notes(flow) : NULL;

    for (guint i = 0; notes && notes[i]; i++)
        vfg_rows_add(rows, notes[i], NULL, "dialog-information-symbolic");
    if (lg && !vfg_looking_glass_installed())
        vfg_rows_add(rows, _("Install looking-glass-client to see the VM in a window"), NULL,
                     "dialog-warning-symbolic");
    vfg_list_box_set_rows(self->notes_list, rows);
    gtk_widget_set_visible(self->next_start_button, start);
    gtk_widget_set_visible(self->lg_button, lg && vfg_looking_glass_installed());
    gtk_widget_set_visible(self->result_group, rows->len > 0 || start || lg);
}

static void
vfg_window_open_looking_glass(VfgWindow *self)
{
    const char *argv[] = {"looking-glass-client", NULL};
    g_autoptr(GError) error = NULL;

    if (!g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &error)) {
        g_autofree char *text = g_strdup_printf(_("Cannot open Looking Glass: %s"), error->message);

        vfg_window_toast(self, text);
    }
}

/* A flow that worked updates the model itself (refreshes wait for flows to end): the list
 * and the buttons follow at once, the next refresh confirms. */
static void
vfg_window_apply_flow(VfgWindow *self, VfFlowKind kind, const char *vm)
{
    VfDomainInfo *info = (VfDomainInfo *)vfg_window_find_info(self, vm);
    VirtFlowGpu *gpu;

    if (info == NULL)
        return;
    switch (kind) {
    case VF_FLOW_ACTIVATE:
        gpu = vfg_window_gpu_for(self, info);
        info->passthrough = TRUE;
        if (gpu && info->gpu == NULL)
            info->gpu = g_strdup(virtflow_gpu_get_address(gpu));
        break;
    case VF_FLOW_DEACTIVATE:
        info->passthrough = FALSE;
        g_clear_pointer(&info->gpu, g_free);
        break;
    case VF_FLOW_START:
        info->state = VF_DOMAIN_STATE_RUNNING;
        break;
    case VF_FLOW_STOP:
        info->state = VF_DOMAIN_STATE_SHUTOFF;
        break;
    case VF_FLOW_LAST:
        break;
    }
    vfg_window_update_list(self);
}

static void
vfg_window_flow_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(VirtFlowFlow) flow = NULL;
    g_autoptr(GString) undo = g_string_new(NULL);
    gboolean ok = vfg_backend_run_flow_finish(VFG_BACKEND(source), result, &flow, &error);
    const char *reason = error ? error->message : NULL;
    g_autoptr(GPtrArray) steps = flow ? virtflow_flow_dup_steps(flow) : NULL;
    g_auto(GStrv) warnings = flow ? virtflow_flow_dup_warnings(flow) : NULL;

    if (self->disposed)
        return;
    /* the final state of every step, skipped ones included */
    for (guint i = 0; steps && i < steps->len; i++) {
        const VirtFlowStep *step = steps->pdata[i];

        vfg_window_set_step(self, step);
        if (step->state == VIRTFLOW_STEP_FAILED && step->detail)
            reason = step->detail;
    }
    for (guint i = 0; warnings && warnings[i]; i++) {
        const char *w = warnings[i];

        if (g_str_has_prefix(w, "Undo:"))
            g_string_append_printf(undo, "%s%s", undo->len ? "\n" : "", w + 6);
    }
    if (ok) {
        g_autofree char *title = g_strdup_printf(_("%s: done"), self->busy_vm);

        gtk_label_set_label(self->flow_title, title);
        gtk_progress_bar_set_fraction(self->flow_progress, 1.0);
        gtk_progress_bar_set_text(self->flow_progress, "100 %");
        vfg_window_show_result(self, flow);
    } else {
        g_autofree char *title = g_strdup_printf(_("%s: failed"), self->busy_vm);

        guint done = 0, total = steps ? steps->len : 0;
        gboolean guest_failed = FALSE;
        g_autofree char *where = NULL;

        for (guint i = 0; i < total; i++) {
            const VirtFlowStep *step = steps->pdata[i];

            if (step->state == VIRTFLOW_STEP_FAILED) {
                where = g_strdup_printf(_("failed at step %u of %u"), i + 1, total);
                guest_failed = g_str_equal(step->id, "check-guest");
                break;
            }
            if (step->state == VIRTFLOW_STEP_DONE || step->state == VIRTFLOW_STEP_SKIPPED)
                done++;
        }
        /* the bar stops where it failed, in the error colour: a full blue bar reads "done" */
        gtk_progress_bar_set_fraction(self->flow_progress, total ? (double)done / total : 0);
        gtk_progress_bar_set_text(self->flow_progress, where ? where : "failed");
        gtk_widget_add_css_class(GTK_WIDGET(self->flow_progress), "vfg-failed");
        if (where) {
            g_autofree char *group_title = g_strdup_printf(_("It %s"), where);

            adw_preferences_group_set_title(ADW_PREFERENCES_GROUP(self->failure_group),
                                            group_title);
        }
        gtk_label_set_label(self->flow_title, title);
        adw_action_row_set_subtitle(self->reason_row, reason ? reason : "unknown");
        /* the fix said where the failure happened (VirtFlowFlow:fix) */
        adw_action_row_set_subtitle(self->fix_row,
                                    vfg_error_fix(flow ? virtflow_flow_get_fix(flow) : NULL));
        self->last_kind = self->busy_kind;
        g_free(self->last_vm);
        self->last_vm = g_strdup(self->busy_vm);
        g_clear_pointer(&self->last_profile, vf_profile_free);
        self->last_profile = g_steal_pointer(&self->busy_profile);
        /* the guest could not be checked (no agent): the user may know better */
        gtk_widget_set_visible(self->anyway_button,
                               guest_failed && self->last_kind == VF_FLOW_ACTIVATE);
        adw_action_row_set_subtitle(self->undo_row,
                                    undo->len ? undo->str
                                              : _("nothing to undo: no step before it changed "
                                                  "anything"));
        gtk_widget_set_visible(self->failure_group, TRUE);
    }
    if (self->bench_timer) {
        g_source_remove(self->bench_timer);
        self->bench_timer = 0;
        printf("bench: flow=%s ok=%d max-stall-ms=%.1f\n",
               self->busy_kind == VF_FLOW_ACTIVATE ? "activate" : "other", ok,
               self->bench_max_gap / 1000.0);
        fflush(stdout);
    }
    /* warnings stay on the VM's page (a toast is gone before it is read) */
    if (warnings && warnings[0]) {
        GPtrArray *kept = g_ptr_array_new_with_free_func(g_free);

        for (guint i = 0; warnings[i]; i++)
            if (!g_str_has_prefix(warnings[i], "Undo:"))
                g_ptr_array_add(kept, g_strdup(warnings[i]));
        g_hash_table_insert(self->vm_warnings, g_strdup(self->busy_vm), kept);
    } else {
        g_hash_table_remove(self->vm_warnings, self->busy_vm);
    }
    if (ok)
        vfg_window_apply_flow(self, self->busy_kind, self->busy_vm);
    self->busy = FALSE;
    self->stop_waiting = FALSE;
    /* the flow may have redefined the VM: its tune is read again */
    if (g_strcmp0(self->tune_vm, self->busy_vm) == 0) {
        self->tune_serial++;
        g_clear_pointer(&self->tune, vfg_tune_status_free);
    }
    g_clear_pointer(&self->busy_vm, g_free);
    vfg_window_update_actions(self);
    self->refresh_after_flow = FALSE;
    vfg_window_refresh(self);
}

/* `--input auto` and the monitor view: what Activate does when nobody chose. */
static VfProfile *
vfg_window_default_profile(VfgWindow *self)
{
    VfProfile *profile = vf_profile_new();

    /* the keyboard, then the mouse, as `--input auto` orders them */
    for (int kind = VIRTFLOW_INPUT_KEYBOARD; kind <= VIRTFLOW_INPUT_MOUSE; kind++)
        for (guint i = 0; self->snap && i < self->snap->inputs->len; i++) {
            const VirtFlowInputDevice *in = self->snap->inputs->pdata[i];

            if (in->picked && (int)in->kind == kind)
                g_ptr_array_add(profile->evdev,
                                vf_evdev_input_new((VfInputKind)in->kind, in->path));
        }
    return profile;
}

static void vfg_window_start_flow(VfgWindow *self, VfFlowKind kind, const char *vm, gboolean force,
                                  const VfProfile *profile);

void
vfg_window_run_flow(VfgWindow *self, VfFlowKind kind, const char *vm, gboolean force)
{
    g_autoptr(VfProfile) profile = NULL;
    g_autofree char *why = vfg_window_dup_refusal(self, kind, vm ? vm : self->selected, force);

    if (why) {
        /* what a disabled button would have said */
        g_printerr("virtflow-gtk: refused: %s\n", why);
        vfg_window_toast(self, why);
        return;
    }
    if (kind == VF_FLOW_ACTIVATE)
        profile = vfg_window_default_profile(self);
    vfg_window_start_flow(self, kind, vm, force, profile);
}

/* ---- the Activate dialog: where the picture goes, which keyboard and mouse ---- */

typedef struct {
    VfgWindow *self; /* a reference */
    char *vm;
    GtkCheckButton *monitor, *looking_glass;
    GPtrArray *input_checks; /* GtkCheckButton*, each with "vfg-path" and "vfg-kind" data */
    GtkDropDown *toggle;
} VfgActivateAsk;

static void
vfg_activate_ask_free(VfgActivateAsk *ask)
{
    g_object_unref(ask->self);
    g_free(ask->vm);
    g_ptr_array_unref(ask->input_checks);
    g_free(ask);
}

static void
vfg_window_activate_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    VfgActivateAsk *ask = data;
    g_autoptr(VfProfile) profile = NULL;

    if (!g_str_equal(response, "activate"))
        return;
    profile = vf_profile_new();
    profile->view =
        gtk_check_button_get_active(ask->looking_glass) ? VF_VIEW_LOOKING_GLASS : VF_VIEW_MONITOR;
    profile->grab_toggle = gtk_drop_down_get_selected(ask->toggle);
    if (profile->grab_toggle >= VF_GRAB_TOGGLE_LAST)
        profile->grab_toggle = VF_GRAB_TOGGLE_CTRL_CTRL;
    for (guint i = 0; i < ask->input_checks->len; i++) {
        GtkCheckButton *check = ask->input_checks->pdata[i];

        if (gtk_check_button_get_active(check))
            g_ptr_array_add(
                profile->evdev,
                vf_evdev_input_new(GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(check), "vfg-kind")),
                                   g_object_get_data(G_OBJECT(check), "vfg-path")));
    }
    vfg_window_start_flow(ask->self, VF_FLOW_ACTIVATE, ask->vm, FALSE, profile);
}

static GtkWidget *
vfg_dialog_heading(const char *text)
{
    GtkWidget *label = gtk_label_new(text);

    gtk_label_set_xalign(GTK_LABEL(label), 0);
    gtk_widget_add_css_class(label, "heading");
    return label;
}

/* Asks how the VM will be used, then runs Activate GPU: the button's way in. */
static void
vfg_window_ask_activate(VfgWindow *self, const char *vm)
{
    const VfDomainInfo *info = vfg_window_find_info(self, vm);
    VfgActivateAsk *ask;
    GtkWidget *dialog, *box, *toggle_box;
    g_autofree char *heading = NULL, *body = NULL;
    g_autoptr(GtkStringList) toggles = gtk_string_list_new(NULL);

    if (info == NULL) {
        vfg_window_toast(self, _("Select a VM first"));
        return;
    }
    heading = g_strdup_printf(_("Give the GPU to %s?"), info->name);
    body =
        vf_domain_state_is_active(info->state)
            ? g_strdup_printf(_("%s is running: it is shut down first, then gets the GPU. "
                                "The host keeps its own display."),
                              info->name)
            : g_strdup_printf(_("%s gets the GPU when it starts. The host keeps its own display."),
                              info->name);
    dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, body);
    ask = g_new0(VfgActivateAsk, 1);
    ask->self = g_object_ref(self);
    ask->vm = g_strdup(info->name);
    ask->input_checks = g_ptr_array_new();

    box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_box_append(GTK_BOX(box), vfg_dialog_heading(_("Where the VM's picture goes")));
    ask->monitor = GTK_CHECK_BUTTON(
        gtk_check_button_new_with_label(_("The monitor plugged into the GPU (its sound too)")));
    ask->looking_glass = GTK_CHECK_BUTTON(
        gtk_check_button_new_with_label(_("A Looking Glass window on this screen")));
    gtk_check_button_set_group(ask->looking_glass, ask->monitor);
    gtk_check_button_set_active(ask->monitor, TRUE);
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(ask->monitor));
    gtk_box_append(GTK_BOX(box), GTK_WIDGET(ask->looking_glass));

    gtk_box_append(GTK_BOX(box), vfg_dialog_heading(_("Keyboard and mouse for the VM")));
    for (guint i = 0; self->snap && i < self->snap->inputs->len; i++) {
        const VirtFlowInputDevice *dev = self->snap->inputs->pdata[i];
        g_autofree char *label = g_strdup_printf("%s (%s)", dev->name ? dev->name : dev->path,
                                                 vf_input_kind_to_string((VfInputKind)dev->kind));
        GtkWidget *check = gtk_check_button_new_with_label(label);

        gtk_widget_set_tooltip_text(check, dev->path);
        g_object_set_data_full(G_OBJECT(check), "vfg-path", g_strdup(dev->path), g_free);
        g_object_set_data(G_OBJECT(check), "vfg-kind", GUINT_TO_POINTER(dev->kind));
        /* the ones `--input auto` picks are ticked */
        gtk_check_button_set_active(GTK_CHECK_BUTTON(check), dev->picked);
        g_ptr_array_add(ask->input_checks, check);
        gtk_box_append(GTK_BOX(box), check);
    }
    if (ask->input_checks->len == 0) {
        GtkWidget *none = gtk_label_new(_("This host has no keyboard or mouse with a "
                                          "/dev/input/by-id link to hand over."));

        gtk_label_set_wrap(GTK_LABEL(none), TRUE);
        gtk_label_set_xalign(GTK_LABEL(none), 0);
        gtk_box_append(GTK_BOX(box), none);
    }
    for (guint t = 0; t < VF_GRAB_TOGGLE_LAST; t++) {
        g_autofree char *text = g_strdup(vf_grab_toggle_describe(t));

        if (text[0])
            text[0] = g_ascii_toupper(text[0]);
        gtk_string_list_append(toggles, text);
    }
    toggle_box = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
    gtk_box_append(GTK_BOX(toggle_box), gtk_label_new(_("Switch between host and VM:")));
    ask->toggle = GTK_DROP_DOWN(gtk_drop_down_new(G_LIST_MODEL(g_object_ref(toggles)), NULL));
    gtk_accessible_update_property(GTK_ACCESSIBLE(ask->toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _("Key that switches the keyboard and mouse"), -1);
    gtk_box_append(GTK_BOX(toggle_box), GTK_WIDGET(ask->toggle));
    gtk_box_append(GTK_BOX(box), toggle_box);

    adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(dialog), box);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("Cancel"), "activate",
                                     _("Activate"), NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "activate",
                                               ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "activate");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect_data(dialog, "response", G_CALLBACK(vfg_window_activate_response), ask,
                          (GClosureNotify)(void (*)(void))vfg_activate_ask_free, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

static void
vfg_window_start_flow(VfgWindow *self, VfFlowKind kind, const char *vm, gboolean force,
                      const VfProfile *profile)
{
    g_autofree char *title = NULL;

    if (vm == NULL)
        vm = self->selected;
    if (vm == NULL) {
        vfg_window_toast(self, _("Select a VM first"));
        return;
    }
    if (self->busy) {
        vfg_window_toast(self, _("Wait for the running operation to finish"));
        return;
    }
    if (g_strcmp0(vm, self->selected) != 0)
        vfg_window_select_vm(self, vm);
    self->busy = TRUE;
    self->busy_kind = kind;
    self->busy_vm = g_strdup(vm);
    g_clear_pointer(&self->busy_profile, vf_profile_free);
    self->busy_profile = profile ? vf_profile_copy(profile) : NULL;
    self->stop_waiting = FALSE;
    gtk_widget_remove_css_class(GTK_WIDGET(self->flow_progress), "vfg-failed");
    vfg_list_box_clear(self->step_list);
    gtk_widget_set_visible(self->failure_group, FALSE);
    title = g_strdup_printf("%s %s", _(vfg_flow_verbs[kind]), vm);
    gtk_label_set_label(self->flow_title, title);
    gtk_progress_bar_set_fraction(self->flow_progress, 0);
    gtk_progress_bar_set_text(self->flow_progress, "0 %");
    gtk_stack_set_visible_child_name(self->detail_stack, "flow");
    vfg_window_update_actions(self);
    if (self->bench) {
        self->bench_last = g_get_monotonic_time();
        self->bench_max_gap = 0;
        self->bench_timer = g_timeout_add(1, vfg_window_bench_tick, self);
    }
    gtk_widget_set_visible(self->result_group, FALSE);
    vfg_backend_run_flow_async(
        self->backend, (VirtFlowFlowKind)kind, vm, force, profile,
        kind == VF_FLOW_ACTIVATE || kind == VF_FLOW_DEACTIVATE ? vfg_window_on_plan : NULL,
        vfg_window_on_progress, vfg_window_on_wait, self, vfg_window_flow_done, g_object_ref(self));
}

static void
vfg_window_force_off_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    g_autoptr(GError) error = NULL;

    if (!vfg_backend_force_off_finish(VFG_BACKEND(source), result, &error) && !self->disposed)
        vfg_window_toast(self, error->message);
}

void
vfg_window_force_off(VfgWindow *self, const char *vm)
{
    if (vm == NULL)
        vm = self->selected;
    if (vm == NULL)
        return;
    /* during a graceful stop: switch it off, the stop flow sees it and returns the GPU */
    if (self->busy && self->busy_kind == VF_FLOW_STOP && g_strcmp0(vm, self->busy_vm) == 0)
        vfg_backend_force_off_async(self->backend, vm, vfg_window_force_off_done,
                                    g_object_ref(self));
    else
        vfg_window_run_flow(self, VF_FLOW_STOP, vm, TRUE);
}

/* ---- confirmations before a VM is shut down (as virt-manager asks) ---- */

typedef struct {
    VfgWindow *self; /* a reference */
    char *vm;
    char *action; /* "vm.deactivate", "vm.force-off" */
} VfgConfirm;

static void
vfg_confirm_free(VfgConfirm *c)
{
    g_object_unref(c->self);
    g_free(c->vm);
    g_free(c->action);
    g_free(c);
}

static void
vfg_window_confirm_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    VfgConfirm *c = data;

    if (!g_str_equal(response, "go"))
        return;
    if (g_str_equal(c->action, "vm.force-off"))
        vfg_window_force_off(c->self, c->vm);
    else
        vfg_window_run_flow(c->self, VF_FLOW_DEACTIVATE, c->vm, FALSE);
}

static void
vfg_window_confirm(VfgWindow *self, const char *vm, const char *action, const char *heading,
                   const char *body, const char *go)
{
    GtkWidget *dialog = adw_message_dialog_new(GTK_WINDOW(self), heading, body);
    VfgConfirm *c = g_new0(VfgConfirm, 1);

    c->self = g_object_ref(self);
    c->vm = g_strdup(vm);
    c->action = g_strdup(action);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("Cancel"), "go", go,
                                     NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "go",
                                               ADW_RESPONSE_DESTRUCTIVE);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect_data(dialog, "response", G_CALLBACK(vfg_window_confirm_response), c,
                          (GClosureNotify)(void (*)(void))vfg_confirm_free, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

/* The Deactivate button: a running VM is shut down first, so ask. */
static void
vfg_window_ask_deactivate(VfgWindow *self, const char *vm)
{
    const VfDomainInfo *info = vfg_window_find_info(self, vm);
    g_autofree char *heading = NULL;

    if (info == NULL || !vf_domain_state_is_active(info->state)) {
        vfg_window_run_flow(self, VF_FLOW_DEACTIVATE, vm, FALSE);
        return;
    }
    heading = g_strdup_printf(_("Shut down %s and give the GPU back to the host?"), info->name);
    vfg_window_confirm(self, info->name, "vm.deactivate", heading,
                       _("The VM is shut down first, as from its own Shut down menu. Save your "
                         "work in it before you go on."),
                       _("Shut Down and Deactivate"));
}

/* The Force off button: like pulling the plug, so ask. */
static void
vfg_window_ask_force_off(VfgWindow *self, const char *vm)
{
    g_autofree char *heading = g_strdup_printf(_("Switch %s off now?"), vm ? vm : _("the VM"));

    if (vm == NULL)
        return;
    vfg_window_confirm(self, vm, "vm.force-off", heading,
                       _("It is switched off at once, as when the power is cut: unsaved work in "
                         "the VM is lost."),
                       _("Force Off"));
}

/* ---- selection, pages, toasts ---- */

gboolean
vfg_window_select_vm(VfgWindow *self, const char *vm)
{
    guint pos;

    if (vfg_model_find(G_LIST_MODEL(self->vm_names), vm) == GTK_INVALID_LIST_POSITION)
        return FALSE;
    g_free(self->selected);
    self->selected = g_strdup(vm);
    pos = vfg_model_find(G_LIST_MODEL(self->vm_shown), vm);
    self->updating_list = TRUE;
    gtk_single_selection_set_selected(self->vm_chosen, pos);
    self->updating_list = FALSE;
    adw_view_stack_set_visible_child_name(self->stack, "vms");
    adw_leaflet_set_visible_child_name(self->leaflet, "details");
    if (!self->busy)
        gtk_stack_set_visible_child_name(self->detail_stack, "details");
    vfg_window_update_details(self);
    return TRUE;
}

static void
vfg_window_row_selected(GtkSelectionModel *model, guint position, guint n, gpointer data)
{
    VfgWindow *self = data;
    GtkStringObject *item = gtk_single_selection_get_selected_item(self->vm_chosen);

    if (self->updating_list || item == NULL)
        return;
    vfg_window_select_vm(self, gtk_string_object_get_string(item));
}

/* A click on a row (selected already or not) opens its details: the other leaflet page when
 * the window is narrow. */
static void
vfg_window_row_activated(GtkListView *view, guint position, gpointer data)
{
    VfgWindow *self = data;
    g_autoptr(GtkStringObject) item = g_list_model_get_item(G_LIST_MODEL(self->vm_shown), position);

    if (item)
        vfg_window_select_vm(self, gtk_string_object_get_string(item));
}

/* Narrow (folded): the action buttons stack up, none is cut off. */
static void
vfg_window_folded_changed(GObject *leaflet, GParamSpec *pspec, gpointer data)
{
    VfgWindow *self = data;

    gboolean folded = adw_leaflet_get_folded(self->leaflet);
    GtkWidget *shown = adw_leaflet_get_visible_child(self->leaflet);
    int width = 0, height = 0;

    /* by the window's width too: a row of buttons wider than a narrow window would be the
     * window's minimum width, and keep it from getting narrow enough to fold */
    gtk_window_get_default_size(GTK_WINDOW(self), &width, &height); /* GTK 4.8: no NULL */
    gtk_orientable_set_orientation(GTK_ORIENTABLE(self->action_box),
                                   folded || (width > 0 && width < VFG_NARROW_WIDTH)
                                       ? GTK_ORIENTATION_VERTICAL
                                       : GTK_ORIENTATION_HORIZONTAL);
    /* folded, the page off screen is hidden from screen readers too */
    for (GtkWidget *c = gtk_widget_get_first_child(GTK_WIDGET(self->leaflet)); c;
         c = gtk_widget_get_next_sibling(c))
        gtk_accessible_update_state(GTK_ACCESSIBLE(c), GTK_ACCESSIBLE_STATE_HIDDEN,
                                    folded && c != shown, -1);
}

/* Wrapped labels break inside a word only where one word (a path, a device address) is
 * wider than the window: without it, such a label sets the window's minimum width. */
static void
vfg_labels_break_long_words(GtkWidget *root)
{
    for (GtkWidget *c = gtk_widget_get_first_child(root); c; c = gtk_widget_get_next_sibling(c)) {
        if (GTK_IS_LABEL(c) && gtk_label_get_wrap(GTK_LABEL(c)))
            gtk_label_set_wrap_mode(GTK_LABEL(c), PANGO_WRAP_WORD_CHAR);
        vfg_labels_break_long_words(c);
    }
}

void
vfg_window_show_page(VfgWindow *self, const char *page)
{
    adw_view_stack_set_visible_child_name(self->stack, page);
}

static void
vfg_window_page_changed(GObject *stack, GParamSpec *pspec, gpointer data)
{
    VfgWindow *self = data;

    if (self->snap && g_strcmp0(adw_view_stack_get_visible_child_name(self->stack), "host") == 0)
        vfg_window_update_host(self);
    vfg_window_read_logs(self);
}

void
vfg_window_toast(VfgWindow *self, const char *text)
{
    AdwToast *toast = adw_toast_new(text);

    adw_toast_set_timeout(toast, 5);
    adw_toast_overlay_add_toast(self->toasts, toast);
}

#ifdef VFG_TEST_HOOKS
gboolean
vfg_window_save_png(VfgWindow *self, const char *path, GError **error)
{
    GtkWidget *widget = GTK_WIDGET(self);
    g_autoptr(GList) toplevels = gtk_window_list_toplevels();

    /* a dialog over the window (Activate's questions, a confirmation) is what the user sees */
    for (GList *l = toplevels; l; l = l->next)
        if (gtk_window_get_transient_for(l->data) == GTK_WINDOW(self) &&
            gtk_widget_get_visible(l->data))
            widget = l->data;
    g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new(widget);
    g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new();
    g_autoptr(GskRenderNode) node = NULL;
    g_autoptr(GdkTexture) texture = NULL;
    int w = gtk_widget_get_width(widget), h = gtk_widget_get_height(widget);
    GskRenderer *renderer = gtk_native_get_renderer(GTK_NATIVE(widget));

    if (renderer == NULL || w <= 0 || h <= 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window is not drawn yet");
        return FALSE;
    }
    gdk_paintable_snapshot(paintable, snapshot, w, h);
    node = gtk_snapshot_free_to_node(g_steal_pointer(&snapshot));
    if (node == NULL) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window drew nothing");
        return FALSE;
    }
    texture = gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, w, h));
    if (!gdk_texture_save_to_png(texture, path)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write '%s'", path);
        return FALSE;
    }
    return TRUE;
}
#endif

/* ---- Run setup: what it will change first ---- */

static void
vfg_window_setup_response(AdwMessageDialog *dialog, const char *response, gpointer data)
{
    VfgWindow *self = data;
    GtkApplication *app = gtk_window_get_application(GTK_WINDOW(self));

    if (g_str_equal(response, "run") && app)
        g_action_group_activate_action(G_ACTION_GROUP(app), "run-setup", NULL);
}

static void
vfg_window_plan_done(GObject *source, GAsyncResult *result, gpointer data)
{
    g_autoptr(VfgWindow) self = data;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) changes = vfg_backend_plan_setup_finish(VFG_BACKEND(source), result, &error);
    GtkWidget *dialog, *list;

    if (self->disposed)
        return;
    if (changes == NULL) {
        g_autofree char *text = g_strdup_printf(_("Setup cannot plan: %s"), error->message);

        vfg_window_toast(self, text);
        return;
    }
    if (changes[0] == NULL) {
        vfg_window_toast(self, _("Setup has nothing to change: the host is set up"));
        return;
    }
    dialog = adw_message_dialog_new(GTK_WINDOW(self), _("Run Setup?"),
                                    _("Setup makes these changes to the host (each file is backed "
                                      "up first; `virtflow setup --undo` takes them back):"));
    list = gtk_list_box_new();
    gtk_list_box_set_selection_mode(GTK_LIST_BOX(list), GTK_SELECTION_NONE);
    gtk_widget_add_css_class(list, "boxed-list");
    gtk_accessible_update_property(GTK_ACCESSIBLE(list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                   _("The changes setup makes"), -1);
    for (guint i = 0; changes[i]; i++) {
        const char *colon = strstr(changes[i], ": ");
        g_autofree char *title =
            colon ? g_strndup(changes[i], colon - changes[i]) : g_strdup(changes[i]);
        GtkWidget *row = vfg_info_row(title, colon ? colon + 2 : NULL, NULL, NULL);

        gtk_list_box_append(GTK_LIST_BOX(list), row);
    }
    adw_message_dialog_set_extra_child(ADW_MESSAGE_DIALOG(dialog), list);
    adw_message_dialog_add_responses(ADW_MESSAGE_DIALOG(dialog), "cancel", _("Cancel"), "run",
                                     _("Run Setup"), NULL);
    adw_message_dialog_set_response_appearance(ADW_MESSAGE_DIALOG(dialog), "run",
                                               ADW_RESPONSE_SUGGESTED);
    adw_message_dialog_set_default_response(ADW_MESSAGE_DIALOG(dialog), "run");
    adw_message_dialog_set_close_response(ADW_MESSAGE_DIALOG(dialog), "cancel");
    g_signal_connect_object(dialog, "response", G_CALLBACK(vfg_window_setup_response), self, 0);
    gtk_window_present(GTK_WINDOW(dialog));
}

void
vfg_window_set_setup_running(VfgWindow *self, gboolean running)
{
    gtk_widget_set_visible(self->setup_spinner, running);
    gtk_spinner_set_spinning(GTK_SPINNER(self->setup_spinner), running);
    gtk_widget_action_set_enabled(GTK_WIDGET(self), "win.ask-setup", !running);
}

/* ---- widget actions (the buttons) ---- */

static void
vfg_window_action(GtkWidget *widget, const char *name, GVariant *param)
{
    VfgWindow *self = VFG_WINDOW(widget);

    if (g_str_equal(name, "vm.start"))
        vfg_window_run_flow(self, VF_FLOW_START, NULL, FALSE);
    else if (g_str_equal(name, "vm.stop"))
        vfg_window_run_flow(self, VF_FLOW_STOP, NULL, FALSE);
    else if (g_str_equal(name, "vm.force-off"))
        vfg_window_ask_force_off(self, self->busy ? self->busy_vm : self->selected);
    else if (g_str_equal(name, "vm.activate"))
        vfg_window_ask_activate(self, self->selected);
    else if (g_str_equal(name, "vm.activate-anyway") && self->last_vm)
        vfg_window_start_flow(self, VF_FLOW_ACTIVATE, self->last_vm, TRUE, self->last_profile);
    else if (g_str_equal(name, "vm.retry") && self->last_vm)
        vfg_window_start_flow(self, self->last_kind, self->last_vm, FALSE, self->last_profile);
    else if (g_str_equal(name, "vm.show-host"))
        vfg_window_show_page(self, "host");
    else if (g_str_equal(name, "vm.open-looking-glass"))
        vfg_window_open_looking_glass(self);
    else if (g_str_equal(name, "vm.deactivate"))
        vfg_window_ask_deactivate(self, self->selected);
    else if (g_str_equal(name, "vm.back"))
        gtk_stack_set_visible_child_name(self->detail_stack, self->selected ? "details" : "empty");
    else if (g_str_equal(name, "win.refresh"))
        vfg_window_refresh(self);
    else if (g_str_equal(name, "win.ask-setup"))
        vfg_backend_plan_setup_async(self->backend, vfg_window_plan_done, g_object_ref(self));
    else if (g_str_equal(name, "win.search"))
        vfg_window_search_vms(self, NULL);
    else if (g_str_equal(name, "win.copy-log"))
        vfg_window_copy_log(self);
    else if (g_str_equal(name, "win.leaflet-back"))
        adw_leaflet_set_visible_child_name(self->leaflet, "list");
}

/* ---- VIRTFLOW_GTK_BENCH=1: when the first frames are drawn (bench/gui.sh) ---- */

static void
vfg_window_before_frame(GdkFrameClock *clock, gpointer data)
{
    VFG_WINDOW(data)->bench_frame_t0 = g_get_monotonic_time();
}

static void
vfg_window_frame_end(GdkFrameClock *clock, gpointer data)
{
    VfgWindow *self = data;
    gint64 dt = g_get_monotonic_time() - self->bench_frame_t0;

    if (self->bench_frame_t0 && dt > 10000)
        printf("bench: slow frame (update+layout+paint) %.1f ms\n", dt / 1000.0);
}

static void
vfg_window_after_paint(GdkFrameClock *clock, gpointer data)
{
    VfgWindow *self = data;

    if (!self->bench_first_done) {
        self->bench_first_done = TRUE;
        printf("bench: first-frame realtime-us=%" G_GINT64_FORMAT "\n", g_get_real_time());
    }
    if (!self->bench_vms_done && self->snap) {
        self->bench_vms_done = TRUE;
        printf("bench: first-frame-with-vms realtime-us=%" G_GINT64_FORMAT " vms=%u\n",
               g_get_real_time(), self->snap->domains->len);
        g_signal_handlers_disconnect_by_func(clock, vfg_window_after_paint, self);
        g_signal_connect_object(clock, "update", G_CALLBACK(vfg_window_before_frame), self, 0);
        g_signal_connect_object(clock, "after-paint", G_CALLBACK(vfg_window_frame_end), self,
                                G_CONNECT_AFTER);
    }
    fflush(stdout);
}

static void
vfg_window_realize(GtkWidget *widget, gpointer data)
{
    g_signal_connect_object(gtk_widget_get_frame_clock(widget), "after-paint",
                            G_CALLBACK(vfg_window_after_paint), widget, 0);
}

/* ---- lifecycle events ---- */

static gboolean
vfg_window_refresh_later(gpointer data)
{
    vfg_window_refresh(data);
    return G_SOURCE_REMOVE;
}

static void
vfg_window_vm_event(VfgBackend *backend, const char *name, int event, gpointer data)
{
    VfgWindow *self = data;

    g_debug("event: %s %s", name, vf_lifecycle_event_to_string(event));
    vfg_window_refresh(self);
    /* a VM that stopped: the libvirt hook returns its GPU right after; look again then */
    if (event == VF_LIFECYCLE_STOPPED)
        g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, 3, vfg_window_refresh_later,
                                   g_object_ref(self), g_object_unref);
}

/* ---- the window's size (GSettings org.virtflow.VirtFlow) ---- */

#define VFG_SCHEMA_ID "org.virtflow.VirtFlow"

/* The size the window had when it was last closed. Without the schema installed (a build
 * run from its tree without GSETTINGS_SCHEMA_DIR) the window opens at its default size. */
static void
vfg_window_load_size(VfgWindow *self)
{
    GSettingsSchemaSource *source = g_settings_schema_source_get_default();
    g_autoptr(GSettingsSchema) schema =
        source ? g_settings_schema_source_lookup(source, VFG_SCHEMA_ID, TRUE) : NULL;

    if (schema == NULL) {
        g_debug("No GSettings schema %s: the window's size is not kept", VFG_SCHEMA_ID);
        return;
    }
    self->settings = g_settings_new_full(schema, NULL, NULL);
    /* read now, written at each change: a window that is never disposed (the app quits with
     * a refresh pending) keeps its size too */
    g_settings_bind(self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(self->settings, "window-height", self, "default-height",
                    G_SETTINGS_BIND_DEFAULT);
    g_settings_bind(self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
}

void
vfg_window_save_size(VfgWindow *self)
{
    int width = 0, height = 0;

    if (self->settings == NULL)
        return;
    gtk_window_get_default_size(GTK_WINDOW(self), &width, &height);
    fflush(stdout);
    if (width > 0 && height > 0) {
        g_settings_set_int(self->settings, "window-width", width);
        g_settings_set_int(self->settings, "window-height", height);
    }
    g_settings_set_boolean(self->settings, "window-maximized",
                           gtk_window_is_maximized(GTK_WINDOW(self)));
    g_settings_sync();
}

/* ---- GObject ---- */

static void
vfg_window_dispose(GObject *object)
{
    VfgWindow *self = VFG_WINDOW(object);

    self->disposed = TRUE;
    vfg_window_save_size(self);
    g_clear_object(&self->settings);
    if (self->bench_timer) {
        g_source_remove(self->bench_timer);
        self->bench_timer = 0;
    }
    if (self->backend)
        g_signal_handlers_disconnect_by_data(self->backend, self);
    g_clear_object(&self->backend);
    g_clear_pointer(&self->snap, vfg_snapshot_free);
    g_clear_object(&self->app_log);
    g_clear_object(&self->hook_log);
    g_clear_object(&self->app_log_shown);
    g_clear_object(&self->vm_chosen);
    g_clear_object(&self->vm_shown);
    g_clear_object(&self->vm_filter);
    g_clear_object(&self->vm_names);
    g_clear_object(&self->hook_log_shown);
    g_clear_object(&self->log_filter);
    G_OBJECT_CLASS(vfg_window_parent_class)->dispose(object);
}

static void
vfg_window_finalize(GObject *object)
{
    VfgWindow *self = VFG_WINDOW(object);

    g_free(self->selected);
    g_free(self->busy_vm);
    g_free(self->last_vm);
    g_free(self->tune_vm);
    g_clear_pointer(&self->tune, vfg_tune_status_free);
    g_clear_pointer(&self->vm_warnings, g_hash_table_unref);
    g_clear_pointer(&self->busy_profile, vf_profile_free);
    g_clear_pointer(&self->last_profile, vf_profile_free);
    G_OBJECT_CLASS(vfg_window_parent_class)->finalize(object);
}

#define BIND(name) gtk_widget_class_bind_template_child(widget_class, VfgWindow, name)

static void
vfg_window_class_init(VfgWindowClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);
    static const char *const actions[] = {
        "vm.start",         "vm.stop",    "vm.force-off",          "vm.activate",
        "vm.deactivate",    "vm.back",    "vm.open-looking-glass", "win.refresh",
        "win.leaflet-back", "win.search", "win.copy-log",          "win.ask-setup"};

    G_OBJECT_CLASS(klass)->dispose = vfg_window_dispose;
    G_OBJECT_CLASS(klass)->finalize = vfg_window_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/virtflow/VirtFlow/vfg-window.ui");
    BIND(toasts);
    BIND(stack);
    BIND(demo_banner);
    BIND(vm_list);
    BIND(vm_search_bar);
    BIND(vm_search);
    BIND(log_search);
    BIND(vm_list_stack);
    BIND(leaflet);
    BIND(action_box);
    BIND(detail_stack);
    BIND(vm_group);
    BIND(state_row);
    BIND(vcpus_row);
    BIND(memory_row);
    BIND(force_button);
    BIND(gpu_list);
    BIND(tune_row);
    BIND(tune_changes_row);
    BIND(tune_switch);
    BIND(flow_title);
    BIND(flow_progress);
    BIND(step_list);
    BIND(failure_group);
    BIND(reason_row);
    BIND(fix_row);
    BIND(undo_row);
    BIND(result_group);
    BIND(notes_list);
    BIND(next_start_button);
    BIND(start_button);
    BIND(stop_button);
    BIND(activate_button);
    BIND(lg_button);
    BIND(not_ready_box);
    BIND(setup_spinner);
    BIND(anyway_button);
    BIND(not_ready_label);
    BIND(iommu_row);
    BIND(vfio_row);
    BIND(hook_row);
    BIND(conn_row);
    BIND(host_gpu_list);
    BIND(findings_list);
    BIND(app_log_view);
    BIND(hook_log_view);
    BIND(app_log_group);
    BIND(hook_log_group);
    for (guint i = 0; i < G_N_ELEMENTS(actions); i++)
        gtk_widget_class_install_action(widget_class, actions[i], NULL, vfg_window_action);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
    gtk_widget_class_add_binding_action(widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "win.search",
                                        NULL);
}

static void
vfg_window_init(VfgWindow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
    self->vm_warnings =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    {
        GtkListItemFactory *factory = gtk_signal_list_item_factory_new();

        self->vm_names = gtk_string_list_new(NULL);
        self->vm_filter = gtk_string_filter_new(
            gtk_property_expression_new(GTK_TYPE_STRING_OBJECT, NULL, "string"));
        gtk_string_filter_set_match_mode(self->vm_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
        gtk_string_filter_set_ignore_case(self->vm_filter, TRUE);
        self->vm_shown = gtk_filter_list_model_new(G_LIST_MODEL(g_object_ref(self->vm_names)),
                                                   GTK_FILTER(g_object_ref(self->vm_filter)));
        self->vm_chosen = gtk_single_selection_new(G_LIST_MODEL(g_object_ref(self->vm_shown)));
        gtk_single_selection_set_autoselect(self->vm_chosen, FALSE);
        gtk_single_selection_set_can_unselect(self->vm_chosen, TRUE);
        g_signal_connect(factory, "setup", G_CALLBACK(vfg_vm_item_setup), self);
        g_signal_connect(factory, "bind", G_CALLBACK(vfg_vm_item_bind), self);
        gtk_list_view_set_factory(self->vm_list, factory);
        gtk_list_view_set_model(self->vm_list, GTK_SELECTION_MODEL(g_object_ref(self->vm_chosen)));
        g_object_unref(factory);
    }
    g_signal_connect(self->vm_chosen, "selection-changed", G_CALLBACK(vfg_window_row_selected),
                     self);
    g_signal_connect(self->tune_switch, "state-set", G_CALLBACK(vfg_window_tune_state_set), self);
    g_signal_connect(self->vm_list, "activate", G_CALLBACK(vfg_window_row_activated), self);
    {
        GtkEventController *keys = gtk_event_controller_key_new();

        gtk_event_controller_set_propagation_phase(keys, GTK_PHASE_CAPTURE);
        g_signal_connect(keys, "key-pressed", G_CALLBACK(vfg_window_list_key), self);
        gtk_widget_add_controller(GTK_WIDGET(self->vm_list), keys);
    }
    g_signal_connect(self->leaflet, "notify::folded", G_CALLBACK(vfg_window_folded_changed), self);
    g_signal_connect(self->leaflet, "notify::visible-child", G_CALLBACK(vfg_window_folded_changed),
                     self);
    g_signal_connect(self, "notify::default-width", G_CALLBACK(vfg_window_folded_changed), self);
    vfg_window_load_size(self);
    g_signal_connect(self->stack, "notify::visible-child-name", G_CALLBACK(vfg_window_page_changed),
                     self);
    self->log_filter =
        gtk_string_filter_new(gtk_property_expression_new(GTK_TYPE_STRING_OBJECT, NULL, "string"));
    gtk_string_filter_set_match_mode(self->log_filter, GTK_STRING_FILTER_MATCH_MODE_SUBSTRING);
    gtk_string_filter_set_ignore_case(self->log_filter, TRUE);
    self->app_log = vfg_log_view_init(self->app_log_view, self->log_filter, &self->app_log_shown);
    self->hook_log =
        vfg_log_view_init(self->hook_log_view, self->log_filter, &self->hook_log_shown);
    g_signal_connect(self->log_search, "search-changed", G_CALLBACK(vfg_window_log_search_changed),
                     self);
    gtk_search_bar_connect_entry(self->vm_search_bar, GTK_EDITABLE(self->vm_search));
    g_signal_connect(self->vm_search, "search-changed", G_CALLBACK(vfg_window_vm_search_changed),
                     self);
    self->bench = g_strcmp0(g_getenv("VIRTFLOW_GTK_BENCH"), "1") == 0;
    if (self->bench)
        g_signal_connect(self, "realize", G_CALLBACK(vfg_window_realize), NULL);
}

VfgWindow *
vfg_window_new(GtkApplication *app, VfgBackend *backend)
{
    VfgWindow *self = g_object_new(VFG_TYPE_WINDOW, "application", app, NULL);
    g_autofree char *log = vfg_backend_dup_log_path(backend);
    g_autofree char *hook_log = vfg_backend_dup_hook_log_path(backend);

    self->backend = g_object_ref(backend);
    g_signal_connect(backend, "vm-event", G_CALLBACK(vfg_window_vm_event), self);
    gtk_revealer_set_reveal_child(self->demo_banner, vfg_backend_is_demo(backend));
    adw_preferences_group_set_description(self->app_log_group, log);
    adw_preferences_group_set_description(self->hook_log_group, hook_log);
    vfg_labels_break_long_words(adw_view_stack_get_child_by_name(self->stack, "log"));
    vfg_window_update_actions(self);
    vfg_window_refresh(self);
    return self;
}
