/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtflow-gtk: VirtFlow's desktop app (GTK 4 + libadwaita)
 *
 *   virtflow-gtk [--demo] [--connect URI]
 *
 * The application's actions are exported on the session bus (org.gtk.Actions at
 * /org/virtflow/VirtFlow; with --demo the application is org.virtflow.VirtFlow.Demo at
 * /org/virtflow/VirtFlow/Demo), so that a script can drive it as a user would, e.g.
 *   gdbus call --session --dest org.virtflow.VirtFlow --object-path /org/virtflow/VirtFlow \
 *     --method org.gtk.Actions.Activate activate-gpu "[<'Windows 11'>]" "{}"
 * Actions taking a VM ("s"): select-vm, start-vm, stop-vm, force-off, activate-gpu,
 * deactivate-gpu ('' means the selected VM; activate-gpu asks nothing: the monitor view and
 * the keyboard and mouse `--input auto` picks, as the CLI's defaults); show-page ("vms", "host",
 * "log"); search-vms ("s": the VM list's search); run-setup; refresh; quit. Test builds
 * (-Dtest_hooks=true) add screenshot (a PNG path) and test-resize ("WIDTHxHEIGHT"). A flow action
 * refuses what the window's button would (a toast says why), and all are off while a flow runs.
 * With --demo also demo-guest-shutdown
 * ("s"): the guest shuts itself down, as from inside Windows (the window follows libvirt's events).
 * The application itself, its state and its actions: vfg-application.c.
 */
#include "vfg-application.h"

#include <glib/gi18n.h>
#include <locale.h>

int
main(int argc, char **argv)
{
    g_autoptr(VfgApplication) app = NULL;
    gboolean demo = FALSE;

    /* every UI string through gettext (po/); test builds may point at another catalogue
     * directory: the pseudo-translation tests/gui/run.sh makes */
    setlocale(LC_ALL, "");
#ifdef VFG_TEST_HOOKS
    bindtextdomain(GETTEXT_PACKAGE, g_getenv("VIRTFLOW_GTK_LOCALEDIR")
                                        ? g_getenv("VIRTFLOW_GTK_LOCALEDIR")
                                        : LOCALEDIR);
#else
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
#endif
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);
    for (int i = 1; i < argc; i++)
        if (g_str_equal(argv[i], "--demo"))
            demo = TRUE;
    g_set_prgname("virtflow-gtk");
    g_set_application_name(_("VirtFlow"));
    /* the demo is another application: a second `--demo` never presents the real host's
     * window (nor the other way round) */
    app = vfg_application_new(demo);
    return g_application_run(G_APPLICATION(app), argc, argv);
}
