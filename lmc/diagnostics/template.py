"""How a diagnostic's message and help templates are filled in.

A template is ``str.format`` text (``{name}``, ``{span.line}``, ``{items[0]}``;
``{{`` for a brace), with a few format specs for the pieces that are computed:

- ``{xs:ordered}``: ```a`, `b``` in the given order, or ``none``
- ``{xs:names}``: the same, sorted, at most eight, then ``and N more``
- ``{xs:kwargs}``: ```a=...`, `b=...```; ``{xs:items}``: ```a: ...`, `b: ...```;
  ``{xs:record}``: ``a: ..., b: ...`` (the inside of a record)
- ``{xs:chain}``: ``a -> b -> a``
- ``{span:at}``: ``line 3, column 5``
- ``{x:num}``: a number, without ``.0`` when it is whole
- ``{n:one|many}``: ``one`` when ``n`` (a count, or the length of a collection) is 1, else ``many``
- ``{x:?text}``: ``text`` when ``x`` is not None, else nothing

Specs may hold fields (``{rows:it|all {rows}}``), as ``str.format`` allows.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .core import Span


def _ordered(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "none"


def _names(names: Iterable[str], limit: int = 8) -> str:
    items = sorted(names)
    if len(items) > limit:
        return _ordered(items[:limit]) + f" and {len(items) - limit} more"
    return _ordered(items)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _at(span: Span) -> str:
    return f"line {span.line}, column {span.col}"


_SPECS: Mapping[str, Callable[[Any], str]] = {
    "ordered": _ordered,
    "names": _names,
    "kwargs": lambda names: ", ".join(f"`{n}=...`" for n in names),
    "items": lambda names: ", ".join(f"`{n}: ...`" for n in names),
    "record": lambda names: ", ".join(f"{n}: ..." for n in names),
    "chain": " -> ".join,
    "at": _at,
    "num": _num,
}


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> Any:
        helper = _SPECS.get(format_spec)
        if helper is not None:
            return helper(value)
        if format_spec.startswith("?"):
            return format_spec[1:] if value is not None else ""
        if "|" in format_spec:
            one, _, many = format_spec.partition("|")
            return one if (value if isinstance(value, int) else len(value)) == 1 else many
        return format(value, format_spec)


_FORMATTER = _Formatter()


def fill(template: str, fields: Mapping[str, object]) -> str:
    """``template`` with ``fields`` in it (see the module docstring for the specs)."""
    return _FORMATTER.vformat(template, (), fields)
