"""``metric NAME = judge(Sig, lm: NAME)``: an LM-as-judge, as a metric and as a module's reward.

A judge is a ``Predict`` of its signature (path ``metric.NAME``, the
signature's own instructions, no demos) whose one output, a bool or a
float, is the score. Each input of the signature takes the prediction's
field of that name, else the other mapping's: the example's when the judge
scores a program run (``lmc build``, ``lmc eval``), the module's inputs when
it is the ``reward`` of a ``BestOfN`` or ``Refine`` while a program runs.

With ``feedback: true`` (``judge(Verdict, feedback: true)``) the judge is
asked one more output, ``feedback`` (a string, before the verdict, so the
verdict follows from what it wrote), and returns a
:class:`~.metrics.Score` with both; an optimizer that reads feedback (SIMBA's
rules) gets it per row. Without it, the judge returns the bare score.

The same class serves both, so a package scores its attempts exactly as
the build did. A package names its judges in ``programs.py``'s ``METRICS``
without an LM; the reward asks the LM the program runs with
(:meth:`Judge.with_lm`). The build's judge metrics ask the LM their ``lm:``
option names.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ParseError, ProgramError
from .metrics import Score
from .signature import Field, ModuleSpec, Params, Signature
from .trace import capture_trace

if TYPE_CHECKING:
    from .lm.protocol import LanguageModel

__all__ = ["FEEDBACK", "Judge"]

logger = logging.getLogger(__name__)

# The output a judge with ``feedback: true`` is asked for, before its verdict.
FEEDBACK = Field(
    "feedback",
    str,
    "What the prediction does well and what it gets wrong, concretely enough that a better answer could follow it",
)


@dataclass(frozen=True, slots=True)
class Judge:
    """A judge over ``signature``, asking ``lm`` (None until :meth:`with_lm` gives it one).

    An answer that does not parse, after every adapter, scores 0: a failed
    judgement is a low score, as a failed run is, not an error that stops
    the evaluation or the program.
    """

    name: str
    signature: Signature
    lm: LanguageModel | None = None
    feedback: bool = False

    def with_lm(self, lm: LanguageModel | None) -> Judge:
        """This judge asking ``lm``."""
        return Judge(self.name, self.signature, lm, self.feedback)

    @property
    def asked(self) -> Signature:
        """The signature the judge's LM answers: its own, with ``feedback`` before the verdict when asked for."""
        if not self.feedback:
            return self.signature
        return Signature(
            name=self.signature.name,
            instructions=self.signature.instructions,
            inputs=self.signature.inputs,
            outputs=(FEEDBACK, *self.signature.outputs),
        )

    def __call__(self, other: Mapping[str, Any], prediction: Mapping[str, Any]) -> float | Score:
        from .modules import Predict  # here: modules.py imports the kinds that import this file

        if self.lm is None:
            raise ProgramError(f"the judge `{self.name}` has no LM to ask")
        inputs = {}
        for f in self.signature.inputs:
            if f.name in prediction:
                inputs[f.name] = prediction[f.name]
            elif f.name in other:
                inputs[f.name] = other[f.name]
        asked = self.asked
        spec = ModuleSpec(f"metric.{self.name}", "Predict", asked)
        predict = Predict(spec, Params(instructions=asked.instructions), self.lm)
        # Its own trace: a judge's call is never a demo of the program it scores.
        with capture_trace():
            try:
                verdict = predict(**inputs)
            except ParseError as err:
                logger.warning("judge `%s`: its answer did not parse; scored 0 (%s)", self.name, err)
                return Score(0.0, "the judge's answer could not be read") if self.feedback else 0.0
        value = verdict[self.signature.outputs[0].name]
        score = 1.0 if value is True else 0.0 if value is False else float(value)
        return Score(score, str(verdict[FEEDBACK.name])) if self.feedback else score

    def describe(self) -> str:
        """What the judge asks, in words (``Refine`` shows it to the LM that gives advice)."""
        inputs = ", ".join(f.name for f in self.signature.inputs)
        outputs = ", ".join(f.name for f in self.asked.outputs)
        return (
            f"An LM judges ({self.signature.name}: {inputs} -> {outputs}), with these instructions:\n"
            f"{self.signature.instructions}"
        )
