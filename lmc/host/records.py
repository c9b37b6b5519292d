"""What a Python metric receives: rows and predictions as records, the same kind on both sides.

DSPy users write ``def metric(example, pred, trace=None): return
example.intent == pred.intent``. A :class:`Record` lets that code run as
written: fields read as attributes or as items (``pred.intent``,
``pred["intent"]``), nested records the same, and values in their plain
JSON form on both sides (an enum is its value, a record a ``Record``, a list
a list), so a dataset row's record and the program's record compare equal
when their fields do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..runtime.types import to_jsonable


class Record(Mapping[str, Any]):
    """A read-only record: ``r.name`` and ``r["name"]``; equal to any mapping with the same fields.

    A field shadows a method of the same name (``r.items`` is the field
    ``items`` when there is one); ``to_dict()`` gives the plain fields.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = {str(k): view(v) for k, v in to_jsonable(dict(fields)).items()}

    def __getitem__(self, key: str) -> Any:
        return self._fields[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def __getattribute__(self, name: str) -> Any:
        # A field wins over a method of the same name: an invoice's ``items`` is its items.
        if not name.startswith("_"):
            fields = object.__getattribute__(self, "_fields")
            if name in fields:
                return fields[name]
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe dunders: not fields
            raise AttributeError(name)
        known = ", ".join(self._fields) or "none"
        raise AttributeError(f"no field `{name}` (fields: {known})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self._fields == {k: view(other[k]) for k in other}

    __hash__ = Mapping.__hash__  # None: a record is compared by value, as a dict is

    def __repr__(self) -> str:
        return f"Record({self._fields!r})"

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain JSON values (nested records as dicts)."""
        plain: dict[str, Any] = to_jsonable(self._fields)
        return plain


def view(value: Any) -> Any:
    """A plain JSON value with every object as a ``Record`` (lists of them included)."""
    plain = value if isinstance(value, Record) else to_jsonable(value)
    if isinstance(plain, Mapping) and not isinstance(plain, Record):
        return Record(plain)
    if isinstance(plain, list):
        return [view(v) for v in plain]
    return plain
