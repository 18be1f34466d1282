#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""virtflow-gtk on the demo host, driven as a user would, checked by what the window shows.

Run by tests/gui/run.sh inside xvfb-run + dbus-run-session (a private X server and session
bus): starts `virtflow-gtk --demo`, presses its buttons through AT-SPI or activates its
exported actions (org.gtk.Actions on D-Bus), and reads labels back through AT-SPI.
Prints TAP and ends with "gui: N passed, M failed".

    gui-test.py VIRTFLOW_GTK OUTPUT_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import warnings

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi, Gio, GLib  # noqa: E402

# get_*_iface() are deprecated in newer libatspi, and the only way in Debian 12's
warnings.filterwarnings("ignore", category=DeprecationWarning)

APP_ID = "org.virtflow.VirtFlow.Demo"  # --demo is an application of its own
OBJ = "/org/virtflow/VirtFlow/Demo"
VM = "Windows 11"

binary, outdir = sys.argv[1], sys.argv[2]
helper = os.path.join(os.path.dirname(binary), "..", "helper", "virtflow-helper")
os.makedirs(outdir, exist_ok=True)
results = []


def tap(ok, what, diag=None):
    results.append(ok)
    print(("ok" if ok else "not ok") + f" {len(results)} - {what}", flush=True)
    if not ok and diag:
        for line in str(diag).splitlines():
            print(f"#   {line}", flush=True)
    return ok


# ---- the app ----

def wait_x_server(timeout=15):
    """xvfb-run starts the server in the background: make sure it accepts connections."""
    import socket
    disp = os.environ.get("DISPLAY", "")
    num = disp.lstrip(":").split(".")[0]
    path = f"/tmp/.X11-unix/X{num}"
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(path)
                return True
        except OSError:
            time.sleep(0.1)
    print(f"# the X server {disp} does not answer on {path}")
    return False


