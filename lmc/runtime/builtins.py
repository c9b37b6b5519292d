"""The built-in functions a program body may call: ``unique``, ``len``, ``join``, ``majority``.

Generated code reaches them through ``BUILTINS`` by their ``.lmp`` names, or
imports them; ``len`` is ``length`` here, so that it never shadows Python's own.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any

from .metrics import normalize_text
from .types import to_jsonable

__all__ = ["BUILTINS", "join", "length", "majority", "unique"]


def _key(value: Any) -> Any:
    """A hashable stand-in for ``value`` with the same equality (JSON for lists, dicts, records)."""
    try:
        hash(value)
    except TypeError:
        return ("json", json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False))
    return value


def unique(items: Iterable[Any]) -> list[Any]:
    """The items without repeats, in the order they first appear."""
    seen: set[Any] = set()
    result = []
    for item in items:
        key = _key(item)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def length(value: Sized) -> int:
    """The number of items of a list (or characters of a string)."""
    return len(value)


def join(items: Iterable[Any], sep: str = " ") -> str:
    """The items as text (enums by value), separated by ``sep``."""
    return sep.join(str(item.value if isinstance(item, enum.Enum) else item) for item in items)


def majority(items: Iterable[Any], field: str | None = None, *, normalize: bool = True) -> Any:
    """The most common item; ties go to the one that appeared first.

    With ``field``, items are predictions (mappings) compared by that field,
    and the winning prediction is returned. Text is compared after DSPy's
    normalization (case, punctuation, articles) unless ``normalize=False``.
    """
    items = list(items)
    if not items:
        raise ValueError("majority() of an empty list")

    def vote(item: Any) -> Any:
        value = item[field] if field is not None else item
        if isinstance(value, enum.Enum):
            value = value.value
        if normalize and isinstance(value, str):
            return normalize_text(value)
        return _key(value)

    if field is not None:
        bad = [i for i, item in enumerate(items) if not isinstance(item, Mapping) or field not in item]
        if bad:
            raise ValueError(f"majority(..., field={field!r}): item {bad[0]} has no field `{field}`")
    counts: dict[Any, int] = {}
    first: dict[Any, Any] = {}
    for item in items:
        key = vote(item)
        counts[key] = counts.get(key, 0) + 1
        first.setdefault(key, item)
    best = max(counts.values())
    winner = next(key for key in counts if counts[key] == best)  # dicts keep first-seen order
    return first[winner]


BUILTINS: Mapping[str, Callable[..., Any]] = {"unique": unique, "len": length, "join": join, "majority": majority}
