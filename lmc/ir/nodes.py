"""The frozen IR of a ``.lmp`` file.

``syntax/builder.py`` builds it as the parser reduces and does nothing else; checks
read it; codegen renders it. Every node carries a ``span`` (see
``diagnostics.Span`` for the convention). Sequences are tuples, so every node is
hashable and immutable; use ``dataclasses.replace`` to derive a changed copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar, cast

from ..diagnostics.core import Span
from ..records import record, tuple_of

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # type checkers only: nothing to do when the program runs

    def dataclass_transform(**_: Any) -> Any:
        return lambda decorator: decorator


_N = TypeVar("_N", bound=type)


class _Node:
    """The base of every IR node (``_node``): a record of ``lmc.records``, so its equality, hash, repr,
    freezing, copy and pickle are a frozen dataclass's, none of them compiled per node class."""

    __slots__ = ()
    # The values of the fields that may hold nodes, as a tuple; None where none may (``_may_hold_nodes``).
    _branches: ClassVar[Any]


def iter_children(node: _Node) -> Iterator[_Node]:
    """The nodes directly under ``node``, in field order (tuples of nodes read in order, at any depth)."""
    return iter(_children(node))


def _children(node: _Node) -> list[_Node]:
    """``iter_children`` as a list: the fields read left to right, tuples opened in place."""
    branches = node._branches
    if branches is None:  # a leaf: only names, text, numbers and its span
        return []
    found: list[_Node] = []
    pending: list[Any] = []
    for value in branches(node):
        if isinstance(value, _Node):
            found.append(value)
        elif value.__class__ is tuple and value:
            pending.append(value)
            while pending:  # a tuple's items in order; a nested tuple's before the rest (rare: none nest today)
                items = pending.pop()
                for i, item in enumerate(items):
                    if isinstance(item, _Node):
                        found.append(item)
                    elif item.__class__ is tuple and item:
                        pending.append(items[i + 1 :])
                        pending.append(item)
                        break
    return found


def walk(node: _Node) -> Iterator[_Node]:
    """``node`` and every node under it, depth first in source order; no recursion, so any depth."""
    pending = [node]
    pop, extend, children = pending.pop, pending.extend, _children
    while pending:
        current = pop()
        yield current
        found = children(current)
        if found:
            found.reverse()
            extend(found)


class Survey(NamedTuple):
    """Every node of a tree, depth first in source order, and how deep it goes."""

    nodes: list[_Node]
    levels: int  # levels of nodes, the root's included
    deepest: _Node  # a node at the deepest level


def survey(node: _Node) -> Survey:
    """``walk``'s nodes as a list, with the tree's depth: one walk for both, no recursion."""
    found: list[_Node] = []
    levels, deepest = 1, node
    # One list per level: the nodes of that level still to visit, last first.
    stack: list[list[_Node]] = [[node]]
    add, push, pop, children = found.append, stack.append, stack.pop, _children
    while stack:
        siblings = stack[-1]
        if not siblings:
            pop()
            continue
        current = siblings.pop()
        add(current)
        below = children(current)
        if below:
            below.reverse()
            push(below)
            if len(stack) > levels:
                levels, deepest = len(stack), below[-1]
    return Survey(found, levels, deepest)


_NODE_CLASSES: list[type] = []  # every node class, in the order they are made


@dataclass_transform(frozen_default=True, kw_only_default=True)
def _node(cls: _N) -> _N:
    """A frozen, slotted, keyword-only record (``lmc.records.record``) that knows its branches."""
    assert issubclass(cls, _Node), cls
    made: Any = record(kw_only=True)(cls)
    branches = [f.name for f in fields(made) if _may_hold_nodes(made.__annotations__[f.name])]
    made._branches = tuple_of(branches) if branches else None
    _NODE_CLASSES.append(made)
    return cast("_N", made)


# What a field of no node may hold: its annotation names only these (``tuple[str, ...]`` too).
_LEAF_TYPES = frozenset({"str", "int", "float", "bool", "None", "Span", "tuple"})
_TYPE_NAME = re.compile(r"\w+")


def _may_hold_nodes(annotation: str) -> bool:
    """Whether a field may hold a node: its annotation (a string, under ``from __future__ import
    annotations``) names a type that is not a leaf type; one that names an alias counts as a node."""
    return not _LEAF_TYPES.issuperset(_TYPE_NAME.findall(annotation))


@_node
class Ident(_Node):
    """A name as written at one place in the source."""

    name: str
    span: Span


# --------------------------------------------------------------------- types


@_node
class NamedType(_Node):
    """``str``, ``int``, ``float``, ``bool``, or an ``enum`` / ``type`` name."""

    name: Ident
    span: Span


@_node
class ListType(_Node):
    """``list[T]``."""

    item: TypeExpr
    span: Span


@_node
class DictType(_Node):
    """``dict[K, V]``."""

    key: TypeExpr
    value: TypeExpr
    span: Span


@_node
class OptionalType(_Node):
    """``T?``: the value may be absent (None)."""

    inner: TypeExpr
    span: Span


