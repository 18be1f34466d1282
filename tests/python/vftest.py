# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers the GObject API's pytest files share (test_gobject.py, test_host_api.py)."""
import gc

import gi

gi.require_version("VirtFlow", "1.0")
from gi.repository import GObject  # noqa: E402


def assert_freed(make):
    """make() returns a new object only the caller holds: it must be finalized on release."""
    freed = []
    obj = make()
    obj.weak_ref(lambda: freed.append(True))
    del obj
    gc.collect()
    assert freed, f"{make} was not finalized"


def read_all_properties(obj):
    """Reads every readable property; each must equal its getter where one exists."""
    values = {}
    for pspec in obj.list_properties():
        if not pspec.flags & GObject.ParamFlags.READABLE:
            continue
        value = obj.get_property(pspec.name)
        getter = getattr(obj, "get_" + pspec.name.replace("-", "_"), None)
        if getter is not None:
            assert getter() == value, f"{type(obj).__name__}:{pspec.name}"
        values[pspec.name] = value
    assert values, f"{type(obj).__name__} has no readable property"
    return values
