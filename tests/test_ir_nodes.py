"""IR nodes compare, hash and print exactly as the frozen dataclasses they are would by default."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle

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
    with pytest.raises(dataclasses.FrozenInstanceError):
        del node.span  # type: ignore[misc]
    assert not hasattr(node, "__dict__")


@pytest.mark.parametrize("cls", NODES, ids=lambda c: c.__name__)
def test_nodes_copy_pickle_and_replace_as_frozen_dataclasses_do(cls: type) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    node = cls(**{name: f"{name}-value" for name in names})
    for other in (copy.copy(node), copy.deepcopy(node), pickle.loads(pickle.dumps(node))):
        assert other == node and other is not node
    changed = dataclasses.replace(node, **{names[0]: "changed"})
    assert getattr(changed, names[0]) == "changed" and getattr(node, names[0]) == f"{names[0]}-value"
    with pytest.raises(TypeError):
        cls(**{name: 1 for name in names}, nope=1)  # keyword-only, and only its fields
    with pytest.raises(TypeError):
        cls(*names)  # no positional arguments


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


def _levels(node: ir._Node) -> int:
    return 1 + max((_levels(child) for child in ir.iter_children(node)), default=0)


def test_survey_walks_like_walk_and_measures_the_depth():
    """The depth guard and the checks share one walk: its nodes are ``walk``'s, its depth the recursive one."""
    from pathlib import Path

    from lmc.syntax.parse import parse

    root = Path(__file__).parent
    deepest_seen = 0
    for path in [*root.parent.joinpath("samples").rglob("*.lmp"), *root.joinpath("data").rglob("*.lmp")]:
        source, _ = parse(path.read_text(encoding="utf-8"), str(path))
        if source is None:
            continue
        found = ir.survey(source)
        walked = list(ir.walk(source))
        assert len(found.nodes) == len(walked) and all(a is b for a, b in zip(found.nodes, walked, strict=True))
        assert found.levels == _levels(source), path
        # the deepest node is one at that level: nothing hangs under it
        assert not list(ir.iter_children(found.deepest))
        deepest_seen = max(deepest_seen, found.levels)
    assert deepest_seen >= 10


def test_survey_measures_a_deep_file_and_finds_its_deepest_node():
    from lmc.syntax.parse import parse

    text = "program p(q: str) -> (a: str) {\n  x = " + " + ".join(["1"] * 150) + "\n  return q\n}\n"
    source, _ = parse(text, "deep.lmp")
    assert source is not None
    found = ir.survey(source)
    assert found.levels == _levels(source) > 150
    assert isinstance(found.deepest, ir.Const) and found.deepest.span.col == 7  # the first `1`


def test_survey_of_a_lone_node_is_one_level():
    ident = ir.Ident(name="x", span=None)  # type: ignore[arg-type]
    assert ir.survey(ident) == (([ident], 1, ident))


def test_node_classes_have_no_subclasses() -> None:
    """Checks read the file's nodes by their exact class (``CheckContext.nodes_of``)."""
    from lmc.ir import nodes as ir

    assert ir._NODE_CLASSES and all(cls.__subclasses__() == [] for cls in ir._NODE_CLASSES)