@_node
class LiteralType(_Node):
    """A literal union: ``"yes" | "no"``."""

    values: tuple[str, ...]
    span: Span


TypeExpr = NamedType | ListType | DictType | OptionalType | LiteralType

# The built-in type names: the four scalars, and `json` (any JSON value: a ReAct trajectory, a tool's free-form result).
BUILTIN_SCALARS = ("str", "int", "float", "bool", "json")

# ------------------------------------------------------------ option values


@_node
class Const(_Node):
    """A literal: str, int, float, bool or None."""

    value: str | int | float | bool | None
    span: Span


@_node
class ListValue(_Node):
    """A list in an option block: ``[a, b, c]``."""

    items: tuple[Value, ...]
    span: Span


@_node
class NameValue(_Node):
    """A bare name in an option block (``metric: accuracy``)."""

    name: Ident
    span: Span


@_node
class OptionEntry(_Node):
    """``key: value`` in an option block."""

    key: Ident
    value: Value
    span: Span


@_node
class Options(_Node):
    """An option block, ``{ key: value, ... }`` (or a module's and metric's options written without braces)."""

    entries: tuple[OptionEntry, ...]
    span: Span

    def get(self, key: str) -> Value | None:
        for entry in self.entries:
            if entry.key.name == key:
                return entry.value
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(e.key.name for e in self.entries)


@_node
class CallValue(_Node):
    """A name followed by an option block: ``BootstrapFewShot { max_labeled_demos: 4 }``."""

    name: Ident
    options: Options
    span: Span


Value = Const | ListValue | NameValue | Options | CallValue

# ------------------------------------------------------------ expressions


@_node
class Name(_Node):
    """A name read as a value: a parameter, a variable, a module or a declaration."""

    ident: Ident
    span: Span


@_node
class ListExpr(_Node):
    """``[expr, ...]`` in a program body."""

    items: tuple[Expr, ...]
    span: Span


@_node
class RecordExpr(_Node):
    """``{ field: expr, ... }`` (a program's return value)."""

    fields: tuple[tuple[Ident, Expr], ...]
    span: Span


@_node
class Attr(_Node):
    """``obj.attr``: a field of a module's answer or of a record."""

    obj: Expr
    attr: Ident
    span: Span


@_node
class KwArg(_Node):
    """``name=expr`` in a call."""

    name: Ident
    value: Expr
    span: Span


@_node
class Call(_Node):
    """A call to a module, tool, retriever, program or built-in."""

    func: Ident
    args: tuple[Expr, ...]
    kwargs: tuple[KwArg, ...]
    span: Span


@_node
class BinOp(_Node):
    """``left op right``: arithmetic, comparison or boolean."""

    op: str  # "+", "==", "!=", "<", ">", "<=", ">=", "and", "or"
    left: Expr
    right: Expr
    span: Span


@_node
class UnaryOp(_Node):
    """``not x`` or ``-x``."""

    op: str  # "not", "-"
    operand: Expr
    span: Span


Expr = Name | Const | ListExpr | RecordExpr | Attr | Call | BinOp | UnaryOp

# ------------------------------------------------------------- statements


@_node
class ModuleDecl(_Node):
    """``module NAME = Kind(Signature, key: value, ...)`` inside a program."""

    name: Ident
    kind: Ident  # Predict, ChainOfThought, ...
    signature: Ident
    options: Options
    span: Span


@_node
class Assign(_Node):
    """``name = expr``."""

    target: Ident
    value: Expr
    span: Span


@_node
class Repeat(_Node):
    """``repeat N { ... }``."""

    count: Expr
    body: tuple[Stmt, ...]
    span: Span


@_node
class For(_Node):
    """``for var in iterable { ... }``."""

    var: Ident
    iterable: Expr
    body: tuple[Stmt, ...]
    span: Span


@_node
class If(_Node):
    """``if cond { ... } else { ... }``."""

    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]  # empty when there is no else; an `else if` nests an If
    span: Span


@_node
class Return(_Node):
    """``return expr``: the program's outputs."""

    value: Expr
    span: Span


@_node
class ExprStmt(_Node):
    """An expression standing alone as a statement (a call made for its effect)."""

    value: Expr
    span: Span


Stmt = ModuleDecl | Assign | Repeat | For | If | Return | ExprStmt


def statements(body: tuple[Stmt, ...]) -> Iterator[Stmt]:
    """Every statement of ``body``, nested ones too (``for`` and ``repeat`` bodies, both branches of ``if``),
    depth first in source order, without recursion; expressions, which hold no statement, are not visited."""
    pending: list[Stmt] = list(reversed(body))
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, (For, Repeat)):
            pending.extend(reversed(node.body))
        elif isinstance(node, If):
            pending.extend(reversed(node.orelse))
            pending.extend(reversed(node.then))


# ------------------------------------------------------------ declarations


@_node
class FieldDecl(_Node):
    """A field of a ``type`` record or of a signature (``direction`` "in"/"out")."""

    name: Ident
    type: TypeExpr
    desc: str | None
    direction: str | None  # "in", "out", or None in a record type
    span: Span


