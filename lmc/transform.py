"""The Lark tree of a ``.lmp`` file to the frozen IR of ``lmc.ir``: nothing else.

``parse.py`` builds the tree (and has already reported every syntax error,
bad escape and broken string signature); this module only maps rules to IR
nodes and gives each node its exact ``Span``. It makes no semantic checks:
names, kinds, types and options are the business of ``lmc.checks``.

String literals are decoded here (``decode_string``); ``parse.py`` uses the
same function to report bad escapes, so a literal is read one way only. A bad
escape decodes to its own text, so building the IR never fails.

Two things are folded while building the IR, both documented in
``docs/language.md``: a minus sign before a number literal makes a negative
``Const`` (``-3``), and a signature field written without a type is ``str``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from lark import Token, Transformer_NonRecursive, Tree, v_args
from lark.tree import Meta

from . import ir
from .diagnostics import Span

# ------------------------------------------------------------ string literals

_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
ESCAPES_HELP = 'the escapes are \\" \\\\ \\n \\t and \\uXXXX'


@dataclass(frozen=True, slots=True)
class EscapeProblem:
    """A bad escape, as offsets into the literal's source text (quotes included)."""

    start: int
    end: int
    message: str


@dataclass(frozen=True, slots=True)
class StringLiteral:
    """A decoded string literal.

    ``decoded`` is the text between the quotes with escapes replaced;
    ``offsets[i]`` is where ``decoded[i]`` starts in the source text of the
    literal (quotes included), with one extra entry for the closing quote, so
    a position inside the string maps back to the file exactly.
    """

    decoded: str
    offsets: tuple[int, ...]
    problems: tuple[EscapeProblem, ...]
    triple: bool

    @property
    def value(self) -> str:
        """The string's value: ``\"\"\"...\"\"\"`` text is dedented like ``inspect.cleandoc``."""
        return inspect.cleandoc(self.decoded) if self.triple else self.decoded


def _hex4(raw: str, at: int) -> int | None:
    digits = raw[at : at + 4]
    if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
        return int(digits, 16)
    return None


def decode_string(raw: str) -> StringLiteral:
    """Decode the source text of a ``STRING`` token (``"..."`` or ``\"\"\"...\"\"\"``)."""
    triple = raw.startswith('"""') and len(raw) >= 6
    quote = 3 if triple else 1
    end = len(raw) - quote
    chars: list[str] = []
    offsets: list[int] = []
    problems: list[EscapeProblem] = []

    def emit(text: str, at: int) -> None:
        """Append ``text``, which stands at source offset ``at`` (and on, for source text kept as is)."""
        for k, char in enumerate(text):
            chars.append(char)
            offsets.append(at + k if len(text) > 1 else at)

    i = quote
    while i < end:
        c = raw[i]
        if c == "\r" and raw.startswith("\n", i + 1):
            i += 1  # a line break in a triple-quoted string is "\n", whatever the file uses
        elif c != "\\":
            emit(c, i)
            i += 1
        elif raw[i + 1 : i + 2] in _SIMPLE_ESCAPES:
            emit(_SIMPLE_ESCAPES[raw[i + 1]], i)
            i += 2
        elif raw.startswith("u", i + 1):
            i += _decode_unicode(raw, i, end, emit, problems)
        else:
            bad = raw[i : min(i + 2, end)]
            shown = bad[1:] if bad[1:].isprintable() else repr(bad[1:])
            problems.append(EscapeProblem(i, i + len(bad), f"unknown escape `\\{shown}`"))
            emit(bad, i)
            i += len(bad)
    offsets.append(end)
    return StringLiteral("".join(chars), tuple(offsets), tuple(problems), triple)


def _decode_unicode(raw: str, i: int, end: int, emit: Callable[[str, int], None], problems: list[EscapeProblem]) -> int:
    """Decode the ``\\uXXXX`` escape (or surrogate pair) at ``i``; return its length."""
    code = _hex4(raw, i + 2)
    if code is None:
        problems.append(EscapeProblem(i, min(i + 6, end), "`\\u` must be followed by four hex digits"))
        emit(raw[i : i + 2], i)
        return 2
    if 0xD800 <= code <= 0xDBFF and raw.startswith("\\u", i + 6):
        low = _hex4(raw, i + 8)
        if low is not None and 0xDC00 <= low <= 0xDFFF:
            emit(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), i)
            return 12
    if 0xD800 <= code <= 0xDFFF:
        problems.append(EscapeProblem(i, i + 6, f"`{raw[i : i + 6]}` is half of a surrogate pair"))
        emit(raw[i : i + 6], i)
    else:
        emit(chr(code), i)
    return 6


