"""Fixtures for the runtime tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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
