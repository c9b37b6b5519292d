"""The naming plan every generated file shares: which declarations exist and what Python calls them.

All names are claimed here, once and in a fixed order, before any view is
built: types, program models and ``__init__.py``'s program classes first,
then ``programs.py``'s globals (program objects, signatures, user modules,
body functions). Claiming them
up front keeps every file's references in agreement and a rebuild stable.
The small helpers that more than one generated file needs live here too.
"""

from __future__ import annotations

import keyword
from pathlib import Path

from ...ir import nodes as ir
from ...runtime.modules import KINDS
from ...runtime.signature import Field, default_instructions
from ..errors import CodegenError
from ..literals import py_literal
from ..names import GENERATED_GLOBALS, PYTHON_BUILTINS, USED_BUILTINS, Namer, pascal_case, upper_snake, usable
from .data import ExtModule

# What an enum member must not be called: str's methods, Enum's API.
_ENUM_RESERVED = frozenset(n for n in dir(str) if not n.startswith("_")) | {"name", "value", "mro"}


class Plan:
    """The source's declarations by kind, and the Python name of each, claimed once."""

    def __init__(self, source: ir.SourceFile, *, package: str, source_dir: Path) -> None:
        if not usable(package) or package in PYTHON_BUILTINS or package.startswith("_"):
            raise CodegenError(f"`{package}` cannot name a Python package (use letters, digits and `_`)")
        self.source = source
        self.package = package
        self.source_dir = source_dir
        self.decls = source.named()
        self.enum_decls: tuple[ir.EnumDecl, ...] = source.of(ir.EnumDecl)
        self.type_decls: tuple[ir.TypeDecl, ...] = source.of(ir.TypeDecl)
        self.program_decls: tuple[ir.ProgramDecl, ...] = source.of(ir.ProgramDecl)
        self.tool_decls: tuple[ir.ToolDecl, ...] = source.of(ir.ToolDecl)
        self.retriever_decls: tuple[ir.RetrieverDecl, ...] = source.of(ir.RetrieverDecl)
        self.reward_decls = self._reward_metrics()
        self._plan_names()

    def _plan_names(self) -> None:
        reserved = GENERATED_GLOBALS | PYTHON_BUILTINS | set(keyword.kwlist)
        types = Namer(reserved)
        self.type_names: dict[str, str] = {}
        for d in self.named_types():
            self.type_names[d.name.name] = types.claim(d.name.name)
        self.result_names: dict[str, str] = {}
        self.input_names: dict[str, str] = {}
        for p in self.program_decls:
            stem = pascal_case(p.name.name)
            self.result_names[p.name.name] = types.claim(stem + "Result")
            self.input_names[p.name.name] = types.claim(stem + "Inputs")
        # __init__.py's typed program classes (``classify`` is a ``ClassifyProgram``).
        self.class_names = {p.name.name: types.claim(pascal_case(p.name.name) + "Program") for p in self.program_decls}
        # programs.py globals: program objects first (they are also the public names).
        self.globals = Namer(
            GENERATED_GLOBALS
            | USED_BUILTINS
            | set(keyword.kwlist)
            | set(self.type_names.values())
            | set(self.result_names.values())
            | set(self.input_names.values())
            | set(self.class_names.values())
        )
        self.program_names = {p.name.name: self.globals.claim(p.name.name) for p in self.program_decls}
        self.enum_members: dict[str, dict[str, str]] = {}
        for d in self.enum_decls:
            members = Namer(_ENUM_RESERVED)
            self.enum_members[d.name.name] = {
                m.name: members.claim("m" + m.name if m.name.startswith("_") else m.name) for m in d.members
            }
        # Every signature, used by a module or not: a `judge` metric builds its Predict from `SIGNATURES`.
        self.signature_names = {
            s.name.name: self.globals.claim(upper_snake(s.name.name)) for s in self.source.of(ir.SignatureDecl)
        }
        self.ext_modules = self._plan_ext_modules()
        self.body_names = {
            p.name.name: self.globals.claim("_" + self.program_names[p.name.name]) for p in self.program_decls
        }
        self.abody_names = {
            p.name.name: self.globals.claim("_a" + self.program_names[p.name.name]) for p in self.program_decls
        }

    def _reward_metrics(self) -> list[ir.MetricDecl]:
        """The metrics modules name as their ``reward``, in file order: the package must carry them."""
        named: set[str] = set()
        for p in self.program_decls:
            for m in p.modules:
                reward = m.options.get("reward")
                if isinstance(reward, ir.NameValue):
                    named.add(reward.name.name)
        return [m for m in self.source.of(ir.MetricDecl) if m.name.name in named]

    def _plan_ext_modules(self) -> dict[str, ExtModule]:
        refs: list[str] = [t.impl.ref for t in self.tool_decls]
        refs += [r.source for r in self.retriever_decls if r.kind.name == "python"]
        refs += [m.expr.ref for m in self.reward_decls if isinstance(m.expr, ir.PythonRef)]
        modules: dict[str, ExtModule] = {}
        for ref in refs:
            module, _, _ = split_ref(ref)
            if module in modules:
                continue
            path = self.source_dir.joinpath(*module.split(".")).with_suffix(".py")
            if not path.is_file():
                raise CodegenError(f"the python module `{module}` is not at {path.name} next to the .lmp file")
            modules[module] = ExtModule(module, path, self.globals.claim(module.rsplit(".", 1)[-1]))
        return modules

    def named_types(self) -> tuple[ir.EnumDecl | ir.TypeDecl, ...]:
        """Enums, then records, in file order."""
        return (*self.enum_decls, *self.type_decls)

    def default_code(self, param: ir.Param) -> str | None:
        """A parameter's default as Python source: an enum parameter's member (``Mood.happy``), else the literal."""
        if param.default is None:
            return None
        member = self._default_member(param)
        if member is not None:
            return ".".join(member)
        return py_literal(param.default.value)

    def default_enum(self, param: ir.Param) -> str | None:
        """The enum whose member ``param``'s default is (``Mood`` for ``Mood.happy``), if it is one."""
        member = self._default_member(param)
        return member[0] if member is not None else None

    def _default_member(self, param: ir.Param) -> tuple[str, str] | None:
        """(the enum's Python name, the member's) when ``param``'s default is a member of its enum type."""
        if param.default is None:
            return None
        value = param.default.value
        t = param.type.inner if isinstance(param.type, ir.OptionalType) else param.type
        if isinstance(t, ir.NamedType) and isinstance(value, str):
            member = self.enum_members.get(t.name.name, {}).get(value)
            if member is not None:
                return self.type_names[t.name.name], member
        return None

    def signature(self, name: str) -> ir.SignatureDecl:
        decl = self.decls.get(name)
        if not isinstance(decl, ir.SignatureDecl):
            raise CodegenError(f"`{name}` is not a signature")
        return decl

    def ext_callable(self, ref: str) -> str:
        """A ``"module:function"`` reference as ``programs.py`` spells it: the module's global, then the attribute."""
        module, attr, _ = split_ref(ref)
        return f"{self.ext_modules[module].py_name}.{attr}"


def split_ref(ref: str) -> tuple[str, str, str]:
    """``"pkg.mod:fn"`` -> (``"pkg.mod"``, ``"fn"``, ref)."""
    module, sep, attr = ref.partition(":")
    parts = module.split(".") + attr.split(".")
    if not sep or not all(usable(p) for p in parts):
        raise CodegenError(f'`{ref}` is not a python reference of the form "module:function"')
    return module, attr, ref


def instructions(decl: ir.SignatureDecl) -> str:
    """A signature's instructions: its own text, or the default DSPy writes from its field names."""
    if decl.instructions:
        return decl.instructions
    ins = tuple(Field(f.name.name) for f in decl.inputs)
    outs = tuple(Field(f.name.name) for f in decl.outputs)
    return default_instructions(ins, outs)


def module_parts(kind: str) -> tuple[str, ...]:
    """The further predictors of a module kind (``ReAct``: ``extract``), each with its own Params."""
    return tuple(getattr(KINDS.get(kind), "parts", ()))
