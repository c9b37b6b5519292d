"""``BestOfN(Sig, n: 3, reward: metric, threshold: 1.0)``: up to n attempts, keep the best.

DSPy's ``dspy.BestOfN`` over a ``Predict`` of the signature. Attempt ``i``
is rollout ``i`` (a fresh sample at temperature 1.0, see ``rollout.py``); the
reward metric scores it as ``reward(inputs, outputs)`` (the module's inputs
and its prediction: there is no gold answer when a program runs). A ``judge``
reward (``judge.py``) asks the LM the program runs with. The first
attempt whose reward reaches ``threshold`` is returned at once; without a
threshold all ``n`` run. Otherwise the attempt with the highest reward wins
(the earliest among equals).

An attempt whose answer cannot be parsed is skipped; when none parses, the
last parse error is raised. A reward may return what any metric may (a
number, a bool, or a score with feedback: ``metrics.as_score``); only the
number counts. A reward that raises, or returns anything else, stops the
module with that error: it is a bug in the reward, not a bad sample.

Only the kept attempt's call is recorded in the program's trace (DSPy keeps
the best trace), so bootstrapped demos show answers the reward liked. The
module has one predictor, at its own path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import ParseError, ProgramError
from ..judge import Judge
from ..lm.rollout import current_rollout, rollout
from ..metrics import MetricValueError, as_score
from ..signature import ModuleSpec, Params
from ..trace import Prediction, TraceEntry, capture_trace, record
from .composite import check_inputs, check_options, predictor, require_context

if TYPE_CHECKING:
    from ..lm.protocol import LanguageModel
    from ..modules import ModuleContext

__all__ = ["Attempt", "BestOfN", "Reward"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reward:
    """A metric of the file used as a reward: ``fn(inputs, prediction)``, a number, a bool or a score with feedback."""

    name: str
    fn: Callable[[dict[str, Any], dict[str, Any]], Any]

    def score(self, path: str, inputs: Mapping[str, Any], prediction: Mapping[str, Any]) -> float:
        value = self.fn(dict(inputs), dict(prediction))
        try:
            return as_score(value, f"the reward `{self.name}`").score
        except MetricValueError as err:
            raise TypeError(f"module `{path}`: {err}") from None


@dataclass(frozen=True, slots=True)
class Attempt:
    """One scored attempt and the module calls it made."""

    prediction: Prediction
    trace: tuple[TraceEntry, ...]
    reward: float


class BestOfN:
    kind: ClassVar[str] = "BestOfN"
    options: ClassVar[tuple[str, ...]] = ("n", "reward", "threshold")

    @classmethod
    def create(cls, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None) -> BestOfN:
        check_options(spec, cls.options, required=("n", "reward"))
        ctx = require_context(spec, ctx)
        name = spec.options["reward"]
        metric = ctx.metric(name)
        if isinstance(metric, Judge):
            metric = metric.with_lm(ctx.lm)
        threshold = spec.options.get("threshold")
        return cls(
            spec,
            params,
            lm,
            n=int(spec.options["n"]),
            reward=Reward(name, metric),
            threshold=None if threshold is None else float(threshold),
        )

    def __init__(
        self,
        spec: ModuleSpec,
        params: Params,
        lm: LanguageModel | None,
        *,
        n: int,
        reward: Reward,
        threshold: float | None = None,
    ) -> None:
        self.path = spec.path
        self.signature = spec.signature
        self.n = n
        self.reward = reward
        self.threshold = threshold
        self.predict = predictor(ModuleSpec(spec.path, "Predict", spec.signature), params, lm)

    # -------------------------------------------------------------- calls

    def __call__(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        start = current_rollout() or 0
        best: Attempt | None = None
        failure: ParseError | None = None
        hint: str | None = None
        for i in range(self.n):
            with capture_trace() as trace, rollout(start + i):
                try:
                    prediction = self._attempt(inputs, hint)
                except ParseError as err:
                    failure = self._failed(i, err)
                    continue
            attempt = Attempt(prediction, tuple(trace), self.reward.score(self.path, inputs, prediction))
            best = attempt if best is None or attempt.reward > best.reward else best
            if self._reached(attempt):
                break
            if i < self.n - 1:
                hint = self._advise(inputs, attempt, hint)
        return self._keep(best, failure)

    async def acall(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        start = current_rollout() or 0
        best: Attempt | None = None
        failure: ParseError | None = None
        hint: str | None = None
        for i in range(self.n):
            with capture_trace() as trace, rollout(start + i):
                try:
                    prediction = await self._aattempt(inputs, hint)
                except ParseError as err:
                    failure = self._failed(i, err)
                    continue
            attempt = Attempt(prediction, tuple(trace), self.reward.score(self.path, inputs, prediction))
            best = attempt if best is None or attempt.reward > best.reward else best
            if self._reached(attempt):
                break
            if i < self.n - 1:
                hint = await self._aadvise(inputs, attempt, hint)
        return self._keep(best, failure)

    # ---------------------------------------------- what Refine changes

    def _attempt(self, inputs: Mapping[str, Any], hint: str | None) -> Prediction:
        return self.predict(**inputs)

    async def _aattempt(self, inputs: Mapping[str, Any], hint: str | None) -> Prediction:
        return await self.predict.acall(**inputs)

    def _advise(self, inputs: Mapping[str, Any], attempt: Attempt, hint: str | None) -> str | None:
        """The hint for the next attempt (``BestOfN`` gives none)."""
        return hint

    async def _aadvise(self, inputs: Mapping[str, Any], attempt: Attempt, hint: str | None) -> str | None:
        return hint

    # ------------------------------------------------------------ helpers

    def _reached(self, attempt: Attempt) -> bool:
        return self.threshold is not None and attempt.reward >= self.threshold

    def _failed(self, i: int, err: ParseError) -> ParseError:
        logger.info("module `%s`: attempt %d of %d could not be parsed", self.path, i + 1, self.n)
        return err

    def _keep(self, best: Attempt | None, failure: ParseError | None) -> Prediction:
        if best is None:
            raise failure if failure is not None else ProgramError(f"module `{self.path}` made no attempt (n={self.n})")
        for entry in best.trace:
            record(entry)
        return best.prediction

    def __repr__(self) -> str:
        return f"{self.kind}({self.signature.name}, path={self.path!r}, n={self.n}, reward={self.reward.name!r})"
