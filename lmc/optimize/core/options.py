"""Option specs as ``create_optimizer`` applies them: check a given value, coerce it, default the rest.

Each is derived (:meth:`OptionSpec.from_schema`) from the one table of the
optimizers' options, ``lmc/schemas/optimizers.py``, which the checker reads
too, so a block that passed ``lmc check`` is accepted here. Names and
defaults are DSPy's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...records import record
from ...schemas import vocabulary as option_schema

# The Python type an option's value reaches the optimizer as, per scalar type name.
_SCALARS: Mapping[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


@record
class OptionSpec:
    """One option: its type, default, whether ``none`` is allowed, and its lower bound."""

    type: type  # int, float, bool, str, or tuple (a list of words, each one of ``words``)
    default: Any
    nullable: bool = False
    minimum: float | None = None
    doc: str = ""
    words: tuple[str, ...] = ()  # a list option's allowed words

    @classmethod
    def from_schema(cls, spec: option_schema.OptionSpec) -> OptionSpec:
        """The spec of one option of the optimizers' table, as ``create_optimizer`` checks it.

        A name (``prompt_model: strong``) or a word (``auto: "light"``) reaches
        the optimizer as a string. ``none`` is accepted where the checker
        accepts it: for an option neither required nor defaulted, and for a
        choice that allows it. An upper or exclusive bound has no runtime
        form here: a table option with one is refused, so that nothing the
        checker enforces is skipped by ``create_optimizer``.
        """
        vtype = spec.type
        if isinstance(vtype, option_schema.Scalar):
            type_ = _SCALARS[vtype.name]
        elif isinstance(vtype, option_schema.Ref | option_schema.Choice):
            type_ = str
        elif isinstance(vtype, option_schema.ListOf) and isinstance(vtype.item, option_schema.Choice):
            nullable = spec.default is None and not spec.required
            return cls(tuple, spec.default, nullable=nullable, doc=spec.doc, words=vtype.item.values)
        else:
            raise TypeError(f"option `{spec.name}`: {vtype.describe()} has no runtime spec")
        if spec.maximum is not None or spec.above is not None:
            raise ValueError(f"option `{spec.name}`: only a lower bound (`minimum`) has a runtime spec")
        nullable = (spec.default is None and not spec.required) or (
            isinstance(vtype, option_schema.Choice) and vtype.nullable
        )
        return cls(type_, spec.default, nullable=nullable, minimum=spec.minimum, doc=spec.doc)

    @property
    def type_name(self) -> str:
        name = {int: "an integer", float: "a number", bool: "a boolean", str: "a string", tuple: "a list"}[self.type]
        return f"{name} or none" if self.nullable else name

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None when it is."""
        if value is None:
            return None if self.nullable else f"expected {self.type_name}, got none"
        if not _is_type(value, self.type):
            return f"expected {self.type_name}, got {_kind(value)}"
        if self.type is tuple:
            wrong = [w for w in value if w not in self.words]
            if wrong:
                return f"{wrong[0]!r} is not one of {', '.join(self.words)}"
            return None
        if self.minimum is not None and value < self.minimum:
            return f"must be at least {_number(self.minimum)}, got {_number(value)}"
        return None

    def coerce(self, value: Any) -> Any:
        """An acceptable value in the option's own type (an integer for a float option becomes a float)."""
        if value is not None and self.type is float:
            return float(value)
        if value is not None and self.type is tuple:
            return tuple(value)
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
    if wanted is tuple:
        return isinstance(value, (list, tuple))
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
