# SPDX-License-Identifier: GPL-2.0-or-later
"""Fixtures of the GObject API's tests: the build tree's typelib, CLI and fake hosts.

meson test sets GI_TYPELIB_PATH and LD_LIBRARY_PATH to the build tree, VIRTFLOW_CLI to its
`virtflow`, VIRTFLOW_MKHOST to vf-gobject-mkhost and VIRTFLOW_EXAMPLE to the Python example.
"""
import os
import subprocess

import gi
import pytest

gi.require_version("VirtFlow", "1.0")
from gi.repository import VirtFlow  # noqa: E402


def need_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"${name} is not set: run these tests with 'meson test gobject-python'")
    return value


@pytest.fixture
def demo_root(tmp_path, monkeypatch):
    """A fresh demo under a temporary directory, for the library and the CLI alike."""
    root = tmp_path / "demo"
    monkeypatch.setenv("VIRTFLOW_DEMO_ROOT", str(root))
    return str(root)


@pytest.fixture
def demo(demo_root):
    host = VirtFlow.Host.new_demo(demo_root)
    conn = VirtFlow.Connection.new_demo(host)
    return host, conn


@pytest.fixture
def fake_root(tmp_path):
    """The kernel-model tree of vf-gobject-mkhost.c: a dGPU with blockers and holders."""
    root = tmp_path / "host"
    root.mkdir()
    subprocess.run([need_env("VIRTFLOW_MKHOST"), str(root)], check=True)
    return str(root)


@pytest.fixture
def cli():
    return need_env("VIRTFLOW_CLI")
