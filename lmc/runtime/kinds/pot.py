"""ProgramOfThought: the LM writes Python, a sandbox runs it, the LM answers from what it printed.

DSPy's ``dspy.ProgramOfThought`` flow, in three steps, each a
``ChainOfThought`` (``reasoning`` comes first):

1. *generate*: the signature's inputs -> ``generated_code``;
2. the code runs in ``sandbox.run_python``. When it fails (an exception, a
   limit reached, no code in the answer, nothing printed), *regenerate*: the
   inputs, ``previous_code`` and ``error`` -> a new ``generated_code``.
   ``max_iters`` (default 3) counts the code attempts, the first included,
   as DSPy counts them; when the last one fails too the call raises
   ``ProgramError``. The sandbox's limits are the module's options
   ``timeout_s``, ``memory_mb``, ``output_kb`` and ``file_mb`` (lmc's, not
   DSPy's), ``sandbox.Limits``' defaults for those not given;
3. *answer*: the inputs, ``final_generated_code`` and ``code_output`` -> the
   signature's outputs, after ``reasoning``.

Parameters. ``Params.instructions`` is the task (the signature's
instructions unless an optimizer rewrote them): every step's prompt states
it, then that step's own instructions. The demos belong to the *answer*
step's signature (the inputs, ``final_generated_code``, ``code_output``, then
``reasoning`` and the outputs): that call is the one recorded in the trace,
so a bootstrapped demo carries exactly those fields, and a labeled demo
(inputs and outputs only) shows as an incomplete example. The code steps run
without demos.

This module imports ``modules`` only when a ``ProgramOfThought`` is built:
``modules`` lists this kind in ``KINDS``, so it imports this file.
"""

from __future__ import annotations

import ast
import logging
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import ProgramError
from ..signature import Field, ModuleSpec, Params, Signature
from ..trace import Prediction, TraceEntry, capture_trace, record
from ..types import to_jsonable
from .sandbox import LIMIT_OPTIONS, Limits, SandboxResult, limits_from, run_python

if TYPE_CHECKING:
    from ..adapters import Adapter
    from ..lm.protocol import LanguageModel
    from ..modules import ModuleContext, Predict

__all__ = ["ProgramOfThought", "extract_code"]

logger = logging.getLogger(__name__)

DEFAULT_MAX_ITERS = 3
OUTPUT_LIMIT = 4000  # characters of the code's output the answer step is shown
ERROR_LIMIT = 2000  # characters of an error the regenerate step is shown (its end, where the exception is)

# DSPy's fields and descriptions.
GENERATED_CODE = Field("generated_code", str, "python code that answers the question")
PREVIOUS_CODE = Field("previous_code", str, "previously-generated python code that errored")
ERROR = Field("error", str, "error message from previously-generated python code")
FINAL_CODE = Field("final_generated_code", str, "python code that answers the question")
CODE_OUTPUT = Field("code_output", str, "output of previously-generated python code")
ADDED_FIELDS = ("reasoning", "generated_code", "previous_code", "error", "final_generated_code", "code_output")

RESULT_NOTE = "Print the result, or end the code with an expression whose value is the result."
SANDBOX_NOTE = (
    "The code runs in a sandbox: the standard library only, no network, no files outside its own folder. " + RESULT_NOTE
)
NO_CODE = "The answer held no code."
NO_OUTPUT = "The code ran but printed nothing. " + RESULT_NOTE

