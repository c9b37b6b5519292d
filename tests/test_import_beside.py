"""The build imports what its parity runs need in a thread of its own while the search waits on its LMs."""

from __future__ import annotations

import sys
import threading

from lmc.building.pipeline import _import_beside


def _join(name: str) -> None:
    for thread in threading.enumerate():
        if thread.name == f"lmc-import-{name}":
            thread.join(timeout=30)


def test_a_module_is_imported_beside(monkeypatch):
    monkeypatch.delitem(sys.modules, "colorsys", raising=False)
    _import_beside("colorsys")
    _join("colorsys")
    assert "colorsys" in sys.modules


def test_a_module_that_cannot_be_imported_is_left_to_its_user_quietly(monkeypatch):
    seen: list[threading.ExceptHookArgs] = []
    monkeypatch.setattr(threading, "excepthook", seen.append)
    _import_beside("lmc_no_such_module")
    _join("lmc_no_such_module")
    assert seen == [] and "lmc_no_such_module" not in sys.modules


def test_several_modules_are_imported_in_order_and_one_that_fails_does_not_stop_the_rest(monkeypatch):
    for name in ("colorsys", "wave"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    _import_beside("colorsys", "lmc_no_such_module", "wave")
    _join("colorsys")
    assert "colorsys" in sys.modules and "wave" in sys.modules and "lmc_no_such_module" not in sys.modules


def test_the_parity_runs_imports_are_real_modules():
    """A pydantic release that moved one would make its import a silent no-op: the list must name modules."""
    import importlib

    from lmc.building.pipeline import _PARITY_IMPORTS

    for name in _PARITY_IMPORTS:
        assert importlib.import_module(name) is not None