@_node
class Param(_Node):
    """A program or tool parameter: ``name: type [= default]``."""

    name: Ident
    type: TypeExpr
    default: Const | None
    span: Span


@_node
class LmDecl(_Node):
    """``lm NAME = "provider/model" { options }``."""

    name: Ident
    model: str
    options: Options
    span: Span


@_node
class EnumDecl(_Node):
    """``enum NAME { a, b, c }``."""

    name: Ident
    doc: str | None  # the docstring, cleandoc-dedented: the emitted enum's docstring
    members: tuple[Ident, ...]
    span: Span


@_node
class TypeDecl(_Node):
    """``type NAME { field: type, ... }``: a record type."""

    name: Ident
    doc: str | None  # the docstring: the emitted model's docstring, and its schema's description
    fields: tuple[FieldDecl, ...]
    span: Span


@_node
class SignatureDecl(_Node):
    """``signature NAME { ... }``, or ``signature NAME = "a, b -> c"``."""

    name: Ident
    instructions: str | None  # the docstring, cleandoc-dedented
    fields: tuple[FieldDecl, ...]  # in source order; see inputs/outputs
    from_string: bool  # declared with DSPy's string form "a, b -> c"
    span: Span

    @property
    def inputs(self) -> tuple[FieldDecl, ...]:
        return tuple(f for f in self.fields if f.direction == "in")

    @property
    def outputs(self) -> tuple[FieldDecl, ...]:
        return tuple(f for f in self.fields if f.direction == "out")


@_node
class PythonRef(_Node):
    """``python "module:function"``."""

    ref: str
    span: Span


@_node
class ToolDecl(_Node):
    """``tool NAME(params) -> type = python "module:function"``."""

    name: Ident
    params: tuple[Param, ...]
    returns: TypeExpr
    impl: PythonRef
    doc: str | None
    span: Span


@_node
class RetrieverDecl(_Node):
    """``retriever NAME = bm25 "corpus" { options }``, or ``python "module:function"``."""

    name: Ident
    kind: Ident  # "bm25" or "python"
    source: str  # corpus path (bm25) or "module:function" (python)
    options: Options
    span: Span
    source_span: Span | None = None  # the string literal of ``source``, for diagnostics


@_node
class ProgramDecl(_Node):
    """``program NAME(params) -> (outputs) { body }``."""

    name: Ident
    params: tuple[Param, ...]
    outputs: tuple[Param, ...]  # defaults are always None here
    body: tuple[Stmt, ...]
    span: Span

    @property
    def modules(self) -> tuple[ModuleDecl, ...]:
        """Module declarations anywhere in the body, in source order."""
        return tuple(n for n in statements(self.body) if isinstance(n, ModuleDecl))


@_node
class BuiltinMetric(_Node):
    """``exact_match(field)``, ``f1(field)``, ``contains(field)``, ``judge(Sig, lm: NAME)``."""

    func: Ident
    args: tuple[Ident, ...]
    options: Options
    span: Span


MetricExpr = BuiltinMetric | PythonRef


@_node
class MetricDecl(_Node):
    """``metric NAME = expr``: a built-in metric or a Python function."""

    name: Ident
    expr: MetricExpr
    span: Span


@_node
class DatasetDecl(_Node):
    """``dataset NAME = "path" { options }``."""

    name: Ident
    path: str
    options: Options
    span: Span
    path_span: Span | None = None  # the string literal of ``path``, for diagnostics


@_node
class OptimizeDecl(_Node):
    """``optimize PROGRAM { options }``: how ``lmc build`` optimizes a program."""

    program: Ident
    options: Options
    span: Span


@_node
class EvaluateDecl(_Node):
    """``evaluate PROGRAM { options }``: what ``lmc eval`` scores a program on."""

    program: Ident
    options: Options
    span: Span


Decl = (
    LmDecl
    | EnumDecl
    | TypeDecl
    | SignatureDecl
    | ToolDecl
    | RetrieverDecl
    | ProgramDecl
    | MetricDecl
    | DatasetDecl
    | OptimizeDecl
    | EvaluateDecl
)

# Declarations that bind a name in the file namespace, and the word for each.
DECL_KIND = {
    LmDecl: "lm",
    EnumDecl: "enum",
    TypeDecl: "type",
    SignatureDecl: "signature",
    ToolDecl: "tool",
    RetrieverDecl: "retriever",
    ProgramDecl: "program",
    MetricDecl: "metric",
    DatasetDecl: "dataset",
}


@_node
class SourceFile(_Node):
    """One ``.lmp`` file: its declarations in source order."""

    path: str  # as given on the command line (used in diagnostics)
    decls: tuple[Decl, ...]
    span: Span

    def named(self) -> dict[str, Decl]:
        """First declaration of each name (duplicates are a check's business)."""
        table: dict[str, Decl] = {}
        for d in self.decls:
            if type(d) in DECL_KIND:
                table.setdefault(d.name.name, d)  # type: ignore[union-attr]
        return table

    def of(self, kind: type) -> tuple:
        return tuple(d for d in self.decls if isinstance(d, kind))
