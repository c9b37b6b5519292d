"""Views of ``programs.py``: signatures, modules, tools, retrievers, reward metrics and program bodies.

Program bodies come from ``translate``; what they use (enums, builtins,
``field_of``) decides ``programs.py``'s imports, so ``translate_programs``
returns it with the views rather than leaving it in shared state.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from ...ir import nodes as ir
from ...ir.values import options_dict
from ...records import record
from ..errors import CodegenError
from ..literals import py_literal
from ..names import isort_key
from ..retrievers import DataFile, bm25_code
from ..translate import EnumRef, ModuleRef, ParamCode, ProgramRef, Scope, kwargs_code, translate
from ..typemap import Annotations
from .data import ModuleView, ProgramView, SignatureView
from .plan import Plan, instructions, module_parts


@record
class TranslatedPrograms:
    """Every program's view, and what their bodies need ``programs.py`` to import."""

    views: tuple[ProgramView, ...]
    used_enums: frozenset[str]  # enum class names the bodies refer to
    uses_builtins: bool
    uses_field_of: bool
    uses_any: bool


def signature_view(plan: Plan, name: str, annotations: Annotations) -> SignatureView:
    decl = plan.signature(name)
    inputs = tuple(_field(f.name.name, f.type, f.desc, annotations) for f in decl.inputs)
    outputs = tuple(_field(f.name.name, f.type, f.desc, annotations) for f in decl.outputs)
    return SignatureView(
        py_name=plan.signature_names[name],
        name=py_literal(name),
        instructions=py_literal(instructions(decl)),
        inputs=inputs,
        outputs=outputs,
    )


def module_views(plan: Plan) -> tuple[tuple[ModuleView, ...], list[tuple[str, ir.ModuleDecl]]]:
    """Each module's view, and every parameterised path (modules and their parts) in file order."""
    views, order = [], []
    for p in plan.program_decls:
        for m in p.modules:
            path = f"{p.name.name}.{m.name.name}"
            given = options_dict(m.options)
            options = {k: v for k, v in given.items() if k not in MODULE_SETTINGS}
            views.append(
                ModuleView(
                    path=py_literal(path),
                    kind=py_literal(m.kind.name),
                    signature=plan.signature_names[m.signature.name],
                    options=py_literal(options) if options else None,
                    settings=settings_code(plan, given),
                )
            )
            order.append((path, m))
            order.extend((f"{path}.{part}", m) for part in module_parts(m.kind.name))
    return tuple(views), order


# The options every module kind takes (lmc/schemas/blocks.py's MODULE_SETTINGS, which the checker reads):
# they become ModuleSpec's `lm`, `adapter` and `extraction_lm`, never the kind's own options.
MODULE_SETTINGS = ("lm", "temperature", "max_tokens", "adapter", "extraction_lm")


def settings_code(plan: Plan, given: Mapping[str, Any]) -> str | None:
    """``ModuleSpec``'s keyword arguments for a module's settings, or None when it has none."""
    lm = lm_settings(plan, given.get("lm"))
    lm.update({k: given[k] for k in ("temperature", "max_tokens") if given.get(k) is not None})
    args = []
    if lm:
        args.append(f"lm={py_literal(lm)}")
    if given.get("adapter") is not None:
        args.append(f"adapter={py_literal(given['adapter'])}")
    if given.get("extraction_lm") is not None:
        args.append(f"extraction_lm={py_literal(lm_settings(plan, given['extraction_lm']))}")
    return ", ".join(args) or None


def lm_settings(plan: Plan, name: object) -> dict[str, Any]:
    """How the LM a module names differs from the program's (``ModuleSpec.lm``): empty for none or
    ``default``, else the declared lm's model id and the options its block sets (``cache: false`` as
    ``cache: None``: no cache)."""
    if name is None or name == "default":
        return {}
    decl = plan.decls.get(str(name))
    if not isinstance(decl, ir.LmDecl):
        raise CodegenError(f"`{name}` is not a declared lm")
    options = options_dict(decl.options)
    settings: dict[str, Any] = {"model": decl.model}
    settings.update({k: v for k, v in options.items() if k != "cache" and v is not None})
    if options.get("cache") is False:
        settings["cache"] = None
    return settings


