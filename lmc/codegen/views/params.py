"""View of ``params.py``: every module's ``Params``, learned or its signature's defaults.

A module without learned parameters keeps its signature's instructions and
no demos; parameters for a path that no module has are an error, not
silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ...ir import nodes as ir
from ...ir.values import options_dict
from ...runtime.signature import Params
from ..errors import CodegenError
from ..literals import py_literal
from ..param_parts import extra_arguments, table_names
from .data import ParamsView
from .plan import Plan, instructions


def params_views(
    plan: Plan, params: Mapping[str, Params], order: Sequence[tuple[str, ir.ModuleDecl]]
) -> tuple[ParamsView, ...]:
    """One entry per parameterised path in ``order`` (``views.programs.module_views``'s)."""
    known = {path for path, _ in order}
    unknown = sorted(set(params) - known)
    if unknown:
        raise CodegenError(f"parameters for unknown module(s): {', '.join(unknown)}")
    tables = table_names(params)
    views = []
    for path, m in order:
        pinned = options_dict(m.options).get("adapter")
        p = params.get(path) or Params(
            instructions=instructions(plan.signature(m.signature.name)), adapter=str(pinned or "chat")
        )
        views.append(
            ParamsView(
                path=py_literal(path),
                instructions=py_literal(p.instructions),
                demos=py_literal(tuple(dict(d) for d in p.demos)),
                adapter=py_literal(p.adapter),
                extra=extra_arguments(p, tables.get(path)),
            )
        )
    return tuple(views)
