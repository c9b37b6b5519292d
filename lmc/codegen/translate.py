"""A program body (``ir.Stmt``) as the Python of a body function.

Each program gets two functions with the same statements: ``_prog(ctx, ...)``
and ``async def _aprog(ctx, ...)``, where module and program calls are
awaited. Their parameters carry the program's types; they return ``object``
(a prediction, a record or a mapping of the outputs: ``Program`` reads them
off it). Modules are bound once at the top (``judge = ctx.module("p.judge")``);
tools, retrievers and built-ins are called through ``ctx`` and ``builtins``.
A variable whose first value is an empty list or record is declared with its
element types unknown (``notes: list[Any] = []``), so a type checker does not
guess them from nothing.
Expressions are written with the fewest parentheses that keep the ``.lmp``
meaning: comparisons never chain (``(a == b) == c``), and ``+`` stays
left-associative.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from ..ir import nodes as ir
from ..records import record
from ..runtime.builtins import BUILTINS
from .errors import CodegenError
from .literals import py_literal
from .names import BODY_LOCALS, USED_BUILTINS, Namer, usable

# .lmp built-in -> its function in the runtime's ``builtins`` module (``len`` is ``length`` there).
BUILTIN_FUNCTIONS = {name: fn.__name__ for name, fn in BUILTINS.items()}

_INDENT = "    "

# Python precedence, loosest first.
_OR, _AND, _NOT, _CMP, _ADD, _MUL, _UNARY, _AWAIT, _ATOM = range(1, 10)
_BINARY = {
    "or": _OR,
    "and": _AND,
    "==": _CMP,
    "!=": _CMP,
    "<": _CMP,
    ">": _CMP,
    "<=": _CMP,
    ">=": _CMP,
    "in": _CMP,
    "not in": _CMP,
    "+": _ADD,
    "-": _ADD,
    "*": _MUL,
    "/": _MUL,
    "%": _MUL,
}


@record
class ModuleRef:
    path: str  # "program.module"
    inputs: tuple[str, ...]  # the signature's input field names, in order


@record
class ProgramRef:
    py_name: str  # the Program object's global name in programs.py
    params: tuple[str, ...]


@record
class EnumRef:
    py_name: str
    members: Mapping[str, str]  # .lmp member -> Python member name


@record
class ParamCode:
    """A program parameter as Python source: its annotation and, if it has one, its default."""

    annotation: str
    default: str | None


@record
class Scope:
    """What a body can refer to besides its own parameters and variables."""

    modules: Mapping[str, ModuleRef]  # this program's modules by .lmp name
    params: Mapping[str, ParamCode]  # this program's parameters by .lmp name
    programs: Mapping[str, ProgramRef]
    tools: frozenset[str]
    retrievers: frozenset[str]
    enums: Mapping[str, EnumRef]
    reserved: frozenset[str]  # module-level names of programs.py: locals never shadow them
    renamed_fields: frozenset[str] = frozenset()  # record fields stored under another Python name


@record
class Body:
    """One translated program: both function headers and bodies, plus what they use."""

    params: str  # the parameter list after the function name, without parentheses
    sync_lines: tuple[str, ...]  # indented one level
    async_lines: tuple[str, ...]
    called_programs: frozenset[str]
    uses_builtins: bool
    uses_field_of: bool
    uses_any: bool  # some annotation says ``Any``
    used_enums: frozenset[str]  # Python names of enums referenced


def translate(program: ir.ProgramDecl, scope: Scope) -> Body:
    return _Translator(program, scope).run()


def kwargs_code(items: list[tuple[str, str]]) -> list[str]:
    """``name=value`` for each usable name; the rest in one ``**{"name": value}``."""
    plain = [f"{k}={v}" for k, v in items if usable(k)]
    odd = [f"{py_literal(k)}: {v}" for k, v in items if not usable(k)]
    return plain + ([f"**{{{', '.join(odd)}}}"] if odd else [])


@dataclass
class _Names:
    params: dict[str, str] = field(default_factory=dict)
    modules: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)

    def local(self, name: str) -> str | None:
        return self.variables.get(name) or self.params.get(name)


class _Translator:
    def __init__(self, program: ir.ProgramDecl, scope: Scope) -> None:
        self.program = program
        self.scope = scope
        self.names = _Names()
        self.called_programs: set[str] = set()
        self.uses_builtins = False
        self.uses_field_of = False
        self.uses_any = False
        self.used_enums: set[str] = set()
        self.is_async = False
        self.declared: set[str] = set()  # variables assigned so far in the body being written

    # ------------------------------------------------------------ naming

    def run(self) -> Body:
        namer = Namer(self.scope.reserved | USED_BUILTINS | set(keyword.kwlist) | BODY_LOCALS)
        for p in self.program.params:
            self.names.params[p.name.name] = namer.claim(p.name.name)
        called = self._called_modules()
        for decl in self.program.modules:
            if decl.name.name in called:
                self.names.modules[decl.name.name] = namer.claim(decl.name.name)
        for name in self._assigned():
            if name not in self.names.variables and name not in self.names.params:
                self.names.variables[name] = namer.claim(name)

        params, prologue = self._header()
        bodies = []
        for is_async in (False, True):
            self.is_async = is_async
            self.declared = set()
            lines = list(prologue)
            for name, py in self.names.modules.items():
                lines.append(f"{py} = ctx.module({py_literal(self.scope.modules[name].path)})")
            lines.extend(self._block(self.program.body, 0))
            bodies.append(tuple(_INDENT + line for line in (lines or ["pass"])))
        return Body(
            params=params,
            sync_lines=bodies[0],
            async_lines=bodies[1],
            called_programs=frozenset(self.called_programs),
            uses_builtins=self.uses_builtins,
            uses_field_of=self.uses_field_of,
            uses_any=self.uses_any,
            used_enums=frozenset(self.used_enums),
        )

    def _header(self) -> tuple[str, list[str]]:
        """``ctx: Context, *, a: str, b: int = 3`` when every parameter keeps its name,
        else ``ctx: Context, /, **inputs: Any`` and unpacking."""
        params = self.program.params
        if not params:
            return "ctx: Context", []
        codes = self.scope.params
        if all(self.names.params[p.name.name] == p.name.name for p in params):
            parts = []
            for p in params:
                code = codes[p.name.name]
                parts.append(
                    f"{p.name.name}: {code.annotation}" + ("" if code.default is None else f" = {code.default}")
                )
            return "ctx: Context, *, " + ", ".join(parts), []
        lines = []
        for p in params:
            key = py_literal(p.name.name)
            default = codes[p.name.name].default
            value = f"inputs[{key}]" if default is None else f"inputs.get({key}, {default})"
            lines.append(f"{self.names.params[p.name.name]} = {value}")
        self.uses_any = True
        return "ctx: Context, /, **inputs: Any", lines

    def _called_modules(self) -> set[str]:
        return {
            node.func.name
            for stmt in self.program.body
            for node in ir.walk(stmt)
            if isinstance(node, ir.Call) and node.func.name in self.scope.modules
        }

    def _assigned(self) -> Iterator[str]:
        """The names the body assigns (loop variables included), in source order."""
        for node in ir.statements(self.program.body):
            if isinstance(node, ir.Assign):
                yield node.target.name
            elif isinstance(node, ir.For):
                yield node.var.name

    # -------------------------------------------------------- statements

    def _block(self, stmts: tuple[ir.Stmt, ...], depth: int) -> list[str]:
        pad = _INDENT * depth
        lines: list[str] = []
        for s in stmts:
            if isinstance(s, ir.ModuleDecl):
                continue  # bound once at the top of the function
            if isinstance(s, ir.Assign):
                target = self.names.local(s.target.name)
                lines.append(f"{pad}{target}{self._declaration(s)} = {self._expr(s.value)}")
            elif isinstance(s, ir.Return):
                lines.append(f"{pad}return {self._expr(s.value)}")
            elif isinstance(s, ir.ExprStmt):
                lines.append(f"{pad}{self._expr(s.value)}")
            elif isinstance(s, ir.Repeat):
                lines.append(f"{pad}for _ in range({self._expr(s.count)}):")
                lines.extend(self._suite(s.body, depth + 1))
            elif isinstance(s, ir.For):
                var = self.names.variables[s.var.name]
                self.declared.add(s.var.name)
                lines.append(f"{pad}for {var} in {self._expr(s.iterable)}:")
                lines.extend(self._suite(s.body, depth + 1))
            elif isinstance(s, ir.If):
                lines.extend(self._if(s, depth, "if"))
            else:
                raise CodegenError(f"cannot translate the statement {type(s).__name__} at {_where(s.span)}")
        return lines

    def _declaration(self, s: ir.Assign) -> str:
        """``: list[Any]`` (or ``: dict[str, Any]``) for a variable's first value when it is empty, else ``""``."""
        name = s.target.name
        first = name in self.names.variables and name not in self.declared
        self.declared.add(name)
        if not first:
            return ""
        if isinstance(s.value, ir.ListExpr) and not s.value.items:
            self.uses_any = True
            return ": list[Any]"
        if isinstance(s.value, ir.RecordExpr) and not s.value.fields:
            self.uses_any = True
            return ": dict[str, Any]"
        return ""

    def _suite(self, stmts: tuple[ir.Stmt, ...], depth: int) -> list[str]:
        return self._block(stmts, depth) or [_INDENT * depth + "pass"]

    def _if(self, s: ir.If, depth: int, word: str) -> list[str]:
        pad = _INDENT * depth
        lines = [f"{pad}{word} {self._expr(s.cond)}:", *self._suite(s.then, depth + 1)]
        if len(s.orelse) == 1 and isinstance(s.orelse[0], ir.If):
            lines.extend(self._if(s.orelse[0], depth, "elif"))
        elif s.orelse:
            lines.append(f"{pad}else:")
            lines.extend(self._suite(s.orelse, depth + 1))
        return lines

    # ------------------------------------------------------- expressions

    def _expr(self, e: ir.Expr) -> str:
        return self._emit(e)[0]

    def _at(self, e: ir.Expr, minimum: int) -> str:
        code, prec = self._emit(e)
        return f"({code})" if prec < minimum else code

    def _emit(self, e: ir.Expr) -> tuple[str, int]:
        if isinstance(e, ir.Const):
            negative = isinstance(e.value, (int, float)) and not isinstance(e.value, bool) and e.value < 0
            return py_literal(e.value), _UNARY if negative else _ATOM
        if isinstance(e, ir.Name):
            return self._name(e), _ATOM
        if isinstance(e, ir.ListExpr):
            return f"[{', '.join(self._expr(i) for i in e.items)}]", _ATOM
        if isinstance(e, ir.RecordExpr):
            items = ", ".join(f"{py_literal(k.name)}: {self._expr(v)}" for k, v in e.fields)
            return f"{{{items}}}", _ATOM
        if isinstance(e, ir.Attr):
            return self._attr(e), _ATOM
        if isinstance(e, ir.Call):
            return self._call(e)
        if isinstance(e, ir.BinOp):
            prec = _BINARY.get(e.op)
            if prec is None:
                raise CodegenError(f"unknown operator `{e.op}` at {_where(e.span)}")
            right_min = prec + 1
            left_min = prec + 1 if prec == _CMP else prec
            return f"{self._at(e.left, left_min)} {e.op} {self._at(e.right, right_min)}", prec
        if isinstance(e, ir.UnaryOp):
            if e.op == "not":
                return f"not {self._at(e.operand, _NOT)}", _NOT
            if e.op == "-":
                return f"-{self._at(e.operand, _UNARY)}", _UNARY
            raise CodegenError(f"unknown operator `{e.op}` at {_where(e.span)}")
        raise CodegenError(f"cannot translate the expression {type(e).__name__}")

    def _name(self, e: ir.Name) -> str:
        name = e.ident.name
        local = self.names.local(name)
        if local is not None:
            return local
        enum = self.scope.enums.get(name)
        if enum is not None:
            self.used_enums.add(enum.py_name)
            return enum.py_name
        raise CodegenError(f"unknown name `{name}` in program `{self.program.name.name}` at {_where(e.span)}")

    def _attr(self, e: ir.Attr) -> str:
        attr = e.attr.name
        if isinstance(e.obj, ir.Name) and self.names.local(e.obj.ident.name) is None:
            enum = self.scope.enums.get(e.obj.ident.name)
            if enum is not None:
                member = enum.members.get(attr)
                if member is None:
                    raise CodegenError(f"enum `{e.obj.ident.name}` has no member `{attr}` at {_where(e.span)}")
                self.used_enums.add(enum.py_name)
                return f"{enum.py_name}.{member}"
        numeric = isinstance(e.obj, ir.Const) and isinstance(e.obj.value, (int, float))
        obj = f"({self._expr(e.obj)})" if numeric else self._at(e.obj, _ATOM)
        if usable(attr) and attr not in self.scope.renamed_fields:
            return f"{obj}.{attr}"
        self.uses_field_of = True
        return f"field_of({obj}, {py_literal(attr)})"

    def _call(self, c: ir.Call) -> tuple[str, int]:
        name = c.func.name
        if name in self.scope.modules:
            kw = self._keywords(c, self.scope.modules[name].inputs, f"module `{name}`")
            module = self.names.modules[name]
            if self.is_async:
                return f"await {module}.acall({', '.join(kw)})", _AWAIT
            return f"{module}({', '.join(kw)})", _ATOM
        if name in self.scope.tools or name in self.scope.retrievers:
            kind = "tool" if name in self.scope.tools else "retriever"
            args = [self._expr(a) for a in c.args] + kwargs_code(self._named(c))
            return f"ctx.{kind}({py_literal(name)})({', '.join(args)})", _ATOM
        if name in self.scope.programs:
            ref = self.scope.programs[name]
            self.called_programs.add(name)
            kw = ["ctx", *self._keywords(c, ref.params, f"program `{name}`")]
            if self.is_async:
                return f"await {ref.py_name}.acall({', '.join(kw)})", _AWAIT
            return f"{ref.py_name}.call({', '.join(kw)})", _ATOM
        if name in BUILTIN_FUNCTIONS:
            self.uses_builtins = True
            args = [self._expr(a) for a in c.args] + kwargs_code(self._named(c))
            return f"builtins.{BUILTIN_FUNCTIONS[name]}({', '.join(args)})", _ATOM
        raise CodegenError(f"unknown function `{name}` in program `{self.program.name.name}` at {_where(c.span)}")

    def _named(self, c: ir.Call) -> list[tuple[str, str]]:
        return [(k.name.name, self._expr(k.value)) for k in c.kwargs]

    def _keywords(self, c: ir.Call, names: tuple[str, ...], what: str) -> list[str]:
        """Arguments by name; positional ones take the callee's input names in order."""
        if len(c.args) > len(names):
            raise CodegenError(f"{what} takes {len(names)} input(s), {len(c.args)} given at {_where(c.span)}")
        items = [(n, self._expr(a)) for n, a in zip(names, c.args, strict=False)] + self._named(c)
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise CodegenError(f"{what} gets `{key}` twice at {_where(c.span)}")
            seen.add(key)
        return kwargs_code(items)


def _where(span: object) -> str:
    line, col = getattr(span, "line", "?"), getattr(span, "col", "?")
    return f"{line}:{col}"
