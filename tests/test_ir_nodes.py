"""IR nodes compare, hash and print exactly as the frozen dataclasses they are would by default."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from lmc.ir import nodes as ir

NODES = [c for _, c in inspect.getmembers(ir, inspect.isclass) if issubclass(c, ir._Node) and c is not ir._Node]


@pytest.mark.parametrize("cls", NODES, ids=lambda c: c.__name__)
def test_equality_hash_and_repr_are_dataclass_defaults(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    twin = dataclasses.make_dataclass(cls.__name__, names, frozen=True, kw_only=True)
    values = {name: f"{name}-value" for name in names}
    node, same, other = cls(**values), cls(**values), cls(**{**values, names[0]: "changed"})
    assert repr(node) == repr(twin(**values))
    assert hash(node) == hash(twin(**values)) == hash(same)
    assert node == same and node != other and node != twin(**values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.span = None  # type: ignore[misc]
    assert not hasattr(node, "__dict__")
