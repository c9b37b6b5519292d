"""The table of diagnostics (``lmc/diagnostics/catalog.py``), its templates, and its documentation."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from lmc.diagnostics import catalog
from lmc.diagnostics.core import Severity, Span
from lmc.diagnostics.template import fill

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "diagnostics.md"
CATALOG = ROOT / "lmc" / "diagnostics" / "catalog.py"
TEMPLATES = [
    *((f"{name}.message", entry.message) for name, entry in catalog.ENTRIES.items()),
    *((f"{name}.help", entry.help) for name, entry in catalog.ENTRIES.items() if entry.help is not None),
    *((name, help.template) for name, help in catalog.HELPS.items()),
]


def sources() -> dict[Path, str]:
    """Every module of lmc but the table itself."""
    return {p: p.read_text(encoding="utf-8") for p in (ROOT / "lmc").rglob("*.py") if p != CATALOG}


# ------------------------------------------------------------------ the table


def test_every_code_is_documented_and_every_documented_code_is_in_the_table() -> None:
    documented = set(re.findall(r"^### (E\d{3})\b", DOCS.read_text(encoding="utf-8"), re.M))
    codes = {entry.code for entry in catalog.ENTRIES.values()}
    assert codes - documented == set(), "codes without a `### Ennn` section in docs/diagnostics.md"
    assert documented - codes == set(), "documented codes that no entry has"


def test_no_code_is_written_outside_the_table() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): node.value
        for path, text in sources().items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"E\d{3}", node.value)
    }
    assert found == {}


def test_every_entry_and_help_is_reported_somewhere() -> None:
    text = "\n".join(sources().values())
    unused = [name for name in (*catalog.ENTRIES, *catalog.HELPS) if not re.search(rf"\b{name}\b", text)]
    assert unused == []


def test_each_entry_has_one_name() -> None:
    assert len({id(entry) for entry in catalog.ENTRIES.values()}) == len(catalog.ENTRIES)
    assert len({id(help) for help in catalog.HELPS.values()}) == len(catalog.HELPS)


def test_codes_titles_and_severities() -> None:
    severity: dict[str, Severity] = {}
    for name, entry in catalog.ENTRIES.items():
        assert re.fullmatch(r"E\d{3}", entry.code), name
        assert entry.title and len(entry.title) <= 60 and entry.title == entry.title.strip(), name
        assert severity.setdefault(entry.code, entry.severity) is entry.severity, f"{entry.code} is not one severity"


def _specs(template: str) -> list[str]:
    found = []
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is not None and spec:
            found.append(spec)
            found.extend(_specs(spec))
    return found


@pytest.mark.parametrize(("name", "template"), TEMPLATES, ids=[t[0] for t in TEMPLATES])
def test_templates_use_known_specs(name: str, template: str) -> None:
    for spec in _specs(template):
        known = spec in ("ordered", "names", "kwargs", "items", "record", "chain", "at", "num", "02x")
        assert known or spec.startswith("?") or "|" in spec, f"{name}: unknown format spec {spec!r}"


# ------------------------------------------------------------------ templates


@pytest.mark.parametrize(
    ("template", "fields", "text"),
    [
        ("{xs:ordered}", {"xs": ["b", "a"]}, "`b`, `a`"),
        ("{xs:ordered}", {"xs": []}, "none"),
        ("{xs:names}", {"xs": ["b", "a"]}, "`a`, `b`"),
        ("{xs:names}", {"xs": [f"f{i}" for i in range(10)]}, ", ".join(f"`f{i}`" for i in range(8)) + " and 2 more"),
        ("{xs:kwargs}", {"xs": ["a", "b"]}, "`a=...`, `b=...`"),
        ("{xs:items}", {"xs": ["a", "b"]}, "`a: ...`, `b: ...`"),
        ("{{ {xs:record} }}", {"xs": ["a", "b"]}, "{ a: ..., b: ... }"),
        ("{xs:chain}", {"xs": ["a", "b", "a"]}, "a -> b -> a"),
        ("{s:at}", {"s": Span("f", 3, 5, 3, 6)}, "line 3, column 5"),
        ("{s.line}", {"s": Span("f", 3, 5, 3, 6)}, "3"),
        ("{x:num} {y:num}", {"x": 2.0, "y": 0.25}, "2 0.25"),
        ("{n} {n:row|rows}", {"n": 1}, "1 row"),
        ("{n} {n:row|rows}", {"n": 3}, "3 rows"),
        ("{xs:input|inputs}", {"xs": ["a"]}, "input"),
        ("{n:it|all {n}}", {"n": 4}, "all 4"),
        ("a{x:? (b {x})}", {"x": None}, "a"),
        ("a{x:? (b {x})}", {"x": 4}, "a (b 4)"),
        ("0x{b:02x}", {"b": 7}, "0x07"),
        ("{xs[0]}", {"xs": ["a", "b"]}, "a"),
    ],
)
def test_fill(template: str, fields: dict[str, object], text: str) -> None:
    assert fill(template, fields) == text


def test_a_report_takes_the_entrys_help_another_or_a_ready_text() -> None:
    span = Span("f.lmp", 1, 1, 1, 2)
    entry = catalog.UNKNOWN_OPTION
    own = entry.at(span, key="k", owner="lm", keys=("a", "b"))
    assert (own.code, own.message, own.help) == ("E401", "unknown option `k` for lm", "valid options: `a`, `b`")
    assert entry.at(span, help=catalog.NO_OPTIONS, key="k", owner="lm", keys=()).help == (
        "this takes no options; remove the block"
    )
    assert entry.at(span, help="did you mean `a`?", key="k", owner="lm", keys=()).help == "did you mean `a`?"
    assert catalog.UNREACHABLE.at(span).severity is Severity.WARNING
