"""Program inputs given on the command line: ``--input key=value`` pairs, typed by the fields."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def parse_inputs(pairs: Sequence[str], fields: Sequence[Any]) -> dict[str, Any] | str:
    """``k=v`` pairs into values typed by the fields (JSON for non-str types)."""
    types = {f.name: f.annotation for f in fields}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            return f"`--input {pair}` is not of the form key=value"
        if key not in types:
            return f"unknown input `{key}` (inputs: {', '.join(types) or 'none'})"
        if types[key] is str:
            values[key] = raw
        else:
            try:
                values[key] = json.loads(raw)
            except json.JSONDecodeError:
                values[key] = raw
    return values
