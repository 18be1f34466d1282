/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfg-step-row.h"

#include <glib/gi18n.h>

struct _VfgStepRow {
    AdwActionRow parent_instance;
    GtkStack *icon_stack;
    GtkSpinner *spinner;
    GtkImage *icon;
    GtkLabel *state_label;
    char *id;
};

G_DEFINE_FINAL_TYPE(VfgStepRow, vfg_step_row, ADW_TYPE_ACTION_ROW)

static void
vfg_step_row_finalize(GObject *object)
{
    g_free(VFG_STEP_ROW(object)->id);
    G_OBJECT_CLASS(vfg_step_row_parent_class)->finalize(object);
}

static void
vfg_step_row_class_init(VfgStepRowClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfg_step_row_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/virtflow/VirtFlow/vfg-step-row.ui");
    gtk_widget_class_bind_template_child(widget_class, VfgStepRow, icon_stack);
    gtk_widget_class_bind_template_child(widget_class, VfgStepRow, spinner);
    gtk_widget_class_bind_template_child(widget_class, VfgStepRow, icon);
    gtk_widget_class_bind_template_child(widget_class, VfgStepRow, state_label);
}

static void
vfg_step_row_init(VfgStepRow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

/* the step's state as the list says it (vf_step_state_to_string() is the log's word) */
static const char *const vfg_step_states[] = {
    [VIRTFLOW_STEP_WAITING] = N_("waiting"), [VIRTFLOW_STEP_RUNNING] = N_("running"),
    [VIRTFLOW_STEP_DONE] = N_("done"),       [VIRTFLOW_STEP_FAILED] = N_("failed"),
    [VIRTFLOW_STEP_SKIPPED] = N_("skipped"),
};

static const char *const vfg_step_icons[] = {
    [VIRTFLOW_STEP_WAITING] = "content-loading-symbolic",
    [VIRTFLOW_STEP_RUNNING] = NULL,
    [VIRTFLOW_STEP_DONE] = "emblem-ok-symbolic",
    [VIRTFLOW_STEP_FAILED] = "dialog-error-symbolic",
    [VIRTFLOW_STEP_SKIPPED] = "media-skip-forward-symbolic",
};

void
vfg_step_row_update(VfgStepRow *self, const VirtFlowStep *step)
{
    gboolean running = step->state == VIRTFLOW_STEP_RUNNING;

    if (self->id == NULL) {
        self->id = g_strdup(step->id);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), step->title);
    }
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self), step->detail ? step->detail : "");
    gtk_label_set_label(self->state_label, step->state <= VIRTFLOW_STEP_SKIPPED
                                               ? _(vfg_step_states[step->state])
                                               : vf_step_state_to_string((VfStepState)step->state));
    gtk_spinner_set_spinning(self->spinner, running);
    gtk_stack_set_visible_child_name(self->icon_stack, running ? "spinner" : "icon");
    if (!running && step->state <= VIRTFLOW_STEP_SKIPPED)
        gtk_image_set_from_icon_name(self->icon, vfg_step_icons[step->state]);
    gtk_widget_remove_css_class(GTK_WIDGET(self->state_label), "error");
    gtk_widget_remove_css_class(GTK_WIDGET(self->state_label), "success");
    gtk_widget_remove_css_class(GTK_WIDGET(self->state_label), "dim-label");
    gtk_widget_add_css_class(GTK_WIDGET(self->state_label),
                             step->state == VIRTFLOW_STEP_FAILED ? "error"
                             : step->state == VIRTFLOW_STEP_DONE ? "success"
                                                                 : "dim-label");
}

GtkWidget *
vfg_step_row_new(const VirtFlowStep *step)
{
    VfgStepRow *self = g_object_new(VFG_TYPE_STEP_ROW, NULL);

    vfg_step_row_update(self, step);
    return GTK_WIDGET(self);
}

const char *
vfg_step_row_get_id(VfgStepRow *self)
{
    return self->id;
}
