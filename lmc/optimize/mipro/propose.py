"""MIPROv2's grounded instruction proposer (DSPy's ``GroundedProposer``, ``create_dataset_summary``).

Each proposal for a module is grounded in what the prompt model is told:

- **the data**: a summary the prompt model writes once from the trainset,
  ``view_data_batch_size`` rows at a time (observations, then observations
  added to them until it says ``COMPLETE`` five times or has seen ten
  batches, then a 2-3 sentence summary), all at temperature 1.0
  (:func:`dataset_summary`: each request carries the observations so far,
  so they go one after another; MIPROv2 runs it beside the bootstraps and
  the descriptions);
- **the program**: its structure (the program's inputs and outputs, every
  module's kind and signature, in ``.lmp`` form with the starting
  instructions), and a description of the program and of the module that
  the prompt model writes from it;
- **examples**: up to three bootstrapped demos of the module, from the demo
  set this proposal is for and then the following ones;
- **a tip** drawn at random ("be creative", "be concise", a persona, ...).

The random draws are DSPy's, in DSPy's order, from the optimizer's
generator: for every module, for every demo set ``i < min(n, sets)``, a tip
(``rng.choice``, when tips are on) and then a rollout id
(``rng.randint(0, 10**9)``). Proposal ``i`` is grounded in demo set ``i``;
proposal 0 shows no demos, and DSPy asks for it and then replaces it with
the starting instruction, so lmc draws its tip and rollout (the generator
stays in step with DSPy's, and so do the later tips and the trials'
minibatches) but does not ask. A rollout is a fresh sample, cached under its
own key: DSPy sends ``init_temperature`` with the rollout id as a cache key;
lmc's LM interface has no such key outside the runtime's rollouts (which
sample at 1.0 whatever the option), so each proposal is asked at
``init_temperature`` plus an offset of 0.01-0.05 computed from its rollout
id (``rollout_temperature``): distinct, cacheable, the same on every rerun.

DSPy asks for the program and module descriptions again with every proposal
(at its rollout); lmc asks once per distinct example set, at
``init_temperature`` (the answer would come from the cache anyway). All
draws are made first; the proposals then run ``threads`` at a time and are
taken in order (``ahead.py``), so the candidates do not depend on thread
timing. A description or summary that does not parse leaves that part out,
as DSPy does on an error; a proposal that does not parse is skipped.
"""

from __future__ import annotations

import logging
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Generic, TypeVar

from ...data.datasets import Example
from ...records import record
from ...runtime.lm.protocol import LanguageModel
from ...runtime.program import Program
from ...runtime.signature import Field, Params, Signature
from ...runtime.types import annotation_name
from ...schemas.blocks import MODULE_EXTRA_OUTPUTS
from ..core.ahead import Gate, in_order
from ..core.base import CallCounter
from ..core.prompt_model import ask, at_temperature, signature, strip_prefix
from .demo_sets import DemoSet

logger = logging.getLogger(__name__)

TIPS = {
    "none": "",
    "creative": "Don't be afraid to be creative when creating the new instruction!",
    "simple": "Keep the instruction clear and concise.",
    "description": "Make sure your instruction is very informative and descriptive.",
    "high_stakes": "The instruction should include a high stakes scenario in which the LM must solve the task!",
    "persona": 'Include a persona that is relevant to the task in the instruction (ie. "You are a ...")',
}

DEMOS_IN_CONTEXT = 3  # DSPy's BOOTSTRAPPED_FEWSHOT_EXAMPLES_IN_CONTEXT
NO_DEMOS = "No task demos provided."
SUMMARY_BATCHES = 10  # DSPy's max_calls: the first batch of rows and at most nine more
COMPLETE_SKIPS = 5  # "COMPLETE" answers that end the data summary
MAX_ROLLOUT = 10**9  # DSPy's rollout ids: rng.randint(0, 10**9)
SUMMARY_TEMPERATURE = 1.0  # DSPy's data summary requests

K = TypeVar("K")
V = TypeVar("V")

_PIPELINE = "Below is some pseudo-code for a pipeline that solves tasks with calls to language models."
_CODE = "Pseudocode for a language model program designed to solve a particular task."
_EXAMPLE = "An example of the program in use."
_SUMMARY = "Summary of the task the program is designed to solve, and how it goes about solving it."