_FENCE = re.compile(r"```[ \t]*(?:python3?|py)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One piece of generated code and what running it gave: an output or an error."""

    code: str
    output: str | None
    error: str | None


class ProgramOfThought:
    """Code written by the LM, run in a sandbox, then an answer from its output (see the module doc)."""

    kind: ClassVar[str] = "ProgramOfThought"
    parts: ClassVar[tuple[str, ...]] = ()  # one set of parameters: the module's own (see the module doc)
    options: ClassVar[tuple[str, ...]] = ("max_iters", *LIMIT_OPTIONS)

    @classmethod
    def create(
        cls, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None
    ) -> ProgramOfThought:
        """What ``make_module`` calls; this kind needs nothing from the program's context."""
        return cls(spec, params, lm)

    def __init__(self, spec: ModuleSpec, params: Params, lm: LanguageModel | None) -> None:
        from ..modules import REASONING, ChainOfThought  # here, not at the top: modules imports this file

        unknown = sorted(set(spec.options) - set(self.options))
        if unknown:
            raise ProgramError(
                f"module `{spec.path}`: {self.kind} takes only {', '.join(f'`{o}`' for o in self.options)} "
                f"(got {', '.join(unknown)})"
            )
        self.max_iters = _max_iters(spec.path, spec.options.get("max_iters", DEFAULT_MAX_ITERS))
        try:
            self.limits: Limits = limits_from(spec.options)
        except ValueError as err:
            raise ProgramError(f"module `{spec.path}`: {err}") from None
        task = spec.signature.with_instructions(params.instructions)
        clash = [f.name for f in task.fields if f.name in ADDED_FIELDS]
        if clash:
            raise ProgramError(f"signature `{task.name}` already has a field `{clash[0]}`, which {self.kind} adds")
        self.path = spec.path
        self.lm = lm
        # What a caller gets back: the answer step's outputs, reasoning first.
        self.signature: Signature = task.prepend_output(REASONING)
        self.demos = tuple(params.demos)
        generate, regenerate, answer = step_signatures(task)

        def step(signature: Signature, demos: tuple[Mapping[str, Any], ...] = ()) -> Predict:
            step_spec = ModuleSpec(path=self.path, kind=ChainOfThought.kind, signature=signature)
            return ChainOfThought(step_spec, Params(signature.instructions, demos, params.adapter), lm)

        self._generate = step(generate)
        self._regenerate = step(regenerate)
        self._answer = step(answer, self.demos)

    def messages(self, inputs: Mapping[str, Any], adapter: Adapter | None = None) -> list[dict[str, str]]:
        """The messages of the first call (the code generation step)."""
        return self._generate.messages(inputs, adapter)

    def __call__(self, /, **inputs: Any) -> Prediction:
        attempt = self._run(_untraced_call(self._generate, inputs))
        for _ in range(1, self.max_iters):
            if attempt.error is None:
                break
            attempt = self._run(_untraced_call(self._regenerate, _retry_inputs(inputs, attempt)))
        final_inputs = self._final_inputs(inputs, attempt)
        return self._finish(final_inputs, _untraced_call(self._answer, final_inputs))

    async def acall(self, /, **inputs: Any) -> Prediction:
        attempt = await self._arun(await _untraced_acall(self._generate, inputs))
        for _ in range(1, self.max_iters):
            if attempt.error is None:
                break
            attempt = await self._arun(await _untraced_acall(self._regenerate, _retry_inputs(inputs, attempt)))
        final_inputs = self._final_inputs(inputs, attempt)
        return self._finish(final_inputs, await _untraced_acall(self._answer, final_inputs))

    def _run(self, prediction: Prediction) -> Attempt:
        code = extract_code(prediction["generated_code"])
        if not code:
            return self._judged(code, None)
        return self._judged(code, run_python(with_result_line(code), self.limits))

    async def _arun(self, prediction: Prediction) -> Attempt:
        import asyncio  # lazily, as in program.py: it costs ~30 ms of the package's import time

        code = extract_code(prediction["generated_code"])
        if not code:
            return self._judged(code, None)
        return self._judged(code, await asyncio.to_thread(run_python, with_result_line(code), self.limits))

    def _judged(self, code: str, result: SandboxResult | None) -> Attempt:
        if result is None:
            attempt = Attempt(code, None, NO_CODE)
        elif not result.ok:
            attempt = Attempt(code, None, _tail(result.error, ERROR_LIMIT))
        elif not result.stdout.strip():
            attempt = Attempt(code, None, NO_OUTPUT)
        else:
            attempt = Attempt(code, _head(result.stdout.strip(), OUTPUT_LIMIT), None)
        if attempt.error is not None:
            logger.debug("module `%s`: the generated code failed: %s", self.path, attempt.error)
        return attempt

    def _final_inputs(self, inputs: Mapping[str, Any], attempt: Attempt) -> dict[str, Any]:
        if attempt.error is not None:
            raise ProgramError(
                f"module `{self.path}`: the generated code failed {self.max_iters} time(s) "
                f"(max_iters: {self.max_iters}); the last error:\n{attempt.error}\n"
                f"--- the last code ---\n{attempt.code}"
            )
        return {**inputs, FINAL_CODE.name: attempt.code, CODE_OUTPUT.name: attempt.output}

    def _finish(self, inputs: Mapping[str, Any], outputs: Prediction) -> Prediction:
        record(TraceEntry(path=self.path, inputs=to_jsonable(dict(inputs)), outputs=to_jsonable(dict(outputs))))
        return Prediction(outputs)

    def __repr__(self) -> str:
        return f"{self.kind}({self.signature.name}, path={self.path!r}, max_iters={self.max_iters})"


def step_signatures(task: Signature) -> tuple[Signature, Signature, Signature]:
    """The generate, regenerate and answer signatures for ``task``, with DSPy's step instructions."""
    outputs = _names(task.outputs)
    fix_inputs = (*task.inputs, PREVIOUS_CODE, ERROR)
    answer_inputs = (*task.inputs, FINAL_CODE, CODE_OUTPUT)
    given = f"You will be given {_names(task.inputs)} and you" if task.inputs else "You"
    generate = (
        f"{given} will respond with `generated_code`.\n"
        f"Generate executable Python code that programmatically computes the correct {outputs}.\n"
        f"{SANDBOX_NOTE}"
    )
    regenerate = (
        f"You are given {_names(fix_inputs)} due to an error in previous code.\n"
        "Your task is to correct the error and provide the new `generated_code`.\n"
        f"{SANDBOX_NOTE}"
    )
    answer = f"Given the final code {_names(answer_inputs)}, provide the final {outputs}."

    def signature(suffix: str, inputs: tuple[Field, ...], outputs: tuple[Field, ...], text: str) -> Signature:
        instructions = f"{task.instructions}\n\n{text}" if task.instructions.strip() else text
        return Signature(f"{task.name}{suffix}", instructions, inputs, outputs)

    return (
        signature("Code", task.inputs, (GENERATED_CODE,), generate),
        signature("Fix", fix_inputs, (GENERATED_CODE,), regenerate),
        signature("Answer", answer_inputs, task.outputs, answer),
    )


def extract_code(text: str) -> str:
    """The code in an answer: the first fenced block if there is one, else the whole text.

    Code written on one line with escaped newlines (``a = 1\\nprint(a)``), as
    small models do, gets its newlines back.
    """
    match = _FENCE.search(text)
    code = match.group(1) if match else text
    if "\n" not in code.strip() and "\\n" in code:
        code = code.replace("\\n", "\n")
    return textwrap.dedent(code).strip()


def with_result_line(code: str) -> str:
    """``code`` plus a last line naming the variable it ends by assigning, as DSPy does.

    The sandbox prints a trailing expression's value, so ``x = 6 * 7`` shows 42.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return code  # the sandbox reports the error
    last = tree.body[-1] if tree.body else None
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return f"{code}\n{last.targets[0].id}"
    return code


def _max_iters(path: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ProgramError(f"module `{path}`: `max_iters` must be a whole number of at least 1, not {value!r}")
    return value


def _retry_inputs(inputs: Mapping[str, Any], attempt: Attempt) -> dict[str, Any]:
    return {**inputs, PREVIOUS_CODE.name: attempt.code, ERROR.name: attempt.error}


def _names(fields: tuple[Field, ...]) -> str:
    return ", ".join(f"`{f.name}`" for f in fields)


def _head(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n[... {len(text) - limit} more characters]"


def _tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"[... {len(text) - limit} characters before]\n{text[-limit:]}"


# The steps are this module's own calls: their trace entries are dropped, and
# only the module's final answer goes into the program's trace.


def _untraced_call(step: Predict, inputs: Mapping[str, Any]) -> Prediction:
    with capture_trace():
        return step(**inputs)


async def _untraced_acall(step: Predict, inputs: Mapping[str, Any]) -> Prediction:
    with capture_trace():
        return await step.acall(**inputs)