def string_value(token: Token) -> str:
    return decode_string(str(token)).value


# ------------------------------------------------------------------ the tree

_NUMBER_TYPES = (int, float)


def _number(text: str) -> int | float:
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


@v_args(inline=True, meta=True)
class ToIR(Transformer_NonRecursive):
    """Builds IR nodes bottom-up; one method per rule or alias of ``lmp.lark``.

    Non-recursive, so deeply nested expressions cannot exhaust Python's stack.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    # ----------------------------------------------------------- helpers
    def _span(self, meta: Meta) -> Span:
        return Span(self.path, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)

    def _end(self, meta: Meta, back: int = 0) -> Span:
        """A zero-width span at the end of ``meta`` (``back`` columns before it)."""
        col = meta.end_column - back
        return Span(self.path, meta.end_line, col, meta.end_line, col)

    def _ident(self, tok: Token) -> ir.Ident:
        return ir.Ident(name=str(tok), span=self._tspan(tok))

    def _options(self, entries: tuple[ir.OptionEntry, ...], empty_at: Span) -> ir.Options:
        """Options written without braces (module and metric arguments)."""
        if not entries:
            return ir.Options(entries=(), span=empty_at)
        first, last = entries[0].span, entries[-1].span
        return ir.Options(
            entries=entries,
            span=Span(self.path, first.line, first.col, last.end_line, last.end_col),
        )

    def _no_options(self, meta: Meta) -> ir.Options:
        return ir.Options(entries=(), span=self._end(meta))

    # ------------------------------------------------------ declarations
    def file(self, meta: Meta, *decls: ir.Decl) -> tuple[ir.Decl, ...]:
        return decls

    def lm_decl(self, meta: Meta, name: Token, model: Token, options: ir.Options | None) -> ir.LmDecl:
        return ir.LmDecl(
            name=self._ident(name),
            model=string_value(model),
            options=options if options is not None else self._no_options(meta),
            span=self._span(meta),
        )

    def enum_decl(self, meta: Meta, name: Token, doc: Token | None, *members: Token) -> ir.EnumDecl:
        return ir.EnumDecl(
            name=self._ident(name),
            doc=string_value(doc) if doc is not None else None,
            members=tuple(self._ident(m) for m in members),
            span=self._span(meta),
        )

    def type_decl(self, meta: Meta, name: Token, doc: Token | None, *fields: ir.FieldDecl) -> ir.TypeDecl:
        return ir.TypeDecl(
            name=self._ident(name),
            doc=string_value(doc) if doc is not None else None,
            fields=fields,
            span=self._span(meta),
        )

    def record_field(self, meta: Meta, name: Token, type_: ir.TypeExpr, desc: Token | None) -> ir.FieldDecl:
        return ir.FieldDecl(
            name=self._ident(name),
            type=type_,
            desc=string_value(desc) if desc is not None else None,
            direction=None,
            span=self._span(meta),
        )

    def signature_block(self, meta: Meta, name: Token, doc: Token | None, *fields: ir.FieldDecl) -> ir.SignatureDecl:
        return ir.SignatureDecl(
            name=self._ident(name),
            instructions=string_value(doc) if doc is not None else None,
            fields=fields,
            from_string=False,
            span=self._span(meta),
        )

    def sig_field(
        self, meta: Meta, direction: Token, name: Token, type_: ir.TypeExpr | None, desc: Token | None
    ) -> ir.FieldDecl:
        ident = self._ident(name)
        return ir.FieldDecl(
            name=ident,
            type=type_ if type_ is not None else _implicit_str(ident),
            desc=string_value(desc) if desc is not None else None,
            direction=str(direction),
            span=self._span(meta),
        )

    def signature_string(
        self, meta: Meta, name: Token, fields: tuple[ir.FieldDecl, ...], doc: Token | None
    ) -> ir.SignatureDecl:
        return ir.SignatureDecl(
            name=self._ident(name),
            instructions=string_value(doc) if doc is not None else None,
            fields=fields,
            from_string=True,
            span=self._span(meta),
        )

    def sig_string(
        self, meta: Meta, inputs: tuple[tuple[ir.Ident, ir.TypeExpr, Span], ...], outputs: tuple
    ) -> tuple[ir.FieldDecl, ...]:
        return tuple(
            ir.FieldDecl(name=ident, type=type_, desc=None, direction=direction, span=span)
            for direction, side in (("in", inputs), ("out", outputs))
            for ident, type_, span in side
        )

    def sig_fields(self, meta: Meta, *fields: tuple) -> tuple:
        return fields

    def sig_string_field(
        self, meta: Meta, name: Token, type_: ir.TypeExpr | None
    ) -> tuple[ir.Ident, ir.TypeExpr, Span]:
        ident = self._ident(name)
        return ident, (type_ if type_ is not None else _implicit_str(ident)), self._span(meta)

    def tool_decl(
        self,
        meta: Meta,
        name: Token,
        params: tuple[ir.Param, ...],
        returns: ir.TypeExpr,
        impl: ir.PythonRef,
        doc: Token | None,
    ) -> ir.ToolDecl:
        return ir.ToolDecl(
            name=self._ident(name),
            params=params,
            returns=returns,
            impl=impl,
            doc=string_value(doc) if doc is not None else None,
            span=self._span(meta),
        )

    def python_ref(self, meta: Meta, _keyword: Token, ref: Token) -> ir.PythonRef:
        return ir.PythonRef(ref=string_value(ref), span=self._span(meta))

    def retriever_decl(
        self, meta: Meta, name: Token, kind: Token, source: Token, options: ir.Options | None
    ) -> ir.RetrieverDecl:
        return ir.RetrieverDecl(
            name=self._ident(name),
            kind=self._ident(kind),
            source=string_value(source),
            options=options if options is not None else self._no_options(meta),
            span=self._span(meta),
            source_span=self._tspan(source),
        )

    def program_decl(
        self,
        meta: Meta,
        name: Token,
        params: tuple[ir.Param, ...],
        outputs: tuple[ir.Param, ...],
        body: tuple[ir.Stmt, ...],
    ) -> ir.ProgramDecl:
        return ir.ProgramDecl(name=self._ident(name), params=params, outputs=outputs, body=body, span=self._span(meta))

    def params(self, meta: Meta, *params: ir.Param) -> tuple[ir.Param, ...]:
        return params

    def param(self, meta: Meta, name: Token, type_: ir.TypeExpr, default: ir.Const | None) -> ir.Param:
        return ir.Param(name=self._ident(name), type=type_, default=default, span=self._span(meta))

    def outputs(self, meta: Meta, *outputs: ir.Param) -> tuple[ir.Param, ...]:
        return outputs

    def output(self, meta: Meta, name: Token, type_: ir.TypeExpr) -> ir.Param:
        return ir.Param(name=self._ident(name), type=type_, default=None, span=self._span(meta))

    def metric_decl(self, meta: Meta, name: Token, expr: ir.MetricExpr) -> ir.MetricDecl:
        return ir.MetricDecl(name=self._ident(name), expr=expr, span=self._span(meta))

    def builtin_metric(
        self, meta: Meta, func: Token, args: tuple[tuple[ir.Ident, ...], tuple[ir.OptionEntry, ...]]
    ) -> ir.BuiltinMetric:
        names, entries = args
        return ir.BuiltinMetric(
            func=self._ident(func),
            args=names,
            options=self._options(entries, empty_at=self._end(meta, back=1)),
            span=self._span(meta),
        )

    def metric_args(
        self, meta: Meta, *items: Token | ir.OptionEntry
    ) -> tuple[tuple[ir.Ident, ...], tuple[ir.OptionEntry, ...]]:
        names = tuple(self._ident(i) for i in items if isinstance(i, Token))
        entries = tuple(i for i in items if isinstance(i, ir.OptionEntry))
        return names, entries

    def dataset_decl(self, meta: Meta, name: Token, path: Token, options: ir.Options | None) -> ir.DatasetDecl:
        return ir.DatasetDecl(
            name=self._ident(name),
            path=string_value(path),
            options=options if options is not None else self._no_options(meta),
            span=self._span(meta),
            path_span=self._tspan(path),
        )

    def optimize_decl(self, meta: Meta, program: Token, options: ir.Options) -> ir.OptimizeDecl:
        return ir.OptimizeDecl(program=self._ident(program), options=options, span=self._span(meta))

    def evaluate_decl(self, meta: Meta, program: Token, options: ir.Options) -> ir.EvaluateDecl:
        return ir.EvaluateDecl(program=self._ident(program), options=options, span=self._span(meta))

    # ------------------------------------------------------------- types
    def named_type(self, meta: Meta, name: Token) -> ir.NamedType:
        return ir.NamedType(name=self._ident(name), span=self._span(meta))

    def list_type(self, meta: Meta, item: ir.TypeExpr) -> ir.ListType:
        return ir.ListType(item=item, span=self._span(meta))

    def dict_type(self, meta: Meta, key: ir.TypeExpr, value: ir.TypeExpr) -> ir.DictType:
        return ir.DictType(key=key, value=value, span=self._span(meta))

    def optional_type(self, meta: Meta, inner: ir.TypeExpr) -> ir.OptionalType:
        return ir.OptionalType(inner=inner, span=self._span(meta))

    def literal_type(self, meta: Meta, *values: Token) -> ir.LiteralType:
        return ir.LiteralType(values=tuple(string_value(v) for v in values), span=self._span(meta))

    # ---------------------------------------------------- options, values
    def options(self, meta: Meta, *entries: ir.OptionEntry) -> ir.Options:
        return ir.Options(entries=entries, span=self._span(meta))

    def option_entry(self, meta: Meta, key: ir.Ident, value: ir.Value) -> ir.OptionEntry:
        return ir.OptionEntry(key=key, value=value, span=self._span(meta))

    def key(self, meta: Meta, tok: Token) -> ir.Ident:
        return self._ident(tok)

    def list_value(self, meta: Meta, *items: ir.Value) -> ir.ListValue:
        return ir.ListValue(items=items, span=self._span(meta))

    def name_value(self, meta: Meta, name: Token) -> ir.NameValue:
        return ir.NameValue(name=self._ident(name), span=self._span(meta))

    def call_value(self, meta: Meta, name: Token, options: ir.Options) -> ir.CallValue:
        return ir.CallValue(name=self._ident(name), options=options, span=self._span(meta))

    def string(self, meta: Meta, tok: Token) -> ir.Const:
        return ir.Const(value=string_value(tok), span=self._span(meta))

    def number(self, meta: Meta, tok: Token) -> ir.Const:
        return ir.Const(value=_number(str(tok)), span=self._span(meta))

    def negative_number(self, meta: Meta, tok: Token) -> ir.Const:
        return ir.Const(value=-_number(str(tok)), span=self._span(meta))

    def true(self, meta: Meta) -> ir.Const:
        return ir.Const(value=True, span=self._span(meta))

    def false(self, meta: Meta) -> ir.Const:
        return ir.Const(value=False, span=self._span(meta))

    def none(self, meta: Meta) -> ir.Const:
        return ir.Const(value=None, span=self._span(meta))

    # -------------------------------------------------------- statements
    def block(self, meta: Meta, *stmts: ir.Stmt) -> tuple[ir.Stmt, ...]:
        return stmts

    def module_stmt(
        self, meta: Meta, name: Token, kind: Token, signature: Token, *entries: ir.OptionEntry
    ) -> ir.ModuleDecl:
        return ir.ModuleDecl(
            name=self._ident(name),
            kind=self._ident(kind),
            signature=self._ident(signature),
            options=self._options(entries, empty_at=self._end(meta, back=1)),
            span=self._span(meta),
        )

    def assign(self, meta: Meta, target: Token, value: ir.Expr) -> ir.Assign:
        return ir.Assign(target=self._ident(target), value=value, span=self._span(meta))

    def repeat_stmt(self, meta: Meta, count: ir.Expr, body: tuple[ir.Stmt, ...]) -> ir.Repeat:
        return ir.Repeat(count=count, body=body, span=self._span(meta))

    def for_stmt(self, meta: Meta, var: Token, iterable: ir.Expr, body: tuple[ir.Stmt, ...]) -> ir.For:
        return ir.For(var=self._ident(var), iterable=iterable, body=body, span=self._span(meta))

    def if_stmt(
        self, meta: Meta, cond: ir.Expr, then: tuple[ir.Stmt, ...], orelse: tuple[ir.Stmt, ...] | ir.If | None
    ) -> ir.If:
        if orelse is None:
            orelse = ()
        elif isinstance(orelse, ir.If):
            orelse = (orelse,)
        return ir.If(cond=cond, then=then, orelse=orelse, span=self._span(meta))

    def return_stmt(self, meta: Meta, value: ir.Expr) -> ir.Return:
        return ir.Return(value=value, span=self._span(meta))

    def expr_stmt(self, meta: Meta, value: ir.Expr) -> ir.ExprStmt:
        return ir.ExprStmt(value=value, span=self._span(meta))

    # ------------------------------------------------------- expressions
    def _binary(self, meta: Meta, op: str, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return ir.BinOp(op=op, left=left, right=right, span=self._span(meta))

    def or_op(self, meta: Meta, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return self._binary(meta, "or", left, right)

    def and_op(self, meta: Meta, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return self._binary(meta, "and", left, right)

    def compare(self, meta: Meta, left: ir.Expr, op: Token, right: ir.Expr) -> ir.BinOp:
        return self._binary(meta, str(op), left, right)

    def add_op(self, meta: Meta, left: ir.Expr, op: Token, right: ir.Expr) -> ir.BinOp:
        return self._binary(meta, str(op), left, right)

    def not_op(self, meta: Meta, operand: ir.Expr) -> ir.UnaryOp:
        return ir.UnaryOp(op="not", operand=operand, span=self._span(meta))

    def negate(self, meta: Meta, operand: ir.Expr) -> ir.Expr:
        if isinstance(operand, ir.Const) and type(operand.value) in _NUMBER_TYPES:
            return ir.Const(value=-operand.value, span=self._span(meta))  # type: ignore[operator]
        return ir.UnaryOp(op="-", operand=operand, span=self._span(meta))

    def attr(self, meta: Meta, obj: ir.Expr, name: Token) -> ir.Attr:
        return ir.Attr(obj=obj, attr=self._ident(name), span=self._span(meta))

    def name(self, meta: Meta, tok: Token) -> ir.Name:
        return ir.Name(ident=self._ident(tok), span=self._span(meta))

    def call(self, meta: Meta, func: Token, args: tuple[tuple[ir.Expr, ...], tuple[ir.KwArg, ...]] | None) -> ir.Call:
        positional, keywords = args if args is not None else ((), ())
        return ir.Call(func=self._ident(func), args=positional, kwargs=keywords, span=self._span(meta))

    def args(self, meta: Meta, *items: ir.Expr | ir.KwArg) -> tuple[tuple[ir.Expr, ...], tuple[ir.KwArg, ...]]:
        positional = tuple(i for i in items if not isinstance(i, ir.KwArg))
        keywords = tuple(i for i in items if isinstance(i, ir.KwArg))
        return positional, keywords

    def kwarg(self, meta: Meta, name: Token, value: ir.Expr) -> ir.KwArg:
        return ir.KwArg(name=self._ident(name), value=value, span=self._span(meta))

    def list_expr(self, meta: Meta, *items: ir.Expr) -> ir.ListExpr:
        return ir.ListExpr(items=items, span=self._span(meta))

    def record_expr(self, meta: Meta, *items: tuple[ir.Ident, ir.Expr]) -> ir.RecordExpr:
        return ir.RecordExpr(fields=items, span=self._span(meta))

    def record_item(self, meta: Meta, name: Token, value: ir.Expr) -> tuple[ir.Ident, ir.Expr]:
        return self._ident(name), value


def _implicit_str(name: ir.Ident) -> ir.NamedType:
    """The type of a signature field written without one: ``str``, spanning the field's name."""
    return ir.NamedType(name=ir.Ident(name="str", span=name.span), span=name.span)


def to_ir(tree: Tree, path: str, text: str) -> ir.SourceFile:
    """The ``SourceFile`` of a parsed ``file`` tree; ``text`` gives the file's span."""
    decls = ToIR(path).transform(tree)
    lines = text.split("\n")
    span = Span(path, 1, 1, len(lines), len(lines[-1]) + 1)
    return ir.SourceFile(path=path, decls=tuple(decls), span=span)
