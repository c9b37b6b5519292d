"""COPRO: coordinate ascent over each module's instructions, proposed by the prompt model.

DSPy's procedure (``dspy/teleprompt/copro_optimizer.py``), step by step:

1. For every module, the prompt model proposes ``breadth - 1`` instructions
   from the module's starting one (``BasicGenerateInstruction``, sampled at
   ``init_temperature``); the starting instruction is the last candidate.
2. ``depth`` rounds. In each, every module in turn: each candidate
   instruction is put into the program (the other modules keep their best so
   far) and the program is scored on the **trainset** (DSPy scores COPRO on
   the trainset). A program with one module scores only the newest
   candidates; with several it scores all of them again, since the other
   modules changed. The module then keeps its best instruction so far.
3. Between rounds, every module shows the prompt model its best attempts so
   far (up to ``breadth``, worst first, each with its score) and gets
   ``breadth`` new proposals (``GenerateInstructionGivenAttempts``).
4. The result is the program scored highest in any evaluation (the first
   one on a tie, in module order). Demos are kept as they started.

When the trainset is the block's valset (the very rows: a block without a
``valset``, or one naming the same dataset twice), COPRO's evaluations are
the build's own scoring: a candidate the build has scored already (the
starting program, as the baseline) takes that score (``Task.known_scores``),
and every evaluation with no failed row is handed back for the build's final
scoring (``OptimizeResult.measured``), so the chosen program is not run on
those rows again. When every LM keeps a cache (``Task.replayable``), a
program scored already in the run (a proposal repeated, or a module's
candidates scored again while the other modules kept their instructions)
takes that score instead of a second scoring of the same cached answers.

lmc's ChatAdapter, like DSPy's, never renders a field's *prefix*, so the
``proposed_prefix_for_output_field`` DSPy asks for would change no prompt:
lmc asks for the instruction alone, and the attempts it shows list
instructions and scores without prefixes. DSPy draws its proposals as ``n``
completions of one request; lmc asks ``n`` requests, each at
``init_temperature`` plus a small seeded offset (see ``prompt_model.py``).
A proposal whose answer does not parse is skipped.

``track_stats`` logs, per module and round, the max, mean, min and standard
deviation of the newest candidates' scores and of the best ten so far (the
numbers DSPy attaches to its program). Every evaluation's score is in
``OptimizeResult.candidates`` either way.
"""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from ..host.evaluate import evaluate
from ..records import record
from ..runtime.signature import Params, Signature
from .core.base import (
    DEFAULT_MAX_ERRORS,
    BudgetStop,
    CallCounter,
    CallEstimate,
    Candidate,
    OptimizeResult,
    Task,
    TaskSizes,
    params_key,
)
from .core.options import OptionError
from .core.prompt_model import ask, clean_instruction, sampling, signature

logger = logging.getLogger(__name__)

BASIC_GENERATE = signature(
    "BasicGenerateInstruction",
    "You are an instruction optimizer for large language models. I will give you a ``signature`` of fields "
    "(inputs and outputs) in English. Your task is to propose an instruction that will lead a good language "
    "model to perform the task well. Don't be afraid to be creative.",
    {"basic_instruction": "The initial instructions before optimization"},
    {"proposed_instruction": "The improved instructions for the language model"},
)

GENERATE_GIVEN_ATTEMPTS = signature(
    "GenerateInstructionGivenAttempts",
    "You are an instruction optimizer for large language models. I will give some task instructions I've tried, "
    "along with their corresponding validation scores. The instructions are arranged in increasing order based "
    "on their scores, where higher scores indicate better quality.\n\n"
    "Your task is to propose a new instruction that will lead a good language model to perform the task even "
    "better. Don't be afraid to be creative.",
    {"attempted_instructions": ""},
    {"proposed_instruction": "The improved instructions for the language model"},
)


@record
class _Scored:
    """One instruction of one module, its best score, and the whole program's parameters then."""

    instruction: str
    score: float
    params: Mapping[str, Params]


