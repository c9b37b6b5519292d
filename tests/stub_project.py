"""The sentiment project of ``tests/test_cli.py``, its ``default`` lm pointing at a loopback stub server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.runtime.stub_server import StubServer
from tests.test_cli import KEY_ENV, ROWS, SOURCE, knows_the_labels


@contextlib.contextmanager
def stub_project(
    folder: Path, monkeypatch: pytest.MonkeyPatch, *, replace: Sequence[tuple[str, str]] = ()
) -> Iterator[tuple[StubServer, Path]]:
    """``(server, folder/app.lmp)``; ``replace`` edits the source text (each old text must be there)."""
    monkeypatch.setenv(KEY_ENV, "sk-stub-project")
    monkeypatch.setenv("LMC_CACHE_DIR", str(folder / "cache"))
    with StubServer(answer=knows_the_labels) as server:
        source = SOURCE.format(api_base=server.api_base, key_env=KEY_ENV)
        for old, new in replace:
            assert old in source, old
            source = source.replace(old, new)
        (folder / "app.lmp").write_text(source, encoding="utf-8")
        for name, rows in (("train", ROWS[:4]), ("dev", ROWS[2:])):
            lines = [json.dumps({"sentence": s, "sentiment": label}) for s, label in rows]
            (folder / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield server, folder / "app.lmp"
