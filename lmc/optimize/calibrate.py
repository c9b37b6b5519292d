"""Calibrate: learn a bias per value of each choice-typed output, read from log-probabilities.

A small model often ranks the inputs well but puts every one of them on the
same side: SmolLM2-135M answers ``positive`` to nearly every review, though
its log-probability of ``positive`` is higher for the positive ones. This
optimizer (lmc's own; DSPy has none) turns on choice scoring
(``runtime/choices.py``) for every ``Predict``/``ChainOfThought`` output
whose type is an enum, a literal union or ``bool``, runs the program on the
calibration rows, and fits one additive bias per value that maximizes the
metric there. The prompts do not change: the package sends the same
messages and reads the same log-probabilities, so parity holds.

Calibration rows are the trainset examples that are not demos of the
program being calibrated (a demo's own label would be read back); the valset
decides. With ``candidates: N`` the previous optimizer's N best candidates
(in a chain after a search) are each calibrated and the best on the valset
wins. A candidate whose calibrated valset score does not beat its score
without calibration keeps its parameters unchanged (no log-probabilities
asked).

Cost in LM requests, per candidate: one scored run per calibration row and
per valset row. Fitting the biases re-runs the program on answers already
received (kept in memory here), so it makes no requests, cache or not.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import ClassVar, TypeVar

from ..data.datasets import Example
from ..host.evaluate import EvalResult, evaluate
from ..records import record
from ..runtime.choices import choice_values
from ..runtime.lm.client import LOCAL_PREFIX
from ..runtime.lm.protocol import LanguageModel, Messages, Scored
from ..runtime.signature import Params
from .core.base import CallEstimate, Candidate, DemoOrigin, OptimizeResult, Search, Task, TaskSizes
from .core.forwarding import Forwarding
from .core.options import OptionError

logger = logging.getLogger(__name__)

_A = TypeVar("_A")

SCORED_KINDS = frozenset({"Predict", "ChainOfThought"})
# Coordinate-ascent rounds over (module, field, value); two settle binary and three-way choices here.
ROUNDS = 2


@record
class Calibrate:
    name: ClassVar[str] = "Calibrate"
    candidates: int = 1

    def compile(self, task: Task) -> OptimizeResult:
        _check_lm(task.lm)
        search = Search(task, self.name)
        with search.until_budget():
            for label, params, origins, before in self._starts(task):
                fields = scored_fields(task, params)
                if not fields:
                    logger.warning("Calibrate: no Predict/ChainOfThought output is an enum, literal or bool")
                    search.record(label, before, params, origins)
                    continue
                fitted = fit(task, params, origins, fields)
                after = _evaluate(task, task.valset or task.trainset, fitted, stage=f"{label} calibrated").score
                logger.info("Calibrate %s: valset %.1f -> %.1f", label, before, after)
                if after > before:
                    search.record(f"{label} calibrated", after, fitted, origins)
                else:
                    search.record(label, before, params, origins)
        return search.result()

    def _starts(self, task: Task) -> list[tuple[str, dict[str, Params], dict[str, tuple[DemoOrigin, ...]], float]]:
        """What to calibrate: the best previous candidates with their scores, else the starting parameters."""
        usable = [c for c in task.candidates if c.params is not None]
        ranked: list[Candidate] = sorted(usable, key=lambda c: -c.score)[: self.candidates]
        if ranked:
            return [(c.label, dict(c.params or {}), dict(c.origins or {}), c.score) for c in ranked]
        params = task.start_params()
        before = _evaluate(task, task.valset or task.trainset, params, stage="start").score
        return [("start", params, task.start_origins(), before)]

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        # Per candidate: a scored run per calibration row (at most the trainset) and per valset row;
        # without previous candidates one more unscored valset run scores the start.
        per = sizes.run_calls * (sizes.trainset + sizes.valset)
        return CallEstimate(per * self.candidates + sizes.run_calls * sizes.valset, upper_bound=True)


def _check_lm(lm: LanguageModel) -> None:
    """A local model gives log-probabilities by greedy decoding: its plain answers must be greedy too."""
    model = str(getattr(lm, "model", ""))
    if model.startswith(LOCAL_PREFIX) and getattr(lm, "temperature", None) != 0:
        raise OptionError(
            f"Calibrate reads log-probabilities, which `{model}` gives at temperature 0 only: "
            "set `temperature: 0.0` in the options of its `lm` declaration"
        )


def scored_fields(task: Task, params: Mapping[str, Params]) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Per module path, its choice-typed output fields and their values (chat-format modules only)."""
    found: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}
    for path in task.program.module_paths:
        spec = task.program.modules[path]
        if spec.kind not in SCORED_KINDS or params[path].adapter != "chat" or params[path].members:
            continue
        choices = tuple(
            (f.name, values) for f in spec.signature.outputs if (values := choice_values(f.annotation)) is not None
        )
        if choices:
            found[path] = choices
    return found


