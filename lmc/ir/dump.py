"""A stable, readable text form of the IR, for golden tests and debugging.

One node per line, indented by depth; fields in declaration order; strings
as Python ``repr``; spans as ``@line:col-end_line:end_col`` (the file is
named once, at the top). An ``Ident`` prints on one line with its span.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..diagnostics.core import Span
from . import nodes as ir


def dump(source_file: ir.SourceFile) -> str:
    lines = [f"SourceFile {source_file.path!r} {_span(source_file.span)}"]
    for decl in source_file.decls:
        _node(decl, 1, "", lines)
    return "\n".join(lines) + "\n"


def _span(span: Span | None) -> str:
    return "@-" if span is None else f"@{span.line}:{span.col}-{span.end_line}:{span.end_col}"


def _node(node: Any, depth: int, label: str, lines: list[str]) -> None:
    pad = "  " * depth
    if isinstance(node, ir.Ident):
        lines.append(f"{pad}{label}Ident {node.name!r} {_span(node.span)}")
        return
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        lines.append(f"{pad}{label}{type(node).__name__} {_span(getattr(node, 'span', None))}")
        for f in dataclasses.fields(node):
            if f.name == "span":
                continue
            _value(getattr(node, f.name), depth + 1, f"{f.name}: ", lines)
        return
    lines.append(f"{pad}{label}{node!r}")


def _value(value: Any, depth: int, label: str, lines: list[str]) -> None:
    pad = "  " * depth
    if isinstance(value, Span):
        lines.append(f"{pad}{label}{_span(value)}")
    elif isinstance(value, tuple):
        if not value:
            lines.append(f"{pad}{label}()")
            return
        lines.append(f"{pad}{label}".rstrip())
        for item in value:
            if isinstance(item, tuple):  # (Ident, Expr) pairs of a record expression
                lines.append(f"{pad}  -")
                for part in item:
                    _node(part, depth + 2, "", lines)
            else:
                _node(item, depth + 1, "- ", lines)
    else:
        _node(value, depth, label, lines)
