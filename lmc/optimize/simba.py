"""SIMBA: stochastic introspective mini-batch ascent (DSPy's ``dspy/teleprompt/simba.py``).

A pool of programs (parameters per module) starts with the starting one.
Each of ``max_steps`` steps:

1. **A minibatch.** The next ``bsize`` rows of the trainset, shuffled once by
   the run's generator (shuffled again when fewer than ``bsize`` are left).
2. **Trajectories.** ``num_candidates`` LMs sample each row: rollout ``i``
   of the program's LM (a fresh sample at temperature 1.0, cached under its
   rollout id), or with a ``teacher:`` the teacher first and rollouts
   ``1 .. num_candidates - 1``. Each run uses a program drawn from the
   pool's best ``num_candidates`` (the starting program always among them)
   by a softmax of their mean minibatch scores at
   ``temperature_for_sampling``.
3. **Buckets.** Each row's runs, best first, are a bucket; the buckets are
   sorted by the gap between their best and worst score, then the best
   score, then the gap between best and mean.
4. **New candidates**, one per bucket in that order, until
   ``num_candidates + 1`` are made: a program drawn from the pool at
   ``temperature_for_candidates``, with some demos dropped (a Poisson
   number, at least one once a module holds ``max_demos``), then a
   strategy drawn at random: *append a demo* (the bucket's best run, when
   it beats the minibatch's 10th percentile: each module's last call in it
   becomes a demo of that module) or *append a rule* (when the best run
   beats the 10th percentile and the worst is below the 90th: the prompt
   model compares the better and the worse trajectory, with the metric's
   feedback when it gave any, in DSPy's ``OfferFeedback`` prompt, and its
   advice for each module is appended to that module's instructions).
   With ``max_demos: 0`` only rules are appended.
5. **Scores.** Every new candidate runs on the minibatch with the program's
   LM; the best of them is the step's winner, and all join the pool with
   their minibatch scores.

At the end, up to ``num_candidates + 1`` of the winners, evenly spaced
over the steps (the starting program first), are scored on the whole
**trainset** (as in DSPy); the best (the first on a tie) is the result.
When the trainset is the block's valset (the very rows), these scorings
are the build's: each one with no failed row is handed back for the
build's final scoring (``OptimizeResult.measured``), so the chosen program
is not run on those rows again. (The starting program's baseline is not
taken for its evaluation: SIMBA chooses on the unrounded mean, which the
baseline's rounded percentage does not give back.)

As everywhere in lmc, the draws are DSPy's draws: one ``random.Random(seed)``
and one ``numpy.random.default_rng(seed)`` (for the Poisson counts), in
DSPy's order, so with the same answers lmc walks DSPy's steps. The runs of
a step are drawn first, then run ``num_threads`` at a time and taken in
order; the rules of a step are asked one after the other, since each
bucket's draws come after the previous bucket's rule.

When the LM budget runs out, the result is the best candidate of the final
evaluation when it scored any, else the program of the pool with the best
mean minibatch score (the starting program when none scored above 0).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from ..host.evaluate import ExampleResult, Job, evaluate, run_jobs
from ..records import record
from ..runtime.kinds.refine import describe_module
from ..runtime.lm.protocol import LanguageModel
from ..runtime.signature import Field, Params
from ..runtime.types import to_jsonable
from ..schemas.blocks import MODULE_EXTRA_OUTPUTS
from .core.base import (
    DEFAULT_MAX_ERRORS,
    BudgetStop,
    CallCounter,
    CallEstimate,
    Candidate,
    DemoOrigin,
    OptimizeResult,
    Task,
    TaskSizes,
    params_key,
)
from .core.options import OptionError
from .core.prompt_model import ask
from .mipro.propose import program_code
from .prompts import OFFER_FEEDBACK

if TYPE_CHECKING:
    import numpy

logger = logging.getLogger(__name__)

APPEND_A_DEMO = "append_a_demo"
APPEND_A_RULE = "append_a_rule"
_TRUNCATED = "\n\t\t... <TRUNCATED FOR BREVITY>"
_NOT_AVAILABLE = {"N/A": "Prediction not available"}


@record
class SIMBA:
    name: ClassVar[str] = "SIMBA"
    bsize: int = 32
    num_candidates: int = 6
    max_steps: int = 8
    max_demos: int = 4
    prompt_model: str | None = None
    demo_input_field_maxlen: int = 100_000
    num_threads: int | None = None
    temperature_for_sampling: float = 0.2
    temperature_for_candidates: float = 0.2

    @property
    def strategies(self) -> tuple[str, ...]:
        """DSPy's strategies: a demo or a rule, or rules only when modules may hold no demo."""
        return (APPEND_A_DEMO, APPEND_A_RULE) if self.max_demos > 0 else (APPEND_A_RULE,)

    def compile(self, task: Task) -> OptimizeResult:
        if len(task.trainset) < self.bsize:  # DSPy asserts it too; `lmc check` reports it first (E409)
            raise OptionError(
                f"SIMBA option `bsize`: {self.bsize} is more than the trainset's {len(task.trainset)} rows; "
                f"set `bsize: {len(task.trainset)}` or less"
            )
        run = _Run(self, task)
        stop = BudgetStop()
        with stop.catching(self.name):
            run.search()
        return run.result(stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """Per step: the sampled runs, the new candidates' runs and a rule each; then the final evaluations.

        Exact when every bucket it uses gets a rule; a skipped rule, or a demo
        appended instead, asks nothing, so fewer may be made.
        """
        made = min(self.bsize, self.num_candidates + 1)  # new candidates per step: one per bucket
        runs = self.num_candidates * self.bsize + made * self.bsize
        final = len(final_picks(self.max_steps, self.num_candidates + 1))
        calls = self.max_steps * (runs * sizes.run_calls + made) + final * sizes.trainset * sizes.run_calls
        return CallEstimate(calls, upper_bound=True)


def final_picks(winners: int, n: int) -> list[int]:
    """DSPy's winners to score on the trainset: ``n`` evenly spaced indexes of ``winners`` steps (and 0)."""
    if winners < 1:
        return [0]
    return list(dict.fromkeys(round(i * winners / (n - 1)) for i in range(n)))


@dataclass(slots=True)
class _Program:
    """One program of the pool: its parameters, their demos' origins, its minibatch scores, and how it was made."""

    index: int
    params: dict[str, Params]
    origins: dict[str, tuple[DemoOrigin, ...]]
    scores: list[float] = field(default_factory=list)
    label: str = "the starting program"
    at: int | None = None  # its place in the candidates scored (``history``), once scored on a minibatch

    @property
    def mean(self) -> float:
        """DSPy's ``calc_average_score``: 0 without scores (the starting program never gets any)."""
        return sum(self.scores) / len(self.scores) if self.scores else 0.0


@record
class _Sampled:
    """One run of a step: which trainset row, the program it used, and how it went."""

    row: int
    program: int
    result: ExampleResult


class _Run:
    """The mutable state of one SIMBA run: the pool, the generators, the candidates scored so far."""

    def __init__(self, options: SIMBA, task: Task) -> None:
        import numpy  # here: only SIMBA needs it (optuna's dependency, so always installed with lmc)

        self.options = options
        self.task = task
        self.calls = CallCounter()
        self.student = self.calls.wrap(task.lm)
        self.teacher = None if task.teacher_lm is None else self.calls.wrap(task.teacher_lm)
        self.prompt = self.calls.wrap(task.named_lm(options.prompt_model))
        self.threads = options.num_threads if options.num_threads is not None else task.threads
        self.rng = random.Random(task.seed)
        self.rng_np: numpy.random.Generator = numpy.random.default_rng(task.seed)
        self.paths = task.program.module_paths
        self.pool = [_Program(0, task.start_params(), task.start_origins())]
        self.winners: list[_Program] = [self.pool[0]]
        self.history: list[Candidate] = []
        self.final: list[tuple[float, _Program]] = []  # the winners scored on the trainset: mean, program
        self.measured: dict[str, float] = {}  # their scores, when the trainset is the valset (module docstring)

    # ------------------------------------------------------------------ the search

    def search(self) -> None:
        o, trainset = self.options, self.task.trainset
        order = list(range(len(trainset)))
        self.rng.shuffle(order)
        at = 0
        for step in range(o.max_steps):
            logger.info("SIMBA: step %d of %d", step + 1, o.max_steps)
            if at + o.bsize > len(trainset):
                self.rng.shuffle(order)
                at = 0
            batch = order[at : at + o.bsize]
            at += o.bsize
            buckets, p10, p90 = self._sample(step, batch)
            made = self._candidates(step, buckets, p10, p90)
            self._score(step, batch, made)
        self._final()

    def _models(self) -> list[tuple[LanguageModel, int | None]]:
        """DSPy's ``prepare_models_for_resampling``: rollouts of the program's LM, the teacher first when given."""
        n = self.options.num_candidates
        if self.teacher is not None:
            return [(self.teacher, None)] + [(self.student, i) for i in range(1, n)]
        return [(self.student, i) for i in range(n)]

    def _sample(self, step: int, batch: Sequence[int]) -> tuple[list[list[_Sampled]], float, float]:
        """Each row's runs, best first, in DSPy's bucket order; and the 10th and 90th percentile of their scores."""
        import numpy

        o, trainset = self.options, self.task.trainset
        top = self._top(o.num_candidates)
        picks: list[tuple[int, int, Job]] = []
        for lm, rollout in self._models():
            for row in batch:
                chosen = self._draw(top, o.temperature_for_sampling)
                picks.append((row, chosen, Job(trainset[row], self.pool[chosen].params, lm, rollout, _row(row))))
        results = self._run([job for _, _, job in picks], f"step {step + 1}/{o.max_steps}: sampling")
        runs = [_Sampled(row, chosen, r) for (row, chosen, _), r in zip(picks, results, strict=True)]
        scores = [r.result.score for r in runs]
        p10, p90 = float(numpy.percentile(scores, 10)), float(numpy.percentile(scores, 90))
        buckets = []
        for i in range(len(batch)):
            bucket = sorted(runs[i :: len(batch)], key=lambda r: r.result.score, reverse=True)
            best, worst = bucket[0].result.score, bucket[-1].result.score
            mean = sum(r.result.score for r in bucket) / len(bucket)
            buckets.append((bucket, (best - worst, best, best - mean)))
        buckets.sort(key=lambda b: b[1], reverse=True)
        logger.info("SIMBA step %d: the sampled runs score %.4f on average", step + 1, sum(scores) / len(scores))
        return [bucket for bucket, _ in buckets], p10, p90

    def _candidates(self, step: int, buckets: Sequence[Sequence[_Sampled]], p10: float, p90: float) -> list[_Program]:
        """New programs, one per bucket in order, until ``num_candidates + 1`` (DSPy's step 4)."""
        o = self.options
        made: list[_Program] = []
        for bucket in buckets:
            source = self.pool[self._draw(self._top(o.num_candidates), o.temperature_for_candidates)]
            params, origins, dropped = self._drop_demos(source)
            strategy = self.rng.choice(o.strategies)
            if strategy == APPEND_A_DEMO:
                applied = self._append_a_demo(bucket, params, origins, p10)
            else:
                changed = self._append_a_rule(bucket, source, params, p10, p90)
                if changed is None:  # the prompt model's answer did not parse: DSPy's failed strategy
                    continue
                applied = changed
            index = len(self.pool) + len(made)
            what = f"program {source.index}"
            if dropped:
                what += f", {dropped} demo(s) dropped"
            what += (
                {APPEND_A_DEMO: ", a demo appended", APPEND_A_RULE: ", a rule appended"}[strategy] if applied else ""
            )
            label = f"step {step + 1}/{o.max_steps}: program {index} = {what}"
            made.append(_Program(index, params, origins, label=label))
            if len(made) >= o.num_candidates + 1:
                break
        return made

    def _score(self, step: int, batch: Sequence[int], made: Sequence[_Program]) -> None:
        """The new programs on the minibatch with the program's LM; the best is the step's winner (DSPy's 5-8)."""
        trainset = self.task.trainset
        jobs = [Job(trainset[row], p.params, self.student, None, _row(row)) for p in made for row in batch]
        results = self._run(jobs, f"step {step + 1}/{self.options.max_steps}: scoring {len(made)} candidates")
        for k, program in enumerate(made):
            program.scores = [r.score for r in results[k * len(batch) : (k + 1) * len(batch)]]
            program.at = len(self.history)
            self.history.append(Candidate(f"{program.label} (minibatch)", round(100 * program.mean, 2)))
            if self.task.on_candidate is not None:
                self.task.on_candidate(program.label, round(100 * program.mean, 2))
        if made:
            self.winners.append(max(made, key=lambda p: p.mean))  # the first of the best
        self.pool.extend(made)

    def _final(self) -> None:
        """The evenly spaced winners, each scored on the whole trainset (DSPy's validation)."""
        task = self.task
        picks = final_picks(len(self.winners) - 1, self.options.num_candidates + 1)
        for i in picks:
            program = self.winners[i]
            label = f"final: program {program.index}" + (" (the starting program)" if program.index == 0 else "")
            result = evaluate(
                task.program,
                task.trainset,
                task.metric,
                lm=self.student,
                params=program.params,
                threads=self.threads,
                on_progress=functools.partial(task.progress, label),
                fatal=task.fatal,
                max_errors=DEFAULT_MAX_ERRORS,
            )
            mean = sum(r.score for r in result.results) / result.total if result.total else 0.0
            self.final.append((mean, program))
            if task.trains_on_valset and not result.failed:
                self.measured[params_key(task.program, program.params)] = result.score
            self.history.append(
                Candidate(f"{label} on the trainset", result.score, dict(program.params), dict(program.origins))
            )
            if task.on_candidate is not None:
                task.on_candidate(label, result.score)
            logger.info("SIMBA %s: %.2f%% on the trainset", label, result.score)

    def result(self, *, stopped: str | None) -> OptimizeResult:
        at: int | None
        if self.final:
            best = max(range(len(self.final)), key=lambda k: self.final[k][0])  # the first of the best
            chosen, at = self.final[best][1], len(self.history) - len(self.final) + best
        else:  # stopped before the final evaluation: the pool's best mean minibatch score
            chosen = max(self.pool, key=lambda p: p.mean)  # the first of the best: the start when none beat 0
            at = chosen.at
        history = list(self.history)
        if at is not None:
            history[at] = history[at]._replace(chosen=True)
        return OptimizeResult(
            params=dict(chosen.params),
            origins=dict(chosen.origins),
            score=None if at is None else history[at].score,
            candidates=tuple(history),
            lm_calls=self.calls.count,
            stopped=stopped,
            measured=self.measured,
        )

    # ------------------------------------------------------------- the draws

    def _top(self, k: int) -> list[int]:
        """DSPy's ``top_k_plus_baseline``: the ``k`` best means (ties: the pool's order), program 0 always in."""
        ranked = sorted(self.pool, key=lambda p: p.mean, reverse=True)
        top = [p.index for p in ranked[:k]]
        if 0 not in top and top:
            top[-1] = 0
        return list(dict.fromkeys(top))

    def _draw(self, indexes: Sequence[int], temperature: float) -> int:
        """DSPy's ``softmax_sample`` over the programs' mean scores; at temperature 0, the best (no draw)."""
        scores = [self.pool[i].mean for i in indexes]
        if temperature <= 0:
            return indexes[scores.index(max(scores))]
        import numpy

        exps = [numpy.exp(s / temperature) for s in scores]
        total = sum(exps)
        if not math.isfinite(total):  # a metric on a scale where exp overflows: the same softmax, shifted
            top = max(scores)
            exps = [numpy.exp((s - top) / temperature) for s in scores]
            total = sum(exps)
        if total <= 0:
            return self.rng.choice(list(indexes))
        return self.rng.choices(list(indexes), weights=[float(e / total) for e in exps], k=1)[0]

    def _drop_demos(self, source: _Program) -> tuple[dict[str, Params], dict[str, tuple[DemoOrigin, ...]], int]:
        """A copy of ``source``'s parameters with the same demo positions dropped from every module (DSPy's rule)."""
        params, origins = dict(source.params), dict(source.origins)
        held = max((len(params[p].demos) for p in self.paths), default=0)
        most = self.options.max_demos if self.options.max_demos > 0 else 3
        count = max(int(self.rng_np.poisson(held / most)), int(held >= most))
        count = min(count, held)
        dropped = {self.rng.randrange(held) for _ in range(count)}  # a position drawn twice is dropped once
        if dropped:
            for path in self.paths:
                keep = [i for i in range(len(params[path].demos)) if i not in dropped]
                params[path] = replace(params[path], demos=tuple(params[path].demos[i] for i in keep))
                had = origins.get(path, ())
                origins[path] = tuple(had[i] for i in keep if i < len(had))
        return params, origins, len(dropped)

    # --------------------------------------------------------- the strategies

    def _append_a_demo(
        self,
        bucket: Sequence[_Sampled],
        params: dict[str, Params],
        origins: dict[str, tuple[DemoOrigin, ...]],
        p10: float,
    ) -> bool:
        """Each module's last call in the bucket's best run, appended as a demo; False when the run is too weak."""
        good = bucket[0]
        if good.result.score <= p10:
            logger.info("SIMBA: no demo appended: the best score %s is at or below the 10th percentile", p10)
            return False
        demos: dict[str, dict[str, Any]] = {}
        for entry in good.result.trace:
            if entry.path in params:
                inputs = {k: self._truncated(v) for k, v in entry.inputs.items()}
                demos[entry.path] = {**inputs, **entry.outputs}  # the last call of each module
        for path, demo in demos.items():
            params[path] = replace(params[path], demos=(*params[path].demos, demo))
            origins[path] = (*origins.get(path, ()), DemoOrigin("bootstrapped", good.row))
        logger.info("SIMBA: appended %d demo(s), one per module", len(demos))
        return bool(demos)

    def _truncated(self, value: Any) -> Any:
        limit = self.options.demo_input_field_maxlen
        if limit and len(str(value)) > limit:
            return f"{str(value)[:limit]}{_TRUNCATED}"
        return value

    def _append_a_rule(
        self,
        bucket: Sequence[_Sampled],
        source: _Program,
        params: dict[str, Params],
        p10: float,
        p90: float,
    ) -> bool | None:
        """The prompt model's advice per module, appended to its instructions (DSPy's ``append_a_rule``).

        False when the bucket shows no contrast (its best run at or below the
        10th percentile, or its worst at or above the 90th); None when the
        advice could not be read.
        """
        good, bad = _Side.of(bucket[0]), _Side.of(bucket[-1])
        if good.score <= p10 or bad.score >= p90:
            logger.info("SIMBA: no rule: the better run is at or below the 10th percentile or the worse above the 90th")
            return False
        if good.score <= bad.score:  # no contrast between the two: show one of them only
            if good.score > p90:
                bad = _Side.unavailable()
            else:
                good = _Side.unavailable()
        example = bucket[0].result.example
        values: dict[str, Any] = {
            "program_code": program_code(self.task.program, source.params),
            "modules_defn": self._modules(source.params),
            "program_inputs": to_jsonable(example.inputs()),
            "oracle_metadata": to_jsonable(example.labels()),
            "better_program_trajectory": good.trajectory(self.paths),
            "better_program_outputs": good.outputs,
            "worse_program_trajectory": bad.trajectory(self.paths),
            "worse_program_outputs": bad.outputs,
            "worse_reward_value": bad.reward,
            "better_reward_value": good.reward,
            "worse_reward_info": bad.info,
            "better_reward_info": good.info,
            "module_names": list(self.paths),
        }
        inputs = {
            k: v if isinstance(v, str) else json.dumps(v, indent=2, ensure_ascii=False) for k, v in values.items()
        }
        answer = ask(self.prompt, OFFER_FEEDBACK, **inputs)
        if answer is None:
            return None
        advice: Mapping[str, str] = answer["module_advice"]
        for path in self.paths:
            if path in advice:
                logger.info("SIMBA: advice for %s: %s", path, advice[path])
                params[path] = replace(params[path], instructions=params[path].instructions + "\n\n" + advice[path])
        return True

    def _modules(self, params: Mapping[str, Params]) -> str:
        """DSPy's ``inspect_modules``: every module's fields and instructions between rules."""
        parts = []
        for path in self.paths:
            spec = self.task.program.modules.get(path)
            if spec is None:
                continue
            extra = tuple(Field(name) for name in MODULE_EXTRA_OUTPUTS.get(spec.kind, ()))
            sig = replace(
                spec.signature, instructions=params[path].instructions, outputs=extra + spec.signature.outputs
            )
            parts.append(describe_module(path, sig))
        # Each part is framed by a rule; consecutive parts share theirs.
        return "\n".join([parts[0], *(part.split("\n", 1)[1] for part in parts[1:])]) if parts else ""

    # ------------------------------------------------------------------ runs

    def _run(self, jobs: Sequence[Job], stage: str) -> tuple[ExampleResult, ...]:
        task = self.task
        return run_jobs(
            task.program,
            jobs,
            task.metric,
            threads=self.threads,
            on_progress=functools.partial(task.progress, stage),
            fatal=task.fatal,
            max_errors=DEFAULT_MAX_ERRORS,
        )


def _row(index: int) -> str:
    return f"trainset row {index + 1}"


@record
class _Side:
    """The better or the worse run of a bucket, as ``OfferFeedback`` reads it."""

    score: float
    reward: float | str
    entries: tuple[tuple[str, Mapping[str, Any], Mapping[str, Any]], ...]
    outputs: Mapping[str, Any]
    info: Mapping[str, Any]

    @classmethod
    def of(cls, run: _Sampled) -> _Side:
        r = run.result
        return cls(
            score=r.score,
            reward=r.score,
            entries=tuple((e.path, e.inputs, e.outputs) for e in r.trace),
            outputs=to_jsonable(dict(r.outputs or {})),
            info={} if r.feedback is None else {"feedback": r.feedback},
        )

    @classmethod
    def unavailable(cls) -> _Side:
        """DSPy's stand-in when both runs scored the same: no trajectory, no score, no prediction."""
        return cls(score=math.nan, reward="N/A", entries=(), outputs=_NOT_AVAILABLE, info={})

    def trajectory(self, paths: Sequence[str]) -> list[dict[str, Any]]:
        return [
            {"module_name": path, "inputs": to_jsonable(dict(inputs)), "outputs": to_jsonable(dict(outputs))}
            for path, inputs, outputs in self.entries
            if path in paths
        ]
