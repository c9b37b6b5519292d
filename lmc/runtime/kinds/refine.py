"""``Refine(Sig, n: 3, reward: metric, threshold: 1.0)``: ``BestOfN`` with advice between attempts.

DSPy's ``dspy.Refine``. Attempts, rewards, the threshold and the kept
attempt are ``BestOfN``'s. In addition, after each attempt that falls short
of the threshold (all of them, without one) and is not the last, an
``OfferFeedback`` call (DSPy's signature and instructions, word for word)
reads the module's declaration, its fields and instructions, the attempt's
inputs, calls and outputs, the reward's source code, the threshold and the
reward, and writes advice per module. The next attempts get that advice as
an extra input, ``hint_`` ("A hint to the module from an earlier run"),
placed after the signature's inputs; demos have no hint, so they show as
demos with a field not supplied, as in DSPy. When the advice cannot be
parsed, the previous hint stays.

The ``OfferFeedback`` call is fixed, not learned, and stays out of the
trace; the kept attempt is recorded without its hint, so its demos fit the
module's own signature. The module has one learnable predictor, at its path.
"""

from __future__ import annotations

import inspect
import json
import logging
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..adapters.base import describe_fields
from ..errors import ParseError
from ..judge import Judge
from ..signature import Field, ModuleSpec, Params, Signature
from ..trace import Prediction, TraceEntry, capture_trace, record
from ..types import to_jsonable
from .best_of_n import Attempt, BestOfN, Reward
from .composite import predictor

if TYPE_CHECKING:
    from ..lm.protocol import LanguageModel

__all__ = ["HINT", "OFFER_FEEDBACK", "Refine", "describe_module"]

logger = logging.getLogger(__name__)

HINT = Field("hint_", str, "A hint to the module from an earlier run")

OFFER_FEEDBACK = Signature(
    name="OfferFeedback",
    instructions=(
        "In the discussion, assign blame to each module that contributed to the final reward being below the "
        "threshold, if\nany. Then, prescribe concrete advice of how the module should act on its future input when "
        "we retry the process, if\nit were to receive the same or similar inputs. If a module is not to blame, the "
        "advice should be N/A.\nThe module will not see its own history, so it needs to rely on entirely concrete "
        "and actionable advice from you\nto avoid the same mistake on the same or similar inputs."
    ),
    inputs=(
        Field("program_code", str, "The code of the program that we are analyzing"),
        Field("modules_defn", str, "The definition of each module in the program, including its I/O"),
        Field("program_inputs", str, "The inputs to the program that we are analyzing"),
        Field("program_trajectory", str, "The trajectory of the program's execution, showing each module's I/O"),
        Field("program_outputs", str, "The outputs of the program that we are analyzing"),
        Field("reward_code", str, "The code of the reward function that we are analyzing"),
        Field("target_threshold", float, "The target threshold for the reward function"),
        Field("reward_value", float, "The reward value assigned to the program's outputs"),
        Field("module_names", list[str], "The names of the modules in the program, for which we seek advice"),
    ),
    outputs=(
        Field("discussion", str, "Discussing blame of where each module went wrong, if it did"),
        # DSPy's text as it is, the missing space in "kind ofscenario" included.
        Field(
            "advice",
            dict[str, str],
            "For each module, describe very concretely, in this order: the specific scenarios in which it has made "
            "mistakes in the past and what each mistake was, followed by what it should do differently in that kind "
            "ofscenario in the future. If the module is not to blame, write N/A.",
        ),
    ),
)

_RULE = "-" * 80
_INDENT = "\n" + "\t" * 2


def describe_module(name: str, signature: Signature) -> str:
    """One module's fields and instructions, laid out as DSPy's ``inspect_modules`` does."""
    instructions = _INDENT.join([""] + textwrap.dedent(signature.instructions).splitlines())
    parts = [
        _RULE,
        f"Module {name}",
        "\n\tInput Fields:",
        _INDENT.join([""] + describe_fields(signature.inputs).splitlines()),
        "\tOutput Fields:",
        _INDENT.join([""] + describe_fields(signature.outputs).splitlines()),
        f"\tOriginal Instructions: {instructions}",
        _RULE,
    ]
    return "\n".join(part.strip("\n") for part in parts)


