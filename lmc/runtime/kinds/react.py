"""``ReAct(Sig, tools: [...], max_iters: 20, tool_timeout: 30.0)``: an agent that calls tools, then answers.

DSPy's ``dspy.ReAct`` (3.0), step for step. Each turn, the ``react``
predictor (a ``Predict``) reads the inputs and the trajectory so far and
writes ``next_thought``, ``next_tool_name`` (one of the tools, or
``finish``) and ``next_tool_args`` (a JSON object); the tool runs and its
result is appended as the turn's observation. The loop ends at ``finish``,
after ``max_iters`` turns, or when a turn's answer cannot be parsed (an
unknown tool name, say). Then the ``extract`` predictor (a
``ChainOfThought`` over the inputs and the trajectory) writes the
signature's outputs, so the module answers even when the agent never
finished. The prediction holds ``trajectory`` (a dict: ``thought_0``,
``tool_name_0``, ``tool_args_0``, ``observation_0``, ...), ``reasoning`` and
the outputs.

A tool never crashes the agent: arguments that do not fit the declared
parameter types, an exception, or a call still running after
``tool_timeout`` seconds become the observation ``Execution error in NAME:
...``, which the agent reads on its next turn. Unlike DSPy, the message
holds no traceback (it would differ between the optimizer and the package,
whose tool modules live in different folders).

Parameters: ``prog.agent`` are those of ``react``, ``prog.agent.extract``
those of ``extract``. The learned instructions of ``react`` are the task's:
the agent's fixed text (the fields, how to interleave thoughts and tool
calls, the numbered tool list, the ``finish`` tool) is composed around them
at each call, as DSPy composes it around the signature's instructions, so
an optimizer that rewrites them cannot lose the tool list. Both predictors
record their calls, so bootstrapped demos of ``react`` are single turns
(inputs and the trajectory up to that turn) and those of ``extract`` the
final answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from ..adapters import ChatAdapter
from ..errors import ParseError, ProgramError
from ..signature import Field, ModuleSpec, Params, Signature
from ..tools import Tool, ToolArgumentError, ToolResultError, ToolTimeout, call_with_timeout
from ..trace import Prediction
from .composite import check_inputs, check_options, part_params, predictor, require_context

if TYPE_CHECKING:
    from ..lm.protocol import LanguageModel
    from ..modules import ModuleContext

__all__ = ["FINISH", "ReAct", "agent_instructions", "format_trajectory"]

logger = logging.getLogger(__name__)

FINISH = "finish"
DEFAULT_MAX_ITERS = 20
DEFAULT_TOOL_TIMEOUT = 30.0
TRAJECTORY = Field("trajectory", str)


def _finished() -> str:
    return "Completed."


def finish_tool(signature: Signature) -> Tool:
    outputs = ", ".join(f"`{f.name}`" for f in signature.outputs)
    return Tool(
        FINISH,
        _finished,
        desc=f"Marks the task as complete. That is, signals that all information for producing the outputs, "
        f"i.e. {outputs}, are now available to be extracted.",
    )


def agent_instructions(instructions: str, signature: Signature, tools: Mapping[str, Tool]) -> str:
    """The ``react`` predictor's instructions: the task's, then DSPy's agent text and the tool list."""
    inputs = ", ".join(f"`{f.name}`" for f in signature.inputs)
    outputs = ", ".join(f"`{f.name}`" for f in signature.outputs)
    lines = [f"{instructions}\n"] if instructions else []
    lines += [
        f"You are an Agent. In each episode, you will be given the fields {inputs} as input. "
        "And you can see your past trajectory so far.",
        f"Your goal is to use one or more of the supplied tools to collect any necessary information "
        f"for producing {outputs}.\n",
        "To do this, you will interleave next_thought, next_tool_name, and next_tool_args in each turn, "
        "and also when finishing the task.",
        "After each tool call, you receive a resulting observation, which gets appended to your trajectory.\n",
        "When writing next_thought, you may reason about the current situation and plan for future steps.",
        "When selecting the next_tool_name and its next_tool_args, the tool must be one of:\n",
    ]
    lines += [f"({i}) {tool.describe()}" for i, tool in enumerate(tools.values(), start=1)]
    lines.append("When providing `next_tool_args`, the value inside the field must be in JSON format")
    return "\n".join(lines)


def step_signature(signature: Signature, tool_names: tuple[str, ...]) -> Signature:
    """The ``react`` predictor's fields: the inputs and ``trajectory`` in, one turn out."""
    outputs = (
        Field("next_thought", str),
        Field("next_tool_name", Literal[tool_names]),
        Field("next_tool_args", dict[str, Any]),
    )
    return Signature(signature.name, signature.instructions, signature.inputs + (TRAJECTORY,), outputs)


def extract_signature(signature: Signature) -> Signature:
    """The ``extract`` predictor's fields (``ChainOfThought`` adds ``reasoning``)."""
    return Signature(signature.name, signature.instructions, signature.inputs + (TRAJECTORY,), signature.outputs)


