"""MIPROv2: bootstrapped demo sets, grounded instruction proposals, a Bayesian search over both.

DSPy's procedure (``dspy/teleprompt/mipro_optimizer_v2.py``), step by step:

1. **Sizes.** With ``auto`` (light, medium, heavy: ``n`` = 6, 12, 18 and a
   valset of at most 100, 300, 1000 rows, sampled), ``n`` demo sets and
   ``n`` instruction candidates per module in zero-shot mode, ``n / 2``
   otherwise; ``num_trials = max(2 * v * log2(n), 1.5 * n)`` with ``v`` the
   number of parameters (two per module, one in zero-shot mode); minibatches
   only when the valset has more than 50 rows. With ``auto: none``,
   ``num_candidates`` and ``num_trials`` say it all.
2. **Demo sets** (``demo_sets.py``): zero-shot, labeled, bootstrapped, then
   bootstraps of shuffled trainsets, teacher runs on the ``task_model`` (or
   the block's ``teacher:``). Zero-shot mode (``max_bootstrapped_demos: 0``
   and ``max_labeled_demos: 0``) still bootstraps up to three demos per set,
   to show the prompt model, and then searches instructions only.
3. **Instructions** (``propose.py``): the starting one, then proposals by
   the ``prompt_model``, grounded in a data summary, the program's
   structure, bootstrapped demos and a random tip.
4. **Search** (``study.py``): optuna's TPE sampler picks an instruction and
   a demo set per module for each trial. Trial 0 scores the starting program
   (instruction 0, demo set 0) on the whole valset. With minibatches, each
   trial scores ``minibatch_size`` random valset rows, and after every
   ``minibatch_full_eval_steps`` trials (and after the last) the
   combination with the best mean minibatch score not yet fully evaluated
   is scored on the whole valset. The best full score wins (the earliest on
   a tie).

Every random choice comes from generators seeded with ``seed + 9`` (DSPy's
default seed is 9; the ``seed`` option overrides it): the valset sample,
the demo sets, the tips, the proposals' temperatures, and per trial the
sampler and the minibatch. The trials live in an optuna storage (see
``study.py``): by default a SQLite file in the build's state folder, so an
interrupted build resumes where it stopped; with ``lmc build --storage URL``
several processes share one search.

Each completed trial keeps the LM answers it used (with their tokens and
cost) in the study. A run that reuses trials it did not run itself (a
resumed build, another worker's) reports their recorded usage in
``OptimizeResult.reused``: the build's files then count the same answers
as an uninterrupted run's, however the trials were split between runs.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, ClassVar

from ..evaluate import TooManyErrors, evaluate
from ..runtime.signature import Params
from ..runtime.types import annotation_name
from .base import (
    DEFAULT_MAX_ERRORS,
    BudgetStop,
    CallCounter,
    CallEstimate,
    Candidate,
    DemoOrigin,
    OptimizeResult,
    Task,
    TaskSizes,
)
from .bootstrap import BootstrapSettings, bootstrap_runs
from .budget import Meter, Spent
from .demo_sets import DemoSet, demo_sets
from .options import OptionError, OptionSpec
from .propose import SUMMARY_BATCHES, GroundedProposer, ProposerSettings
from .study import SharedSearch, Slot, StudyPlace, StudyPlan, quiet_optuna

logger = logging.getLogger(__name__)

AUTO_RUN_SETTINGS = {"light": (6, 100), "medium": (12, 300), "heavy": (18, 1000)}  # (n, valset size)
MIN_MINIBATCH_SIZE = 50  # auto mode uses minibatches only for a larger valset
ZERO_SHOT_PROPOSAL_DEMOS = 3  # bootstrapped demos per set shown to the prompt model in zero-shot mode
SEED_OFFSET = 9  # DSPy's default seed
STUDY_FORMAT = 2  # part of every study's identity: bump when the plan or the attributes change
USAGE = "usage"  # a completed trial's user attribute: the LM answers it used (see _recorded)

OPTIONS = {
    "auto": OptionSpec(str, "light", nullable=True, doc="light, medium or heavy; none: num_candidates and num_trials"),
    "num_candidates": OptionSpec(int, None, nullable=True, minimum=1, doc="demo sets and instructions (auto: none)"),
    "max_bootstrapped_demos": OptionSpec(int, 4, minimum=0, doc="bootstrapped demos per module in a demo set"),
    "max_labeled_demos": OptionSpec(int, 4, minimum=0, doc="demos per module in a demo set"),
    "num_trials": OptionSpec(int, None, nullable=True, minimum=1, doc="sampled trials (auto: none)"),
    "minibatch": OptionSpec(bool, True, doc="score trials on minibatches (auto decides by the valset size)"),
    "minibatch_size": OptionSpec(int, 35, minimum=1, doc="valset rows per minibatch trial"),
    "minibatch_full_eval_steps": OptionSpec(int, 5, minimum=1, doc="minibatch trials between full evaluations"),
    "init_temperature": OptionSpec(float, 1.0, minimum=0.0, doc="the prompt model's temperature for proposals"),
    "prompt_model": OptionSpec(str, None, nullable=True, doc="the lm that proposes instructions (none: the task's)"),
    "task_model": OptionSpec(str, None, nullable=True, doc="the lm the program runs on (none: the task's)"),
    "seed": OptionSpec(int, None, nullable=True, doc="the search's seed (none: the block's seed + 9)"),
    "num_threads": OptionSpec(int, None, nullable=True, minimum=1, doc="evaluation threads (none: --threads)"),
    "max_errors": OptionSpec(int, None, nullable=True, minimum=0, doc="failed runs that stop a bootstrap (none: 10)"),
    "metric_threshold": OptionSpec(float, None, nullable=True, doc="a bootstrapping run passes at this score"),
    "program_aware_proposer": OptionSpec(bool, True, doc="show the prompt model the program's structure"),
    "data_aware_proposer": OptionSpec(bool, True, doc="show the prompt model a summary of the trainset"),
    "tip_aware_proposer": OptionSpec(bool, True, doc="give the prompt model a random tip per proposal"),
    "fewshot_aware_proposer": OptionSpec(bool, True, doc="show the prompt model bootstrapped demos"),
    "view_data_batch_size": OptionSpec(int, 10, minimum=1, doc="trainset rows per data-summary request"),
}


@dataclass(frozen=True, slots=True)
class Sizes:
    """What ``auto`` (or the manual options) make of one search."""

    instruction_candidates: int
    demo_sets: int
    num_trials: int
    minibatch: bool
    valset: int | None = None  # auto: the valset is a sample of at most this many rows


@dataclass(frozen=True, slots=True)
class MIPROv2:
    name: ClassVar[str] = "MIPROv2"
    auto: str | None = "light"
    num_candidates: int | None = None
    max_bootstrapped_demos: int = 4
    max_labeled_demos: int = 4
    num_trials: int | None = None
    minibatch: bool = True
    minibatch_size: int = 35
    minibatch_full_eval_steps: int = 5
    init_temperature: float = 1.0
    prompt_model: str | None = None
    task_model: str | None = None
    seed: int | None = None
    num_threads: int | None = None
    max_errors: int | None = None
    metric_threshold: float | None = None
    program_aware_proposer: bool = True
    data_aware_proposer: bool = True
    tip_aware_proposer: bool = True
    fewshot_aware_proposer: bool = True
    view_data_batch_size: int = 10

    def __post_init__(self) -> None:
        # DSPy's rules; the checker reports them before a build (E404, E407, E403).
        if self.auto not in (None, *AUTO_RUN_SETTINGS):
            raise OptionError(f'MIPROv2 option `auto`: must be "light", "medium", "heavy" or none, not {self.auto!r}')
        if self.auto is not None and (self.num_candidates is not None or self.num_trials is not None):
            raise OptionError("MIPROv2 sizes its own search while `auto` is set: drop num_candidates and num_trials")
        if self.auto is None and (self.num_candidates is None or self.num_trials is None):
            raise OptionError("MIPROv2 with `auto: none` needs both num_candidates and num_trials")

    @property
    def zero_shot(self) -> bool:
        return self.max_bootstrapped_demos == 0 and self.max_labeled_demos == 0

    def sizes(self, modules: int, valset: int) -> Sizes:
        """The numbers of candidates and trials, and whether minibatches are used (DSPy's auto settings)."""
        if self.auto is None:
            assert self.num_candidates is not None and self.num_trials is not None
            return Sizes(self.num_candidates, self.num_candidates, self.num_trials, self.minibatch)
        n, val_size = AUTO_RUN_SETTINGS[self.auto]
        variables = modules if self.zero_shot else 2 * modules
        return Sizes(
            instruction_candidates=n if self.zero_shot else int(n * 0.5),
            demo_sets=n,
            num_trials=int(max(2 * variables * math.log2(n), 1.5 * n)),
            minibatch=min(val_size, valset) > MIN_MINIBATCH_SIZE,
            valset=val_size,
        )

    def plan(self, sizes: Sizes) -> tuple[str, ...]:
        """Each trial's role, in order: DSPy's trial sequence (``adjusted_num_trials`` with minibatches)."""
        if not sizes.minibatch:
            return ("default",) + ("sampled",) * sizes.num_trials
        steps, n = self.minibatch_full_eval_steps, sizes.num_trials
        total = n + n // steps + 1 + (1 if n % steps else 0)
        roles = ["default"]
        while roles.count("sampled") < n:
            roles.append("sampled")
            if len(roles) % (steps + 1) == 0 or len(roles) == total - 1:
                roles.append("full")
        return tuple(roles)

    def compile(self, task: Task) -> OptimizeResult:
        run = _Run(self, task)
        stop = BudgetStop()
        with stop.catching(self.name):
            run.search()
        return run.result(stopped=stop.reason)

    def estimate_calls(self, sizes: TaskSizes) -> CallEstimate:
        """Bootstraps and trials (program runs), and the prompt model's requests; an upper bound.

        Bootstraps stop once they have their demos, a full evaluation of a
        combination already scored runs nothing, and a proposal's
        descriptions are asked once per distinct example set: fewer may run.
        """
        s = self.sizes(sizes.modules, sizes.valset)
        valset = min(s.valset, sizes.valset) if s.valset is not None else sizes.valset
        demos = ZERO_SHOT_PROPOSAL_DEMOS if self.zero_shot else self.max_bootstrapped_demos
        runs, _ = bootstrap_runs(sizes.trainset, demos, 1)
        # Demo set seeds -3 .. n-4: all bootstrap but the zero-shot one and (with labeled demos) the labeled one.
        bootstraps = max(s.demo_sets - (2 if self.max_labeled_demos else 1), 0)
        rows = {
            "default": valset,
            "full": valset,
            "sampled": min(self.minibatch_size, valset) if s.minibatch else valset,
        }
        program_runs = bootstraps * runs + sum(rows[role] for role in self.plan(s))

        proposals = max(min(s.instruction_candidates, s.demo_sets) - 1, 0)  # per module
        batches = min(max(math.ceil(sizes.trainset / self.view_data_batch_size), 1), SUMMARY_BATCHES)
        summary = batches + 1 if self.data_aware_proposer else 0
        # The program's and the module's description, once per distinct example set (one per proposal at most).
        described = 2 * sizes.modules * proposals if self.program_aware_proposer else 0
        prompt_calls = summary + described + sizes.modules * proposals
        return CallEstimate(program_runs * sizes.run_calls + prompt_calls, upper_bound=True)


@dataclass(frozen=True, slots=True)
class _Candidates:
    """What the trials index: instructions per module, demo sets (None in zero-shot mode)."""

    instructions: Mapping[str, Sequence[str]]
    sets: Sequence[DemoSet] | None

    def params(self, start: Mapping[str, Params], chosen: Mapping[str, int]) -> dict[str, Params]:
        out = {}
        for path, base in start.items():
            p = replace(base, instructions=self.instructions[path][chosen[_instruction(path)]])
            if self.sets is not None:
                p = replace(p, demos=tuple(dict(d.value) for d in self.sets[chosen[_demos(path)]].demos[path]))
            out[path] = p
        return out

    def origins(
        self, start: Mapping[str, tuple[DemoOrigin, ...]], chosen: Mapping[str, int]
    ) -> dict[str, tuple[DemoOrigin, ...]]:
        if self.sets is None:
            return dict(start)
        return {path: tuple(d.origin for d in self.sets[chosen[_demos(path)]].demos[path]) for path in start}

    def record(self) -> dict[str, Any]:
        """The study user attributes other workers check theirs against."""
        attrs: dict[str, Any] = {}
        for path, instructions in self.instructions.items():
            attrs[f"instructions {path}"] = list(instructions)
            if self.sets is not None:
                sets = [[[d.value, d.origin.kind, d.origin.index] for d in s.demos[path]] for s in self.sets]
                attrs[f"demo sets {path}"] = _digest(sets)
        return attrs


def _instruction(path: str) -> str:
    return f"{path} instruction"


def _demos(path: str) -> str:
    return f"{path} demos"


class _Run:
    """One MIPROv2 run: the LMs, the generator, the candidates and the search."""

    def __init__(self, options: MIPROv2, task: Task) -> None:
        self.options = options
        self.task = task
        self.calls = CallCounter()
        self.task_lm = task.named_lm(options.task_model)
        self.student = self.calls.wrap(self.task_lm)
        self.prompt = task.named_lm(options.prompt_model)
        self.seed = options.seed if options.seed is not None else task.seed + SEED_OFFSET
        self.rng = random.Random(self.seed)
        self.start = task.start_params()
        self.paths = task.program.module_paths
        valset = task.valset or task.trainset
        self.sizes = options.sizes(len(self.paths), len(valset))
        if self.sizes.valset is not None:  # DSPy's create_minibatch of the valset
            valset = tuple(valset[i] for i in self.rng.sample(range(len(valset)), min(self.sizes.valset, len(valset))))
        self.valset = valset
        self.threads = options.num_threads if options.num_threads is not None else task.threads
        self.candidates: _Candidates | None = None
        self.search_: SharedSearch | None = None
        self.ran: set[int] = set()  # numbers of the trials this run completed (the others are reused)

    # ------------------------------------------------------------- steps

    def search(self) -> None:
        o, task = self.options, self.task
        if self.sizes.minibatch and o.minibatch_size > len(self.valset):
            raise OptionError(
                f"MIPROv2 option `minibatch_size`: {o.minibatch_size} is more than the valset's {len(self.valset)} "
                "rows; set a smaller minibatch_size or minibatch: false"
            )
        sets = self._demo_sets()
        proposer = GroundedProposer(
            task.program,
            self.start,
            task.trainset,
            self.prompt,
            self.calls,
            ProposerSettings(
                program_aware=o.program_aware_proposer,
                data_aware=o.data_aware_proposer,
                tip_aware=o.tip_aware_proposer,
                fewshot_aware=o.fewshot_aware_proposer,
                view_data_batch_size=o.view_data_batch_size,
                init_temperature=o.init_temperature,
            ),
            self.rng,
        )
        task.progress("propose instructions", 0, 1)
        instructions = proposer.propose(sets, self.sizes.instruction_candidates)
        task.progress("propose instructions", 1, 1)
        for path, found in instructions.items():
            logger.info("%s: %d instruction candidates", path, len(found))
        self.candidates = _Candidates(instructions, None if o.zero_shot else sets)
        roles = o.plan(self.sizes)
        with quiet_optuna():
            self.search_ = SharedSearch(self._place(), self._study_plan(roles), self.seed)
            done = len(self.search_.completed())
            task.progress("trials", done, len(roles))

            def finished(trial: Any) -> None:
                nonlocal done
                done += 1
                self.ran.add(trial.number)
                label = self._label(trial)
                logger.info("%s: %.2f%%", label, trial.value)
                if task.on_candidate is not None:
                    task.on_candidate(label, trial.value)
                task.progress("trials", done, len(roles))

            self.search_.run(self._trial, finished)

    def result(self, *, stopped: str | None) -> OptimizeResult:
        if self.search_ is None or self.candidates is None:  # the budget ran out before the search
            return OptimizeResult(
                params=self.start, origins=self.task.start_origins(), lm_calls=self.calls.count, stopped=stopped
            )
        with quiet_optuna():
            trials = self.search_.completed()
        reused = sum((_reused(t.user_attrs[USAGE]) for t in trials if t.number not in self.ran), Spent())
        full = [t for t in trials if t.user_attrs["role"] == "default" or self._is_full(t)]
        history = tuple(Candidate(self._label(t), t.value) for t in trials)
        if not full:
            return OptimizeResult(
                params=self.start,
                origins=self.task.start_origins(),
                candidates=history,
                lm_calls=self.calls.count,
                stopped=stopped,
                reused=reused,
            )
        best = max(full, key=lambda t: t.value)  # the earliest slot on a tie
        return OptimizeResult(
            params=self.candidates.params(self.start, best.params),
            origins=self.candidates.origins(self.task.start_origins(), best.params),
            score=best.value,
            candidates=history,
            lm_calls=self.calls.count,
            stopped=stopped,
            reused=reused,
        )

    # ------------------------------------------------------------ pieces

    def _demo_sets(self) -> list[DemoSet]:
        o = self.options
        settings = BootstrapSettings(
            max_bootstrapped_demos=ZERO_SHOT_PROPOSAL_DEMOS if o.zero_shot else o.max_bootstrapped_demos,
            max_labeled_demos=o.max_labeled_demos,
            max_rounds=1,
            max_errors=o.max_errors if o.max_errors is not None else DEFAULT_MAX_ERRORS,
            metric_threshold=o.metric_threshold,
        )
        # The teacher runs on the task model unless the block names a teacher.
        return demo_sets(replace(self.task, lm=self.task_lm), self.sizes.demo_sets, settings, self.rng, self.calls)

    def _trial(self, slot: Slot) -> float:
        """Score one slot and keep with it the LM answers the scoring used."""
        meter = Meter()  # no budget: it only measures this trial (the task's meter enforces the budget)
        score = self._score(slot, meter.wrap(self.student))
        slot.note(USAGE, _recorded(meter.spent()))
        return score

    def _score(self, slot: Slot, lm: Any) -> float:
        """The slot's score: the starting program, a sampled combination, or a full evaluation."""
        assert self.candidates is not None
        rows: Sequence[Any] = self.valset
        if slot.role == "default":
            chosen = {name: 0 for name in self._distributions()}
            slot.fix(chosen)
        elif slot.role == "sampled":
            chosen = slot.suggest()
            if self.sizes.minibatch:
                rng = random.Random(f"{self.seed} minibatch {slot.index}")
                rows = [self.valset[i] for i in rng.sample(range(len(self.valset)), self.options.minibatch_size)]
        else:
            chosen, known = _next_full_evaluation(slot.history)
            slot.fix(chosen)
            if known is not None:  # every combination was scored on the whole valset already
                return known
        params = self.candidates.params(self.start, chosen)
        stage = f"trial {slot.index}"
        try:
            result = evaluate(
                self.task.program,
                rows,
                self.task.metric,
                lm=lm,
                params=params,
                threads=self.threads,
                on_progress=lambda done, total: self.task.progress(stage, done, total),
                fatal=self.task.fatal,
                max_errors=self.options.max_errors if self.options.max_errors is not None else DEFAULT_MAX_ERRORS,
            )
        except TooManyErrors as err:  # DSPy scores a candidate that errs too often as 0
            logger.warning("%s scores 0: %s", stage, err)
            return 0.0
        return result.score

    def _distributions(self) -> dict[str, Any]:
        from optuna.distributions import CategoricalDistribution

        assert self.candidates is not None
        out = {}
        for path in self.paths:
            out[_instruction(path)] = CategoricalDistribution(tuple(range(len(self.candidates.instructions[path]))))
            if self.candidates.sets is not None:
                out[_demos(path)] = CategoricalDistribution(tuple(range(len(self.candidates.sets))))
        return out

    def _study_plan(self, roles: tuple[str, ...]) -> StudyPlan:
        assert self.candidates is not None
        attrs = self.candidates.record()
        attrs["identity"] = self._identity()
        return StudyPlan(roles=roles, distributions=self._distributions(), candidates=attrs)

    def _place(self) -> StudyPlace:
        task = self.task
        name = task.study or f"mipro-{self._identity()[:24]}"
        shared = task.storage is not None or task.study is not None
        if task.storage is not None:
            return StudyPlace(task.storage, name, shared)
        if task.state_dir is not None:
            path = task.state_dir.resolve() / "optuna.sqlite3"
            return StudyPlace(f"sqlite:///{path}", name, shared)
        return StudyPlace(None, name, shared)

    def _identity(self) -> str:
        """A digest of what the trials' scores depend on: program, data, metric, LMs, options, seed."""
        task = self.task
        program = task.program
        try:
            body = inspect.getsource(program.body)
        except (OSError, TypeError):
            body = program.body.__qualname__
        described = {
            "format": STUDY_FORMAT,
            "options": asdict(self.options),
            "seed": self.seed,
            "program": [program.name, body, [_spec(program.modules[p]) for p in program.module_paths]],
            "start": {p: params.to_json() for p, params in self.start.items()},
            "trainset": [[dict(e), sorted(e.input_keys)] for e in task.trainset],
            "valset": [[dict(e), sorted(e.input_keys)] for e in self.valset],
            "metric": getattr(task.metric, "__qualname__", type(task.metric).__name__),
            "lms": [_lm(self.task_lm), _lm(self.prompt), _lm(task.teacher_lm)],
        }
        return _digest(described)

    def _is_full(self, trial: Any) -> bool:
        return trial.user_attrs["role"] == "full" or not self.sizes.minibatch

    def _label(self, trial: Any) -> str:
        if trial.user_attrs["role"] == "default":
            what = "starting program"
        elif trial.user_attrs["role"] == "full":
            what = "full evaluation"
        else:
            what = "minibatch" if self.sizes.minibatch else "sampled"
        chosen = "; ".join(
            f"{path}: instruction {trial.params[_instruction(path)]}"
            + (f", demo set {trial.params[_demos(path)]}" if _demos(path) in trial.params else "")
            for path in self.paths
        )
        return f"trial {trial.user_attrs['slot']} ({what}): {chosen}"


def _recorded(spent: Spent) -> dict[str, Any]:
    """A trial's usage as kept in the study: every answer, with the tokens and cost recorded when it was made."""
    return {
        "answers": spent.answers,
        "prompt_tokens": spent.prompt_tokens + spent.cached_prompt_tokens,
        "completion_tokens": spent.completion_tokens + spent.cached_completion_tokens,
        "cost_usd": spent.cost_usd + spent.cached_cost_usd,
        "unrecorded": spent.cached_unrecorded,
    }


def _reused(recorded: Mapping[str, Any]) -> Spent:
    """A reused trial's usage: like answers from the cache, free now and costing what was recorded."""
    return Spent(
        cache_hits=recorded["answers"],
        cached_prompt_tokens=recorded["prompt_tokens"],
        cached_completion_tokens=recorded["completion_tokens"],
        cached_cost_usd=recorded["cost_usd"],
        cached_unrecorded=recorded["unrecorded"],
    )


def _next_full_evaluation(history: Sequence[Any]) -> tuple[dict[str, int], float | None]:
    """The combination with the best mean minibatch score not yet fully evaluated (DSPy's rule).

    When every one was, the best-mean one again, with its known full score (nothing is run).
    """
    scores: dict[tuple[tuple[str, int], ...], list[float]] = {}
    full: dict[tuple[tuple[str, int], ...], float] = {}
    for t in history:
        key = tuple(sorted(t.params.items()))
        if t.user_attrs["role"] == "sampled":
            scores.setdefault(key, []).append(t.value)
        elif t.user_attrs["role"] == "full":
            full[key] = t.value
    ranked = sorted(scores, key=lambda k: sum(scores[k]) / len(scores[k]), reverse=True)  # stable: first seen
    for key in ranked:
        if key not in full:
            return dict(key), None
    return dict(ranked[0]), full[ranked[0]]


def _spec(spec: Any) -> list[Any]:
    sig = spec.signature
    fields = [[f.name, annotation_name(f.annotation), _type_detail(f.annotation), f.desc] for f in sig.fields]
    return [spec.path, spec.kind, sig.name, fields, sorted(spec.options.items(), key=str)]


def _type_detail(annotation: Any) -> Any:
    """What a type's name does not say: an enum's values, a record's JSON schema."""
    values = getattr(annotation, "__members__", None)
    if values is not None:
        return [str(getattr(v, "value", v)) for v in values.values()]
    schema = getattr(annotation, "model_json_schema", None)
    return schema() if callable(schema) else None


def _lm(lm: Any) -> Any:
    if lm is None:
        return None
    options = getattr(lm, "options", None)
    return [getattr(lm, "model", type(lm).__name__), options() if callable(options) else None]


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()
