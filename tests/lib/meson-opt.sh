# shellcheck shell=bash
# meson_opt BUILDDIR NAME: the value of one build option (prefix, libexecdir, ...), for the
# scripts that look at what `meson install` lays out. $MESON when set (meson test passes
# the one it runs with), else meson from PATH.
meson_opt() {
    "${MESON:-meson}" introspect "$1" --buildoptions |
        python3 -c 'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$2"
}
