"""View-models: everything the templates print, computed from the IR in Python.

Templates only loop and print. Every value that reaches Python source is
already source text here: names come from ``names.Namer`` (collision-free,
deterministic), constants from ``literals.py_literal``. The order of every
sequence follows the ``.lmp`` file, so a rebuild gives the same bytes.

``build_view`` claims every name first (``plan.py``), then builds each
generated file's part: ``models.py`` for ``types.py`` and ``results.py``,
``programs.py``, ``params.py``, ``entry.py`` for ``__init__.py``, and
``package.py`` for ``pyproject.toml`` and the README; ``data.py`` holds the
view dataclasses.
Records are built before the program bodies, whose translation needs the
field names the records renamed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ...ir import nodes as ir
from ...runtime.signature import Params
from ..info import BuildInfo, ParityCase
from ..literals import py_literal
from ..names import isort_key
from ..param_parts import table_names
from ..retrievers import corpus_files
from ..typemap import Annotations
from ..vendor import adapter_modules, kind_modules
from . import entry
from . import package as front
from .data import PackageView
from .models import ModelBuilder, enum_views, results_imports, types_imports
from .params import params_views
from .plan import Plan
from .programs import (
    metric_sources,
    module_views,
    programs_imports,
    retriever_sources,
    signature_view,
    tool_sources,
    translate_programs,
)

__all__ = ["PackageView", "build_view"]


def build_view(
    source: ir.SourceFile,
    *,
    package: str,
    source_dir: Path,
    params: Mapping[str, Params] | None,
    parity: Sequence[ParityCase],
    info: BuildInfo,
) -> PackageView:
    plan = Plan(source, package=package, source_dir=source_dir)
    models = ModelBuilder(plan)
    # types.py's records get their own Annotations: what they name need not be imported by programs.py.
    record_annotations = Annotations(plan.type_names)
    records = models.records(record_annotations)
    annotations = Annotations(plan.type_names)
    signatures = tuple(signature_view(plan, name, annotations) for name in plan.signature_names)
    modules, module_order = module_views(plan)
    tools = tool_sources(plan, annotations)
    programs = translate_programs(plan, annotations, models.renamed_fields)
    types_for_programs = sorted(annotations.used_types | programs.used_enums)
    model_annotations = Annotations(plan.type_names)
    program_models = models.program_models(model_annotations)
    init_annotations = Annotations(plan.type_names)
    program_classes = entry.program_classes(plan, init_annotations)
    data_files = corpus_files(plan.retriever_decls, plan.source_dir)
    default_model, default_options = front.default_lm(plan, info)
    return PackageView(
        package=plan.package,
        source_name=info.source_name,
        types_imports=types_imports(plan, records, record_annotations.uses_literal),
        enums=enum_views(plan),
        models=records,
        results_imports=results_imports(program_models, model_annotations),
        program_models=program_models,
        programs_imports=programs_imports(
            plan, programs, annotations.uses_literal, types_for_programs, bool(data_files)
        ),
        signatures=signatures,
        modules=modules,
        tools=tools,
        retrievers=retriever_sources(plan, data_files),
        metrics=metric_sources(plan),
        uses_data_dir=bool(data_files),
        programs=programs.views,
        params=params_views(plan, params or {}, module_order),
        knn_tables=tuple(py_literal(name) for name in sorted(set(table_names(params or {}).values()))),
        init_imports=entry.init_imports(plan),
        init_type_checking=entry.init_type_checking(plan, init_annotations.uses_literal),
        program_classes=program_classes,
        lazy_names=tuple((py_literal(name), py_literal(module)) for name, module in entry.lazy_names(plan)),
        default_model=py_literal(default_model),
        default_options=py_literal(default_options),
        exports=tuple(py_literal(n) for n in sorted(entry.exports(plan), key=isort_key)),
        error_docs=entry.error_docs(plan),
        dependencies=front.dependencies(plan, models.any_alias),
        local_extra=front.LOCAL_EXTRA,
        local_weights=front.LOCAL_WEIGHTS,
        docs=front.doc_programs(plan),
        info=info,
        default_model_id=default_model,
        ext_modules=tuple(plan.ext_modules.values()),
        data_files=tuple(data_files.values()),
        kind_modules=kind_modules(m.kind.name for p in plan.program_decls for m in p.modules)
        + adapter_modules(_adapters_used(plan, params or {})),
        parity_json=front.parity_json(parity),
        parity_cases=len(parity),
    )


def _adapters_used(plan: Plan, params: Mapping[str, Params]) -> set[str]:
    """Every adapter name the package's modules may use: those the file pins, and the learned ones."""
    from ...ir.values import options_dict

    used = {
        str(options_dict(m.options)["adapter"])
        for p in plan.program_decls
        for m in p.modules
        if options_dict(m.options).get("adapter") is not None
    }
    for p in params.values():
        used.update(q.adapter for q in (p, *p.members))
    return used
