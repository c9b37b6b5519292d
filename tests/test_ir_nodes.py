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


def test_statements_are_every_statement_a_walk_finds_in_the_same_order():
    """``statements`` skips expressions; it must still reach every statement a full walk reaches
    (a new statement kind with a body of its own has to be opened there too)."""
    from pathlib import Path

    from lmc.ir import nodes as ir
    from lmc.syntax.parse import parse

    kinds = (ir.ModuleDecl, ir.Assign, ir.Repeat, ir.For, ir.If, ir.Return, ir.ExprStmt)
    assert set(kinds) == set(ir.Stmt.__args__)
    root = Path(__file__).parent
    checked = 0
    for path in [*root.parent.joinpath("samples").rglob("*.lmp"), *root.joinpath("data").rglob("*.lmp")]:
        source, _ = parse(path.read_text(encoding="utf-8"), str(path))
        for program in source.of(ir.ProgramDecl) if source is not None else ():
            walked = [n for stmt in program.body for n in ir.walk(stmt) if isinstance(n, kinds)]
            assert list(ir.statements(program.body)) == walked, path
            checked += len(walked)
    assert checked > 100
