/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "vfg-vm-row.h"

#include <glib/gi18n.h>

struct _VfgVmRow {
    AdwActionRow parent_instance;
    GtkWidget *badge;
    char *name;
};

G_DEFINE_FINAL_TYPE(VfgVmRow, vfg_vm_row, ADW_TYPE_ACTION_ROW)

static void
vfg_vm_row_finalize(GObject *object)
{
    g_free(VFG_VM_ROW(object)->name);
    G_OBJECT_CLASS(vfg_vm_row_parent_class)->finalize(object);
}

static void
vfg_vm_row_class_init(VfgVmRowClass *klass)
{
    GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

    G_OBJECT_CLASS(klass)->finalize = vfg_vm_row_finalize;
    gtk_widget_class_set_template_from_resource(widget_class,
                                                "/org/virtflow/VirtFlow/vfg-vm-row.ui");
    gtk_widget_class_bind_template_child(widget_class, VfgVmRow, badge);
}

static void
vfg_vm_row_init(VfgVmRow *self)
{
    gtk_widget_init_template(GTK_WIDGET(self));
}

void
vfg_vm_row_update(VfgVmRow *self, const VfDomainInfo *info)
{
    if (g_strcmp0(self->name, info->name) != 0) {
        g_free(self->name);
        self->name = g_strdup(info->name);
        adw_preferences_row_set_title(ADW_PREFERENCES_ROW(self), info->name);
    }
    adw_action_row_set_subtitle(ADW_ACTION_ROW(self), vf_domain_state_to_string(info->state));
    gtk_widget_set_visible(self->badge, info->passthrough);
    if (info->passthrough) {
        g_autofree char *tip = g_strdup_printf(_("GPU %s passes through to this VM"),
                                               info->gpu ? info->gpu : _("(unknown)"));

        gtk_widget_set_tooltip_text(self->badge, tip);
    }
}

GtkWidget *
vfg_vm_row_new(const VfDomainInfo *info)
{
    VfgVmRow *self = g_object_new(VFG_TYPE_VM_ROW, NULL);

    if (info)
        vfg_vm_row_update(self, info);
    return GTK_WIDGET(self);
}

const char *
vfg_vm_row_get_name(VfgVmRow *self)
{
    return self->name;
}