def tool_sources(plan: Plan, annotations: Annotations) -> tuple[tuple[str, str], ...]:
    out = []
    for t in plan.tool_decls:
        params = []
        for p in t.params:
            args = [py_literal(p.name.name), annotations.code(p.type)]
            if p.default is not None:
                args.append(f"default={py_literal(p.default.value)}")
            params.append(f"ToolParam({', '.join(args)})")
        args = [py_literal(t.name.name), plan.ext_callable(t.impl.ref)]
        args.append(f"params=({''.join(p + ', ' for p in params)})")
        if t.doc:
            args.append(f"desc={py_literal(t.doc)}")
        args.append(f"returns={annotations.code(t.returns)}")
        out.append((py_literal(t.name.name), f"Tool({', '.join(args)})"))
    return tuple(out)


def metric_sources(plan: Plan) -> tuple[tuple[str, str], ...]:
    """``METRICS``: each reward, a python metric's function or a judge (which asks the program's LM)."""
    out = []
    for m in plan.reward_decls:
        name = py_literal(m.name.name)
        if isinstance(m.expr, ir.PythonRef):
            out.append((name, plan.ext_callable(m.expr.ref)))
        elif is_shippable_judge(m.expr):
            feedback = ", feedback=True" if options_dict(m.expr.options).get("feedback") is True else ""
            out.append((name, f"Judge({name}, {plan.signature_names[m.expr.args[0].name]}{feedback})"))
        else:
            raise CodegenError(f"metric `{m.name.name}` is a reward, which must be a python or judge metric")
    return tuple(out)


def is_shippable_judge(expr: ir.MetricExpr) -> bool:
    """A ``judge`` on the program's own LM (no ``lm:``, or ``lm: default``): the package has that LM."""
    if not isinstance(expr, ir.BuiltinMetric) or expr.func.name != "judge":
        return False
    lm: object = options_dict(expr.options).get("lm", "default")
    return lm == "default"


def retriever_sources(plan: Plan, data_files: Mapping[str, DataFile]) -> tuple[tuple[str, str], ...]:
    out = []
    for r in plan.retriever_decls:
        options = kwargs_code([(k, py_literal(v)) for k, v in options_dict(r.options).items()])
        if r.kind.name == "bm25":
            out.append((py_literal(r.name.name), bm25_code(r, data_files[r.name.name], options)))
        elif r.kind.name == "python":
            fn = plan.ext_callable(r.source)
            out.append((py_literal(r.name.name), f"FunctionRetriever({', '.join([fn, *options])})"))
        else:
            raise CodegenError(f"unknown retriever kind `{r.kind.name}`")
    return tuple(out)


def translate_programs(plan: Plan, annotations: Annotations, renamed_fields: Set[str]) -> TranslatedPrograms:
    """Every program's body (sync and async), translated with the names the plan and the models chose."""
    scope_base = _scope_base(plan, renamed_fields)
    translated = {}
    used_enums: set[str] = set()
    uses_builtins = uses_field_of = uses_any = False
    for p in plan.program_decls:
        modules = {
            m.name.name: ModuleRef(
                f"{p.name.name}.{m.name.name}", tuple(f.name.name for f in plan.signature(m.signature.name).inputs)
            )
            for m in p.modules
        }
        params = {q.name.name: ParamCode(annotations.code(q.type), plan.default_code(q)) for q in p.params}
        body = translate(p, Scope(modules=modules, params=params, **scope_base))
        translated[p.name.name] = body
        used_enums |= body.used_enums
        uses_builtins = uses_builtins or body.uses_builtins
        uses_field_of = uses_field_of or body.uses_field_of
        uses_any = uses_any or body.uses_any
    views = []
    for p in plan.program_decls:
        name = p.name.name
        body = translated[name]
        paths = sorted(_module_paths(plan, name, translated))
        views.append(
            ProgramView(
                name=name,
                name_literal=py_literal(name),
                py_name=plan.program_names[name],
                body_name=plan.body_names[name],
                abody_name=plan.abody_names[name],
                params=body.params,
                sync_lines=body.sync_lines,
                async_lines=body.async_lines,
                inputs=tuple(_field(q.name.name, q.type, None, annotations) for q in p.params),
                outputs=tuple(_field(q.name.name, q.type, None, annotations) for q in p.outputs),
                module_paths=py_literal(tuple(paths)),
                result_name=py_literal(plan.result_names[name]),
                inputs_name=py_literal(plan.input_names[name]),
            )
        )
    return TranslatedPrograms(tuple(views), frozenset(used_enums), uses_builtins, uses_field_of, uses_any)


