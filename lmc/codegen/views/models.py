"""Views of ``types.py`` and ``results.py``: enums, records and each program's input and result models.

Fields get pydantic-safe Python names; where one differs from the ``.lmp``
name, the model keeps the original as its alias (prompts, LM answers and
JSON use it). ``ModelBuilder`` remembers which fields were renamed, for the
program bodies, and whether any alias exists, for ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...ir import nodes as ir
from ..literals import py_docstring, py_literal
from ..names import Namer, isort_key
from ..typemap import Annotations, is_optional
from .data import EnumView, ModelView
from .plan import Plan

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


class ModelBuilder:
    """Builds the pydantic models and records what their field names imply for the other files."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.renamed_fields: set[str] = set()  # .lmp field names that needed another Python name
        self.any_alias = False  # some model has an alias: pyproject.toml needs pydantic>=2.11

    def records(self, annotations: Annotations) -> tuple[ModelView, ...]:
        out = []
        for d in _records_in_dependency_order(self.plan.type_decls):
            # The docstring is the schema's `description` in prompts: only the user's own text goes there.
            doc = py_docstring(d.doc) if d.doc else None
            fields = [(f.name.name, f.type, f.desc, None) for f in d.fields]
            out.append(self._model(self.plan.type_names[d.name.name], doc, fields, annotations))
        return tuple(out)

    def program_models(self, annotations: Annotations) -> tuple[ModelView, ...]:
        out = []
        for p in self.plan.program_decls:
            name = p.name.name
            ins = [(q.name.name, q.type, None, q.default) for q in p.params]
            outs = [(q.name.name, q.type, None, None) for q in p.outputs]
            doc_in = py_docstring(f"The inputs of the program `{name}`.")
            doc_out = py_docstring(f"The outputs of the program `{name}`.")
            out.append(self._model(self.plan.input_names[name], doc_in, ins, annotations, forbid_extra=True))
            out.append(self._model(self.plan.result_names[name], doc_out, outs, annotations))
        return tuple(out)

    def _model(
        self,
        py_name: str,
        doc: str | None,
        fields: Sequence[tuple[str, ir.TypeExpr, str | None, ir.Const | None]],  # (name, type, desc, default)
        annotations: Annotations,
        *,
        forbid_extra: bool = False,
    ) -> ModelView:
        namer = Namer(_MODEL_RESERVED | set(self.plan.type_names.values()))
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
                self.renamed_fields.add(name)
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
            self.any_alias = True
            config += ["validate_by_name=True", "validate_by_alias=True", "serialize_by_alias=True"]
        if forbid_extra:
            config.append('extra="forbid"')
        config_code = f"ConfigDict({', '.join(config)})" if config else None
        return ModelView(py_name, doc, tuple(lines), config_code, uses_field)


def enum_views(plan: Plan) -> tuple[EnumView, ...]:
    return tuple(
        EnumView(
            plan.type_names[d.name.name],
            py_docstring(d.doc) if d.doc else None,
            tuple((plan.enum_members[d.name.name][m.name], py_literal(m.name)) for m in d.members),
        )
        for d in plan.enum_decls
    )


def types_imports(plan: Plan, records: tuple[ModelView, ...], uses_literal: bool) -> tuple[str, ...]:
    """types.py imports pydantic only when it declares records: enums alone keep the import light."""
    if not (plan.enum_decls or records):
        return ()
    lines = ["from __future__ import annotations", ""]
    if plan.enum_decls:
        lines.append("import enum")
    if uses_literal:
        lines.append("from typing import Literal")
    if records:
        if lines[-1] != "":
            lines.append("")
        lines.append(_pydantic_import(records))
    return tuple(lines)


def results_imports(models: tuple[ModelView, ...], annotations: Annotations) -> tuple[str, ...]:
    lines = ["from __future__ import annotations", ""]
    if annotations.uses_literal:
        lines += ["from typing import Literal", ""]
    if models:
        lines.append(_pydantic_import(models))
    if annotations.used_types:
        lines += ["", f"from .types import {', '.join(sorted(annotations.used_types, key=isort_key))}"]
    return tuple(lines)


def _records_in_dependency_order(type_decls: Sequence[ir.TypeDecl]) -> list[ir.TypeDecl]:
    """Records after the records their fields name (source order otherwise; cycles keep source order)."""
    by_name = {d.name.name: d for d in type_decls}
    done: list[ir.TypeDecl] = []
    visiting: set[str] = set()

    def visit(d: ir.TypeDecl) -> None:
        if d in done or d.name.name in visiting:
            return
        visiting.add(d.name.name)
        for f in d.fields:
            for node in ir.walk(f.type):
                if isinstance(node, ir.NamedType) and node.name.name in by_name:
                    visit(by_name[node.name.name])
        done.append(d)

    for d in type_decls:
        visit(d)
    return done


def _pydantic_import(models: Sequence[ModelView]) -> str:
    """The ``from pydantic import ...`` line of a file that declares ``models``."""
    names = ["BaseModel"]
    names += ["ConfigDict"] if any(m.config for m in models) else []
    names += ["Field"] if any(m.uses_field for m in models) else []
    return f"from pydantic import {', '.join(names)}"


def _field_stem(name: str) -> str:
    """A pydantic-safe spelling to start from: no leading ``_``, no ``model_`` prefix."""
    if name.startswith("_"):
        return "f" + name
    if name.startswith("model_"):
        return "f_" + name
    return name
