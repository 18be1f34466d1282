# shellcheck shell=bash
# Debian packages VirtFlow needs, by purpose; sourced by tools/demo and tools/test.
#
# Installs only what is missing, so a machine that has everything runs no apt at all.

VF_DEPS_BUILD="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libxml2-dev
  libpci-dev pci.ids libkmod-dev libvirt-dev libgtk-4-dev libadwaita-1-dev
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0"
# tests: sanitizers and leak checks, format check, XML validation (virt-xml-validate
# runs xmllint), the kernel rig, a real
# libvirtd with TCG guests (qemu-guest-agent is copied into the guest), the man page
# (groff, man) and the bash completion (bash-completion's helpers and pkg-config file), the
# end-to-end test (kmod's depmod indexes the modules its guest's libkmod reads; binutils),
# the desktop app under Xvfb driven through D-Bus and AT-SPI (tests/gui), its .desktop and
# AppStream files, the real pkexec path (pkexec and polkitd on a private system bus),
# the fuzz targets (tests/fuzz: clang and its libFuzzer runtime), the benchmarks' quick
# runs (hyperfine, lspci, jq); xclip reads what the app copied
VF_DEPS_TEST="valgrind clang-format libvirt-clients libxml2-utils python3 qemu-system-x86 busybox-static
  cpio linux-libc-dev ca-certificates libvirt-daemon-system libvirt-daemon-driver-qemu
  qemu-guest-agent procps groff-base man-db bash-completion kmod binutils
  xvfb xauth xclip dbus at-spi2-core python3-gi gir1.2-atspi-2.0 desktop-file-utils appstream gettext
  pkexec polkitd dbus-daemon dbus-bin clang libclang-rt-14-dev hyperfine pciutils jq
  python3-pytest gjs gi-docgen"

vf_install_deps() {
    local missing=() pkg
    for pkg in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo ">> installing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            sudo=(sudo)
        else
            echo "error: missing Debian packages: ${missing[*]}" >&2
            echo "       run as root: apt-get install ${missing[*]}" >&2
            return 1
        fi
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq || return 1
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || return 1
}