@record
class COPRO:
    name: ClassVar[str] = "COPRO"
    breadth: int = 10
    depth: int = 3
    init_temperature: float = 1.4
    track_stats: bool = False
    prompt_model: str | None = None

    def __post_init__(self) -> None:
        if self.breadth <= 1:  # DSPy refuses it too: one candidate is the starting instruction
            raise OptionError(f"COPRO option `breadth`: must be at least 2, got {self.breadth}")

    def compile(self, task: Task) -> OptimizeResult:
        run = _Run(self, task)
        stop = BudgetStop()
        with stop.catching(self.name):
            run.search()
        return run.result(stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """Proposals, then trainset evaluations (all candidates again each round with several modules)."""
        m, b, d = sizes.modules, self.breadth, self.depth
        proposals = m * ((b - 1) + (d - 1) * b)
        evaluations = b * d if m == 1 else m * b * d * (d + 1) // 2
        # Unparseable proposals are skipped, and identical ones scored once per round: fewer may run.
        return CallEstimate(proposals + evaluations * sizes.trainset * sizes.run_calls, upper_bound=True)


class _Run:
    """The mutable state of one COPRO run: candidates, scores, the program being improved."""

    def __init__(self, options: COPRO, task: Task) -> None:
        self.options = options
        self.task = task
        self.calls = CallCounter()
        self.student = self.calls.wrap(task.lm)
        self.prompt = task.named_lm(options.prompt_model)
        self.rng = random.Random(task.seed)
        self.paths = task.program.module_paths
        self.working: dict[str, Params] = task.start_params()
        # Per module: instruction -> its best evaluation, in first-evaluated order (DSPy's dict).
        self.evaluated: dict[str, dict[str, _Scored]] = {path: {} for path in self.paths}
        self.history: list[Candidate] = []
        self.measured: dict[str, float] = {}
        self.scored: dict[str, float] = {}  # each program scored with no failed row (params_key: score)

    def search(self) -> None:
        o = self.options
        every = {
            path: self._propose(BASIC_GENERATE, o.breadth - 1, basic_instruction=self.working[path].instructions)
            + [self.working[path].instructions]
            for path in self.paths
        }
        latest = {path: list(c) for path, c in every.items()}
        for d in range(o.depth):
            for path in self.paths:
                candidates = latest[path] if len(self.paths) == 1 else every[path]
                newest = [self._score(path, c, f"round {d + 1}/{o.depth}") for c in candidates][-o.breadth :]
                best = max(self.evaluated[path].values(), key=lambda s: s.score)
                self.working[path] = replace(self.working[path], instructions=best.instruction)
                if o.track_stats and newest:
                    self._log_stats(path, d, newest)
            if d == o.depth - 1:
                break
            for path in self.paths:
                latest[path] = self._propose(
                    GENERATE_GIVEN_ATTEMPTS, o.breadth, attempted_instructions=self._attempts(path)
                )
                every[path].extend(latest[path])

    def result(self, *, stopped: str | None) -> OptimizeResult:
        scored = [s for path in self.paths for s in self.evaluated[path].values()]
        if not scored:  # the budget ran out before any evaluation
            return OptimizeResult(
                params=self.task.start_params(),
                origins=self.task.start_origins(),
                lm_calls=self.calls.count,
                stopped=stopped,
            )
        best = max(scored, key=lambda s: s.score)
        return OptimizeResult(
            params=dict(best.params),
            origins=self.task.start_origins(),
            score=best.score,
            candidates=tuple(self.history),
            lm_calls=self.calls.count,
            stopped=stopped,
            measured=self.measured,
        )

    def _propose(self, sig: Signature, n: int, **inputs: Any) -> list[str]:
        proposals = []
        for _ in range(n):
            lm = self.calls.wrap(sampling(self.prompt, self.options.init_temperature, self.rng))
            answer = ask(lm, sig, **inputs)
            if answer is not None:
                proposals.append(clean_instruction(answer["proposed_instruction"]))
        return proposals

    def _score(self, path: str, instruction: str, stage: str) -> float:
        task = self.task
        self.working[path] = replace(self.working[path], instructions=instruction)
        label = f"{stage} {path}: candidate {len(self.history) + 1}"
        key = params_key(task.program, self.working)
        score = task.known_scores.get(key) if task.trains_on_valset else None  # the build's own scorings
        if score is None and task.replayable:
            score = self.scored.get(key)
        if score is not None:
            logger.info("%s: scored already, on the same rows", label)
        else:
            result = evaluate(
                task.program,
                task.trainset,
                task.metric,
                lm=self.student,
                params=self.working,
                threads=task.threads,
                on_progress=lambda done, total: task.progress(label, done, total),
                fatal=task.fatal,
                max_errors=DEFAULT_MAX_ERRORS,
            )
            score = result.score
            if not result.failed:
                self.scored[key] = score
                if task.trains_on_valset:
                    self.measured[key] = score
        self.history.append(Candidate(label, score))
        logger.info("%s: %.2f%% on the trainset", label, score)
        if task.on_candidate is not None:
            task.on_candidate(label, score)
        best = self.evaluated[path].get(instruction)
        if best is None or best.score < score:
            self.evaluated[path][instruction] = _Scored(instruction, score, dict(self.working))
        return score

    def _attempts(self, path: str) -> list[str]:
        """The best attempts so far (up to ``breadth``), worst first: DSPy's list of lines."""
        ranked = sorted(self.evaluated[path].values(), key=lambda s: s.score, reverse=True)[: self.options.breadth]
        lines = []
        for number, scored in enumerate(reversed(ranked), start=1):
            lines.append(f"Instruction #{number}: {scored.instruction}")
            lines.append(f"Resulting Score #{number}: {scored.score}")
        return lines

    def _log_stats(self, path: str, depth: int, newest: Sequence[float]) -> None:
        best = sorted((s.score for s in self.evaluated[path].values()), reverse=True)[:10]
        logger.info("%s round %d: newest %s; best ten %s", path, depth + 1, _describe(newest), _describe(best))


def _describe(scores: Sequence[float]) -> str:
    return (
        f"max {max(scores):.2f}, mean {statistics.fmean(scores):.2f}, "
        f"min {min(scores):.2f}, std {statistics.pstdev(scores):.2f}"
    )