class App:
    def __init__(self, root, extra_env=None, args=("--demo",)):
        env = dict(os.environ)
        env.update({
            "VIRTFLOW_DEMO_ROOT": root,
            "GSK_RENDERER": "cairo",
            "GTK_A11Y": "atspi",
            "NO_AT_BRIDGE": "0",
        })
        env.update(extra_env or {})
        self.env = env
        self.bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        self.acc = None
        self.args = list(args)
        demo = "--demo" in self.args
        self.app_id = APP_ID if demo else "org.virtflow.VirtFlow"
        self.obj = OBJ if demo else "/org/virtflow/VirtFlow"
        self.launch()

    def launch(self):
        self.log = open(os.path.join(outdir, "app.log"), "a")
        self.log_start = self.log.tell()
        self.proc = subprocess.Popen([binary] + self.args, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_started(self, timeout=30):
        """The app's window in the AT-SPI tree."""
        end = time.time() + timeout
        retries = 3
        while time.time() < end:
            if self.proc.poll() is not None:
                # Xvfb sometimes refuses the very first client (seen on this shared machine,
                # likely another session's X server on the same abstract socket): retry
                with open(os.path.join(outdir, "app.log")) as f:
                    f.seek(self.log_start)
                    out = f.read()
                if "cannot open display" in out and retries > 0:
                    retries -= 1
                    print(f"# the app could not open {os.environ.get('DISPLAY')}: launching again")
                    time.sleep(1)
                    self.launch()
                    continue
                return False
            time.sleep(0.1)
            desktop = Atspi.get_desktop(0)
            for i in range(desktop.get_child_count()):
                app = desktop.get_child_at_index(i)
                if app is not None and app.get_name() == "virtflow-gtk":
                    for j in range(app.get_child_count()):
                        win = app.get_child_at_index(j)
                        if win is not None and win.get_name() in ("VirtFlow", "⟦VirtFlow⟧"):
                            self.acc = win
                            self.app_acc = app
                            return True
        return False

    def action(self, name, *param):
        args = GLib.Variant("(sava{sv})", (name, [GLib.Variant("s", p) for p in param], {}))
        self.bus.call_sync(self.app_id, self.obj, "org.gtk.Actions", "Activate", args, None,
                           Gio.DBusCallFlags.NONE, 5000, None)

    def describe(self, name):
        """Whether the exported action @name is enabled (org.gtk.Actions.Describe)."""
        r = self.bus.call_sync(self.app_id, self.obj, "org.gtk.Actions", "Describe",
                               GLib.Variant("(s)", (name,)), None, Gio.DBusCallFlags.NONE, 5000,
                               None)
        return r.unpack()[0][0]

    def actions(self):
        r = self.bus.call_sync(self.app_id, self.obj, "org.gtk.Actions", "List", None, None,
                               Gio.DBusCallFlags.NONE, 5000, None)
        return r.unpack()[0]

    def log_text(self):
        with open(os.path.join(outdir, "app.log")) as f:
            f.seek(self.log_start)
            return f.read()

    def quit(self):
        try:
            self.action("quit")
        except GLib.Error:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.proc.returncode

    def screenshot(self, name):
        path = os.path.join(outdir, name)
        if os.path.exists(path):
            os.unlink(path)
        for _ in range(3):  # a frame in the middle of a change can draw nothing: again
            self.action("screenshot", path)
            end = time.time() + 3
            while time.time() < end and not os.path.exists(path):
                time.sleep(0.1)
            if os.path.exists(path):
                break
        return os.path.exists(path) and os.path.getsize(path) > 1000


# ---- reading the window ----

def showing(acc):
    """Drawn in the window: GTK 4.8 sets no SHOWING state, but a widget that is not drawn
    (a hidden stack page) has empty extents."""
    if not acc.get_state_set().contains(Atspi.StateType.VISIBLE):
        return False
    try:
        e = acc.get_component_iface().get_extents(Atspi.CoordType.WINDOW)
    except (GLib.Error, AttributeError):
        return True
    return e.width > 0 and e.height > 0


def walk(acc, depth=0):
    """Every accessible under @acc (itself included), depth first."""
    if acc is None or depth > 60:
        return
    yield acc
    try:
        n = acc.get_child_count()
    except GLib.Error:
        return
    for i in range(n):
        try:
            child = acc.get_child_at_index(i)
        except GLib.Error:
            continue
        yield from walk(child, depth + 1)


def text_of(acc):
    name = acc.get_name() or ""
    if name:
        return name
    return ""


def labels(acc, only_showing=True):
    out = []
    for a in walk(acc):
        if a.get_role() == Atspi.Role.LABEL and (not only_showing or showing(a)):
            out.append(text_of(a))
    return out


def find(acc, role, name=None, only_showing=True):
    for a in walk(acc):
        if a.get_role() == role and (name is None or text_of(a) == name) and \
                (not only_showing or showing(a)):
            return a
    return None


def dump(acc, name):
    """The accessible tree, for a failure's diagnosis."""
    with open(os.path.join(outdir, name), "w") as f:
        def rec(a, depth):
            if a is None or depth > 60:
                return
            st = [Atspi.StateType(x).value_nick for x in a.get_state_set().get_states()]
            try:
                e = a.get_component_iface().get_extents(Atspi.CoordType.WINDOW)
                ext = f"{e.x},{e.y} {e.width}x{e.height}"
            except Exception:
                ext = "?"
            f.write("  " * depth + f"{a.get_role_name()} '{text_of(a)}' {' '.join(st)} {ext}\n")
            for i in range(a.get_child_count()):
                rec(a.get_child_at_index(i), depth + 1)
        rec(acc, 0)


def wait_for(cond, timeout=20):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = cond()
        except GLib.Error as e:
            last = None
            print(f"# (AT-SPI: {e.message})")
        if last:
            return last
        time.sleep(0.25)
    return last


def vm_row_labels(app, vm=VM):
    """The labels of @vm's row in the VM list, as shown."""
    lst = find(app.acc, Atspi.Role.LIST, "Virtual machines") or \
        find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines")
    if lst is None:
        lst = find(app.acc, Atspi.Role.LIST, None)
    if lst is None:
        return None
    for i in range(lst.get_child_count()):
        row = lst.get_child_at_index(i)
        texts = labels(row)
        if vm in texts:
            return texts
    return None


def row_subtitle(app, title):
    """The text shown after the label @title in the same row (an AdwActionRow)."""
    texts = labels(app.acc)
    for i, t in enumerate(texts):
        if t == title and i + 1 < len(texts):
            return texts[i + 1]
    return None


def press(app, name):
    b = find(app.acc, Atspi.Role.PUSH_BUTTON, name)
    if b is None:
        return False
    b.get_action_iface().do_action(0)
    return True


def dialog(app, timeout=10):
    """The app's other toplevel (a dialog over the main window), or None."""
    def look():
        for i in range(app.app_acc.get_child_count()):
            win = app.app_acc.get_child_at_index(i)
            if win is not None and win.get_name() not in ("VirtFlow", "⟦VirtFlow⟧") and labels(win):
                return win
        return None
    return wait_for(look, timeout)


def dialog_button(dlg, label):
    """A response button of an AdwMessageDialog (libadwaita 1.2 names it "LABEL LABEL")."""
    if dlg is None:
        return None
    return find(dlg, Atspi.Role.PUSH_BUTTON, label) or \
        find(dlg, Atspi.Role.PUSH_BUTTON, f"{label} {label}")


def check_boxes(acc):
    """(label, checked) of every check or radio button under @acc."""
    out = []
    for a in walk(acc):
        if a.get_role() in (Atspi.Role.CHECK_BOX, Atspi.Role.RADIO_BUTTON, Atspi.Role.TOGGLE_BUTTON):
            out.append((a.get_name(), a.get_state_set().contains(Atspi.StateType.CHECKED)))
    return out


def flow_finished(app, vm=VM):
    texts = labels(app.acc)
    for t in (f"{vm}: done", f"{vm}: failed"):
        if t in texts:
            return t
    return None


def run_flow(app, action, what):
    app.action(action, VM)
    end = wait_for(lambda: flow_finished(app), 30)
    tap(end == f"{VM}: done", f"{what}: the window says '{VM}: done'",
        f"title: {end}; labels: {labels(app.acc)}")
    return end


CONTROLS = [Atspi.Role.PUSH_BUTTON, Atspi.Role.TOGGLE_BUTTON, Atspi.Role.ENTRY,
            Atspi.Role.CHECK_BOX, Atspi.Role.RADIO_BUTTON, Atspi.Role.COMBO_BOX,
            Atspi.Role.SPIN_BUTTON, Atspi.Role.SLIDER, Atspi.Role.LIST, Atspi.Role.LIST_BOX,
            Atspi.Role.PROGRESS_BAR, Atspi.Role.MENU_ITEM]
if hasattr(Atspi.Role, "SWITCH"):
    CONTROLS.append(Atspi.Role.SWITCH)


def unnamed_controls(acc):
    """Every control under @acc that a screen reader could not name."""
    out = []
    for a in walk(acc):
        if a.get_role() in CONTROLS and not (a.get_name() or "").strip():
            p = a.get_parent()
            out.append(f"{a.get_role_name()} under {p.get_role_name() if p else '?'} "
                       f"'{p.get_name() if p else ''}'")
    return out


def key(keysym, ctrl=False):
    """A key pressed on the X server (XTest), to the focused window."""
    ctrl_code = 37  # Control_L's keycode on Xvfb's keymap
    if ctrl:
        Atspi.generate_keyboard_event(ctrl_code, None, Atspi.KeySynthType.PRESS)
    Atspi.generate_keyboard_event(keysym, None, Atspi.KeySynthType.SYM)
    if ctrl:
        Atspi.generate_keyboard_event(ctrl_code, None, Atspi.KeySynthType.RELEASE)
    time.sleep(0.4)


def focused(app):
    for a in walk(app.acc):
        if a.get_state_set().contains(Atspi.StateType.FOCUSED):
            return a
    return None


def search_and_tab(app):
    """The VM list's search (Ctrl+F, D-Bus search-vms) and the Tab order to the actions."""
    def rows():
        lst = find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines") or \
            find(app.acc, Atspi.Role.LIST, "Virtual machines")
        return [t for t in labels(lst) if t in (VM, "demo-vm-01")] if lst is not None else []
    app.action("search-vms", "demo")
    shown = wait_for(lambda: (lambda r: r if r == ["demo-vm-01"] else None)(rows()), 5)
    tap(shown == ["demo-vm-01"], "search 'demo': the list shows only demo-vm-01", rows())
    app.action("search-vms", "zzz")
    none = wait_for(lambda: "No VM Found" in labels(app.acc), 5)
    tap(none and rows() == [], "search 'zzz': the list says No VM Found", labels(app.acc))
    app.action("search-vms", "")
    shown = wait_for(lambda: (lambda r: r if len(r) == 2 else None)(rows()), 5)
    tap(shown is not None and VM in shown, "an empty search shows every VM again", rows())
    app.action("select-vm", VM)
    # the keyboard: Ctrl+F opens the search with the focus in it; Tab from there reaches the
    # VM's Activate GPU in a few presses (the list is one stop, not one per row)
    key(0xff1b)  # Escape: the search bar closes
    key(ord("f"), ctrl=True)
    f = wait_for(lambda: focused(app), 5)
    tap(f is not None and f.get_role() in (Atspi.Role.ENTRY, Atspi.Role.TEXT)
        and (f.get_name() == "Search VMs" or (f.get_parent() and f.get_parent().get_name() == "Search VMs")),
        "Ctrl+F puts the focus in the VM search", f.get_name() if f else None)
    presses, seen = 0, []
    while presses < 6:
        key(0xff09)  # Tab
        presses += 1
        f = focused(app)
        seen.append(f"{f.get_role_name()} '{f.get_name()}'" if f else "none")
        if f is not None and f.get_role() == Atspi.Role.PUSH_BUTTON and f.get_name() == "Activate GPU":
            break
    tap(seen and seen[-1] == "push button 'Activate GPU'" and presses <= 3,
        f"Tab from the search reaches Activate GPU in {presses} presses (at most 3)", seen)
    key(0xff1b)


def own_fragments():
    """Pieces of the app's own UI strings (string literals of src/gui, texts of its .ui
    files), split at format directives: a visible text with one in it is the app's."""
    import glob
    frags = set()
    for path in glob.glob("src/gui/*.c") + glob.glob("src/gui/*.ui"):
        src = open(path, encoding="utf-8").read()
        if path.endswith(".c"):
            lits = [bytes(m, "utf-8").decode("unicode_escape", "ignore")
                    for m in re.findall(r'"((?:\\.|[^"\\\n])*)"', src)]
        else:
            lits = re.findall(r'>([^<>]+)</(?:property|attribute)>', src)
        for lit in lits:
            for frag in re.split(r"%[-0-9.]*[a-zA-Z]|\n|<[^>]*>", lit):
                frag = frag.strip(" :;,.()")
                if len(frag) >= 4 and re.search(r"[a-z]{3}", frag):
                    frags.add(frag)
    return frags


def escaped(acc, frags):
    """The visible texts under @acc that hold a piece of the app's own strings without the
    pseudo-translation's brackets: strings that escaped gettext."""
    out = set()
    for a in walk(acc):
        if not showing(a):
            continue
        for text in (a.get_name() or "", a.get_description() or ""):
            if not text or "⟦" in text:
                continue
            # the whole text, or a long piece of it (short pieces also occur in the library's
            # own messages, which it does not translate)
            hit = next((f for f in frags if f == text or (len(f.split()) >= 3 and f in text)),
                       None)
            if hit:
                out.add(f"{a.get_role_name()} '{text}' (from '{hit}')")
    return sorted(out)


def pseudo_locale(root):
    """Under the pseudo-translation every string of the app's own is bracketed."""
    localedir = os.environ.get("VF_GUI_PSEUDO_LOCALEDIR")
    if not tap(localedir is not None, "the pseudo-translation was built (xgettext, msgfmt)",
               "no xgettext or msgfmt: apt-get install gettext"):
        return
    frags = own_fragments()
    app = App(root, {"VIRTFLOW_HELPER": helper, "LANGUAGE": "xx", "LC_ALL": "C.UTF-8",
                     "VIRTFLOW_GTK_LOCALEDIR": localedir})
    if not tap(app.wait_started(), "the app starts under the pseudo-translation"):
        app.quit()
        return
    tap(app.acc.get_name() == "⟦VirtFlow⟧", "the window's title is translated", app.acc.get_name())
    wait_for(lambda: vm_row_labels(app))
    app.action("select-vm", VM)
    time.sleep(1)
    found = escaped(app.acc, frags)
    tap(not found, "pseudo-translation: no string of the VM page escapes gettext", "\n".join(found))
    tap(app.screenshot("pseudo-vm.png"), "screenshot: pseudo-vm.png")
    app.action("activate-gpu", VM)
    wait_for(lambda: any("⟦%s⟧" % "" in t or t.endswith(": done⟧") for t in labels(app.acc)), 30)
    found = escaped(app.acc, frags)
    tap(not found, "pseudo-translation: no string of the flow page escapes gettext", "\n".join(found))
    for page in ("host", "log"):
        app.action("show-page", page)
        time.sleep(1.5)
        found = escaped(app.acc, frags)
        tap(not found, f"pseudo-translation: no string of the {page} page escapes gettext",
            "\n".join(found))
        tap(app.screenshot(f"pseudo-{page}.png"), f"screenshot: pseudo-{page}.png")
    app.action("show-page", "vms")
    app.action("deactivate-gpu", VM)
    time.sleep(3)
    tap(app.quit() == 0, "pseudo-translation: the app quits cleanly")


def settings_file():
    return os.path.join(os.environ["XDG_CONFIG_HOME"], "glib-2.0", "settings", "keyfile")


def write_size(width, height):
    """The window's size as kept by GSettings (the keyfile backend run.sh selects)."""
    os.makedirs(os.path.dirname(settings_file()), exist_ok=True)
    with open(settings_file(), "w") as f:
        f.write(f"[org/virtflow/VirtFlow]\nwindow-width={width}\nwindow-height={height}\n")


def extents(acc, coord=Atspi.CoordType.WINDOW):
    try:
        e = acc.get_component_iface().get_extents(coord)
        return (e.x, e.y, e.width, e.height)
    except (GLib.Error, AttributeError):
        return None


def on_screen(app, name, role=Atspi.Role.PUSH_BUTTON):
    """The control @name is drawn whole inside the window (nothing cut off at the side)."""
    win = extents(app.acc)
    b = find(app.acc, role, name)
    e = extents(b) if b is not None else None
    if win is None or e is None:
        return False
    return e[2] > 0 and e[0] >= win[0] and e[0] + e[2] <= win[0] + win[2]


def width_of(app):
    e = extents(app.acc)
    return e[2] if e else None


def narrow(root):
    """At 400 and 360 px: the leaflet folds (list, then the VM's page with a back button),
    every action drawn whole; the size is kept across restarts; light and dark."""
    back = "Virtual Machines"  # the back button, named after the page it goes back to
    write_size(400, 700)
    app = App(root, {"VIRTFLOW_HELPER": helper})
    if not tap(app.wait_started(), "400 px: the app starts with the size kept in GSettings"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    w = wait_for(lambda: (lambda x: x if x and x <= 420 else None)(width_of(app)), 10)
    tap(w is not None and 390 <= w <= 410, "the window opens at the kept width (400 px)", w)
    lst = find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines") or \
        find(app.acc, Atspi.Role.LIST, "Virtual machines")
    e = extents(lst) if lst is not None else None
    tap(e is not None and e[2] >= 300 and find(app.acc, Atspi.Role.PUSH_BUTTON, "Activate GPU") is None,
        "400 px: folded, the VM list fills the window and the VM's page is not shown", e)
    tap(app.screenshot("400-light-list.png"), "screenshot: 400-light-list.png")
    app.action("select-vm", VM)
    wait_for(lambda: find(app.acc, Atspi.Role.PUSH_BUTTON, back))
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, back) is not None,
        "400 px: a VM opens its page, with a back button to the list")
    for name in ("Start", "Activate GPU", "Deactivate"):
        tap(on_screen(app, name), f"400 px: '{name}' is drawn whole inside the window",
            extents(find(app.acc, Atspi.Role.PUSH_BUTTON, name) or app.acc))
    tap(find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines") is None,
        "400 px: the list is hidden while the VM's page shows")
    tap(app.screenshot("400-light-details.png"), "screenshot: 400-light-details.png")
    tap(press(app, back), "400 px: the back button can be pressed")
    tap(wait_for(lambda: find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines") or
                 find(app.acc, Atspi.Role.LIST, "Virtual machines")) is not None
        and find(app.acc, Atspi.Role.PUSH_BUTTON, "Activate GPU") is None,
        "400 px: back shows the list again")
    app.action("select-vm", VM)
    wait_for(lambda: find(app.acc, Atspi.Role.PUSH_BUTTON, back))
    run_flow(app, "start-vm", "400 px: start")
    tap(on_screen(app, "Back to the VM"), "400 px: after a flow 'Back to the VM' is drawn whole",
        labels(app.acc))
    tap(app.screenshot("400-light-flow.png"), "screenshot: 400-light-flow.png")
    press(app, "Back to the VM")
    tap(wait_for(lambda: on_screen(app, "Stop")), "400 px: Stop is reachable on the running VM")
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Start") is None,
        "400 px: the running VM shows Stop in Start's place", labels(app.acc))
    run_flow(app, "stop-vm", "400 px: stop")
    app.action("show-page", "host")
    tap(wait_for(lambda: on_screen(app, "Run setup")), "400 px: the Host page's Run setup is drawn whole")
    tap(app.screenshot("400-light-host.png"), "screenshot: 400-light-host.png")
    app.action("show-page", "log")
    time.sleep(1)
    tap(app.screenshot("400-light-log.png"), "screenshot: 400-light-log.png")
    # a resize is kept: 360 px next time
    app.action("test-resize", "360x700")
    w = wait_for(lambda: (lambda x: x if x and x <= 370 else None)(width_of(app)), 5)
    tap(w is not None, "the window can be made 360 px wide", (width_of(app), extents(app.acc)))
    if w is None:
        dump(app.acc, "atspi-tree-360.txt")
    tap(app.quit() == 0, "400 px: the app quits cleanly")
    kept = open(settings_file()).read() if os.path.exists(settings_file()) else ""
    tap("window-width=360" in kept, "the window's new width is saved at quit (GSettings)", kept)

    app = App(root, {"VIRTFLOW_HELPER": helper, "ADW_DEBUG_COLOR_SCHEME": "prefer-dark"})
    if not tap(app.wait_started(), "360 px, dark: the app starts again"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    w = wait_for(lambda: (lambda x: x if x and x <= 380 else None)(width_of(app)), 10)
    tap(w is not None and 350 <= w <= 370, "restarted, the window keeps the width it had (360 px)", w)
    tap(app.screenshot("360-dark-list.png"), "screenshot: 360-dark-list.png")
    app.action("select-vm", VM)
    wait_for(lambda: find(app.acc, Atspi.Role.PUSH_BUTTON, back))
    for name in ("Start", "Activate GPU", back):
        tap(on_screen(app, name), f"360 px: '{name}' is drawn whole inside the window")
    tap(app.screenshot("360-dark-details.png"), "screenshot: 360-dark-details.png")
    # the same cases in the dark at 400 px and at 1400 px (as the light ones): a PNG each
    for width in (400, 1400):
        app.action("test-resize", "400x800" if width == 400 else "1400x900")
        time.sleep(1.5)
        app.action("show-page", "vms")
        app.action("select-vm", VM)
        time.sleep(1)
        tap(app.screenshot(f"{width}-dark-details.png"), f"screenshot: {width}-dark-details.png")
        run_flow(app, "start-vm" if width == 400 else "stop-vm", f"dark, {width} px")
        tap(app.screenshot(f"{width}-dark-flow.png"), f"screenshot: {width}-dark-flow.png")
        for page in ("host", "log"):
            app.action("show-page", page)
            time.sleep(1)
            tap(app.screenshot(f"{width}-dark-{page}.png"), f"screenshot: {width}-dark-{page}.png")
    tap(app.quit() == 0, "dark: the app quits cleanly")
    write_size(1400, 900)


# ---- the tests ----

def main():
    wait_x_server()
    tmp = tempfile.mkdtemp(prefix="virtflow-gui-")
    root = os.path.join(tmp, "demo")
    # every root operation of this run goes through virtflow-helper, as for a user who is
    # not root (run directly here: the test is root; pkexec in real use)
    if os.environ.get("GUI_TEST_ONLY") == "narrow":  # while working on the narrow window
        narrow(root)
        return
    if os.environ.get("GUI_TEST_ONLY") == "pseudo":
        pseudo_locale(root)
        return
    if os.environ.get("GUI_TEST_ONLY") == "shots":
        for scheme in ("light", "dark"):
            dialog_and_failure_shots(root, scheme)
        return
    if os.environ.get("GUI_TEST_ONLY") == "performance":
        app = App(root, {})
        if tap(app.wait_started(), "virtflow-gtk starts for the performance group"):
            performance(app)
        app.quit()
        return
    write_size(1400, 900)
    app = App(root, {"VIRTFLOW_HELPER": helper, "VIRTFLOW_DEMO_VMS": "1",
                     "VIRTFLOW_GTK_TEST_STEP_MS": "700"})
    if not tap(app.wait_started(), "virtflow-gtk --demo shows its window (AT-SPI)",
               open(os.path.join(outdir, "app.log")).read()):
        app.quit()
        return

    try:
        hooks = app.actions()
    except GLib.Error as e:
        hooks = [e.message]
    tap("screenshot" in hooks and "test-resize" in hooks,
        "this build has the test hooks (meson -Dtest_hooks=true): screenshot, test-resize", hooks)
    owner = app.bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                              "org.freedesktop.DBus", "NameHasOwner",
                              GLib.Variant("(s)", ("org.virtflow.VirtFlow",)), None,
                              Gio.DBusCallFlags.NONE, 5000, None).unpack()[0]
    tap(not owner, "the demo runs as its own application (org.virtflow.VirtFlow.Demo): the "
        "real app's id stays free, so neither can present the other's window", owner)
    row = wait_for(lambda: vm_row_labels(app))
    dump(app.acc, "atspi-tree.txt")
    tap(row is not None and "shut off" in row and "Passthrough" not in row,
        f"the list shows '{VM}' shut off, without the passthrough badge", row)

    # every control can be named by a screen reader
    unnamed = unnamed_controls(app.acc)
    tap(not unnamed, "every control (button, entry, list, check box...) has an accessible name",
        "\n".join(unnamed))
    lists = [a for a in walk(app.acc) if a.get_role() in (Atspi.Role.LIST_BOX, Atspi.Role.LIST)]
    unnamed_lists = [a.get_role_name() for a in lists if not (a.get_name() or "").strip()]
    tap(lists and not unnamed_lists, "every list (VMs, the VM's GPU) has an accessible name",
        unnamed_lists)

    buttons = [a for a in walk(app.acc) if a.get_role() == Atspi.Role.PUSH_BUTTON and showing(a)]
    names = [a.get_name() for a in buttons]
    tap(all(b in names for b in ("Start", "Activate GPU", "Deactivate")),
        "the details have Start, Activate GPU and Deactivate", names)
    tap("Stop" not in names,
        "Start and Stop are one place: a VM that is off shows Start, not Stop", names)

    search_and_tab(app)
    drv = wait_for(lambda: row_subtitle(app, "Driver"))
    tap(drv is not None and "on the host driver" in drv,
        "the GPU section: the GPU is on its host driver", drv)
    moves = row_subtitle(app, "Moves with it")
    tap(moves is not None and "0000:01:00.0" in moves and "0000:01:00.1" in moves,
        "the GPU section lists the devices that move (GPU + HDMI audio)", moves)
    tap(app.screenshot("main-window.png"), "screenshot: main-window.png")

    # Activate GPU: pressed like a user, the step list runs to the end
    tap(press(app, "Activate GPU"), "the Activate GPU button can be pressed (AT-SPI)")
    # it asks first: where the picture goes, which keyboard and mouse, the switch key
    dlg = dialog(app)
    texts = labels(dlg) if dlg else []
    tap(any(t == f"Give the GPU to {VM}?" for t in texts),
        "Activate GPU asks first ('Give the GPU to …?')", texts)
    boxes = check_boxes(dlg) if dlg else []
    names = [b[0] for b in boxes]
    tap(any("monitor plugged into the GPU" in n for n in names)
        and any("Looking Glass" in n for n in names),
        "the dialog offers both views: the GPU's monitor and a Looking Glass window", boxes)
    tap(any("monitor plugged into the GPU" in n and on for n, on in boxes),
        "the GPU's monitor is the default view", boxes)
    kbd = [b for b in boxes if b[0].endswith("(keyboard)")]
    mouse = [b for b in boxes if b[0].endswith("(mouse)")]
    tap(any(on for _, on in kbd) and any(on for _, on in mouse),
        "the host's keyboard and mouse are offered, the ones in use ticked (auto)", boxes)
    tap(dlg is not None and find(dlg, Atspi.Role.COMBO_BOX,
                                 "Key that switches the keyboard and mouse") is not None,
        "the dialog lets the user choose the switch key", labels(dlg) if dlg else None)
    tap(app.screenshot("activate-dialog.png"), "screenshot: activate-dialog.png")
    tap(dlg is not None and not unnamed_controls(dlg),
        "the Activate dialog: every control has an accessible name",
        unnamed_controls(dlg) if dlg else None)
    if dlg is not None:
        dump(dlg, "atspi-activate-dialog.txt")
    b = dialog_button(dlg, "Activate")
    if b is not None:
        b.get_action_iface().do_action(0)
    tap(b is not None, "the dialog's Activate can be pressed")
    # while the flow runs (slowed down: VIRTFLOW_GTK_TEST_STEP_MS): the app's flow actions are
    # off as the buttons are, and a refresh (F5) shows nothing the flow has not finished
    time.sleep(0.3)
    try:
        enabled = app.describe("start-vm")
    except GLib.Error as e:
        enabled = e.message
    tap(enabled is False and flow_finished(app) is None,
        "while a flow runs the app's start-vm action is disabled (D-Bus Describe)", enabled)
    early, deadline, refreshes = None, time.time() + 30, 0
    said = []
    # the accessibles read in the loop, found once (a walk of the whole tree is slow)
    lst = find(app.acc, Atspi.Role.LIST_BOX, "Virtual machines") or \
        find(app.acc, Atspi.Role.LIST, "Virtual machines")
    bar = find(app.acc, Atspi.Role.PROGRESS_BAR, "Progress")
    title = next((a for a in walk(app.acc) if a.get_role() == Atspi.Role.LABEL
                  and (a.get_name() or "").startswith("Activating the GPU for")), None)
    row = next((lst.get_child_at_index(i) for i in range(lst.get_child_count())
                if VM in labels(lst.get_child_at_index(i), False)), None) if lst else None
    while time.time() < deadline and title is not None and row is not None:
        app.action("refresh")
        refreshes += 1
        d = bar.get_description() if bar is not None else None
        if d and d not in said:
            said.append(d)
        texts = labels(row, False)
        if not (title.get_name() or "").startswith("Activating"):
            break
        if "Passthrough" in texts:
            early = texts
        time.sleep(0.1)
    tap(early is None and refreshes >= 3,
        f"F5 during the activation ({refreshes} times): the list never shows the VM activated "
        "before the flow ends (refreshes wait for the flow)", early)
    steps_said = [d for d in said if re.match(r"Step \d+ of \d+: \S", d)]
    tap(len(steps_said) >= 2, "a screen reader hears the progress: the bar's description "
        "follows the steps ('Step N of M: what, state')", said)
    end = wait_for(lambda: flow_finished(app), 30)
    tap(end == f"{VM}: done", "activation: the window says done", labels(app.acc))
    texts = labels(app.acc)
    for step in ("Check the host and the GPU", "Bind the GPU to vfio-pci",
                 "Save the VM definition"):
        tap(step in texts, f"activation: the step list shows '{step}'", texts)
    tap(texts.count("done") >= 4 and "failed" not in texts,
        "activation: steps done (the others skipped), none failed", texts)
    bar = find(app.acc, Atspi.Role.PROGRESS_BAR, "Progress")
    value = None
    if bar is not None:
        v = bar.get_value_iface()
        value = (v.get_current_value(), v.get_maximum_value())
    tap(value is not None and value[1] > 0 and value[0] == value[1],
        "activation: the progress bar is full", value)
    texts = labels(app.acc)
    tap(any("screen is the monitor on the GPU" in t for t in texts),
        "activation: the result says where the picture goes (the GPU's monitor)", texts)
    tap(any("both Ctrl keys" in t for t in texts),
        "activation: the result says which keys switch the keyboard and mouse", texts)
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Start the VM") is not None,
        "activation: the next step, Start, is offered", texts)
    tap(app.screenshot("activation-steps.png"), "screenshot: activation-steps.png")
    row = wait_for(lambda: (lambda r: r if r and "Passthrough" in r else None)(vm_row_labels(app)))
    tap(row is not None and "Passthrough" in row, "activation: the badge appears in the list", row)

    tap(press(app, "Back to the VM"), "'Back to the VM' can be pressed")
    drv = wait_for(lambda: (lambda d: d if d and "vfio-pci" in d else None)(
        row_subtitle(app, "Driver")))
    tap(drv is not None and "vfio-pci" in drv, "the GPU section: the GPU is held on vfio-pci", drv)
    warning = row_subtitle(app, "Warning")
    tap(warning is not None and "could not be checked" in warning,
        "the activation's warning stays on the VM's page (not only a toast)", warning)
    # another VM: the GPU is Windows 11's now, so Activate GPU is off and says why
    app.action("select-vm", "demo-vm-01")
    why = wait_for(lambda: next((t for t in labels(app.acc)
                                 if t.startswith("Activate GPU is not available")), None))
    tap(why is not None and f"{VM} has GPU" in why,
        "another VM: Activate GPU says the GPU belongs to Windows 11", why)
    btn = find(app.acc, Atspi.Role.PUSH_BUTTON, "Activate GPU")
    tap(btn is not None and not btn.get_state_set().contains(Atspi.StateType.SENSITIVE),
        "another VM: Activate GPU is disabled", btn)
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Open the Host Page") is not None,
        "another VM: a button leads to the Host page")
    # the same refusal through D-Bus: the action checks what the button checks
    app.action("activate-gpu", "demo-vm-01")
    refused = wait_for(lambda: "refused: Activate GPU is not available" in app.log_text(), 5)
    texts = labels(app.acc)
    tap(refused and "Activating the GPU for demo-vm-01" not in texts
        and texts.count(next((t for t in texts if t.startswith("Activate GPU is not available")),
                             "-")) >= 2,
        "D-Bus activate-gpu for the other VM is refused with the button's reason (a toast), "
        "no flow starts", texts)
    app.action("select-vm", VM)
    wait_for(lambda: row_subtitle(app, "How it is used"))
    used = row_subtitle(app, "How it is used")
    tap(used is not None and "the monitor on the GPU" in used and "handed over" in used,
        "the details say how the VM is used (screen, keyboard and mouse)", used)

    # Start, then Stop returns the GPU
    run_flow(app, "start-vm", "start")
    row = wait_for(lambda: (lambda r: r if r and "running" in r else None)(vm_row_labels(app)))
    tap(row is not None and "running" in row, "start: the list shows the VM running", row)
    # Deactivate on a running VM shuts it down: it asks first, and Cancel changes nothing
    app.action("select-vm", VM)
    tap(press(app, "Deactivate"), "the Deactivate button can be pressed on the running VM")
    dlg = dialog(app)
    texts = labels(dlg) if dlg else []
    tap(f"Shut down {VM} and give the GPU back to the host?" in texts,
        "Deactivate on a running VM asks before shutting it down", texts)
    b = dialog_button(dlg, "Cancel")
    if b is not None:
        b.get_action_iface().do_action(0)
    time.sleep(1)
    row = vm_row_labels(app)
    tap(b is not None and row is not None and "running" in row and "Passthrough" in row,
        "Cancel: the VM keeps running with its GPU", row)
    run_flow(app, "stop-vm", "stop")
    texts = labels(app.acc)
    tap(any("back on the host" in t for t in texts), "stop: the steps say the GPU is back on the host",
        texts)
    app.action("select-vm", VM)
    drv = wait_for(lambda: (lambda d: d if d and "on the host driver" in d else None)(
        row_subtitle(app, "Driver")))
    tap(drv is not None and "on the host driver" in drv,
        "stop: the GPU section says the GPU is on the host driver", drv)
    row = vm_row_labels(app)
    tap(row is not None and "shut off" in row and "Passthrough" in row,
        "stop: the VM is shut off and keeps its badge (still activated)", row)

    # Deactivate removes the badge
    run_flow(app, "deactivate-gpu", "deactivate")
    row = wait_for(lambda: (lambda r: r if r and "Passthrough" not in r else None)(
        vm_row_labels(app)))
    tap(row is not None and "Passthrough" not in row, "deactivate: the badge is gone", row)

    # live: the guest shuts itself down (as from inside Windows); nothing but libvirt's
    # lifecycle event tells the window
    run_flow(app, "start-vm", "start again")
    app.action("select-vm", VM)
    row = wait_for(lambda: (lambda r: r if r and "running" in r else None)(vm_row_labels(app)))
    tap(row is not None and "running" in row, "start again: the VM is running", row)
    t0 = time.time()
    app.action("demo-guest-shutdown", VM)
    row = wait_for(lambda: (lambda r: r if r and "shut off" in r else None)(vm_row_labels(app)), 10)
    tap(row is not None and "shut off" in row,
        f"a shutdown inside the guest shows at once (libvirt event; {time.time() - t0:.2f} s)", row)
    state = row_subtitle(app, "State")
    tap(state == "shut off", "the details follow the event too", state)

    # the log page, newest first (before setup adds its lines on top)
    app.action("show-page", "log")
    first = wait_for(lambda: next((t for t in labels(app.acc)
                                   if re.match(r"^\d{4}-\d\d-\d\d .*Windows 11:", t)), None))
    tap(first is not None and "shut down from inside the guest" in first,
        "log page: VirtFlow's log, newest first (the guest's shutdown on top)", first)

    # the host page
    app.action("show-page", "host")
    iommu = wait_for(lambda: row_subtitle(app, "IOMMU"))
    tap(iommu is not None and "on" in iommu, "host page: the IOMMU is on", iommu)
    hook = row_subtitle(app, "libvirt hook")
    tap(hook is not None and "not installed" in hook, "host page: the hook is not installed", hook)
    texts = labels(app.acc)
    tap(any("0000:01:00.0" in t for t in texts) and any("0000:0e:00.0" in t for t in texts),
        "host page: both GPUs are listed", texts)
    tap(any(t.startswith("Fix:") or "\nFix:" in t for t in texts),
        "host page: findings come with their fix", texts)
    tap(not any("Fix: virtflow setup" in t for t in texts)
        and any("Fix: press Run setup above" in t for t in texts),
        "host page: a fix the Run setup button makes points at the button (no command to type)",
        [t for t in texts if "Fix:" in t])
    igpu = next((t for t in texts if "0000:0e:00.0" in t), None)
    igpu_row = texts[texts.index(igpu) + 1] if igpu in texts and texts.index(igpu) + 1 < len(texts) else None
    tap(igpu_row is not None and "stays with the host (drives your desktop)" in igpu_row
        and "blocked" not in igpu_row,
        "host page: the iGPU's role is said as a role (stays with the host), not 'blocked'", igpu_row)
    fl = find(app.acc, Atspi.Role.LIST_BOX, "Troubleshooting findings") or \
        find(app.acc, Atspi.Role.LIST, "Troubleshooting findings")
    icons = [a.get_name() for a in walk(fl) if a.get_role() in (Atspi.Role.IMAGE, Atspi.Role.ICON)] \
        if fl is not None else []
    rank = {"problem": 0, "warning": 1, "ok": 2}
    order = [rank.get(n, 3) for n in icons]
    tap(len(icons) >= 3 and order == sorted(order) and "ok" in icons,
        "host page: problems first, then warnings, then what passed", icons)
    # a fix that is a command to type has a Copy button, and it copies the command alone: the
    # dGPU's display function loses its driver (as after a failed restore) and the doctor's fix
    # is "Run 'virtflow gpu restore ADDR' to let the kernel bind its host driver again."
    link = os.path.join(root, "sys/bus/pci/devices/0000:01:00.0/driver")
    target = os.readlink(link)
    os.unlink(link)
    app.action("refresh")
    copy = wait_for(lambda: find(app.acc, Atspi.Role.PUSH_BUTTON, "Copy the command"), 15)
    texts = labels(app.acc)
    fixes = [t.split("\nFix: ", 1)[1] for t in texts if "\nFix: " in t]
    tap(copy is not None and any("virtflow gpu restore 0000:01:00.0" in f for f in fixes),
        "host page: a fix that is a command has a Copy button", fixes)
    if copy is not None:
        copy.get_action_iface().do_action(0)
    toast = wait_for(lambda: next((t for t in labels(app.acc) if t.startswith("Copied: ")), None), 5)
    tap(toast == "Copied: virtflow gpu restore 0000:01:00.0",
        "host page: Copy takes the command alone, without its explanation", (toast, fixes))
    try:
        pasted = subprocess.run(["xclip", "-o", "-selection", "clipboard"], capture_output=True,
                                text=True, timeout=5).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        pasted = "xclip: %s (apt-get install xclip)" % e
    tap(pasted == "virtflow gpu restore 0000:01:00.0",
        "host page: what Copy put on the clipboard is what a paste gives", pasted)
    tap(not any(f.startswith("press Run setup") for f in fixes) or
        len([a for a in walk(app.acc) if a.get_role() == Atspi.Role.PUSH_BUTTON
             and a.get_name() == "Copy the command"]) == 1,
        "host page: a fix the app makes itself (Run setup) has no Copy button", fixes)
    os.symlink(target, link)
    app.action("refresh")
    wait_for(lambda: None if find(app.acc, Atspi.Role.PUSH_BUTTON, "Copy the command") else True, 15)
    tap(press(app, "Run setup"), "host page: 'Run setup' can be pressed")
    # it first says what it will change, and changes nothing until asked
    dlg = dialog(app)
    texts = labels(dlg) if dlg else []
    tap("Run Setup?" in texts and any("libvirt hook" in t for t in texts),
        "Run setup first lists the changes it will make (the libvirt hook among them)", texts)
    hook = row_subtitle(app, "libvirt hook")
    tap(hook is not None and "not installed" in hook,
        "nothing is changed while the list is shown", hook)
    tap(dlg is not None and not unnamed_controls(dlg), "the setup dialog: every control is named",
        unnamed_controls(dlg) if dlg else None)
    tap(app.screenshot("setup-plan.png"), "screenshot: setup-plan.png")
    b = dialog_button(dlg, "Run Setup")
    if b is not None:
        b.get_action_iface().do_action(0)
    tap(b is not None, "the dialog's Run Setup can be pressed")
    toast = wait_for(lambda: next((t for t in labels(app.acc) if t.startswith("Setup done")), None),
                     15)
    tap(toast is not None, "host page: Run setup runs (on the demo host's tree) and says so", toast)
    tap(toast is not None and toast.startswith("Setup done: 2 changes made"),
        "host page: the helper's setup steps are counted (modules-load.d and the hook)", toast)
    try:
        audit = open(os.path.join(root, "var/log/virtflow/helper.log")).read()
    except OSError as e:
        audit = str(e)
    tap(bool(re.search(r"verb=bind .*result=ok", audit)) and bool(re.search(r"verb=setup .*result=ok", audit)),
        "the GPU's bind and the setup were made by virtflow-helper (its audit log)", audit)
    hook = wait_for(lambda: (lambda h: h if h and h.startswith("installed") else None)(
        row_subtitle(app, "libvirt hook")))
    tap(hook is not None and hook.startswith("installed"),
        "host page: after setup the hook is installed", hook)
    tap(app.screenshot("host-page.png"), "screenshot: host-page.png")
    tap(not unnamed_controls(app.acc), "host page: every control has an accessible name",
        unnamed_controls(app.acc))

    # the log page again: the setup's lines are on top now
    app.action("show-page", "log")
    wait_for(lambda: next((t for t in labels(app.acc) if "setup:" in t), None))
    texts = labels(app.acc)
    tap(any("setup: Install the libvirt hook: done" in t for t in texts),
        "log page: the setup's changes are logged", texts)
    entry = find(app.acc, Atspi.Role.ENTRY, "Search the logs")
    typed = False
    if entry is not None:
        try:
            typed = entry.get_editable_text_iface().set_text_contents("hook: done")
        except (GLib.Error, AttributeError) as e:
            typed = str(e)
    time.sleep(1)
    texts = [t for t in labels(app.acc) if re.match(r"^\d{4}-\d\d-\d\d ", t)]
    tap(typed is True and texts and all("hook: done" in t.lower() for t in texts),
        "log page: the search keeps only the lines that match", (typed, texts))
    tap(press(app, "Copy"), "log page: Copy can be pressed")
    copied = wait_for(lambda: next((t for t in labels(app.acc) if t.startswith("Copied ")), None), 5)
    tap(copied is not None and bool(re.match(r"Copied [1-9]\d* log lines", copied),
),
        "log page: Copy says how many lines it copied", copied)
    sel = [a for a in walk(app.acc) if a.get_role() == Atspi.Role.LABEL and showing(a)
           and re.match(r"^\d{4}-\d\d-\d\d ", a.get_name() or "")]
    tap(sel and all(a.get_state_set().contains(Atspi.StateType.SELECTABLE) or
                    a.get_text_iface() is not None for a in sel),
        "log page: the lines are text that can be selected", len(sel))
    if entry is not None:
        entry.get_editable_text_iface().set_text_contents("")
    tap(app.screenshot("log-page.png"), "screenshot: log-page.png")
    tap(not unnamed_controls(app.acc), "log page: every control has an accessible name",
        unnamed_controls(app.acc))
    # the main menu's windows: keyboard shortcuts and About
    tap(find(app.acc, Atspi.Role.TOGGLE_BUTTON, "Main menu") is not None
        or find(app.acc, Atspi.Role.PUSH_BUTTON, "Main menu") is not None,
        "the header bar has a main menu", None)
    app.action("shortcuts")
    dlg = dialog(app)
    texts = labels(dlg) if dlg else []
    tap(any("Quit" == t for t in texts) and any("both Ctrl keys" in t for t in texts),
        "Keyboard Shortcuts lists Quit and the switch key of a handed-over keyboard", texts)
    app.action("about")
    about = wait_for(lambda: next((w for w in [app.app_acc.get_child_at_index(i) for i in
                                              range(app.app_acc.get_child_count())]
                                   if w is not None and "0.1.0" in " ".join(labels(w))), None), 10)
    tap(about is not None, "About VirtFlow shows the version")
    tap(app.quit() == 0, "the app quits cleanly")

    narrow(root)
    pseudo_locale(root)

    # no libvirt to reach: the window says so, with how to start it, Retry and the demo
    app = App(root, args=("--connect", "qemu+unix:///system?socket=/nonexistent/libvirt-sock"))
    if tap(app.wait_started(), "without libvirt the app still opens its window"):
        texts = wait_for(lambda: (lambda t: t if "VirtFlow cannot reach libvirt" in t else None)(
            labels(app.acc)), 10) or labels(app.acc)
        tap("VirtFlow cannot reach libvirt" in texts,
            "without libvirt: the window says it cannot reach libvirt", texts)
        tap(any("systemctl start libvirtd" in t for t in texts),
            "without libvirt: it says how to start the daemon", texts)
        tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Retry") is not None
            and find(app.acc, Atspi.Role.PUSH_BUTTON, "Try the Demo") is not None,
            "without libvirt: Retry and Try the Demo are offered", texts)
    app.quit()

    # an injected failure shows its reason, fix and undo
    app = App(root, {"VIRTFLOW_DEMO_FAIL_STEP": "define-vm"})
    if not tap(app.wait_started(), "virtflow-gtk starts again with a failure injected"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    app.action("activate-gpu", VM)
    end = wait_for(lambda: flow_finished(app), 30)
    tap(end == f"{VM}: failed", "injected failure: the window says failed", end)
    reason = row_subtitle(app, "Reason")
    tap(reason is not None and "Injected failure at step 'define-vm'" in reason,
        "injected failure: the reason is shown", reason)
    fix = row_subtitle(app, "Fix")
    tap(bool(fix), "injected failure: a fix is shown", fix)
    undo = row_subtitle(app, "Undo")
    tap(undo is not None and "GPU is back on its host drivers" in undo,
        "injected failure: the undo that ran is shown", undo)
    texts = labels(app.acc)
    tap("failed" in texts, "injected failure: the failed step is marked failed", texts)
    bar = find(app.acc, Atspi.Role.PROGRESS_BAR, "Progress")
    value = None
    if bar is not None:
        v = bar.get_value_iface()
        value = (v.get_current_value(), v.get_maximum_value())
    tap(value is not None and value[0] < value[1],
        "injected failure: the progress bar stops where it failed (not a full bar)", value)
    tap(any(re.match(r"It failed at step \d+ of \d+", t) for t in texts),
        "injected failure: the bar says at which step it failed", texts)
    tap(fix is not None and "undone" not in fix,
        "injected failure: the fix leaves the undo to the Undo row (no contradiction)", (fix, undo))
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Retry") is not None,
        "injected failure: Retry is offered", texts)
    tap(app.screenshot("activation-failed.png"), "screenshot: activation-failed.png")
    row = vm_row_labels(app)
    tap(row is not None and "Passthrough" not in row, "injected failure: no badge", row)
    tap(app.quit() == 0, "the app quits cleanly after the failure")

    # a guest that cannot be checked (no agent answering): the user may go on anyway
    app = App(root, {"VIRTFLOW_DEMO_FAIL_STEP": "check-guest"})
    if not tap(app.wait_started(), "virtflow-gtk starts with the guest check failing"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    run_flow(app, "start-vm", "start for the guest check")
    app.action("activate-gpu", VM)
    end = wait_for(lambda: flow_finished(app), 30)
    tap(end == f"{VM}: failed", "guest check failing: the activation fails", end)
    tap(find(app.acc, Atspi.Role.PUSH_BUTTON, "Activate Anyway") is not None,
        "guest check failing: Activate Anyway is offered", labels(app.acc))
    fix = row_subtitle(app, "Fix")
    tap(fix is not None and "guest agent" in fix and "Refresh" not in fix,
        "guest check failing: the fix is the guest agent's, from where it failed", fix)
    tap(app.quit() == 0, "the app quits cleanly after the guest check")

    # the demo's main story: its guest agent answers as a real one, so Activate on the
    # running VM checks the guest and goes through without "Activate Anyway"
    app = App(root, {})
    if not tap(app.wait_started(), "virtflow-gtk starts for the demo's main story"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    row = vm_row_labels(app)
    tap(row is not None and "running" in row, "main story: the demo VM is running", row)
    run_flow(app, "activate-gpu", "main story: Activate on the running demo VM")
    steps = labels(app.acc)
    tap(any("the guest agent answers" in t for t in steps),
        "main story: the guest check passed (the demo's guest agent answers)", steps)
    run_flow(app, "deactivate-gpu", "main story: Deactivate")
    performance(app)
    tap(app.quit() == 0, "the app quits cleanly after the performance group")
    for scheme in ("light", "dark"):
        dialog_and_failure_shots(root, scheme)


TOGGLES = [r for r in (getattr(Atspi.Role, "SWITCH", None), Atspi.Role.CHECK_BOX,
                       Atspi.Role.TOGGLE_BUTTON) if r is not None]


def dialog_and_failure_shots(root, scheme):
    """The Activate question and the failure page at 400 px and 1400 px, light or dark: a
    PNG each (the failure injected at define-vm, so the page has its undo)."""
    env = {"VIRTFLOW_DEMO_FAIL_STEP": "define-vm"}
    if scheme == "dark":
        env["ADW_DEBUG_COLOR_SCHEME"] = "prefer-dark"
    app = App(root, env)
    if not tap(app.wait_started(), f"{scheme}: the app starts for the dialog and failure PNGs"):
        app.quit()
        return
    wait_for(lambda: vm_row_labels(app))
    for width in (400, 1400):
        app.action("test-resize", "400x800" if width == 400 else "1400x900")
        time.sleep(1.5)
        app.action("show-page", "vms")
        app.action("select-vm", VM)
        wait_for(lambda: find(app.acc, Atspi.Role.PUSH_BUTTON, "Activate GPU"))
        press(app, "Activate GPU")
        dlg = dialog(app)
        tap(dlg is not None and app.screenshot(f"{width}-{scheme}-activate-dialog.png"),
            f"screenshot: {width}-{scheme}-activate-dialog.png")
        cancel = dialog_button(dlg, "Cancel")
        if cancel is not None:
            cancel.get_action_iface().do_action(0)
        wait_for(lambda: dialog(app, 0.5) is None, 5)
        app.action("activate-gpu", VM)
        end = wait_for(lambda: flow_finished(app), 30)
        tap(end == f"{VM}: failed" and app.screenshot(f"{width}-{scheme}-failed.png"),
            f"screenshot: {width}-{scheme}-failed.png", end)
    tap(app.quit() == 0, f"{scheme}: the app quits cleanly after the PNGs")
    write_size(1400, 900)


def tune_switch(app):
    for a in walk(app.acc):
        if text_of(a) == "Tuned for Performance" and showing(a) and \
                a.get_role() in TOGGLES:
            return a
    print("# named:", [(a.get_role_name(), text_of(a)) for a in walk(app.acc)
                       if "une" in (text_of(a) or "")])
    return None


def performance(app):
    """The Performance group: the plan in one sentence, a confirmation listing what
    changes, the switch on, then off again with the VM's definition put back."""
    app.action("select-vm", VM)
    sub = wait_for(lambda: (lambda t: t if t and t.startswith("Off. Switched on:") else None)(
        row_subtitle(app, "Tuned for Performance")))
    tap(sub is not None and "whole cores" in sub and "huge pages" in sub,
        "performance: the plan in one sentence from the demo's two-CCD CPU", sub)
    changes = row_subtitle(app, "Switching On Changes")
    tap(changes is not None and "<cputune>" in changes,
        "performance: what switching on changes is shown before", changes)
    sw = tune_switch(app)
    if not tap(sw is not None, "performance: the switch has a name", labels(app.acc)):
        return
    # the switch answers once the VM's tune has been read (it is read again after a flow or
    # a refresh): press again while no question came
    dlg = None
    for _ in range(3):
        wait_for(lambda: tune_switch(app) is not None and
                 tune_switch(app).get_state_set().contains(Atspi.StateType.SENSITIVE), 10)
        tune_switch(app).get_action_iface().do_action(0)
        dlg = dialog(app, 5)
        if dlg is not None:
            break
    texts = labels(dlg) if dlg else []
    tap(any(t.startswith("Tune ") and t.endswith("for Performance?") for t in texts),
        "performance: switching on asks first, naming the VM", texts)
    tap(any("<cputune>" in t for t in texts), "performance: the question lists the changes",
        texts)
    b = dialog_button(dlg, "Tune")
    if not tap(b is not None, "performance: the dialog has a Tune button", texts):
        return
    b.get_action_iface().do_action(0)
    on = wait_for(lambda: (lambda t: t if t and t.startswith("On:") else None)(
        row_subtitle(app, "Tuned for Performance")))
    tap(on is not None, "performance: the VM is tuned (the row says On)",
        row_subtitle(app, "Tuned for Performance"))
    back = row_subtitle(app, "Switching Off Puts Back")
    tap(back is not None and back != "", "performance: what switching off puts back is shown",
        back)
    app.screenshot("performance-on.png")
    sw = tune_switch(app)
    sw.get_action_iface().do_action(0)
    dlg = dialog(app)
    b = dialog_button(dlg, "Undo Tune")
    if not tap(b is not None, "performance: switching off asks first (Undo Tune)",
               labels(dlg) if dlg else None):
        return
    b.get_action_iface().do_action(0)
    off = wait_for(lambda: (lambda t: t if t and t.startswith("Off.") else None)(
        row_subtitle(app, "Tuned for Performance")))
    tap(off is not None, "performance: the tune is undone (the row says Off)",
        row_subtitle(app, "Tuned for Performance"))


try:
    main()
except Exception as e:  # a crash of the driver is a failure, not a silence
    import traceback
    traceback.print_exc()
    tap(False, f"the test driver crashed: {e}")
passed = sum(results)
failed = len(results) - passed
print(f"1..{len(results)}")
print(f"gui: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
