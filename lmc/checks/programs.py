"""Program bodies: calls, variables, attribute access, returns and recursion.

The body is walked once in source order with a small abstract state: for
each variable, whether it is assigned on every path so far and what is
known about its value (the outputs of the module or program that produced
it, or the fields of its record type). That is enough to report a use
before assignment (E304), an attribute a prediction does not have (E306),
call arguments that do not match a signature (E301-E303, E308) and a
return that does not produce the program's outputs (E305), without
executing anything.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from ..diagnostics import catalog
from ..diagnostics.catalog import Entry
from ..diagnostics.core import did_you_mean
from ..ir import nodes as ir
from ..records import record
from ..schemas.blocks import BUILTIN_FUNCTIONS, MODULE_EXTRA_OUTPUTS, REACT_FINISH_TOOL, own_field
from .context import CheckContext, a_kind
from .recursion import report_recursion

_RETRIEVER_PARAMS = ("query", "k")


@record
class Shape:
    """What is known about a value: its fields (a prediction or a record), or that it has none."""

    desc: str  # "module `hop`", "program `qa`", "type `Citation`", "a value"
    fields: Mapping[str, ir.TypeExpr | None] | None = None
    enum: ir.EnumDecl | None = None


@record
class Binding:
    definite: bool  # assigned on every path that reaches here
    shape: Shape | None  # None: nothing known


State = dict[str, Binding]  # None as a state: no path reaches here (after a return)

_VALUE = Shape("a value")

# Helps for a declaration of each kind used as a value, or called (the entry's own help otherwise).
_VALUE_HELP = {
    "tool": catalog.CALL_IT,
    "retriever": catalog.CALL_IT,
    "program": catalog.CALL_IT,
    "signature": catalog.MODULE_WITH_IT,
}
_CALL_HELP = {"signature": catalog.MODULE_FIRST, "metric": catalog.METRIC_NOT_CALLED}


def check(ctx: CheckContext) -> None:
    calls: dict[str, list[ir.Ident]] = {}
    for program in ctx.source_file.of(ir.ProgramDecl):
        body = _Body(ctx, program)
        body.run()
        calls.setdefault(program.name.name, body.program_calls)
    report_recursion(ctx, calls)


class _Body:
    """The walk over one program's body."""

    def __init__(self, ctx: CheckContext, program: ir.ProgramDecl) -> None:
        self.ctx = ctx
        self.program = program
        self.modules: dict[str, ir.ModuleDecl] = {}
        self.params = {p.name.name: p for p in program.params}
        self.assigned = {ident.name for ident, _ in _assignments(program.body)}
        self.program_calls: list[ir.Ident] = []
        self.called_modules: set[str] = set()
        self.reported_unassigned: set[str] = set()
        self.loops: list[set[str]] = []  # names assigned by each enclosing loop's body

    # ------------------------------------------------------------- driver

    def run(self) -> None:
        self._local_names()
        state: State = {name: Binding(True, self._type_shape(p.type)) for name, p in self.params.items()}
        end = self._block(self.program.body, state)
        if end is not None:
            name = self.program.name
            has_return = any(isinstance(n, ir.Return) for n in ir.statements(self.program.body))
            entry = catalog.MAY_NOT_RETURN if has_return else catalog.NEVER_RETURNS
            self.ctx.report(entry, name.span, program=name.name)
        for module in self.modules.values():
            if module.name.name not in self.called_modules:
                self.ctx.report(catalog.UNUSED_MODULE, module.name.span, name=module.name.name)

    def _local_names(self) -> None:
        """E101/E107/E108 for parameters, modules, variables and loop variables."""
        for param in self.program.params:
            self._reserved(param.name, "parameter")
        for module in self.ctx.modules_of(self.program):
            earlier = self.modules.get(module.name.name)
            clash = earlier.name.span if earlier is not None else None
            if clash is None and module.name.name in self.params:
                clash = self.params[module.name.name].name.span
            if clash is not None:
                self.ctx.report(catalog.DUPLICATE_LOCAL, module.name.span, name=module.name.name, first=clash)
                continue
            self.modules[module.name.name] = module
            self._reserved(module.name, "module")
            self._module_kind_outputs(module)
        seen: set[str] = set(self.params)
        for ident, role in _assignments(self.program.body):
            if ident.name in self.modules:
                first = self.modules[ident.name].name.span
                self.ctx.report(catalog.ASSIGN_TO_MODULE, ident.span, name=ident.name, first=first)
            elif ident.name not in seen:
                seen.add(ident.name)
                self._reserved(ident, role)

    def _reserved(self, ident: ir.Ident, role: str) -> None:
        name = ident.name
        if keyword.iskeyword(name):
            self.ctx.report(catalog.PYTHON_KEYWORD, ident.span, name=name, role=role)
        elif name in BUILTIN_FUNCTIONS:
            self.ctx.report(catalog.SHADOWS_BUILTIN, ident.span, name=name, what="function")
        elif name in self.ctx.symbols.decls:
            kind = self.ctx.symbols.kind(name)
            decl_span = self.ctx.symbols.decls[name].name.span
            self.ctx.report(
                catalog.SHADOWS_DECLARATION,
                ident.span,
                name=name,
                role=role,
                a_kind=a_kind(kind or "name"),
                kind=kind,
                declared=decl_span,
            )

    def _module_kind_outputs(self, module: ir.ModuleDecl) -> None:
        """E313: a field the module kind uses itself (``reasoning`` for ChainOfThought);
        E314: a tool named like the one ReAct adds (``finish``)."""
        kind = module.kind.name
        sig = self.ctx.symbols.lookup(module.signature.name, ir.SignatureDecl)
        if isinstance(sig, ir.SignatureDecl):
            for f in sig.fields:
                if own_field(kind, f.name.name):
                    output = f.name.name in MODULE_EXTRA_OUTPUTS.get(kind, ())
                    entry = catalog.KIND_OUTPUT_CLASH if output else catalog.KIND_FIELD_CLASH
                    self.ctx.report(entry, module.kind.span, kind=kind, signature=sig.name.name, field=f.name.name)
        tools = module.options.get("tools")
        if kind == "ReAct" and isinstance(tools, ir.ListValue):
            for item in tools.items:
                if isinstance(item, ir.NameValue) and item.name.name == REACT_FINISH_TOOL:
                    self.ctx.report(catalog.FINISH_TOOL, item.span, tool=item.name.name)

    # ---------------------------------------------------------- statements

    def _block(self, stmts: tuple[ir.Stmt, ...], state: State | None) -> State | None:
        for stmt in stmts:
            if state is None:
                self.ctx.report(catalog.UNREACHABLE, stmt.span)
                return None
            state = self._stmt(stmt, state)
        return state

    def _stmt(self, stmt: ir.Stmt, state: State) -> State | None:
        if isinstance(stmt, ir.ModuleDecl):
            return state
        if isinstance(stmt, ir.Assign):
            shape = self._expr(stmt.value, state)
            return {**state, stmt.target.name: Binding(True, shape)}
        if isinstance(stmt, ir.Repeat):
            counted = self._repeat_count(stmt.count, state)
            after = self._loop_body(stmt.body, state)
            return after if counted else _merge(state, after)
        if isinstance(stmt, ir.For):
            self._expr(stmt.iterable, state)
            after = self._loop_body(stmt.body, {**state, stmt.var.name: Binding(True, None)})
            return _merge(state, after)
        if isinstance(stmt, ir.If):
            self._expr(stmt.cond, state)
            then = self._block(stmt.then, state)
            orelse = self._block(stmt.orelse, state) if stmt.orelse else state
            return _merge(then, orelse)
        if isinstance(stmt, ir.Return):
            self._return(stmt.value, state)
            return None
        self._expr(stmt.value, state)
        return state

    def _loop_body(self, body: tuple[ir.Stmt, ...], state: State) -> State | None:
        """The first iteration, from the state before the loop; later ones only add assignments."""
        self.loops.append({ident.name for ident, _ in _assignments(body)})
        try:
            return self._block(body, state)
        finally:
            self.loops.pop()

    def _repeat_count(self, count: ir.Expr, state: State) -> bool:
        """E310 unless the count is a positive integer literal; True when it is."""
        if isinstance(count, ir.Const) and type(count.value) is int and count.value >= 1:
            return True
        if not isinstance(count, ir.Const):
            self._expr(count, state)
        self.ctx.report(catalog.REPEAT_COUNT, count.span)
        return False

    def _return(self, value: ir.Expr, state: State) -> None:
        outputs = [p.name.name for p in self.program.outputs]
        name = self.program.name.name
        if isinstance(value, ir.RecordExpr):
            self._expr(value, state)
            given = [ident.name for ident, _ in value.fields]
            for ident, _ in value.fields:
                if ident.name not in outputs:
                    self.ctx.report(
                        catalog.NOT_AN_OUTPUT,
                        ident.span,
                        help=did_you_mean(ident.name, outputs),
                        field=ident.name,
                        program=name,
                        outputs=outputs,
                    )
            missing = [o for o in outputs if o not in given]
            if missing:
                self.ctx.report(catalog.RECORD_LACKS_OUTPUTS, value.span, program=name, missing=missing)
            return
        shape = self._expr(value, state)
        if shape is None or shape.enum is not None:
            return
        if shape.fields is None:
            self.ctx.report(catalog.RETURNS_VALUE, value.span, program=name, desc=shape.desc, outputs=outputs)
            return
        missing = [o for o in outputs if o not in shape.fields]
        if missing:
            self.ctx.report(
                catalog.RETURN_LACKS_OUTPUTS,
                value.span,
                desc=shape.desc,
                program=name,
                missing=missing,
                produced=list(shape.fields),
            )

    # --------------------------------------------------------- expressions

    def _expr(self, e: ir.Expr, state: State) -> Shape | None:
        if isinstance(e, ir.Const):
            return _VALUE
        if isinstance(e, ir.Name):
            return self._name(e.ident, state)
        if isinstance(e, ir.Attr):
            return self._attr(e, state)
        if isinstance(e, ir.Call):
            return self._call(e, state)
        if isinstance(e, ir.RecordExpr):
            seen: dict[str, ir.Ident] = {}
            for ident, value in e.fields:
                self._expr(value, state)
                first = seen.setdefault(ident.name, ident)
                if first is not ident:
                    self.ctx.report(
                        catalog.DUPLICATE_FIELD, ident.span, name=ident.name, owner="this record", first=first.span
                    )
            return Shape("this record", MappingProxyType({name: None for name in seen}))
        if isinstance(e, ir.ListExpr):
            for item in e.items:
                self._expr(item, state)
            return Shape("a list")
        if isinstance(e, ir.BinOp):
            self._expr(e.left, state)
            self._expr(e.right, state)
            return _VALUE
        self._expr(e.operand, state)
        return _VALUE

    def _name(self, ident: ir.Ident, state: State) -> Shape | None:
        name = ident.name
        binding = state.get(name)
        if binding is not None:
            if not binding.definite:
                self._unassigned(ident, catalog.POSSIBLY_UNASSIGNED)
            return binding.shape
        if name in self.modules:
            self.ctx.report(catalog.MODULE_AS_VALUE, ident.span, name=name)
            return None
        if any(name in assigned for assigned in self.loops):
            self._unassigned(ident, catalog.UNASSIGNED_IN_LOOP)
            return None
        if name in self.assigned:
            self._unassigned(ident, catalog.USED_BEFORE_ASSIGNMENT)
            return None
        decl = self.ctx.symbols.decls.get(name)
        if isinstance(decl, ir.EnumDecl):
            return Shape(f"enum `{name}`", enum=decl)
        if decl is not None:
            kind = ir.DECL_KIND[type(decl)]
            help = _VALUE_HELP.get(kind)
            self.ctx.report(catalog.DECLARATION_AS_VALUE, ident.span, help=help, name=name, a_kind=a_kind(kind))
            return None
        visible = [*state, *self.modules]
        self.ctx.report(catalog.UNKNOWN_VARIABLE, ident.span, help=did_you_mean(name, visible), name=name)
        return None

    def _unassigned(self, ident: ir.Ident, entry: Entry) -> None:
        if ident.name in self.reported_unassigned:
            return
        self.reported_unassigned.add(ident.name)
        self.ctx.report(entry, ident.span, name=ident.name)

    def _attr(self, e: ir.Attr, state: State) -> Shape | None:
        shape = self._expr(e.obj, state)
        attr = e.attr.name
        if shape is None:
            return None
        if shape.enum is not None:
            members = [m.name for m in shape.enum.members]
            if attr not in members:
                self.ctx.report(
                    catalog.UNKNOWN_MEMBER,
                    e.attr.span,
                    help=did_you_mean(attr, members),
                    enum=shape.enum.name.name,
                    member=attr,
                    members=members,
                )
            return _VALUE
        if shape.fields is None:
            self.ctx.report(catalog.NO_FIELDS, e.attr.span, desc=shape.desc, attr=attr)
            return None
        if attr not in shape.fields:
            fields = list(shape.fields)
            help = did_you_mean(attr, fields)
            self.ctx.report(catalog.NOT_A_FIELD, e.attr.span, help=help, attr=attr, desc=shape.desc, fields=fields)
            return None
        t = shape.fields[attr]
        return self._type_shape(t) if t is not None else None

    # --------------------------------------------------------------- calls

    def _call(self, call: ir.Call, state: State) -> Shape | None:
        for arg in call.args:
            self._expr(arg, state)
        for kw in call.kwargs:
            self._expr(kw.value, state)
        name = call.func.name
        if name in self.modules:
            return self._module_call(call, self.modules[name])
        if name in state or name in self.params or name in self.assigned:
            self.ctx.report(catalog.CALLED_VARIABLE, call.func.span, name=name)
            return None
        decl = self.ctx.symbols.decls.get(name)
        if isinstance(decl, ir.ProgramDecl):
            self.program_calls.append(call.func)
            required = {p.name.name for p in decl.params if p.default is None}
            params = tuple(p.name.name for p in decl.params)
            self._arguments(call, params, required, f"program `{name}`", positional=False)
            return Shape(f"program `{name}`", MappingProxyType({p.name.name: p.type for p in decl.outputs}))
        if isinstance(decl, ir.ToolDecl):
            required = {p.name.name for p in decl.params if p.default is None}
            self._arguments(call, tuple(p.name.name for p in decl.params), required, f"tool `{name}`", positional=True)
            return self._type_shape(decl.returns)
        if isinstance(decl, ir.RetrieverDecl):
            self._arguments(call, _RETRIEVER_PARAMS, {"query"}, f"retriever `{name}`", positional=True)
            return Shape("a list")
        if decl is not None:
            kind = ir.DECL_KIND[type(decl)]
            help = _CALL_HELP.get(kind)
            self.ctx.report(catalog.NOT_CALLABLE, call.func.span, help=help, name=name, a_kind=a_kind(kind))
            return None
        builtin = BUILTIN_FUNCTIONS.get(name)
        if builtin is not None:
            required = set(builtin.params[: builtin.required])
            what = f"built-in `{name}`"
            self._arguments(
                call, builtin.params, required, what, positional=True, missing=catalog.MISSING_BUILTIN_ARGUMENTS
            )
            return {"len": _VALUE, "join": _VALUE, "unique": Shape("a list")}.get(name)
        callables = [
            *self.modules,
            *self.ctx.symbols.names_of(ir.ProgramDecl, ir.ToolDecl, ir.RetrieverDecl),
            *BUILTIN_FUNCTIONS,
        ]
        self.ctx.report(catalog.UNKNOWN_FUNCTION, call.func.span, help=did_you_mean(name, callables), name=name)
        return None

    def _module_call(self, call: ir.Call, module: ir.ModuleDecl) -> Shape | None:
        name = module.name.name
        self.called_modules.add(name)
        sig = self.ctx.symbols.lookup(module.signature.name, ir.SignatureDecl)
        if not isinstance(sig, ir.SignatureDecl):
            return None
        inputs = tuple(f.name.name for f in sig.inputs)
        self._arguments(call, inputs, set(inputs), f"module `{name}`", positional=False)
        fields: dict[str, ir.TypeExpr | None] = {k: None for k in MODULE_EXTRA_OUTPUTS.get(module.kind.name, ())}
        fields.update({f.name.name: f.type for f in sig.outputs})
        return Shape(f"module `{name}`", MappingProxyType(fields))

    def _arguments(
        self,
        call: ir.Call,
        params: tuple[str, ...],
        required: set[str],
        what: str,
        *,
        positional: bool,
        missing: Entry = catalog.MISSING_INPUTS,
    ) -> None:
        """Match a call's arguments to ``params``; E303 for positional ones where only keywords go."""
        # `bound` also takes the input a wrong argument was evidently meant for (a positional
        # one, a misspelt keyword), so that one mistake is not reported twice as E301.
        bound: set[str] = set()
        if not positional:
            for i, arg in enumerate(call.args):
                hint = params[i] if i < len(params) else None
                named = catalog.NAME_THE_INPUT if hint else None
                self.ctx.report(catalog.POSITIONAL_ARGUMENT, arg.span, help=named, what=what, hint=hint)
                bound.update(params[i : i + 1])
        else:
            for i, arg in enumerate(call.args):
                if i >= len(params):
                    self.ctx.report(catalog.TOO_MANY_ARGUMENTS, arg.span, what=what, most=len(params), params=params)
                    break
                bound.add(params[i])
        for kw in call.kwargs:
            key = kw.name.name
            if key not in params:
                import difflib  # only for a misspelt argument: here, not at every check's start

                help = did_you_mean(key, params)
                self.ctx.report(catalog.UNKNOWN_ARGUMENT, kw.name.span, help=help, key=key, what=what, params=params)
                meant = difflib.get_close_matches(key, [p for p in params if p not in bound], n=1, cutoff=0.6)
                bound.update(meant)
                continue
            if key in bound:
                self.ctx.report(catalog.ARGUMENT_TWICE, kw.name.span, key=key, what=what)
            bound.add(key)
        absent = [p for p in params if p in required and p not in bound]
        if absent:
            self.ctx.report(missing, call.func.span, what=what, missing=absent)

    # --------------------------------------------------------------- types

    def _type_shape(self, t: ir.TypeExpr) -> Shape | None:
        if isinstance(t, ir.OptionalType):
            return self._type_shape(t.inner)
        if isinstance(t, ir.ListType):
            return Shape("a list")
        if isinstance(t, ir.DictType):
            return Shape("a dict")
        if isinstance(t, ir.LiteralType):
            return Shape("a string")
        name = t.name.name
        if name in ir.BUILTIN_SCALARS:
            return Shape(f"a `{name}` value")
        decl = self.ctx.symbols.decls.get(name)
        if isinstance(decl, ir.TypeDecl):
            return Shape(f"type `{name}`", MappingProxyType({f.name.name: f.type for f in decl.fields}))
        if isinstance(decl, ir.EnumDecl):
            return Shape(f"a `{name}` value")
        return None


def _merge(a: State | None, b: State | None) -> State | None:
    """The state after two paths join: assigned on both to be definite; a shape only if both agree."""
    if a is None:
        return b
    if b is None:
        return a
    out: State = {}
    for name in {**a, **b}:
        x, y = a.get(name), b.get(name)
        if x is not None and y is not None:
            out[name] = Binding(x.definite and y.definite, x.shape if x.shape == y.shape else None)
        else:
            only = x or y
            out[name] = Binding(False, only.shape if only is not None else None)
    return out


def _assignments(stmts: tuple[ir.Stmt, ...]) -> Iterator[tuple[ir.Ident, str]]:
    """Every variable a body assigns (assignment targets and loop variables), nested ones too, in source order."""
    for node in ir.statements(stmts):
        if isinstance(node, ir.Assign):
            yield node.target, "variable"
        elif isinstance(node, ir.For):
            yield node.var, "loop variable"
