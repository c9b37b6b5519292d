"""The IR of a ``.lmp`` file, built by the LALR parser's reductions: nothing else.

``reader.py`` runs the LALR parser with the callbacks of ``reducers``:
each reduction of a grammar rule calls the ``ToIR`` method of the rule (or of
its alias) with the rule's extent and its children, so the IR is built in the
same pass as the parse, with no parse tree in between. This module only maps
rules to IR nodes and gives each node its exact ``Span``. It makes no semantic
checks: names, kinds, types and options are the business of ``lmc.checks``.

Spans follow Lark's ``propagate_positions``: a node runs from the start of
its first token to the end of its last one, the tokens the tree leaves out
(keywords, brackets, separators) included, and a ``?rule`` that hands its one
child up (``"(" expr ")"``) keeps the child's span while its parent counts
the brackets.

String literals are decoded by ``strings.decode_string``, which ``parse.py``
also uses to report bad escapes, so a literal is read one way only.

Two things are folded while building the IR, both documented in
``docs/language.md``: a minus sign before a number literal makes a negative
``Const`` (``-3``), and a signature field written without a type is ``str``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from ..diagnostics.core import Span
from ..ir import nodes as ir
from .strings import string_value
from .tables import RuleShape
from .tokens import Token

# (line, col, end_line, end_col) of a rule's text, None for a rule that matched nothing.
Extent = tuple[int, int, int, int]

# ------------------------------------------------------------------ the tree


def _number(text: str) -> int | float:
    """The literal's value; one too large to read is infinity, which ``checks/numbers.py`` reports (E011)."""
    if any(c in text for c in ".eE"):
        return float(text)  # 1e999 overflows to inf
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (4,300)
        return math.inf