DESCRIBE_PROGRAM = signature(
    "DescribeProgram",
    f"{_PIPELINE} Please describe what type of task this program appears to be designed to solve, "
    "and how it appears to work.",
    {"program_code": _CODE, "program_example": _EXAMPLE},
    {
        "program_description": "Describe what task the program is designed to solve, "
        "and how it goes about solving this task."
    },
)

DESCRIBE_MODULE = signature(
    "DescribeModule",
    f"{_PIPELINE} Please describe the purpose of one of the specified module in this pipeline.",
    {
        "program_code": _CODE,
        "program_example": _EXAMPLE,
        "program_description": _SUMMARY,
        "module": "The module in the program that we want to describe.",
    },
    {"module_description": "Description of the module's role in the broader program."},
)

_DESCRIBE_DATA = (
    "Given several examples from a dataset please write observations about trends that hold for most or all of "
    "the samples. "
)
_DATA_AREAS = (
    "Some areas you may consider in your observations: topics, content, syntax, conciceness, etc. It will be "
    "useful to make an educated guess as to the nature of the task this dataset will enable. Don't be afraid to "
    "be creative"
)

DATASET_DESCRIPTOR = signature(
    "DatasetDescriptor",
    _DESCRIBE_DATA + _DATA_AREAS,
    {"examples": "Sample data points from the dataset"},
    {"observations": "Somethings that holds true for most or all of the data you observed"},
)

DATASET_DESCRIPTOR_WITH_PRIOR = signature(
    "DatasetDescriptorWithPriorObservations",
    _DESCRIBE_DATA + "I will also provide you with a few observations I have already made.  Please add your own "
    "observations or if you feel the observations are comprehensive say 'COMPLETE' " + _DATA_AREAS,
    {
        "examples": "Sample data points from the dataset",
        "prior_observations": "Some prior observations I made about the data",
    },
    {
        "observations": "Somethings that holds true for most or all of the data you observed or COMPLETE if you "
        "have nothing to add"
    },
)

OBSERVATION_SUMMARIZER = signature(
    "ObservationSummarizer",
    "Given a series of observations I have made about my dataset, please summarize them into a brief 2-3 "
    "sentence summary which highlights only the most important details.",
    {"observations": "Observations I have made about my dataset"},
    {"summary": "Two to Three sentence summary of only the most significant highlights of my observations"},
)


def instruction_signature(*, data_aware: bool, program_aware: bool, tip: bool) -> Signature:
    """DSPy's ``GenerateSingleModuleInstruction``, with the fields this proposal has values for."""
    inputs: dict[str, str] = {}
    if data_aware:
        inputs["dataset_description"] = "A description of the dataset that we are using."
    if program_aware:
        inputs["program_code"] = "Language model program designed to solve a particular task."
        inputs["program_description"] = _SUMMARY
        inputs["module"] = "The module to create an instruction for."
        inputs["module_description"] = "Description of the module to create an instruction for."
    inputs["task_demos"] = "Example inputs/outputs of our module."
    inputs["basic_instruction"] = "Basic instruction."
    if tip:
        inputs["tip"] = "A suggestion for how to go about generating the new instruction."
    return signature(
        "GenerateSingleModuleInstruction",
        "Use the information below to learn about a task that we are trying to solve using calls to an LM, then "
        "generate a new instruction that will be used to prompt a Language Model to better solve the task.",
        inputs,
        {
            "proposed_instruction": "Propose an instruction that will be used to prompt a Language Model to perform this task."
        },
    )


@record
class ProposerSettings:
    """MIPROv2's ``*_aware_proposer`` switches and the proposals' temperature.

    ``data_aware`` is the caller's: its summary is None when off.
    """

    program_aware: bool = True
    tip_aware: bool = True
    fewshot_aware: bool = True
    init_temperature: float = 1.0


@record
class Draw:
    """The random choices of one proposal: which module, which demo set, its tip and its rollout id."""

    path: str
    index: int
    tip: str
    rollout: int


def rollout_temperature(temperature: float, rollout: int) -> float:
    """The temperature a proposal is asked at: ``temperature`` plus 0.01-0.05, a function of its rollout id."""
    return round(temperature + 0.01 + 0.04 * rollout / MAX_ROLLOUT, 6)