def format_trajectory(trajectory: Mapping[str, Any]) -> str:
    """The trajectory as the ``trajectory`` input shows it: one ``[[ ## key ## ]]`` section per entry."""
    fields = tuple(Field(key, str) for key in trajectory)
    layout = Signature("Trajectory", "", fields, (Field("x", str),))
    return ChatAdapter().user_content(layout, trajectory)


class ReAct:
    kind: ClassVar[str] = "ReAct"
    parts: ClassVar[tuple[str, ...]] = ("extract",)
    options: ClassVar[tuple[str, ...]] = ("tools", "max_iters", "tool_timeout")

    @classmethod
    def part_specs(cls, spec: ModuleSpec) -> dict[str, ModuleSpec]:
        path = f"{spec.path}.extract"
        return {path: ModuleSpec(path, "ChainOfThought", extract_signature(spec.signature))}

    @classmethod
    def create(cls, spec: ModuleSpec, params: Params, lm: LanguageModel | None, ctx: ModuleContext | None) -> ReAct:
        check_options(spec, cls.options, required=("tools",))
        ctx = require_context(spec, ctx)
        tools = []
        for name in spec.options["tools"]:
            tool = ctx.tool_object(name)
            if not isinstance(tool, Tool):
                raise ProgramError(f"module `{spec.path}`: `{name}` is not a declared tool")
            tools.append(tool)
        return cls(
            spec,
            params,
            part_params(spec, ctx, "extract"),
            lm,
            tools=tools,
            max_iters=int(spec.options.get("max_iters", DEFAULT_MAX_ITERS)),
            tool_timeout=float(spec.options.get("tool_timeout", DEFAULT_TOOL_TIMEOUT)),
        )

    def __init__(
        self,
        spec: ModuleSpec,
        params: Params,
        extract_params: Params,
        lm: LanguageModel | None,
        *,
        tools: list[Tool],
        max_iters: int = DEFAULT_MAX_ITERS,
        tool_timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    ) -> None:
        self.path = spec.path
        self.signature = spec.signature
        self.max_iters = max_iters
        self.tool_timeout = tool_timeout
        self.tools: dict[str, Tool] = {t.name: t for t in tools}
        if FINISH in self.tools:
            raise ProgramError(f"module `{spec.path}`: ReAct adds its own `{FINISH}` tool; rename yours")
        self.tools[FINISH] = finish_tool(spec.signature)
        instructions = agent_instructions(params.instructions, spec.signature, self.tools)
        step = step_signature(spec.signature, tuple(self.tools))
        self.react = predictor(
            ModuleSpec(spec.path, "Predict", step), Params(instructions, params.demos, params.adapter), lm
        )
        (extract,) = self.part_specs(spec).values()
        self.extract = predictor(extract, extract_params, lm)

    def __call__(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        trajectory: dict[str, Any] = {}
        for idx in range(self.max_iters):
            try:
                turn = self.react(**inputs, trajectory=format_trajectory(trajectory))
            except ParseError as err:
                self._stop(err)
                break
            name = self._record_turn(trajectory, idx, turn)
            trajectory[f"observation_{idx}"] = self._observe(name, turn.next_tool_args)
            if name == FINISH:
                break
        answer = self.extract(**inputs, trajectory=format_trajectory(trajectory))
        return Prediction({"trajectory": trajectory, **answer})

    async def acall(self, /, **inputs: Any) -> Prediction:
        check_inputs(self.path, self.signature, inputs)
        trajectory: dict[str, Any] = {}
        for idx in range(self.max_iters):
            try:
                turn = await self.react.acall(**inputs, trajectory=format_trajectory(trajectory))
            except ParseError as err:
                self._stop(err)
                break
            name = self._record_turn(trajectory, idx, turn)
            trajectory[f"observation_{idx}"] = await asyncio.to_thread(self._observe, name, turn.next_tool_args)
            if name == FINISH:
                break
        answer = await self.extract.acall(**inputs, trajectory=format_trajectory(trajectory))
        return Prediction({"trajectory": trajectory, **answer})

    def _stop(self, err: ParseError) -> None:
        reasons = "; ".join(f.summary() for f in err.failures)
        logger.warning(
            "module `%s`: ending the trajectory, the agent's turn could not be read (%s)", self.path, reasons
        )

    @staticmethod
    def _record_turn(trajectory: dict[str, Any], idx: int, turn: Prediction) -> str:
        trajectory[f"thought_{idx}"] = turn.next_thought
        trajectory[f"tool_name_{idx}"] = turn.next_tool_name
        trajectory[f"tool_args_{idx}"] = turn.next_tool_args
        return str(turn.next_tool_name)  # validated as one of the tool names

    def _observe(self, name: str, args: Mapping[str, Any]) -> Any:
        """The tool's result, or the error that becomes the observation instead."""
        try:
            return call_with_timeout(self.tools[name], args, self.tool_timeout)
        except (ToolArgumentError, ToolResultError, ToolTimeout) as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure of user code is the agent's observation
            reason = f"{type(exc).__name__}: {exc}"
        logger.info("module `%s`: tool `%s` failed: %s", self.path, name, reason)
        return f"Execution error in {name}: {reason}"

    def __repr__(self) -> str:
        return f"ReAct({self.signature.name}, path={self.path!r}, tools={list(self.tools)!r})"
