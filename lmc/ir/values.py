"""Turn checked IR option values into plain Python values."""

from __future__ import annotations

from typing import Any

from . import nodes as ir


def plain(value: ir.Value) -> Any:
    """A checked option value as Python: names become their string names."""
    if isinstance(value, ir.Const):
        return value.value
    if isinstance(value, ir.ListValue):
        return [plain(v) for v in value.items]
    if isinstance(value, ir.NameValue):
        return value.name.name
    if isinstance(value, ir.Options):
        return options_dict(value)
    if isinstance(value, ir.CallValue):
        return {"name": value.name.name, "options": options_dict(value.options)}
    raise TypeError(f"not an option value: {type(value).__name__}")


def options_dict(options: ir.Options) -> dict[str, Any]:
    return {e.key.name: plain(e.value) for e in options.entries}