def programs_imports(
    plan: Plan, programs: TranslatedPrograms, uses_literal: bool, type_names: list[str], uses_data: bool
) -> tuple[str, ...]:
    stdlib = []
    if uses_data:
        stdlib.append("from pathlib import Path")
    typing = [name for name, used in (("Any", programs.uses_any), ("Literal", uses_literal)) if used]
    if typing:
        stdlib.append(f"from typing import {', '.join(typing)}")
    local = []
    if plan.ext_modules:
        for ext in sorted(plan.ext_modules.values(), key=lambda e: e.module):
            parent, _, leaf = ("._ext." + ext.module).rpartition(".")
            alias = "" if leaf == ext.py_name else f" as {ext.py_name}"
            local.append(f"from {parent} import {leaf}{alias}")
    if programs.uses_builtins:
        local.append("from ._runtime import builtins")
    if any(is_shippable_judge(m.expr) for m in plan.reward_decls):
        local.append("from ._runtime.judge import Judge")
    if programs.uses_field_of:
        local.append("from ._runtime.package import field_of")
    local.append(f"from ._runtime.program import {'Context, ' if plan.program_decls else ''}Program")
    retrievers = sorted(
        {"BM25Retriever" if r.kind.name == "bm25" else "FunctionRetriever" for r in plan.retriever_decls}
    )
    if retrievers:
        local.append(f"from ._runtime.retrieve import {', '.join(retrievers)}")
    local.append("from ._runtime.signature import Field, ModuleSpec, Signature")
    if plan.tool_decls:
        local.append("from ._runtime.tools import Tool, ToolParam")
    if type_names:
        local.append(f"from .types import {', '.join(sorted(type_names, key=isort_key))}")
    return tuple(stdlib + ([""] if stdlib else []) + local)


def _field(name: str, t: ir.TypeExpr, desc: str | None, annotations: Annotations) -> str:
    args = [py_literal(name), annotations.code(t)]
    if desc:
        args.append(py_literal(desc))
    return f"Field({', '.join(args)})"


def _scope_base(plan: Plan, renamed_fields: Set[str]) -> dict[str, Any]:
    return {
        "programs": {
            p.name.name: ProgramRef(plan.program_names[p.name.name], tuple(q.name.name for q in p.params))
            for p in plan.program_decls
        },
        "tools": frozenset(t.name.name for t in plan.tool_decls),
        "retrievers": frozenset(r.name.name for r in plan.retriever_decls),
        "enums": {
            d.name.name: EnumRef(plan.type_names[d.name.name], plan.enum_members[d.name.name]) for d in plan.enum_decls
        },
        "reserved": plan.globals.taken(),
        "renamed_fields": frozenset(renamed_fields),
    }


def _module_paths(plan: Plan, name: str, translated: Mapping[str, Any]) -> set[str]:
    """Every module a run of ``name`` can call: its own and its callees', transitively."""
    by_name = {p.name.name: p for p in plan.program_decls}
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
            paths.update(f"{path}.{part}" for part in module_parts(m.kind.name))
        stack.extend(sorted(translated[current].called_programs))
    return paths
