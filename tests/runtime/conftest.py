"""Fixtures for the runtime tests."""

from __future__ import annotations

import json
import selectors
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lmc.runtime.kinds import sandbox

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden(update_golden: bool) -> Callable[[str, Any], None]:
    """``golden(name, value)``: compare ``value`` with ``golden/<name>.json`` (or rewrite it)."""

    def check(name: str, value: Any) -> None:
        path = GOLDEN_DIR / f"{name}.json"
        text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"{path} is missing; run pytest with --update-golden to create it"
        assert json.loads(path.read_text(encoding="utf-8")) == value, f"output differs from {path}"

    return check


@dataclass
class SandboxWatch:
    """What the sandbox's runner did, seen from outside: no clock involved.

    ``statuses``: each child's exit status once the runner has reaped it
    (``-signal.SIGKILL`` for a child the runner killed). ``waits``: every
    timeout the runner gave ``select`` while it read the child's output.
    """

    statuses: list[int | None] = field(default_factory=list)
    waits: list[float | None] = field(default_factory=list)


@pytest.fixture
def sandbox_watch(monkeypatch: pytest.MonkeyPatch) -> SandboxWatch:
    """Record how ``run_python`` ends its children and how long it waits for them."""
    watch = SandboxWatch()
    kill = sandbox._kill

    def recording_kill(proc: Any) -> None:
        kill(proc)
        watch.statuses.append(proc.returncode)

    class RecordingSelector(selectors.DefaultSelector):
        def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            watch.waits.append(timeout)
            return super().select(timeout)

    monkeypatch.setattr(sandbox, "_kill", recording_kill)
    monkeypatch.setattr(selectors, "DefaultSelector", RecordingSelector)
    return watch
