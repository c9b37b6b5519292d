"""Build a metric callable ``fn(example, prediction) -> float`` from its declaration.

Metrics run at build and eval time only; the package does not ship them
(except a module's ``reward``, which codegen emits). A ``judge`` metric is a
``Predict`` of its signature, called with the LM its ``lm:`` option names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ir
from .pyref import load_ref
from .runtime import metrics as builtin_metrics
from .runtime.errors import ParseError
from .runtime.modules import LanguageModel, Predict
from .runtime.program import capture_trace
from .runtime.signature import ModuleSpec, Params, Signature
from .values import options_dict

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class JudgeMetric:
    """An LM-as-judge: its signature's inputs from the prediction, else the example; its one output the score.

    A prediction's field wins over the example's of the same name, so a judge
    of ``answer`` sees what the program answered, and one of ``gold`` the
    dataset's label. An answer that does not parse scores 0 for that example,
    as a failed run does, instead of stopping the build.
    """

    name: str
    predict: Predict

    @property
    def lm(self) -> LanguageModel:
        return self.predict.lm

    def with_lm(self, lm: LanguageModel) -> JudgeMetric:
        """The same judge asking ``lm``: a metered copy of its LM, so that budgets count its calls."""
        return JudgeMetric(self.name, _predict(self.predict.path, self.predict.signature, lm))

    def __call__(self, example: Mapping[str, Any], prediction: Mapping[str, Any]) -> Any:
        inputs = {}
        for f in self.predict.signature.inputs:
            if f.name in prediction:
                inputs[f.name] = prediction[f.name]
            elif f.name in example:
                inputs[f.name] = example[f.name]
        # Its own trace: a judge call must never become a demo of the program it scores.
        with capture_trace():
            try:
                verdict = self.predict(**inputs)
            except ParseError as err:
                logger.warning("metric `%s`: the judge's answer did not parse; scored 0 (%s)", self.name, err)
                return 0.0
        (value,) = verdict.values()
        return 1.0 if value is True else 0.0 if value is False else value


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


def _judge(name: str, expr: ir.BuiltinMetric, parts: JudgeParts) -> JudgeMetric:
    signature = parts.signatures[expr.args[0].name]
    lm_name = options_dict(expr.options).get("lm", "default")
    return JudgeMetric(name, _predict(f"metric.{name}", signature, parts.lm(lm_name)))


def _predict(path: str, signature: Signature, lm: LanguageModel) -> Predict:
    return Predict(ModuleSpec(path, "Predict", signature), Params(instructions=signature.instructions), lm)
