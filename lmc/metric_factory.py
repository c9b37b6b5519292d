"""Build a metric callable ``fn(example, prediction) -> float`` from its declaration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import ir
from .pyref import load_ref
from .runtime import metrics as builtin_metrics

Metric = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

_BUILTINS: dict[str, Callable[[str], Metric]] = {
    "exact_match": builtin_metrics.exact_match,
    "f1": builtin_metrics.f1,
    "contains": builtin_metrics.contains,
}


class MetricError(Exception):
    pass


def make_metric(decl: ir.MetricDecl, base_dir: Path) -> Metric:
    expr = decl.expr
    if isinstance(expr, ir.PythonRef):
        fn = load_ref(expr.ref, base_dir)

        def python_metric(example: Mapping[str, Any], prediction: Mapping[str, Any]) -> Any:
            return fn(dict(example), dict(prediction))

        python_metric.__name__ = decl.name.name
        return python_metric
    factory = _BUILTINS.get(expr.func.name)
    if factory is None:
        raise MetricError(f"metric `{expr.func.name}` is not supported by `lmc build` yet")
    return factory(expr.args[0].name)
