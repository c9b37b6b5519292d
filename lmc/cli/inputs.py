"""Program inputs given on the command line: ``--input key=value`` pairs, typed by the fields."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..diagnostics.core import meant


def parse_inputs(pairs: Sequence[str], types: Mapping[str, Any]) -> dict[str, Any] | str:
    """``k=v`` pairs into values typed by the fields' types, by name (JSON for non-str types)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            return f"`--input {pair}` is not of the form key=value"
        if key not in types:
            return f"unknown input `{key}` (inputs: {', '.join(types) or 'none'}){meant(key, list(types))}"
        if types[key] is str:
            values[key] = raw
        else:
            try:
                values[key] = json.loads(raw)
            except json.JSONDecodeError:
                values[key] = raw
    return values


def input_error(exc: Exception) -> str:
    """Why the inputs do not fit the program, one line per problem, named as ``--input`` names them.

    ``exc`` is the package's ``TypeError`` (a missing or unknown name) or
    pydantic's ``ValidationError`` (a value that does not fit its type).
    """
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return f"{exc} (pass inputs with --input name=value)"
    lines = []
    for err in errors():
        where = ".".join(str(part) for part in err.get("loc", ())) or "input"
        got = err.get("input")
        shown = f" (got {json.dumps(got, ensure_ascii=False, default=str)})" if "input" in err else ""
        lines.append(f"--input {where}: {err.get('msg', 'invalid')}{shown}")
    return "\n".join(lines) or str(exc)