class GroundedProposer:
    """Proposes instructions for every module of ``program``; see the module docstring.

    ``lm`` is the prompt model, ``calls`` counts its requests; ``rng`` is the
    optimizer's generator: tips and rollouts are drawn from it. ``summary``
    gives the data summary (None: not data aware, or it did not parse); a
    proposal asks for it only once its descriptions are in, so a summary
    still being written delays the proposals' last request only.
    """

    def __init__(
        self,
        program: Program,
        start: Mapping[str, Params],
        lm: LanguageModel,
        calls: CallCounter,
        settings: ProposerSettings,
        rng: random.Random,
        summary: Callable[[], str | None],
    ) -> None:
        self.program = program
        self.start = start
        self.raw_lm = lm
        self.calls = calls
        self.settings = settings
        self.rng = rng
        self.summary = summary
        self.code = program_code(program, start)
        self._describing = calls.wrap(at_temperature(lm, settings.init_temperature))
        self._descriptions: _Once[str, str | None] = _Once()
        self._module_descriptions: _Once[tuple[str, str], str | None] = _Once()

    def draws(self, sets: Sequence[DemoSet], n: int) -> list[Draw]:
        """Every proposal's random choices, drawn now in DSPy's order; see the module docstring."""
        count = min(n, max(len(sets), 1))
        out = []
        for path in self.program.module_paths:
            for index in range(count):
                tip = TIPS[self.rng.choice(list(TIPS))] if self.settings.tip_aware else ""
                out.append(Draw(path, index, tip, self.rng.randint(0, MAX_ROLLOUT)))
        return out

    def propose(
        self, sets: Sequence[DemoSet], n: int, threads: int = 1, gate: Gate | None = None
    ) -> dict[str, list[str]]:
        """Instruction candidates per module: the start, then one proposal per demo set after the first.

        At most ``n`` in all, and no more than there are demo sets (DSPy's
        rule); fewer when proposals do not parse. The proposals run
        ``threads`` at a time, each holding a slot of ``gate`` when given;
        the answers are taken in draw order.
        """
        asked = [d for d in self.draws(sets, n) if d.index > 0]
        candidates = {path: [self.start[path].instructions] for path in self.program.module_paths}
        jobs = [partial(self._propose_one, draw, sets) for draw in asked]
        for draw, proposed in zip(asked, in_order(jobs, threads, gate), strict=True):
            if proposed is not None:
                candidates[draw.path].append(proposed)
        return candidates

    def _propose_one(self, draw: Draw, sets: Sequence[DemoSet]) -> str | None:
        demos = self._task_demos(draw.path, sets, draw.index) if self.settings.fewshot_aware else NO_DEMOS
        inputs: dict[str, str] = {"task_demos": demos, "basic_instruction": self.start[draw.path].instructions}
        aware = self.settings.program_aware and self._describe(draw.path, demos, inputs)
        summary = self.summary()
        if summary is not None:
            inputs["dataset_description"] = summary
        if draw.tip:
            inputs["tip"] = draw.tip
        sig = instruction_signature(data_aware=summary is not None, program_aware=aware, tip=bool(draw.tip))
        temperature = rollout_temperature(self.settings.init_temperature, draw.rollout)
        answer = ask(self.calls.wrap(at_temperature(self.raw_lm, temperature)), sig, **inputs)
        return None if answer is None else strip_prefix(answer["proposed_instruction"])

    def _task_demos(self, path: str, sets: Sequence[DemoSet], index: int) -> str:
        """Up to three bootstrapped demos of ``path``: from set ``index``, then the sets after it, then before."""
        order = [*sets[index:], *sets[:index]]
        fields = module_fields(self.program, path)
        shown = [
            example_string(fields, demo.value)
            for demo_set in order
            for demo in demo_set.demos.get(path, ())
            if demo.origin.kind == "bootstrapped"
        ][:DEMOS_IN_CONTEXT]
        return "\n\n".join(shown) + "\n\n" if shown else NO_DEMOS

    def _describe(self, path: str, demos: str, inputs: dict[str, str]) -> bool:
        """Add the program's and the module's descriptions to ``inputs``; False when either is missing."""
        program_description = self._descriptions.get(demos, partial(self._describe_program, demos))
        if program_description is None:
            return False
        module_description = self._module_descriptions.get(
            (path, demos), partial(self._describe_module, path, demos, program_description)
        )
        if module_description is None:
            return False
        inputs.update(
            program_code=self.code,
            program_description=program_description,
            module=module_line(self.program, path),
            module_description=module_description,
        )
        return True

    def _describe_program(self, demos: str) -> str | None:
        answer = ask(self._describing, DESCRIBE_PROGRAM, program_code=self.code, program_example=demos)
        return None if answer is None else strip_prefix(answer["program_description"])

    def _describe_module(self, path: str, demos: str, program_description: str) -> str | None:
        answer = ask(
            self._describing,
            DESCRIBE_MODULE,
            program_code=self.code,
            program_example=demos,
            program_description=program_description,
            module=module_line(self.program, path),
        )
        return None if answer is None else answer["module_description"]


