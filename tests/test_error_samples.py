"""Every broken sample in ``samples/errors/`` reports exactly the diagnostics written in it.

A sample states what it expects in comment lines (see ``samples/errors/README.md``)::

    # E: E102 3:18 unknown type `Sentimnt`
    # W: E507 1:40 cannot be found

``E`` is an error and ``W`` a warning, then the code, ``line:col`` of the
span's start, and a substring of the message. The test parses and checks the
file as ``lmc check`` does and compares the exact set of (severity, code,
line, col); each message must contain its substring, and every diagnostic
must render with its source line and a caret.

Beside each sample, ``NAME.stderr`` holds exactly what ``lmc check`` prints for
it, run from the repository root (a snapshot, as rustc's UI tests keep one):
every diagnostic with its source line, caret and help, then the summary line.
An absolute path in the output is written with ``$ROOT`` for the repository
root, so the snapshot does not depend on the machine. ``--update-golden``
rewrites the snapshots; a missing one fails the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lmc.checks import run_checks
from lmc.cli.main import main
from lmc.diagnostics import catalog
from lmc.diagnostics.core import Diagnostic, Severity, render
from lmc.syntax.parse import parse

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "errors"
CASES = sorted(SAMPLES.glob("*.lmp"))
EXPECT = re.compile(r"#\s*(?P<sev>[EW]):\s*(?P<code>E\d{3})\s+(?P<line>\d+):(?P<col>\d+)\s+(?P<text>.+?)\s*$")

Key = tuple[str, str, int, int]


def expectations(text: str) -> dict[Key, list[str]]:
    expected: dict[Key, list[str]] = {}
    for raw in text.splitlines():
        m = EXPECT.match(raw.strip())
        if m:
            key = (m["sev"], m["code"], int(m["line"]), int(m["col"]))
            expected.setdefault(key, []).append(m["text"])
    return expected


def diagnose(path: Path, text: str) -> list[Diagnostic]:
    source, diagnostics = parse(text, str(path))
    if source is not None:
        diagnostics = diagnostics + run_checks(source, path.parent, strict=True)
    return diagnostics


def key(d: Diagnostic) -> Key:
    return ("W" if d.severity is Severity.WARNING else "E", d.code, d.span.line, d.span.col)


def test_every_check_code_has_a_sample() -> None:
    assert len(CASES) >= 30
    sampled = {k[1] for case in CASES for k in expectations(case.read_text(encoding="utf-8"))}
    checks = {e.code for e in catalog.ENTRIES.values() if re.fullmatch(r"E[1-5]\d\d", e.code)}
    assert len(checks) > 40
    assert checks <= sampled, sorted(checks - sampled)
    assert {"E002", "E003", "E005"} <= sampled


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_error_sample(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    expected = expectations(text)
    assert expected, f"{path.name} states no expected diagnostics"

    diagnostics = diagnose(path, text)
    got: dict[Key, list[Diagnostic]] = {}
    for d in diagnostics:
        got.setdefault(key(d), []).append(d)

    listing = "\n".join(f"  {k[0]}: {k[1]} {k[2]}:{k[3]} {d.message}" for k, ds in sorted(got.items()) for d in ds)
    assert set(got) == set(expected), f"diagnostics of {path.name}:\n{listing}"
    for k, substrings in expected.items():
        assert len(got[k]) == len(substrings), f"{k}: expected {len(substrings)}, got:\n{listing}"
        messages = sorted(d.message for d in got[k])
        for substring in substrings:
            assert any(substring in m for m in messages), f"{k}: no message contains {substring!r}: {messages}"

    for d in diagnostics:
        rendered = render(d, text)
        first, *rest = rendered.splitlines()
        assert first.startswith(f"{path}:{d.span.line}:{d.span.col}: {d.severity.value}[{d.code}]: ")
        assert any(re.fullmatch(r"\s*\| *\^~*", line) for line in rest), rendered
        if not d.code.startswith("E0"):  # every check diagnostic says how to fix it
            assert d.help, f"{d.code} at {d.span.line}:{d.span.col} has no help"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_rendered_output(
    path: Path, update_golden: bool, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status = main(["check", path.relative_to(ROOT).as_posix()])
    printed = capsys.readouterr()
    assert printed.out == ""
    rendered = printed.err.replace(str(ROOT), "$ROOT")
    assert status == (1 if re.search(r"^\S+: error\[", rendered, re.M) else 0)
    snapshot = path.with_suffix(".stderr")
    if update_golden:
        snapshot.write_text(rendered, encoding="utf-8")
    assert snapshot.is_file(), f"{snapshot.name} is missing; run pytest {__file__} --update-golden"
    assert snapshot.read_text(encoding="utf-8") == rendered, f"{snapshot.name} changed (--update-golden to accept)"