class ToIR:
    """Builds IR nodes bottom-up; one method per rule or alias of ``lmp.lark``.

    Each method takes the rule's extent, then its children: tokens, the IR
    of sub-rules, and ``None`` for an optional item that is absent.
    ``string_signature`` reads the text of ``signature X = "a -> b"`` into
    its fields (``parse.py`` parses it, with spans inside the literal).
    """

    def __init__(self, path: str, string_signature: Callable[[Token], tuple[ir.FieldDecl, ...]]) -> None:
        self.path = path
        self.string_signature = string_signature

    # ----------------------------------------------------------- helpers
    def _span(self, m: Extent) -> Span:
        return Span(self.path, m[0], m[1], m[2], m[3])

    def _tspan(self, tok: Token) -> Span:
        return Span(self.path, tok.line, tok.column, tok.end_line, tok.end_column)

    def _end(self, m: Extent, back: int = 0) -> Span:
        """A zero-width span at the end of ``m`` (``back`` columns before it)."""
        col = m[3] - back
        return Span(self.path, m[2], col, m[2], col)

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

    def _no_options(self, m: Extent) -> ir.Options:
        return ir.Options(entries=(), span=self._end(m))

    # ------------------------------------------------------ declarations
    def file(self, m: Extent, *decls: ir.Decl) -> tuple[ir.Decl, ...]:
        return decls

    def lm_decl(self, m: Extent, name: Token, model: Token, options: ir.Options | None) -> ir.LmDecl:
        return ir.LmDecl(
            name=self._ident(name),
            model=string_value(model),
            options=options if options is not None else self._no_options(m),
            span=self._span(m),
        )

    def enum_decl(self, m: Extent, name: Token, doc: Token | None, *members: Token) -> ir.EnumDecl:
        return ir.EnumDecl(
            name=self._ident(name),
            doc=string_value(doc) if doc is not None else None,
            members=tuple(self._ident(m) for m in members),
            span=self._span(m),
        )

    def type_decl(self, m: Extent, name: Token, doc: Token | None, *fields: ir.FieldDecl) -> ir.TypeDecl:
        return ir.TypeDecl(
            name=self._ident(name),
            doc=string_value(doc) if doc is not None else None,
            fields=fields,
            span=self._span(m),
        )

    def record_field(self, m: Extent, name: Token, type_: ir.TypeExpr, desc: Token | None) -> ir.FieldDecl:
        return ir.FieldDecl(
            name=self._ident(name),
            type=type_,
            desc=string_value(desc) if desc is not None else None,
            direction=None,
            span=self._span(m),
        )

    def signature_block(self, m: Extent, name: Token, doc: Token | None, *fields: ir.FieldDecl) -> ir.SignatureDecl:
        return ir.SignatureDecl(
            name=self._ident(name),
            instructions=string_value(doc) if doc is not None else None,
            fields=fields,
            from_string=False,
            span=self._span(m),
        )

    def sig_field(
        self, m: Extent, direction: Token, name: Token, type_: ir.TypeExpr | None, desc: Token | None
    ) -> ir.FieldDecl:
        ident = self._ident(name)
        return ir.FieldDecl(
            name=ident,
            type=type_ if type_ is not None else _implicit_str(ident),
            desc=string_value(desc) if desc is not None else None,
            direction=str(direction),
            span=self._span(m),
        )

    def signature_string(self, m: Extent, name: Token, literal: Token, doc: Token | None) -> ir.SignatureDecl:
        return ir.SignatureDecl(
            name=self._ident(name),
            instructions=string_value(doc) if doc is not None else None,
            fields=self.string_signature(literal),
            from_string=True,
            span=self._span(m),
        )

    def sig_string(
        self, m: Extent, inputs: tuple[tuple[ir.Ident, ir.TypeExpr, Span], ...], outputs: tuple
    ) -> tuple[ir.FieldDecl, ...]:
        return tuple(
            ir.FieldDecl(name=ident, type=type_, desc=None, direction=direction, span=span)
            for direction, side in (("in", inputs), ("out", outputs))
            for ident, type_, span in side
        )

    def sig_fields(self, m: Extent, *fields: tuple) -> tuple:
        return fields

    def sig_string_field(self, m: Extent, name: Token, type_: ir.TypeExpr | None) -> tuple[ir.Ident, ir.TypeExpr, Span]:
        ident = self._ident(name)
        return ident, (type_ if type_ is not None else _implicit_str(ident)), self._span(m)

    def tool_decl(
        self,
        m: Extent,
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
            span=self._span(m),
        )

    def python_ref(self, m: Extent, _keyword: Token, ref: Token) -> ir.PythonRef:
        return ir.PythonRef(ref=string_value(ref), span=self._span(m))

    def retriever_decl(
        self, m: Extent, name: Token, kind: Token, source: Token, options: ir.Options | None
    ) -> ir.RetrieverDecl:
        return ir.RetrieverDecl(
            name=self._ident(name),
            kind=self._ident(kind),
            source=string_value(source),
            options=options if options is not None else self._no_options(m),
            span=self._span(m),
            source_span=self._tspan(source),
        )

    def program_decl(
        self,
        m: Extent,
        name: Token,
        params: tuple[ir.Param, ...],
        outputs: tuple[ir.Param, ...],
        body: tuple[ir.Stmt, ...],
    ) -> ir.ProgramDecl:
        return ir.ProgramDecl(name=self._ident(name), params=params, outputs=outputs, body=body, span=self._span(m))

    def params(self, m: Extent, *params: ir.Param) -> tuple[ir.Param, ...]:
        return params

    def param(self, m: Extent, name: Token, type_: ir.TypeExpr, default: ir.Const | None) -> ir.Param:
        return ir.Param(name=self._ident(name), type=type_, default=default, span=self._span(m))

    def outputs(self, m: Extent, *outputs: ir.Param) -> tuple[ir.Param, ...]:
        return outputs

    def output(self, m: Extent, name: Token, type_: ir.TypeExpr) -> ir.Param:
        return ir.Param(name=self._ident(name), type=type_, default=None, span=self._span(m))

    def metric_decl(self, m: Extent, name: Token, expr: ir.MetricExpr) -> ir.MetricDecl:
        return ir.MetricDecl(name=self._ident(name), expr=expr, span=self._span(m))

    def builtin_metric(
        self, m: Extent, func: Token, args: tuple[tuple[ir.Ident, ...], tuple[ir.OptionEntry, ...]]
    ) -> ir.BuiltinMetric:
        names, entries = args
        return ir.BuiltinMetric(
            func=self._ident(func),
            args=names,
            options=self._options(entries, empty_at=self._end(m, back=1)),
            span=self._span(m),
        )

    def metric_args(
        self, m: Extent, *items: Token | ir.OptionEntry
    ) -> tuple[tuple[ir.Ident, ...], tuple[ir.OptionEntry, ...]]:
        names = tuple(self._ident(i) for i in items if isinstance(i, Token))
        entries = tuple(i for i in items if isinstance(i, ir.OptionEntry))
        return names, entries

    def dataset_decl(self, m: Extent, name: Token, path: Token, options: ir.Options | None) -> ir.DatasetDecl:
        return ir.DatasetDecl(
            name=self._ident(name),
            path=string_value(path),
            options=options if options is not None else self._no_options(m),
            span=self._span(m),
            path_span=self._tspan(path),
        )

    def optimize_decl(self, m: Extent, program: Token, options: ir.Options) -> ir.OptimizeDecl:
        return ir.OptimizeDecl(program=self._ident(program), options=options, span=self._span(m))

    def evaluate_decl(self, m: Extent, program: Token, options: ir.Options) -> ir.EvaluateDecl:
        return ir.EvaluateDecl(program=self._ident(program), options=options, span=self._span(m))

    # ------------------------------------------------------------- types
    def named_type(self, m: Extent, name: Token) -> ir.NamedType:
        return ir.NamedType(name=self._ident(name), span=self._span(m))

    def list_type(self, m: Extent, item: ir.TypeExpr) -> ir.ListType:
        return ir.ListType(item=item, span=self._span(m))

    def dict_type(self, m: Extent, key: ir.TypeExpr, value: ir.TypeExpr) -> ir.DictType:
        return ir.DictType(key=key, value=value, span=self._span(m))

    def optional_type(self, m: Extent, inner: ir.TypeExpr) -> ir.OptionalType:
        return ir.OptionalType(inner=inner, span=self._span(m))

    def literal_type(self, m: Extent, *values: Token) -> ir.LiteralType:
        return ir.LiteralType(values=tuple(string_value(v) for v in values), span=self._span(m))

    # ---------------------------------------------------- options, values
    def options(self, m: Extent, *entries: ir.OptionEntry) -> ir.Options:
        return ir.Options(entries=entries, span=self._span(m))

    def option_entry(self, m: Extent, key: ir.Ident, value: ir.Value) -> ir.OptionEntry:
        return ir.OptionEntry(key=key, value=value, span=self._span(m))

    def key(self, m: Extent, tok: Token) -> ir.Ident:
        return self._ident(tok)

    def list_value(self, m: Extent, *items: ir.Value) -> ir.ListValue:
        return ir.ListValue(items=items, span=self._span(m))

    def name_value(self, m: Extent, name: Token) -> ir.NameValue:
        return ir.NameValue(name=self._ident(name), span=self._span(m))

    def call_value(self, m: Extent, name: Token, options: ir.Options) -> ir.CallValue:
        return ir.CallValue(name=self._ident(name), options=options, span=self._span(m))

    def string(self, m: Extent, tok: Token) -> ir.Const:
        return ir.Const(value=string_value(tok), span=self._span(m))

    def number(self, m: Extent, tok: Token) -> ir.Const:
        return ir.Const(value=_number(str(tok)), span=self._span(m))

    def negative_number(self, m: Extent, tok: Token) -> ir.Const:
        return ir.Const(value=-_number(str(tok)), span=self._span(m))

    def true(self, m: Extent) -> ir.Const:
        return ir.Const(value=True, span=self._span(m))

    def false(self, m: Extent) -> ir.Const:
        return ir.Const(value=False, span=self._span(m))

    def none(self, m: Extent) -> ir.Const:
        return ir.Const(value=None, span=self._span(m))

    # -------------------------------------------------------- statements
    def block(self, m: Extent, *stmts: ir.Stmt) -> tuple[ir.Stmt, ...]:
        return stmts

    def module_stmt(
        self, m: Extent, name: Token, kind: Token, signature: Token, *entries: ir.OptionEntry
    ) -> ir.ModuleDecl:
        return ir.ModuleDecl(
            name=self._ident(name),
            kind=self._ident(kind),
            signature=self._ident(signature),
            options=self._options(entries, empty_at=self._end(m, back=1)),
            span=self._span(m),
        )

    def assign(self, m: Extent, target: Token, value: ir.Expr) -> ir.Assign:
        return ir.Assign(target=self._ident(target), value=value, span=self._span(m))

    def repeat_stmt(self, m: Extent, count: ir.Expr, body: tuple[ir.Stmt, ...]) -> ir.Repeat:
        return ir.Repeat(count=count, body=body, span=self._span(m))

    def for_stmt(self, m: Extent, var: Token, iterable: ir.Expr, body: tuple[ir.Stmt, ...]) -> ir.For:
        return ir.For(var=self._ident(var), iterable=iterable, body=body, span=self._span(m))

    def if_stmt(
        self, m: Extent, cond: ir.Expr, then: tuple[ir.Stmt, ...], orelse: tuple[ir.Stmt, ...] | ir.If | None
    ) -> ir.If:
        if orelse is None:
            orelse = ()
        elif isinstance(orelse, ir.If):
            orelse = (orelse,)
        return ir.If(cond=cond, then=then, orelse=orelse, span=self._span(m))

    def return_stmt(self, m: Extent, value: ir.Expr) -> ir.Return:
        return ir.Return(value=value, span=self._span(m))

    def expr_stmt(self, m: Extent, value: ir.Expr) -> ir.ExprStmt:
        return ir.ExprStmt(value=value, span=self._span(m))

    # ------------------------------------------------------- expressions
    def _binary(self, m: Extent, op: str, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return ir.BinOp(op=op, left=left, right=right, span=self._span(m))

    def or_op(self, m: Extent, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return self._binary(m, "or", left, right)

    def and_op(self, m: Extent, left: ir.Expr, right: ir.Expr) -> ir.BinOp:
        return self._binary(m, "and", left, right)

    def compare(self, m: Extent, left: ir.Expr, op: Token, right: ir.Expr) -> ir.BinOp:
        return self._binary(m, str(op), left, right)

    def add_op(self, m: Extent, left: ir.Expr, op: Token, right: ir.Expr) -> ir.BinOp:
        return self._binary(m, str(op), left, right)

    def not_op(self, m: Extent, operand: ir.Expr) -> ir.UnaryOp:
        return ir.UnaryOp(op="not", operand=operand, span=self._span(m))

    def negate(self, m: Extent, operand: ir.Expr) -> ir.Expr:
        value = operand.value if isinstance(operand, ir.Const) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return ir.Const(value=-value, span=self._span(m))
        return ir.UnaryOp(op="-", operand=operand, span=self._span(m))

    def attr(self, m: Extent, obj: ir.Expr, name: Token) -> ir.Attr:
        return ir.Attr(obj=obj, attr=self._ident(name), span=self._span(m))

    def name(self, m: Extent, tok: Token) -> ir.Name:
        return ir.Name(ident=self._ident(tok), span=self._span(m))

    def call(self, m: Extent, func: Token, args: tuple[tuple[ir.Expr, ...], tuple[ir.KwArg, ...]] | None) -> ir.Call:
        positional, keywords = args if args is not None else ((), ())
        return ir.Call(func=self._ident(func), args=positional, kwargs=keywords, span=self._span(m))

    def args(self, m: Extent, *items: ir.Expr | ir.KwArg) -> tuple[tuple[ir.Expr, ...], tuple[ir.KwArg, ...]]:
        positional = tuple(i for i in items if not isinstance(i, ir.KwArg))
        keywords = tuple(i for i in items if isinstance(i, ir.KwArg))
        return positional, keywords

    def kwarg(self, m: Extent, name: Token, value: ir.Expr) -> ir.KwArg:
        return ir.KwArg(name=self._ident(name), value=value, span=self._span(m))

    def list_expr(self, m: Extent, *items: ir.Expr) -> ir.ListExpr:
        return ir.ListExpr(items=items, span=self._span(m))

    def record_expr(self, m: Extent, *items: tuple[ir.Ident, ir.Expr]) -> ir.RecordExpr:
        return ir.RecordExpr(fields=items, span=self._span(m))

    def record_item(self, m: Extent, name: Token, value: ir.Expr) -> tuple[ir.Ident, ir.Expr]:
        return self._ident(name), value


def _implicit_str(name: ir.Ident) -> ir.NamedType:
    """The type of a signature field written without one: ``str``, spanning the field's name."""
    return ir.NamedType(name=ir.Ident(name="str", span=name.span), span=name.span)


def source_file(decls: tuple[ir.Decl, ...], path: str, text: str) -> ir.SourceFile:
    """The ``SourceFile`` of a parsed file's declarations; ``text`` gives the file's span."""
    span = Span(path, 1, 1, text.count("\n") + 1, len(text) - text.rfind("\n"))
    return ir.SourceFile(path=path, decls=decls, span=span)


# ------------------------------------------------------------ the reductions

Reducer = Callable[[list[Any]], Any]


def reducers(rules: Iterable[RuleShape], builder: ToIR) -> list[tuple[Reducer | None, int, str]]:
    """LALR reductions that build the IR with ``builder``: per grammar rule, in order,
    its callback, how many stack items it takes and the rule it makes.

    The parser pushes tokens, and what a callback returns, on its value
    stack. A callback gets the stack items of its rule's expansion and
    returns ``(value, extent)``: the IR the ``ToIR`` method made, or for a
    rule whose name starts with ``_`` (inlined into its parent, like the
    ``(_decl _ends)*`` of ``file``) the list of its children. It shapes the
    children as Lark's tree builder does (``maybe_placeholders``): tokens
    the grammar filters out are dropped (``!rule`` keeps them), inlined
    rules are spliced in, and ``None`` stands for each absent ``[item]``.

    A rule that hands its one stack item up as it is (a ``?rule`` of one
    kept symbol, like each step of the expression precedence chain) has no
    callback (``None``): the parser leaves the item where it is.
    """
    return [(None if _hands_up(rule) else _reducer(rule, builder), len(rule.expansion), rule.origin) for rule in rules]


def _hands_up(rule: RuleShape) -> bool:
    """A ``?rule`` of one symbol that stays a child: its reduction's value is its stack item, unchanged.

    ``_reducer``'s callback would return the token itself, or the sub-rule's
    ``(value, extent)`` with the very same extent.
    """
    if not rule.expand1 or rule.aliased or len(rule.expansion) != 1 or any(rule.empty_indices):
        return False
    (sym,) = rule.expansion
    if sym.is_term:
        return rule.keep_all_tokens or not sym.filter_out
    return not sym.name.startswith("_") and not rule.name.startswith("_")


def _reducer(rule: RuleShape, builder: ToIR) -> Reducer:
    keep_all = rule.keep_all_tokens
    empty = rule.empty_indices
    nones = [0] * (len(rule.expansion) + 1)
    if empty:  # where the absent optional items stood: how many Nones go before each symbol
        nones = [len(ones) for ones in "".join(str(int(b)) for b in empty).split("0")]
    plan: list[tuple[int, bool, int]] = []  # (stack index, splice it in, Nones before it)
    pending = 0
    for i, sym in enumerate(rule.expansion):
        pending += nones[i]
        if keep_all or not (sym.is_term and sym.filter_out):
            plan.append((i, not sym.is_term and sym.name.startswith("_"), pending))
            pending = 0
    trailing = pending + nones[len(rule.expansion)]
    name = rule.name
    inlined = name.startswith("_")
    hand_up = rule.expand1 and not rule.aliased  # `?rule` with one child: the child itself
    method: Callable[..., Any] = getattr(builder, name, _no_method)  # a `?rule` of one symbol hands its child up
    if method is _no_method and not (inlined or hand_up):
        raise TypeError(f"ToIR has no method for the rule `{name}`")

    # How each kept item becomes children: a token as is, an inlined rule's children spliced in,
    # a rule's value (a `?rule` may hand a token up, so that is looked at).
    steps = tuple((i, 0 if rule.expansion[i].is_term else 1 if splice else 2, before) for i, splice, before in plan)
    extent = _extent_of(rule)

    def reduce(items: list[Any]) -> Any:
        m = extent(items)
        children: list[Any] = []
        for i, how, before in steps:
            if before:
                children += [None] * before
            item = items[i]
            if how == 0:
                children.append(item)
            elif how == 1:
                if children:
                    children += item[0]
                else:  # take the inlined rule's list over: a left-recursive list grows in place, in linear time
                    children = item[0]
            else:
                children.append(item if type(item) is Token else item[0])
        if trailing:
            children += [None] * trailing
        if inlined:
            return children, m
        if hand_up and len(children) == 1:
            only = children[0]
            return only if type(only) is Token else (only, m)
        return method(m, *children), m

    return reduce


def _no_method(*_: object) -> NoReturn:
    raise AssertionError("a rule without a ToIR method hands its only child up")


def _extent_of(rule: RuleShape) -> Callable[[list[Any]], Extent | None]:
    """How to find a reduction's extent: from its first and last items, scanning only past empty rules."""
    if not rule.expansion:
        return lambda items: None
    if rule.expansion[0].is_term and rule.expansion[-1].is_term:
        return lambda items: (items[0].line, items[0].column, items[-1].end_line, items[-1].end_column)

    def extent(items: list[Any]) -> Extent | None:
        first, last = items[0], items[-1]
        if type(first) is Token:
            line, col = first.line, first.column
        elif first[1] is not None:
            line, col = first[1][0], first[1][1]
        else:
            return _extent(items)  # the first item matched nothing
        if type(last) is Token:
            return line, col, last.end_line, last.end_column
        if last[1] is not None:
            return line, col, last[1][2], last[1][3]
        return _extent(items)

    return extent


def _extent(items: list[Any]) -> Extent | None:
    """From the start of the first item that has a position to the end of the last one."""
    first = None
    for item in items:
        if type(item) is Token:
            first = (item.line, item.column)
            break
        if item[1] is not None:
            first = item[1][:2]
            break
    if first is None:
        return None
    for item in reversed(items):
        if type(item) is Token:
            return (*first, item.end_line, item.end_column)
        if item[1] is not None:
            return (*first, *item[1][2:])
    return None  # not reached: an item with a position exists
