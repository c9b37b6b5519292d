"""Build a metric callable ``fn(example, prediction) -> float`` from its declaration.

Metrics run at build and eval time only; the package does not ship them
(except a module's ``reward``, which codegen emits). A ``judge`` metric is the
runtime's :class:`~lmc.runtime.judge.Judge` over its signature, asking the LM
its ``lm:`` option names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..ir import nodes as ir
from ..ir.values import options_dict
from ..runtime import metrics as builtin_metrics
from ..runtime.judge import Judge
from ..runtime.lm.protocol import LanguageModel
from ..runtime.signature import Signature
from .pyref import load_ref

Metric = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

_BUILTINS: dict[str, Callable[[str], Metric]] = {
    "exact_match": builtin_metrics.exact_match,
    "f1": builtin_metrics.f1,
    "contains": builtin_metrics.contains,
}


class MetricError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class JudgeParts:
    """What a ``judge`` metric is made from: the package's signatures by name, and the LMs by name."""

    signatures: Mapping[str, Signature]
    lm: Callable[[str], LanguageModel]


def make_metric(decl: ir.MetricDecl, base_dir: Path, judge: JudgeParts) -> Metric:
    expr = decl.expr
    if isinstance(expr, ir.PythonRef):
        fn = load_ref(expr.ref, base_dir)

        def python_metric(example: Mapping[str, Any], prediction: Mapping[str, Any]) -> Any:
            return fn(dict(example), dict(prediction))

        python_metric.__name__ = decl.name.name
        return python_metric
    if expr.func.name == "judge":
        return _judge(decl.name.name, expr, judge)
    factory = _BUILTINS.get(expr.func.name)
    if factory is None:
        raise MetricError(f"metric `{expr.func.name}` is not supported by `lmc build` yet")
    return factory(expr.args[0].name)


def _judge(name: str, expr: ir.BuiltinMetric, parts: JudgeParts) -> Judge:
    lm_name = options_dict(expr.options).get("lm", "default")
    return Judge(name, parts.signatures[expr.args[0].name], parts.lm(lm_name))