class _Once(Generic[K, V]):
    """Values computed once per key, whichever thread asks first; the others wait for it.

    A computation that raises leaves the key unset (the next asker tries again).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[K, threading.Lock] = {}
        self._values: dict[K, V] = {}

    def get(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


def dataset_summary(trainset: Sequence[Example], batch_size: int, lm: LanguageModel) -> str | None:
    """The prompt model's 2-3 sentence summary of the trainset (DSPy asks at temperature 1.0), or None."""
    first = ask(lm, DATASET_DESCRIPTOR, examples=repr(list(trainset[:batch_size])))
    if first is None:
        return None
    observations = first["observations"]
    skips = 0
    for start in range(batch_size, len(trainset), batch_size)[: SUMMARY_BATCHES - 1]:
        more = ask(
            lm,
            DATASET_DESCRIPTOR_WITH_PRIOR,
            prior_observations=observations,
            examples=repr(list(trainset[start : start + batch_size])),
        )
        if more is None:  # DSPy keeps the observations so far when a batch fails
            break
        if more["observations"][:8].upper() == "COMPLETE":
            skips += 1
            if skips >= COMPLETE_SKIPS:
                break
            continue
        observations += more["observations"]
    summary = ask(lm, OBSERVATION_SUMMARIZER, observations=observations)
    return None if summary is None else strip_prefix(summary["summary"])


# ------------------------------------------------------- program structure


def module_fields(program: Program, path: str) -> tuple[Field, ...]:
    """The fields one call of the module has: inputs, the outputs its kind adds, the signature's outputs."""
    spec = program.modules[path]
    extra = tuple(Field(name) for name in MODULE_EXTRA_OUTPUTS.get(spec.kind, ()))
    return spec.signature.inputs + extra + spec.signature.outputs


def module_line(program: Program, path: str) -> str:
    """DSPy's module summary: ``Predict(sentence) -> label``."""
    spec = program.modules[path]
    fields = module_fields(program, path)
    inputs = ", ".join(f.name for f in spec.signature.inputs)
    outputs = ", ".join(f.name for f in fields[len(spec.signature.inputs) :])
    return f"{spec.kind}({inputs}) -> {outputs}"


def program_code(program: Program, start: Mapping[str, Params]) -> str:
    """The program as the prompt model reads it: its signature and modules, in ``.lmp`` form."""
    ins = ", ".join(_typed(f) for f in program.inputs)
    outs = ", ".join(_typed(f) for f in program.outputs)
    lines = [f"program {program.name}({ins}) -> ({outs})"]
    for path in program.module_paths:
        spec = program.modules[path]
        sig = spec.signature
        lines += ["", f"module {path} = {spec.kind}({sig.name})", f"signature {sig.name} {{"]
        lines.append(f'  """{start[path].instructions}"""')
        lines += [f"  in {_typed(f)}{_desc(f)}" for f in sig.inputs]
        lines += [f"  out {_typed(f)}{_desc(f)}" for f in sig.outputs]
        lines.append("}")
    return "\n".join(lines)


def example_string(fields: Sequence[Field], values: Mapping[str, Any]) -> str:
    """DSPy's ``create_example_string``: one ``Prefix: value`` line per field."""
    return "\n".join(f"{field_prefix(f.name)} {values.get(f.name)}" for f in fields)


def field_prefix(name: str) -> str:
    """DSPy's default prefix of a field: ``proposed_instruction`` -> ``Proposed Instruction:``."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).split("_")
    return " ".join(w[:1].upper() + w[1:] for w in words if w) + ":"


def _typed(f: Field) -> str:
    return f"{f.name}: {annotation_name(f.annotation)}"


def _desc(f: Field) -> str:
    return f' "{f.desc}"' if f.desc else ""