def declaration(spec: ModuleSpec) -> str:
    """The module's ``.lmp`` declaration, rebuilt from its spec (what the feedback calls its code)."""
    options = ", ".join(f"{key}: {_option_text(value)}" for key, value in spec.options.items())
    name = spec.path.rsplit(".", 1)[-1]
    return f"module {name} = {spec.kind}({spec.signature.name}{', ' if options else ''}{options})"


def _option_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_option_text(v) for v in value) + "]"
    return "none" if value is None else str(value)


def reward_source(reward: Reward) -> str:
    """The reward function's source code (a judge's description), or its name when the source cannot be read."""
    if isinstance(reward.fn, Judge):
        return reward.fn.describe()
    try:
        return inspect.getsource(reward.fn)
    except (OSError, TypeError):
        return f"metric {reward.name}"


class Refine(BestOfN):
    kind: ClassVar[str] = "Refine"

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
        super().__init__(spec, params, lm, n=n, reward=reward, threshold=threshold)
        hinted = replace(spec.signature, inputs=spec.signature.inputs + (HINT,))
        self.hinted = predictor(ModuleSpec(spec.path, "Predict", hinted), params, lm)
        feedback_params = Params(instructions=OFFER_FEEDBACK.instructions, adapter=params.adapter)
        self.feedback = predictor(ModuleSpec(f"{spec.path}.feedback", "Predict", OFFER_FEEDBACK), feedback_params, lm)
        self.program_code = declaration(spec)
        self.reward_code = reward_source(reward)

    def _attempt(self, inputs: Mapping[str, Any], hint: str | None) -> Prediction:
        if hint is None:
            return self.predict(**inputs)
        with capture_trace() as calls:
            prediction = self.hinted(**inputs, **{HINT.name: hint})
        _record_without_hint(calls)
        return prediction

    async def _aattempt(self, inputs: Mapping[str, Any], hint: str | None) -> Prediction:
        if hint is None:
            return await self.predict.acall(**inputs)
        with capture_trace() as calls:
            prediction = await self.hinted.acall(**inputs, **{HINT.name: hint})
        _record_without_hint(calls)
        return prediction

    def _advise(self, inputs: Mapping[str, Any], attempt: Attempt, hint: str | None) -> str | None:
        try:
            with capture_trace():  # the feedback is not part of the program's trace
                feedback = self.feedback(**self.feedback_inputs(inputs, attempt))
        except ParseError as err:
            return self._no_advice(err, hint)
        return self._own_advice(feedback)

    async def _aadvise(self, inputs: Mapping[str, Any], attempt: Attempt, hint: str | None) -> str | None:
        try:
            with capture_trace():
                feedback = await self.feedback.acall(**self.feedback_inputs(inputs, attempt))
        except ParseError as err:
            return self._no_advice(err, hint)
        return self._own_advice(feedback)

    def _own_advice(self, feedback: Prediction) -> str:
        """This module's advice (``advice`` was validated as ``dict[str, str]``), N/A when it has none."""
        return str(feedback.advice.get(self.path, "N/A"))

    def _no_advice(self, err: ParseError, hint: str | None) -> str | None:
        logger.info("module `%s`: the feedback could not be parsed; the previous hint stays (%s)", self.path, err)
        return hint

    def feedback_inputs(self, inputs: Mapping[str, Any], attempt: Attempt) -> dict[str, str]:
        """What ``OfferFeedback`` reads about one attempt; values that are not text as indented JSON."""
        values: dict[str, Any] = {
            "program_code": self.program_code,
            "modules_defn": describe_module(self.path, self.predict.signature),
            "program_inputs": to_jsonable(dict(inputs)),
            "program_trajectory": [
                {"module_name": e.path, "inputs": dict(e.inputs), "outputs": dict(e.outputs)} for e in attempt.trace
            ],
            "program_outputs": to_jsonable(dict(attempt.prediction)),
            "reward_code": self.reward_code,
            "target_threshold": self.threshold,
            "reward_value": attempt.reward,
            "module_names": [self.path],
        }
        return {k: v if isinstance(v, str) else json.dumps(v, indent=2, ensure_ascii=False) for k, v in values.items()}


def _record_without_hint(calls: list[TraceEntry]) -> None:
    for entry in calls:
        record(replace(entry, inputs={k: v for k, v in entry.inputs.items() if k != HINT.name}))
