"""Build a metric callable ``fn(example, prediction)`` from its declaration, and read what it returns.

Metrics run at build and eval time only; the package does not ship them
(except a module's ``reward``, which codegen emits). A ``judge`` metric is the
runtime's :class:`~lmc.runtime.judge.Judge` over its signature, asking the LM
its ``lm:`` option names (with ``feedback: true``, it writes feedback too).

A metric may return a number, a bool, or a score with feedback
(``{"score": 0.5, "feedback": "..."}``, or an object with those attributes,
as ``dspy.Prediction(score=..., feedback=...)``). :func:`measure` calls a
metric on one run and reads its value with the runtime's
:func:`~lmc.runtime.metrics.as_score` (the one reading, shared with the
package's rewards): a :class:`Score`, or :class:`MetricValueError` naming
the value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..ir import nodes as ir
from ..ir.values import options_dict
from ..records import record
from ..runtime import metrics as builtin_metrics
from ..runtime.judge import Judge
from ..runtime.lm.protocol import LanguageModel
from ..runtime.metrics import MetricValueError, Score, as_score
from ..runtime.signature import Signature
from ..runtime.trace import TraceEntry
from .pyref import load_ref
from .records import Record

Metric = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]

__all__ = ["JudgeParts", "Metric", "MetricError", "MetricValueError", "PythonMetric", "Score", "make_metric", "measure"]

_BUILTINS: dict[str, Callable[[str], Metric]] = {
    "exact_match": builtin_metrics.exact_match,
    "f1": builtin_metrics.f1,
    "contains": builtin_metrics.contains,
}


class MetricError(Exception):
    pass


@record
class JudgeParts:
    """What a ``judge`` metric is made from: the package's signatures by name, and the LMs by name."""

    signatures: Mapping[str, Signature]
    lm: Callable[[str], LanguageModel]


def make_metric(decl: ir.MetricDecl, base_dir: Path, judge: JudgeParts) -> Metric:
    expr = decl.expr
    if isinstance(expr, ir.PythonRef):
        return PythonMetric(decl.name.name, load_ref(expr.ref, base_dir))
    if expr.func.name == "judge":
        return _judge(decl.name.name, expr, judge)
    factory = _BUILTINS.get(expr.func.name)
    if factory is None:
        raise MetricError(f"metric `{expr.func.name}` is not supported by `lmc build` yet")
    return factory(expr.args[0].name)


class PythonMetric:
    """A ``python "module:function"`` metric, called as DSPy calls one: ``fn(example, pred[, trace])``.

    Both arguments are :class:`Record` values (``example.intent`` and
    ``example["intent"]``; records of the same kind on both sides). ``trace``
    is passed when the function takes a third parameter (or one named
    ``trace``): ``None`` when scoring, and while bootstrapping the run's module
    calls as ``(module path, inputs, outputs)`` tuples, as DSPy passes its
    trace to tell a demo-worthy run from a merely scored one.
    """

    def __init__(self, name: str, fn: Callable[..., Any]) -> None:
        self.__name__ = name
        self.fn = fn
        self.wants_trace = takes_trace(fn)

    def __call__(self, example: Mapping[str, Any], prediction: Mapping[str, Any], trace: Any = None) -> Any:
        args = (Record(example), Record(prediction))
        return self.fn(*args, trace) if self.wants_trace else self.fn(*args)


def takes_trace(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` takes a third positional argument (DSPy's ``trace``) or a parameter named ``trace``."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # a builtin without a signature: call it with two
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    return len(positional) >= 3 or variadic or any(p.name == "trace" for p in params)


def measure(
    metric: Callable[..., Any],
    example: Mapping[str, Any],
    outputs: Mapping[str, Any],
    trace: Sequence[TraceEntry] | None = None,
) -> Score:
    """``metric`` on one run, as a :class:`Score`; :class:`MetricValueError` when it returns no score.

    ``trace`` is given while bootstrapping: a Python metric that takes DSPy's
    ``trace`` then gets the run's module calls as ``(path, inputs, outputs)``
    tuples; when scoring, it gets None.
    """
    if trace is not None and isinstance(metric, PythonMetric) and metric.wants_trace:
        return as_score(metric(example, outputs, [(e.path, e.inputs, e.outputs) for e in trace]))
    return as_score(metric(example, outputs))


def _judge(name: str, expr: ir.BuiltinMetric, parts: JudgeParts) -> Judge:
    options = options_dict(expr.options)
    lm_name = options.get("lm", "default")
    return Judge(name, parts.signatures[expr.args[0].name], parts.lm(lm_name), feedback=options.get("feedback") is True)
