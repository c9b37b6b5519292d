"""``MultiChainComparison(Sig, m: 3)``: m reasoning attempts, then one answer that compares them.

DSPy's ``dspy.MultiChainComparison`` compares completions its caller made;
here the module makes them itself, as the usual DSPy recipe does: ``m``
``ChainOfThought`` attempts over the signature, each a separate rollout (a
fresh sample at temperature 1.0, see ``rollout.py``). Each attempt becomes
one input of the comparison, in DSPy's words: ``«I'm trying to <first line of
its reasoning> I'm not sure but my prediction is <first line of its last
output>»``. The comparison predictor (a ``Predict``) reads the inputs and the
attempts (``reasoning_attempt_1`` ... ``reasoning_attempt_m``) and writes
``rationale`` before the signature's outputs. The field descriptions are
DSPy's, placeholders included, so the prompt is the one DSPy sends.

An attempt whose answer cannot be parsed is left out and the remaining ones
are numbered from 1; when none parses, the last parse error is raised.

Parameters: ``prog.cmp`` are those of the comparison, ``prog.cmp.attempt``
those of the attempts. Both record their calls (one entry per attempt), so
bootstrapping can give each its demos.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import ParseError, ProgramError
from ..lm.rollout import current_rollout, rollout
from ..signature import Field, ModuleSpec, Params, Signature
from ..trace import Prediction
from ..types import format_value
from .composite import check_inputs, check_options, part_params, predictor

if TYPE_CHECKING:
    from ..lm.protocol import LanguageModel
    from ..modules import ModuleContext, Predict

__all__ = ["MultiChainComparison", "attempt_text", "comparison_signature"]

logger = logging.getLogger(__name__)

DEFAULT_M = 3
RATIONALE = Field("rationale", str, "${corrected reasoning}")


def comparison_signature(signature: Signature, attempts: int) -> Signature:
    """The signature with ``attempts`` attempt inputs appended and ``rationale`` prepended to the outputs."""
    extra = tuple(Field(f"reasoning_attempt_{i}", str, "${reasoning attempt}") for i in range(1, attempts + 1))
    return Signature(signature.name, signature.instructions, signature.inputs + extra, (RATIONALE,) + signature.outputs)


def attempt_text(signature: Signature, attempt: Prediction) -> str:
    """One attempt as the comparison reads it: its reasoning and its last output, first lines only."""
    last = signature.outputs[-1]
    rationale = _first_line(str(attempt["reasoning"]))
    answer = _first_line(format_value(last.annotation, attempt[last.name]))
    return f"«I'm trying to {rationale} I'm not sure but my prediction is {answer}»"


def _first_line(text: str) -> str:
    return text.strip().split("\n")[0].strip()


class MultiChainComparison:
    kind: ClassVar[str] = "MultiChainComparison"
    parts: ClassVar[tuple[str, ...]] = ("attempt",)

    @classmethod
    def part_specs(cls, spec: ModuleSpec) -> dict[str, ModuleSpec]:
        path = f"{spec.path}.attempt"
        return {path: ModuleSpec(path, "ChainOfThought", spec.signature)}

    @classmethod
    def create(
        cls, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None
    ) -> MultiChainComparison:
        check_options(spec, ("m",))
        return cls(spec, params, part_params(spec, ctx, "attempt"), lm, m=int(spec.options.get("m", DEFAULT_M)))

    def __init__(
        self, spec: ModuleSpec, params: Params, attempt_params: Params, lm: LanguageModel | None, *, m: int = DEFAULT_M
    ) -> None:
        self.path = spec.path
        self.signature = spec.signature
        self.m = m
        self.params = params
        self.lm = lm
        (attempt,) = self.part_specs(spec).values()
        self.attempt = predictor(attempt, attempt_params, lm)
        self._comparers: dict[int, Predict] = {}

    def comparer(self, attempts: int) -> Predict:
        """The comparison predictor for this many attempts (``m``, unless some failed)."""
        found = self._comparers.get(attempts)
        if found is None:
            spec = ModuleSpec(self.path, "Predict", comparison_signature(self.signature, attempts))
            found = predictor(spec, self.params, self.lm)
            self._comparers[attempts] = found
        return found

    def __call__(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        start = current_rollout() or 0
        attempts: list[Prediction] = []
        failure: ParseError | None = None
        for i in range(self.m):
            with rollout(start + i):
                try:
                    attempts.append(self.attempt(**inputs))
                except ParseError as err:
                    failure = self._failed(i, err)
        return self.comparer(len(attempts))(**self._compare_inputs(inputs, attempts, failure))

    async def acall(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        start = current_rollout() or 0
        attempts: list[Prediction] = []
        failure: ParseError | None = None
        for i in range(self.m):
            with rollout(start + i):
                try:
                    attempts.append(await self.attempt.acall(**inputs))
                except ParseError as err:
                    failure = self._failed(i, err)
        return await self.comparer(len(attempts)).acall(**self._compare_inputs(inputs, attempts, failure))

    def _failed(self, i: int, err: ParseError) -> ParseError:
        logger.info("module `%s`: attempt %d of %d could not be parsed; it is left out", self.path, i + 1, self.m)
        return err

    def _compare_inputs(
        self, inputs: dict[str, Any], attempts: list[Prediction], failure: ParseError | None
    ) -> dict[str, Any]:
        if not attempts:
            raise failure if failure is not None else ProgramError(f"module `{self.path}` made no attempt (m={self.m})")
        texts = {f"reasoning_attempt_{i}": attempt_text(self.signature, a) for i, a in enumerate(attempts, start=1)}
        return {**inputs, **texts}

    def __repr__(self) -> str:
        return f"MultiChainComparison({self.signature.name}, path={self.path!r}, m={self.m})"
