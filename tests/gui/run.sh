#!/usr/bin/env bash
# The desktop app's tests: virtflow-gtk on the demo host under Xvfb, driven through AT-SPI
# and its D-Bus actions (gui-test.py). Ends with "gui: N passed, M failed".
#
#   tests/gui/run.sh [BUILDDIR]     (default: build)
#
# Screenshots (PNG) and the app's log go to $VF_TEST_OUTPUT, else BUILDDIR/meson-logs/gui.
set -uo pipefail
cd "$(dirname "$0")/../.."
builddir=${1:-build}
bin=$builddir/src/gui/virtflow-gtk
out=${VF_TEST_OUTPUT:-$builddir/meson-logs/gui}

missing() {
    echo "gui: cannot run: $*"
    echo "gui: 0 passed, 1 failed"
    exit 1
}
[ -x "$bin" ] || missing "no $bin (install libgtk-4-dev libadwaita-1-dev and rebuild: meson configures -Dgui=auto)"
for tool in xvfb-run dbus-run-session xauth; do
    command -v "$tool" >/dev/null || missing "no $tool (apt-get install xvfb xauth dbus)"
done
[ -x /usr/libexec/at-spi-bus-launcher ] || missing "no AT-SPI bus (apt-get install at-spi2-core)"
/usr/bin/python3 -c 'import gi; gi.require_version("Atspi", "2.0")' 2>/dev/null ||
    missing "no python3 AT-SPI bindings (apt-get install python3-gi gir1.2-atspi-2.0)"

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d /tmp/virtflow-gui-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -m 700 "$tmp/run"
# the pseudo-translation: every marked string comes out as ⟦string⟧ (tests/gui/pseudo-po.py)
if command -v xgettext >/dev/null && command -v msgfmt >/dev/null; then
    mkdir -p "$tmp/locale/xx/LC_MESSAGES"
    xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=ngettext:1,2 \
        -f po/POTFILES.in -o "$tmp/pseudo.pot" &&
        /usr/bin/python3 tests/gui/pseudo-po.py "$tmp/pseudo.pot" >"$tmp/xx.po" &&
        msgfmt "$tmp/xx.po" -o "$tmp/locale/xx/LC_MESSAGES/virtflow.mo" &&
        export VF_GUI_PSEUDO_LOCALEDIR=$tmp/locale
fi
# a private world: XDG dirs, demo root, X server and session bus
export HOME=$tmp XDG_RUNTIME_DIR=$tmp/run XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config \
    XDG_CACHE_HOME=$tmp/cache XDG_DATA_HOME=$tmp/data GSK_RENDERER=cairo LC_ALL=C.UTF-8 \
    GTK_A11Y=atspi GSETTINGS_BACKEND=keyfile GSETTINGS_SCHEMA_DIR=$(cd "$builddir/data" && pwd)
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
timeout 300 xvfb-run -a -n $((100 + RANDOM % 800)) -e "$out/xvfb.log" -s "-screen 0 1600x1000x24" \
    dbus-run-session -- /usr/bin/python3 tests/gui/gui-test.py "$(cd "$(dirname "$bin")" && pwd)/virtflow-gtk" "$out" 2>&1 |
    grep -v -e 'Failed to set fd limit' -e 'Activating service name' -e 'Successfully activated service' \
        -e 'SpiRegistry daemon is running'
rc=${PIPESTATUS[0]}
echo "# screenshots and the app's log: $out"
exit "$rc"