def fit(
    task: Task,
    params: Mapping[str, Params],
    origins: Mapping[str, tuple[DemoOrigin, ...]],
    fields: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]],
) -> dict[str, Params]:
    """Biases that maximize the metric on the calibration rows (ties: the smaller change)."""
    rows = calibration_rows(task.trainset, origins)
    memo = _Memo(task.lm)
    bias: dict[tuple[str, str], dict[str, float]] = {(p, f): {} for p, fs in fields.items() for f, _ in fs}
    first = _evaluate(task, rows, _with_bias(params, bias), lm=memo, stage="calibration rows")
    best = first.score
    for _ in range(ROUNDS):
        changed = False
        for (path, name), current in bias.items():
            values = dict(fields[path])[name]
            for value in values[1:]:  # the first value is the reference: its bias stays 0
                for candidate in _cut_points(first, path, name, value, current):
                    trial = {**bias, (path, name): {**current, value: candidate}}
                    score = _evaluate(task, rows, _with_bias(params, trial), lm=memo).score
                    if score > best:
                        best, bias, current, changed = score, trial, trial[(path, name)], True
        if not changed:
            break
    logger.info("Calibrate: calibration rows %.1f -> %.1f with %s", first.score, best, _describe(bias))
    return _with_bias(params, bias)


def calibration_rows(trainset: Sequence[Example], origins: Mapping[str, tuple[DemoOrigin, ...]]) -> list[Example]:
    """The trainset rows no module has as a demo; the whole trainset when fewer than two are left."""
    used = {o.index for path_origins in origins.values() for o in path_origins}
    rows = [e for i, e in enumerate(trainset) if i not in used]
    return rows if len(rows) >= 2 else list(trainset)


def _cut_points(result: EvalResult, path: str, name: str, value: str, bias: Mapping[str, float]) -> list[float]:
    """Bias values for ``value`` at which it starts to win one more recorded call (just past each tie)."""
    points = set()
    for example in result.results:
        for entry in example.trace:
            scores = (entry.scores or {}).get(name) if entry.path == path else None
            if not scores or value not in scores:
                continue
            rival = max(s + bias.get(v, 0.0) for v, s in scores.items() if v != value)
            points.add(round(rival - scores[value] + 1e-3, 4))
    return sorted(points, key=abs)


def _with_bias(params: Mapping[str, Params], bias: Mapping[tuple[str, str], Mapping[str, float]]) -> dict[str, Params]:
    per_path: dict[str, dict[str, dict[str, float]]] = {}
    for (path, name), values in bias.items():
        per_path.setdefault(path, {})[name] = {v: b for v, b in values.items() if b != 0.0}
    return {path: replace(p, choice_bias=per_path[path]) if path in per_path else p for path, p in params.items()}


def _describe(bias: Mapping[tuple[str, str], Mapping[str, float]]) -> str:
    parts = [f"{p}.{f}: {dict(b)}" for (p, f), b in bias.items() if b]
    return ", ".join(parts) or "no bias"


def _evaluate(
    task: Task,
    rows: Sequence[Example],
    params: Mapping[str, Params],
    lm: LanguageModel | None = None,
    stage: str | None = None,
) -> EvalResult:
    """The program's score on ``rows``; ``stage`` names the progress shown (runs that ask the LM)."""
    return evaluate(
        task.program,
        rows,
        task.metric,
        lm=lm if lm is not None else task.lm,
        params=params,
        threads=task.threads,
        on_progress=None if stage is None else (lambda done, total: task.progress(stage, done, total)),
        fatal=task.fatal,
        metric_threshold=task.metric_threshold,
    )


class _Memo(Forwarding):
    """Answers each distinct request once; the fit's re-runs read the answers from memory.

    The fit runs the program synchronously: async requests are forwarded, not remembered.
    """

    def __init__(self, lm: LanguageModel) -> None:
        super().__init__(lm)
        self._scored: dict[str, Scored] = {}
        self._plain: dict[str, str] = {}
        self._lock = threading.Lock()

    def complete_scored(self, messages: Messages) -> Scored:
        return self._once(self._scored, self.lm.complete_scored, messages)

    def complete(self, messages: Messages) -> str:
        return self._once(self._plain, self.lm.complete, messages)

    def _once(self, answers: dict[str, _A], call: Callable[[Messages], _A], messages: Messages) -> _A:
        key = json.dumps(messages, sort_keys=True, ensure_ascii=False)
        with self._lock:
            if key in answers:
                return answers[key]
        answer = call(messages)
        with self._lock:
            return answers.setdefault(key, answer)
