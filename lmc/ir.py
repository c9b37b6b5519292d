"""The frozen IR of a ``.lmp`` file.

``transform.py`` builds it as the parser reduces and does nothing else; checks
read it; codegen renders it. Every node carries a ``span`` (see
``diagnostics.Span`` for the convention). Sequences are tuples, so every node is
hashable and immutable; use ``dataclasses.replace`` to derive a changed copy.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Span

_node = dataclass(frozen=True, slots=True, kw_only=True)


@_node
class Ident:
    """A name as written at one place in the source."""

    name: str
    span: Span


# --------------------------------------------------------------------- types


@_node
class NamedType:
    """``str``, ``int``, ``float``, ``bool``, or an ``enum`` / ``type`` name."""

    name: Ident
    span: Span


@_node
class ListType:
    item: TypeExpr
    span: Span


@_node
class DictType:
    key: TypeExpr
    value: TypeExpr
    span: Span


@_node
class OptionalType:
    inner: TypeExpr
    span: Span


@_node
class LiteralType:
    """A literal union: ``"yes" | "no"``."""

    values: tuple[str, ...]
    span: Span


TypeExpr = NamedType | ListType | DictType | OptionalType | LiteralType

BUILTIN_SCALARS = ("str", "int", "float", "bool")

# ------------------------------------------------------------ option values


@_node
class Const:
    """A literal: str, int, float, bool or None."""

    value: str | int | float | bool | None
    span: Span


@_node
class ListValue:
    items: tuple[Value, ...]
    span: Span


@_node
class NameValue:
    """A bare name in an option block (``metric: accuracy``)."""

    name: Ident
    span: Span


@_node
class OptionEntry:
    key: Ident
    value: Value
    span: Span


@_node
class Options:
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
class CallValue:
    """A name followed by an option block: ``BootstrapFewShot { max_labeled_demos: 4 }``."""

    name: Ident
    options: Options
    span: Span


Value = Const | ListValue | NameValue | Options | CallValue

# ------------------------------------------------------------ expressions


@_node
class Name:
    ident: Ident
    span: Span


@_node
class ListExpr:
    items: tuple[Expr, ...]
    span: Span


@_node
class RecordExpr:
    """``{ field: expr, ... }`` (a program's return value)."""

    fields: tuple[tuple[Ident, Expr], ...]
    span: Span


@_node
class Attr:
    obj: Expr
    attr: Ident
    span: Span


@_node
class KwArg:
    name: Ident
    value: Expr
    span: Span


@_node
class Call:
    """A call to a module, tool, retriever, program or built-in."""

    func: Ident
    args: tuple[Expr, ...]
    kwargs: tuple[KwArg, ...]
    span: Span


@_node
class BinOp:
    op: str  # "+", "==", "!=", "<", ">", "<=", ">=", "and", "or"
    left: Expr
    right: Expr
    span: Span


@_node
class UnaryOp:
    op: str  # "not", "-"
    operand: Expr
    span: Span


Expr = Name | Const | ListExpr | RecordExpr | Attr | Call | BinOp | UnaryOp

# ------------------------------------------------------------- statements


@_node
class ModuleDecl:
    """``module NAME = Kind(Signature, key: value, ...)`` inside a program."""

    name: Ident
    kind: Ident  # Predict, ChainOfThought, ...
    signature: Ident
    options: Options
    span: Span


@_node
class Assign:
    target: Ident
    value: Expr
    span: Span


@_node
class Repeat:
    count: Expr
    body: tuple[Stmt, ...]
    span: Span


@_node
class For:
    var: Ident
    iterable: Expr
    body: tuple[Stmt, ...]
    span: Span


@_node
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]  # empty when there is no else; an `else if` nests an If
    span: Span


@_node
class Return:
    value: Expr
    span: Span


@_node
class ExprStmt:
    value: Expr
    span: Span


Stmt = ModuleDecl | Assign | Repeat | For | If | Return | ExprStmt

# ------------------------------------------------------------ declarations


@_node
class FieldDecl:
    """A field of a ``type`` record or of a signature (``direction`` "in"/"out")."""

    name: Ident
    type: TypeExpr
    desc: str | None
    direction: str | None  # "in", "out", or None in a record type
    span: Span


@_node
class Param:
    """A program or tool parameter: ``name: type [= default]``."""

    name: Ident
    type: TypeExpr
    default: Const | None
    span: Span


@_node
class LmDecl:
    name: Ident
    model: str
    options: Options
    span: Span


@_node
class EnumDecl:
    name: Ident
    doc: str | None  # the docstring, cleandoc-dedented: the emitted enum's docstring
    members: tuple[Ident, ...]
    span: Span


@_node
class TypeDecl:
    name: Ident
    doc: str | None  # the docstring: the emitted model's docstring, and its schema's description
    fields: tuple[FieldDecl, ...]
    span: Span


@_node
class SignatureDecl:
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
class PythonRef:
    """``python "module:function"``."""

    ref: str
    span: Span


@_node
class ToolDecl:
    name: Ident
    params: tuple[Param, ...]
    returns: TypeExpr
    impl: PythonRef
    doc: str | None
    span: Span


@_node
class RetrieverDecl:
    name: Ident
    kind: Ident  # "bm25" or "python"
    source: str  # corpus path (bm25) or "module:function" (python)
    options: Options
    span: Span
    source_span: Span | None = None  # the string literal of ``source``, for diagnostics


@_node
class ProgramDecl:
    name: Ident
    params: tuple[Param, ...]
    outputs: tuple[Param, ...]  # defaults are always None here
    body: tuple[Stmt, ...]
    span: Span

    @property
    def modules(self) -> tuple[ModuleDecl, ...]:
        """Module declarations anywhere in the body, in source order."""
        found: list[ModuleDecl] = []

        def walk(stmts: tuple[Stmt, ...]) -> None:
            for s in stmts:
                if isinstance(s, ModuleDecl):
                    found.append(s)
                elif isinstance(s, (Repeat, For)):
                    walk(s.body)
                elif isinstance(s, If):
                    walk(s.then)
                    walk(s.orelse)

        walk(self.body)
        return tuple(found)


@_node
class BuiltinMetric:
    """``exact_match(field)``, ``f1(field)``, ``contains(field)``, ``judge(Sig, lm: NAME)``."""

    func: Ident
    args: tuple[Ident, ...]
    options: Options
    span: Span


MetricExpr = BuiltinMetric | PythonRef


@_node
class MetricDecl:
    name: Ident
    expr: MetricExpr
    span: Span


@_node
class DatasetDecl:
    name: Ident
    path: str
    options: Options
    span: Span
    path_span: Span | None = None  # the string literal of ``path``, for diagnostics


@_node
class OptimizeDecl:
    program: Ident
    options: Options
    span: Span


@_node
class EvaluateDecl:
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
class SourceFile:
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
