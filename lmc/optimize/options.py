"""Option schemas: the keys an optimizer accepts in a ``.lmp`` option block.

The checker validates option blocks against these before anything runs;
``registry.create_optimizer`` applies them. Names and defaults are DSPy's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option: its type, default, whether ``none`` is allowed, and its lower bound."""

    type: type  # int, float, bool or str
    default: Any
    nullable: bool = False
    minimum: float | None = None
    doc: str = ""

    @property
    def type_name(self) -> str:
        name = {int: "an integer", float: "a number", bool: "a boolean", str: "a string"}[self.type]
        return f"{name} or none" if self.nullable else name

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None when it is."""
        if value is None:
            return None if self.nullable else f"expected {self.type_name}, got none"
        if not _is_type(value, self.type):
            return f"expected {self.type_name}, got {_kind(value)}"
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {_number(self.minimum)}, got {_number(value)}"
        return None

    def coerce(self, value: Any) -> Any:
        """An acceptable value in the option's own type (an integer for a float option becomes a float)."""
        if value is not None and self.type is float:
            return float(value)
        return value


def _is_type(value: Any, wanted: type) -> bool:
    if wanted is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # bool is an int subclass, never a number here
        return False
    if wanted is int:
        return isinstance(value, int)
    if wanted is float:
        return isinstance(value, (int, float)) and not math.isnan(value)
    return isinstance(value, wanted)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class OptionError(ValueError):
    """An option block that does not fit the optimizer's schema."""


def resolve(optimizer: str, schema: Mapping[str, OptionSpec], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every option's value: the given ones checked and coerced, the rest defaulted."""
    unknown = sorted(set(given) - set(schema))
    if unknown:
        raise OptionError(f"{optimizer} has no option `{unknown[0]}` (it takes: {', '.join(schema)})")
    values: dict[str, Any] = {}
    for key, spec in schema.items():
        if key not in given:
            values[key] = spec.default
            continue
        problem = spec.problem(given[key])
        if problem is not None:
            raise OptionError(f"{optimizer} option `{key}`: {problem}")
        values[key] = spec.coerce(given[key])
    return values
