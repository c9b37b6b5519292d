"""``lmc.records.record`` behaves as ``@dataclass(frozen=True, slots=True)`` does, class for class."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lmc.records import record

FROZEN = dataclass(frozen=True, slots=True)


def _pair(body: str, **extra: Any) -> tuple[type, type]:
    """The same class body made by ``dataclass`` and by ``record``."""
    made = []
    for deco in (FROZEN, record):
        scope: dict[str, Any] = {"deco": deco, "field": field, **extra}
        exec(f"@deco\nclass Thing:\n{body}", scope)  # noqa: S102  (the test's own class bodies)
        made.append(scope["Thing"])
    return made[0], made[1]


BODY = """
    name: str
    count: int = 2
    tags: list = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)
"""


def _same(calls: list[tuple[tuple[Any, ...], dict[str, Any]]], body: str = BODY) -> None:
    reference, ours = _pair(body)
    for args, kwargs in calls:
        a, b = reference(*args, **kwargs), ours(*args, **kwargs)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert repr(a) == repr(b)


def test_construction_defaults_and_factories_match_dataclass() -> None:
    _same([(("a",), {}), (("a", 3), {}), (("a",), {"tags": [1]}), ((), {"name": "b", "note": "n"})])
    reference, ours = _pair(BODY)
    assert ours("a").tags is not ours("a").tags  # a new list each time, as the factory makes it


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), (("a", 1, [], "n", "extra"), {}), (("a",), {"nope": 1}), (("a",), {"name": "b"})],
)
def test_wrong_arguments_raise_the_same_type_error(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    reference, ours = _pair(BODY)
    with pytest.raises(TypeError) as expected:
        reference(*args, **kwargs)
    with pytest.raises(TypeError) as got:
        ours(*args, **kwargs)
    assert str(got.value) == str(expected.value)


def test_equality_hash_and_repr_follow_compare_and_repr() -> None:
    _, Thing = _pair(BODY)
    a, b = Thing("a", 2, (), note="x"), Thing("a", 2, (), note="y")
    assert a == b and hash(a) == hash(b)  # `note` does not compare
    assert a != Thing("a", 3, ()) and a != ("a", 2, ())
    assert repr(a) == "Thing(name='a', count=2, tags=())"
    assert {Thing("a", 1, ()): 1}[Thing("a", 1, ())] == 1


def test_equality_needs_the_very_class() -> None:
    _, Thing = _pair(BODY)
    _, Other = _pair(BODY)
    assert Thing("a") != Other("a")


def test_frozen_and_slotted() -> None:
    _, Thing = _pair(BODY)
    thing = Thing("a")
    with pytest.raises(FrozenInstanceError):
        thing.name = "b"
    with pytest.raises(FrozenInstanceError):
        del thing.name
    with pytest.raises((AttributeError, TypeError)):
        thing.__dict__  # noqa: B018  (slots: no instance dict)


def test_dataclass_functions_copy_and_pickle() -> None:
    _, Thing = _pair(BODY)
    Thing.__module__ = __name__
    globals()["Thing"] = Thing  # pickle finds the class by name
    try:
        thing = Thing("a", 1, [1, 2], "n")
        assert dataclasses.is_dataclass(thing)
        assert [f.name for f in dataclasses.fields(thing)] == ["name", "count", "tags", "note"]
        assert dataclasses.replace(thing, count=5) == Thing("a", 5, [1, 2])
        assert dataclasses.asdict(thing) == {"name": "a", "count": 1, "tags": [1, 2], "note": "n"}
        for other in (copy.copy(thing), copy.deepcopy(thing), pickle.loads(pickle.dumps(thing))):
            assert dataclasses.astuple(other) == dataclasses.astuple(thing)
    finally:
        del globals()["Thing"]


def test_keyword_only_post_init_and_own_methods() -> None:
    body = """
    a: int
    b: int = 0
    def __post_init__(self):
        object.__setattr__(self, "b", self.a * 10)
    def __repr__(self):
        return "mine"
"""
    for deco in (record(kw_only=True), dataclass(frozen=True, slots=True, kw_only=True)):
        scope: dict[str, Any] = {"deco": deco}
        exec(f"@deco\nclass Thing:\n{body}", scope)  # noqa: S102
        Thing = scope["Thing"]
        assert Thing(a=2).b == 20
        assert repr(Thing(a=1)) == "mine"
        with pytest.raises(TypeError):
            Thing(1)


def test_fields_out_of_order_are_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Bad:
            a: int = 1
            b: int


def test_a_record_may_not_define_setattr() -> None:
    with pytest.raises(TypeError, match="frozen"):

        @record
        class Bad:
            a: int

            def __setattr__(self, name: str, value: object) -> None: ...


def test_a_subclass_record_keeps_its_bases_fields() -> None:
    @record
    class Base:
        a: int

    @record
    class Child(Base):
        b: str = "x"

    child = Child(1)
    assert (child.a, child.b) == (1, "x")
    assert child == Child(1, "x") and child != Child(2)
    assert repr(child).endswith(".Child(a=1, b='x')")  # the qualified name, as ``dataclass`` shows it


def test_a_class_without_a_docstring_gets_one() -> None:
    @record
    class NoDoc:
        a: int
        b: int

    assert NoDoc.__doc__ == "NoDoc(a, b)"


def test_lmc_makes_its_frozen_classes_as_records() -> None:
    """Outside the runtime (copied into each package, which needs no lmc), no frozen dataclass is left."""
    lmc = Path(__file__).resolve().parents[1] / "lmc"
    decorator = re.compile(r"^\s*@dataclass\(frozen=True", re.MULTILINE)
    left = [
        str(path.relative_to(lmc))
        for path in lmc.rglob("*.py")
        if path.relative_to(lmc).parts[0] != "runtime" and decorator.search(path.read_text("utf-8"))
    ]
    assert left == [], f"use lmc.records.record: {left}"


def test_a_class_with_its_own_eq_is_hashed_as_dataclass_hashes_it() -> None:
    """Writing ``__eq__`` sets ``__hash__`` to None in the class; a frozen dataclass hashes its fields anyway."""
    body = """
    a: int
    def __eq__(self, other):
        return isinstance(other, type(self)) and self.a == other.a
"""
    reference, ours = _pair(body)
    assert hash(reference(1)) == hash(ours(1)) == hash((1,))
    assert ours(1) == ours(1)
